#include "hub/export/file_export.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "adapters/plan_billing.h"
#include "base/civil_date.h"
#include "base/identifiers.h"
#include "base/status_macros.h"
#include "base/string_view.h"
#include "hub/export/export_renderers.h"
#include "hub/export/export_run.h"
#include "hub/v1/plan_file.pb.h"

namespace hub {
namespace {

// The export kinds: the one place a kind is tied to its renderer.
constexpr ExportKindEntry kExportKinds[] = {
    {hub::v1::FILE_KIND_RETURN_TRANSMISSION, "rtf", true, &RenderReturnTransmission},
    {hub::v1::FILE_KIND_OUTREACH_TRACKER, "otf", true, &RenderOutreachTracker},
    {hub::v1::FILE_KIND_INVOICE, "invoice", true, &RenderInvoice},
    {hub::v1::FILE_KIND_CLAIMS_837P, "837p", false, &RenderClaims837P},
};

const hub::v1::FileLayout* FindLayout(const hub::v1::PlanProfile& profile, hub::v1::FileKind kind) {
  for (const hub::v1::FileLayout& layout : profile.layouts()) {
    if (layout.kind() == kind) return &layout;
  }
  return nullptr;
}

// The file extension of a layout, as the plan's own files are named.
std::string_view Extension(const hub::v1::FileLayout& layout) {
  switch (layout.format_case()) {
    case hub::v1::FileLayout::kDelimited:
      if (layout.delimited().delimiter() == ",") return "csv";
      if (layout.delimited().delimiter() == "\t") return "tsv";
      return "txt";
    case hub::v1::FileLayout::kFixedWidth:
      return "dat";
    case hub::v1::FileLayout::kX12:
      return "x12";
    default:
      return "txt";
  }
}

// True if the profile's billing rules send some program's lines to the
// 837P (a program without a rule goes there).
bool BillsOn837P(const hub::v1::PlanProfile& profile) {
  for (hub::v1::BillingProgram program :
       {hub::v1::BILLING_PROGRAM_ECM, hub::v1::BILLING_PROGRAM_COMMUNITY_SUPPORTS}) {
    if (adapters::BillingFileFor(&profile, program) == hub::v1::FILE_KIND_CLAIMS_837P) return true;
  }
  return false;
}

absl::Status BadPeriod() {
  return absl::InvalidArgumentError(
      "period must be the reporting month written YYYY-MM, e.g. 2026-11");
}

}  // namespace

const ExportKindEntry* FindExportKind(hub::v1::FileKind kind) {
  for (const ExportKindEntry& entry : kExportKinds) {
    if (entry.kind == kind) return &entry;
  }
  return nullptr;
}

std::string_view ExportKindWord(hub::v1::FileKind kind) {
  const ExportKindEntry* entry = FindExportKind(kind);
  return entry == nullptr ? std::string_view() : entry->word;
}

FileExporter::FileExporter(storage::Store* store, storage::DirectoryStore* directory,
                           storage::FeedStore* feed, PlanAdapterSet* adapters,
                           FileExportOptions options)
    : directory_(directory),
      feed_(feed),
      adapters_(adapters),
      options_(std::move(options)),
      members_(store),
      care_(store),
      care_plans_(store),
      coverage_(store),
      claims_(store),
      control_numbers_(store) {}

// The plan's loaded profile for an export of `kind`, and the file extension
// of its layout. A kind rendered through a layout needs the profile and the
// layout; the 837P reads only the billing rules, and a plan without a
// profile bills everything on it (nullptr).
absl::StatusOr<const LoadedPlanProfile*> FileExporter::ProfileFor(
    const hub::v1::Plan& plan, hub::v1::FileKind kind, std::string_view* extension) const {
  const bool needs_layout = FindExportKind(kind)->needs_layout;
  const std::string& profile_name = plan.adapter_profile();
  if (profile_name.empty()) {
    if (!needs_layout) return nullptr;
    return absl::FailedPreconditionError(absl::StrCat(
        "plan ", plan.plan_id(),
        " has no adapter_profile yet, so the hub does not know its file layouts; the county "
        "administrator sets it with UpdatePlan"));
  }
  absl::StatusOr<const LoadedPlanProfile*> profile = adapters_->GetProfile(profile_name);
  if (!profile.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the adapter profile \"", profile_name, "\" of plan ", plan.plan_id(),
                     " cannot be used: ", profile.status().message()));
  }
  if (kind == hub::v1::FILE_KIND_CLAIMS_837P && !BillsOn837P((*profile)->profile)) {
    // No file of a kind the plan does not take: an empty 837P would only
    // confuse its EDI intake (docs/billing.md).
    return absl::FailedPreconditionError(absl::StrCat(
        "plan ", plan.plan_id(),
        " bills every service line by invoice (the billing rules of its adapter profile \"",
        profile_name,
        "\"), so the hub writes it no 837P; export FILE_KIND_INVOICE, whose header accounts for "
        "every billable line"));
  }
  if (!needs_layout) return *profile;
  const hub::v1::FileLayout* layout = FindLayout((*profile)->profile, kind);
  if (layout == nullptr || !(*profile)->adapter->Handles(kind)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "plan ", plan.plan_id(), "'s adapter profile \"", profile_name, "\" has no layout for the ",
        Absl(ExportKindTitle(kind)), " (", hub::v1::FileKind_Name(kind),
        "), so the hub cannot write it in the plan's format; the hub administrator adds one "
        "to adapters/plans/",
        profile_name, "/profile.textproto (see adapters/plans/README.md), then export again"));
  }
  *extension = Extension(*layout);
  return *profile;
}

