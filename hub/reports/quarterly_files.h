// The quarterly report's files (hub/reports/quarterly_report.h): the .xlsx
// workbook, written with Debian's libxlsxwriter, and CSV.
//
// Workbook: a "report" sheet first (plan, quarter, when, the tabs), then one
// sheet per table in the report's order, named after the table: row 1 the
// column names (bold), then one row per key; counts are numbers, keys text.
//
// Thread safety: pure functions apart from the temporary file.
#ifndef HUB_HUB_REPORTS_QUARTERLY_FILES_H_
#define HUB_HUB_REPORTS_QUARTERLY_FILES_H_

#include <string>

#include "absl/status/statusor.h"
#include "hub/reports/quarterly_report.h"

namespace hub {

// The workbook's bytes. libxlsxwriter writes only to a file: it is written
// to a fresh temporary file in `tmp_dir` (empty: $TMPDIR or /tmp), read
// back and deleted. `generated` is shown on the report sheet
// ("YYYY-MM-DD"). Internal if the file cannot be written (the message names
// the library's error, never the path).
absl::StatusOr<std::string> QuarterlyWorkbook(const QuarterlyReport& report,
                                              const std::string& generated,
                                              const std::string& tmp_dir);

// One table as CSV (RFC 4180: CRLF line ends, fields with a comma, quote or
// line break quoted), its column names first.
std::string TableCsv(const ReportTable& table);

// Every table, each line prefixed by "<table name>," (the
// FILE_KIND_QUARTERLY_REPORT_CSV stream; table names need no quoting).
std::string QuarterlyCsv(const QuarterlyReport& report);

}  // namespace hub

#endif  // HUB_HUB_REPORTS_QUARTERLY_FILES_H_
