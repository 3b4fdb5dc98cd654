#include "services/cli/client_commands.h"

#include <algorithm>
#include <fstream>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "engine/rules.h"
#include "engine/time_format.h"
#include "engine/time_limit.h"
#include "services/cli/reply_text.h"
#include "services/rules_files/rules_files.h"
#include "services/text/dossier_text.h"

namespace motcua::cli {
namespace {

// Times typed without an offset are read at Vietnam's, as `motcua due` and
// the audit commands read them.
const absl::TimeZone kInputZone = text::DisplayZone();

// "NOT_FOUND", as gRPC and Abseil spell the codes (they number them alike).
std::string CodeName(grpc::StatusCode code) {
  const int number = static_cast<int>(code);
  if (number < 0 ||
      number > static_cast<int>(grpc::StatusCode::UNAUTHENTICATED)) {
    return "UNKNOWN";
  }
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(number));
}

// One run of a client command: its name in messages, its streams and its
// connection.
class Session {
 public:
  Session(const ClientOptions& client, std::string command, std::ostream& out,
          std::ostream& err)
      : client_(client), command_(std::move(command)), out_(out), err_(err) {}

  bool json() const { return client_.json; }
  const Connection& connection() const { return *connection_; }

  // The one line of bad input; returns kExitBadInput.
  int BadInput(absl::string_view message) const {
    err_ << "motcua " << command_ << ": " << message << "\n";
    return kExitBadInput;
  }

  // Opens the connection. False after printing why (a TLS flag).
  bool Connect() {
    absl::StatusOr<std::unique_ptr<Connection>> connection =
        Connection::Open(client_.connection);
    if (!connection.ok()) {
      BadInput(connection.status().message());
      return false;
    }
    connection_ = *std::move(connection);
    return true;
  }

  // One line for a call that ended with an error; returns its exit code.
  int CallFailed(const grpc::Status& status) const {
    err_ << "motcua " << command_ << ": " << CodeName(status.error_code())
         << ": " << status.error_message();
    if (ExitCodeForStatus(status.error_code()) == kExitUnreachable) {
      err_ << " (server " << connection_->address() << ")";
    }
    if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED &&
        client_.connection.token.empty()) {
      err_ << " (give --token or set MOTCUA_TOKEN)";
    }
    err_ << "\n";
    return ExitCodeForStatus(status.error_code());
  }

  // Makes one unary call, `call(stubs, context)`, with the token and the
  // per-call deadline.
  template <class Call>
  grpc::Status Unary(Call call) const {
    grpc::ClientContext context;
    connection_->Prepare(&context, CallDeadline::kPerCall);
    return call(*connection_, &context);
  }

  void PrintJson(const google::protobuf::Message& message) const {
    out_ << JsonLine(message) << "\n";
  }

 private:
  const ClientOptions& client_;
  const std::string command_;
  std::ostream& out_;
  std::ostream& err_;
  std::unique_ptr<Connection> connection_;
};

// An instant typed on the command line. INVALID_ARGUMENT naming the flag.
absl::StatusOr<google::protobuf::Timestamp> ParseTimeFlag(
    absl::string_view text, absl::string_view flag) {
  absl::StatusOr<absl::Time> instant = ParseInstant(text, kInputZone);
  if (!instant.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": ", instant.status().message()));
  }
  return TimeToProto(*instant);
}

// A working duration typed on the command line: "2h30m", "90m", "0".
// INVALID_ARGUMENT naming the flag, also for a negative one.
absl::StatusOr<google::protobuf::Duration> ParseDurationFlag(
    absl::string_view text, absl::string_view flag) {
  absl::Duration duration;
  if (!absl::ParseDuration(text, &duration) ||
      duration == absl::InfiniteDuration() ||
      duration == -absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": \"", text,
        "\" is not a duration; write working time in hours and minutes, "
        "e.g. 2h30m (a working day depends on the calendar)"));
  }
  if (duration < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": must not be negative"));
  }
  return DurationToProto(duration);
}

// "in_person", "in-person" or "IN_PERSON" as the enum value.
absl::StatusOr<v1::Channel> ParseChannel(absl::string_view text) {
  v1::Channel channel = v1::CHANNEL_UNSPECIFIED;
  const std::string name = absl::StrCat(
      "CHANNEL_",
      absl::AsciiStrToUpper(absl::StrReplaceAll(text, {{"-", "_"}})));
  if (!v1::Channel_Parse(name, &channel) ||
      channel == v1::CHANNEL_UNSPECIFIED) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--channel: \"", text, "\" is not in_person, online or postal"));
  }
  return channel;
}

