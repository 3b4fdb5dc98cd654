#ifndef MOTCUA_ENGINE_LIFECYCLE_INTERNAL_H_
#define MOTCUA_ENGINE_LIFECYCLE_INTERNAL_H_

// What the files of the lifecycle (decide.cc, thresholds.cc, apply.cc)
// share. Not for use outside engine/.

#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/lifecycle.h"

namespace motcua::lifecycle_internal {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// FAILED_PRECONDITION naming the state and the action unless the dossier is
// in one of the states kTransitions allows the action in.
absl::Status RequireState(const Dossier& dossier, const Action& action);

// A new event of `command` on `dossier` (null for a new dossier) at `now`.
Event MakeEvent(const Dossier* dossier, const Command& command,
                const RuleSet& rules, absl::Time now, EventBody body);

// One event, as Decide returns it.
std::vector<Event> One(const Dossier* dossier, const Command& command,
                       const RuleSet& rules, absl::Time now, EventBody body);

// The escalation schedule the dossier holds (its watches' next thresholds).
Schedule StoredSchedule(const Dossier& dossier);

// Decides a command on an existing dossier, without first reaching the
// thresholds already due (decide.cc).
absl::StatusOr<std::vector<Event>> DecideExisting(const Dossier& dossier,
                                                  const Command& command,
                                                  const RuleSet& rules,
                                                  absl::Time now);

// Appends an event for each threshold due at `now`. With
// `record_schedule_change`, when none is due but the rules moved the next
// ones, records the new schedule (thresholds.cc).
enum class ScheduleChange { kIgnore, kRecord };
absl::StatusOr<std::vector<Event>> DecideReachThresholds(
    const Dossier& dossier, const Command& command, const RuleSet& rules,
    absl::Time now, ScheduleChange schedule_change);

// The due times of an open dossier computed again under `rules`
// (thresholds.cc).
absl::StatusOr<std::vector<Event>> DecideRecomputeDue(
    const Dossier& dossier, const Command& command,
    const RecomputeDueAction& action, const RuleSet& rules, absl::Time now);

// A caller's command on an existing dossier, after the thresholds that fell
// due before it (thresholds.cc).
absl::StatusOr<std::vector<Event>> DecideAfterDueThresholds(
    const Dossier& dossier, const Command& command, const RuleSet& rules,
    absl::Time now);

// Sets on each event the escalation schedule that follows it
// (thresholds.cc).
absl::Status AttachSchedules(const Dossier* dossier, const RuleSet& rules,
                             std::vector<Event>& events);

}  // namespace motcua::lifecycle_internal

#endif  // MOTCUA_ENGINE_LIFECYCLE_INTERNAL_H_
