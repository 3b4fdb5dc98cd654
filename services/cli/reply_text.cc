#include "services/cli/reply_text.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "engine/time_format.h"
#include "engine/time_limit.h"
#include "google/protobuf/util/json_util.h"
#include "services/text/dossier_text.h"

namespace motcua::cli {
namespace {

// The enum value's name without its prefix ("DOSSIER_STATE_").
std::string WithoutPrefix(const std::string& name, absl::string_view prefix) {
  absl::string_view rest = name;
  absl::ConsumePrefix(&rest, prefix);
  return std::string(rest);
}

// Why a paused dossier is paused: its state says it.
std::string PauseReasonOfState(v1::DossierState state) {
  switch (state) {
    case v1::DOSSIER_STATE_SUPPLEMENT_REQUESTED:
      return "supplement";
    case v1::DOSSIER_STATE_AWAITING_FINANCIAL_OBLIGATION:
      return "financial_obligation";
    case v1::DOSSIER_STATE_STOPPED:
      return "stopped";
    default:
      return "paused";
  }
}

// Display width of UTF-8 text: its code points.
size_t Width(absl::string_view text) {
  return std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  });
}

}  // namespace

std::string TimeText(const google::protobuf::Timestamp& timestamp) {
  return FormatInstant(TimeFromProto(timestamp), text::DisplayZone());
}

std::string DurationText(const google::protobuf::Duration& duration) {
  return FormatWorkingDuration(DurationFromProto(duration));
}

std::string StateText(v1::DossierState state) {
  return WithoutPrefix(v1::DossierState_Name(state), "DOSSIER_STATE_");
}

std::string ChannelText(v1::Channel channel) {
  return absl::AsciiStrToLower(
      WithoutPrefix(v1::Channel_Name(channel), "CHANNEL_"));
}

std::string ClassificationText(v1::Classification classification) {
  if (classification == v1::CLASSIFICATION_UNSPECIFIED) return "unclassified";
  return absl::AsciiStrToLower(WithoutPrefix(
      v1::Classification_Name(classification), "CLASSIFICATION_"));
}

