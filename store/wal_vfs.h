#ifndef MOTCUA_STORE_WAL_VFS_H_
#define MOTCUA_STORE_WAL_VFS_H_

// A SQLite VFS that gathers the writes to a write-ahead log into few system
// calls per commit.
//
// SQLite appends each WAL frame with two writes (its 24-byte header, then
// the page), so a batch that dirties a thousand pages costs two thousand
// pwrite calls; on a paravirtualised guest each is dear. This VFS wraps the
// default one: database and journal files pass straight through, and a WAL
// file keeps consecutive writes in a buffer that goes to the file in one
// write when
//   - the page of a commit frame (a frame header whose "database size after
//     commit" field is not zero) has been written: SQLite publishes the new
//     frames to readers (the wal-index) only after writing them all, so no
//     reader can look for a frame still in the buffer;
//   - anything else touches the file (read, sync, truncate, size, file
//     control, close) or a write is not at the buffer's end;
// and a write before the end of the log (a frame rewritten in place, or
// the frame headers SQLite rewrites at commit after a cache spill) goes to
// the file at once, after the buffer.
//   - the buffer is full (124 KiB: the most the unix VFS writes at once).
// What SQLite reads, syncs or finds in the file is therefore exactly what it
// would have without the buffer; only the number of system calls changes. A
// crash loses what was in the buffer, which had not been flushed to the disk
// either.

namespace motcua::store {

// The VFS's name for sqlite3_open_v2, registering it on first use (not as
// the default). nullptr if SQLite has no default VFS to wrap.
const char* WalCoalescingVfs();

}  // namespace motcua::store

#endif  // MOTCUA_STORE_WAL_VFS_H_
