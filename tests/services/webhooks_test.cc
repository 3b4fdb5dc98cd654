// Webhooks against a local HTTP receiver: the real server (services/server)
// on 127.0.0.1:0 with a temporary data directory, submitting through the
// gRPC API, and a local receiver (tests/testing/webhook_receiver.h) that
// refuses the first requests.
#include "services/webhooks/webhooks.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "motcua/v1/service.grpc.pb.h"
#include "services/checkpoint/checkpoint.h"
#include "services/server/server.h"
#include "tests/testing/test_server.h"
#include "tests/testing/webhook_receiver.h"

namespace motcua::webhooks {
namespace {

using test_support::WebhookReceiver;
using test_support::WebhookRequest;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::Not;

const absl::TimeZone kVietnam = absl::FixedTimeZone(7 * 3600);
constexpr char kAgencyA[] = "ubnd-phuong-ben-nghe";
constexpr char kAgencyB[] = "ubnd-phuong-tan-dinh";
constexpr char kLandProcedure[] = "local.dang-ky-bien-dong-dat-dai";
// Waits for delivery (never for a deadline) give up after this long.
constexpr absl::Duration kDeliveryTimeout = absl::Seconds(30);

absl::Time MondayMorning() {
  return absl::FromCivil(absl::CivilMinute(2025, 9, 8, 9, 0), kVietnam);
}

// The events of a webhook body, as the receiver would read them.
struct DeliveredEvent {
  int64_t sequence = 0;
  std::string type;
  std::string agency;
  std::string dossier_code;
};

struct Body {
  std::string webhook;
  std::vector<DeliveredEvent> events;
};

Body ParseBody(const std::string& json) {
  google::protobuf::Struct document;
  const auto parsed =
      google::protobuf::util::JsonStringToMessage(json, &document);
  EXPECT_TRUE(parsed.ok()) << json;
  Body body;
  body.webhook = document.fields().at("webhook").string_value();
  for (const google::protobuf::Value& value :
       document.fields().at("events").list_value().values()) {
    const auto& fields = value.struct_value().fields();
    DeliveredEvent event;
    // Proto JSON prints 64-bit integers as strings.
    EXPECT_TRUE(absl::SimpleAtoi(fields.at("sequence").string_value(),
                                 &event.sequence));
    event.type = fields.at("type").string_value();
    event.agency = fields.at("agency").string_value();
    event.dossier_code = fields.at("dossier_code").string_value();
    body.events.push_back(event);
  }
  return body;
}

// Polls `done` until it holds or kDeliveryTimeout passes.
template <typename Predicate>
bool Eventually(Predicate done) {
  const absl::Time until = absl::Now() + kDeliveryTimeout;
  while (absl::Now() < until) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return done();
}

// The acknowledged (200) events sent to `target`, in the order sent.
std::vector<DeliveredEvent> Acknowledged(
    const std::vector<WebhookRequest>& requests, const std::string& target) {
  std::vector<DeliveredEvent> events;
  for (const WebhookRequest& request : requests) {
    if (request.target != target || request.status != 200 ||
        request.message_header == "checkpoint") {
      continue;
    }
    for (const DeliveredEvent& event : ParseBody(request.body).events) {
      events.push_back(event);
    }
  }
  return events;
}

std::vector<int64_t> Sequences(const std::vector<DeliveredEvent>& events) {
  std::vector<int64_t> sequences;
  for (const DeliveredEvent& event : events) {
    sequences.push_back(event.sequence);
  }
  return sequences;
}

class WebhooksTest : public test_support::ServerFixture {
 protected:
  // Development mode (the server mints its token, Context()), with the
  // deadline scheduler as a deployment runs it.
  WebhooksTest() : ServerFixture(MondayMorning(), {}) {
    config_.tokens_file.clear();
    config_.deadline_scheduler = true;
  }

