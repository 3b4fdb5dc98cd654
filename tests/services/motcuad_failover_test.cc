// Several motcuad processes on one PostgreSQL database (the test cluster's,
// a database per test), each with its own data directory and the same
// tokens file, a leader lease of one second: the leader killed under load
// from clients that retry with the same request ids, and the leader paused
// (SIGSTOP) past its lease and resumed. Waiting for a lease is waiting for
// a real lease of the database's clock: every wait polls with a bound.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "motcua/v1/service.grpc.pb.h"
#include "services/access/access.h"
#include "store/postgres/pq.h"
#include "tests/testing/daemon.h"
#include "tests/testing/postgres.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/webhook_receiver.h"

namespace motcua {
namespace {

namespace fs = std::filesystem;
using test_support::Daemon;

// Polls `done` every 20 ms until it holds or `bound` has passed.
bool WaitUntil(const std::function<bool()>& done, absl::Duration bound) {
  const absl::Time until = absl::Now() + bound;
  while (!done()) {
    if (absl::Now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// The sequences of the events the receiver was sent, in order (checkpoint
// messages have none). The receiver answers 200 to every POST and records a
// request before answering: a sequence answered 200 is in the list.
std::vector<int64_t> Sequences(const test_support::WebhookReceiver& receiver) {
  std::vector<int64_t> sequences;
  for (const test_support::WebhookRequest& request : receiver.requests()) {
    google::protobuf::Struct document;
    const auto parsed =
        google::protobuf::util::JsonStringToMessage(request.body, &document);
    EXPECT_TRUE(parsed.ok()) << request.body;
    if (!parsed.ok() || !document.fields().contains("events")) continue;
    for (const google::protobuf::Value& event :
         document.fields().at("events").list_value().values()) {
      int64_t sequence = 0;
      EXPECT_TRUE(absl::SimpleAtoi(
          event.struct_value().fields().at("sequence").string_value(),
          &sequence));
      sequences.push_back(sequence);
    }
  }
  return sequences;
}

class MotcuadFailoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::copy(absl::StrCat(std::getenv("MOTCUA_SOURCE_DIR"), "/rules"),
             directory_.File("rules"), fs::copy_options::recursive);
    absl::StatusOr<std::string> url =
        test_support::PostgresDatabase(directory_.File(""));
    ASSERT_TRUE(url.ok()) << url.status();
    url_ = *url;
    absl::StatusOr<std::string> token = access::GenerateToken();
    ASSERT_TRUE(token.ok()) << token.status();
    token_ = *token;
    // One tokens file for every server: a follower forwards the caller's
    // token, and the leader checks it.
    std::ofstream(directory_.File("tokens.yaml"))
        << "tokens:\n  - name: failover.test\n    sha256: "
        << access::HashToken(token_)
        << "\n    role: admin\n    agencies: [\"*\"]\n";
  }

  // A motcuad on the test's database, leader lease 1 s.
  std::unique_ptr<Daemon> Start(const std::string& name,
                                const std::string& more_config = "") {
    const std::string config = directory_.File(name + ".yaml");
    std::ofstream(config) << "listen: 127.0.0.1:0\n"
                          << "data_dir: " << directory_.File("data-" + name)
                          << "\nrules_dir: " << directory_.File("rules")
                          << "\ntokens_file: " << directory_.File("tokens.yaml")
                          << "\nlog_level: info\n"
                             "store: postgres\n"
                             "postgres_url: "
                          << url_
                          << "\nleader_lease: 1s\n"
                             // Receipts from weeks ago: their thresholds are
                             // due at once.
                             "max_receipt_backdate: 100cd\n"
                          << more_config;
    auto daemon =
        std::make_unique<Daemon>(std::vector<std::string>{"--config", config},
                                 fs::path(directory_.File("")), name);
    EXPECT_GT(daemon->port(), 0) << daemon->errors();
    return daemon;
  }

  // Runs `sql` on the test's database; the first column of the first row
  // as an integer (0 when none).
  int64_t QueryInt(const std::string& sql) {
    absl::StatusOr<store::pg::Connection> connection =
        store::pg::Connection::Open(url_);
    EXPECT_TRUE(connection.ok()) << connection.status();
    if (!connection.ok()) return -1;
    absl::StatusOr<store::pg::Result> result = connection->Query(sql);
    EXPECT_TRUE(result.ok()) << result.status();
    if (!result.ok() || result->rows() == 0 || result->IsNull(0, 0)) return 0;
    return result->Int(0, 0);
  }
  // The live lease's address and epoch (empty while none is live).
  std::pair<std::string, int64_t> Leader() {
    absl::StatusOr<store::pg::Connection> connection =
        store::pg::Connection::Open(url_);
    if (!connection.ok()) return {};
    absl::StatusOr<store::pg::Result> result = connection->Query(
        "SELECT address, epoch FROM leader WHERE expires_at > now()");
    if (!result.ok() || result->rows() == 0) return {};
    return {std::string(result->Text(0, 0)), result->Int(0, 1)};
  }

  std::unique_ptr<grpc::ClientContext> Context(absl::Duration deadline) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("authorization", absl::StrCat("Bearer ", token_));
    context->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    return context;
  }
  grpc::Status Submit(const std::string& address,
                      const v1::SubmitRequest& request, v1::CommandReply* reply,
                      absl::Duration deadline = absl::Seconds(5)) {
    auto stub = v1::Dossiers::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    return stub->Submit(Context(deadline).get(), request, reply);
  }

  // `motcua audit verify --postgres URL`: its exit code and output.
  std::pair<int, std::string> AuditVerify() {
    const std::string command = absl::StrCat(
        std::getenv("MOTCUA_BINARY_DIR"),
        "/services/cli/motcua audit verify --postgres '", url_, "' 2>&1");
    FILE* pipe = popen(command.c_str(), "r");
    std::string output;
    char buffer[4096];
    while (pipe != nullptr && fgets(buffer, sizeof(buffer), pipe) != nullptr) {
      output += buffer;
    }
    const int status = pipe != nullptr ? pclose(pipe) : -1;
    return {WEXITSTATUS(status), output};
  }

  // Every event of the log, read through `address`.
  std::vector<v1::Event> ReadLog(const std::string& address) {
    auto audit = v1::Audit::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    std::vector<v1::Event> events;
    while (true) {
      v1::ReadEventsRequest request;
      request.set_after_sequence(events.empty() ? 0 : events.back().sequence());
      request.set_limit(10000);
      v1::ReadEventsReply reply;
      grpc::Status status =
          audit->ReadEvents(Context(absl::Seconds(20)).get(), request, &reply);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok() || reply.events_size() == 0) break;
      for (const v1::Event& event : reply.events()) events.push_back(event);
    }
    return events;
  }

