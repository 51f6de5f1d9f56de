#include "hub/cli/hubctl_export.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "hub/common/rpc_status.h"
#include "hub/v1/monitor_service.grpc.pb.h"
#include "hub/v1/plan_service.grpc.pb.h"

namespace hub {
namespace {

// Rendering a whole county's month, then streaming it.
constexpr absl::Duration kExportDeadline = absl::Hours(1);

bool PlainFileName(const std::string& name) {
  return !name.empty() && name.size() <= 255 && name != "." && name != ".." &&
         name.find('/') == std::string::npos && name.find('\\') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

void ReportError(std::ostream& err, std::string_view server, const absl::Status& status) {
  if (absl::IsUnavailable(status) && absl::StrContains(status.message(), "connect")) {
    err << "hubctl: cannot reach hubd at " << server
        << " (is it running? set --server or HUB_SERVER)\n";
  } else if (absl::IsDeadlineExceeded(status)) {
    err << "hubctl: export: hubd at " << server << " did not finish the export in time\n";
  } else {
    err << "hubctl: export: " << status.message() << " (" << absl::StatusCodeToString(status.code())
        << ")\n";
  }
}

// The resourceType of one NDJSON line the hub wrote: every line starts
// with {"resourceType":"<Type>". "" if not.
std::string ResourceTypeOf(std::string_view line) {
  constexpr std::string_view kPrefix = "{\"resourceType\":\"";
  if (line.substr(0, kPrefix.size()) != kPrefix) return "";
  line.remove_prefix(kPrefix.size());
  const size_t end = line.find('"');
  if (end == std::string_view::npos || end == 0 || end > 64) return "";
  for (const char c : line.substr(0, end)) {
    if (!absl::ascii_isalpha(static_cast<unsigned char>(c))) return "";
  }
  return std::string(line.substr(0, end));
}

}  // namespace

absl::StatusOr<std::string> SplitFhirBulkExport(const std::string& ndjson_path,
                                                std::string_view request_text) {
  std::filesystem::path folder(ndjson_path);
  folder.replace_extension();
  std::error_code ec;
  std::filesystem::remove_all(folder, ec);
  if (!std::filesystem::create_directories(folder, ec) || ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create ", folder.string(), "; check the folder's permissions"));
  }
  std::ifstream in(ndjson_path, std::ios::binary);
  if (!in) return absl::FailedPreconditionError(absl::StrCat("cannot read ", ndjson_path));
  std::map<std::string, std::unique_ptr<std::ofstream>> files;
  std::map<std::string, int64_t> counts;
  std::string line;
  int64_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty()) continue;
    const std::string type = ResourceTypeOf(line);
    if (type.empty()) {
      return absl::DataLossError(
          absl::StrCat("line ", line_number,
                       " of the hub's FHIR export does not start with a resourceType; "
                       "export again, and report it if it repeats"));
    }
    std::unique_ptr<std::ofstream>& file = files[type];
    if (file == nullptr) {
      file = std::make_unique<std::ofstream>(folder / absl::StrCat(type, ".ndjson"),
                                             std::ios::binary | std::ios::trunc);
    }
    *file << line << "\n";
    if (!*file) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot write into ", folder.string(), "; is the disk full?"));
    }
    ++counts[type];
  }
  for (auto& [type, file] : files) {
    file->close();
    if (!*file) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot write into ", folder.string(), "; is the disk full?"));
    }
  }
  std::string manifest =
      absl::StrCat("{\"transactionTime\":\"",
                   absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone()),
                   "\",\"request\":\"", absl::string_view(request_text.data(), request_text.size()),
                   "\",\"requiresAccessToken\":false,\"output\":[");
  bool first = true;
  for (const auto& [type, count] : counts) {
    absl::StrAppend(&manifest, first ? "" : ",", "{\"type\":\"", type, "\",\"url\":\"", type,
                    ".ndjson\",\"count\":", count, "}");
    first = false;
  }
  manifest += "],\"error\":[]}\n";
  std::ofstream out(folder / "manifest.json", std::ios::trunc);
  out << manifest;
  out.close();
  if (!out) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot write ", (folder / "manifest.json").string()));
  }
  in.close();
  std::filesystem::remove(ndjson_path, ec);
  return folder.string();
}

