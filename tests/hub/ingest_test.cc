// Plan file ingest end to end: an in-process HubServer on 127.0.0.1:0, a
// real channel, PlanService.UploadFile with files rendered by the plans' own
// adapters (aetna CSV, community_health_group fixed width, health_net X12
// 834), and the store inspected after the hub is stopped.
//
// Needs HUB_SOURCE_DIR (the repository root: adapters/plans) and HUBCTL
// is exercised in-process through RunHubctl.
#include "hub/ingest/ingest.h"

#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "adapters/mapping/row_mapper.h"
#include "adapters/plan_adapter.h"
#include "adapters/profile_check.h"
#include "adapters/registry.h"
#include "base/sha256.h"
#include "generator/county.h"
#include "generator/inputs.h"
#include "generator/native_files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/cli/hubctl.h"
#include "hub/cli/ingest_report_text.h"
#include "hub/common/plan_adapters.h"
#include "hub/common/rpc_status.h"
#include "hub/server/server.h"
#include "hub/v1/admin_service.grpc.pb.h"
#include "hub/v1/directory_service.grpc.pb.h"
#include "hub/v1/monitor_service.grpc.pb.h"
#include "hub/v1/plan_service.grpc.pb.h"
#include "storage/care_store.h"
#include "storage/coverage_index.h"
#include "storage/member_store.h"
#include "storage/quality_store.h"
#include "storage/store.h"
#include "tests/adapters/export_test_util.h"
#include "tests/hub/county_test_util.h"
#include "tests/hub/hub_test_util.h"

#ifndef HUB_SOURCE_DIR
#error "HUB_SOURCE_DIR must name the repository root"
#endif

namespace hub {
namespace {

namespace fs = std::filesystem;
using ::hub::v1::AssignmentFileRow;
using ::hub::v1::AuthorizationFileRow;
using ::hub::v1::FileKind;
using ::hub::v1::IngestReport;
using ::hub::v1::QualityFileRow;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr FileKind kAssignment = hub::v1::FILE_KIND_MEMBER_ASSIGNMENT;
constexpr FileKind kAuthorization = hub::v1::FILE_KIND_CS_AUTHORIZATION;
constexpr FileKind kQuality = hub::v1::FILE_KIND_QUALITY_REPORT;

// The test clock's day is 2026-11-23: a snapshot ends what it drops on the
// day before.
constexpr char kCutoff[] = "2026-11-22";

std::string EcmNpi() { return testing::Npi("200000001"); }
std::string CsNpi() { return testing::Npi("200000002"); }
std::string MolinaOnlyNpi() { return testing::Npi("200000003"); }
std::string UnknownNpi() { return testing::Npi("299999999"); }

std::string PlansDir() { return std::string(HUB_SOURCE_DIR) + "/adapters/plans"; }

// The shipped profiles with max_rejected_rows_percent: 100, made once per
// test program: most tests here send small files with many bad rows on
// purpose, to see each row reported and the good ones applied. The tests of
// the limit itself use PlansDir() (the shipped default, 10%).
const std::string& RowByRowPlansDir() {
  static const std::string* dir = [] {
    auto* path = new std::string(testing::MakeTempDir() + "/profiles");
    for (const auto& entry : fs::directory_iterator(PlansDir())) {
      const fs::path profile = entry.path() / "profile.textproto";
      if (!fs::exists(profile)) continue;
      fs::create_directories(fs::path(*path) / entry.path().filename());
      testing::WriteFile(
          (fs::path(*path) / entry.path().filename() / "profile.textproto").string(),
          testing::ReadFile(profile.string()) + "\nmax_rejected_rows_percent: 100\n");
    }
    return path;
  }();
  return *dir;
}

// Plans onboarded with the shipped profiles, and providers:
//   ecm_one      ECM     aetna, chg, health_net (ECM)
//   cs_one       CS      aetna, health_net (CS)   HOUSING_DEPOSITS, RECUPERATIVE_CARE
//   molina_only  ECM     molina
std::string SeedText() {
  return absl::StrCat(R"(
plans { plan_id: "aetna" name: "Aetna Better Health" county: "San Diego" adapter_profile: "aetna" }
plans { plan_id: "chg" name: "Community Health Group" county: "San Diego" adapter_profile: "community_health_group" }
plans { plan_id: "health_net" name: "Health Net" county: "San Diego" adapter_profile: "health_net" }
plans { plan_id: "molina" name: "Molina" county: "San Diego" }
providers {
  provider_id: "ecm_one" npi: ")",
                      EcmNpi(), R"(" tin: "111111111" name: "ECM One"
  kinds: PROVIDER_KIND_ECM
  contracts { plan_id: "aetna" kinds: PROVIDER_KIND_ECM }
  contracts { plan_id: "chg" kinds: PROVIDER_KIND_ECM }
  contracts { plan_id: "health_net" }
}
providers {
  provider_id: "cs_one" npi: ")",
                      CsNpi(), R"(" tin: "222222222" name: "CS One"
  kinds: PROVIDER_KIND_CS
  community_supports: [COMMUNITY_SUPPORT_HOUSING_DEPOSITS, COMMUNITY_SUPPORT_RECUPERATIVE_CARE]
  contracts { plan_id: "aetna" kinds: PROVIDER_KIND_CS }
  contracts { plan_id: "health_net" kinds: PROVIDER_KIND_CS }
}
providers {
  provider_id: "molina_only" npi: ")",
                      MolinaOnlyNpi(), R"(" tin: "333333333" name: "Molina Only"
  kinds: PROVIDER_KIND_ECM
  contracts { plan_id: "molina" kinds: PROVIDER_KIND_ECM }
}
)");
}

// ------------------------------------------------------------ canonical rows

AssignmentFileRow Member(const std::string& cin, const std::string& last,
                         const std::string& npi = EcmNpi(),
                         const std::string& ecm_start = "2025-02-01") {
  AssignmentFileRow row;
  hub::v1::Member* m = row.mutable_member();
  m->set_cin(cin);
  m->mutable_name()->set_first("Ana");
  m->mutable_name()->set_last(last);
  m->set_date_of_birth("1980-02-29");
  m->set_sex(hub::v1::SEX_FEMALE);
  m->mutable_address()->set_line1("1 Main St");
  m->mutable_address()->set_city("San Diego");
  m->mutable_address()->set_state("CA");
  m->mutable_address()->set_zip("92101");
  m->set_phone("6195550100");
  row.mutable_coverage()->set_start_date("2025-01-01");
  row.set_provider_npi(npi);
  row.set_plan_member_id(absl::StrCat("M", cin.substr(0, 8)));
  hub::v1::Assignment* a = row.mutable_assignment();
  a->set_benefit_start_date(ecm_start);
  a->add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_ADULT_INDIVIDUAL_HOMELESSNESS);
  return row;
}

AuthorizationFileRow Authorization(const std::string& number, const std::string& cin,
                                   hub::v1::CommunitySupport service, int approved, int used,
                                   const std::string& npi = CsNpi()) {
  AuthorizationFileRow row;
  hub::v1::Authorization* a = row.mutable_authorization();
  a->set_authorization_number(number);
  a->set_cin(cin);
  a->set_community_support(service);
  a->set_hcpcs_code("H0044");
  a->add_modifiers("U2");
  a->set_units_approved(approved);
  a->set_units_used(used);
  a->set_start_date("2025-03-01");
  a->set_status(hub::v1::AUTHORIZATION_STATUS_APPROVED);
  row.set_provider_npi(npi);
  return row;
}

QualityFileRow Quality(const std::string& measure, const std::string& period, int64_t numerator,
                       int64_t denominator, const std::string& npi = EcmNpi()) {
  QualityFileRow row;
  row.mutable_report()->set_measure_id(measure);
  row.mutable_report()->set_period(period);
  row.mutable_report()->set_numerator(numerator);
  row.mutable_report()->set_denominator(denominator);
  row.set_provider_npi(npi);
  return row;
}

// Renders `rows` with the shipped profile `profile` (as the plan would send
// them).
template <typename Row>
std::string Render(const std::string& profile, FileKind kind, const std::vector<Row>& rows) {
  adapters::AdapterRegistry registry;
  EXPECT_TRUE(adapters::RegisterBuiltinAdapters(registry).ok());
  auto loaded = PlanAdapterSet::LoadProfileFile(PlansDir() + "/" + profile + "/profile.textproto",
                                                profile, registry);
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  if (!loaded.ok()) return "";
  adapters::RenderOptions options;
  options.file_date = "2026-11-20";
  auto renderer = (*loaded)->adapter->OpenRenderer(kind, options);
  EXPECT_TRUE(renderer.ok()) << renderer.status();
  if (!renderer.ok()) return "";
  std::string out;
  for (const Row& row : rows) {
    absl::Status added = (*renderer)->Add(row, out);
    EXPECT_TRUE(added.ok()) << added;
  }
  EXPECT_TRUE((*renderer)->Finish(out).ok());
  return out;
}

// ------------------------------------------------------------ the hub

struct Hub {
  std::string root;
  std::unique_ptr<HubServer> server;
  std::shared_ptr<grpc::Channel> channel;
  std::string address() const { return absl::StrCat("127.0.0.1:", server->port()); }
};

struct HubConfig {
  std::string profiles_dir = RowByRowPlansDir();
  // Serve /metrics on a free port (Hub::server->http_port()).
  bool http = false;
  int commit_every_rows = 2000;
  std::function<absl::Status(int64_t)> row_hook;
};

// Starts a hub over `root` (seeded on first start).
std::unique_ptr<Hub> StartHub(const std::string& root, const HubConfig& config = {}) {
  auto hub = std::make_unique<Hub>();
  hub->root = root;
  HubServer::Options options;
  options.listen_address = "127.0.0.1:0";
  options.data_dir = root + "/data";
  options.clock = [] { return testing::FixedTime(); };
  options.profiles_dir = config.profiles_dir;
  options.seed_path = root + "/seed.textproto";
  if (!fs::exists(options.seed_path)) testing::WriteFile(options.seed_path, SeedText());
  options.ingest.commit_every_rows = config.commit_every_rows;
  options.ingest.row_hook = config.row_hook;
  if (config.http) options.http_listen = "127.0.0.1:0";
  absl::StatusOr<std::unique_ptr<HubServer>> server = HubServer::Start(options);
  EXPECT_TRUE(server.ok()) << server.status();
  if (!server.ok()) return nullptr;
  hub->server = *std::move(server);
  hub->channel = grpc::CreateChannel(hub->address(), grpc::InsecureChannelCredentials());
  return hub;
}

using UploadOptions = testing::PlanUploadOptions;

absl::StatusOr<IngestReport> Upload(const Hub& hub, const std::string& plan, FileKind kind,
                                    const std::string& bytes, const UploadOptions& opts = {}) {
  return testing::UploadPlanFile(*hub.channel, plan, kind, bytes, opts);
}

// Everything the hub stores about `cins`: members, coverage, assignments
// and authorizations, as text. Versions are dropped unless `with_versions`.
std::string Dump(const std::string& data_dir, const std::vector<std::string>& cins,
                 bool with_versions) {
  storage::StoreOptions options;
  options.data_dir = data_dir;
  options.block_cache_bytes = 1 << 20;
  auto store = storage::Store::Open(options);
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return "";
  storage::MemberStore members(store->get());
  storage::CoverageIndex coverage(store->get());
  storage::CareStore care(store->get());
  std::string out;
  for (const std::string& cin : cins) {
    absl::StatusOr<hub::v1::Member> m = members.Get(cin);
    absl::StrAppend(&out, cin, " member: ", m.ok() ? m->ShortDebugString() : "none", "\n");
    auto periods = coverage.Periods(cin);
    EXPECT_TRUE(periods.ok());
    auto assignments = care.Assignments(cin);
    EXPECT_TRUE(assignments.ok());
    auto authorizations = care.Authorizations(cin);
    EXPECT_TRUE(authorizations.ok());
    if (!periods.ok() || !assignments.ok() || !authorizations.ok()) continue;
    for (hub::v1::Coverage c : *periods) {
      if (!with_versions) c.clear_version();
      absl::StrAppend(&out, "  coverage: ", c.ShortDebugString(), "\n");
    }
    for (hub::v1::Assignment a : *assignments) {
      if (!with_versions) a.clear_version();
      absl::StrAppend(&out, "  assignment: ", a.ShortDebugString(), "\n");
    }
    for (hub::v1::Authorization a : *authorizations) {
      if (!with_versions) a.clear_version();
      absl::StrAppend(&out, "  authorization: ", a.ShortDebugString(), "\n");
    }
  }
  EXPECT_TRUE((*store)->Close().ok());
  return out;
}

std::vector<std::string> Errors(const IngestReport& report) {
  std::vector<std::string> out;
  for (const auto& e : report.row_errors()) {
    out.push_back(absl::StrCat(e.row_number(), " ", e.field(), " ", e.reason_code()));
  }
  return out;
}

// Opens the store of a stopped hub for assertions.
class StoreReader {
 public:
  explicit StoreReader(const std::string& data_dir) {
    storage::StoreOptions options;
    options.data_dir = data_dir;
    options.block_cache_bytes = 1 << 20;
    auto store = storage::Store::Open(options);
    EXPECT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }
  ~StoreReader() { EXPECT_TRUE(store_->Close().ok()); }
  storage::Store* get() { return store_.get(); }

