#include "adapters/plan_billing.h"

#include <string>

#include "absl/strings/ascii.h"

namespace hub::adapters {

hub::v1::BillingProgram ProgramOf(const hub::v1::ServiceRecord& line) {
  return line.authorization_number().empty() ? hub::v1::BILLING_PROGRAM_ECM
                                             : hub::v1::BILLING_PROGRAM_COMMUNITY_SUPPORTS;
}

hub::v1::FileKind BillingFileFor(const hub::v1::PlanProfile* profile,
                                 hub::v1::BillingProgram program) {
  if (profile != nullptr) {
    for (const hub::v1::BillingRule& rule : profile->billing()) {
      if (rule.program() == program) return rule.file_kind();
    }
  }
  return hub::v1::FILE_KIND_CLAIMS_837P;
}

std::string_view ProgramWords(hub::v1::BillingProgram program) {
  return program == hub::v1::BILLING_PROGRAM_ECM ? "ECM" : "Community Supports";
}

bool LooksLikeIcd10Cm(std::string_view code) {
  std::string compact;
  for (size_t i = 0; i < code.size(); ++i) {
    if (code[i] == '.' && i == 3) continue;
    compact.push_back(code[i]);
  }
  if (compact.size() < 3 || compact.size() > 7) return false;
  const auto alnum = [](char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); };
  if (!absl::ascii_isalpha(static_cast<unsigned char>(compact[0])) ||
      !absl::ascii_isdigit(static_cast<unsigned char>(compact[1]))) {
    return false;
  }
  for (char c : compact) {
    if (!alnum(c)) return false;
  }
  return true;
}

}  // namespace hub::adapters
