// hub.v1.ProviderService, the provider-facing part this module owns
// (callback API):
//   Submit      a batch of 1 to 1000 submissions through the SubmitPipeline;
//               the reactor finishes when the pipeline's group committed
//               (never blocking a gRPC thread).
//   UploadFile  the standard CBO CSV template (docs/cbo-csv-template.md),
//               on the hub's one upload reactor (hub/rpc/upload_stream.h,
//               shared with PlanService.UploadFile: header, then chunks
//               spooled, limits). On a worker thread (never a gRPC thread)
//               the spool is read twice with OpenCboTemplateReader: pass 1 only checks
//               that the file can be read at all (a file-level error rejects
//               it whole, nothing is stored); pass 2 turns rows into
//               Submissions (a row without idempotency_key gets
//               "<first 16 hex of the file's SHA-256>:<row>", so uploading
//               the same file again adds nothing) and feeds them through
//               the same pipeline in groups of `upload_group_rows`. The reply
//               is an IngestReport: row counts, outcome and the first row
//               errors (the template's, and the validation rejections as
//               RowError{row_number, template column, reason code, sentence}).
//   ListFeedback  delegated to the feed module (hub/views/feedback.h).
//   ListMembers, ListQualityReports, GetCarePlan: the provider's views,
//               delegated to hub/views/provider_views.h ("today" and "now" from
//               the options' clock); UNIMPLEMENTED when options.store is
//               null.
//
// The request's provider_id names the provider, which must be in the
// directory (NOT_FOUND otherwise); the access policy (auth/policy.h) lets a
// provider's certificate act only for itself.
//
// Thread safety: handlers run concurrently on gRPC's callback threads.
// Destroy the service only after the grpc::Server using it has shut down,
// and its UploadStreams (which joins the upload workers) before the
// pipeline.
#ifndef HUB_HUB_RPC_PROVIDER_SERVICE_H_
#define HUB_HUB_RPC_PROVIDER_SERVICE_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hub/rpc/upload_stream.h"
#include "hub/submit/submit_pipeline.h"
#include "hub/v1/provider_service.grpc.pb.h"
#include "hub/views/provider_views.h"
#include "storage/directory_store.h"
#include "storage/feed_store.h"

namespace hub {

struct ProviderServiceOptions {
  // The hub's upload reactor and workers (spool folder, limits), shared
  // with PlanService; not owned, required.
  UploadStreams* uploads = nullptr;
  // Wall clock: an upload's receive and complete times. Required.
  std::function<absl::Time()> clock;
  // CSV rows per pipeline batch.
  int upload_group_rows = 500;
  // Row errors carried inline in an upload's report.
  int inline_row_errors = 100;
  // The store the views read (worklist, care plans, quality reports); not
  // owned, must outlive the service. Null: those RPCs answer UNIMPLEMENTED.
  storage::Store* store = nullptr;
  // The worklist's 24-hour CS outreach rule (county zone, exemptions).
  OutreachRule outreach_rule = DefaultOutreachRule();
};

// One spooled CSV upload.
struct SpooledProviderUpload {
  std::string provider_id;
  std::string file_name;
  std::string spool_path;
  std::string content_sha256;
  int64_t size_bytes = 0;
  absl::Time receive_time;
};

class ProviderUploadHandler;

// UploadFile is served raw (hub/rpc/upload_stream.h parses each message).
class ProviderService final : public hub::v1::ProviderService::WithRawCallbackMethod_UploadFile<
                                  hub::v1::ProviderService::CallbackService> {
 public:
  // Most submissions one Submit call may carry.
  static constexpr int kMaxSubmissions = 1000;
  // Largest chunk accepted in one upload message (the contract's 4 MiB).
  static constexpr size_t kMaxChunkBytes = 4u << 20;

  // None of the pointers is owned; all must outlive the service. `feed` may
  // be null (ListFeedback then answers UNIMPLEMENTED).
  ProviderService(storage::DirectoryStore* directory, storage::FeedStore* feed,
                  SubmitPipeline* pipeline, ProviderServiceOptions options);
  ~ProviderService();

  // Ingests a spooled CBO CSV upload (blocking: a worker thread's job).
  // `cancelled` (may be null) is polled between row groups. Errors:
  // Cancelled; Internal if the spool cannot be read; the pipeline's
  // UNAVAILABLE (groups committed before stay; an upload of the same file
  // completes the rest).
  absl::StatusOr<hub::v1::IngestReport> IngestCsv(const SpooledProviderUpload& upload,
                                                  const std::atomic<bool>* cancelled);

  grpc::ServerUnaryReactor* Submit(grpc::CallbackServerContext* context,
                                   const hub::v1::SubmitRequest* request,
                                   hub::v1::SubmitResponse* response) override;
  // The CBO CSV template (hub.v1.ProviderServiceUploadFileRequest messages,
  // served raw).
  grpc::ServerReadReactor<grpc::ByteBuffer>* UploadFile(grpc::CallbackServerContext* context,
                                                        grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListMembers(grpc::CallbackServerContext* context,
                                        const hub::v1::ListMembersRequest* request,
                                        hub::v1::ListMembersResponse* response) override;
  grpc::ServerUnaryReactor* ListFeedback(grpc::CallbackServerContext* context,
                                         const hub::v1::ListFeedbackRequest* request,
                                         hub::v1::ListFeedbackResponse* response) override;
  grpc::ServerUnaryReactor* ListQualityReports(
      grpc::CallbackServerContext* context, const hub::v1::ListQualityReportsRequest* request,
      hub::v1::ListQualityReportsResponse* response) override;
  grpc::ServerUnaryReactor* GetCarePlan(grpc::CallbackServerContext* context,
                                        const hub::v1::GetCarePlanRequest* request,
                                        hub::v1::GetCarePlanResponse* response) override;

 private:
  friend class ProviderUploadHandler;

  // OK if `provider_id` is well formed and in the directory.
  absl::Status CheckProvider(const std::string& provider_id) const;

  storage::DirectoryStore* directory_;
  storage::FeedStore* feed_;
  SubmitPipeline* pipeline_;
  const ProviderServiceOptions options_;
  // Null when options_.store is null.
  std::unique_ptr<ProviderViews> views_;
  std::unique_ptr<ProviderUploadHandler> upload_handler_;
};

}  // namespace hub

#endif  // HUB_HUB_RPC_PROVIDER_SERVICE_H_