  static config::ServerConfig::Webhook Webhook(const std::string& name,
                                               const std::string& url) {
    config::ServerConfig::Webhook webhook;
    webhook.name = name;
    webhook.url = url;
    // Short waits keep the test quick; the doubling is the same.
    webhook.initial_backoff = std::chrono::milliseconds(10);
    webhook.max_backoff = std::chrono::milliseconds(40);
    webhook.request_timeout = std::chrono::milliseconds(5000);
    return webhook;
  }

  std::unique_ptr<grpc::ClientContext> Context() const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("authorization",
                         absl::StrCat("Bearer ", server_->development_token()));
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(20));
    return context;
  }

  // Submits a dossier; returns the sequences of the events it appended.
  std::vector<int64_t> Submit(const std::string& code,
                              const std::string& agency) {
    v1::SubmitRequest request;
    request.set_dossier_code(code);
    request.set_procedure_code(kLandProcedure);
    request.set_agency(agency);
    request.set_channel(v1::CHANNEL_ONLINE);
    *request.mutable_received_at() =
        google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
            absl::ToUnixMicros(MondayMorning()));
    request.set_summary("webhook test");
    v1::CommandReply reply;
    const grpc::Status status =
        dossiers_->Submit(Context().get(), request, &reply);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<int64_t> sequences;
    for (const v1::Event& event : reply.events()) {
      sequences.push_back(event.sequence());
    }
    return sequences;
  }

  std::vector<int64_t> HandOver(const std::string& code) {
    v1::ActRequest request;
    request.set_dossier_code(code);
    request.mutable_hand_over();
    v1::CommandReply reply;
    const grpc::Status status =
        dossiers_->Act(Context().get(), request, &reply);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<int64_t> sequences;
    for (const v1::Event& event : reply.events()) {
      EXPECT_NE(event.type(), "received");
      sequences.push_back(event.sequence());
    }
    return sequences;
  }

  bool BacklogIsEmpty(const std::string& webhook) {
    return absl::StrContains(
        server_->RenderMetrics(),
        absl::StrCat("motcua_webhook_backlog{webhook=\"", webhook, "\"} 0\n"));
  }

  std::string PositionFile(const std::string& webhook) const {
    return directory_.File(
        absl::StrCat("data/webhooks/", webhook, ".position"));
  }
};

