#include "hub/reports/quarterly_export.h"

#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "base/identifiers.h"
#include "base/status_macros.h"
#include "hub/reports/quarterly_files.h"
#include "hub/v1/feed.pb.h"

namespace hub {
namespace {

constexpr int kProviderPage = 500;

absl::Status CheckCancelled(const std::atomic<bool>* cancelled) {
  if (cancelled != nullptr && cancelled->load(std::memory_order_relaxed)) {
    return absl::CancelledError("the export was cancelled");
  }
  return absl::OkStatus();
}

int64_t MonthStartMicros(const std::string& month, int add) {
  absl::CivilMonth m;
  if (!absl::ParseCivilTime(month, &m)) return 0;
  return absl::ToUnixMicros(absl::FromCivil(m + add, absl::UTCTimeZone()));
}

}  // namespace

QuarterlyExporter::QuarterlyExporter(storage::Store* store, storage::DirectoryStore* directory,
                                     storage::FeedStore* feed, QuarterlyExportOptions options)
    : directory_(directory),
      feed_(feed),
      options_(std::move(options)),
      care_(store),
      monitor_(store) {}

absl::StatusOr<QuarterlyExportJob> QuarterlyExporter::Prepare(
    const hub::v1::ExportFileRequest& request) const {
  if (request.plan_id().empty()) {
    return absl::InvalidArgumentError("plan_id is required: the plan to report for");
  }
  RETURN_IF_ERROR(ValidatePlanId(request.plan_id()));
  if (request.kind() != hub::v1::FILE_KIND_QUARTERLY_REPORT &&
      request.kind() != hub::v1::FILE_KIND_QUARTERLY_REPORT_CSV) {
    return absl::InvalidArgumentError(
        "kind must be FILE_KIND_QUARTERLY_REPORT or FILE_KIND_QUARTERLY_REPORT_CSV");
  }
  QuarterlyExportJob job;
  ASSIGN_OR_RETURN(job.quarter, ParseBegunQuarter(request.period()));
  ASSIGN_OR_RETURN(job.plan, directory_->GetPlan(request.plan_id()));
  job.csv = request.kind() == hub::v1::FILE_KIND_QUARTERLY_REPORT_CSV;
  job.file_name =
      absl::StrCat(request.plan_id(), "_quarterly_", job.quarter.label, job.csv ? ".csv" : ".xlsx");
  return job;
}

absl::StatusOr<Quarter> QuarterlyExporter::ParseBegunQuarter(std::string_view text) const {
  ASSIGN_OR_RETURN(Quarter quarter, ParseQuarter(text));
  // The county's day, as the outreach deadlines count it.
  if (quarter.first_day > options_.outreach_rule.DayOf(options_.clock())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the quarter ", quarter.label, " has not begun: ask for this one or an earlier one"));
  }
  return quarter;
}

absl::Status QuarterlyExporter::Load(QuarterlyInput& in, const std::atomic<bool>* cancelled) const {
  RETURN_IF_ERROR(care_.ScanPlanAssignments(
      in.plan_id, [&](const storage::PlanAssignmentMark& mark) -> absl::Status {
        hub::v1::Assignment identity;
        identity.set_cin(mark.cin);
        identity.set_plan_id(in.plan_id);
        identity.set_provider_id(mark.provider_id);
        identity.set_benefit_start_date(mark.benefit_start_date);
        absl::StatusOr<hub::v1::Assignment> a = care_.GetAssignment(identity);
        if (absl::IsNotFound(a.status())) return absl::OkStatus();
        if (!a.ok()) return a.status();
        in.assignments.push_back(*std::move(a));
        return CheckCancelled(cancelled);
      }));
  RETURN_IF_ERROR(care_.ScanPlanAuthorizations(
      in.plan_id, [&](const storage::PlanAuthorizationMark& mark) -> absl::Status {
        absl::StatusOr<hub::v1::Authorization> a =
            care_.GetAuthorization(in.plan_id, mark.authorization_number);
        if (absl::IsNotFound(a.status())) return absl::OkStatus();
        if (!a.ok()) return a.status();
        ASSIGN_OR_RETURN(const std::optional<int64_t> first,
                         monitor_.FirstOutreach(in.plan_id, a->authorization_number()));
        if (first.has_value()) in.first_outreach_micros[a->authorization_number()] = *first;
        in.authorizations.push_back(*std::move(a));
        return CheckCancelled(cancelled);
      }));
  std::string after;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<hub::v1::Provider> page,
                     directory_->ListProviders(after, kProviderPage));
    for (hub::v1::Provider& p : page) in.providers.push_back(std::move(p));
    if (static_cast<int>(page.size()) < kProviderPage) break;
    after = in.providers.back().provider_id();
  }
  for (const std::string& month : in.quarter.months) {
    ASSIGN_OR_RETURN(in.flows[month],
                     monitor_.TallyFlows(MonthStartMicros(month, 0), MonthStartMicros(month, 1),
                                         /*bar_seconds=*/31 * 86400, /*bars=*/1));
    if (feed_ == nullptr) continue;
    ASSIGN_OR_RETURN(std::unique_ptr<storage::FeedScan> scan,
                     feed_->ScanMonth(in.plan_id, hub::v1::RECORD_KIND_SERVICE, month));
    hub::v1::FeedItem item;
    while (true) {
      ASSIGN_OR_RETURN(const bool more, scan->Next(item));
      if (!more) break;
      const hub::v1::ServiceRecord& s = item.submission().service();
      in.services.push_back({s.cin(), s.service_date(), s.in_person(), s.authorization_number()});
    }
    RETURN_IF_ERROR(CheckCancelled(cancelled));
  }
  return absl::OkStatus();
}

