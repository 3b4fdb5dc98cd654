#ifndef MOTCUA_STORE_EVENT_STORE_H_
#define MOTCUA_STORE_EVENT_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "engine/dossier.h"
#include "engine/lifecycle.h"
#include "engine/report.h"
#include "engine/rules.h"

namespace motcua::store {

// How hard each commit waits for the disk.
enum class Durability {
  kFull,    // the WAL is flushed before an answer: survives a power loss
  kNormal,  // flushed at checkpoints: survives a process crash, not a power
            // loss
};

struct StoreOptions {
  std::string path;  // the SQLite database file; created when missing
  Durability durability = Durability::kFull;
  // Commands accepted and not yet answered (waiting for the writer, being
  // written or waiting for their flush); beyond it Execute answers
  // RESOURCE_EXHAUSTED.
  size_t queue_capacity = 65536;
  // Commands committed together in one transaction, at most.
  size_t max_batch = 2048;
  // Dossier states kept in memory between commands (least recently used go).
  size_t state_cache_entries = 100000;
};

// An event as stored: its global position in the log and its place in the
// hash chain. Positions grow but need not be contiguous.
struct StoredEvent {
  int64_t sequence = 0;
  absl::Time recorded_at;
  Event event;
  std::string previous_hash;  // 32 raw bytes; zeros for the first event
  std::string hash;           // 32 raw bytes
  // The dossier's agency, filled by the store's reads (not chained: the
  // receipt event carries it).
  std::string agency;
};

struct CommandRequest {
  Command command;
  // Refused with ABORTED when the dossier's version differs.
  std::optional<int64_t> expected_version;
  // When not empty, names this command for good: a retry of the same
  // command (same fingerprint, store/command_fingerprint.h) by the same
  // caller (command.actor) returns the first answer and appends nothing;
  // another command under the id is refused ALREADY_EXISTS.
  std::string request_id;
  // Whether the caller may see the dossiers of an agency; unset: every
  // agency (the server's own commands). An existing dossier it may not see
  // is answered as if the code named none, and a retry is answered only to
  // a caller that may see the dossier.
  std::function<bool(absl::string_view agency)> may_see = nullptr;
};

struct CommandOutcome {
  absl::Status status;
  // The dossier after the command; for a repeat, as it is now.
  std::optional<Dossier> dossier;
  // The events this command appended (empty for a repeat or a refusal).
  std::vector<StoredEvent> events;
  bool repeated = false;
};

// Which dossiers a list wants; empty strings and nullopt match any.
struct DossierFilter {
  std::string agency;
  std::string procedure_code;
  std::string unit;  // the unit holding the dossier now
  std::optional<LifecycleState> state;
};

// A pending deadline: the dossier's own, or its open step's.
enum class DeadlineKind { kDossier, kStep };

struct Deadline {
  std::string dossier_code;
  DeadlineKind kind = DeadlineKind::kDossier;
  absl::Time due_at;
  std::string step_id;  // the open step's, or empty
  std::string unit;     // who holds the dossier, or empty
  std::string agency;
  std::string procedure_code;
  // The dossier as it is now, when the query asked for it.
  std::optional<Dossier> dossier;
};

// Where a page of deadlines ends: the next page starts after it, in
// (due_at, dossier_code, kind) order (a dossier's own deadline before its
// step's at the same instant), so that a page reading both kinds can end
// between a dossier's two rows.
struct DeadlineCursor {
  absl::Time due_at;
  std::string dossier_code;
  DeadlineKind kind = DeadlineKind::kDossier;
};

// Pending deadlines of one kind with due_from <= due_at < due_before, in
// (due_at, dossier_code) order, after `after` in the order of
// DeadlineCursor: an index range, never a scan of every dossier.
struct DeadlineQuery {
  DeadlineKind kind = DeadlineKind::kDossier;
  std::string agency;
  std::string unit;
  std::string procedure_code;
  absl::Time due_from = absl::InfinitePast();
  absl::Time due_before = absl::InfiniteFuture();
  std::optional<DeadlineCursor> after;
  int limit = 100;
  // Read each deadline's dossier in the same statement (one read of the
  // page, instead of one per row).
  bool with_dossiers = false;
};

// An escalation threshold a dossier waits for (the `thresholds` projection).
struct ScheduledThreshold {
  std::string dossier_code;
  ThresholdTarget target = ThresholdTarget::kDossier;
  absl::Time at;
  int index = 0;  // the threshold's position in the ladder
};

// Where a page of thresholds ends: the next page starts after it.
struct ThresholdCursor {
  absl::Time at;
  std::string dossier_code;
  ThresholdTarget target = ThresholdTarget::kDossier;
};

// How many pending deadlines of one agency fall before an instant.
struct AgencyCount {
  std::string agency;
  int64_t count = 0;
};

// How many dossiers are in one state in one agency.
struct StateCount {
  std::string agency;
  LifecycleState state = LifecycleState::kReceived;
  int64_t count = 0;
};

// What the writer has done since the store opened.
struct WriterStats {
  uint64_t batches = 0;   // transactions committed
  uint64_t commands = 0;  // commands in them (accepted or refused)
  uint64_t events = 0;    // events appended
};

// What became of one transaction of the writer, for whoever watches that
// writes still succeed (the server's log, metric and health status).
struct BatchResult {
  size_t commands = 0;
  // The batch committed and wrote something: proof that the disk takes
  // writes (a batch whose commands were all refused by the lifecycle
  // writes nothing and proves nothing).
  bool wrote = false;
  // Commands refused because the disk was full (IsStorageFull in
  // store/sqlite.h), and the first such failure.
  size_t storage_full = 0;
  absl::Status storage_full_status;
};

// What a report row groups by. kUnit counts the steps each unit held
// (engine UnitReportDeltasOf), not dossiers.
enum class ReportGrouping { kAgency, kProcedure, kField, kUnit };

// The periodic report over the days from..to (inclusive, Vietnamese days).
struct ReportQuery {
  absl::CivilDay from;
  absl::CivilDay to;
  ReportGrouping group_by = ReportGrouping::kAgency;
  std::string agency;  // optional filter
  // For kUnit a step counts as resolved when it ends, whatever this says.
  CountResolutionAt count_at = CountResolutionAt::kResolution;
};

// The SQLite event log and its projections: the only code that speaks SQL.
//
// One writer thread owns the write connection. Commands queue up; the writer
// takes a batch, and for each command loads the dossier, asks the engine to
// Decide, Applies the events, appends them to the hash chain and updates the
// projections. A refusal is decided before anything is written and leaves
// no trace; a command whose writes fail part-way (a storage error) makes the
// batch run again with a savepoint per command, so that it alone is
// refused. One COMMIT covers the batch. With Durability::kFull a
// flusher thread then flushes the WAL (one fdatasync for every batch
// committed since the last), while the writer goes on with the next batch;
// only after that flush is each command's callback run. Reads use their own
// connections and never wait for the writer. The log as read (ReadEvents,
// ReadDossierEvents, LastSequence) ends at the last durable event; the
// current-state reads may show a batch a flush (a few milliseconds) before
// its commands are answered.
class EventStore {
 public:
  // Opens (creating or migrating) the database. FAILED_PRECONDITION when the
  // file has a newer schema than this build understands.
  static absl::StatusOr<std::unique_ptr<EventStore>> Open(
      const StoreOptions& options, const Clock* clock,
      std::shared_ptr<const RuleSet> rules);
  virtual ~EventStore() = default;

