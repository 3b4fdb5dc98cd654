// Tests of the bulk loader (store/bulk_load.h), through the fill that uses
// it: a synthetic history loaded in bulk leaves the very database that the
// same commands leave when sent one by one through a running store: the
// same log, chained the same way, the same projections and the same schema;
// the audit verifies and replays it; a store opens it and goes on.
#include "store/bulk_load.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "bench/fill.h"
#include "bench/fill_plan.h"
#include "engine/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/audit.h"
#include "store/event_store.h"
#include "store/schema.h"
#include "store/sqlite.h"
#include "tests/store/store_test_support.h"

namespace motcua::store {
namespace {

using ::motcua::store::testing::OptionsFor;
using ::motcua::store::testing::ShippedRules;
using ::motcua::store::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// The differences between table `name` of two files, row by row in key
// order: the first few, named.
std::vector<std::string> TableDifferences(const std::string& left_path,
                                          const std::string& right_path,
                                          const std::string& name,
                                          const std::string& order) {
  absl::StatusOr<Database> left =
      Database::Open(left_path, OpenMode::kReadOnly);
  absl::StatusOr<Database> right =
      Database::Open(right_path, OpenMode::kReadOnly);
  if (!left.ok() || !right.ok()) return {"cannot open the files"};
  const std::string sql =
      absl::StrCat("SELECT * FROM ", name, " ORDER BY ", order);
  absl::StatusOr<Statement> a = left->Prepare(sql);
  absl::StatusOr<Statement> b = right->Prepare(sql);
  if (!a.ok() || !b.ok()) return {absl::StrCat(name, ": cannot read")};
  std::vector<std::string> differences;
  for (int64_t row = 1; differences.size() < 5; ++row) {
    absl::StatusOr<bool> has_a = a->Step();
    absl::StatusOr<bool> has_b = b->Step();
    if (!has_a.ok() || !has_b.ok()) return {absl::StrCat(name, ": step")};
    if (*has_a != *has_b) {
      differences.push_back(
          absl::StrCat(name, ": row ", row, " only in one of them"));
      break;
    }
    if (!*has_a) break;
    for (int column = 0; column < a->ColumnCount(); ++column) {
      if (!a->SameColumn(column, *b)) {
        differences.push_back(absl::StrCat(
            name, ": row ", row, ", ", a->ColumnName(column), ": ",
            a->ColumnForDisplay(column), " / ", b->ColumnForDisplay(column)));
      }
    }
  }
  return differences;
}

class BulkLoadTest : public ::testing::Test {
 protected:
  // A month and a half of an office's history, ending on a weekday morning.
  absl::StatusOr<bench::FillPlan> Plan(int64_t dossiers) {
    shape_.dossiers = dossiers;
    shape_.end = absl::FromCivil(absl::CivilMinute(2026, 3, 18, 9, 30),
                                 absl::FixedTimeZone(7 * 3600));
    shape_.first = shape_.end - absl::Hours(24 * 45);
    shape_.agencies = {"ubnd-phuong-001", "ubnd-phuong-002", "ubnd-phuong-003"};
    return bench::PlanFill(*ShippedRules(), shape_);
  }

