#ifndef MOTCUA_STORE_SQLITE_STORE_H_
#define MOTCUA_STORE_SQLITE_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "engine/rules.h"
#include "store/event_store.h"
#include "store/sqlite_commit_pipeline.h"
#include "store/sqlite_connection.h"  // kWalBoundBytes
#include "store/sqlite_reader.h"

namespace motcua::store {

// The SQLite implementation of EventStore (see event_store.h and the role
// headers for the contract). Built by EventStore::Open. A thin facade that
// wires three parts, each in its own file:
//
//   CommandWriter  (sqlite_command_writer.h)  the write connection: decide,
//                  append to the chain, update the projections, COMMIT;
//                  used by one thread, no locks
//   CommitPipeline (sqlite_commit_pipeline.h) the bounded queue and the
//                  writer, flusher and checkpointer threads; answers each
//                  command once its batch is durable
//   SqliteReader   (sqlite_reader.h)          the read connection: the log
//                  up to the durable sequence, and the projections
//
// Threads: Execute, SetRules and the reads may be called from any thread.
// The writer thread alone uses the write connection, the projections and
// the state cache; the flusher thread (Durability::kFull) syncs the WAL and
// answers the commands, in order (the writer answers them itself with
// kNormal); the checkpointer thread runs checkpoints on its own connection;
// the reads share one read connection. In WAL mode a reader sees the last
// committed batch and never waits for the writer.
class SqliteEventStore final : public EventStore {
 public:
  // As EventStore::Open.
  static absl::StatusOr<std::unique_ptr<SqliteEventStore>> Open(
      const StoreOptions& options, const Clock* clock,
      std::shared_ptr<const RuleSet> rules);
  ~SqliteEventStore() override;  // Close()

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
  SqliteEventStore(std::unique_ptr<CommitPipeline> pipeline,
                   std::unique_ptr<SqliteReader> reader);

  // The destructor stops the pipeline's threads first (Close). Then the
  // reader's read-only connection closes before the pipeline's: the last
  // connection to close must be one that may write, so that SQLite copies
  // the WAL into the database file and removes it, leaving one
  // self-contained file behind.
  std::unique_ptr<CommitPipeline> pipeline_;
  std::unique_ptr<SqliteReader> reader_;
};

}  // namespace motcua::store

#endif  // MOTCUA_STORE_SQLITE_STORE_H_
