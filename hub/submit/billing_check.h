// The billing check of a Submit: a service line that the plan's billing file
// could not bill is refused at once, with what to fix, instead of being
// found unbillable at month end (docs/billing.md). Runs after the record
// passed validation (submit_validation.h) and was routed to a plan.
//
// Order of checks for a service line:
//   1. INVALID_DIAGNOSIS_CODE: a diagnosis code not written as ICD-10-CM;
//   2. PLACE_OF_SERVICE_MISMATCH: a telephonic or video service (in_person
//      false) whose place of service is not telehealth (02 or 10), or an
//      in-person service with a telehealth place of service;
//   3. MISSING_DIAGNOSIS: no diagnosis code while the plan bills the line's
//      program (ECM, Community Supports) on the 837P.
// Other records pass.
//
// Thread safety: pure functions.
#ifndef HUB_HUB_SUBMIT_BILLING_CHECK_H_
#define HUB_HUB_SUBMIT_BILLING_CHECK_H_

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "hub/common/billing_reasons.h"
#include "hub/submit/submit_validation.h"
#include "hub/v1/adapter_config.pb.h"
#include "hub/v1/submission.pb.h"

namespace hub {

inline constexpr std::string_view kInvalidDiagnosisCode = "INVALID_DIAGNOSIS_CODE";
inline constexpr std::string_view kPlaceOfServiceMismatch = "PLACE_OF_SERVICE_MISMATCH";

// The plan's profile (its billing rules), or nullptr when the plan has none.
using BillingProfileLookup = std::function<const hub::v1::PlanProfile*(std::string_view plan_id)>;

// The rows these checks add to SubmitReasons().
const std::vector<SubmitReason>& BillingSubmitReasons();

// nullopt if `submission` (routed to `plan_id`) can be billed as the plan's
// profile says; else the violation. `profile` may be null (no rules: every
// program on the 837P).
std::optional<Violation> CheckBillable(const hub::v1::Submission& submission,
                                       std::string_view plan_id,
                                       const hub::v1::PlanProfile* profile);

}  // namespace hub

#endif  // HUB_HUB_SUBMIT_BILLING_CHECK_H_
