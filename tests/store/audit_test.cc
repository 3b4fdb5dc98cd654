// Tests of the offline audit (store/audit.cc): verification finds the first
// altered, inserted or removed event; a replay rebuilds the live projections
// exactly and names what differs when they were tampered with; a dossier can
// be rebuilt as of any instant.
#include "store/audit.h"

#include <filesystem>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/event_store.h"
#include "store/sqlite.h"
#include "tests/store/store_test_support.h"

namespace motcua::store {
namespace {

using ::motcua::store::testing::kBusinessProcedure;
using ::motcua::store::testing::MondayMorning;
using ::motcua::store::testing::OptionsFor;
using ::motcua::store::testing::Request;
using ::motcua::store::testing::ShippedRules;
using ::motcua::store::testing::Submission;
using ::motcua::store::testing::TempDir;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class AuditTest : public ::testing::Test {
 protected:
  AuditTest() : clock_(MondayMorning()) {}

  std::string DatabasePath() const { return directory_.File("motcua.db"); }
  std::string ScratchPath() const { return directory_.File("replay.db"); }

  // Ten dossiers, each received and handed over; the odd ones then paused
  // for a supplement and resumed; one resolved: 31 events.
  void WriteSampleLog() {
    absl::StatusOr<std::unique_ptr<EventStore>> store =
        EventStore::Open(OptionsFor(DatabasePath()), &clock_, ShippedRules());
    ASSERT_TRUE(store.ok()) << store.status();
    auto run = [&](const std::string& code, Action action) {
      CommandOutcome outcome = (*store)->ExecuteAndWait(
          Request(code, std::move(action), absl::StrCat(code, "-", ++next_)));
      ASSERT_TRUE(outcome.status.ok()) << outcome.status;
      clock_.Advance(absl::Minutes(20));
    };
    for (int i = 0; i < 10; ++i) {
      const std::string code = absl::StrCat("HS-", i);
      run(code, Submission(clock_.Now(), i % 3 == 0 ? kBusinessProcedure
                                                    : testing::kLandProcedure));
      HandOverAction hand_over;
      if (i % 3 == 0) hand_over.to_unit = "phong-kinh-te";
      run(code, hand_over);
      if (i % 2 == 1) {
        run(code, RequestSupplementAction{{"copy"}});
        run(code, ReceiveSupplementAction{});
      }
    }
    run("HS-3", ResolveAction{"done"});
    (*store)->Close();
  }

  void Modify(const std::string& sql) {
    absl::StatusOr<Database> database =
        Database::Open(DatabasePath(), OpenMode::kReadWrite);
    ASSERT_TRUE(database.ok()) << database.status();
    ASSERT_TRUE(database->Execute(sql).ok()) << sql;
  }

  // Flips the lowest bit of one byte in the middle of an event's payload.
  void FlipOneBitOfPayload(int64_t sequence) {
    absl::StatusOr<Database> database =
        Database::Open(DatabasePath(), OpenMode::kReadWrite);
    ASSERT_TRUE(database.ok()) << database.status();
    absl::StatusOr<Statement> read =
        database->Prepare("SELECT payload FROM events WHERE sequence = ?1");
    ASSERT_TRUE(read.ok());
    read->BindInt(1, sequence);
    ASSERT_TRUE(*read->Step());
    std::string payload(read->ColumnBlob(0));
    read->Reset();
    payload[payload.size() / 2] ^= 1;
    absl::StatusOr<Statement> write =
        database->Prepare("UPDATE events SET payload = ?1 WHERE sequence = ?2");
    ASSERT_TRUE(write.ok());
    write->BindBlob(1, payload).BindInt(2, sequence);
    ASSERT_TRUE(write->Run().ok());
  }

  TempDir directory_;
  FakeClock clock_;
  int next_ = 0;
};

TEST_F(AuditTest, AnIntactLogVerifies) {
  WriteSampleLog();
  absl::StatusOr<VerifyReport> report = VerifyLog(DatabasePath());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok()) << report->problem;
  EXPECT_EQ(report->events_checked, 31);
}

TEST_F(AuditTest, OneChangedByteOfOneEventIsFoundAndNamed) {
  WriteSampleLog();
  FlipOneBitOfPayload(12);
  absl::StatusOr<VerifyReport> report = VerifyLog(DatabasePath());
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_FALSE(report->ok());
  EXPECT_EQ(report->first_bad_sequence, 12);
  EXPECT_THAT(report->problem, HasSubstr("altered"));
}

TEST_F(AuditTest, AChangedActorIsFound) {
  WriteSampleLog();
  Modify("UPDATE events SET actor = 'someone.else' WHERE sequence = 5");
  absl::StatusOr<VerifyReport> report = VerifyLog(DatabasePath());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->first_bad_sequence, 5);
}

