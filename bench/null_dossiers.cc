#include "bench/null_dossiers.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace motcua::bench {
namespace {

void SetTime(google::protobuf::Timestamp* timestamp, int64_t seconds) {
  timestamp->set_seconds(seconds);
  timestamp->set_nanos(123456000);
}

// The dossier's state after each kind of command.
v1::DossierState StateAfter(CommandKind kind) {
  switch (kind) {
    case CommandKind::kSubmit:
      return v1::DOSSIER_STATE_RECEIVED;
    case CommandKind::kRequestSupplement:
      return v1::DOSSIER_STATE_SUPPLEMENT_REQUESTED;
    case CommandKind::kResolve:
      return v1::DOSSIER_STATE_RESOLVED;
    case CommandKind::kReturnResult:
      return v1::DOSSIER_STATE_RETURNED;
    case CommandKind::kHandOver:
    case CommandKind::kReceiveSupplement:
      return v1::DOSSIER_STATE_PROCESSING;
  }
  return v1::DOSSIER_STATE_PROCESSING;
}

v1::CommandReply* KindReply(ReplyByKind& replies,
                            v1::ActRequest::ActionCase action) {
  switch (action) {
    case v1::ActRequest::kHandOver:
      return &replies[static_cast<int>(CommandKind::kHandOver)];
    case v1::ActRequest::kRequestSupplement:
      return &replies[static_cast<int>(CommandKind::kRequestSupplement)];
    case v1::ActRequest::kReceiveSupplement:
      return &replies[static_cast<int>(CommandKind::kReceiveSupplement)];
    case v1::ActRequest::kResolve:
      return &replies[static_cast<int>(CommandKind::kResolve)];
    case v1::ActRequest::kReturnResult:
      return &replies[static_cast<int>(CommandKind::kReturnResult)];
    default:
      return &replies[static_cast<int>(CommandKind::kHandOver)];
  }
}

}  // namespace

v1::CommandReply SyntheticReply(CommandKind kind) {
  constexpr int64_t kReceived = 1795410000;  // 2026-11-23, office hours
  const std::string rule_version(64, 'a');
  v1::CommandReply reply;
  v1::Dossier* dossier = reply.mutable_dossier();
  dossier->set_code("L20261123110000-1a2b-00012345");
  dossier->set_version(kind == CommandKind::kSubmit ? 1 : 4);
  dossier->set_state(StateAfter(kind));
  dossier->set_portal_status(4);
  dossier->set_procedure_code("local.dang-ky-bien-dong-dat-dai");
  dossier->set_procedure_version("2025-07-01");
  dossier->set_rule_version(rule_version);
  dossier->set_agency("ubnd-phuong-017");
  dossier->set_field("dat-dai");
  dossier->set_channel(v1::CHANNEL_IN_PERSON);
  SetTime(dossier->mutable_received_at(), kReceived);
  SetTime(dossier->mutable_clock_started_at(), kReceived);
  SetTime(dossier->mutable_due_at(), kReceived + 14 * 86400);
  dossier->mutable_working_time_left()->set_seconds(10 * 27000 - 600);
  dossier->set_current_step("cadastral-check");
  dossier->set_current_unit("van-phong-dang-ky-dat-dai");
  SetTime(dossier->mutable_current_step_due_at(), kReceived + 4 * 86400);
  for (int entry = 0; entry < 2; ++entry) {
    v1::ControlSheetEntry* sheet = dossier->add_control_sheet();
    sheet->set_step_id(entry == 0 ? "receipt" : "cadastral-check");
    sheet->set_unit(entry == 0 ? "bo-phan-mot-cua"
                               : "van-phong-dang-ky-dat-dai");
    SetTime(sheet->mutable_started_at(), kReceived + entry * 600);
    SetTime(sheet->mutable_due_at(), kReceived + 14400 + entry * 86400);
    if (entry == 0) SetTime(sheet->mutable_ended_at(), kReceived + 600);
    sheet->mutable_used()->set_seconds(600);
    sheet->set_handed_over_by("bench");
  }
  dossier->set_calendar("vn-public-sector");

  v1::Event* event = reply.add_events();
  event->set_sequence(1234567);
  event->set_dossier_code(dossier->code());
  event->set_dossier_version(dossier->version());
  event->set_type(std::string(CommandKindName(kind)));
  SetTime(event->mutable_occurred_at(), kReceived + 600);
  SetTime(event->mutable_recorded_at(), kReceived + 600);
  event->set_actor("bench");
  event->set_rule_version(rule_version);
  event->set_description(
      "handed over from step receipt (bo-phan-mot-cua) to step "
      "cadastral-check (van-phong-dang-ky-dat-dai), due 2026-11-27 11:30");
  event->set_agency(dossier->agency());
  event->set_hash(std::string(32, '\x5a'));
  event->set_previous_hash(std::string(32, '\xa5'));
  return reply;
}

ReplyByKind SyntheticReplies() {
  ReplyByKind replies;
  for (int kind = 0; kind < kCommandKindCount; ++kind) {
    replies[kind] = SyntheticReply(static_cast<CommandKind>(kind));
  }
  return replies;
}

class NullDossiersServer::Service final : public v1::Dossiers::CallbackService {
 public:
  explicit Service(ReplyByKind replies) : replies_(std::move(replies)) {}

  grpc::ServerUnaryReactor* Submit(grpc::CallbackServerContext* call,
                                   const v1::SubmitRequest* /*request*/,
                                   v1::CommandReply* reply) override {
    *reply = replies_[static_cast<int>(CommandKind::kSubmit)];
    grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerUnaryReactor* Act(grpc::CallbackServerContext* call,
                                const v1::ActRequest* request,
                                v1::CommandReply* reply) override {
    *reply = *KindReply(replies_, request->action_case());
    grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  ReplyByKind replies_;  // read-only once serving
};

absl::StatusOr<std::unique_ptr<NullDossiersServer>> NullDossiersServer::Start(
    ReplyByKind replies) {
  std::unique_ptr<NullDossiersServer> server(new NullDossiersServer());
  server->service_ = std::make_unique<Service>(std::move(replies));
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &server->port_);
  builder.RegisterService(server->service_.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(
        "the transport ceiling server could not listen on 127.0.0.1:0");
  }
  return server;
}

NullDossiersServer::~NullDossiersServer() {
  if (server_ != nullptr) {
    server_->Shutdown();
    server_->Wait();
  }
}

}  // namespace motcua::bench
