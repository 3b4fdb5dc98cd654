#include "services/text/dossier_text.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "engine/time_format.h"

namespace motcua::text {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

std::string StepEndText(const std::optional<StepEnd>& end) {
  if (!end.has_value()) return "";
  return absl::StrCat("; the open step used ", FormatWorkingDuration(end->used),
                      end->late ? ", late" : ", within its budget");
}

}  // namespace

absl::TimeZone DisplayZone() { return FixedZone(7 * 3600); }

std::string DescribeEvent(const Event& event, absl::TimeZone zone) {
  auto time = [&](absl::Time t) { return FormatInstant(t, zone); };
  return std::visit(
      Overloaded{
          [&](const ReceivedEvent& e) {
            std::string text = absl::StrCat(
                "received (", ChannelName(e.channel), ") for procedure ",
                e.procedure_code, " version from ",
                absl::FormatCivilTime(e.procedure_effective_from), " by ",
                e.agency, "; clock from ", time(e.clock_started_at), ", due ",
                time(e.due_at));
            if (e.first_step.has_value()) {
              absl::StrAppend(&text, "; step ", e.first_step->step_id,
                              " held by ", e.first_step->unit, ", due ",
                              time(e.first_step->due_at));
            }
            if (e.entered_late.has_value()) {
              absl::StrAppend(&text, "; received ", time(e.received_at),
                              ", entered late by ", e.entered_late->by, " at ",
                              time(e.entered_late->recorded_at), ": ",
                              e.entered_late->reason);
            }
            return text;
          },
          [&](const HandedOverEvent& e) {
            return absl::StrCat(
                "handed over to ", e.next.unit,
                e.next.step_id.empty()
                    ? ""
                    : absl::StrCat(" (step ", e.next.step_id, ")"),
                ", due ", time(e.next.due_at), StepEndText(e.ended),
                e.note.empty() ? "" : absl::StrCat("; note: ", e.note));
          },
          [&](const SupplementRequestedEvent& e) {
            return absl::StrCat("supplement requested, clock paused; missing: ",
                                absl::StrJoin(e.missing, ", "));
          },
          [&](const PauseEndedEvent& e) {
            return absl::StrCat(
                PauseReasonName(e.reason), " pause ended after ",
                FormatWorkingDuration(e.paused), " of working time; ",
                e.restarted ? absl::StrCat("clock restarted from ",
                                           time(e.clock_started_at), ", ")
                            : "",
                "due ", time(e.due_at),
                e.step_due_at.has_value()
                    ? absl::StrCat(", step due ", time(*e.step_due_at))
                    : "");
          },
          [&](const FinancialObligationRequestedEvent& e) {
            return absl::StrCat(
                "financial obligation requested, clock paused: ",
                e.description);
          },
          [&](const StoppedEvent& e) {
            return absl::StrCat("stopped, clock paused: ", e.reason);
          },
          [&](const ApologisedEvent& e) {
            return absl::StrCat("apology, new appointment ",
                                time(e.new_appointment), ": ", e.reason);
          },
          [&](const ResolvedEvent& e) {
            return absl::StrCat("resolved, ",
                                ClassificationName(e.classification),
                                StepEndText(e.ended));
          },
          [&](const ResultReturnedEvent&) {
            return std::string("result returned to the applicant");
          },
          [&](const RejectedEvent& e) {
            return absl::StrCat("rejected: ", e.reason, StepEndText(e.ended));
          },
          [&](const WithdrawnEvent& e) {
            return absl::StrCat("withdrawn: ", e.reason, StepEndText(e.ended));
          },
          [&](const ThresholdReachedEvent& e) {
            std::string text = absl::StrCat(
                EventTypeName(event.body), " (",
                e.target == ThresholdTarget::kStep
                    ? absl::StrCat("step ", e.step_id.empty() ? "-" : e.step_id)
                    : std::string("dossier"),
                ", level ", e.level, ") at ", time(e.due_at), " against due ",
                time(e.deadline));
            if (!e.unit.empty()) absl::StrAppend(&text, "; held by ", e.unit);
            std::vector<std::string> notified = e.notify_roles;
            notified.insert(notified.end(), e.notify_units.begin(),
                            e.notify_units.end());
            if (!notified.empty()) {
              absl::StrAppend(&text, "; notify ",
                              absl::StrJoin(notified, ", "));
            }
            return text;
          },
          [&](const DueTimeChangedEvent& e) {
            std::string text =
                absl::StrCat("due time changed from ", time(e.old_due_at),
                             " to ", time(e.new_due_at));
            if (e.old_step_due_at.has_value() &&
                e.new_step_due_at.has_value()) {
              absl::StrAppend(&text, "; step due from ",
                              time(*e.old_step_due_at), " to ",
                              time(*e.new_step_due_at));
            }
            return absl::StrCat(text, ": ", e.reason);
          },
      },
      event.body);
}

nlohmann::ordered_json DossierJson(const Dossier& dossier,
                                   absl::TimeZone zone) {
  auto time = [&](absl::Time t) { return FormatInstant(t, zone); };
  nlohmann::ordered_json json;
  json["code"] = dossier.code;
  json["version"] = dossier.version;
  json["state"] = LifecycleStateName(dossier.state);
  json["portal_status"] = PortalStatusCode(dossier.state);
  json["procedure_code"] = dossier.procedure_code;
  json["procedure_effective_from"] =
      absl::FormatCivilTime(dossier.procedure_effective_from);
  json["agency"] = dossier.agency;
  json["channel"] = ChannelName(dossier.channel);
  json["received_at"] = time(dossier.received_at);
  json["clock_started_at"] = time(dossier.clock_started_at);
  if (dossier.entered_late.has_value()) {
    json["entered_late"] = {
        {"recorded_at", time(dossier.entered_late->recorded_at)},
        {"reason", dossier.entered_late->reason},
        {"by", dossier.entered_late->by}};
  }
  json["due_at"] = time(dossier.due_at);
  if (dossier.apology_appointment.has_value()) {
    json["apology_appointment"] = time(*dossier.apology_appointment);
  }
  if (dossier.paused_since.has_value()) {
    json["paused_since"] = time(*dossier.paused_since);
    json["pause_reason"] = PauseReasonName(dossier.pause_reason);
  }
  nlohmann::ordered_json paused = nlohmann::ordered_json::object();
  for (int reason = 0; reason < kPauseReasonCount; ++reason) {
    paused[std::string(PauseReasonName(static_cast<PauseReason>(reason)))] =
        absl::ToInt64Seconds(dossier.paused_by_reason[reason]);
  }
  json["paused_seconds_by_reason"] = paused;
  json["classification"] = ClassificationName(dossier.classification);
  nlohmann::ordered_json steps = nlohmann::ordered_json::array();
  for (const StepRecord& step : dossier.steps) {
    nlohmann::ordered_json entry;
    entry["step"] = step.step_id;
    entry["unit"] = step.unit;
    entry["started_at"] = time(step.started_at);
    entry["due_at"] = time(step.due_at);
    if (step.ended_at.has_value()) {
      entry["ended_at"] = time(*step.ended_at);
      entry["used_seconds"] = absl::ToInt64Seconds(step.used);
      entry["late"] = step.late;
    }
    entry["handed_over_by"] = step.handed_over_by;
    steps.push_back(entry);
  }
  json["control_sheet"] = steps;
  return json;
}

}  // namespace motcua::text
