#include "engine/calendar.h"

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/rules.h"
#include "engine/time_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/local_time.h"
#include "tests/testing/shipped_rules.h"

namespace motcua {

// Readable failure messages for ElementsAre over periods.
void PrintTo(const WorkingPeriod& period, std::ostream* os) {
  *os << FormatWorkingPeriod(period);
}

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int32_t kUtcPlus7 = 7 * 3600;

// Seconds since local midnight.
constexpr int32_t Clock(int hour, int minute) {
  return hour * 3600 + minute * 60;
}

// An instant written as in the tables: "2025-03-10T07:30:00+07:00".
using ::motcua::test_support::At;

std::string Show(absl::Time instant) {
  return FormatInstant(instant, FixedZone(kUtcPlus7));
}

// What an operation returning an instant should give: the instant, or an
// error code.
struct InstantOrError {
  InstantOrError(const char* instant) : instant(instant) {}  // NOLINT
  InstantOrError(absl::StatusCode code) : code(code) {}      // NOLINT

  const char* instant = nullptr;
  absl::StatusCode code = absl::StatusCode::kOk;
};

void ExpectInstant(const absl::StatusOr<absl::Time>& result,
                   const InstantOrError& expected) {
  if (expected.instant == nullptr) {
    ASSERT_FALSE(result.ok()) << "got " << Show(*result);
    EXPECT_EQ(result.status().code(), expected.code) << result.status();
    return;
  }
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(Show(*result), expected.instant);
}

// The shipped rule set, loaded once for the whole binary.
class ShippedCalendarTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rules_ = test_support::ShippedRules();
    ASSERT_NE(rules_, nullptr) << "the shipped rules did not load";
    calendar_ = rules_->FindCalendar("vn-public-sector");
    ASSERT_NE(calendar_, nullptr) << "no calendar vn-public-sector";
  }

  const Calendar& calendar() const { return *calendar_; }

  const RuleSet* rules_ = nullptr;
  const Calendar* calendar_ = nullptr;
};

TEST_F(ShippedCalendarTest, Spec) {
  EXPECT_EQ(calendar().name(), "vn-public-sector");
  EXPECT_EQ(calendar().spec().utc_offset_seconds, kUtcPlus7);
  EXPECT_EQ(calendar().spec().first_day, absl::CivilDay(2024, 1, 1));
  EXPECT_EQ(calendar().spec().last_day, absl::CivilDay(2027, 12, 31));
  const WorkingPeriod morning{Clock(7, 30), Clock(11, 30)};
  const WorkingPeriod afternoon{Clock(13, 30), Clock(17, 0)};
  for (int weekday = 0; weekday < 5; ++weekday) {
    EXPECT_THAT(calendar().spec().working_week[weekday],
                ElementsAre(morning, afternoon))
        << "weekday " << weekday;
  }
  EXPECT_TRUE(calendar().spec().working_week[5].empty());
  EXPECT_TRUE(calendar().spec().working_week[6].empty());
  EXPECT_EQ(FormatWorkingPeriod(morning), "07:30-11:30");
  EXPECT_EQ(FormatWorkingPeriod(afternoon), "13:30-17:00");
}

TEST_F(ShippedCalendarTest, LocalTimeIsUtcPlus7) {
  EXPECT_EQ(calendar().LocalTime(At("2025-03-10T00:30:00Z")),
            absl::CivilSecond(2025, 3, 10, 7, 30, 0));
  EXPECT_EQ(calendar().LocalDay(At("2025-03-09T17:00:00Z")),
            absl::CivilDay(2025, 3, 10));
  EXPECT_EQ(calendar().LocalDay(At("2025-03-09T16:59:59Z")),
            absl::CivilDay(2025, 3, 9));
  EXPECT_EQ(calendar().FromLocal(absl::CivilSecond(2025, 3, 10, 7, 30, 0)),
            At("2025-03-10T00:30:00Z"));
}

TEST_F(ShippedCalendarTest, Covers) {
  EXPECT_TRUE(calendar().Covers(absl::CivilDay(2024, 1, 1)));
  EXPECT_TRUE(calendar().Covers(absl::CivilDay(2027, 12, 31)));
  EXPECT_FALSE(calendar().Covers(absl::CivilDay(2023, 12, 31)));
  EXPECT_FALSE(calendar().Covers(absl::CivilDay(2028, 1, 1)));
}

TEST_F(ShippedCalendarTest, IsWorkingTimeIsHalfOpen) {
  struct Case {
    const char* instant;
    bool working;
  };
  const Case cases[] = {
      // Monday 10/03/2025.
      {"2025-03-10T00:00:00+07:00", false},
      {"2025-03-10T07:29:59+07:00", false},
      {"2025-03-10T07:30:00+07:00", true},
      {"2025-03-10T10:00:00+07:00", true},
      {"2025-03-10T11:29:59+07:00", true},
      {"2025-03-10T11:30:00+07:00", false},
      {"2025-03-10T12:00:00+07:00", false},
      {"2025-03-10T13:29:59+07:00", false},
      {"2025-03-10T13:30:00+07:00", true},
      {"2025-03-10T16:59:59+07:00", true},
      {"2025-03-10T17:00:00+07:00", false},
      {"2025-03-10T23:59:59+07:00", false},
      // The same instants written in UTC.
      {"2025-03-10T00:30:00Z", true},
      {"2025-03-10T04:30:00Z", false},
      {"2025-03-10T00:29:59Z", false},
      // Weekend.
      {"2025-03-15T10:00:00+07:00", false},
      {"2025-03-16T10:00:00+07:00", false},
      // Make-up Saturdays are worked like a Monday, lunch included.
      {"2024-05-04T07:30:00+07:00", true},
      {"2024-05-04T12:00:00+07:00", false},
      {"2024-05-04T16:59:59+07:00", true},
      {"2025-04-26T10:00:00+07:00", true},
      {"2025-04-26T17:00:00+07:00", false},
      // Holidays.
      {"2025-01-27T10:00:00+07:00", false},
      {"2026-04-27T10:00:00+07:00", false},
      // Outside the covered range.
      {"2023-12-29T10:00:00+07:00", false},
      {"2028-01-03T10:00:00+07:00", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.instant);
    EXPECT_EQ(calendar().IsWorkingTime(At(c.instant)), c.working);
  }
}

