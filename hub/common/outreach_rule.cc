#include "hub/common/outreach_rule.h"

#include "absl/strings/str_cat.h"
#include "base/civil_date.h"

namespace hub {

std::optional<absl::Time> OutreachRule::DueBy(std::string_view referral_day,
                                              hub::v1::CommunitySupport support) const {
  if (!Applies(support)) return std::nullopt;
  absl::StatusOr<CivilDate> day = CivilDate::ParseIso(referral_day);
  if (!day.ok()) return std::nullopt;
  const absl::CivilDay civil(day->year(), day->month(), day->day());
  // The start of the next county day, not 24 hours after this one began: the
  // day DST ends has 25 hours (2026-11-01 in Los Angeles), the day it starts 23.
  return absl::FromCivil(civil + 1, county_zone);
}

std::optional<absl::Time> OutreachRule::DueBy(const hub::v1::Authorization& a) const {
  if (a.referral_date().empty()) return std::nullopt;
  if (a.status() == hub::v1::AUTHORIZATION_STATUS_DENIED ||
      a.status() == hub::v1::AUTHORIZATION_STATUS_CANCELLED ||
      a.referral_status() == hub::v1::REFERRAL_STATUS_DECLINED) {
    return std::nullopt;
  }
  return DueBy(a.referral_date(), a.community_support());
}

std::string OutreachRule::DayOf(absl::Time t) const {
  return absl::FormatTime("%Y-%m-%d", t, county_zone);
}

absl::StatusOr<OutreachRule> MakeOutreachRule(std::string_view zone,
                                              const hub::v1::ReferenceTables& tables) {
  OutreachRule rule;
  if (!absl::LoadTimeZone(std::string(zone), &rule.county_zone)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown time zone \"", std::string(zone),
        "\"; name the county's IANA zone (e.g. America/Los_Angeles) and install tzdata"));
  }
  rule.county_zone_name = std::string(zone);
  for (const hub::v1::CommunitySupportRule& r : tables.community_support_rules()) {
    if (r.exempt_from_outreach_deadline()) rule.exempt.insert(r.community_support());
  }
  return rule;
}

const OutreachRule& DefaultOutreachRule() {
  static const OutreachRule* const kRule = [] {
    auto* rule = new OutreachRule();
    if (!absl::LoadTimeZone(kDefaultCountyTimeZone, &rule->county_zone)) {
      rule->county_zone = absl::UTCTimeZone();
    }
    rule->county_zone_name = kDefaultCountyTimeZone;
    rule->exempt.insert(hub::v1::COMMUNITY_SUPPORT_SOBERING_CENTERS);
    return rule;
  }();
  return *kRule;
}

}  // namespace hub
