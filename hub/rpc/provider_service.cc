#include "hub/rpc/provider_service.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "adapters/readers/record.h"
#include "adapters/templates/cbo_template.h"
#include "auth/call_scope.h"
#include "base/identifiers.h"
#include "base/sha256.h"
#include "base/status_macros.h"
#include "base/string_view.h"
#include "base/timestamp.h"
#include "hub/common/log.h"
#include "hub/common/rpc_status.h"
#include "hub/common/spool_file.h"
#include "hub/views/feedback.h"

namespace hub {
namespace {

// Bytes read from the spool per Feed.
constexpr size_t kReadBlockBytes = 1u << 20;

absl::Status Unimplemented(std::string_view method) {
  return absl::UnimplementedError(absl::StrCat("ProviderService.", Absl(method),
                                               " is not served by this hub (it has no store)"));
}

// Reads the spool file at `path` into `reader` in blocks, then Finish.
absl::Status FeedSpool(const std::string& path, adapters::StreamReader& reader,
                       const std::atomic<bool>* cancelled) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    log::Error("upload_spool_failed",
               {{"action", "open"}, {"spool_path", path}, {"cause", std::strerror(errno)}});
    return absl::InternalError("the hub lost the uploaded file before reading it; upload it again");
  }
  std::string buffer(kReadBlockBytes, '\0');
  absl::Status status = absl::OkStatus();
  while (status.ok()) {
    if (cancelled != nullptr && cancelled->load(std::memory_order_relaxed)) {
      status = absl::CancelledError("the upload was cancelled");
      break;
    }
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      log::Error("upload_spool_failed",
                 {{"action", "read"}, {"spool_path", path}, {"cause", std::strerror(errno)}});
      status = absl::InternalError("the hub could not read the uploaded file; upload it again");
      break;
    }
    if (n == 0) {
      status = reader.Finish();
      break;
    }
    status = reader.Feed(std::string_view(buffer.data(), static_cast<size_t>(n)));
  }
  ::close(fd);
  return status;
}

// The template column a validation field path points at: "service.units"
// -> "units", "outreach_attempt.attempt_date" -> "record_date".
std::string TemplateColumnOf(std::string_view path) {
  if (path == "record") return "record_type";
  if (path == "idempotency_key") return "idempotency_key";
  if (path == "provider_id") return "";
  const size_t dot = path.find('.');
  const std::string_view record = dot == std::string_view::npos ? "" : path.substr(0, dot);
  std::string field(dot == std::string_view::npos ? path : path.substr(dot + 1));
  // Drop list indexes: "modifiers[0]" -> "modifiers".
  if (const size_t bracket = field.find('['); bracket != std::string::npos) {
    const size_t close = field.find(']', bracket);
    field.erase(bracket, close == std::string::npos ? std::string::npos : close - bracket + 1);
  }
  if (field == "attempt_date" || field == "as_of_date" || field == "effective_date" ||
      field == "service_date" || field == "status_date") {
    return "record_date";
  }
  if (field == "status") return record == "enrollment_status" ? "ecm_status" : "referral_status";
  if (field == "charge_cents") return "charge";
  if (field == "discontinuation.date") return "discontinuation_date";
  if (field == "discontinuation.dhcs_code") return "discontinuation_code";
  if (field == "discontinuation.reason") return "discontinuation_reason";
  for (char& c : field) {
    if (c == '.') c = '_';  // lead_care_manager.name -> lead_care_manager_name
  }
  return field;
}

// Pass 1: reads everything, keeps nothing.
class DropSink final : public adapters::SubmissionSink {
 public:
  absl::Status OnSubmission(int64_t, const hub::v1::Submission&) override {
    return absl::OkStatus();
  }
  absl::Status OnRowError(const adapters::RowError&) override { return absl::OkStatus(); }
};

// Pass 2: gathers rows into groups and sends each group through the
// pipeline; keeps the first row errors (by row number) and the counts.
class CsvSubmitSink final : public adapters::SubmissionSink {
 public:
  CsvSubmitSink(SubmitPipeline* pipeline, std::string provider_id, std::string key_prefix,
                int group_rows, int max_errors, const std::atomic<bool>* cancelled)
      : pipeline_(pipeline),
        provider_id_(std::move(provider_id)),
        key_prefix_(std::move(key_prefix)),
        group_rows_(group_rows),
        max_errors_(max_errors),
        cancelled_(cancelled) {}

