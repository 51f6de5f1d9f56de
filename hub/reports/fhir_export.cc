#include "hub/reports/fhir_export.h"

#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "base/identifiers.h"
#include "base/status_macros.h"
#include "hub/common/log.h"
#include "hub/reports/fhir_resources.h"

namespace hub {
namespace {

constexpr size_t kFlushBytes = 1u << 20;
constexpr int kFhirProviderPage = 500;

absl::TimeZone CountyTimeZone() {
  absl::TimeZone zone;
  if (absl::LoadTimeZone("America/Los_Angeles", &zone)) return zone;
  return absl::FixedTimeZone(-8 * 60 * 60);  // No tzdata: Pacific standard time.
}

}  // namespace

FhirExporter::FhirExporter(storage::Store* store, storage::DirectoryStore* directory,
                           FhirExportOptions options)
    : directory_(directory),
      options_(std::move(options)),
      members_(store),
      care_(store),
      coverage_(store),
      care_plans_(store),
      quality_(store) {}

absl::StatusOr<FhirExportJob> FhirExporter::Prepare(
    const hub::v1::ExportFileRequest& request) const {
  if (request.plan_id().empty()) {
    return absl::InvalidArgumentError("plan_id is required: the plan to export for");
  }
  RETURN_IF_ERROR(ValidatePlanId(request.plan_id()));
  if (request.kind() != hub::v1::FILE_KIND_FHIR_BULK) {
    return absl::InvalidArgumentError("kind must be FILE_KIND_FHIR_BULK for a FHIR export");
  }
  if (!request.period().empty()) {
    return absl::InvalidArgumentError(
        "a FHIR export is a snapshot of today: leave period empty (Coverage, Group member and "
        "ServiceRequest periods carry the dates)");
  }
  FhirExportJob job;
  ASSIGN_OR_RETURN(job.plan, directory_->GetPlan(request.plan_id()));
  job.as_of = absl::FormatCivilTime(absl::ToCivilDay(options_.clock(), CountyTimeZone()));
  job.file_name = absl::StrCat(request.plan_id(), "_fhir_", job.as_of, ".ndjson");
  return job;
}

class FhirExporter::Run {
 public:
  Run(const FhirExporter& x, const FhirExportJob& job, const Sink& sink,
      const std::atomic<bool>* cancelled)
      : x_(x), job_(job), sink_(sink), cancelled_(cancelled) {
    context_.base_url = x.options_.base_url;
    context_.plan = job.plan;
    context_.as_of = job.as_of;
  }

  absl::StatusOr<FhirExportResult> Go() {
    RETURN_IF_ERROR(Collect());
    RETURN_IF_ERROR(Emit("Organization", fhir::PlanOrganization(context_)));
    RETURN_IF_ERROR(Organizations());
    RETURN_IF_ERROR(Members());
    RETURN_IF_ERROR(Groups());
    RETURN_IF_ERROR(Referrals());
    RETURN_IF_ERROR(MeasureReports());
    RETURN_IF_ERROR(Flush());
    if (result_.part2_withheld > 0) {
      log::Info("fhir_export_part2_withheld",
                {{"plan_id", job_.plan.plan_id()}, {"records", result_.part2_withheld}});
    }
    return result_;
  }

 private:
  const std::string& plan_id() const { return job_.plan.plan_id(); }

  absl::Status Check() const {
    if (cancelled_ != nullptr && cancelled_->load(std::memory_order_relaxed)) {
      return absl::CancelledError("the export was cancelled");
    }
    return absl::OkStatus();
  }

  absl::Status Emit(const std::string& type, const std::string& json) {
    if (json.empty()) return absl::OkStatus();
    buffer_ += json;
    buffer_.push_back('\n');
    ++result_.resource_count;
    ++result_.per_type[type];
    if (buffer_.size() >= kFlushBytes) return Flush();
    return absl::OkStatus();
  }

