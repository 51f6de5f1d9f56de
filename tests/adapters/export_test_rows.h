// Deterministic export rows shared by the export layout tests and the golden
// file tests: the same inputs render every plan's RTF, OTF and invoice file.
// Changing a value here changes the golden files (regenerate them with
// HUB_UPDATE_GOLDEN=1, see golden_export_test.cc, and review the diff).
#ifndef HUB_TESTS_ADAPTERS_EXPORT_TEST_ROWS_H_
#define HUB_TESTS_ADAPTERS_EXPORT_TEST_ROWS_H_

#include <map>
#include <string>
#include <vector>

#include "hub/v1/codes.pb.h"
#include "hub/v1/organization.pb.h"
#include "hub/v1/plan_file.pb.h"

namespace hub::adapters::testing {

inline const std::vector<std::string>& ExportPlans() {
  static const auto* plans = new std::vector<std::string>{
      "aetna", "blue_shield_promise", "community_health_group", "health_net", "kaiser", "molina",
      "united"};
  return *plans;
}

inline hub::v1::Plan ExportPlan(const std::string& plan_id) {
  static const auto* names = new std::map<std::string, std::pair<std::string, std::string>>{
      {"aetna", {"Aetna Better Health of California", "AETNACA"}},
      {"blue_shield_promise", {"Blue Shield of California Promise Health Plan", "BSCPHP"}},
      {"community_health_group", {"Community Health Group Partnership Plan", "CHGSD"}},
      {"health_net", {"Health Net Community Solutions", "HNCS"}},
      {"kaiser", {"Kaiser Permanente", "KPSD"}},
      {"molina", {"Molina Healthcare of California", "MOLINACA"}},
      {"united", {"UnitedHealthcare Community Plan", "UHCCP"}},
  };
  hub::v1::Plan plan;
  plan.set_plan_id(plan_id);
  auto it = names->find(plan_id);
  if (it != names->end()) {
    plan.set_name(it->second.first);
    plan.set_dhcs_plan_code(it->second.second);
  }
  return plan;
}

inline hub::v1::Provider ExportProvider() {
  hub::v1::Provider p;
  p.set_provider_id("harbor_community_services");
  p.set_name("Harbor Community Services");
  p.set_npi("1234567893");
  p.set_tin("953456789");
  p.set_phone("6195550100");
  p.set_provider_type(hub::v1::PROVIDER_TYPE_CBO);
  return p;
}

// Three RTF rows: an enrolled member with an open referral, a discontinued
// member whose referral loop closed (a name that needs quoting), and a
// Community Supports referral the member declined (no ECM fields).
inline std::vector<hub::v1::ReturnTransmissionRow> ExportRtfRows(const std::string& plan_id) {
  std::vector<hub::v1::ReturnTransmissionRow> rows(3);
  for (auto& r : rows) {
    *r.mutable_plan() = ExportPlan(plan_id);
    *r.mutable_provider() = ExportProvider();
    r.set_production_date("2026-12-03");
    r.set_reporting_period("2026-11");
  }
  {
    auto& r = rows[0];
    auto* m = r.mutable_member();
    m->set_cin("99898657G");
    m->mutable_name()->set_first("Maria");
    m->mutable_name()->set_last("Rivera-Lopez");
    m->mutable_address()->set_line1("1234 Market St");
    m->mutable_address()->set_line2("Apt 5");
    m->mutable_address()->set_city("San Diego");
    m->mutable_address()->set_state("CA");
    m->mutable_address()->set_zip("92101");
    m->set_phone("6195550134");
    m->set_preferred_spoken_language("es");
    m->set_preferred_written_language("en");
    m->set_experiencing_homelessness(true);
    r.set_new_address(true);
    r.add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_ADULT_INDIVIDUAL_HOMELESSNESS);
    r.add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_ADULT_SMI_SUD);
    auto* e = r.mutable_enrollment();
    e->set_status(hub::v1::ENROLLMENT_STATUS_ENROLLED);
    e->set_acuity(hub::v1::ACUITY_HIGH);
    e->set_enrollment_start_date("2026-02-01");
    e->mutable_lead_care_manager()->set_name("Dana Whitfield");
    e->mutable_lead_care_manager()->set_phone("6195550177");
    e->mutable_lead_care_manager()->set_email("dana.whitfield@harbor.example.org");
    e->set_care_plan_revision_date("2026-10-15");
    e->set_care_conference_date("2026-10-20");
    e->set_assessment_start_date("2026-02-03");
    e->set_assessment_completed_date("2026-02-20");
    e->set_last_encounter_date("2026-11-18");
    e->set_in_person_encounters(3);
    e->set_telephonic_encounters(2);
    r.set_authorization_number("AUTH-2026-000123");
    r.set_referral_status(hub::v1::REFERRAL_STATUS_ACCEPTED);
    r.set_referral_status_date("2026-11-02");
    r.set_medical_record_number("11223344");
  }
  {
    auto& r = rows[1];
    auto* m = r.mutable_member();
    m->set_cin("12345678A");
    m->mutable_name()->set_first("Sean");
    m->mutable_name()->set_last("O'Brien, \"Jr\"");
    m->mutable_address()->set_line1("800 Harbor Dr");
    m->mutable_address()->set_city("Chula Vista");
    m->mutable_address()->set_state("CA");
    m->mutable_address()->set_zip("91910");
    m->set_phone("6195550199");
    m->set_experiencing_homelessness(false);
    r.set_new_phone(true);
    r.add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_ADULT_AVOIDABLE_UTILIZATION);
    auto* e = r.mutable_enrollment();
    e->set_status(hub::v1::ENROLLMENT_STATUS_DISCONTINUED);
    e->set_acuity(hub::v1::ACUITY_MEDIUM);
    e->set_enrollment_start_date("2026-03-01");
    e->set_enrollment_end_date("2026-11-30");
    e->set_last_encounter_date("2026-11-10");
    e->set_in_person_encounters(1);
    e->set_telephonic_encounters(0);
    e->mutable_discontinuation()->set_date("2026-11-30");
    e->mutable_discontinuation()->set_dhcs_code(3);
    e->mutable_discontinuation()->set_reason("Member asked to stop ECM");
    r.set_authorization_number("AUTH-2026-000124");
    r.set_referral_status(hub::v1::REFERRAL_STATUS_CLOSED);
    r.set_referral_status_date("2026-11-28");
    r.set_closure_reason(hub::v1::LOOP_CLOSURE_REASON_OTHER);
    r.set_closure_reason_text("Moved out of county; referred to a local CBO");
    r.set_medical_record_number("55667788");
  }
  {
    auto& r = rows[2];
    auto* m = r.mutable_member();
    m->set_cin("87654321B");
    m->mutable_name()->set_first("Lupe");
    m->mutable_name()->set_last("Nguyen");
    r.set_authorization_number("AUTH-2026-000200");
    r.set_referral_status(hub::v1::REFERRAL_STATUS_DECLINED);
    r.set_referral_status_date("2026-11-05");
    r.set_closure_reason(hub::v1::LOOP_CLOSURE_REASON_MEMBER_DECLINED);
  }
  return rows;
}

