// The monthly RTF a plan can file (PlanService.ExportFile,
// FILE_KIND_RETURN_TRANSMISSION): one row per member the plan assigned to a
// provider in the month even when the provider sent nothing, the
// closed-loop status of ECM referrals, and new-address / new-phone
// indicators that follow the plan's own member files. End to end: the
// molina member files go in through PlanService.UploadFile, records through
// ProviderService.Submit, and the RTF comes back through ExportFile and is
// read with molina's own parser.
#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "adapters/plan_adapter.h"
#include "adapters/registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/common/plan_adapters.h"
#include "hub/v1/plan_service.grpc.pb.h"
#include "hub/v1/provider_service.grpc.pb.h"
#include "tests/adapters/export_test_util.h"
#include "tests/hub/county_test_util.h"
#include "tests/hub/hub_test_util.h"
#include "tests/hub/submit_test_env.h"

#ifndef HUB_SOURCE_DIR
#error "HUB_SOURCE_DIR must name the repository root"
#endif

namespace hub {
namespace {

using ::hub::v1::ReturnTransmissionRow;

constexpr hub::v1::FileKind kMemberFileKind = hub::v1::FILE_KIND_MEMBER_ASSIGNMENT;
constexpr hub::v1::FileKind kRtf = hub::v1::FILE_KIND_RETURN_TRANSMISSION;

// Molina members of the small seed (tests/hub/hub_test_util.h):
//   kQuiet     assigned to alpha_cbo, which sends nothing about them
//   kReferred  assigned to alpha_cbo, which closes the ECM referral's loop
//   kMover     assigned to charlie_fqhc; the second file moves them
constexpr char kQuiet[] = "71000001A";
constexpr char kReferred[] = "71000002B";
constexpr char kMover[] = "71000003C";

std::string RtfPlansDir() { return std::string(HUB_SOURCE_DIR) + "/adapters/plans"; }

hub::v1::AssignmentFileRow MemberRow(const std::string& cin, const std::string& npi,
                                     const std::string& street, const std::string& phone) {
  hub::v1::AssignmentFileRow row;
  hub::v1::Member* m = row.mutable_member();
  m->set_cin(cin);
  m->mutable_name()->set_first("Ana");
  m->mutable_name()->set_last("Reyes");
  m->set_date_of_birth("1980-02-29");
  m->set_sex(hub::v1::SEX_FEMALE);
  m->mutable_address()->set_line1(street);
  m->mutable_address()->set_city("San Diego");
  m->mutable_address()->set_state("CA");
  m->mutable_address()->set_zip("92101");
  m->set_phone(phone);
  row.mutable_coverage()->set_start_date("2026-01-01");
  row.set_provider_npi(npi);
  row.set_plan_member_id(absl::StrCat("M", cin.substr(0, 8)));
  hub::v1::Assignment* a = row.mutable_assignment();
  a->set_benefit_start_date("2026-02-01");
  a->add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_ADULT_SMI_SUD);
  return row;
}

class RtfExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The small seed with molina onboarded on its shipped profile.
    hub_ = testing::StartTestHub(absl::StrReplaceAll(
        testing::SmallSeedText(),
        {{"dhcs_plan_code: \"P5\"\n", "dhcs_plan_code: \"P5\"\n  adapter_profile: \"molina\"\n"}}));
    ASSERT_NE(hub_, nullptr);
    plans_ = hub::v1::PlanService::NewStub(hub_->channel);
    providers_ = hub::v1::ProviderService::NewStub(hub_->channel);
    adapters::AdapterRegistry registry;
    ASSERT_TRUE(adapters::RegisterBuiltinAdapters(registry).ok());
    auto loaded = PlanAdapterSet::LoadProfileFile(RtfPlansDir() + "/molina/profile.textproto",
                                                  "molina", registry);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    molina_ = *std::move(loaded);
  }

  void TearDown() override {
    if (hub_ != nullptr) {
      EXPECT_TRUE(hub_->server->Shutdown(absl::Seconds(5)).ok());
    }
  }

  // Uploads molina's member file of `rows`; expects every row applied.
  void UploadMembers(const std::vector<hub::v1::AssignmentFileRow>& rows) {
    adapters::RenderOptions options;
    options.file_date = "2026-11-20";
    auto renderer = molina_->adapter->OpenRenderer(kMemberFileKind, options);
    ASSERT_TRUE(renderer.ok()) << renderer.status();
    std::string file;
    for (const auto& row : rows) ASSERT_TRUE((*renderer)->Add(row, file).ok());
    ASSERT_TRUE((*renderer)->Finish(file).ok());
    auto report = testing::UploadPlanFile(*hub_->channel, "molina", kMemberFileKind, file);
    ASSERT_TRUE(report.ok()) << report.status();
    ASSERT_EQ(report->outcome(), hub::v1::INGEST_OUTCOME_ACCEPTED) << report->DebugString();
  }

  // The first two members' files: kQuiet and kReferred with alpha_cbo,
  // kMover with charlie_fqhc at `mover_street`.
  void UploadCounty(const std::string& mover_street, const std::string& quiet_phone) {
    UploadMembers({MemberRow(kQuiet, testing::Npi("100000001"), "1 Oak St", quiet_phone),
                   MemberRow(kReferred, testing::Npi("100000001"), "2 Elm St", "6195550102"),
                   MemberRow(kMover, testing::Npi("100000003"), mover_street, "6195550103")});
  }

  hub::v1::SubmitResponse Submit(const std::string& provider_id,
                                 const std::vector<hub::v1::Submission>& records) {
    hub::v1::SubmitRequest request;
    request.set_provider_id(provider_id);
    for (const auto& r : records) *request.add_submissions() = r;
    hub::v1::SubmitResponse response;
    grpc::ClientContext context;
    const grpc::Status status = providers_->Submit(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // molina's RTF of `period`, read back with molina's parser, by CIN.
  std::map<std::string, ReturnTransmissionRow> Rtf(const std::string& period) {
    hub::v1::ExportFileRequest request;
    request.set_plan_id("molina");
    request.set_kind(kRtf);
    request.set_period(period);
    grpc::ClientContext context;
    auto reader = plans_->ExportFile(&context, request);
    std::string bytes;
    int64_t count = -1;
    hub::v1::ExportFileResponse response;
    while (reader->Read(&response)) {
      if (response.has_header()) count = response.header().record_count();
      bytes += response.chunk();
    }
    const grpc::Status status = reader->Finish();
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (count == 0) return {};  // The header line alone.
    adapters::testing::CanonicalRowCollector sink;
    EXPECT_TRUE(adapters::testing::ParseFile(*molina_->adapter, kRtf, bytes, sink, 4096).ok());
    EXPECT_TRUE(sink.errors.empty()) << sink.ErrorsText();
    std::map<std::string, ReturnTransmissionRow> rows;
    for (const auto& row : adapters::testing::RowsAs<ReturnTransmissionRow>(sink)) {
      EXPECT_TRUE(rows.emplace(row.member().cin(), row).second) << "two rows of one member";
    }
    EXPECT_EQ(count, static_cast<int64_t>(rows.size()));
    return rows;
  }

  std::unique_ptr<testing::TestHub> hub_;
  std::unique_ptr<hub::v1::PlanService::Stub> plans_;
  std::unique_ptr<hub::v1::ProviderService::Stub> providers_;
  std::unique_ptr<LoadedPlanProfile> molina_;
};

TEST_F(RtfExportTest, AMemberAssignedWithNoStatusStillGetsARow) {
  UploadCounty("3 Pine St", "6195550101");
  // alpha_cbo shares a care plan for kQuiet, never a status.
  hub::v1::Submission care_plan = testing::CarePlanRecord("cp-quiet", kQuiet, "2026-11-05");
  hub::v1::CareTeamMember* lead = care_plan.mutable_care_plan()->add_care_team();
  lead->set_name("Lee Manager");
  lead->set_role("Lead Care Manager");
  lead->set_phone("6195550177");
  hub::v1::SubmitResponse submitted = Submit("alpha_cbo", {care_plan});
  ASSERT_EQ(submitted.results_size(), 1);
  ASSERT_TRUE(submitted.results(0).has_accepted()) << submitted.DebugString();

  std::map<std::string, ReturnTransmissionRow> rows = Rtf("2026-11");
  // Every member the plan assigned has a row, though no provider reported a
  // status.
  ASSERT_EQ(rows.size(), 3u);
  const ReturnTransmissionRow& quiet = rows.at(kQuiet);
  EXPECT_EQ(quiet.provider().npi(), testing::Npi("100000001"));
  EXPECT_EQ(quiet.enrollment().status(), hub::v1::ENROLLMENT_STATUS_ASSIGNED);
  EXPECT_EQ(quiet.enrollment().enrollment_start_date(), "2026-02-01");
  EXPECT_EQ(quiet.member().name().last(), "Reyes");
  EXPECT_EQ(quiet.member().address().line1(), "1 Oak St");
  EXPECT_TRUE(quiet.pof_indicator());
  EXPECT_THAT(quiet.populations_of_focus(),
              ::testing::ElementsAre(hub::v1::POPULATION_OF_FOCUS_ADULT_SMI_SUD));
  // What the hub holds from the provider's care plan.
  EXPECT_EQ(quiet.enrollment().care_plan_revision_date(), "2026-11-05");
  EXPECT_EQ(quiet.enrollment().assessment_completed_date(), "2026-10-01");
  EXPECT_EQ(quiet.enrollment().lead_care_manager().name(), "Lee Manager");
  EXPECT_EQ(quiet.enrollment().in_person_encounters(), 0);
  EXPECT_EQ(quiet.reporting_period(), "2026-11");
  // charlie_fqhc's member too, with charlie_fqhc as the provider.
  EXPECT_EQ(rows.at(kMover).provider().npi(), testing::Npi("100000003"));
  // Before the ECM benefit began (February), nobody was assigned.
  EXPECT_TRUE(Rtf("2026-01").empty());
}

TEST_F(RtfExportTest, AnEcmReferralStatusAppearsOnTheAssignmentsRow) {
  UploadCounty("3 Pine St", "6195550101");
  // No authorization number: the status of the plan's ECM referral.
  hub::v1::Submission closed =
      testing::Referral("ecm-ref", kReferred, "2026-11-12", "", hub::v1::REFERRAL_STATUS_CLOSED);
  closed.mutable_referral_status()->set_closure_reason(
      hub::v1::LOOP_CLOSURE_REASON_SERVICE_RECEIVED);
  hub::v1::SubmitResponse submitted = Submit("alpha_cbo", {closed});
  ASSERT_EQ(submitted.results_size(), 1);
  ASSERT_TRUE(submitted.results(0).has_accepted()) << submitted.DebugString();
  // A provider the plan did not assign the member to cannot close the loop.
  hub::v1::Submission stranger = testing::Referral("ecm-ref-other", kReferred, "2026-11-12", "",
                                                   hub::v1::REFERRAL_STATUS_ACCEPTED);
  submitted = Submit("charlie_fqhc", {stranger});
  ASSERT_EQ(submitted.results_size(), 1);
  EXPECT_TRUE(submitted.results(0).has_rejected()) << submitted.DebugString();

  std::map<std::string, ReturnTransmissionRow> rows = Rtf("2026-11");
  const ReturnTransmissionRow& referred = rows.at(kReferred);
  EXPECT_EQ(referred.referral_status(), hub::v1::REFERRAL_STATUS_CLOSED);
  EXPECT_EQ(referred.referral_status_date(), "2026-11-12");
  EXPECT_EQ(referred.closure_reason(), hub::v1::LOOP_CLOSURE_REASON_SERVICE_RECEIVED);
  EXPECT_EQ(referred.authorization_number(), "");
  EXPECT_EQ(referred.provider().npi(), testing::Npi("100000001"));
  // The assignment's row carries it: one row for the member.
  EXPECT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows.at(kQuiet).referral_status(), hub::v1::REFERRAL_STATUS_UNSPECIFIED);
}

