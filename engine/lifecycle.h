#ifndef MOTCUA_ENGINE_LIFECYCLE_H_
#define MOTCUA_ENGINE_LIFECYCLE_H_

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/calendar.h"
#include "engine/dossier.h"
#include "engine/rules.h"
#include "engine/time_limit.h"

namespace motcua {

// ---------------------------------------------------------------------------
// Actions: what a caller asks for. Each is validated and decided by Decide.

// Whether the caller may enter a kind of receipt, by its role
// (services/access): the desks enter receipts within the backdating bound,
// officers those beyond it. Decided by the server, never by the request.
enum class EntryPermission { kDenied, kGranted };

// How far in the past a receipt time may lie when it is entered: a policy of
// the server (its configuration), measured in the procedure's calendar.
struct ReceiptPolicy {
  // A receipt is entered in time while this limit, counted from the receipt
  // as a due time would be (without cut-off), has not run out: with "1wd", a
  // receipt of Monday 10:00 may be entered until Tuesday 10:00.
  TimeLimit max_backdate{LimitUnit::kWorkingDays, 1, std::nullopt};
  // A receipt in the future by more than this is refused: a desk clock a few
  // minutes ahead is tolerated.
  absl::Duration max_clock_skew = absl::Minutes(5);
  // A receipt within the bound (the intake role's submit).
  EntryPermission in_time_entry = EntryPermission::kGranted;
  // A receipt beyond the bound, with a reason (enter_late_receipt).
  EntryPermission late_entry = EntryPermission::kDenied;
};

struct SubmitAction {
  std::string procedure_code;
  std::string agency;  // the receiving agency, e.g. "ubnd-xa-tan-dinh"
  Channel channel = Channel::kInPerson;
  absl::Time received_at;
  std::string summary;  // free text without personal data, optional
  // Why a receipt older than the bound is entered now; required for one,
  // recorded in its event, ignored for a receipt within the bound.
  std::string late_entry_reason;
  ReceiptPolicy policy;  // filled by the server
};
struct HandOverAction {
  std::string to_step;  // optional: default is the next step of the procedure
  std::string to_unit;  // optional: default is the step's unit
  std::string note;
};
struct RequestSupplementAction {
  std::vector<std::string> missing;  // what is missing, at least one entry
};
struct ReceiveSupplementAction {};
struct RequestFinancialObligationAction {
  std::string description;
};
struct ConfirmFinancialObligationAction {};
struct StopAction {
  std::string reason;
};
struct ResumeAction {};
struct ApologiseAction {
  std::string reason;
  absl::Time new_appointment;
};
struct ResolveAction {
  std::string result;
};
struct ReturnResultAction {};
struct RejectAction {
  std::string reason;
};
struct WithdrawAction {
  std::string reason;
};
// Internal: the deadline scheduler's. Appends an event for every threshold
// of the dossier's and its step's ladders that is due at `now` and not yet
// reached; nothing when none is.
struct ReachThresholdsAction {};
// Internal: after the rules changed (a holiday announced late, an edited
// ladder), computes the dossier's due times and escalation schedule again
// and records any change; nothing when nothing changed.
struct RecomputeDueAction {
  std::string reason;
};

using Action =
    std::variant<SubmitAction, HandOverAction, RequestSupplementAction,
                 ReceiveSupplementAction, RequestFinancialObligationAction,
                 ConfirmFinancialObligationAction, StopAction, ResumeAction,
                 ApologiseAction, ResolveAction, ReturnResultAction,
                 RejectAction, WithdrawAction, ReachThresholdsAction,
                 RecomputeDueAction>;

// "submit", "hand_over", "request_supplement", ...
absl::string_view ActionName(const Action& action);
// The type of the event an action appends last ("received" for "submit",
// "result_returned" for "return_result", ...): what the log keeps of a
// command. Empty for the internal actions, whose events vary.
absl::string_view ActionEventTypeName(const Action& action);
// The action whose last event has type `type`; empty when no caller's
// action appends it (thresholds, due time changes).
absl::string_view ActionNameOfEventType(absl::string_view type);

// NOT_FOUND "dossier <code> not found": the one answer for a code that names
// no dossier, and for a dossier the caller may not see (so that the answer
// does not tell the two apart).
absl::Status DossierNotFoundError(absl::string_view code);
// ALREADY_EXISTS "dossier <code> already exists with different content": a
// submission under a code that names another dossier.
absl::Status DossierExistsError(absl::string_view code);
// The name of the Action alternative at `index`; empty beyond the last.
absl::string_view ActionNameAt(size_t index);

struct Command {
  std::string dossier_code;
  Action action;
  std::string actor;  // the authenticated caller
};

// ---------------------------------------------------------------------------
// Events: what was decided. Each carries every decided value (due times
// included), so that applying it needs neither rules nor a calendar.

// The start of a step: who holds the dossier and until when.
struct StepStart {
  std::string step_id;
  std::string unit;
  absl::Time due_at;
};

// The end of the step that was open.
struct StepEnd {
  absl::Duration used = absl::ZeroDuration();
  bool late = false;
};

struct ReceivedEvent {
  std::string procedure_code;
  absl::CivilDay procedure_effective_from;
  std::string agency;
  std::string field;
  Channel channel = Channel::kInPerson;
  std::string calendar;
  std::string summary;
  absl::Time received_at;
  absl::Time clock_started_at;
  absl::Time due_at;
  std::string submission_fingerprint;
  std::optional<StepStart> first_step;
  // Set when the receipt was entered beyond the backdating bound.
  std::optional<EnteredLate> entered_late;
};
struct HandedOverEvent {
  std::optional<StepEnd> ended;  // the step that was open, if any
  StepStart next;
  std::string note;
};
struct SupplementRequestedEvent {
  std::vector<std::string> missing;
};
// Ends a pause. With a restart the clock counts again from
// clock_started_at; with a pause the time left is kept.
struct PauseEndedEvent {
  PauseReason reason = PauseReason::kSupplement;
  bool restarted = false;
  absl::Duration paused = absl::ZeroDuration();  // working time paused
  absl::Time clock_started_at;                   // meaningful when restarted
  absl::Time due_at;
  std::optional<absl::Time> step_due_at;
};
struct FinancialObligationRequestedEvent {
  std::string description;
};
struct StoppedEvent {
  std::string reason;
};
struct ApologisedEvent {
  std::string reason;
  absl::Time new_appointment;
};
struct ResolvedEvent {
  Classification classification = Classification::kUnclassified;
  std::optional<StepEnd> ended;
  std::string result;
};
struct ResultReturnedEvent {};
struct RejectedEvent {
  std::optional<StepEnd> ended;
  std::string reason;
};
struct WithdrawnEvent {
  std::optional<StepEnd> ended;
  std::string reason;
};

// Which deadline an escalation threshold runs against. Stored.
enum class ThresholdTarget : int32_t {
  kDossier = 0,  // the dossier's due time (or its apology's appointment)
  kStep = 1,     // the open step's due time
};

// A threshold of an escalation ladder was reached.
struct ThresholdReachedEvent {
  ThresholdTarget target = ThresholdTarget::kDossier;
  int index = 0;  // the threshold's position in the ladder
  std::string ladder;
  ThresholdEvent kind = ThresholdEvent::kDeadlineApproaching;
  int level = 0;
  std::vector<std::string> notify_roles;
  std::vector<std::string> notify_units;
  absl::Time due_at;    // when the threshold fell due; the event's
                        // occurred_at is when it was recorded
  absl::Time deadline;  // the due time the threshold counts against
  std::string step_id;  // the open step, if any
  std::string unit;     // the unit holding the dossier
};

// The due times were computed again under changed rules.
struct DueTimeChangedEvent {
  std::string reason;
  absl::Time old_due_at;
  absl::Time new_due_at;
  std::optional<absl::Time> old_step_due_at;  // with an open step
  std::optional<absl::Time> new_step_due_at;
};

using EventBody =
    std::variant<ReceivedEvent, HandedOverEvent, SupplementRequestedEvent,
                 PauseEndedEvent, FinancialObligationRequestedEvent,
                 StoppedEvent, ApologisedEvent, ResolvedEvent,
                 ResultReturnedEvent, RejectedEvent, WithdrawnEvent,
                 ThresholdReachedEvent, DueTimeChangedEvent>;

// The stored event type: "received", "handed_over", "supplement_requested",
// "supplement_received", "financial_obligation_requested",
// "financial_obligation_confirmed", "stopped", "resumed", "apologised",
// "resolved", "result_returned", "rejected", "withdrawn",
// "deadline_approaching", "overdue", "step_overdue", "escalated",
// "due_time_changed".
std::string EventTypeName(const EventBody& body);

// Every name EventTypeName gives, in the order above: what a subscriber or
// a webhook may filter on.
const std::vector<std::string>& EventTypeNames();
bool IsEventTypeName(absl::string_view name);

// The escalation thresholds to watch after an event: what the watch of the
// dossier and of its open step expect next. Decided with the rules, carried
// by the event, so that the projections need no rules.
struct Schedule {
  std::optional<PendingThreshold> dossier;
  std::optional<PendingThreshold> step;

