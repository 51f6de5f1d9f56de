#include "hub/rpc/plan_service.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "auth/call_scope.h"
#include "base/identifiers.h"
#include "base/sha256.h"
#include "base/status_macros.h"
#include "hub/common/log.h"
#include "hub/common/paging.h"
#include "hub/common/rpc_status.h"
#include "hub/common/spool_file.h"
#include "hub/ingest/claim_answers.h"
#include "hub/rpc/export_rpcs.h"
#include "hub/rpc/feed_rpcs.h"

namespace hub {
namespace {

// Row errors per GetIngestReport page: 0 means the default, at most the max.
constexpr int kDefaultRowErrorPage = 1000;
constexpr int kMaxRowErrorPage = 10000;

// Uploads answered from a past report carry this many row errors inline.
constexpr int kInlineRowErrors = 100;

bool IsUploadKind(hub::v1::FileKind kind) {
  return kind == hub::v1::FILE_KIND_MEMBER_ASSIGNMENT ||
         kind == hub::v1::FILE_KIND_CS_AUTHORIZATION || kind == hub::v1::FILE_KIND_QUALITY_REPORT ||
         IsClaimAnswerKind(kind);
}

absl::Status ValidateHeader(const hub::v1::UploadFileHeader& header) {
  if (header.plan_id().empty()) {
    return absl::InvalidArgumentError("header.plan_id is required: the uploading plan's id");
  }
  RETURN_IF_ERROR(ValidatePlanId(header.plan_id()));
  if (!IsUploadKind(header.file_kind())) {
    return absl::InvalidArgumentError(
        "header.file_kind must be FILE_KIND_MEMBER_ASSIGNMENT, FILE_KIND_CS_AUTHORIZATION, "
        "FILE_KIND_QUALITY_REPORT, FILE_KIND_X12_999, FILE_KIND_X12_277CA or FILE_KIND_X12_835: "
        "the kinds of file a plan uploads");
  }
  const std::string& name = header.file_name();
  if (name.empty() || name.size() > 255 || absl::StrContains(name, "/") ||
      name.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError(
        "header.file_name must be 1 to 255 characters without \"/\": the file's own name, not "
        "a path");
  }
  if (!header.content_sha256().empty() && !IsSha256Hex(header.content_sha256())) {
    return absl::InvalidArgumentError(
        "header.content_sha256 must be the file's SHA-256 as 64 lowercase hex digits, or empty");
  }
  return absl::OkStatus();
}

}  // namespace

// One plan file: the checked header, then the ingest of the received file.
class PlanUploadJob final : public UploadJob {
 public:
  PlanUploadJob(IngestPipeline* pipeline, const LoadedPlanProfile* profile,
                hub::v1::UploadFileHeader header, ParkedRecords* parked)
      : pipeline_(pipeline), profile_(profile), header_(std::move(header)), parked_(parked) {}

  std::string expected_sha256() const override { return header_.content_sha256(); }

  absl::StatusOr<std::string> Run(const ReceivedFile& file,
                                  const std::atomic<bool>* cancelled) override {
    SpooledUpload upload;
    upload.plan_id = header_.plan_id();
    upload.kind = header_.file_kind();
    upload.file_name = header_.file_name();
    upload.spool_path = file.spool_path;
    upload.content_sha256 = file.content_sha256;
    upload.size_bytes = file.size_bytes;
    upload.receive_time = file.receive_time;
    absl::StatusOr<hub::v1::IngestReport> report = pipeline_->Run(upload, *profile_, cancelled);
    if (!report.ok()) {
      log::Warning("plan_file_ingest_failed",
                   {{"plan_id", upload.plan_id},
                    {"code", absl::StatusCodeToString(report.status().code())},
                    {"cause", std::string(report.status().message())}});
      return Park(upload, report.status());
    }
    hub::v1::UploadFileResponse response;
    *response.mutable_report() = *std::move(report);
    return response.SerializeAsString();
  }

