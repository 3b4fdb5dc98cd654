// motcua_tet_burst: the morning after Tết. Fills a store with N dossiers
// received together on the last working day before the holiday, so that
// one threshold of each falls due at the same instant after it; then runs
// the deadline scheduler's pass at that instant (Durability::kFull, every
// event hash-chained) while a client submits commands at a steady rate, and
// reports how long the pass took and the latency of those commands.
//
// Time is a fake clock set to the instant; the work is real.
#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/latency.h"
#include "engine/clock.h"
#include "engine/rules.h"
#include "engine/time_format.h"
#include "services/metrics/metrics.h"
#include "services/rules_files/rules_files.h"
#include "services/scheduler/scheduler.h"
#include "store/event_store.h"

namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitBadInput = 2;

// 3 working days, no steps: received on Friday 13 February 2026 at 09:00,
// half of the limit is used on Monday 23 February at 14:45.
constexpr char kProcedure[] = "local.ho-kinh-doanh";
constexpr char kReceived[] = "2026-02-13T09:00";
constexpr char kBurst[] = "2026-02-23T14:45";

absl::Time Local(const char* text) {
  return *motcua::ParseInstant(text, motcua::FixedZone(7 * 3600));
}

motcua::store::CommandRequest Submission(const std::string& code,
                                         absl::Time received) {
  motcua::SubmitAction submit;
  submit.procedure_code = kProcedure;
  submit.agency = "so-ke-hoach-dau-tu";
  submit.channel = motcua::Channel::kOnline;
  submit.received_at = received;
  motcua::store::CommandRequest request;
  request.command = motcua::Command{code, submit, "bench"};
  return request;
}