// Every weekday holiday of 2024-2027 and the days around it; the make-up
// Saturdays; ordinary Saturdays and Sundays; the ends of the years.
TEST_F(ShippedCalendarTest, WorkingDays) {
  struct Case {
    absl::CivilDay day;
    bool working;
    const char* note;
  };
  using D = absl::CivilDay;
  const Case cases[] = {
      // 2024.
      {D(2024, 1, 1), false, "1/1/2024"},
      {D(2024, 1, 2), true, "after 1/1/2024"},
      {D(2024, 2, 7), true, "eve of Tết 2024"},
      {D(2024, 2, 8), false, "Tết 2024"},
      {D(2024, 2, 9), false, "Tết 2024"},
      {D(2024, 2, 10), false, "Saturday in Tết 2024"},
      {D(2024, 2, 11), false, "Sunday in Tết 2024"},
      {D(2024, 2, 12), false, "Tết 2024"},
      {D(2024, 2, 13), false, "Tết 2024"},
      {D(2024, 2, 14), false, "Tết 2024"},
      {D(2024, 2, 15), true, "after Tết 2024"},
      {D(2024, 4, 17), true, "before Hùng Kings 2024"},
      {D(2024, 4, 18), false, "Hùng Kings 2024"},
      {D(2024, 4, 19), true, "after Hùng Kings 2024"},
      {D(2024, 4, 26), true, "before 30/4 2024"},
      {D(2024, 4, 27), false, "Saturday"},
      {D(2024, 4, 29), false, "30/4 bridge 2024"},
      {D(2024, 4, 30), false, "30/4/2024"},
      {D(2024, 5, 1), false, "1/5/2024"},
      {D(2024, 5, 2), true, "after 1/5/2024"},
      {D(2024, 5, 3), true, "Friday"},
      {D(2024, 5, 4), true, "make-up Saturday 2024"},
      {D(2024, 5, 5), false, "Sunday"},
      {D(2024, 5, 6), true, "Monday"},
      {D(2024, 5, 11), false, "ordinary Saturday"},
      {D(2024, 8, 30), true, "before 2/9 2024"},
      {D(2024, 9, 2), false, "2/9/2024"},
      {D(2024, 9, 3), false, "3/9/2024"},
      {D(2024, 9, 4), true, "after 2/9 2024"},
      {D(2024, 12, 31), true, "end of 2024"},
      // 2025.
      {D(2025, 1, 1), false, "1/1/2025"},
      {D(2025, 1, 2), true, "after 1/1/2025"},
      {D(2025, 1, 24), true, "eve of Tết 2025"},
      {D(2025, 1, 27), false, "Tết 2025"},
      {D(2025, 1, 28), false, "Tết 2025"},
      {D(2025, 1, 29), false, "Tết 2025"},
      {D(2025, 1, 30), false, "Tết 2025"},
      {D(2025, 1, 31), false, "Tết 2025"},
      {D(2025, 2, 3), true, "after Tết 2025"},
      {D(2025, 3, 15), false, "ordinary Saturday"},
      {D(2025, 3, 16), false, "Sunday"},
      {D(2025, 4, 4), true, "before Hùng Kings 2025"},
      {D(2025, 4, 7), false, "Hùng Kings 2025"},
      {D(2025, 4, 8), true, "after Hùng Kings 2025"},
      {D(2025, 4, 19), false, "ordinary Saturday"},
      {D(2025, 4, 25), true, "Friday"},
      {D(2025, 4, 26), true, "make-up Saturday 2025"},
      {D(2025, 4, 27), false, "Sunday"},
      {D(2025, 4, 28), true, "Monday"},
      {D(2025, 4, 29), true, "before 30/4 2025"},
      {D(2025, 4, 30), false, "30/4/2025"},
      {D(2025, 5, 1), false, "1/5/2025"},
      {D(2025, 5, 2), false, "2/5/2025"},
      {D(2025, 5, 5), true, "after 1/5 2025"},
      {D(2025, 8, 29), true, "before 2/9 2025"},
      {D(2025, 9, 1), false, "1/9/2025"},
      {D(2025, 9, 2), false, "2/9/2025"},
      {D(2025, 9, 3), true, "after 2/9 2025"},
      {D(2025, 12, 31), true, "end of 2025"},
      // 2026. (Friday 2/1/2026 is left out: its swap is only proposed.)
      {D(2026, 1, 1), false, "1/1/2026"},
      {D(2026, 2, 13), true, "eve of Tết 2026"},
      {D(2026, 2, 16), false, "Tết 2026"},
      {D(2026, 2, 17), false, "Tết 2026"},
      {D(2026, 2, 18), false, "Tết 2026"},
      {D(2026, 2, 19), false, "Tết 2026"},
      {D(2026, 2, 20), false, "Tết 2026"},
      {D(2026, 2, 23), true, "after Tết 2026"},
      {D(2026, 4, 24), true, "before Hùng Kings 2026"},
      {D(2026, 4, 26), false, "Hùng Kings 2026 (a Sunday)"},
      {D(2026, 4, 27), false, "Hùng Kings 2026, taken on Monday"},
      {D(2026, 4, 28), true, "after Hùng Kings 2026"},
      {D(2026, 4, 29), true, "before 30/4 2026"},
      {D(2026, 4, 30), false, "30/4/2026"},
      {D(2026, 5, 1), false, "1/5/2026"},
      {D(2026, 5, 4), true, "after 1/5 2026"},
      {D(2026, 8, 31), true, "before 2/9 2026"},
      {D(2026, 9, 1), false, "1/9/2026 (assumed)"},
      {D(2026, 9, 2), false, "2/9/2026"},
      {D(2026, 9, 3), true, "after 2/9 2026"},
      {D(2026, 12, 31), true, "end of 2026"},
      // 2027.
      {D(2027, 1, 1), false, "1/1/2027"},
      {D(2027, 1, 4), true, "after 1/1/2027"},
      {D(2027, 2, 4), true, "eve of Tết 2027"},
      {D(2027, 2, 5), false, "Tết 2027"},
      {D(2027, 2, 8), false, "Tết 2027"},
      {D(2027, 2, 9), false, "Tết 2027"},
      {D(2027, 2, 10), false, "Tết 2027"},
      {D(2027, 2, 11), false, "Tết 2027"},
      {D(2027, 2, 12), true, "after Tết 2027"},
      {D(2027, 4, 15), true, "before Hùng Kings 2027"},
      {D(2027, 4, 16), false, "Hùng Kings 2027"},
      {D(2027, 4, 19), true, "after Hùng Kings 2027"},
      {D(2027, 4, 29), true, "before 30/4 2027"},
      {D(2027, 4, 30), false, "30/4/2027"},
      {D(2027, 5, 3), false, "1/5/2027 (a Saturday), taken on Monday"},
      {D(2027, 5, 4), true, "after 1/5 2027"},
      {D(2027, 9, 1), true, "before 2/9 2027"},
      {D(2027, 9, 2), false, "2/9/2027"},
      {D(2027, 9, 3), false, "3/9/2027 (provisional)"},
      {D(2027, 9, 6), true, "after 2/9 2027"},
      {D(2027, 12, 31), true, "end of 2027"},
      // Outside the covered range.
      {D(2023, 12, 29), false, "before the range"},
      {D(2028, 1, 3), false, "after the range"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << c.day << " " << c.note);
    EXPECT_EQ(calendar().IsWorkingDay(c.day), c.working);
    EXPECT_EQ(calendar().PeriodsOf(c.day).empty(), !c.working);
  }
}

