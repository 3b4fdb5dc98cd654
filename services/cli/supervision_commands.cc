// The supervisor's commands: overdue, due-soon, report.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/time_format.h"
#include "engine/time_limit.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "services/cli/client_commands.h"
#include "services/cli/client_session.h"
#include "services/cli/reply_text.h"

namespace motcua::cli {
namespace {

// The rows of overdue and due-soon, whose second column is the lateness
// (overdue) or the working time left (due-soon).
void AddSupervisionRows(
    const google::protobuf::RepeatedPtrField<v1::OverdueEntry>& entries,
    bool time_left, std::vector<std::vector<std::string>>& rows) {
  for (const v1::OverdueEntry& entry : entries) {
    const v1::Dossier& dossier = entry.dossier();
    const absl::Duration lateness = DurationFromProto(entry.lateness());
    const bool is_step = entry.kind() == v1::DEADLINE_KIND_STEP;
    // A step row shows the step's budget; a dossier row whether the step
    // it is in is late as well.
    std::string step = OrDash(dossier.current_step());
    if (is_step && !entry.step_budget().empty()) {
      absl::StrAppend(&step, " (", entry.step_budget(), ")");
    } else if (!is_step && entry.step_late()) {
      absl::StrAppend(&step, " (late)");
    }
    std::string amount =
        FormatWorkingDuration(time_left ? -lateness : lateness);
    if (!time_left && entry.has_calendar_lateness()) {
      // Past a due time at the close of a day no working time has passed
      // yet: the calendar time says how late it is.
      absl::StrAppend(
          &amount, " (",
          FormatCalendarDuration(DurationFromProto(entry.calendar_lateness())),
          " since due)");
    }
    rows.push_back(
        {dossier.code(), is_step ? "step" : "dossier", amount,
         TimeText(entry.has_due_at() ? entry.due_at() : dossier.due_at()),
         OrDash(entry.unit()), step, dossier.procedure_code(),
         dossier.agency()});
  }
}

// ListOverdue and ListDueSoon: the same filters, pages and table; only the
// request's window and the RPC differ.
template <typename Request, typename Reply>
int RunSupervisionList(Session& session, const SupervisionOptions& options,
                       Request& request,
                       grpc::Status (v1::Supervision::Stub::*rpc)(
                           grpc::ClientContext*, const Request&, Reply*),
                       absl::string_view time_column, bool time_left,
                       const std::string& empty_text, std::ostream& out) {
  request.set_agency(options.agency);
  request.set_unit(options.unit);
  request.set_procedure_code(options.procedure_code);
  request.set_page_size(options.page.page_size);
  if (options.kind.empty() || options.kind == "all") {
    request.set_kind(v1::DEADLINE_KIND_ALL);
  } else if (options.kind == "dossier") {
    request.set_kind(v1::DEADLINE_KIND_DOSSIER);
  } else if (options.kind == "step") {
    request.set_kind(v1::DEADLINE_KIND_STEP);
  } else {
    return session.BadInput(absl::StrCat("--kind: \"", options.kind,
                                         "\" is not dossier, step or all"));
  }
  if (!session.Connect()) return kExitBadInput;

  std::vector<std::vector<std::string>> rows = {
      {"CODE", "KIND", std::string(time_column), "DUE", "HELD BY", "STEP",
       "PROCEDURE", "AGENCY"}};
  std::string next_page_token;
  const grpc::Status status = ForEachPage<Reply>(
      options.page,
      [&](const std::string& token, Reply* reply) {
        request.set_page_token(token);
        return session.Unary(
            [&](const Connection& c, grpc::ClientContext* context) {
              return (c.supervision().*rpc)(context, request, reply);
            });
      },
      [&](const Reply& reply) {
        next_page_token = reply.next_page_token();
        if (session.json()) {
          session.PrintJson(reply);
        } else {
          AddSupervisionRows(reply.entries(), time_left, rows);
        }
      });
  if (!status.ok()) return session.CallFailed(status);
  if (!session.json()) PrintPage(rows, empty_text, next_page_token, out);
  return kExitOk;
}

// `motcua overdue --count`: a line per agency, then the total.
int RunOverdueCount(Session& session, const SupervisionOptions& options,
                    std::ostream& out) {
  if (!options.unit.empty() || !options.procedure_code.empty() ||
      !options.duration.empty() || !options.kind.empty() ||
      options.page.page_size != 0 || !options.page.page_token.empty() ||
      options.page.all) {
    return session.BadInput(
        "--count: counts dossiers and steps per agency; only --agency "
        "narrows them (not --unit, --procedure, --kind, --min-lateness or "
        "paging)");
  }
  v1::CountOverdueRequest request;
  request.set_agency(options.agency);
  if (!session.Connect()) return kExitBadInput;
  v1::CountOverdueReply reply;
  const grpc::Status status =
      session.Unary([&](const Connection& c, grpc::ClientContext* context) {
        return c.supervision().CountOverdue(context, request, &reply);
      });
  if (!status.ok()) return session.CallFailed(status);
  if (session.json()) {
    session.PrintJson(reply);
    return kExitOk;
  }
  out << absl::StrFormat("%-32s %10s %10s\n", "AGENCY", "DOSSIERS", "STEPS");
  for (const v1::AgencyOverdue& row : reply.agencies()) {
    out << absl::StrFormat("%-32s %10d %10d\n", row.agency(), row.dossiers(),
                           row.steps());
  }
  out << absl::StrFormat("%-32s %10d %10d\n", "total", reply.dossiers(),
                         reply.steps());
  return kExitOk;
}

}  // namespace

int RunOverdue(const ClientOptions& client, const SupervisionOptions& options,
               std::ostream& out, std::ostream& err) {
  Session session(client, "overdue", out, err);
  if (options.count) return RunOverdueCount(session, options, out);
  v1::OverdueRequest request;
  if (!options.duration.empty()) {
    absl::StatusOr<google::protobuf::Duration> min_lateness =
        ParseDurationFlag(options.duration, "--min-lateness");
    if (!min_lateness.ok()) {
      return session.BadInput(min_lateness.status().message());
    }
    *request.mutable_min_lateness() = *min_lateness;
  }
  return RunSupervisionList(session, options, request,
                            &v1::Supervision::Stub::ListOverdue, "LATE BY",
                            /*time_left=*/false, "no dossiers overdue", out);
}

int RunDueSoon(const ClientOptions& client, const SupervisionOptions& options,
               std::ostream& out, std::ostream& err) {
  Session session(client, "due-soon", out, err);
  v1::DueSoonRequest request;
  // "1wd", "4wh", "30wm": a window written as limits are, which the server
  // counts in each dossier's calendar; else working time as a duration.
  if (ParseTimeLimit(options.duration).ok()) {
    request.set_within_limit(options.duration);
  } else {
    absl::StatusOr<google::protobuf::Duration> within =
        ParseDurationFlag(options.duration, "--within");
    if (!within.ok()) {
      return session.BadInput(absl::StrCat(
          "--within: \"", options.duration,
          "\" is neither a limit (1wd, 4wh, 30wm) nor working time in hours "
          "and minutes (2h30m)"));
    }
    *request.mutable_within() = *within;
  }
  return RunSupervisionList(
      session, options, request, &v1::Supervision::Stub::ListDueSoon, "LEFT",
      /*time_left=*/true,
      absl::StrCat("no dossiers due within ", options.duration), out);
}

namespace {

// Adds `row`'s counts into `sum`. Every int64 column of ReportRow is a
// count and adds up; online_rate is a ratio, recomputed from the summed
// counts by SetOnlineRate (a ratio column added to ReportRow must be
// recomputed there too, never added).
void AddReportRow(const v1::ReportRow& row, v1::ReportRow* sum) {
  const google::protobuf::Descriptor* descriptor = row.GetDescriptor();
  const google::protobuf::Reflection* reflection = row.GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = descriptor->field(i);
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_INT64) {
      continue;
    }
    reflection->SetInt64(
        sum, field,
        reflection->GetInt64(*sum, field) + reflection->GetInt64(row, field));
  }
}

