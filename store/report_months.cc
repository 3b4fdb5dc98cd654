#include "store/report_months.h"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "engine/status_macros.h"

namespace motcua::store {

int64_t ReportMonthOf(int64_t day) {
  const absl::CivilDay epoch(1970, 1, 1);
  return absl::CivilDay(absl::CivilMonth(epoch + day)) - epoch;
}

absl::StatusOr<std::unique_ptr<ReportMonthWriter>> ReportMonthWriter::Prepare(
    Database& database) {
  std::unique_ptr<ReportMonthWriter> writer(new ReportMonthWriter());
  ASSIGN_OR_RETURN(
      writer->add_month_,
      database.Prepare(
          "INSERT INTO report_months (agency, procedure_code, field, month, "
          "measure, delta) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT "
          "(agency, procedure_code, field, month, measure) DO UPDATE SET "
          "delta = delta + excluded.delta"));
  ASSIGN_OR_RETURN(
      writer->add_unit_month_,
      database.Prepare(
          "INSERT INTO unit_report_months (agency, unit, month, measure, "
          "delta) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (agency, unit, "
          "month, measure) DO UPDATE SET delta = delta + excluded.delta"));
  return writer;
}

absl::Status ReportMonthWriter::Add(absl::string_view agency,
                                    absl::string_view procedure_code,
                                    absl::string_view field, int64_t day,
                                    int64_t measure, int64_t delta) {
  add_month_.BindText(1, agency)
      .BindText(2, procedure_code)
      .BindText(3, field)
      .BindInt(4, ReportMonthOf(day))
      .BindInt(5, measure)
      .BindInt(6, delta);
  return add_month_.Run();
}

absl::Status ReportMonthWriter::AddUnit(absl::string_view agency,
                                        absl::string_view unit, int64_t day,
                                        int64_t measure, int64_t delta) {
  add_unit_month_.BindText(1, agency)
      .BindText(2, unit)
      .BindInt(3, ReportMonthOf(day))
      .BindInt(4, measure)
      .BindInt(5, delta);
  return add_unit_month_.Run();
}

namespace {

// The first day of the month after `day`'s.
int64_t NextMonthOf(int64_t day) {
  const absl::CivilDay epoch(1970, 1, 1);
  return absl::CivilDay(absl::CivilMonth(epoch + day) + 1) - epoch;
}

// How the sum up to a day is read: the monthly rows before `months_before`
// and `sign` times the daily rows of first..last (none when first > last).
struct SumUpTo {
  int64_t months_before = 0;
  int64_t first = 0;
  int64_t last = -1;
  int sign = 1;

  bool Holds(int64_t day) const { return day >= first && day <= last; }
};

// Per group, per measure: the sums up to the end and before the period.
class Accumulator {
 public:
  absl::Status Add(absl::string_view group, int64_t measure, int64_t to_end,
                   int64_t before) {
    if (measure < 0 || measure >= kMeasures) {
      return absl::DataLossError(
          absl::StrCat("report row of ", group, ": measure ", measure));
    }
    auto [found, inserted] = index_.try_emplace(group, groups_.size());
    if (inserted) groups_.emplace_back();
    Sums& sums = groups_[found->second];
    sums.present |= uint64_t{1} << measure;
    sums.to_end[measure] += to_end;
    sums.before[measure] += before;
    return absl::OkStatus();
  }

