// The store's contract, run against every backend (store_contract.h says
// how a backend joins): what store/command_sink.h, store/log_reader.h and
// store/read_model.h promise, checked through those interfaces alone, on a
// fresh store in a temporary directory per test.
#include "tests/store/store_contract.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "engine/report.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/event_store.h"
#include "store/hash_chain.h"
#include "store/postgres/pq.h"
#include "store/sqlite.h"
#include "tests/store/store_test_support.h"
#include "tests/testing/postgres.h"

namespace motcua::store {
namespace {

using ::motcua::store::testing::ExecuteAll;
using ::motcua::store::testing::kBusinessProcedure;
using ::motcua::store::testing::kLandProcedure;
using ::motcua::store::testing::MondayMorning;
using ::motcua::store::testing::Request;
using ::motcua::store::testing::ShippedRules;
using ::motcua::store::testing::StoreBackend;
using ::motcua::store::testing::Submission;
using ::motcua::store::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The SQLite backend: one database file in the directory.
StoreBackend SqliteBackend() {
  StoreBackend backend;
  backend.name = "Sqlite";
  backend.open = [](const std::string& directory, StoreOptions options,
                    const Clock* clock, std::shared_ptr<const RuleSet> rules) {
    options.path = directory + "/motcua.db";
    return EventStore::Open(options, clock, std::move(rules));
  };
  backend.mark_newer_schema = [](const std::string& directory) {
    absl::StatusOr<Database> database =
        Database::Open(directory + "/motcua.db", OpenMode::kReadWrite);
    if (!database.ok()) return database.status();
    return database->Execute(
        "UPDATE meta SET value = value + 1 WHERE key = 'schema_version'");
  };
  return backend;
}

// The PostgreSQL backend: a database of its own per test directory, on the
// cluster of the ctest fixture `postgres`.
StoreBackend PostgresBackend() {
  StoreBackend backend;
  backend.name = "Postgres";
  backend.open = [](const std::string& directory, StoreOptions options,
                    const Clock* clock, std::shared_ptr<const RuleSet> rules)
      -> absl::StatusOr<std::unique_ptr<EventStore>> {
    absl::StatusOr<std::string> url = test_support::PostgresDatabase(directory);
    if (!url.ok()) return url.status();
    options.postgres_url = *url;
    return EventStore::Open(options, clock, std::move(rules));
  };
  backend.mark_newer_schema = [](const std::string& directory) {
    absl::StatusOr<std::string> url = test_support::PostgresDatabase(directory);
    if (!url.ok()) return url.status();
    absl::StatusOr<pg::Connection> connection = pg::Connection::Open(*url);
    if (!connection.ok()) return connection.status();
    return connection->Execute(
        "UPDATE meta SET value = value + 1 WHERE key = 'schema_version'");
  };
  return backend;
}

class StoreContractTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  StoreContractTest() : clock_(MondayMorning()) {}

  absl::StatusOr<std::unique_ptr<EventStore>> TryOpen(
      StoreOptions options = {}) {
    return GetParam().open(directory_.File(""), options, &clock_,
                           ShippedRules());
  }
  std::unique_ptr<EventStore> Open(StoreOptions options = {}) {
    absl::StatusOr<std::unique_ptr<EventStore>> store = TryOpen(options);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  // The whole log as a reader sees it.
  static std::vector<StoredEvent> WholeLog(LogReader& log) {
    absl::StatusOr<std::vector<StoredEvent>> events =
        log.ReadEvents(0, 1 << 20);
    EXPECT_TRUE(events.ok()) << events.status();
    return events.ok() ? *std::move(events) : std::vector<StoredEvent>();
  }

  static int64_t Last(LogReader& log) {
    absl::StatusOr<int64_t> last = log.LastSequence();
    EXPECT_TRUE(last.ok()) << last.status();
    return last.value_or(-1);
  }

  // Runs `action` on `code` and expects it accepted.
  CommandOutcome Accept(CommandSink& sink, const std::string& code,
                        Action action) {
    CommandOutcome outcome = sink.ExecuteAndWait(Request(code, action));
    EXPECT_TRUE(outcome.status.ok())
        << code << " " << ActionName(action) << ": " << outcome.status;
    return outcome;
  }

  TempDir directory_;
  FakeClock clock_;
};

TEST_P(StoreContractTest, ASubmissionIsAnsweredAndReadBack) {
  std::unique_ptr<EventStore> store = Open();
  ASSERT_NE(store, nullptr);
  CommandOutcome outcome = Accept(*store, "HS-1", Submission(clock_.Now()));
  ASSERT_TRUE(outcome.dossier.has_value());
  EXPECT_FALSE(outcome.repeated);
  EXPECT_EQ(outcome.dossier->version, 1);
  EXPECT_EQ(outcome.dossier->state, LifecycleState::kReceived);
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].recorded_at, clock_.Now());