absl::StatusOr<ExportJob> FileExporter::Prepare(const hub::v1::ExportFileRequest& request) const {
  if (request.plan_id().empty()) {
    return absl::InvalidArgumentError("plan_id is required: the plan to export for");
  }
  RETURN_IF_ERROR(ValidatePlanId(request.plan_id()));
  if (FindExportKind(request.kind()) == nullptr) {
    return absl::InvalidArgumentError(
        "kind must be FILE_KIND_RETURN_TRANSMISSION, FILE_KIND_OUTREACH_TRACKER, "
        "FILE_KIND_INVOICE or FILE_KIND_CLAIMS_837P: the files the hub renders for a plan (a "
        "plan sends its own files with UploadFile)");
  }
  const std::string& period = request.period();
  if (period.size() != 7 || period[4] != '-') return BadPeriod();
  absl::StatusOr<CivilDate> first = CivilDate::ParseIso(absl::StrCat(period, "-01"));
  if (!first.ok()) return BadPeriod();
  const absl::CivilMonth this_month(absl::ToCivilMonth(options_.clock(), absl::UTCTimeZone()));
  const absl::CivilMonth asked(first->year(), first->month());
  if (asked > this_month) {
    return absl::InvalidArgumentError(
        absl::StrCat("period ", period, " has not begun (this month is ",
                     absl::FormatCivilTime(this_month), "); export a month that has started"));
  }
  const absl::CivilMonth next = asked + 1;
  absl::StatusOr<CivilDate> next_first =
      CivilDate::FromYmd(static_cast<int>(next.year()), next.month(), 1);
  if (!next_first.ok()) return BadPeriod();

  ExportJob job;
  absl::StatusOr<hub::v1::Plan> plan = directory_->GetPlan(request.plan_id());
  if (absl::IsNotFound(plan.status())) {
    return absl::NotFoundError(absl::StrCat("no plan has plan_id \"", request.plan_id(),
                                            "\"; ListPlans shows the plans of this hub"));
  }
  RETURN_IF_ERROR(plan.status());
  job.plan = *std::move(plan);
  job.kind = request.kind();
  job.period = period;
  job.first_day = first->ToIso();
  job.last_day = next_first->AddDays(-1).ToIso();
  std::string_view extension = "x12";
  ASSIGN_OR_RETURN(job.profile, ProfileFor(job.plan, job.kind, &extension));
  job.file_name = absl::StrCat(job.plan.plan_id(), "_", Absl(ExportKindWord(job.kind)), "_", period,
                               ".", Absl(extension));
  return job;
}

absl::StatusOr<ExportResult> FileExporter::Render(const ExportJob& job, const Sink& sink,
                                                  const std::atomic<bool>* cancelled) const {
  const ExportKindEntry* entry = FindExportKind(job.kind);
  if (entry == nullptr) return absl::InvalidArgumentError("not an export kind");
  const ExportStores stores{directory_, feed_,    &members_,   &care_,
                            &coverage_, &claims_, &care_plans_};
  ExportRun run(stores, options_, job, sink, cancelled);
  ASSIGN_OR_RETURN(const int64_t control_number, control_numbers_.Next(job.plan.plan_id()));
  run.Start(options_.clock(), control_number);
  RETURN_IF_ERROR(entry->render(run));
  RETURN_IF_ERROR(run.Flush(/*all=*/true));
  run.LogDone();
  if (options_.metrics != nullptr &&
      (job.kind == hub::v1::FILE_KIND_INVOICE || job.kind == hub::v1::FILE_KIND_CLAIMS_837P)) {
    SetBillingMetrics(job, run.result().billing);
  }
  return run.result();
}

void FileExporter::SetBillingMetrics(const ExportJob& job,
                                     const hub::v1::BillingSummary& billing) const {
  MetricFamily& lines = options_.metrics->Gauge(
      "hub_billing_lines",
      "A plan's billable lines (service and invoice lines) of a month, by what the latest invoice "
      "or 837P export did with them: billed_837p, billed_invoice, not_billed (by reason)",
      {"plan", "period", "outcome", "reason"});
  const bool claims = job.kind == hub::v1::FILE_KIND_CLAIMS_837P;
  const std::string& plan = job.plan.plan_id();
  lines.Set({plan, job.period, "billable", ""}, static_cast<double>(billing.billable_lines()));
  lines.Set({plan, job.period, "billed_837p", ""},
            static_cast<double>(claims ? billing.billed_lines() : billing.billed_on_other_file()));
  lines.Set({plan, job.period, "billed_invoice", ""},
            static_cast<double>(claims ? billing.billed_on_other_file() : billing.billed_lines()));
  for (const hub::v1::UnbillableLines& u : billing.unbillable()) {
    lines.Set({plan, job.period, "not_billed", u.reason_code()}, static_cast<double>(u.lines()));
  }
}

}  // namespace hub
