// What the PostgreSQL store does beyond the contract suite
// (store_contract_test.cc runs that against it): a write that fails refuses
// its command alone, one writer per database, a damaged or foreign database
// refused at open, and a lost connection. On the private cluster of the
// ctest fixture `postgres`, a database per test.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "engine/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/audit.h"
#include "store/event_store.h"
#include "store/postgres/pg_schema.h"
#include "store/postgres/pq.h"
#include "tests/store/store_test_support.h"
#include "tests/testing/postgres.h"

namespace motcua::store {
namespace {

using ::motcua::store::testing::ExecuteAll;
using ::motcua::store::testing::MondayMorning;
using ::motcua::store::testing::Request;
using ::motcua::store::testing::ShippedRules;
using ::motcua::store::testing::Submission;
using ::motcua::store::testing::TempDir;
using ::testing::HasSubstr;

class PostgresStoreTest : public ::testing::Test {
 protected:
  PostgresStoreTest() : clock_(MondayMorning()) {}

  void SetUp() override {
    absl::StatusOr<std::string> url =
        test_support::PostgresDatabase(directory_.File(""));
    ASSERT_TRUE(url.ok()) << url.status();
    url_ = *url;
  }

  absl::StatusOr<std::unique_ptr<EventStore>> TryOpen() {
    StoreOptions options;
    options.postgres_url = url_;
    return EventStore::Open(options, &clock_, ShippedRules());
  }
  std::unique_ptr<EventStore> Open() {
    absl::StatusOr<std::unique_ptr<EventStore>> store = TryOpen();
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }
  // Runs `sql` on the test's database, from a connection of its own.
  void Sql(const std::string& sql) {
    absl::StatusOr<pg::Connection> connection = pg::Connection::Open(url_);
    ASSERT_TRUE(connection.ok()) << connection.status();
    absl::Status status = connection->Execute(sql);
    ASSERT_TRUE(status.ok()) << status;
  }

  TempDir directory_;
  FakeClock clock_;
  std::string url_;
};

TEST_F(PostgresStoreTest, AFailingWriteRefusesItsCommandAloneInItsBatch) {
  { ASSERT_NE(Open(), nullptr); }  // the schema
  // The database refuses one dossier's events, as a full disk or a broken
  // constraint would: only when the row is written.
  Sql(R"sql(
    CREATE FUNCTION refuse_bad() RETURNS trigger AS $$
    BEGIN
      IF NEW.dossier_code = 'HS-BAD' THEN
        RAISE EXCEPTION 'refused by the test';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql;
    CREATE TRIGGER refuse_bad BEFORE INSERT ON events
      FOR EACH ROW EXECUTE FUNCTION refuse_bad();
  )sql");
  std::unique_ptr<EventStore> store = Open();
  ASSERT_NE(store, nullptr);

  // Hold the writer after a first batch, so that the next three are one.
  absl::Notification queued;
  std::atomic<int> batches = 0;
  std::atomic<size_t> largest = 0;
  store->SetBatchObserver([&](const BatchResult& batch) {
    largest = std::max<size_t>(largest, batch.commands);
    if (batches++ == 0) queued.WaitForNotification();
  });
  std::vector<CommandRequest> requests;
  for (const char* code : {"HS-HOLD", "HS-1", "HS-BAD", "HS-3"}) {
    requests.push_back(Request(code, Submission(clock_.Now())));
  }
  const std::vector<CommandOutcome> outcomes =
      ExecuteAll(*store, requests, [&] { queued.Notify(); });
  EXPECT_GE(largest.load(), 3u);

  EXPECT_TRUE(outcomes[0].status.ok()) << outcomes[0].status;
  EXPECT_TRUE(outcomes[1].status.ok()) << outcomes[1].status;
  EXPECT_THAT(outcomes[2].status.message(), HasSubstr("refused by the test"));
  EXPECT_TRUE(outcomes[2].events.empty());
  EXPECT_TRUE(outcomes[3].status.ok()) << outcomes[3].status;

  // Nothing of the refused command, the others chained without a gap.
  EXPECT_EQ(store->ReadDossier("HS-BAD").status().code(),
            absl::StatusCode::kNotFound);
  absl::StatusOr<std::vector<StoredEvent>> log = store->ReadEvents(0, 100);
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(log->size(), 3u);
  EXPECT_EQ((*log)[2].event.dossier_code, "HS-3");
  EXPECT_EQ((*log)[2].previous_hash, (*log)[1].hash);
  absl::StatusOr<VerifyReport> verified = VerifyLog(url_);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(verified->ok()) << verified->problem;
  EXPECT_EQ(verified->events_checked, 3);
  // The batch's report deltas are summed and written before it commits: the
  // refused receipt's were taken back with it (a replay counts three
  // receipts, as the report tables do).
  store.reset();
  absl::StatusOr<ReplayReport> replayed =
      ReplayAndCompare(url_, directory_.File("replay.db"));
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_THAT(replayed->differences, ::testing::IsEmpty());
}

TEST_F(PostgresStoreTest, OneServerWritesADatabase) {
  std::unique_ptr<EventStore> first = Open();
  ASSERT_NE(first, nullptr);
  absl::StatusOr<std::unique_ptr<EventStore>> second = TryOpen();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.status().message(),
              HasSubstr("is written by another motcua server"));
  // Once the first is gone, the database is free.
  first.reset();
  EXPECT_NE(Open(), nullptr);
}

TEST_F(PostgresStoreTest, EventsRemovedFromTheEndAreFoundAtOpen) {
  {
    std::unique_ptr<EventStore> store = Open();
    ASSERT_NE(store, nullptr);
    for (const char* code : {"HS-1", "HS-2"}) {
      ASSERT_TRUE(store->ExecuteAndWait(Request(code, Submission(clock_.Now())))
                      .status.ok());
    }
  }
  Sql("DELETE FROM events WHERE sequence = (SELECT max(sequence) FROM "
      "events)");
  absl::StatusOr<std::unique_ptr<EventStore>> reopened = TryOpen();
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(reopened.status().message(),
              HasSubstr("the log ends at sequence 1 but its recorded head is "
                        "sequence 2"));
  absl::StatusOr<VerifyReport> verified = VerifyLog(url_);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_FALSE(verified->ok());
  EXPECT_EQ(verified->first_bad_sequence, 2);
}

TEST_F(PostgresStoreTest, ADatabaseOfTheFirstSchemaIsCarriedOver) {
  {
    std::unique_ptr<EventStore> store = Open();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->ExecuteAndWait(Request("HS-1", Submission(clock_.Now())))
                    .status.ok());
  }
  // Back to what the first PostgreSQL build wrote (schema version 1): no
  // lease, no fence, no writer epoch, pages filled to the brim.
  Sql("DROP FUNCTION motcua_fence(text, bigint, bigint); DROP TABLE leader; "
      "ALTER TABLE events DROP COLUMN writer_epoch; "
      "ALTER TABLE dossiers RESET (fillfactor); "
      "ALTER TABLE control_sheet RESET (fillfactor); "
      "UPDATE meta SET value = 1 WHERE key = 'schema_version'");

