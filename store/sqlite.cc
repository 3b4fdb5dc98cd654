#include "store/sqlite.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "store/wal_vfs.h"

namespace motcua::store {
namespace {

// Busy and locked mean another connection holds the file: the caller may
// retry. Full disk and I/O errors are also worth a retry once the operator
// has acted. Anything else is a bug or a damaged file.
absl::StatusCode CodeFor(int result) {
  switch (result & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      return absl::StatusCode::kUnavailable;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::StatusCode::kDataLoss;
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return absl::StatusCode::kPermissionDenied;
    default:
      return absl::StatusCode::kInternal;
  }
}

// Creates `path` empty, readable and writable by its owner only, when it
// does not exist: SQLite would create it with 0644 less the umask, and it
// gives the -wal and -shm files it creates beside a database the mode of
// the database file, so all three are the owner's alone. An empty file is
// an empty database to SQLite. An existing file keeps its mode. Names that
// are not files (":memory:", URIs) are left to SQLite.
absl::Status CreateOwnerOnly(const std::string& path) {
  if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) {
    return absl::OkStatus();
  }
  const int descriptor =
      open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (descriptor >= 0) {
    close(descriptor);
    return absl::OkStatus();
  }
  if (errno == EEXIST) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat("cannot create database ", path,
                                             ": ", std::strerror(errno)));
}

// The payload that marks a status as a failure for want of room.
constexpr absl::string_view kStorageFullPayload =
    "type.motcua/store.StorageFull";

// SQLite says SQLITE_FULL when a write found no room (ENOSPC); a write past
// the process's file size limit (EFBIG) or the user's quota (EDQUOT) comes
// back as an I/O error, whose cause only the system's errno tells.
bool ResultIsStorageFull(int result, sqlite3* database) {
  if ((result & 0xff) == SQLITE_FULL) return true;
  if ((result & 0xff) != SQLITE_IOERR || database == nullptr) return false;
  const int error = sqlite3_system_errno(database);
  return error == ENOSPC || error == EDQUOT || error == EFBIG;
}

// A status for SQLite result code `result`, marked when it is a full disk.
absl::Status SqliteStatus(int result, sqlite3* database, std::string message) {
  absl::Status status(CodeFor(result), std::move(message));
  if (ResultIsStorageFull(result, database)) {
    status.SetPayload(kStorageFullPayload, absl::Cord("1"));
  }
  return status;
}

}  // namespace

bool IsStorageFull(const absl::Status& status) {
  return status.GetPayload(kStorageFullPayload).has_value();
}

// ---------------------------------------------------------------------------
// Statement

Statement::~Statement() { sqlite3_finalize(statement_); }

Statement::Statement(Statement&& other) noexcept
    : statement_(std::exchange(other.statement_, nullptr)),
      database_(std::exchange(other.database_, nullptr)),
      bind_status_(std::move(other.bind_status_)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(statement_);
    statement_ = std::exchange(other.statement_, nullptr);
    database_ = std::exchange(other.database_, nullptr);
    bind_status_ = std::move(other.bind_status_);
  }
  return *this;
}

void Statement::NoteBindResult(int result) {
  if (result != SQLITE_OK && bind_status_.ok()) {
    bind_status_ = absl::Status(
        CodeFor(result), absl::StrCat("SQLite bind: ", sqlite3_errstr(result)));
  }
}

Statement& Statement::BindInt(int index, int64_t value) {
  NoteBindResult(sqlite3_bind_int64(statement_, index, value));
  return *this;
}

Statement& Statement::BindText(int index, absl::string_view value) {
  NoteBindResult(sqlite3_bind_text64(statement_, index, value.data(),
                                     value.size(), SQLITE_TRANSIENT,
                                     SQLITE_UTF8));
  return *this;
}

Statement& Statement::BindBlob(int index, absl::string_view value) {
  // An empty blob is a zero-length blob, not NULL: SQLite takes a null
  // pointer for NULL.
  static const char kEmpty = 0;
  NoteBindResult(sqlite3_bind_blob64(statement_, index,
                                     value.empty() ? &kEmpty : value.data(),
                                     value.size(), SQLITE_TRANSIENT));
  return *this;
}

Statement& Statement::BindNull(int index) {
  NoteBindResult(sqlite3_bind_null(statement_, index));
  return *this;
}

Statement& Statement::BindOptionalInt(int index, std::optional<int64_t> value) {
  return value.has_value() ? BindInt(index, *value) : BindNull(index);
}

absl::StatusOr<bool> Statement::Step() {
  if (!bind_status_.ok()) return bind_status_;
  const int result = sqlite3_step(statement_);
  if (result == SQLITE_ROW) return true;
  if (result == SQLITE_DONE) return false;
  return SqliteStatus(result, database_,
                      absl::StrCat("SQLite: ", sqlite3_errmsg(database_),
                                   " (in \"", sqlite3_sql(statement_), "\")"));
}

