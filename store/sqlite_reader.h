#ifndef MOTCUA_STORE_SQLITE_READER_H_
#define MOTCUA_STORE_SQLITE_READER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "store/log_reader.h"
#include "store/read_model.h"
#include "store/sqlite.h"
#include "store/types.h"

namespace motcua::store {

// The SQLite store's reads: the log (LogReader) and the projections
// (ReadModel), on a read-only connection of their own. In WAL mode it sees
// the last committed batch and never waits for the writer; the log as read
// ends at the sequence `durable_sequence` gives (the commit pipeline's).
//
// Threads: any; the reads share the connection under read_mu_, one at a
// time.
class SqliteReader final : public LogReader, public ReadModel {
 public:
  // Opens the database read-only and prepares the common statements. The
  // database's error when it cannot.
  static absl::StatusOr<std::unique_ptr<SqliteReader>> Open(
      const std::string& path, std::function<int64_t()> durable_sequence);
  SqliteReader(const SqliteReader&) = delete;
  SqliteReader& operator=(const SqliteReader&) = delete;

  absl::StatusOr<std::vector<StoredEvent>> ReadEvents(int64_t after_sequence,
                                                      int64_t limit) override;
  absl::StatusOr<std::vector<StoredEvent>> ReadDossierEvents(
      const std::string& code) override;
  absl::StatusOr<int64_t> LastSequence() override;

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
  explicit SqliteReader(std::function<int64_t()> durable_sequence);
  absl::Status Prepare(const std::string& path);
  // A statement of the read connection, prepared once per distinct text.
  absl::StatusOr<Statement*> ReaderStatement(const std::string& sql)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(read_mu_);

  const std::function<int64_t()> durable_sequence_;

  absl::Mutex read_mu_;
  // Declared before the statements, so that they are finalized before the
  // connection closes.
  Database db_ ABSL_GUARDED_BY(read_mu_);
  Statement read_dossier_ ABSL_GUARDED_BY(read_mu_);
  Statement read_dossier_events_ ABSL_GUARDED_BY(read_mu_);
  Statement read_events_ ABSL_GUARDED_BY(read_mu_);
  // Filtered lists: one statement per combination of filters.
  absl::flat_hash_map<std::string, std::unique_ptr<Statement>> read_queries_
      ABSL_GUARDED_BY(read_mu_);
};

}  // namespace motcua::store

#endif  // MOTCUA_STORE_SQLITE_READER_H_
