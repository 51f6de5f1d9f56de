#include "hub/reports/hub_code_system.h"

#include <array>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "hub/reports/fhir_json.h"
#include "hub/v1/codes.pb.h"

namespace hub::fhir {
namespace {

struct Group {
  const google::protobuf::EnumDescriptor* type;
  const char* code;
  const char* display;
};

std::array<Group, 7> Groups() {
  return {{
      {hub::v1::PopulationOfFocus_descriptor(), "pof", "CalAIM ECM population of focus"},
      {hub::v1::CommunitySupport_descriptor(), "cs", "CalAIM Community Support"},
      {hub::v1::EnrollmentStatus_descriptor(), "ecm-status", "ECM enrollment status"},
      {hub::v1::Acuity_descriptor(), "acuity", "ECM acuity level"},
      {hub::v1::AuthorizationStatus_descriptor(), "authorization-status",
       "Community Supports authorization status"},
      {hub::v1::ReferralStatus_descriptor(), "referral-status", "Closed-loop referral status"},
      {hub::v1::LoopClosureReason_descriptor(), "loop-closure", "Reason for loop closure"},
  }};
}

const Group* FindGroup(const google::protobuf::EnumDescriptor* type) {
  static const std::array<Group, 7> groups = Groups();
  for (const Group& group : groups) {
    if (group.type == type) return &group;
  }
  return nullptr;
}

// "POPULATION_OF_FOCUS_ADULT_SMI_SUD" -> "ADULT_SMI_SUD": the prefix is the
// part every value of the enum shares up to UNSPECIFIED's.
std::string_view Suffix(const google::protobuf::EnumValueDescriptor& value) {
  const std::string& unspecified = value.type()->value(0)->name();
  const std::string_view prefix(unspecified.data(), unspecified.size() - strlen("UNSPECIFIED"));
  std::string_view name = value.name();
  if (name.substr(0, prefix.size()) == prefix) name.remove_prefix(prefix.size());
  return name;
}

const google::protobuf::EnumValueDescriptor* Value(const google::protobuf::EnumDescriptor* type,
                                                   int value) {
  if (type == nullptr || value == 0) return nullptr;
  return type->FindValueByNumber(value);
}

}  // namespace

std::string HubCodeSystemUrl(std::string_view base_url) {
  return std::string(base_url) + "/CodeSystem/county-hub";
}

std::string HubCode(const google::protobuf::EnumDescriptor* type, int value) {
  const Group* group = FindGroup(type);
  const google::protobuf::EnumValueDescriptor* v = Value(type, value);
  if (group == nullptr || v == nullptr) return "";
  std::string suffix = absl::AsciiStrToLower(std::string(Suffix(*v)));
  absl::StrReplaceAll({{"_", "-"}}, &suffix);
  return absl::StrCat(group->code, "-", suffix);
}

std::string HubDisplay(const google::protobuf::EnumDescriptor* type, int value) {
  const google::protobuf::EnumValueDescriptor* v = Value(type, value);
  if (v == nullptr) return "";
  std::string text = absl::AsciiStrToLower(std::string(Suffix(*v)));
  absl::StrReplaceAll({{"_", " "}}, &text);
  if (!text.empty()) text[0] = absl::ascii_toupper(static_cast<unsigned char>(text[0]));
  return text;
}

std::string HubCodeSystemJson(std::string_view base_url) {
  JsonArray concepts;
  for (const Group& group : Groups()) {
    JsonArray children;
    for (int i = 0; i < group.type->value_count(); ++i) {
      const int number = group.type->value(i)->number();
      const std::string code = HubCode(group.type, number);
      if (code.empty()) continue;
      children.Obj(JsonObject().Str("code", code).Str("display", HubDisplay(group.type, number)));
    }
    concepts.Obj(JsonObject()
                     .Str("code", group.code)
                     .Str("display", group.display)
                     .Arr("concept", children));
  }
  return JsonObject()
      .Str("resourceType", "CodeSystem")
      .Str("id", "county-hub")
      .Str("url", HubCodeSystemUrl(base_url))
      .Str("version", "1")
      .Str("name", "CountyHubCodes")
      .Str("title", "County hub codes for CalAIM ECM and Community Supports")
      .Str("status", "active")
      .Bool("experimental", false)
      .Str("publisher", "County hub")
      .Str("description",
           "Codes of the CalAIM programme that no FHIR, US Core or Gravity SDOH value set "
           "carries; derived from the hub.v1 contract's enums (protos/hub/v1/codes.proto).")
      .Bool("caseSensitive", true)
      .Str("hierarchyMeaning", "grouped-by")
      .Str("content", "complete")
      .Arr("concept", concepts)
      .Text();
}

}  // namespace hub::fhir
