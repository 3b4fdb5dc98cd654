// Decide: what a command does to a dossier, under the rules, at an instant.
// The escalation thresholds and the recomputation of due times are in
// thresholds.cc.

#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "engine/lifecycle.h"
#include "engine/lifecycle_internal.h"
#include "engine/status_macros.h"
#include "engine/time_format.h"
#include "engine/time_limit.h"
#include "engine/transitions.h"

namespace motcua {
namespace lifecycle_internal {

constexpr size_t kMaxCodeLength = 128;

namespace {

absl::Status RequireText(const std::string& value, absl::string_view field) {
  if (value.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must not be empty"));
  }
  return absl::OkStatus();
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
  ASSIGN_OR_RETURN(std::optional<StepStanding> standing,
                   OpenStepStanding(dossier, calendar, now));
  if (!standing.has_value()) return std::optional<StepEnd>();
  return std::optional<StepEnd>(StepEnd{standing->used, standing->late});
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
  RETURN_IF_ERROR(RequireText(submit.procedure_code, "procedure_code"));
  RETURN_IF_ERROR(RequireText(submit.agency, "agency"));
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
  ASSIGN_OR_RETURN(std::optional<EnteredLate> entered_late,
                   DecideLateEntry(command, submit, calendar, now));
  ASSIGN_OR_RETURN(const absl::Time start,
                   StartOfClock(calendar, submit.received_at,
                                procedure.limit.cutoff_second));
  ASSIGN_OR_RETURN(const absl::Time due,
                   DueFromStart(calendar, procedure.limit, start));

  ReceivedEvent received;
  received.procedure_code = procedure.code;
  received.procedure_effective_from = procedure.effective_from;
  received.agency = submit.agency;
  received.field = procedure.field;
  received.channel = submit.channel;
  received.calendar = calendar.name();
  received.summary = submit.summary;
  received.received_at = submit.received_at;
  received.clock_started_at = start;
  received.due_at = due;
  received.submission_fingerprint =
      SubmissionFingerprint(command.dossier_code, submit);
  received.entered_late = std::move(entered_late);
  if (!procedure.steps.empty()) {
    const ProcedureStep& first = procedure.steps.front();
    ASSIGN_OR_RETURN(const absl::Time step_due,
                     DueFromStart(calendar, first.budget, start));
    received.first_step = StepStart{first.id, first.unit, step_due};
  }
  return One(dossier, command, rules, now, std::move(received));
}

absl::StatusOr<std::vector<Event>> DecideHandOver(const Dossier& dossier,
                                                  const Command& command,
                                                  const HandOverAction& action,
                                                  const RuleSet& rules,
                                                  absl::Time now) {
  ASSIGN_OR_RETURN(const PinnedRules pinned, PinnedRulesOf(dossier, rules));
  const ProcedureVersion& procedure = *pinned.procedure;
  const Calendar& calendar = *pinned.calendar;

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

  ASSIGN_OR_RETURN(const absl::Time start, calendar.NextWorkingInstant(now));
  HandedOverEvent event;
  event.note = action.note;
  if (next != nullptr) {
    ASSIGN_OR_RETURN(const absl::Time step_due,
                     DueFromStart(calendar, next->budget, start));
    event.next = StepStart{next->id,
                           action.to_unit.empty() ? next->unit : action.to_unit,
                           step_due};
  } else {
    // A unit outside the procedure's steps holds the dossier until its due
    // time.
    event.next = StepStart{"", action.to_unit, dossier.due_at};
  }
  ASSIGN_OR_RETURN(event.ended, EndOpenStep(dossier, calendar, now));
  return One(&dossier, command, rules, now, std::move(event));
}

// Ends the pause of a paused dossier, under the procedure's policy when the
// pause was for a supplement.
absl::StatusOr<std::vector<Event>> DecidePauseEnd(const Dossier& dossier,
                                                  const Command& command,
                                                  const RuleSet& rules,
                                                  absl::Time now) {
  ASSIGN_OR_RETURN(const PinnedRules pinned, PinnedRulesOf(dossier, rules));
  const ProcedureVersion& procedure = *pinned.procedure;
  const Calendar& calendar = *pinned.calendar;
  ASSIGN_OR_RETURN(const absl::Duration paused,
                   calendar.WorkingTimeBetween(*dossier.paused_since, now));

  PauseEndedEvent event;
  event.reason = dossier.pause_reason;
  event.paused = paused;
  const StepRecord* step = dossier.current_step();
  if (dossier.pause_reason == PauseReason::kSupplement &&
      procedure.supplement == SupplementPolicy::kRestart) {
    // The clock counts again from the complete dossier, as at a receipt.
    ASSIGN_OR_RETURN(
        const absl::Time start,
        StartOfClock(calendar, now, procedure.limit.cutoff_second));
    ASSIGN_OR_RETURN(const absl::Time due,
                     DueFromStart(calendar, procedure.limit, start));
    event.restarted = true;
    event.clock_started_at = start;
    event.due_at = due;
    if (step != nullptr) {
      const ProcedureStep* definition = FindStep(procedure, step->step_id);
      if (definition != nullptr) {
        ASSIGN_OR_RETURN(event.step_due_at,
                         DueFromStart(calendar, definition->budget, start));
      } else {
        event.step_due_at = due;
      }
    }
  } else {
    // The time left is kept: each due time moves by the working time paused.
    event.clock_started_at = dossier.clock_started_at;
    ASSIGN_OR_RETURN(event.due_at,
                     calendar.AddWorkingTime(dossier.due_at, paused));
    if (step != nullptr) {
      ASSIGN_OR_RETURN(event.step_due_at,
                       calendar.AddWorkingTime(step->due_at, paused));
    }
  }
  return One(&dossier, command, rules, now, std::move(event));
}

absl::StatusOr<std::vector<Event>> DecideResolve(const Dossier& dossier,
                                                 const Command& command,
                                                 const ResolveAction& action,
                                                 const RuleSet& rules,
                                                 absl::Time now) {
  ASSIGN_OR_RETURN(const PinnedRules pinned, PinnedRulesOf(dossier, rules));
  const Calendar& calendar = *pinned.calendar;
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
  ASSIGN_OR_RETURN(event.ended, EndOpenStep(dossier, calendar, now));
  return One(&dossier, command, rules, now, std::move(event));
}

// Reject and withdraw: the dossier closes; its open step ends.
template <typename ClosingEvent>
absl::StatusOr<std::vector<Event>> DecideClose(const Dossier& dossier,
                                               const Command& command,
                                               const std::string& reason,
                                               const RuleSet& rules,
                                               absl::Time now) {
  RETURN_IF_ERROR(RequireText(reason, "reason"));
  ASSIGN_OR_RETURN(const PinnedRules pinned, PinnedRulesOf(dossier, rules));
  ClosingEvent event;
  event.reason = reason;
  ASSIGN_OR_RETURN(event.ended, EndOpenStep(dossier, *pinned.calendar, now));
  return One(&dossier, command, rules, now, std::move(event));
}

}  // namespace

absl::Status RequireState(const Dossier& dossier, const Action& action) {
  const Transition& transition = TransitionOf(action);
  if (transition.from.Contains(dossier.state)) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("dossier ", dossier.code, " is ",
                   LifecycleStateName(dossier.state), "; ", transition.action,
                   " is allowed only when it is ", transition.from.ToString()));
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

std::vector<Event> One(const Dossier* dossier, const Command& command,
                       const RuleSet& rules, absl::Time now, EventBody body) {
  std::vector<Event> events;
  events.push_back(MakeEvent(dossier, command, rules, now, std::move(body)));
  return events;
}

absl::StatusOr<std::vector<Event>> DecideExisting(const Dossier& dossier,
                                                  const Command& command,
                                                  const RuleSet& rules,
                                                  absl::Time now) {
  using Result = absl::StatusOr<std::vector<Event>>;
  const bool internal =
      std::holds_alternative<ReachThresholdsAction>(command.action) ||
      std::holds_alternative<RecomputeDueAction>(command.action);
  // The internal actions decide nothing outside their states; a caller's
  // action is refused there.
  if (!internal) RETURN_IF_ERROR(RequireState(dossier, command.action));
  return std::visit(
      Overloaded{
          [&](const SubmitAction&) -> Result {
            return absl::InternalError("submit is decided elsewhere");
          },
          [&](const HandOverAction& action) -> Result {
            return DecideHandOver(dossier, command, action, rules, now);
          },
          [&](const RequestSupplementAction& action) -> Result {
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
            return DecidePauseEnd(dossier, command, rules, now);
          },
          [&](const RequestFinancialObligationAction& action) -> Result {
            RETURN_IF_ERROR(RequireText(action.description, "description"));
            return One(&dossier, command, rules, now,
                       FinancialObligationRequestedEvent{action.description});
          },
          [&](const ConfirmFinancialObligationAction&) -> Result {
            return DecidePauseEnd(dossier, command, rules, now);
          },
          [&](const StopAction& action) -> Result {
            RETURN_IF_ERROR(RequireText(action.reason, "reason"));
            return One(&dossier, command, rules, now,
                       StoppedEvent{action.reason});
          },
          [&](const ResumeAction&) -> Result {
            return DecidePauseEnd(dossier, command, rules, now);
          },
          [&](const ApologiseAction& action) -> Result {
            RETURN_IF_ERROR(RequireText(action.reason, "reason"));
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
            return One(&dossier, command, rules, now, ResultReturnedEvent{});
          },
          [&](const RejectAction& action) -> Result {
            return DecideClose<RejectedEvent>(dossier, command, action.reason,
                                              rules, now);
          },
          [&](const WithdrawAction& action) -> Result {
            return DecideClose<WithdrawnEvent>(dossier, command, action.reason,
                                               rules, now);
          },
          [&](const ReachThresholdsAction&) -> Result {
            return DecideReachThresholds(dossier, command, rules, now,
                                         ScheduleChange::kRecord);
          },
          [&](const RecomputeDueAction& action) -> Result {
            return DecideRecomputeDue(dossier, command, action, rules, now);
          },
      },
      command.action);
}

}  // namespace lifecycle_internal

absl::StatusOr<std::vector<Event>> Decide(const Dossier* dossier,
                                          const Command& command,
                                          const RuleSet& rules,
                                          absl::Time now) {
  if (command.dossier_code.empty() ||
      command.dossier_code.size() > lifecycle_internal::kMaxCodeLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("dossier_code: must be 1 to ",
                     lifecycle_internal::kMaxCodeLength, " characters"));
  }
  if (command.actor.empty()) {
    return absl::InvalidArgumentError("actor: must not be empty");
  }
  std::vector<Event> events;
  if (const auto* submit = std::get_if<SubmitAction>(&command.action)) {
    ASSIGN_OR_RETURN(events, lifecycle_internal::DecideSubmit(
                                 dossier, command, *submit, rules, now));
  } else if (dossier == nullptr) {
    return DossierNotFoundError(command.dossier_code);
  } else {
    ASSIGN_OR_RETURN(events, lifecycle_internal::DecideAfterDueThresholds(
                                 *dossier, command, rules, now));
  }
  RETURN_IF_ERROR(lifecycle_internal::AttachSchedules(dossier, rules, events));
  return events;
}

}  // namespace motcua