  absl::StatusOr<Dossier> read = store->ReadDossier("HS-1");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->version, 1);
  EXPECT_EQ(read->due_at, outcome.dossier->due_at);
  EXPECT_EQ(store->ReadDossier("HS-404").status().code(),
            absl::StatusCode::kNotFound);
  absl::StatusOr<std::vector<StoredEvent>> none =
      store->ReadDossierEvents("HS-404");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->empty());
}

TEST_P(StoreContractTest, ARefusalIsDecidedBeforeAnythingIsWritten) {
  std::unique_ptr<EventStore> store = Open();
  ASSERT_NE(store, nullptr);
  Accept(*store, "HS-2", Submission(clock_.Now()));
  const int64_t head = Last(*store);

  // Not allowed while RECEIVED; no such dossier.
  CommandOutcome refused =
      store->ExecuteAndWait(Request("HS-2", ReceiveSupplementAction{}));
  EXPECT_EQ(refused.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(refused.events.empty());
  EXPECT_EQ(
      store->ExecuteAndWait(Request("HS-404", HandOverAction{})).status.code(),
      absl::StatusCode::kNotFound);

  EXPECT_EQ(Last(*store), head);
  EXPECT_EQ(WholeLog(*store).size(), 1u);
  absl::StatusOr<Dossier> read = store->ReadDossier("HS-2");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->version, 1);
  EXPECT_EQ(store->ReadDossier("HS-404").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreContractTest, CommandsQueuedTogetherCommitTogether) {
  std::unique_ptr<EventStore> store = Open();
  ASSERT_NE(store, nullptr);
  // Hold the writer after its first batch while the others queue up: they
  // are then taken, decided in order and committed as one batch.
  absl::Notification queued;
  std::atomic<int> batches = 0;
  store->SetBatchObserver([&](const BatchResult&) {
    if (batches++ == 0) queued.WaitForNotification();
  });
  constexpr int kCommands = 20;
  std::vector<CommandOutcome> outcomes(kCommands);
  absl::Notification all_done;
  std::atomic<int> remaining = kCommands;
  for (int i = 0; i < kCommands; ++i) {
    // A submission, then its hand-over: the second is decided against the
    // state the first left, in the same transaction.
    const std::string code = absl::StrCat("HS-G", i / 2);
    Action action = i % 2 == 0 ? Action(Submission(clock_.Now()))
                               : Action(HandOverAction{});
    ASSERT_TRUE(store
                    ->Execute(Request(code, action),
                              [&, i](CommandOutcome outcome) {
                                outcomes[i] = std::move(outcome);
                                if (--remaining == 0) all_done.Notify();
                              })
                    .ok());
  }
  queued.Notify();
  all_done.WaitForNotification();
  for (int i = 0; i < kCommands; ++i) {
    EXPECT_TRUE(outcomes[i].status.ok()) << i << ": " << outcomes[i].status;
  }
  const WriterStats stats = store->Stats();
  EXPECT_EQ(stats.commands, static_cast<uint64_t>(kCommands));
  EXPECT_EQ(stats.events, static_cast<uint64_t>(kCommands));
  // The first command alone or with others, then all the rest at once.
  EXPECT_LE(stats.batches, 2u);
  // In the order Execute accepted them.
  std::vector<StoredEvent> log = WholeLog(*store);
  ASSERT_EQ(log.size(), static_cast<size_t>(kCommands));
  for (int i = 0; i < kCommands; ++i) {
    EXPECT_EQ(log[i].sequence, outcomes[i].events.at(0).sequence);
  }
}

TEST_P(StoreContractTest, AnAnswerComesOnlyOnceItsEventsCanBeRead) {
  std::unique_ptr<EventStore> store = Open();
  ASSERT_NE(store, nullptr);
  absl::Mutex mu;
  int64_t observed_head = 0;
  store->SetCommitObserver([&](int64_t head) {
    absl::MutexLock lock(&mu);
    observed_head = head;
  });
  for (int i = 0; i < 5; ++i) {
    absl::Notification done;
    ASSERT_TRUE(
        store
            ->Execute(
                Request(absl::StrCat("HS-D", i), Submission(clock_.Now())),
                [&](CommandOutcome outcome) {
                  ASSERT_TRUE(outcome.status.ok()) << outcome.status;
                  const int64_t sequence = outcome.events.at(0).sequence;
                  // The watchers were told before the caller...
                  {
                    absl::MutexLock lock(&mu);
                    EXPECT_GE(observed_head, sequence);
                  }
                  // ...and a reader already finds the event.
                  EXPECT_GE(Last(*store), sequence);
                  absl::StatusOr<std::vector<StoredEvent>> read =
                      store->ReadEvents(sequence - 1, 1);
                  ASSERT_TRUE(read.ok()) << read.status();
                  ASSERT_EQ(read->size(), 1u);
                  EXPECT_EQ(read->front().hash, outcome.events[0].hash);
                  done.Notify();
                })
            .ok());
    done.WaitForNotification();
  }
}

TEST_P(StoreContractTest, ARequestIdNamesOneCommand) {
  std::unique_ptr<EventStore> store = Open();
  ASSERT_NE(store, nullptr);
  CommandOutcome first =
      store->ExecuteAndWait(Request("HS-3", Submission(clock_.Now()), "req-1"));
  ASSERT_TRUE(first.status.ok()) << first.status;
  Accept(*store, "HS-3", HandOverAction{});

  // A retry of the same command: the first answer, nothing appended.
  CommandOutcome retry =
      store->ExecuteAndWait(Request("HS-3", Submission(clock_.Now()), "req-1"));
  ASSERT_TRUE(retry.status.ok()) << retry.status;
  EXPECT_TRUE(retry.repeated);
  EXPECT_TRUE(retry.events.empty());
  ASSERT_TRUE(retry.dossier.has_value());
  EXPECT_EQ(retry.dossier->version, 1);
  EXPECT_EQ(WholeLog(*store).size(), 2u);

  // Another command under the same id (the fingerprint differs).
  CommandOutcome other = store->ExecuteAndWait(
      Request("HS-3", StopAction{"court order"}, "req-1"));
  EXPECT_EQ(other.status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(other.status.message()), HasSubstr("req-1"));
  // The same command from another caller.
  CommandRequest stranger = Request("HS-3", Submission(clock_.Now()), "req-1");
  stranger.command.actor = "someone.else";
  EXPECT_EQ(store->ExecuteAndWait(stranger).status.code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(WholeLog(*store).size(), 2u);
}

TEST_P(StoreContractTest, ARetryInTheSameBatchAsItsCommandGetsItsAnswer) {
  {
    std::unique_ptr<EventStore> store = Open();
    ASSERT_NE(store, nullptr);
    Accept(*store, "HS-OLD", Submission(clock_.Now()));
  }
  // Reopened, so that HS-OLD is read from the database, not from memory;
  // the writer held after a first batch, so that the rest are one batch:
  // each command and its retry (same request id), decided one after the
  // other in that batch.
  std::unique_ptr<EventStore> store = Open();
  ASSERT_NE(store, nullptr);
  absl::Notification queued;
  std::atomic<int> batches = 0;
  store->SetBatchObserver([&](const BatchResult&) {
    if (batches++ == 0) queued.WaitForNotification();
  });
  const std::vector<CommandRequest> requests = {
      Request("HS-FIRST", Submission(clock_.Now())),
      Request("HS-OLD", HandOverAction{}, "req-old"),
      Request("HS-NEW", Submission(clock_.Now()), "req-new"),
      Request("HS-NEW", Submission(clock_.Now()), "req-new"),
      Request("HS-OLD", HandOverAction{}, "req-old"),
  };
  const std::vector<CommandOutcome> outcomes =
      ExecuteAll(*store, requests, [&] { queued.Notify(); });
  for (size_t i = 0; i < requests.size(); ++i) {
    ASSERT_TRUE(outcomes[i].status.ok()) << i << ": " << outcomes[i].status;
  }
  EXPECT_FALSE(outcomes[1].repeated);
  EXPECT_EQ(outcomes[1].dossier->version, 2);
  EXPECT_FALSE(outcomes[2].repeated);
  EXPECT_TRUE(outcomes[3].repeated);
  EXPECT_TRUE(outcomes[3].events.empty());
  EXPECT_TRUE(outcomes[4].repeated);
  EXPECT_EQ(outcomes[4].dossier->version, 2);
  // HS-OLD's receipt, then HS-FIRST, HS-OLD's hand-over and HS-NEW.
  EXPECT_EQ(WholeLog(*store).size(), 4u);
}

TEST_P(StoreContractTest, AStaleExpectedVersionIsAborted) {
  std::unique_ptr<EventStore> store = Open();
  ASSERT_NE(store, nullptr);
  Accept(*store, "HS-4", Submission(clock_.Now()));
  CommandOutcome stale = store->ExecuteAndWait(
      Request("HS-4", HandOverAction{}, "", /*expected_version=*/7));
  EXPECT_EQ(stale.status.code(), absl::StatusCode::kAborted);
  EXPECT_THAT(stale.status.message(), HasSubstr("version 1"));
  EXPECT_THAT(stale.status.message(), HasSubstr("expected version 7"));
  CommandOutcome current = store->ExecuteAndWait(
      Request("HS-4", HandOverAction{}, "", /*expected_version=*/1));
  ASSERT_TRUE(current.status.ok()) << current.status;
  EXPECT_EQ(current.dossier->version, 2);
  EXPECT_EQ(WholeLog(*store).size(), 2u);
}

TEST_P(StoreContractTest, TheLogIsOneHashChainAcrossDossiersAndReopening) {
  {
    std::unique_ptr<EventStore> store = Open();
    ASSERT_NE(store, nullptr);
    Accept(*store, "HS-5", Submission(clock_.Now()));
    Accept(*store, "HS-6", Submission(clock_.Now()));
    Accept(*store, "HS-5", HandOverAction{});
  }
  std::unique_ptr<EventStore> store = Open();
  ASSERT_NE(store, nullptr);
  Accept(*store, "HS-6", HandOverAction{});
  std::vector<StoredEvent> log = WholeLog(*store);
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[0].previous_hash, GenesisHash());
  for (size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(log[i].hash.size(), 32u);
    if (i > 0) {
      EXPECT_EQ(log[i].previous_hash, log[i - 1].hash) << i;
      EXPECT_GT(log[i].sequence, log[i - 1].sequence);
    }
  }
  EXPECT_EQ(Last(*store), log.back().sequence);
  // A dossier's events, in its version order, as the log holds them.
  absl::StatusOr<std::vector<StoredEvent>> hs6 =
      store->ReadDossierEvents("HS-6");
  ASSERT_TRUE(hs6.ok()) << hs6.status();
  ASSERT_EQ(hs6->size(), 2u);
  EXPECT_EQ((*hs6)[0].hash, log[1].hash);
  EXPECT_EQ((*hs6)[1].hash, log[3].hash);
  EXPECT_EQ((*hs6)[1].event.dossier_version, 2);
}

TEST_P(StoreContractTest, TheLogIsReadInOrderFromAnyPosition) {
  std::unique_ptr<EventStore> store = Open();
  ASSERT_NE(store, nullptr);
  for (int i = 0; i < 4; ++i) {
    const std::string code = absl::StrCat("HS-L", i);
    Accept(*store, code, Submission(clock_.Now()));
    Accept(*store, code, HandOverAction{});
  }
  const std::vector<StoredEvent> log = WholeLog(*store);
  ASSERT_EQ(log.size(), 8u);
  // From every position a reader may hold (the sequence it saw last), with
  // every page size: the rest of the log, in order, page by page.
  for (size_t from = 0; from <= log.size(); ++from) {
    const int64_t after = from == 0 ? 0 : log[from - 1].sequence;
    for (int64_t page = 1; page <= 3; ++page) {
      std::vector<int64_t> read;
      int64_t position = after;
      while (true) {
        absl::StatusOr<std::vector<StoredEvent>> events =
            store->ReadEvents(position, page);
        ASSERT_TRUE(events.ok()) << events.status();
        ASSERT_LE(static_cast<int64_t>(events->size()), page);
        if (events->empty()) break;
        for (const StoredEvent& event : *events) read.push_back(event.sequence);
        position = events->back().sequence;
      }
      std::vector<int64_t> expected;
      for (size_t i = from; i < log.size(); ++i) {
        expected.push_back(log[i].sequence);
      }
      EXPECT_EQ(read, expected) << "after " << after << ", pages of " << page;
    }
  }
  absl::StatusOr<std::vector<StoredEvent>> nothing = store->ReadEvents(0, 0);
  ASSERT_TRUE(nothing.ok());
  EXPECT_TRUE(nothing->empty());
}

TEST_P(StoreContractTest, EveryProjectionFollowsTheLifecycle) {
  std::unique_ptr<EventStore> store = Open();
  ASSERT_NE(store, nullptr);
  Accept(*store, "HS-P1", Submission(clock_.Now(), kLandProcedure));
  Accept(*store, "HS-P1", HandOverAction{});
  Accept(*store, "HS-P2", Submission(clock_.Now(), kBusinessProcedure));
  Accept(*store, "HS-P3", Submission(clock_.Now(), kLandProcedure));
  Accept(*store, "HS-P3", HandOverAction{});
  Accept(*store, "HS-P3", RequestSupplementAction{{"land certificate"}});
  clock_.Advance(absl::Hours(1));
  Accept(*store, "HS-P2", ResolveAction{"issued"});

  // Lists, by each filter.
  auto filter_where = [](auto set) {
    DossierFilter made;
    set(made);
    return made;
  };
  auto codes = [&](const DossierFilter& filter, const std::string& after = "",
                   int limit = 100) {
    std::vector<std::string> listed;
    absl::StatusOr<std::vector<Dossier>> dossiers =
        store->ListDossiers(filter, after, limit);
    EXPECT_TRUE(dossiers.ok()) << dossiers.status();
    if (dossiers.ok()) {
      for (const Dossier& dossier : *dossiers) listed.push_back(dossier.code);
    }
    return listed;
  };
  EXPECT_THAT(codes({}), ElementsAre("HS-P1", "HS-P2", "HS-P3"));
  EXPECT_THAT(codes({}, "HS-P1", 1), ElementsAre("HS-P2"));
  EXPECT_THAT(codes(filter_where([](DossierFilter& f) {
                f.procedure_code = kBusinessProcedure;
              })),
              ElementsAre("HS-P2"));
  EXPECT_THAT(codes(filter_where([](DossierFilter& f) {
                f.state = LifecycleState::kSupplementRequested;
              })),
              ElementsAre("HS-P3"));
  EXPECT_THAT(codes(filter_where([](DossierFilter& f) {
                f.agency = "so-nong-nghiep-moi-truong";
              })),
              ElementsAre("HS-P1", "HS-P2", "HS-P3"));
  EXPECT_THAT(
      codes(filter_where([](DossierFilter& f) { f.agency = "another"; })),
      ::testing::IsEmpty());
  absl::StatusOr<Dossier> p1 = store->ReadDossier("HS-P1");
  ASSERT_TRUE(p1.ok());
  // The unit holding a dossier holds it while it is paused too (HS-P3 is
  // in the same first step).
  EXPECT_THAT(codes(filter_where(
                  [&](DossierFilter& f) { f.unit = p1->steps.back().unit; })),
              ElementsAre("HS-P1", "HS-P3"));

  // Deadlines: only the running dossier has them, its own and its step's.
  auto deadlines = [&](DeadlineKind kind) {
    DeadlineQuery query;
    query.kind = kind;
    query.with_dossiers = true;
    absl::StatusOr<std::vector<Deadline>> listed = store->ListDeadlines(query);
    EXPECT_TRUE(listed.ok()) << listed.status();
    return listed.value_or(std::vector<Deadline>());
  };
  std::vector<Deadline> own = deadlines(DeadlineKind::kDossier);
  ASSERT_EQ(own.size(), 1u);
  EXPECT_EQ(own[0].dossier_code, "HS-P1");
  EXPECT_EQ(own[0].due_at, p1->due_at);
  ASSERT_TRUE(own[0].dossier.has_value());
  EXPECT_EQ(own[0].dossier->version, p1->version);
  std::vector<Deadline> steps = deadlines(DeadlineKind::kStep);
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].dossier_code, "HS-P1");
  EXPECT_EQ(steps[0].unit, p1->steps.back().unit);

  // The counts per agency agree with the lists.
  absl::StatusOr<std::vector<AgencyCount>> due = store->CountDeadlinesByAgency(
      DeadlineKind::kDossier, clock_.Now() + absl::Hours(24 * 1000), "");
  ASSERT_TRUE(due.ok()) << due.status();
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].count, 1);
  absl::StatusOr<std::vector<AgencyCount>> none_due =
      store->CountDeadlinesByAgency(DeadlineKind::kDossier, clock_.Now(), "");
  ASSERT_TRUE(none_due.ok()) << none_due.status();
  EXPECT_TRUE(none_due->empty());
  // On the deadline's own day, which is counted from the index (by the
  // day's start when asked in its first half, by its end in the second):
  // at its first and last instants, at the deadline (not yet due: the
  // agency is left out, not counted as zero) and just after it.
  const absl::Time day_start =
      absl::FromCivil(absl::ToCivilDay(p1->due_at, ReportZone()), ReportZone());
  const absl::Time day_end = absl::FromCivil(
      absl::ToCivilDay(p1->due_at, ReportZone()) + 1, ReportZone());
  const struct {
    absl::Time at;
    int64_t count;
  } instants[] = {{day_start, 0},
                  {p1->due_at, 0},
                  {p1->due_at + absl::Microseconds(1), 1},
                  {day_end - absl::Microseconds(1), 1}};
  for (const std::string& agency : {std::string(), p1->agency}) {
    for (const auto& [at, expected] : instants) {
      SCOPED_TRACE(absl::StrCat("agency \"", agency, "\" at ",
                                absl::FormatTime(at, ReportZone())));
      absl::StatusOr<std::vector<AgencyCount>> counted =
          store->CountDeadlinesByAgency(DeadlineKind::kDossier, at, agency);
      ASSERT_TRUE(counted.ok()) << counted.status();
      if (expected == 0) {
        EXPECT_TRUE(counted->empty());
        continue;
      }
      ASSERT_EQ(counted->size(), 1u);
      EXPECT_EQ((*counted)[0].agency, p1->agency);
      EXPECT_EQ((*counted)[0].count, expected);
    }
  }

  // Thresholds: in (at, code, target) order, within the range asked.
  absl::StatusOr<std::vector<ScheduledThreshold>> thresholds =
      store->ListThresholds(absl::InfinitePast(), absl::InfiniteFuture(),
                            std::nullopt, 1000);
  ASSERT_TRUE(thresholds.ok()) << thresholds.status();
  for (size_t i = 1; i < thresholds->size(); ++i) {
    EXPECT_LE((*thresholds)[i - 1].at, (*thresholds)[i].at);
  }
  for (const ScheduledThreshold& threshold : *thresholds) {
    EXPECT_EQ(threshold.dossier_code, "HS-P1");
  }

  // The state counters.
  absl::StatusOr<std::vector<StateCount>> states =
      store->CountDossiersByState();
  ASSERT_TRUE(states.ok()) << states.status();
  // One dossier in each state it is in now, and no group left behind at
  // zero by the states they passed through.
  std::vector<std::pair<LifecycleState, int64_t>> by_state;
  for (const StateCount& count : *states) {
    EXPECT_EQ(count.agency, "so-nong-nghiep-moi-truong");
    by_state.emplace_back(count.state, count.count);
  }
  EXPECT_THAT(by_state,
              ::testing::UnorderedElementsAre(
                  std::pair(LifecycleState::kProcessing, int64_t{1}),
                  std::pair(LifecycleState::kSupplementRequested, int64_t{1}),
                  std::pair(LifecycleState::kResolved, int64_t{1})));

  // The report of the day: three received, one resolved, the balance holds.
  ReportQuery query;
  query.from = absl::ToCivilDay(clock_.Now(), absl::FixedTimeZone(7 * 3600));
  query.to = query.from;
  absl::StatusOr<std::vector<ReportRow>> rows = store->Report(query);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].received, 3);
  EXPECT_EQ((*rows)[0].resolved, 1);
  EXPECT_EQ((*rows)[0].pending + (*rows)[0].paused, 2);
}

