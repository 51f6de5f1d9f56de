#include "hub/export/rtf_fill.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace hub {

namespace {

bool IsLeadCareManager(const hub::v1::CareTeamMember& m) {
  std::string role = absl::AsciiStrToLower(m.role());
  for (char& c : role) {
    if (c == '_' || c == '-') c = ' ';
  }
  return absl::StrContains(role, "lead care manager") || role == "lcm";
}

}  // namespace

bool FillFromCarePlan(const hub::v1::FeedItem& care_plan_item, std::string_view provider_id,
                      std::string_view last_day, hub::v1::EnrollmentStatusUpdate* enrollment) {
  if (!care_plan_item.submission().has_care_plan()) return false;
  if (care_plan_item.provider_id() != provider_id) return false;
  const hub::v1::CarePlan& plan = care_plan_item.submission().care_plan();
  if (plan.effective_date().empty() || plan.effective_date() > last_day) return false;
  bool filled = false;
  if (enrollment->care_plan_revision_date().empty()) {
    enrollment->set_care_plan_revision_date(plan.effective_date());
    filled = true;
  }
  if (enrollment->assessment_completed_date().empty() && !plan.assessment_date().empty() &&
      plan.assessment_date() <= last_day) {
    enrollment->set_assessment_completed_date(plan.assessment_date());
    filled = true;
  }
  if (enrollment->lead_care_manager().name().empty()) {
    for (const hub::v1::CareTeamMember& m : plan.care_team()) {
      if (!IsLeadCareManager(m) || m.name().empty()) continue;
      hub::v1::LeadCareManager& lcm = *enrollment->mutable_lead_care_manager();
      lcm.set_name(m.name());
      if (lcm.phone().empty()) lcm.set_phone(m.phone());
      filled = true;
      break;
    }
  }
  return filled;
}

bool FillFromAssignment(const hub::v1::Assignment& assignment,
                        hub::v1::EnrollmentStatusUpdate* enrollment) {
  bool filled = false;
  if (enrollment->status() == hub::v1::ENROLLMENT_STATUS_UNSPECIFIED) {
    enrollment->set_status(assignment.status() == hub::v1::ENROLLMENT_STATUS_UNSPECIFIED
                               ? hub::v1::ENROLLMENT_STATUS_ASSIGNED
                               : assignment.status());
    filled = true;
  }
  if (enrollment->acuity() == hub::v1::ACUITY_UNSPECIFIED &&
      assignment.acuity() != hub::v1::ACUITY_UNSPECIFIED) {
    enrollment->set_acuity(assignment.acuity());
    filled = true;
  }
  if (enrollment->enrollment_start_date().empty() && !assignment.benefit_start_date().empty()) {
    enrollment->set_enrollment_start_date(assignment.benefit_start_date());
    if (enrollment->enrollment_end_date().empty()) {
      enrollment->set_enrollment_end_date(assignment.benefit_end_date());
    }
    filled = true;
  }
  if (enrollment->lead_care_manager().name().empty() &&
      !assignment.lead_care_manager().name().empty()) {
    *enrollment->mutable_lead_care_manager() = assignment.lead_care_manager();
    filled = true;
  }
  if (!enrollment->has_discontinuation() && assignment.has_discontinuation()) {
    *enrollment->mutable_discontinuation() = assignment.discontinuation();
    filled = true;
  }
  return filled;
}

bool HomelessnessFromPopulations(hub::v1::ReturnTransmissionRow* row) {
  if (row->member().has_experiencing_homelessness()) return false;
  for (int pof : row->populations_of_focus()) {
    switch (pof) {
      case hub::v1::POPULATION_OF_FOCUS_ADULT_INDIVIDUAL_HOMELESSNESS:
      case hub::v1::POPULATION_OF_FOCUS_ADULT_FAMILY_HOMELESSNESS:
      case hub::v1::POPULATION_OF_FOCUS_CHILD_INDIVIDUAL_HOMELESSNESS:
      case hub::v1::POPULATION_OF_FOCUS_CHILD_FAMILY_HOMELESSNESS:
        row->mutable_member()->set_experiencing_homelessness(true);
        return true;
      default:
        break;
    }
  }
  return false;
}

}  // namespace hub
