#ifndef MOTCUA_STORE_POSTGRES_PG_WRITER_H_
#define MOTCUA_STORE_POSTGRES_PG_WRITER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "engine/rules.h"
#include "store/command_decision.h"
#include "store/dossier_cache.h"
#include "store/event_store.h"
#include "store/log_writer.h"
#include "store/postgres/pq.h"
#include "store/report_sums.h"

namespace motcua::store::pg {

// The PostgreSQL store's write side: the write connection (in pipeline
// mode), the state cache and the head of the hash chain. Each batch is one
// transaction: BEGIN, each command decided (store/command_decision.h) and
// its events and projection rows queued, COMMIT; the statements go out
// without waiting, and a round trip is made only where a decision needs an
// answer (a request id, a dossier not in the cache). COMMIT returns once
// the transaction is durable (synchronous_commit on, and on a synchronous
// standby when one is configured).
//
// One writer per database. Without a lease (StoreOptions::leader_lease
// zero) it holds an advisory lock for as long as its connection lives, and
// a second writer is refused at open. With a lease, every writer opens,
// and the one that holds the `leader` row writes: each transaction begins
// with the fence (motcua_fence, pg_schema.cc), which renews the lease when
// it is still this writer's at its epoch and otherwise fails the
// transaction before anything of it can commit.
//
// What a follower reads of the lease's row.
struct LeaderRow {
  int64_t epoch = 0;          // 0: never taken
  bool live = false;          // not expired
  std::string address;        // the leader's advertised address, when live
  int64_t head_sequence = 0;  // the log's committed head
};

// Threads: none of its own, no locks; one thread calls everything.
class Writer final : private CommandStorage {
 public:
  // Connects, migrates the schema, takes the writer's lock, checks the
  // log's head and settles the per-day deadline counts. FAILED_PRECONDITION
  // for a newer schema or another writer; DATA_LOSS when the recorded head
  // is not the last event; UNAVAILABLE when the server cannot be reached.
  static absl::StatusOr<std::unique_ptr<Writer>> Open(
      const StoreOptions& options, const Clock* clock);
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Decides and writes `requests` in one transaction (see WrittenBatch). A
  // batch whose writes fail runs again with a savepoint per command, so
  // that the failing command alone is refused. UNAVAILABLE when the
  // connection is lost: the outcome of the batch is then unknown.
  WrittenBatch WriteBatch(const std::vector<const CommandRequest*>& requests,
                          const RuleSet& rules);

  // The log's last committed event (0 for an empty log).
  int64_t head_sequence() const { return chain_.head().sequence; }

  // With a lease (StoreOptions::leader_lease); none of these is called
  // without one.
  //
  // Takes the lease when it is free or expired: true when this writer
  // leads now, with the log's head loaded afresh. A row held locked past
  // its expiry (a leader paused inside a transaction) makes it end that
  // leader's connection and return false; the next try takes it.
  // UNAVAILABLE when the connection is lost.
  absl::StatusOr<bool> TryLead();
  // Renews the lease. UNAVAILABLE (IsLeaseLost) when it is another's now,
  // or when the connection is lost; this writer no longer leads then.
  absl::Status Renew();
  // Gives the lease up, expired at once, so that a follower takes it
  // without waiting.
  absl::Status Release();
  // Stops writing after a lost lease or connection.
  void StepDown();
  // The lease's row and the log's head, for a follower.
  absl::StatusOr<LeaderRow> ReadLeader();
  // A new connection after the old one was lost; not leading.
  absl::Status Reconnect();
  bool leading() const { return leading_; }
  bool connected() const { return connection_.ok(); }
  int64_t epoch() const { return epoch_; }

