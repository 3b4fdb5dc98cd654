// The periodic report (engine/report.h, store Report) against the truth:
// dossiers driven through every kind of ending over several weeks, then each
// report's columns compared with the dossiers' states rebuilt from the log
// as of the period's end, and the row invariant checked for every period.
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "engine/report.h"
#include "gtest/gtest.h"
#include "store/audit.h"
#include "store/event_store.h"
#include "tests/store/store_test_support.h"

namespace motcua::store {
namespace {

using ::motcua::store::testing::kBusinessProcedure;
using ::motcua::store::testing::kLandProcedure;
using ::motcua::store::testing::OptionsFor;
using ::motcua::store::testing::Request;
using ::motcua::store::testing::ShippedRules;
using ::motcua::store::testing::Submission;
using ::motcua::store::testing::TempDir;

const absl::TimeZone kVietnam = absl::FixedTimeZone(7 * 3600);

absl::Time At(absl::CivilDay day, int hour, int minute = 0) {
  return absl::FromCivil(
      absl::CivilMinute(day.year(), day.month(), day.day(), hour, minute),
      kVietnam);
}

class StoreReportTest : public ::testing::Test {
 protected:
  // Three weeks of dossiers from Monday 2025-09-08, a few each working
  // morning, each with a story chosen by a seeded generator, the commands
  // applied in time order with the clock moved to each.
  void SetUp() override {
    clock_ = std::make_unique<FakeClock>(At(kFirstDay, 7));
    absl::StatusOr<std::unique_ptr<EventStore>> store =
        EventStore::Open(OptionsFor(path_), clock_.get(), ShippedRules());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);

    struct Step {
      absl::Time at;
      int order;
      CommandRequest request;
    };
    std::vector<Step> script;
    std::mt19937 random(20250908);
    int order = 0;
    for (int day = 0; day < 21; ++day) {
      const absl::CivilDay civil = kFirstDay + day;
      const absl::Weekday weekday = absl::GetWeekday(civil);
      if (weekday == absl::Weekday::saturday ||
          weekday == absl::Weekday::sunday) {
        continue;
      }
      for (int n = 0; n < 4; ++n) {
        const std::string code = absl::StrFormat("R-%02d-%d", day, n);
        codes_.push_back(code);
        const absl::Time received = At(civil, 8 + n, 15);
        SubmitAction submit = Submission(
            received, n % 2 == 0 ? kLandProcedure : kBusinessProcedure);
        submit.agency = n % 3 == 0 ? "agency-x" : "agency-y";
        submit.channel = n % 2 == 0 ? Channel::kOnline : Channel::kInPerson;
        script.push_back({received, order++, Request(code, submit)});
        auto then = [&](int hours, Action action) {
          script.push_back({received + absl::Hours(hours), order++,
                            Request(code, std::move(action))});
        };
        switch (random() % 8) {
          case 0:  // left open: overdue by the end for the short procedure
            break;
          case 1:
            then(1, HandOverAction{});
            then(26, ResolveAction{"done"});
            then(50, ReturnResultAction{});
            break;
          case 2:
            then(1, RequestSupplementAction{{"a copy"}});
            break;
          case 3:
            then(2, RejectAction{"not eligible"});
            break;
          case 4:
            then(1, StopAction{"court case"});
            then(24 * 6, ResumeAction{});
            break;
          case 5:
            then(24 * 9, ResolveAction{"late result"});
            break;
          case 6:
            then(3, WithdrawAction{"applicant withdrew"});
            break;
          case 7:  // stopped after its due time: paused and overdue
            then(24 * 7, StopAction{"inspection"});
            break;
        }
      }
    }
    std::sort(script.begin(), script.end(), [](const Step& a, const Step& b) {
      return a.at != b.at ? a.at < b.at : a.order < b.order;
    });
    for (Step& step : script) {
      if (step.at > At(kFirstDay + 27, 18)) continue;
      clock_->Set(step.at);
      CommandOutcome outcome = store_->ExecuteAndWait(std::move(step.request));
      // A story may end early (a stopped dossier cannot be resolved, say);
      // the report must agree with whatever the log holds.
      (void)outcome;
    }
  }

