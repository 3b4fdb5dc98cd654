#ifndef MOTCUA_STORE_READ_MODEL_H_
#define MOTCUA_STORE_READ_MODEL_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/dossier.h"
#include "engine/report.h"
#include "store/types.h"

namespace motcua::store {

// The store's projections: the current state derived from the log, kept in
// the same transaction as the events that change it. Read by the dossier,
// supervision and report RPCs, the deadline scheduler and the metrics.
//
// The contract every backend keeps (tests/store/store_contract_test.cc):
// - Each answer is one consistent snapshot: it shows every committed batch
//   up to some point and nothing of a later one. It may show a batch a
//   flush (a few milliseconds) before that batch's commands are answered.
// - Every projection equals what a replay of the log from the first event
//   rebuilds; none scans every dossier (each query is an index range, or a
//   sum of maintained counts whose cost grows with days and groups).
// - A stored value that cannot be decoded is DATA_LOSS naming the dossier
//   when known; a database that cannot be read is the backend's error, as
//   it is. A limit <= 0 is an empty answer, not an error.
//
// Threads: every method may be called from any thread, concurrently with
// the writer, and never waits for it.
class ReadModel {
 public:
  virtual ~ReadModel() = default;

  // The dossier as it is now. NOT_FOUND when no dossier has that code.
  virtual absl::StatusOr<Dossier> ReadDossier(const std::string& code) = 0;

  // Dossiers matching `filter` with a code greater than `after_code`, in
  // code order, at most `limit`.
  virtual absl::StatusOr<std::vector<Dossier>> ListDossiers(
      const DossierFilter& filter, const std::string& after_code,
      int limit) = 0;

  // Pending deadlines, as DeadlineQuery says.
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

  // Dossiers per agency and state, in (agency, state) order, from the
  // maintained counters.
  virtual absl::StatusOr<std::vector<StateCount>> CountDossiersByState() = 0;

  // One row per group with anything to show, in group order. Sums the
  // per-day deltas of the report projection: its cost grows with days and
  // groups, never with dossiers.
  virtual absl::StatusOr<std::vector<ReportRow>> Report(
      const ReportQuery& query) = 0;
};

}  // namespace motcua::store

#endif  // MOTCUA_STORE_READ_MODEL_H_
