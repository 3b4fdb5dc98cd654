#include "store/report_months.h"

#include <utility>

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

std::string ReportSumsSql(absl::string_view group_column, bool by_unit,
                          bool one_agency) {
  // The sum up to a day D is the months before D's month and D's month's
  // days up to D. Up to the period's end: the months before ?5 (the month
  // of the day after it, so that a period ending on a month's last day
  // needs no day of that month) and the days from ?5 to the end. Before
  // the period: the months before ?4 and the days from ?4 to the first
  // day. What lies in the period is the difference.
  const char* months = by_unit ? "unit_report_months" : "report_months";
  const char* days = by_unit ? "unit_report_deltas" : "report_deltas";
  const char* of_agency = one_agency ? " AND agency = ?3" : "";
  return absl::StrCat(
      "SELECT g, measure, SUM(to_end) - SUM(before), SUM(before) FROM ("
      "SELECT ",
      group_column,
      " AS g, measure, delta AS to_end, iif(month < ?4, delta, 0) AS before "
      "FROM ",
      months, " WHERE month < ?5", of_agency, " UNION ALL SELECT ",
      group_column, ", measure, delta, 0 FROM ", days,
      " WHERE day >= ?5 AND day <= ?2", of_agency, " UNION ALL SELECT ",
      group_column, ", measure, 0, delta FROM ", days,
      " WHERE day >= ?4 AND day < ?1", of_agency,
      ") GROUP BY g, measure ORDER BY g, measure");
}

}  // namespace motcua::store
