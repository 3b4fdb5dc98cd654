#include "store/schema.h"

#include "absl/strings/str_cat.h"

namespace motcua::store {
namespace {

// "motc" in ASCII: marks the file as ours for `file` and for Open.
constexpr int64_t kApplicationId = 0x6d6f7463;

struct Migration {
  int64_t version;  // the schema version after it
  const char* sql;
};

// Migrations in order. Never edit one that has shipped: add the next.
constexpr Migration kMigrations[] = {
    {1, R"sql(
-- The log: appended, never updated. A command's events are appended in its
-- transaction together with every projection below.
CREATE TABLE events (
  sequence INTEGER PRIMARY KEY,       -- global position; grows, gaps allowed
  dossier_code TEXT NOT NULL,
  dossier_version INTEGER NOT NULL,   -- 1 for the receipt
  type TEXT NOT NULL,                 -- "received", "handed_over", ...
  occurred_at INTEGER NOT NULL,
  recorded_at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  rule_version TEXT NOT NULL,
  payload BLOB NOT NULL,              -- motcua.v1.EventPayload
  previous_hash BLOB NOT NULL,        -- 32 bytes; zeros for the first event
  hash BLOB NOT NULL,                 -- store/hash_chain.h
  UNIQUE (dossier_code, dossier_version)
);

-- Projections: derived from the log by store/projections.cc, rebuilt bit
-- for bit by a replay.

-- The current state of each dossier.
CREATE TABLE dossiers (
  code TEXT PRIMARY KEY NOT NULL,
  version INTEGER NOT NULL,
  state INTEGER NOT NULL,             -- engine LifecycleState
  agency TEXT NOT NULL,
  procedure_code TEXT NOT NULL,
  current_unit TEXT NOT NULL,         -- '' when no step is open
  current_step_id TEXT NOT NULL,      -- '' when none, or outside the steps
  received_at INTEGER NOT NULL,
  due_at INTEGER NOT NULL,
  step_due_at INTEGER,                -- NULL when no step is open
  classification INTEGER NOT NULL,    -- engine Classification
  snapshot BLOB NOT NULL              -- motcua.v1.DossierSnapshot
);

-- Every pending deadline, by time: the dossier's and its open step's while
-- the clock runs; none while paused or after the clock stopped.
CREATE TABLE deadlines (
  dossier_code TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('dossier', 'step')),
  due_at INTEGER NOT NULL,
  step_id TEXT NOT NULL,              -- the open step's, or ''
  unit TEXT NOT NULL,                 -- who holds the dossier, or ''
  agency TEXT NOT NULL,
  procedure_code TEXT NOT NULL,
  PRIMARY KEY (dossier_code, kind)
) WITHOUT ROWID;
CREATE INDEX deadlines_by_due_at ON deadlines (due_at);

-- The control sheet (phiếu kiểm soát quá trình): one row per step entry.
CREATE TABLE control_sheet (
  dossier_code TEXT NOT NULL,
  entry INTEGER NOT NULL,             -- 1-based, in order
  step_id TEXT NOT NULL,
  unit TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  due_at INTEGER NOT NULL,
  ended_at INTEGER,                   -- NULL while the step is open
  used_seconds INTEGER NOT NULL,
  late INTEGER NOT NULL,              -- 0 or 1
  handed_over_by TEXT NOT NULL,
  PRIMARY KEY (dossier_code, entry)
) WITHOUT ROWID;

-- How many dossiers are in each state, per agency, procedure and holding
-- unit ('' when no step is open). Rows that reach zero are removed.
CREATE TABLE counters (
  agency TEXT NOT NULL,
  procedure_code TEXT NOT NULL,
  unit TEXT NOT NULL,
  state INTEGER NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (agency, procedure_code, unit, state)
) WITHOUT ROWID;

-- Request ids of accepted commands, to answer a retry with the first answer.
CREATE TABLE requests (
  request_id TEXT PRIMARY KEY NOT NULL,
  dossier_code TEXT NOT NULL,
  outcome BLOB NOT NULL               -- motcua.v1.RequestOutcome
) WITHOUT ROWID;
)sql"},
    {2, R"sql(
-- Supervision reads: every filter of ListOverdue / ListDueSoon is an index
-- range in due-time order, and every filter of List an index range in code
-- order. (A WITHOUT ROWID index ends with the table's primary key, so
-- deadlines come out ordered by (due_at, dossier_code).)
CREATE INDEX deadlines_by_kind ON deadlines (kind, due_at);
CREATE INDEX deadlines_by_agency ON deadlines (agency, kind, due_at);
CREATE INDEX deadlines_by_unit ON deadlines (unit, kind, due_at);
CREATE INDEX deadlines_by_procedure ON deadlines (procedure_code, kind, due_at);
CREATE INDEX dossiers_by_agency ON dossiers (agency, code);
CREATE INDEX dossiers_by_state ON dossiers (state, code);
CREATE INDEX dossiers_by_unit ON dossiers (current_unit, code);
CREATE INDEX dossiers_by_procedure ON dossiers (procedure_code, code);
)sql"},
    {3, R"sql(
-- The periodic report (engine/report.h): what each event adds to each day,
-- per agency, procedure and field. A report of any period sums a range of
-- days per group: its size grows with days and groups, never with dossiers.
CREATE TABLE report_deltas (
  agency TEXT NOT NULL,
  procedure_code TEXT NOT NULL,
  field TEXT NOT NULL,
  day INTEGER NOT NULL,               -- days since 1970-01-01 at UTC+07:00
  measure INTEGER NOT NULL,           -- engine ReportMeasure
  delta INTEGER NOT NULL,
  PRIMARY KEY (agency, procedure_code, field, day, measure)
) WITHOUT ROWID;
CREATE INDEX report_deltas_by_day ON report_deltas (day);
)sql"},
    {4, R"sql(
-- The escalation thresholds each dossier waits for next: the dossier's and
-- its open step's, while the clock runs. The deadline scheduler reads it by
-- time, a window at a time; firing a threshold moves or removes the row in
-- the transaction that appends its event.
CREATE TABLE thresholds (
  dossier_code TEXT NOT NULL,
  target INTEGER NOT NULL,            -- engine ThresholdTarget
  at INTEGER NOT NULL,                -- when it is reached
  threshold_index INTEGER NOT NULL,   -- its position in the ladder
  PRIMARY KEY (dossier_code, target)
) WITHOUT ROWID;
CREATE INDEX thresholds_by_time ON thresholds (at, dossier_code);
-- Snapshots written before this version lack the working time paused since
-- the clock start: the store rebuilds them from the log at its next start.
INSERT INTO meta (key, value) SELECT 'rebuild_snapshots', 1
  WHERE EXISTS (SELECT 1 FROM dossiers);
)sql"},
    {5, R"sql(
-- Every read of deadlines names their kind, which deadlines_by_kind leads
-- with: the index on due_at alone only cost each deadline change a B-tree.
DROP INDEX deadlines_by_due_at;
)sql"},
    {6, R"sql(
-- How many deadlines of each kind and agency fall due on each day (days
-- since 1970-01-01 at UTC+07:00), and how many fall due before the settled
-- day (meta deadlines_settled_day; none before the store first settles).
-- What is overdue in an agency is its total, the days from the settled day
-- to yesterday and today's deadlines up to now, from the deadline index:
-- the cost grows with the days since the store last settled (each day it
-- writes), never with dossiers. Rows that reach zero are removed.
CREATE TABLE deadline_days (
  kind TEXT NOT NULL,
  due_day INTEGER NOT NULL,
  agency TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (kind, due_day, agency)
) WITHOUT ROWID;
INSERT INTO deadline_days (kind, due_day, agency, count)
  SELECT kind, (due_at / 1000000 + 25200) / 86400 AS due_day, agency,
         count(*)
  FROM deadlines GROUP BY kind, due_day, agency;
CREATE TABLE deadline_totals (
  kind TEXT NOT NULL,
  agency TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (kind, agency)
) WITHOUT ROWID;
-- An agency's page filtered by procedure as well reads the procedure from
-- the index (the order is unchanged: due time, then code), instead of
-- looking up each row of the agency's range in the table.
DROP INDEX deadlines_by_agency;
CREATE INDEX deadlines_by_agency
  ON deadlines (agency, kind, due_at, dossier_code, procedure_code);
)sql"},
    {7, R"sql(
-- A unit outside the procedure's steps has no step budget of its own
-- (docs/lifecycle.md): its step has no deadline, and never counts as an
-- overdue step. Remove the rows earlier versions kept for it, and count the
-- steps' deadlines per day and before the settled day again.
DELETE FROM deadlines WHERE kind = 'step' AND step_id = '';
DELETE FROM deadline_days WHERE kind = 'step';
INSERT INTO deadline_days (kind, due_day, agency, count)
  SELECT kind, (due_at / 1000000 + 25200) / 86400 AS due_day, agency,
         count(*)
  FROM deadlines WHERE kind = 'step' GROUP BY kind, due_day, agency;
DELETE FROM deadline_totals WHERE kind = 'step';
INSERT INTO deadline_totals (kind, agency, count)
  SELECT kind, agency, sum(count) FROM deadline_days
  WHERE kind = 'step' AND due_day < (
    SELECT value FROM meta WHERE key = 'deadlines_settled_day')
  GROUP BY kind, agency;
-- The report by unit (engine/report.h, UnitReportDeltasOf): what each
-- event adds to each day for the steps each unit held, per agency and unit.
-- A report of any period sums a range of days per unit, as report_deltas.
CREATE TABLE unit_report_deltas (
  agency TEXT NOT NULL,
  unit TEXT NOT NULL,
  day INTEGER NOT NULL,               -- days since 1970-01-01 at UTC+07:00
  measure INTEGER NOT NULL,           -- engine ReportMeasure
  delta INTEGER NOT NULL,
  PRIMARY KEY (agency, unit, day, measure)
) WITHOUT ROWID;
CREATE INDEX unit_report_deltas_by_day ON unit_report_deltas (day);
-- The history before this version is not in it yet: the store fills it
-- from the log at its next start.
INSERT INTO meta (key, value) SELECT 'fill_unit_report', 1
  WHERE EXISTS (SELECT 1 FROM events);
)sql"},
    {8, R"sql(
-- A request id names one command: its row keeps the command's fingerprint
-- (store/command_fingerprint.h, carried by the command's events too), so
-- that another command under the id is refused instead of taken for a
-- retry. Rows of commands logged before have none (NULL), as their events:
-- the store compares their dossier and the type of their last event.
ALTER TABLE requests ADD COLUMN fingerprint BLOB;
)sql"},
    {9, R"sql(
-- The report's monthly rows (store/report_months.h): each month's sum of
-- the per-day deltas, kept beside them in the same transaction, so that a
-- report reads whole months from these and only its edge days from the
-- daily rows. A month is the day number of its first day. Filled here from
-- the daily rows the file holds.
CREATE TABLE report_months (
  agency TEXT NOT NULL,
  procedure_code TEXT NOT NULL,
  field TEXT NOT NULL,
  month INTEGER NOT NULL,             -- its first day, as report_deltas.day
  measure INTEGER NOT NULL,           -- engine ReportMeasure
  delta INTEGER NOT NULL,
  PRIMARY KEY (agency, procedure_code, field, month, measure)
) WITHOUT ROWID;
INSERT INTO report_months (agency, procedure_code, field, month, measure,
                           delta)
  SELECT agency, procedure_code, field,
         CAST(strftime('%s', day * 86400, 'unixepoch', 'start of month')
              AS INTEGER) / 86400 AS month,
         measure, sum(delta)
  FROM report_deltas GROUP BY agency, procedure_code, field, month, measure;
CREATE TABLE unit_report_months (
  agency TEXT NOT NULL,
  unit TEXT NOT NULL,
  month INTEGER NOT NULL,
  measure INTEGER NOT NULL,
  delta INTEGER NOT NULL,
  PRIMARY KEY (agency, unit, month, measure)
) WITHOUT ROWID;
INSERT INTO unit_report_months (agency, unit, month, measure, delta)
  SELECT agency, unit,
         CAST(strftime('%s', day * 86400, 'unixepoch', 'start of month')
              AS INTEGER) / 86400 AS month,
         measure, sum(delta)
  FROM unit_report_deltas GROUP BY agency, unit, month, measure;
)sql"},
};

absl::StatusOr<int64_t> ReadSchemaVersion(Database& database) {
  absl::StatusOr<std::optional<int64_t>> has_meta = database.QueryInt(
      "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = "
      "'meta'");
  if (!has_meta.ok()) return has_meta.status();
  if (has_meta->value_or(0) == 0) return 0;
  absl::StatusOr<std::optional<int64_t>> version =
      database.QueryInt(absl::StrCat("SELECT value FROM meta WHERE key = '",
                                     kMetaSchemaVersion, "'"));
  if (!version.ok()) return version.status();
  return version->value_or(0);
}

absl::Status CheckApplication(Database& database, const std::string& path,
                              int64_t schema_version) {
  absl::StatusOr<std::optional<int64_t>> application =
      database.QueryInt("PRAGMA application_id");
  if (!application.ok()) return application.status();
  const int64_t id = application->value_or(0);
  if (id != 0 && id != kApplicationId) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, " is not a motcua database (application id ", id, ")"));
  }
  if (schema_version == 0) {
    absl::StatusOr<std::optional<int64_t>> tables = database.QueryInt(
        "SELECT count(*) FROM sqlite_schema WHERE name <> 'meta'");
    if (!tables.ok()) return tables.status();
    if (tables->value_or(0) != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat(path,
                       " is not a motcua database: it has tables but no schema "
                       "version"));
    }
  }
  return absl::OkStatus();
}

