#include "store/sqlite_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/report.h"
#include "store/command_fingerprint.h"
#include "store/event_codec.h"
#include "store/event_rows.h"
#include "store/hash_chain.h"
#include "store/schema.h"

namespace motcua::store {
namespace {

// Page cache of the write connection, in KiB (negative for SQLite): the
// indexes a command touches stay in memory between batches.
constexpr int kWriterCacheKib = 64 * 1024;
constexpr int kReaderCacheKib = 32 * 1024;
// Checkpoints run on their own thread and connection, off the writer's
// path: one starts whenever a commit leaves the WAL at kCheckpointFrames
// or more. A checkpoint that runs beside the writer can never copy the
// frames appended meanwhile, so the WAL can only start again from its
// beginning after a checkpoint that the writer waits for: the writer runs
// one itself when the WAL reaches kWriterCheckpointFrames, by then mostly
// copied, and the next batch starts the WAL again from its beginning
// (unless a reader still holds a snapshot in it). The file is then cut
// back to kJournalSizeLimitBytes, so the WAL file stays under
// kWalBoundBytes (sqlite_store.h): what the writer's checkpoint lets
// accumulate, plus one batch. Lower thresholds mean more, shorter
// checkpoints; these keep the WAL a small fraction of a disk.
constexpr int kCheckpointFrames = 2000;        // about 8 MiB of 4 KiB pages
constexpr int kWriterCheckpointFrames = 4000;  // about 16 MiB
// When the WAL starts again from its beginning, its file is cut back to
// this size (kept, not cut to nothing: reusing allocated space is cheaper
// than growing the file again).
constexpr int64_t kJournalSizeLimitBytes = 16 << 20;
static_assert(kJournalSizeLimitBytes < kWalBoundBytes);

absl::Status ConfigureConnection(Database& database, bool writer) {
  if (writer) {
    absl::StatusOr<Statement> mode =
        database.Prepare("PRAGMA journal_mode = WAL");
    if (!mode.ok()) return mode.status();
    absl::StatusOr<bool> row = mode->Step();
    if (!row.ok()) return row.status();
    if (!*row || mode->ColumnText(0) != "wal") {
      return absl::FailedPreconditionError(absl::StrCat(
          "the database cannot use write-ahead logging (journal mode \"",
          *row ? mode->ColumnText(0) : "",
          "\"); is it on a network file "
          "system?"));
    }
  }
  // NORMAL: SQLite flushes the WAL only at checkpoints (before copying it
  // into the database, and the database after), never at a commit. With
  // Durability::kFull the store's flusher thread flushes the WAL after each
  // commit and answers no command before that flush (see WalFile): what
  // synchronous=FULL would do, without the writer waiting for it.
  return database.Execute(absl::StrCat(
      "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -",
      writer ? kWriterCacheKib : kReaderCacheKib,
      "; PRAGMA temp_store = MEMORY;",
      writer ? absl::StrCat(
                   " PRAGMA journal_size_limit = ", kJournalSizeLimitBytes, ";")
             : std::string(" PRAGMA query_only = 1;")));
}

CommandOutcome Refusal(absl::Status status) {
  CommandOutcome outcome;
  outcome.status = std::move(status);
  return outcome;
}

}  // namespace

absl::StatusOr<std::unique_ptr<EventStore>> EventStore::Open(
    const StoreOptions& options, const Clock* clock,
    std::shared_ptr<const RuleSet> rules) {
  absl::StatusOr<std::unique_ptr<SqliteEventStore>> store =
      SqliteEventStore::Open(options, clock, std::move(rules));
  if (!store.ok()) return store.status();
  return std::unique_ptr<EventStore>(std::move(*store));
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
  std::unique_ptr<SqliteEventStore> store(
      new SqliteEventStore(options, clock, std::move(rules)));
  if (absl::Status status = store->Initialize(); !status.ok()) return status;
  absl::MutexLock lock(&store->close_mu_);
  store->writer_thread_ =
      std::thread([raw = store.get()] { raw->WriterLoop(); });
  if (store->wal_ != nullptr) {
    store->flusher_thread_ =
        std::thread([raw = store.get()] { raw->FlusherLoop(); });
  }
  store->checkpointer_thread_ =
      std::thread([raw = store.get()] { raw->CheckpointerLoop(); });
  return store;
}

SqliteEventStore::SqliteEventStore(const StoreOptions& options,
                                   const Clock* clock,
                                   std::shared_ptr<const RuleSet> rules)
    : options_(options), clock_(clock), rules_(std::move(rules)) {}

SqliteEventStore::~SqliteEventStore() { Close(); }

absl::Status SqliteEventStore::Initialize() {
  absl::StatusOr<Database> writer =
      Database::Open(options_.path, OpenMode::kReadWriteCreate);
  if (!writer.ok()) return writer.status();
  writer_db_ = std::move(*writer);
  if (absl::Status status = ConfigureConnection(writer_db_, true);
      !status.ok()) {
    return status;
  }
  if (absl::Status status = MigrateSchema(writer_db_, options_.path);
      !status.ok()) {
    return status;
  }
  if (absl::Status status = PrepareWriter(); !status.ok()) return status;
  if (absl::Status status = LoadHead(); !status.ok()) return status;
  if (absl::Status status = RebuildSnapshotsIfAsked(); !status.ok()) {
    return status;
  }
  if (absl::Status status = FillUnitReportIfAsked(); !status.ok()) {
    return status;
  }
  if (absl::Status status = SettleDeadlineDays(); !status.ok()) return status;
  flushed_sequence_ = chain_.head().sequence;
  durable_sequence_.store(chain_.head().sequence);
  absl::StatusOr<Database> checkpointer =
      Database::Open(options_.path, OpenMode::kReadWrite);
  if (!checkpointer.ok()) return checkpointer.status();
  checkpoint_db_ = std::move(*checkpointer);
  // Configured as a reader (query_only): a checkpoint is not a statement
  // and is not stopped by it.
  if (absl::Status status = ConfigureConnection(checkpoint_db_, false);
      !status.ok()) {
    return status;
  }
  writer_db_.SetWalHook(&SqliteEventStore::OnWalCommit, this);
  if (options_.durability == Durability::kFull) {
    // What the migration or the rebuild committed is flushed before the
    // first command, like everything after it.
    wal_ = std::make_unique<WalFile>(writer_db_.WalPath());
    if (absl::Status status = wal_->Sync(); !status.ok()) return status;
  }
  return PrepareReader();
}

absl::Status SqliteEventStore::SettleDeadlineDays() {
  if (absl::Status status = begin_.Run(); !status.ok()) return status;
  const int64_t today = ReportDay(clock_->Now());
  absl::Status status = projections_->SettleDeadlineDays(today);
  if (status.ok()) status = commit_.Run();
  if (!status.ok()) {
    rollback_.Run().IgnoreError();
    return status;
  }
  settled_day_ = today;
  return status;
}

absl::Status SqliteEventStore::RebuildSnapshotsIfAsked() {
  absl::StatusOr<std::optional<int64_t>> asked =
      writer_db_.QueryInt(absl::StrCat("SELECT value FROM meta WHERE key = '",
                                       kMetaRebuildSnapshots, "'"));
  if (!asked.ok()) return asked.status();
  if (!asked->has_value()) return absl::OkStatus();
  if (absl::Status status = begin_.Run(); !status.ok()) return status;
  absl::Status status = [&]() -> absl::Status {
    absl::StatusOr<Statement> page = writer_db_.Prepare(
        "SELECT code, version FROM dossiers WHERE code > ?1 ORDER BY code "
        "LIMIT 1024");
    if (!page.ok()) return page.status();
    std::string after;
    while (true) {
      std::vector<std::pair<std::string, int64_t>> codes;
      page->BindText(1, after);
      if (absl::Status read = page->ForEachRow([&] {
            codes.emplace_back(page->ColumnText(0), page->ColumnInt(1));
            return absl::OkStatus();
          });
          !read.ok()) {
        return read;
      }
      for (const auto& [code, version] : codes) {
        absl::StatusOr<Dossier> dossier = DossierAtVersion(code, version);
        if (!dossier.ok()) return dossier.status();
        if (absl::Status written = projections_->RewriteDossier(*dossier);
            !written.ok()) {
          return written;
        }
      }
      if (codes.size() < 1024) break;
      after = codes.back().first;
    }
    return writer_db_.Execute(absl::StrCat("DELETE FROM meta WHERE key = '",
                                           kMetaRebuildSnapshots, "'"));
  }();
  if (status.ok()) status = commit_.Run();
  if (!status.ok()) rollback_.Run().IgnoreError();
  return status;
}

absl::Status SqliteEventStore::FillUnitReportIfAsked() {
  absl::StatusOr<std::optional<int64_t>> asked =
      writer_db_.QueryInt(absl::StrCat("SELECT value FROM meta WHERE key = '",
                                       kMetaFillUnitReport, "'"));
  if (!asked.ok()) return asked.status();
  if (!asked->has_value()) return absl::OkStatus();
  if (absl::Status status = begin_.Run(); !status.ok()) return status;
  absl::Status status = [&]() -> absl::Status {
    // Each dossier's events once, in order, a page of dossiers at a time;
    // the sums go out whenever they grow large.
    absl::StatusOr<Statement> page = writer_db_.Prepare(
        "SELECT code, version FROM dossiers WHERE code > ?1 ORDER BY code "
        "LIMIT 1024");
    if (!page.ok()) return page.status();
    UnitReportDeltaSums sums;
    std::string after;
    while (true) {
      std::vector<std::pair<std::string, int64_t>> codes;
      page->BindText(1, after);
      if (absl::Status read = page->ForEachRow([&] {
            codes.emplace_back(page->ColumnText(0), page->ColumnInt(1));
            return absl::OkStatus();
          });
          !read.ok()) {
        return read;
      }
      for (const auto& [code, version] : codes) {
        select_events_to_version_.BindText(1, code).BindInt(2, version);
        absl::StatusOr<std::vector<StoredEvent>> events =
            ReadAllEvents(select_events_to_version_);
        if (!events.ok()) return events.status();
        Dossier dossier;
        Dossier previous;
        for (const StoredEvent& stored : *events) {
          const bool first = dossier.version == 0;
          previous = dossier;
          if (absl::Status applied = Apply(dossier, stored.event);
              !applied.ok()) {
            return absl::DataLossError(
                absl::StrCat("dossier ", code, ": event ", stored.sequence,
                             " does not apply: ", applied.message()));
          }
          Projections::AddUnitReport(stored, first ? nullptr : &previous,
                                     dossier, sums);
        }
      }
      if (sums.by_unit.size() >= (1u << 16) || codes.size() < 1024) {
        if (absl::Status written = projections_->WriteUnitReport(sums);
            !written.ok()) {
          return written;
        }
        sums = UnitReportDeltaSums();
      }
      if (codes.size() < 1024) break;
      after = codes.back().first;
    }
    return writer_db_.Execute(absl::StrCat("DELETE FROM meta WHERE key = '",
                                           kMetaFillUnitReport, "'"));
  }();
  if (status.ok()) status = commit_.Run();
  if (!status.ok()) rollback_.Run().IgnoreError();
  return status;
}

absl::Status SqliteEventStore::PrepareWriter() {
  absl::StatusOr<std::unique_ptr<Projections>> projections =
      Projections::Prepare(writer_db_);
  if (!projections.ok()) return projections.status();
  projections_ = std::move(*projections);
  cache_ = std::make_unique<DossierCache>(*projections_,
                                          options_.state_cache_entries);
  struct Entry {
    Statement* statement;
    const char* sql;
  };
  // When a batch runs again isolated, one savepoint per command, nested in
  // the batch's transaction: a command that fails half-way leaves nothing
  // behind, and the others still commit.
  const Entry entries[] = {
      {&begin_, "BEGIN IMMEDIATE"},
      {&commit_, "COMMIT"},
      {&rollback_, "ROLLBACK"},
      {&savepoint_, "SAVEPOINT command"},
      {&release_, "RELEASE command"},
      {&rollback_to_, "ROLLBACK TO command"},
      {&select_events_to_version_,
       "SELECT sequence, dossier_code, dossier_version, type, occurred_at, "
       "recorded_at, actor, rule_version, payload, previous_hash, hash FROM "
       "events WHERE dossier_code = ?1 AND dossier_version <= ?2 ORDER BY "
       "dossier_version"},
  };
  for (const Entry& entry : entries) {
    absl::StatusOr<Statement> statement = writer_db_.Prepare(entry.sql);
    if (!statement.ok()) return statement.status();
    *entry.statement = std::move(*statement);
  }
  return absl::OkStatus();
}

absl::Status SqliteEventStore::PrepareReader() {
  absl::MutexLock lock(&read_mu_);
  absl::StatusOr<Database> reader =
      Database::Open(options_.path, OpenMode::kReadOnly);
  if (!reader.ok()) return reader.status();
  reader_db_ = std::move(*reader);
  if (absl::Status status = ConfigureConnection(reader_db_, false);
      !status.ok()) {
    return status;
  }
  struct Entry {
    Statement* statement;
    std::string sql;
  };
  const Entry entries[] = {
      {&read_dossier_, "SELECT snapshot FROM dossiers WHERE code = ?1"},
      {&read_dossier_events_,
       absl::StrCat("SELECT ", kEventColumnsWithAgency,
                    " FROM events LEFT JOIN dossiers ON code = dossier_code "
                    "WHERE dossier_code = ?1 AND sequence <= ?2 "
                    "ORDER BY dossier_version")},
      {&read_events_,
       absl::StrCat("SELECT ", kEventColumnsWithAgency,
                    " FROM events LEFT JOIN dossiers ON code = dossier_code "
                    "WHERE sequence > ?1 AND sequence <= ?3 ORDER BY "
                    "sequence LIMIT ?2")},
  };
  for (const Entry& entry : entries) {
    absl::StatusOr<Statement> statement = reader_db_.Prepare(entry.sql);
    if (!statement.ok()) return statement.status();
    *entry.statement = std::move(*statement);
  }
  return absl::OkStatus();
}

absl::Status SqliteEventStore::LoadHead() {
  absl::StatusOr<Statement> meta = writer_db_.Prepare(
      "SELECT (SELECT value FROM meta WHERE key = ?1), "
      "(SELECT value FROM meta WHERE key = ?2)");
  if (!meta.ok()) return meta.status();
  meta->BindText(1, kMetaHeadSequence).BindText(2, kMetaHeadHash);
  absl::StatusOr<bool> row = meta->Step();
  if (!row.ok()) return row.status();
  LogHead head;
  head.sequence = meta->ColumnOptionalInt(0).value_or(0);
  head.hash =
      meta->ColumnIsNull(1) ? GenesisHash() : std::string(meta->ColumnBlob(1));

  // The recorded head must be the log's last event; otherwise events were
  // removed from (or added to) the end behind motcua's back, and appending
  // would bury the damage.
  absl::StatusOr<Statement> last = writer_db_.Prepare(
      "SELECT sequence, hash FROM events ORDER BY sequence DESC LIMIT 1");
  if (!last.ok()) return last.status();
  absl::StatusOr<bool> has_last = last->Step();
  if (!has_last.ok()) return has_last.status();
  const int64_t last_sequence = *has_last ? last->ColumnInt(0) : 0;
  const std::string last_hash =
      *has_last ? std::string(last->ColumnBlob(1)) : GenesisHash();
  if (last_sequence != head.sequence || last_hash != head.hash) {
    return absl::DataLossError(absl::StrCat(
        "database ", options_.path, ": the log ends at sequence ",
        last_sequence, " but its recorded head is sequence ", head.sequence,
        "; events were removed or added outside motcua. Run `motcua audit "
        "verify` and restore a backup"));
  }
  absl::StatusOr<LogWriter> log = LogWriter::Prepare(writer_db_);
  if (!log.ok()) return log.status();
  log_ = std::move(*log);
  chain_.Rewind(std::move(head));
  return absl::OkStatus();
}

void SqliteEventStore::SetRules(std::shared_ptr<const RuleSet> rules) {
  if (rules == nullptr) return;
  absl::MutexLock lock(&rules_mu_);
  rules_ = std::move(rules);
}

absl::Status SqliteEventStore::Execute(
    CommandRequest request, std::function<void(CommandOutcome)> done) {
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

void SqliteEventStore::RefuseCommands(absl::Status reason) {
  absl::MutexLock lock(&queue_mu_);
  refused_ = std::move(reason);
}

void SqliteEventStore::Close() {
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

int SqliteEventStore::OnWalCommit(void* store, sqlite3* /*connection*/,
                                  const char* /*database*/, int frames) {
  auto* self = static_cast<SqliteEventStore*>(store);
  self->wal_frames_ = frames;
  if (frames >= kCheckpointFrames) {
    absl::MutexLock lock(&self->checkpoint_mu_);
    self->checkpoint_wanted_ = true;
  }
  return 0;
}

void SqliteEventStore::CheckpointerLoop() {
  while (true) {
    {
      absl::MutexLock lock(&checkpoint_mu_);
      checkpoint_mu_.Await(absl::Condition(
          +[](SqliteEventStore* self) {
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

// ---------------------------------------------------------------------------
// The writer

void SqliteEventStore::WriterLoop() {
  std::vector<Pending> batch;
  absl::Status failed;
  while (true) {
    {
      absl::MutexLock lock(&queue_mu_);
      queue_mu_.Await(absl::Condition(this, &SqliteEventStore::WriterHasWork));
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
      std::vector<CommandOutcome> refusals(batch.size(), Refusal(failed));
      Hand(Committed{std::move(batch), std::move(refusals),
                     chain_.head().sequence});
      batch.clear();
      continue;
    }
    ProcessBatch(batch);
    batch.clear();
  }
}

bool SqliteEventStore::WriterHasWork() const {
  return !queue_.empty() || stopping_;
}

void SqliteEventStore::ProcessBatch(std::vector<Pending>& batch) {
  std::shared_ptr<const RuleSet> rules;
  {
    absl::MutexLock lock(&rules_mu_);
    rules = rules_;
  }
  std::vector<CommandOutcome> outcomes;
  outcomes.reserve(batch.size());

  // The first transaction of a day first counts the days that ended since
  // the last one in deadline_totals.
  const int64_t today = ReportDay(clock_->Now());
  auto begin = [&] {
    absl::Status begun = begin_.Run();
    if (begun.ok() && today != settled_day_) {
      begun = projections_->SettleDeadlineDays(today);
    }
    return begun;
  };
  absl::Status status = begin();
  bool appended = false;
  if (status.ok()) {
    const LogHead batch_head = chain_.head();
    // The common path writes each command without a savepoint (a savepoint
    // copies every page a command first touches). A command whose writes
    // fail part-way, which only a storage error or a broken invariant
    // causes, would leave half its rows: the whole batch is then rolled
    // back and run again with one savepoint per command, so that only that
    // command is refused.
    // SQLite itself ends the transaction on some errors (a full disk, an
    // I/O error): then nothing of the batch is left to save.
    auto transaction_lost = [&] {
      if (writer_db_.InTransaction()) return false;
      status = outcomes.back().status;
      return true;
    };
    bool write_failed = false;
    for (Pending& pending : batch) {
      outcomes.push_back(ProcessCommand(pending.request, *rules,
                                        /*isolated=*/false, write_failed));
      if (write_failed) break;
    }
    if (write_failed && !transaction_lost()) {
      rollback_.Run().IgnoreError();
      cache_->Clear();
      chain_.Rewind(batch_head);
      outcomes.clear();
      status = begin();
      if (status.ok()) {
        for (Pending& pending : batch) {
          outcomes.push_back(ProcessCommand(pending.request, *rules,
                                            /*isolated=*/true, write_failed));
          if (transaction_lost()) break;
        }
      }
    }
    appended = chain_.head().sequence != batch_head.sequence;
    if (appended && status.ok()) status = log_.WriteHead(chain_.head());
    if (status.ok()) status = commit_.Run();
    if (status.ok()) settled_day_ = today;
    if (!status.ok()) {
      // Nothing of the batch is durable: forget what it did to the states
      // and the head, and tell every caller.
      rollback_.Run().IgnoreError();
      cache_->Clear();
      chain_.Rewind(batch_head);
    }
  }
  if (!status.ok()) {
    outcomes.assign(
        batch.size(),
        Refusal(absl::Status(
            status.code(),
            absl::StrCat("the batch could not be committed; nothing was "
                         "recorded: ",
                         status.message()))));
  }
  if (status.ok()) {
    batches_committed_.fetch_add(1, std::memory_order_relaxed);
    commands_committed_.fetch_add(batch.size(), std::memory_order_relaxed);
    uint64_t events = 0;
    for (const CommandOutcome& outcome : outcomes)
      events += outcome.events.size();
    events_committed_.fetch_add(events, std::memory_order_relaxed);
  }
  {
    BatchResult result;
    result.commands = batch.size();
    result.wrote = status.ok() && appended;
    if (IsStorageFull(status)) {
      result.storage_full = batch.size();
      result.storage_full_status = status;
    } else {
      for (const CommandOutcome& outcome : outcomes) {
        if (!IsStorageFull(outcome.status)) continue;
        if (result.storage_full++ == 0) {
          result.storage_full_status = outcome.status;
        }
      }
    }
    absl::MutexLock lock(&observer_mu_);
    if (batch_observer_) batch_observer_(result);
  }
  if (status.ok() && wal_frames_ >= kWriterCheckpointFrames) {
    // Copies what the checkpointer has not (after its pass in progress, if
    // any), so that the next batch starts the WAL again from its beginning.
    absl::MutexLock running(&checkpoint_running_mu_);
    writer_db_.CheckpointPassive().IgnoreError();
  }
  Hand(
      Committed{std::move(batch), std::move(outcomes), chain_.head().sequence});
  batch.clear();
}

void SqliteEventStore::Hand(Committed committed) {
  if (wal_ == nullptr) {
    Deliver(committed, /*durable=*/true);
    return;
  }
  // Even a batch that appended nothing waits: its answers (a repeated
  // command's, say) may rest on an earlier batch not yet flushed.
  absl::MutexLock lock(&flush_mu_);
  flush_queue_.push_back(std::move(committed));
}

void SqliteEventStore::FlusherLoop() {
  std::deque<Committed> taken;
  while (true) {
    {
      absl::MutexLock lock(&flush_mu_);
      flush_mu_.Await(absl::Condition(this, &SqliteEventStore::FlusherHasWork));
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
        committed.outcomes.assign(committed.batch.size(), Refusal(status));
      }
      Deliver(committed, status.ok());
    }
    taken.clear();
  }
}

bool SqliteEventStore::FlusherHasWork() const {
  return !flush_queue_.empty() || flush_stopping_;
}

void SqliteEventStore::Deliver(Committed& committed, bool durable) {
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

void SqliteEventStore::Answered(size_t commands) {
  absl::MutexLock lock(&queue_mu_);
  unanswered_ -= commands;
}

CommandOutcome SqliteEventStore::ProcessCommand(const CommandRequest& request,
                                                const RuleSet& rules,
                                                bool isolated,
                                                bool& write_failed) {
  const Command& command = request.command;
  CommandOutcome outcome;

  RequestTag tag;
  if (!request.request_id.empty()) {
    tag.id = request.request_id;
    tag.fingerprint = CommandFingerprint(request);
    absl::StatusOr<std::optional<RequestRecord>> first =
        projections_->LoadRequest(request.request_id);
    if (!first.ok()) return Refusal(first.status());
    if (first->has_value()) {
      return AnswerUsedRequestId(request, **first, tag.fingerprint);
    }
  }

  absl::StatusOr<const Dossier*> found = cache_->Find(command.dossier_code);
  if (!found.ok()) return Refusal(found.status());
  const Dossier* before = *found;
  // Another agency's dossier is decided as if the code named none, so that
  // no refusal (a stale version, a lifecycle state, different content)
  // tells the caller more than a missing code would.
  const bool hidden =
      before != nullptr && request.may_see && !request.may_see(before->agency);
  const Dossier* seen = hidden ? nullptr : before;
  if (request.expected_version.has_value() && seen != nullptr &&
      seen->version != *request.expected_version) {
    return Refusal(absl::AbortedError(absl::StrCat(
        "dossier ", command.dossier_code, " is at version ", seen->version,
        "; the command expected version ", *request.expected_version)));
  }

  // Storage keeps microseconds: decide with the instant that is recorded.
  const absl::Time now = ToStoredPrecision(clock_->Now());
  absl::StatusOr<std::vector<Event>> decided =
      Decide(seen, command, rules, now);
  if (!decided.ok()) return Refusal(decided.status());
  if (hidden) {
    // Only a submission gets here (any other action on a code that names
    // no dossier is NOT_FOUND): the code is taken, which is all the
    // refusal can tell, and what a valid submission cannot avoid learning.
    return Refusal(DossierExistsError(command.dossier_code));
  }
  if (decided->empty()) {
    // The same submission again: answer with the dossier as it is.
    if (before == nullptr) {
      return Refusal(absl::InternalError(
          absl::StrCat("the engine decided nothing for dossier ",
                       command.dossier_code, ", which does not exist")));
    }
    outcome.dossier = *before;
    outcome.repeated = true;
    return outcome;
  }

  if (!isolated) {
    absl::Status status =
        AppendEvents(tag, before, std::move(*decided), now, outcome);
    if (!status.ok()) {
      write_failed = true;
      return Refusal(status);
    }
    cache_->Remember(*outcome.dossier);
    return outcome;
  }
  if (absl::Status status = savepoint_.Run(); !status.ok()) {
    return Refusal(status);
  }
  const LogHead saved_head = chain_.head();
  absl::Status status =
      AppendEvents(tag, before, std::move(*decided), now, outcome);
  if (!status.ok()) {
    rollback_to_.Run().IgnoreError();
    release_.Run().IgnoreError();
    chain_.Rewind(saved_head);
    return Refusal(status);
  }
  if (absl::Status released = release_.Run(); !released.ok()) {
    chain_.Rewind(saved_head);
    return Refusal(released);
  }
  cache_->Remember(*outcome.dossier);
  return outcome;
}

CommandOutcome SqliteEventStore::AnswerUsedRequestId(
    const CommandRequest& request, const RequestRecord& first,
    absl::string_view fingerprint) {
  // The first command's answer is the dossier as it left it, rebuilt from
  // its events (retries are rare; the log is the truth). Its last event
  // also says who sent it: the actor, the caller's name.
  Event first_event;
  absl::StatusOr<Dossier> first_answer =
      DossierAtVersion(first.dossier_code, first.dossier_version, &first_event);
  if (!first_answer.ok()) return Refusal(first_answer.status());
  // A request id belongs to the caller who first used it, and its answer
  // shows a dossier: anyone else, or the owner no longer allowed to see the
  // dossier, learns only that the id is taken.
  if (first_event.actor != request.command.actor ||
      (request.may_see && !request.may_see(first_answer->agency))) {
    return Refusal(absl::AlreadyExistsError(absl::StrCat(
        "request_id: ", request.request_id,
        " is already taken; send each command with a request_id of its "
        "own")));
  }
  // A command logged before fingerprints were kept is compared by what its
  // events tell: the dossier, and the action by the type of its last event.
  const bool same_command =
      first.fingerprint.empty()
          ? first.dossier_code == request.command.dossier_code &&
                ActionEventTypeName(request.command.action) ==
                    EventTypeName(first_event.body)
          : first.fingerprint == fingerprint;
  if (!same_command) {
    absl::string_view action =
        ActionNameOfEventType(EventTypeName(first_event.body));
    return Refusal(absl::AlreadyExistsError(absl::StrCat(
        "request_id: ", request.request_id, " was already used for ",
        action.empty() ? "another command" : action, " on dossier ",
        first.dossier_code,
        "; a different command needs a new request_id (a retry sends the "
        "same command again)")));
  }
  CommandOutcome outcome;
  outcome.dossier = *std::move(first_answer);
  outcome.repeated = true;
  return outcome;
}

absl::Status SqliteEventStore::AppendEvents(const RequestTag& tag,
                                            const Dossier* before,
                                            std::vector<Event> events,
                                            absl::Time now,
                                            CommandOutcome& outcome) {
  Dossier state = before != nullptr ? *before : Dossier();
  for (Event& event : events) {
    absl::StatusOr<SealedEvent> sealed =
        chain_.Seal(std::move(event), tag.id, now, tag.fingerprint);
    if (!sealed.ok()) return sealed.status();
    if (absl::Status status = log_.Insert(*sealed); !status.ok()) {
      return status;
    }
    Dossier after = state;
    if (absl::Status status = Apply(after, sealed->stored.event);
        !status.ok()) {
      return absl::InternalError(absl::StrCat(
          "the engine's own event does not apply: ", status.message()));
    }
    if (absl::Status status = projections_->Update(
            sealed->stored, tag, state.version == 0 ? nullptr : &state, after);
        !status.ok()) {
      return status;
    }
    state = std::move(after);
    outcome.events.push_back(std::move(sealed->stored));
  }
  outcome.dossier = std::move(state);
  return absl::OkStatus();
}

absl::StatusOr<Dossier> SqliteEventStore::DossierAtVersion(
    const std::string& code, int64_t version, Event* last) {
  select_events_to_version_.BindText(1, code).BindInt(2, version);
  absl::StatusOr<std::vector<StoredEvent>> events =
      ReadAllEvents(select_events_to_version_);
  if (!events.ok()) return events.status();
  Dossier dossier;
  for (const StoredEvent& stored : *events) {
    if (absl::Status status = Apply(dossier, stored.event); !status.ok()) {
      return absl::DataLossError(
          absl::StrCat("dossier ", code, ": event ", stored.sequence,
                       " does not apply: ", status.message()));
    }
  }
  if (dossier.version != version) {
    return absl::DataLossError(absl::StrCat(
        "dossier ", code, " has no version ", version, " in the log"));
  }
  if (last != nullptr) *last = std::move(events->back().event);
  return dossier;
}

// ---------------------------------------------------------------------------
// Reads

absl::StatusOr<Dossier> SqliteEventStore::ReadDossier(const std::string& code) {
  absl::MutexLock lock(&read_mu_);
  read_dossier_.BindText(1, code);
  absl::StatusOr<bool> row = read_dossier_.Step();
  if (!row.ok() || !*row) {
    read_dossier_.Reset();
    if (!row.ok()) return row.status();
    return DossierNotFoundError(code);
  }
  absl::StatusOr<Dossier> dossier =
      DecodeDossierSnapshot(read_dossier_.ColumnBlob(0));
  read_dossier_.Reset();
  if (!dossier.ok()) {
    return absl::DataLossError(absl::StrCat(
        "dossier ", code, ": stored snapshot: ", dossier.status().message()));
  }
  return dossier;
}

absl::StatusOr<std::vector<StoredEvent>> SqliteEventStore::ReadDossierEvents(
    const std::string& code) {
  absl::MutexLock lock(&read_mu_);
  // The log as readers see it ends at its last durable event.
  read_dossier_events_.BindText(1, code).BindInt(2, durable_sequence_.load());
  return ReadAllEvents(read_dossier_events_);
}

absl::StatusOr<std::vector<StoredEvent>> SqliteEventStore::ReadEvents(
    int64_t after_sequence, int64_t limit) {
  if (limit <= 0) return std::vector<StoredEvent>();
  absl::MutexLock lock(&read_mu_);
  read_events_.BindInt(1, after_sequence)
      .BindInt(2, limit)
      .BindInt(3, durable_sequence_.load());
  return ReadAllEvents(read_events_);
}

absl::StatusOr<int64_t> SqliteEventStore::LastSequence() {
  return durable_sequence_.load();
}

absl::StatusOr<Statement*> SqliteEventStore::ReaderStatement(
    const std::string& sql) {
  auto [it, inserted] = read_queries_.try_emplace(sql);
  if (inserted) {
    absl::StatusOr<Statement> statement = reader_db_.Prepare(sql);
    if (!statement.ok()) {
      read_queries_.erase(it);
      return statement.status();
    }
    it->second = std::make_unique<Statement>(std::move(*statement));
  }
  return it->second.get();
}

absl::StatusOr<std::vector<Dossier>> SqliteEventStore::ListDossiers(
    const DossierFilter& filter, const std::string& after_code, int limit) {
  if (limit <= 0) return std::vector<Dossier>();
  // Each filter is an equality on an indexed column; the text of the
  // statement depends only on which filters are set.
  std::string sql = "SELECT snapshot FROM dossiers WHERE code > ?1";
  if (!filter.agency.empty()) absl::StrAppend(&sql, " AND agency = ?2");
  if (!filter.procedure_code.empty()) {
    absl::StrAppend(&sql, " AND procedure_code = ?3");
  }
  if (!filter.unit.empty()) absl::StrAppend(&sql, " AND current_unit = ?4");
  if (filter.state.has_value()) absl::StrAppend(&sql, " AND state = ?5");
  absl::StrAppend(&sql, " ORDER BY code LIMIT ?6");

  absl::MutexLock lock(&read_mu_);
  absl::StatusOr<Statement*> statement = ReaderStatement(sql);
  if (!statement.ok()) return statement.status();
  Statement& query = **statement;
  query.BindText(1, after_code).BindInt(6, limit);
  if (!filter.agency.empty()) query.BindText(2, filter.agency);
  if (!filter.procedure_code.empty()) query.BindText(3, filter.procedure_code);
  if (!filter.unit.empty()) query.BindText(4, filter.unit);
  if (filter.state.has_value()) {
    query.BindInt(5, static_cast<int64_t>(*filter.state));
  }
  std::vector<Dossier> dossiers;
  absl::Status status = query.ForEachRow([&]() -> absl::Status {
    absl::StatusOr<Dossier> dossier =
        DecodeDossierSnapshot(query.ColumnBlob(0));
    if (!dossier.ok()) {
      return absl::DataLossError(absl::StrCat("a stored dossier snapshot: ",
                                              dossier.status().message()));
    }
    dossiers.push_back(*std::move(dossier));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return dossiers;
}

namespace {
const char* DeadlineKindName(DeadlineKind kind) {
  return kind == DeadlineKind::kDossier ? "dossier" : "step";
}
}  // namespace

absl::StatusOr<std::vector<Deadline>> SqliteEventStore::ListDeadlines(
    const DeadlineQuery& query) {
  if (query.limit <= 0) return std::vector<Deadline>();
  std::string sql = absl::StrCat(
      "SELECT d.dossier_code, d.due_at, d.step_id, d.unit, d.agency, "
      "d.procedure_code",
      query.with_dossiers ? ", s.snapshot" : "", " FROM deadlines d",
      // With an agency, its range of deadlines_by_agency (which holds the
      // procedure too) is the smallest that keeps the order: without the
      // hint SQLite may take a procedure's range over every agency and
      // look each row's agency up.
      query.agency.empty() ? "" : " INDEXED BY deadlines_by_agency",
      query.with_dossiers ? " JOIN dossiers s ON s.code = d.dossier_code" : "",
      " WHERE d.kind = ?1 AND d.due_at >= ?2 AND d.due_at < ?3");
  if (!query.agency.empty()) absl::StrAppend(&sql, " AND d.agency = ?4");
  if (!query.unit.empty()) absl::StrAppend(&sql, " AND d.unit = ?5");
  if (!query.procedure_code.empty()) {
    absl::StrAppend(&sql, " AND d.procedure_code = ?6");
  }
  if (query.after.has_value()) {
    // A step's row follows its dossier's at the same (due_at, code): after
    // a dossier's row, the step's at the same place still comes.
    const bool same_place_follows = query.kind == DeadlineKind::kStep &&
                                    query.after->kind == DeadlineKind::kDossier;
    absl::StrAppend(&sql, " AND (d.due_at, d.dossier_code) ",
                    same_place_follows ? ">=" : ">", " (?7, ?8)");
  }
  absl::StrAppend(&sql, " ORDER BY d.due_at, d.dossier_code LIMIT ?9");

  absl::MutexLock lock(&read_mu_);
  absl::StatusOr<Statement*> statement = ReaderStatement(sql);
  if (!statement.ok()) return statement.status();
  Statement& select = **statement;
  select.BindText(1, DeadlineKindName(query.kind))
      .BindInt(2, ToStoredMicros(query.due_from))
      .BindInt(3, ToStoredMicros(query.due_before))
      .BindInt(9, query.limit);
  if (!query.agency.empty()) select.BindText(4, query.agency);
  if (!query.unit.empty()) select.BindText(5, query.unit);
  if (!query.procedure_code.empty()) select.BindText(6, query.procedure_code);
  if (query.after.has_value()) {
    select.BindInt(7, ToStoredMicros(query.after->due_at))
        .BindText(8, query.after->dossier_code);
  }
  std::vector<Deadline> deadlines;
  absl::Status status = select.ForEachRow([&] {
    Deadline& deadline = deadlines.emplace_back();
    deadline.dossier_code = std::string(select.ColumnText(0));
    deadline.kind = query.kind;
    deadline.due_at = FromStoredMicros(select.ColumnInt(1));
    deadline.step_id = std::string(select.ColumnText(2));
    deadline.unit = std::string(select.ColumnText(3));
    deadline.agency = std::string(select.ColumnText(4));
    deadline.procedure_code = std::string(select.ColumnText(5));
    if (query.with_dossiers) {
      absl::StatusOr<Dossier> dossier =
          DecodeDossierSnapshot(select.ColumnBlob(6));
      if (!dossier.ok()) {
        return absl::DataLossError(
            absl::StrCat("dossier ", deadline.dossier_code,
                         ": stored snapshot: ", dossier.status().message()));
      }
      deadline.dossier = *std::move(dossier);
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return deadlines;
}

absl::StatusOr<std::vector<ScheduledThreshold>>
SqliteEventStore::ListThresholds(absl::Time from, absl::Time before,
                                 const std::optional<ThresholdCursor>& after,
                                 int limit) {
  if (limit <= 0) return std::vector<ScheduledThreshold>();
  std::string sql =
      "SELECT dossier_code, target, at, threshold_index FROM thresholds "
      "INDEXED BY thresholds_by_time WHERE at >= ?1 AND at < ?2";
  if (after.has_value()) {
    absl::StrAppend(&sql, " AND (at, dossier_code, target) > (?3, ?4, ?5)");
  }
  absl::StrAppend(&sql, " ORDER BY at, dossier_code, target LIMIT ?6");

  absl::MutexLock lock(&read_mu_);
  absl::StatusOr<Statement*> statement = ReaderStatement(sql);
  if (!statement.ok()) return statement.status();
  Statement& select = **statement;
  select.BindInt(1, ToStoredMicros(from))
      .BindInt(2, ToStoredMicros(before))
      .BindInt(6, limit);
  if (after.has_value()) {
    select.BindInt(3, ToStoredMicros(after->at))
        .BindText(4, after->dossier_code)
        .BindInt(5, static_cast<int64_t>(after->target));
  }
  std::vector<ScheduledThreshold> thresholds;
  absl::Status status = select.ForEachRow([&] {
    ScheduledThreshold& threshold = thresholds.emplace_back();
    threshold.dossier_code = std::string(select.ColumnText(0));
    threshold.target = select.ColumnInt(1) == 0 ? ThresholdTarget::kDossier
                                                : ThresholdTarget::kStep;
    threshold.at = FromStoredMicros(select.ColumnInt(2));
    threshold.index = static_cast<int>(select.ColumnInt(3));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return thresholds;
}

absl::StatusOr<std::vector<AgencyCount>>
SqliteEventStore::CountDeadlinesByAgency(DeadlineKind kind,
                                         absl::Time due_before,
                                         const std::string& agency) {
  // Three parts, in one statement (one read transaction): the totals of the
  // days before the settled day, the days from it to the day before
  // due_before's, and that day's deadlines up to due_before from the index.
  // Asked about a day before the settled one, the days are summed from the
  // first.
  const int64_t day = ReportDay(due_before);
  const absl::Time day_start =
      absl::FromCivil(absl::CivilDay(1970, 1, 1) + day, ReportZone());
  const bool one = !agency.empty();
  const char* of_agency = one ? " AND agency = ?5" : "";
  const std::string sql = absl::StrCat(
      "WITH settled (day) AS (SELECT coalesce((SELECT value FROM meta WHERE "
      "key = '",
      kMetaDeadlinesSettledDay,
      "'), 0)), "
      "first (day) AS (SELECT iif(day <= ?2, day, 0) FROM settled) "
      "SELECT agency, sum(n) FROM ("
      "SELECT agency, count AS n FROM deadline_totals WHERE kind = ?1 AND "
      "(SELECT day FROM first) > 0",
      of_agency,
      " UNION ALL SELECT agency, sum(count) AS n FROM deadline_days WHERE "
      "kind = ?1 AND due_day >= (SELECT day FROM first) AND due_day < ?2",
      of_agency,
      " GROUP BY agency UNION ALL SELECT agency, count(*) AS n FROM "
      "deadlines INDEXED BY ",
      one ? "deadlines_by_agency" : "deadlines_by_kind",
      " WHERE kind = ?1 AND due_at >= ?3 AND due_at < ?4", of_agency,
      " GROUP BY agency) GROUP BY agency ORDER BY agency");
  absl::MutexLock lock(&read_mu_);
  absl::StatusOr<Statement*> statement = ReaderStatement(sql);
  if (!statement.ok()) return statement.status();
  Statement& select = **statement;
  select.BindText(1, DeadlineKindName(kind))
      .BindInt(2, day)
      .BindInt(3, ToStoredMicros(day_start))
      .BindInt(4, ToStoredMicros(due_before));
  if (one) select.BindText(5, agency);
  std::vector<AgencyCount> counts;
  absl::Status status = select.ForEachRow([&] {
    counts.push_back(
        AgencyCount{std::string(select.ColumnText(0)), select.ColumnInt(1)});
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return counts;
}

absl::StatusOr<std::vector<ReportRow>> SqliteEventStore::Report(
    const ReportQuery& query) {
  const bool by_unit = query.group_by == ReportGrouping::kUnit;
  const char* group = query.group_by == ReportGrouping::kAgency ? "agency"
                      : query.group_by == ReportGrouping::kProcedure
                          ? "procedure_code"
                      : by_unit ? "unit"
                                : "field";
  // One pass over the days up to the period's end: flows inside the period,
  // levels before it (carried over) and up to its end.
  std::string sql = absl::StrCat(
      "SELECT ", group,
      ", measure, SUM(CASE WHEN day >= ?1 THEN delta ELSE 0 END), "
      "SUM(CASE WHEN day < ?1 THEN delta ELSE 0 END) FROM ",
      by_unit ? "unit_report_deltas" : "report_deltas", " WHERE day <= ?2");
  if (!query.agency.empty()) absl::StrAppend(&sql, " AND agency = ?3");
  absl::StrAppend(&sql, " GROUP BY ", group, ", measure ORDER BY ", group);

  std::vector<std::pair<std::string, ReportSums>> groups;
  {
    absl::MutexLock lock(&read_mu_);
    absl::StatusOr<Statement*> statement = ReaderStatement(sql);
    if (!statement.ok()) return statement.status();
    Statement& select = **statement;
    select.BindInt(1, ReportDay(query.from)).BindInt(2, ReportDay(query.to));
    if (!query.agency.empty()) select.BindText(3, query.agency);
    absl::Status status = select.ForEachRow([&] {
      const absl::string_view name = select.ColumnText(0);
      if (groups.empty() || groups.back().first != name) {
        groups.emplace_back(std::string(name), ReportSums());
      }
      ReportSums& sums = groups.back().second;
      const auto measure = static_cast<ReportMeasure>(select.ColumnInt(1));
      const int64_t in_period = select.ColumnInt(2);
      const int64_t before = select.ColumnInt(3);
      if (IsLevel(measure)) {
        sums.levels_before[measure] += before;
        sums.levels_at_end[measure] += before + in_period;
      } else {
        sums.flows[measure] += in_period;
      }
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
  }
  std::vector<ReportRow> rows;
  for (const auto& [name, sums] : groups) {
    // A step ends when it is handed on or its dossier resolved: the units'
    // deltas hold resolutions only.
    ReportRow row = BuildReportRow(
        name, sums, by_unit ? CountResolutionAt::kResolution : query.count_at);
    if (row.received == 0 && row.resolved == 0) continue;
    rows.push_back(std::move(row));
  }
  return rows;
}

absl::StatusOr<std::vector<StateCount>>
SqliteEventStore::CountDossiersByState() {
  absl::MutexLock lock(&read_mu_);
  absl::StatusOr<Statement*> statement = ReaderStatement(
      "SELECT agency, state, SUM(count) FROM counters GROUP BY agency, state "
      "ORDER BY agency, state");
  if (!statement.ok()) return statement.status();
  Statement& select = **statement;
  std::vector<StateCount> counts;
  absl::Status status = select.ForEachRow([&] {
    counts.push_back(StateCount{
        std::string(select.ColumnText(0)),
        static_cast<LifecycleState>(select.ColumnInt(1)), select.ColumnInt(2)});
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return counts;
}

WriterStats SqliteEventStore::Stats() const {
  WriterStats stats;
  stats.batches = batches_committed_.load(std::memory_order_relaxed);
  stats.commands = commands_committed_.load(std::memory_order_relaxed);
  stats.events = events_committed_.load(std::memory_order_relaxed);
  return stats;
}

void SqliteEventStore::SetCommitObserver(
    std::function<void(int64_t)> observer) {
  absl::MutexLock lock(&observer_mu_);
  commit_observer_ = std::move(observer);
}

void SqliteEventStore::SetBatchObserver(
    std::function<void(const BatchResult&)> observer) {
  absl::MutexLock lock(&observer_mu_);
  batch_observer_ = std::move(observer);
}

}  // namespace motcua::store
