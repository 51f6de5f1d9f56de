// The submit pipeline validates a group from one read of its members
// (GroupMemberReads over storage::MemberCareReader); a record checked alone
// reads the stores (StoreMemberReads). These tests validate the same mixed
// group both ways, with authorizations' units carried from record to record
// as the pipeline does, and expect identical verdicts for every provider.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/identifiers.h"
#include "base/string_view.h"
#include "gtest/gtest.h"
#include "hub/common/reference_tables.h"
#include "hub/submit/member_reads.h"
#include "hub/submit/submit_validation.h"
#include "storage/directory_store.h"
#include "storage/member_care.h"
#include "tests/hub/submit_test_env.h"

namespace hub::testing {
namespace {

constexpr char kEcm[] = "10000001A";           // molina, assigned to alpha_cbo (ECM)
constexpr char kEcmNext[] = "10000001B";       // neighbouring CIN: aetna, alpha_cbo until Oct
constexpr char kEcmOther[] = "10000002B";      // molina, assigned to golf_network
constexpr char kCs[] = "10000003C";            // molina, authorized to bravo_housing
constexpr char kUncovered[] = "10000005E";     // a member, no coverage
constexpr char kNoMember[] = "10000009Z";      // no member
constexpr char kDepositAuth[] = "AUTH-DEP-1";  // HOUSING_DEPOSITS, 10 units, Oct-Dec 2026
constexpr char kRequestedDepositAuth[] = "AUTH-DEP-2";
constexpr char kOtherAuth[] = "AUTH-DEP-3";  // kEcm's, bravo_housing

// The outcome of validating a group, one line per record.
std::vector<std::string> Outcomes(const SubmissionValidator& validator,
                                  const hub::v1::Provider* provider,
                                  const std::vector<hub::v1::Submission>& group,
                                  const MemberReads* reads) {
  PendingAuthorizations pending;
  std::vector<std::string> out;
  for (const hub::v1::Submission& s : group) {
    absl::StatusOr<Verdict> verdict =
        reads == nullptr ? validator.Validate(provider, s, kToday, pending)
                         : validator.Validate(provider, s, kToday, pending, *reads);
    EXPECT_TRUE(verdict.ok()) << verdict.status();
    if (!verdict.ok()) return out;
    if (!verdict->accepted()) {
      const Violation& v = *verdict->violation;
      out.push_back(absl::StrCat(s.idempotency_key(), " rejected ", v.reason_code, " ", v.field,
                                 " ", v.message));
      continue;
    }
    const RoutedRecord& routed = verdict->routed;
    out.push_back(absl::StrCat(s.idempotency_key(), " accepted ", routed.kind, " ", routed.plan_id,
                               " units ", routed.units_used, " auth ",
                               routed.authorization ? routed.authorization->DebugString() : "-"));
    if (routed.authorization.has_value()) {  // As SubmitPipeline::Accept does.
      hub::v1::Authorization auth = *routed.authorization;
      auth.set_units_used(auth.units_used() + routed.units_used);
      pending.Put(auth);
    }
  }
  return out;
}

class SubmitGroupReadsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = SubmitEnv::Start();
    ASSERT_NE(env_, nullptr);
    env_->AddEcmMember(kEcm, "molina", "alpha_cbo");
    env_->AddMember(kEcmNext);
    env_->AddCoverage(kEcmNext, "aetna", "2026-01-01");
    env_->AddAssignment(kEcmNext, "aetna", "alpha_cbo", "2026-01-01", "2026-10-31");
    env_->AddEcmMember(kEcmOther, "molina", "golf_network");
    // A retroactive switch: health_net covers kEcmOther in November.
    env_->AddCoverage(kEcmOther, "health_net", "2026-11-01", "2026-11-30");
    env_->AddMember(kCs);
    env_->AddCoverage(kCs, "molina", "2026-01-01");
    env_->AddAuthorization(MakeAuthorization(kDepositAuth, kCs, "molina", "bravo_housing",
                                             hub::v1::COMMUNITY_SUPPORT_HOUSING_DEPOSITS, 10,
                                             "2026-10-01", "2026-12-31"));
    hub::v1::Authorization requested =
        MakeAuthorization(kRequestedDepositAuth, kCs, "molina", "bravo_housing",
                          hub::v1::COMMUNITY_SUPPORT_HOUSING_DEPOSITS, 10, "2026-10-01", "");
    requested.set_status(hub::v1::AUTHORIZATION_STATUS_REQUESTED);
    env_->AddAuthorization(requested);
    env_->AddAuthorization(MakeAuthorization(kOtherAuth, kEcm, "molina", "bravo_housing",
                                             hub::v1::COMMUNITY_SUPPORT_HOUSING_DEPOSITS, 5,
                                             "2026-01-01", ""));
    env_->AddMember(kUncovered);

