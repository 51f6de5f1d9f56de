// PlanService.ExportFile FILE_KIND_QUARTERLY_REPORT(_CSV) on a generated
// county loaded into a test hub (plans upload their files, providers submit
// a day): the CSV's outreach and flow cells equal MonitorService.GetSummary's
// numbers for the same months (GetSummary windows are at most 31 days, so
// month by month), the workbook is a zip holding a sheet per tab, a bad
// quarter or kind is refused, and hubctl report quarterly writes the
// workbook and one CSV per tab.
//
// With HUB_QUARTERLY_OUT=DIR the workbooks and MonitorService's numbers
// (monitor.tsv) are also written there for tests/e2e/quarterly_xlsx_check.py,
// which reads the workbooks with python3-openpyxl (CTest quarterly_xlsx).
#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "generator/county.h"
#include "gtest/gtest.h"
#include "hub/v1/monitor_service.grpc.pb.h"
#include "hub/v1/plan_service.grpc.pb.h"
#include "hub/v1/provider_service.grpc.pb.h"
#include "storage/retention.h"
#include "tests/hub/county_test_util.h"
#include "tests/hub/hub_test_util.h"

#ifndef HUB_SOURCE_DIR
#error "HUB_SOURCE_DIR must name the repository root"
#endif

namespace hub {
namespace {

struct Exported {
  grpc::Status status;
  hub::v1::ExportFileHeader header;
  std::string bytes;
};

// tab -> rows (split on commas; the tables' cells hold no commas but the
// notes, which are not read here).
using CsvTabs = std::map<std::string, std::vector<std::vector<std::string>>>;

class QuarterlyExportTest : public ::testing::Test {
 protected:
  // A generated county's plan files and one day of its providers' records
  // (tests/hub/county_test_util.h).
  static void SetUpTestSuite() {
    auto county = testing::MakeSanDiegoCounty(2026406, 400);
    ASSERT_TRUE(county.ok()) << county.status();
    county_ = county->release();
    hub_ = testing::StartTestHub(
               testing::ReadFile(testing::Source("demo/san_diego/directory.textproto")))
               .release();
    ASSERT_NE(hub_, nullptr);
    auto files = testing::UploadCountyPlanFiles(
        *county_, *hub_->channel,
        {hub::v1::FILE_KIND_MEMBER_ASSIGNMENT, hub::v1::FILE_KIND_CS_AUTHORIZATION});
    ASSERT_TRUE(files.ok()) << files.status();
    auto day = testing::CountyDay(*county_, *files, "2026-11-23", /*error_rate=*/0);
    ASSERT_TRUE(day.ok()) << day.status();
    const absl::Status submitted = testing::SubmitCountyDay(*hub_->channel, *day);
    ASSERT_TRUE(submitted.ok()) << submitted;
  }

  static void TearDownTestSuite() {
    delete hub_;
    hub_ = nullptr;
    delete county_;
    county_ = nullptr;
  }

  static Exported Export(const std::string& plan_id, hub::v1::FileKind kind,
                         const std::string& period) {
    Exported out;
    auto stub = hub::v1::PlanService::NewStub(hub_->channel);
    grpc::ClientContext context;
    hub::v1::ExportFileRequest request;
    request.set_plan_id(plan_id);
    request.set_kind(kind);
    request.set_period(period);
    auto reader = stub->ExportFile(&context, request);
    hub::v1::ExportFileResponse response;
    while (reader->Read(&response)) {
      if (response.has_header()) out.header = response.header();
      if (response.has_chunk()) out.bytes += response.chunk();
    }
    out.status = reader->Finish();
    return out;
  }

  static CsvTabs ParseCsv(const std::string& bytes) {
    CsvTabs tabs;
    for (absl::string_view line : absl::StrSplit(bytes, "\r\n", absl::SkipEmpty())) {
      std::vector<std::string> cells = absl::StrSplit(line, ',');
      const std::string tab = cells.front();
      cells.erase(cells.begin());
      tabs[tab].push_back(std::move(cells));
    }
    return tabs;
  }

