#include "store/store_copy.h"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/status_macros.h"
#include "store/audit.h"
#include "store/event_store.h"
#include "store/hash_chain.h"
#include "store/postgres/pg_schema.h"
#include "store/postgres/pq.h"
#include "store/schema.h"
#include "store/sqlite.h"

namespace motcua::store {
namespace {

// Rows read from PostgreSQL at a time.
constexpr int kPage = 10000;

// One stored value, as either backend holds it.
struct Cell {
  enum class Kind { kNull, kInteger, kText, kBytes };
  Kind kind = Kind::kNull;
  int64_t integer = 0;
  std::string bytes;
};
using Row = std::vector<Cell>;

// The meta values a copy carries over (the schema version is the target's
// own).
struct Meta {
  int64_t head_sequence = 0;
  std::string head_hash;
  std::optional<int64_t> settled_day;
};

// The tables copied, each in its key order: the log, then the projections.
struct Table {
  std::string name;
  std::string order;
  // The columns both backends have, in order.
  std::string columns = "*";
};
std::vector<Table> CopiedTables() {
  // The events' columns by name: PostgreSQL's table also says which
  // leader's epoch wrote each event (pg_schema.cc, version 2), which SQLite
  // has no column for and a copy does not carry.
  std::vector<Table> tables = {
      {"events", "sequence",
       "sequence, dossier_code, dossier_version, type, occurred_at, "
       "recorded_at, actor, rule_version, payload, previous_hash, hash"}};
  for (const ProjectionTable& table : ProjectionTables()) {
    tables.push_back({table.name, table.key_columns});
  }
  return tables;
}

using OnRow = std::function<absl::Status(const Row&)>;

class Reader {
 public:
  virtual ~Reader() = default;
  virtual absl::StatusOr<Meta> ReadMeta() = 0;
  virtual absl::Status ReadTable(const Table& table, const OnRow& on_row) = 0;
};

class Writer {
 public:
  virtual ~Writer() = default;
  virtual absl::Status Insert(const Table& table, const Row& row) = 0;
  virtual absl::Status Finish(const Meta& meta) = 0;
};

// --- SQLite ----------------------------------------------------------------

class SqliteReader final : public Reader {
 public:
  static absl::StatusOr<std::unique_ptr<Reader>> Open(const std::string& path) {
    if (!std::filesystem::exists(path)) {
      return absl::NotFoundError(absl::StrCat("no database at ", path));
    }
    ASSIGN_OR_RETURN(Database database,
                     Database::Open(path, OpenMode::kReadOnly));
    RETURN_IF_ERROR(CheckSchemaReadable(database, path));
    ASSIGN_OR_RETURN(
        std::optional<int64_t> pending,
        database.QueryInt(absl::StrCat(
            "SELECT count(*) FROM meta WHERE key IN ('", kMetaRebuildSnapshots,
            "', '", kMetaFillUnitReport, "')")));
    if (pending.value_or(0) != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat(path,
                       " was upgraded and not opened by a server since: start "
                       "motcuad on it once, then copy it"));
    }
    // One read transaction: everything as of one commit.
    RETURN_IF_ERROR(database.Execute("BEGIN"));
    return std::unique_ptr<Reader>(new SqliteReader(std::move(database)));
  }

  absl::StatusOr<Meta> ReadMeta() override {
    ASSIGN_OR_RETURN(
        Statement meta,
        database_.Prepare("SELECT (SELECT value FROM meta WHERE key = ?1), "
                          "(SELECT value FROM meta WHERE key = ?2), "
                          "(SELECT value FROM meta WHERE key = ?3)"));
    meta.BindText(1, kMetaHeadSequence)
        .BindText(2, kMetaHeadHash)
        .BindText(3, kMetaDeadlinesSettledDay);
    RETURN_IF_ERROR(meta.Step().status());
    Meta values;
    values.head_sequence = meta.ColumnOptionalInt(0).value_or(0);
    values.head_hash =
        meta.ColumnIsNull(1) ? GenesisHash() : std::string(meta.ColumnBlob(1));
    values.settled_day = meta.ColumnOptionalInt(2);
    return values;
  }

  absl::Status ReadTable(const Table& table, const OnRow& on_row) override {
    ASSIGN_OR_RETURN(Statement select, database_.Prepare(absl::StrCat(
                                           "SELECT * FROM ", table.name,
                                           " ORDER BY ", table.order)));
    Row row;
    return select.ForEachRow([&]() -> absl::Status {
      row.assign(select.ColumnCount(), Cell());
      for (int column = 0; column < select.ColumnCount(); ++column) {
        Cell& cell = row[column];
        switch (select.ColumnType(column)) {
          case Statement::Type::kNull:
            break;
          case Statement::Type::kInteger:
            cell.kind = Cell::Kind::kInteger;
            cell.integer = select.ColumnInt(column);
            break;
          case Statement::Type::kText:
            cell.kind = Cell::Kind::kText;
            cell.bytes = std::string(select.ColumnText(column));
            break;
          case Statement::Type::kBlob:
            cell.kind = Cell::Kind::kBytes;
            cell.bytes = std::string(select.ColumnBlob(column));
            break;
          case Statement::Type::kFloat:
            return absl::DataLossError(absl::StrCat(
                table.name, ": column ", select.ColumnName(column),
                " holds a real number, which motcua never writes"));
        }
      }
      return on_row(row);
    });
  }

