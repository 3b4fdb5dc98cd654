// Fuzzes the stored-event decoders (store/event_codec.h): the payload of an
// event, the dossier snapshot and the outcome of a request, as read back from
// a database that may be damaged. The first byte chooses the decoder; the
// rest are the stored bytes.
//
// What decodes must encode again, and stay the same through a second
// decode: the writer applies events as decoded from their stored bytes, so a
// decode/encode pair that drifts would make a replay disagree with the live
// state.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "store/event_codec.h"

namespace {

namespace store = motcua::store;

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "re-encoding is not stable: %s\n", what);
    std::abort();
  }
}

void Payload(absl::string_view bytes) {
  absl::StatusOr<store::DecodedPayload> decoded =
      store::DecodeEventPayload(bytes);
  if (!decoded.ok()) return;
  const std::string encoded = store::EncodeEventPayload(
      decoded->body, decoded->request_id, decoded->schedule);
  absl::StatusOr<store::DecodedPayload> again =
      store::DecodeEventPayload(encoded);
  Check(again.ok(), "event payload does not decode");
  Check(store::EncodeEventPayload(again->body, again->request_id,
                                  again->schedule) == encoded,
        "event payload");
}

void Snapshot(absl::string_view bytes) {
  absl::StatusOr<motcua::Dossier> decoded = store::DecodeDossierSnapshot(bytes);
  if (!decoded.ok()) return;
  const std::string encoded = store::EncodeDossierSnapshot(*decoded);
  absl::StatusOr<motcua::Dossier> again = store::DecodeDossierSnapshot(encoded);
  Check(again.ok(), "dossier snapshot does not decode");
  Check(store::EncodeDossierSnapshot(*again) == encoded, "dossier snapshot");
}

void Outcome(absl::string_view bytes) {
  absl::StatusOr<store::RequestRecord> decoded =
      store::DecodeRequestOutcome(bytes);
  if (!decoded.ok()) return;
  const std::string encoded = store::EncodeRequestOutcome(*decoded);
  absl::StatusOr<store::RequestRecord> again =
      store::DecodeRequestOutcome(encoded);
  Check(again.ok(), "request outcome does not decode");
  Check(store::EncodeRequestOutcome(*again) == encoded, "request outcome");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const absl::string_view bytes(reinterpret_cast<const char*>(data) + 1,
                                size - 1);
  switch (data[0] % 3) {
    case 0:
      Payload(bytes);
      break;
    case 1:
      Snapshot(bytes);
      break;
    default:
      Outcome(bytes);
      break;
  }
  return 0;
}