  // The report's columns counted the slow way: each dossier as of the end
  // of `day`, from the log.
  ReportRow Truth(const std::string& agency, absl::CivilDay day) {
    ReportRow truth;
    const absl::Time end = At(day + 1, 0) - absl::Microseconds(1);
    for (const std::string& code : codes_) {
      absl::StatusOr<Dossier> dossier = DossierAsOf(path_, code, end);
      if (!dossier.ok() || dossier->agency != agency) continue;
      switch (dossier->state) {
        case LifecycleState::kReceived:
        case LifecycleState::kProcessing:
          ++truth.pending;
          if (dossier->due_at <= end) ++truth.pending_overdue;
          break;
        case LifecycleState::kSupplementRequested:
        case LifecycleState::kAwaitingFinancialObligation:
        case LifecycleState::kStopped:
          ++truth.paused;
          if (*dossier->paused_since > dossier->due_at) ++truth.paused_overdue;
          break;
        default:
          break;
      }
    }
    return truth;
  }

  ReportRow RowOf(const std::vector<ReportRow>& rows,
                  const std::string& group) {
    for (const ReportRow& row : rows) {
      if (row.group == group) return row;
    }
    return ReportRow{group};
  }

  static constexpr absl::CivilDay kFirstDay{2025, 9, 8};
  TempDir directory_;
  std::string path_ = directory_.File("motcua.db");
  std::unique_ptr<FakeClock> clock_;
  std::unique_ptr<EventStore> store_;
  std::vector<std::string> codes_;
};

TEST_F(StoreReportTest, EveryPeriodBalancesAndMatchesTheLog) {
  const absl::CivilDay ends[] = {kFirstDay + 2, kFirstDay + 6, kFirstDay + 13,
                                 kFirstDay + 20, kFirstDay + 27};
  absl::CivilDay from = kFirstDay - 3;
  ReportRow seen;  // the test means something only if these occur
  for (absl::CivilDay to : ends) {
    SCOPED_TRACE(absl::FormatCivilTime(to));
    for (CountResolutionAt count_at :
         {CountResolutionAt::kResolution, CountResolutionAt::kReturn}) {
      ReportQuery query;
      query.from = from;
      query.to = to;
      query.count_at = count_at;
      absl::StatusOr<std::vector<ReportRow>> rows = store_->Report(query);
      ASSERT_TRUE(rows.ok()) << rows.status();
      ASSERT_FALSE(rows->empty());
      for (const ReportRow& row : *rows) {
        EXPECT_TRUE(row.Balanced()) << row.group;
      }
      if (count_at == CountResolutionAt::kReturn) continue;
      for (const char* agency : {"agency-x", "agency-y"}) {
        SCOPED_TRACE(agency);
        const ReportRow row = RowOf(*rows, agency);
        const ReportRow truth = Truth(agency, to);
        seen.pending_overdue += truth.pending_overdue;
        seen.paused += truth.paused;
        seen.paused_overdue += truth.paused_overdue;
        seen.resolved += row.resolved;
        seen.carried_over += row.carried_over;
        EXPECT_EQ(row.pending, truth.pending);
        EXPECT_EQ(row.pending_overdue, truth.pending_overdue);
        EXPECT_EQ(row.paused, truth.paused);
        EXPECT_EQ(row.paused_overdue, truth.paused_overdue);
        if (from >= kFirstDay) {
          const ReportRow before = Truth(agency, from - 1);
          EXPECT_EQ(row.carried_over, before.pending + before.paused);
        }
      }
    }
    from = to + 1;
  }
  EXPECT_GT(seen.pending_overdue, 0);
  EXPECT_GT(seen.paused, 0);
  EXPECT_GT(seen.paused_overdue, 0);
  EXPECT_GT(seen.resolved, 0);
  EXPECT_GT(seen.carried_over, 0);
}

TEST_F(StoreReportTest, GroupsByProcedureAndFiltersByAgency) {
  ReportQuery query;
  query.from = kFirstDay;
  query.to = kFirstDay + 27;
  query.group_by = ReportGrouping::kProcedure;
  query.agency = "agency-x";
  absl::StatusOr<std::vector<ReportRow>> rows = store_->Report(query);
  ASSERT_TRUE(rows.ok()) << rows.status();
  int64_t received = 0;
  for (const ReportRow& row : *rows) {
    EXPECT_TRUE(row.group == kLandProcedure || row.group == kBusinessProcedure)
        << row.group;
    EXPECT_TRUE(row.Balanced()) << row.group;
    EXPECT_EQ(row.carried_over, 0);
    received += row.received;
  }
  // n % 3 == 0 of four a day: n = 0 and 3, on 15 working days.
  EXPECT_EQ(received, 2 * 15);
}

// The report by unit counts the steps each unit held: its levels against
// the control sheets rebuilt from the log as of each period's end, its
// late steps against the steps the engine recorded late, and the row
// invariant in every row.
TEST_F(StoreReportTest, TheUnitReportCountsEachUnitsStepsAsTheLogHasThem) {
  const absl::CivilDay ends[] = {kFirstDay + 2, kFirstDay + 6, kFirstDay + 13,
                                 kFirstDay + 20, kFirstDay + 27};
  absl::CivilDay from = kFirstDay - 3;
  ReportRow seen;
  for (absl::CivilDay to : ends) {
    SCOPED_TRACE(absl::FormatCivilTime(to));
    ReportQuery query;
    query.from = from;
    query.to = to;
    query.group_by = ReportGrouping::kUnit;
    absl::StatusOr<std::vector<ReportRow>> rows = store_->Report(query);
    ASSERT_TRUE(rows.ok()) << rows.status();
    ASSERT_FALSE(rows->empty());
    // The truth per unit, from each dossier's control sheet as of the end.
    const absl::Time start = At(from, 0);
    const absl::Time end = At(to + 1, 0) - absl::Microseconds(1);
    std::map<std::string, ReportRow> truth;
    for (const std::string& code : codes_) {
      absl::StatusOr<Dossier> dossier = DossierAsOf(path_, code, end);
      if (!dossier.ok()) continue;
      for (const StepRecord& step : dossier->steps) {
        ReportRow& unit = truth[step.unit];
        if (step.ended_at.has_value()) {
          if (*step.ended_at >= start) {
            ++unit.resolved;
            if (step.late) ++unit.resolved_late;
          }
          continue;
        }
        if (ClockRuns(dossier->state)) {
          ++unit.pending;
          if (step.has_budget() && step.due_at <= end) ++unit.pending_overdue;
        } else {
          ++unit.paused;
          if (step.has_budget() && *dossier->paused_since > step.due_at) {
            ++unit.paused_overdue;
          }
        }
      }
    }
    for (const ReportRow& row : *rows) {
      SCOPED_TRACE(row.group);
      EXPECT_TRUE(row.Balanced());
      const ReportRow& want = truth[row.group];
      EXPECT_EQ(row.pending, want.pending);
      EXPECT_EQ(row.pending_overdue, want.pending_overdue);
      EXPECT_EQ(row.paused, want.paused);
      EXPECT_EQ(row.paused_overdue, want.paused_overdue);
      EXPECT_EQ(row.resolved, want.resolved);
      EXPECT_EQ(row.resolved_late, want.resolved_late);
      seen.pending_overdue += row.pending_overdue;
      seen.paused += row.paused;
      seen.resolved_late += row.resolved_late;
      seen.resolved_on_time += row.resolved_on_time;
      seen.carried_over += row.carried_over;
    }
    // Every unit with anything to show has a row.
    for (const auto& [unit, want] : truth) {
      if (want.pending + want.paused + want.resolved == 0) continue;
      EXPECT_NE(RowOf(*rows, unit).received, 0) << unit;
    }
    from = to + 1;
  }
  EXPECT_GT(seen.pending_overdue, 0);
  EXPECT_GT(seen.paused, 0);
  EXPECT_GT(seen.resolved_late, 0);
  EXPECT_GT(seen.resolved_on_time, 0);
  EXPECT_GT(seen.carried_over, 0);
}

TEST_F(StoreReportTest, TheReportProjectionReplaysIdentically) {
  absl::StatusOr<ReplayReport> replayed =
      ReplayAndCompare(path_, directory_.File("replay.db"));
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_TRUE(replayed->differences.empty()) << replayed->differences.front();
}

}  // namespace
}  // namespace motcua::store
