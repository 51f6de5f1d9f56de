// ExportRun: what every export kind shares while one file is rendered (the
// job, the output buffer and sink, Part 2 disclosure, cancellation, the
// lookups of providers and members it caches, the text-layout renderer), so
// that each kind's renderer (export_renderers.h) holds only its own rules.
//
// Internal to hub/export/: FileExporter (file_export.h) is the public face.
// Not thread-safe: one run, one thread.
#ifndef HUB_HUB_EXPORT_EXPORT_RUN_H_
#define HUB_HUB_EXPORT_EXPORT_RUN_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "adapters/plan_adapter.h"
#include "hub/export/file_export.h"
#include "hub/v1/feed.pb.h"
#include "hub/v1/member.pb.h"
#include "hub/v1/organization.pb.h"
#include "storage/care_plan_store.h"
#include "storage/care_store.h"
#include "storage/claim_store.h"
#include "storage/coverage_index.h"
#include "storage/directory_store.h"
#include "storage/feed_store.h"
#include "storage/member_store.h"

namespace hub {

// The stores an export reads. None is owned.
struct ExportStores {
  storage::DirectoryStore* directory = nullptr;
  storage::FeedStore* feed = nullptr;
  const storage::MemberStore* members = nullptr;
  const storage::CareStore* care = nullptr;
  const storage::CoverageIndex* coverage = nullptr;
  // Billing statuses and claims' crosswalk (written by the billing kinds).
  const storage::ClaimStore* claims = nullptr;
  // Members' latest shared care plans (the RTF's care plan columns).
  const storage::CarePlanStore* care_plans = nullptr;
};

// Record ids named in a log line, at most.
inline constexpr size_t kLoggedRecordIds = 10;

class ExportRun {
 public:
  // None of the references is owned; all must outlive the run.
  ExportRun(const ExportStores& stores, const FileExportOptions& options, const ExportJob& job,
            const FileExporter::Sink& sink, const std::atomic<bool>* cancelled);

  const ExportJob& job() const { return job_; }
  const ExportStores& stores() const { return stores_; }
  const FileExportOptions& options() const { return options_; }
  // The file's date ("YYYY-MM-DD"), time ("HHMM") and control number.
  const adapters::RenderOptions& render() const { return render_; }
  ExportResult& result() { return result_; }
  // The pending output; renderers append to it, then call Flush.
  std::string& out() { return out_; }

  // Stamps the run with the production time and its control number.
  void Start(absl::Time now, int64_t control_number);

  // The next item of `scan` the plan may receive (FileExportOptions::
  // disclosure); false at the end. Counts (and keeps the first record ids
  // of) the Part 2 items it leaves out.
  absl::StatusOr<bool> NextDisclosed(storage::FeedScan& scan, hub::v1::FeedItem& item);
  // A stored record outside the contract (an enum number no version
  // defines, a number outside its field's range: stored before the Submit
  // boundary checked them) cannot be rendered by any layout: it is left out
  // of the file, logged and reported (ExportResult::unrenderable), never
  // fatal to the month's file. True if `item` is such a record.
  bool Park(const hub::v1::FeedItem& item);
  // True if the plan may receive `item` (read outside a feed scan, e.g. a
  // stored care plan): not a Part 2 record, or one a consent covers
  // (FileExportOptions::disclosure), whose notice the file then carries.
  absl::StatusOr<bool> MayDisclose(const hub::v1::FeedItem& item);

  // Cancelled once the caller's flag turns true.
  absl::Status CheckCancelled() const;
  // Hands the pending output to the sink when it is large (or `all`).
  absl::Status Flush(bool all);
  // Logs the export (and the Part 2 records left out).
  void LogDone() const;

  // --- lookups ---------------------------------------------------------------
  // The directory's provider of the item (cached); a provider removed since
  // is described by what the feed item says.
  absl::StatusOr<const hub::v1::Provider*> ProviderOf(const hub::v1::FeedItem& item);
  // The stored member, or one with only the CIN when the hub has none.
  absl::StatusOr<hub::v1::Member> MemberOf(const std::string& cin) const;
  // True if the plan covers the member on the period's first or last day.
  absl::StatusOr<bool> CoveredInPeriod(const std::string& cin) const;

  void SetPlan(hub::v1::Plan* plan) const;
  static void SetProvider(const hub::v1::Provider& from, hub::v1::Provider* to);
  static void SetMemberName(const hub::v1::Member& from, hub::v1::Member* to);

  // --- text layouts (the plan profile's layout of job().kind) ---------------
  absl::Status OpenRenderer();
  // Renders one row; FailedPrecondition naming `record_id` when the layout
  // cannot write it.
  absl::Status AddRow(const google::protobuf::Message& row, const std::string& record_id);
  absl::Status FinishRenderer();

 private:
  const ExportStores& stores_;
  const FileExportOptions& options_;
  const ExportJob& job_;
  const FileExporter::Sink& sink_;
  const std::atomic<bool>* const cancelled_;
  ExportResult result_;
  adapters::RenderOptions render_;
  std::string out_;
  absl::flat_hash_map<std::string, hub::v1::Provider> providers_;
  std::unique_ptr<adapters::PlanFileRenderer> renderer_;
  // The first Part 2 records left out, for the log.
  std::vector<std::string> withheld_ids_;
};

// "Return Transmission File", "Outreach Tracker File", ... for messages.
std::string_view ExportKindTitle(hub::v1::FileKind kind);

}  // namespace hub

#endif  // HUB_HUB_EXPORT_EXPORT_RUN_H_
