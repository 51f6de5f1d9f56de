#include "hub/export/file_export.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "adapters/writers/x12_837p_writer.h"
#include "base/civil_date.h"
#include "base/identifiers.h"
#include "base/status_macros.h"
#include "hub/common/contract_check.h"
#include "hub/common/log.h"
#include "hub/v1/plan_file.pb.h"

namespace hub {
namespace {

absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Service lines gathered per billing provider before they are written.
constexpr size_t kClaimBatchLines = 1000;
// X12 837P limits of one claim (the writer refuses more).
constexpr size_t kMaxLinesPerClaim = 50;
constexpr size_t kMaxDiagnosesPerClaim = 12;
// Record ids of skipped claims named in the log.
constexpr size_t kLoggedSkippedClaims = 10;

bool IsExportKind(hub::v1::FileKind kind) {
  return kind == hub::v1::FILE_KIND_RETURN_TRANSMISSION ||
         kind == hub::v1::FILE_KIND_OUTREACH_TRACKER || kind == hub::v1::FILE_KIND_INVOICE ||
         kind == hub::v1::FILE_KIND_CLAIMS_837P;
}

std::string_view KindTitle(hub::v1::FileKind kind) {
  switch (kind) {
    case hub::v1::FILE_KIND_RETURN_TRANSMISSION:
      return "Return Transmission File";
    case hub::v1::FILE_KIND_OUTREACH_TRACKER:
      return "Outreach Tracker File";
    case hub::v1::FILE_KIND_INVOICE:
      return "invoice file";
    default:
      return "837P claims file";
  }
}

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

absl::Status BadPeriod() {
  return absl::InvalidArgumentError(
      "period must be the reporting month written YYYY-MM, e.g. 2026-11");
}

std::string CinOf(const hub::v1::Submission& s) {
  switch (s.record_case()) {
    case hub::v1::Submission::kOutreachAttempt:
      return s.outreach_attempt().cin();
    case hub::v1::Submission::kEnrollmentStatus:
      return s.enrollment_status().cin();
    case hub::v1::Submission::kService:
      return s.service().cin();
    case hub::v1::Submission::kInvoiceLine:
      return s.invoice_line().cin();
    case hub::v1::Submission::kReferralStatus:
      return s.referral_status().cin();
    case hub::v1::Submission::kCarePlan:
      return s.care_plan().cin();
    default:
      return "";
  }
}

// True if the member's latest enrollment status still concerns a period
// starting on `first_day` (see the header).
bool EnrollmentCurrent(const hub::v1::EnrollmentStatusUpdate& e, const std::string& first_day) {
  if (e.as_of_date() >= first_day) return true;
  if (!e.enrollment_end_date().empty() && e.enrollment_end_date() < first_day) return false;
  if (e.has_discontinuation() && !e.discontinuation().date().empty() &&
      e.discontinuation().date() < first_day) {
    return false;
  }
  switch (e.status()) {
    case hub::v1::ENROLLMENT_STATUS_DECLINED:
    case hub::v1::ENROLLMENT_STATUS_DISCONTINUED:
    case hub::v1::ENROLLMENT_STATUS_UNABLE_TO_REACH:
      return false;
    default:
      return true;
  }
}

bool ReferralCurrent(const hub::v1::ReferralStatusUpdate& r, const std::string& first_day) {
  if (r.status_date() >= first_day) return true;
  return r.status() != hub::v1::REFERRAL_STATUS_CLOSED &&
         r.status() != hub::v1::REFERRAL_STATUS_DECLINED;
}

// ICD-10-CM as an 837P HI segment compares it: no dot, upper case.
std::string DiagnosisKey(std::string_view code) {
  std::string out;
  for (char c : code) {
    if (c != '.') out.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string ClaimGroupKey(const hub::v1::ServiceRecord& s) {
  return absl::StrCat(s.cin(), "\x1f", s.service_date(), "\x1f", s.authorization_number());
}

}  // namespace

std::string_view ExportKindWord(hub::v1::FileKind kind) {
  switch (kind) {
    case hub::v1::FILE_KIND_RETURN_TRANSMISSION:
      return "rtf";
    case hub::v1::FILE_KIND_OUTREACH_TRACKER:
      return "otf";
    case hub::v1::FILE_KIND_INVOICE:
      return "invoice";
    case hub::v1::FILE_KIND_CLAIMS_837P:
      return "837p";
    default:
      return "";
  }
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
      coverage_(store),
      control_numbers_(store) {}

absl::StatusOr<ExportJob> FileExporter::Prepare(const hub::v1::ExportFileRequest& request) const {
  if (request.plan_id().empty()) {
    return absl::InvalidArgumentError("plan_id is required: the plan to export for");
  }
  RETURN_IF_ERROR(ValidatePlanId(request.plan_id()));
  if (!IsExportKind(request.kind())) {
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
  if (job.kind != hub::v1::FILE_KIND_CLAIMS_837P) {
    const std::string& profile_name = job.plan.adapter_profile();
    if (profile_name.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "plan ", job.plan.plan_id(),
          " has no adapter_profile yet, so the hub does not know its file layouts; the county "
          "administrator sets it with UpdatePlan"));
    }
    absl::StatusOr<const LoadedPlanProfile*> profile = adapters_->GetProfile(profile_name);
    if (!profile.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("the adapter profile \"", profile_name, "\" of plan ", job.plan.plan_id(),
                       " cannot be used: ", profile.status().message()));
    }
    const hub::v1::FileLayout* layout = FindLayout((*profile)->profile, job.kind);
    if (layout == nullptr || !(*profile)->adapter->Handles(job.kind)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "plan ", job.plan.plan_id(), "'s adapter profile \"", profile_name,
          "\" has no layout for the ", Absl(KindTitle(job.kind)), " (",
          hub::v1::FileKind_Name(job.kind),
          "), so the hub cannot write it in the plan's format; the hub administrator adds one "
          "to adapters/plans/",
          profile_name, "/profile.textproto (see adapters/plans/README.md), then export again"));
    }
    job.profile = *profile;
    extension = Extension(*layout);
  }
  job.file_name = absl::StrCat(job.plan.plan_id(), "_", Absl(ExportKindWord(job.kind)), "_", period,
                               ".", Absl(extension));
  return job;
}

