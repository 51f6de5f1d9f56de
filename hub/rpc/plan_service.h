// hub.v1.PlanService, the plan-facing part: UploadFile (a plan's native file,
// streamed in chunks, ingested by IngestPipeline), GetIngestReport and
// ListIngestReports (callback API); PullFeed and Ack (hub/rpc/feed_rpcs.h);
// ExportFile (hub/rpc/export_rpcs.h, hub/export/file_export.h).
//
// UploadFile runs on the hub's one upload reactor (hub/rpc/upload_stream.h:
// spooling, limits, the worker that ingests); this service checks the header
// (plan known, onboarded with an adapter profile that reads the file kind,
// file name), answers at once from a past report when the header's
// content_sha256 matches one, and ingests the file; the reply is the report.
//
// Thread safety: handlers run concurrently on gRPC's callback threads.
// Destroy the service only after the grpc::Server using it has shut down,
// and before its UploadStreams (which joins the ingest workers).
#ifndef HUB_HUB_RPC_PLAN_SERVICE_H_
#define HUB_HUB_RPC_PLAN_SERVICE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "hub/common/plan_adapters.h"
#include "hub/export/file_export.h"
#include "hub/feed/feed_disclosure.h"
#include "hub/feed/feed_notifier.h"
#include "hub/ingest/ingest.h"
#include "hub/reports/fhir_export.h"
#include "hub/reports/hub_code_system.h"
#include "hub/reports/quarterly_export.h"
#include "hub/rpc/feed_rpcs.h"
#include "hub/rpc/parked_records.h"
#include "hub/rpc/upload_stream.h"
#include "hub/v1/plan_service.grpc.pb.h"
#include "storage/directory_store.h"
#include "storage/feed_store.h"
#include "storage/ingest_store.h"
#include "storage/store.h"

