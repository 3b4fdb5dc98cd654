#ifndef MOTCUA_STORE_POSTGRES_PG_STORE_H_
#define MOTCUA_STORE_POSTGRES_PG_STORE_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "engine/clock.h"
#include "engine/rules.h"
#include "store/event_store.h"
#include "store/postgres/pg_reader.h"
#include "store/postgres/pg_writer.h"

namespace motcua::store::pg {

// The PostgreSQL implementation of EventStore (see event_store.h and the
// role headers for the contract), built by EventStore::Open when
// StoreOptions::postgres_url is set:
//
//   Writer  (pg_writer.h)  the write connection: decide, append to the
//           chain, queue the projections, COMMIT; one batch, one transaction
//   Reader  (pg_reader.h)  a connection for the reads: the log up to the
//           durable sequence, and the projections
//
// and, here, the bounded queue and the writer thread. A batch's commands
// are answered on the writer thread once its COMMIT has returned, which
// with synchronous_commit on means the WAL is on disk: there is no
// separate flush, unlike SQLite.
//
// With a leader lease (StoreOptions::leader_lease), several stores on
// several servers share the database and the writer thread plays a part:
// the leader's answers commands and renews the lease every third of its
// length (each batch's fence renews it too); a follower's refuses commands
// with UNAVAILABLE, and every poll (a quarter of the lease, at most a
// second) tries to take the lease, else reads where the leader is and how
// far the log has grown (waking the log's readers). A batch failing on a
// lost lease or a lost connection makes the leader step down: its commands
// are answered UNAVAILABLE (nothing of the batch kept, or its outcome
// unknown when the connection went: a retry with the same request_id is
// safe either way), and it follows.
//
// Threads: every method may be called from any thread. The writer thread
// alone uses the Writer.
class PostgresEventStore final : public EventStore {
 public:
  // As EventStore::Open.
  static absl::StatusOr<std::unique_ptr<PostgresEventStore>> Open(
      const StoreOptions& options, const Clock* clock,
      std::shared_ptr<const RuleSet> rules);
  ~PostgresEventStore() override;  // Close()

  // CommandSink
  void SetRules(std::shared_ptr<const RuleSet> rules) override;
  absl::Status Execute(CommandRequest request,
                       std::function<void(CommandOutcome)> done) override;
  void RefuseCommands(absl::Status reason) override;
  void Close() override;
  WriterStats Stats() const override;
  void SetCommitObserver(std::function<void(int64_t)> observer) override;
  void SetBatchObserver(
      std::function<void(const BatchResult&)> observer) override;
  void SetLeadershipObserver(
      std::function<void(const Leadership&)> observer) override;

  // LogReader
  absl::StatusOr<std::vector<StoredEvent>> ReadEvents(int64_t after_sequence,
                                                      int64_t limit) override;
  absl::StatusOr<std::vector<StoredEvent>> ReadDossierEvents(
      const std::string& code) override;
  absl::StatusOr<int64_t> LastSequence() override;

  // ReadModel
  absl::StatusOr<Dossier> ReadDossier(const std::string& code) override;
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
  absl::StatusOr<std::vector<StateCount>> CountDossiersByState() override;
  absl::StatusOr<std::vector<ReportRow>> Report(
      const ReportQuery& query) override;

 private:
  struct Pending {
    CommandRequest request;
    std::function<void(CommandOutcome)> done;
  };

  PostgresEventStore(const StoreOptions& options,
                     std::unique_ptr<Writer> writer,
                     std::shared_ptr<const RuleSet> rules);
  bool leased() const { return options_.leader_lease > absl::ZeroDuration(); }
  void WriterLoop();
  // The writer thread's loop with a lease.
  void LeasedLoop();
  // A follower's poll: take the lease, or learn where the leader is and
  // how far the log has grown.
  void Follow();
  void StepDown();
  void Publish(Leadership leadership);
  void AdvanceDurable(int64_t head);
  bool WriterHasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_);
  // Returns false when the batch lost the lease or the connection.
  bool ProcessBatch(std::vector<Pending>& batch);

  const StoreOptions options_;

  absl::Mutex rules_mu_;
  std::shared_ptr<const RuleSet> rules_ ABSL_GUARDED_BY(rules_mu_);

  absl::Mutex queue_mu_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(queue_mu_);
  // Commands accepted and not yet answered. Bounded by queue_capacity.
  size_t unanswered_ ABSL_GUARDED_BY(queue_mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(queue_mu_) = false;
  // Set when the write connection was lost: the outcome of the batch in
  // flight is unknown, so every later command is refused until a restart.
  absl::Status failed_ ABSL_GUARDED_BY(queue_mu_);
  absl::Status refused_ ABSL_GUARDED_BY(queue_mu_);

  absl::Mutex close_mu_;
  std::thread writer_thread_ ABSL_GUARDED_BY(close_mu_);

  // The writer thread's own after Open.
  std::unique_ptr<Writer> writer_;
  std::atomic<int64_t> durable_sequence_{0};
  std::atomic<uint64_t> batches_committed_{0};
  std::atomic<uint64_t> commands_committed_{0};
  std::atomic<uint64_t> events_committed_{0};

  absl::Mutex observer_mu_;
  std::function<void(int64_t)> commit_observer_ ABSL_GUARDED_BY(observer_mu_);
  std::function<void(const BatchResult&)> batch_observer_
      ABSL_GUARDED_BY(observer_mu_);

  std::unique_ptr<Reader> reader_;

  // With a lease: whether this store leads (commands are refused while
  // not), and what it last told the observer.
  std::atomic<bool> leading_{true};
  absl::Mutex leadership_mu_;
  Leadership leadership_ ABSL_GUARDED_BY(leadership_mu_);
  std::function<void(const Leadership&)> leadership_observer_
      ABSL_GUARDED_BY(leadership_mu_);
};

}  // namespace motcua::store::pg

#endif  // MOTCUA_STORE_POSTGRES_PG_STORE_H_
