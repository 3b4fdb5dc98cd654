// Fuzzes the daemon's configuration parser (services/config,
// ParseServerConfig) with the text of a motcuad.yaml. What it accepts must
// also pass Validate, which the parser promises to have run.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/string_view.h"
#include "services/config/server_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<motcua::config::ServerConfig> config =
      motcua::config::ParseServerConfig(text, "motcuad.yaml", "/etc/motcua");
  if (config.ok() && !config->Validate().ok()) {
    std::fprintf(stderr, "accepted a configuration Validate refuses: %s\n",
                 config->Validate().ToString().c_str());
    std::abort();
  }
  return 0;
}
