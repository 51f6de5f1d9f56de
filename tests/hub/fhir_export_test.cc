// PlanService.ExportFile FILE_KIND_FHIR_BULK on a generated county: every
// plan uploads its member, authorization and quality files, every provider
// submits its day; each plan's FHIR export then holds exactly its own
// members (minimum necessary), its coverage only, one ATR Group per ECM
// provider covering every assignment, a ServiceRequest per authorization,
// references that resolve, and 42 CFR Part 2 care plans only under the
// member's consent. The hub's CodeSystem in docs/fhir/ matches the code.
//
// With HUB_FHIR_OUT=DIR the exports are also written there (one NDJSON per
// plan plus the CodeSystem) for tests/e2e/fhir_validate.js, the independent
// FHIR R4 JSON schema check (CTest fhir_export_validation).
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "base/civil_date.h"
#include "generator/county.h"
#include "generator/provider_day.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/cli/hubctl_export.h"
#include "hub/common/rpc_status.h"
#include "hub/reports/hub_code_system.h"
#include "hub/v1/consent.grpc.pb.h"
#include "hub/v1/plan_service.grpc.pb.h"
#include "hub/v1/provider_service.grpc.pb.h"
#include "tests/hub/county_test_util.h"
#include "tests/hub/hub_test_util.h"

#ifndef HUB_SOURCE_DIR
#error "HUB_SOURCE_DIR must name the repository root"
#endif

namespace hub {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

struct FhirExport {
  grpc::Status status;
  hub::v1::ExportFileHeader header;
  std::string bytes;
  std::vector<Struct> resources;
  // resourceType -> id -> resource.
  std::map<std::string, std::map<std::string, Struct>> by_type;
};

const Value& Field(const Struct& s, const std::string& name) {
  static const Value* const kNull = new Value();
  auto it = s.fields().find(name);
  return it == s.fields().end() ? *kNull : it->second;
}
std::string Str(const Struct& s, const std::string& name) { return Field(s, name).string_value(); }
std::string Ref(const Struct& s, const std::string& name) {
  return Str(Field(s, name).struct_value(), "reference");
}

class FhirExportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto county = testing::MakeSanDiegoCounty(20261206, 500);
    ASSERT_TRUE(county.ok()) << county.status();
    county_ = county->release();
    hub_ = testing::StartTestHub(
               testing::ReadFile(testing::Source("demo/san_diego/directory.textproto")))
               .release();
    ASSERT_NE(hub_, nullptr);
    auto files = testing::UploadCountyPlanFiles(
        *county_, *hub_->channel,
        {hub::v1::FILE_KIND_MEMBER_ASSIGNMENT, hub::v1::FILE_KIND_CS_AUTHORIZATION,
         hub::v1::FILE_KIND_QUALITY_REPORT});
    ASSERT_TRUE(files.ok()) << files.status();
    for (const auto& [plan, reports] : files->reports) {
      for (const hub::v1::IngestReport& report : reports) {
        ASSERT_EQ(report.rows_rejected(), 0) << plan;
      }
    }
    auto day = testing::CountyDay(*county_, *files, "2026-11-23", 0);
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

  static FhirExport Export(const std::string& plan_id) {
    FhirExport out;
    auto stub = hub::v1::PlanService::NewStub(hub_->channel);
    grpc::ClientContext context;
    hub::v1::ExportFileRequest request;
    request.set_plan_id(plan_id);
    request.set_kind(hub::v1::FILE_KIND_FHIR_BULK);
    auto reader = stub->ExportFile(&context, request);
    hub::v1::ExportFileResponse response;
    while (reader->Read(&response)) {
      if (response.has_header()) out.header = response.header();
      if (response.has_chunk()) out.bytes += response.chunk();
    }
    out.status = reader->Finish();
    for (absl::string_view line : absl::StrSplit(out.bytes, '\n', absl::SkipEmpty())) {
      Struct resource;
      auto parsed = google::protobuf::util::JsonStringToMessage(
          google::protobuf::StringPiece(line.data(), line.size()), &resource);
      EXPECT_TRUE(parsed.ok()) << parsed.ToString();
      out.by_type[Str(resource, "resourceType")][Str(resource, "id")] = resource;
      out.resources.push_back(std::move(resource));
    }
    return out;
  }

  static const std::vector<generator::GeneratedMember>& Members() {
    static const std::vector<generator::GeneratedMember>* const members = [] {
      auto* all = new std::vector<generator::GeneratedMember>();
      for (int64_t i = 0; i < county_->member_count(); ++i) all->push_back(county_->Member(i));
      return all;
    }();
    return *members;
  }

