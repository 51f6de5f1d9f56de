// The quarterly ECM / Community Supports monitoring report's tables
// (hub/reports/quarterly_report.h) on a generated county: each count
// checked against the generator's own members, computed here a second way
// (per member, not per record), plus the 24-hour outreach split on
// attempts placed either side of the deadline, the flows of one plan only,
// and the county roll-up = the sum of the plans, with no member data.
#include "hub/reports/quarterly_report.h"

#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "generator/county.h"
#include "gtest/gtest.h"
#include "hub/v1/monitor.pb.h"
#include "hub/v1/submission.pb.h"
#include "tests/hub/county_test_util.h"

namespace hub {
namespace {

int64_t Count(const ReportTable& t, const std::vector<Cell>& key, const std::string& column) {
  int col = -1;
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (t.columns[i] == column) col = static_cast<int>(i);
  }
  EXPECT_GE(col, t.key_columns) << t.name << " has no count column " << column;
  if (col < 0) return -1;
  for (const auto& row : t.rows) {
    if (std::vector<Cell>(row.begin(), row.begin() + t.key_columns) == key) {
      return std::get<int64_t>(row[col]);
    }
  }
  return 0;
}

int64_t Total(const ReportTable& t, const std::string& column) {
  int64_t sum = 0;
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (t.columns[i] != column) continue;
    for (const auto& row : t.rows) sum += std::get<int64_t>(row[i]);
  }
  return sum;
}

// The deadline worked out here, not by OutreachRule: the next midnight in
// the county's zone (Los Angeles), the 25-hour day DST ends included.
int64_t DueMicros(const std::string& referral_date) {
  absl::CivilDay day;
  EXPECT_TRUE(absl::ParseCivilTime(referral_date, &day));
  absl::TimeZone county;
  EXPECT_TRUE(absl::LoadTimeZone("America/Los_Angeles", &county));
  return absl::ToUnixMicros(absl::FromCivil(day + 1, county));
}

class QuarterlyReportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto county = testing::MakeSanDiegoCounty(2026404, 3000);
    ASSERT_TRUE(county.ok()) << county.status();
    county_ = county->release();
  }
  static void TearDownTestSuite() {
    delete county_;
    county_ = nullptr;
  }

  // The plan's records as the hub would hold them, and the outreach
  // attempts: every third referral reached an hour before its deadline,
  // every third an hour after, the rest never.
  static QuarterlyInput InputFor(const std::string& plan_id) {
    QuarterlyInput in;
    in.plan_id = plan_id;
    in.quarter = *ParseQuarter("2026Q4");
    in.now_micros =
        absl::ToUnixMicros(absl::FromCivil(absl::CivilDay(2027, 1, 5), absl::UTCTimeZone()));
    for (const auto& p : county_->options().directory.providers()) in.providers.push_back(p);
    EXPECT_TRUE(county_
                    ->AssignmentRowsForPlan(plan_id, {},
                                            [&](const hub::v1::AssignmentFileRow& row) {
                                              if (row.has_assignment()) {
                                                in.assignments.push_back(row.assignment());
                                              }
                                              return absl::OkStatus();
                                            })
                    .ok());
    int i = 0;
    EXPECT_TRUE(county_
                    ->AuthorizationRowsForPlan(
                        plan_id,
                        [&](const hub::v1::AuthorizationFileRow& row) {
                          const hub::v1::Authorization& a = row.authorization();
                          in.authorizations.push_back(a);
                          if (!a.referral_date().empty() && i % 3 != 2) {
                            const int64_t due = DueMicros(a.referral_date());
                            in.first_outreach_micros[a.authorization_number()] =
                                due + (i % 3 == 0 ? -1 : 1) * 3600 * int64_t{1000000};
                          }
                          ++i;
                          return absl::OkStatus();
                        })
                    .ok());
    return in;
  }

  static generator::County* county_;
};
generator::County* QuarterlyReportTest::county_ = nullptr;