TEST_F(RtfExportTest, TheNewAddressAndPhoneIndicatorsFollowThePlansFiles) {
  UploadCounty("3 Pine St", "6195550101");
  std::map<std::string, ReturnTransmissionRow> first = Rtf("2026-11");
  // A first file is nobody's change.
  for (const auto& [cin, row] : first) {
    EXPECT_FALSE(row.new_address()) << cin;
    EXPECT_FALSE(row.new_phone()) << cin;
  }
  // The next file moves kMover and gives kQuiet a new phone.
  UploadCounty("99 Harbor Dr", "6195550199");
  std::map<std::string, ReturnTransmissionRow> second = Rtf("2026-11");
  EXPECT_TRUE(second.at(kMover).new_address());
  EXPECT_EQ(second.at(kMover).member().address().line1(), "99 Harbor Dr");
  EXPECT_FALSE(second.at(kMover).new_phone());
  EXPECT_TRUE(second.at(kQuiet).new_phone());
  EXPECT_EQ(second.at(kQuiet).member().phone(), "6195550199");
  EXPECT_FALSE(second.at(kQuiet).new_address());
  EXPECT_FALSE(second.at(kReferred).new_address());
  EXPECT_FALSE(second.at(kReferred).new_phone());
  // The change happened in November (the hub's day): October's RTF says N.
  std::map<std::string, ReturnTransmissionRow> october = Rtf("2026-10");
  EXPECT_FALSE(october.at(kMover).new_address());
  EXPECT_FALSE(october.at(kQuiet).new_phone());
  // The same file again changes nothing: the indicators stay as they are.
  UploadCounty("99 Harbor Dr", "6195550199");
  EXPECT_TRUE(Rtf("2026-11").at(kMover).new_address());
}

}  // namespace
}  // namespace hub