void PrintDossier(const v1::Dossier& dossier, std::ostream& out) {
  out << "dossier:     " << dossier.code() << " (version " << dossier.version()
      << ")\n";
  out << "state:       " << StateText(dossier.state()) << " (portal status "
      << dossier.portal_status() << ")\n";
  out << "procedure:   " << dossier.procedure_code() << " version from "
      << dossier.procedure_version() << ", calendar " << dossier.calendar()
      << "\n";
  out << "agency:      " << dossier.agency() << " ("
      << ChannelText(dossier.channel()) << ")\n";
  out << "received:    " << TimeText(dossier.received_at()) << ", clock from "
      << TimeText(dossier.clock_started_at()) << "\n";
  if (dossier.has_recorded_at() &&
      TimeText(dossier.recorded_at()) != TimeText(dossier.received_at())) {
    out << "recorded:    " << TimeText(dossier.recorded_at());
    if (dossier.has_entered_late()) {
      out << ", entered late by " << dossier.entered_late().by() << ": "
          << dossier.entered_late().reason();
    }
    out << "\n";
  }
  out << "due:         " << TimeText(dossier.due_at());
  if (dossier.due_time_provisional()) {
    out << " (provisional: counts on "
        << absl::StrJoin(dossier.provisional_days(), ", ")
        << ", not yet confirmed)";
  }
  out << "\n";
  if (dossier.has_working_time_left()) {
    TimeLeft left;
    left.working = DurationFromProto(dossier.working_time_left());
    // A server without calendar_time_left says late by a negative working
    // time only.
    left.calendar = dossier.has_calendar_time_left()
                        ? DurationFromProto(dossier.calendar_time_left())
                        : left.working;
    out << "time left:   "
        << (left.late() ? absl::StrCat("none: ", TimeLeftText(left))
                        : absl::StrCat(FormatWorkingDuration(left.working),
                                       " of working time"))
        << "\n";
  }
  if (!dossier.current_unit().empty()) {
    out << "held by:     " << dossier.current_unit();
    if (!dossier.current_step().empty()) {
      out << ", step " << dossier.current_step();
    }
    if (dossier.has_current_step_due_at()) {
      out << " due " << TimeText(dossier.current_step_due_at());
    }
    out << "\n";
  }
  if (dossier.has_apology_appointment()) {
    out << "apology:     new appointment "
        << TimeText(dossier.apology_appointment())
        << " (still counted against the due time)\n";
  }
  if (dossier.has_paused_since()) {
    out << "paused:      since " << TimeText(dossier.paused_since()) << " ("
        << PauseReasonOfState(dossier.state()) << ")\n";
  }
  if (!dossier.supplement_missing().empty()) {
    out << "missing:     " << absl::StrJoin(dossier.supplement_missing(), "; ")
        << "\n";
  }
  // The engine's order of the reasons first, then any the client does not
  // know, by name.
  std::vector<std::string> reasons = {"supplement", "financial_obligation",
                                      "stopped"};
  std::set<std::string> others;
  for (const auto& [reason, paused] : dossier.paused()) {
    if (std::find(reasons.begin(), reasons.end(), reason) == reasons.end()) {
      others.insert(reason);
    }
  }
  reasons.insert(reasons.end(), others.begin(), others.end());
  for (const std::string& reason : reasons) {
    auto found = dossier.paused().find(reason);
    if (found == dossier.paused().end()) continue;
    if (DurationFromProto(found->second) <= absl::ZeroDuration()) continue;
    out << "paused for:  " << reason << " " << DurationText(found->second)
        << "\n";
  }
  if (dossier.has_resolved_at()) {
    out << "resolved:    " << TimeText(dossier.resolved_at()) << ", "
        << ClassificationText(dossier.classification()) << "\n";
  }
  if (dossier.has_returned_at()) {
    out << "returned:    " << TimeText(dossier.returned_at()) << "\n";
  }
  if (dossier.has_closed_at()) {
    out << "closed:      " << TimeText(dossier.closed_at()) << ": "
        << dossier.closing_reason() << "\n";
  }
  if (!dossier.control_sheet().empty()) {
    out << "control sheet:\n";
    int number = 0;
    for (const v1::ControlSheetEntry& step : dossier.control_sheet()) {
      out << "  " << ++number << ". "
          << (step.step_id().empty() ? "-" : step.step_id()) << " held by "
          << step.unit() << " from " << TimeText(step.started_at()) << ", due "
          << TimeText(step.due_at());
      if (step.has_ended_at()) {
        out << ", ended " << TimeText(step.ended_at()) << ", used "
            << DurationText(step.used())
            << (step.late() ? ", LATE" : ", in time");
      } else if (step.has_used()) {
        out << ", open, used " << DurationText(step.used()) << " so far"
            << (step.late() ? ", LATE" : "");
      } else {
        out << ", open";  // counted only with the rules (not offline)
      }
      out << " (handed over by " << step.handed_over_by() << ")\n";
    }
  }
}

std::string EventLine(const v1::Event& event) {
  return absl::StrCat("#", event.sequence(), " ", event.dossier_code(), " v",
                      event.dossier_version(), " ",
                      TimeText(event.occurred_at()), " ", event.actor(), ": ",
                      event.description());
}

void PrintTable(const std::vector<std::vector<std::string>>& rows,
                std::ostream& out) {
  std::vector<size_t> widths;
  for (const std::vector<std::string>& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], Width(row[i]));
    }
  }
  for (const std::vector<std::string>& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      absl::StrAppend(&line, row[i]);
      if (i + 1 < row.size()) {
        line.append(widths[i] - Width(row[i]) + 2, ' ');
      }
    }
    out << line << "\n";
  }
}

std::string JsonLine(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string json;
  // Printing a message the client itself parsed from the wire cannot fail
  // (it fails only on a descriptor that has no JSON mapping).
  if (!google::protobuf::util::MessageToJsonString(message, &json, options)
           .ok()) {
    return "{}";
  }
  return json;
}

}  // namespace motcua::cli