 private:
  explicit SqliteReader(Database database) : database_(std::move(database)) {}
  Database database_;
};

class SqliteWriter final : public Writer {
 public:
  static absl::StatusOr<std::unique_ptr<Writer>> Open(const std::string& path) {
    if (std::filesystem::exists(path)) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, " already exists; a copy goes into a new file"));
    }
    ASSIGN_OR_RETURN(Database database,
                     Database::Open(path, OpenMode::kReadWriteCreate));
    RETURN_IF_ERROR(MigrateSchema(database, path));
    RETURN_IF_ERROR(database.Execute("BEGIN IMMEDIATE"));
    return std::unique_ptr<Writer>(new SqliteWriter(std::move(database)));
  }

  absl::Status Insert(const Table& table, const Row& row) override {
    std::unique_ptr<Statement>& insert = inserts_[table.name];
    if (insert == nullptr) {
      std::vector<std::string> parameters;
      for (size_t i = 1; i <= row.size(); ++i) {
        parameters.push_back(absl::StrCat("?", i));
      }
      ASSIGN_OR_RETURN(Statement prepared,
                       database_.Prepare(
                           absl::StrCat("INSERT INTO ", table.name, " VALUES (",
                                        absl::StrJoin(parameters, ", "), ")")));
      insert = std::make_unique<Statement>(std::move(prepared));
    }
    for (size_t i = 0; i < row.size(); ++i) {
      const int index = static_cast<int>(i) + 1;
      const Cell& cell = row[i];
      switch (cell.kind) {
        case Cell::Kind::kNull:
          insert->BindNull(index);
          break;
        case Cell::Kind::kInteger:
          insert->BindInt(index, cell.integer);
          break;
        case Cell::Kind::kText:
          insert->BindText(index, cell.bytes);
          break;
        case Cell::Kind::kBytes:
          insert->BindBlob(index, cell.bytes);
          break;
      }
    }
    return insert->Run();
  }

  absl::Status Finish(const Meta& meta) override {
    inserts_.clear();
    ASSIGN_OR_RETURN(Statement upsert,
                     database_.Prepare("INSERT INTO meta (key, value) VALUES "
                                       "(?1, ?2) ON CONFLICT (key) DO UPDATE "
                                       "SET value = excluded.value"));
    upsert.BindText(1, kMetaHeadSequence).BindInt(2, meta.head_sequence);
    RETURN_IF_ERROR(upsert.Run());
    upsert.BindText(1, kMetaHeadHash).BindBlob(2, meta.head_hash);
    RETURN_IF_ERROR(upsert.Run());
    if (meta.settled_day.has_value()) {
      upsert.BindText(1, kMetaDeadlinesSettledDay)
          .BindInt(2, *meta.settled_day);
      RETURN_IF_ERROR(upsert.Run());
    }
    return database_.Execute("COMMIT");
  }

 private:
  explicit SqliteWriter(Database database) : database_(std::move(database)) {}
  Database database_;
  absl::flat_hash_map<std::string, std::unique_ptr<Statement>> inserts_;
};

// --- PostgreSQL ------------------------------------------------------------