  // Replaces the rules used for new decisions (a reload).
  virtual void SetRules(std::shared_ptr<const RuleSet> rules) = 0;

  // Queues a command. `done` runs after the batch commits and is durable,
  // on the flusher thread (the writer's with Durability::kNormal). Returns
  // RESOURCE_EXHAUSTED without queuing when the queue is full, and
  // UNAVAILABLE after Close or after a flush failed (the log's end is then
  // unknown until a restart).
  virtual absl::Status Execute(CommandRequest request,
                               std::function<void(CommandOutcome)> done) = 0;
  // Execute and wait for the outcome.
  virtual CommandOutcome ExecuteAndWait(CommandRequest request) = 0;

  // From now on Execute answers `reason` (not OK) without queuing, so that
  // nothing more is appended: the daemon calls it when the log's tail does
  // not verify at start, since appending after a broken link would bury it.
  // Reads go on. Commands already queued still run.
  virtual void RefuseCommands(absl::Status reason) = 0;

  // Drains the queue, commits, stops the writer. Idempotent.
  virtual void Close() = 0;

  // NOT_FOUND when no dossier has that code.
  virtual absl::StatusOr<Dossier> ReadDossier(const std::string& code) = 0;
  virtual absl::StatusOr<std::vector<StoredEvent>> ReadDossierEvents(
      const std::string& code) = 0;
  // Events with sequence > after_sequence, in order, at most `limit`.
  virtual absl::StatusOr<std::vector<StoredEvent>> ReadEvents(
      int64_t after_sequence, int64_t limit) = 0;
  // The sequence of the last durable event (0 for an empty log).
  virtual absl::StatusOr<int64_t> LastSequence() = 0;

  // Dossiers matching `filter` with a code greater than `after_code`, in
  // code order, at most `limit`.
  virtual absl::StatusOr<std::vector<Dossier>> ListDossiers(
      const DossierFilter& filter, const std::string& after_code,
      int limit) = 0;
  virtual absl::StatusOr<std::vector<Deadline>> ListDeadlines(
      const DeadlineQuery& query) = 0;
  // Pending thresholds with from <= at < before, after `after`, in (at,
  // dossier_code, target) order, at most `limit`: a range of the index by
  // time.
  virtual absl::StatusOr<std::vector<ScheduledThreshold>> ListThresholds(
      absl::Time from, absl::Time before,
      const std::optional<ThresholdCursor>& after, int limit) = 0;
  // Pending deadlines of `kind` due before `due_before`, per agency with
  // any (of `agency` alone when not empty), in agency order. From the
  // maintained counts per day: the cost grows with days and agencies,
  // never with dossiers.
  virtual absl::StatusOr<std::vector<AgencyCount>> CountDeadlinesByAgency(
      DeadlineKind kind, absl::Time due_before, const std::string& agency) = 0;

  // Dossiers per agency and state, from the maintained counters.
  virtual absl::StatusOr<std::vector<StateCount>> CountDossiersByState() = 0;
  virtual WriterStats Stats() const = 0;

  // One row per group with anything to show, in group order. Sums the
  // per-day deltas of the report projection: its cost grows with days and
  // groups, never with dossiers.
  virtual absl::StatusOr<std::vector<ReportRow>> Report(
      const ReportQuery& query) = 0;

  // `observer` runs after each commit that appended events is durable, with
  // the last sequence, before the commands' callbacks. It must return
  // quickly (wake someone up); it replaces any earlier observer.
  virtual void SetCommitObserver(std::function<void(int64_t)> observer) = 0;
  // `observer` runs on the writer thread after each batch, committed or
  // not. It must return quickly; it replaces any earlier observer.
  virtual void SetBatchObserver(
      std::function<void(const BatchResult&)> observer) = 0;
};

}  // namespace motcua::store

#endif  // MOTCUA_STORE_EVENT_STORE_H_
