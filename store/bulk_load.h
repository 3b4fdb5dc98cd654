#ifndef MOTCUA_STORE_BULK_LOAD_H_
#define MOTCUA_STORE_BULK_LOAD_H_

// Writing a whole history into a new database without the live writer: for
// stores filled at scale (benchmarks, rehearsals of a province's volume).
// The result is what the live writer would have left after the same
// commands at the same instants: the same log, chained the same way, and the
// same projections, which `motcua audit replay` confirms. It is fast because
// it does only what a new file allows: no journal and no sync (a failed load
// leaves a file to delete, never a store to repair), each dossier's
// current-state rows written once when the caller says it is finished, the
// report summed in memory, and the secondary indexes built once at the end.

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/dossier.h"
#include "engine/lifecycle.h"
#include "store/log_writer.h"
#include "store/projection_rebuild.h"
#include "store/sqlite.h"

namespace motcua::store {

class BulkLoader {
 public:
  // Creates the database at `path`; ALREADY_EXISTS when there is a file.
  static absl::StatusOr<std::unique_ptr<BulkLoader>> Create(
      const std::string& path);

  BulkLoader(const BulkLoader&) = delete;
  BulkLoader& operator=(const BulkLoader&) = delete;
  ~BulkLoader();

  // The dossier as loaded so far; null when it has no event yet. Valid until
  // the next call that changes it.
  const Dossier* Find(const std::string& code) const;

  // Appends the events one command decided for one dossier at `now` (the
  // engine's Decide with the dossier Find gives) and applies them.
  absl::Status Append(std::vector<Event> events, absl::Time now);

  // The dossier gets no more events: its current-state rows are written and
  // it leaves memory. Unknown codes are ignored.
  absl::Status FinishDossier(const std::string& code);

  // Finishes every dossier still held, adds the report, records the head,
  // builds the indexes and closes the file, ready for the store to open.
  absl::Status Close();

  int64_t events() const { return chain_.head().sequence; }
  size_t dossiers_held() const { return open_.size(); }

 private:
  explicit BulkLoader(Database database) : database_(std::move(database)) {}

  Database database_;
  std::vector<std::string> indexes_;  // created by Close
  LogChain chain_;
  // Writes the log and the projections on a thread of its own.
  std::unique_ptr<ProjectionRebuild> rebuild_;
  absl::flat_hash_map<std::string, Dossier> open_;
  bool closed_ = false;
  absl::Time last_now_ = absl::InfinitePast();  // the latest Append's
};

}  // namespace motcua::store

#endif  // MOTCUA_STORE_BULK_LOAD_H_
