// Tests of the SQLite event store (store/sqlite_store.cc) through its
// EventStore interface, on real database files: commands go in, dossiers and
// events come back, retries are answered once, refusals leave no trace.
#include "store/sqlite_store.h"

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/audit.h"
#include "store/event_codec.h"
#include "store/hash_chain.h"
#include "store/schema.h"
#include "store/sqlite.h"
#include "tests/store/store_test_support.h"

namespace motcua::store {
namespace {

using ::motcua::store::testing::kBusinessProcedure;
using ::motcua::store::testing::kLandProcedure;
using ::motcua::store::testing::MondayMorning;
using ::motcua::store::testing::OptionsFor;
using ::motcua::store::testing::Request;
using ::motcua::store::testing::ShippedRules;
using ::motcua::store::testing::Submission;
using ::motcua::store::testing::TempDir;
using ::testing::HasSubstr;

class SqliteEventStoreTest : public ::testing::Test {
 protected:
  SqliteEventStoreTest() : clock_(MondayMorning()) {}

  std::string DatabasePath() const { return directory_.File("motcua.db"); }

  std::unique_ptr<EventStore> OpenStore(StoreOptions options) {
    absl::StatusOr<std::unique_ptr<EventStore>> store =
        EventStore::Open(options, &clock_, ShippedRules());
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }
  std::unique_ptr<EventStore> OpenStore() {
    return OpenStore(OptionsFor(DatabasePath()));
  }

  // A count from the database file, read beside the store.
  int64_t Count(const std::string& sql) {
    absl::StatusOr<Database> database =
        Database::Open(DatabasePath(), OpenMode::kReadOnly);
    EXPECT_TRUE(database.ok()) << database.status();
    if (!database.ok()) return -1;
    absl::StatusOr<std::optional<int64_t>> value = database->QueryInt(sql);
    EXPECT_TRUE(value.ok()) << value.status();
    return value.ok() ? value->value_or(0) : -1;
  }

  void ExpectLogIntactAndReplayable() {
    absl::StatusOr<VerifyReport> verified = VerifyLog(DatabasePath());
    ASSERT_TRUE(verified.ok()) << verified.status();
    EXPECT_TRUE(verified->ok()) << verified->problem;
    absl::StatusOr<ReplayReport> replayed =
        ReplayAndCompare(DatabasePath(), directory_.File("replay.db"));
    ASSERT_TRUE(replayed.ok()) << replayed.status();
    EXPECT_THAT(replayed->differences, ::testing::IsEmpty());
  }

  TempDir directory_;
  FakeClock clock_;
};

TEST_F(SqliteEventStoreTest, SubmitAnswersTheDueTimeAndReadsBack) {
  std::unique_ptr<EventStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  CommandOutcome outcome = store->ExecuteAndWait(
      Request("HS-1", Submission(clock_.Now() - absl::Minutes(3))));
  ASSERT_TRUE(outcome.status.ok()) << outcome.status;
  EXPECT_FALSE(outcome.repeated);
  ASSERT_TRUE(outcome.dossier.has_value());
  EXPECT_EQ(outcome.dossier->version, 1);
  EXPECT_EQ(outcome.dossier->state, LifecycleState::kReceived);
  EXPECT_GT(outcome.dossier->due_at, clock_.Now() + absl::Hours(24 * 10));
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].sequence, 1);
  EXPECT_EQ(outcome.events[0].recorded_at, clock_.Now());
  EXPECT_EQ(outcome.events[0].previous_hash, std::string(32, '\0'));
  EXPECT_EQ(outcome.events[0].hash.size(), 32u);

  absl::StatusOr<Dossier> read = store->ReadDossier("HS-1");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->due_at, outcome.dossier->due_at);
  EXPECT_EQ(read->steps.size(), 1u);
  EXPECT_EQ(store->ReadDossier("HS-404").status().code(),
            absl::StatusCode::kNotFound);
  absl::StatusOr<int64_t> last = store->LastSequence();
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, 1);
}

TEST_F(SqliteEventStoreTest, AWholeLifecycleIsLoggedAndProjected) {
  std::unique_ptr<EventStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  auto run = [&](Action action) {
    CommandOutcome outcome = store->ExecuteAndWait(Request("HS-2", action));
    EXPECT_TRUE(outcome.status.ok())
        << ActionName(action) << ": " << outcome.status;
    clock_.Advance(absl::Hours(1));
    return outcome;
  };
  run(Submission(clock_.Now()));
  run(HandOverAction{});  // receipt -> cadastral-check
  // Paused: no deadline is watched.
  run(RequestSupplementAction{{"land certificate"}});
  EXPECT_EQ(Count("SELECT count(*) FROM deadlines WHERE dossier_code = "
                  "'HS-2'"),
            0);
  const int64_t due_before =
      Count("SELECT due_at FROM dossiers WHERE code = 'HS-2'");
  run(ReceiveSupplementAction{});
  // Resumed: both deadlines are back, moved by the working time paused.
  EXPECT_EQ(Count("SELECT count(*) FROM deadlines WHERE dossier_code = "
                  "'HS-2'"),
            2);
  EXPECT_EQ(Count("SELECT due_at FROM deadlines WHERE dossier_code = 'HS-2' "
                  "AND kind = 'dossier'"),
            Count("SELECT due_at FROM dossiers WHERE code = 'HS-2'"));
  EXPECT_GT(Count("SELECT due_at FROM dossiers WHERE code = 'HS-2'"),
            due_before);
  run(HandOverAction{});
  run(StopAction{"court order"});
  run(ResumeAction{});
  run(ApologiseAction{"backlog", clock_.Now() + absl::Hours(24 * 40)});
  CommandOutcome resolved = run(ResolveAction{"issued"});
  ASSERT_TRUE(resolved.dossier.has_value());
  EXPECT_EQ(resolved.dossier->state, LifecycleState::kResolved);
  EXPECT_EQ(resolved.dossier->classification, Classification::kEarly);
  CommandOutcome returned = run(ReturnResultAction{});
  ASSERT_TRUE(returned.dossier.has_value());
  EXPECT_EQ(returned.dossier->version, 10);

  absl::StatusOr<std::vector<StoredEvent>> events =
      store->ReadDossierEvents("HS-2");
  ASSERT_TRUE(events.ok()) << events.status();
  std::vector<std::string> types;
  for (const StoredEvent& stored : *events) {
    types.push_back(EventTypeName(stored.event.body));
  }
  EXPECT_THAT(types,
              ::testing::ElementsAre(
                  "received", "handed_over", "supplement_requested",
                  "supplement_received", "handed_over", "stopped", "resumed",
                  "apologised", "resolved", "result_returned"));
  for (size_t i = 1; i < events->size(); ++i) {
    EXPECT_EQ((*events)[i].previous_hash, (*events)[i - 1].hash);
  }
  absl::StatusOr<std::vector<StoredEvent>> page = store->ReadEvents(3, 4);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 4u);
  EXPECT_EQ(page->front().sequence, 4);
  EXPECT_EQ(page->back().sequence, 7);

  // The control sheet: three steps, all ended; no deadline left; one
  // dossier counted as returned.
  EXPECT_EQ(Count("SELECT count(*) FROM control_sheet WHERE dossier_code = "
                  "'HS-2' AND ended_at IS NOT NULL"),
            3);
  EXPECT_EQ(Count("SELECT count(*) FROM deadlines"), 0);
  EXPECT_EQ(Count("SELECT sum(count) FROM counters"), 1);
  EXPECT_EQ(Count("SELECT count FROM counters WHERE state = 7"), 1);
  store->Close();
  ExpectLogIntactAndReplayable();
}