absl::StatusOr<hub::v1::FileKind> ParseExportKind(std::string_view word) {
  const std::string w = absl::AsciiStrToLower(absl::string_view(word.data(), word.size()));
  if (w == "rtf") return hub::v1::FILE_KIND_RETURN_TRANSMISSION;
  if (w == "otf") return hub::v1::FILE_KIND_OUTREACH_TRACKER;
  if (w == "invoice") return hub::v1::FILE_KIND_INVOICE;
  if (w == "837p") return hub::v1::FILE_KIND_CLAIMS_837P;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown export kind \"", absl::string_view(word.data(), word.size()),
                   "\"; use rtf, otf, invoice or 837p (--fhir for the FHIR bulk export)"));
}

namespace {

// The file an export streams, saved under its ".part" name until it is whole.
struct ReceivedFile {
  hub::v1::ExportFileHeader header;
  bool have_header = false;
  std::filesystem::path final_path;  // <out_dir>/<the header's file name>
  std::filesystem::path part_path;   // final_path + ".part"
  std::ofstream file;
  int64_t bytes = 0;
};

// Reads the export's stream (a header naming the file, then chunks) into
// `received`'s ".part" file in `out_dir`. The problem on this side (a reply
// without a header, a file that cannot be written), OK otherwise; the RPC's
// own status comes from Finish.
absl::Status ReadExportStream(grpc::ClientReader<hub::v1::ExportFileResponse>& reader,
                              const std::string& out_dir, ReceivedFile& received) {
  hub::v1::ExportFileResponse response;
  while (reader.Read(&response)) {
    if (!received.have_header) {
      if (!response.has_header() || !PlainFileName(response.header().file_name())) {
        return absl::InternalError(
            "the hub's reply did not start with a header naming a file; upgrade hubctl to the "
            "hub's release");
      }
      received.have_header = true;
      received.header = response.header();
      received.final_path = std::filesystem::path(out_dir) / response.header().file_name();
      received.part_path = received.final_path;
      received.part_path += ".part";
      received.file.open(received.part_path, std::ios::binary | std::ios::trunc);
      if (!received.file) {
        return absl::FailedPreconditionError(absl::StrCat(
            "cannot write ", received.part_path.string(), "; check the folder's permissions"));
      }
      continue;
    }
    if (!response.has_chunk()) continue;
    received.file.write(response.chunk().data(),
                        static_cast<std::streamsize>(response.chunk().size()));
    received.bytes += static_cast<int64_t>(response.chunk().size());
    if (!received.file) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot write ", received.part_path.string(), "; is the disk full?"));
    }
  }
  return absl::OkStatus();
}

// Closes the received file; after a clean stream and RPC, the problem if the
// hub sent no file or the last write failed.
absl::Status CloseReceivedFile(absl::Status problem, const absl::Status& rpc_status,
                               ReceivedFile& received) {
  if (received.file.is_open()) received.file.close();
  if (problem.ok() && rpc_status.ok() && !received.have_header) {
    return absl::InternalError("the hub ended the export without sending a file");
  }
  if (problem.ok() && rpc_status.ok() && received.file.fail()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot write ", received.part_path.string(), "; is the disk full?"));
  }
  return problem;
}

// Gives the whole file its name. Part 2 records must not travel without the
// re-disclosure notice (42 CFR 2.32): it is written beside the file (its
// path into `notice_path`) before the file gets its name. False, with the
// message on `err` and nothing left behind, if either step fails.
bool SaveUnderFinalName(const ReceivedFile& received, std::filesystem::path& notice_path,
                        std::ostream& err) {
  std::error_code ec;
  if (!received.header.redisclosure_notice().empty()) {
    notice_path = received.final_path;
    notice_path += ".part2-notice.txt";
    std::ofstream notice(notice_path, std::ios::trunc);
    notice << received.header.redisclosure_notice() << "\n";
    notice.close();
    if (!notice) {
      std::filesystem::remove(received.part_path, ec);
      err << "hubctl: export: cannot write " << notice_path.string()
          << ", the re-disclosure notice the file's 42 CFR Part 2 records must travel with; "
             "nothing was saved: check the folder's permissions and space, then export again\n";
      return false;
    }
  }
  std::error_code rename_error;
  std::filesystem::rename(received.part_path, received.final_path, rename_error);
  if (rename_error) {
    std::filesystem::remove(received.part_path, ec);
    if (!notice_path.empty()) std::filesystem::remove(notice_path, ec);
    err << "hubctl: export: cannot create " << received.final_path.string() << " ("
        << rename_error.message() << ")\n";
    return false;
  }
  return true;
}

