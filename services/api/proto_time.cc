#include "services/api/proto_time.h"

#include <cstdint>

namespace motcua::api {

google::protobuf::Timestamp TimeToProto(absl::Time instant) {
  google::protobuf::Timestamp timestamp;
  // ToUnixSeconds rounds towards the infinite past, so the remainder is in
  // [0s, 1s) as Timestamp wants its nanos.
  const int64_t seconds = absl::ToUnixSeconds(instant);
  timestamp.set_seconds(seconds);
  timestamp.set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(instant - absl::FromUnixSeconds(seconds))));
  return timestamp;
}

google::protobuf::Duration DurationToProto(absl::Duration duration) {
  google::protobuf::Duration proto;
  // IDivDuration truncates towards zero: seconds and nanos share a sign, as
  // Duration wants them.
  absl::Duration remainder;
  const int64_t seconds =
      absl::IDivDuration(duration, absl::Seconds(1), &remainder);
  proto.set_seconds(seconds);
  proto.set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(remainder)));
  return proto;
}

absl::Time TimeFromProto(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Nanoseconds(timestamp.nanos());
}

absl::Duration DurationFromProto(const google::protobuf::Duration& duration) {
  return absl::Seconds(duration.seconds()) +
         absl::Nanoseconds(duration.nanos());
}

}  // namespace motcua::api
