// Finding 2 of issue 15: 42 CFR Part 2 consent could be forged. Any provider
// could record a consent with an empty discloser and recipient for any CIN,
// even a member it does not serve; another Part 2 program's records (and
// records withheld earlier) then reached the plan in full, and the program
// itself could not see or revoke that consent. Now only the disclosing
// program (for its own records, of members it serves) or a county
// administrator records a consent; every consent names its discloser; the
// program lists and revokes every consent that covers its records. Over real
// mutual TLS, each refusal its own test.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/directory/seed_loader.h"
#include "hub/feed/feed_disclosure.h"
#include "hub/v1/consent.grpc.pb.h"
#include "hub/v1/plan_service.grpc.pb.h"
#include "hub/v1/provider_service.grpc.pb.h"
#include "storage/care_store.h"
#include "storage/consent_store.h"
#include "storage/coverage_index.h"
#include "storage/directory_store.h"
#include "storage/member_store.h"
#include "storage/store.h"
#include "tests/hub/hub_test_util.h"
#include "tests/hub/submit_test_env.h"
#include "tests/hub/tls_test_util.h"

namespace hub::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPart2Member[] = "10000006F";  // molina; hotel_recovery (Part 2) serves it
constexpr char kAlphaMember[] = "10000001A";  // molina; alpha_cbo serves it
constexpr char kNobody[] = "10000009Z";       // no such member

// The small seed, molina rendering files through its shipped profile, and
// hotel_recovery: an ECM provider of molina that is a Part 2 program.
std::string Seed() {
  std::string seed = absl::StrReplaceAll(
      SmallSeedText(),
      {{"plan_id: \"molina\"\n", "plan_id: \"molina\"\n  adapter_profile: \"molina\"\n"}});
  absl::StrAppend(&seed, "providers {\n  provider_id: \"hotel_recovery\"\n  npi: \"",
                  Npi("100000008"),
                  "\"\n  tin: \"888888888\"\n  name: \"Hotel Recovery Center\"\n"
                  "  kinds: PROVIDER_KIND_ECM\n  part2_program: true\n"
                  "  contracts { plan_id: \"molina\" kinds: PROVIDER_KIND_ECM }\n}\n");
  return seed;
}

// Writes the directory and the two members into root/data before the hub
// starts there.
void SeedStore(const std::string& root) {
  WriteFile(root + "/seed.textproto", Seed());
  storage::StoreOptions options;
  options.data_dir = root + "/data";
  absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  storage::DirectoryStore directory(store->get());
  ASSERT_TRUE(LoadSeedIfEmpty(directory, root + "/seed.textproto").ok());
  storage::MemberStore members(store->get());
  storage::CoverageIndex coverage(store->get());
  storage::CareStore care(store->get());
  storage::WriteBatch batch;
  for (const auto& [cin, provider] :
       {std::pair{kPart2Member, "hotel_recovery"}, std::pair{kAlphaMember, "alpha_cbo"}}) {
    hub::v1::Member m;
    m.set_cin(cin);
    m.mutable_name()->set_first("Test");
    m.mutable_name()->set_last("Member");
    members.Put(batch, m);
    hub::v1::Coverage c;
    c.set_cin(cin);
    c.set_plan_id("molina");
    c.set_start_date("2026-01-01");
    coverage.Put(batch, c);
    hub::v1::Assignment a;
    a.set_cin(cin);
    a.set_plan_id("molina");
    a.set_provider_id(provider);
    a.set_benefit_start_date("2026-01-01");
    a.set_status(hub::v1::ENROLLMENT_STATUS_ENROLLED);
    care.PutAssignment(batch, a);
  }
  ASSERT_TRUE((*store)->Commit(batch, storage::Durability::kSync).ok());
  ASSERT_TRUE((*store)->Close().ok());
}

hub::v1::RecordConsentRequest Consent(std::string_view provider_id, std::string_view cin,
                                      std::string_view discloser, std::string_view recipient) {
  hub::v1::RecordConsentRequest request;
  request.set_provider_id(std::string(provider_id));
  hub::v1::Consent* c = request.mutable_consent();
  c->set_member_cin(std::string(cin));
  c->set_discloser_provider_id(std::string(discloser));
  c->set_recipient_plan_id(std::string(recipient));
  c->add_purposes(hub::v1::CONSENT_PURPOSE_TREATMENT_PAYMENT_OPERATIONS);
  c->set_signed_date("2026-11-01");
  c->set_expiration_date("2027-11-01");
  return request;
}

class ConsentAuthorityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new TestPki(MakeTestPki());
    AddClientCertificate(*pki_, "hotel_recovery", "urn:hub:provider:hotel_recovery");
  }
  static void TearDownTestSuite() { delete pki_; }

  void SetUp() override {
    const std::string root = MakeTempDir();
    SeedStore(root);
    hub_ = StartTlsTestHub(*pki_, Seed(), root, nullptr);
    ASSERT_NE(hub_, nullptr);
  }

  grpc::Status Record(std::string_view cert, const hub::v1::RecordConsentRequest& request,
                      hub::v1::RecordConsentResponse* response = nullptr) {
    auto stub = hub::v1::ConsentService::NewStub(hub_->Channel(*pki_, cert));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    hub::v1::RecordConsentResponse ignored;
    return stub->RecordConsent(&context, request, response != nullptr ? response : &ignored);
  }

  // The Part 2 program submits an outreach attempt for its member.
  void SubmitPart2(const std::string& key) {
    auto stub = hub::v1::ProviderService::NewStub(hub_->Channel(*pki_, "hotel_recovery"));
    grpc::ClientContext context;
    hub::v1::SubmitRequest request;
    request.set_provider_id("hotel_recovery");
    *request.add_submissions() = EcmOutreach(key, kPart2Member, "2026-11-03");
    hub::v1::SubmitResponse response;
    ASSERT_TRUE(stub->Submit(&context, request, &response).ok());
    ASSERT_TRUE(response.results(0).has_accepted()) << response.DebugString();
  }

  // What molina receives of its feed: the items, from the start.
  std::vector<hub::v1::FeedItem> Pull() {
    auto stub = hub::v1::PlanService::NewStub(hub_->Channel(*pki_, "molina"));
    grpc::ClientContext context;
    hub::v1::PullFeedRequest request;
    request.set_plan_id("molina");
    auto reader = stub->PullFeed(&context, request);
    std::vector<hub::v1::FeedItem> items;
    hub::v1::PullFeedResponse response;
    while (reader->Read(&response)) items.push_back(response.item());
    EXPECT_TRUE(reader->Finish().ok());
    return items;
  }

  // molina's OTF of 2026-11: (records in the file, Part 2 records withheld).
  std::pair<int64_t, int64_t> ExportOtf() {
    auto stub = hub::v1::PlanService::NewStub(hub_->Channel(*pki_, "molina"));
    grpc::ClientContext context;
    hub::v1::ExportFileRequest request;
    request.set_plan_id("molina");
    request.set_kind(hub::v1::FILE_KIND_OUTREACH_TRACKER);
    request.set_period("2026-11");
    auto reader = stub->ExportFile(&context, request);
    hub::v1::ExportFileResponse response;
    std::pair<int64_t, int64_t> counts{-1, -1};
    while (reader->Read(&response)) {
      if (response.has_header()) {
        counts = {response.header().record_count(), response.header().part2_withheld_count()};
      }
    }
    EXPECT_TRUE(reader->Finish().ok());
    return counts;
  }

  static TestPki* pki_;
  std::unique_ptr<TlsTestHub> hub_;
};
TestPki* ConsentAuthorityTest::pki_ = nullptr;

// The attack of the finding, end to end: it no longer releases anything.
TEST_F(ConsentAuthorityTest, AnotherProviderCannotReleaseAProgramsRecords) {
  SubmitPart2("p2-before");
  std::vector<hub::v1::FeedItem> items = Pull();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].withheld_reason(), kPart2Withheld);

  // alpha_cbo forges "any discloser, any plan" for a member it does not serve.
  const grpc::Status forged = Record("alpha_cbo", Consent("alpha_cbo", kPart2Member, "", ""));
  EXPECT_FALSE(forged.ok());

  SubmitPart2("p2-after");
  items = Pull();
  ASSERT_EQ(items.size(), 2u);
  for (const hub::v1::FeedItem& item : items) {
    EXPECT_EQ(item.withheld_reason(), kPart2Withheld) << item.record_id();
    EXPECT_FALSE(item.has_submission());
  }
  // Nor do the monthly files carry them.
  EXPECT_EQ(ExportOtf(), (std::pair<int64_t, int64_t>{0, 2}));
}

