// Integration tests of motcuad: the real server (services/server) on
// 127.0.0.1:0 with a temporary data directory, the shipped rules, a tokens
// file and an injected clock, driven through the generated gRPC stubs.
#include "services/server/server.h"

#include <arpa/inet.h>
#include <google/protobuf/util/time_util.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "motcua/v1/service.grpc.pb.h"
#include "services/access/access.h"
#include "tests/testing/http_get.h"
#include "tests/testing/shipped_rules.h"
#include "tests/testing/test_server.h"

namespace motcua::server {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const absl::TimeZone kVietnam = absl::FixedTimeZone(7 * 3600);

// Monday 2025-09-08 09:00 in Vietnam: a working morning.
absl::Time MondayMorning() {
  return absl::FromCivil(absl::CivilMinute(2025, 9, 8, 9, 0), kVietnam);
}

google::protobuf::Timestamp Proto(absl::Time time) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
}
absl::Time FromProto(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(timestamp));
}

constexpr char kLandProcedure[] = "local.dang-ky-bien-dong-dat-dai";
constexpr char kBusinessProcedure[] = "local.doanh-nghiep";

using test_support::Caller;
using test_support::kAdmin;
using test_support::kAgencyA;
using test_support::kAgencyB;
using test_support::kIntakeA;
using test_support::kIntakeB;
using test_support::kOfficerA;
using test_support::kSupervisorA;
const Caller kAuditor{"auditor.thanh-tra", "auditor", {"*"}, "token-auditor"};

using test_support::HttpGet;

class ServerTest : public test_support::ServerFixture {
 protected:
  ServerTest()
      : ServerFixture(MondayMorning(), {kAdmin, kIntakeA, kIntakeB, kOfficerA,
                                        kSupervisorA, kAuditor}) {}

  void SetUp() override {
    config_.metrics_listen = "127.0.0.1:0";
    // Late dossiers here are received weeks before the clock; the
    // backdating bound has its own tests (backdate_test.cc): a bound past
    // the calendar's range takes every receipt as in time.
    config_.max_receipt_backdate =
        TimeLimit{LimitUnit::kCalendarDays, 100000, std::nullopt};
    StartServer();
  }

  static v1::SubmitRequest Submission(
      const std::string& code, const std::string& agency,
      absl::Time received_at, const std::string& procedure = kLandProcedure) {
    v1::SubmitRequest request;
    request.set_dossier_code(code);
    request.set_procedure_code(procedure);
    request.set_agency(agency);
    request.set_channel(v1::CHANNEL_ONLINE);
    *request.mutable_received_at() = Proto(received_at);
    request.set_summary("integration test");
    return request;
  }

  grpc::Status Submit(const Caller& caller, const v1::SubmitRequest& request,
                      v1::CommandReply* reply) {
    return dossiers_->Submit(As(caller).get(), request, reply);
  }

  // A WatchEvents subscriber that takes nothing, on a channel whose
  // transport buffers little, on a server with a 200 ms slow-subscriber
  // timeout: returned once the server has ended its stream (stream null,
  // with a test failure, if it did not).
  struct StuckSubscriber {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<v1::Supervision::Stub> stub;
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::ClientReader<v1::Event>> stream;
    int submitted = 0;  // dossiers submitted meanwhile, one event each
  };
  StuckSubscriber OpenStuckSubscriber() {
    StuckSubscriber stuck;
    StopServer();
    config_.slow_subscriber_timeout = absl::Milliseconds(200);
    StartServer();

    // No window growth, 16 KiB ahead.
    grpc::ChannelArguments arguments;
    arguments.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
    arguments.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 16 * 1024);
    stuck.channel = grpc::CreateCustomChannel(
        absl::StrCat("127.0.0.1:", server_->port()),
        grpc::InsecureChannelCredentials(), arguments);
    stuck.stub = v1::Supervision::NewStub(stuck.channel);
    stuck.context = As(kAdmin);
    stuck.context->set_deadline(
        absl::ToChronoTime(absl::Now() + absl::Seconds(120)));
    std::unique_ptr<grpc::ClientReader<v1::Event>> stream =
        stuck.stub->WatchEvents(stuck.context.get(), v1::WatchRequest());
    // Events appended at full speed meanwhile (each about 1.5 KiB with its
    // summary), more than the transport buffers between the two, until the
    // server ends the stream (once an event has waited 200 ms for it).
    const std::string summary(1000, 'x');
    auto ended_slow = [&] {
      return absl::StrContains(server_->RenderMetrics(),
                               "motcua_slow_subscribers_ended_total 1");
    };
    int& submitted = stuck.submitted;
    const absl::Time give_up = absl::Now() + absl::Seconds(60);
    while (!ended_slow() && absl::Now() < give_up) {
      for (int i = 0; i < 10; ++i, ++submitted) {
        v1::SubmitRequest request = Submission(absl::StrCat("SLOW-", submitted),
                                               kAgencyA, MondayMorning());
        request.set_summary(summary);
        v1::CommandReply reply;
        if (!Submit(kAdmin, request, &reply).ok()) {
          ADD_FAILURE() << "submission " << submitted << " refused";
          return stuck;
        }
      }
    }
    if (!ended_slow()) {
      ADD_FAILURE() << "the server did not end the stuck stream";
      return stuck;
    }
    stuck.stream = std::move(stream);
    return stuck;
  }

  // PREFIX-1, -2 and -3 received weeks apart (agencies A, B, A): by the
  // clock all are late, the first most; PREFIX-NEW (agency A) is not.
  void SubmitThreeLateAndOneNew(const std::string& prefix,
                                const std::string& procedure) {
    const absl::Time base = MondayMorning() - absl::Hours(24 * 60);
    MustSubmit(prefix + "-1", kAgencyA, base, procedure);
    MustSubmit(prefix + "-2", kAgencyB, base + absl::Hours(24 * 7), procedure);
    MustSubmit(prefix + "-3", kAgencyA, base + absl::Hours(24 * 14), procedure);
    MustSubmit(prefix + "-NEW", kAgencyA, MondayMorning(), procedure);
  }

  v1::CommandReply MustSubmit(const std::string& code,
                              const std::string& agency, absl::Time received_at,
                              const std::string& procedure = kLandProcedure) {
    v1::CommandReply reply;
    grpc::Status status = Submit(
        kAdmin, Submission(code, agency, received_at, procedure), &reply);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return reply;
  }

  grpc::Status Act(const Caller& caller, const v1::ActRequest& request,
                   v1::CommandReply* reply = nullptr) {
    v1::CommandReply ignored;
    return dossiers_->Act(As(caller).get(), request,
                          reply != nullptr ? reply : &ignored);
  }
  static v1::ActRequest HandOver(const std::string& code) {
    v1::ActRequest request;
    request.set_dossier_code(code);
    request.mutable_hand_over();
    return request;
  }
};