TEST_F(ShippedCalendarTest, PeriodsOf) {
  const WorkingPeriod morning{Clock(7, 30), Clock(11, 30)};
  const WorkingPeriod afternoon{Clock(13, 30), Clock(17, 0)};
  EXPECT_THAT(calendar().PeriodsOf(absl::CivilDay(2025, 3, 10)),
              ElementsAre(morning, afternoon));
  EXPECT_THAT(calendar().PeriodsOf(absl::CivilDay(2024, 5, 4)),
              ElementsAre(morning, afternoon));
  EXPECT_TRUE(calendar().PeriodsOf(absl::CivilDay(2025, 1, 28)).empty());
  EXPECT_TRUE(calendar().PeriodsOf(absl::CivilDay(2025, 3, 15)).empty());
  EXPECT_TRUE(calendar().PeriodsOf(absl::CivilDay(2028, 1, 3)).empty());
}

TEST_F(ShippedCalendarTest, NextWorkingInstant) {
  struct Case {
    const char* instant;
    InstantOrError expected;
    const char* note;
  };
  const Case cases[] = {
      {"2025-03-10T10:00:00+07:00", "2025-03-10T10:00:00+07:00", "working"},
      {"2025-03-10T07:30:00+07:00", "2025-03-10T07:30:00+07:00", "opening"},
      {"2025-03-10T06:00:00+07:00", "2025-03-10T07:30:00+07:00",
       "before opening"},
      {"2025-03-10T11:30:00+07:00", "2025-03-10T13:30:00+07:00",
       "end of morning"},
      {"2025-03-10T12:00:00+07:00", "2025-03-10T13:30:00+07:00", "lunch"},
      {"2025-03-10T17:00:00+07:00", "2025-03-11T07:30:00+07:00", "closing"},
      {"2025-03-10T20:00:00+07:00", "2025-03-11T07:30:00+07:00", "evening"},
      {"2025-03-14T17:30:00+07:00", "2025-03-17T07:30:00+07:00",
       "Friday evening"},
      {"2025-03-15T10:00:00+07:00", "2025-03-17T07:30:00+07:00", "Saturday"},
      {"2024-02-07T17:00:00+07:00", "2024-02-15T07:30:00+07:00",
       "eve of Tết 2024"},
      {"2025-01-24T18:00:00+07:00", "2025-02-03T07:30:00+07:00",
       "eve of Tết 2025"},
      {"2026-02-13T17:00:00+07:00", "2026-02-23T07:30:00+07:00",
       "eve of Tết 2026"},
      {"2027-02-04T17:00:00+07:00", "2027-02-12T07:30:00+07:00",
       "eve of Tết 2027"},
      {"2024-05-03T17:00:00+07:00", "2024-05-04T07:30:00+07:00",
       "make-up Saturday 2024"},
      {"2025-04-25T17:00:00+07:00", "2025-04-26T07:30:00+07:00",
       "make-up Saturday 2025"},
      {"2025-04-26T17:00:00+07:00", "2025-04-28T07:30:00+07:00",
       "after make-up Saturday 2025"},
      {"2026-04-24T17:00:00+07:00", "2026-04-28T07:30:00+07:00",
       "Monday 27/4/2026"},
      {"2024-12-31T17:00:00+07:00", "2025-01-02T07:30:00+07:00", "end of 2024"},
      {"2027-12-31T16:59:59+07:00", "2027-12-31T16:59:59+07:00",
       "last working second"},
      {"2027-12-31T17:00:00+07:00", absl::StatusCode::kOutOfRange,
       "after the range"},
      {"2023-12-29T10:00:00+07:00", absl::StatusCode::kOutOfRange,
       "before the range"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << c.instant << " " << c.note);
    ExpectInstant(calendar().NextWorkingInstant(At(c.instant)), c.expected);
  }
}

TEST_F(ShippedCalendarTest, NextWorkingDay) {
  using D = absl::CivilDay;
  EXPECT_EQ(calendar().NextWorkingDay(D(2025, 3, 10)).value_or(D()),
            D(2025, 3, 10));
  EXPECT_EQ(calendar().NextWorkingDay(D(2025, 3, 15)).value_or(D()),
            D(2025, 3, 17));
  EXPECT_EQ(calendar().NextWorkingDay(D(2025, 1, 27)).value_or(D()),
            D(2025, 2, 3));
  EXPECT_EQ(calendar().NextWorkingDay(D(2024, 5, 4)).value_or(D()),
            D(2024, 5, 4));
  EXPECT_EQ(calendar().NextWorkingDay(D(2027, 12, 31)).value_or(D()),
            D(2027, 12, 31));
  EXPECT_EQ(calendar().NextWorkingDay(D(2028, 1, 1)).status().code(),
            absl::StatusCode::kOutOfRange);
}

