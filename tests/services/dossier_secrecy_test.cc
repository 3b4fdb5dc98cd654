// Integration tests of motcuad (services/server) on what a caller learns of
// dossiers that are not its agency's, and of request ids: the real server
// on 127.0.0.1:0 with a temporary data directory, the shipped rules, a
// tokens file and an injected clock, driven through the generated stubs.
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>

#include <functional>
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
using ::testing::HasSubstr;
using ::testing::Not;

const absl::TimeZone kVietnam = absl::FixedTimeZone(7 * 3600);

// Monday 2025-09-08 09:00 in Vietnam: a working morning.
absl::Time MondayMorning() {
  return absl::FromCivil(absl::CivilMinute(2025, 9, 8, 9, 0), kVietnam);
}

google::protobuf::Timestamp Proto(absl::Time time) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
}

constexpr char kLandProcedure[] = "local.dang-ky-bien-dong-dat-dai";

using test_support::Caller;
using test_support::kAdmin;
using test_support::kAgencyA;
using test_support::kAgencyB;
using test_support::kAuditorB;
using test_support::kIntakeA;
using test_support::kIntakeB;
using test_support::kOfficerA;
using test_support::kOfficerB;
using test_support::kSupervisorB;
class DossierSecrecyTest : public test_support::ServerFixture {
 protected:
  DossierSecrecyTest()
      : ServerFixture(MondayMorning(), {kAdmin, kIntakeA, kOfficerA, kIntakeB,
                                        kOfficerB, kAuditorB, kSupervisorB}) {}

  void SetUp() override {
    config_.metrics_listen = "127.0.0.1:0";
    StartServer();
  }

  static v1::SubmitRequest Submission(const std::string& code,
                                      const std::string& agency,
                                      const std::string& request_id = "") {
    v1::SubmitRequest request;
    request.set_dossier_code(code);
    request.set_procedure_code(kLandProcedure);
    request.set_agency(agency);
    request.set_channel(v1::CHANNEL_ONLINE);
    *request.mutable_received_at() = Proto(MondayMorning());
    request.set_summary("secrecy test");
    request.mutable_options()->set_request_id(request_id);
    return request;
  }

  grpc::Status Submit(const Caller& caller, const v1::SubmitRequest& request,
                      v1::CommandReply* reply = nullptr) {
    v1::CommandReply ignored;
    return dossiers_->Submit(As(caller).get(), request,
                             reply != nullptr ? reply : &ignored);
  }
  grpc::Status Act(const Caller& caller, const v1::ActRequest& request,
                   v1::CommandReply* reply = nullptr) {
    v1::CommandReply ignored;
    return dossiers_->Act(As(caller).get(), request,
                          reply != nullptr ? reply : &ignored);
  }

  // Events in the log, as the admin reads them.
  int64_t EventCount() {
    v1::ReadEventsRequest range;
    range.set_limit(10000);
    v1::ReadEventsReply reply;
    grpc::Status status = audit_->ReadEvents(As(kAdmin).get(), range, &reply);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return reply.events_size();
  }

  // A dossier of agency A, received by its desk and handed over by its
  // officer (version 2), each under a request id.
  void SubmitAndHandOverInAgencyA(const std::string& code) {
    ASSERT_TRUE(
        Submit(kIntakeA, Submission(code, kAgencyA, code + "-receipt")).ok());
    v1::ActRequest hand_over;
    hand_over.set_dossier_code(code);
    hand_over.mutable_options()->set_request_id(code + "-hand-over");
    hand_over.mutable_hand_over();
    ASSERT_TRUE(Act(kOfficerA, hand_over).ok());
  }
};

