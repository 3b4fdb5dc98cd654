#include "engine/time_limit.h"

#include <charconv>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/time_format.h"

namespace motcua {
namespace {

constexpr absl::string_view kAcceptedForms =
    "expected Nwd (working days), Nwh (working hours), Nwm (working "
    "minutes), Ncd (calendar days) or same-day, with N a positive integer";

absl::string_view UnitSuffix(LimitUnit unit) {
  switch (unit) {
    case LimitUnit::kWorkingDays:
      return "wd";
    case LimitUnit::kWorkingHours:
      return "wh";
    case LimitUnit::kWorkingMinutes:
      return "wm";
    case LimitUnit::kCalendarDays:
      return "cd";
    case LimitUnit::kSameDay:
      return "same-day";
  }
  return "";
}

// Reads the digits of "12wd" / "12wh" / "12cd" into amount and unit.
bool SplitAmount(absl::string_view text, int64_t* amount, LimitUnit* unit) {
  if (text.size() < 3) return false;
  const absl::string_view suffix = text.substr(text.size() - 2);
  const absl::string_view digits = text.substr(0, text.size() - 2);
  if (suffix == "wd") {
    *unit = LimitUnit::kWorkingDays;
  } else if (suffix == "wh") {
    *unit = LimitUnit::kWorkingHours;
  } else if (suffix == "wm") {
    *unit = LimitUnit::kWorkingMinutes;
  } else if (suffix == "cd") {
    *unit = LimitUnit::kCalendarDays;
  } else {
    return false;
  }
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
  }
  const auto [end, error] =
      std::from_chars(digits.data(), digits.data() + digits.size(), *amount);
  return error == std::errc() && end == digits.data() + digits.size();
}

}  // namespace

std::string TimeLimit::ToString() const {
  if (unit == LimitUnit::kSameDay) return "same-day";
  return absl::StrCat(amount, UnitSuffix(unit));
}

absl::StatusOr<TimeLimit> ParseTimeLimit(absl::string_view text) {
  if (text == "same-day") {
    TimeLimit limit;
    limit.unit = LimitUnit::kSameDay;
    return limit;
  }
  TimeLimit limit;
  if (!SplitAmount(text, &limit.amount, &limit.unit)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid time limit \"", text, "\": ", kAcceptedForms));
  }
  if (limit.amount <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid time limit \"", text, "\": the amount must be positive"));
  }
  if (limit.amount > 100000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid time limit \"", text, "\": the amount is too large"));
  }
  return limit;
}

absl::StatusOr<int32_t> ParseClockTime(absl::string_view text) {
  auto digit = [&](size_t i) { return text[i] >= '0' && text[i] <= '9'; };
  if (text.size() != 5 || text[2] != ':' || !digit(0) || !digit(1) ||
      !digit(3) || !digit(4)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid clock time \"", text, "\": expected HH:MM"));
  }
  const int hours = (text[0] - '0') * 10 + (text[1] - '0');
  const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  // 24:00 is allowed so that a period can end at midnight.
  if (hours > 24 || minutes > 59 || (hours == 24 && minutes != 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid clock time \"", text, "\": no such time of day"));
  }
  return hours * 3600 + minutes * 60;
}

std::string FormatClockTime(int32_t second_of_day) {
  return absl::StrFormat("%02d:%02d", second_of_day / 3600,
                         second_of_day % 3600 / 60);
}

std::string WorkingOffset::ToString() const {
  return absl::StrCat(amount < 0 ? "-" : "+", amount < 0 ? -amount : amount,
                      UnitSuffix(unit));
}

absl::StatusOr<absl::Time> ApplyOffset(const Calendar& calendar,
                                       absl::Time instant,
                                       const WorkingOffset& offset) {
  switch (offset.unit) {
    case LimitUnit::kWorkingDays:
      return calendar.AddWorkingDays(instant, offset.amount);
    case LimitUnit::kWorkingHours:
      return calendar.AddWorkingTime(instant, absl::Hours(offset.amount));
    case LimitUnit::kWorkingMinutes:
    case LimitUnit::kCalendarDays:
    case LimitUnit::kSameDay:
      break;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("offset ", offset.ToString(),
                   " must be in working days or working hours"));
}

