// Backdated receipts: the bound on how old a receipt time may be when it is
// entered, the permission and the reason beyond it, and the mark the receipt
// carries into its event, its dossier and the report.

#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/lifecycle.h"
#include "engine/report.h"
#include "engine/rules.h"
#include "engine/time_limit.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/local_time.h"
#include "tests/testing/shipped_rules.h"

namespace motcua {
namespace {

using ::motcua::test_support::At;
using ::motcua::test_support::ShippedRules;
using ::testing::HasSubstr;

// 3wd, no cut-off, calendar vn-public-sector (07:30-11:30, 13:30-17:00).
constexpr char kHousehold[] = "local.ho-kinh-doanh";

class LateEntryTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(ShippedRules(), nullptr); }

  // A receipt at `received`, entered at `now` by `actor` under `policy`.
  absl::StatusOr<std::vector<Event>> Enter(absl::string_view received,
                                           absl::string_view now,
                                           const ReceiptPolicy& policy,
                                           std::string reason = "",
                                           std::string actor = "desk-1") {
    SubmitAction submit;
    submit.procedure_code = kHousehold;
    submit.agency = "ubnd-phuong-tan-dinh";
    submit.channel = Channel::kOnline;
    submit.received_at = At(received);
    submit.late_entry_reason = std::move(reason);
    submit.policy = policy;
    return Decide(nullptr, Command{"HS-LATE-1", submit, std::move(actor)},
                  *ShippedRules(), At(now));
  }

  static ReceiptPolicy Desk() { return ReceiptPolicy{}; }
  static ReceiptPolicy Officer() {
    ReceiptPolicy policy;
    policy.in_time_entry = EntryPermission::kDenied;
    policy.late_entry = EntryPermission::kGranted;
    return policy;
  }
  static ReceiptPolicy Admin() {
    ReceiptPolicy policy;
    policy.late_entry = EntryPermission::kGranted;
    return policy;
  }

  static const ReceivedEvent& Received(const std::vector<Event>& events) {
    return std::get<ReceivedEvent>(events.front().body);
  }
};

TEST_F(LateEntryTest, AReceiptWithinOneWorkingDayIsEnteredAsUsual) {
  // Tue 10:00 may be entered until Wed 10:00.
  absl::StatusOr<std::vector<Event>> events =
      Enter("2025-07-08T10:00", "2025-07-09T10:00", Desk());
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_FALSE(Received(*events).entered_late.has_value());
}

TEST_F(LateEntryTest, TheBoundCountsWorkingDaysOfTheProceduresCalendar) {
  // Friday 16:00 may be entered until Monday 16:00: the weekend is not
  // worked. Three calendar days, one working day.
  EXPECT_TRUE(Enter("2025-07-11T16:00", "2025-07-14T15:59", Desk()).ok());
  absl::StatusOr<std::vector<Event>> late =
      Enter("2025-07-11T16:00", "2025-07-14T16:01", Desk());
  EXPECT_EQ(late.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(LateEntryTest, BeyondTheBoundWithoutAReasonIsRefusedNamingReceivedAt) {
  absl::StatusOr<std::vector<Event>> events =
      Enter("2025-07-07T10:00", "2025-07-09T10:00", Desk());
  ASSERT_EQ(events.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(events.status().message(), HasSubstr("received_at"));
  EXPECT_THAT(events.status().message(), HasSubstr("1wd"));
  EXPECT_THAT(events.status().message(), HasSubstr("late_entry_reason"));
  // An officer without a reason is refused the same way.
  EXPECT_EQ(
      Enter("2025-07-07T10:00", "2025-07-09T10:00", Officer()).status().code(),
      absl::StatusCode::kInvalidArgument);
}

TEST_F(LateEntryTest, BeyondTheBoundADeskIsRefusedEvenWithAReason) {
  absl::StatusOr<std::vector<Event>> events =
      Enter("2025-07-07T10:00", "2025-07-09T10:00", Desk(), "paper register");
  ASSERT_EQ(events.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(events.status().message(), HasSubstr("officer role"));
}

TEST_F(LateEntryTest, AnOfficerEntersALateReceiptMarkedWithReasonAndTime) {
  absl::StatusOr<std::vector<Event>> events =
      Enter("2025-07-07T10:00", "2025-07-09T10:00", Officer(),
            "found in the paper register", "officer.tu-phap");
  ASSERT_TRUE(events.ok()) << events.status();
  const ReceivedEvent& received = Received(*events);
  ASSERT_TRUE(received.entered_late.has_value());
  EXPECT_EQ(received.entered_late->recorded_at, At("2025-07-09T10:00"));
  EXPECT_EQ(received.entered_late->reason, "found in the paper register");
  EXPECT_EQ(received.entered_late->by, "officer.tu-phap");
  // The receipt keeps its own time: the clock and the due time count from
  // it, not from the entry.
  EXPECT_EQ(received.received_at, At("2025-07-07T10:00"));
  EXPECT_EQ(received.due_at, At("2025-07-10T10:00"));

  Dossier dossier;
  ASSERT_TRUE(Apply(dossier, events->front()).ok());
  ASSERT_TRUE(dossier.entered_late.has_value());
  EXPECT_EQ(*dossier.entered_late, *received.entered_late);

  // The report counts it on the day of receipt, as entered late.
  const std::vector<ReportDelta> deltas =
      ReportDeltasOf(nullptr, dossier, events->front().occurred_at);
  const auto late =
      std::find_if(deltas.begin(), deltas.end(), [](const ReportDelta& delta) {
        return delta.measure == ReportMeasure::kReceivedEnteredLate;
      });
  ASSERT_NE(late, deltas.end());
  EXPECT_EQ(late->day, ReportDay(At("2025-07-07T10:00")));
  EXPECT_EQ(late->delta, 1);
}

TEST_F(LateEntryTest, AnOfficerDoesNotEnterReceiptsWithinTheBound) {
  absl::StatusOr<std::vector<Event>> events = Enter(
      "2025-07-09T09:00", "2025-07-09T10:00", Officer(), "no reason needed");
  EXPECT_EQ(events.status().code(), absl::StatusCode::kPermissionDenied);
  // An admin may do both; within the bound nothing is marked.
  absl::StatusOr<std::vector<Event>> admin =
      Enter("2025-07-09T09:00", "2025-07-09T10:00", Admin(), "a reason");
  ASSERT_TRUE(admin.ok()) << admin.status();
  EXPECT_FALSE(Received(*admin).entered_late.has_value());
}

TEST_F(LateEntryTest, TheBoundIsConfigurable) {
  ReceiptPolicy policy = Desk();
  policy.max_backdate = TimeLimit{LimitUnit::kWorkingHours, 2, std::nullopt};
  EXPECT_TRUE(Enter("2025-07-09T08:00", "2025-07-09T10:00", policy).ok());
  EXPECT_EQ(
      Enter("2025-07-09T08:00", "2025-07-09T10:01", policy).status().code(),
      absl::StatusCode::kInvalidArgument);
}

TEST_F(LateEntryTest, AReceiptInTheFutureBeyondTheClockSkewIsRefused) {
  EXPECT_TRUE(Enter("2025-07-09T10:04", "2025-07-09T10:00", Desk()).ok());
  absl::StatusOr<std::vector<Event>> future =
      Enter("2025-07-09T10:06", "2025-07-09T10:00", Desk());
  ASSERT_EQ(future.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(future.status().message(), HasSubstr("received_at"));
  EXPECT_THAT(future.status().message(), HasSubstr("future"));
}

}  // namespace
}  // namespace motcua
