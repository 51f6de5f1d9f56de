// County monitoring end to end: a hub (HubServer, port 0, a temp store, a
// fake clock) on which two plans receive providers' records, one plan
// acknowledges (with a rejection) and the other does not; MonitorService,
// WatchFlows, /metrics, the dashboard's JSON endpoints, alerts and hubctl
// stats are checked against the numbers the scenario makes.
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "hub/cli/hubctl.h"
#include "hub/common/log.h"
#include "hub/monitor/monitor_rules.h"
#include "hub/server/server.h"
#include "hub/v1/monitor_service.grpc.pb.h"
#include "hub/v1/plan_service.grpc.pb.h"
#include "hub/v1/provider_service.grpc.pb.h"
#include "storage/care_store.h"
#include "storage/coverage_index.h"
#include "storage/member_store.h"
#include "storage/store.h"
#include "tests/hub/hub_test_util.h"

namespace hub::testing {
namespace {

using hub::v1::FlowStatus;
using hub::v1::MonitorSummary;

// Members of the scenario. Their CINs and names must never leave the hub
// through monitoring.
constexpr char kMonitorM1[] = "41000001K";  // molina, assigned to alpha_cbo
constexpr char kMonitorM2[] = "41000002K";  // molina, assigned to alpha_cbo
constexpr char kMonitorM3[] = "41000003K";  // molina, CS referral AUTH-1 to bravo_housing
constexpr char kMonitorM4[] = "41000004K";  // molina, CS referral AUTH-2 (due before T0)
constexpr char kMonitorM5[] = "41000005K";  // chg, assigned to alpha_cbo
constexpr char kMonitorM6[] = "41000006K";  // molina, CS referral AUTH-3 (due T0 + 13 h)
constexpr char kUnknown[] = "41999999K";
const char* const kCins[] = {kMonitorM1, kMonitorM2, kMonitorM3, kMonitorM4,
                             kMonitorM5, kMonitorM6, kUnknown};
constexpr char kMonitorFirstName[] = "Zebulon";
constexpr char kMonitorLastName[] = "Quagmirette";

// A clock the test moves.
class FakeClock {
 public:
  explicit FakeClock(absl::Time t) : micros_(absl::ToUnixMicros(t)) {}
  absl::Time Now() const { return absl::FromUnixMicros(micros_.load()); }
  void Advance(absl::Duration d) { micros_ += absl::ToInt64Microseconds(d); }

 private:
  std::atomic<int64_t> micros_;
};

// Captures hubd's log lines while the test runs.
class LogCapture {
 public:
  LogCapture() {
    log::SetSink([this](std::string_view line) {
      absl::MutexLock lock(&mu_);
      lines_.emplace_back(line);
    });
  }
  ~LogCapture() { log::SetSink(nullptr); }
  std::string Text() {
    absl::MutexLock lock(&mu_);
    std::string all;
    for (const std::string& l : lines_) absl::StrAppend(&all, l, "\n");
    return all;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> lines_;
};

void CommitOrFail(storage::Store& store, storage::WriteBatch& batch) {
  ASSERT_TRUE(store.Commit(batch, storage::Durability::kSync).ok());
}

// Members, coverage, assignments and referrals, written before the hub starts.
void WriteCareData(const std::string& data_dir) {
  storage::StoreOptions options;
  options.data_dir = data_dir;
  absl::StatusOr<std::unique_ptr<storage::Store>> opened = storage::Store::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  storage::Store& store = **opened;
  storage::MemberStore members(&store);
  storage::CoverageIndex coverage(&store);
  storage::CareStore care(&store);
  storage::WriteBatch batch;
  auto member = [&](const char* cin, const char* plan) {
    hub::v1::Member m;
    m.set_cin(cin);
    m.mutable_name()->set_first(kMonitorFirstName);
    m.mutable_name()->set_last(kMonitorLastName);
    members.Put(batch, m);
    hub::v1::Coverage c;
    c.set_cin(cin);
    c.set_plan_id(plan);
    c.set_start_date("2026-01-01");
    coverage.Put(batch, c);
  };
  auto assign = [&](const char* cin, const char* plan) {
    hub::v1::Assignment a;
    a.set_cin(cin);
    a.set_plan_id(plan);
    a.set_provider_id("alpha_cbo");
    a.add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_ADULT_INDIVIDUAL_HOMELESSNESS);
    a.set_benefit_start_date("2026-01-01");
    a.set_status(hub::v1::ENROLLMENT_STATUS_ENROLLED);
    care.PutAssignment(batch, a);
  };
  auto refer = [&](const char* number, const char* cin, const char* referral_date) {
    hub::v1::Authorization a;
    a.set_authorization_number(number);
    a.set_cin(cin);
    a.set_plan_id("molina");
    a.set_provider_id("bravo_housing");
    a.set_community_support(hub::v1::COMMUNITY_SUPPORT_HOUSING_DEPOSITS);
    a.set_hcpcs_code("H0044");
    a.add_modifiers("U2");
    a.set_units_approved(4);
    a.set_start_date("2026-11-01");
    a.set_end_date("2026-12-31");
    a.set_status(hub::v1::AUTHORIZATION_STATUS_APPROVED);
    a.set_referral_date(referral_date);
    ASSERT_TRUE(care.PutAuthorization(batch, a).ok());
  };
  for (const char* cin : {kMonitorM1, kMonitorM2, kMonitorM3, kMonitorM4, kMonitorM6})
    member(cin, "molina");
  member(kMonitorM5, "chg");
  assign(kMonitorM1, "molina");
  assign(kMonitorM2, "molina");
  assign(kMonitorM5, "chg");
  refer("AUTH-1", kMonitorM3, "2026-11-23");  // due 2026-11-24 00:00
  refer("AUTH-2", kMonitorM4, "2026-11-22");  // due 2026-11-23 00:00, before T0
  refer("AUTH-3", kMonitorM6, "2026-11-23");  // due 2026-11-24 00:00, never reached
  CommitOrFail(store, batch);
  ASSERT_TRUE(store.Close().ok());
}

hub::v1::Submission Outreach(const std::string& key, const char* cin, const char* auth = "") {
  hub::v1::Submission s;
  s.set_idempotency_key(key);
  auto* o = s.mutable_outreach_attempt();
  o->set_cin(cin);
  o->set_attempt_date("2026-11-23");
  o->set_method(hub::v1::OUTREACH_METHOD_TELEPHONE);
  o->set_minutes(10);
  o->set_authorization_number(auth);
  return s;
}

hub::v1::Submission Rtf(const std::string& key, const char* cin, const char* as_of) {
  hub::v1::Submission s;
  s.set_idempotency_key(key);
  auto* e = s.mutable_enrollment_status();
  e->set_cin(cin);
  e->set_as_of_date(as_of);
  e->set_status(hub::v1::ENROLLMENT_STATUS_ENROLLED);
  return s;
}

class MonitorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = MakeTempDir();
    WriteCareData(root_ + "/data");
    std::string seed = SmallSeedText();
    // alpha_cbo can take 2 molina members; bravo_housing 3 molina referrals.
    seed.replace(seed.find("ecm_capacity: 100"), 17, "ecm_capacity: 2");
    seed.replace(seed.find("cs_capacity: 25"), 15, "cs_capacity: 3");
    WriteFile(root_ + "/seed.textproto", seed);

