// Apply: folds one event into a dossier's state. Needs no rules and no
// calendar: every decided value is in the event.

#include <algorithm>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "engine/lifecycle.h"
#include "engine/lifecycle_internal.h"
#include "engine/transitions.h"

namespace motcua {
namespace {

using lifecycle_internal::Overloaded;

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

// Enters a pause for `reason`.
void Pause(Dossier& dossier, LifecycleState state, PauseReason reason,
           absl::Time at) {
  dossier.state = state;
  dossier.paused_since = at;
  dossier.pause_reason = reason;
}

}  // namespace

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
  // An event whose action the lifecycle would have refused in this state
  // does not fit it: the log is corrupt.
  if (!first && !TransitionOfEvent(event.body).from.Contains(dossier.state)) {
    return Unexpected(dossier, event);
  }
  const absl::Time at = event.occurred_at;
  absl::Status status = std::visit(
      Overloaded{
          [&](const ReceivedEvent& received) -> absl::Status {
            dossier.code = event.dossier_code;
            dossier.state = LifecycleState::kReceived;
            static_cast<Receipt&>(dossier) = received.receipt();
            dossier.rule_version = event.rule_version;
            dossier.clock_started_at = received.clock_started_at;
            dossier.due_at = received.due_at;
            if (received.first_step.has_value()) {
              StartStep(dossier, *received.first_step,
                        received.clock_started_at, event.actor);
            }
            return absl::OkStatus();
          },
          [&](const HandedOverEvent& handed) -> absl::Status {
            EndStep(dossier, handed.ended, at);
            StartStep(dossier, handed.next, at, event.actor);
            dossier.step_watch = ThresholdWatch();
            dossier.state = LifecycleState::kProcessing;
            return absl::OkStatus();
          },
          [&](const SupplementRequestedEvent& requested) -> absl::Status {
            Pause(dossier, LifecycleState::kSupplementRequested,
                  PauseReason::kSupplement, at);
            dossier.supplement_missing = requested.missing;
            return absl::OkStatus();
          },
          [&](const PauseEndedEvent& ended) -> absl::Status {
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
            Pause(dossier, LifecycleState::kAwaitingFinancialObligation,
                  PauseReason::kFinancialObligation, at);
            return absl::OkStatus();
          },
          [&](const StoppedEvent&) -> absl::Status {
            Pause(dossier, LifecycleState::kStopped, PauseReason::kStopped, at);
            return absl::OkStatus();
          },
          [&](const ApologisedEvent& apologised) -> absl::Status {
            dossier.apology_appointment = apologised.new_appointment;
            return absl::OkStatus();
          },
          [&](const ResolvedEvent& resolved) -> absl::Status {
            EndStep(dossier, resolved.ended, at);
            dossier.state = LifecycleState::kResolved;
            dossier.classification = resolved.classification;
            dossier.resolved_at = at;
            return absl::OkStatus();
          },
          [&](const ResultReturnedEvent&) -> absl::Status {
            dossier.state = LifecycleState::kReturned;
            dossier.returned_at = at;
            return absl::OkStatus();
          },
          [&](const RejectedEvent& rejected) -> absl::Status {
            EndStep(dossier, rejected.ended, at);
            dossier.state = LifecycleState::kRejected;
            dossier.closed_at = at;
            dossier.closing_reason = rejected.reason;
            dossier.paused_since.reset();
            return absl::OkStatus();
          },
          [&](const WithdrawnEvent& withdrawn) -> absl::Status {
            EndStep(dossier, withdrawn.ended, at);
            dossier.state = LifecycleState::kWithdrawn;
            dossier.closed_at = at;
            dossier.closing_reason = withdrawn.reason;
            dossier.paused_since.reset();
            return absl::OkStatus();
          },
          [&](const ThresholdReachedEvent& reached) -> absl::Status {
            if (reached.index < 0 ||
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

}  // namespace motcua
