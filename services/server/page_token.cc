#include "services/server/page_token.h"

#include <cstdint>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace motcua::server {
namespace {

constexpr absl::string_view kDossierPrefix = "d1:";
constexpr absl::string_view kDeadlinePrefix = "o1:";
// A page that ended on a step's deadline (kinds were listed together).
constexpr absl::string_view kStepDeadlinePrefix = "o2:";

absl::Status BadToken() {
  return absl::InvalidArgumentError(
      "page_token: not a token this list returned; start again without one");
}

absl::StatusOr<std::string> Unwrap(absl::string_view token,
                                   absl::string_view prefix) {
  std::string plain;
  if (!absl::WebSafeBase64Unescape(token, &plain) ||
      !absl::StartsWith(plain, prefix)) {
    return BadToken();
  }
  return plain.substr(prefix.size());
}

}  // namespace

std::string DossierPageToken(absl::string_view last_code) {
  return absl::WebSafeBase64Escape(absl::StrCat(kDossierPrefix, last_code));
}

absl::StatusOr<std::string> ParseDossierPageToken(absl::string_view token) {
  if (token.empty()) return std::string();
  return Unwrap(token, kDossierPrefix);
}

std::string DeadlinePageToken(const store::DeadlineCursor& cursor) {
  return absl::WebSafeBase64Escape(absl::StrCat(
      cursor.kind == store::DeadlineKind::kStep ? kStepDeadlinePrefix
                                                : kDeadlinePrefix,
      absl::ToUnixMicros(cursor.due_at), ":", cursor.dossier_code));
}

absl::StatusOr<std::optional<store::DeadlineCursor>> ParseDeadlinePageToken(
    absl::string_view token) {
  if (token.empty()) return std::optional<store::DeadlineCursor>();
  store::DeadlineKind kind = store::DeadlineKind::kDossier;
  absl::StatusOr<std::string> plain = Unwrap(token, kDeadlinePrefix);
  if (!plain.ok()) {
    plain = Unwrap(token, kStepDeadlinePrefix);
    if (!plain.ok()) return plain.status();
    kind = store::DeadlineKind::kStep;
  }
  const size_t colon = plain->find(':');
  int64_t micros = 0;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(absl::string_view(*plain).substr(0, colon), &micros)) {
    return BadToken();
  }
  return store::DeadlineCursor{absl::FromUnixMicros(micros),
                               plain->substr(colon + 1), kind};
}

}  // namespace motcua::server
