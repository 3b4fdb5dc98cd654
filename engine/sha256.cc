#include "engine/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace motcua {
namespace {

// The algorithm, fetched once: with OpenSSL 3 an EVP_sha256() given to each
// initialisation is fetched again every time (a lock and a lookup), which
// costs more than hashing an event.
const EVP_MD* Sha256Algorithm() {
  static const EVP_MD* const algorithm = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (fetched == nullptr) std::abort();
    return fetched;
  }();
  return algorithm;
}

}  // namespace

Sha256::Sha256() : context_(EVP_MD_CTX_new()) {
  // Allocation failure of a 200-byte context leaves nothing to recover.
  if (context_ == nullptr) std::abort();
  Reset();
}

void Sha256::Reset() {
  if (EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(context_), Sha256Algorithm(),
                        nullptr) != 1) {
    std::abort();
  }
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(context_)); }

void Sha256::Update(absl::string_view bytes) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(context_), bytes.data(),
                   bytes.size());
}

Sha256Digest Sha256::Finish() {
  Sha256Digest digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(context_), digest.data(),
                     &length);
  return digest;
}

Sha256Digest Sha256Of(absl::string_view bytes) {
  // One context per thread, reset for each digest.
  thread_local Sha256 hasher;
  hasher.Reset();
  hasher.Update(bytes);
  return hasher.Finish();
}

std::string ToHex(const Sha256Digest& digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(digest.size() * 2);
  for (uint8_t byte : digest) {
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 0xf]);
  }
  return hex;
}

}  // namespace motcua
