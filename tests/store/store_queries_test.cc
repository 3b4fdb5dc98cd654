// The supervision reads of the event store: filtered lists of dossiers and
// of pending deadlines, paged in a stable order, and overdue counts per
// agency, on a real database file.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/audit.h"
#include "store/event_store.h"
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
using ::testing::ElementsAre;

std::vector<std::string> Codes(const std::vector<Dossier>& dossiers) {
  std::vector<std::string> codes;
  for (const Dossier& dossier : dossiers) codes.push_back(dossier.code);
  return codes;
}
std::vector<std::string> Codes(const std::vector<Deadline>& deadlines) {
  std::vector<std::string> codes;
  for (const Deadline& deadline : deadlines) {
    codes.push_back(deadline.dossier_code);
  }
  return codes;
}

class StoreQueriesTest : public ::testing::Test {
 protected:
  StoreQueriesTest() : clock_(MondayMorning()) {
    absl::StatusOr<std::unique_ptr<EventStore>> store = EventStore::Open(
        OptionsFor(directory_.File("motcua.db")), &clock_, ShippedRules());
    EXPECT_TRUE(store.ok()) << store.status();
    if (store.ok()) store_ = std::move(*store);
  }

  // Submits dossier `code` to `agency`, received `hours_ago` hours before
  // the clock.
  Dossier Submit(const std::string& code, const std::string& agency,
                 const std::string& procedure, int hours_ago) {
    SubmitAction submit =
        Submission(clock_.Now() - absl::Hours(hours_ago), procedure);
    submit.agency = agency;
    CommandOutcome outcome = store_->ExecuteAndWait(Request(code, submit));
    EXPECT_TRUE(outcome.status.ok()) << outcome.status;
    return outcome.dossier.value_or(Dossier());
  }

  TempDir directory_;
  FakeClock clock_;
  std::unique_ptr<EventStore> store_;
};

TEST_F(StoreQueriesTest, ListDossiersFiltersAndPagesInCodeOrder) {
  ASSERT_NE(store_, nullptr);
  for (int i = 0; i < 7; ++i) {
    Submit(absl::StrFormat("A-%02d", i),
           i % 2 == 0 ? "agency-even" : "agency-odd",
           i < 4 ? kLandProcedure : kBusinessProcedure, 1);
  }
  ASSERT_TRUE(
      store_->ExecuteAndWait(Request("A-02", HandOverAction{})).status.ok());

  DossierFilter even;
  even.agency = "agency-even";
  absl::StatusOr<std::vector<Dossier>> first =
      store_->ListDossiers(even, "", 2);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(Codes(*first), ElementsAre("A-00", "A-02"));
  absl::StatusOr<std::vector<Dossier>> second =
      store_->ListDossiers(even, "A-02", 2);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_THAT(Codes(*second), ElementsAre("A-04", "A-06"));

  DossierFilter processing;
  processing.state = LifecycleState::kProcessing;
  EXPECT_THAT(Codes(*store_->ListDossiers(processing, "", 100)),
              ElementsAre("A-02"));

  DossierFilter business;
  business.procedure_code = kBusinessProcedure;
  business.agency = "agency-odd";
  EXPECT_THAT(Codes(*store_->ListDossiers(business, "", 100)),
              ElementsAre("A-05"));

  DossierFilter held;
  held.unit = (*store_->ReadDossier("A-02")).steps.back().unit;
  EXPECT_THAT(Codes(*store_->ListDossiers(held, "", 100)), ElementsAre("A-02"));
}

