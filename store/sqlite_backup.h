#ifndef MOTCUA_STORE_SQLITE_BACKUP_H_
#define MOTCUA_STORE_SQLITE_BACKUP_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace motcua::store {

// The SQLite user version (a header field the schema leaves at 0) that
// marks a file as a backup made by BackupDatabase ("mcbk"). Pruning deletes
// only files that carry it, and a restore clears it, so a live database
// never looks like a backup.
inline constexpr int32_t kBackupMark = 0x6d63626b;

// What a backup holds: the log's head in the copy, and its size.
struct BackupSummary {
  int64_t last_sequence = 0;
  std::string head_hash;  // 32 raw bytes; zeros for an empty log
  int64_t bytes = 0;
  int steps = 0;  // calls of sqlite3_backup_step
};

// Copies the database at `source_path` into a new file at
// `destination_path` (created mode 0600; ALREADY_EXISTS when a file is
// there), consistently, while a server may be writing: one read transaction
// on a read-only connection of its own holds the snapshot, and SQLite's
// backup API copies it `pages_per_step` pages at a time. In WAL mode a
// reader never blocks the writer, so the server goes on committing; it only
// cannot start its WAL again from the beginning until the copy ends
// (docs/operations.md). The copy is a single file (rollback journal, not
// WAL), synced to the disk, marked with kBackupMark. On any error
// the partial copy is removed. NOT_FOUND when there is no database at
// `source_path`; FAILED_PRECONDITION when its schema is not this build's;
// UNAVAILABLE (SQLite's message) when a file cannot be read or written.
absl::StatusOr<BackupSummary> BackupDatabase(
    const std::string& source_path, const std::string& destination_path,
    int pages_per_step = 4096);

// Whether the file at `path` is a SQLite database marked as a backup by
// BackupDatabase (reads its header only; false when unreadable).
bool IsMotcuaBackup(const std::string& path);

// Clears the backup mark of the database at `path` (a restored copy
// becoming a live database). UNAVAILABLE when it cannot be written.
absl::Status ClearBackupMark(const std::string& path);

}  // namespace motcua::store

#endif  // MOTCUA_STORE_SQLITE_BACKUP_H_
