// The hub's own FHIR CodeSystem: the codes of the programme that no FHIR,
// US Core or Gravity value set carries (CalAIM populations of focus,
// Community Supports, ECM enrollment status, acuity, CS authorization and
// closed-loop referral status, loop-closure reasons). The codes are derived
// from the contract's enums (protos/hub/v1/codes.proto), so a code is
// "<group>-<enum value name without its prefix, lower-case, '_' -> '-'>",
// e.g. "pof-adult-smi-sud", "cs-medically-tailored-meals". The CodeSystem is
// published in the repository as docs/fhir/CodeSystem-county-hub.json (a
// test checks it equals HubCodeSystemJson for the default base URL).
//
// Thread safety: pure functions.
#ifndef HUB_HUB_REPORTS_HUB_CODE_SYSTEM_H_
#define HUB_HUB_REPORTS_HUB_CODE_SYSTEM_H_

#include <google/protobuf/descriptor.h>

#include <string>
#include <string_view>

namespace hub::fhir {

// The default canonical base of the hub's FHIR artifacts (RFC 2606 reserved
// domain: a county publishes under its own with --fhir_base_url).
inline constexpr char kDefaultFhirBaseUrl[] = "https://fhir.county-hub.example";

// "<base_url>/CodeSystem/county-hub".
std::string HubCodeSystemUrl(std::string_view base_url);

// The code of `value` of `type` (one of the enums listed above), "" for an
// UNSPECIFIED or unknown value or an enum the CodeSystem does not hold.
std::string HubCode(const google::protobuf::EnumDescriptor* type, int value);
// Its display text ("Adult smi sud" style, from the enum value name).
std::string HubDisplay(const google::protobuf::EnumDescriptor* type, int value);

// The CodeSystem resource (JSON, one line) with every code.
std::string HubCodeSystemJson(std::string_view base_url);

}  // namespace hub::fhir

#endif  // HUB_HUB_REPORTS_HUB_CODE_SYSTEM_H_