// "processing", "supplement-requested" or "PROCESSING" as the enum value.
absl::StatusOr<v1::DossierState> ParseState(absl::string_view text) {
  v1::DossierState state = v1::DOSSIER_STATE_UNSPECIFIED;
  const std::string name = absl::StrCat(
      "DOSSIER_STATE_",
      absl::AsciiStrToUpper(absl::StrReplaceAll(text, {{"-", "_"}})));
  if (!v1::DossierState_Parse(name, &state) ||
      state == v1::DOSSIER_STATE_UNSPECIFIED) {
    std::vector<std::string> names;
    for (int value = v1::DossierState_MIN + 1; value <= v1::DossierState_MAX;
         ++value) {
      if (v1::DossierState_IsValid(value)) {
        names.push_back(StateText(static_cast<v1::DossierState>(value)));
      }
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "--state: \"", text, "\" is not one of ", absl::StrJoin(names, ", ")));
  }
  return state;
}

v1::CommandOptions CommandOptionsOf(const CommandFlags& flags) {
  v1::CommandOptions options;
  options.set_request_id(flags.request_id);
  options.set_expected_version(flags.expected_version);
  return options;
}

// The answer to submit and act for people: what was appended, then the
// dossier.
void PrintCommandReply(const v1::CommandReply& reply, std::ostream& out) {
  if (reply.repeated()) {
    out << "repeated: this answered a retry; nothing was appended\n";
  } else {
    out << "events:\n";
    for (const v1::Event& event : reply.events()) {
      out << "  " << EventLine(event) << "\n";
    }
  }
  PrintDossier(reply.dossier(), out);
}

// Calls `fetch(page_token, &reply)` for the page at `flags.page_token` and,
// with `flags.all`, for every page after it, handing each reply to `each`.
template <class Reply, class Fetch, class Each>
grpc::Status ForEachPage(const PageFlags& flags, Fetch fetch, Each each) {
  std::string token = flags.page_token;
  while (true) {
    Reply reply;
    grpc::Status status = fetch(token, &reply);
    if (!status.ok()) return status;
    each(reply);
    // A token that does not move would page forever: stop there.
    if (!flags.all || reply.next_page_token().empty() ||
        reply.next_page_token() == token) {
      return grpc::Status::OK;
    }
    token = reply.next_page_token();
  }
}

// The table of a list command, or `empty` when it has no rows, then the
// way to the next page.
void PrintPage(const std::vector<std::vector<std::string>>& rows,
               absl::string_view empty, const std::string& next_page_token,
               std::ostream& out) {
  if (rows.size() <= 1) {
    out << empty << "\n";
  } else {
    PrintTable(rows, out);
  }
  if (!next_page_token.empty()) {
    out << "more: --page-token " << next_page_token << " (or --all)\n";
  }
}

std::string OrDash(const std::string& text) {
  return text.empty() ? "-" : text;
}

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

}  // namespace

int ExitCodeForStatus(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return kExitOk;
    case grpc::StatusCode::INVALID_ARGUMENT:
      return kExitBadInput;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return kExitUnreachable;
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      return kExitAccessDenied;
    default:
      return kExitRefused;
  }
}

const char* ActActionName(ActAction action) {
  switch (action) {
    case ActAction::kHandOver:
      return "hand-over";
    case ActAction::kRequestSupplement:
      return "request-supplement";
    case ActAction::kReceiveSupplement:
      return "receive-supplement";
    case ActAction::kRequestFinancialObligation:
      return "request-financial-obligation";
    case ActAction::kConfirmFinancialObligation:
      return "confirm-financial-obligation";
    case ActAction::kStop:
      return "stop";
    case ActAction::kResume:
      return "resume";
    case ActAction::kApologise:
      return "apologise";
    case ActAction::kResolve:
      return "resolve";
    case ActAction::kReturnResult:
      return "return-result";
    case ActAction::kReject:
      return "reject";
    case ActAction::kWithdraw:
      return "withdraw";
  }
  return "unknown";
}