  // The CINs the plan sent an ECM assignment or CS authorization for.
  static std::set<std::string> PlanMembers(const std::string& plan_id) {
    std::set<std::string> cins;
    for (const generator::GeneratedMember& m : Members()) {
      for (const generator::Enrollment& e : m.enrollments) {
        if (e.plan_id == plan_id && (e.has_ecm || !e.authorizations.empty())) {
          cins.insert(m.member().cin());
        }
      }
    }
    return cins;
  }

  static generator::County* county_;
  static testing::TestHub* hub_;
};

generator::County* FhirExportTest::county_ = nullptr;
testing::TestHub* FhirExportTest::hub_ = nullptr;

TEST_F(FhirExportTest, EachPlanExportsExactlyItsOwnMembersWithResolvableReferences) {
  const char* out_dir = std::getenv("HUB_FHIR_OUT");
  for (const hub::v1::Plan& plan : county_->options().directory.plans()) {
    SCOPED_TRACE(plan.plan_id());
    FhirExport e = Export(plan.plan_id());
    ASSERT_TRUE(e.status.ok()) << e.status.error_message();
    EXPECT_EQ(e.header.file_name(), absl::StrCat(plan.plan_id(), "_fhir_2026-11-23.ndjson"));
    EXPECT_EQ(e.header.record_count(), static_cast<int64_t>(e.resources.size()));
    if (out_dir != nullptr) {
      testing::WriteFile(absl::StrCat(out_dir, "/", plan.plan_id(), ".ndjson"), e.bytes);
    }
    // Minimum necessary: the Patients are exactly the plan's members.
    std::set<std::string> patients;
    for (const auto& [id, patient] : e.by_type["Patient"]) patients.insert(id.substr(3));
    EXPECT_EQ(patients, PlanMembers(plan.plan_id()));
    EXPECT_FALSE(patients.empty());
    // Every Coverage is with this plan; every identifier system is this plan's
    // or the CIN's (no other plan's member id).
    for (const auto& [id, coverage] : e.by_type["Coverage"]) {
      EXPECT_EQ(
          Str(Field(coverage, "payor").list_value().values(0).struct_value(), "reference"),
          absl::StrCat("Organization/plan-", absl::StrReplaceAll(plan.plan_id(), {{"_", "-"}})));
    }
    for (const auto& [id, patient] : e.by_type["Patient"]) {
      for (const Value& identifier : Field(patient, "identifier").list_value().values()) {
        const std::string system = Str(identifier.struct_value(), "system");
        EXPECT_TRUE(absl::EndsWith(system, "/medi-cal-cin") ||
                    absl::EndsWith(system, absl::StrReplaceAll(plan.plan_id(), {{"_", "-"}})))
            << system;
      }
    }
    // One ATR Group per ECM provider; together they hold every assignment.
    int64_t attributed = 0;
    std::set<std::string> ecm_members;
    for (const auto& [id, group] : e.by_type["Group"]) {
      const auto& members = Field(group, "member").list_value().values();
      attributed += members.size();
      EXPECT_EQ(Field(group, "quantity").number_value(), members.size());
      for (const Value& m : members) ecm_members.insert(Ref(m.struct_value(), "entity").substr(11));
    }
    std::set<std::string> expected_ecm;
    for (const generator::GeneratedMember& m : Members()) {
      for (const generator::Enrollment& en : m.enrollments) {
        if (en.plan_id == plan.plan_id() && en.has_ecm) expected_ecm.insert(m.member().cin());
      }
    }
    EXPECT_EQ(ecm_members, expected_ecm);
    EXPECT_GE(attributed, static_cast<int64_t>(expected_ecm.size()));
    // A ServiceRequest per authorization, a Task focused on each.
    size_t authorizations = 0;
    for (const generator::GeneratedMember& m : Members()) {
      for (const generator::Enrollment& en : m.enrollments) {
        if (en.plan_id == plan.plan_id()) authorizations += en.authorizations.size();
      }
    }
    EXPECT_EQ(e.by_type["ServiceRequest"].size(), authorizations);
    for (const auto& [id, task] : e.by_type["Task"]) {
      EXPECT_TRUE(e.by_type["ServiceRequest"].contains(Ref(task, "focus").substr(15)));
    }
    // Every reference "Type/id" points at a resource of the export.
    std::function<void(const Value&)> check = [&](const Value& v) {
      if (v.has_struct_value()) {
        for (const auto& [key, field] : v.struct_value().fields()) {
          if (key == "reference") {
            const std::vector<std::string> parts = absl::StrSplit(field.string_value(), '/');
            ASSERT_EQ(parts.size(), 2u) << field.string_value();
            EXPECT_TRUE(e.by_type[parts[0]].contains(parts[1])) << field.string_value();
          } else {
            check(field);
          }
        }
      } else if (v.has_list_value()) {
        for (const Value& item : v.list_value().values()) check(item);
      }
    };
    for (const Struct& resource : e.resources) {
      Value v;
      *v.mutable_struct_value() = resource;
      check(v);
      EXPECT_EQ(
          Field(resource, "meta").struct_value().fields().at("profile").list_value().values_size(),
          1);
    }
  }
  if (out_dir != nullptr) {
    testing::WriteFile(absl::StrCat(out_dir, "/CodeSystem-county-hub.json"),
                       fhir::HubCodeSystemJson(fhir::kDefaultFhirBaseUrl) + "\n");
  }
}