absl::Status Statement::Run() {
  absl::StatusOr<bool> row = Step();
  while (row.ok() && *row) row = Step();
  Reset();
  return row.status();
}

absl::Status Statement::ForEachRow(absl::FunctionRef<absl::Status()> on_row) {
  absl::Status status;
  while (status.ok()) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) {
      status = row.status();
      break;
    }
    if (!*row) break;
    status = on_row();
  }
  Reset();
  return status;
}

void Statement::Reset() {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
  bind_status_ = absl::OkStatus();
}

int64_t Statement::ColumnInt(int column) const {
  return sqlite3_column_int64(statement_, column);
}

absl::string_view Statement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(statement_, column);
  if (text == nullptr) return {};
  return absl::string_view(reinterpret_cast<const char*>(text),
                           sqlite3_column_bytes(statement_, column));
}

absl::string_view Statement::ColumnBlob(int column) const {
  const void* blob = sqlite3_column_blob(statement_, column);
  if (blob == nullptr) return {};
  return absl::string_view(static_cast<const char*>(blob),
                           sqlite3_column_bytes(statement_, column));
}

bool Statement::ColumnIsNull(int column) const {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

std::optional<int64_t> Statement::ColumnOptionalInt(int column) const {
  if (ColumnIsNull(column)) return std::nullopt;
  return ColumnInt(column);
}

int Statement::ColumnCount() const { return sqlite3_column_count(statement_); }

absl::string_view Statement::ColumnName(int column) const {
  const char* name = sqlite3_column_name(statement_, column);
  return name != nullptr ? absl::string_view(name) : absl::string_view();
}

Statement::Type Statement::ColumnType(int column) const {
  switch (sqlite3_column_type(statement_, column)) {
    case SQLITE_NULL:
      return Type::kNull;
    case SQLITE_INTEGER:
      return Type::kInteger;
    case SQLITE_FLOAT:
      return Type::kFloat;
    case SQLITE_TEXT:
      return Type::kText;
    default:
      return Type::kBlob;
  }
}

std::string Statement::ColumnForDisplay(int column) const {
  switch (sqlite3_column_type(statement_, column)) {
    case SQLITE_NULL:
      return "NULL";
    case SQLITE_INTEGER:
      return absl::StrCat(ColumnInt(column));
    case SQLITE_FLOAT:
      return absl::StrCat(sqlite3_column_double(statement_, column));
    case SQLITE_TEXT:
      return absl::StrCat("\"", ColumnText(column), "\"");
    default: {
      constexpr size_t kShown = 32;
      const absl::string_view blob = ColumnBlob(column);
      std::string hex = absl::BytesToHexString(blob.substr(0, kShown));
      return absl::StrCat("x'", hex, "'",
                          blob.size() > kShown
                              ? absl::StrCat("... (", blob.size(), " bytes)")
                              : "");
    }
  }
}

// ---------------------------------------------------------------------------
// Database

absl::StatusOr<Database> Database::Open(const std::string& path,
                                        OpenMode mode) {
  // Each connection is used by one thread at a time (the writer's by the
  // writer thread, the readers' under a mutex), so SQLite's own mutexes are
  // not needed.
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
  switch (mode) {
    case OpenMode::kReadWriteCreate:
      flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
      break;
    case OpenMode::kReadWrite:
      flags |= SQLITE_OPEN_READWRITE;
      break;
    case OpenMode::kReadOnly:
      flags |= SQLITE_OPEN_READONLY;
      break;
  }
  if (mode == OpenMode::kReadWriteCreate) {
    if (absl::Status created = CreateOwnerOnly(path); !created.ok()) {
      return created;
    }
  }
  sqlite3* handle = nullptr;
  // WAL writes gathered into one system call per commit (store/wal_vfs.h).
  const int result =
      sqlite3_open_v2(path.c_str(), &handle, flags, WalCoalescingVfs());
  Database database(handle);
  if (result != SQLITE_OK) {
    return absl::UnavailableError(absl::StrCat(
        "cannot open database ", path, ": ",
        handle != nullptr ? sqlite3_errmsg(handle) : sqlite3_errstr(result)));
  }
  sqlite3_extended_result_codes(handle, 1);
  // Another connection may briefly hold the write lock (a checkpoint, an
  // audit tool): wait for it rather than fail.
  sqlite3_busy_timeout(handle, 10000);
  return database;
}

Database::~Database() { CloseNow(); }

bool Statement::SameColumn(int column, const Statement& other) const {
  const int type = sqlite3_column_type(statement_, column);
  if (type != sqlite3_column_type(other.statement_, column)) return false;
  switch (type) {
    case SQLITE_NULL:
      return true;
    case SQLITE_INTEGER:
      return sqlite3_column_int64(statement_, column) ==
             sqlite3_column_int64(other.statement_, column);
    case SQLITE_FLOAT:
      return sqlite3_column_double(statement_, column) ==
             sqlite3_column_double(other.statement_, column);
    default: {
      // Text and blobs: their bytes, without conversion.
      const void* mine = sqlite3_column_blob(statement_, column);
      const void* theirs = sqlite3_column_blob(other.statement_, column);
      const int size = sqlite3_column_bytes(statement_, column);
      return size == sqlite3_column_bytes(other.statement_, column) &&
             (size == 0 || std::memcmp(mine, theirs, size) == 0);
    }
  }
}

Database::Database(Database&& other) noexcept
    : database_(std::exchange(other.database_, nullptr)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    CloseNow();
    database_ = std::exchange(other.database_, nullptr);
  }
  return *this;
}