 private:
  // A file whose ingest stopped part way is kept and parked for the county
  // administrator (hub/rpc/parked_records.h); the plan hears so.
  absl::Status Park(const SpooledUpload& upload, const absl::Status& error) {
    if (parked_ == nullptr || !ParksUpload(error.code())) return error;
    const std::string report_id =
        IngestReportId(upload.plan_id, upload.content_sha256, profile_->Version(upload.kind));
    absl::StatusOr<std::string> parked_id = parked_->ParkUpload(upload, report_id, error);
    if (!parked_id.ok()) return error;
    return absl::Status(
        error.code(),
        absl::StrCat(error.message(), "; the hub kept the file as parked record ", *parked_id,
                     " for the county administrator to rerun (or upload it "
                     "again)"));
  }

  IngestPipeline* const pipeline_;
  const LoadedPlanProfile* const profile_;
  const hub::v1::UploadFileHeader header_;
  ParkedRecords* const parked_;
};

// PlanService.UploadFile's part of the shared upload reactor.
class PlanUploadHandler final : public UploadHandler {
 public:
  explicit PlanUploadHandler(PlanService* service) : service_(service) {}

  std::string_view spool_prefix() const override { return "plan-"; }

  absl::StatusOr<Begun> Begin(const grpc::CallbackServerContext& context,
                              std::string_view message) override {
    hub::v1::UploadFileRequest request;
    if (!request.ParseFromArray(message.data(), static_cast<int>(message.size()))) {
      return absl::InvalidArgumentError(
          "the first message of the upload is not a valid hub.v1.UploadFileRequest (it does not "
          "parse, or a string is not UTF-8); send the header (plan_id, file_kind, file_name)");
    }
    if (request.part_case() != hub::v1::UploadFileRequest::kHeader) {
      return absl::InvalidArgumentError(
          "the first message of an upload is its header (plan_id, file_kind, file_name); send "
          "it before the chunks");
    }
    const hub::v1::UploadFileHeader& header = request.header();
    RETURN_IF_ERROR(auth::CheckCallScope(context, "/hub.v1.PlanService/UploadFile", request));
    RETURN_IF_ERROR(ValidateHeader(header));
    ASSIGN_OR_RETURN(const LoadedPlanProfile* profile, ProfileFor(header));
    Begun begun;
    if (!header.content_sha256().empty()) {
      const std::string report_id = IngestReportId(header.plan_id(), header.content_sha256(),
                                                   profile->Version(header.file_kind()));
      absl::StatusOr<hub::v1::IngestReport> past =
          service_->pipeline_->GetReport(report_id, kInlineRowErrors);
      if (past.ok() && past->content_sha256() == header.content_sha256()) {
        if (past->file_kind() != header.file_kind()) {
          return absl::AlreadyExistsError(
              absl::StrCat("this file's content was already uploaded as ",
                           hub::v1::FileKind_Name(past->file_kind()), " (report ", report_id,
                           "); check the file kind"));
        }
        log::Info("plan_file_duplicate", {{"report_id", report_id}, {"plan_id", header.plan_id()}});
        past->set_replay(true);
        hub::v1::UploadFileResponse response;
        *response.mutable_report() = *std::move(past);
        begun.response = response.SerializeAsString();
        return begun;
      }
      if (!past.ok() && !absl::IsNotFound(past.status())) return past.status();
    }
    begun.job = std::make_unique<PlanUploadJob>(service_->pipeline_, profile, header,
                                                service_->options_.parked);
    return begun;
  }

  absl::StatusOr<std::string> ChunkOf(std::string_view message) const override {
    hub::v1::UploadFileRequest request;
    if (!request.ParseFromArray(message.data(), static_cast<int>(message.size()))) {
      return absl::InvalidArgumentError(
          "an upload message is not a valid hub.v1.UploadFileRequest (it does not parse); "
          "upload the file again");
    }
    if (request.part_case() != hub::v1::UploadFileRequest::kChunk) {
      return absl::InvalidArgumentError(
          "only the first message of an upload is a header; every later one carries chunk "
          "bytes");
    }
    if (request.chunk().size() > PlanService::kMaxChunkBytes) {
      return absl::InvalidArgumentError(
          "a chunk is at most 4 MiB; send smaller chunks (1 MiB is a good size)");
    }
    return std::move(*request.mutable_chunk());
  }

