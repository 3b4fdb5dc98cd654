// Fuzzes the tokens file parser (services/access, AccessTable::Parse), then
// authenticates with the input's first line against what it accepted.

#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "services/access/access.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<motcua::access::AccessTable> table =
      motcua::access::AccessTable::Parse(text, "tokens.yaml");
  if (!table.ok()) return 0;
  const absl::string_view first_line = text.substr(0, text.find('\n'));
  (void)table->Authenticate(first_line);
  return 0;
}
