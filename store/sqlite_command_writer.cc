#include "store/sqlite_command_writer.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/report.h"
#include "engine/status_macros.h"
#include "store/command_decision.h"
#include "store/event_codec.h"
#include "store/event_rows.h"
#include "store/schema.h"
#include "store/sqlite_connection.h"

namespace motcua::store {
namespace {

// Dossiers read at a time when a migration walks all of them.
constexpr int kDossierPage = 1024;

}  // namespace

absl::StatusOr<std::unique_ptr<CommandWriter>> CommandWriter::Open(
    const StoreOptions& options, const Clock* clock) {
  std::unique_ptr<CommandWriter> writer(new CommandWriter(options, clock));
  RETURN_IF_ERROR(writer->Initialize());
  return writer;
}

CommandWriter::CommandWriter(const StoreOptions& options, const Clock* clock)
    : options_(options), clock_(clock) {}

absl::Status CommandWriter::Initialize() {
  ASSIGN_OR_RETURN(db_,
                   Database::Open(options_.path, OpenMode::kReadWriteCreate));
  RETURN_IF_ERROR(ConfigureConnection(db_, ConnectionRole::kWriter));
  RETURN_IF_ERROR(MigrateSchema(db_, options_.path));
  RETURN_IF_ERROR(PrepareStatements());
  RETURN_IF_ERROR(LoadHead());
  RETURN_IF_ERROR(RebuildSnapshotsIfAsked());
  RETURN_IF_ERROR(FillUnitReportIfAsked());
  RETURN_IF_ERROR(SettleDeadlineDays());
  db_.SetWalHook(&CommandWriter::OnWalCommit, this);
  return absl::OkStatus();
}

int CommandWriter::OnWalCommit(void* writer, sqlite3* /*connection*/,
                               const char* /*database*/, int frames) {
  auto* self = static_cast<CommandWriter*>(writer);
  self->wal_frames_ = frames;
  if (self->wal_observer_) self->wal_observer_(frames);
  return 0;
}

absl::Status CommandWriter::InTransaction(
    const std::function<absl::Status()>& work) {
  RETURN_IF_ERROR(begin_.Run());
  absl::Status status = work();
  if (status.ok()) status = commit_.Run();
  if (!status.ok()) rollback_.Run().IgnoreError();
  return status;
}

absl::Status CommandWriter::SettleDeadlineDays() {
  const int64_t today = ReportDay(clock_->Now());
  RETURN_IF_ERROR(
      InTransaction([&] { return projections_->SettleDeadlineDays(today); }));
  settled_day_ = today;
  return absl::OkStatus();
}

absl::Status CommandWriter::ForEachDossierVersion(
    const std::function<absl::Status(const std::string& code, int64_t version)>&
        work,
    const std::function<absl::Status(bool last_page)>& page_done) {
  ASSIGN_OR_RETURN(
      Statement page,
      db_.Prepare(absl::StrCat("SELECT code, version FROM dossiers WHERE code "
                               "> ?1 ORDER BY code LIMIT ",
                               kDossierPage)));
  std::string after;
  while (true) {
    std::vector<std::pair<std::string, int64_t>> codes;
    page.BindText(1, after);
    RETURN_IF_ERROR(page.ForEachRow([&] {
      codes.emplace_back(page.ColumnText(0), page.ColumnInt(1));
      return absl::OkStatus();
    }));
    for (const auto& [code, version] : codes) {
      RETURN_IF_ERROR(work(code, version));
    }
    const bool last_page = codes.size() < kDossierPage;
    RETURN_IF_ERROR(page_done(last_page));
    if (last_page) return absl::OkStatus();
    after = codes.back().first;
  }
}

absl::Status CommandWriter::RebuildSnapshotsIfAsked() {
  ASSIGN_OR_RETURN(
      std::optional<int64_t> asked,
      db_.QueryInt(absl::StrCat("SELECT value FROM meta WHERE key = '",
                                kMetaRebuildSnapshots, "'")));
  if (!asked.has_value()) return absl::OkStatus();
  return InTransaction([&]() -> absl::Status {
    RETURN_IF_ERROR(ForEachDossierVersion(
        [&](const std::string& code, int64_t version) -> absl::Status {
          ASSIGN_OR_RETURN(Dossier dossier,
                           DossierAtVersion(*this, code, version));
          return projections_->RewriteDossier(dossier);
        },
        [](bool) { return absl::OkStatus(); }));
    return db_.Execute(absl::StrCat("DELETE FROM meta WHERE key = '",
                                    kMetaRebuildSnapshots, "'"));
  });
}

absl::Status CommandWriter::FillUnitReportIfAsked() {
  ASSIGN_OR_RETURN(
      std::optional<int64_t> asked,
      db_.QueryInt(absl::StrCat("SELECT value FROM meta WHERE key = '",
                                kMetaFillUnitReport, "'")));
  if (!asked.has_value()) return absl::OkStatus();
  return InTransaction([&]() -> absl::Status {
    // Each dossier's events once, in order, a page of dossiers at a time;
    // the sums go out whenever they grow large.
    ReportBatch sums;  // of which the report by unit is written
    auto add_dossier = [&](const std::string& code,
                           int64_t version) -> absl::Status {
      select_events_to_version_.BindText(1, code).BindInt(2, version);
      ASSIGN_OR_RETURN(std::vector<StoredEvent> events,
                       ReadAllEvents(select_events_to_version_));
      Dossier dossier;
      for (const StoredEvent& stored : events) {
        const bool first = dossier.version == 0;
        const ReportBasis before = ReportBasisOf(dossier);
        if (absl::Status applied = Apply(dossier, stored.event);
            !applied.ok()) {
          return absl::DataLossError(
              absl::StrCat("dossier ", code, ": event ", stored.sequence,
                           " does not apply: ", applied.message()));
        }
        sums.Add(stored, first ? nullptr : &before, dossier);
      }
      return absl::OkStatus();
    };
    auto write_sums = [&](bool last_page) -> absl::Status {
      if (sums.by_unit.by_unit.size() < (1u << 16) && !last_page) {
        return absl::OkStatus();
      }
      RETURN_IF_ERROR(projections_->WriteUnitReport(sums.by_unit));
      sums = ReportBatch();
      return absl::OkStatus();
    };
    RETURN_IF_ERROR(ForEachDossierVersion(add_dossier, write_sums));
    return db_.Execute(absl::StrCat("DELETE FROM meta WHERE key = '",
                                    kMetaFillUnitReport, "'"));
  });
}

absl::Status CommandWriter::PrepareStatements() {
  ASSIGN_OR_RETURN(projections_, Projections::Prepare(db_));
  cache_ = std::make_unique<DossierCache>(
      [projections = projections_.get()](const std::string& code) {
        return projections->LoadDossier(code);
      },
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
    ASSIGN_OR_RETURN(*entry.statement, db_.Prepare(entry.sql));
  }
  return absl::OkStatus();
}

absl::Status CommandWriter::LoadHead() {
  ASSIGN_OR_RETURN(
      Statement meta,
      db_.Prepare("SELECT (SELECT value FROM meta WHERE key = ?1), "
                  "(SELECT value FROM meta WHERE key = ?2)"));
  meta.BindText(1, kMetaHeadSequence).BindText(2, kMetaHeadHash);
  RETURN_IF_ERROR(meta.Step().status());
  LogHead head;
  head.sequence = meta.ColumnOptionalInt(0).value_or(0);
  head.hash =
      meta.ColumnIsNull(1) ? GenesisHash() : std::string(meta.ColumnBlob(1));

  // The recorded head must be the log's last event; otherwise events were
  // removed from (or added to) the end behind motcua's back, and appending
  // would bury the damage.
  ASSIGN_OR_RETURN(
      Statement last,
      db_.Prepare(
          "SELECT sequence, hash FROM events ORDER BY sequence DESC LIMIT 1"));
  ASSIGN_OR_RETURN(const bool has_last, last.Step());
  const int64_t last_sequence = has_last ? last.ColumnInt(0) : 0;
  const std::string last_hash =
      has_last ? std::string(last.ColumnBlob(1)) : GenesisHash();
  if (last_sequence != head.sequence || last_hash != head.hash) {
    return absl::DataLossError(absl::StrCat(
        "database ", options_.path, ": the log ends at sequence ",
        last_sequence, " but its recorded head is sequence ", head.sequence,
        "; events were removed or added outside motcua. Run `motcua audit "
        "verify` and restore a backup"));
  }
  ASSIGN_OR_RETURN(log_, LogWriter::Prepare(db_));
  chain_.Rewind(std::move(head));
  return absl::OkStatus();
}

absl::Status CommandWriter::Begin(int64_t today) {
  RETURN_IF_ERROR(begin_.Run());
  if (today != settled_day_) {
    RETURN_IF_ERROR(projections_->SettleDeadlineDays(today));
  }
  return absl::OkStatus();
}

WrittenBatch CommandWriter::WriteBatch(
    const std::vector<const CommandRequest*>& requests, const RuleSet& rules) {
  WrittenBatch written;
  std::vector<CommandOutcome>& outcomes = written.outcomes;
  outcomes.reserve(requests.size());
  absl::Status& status = written.status;

  const int64_t today = ReportDay(clock_->Now());
  status = Begin(today);
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
      if (db_.InTransaction()) return false;
      status = outcomes.back().status;
      return true;
    };
    bool write_failed = false;
    for (const CommandRequest* request : requests) {
      outcomes.push_back(
          ProcessCommand(*request, rules, /*isolated=*/false, write_failed));
      if (write_failed) break;
    }
    if (write_failed && !transaction_lost()) {
      rollback_.Run().IgnoreError();
      projections_->batch_report().clear();
      cache_->Clear();
      chain_.Rewind(batch_head);
      outcomes.clear();
      status = Begin(today);
      if (status.ok()) {
        for (const CommandRequest* request : requests) {
          outcomes.push_back(
              ProcessCommand(*request, rules, /*isolated=*/true, write_failed));
          if (transaction_lost()) break;
        }
      }
    }
    written.appended = chain_.head().sequence != batch_head.sequence;
    // The batch's report deltas, each row once.
    if (status.ok()) status = WriteBatchReport();
    if (written.appended && status.ok()) status = log_.WriteHead(chain_.head());
    if (status.ok()) status = commit_.Run();
    if (status.ok()) settled_day_ = today;
    if (!status.ok()) {
      // Nothing of the batch is durable: forget what it did to the states,
      // the report's sums and the head.
      rollback_.Run().IgnoreError();
      projections_->batch_report().clear();
      cache_->Clear();
      chain_.Rewind(batch_head);
    }
  }
  if (!status.ok()) {
    written.appended = false;
    outcomes.assign(
        requests.size(),
        CommandOutcome::Refusal(absl::Status(
            status.code(),
            absl::StrCat("the batch could not be committed; nothing was "
                         "recorded: ",
                         status.message()))));
  }
  return written;
}

