// Views fed by plan file ingest, end to end through an in-process HubServer
// and plans' native files rendered by the shipped profiles: provider
// capacity on new assignments and authorizations (ingest flags, counts and
// warns; the count follows ends and re-uploads), every plan's quality reports
// in one list (ListQualityReports), and the hubctl worklist, quality and
// careplan commands.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "adapters/plan_adapter.h"
#include "adapters/registry.h"
#include "base/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/cli/hubctl.h"
#include "hub/common/plan_adapters.h"
#include "hub/common/rpc_status.h"
#include "hub/server/server.h"
#include "hub/v1/plan_service.grpc.pb.h"
#include "hub/v1/provider_service.grpc.pb.h"
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

constexpr FileKind kViewsAssignment = hub::v1::FILE_KIND_MEMBER_ASSIGNMENT;
constexpr FileKind kViewsAuthorization = hub::v1::FILE_KIND_CS_AUTHORIZATION;
constexpr FileKind kViewsQuality = hub::v1::FILE_KIND_QUALITY_REPORT;

std::string CapNpi() { return testing::Npi("300000001"); }
std::string ViewsCsNpi() { return testing::Npi("300000002"); }
std::string OtherNpi() { return testing::Npi("300000003"); }

// aetna and kaiser with their shipped profiles;
//   ecm_cap    ECM  aetna (ecm_capacity 2), kaiser (no capacity)
//   cs_cap     CS   aetna (cs_capacity 1)   HOUSING_DEPOSITS
//   other_ecm  ECM  aetna, kaiser
std::string ViewsSeedText() {
  return absl::StrCat(R"(
plans { plan_id: "aetna" name: "Aetna Better Health" county: "San Diego" adapter_profile: "aetna" }
plans { plan_id: "kaiser" name: "Kaiser Permanente" county: "San Diego" adapter_profile: "kaiser" }
providers {
  provider_id: "ecm_cap" npi: ")",
                      CapNpi(), R"(" tin: "111111111" name: "ECM Capacity"
  kinds: PROVIDER_KIND_ECM
  contracts { plan_id: "aetna" kinds: PROVIDER_KIND_ECM ecm_capacity: 2 }
  contracts { plan_id: "kaiser" kinds: PROVIDER_KIND_ECM }
}
providers {
  provider_id: "cs_cap" npi: ")",
                      ViewsCsNpi(), R"(" tin: "222222222" name: "CS Capacity"
  kinds: PROVIDER_KIND_CS
  community_supports: [COMMUNITY_SUPPORT_HOUSING_DEPOSITS]
  contracts { plan_id: "aetna" kinds: PROVIDER_KIND_CS cs_capacity: 1 }
}
providers {
  provider_id: "other_ecm" npi: ")",
                      OtherNpi(), R"(" tin: "333333333" name: "Other ECM"
  kinds: PROVIDER_KIND_ECM
  contracts { plan_id: "aetna" kinds: PROVIDER_KIND_ECM }
  contracts { plan_id: "kaiser" kinds: PROVIDER_KIND_ECM }
}
)");
}

AssignmentFileRow ViewsMember(const std::string& cin, const std::string& npi = CapNpi()) {
  AssignmentFileRow row;
  hub::v1::Member* m = row.mutable_member();
  m->set_cin(cin);
  m->mutable_name()->set_first("Ana");
  m->mutable_name()->set_last(absl::StrCat("Last", cin.substr(0, 1)));
  m->set_date_of_birth("1980-02-29");
  row.mutable_coverage()->set_start_date("2026-01-01");
  row.set_provider_npi(npi);
  hub::v1::Assignment* a = row.mutable_assignment();
  a->set_benefit_start_date("2026-11-01");
  a->add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_ADULT_INDIVIDUAL_HOMELESSNESS);
  return row;
}

