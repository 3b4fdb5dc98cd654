#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/api/checkpoint_to_proto.h"
#include "services/api/from_proto.h"
#include "services/api/grpc_status.h"
#include "services/api/to_proto.h"
#include "services/server/reads.h"
#include "services/server/services.h"
#include "store/audit.h"
#include "store/intact_reads.h"

namespace motcua::server {
namespace {

constexpr int32_t kDefaultEventLimit = 1000;
constexpr int32_t kMaxEventLimit = 10000;

}  // namespace

grpc::ServerUnaryReactor* AuditService::SignCheckpoint(
    grpc::CallbackServerContext* call,
    const v1::SignCheckpointRequest* /*request*/, v1::CheckpointReply* reply) {
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  // A checkpoint covers every agency's events.
  absl::StatusOr<access::Principal> principal = AuthenticateFor(
      context_, call, access::Operation::kAudit, Reach::kEveryAgency);
  if (!principal.ok()) return Refuse(reactor, principal.status());
  Checkpointer* checkpointer = context_.checkpointer;
  return RunSlow(context_, reactor, [checkpointer, reply]() -> absl::Status {
    absl::StatusOr<checkpoint::Checkpoint> signed_now = checkpointer->SignNow();
    if (!signed_now.ok()) return signed_now.status();
    *reply = api::CheckpointToProto(*signed_now, checkpointer->public_key());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuditService::GetCheckpoint(
    grpc::CallbackServerContext* call,
    const v1::GetCheckpointRequest* /*request*/, v1::CheckpointReply* reply) {
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  absl::StatusOr<access::Principal> principal = AuthenticateFor(
      context_, call, access::Operation::kAudit, Reach::kEveryAgency);
  if (!principal.ok()) return Refuse(reactor, principal.status());
  std::optional<checkpoint::Checkpoint> latest =
      context_.checkpointer->Latest();
  if (!latest.has_value()) {
    return Refuse(
        reactor, absl::NotFoundError("no checkpoint signed yet; SignCheckpoint "
                                     "signs one now"));
  }
  *reply = api::CheckpointToProto(*latest, context_.checkpointer->public_key());
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

absl::Status ReadEvents(const ServiceContext& context,
                        const access::Principal& principal,
                        const v1::ReadEventsRequest& request,
                        v1::ReadEventsReply* reply) {
  if (absl::Status role = CheckRole(principal, access::Operation::kAudit);
      !role.ok()) {
    return role;
  }
  absl::StatusOr<std::vector<store::StoredEvent>> events;
  if (!request.dossier_code().empty()) {
    if (absl::Status code = api::CheckCode(
            request.dossier_code(), "dossier_code", api::Presence::kRequired);
        !code.ok()) {
      return code;
    }
    // The field named is the one that does not belong with a dossier.
    for (const auto& [value, field] :
         {std::pair<int64_t, const char*>{request.after_sequence(),
                                          "after_sequence"},
          std::pair<int64_t, const char*>{request.limit(), "limit"}}) {
      if (value != 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(field,
                         ": must be 0 with dossier_code (give either "
                         "a dossier or a range, not both)"));
      }
    }
    events = context.log->ReadDossierEvents(request.dossier_code());
    if (events.ok() && events->empty()) {
      return DossierNotFoundError(request.dossier_code());
    }
    if (events.ok()) {
      if (absl::Status allowed = access::AuthorizeOnDossier(
              principal, access::Operation::kAudit, request.dossier_code(),
              events->front().agency);
          !allowed.ok()) {
        return allowed;
      }
    }
  } else {
    if (request.after_sequence() < 0) {
      return absl::InvalidArgumentError("after_sequence: must not be negative");
    }
    absl::StatusOr<int32_t> limit = api::LimitFromProto(
        request.limit(), "limit", kDefaultEventLimit, kMaxEventLimit);
    if (!limit.ok()) return limit.status();
    // A damaged event does not hide those before it: they are answered,
    // and the next read, which starts at the damage, gets DATA_LOSS.
    absl::StatusOr<store::IntactRead> read =
        store::ReadIntactEvents(*context.log, request.after_sequence(), *limit);
    if (!read.ok()) {
      events = read.status();
    } else if (read->events.empty() && !read->damage.ok()) {
      events = absl::DataLossError(
          absl::StrCat("the log is damaged: ", read->damage.message(),
                       "; no event after sequence ", request.after_sequence(),
                       " can be read (retrying does not help)"));
    } else {
      events = std::move(read->events);
    }
    if (events.ok() && !events->empty()) {
      reply->set_last_sequence_read(events->back().sequence);
    }
    // A principal of some agencies reads the events of those agencies.
    if (events.ok() && !principal.all_agencies) {
      std::erase_if(*events, [&](const store::StoredEvent& stored) {
        return !principal.MayActFor(stored.agency);
      });
    }
  }
  if (!events.ok()) return events.status();
  for (const store::StoredEvent& stored : *events) {
    *reply->add_events() = api::EventToProto(stored, stored.agency);
  }
  return absl::OkStatus();
}

absl::StatusOr<SlowRead> PrepareDossierAsOf(const ServiceContext& context,
                                            const access::Principal& principal,
                                            const v1::AsOfRequest& request,
                                            v1::Dossier* reply) {
  if (absl::Status code = api::CheckCode(request.dossier_code(), "dossier_code",
                                         api::Presence::kRequired);
      !code.ok()) {
    return code;
  }
  if (!request.has_as_of()) {
    return absl::InvalidArgumentError("as_of: required");
  }
  absl::StatusOr<absl::Time> as_of =
      api::TimeFromProto(request.as_of(), "as_of");
  if (!as_of.ok()) return as_of.status();
  // The role before the dossier: refused for the role whether the code
  // exists or not.
  if (absl::Status role = CheckRole(principal, access::Operation::kAudit);
      !role.ok()) {
    return role;
  }
  absl::StatusOr<Dossier> now_state =
      context.read_model->ReadDossier(request.dossier_code());
  if (!now_state.ok()) return now_state.status();
  if (absl::Status allowed =
          access::AuthorizeOnDossier(principal, access::Operation::kAudit,
                                     request.dossier_code(), now_state->agency);
      !allowed.ok()) {
    return allowed;
  }
  const ServiceContext* shared = &context;
  return SlowRead([context = shared, code = request.dossier_code(), at = *as_of,
                   reply]() -> absl::Status {
    absl::Time recorded_at;
    absl::StatusOr<Dossier> dossier =
        store::DossierAsOf(context->database_path, code, at, &recorded_at);
    if (!dossier.ok()) return dossier.status();
    const std::shared_ptr<const RuleSet> rules = context->rules->Current();
    *reply = api::DossierToProto(*dossier, at, rules.get());
    // Both times: when it was received, and when the log
    // learnt of it (later for a backdated receipt).
    *reply->mutable_recorded_at() = api::TimeToProto(recorded_at);
    reply->set_recorded_after_as_of(at < recorded_at);
    return absl::OkStatus();
  });
}

absl::StatusOr<SlowRead> PrepareVerifyLog(const ServiceContext& context,
                                          const access::Principal& principal,
                                          v1::VerifyReply* reply) {
  // The whole log: every agency's events.
  if (absl::Status allowed =
          access::Authorize(principal, access::Operation::kAudit, "");
      !allowed.ok()) {
    return allowed;
  }
  const ServiceContext* shared = &context;
  return SlowRead([context = shared, reply]() -> absl::Status {
    absl::StatusOr<store::VerifyReport> report =
        store::VerifyLog(context->database_path);
    if (!report.ok()) return report.status();
    reply->set_intact(report->ok());
    reply->set_events_checked(report->events_checked);
    reply->set_first_bad_sequence(report->first_bad_sequence.value_or(0));
    reply->set_problem(report->problem);
    reply->set_head_sequence(report->head_sequence);
    reply->set_head_hash(report->head_hash);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuditService::ReadEvents(
    grpc::CallbackServerContext* call, const v1::ReadEventsRequest* request,
    v1::ReadEventsReply* reply) {
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  absl::StatusOr<access::Principal> principal = Authenticate(context_, call);
  if (!principal.ok()) return Refuse(reactor, principal.status());
  return Refuse(reactor,
                server::ReadEvents(context_, *principal, *request, reply));
}

grpc::ServerUnaryReactor* AuditService::GetDossierAsOf(
    grpc::CallbackServerContext* call, const v1::AsOfRequest* request,
    v1::Dossier* reply) {
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  absl::StatusOr<access::Principal> principal = Authenticate(context_, call);
  if (!principal.ok()) return Refuse(reactor, principal.status());
  absl::StatusOr<SlowRead> work =
      PrepareDossierAsOf(context_, *principal, *request, reply);
  if (!work.ok()) return Refuse(reactor, work.status());
  return RunSlow(context_, reactor, *std::move(work));
}

grpc::ServerUnaryReactor* AuditService::VerifyLog(
    grpc::CallbackServerContext* call, const v1::VerifyRequest* /*request*/,
    v1::VerifyReply* reply) {
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  absl::StatusOr<access::Principal> principal = Authenticate(context_, call);
  if (!principal.ok()) return Refuse(reactor, principal.status());
  absl::StatusOr<SlowRead> work = PrepareVerifyLog(context_, *principal, reply);
  if (!work.ok()) return Refuse(reactor, work.status());
  return RunSlow(context_, reactor, *std::move(work));
}

}  // namespace motcua::server
