#ifndef MOTCUA_STORE_SQLITE_COMMIT_PIPELINE_H_
#define MOTCUA_STORE_SQLITE_COMMIT_PIPELINE_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "engine/rules.h"
#include "store/event_store.h"
#include "store/sqlite.h"
#include "store/sqlite_command_writer.h"

namespace motcua::store {

// The SQLite store's path from Execute to an answer: a bounded queue, the
// writer thread (which hands each batch to the CommandWriter), the flusher
// thread (Durability::kFull: one fdatasync of the WAL for every batch
// committed since the last, while the writer goes on with the next batch)
// and the checkpointer thread (passive checkpoints on a connection of its
// own, off the writer's path). Only after its batch is durable is a
// command answered, on the flusher thread (the writer's with kNormal), in
// the order the commands were accepted.
//
// Threads: Execute, SetRules, RefuseCommands, Close, Stats and the
// observers may be called from any thread. The CommandWriter is the writer
// thread's alone.
class CommitPipeline {
 public:
  // Opens the checkpointer's connection, flushes what the writer's opening
  // committed (kFull) and starts the threads. The database's error when the
  // connection cannot be opened or the flush fails.
  static absl::StatusOr<std::unique_ptr<CommitPipeline>> Start(
      const StoreOptions& options, std::unique_ptr<CommandWriter> writer,
      std::shared_ptr<const RuleSet> rules);
  ~CommitPipeline();  // Close()
  CommitPipeline(const CommitPipeline&) = delete;
  CommitPipeline& operator=(const CommitPipeline&) = delete;

  // As CommandSink (store/command_sink.h).
  void SetRules(std::shared_ptr<const RuleSet> rules);
  absl::Status Execute(CommandRequest request,
                       std::function<void(CommandOutcome)> done);
  void RefuseCommands(absl::Status reason);
  void Close();
  WriterStats Stats() const;
  void SetCommitObserver(std::function<void(int64_t)> observer);
  void SetBatchObserver(std::function<void(const BatchResult&)> observer);

  // The last event a reader may see in the log: durable, or (kNormal)
  // committed. Any thread.
  int64_t durable_sequence() const { return durable_sequence_.load(); }

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

  CommitPipeline(const StoreOptions& options,
                 std::unique_ptr<CommandWriter> writer,
                 std::shared_ptr<const RuleSet> rules);

  void WriterLoop();
  bool WriterHasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_);
  void ProcessBatch(std::vector<Pending>& batch);
  // Tells the batch observer what became of a batch.
  void ObserveBatch(const WrittenBatch& written, size_t commands);
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
  // Runs a passive checkpoint on its own connection when woken.
  void CheckpointerLoop();

  const StoreOptions options_;

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

  absl::Mutex flush_mu_;
  std::deque<Committed> flush_queue_ ABSL_GUARDED_BY(flush_mu_);
  bool flush_stopping_ ABSL_GUARDED_BY(flush_mu_) = false;
  // The flusher's own.
  std::unique_ptr<WalFile> wal_;
  int64_t flushed_sequence_ = 0;
  std::atomic<int64_t> durable_sequence_{0};

  // The writer thread's own after Start.
  std::unique_ptr<CommandWriter> writer_;
  std::atomic<uint64_t> batches_committed_{0};
  std::atomic<uint64_t> commands_committed_{0};
  std::atomic<uint64_t> events_committed_{0};

  absl::Mutex observer_mu_;
  std::function<void(int64_t)> commit_observer_ ABSL_GUARDED_BY(observer_mu_);
  std::function<void(const BatchResult&)> batch_observer_
      ABSL_GUARDED_BY(observer_mu_);
};

}  // namespace motcua::store

#endif  // MOTCUA_STORE_SQLITE_COMMIT_PIPELINE_H_