AuthorizationFileRow Authorization(const std::string& number, const std::string& cin) {
  AuthorizationFileRow row;
  hub::v1::Authorization* a = row.mutable_authorization();
  a->set_authorization_number(number);
  a->set_cin(cin);
  a->set_community_support(hub::v1::COMMUNITY_SUPPORT_HOUSING_DEPOSITS);
  a->set_hcpcs_code("H0044");
  a->add_modifiers("U2");
  a->set_units_approved(4);
  a->set_start_date("2026-11-01");
  a->set_status(hub::v1::AUTHORIZATION_STATUS_APPROVED);
  a->set_referral_date("2026-11-01");
  row.set_provider_npi(ViewsCsNpi());
  return row;
}

QualityFileRow ViewsQuality(const std::string& measure, const std::string& period,
                            int64_t numerator, int64_t denominator,
                            const std::string& npi = CapNpi()) {
  QualityFileRow row;
  row.mutable_report()->set_measure_id(measure);
  row.mutable_report()->set_period(period);
  row.mutable_report()->set_numerator(numerator);
  row.mutable_report()->set_denominator(denominator);
  row.set_provider_npi(npi);
  return row;
}

// Renders `rows` as the plan's own file, with its shipped profile.
template <typename Row>
std::string ViewsRender(const std::string& profile, FileKind kind, const std::vector<Row>& rows) {
  adapters::AdapterRegistry registry;
  EXPECT_TRUE(adapters::RegisterBuiltinAdapters(registry).ok());
  auto loaded = PlanAdapterSet::LoadProfileFile(
      absl::StrCat(HUB_SOURCE_DIR, "/adapters/plans/", profile, "/profile.textproto"), profile,
      registry);
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

class ViewsIngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testing::MakeTempDir();
    HubServer::Options options;
    options.listen_address = "127.0.0.1:0";
    options.data_dir = root_ + "/data";
    options.clock = [] { return testing::FixedTime(); };
    options.seed_path = root_ + "/seed.textproto";
    testing::WriteFile(options.seed_path, ViewsSeedText());
    absl::StatusOr<std::unique_ptr<HubServer>> server = HubServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    address_ = absl::StrCat("127.0.0.1:", server_->port());
    channel_ = grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
  }

  void TearDown() override {
    if (server_ != nullptr) {
      EXPECT_TRUE(server_->Shutdown(absl::Seconds(5)).ok());
    }
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  absl::StatusOr<IngestReport> Upload(const std::string& plan, FileKind kind,
                                      const std::string& bytes) {
    return testing::UploadPlanFile(
        *channel_, plan, kind, bytes,
        {.chunk_bytes = std::max<size_t>(bytes.size(), 1), .file_name = "file.csv"});
  }

  // Uploads aetna's assignment file listing `rows`; fails the test unless
  // every row is accepted.
  IngestReport UploadAssignments(const std::vector<AssignmentFileRow>& rows) {
    absl::StatusOr<IngestReport> report =
        Upload("aetna", kViewsAssignment, ViewsRender("aetna", kViewsAssignment, rows));
    EXPECT_TRUE(report.ok()) << report.status();
    if (!report.ok()) return IngestReport();
    EXPECT_EQ(report->rows_rejected(), 0) << report->ShortDebugString();
    EXPECT_EQ(report->outcome(), hub::v1::INGEST_OUTCOME_ACCEPTED);
    return *report;
  }

  absl::StatusOr<hub::v1::ListMembersResponse> Worklist(const std::string& provider) {
    auto stub = hub::v1::ProviderService::NewStub(channel_);
    hub::v1::ListMembersRequest request;
    request.set_provider_id(provider);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    hub::v1::ListMembersResponse response;
    absl::Status status = FromGrpcStatus(stub->ListMembers(&context, request, &response));
    if (!status.ok()) return status;
    return response;
  }

  // "cin" of each entry, with "!" when flagged over capacity.
  std::vector<std::string> Flags(const std::string& provider) {
    absl::StatusOr<hub::v1::ListMembersResponse> list = Worklist(provider);
    EXPECT_TRUE(list.ok()) << list.status();
    std::vector<std::string> out;
    if (!list.ok()) return out;
    for (const auto& e : list->entries()) {
      out.push_back(absl::StrCat(
          e.reason() == hub::v1::WORKLIST_REASON_CS_REFERRAL ? e.authorization_number() : e.cin(),
          e.over_capacity() ? "!" : ""));
    }
    return out;
  }

  absl::StatusOr<hub::v1::ListQualityReportsResponse> QualityReports(const std::string& provider,
                                                                     const std::string& period) {
    auto stub = hub::v1::ProviderService::NewStub(channel_);
    hub::v1::ListQualityReportsRequest request;
    request.set_provider_id(provider);
    request.set_period(period);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    hub::v1::ListQualityReportsResponse response;
    absl::Status status = FromGrpcStatus(stub->ListQualityReports(&context, request, &response));
    if (!status.ok()) return status;
    return response;
  }

  int Hubctl(const std::vector<std::string>& args, std::string* out, std::string* err) {
    std::vector<std::string> all = {absl::StrCat("--server=", address_)};
    all.insert(all.end(), args.begin(), args.end());
    std::ostringstream o, e;
    const int code = RunHubctl(all, "", o, e);
    *out = o.str();
    *err = e.str();
    return code;
  }

  std::string root_;
  std::unique_ptr<HubServer> server_;
  std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
};

