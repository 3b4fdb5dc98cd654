#include "store/event_codec.h"

#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/message_lite.h"
#include "motcua/v1/events.pb.h"

namespace motcua::store {
namespace {

namespace pb = ::motcua::v1;

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// Deterministic serialization: today's messages have no maps, but the bytes
// are hashed, so the guarantee is asked for rather than assumed.
std::string SerializeMessage(const google::protobuf::MessageLite& message) {
  std::string bytes;
  // ByteSizeLong() also fills the cached sizes SerializeWithCachedSizes uses.
  bytes.reserve(message.ByteSizeLong());
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeWithCachedSizes(&coded);
  }
  return bytes;
}

bool Parse(absl::string_view bytes, google::protobuf::MessageLite& message) {
  return message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
}

int64_t ToStoredSeconds(absl::Duration duration) {
  return absl::ToInt64Seconds(duration);
}

std::string FormatDay(absl::CivilDay day) { return absl::FormatCivilTime(day); }

absl::StatusOr<absl::CivilDay> ParseDay(const std::string& text,
                                        absl::string_view what) {
  absl::CivilDay day;
  if (!absl::ParseCivilTime(text, &day)) {
    return absl::DataLossError(
        absl::StrCat(what, ": \"", text, "\" is not a date"));
  }
  return day;
}

// Stored enums are checked on the way in: a value this build does not know
// is a damaged or newer record, reported rather than cast.
absl::StatusOr<Channel> ChannelFromStored(int32_t value) {
  if (value >= static_cast<int32_t>(Channel::kInPerson) &&
      value <= static_cast<int32_t>(Channel::kPostal)) {
    return static_cast<Channel>(value);
  }
  return absl::DataLossError(absl::StrCat("unknown channel ", value));
}

absl::StatusOr<PauseReason> PauseReasonFromStored(int32_t value) {
  if (value >= 0 && value < kPauseReasonCount) {
    return static_cast<PauseReason>(value);
  }
  return absl::DataLossError(absl::StrCat("unknown pause reason ", value));
}

absl::StatusOr<Classification> ClassificationFromStored(int32_t value) {
  if (value >= static_cast<int32_t>(Classification::kUnclassified) &&
      value <= static_cast<int32_t>(Classification::kLate)) {
    return static_cast<Classification>(value);
  }
  return absl::DataLossError(absl::StrCat("unknown classification ", value));
}

absl::StatusOr<LifecycleState> StateFromStored(int32_t value) {
  for (LifecycleState state : kAllLifecycleStates) {
    if (static_cast<int32_t>(state) == value) return state;
  }
  return absl::DataLossError(absl::StrCat("unknown lifecycle state ", value));
}

void ToProto(const StepStart& start, pb::StepStart& out) {
  out.set_step_id(start.step_id);
  out.set_unit(start.unit);
  out.set_due_at_micros(ToStoredMicros(start.due_at));
}

StepStart FromProto(const pb::StepStart& in) {
  return StepStart{in.step_id(), in.unit(),
                   FromStoredMicros(in.due_at_micros())};
}

void ToProto(const StepEnd& end, pb::StepEnd& out) {
  out.set_used_seconds(ToStoredSeconds(end.used));
  out.set_late(end.late);
}

StepEnd FromProto(const pb::StepEnd& in) {
  return StepEnd{absl::Seconds(in.used_seconds()), in.late()};
}

void ToProto(const EnteredLate& late, pb::LateEntry& out) {
  out.set_recorded_at_micros(ToStoredMicros(late.recorded_at));
  out.set_reason(late.reason);
  out.set_by(late.by);
}

EnteredLate FromProto(const pb::LateEntry& in) {
  return EnteredLate{FromStoredMicros(in.recorded_at_micros()), in.reason(),
                     in.by()};
}

absl::StatusOr<ThresholdEvent> ThresholdEventFromStored(int32_t value) {
  if (value >= static_cast<int32_t>(ThresholdEvent::kDeadlineApproaching) &&
      value <= static_cast<int32_t>(ThresholdEvent::kEscalated)) {
    return static_cast<ThresholdEvent>(value);
  }
  return absl::DataLossError(absl::StrCat("unknown threshold event ", value));
}

absl::StatusOr<ThresholdTarget> ThresholdTargetFromStored(int32_t value) {
  if (value == static_cast<int32_t>(ThresholdTarget::kDossier) ||
      value == static_cast<int32_t>(ThresholdTarget::kStep)) {
    return static_cast<ThresholdTarget>(value);
  }
  return absl::DataLossError(absl::StrCat("unknown threshold target ", value));
}

PendingThreshold FromProto(const pb::PendingThreshold& in) {
  return PendingThreshold{in.index(), FromStoredMicros(in.at_micros())};
}

void ScheduleToProto(const Schedule& schedule, pb::Schedule& out) {
  if (schedule.dossier.has_value()) {
    out.mutable_dossier()->set_index(schedule.dossier->index);
    out.mutable_dossier()->set_at_micros(ToStoredMicros(schedule.dossier->at));
  }
  if (schedule.step.has_value()) {
    out.mutable_step()->set_index(schedule.step->index);
    out.mutable_step()->set_at_micros(ToStoredMicros(schedule.step->at));
  }
}

Schedule ScheduleFromProto(const pb::Schedule& in) {
  Schedule schedule;
  if (in.has_dossier()) schedule.dossier = FromProto(in.dossier());
  if (in.has_step()) schedule.step = FromProto(in.step());
  return schedule;
}

void WatchToProto(const ThresholdWatch& watch, pb::ThresholdWatch& out) {
  out.set_reached(watch.reached);
  if (watch.next.has_value()) {
    out.mutable_next()->set_index(watch.next->index);
    out.mutable_next()->set_at_micros(ToStoredMicros(watch.next->at));
  }
}

ThresholdWatch WatchFromProto(const pb::ThresholdWatch& in) {
  ThresholdWatch watch;
  watch.reached = in.reached();
  if (in.has_next()) watch.next = FromProto(in.next());
  return watch;
}

void SetOptionalMicros(const std::optional<absl::Time>& time,
                       void (pb::DueTimeChangedEvent::*setter)(int64_t),
                       pb::DueTimeChangedEvent& out) {
  if (time.has_value()) (out.*setter)(ToStoredMicros(*time));
}

void BodyToProto(const EventBody& body, pb::EventPayload& payload) {
  std::visit(
      Overloaded{
          [&](const ReceivedEvent& event) {
            pb::ReceivedEvent& out = *payload.mutable_received();
            out.set_procedure_code(event.procedure_code);
            out.set_procedure_effective_from(
                FormatDay(event.procedure_effective_from));
            out.set_agency(event.agency);
            out.set_field(event.field);
            out.set_channel(static_cast<int32_t>(event.channel));
            out.set_calendar(event.calendar);
            out.set_summary(event.summary);
            out.set_received_at_micros(ToStoredMicros(event.received_at));
            out.set_clock_started_at_micros(
                ToStoredMicros(event.clock_started_at));
            out.set_due_at_micros(ToStoredMicros(event.due_at));
            out.set_submission_fingerprint(event.submission_fingerprint);
            if (event.first_step.has_value()) {
              ToProto(*event.first_step, *out.mutable_first_step());
            }
            if (event.entered_late.has_value()) {
              ToProto(*event.entered_late, *out.mutable_entered_late());
            }
          },
          [&](const HandedOverEvent& event) {
            pb::HandedOverEvent& out = *payload.mutable_handed_over();
            if (event.ended.has_value()) {
              ToProto(*event.ended, *out.mutable_ended());
            }
            ToProto(event.next, *out.mutable_next());
            out.set_note(event.note);
          },
          [&](const SupplementRequestedEvent& event) {
            pb::SupplementRequestedEvent& out =
                *payload.mutable_supplement_requested();
            for (const std::string& item : event.missing) out.add_missing(item);
          },
          [&](const PauseEndedEvent& event) {
            pb::PauseEndedEvent& out = *payload.mutable_pause_ended();
            out.set_reason(static_cast<int32_t>(event.reason));
            out.set_restarted(event.restarted);
            out.set_paused_seconds(ToStoredSeconds(event.paused));
            out.set_clock_started_at_micros(
                ToStoredMicros(event.clock_started_at));
            out.set_due_at_micros(ToStoredMicros(event.due_at));
            if (event.step_due_at.has_value()) {
              out.set_step_due_at_micros(ToStoredMicros(*event.step_due_at));
            }
          },
          [&](const FinancialObligationRequestedEvent& event) {
            payload.mutable_financial_obligation_requested()->set_description(
                event.description);
          },
          [&](const StoppedEvent& event) {
            payload.mutable_stopped()->set_reason(event.reason);
          },
          [&](const ApologisedEvent& event) {
            pb::ApologisedEvent& out = *payload.mutable_apologised();
            out.set_reason(event.reason);
            out.set_new_appointment_micros(
                ToStoredMicros(event.new_appointment));
          },
          [&](const ResolvedEvent& event) {
            pb::ResolvedEvent& out = *payload.mutable_resolved();
            out.set_classification(static_cast<int32_t>(event.classification));
            if (event.ended.has_value()) {
              ToProto(*event.ended, *out.mutable_ended());
            }
            out.set_result(event.result);
          },
          [&](const ResultReturnedEvent&) {
            payload.mutable_result_returned();
          },
          [&](const RejectedEvent& event) {
            pb::RejectedEvent& out = *payload.mutable_rejected();
            if (event.ended.has_value()) {
              ToProto(*event.ended, *out.mutable_ended());
            }
            out.set_reason(event.reason);
          },
          [&](const WithdrawnEvent& event) {
            pb::WithdrawnEvent& out = *payload.mutable_withdrawn();
            if (event.ended.has_value()) {
              ToProto(*event.ended, *out.mutable_ended());
            }
            out.set_reason(event.reason);
          },
          [&](const ThresholdReachedEvent& event) {
            pb::ThresholdReachedEvent& out =
                *payload.mutable_threshold_reached();
            out.set_target(static_cast<int32_t>(event.target));
            out.set_index(event.index);
            out.set_ladder(event.ladder);
            out.set_kind(static_cast<int32_t>(event.kind));
            out.set_level(event.level);
            for (const std::string& role : event.notify_roles) {
              out.add_notify_roles(role);
            }
            for (const std::string& unit : event.notify_units) {
              out.add_notify_units(unit);
            }
            out.set_due_at_micros(ToStoredMicros(event.due_at));
            out.set_deadline_micros(ToStoredMicros(event.deadline));
            out.set_step_id(event.step_id);
            out.set_unit(event.unit);
          },
          [&](const DueTimeChangedEvent& event) {
            pb::DueTimeChangedEvent& out = *payload.mutable_due_time_changed();
            out.set_reason(event.reason);
            out.set_old_due_at_micros(ToStoredMicros(event.old_due_at));
            out.set_new_due_at_micros(ToStoredMicros(event.new_due_at));
            SetOptionalMicros(
                event.old_step_due_at,
                &pb::DueTimeChangedEvent::set_old_step_due_at_micros, out);
            SetOptionalMicros(
                event.new_step_due_at,
                &pb::DueTimeChangedEvent::set_new_step_due_at_micros, out);
          },
      },
      body);
}

template <typename Message>
std::optional<StepEnd> EndedFromProto(const Message& message) {
  if (!message.has_ended()) return std::nullopt;
  return FromProto(message.ended());
}

absl::StatusOr<EventBody> BodyFromProto(const pb::EventPayload& payload) {
  switch (payload.body_case()) {
    case pb::EventPayload::kReceived: {
      const pb::ReceivedEvent& in = payload.received();
      ReceivedEvent event;
      event.procedure_code = in.procedure_code();
      absl::StatusOr<absl::CivilDay> day = ParseDay(
          in.procedure_effective_from(), "received: procedure_effective_from");
      if (!day.ok()) return day.status();
      event.procedure_effective_from = *day;
      event.agency = in.agency();
      event.field = in.field();
      absl::StatusOr<Channel> channel = ChannelFromStored(in.channel());
      if (!channel.ok()) return channel.status();
      event.channel = *channel;
      event.calendar = in.calendar();
      event.summary = in.summary();
      event.received_at = FromStoredMicros(in.received_at_micros());
      event.clock_started_at = FromStoredMicros(in.clock_started_at_micros());
      event.due_at = FromStoredMicros(in.due_at_micros());
      event.submission_fingerprint = in.submission_fingerprint();
      if (in.has_first_step()) event.first_step = FromProto(in.first_step());
      if (in.has_entered_late()) {
        event.entered_late = FromProto(in.entered_late());
      }
      return EventBody(std::move(event));
    }
    case pb::EventPayload::kHandedOver: {
      const pb::HandedOverEvent& in = payload.handed_over();
      HandedOverEvent event;
      event.ended = EndedFromProto(in);
      event.next = FromProto(in.next());
      event.note = in.note();
      return EventBody(std::move(event));
    }
    case pb::EventPayload::kSupplementRequested: {
      SupplementRequestedEvent event;
      for (const std::string& item : payload.supplement_requested().missing()) {
        event.missing.push_back(item);
      }
      return EventBody(std::move(event));
    }
    case pb::EventPayload::kPauseEnded: {
      const pb::PauseEndedEvent& in = payload.pause_ended();
      PauseEndedEvent event;
      absl::StatusOr<PauseReason> reason = PauseReasonFromStored(in.reason());
      if (!reason.ok()) return reason.status();
      event.reason = *reason;
      event.restarted = in.restarted();
      event.paused = absl::Seconds(in.paused_seconds());
      event.clock_started_at = FromStoredMicros(in.clock_started_at_micros());
      event.due_at = FromStoredMicros(in.due_at_micros());
      if (in.has_step_due_at_micros()) {
        event.step_due_at = FromStoredMicros(in.step_due_at_micros());
      }
      return EventBody(std::move(event));
    }
    case pb::EventPayload::kFinancialObligationRequested:
      return EventBody(FinancialObligationRequestedEvent{
          payload.financial_obligation_requested().description()});
    case pb::EventPayload::kStopped:
      return EventBody(StoppedEvent{payload.stopped().reason()});
    case pb::EventPayload::kApologised:
      return EventBody(ApologisedEvent{
          payload.apologised().reason(),
          FromStoredMicros(payload.apologised().new_appointment_micros())});
    case pb::EventPayload::kResolved: {
      const pb::ResolvedEvent& in = payload.resolved();
      ResolvedEvent event;
      absl::StatusOr<Classification> classification =
          ClassificationFromStored(in.classification());
      if (!classification.ok()) return classification.status();
      event.classification = *classification;
      event.ended = EndedFromProto(in);
      event.result = in.result();
      return EventBody(std::move(event));
    }
    case pb::EventPayload::kResultReturned:
      return EventBody(ResultReturnedEvent{});
    case pb::EventPayload::kRejected: {
      RejectedEvent event;
      event.ended = EndedFromProto(payload.rejected());
      event.reason = payload.rejected().reason();
      return EventBody(std::move(event));
    }
    case pb::EventPayload::kWithdrawn: {
      WithdrawnEvent event;
      event.ended = EndedFromProto(payload.withdrawn());
      event.reason = payload.withdrawn().reason();
      return EventBody(std::move(event));
    }
    case pb::EventPayload::kThresholdReached: {
      const pb::ThresholdReachedEvent& in = payload.threshold_reached();
      ThresholdReachedEvent event;
      absl::StatusOr<ThresholdTarget> target =
          ThresholdTargetFromStored(in.target());
      if (!target.ok()) return target.status();
      event.target = *target;
      event.index = in.index();
      event.ladder = in.ladder();
      absl::StatusOr<ThresholdEvent> kind = ThresholdEventFromStored(in.kind());
      if (!kind.ok()) return kind.status();
      event.kind = *kind;
      event.level = in.level();
      event.notify_roles.assign(in.notify_roles().begin(),
                                in.notify_roles().end());
      event.notify_units.assign(in.notify_units().begin(),
                                in.notify_units().end());
      event.due_at = FromStoredMicros(in.due_at_micros());
      event.deadline = FromStoredMicros(in.deadline_micros());
      event.step_id = in.step_id();
      event.unit = in.unit();
      return EventBody(std::move(event));
    }
    case pb::EventPayload::kDueTimeChanged: {
      const pb::DueTimeChangedEvent& in = payload.due_time_changed();
      DueTimeChangedEvent event;
      event.reason = in.reason();
      event.old_due_at = FromStoredMicros(in.old_due_at_micros());
      event.new_due_at = FromStoredMicros(in.new_due_at_micros());
      if (in.has_old_step_due_at_micros()) {
        event.old_step_due_at = FromStoredMicros(in.old_step_due_at_micros());
      }
      if (in.has_new_step_due_at_micros()) {
        event.new_step_due_at = FromStoredMicros(in.new_step_due_at_micros());
      }
      return EventBody(std::move(event));
    }
    case pb::EventPayload::BODY_NOT_SET:
      break;
  }
  return absl::DataLossError(
      "event payload has no body this build understands");
}

void SetOptionalMicros(const std::optional<absl::Time>& time,
                       void (pb::DossierSnapshot::*setter)(int64_t),
                       pb::DossierSnapshot& out) {
  if (time.has_value()) (out.*setter)(ToStoredMicros(*time));
}

}  // namespace

