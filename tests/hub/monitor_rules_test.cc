// The monitor's pure rules (hub/monitor/monitor_rules.h) and the metrics registry's
// text format (hub/common/metrics.h).
#include "hub/monitor/monitor_rules.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "hub/common/metrics.h"
#include "tests/hub/hub_test_util.h"

namespace hub {
namespace {

absl::Time Utc(int y, int m, int d, int hh = 0, int mm = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, 0), absl::UTCTimeZone());
}

TEST(MonitorRulesTest, PercentilesAreNearestRank) {
  std::vector<double> none;
  EXPECT_EQ(Percentiles(none).count(), 0);
  EXPECT_EQ(Percentiles(none).p50_seconds(), 0);
  std::vector<double> one = {7};
  EXPECT_EQ(Percentiles(one).p99_seconds(), 7);
  std::vector<double> hundred;
  for (int i = 100; i >= 1; --i) hundred.push_back(i);
  const hub::v1::LatencyPercentiles p = Percentiles(hundred);
  EXPECT_EQ(p.count(), 100);
  EXPECT_EQ(p.p50_seconds(), 50);
  EXPECT_EQ(p.p90_seconds(), 90);
  EXPECT_EQ(p.p99_seconds(), 99);
  std::vector<double> four = {4, 1, 3, 2};
  EXPECT_EQ(Percentiles(four).p50_seconds(), 2);
  EXPECT_EQ(Percentiles(four).p90_seconds(), 4);
}

TEST(MonitorRulesTest, OutreachIsDue24HoursAfterTheReferralDayBegins) {
  hub::v1::Authorization a;
  a.set_status(hub::v1::AUTHORIZATION_STATUS_APPROVED);
  EXPECT_FALSE(OutreachDueBy(a).has_value()) << "no referral date";
  a.set_referral_date("2026-11-23");
  a.set_community_support(hub::v1::COMMUNITY_SUPPORT_HOUSING_DEPOSITS);
  ASSERT_TRUE(OutreachDueBy(a).has_value());
  // Midnight in the county (America/Los_Angeles, PST), not UTC midnight:
  // a referral dated today is not overdue at 4 pm Pacific.
  EXPECT_EQ(*OutreachDueBy(a), Utc(2026, 11, 24) + absl::Hours(8));
  // Summer: PDT, UTC-7.
  a.set_referral_date("2026-07-01");
  EXPECT_EQ(*OutreachDueBy(a), Utc(2026, 7, 2) + absl::Hours(7));
  // Another county's zone is configurable.
  absl::StatusOr<OutreachRule> eastern =
      MakeOutreachRule("America/New_York", hub::v1::ReferenceTables());
  ASSERT_TRUE(eastern.ok()) << eastern.status();
  EXPECT_EQ(*OutreachDueBy(a, *eastern), Utc(2026, 7, 2) + absl::Hours(4));
  EXPECT_FALSE(MakeOutreachRule("America/Nowhere", hub::v1::ReferenceTables()).ok());
  // Sobering centers are exempt (data/reference: community_support_rules).
  a.set_community_support(hub::v1::COMMUNITY_SUPPORT_SOBERING_CENTERS);
  EXPECT_FALSE(OutreachDueBy(a).has_value());
  EXPECT_TRUE(OutreachDueBy(a, *eastern).has_value()) << "no exemption without the table";
  hub::v1::ReferenceTables tables;
  tables.add_community_support_rules()->set_community_support(
      hub::v1::COMMUNITY_SUPPORT_SOBERING_CENTERS);
  tables.mutable_community_support_rules(0)->set_exempt_from_outreach_deadline(true);
  absl::StatusOr<OutreachRule> la = MakeOutreachRule("America/Los_Angeles", tables);
  ASSERT_TRUE(la.ok());
  EXPECT_FALSE(OutreachDueBy(a, *la).has_value());
  a.set_community_support(hub::v1::COMMUNITY_SUPPORT_HOUSING_DEPOSITS);
  a.set_referral_date("2026-11-23");
  a.set_referral_date("2026-02-30");
  EXPECT_FALSE(OutreachDueBy(a).has_value());
  a.set_referral_date("2026-11-23");
  a.set_status(hub::v1::AUTHORIZATION_STATUS_DENIED);
  EXPECT_FALSE(OutreachDueBy(a).has_value());
  a.set_status(hub::v1::AUTHORIZATION_STATUS_REQUESTED);
  EXPECT_TRUE(OutreachDueBy(a).has_value());
  a.set_referral_status(hub::v1::REFERRAL_STATUS_DECLINED);
  EXPECT_FALSE(OutreachDueBy(a).has_value());
}

