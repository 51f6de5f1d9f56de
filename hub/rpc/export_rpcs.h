// The body of PlanService.ExportFile (hub/rpc/plan_service.h forwards to it).
//
// The request is checked at once (FileExporter::Prepare: INVALID_ARGUMENT,
// NOT_FOUND, FAILED_PRECONDITION before anything is sent). The file is then
// rendered on a worker thread (never a gRPC thread) into a spool file, so
// that the header can carry the exact record count and an export that fails
// half-way sends no partial file: the stream ends with the error and no
// message. Then the header is sent, followed by the file in chunks of at
// most kExportChunkBytes, ONE write in flight at a time: the next chunk is
// read from the spool file only when gRPC reports the previous one sent, so
// a slow plan costs the hub one chunk of memory. The spool file is deleted
// when the call ends. A cancelled call stops the rendering.
#ifndef HUB_HUB_RPC_EXPORT_RPCS_H_
#define HUB_HUB_RPC_EXPORT_RPCS_H_

#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "hub/export/file_export.h"
#include "hub/reports/fhir_export.h"
#include "hub/reports/quarterly_export.h"
#include "hub/v1/plan_service.pb.h"

namespace hub {

// Bytes of the file per ExportFileResponse.chunk.
inline constexpr size_t kExportChunkBytes = 1u << 20;

// Runs `work` on a thread its owner joins before the exporter goes away.
using StartWorkerFn = std::function<void(std::function<void()> work)>;

// The renderers of ExportFile, not owned; each must outlive every stream.
// `files` renders the monthly files (required); `fhir` the FHIR bulk export
// (null: FILE_KIND_FHIR_BULK is refused as an unknown kind); `quarterly`
// the quarterly monitoring report (null: its kinds are refused likewise).
struct ExportRenderers {
  const FileExporter* files = nullptr;
  const FhirExporter* fhir = nullptr;
  const QuarterlyExporter* quarterly = nullptr;
};

// Starts one ExportFile stream; the spool file is "<spool_dir>/upload-export-<spool_id>.part".
// The reactor deletes itself when done.
grpc::ServerWriteReactor<hub::v1::ExportFileResponse>* StartExportFile(
    const hub::v1::ExportFileRequest& request, const ExportRenderers& renderers,
    const std::string& spool_dir, uint64_t spool_id, const StartWorkerFn& start_worker);

}  // namespace hub

#endif  // HUB_HUB_RPC_EXPORT_RPCS_H_
