#ifndef MOTCUA_ENGINE_CALENDAR_H_
#define MOTCUA_ENGINE_CALENDAR_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace motcua {

// A working period of one day, in seconds since local midnight. Half-open:
// [start_second, end_second). 07:30 is working time in 07:30-11:30, 11:30 is
// not.
struct WorkingPeriod {
  int32_t start_second = 0;
  int32_t end_second = 0;

  friend bool operator==(const WorkingPeriod&, const WorkingPeriod&) = default;
};

// Formats "07:30-11:30".
std::string FormatWorkingPeriod(const WorkingPeriod& period);

// A day or a range of days (both ends included) that are not worked, even when
// the weekly pattern would have them worked.
struct Holiday {
  absl::CivilDay first;
  absl::CivilDay last;
  std::string name;
  std::string source;
  bool provisional = false;
};

// A day that is worked although the weekly pattern would rest (a make-up
// Saturday). Without periods of its own it is worked like a Monday.
struct MakeUpDay {
  absl::CivilDay day;
  std::optional<std::vector<WorkingPeriod>> periods;
  std::string name;
  std::string source;
  bool provisional = false;
};

// Everything a rule file says about a calendar.
struct CalendarSpec {
  std::string name;
  int32_t utc_offset_seconds = 0;
  // Indexed by weekday, Monday = 0 ... Sunday = 6.
  std::array<std::vector<WorkingPeriod>, 7> working_week;
  std::vector<Holiday> holidays;
  std::vector<MakeUpDay> make_up_days;
  // The calendar answers for these days only (both included): beyond them its
  // holidays are unknown, so computations that reach outside are refused.
  absl::CivilDay first_day;
  absl::CivilDay last_day;
};

// The most days a calendar may cover: thirty years. A calendar answers for
// the years whose holidays are decided, around the rules' validity (the
// shipped ones cover four); every covered day is precomputed, so a range of
// millennia (0001..9999) would cost hundreds of MiB and seconds per calendar
// at each load of the rules.
inline constexpr int64_t kMaxCalendarDays = 30 * 366;
// The most days all the calendars of one rule set may cover together: a
// century. Without it, many calendars each of thirty years (by "extends",
// a few lines each) cost seconds and gigabytes at each load (found by
// fuzzing).
inline constexpr int64_t kMaxRuleSetCalendarDays = 100 * 366;

// A pause of the clock: working time in [from, to) does not count.
struct Interval {
  absl::Time from;
  absl::Time to;
};

// A working-time calendar with every covered day precomputed, so that every
// operation is O(1) or O(log days) and never walks minute by minute.
//
// The calendar counts to the second. Every operation that reaches a day
// outside the covered range returns OUT_OF_RANGE naming the calendar and the
// range.
class Calendar {
 public:
  // Validates the spec (periods ordered, non-empty, within one day; holidays
  // and make-up days inside the covered range; a day both a holiday and a
  // make-up day; at most kMaxCalendarDays covered) and precomputes it.
  // INVALID_ARGUMENT says what is wrong.
  static absl::StatusOr<Calendar> Build(CalendarSpec spec);

  const CalendarSpec& spec() const { return spec_; }
  const std::string& name() const { return spec_.name; }
  absl::TimeZone zone() const { return zone_; }

  // The local day and second of day of an instant in this calendar's zone.
  absl::CivilDay LocalDay(absl::Time instant) const;
  absl::CivilSecond LocalTime(absl::Time instant) const;
  // The instant of a local civil time in this calendar's zone.
  absl::Time FromLocal(absl::CivilSecond local) const;

  bool Covers(absl::CivilDay day) const;
  // False for days outside the covered range.
  bool IsWorkingDay(absl::CivilDay day) const;
  // The working periods of a day (empty when not a working day or not
  // covered).
  absl::Span<const WorkingPeriod> PeriodsOf(absl::CivilDay day) const;
  // False for instants outside the covered range.
  bool IsWorkingTime(absl::Time instant) const;

  // The instant itself when it is working time, else the start of the next
  // working period.
  absl::StatusOr<absl::Time> NextWorkingInstant(absl::Time instant) const;

  // The first working day at or after `day`.
  absl::StatusOr<absl::CivilDay> NextWorkingDay(absl::CivilDay day) const;

  // The working day `days` working days after (before, when negative) the
  // day of `start`, at the same time of day clamped into that day's working
  // hours: before the opening it becomes the opening, in a break or after the
  // closing it becomes the end of the period just before. A start on a day
  // that is not worked counts from the next working day as day one (and zero
  // days from it is that next working day).
  absl::StatusOr<absl::Time> AddWorkingDays(absl::Time start,
                                            int64_t days) const;

  // The earliest instant at which `amount` of working time has passed since
  // `start` (before it, when negative). A result that falls exactly at the end
  // of a period is that end (11:30, not 13:30). Zero returns `start`.
  absl::StatusOr<absl::Time> AddWorkingTime(absl::Time start,
                                            absl::Duration amount) const;

  // Working time in [from, to); negative when `to` is before `from`.
  absl::StatusOr<absl::Duration> WorkingTimeBetween(absl::Time from,
                                                    absl::Time to) const;
  // As above, leaving out the working time inside any of `pauses` (which may
  // overlap each other and extend beyond [from, to)).
  absl::StatusOr<absl::Duration> WorkingTimeBetween(
      absl::Time from, absl::Time to, absl::Span<const Interval> pauses) const;

  // The end of the last working period of a working day; FAILED_PRECONDITION
  // when the day is not worked.
  absl::StatusOr<absl::Time> EndOfWorkingDay(absl::CivilDay day) const;

  // The longest working time of any day of the weekly pattern (7h30 for the
  // shipped Vietnamese calendar): the nominal length of a working day.
  absl::Duration NominalWorkingDay() const;

  // The days in [first, last] (both included) that the calendar holds as
  // provisional: a holiday or a make-up day not yet confirmed by decision.
  // A time computed across one of them may move when the decision comes.
  // In day order, each day once; empty when `last` is before `first`.
  std::vector<absl::CivilDay> ProvisionalDays(absl::CivilDay first,
                                              absl::CivilDay last) const;

 private:
  struct Day {
    uint32_t first_period = 0;  // index into periods_
    uint32_t period_count = 0;
    int64_t working_seconds_before = 0;  // cumulative, from first_day
    int32_t working_days_before = 0;     // cumulative, from first_day
  };

  Calendar() = default;

  // Index of the day holding `instant` and its second of day; OUT_OF_RANGE
  // outside the covered range.
  absl::Status Locate(absl::Time instant, int64_t* day_index,
                      int32_t* second_of_day) const;
  // Working seconds from the start of the covered range to `instant`.
  absl::StatusOr<int64_t> CumulativeSeconds(absl::Time instant) const;
  absl::Time InstantOf(int64_t day_index, int32_t second_of_day) const;
  absl::Status OutOfRange(absl::CivilDay day) const;
  bool DayIsWorking(int64_t day_index) const {
    return days_[day_index].period_count > 0;
  }
  int64_t DaySeconds(int64_t day_index) const;

  CalendarSpec spec_;
  absl::TimeZone zone_;
  int64_t first_day_local_seconds_ = 0;  // local midnight of first_day, Unix
  std::vector<Day> days_;
  std::vector<WorkingPeriod> periods_;
  std::vector<int32_t> working_day_indices_;
  // working_seconds_after_[i] = working seconds up to the end of day i.
  std::vector<int64_t> working_seconds_after_;
};

}  // namespace motcua

#endif  // MOTCUA_ENGINE_CALENDAR_H_