CommandOutcome CommandWriter::ProcessCommand(const CommandRequest& request,
                                             const RuleSet& rules,
                                             bool isolated,
                                             bool& write_failed) {
  // Storage keeps microseconds: decide with the instant that is recorded.
  const absl::Time now = ToStoredPrecision(clock_->Now());
  Decision decision = DecideCommand(request, rules, now, *this);
  if (decision.events.empty()) return std::move(decision.answer);

  CommandOutcome outcome;
  if (!isolated) {
    absl::Status status = AppendDecided(decision, now, chain_, *this, outcome);
    if (!status.ok()) {
      write_failed = true;
      return CommandOutcome::Refusal(status);
    }
    cache_->Remember(*outcome.dossier);
    return outcome;
  }
  if (absl::Status status = savepoint_.Run(); !status.ok()) {
    return CommandOutcome::Refusal(status);
  }
  const LogHead saved_head = chain_.head();
  absl::Status status = AppendDecided(decision, now, chain_, *this, outcome);
  // In its savepoint, so that a failing command leaves no sums either.
  if (status.ok()) status = WriteBatchReport();
  if (!status.ok()) {
    rollback_to_.Run().IgnoreError();
    release_.Run().IgnoreError();
    projections_->batch_report().clear();
    chain_.Rewind(saved_head);
    return CommandOutcome::Refusal(status);
  }
  if (absl::Status released = release_.Run(); !released.ok()) {
    chain_.Rewind(saved_head);
    return CommandOutcome::Refusal(released);
  }
  cache_->Remember(*outcome.dossier);
  return outcome;
}

absl::StatusOr<std::optional<RequestRecord>> CommandWriter::LoadRequest(
    const std::string& request_id) {
  return projections_->LoadRequest(request_id);
}

absl::StatusOr<const Dossier*> CommandWriter::FindDossier(
    const std::string& code) {
  return cache_->Find(code);
}

absl::StatusOr<std::vector<StoredEvent>> CommandWriter::EventsToVersion(
    const std::string& code, int64_t version) {
  select_events_to_version_.BindText(1, code).BindInt(2, version);
  return ReadAllEvents(select_events_to_version_);
}

absl::Status CommandWriter::WriteBatchReport() {
  ReportBatch& sums = projections_->batch_report();
  if (sums.empty()) return absl::OkStatus();
  absl::Status status = projections_->WriteReport(sums);
  sums.clear();
  return status;
}

absl::Status CommandWriter::Append(const SealedEvent& sealed,
                                   const RequestTag& tag, const Dossier* before,
                                   const Dossier& after) {
  RETURN_IF_ERROR(log_.Insert(sealed));
  return projections_->Update(sealed.stored, tag, before, after);
}

}  // namespace motcua::store
