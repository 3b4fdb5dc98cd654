#include "store/postgres/pg_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/status_macros.h"

namespace motcua::store::pg {

absl::StatusOr<std::unique_ptr<PostgresEventStore>> PostgresEventStore::Open(
    const StoreOptions& options, const Clock* clock,
    std::shared_ptr<const RuleSet> rules) {
  if (options.queue_capacity == 0 || options.max_batch == 0) {
    return absl::InvalidArgumentError(
        "queue_capacity and max_batch must be at least 1");
  }
  if (clock == nullptr || rules == nullptr) {
    return absl::InvalidArgumentError("a clock and rules are required");
  }
  // The writer first: it creates or migrates the schema the reader reads.
  ASSIGN_OR_RETURN(std::unique_ptr<Writer> writer,
                   Writer::Open(options, clock));
  std::unique_ptr<PostgresEventStore> store(
      new PostgresEventStore(options, std::move(writer), std::move(rules)));
  PostgresEventStore* self = store.get();
  ASSIGN_OR_RETURN(store->reader_, Reader::Open(options.postgres_url, [self] {
                     return self->durable_sequence_.load();
                   }));
  absl::MutexLock lock(&self->close_mu_);
  self->writer_thread_ = std::thread([self] { self->WriterLoop(); });
  return store;
}

PostgresEventStore::PostgresEventStore(const StoreOptions& options,
                                       std::unique_ptr<Writer> writer,
                                       std::shared_ptr<const RuleSet> rules)
    : options_(options),
      rules_(std::move(rules)),
      writer_(std::move(writer)),
      durable_sequence_(writer_->head_sequence()) {}

PostgresEventStore::~PostgresEventStore() { Close(); }

void PostgresEventStore::SetRules(std::shared_ptr<const RuleSet> rules) {
  if (rules == nullptr) return;
  absl::MutexLock lock(&rules_mu_);
  rules_ = std::move(rules);
}

absl::Status PostgresEventStore::Execute(
    CommandRequest request, std::function<void(CommandOutcome)> done) {
  absl::MutexLock lock(&queue_mu_);
  if (stopping_) return absl::UnavailableError("the event store is closed");
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

void PostgresEventStore::RefuseCommands(absl::Status reason) {
  absl::MutexLock lock(&queue_mu_);
  refused_ = std::move(reason);
}

void PostgresEventStore::Close() {
  {
    absl::MutexLock lock(&queue_mu_);
    stopping_ = true;
  }
  absl::MutexLock lock(&close_mu_);
  if (writer_thread_.joinable()) writer_thread_.join();
}

bool PostgresEventStore::WriterHasWork() const {
  return !queue_.empty() || stopping_;
}

void PostgresEventStore::WriterLoop() {
  std::vector<Pending> batch;
  while (true) {
    absl::Status failed;
    {
      absl::MutexLock lock(&queue_mu_);
      queue_mu_.Await(
          absl::Condition(this, &PostgresEventStore::WriterHasWork));
      // Closing drains: the loop ends only once the queue is empty.
      if (queue_.empty()) return;
      const size_t count = std::min(queue_.size(), options_.max_batch);
      for (size_t i = 0; i < count; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      failed = failed_;
    }
    if (failed.ok()) {
      ProcessBatch(batch);
    } else {
      for (Pending& pending : batch) {
        if (pending.done) pending.done(CommandOutcome::Refusal(failed));
      }
    }
    {
      absl::MutexLock lock(&queue_mu_);
      unanswered_ -= batch.size();
    }
    batch.clear();
  }
}

void PostgresEventStore::ProcessBatch(std::vector<Pending>& batch) {
  std::shared_ptr<const RuleSet> rules;
  {
    absl::MutexLock lock(&rules_mu_);
    rules = rules_;
  }
  std::vector<const CommandRequest*> requests;
  requests.reserve(batch.size());
  for (const Pending& pending : batch) requests.push_back(&pending.request);
  WrittenBatch written = writer_->WriteBatch(requests, *rules);

  if (written.status.code() == absl::StatusCode::kUnavailable) {
    // The connection is gone, and whether the batch committed with it is
    // unknown: appending after it could fork the chain.
    absl::MutexLock lock(&queue_mu_);
    failed_ = written.status;
  }
  if (written.status.ok()) {
    batches_committed_.fetch_add(1, std::memory_order_relaxed);
    commands_committed_.fetch_add(batch.size(), std::memory_order_relaxed);
    uint64_t events = 0;
    for (const CommandOutcome& outcome : written.outcomes) {
      events += outcome.events.size();
    }
    events_committed_.fetch_add(events, std::memory_order_relaxed);
  }
  BatchResult result;
  result.commands = batch.size();
  result.wrote = written.status.ok() && written.appended;
  for (const CommandOutcome& outcome : written.outcomes) {
    if (!IsStorageFull(outcome.status)) continue;
    if (result.storage_full++ == 0) result.storage_full_status = outcome.status;
  }
  {
    absl::MutexLock lock(&observer_mu_);
    if (batch_observer_) batch_observer_(result);
  }
  // Only now, after the COMMIT returned, may anyone learn of an outcome.
  // Watchers first: a caller that reads the log after its answer finds it
  // notified.
  const int64_t head = writer_->head_sequence();
  if (written.status.ok() && head > durable_sequence_.load()) {
    durable_sequence_.store(head);
    absl::MutexLock lock(&observer_mu_);
    if (commit_observer_) commit_observer_(head);
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    if (batch[i].done) batch[i].done(std::move(written.outcomes[i]));
  }
}

WriterStats PostgresEventStore::Stats() const {
  WriterStats stats;
  stats.batches = batches_committed_.load(std::memory_order_relaxed);
  stats.commands = commands_committed_.load(std::memory_order_relaxed);
  stats.events = events_committed_.load(std::memory_order_relaxed);
  return stats;
}

void PostgresEventStore::SetCommitObserver(
    std::function<void(int64_t)> observer) {
  absl::MutexLock lock(&observer_mu_);
  commit_observer_ = std::move(observer);
}

void PostgresEventStore::SetBatchObserver(
    std::function<void(const BatchResult&)> observer) {
  absl::MutexLock lock(&observer_mu_);
  batch_observer_ = std::move(observer);
}

absl::StatusOr<std::vector<StoredEvent>> PostgresEventStore::ReadEvents(
    int64_t after_sequence, int64_t limit) {
  return reader_->ReadEvents(after_sequence, limit);
}

absl::StatusOr<std::vector<StoredEvent>> PostgresEventStore::ReadDossierEvents(
    const std::string& code) {
  return reader_->ReadDossierEvents(code);
}

absl::StatusOr<int64_t> PostgresEventStore::LastSequence() {
  return reader_->LastSequence();
}

absl::StatusOr<Dossier> PostgresEventStore::ReadDossier(
    const std::string& code) {
  return reader_->ReadDossier(code);
}

absl::StatusOr<std::vector<Dossier>> PostgresEventStore::ListDossiers(
    const DossierFilter& filter, const std::string& after_code, int limit) {
  return reader_->ListDossiers(filter, after_code, limit);
}

absl::StatusOr<std::vector<Deadline>> PostgresEventStore::ListDeadlines(
    const DeadlineQuery& query) {
  return reader_->ListDeadlines(query);
}

absl::StatusOr<std::vector<ScheduledThreshold>>
PostgresEventStore::ListThresholds(absl::Time from, absl::Time before,
                                   const std::optional<ThresholdCursor>& after,
                                   int limit) {
  return reader_->ListThresholds(from, before, after, limit);
}

absl::StatusOr<std::vector<AgencyCount>>
PostgresEventStore::CountDeadlinesByAgency(DeadlineKind kind,
                                           absl::Time due_before,
                                           const std::string& agency) {
  return reader_->CountDeadlinesByAgency(kind, due_before, agency);
}

absl::StatusOr<std::vector<StateCount>>
PostgresEventStore::CountDossiersByState() {
  return reader_->CountDossiersByState();
}

absl::StatusOr<std::vector<ReportRow>> PostgresEventStore::Report(
    const ReportQuery& query) {
  return reader_->Report(query);
}

}  // namespace motcua::store::pg
