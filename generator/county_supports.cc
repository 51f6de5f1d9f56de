// County::MemberBuilder's Community Supports steps (generator/county_member.h):
// the member's supports and their authorizations, from the member's
// Community Supports stream.
#include <algorithm>
#include <array>
#include <string>

#include "generator/county_data.h"
#include "generator/county_internal.h"
#include "generator/county_member.h"

namespace hub::generator {

using county_internal::DayBetween;
using county_internal::Earlier;
using county_internal::kCommunitySupports;
using county_internal::Later;
using county_internal::PermuteId;
using county_internal::PutDigits;
using county_internal::SetIso;
using hub::v1::AuthorizationFileRow;
using hub::v1::CommunitySupport;

namespace {

struct SupportProfile {
  double base;      // any adult
  double homeless;  // added for members experiencing homelessness
  double senior;    // added for members 65 and over
  double child;     // children and youth (instead of base)
  int units_lo;
  int units_hi;
  int duration_days;
};

// Indexed by CommunitySupport number.
constexpr SupportProfile kSupports[kCommunitySupports] = {
    {0, 0, 0, 0, 0, 0, 0},               // UNSPECIFIED
    {1.0, 8.0, 0.5, 0.2, 20, 120, 180},  // housing transition navigation
    {0.3, 3.0, 0.2, 0.0, 1, 1, 90},      // housing deposits
    {0.8, 4.0, 0.5, 0.0, 20, 120, 180},  // housing tenancy and sustaining
    {0.3, 2.0, 0.5, 0.0, 30, 180, 180},  // short-term post-hospitalization housing
    {0.3, 2.5, 0.5, 0.0, 30, 90, 90},    // recuperative care
    {0.5, 0.0, 1.5, 1.5, 8, 336, 180},   // respite services
    {0.4, 0.5, 0.5, 0.2, 20, 200, 180},  // day habilitation
    {0.1, 0.0, 1.5, 0.0, 1, 30, 90},     // NF transition to assisted living
    {0.1, 0.3, 1.2, 0.0, 1, 1, 90},      // community transition
    {0.6, 0.0, 3.0, 0.3, 40, 300, 180},  // personal care and homemaker
    {0.2, 0.0, 1.5, 0.2, 1, 3, 90},      // environmental accessibility adaptations
    {2.5, 0.5, 2.0, 0.5, 42, 180, 90},   // medically tailored meals
    {0.2, 1.5, 0.0, 0.0, 1, 4, 30},      // sobering centers
    {0.3, 0.0, 0.2, 2.5, 1, 3, 90},      // asthma remediation
    {0.3, 3.0, 0.2, 0.0, 1, 6, 180},     // transitional rent
};

}  // namespace

void County::MemberBuilder::DrawCommunitySupports() {
  const PlanInfo& plan = county_.plans_[static_cast<size_t>(s_.plan_a)];
  const int count = cs_.Chance(0.25) ? 2 : 1;
  const bool senior = age_ >= 65;
  const bool child = age_ < 21;
  std::array<double, kCommunitySupports> support_weights{};
  for (int k = 1; k < kCommunitySupports; ++k) {
    if (plan.cs[static_cast<size_t>(k)].empty()) continue;
    const SupportProfile& p = kSupports[k];
    double w = child ? p.child + (homeless_ ? 0.3 * p.homeless : 0)
                     : p.base + (homeless_ ? p.homeless : 0) + (senior ? p.senior : 0);
    support_weights[static_cast<size_t>(k)] = w;
  }
  for (int n = 0; n < count; ++n) {
    double total = 0;
    for (double w : support_weights) total += w;
    if (total <= 0) break;
    const int support = static_cast<int>(cs_.Weighted(support_weights));
    support_weights[static_cast<size_t>(support)] = 0;
    DrawAuthorization(plan, support, n);
  }
}

void County::MemberBuilder::DrawAuthorization(const PlanInfo& plan, int support, int n) {
  const auto& pool = plan.cs[static_cast<size_t>(support)];
  std::array<double, 128> pw{};
  const size_t pool_size = std::min(pool.size(), pw.size());
  for (size_t k = 0; k < pool_size; ++k) pw[k] = pool[k].weight;
  const PoolEntry& provider = pool[cs_.Weighted(std::span<const double>(pw.data(), pool_size))];
  // Billing code: one of the reference rows for this support.
  const hub::v1::CommunitySupportBillingCode* code = nullptr;
  int64_t seen = 0;
  for (const auto& c : options_.reference.community_support_codes()) {
    if (c.community_support() != support) continue;
    ++seen;
    if (cs_.Below(static_cast<uint64_t>(seen)) == 0) code = &c;  // reservoir pick
  }
  if (code == nullptr) return;
  const CivilDate hi = cov_end_.has_value() ? Earlier(*cov_end_, pe_) : pe_;
  const CivilDate lo = Later(Later(cov_start_, ps_.AddDays(-180)), provider.contract_start);
  if (hi < lo) return;
  const SupportProfile& profile = kSupports[support];
  const CivilDate referral = DayBetween(cs_, lo, hi);
  const CivilDate start = Earlier(referral.AddDays(cs_.Between(0, 10)), hi);
  CivilDate end = start.AddDays(profile.duration_days - 1);
  if (cov_end_.has_value()) end = Earlier(end, *cov_end_);
  const int units = static_cast<int>(cs_.Between(profile.units_lo, profile.units_hi));

  AuthorizationFileRow& row = out_.enrollments[0].authorizations.emplace_back();
  row.set_action(cov_end_.has_value() ? hub::v1::ROW_ACTION_TERMINATE : hub::v1::ROW_ACTION_UPSERT);
  row.set_provider_npi(provider.provider->npi());
  auto& auth = *row.mutable_authorization();
  char number[14];
  number[0] = plan.prefix[0];
  number[1] = plan.prefix[1];
  number[2] = 'A';
  PutDigits(number + 3, PermuteId(options_.seed, plan.id_salt ^ 0xA5, i_), 10);
  number[13] = static_cast<char>('1' + n);
  auth.mutable_authorization_number()->assign(number, sizeof(number));
  auth.set_cin(member_->cin());
  auth.set_plan_id(plan.plan_id);
  auth.set_provider_id(provider.provider->provider_id());
  auth.set_community_support(static_cast<CommunitySupport>(support));
  auth.set_hcpcs_code(code->hcpcs_code());
  for (const auto& modifier : code->modifiers()) auth.add_modifiers(modifier);
  SetIso(auth.mutable_start_date(), start);
  SetIso(auth.mutable_end_date(), end);
  SetIso(auth.mutable_referral_date(), referral);
  DrawAuthorizationStatus(auth, profile.duration_days, referral, start, end, hi, units);
}

void County::MemberBuilder::DrawAuthorizationStatus(hub::v1::Authorization& auth, int duration_days,
                                                    const CivilDate& referral,
                                                    const CivilDate& start, const CivilDate& end,
                                                    const CivilDate& hi, int units) {
  static constexpr double kAuthStatus[] = {0.08, 0.78, 0.09, 0.05};  // REQUESTED..CANCELLED
  const auto status = static_cast<hub::v1::AuthorizationStatus>(1 + cs_.Weighted(kAuthStatus));
  auth.set_status(status);
  switch (status) {
    case hub::v1::AUTHORIZATION_STATUS_REQUESTED:
      auth.set_units_approved(0);
      auth.set_referral_status(hub::v1::REFERRAL_STATUS_RECEIVED);
      SetIso(auth.mutable_referral_status_date(), referral);
      break;
    case hub::v1::AUTHORIZATION_STATUS_DENIED:
      auth.set_units_approved(0);
      CloseReferral(auth, hub::v1::REFERRAL_STATUS_CLOSED,
                    hub::v1::LOOP_CLOSURE_REASON_MEMBER_NOT_ELIGIBLE,
                    DayBetween(cs_, referral, Earlier(referral.AddDays(14), hi)));
      break;
    case hub::v1::AUTHORIZATION_STATUS_CANCELLED: {
      auth.set_units_approved(units);
      static constexpr double kWhy[] = {0.4, 0.4, 0.1, 0.1};
      static constexpr hub::v1::LoopClosureReason kReasons[] = {
          hub::v1::LOOP_CLOSURE_REASON_MEMBER_DECLINED,
          hub::v1::LOOP_CLOSURE_REASON_UNABLE_TO_CONTACT,
          hub::v1::LOOP_CLOSURE_REASON_PROVIDER_AT_CAPACITY, hub::v1::LOOP_CLOSURE_REASON_OTHER};
      const auto reason = kReasons[cs_.Weighted(kWhy)];
      CloseReferral(auth,
                    reason == hub::v1::LOOP_CLOSURE_REASON_MEMBER_DECLINED
                        ? hub::v1::REFERRAL_STATUS_DECLINED
                        : hub::v1::REFERRAL_STATUS_CLOSED,
                    reason, DayBetween(cs_, referral, Earlier(end, pe_)));
      break;
    }
    default:  // APPROVED
      auth.set_units_approved(units);
      DrawApprovedReferral(auth, duration_days, referral, start, end, units);
      break;
  }
}

void County::MemberBuilder::DrawApprovedReferral(hub::v1::Authorization& auth, int duration_days,
                                                 const CivilDate& referral, const CivilDate& start,
                                                 const CivilDate& end, int units) {
  const int64_t elapsed = pe_.DaysSinceEpoch() - referral.DaysSinceEpoch();
  if (end < pe_) {
    static constexpr double kWhy[] = {0.80, 0.05, 0.10, 0.05};
    static constexpr hub::v1::LoopClosureReason kReasons[] = {
        hub::v1::LOOP_CLOSURE_REASON_SERVICE_RECEIVED, hub::v1::LOOP_CLOSURE_REASON_MEMBER_DECLINED,
        hub::v1::LOOP_CLOSURE_REASON_UNABLE_TO_CONTACT, hub::v1::LOOP_CLOSURE_REASON_OTHER};
    const auto reason = kReasons[cs_.Weighted(kWhy)];
    CloseReferral(auth, hub::v1::REFERRAL_STATUS_CLOSED, reason, DayBetween(cs_, end, pe_));
    if (reason == hub::v1::LOOP_CLOSURE_REASON_SERVICE_RECEIVED) {
      auth.set_units_used(static_cast<int32_t>(units * (0.6 + 0.4 * cs_.Uniform())));
    }
  } else if (elapsed < 3) {
    auth.set_referral_status(hub::v1::REFERRAL_STATUS_RECEIVED);
    SetIso(auth.mutable_referral_status_date(), referral);
  } else {
    const bool in_progress = cs_.Chance(0.8);
    auth.set_referral_status(in_progress ? hub::v1::REFERRAL_STATUS_IN_PROGRESS
                                         : hub::v1::REFERRAL_STATUS_ACCEPTED);
    SetIso(auth.mutable_referral_status_date(), DayBetween(cs_, referral, Earlier(end, pe_)));
    if (in_progress) {
      const int64_t served = pe_.DaysSinceEpoch() - start.DaysSinceEpoch();
      const double fraction = std::clamp(static_cast<double>(served) / duration_days, 0.0, 1.0);
      auth.set_units_used(static_cast<int32_t>(units * fraction * (0.5 + 0.5 * cs_.Uniform())));
    }
  }
}

void County::MemberBuilder::CloseReferral(hub::v1::Authorization& auth, hub::v1::ReferralStatus rs,
                                          hub::v1::LoopClosureReason reason, const CivilDate& day) {
  auth.set_referral_status(rs);
  SetIso(auth.mutable_referral_status_date(), day);
  auth.set_closure_reason(reason);
  if (reason == hub::v1::LOOP_CLOSURE_REASON_OTHER) {
    const auto reasons = data::OtherClosureReasons();
    auth.set_closure_reason_text(std::string(reasons[cs_.Below(reasons.size())]));
  }
}

}  // namespace hub::generator
