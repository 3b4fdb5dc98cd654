#include "engine/escalation.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/time_format.h"

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
    // An appointment made before a pause can fall before the due time the
    // pause moved: the later of the two.
    return WatchedDeadline{
        dossier.clock_started_at, dossier.due_at,
        std::max(dossier.apology_appointment.value_or(dossier.due_at),
                 dossier.due_at),
        dossier.clock_paused};
  }
  // A unit outside the procedure's steps has no budget of its own: the
  // dossier's watch covers its time.
  const StepRecord* step = dossier.current_step();
  if (step == nullptr || !step->has_budget()) return std::nullopt;
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
  return Schedule{NextOf(dossier, ThresholdTarget::kDossier, ladder, calendar),
                  NextOf(dossier, ThresholdTarget::kStep, ladder, calendar)};
}

namespace {

// The first local day both calendars cover on which they differ.
std::optional<absl::CivilDay> FirstDifferingDay(const Calendar& a,
                                                const Calendar& b) {
  const absl::CivilDay first = std::min(a.spec().first_day, b.spec().first_day);
  const absl::CivilDay last = std::max(a.spec().last_day, b.spec().last_day);
  for (absl::CivilDay day = first; day <= last; ++day) {
    if (!a.Covers(day) || !b.Covers(day)) continue;  // a range change
    const absl::Span<const WorkingPeriod> pa = a.PeriodsOf(day);
    const absl::Span<const WorkingPeriod> pb = b.PeriodsOf(day);
    if (!std::equal(pa.begin(), pa.end(), pb.begin(), pb.end())) return day;
  }
  return std::nullopt;
}

bool SameThreshold(const EscalationThreshold& a, const EscalationThreshold& b) {
  return a.at.ToString() == b.at.ToString() && a.event == b.event &&
         a.level == b.level && a.notify_roles == b.notify_roles &&
         a.notify_units == b.notify_units;
}

bool SameLadder(const EscalationLadder& a, const EscalationLadder& b) {
  return std::equal(a.thresholds.begin(), a.thresholds.end(),
                    b.thresholds.begin(), b.thresholds.end(), SameThreshold);
}

}  // namespace

RuleChange CompareRules(const RuleSet& before, const RuleSet& after) {
  RuleChange change;
  std::vector<std::string> reasons;
  for (const auto& [name, calendar] : after.calendars()) {
    const Calendar* old_calendar = before.FindCalendar(name);
    if (old_calendar == nullptr) continue;  // new: no dossier uses it yet
    if (old_calendar->spec().utc_offset_seconds !=
        calendar.spec().utc_offset_seconds) {
      change.from = absl::InfinitePast();
      reasons.push_back(absl::StrCat("calendar ", name, " changed its offset"));
      continue;
    }
    if (old_calendar->spec().first_day != calendar.spec().first_day ||
        old_calendar->spec().last_day != calendar.spec().last_day) {
      // Thresholds the old range could not place (beyond its last day) have
      // no row to find them by: recompute every open dossier.
      change.from = absl::InfinitePast();
      reasons.push_back(absl::StrCat("calendar ", name, " now covers ",
                                     FormatDay(calendar.spec().first_day),
                                     " to ",
                                     FormatDay(calendar.spec().last_day)));
    }
    std::optional<absl::CivilDay> day =
        FirstDifferingDay(*old_calendar, calendar);
    if (!day.has_value()) continue;
    change.from =
        std::min(change.from, calendar.FromLocal(absl::CivilSecond(*day)));
    reasons.push_back(
        absl::StrCat("calendar ", name, " changed from ", FormatDay(*day)));
  }
  for (const auto& [name, ladder] : after.ladders()) {
    const EscalationLadder* old_ladder = before.FindLadder(name);
    if (old_ladder == nullptr || SameLadder(*old_ladder, ladder)) continue;
    change.from = absl::InfinitePast();
    reasons.push_back(absl::StrCat("escalation ladder ", name, " changed"));
  }
  change.reason = absl::StrJoin(reasons, "; ");
  return change;
}

}  // namespace motcua
