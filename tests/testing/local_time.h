#ifndef MOTCUA_TESTS_TESTING_LOCAL_TIME_H_
#define MOTCUA_TESTS_TESTING_LOCAL_TIME_H_

// Instants as tests write them: local time in Vietnam (UTC+07:00).

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/time_format.h"
#include "gtest/gtest.h"

namespace motcua::test_support {

inline absl::TimeZone Vietnam() { return FixedZone(7 * 3600); }

// "2025-07-07T09:00" (or with seconds, or an explicit offset): local time
// unless the text says otherwise. A text that does not parse fails the test.
inline absl::Time At(absl::string_view text) {
  absl::StatusOr<absl::Time> instant = ParseInstant(text, Vietnam());
  EXPECT_TRUE(instant.ok()) << text << ": " << instant.status();
  return instant.value_or(absl::InfinitePast());
}

}  // namespace motcua::test_support

#endif  // MOTCUA_TESTS_TESTING_LOCAL_TIME_H_
