#include "hub/directory/directory_validation.h"

#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/civil_date.h"
#include "base/identifiers.h"
#include "base/status_macros.h"
#include "hub/common/contract_check.h"
#include "hub/v1/codes.pb.h"

namespace hub {
namespace {

using ::hub::v1::Plan;
using ::hub::v1::PlanContract;
using ::hub::v1::Provider;
using ::hub::v1::ProviderKind;

absl::Status Invalid(std::string message) { return absl::InvalidArgumentError(message); }

bool AllOf(std::string_view s, bool (*pred)(char)) {
  for (char c : s) {
    if (!pred(c)) return false;
  }
  return true;
}

bool IsAlnum(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); }
bool IsDigit(char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); }
bool IsProfileChar(char c) {
  return absl::ascii_islower(static_cast<unsigned char>(c)) || IsDigit(c) || c == '_' || c == '-';
}

bool IsAllSpace(std::string_view s) {
  return AllOf(s, [](char c) { return absl::ascii_isspace(static_cast<unsigned char>(c)) != 0; });
}

const char* KindName(int kind) {
  switch (kind) {
    case hub::v1::PROVIDER_KIND_ECM:
      return "ECM";
    case hub::v1::PROVIDER_KIND_CS:
      return "CS";
    default:
      return "UNSPECIFIED";
  }
}

