#include "storage/claim_tally.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/string_view.h"

namespace hub::storage {
namespace {

constexpr int32_t kMaxDays = 365;

// A code: 1-10 characters of letters, digits and '-', with a digit (every
// CARC, RARC, 277CA and CLP02 code has one; a word never makes a label).
bool IsCode(std::string_view s) {
  if (s.empty() || s.size() > 10) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return absl::ascii_isalnum(c) || c == '-'; }) &&
         std::any_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c); });
}

std::vector<std::string_view> Split(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t end = s.find(separator, start);
    parts.push_back(s.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

bool ParseDay(std::string_view date, absl::Time* t) {
  std::string err;
  return date.size() == 10 && absl::ParseTime("%Y-%m-%d", Absl(date), t, &err);
}

void AddCounts(hub::v1::ClaimCounts& c, const hub::v1::PlanDecision& d, int sign) {
  switch (d.decision()) {
    case hub::v1::CLAIM_DECISION_ACCEPTED:
      c.set_accepted(c.accepted() + sign);
      break;
    case hub::v1::CLAIM_DECISION_REJECTED:
      c.set_rejected(c.rejected() + sign);
      break;
    case hub::v1::CLAIM_DECISION_PAID:
      c.set_paid(c.paid() + sign);
      c.set_paid_cents(c.paid_cents() + sign * d.paid_cents());
      break;
    case hub::v1::CLAIM_DECISION_DENIED:
      c.set_denied(c.denied() + sign);
      break;
    default:
      break;
  }
}

bool Empty(const hub::v1::ClaimCounts& c) {
  return c.accepted() == 0 && c.rejected() == 0 && c.paid() == 0 && c.denied() == 0 &&
         c.paid_cents() == 0;
}

template <typename Map, typename Key>
void AddTo(Map& map, const Key& key, int64_t delta) {
  const int64_t value = map[key] + delta;
  if (value == 0) {
    map.erase(key);
  } else {
    map[key] = value;
  }
}

}  // namespace

std::string DenialReasonCode(std::string_view reason) {
  const std::vector<std::string_view> parts = Split(reason, ' ');
  if (parts.size() < 2) return "";
  const std::string_view list = parts[0];
  const std::string_view code = parts[1];
  if (list == "277CA") {
    // "A7:21:85" -> "A7:21" (category and status; the entity is not a reason).
    const std::vector<std::string_view> pieces = Split(code, ':');
    if (pieces.size() < 2 || !IsCode(pieces[0]) || !IsCode(pieces[1])) return "";
    return absl::StrCat("277CA ", Absl(pieces[0]), ":", Absl(pieces[1]));
  }
  if (list == "999") {
    // "999 IK5 R 5" -> "999 IK5 5", "999 IK3 CLM 22 8" -> "999 IK3 8": the
    // level and its error code (the segment and its position are not
    // reasons); a verdict without a code counts as its letter.
    if (parts.size() < 3 || (code != "IK3" && code != "IK4" && code != "IK5" && code != "AK9")) {
      return "";
    }
    const std::string_view error = parts.back();
    if (parts.size() == 3 && (error == "R" || error == "E")) {
      return absl::StrCat("999 ", Absl(code), " ", Absl(error));
    }
    if (!IsCode(error) || parts.size() < 4) return "";
    return absl::StrCat("999 ", Absl(code), " ", Absl(error));
  }
  if (list != "CARC" && list != "RARC" && list != "CLP02") return "";
  if (!IsCode(code)) return "";
  return absl::StrCat(Absl(list), " ", Absl(code));
}

void CountClaimLine(hub::v1::PlanClaims& tally, const hub::v1::BillingStatus& line,
                    const hub::v1::PlanDecision& decision, int sign) {
  AddCounts(*tally.mutable_counts(), decision, sign);
  auto& providers = *tally.mutable_providers();
  AddCounts(providers[line.provider_id()], decision, sign);
  if (Empty(providers[line.provider_id()])) providers.erase(line.provider_id());
  const hub::v1::ClaimDecision d = decision.decision();
  if (d == hub::v1::CLAIM_DECISION_REJECTED || d == hub::v1::CLAIM_DECISION_DENIED) {
    for (const std::string& reason : decision.reason_codes()) {
      const std::string code = DenialReasonCode(reason);
      if (!code.empty()) AddTo(*tally.mutable_denial_reasons(), code, sign);
    }
  }
  absl::Time service;
  absl::Time paid;
  if (d == hub::v1::CLAIM_DECISION_PAID && ParseDay(line.service_date(), &service) &&
      ParseDay(decision.date(), &paid)) {
    const int64_t days = std::clamp<int64_t>(absl::ToInt64Hours(paid - service) / 24, 0, kMaxDays);
    AddTo(*tally.mutable_days_to_payment(), static_cast<int32_t>(days), sign);
  }
}

int32_t DaysToPaymentQuantile(const hub::v1::PlanClaims& tally, double q) {
  int64_t total = 0;
  for (const auto& [days, count] : tally.days_to_payment()) total += count;
  if (total <= 0) return -1;
  std::vector<std::pair<int32_t, int64_t>> sorted;
  for (const auto& [days, count] : tally.days_to_payment()) sorted.emplace_back(days, count);
  std::sort(sorted.begin(), sorted.end());
  // Nearest rank: the smallest value with at least q of the lines at or below it.
  const auto rank = static_cast<int64_t>(std::ceil(q * static_cast<double>(total)));
  int64_t seen = 0;
  for (const auto& [days, count] : sorted) {
    seen += count;
    if (seen >= std::max<int64_t>(rank, 1)) return days;
  }
  return sorted.back().first;
}

void FinishClaimTally(hub::v1::PlanClaims& tally) {
  const hub::v1::ClaimCounts& c = tally.counts();
  const int64_t answered = c.accepted() + c.rejected() + c.paid() + c.denied();
  tally.set_acceptance_rate(
      answered > 0 ? static_cast<double>(c.accepted() + c.paid() + c.denied()) / answered : 0);
  tally.set_median_days_to_payment(DaysToPaymentQuantile(tally, 0.5));
}

}  // namespace hub::storage
