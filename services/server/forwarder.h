#ifndef MOTCUA_SERVICES_SERVER_FORWARDER_H_
#define MOTCUA_SERVICES_SERVER_FORWARDER_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"
#include "motcua/v1/service.grpc.pb.h"
#include "services/metrics/metrics.h"
#include "store/event_store.h"

namespace motcua::server {

// Where a follower sends the commands it receives: the leader, as the
// store's lease names it (store::Leadership). Several motcuad on one
// PostgreSQL database sit behind one address; a command that reaches a
// follower is sent on, with the caller's `authorization` and deadline, and
// answered with exactly the leader's status and reply. Reads never come
// here.
//
// Threads: every method may be called from any thread.
class Forwarder {
 public:
  // Metadata marking a forwarded call: a server that receives one and does
  // not lead answers UNAVAILABLE rather than forwarding it again.
  static constexpr char kForwardedHeader[] = "motcua-forwarded-by";

  // `credentials` open the channel to the leader; `metrics` counts the
  // forwarded commands; `self` is this server's advertised address (for
  // the header above).
  Forwarder(std::shared_ptr<grpc::ChannelCredentials> credentials,
            metrics::ServerMetrics* metrics, std::string self);

  // Who leads now (the store's leadership observer).
  void SetLeadership(const store::Leadership& leadership);
  // Whether this server leads: commands are executed here.
  bool leading() const;

  // Sends the command on to the leader and finishes the call with its
  // answer. UNAVAILABLE when no leader is known (the lease is free or
  // expired: a follower takes it within the lease), when the leader cannot
  // be reached, or when the call was already forwarded once. A retry with
  // the same request_id is safe in every case.
  grpc::ServerUnaryReactor* Submit(grpc::CallbackServerContext* call,
                                   const v1::SubmitRequest* request,
                                   v1::CommandReply* reply);
  grpc::ServerUnaryReactor* Act(grpc::CallbackServerContext* call,
                                const v1::ActRequest* request,
                                v1::CommandReply* reply);

 private:
  // Finishes `call` with the leader's answer to what `send` sends it (one
  // of the stub's async methods, answering `done`).
  grpc::ServerUnaryReactor* Forward(
      grpc::CallbackServerContext* call,
      absl::FunctionRef<void(v1::Dossiers::Stub&, grpc::ClientContext*,
                             std::function<void(grpc::Status)>)>
          send);
  // The leader's stub, or the status to answer with.
  absl::StatusOr<std::shared_ptr<v1::Dossiers::Stub>> LeaderStub(
      const grpc::CallbackServerContext* call);
  // A client context carrying the caller's credentials and deadline.
  std::unique_ptr<grpc::ClientContext> ClientContextFor(
      const grpc::CallbackServerContext* call) const;

  const std::shared_ptr<grpc::ChannelCredentials> credentials_;
  metrics::ServerMetrics* const metrics_;
  const std::string self_;

  mutable absl::Mutex mu_;
  bool leading_ ABSL_GUARDED_BY(mu_) = true;
  std::string leader_address_ ABSL_GUARDED_BY(mu_);
  // The stub of leader_address_, made when first needed.
  std::shared_ptr<v1::Dossiers::Stub> stub_ ABSL_GUARDED_BY(mu_);
};

}  // namespace motcua::server

#endif  // MOTCUA_SERVICES_SERVER_FORWARDER_H_
