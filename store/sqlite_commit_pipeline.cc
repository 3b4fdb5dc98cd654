#include "store/sqlite_commit_pipeline.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/status_macros.h"
#include "store/sqlite_connection.h"

namespace motcua::store {

absl::StatusOr<std::unique_ptr<CommitPipeline>> CommitPipeline::Start(
    const StoreOptions& options, std::unique_ptr<CommandWriter> writer,
    std::shared_ptr<const RuleSet> rules) {
  std::unique_ptr<CommitPipeline> pipeline(
      new CommitPipeline(options, std::move(writer), std::move(rules)));
  CommitPipeline& self = *pipeline;
  // Configured as a reader (query_only): a checkpoint is not a statement
  // and is not stopped by it.
  ASSIGN_OR_RETURN(self.checkpoint_db_,
                   Database::Open(options.path, OpenMode::kReadWrite));
  RETURN_IF_ERROR(
      ConfigureConnection(self.checkpoint_db_, ConnectionRole::kReader));
  self.writer_->SetWalObserver([&self](int frames) {
    if (frames < kCheckpointFrames) return;
    absl::MutexLock lock(&self.checkpoint_mu_);
    self.checkpoint_wanted_ = true;
  });
  if (options.durability == Durability::kFull) {
    // What the migration or the rebuild committed is flushed before the
    // first command, like everything after it.
    self.wal_ = std::make_unique<WalFile>(self.writer_->WalPath());
    RETURN_IF_ERROR(self.wal_->Sync());
  }
  absl::MutexLock lock(&self.close_mu_);
  self.writer_thread_ = std::thread([&self] { self.WriterLoop(); });
  if (self.wal_ != nullptr) {
    self.flusher_thread_ = std::thread([&self] { self.FlusherLoop(); });
  }
  self.checkpointer_thread_ = std::thread([&self] { self.CheckpointerLoop(); });
  return pipeline;
}

CommitPipeline::CommitPipeline(const StoreOptions& options,
                               std::unique_ptr<CommandWriter> writer,
                               std::shared_ptr<const RuleSet> rules)
    : options_(options),
      rules_(std::move(rules)),
      flushed_sequence_(writer->head_sequence()),
      durable_sequence_(writer->head_sequence()),
      writer_(std::move(writer)) {}

CommitPipeline::~CommitPipeline() { Close(); }

void CommitPipeline::SetRules(std::shared_ptr<const RuleSet> rules) {
  if (rules == nullptr) return;
  absl::MutexLock lock(&rules_mu_);
  rules_ = std::move(rules);
}

absl::Status CommitPipeline::Execute(CommandRequest request,
                                     std::function<void(CommandOutcome)> done) {
  absl::MutexLock lock(&queue_mu_);
  if (stopping_) {
    return absl::UnavailableError("the event store is closed");
  }
  if (!failed_.ok()) return failed_;
  if (!refused_.ok()) return refused_;
  if (unanswered_ >= options_.queue_capacity) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the writer's queue is full (", options_.queue_capacity,
        " commands); retry with back-off and the same request_id"));
  }
  queue_.push_back(Pending{std::move(request), std::move(done)});
  ++unanswered_;
  return absl::OkStatus();
}

void CommitPipeline::RefuseCommands(absl::Status reason) {
  absl::MutexLock lock(&queue_mu_);
  refused_ = std::move(reason);
}

void CommitPipeline::Close() {
  {
    absl::MutexLock lock(&queue_mu_);
    stopping_ = true;
  }
  absl::MutexLock lock(&close_mu_);
  if (writer_thread_.joinable()) writer_thread_.join();
  // The writer has handed over its last batch: the flusher drains and ends.
  {
    absl::MutexLock flush_lock(&flush_mu_);
    flush_stopping_ = true;
  }
  if (flusher_thread_.joinable()) flusher_thread_.join();
  {
    absl::MutexLock checkpoint_lock(&checkpoint_mu_);
    checkpoint_stopping_ = true;
  }
  if (checkpointer_thread_.joinable()) checkpointer_thread_.join();
}

void CommitPipeline::CheckpointerLoop() {
  while (true) {
    {
      absl::MutexLock lock(&checkpoint_mu_);
      checkpoint_mu_.Await(absl::Condition(
          +[](CommitPipeline* self) {
            self->checkpoint_mu_.AssertHeld();
            return self->checkpoint_wanted_ || self->checkpoint_stopping_;
          },
          this));
      if (checkpoint_stopping_) return;
      checkpoint_wanted_ = false;
    }
    // A failure leaves the frames in the WAL, where readers still find
    // them; the next commit asks again.
    absl::MutexLock running(&checkpoint_running_mu_);
    checkpoint_db_.CheckpointPassive().IgnoreError();
  }
}