TEST_P(StoreContractTest, AFullQueueIsBackPressureAndCloseDrains) {
  StoreOptions options;
  options.queue_capacity = 2;
  std::unique_ptr<EventStore> store = Open(options);
  ASSERT_NE(store, nullptr);
  absl::Notification release;
  absl::Notification holding;
  ASSERT_TRUE(store
                  ->Execute(Request("HS-8", Submission(clock_.Now())),
                            [&](CommandOutcome) {
                              holding.Notify();
                              release.WaitForNotification();
                            })
                  .ok());
  holding.WaitForNotification();
  // The submission counts until its answer returns: room for one more.
  EXPECT_TRUE(store->Execute(Request("HS-8", HandOverAction{}), nullptr).ok());
  absl::Status full =
      store->Execute(Request("HS-8", HandOverAction{}), nullptr);
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(full.message()), HasSubstr("2 commands"));
  release.Notify();
  // Close drains what was queued.
  store->Close();
  EXPECT_EQ(WholeLog(*store).size(), 2u);
  EXPECT_EQ(store->Execute(Request("HS-8", HandOverAction{}), nullptr).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(
      store->ExecuteAndWait(Request("HS-8", HandOverAction{})).status.code(),
      absl::StatusCode::kUnavailable);
}

TEST_P(StoreContractTest, RefusedCommandsAppendNothingAndReadsGoOn) {
  std::unique_ptr<EventStore> store = Open();
  ASSERT_NE(store, nullptr);
  Accept(*store, "HS-9", Submission(clock_.Now()));
  store->RefuseCommands(absl::DataLossError("the log's tail is damaged"));
  EXPECT_EQ(store->Execute(Request("HS-9", HandOverAction{}), nullptr).code(),
            absl::StatusCode::kDataLoss);
  EXPECT_TRUE(store->ReadDossier("HS-9").ok());
  EXPECT_EQ(WholeLog(*store).size(), 1u);
}