 private:
  std::unique_ptr<storage::Store> store_;
};

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testing::MakeTempDir();
    hub_ = StartHub(root_);
    ASSERT_NE(hub_, nullptr);
  }
  void Stop() {
    if (hub_ != nullptr) {
      EXPECT_TRUE(hub_->server->Shutdown(absl::Seconds(5)).ok());
    }
    hub_.reset();
  }
  void Restart(const HubConfig& config = {}) {
    Stop();
    hub_ = StartHub(root_, config);
    ASSERT_NE(hub_, nullptr);
  }
  std::string data_dir() const { return root_ + "/data"; }

  std::string root_;
  std::unique_ptr<Hub> hub_;
};

// The aetna member file with one good row, then one bad row of each kind,
// then another good row.
std::string AetnaFileWithBadRows() {
  std::vector<AssignmentFileRow> rows;
  rows.push_back(Member("10000001A", "Alvarez"));
  rows.push_back(Member("10000002B", "Baker"));
  rows.push_back(Member("1234567", "Short"));                     // 3: bad CIN
  rows.push_back(Member("10000004D", "Dunn", UnknownNpi()));      // 4: unknown NPI
  rows.push_back(Member("10000005E", "Evans", MolinaOnlyNpi()));  // 5: not contracted
  AssignmentFileRow bad_date = Member("10000006F", "Foster");
  bad_date.mutable_member()->set_date_of_birth("1977-07-07");
  rows.push_back(bad_date);                 // 6: bad date
  rows.push_back(Member("10000007G", ""));  // 7: required missing
  AssignmentFileRow no_pof = Member("10000008H", "Hayes");
  no_pof.mutable_assignment()->clear_populations_of_focus();
  rows.push_back(no_pof);  // 8: no POF
  AssignmentFileRow bad_period = Member("10000009J", "Ito");
  bad_period.mutable_assignment()->set_benefit_end_date("2025-01-15");  // before start
  rows.push_back(bad_period);                                           // 9: bad period
  rows.push_back(Member("10000010K", "Kim"));                           // 10
  std::string file = Render("aetna", kAssignment, rows);
  // Not a real day, in the plan's MM/DD/YYYY.
  return absl::StrReplaceAll(file, {{"07/07/1977", "13/45/1977"}});
}

TEST_F(IngestTest, ReportCountsAndRowErrorsAreExact) {
  const std::string file = AetnaFileWithBadRows();
  absl::StatusOr<IngestReport> report = Upload(*hub_, "aetna", kAssignment, file);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->outcome(), hub::v1::INGEST_OUTCOME_PARTIALLY_ACCEPTED);
  EXPECT_EQ(report->plan_id(), "aetna");
  EXPECT_EQ(report->file_kind(), kAssignment);
  EXPECT_EQ(report->size_bytes(), static_cast<int64_t>(file.size()));
  Sha256 sha;
  sha.Update(file);
  const std::string hex = sha.HexDigest();
  EXPECT_EQ(report->content_sha256(), hex);
  // The replay key: the content and the version of the profile that read it.
  EXPECT_EQ(report->profile_version().size(), 16u);
  EXPECT_EQ(report->report_id(), IngestReportId("aetna", hex, report->profile_version()));
  EXPECT_NE(report->report_id(), "aetna-" + hex.substr(0, 16));
  EXPECT_FALSE(report->replay());
  EXPECT_EQ(report->rows_read(), 10);
  EXPECT_EQ(report->rows_accepted(), 3);
  EXPECT_EQ(report->rows_rejected(), 7);
  EXPECT_EQ(report->changes().members_upserted(), 3);
  EXPECT_EQ(report->changes().coverage_periods_written(), 3);
  EXPECT_EQ(report->changes().assignments_written(), 3);
  EXPECT_EQ(report->changes().assignments_ended(), 0);
  EXPECT_EQ(report->changes().rows_unchanged(), 0);
  EXPECT_THAT(Errors(*report),
              ElementsAre("3 member.cin ROW_BAD_CIN", "4 provider_npi ROW_UNKNOWN_PROVIDER",
                          "5 provider_npi ROW_PROVIDER_NOT_CONTRACTED", "6 DOB ROW_BAD_DATE",
                          "7 LAST_NAME ROW_REQUIRED_MISSING",
                          "8 assignment.populations_of_focus ROW_MISSING_POF",
                          "9 assignment.benefit_end_date ROW_BAD_PERIOD"));
  // No values in messages (they may be PHI), only sentences.
  for (const auto& e : report->row_errors()) {
    EXPECT_THAT(e.message(), ::testing::Not(HasSubstr("1234567")));
    EXPECT_THAT(e.message(), ::testing::Not(HasSubstr("1977")));
    EXPECT_FALSE(e.message().empty());
  }
  EXPECT_EQ(report->receive_time().seconds(), absl::ToUnixSeconds(testing::FixedTime()));
  EXPECT_EQ(report->complete_time().seconds(), absl::ToUnixSeconds(testing::FixedTime()));

  // GetIngestReport returns the same report; ListIngestReports lists it.
  auto stub = hub::v1::PlanService::NewStub(hub_->channel);
  {
    grpc::ClientContext context;
    hub::v1::GetIngestReportRequest request;
    request.set_report_id(report->report_id());
    request.set_page_size(100);
    hub::v1::GetIngestReportResponse response;
    ASSERT_TRUE(stub->GetIngestReport(&context, request, &response).ok());
    EXPECT_EQ(response.report().SerializeAsString(), report->SerializeAsString());
    EXPECT_TRUE(response.next_page_token().empty());
  }
  {
    // Paging through the row errors three at a time.
    std::vector<std::string> paged;
    hub::v1::GetIngestReportRequest request;
    request.set_report_id(report->report_id());
    request.set_page_size(3);
    int pages = 0;
    do {
      grpc::ClientContext context;
      hub::v1::GetIngestReportResponse response;
      ASSERT_TRUE(stub->GetIngestReport(&context, request, &response).ok());
      for (const auto& e : response.report().row_errors()) paged.push_back(e.reason_code());
      request.set_page_token(response.next_page_token());
      ++pages;
    } while (!request.page_token().empty());
    EXPECT_EQ(pages, 3);
    EXPECT_EQ(paged.size(), 7u);
  }
  {
    grpc::ClientContext context;
    hub::v1::ListIngestReportsRequest request;
    request.set_plan_id("aetna");
    hub::v1::ListIngestReportsResponse response;
    ASSERT_TRUE(stub->ListIngestReports(&context, request, &response).ok());
    ASSERT_EQ(response.reports_size(), 1);
    EXPECT_EQ(response.reports(0).report_id(), report->report_id());
    EXPECT_EQ(response.reports(0).row_errors_size(), 0);
  }
  {
    grpc::ClientContext context;
    hub::v1::GetIngestReportRequest request;
    request.set_report_id("aetna-0000000000000000");
    hub::v1::GetIngestReportResponse response;
    EXPECT_EQ(stub->GetIngestReport(&context, request, &response).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }

  // What was applied.
  Stop();
  StoreReader store(data_dir());
  storage::MemberStore members(store.get());
  storage::CoverageIndex coverage(store.get());
  storage::CareStore care(store.get());
  absl::StatusOr<hub::v1::Member> alvarez = members.Get("10000001A");
  ASSERT_TRUE(alvarez.ok());
  EXPECT_EQ(alvarez->name().last(), "Alvarez");
  EXPECT_EQ(alvarez->date_of_birth(), "1980-02-29");
  ASSERT_EQ(alvarez->plan_member_ids_size(), 1);
  EXPECT_EQ(alvarez->plan_member_ids(0).plan_id(), "aetna");
  EXPECT_EQ(alvarez->plan_member_ids(0).member_id(), "M10000001");
  absl::StatusOr<hub::v1::Coverage> covering = coverage.CoveringPlan("10000010K", "2025-06-01");
  ASSERT_TRUE(covering.ok()) << covering.status();
  EXPECT_EQ(covering->plan_id(), "aetna");
  EXPECT_TRUE(absl::IsNotFound(coverage.CoveringPlan("10000010K", "2024-12-31").status()));
  absl::StatusOr<std::vector<hub::v1::Assignment>> assigned =
      care.AssignmentsOn("10000002B", "2025-06-01");
  ASSERT_TRUE(assigned.ok());
  ASSERT_EQ(assigned->size(), 1u);
  EXPECT_EQ((*assigned)[0].provider_id(), "ecm_one");
  EXPECT_EQ((*assigned)[0].status(), hub::v1::ENROLLMENT_STATUS_ASSIGNED);
  EXPECT_EQ((*assigned)[0].populations_of_focus(0),
            hub::v1::POPULATION_OF_FOCUS_ADULT_INDIVIDUAL_HOMELESSNESS);
  // Rejected rows left nothing behind.
  for (const char* cin :
       {"10000004D", "10000005E", "10000006F", "10000007G", "10000008H", "10000009J"}) {
    EXPECT_TRUE(absl::IsNotFound(members.Get(cin).status())) << cin;
  }
}

TEST_F(IngestTest, SameContentTwiceChangesNothingAndReturnsTheSameReport) {
  const std::string file = AetnaFileWithBadRows();
  absl::StatusOr<IngestReport> first = Upload(*hub_, "aetna", kAssignment, file);
  ASSERT_TRUE(first.ok()) << first.status();
  Stop();
  const std::vector<std::string> cins = {"10000001A", "10000002B", "10000010K"};
  const std::string before = Dump(data_dir(), cins, /*with_versions=*/true);
  Restart();
  // Known from the header's hash: answered before the chunks are read.
  absl::StatusOr<IngestReport> again = Upload(*hub_, "aetna", kAssignment, file);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->replay());
  again->clear_replay();
  EXPECT_EQ(again->SerializeAsString(), first->SerializeAsString());
  // Without the hash in the header: read whole, then recognized.
  UploadOptions no_sha;
  no_sha.send_sha = false;
  no_sha.chunk_bytes = 7;
  absl::StatusOr<IngestReport> third = Upload(*hub_, "aetna", kAssignment, file, no_sha);
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_TRUE(third->replay());
  third->clear_replay();
  EXPECT_EQ(third->SerializeAsString(), first->SerializeAsString());
  // One report only.
  auto stub = hub::v1::PlanService::NewStub(hub_->channel);
  grpc::ClientContext context;
  hub::v1::ListIngestReportsRequest request;
  request.set_plan_id("aetna");
  hub::v1::ListIngestReportsResponse response;
  ASSERT_TRUE(stub->ListIngestReports(&context, request, &response).ok());
  EXPECT_EQ(response.reports_size(), 1);
  Stop();
  EXPECT_EQ(Dump(data_dir(), cins, /*with_versions=*/true), before);
}

