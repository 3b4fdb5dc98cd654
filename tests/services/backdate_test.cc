// Time told truthfully, through gRPC against the real server (127.0.0.1:0, a
// temporary data directory, the shipped rules, a tokens file, a fake clock):
// the backdating bound of receipts with its role and reason, the mark of a
// late entry in the event and the report, GetDossierAsOf between a receipt
// and its record, lateness past a due time outside working hours, and due
// times that rest on provisional days.
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
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
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const absl::TimeZone kVietnam = absl::FixedTimeZone(7 * 3600);

absl::Time Local(int year, int month, int day, int hour, int minute) {
  return absl::FromCivil(absl::CivilMinute(year, month, day, hour, minute),
                         kVietnam);
}
google::protobuf::Timestamp Proto(absl::Time time) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
}
absl::Time FromProto(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(timestamp));
}
absl::Duration FromProto(const google::protobuf::Duration& duration) {
  return absl::Microseconds(TimeUtil::DurationToMicroseconds(duration));
}

constexpr char kAgency[] = "ubnd-phuong-ben-nghe";
// 3wd, no steps, calendar vn-public-sector (07:30-11:30, 13:30-17:00).
constexpr char kHousehold[] = "local.ho-kinh-doanh";

using test_support::Caller;
const Caller kIntake{"intake.ben-nghe", "intake", {"*"}, "token-intake"};
const Caller kOfficer{"officer.ben-nghe", "officer", {"*"}, "token-officer"};
const Caller kAuditor{"auditor.thanh-tra", "auditor", {"*"}, "token-auditor"};
const Caller kSupervisor{
    "supervisor.ben-nghe", "supervisor", {"*"}, "token-supervisor"};

class BackdateTest : public test_support::ServerFixture {
 protected:
  // Wednesday 2025-07-09 10:00: a working morning.
  BackdateTest()
      : ServerFixture(Local(2025, 7, 9, 10, 0),
                      {kIntake, kOfficer, kAuditor, kSupervisor}) {}

  static v1::SubmitRequest Receipt(const std::string& code,
                                   absl::Time received_at,
                                   const std::string& reason = "") {
    v1::SubmitRequest request;
    request.set_dossier_code(code);
    request.set_procedure_code(kHousehold);
    request.set_agency(kAgency);
    request.set_channel(v1::CHANNEL_IN_PERSON);
    *request.mutable_received_at() = Proto(received_at);
    request.set_late_entry_reason(reason);
    return request;
  }

  grpc::Status Submit(const Caller& caller, const v1::SubmitRequest& request,
                      v1::CommandReply* reply) {
    return dossiers_->Submit(As(caller).get(), request, reply);
  }

  grpc::Status Get(const std::string& code, v1::Dossier* dossier) {
    v1::GetRequest request;
    request.set_dossier_code(code);
    return dossiers_->Get(As(kSupervisor).get(), request, dossier);
  }

  v1::ReportRow ReportOf(const std::string& from, const std::string& to) {
    v1::ReportRequest request;
    request.set_from_day(from);
    request.set_to_day(to);
    request.set_group_by(v1::ReportRequest::GROUP_BY_AGENCY);
    request.set_count_at(v1::ReportRequest::COUNT_AT_RESOLUTION);
    v1::ReportReply report;
    const grpc::Status status =
        supervision_->Report(As(kSupervisor).get(), request, &report);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return report.total();
  }
};

