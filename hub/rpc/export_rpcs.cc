#include "hub/rpc/export_rpcs.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "hub/common/log.h"
#include "hub/common/rpc_status.h"
#include "hub/common/spool_file.h"

namespace hub {
namespace {

// One ExportFile call. The constructor either finishes at once or hands the
// rendering to a worker; the worker's last action is StartWrite (the
// header) or Finish, after which only gRPC's callbacks touch `this`.
class ExportFileReactor final : public grpc::ServerWriteReactor<hub::v1::ExportFileResponse> {
 public:
  ExportFileReactor(const hub::v1::ExportFileRequest& request, const FileExporter* exporter,
                    const std::string& spool_dir, uint64_t spool_id,
                    const StartWorkerFn& start_worker)
      : exporter_(exporter) {
    absl::StatusOr<ExportJob> job = exporter_->Prepare(request);
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
    absl::StatusOr<ExportResult> result = exporter_->Render(
        job_, [this](std::string_view bytes) { return spool_->Append(bytes); }, &cancelled_);
    absl::Status status = result.status();
    if (status.ok()) status = spool_->Close().status();
    if (status.ok()) {
      fd_ = open(spool_->path().c_str(), O_RDONLY | O_CLOEXEC);
      if (fd_ < 0) {
        log::Error("export_spool_read_failed",
                   {{"plan_id", job_.plan.plan_id()}, {"errno", errno}});
        status = absl::UnavailableError(
            "the hub could not read back the file it rendered; try the export again");
      }
    }
    if (!status.ok()) {
      if (!absl::IsCancelled(status)) {
        log::Warning("plan_file_export_failed", {{"plan_id", job_.plan.plan_id()},
                                                 {"kind", std::string(ExportKindWord(job_.kind))},
                                                 {"period", job_.period},
                                                 {"code", absl::StatusCodeToString(status.code())},
                                                 {"cause", std::string(status.message())}});
      }
      Finish(ToGrpcStatus(status));  // `this` may be gone after this.
      return;
    }
    hub::v1::ExportFileHeader* header = response_.mutable_header();
    header->set_file_name(job_.file_name);
    header->set_record_count(result->record_count);
    header->set_part2_withheld_count(result->part2_withheld);
    header->set_redisclosure_notice(result->redisclosure_notice);
    if (job_.kind == hub::v1::FILE_KIND_INVOICE || job_.kind == hub::v1::FILE_KIND_CLAIMS_837P) {
      *header->mutable_billing() = result->billing;
    }
    header->set_unrenderable_count(result->unrenderable);
    for (const std::string& id : result->unrenderable_ids) header->add_unrenderable_record_ids(id);
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
        log::Error("export_spool_read_failed",
                   {{"plan_id", job_.plan.plan_id()}, {"errno", errno}});
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

  const FileExporter* const exporter_;
  ExportJob job_;
  std::unique_ptr<SpoolFile> spool_;
  int fd_ = -1;
  hub::v1::ExportFileResponse response_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace

grpc::ServerWriteReactor<hub::v1::ExportFileResponse>* StartExportFile(
    const hub::v1::ExportFileRequest& request, const FileExporter* exporter,
    const std::string& spool_dir, uint64_t spool_id, const StartWorkerFn& start_worker) {
  return new ExportFileReactor(request, exporter, spool_dir, spool_id, start_worker);
}

}  // namespace hub