// ---------------------------------------------------------------------------
// Dossiers

TEST_F(ServerTest, SubmitComputesTheDueTimeAndGetReadsItBack) {
  v1::CommandReply reply;
  v1::SubmitRequest request =
      Submission("HS-001", kAgencyA, MondayMorning(), kBusinessProcedure);
  request.mutable_options()->set_request_id("submit-HS-001");
  ASSERT_TRUE(Submit(kIntakeA, request, &reply).ok());
  EXPECT_EQ(reply.dossier().code(), "HS-001");
  EXPECT_EQ(reply.dossier().state(), v1::DOSSIER_STATE_RECEIVED);
  EXPECT_EQ(reply.dossier().portal_status(), 2);
  EXPECT_TRUE(reply.dossier().has_due_at());
  EXPECT_GT(FromProto(reply.dossier().due_at()), MondayMorning());
  ASSERT_EQ(reply.events_size(), 1);
  EXPECT_EQ(reply.events(0).type(), "received");
  EXPECT_EQ(reply.events(0).actor(), "intake.ben-nghe");
  EXPECT_FALSE(reply.repeated());

  v1::Dossier got;
  v1::GetRequest get;
  get.set_dossier_code("HS-001");
  ASSERT_TRUE(dossiers_->Get(As(kIntakeA).get(), get, &got).ok());
  EXPECT_EQ(got.due_at().seconds(), reply.dossier().due_at().seconds());
  EXPECT_EQ(got.agency(), kAgencyA);
  EXPECT_TRUE(got.has_working_time_left());

  // A retry with the same request id: the first answer, nothing appended.
  v1::CommandReply again;
  ASSERT_TRUE(Submit(kIntakeA, request, &again).ok());
  EXPECT_TRUE(again.repeated());
  EXPECT_EQ(again.events_size(), 0);
  EXPECT_EQ(again.dossier().version(), 1);
}

TEST_F(ServerTest, ResubmittingACodeComparesTheContent) {
  MustSubmit("HS-002", kAgencyA, MondayMorning());
  v1::CommandReply reply;
  ASSERT_TRUE(
      Submit(kAdmin, Submission("HS-002", kAgencyA, MondayMorning()), &reply)
          .ok());
  EXPECT_TRUE(reply.repeated());
  v1::SubmitRequest changed = Submission("HS-002", kAgencyA, MondayMorning());
  changed.set_summary("another content under the same code");
  grpc::Status different = Submit(kAdmin, changed, &reply);
  EXPECT_EQ(different.error_code(), grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(ServerTest, MalformedSubmissionsNameTheField) {
  struct Case {
    const char* field;
    std::function<void(v1::SubmitRequest&)> spoil;
  };
  const Case cases[] = {
      {"dossier_code", [](v1::SubmitRequest& r) { r.clear_dossier_code(); }},
      {"dossier_code",
       [](v1::SubmitRequest& r) { r.set_dossier_code(std::string(200, 'x')); }},
      {"channel",
       [](v1::SubmitRequest& r) { r.set_channel(v1::CHANNEL_UNSPECIFIED); }},
      {"received_at", [](v1::SubmitRequest& r) { r.clear_received_at(); }},
      {"summary",
       [](v1::SubmitRequest& r) { r.set_summary(std::string(1001, 's')); }},
      {"agency", [](v1::SubmitRequest& r) { r.clear_agency(); }},
      {"procedure_code",
       [](v1::SubmitRequest& r) { r.set_procedure_code("9.999999"); }},
      {"options.request_id",
       [](v1::SubmitRequest& r) {
         r.mutable_options()->set_request_id(std::string(129, 'r'));
       }},
  };
  for (const Case& test : cases) {
    SCOPED_TRACE(test.field);
    v1::SubmitRequest request = Submission("HS-BAD", kAgencyA, MondayMorning());
    test.spoil(request);
    v1::CommandReply reply;
    grpc::Status status = Submit(kAdmin, request, &reply);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr(test.field));
  }
  // Nothing was recorded.
  v1::GetRequest get;
  get.set_dossier_code("HS-BAD");
  v1::Dossier dossier;
  EXPECT_EQ(dossiers_->Get(As(kAdmin).get(), get, &dossier).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ServerTest, ActionsFollowTheLifecycle) {
  MustSubmit("HS-010", kAgencyA, MondayMorning());
  v1::CommandReply reply;
  ASSERT_TRUE(Act(kOfficerA, HandOver("HS-010"), &reply).ok());
  EXPECT_EQ(reply.dossier().state(), v1::DOSSIER_STATE_PROCESSING);
  EXPECT_EQ(reply.dossier().control_sheet_size(), 2);
  EXPECT_EQ(reply.dossier().control_sheet(1).handed_over_by(),
            "officer.ben-nghe");

  // Resume is not allowed while processing: the state and action are named.
  v1::ActRequest resume;
  resume.set_dossier_code("HS-010");
  resume.mutable_resume();
  grpc::Status refused = Act(kOfficerA, resume);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(), HasSubstr("resume"));
  EXPECT_THAT(refused.error_message(), HasSubstr("PROCESSING"));

  // A stale expected version.
  v1::ActRequest supplement;
  supplement.set_dossier_code("HS-010");
  supplement.mutable_options()->set_expected_version(1);
  supplement.mutable_request_supplement()->add_missing("land-use certificate");
  EXPECT_EQ(Act(kOfficerA, supplement).error_code(), grpc::StatusCode::ABORTED);
  supplement.mutable_options()->set_expected_version(2);
  ASSERT_TRUE(Act(kOfficerA, supplement, &reply).ok());
  EXPECT_EQ(reply.dossier().state(), v1::DOSSIER_STATE_SUPPLEMENT_REQUESTED);
  EXPECT_TRUE(reply.dossier().has_paused_since());

  v1::ActRequest received;
  received.set_dossier_code("HS-010");
  received.mutable_receive_supplement();
  clock_.Advance(absl::Hours(2));
  ASSERT_TRUE(Act(kIntakeA, received, &reply).ok());
  EXPECT_EQ(reply.dossier().state(), v1::DOSSIER_STATE_PROCESSING);

  v1::ActRequest resolve;
  resolve.set_dossier_code("HS-010");
  resolve.mutable_resolve()->set_result("certificate issued");
  ASSERT_TRUE(Act(kOfficerA, resolve, &reply).ok());
  EXPECT_EQ(reply.dossier().state(), v1::DOSSIER_STATE_RESOLVED);
  EXPECT_EQ(reply.dossier().classification(), v1::CLASSIFICATION_EARLY);
  EXPECT_FALSE(reply.dossier().has_working_time_left());
}

TEST_F(ServerTest, MalformedAndUnknownActionsAreRefused) {
  MustSubmit("HS-011", kAgencyA, MondayMorning());
  v1::ActRequest none;
  none.set_dossier_code("HS-011");
  grpc::Status status = Act(kOfficerA, none);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("action"));

  v1::ActRequest empty_missing;
  empty_missing.set_dossier_code("HS-011");
  empty_missing.mutable_request_supplement();
  status = Act(kOfficerA, empty_missing);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("request_supplement.missing"));

  EXPECT_EQ(Act(kOfficerA, HandOver("NO-SUCH")).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ServerTest, ListFiltersAndPages) {
  for (int i = 0; i < 5; ++i) {
    MustSubmit(absl::StrCat("L-", i), i % 2 == 0 ? kAgencyA : kAgencyB,
               MondayMorning());
  }
  v1::ListRequest request;
  request.set_agency(kAgencyA);
  request.set_page_size(2);
  v1::ListReply page;
  ASSERT_TRUE(dossiers_->List(As(kSupervisorA).get(), request, &page).ok());
  ASSERT_EQ(page.dossiers_size(), 2);
  EXPECT_EQ(page.dossiers(0).code(), "L-0");
  EXPECT_EQ(page.dossiers(1).code(), "L-2");
  ASSERT_FALSE(page.next_page_token().empty());
  request.set_page_token(page.next_page_token());
  ASSERT_TRUE(dossiers_->List(As(kSupervisorA).get(), request, &page).ok());
  ASSERT_EQ(page.dossiers_size(), 1);
  EXPECT_EQ(page.dossiers(0).code(), "L-4");
  EXPECT_TRUE(page.next_page_token().empty());

  // A scoped caller without an agency filter sees its own agency.
  v1::ListRequest mine;
  ASSERT_TRUE(dossiers_->List(As(kSupervisorA).get(), mine, &page).ok());
  EXPECT_EQ(page.dossiers_size(), 3);

  v1::ListRequest bad;
  bad.set_page_token("not-a-token");
  grpc::Status status = dossiers_->List(As(kAdmin).get(), bad, &page);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("page_token"));
  bad.clear_page_token();
  bad.set_page_size(5000);
  status = dossiers_->List(As(kAdmin).get(), bad, &page);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("page_size"));
  bad.set_page_size(0);
  bad.set_state(static_cast<v1::DossierState>(42));
  status = dossiers_->List(As(kAdmin).get(), bad, &page);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("state"));
}

