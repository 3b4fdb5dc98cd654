#include "services/config/server_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/testing/temp_dir.h"

namespace motcua::config {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::AnyOf;
using ::testing::HasSubstr;

using test_support::TempDir;

ServerConfig Parse(const std::string& yaml) {
  absl::StatusOr<ServerConfig> config =
      ParseServerConfig(yaml, "motcuad.yaml", "/etc/motcua");
  EXPECT_TRUE(config.ok()) << config.status();
  return config.ok() ? *config : ServerConfig();
}

std::string ParseError(const std::string& yaml) {
  absl::StatusOr<ServerConfig> config =
      ParseServerConfig(yaml, "motcuad.yaml", "/etc/motcua");
  EXPECT_FALSE(config.ok()) << yaml;
  if (config.ok()) return "";
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(config.status().message());
}

void ExpectDefaults(const ServerConfig& config) {
  EXPECT_EQ(config.listen, "127.0.0.1:50051");
  EXPECT_EQ(config.tokens_file, "");
  EXPECT_EQ(config.durability, Durability::kFull);
  EXPECT_EQ(config.tls.cert_file, "");
  EXPECT_EQ(config.tls.key_file, "");
  EXPECT_EQ(config.tls.client_ca_file, "");
  EXPECT_FALSE(config.tls.require_client_cert);
  EXPECT_EQ(config.log_level, "info");
  EXPECT_EQ(config.writer_queue, 65536u);
  EXPECT_EQ(config.max_message_bytes, 4 * 1024 * 1024);
  EXPECT_EQ(config.metrics_listen, "");
  EXPECT_TRUE(config.webhooks.empty());
  EXPECT_TRUE(config.deadline_scheduler);
  EXPECT_EQ(config.slow_subscriber_timeout, absl::Seconds(30));
  EXPECT_EQ(config.leader_lease, absl::Seconds(5));
  EXPECT_EQ(config.advertise_address, "");
}

TEST(ServerConfigTest, DefaultsAreValid) {
  const ServerConfig config;
  ExpectDefaults(config);
  EXPECT_EQ(config.data_dir, "data");
  EXPECT_EQ(config.rules_dir, "rules");
  EXPECT_TRUE(config.Validate().ok()) << config.Validate();
}

TEST(ServerConfigTest, EmptyFileGivesDefaults) {
  const ServerConfig config = Parse("# nothing set\n");
  ExpectDefaults(config);
  // Defaults stay relative to the working directory.
  EXPECT_EQ(config.data_dir, "data");
  EXPECT_EQ(config.rules_dir, "rules");
}

TEST(ServerConfigTest, ShippedSampleShowsTheDefaults) {
  const char* source = std::getenv("MOTCUA_SOURCE_DIR");
  ASSERT_NE(source, nullptr);
  const fs::path sample = fs::path(source) / "deploy" / "motcuad.yaml";
  absl::StatusOr<ServerConfig> config = LoadServerConfig(sample.string());
  ASSERT_TRUE(config.ok()) << config.status();
  ExpectDefaults(*config);
  const fs::path deploy = fs::absolute(sample).parent_path();
  EXPECT_EQ(config->data_dir, (deploy / "data").lexically_normal().string());
  EXPECT_EQ(config->rules_dir, (deploy / "rules").lexically_normal().string());
}

TEST(ServerConfigTest, ReadsEveryKey) {
  const ServerConfig config = Parse(R"(
listen: "[::]:6000"
data_dir: /var/lib/motcua
rules_dir: /etc/motcua/rules
tokens_file: /etc/motcua/tokens.yaml
durability: normal
tls:
  cert_file: /etc/motcua/server.pem
  key_file: /etc/motcua/server.key
  client_ca_file: /etc/motcua/clients.pem
  require_client_cert: true
log_level: debug
writer_queue: 1000
max_message_bytes: 16MiB
metrics_listen: 0.0.0.0:9100
deadline_scheduler: false
slow_subscriber_timeout: 2m
leader_lease: 1500ms
advertise_address: motcua-2.example.vn:50051
)");
  EXPECT_EQ(config.listen, "[::]:6000");
  EXPECT_EQ(config.data_dir, "/var/lib/motcua");
  EXPECT_EQ(config.rules_dir, "/etc/motcua/rules");
  EXPECT_EQ(config.tokens_file, "/etc/motcua/tokens.yaml");
  EXPECT_EQ(config.durability, Durability::kNormal);
  EXPECT_EQ(config.tls.cert_file, "/etc/motcua/server.pem");
  EXPECT_EQ(config.tls.key_file, "/etc/motcua/server.key");
  EXPECT_EQ(config.tls.client_ca_file, "/etc/motcua/clients.pem");
  EXPECT_TRUE(config.tls.require_client_cert);
  EXPECT_EQ(config.log_level, "debug");
  EXPECT_EQ(config.writer_queue, 1000u);
  EXPECT_EQ(config.max_message_bytes, 16 * 1024 * 1024);
  EXPECT_EQ(config.metrics_listen, "0.0.0.0:9100");
  EXPECT_FALSE(config.deadline_scheduler);
  EXPECT_EQ(config.slow_subscriber_timeout, absl::Minutes(2));
  EXPECT_EQ(config.leader_lease, absl::Milliseconds(1500));
  EXPECT_EQ(config.advertise_address, "motcua-2.example.vn:50051");
}

TEST(ServerConfigTest, RelativePathsAreResolvedAgainstTheFile) {
  TempDir dir;
  const std::string path = dir.Write("etc/motcuad.yaml", R"(
data_dir: ../var/data
rules_dir: rules
tokens_file: tokens.yaml
tls:
  cert_file: tls/server.pem
  key_file: /abs/server.key
)");
  absl::StatusOr<ServerConfig> config = LoadServerConfig(path);
  ASSERT_TRUE(config.ok()) << config.status();
  const fs::path base = fs::absolute(dir.path());
  EXPECT_EQ(config->data_dir, (base / "var/data").lexically_normal().string());
  EXPECT_EQ(config->rules_dir, (base / "etc/rules").string());
  EXPECT_EQ(config->tokens_file, (base / "etc/tokens.yaml").string());
  EXPECT_EQ(config->tls.cert_file, (base / "etc/tls/server.pem").string());
  EXPECT_EQ(config->tls.key_file, "/abs/server.key");
}

TEST(ServerConfigTest, MissingFileIsNotFound) {
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig("/nonexistent/motcua/motcuad.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(config.status().message(),
              HasSubstr("/nonexistent/motcua/motcuad.yaml"));
}

TEST(ServerConfigTest, ErrorsFromAFileNameThePath) {
  TempDir dir;
  const std::string path = dir.Write("motcuad.yaml", "lisen: 1.2.3.4:5\n");
  absl::StatusOr<ServerConfig> config = LoadServerConfig(path);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(),
              HasSubstr(absl::StrCat(path, ":1:1: unknown key \"lisen\"")));
}