    HubServer::Options options;
    options.listen_address = "127.0.0.1:0";
    options.http_listen = "127.0.0.1:0";
    options.data_dir = root_ + "/data";
    options.seed_path = root_ + "/seed.textproto";
    options.clock = [this] { return clock_.Now(); };
    hub::v1::MonitorConfig config = DefaultMonitorConfig();
    config.set_backlog_age_alert_seconds(1800);
    config.set_submission_rejection_rate_alert(0.2);
    config.set_rejection_rate_min_count(1);
    config.set_care_refresh_seconds(0);
    config.set_min_evaluate_interval_ms(0);
    config.set_evaluate_interval_seconds(3600);  // Only prompted evaluations.
    options.monitor_config = config;
    absl::StatusOr<std::unique_ptr<HubServer>> server = HubServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ASSERT_GT(server_->http_port(), 0);
    address_ = absl::StrCat("127.0.0.1:", server_->port());
    channel_ = grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
    provider_ = hub::v1::ProviderService::NewStub(channel_);
    plan_ = hub::v1::PlanService::NewStub(channel_);
    monitor_ = hub::v1::MonitorService::NewStub(channel_);
  }

  void TearDown() override {
    if (server_ != nullptr) {
      EXPECT_TRUE(server_->Shutdown(absl::Seconds(5)).ok());
    }
  }

