// Reason codes that both Submit (hub/submit/billing_check.h) and the
// monthly billing files (hub/export/billing_month.h) give, declared once so
// that a provider sees the same code for the same problem at either step.
#ifndef HUB_HUB_COMMON_BILLING_REASONS_H_
#define HUB_HUB_COMMON_BILLING_REASONS_H_

#include <string_view>

namespace hub {

// A service line without the diagnosis code the plan's claim needs.
inline constexpr std::string_view kMissingDiagnosis = "MISSING_DIAGNOSIS";

}  // namespace hub

#endif  // HUB_HUB_COMMON_BILLING_REASONS_H_