TEST_F(StoreQueriesTest, DeadlinesComeInDueOrderWithACursor) {
  ASSERT_NE(store_, nullptr);
  // Received earlier means due earlier (same procedure and calendar).
  Submit("D-1", "agency-a", kBusinessProcedure, 24 * 30);
  Submit("D-2", "agency-b", kBusinessProcedure, 24 * 20);
  Submit("D-3", "agency-a", kBusinessProcedure, 24 * 10);
  Submit("D-4", "agency-a", kBusinessProcedure, 0);

  DeadlineQuery overdue;
  overdue.due_before = clock_.Now();
  absl::StatusOr<std::vector<Deadline>> all = store_->ListDeadlines(overdue);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_FALSE(all->empty());
  for (size_t i = 1; i < all->size(); ++i) {
    EXPECT_LE((*all)[i - 1].due_at, (*all)[i].due_at);
  }
  for (const Deadline& deadline : *all) {
    EXPECT_LT(deadline.due_at, clock_.Now());
    EXPECT_NE(deadline.dossier_code, "D-4");  // not due yet
  }

  DeadlineQuery agency_a = overdue;
  agency_a.agency = "agency-a";
  agency_a.limit = 1;
  absl::StatusOr<std::vector<Deadline>> page = store_->ListDeadlines(agency_a);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_THAT(Codes(*page), ElementsAre("D-1"));
  agency_a.after = DeadlineCursor{page->back().due_at, "D-1"};
  agency_a.limit = 10;
  page = store_->ListDeadlines(agency_a);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(Codes(*page), ElementsAre("D-3"));
  EXPECT_FALSE(page->front().dossier.has_value());

  // The same page with each dossier read in the same statement.
  agency_a.with_dossiers = true;
  page = store_->ListDeadlines(agency_a);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_THAT(Codes(*page), ElementsAre("D-3"));
  ASSERT_TRUE(page->front().dossier.has_value());
  EXPECT_EQ(page->front().dossier->code, "D-3");
  EXPECT_EQ(page->front().dossier->version,
            store_->ReadDossier("D-3")->version);
  EXPECT_EQ(page->front().dossier->due_at, page->front().due_at);

  absl::StatusOr<std::vector<AgencyCount>> counts =
      store_->CountDeadlinesByAgency(DeadlineKind::kDossier, clock_.Now(), "");
  ASSERT_TRUE(counts.ok()) << counts.status();
  ASSERT_EQ(counts->size(), 2u);
  EXPECT_EQ((*counts)[0].agency, "agency-a");
  EXPECT_EQ((*counts)[0].count, 2);
  EXPECT_EQ((*counts)[1].agency, "agency-b");
  EXPECT_EQ((*counts)[1].count, 1);
}

// A unit's late steps are an index range by unit; a unit outside the
// procedure's steps holds the dossier without a step deadline of its own.
TEST_F(StoreQueriesTest, StepDeadlinesAreListedByTheUnitHoldingThem) {
  ASSERT_NE(store_, nullptr);
  const Dossier in_step = Submit("S-1", "agency-a", kLandProcedure, 24 * 30);
  ASSERT_FALSE(in_step.steps.empty());
  const std::string unit = in_step.steps.back().unit;
  Submit("S-2", "agency-a", kLandProcedure, 24 * 20);
  HandOverAction outside;
  outside.to_unit = "so-tai-chinh";
  ASSERT_TRUE(store_->ExecuteAndWait(Request("S-2", outside)).status.ok());

  DeadlineQuery steps;
  steps.kind = DeadlineKind::kStep;
  steps.due_before = clock_.Now();
  steps.unit = unit;
  absl::StatusOr<std::vector<Deadline>> page = store_->ListDeadlines(steps);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_THAT(Codes(*page), ElementsAre("S-1"));
  EXPECT_EQ(page->front().step_id, in_step.steps.back().step_id);
  EXPECT_EQ(page->front().due_at, in_step.steps.back().due_at);

  steps.unit = "so-tai-chinh";
  EXPECT_THAT(Codes(*store_->ListDeadlines(steps)), ::testing::IsEmpty());
  DeadlineQuery dossiers = steps;
  dossiers.kind = DeadlineKind::kDossier;
  EXPECT_THAT(Codes(*store_->ListDeadlines(dossiers)), ElementsAre("S-2"));

  // After a dossier's own row, its step's row at the same place still
  // comes; after the step's row, it does not.
  steps.unit = unit;
  steps.after = DeadlineCursor{in_step.steps.back().due_at, "S-1",
                               DeadlineKind::kDossier};
  EXPECT_THAT(Codes(*store_->ListDeadlines(steps)), ElementsAre("S-1"));
  steps.after->kind = DeadlineKind::kStep;
  EXPECT_THAT(Codes(*store_->ListDeadlines(steps)), ::testing::IsEmpty());
}

