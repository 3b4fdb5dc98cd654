// motcua_pg_deadline_loop: the baseline a team without motcua would write
// to fire deadlines on PostgreSQL. A table of deadlines, N of them due at
// one instant; a loop that marks a chunk of them fired with
// `UPDATE … SET fired = true WHERE … due_at <= $now AND NOT fired …
// RETURNING …` and inserts one row per fired deadline into an events table,
// one transaction per chunk (synchronous_commit as the server has it: on).
// No hash chain, no decision, no projection: the least work that still
// records each firing once.
//
// Two ways of sending the inserts: one statement and its round trip each
// (`--pipeline=false`, the plain loop), or the chunk's inserts pipelined
// with its UPDATE and COMMIT (libpq pipeline mode, one round trip for the
// inserts: a well-tuned loop).
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
using motcua::store::pg::Result;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitBadInput = 2;

// The instant every deadline falls due at, and the one the loop runs at
// (seconds since the epoch: 2026-02-23 14:45 at UTC+07:00).
constexpr int64_t kDueAt = 1771832700;

double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

// Says what failed; the exit code to return.
int Fail(absl::string_view what, const absl::Status& status) {
  std::cerr << "motcua_pg_deadline_loop: " << what << ": " << status << "\n";
  return kExitFailed;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"motcua_pg_deadline_loop: a plain PostgreSQL deadline loop"};
  std::string url;
  int64_t deadlines = 1000000;
  int chunk = 1000;
  bool pipeline = true;
  std::string json_path;
  app.add_option("--postgres-url", url, "An empty database (libpq URL)")
      ->required();
  app.add_option("--deadlines", deadlines, "Deadlines due at the instant");
  app.add_option("--chunk", chunk, "Deadlines fired per transaction");
  app.add_option("--pipeline", pipeline,
                 "Pipeline a chunk's inserts (false: one round trip each)");
  app.add_option("--json", json_path, "Write the results here as JSON");
  CLI11_PARSE(app, argc, argv);
  if (deadlines <= 0 || chunk <= 0) {
    std::cerr << "motcua_pg_deadline_loop: --deadlines and --chunk must be "
                 "positive\n";
    return kExitBadInput;
  }
  absl::StatusOr<Connection> opened = Connection::Open(url);
  if (!opened.ok()) {
    return Fail("connect", opened.status());
  }
  Connection& db = *opened;

  // The tables such a team would have: a deadline per dossier, an index
  // for the due ones, an append-only events table.
  const auto fill_started = SteadyClock::now();
  if (absl::Status status = db.Execute(absl::StrCat(
          "SET client_min_messages = warning; "
          "DROP TABLE IF EXISTS plain_events, plain_deadlines; "
          "CREATE TABLE plain_deadlines (id bigserial PRIMARY KEY, "
          "dossier_code text NOT NULL, due_at bigint NOT NULL, "
          "fired boolean NOT NULL DEFAULT false); "
          "CREATE TABLE plain_events (id bigserial PRIMARY KEY, "
          "dossier_code text NOT NULL, type text NOT NULL, "
          "occurred_at bigint NOT NULL, recorded_at timestamptz NOT NULL "
          "DEFAULT now()); "
          "INSERT INTO plain_deadlines (dossier_code, due_at) "
          "SELECT 'T-' || lpad(i::text, 8, '0'), ",
          kDueAt, " FROM generate_series(0, ", deadlines - 1,
          ") AS i; "
          "CREATE INDEX plain_deadlines_due ON plain_deadlines (due_at) "
          "WHERE NOT fired;"));
      !status.ok()) {
    return Fail("fill", status);
  }
  if (absl::Status status = db.Execute("VACUUM ANALYZE plain_deadlines");
      !status.ok()) {
    return Fail("vacuum", status);
  }
  const double fill_seconds = SecondsSince(fill_started);
  std::cout << absl::StrFormat("filled %d deadlines in %.1f s\n", deadlines,
                               fill_seconds);

  if (absl::Status status = db.Prepare(
          "fire",
          "UPDATE plain_deadlines SET fired = true WHERE id IN ("
          "SELECT id FROM plain_deadlines WHERE due_at <= $1 AND NOT fired "
          "ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED) "
          "RETURNING dossier_code, due_at");
      !status.ok()) {
    return Fail("prepare", status);
  }
  if (absl::Status status = db.Prepare(
          "record",
          "INSERT INTO plain_events (dossier_code, type, occurred_at) "
          "VALUES ($1, 'deadline_approaching', $2)");
      !status.ok()) {
    return Fail("prepare", status);
  }
  if (absl::Status status = db.Prepare("begin", "BEGIN"); !status.ok()) {
    return Fail("prepare", status);
  }
  if (absl::Status status = db.Prepare("commit", "COMMIT"); !status.ok()) {
    return Fail("prepare", status);
  }
  if (pipeline) {
    if (absl::Status status = db.EnterPipeline(); !status.ok()) {
      return Fail("pipeline", status);
    }
  }

  int64_t fired = 0;
  int64_t transactions = 0;
  const auto burst_started = SteadyClock::now();
  while (true) {
    absl::StatusOr<Result> rows;
    if (pipeline) {
      db.Queue("begin");
      rows = db.Fetch("fire", Params().Int(kDueAt).Int(chunk));
    } else {
      if (absl::Status status = db.Execute("BEGIN"); !status.ok()) {
        return Fail("begin", status);
      }
      rows = db.Run("fire", Params().Int(kDueAt).Int(chunk));
    }
    if (!rows.ok()) {
      return Fail("fire", rows.status());
    }
    for (int row = 0; row < rows->rows(); ++row) {
      Params params;
      params.Text(rows->Text(row, 0)).Int(rows->Int(row, 1));
      if (pipeline) {
        db.Queue("record", params);
      } else if (absl::StatusOr<Result> inserted = db.Run("record", params);
                 !inserted.ok()) {
        return Fail("record", inserted.status());
      }
    }
    absl::Status committed;
    if (pipeline) {
      db.Queue("commit");
      committed = db.Sync();
    } else {
      committed = db.Execute("COMMIT");
    }
    if (!committed.ok()) {
      return Fail("commit", committed);
    }
    ++transactions;
    fired += rows->rows();
    if (rows->rows() == 0) break;
  }
  const double burst_seconds = SecondsSince(burst_started);
  const double rate = fired / burst_seconds;
  std::cout << absl::StrFormat(
      "plain loop (%s, chunks of %d): %d deadlines fired in %.2f s (%.0f per "
      "second; a million would take %.1f s), %d transactions\n",
      pipeline ? "pipelined inserts" : "one round trip per insert", chunk,
      fired, burst_seconds, rate, 1e6 / rate, transactions);
  nlohmann::json json;
  json["tool"] = "motcua_pg_deadline_loop";
  json["deadlines"] = deadlines;
  json["chunk"] = chunk;
  json["pipeline"] = pipeline;
  json["fill_seconds"] = fill_seconds;
  json["fired"] = fired;
  json["burst_seconds"] = burst_seconds;
  json["fired_per_second"] = rate;
  json["million_seconds"] = 1e6 / rate;
  json["transactions"] = transactions;
  const std::string line = json.dump();
  std::cout << "RESULT " << line << std::endl;
  if (!json_path.empty()) std::ofstream(json_path) << line << "\n";
  return fired == deadlines ? kExitOk : kExitFailed;
}
