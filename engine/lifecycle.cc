#include "engine/lifecycle.h"

#include <algorithm>
#include <initializer_list>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/escalation.h"
#include "engine/sha256.h"
#include "engine/time_format.h"
#include "engine/time_limit.h"

namespace motcua {
namespace {

constexpr size_t kMaxCodeLength = 128;

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

std::string StatesText(std::initializer_list<LifecycleState> states) {
  std::vector<std::string> names;
  for (LifecycleState state : states) {
    names.emplace_back(LifecycleStateName(state));
  }
  return absl::StrJoin(names, " or ");
}

bool InStates(const Dossier& dossier,
              std::initializer_list<LifecycleState> states) {
  for (LifecycleState state : states) {
    if (dossier.state == state) return true;
  }
  return false;
}

// FAILED_PRECONDITION naming the state and the action unless the dossier is
// in one of `allowed`. Apply checks events against the same sets.
absl::Status RequireState(const Dossier& dossier, absl::string_view action,
                          std::initializer_list<LifecycleState> allowed) {
  if (InStates(dossier, allowed)) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "dossier ", dossier.code, " is ", LifecycleStateName(dossier.state), "; ",
      action, " is allowed only when it is ", StatesText(allowed)));
}

constexpr std::initializer_list<LifecycleState> kOpen = {
    LifecycleState::kReceived, LifecycleState::kProcessing,
    LifecycleState::kSupplementRequested,
    LifecycleState::kAwaitingFinancialObligation, LifecycleState::kStopped};
constexpr std::initializer_list<LifecycleState> kRunning = {
    LifecycleState::kReceived, LifecycleState::kProcessing};

absl::Status RequireText(const std::string& value, absl::string_view field) {
  if (value.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must not be empty"));
  }
  return absl::OkStatus();
}

// The rules a dossier was received under: its pinned procedure version,
// with the calendar as the rules in force now define it (a holiday added
// late counts for decisions made after it was added).
struct Pinned {
  const ProcedureVersion* procedure;
  const Calendar* calendar;
};

absl::StatusOr<Pinned> PinnedRules(const Dossier& dossier,
                                   const RuleSet& rules) {
  const ProcedureVersion* procedure = rules.FindProcedureVersion(
      dossier.procedure_code, dossier.procedure_effective_from);
  if (procedure == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the rules in force no longer hold procedure ", dossier.procedure_code,
        " in its version from ", FormatDay(dossier.procedure_effective_from),
        ", under which dossier ", dossier.code, " was received"));
  }
  return Pinned{procedure, procedure->calendar};
}

const ProcedureStep* FindStep(const ProcedureVersion& procedure,
                              absl::string_view id) {
  for (const ProcedureStep& step : procedure.steps) {
    if (step.id == id) return &step;
  }
  return nullptr;
}

// How the open step ends at `now` (OpenStepStanding).
absl::StatusOr<std::optional<StepEnd>> EndOpenStep(const Dossier& dossier,
                                                   const Calendar& calendar,
                                                   absl::Time now) {
  absl::StatusOr<std::optional<StepStanding>> standing =
      OpenStepStanding(dossier, calendar, now);
  if (!standing.ok()) return standing.status();
  if (!standing->has_value()) return std::optional<StepEnd>();
  return std::optional<StepEnd>(StepEnd{(*standing)->used, (*standing)->late});
}

Event MakeEvent(const Dossier* dossier, const Command& command,
                const RuleSet& rules, absl::Time now, EventBody body) {
  Event event;
  event.dossier_code = command.dossier_code;
  event.dossier_version = (dossier == nullptr ? 0 : dossier->version) + 1;
  event.occurred_at = now;
  event.actor = command.actor;
  event.rule_version = rules.version();
  event.body = std::move(body);
  return event;
}

absl::StatusOr<std::vector<Event>> One(const Dossier* dossier,
                                       const Command& command,
                                       const RuleSet& rules, absl::Time now,
                                       EventBody body) {
  std::vector<Event> events;
  events.push_back(MakeEvent(dossier, command, rules, now, std::move(body)));
  return events;
}

// Whether a receipt is entered later than the policy's bound allows, and
// if so what the receipt event records of it. Beyond the bound a reason is
// required (INVALID_ARGUMENT naming received_at) and the caller must be
// allowed to enter late receipts (PERMISSION_DENIED): a backdated receipt
// changes the reports of periods that may already be closed.
absl::StatusOr<std::optional<EnteredLate>> DecideLateEntry(
    const Command& command, const SubmitAction& submit,
    const Calendar& calendar, absl::Time now) {
  const TimeLimit& bound = submit.policy.max_backdate;
  absl::StatusOr<absl::Time> entered_by =
      ComputeDue(calendar, bound, submit.received_at);
  // A bound that runs past the calendar's last day ends after any `now` the
  // calendar covers: the receipt is within it.
  const bool beyond_calendar = absl::IsOutOfRange(entered_by.status()) &&
                               calendar.Covers(calendar.LocalDay(now));
  if (!entered_by.ok() && !beyond_calendar) return entered_by.status();
  if (beyond_calendar || now <= *entered_by) {
    if (submit.policy.in_time_entry != EntryPermission::kGranted) {
      return absl::PermissionDeniedError(absl::StrCat(
          "received_at: ", command.actor,
          " may enter only receipts older than the backdating bound of ",
          bound.ToString(), "; a receipt within it is the intake desk's"));
    }
    return std::optional<EnteredLate>();
  }
  const std::string what = absl::StrCat(
      "received_at: the receipt time ",
      FormatInstant(submit.received_at, calendar.zone()),
      " is older than the backdating bound of ", bound.ToString(),
      " (in calendar ", calendar.name(), ", a receipt then is entered by ",
      FormatInstant(*entered_by, calendar.zone()), ")");
  if (submit.late_entry_reason.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what,
                     "; entering it later needs the officer role and a "
                     "late_entry_reason"));
  }
  if (submit.policy.late_entry != EntryPermission::kGranted) {
    return absl::PermissionDeniedError(
        absl::StrCat(what, "; entering it later needs the officer role, which ",
                     command.actor, " does not hold"));
  }
  return std::optional<EnteredLate>(
      EnteredLate{now, submit.late_entry_reason, command.actor});
}

