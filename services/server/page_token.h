#ifndef MOTCUA_SERVICES_SERVER_PAGE_TOKEN_H_
#define MOTCUA_SERVICES_SERVER_PAGE_TOKEN_H_

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "store/types.h"

namespace motcua::server {

// Page tokens are opaque to clients and tamper-evident: web-safe base64 of
// where the page ended, followed by an HMAC-SHA256 over the query that
// issued the token (the list, its filters after scoping) and that position,
// keyed by a secret the server draws from OpenSSL's random generator when
// it starts. A token altered in any character, or sent with other filters
// or to another list, is refused; so is a token of an earlier run of the
// server: a restart ends every listing in progress (the client starts it
// again without a token). The key is never written anywhere.
class PageTokens {
 public:
  // A fresh key. INTERNAL when the random generator fails.
  static absl::StatusOr<std::unique_ptr<const PageTokens>> Create();

  // The query a token is bound to: its parts, each length-prefixed so that
  // no two different queries give the same text. The first part names the
  // list ("dossiers", "overdue", "due_soon").
  static std::string Query(std::initializer_list<absl::string_view> parts);

  // A token for the page after `last_code`, in the list `query` describes.
  std::string ForDossiers(absl::string_view query,
                          absl::string_view last_code) const;
  // The last code of the previous page ("" for the first page).
  // INVALID_ARGUMENT naming page_token when the token is not one this
  // server issued for `query`.
  absl::StatusOr<std::string> ParseDossiers(absl::string_view token,
                                            absl::string_view query) const;

  std::string ForDeadlines(absl::string_view query,
                           const store::DeadlineCursor& cursor) const;
  absl::StatusOr<std::optional<store::DeadlineCursor>> ParseDeadlines(
      absl::string_view token, absl::string_view query) const;

 private:
  using Mac = std::array<uint8_t, 32>;
  PageTokens() = default;

  std::string Issue(absl::string_view query, absl::string_view position) const;
  // The position a token carries, once its MAC over `query` holds.
  absl::StatusOr<std::string> Open(absl::string_view token,
                                   absl::string_view query) const;
  Mac Sign(absl::string_view query, absl::string_view position) const;

  std::array<uint8_t, 32> key_{};
};

}  // namespace motcua::server

#endif  // MOTCUA_SERVICES_SERVER_PAGE_TOKEN_H_
