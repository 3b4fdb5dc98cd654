// The console's JSON API (services/console) against the real server on
// 127.0.0.1:0: the same access rules, status codes and messages as the
// gRPC reads (each role, another agency's data), bad input answered with a
// clear error that changes nothing, the report files, and events as
// Server-Sent Events. A temporary data directory, the shipped rules, a
// tokens file and a fake clock.
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "motcua/v1/service.grpc.pb.h"
#include "services/console/api.h"
#include "services/console/console.h"
#include "services/server/server.h"
#include "tests/testing/test_server.h"

namespace motcua::console {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using ::google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;

const absl::TimeZone kVietnam = absl::FixedTimeZone(7 * 3600);

// Monday 2025-09-08 09:00 in Vietnam: a working morning.
absl::Time MondayMorning() {
  return absl::FromCivil(absl::CivilMinute(2025, 9, 8, 9, 0), kVietnam);
}

constexpr char kProcedure[] = "2.000635";  // same day: overdue by Tuesday

using test_support::Caller;
using test_support::kAdmin;
using test_support::kAgencyA;
using test_support::kAgencyB;
using test_support::kAuditorA;
using test_support::kIntakeA;
using test_support::kIntakeB;
using test_support::kOfficerA;
using test_support::kSupervisorA;
using test_support::kSupervisorB;

struct HttpAnswer {
  unsigned status = 0;
  std::string body;
  std::string set_cookie;
  std::string content_type;
  Json json() const { return Json::parse(body, nullptr, false); }
};

class ConsoleApiTest : public test_support::ServerFixture {
 protected:
  ConsoleApiTest()
      : ServerFixture(MondayMorning(),
                      {kAdmin, kIntakeA, kOfficerA, kSupervisorA, kAuditorA,
                       kIntakeB, kSupervisorB}) {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartServer());
    ConsoleOptions options;
    options.listen = "127.0.0.1:0";
    absl::StatusOr<std::unique_ptr<Console>> console =
        Console::Start(options, server_->context());
    ASSERT_TRUE(console.ok()) << console.status();
    console_ = *std::move(console);
  }

  void Submit(const Caller& caller, const std::string& code,
              const std::string& agency) {
    v1::SubmitRequest request;
    request.set_dossier_code(code);
    request.set_procedure_code(kProcedure);
    request.set_agency(agency);
    request.set_channel(v1::CHANNEL_ONLINE);
    *request.mutable_received_at() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(clock_.Now()));
    request.set_summary("console test");
    v1::CommandReply reply;
    grpc::Status status = dossiers_->Submit(As(caller).get(), request, &reply);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  // One HTTP exchange with the console. `credential`: "Bearer <token>" for
  // the Authorization header, "cookie:<value>" for a Cookie, or empty.
  HttpAnswer Call(const std::string& method, const std::string& target,
                  const std::string& credential = "",
                  const std::string& body = "") {
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.connect(
        asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                static_cast<unsigned short>(console_->port())));
    http::request<http::string_body> request(http::string_to_verb(method),
                                             target, 11);
    request.set(http::field::host, "127.0.0.1");
    if (absl::StartsWith(credential, "cookie:")) {
      request.set(http::field::cookie, credential.substr(7));
    } else if (!credential.empty()) {
      request.set(http::field::authorization, credential);
    }
    request.body() = body;
    request.prepare_payload();
    http::write(stream, request);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(stream, buffer, response);
    HttpAnswer answer;
    answer.status = response.result_int();
    answer.body = response.body();
    answer.set_cookie = std::string(response[http::field::set_cookie]);
    answer.content_type = std::string(response[http::field::content_type]);
    return answer;
  }

  static std::string Bearer(const Caller& caller) {
    return absl::StrCat("Bearer ", caller.token);
  }

  // Signs in and returns "cookie:<name>=<value>".
  std::string SignIn(const Caller& caller) {
    const HttpAnswer answer =
        Call("POST", "/api/v1/session", "",
             absl::StrCat("{\"token\": \"", caller.token, "\"}"));
    EXPECT_EQ(answer.status, 200u) << answer.body;
    const std::string cookie(
        absl::StrSplit(answer.set_cookie, ';').begin()->data(),
        answer.set_cookie.find(';'));
    return absl::StrCat("cookie:", cookie);
  }

  int64_t Head() { return server_->context().hub->head(); }

  // Two dossiers of agency A and one of B, all overdue by Tuesday noon.
  void SubmitOverdueDossiers() {
    Submit(kIntakeA, "A-1", kAgencyA);
    Submit(kIntakeA, "A-2", kAgencyA);
    Submit(kIntakeB, "B-1", kAgencyB);
    clock_.Advance(absl::Hours(27));  // Tuesday 12:00
  }

  // Stopped before the server (the fixture's).
  std::unique_ptr<Console> console_;
};