  // MonitorService's summary of [start of `month`, min(end of month, now)].
  static hub::v1::MonitorSummary MonthSummary(int month) {
    const absl::Time start = absl::FromCivil(absl::CivilMonth(2026, month), absl::UTCTimeZone());
    absl::Time end =
        absl::FromCivil(absl::CivilMonth(2026, month + 1), absl::UTCTimeZone()) - absl::Seconds(1);
    if (end > testing::FixedTime()) end = testing::FixedTime();
    auto stub = hub::v1::MonitorService::NewStub(hub_->channel);
    grpc::ClientContext context;
    hub::v1::GetSummaryRequest request;
    request.set_window_seconds(absl::ToInt64Seconds(end - start));
    request.mutable_end_time()->set_seconds(absl::ToUnixSeconds(end));
    hub::v1::GetSummaryResponse response;
    grpc::Status status = stub->GetSummary(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.summary();
  }

  static generator::County* county_;
  static testing::TestHub* hub_;
};

generator::County* QuarterlyExportTest::county_ = nullptr;
testing::TestHub* QuarterlyExportTest::hub_ = nullptr;

int64_t ColumnValue(const std::vector<std::string>& header, const std::vector<std::string>& row,
                    const std::string& column) {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == column) return std::stoll(row.at(i));
  }
  ADD_FAILURE() << "no column " << column;
  return -1;
}

TEST_F(QuarterlyExportTest, OutreachAndFlowsReconcileWithMonitorServiceMonthByMonth) {
  const char* out_dir = std::getenv("HUB_QUARTERLY_OUT");
  std::string monitor_tsv = "plan_id\tmonth\tmet\tlate\tmissing\taccepted\n";
  int64_t outreach_seen = 0, flows_seen = 0;
  // The configured window evaluates the alerts, which notices the plans'
  // new files and rescans assignments and authorizations (the monitor's
  // care scan; the test clock stands still, so it would not age out).
  {
    auto stub = hub::v1::MonitorService::NewStub(hub_->channel);
    grpc::ClientContext context;
    hub::v1::GetSummaryResponse response;
    ASSERT_TRUE(stub->GetSummary(&context, hub::v1::GetSummaryRequest(), &response).ok());
  }
  std::map<int, hub::v1::MonitorSummary> summaries;
  for (int month : {10, 11}) summaries[month] = MonthSummary(month);
  for (const hub::v1::Plan& plan : county_->options().directory.plans()) {
    SCOPED_TRACE(plan.plan_id());
    Exported csv = Export(plan.plan_id(), hub::v1::FILE_KIND_QUARTERLY_REPORT_CSV, "2026Q4");
    ASSERT_TRUE(csv.status.ok()) << csv.status.error_message();
    EXPECT_EQ(csv.header.file_name(), absl::StrCat(plan.plan_id(), "_quarterly_2026Q4.csv"));
    CsvTabs tabs = ParseCsv(csv.bytes);
    ASSERT_EQ(tabs.count("outreach"), 1u);
    ASSERT_EQ(tabs.count("flows"), 1u);
    for (const auto& [month, summary] : summaries) {
      const std::string label = absl::StrFormat("2026-%02d", month);
      int64_t met = 0, late = 0, missing = 0, accepted = 0;
      for (const auto& sla : summary.outreach_sla()) {
        if (sla.plan_id() != plan.plan_id()) continue;
        met += sla.met();
        late += sla.late();
        missing += sla.missing();
      }
      for (const auto& flow : summary.flows()) {
        if (flow.plan_id() == plan.plan_id() &&
            flow.status() != hub::v1::FLOW_STATUS_REJECTED_BY_HUB) {
          accepted += flow.count();
        }
      }
      int64_t r_met = 0, r_late = 0, r_missing = 0, r_accepted = 0;
      const auto& out = tabs["outreach"];
      for (size_t i = 1; i < out.size(); ++i) {
        if (out[i][0] != label) continue;
        r_met += ColumnValue(out[0], out[i], "met_24h");
        r_late += ColumnValue(out[0], out[i], "late");
        r_missing += ColumnValue(out[0], out[i], "missing");
      }
      const auto& flows = tabs["flows"];
      for (size_t i = 1; i < flows.size(); ++i) {
        if (flows[i][0] == label) r_accepted += ColumnValue(flows[0], flows[i], "accepted");
      }
      EXPECT_EQ(r_met, met) << label;
      EXPECT_EQ(r_late, late) << label;
      EXPECT_EQ(r_missing, missing) << label;
      EXPECT_EQ(r_accepted, accepted) << label;
      outreach_seen += met + late + missing;
      flows_seen += accepted;
      absl::StrAppend(&monitor_tsv, plan.plan_id(), "\t", label, "\t", met, "\t", late, "\t",
                      missing, "\t", accepted, "\n");
    }
    Exported xlsx = Export(plan.plan_id(), hub::v1::FILE_KIND_QUARTERLY_REPORT, "2026Q4");
    ASSERT_TRUE(xlsx.status.ok()) << xlsx.status.error_message();
    EXPECT_EQ(xlsx.header.file_name(), absl::StrCat(plan.plan_id(), "_quarterly_2026Q4.xlsx"));
    ASSERT_GT(xlsx.bytes.size(), 4u);
    EXPECT_EQ(xlsx.bytes.substr(0, 2), "PK");  // A zip (OOXML) container.
    EXPECT_NE(xlsx.bytes.find("xl/worksheets/sheet8.xml"), std::string::npos);
    if (out_dir != nullptr) {
      testing::WriteFile(absl::StrCat(out_dir, "/", plan.plan_id(), "_quarterly_2026Q4.xlsx"),
                         xlsx.bytes);
    }
  }
  // The county had referrals due and records flowing: the check compared numbers.
  EXPECT_GT(outreach_seen, 0);
  EXPECT_GT(flows_seen, 0);
  if (out_dir != nullptr) testing::WriteFile(absl::StrCat(out_dir, "/monitor.tsv"), monitor_tsv);
}

TEST_F(QuarterlyExportTest, RefusesBadQuartersAndKinds) {
  for (const char* period : {"", "2026-11", "2026Q5", "2027Q1"}) {
    Exported e = Export("molina", hub::v1::FILE_KIND_QUARTERLY_REPORT, period);
    EXPECT_EQ(e.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << period;
    EXPECT_TRUE(e.bytes.empty());
  }
  Exported e = Export("no_such_plan", hub::v1::FILE_KIND_QUARTERLY_REPORT, "2026Q4");
  EXPECT_EQ(e.status.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(QuarterlyExportTest, HubctlWritesTheWorkbookAndOneCsvPerTab) {
  const std::string dir = absl::StrCat(hub_->root, "/quarterly_out");
  std::filesystem::create_directories(dir);
  const testing::CommandResult r = testing::RunCommand(
      absl::StrCat(HUBCTL_PATH, " --server=", hub_->address(),
                   " report quarterly --plan=molina --quarter=2026Q4 --out=", dir));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir + "/molina_quarterly_2026Q4.xlsx")) << r.output;
  for (const char* tab :
       {"ecm_pof", "cs_service", "network", "outreach", "referrals", "flows", "notes"}) {
    const std::string path = absl::StrCat(dir, "/molina_quarterly_2026Q4_", tab, ".csv");
    ASSERT_TRUE(std::filesystem::exists(path)) << tab << "\n" << r.output;
    EXPECT_FALSE(testing::ReadFile(path).empty());
  }
  EXPECT_FALSE(std::filesystem::exists(dir + "/molina_quarterly_2026Q4.csv"));
  const testing::CommandResult bad = testing::RunCommand(
      absl::StrCat(HUBCTL_PATH, " --server=", hub_->address(), " report quarterly --plan=molina"));
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
}

hub::v1::GetQuarterlyRollupResponse Rollup(const std::shared_ptr<grpc::Channel>& channel,
                                           const std::string& quarter, bool csv,
                                           grpc::Status* status) {
  auto stub = hub::v1::MonitorService::NewStub(channel);
  grpc::ClientContext context;
  hub::v1::GetQuarterlyRollupRequest request;
  request.set_quarter(quarter);
  request.set_csv(csv);
  hub::v1::GetQuarterlyRollupResponse response;
  *status = stub->GetQuarterlyRollup(&context, request, &response);
  return response;
}

// Every count column of `tab`, summed over its rows.
std::map<std::string, int64_t> ColumnTotals(const CsvTabs& tabs, const std::string& tab,
                                            int key_columns) {
  std::map<std::string, int64_t> totals;
  auto it = tabs.find(tab);
  if (it == tabs.end() || it->second.empty()) return totals;
  const std::vector<std::string>& header = it->second.front();
  for (size_t r = 1; r < it->second.size(); ++r) {
    for (size_t c = key_columns; c < header.size(); ++c) {
      totals[header[c]] += std::stoll(it->second[r].at(c));
    }
  }
  return totals;
}

TEST_F(QuarterlyExportTest, CountyRollupSumsEveryPlansReportWithoutMemberData) {
  grpc::Status status;
  const hub::v1::GetQuarterlyRollupResponse csv = Rollup(hub_->channel, "2026Q4", true, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(csv.file_name(), "county_quarterly_2026Q4.csv");
  ASSERT_EQ(csv.plan_ids_size(), county_->options().directory.plans_size());
  const CsvTabs county = ParseCsv(csv.content());
  // Each tab's totals are the plans' totals summed (tab, key columns).
  const std::vector<std::pair<std::string, int>> tabs = {
      {"ecm_pof", 1}, {"cs_service", 1}, {"outreach", 2}, {"referrals", 3}, {"flows", 2}};
  std::map<std::string, std::map<std::string, int64_t>> summed;
  for (const std::string& plan : csv.plan_ids()) {
    Exported e = Export(plan, hub::v1::FILE_KIND_QUARTERLY_REPORT_CSV, "2026Q4");
    ASSERT_TRUE(e.status.ok()) << plan << ": " << e.status.error_message();
    const CsvTabs own = ParseCsv(e.bytes);
    for (const auto& [tab, keys] : tabs) {
      for (const auto& [column, n] : ColumnTotals(own, tab, keys)) summed[tab][column] += n;
    }
  }
  int64_t nonzero = 0;
  for (const auto& [tab, keys] : tabs) {
    const std::map<std::string, int64_t> totals = ColumnTotals(county, tab, keys);
    EXPECT_EQ(totals, summed[tab]) << tab;
    for (const auto& [column, n] : totals) nonzero += n > 0 ? 1 : 0;
  }
  EXPECT_GT(nonzero, 5) << "the county's report is empty";
  // Aggregates only: no member's CIN anywhere in the file.
  int cins_checked = 0;
  for (const hub::v1::Plan& plan : county_->options().directory.plans()) {
    ASSERT_TRUE(county_
                    ->AssignmentRowsForPlan(plan.plan_id(), {},
                                            [&](const hub::v1::AssignmentFileRow& row) {
                                              const std::string& cin = row.member().cin();
                                              if (!cin.empty() && ++cins_checked < 200) {
                                                EXPECT_FALSE(absl::StrContains(csv.content(), cin))
                                                    << "a CIN in the county roll-up";
                                              }
                                              return absl::OkStatus();
                                            })
                    .ok());
  }
  EXPECT_GT(cins_checked, 0);

  const hub::v1::GetQuarterlyRollupResponse xlsx = Rollup(hub_->channel, "2026Q4", false, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(xlsx.file_name(), "county_quarterly_2026Q4.xlsx");
  EXPECT_EQ(xlsx.content().substr(0, 2), "PK") << "an .xlsx is a zip";

  for (const char* quarter : {"", "2026-11", "2026Q5", "2027Q1"}) {
    Rollup(hub_->channel, quarter, false, &status);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << quarter;
  }
}

TEST_F(QuarterlyExportTest, HubctlWritesTheCountyRollup) {
  const std::string dir = absl::StrCat(hub_->root, "/county_out");
  std::filesystem::create_directories(dir);
  const testing::CommandResult r =
      testing::RunCommand(absl::StrCat(HUBCTL_PATH, " --server=", hub_->address(),
                                       " report quarterly --county --quarter=2026Q4 --out=", dir));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir + "/county_quarterly_2026Q4.xlsx")) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir + "/county_quarterly_2026Q4_outreach.csv")) << r.output;
  const testing::CommandResult both = testing::RunCommand(
      absl::StrCat(HUBCTL_PATH, " --server=", hub_->address(),
                   " report quarterly --county --plan=molina --quarter=2026Q4"));
  EXPECT_EQ(both.exit_code, 2) << both.output;
}

