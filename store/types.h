#ifndef MOTCUA_STORE_TYPES_H_
#define MOTCUA_STORE_TYPES_H_

// The values that cross the store's interfaces (store/command_sink.h,
// store/log_reader.h, store/read_model.h): commands in, outcomes and stored
// events out, and the questions the read model answers. Plain structs over
// engine types, with no database behind them, so that code that only
// translates them (the API conversions in services/api) does not link a
// backend. Target: motcua_store_types.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/dossier.h"
#include "engine/lifecycle.h"
#include "engine/report.h"

namespace motcua::store {

// An event as stored: its global position in the log and its place in the
// hash chain. Positions grow but need not be contiguous.
struct StoredEvent {
  int64_t sequence = 0;
  absl::Time recorded_at;
  Event event;
  std::string previous_hash;  // 32 raw bytes; zeros for the first event
  std::string hash;           // 32 raw bytes
  // The dossier's agency, filled by the store's reads (not chained: the
  // receipt event carries it).
  std::string agency;
};

struct CommandRequest {
  Command command;
  // Refused with ABORTED when the dossier's version differs.
  std::optional<int64_t> expected_version;
  // When not empty, names this command for good: a retry of the same
  // command (same fingerprint, store/command_fingerprint.h) by the same
  // caller (command.actor) returns the first answer and appends nothing;
  // another command under the id is refused ALREADY_EXISTS.
  std::string request_id;
  // Whether the caller may see the dossiers of an agency; unset: every
  // agency (the server's own commands). An existing dossier it may not see
  // is answered as if the code named none, and a retry is answered only to
  // a caller that may see the dossier.
  std::function<bool(absl::string_view agency)> may_see = nullptr;
};

struct CommandOutcome {
  // The outcome of a command refused with `status`: nothing was recorded.
  static CommandOutcome Refusal(absl::Status status) {
    CommandOutcome outcome;
    outcome.status = std::move(status);
    return outcome;
  }

  absl::Status status;
  // The dossier after the command; for a repeat, as it is now.
  std::optional<Dossier> dossier;
  // The events this command appended (empty for a repeat or a refusal).
  std::vector<StoredEvent> events;
  bool repeated = false;
};

// Which dossiers a list wants; empty strings and nullopt match any.
struct DossierFilter {
  std::string agency;
  std::string procedure_code;
  std::string unit;  // the unit holding the dossier now
  std::optional<LifecycleState> state;
};

// A pending deadline: the dossier's own, or its open step's.
enum class DeadlineKind { kDossier, kStep };

struct Deadline {
  std::string dossier_code;
  DeadlineKind kind = DeadlineKind::kDossier;
  absl::Time due_at;
  std::string step_id;  // the open step's, or empty
  std::string unit;     // who holds the dossier, or empty
  std::string agency;
  std::string procedure_code;
  // The dossier as it is now, when the query asked for it.
  std::optional<Dossier> dossier;
};

// Where a page of deadlines ends: the next page starts after it, in
// (due_at, dossier_code, kind) order (a dossier's own deadline before its
// step's at the same instant), so that a page reading both kinds can end
// between a dossier's two rows.
struct DeadlineCursor {
  absl::Time due_at;
  std::string dossier_code;
  DeadlineKind kind = DeadlineKind::kDossier;
};

// Pending deadlines of one kind with due_from <= due_at < due_before, in
// (due_at, dossier_code) order, after `after` in the order of
// DeadlineCursor: an index range, never a scan of every dossier.
struct DeadlineQuery {
  DeadlineKind kind = DeadlineKind::kDossier;
  std::string agency;
  std::string unit;
  std::string procedure_code;
  absl::Time due_from = absl::InfinitePast();
  absl::Time due_before = absl::InfiniteFuture();
  std::optional<DeadlineCursor> after;
  int limit = 100;
  // Read each deadline's dossier in the same statement (one read of the
  // page, instead of one per row).
  bool with_dossiers = false;
};

// An escalation threshold a dossier waits for (the `thresholds` projection).
struct ScheduledThreshold {
  std::string dossier_code;
  ThresholdTarget target = ThresholdTarget::kDossier;
  absl::Time at;
  int index = 0;  // the threshold's position in the ladder
};

// Where a page of thresholds ends: the next page starts after it.
struct ThresholdCursor {
  absl::Time at;
  std::string dossier_code;
  ThresholdTarget target = ThresholdTarget::kDossier;
};

// How many pending deadlines of one agency fall before an instant.
struct AgencyCount {
  std::string agency;
  int64_t count = 0;
};

// How many dossiers are in one state in one agency.
struct StateCount {
  std::string agency;
  LifecycleState state = LifecycleState::kReceived;
  int64_t count = 0;
};

// What the writer has done since the store opened.
struct WriterStats {
  uint64_t batches = 0;   // transactions committed
  uint64_t commands = 0;  // commands in them (accepted or refused)
  uint64_t events = 0;    // events appended
};

// What became of one transaction of the writer, for whoever watches that
// writes still succeed (the server's log, metric and health status).
struct BatchResult {
  size_t commands = 0;
  // The batch committed and wrote something: proof that the disk takes
  // writes (a batch whose commands were all refused by the lifecycle
  // writes nothing and proves nothing).
  bool wrote = false;
  // Commands refused because the disk was full (the backend's
  // storage-full error: IsStorageFull in store/sqlite.h for SQLite), and the
  // first such failure.
  size_t storage_full = 0;
  absl::Status storage_full_status;
};

// What a report row groups by. kUnit counts the steps each unit held
// (engine UnitReportDeltasOf), not dossiers.
enum class ReportGrouping { kAgency, kProcedure, kField, kUnit };

// The periodic report over the days from..to (inclusive, Vietnamese days).
struct ReportQuery {
  absl::CivilDay from;
  absl::CivilDay to;
  ReportGrouping group_by = ReportGrouping::kAgency;
  std::string agency;  // optional filter
  // For kUnit a step counts as resolved when it ends, whatever this says.
  CountResolutionAt count_at = CountResolutionAt::kResolution;
};

}  // namespace motcua::store

#endif  // MOTCUA_STORE_TYPES_H_
