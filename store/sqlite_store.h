#ifndef MOTCUA_STORE_SQLITE_STORE_H_
#define MOTCUA_STORE_SQLITE_STORE_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "engine/rules.h"
#include "store/dossier_cache.h"
#include "store/event_store.h"
#include "store/log_writer.h"
#include "store/projections.h"
#include "store/sqlite.h"

namespace motcua::store {

// The size the write-ahead log file stays under while no reader holds an
// old snapshot for long (a reader's snapshot keeps the frames after it,
// which an hours-long read can make grow): the frames the writer lets
// accumulate before it checkpoints (about 16 MiB) plus those of one batch
// (docs/operations.md).
inline constexpr int64_t kWalBoundBytes = int64_t{32} << 20;

// The SQLite implementation of EventStore (see event_store.h for the
// contract). Built by EventStore::Open.
//
// Threads: Execute, SetRules and the reads may be called from any thread.
// The writer thread alone uses the write connection, the projections and
// the state cache; the flusher thread (Durability::kFull) syncs the WAL and
// answers the commands, in order (the writer answers them itself with
// kNormal); the checkpointer thread runs checkpoints on its own connection;
// the reads share one read connection under read_mu_. In WAL mode a reader
// sees the last committed batch and never waits for the writer.
class SqliteEventStore final : public EventStore {
 public:
  static absl::StatusOr<std::unique_ptr<SqliteEventStore>> Open(
      const StoreOptions& options, const Clock* clock,
      std::shared_ptr<const RuleSet> rules);
  ~SqliteEventStore() override;

  void SetRules(std::shared_ptr<const RuleSet> rules) override;
  absl::Status Execute(CommandRequest request,
                       std::function<void(CommandOutcome)> done) override;
  void RefuseCommands(absl::Status reason) override;
  void Close() override;

  absl::StatusOr<Dossier> ReadDossier(const std::string& code) override;
  absl::StatusOr<std::vector<StoredEvent>> ReadDossierEvents(
      const std::string& code) override;
  absl::StatusOr<std::vector<StoredEvent>> ReadEvents(int64_t after_sequence,
                                                      int64_t limit) override;
  absl::StatusOr<int64_t> LastSequence() override;
  absl::StatusOr<std::vector<Dossier>> ListDossiers(
      const DossierFilter& filter, const std::string& after_code,
      int limit) override;
  absl::StatusOr<std::vector<Deadline>> ListDeadlines(
      const DeadlineQuery& query) override;
  absl::StatusOr<std::vector<ScheduledThreshold>> ListThresholds(
      absl::Time from, absl::Time before,
      const std::optional<ThresholdCursor>& after, int limit) override;
  absl::StatusOr<std::vector<AgencyCount>> CountDeadlinesByAgency(
      DeadlineKind kind, absl::Time due_before,
      const std::string& agency) override;
  absl::StatusOr<std::vector<ReportRow>> Report(
      const ReportQuery& query) override;
  absl::StatusOr<std::vector<StateCount>> CountDossiersByState() override;
  WriterStats Stats() const override;
  void SetCommitObserver(std::function<void(int64_t)> observer) override;
  void SetBatchObserver(
      std::function<void(const BatchResult&)> observer) override;

 private:
  struct Pending {
    CommandRequest request;
    std::function<void(CommandOutcome)> done;
  };
  // A committed batch waiting for the flush that makes it durable.
  struct Committed {
    std::vector<Pending> batch;
    std::vector<CommandOutcome> outcomes;
    int64_t head_sequence = 0;  // the log's last event after the batch
  };

  SqliteEventStore(const StoreOptions& options, const Clock* clock,
                   std::shared_ptr<const RuleSet> rules);
  absl::Status Initialize();
  absl::Status PrepareWriter();
  absl::Status PrepareReader();
  absl::Status LoadHead();
  // Rebuilds every dossier snapshot from the log when the schema migration
  // asked for it (kMetaRebuildSnapshots), in one transaction.
  absl::Status RebuildSnapshotsIfAsked();
  // Fills unit_report_deltas from the log when the migration to schema 7
  // asked for it (kMetaFillUnitReport), in one transaction.
  absl::Status FillUnitReportIfAsked();
  // Settles deadline_totals up to today, in a transaction of its own (at
  // start).
  absl::Status SettleDeadlineDays();

