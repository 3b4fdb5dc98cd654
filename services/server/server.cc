#include "services/server/server.h"

#include <fcntl.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <netdb.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/escalation.h"
#include "engine/status_macros.h"
#include "store/audit.h"
#include "store/hash_chain.h"

namespace motcua::server {
namespace {

// How long a stopping server lets calls in flight finish.
constexpr absl::Duration kDrainTimeout = absl::Seconds(10);

absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     absl::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(what, ": cannot read ", path));
  }
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// Whether `key` is the private key of the first certificate in `cert`
// (both PEM). gRPC checks the pair only when it builds the listener, and
// its failure then reads as if the address could not be bound: the pair is
// checked here first so that the error names the files.
absl::Status CheckKeyMatchesCertificate(const config::ServerConfig::Tls& tls,
                                        const std::string& cert,
                                        const std::string& key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> cert_bio(
      BIO_new_mem_buf(cert.data(), static_cast<int>(cert.size())), &BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> certificate(
      PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr), &X509_free);
  if (certificate == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError(absl::StrCat(
        "tls.cert_file: ", tls.cert_file, " holds no PEM certificate"));
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> key_bio(
      BIO_new_mem_buf(key.data(), static_cast<int>(key.size())), &BIO_free);
  // No passphrase: OpenSSL would otherwise ask for one on the terminal.
  pem_password_cb* no_passphrase = [](char*, int, int, void*) { return 0; };
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> private_key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, no_passphrase, nullptr),
      &EVP_PKEY_free);
  if (private_key == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        absl::StrCat("tls.key_file: ", tls.key_file,
                     " holds no PEM private key (or it is encrypted)"));
  }
  if (X509_check_private_key(certificate.get(), private_key.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(absl::StrCat(
        "tls.key_file: ", tls.key_file,
        " is not the private key of the certificate in tls.cert_file ",
        tls.cert_file, " (the key and the certificate do not match)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(
    const config::ServerConfig::Tls& tls) {
  if (tls.cert_file.empty()) return grpc::InsecureServerCredentials();
  absl::StatusOr<std::string> cert = ReadFile(tls.cert_file, "tls.cert_file");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadFile(tls.key_file, "tls.key_file");
  if (!key.ok()) return key.status();
  if (absl::Status pair = CheckKeyMatchesCertificate(tls, *cert, *key);
      !pair.ok()) {
    return pair;
  }
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_key_cert_pairs.push_back({*key, *cert});
  if (!tls.client_ca_file.empty()) {
    absl::StatusOr<std::string> ca =
        ReadFile(tls.client_ca_file, "tls.client_ca_file");
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *ca;
    options.client_certificate_request =
        tls.require_client_cert
            ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
            : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

// How a follower reaches the leader: the certificate the servers share
// (every server of a group presents one signed for its advertised name by
// the same CA, or the same self-signed one) is trusted as the root, and
// presented as the client's certificate when clients must have one.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> LeaderCredentials(
    const config::ServerConfig::Tls& tls) {
  if (tls.cert_file.empty()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions options;
  absl::StatusOr<std::string> cert = ReadFile(tls.cert_file, "tls.cert_file");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadFile(tls.key_file, "tls.key_file");
  if (!key.ok()) return key.status();
  options.pem_root_certs = *cert;
  options.pem_cert_chain = *cert;
  options.pem_private_key = *key;
  return grpc::SslCredentials(options);
}

// The address other servers forward commands to while this one leads:
// advertise_address, else listen's (with this machine's host name for
// every interface). A port 0 in listen is chosen here, before the store
// opens and records the address in the lease: a free port of that host,
// which `listen` is rewritten to.
absl::StatusOr<std::string> AdvertisedAddress(config::ServerConfig& config) {
  const size_t colon = config.listen.rfind(':');
  if (absl::StartsWith(config.listen, "unix:") || colon == std::string::npos) {
    if (config.advertise_address.empty()) {
      return absl::InvalidArgumentError(
          "advertise_address: is empty and listen is a unix socket; several "
          "servers on one database reach the leader over TCP: set "
          "advertise_address to host:port");
    }
    return config.advertise_address;
  }
  std::string host = config.listen.substr(0, colon);
  if (config.listen.substr(colon + 1) == "0") {
    const std::string bare = host.size() >= 2 && host.front() == '['
                                 ? host.substr(1, host.size() - 2)
                                 : host;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    addrinfo* found = nullptr;
    if (getaddrinfo(bare.empty() ? nullptr : bare.c_str(), "0", &hints,
                    &found) != 0 ||
        found == nullptr) {
      return absl::UnavailableError(
          absl::StrCat("listen: cannot resolve ", config.listen));
    }
    int port = 0;
    const int probe =
        socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, 0);
    if (probe >= 0 && bind(probe, found->ai_addr, found->ai_addrlen) == 0) {
      sockaddr_storage bound{};
      socklen_t length = sizeof(bound);
      if (getsockname(probe, reinterpret_cast<sockaddr*>(&bound), &length) ==
          0) {
        port = ntohs(bound.ss_family == AF_INET6
                         ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                         : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
      }
    }
    if (probe >= 0) close(probe);
    freeaddrinfo(found);
    if (port == 0) {
      return absl::UnavailableError(
          absl::StrCat("listen: no free port on ", config.listen));
    }
    config.listen = absl::StrCat(host, ":", port);
  }
  if (!config.advertise_address.empty()) return config.advertise_address;
  if (host == "0.0.0.0" || host == "[::]" || host.empty()) {
    char name[256] = {};
    gethostname(name, sizeof(name) - 1);
    host = name;
  }
  return absl::StrCat(host, config.listen.substr(config.listen.rfind(':')));
}

// Development mode: one admin token for every agency, kept in the data
// directory so that a client on the same machine can read it.
absl::StatusOr<std::string> MintDevelopmentToken(const std::string& data_dir,
                                                 access::AccessTable* table) {
  absl::StatusOr<std::string> token = access::GenerateToken();
  if (!token.ok()) return token.status();
  access::TokenEntry entry;
  entry.name = "dev";
  entry.sha256_hex = access::HashToken(*token);
  entry.role = access::Role::kAdmin;
  entry.agencies = {"*"};
  absl::StatusOr<access::AccessTable> built =
      access::AccessTable::FromEntries({entry});
  if (!built.ok()) return built.status();
  *table = *std::move(built);
  const std::string path =
      (std::filesystem::path(data_dir) / "dev-token").string();
  // Created readable by its owner only, never for a moment wider; a file
  // left by an older version with a wider mode is narrowed.
  const int descriptor =
      open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
           S_IRUSR | S_IWUSR);
  if (descriptor < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
  }
  const std::string line = *token + "\n";
  const bool written = fchmod(descriptor, S_IRUSR | S_IWUSR) == 0 &&
                       write(descriptor, line.data(), line.size()) ==
                           static_cast<ssize_t>(line.size());
  const int error = errno;
  close(descriptor);
  if (!written) {
    return absl::UnavailableError(
        absl::StrCat("cannot write ", path, ": ", std::strerror(error)));
  }
  return token;
}

// Why gRPC could not listen on `address` ("host:port", "[v6]:port"): gRPC
// says only that it failed, so the same bind is tried on a socket of our
// own to learn the system's reason. Empty when that bind succeeds or the
// address cannot be read this way.
std::string WhyCannotListen(const std::string& address) {
  // A Unix socket's path: gRPC's own message (logged) says more.
  if (address.rfind("unix:", 0) == 0) return "";
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) return "";
  std::string host = address.substr(0, colon);
  const std::string port = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints,
                  &found) != 0) {
    return "the host is not known";
  }
  std::string reason;
  for (addrinfo* entry = found; entry != nullptr && reason.empty();
       entry = entry->ai_next) {
    const int probe =
        socket(entry->ai_family, entry->ai_socktype | SOCK_CLOEXEC, 0);
    if (probe < 0) continue;
    // As gRPC binds: SO_REUSEADDR, so that only a listener (not a closed
    // connection in TIME_WAIT) makes the bind fail.
    const int on = 1;
    setsockopt(probe, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (bind(probe, entry->ai_addr, entry->ai_addrlen) != 0) {
      reason = errno == EADDRINUSE
                   ? "the address is in use (another motcuad, or another "
                     "program, listens on it)"
               : errno == EADDRNOTAVAIL ? "it is not an address of this machine"
                                        : std::strerror(errno);
    }
    close(probe);
  }
  freeaddrinfo(found);
  return reason;
}

// Verifies the log's tail at start: back to the latest checkpoint and at
// least `Server::kStartCheckEvents`. Returns what is wrong, or empty.
absl::StatusOr<std::string> CheckLogTail(
    const std::string& database_path, int64_t head,
    const std::optional<checkpoint::Checkpoint>& latest) {
  store::VerifyOptions options;
  options.from_sequence =
      std::max<int64_t>(0, head - Server::kStartCheckEvents);
  if (latest.has_value()) {
    options.from_sequence =
        std::min<int64_t>(options.from_sequence, latest->sequence);
    options.hashes_wanted.push_back(latest->sequence);
  }
  absl::StatusOr<store::VerifyReport> report =
      store::VerifyLog(database_path, options);
  if (!report.ok()) return report.status();
  if (!report->ok()) return report->problem;
  if (latest.has_value()) {
    const std::string stored = latest->sequence == 0
                                   ? store::GenesisHash()
                                   : report->hashes[latest->sequence];
    if (stored != latest->head_hash) {
      return absl::StrCat(
          "the log no longer extends the last checkpoint (event ",
          latest->sequence, "): ",
          stored.empty() ? "that event is gone"
                         : "that event's hash differs from the signed one",
          "; the log was rewritten");
    }
  }
  return std::string();
}

}  // namespace

std::string DefaultCheckpointKeyFile(const std::string& data_dir) {
  std::string directory = data_dir;
  while (directory.size() > 1 && directory.back() == '/') directory.pop_back();
  return (std::filesystem::path(directory + "-keys") / "checkpoint.key")
      .string();
}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(
    const config::ServerConfig& given_config, const Clock* clock) {
  if (absl::Status valid = given_config.Validate(); !valid.ok()) return valid;
  std::unique_ptr<Server> server(new Server());
  config::ServerConfig config = given_config;
  std::string advertised;
  if (config.store == config::StoreKind::kPostgres) {
    absl::StatusOr<std::string> address = AdvertisedAddress(config);
    if (!address.ok()) return address.status();
    advertised = *address;
  }

  std::error_code error;
  const bool created =
      std::filesystem::create_directories(config.data_dir, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat(
        "data_dir: cannot create ", config.data_dir, ": ", error.message()));
  }
  // The database holds applicants' dossiers: a directory motcuad creates is
  // its owner's alone. One the operator made keeps the mode they chose.
  if (created) chmod(config.data_dir.c_str(), S_IRWXU);
  // Before anything is written there: a second server on the same
  // directory stops here and changes nothing.
  absl::StatusOr<std::unique_ptr<DataDirLock>> lock =
      DataDirLock::Acquire(config.data_dir);
  if (!lock.ok()) return lock.status();
  server->data_dir_lock_ = *std::move(lock);
  // The log's location for the offline checks (store/audit.h): the SQLite
  // file, or the PostgreSQL URL.
  server->database_path_ =
      config.store == config::StoreKind::kPostgres
          ? config.postgres_url
          : (std::filesystem::path(config.data_dir) / "motcua.db").string();

  absl::StatusOr<std::unique_ptr<RulesHolder>> rules =
      RulesHolder::Load(config.rules_dir);
  if (!rules.ok()) return rules.status();
  server->rules_ = *std::move(rules);

  if (config.tokens_file.empty()) {
    access::AccessTable table = *access::AccessTable::FromEntries({});
    absl::StatusOr<std::string> token =
        MintDevelopmentToken(config.data_dir, &table);
    if (!token.ok()) return token.status();
    server->development_token_ = *token;
    server->access_ = std::make_unique<access::AccessTable>(std::move(table));
  } else {
    absl::StatusOr<access::AccessTable> table =
        access::AccessTable::LoadFile(config.tokens_file);
    if (!table.ok()) return table.status();
    server->access_ = std::make_unique<access::AccessTable>(*std::move(table));
  }

  store::StoreOptions store_options;
  store_options.path = server->database_path_;
  if (config.store == config::StoreKind::kPostgres) {
    store_options.path.clear();
    store_options.postgres_url = config.postgres_url;
  }
  store_options.durability = config.durability == config::Durability::kFull
                                 ? store::Durability::kFull
                                 : store::Durability::kNormal;
  store_options.queue_capacity = config.writer_queue;
  if (config.store == config::StoreKind::kPostgres) {
    store_options.leader_lease = config.leader_lease;
    store_options.advertise_address = advertised;
  }
  absl::StatusOr<std::unique_ptr<store::EventStore>> store =
      store::EventStore::Open(store_options, clock, server->rules_->Current());
  if (!store.ok()) return store.status();
  server->store_ = *std::move(store);
  if (config.store == config::StoreKind::kPostgres &&
      !config.postgres_read_url.empty()) {
    absl::StatusOr<std::unique_ptr<store::pg::ReplicaReadModel>> replica =
        store::pg::ReplicaReadModel::Open(config.postgres_read_url,
                                          config.postgres_url,
                                          server->store_.get());
    if (!replica.ok()) {
      return absl::Status(
          replica.status().code(),
          absl::StrCat("postgres_read_url: ", replica.status().message()));
    }
    server->replica_ = *std::move(replica);
  }

  absl::StatusOr<int64_t> head = server->store_->LastSequence();
  if (!head.ok()) return head.status();

  absl::StatusOr<std::unique_ptr<checkpoint::SigningKey>> key =
      checkpoint::SigningKey::LoadOrCreate(
          config.checkpoint_key_file.empty()
              ? DefaultCheckpointKeyFile(config.data_dir)
              : config.checkpoint_key_file);
  if (!key.ok()) return key.status();
  Checkpointer::Options checkpoint_options;
  checkpoint_options.log_name = config.checkpoint_log_name;
  checkpoint_options.directory =
      config.checkpoint_dir.empty()
          ? (std::filesystem::path(config.data_dir) / "checkpoints").string()
          : config.checkpoint_dir;
  checkpoint_options.interval = config.checkpoint_interval;
  absl::StatusOr<std::unique_ptr<Checkpointer>> checkpointer =
      Checkpointer::Create(checkpoint_options, *std::move(key),
                           server->database_path_, server->store_.get(), clock);
  if (!checkpointer.ok()) return checkpointer.status();
  server->checkpointer_ = *std::move(checkpointer);
  absl::StatusOr<std::string> damage = CheckLogTail(
      server->database_path_, *head, server->checkpointer_->Latest());
  if (!damage.ok()) return damage.status();
  if (!damage->empty()) {
    // Appending after a broken link would bury it under valid-looking
    // events; reads go on so that an auditor can look.
    server->log_damage_ = *damage;
    spdlog::error(
        "the event log is DAMAGED: {}. Commands are refused and nothing is "
        "appended until it is repaired; reads go on (motcua audit verify "
        "--db {} names the damage)",
        *damage, server->database_path_);
    server->store_->RefuseCommands(absl::DataLossError(
        absl::StrCat("the event log is damaged (", *damage,
                     "); this server appends nothing until it is repaired")));
    server->checkpointer_->MarkDamaged(*damage);
  }

  server->hub_ = std::make_unique<EventHub>(*head);
  EventHub* hub = server->hub_.get();
  // The webhooks start with the lead (ApplyLeadership): with several
  // servers on one database only the leader delivers.
  server->webhook_configs_ = config.webhooks;
  server->data_dir_ = config.data_dir;
  Server* observed = server.get();
  server->checkpointer_->OnSigned([observed] {
    if (std::shared_ptr<webhooks::Dispatcher> webhooks =
            observed->CurrentWebhooks()) {
      webhooks->NotifyCheckpoint();
    }
  });
  server->store_->SetCommitObserver([hub, observed](int64_t committed) {
    hub->Notify(committed);
    if (std::shared_ptr<webhooks::Dispatcher> webhooks =
            observed->CurrentWebhooks()) {
      webhooks->Notify(committed);
    }
  });
  server->slow_reads_ = std::make_unique<TaskRunner>(2);
  absl::StatusOr<std::unique_ptr<const PageTokens>> page_tokens =
      PageTokens::Create();
  if (!page_tokens.ok()) return page_tokens.status();
  server->page_tokens_ = *std::move(page_tokens);

  ServiceContext& context = server->context_;
  context.commands = server->store_.get();
  context.log = server->store_.get();
  // The services' supervision reads from the standby when there is one
  // (store/postgres/pg_replica.h says which); the scheduler keeps the
  // store's own.
  context.read_model =
      server->replica_ != nullptr
          ? static_cast<store::ReadModel*>(server->replica_.get())
          : server->store_.get();
  context.rules = server->rules_.get();
  context.access = server->access_.get();
  context.clock = clock;
  context.hub = hub;
  context.slow_reads = server->slow_reads_.get();
  context.page_tokens = server->page_tokens_.get();
  context.database_path = server->database_path_;
  context.metrics = &server->metrics_;
  context.slow_subscriber_timeout = config.slow_subscriber_timeout;
  context.receipt_policy.max_backdate = config.max_receipt_backdate;
  Server* raw_server = server.get();
  if (config.store == config::StoreKind::kPostgres) {
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> to_leader =
        LeaderCredentials(config.tls);
    if (!to_leader.ok()) return to_leader.status();
    server->forwarder_ = std::make_unique<Forwarder>(
        *std::move(to_leader), &server->metrics_, advertised);
    context.forwarder = server->forwarder_.get();
  }
  context.reload_rules = [raw_server] { return raw_server->ReloadRules(); };
  context.checkpointer = server->checkpointer_.get();
  server->dossiers_ = std::make_unique<DossiersService>(context);
  server->supervision_ = std::make_unique<SupervisionService>(context);
  server->audit_ = std::make_unique<AuditService>(context);
  server->admin_ = std::make_unique<AdminService>(context);

  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      Credentials(config.tls);
  if (!credentials.ok()) return credentials.status();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // gRPC turns SO_REUSEPORT on by default on Linux: a second server on a
  // port in use would then start and share the port, each answering a
  // part of the calls from its own database. A server owns its port.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(config.listen, *credentials, &server->port_);
  builder.SetMaxReceiveMessageSize(config.max_message_bytes);
  builder.SetMaxSendMessageSize(config.max_message_bytes);
  builder.RegisterService(server->dossiers_.get());
  builder.RegisterService(server->supervision_.get());
  builder.RegisterService(server->audit_.get());
  builder.RegisterService(server->admin_.get());
  server->scheduler_wanted_ = config.deadline_scheduler;
  server->clock_ = clock;
  if (config.deadline_scheduler) {
    // Built before serving (a reload may reach it at once), started after.
    absl::MutexLock scheduler_lock(&server->scheduler_mu_);
    server->scheduler_ = std::make_unique<scheduler::DeadlineScheduler>(
        *server->store_, *server->store_, *clock, server->metrics_);
  }
  server->grpc_server_ = builder.BuildAndStart();
  if (server->grpc_server_ == nullptr || server->port_ == 0) {
    const std::string reason = WhyCannotListen(config.listen);
    return absl::UnavailableError(
        absl::StrCat("listen: cannot serve on ", config.listen, ": ",
                     reason.empty() ? "gRPC could not listen there" : reason));
  }
  grpc::HealthCheckServiceInterface* health =
      server->grpc_server_->GetHealthCheckService();
  health->SetServingStatus(true);
  for (const char* service :
       {v1::Dossiers::service_full_name(), v1::Supervision::service_full_name(),
        v1::Audit::service_full_name(), v1::Admin::service_full_name()}) {
    health->SetServingStatus(service, true);
  }
  // A damaged log refuses every command for the life of the process.
  if (!server->log_damage_.empty()) {
    health->SetServingStatus(v1::Dossiers::service_full_name(), false);
  }
  // A full disk refuses every command while reads go on: the Dossiers
  // service (the commands) is not serving until a write succeeds again.
  server->write_health_ =
      std::make_unique<WriteHealth>(clock, [health](bool serving) {
        health->SetServingStatus(v1::Dossiers::service_full_name(), serving);
      });
  WriteHealth* write_health = server->write_health_.get();
  server->store_->SetBatchObserver(
      [write_health](const store::BatchResult& result) {
        write_health->Observe(result);
      });
  server->serving_ = true;
  // Who writes: with a leader lease (several servers on one PostgreSQL
  // database) the scheduler runs on the leader alone, and the followers
  // forward commands. The first call comes at once, on this thread; the
  // later ones from the store's writer thread, handed to a thread of
  // their own since stopping the scheduler waits for its commands.
  server->roles_ = std::make_unique<TaskRunner>(1);
  const std::thread::id starting = std::this_thread::get_id();
  server->store_->SetLeadershipObserver(
      [raw_server, starting](const store::Leadership& leadership) {
        if (std::this_thread::get_id() == starting) {
          raw_server->ApplyLeadership(leadership);
          return;
        }
        raw_server->roles_->Post([raw_server, leadership] {
          raw_server->ApplyLeadership(leadership);
        });
      });
  {
    // The first call came at once: a webhook that cannot start (a position
    // file that holds no number) stops the server at start.
    absl::MutexLock leadership_lock(&server->scheduler_mu_);
    RETURN_IF_ERROR(server->leadership_error_);
  }
  if (!config.metrics_listen.empty()) {
    Server* raw = server.get();
    absl::StatusOr<std::unique_ptr<metrics::HttpEndpoint>> endpoint =
        metrics::HttpEndpoint::Start(
            config.metrics_listen, [raw] { return raw->RenderMetrics(); },
            [raw] { return raw->Health(); });
    if (!endpoint.ok()) return endpoint.status();
    server->metrics_endpoint_ = *std::move(endpoint);
  }
  spdlog::info("motcuad serving on {} (port {}), database {}, rules {}{}",
               config.listen, server->port_, server->database_path_,
               server->rules_->Current()->version().substr(0, 12),
               server->metrics_endpoint_ != nullptr
                   ? absl::StrCat(", metrics on port ",
                                  server->metrics_endpoint_->port())
                   : std::string());
  return server;
}

