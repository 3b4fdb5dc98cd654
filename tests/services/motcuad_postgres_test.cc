// The motcuad binary on PostgreSQL (`store: postgres`): started with
// --postgres-url on the test cluster's database of its own, driven through
// gRPC (submit, act, read, list, the log, its verification), stopped, and
// started again from a configuration file that names the same database.
#include <fcntl.h>
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "motcua/v1/service.grpc.pb.h"
#include "tests/testing/daemon.h"
#include "tests/testing/postgres.h"
#include "tests/testing/temp_dir.h"

namespace motcua {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  return test_support::ReadWholeFile(path);
}

using test_support::Daemon;

class MotcuadPostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::copy(absl::StrCat(std::getenv("MOTCUA_SOURCE_DIR"), "/rules"),
             directory_.File("rules"), fs::copy_options::recursive);
    absl::StatusOr<std::string> url =
        test_support::PostgresDatabase(directory_.File(""));
    ASSERT_TRUE(url.ok()) << url.status();
    url_ = *url;
  }

  std::unique_ptr<grpc::ClientContext> Context() {
    auto context = std::make_unique<grpc::ClientContext>();
    std::string token = ReadFile(directory_.File("data/dev-token"));
    absl::StripTrailingAsciiWhitespace(&token);
    context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(20));
    return context;
  }

  test_support::TempDir directory_;
  std::string url_;
};

v1::SubmitRequest Submission(const std::string& code) {
  v1::SubmitRequest request;
  request.set_dossier_code(code);
  request.set_procedure_code("local.doanh-nghiep");
  request.set_agency("so-ke-hoach-dau-tu");
  request.set_channel(v1::CHANNEL_IN_PERSON);
  *request.mutable_received_at() =
      google::protobuf::util::TimeUtil::GetCurrentTime();
  return request;
}

TEST_F(MotcuadPostgresTest, ServesCommandsAndReadsFromPostgresAcrossRestarts) {
  {
    Daemon daemon({"--listen", "127.0.0.1:0", "--data-dir",
                   directory_.File("data"), "--rules", directory_.File("rules"),
                   "--log-level", "warn", "--postgres-url", url_},
                  fs::path(directory_.File("")));
    ASSERT_GT(daemon.port(), 0) << daemon.errors();
    auto channel =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", daemon.port()),
                            grpc::InsecureChannelCredentials());
    auto dossiers = v1::Dossiers::NewStub(channel);

    v1::CommandReply submitted;
    v1::SubmitRequest submission = Submission("PG-1");
    submission.mutable_options()->set_request_id("submit-pg-1");
    grpc::Status status =
        dossiers->Submit(Context().get(), submission, &submitted);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(submitted.dossier().version(), 1);
    // A retry is answered once, from the database.
    v1::CommandReply retried;
    ASSERT_TRUE(dossiers->Submit(Context().get(), submission, &retried).ok());
    EXPECT_TRUE(retried.repeated());

    v1::ActRequest resolve;
    resolve.set_dossier_code("PG-1");
    resolve.mutable_options()->set_expected_version(1);
    resolve.mutable_resolve();
    v1::CommandReply acted;
    status = dossiers->Act(Context().get(), resolve, &acted);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(acted.dossier().version(), 2);
    EXPECT_EQ(acted.dossier().state(), v1::DOSSIER_STATE_RESOLVED);
    // The same expected version again is stale.
    EXPECT_EQ(dossiers->Act(Context().get(), resolve, &acted).error_code(),
              grpc::StatusCode::ABORTED);

    ASSERT_TRUE(
        dossiers->Submit(Context().get(), Submission("PG-2"), &submitted).ok());
    EXPECT_EQ(daemon.Stop(), 0);
  }

  // Again, from a configuration file naming the same database.
  std::ofstream(directory_.File("motcuad.yaml")) << "listen: 127.0.0.1:0\n"
                                                    "data_dir: data\n"
                                                    "rules_dir: rules\n"
                                                    "log_level: warn\n"
                                                    "store: postgres\n"
                                                    "postgres_url: "
                                                 << url_ << "\n";
  Daemon daemon({"--config", directory_.File("motcuad.yaml")},
                fs::path(directory_.File("")));
  ASSERT_GT(daemon.port(), 0) << daemon.errors();
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", daemon.port()),
                                     grpc::InsecureChannelCredentials());
  auto dossiers = v1::Dossiers::NewStub(channel);
  v1::GetRequest get;
  get.set_dossier_code("PG-1");
  v1::Dossier dossier;
  grpc::Status status = dossiers->Get(Context().get(), get, &dossier);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(dossier.version(), 2);
  EXPECT_EQ(dossier.state(), v1::DOSSIER_STATE_RESOLVED);

  v1::ListRequest list;
  list.set_agency("so-ke-hoach-dau-tu");
  v1::ListReply listed;
  ASSERT_TRUE(dossiers->List(Context().get(), list, &listed).ok());
  ASSERT_EQ(listed.dossiers_size(), 2);
  EXPECT_EQ(listed.dossiers(0).code(), "PG-1");
  EXPECT_EQ(listed.dossiers(1).code(), "PG-2");

  auto audit = v1::Audit::NewStub(channel);
  v1::ReadEventsRequest read;
  read.set_after_sequence(0);
  v1::ReadEventsReply events;
  status = audit->ReadEvents(Context().get(), read, &events);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(events.events_size(), 3);
  v1::VerifyReply verified;
  status = audit->VerifyLog(Context().get(), {}, &verified);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(verified.intact()) << verified.problem();
  EXPECT_EQ(verified.events_checked(), 3);
  EXPECT_EQ(verified.head_sequence(), 3);
  EXPECT_EQ(daemon.Stop(), 0);
}

}  // namespace
}  // namespace motcua