  std::unique_ptr<EventStore> store = Open();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<pg::Connection> connection = pg::Connection::Open(url_);
  ASSERT_TRUE(connection.ok()) << connection.status();
  absl::StatusOr<pg::Result> schema = connection->Query(
      "SELECT value, (SELECT count(*) FROM leader), "
      "(SELECT count(*) FROM events WHERE writer_epoch IS NULL), "
      "(SELECT reloptions::text = '{fillfactor=50}' FROM pg_class WHERE "
      "relname = 'dossiers') FROM meta WHERE key = 'schema_version'");
  ASSERT_TRUE(schema.ok()) << schema.status();
  EXPECT_EQ(schema->Int(0, 0), pg::kSchemaVersion);
  EXPECT_EQ(schema->Int(0, 1), 0);
  EXPECT_EQ(schema->Int(0, 2), 1);  // the event written before
  EXPECT_EQ(schema->Int(0, 3), 1);
  // The store goes on from the log it had.
  CommandOutcome handed =
      store->ExecuteAndWait(Request("HS-1", HandOverAction{}));
  ASSERT_TRUE(handed.status.ok()) << handed.status;
  EXPECT_EQ(handed.dossier->version, 2);
  store.reset();
  absl::StatusOr<VerifyReport> verified = VerifyLog(url_);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(verified->ok()) << verified->problem;
  absl::StatusOr<ReplayReport> replayed =
      ReplayAndCompare(url_, directory_.File("replay.db"));
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_THAT(replayed->differences, ::testing::IsEmpty());
}

TEST_F(PostgresStoreTest, AnotherApplicationsDatabaseIsLeftAlone) {
  Sql("CREATE TABLE invoices (id bigint PRIMARY KEY)");
  absl::StatusOr<std::unique_ptr<EventStore>> store = TryOpen();
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(),
              HasSubstr("is not a motcua database: it has tables but no "
                        "schema version"));
}

