#include "store/postgres/pg_replica.h"

#include <algorithm>
#include <utility>

#include "engine/status_macros.h"

namespace motcua::store::pg {

absl::StatusOr<std::unique_ptr<ReplicaReadModel>> ReplicaReadModel::Open(
    const std::string& read_url, const std::string& primary_url,
    ReadModel* primary) {
  std::unique_ptr<ReplicaReadModel> replica(
      new ReplicaReadModel(read_url, primary_url, primary));
  // The standby's reader never reads the log (see the class comment): its
  // bound on the log is nothing.
  ASSIGN_OR_RETURN(replica->standby_,
                   Reader::Open(read_url, [] { return int64_t{0}; }));
  return replica;
}

absl::StatusOr<Result> ReplicaReadModel::Ask(
    const std::string& url, std::optional<Connection>& connection,
    const std::string& sql, const Params& params) {
  if (connection.has_value() && connection->ok()) {
    absl::StatusOr<Result> result = connection->Query(sql, params);
    if (result.ok() || connection->ok()) return result;
  }
  ASSIGN_OR_RETURN(Connection fresh, Connection::Open(url));
  connection = std::move(fresh);
  return connection->Query(sql, params);
}

absl::StatusOr<ReplicaLag> ReplicaReadModel::Lag() {
  absl::MutexLock lock(&lag_mu_);
  // The primary's position first: whatever the standby replayed by the
  // time it is asked, the lag is not overstated.
  ASSIGN_OR_RETURN(Result written,
                   Ask(primary_url_, lag_primary_,
                       "SELECT pg_current_wal_lsn()::text", Params()));
  ASSIGN_OR_RETURN(
      Result replayed,
      Ask(read_url_, lag_standby_,
          "SELECT coalesce(pg_wal_lsn_diff($1::text::pg_lsn, "
          "pg_last_wal_replay_lsn()), 0)::bigint, CASE WHEN "
          "pg_last_wal_replay_lsn() >= $1::text::pg_lsn THEN 0 ELSE "
          "coalesce((extract(epoch FROM now() - "
          "pg_last_xact_replay_timestamp()) * 1000000)::bigint, 0) END",
          Params().Text(written.Text(0, 0))));
  ReplicaLag lag;
  lag.bytes = std::max<int64_t>(0, replayed.Int(0, 0));
  lag.delay = absl::Microseconds(std::max<int64_t>(0, replayed.Int(0, 1)));
  return lag;
}

absl::StatusOr<Dossier> ReplicaReadModel::ReadDossier(const std::string& code) {
  return primary_->ReadDossier(code);
}

absl::StatusOr<std::vector<Dossier>> ReplicaReadModel::ListDossiers(
    const DossierFilter& filter, const std::string& after_code, int limit) {
  return standby_->ListDossiers(filter, after_code, limit);
}

absl::StatusOr<std::vector<Deadline>> ReplicaReadModel::ListDeadlines(
    const DeadlineQuery& query) {
  return standby_->ListDeadlines(query);
}

absl::StatusOr<std::vector<ScheduledThreshold>>
ReplicaReadModel::ListThresholds(absl::Time from, absl::Time before,
                                 const std::optional<ThresholdCursor>& after,
                                 int limit) {
  return primary_->ListThresholds(from, before, after, limit);
}

absl::StatusOr<std::vector<AgencyCount>>
ReplicaReadModel::CountDeadlinesByAgency(DeadlineKind kind,
                                         absl::Time due_before,
                                         const std::string& agency) {
  return standby_->CountDeadlinesByAgency(kind, due_before, agency);
}

absl::StatusOr<std::vector<StateCount>>
ReplicaReadModel::CountDossiersByState() {
  return standby_->CountDossiersByState();
}

absl::StatusOr<std::vector<ReportRow>> ReplicaReadModel::Report(
    const ReportQuery& query) {
  return standby_->Report(query);
}

}  // namespace motcua::store::pg
