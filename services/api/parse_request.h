#ifndef MOTCUA_SERVICES_API_PARSE_REQUEST_H_
#define MOTCUA_SERVICES_API_PARSE_REQUEST_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace motcua::api {

// Parses the wire bytes of a request into `message`.
//
// gRPC's own parser, when it fails, gives the handler nothing: gRPC C++
// answers UNIMPLEMENTED with an empty message, as if the method did not
// exist. The server therefore takes each request's bytes itself and parses
// them here, so that a malformed request is INVALID_ARGUMENT with a message
// naming what was wrong:
//   "<field path>: must be valid UTF-8"   a proto3 string field holding
//                                         bytes that are not UTF-8 (protobuf
//                                         refuses them at parse);
//   "<field path>: not a valid <type> message (byte N)"  bytes that do not
//                                         decode as the message: a truncated
//                                         length or varint, a length past
//                                         the end, an invalid tag;
//   "request: not a valid <type> message (byte N)"  the same at the top.
// Field paths are spelled as the request spells them ("hand_over.note",
// "request_supplement.missing[2]", "files[0].path"). Unknown fields are
// skipped, as protobuf skips them.
absl::Status ParseRequest(absl::string_view bytes,
                          google::protobuf::Message* message);

}  // namespace motcua::api

#endif  // MOTCUA_SERVICES_API_PARSE_REQUEST_H_