TEST_F(FhirExportTest, EveryResourceTypeIsExportedSomewhere) {
  std::map<std::string, int64_t> counts;
  for (const hub::v1::Plan& plan : county_->options().directory.plans()) {
    FhirExport e = Export(plan.plan_id());
    ASSERT_TRUE(e.status.ok()) << e.status.error_message();
    for (const auto& [type, resources] : e.by_type) counts[type] += resources.size();
  }
  for (const char* type : {"Organization", "Patient", "Coverage", "Group", "CarePlan",
                           "ServiceRequest", "Task", "MeasureReport"}) {
    EXPECT_GT(counts[type], 0) << type;
  }
}

// 42 CFR Part 2: a care plan flagged substance_use_disorder is withheld
// (counted) until the member consents to disclosing it to the plan; then it
// is exported with the Part 2 security labels and the re-disclosure notice.
TEST_F(FhirExportTest, Part2CarePlansFollowTheMembersConsent) {
  // One of the day's accepted care plans, resubmitted as a Part 2 record.
  generator::DaySubmission day_plan;
  generator::ProviderDayOptions day;
  day.day = *CivilDate::ParseIso("2026-11-23");
  day.error_rate = 0;
  ASSERT_TRUE(
      generator::ProviderDaySubmissions(*county_, day, [&](const generator::DaySubmission& s) {
        if (day_plan.provider_id.empty() && s.submission.has_care_plan() &&
            s.expected_reason.empty()) {
          day_plan = s;
        }
        return absl::OkStatus();
      }).ok());
  ASSERT_FALSE(day_plan.provider_id.empty());
  const std::string cin = day_plan.submission.care_plan().cin();
  hub::v1::SubmitRequest submit;
  submit.set_provider_id(day_plan.provider_id);
  hub::v1::Submission* part2 = submit.add_submissions();
  *part2 = day_plan.submission;
  part2->set_idempotency_key(absl::StrCat(part2->idempotency_key(), "-part2"));
  part2->set_substance_use_disorder(true);
  auto providers = hub::v1::ProviderService::NewStub(hub_->channel);
  hub::v1::SubmitResponse submitted;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(providers->Submit(&context, submit, &submitted).ok());
  }
  ASSERT_TRUE(submitted.results(0).has_accepted()) << submitted.ShortDebugString();
  const std::string plan_id = submitted.results(0).accepted().plan_id();
  const std::string subject = absl::StrCat("Patient/mc-", cin);

  FhirExport before = Export(plan_id);
  ASSERT_TRUE(before.status.ok());
  EXPECT_GE(before.header.part2_withheld_count(), 1);
  EXPECT_TRUE(before.header.redisclosure_notice().empty());
  EXPECT_THAT(before.bytes, ::testing::Not(::testing::HasSubstr("42CFRPart2")));
  for (const auto& [id, care_plan] : before.by_type["CarePlan"]) {
    EXPECT_NE(Ref(care_plan, "subject"), subject);
  }

  auto consents = hub::v1::ConsentService::NewStub(hub_->channel);
  hub::v1::RecordConsentRequest record;
  record.set_provider_id(day_plan.provider_id);
  hub::v1::Consent* consent = record.mutable_consent();
  consent->set_member_cin(cin);
  consent->set_discloser_provider_id(day_plan.provider_id);
  consent->set_recipient_plan_id(plan_id);
  consent->add_purposes(hub::v1::CONSENT_PURPOSE_CARE_COORDINATION);
  consent->set_signed_date("2026-11-20");
  consent->set_expiration_date("2027-11-19");
  hub::v1::RecordConsentResponse recorded;
  {
    grpc::ClientContext context;
    grpc::Status status = consents->RecordConsent(&context, record, &recorded);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  FhirExport after = Export(plan_id);
  ASSERT_TRUE(after.status.ok());
  EXPECT_EQ(after.header.part2_withheld_count(), before.header.part2_withheld_count() - 1);
  EXPECT_FALSE(after.header.redisclosure_notice().empty());
  int labelled = 0;
  for (const auto& [id, care_plan] : after.by_type["CarePlan"]) {
    if (Ref(care_plan, "subject") != subject) continue;
    const auto& security = Field(Field(care_plan, "meta").struct_value(), "security");
    ASSERT_EQ(security.list_value().values_size(), 2);
    EXPECT_EQ(Str(security.list_value().values(0).struct_value(), "code"), "42CFRPart2");
    ++labelled;
  }
  EXPECT_EQ(labelled, 1);
  // Another plan's export never carries it.
  for (const hub::v1::Plan& plan : county_->options().directory.plans()) {
    if (plan.plan_id() == plan_id) continue;
    FhirExport other = Export(plan.plan_id());
    EXPECT_THAT(other.bytes, ::testing::Not(::testing::HasSubstr("42CFRPart2")));
  }
}

