// QuarterlyExporter: PlanService.ExportFile kinds FILE_KIND_QUARTERLY_REPORT
// (.xlsx) and FILE_KIND_QUARTERLY_REPORT_CSV (every tab, lines prefixed by
// the tab name): a plan's quarterly ECM and Community Supports monitoring
// report (hub/reports/quarterly_report.h), read from the store: the plan's
// assignments and authorizations, the directory's providers, first outreach
// attempts per authorization and the flow tallies of each month (as
// MonitorService reads them), and the service lines of the plan's feed.
//
// Minimum necessary: only the plan's own records are read; the files hold
// counts, never a member's data. 42 CFR Part 2 service lines count in the
// totals (a count discloses no record) but no field of theirs is written.
//
// Memory: the plan's assignments, authorizations and the quarter's service
// lines are held while the tables are computed (a few hundred bytes each).
//
// Thread safety: Prepare and Render may run concurrently.
#ifndef HUB_HUB_REPORTS_QUARTERLY_EXPORT_H_
#define HUB_HUB_REPORTS_QUARTERLY_EXPORT_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hub/common/outreach_rule.h"
#include "hub/reports/quarterly_report.h"
#include "hub/v1/organization.pb.h"
#include "hub/v1/plan_service.pb.h"
#include "storage/care_store.h"
#include "storage/directory_store.h"
#include "storage/feed_store.h"
#include "storage/monitor_store.h"
#include "storage/store.h"

namespace hub {

struct QuarterlyExportOptions {
  // Wall clock. Required.
  std::function<absl::Time()> clock;
  // Where libxlsxwriter's temporary files go ("" = $TMPDIR or /tmp).
  std::string tmp_dir;
  // The county's 24-hour outreach rule (the monitor's).
  OutreachRule outreach_rule = DefaultOutreachRule();
};

struct QuarterlyExportJob {
  hub::v1::Plan plan;
  Quarter quarter;
  bool csv = false;
  // "<plan>_quarterly_<YYYYQn>.xlsx" or ".csv".
  std::string file_name;
};

class QuarterlyExporter {
 public:
  using Sink = std::function<absl::Status(std::string_view bytes)>;

  // None of the pointers is owned; all must outlive the exporter.
  QuarterlyExporter(storage::Store* store, storage::DirectoryStore* directory,
                    storage::FeedStore* feed, QuarterlyExportOptions options);

  // InvalidArgument: plan_id missing or malformed, kind not one of the two
  // quarterly kinds, period not "YYYYQn", or a quarter that has not begun.
  // NotFound: no such plan.
  absl::StatusOr<QuarterlyExportJob> Prepare(const hub::v1::ExportFileRequest& request) const;

  // The plan's report as of now (a quarter under way counts to date).
  absl::StatusOr<QuarterlyReport> Compute(const hub::v1::Plan& plan, const Quarter& quarter) const;

  // The county roll-up (CountyRollup) of every plan of the directory, as the
  // .xlsx workbook or the CSV; `plan_ids` gets the plans summed.
  // InvalidArgument: `quarter` not "YYYYQn" or not begun; FailedPrecondition: the
  // directory has no plan.
  absl::StatusOr<std::string> RenderCountyRollup(std::string_view quarter, bool csv,
                                                 std::vector<std::string>* plan_ids) const;

  // Writes the file to `sink`; returns the rows written (every table's).
  // Cancelled once *cancelled (may be null) turns true.
  absl::StatusOr<int64_t> Render(const QuarterlyExportJob& job, const Sink& sink,
                                 const std::atomic<bool>* cancelled = nullptr) const;

 private:
  // ParseQuarter, and InvalidArgument for a quarter that has not begun (in
  // the county's days).
  absl::StatusOr<Quarter> ParseBegunQuarter(std::string_view text) const;
  absl::Status Load(QuarterlyInput& input, const std::atomic<bool>* cancelled) const;
  // The workbook ("generated" is now's county day) or the CSV.
  absl::StatusOr<std::string> Serialize(const QuarterlyReport& report, bool csv,
                                        absl::Time now) const;

  storage::DirectoryStore* directory_;
  storage::FeedStore* feed_;
  const QuarterlyExportOptions options_;
  storage::CareStore care_;
  storage::MonitorStore monitor_;
};

}  // namespace hub

#endif  // HUB_HUB_REPORTS_QUARTERLY_EXPORT_H_
