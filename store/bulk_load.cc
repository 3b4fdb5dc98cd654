#include "store/bulk_load.h"

#include <algorithm>
#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "store/hash_chain.h"
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
  if (absl::Status status = db.Execute(
          "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; "
          "PRAGMA cache_size = -1048576;");
      !status.ok()) {
    return status;
  }
  absl::StatusOr<std::vector<std::string>> indexes = DropSecondaryIndexes(db);
  if (!indexes.ok()) return indexes.status();
  loader->indexes_ = std::move(*indexes);
  absl::StatusOr<LogWriter> log =
      LogWriter::Prepare(db, LogHead{0, GenesisHash()});
  if (!log.ok()) return log.status();
  loader->log_ = std::move(*log);
  absl::StatusOr<std::unique_ptr<Projections>> projections =
      Projections::Prepare(db);
  if (!projections.ok()) return projections.status();
  loader->projections_ = std::move(*projections);
  loader->rebuild_ = std::make_unique<ProjectionRebuild>(*loader->projections_);
  if (absl::Status status = db.Execute("BEGIN"); !status.ok()) return status;
  return loader;
}

BulkLoader::~BulkLoader() {
  // Statements go before their connection.
  rebuild_.reset();
  projections_.reset();
  log_ = LogWriter();
}

const Dossier* BulkLoader::Find(const std::string& code) const {
  auto found = open_.find(code);
  return found == open_.end() ? nullptr : &found->second;
}

absl::Status BulkLoader::Append(std::vector<Event> events, absl::Time now) {
  if (closed_) return absl::FailedPreconditionError("the load is closed");
  for (Event& event : events) {
    Dossier& dossier = open_[event.dossier_code];
    absl::StatusOr<StoredEvent> stored =
        log_.Append(std::move(event), /*request_id=*/"", now);
    if (!stored.ok()) return stored.status();
    const bool first = dossier.version == 0;
    Dossier before = first ? Dossier() : dossier;
    if (absl::Status status = Apply(dossier, stored->event); !status.ok()) {
      return absl::InternalError(absl::StrCat(
          "event ", stored->sequence, " of dossier ",
          stored->event.dossier_code, " does not apply: ", status.message()));
    }
    if (absl::Status status = rebuild_->Add(*stored, /*request_id=*/"",
                                            first ? nullptr : &before, dossier);
        !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

absl::Status BulkLoader::FinishDossier(const std::string& code) {
  auto found = open_.find(code);
  if (found == open_.end()) return absl::OkStatus();
  absl::Status status = rebuild_->FinishDossier(found->second);
  open_.erase(found);
  return status;
}

absl::Status BulkLoader::Close() {
  if (closed_) return absl::OkStatus();
  closed_ = true;
  // In code order: the rows go into their tables in key order.
  std::vector<const Dossier*> held;
  held.reserve(open_.size());
  for (const auto& [code, dossier] : open_) held.push_back(&dossier);
  std::sort(held.begin(), held.end(), [](const Dossier* a, const Dossier* b) {
    return a->code < b->code;
  });
  for (const Dossier* dossier : held) {
    if (absl::Status status = rebuild_->FinishDossier(*dossier);
        !status.ok()) {
      return status;
    }
  }
  open_.clear();
  if (absl::Status status = rebuild_->Finish(); !status.ok()) return status;
  if (absl::Status status = log_.WriteHead(); !status.ok()) return status;
  for (const std::string& index : indexes_) {
    if (absl::Status status = database_.Execute(index); !status.ok()) {
      return status;
    }
  }
  if (absl::Status status = database_.Execute("COMMIT"); !status.ok()) {
    return status;
  }
  rebuild_.reset();
  projections_.reset();
  log_ = LogWriter();
  // The store opens it in write-ahead mode; a rollback journal until then.
  if (absl::Status status = database_.Execute(
          "PRAGMA journal_mode = DELETE");
      !status.ok()) {
    return status;
  }
  database_ = Database();
  return absl::OkStatus();
}

}  // namespace motcua::store
