#include "engine/time_format.h"

#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace motcua {

absl::StatusOr<absl::Time> ParseInstant(absl::string_view text,
                                        absl::TimeZone default_zone) {
  // Abseil's %E*S accepts optional fractional seconds; %Ez accepts "+07:00"
  // and "Z" is handled by %Ez too. Formats are tried from the most to the
  // least specific.
  static constexpr const char* kWithOffset[] = {"%Y-%m-%dT%H:%M:%E*S%Ez",
                                                "%Y-%m-%dT%H:%M%Ez"};
  static constexpr const char* kLocal[] = {"%Y-%m-%dT%H:%M:%E*S",
                                           "%Y-%m-%dT%H:%M"};
  // Abseil's %Y, %m and %d take any number of digits and a sign, and skip
  // leading spaces: the shape YYYY-MM-DDTHH:MM is checked first, so that
  // only what motcua itself prints is read (no year 4499999, no "2025-7-2").
  static constexpr absl::string_view kShape = "dddd-dd-ddTdd:dd";
  bool shaped = text.size() >= kShape.size();
  for (size_t i = 0; shaped && i < kShape.size(); ++i) {
    shaped =
        kShape[i] == 'd' ? absl::ascii_isdigit(text[i]) : text[i] == kShape[i];
  }
  const absl::Status unreadable = absl::InvalidArgumentError(
      absl::StrCat("cannot read time \"", text,
                   "\": expected ISO 8601 such as 2025-01-24T10:00:00+07:00"));
  if (!shaped) return unreadable;
  const std::string input(text);
  absl::Time instant;
  std::string error;
  for (const char* format : kWithOffset) {
    if (absl::ParseTime(format, input, absl::UTCTimeZone(), &instant, &error)) {
      return instant;
    }
  }
  for (const char* format : kLocal) {
    if (absl::ParseTime(format, input, default_zone, &instant, &error)) {
      return instant;
    }
  }
  return unreadable;
}

namespace {

// Abseil's %Y writes the year as a plain number ("1-01-01"), which no reader
// of ISO 8601 takes for a date.
std::string FormatYear(int64_t year) {
  if (year >= 0 && year <= 9999) return absl::StrFormat("%04d", year);
  return absl::StrFormat("%+05d", year);
}

}  // namespace

std::string FormatInstant(absl::Time instant, absl::TimeZone zone) {
  if (instant == absl::InfiniteFuture() || instant == absl::InfinitePast()) {
    return absl::FormatTime(instant, zone);
  }
  return absl::StrCat(FormatYear(absl::ToCivilSecond(instant, zone).year()),
                      absl::FormatTime("-%m-%dT%H:%M:%S%Ez", instant, zone));
}

std::string FormatDay(absl::CivilDay day) {
  return absl::StrCat(FormatYear(day.year()),
                      absl::StrFormat("-%02d-%02d", day.month(), day.day()));
}

std::string FormatWorkingDuration(absl::Duration duration) {
  const bool negative = duration < absl::ZeroDuration();
  const int64_t total_minutes = std::abs(absl::ToInt64Minutes(duration));
  const int64_t hours = total_minutes / 60;
  const int64_t minutes = total_minutes % 60;
  std::string text = negative ? "-" : "";
  if (hours > 0) {
    absl::StrAppend(&text, hours, "h", absl::StrFormat("%02d", minutes), "m");
  } else {
    absl::StrAppend(&text, minutes, "m");
  }
  if (text == "-0m") return "0m";
  return text;
}

std::string FormatCalendarDuration(absl::Duration duration) {
  const bool negative = duration < absl::ZeroDuration();
  const int64_t total_minutes = std::abs(absl::ToInt64Minutes(duration));
  const int64_t days = total_minutes / (24 * 60);
  if (days == 0) return FormatWorkingDuration(duration);
  const int64_t minutes = total_minutes % (24 * 60);
  return absl::StrCat(negative ? "-" : "", days, "d", minutes / 60, "h",
                      absl::StrFormat("%02d", minutes % 60), "m");
}

absl::TimeZone FixedZone(int32_t utc_offset_seconds) {
  return absl::FixedTimeZone(utc_offset_seconds);
}

absl::StatusOr<int32_t> ParseUtcOffset(absl::string_view text) {
  if (text == "Z") return 0;
  auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read UTC offset \"", text,
                     "\": expected +HH:MM such as +07:00"));
  };
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') ||
      text[3] != ':') {
    return bad();
  }
  auto digit = [&](size_t i) { return text[i] >= '0' && text[i] <= '9'; };
  if (!digit(1) || !digit(2) || !digit(4) || !digit(5)) return bad();
  const int hours = (text[1] - '0') * 10 + (text[2] - '0');
  const int minutes = (text[4] - '0') * 10 + (text[5] - '0');
  if (hours > 14 || minutes > 59) return bad();
  const int32_t seconds = hours * 3600 + minutes * 60;
  return text[0] == '-' ? -seconds : seconds;
}

}  // namespace motcua
