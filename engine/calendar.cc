#include "engine/calendar.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/time_format.h"

namespace motcua {
namespace {

constexpr int64_t kSecondsPerDay = 86400;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Monday = 0 ... Sunday = 6.
int WeekdayIndex(absl::CivilDay day) {
  switch (absl::GetWeekday(day)) {
    case absl::Weekday::monday:
      return 0;
    case absl::Weekday::tuesday:
      return 1;
    case absl::Weekday::wednesday:
      return 2;
    case absl::Weekday::thursday:
      return 3;
    case absl::Weekday::friday:
      return 4;
    case absl::Weekday::saturday:
      return 5;
    case absl::Weekday::sunday:
      return 6;
  }
  return 0;
}

std::string DayString(absl::CivilDay day) { return FormatDay(day); }

absl::Status CheckPeriods(const std::vector<WorkingPeriod>& periods,
                          absl::string_view what) {
  int32_t previous_end = 0;
  for (const WorkingPeriod& period : periods) {
    if (period.start_second < 0 || period.end_second > kSecondsPerDay ||
        period.start_second >= period.end_second) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": period ", FormatWorkingPeriod(period),
                       " is empty or not within one day"));
    }
    if (period.start_second < previous_end) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": period ", FormatWorkingPeriod(period),
                       " overlaps or precedes the period before it"));
    }
    previous_end = period.end_second;
  }
  return absl::OkStatus();
}

}  // namespace

std::string FormatWorkingPeriod(const WorkingPeriod& period) {
  return absl::StrFormat("%02d:%02d-%02d:%02d", period.start_second / 3600,
                         period.start_second % 3600 / 60,
                         period.end_second / 3600,
                         period.end_second % 3600 / 60);
}

absl::StatusOr<Calendar> Calendar::Build(CalendarSpec spec) {
  static constexpr const char* kWeekdayNames[] = {
      "monday", "tuesday",  "wednesday", "thursday",
      "friday", "saturday", "sunday"};
  if (spec.last_day < spec.first_day) {
    return absl::InvalidArgumentError(absl::StrCat(
        "calendar ", spec.name, ": covers ends (", DayString(spec.last_day),
        ") before it begins (", DayString(spec.first_day), ")"));
  }
  if (spec.last_day - spec.first_day + 1 > kMaxCalendarDays) {
    return absl::InvalidArgumentError(absl::StrCat(
        "calendar ", spec.name, ": covers ", DayString(spec.first_day), "..",
        DayString(spec.last_day), ", more than the ", kMaxCalendarDays,
        " days (thirty years) a calendar may cover"));
  }
  for (int weekday = 0; weekday < 7; ++weekday) {
    absl::Status status = CheckPeriods(
        spec.working_week[weekday],
        absl::StrCat("calendar ", spec.name, " ", kWeekdayNames[weekday]));
    if (!status.ok()) return status;
  }

  Calendar calendar;
  const int64_t day_count = spec.last_day - spec.first_day + 1;
  // Which days are holidays, which are make-up days (and with which periods).
  std::vector<char> holiday(day_count, 0);
  std::vector<const MakeUpDay*> make_up(day_count, nullptr);
  for (const Holiday& entry : spec.holidays) {
    if (entry.last < entry.first) {
      return absl::InvalidArgumentError(
          absl::StrCat("calendar ", spec.name, ": holiday ", entry.name,
                       " ends (", DayString(entry.last), ") before it begins (",
                       DayString(entry.first), ")"));
    }
    if (entry.first < spec.first_day || entry.last > spec.last_day) {
      return absl::InvalidArgumentError(absl::StrCat(
          "calendar ", spec.name, ": holiday ", entry.name, " (",
          DayString(entry.first), ") is outside the covered range ",
          DayString(spec.first_day), "..", DayString(spec.last_day)));
    }
    for (absl::CivilDay day = entry.first; day <= entry.last; ++day) {
      holiday[day - spec.first_day] = 1;
    }
  }
  for (const MakeUpDay& entry : spec.make_up_days) {
    if (entry.day < spec.first_day || entry.day > spec.last_day) {
      return absl::InvalidArgumentError(absl::StrCat(
          "calendar ", spec.name, ": make-up day ", DayString(entry.day),
          " is outside the covered range ", DayString(spec.first_day), "..",
          DayString(spec.last_day)));
    }
    if (holiday[entry.day - spec.first_day]) {
      return absl::InvalidArgumentError(
          absl::StrCat("calendar ", spec.name, ": ", DayString(entry.day),
                       " is both a holiday and a make-up day"));
    }
    if (make_up[entry.day - spec.first_day] != nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("calendar ", spec.name, ": make-up day ",
                       DayString(entry.day), " is listed twice"));
    }
    if (entry.periods.has_value()) {
      absl::Status status = CheckPeriods(
          *entry.periods, absl::StrCat("calendar ", spec.name, " make-up day ",
                                       DayString(entry.day)));
      if (!status.ok()) return status;
    }
    make_up[entry.day - spec.first_day] = &entry;
  }

  calendar.zone_ = FixedZone(spec.utc_offset_seconds);
  calendar.first_day_local_seconds_ =
      absl::ToUnixSeconds(absl::FromCivil(spec.first_day, absl::UTCTimeZone()));
  calendar.days_.resize(day_count);
  calendar.working_seconds_after_.resize(day_count);
  int64_t working_seconds = 0;
  int32_t working_days = 0;
  for (int64_t i = 0; i < day_count; ++i) {
    const absl::CivilDay day = spec.first_day + i;
    const std::vector<WorkingPeriod>* periods = nullptr;
    if (make_up[i] != nullptr) {
      periods = make_up[i]->periods.has_value() ? &*make_up[i]->periods
                                                : &spec.working_week[0];
    } else if (!holiday[i]) {
      periods = &spec.working_week[WeekdayIndex(day)];
    }
    Day& info = calendar.days_[i];
    info.working_seconds_before = working_seconds;
    info.working_days_before = working_days;
    info.first_period = static_cast<uint32_t>(calendar.periods_.size());
    if (periods != nullptr && !periods->empty()) {
      info.period_count = static_cast<uint32_t>(periods->size());
      for (const WorkingPeriod& period : *periods) {
        calendar.periods_.push_back(period);
        working_seconds += period.end_second - period.start_second;
      }
      calendar.working_day_indices_.push_back(static_cast<int32_t>(i));
      ++working_days;
    }
    calendar.working_seconds_after_[i] = working_seconds;
  }
  calendar.spec_ = std::move(spec);
  return calendar;
}

