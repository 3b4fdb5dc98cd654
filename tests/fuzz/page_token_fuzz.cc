// Fuzzes the page-token parsers of the list RPCs (services/server/
// page_token.h): a client sends any string back as page_token. A token that
// parses must print back to one that parses to the same place.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "services/server/page_token.h"

namespace {

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "round trip broken: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace server = motcua::server;
  const absl::string_view token(reinterpret_cast<const char*>(data), size);

  absl::StatusOr<std::string> last_code = server::ParseDossierPageToken(token);
  if (last_code.ok() && !last_code->empty()) {
    absl::StatusOr<std::string> again =
        server::ParseDossierPageToken(server::DossierPageToken(*last_code));
    Check(again.ok() && *again == *last_code, "dossier page token");
  }

  absl::StatusOr<std::optional<motcua::store::DeadlineCursor>> cursor =
      server::ParseDeadlinePageToken(token);
  if (cursor.ok() && cursor->has_value()) {
    absl::StatusOr<std::optional<motcua::store::DeadlineCursor>> again =
        server::ParseDeadlinePageToken(server::DeadlinePageToken(**cursor));
    Check(again.ok() && again->has_value() &&
              (*again)->due_at == (*cursor)->due_at &&
              (*again)->dossier_code == (*cursor)->dossier_code,
          "deadline page token");
  }
  return 0;
}