TEST(MonitorRulesTest, CoverageConflictsRaiseAnAlertPerPlan) {
  hub::v1::MonitorSummary summary;
  hub::v1::IngestFlow* flow = summary.add_ingest();
  flow->set_plan_id("chg");
  flow->set_rows_read(10);
  flow->set_coverage_conflicts(2);
  summary.add_ingest()->set_plan_id("aetna");
  std::vector<hub::v1::Alert> alerts = EvaluateAlerts(summary, DefaultMonitorConfig());
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].rule(), hub::v1::ALERT_RULE_COVERAGE_CONFLICT);
  EXPECT_EQ(alerts[0].plan_id(), "chg");
  EXPECT_EQ(alerts[0].value(), 2);
  EXPECT_EQ(alerts[0].alert_id(), "COVERAGE_CONFLICT/chg/");
}

TEST(MonitorRulesTest, ActiveAssignmentsAndAuthorizations) {
  hub::v1::Assignment a;
  a.set_benefit_start_date("2026-01-01");
  a.set_status(hub::v1::ENROLLMENT_STATUS_ENROLLED);
  EXPECT_TRUE(IsActiveAssignment(a, "2026-11-23"));
  EXPECT_FALSE(IsActiveAssignment(a, "2025-12-31"));
  a.set_benefit_end_date("2026-11-22");
  EXPECT_FALSE(IsActiveAssignment(a, "2026-11-23"));
  a.set_benefit_end_date("2026-11-23");
  EXPECT_TRUE(IsActiveAssignment(a, "2026-11-23"));
  a.set_status(hub::v1::ENROLLMENT_STATUS_DISCONTINUED);
  EXPECT_FALSE(IsActiveAssignment(a, "2026-11-23"));

  hub::v1::Authorization z;
  z.set_status(hub::v1::AUTHORIZATION_STATUS_APPROVED);
  z.set_start_date("2026-11-01");
  z.set_end_date("2026-11-30");
  EXPECT_TRUE(IsActiveAuthorization(z, "2026-11-23"));
  EXPECT_FALSE(IsActiveAuthorization(z, "2026-12-01"));
  z.set_referral_status(hub::v1::REFERRAL_STATUS_CLOSED);
  EXPECT_FALSE(IsActiveAuthorization(z, "2026-11-23"));
  z.set_referral_status(hub::v1::REFERRAL_STATUS_IN_PROGRESS);
  z.set_status(hub::v1::AUTHORIZATION_STATUS_REQUESTED);
  EXPECT_FALSE(IsActiveAuthorization(z, "2026-11-23"));
}

TEST(MonitorRulesTest, RtfOfLastMonthIsDueByTheDueDay) {
  RtfDue due = CurrentRtfDue(Utc(2026, 11, 23, 10, 56), 10);
  EXPECT_EQ(due.period, "2026-10");
  EXPECT_EQ(due.due_time, Utc(2026, 11, 11));
  due = CurrentRtfDue(Utc(2027, 1, 5), 10);
  EXPECT_EQ(due.period, "2026-12");
  EXPECT_EQ(due.due_time, Utc(2027, 1, 11));
}

TEST(MonitorRulesTest, ConfigDefaultsMergeAndValidation) {
  absl::StatusOr<hub::v1::MonitorConfig> defaults = LoadMonitorConfig("");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->window_seconds(), 86400);
  EXPECT_EQ(defaults->backlog_age_alert_seconds(), 3600);
  const std::string dir = testing::MakeTempDir();
  testing::WriteFile(dir + "/m.textproto",
                     "# thresholds\nbacklog_age_alert_seconds: 600\noutreach_sla_alert: 0\n");
  absl::StatusOr<hub::v1::MonitorConfig> merged = LoadMonitorConfig(dir + "/m.textproto");
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->backlog_age_alert_seconds(), 600);
  EXPECT_EQ(merged->outreach_sla_alert(), 0);
  EXPECT_EQ(merged->window_seconds(), 86400) << "fields not given keep the default";
  testing::WriteFile(dir + "/bad.textproto", "backlog_age_alert: 600\n");
  absl::StatusOr<hub::v1::MonitorConfig> bad = LoadMonitorConfig(dir + "/bad.textproto");
  EXPECT_TRUE(absl::IsInvalidArgument(bad.status()));
  EXPECT_TRUE(absl::StrContains(bad.status().message(), "line 1")) << bad.status();
  testing::WriteFile(dir + "/range.textproto", "window_seconds: 5\n");
  EXPECT_TRUE(absl::IsInvalidArgument(LoadMonitorConfig(dir + "/range.textproto").status()));
  EXPECT_TRUE(absl::IsNotFound(LoadMonitorConfig(dir + "/missing.textproto").status()));
}

