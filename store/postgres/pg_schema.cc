#include "store/postgres/pg_schema.h"

#include "absl/strings/str_cat.h"
#include "engine/status_macros.h"
#include "store/schema.h"

namespace motcua::store::pg {
namespace {

struct Migration {
  int64_t version;  // the schema version after it
  const char* sql;
};

// Migrations in order. Never edit one that has shipped: add the next.
constexpr Migration kMigrations[] = {
    {1, R"sql(
-- The log: appended, never updated. A command's events are appended in its
-- transaction together with every projection below. The sequence is the
-- writer's (it is hashed before the row is written), not an identity.
CREATE TABLE events (
  sequence bigint PRIMARY KEY,
  dossier_code text COLLATE "C" NOT NULL,
  dossier_version bigint NOT NULL,
  type text COLLATE "C" NOT NULL,
  occurred_at bigint NOT NULL,
  recorded_at bigint NOT NULL,
  actor text COLLATE "C" NOT NULL,
  rule_version text COLLATE "C" NOT NULL,
  payload bytea NOT NULL,               -- motcua.v1.EventPayload
  previous_hash bytea NOT NULL,         -- 32 bytes; zeros for the first
  hash bytea NOT NULL,                  -- store/hash_chain.h
  UNIQUE (dossier_code, dossier_version)
);

-- Projections: what rows change for an event is decided by
-- store/projection_changes.h, for both backends.
CREATE TABLE dossiers (
  code text COLLATE "C" PRIMARY KEY,
  version bigint NOT NULL,
  state smallint NOT NULL,              -- engine LifecycleState
  agency text COLLATE "C" NOT NULL,
  procedure_code text COLLATE "C" NOT NULL,
  current_unit text COLLATE "C" NOT NULL,
  current_step_id text COLLATE "C" NOT NULL,
  received_at bigint NOT NULL,
  due_at bigint NOT NULL,
  step_due_at bigint,
  classification smallint NOT NULL,
  snapshot bytea NOT NULL               -- motcua.v1.DossierSnapshot
);
-- Every filter of List is an index range in code order.
CREATE INDEX dossiers_by_agency ON dossiers (agency, code);
CREATE INDEX dossiers_by_state ON dossiers (state, code);
CREATE INDEX dossiers_by_unit ON dossiers (current_unit, code);
CREATE INDEX dossiers_by_procedure ON dossiers (procedure_code, code);

CREATE TABLE deadlines (
  dossier_code text COLLATE "C" NOT NULL,
  kind text COLLATE "C" NOT NULL CHECK (kind IN ('dossier', 'step')),
  due_at bigint NOT NULL,
  step_id text COLLATE "C" NOT NULL,
  unit text COLLATE "C" NOT NULL,
  agency text COLLATE "C" NOT NULL,
  procedure_code text COLLATE "C" NOT NULL,
  PRIMARY KEY (dossier_code, kind)
);
-- ListOverdue / ListDueSoon: every filter an index range in (due_at,
-- dossier_code) order, the page's order.
CREATE INDEX deadlines_by_kind ON deadlines (kind, due_at, dossier_code);
CREATE INDEX deadlines_by_agency ON deadlines (agency, kind, due_at, dossier_code)
  INCLUDE (procedure_code);
CREATE INDEX deadlines_by_unit ON deadlines (unit, kind, due_at, dossier_code);
CREATE INDEX deadlines_by_procedure
  ON deadlines (procedure_code, kind, due_at, dossier_code);

-- Deadlines per kind, agency and due day, and those before the settled day
-- (meta deadlines_settled_day): CountOverdue without a scan.
CREATE TABLE deadline_days (
  kind text COLLATE "C" NOT NULL,
  due_day integer NOT NULL,             -- days since 1970-01-01 at UTC+07:00
  agency text COLLATE "C" NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY (kind, due_day, agency)
);
CREATE TABLE deadline_totals (
  kind text COLLATE "C" NOT NULL,
  agency text COLLATE "C" NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY (kind, agency)
);

CREATE TABLE thresholds (
  dossier_code text COLLATE "C" NOT NULL,
  target smallint NOT NULL,             -- engine ThresholdTarget
  at bigint NOT NULL,
  threshold_index integer NOT NULL,
  PRIMARY KEY (dossier_code, target)
);
CREATE INDEX thresholds_by_time ON thresholds (at, dossier_code, target);

CREATE TABLE control_sheet (
  dossier_code text COLLATE "C" NOT NULL,
  entry integer NOT NULL,               -- 1-based, in order
  step_id text COLLATE "C" NOT NULL,
  unit text COLLATE "C" NOT NULL,
  started_at bigint NOT NULL,
  due_at bigint NOT NULL,
  ended_at bigint,
  used_seconds bigint NOT NULL,
  late boolean NOT NULL,
  handed_over_by text COLLATE "C" NOT NULL,
  PRIMARY KEY (dossier_code, entry)
);

CREATE TABLE counters (
  agency text COLLATE "C" NOT NULL,
  procedure_code text COLLATE "C" NOT NULL,
  unit text COLLATE "C" NOT NULL,
  state smallint NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY (agency, procedure_code, unit, state)
);

CREATE TABLE requests (
  request_id text COLLATE "C" PRIMARY KEY,
  dossier_code text COLLATE "C" NOT NULL,
  outcome bytea NOT NULL,               -- motcua.v1.RequestOutcome
  fingerprint bytea                     -- store/command_fingerprint.h
);

CREATE TABLE report_deltas (
  agency text COLLATE "C" NOT NULL,
  procedure_code text COLLATE "C" NOT NULL,
  field text COLLATE "C" NOT NULL,
  day integer NOT NULL,
  measure smallint NOT NULL,            -- engine ReportMeasure
  delta bigint NOT NULL,
  PRIMARY KEY (agency, procedure_code, field, day, measure)
);
CREATE INDEX report_deltas_by_day ON report_deltas (day);

CREATE TABLE unit_report_deltas (
  agency text COLLATE "C" NOT NULL,
  unit text COLLATE "C" NOT NULL,
  day integer NOT NULL,
  measure smallint NOT NULL,
  delta bigint NOT NULL,
  PRIMARY KEY (agency, unit, day, measure)
);
CREATE INDEX unit_report_deltas_by_day ON unit_report_deltas (day);

-- Each month's sum of the per-day deltas above (store/report_months.h),
-- written in the same transaction; a month is named by its first day.
CREATE TABLE report_months (
  agency text COLLATE "C" NOT NULL,
  procedure_code text COLLATE "C" NOT NULL,
  field text COLLATE "C" NOT NULL,
  month integer NOT NULL,
  measure smallint NOT NULL,
  delta bigint NOT NULL,
  PRIMARY KEY (agency, procedure_code, field, month, measure)
);

CREATE TABLE unit_report_months (
  agency text COLLATE "C" NOT NULL,
  unit text COLLATE "C" NOT NULL,
  month integer NOT NULL,
  measure smallint NOT NULL,
  delta bigint NOT NULL,
  PRIMARY KEY (agency, unit, month, measure)
);
)sql"},
    {2, R"sql(
-- The leader lease (docs/design.md, "Several servers"): one row, taken by
-- the motcuad that writes. `expires_at` is by the database's clock, so that
-- the servers' clocks never matter; `epoch` grows by one with each taking;
-- `backend_pid` is the taker's write connection, which a successor ends
-- when a paused leader holds the row locked past its expiry.
CREATE TABLE leader (
  id smallint PRIMARY KEY CHECK (id = 1),
  holder text COLLATE "C" NOT NULL,
  epoch bigint NOT NULL,
  expires_at timestamptz NOT NULL,
  address text COLLATE "C" NOT NULL,
  backend_pid integer NOT NULL
);

-- The fence at the head of every write transaction of a leased writer:
-- renews the lease when `holder` still holds it at `epoch`, and otherwise
-- raises SQLSTATE MC001, which aborts the transaction before its COMMIT.
-- The row lock it takes is held to the COMMIT, so a successor's taking
-- waits for (or ends) the transaction rather than overlapping it.
CREATE FUNCTION motcua_fence(fence_holder text, fence_epoch bigint,
                             lease_micros bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE leader
     SET expires_at = clock_timestamp() + lease_micros * interval '1 microsecond'
   WHERE id = 1 AND holder = fence_holder AND epoch = fence_epoch
     AND expires_at > clock_timestamp();
  IF NOT FOUND THEN
    RAISE EXCEPTION 'the leader lease is no longer held at epoch %', fence_epoch
      USING ERRCODE = 'MC001';
  END IF;
END
$$;

-- Which leader's epoch appended each event (NULL: a writer without a
-- lease). Not covered by the hash chain: it says who wrote, not what.
ALTER TABLE events ADD COLUMN writer_epoch bigint;
)sql"},
    {3, R"sql(
-- Room on each page for a row's next version: an event rewrites its
-- dossier's row (and an entry of its control sheet) without changing an
-- indexed column, and with room on the page PostgreSQL keeps the new
-- version beside the old one without a new entry in every index (a HOT
-- update). A dossier's row is small (its snapshot a few hundred bytes):
-- half of each page is kept free, so that a burst of thresholds, which
-- rewrites every due dossier once in a few transactions, finds room
-- (bench/RESULTS.md: at 80 a third of those updates were HOT, at 50 all
-- of them, and the burst ran 1.2 to 1.5 times as fast). Pages written from
-- now on keep the room.
ALTER TABLE dossiers SET (fillfactor = 50);
ALTER TABLE control_sheet SET (fillfactor = 90);
)sql"},
};

absl::StatusOr<int64_t> ReadSchemaVersion(Connection& connection) {
  ASSIGN_OR_RETURN(Result meta,
                   connection.Query("SELECT to_regclass('meta') IS NULL"));
  if (meta.Int(0, 0) != 0) return 0;
  ASSIGN_OR_RETURN(Result version,
                   connection.Query("SELECT value FROM meta WHERE key = $1",
                                    Params().Text(kMetaSchemaVersion)));
  return version.rows() == 0 ? 0 : version.Int(0, 0);
}

absl::Status TooNew(Connection& connection, int64_t version) {
  return absl::FailedPreconditionError(absl::StrCat(
      connection.Describe(), " has schema version ", version,
      ", newer than this build understands (", kSchemaVersion,
      "): it was written by a newer motcua; run that version or restore a "
      "backup"));
}

absl::Status Migrate(Connection& connection) {
  ASSIGN_OR_RETURN(Result locked,
                   connection.Query("SELECT pg_advisory_xact_lock($1::bigint)",
                                    Params().Int(kMigrationLockKey)));
  ASSIGN_OR_RETURN(const int64_t version, ReadSchemaVersion(connection));
  if (version > kSchemaVersion) return TooNew(connection, version);
  if (version == kSchemaVersion) return absl::OkStatus();
  if (version == 0) {
    ASSIGN_OR_RETURN(
        Result tables,
        connection.Query("SELECT count(*) FROM pg_tables WHERE schemaname = "
                         "current_schema()"));
    if (tables.Int(0, 0) != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat(connection.Describe(),
                       " is not a motcua database: it has tables but no "
                       "schema version"));
    }
    // Integers in `value`, bytes (the head's hash) in `bytes`.
    RETURN_IF_ERROR(connection.Execute(
        "CREATE TABLE meta (key text COLLATE \"C\" PRIMARY KEY, value bigint, "
        "bytes bytea)"));
  }
  for (const Migration& migration : kMigrations) {
    if (migration.version <= version) continue;
    if (absl::Status migrated = connection.Execute(migration.sql);
        !migrated.ok()) {
      return absl::Status(migrated.code(),
                          absl::StrCat("migrating ", connection.Describe(),
                                       " to schema version ", migration.version,
                                       ": ", migrated.message()));
    }
  }
  return connection
      .Query(
          "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) "
          "DO UPDATE SET value = excluded.value",
          Params().Text(kMetaSchemaVersion).Int(kSchemaVersion))
      .status();
}

}  // namespace

absl::Status MigrateSchema(Connection& connection) {
  RETURN_IF_ERROR(connection.Execute("BEGIN"));
  absl::Status status = Migrate(connection);
  if (!status.ok()) {
    connection.Execute("ROLLBACK").IgnoreError();
    return status;
  }
  return connection.Execute("COMMIT");
}

absl::Status CheckSchemaReadable(Connection& connection) {
  ASSIGN_OR_RETURN(const int64_t version, ReadSchemaVersion(connection));
  if (version > kSchemaVersion) return TooNew(connection, version);
  if (version == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(connection.Describe(),
                     " is not a motcua database (no schema version)"));
  }
  if (version < kSchemaVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat(connection.Describe(), " has schema version ", version,
                     ", older than this build's (", kSchemaVersion,
                     "): open it once with the server to migrate it"));
  }
  return absl::OkStatus();
}

}  // namespace motcua::store::pg