  // The plan's profile, if it reads `header`'s kind of file.
  absl::StatusOr<const LoadedPlanProfile*> ProfileFor(const hub::v1::UploadFileHeader& header) {
    absl::StatusOr<hub::v1::Plan> plan = service_->directory_->GetPlan(header.plan_id());
    if (absl::IsNotFound(plan.status())) {
      return absl::NotFoundError(absl::StrCat("no plan has plan_id \"", header.plan_id(),
                                              "\"; ListPlans shows the plans of this hub"));
    }
    RETURN_IF_ERROR(plan.status());
    if (plan->adapter_profile().empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("plan ", header.plan_id(),
                       " has no adapter_profile yet, so the hub cannot read its files; the county "
                       "administrator sets it with UpdatePlan"));
    }
    absl::StatusOr<const LoadedPlanProfile*> profile =
        service_->adapters_->GetProfile(plan->adapter_profile());
    if (!profile.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("the adapter profile \"", plan->adapter_profile(), "\" of plan ",
                       header.plan_id(), " cannot be used: ", profile.status().message()));
    }
    if (IsClaimAnswerKind(header.file_kind())) {
      if (!PlanSendsClaimAnswers((*profile)->profile, header.file_kind())) {
        return absl::FailedPreconditionError(absl::StrCat(
            "the adapter profile \"", plan->adapter_profile(), "\" of plan ", header.plan_id(),
            " does not list ", hub::v1::FileKind_Name(header.file_kind()),
            " in claim_answers; the hub administrator adds it to its profile.textproto"));
      }
    } else if (!(*profile)->adapter->Handles(header.file_kind())) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the adapter profile \"", plan->adapter_profile(), "\" of plan ", header.plan_id(),
          " has no layout for ", hub::v1::FileKind_Name(header.file_kind()),
          "; the hub administrator adds one to its profile.textproto"));
    }
    return *profile;
  }

 private:
  PlanService* const service_;
};

PlanService::PlanService(storage::Store* store, storage::DirectoryStore* directory,
                         PlanAdapterSet* adapters, IngestPipeline* pipeline,
                         PlanServiceOptions options)
    : directory_(directory),
      adapters_(adapters),
      pipeline_(pipeline),
      options_(std::move(options)),
      ingest_store_(store),
      upload_handler_(std::make_unique<PlanUploadHandler>(this)) {
  if (options_.feed != nullptr) {
    FileExportOptions export_options = options_.export_options;
    export_options.clock = options_.clock;
    export_options.disclosure = options_.feed_disclosure;
    export_options.metrics = options_.pull_feed_observers.metrics;
    if (options_.parked != nullptr) export_options.parked = options_.parked->store();
    exporter_ = std::make_unique<FileExporter>(store, directory, options_.feed, adapters,
                                               std::move(export_options));
    fhir_exporter_ =
        std::make_unique<FhirExporter>(store, directory,
                                       FhirExportOptions{.clock = options_.clock,
                                                         .base_url = options_.fhir_base_url,
                                                         .disclosure = options_.feed_disclosure});
    // libxlsxwriter's temporary files go to the spool folder (the hub's own).
    quarterly_exporter_ = std::make_unique<QuarterlyExporter>(
        store, directory, options_.feed,
        QuarterlyExportOptions{
            .clock = options_.clock,
            .tmp_dir = options_.uploads != nullptr ? options_.uploads->options().spool_dir : "",
            .outreach_rule = options_.outreach_rule});
  }
}

PlanService::~PlanService() = default;

absl::StatusOr<hub::v1::IngestReport> PlanService::IngestKeptFile(const SpooledUpload& upload) {
  hub::v1::UploadFileHeader header;
  header.set_plan_id(upload.plan_id);
  header.set_file_kind(upload.kind);
  ASSIGN_OR_RETURN(const LoadedPlanProfile* profile, upload_handler_->ProfileFor(header));
  return pipeline_->Run(upload, *profile, nullptr);
}

std::string PlanService::DefaultSpoolDir(const std::string& data_dir) {
  std::filesystem::path data = std::filesystem::path(data_dir).lexically_normal();
  if (!data.has_filename()) data = data.parent_path();
  std::filesystem::path parent = data.parent_path();
  return (parent.empty() ? std::filesystem::path("spool") : parent / "spool").string();
}

absl::Status PlanService::PrepareSpoolDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(absl::StrCat("cannot create the spool folder ", dir, " (",
                                                      ec.message(),
                                                      "); check its parent's permissions or "
                                                      "pass --spool_dir"));
  }
  int removed = 0;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (IsSpoolFileName(name)) {
      std::error_code remove_ec;
      if (std::filesystem::remove(it->path(), remove_ec)) ++removed;
    }
  }
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot list the spool folder ", dir, " (", ec.message(), ")"));
  }
  if (removed > 0) log::Info("spool_leftovers_removed", {{"count", removed}});
  return absl::OkStatus();
}