absl::StatusOr<std::vector<Event>> DecideSubmit(const Dossier* dossier,
                                                const Command& command,
                                                const SubmitAction& submit,
                                                const RuleSet& rules,
                                                absl::Time now) {
  if (absl::Status status =
          RequireText(submit.procedure_code, "procedure_code");
      !status.ok()) {
    return status;
  }
  if (absl::Status status = RequireText(submit.agency, "agency");
      !status.ok()) {
    return status;
  }
  if (submit.channel != Channel::kInPerson &&
      submit.channel != Channel::kOnline &&
      submit.channel != Channel::kPostal) {
    return absl::InvalidArgumentError(
        "channel: must be in person, online or postal");
  }
  // A desk clock a few minutes ahead is tolerated; a receipt in the future
  // is not.
  if (submit.received_at > now + submit.policy.max_clock_skew) {
    return absl::InvalidArgumentError(absl::StrCat(
        "received_at: the receipt time is in the future (more than ",
        FormatWorkingDuration(submit.policy.max_clock_skew),
        " after the server's clock)"));
  }
  if (dossier != nullptr) {
    if (dossier->submission_fingerprint ==
        SubmissionFingerprint(command.dossier_code, submit)) {
      return std::vector<Event>();  // the same submission again
    }
    return DossierExistsError(command.dossier_code);
  }
  absl::StatusOr<const ProcedureVersion*> found =
      rules.FindProcedure(submit.procedure_code, submit.received_at);
  if (!found.ok()) {
    // An unknown code and a receipt before the procedure's first version
    // (or after its last) are the same mistake for the caller: the request
    // names a procedure that does not apply to it. Retrying it unchanged
    // cannot succeed, whatever the lifecycle; FAILED_PRECONDITION would
    // invite a re-read of the dossier, which has nothing to say.
    return absl::InvalidArgumentError(
        absl::StrCat("procedure_code: ", found.status().message()));
  }
  const ProcedureVersion& procedure = **found;
  const Calendar& calendar = *procedure.calendar;
  absl::StatusOr<std::optional<EnteredLate>> entered_late =
      DecideLateEntry(command, submit, calendar, now);
  if (!entered_late.ok()) return entered_late.status();
  absl::StatusOr<absl::Time> start =
      StartOfClock(calendar, submit.received_at, procedure.limit.cutoff_second);
  if (!start.ok()) return start.status();
  absl::StatusOr<absl::Time> due =
      DueFromStart(calendar, procedure.limit, *start);
  if (!due.ok()) return due.status();

  ReceivedEvent received;
  received.procedure_code = procedure.code;
  received.procedure_effective_from = procedure.effective_from;
  received.agency = submit.agency;
  received.field = procedure.field;
  received.channel = submit.channel;
  received.calendar = calendar.name();
  received.summary = submit.summary;
  received.received_at = submit.received_at;
  received.clock_started_at = *start;
  received.due_at = *due;
  received.submission_fingerprint =
      SubmissionFingerprint(command.dossier_code, submit);
  received.entered_late = *std::move(entered_late);
  if (!procedure.steps.empty()) {
    const ProcedureStep& first = procedure.steps.front();
    absl::StatusOr<absl::Time> step_due =
        DueFromStart(calendar, first.budget, *start);
    if (!step_due.ok()) return step_due.status();
    received.first_step = StepStart{first.id, first.unit, *step_due};
  }
  return One(dossier, command, rules, now, std::move(received));
}

