#include "services/api/to_proto.h"

#include <array>
#include <cstdint>
#include <string>
#include <variant>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "engine/calendar.h"
#include "engine/lifecycle.h"
#include "engine/standing.h"
#include "services/text/dossier_text.h"
#include "services/text/event_text_vi.h"

namespace motcua::api {
namespace {

bool IsSettled(LifecycleState state) {
  return state == LifecycleState::kResolved || IsTerminal(state);
}

// The calendar of a dossier in the rules now in force (engine/standing.h).
const Calendar* CalendarOf(const Dossier& dossier, const RuleSet* rules) {
  return rules == nullptr ? nullptr : motcua::CalendarOf(dossier, *rules);
}

void FillStep(const StepRecord& step, const Dossier& dossier, absl::Time now,
              const Calendar* calendar, v1::ControlSheetEntry& entry) {
  entry.set_step_id(step.step_id);
  entry.set_unit(step.unit);
  *entry.mutable_started_at() = TimeToProto(step.started_at);
  *entry.mutable_due_at() = TimeToProto(step.due_at);
  entry.set_handed_over_by(step.handed_over_by);
  if (step.ended_at.has_value()) {
    *entry.mutable_ended_at() = TimeToProto(*step.ended_at);
    *entry.mutable_used() = DurationToProto(step.used);
    entry.set_late(step.late);
    return;
  }
  // The open step, counted as the engine will count it when it ends.
  if (calendar == nullptr) return;
  absl::StatusOr<std::optional<StepStanding>> standing =
      OpenStepStanding(dossier, *calendar, now);
  if (!standing.ok() || !standing->has_value()) return;
  entry.set_late((*standing)->late);
  *entry.mutable_used() = DurationToProto((*standing)->used);
}

}  // namespace

v1::DossierState StateToProto(LifecycleState state) {
  switch (state) {
    case LifecycleState::kReceived:
      return v1::DOSSIER_STATE_RECEIVED;
    case LifecycleState::kProcessing:
      return v1::DOSSIER_STATE_PROCESSING;
    case LifecycleState::kSupplementRequested:
      return v1::DOSSIER_STATE_SUPPLEMENT_REQUESTED;
    case LifecycleState::kAwaitingFinancialObligation:
      return v1::DOSSIER_STATE_AWAITING_FINANCIAL_OBLIGATION;
    case LifecycleState::kStopped:
      return v1::DOSSIER_STATE_STOPPED;
    case LifecycleState::kResolved:
      return v1::DOSSIER_STATE_RESOLVED;
    case LifecycleState::kReturned:
      return v1::DOSSIER_STATE_RETURNED;
    case LifecycleState::kRejected:
      return v1::DOSSIER_STATE_REJECTED;
    case LifecycleState::kWithdrawn:
      return v1::DOSSIER_STATE_WITHDRAWN;
  }
  return v1::DOSSIER_STATE_UNSPECIFIED;
}

v1::Channel ChannelToProto(Channel channel) {
  switch (channel) {
    case Channel::kInPerson:
      return v1::CHANNEL_IN_PERSON;
    case Channel::kOnline:
      return v1::CHANNEL_ONLINE;
    case Channel::kPostal:
      return v1::CHANNEL_POSTAL;
  }
  return v1::CHANNEL_UNSPECIFIED;
}

v1::Classification ClassificationToProto(Classification classification) {
  switch (classification) {
    case Classification::kUnclassified:
      return v1::CLASSIFICATION_UNSPECIFIED;
    case Classification::kEarly:
      return v1::CLASSIFICATION_EARLY;
    case Classification::kOnTime:
      return v1::CLASSIFICATION_ON_TIME;
    case Classification::kLate:
      return v1::CLASSIFICATION_LATE;
  }
  return v1::CLASSIFICATION_UNSPECIFIED;
}

std::optional<TimeLeft> DossierTimeLeft(const Dossier& dossier, absl::Time now,
                                        const RuleSet* rules_or_null) {
  if (IsSettled(dossier.state)) return std::nullopt;
  const Calendar* calendar = CalendarOf(dossier, rules_or_null);
  if (calendar == nullptr) return std::nullopt;
  absl::StatusOr<TimeLeft> left = TimeLeftOf(dossier, *calendar, now);
  if (!left.ok()) return std::nullopt;
  return *left;
}

std::optional<StepStanding> OpenStepStandingOf(const Dossier& dossier,
                                               absl::Time now,
                                               const RuleSet* rules_or_null) {
  const Calendar* calendar = CalendarOf(dossier, rules_or_null);
  if (calendar == nullptr) return std::nullopt;
  absl::StatusOr<std::optional<StepStanding>> standing =
      OpenStepStanding(dossier, *calendar, now);
  if (!standing.ok()) return std::nullopt;
  return *standing;
}

std::string OpenStepBudget(const Dossier& dossier,
                           const RuleSet* rules_or_null) {
  if (rules_or_null == nullptr) return "";
  const ProcedureStep* definition = OpenStepDefinition(dossier, *rules_or_null);
  return definition == nullptr ? "" : definition->budget.ToString();
}

v1::Dossier DossierToProto(const Dossier& dossier, absl::Time now,
                           const RuleSet* rules_or_null) {
  const Calendar* calendar = CalendarOf(dossier, rules_or_null);
  v1::Dossier proto;
  proto.set_code(dossier.code);
  proto.set_version(dossier.version);
  proto.set_state(StateToProto(dossier.state));
  proto.set_portal_status(PortalStatusCode(dossier.state));
  proto.set_procedure_code(dossier.procedure_code);
  proto.set_procedure_version(
      absl::FormatCivilTime(dossier.procedure_effective_from));
  proto.set_rule_version(dossier.rule_version);
  proto.set_agency(dossier.agency);
  proto.set_field(dossier.field);
  proto.set_channel(ChannelToProto(dossier.channel));
  *proto.mutable_received_at() = TimeToProto(dossier.received_at);
  *proto.mutable_clock_started_at() = TimeToProto(dossier.clock_started_at);
  *proto.mutable_due_at() = TimeToProto(dossier.due_at);
  if (std::optional<TimeLeft> left =
          DossierTimeLeft(dossier, now, rules_or_null);
      left.has_value()) {
    *proto.mutable_working_time_left() = DurationToProto(left->working);
    *proto.mutable_calendar_time_left() = DurationToProto(left->calendar);
    proto.set_past_due(left->late());
  }
  if (dossier.entered_late.has_value()) {
    v1::EnteredLate& late = *proto.mutable_entered_late();
    *late.mutable_recorded_at() =
        TimeToProto(dossier.entered_late->recorded_at);
    late.set_reason(dossier.entered_late->reason);
    late.set_by(dossier.entered_late->by);
    *proto.mutable_recorded_at() =
        TimeToProto(dossier.entered_late->recorded_at);
  }
  if (calendar != nullptr) {
    for (absl::CivilDay day : ProvisionalDaysOf(dossier, *calendar)) {
      proto.add_provisional_days(absl::FormatCivilTime(day));
    }
    proto.set_due_time_provisional(proto.provisional_days_size() > 0);
  }
  if (dossier.apology_appointment.has_value()) {
    *proto.mutable_apology_appointment() =
        TimeToProto(*dossier.apology_appointment);
  }
  if (const StepRecord* step = dossier.current_step(); step != nullptr) {
    proto.set_current_step(step->step_id);
    proto.set_current_unit(step->unit);
    *proto.mutable_current_step_due_at() = TimeToProto(step->due_at);
  }
  for (const StepRecord& step : dossier.steps) {
    FillStep(step, dossier, now, calendar, *proto.add_control_sheet());
  }
  const std::array<absl::Duration, kPauseReasonCount> paused =
      calendar != nullptr ? PausedByReasonAt(dossier, *calendar, now)
                          : dossier.paused_by_reason;
  for (int reason = 0; reason < kPauseReasonCount; ++reason) {
    (*proto.mutable_paused())[std::string(PauseReasonName(
        static_cast<PauseReason>(reason)))] = DurationToProto(paused[reason]);
  }
  if (dossier.paused_since.has_value()) {
    *proto.mutable_paused_since() = TimeToProto(*dossier.paused_since);
  }
  proto.set_classification(ClassificationToProto(dossier.classification));
  if (dossier.resolved_at.has_value()) {
    *proto.mutable_resolved_at() = TimeToProto(*dossier.resolved_at);
  }
  if (dossier.returned_at.has_value()) {
    *proto.mutable_returned_at() = TimeToProto(*dossier.returned_at);
  }
  if (dossier.closed_at.has_value()) {
    *proto.mutable_closed_at() = TimeToProto(*dossier.closed_at);
  }
  proto.set_closing_reason(dossier.closing_reason);
  for (const std::string& missing : dossier.supplement_missing) {
    proto.add_supplement_missing(missing);
  }
  proto.set_calendar(dossier.calendar);
  return proto;
}

void PausesToProto(const std::vector<store::StoredEvent>& events,
                   v1::Dossier* dossier) {
  v1::Pause* open = nullptr;
  auto start = [&](PauseReason reason, absl::Time at) {
    open = dossier->add_pauses();
    open->set_reason(std::string(PauseReasonName(reason)));
    *open->mutable_started_at() = TimeToProto(at);
  };
  for (const store::StoredEvent& stored : events) {
    const Event& event = stored.event;
    if (std::holds_alternative<SupplementRequestedEvent>(event.body)) {
      start(PauseReason::kSupplement, event.occurred_at);
    } else if (std::holds_alternative<FinancialObligationRequestedEvent>(
                   event.body)) {
      start(PauseReason::kFinancialObligation, event.occurred_at);
    } else if (std::holds_alternative<StoppedEvent>(event.body)) {
      start(PauseReason::kStopped, event.occurred_at);
    } else if (std::holds_alternative<PauseEndedEvent>(event.body) &&
               open != nullptr) {
      *open->mutable_ended_at() = TimeToProto(event.occurred_at);
      open = nullptr;
    }
  }
}

v1::Event EventToProto(const store::StoredEvent& stored,
                       absl::string_view agency) {
  const Event& event = stored.event;
  v1::Event proto;
  proto.set_sequence(stored.sequence);
  proto.set_dossier_code(event.dossier_code);
  proto.set_dossier_version(event.dossier_version);
  proto.set_type(EventTypeName(event.body));
  *proto.mutable_occurred_at() = TimeToProto(event.occurred_at);
  *proto.mutable_recorded_at() = TimeToProto(stored.recorded_at);
  proto.set_actor(event.actor);
  proto.set_rule_version(event.rule_version);
  proto.set_description(text::DescribeEvent(event, text::DisplayZone()));
  proto.set_description_vi(text::DescribeEventVi(event, text::DisplayZone()));
  const auto* received = std::get_if<ReceivedEvent>(&event.body);
  proto.set_agency(agency.empty() && received != nullptr ? received->agency
                                                         : std::string(agency));
  proto.set_hash(stored.hash);
  proto.set_previous_hash(stored.previous_hash);
  if (const auto* reached = std::get_if<ThresholdReachedEvent>(&event.body)) {
    v1::Escalation& escalation = *proto.mutable_escalation();
    escalation.set_target(
        reached->target == ThresholdTarget::kStep ? "step" : "dossier");
    escalation.set_ladder(reached->ladder);
    escalation.set_index(reached->index);
    escalation.set_level(reached->level);
    for (const std::string& role : reached->notify_roles) {
      escalation.add_notify_roles(role);
    }
    for (const std::string& unit : reached->notify_units) {
      escalation.add_notify_units(unit);
    }
    *escalation.mutable_due_at() = TimeToProto(reached->due_at);
    *escalation.mutable_deadline() = TimeToProto(reached->deadline);
    escalation.set_step_id(reached->step_id);
    escalation.set_unit(reached->unit);
  }
  if (const auto* changed = std::get_if<DueTimeChangedEvent>(&event.body)) {
    v1::DueTimeChange& change = *proto.mutable_due_time_change();
    change.set_reason(changed->reason);
    *change.mutable_old_due_at() = TimeToProto(changed->old_due_at);
    *change.mutable_new_due_at() = TimeToProto(changed->new_due_at);
    if (changed->old_step_due_at.has_value()) {
      *change.mutable_old_step_due_at() =
          TimeToProto(*changed->old_step_due_at);
    }
    if (changed->new_step_due_at.has_value()) {
      *change.mutable_new_step_due_at() =
          TimeToProto(*changed->new_step_due_at);
    }
  }
  return proto;
}

v1::CommandReply ReplyToProto(const store::CommandOutcome& outcome,
                              absl::Time now, const RuleSet* rules_or_null) {
  v1::CommandReply reply;
  std::string agency;
  if (outcome.dossier.has_value()) {
    *reply.mutable_dossier() =
        DossierToProto(*outcome.dossier, now, rules_or_null);
    agency = outcome.dossier->agency;
  }
  for (const store::StoredEvent& stored : outcome.events) {
    *reply.add_events() = EventToProto(stored, agency);
  }
  reply.set_repeated(outcome.repeated);
  return reply;
}

}  // namespace motcua::api