// ---------------------------------------------------------------------------
// Supervision

TEST_F(ServerTest, ListOverdueIsSortedByLatenessAndFiltered) {
  SubmitThreeLateAndOneNew("OD", kBusinessProcedure);

  v1::OverdueRequest request;
  v1::OverdueReply reply;
  ASSERT_TRUE(
      supervision_->ListOverdue(As(kAdmin).get(), request, &reply).ok());
  ASSERT_EQ(reply.entries_size(), 3);
  EXPECT_EQ(reply.entries(0).dossier().code(), "OD-1");
  EXPECT_EQ(reply.entries(1).dossier().code(), "OD-2");
  EXPECT_EQ(reply.entries(2).dossier().code(), "OD-3");
  EXPECT_GT(reply.entries(0).lateness().seconds(),
            reply.entries(1).lateness().seconds());
  EXPECT_GT(reply.entries(2).lateness().seconds(), 0);

  request.set_agency(kAgencyA);
  request.set_page_size(1);
  ASSERT_TRUE(
      supervision_->ListOverdue(As(kSupervisorA).get(), request, &reply).ok());
  ASSERT_EQ(reply.entries_size(), 1);
  EXPECT_EQ(reply.entries(0).dossier().code(), "OD-1");
  request.set_page_token(reply.next_page_token());
  v1::OverdueReply second;
  ASSERT_TRUE(
      supervision_->ListOverdue(As(kSupervisorA).get(), request, &second).ok());
  ASSERT_EQ(second.entries_size(), 1);
  EXPECT_EQ(second.entries(0).dossier().code(), "OD-3");

  // At least as late as OD-2: OD-1 and OD-2 only.
  v1::OverdueRequest late;
  *late.mutable_min_lateness() = reply.entries(0).lateness();
  late.mutable_min_lateness()->set_seconds(([&] {
    v1::OverdueReply all;
    v1::OverdueRequest any;
    EXPECT_TRUE(supervision_->ListOverdue(As(kAdmin).get(), any, &all).ok());
    return all.entries(1).lateness().seconds();
  })());
  ASSERT_TRUE(supervision_->ListOverdue(As(kAdmin).get(), late, &reply).ok());
  ASSERT_EQ(reply.entries_size(), 2);
  EXPECT_EQ(reply.entries(1).dossier().code(), "OD-2");

  // A supervisor of agency A may not look at agency B.
  v1::OverdueRequest other;
  other.set_agency(kAgencyB);
  EXPECT_EQ(supervision_->ListOverdue(As(kSupervisorA).get(), other, &reply)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(ServerTest, CountOverdueCountsWhatListOverdueLists) {
  SubmitThreeLateAndOneNew("CO", kLandProcedure);

  v1::CountOverdueReply reply;
  ASSERT_TRUE(
      supervision_
          ->CountOverdue(As(kAdmin).get(), v1::CountOverdueRequest(), &reply)
          .ok());
  ASSERT_EQ(reply.agencies_size(), 2);
  EXPECT_EQ(reply.agencies(0).agency(),
            std::min(std::string(kAgencyA), std::string(kAgencyB)));
  EXPECT_EQ(reply.dossiers(), 3);
  // Each one's first step is long past its own due time too.
  EXPECT_EQ(reply.steps(), 3);
  int64_t in_a = 0;
  for (const v1::AgencyOverdue& row : reply.agencies()) {
    if (row.agency() == kAgencyA) in_a = row.dossiers();
  }
  EXPECT_EQ(in_a, 2);

  // A supervisor of agency A gets its own agency without asking, and may
  // not ask for agency B.
  v1::CountOverdueReply mine;
  ASSERT_TRUE(supervision_
                  ->CountOverdue(As(kSupervisorA).get(),
                                 v1::CountOverdueRequest(), &mine)
                  .ok());
  ASSERT_EQ(mine.agencies_size(), 1);
  EXPECT_EQ(mine.agencies(0).agency(), kAgencyA);
  EXPECT_EQ(mine.dossiers(), 2);
  v1::CountOverdueRequest other;
  other.set_agency(kAgencyB);
  EXPECT_EQ(supervision_->CountOverdue(As(kSupervisorA).get(), other, &mine)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::CountOverdueRequest bad;
  bad.set_agency(std::string(200, 'x'));
  const grpc::Status status =
      supervision_->CountOverdue(As(kAdmin).get(), bad, &mine);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("agency"));

  // Resolving one takes it out of the count.
  ASSERT_TRUE(Act(kOfficerA, HandOver("CO-1")).ok());
  v1::ActRequest resolve;
  resolve.set_dossier_code("CO-1");
  resolve.mutable_resolve()->set_result("approved");
  ASSERT_TRUE(Act(kOfficerA, resolve).ok());
  ASSERT_TRUE(
      supervision_
          ->CountOverdue(As(kAdmin).get(), v1::CountOverdueRequest(), &reply)
          .ok());
  EXPECT_EQ(reply.dossiers(), 2);
  EXPECT_EQ(reply.steps(), 2);
}

TEST_F(ServerTest, ListDueSoonLooksAheadInWorkingTime) {
  MustSubmit("DS-1", kAgencyA, MondayMorning(), kBusinessProcedure);
  v1::DueSoonRequest request;
  request.mutable_within()->set_seconds(8 * 3600);
  v1::DueSoonReply reply;
  ASSERT_TRUE(
      supervision_->ListDueSoon(As(kAdmin).get(), request, &reply).ok());
  EXPECT_EQ(reply.entries_size(), 0);  // due in days, not within a day

  v1::Dossier dossier;
  v1::GetRequest get;
  get.set_dossier_code("DS-1");
  ASSERT_TRUE(dossiers_->Get(As(kAdmin).get(), get, &dossier).ok());
  clock_.Set(FromProto(dossier.due_at()) - absl::Hours(1));
  ASSERT_TRUE(
      supervision_->ListDueSoon(As(kAdmin).get(), request, &reply).ok());
  ASSERT_EQ(reply.entries_size(), 1);
  EXPECT_LT(reply.entries(0).lateness().seconds(), 0);

  v1::DueSoonRequest missing;
  grpc::Status status =
      supervision_->ListDueSoon(As(kAdmin).get(), missing, &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("within"));
}

// A window written as a limit is as long as each dossier's own calendar
// makes it: on Monday at 07:00, "1wd" is 8h of working time in
// vn-public-sector-0700 (open from 07:00) and 7h30m in vn-public-sector.
TEST_F(ServerTest, ListDueSoonCountsWorkingDaysInEachDossiersCalendar) {
  const absl::Time opening =
      absl::FromCivil(absl::CivilMinute(2025, 9, 8, 7, 0), kVietnam);
  clock_.Set(opening);
  // Same-day in vn-public-sector-0700: due at 17:00, 8h of working time.
  MustSubmit("SD-1", kAgencyA, opening, "2.000635");
  auto list = [&](const v1::DueSoonRequest& request) {
    v1::DueSoonReply reply;
    const grpc::Status status =
        supervision_->ListDueSoon(As(kAdmin).get(), request, &reply);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> codes;
    for (const v1::OverdueEntry& entry : reply.entries()) {
      codes.push_back(entry.dossier().code());
    }
    return codes;
  };
  v1::DueSoonRequest one_day;
  one_day.set_within_limit("1wd");
  EXPECT_THAT(list(one_day), ElementsAre("SD-1"));
  v1::DueSoonRequest seven_and_a_half_hours;
  seven_and_a_half_hours.mutable_within()->set_seconds(7 * 3600 + 1800);
  EXPECT_THAT(list(seven_and_a_half_hours), IsEmpty());

  // In vn-public-sector, a dossier with 7h45m of working time left is not
  // due within one working day (7h30m) but is within two, or within 8h.
  MustSubmit("DS-2", kAgencyA, opening, kBusinessProcedure);
  v1::Dossier dossier;
  v1::GetRequest get;
  get.set_dossier_code("DS-2");
  ASSERT_TRUE(dossiers_->Get(As(kAdmin).get(), get, &dossier).ok());
  ASSERT_EQ(dossier.calendar(), "vn-public-sector");
  const absl::Time due = FromProto(dossier.due_at());
  const std::unique_ptr<const RuleSet> rules = test_support::LoadShippedRules();
  ASSERT_NE(rules, nullptr);
  absl::StatusOr<absl::Time> before =
      rules->FindCalendar("vn-public-sector")
          ->AddWorkingTime(due, -(absl::Hours(7) + absl::Minutes(45)));
  ASSERT_TRUE(before.ok()) << before.status();
  clock_.Set(*before);
  v1::DueSoonReply left;
  v1::DueSoonRequest eight_hours;
  eight_hours.mutable_within()->set_seconds(8 * 3600);
  eight_hours.set_kind(v1::DEADLINE_KIND_DOSSIER);
  ASSERT_TRUE(
      supervision_->ListDueSoon(As(kAdmin).get(), eight_hours, &left).ok());
  ASSERT_EQ(left.entries_size(), 1);
  EXPECT_EQ(left.entries(0).dossier().code(), "DS-2");
  EXPECT_EQ(left.entries(0).lateness().seconds(), -(7 * 3600 + 45 * 60));
  one_day.set_kind(v1::DEADLINE_KIND_DOSSIER);
  EXPECT_THAT(list(one_day), IsEmpty());
  v1::DueSoonRequest two_days;
  two_days.set_within_limit("2wd");
  two_days.set_kind(v1::DEADLINE_KIND_DOSSIER);
  EXPECT_THAT(list(two_days), ElementsAre("DS-2"));
}

// Reads `count` events from a WatchEvents stream.
std::vector<v1::Event> ReadEvents(grpc::ClientReader<v1::Event>& stream,
                                  int count) {
  std::vector<v1::Event> events;
  v1::Event event;
  while (static_cast<int>(events.size()) < count && stream.Read(&event)) {
    events.push_back(event);
  }
  return events;
}

TEST_F(ServerTest, WatchDeliversHistoryThenLiveWithoutGapOrDuplicate) {
  MustSubmit("W-1", kAgencyA, MondayMorning());
  ASSERT_TRUE(Act(kOfficerA, HandOver("W-1")).ok());

  auto context = As(kAdmin);
  v1::WatchRequest request;
  std::unique_ptr<grpc::ClientReader<v1::Event>> stream =
      supervision_->WatchEvents(context.get(), request);
  std::vector<v1::Event> history = ReadEvents(*stream, 2);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].type(), "received");
  EXPECT_EQ(history[1].type(), "handed_over");

  // Live: the stream waits, then delivers what is committed next.
  MustSubmit("W-2", kAgencyB, MondayMorning());
  std::vector<v1::Event> live = ReadEvents(*stream, 1);
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].dossier_code(), "W-2");
  EXPECT_GT(live[0].sequence(), history[1].sequence());
  EXPECT_EQ(live[0].agency(), kAgencyB);
  context->TryCancel();

  // Resuming from the last position seen gives exactly what followed.
  ASSERT_TRUE(Act(kOfficerA, HandOver("W-1")).ok());
  auto resumed_context = As(kAdmin);
  v1::WatchRequest resume;
  resume.set_after_sequence(live[0].sequence());
  auto resumed = supervision_->WatchEvents(resumed_context.get(), resume);
  std::vector<v1::Event> rest = ReadEvents(*resumed, 1);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].dossier_code(), "W-1");
  EXPECT_EQ(rest[0].type(), "handed_over");
  resumed_context->TryCancel();
}

