#include "store/postgres/pq.h"

#include <libpq-fe.h>

#include <cstring>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace motcua::store::pg {
namespace {

// Type oids (pg_type.h) of the integer columns Result::Int reads.
constexpr Oid kBoolOid = 16;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kByteaOid = 17;

// Statements queued before Queue reads their results itself: a few hundred
// results are a few kilobytes, far below a socket's buffer.
constexpr int kMaxQueued = 512;

// The status code for a SQLSTATE, by what the caller should do next.
absl::StatusCode CodeOf(absl::string_view sqlstate) {
  if (absl::StartsWith(sqlstate, "08") || sqlstate == "57P01" ||
      sqlstate == "57P02" || sqlstate == "57P03") {
    return absl::StatusCode::kUnavailable;  // connection lost, shutdown
  }
  if (absl::StartsWith(sqlstate, "53")) {
    return absl::StatusCode::kResourceExhausted;  // disk full, out of memory
  }
  if (sqlstate == "40001" || sqlstate == "40P01") {
    return absl::StatusCode::kAborted;  // serialization failure, deadlock
  }
  // The leader lease is another server's now (pg_schema.cc, motcua_fence):
  // the command may be retried there.
  if (sqlstate == kLeaseLostSqlState) return absl::StatusCode::kUnavailable;
  // A lock not granted in time (lock_timeout): try again.
  if (sqlstate == "55P03") return absl::StatusCode::kUnavailable;
  return absl::StatusCode::kInternal;
}

absl::Status ResultError(const PGresult* result, absl::string_view what) {
  const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  std::string message = PQresultErrorMessage(result);
  while (!message.empty() &&
         (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  const absl::string_view state = sqlstate != nullptr ? sqlstate : "";
  return absl::Status(
      state.empty() ? absl::StatusCode::kUnavailable : CodeOf(state),
      absl::StrCat(
          "postgresql: ", what, ": ", message,
          state.empty() ? "" : absl::StrCat(" (SQLSTATE ", state, ")")));
}

bool ResultOk(const PGresult* result) {
  const ExecStatusType status = PQresultStatus(result);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

}  // namespace

bool IsStorageFull(const absl::Status& status) {
  return absl::StrContains(status.message(), "SQLSTATE 53100");
}

bool IsLeaseLost(const absl::Status& status) {
  return absl::StrContains(status.message(),
                           absl::StrCat("SQLSTATE ", kLeaseLostSqlState));
}

Params& Params::Int(int64_t value) {
  values_.push_back(Value{absl::StrCat(value), false, false});
  return *this;
}

Params& Params::Text(absl::string_view value) {
  values_.push_back(Value{std::string(value), false, true});
  return *this;
}

Params& Params::Bytes(absl::string_view value) {
  values_.push_back(Value{std::string(value), false, true});
  return *this;
}

Params& Params::Null() {
  values_.push_back(Value{std::string(), true, false});
  return *this;
}

Params& Params::OptionalInt(std::optional<int64_t> value) {
  return value.has_value() ? Int(*value) : Null();
}

void Result::Free::operator()(pg_result* result) const { PQclear(result); }

int Result::rows() const { return result_ ? PQntuples(result_.get()) : 0; }

int Result::columns() const { return result_ ? PQnfields(result_.get()) : 0; }

bool Result::IsNull(int row, int column) const {
  return PQgetisnull(result_.get(), row, column) != 0;
}

int64_t Result::Int(int row, int column) const {
  const auto* bytes = reinterpret_cast<const unsigned char*>(
      PQgetvalue(result_.get(), row, column));
  const int length = PQgetlength(result_.get(), row, column);
  const Oid type = PQftype(result_.get(), column);
  if (IsNull(row, column)) return 0;
  int size = 0;
  switch (type) {
    case kInt8Oid:
      size = 8;
      break;
    case kInt4Oid:
      size = 4;
      break;
    case kInt2Oid:
      size = 2;
      break;
    case kBoolOid:
      return length > 0 && bytes[0] != 0 ? 1 : 0;
    default:
      return 0;  // not an integer column: a bug of the statement
  }
  if (length != size) return 0;
  // Big-endian two's complement, sign-extended.
  uint64_t value = (bytes[0] & 0x80) != 0 ? ~uint64_t{0} : 0;
  for (int i = 0; i < size; ++i) value = (value << 8) | bytes[i];
  return static_cast<int64_t>(value);
}

Result::Type Result::ColumnType(int column) const {
  switch (PQftype(result_.get(), column)) {
    case kBoolOid:
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
      return Type::kInteger;
    case kByteaOid:
      return Type::kBytes;
    default:
      return Type::kText;
  }
}

std::optional<int64_t> Result::OptionalInt(int row, int column) const {
  if (IsNull(row, column)) return std::nullopt;
  return Int(row, column);
}

absl::string_view Result::Bytes(int row, int column) const {
  return absl::string_view(PQgetvalue(result_.get(), row, column),
                           PQgetlength(result_.get(), row, column));
}

void Connection::Free::operator()(pg_conn* connection) const {
  PQfinish(connection);
}

absl::StatusOr<Connection> Connection::Open(const std::string& url) {
  Connection connection(PQconnectdb(url.c_str()));
  if (connection.connection_ == nullptr) {
    return absl::ResourceExhaustedError(
        "postgresql: no memory for a connection");
  }
  if (PQstatus(connection.connection_.get()) != CONNECTION_OK) {
    return connection.Error("connecting");
  }
  // Text columns are UTF-8 whatever the server's default; instants and
  // order never depend on the session (every instant is a bigint of
  // microseconds, every text column is collated "C").
  if (PQsetClientEncoding(connection.connection_.get(), "UTF8") != 0) {
    return connection.Error("setting the client encoding");
  }
  return connection;
}

absl::Status Connection::Error(absl::string_view what) const {
  std::string message = PQerrorMessage(connection_.get());
  while (!message.empty() &&
         (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  return absl::UnavailableError(
      absl::StrCat("postgresql: ", what, ": ", message));
}

std::string Connection::Describe() const {
  PGconn* connection = connection_.get();
  return absl::StrCat("PostgreSQL database ", PQdb(connection), " on ",
                      PQhost(connection), ":", PQport(connection));
}

bool Connection::ok() const {
  return connection_ != nullptr && PQstatus(connection_.get()) == CONNECTION_OK;
}

CopyRows& CopyRows::Int(int64_t value) {
  Field();
  absl::StrAppend(&data_, value);
  return *this;
}

CopyRows& CopyRows::Text(absl::string_view value) {
  Field();
  for (const char c : value) {
    switch (c) {
      case '\\':
        data_ += "\\\\";
        break;
      case '\t':
        data_ += "\\t";
        break;
      case '\n':
        data_ += "\\n";
        break;
      case '\r':
        data_ += "\\r";
        break;
      default:
        data_ += c;
    }
  }
  return *this;
}

CopyRows& CopyRows::Bytes(absl::string_view value) {
  Field();
  // bytea's hex input, \x..., with its backslash escaped for COPY.
  static constexpr char kHex[] = "0123456789abcdef";
  data_ += "\\\\x";
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    data_ += kHex[byte >> 4];
    data_ += kHex[byte & 15];
  }
  return *this;
}

CopyRows& CopyRows::Null() {
  Field();
  data_ += "\\N";
  return *this;
}

void CopyRows::Field() {
  if (in_row_) data_ += '\t';
  in_row_ = true;
}

void CopyRows::EndRow() {
  data_ += '\n';
  in_row_ = false;
}

absl::Status Connection::BeginCopy(absl::string_view sql) {
  Result result(PQexec(connection_.get(), std::string(sql).c_str()));
  if (result.result_ == nullptr) return Error("starting a COPY");
  if (PQresultStatus(result.result_.get()) != PGRES_COPY_IN) {
    return ResultError(result.result_.get(), sql.substr(0, 60));
  }
  return absl::OkStatus();
}

absl::Status Connection::SendCopy(const CopyRows& rows) {
  if (rows.data().empty()) return absl::OkStatus();
  if (PQputCopyData(connection_.get(), rows.data().data(),
                    static_cast<int>(rows.data().size())) != 1) {
    return Error("sending COPY rows");
  }
  return absl::OkStatus();
}

absl::Status Connection::EndCopy() {
  if (PQputCopyEnd(connection_.get(), nullptr) != 1) {
    return Error("ending a COPY");
  }
  absl::Status status;
  // The COPY's result, then the null that ends the command.
  while (PGresult* raw = PQgetResult(connection_.get())) {
    Result result(raw);
    if (status.ok() && !ResultOk(raw)) status = ResultError(raw, "COPY");
  }
  return status;
}

absl::Status Connection::Execute(absl::string_view sql) {
  Result result(PQexec(connection_.get(), std::string(sql).c_str()));
  if (result.result_ == nullptr) return Error("running a statement");
  if (!ResultOk(result.result_.get())) {
    return ResultError(result.result_.get(), sql.substr(0, 60));
  }
  return absl::OkStatus();
}

namespace {

// libpq's view of the parameters: pointers into `params`.
struct Wire {
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;

  template <typename Values>
  explicit Wire(const Values& params) {
    for (const auto& value : params) {
      values.push_back(value.null ? nullptr : value.bytes.data());
      lengths.push_back(static_cast<int>(value.bytes.size()));
      formats.push_back(value.binary ? 1 : 0);
    }
  }
};

}  // namespace

absl::StatusOr<Result> Connection::Query(absl::string_view sql,
                                         const Params& params) {
  const Wire wire(params.values_);
  Result result(PQexecParams(connection_.get(), std::string(sql).c_str(),
                             params.size(), nullptr, wire.values.data(),
                             wire.lengths.data(), wire.formats.data(),
                             /*resultFormat=*/1));
  if (result.result_ == nullptr) return Error("running a query");
  if (!ResultOk(result.result_.get())) {
    return ResultError(result.result_.get(), sql.substr(0, 60));
  }
  return result;
}

absl::StatusOr<Result> Connection::Run(const std::string& name,
                                       const Params& params) {
  const Wire wire(params.values_);
  Result result(PQexecPrepared(connection_.get(), name.c_str(), params.size(),
                               wire.values.data(), wire.lengths.data(),
                               wire.formats.data(), /*resultFormat=*/1));
  if (result.result_ == nullptr) return Error("running a query");
  if (!ResultOk(result.result_.get())) {
    return ResultError(result.result_.get(), name);
  }
  return result;
}

absl::Status Connection::Prepare(const std::string& name,
                                 absl::string_view sql) {
  Result result(PQprepare(connection_.get(), name.c_str(),
                          std::string(sql).c_str(), 0, nullptr));
  if (result.result_ == nullptr) return Error("preparing a statement");
  if (!ResultOk(result.result_.get())) {
    return ResultError(result.result_.get(), absl::StrCat("preparing ", name));
  }
  return absl::OkStatus();
}

absl::Status Connection::EnterPipeline() {
  if (PQenterPipelineMode(connection_.get()) != 1) {
    return Error("entering pipeline mode");
  }
  return absl::OkStatus();
}

bool Connection::Send(const std::string& name, const Params& params) {
  const Wire wire(params.values_);
  if (PQsendQueryPrepared(connection_.get(), name.c_str(), params.size(),
                          wire.values.data(), wire.lengths.data(),
                          wire.formats.data(), /*resultFormat=*/1) != 1) {
    if (deferred_error_.ok()) deferred_error_ = Error(name);
    return false;
  }
  ++queued_;
  return true;
}

void Connection::Queue(const std::string& name, const Params& params) {
  if (Send(name, params) && queued_ >= kMaxQueued) {
    absl::Status status = SyncAndRead(/*keep_last=*/false, nullptr);
    if (!status.ok() && deferred_error_.ok()) deferred_error_ = status;
  }
}

absl::StatusOr<Result> Connection::Fetch(const std::string& name,
                                         const Params& params) {
  const bool sent = Send(name, params);
  Result last;
  absl::Status status = SyncAndRead(/*keep_last=*/sent, &last);
  if (!deferred_error_.ok()) status = std::exchange(deferred_error_, {});
  if (!status.ok()) return status;
  return last;
}

absl::Status Connection::Sync() {
  absl::Status status = SyncAndRead(/*keep_last=*/false, nullptr);
  if (!deferred_error_.ok()) status = std::exchange(deferred_error_, {});
  return status;
}

absl::Status Connection::SyncAndRead(bool keep_last, Result* last) {
  PGconn* connection = connection_.get();
  if (PQpipelineSync(connection) != 1) {
    queued_ = 0;
    return Error("sending a sync point");
  }
  absl::Status first_error;
  const int expected = queued_;
  queued_ = 0;
  for (int i = 0; i < expected; ++i) {
    // Each statement's results end with a null.
    while (PGresult* raw = PQgetResult(connection)) {
      Result result(raw);
      const ExecStatusType status = PQresultStatus(raw);
      if (status == PGRES_PIPELINE_ABORTED) continue;  // after an error
      if (!ResultOk(raw)) {
        if (first_error.ok()) first_error = ResultError(raw, "pipeline");
        continue;
      }
      if (keep_last && i == expected - 1) *last = std::move(result);
    }
    if (!ok()) {
      return first_error.ok() ? Error("reading results") : first_error;
    }
  }
  // Then the sync point's own result.
  Result sync(PQgetResult(connection));
  if (sync.result_ == nullptr ||
      PQresultStatus(sync.result_.get()) != PGRES_PIPELINE_SYNC) {
    return first_error.ok() ? Error("reading a sync point") : first_error;
  }
  return first_error;
}

}  // namespace motcua::store::pg