grpc::ServerReadReactor<grpc::ByteBuffer>* PlanService::UploadFile(
    grpc::CallbackServerContext* context, grpc::ByteBuffer* response) {
  return options_.uploads->Start(context, response, upload_handler_.get());
}

grpc::ServerUnaryReactor* PlanService::GetIngestReport(
    grpc::CallbackServerContext* context, const hub::v1::GetIngestReportRequest* request,
    hub::v1::GetIngestReportResponse* response) {
  if (absl::Status scope =
          auth::CheckCallScope(*context, "/hub.v1.PlanService/GetIngestReport", *request);
      !scope.ok()) {
    return FinishUnary(context, scope);
  }
  return FinishUnary(context, DoGetIngestReport(*request, *response));
}

grpc::ServerUnaryReactor* PlanService::ListIngestReports(
    grpc::CallbackServerContext* context, const hub::v1::ListIngestReportsRequest* request,
    hub::v1::ListIngestReportsResponse* response) {
  if (absl::Status scope =
          auth::CheckCallScope(*context, "/hub.v1.PlanService/ListIngestReports", *request);
      !scope.ok()) {
    return FinishUnary(context, scope);
  }
  return FinishUnary(context, DoListIngestReports(*request, *response));
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* PlanService::PullFeed(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  if (options_.feed == nullptr || options_.feed_notifier == nullptr) {
    return RefusePullFeed(
        absl::UnimplementedError("PlanService.PullFeed is not served by this hub"), context,
        &options_.pull_feed_observers);
  }
  return StartPullFeed(context, *request, options_.feed, directory_, options_.feed_notifier,
                       options_.feed_disclosure, &options_.pull_feed_observers,
                       options_.pull_feed_limits);
}

grpc::ServerUnaryReactor* PlanService::Ack(grpc::CallbackServerContext* context,
                                           const hub::v1::AckRequest* request,
                                           hub::v1::AckResponse* response) {
  if (options_.feed == nullptr) {
    return FinishUnary(context,
                       absl::UnimplementedError("PlanService.Ack is not served by this hub"));
  }
  if (absl::Status scope = auth::CheckCallScope(*context, "/hub.v1.PlanService/Ack", *request);
      !scope.ok()) {
    return FinishUnary(context, scope);
  }
  return FinishUnary(context,
                     AckFeed(*options_.feed, *directory_, *request, options_.clock(), *response));
}

grpc::ServerWriteReactor<hub::v1::ExportFileResponse>* PlanService::ExportFile(
    grpc::CallbackServerContext* context, const hub::v1::ExportFileRequest* request) {
  class Refused final : public grpc::ServerWriteReactor<hub::v1::ExportFileResponse> {
   public:
    explicit Refused(const absl::Status& status) { Finish(ToGrpcStatus(status)); }
    void OnDone() override { delete this; }
  };
  if (exporter_ == nullptr) {
    return new Refused(
        absl::UnimplementedError("PlanService.ExportFile is not served by this hub"));
  }
  // A plan exports only its own files.
  if (absl::Status scope =
          auth::CheckCallScope(*context, "/hub.v1.PlanService/ExportFile", *request);
      !scope.ok()) {
    return new Refused(scope);
  }
  UploadStreams* uploads = options_.uploads;
  return StartExportFile(
      *request,
      ExportRenderers{.files = exporter_.get(),
                      .fhir = fhir_exporter_.get(),
                      .quarterly = quarterly_exporter_.get()},
      uploads->options().spool_dir, uploads->NextSpoolId(),
      [uploads](std::function<void()> work) { uploads->StartWorker(std::move(work)); });
}

absl::Status PlanService::DoGetIngestReport(const hub::v1::GetIngestReportRequest& request,
                                            hub::v1::GetIngestReportResponse& response) {
  if (!IsIngestReportId(request.report_id())) {
    return absl::InvalidArgumentError(
        "report_id must be \"<plan_id>-<16 hex digits>\" as UploadFile or ListIngestReports "
        "returned it");
  }
  if (request.page_size() < 0) {
    return absl::InvalidArgumentError(absl::StrCat("page_size must be 0 (server default of ",
                                                   kDefaultRowErrorPage, ") or 1 to ",
                                                   kMaxRowErrorPage));
  }
  const int page_size = request.page_size() == 0 ? kDefaultRowErrorPage
                                                 : std::min(request.page_size(), kMaxRowErrorPage);
  const std::string token_kind = absl::StrCat("ingest_row_errors/", request.report_id());
  ASSIGN_OR_RETURN(std::string cursor, DecodePageToken(token_kind, request.page_token()));
  if (!request.page_token().empty() && cursor.empty()) return InvalidPageTokenError();
  absl::StatusOr<hub::v1::IngestReport> report = ingest_store_.GetReport(request.report_id());
  if (absl::IsNotFound(report.status())) {
    return absl::NotFoundError(absl::StrCat("no ingest report has id \"", request.report_id(),
                                            "\"; ListIngestReports lists a plan's reports"));
  }
  RETURN_IF_ERROR(report.status());
  absl::StatusOr<storage::IngestStore::RowErrorPage> page =
      ingest_store_.ListRowErrors(request.report_id(), cursor, page_size);
  if (absl::IsInvalidArgument(page.status())) return InvalidPageTokenError();
  RETURN_IF_ERROR(page.status());
  for (hub::v1::RowError& e : page->errors) *report->add_row_errors() = std::move(e);
  if (!page->next_cursor.empty()) {
    response.set_next_page_token(EncodePageToken(token_kind, page->next_cursor));
  }
  // The records a snapshot ended, paged apart from the row errors.
  const std::string ended_kind = absl::StrCat("ingest_ended/", request.report_id());
  ASSIGN_OR_RETURN(std::string ended_cursor,
                   DecodePageToken(ended_kind, request.ended_page_token()));
  if (!request.ended_page_token().empty() && ended_cursor.empty()) return InvalidPageTokenError();
  absl::StatusOr<storage::IngestStore::EndedRecordPage> ended =
      ingest_store_.ListEndedRecords(request.report_id(), ended_cursor, page_size);
  if (absl::IsInvalidArgument(ended.status())) return InvalidPageTokenError();
  RETURN_IF_ERROR(ended.status());
  for (hub::v1::EndedRecord& e : ended->records) *report->add_ended_records() = std::move(e);
  if (!ended->next_cursor.empty()) {
    response.set_next_ended_page_token(EncodePageToken(ended_kind, ended->next_cursor));
  }
  *response.mutable_report() = *std::move(report);
  return absl::OkStatus();
}

absl::Status PlanService::DoListIngestReports(const hub::v1::ListIngestReportsRequest& request,
                                              hub::v1::ListIngestReportsResponse& response) {
  if (request.plan_id().empty()) {
    return absl::InvalidArgumentError("plan_id is required: the plan whose reports to list");
  }
  RETURN_IF_ERROR(ValidatePlanId(request.plan_id()));
  ASSIGN_OR_RETURN(const int page_size, EffectivePageSize(request.page_size()));
  const std::string token_kind = absl::StrCat("ingest_reports/", request.plan_id());
  ASSIGN_OR_RETURN(std::string cursor, DecodePageToken(token_kind, request.page_token()));
  if (!request.page_token().empty() && cursor.empty()) return InvalidPageTokenError();
  absl::StatusOr<hub::v1::Plan> plan = directory_->GetPlan(request.plan_id());
  if (absl::IsNotFound(plan.status())) {
    return absl::NotFoundError(absl::StrCat("no plan has plan_id \"", request.plan_id(),
                                            "\"; ListPlans shows the plans of this hub"));
  }
  RETURN_IF_ERROR(plan.status());
  absl::StatusOr<storage::IngestStore::ReportPage> page =
      ingest_store_.ListReports(request.plan_id(), cursor, page_size);
  if (absl::IsInvalidArgument(page.status())) return InvalidPageTokenError();
  RETURN_IF_ERROR(page.status());
  for (hub::v1::IngestReport& r : page->reports) *response.add_reports() = std::move(r);
  if (!page->next_cursor.empty()) {
    response.set_next_page_token(EncodePageToken(token_kind, page->next_cursor));
  }
  return absl::OkStatus();
}

}  // namespace hub