class PostgresReader final : public Reader {
 public:
  static absl::StatusOr<std::unique_ptr<Reader>> Open(const std::string& url) {
    ASSIGN_OR_RETURN(pg::Connection connection, pg::Connection::Open(url));
    // One snapshot: everything as of one commit.
    RETURN_IF_ERROR(
        connection.Execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    RETURN_IF_ERROR(pg::CheckSchemaReadable(connection));
    return std::unique_ptr<Reader>(new PostgresReader(std::move(connection)));
  }

  absl::StatusOr<Meta> ReadMeta() override {
    ASSIGN_OR_RETURN(
        pg::Result head,
        connection_.Query("SELECT value, bytes FROM meta WHERE key = $1",
                          pg::Params().Text(kMetaHeadSequence)));
    Meta meta;
    meta.head_hash = GenesisHash();
    if (head.rows() > 0) {
      meta.head_sequence = head.Int(0, 0);
      meta.head_hash = std::string(head.Bytes(0, 1));
    }
    ASSIGN_OR_RETURN(
        pg::Result settled,
        connection_.Query("SELECT value FROM meta WHERE key = $1",
                          pg::Params().Text(kMetaDeadlinesSettledDay)));
    if (settled.rows() > 0) meta.settled_day = settled.Int(0, 0);
    return meta;
  }

  absl::Status ReadTable(const Table& table, const OnRow& on_row) override {
    RETURN_IF_ERROR(connection_.Execute(absl::StrCat(
        "DECLARE copy_rows NO SCROLL CURSOR FOR SELECT ", table.columns,
        " FROM ", table.name, " ORDER BY ", table.order)));
    Row row;
    while (true) {
      ASSIGN_OR_RETURN(
          pg::Result page,
          connection_.Query(absl::StrCat("FETCH ", kPage, " FROM copy_rows")));
      for (int r = 0; r < page.rows(); ++r) {
        row.assign(page.columns(), Cell());
        for (int column = 0; column < page.columns(); ++column) {
          Cell& cell = row[column];
          if (page.IsNull(r, column)) continue;
          switch (page.ColumnType(column)) {
            case pg::Result::Type::kInteger:
              cell.kind = Cell::Kind::kInteger;
              cell.integer = page.Int(r, column);
              break;
            case pg::Result::Type::kText:
              cell.kind = Cell::Kind::kText;
              cell.bytes = std::string(page.Text(r, column));
              break;
            case pg::Result::Type::kBytes:
              cell.kind = Cell::Kind::kBytes;
              cell.bytes = std::string(page.Bytes(r, column));
              break;
          }
        }
        RETURN_IF_ERROR(on_row(row));
      }
      if (page.rows() < kPage) break;
    }
    return connection_.Execute("CLOSE copy_rows");
  }

 private:
  explicit PostgresReader(pg::Connection connection)
      : connection_(std::move(connection)) {}
  pg::Connection connection_;
};

// Writes with COPY ... FROM STDIN, a table at a time, in one transaction:
// the rows stream out with no statement or round trip per row.
class PostgresWriter final : public Writer {
 public:
  static absl::StatusOr<std::unique_ptr<Writer>> Open(const std::string& url) {
    ASSIGN_OR_RETURN(pg::Connection connection, pg::Connection::Open(url));
    RETURN_IF_ERROR(connection.Execute("SET synchronous_commit = on"));
    RETURN_IF_ERROR(pg::MigrateSchema(connection));
    // The writer's lock: no server appends while the copy goes in.
    ASSIGN_OR_RETURN(pg::Result locked,
                     connection.Query("SELECT pg_try_advisory_lock($1::bigint)",
                                      pg::Params().Int(pg::kWriterLockKey)));
    if (locked.Int(0, 0) == 0) {
      return absl::FailedPreconditionError(
          absl::StrCat(connection.Describe(),
                       " is written by a motcua server; stop it first"));
    }
    ASSIGN_OR_RETURN(pg::Result events,
                     connection.Query("SELECT count(*) FROM events"));
    if (events.Int(0, 0) != 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          connection.Describe(),
          " already holds events; a copy goes into an empty database"));
    }
    std::unique_ptr<PostgresWriter> writer(
        new PostgresWriter(std::move(connection)));
    for (const Table& table : CopiedTables()) {
      // Each column's type decides its text in COPY: bytea in hex,
      // whichever way SQLite stored the bytes. Only the columns copied (a
      // table's named columns are in its own order).
      ASSIGN_OR_RETURN(
          pg::Result columns,
          writer->connection_.Query(
              "SELECT (data_type = 'bytea')::integer FROM "
              "information_schema.columns WHERE table_schema = "
              "current_schema() AND table_name = $1 AND ($2 = '*' OR "
              "column_name::text = ANY (string_to_array(replace($2, ' ', ''), "
              "','))) ORDER BY ordinal_position",
              pg::Params().Text(table.name).Text(table.columns)));
      std::vector<bool>& bytea = writer->bytea_[table.name];
      for (int row = 0; row < columns.rows(); ++row) {
        bytea.push_back(columns.Int(row, 0) != 0);
      }
    }
    RETURN_IF_ERROR(writer->connection_.Execute("BEGIN"));
    return std::unique_ptr<Writer>(std::move(writer));
  }

  absl::Status Insert(const Table& table, const Row& row) override {
    const std::vector<bool>& bytea = bytea_[table.name];
    if (row.size() != bytea.size()) {
      return absl::FailedPreconditionError(
          absl::StrCat(table.name, ": the source has ", row.size(),
                       " columns, PostgreSQL's table ", bytea.size()));
    }
    if (table.name != copying_) {
      RETURN_IF_ERROR(EndTable());
      RETURN_IF_ERROR(connection_.BeginCopy(absl::StrCat(
          "COPY ", table.name,
          table.columns == "*" ? std::string()
                               : absl::StrCat(" (", table.columns, ")"),
          " FROM STDIN")));
      copying_ = table.name;
    }
    for (size_t i = 0; i < row.size(); ++i) {
      const Cell& cell = row[i];
      if (cell.kind == Cell::Kind::kNull) {
        rows_.Null();
      } else if (cell.kind == Cell::Kind::kInteger) {
        rows_.Int(cell.integer);
      } else if (bytea[i]) {
        rows_.Bytes(cell.bytes);
      } else {
        rows_.Text(cell.bytes);
      }
    }
    rows_.EndRow();
    // Sent in pieces of about a megabyte.
    if (rows_.data().size() >= (1 << 20)) {
      RETURN_IF_ERROR(connection_.SendCopy(rows_));
      rows_.clear();
    }
    return absl::OkStatus();
  }

  absl::Status Finish(const Meta& meta) override {
    RETURN_IF_ERROR(EndTable());
    const std::string upsert =
        "INSERT INTO meta (key, value, bytes) VALUES ($1, $2, $3) ON "
        "CONFLICT (key) DO UPDATE SET value = excluded.value, bytes = "
        "excluded.bytes";
    RETURN_IF_ERROR(connection_
                        .Query(upsert, pg::Params()
                                           .Text(kMetaHeadSequence)
                                           .Int(meta.head_sequence)
                                           .Bytes(meta.head_hash))
                        .status());
    if (meta.settled_day.has_value()) {
      RETURN_IF_ERROR(connection_
                          .Query(upsert, pg::Params()
                                             .Text(kMetaDeadlinesSettledDay)
                                             .Int(*meta.settled_day)
                                             .Null())
                          .status());
    }
    return connection_.Execute("COMMIT");
  }

 private:
  explicit PostgresWriter(pg::Connection connection)
      : connection_(std::move(connection)) {}

  // Sends what is left of the table being copied and ends its COPY.
  absl::Status EndTable() {
    if (copying_.empty()) return absl::OkStatus();
    RETURN_IF_ERROR(connection_.SendCopy(rows_));
    rows_.clear();
    copying_.clear();
    return connection_.EndCopy();
  }

  pg::Connection connection_;
  // Per table, whether each column (in order) is bytea.
  absl::flat_hash_map<std::string, std::vector<bool>> bytea_;
  std::string copying_;  // the table whose COPY is open, if any
  pg::CopyRows rows_;
};

}  // namespace