TEST_F(ShippedCalendarTest, AddWorkingDays) {
  struct Case {
    const char* start;
    int64_t days;
    InstantOrError expected;
    const char* note;
  };
  const Case cases[] = {
      {"2025-03-10T10:00:00+07:00", 1, "2025-03-11T10:00:00+07:00", "plain"},
      {"2025-03-10T10:00:00+07:00", 0, "2025-03-10T10:00:00+07:00", "zero"},
      {"2025-03-13T16:00:00+07:00", 2, "2025-03-17T16:00:00+07:00", "weekend"},
      {"2025-01-24T10:00:00+07:00", 3, "2025-02-05T10:00:00+07:00", "Tết 2025"},
      {"2025-02-05T10:00:00+07:00", -3, "2025-01-24T10:00:00+07:00",
       "back over Tết 2025"},
      {"2026-02-23T15:00:00+07:00", -1, "2026-02-13T15:00:00+07:00",
       "back over Tết 2026"},
      {"2025-01-02T09:00:00+07:00", -1, "2024-12-31T09:00:00+07:00",
       "back over the new year"},
      {"2025-03-17T10:00:00+07:00", -5, "2025-03-10T10:00:00+07:00",
       "back a week"},
      // Clamping into the target day's hours.
      {"2025-03-10T06:00:00+07:00", 1, "2025-03-11T07:30:00+07:00",
       "before opening"},
      {"2025-03-10T12:00:00+07:00", 1, "2025-03-11T11:30:00+07:00",
       "in the lunch break"},
      {"2025-03-10T11:30:00+07:00", 1, "2025-03-11T11:30:00+07:00",
       "at the end of the morning"},
      {"2025-03-10T18:00:00+07:00", 1, "2025-03-11T17:00:00+07:00",
       "after closing"},
      {"2025-03-12T18:00:00+07:00", -1, "2025-03-11T17:00:00+07:00",
       "after closing, backwards"},
      // A start on a day that is not worked counts from the next working day
      // as day one.
      {"2025-03-15T10:00:00+07:00", 1, "2025-03-17T10:00:00+07:00",
       "from a Saturday"},
      {"2025-03-15T10:00:00+07:00", 2, "2025-03-18T10:00:00+07:00",
       "from a Saturday"},
      {"2025-01-28T10:00:00+07:00", 1, "2025-02-03T10:00:00+07:00",
       "from Tết 2025"},
      // Make-up Saturdays count.
      {"2024-05-03T10:00:00+07:00", 1, "2024-05-04T10:00:00+07:00",
       "onto make-up Saturday 2024"},
      {"2024-05-04T10:00:00+07:00", 1, "2024-05-06T10:00:00+07:00",
       "from make-up Saturday 2024"},
      {"2024-05-06T10:00:00+07:00", -1, "2024-05-04T10:00:00+07:00",
       "back onto make-up Saturday 2024"},
      {"2024-05-02T10:00:00+07:00", -1, "2024-04-26T10:00:00+07:00",
       "back over 30/4 2024"},
      {"2025-04-24T10:00:00+07:00", 3, "2025-04-28T10:00:00+07:00",
       "over make-up Saturday 2025"},
      {"2026-04-24T10:00:00+07:00", 1, "2026-04-28T10:00:00+07:00",
       "Monday 27/4/2026"},
      // 250 working days in 2025: 261 weekdays, 12 weekday holidays, one
      // make-up Saturday. 2027 also has 250: 261 - 11.
      {"2024-12-31T10:00:00+07:00", 250, "2025-12-31T10:00:00+07:00",
       "the whole of 2025"},
      {"2025-12-31T10:00:00+07:00", -250, "2024-12-31T10:00:00+07:00",
       "the whole of 2025, backwards"},
      {"2026-12-31T10:00:00+07:00", 250, "2027-12-31T10:00:00+07:00",
       "the whole of 2027"},
      // Out of range.
      {"2026-12-31T10:00:00+07:00", 251, absl::StatusCode::kOutOfRange,
       "one past the range"},
      {"2027-12-30T10:00:00+07:00", 5, absl::StatusCode::kOutOfRange,
       "into 2028"},
      {"2024-01-02T10:00:00+07:00", -1, absl::StatusCode::kOutOfRange,
       "into 2023"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message()
                 << c.start << " + " << c.days << "wd " << c.note);
    ExpectInstant(calendar().AddWorkingDays(At(c.start), c.days), c.expected);
  }
}

TEST_F(ShippedCalendarTest, AddWorkingTime) {
  struct Case {
    const char* start;
    absl::Duration amount;
    InstantOrError expected;
    const char* note;
  };
  const absl::Duration h = absl::Hours(1);
  const absl::Duration m = absl::Minutes(1);
  const absl::Duration s = absl::Seconds(1);
  const Case cases[] = {
      {"2025-03-10T10:00:00+07:00", 1 * h, "2025-03-10T11:00:00+07:00",
       "plain"},
      {"2025-03-10T10:00:00+07:00", s, "2025-03-10T10:00:01+07:00",
       "one second"},
      {"2025-03-10T10:00:00+07:00", 1 * h + 30 * m, "2025-03-10T11:30:00+07:00",
       "exactly the end of the morning"},
      {"2025-03-10T10:00:00+07:00", 1 * h + 30 * m + s,
       "2025-03-10T13:30:01+07:00", "a second past the morning"},
      {"2025-03-10T10:00:00+07:00", 2 * h, "2025-03-10T14:00:00+07:00",
       "across lunch"},
      {"2025-03-10T07:30:00+07:00", 7 * h + 30 * m, "2025-03-10T17:00:00+07:00",
       "a whole day ends at closing"},
      {"2025-03-10T16:00:00+07:00", 1 * h, "2025-03-10T17:00:00+07:00",
       "exactly closing"},
      {"2025-03-10T16:00:00+07:00", 1 * h + m, "2025-03-11T07:31:00+07:00",
       "a minute past closing"},
      {"2025-03-10T16:00:00+07:00", 2 * h, "2025-03-11T08:30:00+07:00",
       "across the night"},
      {"2025-03-14T16:00:00+07:00", 2 * h, "2025-03-17T08:30:00+07:00",
       "across the weekend"},
      {"2025-03-14T13:30:00+07:00", 3 * h + 30 * m, "2025-03-14T17:00:00+07:00",
       "ends Friday at closing, not Monday"},
      {"2026-02-13T16:00:00+07:00", 2 * h, "2026-02-23T08:30:00+07:00",
       "across Tết 2026"},
      {"2025-01-24T15:00:00+07:00", 4 * h, "2025-02-03T09:30:00+07:00",
       "across Tết 2025"},
      {"2024-05-03T16:00:00+07:00", 4 * h, "2024-05-04T10:30:00+07:00",
       "onto make-up Saturday 2024"},
      {"2025-03-10T12:00:00+07:00", 30 * m, "2025-03-10T14:00:00+07:00",
       "from lunch"},
      {"2025-03-15T10:00:00+07:00", 1 * h, "2025-03-17T08:30:00+07:00",
       "from a Saturday"},
      {"2025-03-10T12:00:00+07:00", absl::ZeroDuration(),
       "2025-03-10T12:00:00+07:00", "zero returns the start"},
      {"2024-12-31T17:00:00+07:00", 1875 * h, "2025-12-31T17:00:00+07:00",
       "the whole of 2025: 250 days of 7h30"},
      // Negative amounts.
      {"2025-03-10T14:00:00+07:00", -1 * h, "2025-03-10T11:00:00+07:00",
       "back across lunch"},
      {"2025-03-10T14:00:00+07:00", -(1 * h + 30 * m),
       "2025-03-10T10:30:00+07:00", "back across lunch"},
      {"2025-03-11T10:00:00+07:00", -30 * m, "2025-03-11T09:30:00+07:00",
       "back, same period"},
      {"2025-03-11T09:00:00+07:00", -2 * h, "2025-03-10T16:30:00+07:00",
       "back across the night"},
      {"2025-03-17T08:00:00+07:00", -1 * h, "2025-03-14T16:30:00+07:00",
       "back across the weekend"},
      {"2026-02-23T08:00:00+07:00", -1 * h, "2026-02-13T16:30:00+07:00",
       "back across Tết 2026"},
      {"2025-03-15T10:00:00+07:00", -1 * h, "2025-03-14T16:00:00+07:00",
       "back from a Saturday"},
      // Out of range.
      {"2027-12-31T16:00:00+07:00", 2 * h, absl::StatusCode::kOutOfRange,
       "into 2028"},
      {"2024-01-02T08:00:00+07:00", -1 * h, absl::StatusCode::kOutOfRange,
       "into 2023"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message()
                 << c.start << " + " << c.amount << " " << c.note);
    ExpectInstant(calendar().AddWorkingTime(At(c.start), c.amount), c.expected);
  }
}

