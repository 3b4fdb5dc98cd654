#include "engine/escalation.h"

namespace motcua {
namespace {

const ThresholdWatch& WatchOf(const Dossier& dossier, ThresholdTarget target) {
  return target == ThresholdTarget::kDossier ? dossier.dossier_watch
                                             : dossier.step_watch;
}

std::optional<PendingThreshold> NextOf(const Dossier& dossier,
                                       ThresholdTarget target,
                                       const EscalationLadder& ladder,
                                       const Calendar& calendar) {
  std::optional<WatchedDeadline> deadline = WatchedDeadlineOf(dossier, target);
  if (!deadline.has_value()) return std::nullopt;
  const ThresholdWatch& watch = WatchOf(dossier, target);
  std::optional<PendingThreshold> next;
  const int count = static_cast<int>(
      std::min(ladder.thresholds.size(), kMaxLadderThresholds));
  for (int index = 0; index < count; ++index) {
    if (watch.Reached(index)) continue;
    absl::StatusOr<absl::Time> at =
        ThresholdInstant(calendar, ladder.thresholds[index], *deadline);
    if (!at.ok()) continue;
    if (!next.has_value() || *at < next->at) {
      next = PendingThreshold{index, *at};
    }
  }
  return next;
}

}  // namespace

std::optional<WatchedDeadline> WatchedDeadlineOf(const Dossier& dossier,
                                                 ThresholdTarget target) {
  if (!ClockRuns(dossier.state)) return std::nullopt;
  if (target == ThresholdTarget::kDossier) {
    return WatchedDeadline{
        dossier.clock_started_at, dossier.due_at,
        dossier.apology_appointment.value_or(dossier.due_at),
        dossier.clock_paused};
  }
  const StepRecord* step = dossier.current_step();
  if (step == nullptr) return std::nullopt;
  return WatchedDeadline{step->counted_from, step->due_at, step->due_at,
                         step->paused};
}

absl::StatusOr<absl::Time> ThresholdInstant(
    const Calendar& calendar, const EscalationThreshold& threshold,
    const WatchedDeadline& deadline) {
  if (threshold.at.basis == ThresholdPoint::Basis::kRelativeToDue) {
    return ThresholdTime(calendar, threshold.at, deadline.start,
                         deadline.relative_to);
  }
  return ThresholdTime(calendar, threshold.at, deadline.start, deadline.due,
                       deadline.paused);
}

Schedule ComputeSchedule(const Dossier& dossier, const EscalationLadder& ladder,
                         const Calendar& calendar) {
  return Schedule{
      NextOf(dossier, ThresholdTarget::kDossier, ladder, calendar),
      NextOf(dossier, ThresholdTarget::kStep, ladder, calendar)};
}

}  // namespace motcua
