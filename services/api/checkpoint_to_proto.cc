#include "services/api/checkpoint_to_proto.h"

#include "absl/strings/escaping.h"
#include "services/api/to_proto.h"

namespace motcua::api {

v1::CheckpointReply CheckpointToProto(const checkpoint::Checkpoint& checkpoint,
                                      const checkpoint::PublicKey& key) {
  v1::CheckpointReply reply;
  reply.set_log(checkpoint.log);
  reply.set_key_id(checkpoint.key_id);
  reply.set_sequence(checkpoint.sequence);
  reply.set_head_hash(checkpoint.head_hash);
  *reply.mutable_signed_at() = TimeToProto(checkpoint.time);
  reply.set_signature(checkpoint.signature);
  reply.set_text(checkpoint::Format(checkpoint));
  reply.set_public_key(absl::Base64Escape(key.raw()));
  return reply;
}

}  // namespace motcua::api
