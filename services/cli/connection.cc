#include "services/cli/connection.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace motcua::cli {
namespace {

// The whole of a PEM file that holds `label` ("CERTIFICATE", "PRIVATE
// KEY"). INVALID_ARGUMENT naming the flag when it cannot be read or holds no
// such block: gRPC would only log its complaint and fail the call as
// UNAVAILABLE.
absl::StatusOr<std::string> ReadPemFile(const std::string& path,
                                        absl::string_view flag,
                                        absl::string_view label) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": cannot read ", path));
  }
  std::ostringstream content;
  content << in.rdbuf();
  // "-----BEGIN PRIVATE KEY-----", "-----BEGIN RSA PRIVATE KEY-----", ...
  if (!absl::StrContains(content.str(), "-----BEGIN ") ||
      !absl::StrContains(content.str(), absl::StrCat(label, "-----"))) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": ", path, " holds no PEM ", label));
  }
  return content.str();
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> Credentials(
    const ConnectionOptions& options) {
  if (options.tls_ca_file.empty() && options.tls_cert_file.empty() &&
      options.tls_key_file.empty()) {
    return grpc::InsecureChannelCredentials();
  }
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls-cert and --tls-key go together (the client certificate and "
        "its private key)");
  }
  grpc::SslCredentialsOptions ssl;
  if (!options.tls_ca_file.empty()) {
    absl::StatusOr<std::string> ca =
        ReadPemFile(options.tls_ca_file, "--tls-ca", "CERTIFICATE");
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *std::move(ca);
  }
  if (!options.tls_cert_file.empty()) {
    absl::StatusOr<std::string> cert =
        ReadPemFile(options.tls_cert_file, "--tls-cert", "CERTIFICATE");
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key =
        ReadPemFile(options.tls_key_file, "--tls-key", "PRIVATE KEY");
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *std::move(cert);
    ssl.pem_private_key = *std::move(key);
  }
  return grpc::SslCredentials(ssl);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(
    const ConnectionOptions& options) {
  if (options.address.empty()) {
    return absl::InvalidArgumentError(
        "--address: must not be empty (host:port, or set MOTCUA_ADDRESS)");
  }
  if (options.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--timeout: must be positive");
  }
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      Credentials(options);
  if (!credentials.ok()) return credentials.status();
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(options.address, *credentials);
  return std::unique_ptr<Connection>(
      new Connection(options, std::move(channel)));
}

Connection::Connection(ConnectionOptions options,
                       std::shared_ptr<grpc::Channel> channel)
    : options_(std::move(options)),
      channel_(std::move(channel)),
      dossiers_(v1::Dossiers::NewStub(channel_)),
      supervision_(v1::Supervision::NewStub(channel_)),
      audit_(v1::Audit::NewStub(channel_)),
      admin_(v1::Admin::NewStub(channel_)) {}

void Connection::Prepare(grpc::ClientContext* context,
                         CallDeadline deadline) const {
  if (!options_.token.empty()) {
    context->AddMetadata("authorization",
                         absl::StrCat("Bearer ", options_.token));
  }
  if (deadline == CallDeadline::kPerCall) {
    context->set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
  }
}

}  // namespace motcua::cli