// One export: the job, the output buffer and the lookups it caches.
class FileExporter::Run {
 public:
  Run(const FileExporter& exporter, const ExportJob& job, const Sink& sink,
      const std::atomic<bool>* cancelled)
      : x_(exporter), job_(job), sink_(sink), cancelled_(cancelled) {}

  // The next item of `scan` the plan may receive (FileExportOptions::
  // disclosure); false at the end. Counts and logs (record ids only) the
  // Part 2 items it leaves out.
  absl::StatusOr<bool> NextDisclosed(storage::FeedScan& scan, hub::v1::FeedItem& item) {
    while (true) {
      ASSIGN_OR_RETURN(const bool more, scan.Next(item));
      if (!more) return false;
      if (Park(item)) continue;
      if (item.redisclosure_notice().empty() || x_.options_.disclosure == nullptr) return true;
      ASSIGN_OR_RETURN(const bool covered,
                       x_.options_.disclosure->MayDisclose(job_.plan.plan_id(), item));
      if (covered) {
        result_.redisclosure_notice = item.redisclosure_notice();
        return true;
      }
      if (++result_.part2_withheld <= kLoggedSkippedClaims)
        withheld_ids_.push_back(item.record_id());
    }
  }

  absl::StatusOr<ExportResult> Go() {
    ASSIGN_OR_RETURN(result_.control_number, x_.control_numbers_.Next(job_.plan.plan_id()));
    const absl::Time now = x_.options_.clock();
    render_.file_date = absl::FormatTime("%Y-%m-%d", now, absl::UTCTimeZone());
    render_.file_time = absl::FormatTime("%H%M", now, absl::UTCTimeZone());
    render_.control_number = result_.control_number;
    switch (job_.kind) {
      case hub::v1::FILE_KIND_RETURN_TRANSMISSION:
        RETURN_IF_ERROR(ReturnTransmission());
        break;
      case hub::v1::FILE_KIND_OUTREACH_TRACKER:
        RETURN_IF_ERROR(OutreachTracker());
        break;
      case hub::v1::FILE_KIND_INVOICE:
        RETURN_IF_ERROR(Invoice());
        break;
      case hub::v1::FILE_KIND_CLAIMS_837P:
        RETURN_IF_ERROR(Claims());
        break;
      default:
        return absl::InvalidArgumentError("not an export kind");
    }
    RETURN_IF_ERROR(Flush(/*all=*/true));
    if (result_.part2_withheld > 0) {
      log::Info("part2_records_not_exported", {{"plan_id", job_.plan.plan_id()},
                                               {"kind", std::string(ExportKindWord(job_.kind))},
                                               {"period", job_.period},
                                               {"records", result_.part2_withheld},
                                               {"record_ids", absl::StrJoin(withheld_ids_, ",")}});
    }
    log::Info("plan_file_exported", {{"plan_id", job_.plan.plan_id()},
                                     {"kind", std::string(ExportKindWord(job_.kind))},
                                     {"period", job_.period},
                                     {"records", result_.record_count},
                                     {"control_number", result_.control_number},
                                     {"bytes", result_.bytes}});
    return result_;
  }