TEST(MonitorRulesTest, AlertsAtTheirThresholds) {
  hub::v1::MonitorConfig config = DefaultMonitorConfig();
  config.set_backlog_age_alert_seconds(3600);
  config.set_backlog_count_alert(100);
  config.set_submission_rejection_rate_alert(0.25);
  config.set_file_rejection_rate_alert(0.05);
  config.set_rejection_rate_min_count(20);
  config.set_outreach_sla_alert(2);

  hub::v1::MonitorSummary s;
  auto* at = s.add_backlogs();
  at->set_plan_id("at_threshold");
  at->set_oldest_unacked_age_seconds(3600);
  at->set_unacked_count(100);
  auto* over = s.add_backlogs();
  over->set_plan_id("over");
  over->set_oldest_unacked_age_seconds(3601);
  over->set_unacked_count(101);
  // p1: 30 records, 8 rejected (26.7%); p2: 10 records, 9 rejected (too few).
  auto flow = [&](const char* provider, hub::v1::FlowStatus status, int64_t n) {
    auto* g = s.add_flows();
    g->set_provider_id(provider);
    g->set_status(status);
    g->set_count(n);
  };
  flow("p1", hub::v1::FLOW_STATUS_ACCEPTED_BY_PLAN, 22);
  flow("p1", hub::v1::FLOW_STATUS_REJECTED_BY_HUB, 8);
  flow("p2", hub::v1::FLOW_STATUS_DELIVERED_PENDING, 1);
  flow("p2", hub::v1::FLOW_STATUS_REJECTED_BY_HUB, 9);
  auto* file = s.add_ingest();
  file->set_plan_id("over");
  file->set_rows_read(100);
  file->set_rows_rejected(6);
  auto* sla = s.add_outreach_sla();
  sla->set_plan_id("over");
  sla->set_provider_id("p1");
  sla->set_late(1);
  sla->set_missing(1);
  auto* sla_ok = s.add_outreach_sla();
  sla_ok->set_plan_id("over");
  sla_ok->set_provider_id("p2");
  sla_ok->set_missing(1);
  auto* rtf = s.add_overdue_rtfs();
  rtf->set_plan_id("over");
  rtf->set_provider_id("p1");
  rtf->set_period("2026-10");

  std::vector<std::string> ids;
  for (const hub::v1::Alert& a : EvaluateAlerts(s, config)) ids.push_back(a.alert_id());
  EXPECT_EQ(ids,
            (std::vector<std::string>{"BACKLOG_AGE/over/", "BACKLOG_COUNT/over/",
                                      "FILE_REJECTION_RATE/over/", "OUTREACH_SLA/over/p1",
                                      "RTF_OVERDUE/over/p1", "SUBMISSION_REJECTION_RATE//p1"}));

  // 0 switches a rule off.
  config.set_backlog_age_alert_seconds(0);
  config.set_backlog_count_alert(0);
  config.set_submission_rejection_rate_alert(0);
  config.set_file_rejection_rate_alert(0);
  config.set_outreach_sla_alert(0);
  ids.clear();
  for (const hub::v1::Alert& a : EvaluateAlerts(s, config)) ids.push_back(a.alert_id());
  EXPECT_EQ(ids, (std::vector<std::string>{"RTF_OVERDUE/over/p1"}));
}

TEST(MetricsTest, RendersPrometheusTextFormat) {
  MetricsRegistry registry;
  MetricFamily& requests =
      registry.Counter("test_requests_total", "Requests.\nSecond line \\.", {"method", "code"});
  MetricFamily& depth = registry.Gauge("test_depth", "Queue depth.", {"plan"});
  MetricFamily& up = registry.Gauge("test_up", "Up.", {});
  requests.Add({"a/B", "OK"});
  requests.Add({"a/B", "OK"}, 2);
  requests.Add({"a/B", "OK"}, -5);  // Counters never go down.
  requests.Add({"quote\"back\\slash\nnewline", "X"});
  depth.Set({"molina"}, 0.25);
  depth.Set({"chg"}, 7);
  up.Set({}, 1);
  int collected = 0;
  const int id = registry.AddCollector([&] {
    ++collected;
    depth.Set({"kaiser"}, 1e20);
  });
  EXPECT_EQ(registry.RenderText(),
            "# HELP test_depth Queue depth.\n"
            "# TYPE test_depth gauge\n"
            "test_depth{plan=\"chg\"} 7\n"
            "test_depth{plan=\"kaiser\"} 1e+20\n"
            "test_depth{plan=\"molina\"} 0.25\n"
            "# HELP test_requests_total Requests.\\nSecond line \\\\.\n"
            "# TYPE test_requests_total counter\n"
            "test_requests_total{method=\"a/B\",code=\"OK\"} 3\n"
            "test_requests_total{method=\"quote\\\"back\\\\slash\\nnewline\",code=\"X\"} 1\n"
            "# HELP test_up Up.\n"
            "# TYPE test_up gauge\n"
            "test_up 1\n");
  EXPECT_EQ(collected, 1);
  EXPECT_EQ(requests.Value({"a/B", "OK"}), 3);
  registry.RemoveCollector(id);
  depth.Clear();
  (void)registry.RenderText();
  EXPECT_EQ(collected, 1);
  EXPECT_EQ(depth.Value({"molina"}), 0);
  EXPECT_EQ(&registry.Counter("test_requests_total", "", {}), &requests);
  EXPECT_EQ(FormatSampleValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatSampleValue(-3), "-3");
}

}  // namespace
}  // namespace hub