TEST_F(ShippedCalendarTest, WorkingTimeBetween) {
  struct Case {
    const char* from;
    const char* to;
    absl::Duration expected;
    const char* note;
  };
  const absl::Duration h = absl::Hours(1);
  const absl::Duration m = absl::Minutes(1);
  const Case cases[] = {
      {"2025-03-10T08:00:00+07:00", "2025-03-10T10:00:00+07:00", 2 * h,
       "same period"},
      {"2025-03-10T10:00:00+07:00", "2025-03-10T10:00:00+07:00",
       absl::ZeroDuration(), "empty"},
      {"2025-03-10T10:00:00+07:00", "2025-03-10T10:00:01+07:00",
       absl::Seconds(1), "one second"},
      {"2025-03-10T11:00:00+07:00", "2025-03-10T14:00:00+07:00", 1 * h,
       "across lunch"},
      {"2025-03-10T12:00:00+07:00", "2025-03-10T13:00:00+07:00",
       absl::ZeroDuration(), "inside lunch"},
      {"2025-03-10T07:00:00+07:00", "2025-03-10T18:00:00+07:00", 7 * h + 30 * m,
       "a whole day"},
      {"2025-03-10T16:00:00+07:00", "2025-03-11T08:00:00+07:00", 1 * h + 30 * m,
       "across the night"},
      {"2025-03-14T16:00:00+07:00", "2025-03-17T08:00:00+07:00", 1 * h + 30 * m,
       "across the weekend"},
      {"2025-03-17T08:00:00+07:00", "2025-03-14T16:00:00+07:00",
       -(1 * h + 30 * m), "reversed"},
      {"2025-03-10T14:00:00+07:00", "2025-03-10T11:00:00+07:00", -1 * h,
       "reversed across lunch"},
      {"2026-02-16T00:00:00+07:00", "2026-02-21T00:00:00+07:00",
       absl::ZeroDuration(), "the week of Tết 2026"},
      {"2026-02-13T16:00:00+07:00", "2026-02-23T08:00:00+07:00", 1 * h + 30 * m,
       "across Tết 2026"},
      {"2024-05-03T00:00:00+07:00", "2024-05-06T00:00:00+07:00", 15 * h,
       "Friday and make-up Saturday 2024"},
      {"2024-04-15T00:00:00+07:00", "2024-04-20T00:00:00+07:00", 30 * h,
       "a week with Hùng Kings 2024"},
      {"2025-01-01T00:00:00+07:00", "2026-01-01T00:00:00+07:00", 1875 * h,
       "2025: 250 working days"},
      {"2024-01-01T00:00:00+07:00", "2025-01-01T00:00:00+07:00",
       1882 * h + 30 * m, "2024: 251 working days"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message()
                 << c.from << " .. " << c.to << " " << c.note);
    absl::StatusOr<absl::Duration> between =
        calendar().WorkingTimeBetween(At(c.from), At(c.to));
    ASSERT_TRUE(between.ok()) << between.status();
    EXPECT_EQ(*between, c.expected);
    // With no pauses the overload agrees.
    between = calendar().WorkingTimeBetween(At(c.from), At(c.to), {});
    ASSERT_TRUE(between.ok()) << between.status();
    EXPECT_EQ(*between, c.expected);
  }
}

TEST_F(ShippedCalendarTest, WorkingTimeBetweenOutOfRange) {
  absl::StatusOr<absl::Duration> between = calendar().WorkingTimeBetween(
      At("2023-12-29T10:00:00+07:00"), At("2024-01-03T10:00:00+07:00"));
  EXPECT_EQ(between.status().code(), absl::StatusCode::kOutOfRange);
  between = calendar().WorkingTimeBetween(At("2027-12-31T10:00:00+07:00"),
                                          At("2028-01-03T10:00:00+07:00"));
  EXPECT_EQ(between.status().code(), absl::StatusCode::kOutOfRange);
}

TEST_F(ShippedCalendarTest, WorkingTimeBetweenWithPauses) {
  // Monday 08:00 to Tuesday 10:00: 7h on Monday and 2h30 on Tuesday.
  const absl::Time from = At("2025-03-10T08:00:00+07:00");
  const absl::Time to = At("2025-03-11T10:00:00+07:00");
  auto pause = [](const char* pause_from, const char* pause_to) {
    return Interval{At(pause_from), At(pause_to)};
  };
  struct Case {
    std::vector<Interval> pauses;
    absl::Duration expected;
    const char* note;
  };
  const absl::Duration h = absl::Hours(1);
  const absl::Duration m = absl::Minutes(1);
  const std::vector<Case> cases = {
      {{}, 9 * h + 30 * m, "no pause"},
      {{pause("2025-03-10T09:00:00+07:00", "2025-03-10T10:00:00+07:00")},
       8 * h + 30 * m,
       "one hour"},
      {{pause("2025-03-10T07:00:00+07:00", "2025-03-10T09:00:00+07:00"),
        pause("2025-03-10T08:30:00+07:00", "2025-03-10T10:00:00+07:00")},
       7 * h + 30 * m,
       "overlapping each other and the start: 08:00-10:00 removed"},
      {{pause("2025-03-10T07:00:00+07:00", "2025-03-10T09:00:00+07:00"),
        pause("2025-03-10T08:30:00+07:00", "2025-03-10T10:00:00+07:00"),
        pause("2025-03-11T09:00:00+07:00", "2025-03-11T12:00:00+07:00")},
       6 * h + 30 * m,
       "and one past the end: 09:00-10:00 on Tuesday removed"},
      {{pause("2025-03-10T13:30:00+07:00", "2025-03-10T17:00:00+07:00"),
        pause("2025-03-10T14:00:00+07:00", "2025-03-10T15:00:00+07:00")},
       6 * h,
       "one inside the other"},
      {{pause("2025-03-10T11:45:00+07:00", "2025-03-10T13:15:00+07:00")},
       9 * h + 30 * m,
       "inside lunch"},
      {{pause("2025-03-10T11:00:00+07:00", "2025-03-10T14:00:00+07:00")},
       8 * h + 30 * m,
       "across lunch"},
      {{pause("2025-03-12T08:00:00+07:00", "2025-03-12T09:00:00+07:00"),
        pause("2025-03-07T08:00:00+07:00", "2025-03-07T09:00:00+07:00")},
       9 * h + 30 * m,
       "outside the range"},
      {{pause("2025-03-09T00:00:00+07:00", "2025-03-12T00:00:00+07:00")},
       absl::ZeroDuration(),
       "covering the range"},
      {{pause("2025-03-10T16:00:00+07:00", "2025-03-11T08:00:00+07:00"),
        pause("2025-03-10T16:30:00+07:00", "2025-03-10T16:45:00+07:00")},
       8 * h,
       "over the night"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.note);
    absl::StatusOr<absl::Duration> between =
        calendar().WorkingTimeBetween(from, to, c.pauses);
    ASSERT_TRUE(between.ok()) << between.status();
    EXPECT_EQ(*between, c.expected);
    // Reversed, the same amount, negative.
    between = calendar().WorkingTimeBetween(to, from, c.pauses);
    ASSERT_TRUE(between.ok()) << between.status();
    EXPECT_EQ(*between, -c.expected);
  }
}

