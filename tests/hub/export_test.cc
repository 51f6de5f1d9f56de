// PlanService.ExportFile end to end: providers submit records for two plans
// through ProviderService.Submit; each plan's RTF, OTF, invoice file and
// 837P hold only its own records of the period, in its own layout (read
// back with the plan's own adapter), 837P envelopes and control numbers are
// right and durable across a hub restart; errors; hubctl export.

#include <google/protobuf/text_format.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "adapters/readers/x12_reader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/common/plan_adapters.h"
#include "hub/server/server.h"
#include "hub/submit/submit_pipeline.h"
#include "hub/v1/audit.grpc.pb.h"
#include "hub/v1/consent.grpc.pb.h"
#include "hub/v1/monitor_service.grpc.pb.h"
#include "hub/v1/plan_service.grpc.pb.h"
#include "hub/v1/provider_service.grpc.pb.h"
#include "storage/care_store.h"
#include "storage/coverage_index.h"
#include "storage/directory_store.h"
#include "storage/member_store.h"
#include "storage/store.h"
#include "tests/adapters/export_test_util.h"
#include "tests/hub/hub_test_util.h"
#include "tests/hub/submit_test_env.h"

#ifndef HUBCTL_PATH
#error "HUBCTL_PATH must name the hubctl binary"
#endif