// Retention (storage/retention.h) keeps what a quarter inside its windows
// reads: the hub's purge leaves every plan's 2026Q4 outreach and flows
// tabs as they were (the outreach index, the RTF rows and the tallies of
// the quarter all stay).
TEST_F(QuarterlyExportTest, TheHubsPurgeLeavesAQuarterInsideTheWindowAsItWas) {
  std::map<std::string, CsvTabs> before;
  for (const hub::v1::Plan& plan : county_->options().directory.plans()) {
    Exported csv = Export(plan.plan_id(), hub::v1::FILE_KIND_QUARTERLY_REPORT_CSV, "2026Q4");
    ASSERT_TRUE(csv.status.ok()) << csv.status.error_message();
    before[plan.plan_id()] = ParseCsv(csv.bytes);
  }
  absl::StatusOr<storage::PurgeCounts> counts = hub_->server->retention()->PurgeNow();
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(counts->outreach_records, 0);
  EXPECT_EQ(counts->rtf_rows, 0);
  int64_t outreach_rows = 0;
  for (const hub::v1::Plan& plan : county_->options().directory.plans()) {
    SCOPED_TRACE(plan.plan_id());
    Exported csv = Export(plan.plan_id(), hub::v1::FILE_KIND_QUARTERLY_REPORT_CSV, "2026Q4");
    ASSERT_TRUE(csv.status.ok()) << csv.status.error_message();
    CsvTabs after = ParseCsv(csv.bytes);
    for (const char* tab : {"outreach", "flows"}) {
      EXPECT_EQ(after[tab], before[plan.plan_id()][tab]) << tab;
    }
    outreach_rows += static_cast<int64_t>(after["outreach"].size()) - 1;
  }
  EXPECT_GT(outreach_rows, 0);  // There was outreach to keep.
}

}  // namespace
}  // namespace hub
