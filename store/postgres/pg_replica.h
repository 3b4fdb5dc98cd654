#ifndef MOTCUA_STORE_POSTGRES_PG_REPLICA_H_
#define MOTCUA_STORE_POSTGRES_PG_REPLICA_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "store/postgres/pg_reader.h"
#include "store/postgres/pq.h"
#include "store/read_model.h"

namespace motcua::store::pg {

// How far a hot standby is behind its primary.
struct ReplicaLag {
  // WAL the primary has written that the standby has not replayed.
  int64_t bytes = 0;
  // 0 when the standby has replayed everything the primary had written at
  // the measure; else the age of the last transaction it replayed.
  absl::Duration delay;
};

// The supervision reads served by a hot standby (postgres_read_url): the
// lists (ListDossiers, ListDeadlines), the counts (CountDeadlinesByAgency,
// CountDossiersByState) and the report, which may be seconds old and are
// the heavy ones. Everything else goes to `primary` (the store's own
// ReadModel): ReadDossier, so that a client reads its own command back,
// and ListThresholds, the deadline scheduler's. The log is not served here
// at all: WatchEvents, webhooks and checkpoints are told of sequence N by
// the writer and must find it, so they read the primary.
//
// The standby never shows what the primary has not committed: physical
// replication replays a transaction's changes, but they become visible on
// the standby only when its commit record is replayed, and that record is
// written after the primary's commit. The standby may only be behind.
//
// Only for the services: the scheduler and the writer keep the store's
// ReadModel. Threads: any.
class ReplicaReadModel final : public ReadModel {
 public:
  // Connects to the standby at `read_url` and to the primary at
  // `primary_url` (to measure the lag). `primary` must outlive the result.
  static absl::StatusOr<std::unique_ptr<ReplicaReadModel>> Open(
      const std::string& read_url, const std::string& primary_url,
      ReadModel* primary);

  // Measures the lag now: the primary's WAL position, then the standby's
  // replay position. UNAVAILABLE when either cannot be asked.
  absl::StatusOr<ReplicaLag> Lag();

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
  ReplicaReadModel(std::string read_url, std::string primary_url,
                   ReadModel* primary)
      : read_url_(std::move(read_url)),
        primary_url_(std::move(primary_url)),
        primary_(primary) {}

  // Runs `sql` on `connection` (made again from `url` when it was lost).
  static absl::StatusOr<Result> Ask(const std::string& url,
                                    std::optional<Connection>& connection,
                                    const std::string& sql,
                                    const Params& params);

  const std::string read_url_;
  const std::string primary_url_;
  ReadModel* const primary_;
  std::unique_ptr<Reader> standby_;

  absl::Mutex lag_mu_;
  std::optional<Connection> lag_primary_ ABSL_GUARDED_BY(lag_mu_);
  std::optional<Connection> lag_standby_ ABSL_GUARDED_BY(lag_mu_);
};

}  // namespace motcua::store::pg

#endif  // MOTCUA_STORE_POSTGRES_PG_REPLICA_H_
