#ifndef MOTCUA_ENGINE_STANDING_H_
#define MOTCUA_ENGINE_STANDING_H_

// How a dossier stands at an instant: the rules it is handled under, the
// time its open step used, the time it has left, the time it spent paused.
// Computed here once: the engine decides with these answers and the services
// show them.

#include <array>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/calendar.h"
#include "engine/dossier.h"
#include "engine/rules.h"
#include "engine/time_limit.h"

namespace motcua {

// The rules a dossier was received under: its pinned procedure version,
// with the calendar as the rules in force now define it (a holiday added
// late counts for decisions made after it was added).
struct PinnedRules {
  const ProcedureVersion* procedure = nullptr;
  const Calendar* calendar = nullptr;
};

// The pinned rules of `dossier` in `rules`. FAILED_PRECONDITION when the
// rules no longer hold its procedure version.
absl::StatusOr<PinnedRules> PinnedRulesOf(const Dossier& dossier,
                                          const RuleSet& rules);

// The calendar a dossier's times are counted in: that of its pinned
// procedure version in `rules`, else (its version gone from the rules) the
// calendar it was received under when `rules` still holds it; null when
// neither is there.
const Calendar* CalendarOf(const Dossier& dossier, const RuleSet& rules);

// The definition of the open step in the dossier's pinned procedure
// version; null without an open step, for a unit outside the steps, or when
// the version is gone from `rules`.
const ProcedureStep* OpenStepDefinition(const Dossier& dossier,
                                        const RuleSet& rules);

// How the open step of a dossier stands at an instant, counted as the
// engine counts it when the step ends.
struct StepStanding {
  // Working time since the step's clock start, pauses left out; a step of a
  // paused dossier stopped counting when the pause began.
  absl::Duration used = absl::ZeroDuration();
  // Counted past the step's due time (strictly: a step that ends exactly at
  // its due time is on time). Never for a step without a budget.
  bool late = false;
  // Working and calendar time left before the step's due time, negative
  // when late; nullopt for a step without a budget (StepRecord::has_budget).
  std::optional<TimeLeft> left;
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

// Which due time of a dossier a deadline is: its own, or its open step's.
enum class DueTimeOf { kDossier, kOpenStep };

// How far a dossier stands from one of its due times at `now`: TimeLeftOf
// for its own, OpenStepStanding's `left` for its open step's (both counted
// up to the start of a pause under way). Where working time cannot be
// counted (no calendar, one that does not cover the times, a step without a
// budget) both are the calendar time from `now` to the due time. Nullopt
// for kOpenStep without an open step.
std::optional<TimeLeft> DueTimeLeft(const Dossier& dossier, DueTimeOf due,
                                    const Calendar* calendar, absl::Time now);

// The provisional days of `calendar` the dossier's due time rests on: from
// its receipt's day to its due day (Calendar::ProvisionalDays).
std::vector<absl::CivilDay> ProvisionalDaysOf(const Dossier& dossier,
                                              const Calendar& calendar);

// The working time the dossier spent paused for each reason up to `now`
// (indexed by PauseReason), the pause under way included. A pause under way
// that the calendar does not cover counts what was recorded before it.
std::array<absl::Duration, kPauseReasonCount> PausedByReasonAt(
    const Dossier& dossier, const Calendar& calendar, absl::Time now);

}  // namespace motcua

#endif  // MOTCUA_ENGINE_STANDING_H_
