#include "store/projection_rebuild.h"

#include <utility>

namespace motcua::store {
namespace {

// Writes per chunk, and chunks waiting for the writer before the caller
// waits: enough to keep both threads busy, little memory.
constexpr size_t kChunkWrites = 1024;
constexpr size_t kMaxWaitingChunks = 8;
// Report sums kept in memory (some 100 bytes each) before they are added to
// the table.
constexpr size_t kMaxReportSums = 1 << 18;

}  // namespace

absl::StatusOr<std::unique_ptr<ProjectionRebuild>> ProjectionRebuild::Start(
    Database& database) {
  std::unique_ptr<ProjectionRebuild> rebuild(new ProjectionRebuild());
  absl::StatusOr<std::unique_ptr<Projections>> projections =
      Projections::Prepare(database);
  if (!projections.ok()) return projections.status();
  rebuild->projections_ = std::move(*projections);
  absl::StatusOr<LogWriter> log = LogWriter::Prepare(database);
  if (!log.ok()) return log.status();
  rebuild->log_ = std::move(*log);
  rebuild->filling_.reserve(kChunkWrites);
  rebuild->writer_ = std::thread([raw = rebuild.get()] { raw->WriterLoop(); });
  return rebuild;
}

ProjectionRebuild::~ProjectionRebuild() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    dropping_ = true;
  }
  if (writer_.joinable()) writer_.join();
}

absl::Status ProjectionRebuild::AppendToLog(SealedEvent sealed) {
  return Give(std::move(sealed));
}

absl::Status ProjectionRebuild::Add(const StoredEvent& stored,
                                    const RequestTag& request,
                                    const ReportBasis* before,
                                    const Dossier& after) {
  report_.Add(stored, before, after);
  if (report_.by_group.size() >= kMaxReportSums) {
    // Writing adds to what the rows hold: sums may go out in parts.
    if (absl::Status status = Give(std::move(report_.by_group)); !status.ok()) {
      return status;
    }
    report_.by_group = ReportDeltaSums();
  }
  if (report_.by_unit.by_unit.size() >= kMaxReportSums) {
    if (absl::Status status = Give(std::move(report_.by_unit)); !status.ok()) {
      return status;
    }
    report_.by_unit = UnitReportDeltaSums();
  }
  if (request.id.empty()) return absl::OkStatus();
  return Give(RequestRow{
      request.id, RequestRecord{after.code, after.version, stored.sequence,
                                request.fingerprint}});
}

absl::Status ProjectionRebuild::FinishDossier(Dossier last) {
  return Give(std::move(last));
}

absl::Status ProjectionRebuild::Finish() {
  if (report_.by_group.size() > 0) {
    if (absl::Status status = Give(std::move(report_.by_group)); !status.ok()) {
      return status;
    }
    report_.by_group = ReportDeltaSums();
  }
  if (report_.by_unit.by_unit.size() > 0) {
    if (absl::Status status = Give(std::move(report_.by_unit)); !status.ok()) {
      return status;
    }
    report_.by_unit = UnitReportDeltaSums();
  }
  absl::Status handed = HandOver();
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (writer_.joinable()) writer_.join();
  absl::MutexLock lock(&mu_);
  return error_.ok() ? handed : error_;
}

absl::Status ProjectionRebuild::Give(Write write) {
  filling_.push_back(std::move(write));
  if (filling_.size() < kChunkWrites) return absl::OkStatus();
  return HandOver();
}

absl::Status ProjectionRebuild::HandOver() {
  std::vector<std::vector<Write>> written;
  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](ProjectionRebuild* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
          return self->chunks_.size() < kMaxWaitingChunks || !self->error_.ok();
        },
        this));
    if (!error_.ok()) return error_;
    if (!filling_.empty()) chunks_.push_back(std::move(filling_));
    written.swap(written_);
  }
  // Freed here, outside the lock; one of them is filled next.
  filling_ = written.empty() ? std::vector<Write>() : std::move(written.back());
  filling_.clear();
  filling_.reserve(kChunkWrites);
  return absl::OkStatus();
}

void ProjectionRebuild::WriterLoop() {
  while (true) {
    std::vector<Write> chunk;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](ProjectionRebuild* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(
               self->mu_) { return !self->chunks_.empty() || self->stopping_; },
          this));
      if (dropping_ || chunks_.empty()) return;
      chunk = std::move(chunks_.front());
      chunks_.pop_front();
      if (!error_.ok()) continue;
    }
    absl::Status status;
    for (Write& write : chunk) {
      status = Do(write);
      if (!status.ok()) break;
    }
    absl::MutexLock lock(&mu_);
    if (!status.ok()) error_ = std::move(status);
    written_.push_back(std::move(chunk));
  }
}

absl::Status ProjectionRebuild::Do(Write& write) {
  if (auto* sealed = std::get_if<SealedEvent>(&write)) {
    return log_.Insert(*sealed);
  }
  if (auto* dossier = std::get_if<Dossier>(&write)) {
    return projections_->UpdateCurrent(nullptr, *dossier);
  }
  if (auto* request = std::get_if<RequestRow>(&write)) {
    return projections_->WriteRequest(request->request_id, request->record);
  }
  if (auto* unit_sums = std::get_if<UnitReportDeltaSums>(&write)) {
    return projections_->WriteUnitReport(*unit_sums);
  }
  return projections_->WriteReport(std::get<ReportDeltaSums>(write));
}

}  // namespace motcua::store