  absl::Status OnSubmission(int64_t row_number, const hub::v1::Submission& submission) override {
    pending_.push_back(submission);
    pending_rows_.push_back(row_number);
    if (pending_.back().idempotency_key().empty()) {
      pending_.back().set_idempotency_key(absl::StrCat(key_prefix_, ":", row_number));
    }
    if (static_cast<int>(pending_.size()) >= group_rows_) return Flush();
    return absl::OkStatus();
  }

  absl::Status OnRowError(const adapters::RowError& error) override {
    if (error.row_number != last_template_error_row_) {
      last_template_error_row_ = error.row_number;
      ++template_rejected_rows_;
    }
    hub::v1::RowError e;
    e.set_row_number(error.row_number);
    e.set_field(error.field);
    e.set_reason_code(error.reason_code);
    e.set_message(error.message);
    Keep(std::move(e));
    return absl::OkStatus();
  }

  // Sends the rows gathered so far.
  absl::Status Flush() {
    if (pending_.empty()) return absl::OkStatus();
    if (cancelled_ != nullptr && cancelled_->load(std::memory_order_relaxed)) {
      return absl::CancelledError("the upload was cancelled");
    }
    std::vector<const hub::v1::Submission*> pointers;
    pointers.reserve(pending_.size());
    for (const hub::v1::Submission& s : pending_) pointers.push_back(&s);
    ASSIGN_OR_RETURN(std::vector<hub::v1::SubmissionResult> results,
                     pipeline_->Submit(provider_id_, std::move(pointers)));
    if (results.size() != pending_.size()) {
      return absl::InternalError("the submit pipeline answered a different number of rows");
    }
    for (size_t i = 0; i < results.size(); ++i) {
      const hub::v1::SubmissionResult& r = results[i];
      if (r.has_accepted()) {
        ++accepted_rows_;
        continue;
      }
      ++validation_rejected_rows_;
      hub::v1::RowError e;
      e.set_row_number(pending_rows_[i]);
      e.set_reason_code(r.rejected().reason_code());
      if (r.rejected().bad_request().field_violations_size() > 0) {
        const auto& fv = r.rejected().bad_request().field_violations(0);
        e.set_field(TemplateColumnOf(fv.field()));
        e.set_message(fv.description());
      }
      Keep(std::move(e));
    }
    pending_.clear();
    pending_rows_.clear();
    return absl::OkStatus();
  }

  int64_t rejected_rows() const { return template_rejected_rows_ + validation_rejected_rows_; }
  int64_t accepted_rows() const { return accepted_rows_; }

  // The kept row errors in row order.
  std::vector<hub::v1::RowError> TakeErrors() {
    SortAndTrim();
    return std::move(errors_);
  }

 private:
  // Keeps the `max_errors_` errors with the smallest row numbers (stable:
  // a row's errors keep their order).
  void Keep(hub::v1::RowError e) {
    errors_.push_back(std::move(e));
    if (static_cast<int>(errors_.size()) >= 2 * max_errors_ + 16) SortAndTrim();
  }
  void SortAndTrim() {
    std::stable_sort(errors_.begin(), errors_.end(),
                     [](const hub::v1::RowError& a, const hub::v1::RowError& b) {
                       return a.row_number() < b.row_number();
                     });
    if (static_cast<int>(errors_.size()) > max_errors_) errors_.resize(max_errors_);
  }

  SubmitPipeline* const pipeline_;
  const std::string provider_id_;
  const std::string key_prefix_;
  const int group_rows_;
  const int max_errors_;
  const std::atomic<bool>* const cancelled_;
  std::vector<hub::v1::Submission> pending_;
  std::vector<int64_t> pending_rows_;
  std::vector<hub::v1::RowError> errors_;
  int64_t last_template_error_row_ = 0;
  int64_t template_rejected_rows_ = 0;
  int64_t validation_rejected_rows_ = 0;
  int64_t accepted_rows_ = 0;
};

