#include "base/identifiers.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"

namespace hub {
namespace {

absl::Status ValidateSlug(std::string_view id, size_t max, const char* what) {
  bool ok = id.size() >= 2 && id.size() <= max && absl::ascii_islower(id[0]);
  for (char c : id) {
    ok = ok && (absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_');
  }
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrFormat(
      "%s must be 2 to %d characters of a-z, 0-9 and _, starting with a letter", what, max));
}

}  // namespace

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool AllAlnum(std::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t') return false;
  }
  return true;
}

absl::Status ValidateCin(std::string_view cin) {
  if (cin.size() == 9 && AllDigits(cin.substr(0, 8)) && absl::ascii_isupper(cin[8])) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      "CIN must be 9 characters: 8 digits then an uppercase letter, e.g. 99898657G");
}

char NpiCheckDigit(std::string_view npi9) {
  // Luhn over "80840" + 9 digits; double every second digit from the right
  // of the payload (the check digit itself is at the far right).
  int sum = 24;  // Contribution of the 80840 prefix, per the CMS standard.
  for (int i = 8, pos = 0; i >= 0; --i, ++pos) {
    int d = npi9[i] - '0';
    if (pos % 2 == 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

absl::Status ValidateNpi(std::string_view npi) {
  if (npi.size() != 10 || !AllDigits(npi)) {
    return absl::InvalidArgumentError("NPI must be exactly 10 digits");
  }
  if (NpiCheckDigit(npi.substr(0, 9)) != npi[9]) {
    return absl::InvalidArgumentError(
        "NPI check digit is wrong (Luhn with prefix 80840); check for a typo");
  }
  return absl::OkStatus();
}

absl::Status ValidateTin(std::string_view tin) {
  if (tin.size() == 9 && AllDigits(tin)) return absl::OkStatus();
  return absl::InvalidArgumentError("TIN must be exactly 9 digits, without a dash");
}

absl::Status ValidatePlanId(std::string_view id) { return ValidateSlug(id, 32, "plan_id"); }

absl::Status ValidateProviderId(std::string_view id) { return ValidateSlug(id, 48, "provider_id"); }

}  // namespace hub
