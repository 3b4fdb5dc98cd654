#ifndef MOTCUA_STORE_PROJECTION_REBUILD_H_
#define MOTCUA_STORE_PROJECTION_REBUILD_H_

// The projections of a history taken dossier by dossier rather than event
// by event (a replay, a bulk load): each dossier's current-state rows are
// written once, from nothing to its last state, when it is finished; the
// report's deltas are summed in memory and added in large parts; the
// requests row is written per event.
//
// The caller's thread gives the events and sums the report; a thread of the
// rebuild's own does every write, so that applying events and writing
// SQLite's B-trees use both cores. Writes are handed over in chunks, and
// the caller waits when the writer is a few chunks behind.

#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "engine/dossier.h"
#include "engine/report.h"
#include "store/event_codec.h"
#include "store/log_writer.h"
#include "store/projections.h"
#include "store/sqlite.h"

namespace motcua::store {

class ProjectionRebuild {
 public:
  // Prepares the statements on `database`, whose main schema holds the log
  // and the projection tables, and starts the writer. No other thread may
  // use `database` until Finish returns.
  static absl::StatusOr<std::unique_ptr<ProjectionRebuild>> Start(
      Database& database);

  ProjectionRebuild(const ProjectionRebuild&) = delete;
  ProjectionRebuild& operator=(const ProjectionRebuild&) = delete;
  // Without Finish, what is not yet written is dropped.
  ~ProjectionRebuild();

  // Writes the row of an event to the log (a bulk load; a replay only reads
  // the log).
  absl::Status AppendToLog(SealedEvent sealed);
  // `stored` turned the dossier `before` stood for (engine ReportBasisOf;
  // null for the dossier's first event) into `after`; `request` is its
  // command's (its id may be empty).
  absl::Status Add(const StoredEvent& stored, const RequestTag& request,
                   const ReportBasis* before, const Dossier& after);
  // `last` is its dossier's final state: no event of it follows.
  absl::Status FinishDossier(Dossier last);
  // Writes everything given and the report sums, and stops the writer.
  // Every method returns the first error of the writes (and writes nothing
  // after it).
  absl::Status Finish();

 private:
  struct RequestRow {
    std::string request_id;
    RequestRecord record;
  };
  using Write = std::variant<SealedEvent, Dossier, RequestRow, ReportDeltaSums,
                             UnitReportDeltaSums>;

  ProjectionRebuild() = default;
  absl::Status Give(Write write);
  // Hands the chunk being filled to the writer.
  absl::Status HandOver();
  void WriterLoop();
  absl::Status Do(Write& write);

  // The writer thread's, after Start.
  std::unique_ptr<Projections> projections_;
  LogWriter log_;

  // The caller's.
  ReportBatch report_;
  std::vector<Write> filling_;

  absl::Mutex mu_;
  std::deque<std::vector<Write>> chunks_ ABSL_GUARDED_BY(mu_);
  // Chunks written, handed back so that the caller's thread frees what it
  // allocated (freeing across threads costs both of them).
  std::vector<std::vector<Write>> written_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool dropping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
  std::thread writer_;
};

}  // namespace motcua::store

#endif  // MOTCUA_STORE_PROJECTION_REBUILD_H_
