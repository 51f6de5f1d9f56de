// FhirExporter: a plan's FHIR R4 bulk export (PlanService.ExportFile kind
// FILE_KIND_FHIR_BULK): NDJSON, one resource per line, the content of a Bulk
// Data $export (hubctl export --fhir splits it into one <Type>.ndjson file
// per resource type and writes the Bulk Data manifest). Resources and their
// profiles: hub/reports/fhir_resources.h.
//
// What it holds (minimum necessary: only what the plan itself sent or was
// routed, about its own members):
//   * Organization: the plan, and every provider its records name;
//   * the plan's members: every CIN of one of the plan's ECM assignments or
//     CS authorizations; for each a Patient (with the plan's own member id,
//     never another plan's) and a Coverage per coverage period WITH THIS
//     PLAN (periods with other plans are left out);
//   * Group (Da Vinci ATR): per ECM provider, the plan's assignments to it;
//   * CarePlan: the member's latest shared care plan, when its author is a
//     provider the plan assigned or authorized for that member (a care plan
//     written for another plan's engagement is left out) and, for a 42 CFR
//     Part 2 care plan, a consent covers disclosing it to the plan now
//     (FeedDisclosure::MayDisclose); otherwise it is withheld and counted;
//   * ServiceRequest + Task (Gravity SDOH): per CS authorization of the plan;
//     Task for every one but sobering centers (exempt from closed-loop
//     referral tracking);
//   * MeasureReport: the plan's quality reports about its providers.
// The export is a snapshot as of today (county time, America/Los_Angeles);
// ExportFileRequest.period must be empty.
//
// Memory: one plan's assignments and authorizations are held while the
// Groups are built (a few hundred bytes each).
//
// Thread safety: Prepare and Render may run concurrently on many threads.
#ifndef HUB_HUB_REPORTS_FHIR_EXPORT_H_
#define HUB_HUB_REPORTS_FHIR_EXPORT_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hub/feed/feed_disclosure.h"
#include "hub/v1/organization.pb.h"
#include "hub/v1/plan_service.pb.h"
#include "storage/care_plan_store.h"
#include "storage/care_store.h"
#include "storage/coverage_index.h"
#include "storage/directory_store.h"
#include "storage/member_store.h"
#include "storage/quality_store.h"
#include "storage/store.h"

namespace hub {

struct FhirExportOptions {
  // Wall clock: the as-of day. Required.
  std::function<absl::Time()> clock;
  // Canonical base of the hub's own systems (hub/reports/hub_code_system.h).
  std::string base_url;
  // 42 CFR Part 2 rules (hub/feed/feed_disclosure.h). Not owned; null =
  // every Part 2 record is withheld (never disclosed without a check).
  const FeedDisclosure* disclosure = nullptr;
};

struct FhirExportJob {
  hub::v1::Plan plan;
  // "YYYY-MM-DD".
  std::string as_of;
  // "<plan>_fhir_<as_of>.ndjson".
  std::string file_name;
};

struct FhirExportResult {
  // Resources written, in all and per resourceType.
  int64_t resource_count = 0;
  std::map<std::string, int64_t> per_type;
  // Part 2 care plans left out (no consent covers them) and the notice of
  // those written.
  int64_t part2_withheld = 0;
  std::string redisclosure_notice;
};

class FhirExporter {
 public:
  using Sink = std::function<absl::Status(std::string_view bytes)>;

  // None of the pointers is owned; all must outlive the exporter.
  FhirExporter(storage::Store* store, storage::DirectoryStore* directory,
               FhirExportOptions options);

  // InvalidArgument: plan_id missing or malformed, kind is not
  // FILE_KIND_FHIR_BULK, or a period was given. NotFound: no such plan.
  absl::StatusOr<FhirExportJob> Prepare(const hub::v1::ExportFileRequest& request) const;

  // Writes the NDJSON to `sink` (pieces of whole lines). Cancelled once
  // *cancelled (may be null) turns true. Storage errors as they come.
  absl::StatusOr<FhirExportResult> Render(const FhirExportJob& job, const Sink& sink,
                                          const std::atomic<bool>* cancelled = nullptr) const;

 private:
  class Run;

  storage::DirectoryStore* directory_;
  const FhirExportOptions options_;
  storage::MemberStore members_;
  storage::CareStore care_;
  storage::CoverageIndex coverage_;
  storage::CarePlanStore care_plans_;
  storage::QualityStore quality_;
};

}  // namespace hub

#endif  // HUB_HUB_REPORTS_FHIR_EXPORT_H_
