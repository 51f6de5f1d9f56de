// FHIR R4 resources (JSON, one line each) built from the hub's records: pure
// functions, no storage. Each resource names the profile it is shaped after
// in meta.profile:
//   Organization  US Core Organization: a plan (payer) or a provider (NPI,
//                 TIN).
//   Patient       US Core Patient: the member (CIN; the exporting plan's own
//                 member id only, never another plan's).
//   Coverage      US Core Coverage: one of the member's coverage periods
//                 with the exporting plan (Medicaid, relationship self).
//   Group         Da Vinci ATR atr-group: one per (plan, ECM provider), the
//                 plan's ECM assignees attributed to that provider
//                 (ext-attributedProvider, ext-coverageReference, member
//                 period = benefit period, inactive once it ended or the
//                 assignment was discontinued, declined or unable to reach).
//   CarePlan      US Core CarePlan (assess-plan) from a shared care plan;
//                 a 42 CFR Part 2 care plan carries the security labels
//                 42CFRPart2 and NORDSCLCD and its re-disclosure notice.
//   ServiceRequest  Gravity SDOHCC-ServiceRequest: a CS authorization as
//                 the referral (code: the hub's CS code + HCPCS).
//   Task          Gravity SDOHCC-TaskForReferralManagement: the closed-loop
//                 status of that referral.
//   MeasureReport (base R4 profile) a plan's quality report for a provider.
// Codes come from FHIR/THO/US Core/Gravity systems where one exists and from
// the hub's CodeSystem (hub_code_system.h) otherwise.
//
// Resource ids: "mc-<CIN>" for a Patient, "plan-<plan id>" and
// "prov-<provider id>" for Organizations ('_' -> '-'), and for the rest a
// prefix + the first 32 hex digits of a SHA-256 of the record's identity,
// so a re-export gives the same ids.
//
// Thread safety: pure functions.
#ifndef HUB_HUB_REPORTS_FHIR_RESOURCES_H_
#define HUB_HUB_REPORTS_FHIR_RESOURCES_H_

#include <string>
#include <string_view>
#include <vector>

#include "hub/v1/care.pb.h"
#include "hub/v1/feed.pb.h"
#include "hub/v1/member.pb.h"
#include "hub/v1/organization.pb.h"
#include "hub/v1/quality.pb.h"

namespace hub::fhir {

// Profile canonical URLs (meta.profile).
inline constexpr char kUsCorePatient[] =
    "http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient";
inline constexpr char kUsCoreCoverage[] =
    "http://hl7.org/fhir/us/core/StructureDefinition/us-core-coverage";
inline constexpr char kUsCoreOrganization[] =
    "http://hl7.org/fhir/us/core/StructureDefinition/us-core-organization";
inline constexpr char kUsCoreCarePlan[] =
    "http://hl7.org/fhir/us/core/StructureDefinition/us-core-careplan";
inline constexpr char kAtrGroup[] =
    "http://hl7.org/fhir/us/davinci-atr/StructureDefinition/atr-group";
inline constexpr char kSdohServiceRequest[] =
    "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-ServiceRequest";
inline constexpr char kSdohTask[] =
    "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/"
    "SDOHCC-TaskForReferralManagement";
inline constexpr char kMeasureReport[] = "http://hl7.org/fhir/StructureDefinition/MeasureReport";

// What every resource of one export shares.
struct ExportContext {
  // Canonical base of the hub's systems (hub_code_system.h).
  std::string base_url;
  // The exporting plan.
  hub::v1::Plan plan;
  // "YYYY-MM-DD": the export's as-of day (county time).
  std::string as_of;
};

std::string PatientId(std::string_view cin);
std::string PlanOrganizationId(std::string_view plan_id);
std::string ProviderOrganizationId(std::string_view provider_id);
std::string CoverageId(const hub::v1::Coverage& coverage);
std::string ServiceRequestId(std::string_view plan_id, std::string_view authorization_number);

std::string PlanOrganization(const ExportContext& context);
std::string ProviderOrganization(const hub::v1::Provider& provider);
std::string Patient(const ExportContext& context, const hub::v1::Member& member);
// Precondition: coverage.plan_id() == context.plan.plan_id().
std::string CoverageResource(const ExportContext& context, const hub::v1::Coverage& coverage,
                             const hub::v1::Member& member);

// One ATR member: an assignment and the coverage period holding its benefit
// start (empty id: none).
struct AttributedMember {
  hub::v1::Assignment assignment;
  std::string coverage_id;
};
// Precondition: `members` non-empty, all of `provider` with the context's
// plan.
std::string AttributionGroup(const ExportContext& context, const hub::v1::Provider& provider,
                             const std::vector<AttributedMember>& members);

// `item` holds a care_plan. `part2` = the item carries a re-disclosure
// notice (the caller disclosed it under a consent).
std::string CarePlanResource(const ExportContext& context, const hub::v1::FeedItem& item);

std::string ServiceRequest(const ExportContext& context, const hub::v1::Authorization& auth);
std::string Task(const ExportContext& context, const hub::v1::Authorization& auth);

// Empty string if the report's period is not "YYYY-MM", "YYYY Qn" or "YYYY".
std::string MeasureReport(const ExportContext& context, const hub::v1::QualityMeasureReport& report,
                          const hub::v1::Provider& provider);

// The FHIR Task.status for a referral ("requested" ... "completed").
std::string_view TaskStatus(const hub::v1::Authorization& auth);

}  // namespace hub::fhir

#endif  // HUB_HUB_REPORTS_FHIR_RESOURCES_H_
