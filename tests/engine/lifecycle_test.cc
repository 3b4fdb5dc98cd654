// Tests of the dossier lifecycle: Decide (command -> events or refusal) and
// Apply (event -> state), against the shipped rules under rules/.
//
// Every expected time below was worked out by hand on the shipped calendars:
//   vn-public-sector       Mon-Fri 07:30-11:30, 13:30-17:00 (7h30 a day)
//   vn-public-sector-0700  Mon-Fri 07:00-11:30, 13:30-17:00 (8h a day)
// both UTC+07:00 with the Vietnamese public holidays. Times are written and
// shown in local time with the weekday, so that a wrong weekday shows.

#include "engine/lifecycle.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/dossier.h"
#include "engine/rules.h"
#include "engine/standing.h"
#include "engine/time_format.h"
#include "engine/transitions.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/local_time.h"
#include "tests/testing/shipped_rules.h"

namespace motcua {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Same day, cut-off 15:00, supplement pause, 4 steps (2wh, 3wh, 2wh, 1wh),
// vn-public-sector-0700; two versions (2018-06-21..2025-06-30, 2025-07-01..).
constexpr char kCopy[] = "2.000635";
// 10wd, supplement pause, 5 steps (4wh, 3wd, 2wd, 2wd, 1wd), vn-public-sector.
constexpr char kLand[] = "local.dang-ky-bien-dong-dat-dai";
// 3wd, supplement restart, no steps, no cut-off, vn-public-sector.
constexpr char kHousehold[] = "local.ho-kinh-doanh";

using ::motcua::test_support::At;
using ::motcua::test_support::Vietnam;

// "Mon 2025-07-07 09:00:00" in local time.
std::string Show(absl::Time instant) {
  return absl::FormatTime("%a %Y-%m-%d %H:%M:%S", instant, Vietnam());
}
std::string Show(const std::optional<absl::Time>& instant) {
  return instant.has_value() ? Show(*instant) : "(none)";
}

absl::Duration HM(int hours, int minutes = 0) {
  return absl::Hours(hours) + absl::Minutes(minutes);
}

std::string StateName(LifecycleState state) {
  return std::string(LifecycleStateName(state));
}

using ::motcua::test_support::LoadShippedRules;
using ::motcua::test_support::ShippedRules;

// The body of an event, or a default one (and a failure) when the event is
// of another type.
template <typename T>
T BodyOf(const Event& event) {
  const T* body = std::get_if<T>(&event.body);
  if (body == nullptr) {
    ADD_FAILURE() << "unexpected event type " << EventTypeName(event.body);
    return T{};
  }
  return *body;
}

// Every field of two dossiers, one by one, so that a difference names the
// field.
void ExpectSameDossier(const Dossier& want, const Dossier& got) {
  EXPECT_EQ(want.code, got.code);
  EXPECT_EQ(want.version, got.version);
  EXPECT_EQ(StateName(want.state), StateName(got.state));
  EXPECT_EQ(want.procedure_code, got.procedure_code);
  EXPECT_EQ(want.procedure_effective_from, got.procedure_effective_from);
  EXPECT_EQ(want.rule_version, got.rule_version);
  EXPECT_EQ(want.agency, got.agency);
  EXPECT_EQ(want.field, got.field);
  EXPECT_EQ(static_cast<int>(want.channel), static_cast<int>(got.channel));
  EXPECT_EQ(want.calendar, got.calendar);
  EXPECT_EQ(want.summary, got.summary);
  EXPECT_EQ(want.received_at, got.received_at);
  EXPECT_EQ(want.clock_started_at, got.clock_started_at);
  EXPECT_EQ(want.submission_fingerprint, got.submission_fingerprint);
  EXPECT_EQ(want.due_at, got.due_at);
  EXPECT_EQ(want.apology_appointment, got.apology_appointment);
  EXPECT_EQ(want.paused_since, got.paused_since);
  EXPECT_EQ(static_cast<int>(want.pause_reason),
            static_cast<int>(got.pause_reason));
  for (int i = 0; i < kPauseReasonCount; ++i) {
    EXPECT_EQ(want.paused_by_reason[i], got.paused_by_reason[i])
        << PauseReasonName(static_cast<PauseReason>(i));
  }
  EXPECT_EQ(want.supplement_missing, got.supplement_missing);
  EXPECT_EQ(ClassificationName(want.classification),
            ClassificationName(got.classification));
  EXPECT_EQ(want.resolved_at, got.resolved_at);
  EXPECT_EQ(want.returned_at, got.returned_at);
  EXPECT_EQ(want.closed_at, got.closed_at);
  EXPECT_EQ(want.closing_reason, got.closing_reason);
  ASSERT_EQ(want.steps.size(), got.steps.size());
  for (size_t i = 0; i < want.steps.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("step ", i));
    const StepRecord& a = want.steps[i];
    const StepRecord& b = got.steps[i];
    EXPECT_EQ(a.step_id, b.step_id);
    EXPECT_EQ(a.unit, b.unit);
    EXPECT_EQ(a.started_at, b.started_at);
    EXPECT_EQ(a.counted_from, b.counted_from);
    EXPECT_EQ(a.due_at, b.due_at);
    EXPECT_EQ(a.paused, b.paused);
    EXPECT_EQ(a.ended_at, b.ended_at);
    EXPECT_EQ(a.used, b.used);
    EXPECT_EQ(a.late, b.late);
    EXPECT_EQ(a.handed_over_by, b.handed_over_by);
  }
}

// Holds one dossier; decides each command at an explicit `now` and applies
// the events it returns.
class LifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rules_ = ShippedRules();
    ASSERT_NE(rules_, nullptr);
  }

  // Forgets the dossier and its log; the clock may then start anew.
  void Reset(std::string code = "HS-0001") {
    code_ = std::move(code);
    dossier_ = Dossier{};
    log_.clear();
    snapshots_.clear();
    now_ = absl::InfinitePast();
  }

  // Moves the injected clock forward (never back).
  void AdvanceTo(absl::string_view text) {
    const absl::Time next = At(text);
    EXPECT_GE(next, now_) << "the test clock must not go back: " << Show(now_)
                          << " -> " << Show(next);
    now_ = next;
  }

  const Dossier* Current() const {
    return dossier_.version == 0 ? nullptr : &dossier_;
  }

  // Decides at now_ and applies every event returned.
  absl::StatusOr<std::vector<Event>> Run(Action action,
                                         std::string actor = "officer") {
    const Command command{code_, std::move(action), std::move(actor)};
    absl::StatusOr<std::vector<Event>> events =
        Decide(Current(), command, *rules_, now_);
    if (!events.ok()) return events;
    for (const Event& event : *events) {
      const absl::Status applied = Apply(dossier_, event);
      EXPECT_TRUE(applied.ok()) << applied;
      log_.push_back(event);
      snapshots_.push_back(dossier_);
    }
    return events;
  }

  // Runs an action that must be accepted with exactly one event of its
  // own (escalation thresholds that fell due before it are recorded first:
  // escalation_test checks those).
  Event Do(Action action, std::string actor = "officer") {
    const std::string name(ActionName(action));
    absl::StatusOr<std::vector<Event>> events =
        Run(std::move(action), std::move(actor));
    if (!events.ok()) {
      ADD_FAILURE() << name << " at " << Show(now_) << ": " << events.status();
      return Event{};
    }
    std::vector<Event> own = WithoutThresholds(*events);
    if (own.size() != 1) {
      ADD_FAILURE() << name << " at " << Show(now_) << " gave " << own.size()
                    << " events, want 1";
      return own.empty() ? Event{} : own.front();
    }
    return own.front();
  }

  static std::vector<Event> WithoutThresholds(const std::vector<Event>& all) {
    std::vector<Event> own;
    for (const Event& event : all) {
      if (!std::holds_alternative<ThresholdReachedEvent>(event.body)) {
        own.push_back(event);
      }
    }
    return own;
  }

  static SubmitAction Submission(absl::string_view procedure,
                                 absl::Time received) {
    SubmitAction submit;
    submit.procedure_code = std::string(procedure);
    submit.agency = "ubnd-phuong-tan-dinh";
    submit.channel = Channel::kInPerson;
    submit.received_at = received;
    submit.summary = "ho so mau";
    return submit;
  }

  // Submits a new dossier received (and recorded) at `received`.
  Event Submit(absl::string_view procedure, absl::string_view received,
               std::string actor = "desk-1") {
    Reset(code_);
    AdvanceTo(received);
    return Do(Submission(procedure, now_), std::move(actor));
  }

  // A land-registration dossier brought into `state`, with the clock then at
  // Tue 2025-07-08 10:00. Received Mon 2025-07-07 09:00, due Mon 2025-07-21
  // 09:00.
  void Reach(LifecycleState state) {
    Submit(kLand, "2025-07-07T09:00");
    if (state != LifecycleState::kReceived) {
      AdvanceTo("2025-07-07T10:00");
      Do(HandOverAction{});
      AdvanceTo("2025-07-07T10:30");
    }
    switch (state) {
      case LifecycleState::kReceived:
      case LifecycleState::kProcessing:
        break;
      case LifecycleState::kSupplementRequested:
        Do(RequestSupplementAction{{"to-khai"}});
        break;
      case LifecycleState::kAwaitingFinancialObligation:
        Do(RequestFinancialObligationAction{"le-phi-truoc-ba"});
        break;
      case LifecycleState::kStopped:
        Do(StopAction{"giam-dinh"});
        break;
      case LifecycleState::kResolved:
        Do(ResolveAction{"giay-chung-nhan"});
        break;
      case LifecycleState::kReturned:
        Do(ResolveAction{"giay-chung-nhan"});
        AdvanceTo("2025-07-07T11:00");
        Do(ReturnResultAction{});
        break;
      case LifecycleState::kRejected:
        Do(RejectAction{"khong-du-dieu-kien"});
        break;
      case LifecycleState::kWithdrawn:
        Do(WithdrawAction{"nguoi-dan-rut"});
        break;
    }
    EXPECT_EQ(StateName(dossier_.state), StateName(state));
    AdvanceTo("2025-07-08T10:00");
  }

  const RuleSet* rules_ = nullptr;
  std::string code_ = "HS-0001";
  absl::Time now_ = absl::InfinitePast();
  Dossier dossier_;
  std::vector<Event> log_;
  std::vector<Dossier> snapshots_;  // the dossier after each event of log_
};

// ---------------------------------------------------------------------------
// States and transitions

TEST(LifecycleStateTest, PortalStatusCodes) {
  struct Case {
    LifecycleState state;
    const char* name;
    int portal;
    bool terminal;
    bool paused;
  };
  const Case cases[] = {
      {LifecycleState::kReceived, "RECEIVED", 2, false, false},
      {LifecycleState::kProcessing, "PROCESSING", 4, false, false},
      {LifecycleState::kSupplementRequested, "SUPPLEMENT_REQUESTED", 5, false,
       true},
      {LifecycleState::kAwaitingFinancialObligation,
       "AWAITING_FINANCIAL_OBLIGATION", 6, false, true},
      {LifecycleState::kStopped, "STOPPED", 8, false, true},
      {LifecycleState::kResolved, "RESOLVED", 9, false, false},
      {LifecycleState::kReturned, "RETURNED", 10, true, false},
      {LifecycleState::kRejected, "REJECTED", 3, true, false},
      {LifecycleState::kWithdrawn, "WITHDRAWN", 7, true, false},
  };
  ASSERT_EQ(std::size(cases), std::size(kAllLifecycleStates));
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(StateName(c.state), c.name);
    EXPECT_EQ(PortalStatusCode(c.state), c.portal);
    EXPECT_EQ(IsTerminal(c.state), c.terminal);
    EXPECT_EQ(IsPaused(c.state), c.paused);
  }
}