TEST_F(IngestTest, HeaderAndTransitErrors) {
  const std::string file =
      Render("aetna", kAssignment, std::vector{Member("10000001A", "Alvarez")});
  EXPECT_EQ(Upload(*hub_, "nobody", kAssignment, file).status().code(),
            absl::StatusCode::kNotFound);
  // Molina has no adapter profile yet.
  EXPECT_EQ(Upload(*hub_, "molina", kAssignment, file).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Upload(*hub_, "aetna", hub::v1::FILE_KIND_INVOICE, file).status().code(),
            absl::StatusCode::kInvalidArgument);
  UploadOptions path_name;
  path_name.file_name = "../etc/passwd";
  EXPECT_EQ(Upload(*hub_, "aetna", kAssignment, file, path_name).status().code(),
            absl::StatusCode::kInvalidArgument);
  UploadOptions wrong_hash;
  wrong_hash.sha_override = std::string(64, 'a');
  absl::StatusOr<IngestReport> changed = Upload(*hub_, "aetna", kAssignment, file, wrong_hash);
  EXPECT_EQ(changed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(changed.status().message(), HasSubstr("changed in transit"));
  // Nothing of it was applied; the same file then goes through.
  absl::StatusOr<IngestReport> ok = Upload(*hub_, "aetna", kAssignment, file);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->outcome(), hub::v1::INGEST_OUTCOME_ACCEPTED);
  EXPECT_EQ(ok->changes().members_upserted(), 1);
  // The spool folder is empty once uploads end.
  int spooled = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(root_ + "/spool")) ++spooled;
  EXPECT_EQ(spooled, 0);
}

TEST_F(IngestTest, SnapshotEndsWhatItNoLongerListsDeltaDoesNot) {
  // aetna member files are snapshots.
  absl::StatusOr<IngestReport> first =
      Upload(*hub_, "aetna", kAssignment,
             Render("aetna", kAssignment,
                    std::vector{Member("10000001A", "Alvarez"), Member("10000002B", "Baker"),
                                Member("10000003C", "Cruz", EcmNpi(), "2027-01-01")}));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->changes().assignments_written(), 3);
  absl::StatusOr<IngestReport> second =
      Upload(*hub_, "aetna", kAssignment,
             Render("aetna", kAssignment, std::vector{Member("10000001A", "Alvarez")}));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->outcome(), hub::v1::INGEST_OUTCOME_ACCEPTED);
  EXPECT_EQ(second->changes().rows_unchanged(), 1);
  EXPECT_EQ(second->changes().assignments_written(), 0);
  // Baker's ended; Cruz's had not begun and is withdrawn.
  EXPECT_EQ(second->changes().assignments_ended(), 2);

  // health_net member files (834) are deltas: nothing unlisted ends.
  AssignmentFileRow hn_a = Member("20000001A", "Hill");
  hn_a.mutable_coverage()->set_start_date("2025-02-01");
  AssignmentFileRow hn_b = Member("20000002B", "Ibarra");
  hn_b.mutable_coverage()->set_start_date("2025-02-01");
  ASSERT_TRUE(Upload(*hub_, "health_net", kAssignment,
                     Render("health_net", kAssignment, std::vector{hn_a, hn_b}))
                  .ok());
  absl::StatusOr<IngestReport> delta = Upload(*hub_, "health_net", kAssignment,
                                              Render("health_net", kAssignment, std::vector{hn_a}));
  ASSERT_TRUE(delta.ok()) << delta.status();
  EXPECT_EQ(delta->changes().assignments_ended(), 0);
  EXPECT_EQ(delta->changes().rows_unchanged(), 1);

  Stop();
  StoreReader store(data_dir());
  storage::CareStore care(store.get());
  auto baker = care.Assignments("10000002B");
  ASSERT_TRUE(baker.ok());
  ASSERT_EQ(baker->size(), 1u);
  EXPECT_EQ((*baker)[0].benefit_end_date(), kCutoff);
  EXPECT_EQ((*baker)[0].status(), hub::v1::ENROLLMENT_STATUS_DISCONTINUED);
  EXPECT_EQ((*baker)[0].discontinuation().dhcs_code(), 15);
  EXPECT_TRUE(care.Assignments("10000003C")->empty());
  auto alvarez = care.Assignments("10000001A");
  ASSERT_EQ(alvarez->size(), 1u);
  EXPECT_TRUE((*alvarez)[0].benefit_end_date().empty());
  auto ibarra = care.Assignments("20000002B");
  ASSERT_EQ(ibarra->size(), 1u);
  EXPECT_TRUE((*ibarra)[0].benefit_end_date().empty());
  EXPECT_EQ((*ibarra)[0].status(), hub::v1::ENROLLMENT_STATUS_ASSIGNED);
}

// `rows` followed by 20 good members (CINs 3000000nA): a snapshot in which
// a few rejected rows stay within the default limit on rejected rows (10%).
std::vector<AssignmentFileRow> Padded(std::vector<AssignmentFileRow> rows) {
  for (int i = 1; i <= 20; ++i) rows.push_back(Member(absl::StrFormat("3%07dA", i), "Good"));
  return rows;
}

TEST_F(IngestTest, SnapshotRowRejectedForATypoDoesNotEndTheMembersAssignment) {
  ASSERT_TRUE(Upload(*hub_, "aetna", kAssignment,
                     Render("aetna", kAssignment,
                            Padded({Member("10000001A", "Alvarez"), Member("10000002B", "Baker")})))
                  .ok());
  // Baker's row now names an unknown NPI: rejected, but Baker keeps the
  // assignment the earlier snapshot made.
  absl::StatusOr<IngestReport> second = Upload(
      *hub_, "aetna", kAssignment,
      Render("aetna", kAssignment,
             Padded({Member("10000001A", "Alvarez"), Member("10000002B", "Baker", UnknownNpi())})));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->outcome(), hub::v1::INGEST_OUTCOME_PARTIALLY_ACCEPTED);
  EXPECT_EQ(second->rows_rejected(), 1);
  EXPECT_EQ(second->changes().assignments_ended(), 0);
}

// The line of `file` that holds `marker` (a last name), edited by `edit`.
std::string EditLine(const std::string& file, const std::string& marker,
                     const std::function<std::string(std::string)>& edit) {
  std::vector<std::string> lines = absl::StrSplit(file, '\n');
  for (std::string& line : lines) {
    if (absl::StrContains(line, marker)) line = edit(line);
  }
  return absl::StrJoin(lines, "\n");
}

TEST_F(IngestTest, SnapshotRowRejectedByTheAdapterKeepsTheMembersAssignment) {
  ASSERT_TRUE(Upload(*hub_, "aetna", kAssignment,
                     Render("aetna", kAssignment,
                            Padded({Member("10000001A", "Alvarez"), Member("10000002B", "Baker"),
                                    Member("10000003C", "Cruz")})))
                  .ok());
  // Baker's date of birth is not a day, Cruz's population of focus is not in
  // aetna's code list: both rows are rejected by the adapter, yet neither
  // member's assignment ends (a rejected row is not an absent row).
  AssignmentFileRow baker = Member("10000002B", "Baker");
  baker.mutable_member()->set_date_of_birth("1977-07-07");
  std::string file =
      Render("aetna", kAssignment,
             Padded({Member("10000001A", "Alvarez"), baker, Member("10000003C", "Cruz")}));
  file = absl::StrReplaceAll(file, {{"07/07/1977", "13/45/1977"}});
  file = EditLine(file, "Cruz", [](std::string line) {
    return absl::StrReplaceAll(line, {{EcmNpi() + ",1,", EcmNpi() + ",99,"}});
  });
  absl::StatusOr<IngestReport> second = Upload(*hub_, "aetna", kAssignment, file);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->rows_rejected(), 2) << second->DebugString();
  EXPECT_EQ(second->changes().assignments_ended(), 0);
  EXPECT_EQ(second->snapshot_ending(), hub::v1::SNAPSHOT_ENDING_APPLIED);
  EXPECT_EQ(second->ended_records_size(), 0);
  Stop();
  StoreReader store(data_dir());
  storage::CareStore care(store.get());
  for (const char* cin : {"10000002B", "10000003C"}) {
    auto assignments = care.Assignments(cin);
    ASSERT_TRUE(assignments.ok());
    ASSERT_EQ(assignments->size(), 1u) << cin;
    EXPECT_TRUE((*assignments)[0].benefit_end_date().empty()) << cin;
    EXPECT_EQ((*assignments)[0].status(), hub::v1::ENROLLMENT_STATUS_ASSIGNED) << cin;
  }
}

TEST_F(IngestTest, SnapshotWithAnUnreadableRowEndsNothingAndNamesWhatItEndsLater) {
  ASSERT_TRUE(Upload(*hub_, "aetna", kAssignment,
                     Render("aetna", kAssignment,
                            Padded({Member("10000001A", "Alvarez"), Member("10000002B", "Baker"),
                                    Member("10000003C", "Cruz")})))
                  .ok());
  // Cruz is gone, but Baker's row has a field too many: whose row it is
  // cannot be known, so the file is not fully read and nothing ends.
  std::string file = Render("aetna", kAssignment,
                            Padded({Member("10000001A", "Alvarez"), Member("10000002B", "Baker")}));
  file = EditLine(file, "Baker", [](std::string line) { return line + ",extra"; });
  absl::StatusOr<IngestReport> partial = Upload(*hub_, "aetna", kAssignment, file);
  ASSERT_TRUE(partial.ok()) << partial.status();
  EXPECT_EQ(partial->outcome(), hub::v1::INGEST_OUTCOME_PARTIALLY_ACCEPTED);
  EXPECT_EQ(partial->rows_rejected(), 1);
  EXPECT_EQ(partial->changes().assignments_ended(), 0);
  EXPECT_EQ(partial->snapshot_ending(), hub::v1::SNAPSHOT_ENDING_SKIPPED_UNREAD_ROWS);
  // The note names the row the report's error names (a data row number).
  ASSERT_EQ(partial->row_errors_size(), 1);
  EXPECT_EQ(partial->row_errors(0).reason_code(), "ROW_FIELD_COUNT");
  EXPECT_THAT(partial->snapshot_note(),
              HasSubstr(absl::StrCat("row(s) ", partial->row_errors(0).row_number())));

  // The corrected file ends Cruz's assignment and names it.
  absl::StatusOr<IngestReport> fixed =
      Upload(*hub_, "aetna", kAssignment,
             Render("aetna", kAssignment,
                    Padded({Member("10000001A", "Alvarez"), Member("10000002B", "Baker")})));
  ASSERT_TRUE(fixed.ok()) << fixed.status();
  EXPECT_EQ(fixed->snapshot_ending(), hub::v1::SNAPSHOT_ENDING_APPLIED);
  EXPECT_EQ(fixed->changes().assignments_ended(), 1);
  ASSERT_EQ(fixed->ended_records_size(), 1);
  const hub::v1::EndedRecord& ended = fixed->ended_records(0);
  EXPECT_EQ(ended.cin(), "10000003C");
  EXPECT_EQ(ended.plan_member_id(), "M10000003");
  EXPECT_EQ(ended.provider_id(), "ecm_one");
  EXPECT_EQ(ended.benefit_start_date(), "2025-02-01");
  EXPECT_EQ(ended.end_date(), kCutoff);
  EXPECT_FALSE(ended.withdrawn());
  // GetIngestReport pages through them.
  auto stub = hub::v1::PlanService::NewStub(hub_->channel);
  grpc::ClientContext context;
  hub::v1::GetIngestReportRequest request;
  request.set_report_id(fixed->report_id());
  request.set_page_size(1);
  hub::v1::GetIngestReportResponse response;
  ASSERT_TRUE(stub->GetIngestReport(&context, request, &response).ok());
  ASSERT_EQ(response.report().ended_records_size(), 1);
  EXPECT_EQ(response.report().ended_records(0).cin(), "10000003C");
  EXPECT_TRUE(response.next_ended_page_token().empty());
}

