#include "services/server/service_context.h"

#include "absl/strings/str_cat.h"
#include "services/api/grpc_status.h"

namespace motcua::server {

absl::StatusOr<access::Principal> Authenticate(
    const ServiceContext& context, const grpc::CallbackServerContext* call) {
  const auto& metadata = call->client_metadata();
  // Two credentials on one request: a proxy added one, or a client sent
  // two; which one the caller meant is not ours to guess.
  if (const size_t headers = metadata.count("authorization"); headers > 1) {
    return absl::UnauthenticatedError(
        absl::StrCat("the request carries ", headers,
                     " authorization metadata entries; send exactly one "
                     "\"authorization: Bearer <token>\""));
  }
  auto found = metadata.find("authorization");
  absl::string_view value;
  if (found != metadata.end()) {
    value = absl::string_view(found->second.data(), found->second.size());
  }
  return context.access->Authenticate(value);
}

absl::StatusOr<std::string> ScopeAgency(const access::Principal& principal,
                                        access::Operation operation,
                                        const std::string& requested) {
  std::string agency = requested;
  if (agency.empty() && !principal.all_agencies &&
      principal.agencies.size() == 1) {
    agency = principal.agencies.front();
  }
  // A refusal names the caller's agencies: what to put in the agency field.
  if (absl::Status allowed = access::Authorize(principal, operation, agency);
      !allowed.ok()) {
    return allowed;
  }
  return agency;
}

grpc::ServerUnaryReactor* Refuse(grpc::ServerUnaryReactor* reactor,
                                 const absl::Status& status) {
  reactor->Finish(api::ToGrpcStatus(status));
  return reactor;
}

}  // namespace motcua::server
