// Signed checkpoints and a damaged log, on the real server (127.0.0.1:0, a
// temporary data directory, the shipped rules, a fake clock), with the
// database damaged between runs as someone with the file would.
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "motcua/v1/service.grpc.pb.h"
#include "services/checkpoint/checkpoint.h"
#include "tests/testing/http_get.h"
#include "tests/testing/rewrite_log.h"
#include "tests/testing/test_server.h"

namespace motcua::server {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;

const absl::TimeZone kVietnam = absl::FixedTimeZone(7 * 3600);
constexpr char kAgency[] = "ubnd-phuong-ben-nghe";
constexpr char kProcedure[] = "local.dang-ky-bien-dong-dat-dai";

using test_support::HttpGet;

class LogDamageTest : public test_support::ServerFixture {
 protected:
  LogDamageTest()
      : ServerFixture(
            absl::FromCivil(absl::CivilMinute(2025, 9, 8, 9, 0), kVietnam),
            {}) {
    // Development mode: the server mints its token (Context()).
    config_.tokens_file.clear();
    config_.metrics_listen = "127.0.0.1:0";
    config_.checkpoint_interval = absl::Minutes(10);
  }

  void Start() {
    StopServer();
    StartServer();
  }

  std::unique_ptr<grpc::ClientContext> Context() const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("authorization",
                         absl::StrCat("Bearer ", server_->development_token()));
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(20));
    return context;
  }

  grpc::Status Submit(const std::string& code) {
    v1::SubmitRequest request;
    request.set_dossier_code(code);
    request.set_procedure_code(kProcedure);
    request.set_agency(kAgency);
    request.set_channel(v1::CHANNEL_ONLINE);
    *request.mutable_received_at() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(clock_.Now()));
    request.set_summary("log damage test");
    v1::CommandReply reply;
    return dossiers_->Submit(Context().get(), request, &reply);
  }

  int64_t Head() {
    v1::VerifyReply reply;
    EXPECT_TRUE(
        audit_->VerifyLog(Context().get(), v1::VerifyRequest(), &reply).ok());
    return reply.head_sequence();
  }

  // Writes bytes that are no event payload into event `sequence`, with the
  // server stopped.
  void GarbleEvent(int64_t sequence) {
    StopServer();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(server_database().c_str(), &db), SQLITE_OK);
    const std::string sql = absl::StrCat(
        "UPDATE events SET payload = x'ffffffff' WHERE sequence = ", sequence);
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_changes(db), 1);
    sqlite3_close(db);
  }

  std::string server_database() const {
    return (std::filesystem::path(config_.data_dir) / "motcua.db").string();
  }
};

TEST_F(LogDamageTest, WatchEventsDeliversTheIntactEventsThenDataLoss) {
  Start();
  for (int i = 1; i <= 4; ++i) {
    ASSERT_TRUE(Submit(absl::StrCat("HS-", i)).ok());
  }
  const int64_t head = Head();
  ASSERT_GE(head, 4);
  const int64_t damaged = 3;
  GarbleEvent(damaged);
  Start();

  v1::WatchRequest request;
  auto context = Context();
  std::unique_ptr<grpc::ClientReader<v1::Event>> stream =
      supervision_->WatchEvents(context.get(), request);
  std::vector<int64_t> received;
  v1::Event event;
  while (stream->Read(&event)) received.push_back(event.sequence());
  const grpc::Status status = stream->Finish();
  EXPECT_EQ(received, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DATA_LOSS)
      << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("event 3"));
  EXPECT_THAT(status.error_message(), HasSubstr("retrying does not help"));

  // ReadEvents: the intact events first, then DATA_LOSS at the damage.
  v1::ReadEventsRequest read;
  read.set_limit(100);
  v1::ReadEventsReply reply;
  const grpc::Status prefix = audit_->ReadEvents(Context().get(), read, &reply);
  ASSERT_TRUE(prefix.ok()) << prefix.error_code() << " "
                           << prefix.error_message();
  ASSERT_EQ(reply.events_size(), 2);
  EXPECT_EQ(reply.last_sequence_read(), 2);
  read.set_after_sequence(2);
  const grpc::Status at_damage =
      audit_->ReadEvents(Context().get(), read, &reply);
  EXPECT_EQ(at_damage.error_code(), grpc::StatusCode::DATA_LOSS);
  EXPECT_THAT(at_damage.error_message(), HasSubstr("event 3"));
}