absl::CivilDay Calendar::LocalDay(absl::Time instant) const {
  return absl::CivilDay(absl::ToCivilSecond(instant, zone_));
}

absl::CivilSecond Calendar::LocalTime(absl::Time instant) const {
  return absl::ToCivilSecond(instant, zone_);
}

absl::Time Calendar::FromLocal(absl::CivilSecond local) const {
  return absl::FromCivil(local, zone_);
}

bool Calendar::Covers(absl::CivilDay day) const {
  return day >= spec_.first_day && day <= spec_.last_day;
}

bool Calendar::IsWorkingDay(absl::CivilDay day) const {
  return Covers(day) && DayIsWorking(day - spec_.first_day);
}

absl::Span<const WorkingPeriod> Calendar::PeriodsOf(absl::CivilDay day) const {
  if (!Covers(day)) return {};
  const Day& info = days_[day - spec_.first_day];
  return absl::MakeConstSpan(periods_.data() + info.first_period,
                             info.period_count);
}

absl::Status Calendar::OutOfRange(absl::CivilDay day) const {
  return absl::OutOfRangeError(absl::StrCat(
      "calendar ", spec_.name, " covers ", DayString(spec_.first_day), "..",
      DayString(spec_.last_day), "; ", DayString(day),
      " is outside it (add the year to the calendar's rule file)"));
}

absl::Status Calendar::Locate(absl::Time instant, int64_t* day_index,
                              int32_t* second_of_day) const {
  const int64_t local_seconds = absl::ToUnixSeconds(instant) +
                                spec_.utc_offset_seconds -
                                first_day_local_seconds_;
  const int64_t index = FloorDiv(local_seconds, kSecondsPerDay);
  if (index < 0 || index >= static_cast<int64_t>(days_.size())) {
    return OutOfRange(spec_.first_day + index);
  }
  *day_index = index;
  *second_of_day = static_cast<int32_t>(local_seconds - index * kSecondsPerDay);
  return absl::OkStatus();
}

absl::Time Calendar::InstantOf(int64_t day_index, int32_t second_of_day) const {
  return absl::FromUnixSeconds(first_day_local_seconds_ +
                               day_index * kSecondsPerDay + second_of_day -
                               spec_.utc_offset_seconds);
}

