#include "hub/rpc/export_rpcs.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "hub/common/log.h"
#include "hub/common/rpc_status.h"
#include "hub/common/spool_file.h"

namespace hub {
namespace {

// A checked request and how to render it.
struct PreparedExport {
  std::string plan_id;
  std::string kind_word;
  std::string period;
  std::function<absl::StatusOr<hub::v1::ExportFileHeader>(const FileExporter::Sink& sink,
                                                          const std::atomic<bool>* cancelled)>
      render;
};

absl::StatusOr<PreparedExport> Prepare(const hub::v1::ExportFileRequest& request,
                                       const ExportRenderers& renderers) {
  PreparedExport prepared;
  prepared.plan_id = request.plan_id();
  prepared.period = request.period();
  if (request.kind() == hub::v1::FILE_KIND_FHIR_BULK && renderers.fhir != nullptr) {
    ASSIGN_OR_RETURN(FhirExportJob job, renderers.fhir->Prepare(request));
    prepared.kind_word = "fhir";
    const FhirExporter* fhir = renderers.fhir;
    prepared.render =
        [fhir, job = std::move(job)](
            const FileExporter::Sink& sink,
            const std::atomic<bool>* cancelled) -> absl::StatusOr<hub::v1::ExportFileHeader> {
      ASSIGN_OR_RETURN(FhirExportResult result, fhir->Render(job, sink, cancelled));
      hub::v1::ExportFileHeader header;
      header.set_file_name(job.file_name);
      header.set_record_count(result.resource_count);
      header.set_part2_withheld_count(result.part2_withheld);
      header.set_redisclosure_notice(result.redisclosure_notice);
      return header;
    };
    return prepared;
  }
  if ((request.kind() == hub::v1::FILE_KIND_QUARTERLY_REPORT ||
       request.kind() == hub::v1::FILE_KIND_QUARTERLY_REPORT_CSV) &&
      renderers.quarterly != nullptr) {
    ASSIGN_OR_RETURN(QuarterlyExportJob job, renderers.quarterly->Prepare(request));
    prepared.kind_word = "quarterly";
    const QuarterlyExporter* quarterly = renderers.quarterly;
    prepared.render =
        [quarterly, job = std::move(job)](
            const FileExporter::Sink& sink,
            const std::atomic<bool>* cancelled) -> absl::StatusOr<hub::v1::ExportFileHeader> {
      ASSIGN_OR_RETURN(const int64_t rows, quarterly->Render(job, sink, cancelled));
      hub::v1::ExportFileHeader header;
      header.set_file_name(job.file_name);
      header.set_record_count(rows);
      return header;
    };
    return prepared;
  }
  ASSIGN_OR_RETURN(ExportJob job, renderers.files->Prepare(request));
  prepared.kind_word = std::string(ExportKindWord(job.kind));
  const FileExporter* files = renderers.files;
  prepared.render =
      [files, job = std::move(job)](
          const FileExporter::Sink& sink,
          const std::atomic<bool>* cancelled) -> absl::StatusOr<hub::v1::ExportFileHeader> {
    ASSIGN_OR_RETURN(ExportResult result, files->Render(job, sink, cancelled));
    hub::v1::ExportFileHeader header;
    header.set_file_name(job.file_name);
    header.set_record_count(result.record_count);
    header.set_part2_withheld_count(result.part2_withheld);
    header.set_redisclosure_notice(result.redisclosure_notice);
    if (job.kind == hub::v1::FILE_KIND_INVOICE || job.kind == hub::v1::FILE_KIND_CLAIMS_837P) {
      *header.mutable_billing() = result.billing;
    }
    header.set_unrenderable_count(result.unrenderable);
    for (const std::string& id : result.unrenderable_ids) header.add_unrenderable_record_ids(id);
    return header;
  };
  return prepared;
}

// One ExportFile call. The constructor either finishes at once or hands the
// rendering to a worker; the worker's last action is StartWrite (the
// header) or Finish, after which only gRPC's callbacks touch `this`.
class ExportFileReactor final : public grpc::ServerWriteReactor<hub::v1::ExportFileResponse> {
 public:
  ExportFileReactor(const hub::v1::ExportFileRequest& request, const ExportRenderers& renderers,
                    const std::string& spool_dir, uint64_t spool_id,
                    const StartWorkerFn& start_worker) {
    absl::StatusOr<PreparedExport> job = Prepare(request, renderers);
    if (!job.ok()) {
      Finish(ToGrpcStatus(job.status()));
      return;
    }
    job_ = *std::move(job);
    absl::StatusOr<std::unique_ptr<SpoolFile>> spool =
        SpoolFile::Create(spool_dir, "export-", spool_id);
    if (!spool.ok()) {
      Finish(ToGrpcStatus(spool.status()));
      return;
    }
    spool_ = *std::move(spool);
    start_worker([this] { Render(); });
  }