absl::StatusOr<absl::Time> StartOfClock(const Calendar& calendar,
                                        absl::Time received,
                                        std::optional<int32_t> cutoff_second) {
  if (cutoff_second.has_value()) {
    const absl::CivilSecond local = calendar.LocalTime(received);
    const absl::CivilDay day(local);
    const int32_t second_of_day =
        static_cast<int32_t>(local - absl::CivilSecond(day));
    if (calendar.IsWorkingDay(day) && second_of_day >= *cutoff_second) {
      absl::StatusOr<absl::CivilDay> next = calendar.NextWorkingDay(day + 1);
      if (!next.ok()) return next.status();
      return calendar.FromLocal(absl::CivilSecond(*next) +
                                calendar.PeriodsOf(*next)[0].start_second);
    }
  }
  return calendar.NextWorkingInstant(received);
}

absl::StatusOr<absl::Time> DueFromStart(const Calendar& calendar,
                                        const TimeLimit& limit,
                                        absl::Time start) {
  switch (limit.unit) {
    case LimitUnit::kWorkingDays:
      return calendar.AddWorkingDays(start, limit.amount);
    case LimitUnit::kWorkingHours:
      return calendar.AddWorkingTime(start, absl::Hours(limit.amount));
    case LimitUnit::kWorkingMinutes:
      return calendar.AddWorkingTime(start, absl::Minutes(limit.amount));
    case LimitUnit::kSameDay:
      return calendar.EndOfWorkingDay(calendar.LocalDay(start));
    case LimitUnit::kCalendarDays: {
      // Civil Code art. 147-148: counting begins the day after; a last day
      // that is not worked ends at the end of the next working day.
      const absl::CivilDay last = calendar.LocalDay(start) + limit.amount;
      absl::StatusOr<absl::CivilDay> working = calendar.NextWorkingDay(last);
      if (!working.ok()) return working.status();
      return calendar.EndOfWorkingDay(*working);
    }
  }
  return absl::InvalidArgumentError("unknown time limit unit");
}

absl::StatusOr<absl::Time> ComputeDue(const Calendar& calendar,
                                      const TimeLimit& limit,
                                      absl::Time received) {
  absl::StatusOr<absl::Time> start =
      StartOfClock(calendar, received, limit.cutoff_second);
  if (!start.ok()) return start.status();
  return DueFromStart(calendar, limit, *start);
}

absl::StatusOr<absl::Time> WindowEnd(const Calendar& calendar,
                                     const TimeLimit& window, absl::Time at) {
  TimeLimit uncut = window;
  uncut.cutoff_second.reset();
  return ComputeDue(calendar, uncut, at);
}

absl::StatusOr<DuePlan> PlanDue(const Calendar& calendar,
                                const TimeLimit& limit, absl::Time received) {
  DuePlan plan;
  absl::StatusOr<absl::Time> start =
      StartOfClock(calendar, received, limit.cutoff_second);
  if (!start.ok()) return start.status();
  plan.start = *start;
  absl::StatusOr<absl::Time> due = DueFromStart(calendar, limit, *start);
  if (!due.ok()) return due.status();
  plan.due = *due;
  plan.provisional_days = ProvisionalDaysOf(calendar, received, *due);
  return plan;
}

std::vector<absl::CivilDay> ProvisionalDaysOf(const Calendar& calendar,
                                              absl::Time from, absl::Time due) {
  // From the receipt's own day: a provisional holiday on it moves the start
  // of the clock, one on any later day up to the due day moves the due time.
  return calendar.ProvisionalDays(calendar.LocalDay(from),
                                  calendar.LocalDay(due));
}

absl::StatusOr<TimeLeft> TimeLeftUntil(const Calendar& calendar, absl::Time at,
                                       absl::Time due) {
  absl::StatusOr<absl::Duration> working = calendar.WorkingTimeBetween(at, due);
  if (!working.ok()) return working.status();
  TimeLeft left;
  left.working = *working;
  left.calendar = due - at;
  return left;
}

std::string TimeLeftText(const TimeLeft& left) {
  if (!left.late()) {
    return absl::StrCat(FormatWorkingDuration(left.working),
                        " of working time left");
  }
  return absl::StrCat(
      "late by ", FormatWorkingDuration(left.working_lateness()),
      " of working time (", FormatCalendarDuration(left.calendar_lateness()),
      " since the due time)");
}

absl::Duration NominalLength(const Calendar& calendar, const TimeLimit& limit) {
  switch (limit.unit) {
    case LimitUnit::kWorkingHours:
      return absl::Hours(limit.amount);
    case LimitUnit::kWorkingMinutes:
      return absl::Minutes(limit.amount);
    case LimitUnit::kSameDay:
      return calendar.NominalWorkingDay();
    case LimitUnit::kWorkingDays:
    case LimitUnit::kCalendarDays:
      return calendar.NominalWorkingDay() * limit.amount;
  }
  return absl::ZeroDuration();
}

}  // namespace motcua