// The lines under a saved export: its Part 2 notice, the Part 2 records
// left out, and the billing summary.
void PrintExportNotes(const hub::v1::ExportFileHeader& header,
                      const std::filesystem::path& notice_path, std::ostream& out) {
  if (!notice_path.empty()) {
    out << "  holds 42 CFR Part 2 records disclosed under the members' consents; the re-disclosure "
           "notice that must go with them: "
        << notice_path.string() << "\n";
  }
  if (header.part2_withheld_count() > 0) {
    out << "  " << header.part2_withheld_count()
        << " 42 CFR Part 2 records left out: no consent of the member covers disclosing them to "
           "this plan; a consent recorded later covers a later export\n";
  }
  if (header.has_billing()) {
    const hub::v1::BillingSummary& b = header.billing();
    out << "  billing: " << b.billable_lines() << " billable lines: " << b.billed_lines()
        << " billed here, " << b.billed_on_other_file() << " on the plan's other billing file";
    for (const hub::v1::UnbillableLines& u : b.unbillable()) {
      out << ", " << u.lines() << " not billed (" << u.reason_code() << ")";
    }
    out << "\n";
  }
}

// Splits a saved quarterly report or FHIR bulk export into its files and
// says what was saved. The command's exit code.
int PrintSavedExport(const ExportCommandOptions& options, const ReceivedFile& received,
                     const std::filesystem::path& notice_path, std::ostream& out,
                     std::ostream& err) {
  const std::string final_path = received.final_path.string();
  const int64_t records = received.header.record_count();
  if (options.kind == hub::v1::FILE_KIND_QUARTERLY_REPORT_CSV) {
    absl::StatusOr<std::vector<std::string>> files = SplitQuarterlyCsv(final_path);
    if (!files.ok()) {
      err << "hubctl: report: " << files.status().message() << "\n";
      return 1;
    }
    for (const std::string& f : *files) out << f << "\n";
    return 0;
  }
  if (options.kind == hub::v1::FILE_KIND_FHIR_BULK) {
    absl::StatusOr<std::string> folder = SplitFhirBulkExport(
        final_path, absl::StrCat("PlanService.ExportFile plan_id=", options.plan_id,
                                 " kind=FILE_KIND_FHIR_BULK"));
    if (!folder.ok()) {
      err << "hubctl: export: " << folder.status().message() << "\n";
      return 1;
    }
    out << *folder << ": " << records << " FHIR resources (" << received.bytes
        << " bytes; manifest.json lists the files)\n";
  } else {
    out << final_path << ": " << records << " records (" << received.bytes << " bytes)\n";
  }
  PrintExportNotes(received.header, notice_path, out);
  return 0;
}

}  // namespace

int ExportFileCommand(const std::shared_ptr<grpc::Channel>& channel, std::string_view server,
                      const ExportCommandOptions& options, std::ostream& out, std::ostream& err) {
  std::error_code ec;
  if (!std::filesystem::is_directory(options.out_dir, ec)) {
    err << "hubctl: export: --out=" << options.out_dir
        << " is not a folder; create it or choose another\n";
    return 1;
  }
  auto stub = hub::v1::PlanService::NewStub(channel);
  grpc::ClientContext context;
  context.set_wait_for_ready(false);
  context.set_deadline(absl::ToChronoTime(absl::Now() + kExportDeadline));
  hub::v1::ExportFileRequest request;
  request.set_plan_id(options.plan_id);
  request.set_kind(options.kind);
  request.set_period(options.period);
  std::unique_ptr<grpc::ClientReader<hub::v1::ExportFileResponse>> reader =
      stub->ExportFile(&context, request);

  ReceivedFile received;
  absl::Status problem = ReadExportStream(*reader, options.out_dir, received);
  if (!problem.ok()) context.TryCancel();
  absl::Status status = FromGrpcStatus(reader->Finish());
  problem = CloseReceivedFile(std::move(problem), status, received);
  if (!problem.ok() || !status.ok()) {
    if (received.have_header) std::filesystem::remove(received.part_path, ec);
    if (!problem.ok()) {
      err << "hubctl: export: " << problem.message() << "\n";
    } else {
      ReportError(err, server, status);
    }
    return 1;
  }
  std::filesystem::path notice_path;
  if (!SaveUnderFinalName(received, notice_path, err)) return 1;
  return PrintSavedExport(options, received, notice_path, out, err);
}