TEST_F(ShippedCalendarTest, EndOfWorkingDay) {
  struct Case {
    absl::CivilDay day;
    InstantOrError expected;
  };
  using D = absl::CivilDay;
  const Case cases[] = {
      {D(2025, 3, 10), "2025-03-10T17:00:00+07:00"},
      {D(2024, 5, 4), "2024-05-04T17:00:00+07:00"},
      {D(2025, 4, 26), "2025-04-26T17:00:00+07:00"},
      {D(2027, 12, 31), "2027-12-31T17:00:00+07:00"},
      {D(2025, 1, 28), absl::StatusCode::kFailedPrecondition},
      {D(2025, 3, 15), absl::StatusCode::kFailedPrecondition},
      {D(2028, 1, 3), absl::StatusCode::kOutOfRange},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << c.day);
    ExpectInstant(calendar().EndOfWorkingDay(c.day), c.expected);
  }
}

TEST_F(ShippedCalendarTest, NominalWorkingDay) {
  EXPECT_EQ(calendar().NominalWorkingDay(), absl::Hours(7) + absl::Minutes(30));
}

TEST_F(ShippedCalendarTest, OutOfRangeNamesTheCalendar) {
  absl::StatusOr<absl::Time> result =
      calendar().AddWorkingDays(At("2027-12-30T10:00:00+07:00"), 5);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(result.status().message(), HasSubstr("vn-public-sector"));
}

TEST_F(ShippedCalendarTest, EarlyOpeningCalendar) {
  const Calendar* early = rules_->FindCalendar("vn-public-sector-0700");
  ASSERT_NE(early, nullptr) << "no calendar vn-public-sector-0700";
  EXPECT_EQ(early->NominalWorkingDay(), absl::Hours(8));
  EXPECT_THAT(early->PeriodsOf(absl::CivilDay(2025, 3, 10)),
              ElementsAre(WorkingPeriod{Clock(7, 0), Clock(11, 30)},
                          WorkingPeriod{Clock(13, 30), Clock(17, 0)}));
  EXPECT_FALSE(early->IsWorkingTime(At("2025-03-10T06:59:59+07:00")));
  EXPECT_TRUE(early->IsWorkingTime(At("2025-03-10T07:00:00+07:00")));
  // The same holidays and make-up days.
  EXPECT_FALSE(early->IsWorkingDay(absl::CivilDay(2025, 1, 27)));
  EXPECT_FALSE(early->IsWorkingDay(absl::CivilDay(2026, 4, 27)));
  EXPECT_TRUE(early->IsWorkingDay(absl::CivilDay(2024, 5, 4)));
  ExpectInstant(early->NextWorkingInstant(At("2025-03-10T17:00:00+07:00")),
                "2025-03-11T07:00:00+07:00");
  ExpectInstant(early->AddWorkingTime(At("2025-03-10T07:00:00+07:00"),
                                      absl::Hours(4) + absl::Minutes(30)),
                "2025-03-10T11:30:00+07:00");
  absl::StatusOr<absl::Duration> week = early->WorkingTimeBetween(
      At("2025-03-10T00:00:00+07:00"), At("2025-03-17T00:00:00+07:00"));
  ASSERT_TRUE(week.ok()) << week.status();
  EXPECT_EQ(*week, absl::Hours(40));
}

// Invariants checked every 15 minutes over four weeks around Tết 2025, a
// make-up Saturday and a Monday holiday: the tables above pin examples, this
// catches what falls between them.
TEST_F(ShippedCalendarTest, InvariantsOverSweeps) {
  const absl::Duration amounts[] = {
      absl::Seconds(1), absl::Minutes(30),
      absl::Hours(4),   absl::Hours(7) + absl::Minutes(30),
      absl::Hours(8),   absl::Hours(40)};
  const char* const ranges[][2] = {
      {"2025-01-20T00:00:00+07:00", "2025-02-10T00:00:00+07:00"},
      {"2025-04-24T00:00:00+07:00", "2025-04-29T00:00:00+07:00"},
      {"2026-04-23T00:00:00+07:00", "2026-04-29T00:00:00+07:00"},
  };
  for (const auto& range : ranges) {
    // Stops at the first instant that fails, to keep the output short.
    for (absl::Time t = At(range[0]); t < At(range[1]) && !HasFailure();
         t += absl::Minutes(15)) {
      SCOPED_TRACE(Show(t));
      absl::StatusOr<absl::Time> next = calendar().NextWorkingInstant(t);
      ASSERT_TRUE(next.ok()) << next.status();
      EXPECT_TRUE(calendar().IsWorkingTime(*next)) << Show(*next);
      EXPECT_GE(*next, t);
      EXPECT_EQ(
          calendar().WorkingTimeBetween(t, *next).value_or(absl::Hours(-1)),
          absl::ZeroDuration());
      for (absl::Duration amount : amounts) {
        SCOPED_TRACE(testing::Message() << "amount " << amount);
        absl::StatusOr<absl::Time> later = calendar().AddWorkingTime(t, amount);
        ASSERT_TRUE(later.ok()) << later.status();
        EXPECT_EQ(calendar().WorkingTimeBetween(t, *later).value_or(
                      absl::ZeroDuration()),
                  amount)
            << Show(*later);
        // The earliest such instant: a second earlier is a second short.
        EXPECT_EQ(calendar()
                      .WorkingTimeBetween(t, *later - absl::Seconds(1))
                      .value_or(absl::ZeroDuration()),
                  amount - absl::Seconds(1))
            << Show(*later);
        absl::StatusOr<absl::Time> earlier =
            calendar().AddWorkingTime(t, -amount);
        ASSERT_TRUE(earlier.ok()) << earlier.status();
        EXPECT_EQ(calendar()
                      .WorkingTimeBetween(*earlier, t)
                      .value_or(absl::ZeroDuration()),
                  amount)
            << Show(*earlier);
      }
      for (int64_t days : {-3, -2, -1, 1, 2, 3}) {
        SCOPED_TRACE(testing::Message() << "days " << days);
        absl::StatusOr<absl::Time> moved = calendar().AddWorkingDays(t, days);
        ASSERT_TRUE(moved.ok()) << moved.status();
        const absl::CivilDay day = calendar().LocalDay(*moved);
        ASSERT_TRUE(calendar().IsWorkingDay(day)) << Show(*moved);
        const absl::Span<const WorkingPeriod> periods =
            calendar().PeriodsOf(day);
        const absl::Duration second_of_day =
            *moved - calendar().FromLocal(absl::CivilSecond(day));
        EXPECT_GE(second_of_day, absl::Seconds(periods.front().start_second))
            << Show(*moved);
        EXPECT_LE(second_of_day, absl::Seconds(periods.back().end_second))
            << Show(*moved);
        if (days > 0) {
          EXPECT_GT(day, calendar().LocalDay(t)) << Show(*moved);
        } else {
          EXPECT_LT(day, calendar().LocalDay(t)) << Show(*moved);
        }
      }
    }
  }
}

