// motcua_pg_ceiling: PostgreSQL's own ceiling for the rows of durable
// commands, the storage bound of motcuad on PostgreSQL measured without it.
// Tables of its own shaped as the store's (keys, the indexes the writes
// touch; row widths of a hand-over), and for each command the statements
// motcuad's PostgreSQL writer sends for a hand-over: the event (with its two
// 32-byte hashes), the dossier row with its snapshot, the step's deadline and
// threshold, a control-sheet entry, the counters moved (one down, one up), the
// day's report delta and the request's row; each transaction also moves the
// log's head. Commands go in transactions of `--batch` (the writer's group
// commit at that many in flight), every statement of a transaction pipelined,
// one connection (the writer's), synchronous_commit as the server has it (on):
// a transaction is counted once its COMMIT is answered. No decision, no
// encoding: only the database's work.
#include <CLI/CLI.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "store/postgres/pq.h"

namespace {

using SteadyClock = std::chrono::steady_clock;
using motcua::store::pg::Connection;
using motcua::store::pg::Params;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitBadInput = 2;

int Fail(absl::string_view what, const absl::Status& status) {
  std::cerr << "motcua_pg_ceiling: " << what << ": " << status << "\n";
  return kExitFailed;
}

// Statements by name, as the writer prepares its own.
constexpr struct {
  const char* name;
  const char* sql;
} kStatements[] = {
    {"event",
     "INSERT INTO c_events (sequence, dossier_code, dossier_version, type, "
     "occurred_at, recorded_at, actor, rule_version, payload, previous_hash, "
     "hash) VALUES ($1, $2, $3, 'handed_over', $4, $4, 'bench', '2026.1', "
     "$5, $6, $7)"},
    {"dossier",
     "INSERT INTO c_dossiers (code, version, state, agency, procedure_code, "
     "unit, due_at, updated_at, snapshot) VALUES ($1, $2, 2, 'so-ke-hoach', "
     "'local.ho-kinh-doanh', $3, $4, $4, $5) ON CONFLICT (code) DO UPDATE "
     "SET version = excluded.version, unit = excluded.unit, updated_at = "
     "excluded.updated_at, snapshot = excluded.snapshot"},
    {"deadline",
     "INSERT INTO c_deadlines (dossier_code, kind, due_at, unit) VALUES ($1, "
     "'step', $2, $3) ON CONFLICT (dossier_code, kind) DO UPDATE SET due_at "
     "= excluded.due_at, unit = excluded.unit"},
    {"threshold",
     "INSERT INTO c_thresholds (dossier_code, target, at) VALUES ($1, 2, "
     "$2) ON CONFLICT (dossier_code, target) DO UPDATE SET at = excluded.at"},
    {"control",
     "INSERT INTO c_control_sheet (dossier_code, entry, unit, started_at) "
     "VALUES ($1, $2, $3, $4)"},
    {"counter_up",
     "INSERT INTO c_counters (agency, unit, count) VALUES ('so-ke-hoach', "
     "$1, 1) ON CONFLICT (agency, unit) DO UPDATE SET count = "
     "c_counters.count + 1"},
    {"counter_down",
     "UPDATE c_counters SET count = count - 1 WHERE agency = 'so-ke-hoach' "
     "AND unit = $1"},
    {"report",
     "INSERT INTO c_report_deltas (agency, field, day, delta) VALUES "
     "('so-ke-hoach', 'handed_over', $1, 1) ON CONFLICT (agency, field, "
     "day) DO UPDATE SET delta = c_report_deltas.delta + 1"},
    {"request",
     "INSERT INTO c_requests (request_id, dossier_code, outcome) VALUES ($1, "
     "$2, $3)"},
    {"head",
     "INSERT INTO c_meta (key, value) VALUES ('head', $1) ON CONFLICT (key) "
     "DO UPDATE SET value = excluded.value"},
    {"begin", "BEGIN"},
    {"commit", "COMMIT"},
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"motcua_pg_ceiling: PostgreSQL's ceiling for commands' rows"};
  std::string url;
  int batch = 64;
  int dossiers = 100000;
  double seconds = 10;
  std::string json_path;
  app.add_option("--postgres-url", url, "A database to write in (libpq URL)")
      ->required();
  app.add_option("--batch", batch, "Commands per transaction");
  app.add_option("--dossiers", dossiers, "Open dossiers the commands touch");
  app.add_option("--seconds", seconds, "How long to write");
  app.add_option("--json", json_path, "Write the results here as JSON");
  CLI11_PARSE(app, argc, argv);
  if (batch <= 0 || dossiers <= 0 || seconds <= 0) {
    std::cerr << "motcua_pg_ceiling: --batch, --dossiers and --seconds must "
                 "be positive\n";
    return kExitBadInput;
  }
  absl::StatusOr<Connection> opened = Connection::Open(url);
  if (!opened.ok()) return Fail("connect", opened.status());
  Connection& db = *opened;
  // Tables shaped as the store's, keyed and indexed where it is.
  if (absl::Status status = db.Execute(
          "SET client_min_messages = warning; "
          "DROP TABLE IF EXISTS c_events, c_dossiers, c_deadlines, "
          "c_thresholds, c_control_sheet, c_counters, c_report_deltas, "
          "c_requests, c_meta; "
          "CREATE TABLE c_events (sequence bigint PRIMARY KEY, dossier_code "
          "text NOT NULL, dossier_version bigint NOT NULL, type text NOT "
          "NULL, occurred_at bigint NOT NULL, recorded_at bigint NOT NULL, "
          "actor text NOT NULL, rule_version text NOT NULL, payload bytea NOT "
          "NULL, previous_hash bytea NOT NULL, hash bytea NOT NULL, UNIQUE "
          "(dossier_code, dossier_version)); "
          "CREATE TABLE c_dossiers (code text PRIMARY KEY, version bigint NOT "
          "NULL, state int NOT NULL, agency text NOT NULL, procedure_code "
          "text NOT NULL, unit text NOT NULL, due_at bigint NOT NULL, "
          "updated_at bigint NOT NULL, snapshot bytea NOT NULL); "
          "CREATE INDEX ON c_dossiers (agency, unit); "
          "CREATE TABLE c_deadlines (dossier_code text NOT NULL, kind text "
          "NOT NULL, due_at bigint NOT NULL, unit text NOT NULL, PRIMARY KEY "
          "(dossier_code, kind)); "
          "CREATE INDEX ON c_deadlines (due_at); "
          "CREATE TABLE c_thresholds (dossier_code text NOT NULL, target int "
          "NOT NULL, at bigint NOT NULL, PRIMARY KEY (dossier_code, target)); "
          "CREATE INDEX ON c_thresholds (at); "
          "CREATE TABLE c_control_sheet (dossier_code text NOT NULL, entry "
          "bigint NOT NULL, unit text NOT NULL, started_at bigint NOT NULL, "
          "PRIMARY KEY (dossier_code, entry)); "
          "CREATE TABLE c_counters (agency text NOT NULL, unit text NOT "
          "NULL, count bigint NOT NULL, PRIMARY KEY (agency, unit)); "
          "CREATE TABLE c_report_deltas (agency text NOT NULL, field text NOT "
          "NULL, day bigint NOT NULL, delta bigint NOT NULL, PRIMARY KEY "
          "(agency, field, day)); "
          "CREATE TABLE c_requests (request_id text PRIMARY KEY, "
          "dossier_code text NOT NULL, outcome bytea NOT NULL); "
          "CREATE TABLE c_meta (key text PRIMARY KEY, value bigint);");
      !status.ok()) {
    return Fail("create", status);
  }
  for (const auto& statement : kStatements) {
    if (absl::Status status = db.Prepare(statement.name, statement.sql);
        !status.ok()) {
      return Fail(statement.name, status);
    }
  }
  if (absl::Status status = db.EnterPipeline(); !status.ok()) {
    return Fail("pipeline", status);
  }

