#include "services/api/grpc_status.h"

#include <string>

#include "engine/utf8.h"

namespace motcua::api {
namespace {

// Both enumerations number the codes 0 (OK) to 16 (UNAUTHENTICATED) alike.
constexpr int kLastCode = 16;
static_assert(static_cast<int>(absl::StatusCode::kUnauthenticated) ==
              kLastCode);
static_assert(static_cast<int>(grpc::StatusCode::UNAUTHENTICATED) == kLastCode);
static_assert(static_cast<int>(absl::StatusCode::kFailedPrecondition) ==
              static_cast<int>(grpc::StatusCode::FAILED_PRECONDITION));
static_assert(static_cast<int>(absl::StatusCode::kResourceExhausted) ==
              static_cast<int>(grpc::StatusCode::RESOURCE_EXHAUSTED));

bool IsKnownCode(int code) { return code >= 0 && code <= kLastCode; }

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const int code = static_cast<int>(status.code());
  return grpc::Status(IsKnownCode(code) ? static_cast<grpc::StatusCode>(code)
                                        : grpc::StatusCode::UNKNOWN,
                      // Messages may quote what a client sent or a file held;
                      // a client decodes them as UTF-8.
                      ToValidUtf8(status.message()));
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  const int code = static_cast<int>(status.error_code());
  return absl::Status(IsKnownCode(code) ? static_cast<absl::StatusCode>(code)
                                        : absl::StatusCode::kUnknown,
                      status.error_message());
}

}  // namespace motcua::api
