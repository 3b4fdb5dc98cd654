// ParseServerConfig: the configuration file's YAML into a ServerConfig.

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "engine/yaml_reader.h"
#include "services/config/check.h"
#include "services/config/server_config.h"

namespace motcua::config {
namespace {

// Reads the YAML into a ServerConfig, remembering where each key's value
// stands so that Validate's problems can be reported at that place.
class ConfigReader {
 public:
  ConfigReader(absl::string_view file, std::string base_dir)
      : file_(file), base_dir_(std::move(base_dir)) {}

  absl::StatusOr<ServerConfig> Read(absl::string_view yaml) {
    ServerConfig config;
    // Values (paths, addresses, webhook URLs) reach logs and replies: the
    // file must be UTF-8 text, as YAML requires (ReadYamlDocument).
    YamlDocument read = ReadYamlDocument(yaml);
    if (read.problem.has_value()) {
      Error(read.problem->mark, read.problem->message);
      return Finish(config);
    }
    const YAML::Node& root = read.root;
    // An empty file (or one with comments only) gives the defaults.
    if (!root.IsDefined() || root.IsNull()) return Finish(config);
    if (!root.IsMap()) {
      Error(root.Mark(), "expected a map of settings, e.g. listen: ...");
      return Finish(config);
    }
    ReadTopLevel(root, config);
    ResolvePaths(config);
    for (const Problem& problem : Check(config)) {
      const auto found = marks_.find(problem.key);
      if (found == marks_.end()) {
        Error(YAML::Mark::null_mark(), problem.message);
      } else {
        Error(found->second, problem.message);
      }
    }
    return Finish(config);
  }

