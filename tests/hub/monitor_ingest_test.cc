// County monitoring of plan files: a hub (port 0, a temp store, a fixed
// clock) ingests an aetna member file with bad rows through its shipped
// adapter; MonitorService's ingest flows, plan-file rejection reasons, the
// file rejection-rate alert, capacity from the assignments the file made,
// and /metrics' ingest counters are checked against the file, and none of
// the file's member data leaves the hub through monitoring.
//
// Needs HUB_SOURCE_DIR (the repository root: adapters/plans).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "adapters/plan_adapter.h"
#include "adapters/registry.h"
#include "base/sha256.h"
#include "hub/common/log.h"
#include "hub/common/plan_adapters.h"
#include "hub/common/rpc_status.h"
#include "hub/monitor/monitor_rules.h"
#include "hub/server/server.h"
#include "hub/v1/monitor_service.grpc.pb.h"
#include "hub/v1/plan_service.grpc.pb.h"
#include "tests/hub/hub_test_util.h"

#ifndef HUB_SOURCE_DIR
#error "HUB_SOURCE_DIR must name the repository root"
#endif

namespace hub::testing {
namespace {

using ::hub::v1::AssignmentFileRow;
using ::hub::v1::IngestReport;
using ::hub::v1::MonitorSummary;

constexpr hub::v1::FileKind kAssignment = hub::v1::FILE_KIND_MEMBER_ASSIGNMENT;

// The file's members: their CINs and names must not leave the hub.
const char* const kGoodCins[] = {"51000001A", "51000002B", "51000003C"};
constexpr char kUnknownProviderCin[] = "51000004D";
constexpr char kBadCin[] = "QZX4471";
constexpr char kLastName[] = "Wojciechowska";
constexpr char kFirstName[] = "Philomena";

std::string EcmNpi() { return Npi("200000001"); }
std::string UnknownNpi() { return Npi("299999999"); }

std::string SeedText() {
  return absl::StrCat(R"(
plans { plan_id: "aetna" name: "Aetna Better Health" county: "San Diego" adapter_profile: "aetna" }
providers {
  provider_id: "ecm_one" npi: ")",
                      EcmNpi(), R"(" tin: "111111111" name: "ECM One"
  kinds: PROVIDER_KIND_ECM
  contracts { plan_id: "aetna" kinds: PROVIDER_KIND_ECM ecm_capacity: 5 }
}
)");
}

AssignmentFileRow Member(const std::string& cin, const std::string& npi = EcmNpi()) {
  AssignmentFileRow row;
  hub::v1::Member* m = row.mutable_member();
  m->set_cin(cin);
  m->mutable_name()->set_first(kFirstName);
  m->mutable_name()->set_last(kLastName);
  m->set_date_of_birth("1980-02-29");
  m->set_sex(hub::v1::SEX_FEMALE);
  m->mutable_address()->set_line1("1 Main St");
  m->mutable_address()->set_city("San Diego");
  m->mutable_address()->set_state("CA");
  m->mutable_address()->set_zip("92101");
  m->set_phone("6195550100");
  row.mutable_coverage()->set_start_date("2025-01-01");
  row.set_provider_npi(npi);
  row.set_plan_member_id(absl::StrCat("M", cin.substr(0, 6)));
  hub::v1::Assignment* a = row.mutable_assignment();
  a->set_benefit_start_date("2025-02-01");
  a->add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_ADULT_INDIVIDUAL_HOMELESSNESS);
  return row;
}

// The rows rendered by the shipped aetna profile, as the plan sends them.
std::string RenderAetna(const std::vector<AssignmentFileRow>& rows) {
  adapters::AdapterRegistry registry;
  EXPECT_TRUE(adapters::RegisterBuiltinAdapters(registry).ok());
  auto loaded = PlanAdapterSet::LoadProfileFile(
      std::string(HUB_SOURCE_DIR) + "/adapters/plans/aetna/profile.textproto", "aetna", registry);
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  if (!loaded.ok()) return "";
  adapters::RenderOptions options;
  options.file_date = "2026-11-20";
  auto renderer = (*loaded)->adapter->OpenRenderer(kAssignment, options);
  EXPECT_TRUE(renderer.ok()) << renderer.status();
  if (!renderer.ok()) return "";
  std::string out;
  for (const AssignmentFileRow& row : rows) EXPECT_TRUE((*renderer)->Add(row, out).ok());
  EXPECT_TRUE((*renderer)->Finish(out).ok());
  return out;
}

class MonitorIngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetSink([this](std::string_view line) {
      absl::MutexLock lock(&log_mu_);
      log_.append(line.data(), line.size());
      log_ += '\n';
    });
    root_ = MakeTempDir();
    WriteFile(root_ + "/seed.textproto", SeedText());
    HubServer::Options options;
    options.listen_address = "127.0.0.1:0";
    options.http_listen = "127.0.0.1:0";
    options.data_dir = root_ + "/data";
    options.seed_path = root_ + "/seed.textproto";
    // aetna's shipped profile with no limit on rejected rows: the test's
    // file has 2 bad rows of 5 on purpose, to see them counted.
    const std::string profiles = root_ + "/profiles";
    std::filesystem::create_directories(profiles + "/aetna");
    WriteFile(profiles + "/aetna/profile.textproto",
              ReadFile(std::string(HUB_SOURCE_DIR) + "/adapters/plans/aetna/profile.textproto") +
                  "\nmax_rejected_rows_percent: 100\n");
    options.profiles_dir = profiles;
    options.clock = [] { return FixedTime(); };
    hub::v1::MonitorConfig config = DefaultMonitorConfig();
    config.set_file_rejection_rate_alert(0.25);
    config.set_rejection_rate_min_count(5);
    config.set_care_refresh_seconds(0);
    config.set_min_evaluate_interval_ms(0);
    config.set_evaluate_interval_seconds(3600);
    options.monitor_config = config;
    absl::StatusOr<std::unique_ptr<HubServer>> server = HubServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
  }

  void TearDown() override {
    if (server_ != nullptr) {
      EXPECT_TRUE(server_->Shutdown(absl::Seconds(5)).ok());
    }
    log::SetSink(nullptr);
  }

  absl::StatusOr<IngestReport> Upload(const std::string& bytes) {
    auto stub = hub::v1::PlanService::NewStub(channel_);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    hub::v1::UploadFileResponse response;
    auto writer = stub->UploadFile(&context, &response);
    hub::v1::UploadFileRequest request;
    request.mutable_header()->set_plan_id("aetna");
    request.mutable_header()->set_file_kind(kAssignment);
    request.mutable_header()->set_file_name("members.csv");
    Sha256 sha;
    sha.Update(bytes);
    request.mutable_header()->set_content_sha256(sha.HexDigest());
    bool open = writer->Write(request);
    if (open && !bytes.empty()) {
      request.Clear();
      request.set_chunk(bytes);
      open = writer->Write(request);
    }
    if (open) writer->WritesDone();
    absl::Status status = FromGrpcStatus(writer->Finish());
    if (!status.ok()) return status;
    return response.report();
  }

  MonitorSummary Summary() { return testing::GetMonitorSummary(channel_); }

  std::string HttpGet(const std::string& path) {
    return testing::HttpGetBody(server_->http_port(), path);
  }

  std::string Log() {
    absl::MutexLock lock(&log_mu_);
    return log_;
  }

  absl::Mutex log_mu_;
  std::string log_;
  std::string root_;
  std::unique_ptr<HubServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(MonitorIngestTest, PlanFileFlowsRejectionsAlertAndCapacity) {
  const std::string file =
      RenderAetna({Member(kGoodCins[0]), Member(kGoodCins[1]), Member(kBadCin),
                   Member(kGoodCins[2]), Member(kUnknownProviderCin, UnknownNpi())});
  absl::StatusOr<IngestReport> report = Upload(file);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->rows_read(), 5);
  ASSERT_EQ(report->rows_rejected(), 2);

  MonitorSummary s = Summary();
  ASSERT_EQ(s.ingest_size(), 1) << s.DebugString();
  const hub::v1::IngestFlow& flow = s.ingest(0);
  EXPECT_EQ(flow.plan_id(), "aetna");
  EXPECT_EQ(flow.file_kind(), kAssignment);
  EXPECT_EQ(flow.files(), 1);
  EXPECT_EQ(flow.files_rejected(), 0);
  EXPECT_EQ(flow.rows_read(), 5);
  EXPECT_EQ(flow.rows_accepted(), 3);
  EXPECT_EQ(flow.rows_rejected(), 2);

  std::map<std::string, int64_t> file_reasons;
  for (const auto& r : s.rejection_reasons()) {
    if (r.source() == hub::v1::REJECTION_SOURCE_PLAN_FILE)
      file_reasons[r.reason_code()] = r.count();
  }
  EXPECT_EQ(file_reasons,
            (std::map<std::string, int64_t>{{"ROW_BAD_CIN", 1}, {"ROW_UNKNOWN_PROVIDER", 1}}));

  // 2 of 5 rows (40%) over 25%, judged over >= 5 rows.
  const hub::v1::Alert* alert = nullptr;
  for (const auto& a : s.alerts()) {
    if (a.alert_id() == "FILE_REJECTION_RATE/aetna/") alert = &a;
  }
  ASSERT_NE(alert, nullptr) << s.DebugString();
  EXPECT_DOUBLE_EQ(alert->value(), 0.4);
  EXPECT_DOUBLE_EQ(alert->threshold(), 0.25);

  // The file's three good rows assigned members to ecm_one (capacity 5).
  bool found = false;
  for (const auto& c : s.capacity()) {
    if (c.provider_id() == "ecm_one" && c.plan_id() == "aetna") {
      found = true;
      EXPECT_EQ(c.assigned(), 3);
      EXPECT_EQ(c.capacity(), 5);
      EXPECT_DOUBLE_EQ(c.utilization(), 0.6);
      EXPECT_FALSE(c.at_capacity());
    }
  }
  EXPECT_TRUE(found) << s.DebugString();

  std::string metrics = HttpGet("/metrics");
  EXPECT_TRUE(absl::StrContains(metrics,
                                "hub_ingest_files_total{plan=\"aetna\",file_kind=\"member_"
                                "assignment\",outcome=\"partially_accepted\"} 1\n"))
      << metrics;
  EXPECT_TRUE(absl::StrContains(metrics,
                                "hub_ingest_rows_total{plan=\"aetna\",file_kind=\"member_"
                                "assignment\",outcome=\"rejected\"} 2\n"));
  EXPECT_TRUE(absl::StrContains(metrics,
                                "hub_ingest_rows_total{plan=\"aetna\",file_kind=\"member_"
                                "assignment\",outcome=\"accepted\"} 3\n"));
  EXPECT_TRUE(absl::StrContains(
      metrics, "hub_window_rejections{source=\"plan_file\",reason=\"ROW_BAD_CIN\"} 1\n"));
  EXPECT_TRUE(absl::StrContains(
      metrics,
      "hub_capacity_assigned_members{plan=\"aetna\",provider=\"ecm_one\",service=\"ecm\"} 3\n"));
  EXPECT_TRUE(absl::StrContains(
      metrics, "hub_alerts_firing{rule=\"FILE_REJECTION_RATE\",plan=\"aetna\",provider=\"\"} 1\n"));

  // The same file again is the same report: nothing counts twice. An empty
  // file is rejected whole.
  ASSERT_TRUE(Upload(file).ok());
  absl::StatusOr<IngestReport> empty = Upload("");
  ASSERT_TRUE(empty.ok()) << empty.status();
  ASSERT_EQ(empty->outcome(), hub::v1::INGEST_OUTCOME_REJECTED);
  s = Summary();
  ASSERT_EQ(s.ingest_size(), 1);
  EXPECT_EQ(s.ingest(0).files(), 2);
  EXPECT_EQ(s.ingest(0).files_rejected(), 1);
  EXPECT_EQ(s.ingest(0).rows_read(), 5);
  metrics = HttpGet("/metrics");
  EXPECT_TRUE(absl::StrContains(metrics,
                                "hub_ingest_files_total{plan=\"aetna\",file_kind=\"member_"
                                "assignment\",outcome=\"partially_accepted\"} 1\n"))
      << metrics;
  EXPECT_TRUE(absl::StrContains(metrics,
                                "hub_ingest_files_total{plan=\"aetna\",file_kind=\"member_"
                                "assignment\",outcome=\"rejected\"} 1\n"))
      << metrics;

  // No member data in what monitoring publishes or logs.
  const std::string summary_json = HttpGet("/api/summary");
  EXPECT_TRUE(absl::StrContains(summary_json, "\"rowsRejected\":\"2\"")) << summary_json;
  for (const std::string& published : {metrics, summary_json, s.DebugString(), Log()}) {
    for (const char* cin :
         {kGoodCins[0], kGoodCins[1], kGoodCins[2], kUnknownProviderCin, kBadCin}) {
      EXPECT_FALSE(absl::StrContains(published, cin)) << cin;
    }
    EXPECT_FALSE(absl::StrContains(published, kLastName));
    EXPECT_FALSE(absl::StrContains(published, kFirstName));
    EXPECT_FALSE(absl::StrContains(published, "6195550100"));
    EXPECT_FALSE(absl::StrContains(published, "1980-02-29"));
  }
}

}  // namespace
}  // namespace hub::testing
