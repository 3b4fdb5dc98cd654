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
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/report.h"
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

// The report's sums of the days from_day..to_day (inclusive) per group
// (`group_column` of the tables: agency, procedure_code, field or unit),
// ordered by group: flows over the period's days, levels before it and up
// to its end. Of report_deltas/report_months, or with `by_unit` of
// unit_report_deltas/unit_report_months; of one agency unless `agency` is
// empty. The database's error when a read fails.
//
// The sum up to a day D is read one of two ways, whichever has fewer daily
// rows to read: the months before D's month and its days up to D, or the
// months up to D's month less its days after D (the days after today hold
// only the deltas written ahead for due days, so a period ending today
// reads few). A period ending on a month's last day reads none of its days.
//
// The backend's reads go through `rows_of`, which runs one statement of
// SumReport's text (its parameters written with `placeholder`: '?' for
// SQLite's ?1, '$' for PostgreSQL's $1) with `ints` as parameters 1..n and,
// when `agency` is not empty, `agency` as parameter n + 1, and calls `row`
// with each row's text column and three integer columns. The same reading
// on both backends: only the statements' runner differs.
using ReportRowFn = absl::FunctionRef<absl::Status(
    absl::string_view group, int64_t a, int64_t b, int64_t c)>;
using ReportRowsOf = absl::FunctionRef<absl::Status(
    const std::string& sql, const std::vector<int64_t>& ints,
    absl::string_view agency, ReportRowFn row)>;
absl::StatusOr<std::vector<std::pair<std::string, ReportSums>>> SumReport(
    ReportRowsOf rows_of, char placeholder, absl::string_view group_column,
    bool by_unit, absl::string_view agency, int64_t from_day, int64_t to_day);

// SumReport on SQLite: `statement` gives a prepared statement of the
// reading connection for a text.
using StatementFor =
    absl::FunctionRef<absl::StatusOr<Statement*>(const std::string& sql)>;
absl::StatusOr<std::vector<std::pair<std::string, ReportSums>>> SumReport(
    StatementFor statement, absl::string_view group_column, bool by_unit,
    absl::string_view agency, int64_t from_day, int64_t to_day);

}  // namespace motcua::store

#endif  // MOTCUA_STORE_REPORT_MONTHS_H_