TEST_F(BackdateTest, AReceiptOlderThanOneWorkingDayNeedsAReason) {
  StartServer();
  v1::CommandReply reply;
  // Tuesday 10:00 is one working day before Wednesday 10:00: in time.
  ASSERT_TRUE(
      Submit(kIntake, Receipt("BD-1", Local(2025, 7, 8, 10, 0)), &reply).ok());
  EXPECT_FALSE(reply.dossier().has_entered_late());
  // Monday 10:00 is older: refused, naming received_at, and nothing is
  // written.
  const grpc::Status refused =
      Submit(kIntake, Receipt("BD-2", Local(2025, 7, 7, 10, 0)), &reply);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(refused.error_message(), HasSubstr("received_at"));
  EXPECT_THAT(refused.error_message(), HasSubstr("late_entry_reason"));
  v1::Dossier dossier;
  EXPECT_EQ(Get("BD-2", &dossier).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(BackdateTest, TheDesksRoleMayNotEnterALateReceipt) {
  StartServer();
  v1::CommandReply reply;
  const grpc::Status refused = Submit(
      kIntake, Receipt("BD-3", Local(2025, 7, 7, 10, 0), "paper register"),
      &reply);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(refused.error_message(), HasSubstr("officer role"));
  // A supervisor may neither submit nor enter late.
  EXPECT_EQ(
      Submit(kSupervisor, Receipt("BD-3", Local(2025, 7, 7, 10, 0), "register"),
             &reply)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  // An officer enters only late receipts.
  EXPECT_EQ(Submit(kOfficer,
                   Receipt("BD-3", Local(2025, 7, 9, 9, 0), "register"), &reply)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(BackdateTest, AnOfficerEntersALateReceiptMarkedInEventDossierReport) {
  StartServer();
  v1::CommandReply reply;
  // Taken for the first week of July before the late receipt.
  EXPECT_EQ(ReportOf("2025-07-01", "2025-07-07").received(), 0);
  const grpc::Status entered = Submit(
      kOfficer,
      Receipt("BD-4", Local(2025, 7, 7, 10, 0), "found in the paper register"),
      &reply);
  ASSERT_TRUE(entered.ok()) << entered.error_message();
  const v1::Dossier& dossier = reply.dossier();
  ASSERT_TRUE(dossier.has_entered_late());
  EXPECT_EQ(dossier.entered_late().reason(), "found in the paper register");
  EXPECT_EQ(dossier.entered_late().by(), kOfficer.name);
  EXPECT_EQ(FromProto(dossier.entered_late().recorded_at()), clock_.Now());
  EXPECT_EQ(FromProto(dossier.recorded_at()), clock_.Now());
  EXPECT_EQ(FromProto(dossier.received_at()), Local(2025, 7, 7, 10, 0));
  ASSERT_EQ(reply.events_size(), 1);
  EXPECT_THAT(reply.events(0).description(),
              HasSubstr("entered late by officer.ben-nghe"));

  // The event log keeps the mark, and Get shows it.
  v1::Dossier read;
  ASSERT_TRUE(Get("BD-4", &read).ok());
  ASSERT_TRUE(read.has_entered_late());
  EXPECT_EQ(read.entered_late().reason(), "found in the paper register");

  // The report of the closed week now counts it, and says it was entered
  // late; the row still balances.
  const v1::ReportRow week = ReportOf("2025-07-01", "2025-07-07");
  EXPECT_EQ(week.received(), 1);
  EXPECT_EQ(week.entered_late(), 1);
  EXPECT_EQ(week.received(), week.resolved() + week.pending() + week.paused());
  // The week it was entered in received nothing new.
  const v1::ReportRow now = ReportOf("2025-07-08", "2025-07-14");
  EXPECT_EQ(now.entered_late(), 0);
  EXPECT_EQ(now.carried_over(), 1);
}

TEST_F(BackdateTest, TheBoundIsTheServersConfiguration) {
  config_.max_receipt_backdate =
      TimeLimit{LimitUnit::kWorkingHours, 2, std::nullopt};
  StartServer();
  v1::CommandReply reply;
  // 07:30 is two and a half working hours before 10:00.
  EXPECT_EQ(Submit(kIntake, Receipt("BD-5", Local(2025, 7, 9, 7, 30)), &reply)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(
      Submit(kIntake, Receipt("BD-5", Local(2025, 7, 9, 8, 30)), &reply).ok());
}

TEST_F(BackdateTest, AReceiptInTheFutureIsRefused) {
  StartServer();
  v1::CommandReply reply;
  const grpc::Status refused =
      Submit(kIntake, Receipt("BD-6", clock_.Now() + absl::Minutes(6)), &reply);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(refused.error_message(), HasSubstr("received_at"));
  EXPECT_TRUE(
      Submit(kIntake, Receipt("BD-6", clock_.Now() + absl::Minutes(4)), &reply)
          .ok());
}

TEST_F(BackdateTest, AsOfBetweenTheReceiptAndItsRecordStatesBothTimes) {
  StartServer();
  v1::CommandReply reply;
  ASSERT_TRUE(Submit(kOfficer,
                     Receipt("BD-7", Local(2025, 7, 7, 10, 0), "register"),
                     &reply)
                  .ok());
  v1::AsOfRequest request;
  request.set_dossier_code("BD-7");
  // Monday 15:00: received, not yet recorded.
  *request.mutable_as_of() = Proto(Local(2025, 7, 7, 15, 0));
  v1::Dossier dossier;
  const grpc::Status status =
      audit_->GetDossierAsOf(As(kAuditor).get(), request, &dossier);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(dossier.state(), v1::DOSSIER_STATE_RECEIVED);
  EXPECT_EQ(FromProto(dossier.received_at()), Local(2025, 7, 7, 10, 0));
  EXPECT_EQ(FromProto(dossier.recorded_at()), clock_.Now());
  EXPECT_TRUE(dossier.recorded_after_as_of());
  // Counted as of Monday 15:00: 3wd from Monday 10:00 leaves 2 days and
  // 5h30 of working time.
  EXPECT_EQ(FromProto(dossier.working_time_left()),
            absl::Hours(15) + absl::Minutes(30) + absl::Hours(4));

  // After the record: as before, without the statement.
  *request.mutable_as_of() = Proto(clock_.Now() + absl::Minutes(1));
  ASSERT_TRUE(
      audit_->GetDossierAsOf(As(kAuditor).get(), request, &dossier).ok());
  EXPECT_FALSE(dossier.recorded_after_as_of());
  // Before the receipt: it did not exist.
  *request.mutable_as_of() = Proto(Local(2025, 7, 7, 9, 0));
  EXPECT_EQ(audit_->GetDossierAsOf(As(kAuditor).get(), request, &dossier)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(BackdateTest, PastTheDueTimeAfterClosingTheDossierIsLate) {
  StartServer();
  v1::CommandReply reply;
  // Received Wednesday 16:00, due Monday 16:00: at Monday 17:45 it is 1h of
  // working time late (16:00-17:00) and 1h45 of calendar time.
  clock_.Set(Local(2025, 7, 9, 16, 0));
  ASSERT_TRUE(Submit(kIntake, Receipt("LT-2", clock_.Now()), &reply).ok());
  clock_.Set(Local(2025, 7, 14, 17, 45));
  v1::Dossier dossier;
  ASSERT_TRUE(Get("LT-2", &dossier).ok());
  EXPECT_EQ(FromProto(dossier.working_time_left()), -absl::Hours(1));
  EXPECT_TRUE(dossier.past_due());
  EXPECT_EQ(FromProto(dossier.calendar_time_left()), -absl::Minutes(105));

  // A same-day dossier received Tuesday 10:00 is due at 17:00: at 17:45,
  // 0m of working time late and late all the same.
  clock_.Set(Local(2025, 7, 15, 10, 0));
  v1::SubmitRequest same_day = Receipt("LT-3", clock_.Now());
  same_day.set_procedure_code("2.000635");
  ASSERT_TRUE(Submit(kIntake, same_day, &reply).ok());
  ASSERT_EQ(FromProto(reply.dossier().due_at()), Local(2025, 7, 15, 17, 0));
  clock_.Set(Local(2025, 7, 15, 17, 45));
  ASSERT_TRUE(Get("LT-3", &dossier).ok());
  EXPECT_EQ(FromProto(dossier.working_time_left()), absl::ZeroDuration());
  EXPECT_TRUE(dossier.past_due());
  EXPECT_EQ(FromProto(dossier.calendar_time_left()), -absl::Minutes(45));

  // ListOverdue lists it with its calendar lateness.
  v1::OverdueRequest overdue;
  v1::OverdueReply list;
  ASSERT_TRUE(
      supervision_->ListOverdue(As(kSupervisor).get(), overdue, &list).ok());
  bool listed = false;
  for (const v1::OverdueEntry& entry : list.entries()) {
    if (entry.dossier().code() != "LT-3") continue;
    listed = true;
    EXPECT_EQ(FromProto(entry.lateness()), absl::ZeroDuration());
    EXPECT_EQ(FromProto(entry.calendar_lateness()), absl::Minutes(45));
  }
  EXPECT_TRUE(listed);
}

TEST_F(BackdateTest, ADueTimeOnAProvisionalDayIsFlagged) {
  // Monday 2026-08-31: 3wd crosses Tuesday 01/09, a holiday not yet
  // confirmed in the shipped calendar.
  clock_.Set(Local(2026, 8, 31, 9, 0));
  StartServer();
  v1::CommandReply reply;
  ASSERT_TRUE(Submit(kIntake, Receipt("PV-1", clock_.Now()), &reply).ok());
  EXPECT_TRUE(reply.dossier().due_time_provisional());
  EXPECT_THAT(reply.dossier().provisional_days(), ElementsAre("2026-09-01"));
  // A dossier of October counts on no provisional day.
  clock_.Set(Local(2026, 10, 5, 9, 0));
  ASSERT_TRUE(Submit(kIntake, Receipt("PV-2", clock_.Now()), &reply).ok());
  EXPECT_FALSE(reply.dossier().due_time_provisional());
  EXPECT_TRUE(reply.dossier().provisional_days().empty());
}

}  // namespace
}  // namespace motcua::server
