// motcuad: the motcua daemon. Wiring only: configuration, signals, the
// server.
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "services/access/access.h"
#include "services/checkpoint/checkpoint.h"
#include "services/config/server_config.h"
#include "services/console/console.h"
#include "services/server/server.h"
#include "services/server/service_manager.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitBadInput = 2;

// `motcuad token`: a new token and the entry of the tokens file for it.
int MintToken(const std::string& name, const std::string& role,
              const std::vector<std::string>& agencies) {
  absl::StatusOr<motcua::access::Role> parsed = motcua::access::ParseRole(role);
  if (!parsed.ok()) {
    std::cerr << "motcuad token: --role: " << parsed.status().message() << "\n";
    return kExitBadInput;
  }
  absl::StatusOr<std::string> token = motcua::access::GenerateToken();
  if (!token.ok()) {
    std::cerr << "motcuad token: " << token.status().message() << "\n";
    return kExitFailed;
  }
  std::vector<std::string> quoted;
  for (const std::string& agency : agencies) {
    quoted.push_back("\"" + agency + "\"");
  }
  std::cout << "token (give it to the caller; it is not stored): " << *token
            << "\n\nentry for the tokens file:\n"
            << "  - name: " << name << "\n"
            << "    sha256: " << motcua::access::HashToken(*token) << "\n"
            << "    role: " << role << "\n"
            << "    agencies: [" << absl::StrJoin(quoted, ", ") << "]\n";
  return kExitOk;
}

