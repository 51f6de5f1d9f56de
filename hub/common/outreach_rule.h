// The 24-hour outreach rule of Community Supports referrals (domain.md,
// "Timeliness rules"): a CS provider makes its first outreach within 24
// hours of the plan's referral. It applies to CS referrals only, never to
// ECM assignments; days are the county's (America/Los_Angeles for a
// California county, configurable), never UTC's; and the Community Supports
// that take walk-ins are exempt (data/reference/community_supports.textproto,
// community_support_rules: sobering centers).
//
// Plans send the referral's day, not its time, so the referral counts from
// the start of that day in the county's zone and outreach is due 24 hours
// later: a referral dated today is due by midnight tonight, county time.
//
// Value type; immutable once built, safe to share.
#ifndef HUB_HUB_COMMON_OUTREACH_RULE_H_
#define HUB_HUB_COMMON_OUTREACH_RULE_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hub/v1/care.pb.h"
#include "hub/v1/codes.pb.h"
#include "hub/v1/reference.pb.h"

namespace hub {

inline constexpr char kDefaultCountyTimeZone[] = "America/Los_Angeles";

struct OutreachRule {
  // The county's zone: days (referral days, "today") are its days.
  absl::TimeZone county_zone;
  std::string county_zone_name;
  // Community Supports exempt from the deadline (CommunitySupport values).
  absl::flat_hash_set<int> exempt;

  // True if a referral for `support` has a 24-hour outreach deadline.
  bool Applies(hub::v1::CommunitySupport support) const { return !exempt.contains(support); }
  // When first outreach on a referral of `support` dated `referral_day`
  // ("YYYY-MM-DD") is due; nullopt if exempt or the day is not a real day.
  std::optional<absl::Time> DueBy(std::string_view referral_day,
                                  hub::v1::CommunitySupport support) const;
  // When first outreach on `authorization`'s referral is due; nullopt for
  // one that is no referral to watch (no or bad referral_date, DENIED or
  // CANCELLED, declined by the provider, or an exempt Community Support).
  // The one rule the monitor, the provider's worklist and the quarterly
  // report count by.
  std::optional<absl::Time> DueBy(const hub::v1::Authorization& authorization) const;
  // "YYYY-MM-DD" of `t` in the county's zone.
  std::string DayOf(absl::Time t) const;
};

// The rule for the county zone named `zone` (an IANA name, e.g.
// "America/Los_Angeles") with the exemptions of `tables`
// (community_support_rules). InvalidArgument if the zone is unknown (the
// machine lacks tzdata, or the name is misspelled).
absl::StatusOr<OutreachRule> MakeOutreachRule(std::string_view zone,
                                              const hub::v1::ReferenceTables& tables);

// America/Los_Angeles, sobering centers exempt: the default for tests and
// hubs started without reference tables. Falls back to UTC (and logs
// nothing) only if the machine has no tzdata.
const OutreachRule& DefaultOutreachRule();

}  // namespace hub

#endif  // HUB_HUB_COMMON_OUTREACH_RULE_H_