absl::Time Local(int year, int month, int day, int hour, int minute) {
  return absl::FromCivil(absl::CivilMinute(year, month, day, hour, minute),
                         absl::FixedTimeZone(7 * 3600));
}

absl::Time FromProtoTime(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Nanoseconds(timestamp.nanos());
}

TEST_F(ServerTest, DeadlinesAreEscalatedAndWatchersSeeThem) {
  // The scheduler on, over a copy of the shipped rules that an
  // administrator edits below.
  const std::filesystem::path rules = directory_.File("rules");
  std::filesystem::copy(config_.rules_dir, rules,
                        std::filesystem::copy_options::recursive);
  StopServer();
  config_.rules_dir = rules.string();
  config_.deadline_scheduler = true;
  StartServer();
  ASSERT_NE(server_->scheduler(), nullptr);

  // 3 working days: E-1 received Monday 8 September 2025 at 09:00 is due on
  // Thursday 11 at 09:00; E-2 received Wednesday 10 is due on Monday 15.
  MustSubmit("E-1", kAgencyA, MondayMorning(), kBusinessProcedure);
  clock_.Set(Local(2025, 9, 10, 9, 0));
  MustSubmit("E-2", kAgencyA, Local(2025, 9, 10, 9, 0), kBusinessProcedure);

  auto context = As(kAdmin);
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
  v1::WatchRequest request;
  for (const char* type :
       {"deadline_approaching", "overdue", "escalated", "due_time_changed"}) {
    request.add_types(type);
  }
  std::unique_ptr<grpc::ClientReader<v1::Event>> stream =
      supervision_->WatchEvents(context.get(), request);

  // Thursday 11 at 09:00: E-1's 50% (Tuesday 14:45: 6h on Monday, 5h15 on
  // Tuesday), 75% and due thresholds, in that order.
  clock_.Set(Local(2025, 9, 11, 9, 0));
  const scheduler::PassResult pass = server_->scheduler()->FireDue();
  EXPECT_EQ(pass.failures, 0) << pass.first_failure;
  std::vector<v1::Event> reached = ReadEvents(*stream, 3);
  ASSERT_EQ(reached.size(), 3u);
  EXPECT_EQ(reached[0].dossier_code(), "E-1");
  EXPECT_EQ(reached[0].type(), "deadline_approaching");
  EXPECT_EQ(reached[0].actor(), "motcua-scheduler");
  EXPECT_EQ(reached[0].escalation().target(), "dossier");
  EXPECT_EQ(reached[0].escalation().level(), 0);
  EXPECT_THAT(reached[0].escalation().notify_roles(),
              ::testing::ElementsAre("officer"));
  EXPECT_EQ(FromProtoTime(reached[0].escalation().due_at()),
            Local(2025, 9, 9, 14, 45));
  EXPECT_EQ(FromProtoTime(reached[0].escalation().deadline()),
            Local(2025, 9, 11, 9, 0));
  EXPECT_EQ(reached[1].type(), "deadline_approaching");
  EXPECT_EQ(reached[1].escalation().level(), 1);
  EXPECT_EQ(reached[2].type(), "overdue");
  EXPECT_EQ(FromProtoTime(reached[2].escalation().due_at()),
            Local(2025, 9, 11, 9, 0));
  // Nothing of E-2 yet: its 50% is Thursday 14:45.

  // Friday 12 September is declared a holiday: E-2's due time moves to
  // Tuesday 16, recorded with both times; the reload answers at once and
  // the scheduler recomputes behind it.
  const std::filesystem::path calendar =
      rules / "calendars" / "vn-public-sector.yaml";
  std::ifstream in(calendar);
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  in.close();
  text.insert(text.find("holidays:\n") + 10,
              "  - date: 2025-09-12\n    name: announced late\n");
  std::ofstream(calendar) << text;
  v1::ReloadRulesReply reloaded;
  ASSERT_TRUE(
      admin_->ReloadRules(As(kAdmin).get(), v1::ReloadRulesRequest(), &reloaded)
          .ok());
  ASSERT_TRUE(reloaded.changed());
  bool moved = false;
  v1::Event event;
  while (!moved && stream->Read(&event)) {
    if (event.type() != "due_time_changed" || event.dossier_code() != "E-2") {
      continue;
    }
    moved = true;
    EXPECT_EQ(FromProtoTime(event.due_time_change().old_due_at()),
              Local(2025, 9, 15, 9, 0));
    EXPECT_EQ(FromProtoTime(event.due_time_change().new_due_at()),
              Local(2025, 9, 16, 9, 0));
    EXPECT_THAT(event.due_time_change().reason(),
                HasSubstr("calendar vn-public-sector changed from 2025-09-12"));
  }
  EXPECT_TRUE(moved);
  context->TryCancel();
}

