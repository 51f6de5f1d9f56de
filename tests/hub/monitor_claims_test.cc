// The county's view of the plans' answers to the claim lines: the claim
// tallies (storage/claim_tally.h, kept by the ingest of 277CA and 835 files
// and tested against a recount of the lines in claim_answers_test.cc) in
// MonitorService.GetSummary, /metrics, the dashboard's JSON and hubctl stats.
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <regex>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "hub/cli/hubctl_stats.h"
#include "hub/monitor/monitor_rules.h"
#include "hub/server/server.h"
#include "hub/v1/monitor_service.grpc.pb.h"
#include "storage/claim_store.h"
#include "storage/claim_tally.h"
#include "storage/store.h"
#include "tests/hub/hub_test_util.h"

namespace hub {
namespace {

using testing::MakeTempDir;
using testing::WriteFile;

// molina's answered lines, written before the hub starts:
//   prov_a: paid $75.00 (served 11-20, paid 12-15: 25 days), denied CO-16;
//   prov_b: paid $50.00 (served 12-01, paid 12-11: 10 days), rejected by
//   the 277CA (A7:21:85), denied CO-16 with RARC M51.
void WriteClaimTally(const std::string& data_dir) {
  storage::StoreOptions options;
  options.data_dir = data_dir;
  auto opened = storage::Store::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  hub::v1::PlanClaims tally;
  tally.set_plan_id("molina");
  auto line = [&](const char* provider, const char* served, hub::v1::ClaimDecision decision,
                  const char* date, int64_t paid, std::vector<std::string> reasons) {
    hub::v1::BillingStatus status;
    status.set_provider_id(provider);
    status.set_service_date(served);
    hub::v1::PlanDecision d;
    d.set_decision(decision);
    d.set_date(date);
    d.set_paid_cents(paid);
    for (const std::string& r : reasons) d.add_reason_codes(r);
    storage::CountClaimLine(tally, status, d, +1);
  };
  line("prov_a", "2026-11-20", hub::v1::CLAIM_DECISION_PAID, "2026-12-15", 7500, {"CARC CO-45"});
  line("prov_a", "2026-11-20", hub::v1::CLAIM_DECISION_DENIED, "2026-12-15", 0, {"CARC CO-16"});
  line("prov_b", "2026-12-01", hub::v1::CLAIM_DECISION_PAID, "2026-12-11", 5000, {});
  line("prov_b", "2026-12-01", hub::v1::CLAIM_DECISION_REJECTED, "2026-12-05", 0,
       {"277CA A7:21:85"});
  line("prov_b", "2026-12-01", hub::v1::CLAIM_DECISION_DENIED, "2026-12-11", 0,
       {"CARC CO-16", "RARC M51"});
  storage::ClaimStore claims(opened->get());
  storage::WriteBatch batch;
  claims.PutTally(batch, tally);
  ASSERT_TRUE((*opened)->Commit(batch, storage::Durability::kSync).ok());
}

class MonitorClaimsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = MakeTempDir();
    ASSERT_NO_FATAL_FAILURE(WriteClaimTally(root_ + "/data"));
    WriteFile(root_ + "/seed.textproto", testing::SmallSeedText());
    HubServer::Options options;
    options.listen_address = "127.0.0.1:0";
    options.http_listen = "127.0.0.1:0";
    options.data_dir = root_ + "/data";
    options.seed_path = root_ + "/seed.textproto";
    hub::v1::MonitorConfig config = DefaultMonitorConfig();
    config.set_min_evaluate_interval_ms(0);
    config.set_evaluate_interval_seconds(3600);
    options.monitor_config = config;
    auto server = HubServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
  }

  void TearDown() override {
    if (server_ != nullptr) {
      EXPECT_TRUE(server_->Shutdown(absl::Seconds(5)).ok());
    }
  }

  hub::v1::MonitorSummary Summary() { return testing::GetMonitorSummary(channel_); }

  std::string HttpGet(const std::string& path) {
    return testing::HttpGetBody(server_->http_port(), path);
  }

  std::string root_;
  std::unique_ptr<HubServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(MonitorClaimsTest, SummaryMetricsDashboardAndHubctlShowEachPlansAnswers) {
  const hub::v1::MonitorSummary summary = Summary();
  ASSERT_EQ(summary.claims_size(), 1) << summary.DebugString();
  const hub::v1::PlanClaims& molina = summary.claims(0);
  EXPECT_EQ(molina.plan_id(), "molina");
  EXPECT_EQ(molina.counts().paid(), 2);
  EXPECT_EQ(molina.counts().denied(), 2);
  EXPECT_EQ(molina.counts().rejected(), 1);
  EXPECT_EQ(molina.counts().paid_cents(), 12500);
  EXPECT_DOUBLE_EQ(molina.acceptance_rate(), 0.8);  // 4 of 5 lines got past the 277CA.
  EXPECT_EQ(molina.median_days_to_payment(), 10);   // Nearest rank of {10, 25}.
  EXPECT_EQ(molina.providers().at("prov_a").paid_cents(), 7500);
  EXPECT_EQ(molina.providers().at("prov_b").rejected(), 1);
  EXPECT_EQ(molina.denial_reasons().at("CARC CO-16"), 2);
  EXPECT_EQ(molina.denial_reasons().at("277CA A7:21"), 1);
  EXPECT_FALSE(molina.denial_reasons().contains("CARC CO-45"));  // A paid line's adjustment.
  // Codes only: no member, no sentence.
  const std::regex code(R"re(^(CARC|RARC|CLP02|277CA) [A-Za-z0-9:-]+$)re");
  for (const auto& [reason, count] : molina.denial_reasons()) {
    EXPECT_TRUE(std::regex_match(reason, code)) << reason;
  }

  const std::string metrics = HttpGet("/metrics");
  for (const char* series :
       {"hub_claim_lines{plan=\"molina\",provider=\"prov_a\",decision=\"paid\"} 1\n",
        "hub_claim_lines{plan=\"molina\",provider=\"prov_b\",decision=\"rejected\"} 1\n",
        "hub_claim_paid_cents{plan=\"molina\",provider=\"prov_a\"} 7500\n",
        "hub_claim_denials{plan=\"molina\",reason=\"CARC CO-16\"} 2\n",
        "hub_claim_days_to_payment{plan=\"molina\",quantile=\"0.5\"} 10\n",
        "hub_claim_days_to_payment{plan=\"molina\",quantile=\"0.9\"} 25\n"}) {
    EXPECT_TRUE(absl::StrContains(metrics, series)) << series << " missing in\n" << metrics;
  }

  const std::string json = HttpGet("/api/summary");
  hub::v1::GetSummaryResponse parsed;
  google::protobuf::util::JsonParseOptions parse;
  parse.ignore_unknown_fields = true;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &parsed, parse).ok()) << json;
  ASSERT_EQ(parsed.summary().claims_size(), 1) << json;
  EXPECT_EQ(parsed.summary().claims(0).counts().DebugString(), molina.counts().DebugString());
  const std::string page = HttpGet("/dashboard.js");
  EXPECT_TRUE(absl::StrContains(page, "claims-table")) << "the dashboard renders the claims";

  const std::string text = FormatMonitorSummary(summary);
  EXPECT_TRUE(absl::StrContains(text, "CLAIMS")) << text;
  EXPECT_TRUE(absl::StrContains(text, "80.0%")) << text;
  EXPECT_TRUE(absl::StrContains(text, "125.00")) << text;
  EXPECT_TRUE(absl::StrContains(text, "CARC CO-16")) << text;
}

}  // namespace
}  // namespace hub
