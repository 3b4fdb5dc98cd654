// The periodic report (engine/report.h, store Report) against the truth:
// dossiers driven through every kind of ending over several weeks, then each
// report's columns compared with the dossiers' states rebuilt from the log
// as of the period's end, and the row invariant checked for every period.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/clock.h"
#include "engine/report.h"
#include "engine/status_macros.h"
#include "gtest/gtest.h"
#include "store/audit.h"
#include "store/event_store.h"
#include "store/postgres/pq.h"
#include "store/report_months.h"
#include "store/schema.h"
#include "store/sqlite.h"
#include "tests/store/store_test_support.h"
#include "tests/testing/postgres.h"

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

constexpr absl::CivilDay kFirstDay{2025, 9, 8};

// Three weeks of dossiers from Monday 2025-09-08, a few each working
// morning, each with a story chosen by a seeded generator, the commands
// applied to `store` in time order with `clock` moved to each. The codes of
// the dossiers submitted.
std::vector<std::string> WriteHistory(EventStore& store, FakeClock& clock) {
  std::vector<std::string> codes;
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
      codes.push_back(code);
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
    clock.Set(step.at);
    CommandOutcome outcome = store.ExecuteAndWait(std::move(step.request));
    // A story may end early (a stopped dossier cannot be resolved, say);
    // the report must agree with whatever the log holds.
    (void)outcome;
  }
  return codes;
}

// Every period between the days of `days` (from <= to), every grouping,
// both counting rules, every agency and one.
std::vector<ReportQuery> Periods(const std::vector<absl::CivilDay>& days) {
  std::vector<ReportQuery> queries;
  for (absl::CivilDay from : days) {
    for (absl::CivilDay to : days) {
      if (to < from) continue;
      for (ReportGrouping group_by :
           {ReportGrouping::kAgency, ReportGrouping::kProcedure,
            ReportGrouping::kField, ReportGrouping::kUnit}) {
        for (CountResolutionAt count_at :
             {CountResolutionAt::kResolution, CountResolutionAt::kReturn}) {
          for (const char* agency : {"", "agency-x"}) {
            ReportQuery& query = queries.emplace_back();
            query.from = from;
            query.to = to;
            query.group_by = group_by;
            query.count_at = count_at;
            query.agency = agency;
          }
        }
      }
    }
  }
  return queries;
}

// Rows as text, every column, to compare whole rows.
std::string Text(const std::vector<ReportRow>& rows) {
  std::string text;
  for (const ReportRow& r : rows) {
    absl::StrAppend(&text, r.group, ": ", r.received, " ", r.carried_over, " ",
                    r.new_online, " ", r.new_in_person_or_postal, " ",
                    r.entered_late, " ", r.resolved, " ", r.resolved_early, " ",
                    r.resolved_on_time, " ", r.resolved_late, " ", r.rejected,
                    " ", r.withdrawn, " ", r.pending, " ", r.pending_within,
                    " ", r.pending_overdue, " ", r.paused, " ", r.paused_within,
                    " ", r.paused_overdue, " ", r.online_rate, "\n");
  }
  return text;
}

// One row of the daily rows summed per group and measure: the deltas of the
// period's days and of the days before it.
struct DailySum {
  std::string group;
  int64_t measure = 0;
  int64_t in_period = 0;
  int64_t before = 0;
};

// The statement that sums the daily rows alone, as the stores summed them
// before they kept monthly rows: every day up to the period's end, ordered
// by group. Parameters: the period's first day, its last, the agency when
// filtered, written with `placeholder` ('?' or '$').
std::string DailySumSql(const ReportQuery& query, char placeholder) {
  const bool by_unit = query.group_by == ReportGrouping::kUnit;
  const char* group = query.group_by == ReportGrouping::kAgency ? "agency"
                      : query.group_by == ReportGrouping::kProcedure
                          ? "procedure_code"
                      : by_unit ? "unit"
                                : "field";
  const std::string p(1, placeholder);
  std::string sql = absl::StrCat(
      "SELECT ", group, ", measure, CAST(SUM(CASE WHEN day >= ", p,
      "1 THEN delta ELSE 0 END) AS BIGINT), CAST(SUM(CASE WHEN day < ", p,
      "1 THEN delta ELSE 0 END) AS BIGINT) FROM ",
      by_unit ? "unit_report_deltas" : "report_deltas", " WHERE day <= ", p,
      "2");
  if (!query.agency.empty()) absl::StrAppend(&sql, " AND agency = ", p, "3");
  absl::StrAppend(&sql, " GROUP BY ", group, ", measure ORDER BY ", group);
  return sql;
}

