// motcuad with a read replica: postgres_url on the test cluster's primary,
// postgres_read_url on its streaming hot standby (the ctest fixture
// `postgres_standby`, made with pg_basebackup -R). The supervision reads
// come from the standby (its replay paused, they show the old state while
// the primary's reads show the new), the lag is on the metrics endpoint, and
// the standby never shows what the primary has not committed.
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "motcua/v1/service.grpc.pb.h"
#include "store/postgres/pq.h"
#include "tests/testing/http_get.h"
#include "tests/testing/postgres.h"
#include "tests/testing/test_server.h"

namespace motcua {
namespace {

using ::google::protobuf::util::TimeUtil;
using test_support::HttpGet;

const absl::TimeZone kVietnam = absl::FixedTimeZone(7 * 3600);
constexpr char kAgency[] = "ubnd-phuong-ben-nghe";
constexpr char kProcedure[] = "local.dang-ky-bien-dong-dat-dai";

// The standby's URL for the database of `primary_url`: the fixture's
// standby_url with the database's name. Fails without the standby.
absl::StatusOr<std::string> StandbyUrl(const std::string& primary_url) {
  const char* binary_dir = std::getenv("MOTCUA_BINARY_DIR");
  if (binary_dir == nullptr) {
    return absl::FailedPreconditionError("MOTCUA_BINARY_DIR is not set");
  }
  const std::string path =
      absl::StrCat(binary_dir, "/postgres-test/standby_url");
  std::ifstream file(path);
  std::string url;
  if (!std::getline(file, url) || url.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("no standby (", path,
                     " is missing): run through ctest, whose fixture "
                     "postgres_standby starts it"));
  }
  return absl::StrCat(url.substr(0, url.rfind('/')),
                      primary_url.substr(primary_url.rfind('/')));
}

// Asks `probe` until it is true, for up to a minute: replication is
// asynchronous, and a loaded machine may take seconds.
bool Eventually(const std::function<bool()>& probe) {
  for (int i = 0; i < 600; ++i) {
    if (probe()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

class PostgresReplicaTest : public test_support::ServerFixture {
 protected:
  PostgresReplicaTest()
      : ServerFixture(
            absl::FromCivil(absl::CivilMinute(2025, 9, 8, 9, 0), kVietnam),
            {}) {
    config_.tokens_file.clear();
    config_.metrics_listen = "127.0.0.1:0";
  }

  void SetUp() override {
    absl::StatusOr<std::string> primary =
        test_support::PostgresDatabase(directory_.File(""));
    ASSERT_TRUE(primary.ok()) << primary.status();
    absl::StatusOr<std::string> standby = StandbyUrl(*primary);
    ASSERT_TRUE(standby.ok()) << standby.status();
    primary_url_ = *primary;
    standby_url_ = *standby;
    // The database was just created on the primary: wait for the standby
    // to have it.
    ASSERT_TRUE(Eventually([&] {
      return store::pg::Connection::Open(standby_url_).ok();
    })) << "the standby never had "
        << standby_url_;
    config_.store = config::StoreKind::kPostgres;
    config_.postgres_url = primary_url_;
    config_.postgres_read_url = standby_url_;
    ASSERT_NO_FATAL_FAILURE(StartServer());
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
    request.set_summary("replica test");
    v1::CommandReply reply;
    return dossiers_->Submit(Context().get(), request, &reply);
  }

  // The codes List answers (from the standby), in order.
  std::vector<std::string> Listed() {
    v1::ListRequest request;
    request.set_agency(kAgency);
    v1::ListReply reply;
    const grpc::Status status =
        dossiers_->List(Context().get(), request, &reply);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> codes;
    for (const v1::Dossier& dossier : reply.dossiers()) {
      codes.push_back(dossier.code());
    }
    return codes;
  }

  // Received in today's report (from the standby).
  int64_t Reported() {
    v1::ReportRequest request;
    request.set_from_day("2025-09-08");
    request.set_to_day("2025-09-08");
    request.set_group_by(v1::ReportRequest::GROUP_BY_AGENCY);
    request.set_count_at(v1::ReportRequest::COUNT_AT_RESOLUTION);
    v1::ReportReply reply;
    const grpc::Status status =
        supervision_->Report(Context().get(), request, &reply);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return reply.total().received();
  }

  // The value of the metric `name` on the metrics endpoint; -1 without it.
  double Metric(const std::string& name) {
    const std::string page = HttpGet(server_->metrics_port(), "/metrics");
    for (absl::string_view line : absl::StrSplit(page, '\n')) {
      const std::vector<absl::string_view> parts = absl::StrSplit(line, ' ');
      double value = 0;
      if (parts.size() == 2 && parts[0] == name &&
          absl::SimpleAtod(parts[1], &value)) {
        return value;
      }
    }
    return -1;
  }

  // Runs `sql` on the standby's database (as the cluster's superuser).
  void OnStandby(const std::string& sql) {
    absl::StatusOr<store::pg::Connection> standby =
        store::pg::Connection::Open(standby_url_);
    ASSERT_TRUE(standby.ok()) << standby.status();
    ASSERT_TRUE(standby->Execute(sql).ok()) << sql;
  }

  std::string primary_url_;
  std::string standby_url_;
};

TEST_F(PostgresReplicaTest, SupervisionReadsComeFromTheStandbyWithItsLag) {
  ASSERT_TRUE(Submit("HS-1").ok());
  ASSERT_TRUE(Eventually([&] { return Listed().size() == 1; }));
  EXPECT_EQ(Reported(), 1);
  EXPECT_EQ(Metric("motcua_postgres_replica_up"), 1);

  // Replay paused: what the standby serves stops, the primary goes on.
  OnStandby("SELECT pg_wal_replay_pause()");
  ASSERT_TRUE(Submit("HS-2").ok());
  EXPECT_EQ(Listed(), std::vector<std::string>{"HS-1"});
  EXPECT_EQ(Reported(), 1);
  // A dossier read and the log stay on the primary: a client reads its own
  // command back at once, and the log's readers find every sequence they
  // are told of.
  v1::GetRequest get;
  get.set_dossier_code("HS-2");
  v1::Dossier dossier;
  EXPECT_TRUE(dossiers_->Get(Context().get(), get, &dossier).ok());
  v1::ReadEventsRequest read;
  read.set_limit(100);
  v1::ReadEventsReply events;
  ASSERT_TRUE(audit_->ReadEvents(Context().get(), read, &events).ok());
  ASSERT_GE(events.events_size(), 2);
  EXPECT_EQ(events.events(events.events_size() - 1).dossier_code(), "HS-2");
  // The lag is measured: WAL written and not replayed, and its age.
  EXPECT_GT(Metric("motcua_postgres_replica_lag_bytes"), 0);
  EXPECT_GT(Metric("motcua_postgres_replica_lag_seconds"), 0);

  OnStandby("SELECT pg_wal_replay_resume()");
  ASSERT_TRUE(Eventually([&] { return Listed().size() == 2; }));
  EXPECT_EQ(Reported(), 2);
  // Both at once: the leader's lease renewals keep writing WAL on the
  // primary, so the standby may be behind again by the next scrape.
  EXPECT_TRUE(Eventually([&] {
    return Metric("motcua_postgres_replica_lag_bytes") == 0 &&
           Metric("motcua_postgres_replica_lag_seconds") == 0;
  }));
}

// A transaction the primary has not committed is shipped to the standby
// and replayed, yet never seen there: its rows become visible only with
// its commit record.
TEST_F(PostgresReplicaTest, TheStandbyNeverShowsWhatThePrimaryHasNotCommitted) {
  ASSERT_TRUE(Submit("HS-1").ok());
  absl::StatusOr<store::pg::Connection> primary =
      store::pg::Connection::Open(primary_url_);
  ASSERT_TRUE(primary.ok()) << primary.status();
  ASSERT_TRUE(primary
                  ->Execute("BEGIN; INSERT INTO dossiers SELECT 'HS-GHOST', "
                            "version, state, agency, procedure_code, "
                            "current_unit, current_step_id, received_at, "
                            "due_at, step_due_at, classification, snapshot "
                            "FROM dossiers WHERE code = 'HS-1'")
                  .ok());
  // A command committed after the open transaction's rows were written:
  // once the standby shows it, it has replayed those rows too.
  ASSERT_TRUE(Submit("HS-2").ok());
  ASSERT_TRUE(Eventually([&] {
    const std::vector<std::string> listed = Listed();
    return !listed.empty() && listed.back() == "HS-2";
  }));
  EXPECT_EQ(Listed(), (std::vector<std::string>{"HS-1", "HS-2"}));
  EXPECT_EQ(Reported(), 2);
  ASSERT_TRUE(primary->Execute("ROLLBACK").ok());
}

}  // namespace
}  // namespace motcua