TEST_F(ConsoleApiTest, SignInGivesAnHttpOnlyStrictCookieAndRefusesIntake) {
  HttpAnswer answer =
      Call("POST", "/api/v1/session", "", R"({"token": "token-supervisor-a"})");
  ASSERT_EQ(answer.status, 200u) << answer.body;
  EXPECT_THAT(answer.set_cookie, HasSubstr("motcua_session="));
  EXPECT_THAT(answer.set_cookie, HasSubstr("HttpOnly"));
  EXPECT_THAT(answer.set_cookie, HasSubstr("SameSite=Strict"));
  EXPECT_THAT(answer.set_cookie, Not(HasSubstr("token-supervisor-a")));
  EXPECT_EQ(answer.json()["role"], "supervisor");
  EXPECT_EQ(answer.json()["agencies"], Json::array({kAgencyA}));
  EXPECT_EQ(answer.json()["now"], "2025-09-08T09:00:00+07:00");

  answer =
      Call("POST", "/api/v1/session", "", R"({"token": "token-intake-a"})");
  EXPECT_EQ(answer.status, 403u);
  EXPECT_THAT(answer.json()["message"].get<std::string>(),
              HasSubstr("intake role"));
  EXPECT_EQ(answer.set_cookie, "");

  answer = Call("POST", "/api/v1/session", "", R"({"token": "nobody"})");
  EXPECT_EQ(answer.status, 401u);
  EXPECT_EQ(answer.json()["code"], "UNAUTHENTICATED");
  answer = Call("POST", "/api/v1/session", "", "token=nobody");
  EXPECT_EQ(answer.status, 400u);
  EXPECT_THAT(answer.json()["message"].get<std::string>(), HasSubstr("token"));

  // Without a credential, or with a session that was closed.
  EXPECT_EQ(Call("GET", "/api/v1/overdue").status, 401u);
  const std::string cookie = SignIn(kSupervisorA);
  EXPECT_EQ(Call("GET", "/api/v1/overdue", cookie).status, 200u);
  EXPECT_EQ(Call("DELETE", "/api/v1/session", cookie).status, 200u);
  EXPECT_EQ(Call("GET", "/api/v1/overdue", cookie).status, 401u);
  EXPECT_EQ(
      Call("GET", "/api/v1/overdue", "cookie:motcua_session=forged").status,
      401u);
}

TEST_F(ConsoleApiTest, OverdueListIsTheGrpcListOfTheCallersAgency) {
  SubmitOverdueDossiers();
  const std::string cookie = SignIn(kSupervisorA);
  const HttpAnswer answer = Call("GET", "/api/v1/overdue", cookie);
  ASSERT_EQ(answer.status, 200u) << answer.body;
  v1::OverdueRequest request;
  v1::OverdueReply reply;
  ASSERT_TRUE(
      supervision_->ListOverdue(As(kSupervisorA).get(), request, &reply).ok());
  ASSERT_EQ(reply.entries_size(), 2);
  const Json entries = answer.json()["entries"];
  ASSERT_EQ(entries.size(), 2u);
  for (int i = 0; i < reply.entries_size(); ++i) {
    EXPECT_EQ(entries[i]["dossier"]["code"], reply.entries(i).dossier().code());
    EXPECT_EQ(entries[i]["dossier"]["agency"], kAgencyA);
    // Times at +07:00, durations as seconds and text.
    EXPECT_EQ(entries[i]["dossier"]["received_at"],
              "2025-09-08T09:00:00+07:00");
    EXPECT_EQ(entries[i]["lateness"]["seconds"],
              reply.entries(i).lateness().seconds());
    EXPECT_TRUE(entries[i]["lateness"]["text"].is_string());
  }
  EXPECT_THAT(answer.body, Not(HasSubstr("B-1")));
}

