#include <algorithm>
#include <filesystem>
#include <map>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/clock.h"
#include "engine/rules.h"
#include "engine/time_format.h"
#include "services/cli/audit_commands.h"
#include "services/cli/offline_commands.h"
#include "services/rules_files/rules_files.h"
#include "store/event_store.h"

namespace motcua::cli {
namespace {

// One command of the seed script, at the instant it happens.
struct Scheduled {
  absl::Time at;
  int64_t order;  // ties keep the script's order
  Command command;
};

// The story of one sample dossier.
enum class Scenario {
  kJustReceived,
  kResolvedAndReturned,
  kAwaitingSupplement,
  kSupplementThenResolved,
  kAwaitingFinancialObligation,
  kStopped,
  kStuckInProcessing,  // handed over, then left: overdue by the end
  kRejected,
  kWithdrawnAfterSupplement,
  kApologisedThenLate,
};
constexpr int kScenarioCount = 10;

constexpr const char* kProcedures[] = {"local.dang-ky-bien-dong-dat-dai",
                                       "2.000635", "local.ho-kinh-doanh",
                                       "local.doanh-nghiep", "local.khai-sinh"};
constexpr const char* kAgencies[] = {"ubnd-phuong-ben-nghe",
                                     "ubnd-phuong-tan-dinh", "so-tai-chinh"};

class SeedScript {
 public:
  SeedScript(const RuleSet& rules, absl::Time first_day, absl::Time end)
      : rules_(rules), first_day_(first_day), end_(end) {}

  // Adds the commands of dossier `index` of `count`.
  absl::Status AddDossier(int index, int count, std::mt19937& random) {
    const std::string code = absl::StrFormat("DEMO-%07d", index + 1);
    const char* procedure_code = kProcedures[index % std::size(kProcedures)];
    const Scenario scenario = static_cast<Scenario>(
        (index / std::size(kProcedures) + index) % kScenarioCount);
    // Receipts spread over the period, at office hours and now and then
    // online in the evening.
    const int64_t days =
        absl::ToInt64Hours(end_ - first_day_) / 24 - 14;  // leave a tail
    const int64_t day = days * index / std::max(count, 1);
    absl::Time received = first_day_ + absl::Hours(24 * day) + absl::Hours(7) +
                          absl::Minutes(random() % (10 * 60));
    const Channel channel = static_cast<Channel>(1 + random() % 3);
    if (channel == Channel::kOnline && random() % 4 == 0) {
      received += absl::Hours(5);
    }
    absl::StatusOr<const ProcedureVersion*> procedure =
        rules_.FindProcedure(procedure_code, received);
    if (!procedure.ok()) return procedure.status();
    const Calendar& calendar = *(*procedure)->calendar;
    const bool has_steps = !(*procedure)->steps.empty();

    SubmitAction submit;
    submit.procedure_code = procedure_code;
    submit.agency = kAgencies[index % std::size(kAgencies)];
    submit.channel = channel;
    submit.received_at = received;
    submit.summary = "sample dossier";
    Add(received, code, "intake.demo", submit);

    // Later actions happen `hours` of working time after the receipt.
    absl::StatusOr<absl::Time> start = calendar.NextWorkingInstant(received);
    if (!start.ok()) return start.status();
    auto after = [&](double hours) -> absl::StatusOr<absl::Time> {
      return calendar.AddWorkingTime(
          *start, absl::Seconds(static_cast<int64_t>(hours * 3600)));
    };
    absl::Status status;
    auto at = [&](double hours) {
      absl::StatusOr<absl::Time> time = after(hours);
      if (!time.ok()) {
        status.Update(time.status());
        return *start;
      }
      return *time;
    };
    auto hand_over = [&](double hours) {
      HandOverAction action;
      if (!has_steps) action.to_unit = "phong-chuyen-mon";
      Add(at(hours), code, "officer.demo", action);
    };
    const size_t steps = std::max<size_t>(1, (*procedure)->steps.size());

    switch (scenario) {
      case Scenario::kJustReceived:
        break;
      case Scenario::kResolvedAndReturned:
        for (size_t step = 1; step < steps; ++step) hand_over(0.5 * step);
        Add(at(0.5 * steps), code, "officer.demo", ResolveAction{"issued"});
        Add(at(0.5 * steps + 1), code, "intake.demo", ReturnResultAction{});
        break;
      case Scenario::kAwaitingSupplement:
        hand_over(0.5);
        Add(at(1), code, "officer.demo",
            RequestSupplementAction{{"certified copy of the ID card"}});
        break;
      case Scenario::kSupplementThenResolved:
        hand_over(0.5);
        Add(at(1), code, "officer.demo",
            RequestSupplementAction{{"signed application form"}});
        Add(at(16), code, "intake.demo", ReceiveSupplementAction{});
        Add(at(17), code, "officer.demo", ResolveAction{"issued"});
        break;
      case Scenario::kAwaitingFinancialObligation:
        hand_over(0.5);
        Add(at(2), code, "officer.demo",
            RequestFinancialObligationAction{"registration fee and land tax"});
        break;
      case Scenario::kStopped:
        hand_over(0.5);
        Add(at(3), code, "officer.demo",
            StopAction{"awaiting a court decision on the property"});
        break;
      case Scenario::kStuckInProcessing:
        hand_over(0.5);
        if (has_steps && steps > 2) hand_over(1);
        break;
      case Scenario::kRejected:
        hand_over(0.5);
        Add(at(2), code, "officer.demo",
            RejectAction{"the applicant is not eligible"});
        break;
      case Scenario::kWithdrawnAfterSupplement:
        Add(at(1), code, "officer.demo",
            RequestSupplementAction{{"proof of residence"}});
        Add(at(10), code, "intake.demo",
            WithdrawAction{"withdrawn at the applicant's request"});
        break;
      case Scenario::kApologisedThenLate: {
        hand_over(0.5);
        // After the due time: apologise with a new appointment, then
        // resolve before it — still counted late.
        absl::StatusOr<absl::Time> due =
            ComputeDue(calendar, (*procedure)->limit, received);
        if (!due.ok()) return due.status();
        const absl::Time apology = *due + absl::Hours(1);
        ApologiseAction apologise;
        apologise.reason = "the site survey took longer than planned";
        apologise.new_appointment = apology + absl::Hours(24 * 3);
        Add(apology, code, "unit-head.demo", apologise);
        Add(apology + absl::Hours(24), code, "officer.demo",
            ResolveAction{"issued"});
        break;
      }
    }
    return status;
  }