TEST_F(FhirExportTest, RequestsOutsideTheContractAreRefused) {
  auto stub = hub::v1::PlanService::NewStub(hub_->channel);
  hub::v1::ExportFileRequest request;
  request.set_plan_id("molina");
  request.set_kind(hub::v1::FILE_KIND_FHIR_BULK);
  request.set_period("2026-11");
  grpc::ClientContext context;
  auto reader = stub->ExportFile(&context, request);
  hub::v1::ExportFileResponse response;
  EXPECT_FALSE(reader->Read(&response));
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("leave period empty"));
  request.set_period("");
  request.set_plan_id("no_such_plan");
  grpc::ClientContext context2;
  auto reader2 = stub->ExportFile(&context2, request);
  EXPECT_FALSE(reader2->Read(&response));
  EXPECT_EQ(reader2->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
}

// hubctl export --fhir: the hub's NDJSON becomes the Bulk Data layout.
TEST(FhirBulkSplitTest, OneFilePerTypeAndAManifest) {
  const std::string dir = testing::MakeTempDir();
  const std::string file = absl::StrCat(dir, "/molina_fhir_2026-11-23.ndjson");
  testing::WriteFile(file,
                     "{\"resourceType\":\"Patient\",\"id\":\"a\"}\n"
                     "{\"resourceType\":\"Group\",\"id\":\"g\"}\n"
                     "{\"resourceType\":\"Patient\",\"id\":\"b\"}\n");
  absl::StatusOr<std::string> folder = SplitFhirBulkExport(file, "test");
  ASSERT_TRUE(folder.ok()) << folder.status();
  EXPECT_EQ(*folder, absl::StrCat(dir, "/molina_fhir_2026-11-23"));
  EXPECT_EQ(testing::ReadFile(*folder + "/Patient.ndjson"),
            "{\"resourceType\":\"Patient\",\"id\":\"a\"}\n"
            "{\"resourceType\":\"Patient\",\"id\":\"b\"}\n");
  EXPECT_EQ(testing::ReadFile(*folder + "/Group.ndjson"),
            "{\"resourceType\":\"Group\",\"id\":\"g\"}\n");
  Struct manifest;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  testing::ReadFile(*folder + "/manifest.json"), &manifest)
                  .ok());
  const auto& output = Field(manifest, "output").list_value();
  ASSERT_EQ(output.values_size(), 2);
  EXPECT_EQ(Str(output.values(1).struct_value(), "type"), "Patient");
  EXPECT_EQ(Field(output.values(1).struct_value(), "count").number_value(), 2);
  EXPECT_FALSE(std::filesystem::exists(file));
  // A line that is not a resource is refused.
  testing::WriteFile(file, "{\"resourceType\":\"../x\"}\n");
  EXPECT_EQ(SplitFhirBulkExport(file, "test").status().code(), absl::StatusCode::kDataLoss);
}

TEST(HubCodeSystemTest, ThePublishedCodeSystemMatchesTheContract) {
  const std::string published =
      testing::ReadFile(testing::Source("docs/fhir/CodeSystem-county-hub.json"));
  EXPECT_EQ(published, fhir::HubCodeSystemJson(fhir::kDefaultFhirBaseUrl) + "\n")
      << "regenerate docs/fhir/CodeSystem-county-hub.json: run hub_tests with "
         "HUB_FHIR_OUT=DIR --gtest_filter=FhirExportTest.* and copy "
         "DIR/CodeSystem-county-hub.json";
  EXPECT_EQ(fhir::HubCode(hub::v1::PopulationOfFocus_descriptor(),
                          hub::v1::POPULATION_OF_FOCUS_ADULT_SMI_SUD),
            "pof-adult-smi-sud");
  EXPECT_EQ(fhir::HubCode(hub::v1::CommunitySupport_descriptor(),
                          hub::v1::COMMUNITY_SUPPORT_MEDICALLY_TAILORED_MEALS),
            "cs-medically-tailored-meals");
  EXPECT_EQ(fhir::HubCode(hub::v1::CommunitySupport_descriptor(), 0), "");
}

}  // namespace
}  // namespace hub