// The counts per agency, as ListDeadlines finds them one by one.
std::map<std::string, int64_t> CountedOneByOne(EventStore& store,
                                               DeadlineKind kind,
                                               absl::Time due_before) {
  DeadlineQuery query;
  query.kind = kind;
  query.due_before = due_before;
  query.limit = 1000;
  absl::StatusOr<std::vector<Deadline>> deadlines = store.ListDeadlines(query);
  EXPECT_TRUE(deadlines.ok()) << deadlines.status();
  std::map<std::string, int64_t> counts;
  for (const Deadline& deadline : deadlines.value_or(std::vector<Deadline>())) {
    ++counts[(*store.ReadDossier(deadline.dossier_code)).agency];
  }
  return counts;
}

std::map<std::string, int64_t> AsMap(const std::vector<AgencyCount>& counts) {
  std::map<std::string, int64_t> map;
  for (const AgencyCount& count : counts) map[count.agency] = count.count;
  return map;
}

// Compares the counts at instants every five hours from `from` to `to` with
// the deadlines counted one by one; returns how many instants had any.
int CheckCountsBetween(EventStore& store, absl::Time from, absl::Time to) {
  int checked = 0;
  for (absl::Time at = from; at <= to; at += absl::Hours(5)) {
    for (DeadlineKind kind : {DeadlineKind::kDossier, DeadlineKind::kStep}) {
      const std::map<std::string, int64_t> expected =
          CountedOneByOne(store, kind, at);
      absl::StatusOr<std::vector<AgencyCount>> all =
          store.CountDeadlinesByAgency(kind, at, "");
      EXPECT_TRUE(all.ok()) << all.status();
      if (!all.ok()) return checked;
      EXPECT_EQ(AsMap(*all), expected) << absl::FormatTime(at);
      absl::StatusOr<std::vector<AgencyCount>> one =
          store.CountDeadlinesByAgency(kind, at, "agency-a");
      EXPECT_TRUE(one.ok()) << one.status();
      if (!one.ok()) return checked;
      std::map<std::string, int64_t> expected_a;
      if (expected.contains("agency-a")) {
        expected_a["agency-a"] = expected.at("agency-a");
      }
      EXPECT_EQ(AsMap(*one), expected_a) << absl::FormatTime(at);
      if (!expected.empty()) ++checked;
    }
  }
  return checked;
}

