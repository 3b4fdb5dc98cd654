#ifndef MOTCUA_TESTS_TESTING_TEST_SERVER_H_
#define MOTCUA_TESTS_TESTING_TEST_SERVER_H_

// The real server for the tests that talk to it over gRPC: motcuad's
// Server (services/server) on 127.0.0.1:0, in a temporary data directory,
// with the shipped rules, a tokens file for the test's callers and a fake
// clock. A test's fixture derives from ServerFixture, changes config_ if it
// needs to, and calls StartServer.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "gtest/gtest.h"
#include "motcua/v1/service.grpc.pb.h"
#include "services/access/access.h"
#include "services/config/server_config.h"
#include "services/server/server.h"
#include "tests/testing/temp_dir.h"

namespace motcua::test_support {

// Who calls: a token in the tokens file, with its role and agencies ("*":
// every agency).
struct Caller {
  std::string name;
  std::string role;
  std::vector<std::string> agencies;
  std::string token;
};

// The callers of the server tests: an admin of every agency, and the roles
// of two ward agencies, A and B, each for its own agency only.
inline constexpr char kAgencyA[] = "ubnd-phuong-ben-nghe";
inline constexpr char kAgencyB[] = "ubnd-phuong-tan-dinh";
inline const Caller kAdmin{"admin.so", "admin", {"*"}, "token-admin"};
inline const Caller kIntakeA{
    "intake.ben-nghe", "intake", {kAgencyA}, "token-intake-a"};
inline const Caller kOfficerA{
    "officer.ben-nghe", "officer", {kAgencyA}, "token-officer-a"};
inline const Caller kSupervisorA{
    "supervisor.ben-nghe", "supervisor", {kAgencyA}, "token-supervisor-a"};
inline const Caller kAuditorA{
    "auditor.ben-nghe", "auditor", {kAgencyA}, "token-auditor-a"};
inline const Caller kIntakeB{
    "intake.tan-dinh", "intake", {kAgencyB}, "token-intake-b"};
inline const Caller kOfficerB{
    "officer.tan-dinh", "officer", {kAgencyB}, "token-officer-b"};
inline const Caller kSupervisorB{
    "supervisor.tan-dinh", "supervisor", {kAgencyB}, "token-supervisor-b"};
inline const Caller kAuditorB{
    "auditor.tan-dinh", "auditor", {kAgencyB}, "token-auditor-b"};

// The text of a tokens file (services/access) for `callers`.
inline std::string TokensFileText(const std::vector<Caller>& callers) {
  std::string text = "tokens:\n";
  for (const Caller& caller : callers) {
    absl::StrAppend(&text, "  - name: ", caller.name, "\n",
                    "    sha256: ", access::HashToken(caller.token), "\n",
                    "    role: ", caller.role, "\n", "    agencies: [");
    for (size_t i = 0; i < caller.agencies.size(); ++i) {
      absl::StrAppend(&text, i > 0 ? ", " : "", "\"", caller.agencies[i], "\"");
    }
    absl::StrAppend(&text, "]\n");
  }
  return text;
}

// A context for `caller`'s call: its bearer token, and a deadline that ends
// a call the server never answers.
inline std::unique_ptr<grpc::ClientContext> ContextAs(const Caller& caller) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization", absl::StrCat("Bearer ", caller.token));
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(20));
  return context;
}

class ServerFixture : public ::testing::Test {
 protected:
  // The clock starts at `now`; the tokens file names `callers`. config_
  // listens on 127.0.0.1:0 with the data in a directory of its own, the
  // rules of rules/, and no deadline scheduler (versions and counts stay
  // exact; a test that wants it turns it on).
  ServerFixture(absl::Time now, std::vector<Caller> callers)
      : clock_(now), callers_(std::move(callers)) {
    const std::string tokens = directory_.File("tokens.yaml");
    std::ofstream(tokens) << TokensFileText(callers_);
    const char* source = std::getenv("MOTCUA_SOURCE_DIR");
    if (source == nullptr) {
      ADD_FAILURE() << "MOTCUA_SOURCE_DIR is not set (run the test with ctest)";
    }
    config_.listen = "127.0.0.1:0";
    config_.data_dir = directory_.File("data");
    config_.rules_dir = absl::StrCat(source == nullptr ? "" : source, "/rules");
    config_.tokens_file = tokens;
    config_.deadline_scheduler = false;
  }
  // The server stops before its directory is removed.
  ~ServerFixture() override { StopServer(); }

  // Starts the server with config_ and connects the stubs to it; a fatal
  // test failure when it does not start (check with ASSERT_NO_FATAL_FAILURE
  // where it matters).
  void StartServer() {
    absl::StatusOr<std::unique_ptr<server::Server>> server =
        server::Server::Start(config_, &clock_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
    dossiers_ = v1::Dossiers::NewStub(channel_);
    supervision_ = v1::Supervision::NewStub(channel_);
    audit_ = v1::Audit::NewStub(channel_);
    admin_ = v1::Admin::NewStub(channel_);
  }

  // Stops the server (a later StartServer opens the same data again).
  void StopServer() {
    dossiers_.reset();
    supervision_.reset();
    audit_.reset();
    admin_.reset();
    channel_.reset();
    server_.reset();
  }

  static std::unique_ptr<grpc::ClientContext> As(const Caller& caller) {
    return ContextAs(caller);
  }

  const std::vector<Caller>& callers() const { return callers_; }

  TempDir directory_;  // first: removed after everything below
  FakeClock clock_;
  config::ServerConfig config_;
  std::unique_ptr<server::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Dossiers::Stub> dossiers_;
  std::unique_ptr<v1::Supervision::Stub> supervision_;
  std::unique_ptr<v1::Audit::Stub> audit_;
  std::unique_ptr<v1::Admin::Stub> admin_;

 private:
  std::vector<Caller> callers_;
};

}  // namespace motcua::test_support

#endif  // MOTCUA_TESTS_TESTING_TEST_SERVER_H_