absl::Status ValidateUploadHeader(const hub::v1::ProviderUploadHeader& header) {
  if (header.provider_id().empty()) {
    return absl::InvalidArgumentError(
        "header.provider_id is required: the uploading provider's id");
  }
  RETURN_IF_ERROR(ValidateProviderId(header.provider_id()));
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

// One CSV upload: the checked header, then the ingest of the received file.
class ProviderUploadJob final : public UploadJob {
 public:
  ProviderUploadJob(ProviderService* service, hub::v1::ProviderUploadHeader header)
      : service_(service), header_(std::move(header)) {}

  std::string expected_sha256() const override { return header_.content_sha256(); }

  absl::StatusOr<std::string> Run(const ReceivedFile& file,
                                  const std::atomic<bool>* cancelled) override {
    SpooledProviderUpload upload;
    upload.provider_id = header_.provider_id();
    upload.file_name = header_.file_name();
    upload.spool_path = file.spool_path;
    upload.content_sha256 = file.content_sha256;
    upload.size_bytes = file.size_bytes;
    upload.receive_time = file.receive_time;
    absl::StatusOr<hub::v1::IngestReport> report = service_->IngestCsv(upload, cancelled);
    if (!report.ok()) {
      log::Warning("cbo_file_ingest_failed",
                   {{"provider_id", upload.provider_id},
                    {"code", absl::StatusCodeToString(report.status().code())},
                    {"cause", std::string(report.status().message())}});
      return report.status();
    }
    hub::v1::ProviderServiceUploadFileResponse response;
    *response.mutable_report() = *std::move(report);
    return response.SerializeAsString();
  }

 private:
  ProviderService* const service_;
  const hub::v1::ProviderUploadHeader header_;
};

// ProviderService.UploadFile's part of the shared upload reactor.
class ProviderUploadHandler final : public UploadHandler {
 public:
  explicit ProviderUploadHandler(ProviderService* service) : service_(service) {}

  std::string_view spool_prefix() const override { return "cbo-"; }

  absl::StatusOr<Begun> Begin(const grpc::CallbackServerContext& context,
                              std::string_view message) override {
    hub::v1::ProviderServiceUploadFileRequest request;
    if (!request.ParseFromArray(message.data(), static_cast<int>(message.size()))) {
      return absl::InvalidArgumentError(
          "the first message of the upload is not a valid "
          "hub.v1.ProviderServiceUploadFileRequest (it does not parse, or a string is not "
          "UTF-8); send the header (provider_id, file_name)");
    }
    if (request.part_case() != hub::v1::ProviderServiceUploadFileRequest::kHeader) {
      return absl::InvalidArgumentError(
          "the first message of an upload is its header (provider_id, file_name); send it "
          "before the chunks");
    }
    RETURN_IF_ERROR(auth::CheckCallScope(context, "/hub.v1.ProviderService/UploadFile", request));
    RETURN_IF_ERROR(ValidateUploadHeader(request.header()));
    RETURN_IF_ERROR(service_->CheckProvider(request.header().provider_id()));
    Begun begun;
    begun.job = std::make_unique<ProviderUploadJob>(service_, request.header());
    return begun;
  }

  absl::StatusOr<std::string> ChunkOf(std::string_view message) const override {
    hub::v1::ProviderServiceUploadFileRequest request;
    if (!request.ParseFromArray(message.data(), static_cast<int>(message.size()))) {
      return absl::InvalidArgumentError(
          "an upload message is not a valid hub.v1.ProviderServiceUploadFileRequest (it does "
          "not parse); upload the file again");
    }
    if (request.part_case() != hub::v1::ProviderServiceUploadFileRequest::kChunk) {
      return absl::InvalidArgumentError(
          "only the first message of an upload is a header; every later one carries chunk "
          "bytes");
    }
    if (request.chunk().size() > ProviderService::kMaxChunkBytes) {
      return absl::InvalidArgumentError(
          "a chunk is at most 4 MiB; send smaller chunks (1 MiB is a good size)");
    }
    return std::move(*request.mutable_chunk());
  }

 private:
  ProviderService* const service_;
};

ProviderService::ProviderService(storage::DirectoryStore* directory, storage::FeedStore* feed,
                                 SubmitPipeline* pipeline, ProviderServiceOptions options)
    : directory_(directory),
      feed_(feed),
      pipeline_(pipeline),
      options_(std::move(options)),
      upload_handler_(std::make_unique<ProviderUploadHandler>(this)) {
  if (options_.store != nullptr) {
    views_ = std::make_unique<ProviderViews>(options_.store, directory_, options_.outreach_rule);
  }
}

ProviderService::~ProviderService() = default;

absl::Status ProviderService::CheckProvider(const std::string& provider_id) const {
  if (provider_id.empty()) {
    return absl::InvalidArgumentError("provider_id is required: your organization's hub id");
  }
  RETURN_IF_ERROR(ValidateProviderId(provider_id));
  absl::StatusOr<hub::v1::Provider> provider = directory_->GetProvider(provider_id);
  if (absl::IsNotFound(provider.status())) {
    return absl::NotFoundError(absl::StrCat(
        "no provider has provider_id \"", provider_id,
        "\"; ListProviders shows the providers of this hub, and the county administrator adds "
        "missing ones"));
  }
  return provider.status();
}

grpc::ServerUnaryReactor* ProviderService::Submit(grpc::CallbackServerContext* context,
                                                  const hub::v1::SubmitRequest* request,
                                                  hub::v1::SubmitResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status checked = auth::CheckCallScope(*context, "/hub.v1.ProviderService/Submit", *request);
  if (checked.ok()) checked = CheckProvider(request->provider_id());
  if (checked.ok() &&
      (request->submissions().empty() || request->submissions_size() > kMaxSubmissions)) {
    checked = absl::InvalidArgumentError(
        absl::StrCat("a Submit call carries 1 to ", kMaxSubmissions,
                     " submissions; split larger batches into several calls"));
  }
  if (!checked.ok()) {
    reactor->Finish(ToGrpcStatus(checked));
    return reactor;
  }
  std::vector<const hub::v1::Submission*> submissions;
  submissions.reserve(request->submissions_size());
  for (const hub::v1::Submission& s : request->submissions()) submissions.push_back(&s);
  // The request and response stay valid until Finish: the pipeline answers
  // on its writer thread.
  pipeline_->Enqueue(
      request->provider_id(), std::move(submissions),
      [reactor, response](absl::Status status, std::vector<hub::v1::SubmissionResult> results) {
        if (status.ok()) {
          auto* out = response->mutable_results();
          out->Reserve(static_cast<int>(results.size()));
          for (hub::v1::SubmissionResult& r : results) {
            *out->Add() = std::move(r);
          }
        }
        reactor->Finish(ToGrpcStatus(status));
      });
  return reactor;
}

grpc::ServerReadReactor<grpc::ByteBuffer>* ProviderService::UploadFile(
    grpc::CallbackServerContext* context, grpc::ByteBuffer* response) {
  return options_.uploads->Start(context, response, upload_handler_.get());
}

absl::StatusOr<hub::v1::IngestReport> ProviderService::IngestCsv(
    const SpooledProviderUpload& upload, const std::atomic<bool>* cancelled) {
  const std::string sha16 = upload.content_sha256.substr(0, 16);
  hub::v1::IngestReport report;
  report.set_report_id(absl::StrCat(upload.provider_id, "-", sha16));
  report.set_file_kind(hub::v1::FILE_KIND_CBO_SUBMISSIONS);
  report.set_file_name(upload.file_name);
  report.set_content_sha256(upload.content_sha256);
  report.set_size_bytes(upload.size_bytes);
  *report.mutable_receive_time() = ToTimestamp(upload.receive_time);

  // Pass 1: can the file be read at all?
  {
    DropSink drop;
    ASSIGN_OR_RETURN(std::unique_ptr<adapters::StreamReader> reader,
                     adapters::OpenCboTemplateReader(&drop));
    absl::Status read = FeedSpool(upload.spool_path, *reader, cancelled);
    if (!read.ok()) {
      const std::string code = adapters::FileErrorCode(read);
      if (code.empty()) return read;
      report.set_outcome(hub::v1::INGEST_OUTCOME_REJECTED);
      report.set_rejection_code(code);
      report.set_rejection_reason(std::string(read.message()));
      report.set_rows_read(reader->stats().rows_read);
      *report.mutable_complete_time() = ToTimestamp(options_.clock());
      log::Info("cbo_file_rejected", {{"report_id", report.report_id()},
                                      {"provider_id", upload.provider_id},
                                      {"rejection_code", code}});
      return report;
    }
  }

  // Pass 2: rows through the pipeline in groups.
  CsvSubmitSink sink(pipeline_, upload.provider_id, sha16, std::max(1, options_.upload_group_rows),
                     options_.inline_row_errors, cancelled);
  ASSIGN_OR_RETURN(std::unique_ptr<adapters::StreamReader> reader,
                   adapters::OpenCboTemplateReader(&sink));
  RETURN_IF_ERROR(FeedSpool(upload.spool_path, *reader, cancelled));
  RETURN_IF_ERROR(sink.Flush());

  report.set_rows_read(reader->stats().rows_read);
  report.set_rows_rejected(sink.rejected_rows());
  report.set_rows_accepted(sink.accepted_rows());
  report.set_outcome(sink.rejected_rows() > 0 ? hub::v1::INGEST_OUTCOME_PARTIALLY_ACCEPTED
                                              : hub::v1::INGEST_OUTCOME_ACCEPTED);
  for (hub::v1::RowError& e : sink.TakeErrors()) *report.add_row_errors() = std::move(e);
  *report.mutable_complete_time() = ToTimestamp(options_.clock());
  log::Info("cbo_file_ingested", {{"report_id", report.report_id()},
                                  {"provider_id", upload.provider_id},
                                  {"rows_read", report.rows_read()},
                                  {"rows_accepted", report.rows_accepted()},
                                  {"rows_rejected", report.rows_rejected()}});
  return report;
}

grpc::ServerUnaryReactor* ProviderService::ListMembers(grpc::CallbackServerContext* context,
                                                       const hub::v1::ListMembersRequest* request,
                                                       hub::v1::ListMembersResponse* response) {
  if (absl::Status scope =
          auth::CheckCallScope(*context, "/hub.v1.ProviderService/ListMembers", *request);
      !scope.ok()) {
    return FinishUnary(context, scope);
  }
  if (views_ == nullptr) return FinishUnary(context, Unimplemented("ListMembers"));
  return FinishUnary(context, views_->ListMembers(*request, options_.clock(), *response));
}

grpc::ServerUnaryReactor* ProviderService::ListFeedback(grpc::CallbackServerContext* context,
                                                        const hub::v1::ListFeedbackRequest* request,
                                                        hub::v1::ListFeedbackResponse* response) {
  if (feed_ == nullptr) {
    return FinishUnary(context, absl::UnimplementedError(
                                    "ProviderService.ListFeedback is not served by this hub"));
  }
  if (absl::Status scope =
          auth::CheckCallScope(*context, "/hub.v1.ProviderService/ListFeedback", *request);
      !scope.ok()) {
    return FinishUnary(context, scope);
  }
  return FinishUnary(context,
                     hub::ListFeedback(*feed_, *directory_, options_.store, *request, *response));
}

grpc::ServerUnaryReactor* ProviderService::ListQualityReports(
    grpc::CallbackServerContext* context, const hub::v1::ListQualityReportsRequest* request,
    hub::v1::ListQualityReportsResponse* response) {
  if (absl::Status scope =
          auth::CheckCallScope(*context, "/hub.v1.ProviderService/ListQualityReports", *request);
      !scope.ok()) {
    return FinishUnary(context, scope);
  }
  if (views_ == nullptr) return FinishUnary(context, Unimplemented("ListQualityReports"));
  return FinishUnary(context, views_->ListQualityReports(*request, *response));
}

grpc::ServerUnaryReactor* ProviderService::GetCarePlan(grpc::CallbackServerContext* context,
                                                       const hub::v1::GetCarePlanRequest* request,
                                                       hub::v1::GetCarePlanResponse* response) {
  if (absl::Status scope =
          auth::CheckCallScope(*context, "/hub.v1.ProviderService/GetCarePlan", *request);
      !scope.ok()) {
    return FinishUnary(context, scope);
  }
  if (views_ == nullptr) return FinishUnary(context, Unimplemented("GetCarePlan"));
  return FinishUnary(context, views_->GetCarePlan(*request, options_.clock(), *response));
}

}  // namespace hub