constexpr char kIngestM1[] = "11000001A";
constexpr char kIngestM2[] = "12000002B";
constexpr char kIngestM3[] = "13000003C";
constexpr char kIngestM4[] = "14000004D";
constexpr char kIngestM5[] = "15000005E";

TEST_F(ViewsIngestTest, NewAssignmentBeyondCapacityIsKeptFlaggedCountedAndWarned) {
  // Capacity 2, three new assignments: the third is over.
  const IngestReport first =
      UploadAssignments({ViewsMember(kIngestM1), ViewsMember(kIngestM2), ViewsMember(kIngestM3)});
  EXPECT_EQ(first.rows_accepted(), 3);
  EXPECT_EQ(first.changes().assignments_written(), 3);
  EXPECT_EQ(first.changes().assignments_over_capacity(), 1);
  ASSERT_EQ(first.row_errors_size(), 1);
  const hub::v1::RowError& warning = first.row_errors(0);
  EXPECT_EQ(warning.row_number(), 3);
  EXPECT_EQ(warning.reason_code(), "ROW_OVER_CAPACITY");
  EXPECT_EQ(warning.field(), "provider_npi");
  EXPECT_TRUE(warning.warning());
  EXPECT_THAT(warning.message(), HasSubstr("capacity with this plan (2 members)"));
  EXPECT_THAT(warning.message(), ::testing::Not(HasSubstr(kIngestM3)));
  EXPECT_THAT(Flags("ecm_cap"), ElementsAre(kIngestM1, kIngestM2, absl::StrCat(kIngestM3, "!")));
  // Another provider of the same plan has its own count (no capacity).
  const IngestReport other =
      UploadAssignments({ViewsMember(kIngestM1), ViewsMember(kIngestM2), ViewsMember(kIngestM3),
                         ViewsMember(kIngestM4, OtherNpi())});
  EXPECT_EQ(other.changes().assignments_over_capacity(), 0);
  EXPECT_EQ(other.changes().rows_unchanged(), 3);
  EXPECT_THAT(Flags("other_ecm"), ElementsAre(kIngestM4));
}

