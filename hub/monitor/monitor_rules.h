// The county monitor's rules as pure functions (no storage, no clock): the
// configuration and its defaults, what counts as an active assignment or
// authorization, when outreach on a referral and a monthly RTF are due,
// latency percentiles, and which alerts a summary raises. Kept apart so
// each rule is tested alone and can be changed in one place.
#ifndef HUB_HUB_MONITOR_MONITOR_RULES_H_
#define HUB_HUB_MONITOR_MONITOR_RULES_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/enum_label.h"
#include "hub/common/outreach_rule.h"
#include "hub/v1/care.pb.h"
#include "hub/v1/monitor.pb.h"

namespace hub {

// The defaults documented in hub.v1.MonitorConfig.
hub::v1::MonitorConfig DefaultMonitorConfig();

// DefaultMonitorConfig with the text-format file at `path` merged over it
// ("" = the defaults). InvalidArgument (naming the field) for a file that
// does not parse or a negative value; NotFound if the file is missing.
absl::StatusOr<hub::v1::MonitorConfig> LoadMonitorConfig(const std::string& path);

// Checks a config's values: InvalidArgument naming the first bad field.
absl::Status ValidateMonitorConfig(const hub::v1::MonitorConfig& config);

// Nearest-rank p50/p90/p99 of `seconds` (reordered in place).
hub::v1::LatencyPercentiles Percentiles(std::vector<double>& seconds);

// An ECM assignment counts against the provider's capacity on `today`
// ("YYYY-MM-DD") when its benefit period contains today and the member has
// not declined, been unreachable or been discontinued.
bool IsActiveAssignment(const hub::v1::Assignment& assignment, std::string_view today);

// A Community Supports authorization counts against capacity on `today`
// when APPROVED, its period contains today and the referral loop is not
// closed or declined.
bool IsActiveAuthorization(const hub::v1::Authorization& authorization, std::string_view today);

// When a CS provider's first outreach on a referral is due under `rule`
// (hub/common/outreach_rule.h): 24 hours after the start of the referral day
// in the county's zone. nullopt for an authorization that is no referral to
// watch (no or bad referral_date, DENIED or CANCELLED, declined by the
// provider, or a Community Support exempt from the rule, e.g. sobering
// centers). The one-argument form uses DefaultOutreachRule().
std::optional<absl::Time> OutreachDueBy(const hub::v1::Authorization& authorization,
                                        const OutreachRule& rule);
std::optional<absl::Time> OutreachDueBy(const hub::v1::Authorization& authorization);

// The monthly RTF rule. An ECM provider with members assigned by a plan
// owes that plan an RTF for each month; the RTF for month M counts as
// delivered once the provider has submitted at least one enrollment status
// record (RTF row) for the plan with an as_of_date in M. It is due by the
// end of day `due_day` of the month after M.
struct RtfDue {
  // "YYYY-MM": the month whose RTF is due.
  std::string period;
  absl::Time due_time;
};
// The RTF that matters at `now`: the previous month's, with its due time.
RtfDue CurrentRtfDue(absl::Time now, int due_day);

// The alerts `summary` raises under `config`, sorted by alert_id. Their
// `since` is left unset (the monitor keeps when each started).
std::vector<hub::v1::Alert> EvaluateAlerts(const hub::v1::MonitorSummary& summary,
                                           const hub::v1::MonitorConfig& config);

// "BACKLOG_AGE" for ALERT_RULE_BACKLOG_AGE.
std::string AlertRuleName(hub::v1::AlertRule rule);

}  // namespace hub

#endif  // HUB_HUB_MONITOR_MONITOR_RULES_H_
