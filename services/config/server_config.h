#ifndef MOTCUA_SERVICES_CONFIG_SERVER_CONFIG_H_
#define MOTCUA_SERVICES_CONFIG_SERVER_CONFIG_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/time_limit.h"

namespace motcua::config {

// How hard each commit waits for the disk (the daemon maps it to
// store::Durability).
enum class Durability {
  kFull,    // an acknowledged command survives a power loss
  kNormal,  // survives a crash of the process, not a power loss
};

// "full", "normal".
absl::string_view DurabilityName(Durability durability);
// INVALID_ARGUMENT naming the accepted values.
absl::StatusOr<Durability> ParseDurability(absl::string_view name);

// Where the event log and its projections live.
enum class StoreKind {
  kSqlite,    // <data_dir>/motcua.db, the default
  kPostgres,  // the PostgreSQL database at postgres_url
};

// "sqlite", "postgres".
absl::string_view StoreKindName(StoreKind kind);
// INVALID_ARGUMENT naming the accepted values.
absl::StatusOr<StoreKind> ParseStoreKind(absl::string_view name);

// The daemon's configuration. deploy/motcuad.yaml shows every key with its
// default and meaning.
struct ServerConfig {
  // gRPC address: "host:port" ("[::1]:50051" for IPv6; port 0 picks a free
  // one) or "unix:/path/to/socket".
  std::string listen = "127.0.0.1:50051";
  std::string data_dir = "data";  // holds the SQLite database
  // The store's backend. With kPostgres, data_dir still holds the server's
  // own files (lock, development token, checkpoints, webhook positions).
  StoreKind store = StoreKind::kSqlite;
  // The PostgreSQL database, as a libpq URL
  // (postgresql://user@host:port/dbname?sslmode=...); a password is better
  // kept in ~/.pgpass or PGPASSWORD than here. Required with kPostgres.
  std::string postgres_url;
  // A hot standby of postgres_url's database (libpq URL), for the
  // supervision reads (lists, overdue, counts, reports); the writer, the
  // log and single-dossier reads stay on postgres_url. Empty: every read
  // on postgres_url. Only with kPostgres.
  std::string postgres_read_url;
  // With store: postgres, several motcuad may serve one database: the one
  // holding the leader lease writes, the others read and forward commands
  // to it. The lease lasts this long after its last renewal (by the
  // database's clock); a follower takes it over about this long after the
  // leader died. 500ms to 10m.
  absl::Duration leader_lease = absl::Seconds(5);
  // The gRPC address ("host:port") the other servers forward commands to
  // while this one leads. Empty: listen's address (this machine's host
  // name when listen is on every interface).
  std::string advertise_address;
  std::string rules_dir = "rules";  // calendars, procedures, ladders
  // The tokens file (services/access). Empty: development mode, the daemon
  // mints a token with the admin role for every agency at start.
  std::string tokens_file;
  Durability durability = Durability::kFull;
  struct Tls {
    // Both or neither; none: the server speaks plaintext.
    std::string cert_file;
    std::string key_file;
    // CA bundle that client certificates are checked against.
    std::string client_ca_file;
    // Refuse clients without a certificate signed by client_ca_file.
    bool require_client_cert = false;
  } tls;
  // trace | debug | info | warn | error (spdlog's names).
  std::string log_level = "info";
  // Commands waiting for the writer; beyond it RESOURCE_EXHAUSTED.
  size_t writer_queue = 65536;
  // Largest gRPC message received or sent.
  int max_message_bytes = 4 * 1024 * 1024;
  // Prometheus metrics over HTTP, "host:port". Empty: off.
  std::string metrics_listen;
  // The web console (services/console) over HTTP, "host:port"; HTTPS with
  // the tls.* certificate when one is set. Empty: off.
  std::string console_listen;
  // Whether this process watches deadlines (services/scheduler): records
  // escalation thresholds as they fall due and recomputes due times after
  // a calendar change. Off only where another process does (or in tests
  // that drive the scheduler by hand).
  bool deadline_scheduler = true;
  // A WatchEvents subscriber whose next event has waited this long for it
  // to take it is ended with the position to resume from.
  absl::Duration slow_subscriber_timeout = absl::Seconds(30);
  // How far in the past a receipt time may lie when it is submitted,
  // counted in the procedure's calendar as a time limit is ("1wd", "4wh",
  // "same-day", "2cd"). An older receipt needs the enter_late_receipt
  // permission (the officer role) and a reason, and is marked entered late
  // in its event and in reports.
  TimeLimit max_receipt_backdate{LimitUnit::kWorkingDays, 1, std::nullopt};
  // Where events are POSTed as JSON (services/webhooks), each with its own
  // durable position in <data_dir>/webhooks/<name>.position.
  struct Webhook {
    // Letters, digits, '.', '_' and '-' (it names the position file);
    // unique among the webhooks.
    std::string name;
    // http://host[:port][/path]; https is refused (not supported yet).
    std::string url;
    // Event types to send ("received", "handed_over", ...); empty: all.
    std::vector<std::string> types;
    // Only this agency's events; empty: every agency.
    std::string agency;
    // Events per POST, at most (1 to kMaxWebhookBatch).
    int max_batch = 100;
    // Not read from the file: the first wait after a failure (doubling up
    // to max_backoff) and how long one POST may take. Tests shorten them.
    std::chrono::milliseconds initial_backoff{500};
    std::chrono::milliseconds max_backoff{60'000};
    std::chrono::milliseconds request_timeout{10'000};
  };
  std::vector<Webhook> webhooks;

  // Signed checkpoints of the log (docs/audit.md). The Ed25519 private key,
  // PEM; generated with permissions 0600 on first start when missing.
  // Empty: <data_dir>-keys/checkpoint.key, a directory beside the data
  // (production keeps it where a copy of the data does not reach).
  std::string checkpoint_key_file;
  // Where each checkpoint is written as a small text file. Empty:
  // <data_dir>/checkpoints.
  std::string checkpoint_dir;
  // How often a checkpoint is signed when the log has grown (on the
  // server's clock); zero: only on demand (SignCheckpoint).
  absl::Duration checkpoint_interval = absl::Minutes(10);
  // The log's name in its checkpoints: 1 to 128 letters, digits or ".-_:/".
  std::string checkpoint_log_name = "motcua";

  // OK when every value is usable and the values agree; otherwise
  // INVALID_ARGUMENT listing each problem on its own line, as
  // "key: what is wrong" (for example "tls.key_file: set without
  // tls.cert_file"). Does not look at the files it names.
  absl::Status Validate() const;
};

// Limits Validate enforces.
inline constexpr size_t kMaxWriterQueue = 10'000'000;
inline constexpr int kMinMessageBytes = 64 * 1024;
inline constexpr int kMaxMessageBytes = 1024 * 1024 * 1024;
inline constexpr int kMaxWebhookBatch = 10'000;

// A webhook's URL, taken apart.
struct HttpUrl {
  std::string host;  // a name, an IPv4 address, or an IPv6 one unbracketed
  uint16_t port = 80;
  std::string target;  // the path and query; "/" when the URL has none
};
// INVALID_ARGUMENT saying what is wrong ("https is not supported yet", no
// host, a bad port) for anything but http://host[:port][/path].
absl::StatusOr<HttpUrl> ParseHttpUrl(absl::string_view url);

// Reads a YAML configuration; keys left out keep their defaults, and an
// empty file gives the defaults. Relative paths in the file (data_dir,
// rules_dir, tokens_file, tls.*) are resolved against the file's directory;
// the defaults of keys left out stay relative to the working directory.
// max_message_bytes takes a number of bytes or "<n>KiB" / "<n>MiB".
// Returns NOT_FOUND when the file cannot be read, INVALID_ARGUMENT listing
// every problem on its own line as "file:line:column: what is wrong" (invalid
// YAML, unknown or repeated key, a value of the wrong type or out of range,
// and whatever Validate refuses, at the key concerned).
absl::StatusOr<ServerConfig> LoadServerConfig(const std::string& path);

// As LoadServerConfig, for text already read: `file` names it in errors and
// `base_dir` is what relative paths are resolved against.
absl::StatusOr<ServerConfig> ParseServerConfig(absl::string_view yaml,
                                               absl::string_view file,
                                               const std::string& base_dir);

}  // namespace motcua::config

#endif  // MOTCUA_SERVICES_CONFIG_SERVER_CONFIG_H_