// Every RPC that names a dossier, called by a caller of agency B: the answer
// for agency A's dossier is, byte for byte, the answer for the same code
// before it existed, and writes nothing.
TEST_F(DossierSecrecyTest, AnotherAgencysDossierIsAnsweredAsAMissingCode) {
  struct Case {
    const char* name;
    std::function<grpc::Status(const std::string& code)> call;
  };
  auto act = [this](const Caller& caller,
                    std::function<void(v1::ActRequest&)> fill) {
    return [this, &caller, fill](const std::string& code) {
      v1::ActRequest request;
      request.set_dossier_code(code);
      fill(request);
      return Act(caller, request);
    };
  };
  const std::vector<Case> cases = {
      {"Get by its desk",
       [this](const std::string& code) {
         v1::GetRequest request;
         request.set_dossier_code(code);
         v1::Dossier reply;
         return dossiers_->Get(As(kIntakeB).get(), request, &reply);
       }},
      {"Get by its supervisor",
       [this](const std::string& code) {
         v1::GetRequest request;
         request.set_dossier_code(code);
         v1::Dossier reply;
         return dossiers_->Get(As(kSupervisorB).get(), request, &reply);
       }},
      {"Act hand_over by its officer",
       act(kOfficerB, [](v1::ActRequest& r) { r.mutable_hand_over(); })},
      {"Act resolve expecting a stale version",
       act(kOfficerB,
           [](v1::ActRequest& r) {
             r.mutable_resolve();
             r.mutable_options()->set_expected_version(1);
           })},
      {"Act resume (not in its state)",
       act(kOfficerB, [](v1::ActRequest& r) { r.mutable_resume(); })},
      {"Act resolve by a desk (not its role)",
       act(kIntakeB, [](v1::ActRequest& r) { r.mutable_resolve(); })},
      {"Act by a supervisor (no action is its role)",
       act(kSupervisorB, [](v1::ActRequest& r) { r.mutable_hand_over(); })},
      {"Act under the request id of agency A's hand-over",
       act(kOfficerB,
           [](v1::ActRequest& r) {
             r.mutable_hand_over();
             r.mutable_options()->set_request_id(r.dossier_code() +
                                                 "-hand-over");
           })},
      {"GetDossierAsOf by its auditor",
       [this](const std::string& code) {
         v1::AsOfRequest request;
         request.set_dossier_code(code);
         *request.mutable_as_of() = Proto(MondayMorning() + absl::Hours(1));
         v1::Dossier reply;
         return audit_->GetDossierAsOf(As(kAuditorB).get(), request, &reply);
       }},
      {"GetDossierAsOf by a desk (not its role)",
       [this](const std::string& code) {
         v1::AsOfRequest request;
         request.set_dossier_code(code);
         *request.mutable_as_of() = Proto(MondayMorning() + absl::Hours(1));
         v1::Dossier reply;
         return audit_->GetDossierAsOf(As(kIntakeB).get(), request, &reply);
       }},
      {"ReadEvents of the dossier by its auditor",
       [this](const std::string& code) {
         v1::ReadEventsRequest request;
         request.set_dossier_code(code);
         v1::ReadEventsReply reply;
         return audit_->ReadEvents(As(kAuditorB).get(), request, &reply);
       }},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].name);
    const std::string code = absl::StrCat("SECRET-", i);
    const grpc::Status missing = cases[i].call(code);
    EXPECT_FALSE(missing.ok());
    SubmitAndHandOverInAgencyA(code);
    const int64_t events = EventCount();
    const grpc::Status existing = cases[i].call(code);
    EXPECT_EQ(existing.error_code(), missing.error_code());
    EXPECT_EQ(existing.error_message(), missing.error_message());
    EXPECT_THAT(existing.error_message(), Not(HasSubstr(kAgencyA)));
    EXPECT_EQ(EventCount(), events);
  }
}

