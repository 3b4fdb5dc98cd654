#ifndef MOTCUA_STORE_POSTGRES_PG_READER_H_
#define MOTCUA_STORE_POSTGRES_PG_READER_H_

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
#include "store/postgres/pq.h"
#include "store/types.h"

namespace motcua::store::pg {

// The PostgreSQL store's reads: the log up to the durable sequence
// (LogReader) and the projections (ReadModel), on a connection of their
// own. Each answer is one statement, so one snapshot. A lost connection is
// made again at the next read.
//
// Threads: any; reads take turns on the connection.
class Reader {
 public:
  // `durable_sequence` gives the last event a reader may see: the last one
  // whose COMMIT has returned to the writer.
  static absl::StatusOr<std::unique_ptr<Reader>> Open(
      const std::string& url, std::function<int64_t()> durable_sequence);

  absl::StatusOr<std::vector<StoredEvent>> ReadEvents(int64_t after_sequence,
                                                      int64_t limit);
  absl::StatusOr<std::vector<StoredEvent>> ReadDossierEvents(
      const std::string& code);
  absl::StatusOr<int64_t> LastSequence();

  absl::StatusOr<Dossier> ReadDossier(const std::string& code);
  absl::StatusOr<std::vector<Dossier>> ListDossiers(
      const DossierFilter& filter, const std::string& after_code, int limit);
  absl::StatusOr<std::vector<Deadline>> ListDeadlines(
      const DeadlineQuery& query);
  absl::StatusOr<std::vector<ScheduledThreshold>> ListThresholds(
      absl::Time from, absl::Time before,
      const std::optional<ThresholdCursor>& after, int limit);
  absl::StatusOr<std::vector<AgencyCount>> CountDeadlinesByAgency(
      DeadlineKind kind, absl::Time due_before, const std::string& agency);
  absl::StatusOr<std::vector<StateCount>> CountDossiersByState();
  absl::StatusOr<std::vector<ReportRow>> Report(const ReportQuery& query);

 private:
  Reader(std::string url, std::function<int64_t()> durable_sequence)
      : url_(std::move(url)), durable_sequence_(std::move(durable_sequence)) {}
  // Runs `sql` (prepared on first use, by its text), once more on a new
  // connection when it failed because the connection was lost.
  absl::StatusOr<Result> Query(const std::string& sql, const Params& params)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<Result> QueryOnce(const std::string& sql, const Params& params)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string url_;
  const std::function<int64_t()> durable_sequence_;
  absl::Mutex mu_;
  Connection connection_ ABSL_GUARDED_BY(mu_);
  // The statements prepared on the connection, by text.
  absl::flat_hash_map<std::string, std::string> prepared_ ABSL_GUARDED_BY(mu_);
};

}  // namespace motcua::store::pg

#endif  // MOTCUA_STORE_POSTGRES_PG_READER_H_
