#ifndef MOTCUA_SERVICES_CONSOLE_REPORT_FILES_H_
#define MOTCUA_SERVICES_CONSOLE_REPORT_FILES_H_

// The periodic report as files to hand on: CSV and an Excel workbook laid
// out like form 06/VPCP/KSTT (Circular 01/2020/TT-VPCP), with motcua's
// paused columns beside the form's.

#include <string>

#include "absl/status/statusor.h"
#include "motcua/v1/service.pb.h"

namespace motcua::console {

// What the report is of, for the titles.
struct ReportTitle {
  std::string from_day;  // YYYY-MM-DD
  std::string to_day;
  std::string group_by;  // "agency", "procedure", "field", "unit"
  std::string agency;    // empty: every agency of the caller
};

// UTF-8 with a byte-order mark (Excel opens it with the diacritics
// intact): one header row naming each column as the form does, one row per
// group in order, then the total ("Tổng cộng").
std::string ReportCsv(const v1::ReportReply& report);

// An .xlsx workbook: the form's title and period, the two header rows with
// the form's groups merged, the column numbers, one row per group and the
// total. INTERNAL when the workbook cannot be written (a temporary file).
absl::StatusOr<std::string> ReportXlsx(const v1::ReportReply& report,
                                       const ReportTitle& title);

}  // namespace motcua::console

#endif  // MOTCUA_SERVICES_CONSOLE_REPORT_FILES_H_
