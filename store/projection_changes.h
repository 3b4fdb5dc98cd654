#ifndef MOTCUA_STORE_PROJECTION_CHANGES_H_
#define MOTCUA_STORE_PROJECTION_CHANGES_H_

// What rows of the projections one event changes, whatever the database:
// both backends (store/projections.cc for SQLite, store/postgres/) write
// what these functions say, so that the two hold the same projections of
// the same log. No SQL here.

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/dossier.h"
#include "engine/events.h"

namespace motcua::store {

// The `kind` column of deadlines and deadline_days.
inline constexpr char kDossierDeadlineKind[] = "dossier";
inline constexpr char kStepDeadlineKind[] = "step";

// One row of `deadlines`, viewing the dossier it is of (compared and
// written while that dossier lives).
struct DeadlineRow {
  int64_t due_at = 0;  // stored micros
  absl::string_view step_id;
  absl::string_view unit;
  absl::string_view agency;
  absl::string_view procedure_code;

  friend bool operator==(const DeadlineRow&, const DeadlineRow&) = default;
};

// The day a deadline counts under in deadline_days (engine ReportDay).
int64_t DeadlineDay(const DeadlineRow& row);

// How a count of the deadlines due before `due_before` takes those of
// due_before's own day, which deadline_days cannot split: from the index,
// over the shorter half of the day. Before the day's midday, the deadlines
// in [from, to) = [the day's start, due_before); from midday, the day's
// count in deadline_days less those in [from, to) = [due_before, the next
// day's start).
struct DueDayPart {
  int64_t day = 0;  // deadline_days.due_day of due_before
  absl::Time from;
  absl::Time to;
  bool less_than_day = false;  // the day's count less the range
};
DueDayPart DueDayPartOf(absl::Time due_before);

// A deadline of one kind before and after an event (nullopt: no row).
struct DeadlineChange {
  const char* kind;
  std::optional<DeadlineRow> old_row;
  std::optional<DeadlineRow> new_row;

  bool changed() const { return old_row != new_row; }
  // Whether the day counts (deadline_days, deadline_totals) move: the row
  // appears, disappears, or changes day or agency.
  bool moves_day_count() const;
};

// The dossier's and its open step's deadlines, in that order. `before` is
// null for a dossier's first event.
std::array<DeadlineChange, 2> DeadlineChanges(const Dossier* before,
                                              const Dossier& after);

// The next threshold of one watch before and after an event.
struct ThresholdChange {
  ThresholdTarget target;
  std::optional<PendingThreshold> old_next;
  std::optional<PendingThreshold> new_next;

  bool changed() const { return old_next != new_next; }
};

// The dossier's and its open step's next thresholds, in that order.
std::array<ThresholdChange, 2> ThresholdChanges(const Dossier* before,
                                                const Dossier& after);

// The control sheet entries (0-based positions in after.steps) an event
// adds or changes.
std::vector<size_t> ChangedControlSheetEntries(const Dossier* before,
                                               const Dossier& after);

// The key of `counters` a dossier counts under, viewing the dossier.
struct CounterKey {
  absl::string_view agency;
  absl::string_view procedure_code;
  absl::string_view unit;
  int64_t state = 0;

  friend bool operator==(const CounterKey&, const CounterKey&) = default;
};
CounterKey CounterKeyOf(const Dossier& dossier);

// The unit holding the dossier now ('' when no step is open): the
// dossiers.current_unit column.
absl::string_view CurrentUnit(const Dossier& dossier);

}  // namespace motcua::store

#endif  // MOTCUA_STORE_PROJECTION_CHANGES_H_