TEST_F(AuditTest, ADeletedEventIsNamedByTheEventAfterTheGap) {
  WriteSampleLog();
  Modify("DELETE FROM events WHERE sequence = 7");
  absl::StatusOr<VerifyReport> report = VerifyLog(DatabasePath());
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_FALSE(report->ok());
  EXPECT_EQ(report->first_bad_sequence, 8);
  EXPECT_THAT(report->problem, HasSubstr("removed"));
  EXPECT_EQ(report->events_checked, 7);
}

TEST_F(AuditTest, EveryDeletedOrAlteredEventIsNamedWhereverItLies) {
  // Verify checks the log in two halves at once: a removal or a change is
  // named alike at the start, in either half and at the seam between them.
  WriteSampleLog();
  const std::filesystem::path original = DatabasePath() + ".original";
  std::filesystem::copy_file(DatabasePath(), original);
  absl::StatusOr<VerifyReport> intact = VerifyLog(DatabasePath());
  ASSERT_TRUE(intact.ok() && intact->ok());
  const int64_t events = intact->events_checked;
  ASSERT_GT(events, 4);
  for (int64_t removed = 2; removed < events; ++removed) {
    SCOPED_TRACE(absl::StrCat("event ", removed, " removed"));
    std::filesystem::copy_file(
        original, DatabasePath(),
        std::filesystem::copy_options::overwrite_existing);
    Modify(absl::StrCat("DELETE FROM events WHERE sequence = ", removed));
    absl::StatusOr<VerifyReport> report = VerifyLog(DatabasePath());
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_EQ(report->first_bad_sequence, removed + 1);
    EXPECT_EQ(report->events_checked, removed);
    EXPECT_THAT(report->problem, HasSubstr("removed"));
  }
  for (int64_t altered = 1; altered <= events; ++altered) {
    SCOPED_TRACE(absl::StrCat("event ", altered, " altered"));
    std::filesystem::copy_file(
        original, DatabasePath(),
        std::filesystem::copy_options::overwrite_existing);
    FlipOneBitOfPayload(altered);
    absl::StatusOr<VerifyReport> report = VerifyLog(DatabasePath());
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_EQ(report->first_bad_sequence, altered);
    EXPECT_EQ(report->events_checked, altered);
    EXPECT_THAT(report->problem, HasSubstr("altered"));
  }
}

TEST_F(AuditTest, ADeletedFirstEventIsFound) {
  WriteSampleLog();
  Modify("DELETE FROM events WHERE sequence = 1");
  absl::StatusOr<VerifyReport> report = VerifyLog(DatabasePath());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->first_bad_sequence, 2);
}

TEST_F(AuditTest, ADeletedLastEventIsFound) {
  WriteSampleLog();
  Modify("DELETE FROM events WHERE sequence = 31");
  absl::StatusOr<VerifyReport> report = VerifyLog(DatabasePath());
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_FALSE(report->ok());
  EXPECT_EQ(report->first_bad_sequence, 31);
  EXPECT_THAT(report->problem, HasSubstr("removed from the end"));
}