  // The commands in the order they happen; nothing after the end.
  std::vector<Scheduled> Take() {
    std::stable_sort(
        commands_.begin(), commands_.end(),
        [](const Scheduled& a, const Scheduled& b) { return a.at < b.at; });
    std::vector<Scheduled> taken;
    // A dossier whose script runs past the end stops there, as if today were
    // the end; a later command of it is dropped with everything after it.
    std::map<std::string, bool> cut;
    for (Scheduled& scheduled : commands_) {
      if (scheduled.at > end_) cut[scheduled.command.dossier_code] = true;
      if (cut[scheduled.command.dossier_code]) continue;
      taken.push_back(std::move(scheduled));
    }
    return taken;
  }

 private:
  void Add(absl::Time at, const std::string& code, const std::string& actor,
           Action action) {
    commands_.push_back(
        Scheduled{at, next_order_++, Command{code, std::move(action), actor}});
  }

  const RuleSet& rules_;
  absl::Time first_day_;
  absl::Time end_;
  std::vector<Scheduled> commands_;
  int64_t next_order_ = 0;
};

}  // namespace

int RunDemoSeed(const std::string& database, int dossiers,
                const std::string& rules_directory, std::ostream& out,
                std::ostream& err) {
  if (dossiers < 1 || dossiers > 10'000'000) {
    err << "motcua demo seed: --dossiers must be between 1 and 10000000\n";
    return kExitBadInput;
  }
  const bool postgres = store::IsPostgresUrl(database);
  std::error_code error;
  if (!postgres && std::filesystem::exists(database, error)) {
    err << "motcua demo seed: " << database
        << " already exists; give a new file\n";
    return kExitBadInput;
  }
  RuleLoadResult loaded = LoadRulesFromDirectory(rules_directory);
  if (!loaded.errors.empty()) {
    err << "motcua demo seed: the rules in " << rules_directory
        << " are invalid: " << loaded.errors.front().ToString() << "\n";
    return kExitBadInput;
  }
  std::shared_ptr<const RuleSet> rules = std::move(loaded.rules);

  // The sample covers July to October 2025 and ends on 2025-10-15 at noon.
  const absl::TimeZone zone = absl::FixedTimeZone(7 * 3600);
  const absl::Time first_day =
      absl::FromCivil(absl::CivilSecond(2025, 7, 1, 0, 0, 0), zone);
  const absl::Time end =
      absl::FromCivil(absl::CivilSecond(2025, 10, 15, 12, 0, 0), zone);
  SeedScript script(*rules, first_day, end);
  std::mt19937 random(20250701);
  for (int i = 0; i < dossiers; ++i) {
    absl::Status status = script.AddDossier(i, dossiers, random);
    if (!status.ok()) {
      err << "motcua demo seed: " << status.message() << "\n";
      return kExitBadInput;
    }
  }

  FakeClock clock(first_day);
  store::StoreOptions options;
  if (postgres) {
    options.postgres_url = database;
  } else {
    options.path = database;
  }
  // A sample is rebuilt at will: no need to wait for the disk per batch.
  options.durability = store::Durability::kNormal;
  absl::StatusOr<std::unique_ptr<store::EventStore>> opened =
      store::EventStore::Open(options, &clock, rules);
  if (!opened.ok()) {
    err << "motcua demo seed: " << opened.status().message() << "\n";
    return kExitBadInput;
  }
  store::EventStore& event_store = **opened;
  // A sample goes into an empty log only, as into a new file.
  if (absl::StatusOr<int64_t> last = event_store.LastSequence();
      !last.ok() || *last != 0) {
    err << "motcua demo seed: " << database
        << " already holds events; give an empty database\n";
    return kExitBadInput;
  }
  std::map<LifecycleState, int> states;
  std::map<std::string, LifecycleState> last_state;
  int64_t events = 0;
  for (Scheduled& scheduled : script.Take()) {
    clock.Set(scheduled.at);
    store::CommandOutcome outcome = event_store.ExecuteAndWait(
        store::CommandRequest{std::move(scheduled.command), std::nullopt, ""});
    if (!outcome.status.ok()) {
      err << "motcua demo seed: a sample command was refused: "
          << outcome.status.message() << "\n";
      return kExitBadInput;
    }
    events += static_cast<int64_t>(outcome.events.size());
    last_state[outcome.dossier->code] = outcome.dossier->state;
  }
  event_store.Close();
  for (const auto& [code, state] : last_state) ++states[state];
  out << "wrote " << database << ": " << last_state.size() << " dossiers, "
      << events << " events, as of " << FormatInstant(end, zone) << "\n";
  for (const auto& [state, count] : states) {
    out << "  " << LifecycleStateName(state) << ": " << count << "\n";
  }
  out << "try: motcua audit verify --db " << database << "\n";
  return kExitOk;
}

}  // namespace motcua::cli