  TempDir directory_;
  bench::FillShape shape_;
  const absl::Duration step_ = absl::Minutes(10);
};

TEST_F(BulkLoadTest, LeavesTheDatabaseTheStoreLeavesForTheSameCommands) {
  absl::StatusOr<bench::FillPlan> plan = Plan(400);
  ASSERT_TRUE(plan.ok()) << plan.status();
  const std::string bulk_path = directory_.File("bulk.db");
  const std::string live_path = directory_.File("live.db");

  absl::StatusOr<std::unique_ptr<BulkLoader>> loader =
      BulkLoader::Create(bulk_path);
  ASSERT_TRUE(loader.ok()) << loader.status();
  absl::StatusOr<bench::FillTally> bulk =
      bench::FillInBulk(*plan, *ShippedRules(), shape_.end, step_, **loader);
  ASSERT_TRUE(bulk.ok()) << bulk.status();
  ASSERT_TRUE((*loader)->Close().ok());
  loader->reset();

  FakeClock clock(shape_.first);
  absl::StatusOr<bench::FillTally> live;
  {
    absl::StatusOr<std::unique_ptr<EventStore>> store =
        EventStore::Open(OptionsFor(live_path), &clock, ShippedRules());
    ASSERT_TRUE(store.ok()) << store.status();
    live = bench::FillThroughStore(*plan, shape_.end, step_, **store, clock);
    ASSERT_TRUE(live.ok()) << live.status();
    (*store)->Close();
  }

  // Every kind of command ran, and none was refused.
  EXPECT_EQ(bulk->refused, 0);
  EXPECT_EQ(live->refused, 0);
  EXPECT_EQ(bulk->commands, live->commands);
  EXPECT_EQ(bulk->events, live->events);
  EXPECT_GT(bulk->events, 1500);

  EXPECT_THAT(TableDifferences(bulk_path, live_path, "events", "sequence"),
              IsEmpty());
  EXPECT_THAT(TableDifferences(bulk_path, live_path, "meta", "key"), IsEmpty());
  for (const ProjectionTable& table : ProjectionTables()) {
    EXPECT_THAT(
        TableDifferences(bulk_path, live_path, table.name, table.key_columns),
        IsEmpty());
  }
  // The same tables and indexes (built elsewhere in the file).
  EXPECT_THAT(
      TableDifferences(bulk_path, live_path,
                       "(SELECT type, name, tbl_name, sql FROM sqlite_schema)",
                       "name"),
      IsEmpty());
  // Not vacuous: the history left dossiers in many states, some of them
  // past due at its end.
  absl::StatusOr<Database> database =
      Database::Open(bulk_path, OpenMode::kReadOnly);
  ASSERT_TRUE(database.ok()) << database.status();
  absl::StatusOr<std::optional<int64_t>> states =
      database->QueryInt("SELECT count(DISTINCT state) FROM dossiers");
  ASSERT_TRUE(states.ok()) << states.status();
  EXPECT_GE(states->value_or(0), 5);
  absl::StatusOr<std::optional<int64_t>> overdue = database->QueryInt(
      absl::StrCat("SELECT count(*) FROM deadlines WHERE due_at < ",
                   absl::ToUnixMicros(shape_.end)));
  ASSERT_TRUE(overdue.ok()) << overdue.status();
  EXPECT_GT(overdue->value_or(0), 0);

  absl::StatusOr<VerifyReport> verified = VerifyLog(bulk_path);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->problem, "");
  EXPECT_EQ(verified->events_checked, bulk->events);
  absl::StatusOr<ReplayReport> replayed =
      ReplayAndCompare(bulk_path, directory_.File("replay.db"));
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_THAT(replayed->differences, IsEmpty());
  EXPECT_EQ(replayed->dossiers, 400);
}

TEST_F(BulkLoadTest, AStoreOpensTheLoadedFileAndAppendsAfterIt) {
  absl::StatusOr<bench::FillPlan> plan = Plan(60);
  ASSERT_TRUE(plan.ok()) << plan.status();
  const std::string path = directory_.File("motcua.db");
  absl::StatusOr<std::unique_ptr<BulkLoader>> loader = BulkLoader::Create(path);
  ASSERT_TRUE(loader.ok()) << loader.status();
  absl::StatusOr<bench::FillTally> tally =
      bench::FillInBulk(*plan, *ShippedRules(), shape_.end, step_, **loader);
  ASSERT_TRUE(tally.ok()) << tally.status();
  ASSERT_TRUE((*loader)->Close().ok());

  FakeClock clock(shape_.end + absl::Minutes(5));
  {
    absl::StatusOr<std::unique_ptr<EventStore>> store =
        EventStore::Open(OptionsFor(path), &clock, ShippedRules());
    ASSERT_TRUE(store.ok()) << store.status();
    CommandRequest request;
    request.command.dossier_code = bench::FillDossierCode(60);
    request.command.actor = "intake.test";
    SubmitAction submit;
    submit.procedure_code = plan->procedure_codes.front();
    submit.agency = "ubnd-phuong-001";
    submit.received_at = clock.Now();
    request.command.action = submit;
    CommandOutcome outcome = (*store)->ExecuteAndWait(std::move(request));
    ASSERT_TRUE(outcome.status.ok()) << outcome.status;
    ASSERT_FALSE(outcome.events.empty());
    EXPECT_EQ(outcome.events.front().sequence, tally->events + 1);
    absl::StatusOr<Dossier> loaded =
        (*store)->ReadDossier(bench::FillDossierCode(0));
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    (*store)->Close();
  }
  absl::StatusOr<VerifyReport> verified = VerifyLog(path);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->problem, "");
  EXPECT_EQ(verified->events_checked, tally->events + 1);
}

TEST_F(BulkLoadTest, RefusesAFileThatExists) {
  const std::string path = directory_.File("motcua.db");
  {
    absl::StatusOr<std::unique_ptr<BulkLoader>> first =
        BulkLoader::Create(path);
    ASSERT_TRUE(first.ok()) << first.status();
    ASSERT_TRUE((*first)->Close().ok());
  }
  absl::StatusOr<std::unique_ptr<BulkLoader>> second = BulkLoader::Create(path);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(second.status().message(), HasSubstr(path));
}

TEST_F(BulkLoadTest, AnEventThatDoesNotApplyIsRefusedByName) {
  absl::StatusOr<std::unique_ptr<BulkLoader>> loader =
      BulkLoader::Create(directory_.File("motcua.db"));
  ASSERT_TRUE(loader.ok()) << loader.status();
  // A hand-over of a dossier that was never received.
  Event event;
  event.dossier_code = "HS-NONE";
  event.dossier_version = 2;
  event.occurred_at = absl::FromUnixSeconds(1700000000);
  event.actor = "officer.test";
  event.body = HandedOverEvent{};
  std::vector<Event> events;
  events.push_back(event);
  absl::Status status =
      (*loader)->Append(std::move(events), absl::FromUnixSeconds(1700000000));
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(status.message(), HasSubstr("HS-NONE"));
}

}  // namespace
}  // namespace motcua::store
