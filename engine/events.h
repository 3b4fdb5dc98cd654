#ifndef MOTCUA_ENGINE_EVENTS_H_
#define MOTCUA_ENGINE_EVENTS_H_

// The events Decide (engine/lifecycle.h) appends to a dossier's log, and
// their stored type names.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/dossier.h"
#include "engine/rules.h"

namespace motcua {

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

// The receipt: what the dossier pins for its whole life (a Receipt), and
// the due times decided from it.
struct ReceivedEvent : Receipt {
  absl::Time clock_started_at;
  absl::Time due_at;
  std::optional<StepStart> first_step;

  const Receipt& receipt() const { return *this; }
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

// The stored event types, in the order of their names in kEventTypeNames.
// An EventBody alternative has one type, but for PauseEndedEvent (by its
// reason) and ThresholdReachedEvent (by its kind and target).
enum class EventType {
  kReceived,
  kHandedOver,
  kSupplementRequested,
  kSupplementReceived,
  kFinancialObligationRequested,
  kFinancialObligationConfirmed,
  kStopped,
  kResumed,
  kApologised,
  kResolved,
  kResultReturned,
  kRejected,
  kWithdrawn,
  kDeadlineApproaching,
  kOverdue,
  kStepOverdue,
  kEscalated,
  kDueTimeChanged,
};

// The stored name of each EventType, indexed by it: the one list of names,
// what the log stores and what a subscriber or a webhook may filter on.
inline constexpr absl::string_view kEventTypeNames[] = {
    "received",
    "handed_over",
    "supplement_requested",
    "supplement_received",
    "financial_obligation_requested",
    "financial_obligation_confirmed",
    "stopped",
    "resumed",
    "apologised",
    "resolved",
    "result_returned",
    "rejected",
    "withdrawn",
    "deadline_approaching",
    "overdue",
    "step_overdue",
    "escalated",
    "due_time_changed",
};
static_assert(std::size(kEventTypeNames) ==
                  static_cast<size_t>(EventType::kDueTimeChanged) + 1,
              "every EventType has a name");

constexpr absl::string_view EventTypeNameOf(EventType type) {
  return kEventTypeNames[static_cast<size_t>(type)];
}

EventType EventTypeOf(const EventBody& body);
// The stored event type of `body`: EventTypeNameOf(EventTypeOf(body)).
std::string EventTypeName(const EventBody& body);

// Every name of kEventTypeNames, in its order.
const std::vector<std::string>& EventTypeNames();
// Whether `name` is one of kEventTypeNames.
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

}  // namespace motcua

#endif  // MOTCUA_ENGINE_EVENTS_H_