namespace hub::testing {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// Members. A1, A2: molina. B1: chg. S: molina until 2026-09-30, then chg.
// C1: chg, served by india_care (no address on file).
constexpr char kA1[] = "10000001A";
constexpr char kA2[] = "10000002B";
constexpr char kB1[] = "10000003C";
constexpr char kS[] = "10000004D";
constexpr char kC1[] = "10000005E";
// P: molina, served by juliet_recovery, a 42 CFR Part 2 program.
constexpr char kP[] = "10000006F";
// D: bare (which bills ECM on the 837P), served by india_care.
constexpr char kD[] = "10000007G";

// What a member's record says, for "minimum necessary" checks.
constexpr char kA1Street[] = "1234 Market St";
constexpr char kA1Birth[] = "1980-04-12";

struct ExportCall {
  grpc::Status status;
  bool header_first = false;
  std::string file_name;
  int64_t record_count = -1;
  int64_t part2_withheld = -1;
  std::string redisclosure_notice;
  hub::v1::BillingSummary billing;
  std::string bytes;
  int chunks = 0;
  size_t largest_chunk = 0;
};

hub::v1::Submission Enrollment(std::string_view key, std::string_view cin, std::string_view as_of,
                               hub::v1::EnrollmentStatus status) {
  hub::v1::Submission s;
  s.set_idempotency_key(std::string(key));
  auto* e = s.mutable_enrollment_status();
  e->set_cin(std::string(cin));
  e->set_as_of_date(std::string(as_of));
  e->set_status(status);
  e->set_acuity(hub::v1::ACUITY_MEDIUM);
  e->set_enrollment_start_date("2026-01-01");
  return s;
}

hub::v1::Submission Invoice(std::string_view key, std::string_view cin, std::string_view date,
                            std::string_view number, int line) {
  hub::v1::Submission s;
  s.set_idempotency_key(std::string(key));
  auto* r = s.mutable_invoice_line();
  r->set_invoice_number(std::string(number));
  r->set_line_number(line);
  r->set_cin(std::string(cin));
  r->set_service_date(std::string(date));
  r->set_hcpcs_code("G9008");
  r->add_modifiers("U1");
  r->set_units(1);
  r->set_charge_cents(12500);
  return s;
}

hub::v1::Provider MakeProvider(const std::string& id, std::string_view nine_digits,
                               const std::vector<std::pair<std::string, bool>>& plans,
                               bool with_address) {
  hub::v1::Provider p;
  p.set_provider_id(id);
  p.set_npi(Npi(nine_digits));
  p.set_tin("123456789");
  p.set_name(absl::StrCat("Provider ", id));
  p.set_phone("6195550142");
  p.set_provider_type(hub::v1::PROVIDER_TYPE_CBO);
  p.add_kinds(hub::v1::PROVIDER_KIND_ECM);
  p.add_kinds(hub::v1::PROVIDER_KIND_CS);
  p.add_community_supports(hub::v1::COMMUNITY_SUPPORT_MEDICALLY_TAILORED_MEALS);
  for (const auto& [plan, cs] : plans) {
    auto* c = p.add_contracts();
    c->set_plan_id(plan);
    c->add_kinds(hub::v1::PROVIDER_KIND_ECM);
    if (cs) c->add_kinds(hub::v1::PROVIDER_KIND_CS);
  }
  if (with_address) {
    auto* a = p.mutable_address();
    a->set_line1("500 Broadway");
    a->set_city("San Diego");
    a->set_state("CA");
    a->set_zip("92101-1234");
    p.set_taxonomy_code("171M00000X");
  }
  return p;
}

// The value of every segment of an X12 file, split into elements.
std::vector<std::vector<std::string>> Segments(const std::string& x12) {
  std::vector<std::vector<std::string>> out;
  for (absl::string_view segment : absl::StrSplit(x12, '~', absl::SkipWhitespace())) {
    segment = absl::StripAsciiWhitespace(segment);
    if (segment.empty()) continue;
    out.push_back(absl::StrSplit(segment, '*'));
  }
  return out;
}

std::vector<std::string> SegmentValues(const std::string& x12, std::string_view id,
                                       size_t element) {
  std::vector<std::string> values;
  for (const auto& s : Segments(x12)) {
    if (s[0] == id) values.push_back(element < s.size() ? s[element] : "");
  }
  return values;
}

// The 837P without its envelope (ISA, GS, BHT, GE, IEA): what a re-export
// must repeat exactly.
std::string ClaimsContent(const std::string& x12) {
  std::string out;
  for (const auto& s : Segments(x12)) {
    if (s[0] == "ISA" || s[0] == "GS" || s[0] == "BHT" || s[0] == "GE" || s[0] == "IEA") continue;
    absl::StrAppend(&out, absl::StrJoin(s, "*"), "~\n");
  }
  return out;
}

// Checks the envelope with the shared X12 reader (SE01 counts, ISA13 ==
// IEA02, GS06 == GE02, ST02 == SE02) and counts transaction sets.
class CountingHandler : public adapters::X12Handler {
 public:
  absl::Status OnTransactionSetStart(const adapters::X12TransactionSet& set) override {
    ++sets;
    interchange = set.interchange_control_number;
    group = set.group_control_number;
    return absl::OkStatus();
  }
  absl::Status OnSegment(const adapters::X12Segment& segment) override {
    if (segment.id() == "CLM") ++claims;
    return absl::OkStatus();
  }
  absl::Status OnTransactionSetEnd(const adapters::X12TransactionSet&) override {
    return absl::OkStatus();
  }
  int sets = 0;
  int claims = 0;
  std::string interchange;
  std::string group;
};

// hubctl (HUBCTL_PATH) with `args`: its exit code and output.
CommandResult RunHubctl(const std::string& args) {
  return RunCommand(absl::StrCat("env -u HUB_SERVER ", HUBCTL_PATH, " ", args));
}

// Uploads an answer file as plan `plan_id` (PlanService.UploadFile).
hub::v1::IngestReport UploadAnswer(hub::v1::PlanService::Stub& plans, hub::v1::FileKind kind,
                                   const std::string& bytes,
                                   const std::string& plan_id = "molina") {
  grpc::ClientContext context;
  hub::v1::UploadFileResponse response;
  auto writer = plans.UploadFile(&context, &response);
  hub::v1::UploadFileRequest request;
  request.mutable_header()->set_plan_id(plan_id);
  request.mutable_header()->set_file_kind(kind);
  request.mutable_header()->set_file_name("answer.x12");
  EXPECT_TRUE(writer->Write(request));
  request.Clear();
  request.set_chunk(bytes);
  EXPECT_TRUE(writer->Write(request));
  writer->WritesDone();
  const grpc::Status status = writer->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.report();
}

class ExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = MakeTempDir();
    data_dir_ = root_ + "/data";
    profiles_dir_ = root_ + "/profiles";
    WriteProfiles();
    SeedStore();
    StartHub();
  }

  void TearDown() override { StopHub(); }

  // molina and community_health_group as shipped, and "bare": a plan that
  // only sends member files (no export layouts).
  void WriteProfiles() {
    namespace fs = std::filesystem;
    const fs::path source = fs::path(HUB_SOURCE_DIR) / "adapters" / "plans";
    for (const char* name : {"molina", "community_health_group"}) {
      fs::create_directories(fs::path(profiles_dir_) / name);
      fs::copy_file(source / name / "profile.textproto",
                    fs::path(profiles_dir_) / name / "profile.textproto");
    }
    absl::StatusOr<hub::v1::PlanProfile> molina = adapters::testing::LoadPlanProfile("molina");
    ASSERT_TRUE(molina.ok()) << molina.status();
    hub::v1::PlanProfile bare = *molina;
    bare.set_name("bare");
    bare.clear_layouts();
    for (const auto& layout : molina->layouts()) {
      if (layout.kind() == hub::v1::FILE_KIND_MEMBER_ASSIGNMENT) *bare.add_layouts() = layout;
    }
    std::string text;
    ASSERT_TRUE(google::protobuf::TextFormat::PrintToString(bare, &text));
    fs::create_directories(fs::path(profiles_dir_) / "bare");
    WriteFile(profiles_dir_ + "/bare/profile.textproto", text);
  }

  void SeedStore() {
    storage::StoreOptions options;
    options.data_dir = data_dir_;
    options.block_cache_bytes = 8u << 20;
    absl::StatusOr<std::unique_ptr<storage::Store>> opened = storage::Store::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    storage::Store& store = **opened;
    storage::DirectoryStore directory(&store);
    auto plan = [&](const std::string& id, const std::string& name, const std::string& code,
                    const std::string& profile) {
      hub::v1::Plan p;
      p.set_plan_id(id);
      p.set_name(name);
      p.set_county("San Diego");
      p.set_dhcs_plan_code(code);
      p.set_adapter_profile(profile);
      ASSERT_TRUE(directory.CreatePlan(p).ok());
    };
    plan("molina", "Molina Healthcare of California", "MOL01", "molina");
    plan("chg", "Community Health Group", "CHG01", "community_health_group");
    plan("bare", "Bare Plan", "BARE01", "bare");
    ASSERT_TRUE(
        directory
            .CreateProvider(MakeProvider("golf_network", "100000007",
                                         {{"molina", true}, {"chg", true}, {"bare", false}}, true))
            .ok());
    ASSERT_TRUE(
        directory
            .CreateProvider(MakeProvider("hotel_health", "100000008", {{"molina", false}}, true))
            .ok());
    ASSERT_TRUE(directory
                    .CreateProvider(MakeProvider("india_care", "100000009",
                                                 {{"chg", false}, {"bare", false}}, false))
                    .ok());
    hub::v1::Provider part2 =
        MakeProvider("juliet_recovery", "100000010", {{"molina", false}}, true);
    part2.set_part2_program(true);
    ASSERT_TRUE(directory.CreateProvider(part2).ok());

    storage::MemberStore members(&store);
    storage::CoverageIndex coverage(&store);
    storage::CareStore care(&store);
    storage::WriteBatch batch;
    auto member = [&](const char* cin, const char* first, const char* last) {
      hub::v1::Member m;
      m.set_cin(cin);
      m.mutable_name()->set_first(first);
      m.mutable_name()->set_last(last);
      m.set_date_of_birth(kA1Birth);
      m.set_sex(hub::v1::SEX_FEMALE);
      m.mutable_address()->set_line1(kA1Street);
      m.mutable_address()->set_city("San Diego");
      m.mutable_address()->set_state("CA");
      m.mutable_address()->set_zip("92101");
      m.set_phone("6195550100");
      members.Put(batch, m);
    };
    auto covered = [&](const char* cin, const char* plan_id, const char* start, const char* end) {
      hub::v1::Coverage c;
      c.set_cin(cin);
      c.set_plan_id(plan_id);
      c.set_start_date(start);
      c.set_end_date(end);
      coverage.Put(batch, c);
    };
    auto assigned = [&](const char* cin, const char* plan_id, const char* provider,
                        const char* start, const char* end) {
      hub::v1::Assignment a;
      a.set_cin(cin);
      a.set_plan_id(plan_id);
      a.set_provider_id(provider);
      a.add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_ADULT_INDIVIDUAL_HOMELESSNESS);
      a.set_benefit_start_date(start);
      a.set_benefit_end_date(end);
      a.set_status(hub::v1::ENROLLMENT_STATUS_ENROLLED);
      care.PutAssignment(batch, a);
    };
    member(kA1, "Ana", "Alvarez");
    member(kB1, "Cruz", "Castro");
    member(kS, "Dana", "Diaz");
    member(kC1, "Eli", "Evans");
    member(kP, "Fay", "Flores");
    member(kD, "Gil", "Garcia");
    {
      // A2 has no residence on file (experiencing homelessness).
      hub::v1::Member homeless;
      homeless.set_cin(kA2);
      homeless.mutable_name()->set_first("Ben");
      homeless.mutable_name()->set_last("Brown");
      homeless.set_date_of_birth("1970-02-02");
      homeless.set_sex(hub::v1::SEX_MALE);
      homeless.set_experiencing_homelessness(true);
      members.Put(batch, homeless);
    }
    covered(kA1, "molina", "2026-01-01", "");
    covered(kA2, "molina", "2026-01-01", "");
    covered(kB1, "chg", "2026-01-01", "");
    covered(kS, "molina", "2026-01-01", "2026-09-30");
    covered(kS, "chg", "2026-10-01", "");
    covered(kC1, "chg", "2026-01-01", "");
    covered(kP, "molina", "2026-01-01", "");
    covered(kD, "bare", "2026-01-01", "");
    assigned(kA1, "molina", "golf_network", "2026-01-01", "");
    assigned(kA2, "molina", "hotel_health", "2026-01-01", "");
    assigned(kB1, "chg", "golf_network", "2026-01-01", "");
    assigned(kS, "molina", "golf_network", "2026-01-01", "2026-09-30");
    assigned(kS, "chg", "golf_network", "2026-10-01", "");
    assigned(kC1, "chg", "india_care", "2026-01-01", "");
    assigned(kP, "molina", "juliet_recovery", "2026-01-01", "");
    assigned(kD, "bare", "india_care", "2026-01-01", "");
    hub::v1::Authorization auth = MakeAuthorization(
        "MOL-77", kA1, "molina", "golf_network",
        hub::v1::COMMUNITY_SUPPORT_MEDICALLY_TAILORED_MEALS, 20, "2026-11-01", "2027-01-31");
    ASSERT_TRUE(care.PutAuthorization(batch, auth).ok());
    ASSERT_TRUE(store.Commit(batch, storage::Durability::kSync).ok());
    ASSERT_TRUE(store.Close().ok());
  }

  void StartHub() {
    HubServer::Options options;
    options.listen_address = "127.0.0.1:0";
    options.data_dir = data_dir_;
    options.profiles_dir = profiles_dir_;
    options.clock = [] { return FixedTime(); };
    absl::StatusOr<std::unique_ptr<HubServer>> server = HubServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    address_ = absl::StrCat("127.0.0.1:", server_->port());
    channel_ = grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
    plans_ = hub::v1::PlanService::NewStub(channel_);
    providers_ = hub::v1::ProviderService::NewStub(channel_);
  }

  void StopHub() {
    plans_.reset();
    providers_.reset();
    channel_.reset();
    if (server_ != nullptr) {
      EXPECT_TRUE(server_->Shutdown(absl::Seconds(5)).ok());
      server_.reset();
    }
  }

  // Submits and expects every record accepted; returns their record ids.
  std::vector<std::string> SubmitAll(const std::string& provider_id,
                                     const std::vector<hub::v1::Submission>& records) {
    hub::v1::SubmitRequest request;
    request.set_provider_id(provider_id);
    for (const auto& r : records) *request.add_submissions() = r;
    hub::v1::SubmitResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    grpc::Status status = providers_->Submit(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> ids;
    for (int i = 0; i < response.results_size(); ++i) {
      const auto& result = response.results(i);
      EXPECT_TRUE(result.has_accepted()) << records[static_cast<size_t>(i)].idempotency_key()
                                         << ": " << result.rejected().reason_code() << " "
                                         << result.rejected().bad_request().DebugString();
      ids.push_back(result.accepted().record_id());
      record_ids_[records[static_cast<size_t>(i)].idempotency_key()] =
          result.accepted().record_id();
    }
    return ids;
  }

  // The scenario most tests export from.
  void SubmitScenario() {
    hub::v1::Submission cs = CsService("cs-a1", kA1, "2026-11-04", "MOL-77", "S5170", {"U6"}, 2);
    hub::v1::Submission e_a1_nov =
        Enrollment("e-a1-nov", kA1, "2026-11-20", hub::v1::ENROLLMENT_STATUS_ENROLLED);
    {
      auto* e = e_a1_nov.mutable_enrollment_status();
      e->set_acuity(hub::v1::ACUITY_HIGH);
      e->set_enrollment_start_date("2026-11-01");
      e->mutable_lead_care_manager()->set_name("Lee Care");
      e->mutable_lead_care_manager()->set_phone("6195550111");
      e->set_in_person_encounters(3);
      e->set_telephonic_encounters(2);
      e->set_last_encounter_date("2026-11-19");
      e->set_new_phone("6195550199");
    }
    hub::v1::Submission e_a1_oct =
        Enrollment("e-a1-oct", kA1, "2026-10-31", hub::v1::ENROLLMENT_STATUS_OUTREACH);
    e_a1_oct.mutable_enrollment_status()->set_in_person_encounters(1);
    hub::v1::Submission e_a2 =
        Enrollment("e-a2", kA2, "2026-09-30", hub::v1::ENROLLMENT_STATUS_DISCONTINUED);
    {
      auto* d = e_a2.mutable_enrollment_status()->mutable_discontinuation();
      d->set_date("2026-09-30");
      d->set_dhcs_code(1);
    }
    SubmitAll(
        "golf_network",
        {EcmOutreach("o-a1-nov", kA1, "2026-11-03"), EcmOutreach("o-a1-oct", kA1, "2026-10-15"),
         EcmOutreach("o-b1-nov", kB1, "2026-11-05"), EcmOutreach("o-s-sep", kS, "2026-09-10"),
         EcmOutreach("o-s-nov", kS, "2026-11-07"), EcmService("s-a1-1", kA1, "2026-11-02"),
         EcmService("s-a1-2", kA1, "2026-11-02", {"U2"}), EcmService("s-a1-3", kA1, "2026-11-12"),
         EcmService("s-a1-oct", kA1, "2026-10-20"), EcmService("s-b1", kB1, "2026-11-06"), cs,
         e_a1_oct, e_a1_nov,
         Referral("r-a1", kA1, "2026-11-10", "MOL-77", hub::v1::REFERRAL_STATUS_ACCEPTED),
         Enrollment("e-b1", kB1, "2026-11-15", hub::v1::ENROLLMENT_STATUS_ENROLLED),
         Enrollment("e-s-sep", kS, "2026-09-15", hub::v1::ENROLLMENT_STATUS_ENROLLED),
         Invoice("inv-a1", kA1, "2026-11-02", "INV-100", 1),
         Invoice("inv-a1-oct", kA1, "2026-10-28", "INV-099", 1),
         Invoice("inv-b1", kB1, "2026-11-06", "INV-200", 1)});
    SubmitAll("hotel_health", {EcmOutreach("o-a2", kA2, "2026-11-04"), e_a2,
                               EcmService("s-a2", kA2, "2026-11-09")});
  }

  ExportCall Export(const std::string& plan_id, hub::v1::FileKind kind, const std::string& period) {
    hub::v1::ExportFileRequest request;
    request.set_plan_id(plan_id);
    request.set_kind(kind);
    request.set_period(period);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    std::unique_ptr<grpc::ClientReader<hub::v1::ExportFileResponse>> reader =
        plans_->ExportFile(&context, request);
    ExportCall out;
    hub::v1::ExportFileResponse response;
    bool first = true;
    while (reader->Read(&response)) {
      if (first) {
        out.header_first = response.has_header();
        out.file_name = response.header().file_name();
        out.record_count = response.header().record_count();
        out.part2_withheld = response.header().part2_withheld_count();
        out.redisclosure_notice = response.header().redisclosure_notice();
        out.billing = response.header().billing();
        first = false;
        continue;
      }
      EXPECT_TRUE(response.has_chunk()) << "only the first message is a header";
      ++out.chunks;
      out.largest_chunk = std::max(out.largest_chunk, response.chunk().size());
      out.bytes += response.chunk();
    }
    out.status = reader->Finish();
    return out;
  }

  // The billing status of each of `provider_id`'s records (ListFeedback),
  // by record id; records without one are left out.
  std::map<std::string, hub::v1::BillingStatus> Billing(const std::string& provider_id) {
    std::map<std::string, hub::v1::BillingStatus> out;
    hub::v1::ListFeedbackRequest request;
    request.set_provider_id(provider_id);
    request.set_page_size(1000);
    grpc::ClientContext context;
    hub::v1::ListFeedbackResponse response;
    const grpc::Status status = providers_->ListFeedback(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    for (const hub::v1::FeedbackItem& item : response.items()) {
      if (item.has_billing()) out[item.record_id()] = item.billing();
    }
    return out;
  }

  // The scenario's molina 837P exported, and the golden answer file `golden`
  // (tests/adapters/golden/answers/) rewritten to name its claims and lines.
  struct AnsweredExport {
    std::vector<std::string> claim_ids;
    std::function<std::string(const std::string&)> answer;
  };
  AnsweredExport ExportMolinaClaims() {
    ExportCall claims = Export("molina", hub::v1::FILE_KIND_CLAIMS_837P, "2026-11");
    EXPECT_TRUE(claims.status.ok()) << claims.status.error_message();
    AnsweredExport out;
    out.claim_ids = SegmentValues(claims.bytes, "CLM", 1);
    EXPECT_EQ(out.claim_ids.size(), 3u);
    out.claim_ids.resize(3);
    out.answer = [ids = out.claim_ids, a1_1 = record_ids_["s-a1-1"],
                  a1_2 = record_ids_["s-a1-2"]](const std::string& golden) {
      return absl::StrReplaceAll(
          ReadFile(absl::StrCat(HUB_SOURCE_DIR, "/tests/adapters/golden/answers/", golden)),
          {{"C0123456789abcd", ids[0]},
           {"C00000000000001", ids[1]},
           {"C00000000000002", ids[2]},
           {"rec_00000000000000b1", a1_1},
           {"rec_00000000000000b2", a1_2}});
    };
    return out;
  }

  // Every item of `plan_id`'s feed from its cursor (nothing acknowledged).
  std::vector<hub::v1::FeedItem> Pull(const std::string& plan_id) {
    grpc::ClientContext context;
    hub::v1::PullFeedRequest request;
    request.set_plan_id(plan_id);
    auto reader = plans_->PullFeed(&context, request);
    std::vector<hub::v1::FeedItem> items;
    hub::v1::PullFeedResponse response;
    while (reader->Read(&response)) items.push_back(response.item());
    const grpc::Status status = reader->Finish();
    EXPECT_TRUE(status.ok()) << status.error_message();
    return items;
  }

  // The audit records of PullFeed calls, of those concerning `member` (a
  // CIN) if given.
  std::vector<hub::v1::AuditRecord> PullAuditRecords(const std::string& member = "") {
    auto audit = hub::v1::AuditService::NewStub(channel_);
    grpc::ClientContext context;
    hub::v1::QueryAuditRequest query;
    query.set_member(member);
    hub::v1::QueryAuditResponse found;
    const grpc::Status status = audit->QueryAudit(&context, query, &found);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<hub::v1::AuditRecord> pulls;
    for (const hub::v1::AuditRecord& r : found.records()) {
      if (r.method() == "/hub.v1.PlanService/PullFeed") pulls.push_back(r);
    }
    return pulls;
  }

  const adapters::PlanAdapter& Adapter(const std::string& profile) {
    if (adapters_ == nullptr) {
      absl::StatusOr<std::unique_ptr<PlanAdapterSet>> set = PlanAdapterSet::Load(profiles_dir_);
      EXPECT_TRUE(set.ok()) << set.status();
      adapters_ = *std::move(set);
    }
    absl::StatusOr<const adapters::PlanAdapter*> adapter = adapters_->Get(profile);
    EXPECT_TRUE(adapter.ok()) << adapter.status();
    return **adapter;
  }

  // Reads an exported file back with the plan's own parser.
  template <typename Row>
  std::vector<Row> ParseBack(const std::string& profile, hub::v1::FileKind kind,
                             const std::string& bytes) {
    adapters::testing::CanonicalRowCollector sink;
    absl::Status parsed = adapters::testing::ParseFile(Adapter(profile), kind, bytes, sink, 4096);
    EXPECT_TRUE(parsed.ok()) << parsed;
    EXPECT_TRUE(sink.errors.empty()) << sink.ErrorsText();
    return adapters::testing::RowsAs<Row>(sink);
  }

  std::string root_;
  std::string data_dir_;
  std::string profiles_dir_;
  std::unique_ptr<HubServer> server_;
  std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<hub::v1::PlanService::Stub> plans_;
  std::unique_ptr<hub::v1::ProviderService::Stub> providers_;
  std::unique_ptr<PlanAdapterSet> adapters_;
  std::map<std::string, std::string> record_ids_;  // idempotency key -> record id
};

TEST_F(ExportTest, OutreachTrackerHoldsOnlyThePlansAttemptsOfThePeriodInItsLayout) {
  SubmitScenario();
  ExportCall molina = Export("molina", hub::v1::FILE_KIND_OUTREACH_TRACKER, "2026-11");
  ASSERT_TRUE(molina.status.ok()) << molina.status.error_message();
  EXPECT_TRUE(molina.header_first);
  EXPECT_EQ(molina.file_name, "molina_otf_2026-11.tsv");
  EXPECT_EQ(molina.record_count, 2);
  auto rows = ParseBack<hub::v1::OutreachTrackerRow>("molina", hub::v1::FILE_KIND_OUTREACH_TRACKER,
                                                     molina.bytes);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].member().cin(), kA1);
  EXPECT_EQ(rows[0].member().name().last(), "Alvarez");
  EXPECT_EQ(rows[0].attempt().attempt_date(), "2026-11-03");
  EXPECT_EQ(rows[0].attempt().method(), hub::v1::OUTREACH_METHOD_TELEPHONE);
  EXPECT_EQ(rows[0].attempt().minutes(), 15);
  EXPECT_EQ(rows[0].provider().npi(), Npi("100000007"));
  EXPECT_EQ(rows[0].provider().name(), "Provider golf_network");
  EXPECT_EQ(rows[0].plan().dhcs_plan_code(), "MOL01");
  EXPECT_EQ(rows[1].member().cin(), kA2);
  EXPECT_EQ(rows[1].attempt().attempt_date(), "2026-11-04");
  EXPECT_EQ(rows[1].provider().npi(), Npi("100000008"));
  // Molina's own layout: tab-separated, MM-DD-YYYY dates, its header.
  EXPECT_THAT(molina.bytes, HasSubstr("Plan Code\tPlan Name\t"));
  EXPECT_THAT(molina.bytes, HasSubstr("\t11-03-2026\t"));
  // Minimum necessary: the OTF layout has no address or birth date column.
  EXPECT_THAT(molina.bytes, Not(HasSubstr(kA1Street)));
  EXPECT_THAT(molina.bytes, Not(HasSubstr("04-12-1980")));
  // Nothing of chg's members.
  EXPECT_THAT(molina.bytes, Not(HasSubstr(kB1)));
  EXPECT_THAT(molina.bytes, Not(HasSubstr(kS)));

  ExportCall chg = Export("chg", hub::v1::FILE_KIND_OUTREACH_TRACKER, "2026-11");
  ASSERT_TRUE(chg.status.ok()) << chg.status.error_message();
  EXPECT_EQ(chg.file_name, "chg_otf_2026-11.dat");
  EXPECT_EQ(chg.record_count, 2);
  auto chg_rows = ParseBack<hub::v1::OutreachTrackerRow>(
      "community_health_group", hub::v1::FILE_KIND_OUTREACH_TRACKER, chg.bytes);
  ASSERT_EQ(chg_rows.size(), 2u);
  EXPECT_EQ(chg_rows[0].member().cin(), kB1);
  EXPECT_EQ(chg_rows[0].attempt().attempt_date(), "2026-11-05");
  EXPECT_EQ(chg_rows[1].member().cin(), kS);  // S belongs to chg since October.
  EXPECT_EQ(chg_rows[1].attempt().attempt_date(), "2026-11-07");
  EXPECT_THAT(chg.bytes, Not(HasSubstr(kA1)));

  // The period selects by the attempt's own date.
  ExportCall october = Export("molina", hub::v1::FILE_KIND_OUTREACH_TRACKER, "2026-10");
  ASSERT_TRUE(october.status.ok());
  auto october_rows = ParseBack<hub::v1::OutreachTrackerRow>(
      "molina", hub::v1::FILE_KIND_OUTREACH_TRACKER, october.bytes);
  ASSERT_EQ(october_rows.size(), 1u);
  EXPECT_EQ(october_rows[0].attempt().attempt_date(), "2026-10-15");
  ExportCall september = Export("molina", hub::v1::FILE_KIND_OUTREACH_TRACKER, "2026-09");
  ASSERT_TRUE(september.status.ok());
  auto september_rows = ParseBack<hub::v1::OutreachTrackerRow>(
      "molina", hub::v1::FILE_KIND_OUTREACH_TRACKER, september.bytes);
  ASSERT_EQ(september_rows.size(), 1u);
  EXPECT_EQ(september_rows[0].member().cin(), kS);
  // A month without records: the header line only.
  ExportCall empty = Export("molina", hub::v1::FILE_KIND_OUTREACH_TRACKER, "2026-03");
  ASSERT_TRUE(empty.status.ok());
  EXPECT_EQ(empty.record_count, 0);
  EXPECT_EQ(std::count(empty.bytes.begin(), empty.bytes.end(), '\n'), 1);
}