TEST_F(ServerTest, ASubscriberStuckForGoodHasItsCallCancelled) {
  StuckSubscriber stuck = OpenStuckSubscriber();
  ASSERT_NE(stuck.stream, nullptr);

  // It still takes nothing: after another timeout its call is cancelled
  // and nothing of it stays on the server.
  const absl::Time cancel_by = absl::Now() + absl::Seconds(60);
  while (!absl::StrContains(server_->RenderMetrics(),
                            "motcua_watch_subscribers 0") &&
         absl::Now() < cancel_by) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_THAT(server_->RenderMetrics(),
              HasSubstr("motcua_watch_subscribers 0"));
  v1::Event event;
  while (stuck.stream->Read(&event)) {
  }
  EXPECT_EQ(stuck.stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(ServerTest, ASubscriberThatDoesNotKeepUpIsEndedWithItsPosition) {
  StuckSubscriber stuck = OpenStuckSubscriber();
  ASSERT_NE(stuck.stream, nullptr);
  const int submitted = stuck.submitted;
  auto& stream = stuck.stream;

  // What reached the subscriber before the end, then where to resume.
  int64_t last_seen = 0;
  v1::Event event;
  while (stream->Read(&event)) {
    EXPECT_GT(event.sequence(), last_seen);
    last_seen = event.sequence();
  }
  const grpc::Status ended = stream->Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // The server names the last event it knows was taken; the one it was
  // writing may have reached the subscriber too, which resumes after the
  // last it holds.
  const std::string named = std::string(ended.error_message());
  EXPECT_TRUE(absl::StrContains(
                  named, absl::StrCat("resume after sequence ", last_seen)) ||
              absl::StrContains(
                  named, absl::StrCat("resume after sequence ", last_seen - 1)))
      << named << " (last seen " << last_seen << ")";
  EXPECT_LT(last_seen, submitted);

  // Resuming from there gives every other event once, in order.
  auto resumed_context = As(kAdmin);
  v1::WatchRequest resume;
  resume.set_after_sequence(last_seen);
  auto resumed = supervision_->WatchEvents(resumed_context.get(), resume);
  std::vector<v1::Event> rest =
      ReadEvents(*resumed, submitted - static_cast<int>(last_seen));
  ASSERT_EQ(rest.size(), static_cast<size_t>(submitted - last_seen));
  for (size_t i = 0; i < rest.size(); ++i) {
    EXPECT_EQ(rest[i].sequence(), last_seen + 1 + static_cast<int64_t>(i));
  }
  resumed_context->TryCancel();
}

TEST_F(ServerTest, WatchFiltersByTypeAndAgencyAndScopesCallers) {
  MustSubmit("WF-1", kAgencyA, MondayMorning());
  MustSubmit("WF-2", kAgencyB, MondayMorning());
  ASSERT_TRUE(Act(kAdmin, HandOver("WF-2")).ok());
  ASSERT_TRUE(Act(kAdmin, HandOver("WF-1")).ok());

  auto context = As(kAdmin);
  v1::WatchRequest request;
  request.add_types("handed_over");
  request.set_agency(kAgencyA);
  auto stream = supervision_->WatchEvents(context.get(), request);
  std::vector<v1::Event> events = ReadEvents(*stream, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].dossier_code(), "WF-1");
  EXPECT_EQ(events[0].type(), "handed_over");
  context->TryCancel();

  // A supervisor of agency A without a filter sees only agency A.
  auto scoped_context = As(kSupervisorA);
  v1::WatchRequest all;
  auto scoped = supervision_->WatchEvents(scoped_context.get(), all);
  events = ReadEvents(*scoped, 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].dossier_code(), "WF-1");
  EXPECT_EQ(events[1].dossier_code(), "WF-1");
  scoped_context->TryCancel();

  // An intake desk follows its own agency's events, not another's.
  auto intake_context = As(kIntakeA);
  v1::WatchRequest other;
  other.set_agency(kAgencyB);
  auto refused = supervision_->WatchEvents(intake_context.get(), other);
  v1::Event event;
  EXPECT_FALSE(refused->Read(&event));
  EXPECT_EQ(refused->Finish().error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // A misspelt type would match nothing, silently: it is refused.
  auto misspelt_context = As(kAdmin);
  v1::WatchRequest misspelt;
  misspelt.add_types("overdue");
  misspelt.add_types("overdew");
  auto unknown = supervision_->WatchEvents(misspelt_context.get(), misspelt);
  EXPECT_FALSE(unknown->Read(&event));
  const grpc::Status status = unknown->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("types[1]: \"overdew\" is not an event type"));
}