TEST_F(ViewsIngestTest, ReuploadChangesNothingAndEndingAssignmentsFreesSlots) {
  const std::string bytes =
      ViewsRender("aetna", kViewsAssignment,
                  std::vector<AssignmentFileRow>{ViewsMember(kIngestM1), ViewsMember(kIngestM2),
                                                 ViewsMember(kIngestM3)});
  absl::StatusOr<IngestReport> first = Upload("aetna", kViewsAssignment, bytes);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->changes().assignments_over_capacity(), 1);

  // The same bytes: the stored report, nothing applied again.
  absl::StatusOr<IngestReport> again = Upload("aetna", kViewsAssignment, bytes);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->report_id(), first->report_id());
  EXPECT_EQ(again->changes().assignments_over_capacity(), 1);
  // The same rows in another order: every row unchanged, nothing flagged.
  const IngestReport reordered =
      UploadAssignments({ViewsMember(kIngestM3), ViewsMember(kIngestM1), ViewsMember(kIngestM2)});
  EXPECT_EQ(reordered.changes().rows_unchanged(), 3);
  EXPECT_EQ(reordered.changes().assignments_over_capacity(), 0);
  EXPECT_EQ(reordered.row_errors_size(), 0);
  EXPECT_THAT(Flags("ecm_cap"), ElementsAre(kIngestM1, kIngestM2, absl::StrCat(kIngestM3, "!")));

  // The snapshot drops M2 and M3: both end the day before; one slot is held.
  const IngestReport ended = UploadAssignments({ViewsMember(kIngestM1)});
  EXPECT_EQ(ended.changes().assignments_ended(), 2);
  EXPECT_THAT(Flags("ecm_cap"), ElementsAre(kIngestM1));
  // So M4 fits (2 of 2 with M1)...
  const IngestReport fits = UploadAssignments({ViewsMember(kIngestM1), ViewsMember(kIngestM4)});
  EXPECT_EQ(fits.changes().assignments_over_capacity(), 0);
  EXPECT_EQ(fits.row_errors_size(), 0);
  // ...and M5 does not.
  const IngestReport full =
      UploadAssignments({ViewsMember(kIngestM1), ViewsMember(kIngestM4), ViewsMember(kIngestM5)});
  EXPECT_EQ(full.changes().assignments_over_capacity(), 1);
  ASSERT_EQ(full.row_errors_size(), 1);
  EXPECT_EQ(full.row_errors(0).row_number(), 3);
  EXPECT_THAT(Flags("ecm_cap"), ElementsAre(kIngestM1, kIngestM4, absl::StrCat(kIngestM5, "!")));
  // Listed again after it ended, M2 reopens while the provider is full:
  // flagged as it arrives again.
  const IngestReport reopened = UploadAssignments({ViewsMember(kIngestM1), ViewsMember(kIngestM4),
                                                   ViewsMember(kIngestM5), ViewsMember(kIngestM2)});
  EXPECT_EQ(reopened.changes().assignments_over_capacity(), 1);
}

TEST_F(ViewsIngestTest, AuthorizationsBeyondCsCapacityAreFlaggedPerCommunitySupport) {
  UploadAssignments({ViewsMember(kIngestM1), ViewsMember(kIngestM2)});
  absl::StatusOr<IngestReport> report =
      Upload("aetna", kViewsAuthorization,
             ViewsRender("aetna", kViewsAuthorization,
                         std::vector<AuthorizationFileRow>{Authorization("AUTH-1", kIngestM1),
                                                           Authorization("AUTH-2", kIngestM2)}));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->rows_rejected(), 0) << report->ShortDebugString();
  EXPECT_EQ(report->changes().authorizations_written(), 2);
  EXPECT_EQ(report->changes().authorizations_over_capacity(), 1);
  EXPECT_EQ(report->changes().assignments_over_capacity(), 0);
  ASSERT_EQ(report->row_errors_size(), 1);
  EXPECT_EQ(report->row_errors(0).row_number(), 2);
  EXPECT_TRUE(report->row_errors(0).warning());
  EXPECT_THAT(report->row_errors(0).message(), HasSubstr("Community Supports capacity"));
  EXPECT_THAT(Flags("cs_cap"), ElementsAre("AUTH-1", "AUTH-2!"));

  // The plan's snapshot lists AUTH-1 only, now denied: AUTH-2 is cancelled
  // (not listed), both slots are freed...
  AuthorizationFileRow denied = Authorization("AUTH-1", kIngestM1);
  denied.mutable_authorization()->set_status(hub::v1::AUTHORIZATION_STATUS_DENIED);
  absl::StatusOr<IngestReport> next =
      Upload("aetna", kViewsAuthorization,
             ViewsRender("aetna", kViewsAuthorization, std::vector<AuthorizationFileRow>{denied}));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->changes().authorizations_ended(), 1);
  EXPECT_TRUE(Flags("cs_cap").empty());
  // ...so a new AUTH-3 fits.
  absl::StatusOr<IngestReport> fits = Upload(
      "aetna", kViewsAuthorization,
      ViewsRender("aetna", kViewsAuthorization,
                  std::vector<AuthorizationFileRow>{denied, Authorization("AUTH-3", kIngestM2)}));
  ASSERT_TRUE(fits.ok()) << fits.status();
  EXPECT_EQ(fits->changes().authorizations_written(), 1);
  EXPECT_EQ(fits->changes().authorizations_over_capacity(), 0);
  EXPECT_THAT(Flags("cs_cap"), ElementsAre("AUTH-3"));
}