// `count` good aetna members, CINs 3000000nA (n from `first`), all with
// ecm_one: the body of a realistic snapshot around the rows a test is about.
std::vector<AssignmentFileRow> GoodMembers(int count, int first = 1) {
  std::vector<AssignmentFileRow> rows;
  for (int i = first; i < first + count; ++i) {
    rows.push_back(Member(absl::StrFormat("3%07dA", i), "Good"));
  }
  return rows;
}

std::vector<std::string> GoodCins(int count) {
  std::vector<std::string> cins;
  for (const AssignmentFileRow& row : GoodMembers(count)) cins.push_back(row.member().cin());
  return cins;
}

TEST_F(IngestTest, ASnapshotWithTooManyRejectedRowsAppliesNothing) {
  const HubConfig shipped{.profiles_dir = PlansDir()};
  Restart(shipped);
  absl::StatusOr<IngestReport> first =
      Upload(*hub_, "aetna", kAssignment, Render("aetna", kAssignment, GoodMembers(20)));
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->outcome(), hub::v1::INGEST_OUTCOME_ACCEPTED);
  EXPECT_EQ(first->rejected_rows_percent(), 0);
  // aetna's profile leaves the limit at its default.
  EXPECT_EQ(first->max_rejected_rows_percent(), adapters::kDefaultMaxRejectedRowsPercent);
  Stop();
  const std::string before = Dump(data_dir(), GoodCins(20), /*with_versions=*/true);
  Restart(shipped);

  // 19 rows: 16 good (the first with a new phone), 3 naming an unknown
  // provider; member 20 is absent. 3/19 = 15.8% > 10%: nothing applies, and
  // member 20's assignment does not end.
  std::vector<AssignmentFileRow> over = GoodMembers(16);
  over[0].mutable_member()->set_phone("6195550999");
  for (int i = 17; i <= 19; ++i) {
    over.push_back(Member(absl::StrFormat("3%07dA", i), "Good", UnknownNpi()));
  }
  absl::StatusOr<IngestReport> refused =
      Upload(*hub_, "aetna", kAssignment, Render("aetna", kAssignment, over));
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->outcome(), hub::v1::INGEST_OUTCOME_REJECTED);
  EXPECT_EQ(refused->rejection_code(), "FILE_TOO_MANY_REJECTED_ROWS");
  EXPECT_NEAR(refused->rejected_rows_percent(), 300.0 / 19.0, 1e-9);
  EXPECT_EQ(refused->max_rejected_rows_percent(), 10);
  EXPECT_THAT(refused->rejection_reason(), HasSubstr("3 of the file's 19 data rows (15.79%)"));
  EXPECT_THAT(refused->rejection_reason(), HasSubstr("more than the 10%"));
  EXPECT_THAT(refused->rejection_reason(), HasSubstr("Correct the rejected rows"));
  EXPECT_EQ(refused->rows_accepted(), 0);
  EXPECT_EQ(refused->rows_rejected(), 3);
  EXPECT_THAT(Errors(*refused), ElementsAre("17 provider_npi ROW_UNKNOWN_PROVIDER",
                                            "18 provider_npi ROW_UNKNOWN_PROVIDER",
                                            "19 provider_npi ROW_UNKNOWN_PROVIDER"));
  EXPECT_EQ(refused->changes().ShortDebugString(), "");
  EXPECT_EQ(refused->snapshot_ending(), hub::v1::SNAPSHOT_ENDING_UNSPECIFIED);
  EXPECT_EQ(refused->ended_records_size(), 0);
  // hubctl shows the share beside the counts.
  std::ostringstream text;
  PrintIngestReport(text, *refused, 0);
  EXPECT_THAT(text.str(), HasSubstr("(15.79% rejected; limit 10%)"));
  Stop();
  EXPECT_EQ(Dump(data_dir(), GoodCins(20), /*with_versions=*/true), before)
      << "a refused snapshot changed the store";
  Restart(shipped);

  // Just within the limit: 20 rows, 2 rejected (10%, not more): the file
  // applies, member 20 (absent) ends, the rejected members keep theirs.
  std::vector<AssignmentFileRow> within = GoodMembers(18);
  within[0].mutable_member()->set_phone("6195550999");
  within.push_back(Member("30000019A", "Good", UnknownNpi()));
  within.push_back(Member("30000021A", "New", UnknownNpi()));
  absl::StatusOr<IngestReport> applied =
      Upload(*hub_, "aetna", kAssignment, Render("aetna", kAssignment, within));
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(applied->outcome(), hub::v1::INGEST_OUTCOME_PARTIALLY_ACCEPTED);
  EXPECT_EQ(applied->rejected_rows_percent(), 10);
  EXPECT_EQ(applied->rows_accepted(), 18);
  EXPECT_EQ(applied->rows_rejected(), 2);
  EXPECT_EQ(applied->row_errors_size(), 2);
  EXPECT_EQ(applied->changes().members_upserted(), 1);
  EXPECT_EQ(applied->changes().assignments_ended(), 1);
  ASSERT_EQ(applied->ended_records_size(), 1);
  EXPECT_EQ(applied->ended_records(0).cin(), "30000020A");
}

// A small snapshot (under 10 data rows) with a good row is not refused for
// its share: one typo in a three-row file applies the other two, and the
// member of the rejected row keeps what it had.
TEST_F(IngestTest, ASmallSnapshotWithOneBadRowIsAppliedRowByRow) {
  const HubConfig shipped{.profiles_dir = PlansDir()};
  Restart(shipped);
  absl::StatusOr<IngestReport> first =
      Upload(*hub_, "aetna", kAssignment, Render("aetna", kAssignment, GoodMembers(3)));
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->outcome(), hub::v1::INGEST_OUTCOME_ACCEPTED);
  // 3 rows, 1 rejected (33% > 10%): applied, because the file is small.
  std::vector<AssignmentFileRow> rows = GoodMembers(2);
  rows.push_back(Member("30000003A", "Good", UnknownNpi()));
  absl::StatusOr<IngestReport> small =
      Upload(*hub_, "aetna", kAssignment, Render("aetna", kAssignment, rows));
  ASSERT_TRUE(small.ok()) << small.status();
  EXPECT_EQ(small->outcome(), hub::v1::INGEST_OUTCOME_PARTIALLY_ACCEPTED) << small->DebugString();
  EXPECT_EQ(small->rows_accepted(), 2);
  EXPECT_EQ(small->rows_rejected(), 1);
  EXPECT_EQ(small->changes().assignments_ended(), 0) << "the rejected row's member keeps theirs";
  // Every row bad: still refused (nothing would apply).
  std::vector<AssignmentFileRow> bad = {Member("30000001A", "Good", UnknownNpi()),
                                        Member("30000002A", "Good", UnknownNpi())};
  absl::StatusOr<IngestReport> none =
      Upload(*hub_, "aetna", kAssignment, Render("aetna", kAssignment, bad));
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->outcome(), hub::v1::INGEST_OUTCOME_REJECTED);
  EXPECT_EQ(none->rejection_code(), "FILE_NO_ROWS_ACCEPTED");
}

TEST_F(IngestTest, TheRejectedRowLimitIsThePlansProfileSetting) {
  absl::StatusOr<hub::v1::PlanProfile> aetna = adapters::testing::LoadPlanProfile("aetna");
  ASSERT_TRUE(aetna.ok()) << aetna.status();
  const std::string version = adapters::ProfileVersion(*aetna, kAssignment);
  hub::v1::PlanProfile strict = *aetna;
  strict.set_max_rejected_rows_percent(0);
  EXPECT_TRUE(adapters::CreateDeclarativePlanAdapter(strict).ok());
  // A new limit is a new version: a file refused under one is read again.
  EXPECT_NE(adapters::ProfileVersion(strict, kAssignment), version);
  for (double bad : {-1.0, 100.5, std::nan("")}) {
    hub::v1::PlanProfile broken = *aetna;
    broken.set_max_rejected_rows_percent(bad);
    absl::StatusOr<std::unique_ptr<adapters::PlanAdapter>> adapter =
        adapters::CreateDeclarativePlanAdapter(broken);
    EXPECT_EQ(adapter.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(adapter.status().message(), HasSubstr("max_rejected_rows_percent")) << bad;
  }
}

TEST_F(IngestTest, AFileWithNoRowAppliedIsRejected) {
  // Every row of this delta file names an unknown NPI.
  AssignmentFileRow a = Member("20000001A", "Hill", UnknownNpi());
  a.mutable_coverage()->set_start_date("2025-02-01");
  absl::StatusOr<IngestReport> report =
      Upload(*hub_, "health_net", kAssignment, Render("health_net", kAssignment, std::vector{a}));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->outcome(), hub::v1::INGEST_OUTCOME_REJECTED);
  EXPECT_EQ(report->rejection_code(), "FILE_NO_ROWS_ACCEPTED");
  EXPECT_EQ(report->rows_rejected(), 1);
  EXPECT_THAT(Errors(*report), ElementsAre("1 provider_npi ROW_UNKNOWN_PROVIDER"));
}

