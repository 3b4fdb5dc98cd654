// The names of actions and event types, all read from the two tables
// (kTransitions in engine/transitions.h, kEventTypeNames in engine/events.h).

#include <iterator>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/str_join.h"
#include "engine/commands.h"
#include "engine/events.h"
#include "engine/lifecycle_internal.h"
#include "engine/transitions.h"

namespace motcua {

std::string StateSet::ToString() const {
  std::vector<absl::string_view> names;
  for (LifecycleState state : kAllLifecycleStates) {
    if (Contains(state)) names.push_back(LifecycleStateName(state));
  }
  return absl::StrJoin(names, " or ");
}

absl::string_view ActionNameAt(size_t index) {
  return index < std::size(kTransitions) ? kTransitions[index].action
                                         : absl::string_view();
}

absl::string_view ActionName(const Action& action) {
  return TransitionOf(action).action;
}

absl::string_view ActionEventTypeName(const Action& action) {
  const std::optional<EventType> type = TransitionOf(action).event;
  return type.has_value() ? EventTypeNameOf(*type) : absl::string_view();
}

absl::string_view ActionNameOfEventType(absl::string_view type) {
  for (const Transition& transition : kTransitions) {
    if (transition.event.has_value() &&
        EventTypeNameOf(*transition.event) == type) {
      return transition.action;
    }
  }
  return {};
}

EventType EventTypeOf(const EventBody& body) {
  using lifecycle_internal::Overloaded;
  return std::visit(
      Overloaded{
          [](const ReceivedEvent&) { return EventType::kReceived; },
          [](const HandedOverEvent&) { return EventType::kHandedOver; },
          [](const SupplementRequestedEvent&) {
            return EventType::kSupplementRequested;
          },
          [](const PauseEndedEvent& event) {
            switch (event.reason) {
              case PauseReason::kSupplement:
                return EventType::kSupplementReceived;
              case PauseReason::kFinancialObligation:
                return EventType::kFinancialObligationConfirmed;
              case PauseReason::kStopped:
                return EventType::kResumed;
            }
            return EventType::kResumed;
          },
          [](const FinancialObligationRequestedEvent&) {
            return EventType::kFinancialObligationRequested;
          },
          [](const StoppedEvent&) { return EventType::kStopped; },
          [](const ApologisedEvent&) { return EventType::kApologised; },
          [](const ResolvedEvent&) { return EventType::kResolved; },
          [](const ResultReturnedEvent&) { return EventType::kResultReturned; },
          [](const RejectedEvent&) { return EventType::kRejected; },
          [](const WithdrawnEvent&) { return EventType::kWithdrawn; },
          [](const ThresholdReachedEvent& event) {
            switch (event.kind) {
              case ThresholdEvent::kDeadlineApproaching:
                return EventType::kDeadlineApproaching;
              case ThresholdEvent::kOverdue:
                return event.target == ThresholdTarget::kStep
                           ? EventType::kStepOverdue
                           : EventType::kOverdue;
              case ThresholdEvent::kEscalated:
                return EventType::kEscalated;
            }
            return EventType::kEscalated;
          },
          [](const DueTimeChangedEvent&) { return EventType::kDueTimeChanged; },
      },
      body);
}

std::string EventTypeName(const EventBody& body) {
  return std::string(EventTypeNameOf(EventTypeOf(body)));
}

const std::vector<std::string>& EventTypeNames() {
  static const std::vector<std::string>* const kNames =
      new std::vector<std::string>(std::begin(kEventTypeNames),
                                   std::end(kEventTypeNames));
  return *kNames;
}

bool IsEventTypeName(absl::string_view name) {
  for (absl::string_view known : kEventTypeNames) {
    if (known == name) return true;
  }
  return false;
}

const Transition& TransitionOfEvent(const EventBody& body) {
  if (std::holds_alternative<ThresholdReachedEvent>(body)) {
    return TransitionFor<ReachThresholdsAction>();
  }
  if (std::holds_alternative<DueTimeChangedEvent>(body)) {
    return TransitionFor<RecomputeDueAction>();
  }
  const EventType type = EventTypeOf(body);
  for (const Transition& transition : kTransitions) {
    if (transition.event == type) return transition;
  }
  return kTransitions[0];  // unreachable: every other type has its action
}

}  // namespace motcua