absl::StatusOr<CopyReport> CopyStore(const std::string& from,
                                     const std::string& to) {
  const bool from_postgres = IsPostgresUrl(from);
  if (from_postgres == IsPostgresUrl(to)) {
    return absl::InvalidArgumentError(
        "copy from a SQLite file to a PostgreSQL URL (postgres://...) or back; "
        "copy a file of one backend within it with that backend's own tools");
  }
  ASSIGN_OR_RETURN(
      std::unique_ptr<Reader> reader,
      from_postgres ? PostgresReader::Open(from) : SqliteReader::Open(from));
  ASSIGN_OR_RETURN(Meta meta, reader->ReadMeta());
  absl::StatusOr<std::unique_ptr<Writer>> writer =
      from_postgres ? SqliteWriter::Open(to) : PostgresWriter::Open(to);
  if (!writer.ok()) return writer.status();

  CopyReport report;
  absl::Status copied = [&]() -> absl::Status {
    for (const Table& table : CopiedTables()) {
      const bool log = table.name == "events";
      RETURN_IF_ERROR(reader->ReadTable(table, [&](const Row& row) {
        ++(log ? report.events : report.projection_rows);
        return (*writer)->Insert(table, row);
      }));
    }
    return (*writer)->Finish(meta);
  }();
  writer->reset();
  if (!copied.ok()) {
    // Nothing committed: a new SQLite file goes, a PostgreSQL database
    // keeps its (empty) schema.
    if (from_postgres) {
      std::error_code ignored;
      for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        std::filesystem::remove(to + suffix, ignored);
      }
    }
    return copied;
  }

  // The proof: the copy's whole chain holds and ends where the source's did.
  ASSIGN_OR_RETURN(VerifyReport verified, VerifyLog(to));
  if (!verified.ok()) {
    return absl::DataLossError(
        absl::StrCat("the copy does not verify: ", verified.problem));
  }
  if (verified.head_sequence != meta.head_sequence ||
      verified.head_hash != meta.head_hash ||
      verified.events_checked != report.events) {
    return absl::DataLossError(absl::StrCat(
        "the copy ends at event ", verified.head_sequence, " after ",
        verified.events_checked, " events, the source at event ",
        meta.head_sequence, " after ", report.events));
  }
  report.head_sequence = meta.head_sequence;
  report.head_hash = meta.head_hash;
  return report;
}

}  // namespace motcua::store