// The report's rows of the daily sums, as the store builds them.
std::vector<ReportRow> RowsOfDailySums(const ReportQuery& query,
                                       const std::vector<DailySum>& daily) {
  const bool by_unit = query.group_by == ReportGrouping::kUnit;
  std::vector<std::pair<std::string, ReportSums>> groups;
  for (const DailySum& row : daily) {
    if (groups.empty() || groups.back().first != row.group) {
      groups.emplace_back(row.group, ReportSums());
    }
    ReportSums& sums = groups.back().second;
    const auto measure = static_cast<ReportMeasure>(row.measure);
    if (IsLevel(measure)) {
      sums.levels_before[measure] += row.before;
      sums.levels_at_end[measure] += row.before + row.in_period;
    } else {
      sums.flows[measure] += row.in_period;
    }
  }
  std::vector<ReportRow> rows;
  for (const auto& [name, sums] : groups) {
    ReportRow row = BuildReportRow(
        name, sums, by_unit ? CountResolutionAt::kResolution : query.count_at);
    if (row.received == 0 && row.resolved == 0) continue;
    rows.push_back(std::move(row));
  }
  return rows;
}

class StoreReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_ = std::make_unique<FakeClock>(At(kFirstDay, 7));
    absl::StatusOr<std::unique_ptr<EventStore>> store =
        EventStore::Open(OptionsFor(path_), clock_.get(), ShippedRules());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    codes_ = WriteHistory(*store_, *clock_);
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

  // Rows of `sql` (one integer column) from the file beside the store.
  int64_t Count(const std::string& sql) {
    absl::StatusOr<Database> database =
        Database::Open(path_, OpenMode::kReadOnly);
    EXPECT_TRUE(database.ok()) << database.status();
    if (!database.ok()) return -1;
    absl::StatusOr<std::optional<int64_t>> value = database->QueryInt(sql);
    EXPECT_TRUE(value.ok()) << value.status();
    return value.ok() ? value->value_or(0) : -1;
  }

  // Monthly rows that differ from the sum of their month's daily rows, in
  // either table, either way.
  int64_t MonthsNotTheSumOfTheirDays() {
    const char* kMonth =
        "CAST(strftime('%s', day * 86400, 'unixepoch', 'start of month') AS "
        "INTEGER) / 86400";
    const std::string days = absl::StrCat(
        "SELECT agency, procedure_code, field, ", kMonth,
        " AS month, measure, sum(delta) FROM report_deltas GROUP BY agency, "
        "procedure_code, field, month, measure");
    const std::string unit_days =
        absl::StrCat("SELECT agency, unit, ", kMonth,
                     " AS month, measure, sum(delta) FROM unit_report_deltas "
                     "GROUP BY agency, unit, month, measure");
    return Count(absl::StrCat(
        "SELECT (SELECT count(*) FROM (", days,
        " EXCEPT SELECT * FROM report_months)) + (SELECT count(*) FROM "
        "(SELECT * FROM report_months EXCEPT ",
        days, ")) + (SELECT count(*) FROM (", unit_days,
        " EXCEPT SELECT * FROM unit_report_months)) + (SELECT count(*) FROM "
        "(SELECT * FROM unit_report_months EXCEPT ",
        unit_days, "))"));
  }

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

// Each month's rows of report_months are the sum of its days (the reports
// of any period against the daily rows: ReportMonthsTest below, on both
// backends).
TEST_F(StoreReportTest, MonthlyRowsAreTheSumsOfTheirDays) {
  EXPECT_GT(Count("SELECT count(*) FROM report_months"), 0);
  EXPECT_GT(Count("SELECT count(DISTINCT month) FROM unit_report_months"), 1);
  EXPECT_EQ(MonthsNotTheSumOfTheirDays(), 0);
}

