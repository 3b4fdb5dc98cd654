// motcua_audit_bench: on a filled database (motcua_fill) with no server
// running: the rate of the offline audit (VerifyLog: the hash chain;
// ReplayAndCompare: every projection rebuilt from the log and compared) in
// events per second, and the latency of the store's overdue counts per
// agency (CountDeadlinesByAgency: the scheduler's and the dashboards'
// query).
#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/latency.h"
#include "engine/clock.h"
#include "engine/rules.h"
#include "services/rules_files/rules_files.h"
#include "store/audit.h"
#include "store/event_store.h"

namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitBadInput = 2;

double SecondsSince(SteadyClock::time_point begun) {
  return std::chrono::duration<double>(SteadyClock::now() - begun).count();
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app{
      "motcua_audit_bench: audit verify and replay rates, overdue "
      "counts per agency"};
  std::string database;
  std::string scratch;
  std::string rules_directory = MOTCUA_RULES_DIR;
  int count_requests = 50;
  bool skip_replay = false;
  motcua::store::ReplayOptions replay_options;
  std::string json_file;
  app.add_option("--db", database, "a filled database (no server on it)")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--scratch", scratch,
                 "where the replay rebuilds (default: <db>.replay; removed "
                 "afterwards)");
  app.add_option("--rules", rules_directory, "rules directory")
      ->capture_default_str();
  app.add_option("--count-requests", count_requests,
                 "overdue-count queries timed")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_flag("--skip-replay", skip_replay, "verify and counts only");
  app.add_option("--max-open-dossiers", replay_options.max_open_dossiers,
                 "open dossiers the replay holds at once")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--json", json_file, "also write the JSON here");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  if (scratch.empty()) scratch = database + ".replay";

  nlohmann::json json;
  json["tool"] = "motcua_audit_bench";
  bool failed = false;

  // Overdue counts per agency, through the store (opened as motcuad opens
  // it).
  {
    motcua::RuleLoadResult loaded =
        motcua::LoadRulesFromDirectory(rules_directory);
    if (!loaded.errors.empty()) {
      std::cerr << "motcua_audit_bench: rules: "
                << loaded.errors.front().ToString() << "\n";
      return kExitBadInput;
    }
    motcua::SystemClock clock;
    motcua::store::StoreOptions options;
    options.path = database;
    absl::StatusOr<std::unique_ptr<motcua::store::EventStore>> store =
        motcua::store::EventStore::Open(options, &clock,
                                        std::move(loaded.rules));
    if (!store.ok()) {
      std::cerr << "motcua_audit_bench: " << store.status().message() << "\n";
      return kExitFailed;
    }
    motcua::bench::LatencySamples samples;
    int64_t agencies = 0, overdue = 0;
    for (int i = 0; i < count_requests + 3; ++i) {
      const auto begun = SteadyClock::now();
      absl::StatusOr<std::vector<motcua::store::AgencyCount>> counts =
          (*store)->CountDeadlinesByAgency(
              motcua::store::DeadlineKind::kDossier, absl::Now(), "");
      const auto took = SteadyClock::now() - begun;
      if (!counts.ok()) {
        std::cerr << "motcua_audit_bench: " << counts.status().message()
                  << "\n";
        return kExitFailed;
      }
      if (i < 3) continue;  // warm the page cache first
      samples.Add(absl::FromChrono(took));
      agencies = static_cast<int64_t>(counts->size());
      overdue = 0;
      for (const auto& count : *counts) overdue += count.count;
    }
    (*store)->Close();
    const motcua::bench::LatencySummary summary = samples.Summarize();
    json["overdue_counts_per_agency"] = motcua::bench::ToJson(summary);
    json["overdue_counts_per_agency"]["agencies"] = agencies;
    json["overdue_counts_per_agency"]["overdue"] = overdue;
    std::cout << absl::StreamFormat(
        "overdue counts per agency (store): %s  (%d agencies, %d overdue)\n",
        motcua::bench::FormatSummary(summary), agencies, overdue);
  }

  {
    const auto begun = SteadyClock::now();
    absl::StatusOr<motcua::store::VerifyReport> verified =
        motcua::store::VerifyLog(database);
    const double seconds = SecondsSince(begun);
    if (!verified.ok()) {
      std::cerr << "motcua_audit_bench: verify: " << verified.status().message()
                << "\n";
      return kExitFailed;
    }
    const double rate = verified->events_checked / seconds;
    json["verify"] = {{"events", verified->events_checked},
                      {"seconds", seconds},
                      {"events_per_second", rate},
                      {"intact", verified->ok()}};
    std::cout << absl::StreamFormat(
        "audit verify: %d events in %.2f s: %.0f events/s%s\n",
        verified->events_checked, seconds, rate,
        verified->ok() ? "" : " (NOT INTACT: " + verified->problem + ")");
    failed = failed || !verified->ok();
  }

  if (!skip_replay) {
    const auto begun = SteadyClock::now();
    absl::StatusOr<motcua::store::ReplayReport> replayed =
        motcua::store::ReplayAndCompare(database, scratch, replay_options);
    const double seconds = SecondsSince(begun);
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      fs::remove(scratch + suffix, ignored);
    }
    if (!replayed.ok()) {
      std::cerr << "motcua_audit_bench: replay: " << replayed.status().message()
                << "\n";
      return kExitFailed;
    }
    const double rate = replayed->events / seconds;
    json["replay"] = {{"events", replayed->events},
                      {"dossiers", replayed->dossiers},
                      {"passes", replayed->passes},
                      {"max_open_dossiers", replay_options.max_open_dossiers},
                      {"seconds", seconds},
                      {"events_per_second", rate},
                      {"differences", replayed->differences.size()}};
    std::cout << absl::StreamFormat(
        "audit replay: %d events, %d dossiers in %.2f s: %.0f events/s, %d "
        "differences, %d passes\n",
        replayed->events, replayed->dossiers, seconds, rate,
        replayed->differences.size(), replayed->passes);
    for (size_t i = 0; i < replayed->differences.size() && i < 5; ++i) {
      std::cout << "  " << replayed->differences[i] << "\n";
    }
    failed = failed || !replayed->differences.empty();
  }

  const std::string line = json.dump();
  std::cout << "RESULT " << line << std::endl;
  if (!json_file.empty()) {
    std::ofstream out(json_file);
    out << line << "\n";
    if (!out) return kExitFailed;
  }
  return failed ? kExitFailed : kExitOk;
}
