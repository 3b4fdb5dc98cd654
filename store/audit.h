#ifndef MOTCUA_STORE_AUDIT_H_
#define MOTCUA_STORE_AUDIT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/dossier.h"
#include "store/types.h"

namespace motcua::store {

// Offline audit of a database, with no server: each opens it read-only.
// `database_path` is a SQLite file, or a PostgreSQL database named by its
// URL (postgres://…, IsPostgresUrl in store/event_store.h), read in one
// snapshot; a read-only role is enough. ReplayAndCompare copies a
// PostgreSQL store into a SQLite file beside `scratch_path` first
// (store/store_copy.h) and replays the copy.

struct VerifyReport {
  int64_t events_checked = 0;
  // The log's recorded head: its last sequence (0 for an empty log) and
  // that event's hash (32 raw bytes; zeros for an empty log). An auditor
  // writes them down, or keeps a signed checkpoint of them.
  int64_t head_sequence = 0;
  std::string head_hash;
  // For each sequence in VerifyOptions::hashes_wanted, the stored hash of
  // the event with that sequence, or empty when the log has no such event.
  // Trustworthy only when ok() and the event lies in the checked range.
  std::map<int64_t, std::string> hashes;
  // The first event whose hash or link is wrong: altered (its own hash does
  // not match its content), inserted or removed (its previous hash does not
  // match the event before it), or the log's recorded head missing (events
  // removed from the end).
  std::optional<int64_t> first_bad_sequence;
  std::string problem;
  bool ok() const { return !first_bad_sequence.has_value(); }
};
struct VerifyOptions {
  // Check the events with sequence >= from_sequence only: the first of them
  // must link to the event before it, whose hash is taken as stored. 0 or
  // 1: the whole log, from its start. A daemon checks the log's tail this
  // way at start.
  int64_t from_sequence = 0;
  // Sequences whose stored hash to report (checkpoints to compare with).
  std::vector<int64_t> hashes_wanted;
};
absl::StatusOr<VerifyReport> VerifyLog(const std::string& database_path,
                                       const VerifyOptions& options = {});

struct ReplayReport {
  int64_t events = 0;
  int64_t dossiers = 0;
  // Passes over the log: more than one when the open dossiers did not fit
  // ReplayOptions::max_open_dossiers.
  int passes = 0;
  // Each difference between the rebuilt and the live projections, as
  // "table: key: what differs"; empty when identical.
  std::vector<std::string> differences;
};
struct ReplayOptions {
  // The log is read in sequence order, each dossier's state held in memory
  // from its receipt until it closes: at most this many at once (a few KiB
  // each). Dossiers beyond it are taken by further passes over the log.
  size_t max_open_dossiers = 262144;
};
// Rebuilds every projection from the log into a fresh database at
// `scratch_path` (replaced if present) and compares it with the live one.
absl::StatusOr<ReplayReport> ReplayAndCompare(
    const std::string& database_path, const std::string& scratch_path,
    const ReplayOptions& options = {});

// The state of one dossier after the events that occurred at or before
// `as_of`. The receipt counts from the receipt time it states even when it
// was recorded later (a backdated receipt): between the two the dossier is
// as received. `receipt_recorded_at`, when not null, receives when the
// receipt was recorded. NOT_FOUND when the dossier was neither received nor
// had any event by then.
absl::StatusOr<Dossier> DossierAsOf(const std::string& database_path,
                                    const std::string& dossier_code,
                                    absl::Time as_of,
                                    absl::Time* receipt_recorded_at = nullptr);

// Every event of one dossier, in order, read from the file without a server.
// NOT_FOUND when the dossier has no event.
absl::StatusOr<std::vector<StoredEvent>> ReadDossierEventsFromFile(
    const std::string& database_path, const std::string& dossier_code);

}  // namespace motcua::store

#endif  // MOTCUA_STORE_AUDIT_H_