  std::vector<std::pair<std::string, ReportSums>> Finish() const {
    std::vector<std::pair<std::string, ReportSums>> out;
    out.reserve(groups_.size());
    for (const auto& [name, number] : index_) {
      const Sums& sums = groups_[number];
      ReportSums& report = out.emplace_back(name, ReportSums()).second;
      for (int64_t m = 0; m < kMeasures; ++m) {
        if ((sums.present & (uint64_t{1} << m)) == 0) continue;
        const auto measure = static_cast<ReportMeasure>(m);
        if (IsLevel(measure)) {
          report.levels_before[measure] = sums.before[m];
          report.levels_at_end[measure] = sums.to_end[m];
        } else {
          report.flows[measure] = sums.to_end[m] - sums.before[m];
        }
      }
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    return out;
  }

 private:
  static constexpr int64_t kMeasures = 32;
  struct Sums {
    uint64_t present = 0;
    std::array<int64_t, kMeasures> to_end{};
    std::array<int64_t, kMeasures> before{};
  };
  absl::flat_hash_map<std::string, size_t> index_;
  std::vector<Sums> groups_;
};

}  // namespace

absl::StatusOr<std::vector<std::pair<std::string, ReportSums>>> SumReport(
    ReportRowsOf rows_of, char placeholder, absl::string_view group_column,
    bool by_unit, absl::string_view agency, int64_t from_day, int64_t to_day) {
  const char* months = by_unit ? "unit_report_months" : "report_months";
  const char* days = by_unit ? "unit_report_deltas" : "report_deltas";
  const bool one_agency = !agency.empty();
  // The agency's parameter follows a statement's `ints` integer ones.
  auto param = [&](int n) {
    return absl::StrCat(absl::string_view(&placeholder, 1), n);
  };
  auto of_agency = [&](int ints) {
    return one_agency ? absl::StrCat(" AND agency = ", param(ints + 1))
                      : std::string();
  };

  // The daily rows of first..last, counted up to `cap` from the index on
  // day: which way of reading a sum reads fewer.
  constexpr int64_t kCap = 1 << 16;
  const std::string count_sql =
      absl::StrCat("SELECT '', count(*), 0, 0 FROM (SELECT 1 FROM ", days,
                   " WHERE day >= ", param(1), " AND day <= ", param(2),
                   of_agency(3), " LIMIT ", param(3), ") AS rows_of_days");
  auto count_days = [&](int64_t first, int64_t last,
                        int64_t cap) -> absl::StatusOr<int64_t> {
    if (first > last) return 0;
    int64_t rows = 0;
    RETURN_IF_ERROR(
        rows_of(count_sql, {first, last, cap}, agency,
                [&](absl::string_view, int64_t count, int64_t, int64_t) {
                  rows = count;
                  return absl::OkStatus();
                }));
    return rows;
  };
  auto sum_up_to = [&](int64_t day) -> absl::StatusOr<SumUpTo> {
    const int64_t month = ReportMonthOf(day);
    const int64_t next = NextMonthOf(day);
    const SumUpTo after{next, day + 1, next - 1, -1};
    if (day + 1 == next) return after;  // the month's last day: no day
    const SumUpTo below{month, month, day, 1};
    // Past the number of the month's rows after D, counting those up to D
    // stops.
    ASSIGN_OR_RETURN(const int64_t rows_after,
                     count_days(after.first, after.last, kCap));
    ASSIGN_OR_RETURN(const int64_t rows_below,
                     count_days(below.first, below.last, rows_after + 1));
    return rows_after < rows_below ? after : below;
  };
  ASSIGN_OR_RETURN(const SumUpTo to_end, sum_up_to(to_day));
  ASSIGN_OR_RETURN(const SumUpTo before, sum_up_to(from_day - 1));

  Accumulator sums;
  // A flow of a month before both sums' months counts in both and cancels
  // out of the period's: only the levels (engine IsLevel) of those months
  // are read.
  RETURN_IF_ERROR(rows_of(
      absl::StrCat("SELECT ", group_column, ", measure, month, delta FROM ",
                   months, " WHERE month < ", param(1), " AND (month >= ",
                   param(2), " OR measure >= ", param(3), ")", of_agency(3)),
      {std::max(to_end.months_before, before.months_before),
       std::min(to_end.months_before, before.months_before),
       static_cast<int64_t>(ReportMeasure::kPendingWithin)},
      agency,
      [&](absl::string_view group, int64_t measure, int64_t month,
          int64_t delta) {
        return sums.Add(group, measure,
                        month < to_end.months_before ? delta : 0,
                        month < before.months_before ? delta : 0);
      }));
  // The days of both sums, in one range when theirs meet.
  std::vector<std::pair<int64_t, int64_t>> ranges;
  for (const SumUpTo* sum : {&to_end, &before}) {
    if (sum->first > sum->last) continue;
    if (!ranges.empty() && sum->first <= ranges.back().second + 1 &&
        sum->last >= ranges.back().first - 1) {
      ranges.back() = {std::min(ranges.back().first, sum->first),
                       std::max(ranges.back().second, sum->last)};
    } else {
      ranges.emplace_back(sum->first, sum->last);
    }
  }
  const std::string days_sql = absl::StrCat(
      "SELECT ", group_column, ", measure, day, delta FROM ", days,
      " WHERE day >= ", param(1), " AND day <= ", param(2), of_agency(2));
  for (const auto& [first, last] : ranges) {
    RETURN_IF_ERROR(rows_of(days_sql, {first, last}, agency,
                            [&](absl::string_view group, int64_t measure,
                                int64_t day, int64_t delta) {
                              return sums.Add(
                                  group, measure,
                                  to_end.Holds(day) ? to_end.sign * delta : 0,
                                  before.Holds(day) ? before.sign * delta : 0);
                            }));
  }
  return sums.Finish();
}

absl::StatusOr<std::vector<std::pair<std::string, ReportSums>>> SumReport(
    StatementFor statement, absl::string_view group_column, bool by_unit,
    absl::string_view agency, int64_t from_day, int64_t to_day) {
  return SumReport(
      [&](const std::string& sql, const std::vector<int64_t>& ints,
          absl::string_view of_agency, ReportRowFn row) -> absl::Status {
        ASSIGN_OR_RETURN(Statement * select, statement(sql));
        for (size_t i = 0; i < ints.size(); ++i) {
          select->BindInt(static_cast<int>(i + 1), ints[i]);
        }
        if (!of_agency.empty()) {
          select->BindText(static_cast<int>(ints.size() + 1), of_agency);
        }
        return select->ForEachRow([&] {
          return row(select->ColumnText(0), select->ColumnInt(1),
                     select->ColumnInt(2), select->ColumnInt(3));
        });
      },
      '?', group_column, by_unit, agency, from_day, to_day);
}

}  // namespace motcua::store
