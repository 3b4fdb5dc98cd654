#!/usr/bin/env python3
"""Which B-trees a store's commits write, from a copy of its write-ahead log.

Every commit writes each page it changed to the WAL once (and a checkpoint
copies it into the database later), so the pages per commit, by table and
index, are where a durable command's bytes go. Take a copy while a load
runs, the WAL first:

    cp STORE.db-wal /tmp/w/copy.db-wal && cp STORE.db /tmp/w/copy.db
    python3 bench/wal_pages.py /tmp/w/copy.db /tmp/w/copy.db-wal

It reads the frames of every commit still whole in the WAL (the current
pass over the file and what is left of the ones before it), then opens a
scratch copy of the database with that WAL to name each page's B-tree
(SQLite's dbstat table). A page allocated or freed since is counted as "?".
Prints Markdown.
"""

import argparse
import collections
import os
import shutil
import sqlite3
import struct
import sys
import tempfile

WAL_HEADER = 32
FRAME_HEADER = 24


def commits_in(wal):
    """The commits of `wal` (bytes), each a list of page numbers."""
    if len(wal) < WAL_HEADER:
        raise SystemExit("the WAL copy is shorter than its header")
    magic, _, page_size = struct.unpack(">3I", wal[:12])
    if magic not in (0x377F0682, 0x377F0683):
        raise SystemExit("not a SQLite WAL file (magic %#x)" % magic)
    commits = []
    # By salt: each pass over the file has its own. A pass that does not
    # start at the file's first frame lost its beginning to a later pass,
    # so its first commit found is not whole.
    open_frames = {}
    whole = {}
    offset = WAL_HEADER
    while offset + FRAME_HEADER + page_size <= len(wal):
        page, size_after, salt1, salt2 = struct.unpack(
            ">4I", wal[offset:offset + 16])
        salt = (salt1, salt2)
        if salt not in open_frames:
            open_frames[salt] = []
            whole[salt] = offset == WAL_HEADER
        frames = open_frames[salt]
        frames.append(page)
        if size_after:  # a commit frame ends its transaction
            if whole[salt]:
                commits.append(frames[:])
            whole[salt] = True
            frames.clear()
        offset += FRAME_HEADER + page_size
    return page_size, commits


def page_owners(database, wal_bytes):
    """Page number -> B-tree name, in a scratch copy of the database."""
    scratch = tempfile.mkdtemp(prefix="wal-pages-")
    try:
        copy = os.path.join(scratch, "copy.db")
        shutil.copyfile(database, copy)
        with open(copy + "-wal", "wb") as wal:
            wal.write(wal_bytes)
        connection = sqlite3.connect(copy)
        try:
            return dict(connection.execute("SELECT pageno, name FROM dbstat"))
        finally:
            connection.close()
    finally:
        shutil.rmtree(scratch)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", help="copy of the database file")
    parser.add_argument("wal", help="copy of its -wal file")
    args = parser.parse_args()
    with open(args.wal, "rb") as wal:
        wal_bytes = wal.read()
    page_size, commits = commits_in(wal_bytes)
    if not commits:
        raise SystemExit("no whole commit in the WAL copy")
    owners = page_owners(args.database, wal_bytes)
    pages = collections.Counter()
    for commit in commits:
        for page in set(commit):  # a page rewritten in a commit counts once
            pages[owners.get(page, "?")] += 1
    total = sum(pages.values())
    print("%d commits, %d-byte pages, %.1f pages per commit\n"
          % (len(commits), page_size, total / len(commits)))
    print("| B-tree | pages per commit | share |")
    print("| --- | --- | --- |")
    for name, count in pages.most_common():
        print("| %s | %.1f | %.1f %% |"
              % (name, count / len(commits), 100.0 * count / total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