  hub::v1::SubmitResponse Submit(const std::string& provider,
                                 const std::vector<hub::v1::Submission>& records) {
    hub::v1::SubmitRequest request;
    request.set_provider_id(provider);
    for (const auto& r : records) *request.add_submissions() = r;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    hub::v1::SubmitResponse response;
    grpc::Status status = provider_->Submit(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  void Ack(const std::string& plan, uint64_t through,
           const std::vector<hub::v1::ItemRejection>& rejections = {}) {
    hub::v1::AckRequest request;
    request.set_plan_id(plan);
    request.set_through_sequence(through);
    for (const auto& r : rejections) *request.add_rejections() = r;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    hub::v1::AckResponse response;
    grpc::Status status = plan_->Ack(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  MonitorSummary Summary(int64_t window_seconds = 0) {
    hub::v1::GetSummaryRequest request;
    request.set_window_seconds(window_seconds);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    hub::v1::GetSummaryResponse response;
    grpc::Status status = monitor_->GetSummary(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.summary();
  }

  std::string HttpGet(const std::string& path, int* status = nullptr) {
    httplib::Client client("127.0.0.1", server_->http_port());
    client.set_read_timeout(30, 0);
    httplib::Result result = client.Get(path.c_str());
    EXPECT_TRUE(result) << path;
    if (!result) return "";
    if (status != nullptr) *status = result->status;
    return result->body;
  }

  // The scenario at T0 = 2026-11-23 10:56 UTC:
  //   alpha_cbo: ECM outreach for M1, M2 (molina feed 1, 2) and M5 (chg
  //     feed 1); one for an unknown member (rejected by the hub).
  //   bravo_housing: CS outreach on AUTH-1 (molina feed 3).
  // T0 + 10 min: molina acknowledges 1..2, rejecting 2.
  // T0 + 40 min: molina acknowledges 3. chg never acknowledges.
  // Summaries are taken at T0 + 1 h.
  void PlayScenario() {
    hub::v1::SubmitResponse alpha =
        Submit("alpha_cbo", {Outreach("a-1", kMonitorM1), Outreach("a-2", kMonitorM2),
                             Outreach("a-5", kMonitorM5), Outreach("a-x", kUnknown)});
    ASSERT_EQ(alpha.results_size(), 4);
    ASSERT_TRUE(alpha.results(0).has_accepted());
    ASSERT_EQ(alpha.results(0).accepted().plan_id(), "molina");
    ASSERT_EQ(alpha.results(1).accepted().feed_sequence(), 2u);
    ASSERT_EQ(alpha.results(2).accepted().plan_id(), "chg");
    ASSERT_EQ(alpha.results(3).rejected().reason_code(), "UNKNOWN_MEMBER");
    hub::v1::SubmitResponse bravo =
        Submit("bravo_housing", {Outreach("b-1", kMonitorM3, "AUTH-1")});
    ASSERT_TRUE(bravo.results(0).has_accepted()) << bravo.results(0).DebugString();
    ASSERT_EQ(bravo.results(0).accepted().feed_sequence(), 3u);

    clock_.Advance(absl::Minutes(10));
    hub::v1::ItemRejection rejection;
    rejection.set_sequence(2);
    rejection.set_record_id(alpha.results(1).accepted().record_id());
    rejection.set_reason_code("PLAN_MEMBER_NOT_ELIGIBLE");
    rejection.set_message("The member is not eligible for ECM this month.");
    Ack("molina", 2, {rejection});
    clock_.Advance(absl::Minutes(30));
    Ack("molina", 3);
    clock_.Advance(absl::Minutes(20));
  }

  const hub::v1::FlowGroup* FindFlow(const MonitorSummary& s, const std::string& plan,
                                     const std::string& provider, FlowStatus status) {
    for (const auto& g : s.flows()) {
      if (g.plan_id() == plan && g.provider_id() == provider && g.status() == status) return &g;
    }
    return nullptr;
  }

  LogCapture logs_;
  FakeClock clock_{FixedTime()};
  std::string root_;
  std::unique_ptr<HubServer> server_;
  std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<hub::v1::ProviderService::Stub> provider_;
  std::unique_ptr<hub::v1::PlanService::Stub> plan_;
  std::unique_ptr<hub::v1::MonitorService::Stub> monitor_;
};

TEST_F(MonitorTest, SummaryCountsFlowsBacklogsLatencyAndRejections) {
  ASSERT_NO_FATAL_FAILURE(PlayScenario());
  const MonitorSummary s = Summary();

  const hub::v1::FlowTotals& t = s.totals();
  EXPECT_EQ(t.accepted(), 4);
  EXPECT_EQ(t.rejected_by_hub(), 1);
  EXPECT_EQ(t.delivered_pending(), 1);
  EXPECT_EQ(t.accepted_by_plan(), 2);
  EXPECT_EQ(t.rejected_by_plan(), 1);
  // Latencies 600 s (molina 1 and 2) and 2400 s (molina 3), nearest rank.
  EXPECT_EQ(t.ack_latency().count(), 3);
  EXPECT_DOUBLE_EQ(t.ack_latency().p50_seconds(), 600);
  EXPECT_DOUBLE_EQ(t.ack_latency().p90_seconds(), 2400);
  EXPECT_DOUBLE_EQ(t.ack_latency().p99_seconds(), 2400);

  // Grouped by plan, provider, kind and status.
  const auto* accepted = FindFlow(s, "molina", "alpha_cbo", hub::v1::FLOW_STATUS_ACCEPTED_BY_PLAN);
  ASSERT_NE(accepted, nullptr);
  EXPECT_EQ(accepted->count(), 1);
  EXPECT_EQ(accepted->kind(), hub::v1::RECORD_KIND_OUTREACH_ATTEMPT);
  EXPECT_DOUBLE_EQ(accepted->ack_latency().p50_seconds(), 600);
  const auto* rejected = FindFlow(s, "molina", "alpha_cbo", hub::v1::FLOW_STATUS_REJECTED_BY_PLAN);
  ASSERT_NE(rejected, nullptr);
  EXPECT_EQ(rejected->reason_code(), "PLAN_MEMBER_NOT_ELIGIBLE");
  const auto* pending = FindFlow(s, "chg", "alpha_cbo", hub::v1::FLOW_STATUS_DELIVERED_PENDING);
  ASSERT_NE(pending, nullptr);
  EXPECT_EQ(pending->count(), 1);
  EXPECT_EQ(pending->ack_latency().count(), 0);
  const auto* by_hub = FindFlow(s, "", "alpha_cbo", hub::v1::FLOW_STATUS_REJECTED_BY_HUB);
  ASSERT_NE(by_hub, nullptr);
  EXPECT_EQ(by_hub->reason_code(), "UNKNOWN_MEMBER");
  const auto* cs = FindFlow(s, "molina", "bravo_housing", hub::v1::FLOW_STATUS_ACCEPTED_BY_PLAN);
  ASSERT_NE(cs, nullptr);
  EXPECT_DOUBLE_EQ(cs->ack_latency().p99_seconds(), 2400);

  // Backlogs now (T0 + 1 h).
  std::map<std::string, hub::v1::PlanBacklog> backlogs;
  for (const auto& b : s.backlogs()) backlogs[b.plan_id()] = b;
  ASSERT_EQ(backlogs.size(), 5u);
  EXPECT_EQ(backlogs["molina"].head_sequence(), 3u);
  EXPECT_EQ(backlogs["molina"].cursor(), 3u);
  EXPECT_EQ(backlogs["molina"].unacked_count(), 0);
  EXPECT_EQ(backlogs["molina"].oldest_unacked_age_seconds(), 0);
  EXPECT_EQ(backlogs["molina"].ack_latency().count(), 3);
  EXPECT_EQ(backlogs["chg"].unacked_count(), 1);
  EXPECT_DOUBLE_EQ(backlogs["chg"].oldest_unacked_age_seconds(), 3600);
  EXPECT_EQ(backlogs["chg"].oldest_unacked_accept_time().seconds(),
            absl::ToUnixSeconds(FixedTime()));

  // The flow series: all records in the bucket of T0.
  int64_t molina_total = 0;
  for (const auto& p : s.series().plans()) {
    if (p.plan_id() == "molina") {
      for (int64_t n : p.accepted()) molina_total += n;
    }
  }
  EXPECT_EQ(molina_total, 3);
  EXPECT_EQ(s.series().bucket_seconds(), 3600);

  // Rejection reasons: one from the hub, one from the plan.
  std::map<std::pair<int, std::string>, int64_t> reasons;
  for (const auto& r : s.rejection_reasons()) reasons[{r.source(), r.reason_code()}] = r.count();
  EXPECT_EQ((reasons[{hub::v1::REJECTION_SOURCE_SUBMISSION, "UNKNOWN_MEMBER"}]), 1);
  EXPECT_EQ((reasons[{hub::v1::REJECTION_SOURCE_PLAN_FEED, "PLAN_MEMBER_NOT_ELIGIBLE"}]), 1);

  // A window that ends before the records: nothing.
  hub::v1::GetSummaryRequest early;
  early.set_window_seconds(3600);
  early.mutable_end_time()->set_seconds(absl::ToUnixSeconds(FixedTime()) - 60);
  grpc::ClientContext context;
  hub::v1::GetSummaryResponse response;
  ASSERT_TRUE(monitor_->GetSummary(&context, early, &response).ok());
  EXPECT_EQ(response.summary().totals().accepted(), 0);
  EXPECT_EQ(response.summary().totals().rejected_by_hub(), 0);

  // An end time outside Timestamp's range (years 1 to 9999) is refused, by name.
  hub::v1::GetSummaryRequest beyond = early;
  beyond.mutable_end_time()->set_seconds(int64_t{1} << 60);
  grpc::ClientContext beyond_context;
  const grpc::Status refused = monitor_->GetSummary(&beyond_context, beyond, &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(refused.error_message().find("end_time"), std::string::npos) << refused.error_message();
}

TEST_F(MonitorTest, OutreachDeadlinesBreachAfter24HoursOfFakeTime) {
  ASSERT_NO_FATAL_FAILURE(PlayScenario());
  MonitorSummary s = Summary();
  ASSERT_EQ(s.outreach_sla_size(), 1);
  hub::v1::OutreachSla sla = s.outreach_sla(0);
  EXPECT_EQ(sla.plan_id(), "molina");
  EXPECT_EQ(sla.provider_id(), "bravo_housing");
  // AUTH-1 reached before its deadline; AUTH-2's deadline passed with no
  // outreach; AUTH-3 is due at midnight.
  EXPECT_EQ(sla.met(), 1);
  EXPECT_EQ(sla.missing(), 1);
  EXPECT_EQ(sla.late(), 0);
  EXPECT_EQ(sla.pending(), 1);
  EXPECT_EQ(sla.due(), 2);

  // 24 hours later AUTH-3 has breached too.
  clock_.Advance(absl::Hours(24));
  s = Summary();
  ASSERT_EQ(s.outreach_sla_size(), 1);
  sla = s.outreach_sla(0);
  EXPECT_EQ(sla.pending(), 0);
  EXPECT_EQ(sla.missing(), 1) << "AUTH-2's deadline left the 24-hour window";
  EXPECT_EQ(sla.met(), 1);
  // AUTH-3 (due 2026-11-24 00:00) is now missing; AUTH-2 (due 11-23 00:00)
  // is outside [T0 + 1 h, T0 + 25 h).
  bool auth3_breach_alert = false;
  for (const auto& a : s.alerts()) {
    if (a.rule() == hub::v1::ALERT_RULE_OUTREACH_SLA && a.provider_id() == "bravo_housing") {
      auth3_breach_alert = true;
      EXPECT_EQ(a.plan_id(), "molina");
      EXPECT_EQ(a.value(), 1);
    }
  }
  EXPECT_TRUE(auth3_breach_alert);

  // Late outreach on AUTH-3 counts as late, not missing.
  hub::v1::SubmitResponse late = Submit("bravo_housing", {Outreach("b-3", kMonitorM6, "AUTH-3")});
  ASSERT_TRUE(late.results(0).has_accepted()) << late.results(0).DebugString();
  s = Summary();
  EXPECT_EQ(s.outreach_sla(0).late(), 1);
  EXPECT_EQ(s.outreach_sla(0).missing(), 0);
}

TEST_F(MonitorTest, CapacityAgainstContracts) {
  const MonitorSummary s = Summary();
  std::map<std::string, hub::v1::CapacityRow> rows;
  for (const auto& c : s.capacity()) {
    rows[absl::StrCat(c.provider_id(), "/", c.plan_id(), "/",
                      hub::v1::CommunitySupport_Name(c.community_support()))] = c;
  }
  const auto& alpha_molina = rows["alpha_cbo/molina/COMMUNITY_SUPPORT_UNSPECIFIED"];
  EXPECT_EQ(alpha_molina.kind(), hub::v1::PROVIDER_KIND_ECM);
  EXPECT_EQ(alpha_molina.assigned(), 2);
  EXPECT_EQ(alpha_molina.capacity(), 2);
  EXPECT_TRUE(alpha_molina.at_capacity());
  const auto& alpha_chg = rows["alpha_cbo/chg/COMMUNITY_SUPPORT_UNSPECIFIED"];
  EXPECT_EQ(alpha_chg.assigned(), 1);
  EXPECT_EQ(alpha_chg.capacity(), 40);
  EXPECT_FALSE(alpha_chg.at_capacity());
  EXPECT_DOUBLE_EQ(alpha_chg.utilization(), 1.0 / 40);
  const auto& bravo = rows["bravo_housing/molina/COMMUNITY_SUPPORT_HOUSING_DEPOSITS"];
  EXPECT_EQ(bravo.kind(), hub::v1::PROVIDER_KIND_CS);
  EXPECT_EQ(bravo.assigned(), 3);
  EXPECT_EQ(bravo.capacity(), 3);
  EXPECT_TRUE(bravo.at_capacity());
  // A contract without an agreed capacity.
  const auto& charlie = rows["charlie_fqhc/molina/COMMUNITY_SUPPORT_UNSPECIFIED"];
  EXPECT_EQ(charlie.capacity(), 0);
  EXPECT_FALSE(charlie.at_capacity());
}

TEST_F(MonitorTest, OverdueRtfUntilTheMonthsRowsArrive) {
  // 2026-11-23 is past 2026-11-10: October's RTFs are due from alpha_cbo
  // to molina (2 members) and chg (1).
  MonitorSummary s = Summary();
  ASSERT_EQ(s.overdue_rtfs_size(), 2);
  EXPECT_EQ(s.overdue_rtfs(0).plan_id(), "chg");
  EXPECT_EQ(s.overdue_rtfs(0).provider_id(), "alpha_cbo");
  EXPECT_EQ(s.overdue_rtfs(0).period(), "2026-10");
  EXPECT_EQ(s.overdue_rtfs(1).plan_id(), "molina");
  EXPECT_EQ(s.overdue_rtfs(1).assigned_members(), 2);
  // One RTF row about October for molina's member clears molina's.
  hub::v1::SubmitResponse rtf = Submit("alpha_cbo", {Rtf("rtf-1", kMonitorM1, "2026-10-31")});
  ASSERT_TRUE(rtf.results(0).has_accepted()) << rtf.results(0).DebugString();
  s = Summary();
  ASSERT_EQ(s.overdue_rtfs_size(), 1);
  EXPECT_EQ(s.overdue_rtfs(0).plan_id(), "chg");
}

TEST_F(MonitorTest, AlertsFireAndResolveInServiceLogAndMetrics) {
  ASSERT_NO_FATAL_FAILURE(PlayScenario());
  MonitorSummary s = Summary();
  std::set<std::string> firing;
  for (const auto& a : s.alerts()) firing.insert(a.alert_id());
  // chg's record has waited 1 h > 30 min; alpha_cbo had 1 of 4 rejected
  // (25% > 20%); bravo_housing missed AUTH-2; RTFs overdue.
  EXPECT_TRUE(firing.contains("BACKLOG_AGE/chg/")) << s.DebugString();
  EXPECT_TRUE(firing.contains("SUBMISSION_REJECTION_RATE//alpha_cbo"));
  EXPECT_TRUE(firing.contains("OUTREACH_SLA/molina/bravo_housing"));
  EXPECT_TRUE(firing.contains("RTF_OVERDUE/chg/alpha_cbo"));
  EXPECT_FALSE(firing.contains("BACKLOG_AGE/molina/"));
  std::map<std::string, int64_t> since;
  for (const auto& a : s.alerts()) {
    // Evaluations also ran after each submit and ack, at their fake times.
    EXPECT_GE(a.since().seconds(), absl::ToUnixSeconds(FixedTime()));
    EXPECT_LE(a.since().seconds(), absl::ToUnixSeconds(clock_.Now()));
    EXPECT_FALSE(a.message().empty());
    since[a.alert_id()] = a.since().seconds();
  }
  // In the log.
  EXPECT_TRUE(absl::StrContains(
      logs_.Text(), "\"event\":\"monitor_alert_firing\",\"alert_id\":\"BACKLOG_AGE/chg/\""))
      << logs_.Text();
  // In /metrics.
  const std::string metrics = HttpGet("/metrics");
  EXPECT_TRUE(absl::StrContains(
      metrics, "hub_alerts_firing{rule=\"BACKLOG_AGE\",plan=\"chg\",provider=\"\"} 1"))
      << metrics;

  // chg catches up: the backlog alert resolves; the others stay, with
  // their start time.
  clock_.Advance(absl::Minutes(5));
  Ack("chg", 1);
  s = Summary();
  firing.clear();
  for (const auto& a : s.alerts()) {
    firing.insert(a.alert_id());
    EXPECT_EQ(a.since().seconds(), since[a.alert_id()]) << a.alert_id();
  }
  EXPECT_FALSE(firing.contains("BACKLOG_AGE/chg/"));
  EXPECT_TRUE(firing.contains("OUTREACH_SLA/molina/bravo_housing"));
  EXPECT_TRUE(absl::StrContains(
      logs_.Text(), "\"event\":\"monitor_alert_resolved\",\"alert_id\":\"BACKLOG_AGE/chg/\""));

  // ListAlertEvents: newest first, the resolution after the firing.
  hub::v1::ListAlertEventsRequest request;
  grpc::ClientContext context;
  hub::v1::ListAlertEventsResponse events;
  ASSERT_TRUE(monitor_->ListAlertEvents(&context, request, &events).ok());
  ASSERT_GE(events.events_size(), 5);
  EXPECT_EQ(events.events(0).state(), hub::v1::ALERT_STATE_RESOLVED);
  EXPECT_EQ(events.events(0).alert().alert_id(), "BACKLOG_AGE/chg/");
  // Per alert, states alternate FIRING, RESOLVED, ... (other alerts, e.g.
  // molina's backlog between its two acks, may have come and gone: the
  // evaluations after each submit and ack ran at their fake times); each
  // alert firing now has FIRING as its newest event.
  std::map<std::string, hub::v1::AlertState> newest;
  std::map<std::string, hub::v1::AlertState> oldest;
  for (const auto& e : events.events()) {
    const std::string& id = e.alert().alert_id();
    auto seen = oldest.find(id);
    if (seen != oldest.end()) {
      EXPECT_NE(seen->second, e.state()) << id << " repeats a state";
    }
    newest.emplace(id, e.state());
    oldest[id] = e.state();
  }
  for (const auto& [id, state] : oldest) EXPECT_EQ(state, hub::v1::ALERT_STATE_FIRING) << id;
  for (const auto& a : s.alerts()) {
    EXPECT_EQ(newest[a.alert_id()], hub::v1::ALERT_STATE_FIRING) << a.alert_id();
  }
  EXPECT_EQ(newest["BACKLOG_AGE/chg/"], hub::v1::ALERT_STATE_RESOLVED);
  // Paging.
  hub::v1::ListAlertEventsRequest page;
  page.set_page_size(2);
  grpc::ClientContext page_context;
  hub::v1::ListAlertEventsResponse first;
  ASSERT_TRUE(monitor_->ListAlertEvents(&page_context, page, &first).ok());
  ASSERT_EQ(first.events_size(), 2);
  ASSERT_FALSE(first.next_page_token().empty());
  page.set_page_token(first.next_page_token());
  grpc::ClientContext next_context;
  hub::v1::ListAlertEventsResponse second;
  ASSERT_TRUE(monitor_->ListAlertEvents(&next_context, page, &second).ok());
  ASSERT_GE(second.events_size(), 1);
  EXPECT_LT(second.events(0).event_id(), first.events(1).event_id());
}

// Prometheus text format 0.0.4: "# HELP name text", "# TYPE name
// counter|gauge", samples "name{label="value",...} number".
TEST_F(MonitorTest, MetricsEndpointIsPrometheusTextWithoutPhi) {
  ASSERT_NO_FATAL_FAILURE(PlayScenario());
  // PullFeed counts its own calls (no interceptor sees it): one that ends
  // OK and one refused before streaming.
  EXPECT_TRUE(testing::PullFeedToEnd(*plan_, "molina").ok());
  EXPECT_EQ(testing::PullFeedToEnd(*plan_, "no_such_plan").error_code(),
            grpc::StatusCode::NOT_FOUND);
  (void)Summary();  // An evaluation: window gauges.
  int status = 0;
  const std::string text = HttpGet("/metrics", &status);
  EXPECT_EQ(status, 200);

  const std::regex sample(
      R"re(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")*)?\})? (-?[0-9.e+]+|\+Inf|-Inf|NaN)$)re");
  const std::regex help(R"re(^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$)re");
  const std::regex type(R"re(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge)$)re");
  std::set<std::string> typed;
  std::map<std::string, double> values;
  std::string current;
  for (const std::string& line :
       std::vector<std::string>(absl::StrSplit(text, '\n', absl::SkipEmpty()))) {
    std::smatch m;
    if (std::regex_match(line, m, help)) {
      current = m[1];
    } else if (std::regex_match(line, m, type)) {
      EXPECT_EQ(m[1], current) << "TYPE after its HELP: " << line;
      EXPECT_TRUE(typed.insert(m[1]).second) << "family declared twice: " << line;
    } else {
      ASSERT_TRUE(std::regex_match(line, m, sample)) << "not a sample line: " << line;
      EXPECT_EQ(m[1], current) << "sample outside its family: " << line;
      const std::string name_and_labels = line.substr(0, line.rfind(' '));
      EXPECT_TRUE(
          values.emplace(name_and_labels, std::stod(line.substr(line.rfind(' ') + 1))).second)
          << "duplicate series: " << line;
    }
  }
  auto value = [&](const std::string& series) {
    auto it = values.find(series);
    EXPECT_NE(it, values.end()) << series << " missing in\n" << text;
    return it == values.end() ? -1 : it->second;
  };
  EXPECT_EQ(value("hub_submissions_total{provider=\"alpha_cbo\",plan=\"molina\",kind=\"outreach_"
                  "attempt\",outcome=\"accepted\",reason=\"\"}"),
            2);
  EXPECT_EQ(value("hub_submissions_total{provider=\"alpha_cbo\",plan=\"\",kind=\"outreach_"
                  "attempt\",outcome=\"rejected\",reason=\"UNKNOWN_MEMBER\"}"),
            1);
  EXPECT_EQ(value("hub_feed_appended_records_total{plan=\"molina\"}"), 3);
  EXPECT_EQ(value("hub_feed_acked_records_total{plan=\"molina\"}"), 3);
  EXPECT_EQ(value("hub_feed_backlog_records{plan=\"chg\"}"), 1);
  EXPECT_EQ(value("hub_feed_oldest_unacked_age_seconds{plan=\"chg\"}"), 3600);
  EXPECT_EQ(value("hub_feed_ack_latency_seconds{plan=\"molina\",quantile=\"0.9\"}"), 2400);
  EXPECT_EQ(value("hub_window_records{plan=\"chg\",provider=\"alpha_cbo\",kind=\"outreach_"
                  "attempt\",status=\"delivered_pending\"}"),
            1);
  EXPECT_EQ(value("hub_window_rejections{source=\"plan_feed\",reason=\"PLAN_MEMBER_NOT_"
                  "ELIGIBLE\"}"),
            1);
  EXPECT_EQ(value("hub_outreach_sla_referrals{plan=\"molina\",provider=\"bravo_housing\","
                  "outcome=\"missing\"}"),
            1);
  EXPECT_EQ(value("hub_capacity_assigned_members{plan=\"molina\",provider=\"alpha_cbo\","
                  "service=\"ecm\"}"),
            2);
  EXPECT_EQ(value("hub_capacity_agreed_members{plan=\"molina\",provider=\"bravo_housing\","
                  "service=\"housing_deposits\"}"),
            3);
  EXPECT_EQ(value("hub_rtf_overdue{plan=\"chg\",provider=\"alpha_cbo\",period=\"2026-10\"}"), 1);
  EXPECT_EQ(value("hub_rpc_requests_total{method=\"hub.v1.ProviderService/Submit\",code=\"OK\"}"),
            2);
  EXPECT_EQ(value("hub_rpc_requests_total{method=\"hub.v1.PlanService/Ack\",code=\"OK\"}"), 2);
  EXPECT_EQ(value("hub_rpc_requests_total{method=\"hub.v1.PlanService/PullFeed\",code=\"OK\"}"), 1);
  EXPECT_EQ(value("hub_rpc_requests_total{method=\"hub.v1.PlanService/PullFeed\",code=\"NOT_"
                  "FOUND\"}"),
            1);
  EXPECT_TRUE(typed.contains("hub_ingest_rows_total"));

  // No member data anywhere in what monitoring publishes or logs.
  const std::string summary_json = HttpGet("/api/summary");
  hub::v1::GetSummaryResponse rpc;
  rpc.mutable_summary()->CopyFrom(Summary());
  std::string rpc_text = rpc.DebugString();
  const std::string stats_out = [&] {
    std::ostringstream out, err;
    EXPECT_EQ(RunHubctl({"--server=" + address_, "stats"}, "", out, err), 0) << err.str();
    return out.str();
  }();
  for (const std::string& published : {text, summary_json, rpc_text, stats_out, logs_.Text()}) {
    for (const char* cin : kCins) EXPECT_FALSE(absl::StrContains(published, cin)) << cin;
    EXPECT_FALSE(absl::StrContains(published, kMonitorFirstName));
    EXPECT_FALSE(absl::StrContains(published, kMonitorLastName));
  }
}

TEST_F(MonitorTest, DashboardJsonEndpointsMatchMonitorService) {
  ASSERT_NO_FATAL_FAILURE(PlayScenario());
  int status = 0;
  const std::string json = HttpGet("/api/summary", &status);
  ASSERT_EQ(status, 200) << json;
  hub::v1::GetSummaryResponse from_http;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &from_http).ok()) << json;
  const MonitorSummary from_rpc = Summary();
  // The fake clock stands still: both are the same evaluation's numbers.
  from_http.mutable_summary()->clear_care_scan_time();
  MonitorSummary expected = from_rpc;
  expected.clear_care_scan_time();
  EXPECT_EQ(from_http.summary().SerializeAsString(), expected.SerializeAsString())
      << from_http.summary().DebugString() << "\nvs\n"
      << expected.DebugString();
  EXPECT_TRUE(absl::StrContains(json, "\"acceptedByPlan\":\"2\""));