// "The working day `days` working days after the day of start": whatever day
// zero working days from a Saturday is, it is a working day.
TEST_F(ShippedCalendarTest, AddZeroWorkingDaysFromARestDayLandsOnAWorkingDay) {
  const char* const starts[] = {
      "2025-03-15T10:00:00+07:00",  // Saturday
      "2025-03-16T10:00:00+07:00",  // Sunday
      "2025-01-28T10:00:00+07:00",  // Tết 2025
  };
  for (const char* start : starts) {
    SCOPED_TRACE(start);
    absl::StatusOr<absl::Time> moved = calendar().AddWorkingDays(At(start), 0);
    ASSERT_TRUE(moved.ok()) << moved.status();
    EXPECT_TRUE(calendar().IsWorkingDay(calendar().LocalDay(*moved)))
        << Show(*moved);
  }
}

// Hand-built calendars for the edge cases the shipped one does not have.

constexpr WorkingPeriod kMorning{Clock(7, 30), Clock(11, 30)};
constexpr WorkingPeriod kAfternoon{Clock(13, 30), Clock(17, 0)};

// Monday to Friday 07:30-11:30 and 13:30-17:00 over 2025, no holidays.
CalendarSpec Spec2025() {
  CalendarSpec spec;
  spec.name = "test-2025";
  spec.utc_offset_seconds = kUtcPlus7;
  for (int weekday = 0; weekday < 5; ++weekday) {
    spec.working_week[weekday] = {kMorning, kAfternoon};
  }
  spec.first_day = absl::CivilDay(2025, 1, 1);
  spec.last_day = absl::CivilDay(2025, 12, 31);
  return spec;
}

Calendar BuildOrDie(CalendarSpec spec) {
  absl::StatusOr<Calendar> calendar = Calendar::Build(std::move(spec));
  EXPECT_TRUE(calendar.ok()) << calendar.status();
  return *std::move(calendar);
}

TEST(CalendarBuildTest, MakeUpDayWithItsOwnPeriods) {
  CalendarSpec spec = Spec2025();
  // Saturday 26/04/2025 worked 08:00-11:00 only.
  spec.make_up_days.push_back(
      MakeUpDay{absl::CivilDay(2025, 4, 26),
                std::vector<WorkingPeriod>{{Clock(8, 0), Clock(11, 0)}},
                "short make-up day", "test", false});
  absl::StatusOr<Calendar> built = Calendar::Build(spec);
  ASSERT_TRUE(built.ok()) << built.status();
  const Calendar& calendar = *built;

  EXPECT_TRUE(calendar.IsWorkingDay(absl::CivilDay(2025, 4, 26)));
  EXPECT_THAT(calendar.PeriodsOf(absl::CivilDay(2025, 4, 26)),
              ElementsAre(WorkingPeriod{Clock(8, 0), Clock(11, 0)}));
  EXPECT_FALSE(calendar.IsWorkingTime(At("2025-04-26T07:45:00+07:00")));
  EXPECT_TRUE(calendar.IsWorkingTime(At("2025-04-26T08:00:00+07:00")));
  EXPECT_TRUE(calendar.IsWorkingTime(At("2025-04-26T10:59:59+07:00")));
  EXPECT_FALSE(calendar.IsWorkingTime(At("2025-04-26T11:00:00+07:00")));
  EXPECT_FALSE(calendar.IsWorkingTime(At("2025-04-26T14:00:00+07:00")));
  // The make-up day is not part of the weekly pattern.
  EXPECT_EQ(calendar.NominalWorkingDay(), absl::Hours(7) + absl::Minutes(30));
  ExpectInstant(calendar.EndOfWorkingDay(absl::CivilDay(2025, 4, 26)),
                "2025-04-26T11:00:00+07:00");

  struct Case {
    const char* start;
    int64_t days;
    const char* expected;
    const char* note;
  };
  const Case cases[] = {
      {"2025-04-25T10:00:00+07:00", 1, "2025-04-26T10:00:00+07:00",
       "inside the short day"},
      {"2025-04-25T15:00:00+07:00", 1, "2025-04-26T11:00:00+07:00",
       "after its closing: its end"},
      {"2025-04-25T07:30:00+07:00", 1, "2025-04-26T08:00:00+07:00",
       "before its opening: its opening"},
      {"2025-04-25T11:15:00+07:00", 1, "2025-04-26T11:00:00+07:00",
       "after its closing, in the morning"},
      {"2025-04-28T16:00:00+07:00", -1, "2025-04-26T11:00:00+07:00",
       "backwards onto it"},
      {"2025-04-24T07:45:00+07:00", 2, "2025-04-26T08:00:00+07:00",
       "two days onto it"},
      {"2025-04-26T10:30:00+07:00", 1, "2025-04-28T10:30:00+07:00", "from it"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message()
                 << c.start << " + " << c.days << "wd " << c.note);
    ExpectInstant(calendar.AddWorkingDays(At(c.start), c.days), c.expected);
  }

  ExpectInstant(
      calendar.AddWorkingTime(At("2025-04-25T16:00:00+07:00"), absl::Hours(2)),
      "2025-04-26T09:00:00+07:00");
  ExpectInstant(
      calendar.AddWorkingTime(At("2025-04-25T16:00:00+07:00"), absl::Hours(4)),
      "2025-04-26T11:00:00+07:00");
  ExpectInstant(calendar.AddWorkingTime(At("2025-04-25T16:00:00+07:00"),
                                        absl::Hours(4) + absl::Minutes(1)),
                "2025-04-28T07:31:00+07:00");
  ExpectInstant(calendar.NextWorkingInstant(At("2025-04-26T11:00:00+07:00")),
                "2025-04-28T07:30:00+07:00");
  ExpectInstant(calendar.NextWorkingInstant(At("2025-04-26T07:00:00+07:00")),
                "2025-04-26T08:00:00+07:00");
  absl::StatusOr<absl::Duration> between = calendar.WorkingTimeBetween(
      At("2025-04-25T00:00:00+07:00"), At("2025-04-29T00:00:00+07:00"));
  ASSERT_TRUE(between.ok()) << between.status();
  EXPECT_EQ(*between, absl::Hours(18));
}

