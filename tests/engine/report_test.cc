// Tests of the report days (engine/report.h, ReportDay): the day an instant
// falls on in the report zone, and the open ends of a range.
#include "engine/report.h"

#include <cstdint>
#include <limits>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace motcua {
namespace {

absl::Time At(absl::CivilSecond local) {
  return absl::FromCivil(local, ReportZone());
}

TEST(ReportDayTest, CountsDaysInTheReportZone) {
  EXPECT_EQ(ReportDay(At(absl::CivilSecond(1970, 1, 1, 0, 0, 0))), 0);
  EXPECT_EQ(ReportDay(At(absl::CivilSecond(1970, 1, 1, 23, 59, 59))), 0);
  EXPECT_EQ(ReportDay(At(absl::CivilSecond(1970, 1, 2, 0, 0, 0))), 1);
  // Before 1970 the days round down, as the civil days do.
  EXPECT_EQ(ReportDay(At(absl::CivilSecond(1969, 12, 31, 23, 59, 59))), -1);
  EXPECT_EQ(ReportDay(At(absl::CivilSecond(1969, 12, 31, 0, 0, 0))), -1);
  EXPECT_EQ(ReportDay(At(absl::CivilSecond(1969, 12, 30, 23, 59, 59))), -2);
  for (const absl::CivilDay day :
       {absl::CivilDay(1, 1, 1), absl::CivilDay(1900, 3, 1),
        absl::CivilDay(2025, 7, 7), absl::CivilDay(9999, 12, 31)}) {
    EXPECT_EQ(ReportDay(At(absl::CivilSecond(day))), ReportDay(day)) << day;
    EXPECT_EQ(ReportDay(At(absl::CivilSecond(day) + 86399)), ReportDay(day))
        << day;
  }
}

TEST(ReportDayTest, OpenEndsSaturate) {
  // The end of an open range ("due before never") is after every day, its
  // start before every day; neither overflows (the sanitizers check).
  EXPECT_EQ(ReportDay(absl::InfiniteFuture()),
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(ReportDay(absl::InfinitePast()),
            std::numeric_limits<int64_t>::min());
  const int64_t far = ReportDay(absl::CivilDay(9999, 12, 31));
  EXPECT_GT(ReportDay(absl::InfiniteFuture()), far);
  EXPECT_LT(ReportDay(absl::InfinitePast()),
            ReportDay(absl::CivilDay(1, 1, 1)));
  // The last and first finite instants are days too.
  EXPECT_GT(
      ReportDay(absl::FromUnixSeconds(std::numeric_limits<int64_t>::max())),
      far);
  EXPECT_LT(
      ReportDay(absl::FromUnixSeconds(std::numeric_limits<int64_t>::min())), 0);
}

}  // namespace
}  // namespace motcua