inline std::vector<hub::v1::OutreachTrackerRow> ExportOtfRows(const std::string& plan_id) {
  std::vector<hub::v1::OutreachTrackerRow> rows(2);
  for (auto& r : rows) {
    *r.mutable_plan() = ExportPlan(plan_id);
    *r.mutable_provider() = ExportProvider();
  }
  rows[0].mutable_member()->set_cin("99898657G");
  rows[0].mutable_member()->mutable_name()->set_first("Maria");
  rows[0].mutable_member()->mutable_name()->set_last("Rivera-Lopez");
  rows[0].mutable_attempt()->set_attempt_date("2026-11-03");
  rows[0].mutable_attempt()->set_method(hub::v1::OUTREACH_METHOD_TELEPHONE);
  rows[0].mutable_attempt()->set_successful(false);
  rows[0].mutable_attempt()->set_minutes(15);
  rows[1].mutable_member()->set_cin("87654321B");
  rows[1].mutable_member()->mutable_name()->set_first("Lupe");
  rows[1].mutable_member()->mutable_name()->set_last("Nguyen");
  rows[1].mutable_attempt()->set_attempt_date("2026-11-04");
  rows[1].mutable_attempt()->set_method(hub::v1::OUTREACH_METHOD_IN_PERSON);
  rows[1].mutable_attempt()->set_successful(true);
  rows[1].mutable_attempt()->set_minutes(45);
  rows[1].mutable_attempt()->set_authorization_number("AUTH-2026-000200");
  return rows;
}

inline std::vector<hub::v1::InvoiceFileRow> ExportInvoiceRows(const std::string& plan_id) {
  std::vector<hub::v1::InvoiceFileRow> rows(2);
  for (auto& r : rows) {
    *r.mutable_plan() = ExportPlan(plan_id);
    *r.mutable_provider() = ExportProvider();
    // What a plan needs to make an encounter (billing provider's address).
    auto* a = r.mutable_provider()->mutable_address();
    a->set_line1("3350 E St");
    a->set_city("San Diego");
    a->set_state("CA");
    a->set_zip("92102");
    r.mutable_provider()->set_taxonomy_code("171M00000X");
  }
  rows[0].mutable_member()->set_cin("99898657G");
  rows[0].mutable_member()->set_date_of_birth("1961-03-09");
  rows[0].mutable_member()->set_sex(hub::v1::SEX_FEMALE);
  rows[0].set_place_of_service("12");
  rows[0].add_diagnosis_codes("Z59.00");
  rows[0].set_record_id("rec_0123456789abcdef");
  rows[0].mutable_member()->mutable_name()->set_first("Maria");
  rows[0].mutable_member()->mutable_name()->set_last("Rivera-Lopez");
  auto* l = rows[0].mutable_line();
  l->set_invoice_number("INV-2026-11-001");
  l->set_line_number(1);
  l->set_service_date("2026-11-18");
  l->set_hcpcs_code("G9008");
  l->add_modifiers("U1");
  l->set_units(1);
  l->set_charge_cents(12500);
  rows[1].mutable_member()->set_cin("87654321B");
  rows[1].mutable_member()->mutable_name()->set_first("Lupe");
  rows[1].mutable_member()->mutable_name()->set_last("Nguyen");
  rows[1].mutable_member()->set_date_of_birth("1990-12-01");
  rows[1].mutable_member()->set_sex(hub::v1::SEX_MALE);
  rows[1].set_place_of_service("10");
  rows[1].add_diagnosis_codes("Z59.00");
  rows[1].add_diagnosis_codes("F20.9");
  rows[1].set_record_id("rec_fedcba9876543210");
  l = rows[1].mutable_line();
  l->set_invoice_number("INV-2026-11-001");
  l->set_line_number(2);
  l->set_service_date("2026-11-20");
  l->set_hcpcs_code("H0043");
  l->add_modifiers("U6");
  l->add_modifiers("U2");
  l->set_units(4);
  l->set_charge_cents(30050);
  l->set_authorization_number("AUTH-2026-000200");
  return rows;
}

}  // namespace hub::adapters::testing

#endif  // HUB_TESTS_ADAPTERS_EXPORT_TEST_ROWS_H_
