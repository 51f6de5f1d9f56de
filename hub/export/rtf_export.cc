// The monthly Return Transmission File (FILE_KIND_RETURN_TRANSMISSION): one
// row per ECM assignment of the plan in effect during the month (member and
// provider), with that provider's latest enrollment and referral status
// where it sent one, and one row per member with a status but no such
// assignment (the rules are in file_export.h). The plan's assignment index
// and the feed's latest statuses are both in CIN order: one merge pass,
// memory bounded by one member.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
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

bool InPeriod(const std::string& day, const ExportJob& job) {
  return !day.empty() && day >= job.first_day && day <= job.last_day;
}

// A member's latest statuses in the plan's feed.
struct MemberStatus {
  std::string cin;
  std::optional<hub::v1::FeedItem> enrollment;
  std::optional<hub::v1::FeedItem> referral;
};

// What one RTF row is made of: the assignment it reports on (null for a
// status-only row) and the statuses of that assignment's provider.
struct RowSources {
  const std::string* cin = nullptr;
  const hub::v1::Assignment* assignment = nullptr;
  const hub::v1::FeedItem* enrollment = nullptr;
  const hub::v1::FeedItem* referral = nullptr;
  // The plan's assignments of the member overlapping the period.
  const std::vector<hub::v1::Assignment>* in_period = nullptr;
};

// The RTF's rules over an ExportRun.
class ReturnTransmissionRenderer {
 public:
  explicit ReturnTransmissionRenderer(ExportRun& run)
      : run_(run), job_(run.job()), care_(*run.stores().care) {}

  absl::Status ReturnTransmission() {
    RETURN_IF_ERROR(run_.OpenRenderer());
    ASSIGN_OR_RETURN(
        scan_, run_.stores().feed->ScanLatestMemberStatus(job_.plan.plan_id(), job_.last_day));
    std::string cin;
    RETURN_IF_ERROR(care_.ScanPlanAssignments(
        job_.plan.plan_id(), [&](const storage::PlanAssignmentMark& mark) -> absl::Status {
          if (mark.cin == cin) return absl::OkStatus();
          cin = mark.cin;
          return AssignedMember(cin);
        }));
    RETURN_IF_ERROR(StatusOnlyBefore(nullptr));
    return run_.FinishRenderer();
  }

 private:
  // The rows of a member the plan's assignment index names: one per
  // provider with an assignment in the period, then the statuses no such
  // row took (status-only rows). Members with statuses and a lower CIN
  // come first.
  absl::Status AssignedMember(const std::string& cin) {
    RETURN_IF_ERROR(StatusOnlyBefore(&cin));
    MemberStatus status;
    ASSIGN_OR_RETURN(const bool has_status, StatusOf(cin, status));
    ASSIGN_OR_RETURN(const std::vector<hub::v1::Assignment> in_period, AssignedInPeriod(cin));
    const hub::v1::FeedItem* e = status.enrollment ? &*status.enrollment : nullptr;
    const hub::v1::FeedItem* r = status.referral ? &*status.referral : nullptr;
    bool e_used = false;
    bool r_used = false;
    for (size_t i = 0; i < in_period.size(); ++i) {
      const hub::v1::Assignment& a = in_period[i];
      if (!LatestOfProvider(in_period, i)) continue;
      RowSources row{&cin, &a, nullptr, nullptr, &in_period};
      if (e != nullptr && e->provider_id() == a.provider_id()) row.enrollment = e;
      if (r != nullptr && r->provider_id() == a.provider_id()) row.referral = r;
      e_used = e_used || row.enrollment != nullptr;
      r_used = r_used || row.referral != nullptr;
      RETURN_IF_ERROR(Row(row));
    }
    if (!has_status) return absl::OkStatus();
    if (!e_used && e != nullptr) return StatusRow(cin, e, r_used ? nullptr : r, in_period);
    if (!r_used && r != nullptr) return StatusRow(cin, nullptr, r, in_period);
    return absl::OkStatus();
  }

  // True if in_period[i] is the latest-starting assignment of its provider
  // (a member re-assigned to one provider within the month gets one row).
  static bool LatestOfProvider(const std::vector<hub::v1::Assignment>& in_period, size_t i) {
    for (size_t j = 0; j < in_period.size(); ++j) {
      if (j == i || in_period[j].provider_id() != in_period[i].provider_id()) continue;
      if (in_period[j].benefit_start_date() > in_period[i].benefit_start_date() ||
          (in_period[j].benefit_start_date() == in_period[i].benefit_start_date() && j > i)) {
        return false;
      }
    }
    return true;
  }

