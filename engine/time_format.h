#ifndef MOTCUA_ENGINE_TIME_FORMAT_H_
#define MOTCUA_ENGINE_TIME_FORMAT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace motcua {

// Parses an ISO 8601 instant: "2025-01-24T10:00:00+07:00", also with "Z",
// without seconds ("2025-01-24T10:00+07:00"), with fractional seconds, or
// without an offset, in which case it is read in `default_zone`.
// INVALID_ARGUMENT quotes the text.
absl::StatusOr<absl::Time> ParseInstant(absl::string_view text,
                                        absl::TimeZone default_zone);

// "2025-02-05T10:00:00+07:00". Years outside 0..9999 are written as ISO
// 8601 expands them, with a sign and at least four digits
// ("+10000-01-01T..."); years before 1000 with leading zeros ("0001-...").
std::string FormatInstant(absl::Time instant, absl::TimeZone zone);

// A day as "YYYY-MM-DD", years written as FormatInstant writes them.
std::string FormatDay(absl::CivilDay day);

// A signed duration in hours and minutes: "7h30m", "-1h05m", "0m".
std::string FormatWorkingDuration(absl::Duration duration);

// A signed calendar duration, with days when it spans one: "2h15m",
// "3d4h00m", "-45m".
std::string FormatCalendarDuration(absl::Duration duration);

// A zone with a fixed offset east of UTC, without daylight saving.
absl::TimeZone FixedZone(int32_t utc_offset_seconds);

// Parses "+07:00" / "-05:30" / "Z" into seconds east of UTC.
absl::StatusOr<int32_t> ParseUtcOffset(absl::string_view text);

}  // namespace motcua

#endif  // MOTCUA_ENGINE_TIME_FORMAT_H_
