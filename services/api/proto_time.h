#ifndef MOTCUA_SERVICES_API_PROTO_TIME_H_
#define MOTCUA_SERVICES_API_PROTO_TIME_H_

// Instants and durations between absl and the well-known protobuf types:
// the one home of the arithmetic, used by the API conversions (to_proto.h,
// from_proto.h) and the command-line client. Needs protobuf and Abseil
// only (target motcua_proto_time).

#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace motcua::api {

// Exact to the nanosecond; Timestamp's nanos are in [0, 1e9) as it wants
// them.
google::protobuf::Timestamp TimeToProto(absl::Time instant);
// Exact to the nanosecond; seconds and nanos share a sign.
google::protobuf::Duration DurationToProto(absl::Duration duration);

// The instant and duration a message holds, unchecked: for messages motcuad
// wrote (a reply the client prints). A request's fields go through the
// checked overloads of from_proto.h, which name the field that is wrong.
absl::Time TimeFromProto(const google::protobuf::Timestamp& timestamp);
absl::Duration DurationFromProto(const google::protobuf::Duration& duration);

}  // namespace motcua::api

#endif  // MOTCUA_SERVICES_API_PROTO_TIME_H_