int64_t ToStoredMicros(absl::Time time) { return absl::ToUnixMicros(time); }

absl::Time FromStoredMicros(int64_t micros) {
  return absl::FromUnixMicros(micros);
}

absl::Time ToStoredPrecision(absl::Time time) {
  return FromStoredMicros(ToStoredMicros(time));
}

std::string EncodeEventPayload(const EventBody& body,
                               absl::string_view request_id,
                               const std::optional<Schedule>& schedule,
                               absl::string_view command_fingerprint) {
  pb::EventPayload payload;
  payload.set_request_id(std::string(request_id));
  payload.set_command_fingerprint(std::string(command_fingerprint));
  if (schedule.has_value()) {
    ScheduleToProto(*schedule, *payload.mutable_schedule());
  }
  BodyToProto(body, payload);
  return SerializeMessage(payload);
}

absl::StatusOr<DecodedPayload> DecodeEventPayload(absl::string_view bytes) {
  pb::EventPayload payload;
  if (!Parse(bytes, payload)) {
    return absl::DataLossError("event payload does not parse");
  }
  absl::StatusOr<EventBody> body = BodyFromProto(payload);
  if (!body.ok()) return body.status();
  DecodedPayload decoded{std::move(*body), payload.request_id(), std::nullopt,
                         payload.command_fingerprint()};
  if (payload.has_schedule()) {
    decoded.schedule = ScheduleFromProto(payload.schedule());
  }
  return decoded;
}

