#include "services/config/check.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/lifecycle.h"
#include "services/checkpoint/checkpoint.h"

namespace motcua::config {
namespace {

constexpr absl::string_view kLogLevels[] = {"trace", "debug", "info", "warn",
                                            "error"};

// Checks a gRPC or HTTP listen address; returns what is wrong with it.
std::optional<std::string> AddressProblem(absl::string_view address,
                                          bool allow_unix_socket) {
  if (allow_unix_socket && absl::StartsWith(address, "unix:")) {
    if (address.size() == 5) return "names no socket path after unix:";
    return std::nullopt;
  }
  const std::string expected =
      allow_unix_socket
          ? "expected host:port, [ipv6]:port or unix:/path/to/socket"
          : "expected host:port or [ipv6]:port";
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) {
    return absl::StrCat("has no port; ", expected);
  }
  const absl::string_view host = address.substr(0, colon);
  const absl::string_view port = address.substr(colon + 1);
  if (host.empty()) return absl::StrCat("has no host; ", expected);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') {
      return absl::StrCat("has an unclosed IPv6 bracket; ", expected);
    }
  } else if (absl::StrContains(host, ':')) {
    return "puts an IPv6 address without brackets; write [ipv6]:port";
  }
  for (unsigned char c : host) {
    if (c <= 0x20 || c == 0x7f) return "has spaces or control characters";
  }
  uint32_t number = 0;
  if (port.empty() ||
      !absl::ascii_isdigit(static_cast<unsigned char>(port[0])) ||
      !absl::SimpleAtoi(port, &number) || number > 65535) {
    return absl::StrCat("has no valid port (0 to 65535); ", expected);
  }
  return std::nullopt;
}

// A webhook's name becomes a file name: keep it to a safe alphabet.
bool IsWebhookName(absl::string_view name) {
  if (name.empty() || name.size() > 64 || name[0] == '.') return false;
  for (unsigned char c : name) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

void CheckWebhooks(
    const ServerConfig& config,
    const std::function<void(absl::string_view, absl::string_view)>& problem) {
  absl::flat_hash_map<std::string, size_t> names;
  for (size_t i = 0; i < config.webhooks.size(); ++i) {
    const ServerConfig::Webhook& webhook = config.webhooks[i];
    const std::string at = absl::StrCat("webhooks[", i, "].");
    if (!IsWebhookName(webhook.name)) {
      problem(absl::StrCat(at, "name"),
              absl::StrCat("is \"", webhook.name,
                           "\"; expected 1 to 64 letters, digits, '.', '_' "
                           "or '-' (it names the position file)"));
    } else if (const auto [it, inserted] = names.try_emplace(webhook.name, i);
               !inserted) {
      problem(absl::StrCat(at, "name"), absl::StrCat("is \"", webhook.name,
                                                     "\", already the name of "
                                                     "webhooks[",
                                                     it->second, "]"));
    }
    if (webhook.url.empty()) {
      problem(absl::StrCat(at, "url"),
              "is empty; expected http://host:port/path");
    } else if (absl::StatusOr<HttpUrl> url = ParseHttpUrl(webhook.url);
               !url.ok()) {
      problem(absl::StrCat(at, "url"), url.status().message());
    }
    for (const std::string& type : webhook.types) {
      if (type.empty()) {
        problem(absl::StrCat(at, "types"), "holds an empty event type");
      } else if (!IsEventTypeName(type)) {
        problem(absl::StrCat(at, "types"),
                absl::StrCat("holds \"", type,
                             "\", which is not an event type; expected "
                             "some of ",
                             absl::StrJoin(EventTypeNames(), ", ")));
      }
    }
    if (webhook.max_batch < 1 || webhook.max_batch > kMaxWebhookBatch) {
      problem(absl::StrCat(at, "max_batch"),
              absl::StrCat("is ", webhook.max_batch, "; expected 1 to ",
                           kMaxWebhookBatch));
    }
    if (webhook.initial_backoff.count() <= 0 ||
        webhook.max_backoff < webhook.initial_backoff ||
        webhook.request_timeout.count() <= 0) {
      problem(absl::StrCat(at, "backoff"),
              "needs initial_backoff > 0, max_backoff >= initial_backoff and "
              "request_timeout > 0");
    }
  }
}

}  // namespace

