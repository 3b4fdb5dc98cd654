#ifndef MOTCUA_ENGINE_REPORT_H_
#define MOTCUA_ENGINE_REPORT_H_

// The periodic report on the handling of procedures (docs/api.md, "The
// periodic report: Report"; docs/operations.md, "Reports"), built from
// per-day deltas that each event contributes. A report of any period is then
// a sum over days, never a walk over dossiers:
//
// - flows happen on one day (received, resolved, returned, closed) and are
//   summed over the period's days;
// - levels (pending or paused, within time or overdue) are the number of
//   dossiers in a bucket at the end of a day: an event moves the dossier
//   between buckets from its day on, and a running dossier moves itself from
//   "within time" to "overdue" on its due day, which is written ahead as a
//   delta on that day (and taken back if an event changes the due time
//   first). The level at the end of day D is the sum of deltas up to D.
//
// Days are Vietnamese days (UTC+07:00), as reporting periods are.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/dossier.h"

namespace motcua {

// The zone of report days.
absl::TimeZone ReportZone();
// Days since 1970-01-01 in ReportZone, rounded down (-1 is 1969-12-31).
// absl::InfiniteFuture() is the largest int64_t, absl::InfinitePast() the
// smallest: after and before every day.
int64_t ReportDay(absl::Time time);
int64_t ReportDay(absl::CivilDay day);

// What a delta counts. Stored: never renumber.
enum class ReportMeasure : int32_t {
  // Flows.
  kReceivedOnline = 1,
  kReceivedOther = 2,  // in person or by post
  kResolvedEarly = 3,
  kResolvedOnTime = 4,
  kResolvedLate = 5,
  kReturnedEarly = 6,  // a resolved dossier's result handed over
  kReturnedOnTime = 7,
  kReturnedLate = 8,
  kClosedEarly = 9,  // rejected or withdrawn
  kClosedOnTime = 10,
  kClosedLate = 11,
  kRejected = 12,   // of which rejected
  kWithdrawn = 13,  // of which withdrawn
  // Of the new receipts, those entered beyond the backdating bound, on the
  // day of their receipt: the day whose figures they changed afterwards.
  kReceivedEnteredLate = 14,
  // Levels.
  kPendingWithin = 20,
  kPendingOverdue = 21,
  kPausedWithin = 22,
  kPausedOverdue = 23,
  kAwaitingReturnWithin = 24,  // resolved, result not yet handed over
  kAwaitingReturnOverdue = 25,
};
bool IsLevel(ReportMeasure measure);

struct ReportDelta {
  int64_t day = 0;
  ReportMeasure measure = ReportMeasure::kReceivedOnline;
  int64_t delta = 0;
};

// Where a dossier, or a step of its control sheet, stands for the levels:
// which pair of measures, and from which day a running one is overdue.
struct ReportStanding {
  ReportMeasure within = ReportMeasure::kPendingWithin;
  ReportMeasure overdue = ReportMeasure::kPendingOverdue;
  bool is_overdue_now = false;          // for buckets that do not move
  std::optional<int64_t> overdue_from;  // for a running one: its due day
};

// What the deltas of an event read of the dossier before it: its state, its
// standing, and its last control-sheet entry (only the last can still be
// open). Small, so that a caller takes it before applying an event rather
// than keeping a copy of the whole dossier.
struct ReportBasis {
  LifecycleState state = LifecycleState::kReceived;
  std::optional<ReportStanding> standing;
  size_t steps = 0;  // entries of the control sheet
  bool last_step_ended = false;
  std::optional<ReportStanding> last_step_standing;
};
ReportBasis ReportBasisOf(const Dossier& dossier);

// The deltas one event contributes: `before` is the dossier before it
// (ReportBasisOf; null for its receipt), `after` with it applied, `at` when it
// occurred. Deltas on the same day and measure are merged; zeros are left out.
std::vector<ReportDelta> ReportDeltasOf(const ReportBasis* before,
                                        const Dossier& after, absl::Time at);

// The report by unit: a unit's row counts the steps it held (entries of
// the control sheet), as the other rows count dossiers, so that a step's
// lateness is the unit's that held it:
// - received: a step entered (handed over to the unit, or the first step
//   at receipt), by the dossier's channel; carried over: its steps open at
//   the end of the day before the period;
// - resolved: its steps that ended (handed on, the dossier resolved,
//   rejected or withdrawn), early (on a day before the step's due day), on
//   time or late against the step's own due time (late as the engine
//   recorded it: StepRecord::late); rejected/withdrawn: of those, ended by
//   the dossier's closing;
// - pending: its steps open with the clock running, overdue from the
//   step's due day; paused: open while the dossier is paused, overdue when
//   paused after the step's due time.
// A unit outside the procedure's steps has no budget of its own: its steps
// are never overdue or late (they count as ended on time). The row
// invariant holds as in every row.
struct UnitReportDelta {
  absl::string_view unit;  // views the dossier the deltas are of
  int64_t day = 0;
  ReportMeasure measure = ReportMeasure::kReceivedOnline;
  int64_t delta = 0;
};
std::vector<UnitReportDelta> UnitReportDeltasOf(const ReportBasis* before,
                                                const Dossier& after,
                                                absl::Time at);

// When a resolution counts: at resolution (portal status 9, the default) or
// when the result is returned (portal status 10).
enum class CountResolutionAt { kResolution, kReturn };

// One row of the report.
struct ReportRow {
  std::string group;  // the agency, procedure or field
  int64_t received = 0;
  int64_t carried_over = 0;
  int64_t new_online = 0;
  int64_t new_in_person_or_postal = 0;
  // Of the new ones (online, in person or postal): received in the period
  // but entered beyond the backdating bound, possibly after the period's
  // report was taken. Not a column of the balance.
  int64_t entered_late = 0;
  int64_t resolved = 0;
  int64_t resolved_early = 0;
  int64_t resolved_on_time = 0;
  int64_t resolved_late = 0;
  int64_t rejected = 0;   // of resolved: not eligible
  int64_t withdrawn = 0;  // of resolved: withdrawn by the applicant
  int64_t pending = 0;
  int64_t pending_within = 0;
  int64_t pending_overdue = 0;
  int64_t paused = 0;
  int64_t paused_within = 0;
  int64_t paused_overdue = 0;
  // new_online / (new_online + new_in_person_or_postal); 0 without new.
  double online_rate = 0;

  // received == carried_over + new == resolved + pending + paused.
  bool Balanced() const;
};

// Sums of deltas of one group: flows over the period's days, levels before
// the period (carried over) and up to its end.
struct ReportSums {
  std::map<ReportMeasure, int64_t> flows;
  std::map<ReportMeasure, int64_t> levels_before;
  std::map<ReportMeasure, int64_t> levels_at_end;
};
ReportRow BuildReportRow(const std::string& group, const ReportSums& sums,
                         CountResolutionAt count_at);

// The report's rows of every group that received or resolved a dossier, in
// the groups' order. The sums `by_unit` count resolutions only (a step ends
// when it is handed on or its dossier resolved), whatever `count_at` says.
std::vector<ReportRow> BuildReportRows(
    const std::vector<std::pair<std::string, ReportSums>>& groups, bool by_unit,
    CountResolutionAt count_at);

}  // namespace motcua

#endif  // MOTCUA_ENGINE_REPORT_H_