// Queues `count` submissions with at most `in_flight` waiting.
bool Fill(motcua::store::EventStore& store, int64_t count, int in_flight) {
  absl::Mutex mu;
  int64_t done = 0;
  int64_t failed = 0;
  for (int64_t i = 0; i < count; ++i) {
    {
      absl::MutexLock lock(&mu);
      auto room = [&] { return i - done < in_flight; };
      mu.Await(absl::Condition(&room));
    }
    absl::Status queued = store.Execute(
        Submission(absl::StrFormat("T-%08d", i), Local(kReceived)),
        [&](motcua::store::CommandOutcome outcome) {
          absl::MutexLock lock(&mu);
          ++done;
          if (!outcome.status.ok()) ++failed;
        });
    if (!queued.ok()) {
      std::cerr << "motcua_tet_burst: " << queued << "\n";
      return false;
    }
  }
  absl::MutexLock lock(&mu);
  auto all = [&] { return done == count; };
  mu.Await(absl::Condition(&all));
  return failed == 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"motcua_tet_burst: thresholds due at one instant after Tết"};
  std::string db;
  std::string postgres_url;
  int64_t dossiers = 100000;
  int fill_in_flight = 2048;
  double command_rate = 100;
  motcua::scheduler::SchedulerOptions scheduler_options;
  std::string json_path;
  app.add_option("--db", db, "SQLite file to create (must not exist)");
  app.add_option("--postgres-url", postgres_url,
                 "A PostgreSQL database without a store, instead of --db");
  app.add_option("--dossiers", dossiers, "Thresholds due at the instant");
  app.add_option("--fill-in-flight", fill_in_flight,
                 "Submissions queued at once while filling");
  app.add_option("--command-rate", command_rate,
                 "Commands per second submitted during the burst");
  app.add_option("--scheduler-in-flight", scheduler_options.max_in_flight,
                 "The scheduler's commands waiting at the writer at once");
  app.add_option("--json", json_path, "Write the results here as JSON");
  CLI11_PARSE(app, argc, argv);
  if (db.empty() == postgres_url.empty() || (!db.empty() && fs::exists(db)) ||
      dossiers <= 0 || command_rate <= 0) {
    std::cerr << "motcua_tet_burst: one of --db (must not exist) or "
                 "--postgres-url; --dossiers and --command-rate must be "
                 "positive\n";
    return kExitBadInput;
  }

  motcua::RuleLoadResult loaded =
      motcua::LoadRulesFromDirectory(MOTCUA_RULES_DIR);
  if (!loaded.errors.empty()) {
    std::cerr << "motcua_tet_burst: rules: " << loaded.errors[0].ToString()
              << "\n";
    return kExitFailed;
  }
  motcua::FakeClock clock(Local(kReceived));
  motcua::store::StoreOptions options;
  // Durability::kFull: flushed (committed) before each answer.
  options.path = db;
  options.postgres_url = postgres_url;
  absl::StatusOr<std::unique_ptr<motcua::store::EventStore>> opened =
      motcua::store::EventStore::Open(
          options, &clock,
          std::shared_ptr<const motcua::RuleSet>(std::move(loaded.rules)));
  if (!opened.ok()) {
    std::cerr << "motcua_tet_burst: " << opened.status() << "\n";
    return kExitFailed;
  }
  motcua::store::EventStore& store = **opened;

  const auto fill_started = SteadyClock::now();
  if (!Fill(store, dossiers, fill_in_flight)) {
    std::cerr << "motcua_tet_burst: filling failed\n";
    return kExitFailed;
  }
  const double fill_seconds =
      std::chrono::duration<double>(SteadyClock::now() - fill_started).count();
  std::cout << absl::StrFormat("filled %d dossiers in %.1f s\n", dossiers,
                               fill_seconds);

  // The first working afternoon after Tết: every dossier's 50% threshold.
  clock.Set(Local(kBurst));
  motcua::metrics::ServerMetrics metrics;
  motcua::scheduler::DeadlineScheduler scheduler(store, store, clock, metrics,
                                                 scheduler_options);
  std::atomic<bool> burst_done{false};
  motcua::scheduler::PassResult pass;
  const auto burst_started = SteadyClock::now();
  std::thread firing([&] {
    pass = scheduler.FireDue();
    burst_done.store(true);
  });

  // Callers meanwhile: new submissions at a steady rate, one at a time.
  motcua::bench::LatencySamples latency;
  int64_t refused = 0;
  const absl::Duration period = absl::Seconds(1.0 / command_rate);
  absl::Time next = absl::Now();
  for (int64_t i = 0; !burst_done.load(); ++i) {
    absl::SleepFor(next - absl::Now());
    next += period;
    const absl::Time sent = absl::Now();
    motcua::store::CommandOutcome outcome = store.ExecuteAndWait(
        Submission(absl::StrFormat("C-%08d", i), clock.Now()));
    latency.Add(absl::Now() - sent);
    if (!outcome.status.ok()) ++refused;
  }
  firing.join();
  const double burst_seconds =
      std::chrono::duration<double>(SteadyClock::now() - burst_started).count();
  store.Close();

  const motcua::bench::LatencySummary commands = latency.Summarize();
  const double rate = static_cast<double>(pass.thresholds) / burst_seconds;
  std::cout << absl::StrFormat(
      "burst: %d thresholds recorded in %.2f s (%.0f per second; a million "
      "would take %.1f s), %d failures\n",
      pass.thresholds, burst_seconds, rate, 1e6 / rate, pass.failures);
  std::cout << "commands during the burst: " << commands.count << " ("
            << refused << " refused) " << motcua::bench::FormatSummary(commands)
            << "\n";
  {
    nlohmann::json json;
    json["tool"] = "motcua_tet_burst";
    json["backend"] = postgres_url.empty() ? "sqlite" : "postgres";
    json["dossiers"] = dossiers;
    json["fill_seconds"] = fill_seconds;
    json["thresholds"] = pass.thresholds;
    json["failures"] = pass.failures;
    json["burst_seconds"] = burst_seconds;
    json["thresholds_per_second"] = rate;
    json["million_seconds"] = 1e6 / rate;
    json["command_rate"] = command_rate;
    json["scheduler_in_flight"] = scheduler_options.max_in_flight;
    json["commands"] = motcua::bench::ToJson(commands);
    json["commands_refused"] = refused;
    const std::string line = json.dump();
    std::cout << "RESULT " << line << std::endl;
    if (!json_path.empty()) std::ofstream(json_path) << line << "\n";
  }
  return pass.thresholds == dossiers && pass.failures == 0 && refused == 0
             ? kExitOk
             : kExitFailed;
}
