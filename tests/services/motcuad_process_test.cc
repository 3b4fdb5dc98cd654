// The motcuad binary as an operator runs it: started on port 0 with a
// configuration file, reloaded with SIGHUP, stopped with SIGTERM while
// commands are in flight.
#include <fcntl.h>
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
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
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "motcua/v1/service.grpc.pb.h"
#include "tests/testing/daemon.h"
#include "tests/testing/temp_dir.h"

namespace motcua {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  return test_support::ReadWholeFile(path);
}

using test_support::Daemon;

class MotcuadProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::copy(absl::StrCat(std::getenv("MOTCUA_SOURCE_DIR"), "/rules"),
             directory_ / "rules", fs::copy_options::recursive);
    config_ = directory_ / "motcuad.yaml";
    std::ofstream(config_) << "listen: 127.0.0.1:0\n"
                              "data_dir: data\n"
                              "rules_dir: rules\n"
                              "log_level: warn\n";
  }
  std::unique_ptr<grpc::ClientContext> Context() {
    auto context = std::make_unique<grpc::ClientContext>();
    std::string token = ReadFile(directory_ / "data" / "dev-token");
    absl::StripTrailingAsciiWhitespace(&token);
    context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(20));
    return context;
  }

  test_support::TempDir temp_;
  const fs::path& directory_ = temp_.path();
  fs::path config_;
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

TEST_F(MotcuadProcessTest, SighupReloadsRulesAndRefusesBrokenOnes) {
  Daemon daemon({"--config", config_.string()}, directory_);
  ASSERT_GT(daemon.port(), 0) << daemon.errors();
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", daemon.port()),
                                     grpc::InsecureChannelCredentials());
  auto admin = v1::Admin::NewStub(channel);
  v1::GetRulesReply before;
  ASSERT_TRUE(admin->GetRules(Context().get(), {}, &before).ok());

  // A broken file: SIGHUP keeps the running rules.
  std::ofstream(directory_ / "rules" / "calendars" / "broken.yaml")
      << "kind: calender\n";
  daemon.Signal(SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  v1::GetRulesReply after;
  ASSERT_TRUE(admin->GetRules(Context().get(), {}, &after).ok());
  EXPECT_EQ(after.version(), before.version());

  // A valid change: SIGHUP puts it in force.
  fs::remove(directory_ / "rules" / "calendars" / "broken.yaml");
  std::ofstream(directory_ / "rules" / "ladders" / "standard.yaml",
                std::ios::app)
      << "# reviewed\n";
  daemon.Signal(SIGHUP);
  for (int i = 0; i < 300 && after.version() == before.version(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_TRUE(admin->GetRules(Context().get(), {}, &after).ok());
  }
  EXPECT_NE(after.version(), before.version());

  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.Wait(), 0);
}

TEST_F(MotcuadProcessTest, SigtermDrainsCommandsInFlight) {
  std::vector<std::string> acknowledged;
  {
    Daemon daemon({"--config", config_.string()}, directory_);
    ASSERT_GT(daemon.port(), 0) << daemon.errors();
    auto channel =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", daemon.port()),
                            grpc::InsecureChannelCredentials());
    absl::Mutex mu;
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int client = 0; client < 4; ++client) {
      clients.emplace_back([&, client] {
        auto dossiers = v1::Dossiers::NewStub(channel);
        for (int i = 0; !stop.load(); ++i) {
          const std::string code = absl::StrCat("T-", client, "-", i);
          v1::CommandReply reply;
          if (dossiers->Submit(Context().get(), Submission(code), &reply)
                  .ok()) {
            absl::MutexLock lock(&mu);
            acknowledged.push_back(code);
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    daemon.Signal(SIGTERM);
    EXPECT_EQ(daemon.Wait(), 0);
    stop = true;
    for (std::thread& thread : clients) thread.join();
  }
  ASSERT_FALSE(acknowledged.empty());

  // Every acknowledged submission is there after a restart.
  Daemon again({"--config", config_.string()}, directory_);
  ASSERT_GT(again.port(), 0) << again.errors();
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", again.port()),
                                     grpc::InsecureChannelCredentials());
  auto dossiers = v1::Dossiers::NewStub(channel);
  for (const std::string& code : acknowledged) {
    v1::GetRequest get;
    get.set_dossier_code(code);
    v1::Dossier dossier;
    grpc::Status status = dossiers->Get(Context().get(), get, &dossier);
    ASSERT_TRUE(status.ok()) << code << ": " << status.error_message();
  }
  again.Signal(SIGTERM);
  EXPECT_EQ(again.Wait(), 0);
}

}  // namespace
}  // namespace motcua