// A file of schema 8 (daily rows only) gets its monthly rows when the store
// opens it, and answers every report as before.
TEST_F(StoreReportTest, TheUpgradeToSchema9AddsTheMonthlyRows) {
  const std::vector<ReportQuery> queries =
      Periods({absl::CivilDay(2025, 9, 1), absl::CivilDay(2025, 9, 17),
               absl::CivilDay(2025, 9, 30), absl::CivilDay(2025, 10, 3)});
  std::vector<std::string> before;
  for (const ReportQuery& query : queries) {
    absl::StatusOr<std::vector<ReportRow>> rows = store_->Report(query);
    ASSERT_TRUE(rows.ok()) << rows.status();
    before.push_back(Text(*rows));
  }
  const int64_t months = Count("SELECT count(*) FROM report_months");
  const int64_t unit_months = Count("SELECT count(*) FROM unit_report_months");
  ASSERT_GT(months, 0);
  ASSERT_GT(unit_months, 0);
  store_.reset();
  {
    absl::StatusOr<Database> database =
        Database::Open(path_, OpenMode::kReadWrite);
    ASSERT_TRUE(database.ok()) << database.status();
    ASSERT_TRUE(database
                    ->Execute("DROP TABLE report_months; DROP TABLE "
                              "unit_report_months; UPDATE meta SET value = 8 "
                              "WHERE key = 'schema_version'")
                    .ok());
  }
  absl::StatusOr<std::unique_ptr<EventStore>> store =
      EventStore::Open(OptionsFor(path_), clock_.get(), ShippedRules());
  ASSERT_TRUE(store.ok()) << store.status();
  store_ = *std::move(store);
  EXPECT_EQ(Count("SELECT value FROM meta WHERE key = 'schema_version'"),
            kSchemaVersion);
  EXPECT_EQ(Count("SELECT count(*) FROM report_months"), months);
  EXPECT_EQ(Count("SELECT count(*) FROM unit_report_months"), unit_months);
  EXPECT_EQ(MonthsNotTheSumOfTheirDays(), 0);
  for (size_t i = 0; i < queries.size(); ++i) {
    absl::StatusOr<std::vector<ReportRow>> rows = store_->Report(queries[i]);
    ASSERT_TRUE(rows.ok()) << rows.status();
    EXPECT_EQ(Text(*rows), before[i]) << i;
  }
  // The upgraded tables are what a replay rebuilds from the log.
  absl::StatusOr<ReplayReport> replayed =
      ReplayAndCompare(path_, directory_.File("replay.db"));
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_TRUE(replayed->differences.empty()) << replayed->differences.front();
}

// A backend of ReportMonthsTest: how to open its store in a directory, and
// how to run DailySumSql on it.
struct ReportBackend {
  std::string name;
  std::function<absl::StatusOr<std::unique_ptr<EventStore>>(
      const std::string& directory, const Clock* clock)>
      open;
  char placeholder = '?';
  std::function<absl::StatusOr<std::vector<DailySum>>(
      const std::string& directory, const std::string& sql, int64_t from_day,
      int64_t to_day, const std::string& agency)>
      daily_sums;
};

void PrintTo(const ReportBackend& backend, std::ostream* out) {
  *out << backend.name;
}

ReportBackend SqliteReports() {
  ReportBackend backend;
  backend.name = "Sqlite";
  backend.open = [](const std::string& directory, const Clock* clock) {
    return EventStore::Open(OptionsFor(directory + "/motcua.db"), clock,
                            ShippedRules());
  };
  backend.placeholder = '?';
  backend.daily_sums =
      [](const std::string& directory, const std::string& sql, int64_t from_day,
         int64_t to_day,
         const std::string& agency) -> absl::StatusOr<std::vector<DailySum>> {
    ASSIGN_OR_RETURN(Database database, Database::Open(directory + "/motcua.db",
                                                       OpenMode::kReadOnly));
    ASSIGN_OR_RETURN(Statement select, database.Prepare(sql));
    select.BindInt(1, from_day).BindInt(2, to_day);
    if (!agency.empty()) select.BindText(3, agency);
    std::vector<DailySum> sums;
    RETURN_IF_ERROR(select.ForEachRow([&] {
      sums.push_back({std::string(select.ColumnText(0)), select.ColumnInt(1),
                      select.ColumnInt(2), select.ColumnInt(3)});
      return absl::OkStatus();
    }));
    return sums;
  };
  return backend;
}

ReportBackend PostgresReports() {
  ReportBackend backend;
  backend.name = "Postgres";
  backend.open =
      [](const std::string& directory,
         const Clock* clock) -> absl::StatusOr<std::unique_ptr<EventStore>> {
    ASSIGN_OR_RETURN(std::string url,
                     test_support::PostgresDatabase(directory));
    StoreOptions options;
    options.postgres_url = url;
    return EventStore::Open(options, clock, ShippedRules());
  };
  backend.placeholder = '$';
  // One connection for every sum of a test's database.
  struct Open {
    std::string directory;
    std::optional<pg::Connection> connection;
  };
  auto open = std::make_shared<Open>();
  backend.daily_sums =
      [open](
          const std::string& directory, const std::string& sql,
          int64_t from_day, int64_t to_day,
          const std::string& agency) -> absl::StatusOr<std::vector<DailySum>> {
    if (!open->connection.has_value() || open->directory != directory) {
      ASSIGN_OR_RETURN(std::string url,
                       test_support::PostgresDatabase(directory));
      ASSIGN_OR_RETURN(open->connection, pg::Connection::Open(url));
      open->directory = directory;
    }
    pg::Params params;
    params.Int(from_day).Int(to_day);
    if (!agency.empty()) params.Text(agency);
    ASSIGN_OR_RETURN(pg::Result result, open->connection->Query(sql, params));
    std::vector<DailySum> sums;
    for (int row = 0; row < result.rows(); ++row) {
      sums.push_back({std::string(result.Text(row, 0)), result.Int(row, 1),
                      result.Int(row, 2), result.Int(row, 3)});
    }
    return sums;
  };
  return backend;
}