TEST(QuarterTest, ParsesAndRejects) {
  auto q = ParseQuarter("2026Q4");
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->first_day, "2026-10-01");
  EXPECT_EQ(q->last_day, "2026-12-31");
  EXPECT_EQ(q->months, (std::vector<std::string>{"2026-10", "2026-11", "2026-12"}));
  auto q1 = ParseQuarter("2027 q1");
  ASSERT_TRUE(q1.ok()) << q1.status();
  EXPECT_EQ(q1->label, "2027Q1");
  EXPECT_EQ(q1->last_day, "2027-03-31");
  for (const char* bad : {"", "2026Q5", "2026Q0", "26Q4", "2026-Q4", "2026Q4x", "abcdQ1"}) {
    auto r = ParseQuarter(bad);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST_F(QuarterlyReportTest, EcmMembersPerPopulationOfFocusMatchTheGenerator) {
  const std::string plan = "molina";
  const QuarterlyReport report = ComputeQuarterlyReport(InputFor(plan));
  const ReportTable* ecm = report.Find("ecm_pof");
  ASSERT_NE(ecm, nullptr);
  // Per member from the generator: which POFs of an assignment with this
  // plan overlapping the quarter.
  std::map<std::string, std::set<std::string>> assigned, active_end;
  for (int64_t i = 0; i < county_->member_count(); ++i) {
    const generator::GeneratedMember m = county_->Member(i);
    for (const generator::Enrollment& e : m.enrollments) {
      if (e.plan_id != plan || !e.has_ecm) continue;
      const hub::v1::Assignment& a = e.row.assignment();
      if (a.benefit_start_date() > "2026-12-31") continue;
      if (!a.benefit_end_date().empty() && a.benefit_end_date() < "2026-10-01") continue;
      for (int p : a.populations_of_focus()) {
        const std::string label = absl::AsciiStrToLower(
            hub::v1::PopulationOfFocus_Name(static_cast<hub::v1::PopulationOfFocus>(p)).substr(20));
        assigned[label].insert(a.cin());
      }
    }
  }
  ASSERT_FALSE(assigned.empty());
  int64_t keys = 0;
  for (const auto& row : ecm->rows) {
    const std::string pof = std::get<std::string>(row[0]);
    EXPECT_EQ(Count(*ecm, {pof}, "members_assigned"), static_cast<int64_t>(assigned[pof].size()))
        << pof;
    EXPECT_LE(Count(*ecm, {pof}, "members_active_end"), Count(*ecm, {pof}, "members_assigned"));
    EXPECT_LE(Count(*ecm, {pof}, "members_new"), Count(*ecm, {pof}, "members_assigned"));
    ++keys;
  }
  // One row per population of focus, even those without members.
  EXPECT_EQ(keys, hub::v1::PopulationOfFocus_descriptor()->value_count() - 1);
}

TEST_F(QuarterlyReportTest, EcmServicesCountInEachPopulationOfTheMember) {
  QuarterlyInput in = InputFor("molina");
  ASSERT_FALSE(in.assignments.empty());
  const hub::v1::Assignment& a = in.assignments.front();
  in.services.push_back({a.cin(), "2026-11-03", true, ""});
  in.services.push_back({a.cin(), "2026-11-04", false, ""});
  in.services.push_back({a.cin(), "2026-09-30", true, ""});      // Before the quarter.
  in.services.push_back({"00000000Z", "2026-11-04", true, ""});  // Not the plan's member.
  const QuarterlyReport with = ComputeQuarterlyReport(in);
  const ReportTable* ecm = with.Find("ecm_pof");
  ASSERT_NE(ecm, nullptr);
  EXPECT_EQ(Total(*ecm, "services_in_person"), a.populations_of_focus_size());
  EXPECT_EQ(Total(*ecm, "services_telephonic"), a.populations_of_focus_size());
}

TEST_F(QuarterlyReportTest, CommunitySupportsAndReferralsAddUp) {
  const QuarterlyInput in = InputFor("community_health_group");
  const QuarterlyReport report = ComputeQuarterlyReport(in);
  const ReportTable* cs = report.Find("cs_service");
  const ReportTable* referrals = report.Find("referrals");
  ASSERT_NE(cs, nullptr);
  ASSERT_NE(referrals, nullptr);
  int64_t requested = 0, requested_not_sobering = 0;
  std::map<std::string, std::set<std::string>> authorized;
  for (const auto& a : in.authorizations) {
    if (a.referral_date() >= "2026-10-01" && a.referral_date() <= "2026-12-31") {
      ++requested;
      if (a.community_support() != hub::v1::COMMUNITY_SUPPORT_SOBERING_CENTERS) {
        ++requested_not_sobering;
      }
    }
  }
  ASSERT_GT(requested, 0);
  EXPECT_EQ(Total(*cs, "requested"), requested);
  EXPECT_LE(Total(*cs, "approved") + Total(*cs, "denied"), requested);
  EXPECT_EQ(Total(*referrals, "referrals"), requested_not_sobering);
  EXPECT_EQ(cs->rows.size(), hub::v1::CommunitySupport_descriptor()->value_count() - 1u);
  for (const auto& row : referrals->rows) {
    EXPECT_NE(std::get<std::string>(row[0]), "sobering_centers");
  }
}

TEST_F(QuarterlyReportTest, OutreachSplitsAtTheDeadline) {
  const QuarterlyInput in = InputFor("health_net");
  const QuarterlyReport report = ComputeQuarterlyReport(in);
  const ReportTable* outreach = report.Find("outreach");
  ASSERT_NE(outreach, nullptr);
  int64_t met = 0, late = 0, missing = 0;
  int i = 0;
  for (const auto& a : in.authorizations) {
    const int mod = i++ % 3;
    if (a.referral_date().empty()) continue;
    if (a.status() == hub::v1::AUTHORIZATION_STATUS_DENIED ||
        a.status() == hub::v1::AUTHORIZATION_STATUS_CANCELLED ||
        a.referral_status() == hub::v1::REFERRAL_STATUS_DECLINED ||
        a.community_support() == hub::v1::COMMUNITY_SUPPORT_SOBERING_CENTERS) {
      continue;  // No referral to watch, or exempt (walk-ins).
    }
    // Deadline in the quarter: referral day + 1 in Oct 1 .. Dec 31.
    if (a.referral_date() < "2026-09-30" || a.referral_date() > "2026-12-30") continue;
    (mod == 0 ? met : mod == 1 ? late : missing) += 1;
  }
  ASSERT_GT(met + late + missing, 0);
  EXPECT_EQ(Total(*outreach, "met_24h"), met);
  EXPECT_EQ(Total(*outreach, "late"), late);
  EXPECT_EQ(Total(*outreach, "missing"), missing);
  EXPECT_EQ(Total(*outreach, "referrals_due"), met + late + missing);
  EXPECT_EQ(Total(*outreach, "pending"), 0);
}

TEST_F(QuarterlyReportTest, NetworkListsThePlansContractsOnly) {
  const QuarterlyInput in = InputFor("kaiser");
  const QuarterlyReport report = ComputeQuarterlyReport(in);
  const ReportTable* network = report.Find("network");
  ASSERT_NE(network, nullptr);
  int64_t expected_rows = 0, ecm_capacity = 0;
  for (const auto& p : in.providers) {
    for (const auto& c : p.contracts()) {
      if (c.plan_id() != "kaiser") continue;
      for (int k : c.kinds()) {
        if (k == hub::v1::PROVIDER_KIND_ECM) {
          ++expected_rows;
          ecm_capacity += c.ecm_capacity();
        }
        if (k == hub::v1::PROVIDER_KIND_CS) expected_rows += p.community_supports_size();
      }
    }
  }
  ASSERT_GT(expected_rows, 0);
  EXPECT_EQ(static_cast<int64_t>(network->rows.size()), expected_rows);
  int64_t ecm_served = 0, capacity = 0;
  for (const auto& row : network->rows) {
    if (std::get<std::string>(row[2]) != "ecm") continue;
    capacity += std::get<int64_t>(row[4]);
    ecm_served += std::get<int64_t>(row[5]);
  }
  EXPECT_EQ(capacity, ecm_capacity);
  std::set<std::string> members;
  for (const auto& a : in.assignments) {
    if (a.benefit_start_date() <= "2026-12-31" &&
        (a.benefit_end_date().empty() || a.benefit_end_date() >= "2026-10-01")) {
      members.insert(a.provider_id() + "/" + a.cin());
    }
  }
  EXPECT_EQ(ecm_served, static_cast<int64_t>(members.size()));
}

TEST_F(QuarterlyReportTest, FlowsCountThePlansRecordsOnly) {
  QuarterlyInput in = InputFor("molina");
  storage::FlowTallies nov;
  nov.groups[{"molina", "p1", hub::v1::RECORD_KIND_SERVICE, hub::v1::FLOW_STATUS_ACCEPTED_BY_PLAN,
              ""}]
      .count = 7;
  nov.groups[{"molina", "p2", hub::v1::RECORD_KIND_SERVICE, hub::v1::FLOW_STATUS_REJECTED_BY_PLAN,
              "X"}]
      .count = 2;
  nov.groups[{"molina", "p2", hub::v1::RECORD_KIND_OUTREACH_ATTEMPT,
              hub::v1::FLOW_STATUS_DELIVERED_PENDING, ""}]
      .count = 3;
  nov.groups[{"kaiser", "p1", hub::v1::RECORD_KIND_SERVICE, hub::v1::FLOW_STATUS_ACCEPTED_BY_PLAN,
              ""}]
      .count = 100;
  nov.groups[{"", "p1", 0, hub::v1::FLOW_STATUS_REJECTED_BY_HUB, "BAD"}].count = 50;
  in.flows["2026-11"] = nov;
  const QuarterlyReport report = ComputeQuarterlyReport(in);
  const ReportTable* flows = report.Find("flows");
  ASSERT_NE(flows, nullptr);
  EXPECT_EQ(Count(*flows, {std::string("2026-11"), std::string("service")}, "accepted"), 9);
  EXPECT_EQ(Count(*flows, {std::string("2026-11"), std::string("service")}, "accepted_by_plan"), 7);
  EXPECT_EQ(Count(*flows, {std::string("2026-11"), std::string("service")}, "rejected_by_plan"), 2);
  EXPECT_EQ(
      Count(*flows, {std::string("2026-11"), std::string("outreach_attempt")}, "delivered_pending"),
      3);
  EXPECT_EQ(Total(*flows, "accepted"), 12);
  // Three months x six record kinds.
  EXPECT_EQ(flows->rows.size(), 18u);
}

TEST_F(QuarterlyReportTest, CountyRollupIsTheSumOfThePlansWithoutMemberData) {
  std::vector<QuarterlyReport> plans;
  for (const auto& plan : county_->options().directory.plans()) {
    plans.push_back(ComputeQuarterlyReport(InputFor(plan.plan_id())));
  }
  auto county = CountyRollup(plans);
  ASSERT_TRUE(county.ok()) << county.status();
  EXPECT_EQ(county->plan_id, "county");
  const std::regex cin("[0-9]{8}[A-Z]");
  for (const ReportTable& t : county->tables) {
    for (size_t c = t.key_columns; t.name != "notes" && c < t.columns.size(); ++c) {
      const std::string& column = t.columns[c];
      int64_t sum = 0;
      for (const QuarterlyReport& p : plans) sum += Total(*p.Find(t.name), column);
      EXPECT_EQ(Total(t, column), sum) << t.name << "." << column;
    }
    for (const auto& row : t.rows) {
      for (const Cell& cell : row) {
        if (const auto* s = std::get_if<std::string>(&cell)) {
          EXPECT_FALSE(std::regex_search(*s, cin)) << t.name << " holds a CIN-like value";
        }
      }
    }
  }
  const ReportTable* cs = county->Find("cs_service");
  ASSERT_NE(cs, nullptr);
  EXPECT_EQ(cs->rows.size(), hub::v1::CommunitySupport_descriptor()->value_count() - 1u);
  plans.back().quarter = "2027Q1";
  EXPECT_EQ(CountyRollup(plans).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CountyRollup({}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(QuarterlyNotesTest, NamesWhatTheHubCannotFill) {
  const ReportTable notes = QuarterlyNotes();
  ASSERT_FALSE(notes.rows.empty());
  for (const auto& row : notes.rows) {
    EXPECT_FALSE(std::get<std::string>(row[3]).empty());
  }
}

}  // namespace
}  // namespace hub
