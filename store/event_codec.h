#ifndef MOTCUA_STORE_EVENT_CODEC_H_
#define MOTCUA_STORE_EVENT_CODEC_H_

// The one place that converts the engine's events and dossiers to and from
// the stored bytes of proto/motcua/v1/events.proto.
//
// Storage keeps instants to the microsecond and durations to the whole
// second. The writer therefore applies the events as decoded from their
// stored bytes, never the engine's originals, so that the live state and a
// replay agree to the bit.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/dossier.h"
#include "engine/lifecycle.h"

namespace motcua::store {

// An instant as stored: microseconds since the Unix epoch (rounded down).
int64_t ToStoredMicros(absl::Time time);
absl::Time FromStoredMicros(int64_t micros);
// `time` rounded down to what storage keeps.
absl::Time ToStoredPrecision(absl::Time time);

// The request of the command that appended an event, as its payload keeps
// it: the caller's request id (empty when it sent none) and the command's
// fingerprint (store/command_fingerprint.h; empty without a request id and
// in events logged before fingerprints were kept, schema 6 and earlier).
struct RequestTag {
  std::string id;
  std::string fingerprint;
};

// The payload column of an event: its body, the request id of the command
// that appended it and that command's fingerprint. Deterministic: the same
// input gives the same bytes, which the hash chain covers.
std::string EncodeEventPayload(
    const EventBody& body, absl::string_view request_id,
    const std::optional<Schedule>& schedule = std::nullopt,
    absl::string_view command_fingerprint = {});

struct DecodedPayload {
  EventBody body;
  std::string request_id;
  std::optional<Schedule> schedule;
  std::string command_fingerprint;
};
// DATA_LOSS when the bytes are not a payload this build understands.
absl::StatusOr<DecodedPayload> DecodeEventPayload(absl::string_view bytes);

// The snapshot column of the `dossiers` table: the whole dossier.
// Deterministic.
std::string EncodeDossierSnapshot(const Dossier& dossier);
// DATA_LOSS when the bytes are not a snapshot this build understands.
absl::StatusOr<Dossier> DecodeDossierSnapshot(absl::string_view bytes);

// What the `requests` table keeps to answer a retried command.
struct RequestRecord {
  std::string dossier_code;
  int64_t dossier_version = 0;
  int64_t last_sequence = 0;
  // The fingerprint column: the command's (store/command_fingerprint.h);
  // empty for a command logged before fingerprints were kept.
  std::string fingerprint;
};
// The outcome column (the fingerprint has its own).
std::string EncodeRequestOutcome(const RequestRecord& record);
// DATA_LOSS when the bytes are not an outcome. The fingerprint is left
// empty.
absl::StatusOr<RequestRecord> DecodeRequestOutcome(absl::string_view bytes);

}  // namespace motcua::store

#endif  // MOTCUA_STORE_EVENT_CODEC_H_
