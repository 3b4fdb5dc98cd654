// motcua_fill: fills a new store with a synthetic history of N dossiers
// received over the months before the end ("now" by default), so that the
// read benchmarks and the audit run at scale. A fake clock steps through the
// history; the engine decides each step's commands at its end and the bulk
// loader (store/bulk_load.h) writes what they decided. --through-store sends
// the same commands through a running store instead (much slower; the two
// leave the same database).
#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/fill.h"
#include "bench/fill_plan.h"
#include "bench/workload.h"
#include "engine/clock.h"
#include "engine/rules.h"
#include "services/rules_files/rules_files.h"
#include "store/bulk_load.h"
#include "store/event_store.h"

namespace {

namespace fs = std::filesystem;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitBadInput = 2;

}  // namespace

int main(int argc, char** argv) {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app{"motcua_fill: fill a motcua database with a synthetic history"};
  std::string database;
  std::string rules_directory = MOTCUA_RULES_DIR;
  int64_t dossiers = 1000000;
  double months = 6;
  std::string end_text;
  int agencies = 200;
  double step_minutes = 10;
  size_t max_batch = 8192;
  uint64_t seed = 1;
  bool replace = false;
  bool through_store = false;
  std::string json_file;
  app.add_option("--db", database, "the database file to create")->required();
  app.add_option("--rules", rules_directory, "rules directory")
      ->capture_default_str();
  app.add_option("--dossiers", dossiers, "dossiers received")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{50000000}));
  app.add_option("--months", months, "months of receipts before the end")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 24.0));
  app.add_option("--end", end_text,
                 "the end of the history, RFC 3339 (default: now)");
  app.add_option("--agencies", agencies, "agencies (ubnd-phuong-001 ...)")
      ->capture_default_str()
      ->check(CLI::Range(1, 60000));
  app.add_option("--step-minutes", step_minutes,
                 "the fake clock's step: commands of one step are decided "
                 "at its end")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 1440.0));
  app.add_option("--max-batch", max_batch, "commands per transaction, at most")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--seed", seed, "random seed")->capture_default_str();
  app.add_flag("--replace", replace, "replace the database if it exists");
  app.add_flag("--through-store", through_store,
               "send every command through a running store (slow)");
  app.add_option("--json", json_file, "also write the JSON here");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }

  absl::Time end = absl::Now();
  if (!end_text.empty()) {
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, end_text, &end, &error)) {
      std::cerr << "motcua_fill: --end: " << error << "\n";
      return kExitBadInput;
    }
  }
  std::error_code ignored;
  if (fs::exists(database)) {
    if (!replace) {
      std::cerr << "motcua_fill: " << database
                << " exists; give --replace or a new file\n";
      return kExitBadInput;
    }
    for (const char* suffix : {"", "-wal", "-shm"}) {
      fs::remove(database + suffix, ignored);
    }
  }
  motcua::RuleLoadResult loaded =
      motcua::LoadRulesFromDirectory(rules_directory);
  if (!loaded.errors.empty()) {
    std::cerr << "motcua_fill: rules: " << loaded.errors.front().ToString()
              << "\n";
    return kExitBadInput;
  }
  std::shared_ptr<const motcua::RuleSet> rules = std::move(loaded.rules);

  motcua::bench::FillShape shape;
  shape.dossiers = dossiers;
  shape.end = end;
  shape.first = end - absl::Hours(24 * 30.44 * months);
  shape.agencies = motcua::bench::AgencyNames(agencies);
  shape.seed = seed;
  const absl::Time planning = absl::Now();
  absl::StatusOr<motcua::bench::FillPlan> plan =
      motcua::bench::PlanFill(*rules, shape);
  if (!plan.ok()) {
    std::cerr << "motcua_fill: " << plan.status().message() << "\n";
    return kExitBadInput;
  }
  const double plan_seconds = absl::ToDoubleSeconds(absl::Now() - planning);
  std::cout
      << absl::StreamFormat(
             "planned %d dossiers, %d commands, %s .. %s, in %.1f s\n",
             dossiers, plan->steps.size(),
             absl::FormatTime("%Y-%m-%d", shape.first, absl::UTCTimeZone()),
             absl::FormatTime("%Y-%m-%d %H:%M", shape.end, absl::UTCTimeZone()),
             plan_seconds)
      << std::flush;

  motcua::FakeClock clock(shape.first);
  motcua::store::StoreOptions options;
  options.path = database;
  options.durability = motcua::store::Durability::kNormal;
  options.max_batch = max_batch;
  options.queue_capacity = 1 << 22;
  const absl::Duration step = absl::Minutes(step_minutes);

  const absl::Time started = absl::Now();
  absl::Time last_report = started;
  auto progress = [&](size_t done) {
    if (absl::Now() - last_report < absl::Seconds(10)) return;
    last_report = absl::Now();
    std::cout << absl::StreamFormat(
                     "  %d of %d commands (%.0f/s)\n", done, plan->steps.size(),
                     done / absl::ToDoubleSeconds(last_report - started))
              << std::flush;
  };
  absl::StatusOr<motcua::bench::FillTally> tally;
  double close_seconds = 0;
  if (through_store) {
    // Every open dossier stays in memory: no reload between its commands.
    options.state_cache_entries = static_cast<size_t>(dossiers) + 1;
    absl::StatusOr<std::unique_ptr<motcua::store::EventStore>> opened =
        motcua::store::EventStore::Open(options, &clock, rules);
    if (!opened.ok()) {
      std::cerr << "motcua_fill: " << opened.status().message() << "\n";
      return kExitFailed;
    }
    tally = motcua::bench::FillThroughStore(*plan, end, step, **opened, clock,
                                            progress);
    (*opened)->Close();
  } else {
    absl::StatusOr<std::unique_ptr<motcua::store::BulkLoader>> loader =
        motcua::store::BulkLoader::Create(database);
    if (!loader.ok()) {
      std::cerr << "motcua_fill: " << loader.status().message() << "\n";
      return kExitFailed;
    }
    tally =
        motcua::bench::FillInBulk(*plan, *rules, end, step, **loader, progress);
    if (tally.ok()) {
      const absl::Time closing = absl::Now();
      std::cout << absl::StreamFormat(
                       "  appended in %.1f s; writing the dossiers still "
                       "open, the report and the indexes\n",
                       absl::ToDoubleSeconds(closing - started))
                << std::flush;
      if (absl::Status closed = (*loader)->Close(); !closed.ok()) {
        tally = closed;
      }
      close_seconds = absl::ToDoubleSeconds(absl::Now() - closing);
    }
  }
  if (!tally.ok()) {
    std::cerr << "motcua_fill: " << tally.status().message() << "\n";
    return kExitFailed;
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - started);

  // What the history left open now: the deadlines past due per agency.
  absl::StatusOr<std::unique_ptr<motcua::store::EventStore>> reopened =
      motcua::store::EventStore::Open(options, &clock, rules);
  int64_t overdue = 0;
  if (reopened.ok()) {
    absl::StatusOr<std::vector<motcua::store::AgencyCount>> counts =
        (*reopened)->CountDeadlinesByAgency(
            motcua::store::DeadlineKind::kDossier, end, "");
    if (counts.ok()) {
      for (const motcua::store::AgencyCount& count : *counts) {
        overdue += count.count;
      }
    }
    (*reopened)->Close();
  }
  int64_t file_bytes = 0;
  for (const char* suffix : {"", "-wal"}) {
    if (fs::exists(database + suffix)) {
      file_bytes += static_cast<int64_t>(fs::file_size(database + suffix));
    }
  }

  const int64_t accepted = tally->commands;
  const int64_t events = tally->events;
  std::cout << absl::StreamFormat(
      "filled %s: %d dossiers, %d commands (%d refused), %d events in %.1f s: "
      "%.0f dossiers/s, %.0f events/s; %d clock steps; %d dossiers past due "
      "now; %.0f MiB\n",
      database, dossiers, accepted, tally->refused, events, seconds,
      dossiers / seconds, events / seconds, tally->clock_steps, overdue,
      file_bytes / 1048576.0);
  nlohmann::json json = {
      {"tool", "motcua_fill"},
      {"dossiers", dossiers},
      {"commands", accepted},
      {"refused", tally->refused},
      {"events", events},
      {"seconds", seconds},
      {"plan_seconds", plan_seconds},
      {"close_seconds", close_seconds},
      {"dossiers_per_second", dossiers / seconds},
      {"events_per_second", events / seconds},
      {"clock_steps", tally->clock_steps},
      {"through_store", through_store},
      {"overdue_now", overdue},
      {"agencies", agencies},
      {"months", months},
      {"file_bytes", file_bytes},
  };
  const std::string line = json.dump();
  std::cout << "RESULT " << line << std::endl;
  if (!json_file.empty()) {
    std::ofstream out(json_file);
    out << line << "\n";
    if (!out) return kExitFailed;
  }
  return tally->refused == 0 ? kExitOk : kExitFailed;
}
