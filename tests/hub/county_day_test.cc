// A day in the generated county, end to end in one process: every plan
// uploads its member assignment and authorization files (no injected
// errors), then every provider submits its records of the day
// (generator/provider_day.h). Each record gets exactly the result the
// generator predicts: accepted and routed to the plan covering the member on
// the record's date, or rejected with the reason code it was made wrong for.
// The CSV template path and `hubctl submit FILE.jsonl` are checked on the
// providers' files. After the day (plans pull and ack, export their monthly
// files, providers read their worklists), no member's CIN, name, birth date,
// street or phone appears in any log line, in /metrics (labels included), in
// the dashboard's JSON or in MonitorService's summary.
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "adapters/plan_adapter.h"
#include "base/sha256.h"
#include "generator/county.h"
#include "generator/inputs.h"
#include "generator/native_files.h"
#include "generator/provider_day.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/cli/hubctl_submit.h"
#include "hub/common/log.h"
#include "hub/common/rpc_status.h"
#include "hub/v1/monitor_service.grpc.pb.h"
#include "hub/v1/plan_service.grpc.pb.h"
#include "hub/v1/provider_service.grpc.pb.h"
#include "tests/adapters/export_test_util.h"
#include "tests/hub/county_test_util.h"
#include "tests/hub/hub_test_util.h"

#ifndef HUB_SOURCE_DIR
#error "HUB_SOURCE_DIR must name the repository root"
#endif

namespace hub {
namespace {

using ::testing::HasSubstr;

class CountyDayTest : public ::testing::Test {
 protected:
  // Every hub log line of the test (identity issue: no PHI in logs).
  void TearDown() override { log::SetSink({}); }
  std::vector<std::string> LogLines() {
    absl::MutexLock lock(&log_mu_);
    return log_lines_;
  }
  absl::Mutex log_mu_;
  std::vector<std::string> log_lines_;

  void SetUp() override {
    log::SetSink([this](std::string_view line) {
      absl::MutexLock lock(&log_mu_);
      log_lines_.emplace_back(line);
    });
    auto county = testing::MakeSanDiegoCounty(20261123, 800);
    ASSERT_TRUE(county.ok()) << county.status();
    county_ = *std::move(county);

    hub_ = testing::StartTestHub(
        testing::ReadFile(testing::Source("demo/san_diego/directory.textproto")),
        /*root=*/"", /*http=*/true);
    ASSERT_NE(hub_, nullptr);
    auto files = testing::UploadCountyPlanFiles(
        *county_, *hub_->channel,
        {hub::v1::FILE_KIND_MEMBER_ASSIGNMENT, hub::v1::FILE_KIND_CS_AUTHORIZATION});
    ASSERT_TRUE(files.ok()) << files.status();
    for (const auto& [plan, reports] : files->reports) {
      ASSERT_EQ(reports.size(), 2u) << plan;
      for (const hub::v1::IngestReport& report : reports) {
        ASSERT_EQ(report.rows_rejected(), 0) << plan;
        // Each snapshot ends only its own kind of record: the authorization
        // file, uploaded after the member file, ends no assignment.
        EXPECT_EQ(report.changes().assignments_ended(), 0) << plan;
        EXPECT_EQ(report.changes().authorizations_ended(), 0) << plan;
      }
    }
    coverage_from_ecm_period_ = files->coverage_from_ecm_period;
    plan_profiles_ = files->plan_profiles;
  }

  generator::ProviderDayOptions Day(double error_rate) const {
    generator::ProviderDayOptions day;
    // The test hub's today (testing::FixedTime): records are dated up to it.
    day.day = *CivilDate::ParseIso("2026-11-23");
    day.error_rate = error_rate;
    day.coverage_from_ecm_period = coverage_from_ecm_period_;
    day.plan_profiles = plan_profiles_;
    return day;
  }

