#ifndef MOTCUA_ENGINE_TIME_LIMIT_H_
#define MOTCUA_ENGINE_TIME_LIMIT_H_

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/calendar.h"

namespace motcua {

enum class LimitUnit {
  kWorkingDays,   // "3wd"
  kWorkingHours,  // "8wh"
  // "45wm": working minutes, for the step budgets of a same-day procedure,
  // whose steps must fit the hours left before closing.
  kWorkingMinutes,
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

  // "3wd", "8wh", "45wm", "15cd" or "same-day"; the cut-off is not part of
  // it.
  std::string ToString() const;

  friend bool operator==(const TimeLimit&, const TimeLimit&) = default;
};

// Parses "Nwd", "Nwh", "Nwm", "Ncd" (N a positive integer) or "same-day".
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

// The end of a window of time written as a limit ("1wd", "4wh", "30wm",
// "2cd", "same-day") that opens at `at`: where a limit of that length with no
// cut-off would fall due for a receipt at `at` (ComputeDue). "1wd" on a
// Wednesday at 10:00 ends on Thursday at 10:00; on a Friday evening, on
// Tuesday at the opening. Lists of what falls due soon use it, so that a
// window in working days has the length the dossier's own calendar gives it.
// Errors as ComputeDue.
absl::StatusOr<absl::Time> WindowEnd(const Calendar& calendar,
                                     const TimeLimit& window, absl::Time at);

// A due time with what it rests on.
struct DuePlan {
  absl::Time start;  // where the clock starts (StartOfClock)
  absl::Time due;    // the due time (DueFromStart)
  // The provisional days of the calendar (a holiday or make-up day not yet
  // confirmed) from the receipt's day to the due day, both included: the due
  // time moves if one of them is decided otherwise.
  std::vector<absl::CivilDay> provisional_days;

  bool provisional() const { return !provisional_days.empty(); }
};

// ComputeDue, also reporting the provisional days the computation crossed.
// Errors as ComputeDue.
absl::StatusOr<DuePlan> PlanDue(const Calendar& calendar,
                                const TimeLimit& limit, absl::Time received);

// The provisional days a due time counted from `from` to `due` rests on (the
// days of both included), as PlanDue reports them.
std::vector<absl::CivilDay> ProvisionalDaysOf(const Calendar& calendar,
                                              absl::Time from, absl::Time due);

// How far an instant stands from a due time, in working and in calendar
// time. Past a due time at the end of a working day, no working time passes
// until the next opening: the working lateness stays 0m while the dossier is
// late all the same, so lateness is decided on calendar time.
struct TimeLeft {
  // Working time from the instant to the due time; negative past it.
  absl::Duration working = absl::ZeroDuration();
  // The due time minus the instant; negative past it.
  absl::Duration calendar = absl::ZeroDuration();

  bool late() const { return calendar < absl::ZeroDuration(); }
  // Working time past the due time (0 when not late).
  absl::Duration working_lateness() const {
    return late() ? std::max(absl::ZeroDuration(), -working)
                  : absl::ZeroDuration();
  }
  // Calendar time since the due time (0 when not late).
  absl::Duration calendar_lateness() const {
    return late() ? -calendar : absl::ZeroDuration();
  }
};

// The time left from `at` to `due`. OUT_OF_RANGE when the calendar does not
// cover both.
absl::StatusOr<TimeLeft> TimeLeftUntil(const Calendar& calendar, absl::Time at,
                                       absl::Time due);

// "1h30m of working time left", or when late "late by 0m of working time
// (2h15m since the due time)".
std::string TimeLeftText(const TimeLeft& left);

// The longest working time a limit can give on this calendar, used to check
// that step budgets fit: Nwh is N hours; Nwd, same-day and Ncd count the
// calendar's nominal working day per day.
absl::Duration NominalLength(const Calendar& calendar, const TimeLimit& limit);

}  // namespace motcua

#endif  // MOTCUA_ENGINE_TIME_LIMIT_H_