// molina bills ECM on the 837P and Community Supports on its invoice; chg
// bills both on its invoice (their profiles' billing rules). Every billable
// line is billed once: an invoice line repeating a service line is reported,
// not billed again.
TEST_F(ExportTest, InvoiceFileBillsThePlansInvoiceProgramsOnceWithWhatAnEncounterNeeds) {
  SubmitScenario();
  ExportCall molina = Export("molina", hub::v1::FILE_KIND_INVOICE, "2026-11");
  ASSERT_TRUE(molina.status.ok()) << molina.status.error_message();
  EXPECT_EQ(molina.file_name, "molina_invoice_2026-11.tsv");
  EXPECT_EQ(molina.record_count, 1);
  auto rows =
      ParseBack<hub::v1::InvoiceFileRow>("molina", hub::v1::FILE_KIND_INVOICE, molina.bytes);
  ASSERT_EQ(rows.size(), 1u);
  // The Community Supports service line, on the hub's invoice for golf.
  const hub::v1::InvoiceFileRow& cs = rows[0];
  EXPECT_THAT(cs.line().invoice_number(), ::testing::StartsWith("HUB-202611-"));
  EXPECT_EQ(cs.line().line_number(), 1);
  EXPECT_EQ(cs.line().service_date(), "2026-11-04");
  EXPECT_EQ(cs.line().hcpcs_code(), "S5170");
  EXPECT_THAT(cs.line().modifiers(), ElementsAre("U6"));
  EXPECT_EQ(cs.line().units(), 2);
  EXPECT_EQ(cs.line().charge_cents(), 30050);
  EXPECT_EQ(cs.line().authorization_number(), "MOL-77");
  EXPECT_THAT(molina.bytes, HasSubstr("\t300.50\t"));
  // What molina needs to make an encounter of it, in its own layout.
  EXPECT_EQ(cs.member().cin(), kA1);
  EXPECT_EQ(cs.member().date_of_birth(), kA1Birth);
  EXPECT_EQ(cs.member().sex(), hub::v1::SEX_FEMALE);
  EXPECT_EQ(cs.place_of_service(), "99");
  EXPECT_THAT(cs.diagnosis_codes(), ElementsAre("Z59.41"));
  EXPECT_EQ(cs.provider().npi(), Npi("100000007"));
  EXPECT_EQ(cs.provider().address().line1(), "500 Broadway");
  EXPECT_EQ(cs.provider().address().zip(), "92101-1234");
  EXPECT_EQ(cs.provider().taxonomy_code(), "171M00000X");
  EXPECT_EQ(cs.record_id(), record_ids_["cs-a1"]);
  // The account of molina's November lines: 5 service lines and 1 invoice
  // line; 4 ECM lines on the 837P; inv-a1 repeats s-a1-1.
  EXPECT_EQ(molina.billing.billable_lines(), 6);
  EXPECT_EQ(molina.billing.billed_lines(), 1);
  EXPECT_EQ(molina.billing.billed_on_other_file(), 4);
  ASSERT_EQ(molina.billing.unbillable_size(), 1);
  EXPECT_EQ(molina.billing.unbillable(0).reason_code(), "DUPLICATE_OF_SERVICE");
  EXPECT_EQ(molina.billing.unbillable(0).lines(), 1);
  // The provider sees both in ListFeedback.
  std::map<std::string, hub::v1::BillingStatus> billing = Billing("golf_network");
  const hub::v1::BillingStatus& billed = billing[record_ids_["cs-a1"]];
  EXPECT_EQ(billed.state(), hub::v1::BILLING_STATE_BILLED);
  EXPECT_EQ(billed.file_kind(), hub::v1::FILE_KIND_INVOICE);
  EXPECT_EQ(billed.claim_id(), cs.line().invoice_number());
  EXPECT_EQ(billed.line_number(), 1);
  EXPECT_EQ(billed.period(), "2026-11");
  const hub::v1::BillingStatus& repeat = billing[record_ids_["inv-a1"]];
  EXPECT_EQ(repeat.state(), hub::v1::BILLING_STATE_NOT_BILLED);
  EXPECT_EQ(repeat.reason_code(), "DUPLICATE_OF_SERVICE");
  EXPECT_THAT(repeat.message(), HasSubstr(record_ids_["s-a1-1"]));
  EXPECT_THAT(repeat.message(), Not(HasSubstr(kA1)));

  // October: the invoice line (no service line repeats it) as sent.
  ExportCall october = Export("molina", hub::v1::FILE_KIND_INVOICE, "2026-10");
  ASSERT_TRUE(october.status.ok());
  auto october_rows =
      ParseBack<hub::v1::InvoiceFileRow>("molina", hub::v1::FILE_KIND_INVOICE, october.bytes);
  ASSERT_EQ(october_rows.size(), 1u);
  EXPECT_EQ(october_rows[0].line().invoice_number(), "INV-099");
  EXPECT_EQ(october_rows[0].record_id(), record_ids_["inv-a1-oct"]);
  EXPECT_EQ(october.billing.billed_on_other_file(), 1);  // s-a1-oct, on the 837P

  // chg: its ECM service line on its invoice; its repeat (inv-b1) reported.
  ExportCall chg = Export("chg", hub::v1::FILE_KIND_INVOICE, "2026-11");
  ASSERT_TRUE(chg.status.ok());
  EXPECT_EQ(chg.file_name, "chg_invoice_2026-11.dat");
  auto chg_rows = ParseBack<hub::v1::InvoiceFileRow>("community_health_group",
                                                     hub::v1::FILE_KIND_INVOICE, chg.bytes);
  ASSERT_EQ(chg_rows.size(), 1u);
  EXPECT_THAT(chg_rows[0].line().invoice_number(), ::testing::StartsWith("HUB-202611-"));
  EXPECT_EQ(chg_rows[0].member().cin(), kB1);
  EXPECT_EQ(chg_rows[0].member().date_of_birth(), kA1Birth);
  EXPECT_EQ(chg_rows[0].place_of_service(), "12");
  EXPECT_THAT(chg_rows[0].diagnosis_codes(), ElementsAre("Z59.00"));
  EXPECT_EQ(chg_rows[0].line().charge_cents(), 12500);
  EXPECT_EQ(chg_rows[0].record_id(), record_ids_["s-b1"]);
  EXPECT_EQ(chg.billing.billable_lines(), 2);
  EXPECT_EQ(chg.billing.billed_lines(), 1);
  // chg bills everything by invoice: its invoice's header is the whole
  // account, and it gets no 837P (no empty file of a kind it does not take).
  EXPECT_EQ(chg.billing.billed_on_other_file(), 0);
  EXPECT_EQ(chg.billing.unbillable_size(), 1);
  ExportCall chg_claims = Export("chg", hub::v1::FILE_KIND_CLAIMS_837P, "2026-11");
  EXPECT_EQ(chg_claims.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(chg_claims.status.error_message(), HasSubstr("bills every service line by invoice"));
  EXPECT_TRUE(chg_claims.bytes.empty());
}

// At Submit, a service line the plan's billing file cannot bill is refused
// with what to fix, instead of being found unbillable at month end.
TEST_F(ExportTest, AServiceLineThePlansFileCannotBillIsRefusedAtSubmit) {
  hub::v1::Submission no_dx = EcmService("s-nodx", kA1, "2026-11-15");
  no_dx.mutable_service()->clear_diagnosis_codes();
  hub::v1::Submission telephone = EcmService("s-phone", kA1, "2026-11-15");
  telephone.mutable_service()->set_in_person(false);  // ... at the member's home (12)
  hub::v1::Submission bad_dx = EcmService("s-baddx", kA1, "2026-11-15");
  bad_dx.mutable_service()->set_diagnosis_codes(0, "59.00");
  hub::v1::Submission cs_no_dx =  // molina bills CS on its invoice
      CsService("cs-nodx", kA1, "2026-11-04", "MOL-77", "S5170", {"U6"}, 1);
  cs_no_dx.mutable_service()->clear_diagnosis_codes();
  hub::v1::Submission chg_no_dx = EcmService("s-b1-nodx", kB1, "2026-11-15");
  chg_no_dx.mutable_service()->clear_diagnosis_codes();  // chg bills ECM on its invoice
  hub::v1::Submission video = EcmService("s-video", kA1, "2026-11-16");
  video.mutable_service()->set_in_person(false);
  video.mutable_service()->set_place_of_service("10");
  hub::v1::SubmitRequest request;
  request.set_provider_id("golf_network");
  for (const auto& r : {no_dx, telephone, bad_dx, cs_no_dx, chg_no_dx, video}) {
    *request.add_submissions() = r;
  }
  grpc::ClientContext context;
  hub::v1::SubmitResponse response;
  ASSERT_TRUE(providers_->Submit(&context, request, &response).ok());
  ASSERT_EQ(response.results_size(), 6);
  EXPECT_EQ(response.results(0).rejected().reason_code(), "MISSING_DIAGNOSIS");
  EXPECT_EQ(response.results(0).rejected().bad_request().field_violations(0).field(),
            "service.diagnosis_codes");
  EXPECT_THAT(response.results(0).rejected().bad_request().field_violations(0).description(),
              HasSubstr("molina bills ECM on X12 837P"));
  EXPECT_EQ(response.results(1).rejected().reason_code(), "PLACE_OF_SERVICE_MISMATCH");
  EXPECT_EQ(response.results(2).rejected().reason_code(), "INVALID_DIAGNOSIS_CODE");
  EXPECT_EQ(response.results(2).rejected().bad_request().field_violations(0).field(),
            "service.diagnosis_codes[0]");
  EXPECT_TRUE(response.results(3).has_accepted()) << response.results(3).DebugString();
  EXPECT_TRUE(response.results(4).has_accepted()) << response.results(4).DebugString();
  EXPECT_TRUE(response.results(5).has_accepted()) << response.results(5).DebugString();
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(response.results(i).DebugString(), Not(HasSubstr(kA1)));
  }
}