  absl::Status Flush() {
    RETURN_IF_ERROR(Check());
    if (buffer_.empty()) return absl::OkStatus();
    RETURN_IF_ERROR(sink_(buffer_));
    buffer_.clear();
    return absl::OkStatus();
  }

  // The plan's assignments and authorizations, their members and providers.
  absl::Status Collect() {
    RETURN_IF_ERROR(x_.care_.ScanPlanAssignments(
        plan_id(), [&](const storage::PlanAssignmentMark& mark) -> absl::Status {
          hub::v1::Assignment identity;
          identity.set_cin(mark.cin);
          identity.set_plan_id(plan_id());
          identity.set_provider_id(mark.provider_id);
          identity.set_benefit_start_date(mark.benefit_start_date);
          absl::StatusOr<hub::v1::Assignment> a = x_.care_.GetAssignment(identity);
          if (absl::IsNotFound(a.status())) return absl::OkStatus();
          if (!a.ok()) return a.status();
          cins_.insert(a->cin());
          providers_.emplace(a->provider_id(), hub::v1::Provider());
          serving_.emplace(a->cin(), a->provider_id());
          assignments_.push_back(*std::move(a));
          return Check();
        }));
    return x_.care_.ScanPlanAuthorizations(
        plan_id(), [&](const storage::PlanAuthorizationMark& mark) -> absl::Status {
          absl::StatusOr<hub::v1::Authorization> a =
              x_.care_.GetAuthorization(plan_id(), mark.authorization_number);
          if (absl::IsNotFound(a.status())) return absl::OkStatus();
          if (!a.ok()) return a.status();
          cins_.insert(a->cin());
          providers_.emplace(a->provider_id(), hub::v1::Provider());
          serving_.emplace(a->cin(), a->provider_id());
          authorizations_.push_back(*std::move(a));
          return Check();
        });
  }

  // Every provider the plan's records name, and those contracted with the
  // plan (for their quality reports).
  absl::Status Organizations() {
    std::string after;
    while (true) {
      ASSIGN_OR_RETURN(std::vector<hub::v1::Provider> page,
                       x_.directory_->ListProviders(after, kFhirProviderPage));
      for (hub::v1::Provider& provider : page) {
        bool contracted = false;
        for (const hub::v1::PlanContract& c : provider.contracts()) {
          contracted = contracted || c.plan_id() == plan_id();
        }
        auto it = providers_.find(provider.provider_id());
        if (it == providers_.end() && !contracted) continue;
        providers_[provider.provider_id()] = provider;
      }
      if (static_cast<int>(page.size()) < kFhirProviderPage) break;
      after = page.back().provider_id();
    }
    for (const auto& [id, provider] : providers_) {
      if (provider.provider_id().empty()) continue;  // Not in the directory.
      RETURN_IF_ERROR(Emit("Organization", fhir::ProviderOrganization(provider)));
    }
    return absl::OkStatus();
  }

  absl::Status Members() {
    for (const std::string& cin : cins_) {
      RETURN_IF_ERROR(Check());
      absl::StatusOr<hub::v1::Member> member = x_.members_.Get(cin);
      if (absl::IsNotFound(member.status())) {
        member = hub::v1::Member();
        member->set_cin(cin);
      }
      if (!member.ok()) return member.status();
      RETURN_IF_ERROR(Emit("Patient", fhir::Patient(context_, *member)));
      ASSIGN_OR_RETURN(std::vector<hub::v1::Coverage> periods, x_.coverage_.Periods(cin));
      for (const hub::v1::Coverage& period : periods) {
        if (period.plan_id() != plan_id()) continue;  // Another plan's coverage.
        RETURN_IF_ERROR(Emit("Coverage", fhir::CoverageResource(context_, period, *member)));
        coverage_[cin].push_back(period);
      }
      RETURN_IF_ERROR(CarePlan(cin));
    }
    return absl::OkStatus();
  }