// Every route, for every role and for both agencies: the HTTP status is
// the gRPC code's (HttpStatusOf) and the message the same.
TEST_F(ConsoleApiTest, EachRoleIsAnsweredAsGrpcAnswersIt) {
  SubmitOverdueDossiers();
  struct Route {
    std::string target;
    std::function<grpc::Status(const Caller&)> grpc_call;
  };
  const std::vector<Route> routes = {
      {"/api/v1/overdue",
       [this](const Caller& caller) {
         v1::OverdueReply reply;
         return supervision_->ListOverdue(As(caller).get(), {}, &reply);
       }},
      {absl::StrCat("/api/v1/overdue?agency=", kAgencyB),
       [this](const Caller& caller) {
         v1::OverdueRequest request;
         request.set_agency(kAgencyB);
         v1::OverdueReply reply;
         return supervision_->ListOverdue(As(caller).get(), request, &reply);
       }},
      {"/api/v1/due-soon?within=3600s",
       [this](const Caller& caller) {
         v1::DueSoonRequest request;
         request.mutable_within()->set_seconds(3600);
         v1::DueSoonReply reply;
         return supervision_->ListDueSoon(As(caller).get(), request, &reply);
       }},
      {"/api/v1/overdue-counts",
       [this](const Caller& caller) {
         v1::CountOverdueReply reply;
         return supervision_->CountOverdue(As(caller).get(), {}, &reply);
       }},
      {absl::StrCat("/api/v1/report?from_day=2025-09-01&to_day=2025-09-30&"
                    "group_by=GROUP_BY_PROCEDURE&count_at=COUNT_AT_RESOLUTION&"
                    "agency=",
                    kAgencyA),
       [this](const Caller& caller) {
         v1::ReportRequest request;
         request.set_from_day("2025-09-01");
         request.set_to_day("2025-09-30");
         request.set_group_by(v1::ReportRequest::GROUP_BY_PROCEDURE);
         request.set_count_at(v1::ReportRequest::COUNT_AT_RESOLUTION);
         request.set_agency(kAgencyA);
         v1::ReportReply reply;
         return supervision_->Report(As(caller).get(), request, &reply);
       }},
      {"/api/v1/dossiers/A-1",
       [this](const Caller& caller) {
         v1::GetRequest request;
         request.set_dossier_code("A-1");
         v1::Dossier reply;
         return dossiers_->Get(As(caller).get(), request, &reply);
       }},
      {"/api/v1/dossiers/B-1",
       [this](const Caller& caller) {
         v1::GetRequest request;
         request.set_dossier_code("B-1");
         v1::Dossier reply;
         return dossiers_->Get(As(caller).get(), request, &reply);
       }},
      {"/api/v1/dossiers/B-1/events",
       [this](const Caller& caller) {
         v1::ReadEventsRequest request;
         request.set_dossier_code("B-1");
         v1::ReadEventsReply reply;
         return audit_->ReadEvents(As(caller).get(), request, &reply);
       }},
      {"/api/v1/dossiers/A-1/as-of?as_of=2025-09-08T10:00:00%2B07:00",
       [this](const Caller& caller) {
         v1::AsOfRequest request;
         request.set_dossier_code("A-1");
         *request.mutable_as_of() = TimeUtil::MicrosecondsToTimestamp(
             absl::ToUnixMicros(MondayMorning() + absl::Hours(1)));
         v1::Dossier reply;
         return audit_->GetDossierAsOf(As(caller).get(), request, &reply);
       }},
  };
  int refusals = 0;
  for (const Route& route : routes) {
    for (const Caller& caller : callers()) {
      SCOPED_TRACE(absl::StrCat(route.target, " as ", caller.name));
      const grpc::Status expected = route.grpc_call(caller);
      const HttpAnswer answer = Call("GET", route.target, Bearer(caller));
      EXPECT_EQ(
          answer.status,
          HttpStatusOf(static_cast<absl::StatusCode>(expected.error_code())))
          << answer.body;
      if (!expected.ok()) {
        ++refusals;
        EXPECT_EQ(answer.json()["message"], expected.error_message());
      }
    }
  }
  // The table holds refusals of each kind, not only answers.
  EXPECT_GT(refusals, 20);
  // Another agency's dossier is a missing code, in both.
  const HttpAnswer missing =
      Call("GET", "/api/v1/dossiers/B-1", Bearer(kSupervisorA));
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(missing.json()["message"],
            absl::StrReplaceAll(
                Call("GET", "/api/v1/dossiers/NO-SUCH", Bearer(kSupervisorA))
                    .json()["message"]
                    .get<std::string>(),
                {{"NO-SUCH", "B-1"}}));
}