Server::~Server() { Shutdown(); }

void Server::ApplyLeadership(const store::Leadership& leadership) {
  if (forwarder_ != nullptr) {
    forwarder_->SetLeadership(leadership);
    metrics_.leader.store(leadership.leading ? 1 : 0);
    metrics_.leader_epoch.store(leadership.epoch);
    if (leadership.leading) {
      spdlog::warn(
          "leader: this server holds the leader lease (epoch {}) "
          "and writes",
          leadership.epoch);
    } else if (leadership.leader_address.empty()) {
      spdlog::warn(
          "follower: no server holds the leader lease (last epoch "
          "{}); commands are refused with UNAVAILABLE until one "
          "takes it",
          leadership.epoch);
    } else {
      spdlog::warn(
          "follower: the leader is {} (epoch {}); commands are "
          "forwarded to it",
          leadership.leader_address, leadership.epoch);
    }
  }
  if (!serving_.load()) return;
  absl::MutexLock lock(&scheduler_mu_);
  if (leadership.leading) {
    if (scheduler_wanted_) {
      // A new leader's scheduler reads the window afresh: its first pass
      // records whatever fell due while no one led.
      if (scheduler_ == nullptr) {
        scheduler_ = std::make_unique<scheduler::DeadlineScheduler>(
            *store_, *store_, *clock_, metrics_);
      }
      scheduler_->Start();
    }
    // The webhooks resume from this server's saved positions, the signing
    // from its own newest checkpoint.
    if (!webhook_configs_.empty() && CurrentWebhooks() == nullptr) {
      absl::StatusOr<std::unique_ptr<webhooks::Dispatcher>> dispatcher =
          webhooks::Dispatcher::Start(
              webhook_configs_, data_dir_, store_.get(),
              webhooks::CheckpointFeed{checkpointer_->directory(),
                                       &checkpointer_->public_key()});
      if (dispatcher.ok()) {
        absl::MutexLock webhooks_lock(&webhooks_mu_);
        webhooks_ = *std::move(dispatcher);
      } else {
        leadership_error_ = dispatcher.status();
        spdlog::error("webhooks not started: {}",
                      std::string(dispatcher.status().message()));
      }
    }
    if (!checkpointer_running_) {
      checkpointer_->Start();
      checkpointer_running_ = true;
    }
    return;
  }
  if (scheduler_ != nullptr) {
    scheduler_->Stop();
    scheduler_.reset();
  }
  // A deposed leader delivers nothing more: Stop abandons a POST in flight
  // (its batch is not acknowledged; the next leader sends it again).
  std::shared_ptr<webhooks::Dispatcher> stopping;
  {
    absl::MutexLock webhooks_lock(&webhooks_mu_);
    stopping = std::move(webhooks_);
  }
  if (stopping != nullptr) stopping->Stop();
  if (checkpointer_running_) {
    checkpointer_->Stop();
    checkpointer_running_ = false;
  }
}

