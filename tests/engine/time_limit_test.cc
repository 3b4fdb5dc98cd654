#include "engine/time_limit.h"

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/calendar.h"
#include "engine/rules.h"
#include "engine/time_format.h"
#include "gtest/gtest.h"
#include "tests/testing/local_time.h"
#include "tests/testing/shipped_rules.h"

namespace motcua {
namespace {

constexpr int32_t kUtcPlus7 = 7 * 3600;

constexpr int32_t Clock(int hour, int minute) {
  return hour * 3600 + minute * 60;
}

using ::motcua::test_support::At;

std::string Show(absl::Time instant) {
  return FormatInstant(instant, FixedZone(kUtcPlus7));
}

TimeLimit Limit(absl::string_view text,
                std::optional<absl::string_view> cutoff = std::nullopt) {
  absl::StatusOr<TimeLimit> limit = ParseTimeLimit(text);
  EXPECT_TRUE(limit.ok()) << limit.status();
  TimeLimit result = limit.value_or(TimeLimit{});
  if (cutoff.has_value()) {
    absl::StatusOr<int32_t> second = ParseClockTime(*cutoff);
    EXPECT_TRUE(second.ok()) << second.status();
    result.cutoff_second = second.value_or(0);
  }
  return result;
}

TEST(ParseTimeLimitTest, Valid) {
  struct Case {
    absl::string_view text;
    LimitUnit unit;
    int64_t amount;
  };
  const Case cases[] = {
      {"3wd", LimitUnit::kWorkingDays, 3},
      {"1wd", LimitUnit::kWorkingDays, 1},
      {"8wh", LimitUnit::kWorkingHours, 8},
      {"15cd", LimitUnit::kCalendarDays, 15},
      {"120cd", LimitUnit::kCalendarDays, 120},
      {"same-day", LimitUnit::kSameDay, 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<TimeLimit> limit = ParseTimeLimit(c.text);
    ASSERT_TRUE(limit.ok()) << limit.status();
    EXPECT_EQ(limit->unit, c.unit);
    EXPECT_EQ(limit->amount, c.amount);
    EXPECT_FALSE(limit->cutoff_second.has_value());
    EXPECT_EQ(limit->ToString(), c.text);
  }
}

TEST(ParseTimeLimitTest, Invalid) {
  const absl::string_view cases[] = {
      "3xx",      "",    "0wd",  "-1wd", "wd",      "3 wd",
      "1.5wd",    "3WD", "+3wd", "3wd ", " 3wd",    "3w",
      "same day", "0cd", "0wh",  "3d",   "sameday",
  };
  for (absl::string_view text : cases) {
    SCOPED_TRACE(text);
    absl::StatusOr<TimeLimit> limit = ParseTimeLimit(text);
    ASSERT_FALSE(limit.ok()) << limit->ToString();
    EXPECT_EQ(limit.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(ParseTimeLimitTest, ErrorNamesTheText) {
  absl::StatusOr<TimeLimit> limit = ParseTimeLimit("3xx");
  ASSERT_FALSE(limit.ok());
  EXPECT_NE(limit.status().message().find("3xx"), absl::string_view::npos)
      << limit.status();
}

TEST(ParseClockTimeTest, Valid) {
  struct Case {
    absl::string_view text;
    int32_t second;
  };
  const Case cases[] = {
      {"15:00", Clock(15, 0)},
      {"07:30", Clock(7, 30)},
      {"00:00", 0},
      {"23:59", Clock(23, 59)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<int32_t> second = ParseClockTime(c.text);
    ASSERT_TRUE(second.ok()) << second.status();
    EXPECT_EQ(*second, c.second);
    EXPECT_EQ(FormatClockTime(*second), c.text);
  }
}

TEST(ParseClockTimeTest, Invalid) {
  const absl::string_view cases[] = {
      "25:00", "7:3", "15:60", "", "15", "15:00:00", "ab:cd", "-1:00", "1500",
  };
  for (absl::string_view text : cases) {
    SCOPED_TRACE(text);
    absl::StatusOr<int32_t> second = ParseClockTime(text);
    ASSERT_FALSE(second.ok()) << *second;
    EXPECT_EQ(second.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(WorkingOffsetTest, ToString) {
  EXPECT_EQ((WorkingOffset{LimitUnit::kWorkingDays, 2}).ToString(), "+2wd");
  EXPECT_EQ((WorkingOffset{LimitUnit::kWorkingHours, -4}).ToString(), "-4wh");
  EXPECT_EQ((WorkingOffset{LimitUnit::kWorkingDays, 0}).ToString(), "+0wd");
}

// The shipped rule set and its vn-public-sector calendar.
class ShippedTimeLimitTest : public ::testing::Test {
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

struct DueCase {
  const char* received;
  const char* limit;
  std::optional<absl::string_view> cutoff;  // "HH:MM"
  const char* due;
  const char* note;
};

// Expected due times on vn-public-sector, worked out by hand from the
// semantics in time_limit.h and the holidays of 2024-2027.
const DueCase kDueCases[] = {
    // The clock's start.
    {"2025-03-10T12:00:00+07:00", "1wd", std::nullopt,
     "2025-03-11T13:30:00+07:00", "received at lunch: starts 13:30"},
    {"2025-03-10T17:30:00+07:00", "1wd", std::nullopt,
     "2025-03-12T07:30:00+07:00", "after closing: starts Tue 07:30"},
    {"2025-03-10T17:00:00+07:00", "1wd", std::nullopt,
     "2025-03-12T07:30:00+07:00", "exactly at closing: starts Tue 07:30"},
    {"2025-03-10T06:00:00+07:00", "1wd", std::nullopt,
     "2025-03-11T07:30:00+07:00", "before opening: starts 07:30"},
    {"2025-03-15T10:00:00+07:00", "1wd", std::nullopt,
     "2025-03-18T07:30:00+07:00", "Saturday: starts Mon 07:30"},
    {"2025-04-07T09:00:00+07:00", "1wd", std::nullopt,
     "2025-04-09T07:30:00+07:00", "Hùng Kings 2025: starts Tue 07:30"},
    {"2025-01-01T09:00:00+07:00", "1wd", std::nullopt,
     "2025-01-03T07:30:00+07:00", "1/1/2025: starts Thu 07:30"},
    // Cut-off.
    {"2025-03-11T15:30:00+07:00", "same-day", "15:00",
     "2025-03-12T17:00:00+07:00", "after the cut-off"},
    {"2025-03-11T15:00:00+07:00", "same-day", "15:00",
     "2025-03-12T17:00:00+07:00", "exactly at the cut-off"},
    {"2025-03-11T14:59:59+07:00", "same-day", "15:00",
     "2025-03-11T17:00:00+07:00", "one second before the cut-off"},
    {"2025-03-11T06:45:00+07:00", "same-day", "15:00",
     "2025-03-11T17:00:00+07:00", "before opening: the cut-off does not apply"},
    {"2025-03-11T18:00:00+07:00", "same-day", "15:00",
     "2025-03-12T17:00:00+07:00", "after closing"},
    {"2025-03-14T16:00:00+07:00", "same-day", "15:00",
     "2025-03-17T17:00:00+07:00", "Friday after the cut-off"},
    {"2025-03-15T16:00:00+07:00", "same-day", "15:00",
     "2025-03-17T17:00:00+07:00", "Saturday after the cut-off hour"},
    {"2025-03-11T15:30:00+07:00", "1wd", "15:00", "2025-03-13T07:30:00+07:00",
     "1wd after the cut-off"},
    {"2025-03-11T14:00:00+07:00", "1wd", "15:00", "2025-03-12T14:00:00+07:00",
     "1wd before the cut-off"},
    {"2026-02-13T15:10:00+07:00", "same-day", "15:00",
     "2026-02-23T17:00:00+07:00", "eve of Tết 2026 after the cut-off"},
    {"2024-05-04T15:30:00+07:00", "same-day", "15:00",
     "2024-05-06T17:00:00+07:00", "make-up Saturday 2024 after the cut-off"},
    {"2024-05-04T14:00:00+07:00", "same-day", "15:00",
     "2024-05-04T17:00:00+07:00", "make-up Saturday 2024 before the cut-off"},
    {"2024-12-31T15:30:00+07:00", "same-day", "15:00",
     "2025-01-02T17:00:00+07:00", "end of 2024 after the cut-off"},
    {"2025-03-10T12:00:00+07:00", "same-day", "11:00",
     "2025-03-11T17:00:00+07:00", "cut-off 11:00, received at lunch"},
    // Working days.
    {"2025-01-24T10:00:00+07:00", "3wd", std::nullopt,
     "2025-02-05T10:00:00+07:00", "Tết 2025"},
    {"2025-03-10T08:00:00+07:00", "3wd", std::nullopt,
     "2025-03-13T08:00:00+07:00", "plain week"},
    {"2025-03-13T16:00:00+07:00", "2wd", std::nullopt,
     "2025-03-17T16:00:00+07:00", "over a weekend"},
    {"2025-03-10T16:59:59+07:00", "1wd", std::nullopt,
     "2025-03-11T16:59:59+07:00", "last second of the day"},
    {"2025-03-10T07:30:00+07:00", "5wd", std::nullopt,
     "2025-03-17T07:30:00+07:00", "a week"},
    {"2024-04-26T14:00:00+07:00", "3wd", std::nullopt,
     "2024-05-04T14:00:00+07:00", "30/4-1/5 2024 then make-up Saturday"},
    {"2024-05-03T10:00:00+07:00", "1wd", std::nullopt,
     "2024-05-04T10:00:00+07:00", "onto make-up Saturday 2024"},
    {"2024-05-04T10:00:00+07:00", "1wd", std::nullopt,
     "2024-05-06T10:00:00+07:00", "received on make-up Saturday 2024"},
    {"2025-04-24T10:00:00+07:00", "3wd", std::nullopt,
     "2025-04-28T10:00:00+07:00", "over make-up Saturday 2025"},
    {"2025-04-26T10:00:00+07:00", "2wd", std::nullopt,
     "2025-04-29T10:00:00+07:00", "received on make-up Saturday 2025"},
    {"2025-04-29T10:00:00+07:00", "1wd", std::nullopt,
     "2025-05-05T10:00:00+07:00", "30/4-2/5 2025"},
    {"2026-04-24T10:00:00+07:00", "1wd", std::nullopt,
     "2026-04-28T10:00:00+07:00", "Monday holiday 27/4/2026"},
    {"2026-04-27T09:00:00+07:00", "1wd", std::nullopt,
     "2026-04-29T07:30:00+07:00", "received on Monday holiday 27/4/2026"},
    {"2026-04-29T10:00:00+07:00", "1wd", std::nullopt,
     "2026-05-04T10:00:00+07:00", "30/4-1/5 2026"},
    {"2024-02-07T10:00:00+07:00", "1wd", std::nullopt,
     "2024-02-15T10:00:00+07:00", "Tết 2024"},
    {"2024-02-09T10:00:00+07:00", "1wd", std::nullopt,
     "2024-02-16T07:30:00+07:00", "received during Tết 2024"},
    {"2026-02-13T10:00:00+07:00", "3wd", std::nullopt,
     "2026-02-25T10:00:00+07:00", "Tết 2026"},
    {"2027-02-04T10:00:00+07:00", "1wd", std::nullopt,
     "2027-02-12T10:00:00+07:00", "Tết 2027"},
    {"2024-12-31T10:00:00+07:00", "1wd", std::nullopt,
     "2025-01-02T10:00:00+07:00", "end of 2024"},
    {"2026-12-31T10:00:00+07:00", "1wd", std::nullopt,
     "2027-01-04T10:00:00+07:00", "end of 2026"},
    {"2024-04-17T10:00:00+07:00", "1wd", std::nullopt,
     "2024-04-19T10:00:00+07:00", "Hùng Kings 18/4/2024"},
    {"2024-08-30T10:00:00+07:00", "1wd", std::nullopt,
     "2024-09-04T10:00:00+07:00", "2/9 2024"},
    {"2025-08-29T10:00:00+07:00", "2wd", std::nullopt,
     "2025-09-04T10:00:00+07:00", "2/9 2025"},
    {"2026-08-31T10:00:00+07:00", "1wd", std::nullopt,
     "2026-09-03T10:00:00+07:00", "2/9 2026, 1/9 assumed"},
    {"2027-04-15T10:00:00+07:00", "1wd", std::nullopt,
     "2027-04-19T10:00:00+07:00", "Hùng Kings 2027"},
    {"2027-04-29T10:00:00+07:00", "1wd", std::nullopt,
     "2027-05-04T10:00:00+07:00", "30/4 and 3/5 2027"},
    {"2027-09-01T10:00:00+07:00", "1wd", std::nullopt,
     "2027-09-06T10:00:00+07:00", "2/9 2027, 3/9 provisional"},
    // Working hours.
    {"2025-03-10T10:00:00+07:00", "8wh", std::nullopt,
     "2025-03-11T10:30:00+07:00", "overnight"},
    {"2025-03-10T07:30:00+07:00", "4wh", std::nullopt,
     "2025-03-10T11:30:00+07:00", "ends exactly at the end of the morning"},
    {"2025-03-10T06:00:00+07:00", "4wh", std::nullopt,
     "2025-03-10T11:30:00+07:00", "before opening"},
    {"2025-03-10T14:00:00+07:00", "3wh", std::nullopt,
     "2025-03-10T17:00:00+07:00", "ends exactly at closing"},
    {"2025-03-10T12:15:00+07:00", "2wh", std::nullopt,
     "2025-03-10T15:30:00+07:00", "received at lunch"},
    {"2025-03-14T15:00:00+07:00", "8wh", std::nullopt,
     "2025-03-17T15:30:00+07:00", "over a weekend"},
    {"2025-01-24T15:00:00+07:00", "4wh", std::nullopt,
     "2025-02-03T09:30:00+07:00", "Tết 2025"},
    {"2025-03-10T15:00:00+07:00", "2wh", "15:00", "2025-03-11T09:30:00+07:00",
     "after the cut-off"},
    {"2024-05-03T16:00:00+07:00", "4wh", std::nullopt,
     "2024-05-04T10:30:00+07:00", "onto make-up Saturday 2024"},
    {"2025-04-25T16:00:00+07:00", "8wh", std::nullopt,
     "2025-04-26T16:30:00+07:00", "onto make-up Saturday 2025"},
    {"2024-02-07T16:00:00+07:00", "2wh", std::nullopt,
     "2024-02-15T08:30:00+07:00", "Tết 2024"},
    {"2025-03-10T07:30:00+07:00", "16wh", std::nullopt,
     "2025-03-12T08:30:00+07:00", "two whole days and an hour"},
    {"2027-02-04T16:00:00+07:00", "8wh", std::nullopt,
     "2027-02-12T16:30:00+07:00", "Tết 2027"},
    {"2026-02-13T14:00:00+07:00", "3wh", std::nullopt,
     "2026-02-13T17:00:00+07:00", "ends at closing on the eve of Tết 2026"},
    // Same day.
    {"2025-03-10T09:00:00+07:00", "same-day", std::nullopt,
     "2025-03-10T17:00:00+07:00", "plain"},
    {"2025-03-10T16:59:59+07:00", "same-day", std::nullopt,
     "2025-03-10T17:00:00+07:00", "last second"},
    {"2025-03-10T17:00:00+07:00", "same-day", std::nullopt,
     "2025-03-11T17:00:00+07:00", "at closing"},
    {"2025-04-26T09:00:00+07:00", "same-day", std::nullopt,
     "2025-04-26T17:00:00+07:00", "make-up Saturday 2025"},
    {"2025-03-15T09:00:00+07:00", "same-day", std::nullopt,
     "2025-03-17T17:00:00+07:00", "Saturday"},
    {"2026-02-18T10:00:00+07:00", "same-day", "15:00",
     "2026-02-23T17:00:00+07:00", "during Tết 2026"},
    {"2024-04-18T10:00:00+07:00", "same-day", std::nullopt,
     "2024-04-19T17:00:00+07:00", "Hùng Kings 2024"},
    // Calendar days: counting starts the day after the start's day.
    {"2025-03-10T10:00:00+07:00", "5cd", std::nullopt,
     "2025-03-17T17:00:00+07:00", "last day a Saturday: Monday"},
    {"2025-03-10T10:00:00+07:00", "4cd", std::nullopt,
     "2025-03-14T17:00:00+07:00", "last day a Friday"},
    {"2025-03-10T10:00:00+07:00", "1cd", std::nullopt,
     "2025-03-11T17:00:00+07:00", "the next day"},
    {"2025-03-14T10:00:00+07:00", "1cd", std::nullopt,
     "2025-03-17T17:00:00+07:00", "last day a Saturday"},
    {"2025-03-14T10:00:00+07:00", "2cd", std::nullopt,
     "2025-03-17T17:00:00+07:00", "last day a Sunday"},
    {"2025-03-14T10:00:00+07:00", "3cd", std::nullopt,
     "2025-03-17T17:00:00+07:00", "last day a Monday"},
    {"2025-03-10T10:00:00+07:00", "15cd", std::nullopt,
     "2025-03-25T17:00:00+07:00", "15 days"},
    {"2025-01-23T10:00:00+07:00", "5cd", std::nullopt,
     "2025-02-03T17:00:00+07:00", "last day in Tết 2025"},
    {"2025-01-23T10:00:00+07:00", "15cd", std::nullopt,
     "2025-02-07T17:00:00+07:00", "across Tết 2025"},
    {"2026-04-24T10:00:00+07:00", "3cd", std::nullopt,
     "2026-04-28T17:00:00+07:00", "last day the Monday holiday 27/4/2026"},
    {"2024-05-03T10:00:00+07:00", "1cd", std::nullopt,
     "2024-05-04T17:00:00+07:00", "last day make-up Saturday 2024"},
    {"2025-04-24T10:00:00+07:00", "2cd", std::nullopt,
     "2025-04-26T17:00:00+07:00", "last day make-up Saturday 2025"},
    {"2025-03-14T15:30:00+07:00", "5cd", "15:00", "2025-03-24T17:00:00+07:00",
     "after the cut-off: starts Monday, counts from Tuesday"},
    {"2025-03-15T10:00:00+07:00", "2cd", std::nullopt,
     "2025-03-19T17:00:00+07:00", "received Saturday: starts Monday"},
    {"2024-12-30T10:00:00+07:00", "2cd", std::nullopt,
     "2025-01-02T17:00:00+07:00", "last day 1/1/2025"},
    {"2026-02-11T10:00:00+07:00", "7cd", std::nullopt,
     "2026-02-23T17:00:00+07:00", "last day in Tết 2026"},
    {"2027-02-03T10:00:00+07:00", "2cd", std::nullopt,
     "2027-02-12T17:00:00+07:00", "last day in Tết 2027"},
    {"2024-04-26T10:00:00+07:00", "5cd", std::nullopt,
     "2024-05-02T17:00:00+07:00", "last day 1/5/2024"},
    {"2024-02-05T10:00:00+07:00", "3cd", std::nullopt,
     "2024-02-15T17:00:00+07:00", "last day in Tết 2024"},
    {"2024-02-05T10:00:00+07:00", "10cd", std::nullopt,
     "2024-02-15T17:00:00+07:00", "across Tết 2024"},
    {"2027-12-20T10:00:00+07:00", "11cd", std::nullopt,
     "2027-12-31T17:00:00+07:00", "last covered day"},
};

TEST_F(ShippedTimeLimitTest, ComputeDue) {
  for (const DueCase& c : kDueCases) {
    SCOPED_TRACE(testing::Message()
                 << c.received << " " << c.limit << " cut-off "
                 << c.cutoff.value_or("none") << ": " << c.note);
    const TimeLimit limit = Limit(c.limit, c.cutoff);
    absl::StatusOr<absl::Time> due =
        ComputeDue(calendar(), limit, At(c.received));
    ASSERT_TRUE(due.ok()) << due.status();
    EXPECT_EQ(Show(*due), c.due);
  }
}

// ComputeDue is StartOfClock followed by DueFromStart.
TEST_F(ShippedTimeLimitTest, DueFromStartAgrees) {
  for (const DueCase& c : kDueCases) {
    SCOPED_TRACE(testing::Message()
                 << c.received << " " << c.limit << ": " << c.note);
    const TimeLimit limit = Limit(c.limit, c.cutoff);
    absl::StatusOr<absl::Time> start =
        StartOfClock(calendar(), At(c.received), limit.cutoff_second);
    ASSERT_TRUE(start.ok()) << start.status();
    EXPECT_TRUE(calendar().IsWorkingTime(*start)) << Show(*start);
    absl::StatusOr<absl::Time> due = DueFromStart(calendar(), limit, *start);
    ASSERT_TRUE(due.ok()) << due.status();
    EXPECT_EQ(Show(*due), c.due);
  }
}

TEST_F(ShippedTimeLimitTest, ComputeDueOutOfRange) {
  struct Case {
    const char* received;
    const char* limit;
  };
  const Case cases[] = {
      {"2027-12-30T10:00:00+07:00", "5wd"},
      {"2027-12-31T10:00:00+07:00", "1cd"},
      {"2027-12-31T17:30:00+07:00", "same-day"},
      {"2027-12-31T16:00:00+07:00", "2wh"},
      {"2023-12-29T10:00:00+07:00", "1wd"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << c.received << " " << c.limit);
    absl::StatusOr<absl::Time> due =
        ComputeDue(calendar(), Limit(c.limit), At(c.received));
    ASSERT_FALSE(due.ok()) << Show(*due);
    EXPECT_EQ(due.status().code(), absl::StatusCode::kOutOfRange);
  }
}

TEST_F(ShippedTimeLimitTest, StartOfClock) {
  struct Case {
    const char* received;
    std::optional<absl::string_view> cutoff;
    const char* start;
    const char* note;
  };
  const Case cases[] = {
      {"2025-03-10T10:00:00+07:00", std::nullopt, "2025-03-10T10:00:00+07:00",
       "working time"},
      {"2025-03-10T12:00:00+07:00", std::nullopt, "2025-03-10T13:30:00+07:00",
       "lunch"},
      {"2025-03-10T17:00:00+07:00", std::nullopt, "2025-03-11T07:30:00+07:00",
       "closing"},
      {"2025-03-15T10:00:00+07:00", std::nullopt, "2025-03-17T07:30:00+07:00",
       "Saturday"},
      {"2025-04-07T09:00:00+07:00", std::nullopt, "2025-04-08T07:30:00+07:00",
       "holiday"},
      {"2025-03-10T14:59:59+07:00", "15:00", "2025-03-10T14:59:59+07:00",
       "a second before the cut-off"},
      {"2025-03-10T15:00:00+07:00", "15:00", "2025-03-11T07:30:00+07:00",
       "at the cut-off"},
      {"2025-03-10T15:30:00+07:00", "15:00", "2025-03-11T07:30:00+07:00",
       "after the cut-off"},
      {"2025-03-10T06:45:00+07:00", "15:00", "2025-03-10T07:30:00+07:00",
       "before opening"},
      {"2025-03-14T15:00:00+07:00", "15:00", "2025-03-17T07:30:00+07:00",
       "Friday at the cut-off"},
      {"2026-02-13T15:00:00+07:00", "15:00", "2026-02-23T07:30:00+07:00",
       "eve of Tết 2026 at the cut-off"},
      {"2024-05-04T15:00:00+07:00", "15:00", "2024-05-06T07:30:00+07:00",
       "make-up Saturday 2024 at the cut-off"},
      {"2025-03-15T16:00:00+07:00", "15:00", "2025-03-17T07:30:00+07:00",
       "Saturday after the cut-off hour"},
      {"2025-03-10T12:00:00+07:00", "11:00", "2025-03-11T07:30:00+07:00",
       "cut-off 11:00, received at lunch"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << c.received << " " << c.note);
    std::optional<int32_t> cutoff;
    if (c.cutoff.has_value()) cutoff = ParseClockTime(*c.cutoff).value_or(0);
    absl::StatusOr<absl::Time> start =
        StartOfClock(calendar(), At(c.received), cutoff);
    ASSERT_TRUE(start.ok()) << start.status();
    EXPECT_EQ(Show(*start), c.start);
  }
}

TEST_F(ShippedTimeLimitTest, ApplyOffset) {
  struct Case {
    const char* instant;
    WorkingOffset offset;
    const char* expected;
    const char* note;
  };
  const Case cases[] = {
      {"2025-03-12T17:00:00+07:00",
       {LimitUnit::kWorkingDays, 2},
       "2025-03-14T17:00:00+07:00",
       "+2wd"},
      {"2025-01-24T10:00:00+07:00",
       {LimitUnit::kWorkingDays, 2},
       "2025-02-04T10:00:00+07:00",
       "+2wd over Tết 2025"},
      {"2024-05-07T10:00:00+07:00",
       {LimitUnit::kWorkingDays, -2},
       "2024-05-04T10:00:00+07:00",
       "-2wd onto make-up Saturday 2024"},
      {"2025-03-12T10:00:00+07:00",
       {LimitUnit::kWorkingDays, 0},
       "2025-03-12T10:00:00+07:00",
       "+0wd"},
      {"2025-03-12T17:00:00+07:00",
       {LimitUnit::kWorkingHours, -4},
       "2025-03-12T11:00:00+07:00",
       "-4wh across lunch"},
      {"2025-03-13T10:00:00+07:00",
       {LimitUnit::kWorkingHours, -4},
       "2025-03-12T15:30:00+07:00",
       "-4wh across the night"},
      {"2025-03-14T15:00:00+07:00",
       {LimitUnit::kWorkingHours, 8},
       "2025-03-17T15:30:00+07:00",
       "+8wh over a weekend"},
      {"2025-03-10T07:30:00+07:00",
       {LimitUnit::kWorkingHours, 4},
       "2025-03-10T11:30:00+07:00",
       "+4wh ends at the end of the morning"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << c.instant << " " << c.note);
    absl::StatusOr<absl::Time> moved =
        ApplyOffset(calendar(), At(c.instant), c.offset);
    ASSERT_TRUE(moved.ok()) << moved.status();
    EXPECT_EQ(Show(*moved), c.expected);
  }
  absl::StatusOr<absl::Time> moved =
      ApplyOffset(calendar(), At("2027-12-30T10:00:00+07:00"),
                  {LimitUnit::kWorkingDays, 2});
  EXPECT_EQ(moved.status().code(), absl::StatusCode::kOutOfRange);
}

TEST_F(ShippedTimeLimitTest, NominalLength) {
  const absl::Duration h = absl::Hours(1);
  const absl::Duration m = absl::Minutes(1);
  EXPECT_EQ(NominalLength(calendar(), Limit("8wh")), 8 * h);
  EXPECT_EQ(NominalLength(calendar(), Limit("3wd")), 22 * h + 30 * m);
  EXPECT_EQ(NominalLength(calendar(), Limit("same-day")), 7 * h + 30 * m);
  EXPECT_EQ(NominalLength(calendar(), Limit("1cd")), 7 * h + 30 * m);
  EXPECT_EQ(NominalLength(calendar(), Limit("15cd")), 112 * h + 30 * m);
  const Calendar* early = rules_->FindCalendar("vn-public-sector-0700");
  ASSERT_NE(early, nullptr) << "no calendar vn-public-sector-0700";
  EXPECT_EQ(NominalLength(*early, Limit("3wd")), 24 * h);
  EXPECT_EQ(NominalLength(*early, Limit("8wh")), 8 * h);
}

TEST_F(ShippedTimeLimitTest, EarlyOpeningCalendar) {
  const Calendar* early = rules_->FindCalendar("vn-public-sector-0700");
  ASSERT_NE(early, nullptr) << "no calendar vn-public-sector-0700";
  absl::StatusOr<absl::Time> due =
      ComputeDue(*early, Limit("1wd"), At("2025-03-10T06:30:00+07:00"));
  ASSERT_TRUE(due.ok()) << due.status();
  EXPECT_EQ(Show(*due), "2025-03-11T07:00:00+07:00");
  due = ComputeDue(*early, Limit("8wh"), At("2025-03-10T07:00:00+07:00"));
  ASSERT_TRUE(due.ok()) << due.status();
  EXPECT_EQ(Show(*due), "2025-03-10T17:00:00+07:00");
  due = ComputeDue(*early, Limit("same-day", "15:00"),
                   At("2025-01-24T15:00:00+07:00"));
  ASSERT_TRUE(due.ok()) << due.status();
  EXPECT_EQ(Show(*due), "2025-02-03T17:00:00+07:00");
}

ThresholdPoint Share(double share) {
  ThresholdPoint point;
  point.basis = ThresholdPoint::Basis::kShareOfLimit;
  point.share = share;
  return point;
}

ThresholdPoint RelativeToDue(LimitUnit unit, int64_t amount) {
  ThresholdPoint point;
  point.basis = ThresholdPoint::Basis::kRelativeToDue;
  point.offset = WorkingOffset{unit, amount};
  return point;
}

TEST(ThresholdPointTest, ToString) {
  EXPECT_EQ(Share(0.5).ToString(), "50%");
  EXPECT_EQ(RelativeToDue(LimitUnit::kWorkingDays, 0).ToString(), "due");
  EXPECT_EQ(RelativeToDue(LimitUnit::kWorkingDays, 2).ToString(), "due + 2wd");
  EXPECT_EQ(RelativeToDue(LimitUnit::kWorkingHours, -4).ToString(),
            "due - 4wh");
}

TEST_F(ShippedTimeLimitTest, ThresholdTime) {
  struct Case {
    const char* received;
    const char* due;  // of a 3wd limit
    ThresholdPoint point;
    const char* expected;
    const char* note;
  };
  const Case cases[] = {
      // 3wd from Monday 10:00: 22h30 of working time; half is 11h15:
      // 5h on Monday, 4h on Tuesday morning, 2h15 after lunch.
      {"2025-03-10T10:00:00+07:00", "2025-03-13T10:00:00+07:00", Share(0.5),
       "2025-03-11T15:45:00+07:00", "50%"},
      {"2025-03-10T10:00:00+07:00", "2025-03-13T10:00:00+07:00", Share(1.0),
       "2025-03-13T10:00:00+07:00", "100%"},
      {"2025-03-10T10:00:00+07:00", "2025-03-13T10:00:00+07:00",
       RelativeToDue(LimitUnit::kWorkingDays, 0), "2025-03-13T10:00:00+07:00",
       "due"},
      {"2025-03-10T10:00:00+07:00", "2025-03-13T10:00:00+07:00",
       RelativeToDue(LimitUnit::kWorkingDays, 1), "2025-03-14T10:00:00+07:00",
       "due + 1wd"},
      {"2025-03-10T10:00:00+07:00", "2025-03-13T10:00:00+07:00",
       RelativeToDue(LimitUnit::kWorkingHours, -4), "2025-03-12T15:30:00+07:00",
       "due - 4wh"},
      // Across Tết 2025: 5h on Friday 24/01, then Monday 03/02.
      {"2025-01-24T10:00:00+07:00", "2025-02-05T10:00:00+07:00", Share(0.5),
       "2025-02-03T15:45:00+07:00", "50% across Tết 2025"},
      {"2025-01-24T10:00:00+07:00", "2025-02-05T10:00:00+07:00",
       RelativeToDue(LimitUnit::kWorkingDays, -3), "2025-01-24T10:00:00+07:00",
       "due - 3wd is the start"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << c.received << " " << c.note);
    absl::StatusOr<absl::Time> start =
        StartOfClock(calendar(), At(c.received), std::nullopt);
    ASSERT_TRUE(start.ok()) << start.status();
    absl::StatusOr<absl::Time> due =
        DueFromStart(calendar(), Limit("3wd"), *start);
    ASSERT_TRUE(due.ok()) << due.status();
    ASSERT_EQ(Show(*due), c.due);
    absl::StatusOr<absl::Time> reached =
        ThresholdTime(calendar(), c.point, *start, *due);
    ASSERT_TRUE(reached.ok()) << reached.status();
    EXPECT_EQ(Show(*reached), c.expected);
  }
}

// --- Lateness outside working hours ---------------------------------------

// Due Monday 17:00; at 19:15 no working time has passed since, yet the
// dossier is late: by 0m of working time and 2h15m of calendar time.
TEST_F(ShippedTimeLimitTest, PastADueTimeAfterClosingIsLateByCalendarTime) {
  absl::StatusOr<TimeLeft> left =
      TimeLeftUntil(calendar(), At("2025-07-07T19:15:00+07:00"),
                    At("2025-07-07T17:00:00+07:00"));
  ASSERT_TRUE(left.ok()) << left.status();
  EXPECT_EQ(left->working, absl::ZeroDuration());
  EXPECT_EQ(left->calendar, -absl::Minutes(135));
  EXPECT_TRUE(left->late());
  EXPECT_EQ(left->working_lateness(), absl::ZeroDuration());
  EXPECT_EQ(left->calendar_lateness(), absl::Minutes(135));
  EXPECT_EQ(TimeLeftText(*left),
            "late by 0m of working time (2h15m since the due time)");
}

TEST_F(ShippedTimeLimitTest, LatenessInWorkingAndCalendarTimeAcrossAWeekend) {
  // Due Friday 16:00; Monday 08:30 is 2h of working time later (16:00-17:00,
  // 07:30-08:30) and 2 days 16h30 of calendar time.
  absl::StatusOr<TimeLeft> left =
      TimeLeftUntil(calendar(), At("2025-07-14T08:30:00+07:00"),
                    At("2025-07-11T16:00:00+07:00"));
  ASSERT_TRUE(left.ok()) << left.status();
  EXPECT_EQ(left->working, -absl::Hours(2));
  EXPECT_TRUE(left->late());
  EXPECT_EQ(TimeLeftText(*left),
            "late by 2h00m of working time (2d16h30m since the due time)");
}

TEST_F(ShippedTimeLimitTest, BeforeTheDueTimeNothingIsLate) {
  // Before a due time at the next opening, no working time is left either:
  // that is not lateness.
  absl::StatusOr<TimeLeft> left =
      TimeLeftUntil(calendar(), At("2025-07-07T18:00:00+07:00"),
                    At("2025-07-08T07:30:00+07:00"));
  ASSERT_TRUE(left.ok()) << left.status();
  EXPECT_EQ(left->working, absl::ZeroDuration());
  EXPECT_FALSE(left->late());
  EXPECT_EQ(TimeLeftText(*left), "0m of working time left");
  absl::StatusOr<TimeLeft> due_now =
      TimeLeftUntil(calendar(), At("2025-07-07T17:00:00+07:00"),
                    At("2025-07-07T17:00:00+07:00"));
  ASSERT_TRUE(due_now.ok());
  EXPECT_FALSE(due_now->late());
}

// --- Provisional days -------------------------------------------------------

// 2026-09-01 is shipped as a provisional holiday (the day adjacent to
// National Day was not yet announced). A 3wd limit from Monday 31/08 counts
// on it; one in July does not.
TEST_F(ShippedTimeLimitTest, PlanDueReportsTheProvisionalDaysItCrossed) {
  absl::StatusOr<DuePlan> plan =
      PlanDue(calendar(), Limit("3wd"), At("2026-08-31T09:00:00+07:00"));
  ASSERT_TRUE(plan.ok()) << plan.status();
  // 01/09 (provisional) and 02/09 are holidays: Thu 03, Fri 04, Mon 07.
  EXPECT_EQ(Show(plan->due), "2026-09-07T09:00:00+07:00");
  ASSERT_EQ(plan->provisional_days.size(), 1u);
  EXPECT_EQ(absl::FormatCivilTime(plan->provisional_days[0]), "2026-09-01");
  EXPECT_TRUE(plan->provisional());

  absl::StatusOr<DuePlan> july =
      PlanDue(calendar(), Limit("3wd"), At("2026-07-06T09:00:00+07:00"));
  ASSERT_TRUE(july.ok()) << july.status();
  EXPECT_FALSE(july->provisional());
  // The due time is that of ComputeDue.
  absl::StatusOr<absl::Time> due =
      ComputeDue(calendar(), Limit("3wd"), At("2026-08-31T09:00:00+07:00"));
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(*due, plan->due);
}

TEST_F(ShippedTimeLimitTest, ADossierReceivedOnAProvisionalHolidayCountsOnIt) {
  absl::StatusOr<DuePlan> plan =
      PlanDue(calendar(), Limit("1wd"), At("2026-09-01T09:00:00+07:00"));
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->provisional_days.size(), 1u);
  EXPECT_EQ(absl::FormatCivilTime(plan->provisional_days[0]), "2026-09-01");
}

// --- Working minutes --------------------------------------------------------

TEST_F(ShippedTimeLimitTest, WorkingMinutesCountLikeWorkingHours) {
  const TimeLimit limit = Limit("45wm");
  EXPECT_EQ(limit.unit, LimitUnit::kWorkingMinutes);
  EXPECT_EQ(limit.amount, 45);
  EXPECT_EQ(limit.ToString(), "45wm");
  // 11:00 + 45 working minutes: 30 before the break, 15 after it.
  absl::StatusOr<absl::Time> due =
      DueFromStart(calendar(), limit, At("2025-07-07T11:00:00+07:00"));
  ASSERT_TRUE(due.ok()) << due.status();
  EXPECT_EQ(Show(*due), "2025-07-07T13:45:00+07:00");
  EXPECT_EQ(NominalLength(calendar(), limit), absl::Minutes(45));
}

// A window written as a limit ends where that limit, without its cut-off,
// would fall due for a receipt at the window's opening.
TEST_F(ShippedTimeLimitTest, WindowEndCountsAsALimitWithoutCutOff) {
  struct Case {
    const char* at;
    const char* window;
    const char* end;
    const char* note;
  };
  const Case cases[] = {
      {"2025-03-12T10:00:00+07:00", "1wd", "2025-03-13T10:00:00+07:00",
       "Wednesday 10:00: Thursday 10:00"},
      {"2025-03-14T18:00:00+07:00", "1wd", "2025-03-18T07:30:00+07:00",
       "Friday evening: a whole Monday, Tuesday at the opening"},
      {"2025-03-12T16:00:00+07:00", "4wh", "2025-03-13T10:30:00+07:00",
       "4wh from 16:00: 1h today, 3h tomorrow"},
      {"2025-03-12T11:00:00+07:00", "45wm", "2025-03-12T13:45:00+07:00",
       "45wm across the break"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message()
                 << c.at << " " << c.window << ": " << c.note);
    absl::StatusOr<absl::Time> end =
        WindowEnd(calendar(), Limit(c.window), At(c.at));
    ASSERT_TRUE(end.ok()) << end.status();
    EXPECT_EQ(Show(*end), c.end);
  }
  // A cut-off belongs to receipts, not to windows.
  absl::StatusOr<absl::Time> end = WindowEnd(calendar(), Limit("1wd", "15:00"),
                                             At("2025-03-12T16:00:00+07:00"));
  ASSERT_TRUE(end.ok()) << end.status();
  EXPECT_EQ(Show(*end), "2025-03-13T16:00:00+07:00");
  EXPECT_EQ(WindowEnd(calendar(), Limit("1wd"), At("2040-01-01T10:00:00+07:00"))
                .status()
                .code(),
            absl::StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace motcua