TEST_F(ServerTest, ShutdownEndsAWaitingStreamWithTheResumePosition) {
  MustSubmit("S-1", kAgencyA, MondayMorning());
  auto context = As(kAdmin);
  v1::WatchRequest request;
  auto stream = supervision_->WatchEvents(context.get(), request);
  ASSERT_EQ(ReadEvents(*stream, 1).size(), 1u);
  server_->Shutdown();
  v1::Event event;
  EXPECT_FALSE(stream->Read(&event));
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), HasSubstr("resume after sequence 1"));
}

TEST_F(ServerTest, ReportCountsAPeriodPerGroup) {
  // Received Monday 2025-09-08: one resolved the same week, one left open.
  MustSubmit("RP-1", kAgencyA, MondayMorning(), kBusinessProcedure);
  MustSubmit("RP-2", kAgencyA, MondayMorning(), kBusinessProcedure);
  v1::SubmitRequest in_person =
      Submission("RP-3", kAgencyB, MondayMorning(), kBusinessProcedure);
  in_person.set_channel(v1::CHANNEL_IN_PERSON);
  v1::CommandReply reply;
  ASSERT_TRUE(Submit(kAdmin, in_person, &reply).ok());
  clock_.Advance(absl::Hours(2));
  v1::ActRequest resolve;
  resolve.set_dossier_code("RP-1");
  resolve.mutable_resolve()->set_result("registered");
  ASSERT_TRUE(Act(kOfficerA, resolve).ok());

  v1::ReportRequest request;
  request.set_from_day("2025-09-01");
  request.set_to_day("2025-09-14");
  request.set_group_by(v1::ReportRequest::GROUP_BY_AGENCY);
  request.set_count_at(v1::ReportRequest::COUNT_AT_RESOLUTION);
  v1::ReportReply report;
  ASSERT_TRUE(supervision_->Report(As(kAdmin).get(), request, &report).ok());
  ASSERT_EQ(report.rows_size(), 2);
  const v1::ReportRow& a = report.rows(0);
  EXPECT_EQ(a.group(), kAgencyA);
  EXPECT_EQ(a.received(), 2);
  EXPECT_EQ(a.carried_over(), 0);
  EXPECT_EQ(a.new_online(), 2);
  EXPECT_EQ(a.resolved(), 1);
  EXPECT_EQ(a.resolved_early(), 1);
  EXPECT_EQ(a.pending(), 1);
  EXPECT_DOUBLE_EQ(a.online_rate(), 1.0);
  EXPECT_EQ(report.rows(1).new_in_person_or_postal(), 1);
  EXPECT_EQ(report.total().received(), 3);
  EXPECT_EQ(report.total().group(), "total");

  // The next period starts with what was open.
  request.set_from_day("2025-09-15");
  request.set_to_day("2025-10-14");
  ASSERT_TRUE(supervision_->Report(As(kAdmin).get(), request, &report).ok());
  ASSERT_GE(report.rows_size(), 1);
  EXPECT_EQ(report.rows(0).carried_over(), 1);
  EXPECT_EQ(report.rows(0).received(), 1);

  // A supervisor of agency A gets agency A's rows; not agency B's.
  request.clear_agency();
  ASSERT_TRUE(
      supervision_->Report(As(kSupervisorA).get(), request, &report).ok());
  for (const v1::ReportRow& row : report.rows())
    EXPECT_EQ(row.group(), kAgencyA);
  request.set_agency(kAgencyB);
  EXPECT_EQ(supervision_->Report(As(kSupervisorA).get(), request, &report)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  struct Case {
    const char* field;
    std::function<void(v1::ReportRequest&)> spoil;
  };
  const Case cases[] = {
      {"from_day", [](v1::ReportRequest& r) { r.set_from_day("15/09/2025"); }},
      {"to_day", [](v1::ReportRequest& r) { r.set_to_day("2025-08-01"); }},
      {"group_by", [](v1::ReportRequest& r) { r.clear_group_by(); }},
      {"count_at", [](v1::ReportRequest& r) { r.clear_count_at(); }},
  };
  for (const Case& test : cases) {
    SCOPED_TRACE(test.field);
    v1::ReportRequest bad = request;
    bad.clear_agency();
    test.spoil(bad);
    grpc::Status status = supervision_->Report(As(kAdmin).get(), bad, &report);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr(test.field));
  }
}

