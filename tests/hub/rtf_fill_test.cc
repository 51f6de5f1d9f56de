// The RTF fields the hub fills from its care plans and populations of focus
// (hub/export/rtf_fill.h).
#include "hub/export/rtf_fill.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hub {
namespace {

hub::v1::FeedItem CarePlanBy(const std::string& provider_id) {
  hub::v1::FeedItem item;
  item.set_provider_id(provider_id);
  hub::v1::CarePlan& plan = *item.mutable_submission()->mutable_care_plan();
  plan.set_cin("12345678A");
  plan.set_effective_date("2026-11-05");
  plan.set_assessment_date("2026-11-02");
  hub::v1::CareTeamMember& pcp = *plan.add_care_team();
  pcp.set_name("Dr Primary");
  pcp.set_role("primary care provider");
  hub::v1::CareTeamMember& lcm = *plan.add_care_team();
  lcm.set_name("Lee Care");
  lcm.set_role("Lead Care Manager");
  lcm.set_phone("6195550111");
  return item;
}

TEST(RtfFillTest, EmptyCarePlanColumnsComeFromTheProvidersCarePlan) {
  hub::v1::EnrollmentStatusUpdate e;
  EXPECT_TRUE(FillFromCarePlan(CarePlanBy("ecm_a"), "ecm_a", "2026-11-30", &e));
  EXPECT_EQ(e.care_plan_revision_date(), "2026-11-05");
  EXPECT_EQ(e.assessment_completed_date(), "2026-11-02");
  EXPECT_EQ(e.lead_care_manager().name(), "Lee Care");
  EXPECT_EQ(e.lead_care_manager().phone(), "6195550111");
  // No source in a care plan: left empty, never invented.
  EXPECT_EQ(e.care_conference_date(), "");
  EXPECT_EQ(e.assessment_start_date(), "");
}

TEST(RtfFillTest, WhatTheProviderReportedIsNeverOverwritten) {
  hub::v1::EnrollmentStatusUpdate e;
  e.set_care_plan_revision_date("2026-11-20");
  e.set_assessment_completed_date("2026-11-19");
  e.mutable_lead_care_manager()->set_name("Reported Name");
  EXPECT_FALSE(FillFromCarePlan(CarePlanBy("ecm_a"), "ecm_a", "2026-11-30", &e));
  EXPECT_EQ(e.care_plan_revision_date(), "2026-11-20");
  EXPECT_EQ(e.assessment_completed_date(), "2026-11-19");
  EXPECT_EQ(e.lead_care_manager().name(), "Reported Name");
}

TEST(RtfFillTest, AnotherProvidersOrALaterCarePlanFillsNothing) {
  hub::v1::EnrollmentStatusUpdate e;
  EXPECT_FALSE(FillFromCarePlan(CarePlanBy("ecm_b"), "ecm_a", "2026-11-30", &e));
  EXPECT_FALSE(FillFromCarePlan(CarePlanBy("ecm_a"), "ecm_a", "2026-10-31", &e));
  EXPECT_FALSE(FillFromCarePlan(hub::v1::FeedItem(), "", "2026-11-30", &e));
  EXPECT_EQ(e.ByteSizeLong(), 0u);
}

TEST(RtfFillTest, AHomelessnessPopulationSetsTheIndicatorOnlyWhenNoneWasReported) {
  hub::v1::ReturnTransmissionRow row;
  row.add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_CHILD_FAMILY_HOMELESSNESS);
  EXPECT_TRUE(HomelessnessFromPopulations(&row));
  EXPECT_TRUE(row.member().experiencing_homelessness());

  hub::v1::ReturnTransmissionRow reported_no;
  reported_no.add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_ADULT_INDIVIDUAL_HOMELESSNESS);
  reported_no.mutable_member()->set_experiencing_homelessness(false);
  EXPECT_FALSE(HomelessnessFromPopulations(&reported_no));
  EXPECT_FALSE(reported_no.member().experiencing_homelessness());

  hub::v1::ReturnTransmissionRow other;
  other.add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_ADULT_AVOIDABLE_UTILIZATION);
  EXPECT_FALSE(HomelessnessFromPopulations(&other));
  EXPECT_FALSE(other.member().has_experiencing_homelessness());
}

TEST(RtfFillTest, AnAssignmentFillsOnlyWhatTheProviderLeftEmpty) {
  hub::v1::Assignment a;
  a.set_status(hub::v1::ENROLLMENT_STATUS_DISCONTINUED);
  a.set_acuity(hub::v1::ACUITY_LOW);
  a.set_benefit_start_date("2026-02-01");
  a.set_benefit_end_date("2026-11-10");
  a.mutable_lead_care_manager()->set_name("Plan Named Manager");
  a.mutable_discontinuation()->set_dhcs_code(15);

  // Nothing reported: the assignment says it all.
  hub::v1::EnrollmentStatusUpdate none;
  EXPECT_TRUE(FillFromAssignment(a, &none));
  EXPECT_EQ(none.status(), hub::v1::ENROLLMENT_STATUS_DISCONTINUED);
  EXPECT_EQ(none.acuity(), hub::v1::ACUITY_LOW);
  EXPECT_EQ(none.enrollment_start_date(), "2026-02-01");
  EXPECT_EQ(none.enrollment_end_date(), "2026-11-10");
  EXPECT_EQ(none.lead_care_manager().name(), "Plan Named Manager");
  EXPECT_EQ(none.discontinuation().dhcs_code(), 15);

  // An unset assignment status reads ASSIGNED.
  hub::v1::EnrollmentStatusUpdate fresh;
  EXPECT_TRUE(FillFromAssignment(hub::v1::Assignment(), &fresh));
  EXPECT_EQ(fresh.status(), hub::v1::ENROLLMENT_STATUS_ASSIGNED);

  // The provider's own values stay, and its open enrollment is not closed
  // by the benefit's end.
  hub::v1::EnrollmentStatusUpdate reported;
  reported.set_status(hub::v1::ENROLLMENT_STATUS_ENROLLED);
  reported.set_acuity(hub::v1::ACUITY_HIGH);
  reported.set_enrollment_start_date("2026-03-01");
  reported.mutable_lead_care_manager()->set_name("Lee Care");
  a.clear_discontinuation();
  EXPECT_FALSE(FillFromAssignment(a, &reported));
  EXPECT_EQ(reported.status(), hub::v1::ENROLLMENT_STATUS_ENROLLED);
  EXPECT_EQ(reported.acuity(), hub::v1::ACUITY_HIGH);
  EXPECT_EQ(reported.enrollment_start_date(), "2026-03-01");
  EXPECT_EQ(reported.enrollment_end_date(), "");
  EXPECT_EQ(reported.lead_care_manager().name(), "Lee Care");
}

}  // namespace
}  // namespace hub