int RunSubmit(const ClientOptions& client, const SubmitOptions& options,
              std::ostream& out, std::ostream& err) {
  Session session(client, "submit", out, err);
  absl::StatusOr<v1::Channel> channel = ParseChannel(options.channel);
  if (!channel.ok()) return session.BadInput(channel.status().message());
  v1::SubmitRequest request;
  if (options.received.has_value()) {
    absl::StatusOr<google::protobuf::Timestamp> received =
        ParseTimeFlag(*options.received, "--received");
    if (!received.ok()) return session.BadInput(received.status().message());
    *request.mutable_received_at() = *received;
  } else {
    *request.mutable_received_at() = TimeToProto(absl::Now());
  }
  request.set_dossier_code(options.dossier_code);
  request.set_procedure_code(options.procedure_code);
  request.set_agency(options.agency);
  request.set_channel(*channel);
  request.set_summary(options.summary);
  request.set_late_entry_reason(options.late_entry_reason);
  *request.mutable_options() = CommandOptionsOf(options.command);
  if (!session.Connect()) return kExitBadInput;

  v1::CommandReply reply;
  const grpc::Status status =
      session.Unary([&](const Connection& c, grpc::ClientContext* context) {
        return c.dossiers().Submit(context, request, &reply);
      });
  if (!status.ok()) return session.CallFailed(status);
  if (session.json()) {
    session.PrintJson(reply);
    return kExitOk;
  }
  out << TimeText(reply.dossier().due_at()) << "\n";
  PrintCommandReply(reply, out);
  return kExitOk;
}

int RunAct(const ClientOptions& client, const ActOptions& options,
           std::ostream& out, std::ostream& err) {
  Session session(client, absl::StrCat("act ", ActActionName(options.action)),
                  out, err);
  v1::ActRequest request;
  request.set_dossier_code(options.dossier_code);
  *request.mutable_options() = CommandOptionsOf(options.command);
  switch (options.action) {
    case ActAction::kHandOver: {
      v1::HandOver* action = request.mutable_hand_over();
      action->set_to_step(options.to_step);
      action->set_to_unit(options.to_unit);
      action->set_note(options.note);
      break;
    }
    case ActAction::kRequestSupplement: {
      // Set even without entries: the server then names the missing field.
      v1::RequestSupplement* action = request.mutable_request_supplement();
      for (const std::string& missing : options.missing) {
        action->add_missing(missing);
      }
      break;
    }
    case ActAction::kReceiveSupplement:
      request.mutable_receive_supplement();
      break;
    case ActAction::kRequestFinancialObligation:
      request.mutable_request_financial_obligation()->set_description(
          options.description);
      break;
    case ActAction::kConfirmFinancialObligation:
      request.mutable_confirm_financial_obligation();
      break;
    case ActAction::kStop:
      request.mutable_stop()->set_reason(options.reason);
      break;
    case ActAction::kResume:
      request.mutable_resume();
      break;
    case ActAction::kApologise: {
      absl::StatusOr<google::protobuf::Timestamp> appointment =
          ParseTimeFlag(options.new_appointment, "--new-appointment");
      if (!appointment.ok()) {
        return session.BadInput(appointment.status().message());
      }
      request.mutable_apologise()->set_reason(options.reason);
      *request.mutable_apologise()->mutable_new_appointment() = *appointment;
      break;
    }
    case ActAction::kResolve:
      request.mutable_resolve()->set_result(options.result);
      break;
    case ActAction::kReturnResult:
      request.mutable_return_result();
      break;
    case ActAction::kReject:
      request.mutable_reject()->set_reason(options.reason);
      break;
    case ActAction::kWithdraw:
      request.mutable_withdraw()->set_reason(options.reason);
      break;
  }
  if (!session.Connect()) return kExitBadInput;

  v1::CommandReply reply;
  const grpc::Status status =
      session.Unary([&](const Connection& c, grpc::ClientContext* context) {
        return c.dossiers().Act(context, request, &reply);
      });
  if (!status.ok()) return session.CallFailed(status);
  if (session.json()) {
    session.PrintJson(reply);
    return kExitOk;
  }
  PrintCommandReply(reply, out);
  return kExitOk;
}

int RunGet(const ClientOptions& client, const std::string& dossier_code,
           std::ostream& out, std::ostream& err) {
  Session session(client, "get", out, err);
  if (!session.Connect()) return kExitBadInput;
  v1::GetRequest request;
  request.set_dossier_code(dossier_code);
  v1::Dossier reply;
  const grpc::Status status =
      session.Unary([&](const Connection& c, grpc::ClientContext* context) {
        return c.dossiers().Get(context, request, &reply);
      });
  if (!status.ok()) return session.CallFailed(status);
  if (session.json()) {
    session.PrintJson(reply);
  } else {
    PrintDossier(reply, out);
  }
  return kExitOk;
}

