// `hubctl export`: asks the hub for one of a plan's files
// (PlanService.ExportFile) and writes it into a folder under the name the
// hub gives it, e.g. "molina_rtf_2026-11.tsv". Lives apart from hubctl.cc's
// command table, which only parses the flags and calls ExportFileCommand.
//
// The file is written to "<name>.part" first and renamed when the stream
// ended OK, so a failed export never leaves a file that looks complete. The
// name from the hub must be a plain file name (no folder part), so nothing
// is written outside the folder. Prints "<path>: <N> records (<B> bytes)".
#ifndef HUB_HUB_CLI_HUBCTL_EXPORT_H_
#define HUB_HUB_CLI_HUBCTL_EXPORT_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hub/v1/plan_file.pb.h"

namespace hub {

struct ExportCommandOptions {
  std::string plan_id;
  hub::v1::FileKind kind = hub::v1::FILE_KIND_UNSPECIFIED;
  // "YYYY-MM".
  std::string period;
  // Folder receiving the file; must exist.
  std::string out_dir = ".";
};

// FILE_KIND_FHIR_BULK (`hubctl export --fhir`): the NDJSON the hub sends is
// split into the Bulk Data $export layout: a folder named like the file
// without ".ndjson" holding one "<resourceType>.ndjson" per type and
// "manifest.json" (transactionTime, request, requiresAccessToken false,
// output [{type, url (relative to the folder), count}], error []). A line
// whose resourceType is not a plain name is refused. Returns the folder.
absl::StatusOr<std::string> SplitFhirBulkExport(const std::string& ndjson_path,
                                                std::string_view request_text);

// Parses rtf, otf, invoice or 837p (any case). InvalidArgument otherwise.
absl::StatusOr<hub::v1::FileKind> ParseExportKind(std::string_view word);

// Splits a FILE_KIND_QUARTERLY_REPORT_CSV file (lines "<tab>,<row>") into
// one CSV per tab next to it, "<stem>_<tab>.csv" (stem: the file's name
// without ".csv"), and removes it. A tab name that is not a plain word is
// refused. Returns the files written, in the order of the tabs.
absl::StatusOr<std::vector<std::string>> SplitQuarterlyCsv(const std::string& csv_path);

// `hubctl report quarterly --plan=ID --quarter=YYYYQn [--out=DIR]`: the
// plan's workbook (FILE_KIND_QUARTERLY_REPORT) and one CSV per tab
// (FILE_KIND_QUARTERLY_REPORT_CSV, split). Returns the exit code.
int QuarterlyReportCommand(const std::shared_ptr<grpc::Channel>& channel, std::string_view server,
                           const std::string& plan_id, const std::string& quarter,
                           const std::string& out_dir, std::ostream& out, std::ostream& err);

// `hubctl report quarterly --county --quarter=YYYYQn [--out=DIR]`: the
// county roll-up (MonitorService.GetQuarterlyRollup), the workbook and one
// CSV per tab. Returns the exit code.
int CountyQuarterlyReportCommand(const std::shared_ptr<grpc::Channel>& channel,
                                 std::string_view server, const std::string& quarter,
                                 const std::string& out_dir, std::ostream& out, std::ostream& err);

// Runs the export. The summary goes to `out`, errors to `err`. Returns the
// exit code (0 OK, 1 failure).
int ExportFileCommand(const std::shared_ptr<grpc::Channel>& channel, std::string_view server,
                      const ExportCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace hub

#endif  // HUB_HUB_CLI_HUBCTL_EXPORT_H_