TEST(CalendarBuildTest, MakeUpDayWithoutPeriodsIsWorkedLikeMonday) {
  CalendarSpec spec = Spec2025();
  spec.working_week[0] = {{Clock(8, 0), Clock(12, 0)}};  // a short Monday
  spec.make_up_days.push_back(MakeUpDay{
      absl::CivilDay(2025, 4, 26), std::nullopt, "make-up", "test", false});
  const Calendar calendar = BuildOrDie(spec);
  EXPECT_THAT(calendar.PeriodsOf(absl::CivilDay(2025, 4, 26)),
              ElementsAre(WorkingPeriod{Clock(8, 0), Clock(12, 0)}));
}

TEST(CalendarBuildTest, HolidayRangeOverAWeekend) {
  CalendarSpec spec = Spec2025();
  // Friday 24/01/2025 to Tuesday 28/01/2025.
  spec.holidays.push_back(Holiday{absl::CivilDay(2025, 1, 24),
                                  absl::CivilDay(2025, 1, 28), "range", "test",
                                  false});
  const Calendar calendar = BuildOrDie(spec);
  struct Case {
    absl::CivilDay day;
    bool working;
  };
  using D = absl::CivilDay;
  const Case cases[] = {
      {D(2025, 1, 23), true},  {D(2025, 1, 24), false}, {D(2025, 1, 25), false},
      {D(2025, 1, 26), false}, {D(2025, 1, 27), false}, {D(2025, 1, 28), false},
      {D(2025, 1, 29), true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << c.day);
    EXPECT_EQ(calendar.IsWorkingDay(c.day), c.working);
  }
  ExpectInstant(calendar.NextWorkingInstant(At("2025-01-24T09:00:00+07:00")),
                "2025-01-29T07:30:00+07:00");
  ExpectInstant(calendar.AddWorkingDays(At("2025-01-23T10:00:00+07:00"), 1),
                "2025-01-29T10:00:00+07:00");
  absl::StatusOr<absl::Duration> between = calendar.WorkingTimeBetween(
      At("2025-01-23T00:00:00+07:00"), At("2025-01-30T00:00:00+07:00"));
  ASSERT_TRUE(between.ok()) << between.status();
  EXPECT_EQ(*between, absl::Hours(15));
}

TEST(CalendarBuildTest, OutOfRangeOnAHandBuiltCalendar) {
  const Calendar calendar = BuildOrDie(Spec2025());
  absl::StatusOr<absl::Time> result =
      calendar.AddWorkingDays(At("2025-12-30T10:00:00+07:00"), 2);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(result.status().message(), HasSubstr("test-2025"));
  result = calendar.NextWorkingInstant(At("2025-12-31T17:00:00+07:00"));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_FALSE(calendar.IsWorkingDay(absl::CivilDay(2026, 1, 2)));
  EXPECT_FALSE(calendar.Covers(absl::CivilDay(2024, 12, 31)));
}

TEST(CalendarBuildTest, RejectsBadSpecs) {
  struct Case {
    const char* note;
    CalendarSpec spec;
  };
  std::vector<Case> cases;
  {
    CalendarSpec spec = Spec2025();
    spec.working_week[0] = {kAfternoon, kMorning};
    cases.push_back({"periods out of order", spec});
  }
  {
    CalendarSpec spec = Spec2025();
    spec.working_week[2] = {{Clock(7, 30), Clock(12, 0)},
                            {Clock(11, 30), Clock(17, 0)}};
    cases.push_back({"overlapping periods", spec});
  }
  {
    CalendarSpec spec = Spec2025();
    spec.working_week[1] = {{Clock(7, 30), Clock(7, 30)}};
    cases.push_back({"empty period", spec});
  }
  {
    CalendarSpec spec = Spec2025();
    spec.working_week[1] = {{Clock(11, 30), Clock(7, 30)}};
    cases.push_back({"period ending before it starts", spec});
  }
  {
    CalendarSpec spec = Spec2025();
    spec.working_week[4] = {kMorning, {Clock(13, 30), Clock(24, 30)}};
    cases.push_back({"period past midnight", spec});
  }
  {
    CalendarSpec spec = Spec2025();
    spec.working_week[4] = {{-3600, Clock(11, 30)}};
    cases.push_back({"period before midnight", spec});
  }
  {
    CalendarSpec spec = Spec2025();
    spec.holidays.push_back(Holiday{absl::CivilDay(2026, 1, 1),
                                    absl::CivilDay(2026, 1, 1), "new year",
                                    "test", false});
    cases.push_back({"holiday outside the covered range", spec});
  }
  {
    CalendarSpec spec = Spec2025();
    spec.holidays.push_back(Holiday{absl::CivilDay(2025, 12, 31),
                                    absl::CivilDay(2026, 1, 2), "new year",
                                    "test", false});
    cases.push_back({"holiday running past the covered range", spec});
  }
  {
    CalendarSpec spec = Spec2025();
    spec.holidays.push_back(Holiday{absl::CivilDay(2024, 12, 31),
                                    absl::CivilDay(2024, 12, 31), "eve", "test",
                                    false});
    cases.push_back({"holiday before the covered range", spec});
  }
  {
    CalendarSpec spec = Spec2025();
    spec.make_up_days.push_back(MakeUpDay{
        absl::CivilDay(2026, 1, 3), std::nullopt, "make-up", "test", false});
    cases.push_back({"make-up day outside the covered range", spec});
  }
  {
    CalendarSpec spec = Spec2025();
    spec.holidays.push_back(Holiday{absl::CivilDay(2025, 4, 25),
                                    absl::CivilDay(2025, 4, 28), "bridge",
                                    "test", false});
    spec.make_up_days.push_back(MakeUpDay{
        absl::CivilDay(2025, 4, 26), std::nullopt, "make-up", "test", false});
    cases.push_back({"a day both a holiday and a make-up day", spec});
  }
  {
    CalendarSpec spec = Spec2025();
    spec.make_up_days.push_back(
        MakeUpDay{absl::CivilDay(2025, 4, 26),
                  std::vector<WorkingPeriod>{kAfternoon, kMorning}, "make-up",
                  "test", false});
    cases.push_back({"make-up day periods out of order", spec});
  }
  for (const Case& c : cases) {
    SCOPED_TRACE(c.note);
    absl::StatusOr<Calendar> calendar = Calendar::Build(c.spec);
    ASSERT_FALSE(calendar.ok());
    EXPECT_EQ(calendar.status().code(), absl::StatusCode::kInvalidArgument)
        << calendar.status();
  }
}

}  // namespace
}  // namespace motcua
