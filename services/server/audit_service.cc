#include <memory>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "services/api/from_proto.h"
#include "services/api/grpc_status.h"
#include "services/api/to_proto.h"
#include "services/server/services.h"
#include "store/audit.h"
#include "store/intact_reads.h"

namespace motcua::server {
namespace {

constexpr int32_t kDefaultEventLimit = 1000;
constexpr int32_t kMaxEventLimit = 10000;

// Runs `work` off the gRPC threads; UNAVAILABLE when the server is stopping.
grpc::ServerUnaryReactor* RunSlow(const ServiceContext& context,
                                  grpc::ServerUnaryReactor* reactor,
                                  std::function<absl::Status()> work) {
  const bool posted =
      context.slow_reads->Post([reactor, work = std::move(work)] {
        reactor->Finish(api::ToGrpcStatus(work()));
      });
  if (!posted) {
    return Refuse(reactor, absl::UnavailableError("the server is stopping"));
  }
  return reactor;
}

void CheckpointToProto(const checkpoint::Checkpoint& checkpoint,
                       const checkpoint::PublicKey& key,
                       v1::CheckpointReply* reply) {
  reply->set_log(checkpoint.log);
  reply->set_key_id(checkpoint.key_id);
  reply->set_sequence(checkpoint.sequence);
  reply->set_head_hash(checkpoint.head_hash);
  *reply->mutable_signed_at() = api::TimeToProto(checkpoint.time);
  reply->set_signature(checkpoint.signature);
  reply->set_text(checkpoint::Format(checkpoint));
  reply->set_public_key(absl::Base64Escape(key.raw()));
}

}  // namespace

grpc::ServerUnaryReactor* AuditService::SignCheckpoint(
    grpc::CallbackServerContext* call,
    const v1::SignCheckpointRequest* /*request*/, v1::CheckpointReply* reply) {
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  absl::StatusOr<access::Principal> principal = Authenticate(context_, call);
  if (!principal.ok()) return Refuse(reactor, principal.status());
  // A checkpoint covers every agency's events.
  if (absl::Status allowed =
          access::Authorize(*principal, access::Operation::kAudit, "");
      !allowed.ok()) {
    return Refuse(reactor, allowed);
  }
  Checkpointer* checkpointer = context_.checkpointer;
  return RunSlow(context_, reactor, [checkpointer, reply]() -> absl::Status {
    absl::StatusOr<checkpoint::Checkpoint> signed_now = checkpointer->SignNow();
    if (!signed_now.ok()) return signed_now.status();
    CheckpointToProto(*signed_now, checkpointer->public_key(), reply);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuditService::GetCheckpoint(
    grpc::CallbackServerContext* call,
    const v1::GetCheckpointRequest* /*request*/, v1::CheckpointReply* reply) {
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  absl::StatusOr<access::Principal> principal = Authenticate(context_, call);
  if (!principal.ok()) return Refuse(reactor, principal.status());
  if (absl::Status allowed =
          access::Authorize(*principal, access::Operation::kAudit, "");
      !allowed.ok()) {
    return Refuse(reactor, allowed);
  }
  std::optional<checkpoint::Checkpoint> latest =
      context_.checkpointer->Latest();
  if (!latest.has_value()) {
    return Refuse(
        reactor, absl::NotFoundError("no checkpoint signed yet; SignCheckpoint "
                                     "signs one now"));
  }
  CheckpointToProto(*latest, context_.checkpointer->public_key(), reply);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* AuditService::ReadEvents(
    grpc::CallbackServerContext* call, const v1::ReadEventsRequest* request,
    v1::ReadEventsReply* reply) {
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  absl::StatusOr<access::Principal> principal = Authenticate(context_, call);
  if (!principal.ok()) return Refuse(reactor, principal.status());
  if (!access::RoleMayPerform(principal->role, access::Operation::kAudit)) {
    return Refuse(reactor,
                  access::Authorize(*principal, access::Operation::kAudit, ""));
  }
  absl::StatusOr<std::vector<store::StoredEvent>> events;
  if (!request->dossier_code().empty()) {
    if (absl::Status code = api::CheckCode(
            request->dossier_code(), "dossier_code", api::Presence::kRequired);
        !code.ok()) {
      return Refuse(reactor, code);
    }
    // The field named is the one that does not belong with a dossier.
    for (const auto& [value, field] :
         {std::pair<int64_t, const char*>{request->after_sequence(),
                                          "after_sequence"},
          std::pair<int64_t, const char*>{request->limit(), "limit"}}) {
      if (value != 0) {
        return Refuse(reactor, absl::InvalidArgumentError(absl::StrCat(
                                   field,
                                   ": must be 0 with dossier_code (give either "
                                   "a dossier or a range, not both)")));
      }
    }
    events = context_.log->ReadDossierEvents(request->dossier_code());
    if (events.ok() && events->empty()) {
      return Refuse(reactor, DossierNotFoundError(request->dossier_code()));
    }
    if (events.ok()) {
      if (absl::Status allowed = access::AuthorizeOnDossier(
              *principal, access::Operation::kAudit, request->dossier_code(),
              events->front().agency);
          !allowed.ok()) {
        return Refuse(reactor, allowed);
      }
    }
  } else {
    if (request->after_sequence() < 0) {
      return Refuse(reactor, absl::InvalidArgumentError(
                                 "after_sequence: must not be negative"));
    }
    absl::StatusOr<int32_t> limit = api::LimitFromProto(
        request->limit(), "limit", kDefaultEventLimit, kMaxEventLimit);
    if (!limit.ok()) return Refuse(reactor, limit.status());
    // A damaged event does not hide those before it: they are answered,
    // and the next read, which starts at the damage, gets DATA_LOSS.
    absl::StatusOr<store::IntactRead> read = store::ReadIntactEvents(
        *context_.log, request->after_sequence(), *limit);
    if (!read.ok()) {
      events = read.status();
    } else if (read->events.empty() && !read->damage.ok()) {
      events = absl::DataLossError(
          absl::StrCat("the log is damaged: ", read->damage.message(),
                       "; no event after sequence ", request->after_sequence(),
                       " can be read (retrying does not help)"));
    } else {
      events = std::move(read->events);
    }
    if (events.ok() && !events->empty()) {
      reply->set_last_sequence_read(events->back().sequence);
    }
    // A principal of some agencies reads the events of those agencies.
    if (events.ok() && !principal->all_agencies) {
      std::erase_if(*events, [&](const store::StoredEvent& stored) {
        return !principal->MayActFor(stored.agency);
      });
    }
  }
  if (!events.ok()) return Refuse(reactor, events.status());
  for (const store::StoredEvent& stored : *events) {
    *reply->add_events() = api::EventToProto(stored, stored.agency);
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* AuditService::GetDossierAsOf(
    grpc::CallbackServerContext* call, const v1::AsOfRequest* request,
    v1::Dossier* reply) {
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  absl::StatusOr<access::Principal> principal = Authenticate(context_, call);
  if (!principal.ok()) return Refuse(reactor, principal.status());
  if (absl::Status code = api::CheckCode(
          request->dossier_code(), "dossier_code", api::Presence::kRequired);
      !code.ok()) {
    return Refuse(reactor, code);
  }
  if (!request->has_as_of()) {
    return Refuse(reactor, absl::InvalidArgumentError("as_of: required"));
  }
  absl::StatusOr<absl::Time> as_of =
      api::TimeFromProto(request->as_of(), "as_of");
  if (!as_of.ok()) return Refuse(reactor, as_of.status());
  // The role before the dossier: refused for the role whether the code
  // exists or not.
  if (!access::RoleMayPerform(principal->role, access::Operation::kAudit)) {
    return Refuse(reactor,
                  access::Authorize(*principal, access::Operation::kAudit, ""));
  }
  absl::StatusOr<Dossier> now_state =
      context_.read_model->ReadDossier(request->dossier_code());
  if (!now_state.ok()) return Refuse(reactor, now_state.status());
  if (absl::Status allowed = access::AuthorizeOnDossier(
          *principal, access::Operation::kAudit, request->dossier_code(),
          now_state->agency);
      !allowed.ok()) {
    return Refuse(reactor, allowed);
  }
  const ServiceContext* context = &context_;
  return RunSlow(
      context_, reactor,
      [context, code = request->dossier_code(), at = *as_of,
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

grpc::ServerUnaryReactor* AuditService::VerifyLog(
    grpc::CallbackServerContext* call, const v1::VerifyRequest* /*request*/,
    v1::VerifyReply* reply) {
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  absl::StatusOr<access::Principal> principal = Authenticate(context_, call);
  if (!principal.ok()) return Refuse(reactor, principal.status());
  // The whole log: every agency's events.
  if (absl::Status allowed =
          access::Authorize(*principal, access::Operation::kAudit, "");
      !allowed.ok()) {
    return Refuse(reactor, allowed);
  }
  const ServiceContext* context = &context_;
  return RunSlow(context_, reactor, [context, reply]() -> absl::Status {
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

}  // namespace motcua::server