absl::StatusOr<std::vector<Event>> DecideHandOver(const Dossier& dossier,
                                                  const Command& command,
                                                  const HandOverAction& action,
                                                  const RuleSet& rules,
                                                  absl::Time now) {
  if (absl::Status status = RequireState(dossier, "hand_over", kRunning);
      !status.ok()) {
    return status;
  }
  absl::StatusOr<Pinned> pinned = PinnedRules(dossier, rules);
  if (!pinned.ok()) return pinned.status();
  const ProcedureVersion& procedure = *pinned->procedure;
  const Calendar& calendar = *pinned->calendar;

  const ProcedureStep* next = nullptr;
  if (!action.to_step.empty()) {
    next = FindStep(procedure, action.to_step);
    if (next == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("to_step: procedure ", procedure.code, " has no step \"",
                       action.to_step, "\""));
    }
  } else if (action.to_unit.empty()) {
    // The step after the current one, in the procedure's order.
    const StepRecord* current = dossier.current_step();
    size_t index = 0;
    if (current != nullptr) {
      while (index < procedure.steps.size() &&
             procedure.steps[index].id != current->step_id) {
        ++index;
      }
      ++index;
    }
    if (index >= procedure.steps.size()) {
      return absl::InvalidArgumentError(
          "to_step: the dossier is at the last step of its procedure; name "
          "to_step or to_unit, or resolve it");
    }
    next = &procedure.steps[index];
  }

  absl::StatusOr<absl::Time> start = calendar.NextWorkingInstant(now);
  if (!start.ok()) return start.status();
  HandedOverEvent event;
  event.note = action.note;
  if (next != nullptr) {
    absl::StatusOr<absl::Time> step_due =
        DueFromStart(calendar, next->budget, *start);
    if (!step_due.ok()) return step_due.status();
    event.next = StepStart{next->id,
                           action.to_unit.empty() ? next->unit : action.to_unit,
                           *step_due};
  } else {
    // A unit outside the procedure's steps holds the dossier until its due
    // time.
    event.next = StepStart{"", action.to_unit, dossier.due_at};
  }
  absl::StatusOr<std::optional<StepEnd>> ended =
      EndOpenStep(dossier, calendar, now);
  if (!ended.ok()) return ended.status();
  event.ended = *ended;
  return One(&dossier, command, rules, now, std::move(event));
}

// Ends the pause of a paused dossier, under the procedure's policy when the
// pause was for a supplement.
absl::StatusOr<std::vector<Event>> DecidePauseEnd(const Dossier& dossier,
                                                  const Command& command,
                                                  const RuleSet& rules,
                                                  absl::Time now) {
  absl::StatusOr<Pinned> pinned = PinnedRules(dossier, rules);
  if (!pinned.ok()) return pinned.status();
  const ProcedureVersion& procedure = *pinned->procedure;
  const Calendar& calendar = *pinned->calendar;
  absl::StatusOr<absl::Duration> paused =
      calendar.WorkingTimeBetween(*dossier.paused_since, now);
  if (!paused.ok()) return paused.status();

  PauseEndedEvent event;
  event.reason = dossier.pause_reason;
  event.paused = *paused;
  const StepRecord* step = dossier.current_step();
  if (dossier.pause_reason == PauseReason::kSupplement &&
      procedure.supplement == SupplementPolicy::kRestart) {
    // The clock counts again from the complete dossier, as at a receipt.
    absl::StatusOr<absl::Time> start =
        StartOfClock(calendar, now, procedure.limit.cutoff_second);
    if (!start.ok()) return start.status();
    absl::StatusOr<absl::Time> due =
        DueFromStart(calendar, procedure.limit, *start);
    if (!due.ok()) return due.status();
    event.restarted = true;
    event.clock_started_at = *start;
    event.due_at = *due;
    if (step != nullptr) {
      const ProcedureStep* definition = FindStep(procedure, step->step_id);
      if (definition != nullptr) {
        absl::StatusOr<absl::Time> step_due =
            DueFromStart(calendar, definition->budget, *start);
        if (!step_due.ok()) return step_due.status();
        event.step_due_at = *step_due;
      } else {
        event.step_due_at = *due;
      }
    }
  } else {
    // The time left is kept: each due time moves by the working time paused.
    event.clock_started_at = dossier.clock_started_at;
    absl::StatusOr<absl::Time> due =
        calendar.AddWorkingTime(dossier.due_at, *paused);
    if (!due.ok()) return due.status();
    event.due_at = *due;
    if (step != nullptr) {
      absl::StatusOr<absl::Time> step_due =
          calendar.AddWorkingTime(step->due_at, *paused);
      if (!step_due.ok()) return step_due.status();
      event.step_due_at = *step_due;
    }
  }
  return One(&dossier, command, rules, now, std::move(event));
}

absl::StatusOr<std::vector<Event>> DecideResolve(const Dossier& dossier,
                                                 const Command& command,
                                                 const ResolveAction& action,
                                                 const RuleSet& rules,
                                                 absl::Time now) {
  if (absl::Status status = RequireState(dossier, "resolve", kRunning);
      !status.ok()) {
    return status;
  }
  absl::StatusOr<Pinned> pinned = PinnedRules(dossier, rules);
  if (!pinned.ok()) return pinned.status();
  const Calendar& calendar = *pinned->calendar;
  ResolvedEvent event;
  event.result = action.result;
  // Against the due time, never an apology's appointment: early on a day
  // before the due day, on time on the due day up to the due time.
  if (calendar.LocalDay(now) < calendar.LocalDay(dossier.due_at)) {
    event.classification = Classification::kEarly;
  } else if (now <= dossier.due_at) {
    event.classification = Classification::kOnTime;
  } else {
    event.classification = Classification::kLate;
  }
  absl::StatusOr<std::optional<StepEnd>> ended =
      EndOpenStep(dossier, calendar, now);
  if (!ended.ok()) return ended.status();
  event.ended = *ended;
  return One(&dossier, command, rules, now, std::move(event));
}