namespace hub {

struct PlanServiceOptions {
  // The hub's upload reactor and workers (spool folder, limits), shared
  // with ProviderService; not owned, required. ExportFile renders on its
  // workers too.
  UploadStreams* uploads = nullptr;
  // Wall clock: an upload's receive time. Required.
  std::function<absl::Time()> clock;
  // Plans' feeds, for PullFeed and Ack (hub/rpc/feed_rpcs.h); not owned. Both
  // null: those RPCs answer UNIMPLEMENTED.
  storage::FeedStore* feed = nullptr;
  FeedNotifier* feed_notifier = nullptr;
  // ExportFile's 837P envelope and chunking (hub/export/file_export.h); its clock
  // is replaced by `clock`. ExportFile needs `feed`.
  FileExportOptions export_options;
  // Canonical base URL of the hub's FHIR systems in a FILE_KIND_FHIR_BULK
  // export (hub/reports/hub_code_system.h).
  std::string fhir_base_url = fhir::kDefaultFhirBaseUrl;
  // What each plan may receive of its feed (minimum necessary, Part 2
  // consent); not owned; null = items as stored.
  const FeedDisclosure* feed_disclosure = nullptr;
  // PullFeed's metrics and audit (hub/rpc/feed_rpcs.h: no interceptor sees it).
  PullFeedObservers pull_feed_observers;
  // PullFeed's streams per plan and revocations (hub/rpc/feed_rpcs.h).
  PullFeedLimits pull_feed_limits;
  // The county's 24-hour outreach rule, for the quarterly report.
  OutreachRule outreach_rule = DefaultOutreachRule();
  // Parks plan files whose ingest stopped part way (ParksUpload) and
  // exports' unrenderable records; not owned; null = nothing is parked.
  ParkedRecords* parked = nullptr;
};

class PlanUploadHandler;

// PullFeed is served as a raw (byte buffer) method: stored feed items are
// streamed without being parsed and re-encoded (see hub/rpc/feed_rpcs.h);
// UploadFile too (hub/rpc/upload_stream.h parses each message itself).
class PlanService final : public hub::v1::PlanService::WithRawCallbackMethod_UploadFile<
                              hub::v1::PlanService::WithRawCallbackMethod_PullFeed<
                                  hub::v1::PlanService::CallbackService>> {
 public:
  // Largest chunk accepted in one UploadFileRequest (the contract's 4 MiB).
  static constexpr size_t kMaxChunkBytes = 4u << 20;

  // None of the pointers is owned; all must outlive the service.
  PlanService(storage::Store* store, storage::DirectoryStore* directory, PlanAdapterSet* adapters,
              IngestPipeline* pipeline, PlanServiceOptions options);
  ~PlanService();

  // "spool" next to data_dir: "/var/lib/hub/data" -> "/var/lib/hub/spool".
  static std::string DefaultSpoolDir(const std::string& data_dir);
  // Creates `dir` if missing and deletes the spool files an earlier hubd
  // left there (uploads that were interrupted are simply uploaded again).
  // Two hubd processes must not share a spool folder.
  static absl::Status PrepareSpoolDir(const std::string& dir);

  // A plan's native file (hub.v1.UploadFileRequest messages, served raw).
  grpc::ServerReadReactor<grpc::ByteBuffer>* UploadFile(grpc::CallbackServerContext* context,
                                                        grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetIngestReport(grpc::CallbackServerContext* context,
                                            const hub::v1::GetIngestReportRequest* request,
                                            hub::v1::GetIngestReportResponse* response) override;
  grpc::ServerUnaryReactor* ListIngestReports(
      grpc::CallbackServerContext* context, const hub::v1::ListIngestReportsRequest* request,
      hub::v1::ListIngestReportsResponse* response) override;
  // The plan's feed from its cursor (hub/rpc/feed_rpcs.h: StartPullFeed);
  // `request` is a serialized PullFeedRequest.
  grpc::ServerWriteReactor<grpc::ByteBuffer>* PullFeed(grpc::CallbackServerContext* context,
                                                       const grpc::ByteBuffer* request) override;
  // Advances the plan's cursor, records its rejections (hub/rpc/feed_rpcs.h: AckFeed).
  grpc::ServerUnaryReactor* Ack(grpc::CallbackServerContext* context,
                                const hub::v1::AckRequest* request,
                                hub::v1::AckResponse* response) override;
  // Renders a file for the plan (hub/rpc/export_rpcs.h: StartExportFile).
  grpc::ServerWriteReactor<hub::v1::ExportFileResponse>* ExportFile(
      grpc::CallbackServerContext* context, const hub::v1::ExportFileRequest* request) override;

  // Ingests a parked plan file again (ParkedRecords' rerun), through the
  // plan's current profile, on the caller's thread. The caller owns the
  // file. Errors as UploadFile's.
  absl::StatusOr<hub::v1::IngestReport> IngestKeptFile(const SpooledUpload& upload);

 private:
  friend class PlanUploadHandler;

  absl::Status DoGetIngestReport(const hub::v1::GetIngestReportRequest& request,
                                 hub::v1::GetIngestReportResponse& response);
  absl::Status DoListIngestReports(const hub::v1::ListIngestReportsRequest& request,
                                   hub::v1::ListIngestReportsResponse& response);

  storage::DirectoryStore* directory_;
  PlanAdapterSet* adapters_;
  IngestPipeline* pipeline_;
  const PlanServiceOptions options_;
  storage::IngestStore ingest_store_;
  // Null when options.feed is (ExportFile then answers UNIMPLEMENTED).
  std::unique_ptr<FileExporter> exporter_;
  std::unique_ptr<PlanUploadHandler> upload_handler_;
  std::unique_ptr<FhirExporter> fhir_exporter_;
  std::unique_ptr<QuarterlyExporter> quarterly_exporter_;
};

}  // namespace hub

#endif  // HUB_HUB_RPC_PLAN_SERVICE_H_