int RunList(const ClientOptions& client, const ListOptions& options,
            std::ostream& out, std::ostream& err) {
  Session session(client, "list", out, err);
  v1::ListRequest request;
  if (!options.state.empty()) {
    absl::StatusOr<v1::DossierState> state = ParseState(options.state);
    if (!state.ok()) return session.BadInput(state.status().message());
    request.set_state(*state);
  }
  request.set_agency(options.agency);
  request.set_procedure_code(options.procedure_code);
  request.set_unit(options.unit);
  request.set_page_size(options.page.page_size);
  if (!session.Connect()) return kExitBadInput;

  std::vector<std::vector<std::string>> rows = {
      {"CODE", "STATE", "PROCEDURE", "AGENCY", "HELD BY", "DUE", "LEFT"}};
  std::string next_page_token;
  const grpc::Status status = ForEachPage<v1::ListReply>(
      options.page,
      [&](const std::string& token, v1::ListReply* reply) {
        request.set_page_token(token);
        return session.Unary(
            [&](const Connection& c, grpc::ClientContext* context) {
              return c.dossiers().List(context, request, reply);
            });
      },
      [&](const v1::ListReply& reply) {
        next_page_token = reply.next_page_token();
        if (session.json()) {
          session.PrintJson(reply);
          return;
        }
        for (const v1::Dossier& dossier : reply.dossiers()) {
          rows.push_back({dossier.code(), StateText(dossier.state()),
                          dossier.procedure_code(), dossier.agency(),
                          OrDash(dossier.current_unit()),
                          TimeText(dossier.due_at()),
                          dossier.has_working_time_left()
                              ? DurationText(dossier.working_time_left())
                              : "-"});
        }
      });
  if (!status.ok()) return session.CallFailed(status);
  if (!session.json()) PrintPage(rows, "no dossiers", next_page_token, out);
  return kExitOk;
}

namespace {

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

int RunWatch(const ClientOptions& client, const WatchOptions& options,
             std::ostream& out, std::ostream& err) {
  Session session(client, "watch", out, err);
  if (options.after_sequence < 0) {
    return session.BadInput("--after: must not be negative");
  }
  if (options.limit < 0) {
    return session.BadInput("--limit: must not be negative");
  }
  v1::WatchRequest request;
  request.set_after_sequence(options.after_sequence);
  for (const std::string& type : options.types) request.add_types(type);
  request.set_agency(options.agency);
  if (!session.Connect()) return kExitBadInput;

  grpc::ClientContext context;
  session.connection().Prepare(&context, CallDeadline::kNone);
  std::unique_ptr<grpc::ClientReader<v1::Event>> reader =
      session.connection().supervision().WatchEvents(&context, request);
  int64_t last_sequence = options.after_sequence;
  int64_t printed = 0;
  v1::Event event;
  while (reader->Read(&event)) {
    if (session.json()) {
      out << JsonLine(event) << "\n";
    } else {
      out << EventLine(event) << "\n";
    }
    // Each line as it arrives: a script or a pager reads them live.
    out.flush();
    last_sequence = event.sequence();
    if (options.limit > 0 && ++printed >= options.limit) {
      context.TryCancel();
      break;
    }
  }
  const grpc::Status status = reader->Finish();
  if (options.limit > 0 && printed >= options.limit) return kExitOk;
  if (status.ok()) return kExitOk;
  const int exit_code = session.CallFailed(status);
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    err << "motcua watch: resume with --after " << last_sequence << "\n";
  }
  return exit_code;
}

int RunEvents(const ClientOptions& client, const EventsOptions& options,
              std::ostream& out, std::ostream& err) {
  Session session(client, "events", out, err);
  v1::ReadEventsRequest request;
  if (options.dossier_code.has_value()) {
    request.set_dossier_code(*options.dossier_code);
  } else {
    request.set_after_sequence(options.after_sequence);
    request.set_limit(options.limit);
  }
  if (!session.Connect()) return kExitBadInput;
  v1::ReadEventsReply reply;
  const grpc::Status status =
      session.Unary([&](const Connection& c, grpc::ClientContext* context) {
        return c.audit().ReadEvents(context, request, &reply);
      });
  if (!status.ok()) return session.CallFailed(status);
  if (session.json()) {
    session.PrintJson(reply);
    return kExitOk;
  }
  if (reply.events().empty()) {
    out << "no events\n";
    return kExitOk;
  }
  for (const v1::Event& event : reply.events()) {
    out << EventLine(event) << "\n";
  }
  // A full range may have more after it (the server's default is 1000).
  constexpr int kDefaultLimit = 1000;
  const int limit = options.limit > 0 ? options.limit : kDefaultLimit;
  if (!options.dossier_code.has_value() && reply.events_size() >= limit) {
    out << "more: --after " << reply.events(reply.events_size() - 1).sequence()
        << "\n";
  }
  return kExitOk;
}