  friend bool operator==(const Schedule&, const Schedule&) = default;
};

struct Event {
  std::string dossier_code;
  int64_t dossier_version = 0;  // 1 for the receipt
  absl::Time occurred_at;
  std::string actor;
  std::string rule_version;
  EventBody body;
  // Set on every event the engine decides; absent in logs written before
  // deadlines were watched.
  std::optional<Schedule> schedule;
};

// ---------------------------------------------------------------------------

// Decides what `command` does to `dossier` (null when no dossier has that
// code) at `now`, under `rules`. Returns the events to append, or:
// INVALID_ARGUMENT naming the field of a malformed command (an unknown
// procedure code included); NOT_FOUND for an unknown dossier;
// FAILED_PRECONDITION naming the state and the action when the lifecycle does
// not allow it; OUT_OF_RANGE when a calendar does not cover the dates. Every
// event carries the escalation schedule that follows it; a caller's command on
// an existing dossier first appends the escalation thresholds already due at
// `now` and not yet reached (actor kSchedulerActor), then its own events. Pure:
// reads nothing but its arguments.
absl::StatusOr<std::vector<Event>> Decide(const Dossier* dossier,
                                          const Command& command,
                                          const RuleSet& rules, absl::Time now);

// Applies one event. The first event of a dossier must be a ReceivedEvent
// applied to a default Dossier. Returns INTERNAL when the event does not fit
// the state (a corrupt log): replay reports it, it does not crash.
absl::Status Apply(Dossier& dossier, const Event& event);

// How the open step of a dossier stands at an instant, counted as the
// engine counts it when the step ends.
struct StepStanding {
  // Working time since the step's clock start, pauses left out; a step of a
  // paused dossier stopped counting when the pause began.
  absl::Duration used = absl::ZeroDuration();
  // Counted past the step's due time (strictly: a step that ends exactly at
  // its due time is on time). Never for a step without a budget.
  bool late = false;
  // Working time left before the step's due time, negative when late;
  // nullopt for a step without a budget (StepRecord::has_budget).
  std::optional<absl::Duration> left;
};

// The open step of `dossier` at `now` in `calendar` (the dossier's). The one
// place where a step's lateness is decided: the engine ends steps with it
// and the services show open steps with it. Nullopt when no step is open;
// OUT_OF_RANGE when the calendar does not cover the dates.
absl::StatusOr<std::optional<StepStanding>> OpenStepStanding(
    const Dossier& dossier, const Calendar& calendar, absl::Time now);
// How far a dossier stands from its due time at `now`, counted up to the
// start of a pause under way (a paused dossier's time left stands still).
// OUT_OF_RANGE when the calendar does not cover the times.
absl::StatusOr<TimeLeft> TimeLeftOf(const Dossier& dossier,
                                    const Calendar& calendar, absl::Time now);

// The provisional days of `calendar` the dossier's due time rests on: from
// its receipt's day to its due day (Calendar::ProvisionalDays).
std::vector<absl::CivilDay> ProvisionalDaysOf(const Dossier& dossier,
                                              const Calendar& calendar);

// The actor of the events the deadline scheduler appends.
inline constexpr absl::string_view kSchedulerActor = "motcua-scheduler";

// The fingerprint of a submission's content, compared when the same dossier
// code is submitted again.
std::string SubmissionFingerprint(const std::string& dossier_code,
                                  const SubmitAction& submit);

}  // namespace motcua

#endif  // MOTCUA_ENGINE_LIFECYCLE_H_
