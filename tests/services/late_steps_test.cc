// Late steps through the API: ListOverdue and ListDueSoon list the open
// steps past (or near) their own budget for the unit holding them, pages
// run over both kinds of deadline, a unit outside the procedure's steps is
// never step-late, and the report groups the steps by unit. The real server
// on 127.0.0.1:0 with a temporary data directory, the shipped rules, a
// tokens file and an injected clock.
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "motcua/v1/service.grpc.pb.h"
#include "tests/testing/test_server.h"

namespace motcua::server {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;

const absl::TimeZone kVietnam = absl::FixedTimeZone(7 * 3600);

absl::Time Local(int year, int month, int day, int hour, int minute = 0) {
  return absl::FromCivil(absl::CivilMinute(year, month, day, hour, minute),
                         kVietnam);
}
// Monday 2025-09-08 09:00 in Vietnam: a working morning.
absl::Time MondayMorning() { return Local(2025, 9, 8, 9); }

google::protobuf::Timestamp Proto(absl::Time time) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
}
absl::Time FromProto(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(timestamp));
}
absl::Duration FromProto(const google::protobuf::Duration& duration) {
  return absl::Seconds(duration.seconds()) +
         absl::Nanoseconds(duration.nanos());
}

constexpr char kAgency[] = "ubnd-phuong-ben-nghe";
// 10wd on vn-public-sector (07:30-11:30, 13:30-17:00); steps receipt 4wh
// (bo-phan-mot-cua), cadastral-check 3wd (van-phong-dang-ky-dat-dai), ...
constexpr char kLandProcedure[] = "local.dang-ky-bien-dong-dat-dai";
constexpr char kDesk[] = "bo-phan-mot-cua";
constexpr char kRegistry[] = "van-phong-dang-ky-dat-dai";
constexpr char kOutside[] = "so-tai-chinh";  // in no step of the procedure
using test_support::kAdmin;

class LateStepsTest : public test_support::ServerFixture {
 protected:
  LateStepsTest() : ServerFixture(MondayMorning(), {kAdmin}) {}

  void SetUp() override {
    config_.metrics_listen = "127.0.0.1:0";
    // Dossiers here are received weeks before the clock; the backdating
    // bound has its own tests (backdate_test.cc): a bound past the
    // calendar's range takes every receipt as in time.
    config_.max_receipt_backdate =
        TimeLimit{LimitUnit::kCalendarDays, 100000, std::nullopt};
    StartServer();
  }

  static std::unique_ptr<grpc::ClientContext> Admin() { return As(kAdmin); }

