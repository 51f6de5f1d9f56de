#include "hub/cli/hubctl.h"

#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <system_error>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/sha256.h"
#include "base/timestamp.h"
#include "hub/cli/cli_table.h"
#include "hub/cli/health_client.h"
#include "hub/cli/hubctl_directory.h"
#include "hub/cli/hubctl_export.h"
#include "hub/cli/hubctl_identity.h"
#include "hub/cli/hubctl_parked.h"
#include "hub/cli/hubctl_profile.h"
#include "hub/cli/hubctl_pull.h"
#include "hub/cli/hubctl_stats.h"
#include "hub/cli/hubctl_submit.h"
#include "hub/cli/hubctl_views.h"
#include "hub/cli/ingest_report_text.h"
#include "hub/common/rpc_status.h"
#include "hub/v1/admin_service.grpc.pb.h"
#include "hub/v1/directory_service.grpc.pb.h"
#include "hub/v1/plan_service.grpc.pb.h"
#include "hub/v1/provider_service.grpc.pb.h"

namespace hub {
namespace {

// How long a read command waits for hubd. Connection failures are reported
// at once (wait_for_ready is false); this bounds a stuck server.
constexpr absl::Duration kReadDeadline = absl::Seconds(5);
// A checkpoint of a large store takes longer than a read.
constexpr absl::Duration kBackupDeadline = absl::Minutes(10);
// An upload of a multi-gigabyte file, then its ingest.
constexpr absl::Duration kUploadDeadline = absl::Hours(6);
// Bytes per upload chunk.
constexpr size_t kUploadChunkBytes = 1u << 20;
// Files larger than this show progress on stderr.
constexpr int64_t kProgressMinBytes = 8 << 20;
// Row errors `upload` and `report` print without --all.
constexpr int kShownRowErrors = 20;

struct Invocation {
  std::string server;
  std::map<std::string, std::string> flags;  // Command flags given.
  std::ostream& out;
  std::ostream& err;
  std::shared_ptr<grpc::Channel> channel;
  std::vector<std::string> args;  // Positional arguments after the command.
  bool tls = false;               // The channel is mutual TLS.