TEST_F(WebhooksTest, DeliversAfterFailuresAndResumesAfterRestart) {
  WebhookReceiver receiver(/*failures=*/3);
  config_.webhooks.push_back(Webhook("all", receiver.Url("/hooks/all")));
  config::ServerConfig::Webhook receipts_b =
      Webhook("receipts-b", receiver.Url("/hooks/receipts-b?from=motcua"));
  receipts_b.types = {"received"};
  receipts_b.agency = kAgencyB;
  receipts_b.max_batch = 1;
  config_.webhooks.push_back(receipts_b);
  StartServer();

  std::vector<int64_t> all;
  std::vector<int64_t> b_receipts;
  auto add = [](std::vector<int64_t>& to, const std::vector<int64_t>& from) {
    to.insert(to.end(), from.begin(), from.end());
  };
  add(all, Submit("HS-1", kAgencyA));
  std::vector<int64_t> b1 = Submit("HS-2", kAgencyB);
  add(all, b1);
  add(b_receipts, b1);
  add(all, HandOver("HS-2"));  // agency B, but not a receipt
  std::vector<int64_t> b2 = Submit("HS-3", kAgencyB);
  add(all, b2);
  add(b_receipts, b2);
  add(all, Submit("HS-4", kAgencyA));
  ASSERT_EQ(b_receipts.size(), 2u);

  ASSERT_TRUE(Eventually([&] {
    return Acknowledged(receiver.requests(), "/hooks/all").size() >=
               all.size() &&
           Acknowledged(receiver.requests(), "/hooks/receipts-b?from=motcua")
                   .size() >= b_receipts.size() &&
           BacklogIsEmpty("all") && BacklogIsEmpty("receipts-b");
  })) << server_->RenderMetrics();

  const std::vector<WebhookRequest> requests = receiver.requests();
  // The first three were refused and sent again: every refused event was
  // delivered afterwards, in log order, each exactly once here (nothing was
  // lost and no acknowledged batch was repeated).
  ASSERT_GE(requests.size(), 5u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(requests[i].status, 503);
  EXPECT_THAT(Sequences(Acknowledged(requests, "/hooks/all")),
              ElementsAreArray(all));
  const std::vector<DeliveredEvent> filtered =
      Acknowledged(requests, "/hooks/receipts-b?from=motcua");
  EXPECT_THAT(Sequences(filtered), ElementsAreArray(b_receipts));
  for (const DeliveredEvent& event : filtered) {
    EXPECT_EQ(event.type, "received");
    EXPECT_EQ(event.agency, kAgencyB);
  }
  for (const WebhookRequest& request : requests) {
    EXPECT_EQ(request.content_type, "application/json");
    const Body body = ParseBody(request.body);
    ASSERT_FALSE(body.events.empty());
    EXPECT_EQ(body.webhook,
              request.target == "/hooks/all" ? "all" : "receipts-b");
    if (request.target == "/hooks/all") {
      // The last sequence a batch covers; for the filtered webhook it may
      // be beyond its last event.
      EXPECT_EQ(request.last_sequence_header,
                absl::StrCat(body.events.back().sequence));
    }
  }
  const std::string metrics = server_->RenderMetrics();
  EXPECT_THAT(metrics, HasSubstr("# TYPE motcua_webhook_failures_total "
                                 "counter"));
  EXPECT_THAT(metrics,
              HasSubstr("motcua_webhook_failures_total{webhook=\"all\"}"));

  // Restart: the positions were kept, so nothing already acknowledged is
  // sent again, and new events follow.
  StopServer();
  absl::StatusOr<int64_t> saved = ReadPosition(PositionFile("all"));
  ASSERT_TRUE(saved.ok()) << saved.status();
  EXPECT_EQ(*saved, all.back());
  const size_t before_restart = receiver.requests().size();
  receiver.FailNext(1);
  StartServer();
  const std::vector<int64_t> more = Submit("HS-5", kAgencyB);
  ASSERT_EQ(more.size(), 1u);
  ASSERT_TRUE(Eventually([&] {
    const std::vector<WebhookRequest> now = receiver.requests();
    const std::vector<WebhookRequest> after(now.begin() + before_restart,
                                            now.end());
    return Acknowledged(after, "/hooks/all").size() >= 1 &&
           Acknowledged(after, "/hooks/receipts-b?from=motcua").size() >= 1;
  }));
  const std::vector<WebhookRequest> now = receiver.requests();
  const std::vector<WebhookRequest> after(now.begin() + before_restart,
                                          now.end());
  EXPECT_THAT(Sequences(Acknowledged(after, "/hooks/all")),
              ElementsAreArray(more));
  EXPECT_THAT(Sequences(Acknowledged(after, "/hooks/receipts-b?from=motcua")),
              ElementsAreArray(more));
}

TEST_F(WebhooksTest, ShutdownInterruptsTheBackOffAndKeepsThePosition) {
  WebhookReceiver receiver(/*failures=*/1'000'000);
  config::ServerConfig::Webhook webhook =
      Webhook("down", receiver.Url("/hooks/down"));
  webhook.initial_backoff = std::chrono::seconds(60);
  webhook.max_backoff = std::chrono::seconds(60);
  config_.webhooks.push_back(webhook);
  StartServer();
  Submit("HS-1", kAgencyA);
  ASSERT_TRUE(Eventually([&] { return !receiver.requests().empty(); }));

  const absl::Time stopping = absl::Now();
  StopServer();
  EXPECT_LT(absl::Now() - stopping, absl::Seconds(10));
  // Never acknowledged: the position did not move.
  absl::StatusOr<int64_t> saved = ReadPosition(PositionFile("down"));
  ASSERT_TRUE(saved.ok()) << saved.status();
  EXPECT_EQ(*saved, 0);
}

// The webhooks start when the server takes the lead (at once without a
// lease): a position file that holds no number still stops the server at
// start, naming the file.
TEST_F(WebhooksTest, APositionFileWithoutANumberStopsTheStart) {
  std::filesystem::create_directories(config_.data_dir + "/webhooks");
  std::ofstream(config_.data_dir + "/webhooks/portal.position") << "twelve\n";
  config_.webhooks.push_back(Webhook("portal", "http://127.0.0.1:9/motcua"));
  absl::StatusOr<std::unique_ptr<server::Server>> server =
      server::Server::Start(config_, &clock_);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(server.status().message(), "portal.position"))
      << server.status();
}

