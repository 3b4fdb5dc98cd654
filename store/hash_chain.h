#ifndef MOTCUA_STORE_HASH_CHAIN_H_
#define MOTCUA_STORE_HASH_CHAIN_H_

// The log's hash chain. Each event's hash is
//   SHA-256(previous_hash || canonical bytes of the event)
// where previous_hash is the hash of the event before it (32 zero bytes for
// the first), and the canonical bytes concatenate, in this order, the
// sequence, dossier code, dossier version, type, occurred_at, recorded_at
// (both in Unix microseconds), actor, rule version and payload, each as an
// 8-byte big-endian length followed by its bytes; integers are 8-byte
// big-endian two's complement. The layout is part of the stored format:
// never change it.

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace motcua::store {

inline constexpr size_t kHashSize = 32;

// The hash before the first event: 32 zero bytes.
std::string GenesisHash();

// The stored fields of one event that its hash covers, as the `events`
// table holds them.
struct ChainedFields {
  int64_t sequence = 0;
  absl::string_view dossier_code;
  int64_t dossier_version = 0;
  absl::string_view type;
  int64_t occurred_at_micros = 0;
  int64_t recorded_at_micros = 0;
  absl::string_view actor;
  absl::string_view rule_version;
  absl::string_view payload;
};

// Appends the canonical bytes of `fields` to `out`.
void AppendCanonicalBytes(const ChainedFields& fields, std::string& out);

// The event's hash (32 raw bytes). `scratch` is a buffer the caller keeps
// between calls, so that walking a long log does not allocate per event.
std::string ChainHash(absl::string_view previous_hash,
                      const ChainedFields& fields, std::string& scratch);

}  // namespace motcua::store

#endif  // MOTCUA_STORE_HASH_CHAIN_H_
