#ifndef MOTCUA_SERVICES_API_CHECKPOINT_TO_PROTO_H_
#define MOTCUA_SERVICES_API_CHECKPOINT_TO_PROTO_H_

#include "motcua/v1/service.pb.h"
#include "services/checkpoint/checkpoint.h"

namespace motcua::api {

// A signed checkpoint as the Audit API answers it and the webhooks deliver
// it: its fields, its text (the file an auditor keeps) and `key`'s public
// half, base64.
v1::CheckpointReply CheckpointToProto(const checkpoint::Checkpoint& checkpoint,
                                      const checkpoint::PublicKey& key);

}  // namespace motcua::api

#endif  // MOTCUA_SERVICES_API_CHECKPOINT_TO_PROTO_H_
