#include "services/server/forwarder.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/api/grpc_status.h"

namespace motcua::server {
namespace {

// The forwarded call and what it needs until its answer: the client
// context, the stub (the channel lives as long as a call on it).
struct Flight {
  std::unique_ptr<grpc::ClientContext> context;
  std::shared_ptr<v1::Dossiers::Stub> stub;
};

}  // namespace

Forwarder::Forwarder(std::shared_ptr<grpc::ChannelCredentials> credentials,
                     metrics::ServerMetrics* metrics, std::string self)
    : credentials_(std::move(credentials)),
      metrics_(metrics),
      self_(std::move(self)) {}

void Forwarder::SetLeadership(const store::Leadership& leadership) {
  absl::MutexLock lock(&mu_);
  leading_ = leadership.leading;
  if (leadership.leader_address != leader_address_) {
    leader_address_ = leadership.leader_address;
    stub_.reset();
  }
}

bool Forwarder::leading() const {
  absl::MutexLock lock(&mu_);
  return leading_;
}

absl::StatusOr<std::shared_ptr<v1::Dossiers::Stub>> Forwarder::LeaderStub(
    const grpc::CallbackServerContext* call) {
  if (call->client_metadata().count(kForwardedHeader) > 0) {
    return absl::UnavailableError(
        "this server was named the leader but no longer holds the leader "
        "lease; retry with the same request_id");
  }
  absl::MutexLock lock(&mu_);
  if (leader_address_.empty()) {
    return absl::UnavailableError(
        "no server holds the leader lease at the moment (a follower takes "
        "it once it expires); retry with the same request_id");
  }
  if (stub_ == nullptr) {
    stub_ = v1::Dossiers::NewStub(
        grpc::CreateChannel(leader_address_, credentials_));
  }
  return stub_;
}

std::unique_ptr<grpc::ClientContext> Forwarder::ClientContextFor(
    const grpc::CallbackServerContext* call) const {
  auto context = std::make_unique<grpc::ClientContext>();
  const auto& metadata = call->client_metadata();
  for (auto [it, end] = metadata.equal_range("authorization"); it != end;
       ++it) {
    context->AddMetadata("authorization",
                         std::string(it->second.data(), it->second.size()));
  }
  context->AddMetadata(kForwardedHeader, self_);
  context->set_deadline(call->deadline());
  return context;
}

grpc::ServerUnaryReactor* Forwarder::Forward(
    grpc::CallbackServerContext* call,
    absl::FunctionRef<void(v1::Dossiers::Stub&, grpc::ClientContext*,
                           std::function<void(grpc::Status)>)>
        send) {
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  absl::StatusOr<std::shared_ptr<v1::Dossiers::Stub>> stub = LeaderStub(call);
  if (!stub.ok()) {
    reactor->Finish(api::ToGrpcStatus(stub.status()));
    return reactor;
  }
  metrics_->commands_forwarded.fetch_add(1, std::memory_order_relaxed);
  auto flight = std::make_shared<Flight>(Flight{ClientContextFor(call), *stub});
  send(*flight->stub, flight->context.get(),
       [reactor, flight](grpc::Status status) { reactor->Finish(status); });
  return reactor;
}

grpc::ServerUnaryReactor* Forwarder::Submit(grpc::CallbackServerContext* call,
                                            const v1::SubmitRequest* request,
                                            v1::CommandReply* reply) {
  return Forward(
      call, [&](v1::Dossiers::Stub& stub, grpc::ClientContext* context,
                std::function<void(grpc::Status)> done) {
        stub.async()->Submit(context, request, reply, std::move(done));
      });
}

grpc::ServerUnaryReactor* Forwarder::Act(grpc::CallbackServerContext* call,
                                         const v1::ActRequest* request,
                                         v1::CommandReply* reply) {
  return Forward(call,
                 [&](v1::Dossiers::Stub& stub, grpc::ClientContext* context,
                     std::function<void(grpc::Status)> done) {
                   stub.async()->Act(context, request, reply, std::move(done));
                 });
}

}  // namespace motcua::server
