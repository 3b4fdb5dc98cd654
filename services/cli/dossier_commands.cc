// The dossier commands: submit, act, get, list.

#include <type_traits>
#include <variant>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "engine/lifecycle.h"
#include "services/cli/client_commands.h"
#include "services/cli/client_session.h"
#include "services/cli/reply_text.h"

namespace motcua::cli {
namespace {

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

// The actions of `act` are the engine's caller actions after submit, in the
// order of its Action variant: an action added to the engine without a
// subcommand here, or moved, fails to compile.
template <ActAction action, typename EngineAction>
constexpr bool IsEngineAction() {
  return std::is_same_v<
      std::variant_alternative_t<static_cast<size_t>(action) + 1, Action>,
      EngineAction>;
}
static_assert(
    std::is_same_v<std::variant_alternative_t<0, Action>, SubmitAction>);
static_assert(IsEngineAction<ActAction::kHandOver, HandOverAction>());
static_assert(
    IsEngineAction<ActAction::kRequestSupplement, RequestSupplementAction>());
static_assert(
    IsEngineAction<ActAction::kReceiveSupplement, ReceiveSupplementAction>());
static_assert(IsEngineAction<ActAction::kRequestFinancialObligation,
                             RequestFinancialObligationAction>());
static_assert(IsEngineAction<ActAction::kConfirmFinancialObligation,
                             ConfirmFinancialObligationAction>());
static_assert(IsEngineAction<ActAction::kStop, StopAction>());
static_assert(IsEngineAction<ActAction::kResume, ResumeAction>());
static_assert(IsEngineAction<ActAction::kApologise, ApologiseAction>());
static_assert(IsEngineAction<ActAction::kResolve, ResolveAction>());
static_assert(IsEngineAction<ActAction::kReturnResult, ReturnResultAction>());
static_assert(IsEngineAction<ActAction::kReject, RejectAction>());
static_assert(IsEngineAction<ActAction::kWithdraw, WithdrawAction>());
// After the caller's actions come the engine's own (thresholds, due time
// changes), which no one asks for.
static_assert(IsEngineAction<static_cast<ActAction>(
                                 static_cast<int>(ActAction::kWithdraw) + 1),
                             ReachThresholdsAction>());

}  // namespace

std::string ActActionName(ActAction action) {
  // The engine's name, as a command-line word: "hand_over" -> "hand-over".
  return absl::StrReplaceAll(ActionNameAt(static_cast<size_t>(action) + 1),
                             {{"_", "-"}});
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

}  // namespace motcua::cli
