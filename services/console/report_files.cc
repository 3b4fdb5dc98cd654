#include "services/console/report_files.h"

#include <unistd.h>
#include <xlsxwriter.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace motcua::console {
namespace {

// The form's columns after STT and the group, then motcua's own.
struct Column {
  const char* group;    // the heading over several columns
  const char* heading;  // the column's own
  int64_t (*value)(const v1::ReportRow&);
};

const Column kColumns[] = {
    {"Số hồ sơ nhận giải quyết", "Tổng số",
     [](const v1::ReportRow& r) { return r.received(); }},
    {"Số hồ sơ nhận giải quyết", "Trong đó: Trực tuyến",
     [](const v1::ReportRow& r) { return r.new_online(); }},
    {"Số hồ sơ nhận giải quyết", "Trong đó: Trực tiếp, dịch vụ bưu chính",
     [](const v1::ReportRow& r) { return r.new_in_person_or_postal(); }},
    {"Số hồ sơ nhận giải quyết", "Từ kỳ trước",
     [](const v1::ReportRow& r) { return r.carried_over(); }},
    {"Số hồ sơ đã giải quyết", "Tổng số",
     [](const v1::ReportRow& r) { return r.resolved(); }},
    {"Số hồ sơ đã giải quyết", "Trước hạn",
     [](const v1::ReportRow& r) { return r.resolved_early(); }},
    {"Số hồ sơ đã giải quyết", "Đúng hạn",
     [](const v1::ReportRow& r) { return r.resolved_on_time(); }},
    {"Số hồ sơ đã giải quyết", "Quá hạn",
     [](const v1::ReportRow& r) { return r.resolved_late(); }},
    {"Số lượng hồ sơ đang giải quyết", "Tổng số",
     [](const v1::ReportRow& r) { return r.pending(); }},
    {"Số lượng hồ sơ đang giải quyết", "Trong hạn",
     [](const v1::ReportRow& r) { return r.pending_within(); }},
    {"Số lượng hồ sơ đang giải quyết", "Quá hạn",
     [](const v1::ReportRow& r) { return r.pending_overdue(); }},
    {"Số hồ sơ tạm dừng (bổ sung, nghĩa vụ tài chính, dừng)", "Tổng số",
     [](const v1::ReportRow& r) { return r.paused(); }},
    {"Số hồ sơ tạm dừng (bổ sung, nghĩa vụ tài chính, dừng)", "Trong hạn",
     [](const v1::ReportRow& r) { return r.paused_within(); }},
    {"Số hồ sơ tạm dừng (bổ sung, nghĩa vụ tài chính, dừng)", "Quá hạn",
     [](const v1::ReportRow& r) { return r.paused_overdue(); }},
};

constexpr char kGroupHeading[] = "Lĩnh vực, công việc giải quyết theo cấp";
constexpr char kTotalLabel[] = "Tổng cộng";

std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  return absl::StrCat("\"", absl::StrReplaceAll(text, {{"\"", "\"\""}}), "\"");
}

const char* GroupNoun(const std::string& group_by) {
  if (group_by == "agency") return "cơ quan, đơn vị";
  if (group_by == "procedure") return "thủ tục hành chính";
  if (group_by == "field") return "lĩnh vực";
  if (group_by == "unit") return "bộ phận xử lý";
  return "nhóm";
}

// dd/mm/yyyy from YYYY-MM-DD.
std::string DayText(const std::string& day) {
  if (day.size() != 10) return day;
  return absl::StrCat(day.substr(8, 2), "/", day.substr(5, 2), "/",
                      day.substr(0, 4));
}

}  // namespace

std::string ReportCsv(const v1::ReportReply& report) {
  std::ostringstream out;
  out << "\xEF\xBB\xBF";  // byte-order mark
  std::vector<std::string> header = {"STT", CsvField(kGroupHeading)};
  for (const Column& column : kColumns) {
    header.push_back(
        CsvField(absl::StrCat(column.group, " - ", column.heading)));
  }
  out << absl::StrJoin(header, ",") << "\r\n";
  auto write_row = [&out](const std::string& number, const std::string& group,
                          const v1::ReportRow& row) {
    std::vector<std::string> fields = {number, CsvField(group)};
    for (const Column& column : kColumns) {
      fields.push_back(absl::StrCat(column.value(row)));
    }
    out << absl::StrJoin(fields, ",") << "\r\n";
  };
  for (int i = 0; i < report.rows_size(); ++i) {
    write_row(absl::StrCat(i + 1), report.rows(i).group(), report.rows(i));
  }
  write_row("", kTotalLabel, report.total());
  return out.str();
}