// A dossier asked with_pauses names every pause of its clock, the ended
// ones with their end and the one under way without, as gRPC's Get does;
// without it, none. Its events carry their description in Vietnamese.
TEST_F(ConsoleApiTest, ADossierWithPausesNamesEveryPauseOfItsClock) {
  Submit(kIntakeA, "A-1", kAgencyA);
  auto act = [&](const std::function<void(v1::ActRequest&)>& fill) {
    clock_.Advance(absl::Minutes(30));
    v1::ActRequest request;
    request.set_dossier_code("A-1");
    fill(request);
    v1::CommandReply reply;
    grpc::Status status = dossiers_->Act(As(kOfficerA).get(), request, &reply);
    ASSERT_TRUE(status.ok()) << status.error_message();
  };
  act([](v1::ActRequest& r) {
    r.mutable_request_supplement()->add_missing("to-khai");
  });
  act([](v1::ActRequest& r) { r.mutable_receive_supplement(); });
  act([](v1::ActRequest& r) { r.mutable_stop()->set_reason("kiem tra"); });
  act([](v1::ActRequest& r) { r.mutable_resume(); });
  act([](v1::ActRequest& r) { r.mutable_stop()->set_reason("lan hai"); });

  const HttpAnswer answer = Call("GET", "/api/v1/dossiers/A-1?with_pauses=true",
                                 Bearer(kSupervisorA));
  ASSERT_EQ(answer.status, 200u) << answer.body;
  const Json pauses = answer.json()["pauses"];
  ASSERT_EQ(pauses.size(), 3u) << answer.body;
  const std::string start = "2025-09-08T";
  EXPECT_EQ(pauses[0]["reason"], "supplement");
  EXPECT_EQ(pauses[0]["started_at"], start + "09:30:00+07:00");
  EXPECT_EQ(pauses[0]["ended_at"], start + "10:00:00+07:00");
  EXPECT_EQ(pauses[1]["reason"], "stopped");
  EXPECT_EQ(pauses[1]["started_at"], start + "10:30:00+07:00");
  EXPECT_EQ(pauses[1]["ended_at"], start + "11:00:00+07:00");
  EXPECT_EQ(pauses[2]["reason"], "stopped");
  EXPECT_EQ(pauses[2]["started_at"], start + "11:30:00+07:00");
  EXPECT_FALSE(pauses[2].contains("ended_at")) << answer.body;
  // gRPC answers the same.
  v1::GetRequest request;
  request.set_dossier_code("A-1");
  request.set_with_pauses(true);
  v1::Dossier dossier;
  ASSERT_TRUE(dossiers_->Get(As(kSupervisorA).get(), request, &dossier).ok());
  EXPECT_EQ(dossier.pauses_size(), 3);
  // Without the parameter, no pause is read.
  EXPECT_TRUE(Call("GET", "/api/v1/dossiers/A-1", Bearer(kSupervisorA))
                  .json()["pauses"]
                  .empty());
  // The events, for the page in Vietnamese.
  std::map<std::string, std::string> vietnamese;  // the first of each type
  const Json events =
      Call("GET", "/api/v1/dossiers/A-1/events", Bearer(kAdmin)).json();
  for (const Json& event : events["events"]) {
    vietnamese.emplace(event["type"].get<std::string>(),
                       event["description_vi"].get<std::string>());
  }
  EXPECT_THAT(vietnamese["supplement_requested"],
              HasSubstr("yêu cầu bổ sung, tạm dừng tính thời hạn; còn thiếu: "
                        "to-khai"));
  EXPECT_THAT(vietnamese["stopped"],
              HasSubstr("dừng xử lý, tạm dừng tính thời hạn: kiem tra"));
  EXPECT_THAT(vietnamese["received"], HasSubstr("hẹn trả 08/09/2025 17:00"));
}