// `motcuad checkpoint-key`: the public half of the checkpoint key (created
// when missing), for auditors to check checkpoints with.
int PrintCheckpointKey(const std::string& key_file) {
  absl::StatusOr<std::unique_ptr<motcua::checkpoint::SigningKey>> key =
      motcua::checkpoint::SigningKey::LoadOrCreate(key_file);
  if (!key.ok()) {
    std::cerr << "motcuad checkpoint-key: " << key.status().message() << "\n";
    return kExitFailed;
  }
  const motcua::checkpoint::PublicKey& public_key = (*key)->public_key();
  std::cout << "checkpoint key " << key_file << "\n"
            << "key id: " << public_key.KeyId() << "\n"
            << "public key (base64): " << absl::Base64Escape(public_key.raw())
            << "\n"
            << public_key.Pem();
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"motcuad: the motcua workflow and deadline server"};
  std::string config_file;
  std::optional<std::string> listen, data_dir, rules_dir, tokens_file,
      log_level, durability, console_listen, postgres_url, postgres_read_url,
      leader_lease, advertise_address;
  app.add_option("--config", config_file,
                 "Configuration file (YAML; deploy/motcuad.yaml shows every "
                 "key)");
  app.add_option("--listen", listen, "gRPC address, host:port");
  app.add_option("--data-dir", data_dir, "Directory of the SQLite database");
  app.add_option("--rules", rules_dir, "Rules directory");
  app.add_option("--tokens", tokens_file,
                 "Tokens file; without one a development token is minted");
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error");
  app.add_option("--durability", durability, "full|normal");
  app.add_option("--postgres-url", postgres_url,
                 "Keep the store in this PostgreSQL database (store: "
                 "postgres), postgresql://user@host:port/dbname");
  app.add_option("--postgres-read-url", postgres_read_url,
                 "Serve the supervision reads (lists, overdue, counts, "
                 "reports) from this hot standby of --postgres-url");
  app.add_option("--leader-lease", leader_lease,
                 "With a PostgreSQL store: how long the leader lease lasts "
                 "after its last renewal, e.g. 5s (see leader_lease in "
                 "deploy/motcuad.yaml)");
  app.add_option("--advertise-address", advertise_address,
                 "With a PostgreSQL store: the host:port other servers "
                 "forward commands to while this one leads");
  app.add_option("--console-listen", console_listen,
                 "Web console address, host:port (see console_listen in "
                 "deploy/motcuad.yaml)");
  bool no_scheduler = false;
  app.add_flag("--no-deadline-scheduler", no_scheduler,
               "Do not watch deadlines in this process (see "
               "deadline_scheduler in deploy/motcuad.yaml)");

  CLI::App* token = app.add_subcommand(
      "token", "Mint a token and print its entry for the tokens file");
  std::string token_name, token_role;
  std::vector<std::string> token_agencies;
  token->add_option("--name", token_name, "Who the token is for (the actor)")
      ->required();
  token
      ->add_option("--role", token_role,
                   "intake|officer|supervisor|auditor|admin")
      ->required();
  token->add_option("--agency", token_agencies, "An agency, or * for all")
      ->required();

  CLI::App* checkpoint_key = app.add_subcommand(
      "checkpoint-key",
      "Print the public checkpoint key (generating the key pair when "
      "missing) for auditors");
  // `motcuad checkpoint-key --config FILE` reads as well as the other order.
  checkpoint_key->fallthrough();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    if (error.get_exit_code() == 0) return app.exit(error);
    std::cerr << "motcuad: " << error.what() << "\n";
    return kExitBadInput;
  }
  if (token->parsed()) return MintToken(token_name, token_role, token_agencies);

  motcua::config::ServerConfig config;
  if (!config_file.empty()) {
    absl::StatusOr<motcua::config::ServerConfig> loaded =
        motcua::config::LoadServerConfig(config_file);
    if (!loaded.ok()) {
      std::cerr << "motcuad: " << loaded.status().message() << "\n";
      return kExitBadInput;
    }
    config = *std::move(loaded);
  }
  if (listen) config.listen = *listen;
  if (data_dir) config.data_dir = *data_dir;
  if (postgres_url) {
    config.store = motcua::config::StoreKind::kPostgres;
    config.postgres_url = *postgres_url;
  }
  if (postgres_read_url) config.postgres_read_url = *postgres_read_url;
  if (advertise_address) config.advertise_address = *advertise_address;
  if (leader_lease) {
    absl::Duration lease;
    if (!absl::ParseDuration(*leader_lease, &lease)) {
      std::cerr << "motcuad: --leader-lease: " << *leader_lease
                << " is not a duration, e.g. 5s or 1500ms\n";
      return kExitBadInput;
    }
    config.leader_lease = lease;
  }
  if (rules_dir) config.rules_dir = *rules_dir;
  if (tokens_file) config.tokens_file = *tokens_file;
  if (log_level) config.log_level = *log_level;
  if (console_listen) config.console_listen = *console_listen;
  if (no_scheduler) config.deadline_scheduler = false;
  if (checkpoint_key->parsed()) {
    return PrintCheckpointKey(
        config.checkpoint_key_file.empty()
            ? motcua::server::DefaultCheckpointKeyFile(config.data_dir)
            : config.checkpoint_key_file);
  }
  if (durability) {
    absl::StatusOr<motcua::config::Durability> parsed =
        motcua::config::ParseDurability(*durability);
    if (!parsed.ok()) {
      std::cerr << "motcuad: --durability: " << parsed.status().message()
                << "\n";
      return kExitBadInput;
    }
    config.durability = *parsed;
  }
  if (absl::Status valid = config.Validate(); !valid.ok()) {
    std::cerr << "motcuad: " << valid.message() << "\n";
    return kExitBadInput;
  }
  // Logs go to standard error; standard output carries only what scripts
  // read (the port, the development token).
  spdlog::set_default_logger(spdlog::stderr_color_mt("motcuad"));
  spdlog::set_level(spdlog::level::from_str(config.log_level));

  // Signals are taken by sigwait below, on this thread only: block them
  // before any other thread starts, so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  motcua::SystemClock clock;
  absl::StatusOr<std::unique_ptr<motcua::server::Server>> server =
      motcua::server::Server::Start(config, &clock);
  if (!server.ok()) {
    std::cerr << "motcuad: " << server.status().message() << "\n";
    return kExitFailed;
  }
  std::unique_ptr<motcua::console::Console> console;
  if (!config.console_listen.empty()) {
    motcua::console::ConsoleOptions options;
    options.listen = config.console_listen;
    options.cert_file = config.tls.cert_file;
    options.key_file = config.tls.key_file;
    absl::StatusOr<std::unique_ptr<motcua::console::Console>> started =
        motcua::console::Console::Start(options, (*server)->context());
    if (!started.ok()) {
      std::cerr << "motcuad: " << started.status().message() << "\n";
      (*server)->Shutdown();
      return kExitFailed;
    }
    console = *std::move(started);
  }
  // The first line on standard output says where the server listens (its
  // port, when the configuration asked for port 0): scripts and tests read
  // it.
  std::cout << "listening on port " << (*server)->port() << std::endl;
  if (console != nullptr) {
    const std::string host =
        config.console_listen.substr(0, config.console_listen.rfind(':'));
    std::cout << "console on "
              << (config.tls.cert_file.empty() ? "http" : "https") << "://"
              << (host == "0.0.0.0" || host == "[::]" ? "127.0.0.1" : host)
              << ":" << console->port() << "/" << std::endl;
  }
  if (!(*server)->development_token().empty()) {
    std::cout << "development token (admin, every agency; also in "
              << config.data_dir << "/dev-token):\n  export MOTCUA_TOKEN="
              << (*server)->development_token() << "\n"
              << "  export MOTCUA_ADDRESS=127.0.0.1:" << (*server)->port()
              << "\n"
              << std::flush;
  }

  // Under systemd (Type=notify): ready now that every port serves. The
  // signal loop wakes for the watchdog too, and pings it while the store
  // still answers a read.
  const motcua::server::ServiceManager service_manager;
  service_manager.Ready();
  const motcua::server::ServiceContext* context = &(*server)->context();
  const auto healthy = [context] { return context->log->LastSequence().ok(); };
  const absl::Duration wake = service_manager.watchdog_interval();
  timespec wake_after = absl::ToTimespec(
      wake == absl::InfiniteDuration() ? absl::Hours(24) : wake);

  while (true) {
    service_manager.PingWatchdog(healthy);
    const int received = sigtimedwait(&signals, nullptr, &wake_after);
    if (received < 0) continue;  // the watchdog's turn, or EINTR
    if (received == SIGHUP) {
      service_manager.Reloading();
      absl::StatusOr<motcua::server::RulesHolder::ReloadOutcome> reloaded =
          (*server)->ReloadRules();
      service_manager.Ready();
      if (reloaded.ok()) {
        spdlog::info("rules reloaded: version {}{}",
                     reloaded->rules->version().substr(0, 12),
                     reloaded->changed ? "" : " (unchanged)");
      } else {
        spdlog::error("rules not reloaded, the running rules stay: {}",
                      std::string(reloaded.status().message()));
      }
      continue;
    }
    service_manager.Stopping();
    spdlog::info("stopping: draining calls in flight");
    console.reset();  // before the server whose reads it serves
    (*server)->Shutdown();
    return kExitOk;
  }
}