// The same history on each backend; a report of any period (whole months,
// parts of months, across a month's end, one day), by every grouping, read
// from the monthly rows and the edge days, equals the report summed from
// the daily rows alone.
class ReportMonthsTest : public ::testing::TestWithParam<ReportBackend> {};

TEST_P(ReportMonthsTest, MonthlyRowsGiveTheReportsOfTheDailyRows) {
  TempDir directory;
  FakeClock clock(At(kFirstDay, 7));
  absl::StatusOr<std::unique_ptr<EventStore>> store =
      GetParam().open(directory.File(""), &clock);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_FALSE(WriteHistory(**store, clock).empty());
  // The history runs from 2025-09-08 into October; due days are written
  // ahead into November.
  const std::vector<absl::CivilDay> days = {
      absl::CivilDay(2025, 8, 31),  absl::CivilDay(2025, 9, 1),
      absl::CivilDay(2025, 9, 5),   absl::CivilDay(2025, 9, 17),
      absl::CivilDay(2025, 9, 30),  absl::CivilDay(2025, 10, 1),
      absl::CivilDay(2025, 10, 2),  absl::CivilDay(2025, 10, 5),
      absl::CivilDay(2025, 10, 31), absl::CivilDay(2025, 11, 1),
      absl::CivilDay(2025, 11, 20)};
  int64_t received_across_months = 0, carried_into_october = 0;
  for (const ReportQuery& query : Periods(days)) {
    SCOPED_TRACE(absl::StrCat(absl::FormatCivilTime(query.from), " .. ",
                              absl::FormatCivilTime(query.to), " by ",
                              static_cast<int>(query.group_by), " at ",
                              static_cast<int>(query.count_at), " agency '",
                              query.agency, "'"));
    absl::StatusOr<std::vector<ReportRow>> rows = (*store)->Report(query);
    ASSERT_TRUE(rows.ok()) << rows.status();
    absl::StatusOr<std::vector<DailySum>> daily = GetParam().daily_sums(
        directory.File(""), DailySumSql(query, GetParam().placeholder),
        ReportDay(query.from), ReportDay(query.to), query.agency);
    ASSERT_TRUE(daily.ok()) << daily.status();
    EXPECT_EQ(Text(*rows), Text(RowsOfDailySums(query, *daily)));
    for (const ReportRow& row : *rows) {
      if (query.from.month() != query.to.month()) {
        received_across_months += row.received;
      }
      if (query.from == absl::CivilDay(2025, 10, 1)) {
        carried_into_october += row.carried_over;
      }
    }
  }
  EXPECT_GT(received_across_months, 0);
  EXPECT_GT(carried_into_october, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Backends, ReportMonthsTest,
    ::testing::Values(SqliteReports(), PostgresReports()),
    [](const ::testing::TestParamInfo<ReportBackend>& backend) {
      return backend.param.name;
    });

TEST(ReportMonthTest, AMonthIsNamedByItsFirstDay) {
  EXPECT_EQ(ReportMonthOf(ReportDay(absl::CivilDay(2026, 11, 30))),
            ReportDay(absl::CivilDay(2026, 11, 1)));
  EXPECT_EQ(ReportMonthOf(ReportDay(absl::CivilDay(2026, 12, 1))),
            ReportDay(absl::CivilDay(2026, 12, 1)));
  EXPECT_EQ(ReportMonthOf(ReportDay(absl::CivilDay(2024, 2, 29))),
            ReportDay(absl::CivilDay(2024, 2, 1)));
  EXPECT_EQ(ReportMonthOf(ReportDay(absl::CivilDay(1969, 12, 27))),
            ReportDay(absl::CivilDay(1969, 12, 1)));
}

}  // namespace
}  // namespace motcua::store
