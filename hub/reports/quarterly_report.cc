#include "hub/reports/quarterly_report.h"

#include <algorithm>
#include <array>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "base/enum_label.h"
#include "hub/v1/codes.pb.h"
#include "hub/v1/monitor.pb.h"
#include "hub/v1/submission.pb.h"

namespace hub {
namespace {

using hub::v1::Assignment;
using hub::v1::Authorization;

std::optional<absl::CivilDay> Day(const std::string& iso) {
  absl::CivilDay day;
  if (iso.size() != 10 || !absl::ParseCivilTime(iso, &day)) return std::nullopt;
  return day;
}

std::string MonthOf(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d", day.year(), day.month());
}

// Whether [start, end] (end empty = open) overlaps [first, last].
bool Overlaps(const std::string& start, const std::string& end, const std::string& first,
              const std::string& last) {
  if (!Day(start)) return false;
  return start <= last && (end.empty() || end >= first);
}

bool InQuarter(const std::string& date, const Quarter& q) {
  return Day(date).has_value() && date >= q.first_day && date <= q.last_day;
}

template <typename Enum>
std::vector<Enum> EnumValues(const google::protobuf::EnumDescriptor* descriptor) {
  std::vector<Enum> values;
  for (int i = 0; i < descriptor->value_count(); ++i) {
    if (descriptor->value(i)->number() != 0) {
      values.push_back(static_cast<Enum>(descriptor->value(i)->number()));
    }
  }
  return values;
}

std::string PofLabel(hub::v1::PopulationOfFocus p) {
  return EnumLabel(hub::v1::PopulationOfFocus_Name(p), "POPULATION_OF_FOCUS_");
}
std::string SupportLabel(hub::v1::CommunitySupport s) {
  return EnumLabel(hub::v1::CommunitySupport_Name(s), "COMMUNITY_SUPPORT_");
}

bool ActiveOn(const Assignment& a, const std::string& day) {
  if (a.benefit_start_date().empty() || a.benefit_start_date() > day) return false;
  if (!a.benefit_end_date().empty() && a.benefit_end_date() < day) return false;
  return a.status() != hub::v1::ENROLLMENT_STATUS_DECLINED &&
         a.status() != hub::v1::ENROLLMENT_STATUS_UNABLE_TO_REACH &&
         a.status() != hub::v1::ENROLLMENT_STATUS_DISCONTINUED;
}

bool ActiveOn(const Authorization& a, const std::string& day) {
  if (a.status() != hub::v1::AUTHORIZATION_STATUS_APPROVED) return false;
  if (a.start_date().empty() || a.start_date() > day) return false;
  if (!a.end_date().empty() && a.end_date() < day) return false;
  return a.referral_status() != hub::v1::REFERRAL_STATUS_CLOSED &&
         a.referral_status() != hub::v1::REFERRAL_STATUS_DECLINED;
}

ReportTable EcmPof(const QuarterlyInput& in) {
  ReportTable t{
      "ecm_pof",
      {"population_of_focus", "members_assigned", "members_new", "members_enrolled",
       "members_discontinued", "members_active_end", "services_in_person", "services_telephonic"},
      1,
      {}};
  const Quarter& q = in.quarter;
  const auto pofs = EnumValues<hub::v1::PopulationOfFocus>(hub::v1::PopulationOfFocus_descriptor());
  std::map<int, std::array<std::set<std::string>, 5>> members;
  std::map<std::string, std::set<int>> pofs_of;  // CIN -> POFs in the quarter
  for (const Assignment& a : in.assignments) {
    if (!Overlaps(a.benefit_start_date(), a.benefit_end_date(), q.first_day, q.last_day)) continue;
    for (int p : a.populations_of_focus()) {
      auto& m = members[p];
      m[0].insert(a.cin());
      if (InQuarter(a.benefit_start_date(), q)) m[1].insert(a.cin());
      if (a.status() == hub::v1::ENROLLMENT_STATUS_ENROLLED) m[2].insert(a.cin());
      if (InQuarter(a.discontinuation().date(), q)) m[3].insert(a.cin());
      if (ActiveOn(a, q.last_day)) m[4].insert(a.cin());
      pofs_of[a.cin()].insert(p);
    }
  }
  std::map<int, std::pair<int64_t, int64_t>> services;
  for (const ServiceLine& s : in.services) {
    if (!s.authorization_number.empty() || !InQuarter(s.service_date, q)) continue;
    auto it = pofs_of.find(s.cin);
    if (it == pofs_of.end()) continue;
    for (int p : it->second) {
      (s.in_person ? services[p].first : services[p].second) += 1;
    }
  }
  for (hub::v1::PopulationOfFocus p : pofs) {
    std::vector<Cell> row{PofLabel(p)};
    for (int i = 0; i < 5; ++i) row.push_back(static_cast<int64_t>(members[p][i].size()));
    row.push_back(services[p].first);
    row.push_back(services[p].second);
    t.rows.push_back(std::move(row));
  }
  return t;
}

ReportTable CsService(const QuarterlyInput& in) {
  ReportTable t{"cs_service",
                {"community_support", "requested", "approved", "denied", "members_authorized",
                 "members_received", "units_approved", "units_used"},
                1,
                {}};
  const Quarter& q = in.quarter;
  std::map<std::string, const Authorization*> by_number;
  for (const Authorization& a : in.authorizations) by_number[a.authorization_number()] = &a;
  struct Counts {
    int64_t requested = 0, approved = 0, denied = 0, units_approved = 0, units_used = 0;
    std::set<std::string> authorized, received;
  };
  std::map<int, Counts> counts;
  for (const Authorization& a : in.authorizations) {
    Counts& c = counts[a.community_support()];
    if (InQuarter(a.referral_date(), q)) {
      ++c.requested;
      if (a.status() == hub::v1::AUTHORIZATION_STATUS_APPROVED) ++c.approved;
      if (a.status() == hub::v1::AUTHORIZATION_STATUS_DENIED) ++c.denied;
    }
    if (a.status() == hub::v1::AUTHORIZATION_STATUS_APPROVED &&
        Overlaps(a.start_date(), a.end_date(), q.first_day, q.last_day)) {
      c.authorized.insert(a.cin());
      c.units_approved += a.units_approved();
      c.units_used += a.units_used();
    }
    if (a.closure_reason() == hub::v1::LOOP_CLOSURE_REASON_SERVICE_RECEIVED &&
        InQuarter(a.referral_status_date(), q)) {
      c.received.insert(a.cin());
    }
  }
  for (const ServiceLine& s : in.services) {
    if (s.authorization_number.empty() || !InQuarter(s.service_date, q)) continue;
    auto it = by_number.find(s.authorization_number);
    if (it == by_number.end()) continue;
    counts[it->second->community_support()].received.insert(it->second->cin());
  }
  for (auto s : EnumValues<hub::v1::CommunitySupport>(hub::v1::CommunitySupport_descriptor())) {
    const Counts& c = counts[s];
    t.rows.push_back({SupportLabel(s), c.requested, c.approved, c.denied,
                      static_cast<int64_t>(c.authorized.size()),
                      static_cast<int64_t>(c.received.size()), c.units_approved, c.units_used});
  }
  return t;
}

bool HasKind(const google::protobuf::RepeatedField<int>& kinds, hub::v1::ProviderKind kind) {
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

ReportTable Network(const QuarterlyInput& in) {
  ReportTable t{"network",
                {"provider_id", "npi", "kind", "community_support", "contracted_capacity",
                 "members_served", "members_active_end"},
                4,
                {}};
  const Quarter& q = in.quarter;
  // (provider, support) -> members served / active at the end.
  std::map<std::pair<std::string, int>, std::pair<std::set<std::string>, std::set<std::string>>>
      load;
  for (const Assignment& a : in.assignments) {
    if (!Overlaps(a.benefit_start_date(), a.benefit_end_date(), q.first_day, q.last_day)) continue;
    auto& l = load[{a.provider_id(), 0}];
    l.first.insert(a.cin());
    if (ActiveOn(a, q.last_day)) l.second.insert(a.cin());
  }
  for (const Authorization& a : in.authorizations) {
    if (a.status() != hub::v1::AUTHORIZATION_STATUS_APPROVED ||
        !Overlaps(a.start_date(), a.end_date(), q.first_day, q.last_day)) {
      continue;
    }
    auto& l = load[{a.provider_id(), a.community_support()}];
    l.first.insert(a.cin());
    if (ActiveOn(a, q.last_day)) l.second.insert(a.cin());
  }
  std::vector<const hub::v1::Provider*> providers;
  for (const auto& p : in.providers) providers.push_back(&p);
  std::sort(providers.begin(), providers.end(),
            [](const auto* a, const auto* b) { return a->provider_id() < b->provider_id(); });
  for (const hub::v1::Provider* p : providers) {
    for (const hub::v1::PlanContract& c : p->contracts()) {
      if (c.plan_id() != in.plan_id) continue;
      auto add = [&](const char* kind, int support, int64_t capacity) {
        const auto& l = load[{p->provider_id(), support}];
        t.rows.push_back({p->provider_id(), p->npi(), std::string(kind),
                          support == 0
                              ? std::string()
                              : SupportLabel(static_cast<hub::v1::CommunitySupport>(support)),
                          capacity, static_cast<int64_t>(l.first.size()),
                          static_cast<int64_t>(l.second.size())});
      };
      if (HasKind(c.kinds(), hub::v1::PROVIDER_KIND_ECM)) add("ecm", 0, c.ecm_capacity());
      if (HasKind(c.kinds(), hub::v1::PROVIDER_KIND_CS)) {
        for (int s : p->community_supports()) add("cs", s, c.cs_capacity());
      }
    }
  }
  return t;
}

ReportTable Outreach(const QuarterlyInput& in) {
  ReportTable t{"outreach",
                {"month", "provider_id", "referrals_due", "met_24h", "late", "missing", "pending"},
                2,
                {}};
  std::map<std::pair<std::string, std::string>, std::array<int64_t, 5>> rows;
  const std::set<std::string> months(in.quarter.months.begin(), in.quarter.months.end());
  for (const Authorization& a : in.authorizations) {
    // MonitorService's rule (hub/common/outreach_rule.h), in the county's
    // zone: a deadline counts in the month its instant falls in there.
    const std::optional<absl::Time> due_by = in.outreach_rule.DueBy(a);
    if (!due_by) continue;
    const absl::CivilDay due_day = absl::ToCivilDay(*due_by, in.outreach_rule.county_zone);
    if (months.count(MonthOf(due_day)) == 0) continue;
    const int64_t due = absl::ToUnixMicros(*due_by);
    auto& r = rows[{MonthOf(due_day), a.provider_id()}];
    auto first = in.first_outreach_micros.find(a.authorization_number());
    if (first != in.first_outreach_micros.end()) {
      ++r[first->second <= due ? 1 : 2];
      ++r[0];
    } else if (due <= in.now_micros) {
      ++r[3];
      ++r[0];
    } else {
      ++r[4];
    }
  }
  for (const auto& [key, r] : rows) {
    t.rows.push_back({key.first, key.second, r[0], r[1], r[2], r[3], r[4]});
  }
  return t;
}

ReportTable Referrals(const QuarterlyInput& in) {
  ReportTable t{
      "referrals", {"community_support", "referral_status", "closure_reason", "referrals"}, 3, {}};
  std::map<std::tuple<int, int, int>, int64_t> counts;
  for (const Authorization& a : in.authorizations) {
    if (a.community_support() == hub::v1::COMMUNITY_SUPPORT_SOBERING_CENTERS) continue;
    if (!InQuarter(a.referral_date(), in.quarter)) continue;
    ++counts[{a.community_support(), a.referral_status(), a.closure_reason()}];
  }
  for (const auto& [key, n] : counts) {
    const auto& [support, status, reason] = key;
    t.rows.push_back(
        {SupportLabel(static_cast<hub::v1::CommunitySupport>(support)),
         EnumLabel(hub::v1::ReferralStatus_Name(static_cast<hub::v1::ReferralStatus>(status)),
                   "REFERRAL_STATUS_"),
         EnumLabel(hub::v1::LoopClosureReason_Name(static_cast<hub::v1::LoopClosureReason>(reason)),
                   "LOOP_CLOSURE_REASON_"),
         n});
  }
  return t;
}

ReportTable Flows(const QuarterlyInput& in) {
  ReportTable t{"flows",
                {"month", "record_kind", "accepted", "accepted_by_plan", "rejected_by_plan",
                 "delivered_pending"},
                2,
                {}};
  const auto kinds = EnumValues<hub::v1::RecordKind>(hub::v1::RecordKind_descriptor());
  for (const std::string& month : in.quarter.months) {
    std::map<int, std::array<int64_t, 4>> by_kind;
    auto it = in.flows.find(month);
    if (it != in.flows.end()) {
      for (const auto& [key, tally] : it->second.groups) {
        if (key.plan_id != in.plan_id) continue;
        auto& c = by_kind[key.kind];
        if (key.status == hub::v1::FLOW_STATUS_ACCEPTED_BY_PLAN) c[1] += tally.count;
        if (key.status == hub::v1::FLOW_STATUS_REJECTED_BY_PLAN) c[2] += tally.count;
        if (key.status == hub::v1::FLOW_STATUS_DELIVERED_PENDING) c[3] += tally.count;
      }
    }
    for (hub::v1::RecordKind k : kinds) {
      auto& c = by_kind[k];
      c[0] = c[1] + c[2] + c[3];
      t.rows.push_back(
          {month, EnumLabel(hub::v1::RecordKind_Name(k), "RECORD_KIND_"), c[0], c[1], c[2], c[3]});
    }
  }
  return t;
}

}  // namespace

absl::StatusOr<Quarter> ParseQuarter(std::string_view text) {
  std::string s(text);
  s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
  int year = 0;
  const bool shape = s.size() == 6 && (s[4] == 'Q' || s[4] == 'q') && s[5] >= '1' && s[5] <= '4' &&
                     absl::SimpleAtoi(s.substr(0, 4), &year) && year >= 2000 && year <= 2999;
  if (!shape) {
    return absl::InvalidArgumentError("the quarter must look like 2026Q4 (year, Q, quarter 1-4)");
  }
  Quarter q;
  q.year = year;
  q.number = s[5] - '0';
  q.label = absl::StrCat(year, "Q", q.number);
  const absl::CivilMonth first(year, 3 * (q.number - 1) + 1);
  for (int i = 0; i < 3; ++i) {
    const absl::CivilMonth m = first + i;
    q.months.push_back(absl::StrFormat("%04d-%02d", m.year(), m.month()));
  }
  q.first_day = absl::FormatCivilTime(absl::CivilDay(first));
  q.last_day = absl::FormatCivilTime(absl::CivilDay(first + 3) - 1);
  return q;
}

const ReportTable* QuarterlyReport::Find(std::string_view name) const {
  for (const ReportTable& t : tables) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

QuarterlyReport ComputeQuarterlyReport(const QuarterlyInput& input) {
  QuarterlyReport report;
  report.plan_id = input.plan_id;
  report.quarter = input.quarter.label;
  report.tables = {EcmPof(input),    CsService(input), Network(input),  Outreach(input),
                   Referrals(input), Flows(input),     QuarterlyNotes()};
  return report;
}

absl::StatusOr<QuarterlyReport> CountyRollup(const std::vector<QuarterlyReport>& reports) {
  if (reports.empty()) return absl::InvalidArgumentError("no plan report to roll up");
  QuarterlyReport county;
  county.plan_id = "county";
  county.quarter = reports.front().quarter;
  for (const QuarterlyReport& r : reports) {
    if (r.quarter != county.quarter) {
      return absl::InvalidArgumentError("the plans' reports are of different quarters");
    }
  }
  for (const ReportTable& shape : reports.front().tables) {
    ReportTable sum{shape.name, shape.columns, shape.key_columns, {}};
    if (shape.name == "notes") {
      county.tables.push_back(shape);
      continue;
    }
    std::map<std::vector<Cell>, std::vector<int64_t>> rows;  // key -> counts, in key order
    std::vector<std::vector<Cell>> order;
    for (const QuarterlyReport& r : reports) {
      const ReportTable* t = r.Find(shape.name);
      if (t == nullptr) continue;
      for (const auto& row : t->rows) {
        std::vector<Cell> key(row.begin(), row.begin() + shape.key_columns);
        auto [it, added] = rows.try_emplace(key, row.size() - shape.key_columns, 0);
        if (added) order.push_back(key);
        for (size_t i = shape.key_columns; i < row.size(); ++i) {
          if (const int64_t* n = std::get_if<int64_t>(&row[i]))
            it->second[i - shape.key_columns] += *n;
        }
      }
    }
    // Tables keyed by a fixed list keep the plans' order; others sort by key.
    if (shape.name != "ecm_pof" && shape.name != "cs_service") {
      std::sort(order.begin(), order.end());
    }
    for (const auto& key : order) {
      std::vector<Cell> row = key;
      for (int64_t n : rows[key]) row.push_back(n);
      sum.rows.push_back(std::move(row));
    }
    county.tables.push_back(std::move(sum));
  }
  return county;
}

ReportTable QuarterlyNotes() {
  ReportTable t{"notes", {"tab", "column", "filled", "why"}, 2, {}};
  auto note = [&](const char* tab, const char* column, const char* filled, const char* why) {
    t.rows.push_back(
        {std::string(tab), std::string(column), std::string(filled), std::string(why)});
  };
  note("ECM member-level rows", "all", "no",
       "the DHCS template's per-member rows (CIN, POF flags, dates) are member-level data: this "
       "report carries counts per population of focus; the plan's own systems hold the rows");
  note("ecm_pof", "services_in_person, services_telephonic", "partly",
       "counted from service lines providers submitted through the hub; encounters billed to the "
       "plan by other routes are not in the hub");
  note("ecm_pof", "members_discontinued by DHCS reason code", "no",
       "the hub keeps the discontinuation reason per assignment, but the template's code list is "
       "not confirmed against the current DHCS guide (domain.md)");
  note("cs_service", "requested, denied", "partly",
       "only requests that reached the hub as authorization rows (with a referral date); requests "
       "a plan denied before sending an authorization file are not in the hub");
  note("cs_service", "members_received", "partly",
       "a service line on the authorization in the quarter or a loop closed as service received; "
       "services paid outside the hub are not seen");
  note("network", "provider type, counties served, languages", "no",
       "the directory holds NPI, kinds, Community Supports and contracted capacity only");
  note("outreach", "deadline", "yes",
       "the county's rule, the monitor's too: due at the midnight that ends the referral day in "
       "the county's zone (America/Los_Angeles unless hubd says otherwise); sobering centers "
       "exempt");
  note("outreach", "ECM outreach attempts", "no",
       "the 24-hour rule applies to Community Supports referrals; ECM outreach timeliness has no "
       "deadline in the hub's data");
  note("referrals", "sobering_centers", "no",
       "sobering centers are exempt from closed-loop referral tracking (CLR FAQ)");
  note("Grievances, appeals, member experience, narrative", "all", "no",
       "the hub does not receive grievances, appeals, surveys or plan narratives");
  note("Cost and utilization (PMPM, spend)", "all", "no",
       "the hub holds the 835 remittances of the claims it sent (docs/billing.md), not the plans' "
       "whole spend, capitation or member months, so it cannot fill PMPM or cost columns");
  return t;
}

}  // namespace hub