// Reject and withdraw: the dossier closes; its open step ends.
template <typename ClosingEvent>
absl::StatusOr<std::vector<Event>> DecideClose(const Dossier& dossier,
                                               const Command& command,
                                               absl::string_view action_name,
                                               const std::string& reason,
                                               const RuleSet& rules,
                                               absl::Time now) {
  if (absl::Status status = RequireState(dossier, action_name, kOpen);
      !status.ok()) {
    return status;
  }
  if (absl::Status status = RequireText(reason, "reason"); !status.ok()) {
    return status;
  }
  absl::StatusOr<Pinned> pinned = PinnedRules(dossier, rules);
  if (!pinned.ok()) return pinned.status();
  ClosingEvent event;
  event.reason = reason;
  absl::StatusOr<std::optional<StepEnd>> ended =
      EndOpenStep(dossier, *pinned->calendar, now);
  if (!ended.ok()) return ended.status();
  event.ended = *ended;
  return One(&dossier, command, rules, now, std::move(event));
}

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

Schedule StoredSchedule(const Dossier& dossier) {
  return Schedule{dossier.dossier_watch.next, dossier.step_watch.next};
}

// Appends an event for each threshold due at `now`. With
// `record_schedule_change`, when none is due but the rules moved the next
// ones, records the new schedule.
absl::StatusOr<std::vector<Event>> DecideReachThresholds(
    const Dossier& dossier, const Command& command, const RuleSet& rules,
    absl::Time now, bool record_schedule_change) {
  std::vector<Event> events;
  if (!ClockRuns(dossier.state)) return events;  // cancelled by a pause or end
  absl::StatusOr<Pinned> pinned = PinnedRules(dossier, rules);
  if (!pinned.ok()) return pinned.status();
  const ProcedureVersion& procedure = *pinned->procedure;
  const Calendar& calendar = *pinned->calendar;
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
    if (absl::Status status = Apply(state, event); !status.ok()) return status;
    events.push_back(std::move(event));
  }
  if (record_schedule_change && events.empty() &&
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
  if (!InStates(dossier, kOpen)) return events;
  absl::StatusOr<Pinned> pinned = PinnedRules(dossier, rules);
  if (!pinned.ok()) return pinned.status();
  const ProcedureVersion& procedure = *pinned->procedure;
  const Calendar& calendar = *pinned->calendar;

  absl::StatusOr<absl::Time> limit_due =
      DueFromStart(calendar, procedure.limit, dossier.clock_started_at);
  if (!limit_due.ok()) return limit_due.status();
  absl::StatusOr<absl::Time> due =
      calendar.AddWorkingTime(*limit_due, dossier.clock_paused);
  if (!due.ok()) return due.status();

  DueTimeChangedEvent changed;
  changed.reason = action.reason;
  changed.old_due_at = dossier.due_at;
  changed.new_due_at = *due;
  if (const StepRecord* step = dossier.current_step(); step != nullptr) {
    changed.old_step_due_at = step->due_at;
    changed.new_step_due_at = step->due_at;
    if (const ProcedureStep* definition = FindStep(procedure, step->step_id);
        definition != nullptr) {
      absl::StatusOr<absl::Time> start =
          calendar.NextWorkingInstant(step->counted_from);
      if (!start.ok()) return start.status();
      absl::StatusOr<absl::Time> budget_due =
          DueFromStart(calendar, definition->budget, *start);
      if (!budget_due.ok()) return budget_due.status();
      absl::StatusOr<absl::Time> step_due =
          calendar.AddWorkingTime(*budget_due, step->paused);
      if (!step_due.ok()) return step_due.status();
      changed.new_step_due_at = *step_due;
    } else if (step->due_at == dossier.due_at) {
      // A unit outside the steps holds the dossier until its due time.
      changed.new_step_due_at = *due;
    }
  }
  Event event = MakeEvent(&dossier, command, rules, now, changed);
  Dossier after = dossier;
  if (absl::Status status = Apply(after, event); !status.ok()) return status;
  if (changed.new_due_at == changed.old_due_at &&
      changed.new_step_due_at == changed.old_step_due_at &&
      ComputeSchedule(after, *procedure.ladder, calendar) ==
          StoredSchedule(dossier)) {
    return events;  // nothing changed
  }
  events.push_back(std::move(event));
  return events;
}

absl::StatusOr<std::vector<Event>> DecideExisting(const Dossier& dossier,
                                                  const Command& command,
                                                  const RuleSet& rules,
                                                  absl::Time now);

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
      dossier, reach, rules, now, /*record_schedule_change=*/false);
  if (!reached.ok() || reached->empty()) {
    return DecideExisting(dossier, command, rules, now);
  }
  Dossier state = dossier;
  for (const Event& event : *reached) {
    if (absl::Status status = Apply(state, event); !status.ok()) return status;
  }
  absl::StatusOr<std::vector<Event>> decided =
      DecideExisting(state, command, rules, now);
  if (!decided.ok()) return decided.status();
  for (Event& event : *decided) reached->push_back(std::move(event));
  return reached;
}