int64_t Calendar::DaySeconds(int64_t day_index) const {
  return working_seconds_after_[day_index] -
         days_[day_index].working_seconds_before;
}

bool Calendar::IsWorkingTime(absl::Time instant) const {
  int64_t index;
  int32_t second;
  if (!Locate(instant, &index, &second).ok()) return false;
  const Day& info = days_[index];
  for (uint32_t p = 0; p < info.period_count; ++p) {
    const WorkingPeriod& period = periods_[info.first_period + p];
    if (second >= period.start_second && second < period.end_second) {
      return true;
    }
  }
  return false;
}

absl::StatusOr<int64_t> Calendar::CumulativeSeconds(absl::Time instant) const {
  int64_t index;
  int32_t second;
  absl::Status status = Locate(instant, &index, &second);
  if (!status.ok()) return status;
  const Day& info = days_[index];
  int64_t total = info.working_seconds_before;
  for (uint32_t p = 0; p < info.period_count; ++p) {
    const WorkingPeriod& period = periods_[info.first_period + p];
    if (second <= period.start_second) break;
    total += std::min(second, period.end_second) - period.start_second;
  }
  return total;
}

absl::StatusOr<absl::Time> Calendar::NextWorkingInstant(
    absl::Time instant) const {
  int64_t index;
  int32_t second;
  absl::Status status = Locate(instant, &index, &second);
  if (!status.ok()) return status;
  const Day& info = days_[index];
  for (uint32_t p = 0; p < info.period_count; ++p) {
    const WorkingPeriod& period = periods_[info.first_period + p];
    if (second < period.start_second) {
      return InstantOf(index, period.start_second);
    }
    if (second < period.end_second) return instant;
  }
  // The first working day after this one: the working-day counter of the
  // next day says which entry of working_day_indices_ that is.
  const int32_t next = info.working_days_before + (info.period_count > 0);
  if (next >= static_cast<int32_t>(working_day_indices_.size())) {
    return OutOfRange(spec_.last_day + 1);
  }
  const int32_t next_index = working_day_indices_[next];
  return InstantOf(next_index,
                   periods_[days_[next_index].first_period].start_second);
}

absl::StatusOr<absl::CivilDay> Calendar::NextWorkingDay(
    absl::CivilDay day) const {
  if (!Covers(day)) return OutOfRange(day);
  const int32_t next = days_[day - spec_.first_day].working_days_before;
  if (next >= static_cast<int32_t>(working_day_indices_.size())) {
    return OutOfRange(spec_.last_day + 1);
  }
  return spec_.first_day + working_day_indices_[next];
}

absl::StatusOr<absl::Time> Calendar::AddWorkingDays(absl::Time start,
                                                    int64_t days) const {
  int64_t index;
  int32_t second;
  absl::Status status = Locate(start, &index, &second);
  if (!status.ok()) return status;
  const Day& info = days_[index];
  // working_days_before is this day's position among working days when it is
  // one, and the position of the next working day when it is not.
  int64_t target = info.working_days_before + days;
  if (!DayIsWorking(index) && days > 0) --target;
  if (target < 0) return OutOfRange(spec_.first_day - 1);
  if (target >= static_cast<int64_t>(working_day_indices_.size())) {
    return OutOfRange(spec_.last_day + 1);
  }
  const int32_t target_index = working_day_indices_[target];
  const Day& target_day = days_[target_index];
  // Clamp the time of day into the target day's working hours.
  int32_t clamped = periods_[target_day.first_period].start_second;
  for (uint32_t p = 0; p < target_day.period_count; ++p) {
    const WorkingPeriod& period = periods_[target_day.first_period + p];
    if (second < period.start_second) break;
    clamped = std::min(second, period.end_second);
  }
  return InstantOf(target_index, clamped);
}