TEST(ServerConfigTest, UnknownKeys) {
  EXPECT_THAT(ParseError("log_level: info\ncolour: red\n"),
              AllOf(HasSubstr("motcuad.yaml:2:1: unknown key \"colour\""),
                    HasSubstr("expected one of listen, data_dir")));
  EXPECT_THAT(ParseError("tls:\n  cert: x.pem\n"),
              HasSubstr("motcuad.yaml:2:3: unknown key \"tls.cert\""));
}

TEST(ServerConfigTest, RepeatedKey) {
  EXPECT_THAT(ParseError("log_level: info\nlog_level: debug\n"),
              HasSubstr("motcuad.yaml:2:1: the key log_level is given twice "
                        "(first at motcuad.yaml:1:12)"));
}

TEST(ServerConfigTest, BadValuesNameLineAndColumn) {
  EXPECT_THAT(ParseError("durability: fast\n"),
              HasSubstr("motcuad.yaml:1:13: unknown durability \"fast\"; "
                        "expected full or normal"));
  EXPECT_THAT(ParseError("log_level: verbose\n"),
              HasSubstr("motcuad.yaml:1:12: log_level is \"verbose\""));
  EXPECT_THAT(ParseError("writer_queue: lots\n"),
              HasSubstr("motcuad.yaml:1:15: writer_queue must be a whole "
                        "number"));
  EXPECT_THAT(ParseError("writer_queue: -1\n"),
              HasSubstr("motcuad.yaml:1:15: writer_queue must be"));
  EXPECT_THAT(ParseError("writer_queue: 0\n"),
              HasSubstr("motcuad.yaml:1:15: writer_queue is 0"));
  EXPECT_THAT(ParseError("max_message_bytes: 4GB\n"),
              HasSubstr("motcuad.yaml:1:20: max_message_bytes must be"));
  EXPECT_THAT(ParseError("max_message_bytes: 4096MiB\n"),
              HasSubstr("motcuad.yaml:1:20: max_message_bytes is too large"));
  EXPECT_THAT(ParseError("max_message_bytes: 100\n"),
              HasSubstr("motcuad.yaml:1:20: max_message_bytes is 100"));
  EXPECT_THAT(ParseError("tls:\n  require_client_cert: maybe\n"),
              HasSubstr("motcuad.yaml:2:24: tls.require_client_cert must be "
                        "true or false"));
  EXPECT_THAT(ParseError("data_dir: [a, b]\n"),
              HasSubstr("motcuad.yaml:1:11: data_dir must be a string"));
  EXPECT_THAT(ParseError("tls: yes\n"),
              HasSubstr("motcuad.yaml:1:6: tls must be a map"));
  EXPECT_THAT(ParseError("- listen\n"),
              HasSubstr("motcuad.yaml:1:1: expected a map of settings"));
  EXPECT_THAT(ParseError("listen: [\n"), HasSubstr("not valid YAML"));
  EXPECT_THAT(ParseError("deadline_scheduler: sometimes\n"),
              HasSubstr("motcuad.yaml:1:21: deadline_scheduler must be true "
                        "or false"));
  EXPECT_THAT(ParseError("slow_subscriber_timeout: soon\n"),
              HasSubstr("motcuad.yaml:1:26: slow_subscriber_timeout must be a "
                        "duration"));
  EXPECT_THAT(ParseError("slow_subscriber_timeout: 1ms\n"),
              HasSubstr("slow_subscriber_timeout is 1ms; expected 100ms to "
                        "1h"));
  EXPECT_THAT(ParseError("leader_lease: soon\n"),
              HasSubstr("motcuad.yaml:1:15: leader_lease must be a duration"));
  EXPECT_THAT(ParseError("leader_lease: 100ms\n"),
              HasSubstr("leader_lease is 100ms; it must be from 500ms to 10m"));
  EXPECT_THAT(ParseError("advertise_address: nowhere\n"),
              HasSubstr("advertise_address has no port"));
}