TEST_F(LifecycleTest, ReachedStatesReportTheirPortalCodes) {
  const std::pair<LifecycleState, int> cases[] = {
      {LifecycleState::kReceived, 2},
      {LifecycleState::kProcessing, 4},
      {LifecycleState::kSupplementRequested, 5},
      {LifecycleState::kAwaitingFinancialObligation, 6},
      {LifecycleState::kStopped, 8},
      {LifecycleState::kResolved, 9},
      {LifecycleState::kReturned, 10},
      {LifecycleState::kRejected, 3},
      {LifecycleState::kWithdrawn, 7},
  };
  for (const auto& [state, portal] : cases) {
    SCOPED_TRACE(StateName(state));
    Reach(state);
    EXPECT_EQ(PortalStatusCode(dossier_.state), portal);
  }
}

// Every state x every action: allowed (one event, the expected next state)
// or FAILED_PRECONDITION naming the state and the action, with nothing
// appended and the dossier unchanged. Written from docs/lifecycle.md, not
// from the code.
TEST_F(LifecycleTest, TransitionTable) {
  using S = LifecycleState;
  const std::vector<S> running = {S::kReceived, S::kProcessing};
  const std::vector<S> open = {S::kReceived, S::kProcessing,
                               S::kSupplementRequested,
                               S::kAwaitingFinancialObligation, S::kStopped};
  struct ActionCase {
    Action action;
    std::vector<S> allowed;
    std::optional<S> to;  // none: the state does not change
    const char* event_type;
  };
  // The apology's new appointment is later than every due time reached here
  // (Mon 2025-07-21 09:00 plus at most a day of pause).
  const ActionCase actions[] = {
      {HandOverAction{}, running, S::kProcessing, "handed_over"},
      {RequestSupplementAction{{"to-khai"}}, running, S::kSupplementRequested,
       "supplement_requested"},
      {ReceiveSupplementAction{},
       {S::kSupplementRequested},
       S::kProcessing,
       "supplement_received"},
      {RequestFinancialObligationAction{"le-phi-truoc-ba"}, running,
       S::kAwaitingFinancialObligation, "financial_obligation_requested"},
      {ConfirmFinancialObligationAction{},
       {S::kAwaitingFinancialObligation},
       S::kProcessing,
       "financial_obligation_confirmed"},
      {StopAction{"giam-dinh"}, running, S::kStopped, "stopped"},
      {ResumeAction{}, {S::kStopped}, S::kProcessing, "resumed"},
      {ApologiseAction{"qua-tai", At("2025-07-31T10:00")}, open, std::nullopt,
       "apologised"},
      {ResolveAction{"giay-chung-nhan"}, running, S::kResolved, "resolved"},
      {ReturnResultAction{}, {S::kResolved}, S::kReturned, "result_returned"},
      {RejectAction{"khong-du-dieu-kien"}, open, S::kRejected, "rejected"},
      {WithdrawAction{"nguoi-dan-rut"}, open, S::kWithdrawn, "withdrawn"},
  };
  // The scheduler's two internal actions are tested in escalation_test.
  ASSERT_EQ(std::size(actions) + 3, std::variant_size_v<Action>)
      << "every action but submit is in the table";

  int allowed_count = 0;
  int refused_count = 0;
  for (S state : kAllLifecycleStates) {
    for (const ActionCase& c : actions) {
      const std::string action_name(ActionName(c.action));
      SCOPED_TRACE(absl::StrCat(StateName(state), " x ", action_name));
      Reach(state);
      const Dossier before = dossier_;
      const size_t logged = log_.size();
      absl::StatusOr<std::vector<Event>> result = Run(c.action);
      const bool allowed = std::find(c.allowed.begin(), c.allowed.end(),
                                     state) != c.allowed.end();
      if (allowed) {
        ++allowed_count;
        ASSERT_TRUE(result.ok()) << result.status();
        const std::vector<Event> own = WithoutThresholds(*result);
        ASSERT_EQ(own.size(), 1u);
        EXPECT_EQ(EventTypeName(own.front().body), c.event_type);
        EXPECT_EQ(own.front().dossier_version,
                  before.version + static_cast<int64_t>(result->size()));
        EXPECT_EQ(StateName(dossier_.state), StateName(c.to.value_or(state)));
      } else {
        ++refused_count;
        ASSERT_FALSE(result.ok());
        EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition)
            << result.status();
        EXPECT_THAT(std::string(result.status().message()),
                    HasSubstr(absl::StrCat(" is ", StateName(state), ";")));
        EXPECT_THAT(std::string(result.status().message()),
                    HasSubstr(action_name));
        EXPECT_EQ(log_.size(), logged) << "a refusal appends nothing";
        ExpectSameDossier(before, dossier_);
      }
    }
  }
  // 2 running states x 8 actions, plus receive_supplement,
  // confirm_financial_obligation, resume, return_result once each, plus the
  // three paused states x 3 (apologise, reject, withdraw).
  EXPECT_EQ(allowed_count, 2 * 8 + 4 + 3 * 3);
  EXPECT_EQ(refused_count, 9 * 12 - allowed_count);
}

TEST_F(LifecycleTest, TerminalStatesAcceptOnlyAnIdenticalResubmission) {
  for (LifecycleState state :
       {LifecycleState::kReturned, LifecycleState::kRejected,
        LifecycleState::kWithdrawn}) {
    SCOPED_TRACE(StateName(state));
    Reach(state);
    const Dossier before = dossier_;
    // The same submission again is a retry: accepted, nothing appended.
    absl::StatusOr<std::vector<Event>> same =
        Run(Submission(kLand, At("2025-07-07T09:00")), "desk-1");
    ASSERT_TRUE(same.ok()) << same.status();
    EXPECT_TRUE(same->empty());
    SubmitAction other = Submission(kLand, At("2025-07-07T09:00"));
    other.summary = "ho so khac";
    absl::StatusOr<std::vector<Event>> different = Run(other, "desk-1");
    EXPECT_EQ(different.status().code(), absl::StatusCode::kAlreadyExists)
        << different.status();
    ExpectSameDossier(before, dossier_);
  }
}

TEST_F(LifecycleTest, ActionsOnAnUnknownDossierAreNotFound) {
  const Action actions[] = {
      HandOverAction{},
      RequestSupplementAction{{"to-khai"}},
      ReceiveSupplementAction{},
      RequestFinancialObligationAction{"le-phi"},
      ConfirmFinancialObligationAction{},
      StopAction{"giam-dinh"},
      ResumeAction{},
      ApologiseAction{"qua-tai", At("2025-07-31T10:00")},
      ResolveAction{"ket-qua"},
      ReturnResultAction{},
      RejectAction{"khong-du-dieu-kien"},
      WithdrawAction{"rut"},
  };
  for (const Action& action : actions) {
    SCOPED_TRACE(ActionName(action));
    absl::StatusOr<std::vector<Event>> result =
        Decide(nullptr, Command{"HS-KHONG-CO", action, "officer"}, *rules_,
               At("2025-07-08T10:00"));
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound)
        << result.status();
    EXPECT_THAT(std::string(result.status().message()),
                HasSubstr("HS-KHONG-CO"));
  }
}

TEST_F(LifecycleTest, MalformedCommandsNameTheField) {
  // A dossier in PROCESSING (cadastral-check), due Mon 2025-07-21 09:00; the
  // clock at Tue 2025-07-08 10:00.
  Reach(LifecycleState::kProcessing);
  const Dossier processing = dossier_;
  const absl::Time now = now_;

  struct Case {
    const char* what;
    const Dossier* dossier;
    Command command;
    const char* field;
  };
  SubmitAction valid = Submission(kCopy, now);
  SubmitAction no_procedure = valid;
  no_procedure.procedure_code = "";
  SubmitAction unknown_procedure = valid;
  unknown_procedure.procedure_code = "9.999999";
  SubmitAction no_agency = valid;
  no_agency.agency = "";
  SubmitAction bad_channel = valid;
  bad_channel.channel = static_cast<Channel>(9);
  SubmitAction future = valid;
  future.received_at = now + absl::Hours(1);
  SubmitAction just_too_far = valid;
  just_too_far.received_at = now + absl::Minutes(5) + absl::Seconds(1);

  const Case cases[] = {
      {"empty dossier code", nullptr, Command{"", valid, "desk-1"},
       "dossier_code"},
      {"dossier code of 129 characters", nullptr,
       Command{std::string(129, 'x'), valid, "desk-1"}, "dossier_code"},
      {"empty dossier code, existing dossier", &processing,
       Command{"", HandOverAction{}, "officer"}, "dossier_code"},
      {"empty actor", nullptr, Command{"HS-NEW", valid, ""}, "actor"},
      {"empty actor, existing dossier", &processing,
       Command{"HS-0001", ResolveAction{"x"}, ""}, "actor"},
      {"empty procedure code", nullptr, Command{"HS-NEW", no_procedure, "d"},
       "procedure_code"},
      {"unknown procedure code", nullptr,
       Command{"HS-NEW", unknown_procedure, "d"}, "procedure_code"},
      {"empty agency", nullptr, Command{"HS-NEW", no_agency, "d"}, "agency"},
      {"unknown channel", nullptr, Command{"HS-NEW", bad_channel, "d"},
       "channel"},
      {"received an hour in the future", nullptr,
       Command{"HS-NEW", future, "d"}, "received_at"},
      {"received 5 min 1 s in the future", nullptr,
       Command{"HS-NEW", just_too_far, "d"}, "received_at"},
      {"empty missing list", &processing,
       Command{"HS-0001", RequestSupplementAction{}, "officer"}, "missing"},
      {"empty missing entry", &processing,
       Command{"HS-0001", RequestSupplementAction{{"to-khai", ""}}, "officer"},
       "missing"},
      {"empty financial obligation description", &processing,
       Command{"HS-0001", RequestFinancialObligationAction{""}, "officer"},
       "description"},
      {"stop without reason", &processing,
       Command{"HS-0001", StopAction{""}, "officer"}, "reason"},
      {"reject without reason", &processing,
       Command{"HS-0001", RejectAction{""}, "officer"}, "reason"},
      {"withdraw without reason", &processing,
       Command{"HS-0001", WithdrawAction{""}, "officer"}, "reason"},
      {"apologise without reason", &processing,
       Command{"HS-0001", ApologiseAction{"", At("2025-07-31T10:00")},
               "officer"},
       "reason"},
      {"new appointment before the due time", &processing,
       Command{"HS-0001", ApologiseAction{"qua-tai", At("2025-07-21T08:59")},
               "officer"},
       "new_appointment"},
      {"new appointment at the due time", &processing,
       Command{"HS-0001", ApologiseAction{"qua-tai", At("2025-07-21T09:00")},
               "officer"},
       "new_appointment"},
      {"unknown to_step", &processing,
       Command{"HS-0001", HandOverAction{"no-such-step", "", ""}, "officer"},
       "to_step"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    absl::StatusOr<std::vector<Event>> result =
        Decide(c.dossier, c.command, *rules_, now);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument)
        << result.status();
    EXPECT_THAT(std::string(result.status().message()),
                StartsWith(absl::StrCat(c.field, ":")));
  }
  // The offending values are quoted.
  absl::StatusOr<std::vector<Event>> unknown =
      Decide(nullptr, Command{"HS-NEW", unknown_procedure, "d"}, *rules_, now);
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("9.999999"));
  absl::StatusOr<std::vector<Event>> step =
      Decide(&processing,
             Command{"HS-0001", HandOverAction{"no-such-step", "", ""}, "o"},
             *rules_, now);
  EXPECT_THAT(std::string(step.status().message()), HasSubstr("no-such-step"));
  ExpectSameDossier(processing, dossier_);
}

// ---------------------------------------------------------------------------
// Submit