TEST_F(StoreQueriesTest, DeadlineCountsMatchTheDeadlinesAtEveryInstant) {
  ASSERT_NE(store_, nullptr);
  // Received over three weeks, every few hours: due times on many days,
  // some on the day of the instants below.
  for (int i = 0; i < 40; ++i) {
    Submit(absl::StrFormat("C-%02d", i), i % 3 == 0 ? "agency-a" : "agency-b",
           i % 2 == 0 ? kLandProcedure : kBusinessProcedure, 13 * i);
  }
  // Steps move, a dossier pauses, one is resolved: counts move with them.
  ASSERT_TRUE(
      store_->ExecuteAndWait(Request("C-02", HandOverAction{})).status.ok());
  ASSERT_TRUE(
      store_->ExecuteAndWait(Request("C-04", HandOverAction{})).status.ok());
  ASSERT_TRUE(store_
                  ->ExecuteAndWait(Request(
                      "C-06", RequestSupplementAction{{"a certified copy"}}))
                  .status.ok());
  ASSERT_TRUE(
      store_->ExecuteAndWait(Request("C-10", HandOverAction{})).status.ok());
  ASSERT_TRUE(store_->ExecuteAndWait(Request("C-10", ResolveAction{"done"}))
                  .status.ok());
  const absl::Time start = clock_.Now();
  EXPECT_GT(CheckCountsBetween(*store_, start - absl::Hours(24 * 30),
                               start + absl::Hours(24 * 60)),
            100);

  // Days pass with commands: each day's first settles the days before it
  // into the totals, and deadlines that were counted there move or end.
  for (int day = 1; day <= 12; ++day) {
    clock_.Advance(absl::Hours(24));
    Submit(absl::StrFormat("N-%02d", day),
           day % 2 == 0 ? "agency-a" : "agency-b", kLandProcedure, 0);
    const std::string earlier = absl::StrFormat("C-%02d", 2 * day + 10);
    ASSERT_TRUE(
        store_->ExecuteAndWait(Request(earlier, HandOverAction{})).status.ok())
        << earlier;
    if (day % 3 == 0) {
      ASSERT_TRUE(
          store_->ExecuteAndWait(Request(earlier, ResolveAction{"done"}))
              .status.ok())
          << earlier;
    }
    // Now, and also before the settled day (summed from the first day).
    EXPECT_GT(CheckCountsBetween(*store_, clock_.Now() - absl::Hours(24 * 40),
                                 clock_.Now() + absl::Hours(24 * 40)),
              0);
  }

  // What was settled is rebuilt the same by a replay.
  absl::StatusOr<ReplayReport> replay = ReplayAndCompare(
      directory_.File("motcua.db"), directory_.File("replay.db"));
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_THAT(replay->differences, ::testing::IsEmpty());
  absl::StatusOr<Database> database =
      Database::Open(directory_.File("motcua.db"), OpenMode::kReadOnly);
  ASSERT_TRUE(database.ok()) << database.status();
  EXPECT_GT(
      database->QueryInt("SELECT count(*) FROM deadline_totals")->value_or(0),
      0);
}

TEST_F(StoreQueriesTest, APausedDossierHasNoPendingDeadline) {
  ASSERT_NE(store_, nullptr);
  Submit("P-1", "agency-a", kLandProcedure, 0);
  DeadlineQuery any;
  EXPECT_EQ(store_->ListDeadlines(any)->size(), 1u);
  DeadlineQuery steps;
  steps.kind = DeadlineKind::kStep;
  EXPECT_EQ(store_->ListDeadlines(steps)->size(), 1u);
  ASSERT_TRUE(store_
                  ->ExecuteAndWait(Request(
                      "P-1", RequestSupplementAction{{"a certified copy"}}))
                  .status.ok());
  EXPECT_TRUE(store_->ListDeadlines(any)->empty());
  EXPECT_TRUE(store_->ListDeadlines(steps)->empty());
}

TEST_F(StoreQueriesTest, TheCommitObserverSeesEachCommittedHead) {
  ASSERT_NE(store_, nullptr);
  absl::Mutex mu;
  std::vector<int64_t> heads;
  store_->SetCommitObserver([&](int64_t head) {
    absl::MutexLock lock(&mu);
    heads.push_back(head);
  });
  Submit("O-1", "agency-a", kLandProcedure, 0);
  // A refused command appends nothing and commits nothing to observe.
  EXPECT_FALSE(
      store_->ExecuteAndWait(Request("O-1", ResumeAction{})).status.ok());
  Submit("O-2", "agency-a", kLandProcedure, 0);
  absl::MutexLock lock(&mu);
  ASSERT_EQ(heads.size(), 2u);
  EXPECT_EQ(heads.back(), *store_->LastSequence());
}

}  // namespace
}  // namespace motcua::store