// A provider records consents only for its own disclosures: it must name
// itself as the discloser (an empty discloser no longer means "any").
TEST_F(ConsentAuthorityTest, AProviderMustNameItselfAsTheDiscloser) {
  const grpc::Status empty =
      Record("hotel_recovery", Consent("hotel_recovery", kPart2Member, "", "molina"));
  EXPECT_EQ(empty.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(empty.error_message(), HasSubstr("discloser_provider_id"));
  const grpc::Status other =
      Record("alpha_cbo", Consent("alpha_cbo", kAlphaMember, "hotel_recovery", "molina"));
  EXPECT_EQ(other.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  hub::v1::RecordConsentResponse recorded;
  const grpc::Status own =
      Record("hotel_recovery", Consent("hotel_recovery", kPart2Member, "hotel_recovery", "molina"),
             &recorded);
  ASSERT_TRUE(own.ok()) << own.error_message();
  EXPECT_EQ(recorded.consent().discloser_provider_id(), "hotel_recovery");
  EXPECT_EQ(recorded.consent().recorded_by(), "provider:hotel_recovery");
}

// ... and only for members it serves; for a member it does not serve the
// answer is the same as for a member that does not exist (no oracle).
TEST_F(ConsentAuthorityTest, AProviderCannotRecordForAMemberItDoesNotServe) {
  const grpc::Status not_served =
      Record("alpha_cbo", Consent("alpha_cbo", kPart2Member, "alpha_cbo", "molina"));
  const grpc::Status nobody =
      Record("alpha_cbo", Consent("alpha_cbo", kNobody, "alpha_cbo", "molina"));
  EXPECT_FALSE(not_served.ok());
  EXPECT_EQ(not_served.error_code(), nobody.error_code());
  EXPECT_EQ(not_served.error_message(), nobody.error_message());
  EXPECT_THAT(not_served.error_message(), Not(HasSubstr("molina")));
  EXPECT_TRUE(Record("alpha_cbo", Consent("alpha_cbo", kAlphaMember, "alpha_cbo", "molina")).ok());
}

// The county administrator records consents for any program, but a consent
// always names its discloser; plans and analysts record none.
TEST_F(ConsentAuthorityTest, AdministratorNamesTheDiscloserOthersMayNotRecord) {
  const grpc::Status any = Record("admin", Consent("", kPart2Member, "", "molina"));
  EXPECT_EQ(any.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(Record("admin", Consent("", kPart2Member, "hotel_recovery", "molina")).ok());
  EXPECT_EQ(Record("molina", Consent("", kPart2Member, "hotel_recovery", "molina")).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Record("analyst", Consent("", kPart2Member, "hotel_recovery", "molina")).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// The program sees and revokes every consent that covers its records,
// whoever recorded it; another provider sees none of them.
TEST_F(ConsentAuthorityTest, TheProgramListsAndRevokesEveryConsentCoveringItsRecords) {
  hub::v1::RecordConsentResponse by_admin;
  ASSERT_TRUE(
      Record("admin", Consent("", kPart2Member, "hotel_recovery", "molina"), &by_admin).ok());
  auto program = hub::v1::ConsentService::NewStub(hub_->Channel(*pki_, "hotel_recovery"));
  {
    grpc::ClientContext context;
    hub::v1::ListConsentsRequest request;
    request.set_provider_id("hotel_recovery");
    hub::v1::ListConsentsResponse response;
    ASSERT_TRUE(program->ListConsents(&context, request, &response).ok());
    ASSERT_EQ(response.consents_size(), 1);
    EXPECT_EQ(response.consents(0).consent_id(), by_admin.consent().consent_id());
  }
  {
    auto other = hub::v1::ConsentService::NewStub(hub_->Channel(*pki_, "alpha_cbo"));
    grpc::ClientContext context;
    hub::v1::ListConsentsRequest request;
    request.set_provider_id("alpha_cbo");
    hub::v1::ListConsentsResponse response;
    ASSERT_TRUE(other->ListConsents(&context, request, &response).ok());
    EXPECT_EQ(response.consents_size(), 0);
  }
  grpc::ClientContext context;
  hub::v1::RevokeConsentRequest revoke;
  revoke.set_provider_id("hotel_recovery");
  revoke.set_consent_id(by_admin.consent().consent_id());
  hub::v1::RevokeConsentResponse revoked;
  ASSERT_TRUE(program->RevokeConsent(&context, revoke, &revoked).ok());
  EXPECT_TRUE(revoked.consent().has_revoke_time());
  EXPECT_EQ(revoked.consent().revoked_by(), "provider:hotel_recovery");
}

// A consent stored before this rule with an empty discloser covers only the
// records of the provider that recorded it, not another program's.
TEST(LegacyConsentTest, AnEmptyDiscloserMeansTheProviderThatRecordedIt) {
  hub::v1::Consent legacy;
  legacy.set_consent_id("cns_0000000000000001");
  legacy.set_member_cin(kPart2Member);
  legacy.add_purposes(hub::v1::CONSENT_PURPOSE_TREATMENT_PAYMENT_OPERATIONS);
  legacy.set_signed_date("2026-11-01");
  legacy.set_expiration_date("2027-11-01");
  legacy.set_recorded_by("provider:alpha_cbo");
  hub::v1::FeedItem item;
  item.set_provider_id("hotel_recovery");
  item.set_kind(hub::v1::RECORD_KIND_OUTREACH_ATTEMPT);
  item.mutable_submission()->mutable_outreach_attempt()->set_cin(kPart2Member);
  EXPECT_FALSE(ConsentCovers(legacy, item, "molina", kPart2Member, FixedTime()));
  item.set_provider_id("alpha_cbo");
  EXPECT_TRUE(ConsentCovers(legacy, item, "molina", kPart2Member, FixedTime()));
  // One the county administrator recorded keeps covering any discloser.
  legacy.set_recorded_by("county:admin");
  item.set_provider_id("hotel_recovery");
  EXPECT_TRUE(ConsentCovers(legacy, item, "molina", kPart2Member, FixedTime()));
}

}  // namespace
}  // namespace hub::testing