TEST_F(IngestTest, APlanCannotTakeOverAMemberAnotherPlanCovers) {
  HubConfig config;
  config.http = true;
  Restart(config);
  ASSERT_TRUE(
      Upload(*hub_, "aetna", kAssignment,
             Render("aetna", kAssignment,
                    std::vector{Member("10000001A", "Alvarez"), Member("10000002B", "Baker")}))
          .ok());
  // chg claims the member from 2025-06-01 while aetna's coverage is open.
  AssignmentFileRow claim = Member("10000001A", "Alvarez", EcmNpi(), "2025-06-01");
  claim.mutable_coverage()->set_start_date("2025-06-01");
  AssignmentFileRow other = Member("10000002B", "Baker");
  absl::StatusOr<IngestReport> conflict = Upload(
      *hub_, "chg", kAssignment, Render("community_health_group", kAssignment, std::vector{claim}));
  ASSERT_TRUE(conflict.ok()) << conflict.status();
  EXPECT_EQ(conflict->outcome(), hub::v1::INGEST_OUTCOME_REJECTED);
  EXPECT_EQ(conflict->changes().coverage_conflicts(), 1);
  EXPECT_THAT(Errors(*conflict), ElementsAre("1 coverage.start_date ROW_COVERAGE_CONFLICT"));
  EXPECT_THAT(conflict->row_errors(0).message(), ::testing::Not(HasSubstr("aetna")));
  // The county sees it, by plan pair, without a member in the labels.
  httplib::Client http("127.0.0.1", hub_->server->http_port());
  httplib::Result metrics = http.Get("/metrics");
  ASSERT_TRUE(metrics && metrics->status == 200);
  EXPECT_THAT(metrics->body,
              HasSubstr("hub_ingest_coverage_conflicts_total{plan=\"chg\",covering_plan=\"aetna\"} "
                        "1\n"));
  EXPECT_THAT(metrics->body, ::testing::Not(HasSubstr("10000001A")));

  // A transfer: aetna ends its coverage on 2025-05-31, then chg's coverage
  // from 2025-06-01 is accepted.
  AssignmentFileRow ended = Member("10000001A", "Alvarez");
  ended.mutable_coverage()->set_end_date("2025-05-31");
  ended.mutable_assignment()->set_benefit_end_date("2025-05-31");
  ASSERT_TRUE(Upload(*hub_, "aetna", kAssignment,
                     Render("aetna", kAssignment, std::vector{ended, Member("10000002B", "Baker")}))
                  .ok());
  absl::StatusOr<IngestReport> transfer =
      Upload(*hub_, "chg", kAssignment,
             Render("community_health_group", kAssignment, std::vector{claim, other}));
  ASSERT_TRUE(transfer.ok()) << transfer.status();
  // Alvarez moves; Baker does not: aetna still covers him.
  EXPECT_EQ(transfer->changes().coverage_conflicts(), 1);
  EXPECT_EQ(transfer->rows_rejected(), 1);
  EXPECT_THAT(Errors(*transfer), ElementsAre("2 coverage.start_date ROW_COVERAGE_CONFLICT"));

  Stop();
  StoreReader store(data_dir());
  storage::CoverageIndex coverage(store.get());
  auto may = coverage.CoveringPlan("10000001A", "2025-05-15");
  ASSERT_TRUE(may.ok());
  EXPECT_EQ(may->plan_id(), "aetna");
  auto july = coverage.CoveringPlan("10000001A", "2025-07-01");
  ASSERT_TRUE(july.ok());
  EXPECT_EQ(july->plan_id(), "chg");
  auto baker = coverage.CoveringPlan("10000002B", "2025-07-01");
  ASSERT_TRUE(baker.ok());
  EXPECT_EQ(baker->plan_id(), "aetna");
}

TEST_F(IngestTest, TerminateRowsEndCoverageAndAssignment) {
  AssignmentFileRow a = Member("20000001A", "Hill");
  a.mutable_coverage()->set_start_date("2025-02-01");
  ASSERT_TRUE(
      Upload(*hub_, "health_net", kAssignment, Render("health_net", kAssignment, std::vector{a}))
          .ok());
  // INS03 024: cancellation, without an end date: ends the day before upload.
  std::string terminate = Render("health_net", kAssignment, std::vector{a});
  ASSERT_THAT(terminate, HasSubstr("*021*"));
  terminate = absl::StrReplaceAll(terminate, {{"*021*", "*024*"}});
  absl::StatusOr<IngestReport> report = Upload(*hub_, "health_net", kAssignment, terminate);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->outcome(), hub::v1::INGEST_OUTCOME_ACCEPTED) << report->DebugString();
  EXPECT_EQ(report->changes().coverage_periods_written(), 1);
  EXPECT_EQ(report->changes().assignments_written(), 1);
  Stop();
  StoreReader store(data_dir());
  storage::CoverageIndex coverage(store.get());
  auto periods = coverage.Periods("20000001A");
  ASSERT_EQ(periods->size(), 1u);
  EXPECT_EQ((*periods)[0].end_date(), kCutoff);
  storage::CareStore care(store.get());
  auto assignments = care.Assignments("20000001A");
  ASSERT_EQ(assignments->size(), 1u);
  EXPECT_EQ((*assignments)[0].benefit_end_date(), kCutoff);
  EXPECT_EQ((*assignments)[0].status(), hub::v1::ENROLLMENT_STATUS_DISCONTINUED);
}

TEST_F(IngestTest, FixedWidthFileAndTrailerMismatchRejectedWhole) {
  const std::vector<AssignmentFileRow> rows = {Member("30000001A", "Lopez"),
                                               Member("30000002B", "Moreno")};
  const std::string file = Render("community_health_group", kAssignment, rows);
  // A trailer that counts 3 records where the file has 2.
  const size_t trailer = file.rfind("\nT");
  ASSERT_NE(trailer, std::string::npos);
  std::string mismatch = file;
  const size_t count_at = mismatch.find("000000002", trailer);
  ASSERT_NE(count_at, std::string::npos);
  mismatch.replace(count_at, 9, "000000003");
  absl::StatusOr<IngestReport> rejected = Upload(*hub_, "chg", kAssignment, mismatch);
  ASSERT_TRUE(rejected.ok()) << rejected.status();
  EXPECT_EQ(rejected->outcome(), hub::v1::INGEST_OUTCOME_REJECTED);
  EXPECT_EQ(rejected->rejection_code(), "FILE_TRAILER_MISMATCH");
  EXPECT_FALSE(rejected->rejection_reason().empty());
  EXPECT_EQ(rejected->rows_accepted(), 0);
  EXPECT_EQ(rejected->changes().members_upserted(), 0);
  // The same bytes again: the same report.
  absl::StatusOr<IngestReport> again = Upload(*hub_, "chg", kAssignment, mismatch);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(rejected->replay());
  EXPECT_TRUE(again->replay());
  again->clear_replay();
  EXPECT_EQ(again->SerializeAsString(), rejected->SerializeAsString());

  absl::StatusOr<IngestReport> accepted = Upload(*hub_, "chg", kAssignment, file);
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(accepted->outcome(), hub::v1::INGEST_OUTCOME_ACCEPTED);
  EXPECT_EQ(accepted->rows_read(), 2);
  EXPECT_EQ(accepted->changes().assignments_written(), 2);
  Stop();
  StoreReader store(data_dir());
  storage::CoverageIndex coverage(store.get());
  auto covering = coverage.CoveringPlan("30000002B", "2025-05-05");
  ASSERT_TRUE(covering.ok()) << covering.status();
  EXPECT_EQ(covering->plan_id(), "chg");
}

TEST_F(IngestTest, TruncatedAndEmptyFilesAreRejectedWholeWithNothingApplied) {
  AssignmentFileRow a = Member("20000001A", "Hill");
  AssignmentFileRow b = Member("20000002B", "Ibarra");
  const std::string x12 = Render("health_net", kAssignment, std::vector{a, b});
  const size_t se = x12.find("SE*");
  ASSERT_NE(se, std::string::npos);
  absl::StatusOr<IngestReport> truncated =
      Upload(*hub_, "health_net", kAssignment, x12.substr(0, se));
  ASSERT_TRUE(truncated.ok()) << truncated.status();
  EXPECT_EQ(truncated->outcome(), hub::v1::INGEST_OUTCOME_REJECTED);
  EXPECT_EQ(truncated->rejection_code(), "FILE_X12_TRUNCATED");

  absl::StatusOr<IngestReport> empty = Upload(*hub_, "aetna", kAssignment, "");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->outcome(), hub::v1::INGEST_OUTCOME_REJECTED);
  EXPECT_EQ(empty->rejection_code(), "FILE_EMPTY");

  // A CSV header without rows.
  const std::string header_only = Render("aetna", kAssignment, std::vector<AssignmentFileRow>{});
  absl::StatusOr<IngestReport> no_rows = Upload(*hub_, "aetna", kAssignment, header_only);
  ASSERT_TRUE(no_rows.ok()) << no_rows.status();
  EXPECT_EQ(no_rows->outcome(), hub::v1::INGEST_OUTCOME_REJECTED);
  EXPECT_EQ(no_rows->rejection_code(), "FILE_EMPTY");

  Stop();
  EXPECT_EQ(Dump(data_dir(), {"20000001A", "20000002B"}, false),
            "20000001A member: none\n20000002B member: none\n");
}

TEST_F(IngestTest, AuthorizationAndQualityFiles) {
  std::vector<AuthorizationFileRow> auths = {
      Authorization("A-1", "10000001A", hub::v1::COMMUNITY_SUPPORT_HOUSING_DEPOSITS, 10, 2),
      Authorization("A-2", "10000002B", hub::v1::COMMUNITY_SUPPORT_MEDICALLY_TAILORED_MEALS, 10, 0),
      Authorization("A-3", "10000003C", hub::v1::COMMUNITY_SUPPORT_RECUPERATIVE_CARE, 5, 6),
      Authorization("A-4", "10000004D", hub::v1::COMMUNITY_SUPPORT_HOUSING_DEPOSITS, 5, 0,
                    EcmNpi()),
      Authorization("A-5", "10000005E", hub::v1::COMMUNITY_SUPPORT_RECUPERATIVE_CARE, 5, 5)};
  absl::StatusOr<IngestReport> report =
      Upload(*hub_, "aetna", kAuthorization, Render("aetna", kAuthorization, auths));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->rows_read(), 5);
  EXPECT_EQ(report->rows_accepted(), 2);
  EXPECT_EQ(report->changes().authorizations_written(), 2);
  EXPECT_THAT(Errors(*report),
              ElementsAre("2 authorization.community_support ROW_SERVICE_NOT_OFFERED",
                          "3 authorization.units_used ROW_BAD_UNITS",
                          "4 provider_npi ROW_PROVIDER_NOT_CONTRACTED"));
  // Authorization files of aetna are snapshots too: A-5 dropped is ended.
  absl::StatusOr<IngestReport> second = Upload(
      *hub_, "aetna", kAuthorization, Render("aetna", kAuthorization, std::vector{auths[0]}));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->changes().authorizations_ended(), 1);
  EXPECT_EQ(second->changes().rows_unchanged(), 1);

  std::vector<QualityFileRow> quality = {
      Quality("FUM", "2025 Q1", 3, 4), Quality("FUA-30", "2025-02", 5, 4),
      Quality("FMC", "2025-13", 1, 4), Quality("FMC", "2025", 0, 0)};
  absl::StatusOr<IngestReport> q =
      Upload(*hub_, "aetna", kQuality, Render("aetna", kQuality, quality));
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->changes().quality_reports_written(), 2);
  EXPECT_THAT(Errors(*q),
              ElementsAre("2 report.numerator ROW_BAD_MEASURE", "3 report.period ROW_BAD_PERIOD"));

  Stop();
  StoreReader store(data_dir());
  storage::CareStore care(store.get());
  auto a1 = care.GetAuthorization("aetna", "A-1");
  ASSERT_TRUE(a1.ok());
  EXPECT_EQ(a1->provider_id(), "cs_one");
  EXPECT_EQ(a1->units_used(), 2);
  auto a5 = care.GetAuthorization("aetna", "A-5");
  ASSERT_TRUE(a5.ok());
  EXPECT_EQ(a5->status(), hub::v1::AUTHORIZATION_STATUS_CANCELLED);
  EXPECT_EQ(a5->end_date(), kCutoff);
  storage::QualityStore reports(store.get());
  auto by_provider = reports.ListByProvider("ecm_one");
  ASSERT_TRUE(by_provider.ok());
  ASSERT_EQ(by_provider->size(), 2u);
  EXPECT_EQ((*by_provider)[0].measure_id(), "FMC");
  EXPECT_DOUBLE_EQ((*by_provider)[0].rate(), 0.0);
  EXPECT_EQ((*by_provider)[1].measure_id(), "FUM");
  EXPECT_DOUBLE_EQ((*by_provider)[1].rate(), 0.75);
}

