#ifndef MOTCUA_ENGINE_ESCALATION_H_
#define MOTCUA_ENGINE_ESCALATION_H_

// Escalation ladders as they run against a dossier's deadlines: when each
// threshold is reached, and which one a dossier waits for next.

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/calendar.h"
#include "engine/dossier.h"
#include "engine/lifecycle.h"
#include "engine/rules.h"

namespace motcua {

// The deadline a ladder runs against.
struct WatchedDeadline {
  absl::Time start;        // where the clock counts from
  absl::Time due;          // the due time: shares count up to it
  absl::Time relative_to;  // what "due ± offset" counts from
  absl::Duration paused = absl::ZeroDuration();  // paused since `start`
};

// The dossier's deadline (an apology's appointment replaces the due time
// for the thresholds relative to it; shares keep counting to the legal due
// time) or its open step's. Nullopt while the clock does not run, or for a
// step when none is open or it has no budget (a unit outside the steps).
std::optional<WatchedDeadline> WatchedDeadlineOf(const Dossier& dossier,
                                                 ThresholdTarget target);

// When `threshold` is reached against `deadline`.
absl::StatusOr<absl::Time> ThresholdInstant(
    const Calendar& calendar, const EscalationThreshold& threshold,
    const WatchedDeadline& deadline);

// The next threshold of `ladder` each watch of `dossier` waits for: the
// earliest not yet reached (ties go to the first in the ladder). A threshold
// whose instant the calendar cannot compute (beyond its covered days) is
// left out until the calendar covers it.
Schedule ComputeSchedule(const Dossier& dossier, const EscalationLadder& ladder,
                         const Calendar& calendar);

// What a change of the rules means for open dossiers' due times and
// schedules: from which instant on they may differ, and why.
struct RuleChange {
  absl::Time from = absl::InfiniteFuture();  // nothing differs
  std::string reason;
  bool affects_dossiers() const { return from != absl::InfiniteFuture(); }
};

// Compares every calendar (the first local day whose working periods
// differ, or that only one of them covers) and every escalation ladder (an
// edited ladder changes schedules from any time) of `before` and `after`.
RuleChange CompareRules(const RuleSet& before, const RuleSet& after);

}  // namespace motcua

#endif  // MOTCUA_ENGINE_ESCALATION_H_