TEST_F(LifecycleTest, SubmitRecordsTheReceiptAndOpensTheFirstStep) {
  const Event event = Submit(kCopy, "2025-07-07T09:00", "desk-1");
  EXPECT_EQ(event.dossier_code, "HS-0001");
  EXPECT_EQ(event.dossier_version, 1);
  EXPECT_EQ(Show(event.occurred_at), "Mon 2025-07-07 09:00:00");
  EXPECT_EQ(event.actor, "desk-1");
  EXPECT_EQ(event.rule_version, rules_->version());
  const ReceivedEvent received = BodyOf<ReceivedEvent>(event);
  EXPECT_EQ(received.submission_fingerprint,
            SubmissionFingerprint("HS-0001",
                                  Submission(kCopy, At("2025-07-07T09:00"))));

  const Dossier& d = dossier_;
  EXPECT_EQ(d.code, "HS-0001");
  EXPECT_EQ(d.version, 1);
  EXPECT_EQ(StateName(d.state), "RECEIVED");
  EXPECT_EQ(d.procedure_code, kCopy);
  EXPECT_EQ(d.procedure_effective_from, absl::CivilDay(2025, 7, 1));
  EXPECT_EQ(d.rule_version, rules_->version());
  EXPECT_EQ(d.agency, "ubnd-phuong-tan-dinh");
  EXPECT_EQ(d.field, "ho-tich");
  EXPECT_EQ(ChannelName(d.channel), "in_person");
  EXPECT_EQ(d.calendar, "vn-public-sector-0700");
  EXPECT_EQ(d.summary, "ho so mau");
  EXPECT_EQ(Show(d.received_at), "Mon 2025-07-07 09:00:00");
  EXPECT_EQ(Show(d.clock_started_at), "Mon 2025-07-07 09:00:00");
  EXPECT_EQ(Show(d.due_at), "Mon 2025-07-07 17:00:00");
  EXPECT_EQ(d.submission_fingerprint, received.submission_fingerprint);
  EXPECT_FALSE(d.apology_appointment.has_value());
  EXPECT_FALSE(d.paused_since.has_value());
  EXPECT_EQ(ClassificationName(d.classification), "unclassified");
  ASSERT_EQ(d.steps.size(), 1u);
  ASSERT_NE(d.current_step(), nullptr);
  const StepRecord& step = d.steps[0];
  EXPECT_EQ(step.step_id, "receipt");
  EXPECT_EQ(step.unit, "bo-phan-mot-cua");
  EXPECT_EQ(Show(step.started_at), "Mon 2025-07-07 09:00:00");
  EXPECT_EQ(Show(step.counted_from), "Mon 2025-07-07 09:00:00");
  EXPECT_EQ(Show(step.due_at), "Mon 2025-07-07 09:30:00");  // 30wm
  EXPECT_EQ(step.handed_over_by, "desk-1");
  EXPECT_FALSE(step.ended_at.has_value());
}

// 2.000635: same day with a 15:00 cut-off on the 07:00-11:30, 13:30-17:00
// calendar; the first step (receipt) has 30 working minutes.
TEST_F(LifecycleTest, SubmitSameDayWithCutOff) {
  struct Case {
    const char* received;
    const char* clock_start;
    const char* due;
    const char* step_due;
  };
  const Case cases[] = {
      {"2025-07-07T09:00", "Mon 2025-07-07 09:00:00", "Mon 2025-07-07 17:00:00",
       "Mon 2025-07-07 09:30:00"},
      // Before opening: from the opening.
      {"2025-07-07T06:30", "Mon 2025-07-07 07:00:00", "Mon 2025-07-07 17:00:00",
       "Mon 2025-07-07 07:30:00"},
      // Lunch break: from 13:30.
      {"2025-07-07T12:00", "Mon 2025-07-07 13:30:00", "Mon 2025-07-07 17:00:00",
       "Mon 2025-07-07 14:00:00"},
      // One second before the cut-off: today; 14:59:59 + 30wm is 15:29:59.
      {"2025-07-07T14:59:59", "Mon 2025-07-07 14:59:59",
       "Mon 2025-07-07 17:00:00", "Mon 2025-07-07 15:29:59"},
      // At the cut-off: the next working day.
      {"2025-07-07T15:00", "Tue 2025-07-08 07:00:00", "Tue 2025-07-08 17:00:00",
       "Tue 2025-07-08 07:30:00"},
      // Saturday: Monday's opening.
      {"2025-07-12T10:00", "Mon 2025-07-14 07:00:00", "Mon 2025-07-14 17:00:00",
       "Mon 2025-07-14 07:30:00"},
      // Friday after the cut-off before National Day (Mon 01/09 and Tue
      // 02/09 2025 are holidays): Wednesday.
      {"2025-08-29T16:00", "Wed 2025-09-03 07:00:00", "Wed 2025-09-03 17:00:00",
       "Wed 2025-09-03 07:30:00"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.received);
    Submit(kCopy, c.received);
    EXPECT_EQ(Show(dossier_.received_at), Show(At(c.received)));
    EXPECT_EQ(Show(dossier_.clock_started_at), c.clock_start);
    EXPECT_EQ(Show(dossier_.due_at), c.due);
    ASSERT_EQ(dossier_.steps.size(), 1u);
    EXPECT_EQ(Show(dossier_.steps[0].started_at), c.clock_start);
    EXPECT_EQ(Show(dossier_.steps[0].due_at), c.step_due);
  }
}

TEST_F(LifecycleTest, SubmitInWorkingDays) {
  // 10wd on vn-public-sector, no holiday in July 2025; the receipt step has
  // 4wh: 09:00-11:30 (2h30) and 13:30-15:00 (1h30).
  Submit(kLand, "2025-07-07T09:00");
  EXPECT_EQ(Show(dossier_.clock_started_at), "Mon 2025-07-07 09:00:00");
  EXPECT_EQ(Show(dossier_.due_at), "Mon 2025-07-21 09:00:00");
  EXPECT_EQ(dossier_.calendar, "vn-public-sector");
  EXPECT_EQ(dossier_.field, "dat-dai");
  ASSERT_EQ(dossier_.steps.size(), 1u);
  EXPECT_EQ(Show(dossier_.steps[0].due_at), "Mon 2025-07-07 15:00:00");

  // A postal receipt recorded later: the clock runs from the receipt, not
  // from the recording.
  Reset();
  AdvanceTo("2025-07-07T08:00");
  SubmitAction postal = Submission(kLand, At("2025-07-04T16:00"));
  postal.channel = Channel::kPostal;
  Do(postal, "buu-dien");
  EXPECT_EQ(Show(dossier_.received_at), "Fri 2025-07-04 16:00:00");
  EXPECT_EQ(Show(dossier_.due_at), "Fri 2025-07-18 16:00:00");
  EXPECT_EQ(ChannelName(dossier_.channel), "postal");
  ASSERT_EQ(dossier_.steps.size(), 1u);
  // 16:00-17:00 (1h), then Mon 07:30-10:30 (3h).
  EXPECT_EQ(Show(dossier_.steps[0].due_at), "Mon 2025-07-07 10:30:00");

  // A procedure without steps opens none.
  Reset();
  Submit(kHousehold, "2025-07-07T09:00");
  EXPECT_EQ(Show(dossier_.due_at), "Thu 2025-07-10 09:00:00");
  EXPECT_TRUE(dossier_.steps.empty());
  EXPECT_EQ(dossier_.current_step(), nullptr);
}

// The version in force on the local day of the receipt is pinned.
TEST_F(LifecycleTest, SubmitPinsTheProcedureVersionInForceAtTheReceipt) {
  struct Case {
    const char* received;
    absl::CivilDay effective_from;
  };
  const Case cases[] = {
      {"2025-06-30T10:00", absl::CivilDay(2018, 6, 21)},
      {"2025-06-30T23:30", absl::CivilDay(2018, 6, 21)},
      // 00:30 local is still 2025-06-30 in UTC: the local day counts.
      {"2025-07-01T00:30", absl::CivilDay(2025, 7, 1)},
      {"2025-07-01T10:00", absl::CivilDay(2025, 7, 1)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.received);
    const Event event = Submit(kCopy, c.received);
    EXPECT_EQ(BodyOf<ReceivedEvent>(event).procedure_effective_from,
              c.effective_from);
    EXPECT_EQ(dossier_.procedure_effective_from, c.effective_from);
  }

  // Received under the old version, handled after the new one came into
  // force: the old version goes on being used.
  Submit(kCopy, "2025-06-30T16:00");  // after the cut-off: Tue 01/07 07:00
  EXPECT_EQ(Show(dossier_.clock_started_at), "Tue 2025-07-01 07:00:00");
  EXPECT_EQ(Show(dossier_.due_at), "Tue 2025-07-01 17:00:00");
  AdvanceTo("2025-07-01T08:00");
  Do(HandOverAction{});
  EXPECT_EQ(dossier_.procedure_effective_from, absl::CivilDay(2018, 6, 21));
  ASSERT_EQ(dossier_.steps.size(), 2u);
  EXPECT_EQ(dossier_.steps[1].step_id, "appraisal");

  // No version in force on the day of the receipt: refused, nothing
  // appended.
  Reset();
  AdvanceTo("2025-06-30T10:00");
  absl::StatusOr<std::vector<Event>> early =
      Run(Submission(kLand, now_), "desk-1");
  ASSERT_FALSE(early.ok());
  EXPECT_THAT(std::string(early.status().message()), HasSubstr(kLand));
  // The procedure does not apply to the receipt: the request is wrong, as
  // for an unknown code, whatever the lifecycle (docs/api.md, Errors).
  EXPECT_EQ(early.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(early.status().message()),
              ::testing::StartsWith("procedure_code: "));
  EXPECT_EQ(dossier_.version, 0);
}

TEST_F(LifecycleTest, ResubmissionIsIdempotentAndDifferentContentIsRefused) {
  Submit(kCopy, "2025-07-07T09:00", "desk-1");
  const SubmitAction original = Submission(kCopy, At("2025-07-07T09:00"));

  // A retry, later and by another caller: no events, nothing changes.
  AdvanceTo("2025-07-07T09:05");
  Dossier before = dossier_;
  absl::StatusOr<std::vector<Event>> retry = Run(original, "desk-2");
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->empty());
  ExpectSameDossier(before, dossier_);

  // Still a retry after the dossier moved on.
  AdvanceTo("2025-07-07T10:00");
  Do(HandOverAction{});
  before = dossier_;
  retry = Run(original, "desk-1");
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->empty());
  ExpectSameDossier(before, dossier_);

  // Anything else under the same code is another dossier.
  std::vector<std::pair<const char*, SubmitAction>> others;
  SubmitAction other = original;
  other.summary = "ho so khac";
  others.emplace_back("summary", other);
  other = original;
  other.channel = Channel::kOnline;
  others.emplace_back("channel", other);
  other = original;
  other.received_at += absl::Minutes(1);
  others.emplace_back("received_at", other);
  other = original;
  other.agency = "ubnd-phuong-khac";
  others.emplace_back("agency", other);
  other = original;
  other.procedure_code = kLand;
  others.emplace_back("procedure_code", other);
  for (const auto& [what, submit] : others) {
    SCOPED_TRACE(what);
    absl::StatusOr<std::vector<Event>> result = Run(submit, "desk-1");
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), absl::StatusCode::kAlreadyExists)
        << result.status();
    EXPECT_THAT(std::string(result.status().message()), HasSubstr("HS-0001"));
    ExpectSameDossier(before, dossier_);
  }
}

// ---------------------------------------------------------------------------
// Hand-over and the control sheet