TEST_F(AuditTest, AnEventAppendedOutsideMotcuaIsFound) {
  WriteSampleLog();
  // A copy of the last event under the next sequence, linked to it.
  Modify(
      "INSERT INTO events SELECT 32, dossier_code, dossier_version + 1, type, "
      "occurred_at, recorded_at, actor, rule_version, payload, hash, hash "
      "FROM events WHERE sequence = 31");
  absl::StatusOr<VerifyReport> report = VerifyLog(DatabasePath());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->first_bad_sequence, 32);
}

TEST_F(AuditTest, AReplayEqualsTheLiveProjections) {
  WriteSampleLog();
  absl::StatusOr<ReplayReport> report =
      ReplayAndCompare(DatabasePath(), ScratchPath());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->events, 31);
  EXPECT_EQ(report->dossiers, 10);
  EXPECT_THAT(report->differences, IsEmpty());
  // The scratch file is replaced on the next run.
  report = ReplayAndCompare(DatabasePath(), ScratchPath());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_THAT(report->differences, IsEmpty());
}

TEST_F(AuditTest, AReplayNamesTamperedProjections) {
  WriteSampleLog();
  Modify("UPDATE dossiers SET state = 6 WHERE code = 'HS-4'");
  Modify("DELETE FROM deadlines WHERE dossier_code = 'HS-2' AND kind = 'step'");
  Modify("INSERT INTO counters VALUES ('x', 'y', '', 1, 5)");
  Modify(
      "UPDATE control_sheet SET late = 1 WHERE dossier_code = 'HS-1' AND "
      "entry = 2");
  absl::StatusOr<ReplayReport> report =
      ReplayAndCompare(DatabasePath(), ScratchPath());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_THAT(report->differences,
              Contains("dossiers: HS-4: state: live 6, replay 2"));
  EXPECT_THAT(report->differences,
              Contains("deadlines: HS-2 / step: rebuilt by the replay, "
                       "missing from the live table"));
  EXPECT_THAT(report->differences,
              Contains("counters: x / y /  / 1: in the live table, not "
                       "rebuilt by the replay"));
  EXPECT_THAT(report->differences,
              Contains("control_sheet: HS-1 / 2: late: live 1, replay 0"));
  EXPECT_EQ(report->differences.size(), 4u);
}

TEST_F(AuditTest, AReplayWithinATinyMemoryBoundEqualsTheLiveProjections) {
  WriteSampleLog();
  // Two open dossiers at most: the ten are taken over several passes.
  absl::StatusOr<ReplayReport> report = ReplayAndCompare(
      DatabasePath(), ScratchPath(), ReplayOptions{.max_open_dossiers = 2});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_GT(report->passes, 1);
  EXPECT_EQ(report->events, 31);
  EXPECT_EQ(report->dossiers, 10);
  EXPECT_THAT(report->differences, IsEmpty());
  absl::StatusOr<ReplayReport> unbounded =
      ReplayAndCompare(DatabasePath(), ScratchPath());
  ASSERT_TRUE(unbounded.ok()) << unbounded.status();
  EXPECT_EQ(unbounded->passes, 1);
}

TEST_F(AuditTest, AReplayWithinATinyMemoryBoundNamesTheSameDifferences) {
  WriteSampleLog();
  Modify("UPDATE dossiers SET state = 6 WHERE code = 'HS-8'");
  Modify("DELETE FROM deadlines WHERE dossier_code = 'HS-2' AND kind = 'step'");
  // An event that fits no state: a second receipt of HS-7, as version 5.
  Modify(
      "INSERT INTO events SELECT 32, dossier_code, 5, type, occurred_at, "
      "recorded_at, actor, rule_version, payload, hash, hash FROM events "
      "WHERE dossier_code = 'HS-7' AND dossier_version = 1");
  absl::StatusOr<ReplayReport> unbounded =
      ReplayAndCompare(DatabasePath(), ScratchPath());
  ASSERT_TRUE(unbounded.ok()) << unbounded.status();
  EXPECT_EQ(unbounded->differences.size(), 3u);
  absl::StatusOr<ReplayReport> bounded = ReplayAndCompare(
      DatabasePath(), ScratchPath(), ReplayOptions{.max_open_dossiers = 1});
  ASSERT_TRUE(bounded.ok()) << bounded.status();
  EXPECT_GT(bounded->passes, 1);
  EXPECT_EQ(bounded->events, unbounded->events);
  EXPECT_EQ(bounded->dossiers, unbounded->dossiers);
  EXPECT_THAT(bounded->differences,
              ::testing::UnorderedElementsAreArray(unbounded->differences));
}