TEST_F(ConsoleApiTest, BadInputIsRefusedClearlyAndChangesNothing) {
  SubmitOverdueDossiers();
  const std::string cookie = SignIn(kSupervisorA);
  const int64_t head = Head();
  struct Case {
    std::string method;
    std::string target;
    unsigned status;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"GET", "/api/v1/overdue?bogus=1", 400, "bogus: not a parameter"},
      {"GET", "/api/v1/overdue?page_size=abc", 400, "page_size"},
      {"GET", "/api/v1/overdue?page_size=5000", 400, "page_size"},
      {"GET", "/api/v1/overdue?kind=SOMETIMES", 400, "kind"},
      {"GET", "/api/v1/overdue?agency=a&agency=b", 400, "more than once"},
      {"GET", "/api/v1/overdue?page_token=forged", 400, "page_token"},
      {"GET", "/api/v1/overdue?agency=%zz", 400, "hex digits"},
      {"GET", "/api/v1/due-soon", 400, "within: required"},
      {"GET", "/api/v1/report?from_day=2025-09-01&to_day=2025-09-30", 400,
       "group_by"},
      {"GET", "/api/v1/dossiers/A-1/as-of", 400, "as_of: required"},
      {"GET", "/api/v1/nothing-here", 404, "no route"},
      {"POST", "/api/v1/overdue", 405, "the method is GET"},
      {"GET", "/api/v1/audit/verify", 405, "POST"},
  };
  for (const Case& test_case : cases) {
    SCOPED_TRACE(test_case.target);
    const HttpAnswer answer = Call(test_case.method, test_case.target, cookie);
    EXPECT_EQ(answer.status, test_case.status) << answer.body;
    EXPECT_THAT(answer.json()["message"].get<std::string>(),
                HasSubstr(test_case.says));
  }
  EXPECT_EQ(Head(), head);
  // The page and its files; anything else is not found.
  EXPECT_EQ(Call("GET", "/").status, 200u);
  EXPECT_THAT(Call("GET", "/").body, HasSubstr("<html"));
  EXPECT_EQ(Call("GET", "/app.js").status, 200u);
  EXPECT_EQ(Call("GET", "/etc/passwd").status, 404u);
}

TEST_F(ConsoleApiTest, ReportFilesHoldTheReportsNumbers) {
  SubmitOverdueDossiers();
  const std::string query =
      "from_day=2025-09-01&to_day=2025-09-30&group_by=GROUP_BY_AGENCY&"
      "count_at=COUNT_AT_RESOLUTION";
  const HttpAnswer json =
      Call("GET", absl::StrCat("/api/v1/report?", query), Bearer(kAdmin));
  ASSERT_EQ(json.status, 200u) << json.body;
  const HttpAnswer csv =
      Call("GET", absl::StrCat("/api/v1/report.csv?", query), Bearer(kAdmin));
  ASSERT_EQ(csv.status, 200u) << csv.body;
  EXPECT_THAT(csv.content_type, HasSubstr("text/csv"));
  std::vector<std::string> lines = absl::StrSplit(csv.body, "\r\n");
  ASSERT_GE(lines.size(), 4u);
  EXPECT_THAT(lines[0], ::testing::StartsWith(
                            "\xEF\xBB\xBFSTT,\"Lĩnh vực, công việc giải "
                            "quyết theo cấp\",Số hồ sơ nhận giải quyết - "
                            "Tổng số,"));
  EXPECT_THAT(lines[0], HasSubstr("Số hồ sơ đã giải quyết - Trước hạn"));
  // Agency A: 2 received online, 2 pending, both overdue.
  EXPECT_EQ(json.json()["rows"][0]["group"], kAgencyA);
  EXPECT_EQ(lines[1],
            absl::StrCat("1,", kAgencyA, ",2,2,0,0,0,0,0,0,2,0,2,0,0,0"));
  EXPECT_EQ(lines[3], ",Tổng cộng,3,3,0,0,0,0,0,0,3,0,3,0,0,0");
  const HttpAnswer xlsx =
      Call("GET", absl::StrCat("/api/v1/report.xlsx?", query), Bearer(kAdmin));
  ASSERT_EQ(xlsx.status, 200u);
  EXPECT_THAT(xlsx.content_type, HasSubstr("spreadsheetml"));
  EXPECT_EQ(xlsx.body.substr(0, 2), "PK");  // a zip, as .xlsx is
}

TEST_F(ConsoleApiTest, VerifyIsForAuditorsAndAdmins) {
  SubmitOverdueDossiers();
  HttpAnswer answer =
      Call("POST", "/api/v1/audit/verify", Bearer(kSupervisorA));
  EXPECT_EQ(answer.status, 403u);
  answer = Call("POST", "/api/v1/audit/verify", Bearer(kAuditorA));
  EXPECT_EQ(answer.status, 403u);  // the whole log: every agency's events
  answer = Call("POST", "/api/v1/audit/verify", SignIn(kAdmin));
  ASSERT_EQ(answer.status, 200u) << answer.body;
  EXPECT_EQ(answer.json()["intact"], true);
  EXPECT_EQ(answer.json()["events_checked"], absl::StrCat(Head()));
}