absl::Status TooNew(const std::string& path, int64_t version) {
  return absl::FailedPreconditionError(absl::StrCat(
      "database ", path, " has schema version ", version,
      ", newer than this build understands (", kSchemaVersion,
      "): it was written by a newer motcua; run that version or restore a "
      "backup"));
}

}  // namespace

absl::Status MigrateSchema(Database& database, const std::string& path) {
  if (absl::Status status = database.Execute("BEGIN IMMEDIATE"); !status.ok()) {
    return status;
  }
  absl::Status status = [&]() -> absl::Status {
    absl::StatusOr<int64_t> version = ReadSchemaVersion(database);
    if (!version.ok()) return version.status();
    if (*version > kSchemaVersion) return TooNew(path, *version);
    if (absl::Status checked = CheckApplication(database, path, *version);
        !checked.ok()) {
      return checked;
    }
    if (*version == kSchemaVersion) return absl::OkStatus();
    if (*version == 0) {
      if (absl::Status created = database.Execute(absl::StrCat(
              "PRAGMA application_id = ", kApplicationId,
              "; CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value) "
              "WITHOUT ROWID;"));
          !created.ok()) {
        return created;
      }
    }
    for (const Migration& migration : kMigrations) {
      if (migration.version <= *version) continue;
      if (absl::Status migrated = database.Execute(migration.sql);
          !migrated.ok()) {
        return absl::Status(
            migrated.code(),
            absl::StrCat("migrating ", path, " to schema version ",
                         migration.version, ": ", migrated.message()));
      }
    }
    return database.Execute(
        absl::StrCat("INSERT INTO meta (key, value) VALUES ('",
                     kMetaSchemaVersion, "', ", kSchemaVersion,
                     ") ON CONFLICT (key) DO UPDATE SET value = "
                     "excluded.value"));
  }();
  if (!status.ok()) {
    database.Execute("ROLLBACK").IgnoreError();
    return status;
  }
  // In WAL mode the upgrade's pages reach the disk at COMMIT: a disk that
  // fills during an upgrade fails here, and the file keeps its old schema.
  if (absl::Status committed = database.Execute("COMMIT"); !committed.ok()) {
    if (database.InTransaction()) database.Execute("ROLLBACK").IgnoreError();
    return absl::Status(
        committed.code(),
        absl::StrCat("committing the schema of ", path, " (version ",
                     kSchemaVersion, "): ", committed.message(),
                     "; the database keeps the schema it had"));
  }
  return absl::OkStatus();
}