// ---------------------------------------------------------------------------
// Audit and admin

TEST_F(ServerTest, AuditorsReadTheLogAndVerifyIt) {
  MustSubmit("A-1", kAgencyA, MondayMorning());
  clock_.Advance(absl::Hours(1));
  ASSERT_TRUE(Act(kOfficerA, HandOver("A-1")).ok());

  v1::ReadEventsRequest by_dossier;
  by_dossier.set_dossier_code("A-1");
  v1::ReadEventsReply events;
  ASSERT_TRUE(audit_->ReadEvents(As(kAuditor).get(), by_dossier, &events).ok());
  ASSERT_EQ(events.events_size(), 2);
  EXPECT_EQ(events.events(0).hash(), events.events(1).previous_hash());
  EXPECT_FALSE(events.events(1).description().empty());

  v1::ReadEventsRequest range;
  range.set_after_sequence(1);
  ASSERT_TRUE(audit_->ReadEvents(As(kAuditor).get(), range, &events).ok());
  ASSERT_EQ(events.events_size(), 1);
  EXPECT_EQ(events.events(0).sequence(), 2);
  EXPECT_EQ(events.last_sequence_read(), 2);

  v1::AsOfRequest as_of;
  as_of.set_dossier_code("A-1");
  *as_of.mutable_as_of() = Proto(MondayMorning() + absl::Minutes(30));
  v1::Dossier then;
  ASSERT_TRUE(audit_->GetDossierAsOf(As(kAuditor).get(), as_of, &then).ok());
  EXPECT_EQ(then.state(), v1::DOSSIER_STATE_RECEIVED);
  EXPECT_EQ(then.version(), 1);

  v1::VerifyReply verified;
  ASSERT_TRUE(
      audit_->VerifyLog(As(kAuditor).get(), v1::VerifyRequest(), &verified)
          .ok());
  EXPECT_TRUE(verified.intact());
  EXPECT_EQ(verified.events_checked(), 2);

  // Auditors only read.
  v1::CommandReply reply;
  EXPECT_EQ(
      Submit(kAuditor, Submission("A-2", kAgencyA, MondayMorning()), &reply)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  // An officer does not audit.
  EXPECT_EQ(
      audit_->ReadEvents(As(kOfficerA).get(), by_dossier, &events).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(ServerTest, AdminsValidateReloadAndReadRules) {
  v1::GetRulesReply rules;
  ASSERT_TRUE(
      admin_->GetRules(As(kAdmin).get(), v1::GetRulesRequest(), &rules).ok());
  EXPECT_EQ(rules.version().size(), 64u);
  EXPECT_THAT(rules.calendars(), ::testing::Contains("vn-public-sector"));
  bool found = false;
  for (const v1::ProcedureSummary& procedure : rules.procedures()) {
    if (procedure.code() == kLandProcedure) {
      found = true;
      EXPECT_FALSE(procedure.steps().empty());
    }
  }
  EXPECT_TRUE(found);

  v1::ValidateRulesRequest bad;
  v1::RuleFile* file = bad.add_files();
  file->set_path("calendars/broken.yaml");
  file->set_content("kind: calender\n");
  v1::ValidateRulesReply validated;
  ASSERT_TRUE(admin_->ValidateRules(As(kAdmin).get(), bad, &validated).ok());
  EXPECT_FALSE(validated.valid());
  ASSERT_GT(validated.problems_size(), 0);
  EXPECT_EQ(validated.problems(0).file(), "calendars/broken.yaml");
  EXPECT_EQ(validated.problems(0).line(), 1);

  v1::ValidateRulesRequest escaping;
  escaping.add_files()->set_path("../etc/passwd");
  grpc::Status status =
      admin_->ValidateRules(As(kAdmin).get(), escaping, &validated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("files[0].path"));

  ASSERT_TRUE(admin_
                  ->ValidateRules(As(kAdmin).get(), v1::ValidateRulesRequest(),
                                  &validated)
                  .ok());
  EXPECT_TRUE(validated.valid());
  EXPECT_EQ(validated.version(), rules.version());

  v1::ReloadRulesReply reloaded;
  ASSERT_TRUE(
      admin_->ReloadRules(As(kAdmin).get(), v1::ReloadRulesRequest(), &reloaded)
          .ok());
  EXPECT_FALSE(reloaded.changed());
  EXPECT_EQ(reloaded.version(), rules.version());

  EXPECT_EQ(admin_
                ->ReloadRules(As(kSupervisorA).get(), v1::ReloadRulesRequest(),
                              &reloaded)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(ServerTest, AReloadOfInvalidRulesKeepsTheRunningOnes) {
  // Serve from a copy of the rules, then break the copy.
  const std::filesystem::path rules = directory_.File("rules");
  std::filesystem::copy(config_.rules_dir, rules,
                        std::filesystem::copy_options::recursive);
  StopServer();
  config_.rules_dir = rules.string();
  StartServer();
  v1::GetRulesReply before;
  ASSERT_TRUE(
      admin_->GetRules(As(kAdmin).get(), v1::GetRulesRequest(), &before).ok());
  { std::ofstream(rules / "calendars" / "broken.yaml") << "kind: calender\n"; }
  v1::ReloadRulesReply reloaded;
  grpc::Status status = admin_->ReloadRules(
      As(kAdmin).get(), v1::ReloadRulesRequest(), &reloaded);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("broken.yaml:1"));
  v1::GetRulesReply after;
  ASSERT_TRUE(
      admin_->GetRules(As(kAdmin).get(), v1::GetRulesRequest(), &after).ok());
  EXPECT_EQ(after.version(), before.version());
  MustSubmit("R-1", kAgencyA, MondayMorning());  // still serving
}

// ---------------------------------------------------------------------------
// Access

TEST_F(ServerTest, CallersAreAuthenticated) {
  v1::GetRequest get;
  get.set_dossier_code("X");
  v1::Dossier dossier;
  grpc::ClientContext anonymous;
  EXPECT_EQ(dossiers_->Get(&anonymous, get, &dossier).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::ClientContext unknown;
  unknown.AddMetadata("authorization", "Bearer not-a-token");
  grpc::Status status = dossiers_->Get(&unknown, get, &dossier);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), ::testing::Not(HasSubstr("not-a-token")));
  grpc::ClientContext basic;
  basic.AddMetadata("authorization", "Basic dXNlcjpwYXNz");
  EXPECT_EQ(dossiers_->Get(&basic, get, &dossier).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(ServerTest, AgenciesAndRolesBoundWhatCallersMayDo) {
  v1::CommandReply reply;
  // An intake desk receives for its own agency only.
  EXPECT_EQ(
      Submit(kIntakeA, Submission("AC-1", kAgencyB, MondayMorning()), &reply)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(
      Submit(kIntakeB, Submission("AC-1", kAgencyB, MondayMorning()), &reply)
          .ok());
  // ... and cannot read or change another agency's dossier, which it is
  // told does not exist (tests/services/dossier_secrecy_test.cc).
  v1::GetRequest get;
  get.set_dossier_code("AC-1");
  v1::Dossier dossier;
  EXPECT_EQ(dossiers_->Get(As(kIntakeA).get(), get, &dossier).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Act(kIntakeA, HandOver("AC-1")).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Act(kOfficerA, HandOver("AC-1")).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // Officers act but do not receive; supervisors read but do not act.
  EXPECT_EQ(
      Submit(kOfficerA, Submission("AC-2", kAgencyA, MondayMorning()), &reply)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  MustSubmit("AC-3", kAgencyA, MondayMorning());
  EXPECT_EQ(Act(kSupervisorA, HandOver("AC-3")).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  get.set_dossier_code("AC-3");
  EXPECT_TRUE(dossiers_->Get(As(kSupervisorA).get(), get, &dossier).ok());
  // An intake desk may not request a supplement; an officer may.
  v1::ActRequest supplement;
  supplement.set_dossier_code("AC-3");
  supplement.mutable_request_supplement()->add_missing("a copy");
  EXPECT_EQ(Act(kIntakeA, supplement).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Act(kOfficerA, supplement, &reply).ok());
  // Every event records the authenticated actor.
  ASSERT_EQ(reply.events_size(), 1);
  EXPECT_EQ(reply.events(0).actor(), "officer.ben-nghe");
  // Rules are for admins.
  v1::GetRulesReply rules;
  EXPECT_EQ(
      admin_->GetRules(As(kSupervisorA).get(), v1::GetRulesRequest(), &rules)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(ServerTest, HealthCheckingAndReflectionAreServed) {
  // grpc.health.v1.Health/Check with an empty request: status SERVING (1),
  // encoded as field 1, varint 1.
  grpc::GenericStub generic(channel_);
  grpc::ClientContext context;
  grpc::Slice empty;
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  absl::Notification done;
  grpc::Status status;
  generic.UnaryCall(&context, "/grpc.health.v1.Health/Check",
                    grpc::StubOptions(), &request, &response,
                    [&](grpc::Status result) {
                      status = result;
                      done.Notify();
                    });
  done.WaitForNotification();
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  EXPECT_EQ(bytes, std::string("\x08\x01", 2));
}

TEST_F(ServerTest, MetricsAndHealthAreServedOverHttp) {
  const absl::Time long_ago = MondayMorning() - absl::Hours(24 * 40);
  MustSubmit("M-1", kAgencyA, long_ago, kBusinessProcedure);
  MustSubmit("M-2", kAgencyB, MondayMorning(), kBusinessProcedure);
  v1::ActRequest hand_over = HandOver("M-1");
  hand_over.mutable_hand_over()->set_to_unit("phong-dang-ky-kinh-doanh");
  ASSERT_TRUE(Act(kOfficerA, hand_over).ok());
  v1::ActRequest resume;
  resume.set_dossier_code("M-1");
  resume.mutable_resume();
  EXPECT_FALSE(Act(kOfficerA, resume).ok());

  ASSERT_GT(server_->metrics_port(), 0);
  const std::string metrics = HttpGet(server_->metrics_port(), "/metrics");
  EXPECT_THAT(metrics, HasSubstr("200 OK"));
  EXPECT_THAT(metrics,
              HasSubstr("motcua_dossiers{agency=\"ubnd-phuong-ben-nghe\","
                        "state=\"PROCESSING\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("motcua_overdue_dossiers{agency=\""
                                 "ubnd-phuong-ben-nghe\"} 1"));
  EXPECT_THAT(metrics,
              HasSubstr("motcua_commands_total{outcome=\"accepted\"} 3"));
  EXPECT_THAT(metrics,
              HasSubstr("motcua_commands_total{outcome=\"refused\"} 1"));
  EXPECT_THAT(
      metrics,
      HasSubstr("motcua_command_latency_seconds_bucket{le=\"+Inf\"} 4"));
  // M-1, 40 days late, records the five thresholds of its ladder before
  // its hand-over: 3 + 5 events.
  EXPECT_THAT(metrics, HasSubstr("motcua_appended_events_total 8"));
  EXPECT_THAT(metrics, HasSubstr("motcua_log_head_sequence 8"));

  // A client that connects and says nothing does not hold the endpoint.
  const int silent = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(server_->metrics_port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(
      connect(silent, reinterpret_cast<sockaddr*>(&address), sizeof(address)),
      0);
  EXPECT_THAT(HttpGet(server_->metrics_port(), "/healthz"),
              HasSubstr("200 OK"));
  close(silent);
  EXPECT_THAT(HttpGet(server_->metrics_port(), "/other"), HasSubstr("404"));
}

TEST_F(ServerTest, StateSurvivesARestart) {
  MustSubmit("RS-1", kAgencyA, MondayMorning());
  ASSERT_TRUE(Act(kOfficerA, HandOver("RS-1")).ok());
  StopServer();
  StartServer();
  v1::GetRequest get;
  get.set_dossier_code("RS-1");
  v1::Dossier dossier;
  ASSERT_TRUE(dossiers_->Get(As(kAdmin).get(), get, &dossier).ok());
  EXPECT_EQ(dossier.version(), 2);
  EXPECT_EQ(dossier.state(), v1::DOSSIER_STATE_PROCESSING);
}

TEST_F(ServerTest, TwoAuthorizationHeadersAreRefused) {
  // A weak token first and a strong one after, or the other way round:
  // whichever one a server took, the caller's meaning is ambiguous.
  for (const auto& [first, second] :
       {std::pair{&kIntakeB, &kAdmin}, std::pair{&kAdmin, &kIntakeB},
        std::pair{&kAdmin, &kAdmin}}) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", first->token));
    context.AddMetadata("authorization",
                        absl::StrCat("Bearer ", second->token));
    v1::CommandReply reply;
    const grpc::Status status = dossiers_->Submit(
        &context, Submission("TWO-HEADERS", kAgencyA, MondayMorning()), &reply);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << first->name << ", " << second->name;
    EXPECT_THAT(status.error_message(),
                HasSubstr("2 authorization metadata entries"));
  }
  v1::GetRequest get;
  get.set_dossier_code("TWO-HEADERS");
  v1::Dossier dossier;
  EXPECT_EQ(dossiers_->Get(As(kAdmin).get(), get, &dossier).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace motcua::server
