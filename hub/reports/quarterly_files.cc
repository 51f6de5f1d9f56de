#include "hub/reports/quarterly_files.h"

#include <stdlib.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"

namespace hub {
namespace {

std::string CsvField(const Cell& cell) {
  if (const int64_t* n = std::get_if<int64_t>(&cell)) return absl::StrCat(*n);
  const std::string& s = std::get<std::string>(cell);
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string quoted = "\"";
  for (char c : s) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

void AppendCsv(const ReportTable& table, const std::string& prefix, std::string& out) {
  auto line = [&](const std::vector<Cell>& cells) {
    out += prefix;
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) out.push_back(',');
      out += CsvField(cells[i]);
    }
    out += "\r\n";
  };
  line(std::vector<Cell>(table.columns.begin(), table.columns.end()));
  for (const auto& row : table.rows) line(row);
}

absl::Status LxwError(const char* what, lxw_error error) {
  return absl::InternalError(
      absl::StrCat("the workbook could not be written (", what, ": ", lxw_strerror(error),
                   "); try again, or ask the hub's operator to check its temporary folder"));
}

// A column wide enough for its longest header or text (numbers of up to
// ten digits fit the minimum), in Excel's character units, capped so one
// long note does not push the other columns off the screen.
double ColumnWidth(const ReportTable& table, size_t column) {
  size_t longest = table.columns[column].size();
  for (const auto& row : table.rows) {
    if (column >= row.size()) continue;
    if (const std::string* text = std::get_if<std::string>(&row[column])) {
      longest = std::max(longest, text->size());
    }
  }
  return static_cast<double>(std::clamp<size_t>(longest + 2, 12, 80));
}

// Fills the workbook; the caller closes it.
absl::Status FillWorkbook(lxw_workbook* book, const QuarterlyReport& report,
                          const std::string& generated) {
  lxw_format* bold = workbook_add_format(book);
  format_set_bold(bold);
  lxw_worksheet* about = workbook_add_worksheet(book, "report");
  if (about == nullptr) return absl::InternalError("the workbook's first sheet could not be added");
  const std::vector<std::pair<std::string, std::string>> lines = {
      {"report", "ECM and Community Supports quarterly implementation monitoring"},
      {"plan_id", report.plan_id},
      {"quarter", report.quarter},
      {"generated", generated},
      {"source", "county hub: records plans and providers exchanged through the hub"},
      {"contents", "aggregate counts only; the notes sheet lists what the hub cannot fill"}};
  lxw_row_t r = 0;
  for (const auto& [k, v] : lines) {
    worksheet_write_string(about, r, 0, k.c_str(), bold);
    worksheet_write_string(about, r, 1, v.c_str(), nullptr);
    ++r;
  }
  worksheet_set_column(about, 0, 0, 14, nullptr);
  worksheet_set_column(about, 1, 1, 70, nullptr);
  for (const ReportTable& t : report.tables) {
    lxw_worksheet* sheet = workbook_add_worksheet(book, t.name.c_str());
    if (sheet == nullptr) {
      return absl::InternalError(absl::StrCat("the sheet ", t.name, " could not be added"));
    }
    for (size_t c = 0; c < t.columns.size(); ++c) {
      worksheet_write_string(sheet, 0, static_cast<lxw_col_t>(c), t.columns[c].c_str(), bold);
    }
    for (size_t c = 0; c < t.columns.size(); ++c) {
      worksheet_set_column(sheet, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c),
                           ColumnWidth(t, c), nullptr);
    }
    worksheet_freeze_panes(sheet, 1, 0);
    // Printed (or saved as PDF): landscape, every column on one page wide.
    worksheet_set_landscape(sheet);
    worksheet_fit_to_pages(sheet, 1, 0);
    worksheet_repeat_rows(sheet, 0, 0);
    for (size_t i = 0; i < t.rows.size(); ++i) {
      const lxw_row_t row = static_cast<lxw_row_t>(i + 1);
      for (size_t c = 0; c < t.rows[i].size(); ++c) {
        const Cell& cell = t.rows[i][c];
        lxw_error e;
        if (const int64_t* n = std::get_if<int64_t>(&cell)) {
          e = worksheet_write_number(sheet, row, static_cast<lxw_col_t>(c), static_cast<double>(*n),
                                     nullptr);
        } else {
          e = worksheet_write_string(sheet, row, static_cast<lxw_col_t>(c),
                                     std::get<std::string>(cell).c_str(), nullptr);
        }
        if (e != LXW_NO_ERROR) return LxwError("a cell", e);
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> QuarterlyWorkbook(const QuarterlyReport& report,
                                              const std::string& generated,
                                              const std::string& tmp_dir) {
  std::string dir = tmp_dir;
  if (dir.empty()) {
    const char* env = getenv("TMPDIR");
    dir = env != nullptr && *env != '\0' ? env : "/tmp";
  }
  std::string path = absl::StrCat(dir, "/hub-quarterly-XXXXXX");
  const int fd = mkstemp(path.data());
  if (fd < 0) {
    return absl::InternalError(
        "the hub could not create a temporary file for the workbook; ask its operator to check "
        "the temporary folder");
  }
  close(fd);
  lxw_workbook_options options = {};
  options.tmpdir = dir.data();
  lxw_workbook* book = workbook_new_opt(path.c_str(), &options);
  if (book == nullptr) {
    unlink(path.c_str());
    return absl::InternalError("the workbook could not be started");
  }
  absl::Status filled = FillWorkbook(book, report, generated);
  const lxw_error closed = workbook_close(book);  // Frees `book`.
  if (filled.ok() && closed != LXW_NO_ERROR) filled = LxwError("closing", closed);
  std::string bytes;
  if (filled.ok()) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (!in.good() && !in.eof())
      filled = absl::InternalError("the workbook could not be read back");
    bytes = buffer.str();
  }
  unlink(path.c_str());
  if (!filled.ok()) return filled;
  return bytes;
}

std::string TableCsv(const ReportTable& table) {
  std::string out;
  AppendCsv(table, "", out);
  return out;
}

std::string QuarterlyCsv(const QuarterlyReport& report) {
  std::string out;
  for (const ReportTable& t : report.tables) AppendCsv(t, t.name + ",", out);
  return out;
}

}  // namespace hub