absl::StatusOr<QuarterlyReport> QuarterlyExporter::Compute(const hub::v1::Plan& plan,
                                                           const Quarter& quarter) const {
  QuarterlyInput in;
  in.plan_id = plan.plan_id();
  in.quarter = quarter;
  in.now_micros = absl::ToUnixMicros(options_.clock());
  in.outreach_rule = options_.outreach_rule;
  RETURN_IF_ERROR(Load(in, nullptr));
  return ComputeQuarterlyReport(in);
}

absl::StatusOr<int64_t> QuarterlyExporter::Render(const QuarterlyExportJob& job, const Sink& sink,
                                                  const std::atomic<bool>* cancelled) const {
  QuarterlyInput in;
  in.plan_id = job.plan.plan_id();
  in.quarter = job.quarter;
  const absl::Time now = options_.clock();
  in.now_micros = absl::ToUnixMicros(now);
  in.outreach_rule = options_.outreach_rule;
  RETURN_IF_ERROR(Load(in, cancelled));
  const QuarterlyReport report = ComputeQuarterlyReport(in);
  int64_t rows = 0;
  for (const ReportTable& t : report.tables) rows += static_cast<int64_t>(t.rows.size());
  ASSIGN_OR_RETURN(const std::string bytes, Serialize(report, job.csv, now));
  RETURN_IF_ERROR(CheckCancelled(cancelled));
  RETURN_IF_ERROR(sink(bytes));
  return rows;
}

absl::StatusOr<std::string> QuarterlyExporter::RenderCountyRollup(
    std::string_view quarter_text, bool csv, std::vector<std::string>* plan_ids) const {
  ASSIGN_OR_RETURN(const Quarter quarter, ParseBegunQuarter(quarter_text));
  const absl::Time now = options_.clock();
  std::vector<QuarterlyReport> reports;
  std::string after;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<hub::v1::Plan> plans, directory_->ListPlans(after, 100));
    if (plans.empty()) break;
    for (const hub::v1::Plan& plan : plans) {
      ASSIGN_OR_RETURN(QuarterlyReport report, Compute(plan, quarter));
      reports.push_back(std::move(report));
      if (plan_ids != nullptr) plan_ids->push_back(plan.plan_id());
    }
    after = plans.back().plan_id();
  }
  if (reports.empty()) {
    return absl::FailedPreconditionError(
        "the hub has no plan yet, so there is nothing to roll up; create the county's plans");
  }
  ASSIGN_OR_RETURN(const QuarterlyReport county, CountyRollup(reports));
  return Serialize(county, csv, now);
}

absl::StatusOr<std::string> QuarterlyExporter::Serialize(const QuarterlyReport& report, bool csv,
                                                         absl::Time now) const {
  if (csv) return QuarterlyCsv(report);
  return QuarterlyWorkbook(report, options_.outreach_rule.DayOf(now), options_.tmp_dir);
}

}  // namespace hub