TEST(ServerConfigTest, MessageSizeUnits) {
  EXPECT_EQ(Parse("max_message_bytes: 65536\n").max_message_bytes, 65536);
  EXPECT_EQ(Parse("max_message_bytes: 512KiB\n").max_message_bytes, 512 * 1024);
  EXPECT_EQ(Parse("max_message_bytes: 1024MiB\n").max_message_bytes,
            1024 * 1024 * 1024);
}

TEST(ServerConfigTest, ListenAddresses) {
  EXPECT_EQ(Parse("listen: 0.0.0.0:0\n").listen, "0.0.0.0:0");
  EXPECT_EQ(Parse("listen: localhost:50051\n").listen, "localhost:50051");
  EXPECT_EQ(Parse("listen: unix:/run/motcua/motcuad.sock\n").listen,
            "unix:/run/motcua/motcuad.sock");
  EXPECT_EQ(Parse("listen: \"[::1]:50051\"\n").listen, "[::1]:50051");

  EXPECT_THAT(ParseError("listen: 127.0.0.1\n"),
              HasSubstr("motcuad.yaml:1:9: listen has no port"));
  EXPECT_THAT(ParseError("listen: 127.0.0.1:99999\n"),
              HasSubstr("motcuad.yaml:1:9: listen has no valid port"));
  EXPECT_THAT(ParseError("listen: ::1:50051\n"),
              HasSubstr("listen puts an IPv6 address without brackets"));
  EXPECT_THAT(ParseError("listen: \"\"\n"),
              HasSubstr("motcuad.yaml:1:9: listen is empty"));
  EXPECT_THAT(
      ParseError("listen: [::1]:50051\n"),
      AnyOf(HasSubstr("quote an IPv6 address"), HasSubstr("not valid YAML")));
  EXPECT_THAT(ParseError("metrics_listen: unix:/tmp/m.sock\n"),
              HasSubstr("metrics_listen has no valid port"));
  EXPECT_THAT(ParseError("listen: 127.0.0.1:9000\nmetrics_listen: "
                         "127.0.0.1:9000\n"),
              HasSubstr("motcuad.yaml:2:17: metrics_listen is the same "
                        "address as listen"));
}