TEST_F(WebhooksTest, UnreachableReceiverIsRetried) {
  // Take a free port, then close it: connections are refused.
  int port = 0;
  {
    WebhookReceiver closed(0);
    port = closed.port();
  }
  config_.webhooks.push_back(
      Webhook("refused", absl::StrCat("http://127.0.0.1:", port, "/")));
  StartServer();
  Submit("HS-1", kAgencyA);
  ASSERT_TRUE(Eventually([&] {
    return absl::StrContains(
               server_->RenderMetrics(),
               "motcua_webhook_failures_total{webhook=\"refused\"} ") &&
           !absl::StrContains(
               server_->RenderMetrics(),
               "motcua_webhook_failures_total{webhook=\"refused\"} 0\n") &&
           !absl::StrContains(
               server_->RenderMetrics(),
               "motcua_webhook_failures_total{webhook=\"refused\"} 1\n");
  })) << server_->RenderMetrics();
  // Nothing was acknowledged: the event is still owed.
  EXPECT_THAT(server_->RenderMetrics(),
              HasSubstr("motcua_webhook_backlog{webhook=\"refused\"} "));
  EXPECT_THAT(server_->RenderMetrics(),
              Not(HasSubstr("motcua_webhook_backlog{webhook=\"refused\"} "
                            "0\n")));
}

TEST_F(WebhooksTest, CorruptPositionStopsTheStart) {
  std::filesystem::create_directories(directory_.File("data/webhooks"));
  std::ofstream(PositionFile("broken")) << "not a number\n";
  config_.webhooks.push_back(Webhook("broken", "http://127.0.0.1:9/"));
  absl::StatusOr<std::unique_ptr<server::Server>> server =
      server::Server::Start(config_, &clock_);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(server.status().message(), HasSubstr("broken.position"));
}

// The checkpoint messages acknowledged at `target`, in the order sent, as
// the receiver reads them: the `checkpoint` object of each body.
std::vector<google::protobuf::Struct> AcknowledgedCheckpoints(
    const std::vector<WebhookRequest>& requests, const std::string& target) {
  std::vector<google::protobuf::Struct> checkpoints;
  for (const WebhookRequest& request : requests) {
    if (request.target != target || request.status != 200 ||
        request.message_header != "checkpoint") {
      continue;
    }
    google::protobuf::Struct document;
    EXPECT_TRUE(
        google::protobuf::util::JsonStringToMessage(request.body, &document)
            .ok())
        << request.body;
    EXPECT_EQ(document.fields().at("webhook").string_value(), "audit");
    checkpoints.push_back(document.fields().at("checkpoint").struct_value());
  }
  return checkpoints;
}