  absl::Status CarePlan(const std::string& cin) {
    absl::StatusOr<hub::v1::FeedItem> item = x_.care_plans_.Get(cin);
    if (absl::IsNotFound(item.status())) return absl::OkStatus();
    if (!item.ok()) return item.status();
    // Only a care plan written by a provider serving the member for this plan.
    bool serving = false;
    for (auto [it, end] = serving_.equal_range(cin); it != end; ++it) {
      serving = serving || it->second == item->provider_id();
    }
    if (!serving) return absl::OkStatus();
    if (!item->redisclosure_notice().empty()) {
      bool may = false;
      if (x_.options_.disclosure != nullptr) {
        ASSIGN_OR_RETURN(may, x_.options_.disclosure->MayDisclose(plan_id(), *item));
      }
      if (!may) {
        ++result_.part2_withheld;
        return absl::OkStatus();
      }
      result_.redisclosure_notice = item->redisclosure_notice();
    }
    return Emit("CarePlan", fhir::CarePlanResource(context_, *item));
  }

  std::string CoverageIdOn(const std::string& cin, const std::string& day) const {
    auto it = coverage_.find(cin);
    if (it == coverage_.end()) return "";
    for (const hub::v1::Coverage& c : it->second) {
      if (c.start_date() <= day && (c.end_date().empty() || day <= c.end_date())) {
        return fhir::CoverageId(c);
      }
    }
    return "";
  }

  absl::Status Groups() {
    std::map<std::string, std::vector<fhir::AttributedMember>> by_provider;
    for (const hub::v1::Assignment& a : assignments_) {
      by_provider[a.provider_id()].push_back({a, CoverageIdOn(a.cin(), a.benefit_start_date())});
    }
    for (const auto& [provider_id, members] : by_provider) {
      hub::v1::Provider provider = providers_[provider_id];
      if (provider.provider_id().empty()) provider.set_provider_id(provider_id);
      RETURN_IF_ERROR(Emit("Group", fhir::AttributionGroup(context_, provider, members)));
    }
    return absl::OkStatus();
  }

  absl::Status Referrals() {
    for (const hub::v1::Authorization& a : authorizations_) {
      RETURN_IF_ERROR(Emit("ServiceRequest", fhir::ServiceRequest(context_, a)));
      if (a.community_support() == hub::v1::COMMUNITY_SUPPORT_SOBERING_CENTERS) continue;
      RETURN_IF_ERROR(Emit("Task", fhir::Task(context_, a)));
    }
    return absl::OkStatus();
  }

  absl::Status MeasureReports() {
    for (const auto& [id, provider] : providers_) {
      if (provider.provider_id().empty()) continue;
      ASSIGN_OR_RETURN(std::vector<hub::v1::QualityMeasureReport> reports,
                       x_.quality_.ListByProvider(id));
      for (const hub::v1::QualityMeasureReport& report : reports) {
        if (report.plan_id() != plan_id()) continue;  // Another plan's report.
        RETURN_IF_ERROR(Emit("MeasureReport", fhir::MeasureReport(context_, report, provider)));
      }
    }
    return absl::OkStatus();
  }

  const FhirExporter& x_;
  const FhirExportJob& job_;
  const Sink& sink_;
  const std::atomic<bool>* cancelled_;
  fhir::ExportContext context_;
  FhirExportResult result_;
  std::string buffer_;
  std::set<std::string> cins_;
  std::map<std::string, hub::v1::Provider> providers_;
  std::multimap<std::string, std::string> serving_;  // cin -> provider_id
  std::vector<hub::v1::Assignment> assignments_;
  std::vector<hub::v1::Authorization> authorizations_;
  std::map<std::string, std::vector<hub::v1::Coverage>> coverage_;
};

absl::StatusOr<FhirExportResult> FhirExporter::Render(const FhirExportJob& job, const Sink& sink,
                                                      const std::atomic<bool>* cancelled) const {
  Run run(*this, job, sink, cancelled);
  return run.Go();
}

}  // namespace hub