  // The plan's ECM assignments of `cin` overlapping the period.
  absl::StatusOr<std::vector<hub::v1::Assignment>> AssignedInPeriod(const std::string& cin) const {
    ASSIGN_OR_RETURN(std::vector<hub::v1::Assignment> all, care_.Assignments(cin));
    std::vector<hub::v1::Assignment> out;
    for (hub::v1::Assignment& a : all) {
      if (a.plan_id() != job_.plan.plan_id() || a.benefit_start_date() > job_.last_day ||
          (!a.benefit_end_date().empty() && a.benefit_end_date() < job_.first_day)) {
        continue;
      }
      out.push_back(std::move(a));
    }
    return out;
  }

  // A member with statuses and no row of an assignment in the period: the
  // rules of a status-only row (file_export.h).
  absl::Status StatusRow(const std::string& cin, const hub::v1::FeedItem* enrollment,
                         const hub::v1::FeedItem* referral,
                         const std::vector<hub::v1::Assignment>& in_period) {
    const hub::v1::EnrollmentStatusUpdate* e =
        enrollment != nullptr ? &enrollment->submission().enrollment_status() : nullptr;
    const hub::v1::ReferralStatusUpdate* r =
        referral != nullptr ? &referral->submission().referral_status() : nullptr;
    const bool current = (e != nullptr && EnrollmentCurrent(*e, job_.first_day)) ||
                         (r != nullptr && ReferralCurrent(*r, job_.first_day));
    if (!current) return absl::OkStatus();
    const bool dated_in_period = (e != nullptr && e->as_of_date() >= job_.first_day) ||
                                 (r != nullptr && r->status_date() >= job_.first_day);
    if (!dated_in_period) {
      ASSIGN_OR_RETURN(const bool covered, run_.CoveredInPeriod(cin));
      if (!covered) return absl::OkStatus();
    }
    return Row(RowSources{&cin, nullptr, enrollment, referral, &in_period});
  }

  // One row from its sources.
  absl::Status Row(const RowSources& src) {
    const hub::v1::FeedItem* reporter = src.enrollment != nullptr ? src.enrollment : src.referral;
    hub::v1::FeedItem provider_ref;
    if (reporter == nullptr) provider_ref.set_provider_id(src.assignment->provider_id());
    const hub::v1::FeedItem& by = reporter != nullptr ? *reporter : provider_ref;

    hub::v1::ReturnTransmissionRow row;
    run_.SetPlan(row.mutable_plan());
    RETURN_IF_ERROR(SetMember(*src.cin, row));
    if (src.enrollment != nullptr) {
      SetEnrollment(src.enrollment->submission().enrollment_status(), row);
    }
    if (src.assignment != nullptr) {
      FillFromAssignment(*src.assignment, row.mutable_enrollment());
    }
    RETURN_IF_ERROR(FillFromStoredCarePlan(*src.cin, by.provider_id(), row));
    if (src.referral != nullptr) {
      const hub::v1::ReferralStatusUpdate& r = src.referral->submission().referral_status();
      row.set_authorization_number(r.authorization_number());
      row.set_referral_status(r.status());
      row.set_referral_status_date(r.status_date());
      row.set_closure_reason(r.closure_reason());
      row.set_closure_reason_text(r.closure_reason_text());
    }
    for (const hub::v1::Assignment& a : *src.in_period) {
      for (int pof : a.populations_of_focus()) {
        const auto& have = row.populations_of_focus();
        if (std::find(have.begin(), have.end(), pof) == have.end()) {
          row.add_populations_of_focus(static_cast<hub::v1::PopulationOfFocus>(pof));
        }
      }
    }
    row.set_pof_indicator(row.populations_of_focus_size() > 0);
    HomelessnessFromPopulations(&row);
    ASSIGN_OR_RETURN(const hub::v1::Provider* provider, run_.ProviderOf(by));
    ExportRun::SetProvider(*provider, row.mutable_provider());
    row.set_production_date(run_.render().file_date);
    row.set_reporting_period(job_.period);
    const std::string record_id =
        reporter != nullptr ? reporter->record_id()
                            : absl::StrCat("assignment of provider ", src.assignment->provider_id(),
                                           " from ", src.assignment->benefit_start_date());
    return run_.AddRow(row, record_id);
  }

  // The member's demographics as the hub holds them, with the new-address
  // and new-phone indicators a plan file's change in the month implies.
  absl::Status SetMember(const std::string& cin, hub::v1::ReturnTransmissionRow& row) const {
    ASSIGN_OR_RETURN(const hub::v1::Member stored, run_.MemberOf(cin));
    hub::v1::Member& m = *row.mutable_member();
    ExportRun::SetMemberName(stored, &m);
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
    row.set_new_address(InPeriod(stored.address_changed_date(), job_));
    row.set_new_phone(InPeriod(stored.phone_changed_date(), job_));
    return absl::OkStatus();
  }

