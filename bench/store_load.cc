// motcua_store_load: the load generator's mix driven straight into
// EventStore (no gRPC, no server), with the store's own durability
// (Durability::kFull by default: the WAL flushed before each answer) and the
// same number of commands in flight.
// Between the transport ceiling (motcua_load --ceiling) and the storage
// ceiling (motcua_sqlite_ceiling), it shows what the store itself costs.
#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/latency.h"
#include "bench/workload.h"
#include "engine/clock.h"
#include "engine/rules.h"
#include "services/rules_files/rules_files.h"
#include "store/event_store.h"

namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitBadInput = 2;

constexpr const char* kUnitOutsideSteps = "phong-chuyen-mon";

enum class Phase { kPresubmit, kWarmup, kMeasure, kStop };

// Lanes of commands, each queuing its next command from the callback of
// the last (on the store's writer thread).
class StoreLoad {
 public:
  StoreLoad(motcua::store::EventStore& store, motcua::bench::WorkingSet set,
            int in_flight)
      : store_(store), in_flight_(in_flight), set_(std::move(set)) {}

  void RunPhase(Phase phase, int64_t presubmit, absl::Duration length) {
    {
      absl::MutexLock lock(&mu_);
      phase_ = phase;
      presubmit_left_ = presubmit;
      active_ = in_flight_;
      if (phase == Phase::kMeasure) {
        latency_ = {};
        accepted_ = failed_ = 0;
      }
    }
    const auto begun = SteadyClock::now();
    for (int lane = 0; lane < in_flight_; ++lane) Next();
    if (phase != Phase::kPresubmit) {
      absl::SleepFor(length);
      absl::MutexLock lock(&mu_);
      phase_ = Phase::kStop;
    }
    absl::MutexLock lock(&mu_);
    if (phase == Phase::kMeasure) {
      seconds_ =
          std::chrono::duration<double>(SteadyClock::now() - begun).count();
    }
    mu_.Await(absl::Condition(
        +[](int* active) { return *active == 0; }, &active_));
  }

  nlohmann::json Report() {
    absl::MutexLock lock(&mu_);
    const motcua::bench::LatencySummary summary = latency_.Summarize();
    nlohmann::json json = motcua::bench::ToJson(summary);
    json["accepted"] = accepted_;
    json["failed"] = failed_;
    json["seconds"] = seconds_;
    json["per_second"] = accepted_ / seconds_;
    std::cout << absl::StreamFormat(
        "store only: %.0f commands/s  %s  (%d accepted, %d failed)\n",
        accepted_ / seconds_, motcua::bench::FormatSummary(summary), accepted_,
        failed_);
    return json;
  }

 private:
  void Next() {
    motcua::bench::PlannedCommand planned;
    motcua::store::CommandRequest request;
    {
      absl::MutexLock lock(&mu_);
      if (phase_ == Phase::kStop ||
          (phase_ == Phase::kPresubmit && presubmit_left_ == 0)) {
        --active_;
        return;
      }
      if (phase_ == Phase::kPresubmit) {
        --presubmit_left_;
        planned = set_.NextSubmission();
      } else {
        planned = set_.Next();
      }
      request.command = Build(planned);
      request.request_id =
          absl::StrCat(request.command.dossier_code, "-",
                       set_.dossier(planned.dossier).commands + 1);
    }
    const auto sent = SteadyClock::now();
    absl::Status queued = store_.Execute(
        std::move(request),
        [this, planned, sent](motcua::store::CommandOutcome outcome) {
          Finished(planned, sent, outcome.status);
        });
    if (!queued.ok()) Finished(planned, sent, queued);
  }

  motcua::Command Build(const motcua::bench::PlannedCommand& planned)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    motcua::Command command;
    command.dossier_code = set_.Code(planned.dossier);
    command.actor = "bench";
    switch (planned.kind) {
      case motcua::bench::CommandKind::kSubmit: {
        motcua::SubmitAction submit;
        submit.procedure_code = set_.procedure(planned.dossier).code;
        submit.agency = set_.agency(planned.dossier);
        submit.channel = motcua::Channel::kInPerson;
        submit.received_at = absl::Now();
        submit.summary = "hồ sơ tiếp nhận tại bộ phận một cửa";
        command.action = std::move(submit);
        break;
      }
      case motcua::bench::CommandKind::kHandOver:
        command.action = motcua::HandOverAction{
            "", set_.HasNextStep(planned.dossier) ? "" : kUnitOutsideSteps,
            "chuyển xử lý"};
        break;
      case motcua::bench::CommandKind::kRequestSupplement:
        command.action = motcua::RequestSupplementAction{{"bản sao"}};
        break;
      case motcua::bench::CommandKind::kReceiveSupplement:
        command.action = motcua::ReceiveSupplementAction{};
        break;
      case motcua::bench::CommandKind::kResolve:
        command.action = motcua::ResolveAction{"đã cấp kết quả"};
        break;
      case motcua::bench::CommandKind::kReturnResult:
        command.action = motcua::ReturnResultAction{};
        break;
    }
    return command;
  }

  void Finished(const motcua::bench::PlannedCommand& planned,
                SteadyClock::time_point sent, const absl::Status& status) {
    const auto took = SteadyClock::now() - sent;
    {
      absl::MutexLock lock(&mu_);
      set_.Finished(planned, status.ok()
                                 ? motcua::bench::CommandResult::kAccepted
                             : absl::IsResourceExhausted(status)
                                 ? motcua::bench::CommandResult::kRetryable
                                 : motcua::bench::CommandResult::kRefused);
      if (phase_ == Phase::kMeasure) {
        if (status.ok()) {
          ++accepted_;
          latency_.Add(absl::FromChrono(took));
        } else if (++failed_ == 1) {
          std::cerr << "motcua_store_load: " << status.ToString() << "\n";
        }
      }
    }
    Next();
  }

  motcua::store::EventStore& store_;
  const int in_flight_;
  absl::Mutex mu_;
  motcua::bench::WorkingSet set_ ABSL_GUARDED_BY(mu_);
  Phase phase_ ABSL_GUARDED_BY(mu_) = Phase::kStop;
  int64_t presubmit_left_ ABSL_GUARDED_BY(mu_) = 0;
  int active_ ABSL_GUARDED_BY(mu_) = 0;
  motcua::bench::LatencySamples latency_ ABSL_GUARDED_BY(mu_);
  int64_t accepted_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t failed_ ABSL_GUARDED_BY(mu_) = 0;
  double seconds_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace

int main(int argc, char** argv) {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app{"motcua_store_load: the load mix straight into EventStore"};
  std::string database;
  std::string rules_directory = MOTCUA_RULES_DIR;
  std::string durability = "full";
  int in_flight = 64;
  int64_t open = 10000;
  double warmup_seconds = 2;
  double duration_seconds = 10;
  int agencies = 50;
  std::string json_file;
  app.add_option("--db", database, "a new database file (replaced)")
      ->required();
  app.add_option("--rules", rules_directory, "rules directory")
      ->capture_default_str();
  app.add_option("--durability", durability, "full or normal")
      ->capture_default_str()
      ->check(CLI::IsMember({"full", "normal"}));
  app.add_option("--in-flight", in_flight, "commands queued at any moment")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--open", open, "dossiers submitted first (not measured)")
      ->capture_default_str();
  app.add_option("--warmup", warmup_seconds, "seconds of unmeasured mix")
      ->capture_default_str();
  app.add_option("--duration", duration_seconds, "seconds measured")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--agencies", agencies, "agencies")->capture_default_str();
  app.add_option("--json", json_file, "also write the JSON here");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    fs::remove(database + suffix, ignored);
  }
  motcua::RuleLoadResult loaded =
      motcua::LoadRulesFromDirectory(rules_directory);
  if (!loaded.errors.empty()) {
    std::cerr << "motcua_store_load: rules: "
              << loaded.errors.front().ToString() << "\n";
    return kExitBadInput;
  }
  std::shared_ptr<const motcua::RuleSet> rules = std::move(loaded.rules);
  motcua::SystemClock clock;
  motcua::store::StoreOptions options;
  options.path = database;
  options.durability = durability == "full"
                           ? motcua::store::Durability::kFull
                           : motcua::store::Durability::kNormal;
  absl::StatusOr<std::unique_ptr<motcua::store::EventStore>> store =
      motcua::store::EventStore::Open(options, &clock, rules);
  if (!store.ok()) {
    std::cerr << "motcua_store_load: " << store.status().message() << "\n";
    return kExitFailed;
  }
  motcua::bench::WorkingSet set(
      absl::StrFormat("S%s-", absl::FormatTime("%Y%m%dT%H%M%S", absl::Now(),
                                               absl::UTCTimeZone())),
      motcua::bench::ProceduresInForce(*rules, absl::Now()),
      motcua::bench::AgencyNames(agencies), motcua::bench::DefaultMix(), 1);
  StoreLoad load(**store, std::move(set), in_flight);
  load.RunPhase(Phase::kPresubmit, open, absl::ZeroDuration());
  load.RunPhase(Phase::kWarmup, 0, absl::Seconds(warmup_seconds));
  const motcua::store::WriterStats before = (*store)->Stats();
  load.RunPhase(Phase::kMeasure, 0, absl::Seconds(duration_seconds));
  const motcua::store::WriterStats after = (*store)->Stats();
  (*store)->Close();
  nlohmann::json json = load.Report();
  // How many commands share a commit (and its pages): the group commit's
  // effect, for bench/wal_pages.py's pages per commit.
  const uint64_t commits = after.batches - before.batches;
  if (commits > 0) {
    const double per_commit =
        static_cast<double>(after.commands - before.commands) / commits;
    json["commits"] = commits;
    json["commands_per_commit"] = per_commit;
    std::cout << absl::StrFormat("commits: %d, %.1f commands each\n", commits,
                                 per_commit);
  }
  json["tool"] = "motcua_store_load";
  json["in_flight"] = in_flight;
  json["durability"] = durability;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    fs::remove(database + suffix, ignored);
  }
  const std::string line = json.dump();
  std::cout << "RESULT " << line << std::endl;
  if (!json_file.empty()) {
    std::ofstream out(json_file);
    out << line << "\n";
    if (!out) return kExitFailed;
  }
  return kExitOk;
}