// 2.000635 received Mon 2025-07-07 09:00, due 17:00 the same day. The
// appraisal runs past its 45 working minutes: late for phong-tu-phap, while the
// dossier is resolved on time.
TEST_F(LifecycleTest, HandOverRecordsTheControlSheet) {
  Submit(kCopy, "2025-07-07T09:00", "desk-1");

  AdvanceTo("2025-07-07T09:20");
  Event event = Do(HandOverAction{"", "", "chuyen tham dinh"}, "desk-1");
  HandedOverEvent handed = BodyOf<HandedOverEvent>(event);
  ASSERT_TRUE(handed.ended.has_value());
  EXPECT_EQ(handed.ended.value().used, HM(0, 20));
  EXPECT_FALSE(handed.ended.value().late);
  EXPECT_EQ(handed.next.step_id, "appraisal");
  EXPECT_EQ(handed.next.unit, "phong-tu-phap");
  // 45wm from 09:20.
  EXPECT_EQ(Show(handed.next.due_at), "Mon 2025-07-07 10:05:00");
  EXPECT_EQ(handed.note, "chuyen tham dinh");
  EXPECT_EQ(StateName(dossier_.state), "PROCESSING");

  AdvanceTo("2025-07-07T10:35");
  event = Do(HandOverAction{}, "tu-phap-1");
  handed = BodyOf<HandedOverEvent>(event);
  ASSERT_TRUE(handed.ended.has_value());
  // 09:20-10:35: past the 10:05 due time.
  EXPECT_EQ(handed.ended.value().used, HM(1, 15));
  EXPECT_TRUE(handed.ended.value().late);
  EXPECT_EQ(handed.next.step_id, "signing");
  EXPECT_EQ(handed.next.unit, "lanh-dao-ubnd");
  // 30wm from 10:35.
  EXPECT_EQ(Show(handed.next.due_at), "Mon 2025-07-07 11:05:00");

  AdvanceTo("2025-07-07T10:50");
  event = Do(ResolveAction{"ban-sao"}, "lanh-dao-1");
  const ResolvedEvent resolved = BodyOf<ResolvedEvent>(event);
  EXPECT_EQ(ClassificationName(resolved.classification), "on_time");
  ASSERT_TRUE(resolved.ended.has_value());
  EXPECT_EQ(resolved.ended.value().used, HM(0, 15));
  EXPECT_FALSE(resolved.ended.value().late);

  // The control sheet: who held the dossier, from when to when, who handed
  // it over, and which unit was late.
  const Dossier& d = dossier_;
  EXPECT_EQ(StateName(d.state), "RESOLVED");
  EXPECT_EQ(ClassificationName(d.classification), "on_time");
  EXPECT_EQ(Show(d.resolved_at), "Mon 2025-07-07 10:50:00");
  ASSERT_EQ(d.steps.size(), 3u);
  struct Row {
    const char* step;
    const char* unit;
    const char* started;
    const char* ended;
    const char* due;
    absl::Duration used;
    bool late;
    const char* by;
  };
  const Row rows[] = {
      {"receipt", "bo-phan-mot-cua", "Mon 2025-07-07 09:00:00",
       "Mon 2025-07-07 09:20:00", "Mon 2025-07-07 09:30:00", HM(0, 20), false,
       "desk-1"},
      {"appraisal", "phong-tu-phap", "Mon 2025-07-07 09:20:00",
       "Mon 2025-07-07 10:35:00", "Mon 2025-07-07 10:05:00", HM(1, 15), true,
       "desk-1"},
      {"signing", "lanh-dao-ubnd", "Mon 2025-07-07 10:35:00",
       "Mon 2025-07-07 10:50:00", "Mon 2025-07-07 11:05:00", HM(0, 15), false,
       "tu-phap-1"},
  };
  for (size_t i = 0; i < std::size(rows); ++i) {
    SCOPED_TRACE(rows[i].step);
    const StepRecord& step = d.steps[i];
    EXPECT_EQ(step.step_id, rows[i].step);
    EXPECT_EQ(step.unit, rows[i].unit);
    EXPECT_EQ(Show(step.started_at), rows[i].started);
    EXPECT_EQ(Show(step.ended_at), rows[i].ended);
    EXPECT_EQ(Show(step.due_at), rows[i].due);
    EXPECT_EQ(step.used, rows[i].used);
    EXPECT_EQ(step.late, rows[i].late);
    EXPECT_EQ(step.handed_over_by, rows[i].by);
    EXPECT_EQ(step.paused, absl::ZeroDuration());
  }
  EXPECT_EQ(d.current_step(), nullptr);
}

TEST_F(LifecycleTest, AHandOverBeforeTheClockStartsEndsTheReceiptWhereItBegan) {
  // Received online on a Monday evening: the clock starts Tuesday 07:00.
  Submit(kCopy, "2025-07-07T20:00");
  AdvanceTo("2025-07-07T20:05");
  Event event = Do(HandOverAction{});
  HandedOverEvent handed = BodyOf<HandedOverEvent>(event);
  ASSERT_TRUE(handed.ended.has_value());
  EXPECT_EQ(handed.ended.value().used, absl::ZeroDuration());
  EXPECT_FALSE(handed.ended.value().late);
  ASSERT_EQ(dossier_.steps.size(), 2u);
  const StepRecord& receipt = dossier_.steps[0];
  ASSERT_TRUE(receipt.ended_at.has_value());
  EXPECT_EQ(*receipt.ended_at, receipt.started_at);
  EXPECT_GE(*receipt.ended_at, dossier_.clock_started_at);
}

TEST_F(LifecycleTest, HandOverToANamedStepOrUnit) {
  Submit(kCopy, "2025-07-07T09:00");

  // During the lunch break, straight to signing: the step is recorded from
  // 12:00 but its budget counts from 13:30.
  AdvanceTo("2025-07-07T12:00");
  Event event = Do(HandOverAction{"signing", "", ""});
  HandedOverEvent handed = BodyOf<HandedOverEvent>(event);
  ASSERT_TRUE(handed.ended.has_value());
  EXPECT_EQ(handed.ended.value().used, HM(2, 30));  // 09:00-11:30
  EXPECT_TRUE(handed.ended.value().late);           // receipt was due at 09:30
  EXPECT_EQ(handed.next.step_id, "signing");
  EXPECT_EQ(handed.next.unit, "lanh-dao-ubnd");
  EXPECT_EQ(Show(handed.next.due_at), "Mon 2025-07-07 14:00:00");  // 30wm
  ASSERT_EQ(dossier_.steps.size(), 2u);
  EXPECT_EQ(Show(dossier_.steps[1].started_at), "Mon 2025-07-07 12:00:00");

  // Back to appraisal, held by another unit than the procedure's.
  AdvanceTo("2025-07-07T14:00");
  event = Do(HandOverAction{"appraisal", "phong-tu-phap-2", ""});
  handed = BodyOf<HandedOverEvent>(event);
  EXPECT_EQ(handed.ended.value().used, HM(0, 30));  // 13:30-14:00
  EXPECT_FALSE(handed.ended.value().late);
  EXPECT_EQ(handed.next.step_id, "appraisal");
  EXPECT_EQ(handed.next.unit, "phong-tu-phap-2");
  EXPECT_EQ(Show(handed.next.due_at), "Mon 2025-07-07 14:45:00");  // 45wm

  // A unit outside the steps holds it until the dossier's due time.
  AdvanceTo("2025-07-07T15:00");
  event = Do(HandOverAction{"", "so-tu-phap", ""});
  handed = BodyOf<HandedOverEvent>(event);
  EXPECT_EQ(handed.next.step_id, "");
  EXPECT_EQ(handed.next.unit, "so-tu-phap");
  EXPECT_EQ(Show(handed.next.due_at), "Mon 2025-07-07 17:00:00");
  ASSERT_EQ(dossier_.steps.size(), 4u);
  EXPECT_EQ(dossier_.steps[3].unit, "so-tu-phap");
  EXPECT_EQ(dossier_.steps[2].unit, "phong-tu-phap-2");
  EXPECT_EQ(Show(dossier_.steps[2].ended_at), "Mon 2025-07-07 15:00:00");

  // From the last step, a hand-over without a target is refused.
  AdvanceTo("2025-07-07T15:10");
  Do(HandOverAction{"issuing", "", ""});
  EXPECT_EQ(dossier_.steps.back().step_id, "issuing");
  const Dossier before = dossier_;
  AdvanceTo("2025-07-07T15:20");
  absl::StatusOr<std::vector<Event>> last = Run(HandOverAction{});
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.status().code(), absl::StatusCode::kInvalidArgument)
      << last.status();
  EXPECT_THAT(std::string(last.status().message()), StartsWith("to_step:"));
  ExpectSameDossier(before, dossier_);
}

// A unit outside the procedure's steps has no budget of its own: taking
// the dossier after its due time does not make that unit late, and the time
// it holds the dossier is the dossier's lateness, not a step's.
TEST_F(LifecycleTest, AUnitOutsideTheStepsIsNeverLateOnItsOwnAccount) {
  // Same day: due Mon 2025-07-07 17:00 (the copy's limit).
  Submit(kCopy, "2025-07-07T09:00");
  ASSERT_EQ(Show(dossier_.due_at), "Mon 2025-07-07 17:00:00");

  // The next morning, long after the due time, a unit outside the steps
  // takes it.
  AdvanceTo("2025-07-08T09:00");
  Do(HandOverAction{"", "so-tu-phap", ""});
  const StepRecord* held = dossier_.current_step();
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(held->unit, "so-tu-phap");
  EXPECT_FALSE(held->has_budget());
  // Nothing watches a step without a budget: only the dossier's ladder.
  EXPECT_FALSE(dossier_.step_watch.next.has_value());
  const Calendar* calendar = rules_->FindCalendar("vn-public-sector-0700");
  ASSERT_NE(calendar, nullptr);
  absl::StatusOr<std::optional<StepStanding>> standing =
      OpenStepStanding(dossier_, *calendar, now_);
  ASSERT_TRUE(standing.ok()) << standing.status();
  ASSERT_TRUE(standing->has_value());
  EXPECT_FALSE((*standing)->late);
  EXPECT_FALSE((*standing)->left.has_value());

  // It hands the dossier back ten minutes later: not late, 10 minutes used.
  AdvanceTo("2025-07-08T09:10");
  const HandedOverEvent handed =
      BodyOf<HandedOverEvent>(Do(HandOverAction{"signing", "", ""}));
  ASSERT_TRUE(handed.ended.has_value());
  EXPECT_EQ(handed.ended->used, absl::Minutes(10));
  EXPECT_FALSE(handed.ended->late);
  ASSERT_GE(dossier_.steps.size(), 2u);
  EXPECT_FALSE(dossier_.steps[dossier_.steps.size() - 2].late);
  // No step threshold ever named it; the dossier stays late.
  for (const Event& event : log_) {
    const auto* reached = std::get_if<ThresholdReachedEvent>(&event.body);
    if (reached == nullptr) continue;
    EXPECT_FALSE(reached->target == ThresholdTarget::kStep &&
                 reached->unit == "so-tu-phap")
        << "a step threshold named the unit outside the steps";
  }
  AdvanceTo("2025-07-08T10:00");
  const ResolvedEvent resolved =
      BodyOf<ResolvedEvent>(Do(ResolveAction{"ban-sao"}));
  EXPECT_EQ(ClassificationName(resolved.classification), "late");
}