absl::StatusOr<std::string> ReportXlsx(const v1::ReportReply& report,
                                       const ReportTitle& title) {
  // libxlsxwriter writes to a file: a private temporary one, read back and
  // removed.
  std::string path =
      (std::filesystem::temp_directory_path() / "motcua-report-XXXXXX.xlsx")
          .string();
  const int descriptor = mkstemps(path.data(), 5);
  if (descriptor < 0) {
    return absl::InternalError("report.xlsx: cannot create a temporary file");
  }
  close(descriptor);
  lxw_workbook* workbook = workbook_new(path.c_str());
  if (workbook == nullptr) {
    std::remove(path.c_str());
    return absl::InternalError("report.xlsx: cannot start a workbook");
  }
  lxw_worksheet* sheet = workbook_add_worksheet(workbook, "06-VPCP-KSTT");
  lxw_format* bold = workbook_add_format(workbook);
  format_set_bold(bold);
  format_set_align(bold, LXW_ALIGN_CENTER);
  lxw_format* title_format = workbook_add_format(workbook);
  format_set_bold(title_format);
  format_set_font_size(title_format, 13);
  format_set_align(title_format, LXW_ALIGN_CENTER);
  lxw_format* italic = workbook_add_format(workbook);
  format_set_italic(italic);
  format_set_align(italic, LXW_ALIGN_CENTER);
  lxw_format* head = workbook_add_format(workbook);
  format_set_bold(head);
  format_set_border(head, LXW_BORDER_THIN);
  format_set_align(head, LXW_ALIGN_CENTER);
  format_set_align(head, LXW_ALIGN_VERTICAL_CENTER);
  format_set_text_wrap(head);
  lxw_format* cell = workbook_add_format(workbook);
  format_set_border(cell, LXW_BORDER_THIN);
  lxw_format* total = workbook_add_format(workbook);
  format_set_border(total, LXW_BORDER_THIN);
  format_set_bold(total);

  const int last_column = 1 + static_cast<int>(std::size(kColumns));
  worksheet_merge_range(
      sheet, 0, 0, 0, last_column,
      "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP "
      "GIẢI QUYẾT TTHC",
      title_format);
  const std::string period = absl::StrCat(
      "Kỳ báo cáo: từ ngày ", DayText(title.from_day), " đến ngày ",
      DayText(title.to_day), "; theo ", GroupNoun(title.group_by),
      title.agency.empty() ? "" : absl::StrCat("; cơ quan ", title.agency));
  worksheet_merge_range(sheet, 1, 0, 1, last_column, period.c_str(), italic);
  worksheet_merge_range(sheet, 2, 0, 2, last_column,
                        "Đơn vị tính: Số hồ sơ TTHC", italic);

  // Two header rows: the groups merged over their columns, then each
  // column's own heading; STT and the group span both.
  constexpr int kGroupRow = 4;
  constexpr int kHeadingRow = 5;
  constexpr int kNumberRow = 6;
  worksheet_merge_range(sheet, kGroupRow, 0, kHeadingRow, 0, "STT", head);
  worksheet_merge_range(sheet, kGroupRow, 1, kHeadingRow, 1, kGroupHeading,
                        head);
  int first = 0;
  for (int i = 1; i <= static_cast<int>(std::size(kColumns)); ++i) {
    if (i == static_cast<int>(std::size(kColumns)) ||
        std::string(kColumns[i].group) != kColumns[first].group) {
      if (i - 1 == first) {
        worksheet_write_string(sheet, kGroupRow, 2 + first,
                               kColumns[first].group, head);
      } else {
        worksheet_merge_range(sheet, kGroupRow, 2 + first, kGroupRow, 2 + i - 1,
                              kColumns[first].group, head);
      }
      first = i;
    }
  }
  for (int i = 0; i < static_cast<int>(std::size(kColumns)); ++i) {
    worksheet_write_string(sheet, kHeadingRow, 2 + i, kColumns[i].heading,
                           head);
  }
  // The form numbers its columns (1) to (13); motcua's own follow.
  for (int i = 0; i <= last_column; ++i) {
    const std::string number = absl::StrCat("(", i + 1, ")");
    worksheet_write_string(sheet, kNumberRow, i, number.c_str(), italic);
  }
  int row_index = kNumberRow + 1;
  auto write_row = [&](int number, const std::string& group,
                       const v1::ReportRow& row, lxw_format* format) {
    if (number > 0) {
      worksheet_write_number(sheet, row_index, 0, number, format);
    } else {
      worksheet_write_blank(sheet, row_index, 0, format);
    }
    worksheet_write_string(sheet, row_index, 1, group.c_str(), format);
    for (int i = 0; i < static_cast<int>(std::size(kColumns)); ++i) {
      worksheet_write_number(sheet, row_index, 2 + i,
                             static_cast<double>(kColumns[i].value(row)),
                             format);
    }
    ++row_index;
  };
  for (int i = 0; i < report.rows_size(); ++i) {
    write_row(i + 1, report.rows(i).group(), report.rows(i), cell);
  }
  write_row(0, kTotalLabel, report.total(), total);
  worksheet_set_column(sheet, 0, 0, 5, nullptr);
  worksheet_set_column(sheet, 1, 1, 36, nullptr);
  worksheet_set_column(sheet, 2, last_column, 12, nullptr);
  worksheet_set_row(sheet, kHeadingRow, 45, nullptr);
  worksheet_set_row(sheet, kGroupRow, 30, nullptr);
  worksheet_set_landscape(sheet);
  worksheet_set_paper(sheet, 9);  // A4
  worksheet_fit_to_pages(sheet, 1, 0);

  const lxw_error closed = workbook_close(workbook);
  std::string bytes;
  if (closed == LXW_NO_ERROR) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream read;
    read << in.rdbuf();
    bytes = read.str();
  }
  std::remove(path.c_str());
  if (closed != LXW_NO_ERROR || bytes.empty()) {
    return absl::InternalError(
        absl::StrCat("report.xlsx: cannot write: ", lxw_strerror(closed)));
  }
  return bytes;
}

}  // namespace motcua::console