TEST_F(PostgresStoreTest, ALostWriteConnectionRefusesCommandsAndReadsGoOn) {
  std::unique_ptr<EventStore> store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->ExecuteAndWait(Request("HS-1", Submission(clock_.Now())))
                  .status.ok());
  // Every connection to the database but the one that asks is ended, as a
  // server restart or a failover would.
  Sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
      "datname = current_database() AND pid <> pg_backend_pid()");

  // Whether the next batch committed cannot be known once the connection
  // is gone: that command and every later one are refused until a restart.
  CommandOutcome lost =
      store->ExecuteAndWait(Request("HS-2", Submission(clock_.Now())));
  EXPECT_EQ(lost.status.code(), absl::StatusCode::kUnavailable) << lost.status;
  EXPECT_THAT(lost.status.message(), HasSubstr("restart motcuad"));
  EXPECT_EQ(store->ExecuteAndWait(Request("HS-3", Submission(clock_.Now())))
                .status.code(),
            absl::StatusCode::kUnavailable);
  // The reads connect again.
  absl::StatusOr<Dossier> read = store->ReadDossier("HS-1");
  EXPECT_TRUE(read.ok()) << read.status();

  // A restart finds the log whole, and writes again.
  store.reset();
  store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->ExecuteAndWait(Request("HS-4", Submission(clock_.Now())))
                  .status.ok());
  absl::StatusOr<VerifyReport> verified = VerifyLog(url_);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(verified->ok()) << verified->problem;
}

// COPY's text format (pq.h CopyRows) carries every byte: text with the
// characters COPY escapes, bytea with every byte value, NULL, integers at
// their limits, read back as they went in.
TEST(PostgresCopyTest, CopyRowsCarryEveryByte) {
  TempDir directory;
  absl::StatusOr<std::string> url =
      test_support::PostgresDatabase(directory.File("copy"));
  ASSERT_TRUE(url.ok()) << url.status();
  absl::StatusOr<pg::Connection> connection = pg::Connection::Open(*url);
  ASSERT_TRUE(connection.ok()) << connection.status();
  ASSERT_TRUE(connection
                  ->Execute("CREATE TEMP TABLE copied (n bigint, t text, "
                            "b bytea, z text)")
                  .ok());
  std::string every_byte;
  for (int c = 0; c < 256; ++c) every_byte.push_back(static_cast<char>(c));
  const std::string awkward = "tab\there\nnew line\r\\N back\\slash ồ";
  pg::CopyRows rows;
  rows.Int(INT64_MIN).Text(awkward).Bytes(every_byte).Null().EndRow();
  rows.Int(INT64_MAX).Text("").Bytes("").Text("\\").EndRow();
  ASSERT_TRUE(connection->BeginCopy("COPY copied FROM STDIN").ok());
  ASSERT_TRUE(connection->SendCopy(rows).ok());
  ASSERT_TRUE(connection->EndCopy().ok());
  absl::StatusOr<pg::Result> read =
      connection->Query("SELECT n, t, b, z FROM copied ORDER BY n");
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->rows(), 2);
  EXPECT_EQ(read->Int(0, 0), INT64_MIN);
  EXPECT_EQ(read->Text(0, 1), awkward);
  EXPECT_EQ(read->Bytes(0, 2), every_byte);
  EXPECT_TRUE(read->IsNull(0, 3));
  EXPECT_EQ(read->Int(1, 0), INT64_MAX);
  EXPECT_EQ(read->Text(1, 1), "");
  EXPECT_EQ(read->Bytes(1, 2), "");
  EXPECT_EQ(read->Text(1, 3), "\\");
  // A bad row is the COPY's error, and the connection goes on.
  pg::CopyRows bad;
  bad.Text("not a number").Text("").Bytes("").Null().EndRow();
  ASSERT_TRUE(connection->BeginCopy("COPY copied FROM STDIN").ok());
  ASSERT_TRUE(connection->SendCopy(bad).ok());
  EXPECT_FALSE(connection->EndCopy().ok());
  EXPECT_TRUE(connection->Query("SELECT 1").ok());
}

// Runs `request` on `store` and waits for its answer.
CommandOutcome RunCommand(EventStore& store, CommandRequest request) {
  absl::Notification done;
  CommandOutcome outcome;
  absl::Status queued =
      store.Execute(std::move(request), [&](CommandOutcome answered) {
        outcome = std::move(answered);
        done.Notify();
      });
  if (!queued.ok()) return CommandOutcome::Refusal(queued);
  done.WaitForNotification();
  return outcome;
}