void CommitPipeline::WriterLoop() {
  std::vector<Pending> batch;
  absl::Status failed;
  while (true) {
    {
      absl::MutexLock lock(&queue_mu_);
      queue_mu_.Await(absl::Condition(this, &CommitPipeline::WriterHasWork));
      // Closing drains: the loop ends only once the queue is empty.
      if (queue_.empty()) return;
      const size_t count = std::min(queue_.size(), options_.max_batch);
      for (size_t i = 0; i < count; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      failed = failed_;
    }
    if (!failed.ok()) {
      // After a failed flush nothing more is recorded; the refusals are
      // answered in turn after those of the batches before.
      std::vector<CommandOutcome> refusals(batch.size(),
                                           CommandOutcome::Refusal(failed));
      Hand(Committed{std::move(batch), std::move(refusals),
                     writer_->head_sequence()});
      batch.clear();
      continue;
    }
    ProcessBatch(batch);
    batch.clear();
  }
}

bool CommitPipeline::WriterHasWork() const {
  return !queue_.empty() || stopping_;
}

void CommitPipeline::ProcessBatch(std::vector<Pending>& batch) {
  std::shared_ptr<const RuleSet> rules;
  {
    absl::MutexLock lock(&rules_mu_);
    rules = rules_;
  }
  std::vector<const CommandRequest*> requests;
  requests.reserve(batch.size());
  for (const Pending& pending : batch) requests.push_back(&pending.request);
  WrittenBatch written = writer_->WriteBatch(requests, *rules);

  if (written.status.ok()) {
    batches_committed_.fetch_add(1, std::memory_order_relaxed);
    commands_committed_.fetch_add(batch.size(), std::memory_order_relaxed);
    uint64_t events = 0;
    for (const CommandOutcome& outcome : written.outcomes) {
      events += outcome.events.size();
    }
    events_committed_.fetch_add(events, std::memory_order_relaxed);
  }
  ObserveBatch(written, batch.size());
  if (written.status.ok() && writer_->wal_frames() >= kWriterCheckpointFrames) {
    // Copies what the checkpointer has not (after its pass in progress, if
    // any), so that the next batch starts the WAL again from its beginning.
    absl::MutexLock running(&checkpoint_running_mu_);
    writer_->CheckpointPassive().IgnoreError();
  }
  Hand(Committed{std::move(batch), std::move(written.outcomes),
                 writer_->head_sequence()});
  batch.clear();
}

void CommitPipeline::ObserveBatch(const WrittenBatch& written,
                                  size_t commands) {
  BatchResult result;
  result.commands = commands;
  result.wrote = written.status.ok() && written.appended;
  if (IsStorageFull(written.status)) {
    result.storage_full = commands;
    result.storage_full_status = written.status;
  } else {
    for (const CommandOutcome& outcome : written.outcomes) {
      if (!IsStorageFull(outcome.status)) continue;
      if (result.storage_full++ == 0) {
        result.storage_full_status = outcome.status;
      }
    }
  }
  absl::MutexLock lock(&observer_mu_);
  if (batch_observer_) batch_observer_(result);
}

void CommitPipeline::Hand(Committed committed) {
  if (wal_ == nullptr) {
    Deliver(committed, /*durable=*/true);
    return;
  }
  // Even a batch that appended nothing waits: its answers (a repeated
  // command's, say) may rest on an earlier batch not yet flushed.
  absl::MutexLock lock(&flush_mu_);
  flush_queue_.push_back(std::move(committed));
}

void CommitPipeline::FlusherLoop() {
  std::deque<Committed> taken;
  while (true) {
    {
      absl::MutexLock lock(&flush_mu_);
      flush_mu_.Await(absl::Condition(this, &CommitPipeline::FlusherHasWork));
      if (flush_queue_.empty()) return;
      taken.swap(flush_queue_);
    }
    const int64_t head = taken.back().head_sequence;
    absl::Status status;
    {
      absl::MutexLock lock(&queue_mu_);
      status = failed_;
    }
    // Nothing was written since the last flush when the head has not moved.
    if (status.ok() && head != flushed_sequence_) {
      status = wal_->Sync();
      if (status.ok()) {
        flushed_sequence_ = head;
      } else {
        status = absl::UnavailableError(absl::StrCat(
            status.message(),
            "; the outcome of the commands in flight is unknown: restart "
            "motcuad once the disk is sound and retry them with the same "
            "request_id"));
        absl::MutexLock lock(&queue_mu_);
        failed_ = status;
      }
    }
    for (Committed& committed : taken) {
      if (!status.ok()) {
        committed.outcomes.assign(committed.batch.size(),
                                  CommandOutcome::Refusal(status));
      }
      Deliver(committed, status.ok());
    }
    taken.clear();
  }
}

bool CommitPipeline::FlusherHasWork() const {
  return !flush_queue_.empty() || flush_stopping_;
}

void CommitPipeline::Deliver(Committed& committed, bool durable) {
  // Only now, after the COMMIT and its flush, may anyone learn of an
  // outcome. Watchers first: a caller that reads the log after its answer
  // finds it notified.
  if (durable && committed.head_sequence > durable_sequence_.load()) {
    durable_sequence_.store(committed.head_sequence);
    absl::MutexLock lock(&observer_mu_);
    if (commit_observer_) commit_observer_(committed.head_sequence);
  }
  for (size_t i = 0; i < committed.batch.size(); ++i) {
    if (committed.batch[i].done) {
      committed.batch[i].done(std::move(committed.outcomes[i]));
    }
  }
  Answered(committed.batch.size());
}

void CommitPipeline::Answered(size_t commands) {
  absl::MutexLock lock(&queue_mu_);
  unanswered_ -= commands;
}

WriterStats CommitPipeline::Stats() const {
  WriterStats stats;
  stats.batches = batches_committed_.load(std::memory_order_relaxed);
  stats.commands = commands_committed_.load(std::memory_order_relaxed);
  stats.events = events_committed_.load(std::memory_order_relaxed);
  return stats;
}

void CommitPipeline::SetCommitObserver(std::function<void(int64_t)> observer) {
  absl::MutexLock lock(&observer_mu_);
  commit_observer_ = std::move(observer);
}

void CommitPipeline::SetBatchObserver(
    std::function<void(const BatchResult&)> observer) {
  absl::MutexLock lock(&observer_mu_);
  batch_observer_ = std::move(observer);
}

}  // namespace motcua::store
