#include "services/server/service_context.h"

#include "absl/strings/str_cat.h"
#include "engine/status_macros.h"
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

absl::StatusOr<access::Principal> AuthenticateFor(
    const ServiceContext& context, const grpc::CallbackServerContext* call,
    access::Operation operation, Reach reach) {
  ASSIGN_OR_RETURN(access::Principal principal, Authenticate(context, call));
  switch (reach) {
    case Reach::kSomeAgency:
      RETURN_IF_ERROR(CheckRole(principal, operation));
      break;
    case Reach::kEveryAgency:
      RETURN_IF_ERROR(access::Authorize(principal, operation, ""));
      break;
  }
  return principal;
}

absl::Status CheckRole(const access::Principal& principal,
                       access::Operation operation) {
  if (access::RoleMayPerform(principal.role, operation)) {
    return absl::OkStatus();
  }
  // Refused for every agency: Authorize says why in its own words.
  return access::Authorize(principal, operation, "");
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

}  // namespace motcua::server
