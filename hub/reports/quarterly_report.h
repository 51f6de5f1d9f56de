// The quarterly ECM and Community Supports implementation monitoring report
// as pure functions: the tables of one plan's report for
// one quarter, computed from what the hub holds (QuarterlyInput, filled by
// the caller from storage), and the county roll-up across plans.
//
// Tables (ReportTable.name), one row per the template's keys, every key
// listed even when its counts are 0:
//   ecm_pof       one row per population of focus: ECM members whose benefit
//                 period overlaps the quarter, new (benefit start in the
//                 quarter), enrolled, discontinued in the quarter, active on
//                 the last day; ECM service lines in the quarter (in person,
//                 telephonic/video). A member in several POFs counts in each.
//   cs_service    one row per Community Support: authorizations requested
//                 (referral date in the quarter), approved, denied; members
//                 authorized (approved, period overlaps the quarter); members
//                 who received it (a service line on the authorization in the
//                 quarter, or the loop closed as service received); units.
//   network       one row per (provider, kind, Community Support) contracted
//                 with the plan: NPI, contracted capacity, members served in
//                 the quarter, active on the last day.
//   outreach      one row per (month, provider): CS referrals whose 24-hour
//                 outreach deadline fell in the month: met, late, missing
//                 (input.outreach_rule, MonitorService's: due at the midnight
//                 that ends the referral day in the county's zone; the month
//                 is the deadline's, county time; first outreach attempt
//                 accepted by then; exempt Community Supports left out).
//   referrals     one row per (Community Support, referral status, closure
//                 reason) of referrals dated in the quarter; sobering centers
//                 are exempt from closed-loop referral tracking and left out.
//   flows         one row per (month, record kind): providers' records
//                 accepted into the plan's feed in the month, acknowledged,
//                 rejected by the plan, still pending (MonitorService flows).
//   notes         the tabs and columns of the DHCS template the hub cannot
//                 fill, and why.
// Every cell is an aggregate count: no CIN, name or date of a member.
//
// Thread safety: pure functions.
#ifndef HUB_HUB_REPORTS_QUARTERLY_REPORT_H_
#define HUB_HUB_REPORTS_QUARTERLY_REPORT_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "hub/common/outreach_rule.h"
#include "hub/v1/care.pb.h"
#include "hub/v1/organization.pb.h"
#include "storage/flow_tally.h"

namespace hub {

// A calendar quarter: "2026Q4" (also "2026 Q4").
struct Quarter {
  int year = 0;
  int number = 0;  // 1..4
  // "2026Q4".
  std::string label;
  // First and last day, "YYYY-MM-DD".
  std::string first_day;
  std::string last_day;
  // The three months, "YYYY-MM".
  std::vector<std::string> months;
};

// InvalidArgument (saying the expected form) for anything but YYYYQn with
// n in 1..4 and 2000 <= YYYY <= 2999.
absl::StatusOr<Quarter> ParseQuarter(std::string_view text);

// An ECM or CS service line of the plan's feed (no PHI beyond the CIN used
// to join it to the member's assignment; never written out).
struct ServiceLine {
  std::string cin;
  std::string service_date;  // "YYYY-MM-DD"
  bool in_person = false;
  // Empty for ECM, else the CS authorization it was delivered under.
  std::string authorization_number;
};

// What the report is computed from: the plan's own records only.
struct QuarterlyInput {
  std::string plan_id;
  Quarter quarter;
  // The plan's ECM assignments and CS authorizations (any period).
  std::vector<hub::v1::Assignment> assignments;
  std::vector<hub::v1::Authorization> authorizations;
  // Every provider of the directory (those contracted with the plan count).
  std::vector<hub::v1::Provider> providers;
  // authorization_number -> when its first outreach attempt was accepted
  // (Unix micros); absent = none.
  std::map<std::string, int64_t> first_outreach_micros;
  // The plan's service lines dated in the quarter.
  std::vector<ServiceLine> services;
  // Per month of the quarter ("YYYY-MM"): the flow tallies of that month's
  // [first second, next month's first second) in UTC.
  std::map<std::string, storage::FlowTallies> flows;
  // Now (Unix micros): an outreach deadline after it with no attempt yet is
  // pending, not missing.
  int64_t now_micros = 0;
  // The 24-hour outreach rule (county zone, exempt Community Supports).
  OutreachRule outreach_rule = DefaultOutreachRule();
};

using Cell = std::variant<std::string, int64_t>;

struct ReportTable {
  std::string name;
  // Key columns come first; the rest are counts.
  std::vector<std::string> columns;
  int key_columns = 0;
  std::vector<std::vector<Cell>> rows;
};

struct QuarterlyReport {
  std::string plan_id;              // "county" for the roll-up
  std::string quarter;              // "2026Q4"
  std::vector<ReportTable> tables;  // in the order of the header comment

  // The table named `name`, or null.
  const ReportTable* Find(std::string_view name) const;
};

// The plan's report. Never fails: records with malformed dates are left
// out of the counts that need the date.
QuarterlyReport ComputeQuarterlyReport(const QuarterlyInput& input);

// The county roll-up: each table's counts summed per key across the plans'
// reports (the network table's rows per provider summed across plans, with
// the plan column dropped), plan_id "county". Aggregates only: it is built
// from the plans' reports, never from member records.
// InvalidArgument if the reports are of different quarters or none given.
absl::StatusOr<QuarterlyReport> CountyRollup(const std::vector<QuarterlyReport>& reports);

// The notes table: the template's tabs/columns the hub cannot fill.
ReportTable QuarterlyNotes();

}  // namespace hub

#endif  // HUB_HUB_REPORTS_QUARTERLY_REPORT_H_
