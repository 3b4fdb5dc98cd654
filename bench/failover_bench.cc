// Failover time of several motcuad on one PostgreSQL database: from the
// leader's SIGKILL to the first command accepted by the new leader.
//
// Starts --servers motcuad processes on --postgres-url (an empty database,
// or one this benchmark used before), with --lease as their leader lease.
// Each round: clients send receipts to the followers (forwarded to the
// leader) and, once the load runs, the leader is killed; the round's figure
// is the time from the kill to the answer of the first command sent after
// it and accepted.
// The killed server is started again (it follows) before the next
// round. Prints each round and the median, min and max.
//
//   motcua_failover_bench --postgres-url postgresql://u@127.0.0.1:5432/db
//       --motcuad build/release/services/server/motcuad --rules rules
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "motcua/v1/service.grpc.pb.h"
#include "services/access/access.h"
#include "store/postgres/pq.h"
#include "tests/testing/daemon.h"

namespace {

namespace fs = std::filesystem;
using motcua::test_support::Daemon;

std::string LeaderAddress(const std::string& url) {
  absl::StatusOr<motcua::store::pg::Connection> connection =
      motcua::store::pg::Connection::Open(url);
  if (!connection.ok()) return "";
  absl::StatusOr<motcua::store::pg::Result> result =
      connection->Query("SELECT address FROM leader WHERE expires_at > now()");
  if (!result.ok() || result->rows() == 0) return "";
  return std::string(result->Text(0, 0));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Failover time of motcuad on one PostgreSQL database"};
  std::string url, motcuad, rules = "rules", work = "failover-bench";
  int servers = 2, rounds = 7, clients = 4;
  std::string lease = "1s";
  app.add_option("--postgres-url", url, "The database")->required();
  app.add_option("--motcuad", motcuad, "The motcuad binary")->required();
  app.add_option("--rules", rules, "Rules directory");
  app.add_option("--work-dir", work, "Where the servers' files go");
  app.add_option("--servers", servers, "motcuad processes (2 or more)");
  app.add_option("--rounds", rounds, "Failovers measured");
  app.add_option("--clients", clients, "Client threads sending commands");
  app.add_option("--lease", lease, "leader_lease of the servers");
  CLI11_PARSE(app, argc, argv);

  fs::create_directories(work);
  const absl::StatusOr<std::string> token = motcua::access::GenerateToken();
  if (!token.ok()) return 1;
  std::ofstream(fs::path(work) / "tokens.yaml")
      << "tokens:\n  - name: bench\n    sha256: "
      << motcua::access::HashToken(*token)
      << "\n    role: admin\n    agencies: [\"*\"]\n";
  auto start = [&](int index) {
    const fs::path config = fs::path(work) / absl::StrCat("s", index, ".yaml");
    std::ofstream(config)
        << "listen: 127.0.0.1:0\ndata_dir: " << fs::absolute(work).string()
        << "/data-" << index << "\nrules_dir: " << fs::absolute(rules).string()
        << "\ntokens_file: "
        << fs::absolute(fs::path(work) / "tokens.yaml").string()
        << "\nlog_level: warn\nstore: postgres\n"
        << "postgres_url: " << url << "\nleader_lease: " << lease << "\n";
    auto daemon = std::make_unique<Daemon>(
        std::vector<std::string>{"--config", config.string()}, fs::path(work),
        absl::StrCat("s", index), motcuad);
    if (daemon->port() == 0) {
      std::cerr << "motcuad did not start: " << daemon->errors() << "\n";
      std::exit(1);
    }
    return daemon;
  };
  std::vector<std::unique_ptr<Daemon>> daemons;
  for (int i = 0; i < servers; ++i) daemons.push_back(start(i));

  std::atomic<int64_t> sent{0};
  std::vector<absl::Duration> failovers;
  for (int round = 0; round < rounds; ++round) {
    // Who leads (the lease may still be expiring from the last round).
    size_t leader = daemons.size();
    const absl::Time give_up = absl::Now() + absl::Seconds(60);
    while (leader == daemons.size() && absl::Now() < give_up) {
      const std::string address = LeaderAddress(url);
      for (size_t i = 0; i < daemons.size(); ++i) {
        if (daemons[i]->address() == address) leader = i;
      }
      if (leader == daemons.size()) absl::SleepFor(absl::Milliseconds(20));
    }
    if (leader == daemons.size()) {
      std::cerr << "no leader\n";
      return 1;
    }
    std::atomic<bool> stop{false};
    std::atomic<int> accepted{0};
    std::atomic<int64_t> killed_at{0};
    std::atomic<int64_t> first_after{0};
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
      threads.emplace_back([&, c] {
        size_t next = static_cast<size_t>(c);
        while (!stop.load()) {
          next = (next + 1) % daemons.size();
          if (next == leader) continue;  // followers only: they forward
          motcua::v1::SubmitRequest request;
          const std::string code = absl::StrCat("FB-", sent.fetch_add(1));
          request.set_dossier_code(code);
          request.set_procedure_code("local.doanh-nghiep");
          request.set_agency("so-tai-chinh");
          request.set_channel(motcua::v1::CHANNEL_IN_PERSON);
          *request.mutable_received_at() =
              google::protobuf::util::TimeUtil::GetCurrentTime();
          request.mutable_options()->set_request_id(code);
          grpc::ClientContext context;
          context.AddMetadata("authorization", "Bearer " + *token);
          context.set_deadline(
              absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
          motcua::v1::CommandReply reply;
          auto stub = motcua::v1::Dossiers::NewStub(grpc::CreateChannel(
              daemons[next]->address(), grpc::InsecureChannelCredentials()));
          // A command sent before the kill may have been committed by the
          // old leader, its answer arriving after: only one sent after the
          // kill was accepted by the new leader.
          const int64_t sent_at = absl::ToUnixMicros(absl::Now());
          if (stub->Submit(&context, request, &reply).ok()) {
            accepted.fetch_add(1);
            const int64_t now = absl::ToUnixMicros(absl::Now());
            int64_t none = 0;
            if (killed_at.load() != 0 && sent_at > killed_at.load()) {
              first_after.compare_exchange_strong(none, now);
            }
          } else {
            absl::SleepFor(absl::Milliseconds(5));
          }
        }
      });
    }
    while (accepted.load() < 50) absl::SleepFor(absl::Milliseconds(5));
    killed_at.store(absl::ToUnixMicros(absl::Now()));
    daemons[leader]->Kill();
    while (first_after.load() == 0 &&
           absl::Now() < give_up + absl::Minutes(1)) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    stop.store(true);
    for (std::thread& thread : threads) thread.join();
    const absl::Duration failover =
        absl::Microseconds(first_after.load() - killed_at.load());
    failovers.push_back(failover);
    std::cout << "round " << round + 1 << ": first command accepted "
              << absl::FormatDuration(failover) << " after the kill\n"
              << std::flush;
    daemons[leader] = start(static_cast<int>(leader));
  }
  std::sort(failovers.begin(), failovers.end());
  std::cout << "failover (lease " << lease << ", " << servers << " servers, "
            << clients << " clients): median "
            << absl::FormatDuration(failovers[failovers.size() / 2]) << ", min "
            << absl::FormatDuration(failovers.front()) << ", max "
            << absl::FormatDuration(failovers.back()) << " over "
            << failovers.size() << " rounds\n";
  return 0;
}