TEST_P(StoreContractTest, EverythingSurvivesReopeningAndANewerSchemaIsRefused) {
  {
    std::unique_ptr<EventStore> store = Open();
    ASSERT_NE(store, nullptr);
    Accept(*store, "HS-10", Submission(clock_.Now()));
    Accept(*store, "HS-10", HandOverAction{});
  }
  {
    // The current schema opens as it is, with everything in it.
    std::unique_ptr<EventStore> store = Open();
    ASSERT_NE(store, nullptr);
    absl::StatusOr<Dossier> read = store->ReadDossier("HS-10");
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(read->version, 2);
    EXPECT_EQ(WholeLog(*store).size(), 2u);
    EXPECT_EQ(
        Accept(*store, "HS-10", StopAction{"court order"}).dossier->version, 3);
  }
  ASSERT_TRUE(GetParam().mark_newer_schema(directory_.File("")).ok());
  absl::StatusOr<std::unique_ptr<EventStore>> newer = TryOpen();
  EXPECT_EQ(newer.status().code(), absl::StatusCode::kFailedPrecondition);
}

INSTANTIATE_TEST_SUITE_P(
    Backends, StoreContractTest,
    ::testing::Values(SqliteBackend(), PostgresBackend()),
    [](const ::testing::TestParamInfo<StoreBackend>& backend) {
      return backend.param.name;
    });

}  // namespace
}  // namespace motcua::store