  // Another window.
  const std::string hour = HttpGet("/api/summary?window_seconds=600", &status);
  EXPECT_EQ(status, 200);
  hub::v1::GetSummaryResponse last_ten_minutes;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(hour, &last_ten_minutes).ok());
  EXPECT_EQ(last_ten_minutes.summary().totals().accepted(), 0);
  // Bad windows are 400 with a sentence.
  const std::string bad = HttpGet("/api/summary?window_seconds=5", &status);
  EXPECT_EQ(status, 400);
  EXPECT_TRUE(absl::StrContains(bad, "window_seconds")) << bad;
  HttpGet("/api/summary?window_seconds=soon", &status);
  EXPECT_EQ(status, 400);

  const std::string alerts = HttpGet("/api/alerts", &status);
  EXPECT_EQ(status, 200);
  hub::v1::ListAlertEventsResponse events;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(alerts, &events).ok()) << alerts;
  EXPECT_GE(events.events_size(), 4);

  const std::string config = HttpGet("/api/config", &status);
  EXPECT_EQ(status, 200);
  hub::v1::MonitorConfig parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(config, &parsed).ok());
  EXPECT_EQ(parsed.backlog_age_alert_seconds(), 1800);

  // The page and its files; nothing else of the disk.
  const std::string page = HttpGet("/", &status);
  EXPECT_EQ(status, 200);
  for (const char* id :
       {"chart-flows", "chart-backlog", "chart-rejections", "chart-sla", "capacity-table"}) {
    EXPECT_TRUE(absl::StrContains(page, id)) << id;
  }
  HttpGet("/dashboard.js", &status);
  EXPECT_EQ(status, 200);
  HttpGet("/dashboard.css", &status);
  EXPECT_EQ(status, 200);
  HttpGet("/../CMakeLists.txt", &status);
  EXPECT_EQ(status, 404);
  HttpGet("/server.cc", &status);
  EXPECT_EQ(status, 404);
}