// new_online / all new, 0..1, as the server computes it.
void SetOnlineRate(v1::ReportRow* row) {
  const int64_t new_total = row->new_online() + row->new_in_person_or_postal();
  row->set_online_rate(
      new_total == 0 ? 0 : static_cast<double>(row->new_online()) / new_total);
}

// The reports of several servers as one: rows of the same group added, in
// group order, and their total.
v1::ReportReply SumReports(const std::vector<v1::ReportReply>& replies) {
  std::map<std::string, v1::ReportRow> groups;
  v1::ReportReply sum;
  v1::ReportRow* total = sum.mutable_total();
  total->set_group("total");
  for (const v1::ReportReply& reply : replies) {
    for (const v1::ReportRow& row : reply.rows()) {
      v1::ReportRow& group = groups[row.group()];
      group.set_group(row.group());
      AddReportRow(row, &group);
    }
    AddReportRow(reply.total(), total);
  }
  for (auto& [name, row] : groups) {
    SetOnlineRate(&row);
    *sum.add_rows() = std::move(row);
  }
  SetOnlineRate(total);
  return sum;
}

}  // namespace

int RunReport(const ClientOptions& client, const ReportOptions& options,
              std::ostream& out, std::ostream& err) {
  Session session(client, "report", out, err);
  v1::ReportRequest request;
  request.set_from_day(options.from_day);
  request.set_to_day(options.to_day);
  request.set_agency(options.agency);
  if (options.group_by == "agency") {
    request.set_group_by(v1::ReportRequest::GROUP_BY_AGENCY);
  } else if (options.group_by == "procedure") {
    request.set_group_by(v1::ReportRequest::GROUP_BY_PROCEDURE);
  } else if (options.group_by == "field") {
    request.set_group_by(v1::ReportRequest::GROUP_BY_FIELD);
  } else if (options.group_by == "unit") {
    request.set_group_by(v1::ReportRequest::GROUP_BY_UNIT);
  } else {
    return session.BadInput(
        absl::StrCat("--group-by: \"", options.group_by,
                     "\" is not agency, procedure, field or unit"));
  }
  if (options.count_at == "resolution") {
    request.set_count_at(v1::ReportRequest::COUNT_AT_RESOLUTION);
  } else if (options.count_at == "return") {
    request.set_count_at(v1::ReportRequest::COUNT_AT_RETURN);
  } else {
    return session.BadInput(absl::StrCat("--count-at: \"", options.count_at,
                                         "\" is not resolution or return"));
  }
  // Each server's report, then their sum: nothing is printed unless every
  // server answered, so that a national total never silently lacks a
  // province.
  std::vector<std::string> addresses = options.addresses;
  if (addresses.empty()) addresses.push_back(client.connection.address);
  std::vector<v1::ReportReply> replies;
  for (const std::string& address : addresses) {
    ClientOptions one = client;
    one.connection.address = address;
    Session call(one, "report", out, err);
    if (addresses.size() > 1) call.NameServerInErrors();
    if (!call.Connect()) return kExitBadInput;
    v1::ReportReply& reply = replies.emplace_back();
    const grpc::Status status =
        call.Unary([&](const Connection& c, grpc::ClientContext* context) {
          return c.supervision().Report(context, request, &reply);
        });
    if (!status.ok()) return call.CallFailed(status);
  }
  const v1::ReportReply reply =
      replies.size() == 1 ? std::move(replies.front()) : SumReports(replies);
  if (session.json()) {
    session.PrintJson(reply);
    return kExitOk;
  }
  std::vector<const v1::ReportRow*> rows;
  for (const v1::ReportRow& row : reply.rows()) rows.push_back(&row);
  rows.push_back(&reply.total());
  if (options.csv) {
    out << options.group_by
        << ",received,carried_over,new_online,new_in_person_or_postal,"
           "resolved,resolved_early,resolved_on_time,resolved_late,rejected,"
           "withdrawn,pending,pending_within,pending_overdue,paused,"
           "paused_within,paused_overdue,online_rate,entered_late\n";
    for (const v1::ReportRow* row : rows) {
      // Group names are codes (no commas or quotes); quote them anyway.
      out << "\"" << row->group() << "\"," << row->received() << ","
          << row->carried_over() << "," << row->new_online() << ","
          << row->new_in_person_or_postal() << "," << row->resolved() << ","
          << row->resolved_early() << "," << row->resolved_on_time() << ","
          << row->resolved_late() << "," << row->rejected() << ","
          << row->withdrawn() << "," << row->pending() << ","
          << row->pending_within() << "," << row->pending_overdue() << ","
          << row->paused() << "," << row->paused_within() << ","
          << row->paused_overdue() << ","
          << absl::StrFormat("%.4f", row->online_rate()) << ","
          << row->entered_late() << "\n";
    }
    return kExitOk;
  }
  out << "report " << options.from_day << " .. " << options.to_day << ", by "
      << options.group_by;
  if (options.group_by == "unit") {
    // Rows count steps, which end when handed on (count_at does not apply).
    out << ", steps each unit held, late against the step's budget\n";
  } else {
    out << ", resolutions counted at " << options.count_at << "\n";
  }
  out << absl::StrFormat(
      "%-32s %8s %8s %8s %8s | %8s %6s %6s %6s | %8s %6s %6s | %7s %6s %6s | "
      "%6s | %7s\n",
      options.group_by, "received", "carried", "online", "other", "resolved",
      "early", "ontime", "late", "pending", "within", "over", "paused",
      "within", "over", "online", "entered");
  for (const v1::ReportRow* row : rows) {
    out << absl::StrFormat(
        "%-32s %8d %8d %8d %8d | %8d %6d %6d %6d | %8d %6d %6d | %7d %6d %6d | "
        "%5.1f%% | %7d\n",
        row->group(), row->received(), row->carried_over(), row->new_online(),
        row->new_in_person_or_postal(), row->resolved(), row->resolved_early(),
        row->resolved_on_time(), row->resolved_late(), row->pending(),
        row->pending_within(), row->pending_overdue(), row->paused(),
        row->paused_within(), row->paused_overdue(), 100 * row->online_rate(),
        row->entered_late());
  }
  if (reply.total().entered_late() > 0) {
    out << "entered: of the new, receipts entered beyond the backdating "
           "bound; they changed this period's figures after the fact\n";
  }
  return kExitOk;
}

}  // namespace motcua::cli