 private:
  void ReadTopLevel(const YAML::Node& root, ServerConfig& config) {
    static constexpr absl::string_view kKeys[] = {"listen",
                                                  "data_dir",
                                                  "rules_dir",
                                                  "tokens_file",
                                                  "durability",
                                                  "tls",
                                                  "log_level",
                                                  "writer_queue",
                                                  "max_message_bytes",
                                                  "metrics_listen",
                                                  "console_listen",
                                                  "webhooks",
                                                  "deadline_scheduler",
                                                  "slow_subscriber_timeout",
                                                  "max_receipt_backdate",
                                                  "checkpoint_key_file",
                                                  "checkpoint_dir",
                                                  "checkpoint_interval",
                                                  "checkpoint_log_name",
                                                  "store",
                                                  "postgres_url",
                                                  "postgres_read_url",
                                                  "leader_lease",
                                                  "advertise_address"};
    for (const auto& pair : root) {
      const std::string key = pair.first.Scalar();
      const YAML::Node& value = pair.second;
      if (!Remember(key, pair.first, value)) continue;
      if (key == "listen") {
        ReadString(key, value, config.listen);
      } else if (key == "data_dir") {
        ReadString(key, value, config.data_dir);
      } else if (key == "rules_dir") {
        ReadString(key, value, config.rules_dir);
      } else if (key == "tokens_file") {
        ReadString(key, value, config.tokens_file);
      } else if (key == "durability") {
        std::string name;
        if (ReadString(key, value, name)) {
          absl::StatusOr<Durability> durability = ParseDurability(name);
          if (durability.ok()) {
            config.durability = *durability;
          } else {
            Error(ValueMark(pair.first, value), durability.status().message());
          }
        }
      } else if (key == "tls") {
        ReadTls(value, config.tls);
      } else if (key == "log_level") {
        ReadString(key, value, config.log_level);
      } else if (key == "writer_queue") {
        ReadWriterQueue(pair.first, value, config);
      } else if (key == "max_message_bytes") {
        ReadMessageBytes(pair.first, value, config);
      } else if (key == "metrics_listen") {
        ReadString(key, value, config.metrics_listen);
      } else if (key == "console_listen") {
        ReadString(key, value, config.console_listen);
      } else if (key == "webhooks") {
        ReadWebhooks(value, config.webhooks);
      } else if (key == "deadline_scheduler") {
        ReadFlag(key, pair.first, value, config.deadline_scheduler);
      } else if (key == "checkpoint_key_file") {
        ReadString(key, value, config.checkpoint_key_file);
      } else if (key == "checkpoint_dir") {
        ReadString(key, value, config.checkpoint_dir);
      } else if (key == "checkpoint_log_name") {
        ReadString(key, value, config.checkpoint_log_name);
      } else if (key == "store") {
        std::string name;
        if (ReadString(key, value, name)) {
          absl::StatusOr<StoreKind> kind = ParseStoreKind(name);
          if (kind.ok()) {
            config.store = *kind;
          } else {
            Error(ValueMark(pair.first, value), kind.status().message());
          }
        }
      } else if (key == "postgres_url") {
        ReadString(key, value, config.postgres_url);
      } else if (key == "postgres_read_url") {
        ReadString(key, value, config.postgres_read_url);
      } else if (key == "advertise_address") {
        ReadString(key, value, config.advertise_address);
      } else if (key == "leader_lease") {
        absl::Duration lease;
        if (!value.IsScalar() || !absl::ParseDuration(value.Scalar(), &lease)) {
          Error(ValueMark(pair.first, value),
                "leader_lease must be a duration, e.g. 5s or 1500ms");
        } else {
          config.leader_lease = lease;
        }
      } else if (key == "checkpoint_interval") {
        absl::Duration interval;
        if (!value.IsScalar() ||
            !absl::ParseDuration(value.Scalar(), &interval)) {
          Error(ValueMark(pair.first, value),
                "checkpoint_interval must be a duration, e.g. 10m or 0");
        } else {
          config.checkpoint_interval = interval;
        }
      } else if (key == "slow_subscriber_timeout") {
        absl::Duration timeout;
        if (!value.IsScalar() ||
            !absl::ParseDuration(value.Scalar(), &timeout)) {
          Error(ValueMark(pair.first, value),
                "slow_subscriber_timeout must be a duration, e.g. 30s or 2m");
        } else {
          config.slow_subscriber_timeout = timeout;
        }
      } else if (key == "max_receipt_backdate") {
        absl::StatusOr<TimeLimit> limit =
            value.IsScalar()
                ? ParseTimeLimit(value.Scalar())
                : absl::InvalidArgumentError("expected a time limit");
        if (!limit.ok()) {
          Error(ValueMark(pair.first, value),
                absl::StrCat("max_receipt_backdate must be a time limit such "
                             "as 1wd, 4wh or same-day: ",
                             limit.status().message()));
        } else {
          config.max_receipt_backdate = *limit;
        }
      } else {
        Error(pair.first.Mark(),
              absl::StrCat("unknown key \"", key, "\"; expected one of ",
                           absl::StrJoin(kKeys, ", ")));
      }
    }
  }

  // true or false. `key` names it in the message; `key_node` places it.
  void ReadFlag(const std::string& key, const YAML::Node& key_node,
                const YAML::Node& value, bool& flag) {
    bool read = false;
    if (!value.IsScalar() || !YAML::convert<bool>::decode(value, read)) {
      Error(ValueMark(key_node, value),
            absl::StrCat(key, " must be true or false"));
      return;
    }
    flag = read;
  }

  void ReadTls(const YAML::Node& value, ServerConfig::Tls& tls) {
    if (value.IsNull()) return;  // "tls:" with nothing under it: no TLS
    if (!value.IsMap()) {
      Error(value.Mark(),
            "tls must be a map of cert_file, key_file, client_ca_file, "
            "require_client_cert");
      return;
    }
    for (const auto& pair : value) {
      const std::string name = pair.first.Scalar();
      const std::string key = absl::StrCat("tls.", name);
      const YAML::Node& item = pair.second;
      if (!Remember(key, pair.first, item)) continue;
      if (name == "cert_file") {
        ReadString(key, item, tls.cert_file);
      } else if (name == "key_file") {
        ReadString(key, item, tls.key_file);
      } else if (name == "client_ca_file") {
        ReadString(key, item, tls.client_ca_file);
      } else if (name == "require_client_cert") {
        ReadFlag(key, pair.first, item, tls.require_client_cert);
      } else {
        Error(pair.first.Mark(),
              absl::StrCat("unknown key \"", key,
                           "\"; expected tls.cert_file, tls.key_file, "
                           "tls.client_ca_file, tls.require_client_cert"));
      }
    }
  }

