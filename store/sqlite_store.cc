#include "store/sqlite_store.h"

#include <utility>

#include "engine/status_macros.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite_command_writer.h"

namespace motcua::store {

absl::StatusOr<std::unique_ptr<EventStore>> EventStore::Open(
    const StoreOptions& options, const Clock* clock,
    std::shared_ptr<const RuleSet> rules) {
  if (!options.postgres_url.empty()) {
    ASSIGN_OR_RETURN(
        std::unique_ptr<pg::PostgresEventStore> store,
        pg::PostgresEventStore::Open(options, clock, std::move(rules)));
    return std::unique_ptr<EventStore>(std::move(store));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteEventStore> store,
                   SqliteEventStore::Open(options, clock, std::move(rules)));
  return std::unique_ptr<EventStore>(std::move(store));
}

absl::StatusOr<std::unique_ptr<SqliteEventStore>> SqliteEventStore::Open(
    const StoreOptions& options, const Clock* clock,
    std::shared_ptr<const RuleSet> rules) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("path: the database file is not named");
  }
  if (options.queue_capacity == 0 || options.max_batch == 0) {
    return absl::InvalidArgumentError(
        "queue_capacity and max_batch must be at least 1");
  }
  if (clock == nullptr || rules == nullptr) {
    return absl::InvalidArgumentError("a clock and rules are required");
  }
  // The writer first: it creates or migrates the file the others open.
  ASSIGN_OR_RETURN(std::unique_ptr<CommandWriter> writer,
                   CommandWriter::Open(options, clock));
  ASSIGN_OR_RETURN(
      std::unique_ptr<CommitPipeline> pipeline,
      CommitPipeline::Start(options, std::move(writer), std::move(rules)));
  CommitPipeline* durable = pipeline.get();
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteReader> reader,
                   SqliteReader::Open(options.path, [durable] {
                     return durable->durable_sequence();
                   }));
  return std::unique_ptr<SqliteEventStore>(
      new SqliteEventStore(std::move(pipeline), std::move(reader)));
}

SqliteEventStore::SqliteEventStore(std::unique_ptr<CommitPipeline> pipeline,
                                   std::unique_ptr<SqliteReader> reader)
    : pipeline_(std::move(pipeline)), reader_(std::move(reader)) {}

SqliteEventStore::~SqliteEventStore() { Close(); }

void SqliteEventStore::SetRules(std::shared_ptr<const RuleSet> rules) {
  pipeline_->SetRules(std::move(rules));
}

absl::Status SqliteEventStore::Execute(
    CommandRequest request, std::function<void(CommandOutcome)> done) {
  return pipeline_->Execute(std::move(request), std::move(done));
}

void SqliteEventStore::RefuseCommands(absl::Status reason) {
  pipeline_->RefuseCommands(std::move(reason));
}

void SqliteEventStore::Close() { pipeline_->Close(); }

WriterStats SqliteEventStore::Stats() const { return pipeline_->Stats(); }

void SqliteEventStore::SetCommitObserver(
    std::function<void(int64_t)> observer) {
  pipeline_->SetCommitObserver(std::move(observer));
}

void SqliteEventStore::SetBatchObserver(
    std::function<void(const BatchResult&)> observer) {
  pipeline_->SetBatchObserver(std::move(observer));
}

absl::StatusOr<std::vector<StoredEvent>> SqliteEventStore::ReadEvents(
    int64_t after_sequence, int64_t limit) {
  return reader_->ReadEvents(after_sequence, limit);
}

absl::StatusOr<std::vector<StoredEvent>> SqliteEventStore::ReadDossierEvents(
    const std::string& code) {
  return reader_->ReadDossierEvents(code);
}

absl::StatusOr<int64_t> SqliteEventStore::LastSequence() {
  return reader_->LastSequence();
}

absl::StatusOr<Dossier> SqliteEventStore::ReadDossier(const std::string& code) {
  return reader_->ReadDossier(code);
}

absl::StatusOr<std::vector<Dossier>> SqliteEventStore::ListDossiers(
    const DossierFilter& filter, const std::string& after_code, int limit) {
  return reader_->ListDossiers(filter, after_code, limit);
}

absl::StatusOr<std::vector<Deadline>> SqliteEventStore::ListDeadlines(
    const DeadlineQuery& query) {
  return reader_->ListDeadlines(query);
}

absl::StatusOr<std::vector<ScheduledThreshold>>
SqliteEventStore::ListThresholds(absl::Time from, absl::Time before,
                                 const std::optional<ThresholdCursor>& after,
                                 int limit) {
  return reader_->ListThresholds(from, before, after, limit);
}

absl::StatusOr<std::vector<AgencyCount>>
SqliteEventStore::CountDeadlinesByAgency(DeadlineKind kind,
                                         absl::Time due_before,
                                         const std::string& agency) {
  return reader_->CountDeadlinesByAgency(kind, due_before, agency);
}

absl::StatusOr<std::vector<StateCount>>
SqliteEventStore::CountDossiersByState() {
  return reader_->CountDossiersByState();
}

absl::StatusOr<std::vector<ReportRow>> SqliteEventStore::Report(
    const ReportQuery& query) {
  return reader_->Report(query);
}

}  // namespace motcua::store