  std::unique_ptr<generator::County> county_;
  std::unique_ptr<testing::TestHub> hub_;
  std::set<std::string> coverage_from_ecm_period_;
  std::map<std::string, hub::v1::PlanProfile> plan_profiles_;
};

TEST_F(CountyDayTest, EveryRecordGetsThePredictedResult) {
  // The day's records, per provider, in order.
  std::map<std::string, std::vector<generator::DaySubmission>> by_provider;
  absl::Status generated =
      generator::ProviderDaySubmissions(*county_, Day(0.1), [&](const generator::DaySubmission& s) {
        by_provider[s.provider_id].push_back(s);
        return absl::OkStatus();
      });
  ASSERT_TRUE(generated.ok()) << generated;
  ASSERT_GE(by_provider.size(), 20u);

  auto stub = hub::v1::ProviderService::NewStub(hub_->channel);
  std::map<std::string, int64_t> kinds;
  std::map<std::string, int64_t> reasons;
  std::map<std::string, int64_t> plans;
  int64_t records = 0;
  for (const auto& [provider, submissions] : by_provider) {
    SCOPED_TRACE(provider);
    for (size_t start = 0; start < submissions.size(); start += 300) {
      const size_t end = std::min(submissions.size(), start + 300);
      hub::v1::SubmitRequest request;
      request.set_provider_id(provider);
      for (size_t k = start; k < end; ++k) *request.add_submissions() = submissions[k].submission;
      grpc::ClientContext context;
      hub::v1::SubmitResponse response;
      ASSERT_TRUE(stub->Submit(&context, request, &response).ok());
      ASSERT_EQ(response.results_size(), static_cast<int>(end - start));
      for (size_t k = start; k < end; ++k) {
        const generator::DaySubmission& s = submissions[k];
        const hub::v1::SubmissionResult& r = response.results(static_cast<int>(k - start));
        SCOPED_TRACE(s.submission.ShortDebugString());
        ++records;
        ++kinds[std::string(hub::v1::Submission::descriptor()
                                ->FindFieldByNumber(static_cast<int>(s.submission.record_case()))
                                ->name())];
        if (s.expected_reason.empty()) {
          ASSERT_TRUE(r.has_accepted()) << r.ShortDebugString();
          EXPECT_EQ(r.accepted().plan_id(), s.plan_id);
          ++plans[s.plan_id];
        } else {
          ASSERT_TRUE(r.has_rejected()) << r.ShortDebugString();
          EXPECT_EQ(r.rejected().reason_code(), s.expected_reason);
          ++reasons[s.expected_reason];
        }
      }
    }
  }
  EXPECT_GT(records, 500);
  // Every record kind, every plan, every injected reason.
  for (const char* kind : {"outreach_attempt", "enrollment_status", "care_plan", "service",
                           "invoice_line", "referral_status"}) {
    EXPECT_GT(kinds[kind], 0) << kind;
  }
  EXPECT_EQ(plans.size(), 7u);
  EXPECT_EQ(coverage_from_ecm_period_, (std::set<std::string>{"health_net", "kaiser"}));
  for (const char* reason : {"FUTURE_DATE", "UNKNOWN_MEMBER", "UNITS_EXCEEDED",
                             "CODE_MODIFIER_MISMATCH", "MISSING_DIAGNOSIS"}) {
    EXPECT_GT(reasons[reason], 0) << reason;
  }
}

// Identity issue (design.md invariant 7): the whole day (ingest, submit with
// rejections, pull and ack) logs no member's name, CIN, date of birth,
// address or phone.
TEST_F(CountyDayTest, NoPhiInLogsMetricsOrTheCountySummary) {
  std::map<std::string, std::vector<hub::v1::Submission>> by_provider;
  ASSERT_TRUE(
      generator::ProviderDaySubmissions(*county_, Day(0.1), [&](const generator::DaySubmission& s) {
        by_provider[s.provider_id].push_back(s.submission);
        return absl::OkStatus();
      }).ok());
  auto stub = hub::v1::ProviderService::NewStub(hub_->channel);
  for (const auto& [provider, submissions] : by_provider) {
    hub::v1::SubmitRequest request;
    request.set_provider_id(provider);
    for (size_t k = 0; k < submissions.size() && k < 1000; ++k) {
      *request.add_submissions() = submissions[k];
    }
    grpc::ClientContext context;
    hub::v1::SubmitResponse response;
    ASSERT_TRUE(stub->Submit(&context, request, &response).ok());
  }
  // Every plan pulls and acknowledges its feed.
  auto plans = hub::v1::PlanService::NewStub(hub_->channel);
  for (const hub::v1::Plan& plan : county_->options().directory.plans()) {
    grpc::ClientContext context;
    hub::v1::PullFeedRequest request;
    request.set_plan_id(plan.plan_id());
    auto reader = plans->PullFeed(&context, request);
    hub::v1::PullFeedResponse response;
    uint64_t last = 0;
    while (reader->Read(&response)) last = response.item().sequence();
    ASSERT_TRUE(reader->Finish().ok());
    grpc::ClientContext ack_context;
    hub::v1::AckRequest ack;
    ack.set_plan_id(plan.plan_id());
    ack.set_through_sequence(last);
    hub::v1::AckResponse ack_response;
    ASSERT_TRUE(plans->Ack(&ack_context, ack, &ack_response).ok());
  }
  // Every plan's monthly files (their logs name skipped claims and withheld
  // Part 2 records) and every provider's worklist.
  for (const hub::v1::Plan& plan : county_->options().directory.plans()) {
    for (hub::v1::FileKind kind :
         {hub::v1::FILE_KIND_RETURN_TRANSMISSION, hub::v1::FILE_KIND_OUTREACH_TRACKER,
          hub::v1::FILE_KIND_INVOICE, hub::v1::FILE_KIND_CLAIMS_837P}) {
      grpc::ClientContext context;
      hub::v1::ExportFileRequest request;
      request.set_plan_id(plan.plan_id());
      request.set_kind(kind);
      request.set_period("2026-11");
      auto reader = plans->ExportFile(&context, request);
      hub::v1::ExportFileResponse response;
      while (reader->Read(&response)) {
      }
      const grpc::Status finished = reader->Finish();
      // A plan that bills by invoice gets no 837P (docs/billing.md).
      if (kind == hub::v1::FILE_KIND_CLAIMS_837P &&
          finished.error_code() == grpc::StatusCode::FAILED_PRECONDITION &&
          absl::StrContains(finished.error_message(), "by invoice")) {
        continue;
      }
      ASSERT_TRUE(finished.ok()) << plan.plan_id() << " " << kind;
    }
  }
  for (const auto& [provider, submissions] : by_provider) {
    grpc::ClientContext context;
    hub::v1::ListMembersRequest request;
    request.set_provider_id(provider);
    hub::v1::ListMembersResponse response;
    ASSERT_TRUE(stub->ListMembers(&context, request, &response).ok()) << provider;
  }
  // What leaves the hub without member data: the log, every metric (labels
  // and all) and the county's summary.
  std::vector<std::string> lines = LogLines();
  ASSERT_GT(lines.size(), 10u);
  httplib::Client http("127.0.0.1", hub_->server->http_port());
  for (const char* path : {"/metrics", "/api/summary", "/api/alerts"}) {
    httplib::Result got = http.Get(path);
    ASSERT_TRUE(got) << path;
    ASSERT_EQ(got->status, 200) << path;
    ASSERT_GT(got->body.size(), 100u) << path;
    for (absl::string_view line : absl::StrSplit(got->body, '\n')) {
      lines.emplace_back(line.data(), line.size());
    }
  }
  {
    auto monitor = hub::v1::MonitorService::NewStub(hub_->channel);
    grpc::ClientContext context;
    hub::v1::GetSummaryRequest request;
    hub::v1::GetSummaryResponse response;
    ASSERT_TRUE(monitor->GetSummary(&context, request, &response).ok());
    lines.push_back(response.DebugString());
  }
  int64_t checked = 0;
  for (int64_t i = 0; i < county_->member_count(); ++i) {
    const hub::v1::Member m = county_->Member(i).member();  // A copy: Member() returns a temporary.
    std::vector<std::string> phi = {m.cin(), m.date_of_birth(), m.address().line1(),
                                    absl::StrCat(m.name().first(), " ", m.name().last()),
                                    m.phone()};
    if (m.name().last().size() >= 4) phi.push_back("\"" + m.name().last());
    if (m.name().first().size() >= 4) phi.push_back("\"" + m.name().first());
    for (const std::string& text : phi) {
      if (text.size() < 4) continue;
      ++checked;
      for (const std::string& line : lines) {
        ASSERT_EQ(line.find(text), std::string::npos)
            << "member " << i << "'s PHI appears in a log line: " << line;
      }
    }
  }
  EXPECT_GT(checked, 3000);
  // The scan saw real traffic: metrics of every plan's feed.
  EXPECT_TRUE(std::any_of(lines.begin(), lines.end(), [](const std::string& line) {
    return line.rfind("hub_", 0) == 0 && line.find("plan=\"molina\"") != std::string::npos;
  }));
}

// Issue 16: a day of the county, then each plan's November billing files.
// Every accepted billable line (service and invoice lines, less Part 2 lines
// no consent lets the plan see) is billed exactly once (on the 837P or the
// invoice, never both) or reported with a reason; the 837P files pass an X12
// parser the project did not write (npm node-x12) and the guide's
// situational rules (tests/e2e/x12_837p_check.mjs). Prints the figures.
TEST_F(CountyDayTest, EveryAcceptedBillableLineIsBilledOnceOrReported) {
  std::map<std::string, std::vector<hub::v1::Submission>> by_provider;
  ASSERT_TRUE(
      generator::ProviderDaySubmissions(*county_, Day(0.1), [&](const generator::DaySubmission& s) {
        by_provider[s.provider_id].push_back(s.submission);
        return absl::OkStatus();
      }).ok());
  auto stub = hub::v1::ProviderService::NewStub(hub_->channel);
  std::map<std::string, int64_t> accepted_billable;  // plan -> lines
  std::map<std::string, int64_t> rejected;           // reason -> records
  for (const auto& [provider, submissions] : by_provider) {
    for (size_t start = 0; start < submissions.size(); start += 500) {
      hub::v1::SubmitRequest request;
      request.set_provider_id(provider);
      for (size_t k = start; k < submissions.size() && k < start + 500; ++k) {
        *request.add_submissions() = submissions[k];
      }
      grpc::ClientContext context;
      hub::v1::SubmitResponse response;
      ASSERT_TRUE(stub->Submit(&context, request, &response).ok());
      for (int k = 0; k < response.results_size(); ++k) {
        const hub::v1::Submission& s = submissions[start + static_cast<size_t>(k)];
        const hub::v1::SubmissionResult& r = response.results(k);
        if (r.has_rejected()) ++rejected[r.rejected().reason_code()];
        if (r.has_accepted() && (s.has_service() || s.has_invoice_line())) {
          ++accepted_billable[r.accepted().plan_id()];
        }
      }
    }
  }
  EXPECT_GT(rejected["MISSING_DIAGNOSIS"], 0);
  const std::string dir = testing::MakeTempDir();
  auto plans = hub::v1::PlanService::NewStub(hub_->channel);
  std::vector<std::string> claim_files;
  std::set<std::string> billed_ids;
  int64_t county_billable = 0, county_billed = 0, county_unbillable = 0;
  std::cout << "plan                     billable  837P  invoice  unbillable (by reason)\n";
  for (const hub::v1::Plan& plan : county_->options().directory.plans()) {
    SCOPED_TRACE(plan.plan_id());
    std::map<hub::v1::FileKind, hub::v1::ExportFileHeader> headers;
    for (hub::v1::FileKind kind : {hub::v1::FILE_KIND_CLAIMS_837P, hub::v1::FILE_KIND_INVOICE}) {
      grpc::ClientContext context;
      hub::v1::ExportFileRequest request;
      request.set_plan_id(plan.plan_id());
      request.set_kind(kind);
      request.set_period("2026-11");
      auto reader = plans->ExportFile(&context, request);
      hub::v1::ExportFileResponse response;
      std::string bytes;
      while (reader->Read(&response)) {
        if (response.has_header()) headers[kind] = response.header();
        bytes += response.chunk();
      }
      const grpc::Status finished = reader->Finish();
      if (kind == hub::v1::FILE_KIND_CLAIMS_837P &&
          finished.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
        // A plan that bills by invoice gets no 837P: its invoice's header
        // is the whole account (checked below).
        EXPECT_THAT(finished.error_message(), HasSubstr("bills every service line by invoice"));
        continue;
      }
      ASSERT_TRUE(finished.ok()) << kind;
      const std::string path = absl::StrCat(dir, "/", headers[kind].file_name());
      testing::WriteFile(path, bytes);
      if (kind == hub::v1::FILE_KIND_CLAIMS_837P) {
        claim_files.push_back(path);
        // Each line's record id, from its REF*6R.
        for (absl::string_view segment : absl::StrSplit(bytes, '~')) {
          segment = absl::StripLeadingAsciiWhitespace(segment);
          if (absl::StartsWith(segment, "REF*6R*")) {
            EXPECT_TRUE(billed_ids.insert(std::string(segment.substr(7))).second)
                << "a line billed twice: " << segment;
          }
        }
      } else if (headers[kind].record_count() > 0) {  // An empty invoice has no rows to read.
        auto profile =
            generator::LoadPlanProfile(testing::Source("adapters/plans"), plan.adapter_profile());
        ASSERT_TRUE(profile.ok());
        auto adapter = adapters::CreateDeclarativePlanAdapter(*profile);
        ASSERT_TRUE(adapter.ok());
        adapters::testing::CanonicalRowCollector sink;
        const absl::Status parsed =
            adapters::testing::ParseFile(**adapter, kind, bytes, sink, 1 << 16);
        ASSERT_TRUE(parsed.ok()) << parsed;
        ASSERT_TRUE(sink.errors.empty()) << sink.ErrorsText();
        for (const auto& row : adapters::testing::RowsAs<hub::v1::InvoiceFileRow>(sink)) {
          EXPECT_TRUE(billed_ids.insert(row.record_id()).second)
              << "a line billed twice: " << row.record_id();
        }
      }
    }
    const hub::v1::BillingSummary& invoice = headers[hub::v1::FILE_KIND_INVOICE].billing();
    if (!headers.contains(hub::v1::FILE_KIND_CLAIMS_837P)) {
      // No 837P: the invoice bills every line that is billed.
      EXPECT_EQ(invoice.billed_on_other_file(), 0);
      hub::v1::ExportFileHeader& claims_header = headers[hub::v1::FILE_KIND_CLAIMS_837P];
      *claims_header.mutable_billing() = invoice;
      claims_header.mutable_billing()->set_billed_lines(0);
      claims_header.mutable_billing()->set_billed_on_other_file(invoice.billed_lines());
      claims_header.set_part2_withheld_count(
          headers[hub::v1::FILE_KIND_INVOICE].part2_withheld_count());
    }
    const hub::v1::BillingSummary& claims = headers[hub::v1::FILE_KIND_CLAIMS_837P].billing();
    // Both files give the same account.
    EXPECT_EQ(claims.billable_lines(), invoice.billable_lines());
    EXPECT_EQ(claims.billed_lines(), invoice.billed_on_other_file());
    EXPECT_EQ(invoice.billed_lines(), claims.billed_on_other_file());
    EXPECT_EQ(claims.unbillable().size(), invoice.unbillable().size());
    int64_t unbillable = 0;
    std::string reasons;
    for (const hub::v1::UnbillableLines& u : claims.unbillable()) {
      unbillable += u.lines();
      absl::StrAppend(&reasons, " ", u.reason_code(), "=", u.lines());
    }
    // Billed + reported = billable; billable + Part 2 lines withheld from
    // the plan = the lines the hub accepted for it.
    EXPECT_EQ(claims.billed_lines() + invoice.billed_lines() + unbillable, claims.billable_lines());
    EXPECT_EQ(
        claims.billable_lines() + headers[hub::v1::FILE_KIND_CLAIMS_837P].part2_withheld_count(),
        accepted_billable[plan.plan_id()]);
    EXPECT_EQ(headers[hub::v1::FILE_KIND_CLAIMS_837P].record_count(), claims.billed_lines());
    EXPECT_EQ(headers[hub::v1::FILE_KIND_INVOICE].record_count(), invoice.billed_lines());
    county_billable += claims.billable_lines();
    county_billed += claims.billed_lines() + invoice.billed_lines();
    county_unbillable += unbillable;
    std::cout << absl::StrFormat("%-24s %8d %5d %8d %s\n", plan.plan_id(), claims.billable_lines(),
                                 claims.billed_lines(), invoice.billed_lines(), reasons);
  }
  EXPECT_EQ(static_cast<int64_t>(billed_ids.size()), county_billed);
  // Each provider sees every line's outcome in ListFeedback: the billed ones
  // with the file and claim (or invoice) that bills them, the others with
  // the reason and what to fix.
  int64_t seen_billed = 0, seen_not_billed = 0;
  for (const auto& [provider, submissions] : by_provider) {
    hub::v1::ListFeedbackRequest request;
    request.set_provider_id(provider);
    request.set_page_size(1000);
    do {
      grpc::ClientContext context;
      hub::v1::ListFeedbackResponse response;
      ASSERT_TRUE(stub->ListFeedback(&context, request, &response).ok()) << provider;
      for (const hub::v1::FeedbackItem& item : response.items()) {
        const hub::v1::BillingStatus& b = item.billing();
        if (b.state() == hub::v1::BILLING_STATE_BILLED) {
          ++seen_billed;
          EXPECT_TRUE(billed_ids.count(item.record_id())) << item.record_id();
          EXPECT_FALSE(b.claim_id().empty()) << item.record_id();
          EXPECT_GE(b.line_number(), 1) << item.record_id();
        } else if (b.state() == hub::v1::BILLING_STATE_NOT_BILLED) {
          ++seen_not_billed;
          EXPECT_FALSE(billed_ids.count(item.record_id())) << item.record_id();
          EXPECT_FALSE(b.reason_code().empty()) << item.record_id();
          EXPECT_FALSE(b.message().empty()) << item.record_id();
        }
      }
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
  }
  EXPECT_EQ(seen_billed, county_billed);
  EXPECT_EQ(seen_not_billed, county_unbillable);
  std::cout << "county: " << county_billable << " billable, " << county_billed << " billed, "
            << county_unbillable << " reported unbillable\n";
  EXPECT_GT(county_billed, county_billable / 2);
  // The county's /metrics carries each plan's account (no member data).
  {
    httplib::Client http("127.0.0.1", hub_->server->http_port());
    httplib::Result got = http.Get("/metrics");
    ASSERT_TRUE(got);
    EXPECT_THAT(got->body, HasSubstr("hub_billing_lines{plan=\"molina\",period=\"2026-11\","
                                     "outcome=\"billable\",reason=\"\"}"));
    EXPECT_THAT(got->body, HasSubstr("outcome=\"not_billed\",reason=\"DUPLICATE_OF_SERVICE\"}"));
  }
  // The independent parser and the guide's rules.
  const std::string tools = testing::Source("tools/node_modules/node-x12");
  if (!std::filesystem::exists(tools) || testing::RunCommand("node --version").exit_code != 0) {
    GTEST_SKIP() << "node or tools/node_modules/node-x12 is missing: run scripts/setup.sh";
  }
  testing::CommandResult checked =
      testing::RunCommand(absl::StrCat("node ", testing::Source("tests/e2e/x12_837p_check.mjs"),
                                       " ", absl::StrJoin(claim_files, " ")));
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
  // The five plans that take an 837P (chg and kaiser bill by invoice).
  EXPECT_THAT(checked.output, HasSubstr("5 passed, 0 failed")) << checked.output;
}

TEST_F(CountyDayTest, ProviderFilesGoThroughTheTemplateAndHubctl) {
  const std::string dir = testing::MakeTempDir() + "/providers";
  auto files = generator::WriteProviderDayFiles(*county_, Day(0.05), dir);
  ASSERT_TRUE(files.ok()) << files.status();
  const generator::ProviderDayFile* csv = nullptr;
  const generator::ProviderDayFile* jsonl = nullptr;
  for (const auto& f : *files) {
    if (f.records < 20) continue;
    if (f.csv && csv == nullptr) csv = &f;
    if (!f.csv && jsonl == nullptr) jsonl = &f;
  }
  ASSERT_NE(csv, nullptr);
  ASSERT_NE(jsonl, nullptr);
  auto expected = [](const generator::ProviderDayFile& f) {
    int64_t n = 0;
    for (const auto& [code, count] : f.expected_rejections) n += count;
    return n;
  };

  // A spreadsheet organization uploads the CBO CSV template.
  {
    const std::string bytes = testing::ReadFile(dir + "/" + csv->file_name);
    auto stub = hub::v1::ProviderService::NewStub(hub_->channel);
    grpc::ClientContext context;
    hub::v1::ProviderServiceUploadFileResponse response;
    auto writer = stub->UploadFile(&context, &response);
    hub::v1::ProviderServiceUploadFileRequest request;
    request.mutable_header()->set_provider_id(csv->provider_id);
    request.mutable_header()->set_file_name(csv->file_name);
    ASSERT_TRUE(writer->Write(request));
    request.Clear();
    request.set_chunk(bytes);
    ASSERT_TRUE(writer->Write(request));
    writer->WritesDone();
    ASSERT_TRUE(writer->Finish().ok());
    EXPECT_EQ(response.report().rows_read(), csv->records);
    EXPECT_EQ(response.report().rows_rejected(), expected(*csv));
    EXPECT_EQ(response.report().rows_accepted(), csv->records - expected(*csv));
  }
  // Another sends JSON lines with hubctl submit; twice: the second time
  // every record replays its first result.
  for (int round = 0; round < 2; ++round) {
    std::ostringstream out, err;
    generator::ProviderDayFile f = *jsonl;
    SubmitCommandOptions options;
    options.provider_id = f.provider_id;
    options.path = dir + "/" + f.file_name;
    options.batch_size = 7;
    EXPECT_EQ(SubmitJsonLinesCommand(hub_->channel, options, out, err), 0) << err.str();
    EXPECT_THAT(out.str(),
                HasSubstr(absl::StrCat("read ", f.records, ", accepted ", f.records - expected(f),
                                       ", rejected ", expected(f), " (replayed ",
                                       round == 0 ? 0 : f.records, ")")));
    for (const auto& [code, n] : f.expected_rejections) {
      EXPECT_THAT(out.str(), HasSubstr(absl::StrCat(code, " ", n))) << code;
    }
  }
  // A broken line: nothing is sent, the line is named, its content is not.
  const std::string broken = dir + "/broken.jsonl";
  testing::WriteFile(broken, "{\"idempotency_key\": \"ok-1\"}\n{\"cin\": \"12345678A\"\n");
  std::ostringstream out, err;
  SubmitCommandOptions options;
  options.provider_id = jsonl->provider_id;
  options.path = broken;
  EXPECT_EQ(SubmitJsonLinesCommand(hub_->channel, options, out, err), 1);
  EXPECT_THAT(err.str(), HasSubstr("line 2"));
  EXPECT_THAT(err.str(), HasSubstr("nothing was sent"));
  EXPECT_THAT(err.str(), ::testing::Not(HasSubstr("12345678A")));
}

}  // namespace
}  // namespace hub