    absl::StatusOr<std::unique_ptr<ReferenceTables>> reference =
        ReferenceTables::LoadDir(std::string(HUB_SOURCE_DIR) + "/data/reference");
    ASSERT_TRUE(reference.ok()) << reference.status();
    reference_ = *std::move(reference);
    members_ = std::make_unique<storage::MemberStore>(env_->store());
    coverage_ = std::make_unique<storage::CoverageIndex>(env_->store());
    care_ = std::make_unique<storage::CareStore>(env_->store());
    validator_ = std::make_unique<SubmissionValidator>(members_.get(), coverage_.get(), care_.get(),
                                                       reference_.get());
    storage::DirectoryStore directory(env_->store());
    for (const char* id : {"alpha_cbo", "bravo_housing", "golf_network"}) {
      absl::StatusOr<hub::v1::Provider> provider = directory.GetProvider(id);
      ASSERT_TRUE(provider.ok()) << provider.status();
      providers_.push_back(*std::move(provider));
    }
  }

  // Many records of the same members, in an interleaved order, with every
  // outcome of the member checks among them.
  std::vector<hub::v1::Submission> MixedGroup() const {
    std::vector<hub::v1::Submission> group;
    int n = 0;
    auto key = [&n](std::string_view what) { return absl::StrCat(Absl(what), "-", n++); };
    for (int round = 0; round < 4; ++round) {
      const std::string day = absl::StrCat("2026-", round % 2 == 0 ? "10" : "11", "-0", 2 + round);
      group.push_back(EcmService(key("ecm"), kEcm, day));
      group.push_back(EcmOutreach(key("outreach"), kEcmNext, day));
      group.push_back(EcmService(key("other"), kEcmOther, day));
      group.push_back(CsService(key("cs"), kCs, day, kDepositAuth, "H0044", {"U2"}, 3));
      group.push_back(EcmService(key("ecm-bad-mod"), kEcm, day, {"ZZ"}));
      group.push_back(
          CsService(key("cs-requested"), kCs, day, kRequestedDepositAuth, "H0044", {"U2"}, 1));
      group.push_back(CsService(key("cs-other-member"), kCs, day, kOtherAuth, "H0044", {"U2"}, 1));
      group.push_back(CsService(key("cs-not-theirs"), kEcm, day, kOtherAuth, "H0044", {"U2"}, 1));
      group.push_back(CsService(key("cs-none"), kCs, day, "AUTH-NOPE", "H0044", {"U2"}, 1));
      group.push_back(EcmService(key("uncovered"), kUncovered, day));
      group.push_back(EcmService(key("unknown"), kNoMember, day));
      group.push_back(
          Referral(key("referral"), kCs, day, kDepositAuth, hub::v1::REFERRAL_STATUS_ACCEPTED));
      group.push_back(EcmService(key("bad-cin"), "not-a-cin", day));
      group.push_back(EcmService(key("early"), kEcm, "2025-12-31"));
    }
    return group;
  }