absl::Status CheckSchemaReadable(Database& database, const std::string& path) {
  absl::StatusOr<int64_t> version = ReadSchemaVersion(database);
  if (!version.ok()) return version.status();
  if (*version > kSchemaVersion) return TooNew(path, *version);
  if (*version == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " is not a motcua database (no schema version)"));
  }
  if (*version < kSchemaVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("database ", path, " has schema version ", *version,
                     ", older than this build's (", kSchemaVersion,
                     "): open it once with the server to migrate it"));
  }
  return CheckApplication(database, path, *version);
}

absl::StatusOr<std::vector<std::string>> DropSecondaryIndexes(
    Database& database) {
  std::vector<std::string> names;
  std::vector<std::string> creations;
  absl::StatusOr<Statement> indexes = database.Prepare(
      "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS "
      "NOT NULL");
  if (!indexes.ok()) return indexes.status();
  if (absl::Status status = indexes->ForEachRow([&] {
        names.emplace_back(indexes->ColumnText(0));
        creations.emplace_back(indexes->ColumnText(1));
        return absl::OkStatus();
      });
      !status.ok()) {
    return status;
  }
  for (const std::string& name : names) {
    if (absl::Status status =
            database.Execute(absl::StrCat("DROP INDEX \"", name, "\""));
        !status.ok()) {
      return status;
    }
  }
  return creations;
}

const std::vector<ProjectionTable>& ProjectionTables() {
  static const std::vector<ProjectionTable> kTables = {
      {"dossiers", "code"},
      {"deadlines", "dossier_code, kind"},
      {"control_sheet", "dossier_code, entry"},
      {"counters", "agency, procedure_code, unit, state"},
      {"requests", "request_id"},
      {"report_deltas", "agency, procedure_code, field, day, measure"},
      {"thresholds", "dossier_code, target"},
      {"deadline_days", "kind, due_day, agency"},
      {"deadline_totals", "kind, agency"},
      {"unit_report_deltas", "agency, unit, day, measure"},
      {"report_months", "agency, procedure_code, field, month, measure"},
      {"unit_report_months", "agency, unit, month, measure"},
  };
  return kTables;
}

}  // namespace motcua::store