  void WriterLoop();
  bool WriterHasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_);
  void ProcessBatch(std::vector<Pending>& batch);
  // Durability kFull: flushes the WAL once for every batch committed before
  // the flush, then delivers them, while the writer commits the next ones.
  void FlusherLoop();
  bool FlusherHasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(flush_mu_);
  // Passes a batch on to be answered: to the flusher (kFull), or at once.
  void Hand(Committed committed);
  // Tells the watchers and then each caller of a durable batch.
  void Deliver(Committed& committed, bool durable);
  // `commands` were answered: room for as many in the queue.
  void Answered(size_t commands);
  // The writer connection's WAL hook: after each commit, with the WAL's
  // length; wakes the checkpointer when it is long.
  static int OnWalCommit(void* store, sqlite3* connection, const char* database,
                         int frames);
  // Runs a passive checkpoint on its own connection when woken.
  void CheckpointerLoop();
  // `isolated`: inside a savepoint, so that a failed write leaves nothing;
  // otherwise a failed write sets `write_failed` and the batch is run again
  // isolated.
  CommandOutcome ProcessCommand(const CommandRequest& request,
                                const RuleSet& rules, bool isolated,
                                bool& write_failed);
  // The answer to `request`, whose request id was first used by the command
  // that `first` records: that command's answer when `request` is the same
  // command (`fingerprint`) from the same caller, who may still see the
  // dossier; otherwise ALREADY_EXISTS.
  CommandOutcome AnswerUsedRequestId(const CommandRequest& request,
                                     const RequestRecord& first,
                                     absl::string_view fingerprint);
  // Appends the decided events of one command, sent as `tag`.
  absl::Status AppendEvents(const RequestTag& tag, const Dossier* before,
                            std::vector<Event> events, absl::Time now,
                            CommandOutcome& outcome);
  // The dossier after its first `version` events, from the log. When `last`
  // is not null it receives the event of that version.
  absl::StatusOr<Dossier> DossierAtVersion(const std::string& code,
                                           int64_t version,
                                           Event* last = nullptr);
  // A statement of the read connection, prepared once per distinct text.
  absl::StatusOr<Statement*> ReaderStatement(const std::string& sql)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(read_mu_);

  const StoreOptions options_;
  const Clock* const clock_;

  absl::Mutex rules_mu_;
  std::shared_ptr<const RuleSet> rules_ ABSL_GUARDED_BY(rules_mu_);

  absl::Mutex queue_mu_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(queue_mu_);
  // Commands accepted and not yet answered: queued, being written, or
  // waiting for their flush. Bounded by queue_capacity.
  size_t unanswered_ ABSL_GUARDED_BY(queue_mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(queue_mu_) = false;

  // Set when a flush failed: the log's end is unknown, so every later
  // command is refused until the server restarts.
  absl::Status failed_ ABSL_GUARDED_BY(queue_mu_);
  // Set by RefuseCommands: the log is damaged, nothing more is appended.
  absl::Status refused_ ABSL_GUARDED_BY(queue_mu_);

  absl::Mutex close_mu_;
  std::thread writer_thread_ ABSL_GUARDED_BY(close_mu_);
  std::thread flusher_thread_ ABSL_GUARDED_BY(close_mu_);
  std::thread checkpointer_thread_ ABSL_GUARDED_BY(close_mu_);

  absl::Mutex checkpoint_mu_;
  bool checkpoint_wanted_ ABSL_GUARDED_BY(checkpoint_mu_) = false;
  bool checkpoint_stopping_ ABSL_GUARDED_BY(checkpoint_mu_) = false;
  // Held by whoever checkpoints: the writer waits for the checkpointer's
  // pass rather than find it busy.
  absl::Mutex checkpoint_running_mu_;
  // The checkpointer thread's own.
  Database checkpoint_db_;
  // The WAL's length after the writer's last commit (writer thread only).
  int wal_frames_ = 0;
  // The day deadline_totals was last settled at in a committed transaction
  // (the writer's): a batch of the same day need not look again.
  int64_t settled_day_ = 0;

  absl::Mutex flush_mu_;
  std::deque<Committed> flush_queue_ ABSL_GUARDED_BY(flush_mu_);
  bool flush_stopping_ ABSL_GUARDED_BY(flush_mu_) = false;
  // The flusher's own.
  std::unique_ptr<WalFile> wal_;
  int64_t flushed_sequence_ = 0;
  // The last event a reader may see in the log: durable, or (kNormal)
  // committed.
  std::atomic<int64_t> durable_sequence_{0};

  // The writer thread's own, after Open. Declared before what uses them, so
  // that statements are finalized before their connection closes.
  Database writer_db_;
  std::unique_ptr<Projections> projections_;
  std::unique_ptr<DossierCache> cache_;
  Statement begin_;
  Statement commit_;
  Statement rollback_;
  Statement savepoint_;
  Statement release_;
  Statement rollback_to_;
  Statement select_events_to_version_;
  std::atomic<uint64_t> batches_committed_{0};
  std::atomic<uint64_t> commands_committed_{0};
  std::atomic<uint64_t> events_committed_{0};
  LogChain chain_;
  LogWriter log_;

  absl::Mutex read_mu_;
  Database reader_db_ ABSL_GUARDED_BY(read_mu_);
  Statement read_dossier_ ABSL_GUARDED_BY(read_mu_);
  Statement read_dossier_events_ ABSL_GUARDED_BY(read_mu_);
  Statement read_events_ ABSL_GUARDED_BY(read_mu_);
  // Filtered lists: one statement per combination of filters.
  absl::flat_hash_map<std::string, std::unique_ptr<Statement>> read_queries_
      ABSL_GUARDED_BY(read_mu_);

  absl::Mutex observer_mu_;
  std::function<void(int64_t)> commit_observer_ ABSL_GUARDED_BY(observer_mu_);
  std::function<void(const BatchResult&)> batch_observer_
      ABSL_GUARDED_BY(observer_mu_);
};

}  // namespace motcua::store

#endif  // MOTCUA_STORE_SQLITE_STORE_H_