  std::unique_ptr<SubmitEnv> env_;
  std::unique_ptr<ReferenceTables> reference_;
  std::unique_ptr<storage::MemberStore> members_;
  std::unique_ptr<storage::CoverageIndex> coverage_;
  std::unique_ptr<storage::CareStore> care_;
  std::unique_ptr<SubmissionValidator> validator_;
  std::vector<hub::v1::Provider> providers_;
};

TEST_F(SubmitGroupReadsTest, GroupReadGivesThePerRecordVerdicts) {
  const std::vector<hub::v1::Submission> group = MixedGroup();
  std::vector<std::string_view> cins, cs_cins;
  for (const hub::v1::Submission& s : group) {
    const RecordView v = ViewOf(s);
    if (!ValidateCin(v.cin).ok()) continue;
    cins.push_back(v.cin);
    if (!v.authorization_number.empty()) cs_cins.push_back(v.cin);
  }
  storage::MemberCareReader reader(env_->store());
  absl::StatusOr<storage::MemberCareSet> all = reader.Read(cins);
  ASSERT_TRUE(all.ok()) << all.status();
  // As the pipeline reads: authorizations only for the CINs of records
  // naming one (the others' go to the stores when a rejection asks).
  absl::StatusOr<storage::MemberCareSet> as_pipeline = reader.Read(cins, cs_cins);
  ASSERT_TRUE(as_pipeline.ok()) << as_pipeline.status();
  // Some CINs left out of the read: those go to the stores.
  absl::StatusOr<storage::MemberCareSet> some = reader.Read({kEcm, kCs, kNoMember});
  ASSERT_TRUE(some.ok()) << some.status();
  const StoreMemberReads store_reads(members_.get(), coverage_.get(), care_.get());
  const GroupMemberReads all_reads(&*all, &store_reads);
  const GroupMemberReads some_reads(&*some, &store_reads);
  const GroupMemberReads pipeline_reads(&*as_pipeline, &store_reads);
  ASSERT_FALSE(as_pipeline->Find(kUncovered)->authorizations_read);
  // A read of the members' data, not of the stores per record: the group
  // holds each CIN once.
  ASSERT_EQ(all->members().size(), 6u);

  std::set<std::string> seen;  // Reason codes and acceptances the group produced.
  std::vector<const hub::v1::Provider*> providers = {nullptr};
  for (const hub::v1::Provider& p : providers_) providers.push_back(&p);
  for (const hub::v1::Provider* provider : providers) {
    SCOPED_TRACE(provider == nullptr ? "no provider" : provider->provider_id());
    const std::vector<std::string> per_record = Outcomes(*validator_, provider, group, nullptr);
    ASSERT_EQ(per_record.size(), group.size());
    for (const MemberReads* reads : {&all_reads, &some_reads, &pipeline_reads}) {
      const std::vector<std::string> grouped = Outcomes(*validator_, provider, group, reads);
      ASSERT_EQ(grouped.size(), per_record.size());
      for (size_t i = 0; i < grouped.size(); ++i) EXPECT_EQ(grouped[i], per_record[i]);
    }
    for (const std::string& line : per_record) {
      const size_t verb = line.find(' ') + 1;
      seen.insert(line.substr(verb, line.find(' ', line.find(' ', verb) + 1) - verb));
    }
  }
  // The group reaches every member check, so a difference would show.
  for (std::string_view expected :
       {kUnknownMember, kMemberNotCovered, kProviderNotContracted, kNotAssigned,
        kUnknownAuthorization, kNotAuthorized, kAuthorizationNotActive, kCodeModifierMismatch,
        kUnitsExceeded, kInvalidCin}) {
    EXPECT_TRUE(seen.count(absl::StrCat("rejected ", Absl(expected)))) << expected;
  }
  int accepted = 0;
  for (const std::string& s : seen) accepted += s.starts_with("accepted");
  EXPECT_GT(accepted, 0);
}

}  // namespace
}  // namespace hub::testing
