#!/usr/bin/env python3
"""bench/wal_pages.py counts each commit's pages by B-tree, whole commits only.

A real SQLite file in WAL mode, written by known transactions: each update
below changes one leaf page of `a` and one of `b`, so every commit is two
frames. After a restart of the WAL, a commit of three pages overwrites the
first three frames of the pass before: the second commit of that pass
(frames 3 and 4) loses its first frame and must not be counted.
"""

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

TOOL = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                    "..", "..", "bench", "wal_pages.py")


def rows_of(markdown):
    """B-tree -> pages per commit, from the tool's table."""
    rows = {}
    for line in markdown.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 3 and cells[0] not in ("B-tree", "---"):
            rows[cells[0]] = float(cells[1])
    return rows


class WalPagesTest(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="wal-pages-test-")
        self.path = os.path.join(self.directory, "store.db")
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA wal_autocheckpoint = 0")
        self.db.execute("CREATE TABLE a (k INTEGER PRIMARY KEY, v TEXT)")
        self.db.execute(
            "CREATE TABLE b (k TEXT PRIMARY KEY, v INTEGER) WITHOUT ROWID")
        self.db.execute("CREATE TABLE c (k INTEGER PRIMARY KEY, v INTEGER)")
        self.db.execute("INSERT INTO a VALUES (1, 'x'), (2, 'y')")
        self.db.execute("INSERT INTO b VALUES ('p', 0)")
        self.db.execute("INSERT INTO c VALUES (1, 0)")
        # Everything so far in the database file; the WAL starts again.
        self.db.execute("PRAGMA wal_checkpoint(RESTART)")

    def tearDown(self):
        self.db.close()
        shutil.rmtree(self.directory)

    def commit(self, sql):
        self.db.execute("BEGIN")
        for statement in sql:
            self.db.execute(statement)
        self.db.execute("COMMIT")

    def run_tool(self):
        # A copy while the connection is open, the WAL first, as of a store
        # under load (closing would fold the WAL back in).
        copy = os.path.join(self.directory, "copy.db")
        shutil.copyfile(self.path + "-wal", copy + "-wal")
        shutil.copyfile(self.path, copy)
        result = subprocess.run(
            [sys.executable, TOOL, copy, copy + "-wal"],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        return result.stdout

    def test_counts_each_commits_pages_by_btree(self):
        for value in range(5):
            self.commit([f"UPDATE a SET v = 'z{value}' WHERE k = 1",
                         f"UPDATE b SET v = {value + 1} WHERE k = 'p'"])
        out = self.run_tool()
        self.assertIn("5 commits, 4096-byte pages, 2.0 pages per commit", out)
        self.assertEqual(rows_of(out), {"a": 1.0, "b": 1.0})

    def test_leaves_out_a_commit_overwritten_in_part(self):
        for value in range(5):
            self.commit([f"UPDATE a SET v = 'z{value}' WHERE k = 1",
                         f"UPDATE b SET v = {value + 1} WHERE k = 'p'"])
        self.db.execute("PRAGMA wal_checkpoint(RESTART)")
        self.commit(["UPDATE a SET v = 'w' WHERE k = 2",
                     "UPDATE b SET v = 9 WHERE k = 'p'",
                     "UPDATE c SET v = 1 WHERE k = 1"])
        out = self.run_tool()
        # The new pass's commit, and the old pass's commits 3 to 5.
        self.assertIn("4 commits", out)
        rows = rows_of(out)
        self.assertEqual(rows["a"], 1.0)
        self.assertEqual(rows["b"], 1.0)
        self.assertAlmostEqual(rows["c"], 0.25, delta=0.05)  # one in four

    def test_refuses_what_is_not_a_wal(self):
        junk = os.path.join(self.directory, "junk")
        with open(junk, "wb") as out:
            out.write(b"\0" * 64)
        result = subprocess.run(
            [sys.executable, TOOL, self.path, junk],
            capture_output=True, text=True, timeout=60)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("not a SQLite WAL file", result.stderr)


if __name__ == "__main__":
    unittest.main()
