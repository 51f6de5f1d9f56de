// Validation of directory records (plans and providers). One piece of code
// serves the seed loader and the Create/Update RPCs, so a record the seed
// file accepts is exactly a record the API accepts.
//
// Errors are InvalidArgument with a sentence that names the field and says
// what to fix, e.g. "NPI must be exactly 10 digits". Messages never echo
// values that could be PHI (a provider's phone number is not echoed).
// The functions are pure apart from calling `plan_exists`; thread-safe.
#ifndef HUB_HUB_DIRECTORY_DIRECTORY_VALIDATION_H_
#define HUB_HUB_DIRECTORY_DIRECTORY_VALIDATION_H_

#include <functional>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hub/v1/organization.pb.h"

namespace hub {

// OK if `plan` is a complete, well-formed plan: valid plan_id, a name,
// dhcs_plan_code empty or 1-16 of [A-Za-z0-9], adapter_profile empty or
// 1-32 of [a-z0-9_-].
absl::Status ValidatePlan(const hub::v1::Plan& plan);

// Answers whether a plan with that id exists (true/false) or fails when the
// question cannot be answered (the error is returned as is).
using PlanExists = std::function<absl::StatusOr<bool>(std::string_view plan_id)>;

// OK if `provider` is a complete, well-formed provider: valid provider_id,
// NPI (check digit), TIN, a name, at least one kind and no UNSPECIFIED
// kind, community_supports when a kind is CS (and only then), phone empty
// or 10 digits, and each contract naming a plan for which `plan_exists` is
// true, at most one contract per plan, contract kinds a subset of the
// provider's kinds, capacities >= 0, ISO dates with start <= end.
absl::Status ValidateProvider(const hub::v1::Provider& provider, const PlanExists& plan_exists);

}  // namespace hub

#endif  // HUB_HUB_DIRECTORY_DIRECTORY_VALIDATION_H_
