#ifndef MOTCUA_STORE_REPORT_MONTHS_H_
#define MOTCUA_STORE_REPORT_MONTHS_H_

// The report's monthly rows: beside each per-day delta of report_deltas
// (unit_report_deltas), the sum of its month's deltas in report_months
// (unit_report_months), kept in the same transaction. A month's report is
// then its monthly rows, and any period is whole months from the monthly
// rows plus the days at its edges from the daily rows: the cost of a report
// grows with the history's months and the edge days, not with its days.
//
// A month is named by the day number of its first day (days since
// 1970-01-01 at UTC+07:00, as report days are).

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "store/sqlite.h"

namespace motcua::store {

// The first day of the month of `day` (both report day numbers).
int64_t ReportMonthOf(int64_t day);

// Adds deltas to the monthly rows (the writer's and a rebuild's, through
// Projections). Zero sums stay as rows, as in the daily tables, so that the
// tables' content does not depend on the order of the deltas.
class ReportMonthWriter {
 public:
  // Prepares the statements on `database`, which must outlive the result.
  static absl::StatusOr<std::unique_ptr<ReportMonthWriter>> Prepare(
      Database& database);

  // `day`'s month of report_months.
  absl::Status Add(absl::string_view agency, absl::string_view procedure_code,
                   absl::string_view field, int64_t day, int64_t measure,
                   int64_t delta);
  // `day`'s month of unit_report_months.
  absl::Status AddUnit(absl::string_view agency, absl::string_view unit,
                       int64_t day, int64_t measure, int64_t delta);

 private:
  ReportMonthWriter() = default;
  Statement add_month_;
  Statement add_unit_month_;
};

// The statement that sums a report's deltas per group and measure: rows of
// (group, measure, sum over the period's days, sum over the days before
// it). Parameters: ?1 the period's first day, ?2 its last, ?3 the agency
// (when `one_agency`), ?4 ReportMonthOf(first day), ?5 ReportMonthOf(last
// day + 1). Rows come ordered by group.
std::string ReportSumsSql(absl::string_view group_column, bool by_unit,
                          bool one_agency);

}  // namespace motcua::store

#endif  // MOTCUA_STORE_REPORT_MONTHS_H_
