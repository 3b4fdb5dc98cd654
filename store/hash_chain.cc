#include "store/hash_chain.h"

#include "engine/sha256.h"

namespace motcua::store {
namespace {

void AppendUint64(uint64_t value, std::string& out) {
  char bytes[8];
  for (int i = 7; i >= 0; --i) {
    bytes[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  out.append(bytes, sizeof(bytes));
}

void AppendField(absl::string_view bytes, std::string& out) {
  AppendUint64(bytes.size(), out);
  out.append(bytes.data(), bytes.size());
}

void AppendField(int64_t value, std::string& out) {
  AppendUint64(8, out);
  AppendUint64(static_cast<uint64_t>(value), out);
}

}  // namespace

std::string GenesisHash() { return std::string(kHashSize, '\0'); }

void AppendCanonicalBytes(const ChainedFields& fields, std::string& out) {
  AppendField(fields.sequence, out);
  AppendField(fields.dossier_code, out);
  AppendField(fields.dossier_version, out);
  AppendField(fields.type, out);
  AppendField(fields.occurred_at_micros, out);
  AppendField(fields.recorded_at_micros, out);
  AppendField(fields.actor, out);
  AppendField(fields.rule_version, out);
  AppendField(fields.payload, out);
}

std::string ChainHash(absl::string_view previous_hash,
                      const ChainedFields& fields, std::string& scratch) {
  scratch.assign(previous_hash.data(), previous_hash.size());
  AppendCanonicalBytes(fields, scratch);
  const Sha256Digest digest = Sha256Of(scratch);
  return std::string(reinterpret_cast<const char*>(digest.data()),
                     digest.size());
}

}  // namespace motcua::store