TEST_F(ExportTest, ReturnTransmissionHasTheLatestStatusPerMemberWithTheReferralFields) {
  SubmitScenario();
  ExportCall november = Export("molina", hub::v1::FILE_KIND_RETURN_TRANSMISSION, "2026-11");
  ASSERT_TRUE(november.status.ok()) << november.status.error_message();
  EXPECT_EQ(november.file_name, "molina_rtf_2026-11.tsv");
  // One row per member molina assigned in November: A1, A2 (molina still
  // assigns A2 to hotel_health, whose latest status says discontinued) and
  // P (juliet_recovery sent nothing). S left molina at the end of
  // September.
  EXPECT_EQ(november.record_count, 3);
  auto rows = ParseBack<hub::v1::ReturnTransmissionRow>(
      "molina", hub::v1::FILE_KIND_RETURN_TRANSMISSION, november.bytes);
  ASSERT_EQ(rows.size(), 3u);
  const hub::v1::ReturnTransmissionRow& a1 = rows[0];
  EXPECT_EQ(a1.member().cin(), kA1);
  EXPECT_EQ(a1.member().name().first(), "Ana");
  EXPECT_EQ(a1.member().address().line1(), kA1Street);
  // The latest status (2026-11-20) wins over October's.
  EXPECT_EQ(a1.enrollment().status(), hub::v1::ENROLLMENT_STATUS_ENROLLED);
  EXPECT_EQ(a1.enrollment().acuity(), hub::v1::ACUITY_HIGH);
  EXPECT_EQ(a1.enrollment().enrollment_start_date(), "2026-11-01");
  EXPECT_EQ(a1.enrollment().in_person_encounters(), 3);
  EXPECT_EQ(a1.enrollment().telephonic_encounters(), 2);
  EXPECT_EQ(a1.enrollment().last_encounter_date(), "2026-11-19");
  EXPECT_EQ(a1.enrollment().lead_care_manager().name(), "Lee Care");
  // A new phone reported this month.
  EXPECT_TRUE(a1.new_phone());
  EXPECT_EQ(a1.member().phone(), "6195550199");
  EXPECT_FALSE(a1.new_address());
  // Closed-loop referral fields.
  EXPECT_EQ(a1.authorization_number(), "MOL-77");
  EXPECT_EQ(a1.referral_status(), hub::v1::REFERRAL_STATUS_ACCEPTED);
  EXPECT_EQ(a1.referral_status_date(), "2026-11-10");
  // Populations of focus from the plan's assignment.
  EXPECT_TRUE(a1.pof_indicator());
  EXPECT_THAT(a1.populations_of_focus(),
              ElementsAre(hub::v1::POPULATION_OF_FOCUS_ADULT_INDIVIDUAL_HOMELESSNESS));
  // No homelessness indicator reported: the homelessness population says it.
  EXPECT_TRUE(a1.member().has_experiencing_homelessness());
  EXPECT_TRUE(a1.member().experiencing_homelessness());
  EXPECT_EQ(a1.provider().npi(), Npi("100000007"));
  EXPECT_EQ(a1.provider().tin(), "123456789");
  EXPECT_EQ(a1.production_date(), "2026-11-23");
  EXPECT_EQ(a1.reporting_period(), "2026-11");
  EXPECT_EQ(a1.plan().dhcs_plan_code(), "MOL01");
  EXPECT_EQ(rows[1].member().cin(), kA2);
  EXPECT_EQ(rows[1].enrollment().status(), hub::v1::ENROLLMENT_STATUS_DISCONTINUED);
  EXPECT_EQ(rows[1].enrollment().in_person_encounters(), 0);
  EXPECT_EQ(rows[1].provider().npi(), Npi("100000008"));
  // P: the assignment as the plan made it.
  EXPECT_EQ(rows[2].member().cin(), kP);
  EXPECT_EQ(rows[2].enrollment().status(), hub::v1::ENROLLMENT_STATUS_ENROLLED);
  EXPECT_EQ(rows[2].enrollment().enrollment_start_date(), "2026-01-01");
  EXPECT_EQ(rows[2].provider().npi(), Npi("100000010"));

  // As of October: A1's October status, without the November referral.
  ExportCall october = Export("molina", hub::v1::FILE_KIND_RETURN_TRANSMISSION, "2026-10");
  ASSERT_TRUE(october.status.ok());
  auto october_rows = ParseBack<hub::v1::ReturnTransmissionRow>(
      "molina", hub::v1::FILE_KIND_RETURN_TRANSMISSION, october.bytes);
  ASSERT_EQ(october_rows.size(), 3u);
  EXPECT_EQ(october_rows[0].member().cin(), kA1);
  EXPECT_EQ(october_rows[0].enrollment().status(), hub::v1::ENROLLMENT_STATUS_OUTREACH);
  EXPECT_EQ(october_rows[0].enrollment().in_person_encounters(), 1);
  EXPECT_EQ(october_rows[0].referral_status(), hub::v1::REFERRAL_STATUS_UNSPECIFIED);
  EXPECT_FALSE(october_rows[0].new_phone());
  EXPECT_EQ(october_rows[0].member().phone(), "6195550100");

  // September: every molina assignment then (A1 before any status), A2's
  // discontinuation and S's status, in CIN order.
  ExportCall september = Export("molina", hub::v1::FILE_KIND_RETURN_TRANSMISSION, "2026-09");
  ASSERT_TRUE(september.status.ok());
  auto september_rows = ParseBack<hub::v1::ReturnTransmissionRow>(
      "molina", hub::v1::FILE_KIND_RETURN_TRANSMISSION, september.bytes);
  ASSERT_EQ(september_rows.size(), 4u);
  EXPECT_EQ(september_rows[0].member().cin(), kA1);
  EXPECT_EQ(september_rows[0].enrollment().status(), hub::v1::ENROLLMENT_STATUS_ENROLLED);
  EXPECT_EQ(september_rows[0].referral_status(), hub::v1::REFERRAL_STATUS_UNSPECIFIED);
  EXPECT_EQ(september_rows[1].member().cin(), kA2);
  EXPECT_EQ(september_rows[1].enrollment().status(), hub::v1::ENROLLMENT_STATUS_DISCONTINUED);
  EXPECT_EQ(september_rows[1].enrollment().discontinuation().date(), "2026-09-30");
  EXPECT_EQ(september_rows[1].enrollment().discontinuation().dhcs_code(), 1);
  EXPECT_EQ(september_rows[1].provider().npi(), Npi("100000008"));
  EXPECT_EQ(september_rows[2].member().cin(), kS);
  EXPECT_EQ(september_rows[3].member().cin(), kP);

  // chg: its own member in its fixed-width layout.
  ExportCall chg = Export("chg", hub::v1::FILE_KIND_RETURN_TRANSMISSION, "2026-11");
  ASSERT_TRUE(chg.status.ok()) << chg.status.error_message();
  EXPECT_EQ(chg.file_name, "chg_rtf_2026-11.dat");
  auto chg_rows = ParseBack<hub::v1::ReturnTransmissionRow>(
      "community_health_group", hub::v1::FILE_KIND_RETURN_TRANSMISSION, chg.bytes);
  // B1 with golf_network's status; S (chg's since October) and C1, whose
  // providers sent chg nothing, from their assignments.
  ASSERT_EQ(chg_rows.size(), 3u);
  EXPECT_EQ(chg_rows[0].member().cin(), kB1);
  EXPECT_EQ(chg_rows[0].enrollment().status(), hub::v1::ENROLLMENT_STATUS_ENROLLED);
  EXPECT_EQ(chg_rows[0].reporting_period(), "2026-11");
  EXPECT_EQ(chg_rows[1].member().cin(), kS);
  EXPECT_EQ(chg_rows[1].enrollment().enrollment_start_date(), "2026-10-01");
  EXPECT_EQ(chg_rows[2].member().cin(), kC1);
  EXPECT_EQ(chg_rows[2].provider().npi(), Npi("100000009"));
  EXPECT_THAT(chg.bytes, Not(HasSubstr(kA1)));
}

