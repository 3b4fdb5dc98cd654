#ifndef MOTCUA_ENGINE_SHA256_H_
#define MOTCUA_ENGINE_SHA256_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace motcua {

using Sha256Digest = std::array<uint8_t, 32>;

// Incremental SHA-256 (OpenSSL underneath).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(absl::string_view bytes);
  Sha256Digest Finish();
  // Starts a new digest on the same context (after Finish, or to discard).
  void Reset();

 private:
  void* context_;  // EVP_MD_CTX*, kept opaque so OpenSSL headers stay private
};

Sha256Digest Sha256Of(absl::string_view bytes);
std::string ToHex(const Sha256Digest& digest);

}  // namespace motcua

#endif  // MOTCUA_ENGINE_SHA256_H_