  // The provider's latest enrollment status: its new address or phone
  // replaces the plan's and sets the indicator when reported in the month.
  void SetEnrollment(const hub::v1::EnrollmentStatusUpdate& e,
                     hub::v1::ReturnTransmissionRow& row) const {
    hub::v1::Member& m = *row.mutable_member();
    hub::v1::EnrollmentStatusUpdate& out = *row.mutable_enrollment();
    out = e;
    const bool in_period = e.as_of_date() >= job_.first_day;
    if (e.has_new_address()) {
      *m.mutable_address() = e.new_address();
      row.set_new_address(row.new_address() || in_period);
    }
    if (!e.new_phone().empty()) {
      m.set_phone(e.new_phone());
      row.set_new_phone(row.new_phone() || in_period);
    }
    if (e.has_experiencing_homelessness()) {
      m.set_experiencing_homelessness(e.experiencing_homelessness());
    }
    if (!in_period) {
      // The counts are of the month the status was reported for.
      out.set_in_person_encounters(0);
      out.set_telephonic_encounters(0);
    }
  }

  // The care plan's dates and lead care manager where the row left them
  // empty (rtf_fill.h), from a care plan the plan may receive (Part 2).
  absl::Status FillFromStoredCarePlan(const std::string& cin, const std::string& provider_id,
                                      hub::v1::ReturnTransmissionRow& row) {
    absl::StatusOr<hub::v1::FeedItem> care_plan = run_.stores().care_plans->Get(cin);
    if (absl::IsNotFound(care_plan.status())) return absl::OkStatus();
    RETURN_IF_ERROR(care_plan.status());
    ASSIGN_OR_RETURN(const bool disclosed, run_.MayDisclose(*care_plan));
    if (!disclosed) return absl::OkStatus();
    FillFromCarePlan(*care_plan, provider_id, job_.last_day, row.mutable_enrollment());
    return absl::OkStatus();
  }

  // --- the feed's latest statuses, one member ahead -------------------------

  // Fills next_ with the scan's next disclosed item unless it holds one;
  // false at the end.
  absl::StatusOr<bool> Peek() {
    if (!have_next_ && !scan_done_) {
      ASSIGN_OR_RETURN(const bool more, run_.NextDisclosed(*scan_, next_));
      have_next_ = more;
      scan_done_ = !more;
    }
    return have_next_;
  }

  // The next member's statuses; false at the end.
  absl::StatusOr<bool> NextStatus(MemberStatus& out) {
    ASSIGN_OR_RETURN(bool more, Peek());
    if (!more) return false;
    out = MemberStatus();
    out.cin = CinOf(next_.submission());
    while (true) {
      ASSIGN_OR_RETURN(more, Peek());
      if (!more || CinOf(next_.submission()) != out.cin) return true;
      if (next_.submission().has_enrollment_status()) {
        out.enrollment = std::move(next_);
      } else {
        out.referral = std::move(next_);
      }
      have_next_ = false;
    }
  }

  // The statuses of `cin` if they are next; false if it has none.
  absl::StatusOr<bool> StatusOf(const std::string& cin, MemberStatus& out) {
    ASSIGN_OR_RETURN(const bool more, Peek());
    if (!more || CinOf(next_.submission()) != cin) return false;
    return NextStatus(out);
  }

  // Status-only rows of the members before `cin` (null: all the rest).
  absl::Status StatusOnlyBefore(const std::string* cin) {
    while (true) {
      ASSIGN_OR_RETURN(bool more, Peek());
      if (!more || (cin != nullptr && CinOf(next_.submission()) >= *cin)) return absl::OkStatus();
      MemberStatus status;
      ASSIGN_OR_RETURN(more, NextStatus(status));
      ASSIGN_OR_RETURN(const std::vector<hub::v1::Assignment> in_period,
                       AssignedInPeriod(status.cin));
      RETURN_IF_ERROR(StatusRow(status.cin, status.enrollment ? &*status.enrollment : nullptr,
                                status.referral ? &*status.referral : nullptr, in_period));
    }
  }

  ExportRun& run_;
  const ExportJob& job_;
  const storage::CareStore& care_;
  std::unique_ptr<storage::FeedScan> scan_;
  hub::v1::FeedItem next_;
  bool have_next_ = false;
  bool scan_done_ = false;
};

}  // namespace

absl::Status RenderReturnTransmission(ExportRun& run) {
  return ReturnTransmissionRenderer(run).ReturnTransmission();
}

}  // namespace hub
