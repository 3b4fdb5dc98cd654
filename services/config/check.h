#ifndef MOTCUA_SERVICES_CONFIG_CHECK_H_
#define MOTCUA_SERVICES_CONFIG_CHECK_H_

// The checks of a whole configuration (ServerConfig::Validate), each problem
// tied to the key it is about, so that the file reader can report it where
// that key stands. Internal to motcua_config.

#include <string>
#include <vector>

#include "services/config/server_config.h"

namespace motcua::config {

// One problem Validate found, attributed to the key (dotted, "tls.key_file")
// that a configuration file would have to change.
struct Problem {
  std::string key;
  std::string message;
};

// Every problem of `config`, in the order of the checks (empty when it is
// usable): each message begins with its key ("tls.key_file is set without
// tls.cert_file").
std::vector<Problem> Check(const ServerConfig& config);

}  // namespace motcua::config

#endif  // MOTCUA_SERVICES_CONFIG_CHECK_H_