// Who leads, as a store's observer last said.
class LeadershipWatch {
 public:
  explicit LeadershipWatch(EventStore& store) : store_(store) {
    store_.SetLeadershipObserver([this](const Leadership& leadership) {
      absl::MutexLock lock(&mu_);
      last_ = leadership;
    });
  }
  // The store's lease thread may still publish: it must not find this
  // watch gone (the store outlives it, declared before it).
  ~LeadershipWatch() { store_.SetLeadershipObserver(nullptr); }
  LeadershipWatch(const LeadershipWatch&) = delete;
  LeadershipWatch& operator=(const LeadershipWatch&) = delete;
  // Waits, at most `bound`, for the store to lead (or not).
  bool AwaitLeading(bool leading, absl::Duration bound) {
    absl::MutexLock lock(&mu_);
    auto reached = [&] {
      mu_.AssertHeld();
      return last_.leading == leading;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), bound);
  }
  Leadership last() {
    absl::MutexLock lock(&mu_);
    return last_;
  }

 private:
  EventStore& store_;
  absl::Mutex mu_;
  Leadership last_ ABSL_GUARDED_BY(mu_);
};

TEST_F(PostgresStoreTest, TheLeaseHolderWritesAndADeposedOneWritesNothing) {
  auto open_leased = [&](const std::string& holder) {
    StoreOptions options;
    options.postgres_url = url_;
    options.leader_lease = absl::Seconds(1);
    options.holder = holder;
    options.advertise_address = holder + ":50051";
    absl::StatusOr<std::unique_ptr<EventStore>> store =
        EventStore::Open(options, &clock_, ShippedRules());
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  };
  std::unique_ptr<EventStore> first = open_leased("first");
  ASSERT_NE(first, nullptr);
  std::unique_ptr<EventStore> second = open_leased("second");
  ASSERT_NE(second, nullptr);
  LeadershipWatch first_watch(*first);
  LeadershipWatch second_watch(*second);
  EXPECT_TRUE(first_watch.last().leading);
  EXPECT_EQ(first_watch.last().epoch, 1);
  EXPECT_FALSE(second_watch.last().leading);
  EXPECT_EQ(second_watch.last().leader_address, "first:50051");

  // The leader writes; the follower refuses, recording nothing.
  CommandOutcome written =
      RunCommand(*first, Request("HS-1", Submission(clock_.Now())));
  ASSERT_TRUE(written.status.ok()) << written.status;
  CommandOutcome refused =
      RunCommand(*second, Request("HS-2", Submission(clock_.Now())));
  EXPECT_EQ(refused.status.code(), absl::StatusCode::kUnavailable);

  // Another takes the lease behind the first's back (as a successor does
  // once the first was paused past its expiry): the first's next batch
  // fails at its fence, keeps nothing, and the first steps down.
  Sql("UPDATE leader SET holder = 'thief', epoch = epoch + 1, expires_at = "
      "now() + interval '1 hour'");
  CommandOutcome fenced =
      RunCommand(*first, Request("HS-3", Submission(clock_.Now())));
  EXPECT_EQ(fenced.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(fenced.status.message(), HasSubstr("nothing was recorded"));
  EXPECT_TRUE(first_watch.AwaitLeading(false, absl::Seconds(10)));
  EXPECT_EQ(first->ReadDossier("HS-3").status().code(),
            absl::StatusCode::kNotFound);

  // The thief's lease runs out: a follower takes it, at the next epoch,
  // and writes after the log's head.
  Sql("UPDATE leader SET expires_at = now() - interval '1 second'");
  ASSERT_TRUE(first_watch.AwaitLeading(true, absl::Seconds(10)) ||
              second_watch.AwaitLeading(true, absl::Seconds(10)));
  EventStore& leader = first_watch.last().leading ? *first : *second;
  EXPECT_EQ(first_watch.last().leading ? first_watch.last().epoch
                                       : second_watch.last().epoch,
            3);
  CommandOutcome after =
      RunCommand(leader, Request("HS-4", Submission(clock_.Now())));
  ASSERT_TRUE(after.status.ok()) << after.status;

  absl::StatusOr<pg::Connection> connection = pg::Connection::Open(url_);
  ASSERT_TRUE(connection.ok()) << connection.status();
  absl::StatusOr<pg::Result> epochs = connection->Query(
      "SELECT dossier_code, writer_epoch FROM events ORDER BY sequence");
  ASSERT_TRUE(epochs.ok()) << epochs.status();
  ASSERT_EQ(epochs->rows(), 2);
  EXPECT_EQ(epochs->Text(0, 0), "HS-1");
  EXPECT_EQ(epochs->Int(0, 1), 1);
  EXPECT_EQ(epochs->Text(1, 0), "HS-4");
  EXPECT_EQ(epochs->Int(1, 1), 3);
  absl::StatusOr<VerifyReport> verified = VerifyLog(url_);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(verified->ok()) << verified->problem;
}

}  // namespace
}  // namespace motcua::store
