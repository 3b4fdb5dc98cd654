#ifndef MOTCUA_STORE_SQLITE_COMMAND_WRITER_H_
#define MOTCUA_STORE_SQLITE_COMMAND_WRITER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "engine/rules.h"
#include "store/command_decision.h"
#include "store/dossier_cache.h"
#include "store/event_store.h"
#include "store/hash_chain.h"
#include "store/log_writer.h"
#include "store/projections.h"
#include "store/sqlite.h"

namespace motcua::store {

// The SQLite store's write side: the write connection, the projections,
// the state cache and the head of the hash chain. For each command of a
// batch it loads the dossier, asks the engine to Decide, Applies the
// events, appends them to the chain and updates the projections; one
// COMMIT covers the batch.
//
// Threads: none of its own, and no locks. After Open, one thread (the
// commit pipeline's writer) calls everything; the WAL observer runs on it
// too, inside a commit.
class CommandWriter final : private CommandStorage {
 public:
  // Opens the write connection (creating the file), migrates the schema,
  // loads and checks the head of the chain, runs what the migration asked
  // for (snapshot rebuild, unit report fill) and settles the per-day
  // deadline counts. Errors as EventStore::Open.
  static absl::StatusOr<std::unique_ptr<CommandWriter>> Open(
      const StoreOptions& options, const Clock* clock);
  CommandWriter(const CommandWriter&) = delete;
  CommandWriter& operator=(const CommandWriter&) = delete;

  // Decides and writes `requests` in one transaction (see WrittenBatch).
  // A command whose writes fail part-way (a storage error) makes the batch
  // run again with a savepoint per command, so that it alone is refused.
  WrittenBatch WriteBatch(const std::vector<const CommandRequest*>& requests,
                          const RuleSet& rules);

  // The log's last committed event (0 for an empty log).
  int64_t head_sequence() const { return chain_.head().sequence; }
  // The WAL's length in frames after the last commit.
  int wal_frames() const { return wal_frames_; }
  // `observer` runs inside each commit with the WAL's length in frames.
  void SetWalObserver(std::function<void(int frames)> observer) {
    wal_observer_ = std::move(observer);
  }
  // A passive checkpoint on the write connection; the error is SQLite's.
  absl::Status CheckpointPassive() { return db_.CheckpointPassive().status(); }
  // The write-ahead log file.
  std::string WalPath() const { return db_.WalPath(); }

 private:
  CommandWriter(const StoreOptions& options, const Clock* clock);
  absl::Status Initialize();
  absl::Status PrepareStatements();
  absl::Status LoadHead();
  // Rebuilds every dossier snapshot from the log when the schema migration
  // asked for it (kMetaRebuildSnapshots), in one transaction.
  absl::Status RebuildSnapshotsIfAsked();
  // Fills unit_report_deltas from the log when the migration to schema 7
  // asked for it (kMetaFillUnitReport), in one transaction.
  absl::Status FillUnitReportIfAsked();
  // Runs `work` on every (code, version) of the dossiers table, a page at
  // a time in code order; `page_done` after each page, told whether it was
  // the last.
  absl::Status ForEachDossierVersion(
      const std::function<absl::Status(const std::string& code,
                                       int64_t version)>& work,
      const std::function<absl::Status(bool last_page)>& page_done);
  // Runs `work` in a transaction of its own: committed when it succeeds,
  // rolled back otherwise.
  absl::Status InTransaction(const std::function<absl::Status()>& work);
  // Settles deadline_totals up to today, in a transaction of its own (at
  // start).
  absl::Status SettleDeadlineDays();
  // BEGIN; the first transaction of a day first counts the days that ended
  // since the last one in deadline_totals.
  absl::Status Begin(int64_t today);
  // Writes the report deltas summed since the last call (each row once)
  // and clears the sums.
  absl::Status WriteBatchReport();

  // `isolated`: inside a savepoint, so that a failed write leaves nothing;
  // otherwise a failed write sets `write_failed` and the batch is run again
  // isolated.
  CommandOutcome ProcessCommand(const CommandRequest& request,
                                const RuleSet& rules, bool isolated,
                                bool& write_failed);
  // CommandStorage, for DecideCommand and AppendDecided.
  absl::StatusOr<std::optional<RequestRecord>> LoadRequest(
      const std::string& request_id) override;
  absl::StatusOr<const Dossier*> FindDossier(const std::string& code) override;
  absl::StatusOr<std::vector<StoredEvent>> EventsToVersion(
      const std::string& code, int64_t version) override;
  absl::Status Append(const SealedEvent& sealed, const RequestTag& tag,
                      const Dossier* before, const Dossier& after) override;
  // SQLite's WAL hook: after each commit, with the WAL's length.
  static int OnWalCommit(void* writer, sqlite3* connection,
                         const char* database, int frames);

  const StoreOptions options_;
  const Clock* const clock_;
  // Declared before what uses it, so that statements are finalized before
  // their connection closes.
  Database db_;
  std::unique_ptr<Projections> projections_;
  std::unique_ptr<DossierCache> cache_;
  Statement begin_;
  Statement commit_;
  Statement rollback_;
  Statement savepoint_;
  Statement release_;
  Statement rollback_to_;
  Statement select_events_to_version_;
  LogChain chain_;
  LogWriter log_;
  // The day deadline_totals was last settled at in a committed transaction:
  // a batch of the same day need not look again.
  int64_t settled_day_ = 0;
  int wal_frames_ = 0;
  std::function<void(int frames)> wal_observer_;
};

}  // namespace motcua::store

#endif  // MOTCUA_STORE_SQLITE_COMMAND_WRITER_H_