// Sets on each event the escalation schedule that follows it.
absl::Status AttachSchedules(const Dossier* dossier, const RuleSet& rules,
                             std::vector<Event>& events) {
  if (events.empty()) return absl::OkStatus();
  Dossier state = dossier != nullptr ? *dossier : Dossier();
  const ProcedureVersion* procedure = nullptr;
  for (Event& event : events) {
    event.schedule.reset();
    if (absl::Status status = Apply(state, event); !status.ok()) return status;
    if (!ClockRuns(state.state)) {
      // Nothing is watched: no rules needed (a dossier whose procedure
      // version is gone can still be paused, closed or returned).
      event.schedule = Schedule{};
      state.dossier_watch.next.reset();
      state.step_watch.next.reset();
      continue;
    }
    if (procedure == nullptr) {
      absl::StatusOr<Pinned> pinned = PinnedRules(state, rules);
      if (!pinned.ok()) return pinned.status();
      procedure = pinned->procedure;
    }
    event.schedule =
        ComputeSchedule(state, *procedure->ladder, *procedure->calendar);
    state.dossier_watch.next = event.schedule->dossier;
    state.step_watch.next = event.schedule->step;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Event>> DecideExisting(const Dossier& dossier,
                                                  const Command& command,
                                                  const RuleSet& rules,
                                                  absl::Time now) {
  using Result = absl::StatusOr<std::vector<Event>>;
  return std::visit(
      Overloaded{
          [&](const SubmitAction&) -> Result {
            return absl::InternalError("submit is decided elsewhere");
          },
          [&](const HandOverAction& action) -> Result {
            return DecideHandOver(dossier, command, action, rules, now);
          },
          [&](const RequestSupplementAction& action) -> Result {
            if (absl::Status status =
                    RequireState(dossier, "request_supplement", kRunning);
                !status.ok()) {
              return status;
            }
            if (action.missing.empty()) {
              return absl::InvalidArgumentError(
                  "missing: name at least one missing document");
            }
            for (const std::string& item : action.missing) {
              if (item.empty()) {
                return absl::InvalidArgumentError("missing: an entry is empty");
              }
            }
            return One(&dossier, command, rules, now,
                       SupplementRequestedEvent{action.missing});
          },
          [&](const ReceiveSupplementAction&) -> Result {
            if (absl::Status status =
                    RequireState(dossier, "receive_supplement",
                                 {LifecycleState::kSupplementRequested});
                !status.ok()) {
              return status;
            }
            return DecidePauseEnd(dossier, command, rules, now);
          },
          [&](const RequestFinancialObligationAction& action) -> Result {
            if (absl::Status status = RequireState(
                    dossier, "request_financial_obligation", kRunning);
                !status.ok()) {
              return status;
            }
            if (absl::Status status =
                    RequireText(action.description, "description");
                !status.ok()) {
              return status;
            }
            return One(&dossier, command, rules, now,
                       FinancialObligationRequestedEvent{action.description});
          },
          [&](const ConfirmFinancialObligationAction&) -> Result {
            if (absl::Status status = RequireState(
                    dossier, "confirm_financial_obligation",
                    {LifecycleState::kAwaitingFinancialObligation});
                !status.ok()) {
              return status;
            }
            return DecidePauseEnd(dossier, command, rules, now);
          },
          [&](const StopAction& action) -> Result {
            if (absl::Status status = RequireState(dossier, "stop", kRunning);
                !status.ok()) {
              return status;
            }
            if (absl::Status status = RequireText(action.reason, "reason");
                !status.ok()) {
              return status;
            }
            return One(&dossier, command, rules, now,
                       StoppedEvent{action.reason});
          },
          [&](const ResumeAction&) -> Result {
            if (absl::Status status =
                    RequireState(dossier, "resume", {LifecycleState::kStopped});
                !status.ok()) {
              return status;
            }
            return DecidePauseEnd(dossier, command, rules, now);
          },
          [&](const ApologiseAction& action) -> Result {
            if (absl::Status status = RequireState(dossier, "apologise", kOpen);
                !status.ok()) {
              return status;
            }
            if (absl::Status status = RequireText(action.reason, "reason");
                !status.ok()) {
              return status;
            }
            if (action.new_appointment <= now ||
                action.new_appointment <= dossier.due_at) {
              return absl::InvalidArgumentError(
                  "new_appointment: must be later than now and than the due "
                  "time");
            }
            return One(&dossier, command, rules, now,
                       ApologisedEvent{action.reason, action.new_appointment});
          },
          [&](const ResolveAction& action) -> Result {
            return DecideResolve(dossier, command, action, rules, now);
          },
          [&](const ReturnResultAction&) -> Result {
            if (absl::Status status = RequireState(dossier, "return_result",
                                                   {LifecycleState::kResolved});
                !status.ok()) {
              return status;
            }
            return One(&dossier, command, rules, now, ResultReturnedEvent{});
          },
          [&](const RejectAction& action) -> Result {
            return DecideClose<RejectedEvent>(dossier, command, "reject",
                                              action.reason, rules, now);
          },
          [&](const WithdrawAction& action) -> Result {
            return DecideClose<WithdrawnEvent>(dossier, command, "withdraw",
                                               action.reason, rules, now);
          },
          [&](const ReachThresholdsAction&) -> Result {
            return DecideReachThresholds(dossier, command, rules, now,
                                         /*record_schedule_change=*/true);
          },
          [&](const RecomputeDueAction& action) -> Result {
            return DecideRecomputeDue(dossier, command, action, rules, now);
          },
      },
      command.action);
}

void EndStep(Dossier& dossier, const std::optional<StepEnd>& end,
             absl::Time at) {
  if (!end.has_value() || dossier.steps.empty() ||
      dossier.steps.back().ended_at.has_value()) {
    return;
  }
  StepRecord& step = dossier.steps.back();
  // A step that ends before its clock started (a receipt after hours,
  // handed over at once) ends where it started, having used nothing.
  step.ended_at = std::max(at, step.started_at);
  step.used = end->used;
  step.late = end->late;
}

void StartStep(Dossier& dossier, const StepStart& start, absl::Time at,
               const std::string& actor) {
  StepRecord step;
  step.step_id = start.step_id;
  step.unit = start.unit;
  step.started_at = at;
  step.counted_from = at;
  step.due_at = start.due_at;
  step.handed_over_by = actor;
  dossier.steps.push_back(std::move(step));
}

absl::Status Unexpected(const Dossier& dossier, const Event& event) {
  return absl::InternalError(absl::StrCat(
      "event ", event.dossier_version, " (", EventTypeName(event.body),
      ") of dossier ", event.dossier_code, " does not fit its state ",
      LifecycleStateName(dossier.state)));
}

}  // namespace

absl::string_view ActionNameAt(size_t index) {
  static constexpr absl::string_view kNames[] = {
      "submit",
      "hand_over",
      "request_supplement",
      "receive_supplement",
      "request_financial_obligation",
      "confirm_financial_obligation",
      "stop",
      "resume",
      "apologise",
      "resolve",
      "return_result",
      "reject",
      "withdraw",
      "reach_thresholds",
      "recompute_due",
  };
  static_assert(std::size(kNames) == std::variant_size_v<Action>);
  return index < std::size(kNames) ? kNames[index] : absl::string_view();
}

absl::string_view ActionName(const Action& action) {
  return ActionNameAt(action.index());
}

namespace {

// Each caller's action and the type of the event it appends last, in the
// order of the Action variant.
constexpr std::pair<absl::string_view, absl::string_view> kActionEventTypes[] =
    {
        {"submit", "received"},
        {"hand_over", "handed_over"},
        {"request_supplement", "supplement_requested"},
        {"receive_supplement", "supplement_received"},
        {"request_financial_obligation", "financial_obligation_requested"},
        {"confirm_financial_obligation", "financial_obligation_confirmed"},
        {"stop", "stopped"},
        {"resume", "resumed"},
        {"apologise", "apologised"},
        {"resolve", "resolved"},
        {"return_result", "result_returned"},
        {"reject", "rejected"},
        {"withdraw", "withdrawn"},
};

}  // namespace

absl::string_view ActionEventTypeName(const Action& action) {
  const absl::string_view name = ActionName(action);
  for (const auto& [action_name, type] : kActionEventTypes) {
    if (action_name == name) return type;
  }
  return {};
}

absl::string_view ActionNameOfEventType(absl::string_view type) {
  for (const auto& [action_name, event_type] : kActionEventTypes) {
    if (event_type == type) return action_name;
  }
  return {};
}

absl::Status DossierNotFoundError(absl::string_view code) {
  return absl::NotFoundError(absl::StrCat("dossier ", code, " not found"));
}

absl::Status DossierExistsError(absl::string_view code) {
  return absl::AlreadyExistsError(
      absl::StrCat("dossier ", code, " already exists with different content"));
}

std::string EventTypeName(const EventBody& body) {
  return std::visit(
      Overloaded{
          [](const ReceivedEvent&) -> std::string { return "received"; },
          [](const HandedOverEvent&) -> std::string { return "handed_over"; },
          [](const SupplementRequestedEvent&) -> std::string {
            return "supplement_requested";
          },
          [](const PauseEndedEvent& event) -> std::string {
            switch (event.reason) {
              case PauseReason::kSupplement:
                return "supplement_received";
              case PauseReason::kFinancialObligation:
                return "financial_obligation_confirmed";
              case PauseReason::kStopped:
                return "resumed";
            }
            return "pause_ended";
          },
          [](const FinancialObligationRequestedEvent&) -> std::string {
            return "financial_obligation_requested";
          },
          [](const StoppedEvent&) -> std::string { return "stopped"; },
          [](const ApologisedEvent&) -> std::string { return "apologised"; },
          [](const ResolvedEvent&) -> std::string { return "resolved"; },
          [](const ResultReturnedEvent&) -> std::string {
            return "result_returned";
          },
          [](const RejectedEvent&) -> std::string { return "rejected"; },
          [](const WithdrawnEvent&) -> std::string { return "withdrawn"; },
          [](const ThresholdReachedEvent& event) -> std::string {
            if (event.kind == ThresholdEvent::kOverdue &&
                event.target == ThresholdTarget::kStep) {
              return "step_overdue";
            }
            return std::string(ThresholdEventName(event.kind));
          },
          [](const DueTimeChangedEvent&) -> std::string {
            return "due_time_changed";
          },
      },
      body);
}

const std::vector<std::string>& EventTypeNames() {
  static const std::vector<std::string>* const kNames =
      new std::vector<std::string>{
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
  return *kNames;
}

bool IsEventTypeName(absl::string_view name) {
  for (const std::string& known : EventTypeNames()) {
    if (known == name) return true;
  }
  return false;
}

absl::StatusOr<TimeLeft> TimeLeftOf(const Dossier& dossier,
                                    const Calendar& calendar, absl::Time now) {
  const absl::Time counted_until =
      dossier.paused_since.has_value() ? *dossier.paused_since : now;
  return TimeLeftUntil(calendar, counted_until, dossier.due_at);
}

std::vector<absl::CivilDay> ProvisionalDaysOf(const Dossier& dossier,
                                              const Calendar& calendar) {
  return ProvisionalDaysOf(calendar, dossier.received_at, dossier.due_at);
}

std::string SubmissionFingerprint(const std::string& dossier_code,
                                  const SubmitAction& submit) {
  Sha256 hasher;
  for (const std::string& part :
       {dossier_code, submit.procedure_code, submit.agency,
        std::to_string(static_cast<int>(submit.channel)),
        std::to_string(absl::ToUnixMicros(submit.received_at)),
        submit.summary}) {
    hasher.Update(absl::StrCat(part.size(), ":"));
    hasher.Update(part);
  }
  return ToHex(hasher.Finish());
}

absl::StatusOr<std::vector<Event>> Decide(const Dossier* dossier,
                                          const Command& command,
                                          const RuleSet& rules,
                                          absl::Time now) {
  if (command.dossier_code.empty() ||
      command.dossier_code.size() > kMaxCodeLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dossier_code: must be 1 to ", kMaxCodeLength, " characters"));
  }
  if (command.actor.empty()) {
    return absl::InvalidArgumentError("actor: must not be empty");
  }
  absl::StatusOr<std::vector<Event>> events;
  if (const auto* submit = std::get_if<SubmitAction>(&command.action)) {
    events = DecideSubmit(dossier, command, *submit, rules, now);
  } else if (dossier == nullptr) {
    return DossierNotFoundError(command.dossier_code);
  } else {
    events = DecideAfterDueThresholds(*dossier, command, rules, now);
  }
  if (!events.ok()) return events;
  if (absl::Status status = AttachSchedules(dossier, rules, *events);
      !status.ok()) {
    return status;
  }
  return events;
}

absl::Status Apply(Dossier& dossier, const Event& event) {
  if (event.dossier_version != dossier.version + 1) {
    return absl::InternalError(
        absl::StrCat("event version ", event.dossier_version, " of dossier ",
                     event.dossier_code, " follows version ", dossier.version));
  }
  const bool first = dossier.version == 0;
  if (first != std::holds_alternative<ReceivedEvent>(event.body)) {
    return Unexpected(dossier, event);
  }
  const absl::Time at = event.occurred_at;
  absl::Status status = std::visit(
      Overloaded{
          [&](const ReceivedEvent& received) -> absl::Status {
            dossier.code = event.dossier_code;
            dossier.state = LifecycleState::kReceived;
            dossier.procedure_code = received.procedure_code;
            dossier.procedure_effective_from =
                received.procedure_effective_from;
            dossier.rule_version = event.rule_version;
            dossier.agency = received.agency;
            dossier.field = received.field;
            dossier.channel = received.channel;
            dossier.calendar = received.calendar;
            dossier.summary = received.summary;
            dossier.received_at = received.received_at;
            dossier.clock_started_at = received.clock_started_at;
            dossier.due_at = received.due_at;
            dossier.submission_fingerprint = received.submission_fingerprint;
            dossier.entered_late = received.entered_late;
            if (received.first_step.has_value()) {
              StartStep(dossier, *received.first_step,
                        received.clock_started_at, event.actor);
            }
            return absl::OkStatus();
          },
          [&](const HandedOverEvent& handed) -> absl::Status {
            if (!InStates(dossier, kRunning)) return Unexpected(dossier, event);
            EndStep(dossier, handed.ended, at);
            StartStep(dossier, handed.next, at, event.actor);
            dossier.step_watch = ThresholdWatch();
            dossier.state = LifecycleState::kProcessing;
            return absl::OkStatus();
          },
          [&](const SupplementRequestedEvent& requested) -> absl::Status {
            if (!InStates(dossier, kRunning)) return Unexpected(dossier, event);
            dossier.state = LifecycleState::kSupplementRequested;
            dossier.paused_since = at;
            dossier.pause_reason = PauseReason::kSupplement;
            dossier.supplement_missing = requested.missing;
            return absl::OkStatus();
          },
          [&](const PauseEndedEvent& ended) -> absl::Status {
            if (!IsPaused(dossier.state)) return Unexpected(dossier, event);
            dossier.paused_by_reason[static_cast<int>(ended.reason)] +=
                ended.paused;
            dossier.paused_since.reset();
            dossier.supplement_missing.clear();
            dossier.due_at = ended.due_at;
            if (ended.restarted) {
              // A new clock: a new deadline, its ladder from the start.
              dossier.clock_started_at = ended.clock_started_at;
              dossier.clock_paused = absl::ZeroDuration();
              dossier.dossier_watch.reached = 0;
              dossier.step_watch.reached = 0;
            } else {
              dossier.clock_paused += ended.paused;
            }
            if (!dossier.steps.empty() && !dossier.steps.back().ended_at &&
                ended.step_due_at.has_value()) {
              StepRecord& step = dossier.steps.back();
              step.due_at = *ended.step_due_at;
              if (ended.restarted) {
                step.counted_from = ended.clock_started_at;
                step.paused = absl::ZeroDuration();
              } else {
                step.paused += ended.paused;
              }
            }
            dossier.state = LifecycleState::kProcessing;
            return absl::OkStatus();
          },
          [&](const FinancialObligationRequestedEvent&) -> absl::Status {
            if (!InStates(dossier, kRunning)) return Unexpected(dossier, event);
            dossier.state = LifecycleState::kAwaitingFinancialObligation;
            dossier.paused_since = at;
            dossier.pause_reason = PauseReason::kFinancialObligation;
            return absl::OkStatus();
          },
          [&](const StoppedEvent&) -> absl::Status {
            if (!InStates(dossier, kRunning)) return Unexpected(dossier, event);
            dossier.state = LifecycleState::kStopped;
            dossier.paused_since = at;
            dossier.pause_reason = PauseReason::kStopped;
            return absl::OkStatus();
          },
          [&](const ApologisedEvent& apologised) -> absl::Status {
            if (!InStates(dossier, kOpen)) return Unexpected(dossier, event);
            dossier.apology_appointment = apologised.new_appointment;
            return absl::OkStatus();
          },
          [&](const ResolvedEvent& resolved) -> absl::Status {
            if (!InStates(dossier, kRunning)) return Unexpected(dossier, event);
            EndStep(dossier, resolved.ended, at);
            dossier.state = LifecycleState::kResolved;
            dossier.classification = resolved.classification;
            dossier.resolved_at = at;
            return absl::OkStatus();
          },
          [&](const ResultReturnedEvent&) -> absl::Status {
            if (dossier.state != LifecycleState::kResolved) {
              return Unexpected(dossier, event);
            }
            dossier.state = LifecycleState::kReturned;
            dossier.returned_at = at;
            return absl::OkStatus();
          },
          [&](const RejectedEvent& rejected) -> absl::Status {
            if (!InStates(dossier, kOpen)) return Unexpected(dossier, event);
            EndStep(dossier, rejected.ended, at);
            dossier.state = LifecycleState::kRejected;
            dossier.closed_at = at;
            dossier.closing_reason = rejected.reason;
            dossier.paused_since.reset();
            return absl::OkStatus();
          },
          [&](const WithdrawnEvent& withdrawn) -> absl::Status {
            if (!InStates(dossier, kOpen)) return Unexpected(dossier, event);
            EndStep(dossier, withdrawn.ended, at);
            dossier.state = LifecycleState::kWithdrawn;
            dossier.closed_at = at;
            dossier.closing_reason = withdrawn.reason;
            dossier.paused_since.reset();
            return absl::OkStatus();
          },
          [&](const ThresholdReachedEvent& reached) -> absl::Status {
            if (!InStates(dossier, kRunning) || reached.index < 0 ||
                reached.index >= static_cast<int>(kMaxLadderThresholds)) {
              return Unexpected(dossier, event);
            }
            ThresholdWatch* watch = &dossier.dossier_watch;
            if (reached.target == ThresholdTarget::kStep) {
              if (dossier.current_step() == nullptr) {
                return Unexpected(dossier, event);
              }
              watch = &dossier.step_watch;
            }
            if (watch->Reached(reached.index)) {
              return absl::InternalError(
                  absl::StrCat("event ", event.dossier_version, " of dossier ",
                               event.dossier_code, " reaches threshold ",
                               reached.index, " a second time"));
            }
            watch->reached |= uint32_t{1} << reached.index;
            return absl::OkStatus();
          },
          [&](const DueTimeChangedEvent& changed) -> absl::Status {
            if (!InStates(dossier, kOpen)) return Unexpected(dossier, event);
            dossier.due_at = changed.new_due_at;
            if (!dossier.steps.empty() && !dossier.steps.back().ended_at &&
                changed.new_step_due_at.has_value()) {
              dossier.steps.back().due_at = *changed.new_step_due_at;
            }
            return absl::OkStatus();
          },
      },
      event.body);
  if (!status.ok()) return status;
  if (event.schedule.has_value()) {
    dossier.dossier_watch.next = event.schedule->dossier;
    dossier.step_watch.next = event.schedule->step;
  }
  dossier.version = event.dossier_version;
  return absl::OkStatus();
}

absl::StatusOr<std::optional<StepStanding>> OpenStepStanding(
    const Dossier& dossier, const Calendar& calendar, absl::Time now) {
  const StepRecord* step = dossier.current_step();
  if (step == nullptr) return std::optional<StepStanding>();
  const absl::Time counted_until =
      dossier.paused_since.has_value() ? *dossier.paused_since : now;
  absl::StatusOr<absl::Duration> elapsed =
      calendar.WorkingTimeBetween(step->counted_from, counted_until);
  if (!elapsed.ok()) return elapsed.status();
  StepStanding standing;
  standing.used = std::max(absl::ZeroDuration(), *elapsed - step->paused);
  if (step->has_budget()) {
    standing.late = counted_until > step->due_at;
    absl::StatusOr<absl::Duration> left =
        calendar.WorkingTimeBetween(counted_until, step->due_at);
    if (!left.ok()) return left.status();
    standing.left = *left;
  }
  return std::optional<StepStanding>(standing);
}

}  // namespace motcua
