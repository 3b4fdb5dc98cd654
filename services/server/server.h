#ifndef MOTCUA_SERVICES_SERVER_SERVER_H_
#define MOTCUA_SERVICES_SERVER_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "engine/clock.h"
#include "services/access/access.h"
#include "services/config/server_config.h"
#include "services/metrics/http_endpoint.h"
#include "services/metrics/metrics.h"
#include "services/scheduler/scheduler.h"
#include "services/server/checkpointer.h"
#include "services/server/data_dir_lock.h"
#include "services/server/event_hub.h"
#include "services/server/forwarder.h"
#include "services/server/rules_holder.h"
#include "services/server/service_context.h"
#include "services/server/services.h"
#include "services/server/task_runner.h"
#include "services/server/write_health.h"
#include "services/webhooks/webhooks.h"
#include "store/event_store.h"
#include "store/postgres/pg_replica.h"

namespace motcua::server {

// Where the checkpoint key is when checkpoint_key_file is not set: a
// directory beside the data directory (<data_dir>-keys/checkpoint.key), so
// that a copy of the data does not carry the key along.
std::string DefaultCheckpointKeyFile(const std::string& data_dir);

// motcuad: the store, the rules, access control and the gRPC services, wired
// together and serving. Tests start one on 127.0.0.1:0 with a temporary data
// directory and a fake clock.
class Server {
 public:
  // At start the log's last events are verified, at least this many (and
  // back to the last checkpoint): about 50 ms at 2 million events a second.
  static constexpr int64_t kStartCheckEvents = 100'000;

  // Takes the lock on config.data_dir (FAILED_PRECONDITION naming the pid
  // of the server that holds it; nothing is written then), loads the rules
  // and the tokens, opens (or creates) the database in config.data_dir,
  // loads (or creates) the checkpoint key, checks the log's tail and starts
  // serving on config.listen, which it owns (no port sharing). A tail that
  // does not verify (back to the last checkpoint, and at least
  // kStartCheckEvents) does not stop the server: it serves reads and refuses
  // every command with DATA_LOSS, and says so in its log and /healthz.
  // Without a tokens file (development mode) it mints a token with the admin
  // role for every agency, writes it to <data_dir>/dev-token and reports it in
  // development_token(). Errors name what could not be used: invalid rules
  // (FAILED_PRECONDITION listing each problem), tokens file, database, TLS
  // files (INVALID_ARGUMENT when the key is not the certificate's), or the
  // listening address (UNAVAILABLE, saying why: in use, not an address of
  // this machine).
  static absl::StatusOr<std::unique_ptr<Server>> Start(
      const config::ServerConfig& config, const Clock* clock);
  ~Server();  // Shutdown()

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The port actually bound (config.listen may ask for port 0).
  int port() const { return port_; }
  // The development token, or empty when a tokens file is configured.
  const std::string& development_token() const { return development_token_; }
  const std::string& database_path() const { return database_path_; }
  // What the services share: the console (services/console) serves the
  // same reads from it. Valid until the server is destroyed.
  const ServiceContext& context() const { return context_; }
  // The port of the metrics endpoint; 0 when metrics_listen is not set.
  int metrics_port() const;
  // The Prometheus text of /metrics.
  std::string RenderMetrics();

  // Reads the rules directory again (SIGHUP, the ReloadRules RPC). A rule
  // set with any error is refused and the running one stays. When a
  // calendar or an escalation ladder changed, the deadline scheduler
  // recomputes the due times of the open dossiers it can touch.
  absl::StatusOr<RulesHolder::ReloadOutcome> ReloadRules();

  // Signs the log's checkpoints. Tests sign by hand: SignIfDue() after
  // moving the fake clock, or SignNow().
  Checkpointer* checkpointer() { return checkpointer_.get(); }
  // Why the server appends nothing (the log's tail did not verify at
  // start), or empty.
  const std::string& log_damage() const { return log_damage_; }
  // What /healthz says: OK when healthy, else why not (stopping, a damaged
  // log, writes failing).
  absl::Status Health() const;