TEST(ServerConfigTest, ConsoleListenIsAnAddressOfItsOwn) {
  EXPECT_EQ(Parse("console_listen: 127.0.0.1:8080\n").console_listen,
            "127.0.0.1:8080");
  EXPECT_EQ(Parse("").console_listen, "");  // off by default
  EXPECT_THAT(ParseError("console_listen: unix:/tmp/c.sock\n"),
              HasSubstr("console_listen has no valid port"));
  EXPECT_THAT(ParseError("listen: 127.0.0.1:9000\nconsole_listen: "
                         "127.0.0.1:9000\n"),
              HasSubstr("motcuad.yaml:2:17: console_listen is the same "
                        "address as listen or metrics_listen"));
  EXPECT_THAT(ParseError("metrics_listen: 127.0.0.1:9100\nconsole_listen: "
                         "127.0.0.1:9100\n"),
              HasSubstr("console_listen is the same address"));
  // Port 0 asks the system for a free port: never the same.
  EXPECT_EQ(Parse("listen: 127.0.0.1:0\nconsole_listen: 127.0.0.1:0\n")
                .console_listen,
            "127.0.0.1:0");
}

TEST(ServerConfigTest, TlsSettingsMustAgree) {
  EXPECT_THAT(ParseError("tls:\n  key_file: k.pem\n"),
              HasSubstr("motcuad.yaml:2:13: tls.key_file is set without "
                        "tls.cert_file"));
  EXPECT_THAT(ParseError("tls:\n  cert_file: c.pem\n"),
              HasSubstr("motcuad.yaml:2:14: tls.cert_file is set without "
                        "tls.key_file"));
  EXPECT_THAT(ParseError("tls:\n  client_ca_file: ca.pem\n"),
              HasSubstr("motcuad.yaml:2:19: tls.client_ca_file is set "
                        "without tls.cert_file"));
  EXPECT_THAT(ParseError("tls:\n  cert_file: c.pem\n  key_file: k.pem\n"
                         "  require_client_cert: true\n"),
              HasSubstr("motcuad.yaml:4:24: tls.require_client_cert is true "
                        "without tls.client_ca_file"));
  const ServerConfig mutual = Parse(
      "tls:\n  cert_file: c.pem\n  key_file: k.pem\n  client_ca_file: "
      "ca.pem\n  require_client_cert: true\n");
  EXPECT_EQ(mutual.tls.cert_file, "/etc/motcua/c.pem");
  EXPECT_TRUE(mutual.tls.require_client_cert);
}