TEST_F(SqliteEventStoreTest, ARetryWithTheSameRequestIdIsAnsweredOnce) {
  std::unique_ptr<EventStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  CommandOutcome first =
      store->ExecuteAndWait(Request("HS-3", Submission(clock_.Now()), "req-1"));
  ASSERT_TRUE(first.status.ok()) << first.status;
  CommandOutcome handed =
      store->ExecuteAndWait(Request("HS-3", HandOverAction{}, "req-2"));
  ASSERT_TRUE(handed.status.ok()) << handed.status;

  clock_.Advance(absl::Minutes(5));
  CommandOutcome again =
      store->ExecuteAndWait(Request("HS-3", HandOverAction{}, "req-2"));
  ASSERT_TRUE(again.status.ok()) << again.status;
  EXPECT_TRUE(again.repeated);
  EXPECT_TRUE(again.events.empty());
  ASSERT_TRUE(again.dossier.has_value());
  EXPECT_EQ(again.dossier->version, 2);
  EXPECT_EQ(again.dossier->steps.size(), handed.dossier->steps.size());
  EXPECT_EQ(Count("SELECT count(*) FROM events"), 2);

  // A request id is bound to its dossier.
  CommandOutcome elsewhere = store->ExecuteAndWait(
      Request("HS-OTHER", Submission(clock_.Now()), "req-1"));
  EXPECT_EQ(elsewhere.status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(elsewhere.status.message(), HasSubstr("submit on dossier HS-3"));
}

TEST_F(SqliteEventStoreTest, ResubmittingADossierCodeComparesTheContent) {
  std::unique_ptr<EventStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const SubmitAction submit = Submission(clock_.Now());
  CommandOutcome first = store->ExecuteAndWait(Request("HS-4", submit));
  ASSERT_TRUE(first.status.ok()) << first.status;

  CommandOutcome same = store->ExecuteAndWait(Request("HS-4", submit));
  ASSERT_TRUE(same.status.ok()) << same.status;
  EXPECT_TRUE(same.repeated);
  EXPECT_TRUE(same.events.empty());
  ASSERT_TRUE(same.dossier.has_value());
  EXPECT_EQ(same.dossier->due_at, first.dossier->due_at);

  SubmitAction different = submit;
  different.summary = "another dossier";
  CommandOutcome clash = store->ExecuteAndWait(Request("HS-4", different));
  EXPECT_EQ(clash.status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Count("SELECT count(*) FROM events"), 1);
}

TEST_F(SqliteEventStoreTest,
       ARefusedCommandAppendsNothingWhileItsBatchCommits) {
  std::unique_ptr<EventStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  // Hold the first command's answer while the next commands queue up
  // (taken in one batch or several: the outcome is the same).
  absl::Notification release;
  absl::Notification first_done;
  ASSERT_TRUE(store
                  ->Execute(Request("HS-6", Submission(clock_.Now())),
                            [&](CommandOutcome outcome) {
                              EXPECT_TRUE(outcome.status.ok());
                              release.WaitForNotification();
                              first_done.Notify();
                            })
                  .ok());
  std::vector<CommandOutcome> outcomes(4);
  absl::Notification all_done;
  std::atomic<int> remaining = 4;
  auto collect = [&](int index) {
    return [&, index](CommandOutcome outcome) {
      outcomes[index] = std::move(outcome);
      if (--remaining == 0) all_done.Notify();
    };
  };
  ASSERT_TRUE(
      store->Execute(Request("HS-6", HandOverAction{}), collect(0)).ok());
  // Not allowed while PROCESSING.
  ASSERT_TRUE(
      store->Execute(Request("HS-6", ReceiveSupplementAction{}), collect(1))
          .ok());
  ASSERT_TRUE(
      store->Execute(Request("HS-6", HandOverAction{}), collect(2)).ok());
  ASSERT_TRUE(
      store->Execute(Request("HS-7", Submission(clock_.Now())), collect(3))
          .ok());
  release.Notify();
  all_done.WaitForNotification();

  EXPECT_TRUE(outcomes[0].status.ok()) << outcomes[0].status;
  EXPECT_EQ(outcomes[1].status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(outcomes[1].dossier.has_value());
  EXPECT_TRUE(outcomes[1].events.empty());
  ASSERT_TRUE(outcomes[2].status.ok()) << outcomes[2].status;
  EXPECT_EQ(outcomes[2].dossier->version, 3);
  EXPECT_EQ(outcomes[2].events[0].sequence, 3);
  ASSERT_TRUE(outcomes[3].status.ok()) << outcomes[3].status;
  EXPECT_EQ(outcomes[3].events[0].sequence, 4);
  EXPECT_EQ(Count("SELECT count(*) FROM events"), 4);
  store->Close();
  ExpectLogIntactAndReplayable();
}

// Submits HS-C, then queues kFailingBatch commands (submissions, and a
// hand-over of HS-C at kFailing) while another connection holds the write
// lock and leaves behind a trigger that fails HS-C's next control-sheet row
// with RAISE(`raise`): the hand-over decides, writes its event and its
// dossier row, then fails half-way, as a storage error would. Every command
// queues while the writer waits for the lock, so the hand-over shares a
// batch with others whichever way they are cut. Returns the outcomes; the
// other connection is left in `intruder`, to drop the trigger.
constexpr int kFailingBatch = 40;
constexpr int kFailing = 20;

std::vector<CommandOutcome> RunBatchWithFailingHandOver(
    EventStore& store, const std::string& path, const Clock& clock,
    const char* raise, std::optional<Database>& intruder,
    const char* table = "control_sheet") {
  std::vector<CommandOutcome> outcomes(kFailingBatch);
  EXPECT_TRUE(store.ExecuteAndWait(Request("HS-C", Submission(clock.Now())))
                  .status.ok());
  absl::StatusOr<Database> opened = Database::Open(path, OpenMode::kReadWrite);
  EXPECT_TRUE(opened.ok()) << opened.status();
  if (!opened.ok()) return outcomes;
  intruder = std::move(*opened);
  EXPECT_TRUE(intruder->Execute("BEGIN IMMEDIATE").ok());
  EXPECT_TRUE(intruder
                  ->Execute(absl::StrCat(
                      "CREATE TRIGGER fail_hs_c BEFORE INSERT ON ", table,
                      " WHEN NEW.dossier_code = 'HS-C' BEGIN "
                      "SELECT RAISE(",
                      raise, ", 'injected failure'); END"))
                  .ok());
  absl::Notification all_done;
  std::atomic<int> remaining = kFailingBatch;
  for (int i = 0; i < kFailingBatch; ++i) {
    CommandRequest request =
        i == kFailing
            ? Request("HS-C", HandOverAction{}, "hand-over-of-hs-c")
            : Request(absl::StrCat("HS-B-", i), Submission(clock.Now()));
    EXPECT_TRUE(store
                    .Execute(std::move(request),
                             [&, i](CommandOutcome outcome) {
                               outcomes[i] = std::move(outcome);
                               if (--remaining == 0) all_done.Notify();
                             })
                    .ok());
  }
  EXPECT_TRUE(intruder->Execute("COMMIT").ok());
  all_done.WaitForNotification();
  return outcomes;
}

TEST_F(SqliteEventStoreTest, ACommandWhoseWritesFailAloneIsRefused) {
  std::unique_ptr<EventStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::optional<Database> intruder;
  std::vector<CommandOutcome> outcomes = RunBatchWithFailingHandOver(
      *store, DatabasePath(), clock_, "ABORT", intruder);
  ASSERT_TRUE(intruder.has_value());

  for (int i = 0; i < kFailingBatch; ++i) {
    if (i == kFailing) {
      EXPECT_THAT(std::string(outcomes[i].status.message()),
                  HasSubstr("injected failure"));
      EXPECT_FALSE(outcomes[i].dossier.has_value());
    } else {
      EXPECT_TRUE(outcomes[i].status.ok()) << i << ": " << outcomes[i].status;
    }
  }
  absl::StatusOr<Dossier> failed = store->ReadDossier("HS-C");
  ASSERT_TRUE(failed.ok()) << failed.status();
  EXPECT_EQ(failed->version, 1);
  store->Close();
  // The log and every projection agree: the refused hand-over left no half
  // of its rows behind.
  ASSERT_TRUE(intruder->Execute("DROP TRIGGER fail_hs_c").ok());
  EXPECT_EQ(Count("SELECT count(*) FROM events"), kFailingBatch);
  ExpectLogIntactAndReplayable();
}

TEST_F(SqliteEventStoreTest, ACommandThatFailsAfterItsReportDeltasLeavesNone) {
  // The report's deltas are summed for the batch and written before it
  // commits: a command failing after its deltas were summed (its requests
  // row, the last it writes) must take them back with the rest of it, in
  // the batch that is run again and in its own savepoint.
  std::unique_ptr<EventStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::optional<Database> intruder;
  std::vector<CommandOutcome> outcomes = RunBatchWithFailingHandOver(
      *store, DatabasePath(), clock_, "ABORT", intruder, "requests");
  ASSERT_TRUE(intruder.has_value());
  for (int i = 0; i < kFailingBatch; ++i) {
    EXPECT_EQ(outcomes[i].status.ok(), i != kFailing)
        << i << ": " << outcomes[i].status;
  }
  store->Close();
  ASSERT_TRUE(intruder->Execute("DROP TRIGGER fail_hs_c").ok());
  EXPECT_EQ(Count("SELECT count(*) FROM events"), kFailingBatch);
  // The hand-over would have ended a step and started one: no unit's row
  // counts it.
  ExpectLogIntactAndReplayable();
}

TEST_F(SqliteEventStoreTest,
       AFailureThatEndsTheTransactionRefusesItsWholeBatch) {
  // As above, but the failure ends the whole transaction, as SQLite does
  // itself on a full disk or an I/O error: nothing of that batch may be
  // recorded, and nothing may be committed outside it.
  std::unique_ptr<EventStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::optional<Database> intruder;
  std::vector<CommandOutcome> outcomes = RunBatchWithFailingHandOver(
      *store, DatabasePath(), clock_, "ROLLBACK", intruder);
  ASSERT_TRUE(intruder.has_value());

  int accepted = 0;
  for (int i = 0; i < kFailingBatch; ++i) {
    if (outcomes[i].status.ok()) {
      ++accepted;
      continue;
    }
    // The hand-over's batch, whichever commands it held, was refused whole.
    EXPECT_THAT(std::string(outcomes[i].status.message()),
                HasSubstr("nothing was recorded"))
        << i;
    EXPECT_THAT(std::string(outcomes[i].status.message()),
                HasSubstr("injected failure"))
        << i;
  }
  EXPECT_FALSE(outcomes[kFailing].status.ok());
  // The store goes on.
  ASSERT_TRUE(intruder->Execute("DROP TRIGGER fail_hs_c").ok());
  CommandOutcome after =
      store->ExecuteAndWait(Request("HS-C", HandOverAction{}));
  ASSERT_TRUE(after.status.ok()) << after.status;
  EXPECT_EQ(after.dossier->version, 2);
  store->Close();
  EXPECT_EQ(Count("SELECT count(*) FROM events"), 1 + accepted + 1);
  ExpectLogIntactAndReplayable();
}

TEST_F(SqliteEventStoreTest, ConcurrentSubmissionsAreAllAcknowledged) {
  std::unique_ptr<EventStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 200;
  std::atomic<int> acknowledged = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string code = absl::StrCat("T", t, "-", i);
        CommandOutcome outcome = store->ExecuteAndWait(Request(
            code, Submission(clock_.Now(),
                             i % 2 ? kLandProcedure : kBusinessProcedure)));
        if (outcome.status.ok() && outcome.events.size() == 1) ++acknowledged;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(acknowledged, kThreads * kPerThread);
  absl::StatusOr<int64_t> last = store->LastSequence();
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, kThreads * kPerThread);
  EXPECT_EQ(Count("SELECT sum(count) FROM counters"), kThreads * kPerThread);
  store->Close();
  ExpectLogIntactAndReplayable();
}

TEST_F(SqliteEventStoreTest, StateSurvivesReopeningAndASmallCache) {
  StoreOptions options = OptionsFor(DatabasePath());
  options.state_cache_entries = 1;
  {
    std::unique_ptr<EventStore> store = OpenStore(options);
    ASSERT_NE(store, nullptr);
    for (const char* code : {"A", "B", "C"}) {
      ASSERT_TRUE(store->ExecuteAndWait(Request(code, Submission(clock_.Now())))
                      .status.ok());
    }
    // Each command evicts the state the next one needs.
    for (const char* code : {"A", "B", "C"}) {
      ASSERT_TRUE(
          store->ExecuteAndWait(Request(code, HandOverAction{})).status.ok());
    }
  }
  options.state_cache_entries = 0;
  std::unique_ptr<EventStore> store = OpenStore(options);
  ASSERT_NE(store, nullptr);
  CommandOutcome outcome =
      store->ExecuteAndWait(Request("B", RequestSupplementAction{{"photo"}}));
  ASSERT_TRUE(outcome.status.ok()) << outcome.status;
  EXPECT_EQ(outcome.dossier->version, 3);
  EXPECT_EQ(outcome.events[0].sequence, 7);
  store->Close();
  ExpectLogIntactAndReplayable();
}

TEST_F(SqliteEventStoreTest, ADatabaseWithANewerSchemaIsRefused) {
  { ASSERT_NE(OpenStore(), nullptr); }
  {
    absl::StatusOr<Database> database =
        Database::Open(DatabasePath(), OpenMode::kReadWrite);
    ASSERT_TRUE(database.ok());
    ASSERT_TRUE(database
                    ->Execute("UPDATE meta SET value = 99 WHERE key = "
                              "'schema_version'")
                    .ok());
  }
  absl::StatusOr<std::unique_ptr<EventStore>> store =
      EventStore::Open(OptionsFor(DatabasePath()), &clock_, ShippedRules());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("schema version 99"));
  EXPECT_EQ(VerifyLog(DatabasePath()).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(SqliteEventStoreTest, AnotherApplicationsDatabaseIsRefused) {
  {
    absl::StatusOr<Database> database =
        Database::Open(DatabasePath(), OpenMode::kReadWriteCreate);
    ASSERT_TRUE(database.ok());
    ASSERT_TRUE(database->Execute("CREATE TABLE t (x)").ok());
  }
  absl::StatusOr<std::unique_ptr<EventStore>> store =
      EventStore::Open(OptionsFor(DatabasePath()), &clock_, ShippedRules());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(SqliteEventStoreTest, OpeningALogCutShortIsDataLoss) {
  {
    std::unique_ptr<EventStore> store = OpenStore();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->ExecuteAndWait(Request("HS-9", Submission(clock_.Now())))
                    .status.ok());
    ASSERT_TRUE(
        store->ExecuteAndWait(Request("HS-9", HandOverAction{})).status.ok());
  }
  {
    absl::StatusOr<Database> database =
        Database::Open(DatabasePath(), OpenMode::kReadWrite);
    ASSERT_TRUE(database.ok());
    ASSERT_TRUE(
        database->Execute("DELETE FROM events WHERE sequence = 2").ok());
  }
  absl::StatusOr<std::unique_ptr<EventStore>> store =
      EventStore::Open(OptionsFor(DatabasePath()), &clock_, ShippedRules());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(store.status().message(), HasSubstr("sequence 1"));
}

TEST_F(SqliteEventStoreTest, ANewRuleSetIsUsedForLaterCommands) {
  std::unique_ptr<EventStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  store->SetRules(ShippedRules());
  CommandOutcome outcome =
      store->ExecuteAndWait(Request("HS-10", Submission(clock_.Now())));
  ASSERT_TRUE(outcome.status.ok());
  EXPECT_EQ(outcome.events[0].event.rule_version, ShippedRules()->version());
}

TEST_F(SqliteEventStoreTest, SnapshotsFromBeforeSchema4AreRebuiltFromTheLog) {
  // A dossier paused and resumed: its snapshot keeps the working time paused
  // since the clock start, which snapshots of schema 3 did not.
  {
    std::unique_ptr<EventStore> store = OpenStore();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(
        store->ExecuteAndWait(Request("HS-OLD", Submission(MondayMorning())))
            .status.ok());
    ASSERT_TRUE(store
                    ->ExecuteAndWait(
                        Request("HS-OLD", RequestSupplementAction{{"ban sao"}}))
                    .status.ok());
    clock_.Set(MondayMorning() + absl::Hours(2));
    ASSERT_TRUE(
        store->ExecuteAndWait(Request("HS-OLD", ReceiveSupplementAction{}))
            .status.ok());
    absl::StatusOr<Dossier> dossier = store->ReadDossier("HS-OLD");
    ASSERT_TRUE(dossier.ok());
    ASSERT_EQ(dossier->clock_paused, absl::Hours(2));
    store->Close();
  }
  // As a schema-3 file holds it: the snapshot without that time, and the
  // migration's request to rebuild.
  {
    absl::StatusOr<Database> database =
        Database::Open(DatabasePath(), OpenMode::kReadWrite);
    ASSERT_TRUE(database.ok()) << database.status();
    absl::StatusOr<Statement> read = database->Prepare(
        "SELECT snapshot FROM dossiers WHERE code = 'HS-OLD'");
    ASSERT_TRUE(read.ok());
    std::string snapshot;
    ASSERT_TRUE(read->ForEachRow([&] {
                      snapshot = std::string(read->ColumnBlob(0));
                      return absl::OkStatus();
                    })
                    .ok());
    absl::StatusOr<Dossier> old = DecodeDossierSnapshot(snapshot);
    ASSERT_TRUE(old.ok());
    old->clock_paused = absl::ZeroDuration();
    absl::StatusOr<Statement> write = database->Prepare(
        "UPDATE dossiers SET snapshot = ?1 WHERE code = 'HS-OLD'");
    ASSERT_TRUE(write.ok());
    write->BindBlob(1, EncodeDossierSnapshot(*old));
    ASSERT_TRUE(write->Run().ok());
    ASSERT_TRUE(database
                    ->Execute("INSERT INTO meta (key, value) VALUES "
                              "('rebuild_snapshots', 1)")
                    .ok());
  }
  std::unique_ptr<EventStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<Dossier> rebuilt = store->ReadDossier("HS-OLD");
  ASSERT_TRUE(rebuilt.ok());
  EXPECT_EQ(rebuilt->clock_paused, absl::Hours(2));
  EXPECT_EQ(Count("SELECT count(*) FROM meta WHERE key = 'rebuild_snapshots'"),
            0);
  store->Close();
  ExpectLogIntactAndReplayable();
}

TEST_F(SqliteEventStoreTest, TheUpgradeToSchema6CountsTheDeadlinesPerDay) {
  // Dossiers received over three weeks, their due times on many days.
  {
    std::unique_ptr<EventStore> store = OpenStore();
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 12; ++i) {
      ASSERT_TRUE(store
                      ->ExecuteAndWait(Request(
                          absl::StrCat("HS-", i),
                          Submission(clock_.Now() - absl::Hours(40 * i))))
                      .status.ok());
    }
    store->Close();
  }
  const int64_t rows =
      Count("SELECT count(*) FROM deadline_days WHERE kind = 'dossier'");
  ASSERT_GT(rows, 3);
  // As a schema-5 file holds it.
  {
    absl::StatusOr<Database> database =
        Database::Open(DatabasePath(), OpenMode::kReadWrite);
    ASSERT_TRUE(database.ok()) << database.status();
    ASSERT_TRUE(
        database
            ->Execute(
                "DROP TABLE deadline_days; DROP TABLE deadline_totals; "
                "DROP TABLE unit_report_deltas; DROP TABLE unit_report_months; "
                "DROP TABLE report_months; "
                "ALTER TABLE requests DROP COLUMN fingerprint; "
                "DELETE FROM meta WHERE key = 'deadlines_settled_day'; "
                "UPDATE meta SET value = 5 WHERE key = "
                "'schema_version'; DROP INDEX deadlines_by_agency; "
                "CREATE INDEX deadlines_by_agency ON deadlines "
                "(agency, kind, due_at);")
            .ok());
  }
  std::unique_ptr<EventStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(Count("SELECT value FROM meta WHERE key = 'schema_version'"),
            kSchemaVersion);
  EXPECT_EQ(Count("SELECT count(*) FROM deadline_days WHERE kind = 'dossier'"),
            rows);
  // Settled at the start: the days before today are in the totals.
  EXPECT_GT(Count("SELECT sum(count) FROM deadline_totals"), 0);
  absl::StatusOr<std::vector<AgencyCount>> counts =
      store->CountDeadlinesByAgency(DeadlineKind::kDossier, clock_.Now(), "");
  ASSERT_TRUE(counts.ok()) << counts.status();
  DeadlineQuery overdue;
  overdue.due_before = clock_.Now();
  int64_t counted = 0;
  for (const AgencyCount& count : *counts) counted += count.count;
  EXPECT_EQ(counted,
            static_cast<int64_t>(store->ListDeadlines(overdue)->size()));
  EXPECT_GT(counted, 0);
  store->Close();
  // The upgraded tables are what a replay rebuilds from the log.
  ExpectLogIntactAndReplayable();
}

// ---------------------------------------------------------------------------
// Request ids name one command, of one caller

// A caller that may see the dossiers of `agency` only.
std::function<bool(absl::string_view)> Sees(std::string agency) {
  return [agency = std::move(agency)](absl::string_view seen) {
    return seen == agency;
  };
}
constexpr char kSubmittedAgency[] = "so-nong-nghiep-moi-truong";

TEST_F(SqliteEventStoreTest, ARequestIdReusedForAnotherActionIsRefused) {
  std::unique_ptr<EventStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->ExecuteAndWait(Request("HS-R", Submission(clock_.Now())))
                  .status.ok());
  ASSERT_TRUE(
      store->ExecuteAndWait(Request("HS-R", HandOverAction{})).status.ok());
  CommandOutcome resolved = store->ExecuteAndWait(
      Request("HS-R", ResolveAction{"granted"}, "officer-7"));
  ASSERT_TRUE(resolved.status.ok()) << resolved.status;
  const int64_t events = Count("SELECT count(*) FROM events");

  // Another action under the id: refused, naming the first command.
  CommandOutcome returned =
      store->ExecuteAndWait(Request("HS-R", ReturnResultAction{}, "officer-7"));
  EXPECT_EQ(returned.status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(returned.status.message(),
              HasSubstr("request_id: officer-7 was already used for resolve "
                        "on dossier HS-R"));
  EXPECT_FALSE(returned.repeated);
  // The same action with another argument is another command too.
  CommandOutcome other_result = store->ExecuteAndWait(
      Request("HS-R", ResolveAction{"refused"}, "officer-7"));
  EXPECT_EQ(other_result.status.code(), absl::StatusCode::kAlreadyExists);
  // So is the same command with an expected version it did not name.
  CommandOutcome versioned =
      store->ExecuteAndWait(Request("HS-R", ResolveAction{"granted"},
                                    "officer-7", resolved.dossier->version));
  EXPECT_EQ(versioned.status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Count("SELECT count(*) FROM events"), events);
  absl::StatusOr<Dossier> now = store->ReadDossier("HS-R");
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->state, LifecycleState::kResolved);
  EXPECT_EQ(now->version, resolved.dossier->version);

  // The true retry, later: the first answer.
  clock_.Advance(absl::Minutes(10));
  CommandOutcome retried = store->ExecuteAndWait(
      Request("HS-R", ResolveAction{"granted"}, "officer-7"));
  ASSERT_TRUE(retried.status.ok()) << retried.status;
  EXPECT_TRUE(retried.repeated);
  EXPECT_TRUE(retried.events.empty());
  ASSERT_TRUE(retried.dossier.has_value());
  EXPECT_EQ(retried.dossier->version, resolved.dossier->version);
  EXPECT_EQ(retried.dossier->state, resolved.dossier->state);
  EXPECT_EQ(Count("SELECT count(*) FROM events"), events);
  store->Close();
  ExpectLogIntactAndReplayable();
}

