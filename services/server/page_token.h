#ifndef MOTCUA_SERVICES_SERVER_PAGE_TOKEN_H_
#define MOTCUA_SERVICES_SERVER_PAGE_TOKEN_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "store/event_store.h"

namespace motcua::server {

// Page tokens are opaque to clients: web-safe base64 of where the page
// ended, with a prefix naming the list it belongs to.

std::string DossierPageToken(absl::string_view last_code);
// The last code of the previous page ("" for the first page).
// INVALID_ARGUMENT naming page_token when it is not one of ours.
absl::StatusOr<std::string> ParseDossierPageToken(absl::string_view token);

std::string DeadlinePageToken(const store::DeadlineCursor& cursor);
absl::StatusOr<std::optional<store::DeadlineCursor>> ParseDeadlinePageToken(
    absl::string_view token);

}  // namespace motcua::server

#endif  // MOTCUA_SERVICES_SERVER_PAGE_TOKEN_H_
