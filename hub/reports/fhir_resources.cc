#include "hub/reports/fhir_resources.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"
#include "base/sha256.h"
#include "hub/reports/fhir_json.h"
#include "hub/reports/hub_code_system.h"
#include "hub/v1/codes.pb.h"

namespace hub::fhir {
namespace {

constexpr char kV20203[] = "http://terminology.hl7.org/CodeSystem/v2-0203";
constexpr char kNpiSystem[] = "http://hl7.org/fhir/sid/us-npi";
constexpr char kTinSystem[] = "urn:oid:2.16.840.1.113883.4.4";
constexpr char kHcpcsSystem[] = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets";
constexpr char kSdohCategory[] =
    "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes";
constexpr char kActCode[] = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
constexpr char kDataAbsent[] = "http://hl7.org/fhir/StructureDefinition/data-absent-reason";
constexpr char kAtrExt[] = "http://hl7.org/fhir/us/davinci-atr/StructureDefinition/";

absl::string_view A(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string HashId(std::string_view prefix, std::initializer_list<std::string_view> parts) {
  Sha256 sha;
  for (std::string_view part : parts) {
    sha.Update(part);
    sha.Update(std::string_view("\x1f", 1));
  }
  return absl::StrCat(A(prefix), "-", sha.HexDigest().substr(0, 32));
}

std::string Dashed(std::string_view id) {
  std::string out(id);
  absl::StrReplaceAll({{"_", "-"}}, &out);
  return out;
}

JsonObject Ref(std::string_view type, std::string_view id) {
  return JsonObject().Str("reference", absl::StrCat(A(type), "/", A(id)));
}

JsonObject Meta(std::string_view profile) {
  return JsonObject().Arr("profile", JsonArray().Str(profile));
}

JsonObject Coding(std::string_view system, std::string_view code, std::string_view display = "") {
  return JsonObject().Str("system", system).Str("code", code).StrIfSet("display", display);
}

JsonObject Concept(const JsonObject& coding, std::string_view text = "") {
  return JsonObject().Arr("coding", JsonArray().Obj(coding)).StrIfSet("text", text);
}

JsonObject Period(std::string_view start, std::string_view end) {
  return JsonObject().StrIfSet("start", start).StrIfSet("end", end);
}

JsonObject Identifier(std::string_view system, std::string_view value) {
  return JsonObject().Str("system", system).Str("value", value);
}

JsonObject HubCodingOf(const ExportContext& context, const google::protobuf::EnumDescriptor* type,
                       int value) {
  return Coding(HubCodeSystemUrl(context.base_url), HubCode(type, value), HubDisplay(type, value));
}

std::string PlanMemberId(const ExportContext& context, const hub::v1::Member& member) {
  for (const hub::v1::PlanMemberId& id : member.plan_member_ids()) {
    if (id.plan_id() == context.plan.plan_id()) return id.member_id();
  }
  return "";
}

std::string XmlEscape(std::string_view text) {
  return absl::StrReplaceAll(A(text), {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}});
}

JsonObject Address(const hub::v1::PostalAddress& address) {
  JsonArray lines;
  if (!address.line1().empty()) lines.Str(address.line1());
  if (!address.line2().empty()) lines.Str(address.line2());
  return JsonObject()
      .ArrIfSet("line", lines)
      .StrIfSet("city", address.city())
      .StrIfSet("state", address.state())
      .StrIfSet("postalCode", address.zip());
}

// Gravity's SDOH category for a Community Support.
std::pair<std::string_view, std::string_view> SdohCategory(hub::v1::CommunitySupport cs) {
  using hub::v1::CommunitySupport;
  switch (cs) {
    case hub::v1::COMMUNITY_SUPPORT_HOUSING_TRANSITION_NAVIGATION:
    case hub::v1::COMMUNITY_SUPPORT_HOUSING_DEPOSITS:
    case hub::v1::COMMUNITY_SUPPORT_HOUSING_TENANCY_AND_SUSTAINING:
    case hub::v1::COMMUNITY_SUPPORT_SHORT_TERM_POST_HOSPITALIZATION_HOUSING:
    case hub::v1::COMMUNITY_SUPPORT_RECUPERATIVE_CARE:
    case hub::v1::COMMUNITY_SUPPORT_TRANSITIONAL_RENT:
      return {"housing-instability", "Housing Instability"};
    case hub::v1::COMMUNITY_SUPPORT_MEDICALLY_TAILORED_MEALS:
      return {"food-insecurity", "Food Insecurity"};
    case hub::v1::COMMUNITY_SUPPORT_ASTHMA_REMEDIATION:
    case hub::v1::COMMUNITY_SUPPORT_ENVIRONMENTAL_ACCESSIBILITY_ADAPTATIONS:
      return {"inadequate-housing", "Inadequate Housing"};
    default:
      return {"sdoh-category-unspecified", "SDOH Category Unspecified"};
  }
}

bool AssignmentInactive(const hub::v1::Assignment& a, std::string_view as_of) {
  switch (a.status()) {
    case hub::v1::ENROLLMENT_STATUS_DECLINED:
    case hub::v1::ENROLLMENT_STATUS_UNABLE_TO_REACH:
    case hub::v1::ENROLLMENT_STATUS_DISCONTINUED:
      return true;
    default:
      break;
  }
  return !a.benefit_end_date().empty() && a.benefit_end_date() < as_of;
}

// "YYYY-MM" / "YYYY Qn" / "YYYY" -> first and last day; false otherwise.
bool PeriodDays(std::string_view period, std::string* start, std::string* end) {
  int year = 0;
  if (period.size() < 4 || !absl::SimpleAtoi(A(period.substr(0, 4)), &year) || year < 1900) {
    return false;
  }
  absl::CivilMonth first(year, 1);
  int months = 12;
  if (period.size() == 7 && period[4] == '-') {
    int month = 0;
    if (!absl::SimpleAtoi(A(period.substr(5, 2)), &month) || month < 1 || month > 12) return false;
    first = absl::CivilMonth(year, month);
    months = 1;
  } else if (period.size() == 7 && period[4] == ' ' && period[5] == 'Q') {
    const int quarter = period[6] - '0';
    if (quarter < 1 || quarter > 4) return false;
    first = absl::CivilMonth(year, 1 + 3 * (quarter - 1));
    months = 3;
  } else if (period.size() != 4) {
    return false;
  }
  const absl::CivilDay last = absl::CivilDay(first + months) - 1;
  *start = absl::FormatCivilTime(absl::CivilDay(first));
  *end = absl::FormatCivilTime(last);
  return true;
}

}  // namespace

std::string PatientId(std::string_view cin) { return absl::StrCat("mc-", A(cin)); }
std::string PlanOrganizationId(std::string_view plan_id) {
  return absl::StrCat("plan-", Dashed(plan_id));
}
std::string ProviderOrganizationId(std::string_view provider_id) {
  return absl::StrCat("prov-", Dashed(provider_id));
}
std::string CoverageId(const hub::v1::Coverage& coverage) {
  return HashId("cov", {coverage.cin(), coverage.plan_id(), coverage.start_date()});
}
std::string ServiceRequestId(std::string_view plan_id, std::string_view authorization_number) {
  return HashId("sr", {plan_id, authorization_number});
}

std::string PlanOrganization(const ExportContext& context) {
  const hub::v1::Plan& plan = context.plan;
  JsonArray identifiers;
  identifiers.Obj(
      Identifier(absl::StrCat(A(context.base_url), "/NamingSystem/plan-id"), plan.plan_id()));
  if (!plan.dhcs_plan_code().empty()) {
    identifiers.Obj(Identifier(absl::StrCat(A(context.base_url), "/NamingSystem/dhcs-plan-code"),
                               plan.dhcs_plan_code()));
  }
  return JsonObject()
      .Str("resourceType", "Organization")
      .Str("id", PlanOrganizationId(plan.plan_id()))
      .Obj("meta", Meta(kUsCoreOrganization))
      .Arr("identifier", identifiers)
      .Bool("active", true)
      .Arr("type", JsonArray().Obj(Concept(Coding(
                       "http://terminology.hl7.org/CodeSystem/organization-type", "pay", "Payer"))))
      .Str("name", plan.name().empty() ? plan.plan_id() : plan.name())
      .Text();
}

std::string ProviderOrganization(const hub::v1::Provider& provider) {
  JsonArray identifiers;
  if (!provider.npi().empty()) identifiers.Obj(Identifier(kNpiSystem, provider.npi()));
  if (!provider.tin().empty()) identifiers.Obj(Identifier(kTinSystem, provider.tin()));
  JsonArray telecom;
  if (!provider.phone().empty()) {
    telecom.Obj(JsonObject().Str("system", "phone").Str("value", provider.phone()));
  }
  JsonArray addresses;
  const JsonObject address = Address(provider.address());
  if (!address.empty()) addresses.Obj(address);
  return JsonObject()
      .Str("resourceType", "Organization")
      .Str("id", ProviderOrganizationId(provider.provider_id()))
      .Obj("meta", Meta(kUsCoreOrganization))
      .ArrIfSet("identifier", identifiers)
      .Bool("active", true)
      .Arr("type",
           JsonArray().Obj(Concept(Coding("http://terminology.hl7.org/CodeSystem/organization-type",
                                          "prov", "Healthcare Provider"))))
      .Str("name", provider.name().empty() ? provider.provider_id() : provider.name())
      .ArrIfSet("telecom", telecom)
      .ArrIfSet("address", addresses)
      .Text();
}

std::string Patient(const ExportContext& context, const hub::v1::Member& member) {
  JsonArray identifiers;
  identifiers.Obj(
      Identifier(absl::StrCat(A(context.base_url), "/NamingSystem/medi-cal-cin"), member.cin())
          .Obj("type", Concept(Coding(kV20203, "MA", "Patient Medicaid number"))));
  const std::string plan_member_id = PlanMemberId(context, member);
  if (!plan_member_id.empty()) {
    identifiers.Obj(Identifier(absl::StrCat(A(context.base_url), "/NamingSystem/plan-member-id/",
                                            Dashed(context.plan.plan_id())),
                               plan_member_id)
                        .Obj("type", Concept(Coding(kV20203, "MB", "Member Number"))));
  }
  JsonArray given;
  if (!member.name().first().empty()) given.Str(member.name().first());
  if (!member.name().middle().empty()) given.Str(member.name().middle());
  JsonObject name = JsonObject().StrIfSet("family", member.name().last()).ArrIfSet("given", given);
  if (name.empty()) {
    name.Arr("extension",
             JsonArray().Obj(JsonObject().Str("url", kDataAbsent).Str("valueCode", "unknown")));
  }
  std::string_view gender = "unknown";
  if (member.sex() == hub::v1::SEX_FEMALE) gender = "female";
  if (member.sex() == hub::v1::SEX_MALE) gender = "male";
  if (member.sex() == hub::v1::SEX_OTHER) gender = "other";
  JsonArray telecom;
  if (!member.phone().empty()) {
    telecom.Obj(JsonObject().Str("system", "phone").Str("value", member.phone()));
  }
  JsonArray addresses;
  const JsonObject address = Address(member.address());
  if (!address.empty()) addresses.Obj(address);
  JsonArray communication;
  if (!member.preferred_spoken_language().empty()) {
    communication.Obj(
        JsonObject()
            .Obj("language", JsonObject().Str("text", member.preferred_spoken_language()))
            .Bool("preferred", true));
  }
  return JsonObject()
      .Str("resourceType", "Patient")
      .Str("id", PatientId(member.cin()))
      .Obj("meta", Meta(kUsCorePatient))
      .Arr("identifier", identifiers)
      .Arr("name", JsonArray().Obj(name))
      .ArrIfSet("telecom", telecom)
      .Str("gender", gender)
      .StrIfSet("birthDate", member.date_of_birth())
      .ArrIfSet("address", addresses)
      .ArrIfSet("communication", communication)
      .Text();
}

std::string CoverageResource(const ExportContext& context, const hub::v1::Coverage& coverage,
                             const hub::v1::Member& member) {
  const std::string plan_member_id = PlanMemberId(context, member);
  JsonArray identifiers;
  if (!plan_member_id.empty()) {
    identifiers.Obj(Identifier(absl::StrCat(A(context.base_url), "/NamingSystem/plan-member-id/",
                                            Dashed(context.plan.plan_id())),
                               plan_member_id)
                        .Obj("type", Concept(Coding(kV20203, "MB", "Member Number"))));
  }
  const hub::v1::Plan& plan = context.plan;
  return JsonObject()
      .Str("resourceType", "Coverage")
      .Str("id", CoverageId(coverage))
      .Obj("meta", Meta(kUsCoreCoverage))
      .ArrIfSet("identifier", identifiers)
      .Str("status", "active")
      .Obj("type", Concept(Coding("urn:oid:2.16.840.1.113883.3.221.5", "2", "MEDICAID")))
      .Str("subscriberId", coverage.cin())
      .Obj("beneficiary", Ref("Patient", PatientId(coverage.cin())))
      .Obj("relationship",
           Concept(Coding("http://terminology.hl7.org/CodeSystem/subscriber-relationship", "self",
                          "Self")))
      .ObjIfSet("period", Period(coverage.start_date(), coverage.end_date()))
      .Arr("payor", JsonArray().Obj(Ref("Organization", PlanOrganizationId(plan.plan_id()))))
      .Arr("class", JsonArray().Obj(
                        JsonObject()
                            .Obj("type", Concept(Coding(
                                             "http://terminology.hl7.org/CodeSystem/coverage-class",
                                             "plan", "Plan")))
                            .Str("value", plan.dhcs_plan_code().empty() ? plan.plan_id()
                                                                        : plan.dhcs_plan_code())
                            .StrIfSet("name", plan.name())))
      .Text();
}

std::string AttributionGroup(const ExportContext& context, const hub::v1::Provider& provider,
                             const std::vector<AttributedMember>& members) {
  const std::string plan_id = context.plan.plan_id();
  JsonArray entries;
  for (const AttributedMember& m : members) {
    const hub::v1::Assignment& a = m.assignment;
    JsonArray extensions;
    if (!m.coverage_id.empty()) {
      extensions.Obj(JsonObject()
                         .Str("url", absl::StrCat(kAtrExt, "ext-coverageReference"))
                         .Obj("valueReference", Ref("Coverage", m.coverage_id)));
    }
    extensions.Obj(
        JsonObject()
            .Str("url", absl::StrCat(kAtrExt, "ext-attributedProvider"))
            .Obj("valueReference", Ref("Organization", ProviderOrganizationId(a.provider_id()))));
    entries.Obj(JsonObject()
                    .Arr("extension", extensions)
                    .Obj("entity", Ref("Patient", PatientId(a.cin())))
                    .ObjIfSet("period", Period(a.benefit_start_date(), a.benefit_end_date()))
                    .Bool("inactive", AssignmentInactive(a, context.as_of)));
  }
  JsonArray group_extensions;
  for (const hub::v1::PlanContract& contract : provider.contracts()) {
    if (contract.plan_id() != plan_id || contract.start_date().empty()) continue;
    group_extensions.Obj(JsonObject()
                             .Str("url", absl::StrCat(kAtrExt, "ext-contractValidityPeriod"))
                             .Obj("valuePeriod", Period(contract.start_date(), "")));
    break;
  }
  return JsonObject()
      .Str("resourceType", "Group")
      .Str("id", HashId("atr", {plan_id, provider.provider_id()}))
      .Obj("meta", Meta(kAtrGroup))
      .ArrIfSet("extension", group_extensions)
      .Arr("identifier", JsonArray().Obj(Identifier(
                             absl::StrCat(A(context.base_url), "/NamingSystem/ecm-attribution"),
                             absl::StrCat(plan_id, "/", provider.provider_id()))))
      .Bool("active", true)
      .Str("type", "person")
      .Bool("actual", true)
      .Str("name", absl::StrCat("ECM members of ",
                                context.plan.name().empty() ? plan_id : context.plan.name(),
                                " attributed to ",
                                provider.name().empty() ? provider.provider_id() : provider.name()))
      .Obj("managingEntity", Ref("Organization", PlanOrganizationId(plan_id)))
      .Int("quantity", static_cast<int64_t>(members.size()))
      .Arr("member", entries)
      .Text();
}

std::string CarePlanResource(const ExportContext& context, const hub::v1::FeedItem& item) {
  const hub::v1::CarePlan& plan = item.submission().care_plan();
  std::string div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>ECM care plan";
  if (!plan.effective_date().empty()) absl::StrAppend(&div, " effective ", plan.effective_date());
  div += "</p>";
  JsonArray notes;
  JsonArray activities;
  for (const hub::v1::CarePlanGoal& goal : plan.goals()) {
    std::string text = absl::StrCat("Goal: ", goal.description());
    if (!goal.target_date().empty()) absl::StrAppend(&text, " (target ", goal.target_date(), ")");
    if (!goal.status().empty()) absl::StrAppend(&text, " [", goal.status(), "]");
    absl::StrAppend(&div, "<p>", XmlEscape(text), "</p>");
    notes.Obj(JsonObject().Str("text", text));
  }
  for (const std::string& intervention : plan.interventions()) {
    if (intervention.empty()) continue;
    absl::StrAppend(&div, "<p>Intervention: ", XmlEscape(intervention), "</p>");
    activities.Obj(JsonObject().Obj(
        "detail", JsonObject().Str("status", "unknown").Str("description", intervention)));
  }
  JsonObject meta = Meta(kUsCoreCarePlan);
  if (!item.redisclosure_notice().empty()) {
    meta.Arr("security",
             JsonArray()
                 .Obj(Coding(kActCode, "42CFRPart2", "42 CFR Part2"))
                 .Obj(Coding(kActCode, "NORDSCLCD", "no redisclosure without consent directive")));
    notes.Obj(JsonObject().Str("text", item.redisclosure_notice()));
    absl::StrAppend(&div, "<p>", XmlEscape(item.redisclosure_notice()), "</p>");
  }
  div += "</div>";
  return JsonObject()
      .Str("resourceType", "CarePlan")
      .Str("id", HashId("cp", {context.plan.plan_id(), item.record_id()}))
      .Obj("meta", meta)
      .Obj("text", JsonObject().Str("status", "generated").Str("div", div))
      .Arr("identifier",
           JsonArray().Obj(Identifier(absl::StrCat(A(context.base_url), "/NamingSystem/record-id"),
                                      item.record_id())))
      .Str("status", "active")
      .Str("intent", "plan")
      .Arr(
          "category",
          JsonArray().Obj(Concept(Coding("http://hl7.org/fhir/us/core/CodeSystem/careplan-category",
                                         "assess-plan", "Assessment and Plan of Treatment"))))
      .Obj("subject", Ref("Patient", PatientId(plan.cin())))
      .ObjIfSet("period", Period(plan.effective_date(), plan.next_review_date()))
      .Obj("author", Ref("Organization", ProviderOrganizationId(item.provider_id())))
      .ArrIfSet("activity", activities)
      .ArrIfSet("note", notes)
      .Text();
}

std::string_view TaskStatus(const hub::v1::Authorization& auth) {
  switch (auth.referral_status()) {
    case hub::v1::REFERRAL_STATUS_RECEIVED:
      return "received";
    case hub::v1::REFERRAL_STATUS_ACCEPTED:
      return "accepted";
    case hub::v1::REFERRAL_STATUS_DECLINED:
      return "rejected";
    case hub::v1::REFERRAL_STATUS_IN_PROGRESS:
      return "in-progress";
    case hub::v1::REFERRAL_STATUS_CLOSED:
      switch (auth.closure_reason()) {
        case hub::v1::LOOP_CLOSURE_REASON_SERVICE_RECEIVED:
          return "completed";
        case hub::v1::LOOP_CLOSURE_REASON_PROVIDER_DECLINED:
        case hub::v1::LOOP_CLOSURE_REASON_PROVIDER_AT_CAPACITY:
          return "rejected";
        default:
          return "cancelled";
      }
    default:
      break;
  }
  if (auth.status() == hub::v1::AUTHORIZATION_STATUS_DENIED ||
      auth.status() == hub::v1::AUTHORIZATION_STATUS_CANCELLED) {
    return "cancelled";
  }
  return "requested";
}

std::string ServiceRequest(const ExportContext& context, const hub::v1::Authorization& auth) {
  std::string_view status = "active";
  if (auth.status() == hub::v1::AUTHORIZATION_STATUS_DENIED ||
      auth.status() == hub::v1::AUTHORIZATION_STATUS_CANCELLED) {
    status = "revoked";
  } else if (TaskStatus(auth) == "completed") {
    status = "completed";
  }
  const auto [category, category_display] = SdohCategory(auth.community_support());
  JsonArray codings;
  const std::string cs_code =
      HubCode(hub::v1::CommunitySupport_descriptor(), auth.community_support());
  if (!cs_code.empty()) {
    codings.Obj(
        HubCodingOf(context, hub::v1::CommunitySupport_descriptor(), auth.community_support()));
  }
  if (!auth.hcpcs_code().empty()) codings.Obj(Coding(kHcpcsSystem, auth.hcpcs_code()));
  JsonObject code = JsonObject().ArrIfSet("coding", codings);
  code.Str("text", cs_code.empty() ? "Community Support"
                                   : HubDisplay(hub::v1::CommunitySupport_descriptor(),
                                                auth.community_support()));
  JsonObject request =
      JsonObject()
          .Str("resourceType", "ServiceRequest")
          .Str("id", ServiceRequestId(auth.plan_id(), auth.authorization_number()))
          .Obj("meta", Meta(kSdohServiceRequest))
          .Arr("identifier", JsonArray().Obj(Identifier(
                                 absl::StrCat(A(context.base_url), "/NamingSystem/authorization/",
                                              Dashed(auth.plan_id())),
                                 auth.authorization_number())))
          .Str("status", status)
          .Str("intent", "order")
          .Arr("category",
               JsonArray().Obj(Concept(Coding(kSdohCategory, category, category_display))))
          .Obj("code", code)
          .Obj("subject", Ref("Patient", PatientId(auth.cin())))
          .ObjIfSet("occurrencePeriod", Period(auth.start_date(), auth.end_date()))
          .Str("authoredOn",
               auth.referral_date().empty() ? auth.start_date() : auth.referral_date())
          .Obj("requester", Ref("Organization", PlanOrganizationId(auth.plan_id())))
          .Arr("performer",
               JsonArray().Obj(Ref("Organization", ProviderOrganizationId(auth.provider_id()))));
  if (auth.units_approved() > 0) {
    request.Obj("quantityQuantity",
                JsonObject().Int("value", auth.units_approved()).Str("unit", "units"));
  }
  return request.Text();
}

std::string Task(const ExportContext& context, const hub::v1::Authorization& auth) {
  JsonObject task = JsonObject()
                        .Str("resourceType", "Task")
                        .Str("id", HashId("task", {auth.plan_id(), auth.authorization_number()}))
                        .Obj("meta", Meta(kSdohTask))
                        .Str("status", TaskStatus(auth));
  if (auth.referral_status() != hub::v1::REFERRAL_STATUS_UNSPECIFIED &&
      auth.closure_reason() != hub::v1::LOOP_CLOSURE_REASON_UNSPECIFIED) {
    task.Obj("statusReason", Concept(HubCodingOf(context, hub::v1::LoopClosureReason_descriptor(),
                                                 auth.closure_reason()),
                                     auth.closure_reason_text()));
  }
  if (auth.referral_status() != hub::v1::REFERRAL_STATUS_UNSPECIFIED) {
    task.Obj("businessStatus", Concept(HubCodingOf(context, hub::v1::ReferralStatus_descriptor(),
                                                   auth.referral_status())));
  }
  const std::string authored =
      auth.referral_date().empty() ? auth.start_date() : auth.referral_date();
  task.Str("intent", "order")
      .Str("priority", "routine")
      .Obj("code", Concept(Coding("http://hl7.org/fhir/CodeSystem/task-code", "fulfill",
                                  "Fulfill the focal request")))
      .Obj("focus",
           Ref("ServiceRequest", ServiceRequestId(auth.plan_id(), auth.authorization_number())))
      .Obj("for", Ref("Patient", PatientId(auth.cin())))
      .StrIfSet("authoredOn", authored)
      .StrIfSet("lastModified",
                auth.referral_status_date().empty() ? authored : auth.referral_status_date())
      .Obj("requester", Ref("Organization", PlanOrganizationId(auth.plan_id())))
      .Obj("owner", Ref("Organization", ProviderOrganizationId(auth.provider_id())));
  return task.Text();
}

std::string MeasureReport(const ExportContext& context, const hub::v1::QualityMeasureReport& report,
                          const hub::v1::Provider& provider) {
  std::string start, end;
  if (!PeriodDays(report.period(), &start, &end)) return "";
  constexpr char kPopulation[] = "http://terminology.hl7.org/CodeSystem/measure-population";
  const JsonArray populations =
      JsonArray()
          .Obj(JsonObject()
                   .Obj("code", Concept(Coding(kPopulation, "numerator", "Numerator")))
                   .Int("count", report.numerator()))
          .Obj(JsonObject()
                   .Obj("code", Concept(Coding(kPopulation, "denominator", "Denominator")))
                   .Int("count", report.denominator()));
  JsonObject stratum =
      JsonObject()
          .Obj("value", Concept(Coding(kNpiSystem, provider.npi()), provider.name()))
          .Arr("population", populations);
  JsonObject group = JsonObject().Arr("population", populations);
  if (!report.stratifier().empty())
    group.Obj("code", JsonObject().Str("text", report.stratifier()));
  if (std::isfinite(report.rate())) {
    group.Obj("measureScore", JsonObject().Dec("value", report.rate()));
    stratum.Obj("measureScore", JsonObject().Dec("value", report.rate()));
  }
  if (!provider.npi().empty()) {
    group.Arr(
        "stratifier",
        JsonArray().Obj(JsonObject()
                            .Arr("code", JsonArray().Obj(JsonObject().Str("text", "provider")))
                            .Arr("stratum", JsonArray().Obj(stratum))));
  }
  return JsonObject()
      .Str("resourceType", "MeasureReport")
      .Str("id", HashId("mr", {report.plan_id(), report.provider_id(), report.measure_id(),
                               report.period(), report.stratifier()}))
      .Obj("meta", Meta(kMeasureReport))
      .Str("status", "complete")
      .Str("type", "summary")
      .Str("measure", absl::StrCat(A(context.base_url), "/Measure/", report.measure_id()))
      .Obj("period", Period(start, end))
      .Obj("reporter", Ref("Organization", PlanOrganizationId(report.plan_id())))
      .Arr("group", JsonArray().Obj(group))
      .Text();
}

}  // namespace hub::fhir