  void MustSubmit(const std::string& code, absl::Time received_at) {
    v1::SubmitRequest request;
    request.set_dossier_code(code);
    request.set_procedure_code(kLandProcedure);
    request.set_agency(kAgency);
    request.set_channel(v1::CHANNEL_ONLINE);
    *request.mutable_received_at() = Proto(received_at);
    request.set_summary("late steps test");
    v1::CommandReply reply;
    const grpc::Status status =
        dossiers_->Submit(Admin().get(), request, &reply);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  void MustHandOver(const std::string& code, const std::string& to_unit = "") {
    v1::ActRequest request;
    request.set_dossier_code(code);
    request.mutable_hand_over()->set_to_unit(to_unit);
    v1::CommandReply reply;
    const grpc::Status status = dossiers_->Act(Admin().get(), request, &reply);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  v1::Dossier MustGet(const std::string& code) {
    v1::GetRequest request;
    request.set_dossier_code(code);
    v1::Dossier dossier;
    const grpc::Status status =
        dossiers_->Get(Admin().get(), request, &dossier);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return dossier;
  }

  v1::OverdueReply Overdue(v1::OverdueRequest request) {
    v1::OverdueReply reply;
    const grpc::Status status =
        supervision_->ListOverdue(Admin().get(), request, &reply);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return reply;
  }
};

// The case: a step past its budget while the dossier is within its
// time. Asked for by unit, the step is listed for the unit holding it.
TEST_F(LateStepsTest, AUnitsLateStepIsListedByUnit) {
  // Received Monday 09:00: the receipt step (4wh) is due Monday 15:00, the
  // dossier (10wd) in two weeks.
  MustSubmit("ST-1", MondayMorning());
  clock_.Set(Local(2025, 9, 9, 9));  // Tuesday 09:00

  v1::OverdueRequest by_unit;
  by_unit.set_unit(kDesk);
  // The dossiers' deadlines alone (the default): the dossier is not late.
  EXPECT_EQ(Overdue(by_unit).entries_size(), 0);

  by_unit.set_kind(v1::DEADLINE_KIND_STEP);
  v1::OverdueReply steps = Overdue(by_unit);
  ASSERT_EQ(steps.entries_size(), 1);
  const v1::OverdueEntry& entry = steps.entries(0);
  EXPECT_EQ(entry.kind(), v1::DEADLINE_KIND_STEP);
  EXPECT_EQ(entry.dossier().code(), "ST-1");
  EXPECT_EQ(entry.unit(), kDesk);
  EXPECT_EQ(entry.step_id(), "receipt");
  EXPECT_EQ(entry.step_budget(), "4wh");
  EXPECT_EQ(FromProto(entry.due_at()), Local(2025, 9, 8, 15));
  // Monday 15:00-17:00 and Tuesday 07:30-09:00.
  EXPECT_EQ(FromProto(entry.lateness()), absl::Hours(3) + absl::Minutes(30));
  EXPECT_TRUE(entry.step_late());

  // Both kinds: the step alone is late.
  by_unit.set_kind(v1::DEADLINE_KIND_ALL);
  v1::OverdueReply all = Overdue(by_unit);
  ASSERT_EQ(all.entries_size(), 1);
  EXPECT_EQ(all.entries(0).kind(), v1::DEADLINE_KIND_STEP);

  // Another unit holds nothing late.
  by_unit.set_unit(kRegistry);
  EXPECT_EQ(Overdue(by_unit).entries_size(), 0);

  // Due soon, by unit: on Monday at 14:00 the step has 1h left.
  clock_.Set(Local(2025, 9, 8, 14));
  v1::DueSoonRequest soon;
  soon.set_unit(kDesk);
  soon.set_kind(v1::DEADLINE_KIND_STEP);
  soon.mutable_within()->set_seconds(2 * 3600);
  v1::DueSoonReply due_soon;
  ASSERT_TRUE(supervision_->ListDueSoon(Admin().get(), soon, &due_soon).ok());
  ASSERT_EQ(due_soon.entries_size(), 1);
  EXPECT_EQ(due_soon.entries(0).kind(), v1::DEADLINE_KIND_STEP);
  EXPECT_EQ(FromProto(due_soon.entries(0).lateness()), -absl::Hours(1));
  soon.set_kind(v1::DEADLINE_KIND_DOSSIER);
  ASSERT_TRUE(supervision_->ListDueSoon(Admin().get(), soon, &due_soon).ok());
  EXPECT_EQ(due_soon.entries_size(), 0);

  v1::OverdueRequest bad;
  bad.set_kind(static_cast<v1::DeadlineKind>(42));
  v1::OverdueReply ignored;
  const grpc::Status status =
      supervision_->ListOverdue(Admin().get(), bad, &ignored);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("kind"));
}

// Pages of both kinds: every row once, in (due time, code, kind) order,
// whatever the page size.
TEST_F(LateStepsTest, PagesOfBothKindsListEveryRowOnce) {
  // Received weeks ago: each late as a dossier and in its receipt step.
  for (int i = 0; i < 4; ++i) {
    MustSubmit(absl::StrCat("PG-", i),
               MondayMorning() - absl::Hours(24 * (40 - 7 * i)));
  }
  v1::OverdueRequest request;
  request.set_kind(v1::DEADLINE_KIND_ALL);
  const v1::OverdueReply whole = Overdue(request);
  ASSERT_EQ(whole.entries_size(), 8);
  EXPECT_TRUE(whole.next_page_token().empty());
  std::vector<std::pair<std::string, int>> expected;
  for (const v1::OverdueEntry& entry : whole.entries()) {
    expected.emplace_back(entry.dossier().code(), entry.kind());
  }
  for (int page_size : {1, 2, 3}) {
    SCOPED_TRACE(page_size);
    request.set_page_size(page_size);
    request.clear_page_token();
    std::vector<std::pair<std::string, int>> seen;
    for (int pages = 0; pages < 20; ++pages) {
      const v1::OverdueReply page = Overdue(request);
      EXPECT_LE(page.entries_size(), page_size);
      for (const v1::OverdueEntry& entry : page.entries()) {
        seen.emplace_back(entry.dossier().code(), entry.kind());
      }
      if (page.next_page_token().empty()) break;
      request.set_page_token(page.next_page_token());
    }
    EXPECT_EQ(seen, expected);
  }
  // Most late first: the due times never go back.
  for (int i = 1; i < whole.entries_size(); ++i) {
    EXPECT_LE(FromProto(whole.entries(i - 1).due_at()),
              FromProto(whole.entries(i).due_at()));
  }
}

// The engine decides whether a step is late: exactly at its due time it is
// not (the service used to say it was, comparing with `<=`).
TEST_F(LateStepsTest, AStepExactlyAtItsBudgetIsNotLate) {
  MustSubmit("EX-1", MondayMorning() - absl::Hours(24 * 30));
  MustHandOver("EX-1");  // to cadastral-check, 3wd from now
  const v1::Dossier handed = MustGet("EX-1");
  ASSERT_EQ(handed.current_unit(), kRegistry);
  const absl::Time step_due = FromProto(handed.current_step_due_at());
  clock_.Set(step_due);

  v1::OverdueRequest request;
  request.set_kind(v1::DEADLINE_KIND_ALL);
  const v1::OverdueReply reply = Overdue(request);
  ASSERT_EQ(reply.entries_size(), 1);  // the dossier alone
  EXPECT_EQ(reply.entries(0).kind(), v1::DEADLINE_KIND_DOSSIER);
  EXPECT_FALSE(reply.entries(0).step_late());
  // The control sheet says the same.
  const v1::Dossier now = MustGet("EX-1");
  EXPECT_FALSE(now.control_sheet(now.control_sheet_size() - 1).late());

  // A minute later both say late.
  clock_.Set(step_due + absl::Minutes(1));
  const v1::OverdueReply later = Overdue(request);
  ASSERT_EQ(later.entries_size(), 2);
  EXPECT_TRUE(later.entries(0).step_late());
  EXPECT_TRUE(later.entries(1).step_late());
}

// A unit outside the procedure's steps that takes a late dossier is not
// late itself: the dossier is listed as late, held by it; no step is.
TEST_F(LateStepsTest, AUnitOutsideTheStepsIsNeverStepLate) {
  MustSubmit("OUT-1", MondayMorning() - absl::Hours(24 * 30));
  MustHandOver("OUT-1", kOutside);

  v1::OverdueRequest request;
  request.set_unit(kOutside);
  request.set_kind(v1::DEADLINE_KIND_ALL);
  const v1::OverdueReply reply = Overdue(request);
  ASSERT_EQ(reply.entries_size(), 1);
  EXPECT_EQ(reply.entries(0).kind(), v1::DEADLINE_KIND_DOSSIER);
  EXPECT_EQ(reply.entries(0).unit(), kOutside);
  EXPECT_FALSE(reply.entries(0).step_late());
  EXPECT_EQ(reply.entries(0).step_budget(), "");

  v1::CountOverdueReply counts;
  ASSERT_TRUE(
      supervision_
          ->CountOverdue(Admin().get(), v1::CountOverdueRequest(), &counts)
          .ok());
  EXPECT_EQ(counts.dossiers(), 1);
  EXPECT_EQ(counts.steps(), 0);

  // Ten minutes later it hands it on: 10 minutes used, not late.
  clock_.Set(MondayMorning() + absl::Minutes(10));
  v1::ActRequest back;
  back.set_dossier_code("OUT-1");
  back.mutable_hand_over()->set_to_step("approval");
  v1::CommandReply ignored;
  ASSERT_TRUE(dossiers_->Act(Admin().get(), back, &ignored).ok());
  const v1::Dossier dossier = MustGet("OUT-1");
  const v1::ControlSheetEntry& held =
      dossier.control_sheet(dossier.control_sheet_size() - 2);
  EXPECT_EQ(held.unit(), kOutside);
  EXPECT_FALSE(held.late());
  EXPECT_EQ(FromProto(held.used()), absl::Minutes(10));
}

// The report by unit: each unit's steps, late against the step's budget.
TEST_F(LateStepsTest, TheReportGroupsTheStepsByUnit) {
  // RU-1: received Monday 09:00, handed on Tuesday 09:00 (the receipt step
  // late), then in cadastral-check at the end of the period (Thursday).
  MustSubmit("RU-1", MondayMorning());
  clock_.Set(Local(2025, 9, 9, 9));
  MustHandOver("RU-1");
  // RU-2: received Tuesday 09:00 and handed on at 10:00, in time.
  MustSubmit("RU-2", Local(2025, 9, 9, 9));
  clock_.Set(Local(2025, 9, 9, 10));
  MustHandOver("RU-2");

  v1::ReportRequest request;
  request.set_from_day("2025-09-08");
  request.set_to_day("2025-09-11");
  request.set_group_by(v1::ReportRequest::GROUP_BY_UNIT);
  request.set_count_at(v1::ReportRequest::COUNT_AT_RESOLUTION);
  v1::ReportReply reply;
  const grpc::Status status =
      supervision_->Report(Admin().get(), request, &reply);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(reply.rows_size(), 2);
  const v1::ReportRow& desk = reply.rows(0);
  const v1::ReportRow& registry = reply.rows(1);
  EXPECT_EQ(desk.group(), kDesk);
  EXPECT_EQ(desk.received(), 2);
  EXPECT_EQ(desk.new_online(), 2);
  EXPECT_EQ(desk.resolved(), 2);
  EXPECT_EQ(desk.resolved_late(), 1);
  EXPECT_EQ(desk.resolved_early() + desk.resolved_on_time(), 1);
  EXPECT_EQ(desk.pending(), 0);
  EXPECT_EQ(registry.group(), kRegistry);
  EXPECT_EQ(registry.received(), 2);
  EXPECT_EQ(registry.resolved(), 0);
  EXPECT_EQ(registry.pending(), 2);
  // 3wd from Tuesday: due Friday, after the period's last day.
  EXPECT_EQ(registry.pending_within(), 2);
  EXPECT_EQ(reply.total().received(), 4);
  for (const v1::ReportRow& row : reply.rows()) {
    EXPECT_EQ(row.received(), row.carried_over() + row.new_online() +
                                  row.new_in_person_or_postal())
        << row.group();
    EXPECT_EQ(row.received(), row.resolved() + row.pending() + row.paused())
        << row.group();
  }
}

}  // namespace
}  // namespace motcua::server