  // The deadline scheduler (null when config.deadline_scheduler is false).
  // Tests run its passes by hand: FireDue() at the clock's now.
  // With a leader lease it runs on the leader alone (null on a follower).
  scheduler::DeadlineScheduler* scheduler() {
    absl::MutexLock lock(&scheduler_mu_);
    return scheduler_.get();
  }

  // Stops accepting calls, ends event streams with the position to resume
  // from, stops the webhooks (a batch not yet acknowledged is sent again
  // after a restart), lets calls in flight finish (their commands commit),
  // drains the writer's queue and closes the database. Idempotent.
  void Shutdown();

 private:
  Server() = default;
  // Starts the scheduler, the webhooks and the checkpoint signing on the
  // leader, stops them on a follower, points the forwarder at the leader.
  // On roles_ (the first call on the starting thread). An error starting
  // the webhooks is kept in leadership_error_ (the first call's fails
  // Create) and logged.
  void ApplyLeadership(const store::Leadership& leadership);
  // The webhooks while this server leads, else null.
  std::shared_ptr<webhooks::Dispatcher> CurrentWebhooks() const;

  std::string database_path_;
  std::string development_token_;
  int port_ = 0;
  bool stopped_ = false;

  // Declared in the order they are built; destroyed in reverse. The lock
  // on the data directory goes last, once the database is closed.
  std::unique_ptr<DataDirLock> data_dir_lock_;
  std::unique_ptr<RulesHolder> rules_;
  std::unique_ptr<access::AccessTable> access_;
  std::unique_ptr<store::EventStore> store_;
  // The services' reads from a hot standby (postgres_read_url), or null.
  std::unique_ptr<store::pg::ReplicaReadModel> replica_;
  std::unique_ptr<Checkpointer> checkpointer_;
  std::string log_damage_;
  std::unique_ptr<EventHub> hub_;
  // What the webhooks need to start at each takeover.
  std::vector<config::ServerConfig::Webhook> webhook_configs_;
  std::string data_dir_;
  // Swapped by ApplyLeadership; the commit observer (the store's writer
  // thread) and the metrics take a reference under the lock and use it
  // outside, so stopping the webhooks never holds the writer up.
  mutable absl::Mutex webhooks_mu_;
  std::shared_ptr<webhooks::Dispatcher> webhooks_ ABSL_GUARDED_BY(webhooks_mu_);
  // Set by ApplyLeadership (under scheduler_mu_).
  bool checkpointer_running_ ABSL_GUARDED_BY(scheduler_mu_) = false;
  absl::Status leadership_error_ ABSL_GUARDED_BY(scheduler_mu_);
  std::unique_ptr<TaskRunner> slow_reads_;
  std::unique_ptr<const PageTokens> page_tokens_;
  metrics::ServerMetrics metrics_;
  const Clock* clock_ = nullptr;
  bool scheduler_wanted_ = false;
  // Set by ApplyLeadership on roles_, read by ReloadRules and tests.
  absl::Mutex scheduler_mu_;
  std::unique_ptr<scheduler::DeadlineScheduler> scheduler_
      ABSL_GUARDED_BY(scheduler_mu_);
  std::unique_ptr<Forwarder> forwarder_;
  std::atomic<bool> serving_{false};
  ServiceContext context_;
  std::unique_ptr<DossiersService> dossiers_;
  std::unique_ptr<SupervisionService> supervision_;
  std::unique_ptr<AuditService> audit_;
  std::unique_ptr<AdminService> admin_;
  std::unique_ptr<grpc::Server> grpc_server_;
  std::unique_ptr<WriteHealth> write_health_;
  std::unique_ptr<metrics::HttpEndpoint> metrics_endpoint_;
  // Applies the store's leadership changes, one at a time.
  std::unique_ptr<TaskRunner> roles_;
};

}  // namespace motcua::server

#endif  // MOTCUA_SERVICES_SERVER_SERVER_H_