TEST_F(MonitorTest, WatchFlowsStreamsNewSummaries) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  hub::v1::WatchFlowsRequest request;
  auto reader = monitor_->WatchFlows(&context, request);
  hub::v1::WatchFlowsResponse response;
  ASSERT_TRUE(reader->Read(&response));
  EXPECT_EQ(response.summary().totals().accepted(), 0);

  Submit("alpha_cbo", {Outreach("w-1", kMonitorM1)});
  // Each submit prompts an evaluation; read until it shows.
  int64_t accepted = 0;
  while (accepted < 1 && reader->Read(&response)) {
    accepted = response.summary().totals().accepted();
  }
  EXPECT_EQ(accepted, 1);
  // An Ack prompts one too.
  clock_.Advance(absl::Minutes(3));
  Ack("molina", 1);
  int64_t acked = 0;
  while (acked < 1 && reader->Read(&response))
    acked = response.summary().totals().accepted_by_plan();
  EXPECT_EQ(acked, 1);
  EXPECT_DOUBLE_EQ(response.summary().totals().ack_latency().p50_seconds(), 180);
  context.TryCancel();
  while (reader->Read(&response)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);

  // A bad window ends the stream at once.
  grpc::ClientContext bad_context;
  hub::v1::WatchFlowsRequest bad;
  bad.set_window_seconds(10);
  auto bad_reader = monitor_->WatchFlows(&bad_context, bad);
  EXPECT_FALSE(bad_reader->Read(&response));
  EXPECT_EQ(bad_reader->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(MonitorTest, HubctlStatsPrintsTheSummary) {
  ASSERT_NO_FATAL_FAILURE(PlayScenario());
  std::ostringstream out, err;
  ASSERT_EQ(RunHubctl({"--server=" + address_, "stats"}, "", out, err), 0) << err.str();
  const std::string text = out.str();
  EXPECT_TRUE(
      absl::StrContains(text,
                        "records   accepted 4 (pending 1, accepted by plan 2, rejected by plan 1), "
                        "rejected by hub 1"))
      << text;
  EXPECT_TRUE(absl::StrContains(text, "p50 / p90 / p99: 10m0s / 40m0s / 40m0s (3 acknowledged)"))
      << text;
  EXPECT_TRUE(std::regex_search(text, std::regex(R"(\nchg +1 +0 +1 +1h0m0s +- +0\n)"))) << text;
  EXPECT_TRUE(std::regex_search(text, std::regex(R"(plan_feed +PLAN_MEMBER_NOT_ELIGIBLE +1)")))
      << text;
  EXPECT_TRUE(std::regex_search(text, std::regex(R"(molina +bravo_housing +2 +1 +0 +1 +1)")))
      << text;
  EXPECT_TRUE(std::regex_search(text, std::regex(R"(alpha_cbo +molina +ecm +2 +2 +100% FULL)")))
      << text;
  EXPECT_TRUE(absl::StrContains(text, "BACKLOG_AGE/chg/")) << text;

  std::ostringstream json, json_err;
  ASSERT_EQ(
      RunHubctl({"--server=" + address_, "stats", "--window=2h", "--json"}, "", json, json_err), 0)
      << json_err.str();
  hub::v1::GetSummaryResponse parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json.str(), &parsed).ok());
  EXPECT_EQ(parsed.summary().totals().accepted(), 4);
  EXPECT_EQ(parsed.summary().window_end().seconds() - parsed.summary().window_start().seconds(),
            7200);

  std::ostringstream bad_out, bad_err;
  EXPECT_EQ(RunHubctl({"--server=" + address_, "stats", "--window=5s"}, "", bad_out, bad_err), 2);
}

}  // namespace
}  // namespace hub::testing