// A crash in the middle of pass 2, then a re-upload of the same file, ends
// in exactly the state of one clean upload.
TEST(IngestCrashTest, CrashThenReuploadEqualsOneCleanUpload) {
  const std::vector<AssignmentFileRow> before = {
      Member("10000001A", "Alvarez"), Member("10000002B", "Baker"), Member("10000003C", "Cruz")};
  std::vector<AssignmentFileRow> after = {Member("10000001A", "Alvarez")};
  AssignmentFileRow baker = Member("10000002B", "Baker-Diaz");
  baker.mutable_assignment()->set_acuity(hub::v1::ACUITY_HIGH);
  after.push_back(baker);
  for (int i = 0; i < 12; ++i) after.push_back(Member(absl::StrCat(40000000 + i, "Z"), "New"));
  // A rejected row that still names its member (a snapshot ends around it).
  after.push_back(Member("50000000Z", "Bad", UnknownNpi()));
  const std::string first_file = Render("aetna", kAssignment, before);
  const std::string second_file = Render("aetna", kAssignment, after);
  std::vector<std::string> cins = {"10000001A", "10000002B", "10000003C"};
  for (int i = 0; i < 12; ++i) cins.push_back(absl::StrCat(40000000 + i, "Z"));

  // Clean: both files once.
  const std::string clean_root = testing::MakeTempDir();
  IngestReport clean_report;
  {
    std::unique_ptr<Hub> hub = StartHub(clean_root, {.commit_every_rows = 3});
    ASSERT_NE(hub, nullptr);
    ASSERT_TRUE(Upload(*hub, "aetna", kAssignment, first_file).ok());
    auto report = Upload(*hub, "aetna", kAssignment, second_file);
    ASSERT_TRUE(report.ok()) << report.status();
    clean_report = *report;
    ASSERT_TRUE(hub->server->Shutdown(absl::Seconds(5)).ok());
  }
  EXPECT_EQ(clean_report.changes().assignments_ended(), 1);  // Cruz.

  // Crashed: the second file dies after 8 rows (two commits of 3 landed).
  const std::string crash_root = testing::MakeTempDir();
  {
    std::unique_ptr<Hub> hub = StartHub(crash_root, {.commit_every_rows = 3});
    ASSERT_NE(hub, nullptr);
    ASSERT_TRUE(Upload(*hub, "aetna", kAssignment, first_file).ok());
    ASSERT_TRUE(hub->server->Shutdown(absl::Seconds(5)).ok());
  }
  {
    HubConfig crashing{.commit_every_rows = 3};
    crashing.row_hook = [](int64_t rows) {
      return rows >= 8 ? absl::AbortedError("simulated crash") : absl::OkStatus();
    };
    std::unique_ptr<Hub> hub = StartHub(crash_root, crashing);
    ASSERT_NE(hub, nullptr);
    auto crashed = Upload(*hub, "aetna", kAssignment, second_file);
    EXPECT_EQ(crashed.status().code(), absl::StatusCode::kAborted);
    ASSERT_TRUE(hub->server->Shutdown(absl::Seconds(5)).ok());
  }
  const std::string partial = Dump(crash_root + "/data", cins, false);
  EXPECT_NE(partial, Dump(clean_root + "/data", cins, false));
  IngestReport recovered;
  {
    std::unique_ptr<Hub> hub = StartHub(crash_root, {.commit_every_rows = 3});
    ASSERT_NE(hub, nullptr);
    auto report = Upload(*hub, "aetna", kAssignment, second_file);
    ASSERT_TRUE(report.ok()) << report.status();
    recovered = *report;
    ASSERT_TRUE(hub->server->Shutdown(absl::Seconds(5)).ok());
  }
  EXPECT_EQ(Dump(crash_root + "/data", cins, false), Dump(clean_root + "/data", cins, false));
  EXPECT_EQ(recovered.report_id(), clean_report.report_id());
  EXPECT_EQ(recovered.rows_read(), clean_report.rows_read());
  EXPECT_EQ(recovered.rows_accepted(), clean_report.rows_accepted());
  EXPECT_EQ(recovered.rows_rejected(), clean_report.rows_rejected());
  EXPECT_EQ(Errors(recovered), Errors(clean_report));
  // The rows the crashed attempt applied are recognized as unchanged.
  EXPECT_GT(recovered.changes().rows_unchanged(), clean_report.changes().rows_unchanged());
  EXPECT_EQ(recovered.changes().assignments_ended(), 1);
}

TEST_F(IngestTest, ConcurrentUploadsOfOneFileIngestItOnce) {
  // The members move from aetna (to May 31) to chg (from June 1): no
  // coverage conflict, whichever upload runs first.
  std::vector<AssignmentFileRow> rows;
  std::vector<AssignmentFileRow> chg_rows;
  for (int i = 0; i < 50; ++i) {
    AssignmentFileRow row = Member(absl::StrCat(70000000 + i, "C"), "Same");
    row.mutable_coverage()->set_end_date("2025-05-31");
    row.mutable_assignment()->set_benefit_end_date("2025-05-31");
    rows.push_back(row);
    AssignmentFileRow moved =
        Member(absl::StrCat(70000000 + i, "C"), "Same", EcmNpi(), "2025-06-01");
    moved.mutable_coverage()->set_start_date("2025-06-01");
    chg_rows.push_back(moved);
  }
  const std::string file = Render("aetna", kAssignment, rows);
  const std::string chg_file = Render("community_health_group", kAssignment, chg_rows);
  std::vector<absl::StatusOr<IngestReport>> results(4, absl::UnknownError("not run"));
  absl::StatusOr<IngestReport> chg_result = absl::UnknownError("not run");
  std::vector<std::thread> threads;
  UploadOptions no_sha;  // Read whole each time: the dedupe happens under the plan's lock.
  no_sha.send_sha = false;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back(
        [&, i] { results[i] = Upload(*hub_, "aetna", kAssignment, file, no_sha); });
  }
  threads.emplace_back([&] { chg_result = Upload(*hub_, "chg", kAssignment, chg_file); });
  for (std::thread& t : threads) t.join();
  int ingested = 0;
  // One upload read the file; the three others replayed its report.
  int replays = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status();
    replays += r->replay() ? 1 : 0;
    IngestReport a = *r, b = *results[0];
    a.clear_replay();
    b.clear_replay();
    EXPECT_EQ(a.SerializeAsString(), b.SerializeAsString());
  }
  EXPECT_EQ(replays, 3);
  ingested = static_cast<int>(results[0]->changes().members_upserted());
  EXPECT_EQ(ingested, 50);
  ASSERT_TRUE(chg_result.ok()) << chg_result.status();
  EXPECT_EQ(chg_result->rows_accepted(), 50);
  // The chg file listed the same members: they were merged, not duplicated.
  Stop();
  StoreReader store(data_dir());
  storage::MemberStore members(store.get());
  auto member = members.Get("70000007C");
  ASSERT_TRUE(member.ok());
  EXPECT_EQ(member->plan_member_ids_size(), 2);
}

// Stopping the hub while an ingest runs neither hangs nor leaves a state a
// re-upload cannot complete.
TEST(IngestShutdownTest, ShutdownDuringAnIngest) {
  const std::string root = testing::MakeTempDir();
  std::vector<AssignmentFileRow> rows;
  for (int i = 0; i < 20; ++i) rows.push_back(Member(absl::StrCat(80000000 + i, "S"), "Stop"));
  const std::string file = Render("aetna", kAssignment, rows);
  absl::Notification started, release;
  HubConfig config{.commit_every_rows = 2};
  config.row_hook = [&](int64_t rows_done) {
    if (rows_done == 3) {
      started.Notify();
      release.WaitForNotification();
    }
    return absl::OkStatus();
  };
  std::unique_ptr<Hub> hub = StartHub(root, config);
  ASSERT_NE(hub, nullptr);
  absl::StatusOr<IngestReport> result = absl::UnknownError("not run");
  std::thread client([&] { result = Upload(*hub, "aetna", kAssignment, file); });
  started.WaitForNotification();
  absl::Status stopped = absl::UnknownError("not run");
  std::thread stopper([&] { stopped = hub->server->Shutdown(absl::ZeroDuration()); });
  release.Notify();
  stopper.join();
  client.join();
  EXPECT_TRUE(stopped.ok()) << stopped;
  // Either the ingest finished first or it was cancelled.
  if (!result.ok()) {
    EXPECT_TRUE(absl::IsCancelled(result.status()) || absl::IsUnavailable(result.status()))
        << result.status();
  }
  hub.reset();
  hub = StartHub(root);
  ASSERT_NE(hub, nullptr);
  absl::StatusOr<IngestReport> again = Upload(*hub, "aetna", kAssignment, file);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->rows_accepted(), 20);
  ASSERT_TRUE(hub->server->Shutdown(absl::Seconds(5)).ok());
  std::vector<std::string> cins;
  for (int i = 0; i < 20; ++i) cins.push_back(absl::StrCat(80000000 + i, "S"));
  const std::string dump = Dump(root + "/data", cins, false);
  EXPECT_THAT(dump, ::testing::Not(HasSubstr("member: none")));
}