absl::StatusOr<absl::Time> Calendar::AddWorkingTime(
    absl::Time start, absl::Duration amount) const {
  if (amount == absl::ZeroDuration()) return start;
  absl::StatusOr<int64_t> from = CumulativeSeconds(start);
  if (!from.ok()) return from.status();
  const int64_t target = *from + absl::ToInt64Seconds(amount);
  // Working time before the covered range is unknown.
  if (target < 0) return OutOfRange(spec_.first_day - 1);
  if (target == 0) {
    if (working_day_indices_.empty()) return OutOfRange(spec_.first_day);
    const int32_t first = working_day_indices_.front();
    return InstantOf(first, periods_[days_[first].first_period].start_second);
  }
  // The first day whose cumulative working time reaches the target; within
  // it, the period where the remainder runs out. A remainder that ends
  // exactly at a period's end stays there.
  const auto it = std::lower_bound(working_seconds_after_.begin(),
                                   working_seconds_after_.end(), target);
  if (it == working_seconds_after_.end()) {
    return OutOfRange(spec_.last_day + 1);
  }
  const int64_t index = it - working_seconds_after_.begin();
  const Day& info = days_[index];
  int64_t remaining = target - info.working_seconds_before;
  for (uint32_t p = 0; p < info.period_count; ++p) {
    const WorkingPeriod& period = periods_[info.first_period + p];
    const int64_t length = period.end_second - period.start_second;
    if (remaining <= length) {
      return InstantOf(index,
                       period.start_second + static_cast<int32_t>(remaining));
    }
    remaining -= length;
  }
  return absl::InternalError("calendar cumulative index is inconsistent");
}

absl::StatusOr<absl::Duration> Calendar::WorkingTimeBetween(
    absl::Time from, absl::Time to) const {
  absl::StatusOr<int64_t> a = CumulativeSeconds(from);
  if (!a.ok()) return a.status();
  absl::StatusOr<int64_t> b = CumulativeSeconds(to);
  if (!b.ok()) return b.status();
  return absl::Seconds(*b - *a);
}

absl::StatusOr<absl::Duration> Calendar::WorkingTimeBetween(
    absl::Time from, absl::Time to, absl::Span<const Interval> pauses) const {
  const bool reversed = to < from;
  const absl::Time low = reversed ? to : from;
  const absl::Time high = reversed ? from : to;
  absl::StatusOr<absl::Duration> total = WorkingTimeBetween(low, high);
  if (!total.ok()) return total.status();
  // Clip the pauses to [low, high), merge overlaps, and subtract each once.
  std::vector<Interval> clipped;
  clipped.reserve(pauses.size());
  for (const Interval& pause : pauses) {
    const absl::Time a = std::max(pause.from, low);
    const absl::Time b = std::min(pause.to, high);
    if (a < b) clipped.push_back({a, b});
  }
  std::sort(
      clipped.begin(), clipped.end(),
      [](const Interval& x, const Interval& y) { return x.from < y.from; });
  absl::Duration paused = absl::ZeroDuration();
  size_t i = 0;
  while (i < clipped.size()) {
    Interval merged = clipped[i++];
    while (i < clipped.size() && clipped[i].from <= merged.to) {
      merged.to = std::max(merged.to, clipped[i++].to);
    }
    absl::StatusOr<absl::Duration> part =
        WorkingTimeBetween(merged.from, merged.to);
    if (!part.ok()) return part.status();
    paused += *part;
  }
  const absl::Duration result = *total - paused;
  return reversed ? -result : result;
}

absl::StatusOr<absl::Time> Calendar::EndOfWorkingDay(absl::CivilDay day) const {
  if (!Covers(day)) return OutOfRange(day);
  const int64_t index = day - spec_.first_day;
  const Day& info = days_[index];
  if (info.period_count == 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        DayString(day), " is not a working day in calendar ", spec_.name));
  }
  return InstantOf(
      index, periods_[info.first_period + info.period_count - 1].end_second);
}

absl::Duration Calendar::NominalWorkingDay() const {
  int64_t longest = 0;
  for (const std::vector<WorkingPeriod>& periods : spec_.working_week) {
    int64_t length = 0;
    for (const WorkingPeriod& period : periods) {
      length += period.end_second - period.start_second;
    }
    longest = std::max(longest, length);
  }
  return absl::Seconds(longest);
}

std::vector<absl::CivilDay> Calendar::ProvisionalDays(
    absl::CivilDay first, absl::CivilDay last) const {
  // A calendar holds a few dozen entries: a walk over them is cheaper than
  // an index, and keeps Build as it is.
  std::vector<absl::CivilDay> days;
  for (const Holiday& holiday : spec_.holidays) {
    if (!holiday.provisional) continue;
    for (absl::CivilDay day = std::max(first, holiday.first);
         day <= std::min(last, holiday.last); ++day) {
      days.push_back(day);
    }
  }
  for (const MakeUpDay& make_up : spec_.make_up_days) {
    if (make_up.provisional && make_up.day >= first && make_up.day <= last) {
      days.push_back(make_up.day);
    }
  }
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());
  return days;
}

}  // namespace motcua