// OpenStepStanding is the one place a step's lateness is decided: a step
// exactly at its due time is on time, and a paused step's count stands
// still at the start of the pause (its due time moves when it resumes).
TEST_F(LifecycleTest, OpenStepStandingCountsAsTheStepWillEnd) {
  // The receipt step of the copy: 30wm from Mon 09:00, due 09:30.
  Submit(kCopy, "2025-07-07T09:00");
  const Calendar* calendar = rules_->FindCalendar("vn-public-sector-0700");
  ASSERT_NE(calendar, nullptr);
  ASSERT_EQ(Show(dossier_.steps.back().due_at), "Mon 2025-07-07 09:30:00");

  absl::StatusOr<std::optional<StepStanding>> standing =
      OpenStepStanding(dossier_, *calendar, At("2025-07-07T09:30"));
  ASSERT_TRUE(standing.ok() && standing->has_value());
  EXPECT_FALSE((*standing)->late);  // exactly at its budget: on time
  ASSERT_TRUE((*standing)->left.has_value());
  EXPECT_EQ((*standing)->left->working, absl::ZeroDuration());
  EXPECT_EQ((*standing)->used, absl::Minutes(30));
  standing = OpenStepStanding(dossier_, *calendar, At("2025-07-07T09:31"));
  ASSERT_TRUE(standing.ok() && standing->has_value());
  EXPECT_TRUE((*standing)->late);
  EXPECT_EQ((*standing)->left->working, -absl::Minutes(1));
  EXPECT_EQ((*standing)->left->calendar, -absl::Minutes(1));

  // Paused at 09:10 for a supplement: at 14:00, past the step's due time on
  // the wall clock, the step has used 10m and has 20m left, in working and
  // in calendar time alike.
  AdvanceTo("2025-07-07T09:10");
  Do(RequestSupplementAction{{"cccd"}});
  standing = OpenStepStanding(dossier_, *calendar, At("2025-07-07T14:00"));
  ASSERT_TRUE(standing.ok() && standing->has_value());
  EXPECT_FALSE((*standing)->late);
  EXPECT_EQ((*standing)->used, absl::Minutes(10));
  EXPECT_EQ((*standing)->left->working, absl::Minutes(20));
  EXPECT_EQ((*standing)->left->calendar, absl::Minutes(20));
  // Resumed at 14:00: the due time moved by the 2h50m paused (09:10-11:30,
  // 13:30-14:00), to 14:20; the standing is the same.
  AdvanceTo("2025-07-07T14:00");
  Do(ReceiveSupplementAction{});
  EXPECT_EQ(Show(dossier_.steps.back().due_at), "Mon 2025-07-07 14:20:00");
  standing = OpenStepStanding(dossier_, *calendar, now_);
  ASSERT_TRUE(standing.ok() && standing->has_value());
  EXPECT_FALSE((*standing)->late);
  EXPECT_EQ((*standing)->used, absl::Minutes(10));
  EXPECT_EQ((*standing)->left->working, absl::Minutes(20));
}

// DueTimeLeft is what the supervision lists show: the open step's standing
// or the dossier's time left, from the engine; without a calendar, the
// calendar time to the due time.
TEST_F(LifecycleTest, DueTimeLeftAnswersForTheStepAndTheDossier) {
  Submit(kCopy, "2025-07-07T09:00");  // receipt step due 09:30
  const Calendar* calendar = rules_->FindCalendar("vn-public-sector-0700");
  ASSERT_NE(calendar, nullptr);
  const absl::Time at = At("2025-07-07T12:00");  // the lunch break

  std::optional<TimeLeft> step =
      DueTimeLeft(dossier_, DueTimeOf::kOpenStep, calendar, at);
  ASSERT_TRUE(step.has_value());
  // 09:30-11:30 in working time; 2h30m on the wall clock.
  EXPECT_EQ(step->working, -absl::Hours(2));
  EXPECT_EQ(step->calendar, -HM(2, 30));
  absl::StatusOr<TimeLeft> own = TimeLeftOf(dossier_, *calendar, at);
  ASSERT_TRUE(own.ok());
  std::optional<TimeLeft> dossier =
      DueTimeLeft(dossier_, DueTimeOf::kDossier, calendar, at);
  ASSERT_TRUE(dossier.has_value());
  EXPECT_EQ(dossier->working, own->working);
  EXPECT_EQ(dossier->calendar, own->calendar);

  // No calendar: the calendar time, for both counts.
  step = DueTimeLeft(dossier_, DueTimeOf::kOpenStep, nullptr, at);
  ASSERT_TRUE(step.has_value());
  EXPECT_EQ(step->working, -HM(2, 30));
  EXPECT_EQ(step->calendar, -HM(2, 30));
  dossier = DueTimeLeft(dossier_, DueTimeOf::kDossier, nullptr, at);
  ASSERT_TRUE(dossier.has_value());
  EXPECT_EQ(dossier->working, dossier_.due_at - at);
  EXPECT_EQ(dossier->calendar, dossier_.due_at - at);

  // Paused at 12:00: at 16:00 the step is as late as when the pause began.
  AdvanceTo("2025-07-07T12:00");
  Do(RequestSupplementAction{{"cccd"}});
  step = DueTimeLeft(dossier_, DueTimeOf::kOpenStep, calendar,
                     At("2025-07-07T16:00"));
  ASSERT_TRUE(step.has_value());
  EXPECT_EQ(step->working, -absl::Hours(2));
  EXPECT_EQ(step->calendar, -HM(2, 30));
}

TEST_F(LifecycleTest, HandOverWithoutStepsNeedsATarget) {
  Submit(kHousehold, "2025-07-07T09:00");
  AdvanceTo("2025-07-07T10:00");
  absl::StatusOr<std::vector<Event>> result = Run(HandOverAction{});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), StartsWith("to_step:"));

  const Event event = Do(HandOverAction{"", "phong-kinh-te", ""});
  const HandedOverEvent handed = BodyOf<HandedOverEvent>(event);
  EXPECT_FALSE(handed.ended.has_value());  // no step was open
  EXPECT_EQ(handed.next.unit, "phong-kinh-te");
  EXPECT_EQ(Show(handed.next.due_at), "Thu 2025-07-10 09:00:00");
  EXPECT_EQ(StateName(dossier_.state), "PROCESSING");
}

// ---------------------------------------------------------------------------
// Supplement: pause

// Land registration received Fri 2025-07-11 14:00: due Fri 2025-07-25 14:00
// (10wd); receipt step (4wh) due Mon 2025-07-14 08:30 (Fri 14:00-17:00 is
// 3h, Mon 07:30-08:30 1h).
TEST_F(LifecycleTest, SupplementPausedAcrossAWeekend) {
  Submit(kLand, "2025-07-11T14:00");
  EXPECT_EQ(Show(dossier_.due_at), "Fri 2025-07-25 14:00:00");
  EXPECT_EQ(Show(dossier_.steps[0].due_at), "Mon 2025-07-14 08:30:00");

  AdvanceTo("2025-07-11T16:00");
  Do(RequestSupplementAction{{"ban-sao-so-do", "to-khai"}});
  EXPECT_EQ(StateName(dossier_.state), "SUPPLEMENT_REQUESTED");
  EXPECT_EQ(Show(dossier_.paused_since), "Fri 2025-07-11 16:00:00");
  EXPECT_EQ(PauseReasonName(dossier_.pause_reason), "supplement");
  EXPECT_EQ(dossier_.supplement_missing,
            (std::vector<std::string>{"ban-sao-so-do", "to-khai"}));
  EXPECT_EQ(Show(dossier_.due_at), "Fri 2025-07-25 14:00:00");  // not yet

  // Paused Fri 16:00-17:00 and Mon 07:30-09:00: 2h30 of working time; the
  // weekend does not count.
  AdvanceTo("2025-07-14T09:00");
  Event event = Do(ReceiveSupplementAction{});
  PauseEndedEvent ended = BodyOf<PauseEndedEvent>(event);
  EXPECT_EQ(EventTypeName(event.body), "supplement_received");
  EXPECT_FALSE(ended.restarted);
  EXPECT_EQ(ended.paused, HM(2, 30));
  EXPECT_EQ(Show(ended.due_at), "Fri 2025-07-25 16:30:00");
  ASSERT_TRUE(ended.step_due_at.has_value());
  EXPECT_EQ(Show(*ended.step_due_at), "Mon 2025-07-14 11:00:00");
  EXPECT_EQ(StateName(dossier_.state), "PROCESSING");
  EXPECT_EQ(Show(dossier_.due_at), "Fri 2025-07-25 16:30:00");
  EXPECT_EQ(Show(dossier_.clock_started_at), "Fri 2025-07-11 14:00:00");
  EXPECT_FALSE(dossier_.paused_since.has_value());
  EXPECT_TRUE(dossier_.supplement_missing.empty());
  EXPECT_EQ(dossier_.paused_by_reason[0], HM(2, 30));
  EXPECT_EQ(Show(dossier_.steps[0].due_at), "Mon 2025-07-14 11:00:00");
  EXPECT_EQ(dossier_.steps[0].paused, HM(2, 30));

  // The receipt step used Fri 14:00-17:00 and Mon 07:30-10:00 less the
  // pause: 5h30 - 2h30 = 3h, within its moved due time.
  AdvanceTo("2025-07-14T10:00");
  event = Do(HandOverAction{});
  HandedOverEvent handed = BodyOf<HandedOverEvent>(event);
  ASSERT_TRUE(handed.ended.has_value());
  EXPECT_EQ(handed.ended.value().used, HM(3));
  EXPECT_FALSE(handed.ended.value().late);
  EXPECT_EQ(handed.next.step_id, "cadastral-check");
  EXPECT_EQ(Show(handed.next.due_at), "Thu 2025-07-17 10:00:00");  // 3wd

  // A second supplement: Mon 11:00-11:30, 13:30-17:00, Tue 07:30-08:00 is
  // 4h30; the paused time accumulates.
  AdvanceTo("2025-07-14T11:00");
  Do(RequestSupplementAction{{"ban-ve"}});
  AdvanceTo("2025-07-15T08:00");
  event = Do(ReceiveSupplementAction{});
  ended = BodyOf<PauseEndedEvent>(event);
  EXPECT_EQ(ended.paused, HM(4, 30));
  // Fri 16:30 + 4h30: 16:30-17:00, then Mon 07:30-11:30 exactly: the end of
  // a period is the due time, not 13:30.
  EXPECT_EQ(Show(dossier_.due_at), "Mon 2025-07-28 11:30:00");
  // Thu 10:00 + 4h30: 10:00-11:30, 13:30-16:30.
  EXPECT_EQ(Show(dossier_.steps[1].due_at), "Thu 2025-07-17 16:30:00");
  EXPECT_EQ(dossier_.paused_by_reason[0], HM(7));
  EXPECT_EQ(dossier_.paused_by_reason[1], absl::ZeroDuration());
  EXPECT_EQ(dossier_.paused_by_reason[2], absl::ZeroDuration());

  // Cadastral check Mon 10:00 to Thu 16:00: 5h + 7h30 + 7h30 + 6h30 = 26h30,
  // less 4h30 paused = 22h, within its moved due time.
  AdvanceTo("2025-07-17T16:00");
  event = Do(HandOverAction{});
  handed = BodyOf<HandedOverEvent>(event);
  EXPECT_EQ(handed.ended.value().used, HM(22));
  EXPECT_FALSE(handed.ended.value().late);

  // Resolved exactly at the moved due time: on time.
  AdvanceTo("2025-07-28T11:30");
  Do(ResolveAction{"giay-chung-nhan"});
  EXPECT_EQ(ClassificationName(dossier_.classification), "on_time");
}

// Land registration received Wed 2026-02-11 10:00: 10wd skip Tết (Mon 16 to
// Fri 20/02/2026): Thu 12, Fri 13, Mon 23 ... Wed 04/03 is the tenth.
TEST_F(LifecycleTest, SupplementPausedAcrossTet2026) {
  Submit(kLand, "2026-02-11T10:00");
  EXPECT_EQ(Show(dossier_.due_at), "Wed 2026-03-04 10:00:00");
  // 4wh: 10:00-11:30, 13:30-16:00.
  EXPECT_EQ(Show(dossier_.steps[0].due_at), "Wed 2026-02-11 16:00:00");

  // Paused Fri 13/02 16:00 to Mon 23/02 08:30: Fri 16:00-17:00 and Mon
  // 07:30-08:30 are the only working time (Tết and two weekends): 2h.
  AdvanceTo("2026-02-13T16:00");
  Do(RequestSupplementAction{{"giay-uy-quyen"}});
  AdvanceTo("2026-02-23T08:30");
  const Event event = Do(ReceiveSupplementAction{});
  EXPECT_EQ(BodyOf<PauseEndedEvent>(event).paused, HM(2));
  // Wed 04/03 10:00 + 2h: 10:00-11:30, 13:30-14:00.
  EXPECT_EQ(Show(dossier_.due_at), "Wed 2026-03-04 14:00:00");
  // Wed 11/02 16:00 + 2h: 16:00-17:00, Thu 07:30-08:30.
  EXPECT_EQ(Show(dossier_.steps[0].due_at), "Thu 2026-02-12 08:30:00");
  EXPECT_EQ(dossier_.paused_by_reason[0], HM(2));

  // The receipt step ran Wed 10:00 to Mon 23/02 09:00: 5h + 7h30 + 7h30 +
  // 1h30 = 21h30, less 2h paused = 19h30, and ended late (due Thu 08:30)
  // while the dossier is far from its due time.
  AdvanceTo("2026-02-23T09:00");
  const HandedOverEvent handed = BodyOf<HandedOverEvent>(Do(HandOverAction{}));
  ASSERT_TRUE(handed.ended.has_value());
  EXPECT_EQ(handed.ended.value().used, HM(19, 30));
  EXPECT_TRUE(handed.ended.value().late);
  EXPECT_EQ(dossier_.steps[0].unit, "bo-phan-mot-cua");
  EXPECT_TRUE(dossier_.steps[0].late);
  EXPECT_LT(now_, dossier_.due_at);
}

