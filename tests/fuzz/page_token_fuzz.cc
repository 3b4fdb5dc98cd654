// Fuzzes the page-token parsers of the list RPCs (services/server/
// page_token.h): a client sends any string back as page_token. A token is
// either refused or one this server issued for the same query; a token that
// opens must print back to one that opens to the same place, and must not
// open for another query.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "services/server/page_token.h"

namespace {

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "page token broken: %s\n", what);
    std::abort();
  }
}

const motcua::server::PageTokens& Tokens() {
  static const std::unique_ptr<const motcua::server::PageTokens> tokens =
      *motcua::server::PageTokens::Create();
  return *tokens;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace server = motcua::server;
  const server::PageTokens& tokens = Tokens();
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string query = server::PageTokens::Query({"dossiers", "a"});
  const std::string other = server::PageTokens::Query({"dossiers", "b"});

  // Whatever a client sends, the parser answers without crashing; a token
  // it did not issue never opens (the key is drawn at random per run, so a
  // fuzzer cannot have learnt it).
  absl::StatusOr<std::string> last_code = tokens.ParseDossiers(input, query);
  Check(!last_code.ok() || input.empty(), "a forged dossier token opened");
  absl::StatusOr<std::optional<motcua::store::DeadlineCursor>> cursor =
      tokens.ParseDeadlines(input, query);
  Check(!cursor.ok() || input.empty(), "a forged deadline token opened");

  // What the server issues for any position opens to that position, for
  // its own query only.
  const std::string issued = tokens.ForDossiers(query, input);
  absl::StatusOr<std::string> back = tokens.ParseDossiers(issued, query);
  Check(back.ok() && *back == input, "dossier token round trip");
  Check(!tokens.ParseDossiers(issued, other).ok(),
        "a dossier token opened for another query");

  motcua::store::DeadlineCursor place;
  place.due_at = absl::FromUnixMicros(static_cast<int64_t>(size) * 1000003);
  place.dossier_code = std::string(input);
  place.kind = size % 2 == 0 ? motcua::store::DeadlineKind::kDossier
                             : motcua::store::DeadlineKind::kStep;
  const std::string deadline_token = tokens.ForDeadlines(query, place);
  absl::StatusOr<std::optional<motcua::store::DeadlineCursor>> again =
      tokens.ParseDeadlines(deadline_token, query);
  Check(again.ok() && again->has_value() && (*again)->due_at == place.due_at &&
            (*again)->dossier_code == place.dossier_code &&
            (*again)->kind == place.kind,
        "deadline token round trip");
  Check(!tokens.ParseDeadlines(deadline_token, other).ok(),
        "a deadline token opened for another query");
  return 0;
}
