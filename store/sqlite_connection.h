#ifndef MOTCUA_STORE_SQLITE_CONNECTION_H_
#define MOTCUA_STORE_SQLITE_CONNECTION_H_

#include <cstdint>

#include "absl/status/status.h"
#include "store/sqlite.h"

namespace motcua::store {

// The size the write-ahead log file stays under while no reader holds an
// old snapshot for long (a reader's snapshot keeps the frames after it,
// which an hours-long read can make grow): the frames the writer lets
// accumulate before it checkpoints (about 16 MiB) plus those of one batch
// (docs/operations.md).
inline constexpr int64_t kWalBoundBytes = int64_t{32} << 20;

// Checkpoints run on their own thread and connection, off the writer's
// path: one starts whenever a commit leaves the WAL at kCheckpointFrames
// or more. A checkpoint that runs beside the writer can never copy the
// frames appended meanwhile, so the WAL can only start again from its
// beginning after a checkpoint that the writer waits for: the writer runs
// one itself when the WAL reaches kWriterCheckpointFrames, by then mostly
// copied, and the next batch starts the WAL again from its beginning
// (unless a reader still holds a snapshot in it). The file is then cut
// back to kJournalSizeLimitBytes, so the WAL file stays under
// kWalBoundBytes: what the writer's checkpoint lets accumulate, plus one
// batch. Lower thresholds mean more, shorter checkpoints; these keep the
// WAL a small fraction of a disk.
inline constexpr int kCheckpointFrames = 2000;        // about 8 MiB
inline constexpr int kWriterCheckpointFrames = 4000;  // about 16 MiB
// When the WAL starts again from its beginning, its file is cut back to
// this size (kept, not cut to nothing: reusing allocated space is cheaper
// than growing the file again).
inline constexpr int64_t kJournalSizeLimitBytes = 16 << 20;
static_assert(kJournalSizeLimitBytes < kWalBoundBytes);

// What a connection of the store is for.
enum class ConnectionRole {
  kWriter,  // the one connection that writes: WAL mode, a large cache
  kReader,  // reads and checkpoints: query_only
};

// Sets the pragmas of a store connection. FAILED_PRECONDITION when the
// writer's database cannot use write-ahead logging (a network file system,
// say); SQLite's error otherwise.
absl::Status ConfigureConnection(Database& database, ConnectionRole role);

}  // namespace motcua::store

#endif  // MOTCUA_STORE_SQLITE_CONNECTION_H_
