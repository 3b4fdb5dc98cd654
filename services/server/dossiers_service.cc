#include <functional>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "engine/status_macros.h"
#include "services/api/from_proto.h"
#include "services/api/grpc_status.h"
#include "services/api/to_proto.h"
#include "services/server/page_token.h"
#include "services/server/reads.h"
#include "services/server/services.h"

namespace motcua::server {
namespace {

// The agencies whose dossiers the store may show `principal`: a retry is
// answered, and an existing dossier named, only within them.
std::function<bool(absl::string_view)> SeenBy(
    const access::Principal& principal) {
  return [principal](absl::string_view agency) {
    return principal.MayActFor(agency);
  };
}

}  // namespace

grpc::ServerUnaryReactor* DossiersService::Submit(
    grpc::CallbackServerContext* call, const v1::SubmitRequest* request,
    v1::CommandReply* reply) {
  // A follower's commands are the leader's to authenticate and decide.
  if (context_.forwarder != nullptr && !context_.forwarder->leading()) {
    return context_.forwarder->Submit(call, request, reply);
  }
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  absl::StatusOr<access::Principal> principal = Authenticate(context_, call);
  if (!principal.ok()) return Refuse(reactor, principal.status());
  absl::StatusOr<store::CommandRequest> command =
      api::SubmitFromProto(*request, principal->name);
  if (!command.ok()) return Refuse(reactor, command.status());
  // A desk submits receipts within the backdating bound, an officer enters
  // those beyond it; which one this is, the engine decides against its
  // clock and the procedure's calendar.
  const absl::Status may_submit = access::Authorize(
      *principal, access::Operation::kSubmit, request->agency());
  const absl::Status may_enter_late = access::Authorize(
      *principal, access::Operation::kEnterLateReceipt, request->agency());
  if (!may_submit.ok() && !may_enter_late.ok()) {
    return Refuse(reactor, may_submit);
  }
  ReceiptPolicy policy = context_.receipt_policy;
  policy.in_time_entry =
      may_submit.ok() ? EntryPermission::kGranted : EntryPermission::kDenied;
  policy.late_entry = may_enter_late.ok() ? EntryPermission::kGranted
                                          : EntryPermission::kDenied;
  std::get<SubmitAction>(command->command.action).policy = policy;
  command->may_see = SeenBy(*principal);
  return Execute(reactor, *std::move(command), reply);
}

grpc::ServerUnaryReactor* DossiersService::Act(
    grpc::CallbackServerContext* call, const v1::ActRequest* request,
    v1::CommandReply* reply) {
  if (context_.forwarder != nullptr && !context_.forwarder->leading()) {
    return context_.forwarder->Act(call, request, reply);
  }
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  absl::StatusOr<access::Principal> principal = Authenticate(context_, call);
  if (!principal.ok()) return Refuse(reactor, principal.status());
  absl::StatusOr<store::CommandRequest> command =
      api::ActFromProto(*request, principal->name);
  if (!command.ok()) return Refuse(reactor, command.status());
  // A dossier's agency never changes after its receipt, so checking it here,
  // before the command queues, cannot go stale.
  absl::StatusOr<Dossier> dossier =
      context_.read_model->ReadDossier(request->dossier_code());
  if (!dossier.ok()) return Refuse(reactor, dossier.status());
  if (absl::Status allowed = access::AuthorizeOnDossier(
          *principal, access::OperationFor(command->command.action),
          request->dossier_code(), dossier->agency);
      !allowed.ok()) {
    return Refuse(reactor, allowed);
  }
  command->may_see = SeenBy(*principal);
  return Execute(reactor, *std::move(command), reply);
}

grpc::ServerUnaryReactor* DossiersService::Execute(
    grpc::ServerUnaryReactor* reactor, store::CommandRequest command,
    v1::CommandReply* reply) {
  const ServiceContext* context = &context_;
  const absl::Time arrived = absl::Now();
  absl::Status queued = context_.commands->Execute(
      std::move(command),
      [reactor, reply, context, arrived](store::CommandOutcome outcome) {
        metrics::ServerMetrics& metrics = *context->metrics;
        metrics.command_latency.Observe(absl::Now() - arrived);
        if (!outcome.status.ok()) {
          metrics.commands_refused.fetch_add(1, std::memory_order_relaxed);
          reactor->Finish(api::ToGrpcStatus(outcome.status));
          return;
        }
        metrics.commands_accepted.fetch_add(1, std::memory_order_relaxed);
        const std::shared_ptr<const RuleSet> rules = context->rules->Current();
        *reply = api::ReplyToProto(outcome, context->clock->Now(), rules.get());
        reactor->Finish(grpc::Status::OK);
      });
  if (!queued.ok()) {
    context_.metrics->commands_rejected_queue_full.fetch_add(
        1, std::memory_order_relaxed);
    return Refuse(reactor, queued);
  }
  return reactor;
}

absl::Status GetDossier(const ServiceContext& context,
                        const access::Principal& principal,
                        const v1::GetRequest& request, v1::Dossier* reply) {
  if (absl::Status code = api::CheckCode(request.dossier_code(), "dossier_code",
                                         api::Presence::kRequired);
      !code.ok()) {
    return code;
  }
  absl::StatusOr<Dossier> dossier =
      context.read_model->ReadDossier(request.dossier_code());
  if (!dossier.ok()) return dossier.status();
  if (absl::Status allowed =
          access::AuthorizeOnDossier(principal, access::Operation::kReadDossier,
                                     request.dossier_code(), dossier->agency);
      !allowed.ok()) {
    return allowed;
  }
  const std::shared_ptr<const RuleSet> rules = context.rules->Current();
  *reply = api::DossierToProto(*dossier, context.clock->Now(), rules.get());
  if (request.with_pauses()) {
    ASSIGN_OR_RETURN(std::vector<store::StoredEvent> events,
                     context.log->ReadDossierEvents(request.dossier_code()));
    api::PausesToProto(events, reply);
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* DossiersService::Get(
    grpc::CallbackServerContext* call, const v1::GetRequest* request,
    v1::Dossier* reply) {
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  absl::StatusOr<access::Principal> principal = Authenticate(context_, call);
  if (!principal.ok()) return Refuse(reactor, principal.status());
  return Refuse(reactor, GetDossier(context_, *principal, *request, reply));
}

grpc::ServerUnaryReactor* DossiersService::List(
    grpc::CallbackServerContext* call, const v1::ListRequest* request,
    v1::ListReply* reply) {
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  absl::StatusOr<access::Principal> principal = Authenticate(context_, call);
  if (!principal.ok()) return Refuse(reactor, principal.status());
  absl::StatusOr<int32_t> page_size =
      api::PageSizeFromProto(request->page_size(), "page_size");
  if (!page_size.ok()) return Refuse(reactor, page_size.status());
  absl::StatusOr<std::optional<LifecycleState>> state =
      api::StateFilterFromProto(request->state(), "state");
  if (!state.ok()) return Refuse(reactor, state.status());
  for (const auto& [value, field] :
       {std::pair{&request->agency(), "agency"},
        std::pair{&request->procedure_code(), "procedure_code"},
        std::pair{&request->unit(), "unit"}}) {
    if (absl::Status checked =
            api::CheckCode(*value, field, api::Presence::kOptional);
        !checked.ok()) {
      return Refuse(reactor, checked);
    }
  }
  absl::StatusOr<std::string> agency = ScopeAgency(
      *principal, access::Operation::kListDossiers, request->agency());
  if (!agency.ok()) return Refuse(reactor, agency.status());
  // A token belongs to the list as filtered: the scoped agency, not the
  // one sent, so that a token cannot widen a caller's view.
  const std::string query = PageTokens::Query(
      {"dossiers", *agency, request->procedure_code(), request->unit(),
       absl::StrCat(static_cast<int>(request->state()))});
  absl::StatusOr<std::string> after =
      context_.page_tokens->ParseDossiers(request->page_token(), query);
  if (!after.ok()) return Refuse(reactor, after.status());

  store::DossierFilter filter;
  filter.agency = *agency;
  filter.procedure_code = request->procedure_code();
  filter.unit = request->unit();
  filter.state = *state;
  // One more than the page: whether another page follows.
  absl::StatusOr<std::vector<Dossier>> dossiers =
      context_.read_model->ListDossiers(filter, *after, *page_size + 1);
  if (!dossiers.ok()) return Refuse(reactor, dossiers.status());
  const bool more = static_cast<int32_t>(dossiers->size()) > *page_size;
  if (more) dossiers->resize(*page_size);
  const std::shared_ptr<const RuleSet> rules = context_.rules->Current();
  const absl::Time now = context_.clock->Now();
  for (const Dossier& dossier : *dossiers) {
    *reply->add_dossiers() = api::DossierToProto(dossier, now, rules.get());
  }
  if (more) {
    reply->set_next_page_token(
        context_.page_tokens->ForDossiers(query, dossiers->back().code));
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace motcua::server