 private:
  absl::Status CheckCancelled() const {
    if (cancelled_ != nullptr && cancelled_->load(std::memory_order_relaxed)) {
      return absl::CancelledError("the export was cancelled");
    }
    return absl::OkStatus();
  }

  absl::Status Flush(bool all) {
    if (out_.empty() || (!all && out_.size() < x_.options_.flush_bytes)) return absl::OkStatus();
    RETURN_IF_ERROR(sink_(out_));
    result_.bytes += static_cast<int64_t>(out_.size());
    out_.clear();
    return absl::OkStatus();
  }

  // A stored record outside the contract (an enum number no version
  // defines, a number outside its field's range: stored before the Submit
  // boundary checked them) cannot be rendered by any layout: it is left out
  // of the file, logged and reported (ExportResult::unrenderable), never
  // fatal to the month's file. True if `item` is such a record.
  bool Park(const hub::v1::FeedItem& item) {
    std::optional<ContractViolation> bad = CheckContract(item.submission());
    if (!bad.has_value()) return false;
    if (result_.unrenderable_ids.size() < kReportedUnrenderable) {
      result_.unrenderable_ids.push_back(item.record_id());
    }
    ++result_.unrenderable;
    log::Warning("export_record_parked", {{"plan_id", job_.plan.plan_id()},
                                          {"kind", std::string(ExportKindWord(job_.kind))},
                                          {"period", job_.period},
                                          {"record_id", item.record_id()},
                                          {"field", bad->field}});
    return true;
  }

  // --- lookups --------------------------------------------------------------

  absl::StatusOr<const hub::v1::Provider*> ProviderOf(const hub::v1::FeedItem& item) {
    auto it = providers_.find(item.provider_id());
    if (it != providers_.end()) return &it->second;
    absl::StatusOr<hub::v1::Provider> got = x_.directory_->GetProvider(item.provider_id());
    hub::v1::Provider provider;
    if (got.ok()) {
      provider = *std::move(got);
    } else if (absl::IsNotFound(got.status())) {
      // Removed from the directory since: what the feed item says.
      provider.set_provider_id(item.provider_id());
      provider.set_npi(item.provider_npi());
      provider.set_name(item.provider_id());
    } else {
      return got.status();
    }
    return &providers_.emplace(item.provider_id(), std::move(provider)).first->second;
  }

  absl::StatusOr<hub::v1::Member> MemberOf(const std::string& cin) {
    absl::StatusOr<hub::v1::Member> member = x_.members_.Get(cin);
    if (absl::IsNotFound(member.status())) {
      hub::v1::Member bare;
      bare.set_cin(cin);
      return bare;
    }
    return member;
  }

  // True if the plan covers the member on the period's first or last day.
  absl::StatusOr<bool> CoveredInPeriod(const std::string& cin) const {
    for (const std::string* day : {&job_.first_day, &job_.last_day}) {
      absl::StatusOr<hub::v1::Coverage> coverage = x_.coverage_.CoveringPlan(cin, *day);
      if (coverage.ok() && coverage->plan_id() == job_.plan.plan_id()) return true;
      if (!coverage.ok() && !absl::IsNotFound(coverage.status())) return coverage.status();
    }
    return false;
  }

  void SetPlan(hub::v1::Plan* plan) const {
    plan->set_plan_id(job_.plan.plan_id());
    plan->set_name(job_.plan.name());
    plan->set_dhcs_plan_code(job_.plan.dhcs_plan_code());
  }