  ~ExportFileReactor() override {
    if (fd_ >= 0) close(fd_);
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the export stream was cancelled"));
      return;
    }
    SendNextChunk();
  }

  void OnCancel() override { cancelled_.store(true, std::memory_order_relaxed); }

  void OnDone() override {
    spool_.reset();  // Deletes the spool file.
    delete this;
  }

 private:
  // On the worker thread.
  void Render() {
    absl::StatusOr<hub::v1::ExportFileHeader> result =
        job_.render([this](std::string_view bytes) { return spool_->Append(bytes); }, &cancelled_);
    absl::Status status = result.status();
    if (status.ok()) status = spool_->Close().status();
    if (status.ok()) {
      fd_ = open(spool_->path().c_str(), O_RDONLY | O_CLOEXEC);
      if (fd_ < 0) {
        log::Error("export_spool_read_failed", {{"plan_id", job_.plan_id}, {"errno", errno}});
        status = absl::UnavailableError(
            "the hub could not read back the file it rendered; try the export again");
      }
    }
    if (!status.ok()) {
      if (!absl::IsCancelled(status)) {
        log::Warning("plan_file_export_failed", {{"plan_id", job_.plan_id},
                                                 {"kind", job_.kind_word},
                                                 {"period", job_.period},
                                                 {"code", absl::StatusCodeToString(status.code())},
                                                 {"cause", std::string(status.message())}});
      }
      Finish(ToGrpcStatus(status));  // `this` may be gone after this.
      return;
    }
    *response_.mutable_header() = *std::move(result);
    StartWrite(&response_);  // `this` may be gone after this.
  }

  // On a gRPC thread, after the previous write.
  void SendNextChunk() {
    std::string* chunk = response_.mutable_chunk();
    chunk->resize(kExportChunkBytes);
    size_t filled = 0;
    while (filled < kExportChunkBytes) {
      const ssize_t n = read(fd_, chunk->data() + filled, kExportChunkBytes - filled);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        log::Error("export_spool_read_failed", {{"plan_id", job_.plan_id}, {"errno", errno}});
        Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                            "the hub could not read back the file it rendered; try the export "
                            "again"));
        return;
      }
      if (n == 0) break;
      filled += static_cast<size_t>(n);
    }
    chunk->resize(filled);
    if (filled == 0) {
      Finish(grpc::Status::OK);
      return;
    }
    StartWrite(&response_);
  }

  PreparedExport job_;
  std::unique_ptr<SpoolFile> spool_;
  int fd_ = -1;
  hub::v1::ExportFileResponse response_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace

grpc::ServerWriteReactor<hub::v1::ExportFileResponse>* StartExportFile(
    const hub::v1::ExportFileRequest& request, const ExportRenderers& renderers,
    const std::string& spool_dir, uint64_t spool_id, const StartWorkerFn& start_worker) {
  return new ExportFileReactor(request, renderers, spool_dir, spool_id, start_worker);
}

}  // namespace hub