absl::Status ValidateContract(const Provider& provider, int index, const std::set<int>& kinds,
                              const PlanExists& plan_exists) {
  const PlanContract& contract = provider.contracts(index);
  const std::string where = absl::StrCat("contracts[", index, "]");
  if (contract.plan_id().empty()) {
    return Invalid(absl::StrCat(where, ".plan_id is required: name the contracting plan"));
  }
  if (absl::Status s = ValidatePlanId(contract.plan_id()); !s.ok()) {
    return Invalid(absl::StrCat(where, ": ", s.message()));
  }
  ASSIGN_OR_RETURN(bool exists, plan_exists(contract.plan_id()));
  if (!exists) {
    return Invalid(absl::StrCat(where, ".plan_id \"", contract.plan_id(),
                                "\" is not a known plan; add the plan first or fix the id"));
  }
  for (int other = 0; other < index; ++other) {
    if (provider.contracts(other).plan_id() == contract.plan_id()) {
      return Invalid(absl::StrCat(where, " is a second contract with plan \"", contract.plan_id(),
                                  "\" (see contracts[", other,
                                  "]); merge them into one contract per plan"));
    }
  }
  for (int kind : contract.kinds()) {
    if (kinds.count(kind) == 0) {
      return Invalid(absl::StrCat(where, ".kinds has ", KindName(kind),
                                  ", which is not among the provider's kinds; add it to kinds "
                                  "or remove it from the contract"));
    }
  }
  if (contract.ecm_capacity() < 0) {
    return Invalid(
        absl::StrCat(where, ".ecm_capacity must be 0 or more (0 = no ECM capacity set)"));
  }
  if (contract.cs_capacity() < 0) {
    return Invalid(absl::StrCat(where, ".cs_capacity must be 0 or more (0 = no CS capacity set)"));
  }
  if (!contract.start_date().empty() && !IsIsoDate(contract.start_date())) {
    return Invalid(absl::StrCat(where, ".start_date must be a date written YYYY-MM-DD"));
  }
  if (!contract.end_date().empty() && !IsIsoDate(contract.end_date())) {
    return Invalid(absl::StrCat(where, ".end_date must be a date written YYYY-MM-DD"));
  }
  if (!contract.start_date().empty() && !contract.end_date().empty() &&
      contract.end_date() < contract.start_date()) {
    return Invalid(absl::StrCat(where, ".end_date is before start_date; swap or fix them"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidatePlan(const Plan& plan) {
  RETURN_IF_ERROR(ValidatePlanId(plan.plan_id()));
  if (IsAllSpace(plan.name())) {
    return Invalid("plan name is required, e.g. \"Molina Healthcare of California\"");
  }
  if (!plan.dhcs_plan_code().empty() &&
      (plan.dhcs_plan_code().size() > 16 || !AllOf(plan.dhcs_plan_code(), IsAlnum))) {
    return Invalid("dhcs_plan_code must be 1 to 16 letters or digits, or left empty");
  }
  if (!plan.adapter_profile().empty() &&
      (plan.adapter_profile().size() > 32 || !AllOf(plan.adapter_profile(), IsProfileChar))) {
    return Invalid(
        "adapter_profile must be 1 to 32 characters of a-z, 0-9, _ and -, or left empty "
        "until the plan is onboarded");
  }
  return absl::OkStatus();
}

absl::Status ValidateProvider(const Provider& provider, const PlanExists& plan_exists) {
  RETURN_IF_ERROR(ValidateProviderId(provider.provider_id()));
  // Every enum (provider type, kinds, Community Supports) a defined value.
  if (std::optional<ContractViolation> bad = CheckContract(provider)) {
    return Invalid(std::move(bad->message));
  }
  RETURN_IF_ERROR(ValidateNpi(provider.npi()));
  RETURN_IF_ERROR(ValidateTin(provider.tin()));
  if (IsAllSpace(provider.name())) {
    return Invalid("provider name is required: give the organization's name");
  }
  if (provider.kinds().empty()) {
    return Invalid("kinds must list at least one of PROVIDER_KIND_ECM, PROVIDER_KIND_CS");
  }
  std::set<int> kinds;
  for (int kind : provider.kinds()) {
    if (kind != hub::v1::PROVIDER_KIND_ECM && kind != hub::v1::PROVIDER_KIND_CS) {
      return Invalid("kinds may hold only PROVIDER_KIND_ECM and PROVIDER_KIND_CS");
    }
    if (!kinds.insert(kind).second) {
      return Invalid(absl::StrCat("kinds lists ", KindName(kind), " twice; list each kind once"));
    }
  }
  const bool offers_cs = kinds.count(hub::v1::PROVIDER_KIND_CS) > 0;
  if (offers_cs && provider.community_supports().empty()) {
    return Invalid(
        "community_supports is required when kinds has PROVIDER_KIND_CS: list the Community "
        "Supports the provider offers");
  }
  if (!offers_cs && !provider.community_supports().empty()) {
    return Invalid(
        "community_supports is set but kinds lacks PROVIDER_KIND_CS; add CS to kinds or clear "
        "community_supports");
  }
  std::set<int> supports;
  for (int support : provider.community_supports()) {
    if (support == hub::v1::COMMUNITY_SUPPORT_UNSPECIFIED ||
        !hub::v1::CommunitySupport_IsValid(support)) {
      return Invalid("community_supports may not hold COMMUNITY_SUPPORT_UNSPECIFIED");
    }
    if (!supports.insert(support).second) {
      return Invalid(absl::StrCat("community_supports lists ",
                                  hub::v1::CommunitySupport_Name(support),
                                  " twice; list each Community Support once"));
    }
  }
  if (!provider.phone().empty() &&
      (provider.phone().size() != 10 || !AllOf(provider.phone(), IsDigit))) {
    return Invalid("phone must be 10 digits without punctuation, or left empty");
  }
  if (!provider.taxonomy_code().empty() &&
      (provider.taxonomy_code().size() != 10 || provider.taxonomy_code().back() != 'X' ||
       !AllOf(provider.taxonomy_code(), [](char c) {
         return absl::ascii_isdigit(static_cast<unsigned char>(c)) ||
                absl::ascii_isupper(static_cast<unsigned char>(c));
       }))) {
    return Invalid(
        "taxonomy_code must be a NUCC provider taxonomy code: 10 capital letters or digits "
        "ending in X, e.g. 251S00000X; or left empty");
  }
  if (provider.has_address()) {
    // An 837P names the billing provider with it (loop 2010AA N3/N4).
    const hub::v1::PostalAddress& a = provider.address();
    std::string zip_digits;
    for (char c : a.zip()) {
      if (c != '-') zip_digits.push_back(c);
    }
    if (IsAllSpace(a.line1()) || IsAllSpace(a.city()) || a.state().size() != 2 ||
        !absl::ascii_isupper(static_cast<unsigned char>(a.state()[0])) ||
        !absl::ascii_isupper(static_cast<unsigned char>(a.state()[1])) ||
        (zip_digits.size() != 5 && zip_digits.size() != 9) || !AllOf(zip_digits, IsDigit)) {
      return Invalid(
          "address needs line1 (street), city, a two-letter state in capitals (e.g. CA) and a "
          "ZIP of 5 digits or ZIP+4 (NNNNN-NNNN), or must be left out");
    }
  }
  for (int i = 0; i < provider.contracts_size(); ++i) {
    RETURN_IF_ERROR(ValidateContract(provider, i, kinds, plan_exists));
  }
  return absl::OkStatus();
}

}  // namespace hub