TEST_F(ExportTest, ClaimsAreAnX12837PWithRightEnvelopesAndDurableControlNumbers) {
  SubmitScenario();
  ExportCall first = Export("molina", hub::v1::FILE_KIND_CLAIMS_837P, "2026-11");
  ASSERT_TRUE(first.status.ok()) << first.status.error_message();
  EXPECT_EQ(first.file_name, "molina_837p_2026-11.x12");
  // molina's ECM lines: s-a1-1, s-a1-2, s-a1-3 (golf) and s-a2 (hotel); cs-a1
  // goes on molina's invoice; October's and chg's lines are not in it.
  EXPECT_EQ(first.record_count, 4);
  EXPECT_EQ(first.billing.billable_lines(), 6);
  EXPECT_EQ(first.billing.billed_lines(), 4);
  EXPECT_EQ(first.billing.billed_on_other_file(), 1);

  adapters::X12ReaderOptions reader_options;
  reader_options.transaction_set = "837";
  reader_options.functional_group = "HC";
  reader_options.implementation_guide = "005010X222A1";
  CountingHandler handler;
  adapters::X12Reader reader(reader_options, &handler);
  ASSERT_TRUE(reader.Feed(first.bytes).ok());
  ASSERT_TRUE(reader.Finish().ok());
  EXPECT_EQ(handler.sets, 1);
  EXPECT_EQ(handler.claims, 3);
  EXPECT_EQ(handler.interchange, "000000001");
  EXPECT_EQ(handler.group, "1");

  // The envelope by hand: control numbers match, SE01 counts ST..SE.
  const auto segments = Segments(first.bytes);
  ASSERT_GE(segments.size(), 4u);
  EXPECT_EQ(segments.front()[0], "ISA");
  EXPECT_EQ(segments.front()[13], "000000001");
  EXPECT_EQ(SegmentValues(first.bytes, "IEA", 2), std::vector<std::string>{"000000001"});
  EXPECT_EQ(SegmentValues(first.bytes, "GS", 6), std::vector<std::string>{"1"});
  EXPECT_EQ(SegmentValues(first.bytes, "GE", 2), std::vector<std::string>{"1"});
  EXPECT_EQ(SegmentValues(first.bytes, "GS", 8), std::vector<std::string>{"005010X222A1"});
  EXPECT_EQ(SegmentValues(first.bytes, "ST", 2), SegmentValues(first.bytes, "SE", 2));
  size_t st = 0, se = 0;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (segments[i][0] == "ST") st = i;
    if (segments[i][0] == "SE") se = i;
  }
  EXPECT_EQ(SegmentValues(first.bytes, "SE", 1),
            std::vector<std::string>{absl::StrCat(se - st + 1)});
  // Billing providers, payer, claims and lines.
  EXPECT_THAT(SegmentValues(first.bytes, "NM1", 9),
              ::testing::IsSupersetOf(
                  std::vector<std::string>{Npi("100000007"), Npi("100000008"), "MOL01", kA1, kA2}));
  // Claim ids: 15 characters, the crosswalk in each line's billing status
  // (ListFeedback) and each line's record id in REF*6R.
  const std::vector<std::string> claim_ids = SegmentValues(first.bytes, "CLM", 1);
  ASSERT_EQ(claim_ids.size(), 3u);
  std::map<std::string, hub::v1::BillingStatus> golf = Billing("golf_network");
  std::map<std::string, hub::v1::BillingStatus> hotel = Billing("hotel_health");
  EXPECT_EQ(golf[record_ids_["s-a1-1"]].claim_id(), claim_ids[0]);
  EXPECT_EQ(golf[record_ids_["s-a1-1"]].line_number(), 1);
  EXPECT_EQ(golf[record_ids_["s-a1-2"]].claim_id(), claim_ids[0]);
  EXPECT_EQ(golf[record_ids_["s-a1-2"]].line_number(), 2);
  EXPECT_EQ(golf[record_ids_["s-a1-3"]].claim_id(), claim_ids[1]);
  EXPECT_EQ(hotel[record_ids_["s-a2"]].claim_id(), claim_ids[2]);
  EXPECT_EQ(hotel[record_ids_["s-a2"]].file_kind(), hub::v1::FILE_KIND_CLAIMS_837P);
  EXPECT_EQ(hotel[record_ids_["s-a2"]].control_number(), 1);
  for (const std::string& id : claim_ids) {
    EXPECT_EQ(id.size(), 15u);
    EXPECT_EQ(id[0], 'C');
  }
  EXPECT_EQ(SegmentValues(first.bytes, "CLM", 2), (std::vector<std::string>{"250", "125", "125"}));
  EXPECT_EQ(SegmentValues(first.bytes, "SV1", 1).size(), 4u);
  EXPECT_EQ(SegmentValues(first.bytes, "REF", 2),
            (std::vector<std::string>{"123456789", record_ids_["s-a1-1"], record_ids_["s-a1-2"],
                                      record_ids_["s-a1-3"], "123456789", record_ids_["s-a2"]}));
  EXPECT_EQ(SegmentValues(first.bytes, "DTP", 3),
            (std::vector<std::string>{"20261102", "20261102", "20261112", "20261109"}));
  // PRV*BI from the directory's taxonomy; the subscriber's address: A1's
  // residence, and for A2 (no residence on file) the billing provider's.
  EXPECT_EQ(SegmentValues(first.bytes, "PRV", 3),
            (std::vector<std::string>{"171M00000X", "171M00000X"}));
  EXPECT_EQ(SegmentValues(first.bytes, "N3", 1),
            (std::vector<std::string>{"500 Broadway", kA1Street, kA1Street, "500 Broadway",
                                      "500 Broadway"}));
  EXPECT_EQ(SegmentValues(first.bytes, "DMG", 2),
            (std::vector<std::string>{"19800412", "19800412", "19700202"}));
  EXPECT_THAT(first.bytes, Not(HasSubstr(kB1)));
  EXPECT_THAT(first.bytes, Not(HasSubstr("20261020")));

  // ExportCall again: a new interchange control number, the same claims.
  ExportCall second = Export("molina", hub::v1::FILE_KIND_CLAIMS_837P, "2026-11");
  ASSERT_TRUE(second.status.ok());
  EXPECT_EQ(SegmentValues(second.bytes, "ISA", 13), std::vector<std::string>{"000000002"});
  EXPECT_EQ(SegmentValues(second.bytes, "IEA", 2), std::vector<std::string>{"000000002"});
  EXPECT_EQ(SegmentValues(second.bytes, "GS", 6), std::vector<std::string>{"2"});
  EXPECT_EQ(ClaimsContent(second.bytes), ClaimsContent(first.bytes));
  EXPECT_NE(second.bytes, first.bytes);

  // chg (which bills by invoice) gets no 837P, and a refused export takes
  // no control number: molina's numbers go on below.
  ExportCall chg = Export("chg", hub::v1::FILE_KIND_CLAIMS_837P, "2026-11");
  EXPECT_EQ(chg.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  // After a restart the numbers go on: never reused.
  StopHub();
  StartHub();
  ExportCall third = Export("molina", hub::v1::FILE_KIND_CLAIMS_837P, "2026-11");
  ASSERT_TRUE(third.status.ok()) << third.status.error_message();
  EXPECT_EQ(SegmentValues(third.bytes, "ISA", 13), std::vector<std::string>{"000000003"});
  EXPECT_EQ(SegmentValues(third.bytes, "GE", 2), std::vector<std::string>{"3"});
  EXPECT_EQ(ClaimsContent(third.bytes), ClaimsContent(first.bytes));
}