  void ReadWebhooks(const YAML::Node& value,
                    std::vector<ServerConfig::Webhook>& webhooks) {
    if (value.IsNull()) return;  // "webhooks:" with nothing under it: none
    if (!value.IsSequence()) {
      Error(value.Mark(),
            "webhooks must be a list of maps of name, url, types, agency, "
            "max_batch");
      return;
    }
    for (const YAML::Node& item : value) {
      const std::string at = absl::StrCat("webhooks[", webhooks.size(), "]");
      ServerConfig::Webhook& webhook = webhooks.emplace_back();
      marks_.try_emplace(at, item.Mark());
      if (!item.IsMap()) {
        Error(item.Mark(),
              absl::StrCat(at,
                           " must be a map of name, url, types, agency, "
                           "max_batch"));
        continue;
      }
      for (const auto& pair : item) {
        const std::string name = pair.first.Scalar();
        const std::string key = absl::StrCat(at, ".", name);
        const YAML::Node& field = pair.second;
        if (!Remember(key, pair.first, field)) continue;
        if (name == "name") {
          ReadString(key, field, webhook.name);
        } else if (name == "url") {
          ReadString(key, field, webhook.url);
        } else if (name == "agency") {
          ReadString(key, field, webhook.agency);
        } else if (name == "types") {
          ReadTypes(key, pair.first, field, webhook.types);
        } else if (name == "max_batch") {
          int64_t number = 0;
          if (!field.IsScalar() || !absl::SimpleAtoi(field.Scalar(), &number) ||
              number < 0 || number > kMaxWebhookBatch) {
            Error(ValueMark(pair.first, field),
                  absl::StrCat(key, " must be a whole number of events, 1 to ",
                               kMaxWebhookBatch));
          } else {
            webhook.max_batch = static_cast<int>(number);
          }
        } else {
          Error(pair.first.Mark(),
                absl::StrCat("unknown key \"", key,
                             "\"; expected name, url, types, agency, "
                             "max_batch"));
        }
      }
      // A webhook without a name or a URL is reported at its item.
      for (absl::string_view required : {"name", "url"}) {
        marks_.try_emplace(absl::StrCat(at, ".", required), item.Mark());
      }
      marks_.try_emplace(absl::StrCat(at, ".backoff"), item.Mark());
    }
  }

  void ReadTypes(const std::string& key, const YAML::Node& key_node,
                 const YAML::Node& value, std::vector<std::string>& types) {
    if (value.IsNull()) return;
    if (!value.IsSequence()) {
      Error(ValueMark(key_node, value),
            absl::StrCat(key,
                         " must be a list of event types, e.g. "
                         "[received, handed_over]"));
      return;
    }
    for (const YAML::Node& type : value) {
      if (!type.IsScalar()) {
        Error(type.Mark(), absl::StrCat(key, " must hold event type names"));
        continue;
      }
      types.push_back(type.Scalar());
    }
  }

  void ReadWriterQueue(const YAML::Node& key, const YAML::Node& value,
                       ServerConfig& config) {
    int64_t number = 0;
    if (!value.IsScalar() || !absl::SimpleAtoi(value.Scalar(), &number) ||
        number < 0) {
      Error(ValueMark(key, value),
            "writer_queue must be a whole number of commands, e.g. 65536");
      return;
    }
    config.writer_queue = static_cast<size_t>(number);
  }

  void ReadMessageBytes(const YAML::Node& key, const YAML::Node& value,
                        ServerConfig& config) {
    constexpr absl::string_view kHowTo =
        "max_message_bytes must be a number of bytes, or <n>KiB or <n>MiB, "
        "e.g. 4MiB";
    if (!value.IsScalar()) {
      Error(ValueMark(key, value), kHowTo);
      return;
    }
    absl::string_view text = absl::StripAsciiWhitespace(value.Scalar());
    int64_t unit = 1;
    if (absl::ConsumeSuffix(&text, "KiB")) {
      unit = 1024;
    } else if (absl::ConsumeSuffix(&text, "MiB")) {
      unit = 1024 * 1024;
    }
    text = absl::StripTrailingAsciiWhitespace(text);
    int64_t number = 0;
    if (text.empty() ||
        !absl::ascii_isdigit(static_cast<unsigned char>(text[0])) ||
        !absl::SimpleAtoi(text, &number)) {
      Error(ValueMark(key, value), kHowTo);
      return;
    }
    if (number > std::numeric_limits<int>::max() / unit) {
      Error(ValueMark(key, value),
            absl::StrCat("max_message_bytes is too large; at most ",
                         kMaxMessageBytes, " (1024MiB)"));
      return;
    }
    config.max_message_bytes = static_cast<int>(number * unit);
  }

