#ifndef MOTCUA_BENCH_NULL_DOSSIERS_H_
#define MOTCUA_BENCH_NULL_DOSSIERS_H_

#include <grpcpp/grpcpp.h>

#include <array>
#include <memory>

#include "absl/status/statusor.h"
#include "bench/workload.h"
#include "motcua/v1/service.grpc.pb.h"

namespace motcua::bench {

// The fixed answer to each kind of command.
using ReplyByKind = std::array<v1::CommandReply, kCommandKindCount>;

// A reply shaped like motcuad's: the dossier with a control sheet of two
// entries and the one event the command appended, hashes included.
v1::CommandReply SyntheticReply(CommandKind kind);
ReplyByKind SyntheticReplies();

// The transport ceiling: a Dossiers service that does nothing. Submit and
// Act answer their kind's fixed reply at once, on the callback API like
// motcuad, so that driving it measures gRPC, protobuf and the loopback
// with the same messages and nothing else.
class NullDossiersServer {
 public:
  // Serves on 127.0.0.1:0. UNAVAILABLE when it cannot bind.
  static absl::StatusOr<std::unique_ptr<NullDossiersServer>> Start(
      ReplyByKind replies);
  ~NullDossiersServer();

  NullDossiersServer(const NullDossiersServer&) = delete;
  NullDossiersServer& operator=(const NullDossiersServer&) = delete;

  int port() const { return port_; }

 private:
  class Service;
  NullDossiersServer() = default;

  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace motcua::bench

#endif  // MOTCUA_BENCH_NULL_DOSSIERS_H_