TEST(ServerConfigTest, NullValuesAreEmpty) {
  const ServerConfig config = Parse("tokens_file:\nmetrics_listen:\ntls:\n");
  EXPECT_EQ(config.tokens_file, "");
  EXPECT_EQ(config.metrics_listen, "");
  EXPECT_EQ(config.tls.cert_file, "");
  EXPECT_THAT(ParseError("data_dir:\n"),
              HasSubstr("motcuad.yaml:1:1: data_dir is empty"));
}

TEST(ServerConfigTest, ReportsEveryProblemAtOnce) {
  const std::string message =
      ParseError("durability: fast\nlog_level: loud\nbogus: 1\n");
  EXPECT_THAT(message, AllOf(HasSubstr("motcuad.yaml:1:13:"),
                             HasSubstr("motcuad.yaml:2:12:"),
                             HasSubstr("motcuad.yaml:3:1:")));
}

TEST(ServerConfigTest, ValidateNamesTheKeys) {
  ServerConfig config;
  config.tls.key_file = "k.pem";
  config.tls.client_ca_file = "ca.pem";
  config.log_level = "loud";
  config.writer_queue = 0;
  const absl::Status status = config.Validate();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              AllOf(HasSubstr("tls.key_file is set without tls.cert_file"),
                    HasSubstr("tls.client_ca_file is set without"),
                    HasSubstr("log_level is \"loud\""),
                    HasSubstr("writer_queue is 0")));
}

TEST(ServerConfigTest, ReadsWebhooks) {
  const ServerConfig config = Parse(R"(
webhooks:
  - name: portal
    url: http://10.0.0.5:8080/motcua/events
  - name: tan-dinh.receipts
    url: http://relay.local
    types: [received, handed_over]
    agency: ubnd-phuong-tan-dinh
    max_batch: 20
)");
  ASSERT_EQ(config.webhooks.size(), 2u);
  EXPECT_EQ(config.webhooks[0].name, "portal");
  EXPECT_EQ(config.webhooks[0].url, "http://10.0.0.5:8080/motcua/events");
  EXPECT_TRUE(config.webhooks[0].types.empty());
  EXPECT_EQ(config.webhooks[0].agency, "");
  EXPECT_EQ(config.webhooks[0].max_batch, 100);
  EXPECT_EQ(config.webhooks[1].types,
            (std::vector<std::string>{"received", "handed_over"}));
  EXPECT_EQ(config.webhooks[1].agency, "ubnd-phuong-tan-dinh");
  EXPECT_EQ(config.webhooks[1].max_batch, 20);
  EXPECT_TRUE(Parse("webhooks:\n").webhooks.empty());
  EXPECT_TRUE(Parse("webhooks: []\n").webhooks.empty());
}