  test_support::TempDir directory_;
  std::string url_;
  std::string token_;
};

v1::SubmitRequest Receipt(const std::string& code, absl::Duration ago) {
  v1::SubmitRequest request;
  request.set_dossier_code(code);
  request.set_procedure_code("local.doanh-nghiep");
  request.set_agency("so-tai-chinh");
  request.set_channel(v1::CHANNEL_IN_PERSON);
  *request.mutable_received_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          absl::ToUnixMicros(absl::Now() - ago));
  request.mutable_options()->set_request_id(absl::StrCat("request-", code));
  return request;
}

TEST_F(MotcuadFailoverTest,
       AFollowerTakesOverFromAKilledLeaderAndNothingIsLost) {
  std::vector<std::unique_ptr<Daemon>> servers;
  for (const char* name : {"a", "b", "c"}) {
    servers.push_back(Start(name));
    ASSERT_GT(servers.back()->port(), 0);
  }
  // The first started leads; the others learn of it at their start.
  ASSERT_TRUE(
      WaitUntil([&] { return !Leader().first.empty(); }, absl::Seconds(10)));
  const auto [first_leader, first_epoch] = Leader();
  size_t leader_index = servers.size();
  for (size_t i = 0; i < servers.size(); ++i) {
    if (servers[i]->address() == first_leader) leader_index = i;
  }
  ASSERT_LT(leader_index, servers.size()) << first_leader;

  // Clients send to every server in turn and retry an unanswered command
  // with the same request id on the next live one. Every tenth receipt is
  // backdated by five weeks: its thresholds are due at once, and the
  // leader's scheduler records them while the load goes on.
  constexpr int kClients = 4;
  constexpr int kCommandsEach = 60;
  std::atomic<size_t> dead{servers.size()};
  std::atomic<int> acknowledged{0};
  std::atomic<int> repeated{0};
  std::atomic<int64_t> killed_at_micros{0};
  std::atomic<int64_t> first_after_kill_micros{0};
  absl::Mutex mu;
  std::vector<std::string> acknowledged_codes;
  std::vector<std::string> lost;
  std::vector<std::thread> clients;
  for (int client = 0; client < kClients; ++client) {
    clients.emplace_back([&, client] {
      for (int i = 0; i < kCommandsEach; ++i) {
        const std::string code = absl::StrCat("FO-", client, "-", i);
        const v1::SubmitRequest request = Receipt(
            code, i % 10 == 0 ? absl::Hours(24 * 35) : absl::Minutes(1));
        const absl::Time give_up = absl::Now() + absl::Seconds(60);
        size_t next = static_cast<size_t>(client + i) % servers.size();
        bool done = false;
        while (!done && absl::Now() < give_up) {
          if (next == dead.load()) next = (next + 1) % servers.size();
          v1::CommandReply reply;
          grpc::Status status = Submit(servers[next]->address(), request,
                                       &reply, absl::Seconds(3));
          if (status.ok()) {
            done = true;
            const int64_t now = absl::ToUnixMicros(absl::Now());
            int64_t expected = 0;
            if (killed_at_micros.load() != 0) {
              first_after_kill_micros.compare_exchange_strong(expected, now);
            }
            acknowledged.fetch_add(1);
            if (reply.repeated()) repeated.fetch_add(1);
            absl::MutexLock lock(&mu);
            acknowledged_codes.push_back(code);
            break;
          }
          // UNAVAILABLE (no leader yet, the leader gone), a deadline: the
          // same request again, on the next server, after a short pause.
          next = (next + 1) % servers.size();
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        if (!done) {
          absl::MutexLock lock(&mu);
          lost.push_back(code);
        }
      }
    });
  }

  // The leader dies under load.
  ASSERT_TRUE(
      WaitUntil([&] { return acknowledged.load() >= 60; }, absl::Seconds(60)));
  dead.store(leader_index);
  killed_at_micros.store(absl::ToUnixMicros(absl::Now()));
  servers[leader_index]->Kill();
  for (std::thread& client : clients) client.join();

  EXPECT_TRUE(lost.empty())
      << lost.size() << " commands never answered, e.g. " << lost.front();
  EXPECT_EQ(acknowledged.load(), kClients * kCommandsEach);
  // A follower took the lease, at the next epoch, within a few leases.
  const auto [second_leader, second_epoch] = Leader();
  EXPECT_NE(second_leader, first_leader);
  EXPECT_EQ(second_epoch, first_epoch + 1);
  ASSERT_NE(first_after_kill_micros.load(), 0);
  const absl::Duration failover = absl::Microseconds(
      first_after_kill_micros.load() - killed_at_micros.load());
  EXPECT_LT(failover, absl::Seconds(10));
  std::cerr << "failover: first command accepted "
            << absl::FormatDuration(failover) << " after the kill; "
            << repeated.load() << " retries answered as repeated\n";

  // Every acknowledged command is in the log, once.
  EXPECT_EQ(QueryInt("SELECT count(*) FROM dossiers"),
            static_cast<int64_t>(acknowledged_codes.size()));
  for (const std::string& code : acknowledged_codes) {
    EXPECT_EQ(QueryInt(absl::StrCat("SELECT count(*) FROM events WHERE "
                                    "dossier_code = '",
                                    code, "' AND dossier_version = 1")),
              1)
        << code;
  }
  // The new leader's scheduler records whatever the old one had not: no
  // threshold left due.
  const std::string due =
      absl::StrCat("SELECT count(*) FROM thresholds WHERE at <= ",
                   absl::ToUnixMicros(absl::Now()));
  EXPECT_TRUE(WaitUntil([&] { return QueryInt(due) == 0; }, absl::Seconds(30)))
      << QueryInt(due) << " thresholds still due";

  // Each threshold of each dossier recorded exactly once, across leaders.
  const std::string survivor =
      servers[(leader_index + 1) % servers.size()]->address();
  const int64_t head = QueryInt("SELECT max(sequence) FROM events");
  std::vector<v1::Event> log;
  ASSERT_TRUE(WaitUntil(
      [&] {
        log = ReadLog(survivor);
        return !log.empty() && log.back().sequence() == head;
      },
      absl::Seconds(10)));
  std::map<std::tuple<std::string, std::string, int>, int> reached;
  std::set<std::string> escalated;
  for (const v1::Event& event : log) {
    if (!event.has_escalation()) continue;
    ++reached[{event.dossier_code(), event.escalation().target(),
               event.escalation().index()}];
    escalated.insert(event.dossier_code());
  }
  for (const auto& [threshold, count] : reached) {
    EXPECT_EQ(count, 1) << std::get<0>(threshold) << " "
                        << std::get<1>(threshold) << " "
                        << std::get<2>(threshold);
  }
  // The backdated receipts, every one escalated.
  EXPECT_EQ(escalated.size(),
            static_cast<size_t>(kClients * kCommandsEach / 10));
  // Events of both epochs, the old leader's all before the new one's.
  EXPECT_GT(
      QueryInt(absl::StrCat("SELECT count(*) FROM events WHERE writer_epoch = ",
                            second_epoch)),
      0);
  EXPECT_LT(QueryInt(absl::StrCat(
                "SELECT max(sequence) FROM events WHERE writer_epoch = ",
                first_epoch)),
            QueryInt(absl::StrCat(
                "SELECT min(sequence) FROM events WHERE writer_epoch = ",
                second_epoch)));

  const auto [code, output] = AuditVerify();
  EXPECT_EQ(code, 0) << output;
  EXPECT_TRUE(absl::StrContains(output, "intact")) << output;
}

TEST_F(MotcuadFailoverTest, APausedLeaderAppendsNothingAfterItsSuccessor) {
  std::unique_ptr<Daemon> first = Start("a");
  ASSERT_GT(first->port(), 0);
  ASSERT_TRUE(WaitUntil([&] { return Leader().first == first->address(); },
                        absl::Seconds(10)));
  std::unique_ptr<Daemon> second = Start("b");
  ASSERT_GT(second->port(), 0);
  const int64_t first_epoch = Leader().second;

  // A client keeps the first busy, so that it is paused with commands in
  // flight (perhaps inside a transaction holding the lease's row).
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged_before_pause{0};
  std::atomic<bool> paused{false};
  absl::Mutex mu;
  std::vector<std::string> acknowledged;
  std::thread client([&] {
    for (int i = 0; !stop.load(); ++i) {
      const std::string code = absl::StrCat("PA-", i);
      v1::CommandReply reply;
      if (Submit(first->address(), Receipt(code, absl::Minutes(1)), &reply,
                 absl::Seconds(2))
              .ok()) {
        if (!paused.load()) acknowledged_before_pause.fetch_add(1);
        absl::MutexLock lock(&mu);
        acknowledged.push_back(code);
      }
    }
  });
  ASSERT_TRUE(WaitUntil([&] { return acknowledged_before_pause.load() >= 30; },
                        absl::Seconds(30)));
  paused.store(true);
  first->Signal(SIGSTOP);

  // The second takes the lease once it expires, and accepts commands.
  ASSERT_TRUE(WaitUntil([&] { return Leader().first == second->address(); },
                        absl::Seconds(15)));
  const int64_t second_epoch = Leader().second;
  EXPECT_EQ(second_epoch, first_epoch + 1);
  v1::CommandReply reply;
  ASSERT_TRUE(WaitUntil(
      [&] {
        return Submit(second->address(), Receipt("PB-1", absl::Minutes(1)),
                      &reply)
            .ok();
      },
      absl::Seconds(10)));
  const int64_t old_epoch_events = QueryInt(absl::StrCat(
      "SELECT count(*) FROM events WHERE writer_epoch = ", first_epoch));
  const int64_t takeover_sequence = QueryInt(absl::StrCat(
      "SELECT min(sequence) FROM events WHERE writer_epoch = ", second_epoch));

  // The first resumes: whatever it had in flight fails at its fence (or
  // with its connection, ended by its successor), and it follows.
  first->Signal(SIGCONT);
  EXPECT_TRUE(WaitUntil(
      [&] {
        return absl::StrContains(
            first->errors(),
            absl::StrCat("follower: the leader is ", second->address()));
      },
      absl::Seconds(15)))
      << first->errors();
  stop.store(true);
  client.join();
  // Commands sent to it now are forwarded to the leader.
  v1::CommandReply forwarded;
  grpc::Status status =
      Submit(first->address(), Receipt("PB-2", absl::Minutes(1)), &forwarded);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(forwarded.dossier().version(), 1);

  // Nothing of the old epoch after the takeover; everything acknowledged
  // is there.
  EXPECT_EQ(
      QueryInt(absl::StrCat("SELECT count(*) FROM events WHERE writer_epoch = ",
                            first_epoch)),
      old_epoch_events);
  EXPECT_LT(QueryInt(absl::StrCat(
                "SELECT max(sequence) FROM events WHERE writer_epoch = ",
                first_epoch)),
            takeover_sequence);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM events WHERE writer_epoch IS NULL "
                     "OR writer_epoch NOT IN (" +
                     absl::StrCat(first_epoch, ", ", second_epoch) + ")"),
            0);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM events WHERE dossier_code = "
                     "'PB-2' AND writer_epoch = " +
                     absl::StrCat(second_epoch)),
            1);
  {
    absl::MutexLock lock(&mu);
    for (const std::string& code : acknowledged) {
      EXPECT_EQ(QueryInt(absl::StrCat(
                    "SELECT count(*) FROM dossiers WHERE code = '", code, "'")),
                1)
          << code;
    }
  }
  const auto [code, output] = AuditVerify();
  EXPECT_EQ(code, 0) << output;
}

