// Fuzzes what configures a webhook (services/config, services/webhooks): the
// receiver's URL (ParseHttpUrl), the position file a webhook resumes from
// (ParsePosition), and a `webhooks:` section of the configuration file,
// which the input follows.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/config/server_config.h"
#include "services/webhooks/webhooks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  (void)motcua::config::ParseHttpUrl(text);
  (void)motcua::webhooks::ParsePosition(text, "hook.position");
  const std::string yaml = absl::StrCat("webhooks:\n", text);
  (void)motcua::config::ParseServerConfig(yaml, "motcuad.yaml", "/etc/motcua");
  return 0;
}
