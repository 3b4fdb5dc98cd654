#include "services/server/parsed_request.h"

#include <vector>

namespace motcua::server {

absl::Status ParseByteBuffer(grpc::ByteBuffer* buffer,
                             google::protobuf::Message* message) {
  if (buffer == nullptr || !buffer->Valid()) {
    return absl::InvalidArgumentError("request: no request message was sent");
  }
  std::vector<grpc::Slice> slices;
  if (!buffer->Dump(&slices).ok()) {
    return absl::InvalidArgumentError("request: the message cannot be read");
  }
  // One contiguous copy: requests are at most max_message_bytes, and the
  // parser names byte offsets in it.
  std::string bytes;
  bytes.reserve(buffer->Length());
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return api::ParseRequest(bytes, message);
}

absl::Status RefusalOfMalformed(const ServiceContext& context,
                                const grpc::CallbackServerContext* call,
                                const absl::Status& parsed) {
  absl::StatusOr<access::Principal> principal = Authenticate(context, call);
  if (!principal.ok()) return principal.status();
  return parsed;
}

}  // namespace motcua::server