// Reads an event stream until `wanted` arrives, for at most 20 seconds.
std::string ReadStreamUntil(int port, const std::string& request,
                            const std::string& wanted) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                         static_cast<unsigned short>(port)));
  timeval timeout{1, 0};
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout,
             sizeof timeout);
  asio::write(socket, asio::buffer(request));
  std::string received;
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (absl::Now() < give_up && !absl::StrContains(received, wanted)) {
    char chunk[4096];
    const ssize_t got = ::recv(socket.native_handle(), chunk, sizeof chunk, 0);
    if (got == 0) break;
    if (got > 0) received.append(chunk, got);
  }
  return received;
}

TEST_F(ConsoleApiTest, EventsStreamAsServerSentEventsOfTheCallersAgencies) {
  SubmitOverdueDossiers();
  const std::string cookie = SignIn(kSupervisorA).substr(7);
  std::string events;
  std::thread reader([&] {
    events = ReadStreamUntil(
        console_->port(),
        absl::StrCat("GET /api/v1/events?after_sequence=", Head(),
                     " HTTP/1.1\r\nHost: x\r\nCookie: ", cookie, "\r\n\r\n"),
        "A-3");
  });
  // Submitted once the stream waits, and before: either way it arrives.
  Submit(kIntakeB, "B-2", kAgencyB);
  Submit(kIntakeA, "A-3", kAgencyA);
  reader.join();
  EXPECT_THAT(events, HasSubstr("text/event-stream"));
  EXPECT_THAT(events, HasSubstr("\"dossier_code\":\"A-3\""));
  EXPECT_THAT(events, Not(HasSubstr("B-2")));
  EXPECT_THAT(events, Not(HasSubstr("\"A-1\"")));  // before after_sequence

  // Refused as WatchEvents refuses.
  const HttpAnswer refused =
      Call("GET", absl::StrCat("/api/v1/events?agency=", kAgencyB),
           Bearer(kSupervisorA));
  EXPECT_EQ(refused.status, 403u);
  EXPECT_EQ(
      Call("GET", "/api/v1/events?types=no_such_type", Bearer(kSupervisorA))
          .status,
      400u);
}

// With the gRPC listener's certificate: HTTPS only, and the session cookie
// is Secure.
TEST_F(ConsoleApiTest, UnderTlsTheConsoleSpeaksHttpsAndTheCookieIsSecure) {
  const std::string cert = directory_.File("cert.pem");
  const std::string key = directory_.File("key.pem");
  ASSERT_EQ(std::system(absl::StrCat(
                            "openssl req -x509 -newkey ec -pkeyopt "
                            "ec_paramgen_curve:prime256v1 -nodes -days 1 -subj "
                            "/CN=127.0.0.1 -keyout ",
                            key, " -out ", cert, " 2>/dev/null")
                            .c_str()),
            0);
  ConsoleOptions options;
  options.listen = "127.0.0.1:0";
  options.cert_file = cert;
  options.key_file = key;
  absl::StatusOr<std::unique_ptr<Console>> tls_console =
      Console::Start(options, server_->context());
  ASSERT_TRUE(tls_console.ok()) << tls_console.status();
  const unsigned short port =
      static_cast<unsigned short>((*tls_console)->port());

  asio::io_context io;
  asio::ssl::context client(asio::ssl::context::tls_client);
  client.set_verify_mode(asio::ssl::verify_none);
  beast::ssl_stream<beast::tcp_stream> stream(io, client);
  beast::get_lowest_layer(stream).connect(
      asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  stream.handshake(asio::ssl::stream_base::client);
  http::request<http::string_body> request(http::verb::post, "/api/v1/session",
                                           11);
  request.set(http::field::host, "127.0.0.1");
  request.body() = R"({"token": "token-supervisor-a"})";
  request.prepare_payload();
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  EXPECT_EQ(response.result_int(), 200u) << response.body();
  EXPECT_THAT(std::string(response[http::field::set_cookie]),
              HasSubstr("; Secure"));

  // Plain HTTP gets no answer from the TLS port.
  asio::ip::tcp::socket plain(io);
  plain.connect(
      asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  asio::write(plain, asio::buffer(std::string(
                         "GET /api/v1/session HTTP/1.1\r\nHost: x\r\n\r\n")));
  beast::error_code error;
  char reply[64];
  const size_t got = plain.read_some(asio::buffer(reply), error);
  EXPECT_FALSE(got > 0 &&
               absl::StartsWith(absl::string_view(reply, got), "HTTP/1.1 "));

  options.cert_file = directory_.File("missing.pem");
  absl::StatusOr<std::unique_ptr<Console>> refused =
      Console::Start(options, server_->context());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("tls.cert_file"));
}

}  // namespace
}  // namespace motcua::console