  std::optional<std::string> Flag(const std::string& name) const {
    auto it = flags.find(name);
    if (it == flags.end()) return std::nullopt;
    return it->second;
  }
};

struct Command {
  std::string_view name;
  std::vector<std::string_view> flags;  // Accepted --flags, each taking a value.
  std::string_view flags_usage;
  std::string_view summary;
  int (*run)(Invocation&);
  // Positional arguments accepted (e.g. a file).
  size_t max_args = 0;
  // Flags that take no value (--all); "--all=false" also works.
  std::vector<std::string_view> bool_flags = {};
};

void PrepareContext(grpc::ClientContext& context, absl::Duration deadline) {
  context.set_wait_for_ready(false);
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
}

// Prints why an RPC failed and returns exit code 1.
int Fail(const Invocation& inv, std::string_view command, const absl::Status& status) {
  if (absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status)) {
    inv.err << "hubctl: cannot reach hubd at " << inv.server
            << " (is it running? set --server or HUB_SERVER"
            << (inv.tls ? "; check that your certificate is signed by the county CA, current "
                          "and not revoked"
                        : "; a hub serving TLS needs --tls_dir or HUB_TLS_DIR")
            << ")\n";
  } else {
    inv.err << "hubctl: " << command << ": " << status.message() << " ("
            << absl::StatusCodeToString(status.code()) << ")\n";
  }
  return 1;
}

int RunPlans(Invocation& inv) {
  auto stub = hub::v1::DirectoryService::NewStub(inv.channel);
  std::vector<hub::v1::Plan> plans;
  hub::v1::ListPlansRequest request;
  request.set_page_size(1000);
  do {
    grpc::ClientContext context;
    PrepareContext(context, kReadDeadline);
    hub::v1::ListPlansResponse response;
    absl::Status status = FromGrpcStatus(stub->ListPlans(&context, request, &response));
    if (!status.ok()) return Fail(inv, "plans", status);
    for (auto& plan : *response.mutable_plans()) plans.push_back(std::move(plan));
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  inv.out << FormatPlansTable(plans);
  return 0;
}

int RunProviders(Invocation& inv) {
  hub::v1::ListProvidersRequest request;
  request.set_page_size(1000);
  if (auto plan = inv.Flag("plan")) request.set_plan_id(*plan);
  if (auto kind = inv.Flag("kind")) {
    if (*kind == "ecm") {
      request.set_kind(hub::v1::PROVIDER_KIND_ECM);
    } else if (*kind == "cs") {
      request.set_kind(hub::v1::PROVIDER_KIND_CS);
    } else {
      inv.err << "hubctl: providers: --kind must be ecm or cs\n";
      return 2;
    }
  }
  auto stub = hub::v1::DirectoryService::NewStub(inv.channel);
  std::vector<hub::v1::Provider> providers;
  do {
    grpc::ClientContext context;
    PrepareContext(context, kReadDeadline);
    hub::v1::ListProvidersResponse response;
    absl::Status status = FromGrpcStatus(stub->ListProviders(&context, request, &response));
    if (!status.ok()) return Fail(inv, "providers", status);
    for (auto& provider : *response.mutable_providers()) providers.push_back(std::move(provider));
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  inv.out << FormatProvidersTable(providers);
  return 0;
}

int RunHealth(Invocation& inv) {
  absl::StatusOr<ServingStatus> health = CheckHealth(inv.channel, "", kReadDeadline);
  if (!health.ok()) return Fail(inv, "health", health.status());
  inv.out << ServingStatusName(*health) << "\n";
  return *health == ServingStatus::kServing ? 0 : 1;
}

int RunBackup(Invocation& inv) {
  auto stub = hub::v1::AdminService::NewStub(inv.channel);
  hub::v1::CreateBackupRequest request;
  if (auto label = inv.Flag("label")) request.set_label(*label);
  grpc::ClientContext context;
  PrepareContext(context, kBackupDeadline);
  hub::v1::CreateBackupResponse response;
  absl::Status status = FromGrpcStatus(stub->CreateBackup(&context, request, &response));
  if (!status.ok()) return Fail(inv, "backup", status);
  const absl::Time created = FromTimestamp(response.create_time());
  TextTable table({"BACKUP ID", "CREATED (UTC)", "FILES", "SIZE BYTES"});
  table.AddRow({response.backup_id(),
                absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", created, absl::UTCTimeZone()),
                absl::StrCat(response.file_count()), absl::StrCat(response.size_bytes())});
  inv.out << table.Render();
  return 0;
}

// ------------------------------------------------------------ plan files

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

int RunPlan(Invocation& inv) {
  return PlanCommand(inv.channel, inv.args.empty() ? "" : inv.args[0], inv.flags, inv.out, inv.err);
}

int RunProfile(Invocation& inv) { return ProfileCommand(inv.args, inv.out, inv.err); }

int RunProvider(Invocation& inv) {
  return ProviderCommand(inv.channel, inv.args.empty() ? "" : inv.args[0], inv.flags, inv.out,
                         inv.err);
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

// Provider views (hub/cli/hubctl_views.h).
int RunWorklist(Invocation& inv) {
  const std::optional<std::string> provider = inv.Flag("provider");
  if (!provider.has_value() || provider->empty()) {
    inv.err << "hubctl: worklist needs --provider\n"
               "usage: hubctl worklist --provider=ID [--plan=P] [--as_of=YYYY-MM-DD]\n";
    return 2;
  }
  return WorklistCommand({inv.channel, inv.server}, *provider, inv.Flag("plan").value_or(""),
                         inv.Flag("as_of").value_or(""), inv.out, inv.err);
}

int RunQuality(Invocation& inv) {
  const std::optional<std::string> provider = inv.Flag("provider");
  if (!provider.has_value() || provider->empty()) {
    inv.err << "hubctl: quality needs --provider\nusage: hubctl quality --provider=ID "
               "[--period=P]\n";
    return 2;
  }
  return QualityCommand({inv.channel, inv.server}, *provider, inv.Flag("period").value_or(""),
                        inv.out, inv.err);
}

int RunCarePlan(Invocation& inv) {
  const std::optional<std::string> provider = inv.Flag("provider");
  const std::optional<std::string> cin = inv.Flag("cin");
  if (!provider.has_value() || provider->empty() || !cin.has_value() || cin->empty()) {
    inv.err << "hubctl: careplan needs --provider and --cin\n"
               "usage: hubctl careplan --provider=ID --cin=CIN\n";
    return 2;
  }
  return CarePlanCommand({inv.channel, inv.server}, *provider, *cin, inv.out, inv.err);
}

int RunBilling(Invocation& inv) {
  const std::optional<std::string> provider = inv.Flag("provider");
  if (!provider.has_value() || provider->empty()) {
    inv.err << "hubctl: billing needs --provider\nusage: hubctl billing --provider=ID\n";
    return 2;
  }
  return BillingCommand({inv.channel, inv.server}, *provider, inv.out, inv.err);
}

// Consents and the audit log (hub/cli/hubctl_identity.h).
int RunConsent(Invocation& inv) {
  return RunConsentCommand({inv.channel, inv.flags, inv.args}, inv.out, inv.err);
}
int RunAudit(Invocation& inv) {
  return RunAuditCommand({inv.channel, inv.flags, inv.args}, inv.out, inv.err);
}

// Parked records (hub/cli/hubctl_parked.h).
int RunParked(Invocation& inv) {
  return RunParkedCommand({inv.channel, inv.flags, inv.args}, inv.out, inv.err);
}

// `hubctl stats`: see hub/cli/hubctl_stats.h.
int RunStats(Invocation& inv) {
  constexpr char kUsage[] = "usage: hubctl stats [--window=24h] [--json]\n";
  StatsCommandOptions options;
  if (auto window = inv.Flag("window")) {
    absl::Duration d;
    if (!absl::ParseDuration(*window, &d) || d < absl::Minutes(1) || d > absl::Hours(24 * 31)) {
      inv.err << "hubctl: stats: --window must be a duration from 1m to 744h, e.g. 1h, 24h, "
                 "168h\n"
              << kUsage;
      return 2;
    }
    options.window_seconds = absl::ToInt64Seconds(d);
  }
  const std::optional<std::string> json = inv.Flag("json");
  options.json = json.has_value() && *json != "false" && *json != "0";
  return StatsCommand(inv.channel, inv.server, options, inv.out, inv.err);
}

// The command table. Keep it sorted by name as `hubctl --help` shows it.
const std::vector<Command>& Commands() {
  static const auto* const commands = new std::vector<Command>{
      {"audit",
       {"org", "member", "since", "until"},
       "verify | query [--org=ORG] [--member=CIN|mbr_...] [--since=T] [--until=T]",
       "verify the audit log's hash chain, or list its records (county administrator)",
       &RunAudit,
       1},
      {"backup",
       {"label"},
       "[--label=L]",
       "write a checkpoint of the store under hubd's --backup_dir",
       &RunBackup},
      {"billing",
       {"provider"},
       "--provider=ID",
       "list a provider's service and invoice lines: billed on which file and claim, or why not",
       &RunBilling},
      {"careplan",
       {"provider", "cin"},
       "--provider=ID --cin=CIN",
       "print a member's latest care plan, if the provider serves the member",
       &RunCarePlan},
      {"consent",
       {"member", "purposes", "signed", "expires", "provider", "discloser", "recipient"},
       "grant|revoke|list [CONSENT_ID] [--member=CIN] [--provider=ID] ...",
       "record, revoke or list members' 42 CFR Part 2 consents",
       &RunConsent,
       2},
      {"export",
       {"plan", "kind", "period", "out"},
       "--plan=ID --kind=rtf|otf|invoice|837p --period=YYYY-MM [--out=DIR] | --plan=ID --fhir",
       "write one of a plan's files for a month into DIR (default .), named by the hub; "
       "--fhir: the plan's FHIR R4 bulk export (one NDJSON per resource type + manifest.json)",
       &RunExport,
       0,
       {"fhir"}},
      {"health", {}, "", "print SERVING or NOT_SERVING; exit 0 only if SERVING", &RunHealth},
      {"parked",
       {"state", "plan", "reason"},
       "list [--state=open|parked|rerunning|resolved|discarded] [--plan=ID] | show ID | "
       "rerun ID | discard ID --reason=TEXT",
       "the county's parked records: list or show them, rerun one once, or discard it with a "
       "reason (county administrator; the analyst lists and shows)",
       &RunParked,
       2},
      {"plan",
       {"plan", "name", "county", "dhcs_plan_code", "adapter_profile"},
       "create|update --plan=ID [--name=N] [--county=C] [--dhcs_plan_code=X] "
       "[--adapter_profile=P]",
       "add a plan or change its fields (the hub compiles its adapter profile first)",
       &RunPlan,
       1},
      {"plans", {}, "", "list the plans of the county", &RunPlans},
      {"profile",
       {},
       "check FILE PROFILE [KIND]",
       "dry-run a plan file against an adapter profile, without a hub (runs hubprofile)",
       &RunProfile,
       4},
      {"provider",
       {"provider", "file", "fields"},
       "create --file=P.textproto | update --provider=ID --file=P.textproto --fields=a,b",
       "add a provider (a hub.v1.Provider in text format) or change named fields",
       &RunProvider,
       1},
      {"providers",
       {"plan", "kind"},
       "[--plan=ID] [--kind=ecm|cs]",
       "list providers, optionally those contracted with a plan or of a kind",
       &RunProviders},
      {"pull",
       {"plan", "kinds", "max"},
       "--plan=ID [--kinds=K,...] [--max=N] [--ack] [--follow] [--json]",
       "print a plan's feed from its cursor, one line per item; --ack acknowledges it",
       &RunPull,
       0,
       {"ack", "follow", "json"}},
      {"quality",
       {"provider", "period"},
       "--provider=ID [--period=P]",
       "list every plan's quality reports about a provider",
       &RunQuality},
      {"report",
       {"all", "plan", "quarter", "out"},
       "REPORT_ID [--all] | quarterly --plan=ID|--county --quarter=YYYYQn [--out=DIR]",
       "print a past ingest report (--all: every rejected row); quarterly: write a plan's "
       "quarterly ECM/CS monitoring workbook (.xlsx) and one CSV per tab into DIR (--county: the "
       "roll-up across plans)",
       &RunReport,
       1,
       {"all", "county"}},
      {"reports", {"plan"}, "--plan=ID", "list a plan's ingest reports, newest first", &RunReports},
      {"stats",
       {"window"},
       "[--window=24h] [--json]",
       "the county's summary: flows, backlogs, rejections, outreach, RTFs, capacity, alerts",
       &RunStats,
       0,
       {"json"}},
      {"submit",
       {"provider"},
       "--provider=ID FILE",
       "submit a CBO CSV (docs/cbo-csv-template.md) or JSON lines of hub.v1.Submission (.jsonl) "
       "and print the per-record report",
       &RunSubmit,
       1},
      {"upload",
       {"plan", "kind"},
       "--plan=ID --kind=assignment|authorization|quality|999|277ca|835 FILE",
       "upload a plan's native file and print the hub's report (exit 1 if REJECTED)",
       &RunUpload,
       1},
      {"worklist",
       {"provider", "plan", "as_of"},
       "--provider=ID [--plan=P] [--as_of=YYYY-MM-DD]",
       "print a provider's worklist across plans: status, units left, outreach due",
       &RunWorklist},
  };
  return *commands;
}

void PrintUsage(std::ostream& os) {
  os << "usage: hubctl [--server=HOST:PORT] [--tls_dir=DIR | --tls_cert_file=F --tls_key_file=F "
        "--tls_ca_file=F] [--tls_server_name=NAME] <command> [flags]\n\n"
        "The server defaults to $HUB_SERVER, else "
     << kDefaultHubServer
     << ".\nTLS: --tls_dir is a folder with tls.crt, tls.key and ca.crt; the environment's\n"
        "HUB_TLS_DIR, HUB_TLS_CERT_FILE, HUB_TLS_KEY_FILE, HUB_TLS_CA_FILE and\n"
        "HUB_TLS_SERVER_NAME apply when the flags are not given; without any, plaintext.\n"
        "\ncommands:\n";
  TextTable table({"", "", ""});
  for (const Command& c : Commands()) {
    table.AddRow({std::string(c.name), std::string(c.flags_usage), std::string(c.summary)});
  }
  // Skip the (empty) header line.
  std::string rendered = table.Render();
  os << rendered.substr(rendered.find('\n') + 1);
}

// Splits "--name=value" / "--name value" at args[*i]; advances *i past the
// value. False if args[*i] is not a flag or a value is missing.
bool TakeFlag(const std::vector<std::string>& args, size_t* i, std::string* name,
              std::string* value) {
  const std::string& arg = args[*i];
  if (arg.size() < 2 || arg[0] != '-') return false;
  std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
  size_t eq = body.find('=');
  if (eq != std::string::npos) {
    *name = body.substr(0, eq);
    *value = body.substr(eq + 1);
    return !name->empty();
  }
  *name = body;
  if (*name == "help" || *name == "h") return true;
  if (*i + 1 >= args.size()) return false;
  *value = args[++*i];
  return !name->empty();
}

}  // namespace

int RunHubctl(const std::vector<std::string>& args, std::string_view env_server, std::ostream& out,
              std::ostream& err) {
  std::string server = env_server.empty() ? kDefaultHubServer : std::string(env_server);
  std::map<std::string, std::string> tls_flags;
  size_t i = 0;
  // Global flags, before the command.
  for (; i < args.size() && !args[i].empty() && args[i][0] == '-'; ++i) {
    std::string name, value;
    if (!TakeFlag(args, &i, &name, &value)) {
      err << "hubctl: flag " << args[i] << " needs a value\n\n";
      PrintUsage(err);
      return 2;
    }
    if (name == "help" || name == "h") {
      PrintUsage(out);
      return 0;
    }
    if (name == "server" && value.empty()) {
      err << "hubctl: --server needs HOST:PORT, e.g. --server=127.0.0.1:50051\n";
      return 2;
    }
    if (IsTlsFlag(name)) {
      tls_flags[name] = value;
      continue;
    }
    if (name != "server") {
      err << "hubctl: unknown flag --" << name << "\n\n";
      PrintUsage(err);
      return 2;
    }
    server = value;
  }
  if (i >= args.size()) {
    err << "hubctl: missing command\n\n";
    PrintUsage(err);
    return 2;
  }
  const Command* command = nullptr;
  for (const Command& c : Commands()) {
    if (c.name == args[i]) command = &c;
  }
  if (command == nullptr) {
    err << "hubctl: unknown command \"" << args[i] << "\"\n\n";
    PrintUsage(err);
    return 2;
  }
  Invocation inv{server, {}, out, err, nullptr, {}};
  for (++i; i < args.size(); ++i) {
    std::string name, value;
    const std::string arg = args[i];
    if (arg.size() >= 2 && arg[0] == '-') {
      // A flag without a value: "--all" (or "--all=false").
      const std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
      const size_t eq = body.find('=');
      const std::string flag_name = body.substr(0, eq);
      bool is_bool = false;
      for (std::string_view f : command->bool_flags) is_bool = is_bool || f == flag_name;
      if (is_bool) {
        inv.flags[flag_name] = eq == std::string::npos ? "true" : body.substr(eq + 1);
        continue;
      }
    } else if (inv.args.size() < command->max_args) {
      inv.args.push_back(arg);
      continue;
    }
    const bool is_flag = TakeFlag(args, &i, &name, &value);
    bool known = false;
    for (std::string_view f : command->flags) known = known || f == name;
    if (!is_flag || !known) {
      err << "hubctl: " << command->name << ": unexpected argument " << arg
          << "\nusage: hubctl [--server=HOST:PORT] " << command->name
          << (command->flags_usage.empty() ? "" : " ") << command->flags_usage << "\n";
      return 2;
    }
    inv.flags[name] = value;
  }
  const auth::TlsClientFiles tls = TlsFromFlagsAndEnv(tls_flags);
  inv.tls = tls.enabled();
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = HubctlChannel(server, tls);
  if (!channel.ok()) {
    err << "hubctl: " << channel.status().message() << "\n";
    return 2;
  }
  inv.channel = *std::move(channel);
  return command->run(inv);
}

}  // namespace hub
