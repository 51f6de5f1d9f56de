// hubctl's file commands: a plan's or provider's file up (upload, submit),
// its ingest reports (report, reports, the quarterly workbook), and the
// plan's feed and files down (pull, export) (hub/cli/hubctl_command.h).
#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/sha256.h"
#include "hub/cli/cli_table.h"
#include "hub/cli/hubctl_command.h"
#include "hub/cli/hubctl_export.h"
#include "hub/cli/hubctl_pull.h"
#include "hub/cli/hubctl_submit.h"
#include "hub/cli/ingest_report_text.h"
#include "hub/common/rpc_status.h"
#include "hub/v1/plan_service.grpc.pb.h"
#include "hub/v1/provider_service.grpc.pb.h"

namespace hub::hubctl {

// A local file ready to stream: its size, SHA-256 and an open stream.
struct UploadFile {
  int64_t size = 0;
  std::string sha256;
  std::ifstream in;
};

// Opens `path` for `command`; prints why not and returns nullopt.
std::optional<UploadFile> OpenUploadFile(Invocation& inv, std::string_view command,
                                         const std::string& path) {
  std::error_code ec;
  const auto file_size = std::filesystem::file_size(path, ec);
  if (ec || !std::filesystem::is_regular_file(path, ec)) {
    inv.err << "hubctl: " << command << ": cannot read " << path << " (not a readable file)\n";
    return std::nullopt;
  }
  UploadFile file;
  file.size = static_cast<int64_t>(file_size);
  // The hash goes first so the hub can answer a repeat upload at once.
  absl::StatusOr<std::string> sha = Sha256OfFile(path);
  if (!sha.ok()) {
    inv.err << "hubctl: " << command << ": " << sha.status().message() << "\n";
    return std::nullopt;
  }
  file.sha256 = *std::move(sha);
  file.in.open(path, std::ios::binary);
  if (!file.in) {
    inv.err << "hubctl: " << command << ": cannot open " << path << "\n";
    return std::nullopt;
  }
  return file;
}

// Sends `request` (the header, already set), then the file in chunks,
// showing progress on stderr for large files, then WritesDone. A failed
// Write means the hub finished the call early (a known file, or an error):
// sending stops and the caller reads the answer from Finish.
template <typename Request>
void StreamUpload(Invocation& inv, std::string_view command, UploadFile& file,
                  grpc::ClientWriter<Request>& writer, Request& request) {
  bool open = writer.Write(request);
  const bool progress = file.size > kProgressMinBytes;
  int64_t sent = 0;
  int next_percent = 5;
  std::string buffer(kUploadChunkBytes, '\0');
  while (open && file.in) {
    file.in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const std::streamsize n = file.in.gcount();
    if (n <= 0) break;
    request.Clear();
    request.set_chunk(buffer.data(), static_cast<size_t>(n));
    open = writer.Write(request);
    sent += n;
    if (progress && file.size > 0) {
      const int percent = static_cast<int>(sent * 100 / file.size);
      if (percent >= next_percent) {
        inv.err << absl::StrFormat("hubctl: %s: %d%% (%.1f of %.1f MiB)\n",
                                   absl::string_view(command.data(), command.size()), percent,
                                   sent / 1048576.0, file.size / 1048576.0);
        inv.err.flush();
        next_percent = (percent / 5 + 1) * 5;
      }
    }
  }
  if (open) {
    writer.WritesDone();
    if (progress) inv.err << "hubctl: " << command << ": sent; waiting for the hub's report\n";
  }
}

int RunUpload(Invocation& inv) {
  constexpr char kUsage[] =
      "usage: hubctl upload --plan=ID --kind=assignment|authorization|quality|999|277ca|835 "
      "FILE\n";
  const std::optional<std::string> plan = inv.Flag("plan");
  const std::optional<std::string> kind_flag = inv.Flag("kind");
  if (!plan.has_value() || plan->empty() || !kind_flag.has_value() || inv.args.size() != 1) {
    inv.err << "hubctl: upload needs --plan, --kind and one FILE\n" << kUsage;
    return 2;
  }
  hub::v1::FileKind kind;
  if (*kind_flag == "assignment") {
    kind = hub::v1::FILE_KIND_MEMBER_ASSIGNMENT;
  } else if (*kind_flag == "authorization") {
    kind = hub::v1::FILE_KIND_CS_AUTHORIZATION;
  } else if (*kind_flag == "quality") {
    kind = hub::v1::FILE_KIND_QUALITY_REPORT;
  } else if (*kind_flag == "999") {
    kind = hub::v1::FILE_KIND_X12_999;
  } else if (*kind_flag == "277ca") {
    kind = hub::v1::FILE_KIND_X12_277CA;
  } else if (*kind_flag == "835") {
    kind = hub::v1::FILE_KIND_X12_835;
  } else {
    inv.err << "hubctl: upload: --kind must be assignment, authorization, quality, 999, 277ca or "
               "835\n"
            << kUsage;
    return 2;
  }
  const std::string& path = inv.args[0];
  std::optional<UploadFile> file = OpenUploadFile(inv, "upload", path);
  if (!file.has_value()) return 1;

  auto stub = hub::v1::PlanService::NewStub(inv.channel);
  grpc::ClientContext context;
  PrepareContext(context, kUploadDeadline);
  hub::v1::UploadFileResponse response;
  std::unique_ptr<grpc::ClientWriter<hub::v1::UploadFileRequest>> writer =
      stub->UploadFile(&context, &response);
  hub::v1::UploadFileRequest request;
  hub::v1::UploadFileHeader* header = request.mutable_header();
  header->set_plan_id(*plan);
  header->set_file_kind(kind);
  header->set_file_name(std::filesystem::path(path).filename().string());
  header->set_content_sha256(file->sha256);
  StreamUpload(inv, "upload", *file, *writer, request);
  absl::Status status = FromGrpcStatus(writer->Finish());
  if (!status.ok()) return Fail(inv, "upload", status);
  PrintIngestReport(inv.out, response.report(), kShownRowErrors);
  return IngestExitCode(response.report());
}

// hubctl submit FILE --provider=ID: a CBO CSV (docs/cbo-csv-template.md)
// through ProviderService.UploadFile, printed like `upload`; or JSON lines
// of hub.v1.Submission (FILE.jsonl) through ProviderService.Submit
// (hub/cli/hubctl_submit.h).
int RunSubmit(Invocation& inv) {
  constexpr char kUsage[] = "usage: hubctl submit --provider=ID FILE\n";
  const std::optional<std::string> provider = inv.Flag("provider");
  if (!provider.has_value() || provider->empty() || inv.args.size() != 1) {
    inv.err << "hubctl: submit needs --provider and one FILE (a CBO CSV template)\n" << kUsage;
    return 2;
  }
  const std::string& path = inv.args[0];
  if (absl::EndsWith(path, ".jsonl") || absl::EndsWith(path, ".json")) {
    SubmitCommandOptions options;
    options.provider_id = *provider;
    options.path = path;
    return SubmitJsonLinesCommand(inv.channel, options, inv.out, inv.err);
  }
  std::optional<UploadFile> file = OpenUploadFile(inv, "submit", path);
  if (!file.has_value()) return 1;
  auto stub = hub::v1::ProviderService::NewStub(inv.channel);
  grpc::ClientContext context;
  PrepareContext(context, kUploadDeadline);
  hub::v1::ProviderServiceUploadFileResponse response;
  std::unique_ptr<grpc::ClientWriter<hub::v1::ProviderServiceUploadFileRequest>> writer =
      stub->UploadFile(&context, &response);
  hub::v1::ProviderServiceUploadFileRequest request;
  hub::v1::ProviderUploadHeader* header = request.mutable_header();
  header->set_provider_id(*provider);
  header->set_file_name(std::filesystem::path(path).filename().string());
  header->set_content_sha256(file->sha256);
  StreamUpload(inv, "submit", *file, *writer, request);
  absl::Status status = FromGrpcStatus(writer->Finish());
  if (!status.ok()) return Fail(inv, "submit", status);
  PrintIngestReport(inv.out, response.report(), kShownRowErrors);
  return IngestExitCode(response.report());
}

int RunReport(Invocation& inv) {
  if (inv.args.size() == 1 && inv.args[0] == "quarterly") {
    const std::optional<std::string> plan = inv.Flag("plan");
    const std::optional<std::string> county_flag = inv.Flag("county");
    const bool county = county_flag.has_value() && *county_flag != "false" && *county_flag != "0";
    const std::optional<std::string> quarter = inv.Flag("quarter");
    if (county == (plan.has_value() && !plan->empty()) || !quarter || quarter->empty()) {
      inv.err << "hubctl: report quarterly needs --plan or --county, and --quarter\n"
                 "usage: hubctl report quarterly --plan=ID|--county --quarter=YYYYQn "
                 "[--out=DIR]\n";
      return 2;
    }
    if (county) {
      return CountyQuarterlyReportCommand(inv.channel, inv.server, *quarter,
                                          inv.Flag("out").value_or("."), inv.out, inv.err);
    }
    return QuarterlyReportCommand(inv.channel, inv.server, *plan, *quarter,
                                  inv.Flag("out").value_or("."), inv.out, inv.err);
  }
  if (inv.args.size() != 1) {
    inv.err << "hubctl: report needs one REPORT_ID\nusage: hubctl report REPORT_ID [--all]\n";
    return 2;
  }
  const std::optional<std::string> all_flag = inv.Flag("all");
  const bool all = all_flag.has_value() && *all_flag != "false" && *all_flag != "0";
  auto stub = hub::v1::PlanService::NewStub(inv.channel);
  hub::v1::GetIngestReportRequest request;
  request.set_report_id(inv.args[0]);
  request.set_page_size(all ? 10000 : kShownRowErrors);
  hub::v1::IngestReport report;
  bool first = true;
  do {
    grpc::ClientContext context;
    PrepareContext(context, kReadDeadline);
    hub::v1::GetIngestReportResponse response;
    absl::Status status = FromGrpcStatus(stub->GetIngestReport(&context, request, &response));
    if (!status.ok()) return Fail(inv, "report", status);
    if (first) {
      report = response.report();
      first = false;
    } else {
      for (auto& e : *response.mutable_report()->mutable_row_errors()) {
        *report.add_row_errors() = std::move(e);
      }
    }
    request.set_page_token(all ? response.next_page_token() : "");
  } while (!request.page_token().empty());
  PrintIngestReport(inv.out, report, all ? -1 : kShownRowErrors);
  return IngestExitCode(report);
}

int RunReports(Invocation& inv) {
  const std::optional<std::string> plan = inv.Flag("plan");
  if (!plan.has_value() || plan->empty()) {
    inv.err << "hubctl: reports needs --plan\nusage: hubctl reports --plan=ID\n";
    return 2;
  }
  auto stub = hub::v1::PlanService::NewStub(inv.channel);
  hub::v1::ListIngestReportsRequest request;
  request.set_plan_id(*plan);
  request.set_page_size(1000);
  TextTable table(
      {"REPORT ID", "KIND", "FILE", "OUTCOME", "READ", "ACCEPTED", "REJECTED", "COMPLETED (UTC)"});
  do {
    grpc::ClientContext context;
    PrepareContext(context, kReadDeadline);
    hub::v1::ListIngestReportsResponse response;
    absl::Status status = FromGrpcStatus(stub->ListIngestReports(&context, request, &response));
    if (!status.ok()) return Fail(inv, "reports", status);
    for (const hub::v1::IngestReport& r : response.reports()) {
      table.AddRow({r.report_id(), FileKindName(r.file_kind()), r.file_name(),
                    IngestOutcomeName(r.outcome()), absl::StrCat(r.rows_read()),
                    absl::StrCat(r.rows_accepted()), absl::StrCat(r.rows_rejected()),
                    TimestampText(r.complete_time())});
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  inv.out << table.Render();
  return 0;
}

// `hubctl pull`: see hub/cli/hubctl_pull.h.
int RunPull(Invocation& inv) {
  constexpr char kUsage[] =
      "usage: hubctl pull --plan=ID [--kinds=service,outreach_attempt,...] [--max=N] [--ack] "
      "[--follow] [--json]\n";
  PullCommandOptions options;
  const std::optional<std::string> plan = inv.Flag("plan");
  if (!plan.has_value() || plan->empty()) {
    inv.err << "hubctl: pull needs --plan\n" << kUsage;
    return 2;
  }
  options.plan_id = *plan;
  if (auto kinds = inv.Flag("kinds")) {
    absl::StatusOr<std::vector<hub::v1::RecordKind>> parsed = ParseRecordKinds(*kinds);
    if (!parsed.ok()) {
      inv.err << "hubctl: pull: " << parsed.status().message() << "\n" << kUsage;
      return 2;
    }
    options.kinds = *std::move(parsed);
  }
  if (auto max = inv.Flag("max")) {
    if (!absl::SimpleAtoi(*max, &options.max_items) || options.max_items < 0) {
      inv.err << "hubctl: pull: --max must be a number of items, 0 for no limit\n" << kUsage;
      return 2;
    }
  }
  auto is_set = [&](const char* name) {
    const std::optional<std::string> v = inv.Flag(name);
    return v.has_value() && *v != "false" && *v != "0";
  };
  options.ack = is_set("ack");
  options.follow = is_set("follow");
  options.json = is_set("json");
  return PullFeedCommand(inv.channel, inv.server, options, inv.out, inv.err);
}

// `hubctl export`: see hub/cli/hubctl_export.h.
int RunExport(Invocation& inv) {
  constexpr char kUsage[] =
      "usage: hubctl export --plan=ID --kind=rtf|otf|invoice|837p --period=YYYY-MM [--out=DIR]\n"
      "       hubctl export --plan=ID --fhir [--out=DIR]\n";
  const std::optional<std::string> plan = inv.Flag("plan");
  std::optional<std::string> kind = inv.Flag("kind");
  std::optional<std::string> period = inv.Flag("period");
  const std::optional<std::string> fhir = inv.Flag("fhir");
  if (fhir.has_value() && *fhir != "false" && *fhir != "0") {
    if (kind || period) {
      inv.err << "hubctl: export --fhir takes no --kind or --period (a FHIR export is a "
                 "snapshot of today)\n"
              << kUsage;
      return 2;
    }
    if (!plan || plan->empty()) {
      inv.err << "hubctl: export needs --plan\n" << kUsage;
      return 2;
    }
    ExportCommandOptions options{*plan, hub::v1::FILE_KIND_FHIR_BULK, "",
                                 inv.Flag("out").value_or(".")};
    return ExportFileCommand(inv.channel, inv.server, options, inv.out, inv.err);
  }
  if (!plan || plan->empty() || !kind || !period || period->empty()) {
    inv.err << "hubctl: export needs --plan, --kind and --period\n" << kUsage;
    return 2;
  }
  absl::StatusOr<hub::v1::FileKind> parsed = ParseExportKind(*kind);
  if (!parsed.ok()) {
    inv.err << "hubctl: export: " << parsed.status().message() << "\n" << kUsage;
    return 2;
  }
  ExportCommandOptions options{*plan, *parsed, *period, inv.Flag("out").value_or(".")};
  return ExportFileCommand(inv.channel, inv.server, options, inv.out, inv.err);
}

}  // namespace hub::hubctl
