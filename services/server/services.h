#ifndef MOTCUA_SERVICES_SERVER_SERVICES_H_
#define MOTCUA_SERVICES_SERVER_SERVICES_H_

// The gRPC services of motcuad. Each handler authenticates, translates the
// request (services/api), checks access (services/access) and hands the work
// to the store; commands complete on the writer thread after their commit.
// No handler waits for the writer. Requests reach the handlers through
// ParsingService (parsed_request.h): a malformed one never does.

#include <grpcpp/grpcpp.h>

#include "motcua/v1/service.grpc.pb.h"
#include "services/server/parsed_request.h"
#include "services/server/service_context.h"

namespace motcua::server {

class DossiersService final
    : public ParsingService<v1::Dossiers::CallbackService> {
 public:
  explicit DossiersService(const ServiceContext& context)
      : ParsingService(context, v1::Dossiers::service_full_name()),
        context_(context) {
    ParseRequestsOf("Submit", &DossiersService::Submit);
    ParseRequestsOf("Act", &DossiersService::Act);
    ParseRequestsOf("Get", &DossiersService::Get);
    ParseRequestsOf("List", &DossiersService::List);
  }

  grpc::ServerUnaryReactor* Submit(grpc::CallbackServerContext* call,
                                   const v1::SubmitRequest* request,
                                   v1::CommandReply* reply) override;
  grpc::ServerUnaryReactor* Act(grpc::CallbackServerContext* call,
                                const v1::ActRequest* request,
                                v1::CommandReply* reply) override;
  grpc::ServerUnaryReactor* Get(grpc::CallbackServerContext* call,
                                const v1::GetRequest* request,
                                v1::Dossier* reply) override;
  grpc::ServerUnaryReactor* List(grpc::CallbackServerContext* call,
                                 const v1::ListRequest* request,
                                 v1::ListReply* reply) override;

 private:
  // Queues `command`; the reply is filled and the reactor finished after
  // the commit.
  grpc::ServerUnaryReactor* Execute(grpc::ServerUnaryReactor* reactor,
                                    store::CommandRequest command,
                                    v1::CommandReply* reply);

  const ServiceContext& context_;
};

class SupervisionService final
    : public ParsingService<v1::Supervision::CallbackService> {
 public:
  explicit SupervisionService(const ServiceContext& context)
      : ParsingService(context, v1::Supervision::service_full_name()),
        context_(context) {
    ParseRequestsOf("ListOverdue", &SupervisionService::ListOverdue);
    ParseRequestsOf("CountOverdue", &SupervisionService::CountOverdue);
    ParseRequestsOf("Report", &SupervisionService::Report);
    ParseRequestsOf("ListDueSoon", &SupervisionService::ListDueSoon);
    ParseRequestsOf("WatchEvents", &SupervisionService::WatchEvents);
  }

  grpc::ServerUnaryReactor* ListOverdue(grpc::CallbackServerContext* call,
                                        const v1::OverdueRequest* request,
                                        v1::OverdueReply* reply) override;
  grpc::ServerUnaryReactor* ListDueSoon(grpc::CallbackServerContext* call,
                                        const v1::DueSoonRequest* request,
                                        v1::DueSoonReply* reply) override;
  grpc::ServerUnaryReactor* CountOverdue(grpc::CallbackServerContext* call,
                                         const v1::CountOverdueRequest* request,
                                         v1::CountOverdueReply* reply) override;
  grpc::ServerUnaryReactor* Report(grpc::CallbackServerContext* call,
                                   const v1::ReportRequest* request,
                                   v1::ReportReply* reply) override;
  grpc::ServerWriteReactor<v1::Event>* WatchEvents(
      grpc::CallbackServerContext* call,
      const v1::WatchRequest* request) override;

 private:
  const ServiceContext& context_;
};

class AuditService final : public ParsingService<v1::Audit::CallbackService> {
 public:
  explicit AuditService(const ServiceContext& context)
      : ParsingService(context, v1::Audit::service_full_name()),
        context_(context) {
    ParseRequestsOf("ReadEvents", &AuditService::ReadEvents);
    ParseRequestsOf("GetDossierAsOf", &AuditService::GetDossierAsOf);
    ParseRequestsOf("VerifyLog", &AuditService::VerifyLog);
    ParseRequestsOf("SignCheckpoint", &AuditService::SignCheckpoint);
    ParseRequestsOf("GetCheckpoint", &AuditService::GetCheckpoint);
  }

  grpc::ServerUnaryReactor* ReadEvents(grpc::CallbackServerContext* call,
                                       const v1::ReadEventsRequest* request,
                                       v1::ReadEventsReply* reply) override;
  grpc::ServerUnaryReactor* GetDossierAsOf(grpc::CallbackServerContext* call,
                                           const v1::AsOfRequest* request,
                                           v1::Dossier* reply) override;
  grpc::ServerUnaryReactor* VerifyLog(grpc::CallbackServerContext* call,
                                      const v1::VerifyRequest* request,
                                      v1::VerifyReply* reply) override;
  grpc::ServerUnaryReactor* SignCheckpoint(
      grpc::CallbackServerContext* call,
      const v1::SignCheckpointRequest* request,
      v1::CheckpointReply* reply) override;
  grpc::ServerUnaryReactor* GetCheckpoint(
      grpc::CallbackServerContext* call,
      const v1::GetCheckpointRequest* request,
      v1::CheckpointReply* reply) override;

 private:
  const ServiceContext& context_;
};

class AdminService final : public ParsingService<v1::Admin::CallbackService> {
 public:
  explicit AdminService(const ServiceContext& context)
      : ParsingService(context, v1::Admin::service_full_name()),
        context_(context) {
    ParseRequestsOf("ValidateRules", &AdminService::ValidateRules);
    ParseRequestsOf("ReloadRules", &AdminService::ReloadRules);
    ParseRequestsOf("GetRules", &AdminService::GetRules);
    ParseRequestsOf("Backup", &AdminService::Backup);
  }

  grpc::ServerUnaryReactor* ValidateRules(
      grpc::CallbackServerContext* call,
      const v1::ValidateRulesRequest* request,
      v1::ValidateRulesReply* reply) override;
  grpc::ServerUnaryReactor* ReloadRules(grpc::CallbackServerContext* call,
                                        const v1::ReloadRulesRequest* request,
                                        v1::ReloadRulesReply* reply) override;
  grpc::ServerUnaryReactor* GetRules(grpc::CallbackServerContext* call,
                                     const v1::GetRulesRequest* request,
                                     v1::GetRulesReply* reply) override;
  // backup_stream.cc
  grpc::ServerWriteReactor<v1::BackupChunk>* Backup(
      grpc::CallbackServerContext* call,
      const v1::BackupRequest* request) override;

 private:
  const ServiceContext& context_;
};

}  // namespace motcua::server

#endif  // MOTCUA_SERVICES_SERVER_SERVICES_H_
