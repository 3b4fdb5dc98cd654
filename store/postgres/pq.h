#ifndef MOTCUA_STORE_POSTGRES_PQ_H_
#define MOTCUA_STORE_POSTGRES_PQ_H_

// Small owning wrappers over libpq, as store/sqlite.h is for SQLite: a
// connection, a result, the parameters of a statement. Every statement is
// sent with the extended protocol and asks for binary results; integers go
// out as text (so any integer column type takes them), text and bytea as
// their raw bytes. Errors become absl::Status carrying PostgreSQL's message
// and SQLSTATE, with a code by what the caller should do next.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

struct pg_conn;
struct pg_result;

namespace motcua::store::pg {

// Whether `status` is PostgreSQL's "disk full" (SQLSTATE 53100): it lasts
// until room is made.
bool IsStorageFull(const absl::Status& status);

// The SQLSTATE the lease's fence raises (pg_schema.cc, motcua_fence), and
// whether `status` carries it: another server leads now.
inline constexpr char kLeaseLostSqlState[] = "MC001";
bool IsLeaseLost(const absl::Status& status);

// The parameters of one statement ($1, $2, ... in the order added).
class Params {
 public:
  Params& Int(int64_t value);
  Params& Text(absl::string_view value);
  Params& Bytes(absl::string_view value);
  Params& Null();
  Params& OptionalInt(std::optional<int64_t> value);

  int size() const { return static_cast<int>(values_.size()); }

 private:
  friend class Connection;
  struct Value {
    std::string bytes;
    bool null = false;
    bool binary = false;
  };
  std::vector<Value> values_;
};

// Rows for COPY ... FROM STDIN in its text format, built field by field:
// integers in decimal, text with its backslash, tab, newline and carriage
// return escaped, bytea in hex, NULL as \N.
class CopyRows {
 public:
  CopyRows& Int(int64_t value);
  CopyRows& Text(absl::string_view value);
  CopyRows& Bytes(absl::string_view value);
  CopyRows& Null();
  // Ends the row being built.
  void EndRow();

  // The whole rows so far, and their removal once sent.
  const std::string& data() const { return data_; }
  void clear() { data_.clear(); }

 private:
  void Field();
  std::string data_;
  bool in_row_ = false;
};

// The result of one statement; its rows are read with binary decoding.
class Result {
 public:
  Result() = default;
  int rows() const;
  int columns() const;
  bool IsNull(int row, int column) const;
  // A bigint, integer or smallint column (a boolean reads as 0 or 1).
  int64_t Int(int row, int column) const;
  std::optional<int64_t> OptionalInt(int row, int column) const;
  // What a column holds, by its type: kInteger for bigint, integer,
  // smallint and boolean; kBytes for bytea; kText for everything else
  // (read as its binary form, which is the text itself for text columns).
  enum class Type { kInteger, kText, kBytes };
  Type ColumnType(int column) const;
  // A text or bytea column, viewing the result's memory.
  absl::string_view Bytes(int row, int column) const;
  absl::string_view Text(int row, int column) const {
    return Bytes(row, column);
  }

 private:
  friend class Connection;
  struct Free {
    void operator()(pg_result* result) const;
  };
  explicit Result(pg_result* result) : result_(result) {}
  std::unique_ptr<pg_result, Free> result_;
};

// One connection. Not thread-safe: used by one thread at a time.
//
// Pipeline mode (Queue, Fetch, Sync) sends statements without waiting for
// their results, so that a batch of writes costs one round trip: the
// writer's transaction is BEGIN, every command's statements, COMMIT, with
// a round trip only where a read's answer is needed.
class Connection {
 public:
  // Connects with a libpq connection string or URL. UNAVAILABLE, with
  // libpq's message, when the server cannot be reached or refuses.
  static absl::StatusOr<Connection> Open(const std::string& url);

  Connection() = default;
  Connection(Connection&&) noexcept = default;
  Connection& operator=(Connection&&) noexcept = default;

  // Runs `sql` (one or more statements, no parameters) and waits. Not in
  // pipeline mode.
  absl::Status Execute(absl::string_view sql);
  // Runs one statement with parameters and waits for its rows. Not in
  // pipeline mode.
  absl::StatusOr<Result> Query(absl::string_view sql,
                               const Params& params = Params());
  // Runs the prepared statement `name` and waits for its rows. Not in
  // pipeline mode.
  absl::StatusOr<Result> Run(const std::string& name,
                             const Params& params = Params());
  // Prepares `sql` under `name` for Run, Queue and Fetch. Not in pipeline
  // mode.
  absl::Status Prepare(const std::string& name, absl::string_view sql);

  // COPY: `sql` is a COPY ... FROM STDIN statement (text format), which
  // SendCopy feeds with whole rows and EndCopy ends, waiting for its
  // result (the first bad row's error). The bulk path: the rows go as one
  // stream, with no statement, parameters or result per row. Not in
  // pipeline mode.
  absl::Status BeginCopy(absl::string_view sql);
  absl::Status SendCopy(const CopyRows& rows);
  absl::Status EndCopy();

  // Pipeline mode, on the connection for good.
  absl::Status EnterPipeline();
  // Sends the prepared statement `name`, without waiting. An error of the
  // statement is reported by the next Fetch or Sync. Every few hundred
  // statements it reads what came back, so that neither side's socket
  // buffer fills while the other waits (libpq's pipeline deadlock).
  void Queue(const std::string& name, const Params& params = Params());
  // Sends the prepared statement `name`, then waits for the results of
  // everything queued before it and for its own rows. The first error of
  // any of them.
  absl::StatusOr<Result> Fetch(const std::string& name,
                               const Params& params = Params());
  // Waits for the results of everything queued. The first error since the
  // last Sync or Fetch.
  absl::Status Sync();

  // "database NAME on HOST:PORT", for messages (no password).
  std::string Describe() const;

  // Whether the connection to the server still stands.
  bool ok() const;

 private:
  struct Free {
    void operator()(pg_conn* connection) const;
  };
  explicit Connection(pg_conn* connection) : connection_(connection) {}
  absl::Status Error(absl::string_view what) const;
  // Sends the prepared statement `name` in pipeline mode; false (and the
  // error deferred) when it could not be sent.
  bool Send(const std::string& name, const Params& params);
  // Sends a sync point and reads the results of the `queued_` statements
  // sent before it; the rows of the last one when `keep_last`.
  absl::Status SyncAndRead(bool keep_last, Result* last);

  std::unique_ptr<pg_conn, Free> connection_;
  // Statements sent in pipeline mode whose results are not read yet.
  int queued_ = 0;
  // The first error since the last Fetch or Sync that one of them could
  // not report yet (a statement not sent, or read by a Queue's own sync).
  absl::Status deferred_error_;
};

}  // namespace motcua::store::pg

#endif  // MOTCUA_STORE_POSTGRES_PQ_H_