std::string EncodeDossierSnapshot(const Dossier& dossier) {
  pb::DossierSnapshot out;
  out.set_code(dossier.code);
  out.set_version(dossier.version);
  out.set_state(static_cast<int32_t>(dossier.state));
  out.set_procedure_code(dossier.procedure_code);
  out.set_procedure_effective_from(FormatDay(dossier.procedure_effective_from));
  out.set_rule_version(dossier.rule_version);
  out.set_agency(dossier.agency);
  out.set_field(dossier.field);
  out.set_channel(static_cast<int32_t>(dossier.channel));
  out.set_calendar(dossier.calendar);
  out.set_summary(dossier.summary);
  out.set_received_at_micros(ToStoredMicros(dossier.received_at));
  out.set_clock_started_at_micros(ToStoredMicros(dossier.clock_started_at));
  out.set_submission_fingerprint(dossier.submission_fingerprint);
  out.set_due_at_micros(ToStoredMicros(dossier.due_at));
  if (dossier.entered_late.has_value()) {
    ToProto(*dossier.entered_late, *out.mutable_entered_late());
  }
  SetOptionalMicros(dossier.apology_appointment,
                    &pb::DossierSnapshot::set_apology_appointment_micros, out);
  for (const StepRecord& step : dossier.steps) {
    pb::StepSnapshot& entry = *out.add_steps();
    entry.set_step_id(step.step_id);
    entry.set_unit(step.unit);
    entry.set_started_at_micros(ToStoredMicros(step.started_at));
    entry.set_counted_from_micros(ToStoredMicros(step.counted_from));
    entry.set_due_at_micros(ToStoredMicros(step.due_at));
    entry.set_paused_seconds(ToStoredSeconds(step.paused));
    if (step.ended_at.has_value()) {
      entry.set_ended_at_micros(ToStoredMicros(*step.ended_at));
    }
    entry.set_used_seconds(ToStoredSeconds(step.used));
    entry.set_late(step.late);
    entry.set_handed_over_by(step.handed_over_by);
  }
  SetOptionalMicros(dossier.paused_since,
                    &pb::DossierSnapshot::set_paused_since_micros, out);
  out.set_pause_reason(static_cast<int32_t>(dossier.pause_reason));
  out.set_paused_supplement_seconds(ToStoredSeconds(
      dossier.paused_by_reason[static_cast<int>(PauseReason::kSupplement)]));
  out.set_paused_financial_obligation_seconds(
      ToStoredSeconds(dossier.paused_by_reason[static_cast<int>(
          PauseReason::kFinancialObligation)]));
  out.set_paused_stopped_seconds(ToStoredSeconds(
      dossier.paused_by_reason[static_cast<int>(PauseReason::kStopped)]));
  for (const std::string& item : dossier.supplement_missing) {
    out.add_supplement_missing(item);
  }
  out.set_classification(static_cast<int32_t>(dossier.classification));
  SetOptionalMicros(dossier.resolved_at,
                    &pb::DossierSnapshot::set_resolved_at_micros, out);
  SetOptionalMicros(dossier.returned_at,
                    &pb::DossierSnapshot::set_returned_at_micros, out);
  SetOptionalMicros(dossier.closed_at,
                    &pb::DossierSnapshot::set_closed_at_micros, out);
  out.set_closing_reason(dossier.closing_reason);
  out.set_clock_paused_seconds(ToStoredSeconds(dossier.clock_paused));
  if (dossier.dossier_watch != ThresholdWatch()) {
    WatchToProto(dossier.dossier_watch, *out.mutable_dossier_watch());
  }
  if (dossier.step_watch != ThresholdWatch()) {
    WatchToProto(dossier.step_watch, *out.mutable_step_watch());
  }
  return SerializeMessage(out);
}