TEST(ServerConfigTest, WebhookProblemsNameLineAndColumn) {
  EXPECT_THAT(ParseError("webhooks:\n  - name: a\n    url: https://x/\n"),
              AllOf(HasSubstr("motcuad.yaml:3:10: webhooks[0].url is "
                              "\"https://x/\": https is not supported yet"),
                    HasSubstr("use http://")));
  EXPECT_THAT(ParseError("webhooks:\n  - name: a\n    url: ftp://x/\n"),
              HasSubstr("motcuad.yaml:3:10: webhooks[0].url is \"ftp://x/\"; "
                        "expected http://host:port/path"));
  EXPECT_THAT(ParseError("webhooks:\n  - name: a\n    url: http://x:99999/\n"),
              HasSubstr("motcuad.yaml:3:10: webhooks[0].url is "
                        "\"http://x:99999/\": has no valid port"));
  EXPECT_THAT(ParseError("webhooks:\n  - name: a\n"),
              HasSubstr("motcuad.yaml:2:5: webhooks[0].url is empty"));
  EXPECT_THAT(ParseError("webhooks:\n  - url: http://x/\n"),
              HasSubstr("motcuad.yaml:2:5: webhooks[0].name is \"\""));
  EXPECT_THAT(
      ParseError("webhooks:\n  - name: ../etc\n    url: http://x/\n"),
      HasSubstr("motcuad.yaml:2:11: webhooks[0].name is \"../etc\"; expected"));
  EXPECT_THAT(ParseError("webhooks:\n"
                         "  - name: a\n    url: http://x/\n"
                         "  - name: a\n    url: http://y/\n"),
              HasSubstr("motcuad.yaml:4:11: webhooks[1].name is \"a\", "
                        "already the name of webhooks[0]"));
  EXPECT_THAT(
      ParseError("webhooks:\n  - name: a\n    url: http://x/\n"
                 "    max_batch: 0\n"),
      HasSubstr("motcuad.yaml:4:16: webhooks[0].max_batch is 0; expected 1 "
                "to 10000"));
  EXPECT_THAT(
      ParseError("webhooks:\n  - name: a\n    url: http://x/\n"
                 "    retries: 3\n"),
      HasSubstr("motcuad.yaml:4:5: unknown key \"webhooks[0].retries\""));
  EXPECT_THAT(ParseError("webhooks:\n  - name: a\n    url: http://x/\n"
                         "    types: received\n"),
              HasSubstr("motcuad.yaml:4:12: webhooks[0].types must be a list"));
  EXPECT_THAT(ParseError("webhooks:\n  - name: a\n    url: http://x/\n"
                         "    types: [overdue, step_overdew]\n"),
              HasSubstr("webhooks[0].types holds \"step_overdew\", which is "
                        "not an event type; expected some of received,"));
  EXPECT_THAT(ParseError("webhooks:\n  name: a\n"),
              HasSubstr("motcuad.yaml:2:3: webhooks must be a list"));
}

TEST(ServerConfigTest, HttpUrls) {
  absl::StatusOr<HttpUrl> url = ParseHttpUrl("http://127.0.0.1:8080/a/b?c=d");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->target, "/a/b?c=d");
  url = ParseHttpUrl("http://relay.local");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->host, "relay.local");
  EXPECT_EQ(url->port, 80);
  EXPECT_EQ(url->target, "/");
  url = ParseHttpUrl("http://[::1]:9000/x");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 9000);
  EXPECT_FALSE(ParseHttpUrl("HTTPS://x/").ok());
  EXPECT_FALSE(ParseHttpUrl("http://:80/").ok());
  EXPECT_FALSE(ParseHttpUrl("http://a b/").ok());
  EXPECT_FALSE(ParseHttpUrl("http://user@x/").ok());
}

TEST(ServerConfigTest, TextThatIsNotUtf8IsRefusedWhereItStands) {
  EXPECT_THAT(
      ParseError("listen: 127.0.0.1:50051\ndata_dir: /var/\xff\xfe\n"),
      HasSubstr("motcuad.yaml:2:16: not UTF-8 text: byte 0xFF (byte offset "
                "39) does not begin a valid UTF-8 character"));
  EXPECT_THAT(ParseError(std::string("log_level: in\0fo\n", 17)),
              HasSubstr("motcuad.yaml:1:14: control character U+0000 is not "
                        "allowed in the file"));
}

TEST(ServerConfigTest, DurabilityNames) {
  EXPECT_EQ(DurabilityName(Durability::kFull), "full");
  EXPECT_EQ(DurabilityName(Durability::kNormal), "normal");
  EXPECT_EQ(*ParseDurability("normal"), Durability::kNormal);
  EXPECT_FALSE(ParseDurability("FULL").ok());
}

}  // namespace
}  // namespace motcua::config

