#include "store/postgres/pg_store.h"

#include <unistd.h>

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
  StoreOptions resolved = options;
  if (resolved.leader_lease > absl::ZeroDuration() && resolved.holder.empty()) {
    char host[256] = {};
    gethostname(host, sizeof(host) - 1);
    resolved.holder = absl::StrCat(host, "/", getpid());
  }
  // The writer first: it creates or migrates the schema the reader reads.
  ASSIGN_OR_RETURN(std::unique_ptr<Writer> writer,
                   Writer::Open(resolved, clock));
  Leadership leadership;
  if (resolved.leader_lease > absl::ZeroDuration()) {
    // A lease that is free is taken at once: a lone server leads from its
    // start.
    ASSIGN_OR_RETURN(const bool leading, writer->TryLead());
    leadership.leading = leading;
    leadership.epoch = writer->epoch();
    if (leading) leadership.leader_address = resolved.advertise_address;
  }
  int64_t follower_head = 0;
  if (!leadership.leading) {
    ASSIGN_OR_RETURN(const LeaderRow leader, writer->ReadLeader());
    leadership.epoch = leader.epoch;
    leadership.leader_address = leader.address;
    follower_head = leader.head_sequence;
  }
  std::unique_ptr<PostgresEventStore> store(
      new PostgresEventStore(resolved, std::move(writer), std::move(rules)));
  PostgresEventStore* self = store.get();
  self->leading_.store(leadership.leading);
  if (!leadership.leading) self->durable_sequence_.store(follower_head);
  {
    absl::MutexLock lock(&self->leadership_mu_);
    self->leadership_ = leadership;
  }
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
  if (!leading_.load()) {
    return absl::UnavailableError(
        "this server does not hold the leader lease; send the command to the "
        "leader, or retry with the same request_id");
  }
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
  if (leased()) return LeasedLoop();
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

void PostgresEventStore::LeasedLoop() {
  const absl::Duration lease = options_.leader_lease;
  const absl::Duration renew_every = lease / 3;
  const absl::Duration poll_every = std::min(lease / 4, absl::Seconds(1));
  // Deadlines by the monotonic clock of this process; the lease itself
  // expires by the database's.
  absl::Time next_renew = absl::Now() + renew_every;
  absl::Time next_poll = absl::Now() + poll_every;
  std::vector<Pending> batch;
  while (true) {
    const bool leading = writer_->leading();
    bool stop = false;
    {
      absl::MutexLock lock(&queue_mu_);
      queue_mu_.AwaitWithDeadline(
          absl::Condition(this, &PostgresEventStore::WriterHasWork),
          leading ? next_renew : next_poll);
      stop = stopping_ && queue_.empty();
      const size_t count = std::min(queue_.size(), options_.max_batch);
      for (size_t i = 0; i < count; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (stop) break;
    if (!batch.empty()) {
      if (leading) {
        if (ProcessBatch(batch)) next_renew = absl::Now() + renew_every;
      } else {
        for (Pending& pending : batch) {
          if (pending.done) {
            pending.done(CommandOutcome::Refusal(absl::UnavailableError(
                "this server no longer holds the leader lease; nothing was "
                "recorded: retry with the same request_id")));
          }
        }
      }
      absl::MutexLock lock(&queue_mu_);
      unanswered_ -= batch.size();
      batch.clear();
      continue;
    }
    const absl::Time now = absl::Now();
    if (leading && now >= next_renew) {
      if (!writer_->Renew().ok()) StepDown();
      next_renew = now + renew_every;
      next_poll = now;
    } else if (!leading && now >= next_poll) {
      Follow();
      next_poll = absl::Now() + poll_every;
      next_renew = absl::Now() + renew_every;
    }
  }
  if (writer_->leading() && writer_->connected()) {
    writer_->Release().IgnoreError();
  }
}

void PostgresEventStore::Follow() {
  if (!writer_->connected()) {
    if (!writer_->Reconnect().ok()) return;  // the next poll tries again
  }
  absl::StatusOr<bool> took = writer_->TryLead();
  if (took.ok() && *took) {
    AdvanceDurable(writer_->head_sequence());
    leading_.store(true);
    Publish(Leadership{true, writer_->epoch(), options_.advertise_address});
    return;
  }
  absl::StatusOr<LeaderRow> leader = writer_->ReadLeader();
  if (!leader.ok()) return;
  AdvanceDurable(leader->head_sequence);
  Publish(Leadership{false, leader->epoch, leader->address});
}

void PostgresEventStore::StepDown() {
  writer_->StepDown();
  leading_.store(false);
  Leadership leadership;
  leadership.leading = false;
  {
    absl::MutexLock lock(&leadership_mu_);
    leadership.epoch = leadership_.epoch;
  }
  Publish(std::move(leadership));
}

void PostgresEventStore::Publish(Leadership leadership) {
  absl::MutexLock lock(&leadership_mu_);
  if (leadership.leading == leadership_.leading &&
      leadership.epoch == leadership_.epoch &&
      leadership.leader_address == leadership_.leader_address) {
    return;
  }
  leadership_ = std::move(leadership);
  if (leadership_observer_) leadership_observer_(leadership_);
}

void PostgresEventStore::AdvanceDurable(int64_t head) {
  if (head <= durable_sequence_.load()) return;
  durable_sequence_.store(head);
  absl::MutexLock lock(&observer_mu_);
  if (commit_observer_) commit_observer_(head);
}

void PostgresEventStore::SetLeadershipObserver(
    std::function<void(const Leadership&)> observer) {
  absl::MutexLock lock(&leadership_mu_);
  leadership_observer_ = std::move(observer);
  if (leadership_observer_) leadership_observer_(leadership_);
}

bool PostgresEventStore::ProcessBatch(std::vector<Pending>& batch) {
  std::shared_ptr<const RuleSet> rules;
  {
    absl::MutexLock lock(&rules_mu_);
    rules = rules_;
  }
  std::vector<const CommandRequest*> requests;
  requests.reserve(batch.size());
  for (const Pending& pending : batch) requests.push_back(&pending.request);
  WrittenBatch written = writer_->WriteBatch(requests, *rules);

  // With a lease, a lost lease or connection makes this server a follower
  // once the batch is answered; the head is loaded afresh if it leads
  // again.
  const bool step_down =
      leased() && (IsLeaseLost(written.status) || !writer_->connected());
  if (!leased() && written.status.code() == absl::StatusCode::kUnavailable) {
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
  if (step_down) StepDown();
  return !step_down;
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
