#ifndef MOTCUA_STORE_EVENT_STORE_H_
#define MOTCUA_STORE_EVENT_STORE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "engine/rules.h"
#include "store/command_sink.h"
#include "store/log_reader.h"
#include "store/read_model.h"
#include "store/types.h"

namespace motcua::store {

// How hard each commit waits for the disk.
enum class Durability {
  kFull,    // the WAL is flushed before an answer: survives a power loss
  kNormal,  // flushed at checkpoints: survives a process crash, not a power
            // loss
};

// Whether `location` names a PostgreSQL database (a libpq URL,
// "postgres://" or "postgresql://") rather than a SQLite file: how the
// offline tools (store/audit.h) and the server's own checks tell the two
// apart.
inline bool IsPostgresUrl(absl::string_view location) {
  return absl::StartsWith(location, "postgres://") ||
         absl::StartsWith(location, "postgresql://");
}

struct StoreOptions {
  std::string path;  // the SQLite database file; created when missing
  // When not empty, the store is on PostgreSQL instead (store/postgres/):
  // a libpq URL (postgres://…, IsPostgresUrl), and `path` is unused. The
  // database must exist; its schema is created or migrated at open.
  std::string postgres_url;
  Durability durability = Durability::kFull;
  // Commands accepted and not yet answered (waiting for the writer, being
  // written or waiting for their flush); beyond it Execute answers
  // RESOURCE_EXHAUSTED.
  size_t queue_capacity = 65536;
  // Commands committed together in one transaction, at most.
  size_t max_batch = 2048;
  // Dossier states kept in memory between commands (least recently used go).
  size_t state_cache_entries = 100000;
  // PostgreSQL only. Above zero: several servers share the database and the
  // one holding the leader lease writes (store/postgres/pg_store.h); the
  // lease lasts this long past its last renewal, by the database's clock.
  // Zero: this store is the database's only writer (an advisory lock; a
  // second writer is refused at open).
  absl::Duration leader_lease = absl::ZeroDuration();
  // With a lease: the address the other servers forward commands to while
  // this one leads (recorded in the lease), and the name of this server in
  // the lease (empty: host name and process id).
  std::string advertise_address;
  std::string holder;
};

// Who writes, for a store shared by several servers (StoreOptions::
// leader_lease). A store without a lease always leads.
struct Leadership {
  bool leading = true;
  // The lease's epoch: grows by one with each taking (0: no lease).
  int64_t epoch = 0;
  // The leader's advertised address; empty while no leader is known (and
  // for a store without a lease).
  std::string leader_address;
};

// The store: the event log and its projections, one backend behind the
// three roles that its users depend on.
//
//   CommandSink (store/command_sink.h)  commands in, answered after commit
//   LogReader   (store/log_reader.h)    the log in order from any position
//   ReadModel   (store/read_model.h)    dossiers, lists, deadlines, reports
//
// Whoever opens the store (the daemon's wiring, the CLI's offline tools,
// tests and benchmarks) holds an EventStore and hands each user only the
// roles it uses: the scheduler a CommandSink and a ReadModel, the event
// streams and webhooks a LogReader, and so on. Each role's header states
// its contract; tests/store/store_contract_test.cc checks every backend
// against all three.
//
// Two backends keep the same contract: SQLite, the default (see
// store/sqlite_store.h for its threads and files), and PostgreSQL
// (store/postgres/pg_store.h), chosen by StoreOptions::postgres_url.
class EventStore : public CommandSink, public LogReader, public ReadModel {
 public:
  // Opens (creating or migrating) the SQLite database at options.path, or
  // the PostgreSQL database at options.postgres_url when it is set.
  // INVALID_ARGUMENT for options that cannot work (no path, a zero bound, no
  // clock or rules); FAILED_PRECONDITION when the file has a newer schema
  // than this build understands or cannot use write-ahead logging;
  // DATA_LOSS when the log's recorded head is not its last event; the
  // database's error when it cannot be opened (UNAVAILABLE for a
  // PostgreSQL server that cannot be reached; FAILED_PRECONDITION when
  // another server already writes that PostgreSQL database).
  static absl::StatusOr<std::unique_ptr<EventStore>> Open(
      const StoreOptions& options, const Clock* clock,
      std::shared_ptr<const RuleSet> rules);
  ~EventStore() override = default;

  // Calls `observer` with who writes now, at once and then on every
  // change (on the store's writer thread: it must not wait for a command).
  // A store without a lease leads for good and calls it once.
  virtual void SetLeadershipObserver(
      std::function<void(const Leadership&)> observer) {
    if (observer) observer(Leadership());
  }
};

}  // namespace motcua::store

#endif  // MOTCUA_STORE_EVENT_STORE_H_