  // Sizes of the store's own rows for a hand-over (payload, snapshot,
  // request outcome).
  const std::string payload(180, 'p');
  const std::string snapshot(640, 's');
  const std::string outcome(120, 'o');
  const std::string hash(32, 'h');
  int64_t sequence = 0;
  int64_t commands = 0;
  int64_t transactions = 0;
  const auto started = SteadyClock::now();
  const auto until =
      started + std::chrono::duration_cast<SteadyClock::duration>(
                    std::chrono::duration<double>(seconds));
  while (SteadyClock::now() < until) {
    db.Queue("begin");
    for (int i = 0; i < batch; ++i) {
      ++sequence;
      const std::string code = absl::StrFormat("C-%08d", sequence % dossiers);
      const int64_t version = sequence / dossiers + 1;
      const int64_t at = 1771832700 + sequence;
      const std::string unit = absl::StrCat("unit-", sequence % 7);
      const std::string previous_unit =
          absl::StrCat("unit-", (sequence + 1) % 7);
      db.Queue("event", Params()
                            .Int(sequence)
                            .Text(code)
                            .Int(version)
                            .Int(at)
                            .Bytes(payload)
                            .Bytes(hash)
                            .Bytes(hash));
      db.Queue(
          "dossier",
          Params().Text(code).Int(version).Text(unit).Int(at).Bytes(snapshot));
      db.Queue("deadline", Params().Text(code).Int(at + 86400).Text(unit));
      db.Queue("threshold", Params().Text(code).Int(at + 43200));
      db.Queue("control", Params().Text(code).Int(version).Text(unit).Int(at));
      db.Queue("counter_up", Params().Text(unit));
      db.Queue("counter_down", Params().Text(previous_unit));
      db.Queue("report", Params().Int(at / 86400));
      db.Queue("request", Params()
                              .Text(absl::StrCat("r-", sequence))
                              .Text(code)
                              .Bytes(outcome));
    }
    db.Queue("head", Params().Int(sequence));
    db.Queue("commit");
    if (absl::Status status = db.Sync(); !status.ok()) {
      return Fail("commit", status);
    }
    commands += batch;
    ++transactions;
  }
  const double elapsed =
      std::chrono::duration<double>(SteadyClock::now() - started).count();
  const double rate = commands / elapsed;
  std::cout << absl::StrFormat(
      "PostgreSQL ceiling (the rows of a hand-over, %d per transaction, "
      "pipelined, synchronous_commit on): %d commands in %.2f s: %.0f "
      "commands/s, %.0f commits/s\n",
      batch, commands, elapsed, rate, transactions / elapsed);
  nlohmann::json json;
  json["tool"] = "motcua_pg_ceiling";
  json["batch"] = batch;
  json["dossiers"] = dossiers;
  json["commands"] = commands;
  json["transactions"] = transactions;
  json["seconds"] = elapsed;
  json["commands_per_second"] = rate;
  const std::string line = json.dump();
  std::cout << "RESULT " << line << std::endl;
  if (!json_path.empty()) std::ofstream(json_path) << line << "\n";
  return kExitOk;
}