// The same webhook configured on three servers: the leader alone delivers,
// each event once; after the leader's death the new leader carries on, and
// no sequence is missing. The new leader resumes from its own data
// directory's position (none: it never led), so it sends again what the
// dead one had delivered: at least once, each event at most once per
// leader, as docs/operations.md says.
TEST_F(MotcuadFailoverTest,
       TheLeaderAloneDeliversWebhooksAndItsSuccessorGoesOn) {
  test_support::WebhookReceiver receiver;
  const std::string webhook = absl::StrCat(
      "webhooks:\n  - name: portal\n    url: ", receiver.Url("/motcua"),
      "\n    max_batch: 7\n");
  std::vector<std::unique_ptr<Daemon>> servers;
  servers.push_back(Start("a", webhook));
  ASSERT_GT(servers.back()->port(), 0);
  ASSERT_TRUE(WaitUntil([&] { return Leader().first == servers[0]->address(); },
                        absl::Seconds(10)));
  for (const char* name : {"b", "c"}) {
    servers.push_back(Start(name, webhook));
    ASSERT_GT(servers.back()->port(), 0);
  }
  // Commands through every server (the followers forward them).
  for (int i = 0; i < 30; ++i) {
    v1::CommandReply reply;
    grpc::Status status =
        Submit(servers[i % 3]->address(),
               Receipt(absl::StrCat("WH-", i), absl::Minutes(1)), &reply);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  const int64_t first_head = QueryInt("SELECT max(sequence) FROM events");
  const int64_t first_count = QueryInt("SELECT count(*) FROM events");
  ASSERT_GT(first_head, 0);
  ASSERT_TRUE(WaitUntil(
      [&] {
        const std::vector<int64_t> got = Sequences(receiver);
        return !got.empty() && got.back() == first_head;
      },
      absl::Seconds(20)));
  // One more command after that, delivered too: by then a follower that
  // delivered would have sent the first ones again.
  {
    v1::CommandReply reply;
    ASSERT_TRUE(Submit(servers[1]->address(),
                       Receipt("WH-marker", absl::Minutes(1)), &reply)
                    .ok());
  }
  const int64_t marker = QueryInt("SELECT max(sequence) FROM events");
  ASSERT_TRUE(WaitUntil(
      [&] {
        const std::vector<int64_t> got = Sequences(receiver);
        return !got.empty() && got.back() == marker;
      },
      absl::Seconds(20)));
  std::map<int64_t, int> seen;
  for (const int64_t sequence : Sequences(receiver)) ++seen[sequence];
  EXPECT_EQ(static_cast<int64_t>(seen.size()),
            QueryInt("SELECT count(*) FROM events"));
  for (const auto& [sequence, count] : seen) {
    EXPECT_EQ(count, 1) << "sequence " << sequence;
  }
  EXPECT_GT(static_cast<int64_t>(seen.size()), first_count);
  // The followers never started the webhook: no position of theirs.
  for (const char* follower : {"b", "c"}) {
    EXPECT_FALSE(fs::exists(directory_.File(
        absl::StrCat("data-", follower, "/webhooks/portal.position"))))
        << follower;
  }
  EXPECT_TRUE(fs::exists(directory_.File("data-a/webhooks/portal.position")));

  // The leader dies; commands go on through the others.
  const int64_t delivered_before = marker;
  const int64_t first_epoch = Leader().second;
  servers[0]->Kill();
  for (int i = 0; i < 20; ++i) {
    const v1::SubmitRequest request =
        Receipt(absl::StrCat("WH-after-", i), absl::Minutes(1));
    v1::CommandReply reply;
    ASSERT_TRUE(WaitUntil(
        [&] {
          return Submit(servers[1 + i % 2]->address(), request, &reply,
                        absl::Seconds(3))
              .ok();
        },
        absl::Seconds(30)));
  }
  EXPECT_EQ(Leader().second, first_epoch + 1);
  const int64_t head = QueryInt("SELECT max(sequence) FROM events");
  std::set<int64_t> logged;
  {
    absl::StatusOr<store::pg::Connection> connection =
        store::pg::Connection::Open(url_);
    ASSERT_TRUE(connection.ok()) << connection.status();
    absl::StatusOr<store::pg::Result> rows =
        connection->Query("SELECT sequence FROM events");
    ASSERT_TRUE(rows.ok()) << rows.status();
    for (int row = 0; row < rows->rows(); ++row) {
      logged.insert(rows->Int(row, 0));
    }
  }
  ASSERT_TRUE(WaitUntil(
      [&] {
        const std::vector<int64_t> got = Sequences(receiver);
        return std::set<int64_t>(got.begin(), got.end()) == logged;
      },
      absl::Seconds(30)))
      << "not every sequence up to " << head << " delivered";
  seen.clear();
  for (const int64_t sequence : Sequences(receiver)) ++seen[sequence];
  for (const auto& [sequence, count] : seen) {
    // Past what the dead leader delivered: once. Before: once by it, at
    // most once more by its successor.
    EXPECT_LE(count, sequence > delivered_before ? 1 : 2)
        << "sequence " << sequence;
  }
}

}  // namespace
}  // namespace motcua
