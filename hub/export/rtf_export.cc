// The monthly Return Transmission File (FILE_KIND_RETURN_TRANSMISSION): one
// row per member of the plan with an enrollment or closed-loop referral status
// (the rules are in file_export.h). Moved here unchanged from file_export.cc:
// the row's columns and fill rules are the RTF's own.
#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/status_macros.h"
#include "hub/export/export_renderers.h"
#include "hub/export/export_run.h"
#include "hub/export/rtf_fill.h"
#include "hub/v1/plan_file.pb.h"

namespace hub {
namespace {

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

// The RTF's rules over an ExportRun; its helpers forward to the run.
class ReturnTransmissionRenderer {
 public:
  explicit ReturnTransmissionRenderer(ExportRun& run)
      : run_(run),
        job_(run.job()),
        render_(run.render()),
        feed_(run.stores().feed),
        care_(*run.stores().care) {}

  absl::Status ReturnTransmission() {
    RETURN_IF_ERROR(OpenRenderer());
    ASSIGN_OR_RETURN(std::unique_ptr<storage::FeedScan> scan,
                     feed_->ScanLatestMemberStatus(job_.plan.plan_id(), job_.last_day));
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
    if (e != nullptr) RETURN_IF_ERROR(FillFromStoredCarePlan(cin, reporter, row));
    if (r != nullptr) {
      row.set_authorization_number(r->authorization_number());
      row.set_referral_status(r->status());
      row.set_referral_status_date(r->status_date());
      row.set_closure_reason(r->closure_reason());
      row.set_closure_reason_text(r->closure_reason_text());
    }
    // Populations of focus: the plan's assignments of the member that
    // overlap the period.
    ASSIGN_OR_RETURN(const std::vector<hub::v1::Assignment> assignments, care_.Assignments(cin));
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
    HomelessnessFromPopulations(&row);
    ASSIGN_OR_RETURN(const hub::v1::Provider* provider, ProviderOf(reporter));
    SetProvider(*provider, row.mutable_provider());
    row.set_production_date(render_.file_date);
    row.set_reporting_period(job_.period);
    return AddRow(row, reporter.record_id());
  }

 private:
  // The care plan's dates and lead care manager where the provider's status
  // left them empty (rtf_fill.h).
  absl::Status FillFromStoredCarePlan(const std::string& cin, const hub::v1::FeedItem& reporter,
                                      hub::v1::ReturnTransmissionRow& row) const {
    absl::StatusOr<hub::v1::FeedItem> care_plan = run_.stores().care_plans->Get(cin);
    if (absl::IsNotFound(care_plan.status())) return absl::OkStatus();
    RETURN_IF_ERROR(care_plan.status());
    FillFromCarePlan(*care_plan, reporter.provider_id(), job_.last_day, row.mutable_enrollment());
    return absl::OkStatus();
  }

  absl::StatusOr<bool> NextDisclosed(storage::FeedScan& scan, hub::v1::FeedItem& item) {
    return run_.NextDisclosed(scan, item);
  }
  absl::StatusOr<bool> CoveredInPeriod(const std::string& cin) const {
    return run_.CoveredInPeriod(cin);
  }
  absl::StatusOr<hub::v1::Member> MemberOf(const std::string& cin) const {
    return run_.MemberOf(cin);
  }
  absl::StatusOr<const hub::v1::Provider*> ProviderOf(const hub::v1::FeedItem& item) {
    return run_.ProviderOf(item);
  }
  void SetPlan(hub::v1::Plan* plan) const { run_.SetPlan(plan); }
  static void SetProvider(const hub::v1::Provider& from, hub::v1::Provider* to) {
    ExportRun::SetProvider(from, to);
  }
  static void SetMemberName(const hub::v1::Member& from, hub::v1::Member* to) {
    ExportRun::SetMemberName(from, to);
  }
  absl::Status OpenRenderer() { return run_.OpenRenderer(); }
  absl::Status FinishRenderer() { return run_.FinishRenderer(); }
  absl::Status AddRow(const google::protobuf::Message& row, const std::string& record_id) {
    return run_.AddRow(row, record_id);
  }

  ExportRun& run_;
  const ExportJob& job_;
  const adapters::RenderOptions& render_;
  storage::FeedStore* const feed_;
  const storage::CareStore& care_;
};

}  // namespace

absl::Status RenderReturnTransmission(ExportRun& run) {
  return ReturnTransmissionRenderer(run).ReturnTransmission();
}

}  // namespace hub