// A signed checkpoint reaches the receiver as a message of its own, after
// the events it covers; the receiver checks its signature with the public
// key the operator publishes (the PEM `motcuad checkpoint-key` prints), and
// an altered copy fails. A restart does not send it again.
TEST_F(WebhooksTest, DeliversSignedCheckpointsThatTheReceiverCanVerify) {
  WebhookReceiver receiver(/*failures=*/1);
  config_.webhooks.push_back(Webhook("audit", receiver.Url("/hooks/audit")));
  config_.checkpoint_interval = absl::ZeroDuration();  // only on demand
  config_.checkpoint_key_file = directory_.File("keys/checkpoint.key");
  StartServer();
  const std::vector<int64_t> events = Submit("HS-1", kAgencyA);
  ASSERT_FALSE(events.empty());
  std::unique_ptr<v1::Audit::Stub> audit = v1::Audit::NewStub(channel_);
  v1::CheckpointReply signed_now;
  const grpc::Status status = audit->SignCheckpoint(
      Context().get(), v1::SignCheckpointRequest(), &signed_now);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(signed_now.sequence(), events.back());

  ASSERT_TRUE(Eventually([&] {
    return AcknowledgedCheckpoints(receiver.requests(), "/hooks/audit")
               .size() == 1;
  })) << server_->RenderMetrics();
  const std::vector<WebhookRequest> requests = receiver.requests();
  // Every event the checkpoint covers was acknowledged before it.
  size_t checkpoint_at = 0;
  while (requests[checkpoint_at].message_header != "checkpoint" ||
         requests[checkpoint_at].status != 200) {
    ++checkpoint_at;
  }
  const std::vector<WebhookRequest> before(requests.begin(),
                                           requests.begin() + checkpoint_at);
  EXPECT_THAT(Sequences(Acknowledged(before, "/hooks/audit")),
              ElementsAreArray(events));
  for (const WebhookRequest& request : before) {
    if (request.status == 200) {
      EXPECT_EQ(request.message_header, "events");
    }
  }

  const google::protobuf::Struct delivered =
      AcknowledgedCheckpoints(requests, "/hooks/audit")[0];
  const std::string text = delivered.fields().at("text").string_value();
  EXPECT_EQ(text, signed_now.text());
  EXPECT_EQ(delivered.fields().at("sequence").string_value(),
            absl::StrCat(events.back()));
  absl::StatusOr<std::unique_ptr<checkpoint::SigningKey>> key =
      checkpoint::SigningKey::Load(config_.checkpoint_key_file);
  ASSERT_TRUE(key.ok()) << key.status();
  absl::StatusOr<checkpoint::PublicKey> published =
      checkpoint::PublicKey::FromText((*key)->public_key().Pem(), "published");
  ASSERT_TRUE(published.ok()) << published.status();
  absl::StatusOr<checkpoint::Checkpoint> parsed =
      checkpoint::Parse(text, "webhook");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->sequence, events.back());
  EXPECT_TRUE(published->Verify(*parsed).ok());
  checkpoint::Checkpoint altered = *parsed;
  altered.sequence += 1;
  EXPECT_EQ(published->Verify(altered).code(),
            absl::StatusCode::kPermissionDenied);

  // After a restart the acknowledged checkpoint is not sent again; the
  // next one is.
  StopServer();
  const size_t before_restart = receiver.requests().size();
  StartServer();
  const std::vector<int64_t> more = Submit("HS-2", kAgencyA);
  audit = v1::Audit::NewStub(channel_);
  ASSERT_TRUE(audit
                  ->SignCheckpoint(Context().get(), v1::SignCheckpointRequest(),
                                   &signed_now)
                  .ok());
  ASSERT_TRUE(Eventually([&] {
    const std::vector<WebhookRequest> now = receiver.requests();
    return AcknowledgedCheckpoints(std::vector<WebhookRequest>(
                                       now.begin() + before_restart, now.end()),
                                   "/hooks/audit")
               .size() >= 1;
  }));
  const std::vector<WebhookRequest> now = receiver.requests();
  const std::vector<google::protobuf::Struct> after = AcknowledgedCheckpoints(
      std::vector<WebhookRequest>(now.begin() + before_restart, now.end()),
      "/hooks/audit");
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].fields().at("sequence").string_value(),
            absl::StrCat(more.back()));
}

TEST(WebhookPositionTest, WritesAndReadsBack) {
  const test_support::TempDir directory;
  const std::string path = directory.File("x.position");
  EXPECT_EQ(*ReadPosition(path), 0);  // a new webhook starts at the start
  ASSERT_TRUE(WritePosition(path, 42).ok());
  EXPECT_EQ(*ReadPosition(path), 42);
  ASSERT_TRUE(WritePosition(path, 1234567890123).ok());
  EXPECT_EQ(*ReadPosition(path), 1234567890123);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

}  // namespace
}  // namespace motcua::webhooks
