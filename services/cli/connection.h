#ifndef MOTCUA_SERVICES_CLI_CONNECTION_H_
#define MOTCUA_SERVICES_CLI_CONNECTION_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "motcua/v1/service.grpc.pb.h"

namespace motcua::cli {

// The address the client calls when neither --address nor MOTCUA_ADDRESS
// says otherwise.
inline constexpr char kDefaultAddress[] = "127.0.0.1:50051";

// How to reach motcuad. The flags (--address, --token, --tls-ca, --tls-cert,
// --tls-key, --timeout) fill it, with MOTCUA_ADDRESS and MOTCUA_TOKEN as the
// fallbacks for the first two.
struct ConnectionOptions {
  std::string address = kDefaultAddress;
  // Sent as the metadata "authorization: Bearer <token>"; nothing is sent
  // when empty (the server then answers UNAUTHENTICATED).
  std::string token;
  // TLS is used when any of the three files is named; plaintext otherwise.
  // Without a CA file the system's roots verify the server.
  std::string tls_ca_file;
  std::string tls_cert_file;  // client certificate chain, with tls_key_file
  std::string tls_key_file;
  // The deadline of each unary call. Streams have none.
  absl::Duration timeout = absl::Seconds(30);
};

// Whether a call gets the per-call deadline.
enum class CallDeadline {
  kPerCall,  // unary calls: options.timeout from the start of the call
  kNone,     // streams that run until interrupted (watch)
};

// A channel to motcuad and a stub for each of its services.
class Connection {
 public:
  // Builds the channel; no call is made, so an unreachable server shows up
  // as UNAVAILABLE on the first call. INVALID_ARGUMENT naming the flag when a
  // TLS file cannot be read or holds no PEM certificate (or key), when only
  // one of --tls-cert and --tls-key is given, or when the address is empty
  // or the timeout not positive.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(
      const ConnectionOptions& options);

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Readies `context` for one call: the bearer token and the deadline.
  void Prepare(grpc::ClientContext* context, CallDeadline deadline) const;

  const std::string& address() const { return options_.address; }

  v1::Dossiers::Stub& dossiers() const { return *dossiers_; }
  v1::Supervision::Stub& supervision() const { return *supervision_; }
  v1::Audit::Stub& audit() const { return *audit_; }
  v1::Admin::Stub& admin() const { return *admin_; }

 private:
  Connection(ConnectionOptions options, std::shared_ptr<grpc::Channel> channel);

  const ConnectionOptions options_;
  const std::shared_ptr<grpc::Channel> channel_;
  const std::unique_ptr<v1::Dossiers::Stub> dossiers_;
  const std::unique_ptr<v1::Supervision::Stub> supervision_;
  const std::unique_ptr<v1::Audit::Stub> audit_;
  const std::unique_ptr<v1::Admin::Stub> admin_;
};

}  // namespace motcua::cli

#endif  // MOTCUA_SERVICES_CLI_CONNECTION_H_