// 2.000635 received Mon 2025-07-07 09:00, due 17:00; a same-day due time
// at the closing moves into the next day by the time paused.
TEST_F(LifecycleTest, SupplementPausedOnASameDayProcedure) {
  Submit(kCopy, "2025-07-07T09:00");
  AdvanceTo("2025-07-07T10:00");
  Do(RequestSupplementAction{{"cccd"}});
  // Mon 10:00-11:30, 13:30-17:00, Tue 07:00-09:00: 7h.
  AdvanceTo("2025-07-08T09:00");
  Do(ReceiveSupplementAction{});
  EXPECT_EQ(dossier_.paused_by_reason[0], HM(7));
  // 5h were left at 10:00; from Tue 09:00: 09:00-11:30, 13:30-16:00.
  EXPECT_EQ(Show(dossier_.due_at), "Tue 2025-07-08 16:00:00");
  // The receipt step's due time (09:30) moves by the 7h paused: Mon
  // 09:30-11:30, 13:30-17:00, Tue 07:00-08:30.
  EXPECT_EQ(Show(dossier_.steps[0].due_at), "Tue 2025-07-08 08:30:00");
}

TEST_F(LifecycleTest, APauseWithoutWorkingTimeMovesNothing) {
  Submit(kLand, "2025-07-11T14:00");
  AdvanceTo("2025-07-11T17:30");  // after closing on Friday
  Do(RequestSupplementAction{{"to-khai"}});
  AdvanceTo("2025-07-14T07:00");  // Monday before opening
  const Event event = Do(ReceiveSupplementAction{});
  EXPECT_EQ(BodyOf<PauseEndedEvent>(event).paused, absl::ZeroDuration());
  EXPECT_EQ(Show(dossier_.due_at), "Fri 2025-07-25 14:00:00");
  EXPECT_EQ(Show(dossier_.steps[0].due_at), "Mon 2025-07-14 08:30:00");
}

// ---------------------------------------------------------------------------
// Supplement: restart

// Business household (3wd, restart) received Mon 2025-07-07 09:00, due Thu
// 2025-07-10 09:00; held by a unit outside the (absent) steps.
TEST_F(LifecycleTest, SupplementRestartsTheClock) {
  Submit(kHousehold, "2025-07-07T09:00");
  AdvanceTo("2025-07-07T10:00");
  Do(HandOverAction{"", "phong-kinh-te", ""});
  AdvanceTo("2025-07-08T10:00");
  Do(RequestSupplementAction{{"hop-dong-thue"}});

  // Received during the lunch break on Wednesday: the clock counts again
  // from 13:30, 3wd: Mon 2025-07-14 13:30.
  AdvanceTo("2025-07-09T12:00");
  const Event event = Do(ReceiveSupplementAction{});
  const PauseEndedEvent ended = BodyOf<PauseEndedEvent>(event);
  EXPECT_TRUE(ended.restarted);
  // Tue 10:00-11:30, 13:30-17:00, Wed 07:30-11:30: 9h.
  EXPECT_EQ(ended.paused, HM(9));
  EXPECT_EQ(Show(ended.clock_started_at), "Wed 2025-07-09 13:30:00");
  EXPECT_EQ(Show(ended.due_at), "Mon 2025-07-14 13:30:00");
  ASSERT_TRUE(ended.step_due_at.has_value());
  EXPECT_EQ(Show(*ended.step_due_at), "Mon 2025-07-14 13:30:00");

  const Dossier& d = dossier_;
  EXPECT_EQ(StateName(d.state), "PROCESSING");
  EXPECT_EQ(Show(d.received_at), "Mon 2025-07-07 09:00:00");
  EXPECT_EQ(Show(d.clock_started_at), "Wed 2025-07-09 13:30:00");
  EXPECT_EQ(Show(d.due_at), "Mon 2025-07-14 13:30:00");
  EXPECT_EQ(d.paused_by_reason[0], HM(9));
  ASSERT_EQ(d.steps.size(), 1u);
  EXPECT_EQ(Show(d.steps[0].started_at), "Mon 2025-07-07 10:00:00");
  EXPECT_EQ(Show(d.steps[0].counted_from), "Wed 2025-07-09 13:30:00");
  EXPECT_EQ(Show(d.steps[0].due_at), "Mon 2025-07-14 13:30:00");
  EXPECT_EQ(d.steps[0].paused, absl::ZeroDuration());

  // The step counts from the restart: Wed 13:30-17:00, Thu, Fri, Mon
  // 07:30-11:30 = 3h30 + 7h30 + 7h30 + 4h = 22h30.
  AdvanceTo("2025-07-14T13:00");
  const ResolvedEvent resolved =
      BodyOf<ResolvedEvent>(Do(ResolveAction{"giay-chung-nhan"}));
  EXPECT_EQ(ClassificationName(resolved.classification), "on_time");
  ASSERT_TRUE(resolved.ended.has_value());
  EXPECT_EQ(resolved.ended.value().used, HM(22, 30));
  EXPECT_FALSE(resolved.ended.value().late);
}

TEST_F(LifecycleTest, SupplementRestartAppliesTheStartOfClockRules) {
  struct Case {
    const char* received;
    const char* clock_start;
    const char* due;
  };
  const Case cases[] = {
      // In working time: from the instant itself.
      {"2025-07-09T10:15", "Wed 2025-07-09 10:15:00",
       "Mon 2025-07-14 10:15:00"},
      // After closing: the next working day's opening.
      {"2025-07-09T17:30", "Thu 2025-07-10 07:30:00",
       "Tue 2025-07-15 07:30:00"},
      // On a Saturday: Monday's opening.
      {"2025-07-12T09:00", "Mon 2025-07-14 07:30:00",
       "Thu 2025-07-17 07:30:00"},
      // Friday before National Day 2025 (Mon 01/09, Tue 02/09): Wed 03/09,
      // then Thu, Fri, Mon.
      {"2025-08-29T17:15", "Wed 2025-09-03 07:30:00",
       "Mon 2025-09-08 07:30:00"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.received);
    Submit(kHousehold, "2025-07-07T09:00");
    AdvanceTo("2025-07-08T10:00");
    Do(RequestSupplementAction{{"hop-dong-thue"}});
    AdvanceTo(c.received);
    Do(ReceiveSupplementAction{});
    EXPECT_EQ(Show(dossier_.clock_started_at), c.clock_start);
    EXPECT_EQ(Show(dossier_.due_at), c.due);
  }
}

// ---------------------------------------------------------------------------
// Financial obligation and stop

// Land registration received Mon 2025-07-07 08:00: due Mon 2025-07-21 08:00;
// receipt step (4wh) due 14:00.
TEST_F(LifecycleTest, FinancialObligationAndStopPauseByReason) {
  Submit(kLand, "2025-07-07T08:00");
  EXPECT_EQ(Show(dossier_.due_at), "Mon 2025-07-21 08:00:00");
  EXPECT_EQ(Show(dossier_.steps[0].due_at), "Mon 2025-07-07 14:00:00");

  AdvanceTo("2025-07-07T11:00");
  HandedOverEvent handed = BodyOf<HandedOverEvent>(Do(HandOverAction{}));
  EXPECT_EQ(handed.ended.value().used, HM(3));
  EXPECT_EQ(Show(handed.next.due_at), "Thu 2025-07-10 11:00:00");

  // Stopped Tue 09:00-11:30 and 13:30-14:30: 3h30.
  AdvanceTo("2025-07-08T09:00");
  Do(StopAction{"giam-dinh"});
  EXPECT_EQ(StateName(dossier_.state), "STOPPED");
  EXPECT_EQ(PauseReasonName(dossier_.pause_reason), "stopped");
  AdvanceTo("2025-07-08T14:30");
  Event event = Do(ResumeAction{});
  EXPECT_EQ(EventTypeName(event.body), "resumed");
  PauseEndedEvent ended = BodyOf<PauseEndedEvent>(event);
  EXPECT_EQ(static_cast<int>(ended.reason),
            static_cast<int>(PauseReason::kStopped));
  EXPECT_EQ(ended.paused, HM(3, 30));
  // Mon 21/07 08:00 + 3h30 = 11:30 (end of the morning period).
  EXPECT_EQ(Show(dossier_.due_at), "Mon 2025-07-21 11:30:00");
  // Thu 10/07 11:00 + 3h30: 11:00-11:30, 13:30-16:30.
  EXPECT_EQ(Show(dossier_.steps[1].due_at), "Thu 2025-07-10 16:30:00");

  // Cadastral check Mon 11:00 to Thu 16:00: 4h + 7h30 + 7h30 + 6h30 =
  // 25h30, less 3h30 stopped = 22h.
  AdvanceTo("2025-07-10T16:00");
  handed = BodyOf<HandedOverEvent>(Do(HandOverAction{}));
  EXPECT_EQ(handed.ended.value().used, HM(22));
  EXPECT_FALSE(handed.ended.value().late);
  EXPECT_EQ(handed.next.step_id, "financial-obligation");
  EXPECT_EQ(handed.next.unit, "chi-cuc-thue");
  EXPECT_EQ(Show(handed.next.due_at), "Mon 2025-07-14 16:00:00");  // 2wd

  // Awaiting the payment Fri 10:00 to Tue 10:00: 5h + 7h30 + 2h30 = 15h.
  AdvanceTo("2025-07-11T10:00");
  Do(RequestFinancialObligationAction{"le-phi-truoc-ba"});
  EXPECT_EQ(StateName(dossier_.state), "AWAITING_FINANCIAL_OBLIGATION");
  EXPECT_EQ(PauseReasonName(dossier_.pause_reason), "financial_obligation");
  AdvanceTo("2025-07-15T10:00");
  event = Do(ConfirmFinancialObligationAction{});
  EXPECT_EQ(EventTypeName(event.body), "financial_obligation_confirmed");
  ended = BodyOf<PauseEndedEvent>(event);
  EXPECT_EQ(ended.paused, HM(15));
  // Mon 21/07 11:30 + 15h: Mon 13:30-17:00, Tue, Wed 07:30-11:30.
  EXPECT_EQ(Show(dossier_.due_at), "Wed 2025-07-23 11:30:00");
  // Mon 14/07 16:00 + 15h: 16:00-17:00, Tue, Wed 07:30-11:30, 13:30-16:00.
  EXPECT_EQ(Show(dossier_.steps[2].due_at), "Wed 2025-07-16 16:00:00");

  EXPECT_EQ(
      dossier_.paused_by_reason[static_cast<int>(PauseReason::kSupplement)],
      absl::ZeroDuration());
  EXPECT_EQ(dossier_.paused_by_reason[static_cast<int>(
                PauseReason::kFinancialObligation)],
            HM(15));
  EXPECT_EQ(dossier_.paused_by_reason[static_cast<int>(PauseReason::kStopped)],
            HM(3, 30));

  // The tax step ran Thu 16:00 to Wed 16/07 15:00: 1h + 7h30 * 3 + 5h30 =
  // 29h, less the 15h paused = 14h.
  AdvanceTo("2025-07-16T15:00");
  handed = BodyOf<HandedOverEvent>(Do(HandOverAction{}));
  EXPECT_EQ(handed.ended.value().used, HM(14));
  EXPECT_FALSE(handed.ended.value().late);
  EXPECT_EQ(handed.next.step_id, "approval");
  EXPECT_EQ(Show(handed.next.due_at), "Fri 2025-07-18 15:00:00");  // 2wd

  // Resolved exactly at the moved due time: on time; the approval step
  // (Wed 15:00 to Wed 23/07 11:30: 2h + 7h30 * 4 + 4h = 36h) ran past its
  // budget and is late for lanh-dao-so.
  AdvanceTo("2025-07-23T11:30");
  const ResolvedEvent resolved =
      BodyOf<ResolvedEvent>(Do(ResolveAction{"giay-chung-nhan"}));
  EXPECT_EQ(ClassificationName(resolved.classification), "on_time");
  EXPECT_EQ(resolved.ended.value().used, HM(36));
  EXPECT_TRUE(resolved.ended.value().late);
  EXPECT_EQ(dossier_.steps[3].unit, "lanh-dao-so");
  EXPECT_TRUE(dossier_.steps[3].late);

  // Returned afterwards.
  AdvanceTo("2025-07-24T09:00");
  Do(ReturnResultAction{});
  EXPECT_EQ(StateName(dossier_.state), "RETURNED");
  EXPECT_EQ(Show(dossier_.returned_at), "Thu 2025-07-24 09:00:00");
  EXPECT_EQ(ClassificationName(dossier_.classification), "on_time");
}