TEST_F(LogDamageTest, ServerOnADamagedLogRefusesWritesAndSaysSo) {
  Start();
  ASSERT_TRUE(Submit("HS-1").ok());
  ASSERT_TRUE(Submit("HS-2").ok());
  const int64_t head = Head();
  GarbleEvent(2);
  Start();

  EXPECT_THAT(server_->log_damage(), HasSubstr("event 2"));
  const grpc::Status refused = Submit("HS-3");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::DATA_LOSS)
      << refused.error_message();
  EXPECT_THAT(refused.error_message(), HasSubstr("damaged"));
  EXPECT_EQ(Head(), head) << "nothing may be appended after the damage";
  // Reads still work, so that an auditor can look.
  v1::GetRequest get;
  get.set_dossier_code("HS-1");
  v1::Dossier dossier;
  EXPECT_TRUE(dossiers_->Get(Context().get(), get, &dossier).ok());

  const std::string health = HttpGet(server_->metrics_port(), "/healthz");
  EXPECT_THAT(health, HasSubstr("503"));
  EXPECT_THAT(health, HasSubstr("log damaged, not serving writes"));
  EXPECT_THAT(HttpGet(server_->metrics_port(), "/metrics"),
              HasSubstr("motcua_log_damaged 1"));
  // No checkpoint vouches for a damaged log.
  v1::CheckpointReply checkpoint;
  EXPECT_EQ(audit_
                ->SignCheckpoint(Context().get(), v1::SignCheckpointRequest(),
                                 &checkpoint)
                .error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(LogDamageTest, AHealthyServerSaysOk) {
  Start();
  ASSERT_TRUE(Submit("HS-1").ok());
  EXPECT_TRUE(server_->log_damage().empty());
  EXPECT_THAT(HttpGet(server_->metrics_port(), "/healthz"), HasSubstr("200"));
  EXPECT_THAT(HttpGet(server_->metrics_port(), "/metrics"),
              HasSubstr("motcua_log_damaged 0"));
}

TEST_F(LogDamageTest, CheckpointsAreSignedOnTheClockAndPublished) {
  Start();
  ASSERT_TRUE(Submit("HS-1").ok());
  // Not yet due on the server's clock.
  absl::StatusOr<std::optional<checkpoint::Checkpoint>> early =
      server_->checkpointer()->SignIfDue();
  ASSERT_TRUE(early.ok()) << early.status();
  EXPECT_FALSE(early->has_value());
  v1::CheckpointReply none;
  EXPECT_EQ(
      audit_->GetCheckpoint(Context().get(), v1::GetCheckpointRequest(), &none)
          .error_code(),
      grpc::StatusCode::NOT_FOUND);

  clock_.Advance(absl::Minutes(10));
  absl::StatusOr<std::optional<checkpoint::Checkpoint>> due =
      server_->checkpointer()->SignIfDue();
  ASSERT_TRUE(due.ok()) << due.status();
  ASSERT_TRUE(due->has_value());
  const int64_t head = Head();
  EXPECT_EQ((*due)->sequence, head);
  EXPECT_EQ((*due)->time,
            absl::FromUnixSeconds(absl::ToUnixSeconds(clock_.Now())));
  EXPECT_TRUE(server_->checkpointer()->public_key().Verify(**due).ok());

  // Published: a file in the directory, the Audit API, the metrics.
  const std::filesystem::path directory =
      std::filesystem::path(config_.data_dir) / "checkpoints";
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    files.push_back(entry.path().string());
  }
  ASSERT_EQ(files.size(), 1u);
  std::ifstream in(files[0]);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), checkpoint::Format(**due));
  v1::CheckpointReply latest;
  ASSERT_TRUE(
      audit_
          ->GetCheckpoint(Context().get(), v1::GetCheckpointRequest(), &latest)
          .ok());
  EXPECT_EQ(latest.text(), text.str());
  EXPECT_EQ(latest.sequence(), head);
  EXPECT_THAT(HttpGet(server_->metrics_port(), "/metrics"),
              HasSubstr(absl::StrCat("motcua_checkpoint_sequence ", head)));

  // A log that has not grown gets no new checkpoint at the next interval.
  clock_.Advance(absl::Minutes(10));
  absl::StatusOr<std::optional<checkpoint::Checkpoint>> same =
      server_->checkpointer()->SignIfDue();
  ASSERT_TRUE(same.ok());
  EXPECT_FALSE(same->has_value());
  // On demand, at once.
  ASSERT_TRUE(Submit("HS-2").ok());
  v1::CheckpointReply now;
  ASSERT_TRUE(
      audit_->SignCheckpoint(Context().get(), v1::SignCheckpointRequest(), &now)
          .ok());
  EXPECT_EQ(now.sequence(), Head());
  absl::StatusOr<checkpoint::Checkpoint> parsed =
      checkpoint::Parse(now.text(), "reply");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(server_->checkpointer()->public_key().Verify(*parsed).ok());
}

TEST_F(LogDamageTest, ARewriteBeforeTheLastCheckpointStopsWritesAtStart) {
  Start();
  ASSERT_TRUE(Submit("HS-1").ok());
  ASSERT_TRUE(Submit("HS-2").ok());
  v1::CheckpointReply checkpoint;
  ASSERT_TRUE(audit_
                  ->SignCheckpoint(Context().get(), v1::SignCheckpointRequest(),
                                   &checkpoint)
                  .ok());
  ASSERT_TRUE(Submit("HS-3").ok());
  StopServer();
  // Every hash recomputed: the chain alone no longer tells.
  ASSERT_TRUE(motcua_test::RewriteEventAndRechain(server_database(), 1,
                                                  "someone.else"));
  Start();
  EXPECT_THAT(server_->log_damage(),
              HasSubstr("no longer extends the last checkpoint"));
  EXPECT_EQ(Submit("HS-4").error_code(), grpc::StatusCode::DATA_LOSS);
  v1::VerifyReply verify;
  ASSERT_TRUE(
      audit_->VerifyLog(Context().get(), v1::VerifyRequest(), &verify).ok());
  EXPECT_TRUE(verify.intact()) << "the rewrite recomputed every hash";
}

}  // namespace
}  // namespace motcua::server