  static void SetProvider(const hub::v1::Provider& from, hub::v1::Provider* to) {
    to->set_provider_id(from.provider_id());
    to->set_name(from.name());
    to->set_npi(from.npi());
    to->set_tin(from.tin());
    to->set_phone(from.phone());
    to->set_provider_type(from.provider_type());
  }

  static void SetMemberName(const hub::v1::Member& from, hub::v1::Member* to) {
    to->set_cin(from.cin());
    *to->mutable_name() = from.name();
  }

  // --- text layouts ---------------------------------------------------------

  absl::Status OpenRenderer() {
    ASSIGN_OR_RETURN(renderer_, job_.profile->adapter->OpenRenderer(job_.kind, render_));
    return absl::OkStatus();
  }

  absl::Status AddRow(const google::protobuf::Message& row, const std::string& record_id) {
    absl::Status added = renderer_->Add(row, out_);
    if (!added.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("record ", record_id, " cannot be written in plan ", job_.plan.plan_id(),
                       "'s layout: ", added.message(), " (adapters/plans/",
                       job_.plan.adapter_profile(), "/profile.textproto)"));
    }
    ++result_.record_count;
    RETURN_IF_ERROR(CheckCancelled());
    return Flush(/*all=*/false);
  }

  absl::Status FinishRenderer() {
    absl::Status finished = renderer_->Finish(out_);
    if (!finished.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("the ", Absl(KindTitle(job_.kind)), " of plan ", job_.plan.plan_id(),
                       " cannot be finished: ", finished.message()));
    }
    return absl::OkStatus();
  }

  absl::Status ReturnTransmission() {
    RETURN_IF_ERROR(OpenRenderer());
    ASSIGN_OR_RETURN(std::unique_ptr<storage::FeedScan> scan,
                     x_.feed_->ScanLatestMemberStatus(job_.plan.plan_id(), job_.last_day));
    std::optional<hub::v1::FeedItem> enrollment;
    std::optional<hub::v1::FeedItem> referral;
    std::string cin;
    hub::v1::FeedItem item;
    while (true) {
      ASSIGN_OR_RETURN(const bool more, NextDisclosed(*scan, item));
      const std::string item_cin = more ? CinOf(item.submission()) : std::string();
      if ((!more || item_cin != cin) && (enrollment || referral)) {
        RETURN_IF_ERROR(ReturnTransmissionRow(cin, enrollment, referral));
        enrollment.reset();
        referral.reset();
      }
      if (!more) break;
      cin = item_cin;
      if (item.submission().has_enrollment_status()) {
        enrollment = std::move(item);
      } else {
        referral = std::move(item);
      }
    }
    return FinishRenderer();
  }

  absl::Status ReturnTransmissionRow(const std::string& cin,
                                     const std::optional<hub::v1::FeedItem>& enrollment,
                                     const std::optional<hub::v1::FeedItem>& referral) {
    const hub::v1::EnrollmentStatusUpdate* e =
        enrollment ? &enrollment->submission().enrollment_status() : nullptr;
    const hub::v1::ReferralStatusUpdate* r =
        referral ? &referral->submission().referral_status() : nullptr;
    const bool current = (e != nullptr && EnrollmentCurrent(*e, job_.first_day)) ||
                         (r != nullptr && ReferralCurrent(*r, job_.first_day));
    if (!current) return absl::OkStatus();
    const bool dated_in_period = (e != nullptr && e->as_of_date() >= job_.first_day) ||
                                 (r != nullptr && r->status_date() >= job_.first_day);
    if (!dated_in_period) {
      ASSIGN_OR_RETURN(const bool covered, CoveredInPeriod(cin));
      if (!covered) return absl::OkStatus();
    }

    hub::v1::ReturnTransmissionRow row;
    SetPlan(row.mutable_plan());
    ASSIGN_OR_RETURN(const hub::v1::Member stored, MemberOf(cin));
    hub::v1::Member& m = *row.mutable_member();
    SetMemberName(stored, &m);
    *m.mutable_address() = stored.address();
    m.set_phone(stored.phone());
    m.set_preferred_spoken_language(stored.preferred_spoken_language());
    m.set_preferred_written_language(stored.preferred_written_language());
    if (stored.has_experiencing_homelessness()) {
      m.set_experiencing_homelessness(stored.experiencing_homelessness());
    }
    for (const hub::v1::PlanMemberId& id : stored.plan_member_ids()) {
      if (id.plan_id() == job_.plan.plan_id() && !id.medical_record_number().empty()) {
        row.set_medical_record_number(id.medical_record_number());
      }
    }
    const hub::v1::FeedItem& reporter = enrollment ? *enrollment : *referral;
    if (e != nullptr) {
      hub::v1::EnrollmentStatusUpdate& out = *row.mutable_enrollment();
      out = *e;
      const bool in_period = e->as_of_date() >= job_.first_day;
      if (e->has_new_address()) {
        *m.mutable_address() = e->new_address();
        row.set_new_address(in_period);
      }
      if (!e->new_phone().empty()) {
        m.set_phone(e->new_phone());
        row.set_new_phone(in_period);
      }
      if (e->has_experiencing_homelessness()) {
        m.set_experiencing_homelessness(e->experiencing_homelessness());
      }
      if (!in_period) {
        // The counts are of the month the status was reported for.
        out.set_in_person_encounters(0);
        out.set_telephonic_encounters(0);
      }
    }
    if (r != nullptr) {
      row.set_authorization_number(r->authorization_number());
      row.set_referral_status(r->status());
      row.set_referral_status_date(r->status_date());
      row.set_closure_reason(r->closure_reason());
      row.set_closure_reason_text(r->closure_reason_text());
    }
    // Populations of focus: the plan's assignments of the member that
    // overlap the period.
    ASSIGN_OR_RETURN(const std::vector<hub::v1::Assignment> assignments, x_.care_.Assignments(cin));
    for (const hub::v1::Assignment& a : assignments) {
      if (a.plan_id() != job_.plan.plan_id() || a.benefit_start_date() > job_.last_day ||
          (!a.benefit_end_date().empty() && a.benefit_end_date() < job_.first_day)) {
        continue;
      }
      for (int pof : a.populations_of_focus()) {
        const auto& have = row.populations_of_focus();
        if (std::find(have.begin(), have.end(), pof) == have.end()) {
          row.add_populations_of_focus(static_cast<hub::v1::PopulationOfFocus>(pof));
        }
      }
    }
    row.set_pof_indicator(row.populations_of_focus_size() > 0);
    ASSIGN_OR_RETURN(const hub::v1::Provider* provider, ProviderOf(reporter));
    SetProvider(*provider, row.mutable_provider());
    row.set_production_date(render_.file_date);
    row.set_reporting_period(job_.period);
    return AddRow(row, reporter.record_id());
  }

  absl::Status OutreachTracker() {
    RETURN_IF_ERROR(OpenRenderer());
    ASSIGN_OR_RETURN(std::unique_ptr<storage::FeedScan> scan,
                     x_.feed_->ScanMonth(job_.plan.plan_id(), hub::v1::RECORD_KIND_OUTREACH_ATTEMPT,
                                         job_.period));
    hub::v1::FeedItem item;
    hub::v1::OutreachTrackerRow row;
    while (true) {
      ASSIGN_OR_RETURN(const bool more, NextDisclosed(*scan, item));
      if (!more) break;
      const hub::v1::OutreachAttempt& attempt = item.submission().outreach_attempt();
      row.Clear();
      SetPlan(row.mutable_plan());
      ASSIGN_OR_RETURN(const hub::v1::Provider* provider, ProviderOf(item));
      SetProvider(*provider, row.mutable_provider());
      ASSIGN_OR_RETURN(const hub::v1::Member member, MemberOf(attempt.cin()));
      SetMemberName(member, row.mutable_member());
      *row.mutable_attempt() = attempt;
      RETURN_IF_ERROR(AddRow(row, item.record_id()));
    }
    return FinishRenderer();
  }

  absl::Status Invoice() {
    RETURN_IF_ERROR(OpenRenderer());
    ASSIGN_OR_RETURN(
        std::unique_ptr<storage::FeedScan> scan,
        x_.feed_->ScanMonth(job_.plan.plan_id(), hub::v1::RECORD_KIND_INVOICE_LINE, job_.period));
    hub::v1::FeedItem item;
    hub::v1::InvoiceFileRow row;
    while (true) {
      ASSIGN_OR_RETURN(const bool more, NextDisclosed(*scan, item));
      if (!more) break;
      const hub::v1::InvoiceLine& line = item.submission().invoice_line();
      row.Clear();
      SetPlan(row.mutable_plan());
      ASSIGN_OR_RETURN(const hub::v1::Provider* provider, ProviderOf(item));
      SetProvider(*provider, row.mutable_provider());
      ASSIGN_OR_RETURN(const hub::v1::Member member, MemberOf(line.cin()));
      SetMemberName(member, row.mutable_member());
      *row.mutable_line() = line;
      RETURN_IF_ERROR(AddRow(row, item.record_id()));
    }
    return FinishRenderer();
  }

  // --- 837P -----------------------------------------------------------------

  absl::Status Claims() {
    adapters::X12_837PEnvelope envelope;
    envelope.sender_id = x_.options_.x12_sender_id;
    envelope.submitter_name = x_.options_.x12_submitter_name;
    envelope.submitter_contact = x_.options_.x12_submitter_contact;
    envelope.submitter_phone = x_.options_.x12_submitter_phone;
    payer_.name = job_.plan.name().empty() ? job_.plan.plan_id() : job_.plan.name();
    payer_.id = job_.plan.dhcs_plan_code().empty() ? absl::AsciiStrToUpper(job_.plan.plan_id())
                                                   : job_.plan.dhcs_plan_code();
    envelope.receiver_id = payer_.id.substr(0, 15);
    envelope.receiver_name = payer_.name;
    envelope.date = render_.file_date;
    envelope.time = render_.file_time;
    envelope.control_number = result_.control_number;
    writer_ = std::make_unique<adapters::X12_837PWriter>(std::move(envelope));

    ASSIGN_OR_RETURN(
        std::unique_ptr<storage::FeedScan> scan,
        x_.feed_->ScanMonth(job_.plan.plan_id(), hub::v1::RECORD_KIND_SERVICE, job_.period));
    hub::v1::FeedItem item;
    while (true) {
      ASSIGN_OR_RETURN(const bool more, NextDisclosed(*scan, item));
      if (!more) break;
      const hub::v1::ServiceRecord& line = item.submission().service();
      // Lines come by (provider, member, day, authorization): write a batch
      // when the provider changes, or when it is large and a member ends
      // (a claim's lines never straddle two batches).
      if (!pending_.empty() &&
          (item.provider_id() != pending_provider_ ||
           (pending_.size() >= kClaimBatchLines && line.cin() != pending_.back().service.cin()))) {
        RETURN_IF_ERROR(WriteClaims());
      }
      if (pending_.empty()) pending_provider_ = item.provider_id();
      adapters::BilledService& billed = pending_.emplace_back();
      billed.record_id = item.record_id();
      if (line.cin() != member_.cin()) {
        ASSIGN_OR_RETURN(member_, MemberOf(line.cin()));
      }
      billed.member = member_;
      billed.service = line;
      pending_npi_ = item.provider_npi();
      RETURN_IF_ERROR(CheckCancelled());
    }
    if (!pending_.empty()) RETURN_IF_ERROR(WriteClaims());
    absl::Status finished = writer_->Finish(out_);
    if (!finished.ok()) return Unwritable837(finished, "");
    if (skipped_lines_ > 0) {
      log::Warning("claims_without_diagnosis_skipped",
                   {{"plan_id", job_.plan.plan_id()},
                    {"period", job_.period},
                    {"lines", skipped_lines_},
                    {"claims", static_cast<int64_t>(skipped_claims_)},
                    {"record_ids", absl::StrJoin(skipped_ids_, ",")}});
    }
    return absl::OkStatus();
  }

  absl::Status Unwritable837(const absl::Status& cause, std::string_view provider_id) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the 837P of plan ", job_.plan.plan_id(), " for ", job_.period, " cannot be written",
        provider_id.empty() ? "" : absl::StrCat(" (billing provider ", Absl(provider_id), ")"),
        ": ", cause.message()));
  }

  // Groups the pending lines (one billing provider) into claims and writes
  // them.
  absl::Status WriteClaims() {
    hub::v1::FeedItem who;
    who.set_provider_id(pending_provider_);
    who.set_provider_npi(pending_npi_);
    ASSIGN_OR_RETURN(const hub::v1::Provider* provider, ProviderOf(who));
    const hub::v1::PostalAddress& address = provider->address();
    if (address.line1().empty() || address.city().empty() || address.state().size() != 2 ||
        address.zip().empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "provider ", provider->provider_id(),
          " has no complete address (street, city, 2-letter state, ZIP), which an 837P needs "
          "for the billing provider (loop 2010AA); the county administrator sets it with "
          "UpdateProvider (update_mask \"address\"), then export again"));
    }
    adapters::BillingProvider837 billing;
    billing.name = provider->name();
    billing.npi = provider->npi();
    billing.tin = provider->tin();
    billing.address = address;

    // The record ids of each claim's lines, in the order
    // GroupServicesIntoClaims keeps them, to name the split-off claims.
    absl::flat_hash_map<std::string, std::vector<const std::string*>> ids_by_group;
    for (const adapters::BilledService& s : pending_) {
      ids_by_group[ClaimGroupKey(s.service)].push_back(&s.record_id);
    }
    std::vector<adapters::Claim837> grouped = adapters::GroupServicesIntoClaims(pending_);
    std::vector<adapters::Claim837> claims;
    int64_t lines = 0;
    for (adapters::Claim837& claim : grouped) {
      const std::vector<const std::string*>& ids = ids_by_group[ClaimGroupKey(claim.lines[0])];
      bool any_diagnosis = false;
      for (const hub::v1::ServiceRecord& line : claim.lines) {
        any_diagnosis = any_diagnosis || line.diagnosis_codes_size() > 0;
      }
      if (!any_diagnosis) {
        skipped_lines_ += static_cast<int64_t>(claim.lines.size());
        ++skipped_claims_;
        if (skipped_ids_.size() < kLoggedSkippedClaims) skipped_ids_.push_back(claim.claim_id);
        continue;
      }
      // Split at 50 lines or 12 distinct diagnosis codes.
      adapters::Claim837 part;
      absl::flat_hash_set<std::string> diagnoses;
      for (size_t i = 0; i < claim.lines.size(); ++i) {
        const hub::v1::ServiceRecord& line = claim.lines[i];
        size_t added = 0;
        for (const std::string& dx : line.diagnosis_codes()) {
          if (!diagnoses.contains(DiagnosisKey(dx))) ++added;
        }
        if (!part.lines.empty() && (part.lines.size() >= kMaxLinesPerClaim ||
                                    diagnoses.size() + added > kMaxDiagnosesPerClaim)) {
          claims.push_back(std::move(part));
          part = adapters::Claim837();
          diagnoses.clear();
        }
        if (part.lines.empty()) {
          part.claim_id = i == 0 ? claim.claim_id : *ids[i];
          part.member = claim.member;
        }
        for (const std::string& dx : line.diagnosis_codes()) diagnoses.insert(DiagnosisKey(dx));
        part.lines.push_back(line);
      }
      lines += static_cast<int64_t>(claim.lines.size());
      claims.push_back(std::move(part));
    }
    pending_.clear();
    if (claims.empty()) return absl::OkStatus();
    absl::Status added = writer_->AddBillingProvider(billing, payer_, claims, out_);
    if (!added.ok()) return Unwritable837(added, provider->provider_id());
    result_.record_count += lines;
    return Flush(/*all=*/false);
  }

  const FileExporter& x_;
  const ExportJob& job_;
  const Sink& sink_;
  const std::atomic<bool>* const cancelled_;
  ExportResult result_;
  adapters::RenderOptions render_;
  std::string out_;
  absl::flat_hash_map<std::string, hub::v1::Provider> providers_;
  std::unique_ptr<adapters::PlanFileRenderer> renderer_;
  // 837P state.
  std::unique_ptr<adapters::X12_837PWriter> writer_;
  adapters::Payer837 payer_;
  std::vector<adapters::BilledService> pending_;
  std::string pending_provider_;
  std::string pending_npi_;
  hub::v1::Member member_;
  int64_t skipped_lines_ = 0;
  size_t skipped_claims_ = 0;
  std::vector<std::string> skipped_ids_;
  // The first Part 2 records left out, for the log.
  std::vector<std::string> withheld_ids_;
};

absl::StatusOr<ExportResult> FileExporter::Render(const ExportJob& job, const Sink& sink,
                                                  const std::atomic<bool>* cancelled) const {
  Run run(*this, job, sink, cancelled);
  return run.Go();
}

}  // namespace hub
