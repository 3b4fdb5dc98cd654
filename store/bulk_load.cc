#include "store/bulk_load.h"

#include <algorithm>
#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/report.h"
#include "store/hash_chain.h"
#include "store/projections.h"
#include "store/schema.h"

namespace motcua::store {

absl::StatusOr<std::unique_ptr<BulkLoader>> BulkLoader::Create(
    const std::string& path) {
  std::error_code error;
  if (std::filesystem::exists(path, error) || error) {
    return absl::AlreadyExistsError(absl::StrCat(
        path, ": a file is there; a bulk load writes a new database only"));
  }
  absl::StatusOr<Database> database =
      Database::Open(path, OpenMode::kReadWriteCreate);
  if (!database.ok()) return database.status();
  std::unique_ptr<BulkLoader> loader(new BulkLoader(std::move(*database)));
  Database& db = loader->database_;
  if (absl::Status status = MigrateSchema(db, path); !status.ok()) {
    return status;
  }
  // Nothing to roll back to and nothing to recover: the file is deleted if
  // the load fails.
  if (absl::Status status =
          db.Execute("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; "
                     "PRAGMA cache_size = -1048576;");
      !status.ok()) {
    return status;
  }
  absl::StatusOr<std::vector<std::string>> indexes = DropSecondaryIndexes(db);
  if (!indexes.ok()) return indexes.status();
  loader->indexes_ = std::move(*indexes);
  loader->chain_.Rewind(LogHead{0, GenesisHash()});
  if (absl::Status status = db.Execute("BEGIN"); !status.ok()) return status;
  absl::StatusOr<std::unique_ptr<ProjectionRebuild>> rebuild =
      ProjectionRebuild::Start(db);
  if (!rebuild.ok()) return rebuild.status();
  loader->rebuild_ = std::move(*rebuild);
  return loader;
}

BulkLoader::~BulkLoader() {
  // Statements go before their connection.
  rebuild_.reset();
}

const Dossier* BulkLoader::Find(const std::string& code) const {
  auto found = open_.find(code);
  return found == open_.end() ? nullptr : &found->second;
}

absl::Status BulkLoader::Append(std::vector<Event> events, absl::Time now) {
  if (closed_) return absl::FailedPreconditionError("the load is closed");
  last_now_ = std::max(last_now_, now);
  for (Event& event : events) {
    Dossier& dossier = open_[event.dossier_code];
    const LogHead head = chain_.head();
    absl::StatusOr<SealedEvent> sealed =
        chain_.Seal(std::move(event), /*request_id=*/"", now);
    if (!sealed.ok()) return sealed.status();
    const bool first = dossier.version == 0;
    const ReportBasis before = ReportBasisOf(dossier);
    const StoredEvent& stored = sealed->stored;
    if (absl::Status status = Apply(dossier, stored.event); !status.ok()) {
      if (first) open_.erase(stored.event.dossier_code);
      chain_.Rewind(head);
      return absl::InternalError(absl::StrCat(
          "event ", stored.sequence, " of dossier ", stored.event.dossier_code,
          " does not apply: ", status.message()));
    }
    if (absl::Status status = rebuild_->Add(stored, RequestTag(),
                                            first ? nullptr : &before, dossier);
        !status.ok()) {
      return status;
    }
    if (absl::Status status = rebuild_->AppendToLog(*std::move(sealed));
        !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

absl::Status BulkLoader::FinishDossier(const std::string& code) {
  auto found = open_.find(code);
  if (found == open_.end()) return absl::OkStatus();
  Dossier last = std::move(found->second);
  open_.erase(found);
  return rebuild_->FinishDossier(std::move(last));
}

absl::Status BulkLoader::Close() {
  if (closed_) return absl::OkStatus();
  closed_ = true;
  // In code order: the rows go into their tables in key order.
  std::vector<std::string> held;
  held.reserve(open_.size());
  for (const auto& [code, dossier] : open_) held.push_back(code);
  std::sort(held.begin(), held.end());
  for (const std::string& code : held) {
    if (absl::Status status = FinishDossier(code); !status.ok()) {
      return status;
    }
  }
  if (absl::Status status = rebuild_->Finish(); !status.ok()) return status;
  rebuild_.reset();
  // Settled as the live writer would have at its last command.
  if (last_now_ != absl::InfinitePast()) {
    absl::StatusOr<std::unique_ptr<Projections>> projections =
        Projections::Prepare(database_);
    if (!projections.ok()) return projections.status();
    if (absl::Status status =
            (*projections)->SettleDeadlineDays(ReportDay(last_now_));
        !status.ok()) {
      return status;
    }
  }
  absl::StatusOr<LogWriter> log = LogWriter::Prepare(database_);
  if (!log.ok()) return log.status();
  if (absl::Status status = log->WriteHead(chain_.head()); !status.ok()) {
    return status;
  }
  for (const std::string& index : indexes_) {
    if (absl::Status status = database_.Execute(index); !status.ok()) {
      return status;
    }
  }
  if (absl::Status status = database_.Execute("COMMIT"); !status.ok()) {
    return status;
  }
  *log = LogWriter();
  // The store opens it in write-ahead mode; a rollback journal until then.
  if (absl::Status status = database_.Execute("PRAGMA journal_mode = DELETE");
      !status.ok()) {
    return status;
  }
  database_ = Database();
  return absl::OkStatus();
}

}  // namespace motcua::store
