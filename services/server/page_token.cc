#include "services/server/page_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstring>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace motcua::server {
namespace {

// The first byte of every token: its layout, so that a later layout can
// refuse this one with a clear message.
constexpr char kVersion = 1;
// Domain separation: the key signs nothing else, but a MAC names its use.
constexpr absl::string_view kContext = "motcua page token v1";
// The first byte of a deadline list's position: the kind of its last row.
constexpr char kDossierRow = 'd';
constexpr char kStepRow = 's';

absl::Status BadToken() {
  return absl::InvalidArgumentError(
      "page_token: not a token this list returned for these filters (or the "
      "server restarted since); start again without one");
}

// Eight bytes, most significant first.
void AppendUint64(std::string& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xFF));
  }
}
uint64_t ReadUint64(absl::string_view bytes) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  }
  return value;
}

void AppendLengthPrefixed(std::string& out, absl::string_view part) {
  AppendUint64(out, part.size());
  out.append(part.data(), part.size());
}

}  // namespace

absl::StatusOr<std::unique_ptr<const PageTokens>> PageTokens::Create() {
  auto tokens = std::unique_ptr<PageTokens>(new PageTokens());
  if (RAND_bytes(tokens->key_.data(), static_cast<int>(tokens->key_.size())) !=
      1) {
    return absl::InternalError(
        "cannot draw the page-token key from OpenSSL's random generator");
  }
  return std::unique_ptr<const PageTokens>(std::move(tokens));
}

std::string PageTokens::Query(std::initializer_list<absl::string_view> parts) {
  std::string query;
  for (absl::string_view part : parts) AppendLengthPrefixed(query, part);
  return query;
}

PageTokens::Mac PageTokens::Sign(absl::string_view query,
                                 absl::string_view position) const {
  std::string message;
  AppendLengthPrefixed(message, kContext);
  AppendLengthPrefixed(message, query);
  AppendLengthPrefixed(message, position);
  Mac mac{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
       mac.data(), &length);
  return mac;
}

std::string PageTokens::Issue(absl::string_view query,
                              absl::string_view position) const {
  const Mac mac = Sign(query, position);
  std::string plain(1, kVersion);
  plain.append(position.data(), position.size());
  plain.append(reinterpret_cast<const char*>(mac.data()), mac.size());
  return absl::WebSafeBase64Escape(plain);
}

absl::StatusOr<std::string> PageTokens::Open(absl::string_view token,
                                             absl::string_view query) const {
  std::string plain;
  // Tokens this server issues are a few hundred characters at most.
  if (token.size() > 4096 || !absl::WebSafeBase64Unescape(token, &plain) ||
      plain.size() < 1 + sizeof(Mac) || plain[0] != kVersion ||
      // Base64 leaves slack in the last character's low bits: only the
      // exact text this server wrote counts, so that no character of a
      // token can change unnoticed.
      absl::WebSafeBase64Escape(plain) != token) {
    return BadToken();
  }
  const absl::string_view position =
      absl::string_view(plain).substr(1, plain.size() - 1 - sizeof(Mac));
  const Mac expected = Sign(query, position);
  if (CRYPTO_memcmp(expected.data(), plain.data() + plain.size() - sizeof(Mac),
                    sizeof(Mac)) != 0) {
    return BadToken();
  }
  return std::string(position);
}

std::string PageTokens::ForDossiers(absl::string_view query,
                                    absl::string_view last_code) const {
  return Issue(query, last_code);
}

absl::StatusOr<std::string> PageTokens::ParseDossiers(
    absl::string_view token, absl::string_view query) const {
  if (token.empty()) return std::string();
  return Open(token, query);
}

std::string PageTokens::ForDeadlines(
    absl::string_view query, const store::DeadlineCursor& cursor) const {
  // The kind first: a page that listed both kinds may end on a step's row.
  std::string position(
      1, cursor.kind == store::DeadlineKind::kStep ? kStepRow : kDossierRow);
  AppendUint64(position,
               static_cast<uint64_t>(absl::ToUnixMicros(cursor.due_at)));
  position.append(cursor.dossier_code);
  return Issue(query, position);
}

absl::StatusOr<std::optional<store::DeadlineCursor>> PageTokens::ParseDeadlines(
    absl::string_view token, absl::string_view query) const {
  if (token.empty()) return std::optional<store::DeadlineCursor>();
  absl::StatusOr<std::string> position = Open(token, query);
  if (!position.ok()) return position.status();
  if (position->size() < 9 ||
      ((*position)[0] != kDossierRow && (*position)[0] != kStepRow)) {
    return BadToken();
  }
  const store::DeadlineKind kind = (*position)[0] == kStepRow
                                       ? store::DeadlineKind::kStep
                                       : store::DeadlineKind::kDossier;
  const auto micros =
      static_cast<int64_t>(ReadUint64(absl::string_view(*position).substr(1)));
  return store::DeadlineCursor{absl::FromUnixMicros(micros),
                               position->substr(9), kind};
}

}  // namespace motcua::server