TEST_F(AuditTest, AReplayDropsAClosedDossierToMakeRoom) {
  // Bound 2. X1 and X2 received, X1 withdrawn: its room goes to X3. X4 and
  // X5 find no room and take a second pass together. Were X1 kept, X3 would
  // wait too and X5 a third pass.
  {
    absl::StatusOr<std::unique_ptr<EventStore>> store =
        EventStore::Open(OptionsFor(DatabasePath()), &clock_, ShippedRules());
    ASSERT_TRUE(store.ok()) << store.status();
    auto run = [&](const std::string& code, Action action) {
      CommandOutcome outcome = (*store)->ExecuteAndWait(
          Request(code, std::move(action), absl::StrCat(code, "-", ++next_)));
      ASSERT_TRUE(outcome.status.ok()) << outcome.status;
      clock_.Advance(absl::Minutes(20));
    };
    run("X1", Submission(clock_.Now(), testing::kLandProcedure));
    run("X2", Submission(clock_.Now(), testing::kLandProcedure));
    run("X1", WithdrawAction{"applicant asked"});
    run("X3", Submission(clock_.Now(), testing::kLandProcedure));
    run("X4", Submission(clock_.Now(), testing::kLandProcedure));
    run("X5", Submission(clock_.Now(), testing::kLandProcedure));
    run("X2", HandOverAction{});
    run("X3", HandOverAction{});
    run("X4", HandOverAction{});
    run("X5", HandOverAction{});
    (*store)->Close();
  }
  absl::StatusOr<ReplayReport> report = ReplayAndCompare(
      DatabasePath(), ScratchPath(), ReplayOptions{.max_open_dossiers = 2});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->passes, 2);
  EXPECT_EQ(report->events, 10);
  EXPECT_EQ(report->dossiers, 5);
  EXPECT_THAT(report->differences, IsEmpty());
}

TEST_F(AuditTest, ADossierCanBeRebuiltAsOfAnInstant) {
  const absl::Time start = clock_.Now();
  WriteSampleLog();
  // HS-1: received at start + 40 min, handed over 20 min later, paused 20
  // min after that.
  absl::StatusOr<Dossier> received =
      DossierAsOf(DatabasePath(), "HS-1", start + absl::Minutes(50));
  ASSERT_TRUE(received.ok()) << received.status();
  EXPECT_EQ(received->version, 1);
  EXPECT_EQ(received->state, LifecycleState::kReceived);
  absl::StatusOr<Dossier> paused =
      DossierAsOf(DatabasePath(), "HS-1", start + absl::Minutes(80));
  ASSERT_TRUE(paused.ok()) << paused.status();
  EXPECT_EQ(paused->version, 3);
  EXPECT_EQ(paused->state, LifecycleState::kSupplementRequested);
  absl::StatusOr<Dossier> now =
      DossierAsOf(DatabasePath(), "HS-1", absl::InfiniteFuture());
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->version, 4);
  EXPECT_EQ(DossierAsOf(DatabasePath(), "HS-1", start).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(DossierAsOf(DatabasePath(), "HS-404", absl::InfiniteFuture())
                .status()
                .code(),
            absl::StatusCode::kNotFound);

  absl::StatusOr<std::vector<StoredEvent>> events =
      ReadDossierEventsFromFile(DatabasePath(), "HS-1");
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(events->size(), 4u);
}

TEST_F(AuditTest, AMissingFileIsNotFound) {
  EXPECT_EQ(VerifyLog(DatabasePath()).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace motcua::store