absl::StatusOr<std::vector<std::string>> SplitQuarterlyCsv(const std::string& csv_path) {
  std::ifstream in(csv_path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot read the quarterly CSV the hub sent");
  std::string stem = std::filesystem::path(csv_path).string();
  if (stem.size() > 4 && stem.substr(stem.size() - 4) == ".csv") stem.resize(stem.size() - 4);
  std::vector<std::string> files;
  std::map<std::string, std::string> tabs;
  std::string line;
  while (std::getline(in, line)) {
    const size_t comma = line.find(',');
    const std::string tab = line.substr(0, comma);
    const bool plain = comma != std::string::npos && !tab.empty() &&
                       std::all_of(tab.begin(), tab.end(), [](char c) {
                         return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
                       });
    if (!plain) {
      return absl::InvalidArgumentError(
          "the quarterly CSV has a line without a plain tab name; export it again");
    }
    if (tabs.find(tab) == tabs.end()) files.push_back(absl::StrCat(stem, "_", tab, ".csv"));
    tabs[tab] += line.substr(comma + 1);
    tabs[tab] += "\n";
  }
  for (const std::string& file : files) {
    const std::string tab = file.substr(stem.size() + 1, file.size() - stem.size() - 5);
    std::ofstream f(file, std::ios::binary | std::ios::trunc);
    f << tabs[tab];
    if (!f.flush()) {
      return absl::InternalError(absl::StrCat("cannot write ", file, ": check the folder"));
    }
  }
  std::error_code ec;
  std::filesystem::remove(csv_path, ec);
  return files;
}

int QuarterlyReportCommand(const std::shared_ptr<grpc::Channel>& channel, std::string_view server,
                           const std::string& plan_id, const std::string& quarter,
                           const std::string& out_dir, std::ostream& out, std::ostream& err) {
  ExportCommandOptions options{plan_id, hub::v1::FILE_KIND_QUARTERLY_REPORT, quarter, out_dir};
  const int code = ExportFileCommand(channel, server, options, out, err);
  if (code != 0) return code;
  options.kind = hub::v1::FILE_KIND_QUARTERLY_REPORT_CSV;
  return ExportFileCommand(channel, server, options, out, err);
}

int CountyQuarterlyReportCommand(const std::shared_ptr<grpc::Channel>& channel,
                                 std::string_view server, const std::string& quarter,
                                 const std::string& out_dir, std::ostream& out, std::ostream& err) {
  auto stub = hub::v1::MonitorService::NewStub(channel);
  for (const bool csv : {false, true}) {
    hub::v1::GetQuarterlyRollupRequest request;
    request.set_quarter(quarter);
    request.set_csv(csv);
    hub::v1::GetQuarterlyRollupResponse response;
    grpc::ClientContext context;
    const absl::Status status =
        FromGrpcStatus(stub->GetQuarterlyRollup(&context, request, &response));
    if (!status.ok()) {
      ReportError(err, server, status);
      return 1;
    }
    // The name is the hub's; never let it leave the folder.
    const std::string name = std::filesystem::path(response.file_name()).filename().string();
    if (name.empty() || name != response.file_name()) {
      err << "hubctl: report quarterly --county: the hub sent an unusable file name\n";
      return 1;
    }
    const std::filesystem::path path = std::filesystem::path(out_dir) / name;
    {
      std::ofstream file(path, std::ios::binary | std::ios::trunc);
      file.write(response.content().data(),
                 static_cast<std::streamsize>(response.content().size()));
      if (!file.flush()) {
        err << "hubctl: report quarterly --county: cannot write " << path.string()
            << "; check the folder's permissions and space\n";
        return 1;
      }
    }
    if (!csv) {
      out << path.string() << ": the county roll-up of " << response.plan_ids_size() << " plans ("
          << response.content().size() << " bytes)\n";
      continue;
    }
    absl::StatusOr<std::vector<std::string>> files = SplitQuarterlyCsv(path.string());
    if (!files.ok()) {
      err << "hubctl: report quarterly --county: " << files.status().message() << "\n";
      return 1;
    }
    for (const std::string& f : *files) out << f << "\n";
  }
  return 0;
}

}  // namespace hub