TEST_F(ViewsIngestTest, QualityReportsOfEveryPlanInOneOrderedList) {
  absl::StatusOr<IngestReport> aetna = Upload(
      "aetna", kViewsQuality,
      ViewsRender("aetna", kViewsQuality,
                  std::vector<QualityFileRow>{ViewsQuality("FUM", "2026 Q1", 3, 4),
                                              ViewsQuality("FUA", "2026 Q1", 1, 5),
                                              ViewsQuality("FUM", "2026 Q1", 9, 9, OtherNpi())}));
  ASSERT_TRUE(aetna.ok()) << aetna.status();
  EXPECT_EQ(aetna->changes().quality_reports_written(), 3);
  absl::StatusOr<IngestReport> kaiser =
      Upload("kaiser", kViewsQuality,
             ViewsRender("kaiser", kViewsQuality,
                         std::vector<QualityFileRow>{ViewsQuality("FUM", "2026 Q1", 1, 2),
                                                     ViewsQuality("FUM", "2025 Q4", 0, 0)}));
  ASSERT_TRUE(kaiser.ok()) << kaiser.status();
  EXPECT_EQ(kaiser->rows_rejected(), 0) << kaiser->ShortDebugString();

  absl::StatusOr<hub::v1::ListQualityReportsResponse> all = QualityReports("ecm_cap", "");
  ASSERT_TRUE(all.ok()) << all.status();
  std::vector<std::string> rows;
  for (const auto& r : all->reports()) {
    EXPECT_EQ(r.provider_id(), "ecm_cap");
    rows.push_back(absl::StrCat(r.period(), " ", r.measure_id(), " ", r.plan_id(), " ",
                                r.numerator(), "/", r.denominator(), " ", r.rate()));
  }
  EXPECT_THAT(rows, ElementsAre("2025 Q4 FUM kaiser 0/0 0", "2026 Q1 FUA aetna 1/5 0.2",
                                "2026 Q1 FUM aetna 3/4 0.75", "2026 Q1 FUM kaiser 1/2 0.5"));

  absl::StatusOr<hub::v1::ListQualityReportsResponse> q1 = QualityReports("ecm_cap", "2026 Q1");
  ASSERT_TRUE(q1.ok()) << q1.status();
  ASSERT_EQ(q1->reports_size(), 3);
  EXPECT_EQ(q1->reports(0).measure_id(), "FUA");
  absl::StatusOr<hub::v1::ListQualityReportsResponse> other = QualityReports("other_ecm", "");
  ASSERT_TRUE(other.ok()) << other.status();
  ASSERT_EQ(other->reports_size(), 1);
  EXPECT_EQ(other->reports(0).numerator(), 9);
  absl::StatusOr<hub::v1::ListQualityReportsResponse> none = QualityReports("cs_cap", "");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->reports_size(), 0);
  EXPECT_TRUE(absl::IsInvalidArgument(QualityReports("ecm_cap", "Q1 2026").status()));
  EXPECT_TRUE(absl::IsNotFound(QualityReports("nobody_here", "").status()));
}