void Database::CloseNow() {
  // Every Statement must be finalized before; sqlite3_close_v2 defers the
  // close until they are, rather than failing.
  if (database_ != nullptr) sqlite3_close_v2(database_);
  database_ = nullptr;
}

absl::Status Database::Error(int result, absl::string_view what) const {
  return SqliteStatus(
      result, database_,
      absl::StrCat("SQLite ", what, ": ",
                   database_ != nullptr ? sqlite3_errmsg(database_)
                                        : sqlite3_errstr(result)));
}

absl::Status Database::Execute(absl::string_view sql) {
  char* message = nullptr;
  const std::string text(sql);
  const int result =
      sqlite3_exec(database_, text.c_str(), nullptr, nullptr, &message);
  if (result == SQLITE_OK) return absl::OkStatus();
  absl::Status status = SqliteStatus(
      result, database_,
      absl::StrCat(
          "SQLite: ", message != nullptr ? message : sqlite3_errstr(result),
          " (in \"", sql.substr(0, 200), "\")"));
  sqlite3_free(message);
  return status;
}

absl::StatusOr<Statement> Database::Prepare(absl::string_view sql) {
  sqlite3_stmt* statement = nullptr;
  const int result =
      sqlite3_prepare_v3(database_, sql.data(), static_cast<int>(sql.size()),
                         SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
  if (result != SQLITE_OK) {
    return absl::Status(CodeFor(result), absl::StrCat("SQLite prepare: ",
                                                      sqlite3_errmsg(database_),
                                                      " (in \"", sql, "\")"));
  }
  return Statement(statement, database_);
}

absl::StatusOr<std::optional<int64_t>> Database::QueryInt(
    absl::string_view sql) {
  absl::StatusOr<Statement> statement = Prepare(sql);
  if (!statement.ok()) return statement.status();
  absl::StatusOr<bool> row = statement->Step();
  if (!row.ok()) return row.status();
  if (!*row || statement->ColumnIsNull(0)) return std::optional<int64_t>();
  return std::optional<int64_t>(statement->ColumnInt(0));
}

std::string Database::WalPath() const {
  const char* main = sqlite3_db_filename(database_, "main");
  if (main == nullptr || *main == 0) return "";
  return sqlite3_filename_wal(main);
}

bool Database::InTransaction() const {
  return sqlite3_get_autocommit(database_) == 0;
}

int64_t Database::Changes() const { return sqlite3_changes64(database_); }

absl::StatusOr<Database::CheckpointResult> Database::CheckpointPassive() {
  CheckpointResult result;
  const int rc = sqlite3_wal_checkpoint_v2(
      database_, "main", SQLITE_CHECKPOINT_PASSIVE, &result.wal_frames,
      &result.checkpointed_frames);
  if (rc == SQLITE_BUSY) return result;
  if (rc != SQLITE_OK) return Error(rc, "checkpoint");
  return result;
}

void Database::SetWalHook(int (*hook)(void* argument, sqlite3* connection,
                                      const char* database, int frames),
                          void* argument) {
  sqlite3_wal_hook(database_, hook, argument);
}

WalFile::~WalFile() {
  if (descriptor_ >= 0) close(descriptor_);
}

absl::Status WalFile::Sync() {
  if (descriptor_ < 0) {
    descriptor_ = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (descriptor_ < 0) {
      return absl::UnavailableError(absl::StrCat(
          "opening the write-ahead log ", path_, ": ", std::strerror(errno)));
    }
  }
  int result;
  do {
    result = fdatasync(descriptor_);
  } while (result != 0 && errno == EINTR);
  if (result != 0) {
    return absl::UnavailableError(
        absl::StrCat("flushing the write-ahead log ", path_,
                     " to the disk: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace motcua::store
