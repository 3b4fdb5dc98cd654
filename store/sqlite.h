#ifndef MOTCUA_STORE_SQLITE_H_
#define MOTCUA_STORE_SQLITE_H_

// Small owning wrappers over the SQLite C API: a connection and a prepared
// statement. Errors become absl::Status carrying SQLite's message.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

struct sqlite3;
struct sqlite3_stmt;

namespace motcua::store {

// How a connection opens its file.
enum class OpenMode {
  kReadWriteCreate,  // creates the file when missing
  kReadWrite,
  kReadOnly,
};

// Whether `status` is a SQLite failure for want of room: the disk is full
// (SQLITE_FULL), or a write went past the user's quota or the process's
// file size limit. It lasts until room is made, unlike a damaged file.
bool IsStorageFull(const absl::Status& status);

// A prepared statement, reset and reused. Not thread-safe: it belongs to its
// connection's thread.
class Statement {
 public:
  Statement() = default;
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;

  // Parameters are 1-based, as in SQLite. Text and blobs are copied.
  Statement& BindInt(int index, int64_t value);
  Statement& BindText(int index, absl::string_view value);
  Statement& BindBlob(int index, absl::string_view value);
  Statement& BindNull(int index);
  Statement& BindOptionalInt(int index, std::optional<int64_t> value);

  // Runs one step: true when a row is ready, false when done; an error
  // otherwise. The first bind error, if any, is returned here.
  absl::StatusOr<bool> Step();
  // Steps to completion, for a statement that returns no rows, and resets.
  absl::Status Run();
  // Steps through every row, calling `on_row` with the row current, until
  // the end, an error, or `on_row` fails; then resets. The first error.
  absl::Status ForEachRow(absl::FunctionRef<absl::Status()> on_row);
  // Resets and clears the bindings, ready for the next use.
  void Reset();

  // Columns are 0-based. Views stay valid until the next Step or Reset.
  int64_t ColumnInt(int column) const;
  absl::string_view ColumnText(int column) const;
  absl::string_view ColumnBlob(int column) const;
  bool ColumnIsNull(int column) const;
  // The storage class of the column's value in the current row.
  enum class Type { kNull, kInteger, kFloat, kText, kBlob };
  Type ColumnType(int column) const;
  std::optional<int64_t> ColumnOptionalInt(int column) const;
  int ColumnCount() const;
  absl::string_view ColumnName(int column) const;
  // The value for people to read: NULL, a number, quoted text, or a blob as
  // x'hex' (the first 32 bytes).
  std::string ColumnForDisplay(int column) const;

  bool valid() const { return statement_ != nullptr; }

  // Whether column `column` of this statement's current row holds the same
  // value as that of `other`'s: the same type and the same bytes.
  bool SameColumn(int column, const Statement& other) const;

 private:
  friend class Database;
  Statement(sqlite3_stmt* statement, sqlite3* database)
      : statement_(statement), database_(database) {}
  void NoteBindResult(int result);

  sqlite3_stmt* statement_ = nullptr;
  sqlite3* database_ = nullptr;
  absl::Status bind_status_;
};

// One connection to a database file.
class Database {
 public:
  // Opens `path`. UNAVAILABLE (naming the file) when it cannot be opened.
  static absl::StatusOr<Database> Open(const std::string& path, OpenMode mode);

  Database() = default;
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;

  // Runs one or more statements that return no rows.
  absl::Status Execute(absl::string_view sql);
  // Prepares one statement, meant to be kept and reused.
  absl::StatusOr<Statement> Prepare(absl::string_view sql);
  // The first column of the first row of `sql`, when it is an integer.
  absl::StatusOr<std::optional<int64_t>> QueryInt(absl::string_view sql);

  // A status for SQLite result code `result` on this connection, with its
  // message and `what` the caller was doing.
  absl::Status Error(int result, absl::string_view what) const;

  sqlite3* get() const { return database_; }

  // The file of the main database's write-ahead log.
  std::string WalPath() const;
  // Whether a transaction is open (SQLite ends one itself on some errors:
  // a full disk, an I/O error, out of memory).
  bool InTransaction() const;
  // Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t Changes() const;

  // What a checkpoint did: the WAL's length and how much of it is now in
  // the database, in frames.
  struct CheckpointResult {
    int wal_frames = 0;
    int checkpointed_frames = 0;
  };
  // A PASSIVE checkpoint of the main database: copies as much of the WAL
  // as no reader still needs into the database, waiting for no one (a
  // writer may go on appending). With synchronous=NORMAL it syncs the WAL
  // before and the database after. BUSY-free: another checkpoint running
  // makes this one a no-op.
  absl::StatusOr<CheckpointResult> CheckpointPassive();
  // Calls `hook(argument, connection, database name, frames)` after each
  // commit on this connection with the WAL's length in frames; it returns
  // SQLITE_OK (0). Replaces SQLite's automatic checkpoint
  // (sqlite3_wal_hook).
  void SetWalHook(int (*hook)(void* argument, sqlite3* connection,
                              const char* database, int frames),
                  void* argument);

 private:
  explicit Database(sqlite3* database) : database_(database) {}
  void CloseNow();

  sqlite3* database_ = nullptr;
};

// The write-ahead log of a database, flushed to the disk apart from SQLite.
// The store's writer commits with synchronous=NORMAL (SQLite does not flush
// at commit) and a flusher thread calls Sync: every frame written before the
// call is on the disk when it returns OK, so one flush serves every batch
// committed before it while the writer goes on with the next. fdatasync
// works on the file, whichever descriptor names it; SQLite locks the
// database and its -shm file, never the WAL, so a descriptor of our own
// disturbs none of its locks. Not thread-safe: one flusher owns it.
class WalFile {
 public:
  explicit WalFile(std::string path) : path_(std::move(path)) {}
  ~WalFile();
  WalFile(const WalFile&) = delete;
  WalFile& operator=(const WalFile&) = delete;

  // Opens the file at the first call (it exists once anything was
  // committed). UNAVAILABLE naming the file when it cannot be flushed.
  absl::Status Sync();

 private:
  std::string path_;
  int descriptor_ = -1;
};

}  // namespace motcua::store

#endif  // MOTCUA_STORE_SQLITE_H_
