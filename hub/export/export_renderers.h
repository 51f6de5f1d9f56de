// One renderer per export kind, found by kind in one table (no switch over
// kinds elsewhere): each renders the whole file of its kind through an
// ExportRun (export_run.h), which holds what the kinds share.
//
//   rtf_export.cc       FILE_KIND_RETURN_TRANSMISSION (the monthly RTF)
//   otf_export.cc       FILE_KIND_OUTREACH_TRACKER
//   invoice_export.cc   FILE_KIND_INVOICE
//   claims_export.cc    FILE_KIND_CLAIMS_837P
//
// Internal to hub/export/. What each file holds is documented in
// file_export.h.
#ifndef HUB_HUB_EXPORT_EXPORT_RENDERERS_H_
#define HUB_HUB_EXPORT_EXPORT_RENDERERS_H_

#include <string_view>

#include "absl/status/status.h"
#include "hub/export/export_run.h"
#include "hub/v1/plan_file.pb.h"

namespace hub {

// Renders the file of `run.job()` into `run`; the caller flushes and logs.
using RenderKindFn = absl::Status (*)(ExportRun& run);

struct ExportKindEntry {
  hub::v1::FileKind kind;
  // "rtf", "otf", "invoice", "837p": the file name's kind word.
  std::string_view word;
  // True if the kind is rendered through the plan profile's layout.
  bool needs_layout;
  RenderKindFn render;
};

// The entry of `kind`, or nullptr when the hub does not export it.
const ExportKindEntry* FindExportKind(hub::v1::FileKind kind);

absl::Status RenderReturnTransmission(ExportRun& run);
absl::Status RenderOutreachTracker(ExportRun& run);
absl::Status RenderInvoice(ExportRun& run);
absl::Status RenderClaims837P(ExportRun& run);

}  // namespace hub

#endif  // HUB_HUB_EXPORT_EXPORT_RENDERERS_H_