int RunAsOf(const ClientOptions& client, const std::string& dossier_code,
            const std::string& at, std::ostream& out, std::ostream& err) {
  Session session(client, "as-of", out, err);
  absl::StatusOr<google::protobuf::Timestamp> as_of = ParseTimeFlag(at, "--at");
  if (!as_of.ok()) return session.BadInput(as_of.status().message());
  v1::AsOfRequest request;
  request.set_dossier_code(dossier_code);
  *request.mutable_as_of() = *as_of;
  if (!session.Connect()) return kExitBadInput;
  v1::Dossier reply;
  const grpc::Status status =
      session.Unary([&](const Connection& c, grpc::ClientContext* context) {
        return c.audit().GetDossierAsOf(context, request, &reply);
      });
  if (!status.ok()) return session.CallFailed(status);
  if (session.json()) {
    session.PrintJson(reply);
    return kExitOk;
  }
  out << "as of " << TimeText(*as_of) << ":\n";
  if (reply.recorded_after_as_of()) {
    // Received before as_of, recorded after it: say both, so that nobody
    // takes the log to have held it then.
    out << "received " << TimeText(reply.received_at())
        << " but recorded only at " << TimeText(reply.recorded_at())
        << ": shown as received; the log did not hold it yet\n";
  }
  PrintDossier(reply, out);
  return kExitOk;
}

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
  if (!session.Connect()) return kExitBadInput;
  v1::ReportReply reply;
  const grpc::Status status =
      session.Unary([&](const Connection& c, grpc::ClientContext* context) {
        return c.supervision().Report(context, request, &reply);
      });
  if (!status.ok()) return session.CallFailed(status);
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

int RunVerify(const ClientOptions& client, std::ostream& out,
              std::ostream& err) {
  Session session(client, "verify", out, err);
  if (!session.Connect()) return kExitBadInput;
  v1::VerifyReply reply;
  const grpc::Status status =
      session.Unary([&](const Connection& c, grpc::ClientContext* context) {
        return c.audit().VerifyLog(context, v1::VerifyRequest(), &reply);
      });
  if (!status.ok()) return session.CallFailed(status);
  if (session.json()) {
    session.PrintJson(reply);
  } else if (reply.intact()) {
    out << "log intact: " << reply.events_checked()
        << " events, every hash and link verified\n";
  } else {
    out << "log BROKEN at event " << reply.first_bad_sequence() << ": "
        << reply.problem() << "\n";
    out << reply.events_checked() << " events checked\n";
  }
  if (!session.json()) {
    out << "head: event " << reply.head_sequence() << ", hash "
        << absl::BytesToHexString(reply.head_hash()) << "\n";
  }
  return reply.intact() ? kExitOk : kExitLogBroken;
}

int RunCheckpoint(const ClientOptions& client, const CheckpointOptions& options,
                  std::ostream& out, std::ostream& err) {
  Session session(client, "checkpoint", out, err);
  if (!session.Connect()) return kExitBadInput;
  v1::CheckpointReply reply;
  const grpc::Status status = session.Unary([&](const Connection& c,
                                                grpc::ClientContext* context) {
    if (options.sign) {
      return c.audit().SignCheckpoint(context, v1::SignCheckpointRequest(),
                                      &reply);
    }
    return c.audit().GetCheckpoint(context, v1::GetCheckpointRequest(), &reply);
  });
  if (!status.ok()) return session.CallFailed(status);
  if (!options.out_file.empty()) {
    std::ofstream file(options.out_file, std::ios::binary | std::ios::trunc);
    file << reply.text();
    file.close();
    if (!file) {
      err << "motcua checkpoint: cannot write " << options.out_file << "\n";
      return kExitBadInput;
    }
  }
  if (session.json()) {
    session.PrintJson(reply);
  } else if (options.out_file.empty()) {
    out << reply.text();
  } else {
    out << "checkpoint of event " << reply.sequence() << " written to "
        << options.out_file << "\n";
  }
  return kExitOk;
}

