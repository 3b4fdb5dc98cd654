#ifndef MOTCUA_SERVICES_SERVER_SERVICE_CONTEXT_H_
#define MOTCUA_SERVICES_SERVER_SERVICE_CONTEXT_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "engine/clock.h"
#include "engine/lifecycle.h"
#include "services/access/access.h"
#include "services/metrics/metrics.h"
#include "services/server/checkpointer.h"
#include "services/server/event_hub.h"
#include "services/server/forwarder.h"
#include "services/server/page_token.h"
#include "services/server/rules_holder.h"
#include "services/server/task_runner.h"
#include "store/command_sink.h"
#include "store/log_reader.h"
#include "store/read_model.h"

namespace motcua::server {

// What every service of the daemon shares. Owned by the Server; the
// services only borrow it.
struct ServiceContext {
  // The store by role: commands go to the sink, the log is read through
  // the reader, everything else through the read model.
  store::CommandSink* commands = nullptr;
  store::LogReader* log = nullptr;
  store::ReadModel* read_model = nullptr;
  RulesHolder* rules = nullptr;
  const access::AccessTable* access = nullptr;
  const Clock* clock = nullptr;
  EventHub* hub = nullptr;
  // Long reads (verify the whole log, rebuild a dossier as of an instant)
  // run here, never on a gRPC callback thread.
  TaskRunner* slow_reads = nullptr;
  std::string database_path;
  metrics::ServerMetrics* metrics = nullptr;
  // WatchEvents ends a subscriber that leaves an event untaken this long.
  absl::Duration slow_subscriber_timeout = absl::Seconds(30);
  // Signs and checks the page tokens of the list RPCs.
  const PageTokens* page_tokens = nullptr;
  // The backdating bound of receipts (config max_receipt_backdate); Submit
  // adds the caller's permissions.
  ReceiptPolicy receipt_policy;
  // Reads the rules directory again and puts a changed set in force
  // everywhere (Server::ReloadRules).
  std::function<absl::StatusOr<RulesHolder::ReloadOutcome>()> reload_rules;
  // Signs and keeps the log's checkpoints.
  Checkpointer* checkpointer = nullptr;
  // With several servers on one database: sends a follower's commands to
  // the leader. Null for a server that writes alone.
  Forwarder* forwarder = nullptr;
};

// The caller, from the `authorization` metadata. UNAUTHENTICATED when
// missing, unknown, or sent more than once on the request.
absl::StatusOr<access::Principal> Authenticate(
    const ServiceContext& context, const grpc::CallbackServerContext* call);

// How far an operation reaches, for AuthenticateFor.
enum class Reach {
  // The role may perform it for some agency; which ones, ScopeAgency or
  // access::AuthorizeOnDossier decide afterwards.
  kSomeAgency,
  // For every agency: what belongs to no one agency (the rules, the whole
  // log, its checkpoints).
  kEveryAgency,
};

// The caller, authenticated (as Authenticate) and allowed `operation` as
// far as `reach` says: the preamble of a handler. UNAUTHENTICATED or
// PERMISSION_DENIED (as access::Authorize words it).
absl::StatusOr<access::Principal> AuthenticateFor(
    const ServiceContext& context, const grpc::CallbackServerContext* call,
    access::Operation operation, Reach reach);

// OK when the role of `principal` may perform `operation` for some agency;
// else PERMISSION_DENIED as access::Authorize words it.
absl::Status CheckRole(const access::Principal& principal,
                       access::Operation operation);

// The agency a scoped request is about: `requested` when set; for a
// principal of exactly one agency, that agency when not set. Authorizes
// `operation` for it.
absl::StatusOr<std::string> ScopeAgency(const access::Principal& principal,
                                        access::Operation operation,
                                        const std::string& requested);

// Finishes `reactor` with `status` mapped to gRPC and returns it: the last
// line of a handler that refuses, or that answers with what a read of
// reads.h returned (OK or not).
grpc::ServerUnaryReactor* Refuse(grpc::ServerUnaryReactor* reactor,
                                 const absl::Status& status);

// Runs `work` on the slow-read runner, off the gRPC threads (a long read, a
// file to load), and finishes `reactor` with its status; UNAVAILABLE at
// once when the server is stopping. Returns `reactor`: the last line of a
// handler.
grpc::ServerUnaryReactor* RunSlow(const ServiceContext& context,
                                  grpc::ServerUnaryReactor* reactor,
                                  std::function<absl::Status()> work);

}  // namespace motcua::server

#endif  // MOTCUA_SERVICES_SERVER_SERVICE_CONTEXT_H_