  // Reads a string setting; a null value ("key:" alone) is the empty string.
  // Returns false (and reports) when the value is a list or a map.
  bool ReadString(const std::string& key, const YAML::Node& value,
                  std::string& out) {
    if (value.IsNull()) {
      out.clear();
      return true;
    }
    if (!value.IsScalar()) {
      std::string hint;
      if (absl::EndsWith(key, "listen") && value.IsSequence()) {
        hint = " (quote an IPv6 address: \"[::1]:50051\")";
      }
      Error(value.Mark(), absl::StrCat(key, " must be a string", hint));
      return false;
    }
    out = value.Scalar();
    return true;
  }

  // Records where `key`'s value stands; false (and reports) when the key
  // was already given at this level.
  bool Remember(const std::string& key, const YAML::Node& key_node,
                const YAML::Node& value) {
    const auto [it, inserted] =
        marks_.try_emplace(key, ValueMark(key_node, value));
    if (!inserted) {
      Error(key_node.Mark(),
            absl::StrCat("the key ", key, " is given twice (first at ",
                         LocationOf(file_, it->second).ToString(), ")"));
    }
    return inserted;
  }

  // Relative paths in the file are relative to the file, so that a
  // configuration works whatever directory the daemon starts in.
  void ResolvePaths(ServerConfig& config) {
    for (auto [key, path] :
         {std::pair{"data_dir", &config.data_dir},
          std::pair{"rules_dir", &config.rules_dir},
          std::pair{"tokens_file", &config.tokens_file},
          std::pair{"checkpoint_key_file", &config.checkpoint_key_file},
          std::pair{"checkpoint_dir", &config.checkpoint_dir},
          std::pair{"tls.cert_file", &config.tls.cert_file},
          std::pair{"tls.key_file", &config.tls.key_file},
          std::pair{"tls.client_ca_file", &config.tls.client_ca_file}}) {
      if (!marks_.contains(key) || path->empty()) continue;
      const std::filesystem::path given(*path);
      if (given.is_absolute() || base_dir_.empty()) continue;
      *path = (std::filesystem::path(base_dir_) / given)
                  .lexically_normal()
                  .string();
    }
  }

  void Error(const YAML::Mark& mark, absl::string_view message) {
    errors_.push_back(Located{
        mark, absl::StrCat(LocationOf(file_, mark).ToString(), ": ", message)});
  }

  // Problems come out in the order of the file, whichever check found them.
  absl::StatusOr<ServerConfig> Finish(ServerConfig config) {
    if (errors_.empty()) return config;
    std::stable_sort(errors_.begin(), errors_.end(),
                     [](const Located& a, const Located& b) {
                       return std::pair(a.mark.line, a.mark.column) <
                              std::pair(b.mark.line, b.mark.column);
                     });
    std::vector<absl::string_view> lines;
    for (const Located& error : errors_) lines.push_back(error.text);
    return absl::InvalidArgumentError(absl::StrJoin(lines, "\n"));
  }

  struct Located {
    YAML::Mark mark;
    std::string text;
  };

  const std::string file_;
  const std::string base_dir_;
  std::vector<Located> errors_;
  absl::flat_hash_map<std::string, YAML::Mark> marks_;
};

}  // namespace

absl::StatusOr<ServerConfig> ParseServerConfig(absl::string_view yaml,
                                               absl::string_view file,
                                               const std::string& base_dir) {
  return ConfigReader(file, base_dir).Read(yaml);
}

}  // namespace motcua::config