// 42 CFR Part 2: a Part 2 program's records are left out of a plan's files
// (counted in the header, never shown) until a consent of the member covers
// disclosing them to that plan; then they are written, and the header carries
// the re-disclosure notice that must go with them. Revocation stops later
// exports.
TEST_F(ExportTest, Part2RecordsAreExportedOnlyUnderTheMembersConsent) {
  hub::v1::SubmitRequest submit;
  submit.set_provider_id("juliet_recovery");
  *submit.add_submissions() = EcmOutreach("p2-otf-1", kP, "2026-11-06");
  std::string part2_record_id;
  {
    grpc::ClientContext context;
    hub::v1::SubmitResponse response;
    ASSERT_TRUE(providers_->Submit(&context, submit, &response).ok());
    ASSERT_EQ(response.results_size(), 1);
    ASSERT_TRUE(response.results(0).has_accepted()) << response.DebugString();
    part2_record_id = response.results(0).accepted().record_id();
  }
  // The plan's feed carries a placeholder; the county sees the hold as a
  // count (MonitorService, hub_part2_held_records), never the record.
  {
    int placeholders = 0;
    for (const hub::v1::FeedItem& item : Pull("molina")) {
      if (item.withheld_reason() == "PART2_CONSENT_REQUIRED") {
        ++placeholders;
        EXPECT_FALSE(item.has_submission());
      }
    }
    EXPECT_EQ(placeholders, 1);
    auto monitor = hub::v1::MonitorService::NewStub(channel_);
    grpc::ClientContext summary_context;
    hub::v1::GetSummaryResponse summary;
    ASSERT_TRUE(monitor->GetSummary(&summary_context, hub::v1::GetSummaryRequest(), &summary).ok());
    int64_t molina_held = -1;
    for (const hub::v1::PlanBacklog& b : summary.summary().backlogs()) {
      if (b.plan_id() == "molina") molina_held = b.part2_held_count();
    }
    EXPECT_EQ(molina_held, 1);
    EXPECT_THAT(summary.DebugString(), Not(HasSubstr(kP)));
    // The audit log names the pull's records; the withheld item disclosed
    // nothing about its member, so the pull names no member.
    const std::vector<hub::v1::AuditRecord> pulls = PullAuditRecords();
    EXPECT_FALSE(pulls.empty());
    for (const hub::v1::AuditRecord& r : pulls) {
      EXPECT_EQ(r.member_refs_size(), 0);
      EXPECT_THAT(r.record_ids(), ::testing::Contains(part2_record_id));
    }
  }
  ExportCall held = Export("molina", hub::v1::FILE_KIND_OUTREACH_TRACKER, "2026-11");
  ASSERT_TRUE(held.status.ok()) << held.status.error_message();
  EXPECT_EQ(held.record_count, 0);
  EXPECT_EQ(held.part2_withheld, 1);
  EXPECT_EQ(held.redisclosure_notice, "");
  EXPECT_THAT(held.bytes, Not(HasSubstr(kP)));

  auto consents = hub::v1::ConsentService::NewStub(channel_);
  hub::v1::RecordConsentRequest record;
  record.set_provider_id("juliet_recovery");
  hub::v1::Consent* consent = record.mutable_consent();
  consent->set_member_cin(kP);
  consent->set_discloser_provider_id("juliet_recovery");
  consent->set_recipient_plan_id("molina");
  consent->add_purposes(hub::v1::CONSENT_PURPOSE_CARE_COORDINATION);
  consent->set_signed_date("2026-11-20");
  consent->set_expiration_date("2027-11-19");
  hub::v1::RecordConsentResponse recorded;
  {
    grpc::ClientContext context;
    grpc::Status status = consents->RecordConsent(&context, record, &recorded);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  ExportCall covered = Export("molina", hub::v1::FILE_KIND_OUTREACH_TRACKER, "2026-11");
  ASSERT_TRUE(covered.status.ok()) << covered.status.error_message();
  EXPECT_EQ(covered.record_count, 1);
  EXPECT_EQ(covered.part2_withheld, 0);
  EXPECT_EQ(covered.redisclosure_notice, kPart2RedisclosureNotice);
  EXPECT_THAT(covered.bytes, HasSubstr(kP));
  // hubctl export keeps the notice beside the file.
  {
    const std::string out = root_ + "/part2-exports";
    std::filesystem::create_directories(out);
    CommandResult r = RunHubctl(absl::StrCat(
        "--server=", address_, " export --plan=molina --kind=otf --period=2026-11 --out=", out));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_THAT(r.output, HasSubstr("re-disclosure notice"));
    EXPECT_EQ(ReadFile(out + "/molina_otf_2026-11.tsv.part2-notice.txt"),
              absl::StrCat(kPart2RedisclosureNotice, "\n"));
  }

  // A record the consent covers reaches the plan's feed, and the pull's audit
  // record names it and the member (by member ref: a query by CIN finds it).
  {
    hub::v1::SubmitRequest again;
    again.set_provider_id("juliet_recovery");
    *again.add_submissions() = EcmOutreach("p2-otf-2", kP, "2026-11-09");
    grpc::ClientContext context;
    hub::v1::SubmitResponse response;
    ASSERT_TRUE(providers_->Submit(&context, again, &response).ok());
    ASSERT_TRUE(response.results(0).has_accepted());
    const std::string disclosed_id = response.results(0).accepted().record_id();
    bool delivered = false;
    for (const hub::v1::FeedItem& item : Pull("molina")) {
      if (item.record_id() == disclosed_id) {
        delivered = item.has_submission();
        EXPECT_EQ(item.redisclosure_notice(), kPart2RedisclosureNotice);
      }
    }
    EXPECT_TRUE(delivered);
    const std::vector<hub::v1::AuditRecord> pulls = PullAuditRecords(kP);
    EXPECT_FALSE(pulls.empty());
    for (const hub::v1::AuditRecord& r : pulls) {
      EXPECT_EQ(r.member_refs_size(), 1);
      EXPECT_THAT(r.record_ids(), ::testing::Contains(disclosed_id));
    }
  }

  hub::v1::RevokeConsentRequest revoke;
  revoke.set_consent_id(recorded.consent().consent_id());
  revoke.set_provider_id("juliet_recovery");
  {
    grpc::ClientContext context;
    hub::v1::RevokeConsentResponse revoked;
    grpc::Status status = consents->RevokeConsent(&context, revoke, &revoked);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  ExportCall after = Export("molina", hub::v1::FILE_KIND_OUTREACH_TRACKER, "2026-11");
  ASSERT_TRUE(after.status.ok());
  EXPECT_EQ(after.record_count, 0);
  EXPECT_EQ(after.part2_withheld, 2);  // Both records of the program.
  EXPECT_THAT(after.bytes, Not(HasSubstr(kP)));
}

// A billing provider the 837P cannot name (no address in the directory)
// does not stop the file: its lines are reported, and the provider sees why.
TEST_F(ExportTest, ABillingProviderWithoutAnAddressHasItsLinesReportedNotBilled) {
  SubmitAll("india_care", {EcmService("s-d1", kD, "2026-11-03")});
  ExportCall bare = Export("bare", hub::v1::FILE_KIND_CLAIMS_837P, "2026-11");
  ASSERT_TRUE(bare.status.ok()) << bare.status.error_message();
  EXPECT_EQ(bare.record_count, 0);
  EXPECT_EQ(bare.billing.billable_lines(), 1);
  ASSERT_EQ(bare.billing.unbillable_size(), 1);
  EXPECT_EQ(bare.billing.unbillable(0).reason_code(), "BILLING_PROVIDER_INCOMPLETE");
  std::map<std::string, hub::v1::BillingStatus> billing = Billing("india_care");
  const hub::v1::BillingStatus& status = billing[record_ids_["s-d1"]];
  EXPECT_EQ(status.state(), hub::v1::BILLING_STATE_NOT_BILLED);
  EXPECT_EQ(status.reason_code(), "BILLING_PROVIDER_INCOMPLETE");
  EXPECT_THAT(status.message(), HasSubstr("UpdateProvider"));
  EXPECT_THAT(status.message(), Not(HasSubstr(kD)));
  // Its other files need no address.
  EXPECT_TRUE(Export("chg", hub::v1::FILE_KIND_OUTREACH_TRACKER, "2026-11").status.ok());
}

TEST_F(ExportTest, BadRequestsAreRefusedWithActionableMessages) {
  SubmitScenario();
  for (const char* period : {"2026-13", "2026-1", "", "26-11", "2026/11", "2026-00"}) {
    ExportCall e = Export("molina", hub::v1::FILE_KIND_OUTREACH_TRACKER, period);
    EXPECT_EQ(e.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << period;
    EXPECT_THAT(e.status.error_message(), HasSubstr("YYYY-MM")) << period;
  }
  ExportCall future = Export("molina", hub::v1::FILE_KIND_OUTREACH_TRACKER, "2026-12");
  EXPECT_EQ(future.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(future.status.error_message(), HasSubstr("has not begun"));

  ExportCall unknown = Export("aetna", hub::v1::FILE_KIND_OUTREACH_TRACKER, "2026-11");
  EXPECT_EQ(unknown.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(unknown.status.error_message(), HasSubstr("ListPlans"));
  ExportCall malformed = Export("Molina Plan", hub::v1::FILE_KIND_OUTREACH_TRACKER, "2026-11");
  EXPECT_EQ(malformed.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  for (hub::v1::FileKind kind :
       {hub::v1::FILE_KIND_UNSPECIFIED, hub::v1::FILE_KIND_MEMBER_ASSIGNMENT,
        hub::v1::FILE_KIND_CBO_SUBMISSIONS}) {
    ExportCall e = Export("molina", kind, "2026-11");
    EXPECT_EQ(e.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << kind;
    EXPECT_THAT(e.status.error_message(), HasSubstr("FILE_KIND_RETURN_TRANSMISSION"));
  }

  // A plan whose profile has no layout for the kind.
  ExportCall bare = Export("bare", hub::v1::FILE_KIND_RETURN_TRANSMISSION, "2026-11");
  EXPECT_EQ(bare.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(bare.status.error_message(), HasSubstr("has no layout for the Return Transmission"));
  EXPECT_THAT(bare.status.error_message(), HasSubstr("adapters/plans/bare/profile.textproto"));
  EXPECT_EQ(bare.record_count, -1);
  // ... still gets its claims: an 837P needs no layout.
  ExportCall bare_claims = Export("bare", hub::v1::FILE_KIND_CLAIMS_837P, "2026-11");
  ASSERT_TRUE(bare_claims.status.ok()) << bare_claims.status.error_message();
  EXPECT_EQ(bare_claims.record_count, 0);
  EXPECT_EQ(SegmentValues(bare_claims.bytes, "SE", 1).size(), 1u);
  EXPECT_EQ(SegmentValues(bare_claims.bytes, "IEA", 2), std::vector<std::string>{"000000001"});
}

TEST_F(ExportTest, ALargeFileComesInChunksOfAtMostOneMebibyte) {
  std::vector<hub::v1::Submission> batch;
  int n = 0;
  for (int day = 1; day <= 22; ++day) {
    for (int i = 0; i < 400; ++i) {
      batch.push_back(
          EcmOutreach(absl::StrCat("bulk-", n++), kA1, absl::StrFormat("2026-11-%02d", day)));
      if (batch.size() == 1000) {
        SubmitAll("golf_network", batch);
        batch.clear();
      }
    }
  }
  if (!batch.empty()) SubmitAll("golf_network", batch);
  ExportCall big = Export("molina", hub::v1::FILE_KIND_OUTREACH_TRACKER, "2026-11");
  ASSERT_TRUE(big.status.ok()) << big.status.error_message();
  EXPECT_EQ(big.record_count, n);
  EXPECT_GT(big.bytes.size(), size_t{1} << 20);
  EXPECT_GE(big.chunks, 2);
  EXPECT_LE(big.largest_chunk, size_t{1} << 20);
  EXPECT_EQ(std::count(big.bytes.begin(), big.bytes.end(), '\n'), n + 1);
}

// The whole files of the scenario, byte for byte. To regenerate after an
// intended change: HUB_UPDATE_GOLDEN=1 build/tests/hub/hub_tests
// --gtest_filter='*Golden*' (rewrites tests/data/export), then review the diff.
TEST_F(ExportTest, EveryKindMatchesItsGoldenFile) {
  SubmitScenario();
  const char* update = std::getenv("HUB_UPDATE_GOLDEN");
  const std::filesystem::path dir =
      std::filesystem::path(HUB_SOURCE_DIR) / "tests" / "data" / "export";
  for (const char* plan : {"molina", "chg"}) {
    for (hub::v1::FileKind kind :
         {hub::v1::FILE_KIND_RETURN_TRANSMISSION, hub::v1::FILE_KIND_OUTREACH_TRACKER,
          hub::v1::FILE_KIND_INVOICE, hub::v1::FILE_KIND_CLAIMS_837P}) {
      ExportCall e = Export(plan, kind, "2026-11");
      if (std::string(plan) == "chg" && kind == hub::v1::FILE_KIND_CLAIMS_837P) {
        // chg bills by invoice: no 837P at all.
        EXPECT_EQ(e.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
        continue;
      }
      ASSERT_TRUE(e.status.ok()) << plan << " " << kind << ": " << e.status.error_message();
      const std::filesystem::path path = dir / e.file_name;
      if (update != nullptr && std::string(update) == "1") {
        std::filesystem::create_directories(dir);
        WriteFile(path.string(), e.bytes);
        continue;
      }
      ASSERT_TRUE(std::filesystem::exists(path))
          << path << " is missing; run with HUB_UPDATE_GOLDEN=1 to create it";
      EXPECT_EQ(e.bytes, ReadFile(path.string()))
          << path << " differs; if the change is intended, regenerate with HUB_UPDATE_GOLDEN=1 "
          << "and review the diff";
    }
  }
}

TEST_F(ExportTest, HubctlExportWritesTheFileUnderTheHubsName) {
  SubmitScenario();
  const std::string out = root_ + "/exports";
  std::filesystem::create_directories(out);
  CommandResult r = RunHubctl(absl::StrCat("--server=", address_,
                                           " export --plan=molina --kind=otf --period=2026-11 "
                                           "--out=",
                                           out));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("molina_otf_2026-11.tsv: 2 records"));
  const std::string written = ReadFile(out + "/molina_otf_2026-11.tsv");
  EXPECT_EQ(written, Export("molina", hub::v1::FILE_KIND_OUTREACH_TRACKER, "2026-11").bytes);
  auto rows = ParseBack<hub::v1::OutreachTrackerRow>("molina", hub::v1::FILE_KIND_OUTREACH_TRACKER,
                                                     written);
  EXPECT_EQ(rows.size(), 2u);

  r = RunHubctl(absl::StrCat("--server=", address_,
                             " export --plan=molina --kind=837p --period=2026-11 --out=", out));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("molina_837p_2026-11.x12: 4 records"));
  // The account of the month (docs/billing.md): the Community Supports line
  // goes on molina's invoice, the invoice line repeating a service line is
  // reported.
  EXPECT_THAT(r.output,
              HasSubstr("billing: 6 billable lines: 4 billed here, 1 on the plan's other billing "
                        "file, 1 not billed (DUPLICATE_OF_SERVICE)"));
  EXPECT_THAT(ReadFile(out + "/molina_837p_2026-11.x12"), ::testing::StartsWith("ISA*00*"));

  // Errors: the hub's sentence, exit 1, no file left behind.
  r = RunHubctl(absl::StrCat("--server=", address_,
                             " export --plan=bare --kind=rtf --period=2026-11 --out=", out));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("has no layout"));
  EXPECT_FALSE(std::filesystem::exists(out + "/bare_rtf_2026-11.tsv"));
  r = RunHubctl(absl::StrCat("--server=", address_,
                             " export --plan=molina --kind=rtf --period=2026-99 --out=", out));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("YYYY-MM"));
  r = RunHubctl(
      absl::StrCat("--server=", address_, " export --plan=molina --kind=mif --period=2026-11"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("rtf, otf, invoice or 837p"));
  r = RunHubctl(absl::StrCat("--server=", address_, " export --plan=molina --kind=otf"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("usage: hubctl export"));
  for (const auto& entry : std::filesystem::directory_iterator(out)) {
    EXPECT_FALSE(absl::EndsWith(entry.path().string(), ".part")) << entry.path();
  }
}

// hubctl billing: the provider's lines with where each went (ListFeedback),
// then the counts.
TEST_F(ExportTest, HubctlBillingShowsWhereEachLineWent) {
  SubmitScenario();
  CommandResult before =
      RunHubctl(absl::StrCat("--server=", address_, " billing --provider=golf_network"));
  ASSERT_EQ(before.exit_code, 0) << before.output;
  EXPECT_THAT(before.output, HasSubstr(" 0 billed, 0 not billed (see REASON), "));
  ASSERT_TRUE(Export("molina", hub::v1::FILE_KIND_CLAIMS_837P, "2026-11").status.ok());
  ASSERT_TRUE(Export("molina", hub::v1::FILE_KIND_INVOICE, "2026-11").status.ok());
  const std::map<std::string, hub::v1::BillingStatus> billing = Billing("golf_network");
  int billed = 0, not_billed = 0;
  for (const auto& [record_id, status] : billing) {
    billed += status.state() == hub::v1::BILLING_STATE_BILLED;
    not_billed += status.state() == hub::v1::BILLING_STATE_NOT_BILLED;
  }
  ASSERT_GT(billed, 0);
  ASSERT_GT(not_billed, 0);
  CommandResult r =
      RunHubctl(absl::StrCat("--server=", address_, " billing --provider=golf_network"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const auto& [record_id, status] : billing) {
    EXPECT_THAT(r.output, HasSubstr(record_id));
    if (status.state() == hub::v1::BILLING_STATE_BILLED) {
      EXPECT_THAT(r.output, HasSubstr(absl::StrCat(status.claim_id(), ":", status.line_number())));
    } else {
      EXPECT_THAT(r.output, HasSubstr(status.reason_code()));
    }
  }
  EXPECT_THAT(r.output, HasSubstr(absl::StrCat(" billable lines: ", billed, " billed, ", not_billed,
                                               " not billed (see REASON), ")));
  // A provider the hub does not know: the hub's sentence, exit 1.
  r = RunHubctl(absl::StrCat("--server=", address_, " billing --provider=no_such_provider"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  r = RunHubctl(absl::StrCat("--server=", address_, " billing"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

// The plans' answers come back (issue 16 item 4): molina's 277CA and 835 for
// the claims of its exported 837P (the golden answers with this export's
// claim and record ids), uploaded through PlanService.UploadFile; the
// provider sees each line accepted, rejected, paid or denied with the plan's
// codes in ListFeedback and hubctl billing.
TEST_F(ExportTest, ThePlansAnswersShowEachLineAcceptedRejectedPaidOrDenied) {
  SubmitScenario();
  const AnsweredExport exported = ExportMolinaClaims();
  const std::vector<std::string>& claim_ids = exported.claim_ids;
  const auto& ids = exported.answer;
  const std::string a1_1 = record_ids_["s-a1-1"], a1_2 = record_ids_["s-a1-2"],
                    a1_3 = record_ids_["s-a1-3"], a2 = record_ids_["s-a2"];
  const auto upload = [&](hub::v1::FileKind kind, const std::string& bytes) {
    return UploadAnswer(*plans_, kind, bytes);
  };
  // The 277CA: claim 1 accepted but its second line rejected, claim 2
  // rejected.
  hub::v1::IngestReport acknowledged = upload(hub::v1::FILE_KIND_X12_277CA, ids("277ca.x12"));
  EXPECT_EQ(acknowledged.outcome(), hub::v1::INGEST_OUTCOME_ACCEPTED) << acknowledged.DebugString();
  std::map<std::string, hub::v1::BillingStatus> golf = Billing("golf_network");
  EXPECT_EQ(golf[a1_1].plan_decision().decision(), hub::v1::CLAIM_DECISION_ACCEPTED);
  EXPECT_EQ(golf[a1_2].plan_decision().decision(), hub::v1::CLAIM_DECISION_REJECTED);
  EXPECT_THAT(golf[a1_2].plan_decision().reason_codes(), ElementsAre("277CA A7:453:PR"));
  EXPECT_EQ(golf[a1_3].plan_decision().decision(), hub::v1::CLAIM_DECISION_REJECTED);
  EXPECT_THAT(golf[a1_3].plan_decision().reason_codes(), ElementsAre("277CA A7:21:85"));
  EXPECT_FALSE(Billing("hotel_health")[a2].has_plan_decision());
  // The 835: the accepted line paid $75 on 2026-12-15, the rejected one
  // denied with CARC/RARC, hotel's claim denied as a whole.
  hub::v1::IngestReport remitted = upload(hub::v1::FILE_KIND_X12_835, ids("835.x12"));
  EXPECT_EQ(remitted.outcome(), hub::v1::INGEST_OUTCOME_ACCEPTED) << remitted.DebugString();
  golf = Billing("golf_network");
  const hub::v1::PlanDecision& paid = golf[a1_1].plan_decision();
  EXPECT_EQ(paid.decision(), hub::v1::CLAIM_DECISION_PAID);
  EXPECT_EQ(paid.paid_cents(), 7500);
  EXPECT_EQ(paid.date(), "2026-12-15");
  EXPECT_EQ(paid.file_kind(), hub::v1::FILE_KIND_X12_835);
  EXPECT_EQ(paid.report_id(), remitted.report_id());
  EXPECT_EQ(golf[a1_2].plan_decision().decision(), hub::v1::CLAIM_DECISION_DENIED);
  EXPECT_THAT(golf[a1_2].plan_decision().reason_codes(), ElementsAre("CARC CO-16", "RARC M51"));
  EXPECT_EQ(golf[a1_3].plan_decision().decision(), hub::v1::CLAIM_DECISION_REJECTED);
  const hub::v1::PlanDecision denied = Billing("hotel_health")[a2].plan_decision();
  EXPECT_EQ(denied.decision(), hub::v1::CLAIM_DECISION_DENIED);
  EXPECT_THAT(denied.reason_codes(), ElementsAre("CLP02 4 denied", "CARC CO-197", "RARC N290"));
  // The billing state itself is unchanged: still billed on that claim line.
  EXPECT_EQ(golf[a1_1].state(), hub::v1::BILLING_STATE_BILLED);
  EXPECT_EQ(golf[a1_1].claim_id(), claim_ids[0]);
  // hubctl billing shows the answers and their counts.
  CommandResult r =
      RunHubctl(absl::StrCat("--server=", address_, " billing --provider=golf_network"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("PLAN ANSWER"));
  EXPECT_THAT(r.output, HasSubstr("$75.00"));
  EXPECT_THAT(r.output, HasSubstr("CARC CO-16; RARC M51"));
  EXPECT_THAT(r.output, HasSubstr("plans' answers: 0 accepted, 1 rejected, 1 paid ($75.00), "
                                  "1 denied"));
  // Exporting the month again keeps the plan's answers.
  ASSERT_TRUE(Export("molina", hub::v1::FILE_KIND_CLAIMS_837P, "2026-11").status.ok());
  EXPECT_EQ(Billing("golf_network")[a1_1].plan_decision().decision(), hub::v1::CLAIM_DECISION_PAID);
  // The county sees the same lines per plan and provider (the 277CA's
  // acceptance of a1_1 moved to paid, a1_2's rejection to denied).
  auto monitor = hub::v1::MonitorService::NewStub(channel_);
  grpc::ClientContext summary_context;
  hub::v1::GetSummaryResponse summary;
  ASSERT_TRUE(monitor->GetSummary(&summary_context, hub::v1::GetSummaryRequest(), &summary).ok());
  ASSERT_EQ(summary.summary().claims_size(), 1) << summary.DebugString();
  const hub::v1::PlanClaims& molina_claims = summary.summary().claims(0);
  EXPECT_EQ(molina_claims.plan_id(), "molina");
  EXPECT_EQ(molina_claims.counts().accepted(), 0);
  EXPECT_EQ(molina_claims.counts().paid(), 1);
  EXPECT_EQ(molina_claims.counts().denied(), 2);
  EXPECT_EQ(molina_claims.counts().rejected(), 1);
  ASSERT_TRUE(molina_claims.providers().contains("golf_network")) << molina_claims.DebugString();
  EXPECT_EQ(molina_claims.providers().at("golf_network").paid_cents(), 7500);
  EXPECT_EQ(molina_claims.providers().at("hotel_health").denied(), 1);
  EXPECT_EQ(molina_claims.denial_reasons().at("CARC CO-16"), 1);
  EXPECT_GE(molina_claims.median_days_to_payment(), 0) << "the export records the service date";
}

// The plan's claim tally (MonitorService) and the same counts recounted
// from every line's decision as ListFeedback shows it.
void ExpectClaimTallyMatchesLines(
    const std::shared_ptr<grpc::Channel>& channel,
    const std::vector<std::map<std::string, hub::v1::BillingStatus>>& providers) {
  hub::v1::ClaimCounts recount;
  for (const auto& lines : providers) {
    for (const auto& [record_id, b] : lines) {
      switch (b.plan_decision().decision()) {
        case hub::v1::CLAIM_DECISION_ACCEPTED:
          recount.set_accepted(recount.accepted() + 1);
          break;
        case hub::v1::CLAIM_DECISION_REJECTED:
          recount.set_rejected(recount.rejected() + 1);
          break;
        case hub::v1::CLAIM_DECISION_PAID:
          recount.set_paid(recount.paid() + 1);
          recount.set_paid_cents(recount.paid_cents() + b.plan_decision().paid_cents());
          break;
        case hub::v1::CLAIM_DECISION_DENIED:
          recount.set_denied(recount.denied() + 1);
          break;
        default:
          break;
      }
    }
  }
  auto monitor = hub::v1::MonitorService::NewStub(channel);
  grpc::ClientContext context;
  hub::v1::GetSummaryResponse summary;
  ASSERT_TRUE(monitor->GetSummary(&context, hub::v1::GetSummaryRequest(), &summary).ok());
  hub::v1::ClaimCounts stored;
  for (const hub::v1::PlanClaims& plan : summary.summary().claims()) {
    if (plan.plan_id() == "molina") stored = plan.counts();
  }
  EXPECT_EQ(stored.DebugString(), recount.DebugString());
}

TEST_F(ExportTest, ARejected999MarksEveryLineOfTheSetRejectedAndTheWorklistShowsThem) {
  SubmitScenario();
  ExportCall claims = Export("molina", hub::v1::FILE_KIND_CLAIMS_837P, "2026-11");
  ASSERT_TRUE(claims.status.ok()) << claims.status.error_message();
  const std::vector<std::string> control = SegmentValues(claims.bytes, "GS", 6);
  ASSERT_EQ(control.size(), 1u);
  ASSERT_EQ(SegmentValues(claims.bytes, "ST", 2), std::vector<std::string>{"0001"});
  const std::string bytes = absl::StrReplaceAll(
      ReadFile(absl::StrCat(HUB_SOURCE_DIR, "/tests/data/x12/999_rejected_set.x12")),
      {{"AK1*HC*CONTROL*", absl::StrCat("AK1*HC*", control[0], "*")}});
  hub::v1::IngestReport report = UploadAnswer(*plans_, hub::v1::FILE_KIND_X12_999, bytes);
  EXPECT_EQ(report.outcome(), hub::v1::INGEST_OUTCOME_ACCEPTED) << report.DebugString();
  // Every line the 837P billed (golf's three, hotel's one) is rejected with
  // the 999's codes; nothing else has an answer.
  int rejected = 0;
  for (const std::string provider : {"golf_network", "hotel_health"}) {
    for (const auto& [record_id, b] : Billing(provider)) {
      if (b.state() != hub::v1::BILLING_STATE_BILLED ||
          b.file_kind() != hub::v1::FILE_KIND_CLAIMS_837P) {
        EXPECT_FALSE(b.has_plan_decision()) << record_id;
        continue;
      }
      ++rejected;
      EXPECT_EQ(b.transaction_set(), 1);
      EXPECT_EQ(b.plan_decision().decision(), hub::v1::CLAIM_DECISION_REJECTED) << record_id;
      EXPECT_THAT(b.plan_decision().reason_codes(),
                  ElementsAre("999 IK5 R 5", "999 IK3 NM1 14 8", "999 IK4 9 67 7"));
    }
  }
  EXPECT_EQ(rejected, 4);
  EXPECT_EQ(report.changes().claim_lines_answered(), 4);
  ExpectClaimTallyMatchesLines(channel_, {Billing("golf_network"), Billing("hotel_health")});
  // Again, and in another envelope: nothing applied twice.
  EXPECT_EQ(UploadAnswer(*plans_, hub::v1::FILE_KIND_X12_999, bytes).report_id(),
            report.report_id());
  const std::string resent = absl::StrReplaceAll(
      bytes, {{"000000601", "000000602"}, {"*601*X*", "*602*X*"}, {"GE*1*601", "GE*1*602"}});
  EXPECT_EQ(UploadAnswer(*plans_, hub::v1::FILE_KIND_X12_999, resent).changes().rows_unchanged(),
            4);
  ExpectClaimTallyMatchesLines(channel_, {Billing("golf_network"), Billing("hotel_health")});
  // Another plan's 999 naming the same control number changes nothing.
  hub::v1::IngestReport other = UploadAnswer(*plans_, hub::v1::FILE_KIND_X12_999, bytes, "bare");
  EXPECT_EQ(other.changes().claim_lines_answered(), 0) << other.DebugString();
  EXPECT_EQ(other.rows_accepted(), 0) << other.DebugString();

  // golf_network's worklist carries the billing side: molina's counts and
  // the three lines to fix, with the plan's codes.
  hub::v1::ListMembersRequest request;
  request.set_provider_id("golf_network");
  grpc::ClientContext context;
  hub::v1::ListMembersResponse worklist;
  ASSERT_TRUE(providers_->ListMembers(&context, request, &worklist).ok());
  ASSERT_EQ(worklist.claims().plans_size(), 1) << worklist.claims().DebugString();
  EXPECT_EQ(worklist.claims().plans(0).plan_id(), "molina");
  EXPECT_EQ(worklist.claims().plans(0).counts().rejected(), 3);
  ASSERT_EQ(worklist.claims().needs_action_size(), 3);
  EXPECT_FALSE(worklist.claims().more_need_action());
  for (const hub::v1::ClaimActionLine& line : worklist.claims().needs_action()) {
    EXPECT_EQ(line.plan_id(), "molina");
    EXPECT_EQ(line.billing().provider_id(), "golf_network");
    EXPECT_THAT(line.billing().plan_decision().reason_codes(), Contains("999 IK5 R 5"));
  }
  CommandResult r =
      RunHubctl(absl::StrCat("--server=", address_, " worklist --provider=golf_network"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("plan molina: 0 accepted, 3 rejected, 0 paid ($0.00), 0 denied"));
  EXPECT_THAT(r.output, HasSubstr("999 IK5 R 5; 999 IK3 NM1 14 8; 999 IK4 9 67 7"));
  EXPECT_THAT(r.output, HasSubstr("3 line(s) rejected or denied"));
}

TEST_F(ExportTest, AReExportedLineNoLongerBilledLosesThePlansAnswerAndItsCount) {
  SubmitScenario();
  const AnsweredExport exported = ExportMolinaClaims();
  const std::string a1_1 = record_ids_["s-a1-1"], a2 = record_ids_["s-a2"];
  const std::string remit = exported.answer("835.x12");
  // The 835: a1_1 paid, a1_2 denied, hotel's a2 denied (its claim as a whole).
  UploadAnswer(*plans_, hub::v1::FILE_KIND_X12_835, remit);
  ASSERT_EQ(Billing("hotel_health")[a2].plan_decision().decision(), hub::v1::CLAIM_DECISION_DENIED);
  ExpectClaimTallyMatchesLines(channel_, {Billing("golf_network"), Billing("hotel_health")});

  // hotel_health loses its address: the month's export no longer bills a2.
  StopHub();
  {
    storage::StoreOptions options;
    options.data_dir = data_dir_;
    auto store = storage::Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    storage::DirectoryStore directory(store->get());
    auto hotel = directory.GetProvider("hotel_health");
    ASSERT_TRUE(hotel.ok());
    hotel->mutable_address()->clear_line1();
    ASSERT_TRUE(directory.UpdateProvider(*hotel).ok());
    ASSERT_TRUE((*store)->Close().ok());
  }
  StartHub();
  ExportCall again = Export("molina", hub::v1::FILE_KIND_CLAIMS_837P, "2026-11");
  ASSERT_TRUE(again.status.ok()) << again.status.error_message();
  EXPECT_EQ(again.billing.decisions_withdrawn(), 1) << again.billing.DebugString();
  const hub::v1::BillingStatus hotel_line = Billing("hotel_health")[a2];
  EXPECT_EQ(hotel_line.state(), hub::v1::BILLING_STATE_NOT_BILLED);
  EXPECT_EQ(hotel_line.reason_code(), "BILLING_PROVIDER_INCOMPLETE");
  EXPECT_FALSE(hotel_line.has_plan_decision());
  ExpectClaimTallyMatchesLines(channel_, {Billing("golf_network"), Billing("hotel_health")});
  // golf's answers stay; hotel is off the county's tally.
  EXPECT_EQ(Billing("golf_network")[a1_1].plan_decision().decision(), hub::v1::CLAIM_DECISION_PAID);
  // Exporting once more withdraws nothing again; the 835 sent again in a
  // new envelope no longer reaches a2 (its old claim is refused).
  EXPECT_EQ(
      Export("molina", hub::v1::FILE_KIND_CLAIMS_837P, "2026-11").billing.decisions_withdrawn(), 0);
  const std::string resent = absl::StrReplaceAll(
      remit, {{"000000503", "000000504"}, {"*503*X*", "*504*X*"}, {"GE*1*503", "GE*1*504"}});
  hub::v1::IngestReport report = UploadAnswer(*plans_, hub::v1::FILE_KIND_X12_835, resent);
  EXPECT_EQ(report.changes().claim_lines_answered(), 0) << report.DebugString();
  bool refused = false;
  for (const hub::v1::RowError& e : report.row_errors()) {
    refused = refused || e.reason_code() == "ROW_CLAIM_NOT_SENT";
  }
  EXPECT_TRUE(refused) << report.DebugString();
  EXPECT_FALSE(Billing("hotel_health")[a2].has_plan_decision());
  ExpectClaimTallyMatchesLines(channel_, {Billing("golf_network"), Billing("hotel_health")});
}

// A profile change moves molina's ECM lines from the 837P to the invoice:
// the invoice bills them, the 835's answers about their old claims are
// withdrawn (tally, worklist) and no longer reach them.
TEST_F(ExportTest, ALineMovedToTheInvoiceByAProfileChangeLosesItsOldClaimsAnswer) {
  SubmitScenario();
  const AnsweredExport exported = ExportMolinaClaims();
  const std::string a1_1 = record_ids_["s-a1-1"], a1_2 = record_ids_["s-a1-2"];
  const std::string a2 = record_ids_["s-a2"];
  const std::string remit = exported.answer("835.x12");
  UploadAnswer(*plans_, hub::v1::FILE_KIND_X12_835, remit);
  ASSERT_EQ(Billing("golf_network")[a1_1].plan_decision().decision(), hub::v1::CLAIM_DECISION_PAID);
  // Re-exporting the 837P unchanged keeps every answer (same claim lines).
  EXPECT_EQ(
      Export("molina", hub::v1::FILE_KIND_CLAIMS_837P, "2026-11").billing.decisions_withdrawn(), 0);
  EXPECT_EQ(Billing("golf_network")[a1_1].plan_decision().decision(), hub::v1::CLAIM_DECISION_PAID);

  StopHub();
  {
    const std::string path = profiles_dir_ + "/molina/profile.textproto";
    const std::string text = ReadFile(path);
    const std::string ecm_837p =
        "billing { program: BILLING_PROGRAM_ECM file_kind: FILE_KIND_CLAIMS_837P }";
    ASSERT_NE(text.find(ecm_837p), std::string::npos);
    WriteFile(path, absl::StrReplaceAll(text, {{ecm_837p,
                                                "billing { program: BILLING_PROGRAM_ECM file_kind: "
                                                "FILE_KIND_INVOICE }"}}));
  }
  StartHub();
  ExportCall invoice = Export("molina", hub::v1::FILE_KIND_INVOICE, "2026-11");
  ASSERT_TRUE(invoice.status.ok()) << invoice.status.error_message();
  EXPECT_EQ(invoice.billing.decisions_withdrawn(), 3) << invoice.billing.DebugString();
  for (const auto& [provider, record] : {std::pair<std::string, std::string>{"golf_network", a1_1},
                                         {"golf_network", a1_2},
                                         {"hotel_health", a2}}) {
    const hub::v1::BillingStatus line = Billing(provider)[record];
    EXPECT_EQ(line.state(), hub::v1::BILLING_STATE_BILLED) << record;
    EXPECT_EQ(line.file_kind(), hub::v1::FILE_KIND_INVOICE) << record;
    EXPECT_FALSE(line.has_plan_decision()) << record;
  }
  ExpectClaimTallyMatchesLines(channel_, {Billing("golf_network"), Billing("hotel_health")});
  // The 835 about the old claims, in a new envelope, reaches nothing.
  const std::string resent = absl::StrReplaceAll(
      remit, {{"000000503", "000000505"}, {"*503*X*", "*505*X*"}, {"GE*1*503", "GE*1*505"}});
  hub::v1::IngestReport report = UploadAnswer(*plans_, hub::v1::FILE_KIND_X12_835, resent);
  EXPECT_EQ(report.changes().claim_lines_answered(), 0) << report.DebugString();
  EXPECT_FALSE(Billing("golf_network")[a1_1].has_plan_decision());
  ExpectClaimTallyMatchesLines(channel_, {Billing("golf_network"), Billing("hotel_health")});
  // The invoice exported again withdraws nothing more.
  EXPECT_EQ(Export("molina", hub::v1::FILE_KIND_INVOICE, "2026-11").billing.decisions_withdrawn(),
            0);
}

}  // namespace
}  // namespace hub::testing
