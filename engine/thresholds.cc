// The escalation thresholds a dossier reaches, the schedule of the next
// ones each event carries, and the due times computed again when the rules
// change.

#include <utility>
#include <variant>

#include "engine/escalation.h"
#include "engine/lifecycle.h"
#include "engine/lifecycle_internal.h"
#include "engine/status_macros.h"
#include "engine/time_limit.h"
#include "engine/transitions.h"

namespace motcua::lifecycle_internal {
namespace {

// The next threshold due at `now` of either watch: the earlier, the
// dossier's first on a tie.
std::optional<std::pair<ThresholdTarget, PendingThreshold>> DueThreshold(
    const Schedule& schedule, absl::Time now) {
  std::optional<std::pair<ThresholdTarget, PendingThreshold>> due;
  if (schedule.dossier.has_value() && schedule.dossier->at <= now) {
    due.emplace(ThresholdTarget::kDossier, *schedule.dossier);
  }
  if (schedule.step.has_value() && schedule.step->at <= now &&
      (!due.has_value() || schedule.step->at < due->second.at)) {
    due.emplace(ThresholdTarget::kStep, *schedule.step);
  }
  return due;
}

}  // namespace

Schedule StoredSchedule(const Dossier& dossier) {
  return Schedule{dossier.dossier_watch.next, dossier.step_watch.next};
}

absl::StatusOr<std::vector<Event>> DecideReachThresholds(
    const Dossier& dossier, const Command& command, const RuleSet& rules,
    absl::Time now, ScheduleChange schedule_change) {
  std::vector<Event> events;
  // Cancelled by a pause or an end.
  if (!TransitionFor<ReachThresholdsAction>().from.Contains(dossier.state)) {
    return events;
  }
  ASSIGN_OR_RETURN(const PinnedRules pinned, PinnedRulesOf(dossier, rules));
  const ProcedureVersion& procedure = *pinned.procedure;
  const Calendar& calendar = *pinned.calendar;
  const EscalationLadder& ladder = *procedure.ladder;

  Dossier state = dossier;
  const Schedule schedule = ComputeSchedule(dossier, ladder, calendar);
  // Each pass reaches one threshold; a ladder has at most 32 per watch.
  for (size_t pass = 0; pass < 2 * kMaxLadderThresholds; ++pass) {
    const auto due = DueThreshold(
        pass == 0 ? schedule : ComputeSchedule(state, ladder, calendar), now);
    if (!due.has_value()) break;
    const auto [target, pending] = *due;
    const EscalationThreshold& threshold = ladder.thresholds[pending.index];
    const StepRecord* step = state.current_step();
    ThresholdReachedEvent reached;
    reached.target = target;
    reached.index = pending.index;
    reached.ladder = ladder.name;
    reached.kind = threshold.event;
    reached.level = threshold.level;
    reached.notify_roles = threshold.notify_roles;
    reached.notify_units = threshold.notify_units;
    reached.due_at = pending.at;
    reached.deadline = target == ThresholdTarget::kDossier
                           ? state.due_at
                           : (step != nullptr ? step->due_at : state.due_at);
    if (step != nullptr) {
      reached.step_id = step->step_id;
      reached.unit = step->unit;
    }
    Event event = MakeEvent(&state, command, rules, now, std::move(reached));
    RETURN_IF_ERROR(Apply(state, event));
    events.push_back(std::move(event));
  }
  if (schedule_change == ScheduleChange::kRecord && events.empty() &&
      schedule != StoredSchedule(dossier)) {
    // Nothing is due, but the rules moved what comes next (an edited
    // ladder): record the new schedule, the due times unchanged.
    const StepRecord* step = dossier.current_step();
    DueTimeChangedEvent changed;
    changed.reason = "the escalation schedule changed with the rules";
    changed.old_due_at = changed.new_due_at = dossier.due_at;
    if (step != nullptr) {
      changed.old_step_due_at = changed.new_step_due_at = step->due_at;
    }
    events.push_back(
        MakeEvent(&dossier, command, rules, now, std::move(changed)));
  }
  return events;
}

// The due times of an open dossier computed from its clock start, as if the
// rules in force now had been in force from the start: the time limit from
// the clock start, moved by the working time paused since.
absl::StatusOr<std::vector<Event>> DecideRecomputeDue(
    const Dossier& dossier, const Command& command,
    const RecomputeDueAction& action, const RuleSet& rules, absl::Time now) {
  std::vector<Event> events;
  // A closed dossier keeps the due times it closed with.
  if (!TransitionFor<RecomputeDueAction>().from.Contains(dossier.state)) {
    return events;
  }
  ASSIGN_OR_RETURN(const PinnedRules pinned, PinnedRulesOf(dossier, rules));
  const ProcedureVersion& procedure = *pinned.procedure;
  const Calendar& calendar = *pinned.calendar;

  ASSIGN_OR_RETURN(
      const absl::Time limit_due,
      DueFromStart(calendar, procedure.limit, dossier.clock_started_at));
  ASSIGN_OR_RETURN(const absl::Time due,
                   calendar.AddWorkingTime(limit_due, dossier.clock_paused));

  DueTimeChangedEvent changed;
  changed.reason = action.reason;
  changed.old_due_at = dossier.due_at;
  changed.new_due_at = due;
  if (const StepRecord* step = dossier.current_step(); step != nullptr) {
    changed.old_step_due_at = step->due_at;
    changed.new_step_due_at = step->due_at;
    if (const ProcedureStep* definition = OpenStepDefinition(dossier, rules);
        definition != nullptr) {
      ASSIGN_OR_RETURN(const absl::Time start,
                       calendar.NextWorkingInstant(step->counted_from));
      ASSIGN_OR_RETURN(const absl::Time budget_due,
                       DueFromStart(calendar, definition->budget, start));
      ASSIGN_OR_RETURN(changed.new_step_due_at,
                       calendar.AddWorkingTime(budget_due, step->paused));
    } else if (step->due_at == dossier.due_at) {
      // A unit outside the steps holds the dossier until its due time.
      changed.new_step_due_at = due;
    }
  }
  Event event = MakeEvent(&dossier, command, rules, now, changed);
  Dossier after = dossier;
  RETURN_IF_ERROR(Apply(after, event));
  if (changed.new_due_at == changed.old_due_at &&
      changed.new_step_due_at == changed.old_step_due_at &&
      ComputeSchedule(after, *procedure.ladder, calendar) ==
          StoredSchedule(dossier)) {
    return events;  // nothing changed
  }
  events.push_back(std::move(event));
  return events;
}

// A caller's command first records the thresholds that fell due before it
// and were not yet recorded (the scheduler runs a little behind, or was
// down): a hand-over after the step's due time leaves the step's overdue
// event, naming the unit that held it, before the hand-over; a pause never
// moves a threshold that was already reached.
absl::StatusOr<std::vector<Event>> DecideAfterDueThresholds(
    const Dossier& dossier, const Command& command, const RuleSet& rules,
    absl::Time now) {
  if (std::holds_alternative<ReachThresholdsAction>(command.action) ||
      std::holds_alternative<RecomputeDueAction>(command.action)) {
    return DecideExisting(dossier, command, rules, now);
  }
  Command reach{command.dossier_code, ReachThresholdsAction{},
                std::string(kSchedulerActor)};
  absl::StatusOr<std::vector<Event>> reached = DecideReachThresholds(
      dossier, reach, rules, now, ScheduleChange::kIgnore);
  if (!reached.ok() || reached->empty()) {
    return DecideExisting(dossier, command, rules, now);
  }
  Dossier state = dossier;
  for (const Event& event : *reached) RETURN_IF_ERROR(Apply(state, event));
  ASSIGN_OR_RETURN(std::vector<Event> decided,
                   DecideExisting(state, command, rules, now));
  for (Event& event : decided) reached->push_back(std::move(event));
  return reached;
}

absl::Status AttachSchedules(const Dossier* dossier, const RuleSet& rules,
                             std::vector<Event>& events) {
  if (events.empty()) return absl::OkStatus();
  Dossier state = dossier != nullptr ? *dossier : Dossier();
  const ProcedureVersion* procedure = nullptr;
  for (Event& event : events) {
    event.schedule.reset();
    RETURN_IF_ERROR(Apply(state, event));
    if (!ClockRuns(state.state)) {
      // Nothing is watched: no rules needed (a dossier whose procedure
      // version is gone can still be paused, closed or returned).
      event.schedule = Schedule{};
      state.dossier_watch.next.reset();
      state.step_watch.next.reset();
      continue;
    }
    if (procedure == nullptr) {
      ASSIGN_OR_RETURN(const PinnedRules pinned, PinnedRulesOf(state, rules));
      procedure = pinned.procedure;
    }
    event.schedule =
        ComputeSchedule(state, *procedure->ladder, *procedure->calendar);
    state.dossier_watch.next = event.schedule->dossier;
    state.step_watch.next = event.schedule->step;
  }
  return absl::OkStatus();
}

}  // namespace motcua::lifecycle_internal