std::shared_ptr<webhooks::Dispatcher> Server::CurrentWebhooks() const {
  absl::MutexLock lock(&webhooks_mu_);
  return webhooks_;
}

absl::Status Server::Health() const {
  if (!serving_.load()) return absl::UnavailableError("stopping");
  if (!log_damage_.empty()) {
    return absl::DataLossError(
        absl::StrCat("log damaged, not serving writes: ", log_damage_));
  }
  return write_health_->Status();
}

absl::StatusOr<RulesHolder::ReloadOutcome> Server::ReloadRules() {
  absl::StatusOr<RulesHolder::ReloadOutcome> reloaded = rules_->Reload();
  if (!reloaded.ok() || !reloaded->changed) return reloaded;
  store_->SetRules(reloaded->rules);
  const RuleChange change = CompareRules(*reloaded->previous, *reloaded->rules);
  if (change.affects_dossiers()) {
    spdlog::info("rules reloaded: {}; recomputing due times", change.reason);
    absl::MutexLock lock(&scheduler_mu_);
    if (scheduler_ != nullptr) scheduler_->RulesChanged(change);
  }
  return reloaded;
}

int Server::metrics_port() const {
  return metrics_endpoint_ != nullptr ? metrics_endpoint_->port() : 0;
}

std::string Server::RenderMetrics() {
  metrics::Snapshot snapshot;
  if (absl::StatusOr<std::vector<store::StateCount>> states =
          store_->CountDossiersByState();
      states.ok()) {
    for (const store::StateCount& count : *states) {
      snapshot.dossiers.push_back({count.agency,
                                   std::string(LifecycleStateName(count.state)),
                                   count.count});
    }
  }
  if (absl::StatusOr<std::vector<store::AgencyCount>> overdue =
          store_->CountDeadlinesByAgency(store::DeadlineKind::kDossier,
                                         context_.clock->Now(), "");
      overdue.ok()) {
    for (const store::AgencyCount& count : *overdue) {
      snapshot.overdue_dossiers.push_back({count.agency, count.count});
    }
  }
  const store::WriterStats writer = store_->Stats();
  snapshot.commit_batches = writer.batches;
  snapshot.committed_commands = writer.commands;
  snapshot.appended_events = writer.events;
  snapshot.storage_full_commands =
      write_health_ != nullptr ? write_health_->storage_full_commands() : 0;
  snapshot.store_writable =
      write_health_ == nullptr || write_health_->Status().ok();
  snapshot.log_head_sequence = hub_->head();
  if (const std::optional<checkpoint::Checkpoint> checkpoint =
          checkpointer_->Latest();
      checkpoint.has_value()) {
    snapshot.checkpoint_sequence = checkpoint->sequence;
    snapshot.checkpoint_time_seconds = absl::ToUnixSeconds(checkpoint->time);
  }
  snapshot.log_damaged = !log_damage_.empty();
  if (replica_ != nullptr) {
    snapshot.postgres_replica = true;
    if (absl::StatusOr<store::pg::ReplicaLag> lag = replica_->Lag(); lag.ok()) {
      snapshot.replica_up = true;
      snapshot.replica_lag_bytes = lag->bytes;
      snapshot.replica_lag_seconds = absl::ToDoubleSeconds(lag->delay);
    }
  }
  if (std::shared_ptr<webhooks::Dispatcher> webhooks = CurrentWebhooks()) {
    for (const webhooks::WebhookProgress& webhook : webhooks->Progress()) {
      snapshot.webhooks.push_back(
          {webhook.name, std::max<int64_t>(0, hub_->head() - webhook.position),
           webhook.failures});
    }
  }
  return metrics::RenderPrometheus(metrics_, snapshot);
}

