#ifndef MOTCUA_SERVICES_API_GRPC_STATUS_H_
#define MOTCUA_SERVICES_API_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace motcua::api {

// The one mapping from an absl::Status to the grpc::Status a handler
// finishes with: the same code number (Abseil's codes are gRPC's) and the
// same message. OK maps to OK; a code gRPC does not define maps to UNKNOWN.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The reverse, for clients of the API: the same code number and message.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace motcua::api

#endif  // MOTCUA_SERVICES_API_GRPC_STATUS_H_