TEST_F(ViewsIngestTest, HubctlPrintsWorklistQualityAndCarePlan) {
  UploadAssignments({ViewsMember(kIngestM1), ViewsMember(kIngestM2), ViewsMember(kIngestM3)});
  ASSERT_TRUE(Upload("aetna", kViewsQuality,
                     ViewsRender("aetna", kViewsQuality,
                                 std::vector<QualityFileRow>{ViewsQuality("FUM", "2026 Q1", 3, 4)}))
                  .ok());
  std::string out, err;
  ASSERT_EQ(Hubctl({"worklist", "--provider=ecm_cap"}, &out, &err), 0) << err;
  EXPECT_THAT(out, HasSubstr("PLAN"));
  EXPECT_THAT(out, HasSubstr("OUTREACH DUE (UTC)"));
  EXPECT_THAT(out, HasSubstr(kIngestM1));
  EXPECT_THAT(out, HasSubstr("ADULT_INDIVIDUAL_HOMELESSNESS"));
  // ECM assignments carry no 24-hour outreach rule (it is for CS referrals:
  // hub/common/outreach_rule.h), so none is due or overdue; M3 over capacity.
  EXPECT_THAT(out, ::testing::Not(HasSubstr("OVERDUE")));
  EXPECT_THAT(out, HasSubstr("OVER_CAPACITY"));
  EXPECT_THAT(out, HasSubstr("3 members on the worklist; outreach due for 0 (0 overdue); 1 "
                             "arrived over capacity"));

  ASSERT_EQ(Hubctl({"worklist", "--provider=ecm_cap", "--plan=kaiser"}, &out, &err), 0) << err;
  EXPECT_THAT(out, HasSubstr("0 members on the worklist"));
  EXPECT_EQ(Hubctl({"worklist", "--provider=ecm_cap", "--as_of=tomorrow"}, &out, &err), 1);
  EXPECT_THAT(err, HasSubstr("as_of_date"));
  EXPECT_EQ(Hubctl({"worklist"}, &out, &err), 2);

  ASSERT_EQ(Hubctl({"quality", "--provider=ecm_cap"}, &out, &err), 0) << err;
  EXPECT_THAT(out, HasSubstr("2026 Q1"));
  EXPECT_THAT(out, HasSubstr("75.0%"));

  // A care plan from ecm_cap for M1, then read back through hubctl.
  auto stub = hub::v1::ProviderService::NewStub(channel_);
  hub::v1::SubmitRequest submit;
  submit.set_provider_id("ecm_cap");
  hub::v1::Submission* s = submit.add_submissions();
  s->set_idempotency_key("cp-1");
  hub::v1::CarePlan* plan = s->mutable_care_plan();
  plan->set_cin(kIngestM1);
  plan->set_effective_date("2026-11-20");
  plan->set_assessment_date("2026-11-10");
  plan->add_goals()->set_description("Move into stable housing");
  plan->mutable_goals(0)->set_status("open");
  plan->add_interventions("Weekly visits");
  grpc::ClientContext context;
  hub::v1::SubmitResponse submitted;
  ASSERT_TRUE(stub->Submit(&context, submit, &submitted).ok());
  ASSERT_TRUE(submitted.results(0).has_accepted()) << submitted.ShortDebugString();

  ASSERT_EQ(
      Hubctl({"careplan", "--provider=ecm_cap", absl::StrCat("--cin=", kIngestM1)}, &out, &err), 0)
      << err;
  EXPECT_THAT(out, HasSubstr("written by      ecm_cap"));
  EXPECT_THAT(out, HasSubstr("Move into stable housing"));
  EXPECT_THAT(out, HasSubstr("- Weekly visits"));
  EXPECT_EQ(
      Hubctl({"careplan", "--provider=other_ecm", absl::StrCat("--cin=", kIngestM1)}, &out, &err),
      1);
  EXPECT_THAT(err, HasSubstr("PERMISSION_DENIED"));
  EXPECT_THAT(err, ::testing::Not(HasSubstr(kIngestM1)));
}

}  // namespace
}  // namespace hub
