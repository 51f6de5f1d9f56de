// Validation of the identifiers the programme uses: CIN, NPI, TIN, and the
// hub's own plan and provider ids. Error messages never echo the value
// checked (a CIN is PHI); they say what shape is expected.
#ifndef HUB_BASE_IDENTIFIERS_H_
#define HUB_BASE_IDENTIFIERS_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace hub {

// True if every character of `s` is an ASCII digit (true for "").
bool AllDigits(std::string_view s);

// True if every character of `s` is an ASCII letter or digit (true for "").
bool AllAlnum(std::string_view s);

// True if `s` holds only spaces and tabs (true for "").
bool IsBlank(std::string_view s);

// OK if `cin` is a Medi-Cal CIN: 8 digits then an uppercase letter.
absl::Status ValidateCin(std::string_view cin);

// OK if `npi` is 10 digits whose last digit is the Luhn check digit computed
// with the 80840 prefix (CMS NPI standard).
absl::Status ValidateNpi(std::string_view npi);

// The Luhn check digit ('0'..'9') for the first 9 digits of an NPI.
// Precondition: `npi9` is 9 ASCII digits.
char NpiCheckDigit(std::string_view npi9);

// OK if `tin` is 9 digits (no dash).
absl::Status ValidateTin(std::string_view tin);

// OK if `id` is a hub plan id: 2-32 chars of [a-z0-9_], starting with a letter.
absl::Status ValidatePlanId(std::string_view id);

// OK if `id` is a hub provider id: 2-48 chars of [a-z0-9_], starting with a letter.
absl::Status ValidateProviderId(std::string_view id);

}  // namespace hub

#endif  // HUB_BASE_IDENTIFIERS_H_
