#ifndef MOTCUA_ENGINE_TRANSITIONS_H_
#define MOTCUA_ENGINE_TRANSITIONS_H_

// The transition table of the lifecycle (docs/lifecycle.md): for every
// action, its name, the states of the dossier it is allowed in and the type
// of the event it appends last. Decide refuses an action outside its states;
// Apply refuses (as a corrupt log) an event whose action would have been
// refused. One table, so that the two cannot disagree, checked by the
// compiler against the Action variant.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>

#include "absl/strings/string_view.h"
#include "engine/commands.h"
#include "engine/dossier.h"
#include "engine/events.h"

namespace motcua {

// A set of lifecycle states.
class StateSet {
 public:
  constexpr StateSet() = default;
  constexpr StateSet(std::initializer_list<LifecycleState> states) {
    for (LifecycleState state : states) bits_ |= Bit(state);
  }

  constexpr bool Contains(LifecycleState state) const {
    return (bits_ & Bit(state)) != 0;
  }
  constexpr bool empty() const { return bits_ == 0; }

  // "RECEIVED or PROCESSING", in the order of kAllLifecycleStates.
  std::string ToString() const;

 private:
  static constexpr uint32_t Bit(LifecycleState state) {
    return uint32_t{1} << static_cast<int>(state);
  }
  uint32_t bits_ = 0;
};

// The states in which a dossier is not closed: what apologise, reject and
// withdraw accept.
inline constexpr StateSet kOpenStates = {
    LifecycleState::kReceived, LifecycleState::kProcessing,
    LifecycleState::kSupplementRequested,
    LifecycleState::kAwaitingFinancialObligation, LifecycleState::kStopped};
// The states in which the clock counts (ClockRuns).
inline constexpr StateSet kRunningStates = {LifecycleState::kReceived,
                                            LifecycleState::kProcessing};

// One row of the table.
struct Transition {
  // The index of the action's alternative in Action: the row's own, checked
  // below.
  size_t action_index;
  absl::string_view action;
  // The states the action is allowed in. Empty for submit, which is allowed
  // only where no dossier exists.
  StateSet from;
  // The type of the event a caller's action appends last; nullopt for the
  // internal actions, whose events vary (a threshold's type is its kind).
  std::optional<EventType> event;
};

namespace transitions_internal {

template <typename T, typename Variant>
struct IndexIn;
template <typename T, typename... Ts>
struct IndexIn<T, std::variant<Ts...>> {
  static constexpr size_t value = [] {
    constexpr bool kIs[] = {std::is_same_v<T, Ts>...};
    for (size_t i = 0; i < sizeof...(Ts); ++i) {
      if (kIs[i]) return i;
    }
    return sizeof...(Ts);
  }();
};

template <typename A>
constexpr Transition Row(absl::string_view name, StateSet from,
                         std::optional<EventType> event) {
  return Transition{IndexIn<A, Action>::value, name, from, event};
}

}  // namespace transitions_internal

// Every action, in the order of the Action variant.
inline constexpr Transition kTransitions[] = {
    transitions_internal::Row<SubmitAction>("submit", {}, EventType::kReceived),
    transitions_internal::Row<HandOverAction>("hand_over", kRunningStates,
                                              EventType::kHandedOver),
    transitions_internal::Row<RequestSupplementAction>(
        "request_supplement", kRunningStates, EventType::kSupplementRequested),
    transitions_internal::Row<ReceiveSupplementAction>(
        "receive_supplement", {LifecycleState::kSupplementRequested},
        EventType::kSupplementReceived),
    transitions_internal::Row<RequestFinancialObligationAction>(
        "request_financial_obligation", kRunningStates,
        EventType::kFinancialObligationRequested),
    transitions_internal::Row<ConfirmFinancialObligationAction>(
        "confirm_financial_obligation",
        {LifecycleState::kAwaitingFinancialObligation},
        EventType::kFinancialObligationConfirmed),
    transitions_internal::Row<StopAction>("stop", kRunningStates,
                                          EventType::kStopped),
    transitions_internal::Row<ResumeAction>(
        "resume", {LifecycleState::kStopped}, EventType::kResumed),
    transitions_internal::Row<ApologiseAction>("apologise", kOpenStates,
                                               EventType::kApologised),
    transitions_internal::Row<ResolveAction>("resolve", kRunningStates,
                                             EventType::kResolved),
    transitions_internal::Row<ReturnResultAction>("return_result",
                                                  {LifecycleState::kResolved},
                                                  EventType::kResultReturned),
    transitions_internal::Row<RejectAction>("reject", kOpenStates,
                                            EventType::kRejected),
    transitions_internal::Row<WithdrawAction>("withdraw", kOpenStates,
                                              EventType::kWithdrawn),
    // Thresholds are reached only while the clock counts; due times are
    // recomputed while the dossier is open. Elsewhere both decide nothing
    // (they are the engine's own, never refused).
    transitions_internal::Row<ReachThresholdsAction>(
        "reach_thresholds", kRunningStates, std::nullopt),
    transitions_internal::Row<RecomputeDueAction>("recompute_due", kOpenStates,
                                                  std::nullopt),
};

namespace transitions_internal {

constexpr bool RowsFollowTheVariant() {
  for (size_t i = 0; i < std::size(kTransitions); ++i) {
    if (kTransitions[i].action_index != i) return false;
  }
  return true;
}

constexpr bool NamesAndEventsAreDistinct() {
  for (size_t i = 0; i < std::size(kTransitions); ++i) {
    if (kTransitions[i].action.empty()) return false;
    for (size_t j = i + 1; j < std::size(kTransitions); ++j) {
      if (kTransitions[i].action == kTransitions[j].action) return false;
      if (kTransitions[i].event.has_value() &&
          kTransitions[i].event == kTransitions[j].event) {
        return false;
      }
    }
  }
  return true;
}

// Only submit starts from no state: every other action needs a dossier.
constexpr bool OnlySubmitStartsFromNothing() {
  for (const Transition& row : kTransitions) {
    if (row.from.empty() != (row.action_index == 0)) return false;
  }
  return true;
}

}  // namespace transitions_internal

static_assert(std::size(kTransitions) == std::variant_size_v<Action>,
              "every action has a row in kTransitions");
static_assert(transitions_internal::RowsFollowTheVariant(),
              "kTransitions lists the actions in the order of Action");
static_assert(transitions_internal::NamesAndEventsAreDistinct(),
              "each action has its own name and its own last event");
static_assert(transitions_internal::OnlySubmitStartsFromNothing(),
              "submit alone needs no dossier; every other action needs one");
static_assert(
    std::is_same_v<std::variant_alternative_t<0, Action>, SubmitAction>);

// The row of `action`.
inline const Transition& TransitionOf(const Action& action) {
  return kTransitions[action.index()];
}
// The row of the action of type A.
template <typename A>
constexpr const Transition& TransitionFor() {
  return kTransitions[transitions_internal::IndexIn<A, Action>::value];
}

// The row of the action a stored event belongs to: the caller's action
// whose last event has its type, or the internal action that appends it
// (reach_thresholds for a threshold, recompute_due for a due time change).
const Transition& TransitionOfEvent(const EventBody& body);

}  // namespace motcua

#endif  // MOTCUA_ENGINE_TRANSITIONS_H_