// An eighth plan: a new profile folder and a plan record, no restart.
TEST(IngestEighthPlanTest, NewProfileWorksWithoutRestart) {
  const std::string root = testing::MakeTempDir();
  const std::string profiles = root + "/plans";
  fs::create_directories(profiles + "/aetna");
  fs::copy_file(PlansDir() + "/aetna/profile.textproto", profiles + "/aetna/profile.textproto");
  std::unique_ptr<Hub> hub = StartHub(root, {.profiles_dir = profiles});
  ASSERT_NE(hub, nullptr);

  // The administrator adds the profile folder (a copy of aetna's layout)...
  const std::string aetna_text = testing::ReadFile(PlansDir() + "/aetna/profile.textproto");
  fs::create_directories(profiles + "/imperial_health");
  testing::WriteFile(
      profiles + "/imperial_health/profile.textproto",
      absl::StrReplaceAll(aetna_text, {{"name: \"aetna\"", "name: \"imperial_health\""}}));
  // ... and a broken one for another plan.
  fs::create_directories(profiles + "/broken_plan");
  testing::WriteFile(profiles + "/broken_plan/profile.textproto",
                     "name: \"broken_plan\"\nlayouts { kind: NOT_A_KIND }\n");
  // ... then creates the plans and contracts a provider. A plan whose
  // profile does not compile is refused, naming the line.
  auto directory = hub::v1::DirectoryService::NewStub(hub->channel);
  for (const auto& [id, profile] : std::vector<std::pair<std::string, std::string>>{
           {"imperial", "imperial_health"}, {"broken", "broken_plan"}}) {
    grpc::ClientContext context;
    hub::v1::CreatePlanRequest request;
    request.mutable_plan()->set_plan_id(id);
    request.mutable_plan()->set_name(id);
    request.mutable_plan()->set_adapter_profile(profile);
    hub::v1::CreatePlanResponse response;
    grpc::Status status = directory->CreatePlan(&context, request, &response);
    if (id == "imperial") {
      ASSERT_TRUE(status.ok()) << status.error_message();
    } else {
      EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
      EXPECT_THAT(status.error_message(), HasSubstr("broken_plan/profile.textproto:2:"));
      EXPECT_THAT(status.error_message(), ::testing::Not(HasSubstr(root)));
    }
  }
  {
    grpc::ClientContext context;
    hub::v1::UpdateProviderRequest request;
    request.mutable_provider()->set_provider_id("ecm_one");
    for (const char* plan : {"aetna", "chg", "health_net", "imperial"}) {
      request.mutable_provider()->add_contracts()->set_plan_id(plan);
    }
    request.mutable_update_mask()->add_paths("contracts");
    hub::v1::UpdateProviderResponse response;
    grpc::Status status = directory->UpdateProvider(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  absl::StatusOr<IngestReport> report =
      Upload(*hub, "imperial", kAssignment,
             Render("aetna", kAssignment, std::vector{Member("50000001A", "Nakamura")}));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->outcome(), hub::v1::INGEST_OUTCOME_ACCEPTED);
  EXPECT_EQ(report->changes().assignments_written(), 1);
  EXPECT_EQ(report->report_id().rfind("imperial-", 0), 0u);

  // The refused plan does not exist; the others upload as before.
  absl::StatusOr<IngestReport> broken = Upload(*hub, "broken", kAssignment, "anything");
  EXPECT_EQ(broken.status().code(), absl::StatusCode::kNotFound);

  // A corrected profile is reloaded without a restart, and the same bytes
  // it rejected before are read again (a new profile version, a new key).
  const std::string rejected_file =
      absl::StrReplaceAll(Render("aetna", kAssignment, std::vector{Member("50000003C", "Pak")}),
                          {{"DOB", "BIRTH_DATE"}});
  absl::StatusOr<IngestReport> before_fix = Upload(*hub, "imperial", kAssignment, rejected_file);
  ASSERT_TRUE(before_fix.ok()) << before_fix.status();
  EXPECT_EQ(before_fix->outcome(), hub::v1::INGEST_OUTCOME_REJECTED);
  absl::StatusOr<IngestReport> replayed = Upload(*hub, "imperial", kAssignment, rejected_file);
  ASSERT_TRUE(replayed.ok());
  EXPECT_TRUE(replayed->replay());
  EXPECT_EQ(replayed->report_id(), before_fix->report_id());
  testing::WriteFile(
      profiles + "/imperial_health/profile.textproto",
      absl::StrReplaceAll(aetna_text, {{"name: \"aetna\"", "name: \"imperial_health\""},
                                       {"source: \"DOB\"", "source: \"BIRTH_DATE\""}}));
  absl::StatusOr<IngestReport> after_fix = Upload(*hub, "imperial", kAssignment, rejected_file);
  ASSERT_TRUE(after_fix.ok()) << after_fix.status();
  EXPECT_FALSE(after_fix->replay());
  EXPECT_NE(after_fix->report_id(), before_fix->report_id());
  EXPECT_NE(after_fix->profile_version(), before_fix->profile_version());
  EXPECT_EQ(after_fix->outcome(), hub::v1::INGEST_OUTCOME_ACCEPTED) << after_fix->DebugString();
  EXPECT_TRUE(Upload(*hub, "aetna", kAssignment,
                     Render("aetna", kAssignment, std::vector{Member("50000002B", "Ortiz")}))
                  .ok());
  ASSERT_TRUE(hub->server->Shutdown(absl::Seconds(5)).ok());
}

TEST(IngestStartupTest, BadProfileAtStartupNamesFileAndLine) {
  const std::string root = testing::MakeTempDir();
  const std::string profiles = root + "/plans";
  fs::create_directories(profiles + "/bad");
  testing::WriteFile(profiles + "/bad/profile.textproto", "name: \"bad\"\n\nlayouts { nope: 1 }\n");
  HubServer::Options options;
  options.listen_address = "127.0.0.1:0";
  options.data_dir = root + "/data";
  options.profiles_dir = profiles;
  absl::StatusOr<std::unique_ptr<HubServer>> server = HubServer::Start(options);
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(server.status().message(), HasSubstr("bad/profile.textproto:3:"));
}

TEST_F(IngestTest, HubctlCreatesPlansAndProvidersAndChecksProfilesWithoutAHub) {
  const std::string server = "--server=" + hub_->address();
  {
    std::ostringstream out, err;
    EXPECT_EQ(RunHubctl({server, "plan", "create", "--plan=kern", "--name=Kern Family",
                         "--county=Kern", "--adapter_profile=aetna"},
                        "", out, err),
              0)
        << err.str();
    EXPECT_THAT(out.str(), HasSubstr("adapter_profile  aetna"));
  }
  {
    // A profile that does not exist is refused, and nothing changes.
    std::ostringstream out, err;
    EXPECT_EQ(RunHubctl({server, "plan", "update", "--plan=kern", "--adapter_profile=nope"}, "",
                        out, err),
              1);
    EXPECT_THAT(err.str(), HasSubstr("FAILED_PRECONDITION"));
    std::ostringstream out2, err2;
    EXPECT_EQ(
        RunHubctl({server, "plan", "update", "--plan=kern", "--name=Kern Health"}, "", out2, err2),
        0)
        << err2.str();
    EXPECT_THAT(out2.str(), HasSubstr("name             Kern Health"));
    EXPECT_THAT(out2.str(), HasSubstr("adapter_profile  aetna"));
  }
  {
    const std::string file = root_ + "/provider.textproto";
    testing::WriteFile(file,
                       absl::StrCat("provider_id: \"kern_cbo\" npi: \"", testing::Npi("200000077"),
                                    "\" tin: \"777777777\" name: \"Kern CBO\"\n"
                                    "kinds: PROVIDER_KIND_ECM provider_type: PROVIDER_TYPE_CBO\n"
                                    "contracts { plan_id: \"kern\" kinds: PROVIDER_KIND_ECM }\n"));
    std::ostringstream out, err;
    EXPECT_EQ(RunHubctl({server, "provider", "create", "--file=" + file}, "", out, err), 0)
        << err.str();
    EXPECT_THAT(out.str(), HasSubstr("kern_cbo"));
    testing::WriteFile(file, "phone: \"6615550100\"\n");
    std::ostringstream out2, err2;
    EXPECT_EQ(RunHubctl({server, "provider", "update", "--provider=kern_cbo", "--file=" + file,
                         "--fields=phone"},
                        "", out2, err2),
              0)
        << err2.str();
    EXPECT_THAT(out2.str(), HasSubstr("6615550100"));
    EXPECT_THAT(out2.str(), HasSubstr("Kern CBO"));
  }
  {
    // profile check runs hubprofile: no hub involved.
    setenv("HUB_PROFILE_TOOL", HUBPROFILE_PATH, 1);
    const std::string file = root_ + "/mif.csv";
    testing::WriteFile(file, AetnaFileWithBadRows());
    std::ostringstream out, err;
    EXPECT_EQ(RunHubctl({"profile", "check", file, PlansDir() + "/aetna"}, "", out, err), 0)
        << err.str();
    EXPECT_THAT(out.str(), HasSubstr("verdict   the file reads"));
    EXPECT_THAT(out.str(), HasSubstr("rows      read 10, mapped 8, rejected 2"));
    EXPECT_THAT(out.str(), HasSubstr("ROW_BAD_DATE"));
    EXPECT_THAT(out.str(), HasSubstr("COLUMN"));
    EXPECT_THAT(out.str(), ::testing::Not(HasSubstr("1977")));
    unsetenv("HUB_PROFILE_TOOL");
  }
}

TEST_F(IngestTest, HubctlUploadReportAndReports) {
  const std::string path = root_ + "/aetna_mif.csv";
  testing::WriteFile(path, AetnaFileWithBadRows());
  const std::string server = "--server=" + hub_->address();
  std::ostringstream out, err;
  int code = RunHubctl({server, "upload", "--plan=aetna", "--kind=assignment", path}, "", out, err);
  EXPECT_EQ(code, 0) << err.str();
  EXPECT_THAT(out.str(), HasSubstr("PARTIALLY_ACCEPTED"));
  EXPECT_THAT(out.str(), HasSubstr("read 10, accepted 3, rejected 7"));
  EXPECT_THAT(out.str(), HasSubstr("ROW  FIELD"));
  EXPECT_THAT(out.str(), HasSubstr("ROW_PROVIDER_NOT_CONTRACTED"));
  const std::string first_output = out.str();

  EXPECT_THAT(first_output, ::testing::Not(HasSubstr("replay")));

  // Again: the same report, answered from the hash, and hubctl says so.
  std::ostringstream out2, err2;
  code = RunHubctl({server, "upload", "--plan=aetna", "--kind=assignment", path}, "", out2, err2);
  EXPECT_EQ(code, 0) << err2.str();
  EXPECT_THAT(out2.str(), HasSubstr("replay    yes"));
  std::string second = out2.str();
  const size_t replay_at = second.find("replay    yes");
  ASSERT_NE(replay_at, std::string::npos);
  second.erase(replay_at, second.find('\n', replay_at) - replay_at + 1);
  EXPECT_EQ(second, first_output);

  // The report id is the first line's.
  const std::string report_id =
      first_output.substr(10, first_output.find('\n') - 10);  // "report    <id>\n"
  EXPECT_TRUE(IsIngestReportId(report_id)) << report_id;
  std::ostringstream out3, err3;
  code = RunHubctl({server, "report", report_id, "--all"}, "", out3, err3);
  EXPECT_EQ(code, 0) << err3.str();
  EXPECT_THAT(out3.str(), HasSubstr("ROW_MISSING_POF"));

  std::ostringstream out4, err4;
  code = RunHubctl({server, "reports", "--plan=aetna"}, "", out4, err4);
  EXPECT_EQ(code, 0) << err4.str();
  EXPECT_THAT(out4.str(), HasSubstr(report_id));

  // A rejected file exits 1.
  const std::string empty = root_ + "/empty.csv";
  testing::WriteFile(empty, "");
  std::ostringstream out5, err5;
  code = RunHubctl({server, "upload", "--plan=aetna", "--kind=assignment", empty}, "", out5, err5);
  EXPECT_EQ(code, 1);
  EXPECT_THAT(out5.str(), HasSubstr("FILE_EMPTY"));

  // Usage errors exit 2.
  std::ostringstream out6, err6;
  EXPECT_EQ(RunHubctl({server, "upload", "--plan=aetna", path}, "", out6, err6), 2);
  EXPECT_EQ(RunHubctl({server, "upload", "--plan=aetna", "--kind=x", path}, "", out6, err6), 2);
}

TEST_F(IngestTest, LargeUploadShowsProgress) {
  std::vector<AssignmentFileRow> rows;
  for (int i = 0; i < 40000; ++i) {
    AssignmentFileRow row = Member(absl::StrCat(60000000 + i, "P"), "Progress");
    row.mutable_member()->mutable_address()->set_line1(std::string(150, 'x'));
    rows.push_back(row);
  }
  const std::string file = Render("aetna", kAssignment, rows);
  ASSERT_GT(file.size(), 8u << 20);
  const std::string path = root_ + "/big.csv";
  testing::WriteFile(path, file);
  std::ostringstream out, err;
  const int code = RunHubctl(
      {"--server=" + hub_->address(), "upload", "--plan=aetna", "--kind=assignment", path}, "", out,
      err);
  EXPECT_EQ(code, 0) << err.str();
  // One line per 5% at most (1 MiB chunks: about every 10% of this file).
  const std::vector<std::string> lines = absl::StrSplit(err.str(), '\n', absl::SkipEmpty());
  int progress_lines = 0;
  for (const std::string& line : lines) progress_lines += absl::StrContains(line, "% (") ? 1 : 0;
  EXPECT_GE(progress_lines, 10);
  EXPECT_LE(progress_lines, 20);
  EXPECT_THAT(err.str(), HasSubstr("hubctl: upload: 100% (10."));
  EXPECT_THAT(out.str(), HasSubstr("read 40000, accepted 40000, rejected 0"));
}

// The county generator's files for every San Diego plan, ingested through the
// hub: each report's counts and rejected rows match the generator's manifest
// exactly, and sampled members are stored as the generator made them.
TEST(IngestGeneratorTest, EveryPlansGeneratedFileIngestsExactlyAsTheManifestSays) {
  const std::string source = HUB_SOURCE_DIR;
  absl::StatusOr<hub::v1::DirectorySeed> directory =
      generator::LoadDirectorySeed(source + "/demo/san_diego/directory.textproto");
  ASSERT_TRUE(directory.ok()) << directory.status();
  absl::StatusOr<hub::v1::ReferenceTables> reference =
      generator::LoadReferenceTables(source + "/data/reference");
  ASSERT_TRUE(reference.ok()) << reference.status();
  generator::CountyOptions options;
  options.seed = 11;
  options.members = 3000;
  options.as_of_month = "2026-11";
  options.directory = *directory;
  options.reference = *reference;
  absl::StatusOr<std::unique_ptr<generator::County>> county = generator::County::Create(options);
  ASSERT_TRUE(county.ok()) << county.status();

  const std::string root = testing::MakeTempDir();
  testing::WriteFile(root + "/seed.textproto",
                     testing::ReadFile(source + "/demo/san_diego/directory.textproto"));
  std::unique_ptr<Hub> hub = StartHub(root);
  ASSERT_NE(hub, nullptr);

  int64_t rows_checked = 0;
  for (const hub::v1::Plan& plan : directory->plans()) {
    SCOPED_TRACE(plan.plan_id());
    absl::StatusOr<hub::v1::PlanProfile> profile =
        generator::LoadPlanProfile(PlansDir(), plan.adapter_profile());
    ASSERT_TRUE(profile.ok()) << profile.status();
    auto adapter = adapters::CreateDeclarativePlanAdapter(*profile);
    ASSERT_TRUE(adapter.ok()) << adapter.status();
    const hub::v1::FileLayout* layout = generator::FindLayout(*profile, kAssignment);
    ASSERT_NE(layout, nullptr);
    generator::ErrorInjection errors;
    errors.rate = 0.1;
    errors.seed = 5;
    errors.x12 = layout->has_x12();
    errors.unknown_npis = {testing::Npi("199999999")};
    generator::RowSource rows = generator::CountyRows(**county, plan.plan_id(), kAssignment);
    std::string bytes;
    absl::StatusOr<generator::FileManifest> manifest =
        generator::WritePlanFile(**adapter, kAssignment, rows, adapters::RenderOptions{}, errors,
                                 [&](std::string_view chunk) {
                                   bytes.append(chunk);
                                   return absl::OkStatus();
                                 });
    ASSERT_TRUE(manifest.ok()) << manifest.status();
    ASSERT_GT(manifest->rows, 50);
    ASSERT_FALSE(manifest->errors.empty());

    absl::StatusOr<IngestReport> report = Upload(*hub, plan.plan_id(), kAssignment, bytes);
    ASSERT_TRUE(report.ok()) << report.status();
    // Every rejected row, at the row the generator corrupted, with its code.
    std::vector<std::string> expected;
    std::set<int64_t> rejected_rows;
    for (const generator::InjectedError& e : manifest->errors) {
      expected.push_back(absl::StrCat(e.row_number, " ", e.reason_code));
      rejected_rows.insert(e.row_number);
    }
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(report->rows_read(), manifest->rows);
    EXPECT_EQ(report->rows_rejected(), static_cast<int64_t>(rejected_rows.size()));
    EXPECT_EQ(report->rows_accepted(), manifest->rows - report->rows_rejected());
    std::vector<std::string> actual;
    int64_t warnings = 0;
    auto stub = hub::v1::PlanService::NewStub(hub->channel);
    std::string token;
    do {
      grpc::ClientContext context;
      hub::v1::GetIngestReportRequest request;
      request.set_report_id(report->report_id());
      request.set_page_token(token);
      hub::v1::GetIngestReportResponse page;
      ASSERT_TRUE(stub->GetIngestReport(&context, request, &page).ok());
      for (const auto& e : page.report().row_errors()) {
        // Warnings (an assignment kept over the provider's capacity) are
        // not rejections the generator injected.
        if (e.warning()) {
          EXPECT_EQ(e.reason_code(), "ROW_OVER_CAPACITY");
          ++warnings;
          continue;
        }
        std::string entry = absl::StrCat(e.row_number(), " ", e.reason_code());
        if (actual.empty() || actual.back() != entry) actual.push_back(entry);
      }
      token = page.next_page_token();
    } while (!token.empty());
    std::sort(actual.begin(), actual.end());
    EXPECT_EQ(actual, expected);
    EXPECT_EQ(warnings, report->changes().assignments_over_capacity());
    rows_checked += manifest->rows;
  }
  EXPECT_GT(rows_checked, 1000);

  // Sampled members of one plan, as stored: demographics and coverage.
  hub->server.reset();
  StoreReader reader(root + "/data");
  storage::MemberStore members(reader.get());
  storage::CoverageIndex coverage(reader.get());
  int sampled = 0;
  for (int64_t i = 0; i < (*county)->member_count() && sampled < 40; ++i) {
    generator::GeneratedMember m = (*county)->Member(i);
    if (m.event != generator::CoverageEvent::kNone || m.enrollments.size() != 1 ||
        !m.enrollments[0].has_ecm || m.enrollments[0].plan_id != "molina") {
      continue;
    }
    const hub::v1::AssignmentFileRow& row = m.enrollments[0].row;
    absl::StatusOr<hub::v1::Member> stored = members.Get(row.member().cin());
    if (!stored.ok()) continue;  // The generator corrupted this row on purpose.
    ++sampled;
    EXPECT_EQ(stored->name().last(), row.member().name().last());
    EXPECT_EQ(stored->name().first(), row.member().name().first());
    EXPECT_EQ(stored->date_of_birth(), row.member().date_of_birth());
    absl::StatusOr<hub::v1::Coverage> covering =
        coverage.CoveringPlan(row.member().cin(), row.coverage().start_date());
    ASSERT_TRUE(covering.ok()) << covering.status();
    EXPECT_EQ(covering->plan_id(), "molina");
  }
  EXPECT_GE(sampled, 20);
}

// An upload whose ingest stops part way (here a storage failure after 8
// rows) is kept and parked with its reason; the administrator reruns it
// once (eight concurrent reruns: one runs, seven are refused), a later
// rerun is refused, and the re-ingest ends in the state of a clean upload.
TEST(IngestParkTest, AnInterruptedFileIsParkedAndRerunOnceEvenWhenRaced) {
  std::vector<AssignmentFileRow> rows;
  for (int i = 0; i < 12; ++i) rows.push_back(Member(absl::StrCat(40000000 + i, "Z"), "New"));
  const std::string file = Render("aetna", kAssignment, rows);
  std::atomic<bool> failing{true};
  std::atomic<int64_t> rows_after_failure{0};
  HubConfig config{.http = true, .commit_every_rows = 3};
  config.row_hook = [&](int64_t handled) {
    if (failing.load() && handled >= 8) return absl::UnavailableError("simulated disk failure");
    if (!failing.load()) rows_after_failure.fetch_add(1);
    return absl::OkStatus();
  };
  std::unique_ptr<Hub> hub = StartHub(testing::MakeTempDir(), config);
  ASSERT_NE(hub, nullptr);
  auto failed = Upload(*hub, "aetna", kAssignment, file, {.file_name = "aetna_mif.txt"});
  ASSERT_EQ(failed.status().code(), absl::StatusCode::kUnavailable) << failed.status();
  EXPECT_THAT(std::string(failed.status().message()), HasSubstr("parked record pk_"));

  auto admin = hub::v1::AdminService::NewStub(hub->channel);
  auto list = [&] {
    grpc::ClientContext context;
    hub::v1::ListParkedRecordsResponse response;
    EXPECT_TRUE(admin->ListParkedRecords(&context, {}, &response).ok());
    return response;
  };
  const hub::v1::ListParkedRecordsResponse parked = list();
  ASSERT_EQ(parked.records_size(), 1);
  const hub::v1::ParkedRecord& record = parked.records(0);
  EXPECT_EQ(record.reason(), hub::v1::PARKED_REASON_INGEST_INTERRUPTED);
  EXPECT_EQ(record.plan_id(), "aetna");
  EXPECT_EQ(record.file_kind(), kAssignment);
  EXPECT_TRUE(absl::StartsWith(record.record_id(), "aetna-")) << record.record_id();
  EXPECT_EQ(record.file_name(), "aetna_mif.txt");  // Local caller: administrator's view.
  EXPECT_THAT(record.detail(), HasSubstr("UNAVAILABLE"));
  // The alert and the gauge.
  {
    auto monitor = hub::v1::MonitorService::NewStub(hub->channel);
    grpc::ClientContext context;
    hub::v1::GetSummaryResponse summary;
    ASSERT_TRUE(monitor->GetSummary(&context, {}, &summary).ok());
    std::set<std::string> alerts;
    for (const auto& a : summary.summary().alerts()) alerts.insert(a.alert_id());
    EXPECT_TRUE(alerts.count("PARKED_RECORDS/aetna/")) << absl::StrJoin(alerts, ",");
    httplib::Client http("127.0.0.1", hub->server->http_port());
    httplib::Result metrics = http.Get("/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_THAT(metrics->body,
                HasSubstr("hub_parked_records{reason=\"PARKED_REASON_INGEST_INTERRUPTED\"} 1"));
    EXPECT_THAT(metrics->body, HasSubstr("hub_store_live_bytes{class=\"ingest_reports\"}"));
  }

  failing = false;
  std::atomic<int> ok{0}, refused{0};
  std::vector<std::thread> reruns;
  for (int i = 0; i < 8; ++i) {
    reruns.emplace_back([&] {
      grpc::ClientContext context;
      hub::v1::RerunParkedRecordRequest request;
      request.set_parked_id(record.parked_id());
      hub::v1::RerunParkedRecordResponse response;
      const grpc::Status status = admin->RerunParkedRecord(&context, request, &response);
      if (status.ok()) ++ok;
      if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION) ++refused;
    });
  }
  for (std::thread& t : reruns) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(refused.load(), 7);
  EXPECT_EQ(rows_after_failure.load(), 12);  // One ingest of the whole file.

  // The hubctl view: nothing open; a rerun again is refused and says why.
  std::ostringstream out, err;
  EXPECT_EQ(RunHubctl({"parked", "list"}, hub->address(), out, err), 0) << err.str();
  EXPECT_THAT(out.str(), HasSubstr("no parked records"));
  out.str("");
  EXPECT_EQ(RunHubctl({"parked", "list", "--state=resolved"}, hub->address(), out, err), 0);
  EXPECT_THAT(out.str(), HasSubstr(record.parked_id()));
  EXPECT_EQ(RunHubctl({"parked", "rerun", record.parked_id()}, hub->address(), out, err), 1);
  EXPECT_THAT(err.str(), HasSubstr("already rerun"));
  EXPECT_EQ(list().records_size(), 0);
  auto report = Upload(*hub, "aetna", kAssignment, file);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->replay());  // The rerun stored the file's report.
  EXPECT_EQ(report->report_id(), record.record_id());
  EXPECT_EQ(report->rows_accepted(), 12);
  // No kept copy is left behind.
  EXPECT_FALSE(fs::exists(hub->root + "/spool/parked/" + record.parked_id() + ".file"));
  // A retention run (nothing is old enough here) leaves its audit record
  // and the chain verifies.
  ASSERT_TRUE(hub->server->retention()->PurgeNow().ok());
  out.str("");
  EXPECT_EQ(RunHubctl({"audit", "verify"}, hub->address(), out, err), 0) << err.str();
  EXPECT_THAT(out.str(), HasSubstr("audit chain OK"));
}

}  // namespace
}  // namespace hub