// ---------------------------------------------------------------------------
// Apology

TEST_F(LifecycleTest, ApologyKeepsTheDueTimeAndTheDossierStaysLate) {
  Submit(kCopy, "2025-07-07T09:00");  // due Mon 17:00
  AdvanceTo("2025-07-07T16:00");
  const Event event =
      Do(ApologiseAction{"thieu-so-goc", At("2025-07-08T12:00")});
  const ApologisedEvent apologised = BodyOf<ApologisedEvent>(event);
  EXPECT_EQ(apologised.reason, "thieu-so-goc");
  EXPECT_EQ(Show(apologised.new_appointment), "Tue 2025-07-08 12:00:00");
  EXPECT_EQ(Show(dossier_.apology_appointment), "Tue 2025-07-08 12:00:00");
  EXPECT_EQ(Show(dossier_.due_at), "Mon 2025-07-07 17:00:00");
  EXPECT_EQ(StateName(dossier_.state), "RECEIVED");

  // Resolved after the original due time, before the new appointment.
  AdvanceTo("2025-07-08T10:00");
  Do(ResolveAction{"ban-sao"});
  EXPECT_EQ(ClassificationName(dossier_.classification), "late");
  EXPECT_EQ(Show(dossier_.due_at), "Mon 2025-07-07 17:00:00");
}

// ---------------------------------------------------------------------------
// Classification

// Land registration received Mon 2025-07-07 09:00, due Mon 2025-07-21 09:00.
TEST_F(LifecycleTest, ClassificationAgainstTheDueTime) {
  struct Case {
    const char* resolved;
    const char* classification;
  };
  const Case cases[] = {
      {"2025-07-07T09:00", "early"},      {"2025-07-18T16:59:59", "early"},
      {"2025-07-20T23:59:59", "early"},  // Sunday: a day before the due day
      {"2025-07-21T00:00:00", "on_time"}, {"2025-07-21T08:59:59", "on_time"},
      {"2025-07-21T09:00:00", "on_time"},  // exactly at the due time
      {"2025-07-21T09:00:01", "late"},    {"2025-07-21T16:00:00", "late"},
      {"2025-07-22T08:00:00", "late"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.resolved);
    Submit(kLand, "2025-07-07T09:00");
    AdvanceTo(c.resolved);
    const ResolvedEvent resolved =
        BodyOf<ResolvedEvent>(Do(ResolveAction{"giay-chung-nhan"}));
    EXPECT_EQ(ClassificationName(resolved.classification), c.classification);
    EXPECT_EQ(ClassificationName(dossier_.classification), c.classification);
    EXPECT_EQ(Show(dossier_.resolved_at), Show(At(c.resolved)));
  }
}

TEST_F(LifecycleTest, ClassificationOfASameDayProcedure) {
  // Received after the cut-off on Monday, resolved on Monday: a day before
  // the due day (Tuesday), so early.
  Submit(kCopy, "2025-07-07T15:30");
  AdvanceTo("2025-07-07T16:30");
  Do(ResolveAction{"ban-sao"});
  EXPECT_EQ(ClassificationName(dossier_.classification), "early");

  Submit(kCopy, "2025-07-07T09:00");
  AdvanceTo("2025-07-07T17:00");
  Do(ResolveAction{"ban-sao"});
  EXPECT_EQ(ClassificationName(dossier_.classification), "on_time");

  Submit(kCopy, "2025-07-07T09:00");
  AdvanceTo("2025-07-07T17:00:01");
  Do(ResolveAction{"ban-sao"});
  EXPECT_EQ(ClassificationName(dossier_.classification), "late");
}

// ---------------------------------------------------------------------------
// Closing from paused states

TEST_F(LifecycleTest, RejectAndWithdrawFromPausedStatesEndTheOpenStep) {
  // Supplement requested in RECEIVED at 10:00; rejected two days later. The
  // receipt step stopped counting when the pause began: 1h used.
  Submit(kLand, "2025-07-07T09:00");
  AdvanceTo("2025-07-07T10:00");
  Do(RequestSupplementAction{{"to-khai"}});
  AdvanceTo("2025-07-09T10:00");
  RejectedEvent rejected =
      BodyOf<RejectedEvent>(Do(RejectAction{"khong-bo-sung"}));
  ASSERT_TRUE(rejected.ended.has_value());
  EXPECT_EQ(rejected.ended.value().used, HM(1));
  EXPECT_FALSE(rejected.ended.value().late);
  EXPECT_EQ(rejected.reason, "khong-bo-sung");
  EXPECT_EQ(StateName(dossier_.state), "REJECTED");
  EXPECT_EQ(PortalStatusCode(dossier_.state), 3);
  EXPECT_EQ(Show(dossier_.closed_at), "Wed 2025-07-09 10:00:00");
  EXPECT_EQ(dossier_.closing_reason, "khong-bo-sung");
  EXPECT_FALSE(dossier_.paused_since.has_value());
  EXPECT_EQ(dossier_.current_step(), nullptr);
  EXPECT_EQ(Show(dossier_.steps[0].ended_at), "Wed 2025-07-09 10:00:00");
  EXPECT_EQ(dossier_.steps[0].used, HM(1));

  // Awaiting the financial obligation since Mon 11:00; withdrawn on Friday.
  Submit(kLand, "2025-07-07T09:00");
  AdvanceTo("2025-07-07T10:00");
  Do(HandOverAction{});  // cadastral-check, due Thu 10/07 10:00
  AdvanceTo("2025-07-07T11:00");
  Do(RequestFinancialObligationAction{"le-phi"});
  AdvanceTo("2025-07-11T09:00");
  const WithdrawnEvent withdrawn =
      BodyOf<WithdrawnEvent>(Do(WithdrawAction{"nguoi-dan-rut"}));
  ASSERT_TRUE(withdrawn.ended.has_value());
  EXPECT_EQ(withdrawn.ended.value().used, HM(1));
  // Counting stopped at 11:00 Monday, before the step's due time.
  EXPECT_FALSE(withdrawn.ended.value().late);
  EXPECT_EQ(StateName(dossier_.state), "WITHDRAWN");
  EXPECT_EQ(PortalStatusCode(dossier_.state), 7);
  EXPECT_EQ(dossier_.closing_reason, "nguoi-dan-rut");
  ASSERT_EQ(dossier_.steps.size(), 2u);
  EXPECT_EQ(Show(dossier_.steps[1].ended_at), "Fri 2025-07-11 09:00:00");
  EXPECT_FALSE(dossier_.paused_since.has_value());

  // Stopped after the step was already overdue: still late.
  Submit(kLand, "2025-07-07T09:00");
  AdvanceTo("2025-07-07T10:00");
  Do(HandOverAction{});  // cadastral-check, due Thu 10/07 10:00
  AdvanceTo("2025-07-11T09:00");
  Do(StopAction{"giam-dinh"});
  AdvanceTo("2025-07-14T09:00");
  rejected = BodyOf<RejectedEvent>(Do(RejectAction{"khong-du-dieu-kien"}));
  ASSERT_TRUE(rejected.ended.has_value());
  // Mon 10:00-17:00 (5h), Tue-Thu 22h30, Fri 07:30-09:00 (1h30) = 29h.
  EXPECT_EQ(rejected.ended.value().used, HM(29));
  EXPECT_TRUE(rejected.ended.value().late);
  EXPECT_EQ(StateName(dossier_.state), "REJECTED");
}

TEST_F(LifecycleTest, ReturnOnlyAfterResolve) {
  Submit(kLand, "2025-07-07T09:00");
  AdvanceTo("2025-07-07T10:00");
  absl::StatusOr<std::vector<Event>> early = Run(ReturnResultAction{});
  EXPECT_EQ(early.status().code(), absl::StatusCode::kFailedPrecondition);
  Do(ResolveAction{"giay-chung-nhan"});
  // Resolving twice is refused.
  AdvanceTo("2025-07-07T10:30");
  absl::StatusOr<std::vector<Event>> twice = Run(ResolveAction{"x"});
  EXPECT_EQ(twice.status().code(), absl::StatusCode::kFailedPrecondition);
  AdvanceTo("2025-07-08T08:00");
  EXPECT_EQ(EventTypeName(Do(ReturnResultAction{}).body), "result_returned");
  EXPECT_EQ(StateName(dossier_.state), "RETURNED");
  EXPECT_EQ(PortalStatusCode(dossier_.state), 10);
  EXPECT_EQ(Show(dossier_.returned_at), "Tue 2025-07-08 08:00:00");
  EXPECT_EQ(Show(dossier_.resolved_at), "Mon 2025-07-07 10:00:00");
}

// ---------------------------------------------------------------------------
// Replay

// Apply takes no rules and no calendar: the events carry every decided value.
static_assert(
    std::is_same_v<decltype(&Apply), absl::Status (*)(Dossier&, const Event&)>);

TEST_F(LifecycleTest, ReplayRebuildsTheSameStateWithoutRules) {
  // Rules of its own, freed before the replay.
  std::unique_ptr<const RuleSet> own = LoadShippedRules();
  ASSERT_NE(own, nullptr);
  rules_ = own.get();

  Submit(kLand, "2025-07-07T08:00", "desk-1");
  AdvanceTo("2025-07-07T11:00");
  Do(HandOverAction{"", "", "chuyen"}, "desk-1");
  AdvanceTo("2025-07-08T09:00");
  Do(StopAction{"giam-dinh"}, "vpdk-1");
  AdvanceTo("2025-07-08T14:30");
  Do(ResumeAction{}, "vpdk-1");
  AdvanceTo("2025-07-09T10:00");
  Do(RequestSupplementAction{{"ban-ve"}}, "vpdk-1");
  AdvanceTo("2025-07-10T09:00");
  Do(ReceiveSupplementAction{}, "desk-2");
  AdvanceTo("2025-07-10T16:00");
  Do(HandOverAction{}, "vpdk-1");
  AdvanceTo("2025-07-11T10:00");
  Do(RequestFinancialObligationAction{"le-phi"}, "thue-1");
  AdvanceTo("2025-07-15T10:00");
  Do(ConfirmFinancialObligationAction{}, "thue-1");
  AdvanceTo("2025-07-16T15:00");
  Do(HandOverAction{"approval", "lanh-dao-so-2", ""}, "thue-1");
  AdvanceTo("2025-07-21T09:00");
  Do(ApologiseAction{"qua-tai", At("2025-07-31T17:00")}, "lanh-dao-1");
  AdvanceTo("2025-07-24T16:00");
  Do(ResolveAction{"giay-chung-nhan"}, "lanh-dao-1");
  AdvanceTo("2025-07-25T08:00");
  Do(ReturnResultAction{}, "desk-1");
  // Thirteen actions, and the thresholds that fell due between them (each
  // recorded by the next action): the replay needs no rules for either.
  ASSERT_EQ(WithoutThresholds(log_).size(), 13u);
  ASSERT_GT(log_.size(), 13u);
  ASSERT_EQ(StateName(dossier_.state), "RETURNED");

  own.reset();
  rules_ = nullptr;

  Dossier replayed;
  for (size_t i = 0; i < log_.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("after event ", i + 1, " (",
                              EventTypeName(log_[i].body), ")"));
    const absl::Status applied = Apply(replayed, log_[i]);
    ASSERT_TRUE(applied.ok()) << applied;
    ExpectSameDossier(snapshots_[i], replayed);
  }
  ExpectSameDossier(dossier_, replayed);

  // A second replay from scratch gives the same again.
  Dossier again;
  for (const Event& event : log_) ASSERT_TRUE(Apply(again, event).ok());
  ExpectSameDossier(dossier_, again);
}