absl::StatusOr<Dossier> DecodeDossierSnapshot(absl::string_view bytes) {
  pb::DossierSnapshot in;
  if (!Parse(bytes, in)) {
    return absl::DataLossError("dossier snapshot does not parse");
  }
  Dossier dossier;
  dossier.code = in.code();
  dossier.version = in.version();
  absl::StatusOr<LifecycleState> state = StateFromStored(in.state());
  if (!state.ok()) return state.status();
  dossier.state = *state;
  dossier.procedure_code = in.procedure_code();
  absl::StatusOr<absl::CivilDay> day = ParseDay(
      in.procedure_effective_from(), "snapshot: procedure_effective_from");
  if (!day.ok()) return day.status();
  dossier.procedure_effective_from = *day;
  dossier.rule_version = in.rule_version();
  dossier.agency = in.agency();
  dossier.field = in.field();
  absl::StatusOr<Channel> channel = ChannelFromStored(in.channel());
  if (!channel.ok()) return channel.status();
  dossier.channel = *channel;
  dossier.calendar = in.calendar();
  dossier.summary = in.summary();
  dossier.received_at = FromStoredMicros(in.received_at_micros());
  dossier.clock_started_at = FromStoredMicros(in.clock_started_at_micros());
  dossier.submission_fingerprint = in.submission_fingerprint();
  dossier.due_at = FromStoredMicros(in.due_at_micros());
  if (in.has_entered_late())
    dossier.entered_late = FromProto(in.entered_late());
  if (in.has_apology_appointment_micros()) {
    dossier.apology_appointment =
        FromStoredMicros(in.apology_appointment_micros());
  }
  dossier.steps.reserve(in.steps_size());
  for (const pb::StepSnapshot& entry : in.steps()) {
    StepRecord step;
    step.step_id = entry.step_id();
    step.unit = entry.unit();
    step.started_at = FromStoredMicros(entry.started_at_micros());
    step.counted_from = FromStoredMicros(entry.counted_from_micros());
    step.due_at = FromStoredMicros(entry.due_at_micros());
    step.paused = absl::Seconds(entry.paused_seconds());
    if (entry.has_ended_at_micros()) {
      step.ended_at = FromStoredMicros(entry.ended_at_micros());
    }
    step.used = absl::Seconds(entry.used_seconds());
    step.late = entry.late();
    step.handed_over_by = entry.handed_over_by();
    dossier.steps.push_back(std::move(step));
  }
  if (in.has_paused_since_micros()) {
    dossier.paused_since = FromStoredMicros(in.paused_since_micros());
  }
  absl::StatusOr<PauseReason> reason = PauseReasonFromStored(in.pause_reason());
  if (!reason.ok()) return reason.status();
  dossier.pause_reason = *reason;
  dossier.paused_by_reason[static_cast<int>(PauseReason::kSupplement)] =
      absl::Seconds(in.paused_supplement_seconds());
  dossier
      .paused_by_reason[static_cast<int>(PauseReason::kFinancialObligation)] =
      absl::Seconds(in.paused_financial_obligation_seconds());
  dossier.paused_by_reason[static_cast<int>(PauseReason::kStopped)] =
      absl::Seconds(in.paused_stopped_seconds());
  for (const std::string& item : in.supplement_missing()) {
    dossier.supplement_missing.push_back(item);
  }
  absl::StatusOr<Classification> classification =
      ClassificationFromStored(in.classification());
  if (!classification.ok()) return classification.status();
  dossier.classification = *classification;
  if (in.has_resolved_at_micros()) {
    dossier.resolved_at = FromStoredMicros(in.resolved_at_micros());
  }
  if (in.has_returned_at_micros()) {
    dossier.returned_at = FromStoredMicros(in.returned_at_micros());
  }
  if (in.has_closed_at_micros()) {
    dossier.closed_at = FromStoredMicros(in.closed_at_micros());
  }
  dossier.closing_reason = in.closing_reason();
  dossier.clock_paused = absl::Seconds(in.clock_paused_seconds());
  if (in.has_dossier_watch()) {
    dossier.dossier_watch = WatchFromProto(in.dossier_watch());
  }
  if (in.has_step_watch()) dossier.step_watch = WatchFromProto(in.step_watch());
  return dossier;
}

std::string EncodeRequestOutcome(const RequestRecord& record) {
  pb::RequestOutcome out;
  out.set_dossier_code(record.dossier_code);
  out.set_dossier_version(record.dossier_version);
  out.set_last_sequence(record.last_sequence);
  return SerializeMessage(out);
}

absl::StatusOr<RequestRecord> DecodeRequestOutcome(absl::string_view bytes) {
  pb::RequestOutcome in;
  if (!Parse(bytes, in)) {
    return absl::DataLossError("request outcome does not parse");
  }
  return RequestRecord{in.dossier_code(), in.dossier_version(),
                       in.last_sequence(), ""};
}

}  // namespace motcua::store