std::vector<Problem> Check(const ServerConfig& config) {
  std::vector<Problem> problems;
  auto problem = [&](absl::string_view key, absl::string_view message) {
    problems.push_back(
        Problem{std::string(key), absl::StrCat(key, " ", message)});
  };

  if (config.listen.empty()) {
    problem("listen", "is empty; expected host:port, e.g. 127.0.0.1:50051");
  } else if (auto wrong = AddressProblem(config.listen, true)) {
    problem("listen", *wrong);
  }
  if (config.data_dir.empty()) problem("data_dir", "is empty");
  if (config.store == StoreKind::kPostgres && config.postgres_url.empty()) {
    problem("postgres_url", "is empty; store: postgres needs it");
  } else if (!config.postgres_url.empty() &&
             !absl::StartsWith(config.postgres_url, "postgres://") &&
             !absl::StartsWith(config.postgres_url, "postgresql://")) {
    problem("postgres_url",
            "is not a libpq URL; expected "
            "postgresql://user@host:port/dbname");
  }
  if (!config.postgres_read_url.empty()) {
    if (config.store != StoreKind::kPostgres) {
      problem("postgres_read_url", "is set but store is not postgres");
    } else if (!absl::StartsWith(config.postgres_read_url, "postgres://") &&
               !absl::StartsWith(config.postgres_read_url, "postgresql://")) {
      problem("postgres_read_url",
              "is not a libpq URL; expected "
              "postgresql://user@host:port/dbname");
    }
  }
  if (!config.advertise_address.empty()) {
    if (auto wrong = AddressProblem(config.advertise_address, false)) {
      problem("advertise_address", *wrong);
    }
  }
  if (config.rules_dir.empty()) problem("rules_dir", "is empty");

  if (config.durability != Durability::kFull &&
      config.durability != Durability::kNormal) {
    problem("durability", "is neither full nor normal");
  }

  const ServerConfig::Tls& tls = config.tls;
  if (!tls.key_file.empty() && tls.cert_file.empty()) {
    problem("tls.key_file", "is set without tls.cert_file");
  }
  if (!tls.cert_file.empty() && tls.key_file.empty()) {
    problem("tls.cert_file", "is set without tls.key_file");
  }
  if (!tls.client_ca_file.empty() && tls.cert_file.empty()) {
    problem("tls.client_ca_file",
            "is set without tls.cert_file: client certificates need TLS");
  }
  if (tls.require_client_cert && tls.client_ca_file.empty()) {
    problem("tls.require_client_cert",
            "is true without tls.client_ca_file to check the certificates "
            "against");
  }

  bool known_level = false;
  for (absl::string_view level : kLogLevels) {
    if (config.log_level == level) known_level = true;
  }
  if (!known_level) {
    problem("log_level",
            absl::StrCat("is \"", config.log_level, "\"; expected one of ",
                         absl::StrJoin(kLogLevels, ", ")));
  }

  if (config.leader_lease < absl::Milliseconds(500) ||
      config.leader_lease > absl::Minutes(10)) {
    problem("leader_lease",
            absl::StrCat("is ", absl::FormatDuration(config.leader_lease),
                         "; it must be from 500ms to 10m"));
  }
  if (config.slow_subscriber_timeout < absl::Milliseconds(100) ||
      config.slow_subscriber_timeout > absl::Hours(1)) {
    problem("slow_subscriber_timeout",
            absl::StrCat("is ",
                         absl::FormatDuration(config.slow_subscriber_timeout),
                         "; expected 100ms to 1h"));
  }
  if (config.writer_queue == 0 || config.writer_queue > kMaxWriterQueue) {
    problem("writer_queue", absl::StrCat("is ", config.writer_queue,
                                         "; expected 1 to ", kMaxWriterQueue));
  }
  if (config.max_message_bytes < kMinMessageBytes ||
      config.max_message_bytes > kMaxMessageBytes) {
    problem("max_message_bytes",
            absl::StrCat("is ", config.max_message_bytes, "; expected ",
                         kMinMessageBytes, " (64KiB) to ", kMaxMessageBytes,
                         " (1024MiB)"));
  }

  if (!config.metrics_listen.empty()) {
    if (auto wrong = AddressProblem(config.metrics_listen, false)) {
      problem("metrics_listen", *wrong);
    } else if (config.metrics_listen == config.listen &&
               !absl::EndsWith(config.listen, ":0")) {
      // Port 0 asks the system for a free port: two of them never clash.
      problem("metrics_listen", "is the same address as listen");
    }
  }
  if (!config.console_listen.empty()) {
    if (auto wrong = AddressProblem(config.console_listen, false)) {
      problem("console_listen", *wrong);
    } else if (!absl::EndsWith(config.console_listen, ":0") &&
               (config.console_listen == config.listen ||
                config.console_listen == config.metrics_listen)) {
      problem("console_listen",
              "is the same address as listen or "
              "metrics_listen");
    }
  }
  if (config.checkpoint_interval < absl::ZeroDuration() ||
      (config.checkpoint_interval > absl::ZeroDuration() &&
       config.checkpoint_interval < absl::Seconds(1)) ||
      config.checkpoint_interval > absl::Hours(24 * 7)) {
    problem(
        "checkpoint_interval",
        absl::StrCat("is ", absl::FormatDuration(config.checkpoint_interval),
                     "; expected 0 (on demand only) or 1s to 168h"));
  }
  if (!checkpoint::IsValidLogName(config.checkpoint_log_name)) {
    problem("checkpoint_log_name",
            "must be 1 to 128 letters, digits or \".-_:/\"");
  }
  CheckWebhooks(config, problem);
  return problems;
}

}  // namespace motcua::config
