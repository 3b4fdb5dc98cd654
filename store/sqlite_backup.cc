#include "store/sqlite_backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/status_macros.h"
#include "store/hash_chain.h"
#include "store/schema.h"
#include "store/sqlite.h"

namespace motcua::store {
namespace {

// How long a step that found the source or the copy locked waits before
// trying again: a lock here is brief (a checkpoint taking its turn).
constexpr int kBusyRetryMilliseconds = 5;

absl::Status SyncFile(const std::string& path) {
  const int descriptor = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (descriptor < 0 || fsync(descriptor) != 0) {
    const int error = errno;
    if (descriptor >= 0) close(descriptor);
    return absl::UnavailableError(absl::StrCat("cannot sync the backup ", path,
                                               ": ", std::strerror(error)));
  }
  close(descriptor);
  return absl::OkStatus();
}

absl::StatusOr<BackupSummary> CopyInSteps(const std::string& source_path,
                                          const std::string& destination_path,
                                          int pages_per_step) {
  if (!std::filesystem::exists(source_path)) {
    return absl::NotFoundError(absl::StrCat("no database at ", source_path));
  }
  ASSIGN_OR_RETURN(Database source,
                   Database::Open(source_path, OpenMode::kReadOnly));
  if (absl::Status readable = CheckSchemaReadable(source, source_path);
      !readable.ok()) {
    if (absl::StrContains(readable.message(), source_path)) return readable;
    return absl::Status(readable.code(),
                        absl::StrCat(source_path, ": ", readable.message()));
  }
  // The snapshot: every step reads the pages of this one transaction, so
  // commits made meanwhile by the server are neither seen nor make the copy
  // start again (which a step outside a transaction would do).
  RETURN_IF_ERROR(source.Execute("BEGIN"));
  ASSIGN_OR_RETURN(
      Statement head,
      source.Prepare("SELECT (SELECT value FROM meta WHERE key = "
                     "?1), (SELECT value FROM meta WHERE key = ?2)"));
  head.BindText(1, kMetaHeadSequence).BindText(2, kMetaHeadHash);
  ASSIGN_OR_RETURN(const bool head_row, head.Step());
  BackupSummary summary;
  summary.last_sequence = head_row ? head.ColumnOptionalInt(0).value_or(0) : 0;
  summary.head_hash = head_row && !head.ColumnIsNull(1)
                          ? std::string(head.ColumnBlob(1))
                          : GenesisHash();
  head.Reset();

  ASSIGN_OR_RETURN(
      Database destination,
      Database::Open(destination_path, OpenMode::kReadWriteCreate));
  sqlite3_backup* backup =
      sqlite3_backup_init(destination.get(), "main", source.get(), "main");
  if (backup == nullptr) {
    return destination.Error(sqlite3_errcode(destination.get()),
                             "starting the backup");
  }
  int result = SQLITE_OK;
  do {
    result = sqlite3_backup_step(backup, pages_per_step);
    ++summary.steps;
    if (result == SQLITE_BUSY || result == SQLITE_LOCKED) {
      sqlite3_sleep(kBusyRetryMilliseconds);
    }
  } while (result == SQLITE_OK || result == SQLITE_BUSY ||
           result == SQLITE_LOCKED);
  const int finished = sqlite3_backup_finish(backup);
  if (result != SQLITE_DONE) {
    return destination.Error(result, "copying the database");
  }
  if (finished != SQLITE_OK) {
    return destination.Error(finished, "finishing the backup");
  }
  RETURN_IF_ERROR(source.Execute("COMMIT"));
  // One self-contained file: the copy took the source's WAL mode along.
  RETURN_IF_ERROR(destination.Execute(absl::StrCat(
      "PRAGMA journal_mode = DELETE; PRAGMA user_version = ", kBackupMark,
      ";")));
  destination = Database();
  RETURN_IF_ERROR(SyncFile(destination_path));
  std::error_code error;
  summary.bytes =
      static_cast<int64_t>(std::filesystem::file_size(destination_path, error));
  return summary;
}

}  // namespace

absl::StatusOr<BackupSummary> BackupDatabase(
    const std::string& source_path, const std::string& destination_path,
    int pages_per_step) {
  std::error_code error;
  if (std::filesystem::exists(destination_path, error)) {
    return absl::AlreadyExistsError(
        absl::StrCat("the backup file ", destination_path, " already exists"));
  }
  absl::StatusOr<BackupSummary> summary =
      CopyInSteps(source_path, destination_path, pages_per_step);
  if (!summary.ok()) {
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
      std::filesystem::remove(destination_path + suffix, error);
    }
  }
  return summary;
}

bool IsMotcuaBackup(const std::string& path) {
  // The header: the magic string, and the user version at offset 60,
  // big-endian.
  char header[64] = {};
  std::ifstream in(path, std::ios::binary);
  if (!in.read(header, sizeof(header))) return false;
  if (std::memcmp(header, "SQLite format 3", 16) != 0) return false;
  const auto byte = [&](int i) {
    return static_cast<uint32_t>(static_cast<unsigned char>(header[i]));
  };
  const uint32_t mark =
      byte(60) << 24 | byte(61) << 16 | byte(62) << 8 | byte(63);
  return static_cast<int32_t>(mark) == kBackupMark;
}

absl::Status ClearBackupMark(const std::string& path) {
  ASSIGN_OR_RETURN(Database database,
                   Database::Open(path, OpenMode::kReadWrite));
  return database.Execute("PRAGMA user_version = 0");
}

}  // namespace motcua::store
