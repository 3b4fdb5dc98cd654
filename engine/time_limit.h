#ifndef MOTCUA_ENGINE_TIME_LIMIT_H_
#define MOTCUA_ENGINE_TIME_LIMIT_H_

#include <cstdint>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/calendar.h"

namespace motcua {

enum class LimitUnit {
  kWorkingDays,   // "3wd"
  kWorkingHours,  // "8wh"
  kCalendarDays,  // "15cd"
  kSameDay,       // "same-day"
};

// A legal time limit (thời hạn giải quyết) or a step budget.
struct TimeLimit {
  LimitUnit unit = LimitUnit::kWorkingDays;
  int64_t amount = 0;  // 0 for same-day
  // A receipt on a working day at or after this second of the day starts the
  // clock at the opening of the next working day.
  std::optional<int32_t> cutoff_second;

  // "3wd", "8wh", "15cd" or "same-day"; the cut-off is not part of it.
  std::string ToString() const;

  friend bool operator==(const TimeLimit&, const TimeLimit&) = default;
};

// Parses "Nwd", "Nwh", "Ncd" (N a positive integer) or "same-day".
// INVALID_ARGUMENT names the text and the accepted forms.
absl::StatusOr<TimeLimit> ParseTimeLimit(absl::string_view text);

// Parses "HH:MM" into seconds since midnight. INVALID_ARGUMENT otherwise.
absl::StatusOr<int32_t> ParseClockTime(absl::string_view text);
std::string FormatClockTime(int32_t second_of_day);

// A signed working-time offset ("+2wd", "-4wh"), used for escalation
// thresholds relative to a due time.
struct WorkingOffset {
  LimitUnit unit = LimitUnit::kWorkingDays;  // kWorkingDays or kWorkingHours
  int64_t amount = 0;                        // may be negative

  std::string ToString() const;  // "+2wd", "-4wh", "+0wd"
  friend bool operator==(const WorkingOffset&, const WorkingOffset&) = default;
};

// Moves `instant` by `offset` in working time.
absl::StatusOr<absl::Time> ApplyOffset(const Calendar& calendar,
                                       absl::Time instant,
                                       const WorkingOffset& offset);

// When the clock starts for a receipt at `received`: the receipt itself when
// it is working time, else the next working instant; with a cut-off, a receipt
// on a working day at or after the cut-off starts at the next working day's
// opening.
absl::StatusOr<absl::Time> StartOfClock(const Calendar& calendar,
                                        absl::Time received,
                                        std::optional<int32_t> cutoff_second);

// The due time of a limit whose clock started at `start` (a working instant,
// as StartOfClock returns). Semantics: docs/rules.md, "Time limits".
absl::StatusOr<absl::Time> DueFromStart(const Calendar& calendar,
                                        const TimeLimit& limit,
                                        absl::Time start);

// StartOfClock followed by DueFromStart.
absl::StatusOr<absl::Time> ComputeDue(const Calendar& calendar,
                                      const TimeLimit& limit,
                                      absl::Time received);

// The longest working time a limit can give on this calendar, used to check
// that step budgets fit: Nwh is N hours; Nwd, same-day and Ncd count the
// calendar's nominal working day per day.
absl::Duration NominalLength(const Calendar& calendar, const TimeLimit& limit);

}  // namespace motcua

#endif  // MOTCUA_ENGINE_TIME_LIMIT_H_