void Server::Shutdown() {
  if (stopped_) return;
  stopped_ = true;
  serving_ = false;
  if (grpc_server_ != nullptr) {
    grpc_server_->GetHealthCheckService()->SetServingStatus(false);
  }
  // Waiting streams end now, telling their subscribers where to resume.
  if (hub_ != nullptr) hub_->Close();
  // Interrupts back-off waits and POSTs in flight; positions only move after
  // a 2xx, so nothing is lost.
  if (std::shared_ptr<webhooks::Dispatcher> webhooks = CurrentWebhooks()) {
    webhooks->Stop();
  }
  if (grpc_server_ != nullptr) {
    grpc_server_->Shutdown(absl::ToChronoTime(absl::Now() + kDrainTimeout));
    grpc_server_->Wait();
  }
  if (slow_reads_ != nullptr) slow_reads_->Stop();
  if (store_ != nullptr) store_->SetLeadershipObserver(nullptr);
  if (roles_ != nullptr) roles_->Stop();
  // A takeover applied while stopping may have started them again.
  if (std::shared_ptr<webhooks::Dispatcher> webhooks = CurrentWebhooks()) {
    webhooks->Stop();
  }
  // Its commands in flight commit before the writer closes.
  {
    absl::MutexLock lock(&scheduler_mu_);
    if (scheduler_ != nullptr) scheduler_->Stop();
  }
  if (checkpointer_ != nullptr) checkpointer_->Stop();
  metrics_endpoint_.reset();
  if (store_ != nullptr) {
    store_->SetCommitObserver(nullptr);
    store_->SetBatchObserver(nullptr);
    store_->Close();
  }
  spdlog::info("motcuad stopped");
}

}  // namespace motcua::server