int RunRulesValidate(const ClientOptions& client,
                     const std::optional<std::string>& directory,
                     std::ostream& out, std::ostream& err) {
  Session session(client, "rules validate", out, err);
  v1::ValidateRulesRequest request;
  if (directory.has_value()) {
    // Read as the server reads its own rules directory.
    RuleFiles files = ReadRuleFiles(*directory);
    if (!files.errors.empty()) {
      std::vector<std::string> problems;
      for (const RuleError& error : files.errors) {
        problems.push_back(error.ToString());
      }
      return session.BadInput(absl::StrJoin(problems, "\n"));
    }
    for (RuleSource& source : files.sources) {
      v1::RuleFile& file = *request.add_files();
      file.set_path(std::move(source.path));
      file.set_content(std::move(source.content));
    }
  }
  if (!session.Connect()) return kExitBadInput;
  v1::ValidateRulesReply reply;
  const grpc::Status status =
      session.Unary([&](const Connection& c, grpc::ClientContext* context) {
        return c.admin().ValidateRules(context, request, &reply);
      });
  if (!status.ok()) return session.CallFailed(status);
  if (session.json()) {
    session.PrintJson(reply);
    return reply.valid() ? kExitOk : kExitRefused;
  }
  if (reply.valid()) {
    out << "rules valid: "
        << (directory.has_value()
                ? absl::StrCat(request.files_size(), " files from ", *directory)
                : std::string("the server's rules directory"))
        << ", version " << reply.version() << "\n";
    return kExitOk;
  }
  // As `motcua rules check` prints them.
  for (const v1::RuleProblem& problem : reply.problems()) {
    err << RuleError{SourceLocation{problem.file(), problem.line(),
                                    problem.column()},
                     problem.message()}
               .ToString()
        << "\n";
  }
  err << reply.problems_size()
      << (reply.problems_size() == 1 ? " error" : " errors")
      << "; the rule set is refused\n";
  return kExitRefused;
}

int RunRulesReload(const ClientOptions& client, std::ostream& out,
                   std::ostream& err) {
  Session session(client, "rules reload", out, err);
  if (!session.Connect()) return kExitBadInput;
  v1::ReloadRulesReply reply;
  const grpc::Status status =
      session.Unary([&](const Connection& c, grpc::ClientContext* context) {
        return c.admin().ReloadRules(context, v1::ReloadRulesRequest(), &reply);
      });
  if (!status.ok()) return session.CallFailed(status);
  if (session.json()) {
    session.PrintJson(reply);
  } else {
    out << (reply.changed() ? "rules reloaded: version "
                            : "rules unchanged: version ")
        << reply.version() << "\n";
  }
  return kExitOk;
}

int RunRulesShow(const ClientOptions& client, std::ostream& out,
                 std::ostream& err) {
  Session session(client, "rules show", out, err);
  if (!session.Connect()) return kExitBadInput;
  v1::GetRulesReply reply;
  const grpc::Status status =
      session.Unary([&](const Connection& c, grpc::ClientContext* context) {
        return c.admin().GetRules(context, v1::GetRulesRequest(), &reply);
      });
  if (!status.ok()) return session.CallFailed(status);
  if (session.json()) {
    session.PrintJson(reply);
    return kExitOk;
  }
  out << "rules version: " << reply.version() << "\n";
  out << "calendars:     " << absl::StrJoin(reply.calendars(), ", ") << "\n";
  out << "ladders:       " << absl::StrJoin(reply.ladders(), ", ") << "\n";
  out << "procedures:\n";
  std::vector<std::vector<std::string>> rows = {
      {"CODE", "IN FORCE", "LIMIT", "CALENDAR", "SUPPLEMENT", "STEPS", "NAME"}};
  for (const v1::ProcedureSummary& procedure : reply.procedures()) {
    rows.push_back({procedure.code(),
                    absl::StrCat(procedure.effective_from(), "..",
                                 procedure.effective_until()),
                    procedure.cutoff().empty()
                        ? procedure.time_limit()
                        : absl::StrCat(procedure.time_limit(), ", cut-off ",
                                       procedure.cutoff()),
                    procedure.calendar(), procedure.supplement(),
                    procedure.steps().empty()
                        ? "-"
                        : absl::StrJoin(procedure.steps(), ","),
                    procedure.name()});
  }
  PrintTable(rows, out);
  return kExitOk;
}

}  // namespace motcua::cli