TEST_F(DossierSecrecyTest,
       ASubmissionUnderAnotherAgencysCodeTellsOnlyThatItIsTaken) {
  // An invalid submission is refused for what it is, whether the code is
  // free or agency A's.
  v1::SubmitRequest invalid = Submission("TAKEN-1", kAgencyB);
  invalid.set_procedure_code("no.such.procedure");
  const grpc::Status free_code = Submit(kIntakeB, invalid);
  EXPECT_EQ(free_code.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  SubmitAndHandOverInAgencyA("TAKEN-1");
  const int64_t events = EventCount();
  const grpc::Status taken_invalid = Submit(kIntakeB, invalid);
  EXPECT_EQ(taken_invalid.error_code(), free_code.error_code());
  EXPECT_EQ(taken_invalid.error_message(), free_code.error_message());

  // A valid one cannot take the code: ALREADY_EXISTS, the same answer
  // whatever version it expects (never ABORTED with A's version), and with
  // nothing of agency A's dossier.
  for (int64_t expected_version : {0, 1, 2, 5}) {
    v1::SubmitRequest valid = Submission("TAKEN-1", kAgencyB);
    valid.mutable_options()->set_expected_version(expected_version);
    v1::CommandReply reply;
    const grpc::Status status = Submit(kIntakeB, valid, &reply);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
    EXPECT_EQ(status.error_message(),
              "dossier TAKEN-1 already exists with different content");
    EXPECT_FALSE(reply.has_dossier());
  }
  EXPECT_EQ(EventCount(), events);
}

TEST_F(DossierSecrecyTest, AnotherCallersRequestIdShowsNothing) {
  SubmitAndHandOverInAgencyA("RETRY-1");
  const int64_t events = EventCount();
  // A caller of agency B sends agency A's code with A's request ids (of the
  // receipt, of the later hand-over) and its own agency: no dossier, no
  // version, and the answer it gets for the ids under a code of its own.
  std::vector<grpc::Status> answers;
  for (const char* request_id : {"RETRY-1-receipt", "RETRY-1-hand-over"}) {
    for (const char* code : {"RETRY-1", "RETRY-OWN"}) {
      SCOPED_TRACE(absl::StrCat(request_id, " on ", code));
      v1::CommandReply reply;
      const grpc::Status status =
          Submit(kIntakeB, Submission(code, kAgencyB, request_id), &reply);
      EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
      EXPECT_EQ(status.error_message(),
                absl::StrCat("request_id: ", request_id,
                             " is already taken; send each command with a "
                             "request_id of its own"));
      EXPECT_FALSE(reply.has_dossier());
      EXPECT_FALSE(reply.repeated());
    }
  }
  // A caller of agency A under another name is another caller too.
  v1::CommandReply reply;
  EXPECT_EQ(
      Submit(kAdmin, Submission("RETRY-1", kAgencyA, "RETRY-1-receipt"), &reply)
          .error_code(),
      grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(EventCount(), events);
  // The owner's retry is the first answer.
  ASSERT_TRUE(Submit(kIntakeA,
                     Submission("RETRY-1", kAgencyA, "RETRY-1-receipt"), &reply)
                  .ok());
  EXPECT_TRUE(reply.repeated());
  EXPECT_EQ(reply.dossier().version(), 1);
}

TEST_F(DossierSecrecyTest, ARequestIdReusedForAnotherActionIsRefused) {
  SubmitAndHandOverInAgencyA("ONE-1");
  v1::ActRequest resolve;
  resolve.set_dossier_code("ONE-1");
  resolve.mutable_options()->set_request_id("a");
  resolve.mutable_resolve()->set_result("granted");
  v1::CommandReply first;
  ASSERT_TRUE(Act(kOfficerA, resolve, &first).ok());
  const int64_t events = EventCount();

  v1::ActRequest return_result;
  return_result.set_dossier_code("ONE-1");
  return_result.mutable_options()->set_request_id("a");
  return_result.mutable_return_result();
  v1::CommandReply reply;
  const grpc::Status refused = Act(kOfficerA, return_result, &reply);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(refused.error_message(),
              HasSubstr("request_id: a was already used for resolve on "
                        "dossier ONE-1"));
  EXPECT_EQ(EventCount(), events);
  v1::GetRequest get;
  get.set_dossier_code("ONE-1");
  v1::Dossier now;
  ASSERT_TRUE(dossiers_->Get(As(kOfficerA).get(), get, &now).ok());
  EXPECT_EQ(now.state(), v1::DOSSIER_STATE_RESOLVED);

  clock_.Advance(absl::Minutes(3));
  v1::CommandReply retried;
  ASSERT_TRUE(Act(kOfficerA, resolve, &retried).ok());
  EXPECT_TRUE(retried.repeated());
  EXPECT_EQ(retried.dossier().version(), first.dossier().version());
  EXPECT_EQ(retried.dossier().state(), first.dossier().state());
  EXPECT_EQ(EventCount(), events);
}

}  // namespace
}  // namespace motcua::server