TEST_F(SqliteEventStoreTest, ARequestIdBelongsToTheCallerWhoFirstUsedIt) {
  std::unique_ptr<EventStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  CommandRequest first = Request("HS-MINE", Submission(clock_.Now()), "desk-1");
  first.may_see = Sees(kSubmittedAgency);
  ASSERT_TRUE(store->ExecuteAndWait(first).status.ok());

  // Another caller sending the very same command: refused, with nothing of
  // the dossier; and the same answer for a command on a code of its own.
  CommandRequest stranger = first;
  stranger.command.actor = "intake.elsewhere";
  stranger.may_see = Sees("ubnd-phuong-khac");
  stranger.command.action = [] {
    SubmitAction submit = Submission(MondayMorning());
    submit.agency = "ubnd-phuong-khac";
    return submit;
  }();
  CommandOutcome refused = store->ExecuteAndWait(stranger);
  EXPECT_EQ(refused.status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(refused.status.message(),
            "request_id: desk-1 is already taken; send each command with a "
            "request_id of its own");
  EXPECT_FALSE(refused.dossier.has_value());
  CommandRequest elsewhere = stranger;
  elsewhere.command.dossier_code = "HS-THEIRS";
  CommandOutcome refused_elsewhere = store->ExecuteAndWait(elsewhere);
  EXPECT_EQ(refused_elsewhere.status, refused.status);
  // A caller of every agency under another name is another caller too.
  CommandRequest admin = first;
  admin.command.actor = "admin.so";
  admin.may_see = nullptr;
  EXPECT_EQ(store->ExecuteAndWait(admin).status, refused.status);
  // Its owner, once it may no longer see the dossier's agency, likewise.
  CommandRequest moved = first;
  moved.may_see = Sees("ubnd-phuong-khac");
  EXPECT_EQ(store->ExecuteAndWait(moved).status, refused.status);
  EXPECT_EQ(Count("SELECT count(*) FROM events"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM dossiers"), 1);

  CommandOutcome owner = store->ExecuteAndWait(first);
  ASSERT_TRUE(owner.status.ok()) << owner.status;
  EXPECT_TRUE(owner.repeated);
}

TEST_F(SqliteEventStoreTest, AnotherAgencysDossierIsDecidedAsAMissingCode) {
  std::unique_ptr<EventStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->ExecuteAndWait(Request("HS-A", Submission(clock_.Now())))
                  .status.ok());
  ASSERT_TRUE(
      store->ExecuteAndWait(Request("HS-A", HandOverAction{})).status.ok());
  const int64_t events = Count("SELECT count(*) FROM events");
  auto as_outsider = [&](const std::string& code, Action action,
                         std::optional<int64_t> expected_version) {
    CommandRequest request =
        Request(code, std::move(action), "", expected_version);
    request.command.actor = "officer.elsewhere";
    request.may_see = Sees("ubnd-phuong-khac");
    return store->ExecuteAndWait(request).status;
  };
  // A stale version, a state the action does not fit, or none at all: the
  // answer is the missing code's, byte for byte.
  for (std::optional<int64_t> version :
       {std::optional<int64_t>(), std::optional<int64_t>(1)}) {
    for (const Action& action :
         {Action(ResolveAction{"granted"}), Action(ResumeAction{}),
          Action(HandOverAction{})}) {
      const absl::Status existing = as_outsider("HS-A", action, version);
      EXPECT_EQ(existing.code(), absl::StatusCode::kNotFound);
      EXPECT_EQ(existing, DossierNotFoundError("HS-A"));
    }
  }
  // A submission under its code is refused as taken, never ABORTED with
  // the version, whatever the version it expects.
  SubmitAction submit = Submission(clock_.Now());
  submit.agency = "ubnd-phuong-khac";
  for (std::optional<int64_t> version :
       {std::optional<int64_t>(), std::optional<int64_t>(1),
        std::optional<int64_t>(2)}) {
    EXPECT_EQ(as_outsider("HS-A", submit, version), DossierExistsError("HS-A"));
  }
  // An invalid submission is refused for what it is, as under a free code.
  SubmitAction unknown = submit;
  unknown.procedure_code = "no.such.procedure";
  const absl::Status free_code = as_outsider("HS-FREE", unknown, std::nullopt);
  EXPECT_EQ(free_code.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(as_outsider("HS-A", unknown, std::nullopt), free_code);
  EXPECT_EQ(Count("SELECT count(*) FROM events"), events);
  absl::StatusOr<Dossier> unchanged = store->ReadDossier("HS-A");
  ASSERT_TRUE(unchanged.ok());
  EXPECT_EQ(unchanged->version, 2);
}

TEST_F(SqliteEventStoreTest, FingerprintsAreLoggedAndReplayed) {
  std::unique_ptr<EventStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(
      store->ExecuteAndWait(Request("HS-F", Submission(clock_.Now()), "f-1"))
          .status.ok());
  ASSERT_TRUE(store->ExecuteAndWait(Request("HS-F", HandOverAction{}, "f-2"))
                  .status.ok());
  ASSERT_TRUE(
      store->ExecuteAndWait(Request("HS-F", StopAction{"paused"})).status.ok());
  store->Close();
  EXPECT_EQ(Count("SELECT count(*) FROM requests WHERE length(fingerprint) = "
                  "32"),
            2);
  EXPECT_EQ(Count("SELECT count(DISTINCT fingerprint) FROM requests"), 2);
  // The replay rebuilds the fingerprints from the events.
  ExpectLogIntactAndReplayable();
}

TEST_F(SqliteEventStoreTest, RequestIdsOfSchema6AreKeptAndCompared) {
  // A dossier resolved under request ids, before fingerprints were kept.
  {
    std::unique_ptr<EventStore> store = OpenStore();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store
                    ->ExecuteAndWait(
                        Request("HS-OLD", Submission(clock_.Now()), "old-1"))
                    .status.ok());
    ASSERT_TRUE(
        store->ExecuteAndWait(Request("HS-OLD", HandOverAction{}, "old-2"))
            .status.ok());
    ASSERT_TRUE(store
                    ->ExecuteAndWait(
                        Request("HS-OLD", ResolveAction{"granted"}, "old-3"))
                    .status.ok());
    store->Close();
  }
  // As a schema-6 file holds it: payloads without a fingerprint (the chain
  // and its head recomputed over them), no fingerprint column.
  {
    absl::StatusOr<Database> database =
        Database::Open(DatabasePath(), OpenMode::kReadWrite);
    ASSERT_TRUE(database.ok()) << database.status();
    absl::StatusOr<Statement> read = database->Prepare(
        "SELECT sequence, dossier_code, dossier_version, type, occurred_at, "
        "recorded_at, actor, rule_version, payload FROM events ORDER BY "
        "sequence");
    ASSERT_TRUE(read.ok());
    struct Row {
      int64_t sequence;
      std::string code, type, actor, rule_version, payload;
      int64_t version, occurred_at, recorded_at;
    };
    std::vector<Row> rows;
    ASSERT_TRUE(read->ForEachRow([&] {
                      rows.push_back(Row{
                          read->ColumnInt(0), std::string(read->ColumnText(1)),
                          std::string(read->ColumnText(3)),
                          std::string(read->ColumnText(6)),
                          std::string(read->ColumnText(7)),
                          std::string(read->ColumnBlob(8)), read->ColumnInt(2),
                          read->ColumnInt(4), read->ColumnInt(5)});
                      return absl::OkStatus();
                    })
                    .ok());
    *read = Statement();
    ASSERT_EQ(rows.size(), 3u);
    std::string previous = GenesisHash();
    std::string scratch;
    absl::StatusOr<Statement> write = database->Prepare(
        "UPDATE events SET payload = ?2, previous_hash = ?3, hash = ?4 "
        "WHERE sequence = ?1");
    ASSERT_TRUE(write.ok());
    for (Row& row : rows) {
      absl::StatusOr<DecodedPayload> payload = DecodeEventPayload(row.payload);
      ASSERT_TRUE(payload.ok());
      ASSERT_EQ(payload->command_fingerprint.size(), 32u);
      row.payload = EncodeEventPayload(payload->body, payload->request_id,
                                       payload->schedule);
      ChainedFields fields;
      fields.sequence = row.sequence;
      fields.dossier_code = row.code;
      fields.dossier_version = row.version;
      fields.type = row.type;
      fields.occurred_at_micros = row.occurred_at;
      fields.recorded_at_micros = row.recorded_at;
      fields.actor = row.actor;
      fields.rule_version = row.rule_version;
      fields.payload = row.payload;
      const std::string hash = ChainHash(previous, fields, scratch);
      write->BindInt(1, row.sequence)
          .BindBlob(2, row.payload)
          .BindBlob(3, previous)
          .BindBlob(4, hash);
      ASSERT_TRUE(write->Run().ok());
      previous = hash;
    }
    *write = Statement();
    absl::StatusOr<Statement> head =
        database->Prepare("UPDATE meta SET value = ?1 WHERE key = 'head_hash'");
    ASSERT_TRUE(head.ok());
    head->BindBlob(1, previous);
    ASSERT_TRUE(head->Run().ok());
    *head = Statement();
    ASSERT_TRUE(
        database
            ->Execute(
                "ALTER TABLE requests DROP COLUMN fingerprint; "
                "DROP TABLE unit_report_deltas; DROP TABLE unit_report_months; "
                "DROP TABLE report_months; "
                "UPDATE meta SET value = 6 WHERE key = "
                "'schema_version'")
            .ok());
  }
  std::unique_ptr<EventStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(Count("SELECT value FROM meta WHERE key = 'schema_version'"),
            kSchemaVersion);
  EXPECT_EQ(Count("SELECT count(*) FROM requests WHERE fingerprint IS NULL"),
            3);
  // A retry of an old command is answered as before...
  CommandOutcome retried = store->ExecuteAndWait(
      Request("HS-OLD", ResolveAction{"granted"}, "old-3"));
  ASSERT_TRUE(retried.status.ok()) << retried.status;
  EXPECT_TRUE(retried.repeated);
  EXPECT_EQ(retried.dossier->version, 3);
  // ... another action under its id is refused by the type of its event ...
  CommandOutcome returned =
      store->ExecuteAndWait(Request("HS-OLD", ReturnResultAction{}, "old-3"));
  EXPECT_EQ(returned.status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(returned.status.message(),
              HasSubstr("already used for resolve on dossier HS-OLD"));
  // ... and so is another dossier, or another caller (the event's actor).
  EXPECT_EQ(
      store
          ->ExecuteAndWait(Request("HS-NEW", Submission(clock_.Now()), "old-1"))
          .status.code(),
      absl::StatusCode::kAlreadyExists);
  CommandRequest stranger = Request("HS-OLD", HandOverAction{}, "old-2");
  stranger.command.actor = "officer.elsewhere";
  EXPECT_THAT(store->ExecuteAndWait(stranger).status.message(),
              HasSubstr("is already taken"));
  EXPECT_EQ(Count("SELECT count(*) FROM events"), 3);
  // New commands keep their fingerprint beside the old rows.
  ASSERT_TRUE(
      store->ExecuteAndWait(Request("HS-OLD", ReturnResultAction{}, "new-1"))
          .status.ok());
  store->Close();
  EXPECT_EQ(Count("SELECT count(*) FROM requests WHERE fingerprint IS NULL"),
            3);
  EXPECT_EQ(Count("SELECT count(*) FROM requests WHERE length(fingerprint) = "
                  "32"),
            1);
  // The upgraded table is what a replay rebuilds from the log.
  ExpectLogIntactAndReplayable();
}

// Schema 7: a unit outside the procedure's steps has no step deadline (a
// schema-6 file kept one, due at the dossier's due time, which counted as an
// overdue step at once), and the report by unit is filled from the log.
TEST_F(SqliteEventStoreTest,
       TheUpgradeToSchema7DropsStepDeadlinesOutsideTheSteps) {
  {
    std::unique_ptr<EventStore> store = OpenStore();
    ASSERT_NE(store, nullptr);
    // Received a month ago: long overdue. One stays in its first step, one
    // goes to a unit outside the steps.
    for (const char* code : {"HS-IN", "HS-OUT"}) {
      ASSERT_TRUE(
          store
              ->ExecuteAndWait(Request(
                  code, Submission(clock_.Now() - absl::Hours(24 * 30))))
              .status.ok());
    }
    HandOverAction outside;
    outside.to_unit = "so-tai-chinh";
    ASSERT_TRUE(store->ExecuteAndWait(Request("HS-OUT", outside)).status.ok());
    store->Close();
  }
  EXPECT_EQ(Count("SELECT count(*) FROM deadlines WHERE kind = 'step'"), 1);
  const int64_t unit_rows = Count("SELECT count(*) FROM unit_report_deltas");
  ASSERT_GT(unit_rows, 0);
  // As a schema-6 file holds it: the outside unit's step deadline and its
  // counts, no report by unit.
  {
    absl::StatusOr<Database> database =
        Database::Open(DatabasePath(), OpenMode::kReadWrite);
    ASSERT_TRUE(database.ok()) << database.status();
    ASSERT_TRUE(
        database
            ->Execute(
                "INSERT INTO deadlines (dossier_code, kind, due_at, step_id, "
                "unit, agency, procedure_code) SELECT code, 'step', due_at, "
                "'', current_unit, agency, procedure_code FROM dossiers "
                "WHERE code = 'HS-OUT'; "
                "DELETE FROM deadline_days WHERE kind = 'step'; "
                "INSERT INTO deadline_days (kind, due_day, agency, count) "
                "SELECT kind, (due_at / 1000000 + 25200) / 86400 AS due_day, "
                "agency, count(*) FROM deadlines WHERE kind = 'step' "
                "GROUP BY kind, due_day, agency; "
                "UPDATE deadline_totals SET count = 2 WHERE kind = 'step'; "
                "DROP TABLE unit_report_deltas; DROP TABLE unit_report_months; "
                "DROP TABLE report_months; "
                "ALTER TABLE requests DROP COLUMN fingerprint; "
                "UPDATE meta SET value = 6 WHERE key = 'schema_version';")
            .ok());
  }
  ASSERT_EQ(Count("SELECT count(*) FROM deadlines WHERE kind = 'step'"), 2);
  std::unique_ptr<EventStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(Count("SELECT value FROM meta WHERE key = 'schema_version'"),
            kSchemaVersion);
  EXPECT_EQ(Count("SELECT count(*) FROM deadlines WHERE kind = 'step'"), 1);
  absl::StatusOr<std::vector<AgencyCount>> steps =
      store->CountDeadlinesByAgency(DeadlineKind::kStep, clock_.Now(), "");
  ASSERT_TRUE(steps.ok()) << steps.status();
  ASSERT_EQ(steps->size(), 1u);
  EXPECT_EQ((*steps)[0].count, 1);
  EXPECT_EQ(Count("SELECT count(*) FROM unit_report_deltas"), unit_rows);
  EXPECT_EQ(Count("SELECT count(*) FROM meta WHERE key = 'fill_unit_report'"),
            0);
  store->Close();
  // The upgraded tables are what a replay rebuilds from the log.
  ExpectLogIntactAndReplayable();
}

}  // namespace
}  // namespace motcua::store
