#ifndef MOTCUA_STORE_COMMAND_FINGERPRINT_H_
#define MOTCUA_STORE_COMMAND_FINGERPRINT_H_

#include <string>

#include "store/types.h"

namespace motcua::store {

// The fingerprint kept with a request id: SHA-256 (32 raw bytes) of a
// canonical encoding of everything that decides the command's outcome: the
// dossier code, the action, each of its arguments (instants at storage
// precision, microseconds) and the expected version. Not the caller, which
// the store compares apart, nor when the command arrived: a retry of the
// same request gives the same bytes, a different command different ones.
//
// The encoding is stored (in each event's payload) and compared across
// versions: never change it for an existing action. An argument added to
// an action is appended to that action's parts, after the existing ones.
std::string CommandFingerprint(const CommandRequest& request);

}  // namespace motcua::store

#endif  // MOTCUA_STORE_COMMAND_FINGERPRINT_H_