namespace motcua::config {
namespace {

TEST(ServerConfigCheckpointsTest, ReadsTheCheckpointKeys) {
  absl::StatusOr<ServerConfig> config = ParseServerConfig(
      "checkpoint_key_file: keys/checkpoint.key\n"
      "checkpoint_dir: /srv/checkpoints\n"
      "checkpoint_interval: 1h\n"
      "checkpoint_log_name: so-tnmt-hcm\n",
      "motcuad.yaml", "/etc/motcua");
  ASSERT_TRUE(config.ok()) << config.status();
  // Relative to the file, like every path in it.
  EXPECT_EQ(config->checkpoint_key_file, "/etc/motcua/keys/checkpoint.key");
  EXPECT_EQ(config->checkpoint_dir, "/srv/checkpoints");
  EXPECT_EQ(config->checkpoint_interval, absl::Hours(1));
  EXPECT_EQ(config->checkpoint_log_name, "so-tnmt-hcm");
}

TEST(ServerConfigCheckpointsTest, RefusesABadIntervalOrLogName) {
  absl::StatusOr<ServerConfig> interval = ParseServerConfig(
      "checkpoint_interval: 10ms\n", "motcuad.yaml", "/etc/motcua");
  ASSERT_FALSE(interval.ok());
  EXPECT_THAT(std::string(interval.status().message()),
              ::testing::HasSubstr("checkpoint_interval"));
  absl::StatusOr<ServerConfig> name = ParseServerConfig(
      "checkpoint_log_name: \"two words\"\n", "motcuad.yaml", "/etc/motcua");
  ASSERT_FALSE(name.ok());
  EXPECT_THAT(std::string(name.status().message()),
              ::testing::HasSubstr("checkpoint_log_name"));
}

TEST(ServerConfigStoreTest, ReadsTheStoreAndItsUrl) {
  EXPECT_EQ(ServerConfig().store, StoreKind::kSqlite);
  absl::StatusOr<ServerConfig> config = ParseServerConfig(
      "store: postgres\n"
      "postgres_url: postgresql://motcua@db:5432/motcua?sslmode=require\n",
      "motcuad.yaml", "/etc/motcua");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->store, StoreKind::kPostgres);
  EXPECT_EQ(config->postgres_url,
            "postgresql://motcua@db:5432/motcua?sslmode=require");
  EXPECT_EQ(StoreKindName(StoreKind::kPostgres), "postgres");
}

TEST(ServerConfigStoreTest, RefusesAPostgresStoreWithoutAUsableUrl) {
  for (const char* yaml :
       {"store: postgres\n", "store: postgres\npostgres_url: host=db\n"}) {
    absl::StatusOr<ServerConfig> config =
        ParseServerConfig(yaml, "motcuad.yaml", "/etc/motcua");
    ASSERT_FALSE(config.ok()) << yaml;
    EXPECT_THAT(std::string(config.status().message()),
                ::testing::HasSubstr("postgres_url"));
  }
  absl::StatusOr<ServerConfig> unknown =
      ParseServerConfig("store: mysql\n", "motcuad.yaml", "/etc/motcua");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(std::string(unknown.status().message()),
              ::testing::HasSubstr("unknown store \"mysql\"; expected sqlite "
                                   "or postgres"));
}

TEST(ServerConfigStoreTest, ReadsAReadReplicaOnlyBesideAPostgresStore) {
  absl::StatusOr<ServerConfig> config = ParseServerConfig(
      "store: postgres\n"
      "postgres_url: postgresql://motcua@db1/motcua\n"
      "postgres_read_url: postgresql://motcua_audit@db2/motcua\n",
      "motcuad.yaml", "/etc/motcua");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->postgres_read_url, "postgresql://motcua_audit@db2/motcua");
  for (const char* yaml :
       {"postgres_read_url: postgresql://motcua_audit@db2/motcua\n",
        "store: postgres\npostgres_url: postgresql://motcua@db1/motcua\n"
        "postgres_read_url: host=db2\n"}) {
    absl::StatusOr<ServerConfig> refused =
        ParseServerConfig(yaml, "motcuad.yaml", "/etc/motcua");
    ASSERT_FALSE(refused.ok()) << yaml;
    EXPECT_THAT(std::string(refused.status().message()),
                ::testing::HasSubstr("postgres_read_url"));
  }
}

}  // namespace
}  // namespace motcua::config
