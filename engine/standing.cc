#include "engine/standing.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/status_macros.h"
#include "engine/time_format.h"

namespace motcua {

absl::StatusOr<PinnedRules> PinnedRulesOf(const Dossier& dossier,
                                          const RuleSet& rules) {
  const ProcedureVersion* procedure = rules.FindProcedureVersion(
      dossier.procedure_code, dossier.procedure_effective_from);
  if (procedure == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the rules in force no longer hold procedure ", dossier.procedure_code,
        " in its version from ", FormatDay(dossier.procedure_effective_from),
        ", under which dossier ", dossier.code, " was received"));
  }
  return PinnedRules{procedure, procedure->calendar};
}

const Calendar* CalendarOf(const Dossier& dossier, const RuleSet& rules) {
  absl::StatusOr<PinnedRules> pinned = PinnedRulesOf(dossier, rules);
  if (pinned.ok() && pinned->calendar != nullptr) return pinned->calendar;
  // Its version gone, a dossier is still shown in the calendar it was
  // received under, when that calendar remains.
  return rules.FindCalendar(dossier.calendar);
}

const ProcedureStep* OpenStepDefinition(const Dossier& dossier,
                                        const RuleSet& rules) {
  const StepRecord* step = dossier.current_step();
  if (step == nullptr || !step->has_budget()) return nullptr;
  const ProcedureVersion* procedure = rules.FindProcedureVersion(
      dossier.procedure_code, dossier.procedure_effective_from);
  if (procedure == nullptr) return nullptr;
  for (const ProcedureStep& definition : procedure->steps) {
    if (definition.id == step->step_id) return &definition;
  }
  return nullptr;
}

absl::StatusOr<std::optional<StepStanding>> OpenStepStanding(
    const Dossier& dossier, const Calendar& calendar, absl::Time now) {
  const StepRecord* step = dossier.current_step();
  if (step == nullptr) return std::optional<StepStanding>();
  // A paused dossier's step stopped counting when the pause began.
  const absl::Time counted_until =
      dossier.paused_since.has_value() ? *dossier.paused_since : now;
  ASSIGN_OR_RETURN(
      const absl::Duration elapsed,
      calendar.WorkingTimeBetween(step->counted_from, counted_until));
  StepStanding standing;
  standing.used = std::max(absl::ZeroDuration(), elapsed - step->paused);
  if (step->has_budget()) {
    standing.late = counted_until > step->due_at;
    ASSIGN_OR_RETURN(standing.left,
                     TimeLeftUntil(calendar, counted_until, step->due_at));
  }
  return std::optional<StepStanding>(standing);
}

absl::StatusOr<TimeLeft> TimeLeftOf(const Dossier& dossier,
                                    const Calendar& calendar, absl::Time now) {
  const absl::Time counted_until =
      dossier.paused_since.has_value() ? *dossier.paused_since : now;
  return TimeLeftUntil(calendar, counted_until, dossier.due_at);
}

std::optional<TimeLeft> DueTimeLeft(const Dossier& dossier, DueTimeOf due,
                                    const Calendar* calendar, absl::Time now) {
  absl::Time due_at = dossier.due_at;
  if (due == DueTimeOf::kOpenStep) {
    const StepRecord* step = dossier.current_step();
    if (step == nullptr) return std::nullopt;
    due_at = step->due_at;
    if (calendar != nullptr) {
      absl::StatusOr<std::optional<StepStanding>> standing =
          OpenStepStanding(dossier, *calendar, now);
      if (standing.ok() && standing->has_value() && (*standing)->left) {
        return (*standing)->left;
      }
    }
  } else if (calendar != nullptr) {
    absl::StatusOr<TimeLeft> left = TimeLeftOf(dossier, *calendar, now);
    if (left.ok()) return *left;
  }
  // Nothing counts working time: the calendar time is all there is to say.
  return TimeLeft{due_at - now, due_at - now};
}

std::vector<absl::CivilDay> ProvisionalDaysOf(const Dossier& dossier,
                                              const Calendar& calendar) {
  return ProvisionalDaysOf(calendar, dossier.received_at, dossier.due_at);
}

std::array<absl::Duration, kPauseReasonCount> PausedByReasonAt(
    const Dossier& dossier, const Calendar& calendar, absl::Time now) {
  std::array<absl::Duration, kPauseReasonCount> paused =
      dossier.paused_by_reason;
  if (dossier.paused_since.has_value()) {
    absl::StatusOr<absl::Duration> running =
        calendar.WorkingTimeBetween(*dossier.paused_since, now);
    if (running.ok()) {
      paused[static_cast<int>(dossier.pause_reason)] +=
          std::max(absl::ZeroDuration(), *running);
    }
  }
  return paused;
}

}  // namespace motcua