TEST_F(LifecycleTest, ApplyRefusesAnEventWithAWrongVersion) {
  Reach(LifecycleState::kProcessing);
  ASSERT_EQ(log_.size(), 2u);

  // A first event that is not a receipt.
  Dossier fresh;
  absl::Status status = Apply(fresh, log_[1]);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  Event not_received = log_[1];
  not_received.dossier_version = 1;
  status = Apply(fresh, not_received);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  EXPECT_EQ(fresh.version, 0);

  const Dossier before = dossier_;
  // Skipping a version.
  Event skipped = log_[1];
  skipped.dossier_version = 4;
  status = Apply(dossier_, skipped);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("HS-0001"));
  ExpectSameDossier(before, dossier_);
  // Applying the last event again.
  status = Apply(dossier_, log_[1]);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  ExpectSameDossier(before, dossier_);
  // A second receipt.
  Event received = log_[0];
  received.dossier_version = 3;
  status = Apply(dossier_, received);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  ExpectSameDossier(before, dossier_);
}

// Apply is documented to return INTERNAL "when the event does not fit the
// state (a corrupt log)". An event that no Decide could have produced in the
// dossier's state must be refused, and the dossier left unchanged.
TEST_F(LifecycleTest, ApplyRefusesAnEventThatDoesNotFitTheState) {
  struct Case {
    LifecycleState state;
    EventBody body;
  };
  const Case cases[] = {
      {LifecycleState::kReturned, HandedOverEvent{}},
      {LifecycleState::kProcessing, PauseEndedEvent{}},
      {LifecycleState::kProcessing, ResultReturnedEvent{}},
      {LifecycleState::kReturned, SupplementRequestedEvent{{"to-khai"}}},
      {LifecycleState::kRejected, FinancialObligationRequestedEvent{"le-phi"}},
      {LifecycleState::kSupplementRequested, StoppedEvent{"giam-dinh"}},
      {LifecycleState::kWithdrawn,
       ApologisedEvent{"qua-tai", At("2025-07-31T10:00")}},
      {LifecycleState::kStopped, ResolvedEvent{}},
      {LifecycleState::kReturned, RejectedEvent{{}, "khong-du-dieu-kien"}},
      {LifecycleState::kResolved, WithdrawnEvent{{}, "rut"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(
        absl::StrCat(EventTypeName(c.body), " on ", StateName(c.state)));
    Reach(c.state);
    const Dossier before = dossier_;
    Event event;
    event.dossier_code = code_;
    event.dossier_version = dossier_.version + 1;
    event.occurred_at = now_;
    event.actor = "officer";
    event.rule_version = rules_->version();
    event.body = c.body;
    const absl::Status status = Apply(dossier_, event);
    EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
    ExpectSameDossier(before, dossier_);
  }
}

// Decide and Apply read one table (kTransitions): an event of an action is
// applied exactly in the states the action is allowed in.
TEST_F(LifecycleTest, ApplyAcceptsAnEventExactlyWhereItsActionIsAllowed) {
  auto PauseEnded = [](PauseReason reason) {
    PauseEndedEvent ended;
    ended.reason = reason;
    return ended;
  };
  auto DueTimeChanged = [] {
    DueTimeChangedEvent changed;
    changed.reason = "a holiday announced late";
    changed.old_due_at = At("2025-07-21T09:00");
    changed.new_due_at = At("2025-07-22T09:00");
    return changed;
  };
  struct Case {
    EventBody body;
    const char* action;
  };
  const Case cases[] = {
      {HandedOverEvent{std::nullopt,
                       StepStart{"", "phong-x", At("2025-07-21T09:00")}, ""},
       "hand_over"},
      {SupplementRequestedEvent{{"to-khai"}}, "request_supplement"},
      {PauseEnded(PauseReason::kSupplement), "receive_supplement"},
      {FinancialObligationRequestedEvent{"le-phi"},
       "request_financial_obligation"},
      {PauseEnded(PauseReason::kFinancialObligation),
       "confirm_financial_obligation"},
      {StoppedEvent{"giam-dinh"}, "stop"},
      {PauseEnded(PauseReason::kStopped), "resume"},
      {ApologisedEvent{"qua-tai", At("2025-07-31T10:00")}, "apologise"},
      {ResolvedEvent{}, "resolve"},
      {ResultReturnedEvent{}, "return_result"},
      {RejectedEvent{{}, "khong-du-dieu-kien"}, "reject"},
      {WithdrawnEvent{{}, "rut"}, "withdraw"},
      {DueTimeChanged(), "recompute_due"},
  };
  for (const Case& c : cases) {
    const Transition& transition = TransitionOfEvent(c.body);
    EXPECT_EQ(transition.action, c.action) << EventTypeName(c.body);
    for (LifecycleState state : kAllLifecycleStates) {
      SCOPED_TRACE(
          absl::StrCat(EventTypeName(c.body), " on ", StateName(state)));
      Reach(state);
      Event event;
      event.dossier_code = code_;
      event.dossier_version = dossier_.version + 1;
      event.occurred_at = now_;
      event.actor = "officer";
      event.rule_version = rules_->version();
      event.body = c.body;
      Dossier after = dossier_;
      const absl::Status status = Apply(after, event);
      EXPECT_EQ(status.ok(), transition.from.Contains(state)) << status;
    }
  }
}

TEST(TransitionTableTest, NamesAndEventTypesComeFromTheTables) {
  EXPECT_EQ(ActionName(Action(HandOverAction{})), "hand_over");
  EXPECT_EQ(ActionNameAt(std::variant_size_v<Action>), "");
  EXPECT_EQ(ActionEventTypeName(Action(ReturnResultAction{})),
            "result_returned");
  EXPECT_EQ(ActionEventTypeName(Action(ReachThresholdsAction{})), "");
  EXPECT_EQ(ActionNameOfEventType("supplement_received"), "receive_supplement");
  EXPECT_EQ(ActionNameOfEventType("overdue"), "");
  EXPECT_EQ(kOpenStates.ToString(),
            "RECEIVED or PROCESSING or SUPPLEMENT_REQUESTED or "
            "AWAITING_FINANCIAL_OBLIGATION or STOPPED");
  // Every stored name is known, and the filters accept exactly those.
  EXPECT_EQ(EventTypeNames().size(), std::size(kEventTypeNames));
  for (absl::string_view name : kEventTypeNames) {
    EXPECT_TRUE(IsEventTypeName(name)) << name;
  }
  EXPECT_FALSE(IsEventTypeName("pause_ended"));
  EXPECT_FALSE(IsEventTypeName(""));
  ThresholdReachedEvent step_overdue;
  step_overdue.kind = ThresholdEvent::kOverdue;
  step_overdue.target = ThresholdTarget::kStep;
  EXPECT_EQ(EventTypeName(step_overdue), "step_overdue");
  step_overdue.target = ThresholdTarget::kDossier;
  EXPECT_EQ(EventTypeName(step_overdue), "overdue");
}

// A step that ends exactly at its due time is on time, having used its
// whole budget, also when a pause moved the due time; a minute later it is
// late. OpenStepStanding says beforehand what the hand-over records.
TEST_F(LifecycleTest, AStepEndedExactlyAtItsBudgetAfterAPauseIsOnTime) {
  const Calendar* calendar = rules_->FindCalendar("vn-public-sector-0700");
  ASSERT_NE(calendar, nullptr);
  for (const auto& [code, ended_at, late, used] :
       {std::tuple{"HS-AT", "2025-07-07T14:20", false, absl::Minutes(30)},
        std::tuple{"HS-AFTER", "2025-07-07T14:21", true, absl::Minutes(31)}}) {
    SCOPED_TRACE(code);
    code_ = code;
    // The receipt step of the copy: 30wm from Mon 09:00; paused 09:10 to
    // 14:00 (2h50m of working time), so due at 14:20.
    Submit(kCopy, "2025-07-07T09:00");
    AdvanceTo("2025-07-07T09:10");
    Do(RequestSupplementAction{{"cccd"}});
    AdvanceTo("2025-07-07T14:00");
    Do(ReceiveSupplementAction{});
    ASSERT_EQ(Show(dossier_.steps.back().due_at), "Mon 2025-07-07 14:20:00");
    EXPECT_EQ(dossier_.steps.back().paused, HM(2, 50));

    AdvanceTo(ended_at);
    absl::StatusOr<std::optional<StepStanding>> standing =
        OpenStepStanding(dossier_, *calendar, now_);
    ASSERT_TRUE(standing.ok() && standing->has_value());
    EXPECT_EQ((*standing)->late, late);
    EXPECT_EQ((*standing)->used, used);
    const HandedOverEvent handed =
        BodyOf<HandedOverEvent>(Do(HandOverAction{}));
    ASSERT_TRUE(handed.ended.has_value());
    EXPECT_EQ(handed.ended->late, late);
    EXPECT_EQ(handed.ended->used, used);
    EXPECT_EQ(dossier_.steps.front().late, late);
    EXPECT_EQ(dossier_.steps.front().used, used);
  }
}

// What the services show of a dossier is computed here: the calendar of its
// pinned rules, the open step's definition, the time paused so far.
TEST_F(LifecycleTest, StandingOfADossierForTheServices) {
  Submit(kLand, "2025-07-07T09:00");
  ASSERT_EQ(CalendarOf(dossier_, *rules_),
            rules_->FindCalendar("vn-public-sector"));
  const ProcedureStep* step = OpenStepDefinition(dossier_, *rules_);
  ASSERT_NE(step, nullptr);
  EXPECT_EQ(step->id, "receipt");
  EXPECT_EQ(step->budget.ToString(), "4wh");
  absl::StatusOr<PinnedRules> pinned = PinnedRulesOf(dossier_, *rules_);
  ASSERT_TRUE(pinned.ok()) << pinned.status();
  EXPECT_EQ(pinned->calendar, CalendarOf(dossier_, *rules_));

  // Paused Mon 10:30 for a supplement: at Tue 10:00 it has been paused 7h
  // (Mon 10:30-11:30, 13:30-17:00, Tue 07:30-10:00), counted under its
  // reason; the dossier records nothing until the pause ends.
  AdvanceTo("2025-07-07T10:30");
  Do(RequestSupplementAction{{"to-khai"}});
  const auto paused =
      PausedByReasonAt(dossier_, *pinned->calendar, At("2025-07-08T10:00"));
  EXPECT_EQ(paused[static_cast<int>(PauseReason::kSupplement)], HM(7));
  EXPECT_EQ(paused[static_cast<int>(PauseReason::kStopped)],
            absl::ZeroDuration());
  EXPECT_EQ(dossier_.paused_by_reason[0], absl::ZeroDuration());

  // A dossier whose procedure version is gone from the rules keeps the
  // calendar it was received under, and has no step definition.
  Dossier orphan = dossier_;
  orphan.procedure_code = "no-such-procedure";
  EXPECT_EQ(CalendarOf(orphan, *rules_),
            rules_->FindCalendar("vn-public-sector"));
  EXPECT_EQ(OpenStepDefinition(orphan, *rules_), nullptr);
  EXPECT_EQ(PinnedRulesOf(orphan, *rules_).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace motcua