 private:
  Writer(const StoreOptions& options, const Clock* clock);
  absl::Status Initialize();
  absl::Status LoadHead();
  bool leased() const { return options_.leader_lease > absl::ZeroDuration(); }
  std::optional<int64_t> writer_epoch() const {
    return leased() ? std::optional<int64_t>(epoch_) : std::nullopt;
  }
  Params FenceParams() const;
  // How long a taking waits for the lease's row (lock_timeout).
  absl::Duration LockWait() const;
  // Queues BEGIN and, on a new day, the settling of the day counts.
  void Begin(int64_t today);
  // The first error of the batch, recorded by every sync.
  void Track(const absl::Status& status);
  absl::Status Sync();
  absl::StatusOr<Result> Fetch(const std::string& name, const Params& params);

  CommandOutcome ProcessCommand(const CommandRequest& request,
                                const RuleSet& rules, bool isolated);

  // CommandStorage
  absl::StatusOr<std::optional<RequestRecord>> LoadRequest(
      const std::string& request_id) override;
  absl::StatusOr<const Dossier*> FindDossier(const std::string& code) override;
  absl::StatusOr<std::vector<StoredEvent>> EventsToVersion(
      const std::string& code, int64_t version) override;
  absl::Status Append(const SealedEvent& sealed, const RequestTag& tag,
                      const Dossier* before, const Dossier& after) override;

  // The projection rows of one event, queued (store/projection_changes.h
  // says which).
  void QueueDossier(const Dossier& after);
  void QueueDeadlines(const Dossier* before, const Dossier& after);
  void QueueThresholds(const Dossier* before, const Dossier& after);
  void QueueControlSheet(const Dossier* before, const Dossier& after);
  void QueueCounters(const Dossier* before, const Dossier& after);
  // Queues the sums of the events since the last call (the report's
  // deltas, the counters and the deadline day counts: rows that a batch's
  // commands share), each row once, and clears them. Within a transaction
  // PostgreSQL keeps every version of a row updated again and again, and
  // each later update walks them all: written once per batch, the hot rows
  // stop costing more with each command.
  void QueueBatchSums();
  // Forgets them (the batch, or the command, was rolled back).
  void ClearBatchSums();
  void QueueRequest(const StoredEvent& stored, const RequestTag& tag,
                    const Dossier& after);

  absl::StatusOr<std::optional<Dossier>> LoadDossier(const std::string& code);
  // Reads what the batch's commands will ask for in one round trip (each
  // read alone is a round trip, which also ends the pipelining of the
  // batch's writes): the records of their request ids (known_requests_,
  // for LoadRequest) and the snapshots of their dossiers not in memory
  // (into the cache). Only a hint: what it cannot read is read when asked.
  void ReadAhead(const std::vector<const CommandRequest*>& requests);
  // Joins the lists of ReadAhead's statement.
  static constexpr char kListSeparator = '\x1f';

  const StoreOptions options_;
  const Clock* const clock_;
  Connection connection_;
  std::unique_ptr<DossierCache> cache_;
  LogChain chain_;
  // The first error since the batch began.
  absl::Status batch_error_;
  // The request ids of the batch's commands, read ahead: their records, or
  // nullopt for an id never used; a command of the batch that records one
  // updates it. Cleared with the batch.
  absl::flat_hash_map<std::string, std::optional<RequestRecord>>
      known_requests_;
  // The sums of the batch's events, queued before it commits
  // (QueueBatchSums): the report's deltas; the counters' changes by
  // (agency, procedure, unit, state); the deadline day counts' by (kind,
  // agency, due day).
  ReportBatch report_;
  using CounterSums = absl::btree_map<
      std::tuple<std::string, std::string, std::string, int64_t>, int64_t>;
  CounterSums counter_sums_;
  using DayKey = std::tuple<std::string, std::string, int64_t>;
  absl::btree_map<DayKey, int64_t> deadline_day_sums_;
  // The day the day counts were last settled at in a committed transaction.
  int64_t settled_day_ = 0;
  // With a lease: whether this writer holds it, and at which epoch.
  bool leading_ = false;
  int64_t epoch_ = 0;
};

}  // namespace motcua::store::pg

#endif  // MOTCUA_STORE_POSTGRES_PG_WRITER_H_
