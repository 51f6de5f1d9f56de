#include "storage/care_store.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "storage/store.h"
#include "tests/storage/storage_test_util.h"

namespace hub::storage {
namespace {

using test_util::OptionsFor;
using test_util::TempDir;

constexpr char kCin[] = "99898657G";
constexpr char kOtherCin[] = "12345678A";

hub::v1::Assignment MakeAssignment(std::string cin, std::string plan, std::string provider,
                                   std::string start, std::string end = "") {
  hub::v1::Assignment a;
  a.set_cin(cin);
  a.set_plan_id(plan);
  a.set_provider_id(provider);
  a.set_benefit_start_date(start);
  a.set_benefit_end_date(end);
  a.add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_ADULT_INDIVIDUAL_HOMELESSNESS);
  a.mutable_lead_care_manager()->set_name("Care Manager");
  return a;
}

hub::v1::Authorization MakeAuthorization(std::string plan, std::string number, std::string cin,
                                         std::string start, std::string end = "") {
  hub::v1::Authorization a;
  a.set_plan_id(plan);
  a.set_authorization_number(number);
  a.set_cin(cin);
  a.set_provider_id("father_joes_villages");
  a.set_hcpcs_code("H0043");
  a.add_modifiers("U6");
  a.set_units_approved(30);
  a.set_start_date(start);
  a.set_end_date(end);
  return a;
}

std::vector<std::string> Providers(const std::vector<hub::v1::Assignment>& assignments) {
  std::vector<std::string> out;
  for (const auto& a : assignments) out.push_back(a.plan_id() + "/" + a.provider_id());
  return out;
}

std::vector<std::string> Numbers(const std::vector<hub::v1::Authorization>& authorizations) {
  std::vector<std::string> out;
  for (const auto& a : authorizations) out.push_back(a.plan_id() + "/" + a.authorization_number());
  return out;
}

class CareStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    care_.reset();
    if (store_ != nullptr) {
      ASSERT_OK(store_->Close());
    }
    store_.reset();
    ASSERT_OK_AND_ASSIGN(store_, Store::Open(OptionsFor(dir_.path())));
    care_ = std::make_unique<CareStore>(store_.get());
  }

  uint64_t Assign(const hub::v1::Assignment& a) {
    WriteBatch batch;
    const uint64_t version = care_->PutAssignment(batch, a);
    EXPECT_OK(store_->Commit(batch, Durability::kSync));
    return version;
  }

  uint64_t Authorize(const hub::v1::Authorization& a) {
    WriteBatch batch;
    absl::StatusOr<uint64_t> version = care_->PutAuthorization(batch, a);
    EXPECT_OK(version);
    EXPECT_OK(store_->Commit(batch, Durability::kSync));
    return version.value_or(0);
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<CareStore> care_;
};

TEST_F(CareStoreTest, AssignmentsAreOrderedByPlanThenProvider) {
  const uint64_t v1 = Assign(MakeAssignment(kCin, "plan_b", "prov_a", "2025-01-01"));
  const uint64_t v2 = Assign(MakeAssignment(kCin, "plan_a", "prov_z", "2025-01-01"));
  const uint64_t v3 = Assign(MakeAssignment(kCin, "plan_a", "prov_b", "2025-01-01"));
  Assign(MakeAssignment(kOtherCin, "plan_a", "prov_b", "2025-01-01"));
  EXPECT_LT(v1, v2);
  EXPECT_LT(v2, v3);

  ASSERT_OK_AND_ASSIGN(auto all, care_->Assignments(kCin));
  EXPECT_EQ(Providers(all),
            (std::vector<std::string>{"plan_a/prov_b", "plan_a/prov_z", "plan_b/prov_a"}));
  EXPECT_EQ(all[0].version(), v3);
  EXPECT_EQ(all[0].lead_care_manager().name(), "Care Manager");
  EXPECT_EQ(all[0].populations_of_focus_size(), 1);
}

TEST_F(CareStoreTest, AssignmentsOnFiltersByBenefitPeriod) {
  Assign(MakeAssignment(kCin, "plan_a", "prov_a", "2025-01-01", "2025-03-31"));
  Assign(MakeAssignment(kCin, "plan_a", "prov_b", "2025-04-01"));

  ASSERT_OK_AND_ASSIGN(auto before, care_->AssignmentsOn(kCin, "2024-12-31"));
  EXPECT_TRUE(before.empty());
  ASSERT_OK_AND_ASSIGN(auto first_day, care_->AssignmentsOn(kCin, "2025-01-01"));
  EXPECT_EQ(Providers(first_day), (std::vector<std::string>{"plan_a/prov_a"}));
  ASSERT_OK_AND_ASSIGN(auto last_day, care_->AssignmentsOn(kCin, "2025-03-31"));
  EXPECT_EQ(Providers(last_day), (std::vector<std::string>{"plan_a/prov_a"}));
  ASSERT_OK_AND_ASSIGN(auto open, care_->AssignmentsOn(kCin, "2030-06-01"));
  EXPECT_EQ(Providers(open), (std::vector<std::string>{"plan_a/prov_b"}));
  ASSERT_OK_AND_ASSIGN(auto unknown, care_->AssignmentsOn(kOtherCin, "2025-02-01"));
  EXPECT_TRUE(unknown.empty());
}

TEST_F(CareStoreTest, PutAssignmentReplacesSameIdentityAndDeleteRemovesIt) {
  Assign(MakeAssignment(kCin, "plan_a", "prov_a", "2025-01-01"));
  // A second benefit period with the same provider is a separate assignment.
  Assign(MakeAssignment(kCin, "plan_a", "prov_a", "2026-01-01"));
  const uint64_t ended =
      Assign(MakeAssignment(kCin, "plan_a", "prov_a", "2025-01-01", "2025-06-30"));

  ASSERT_OK_AND_ASSIGN(auto all, care_->Assignments(kCin));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].benefit_start_date(), "2025-01-01");
  EXPECT_EQ(all[0].benefit_end_date(), "2025-06-30");
  EXPECT_EQ(all[0].version(), ended);
  EXPECT_EQ(all[1].benefit_start_date(), "2026-01-01");

  WriteBatch batch;
  care_->DeleteAssignment(batch, MakeAssignment(kCin, "plan_a", "prov_a", "2025-01-01"));
  care_->DeleteAssignment(batch, MakeAssignment(kCin, "plan_x", "prov_a", "2025-01-01"));
  ASSERT_OK(store_->Commit(batch, Durability::kSync));
  ASSERT_OK_AND_ASSIGN(auto left, care_->Assignments(kCin));
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].benefit_start_date(), "2026-01-01");
}

TEST_F(CareStoreTest, GetAuthorizationByPlanAndNumber) {
  const uint64_t version = Authorize(MakeAuthorization("plan_a", "AUTH-1", kCin, "2025-01-01"));
  Authorize(MakeAuthorization("plan_b", "AUTH-1", kOtherCin, "2025-02-01"));

  ASSERT_OK_AND_ASSIGN(hub::v1::Authorization a, care_->GetAuthorization("plan_a", "AUTH-1"));
  EXPECT_EQ(a.cin(), kCin);
  EXPECT_EQ(a.version(), version);
  EXPECT_EQ(a.hcpcs_code(), "H0043");
  ASSERT_EQ(a.modifiers_size(), 1);
  EXPECT_EQ(a.modifiers(0), "U6");
  ASSERT_OK_AND_ASSIGN(hub::v1::Authorization b, care_->GetAuthorization("plan_b", "AUTH-1"));
  EXPECT_EQ(b.cin(), kOtherCin);

  EXPECT_TRUE(absl::IsNotFound(care_->GetAuthorization("plan_a", "AUTH-2").status()));
  EXPECT_TRUE(absl::IsNotFound(care_->GetAuthorization("plan_c", "AUTH-1").status()));
}

TEST_F(CareStoreTest, AuthorizationWithChangedCinMoves) {
  Authorize(MakeAuthorization("plan_a", "AUTH-1", kCin, "2025-01-01"));
  Authorize(MakeAuthorization("plan_a", "AUTH-2", kCin, "2025-01-01"));
  // The plan corrects AUTH-1's member.
  const uint64_t moved = Authorize(MakeAuthorization("plan_a", "AUTH-1", kOtherCin, "2025-01-01"));

  ASSERT_OK_AND_ASSIGN(auto first_member, care_->Authorizations(kCin));
  EXPECT_EQ(Numbers(first_member), (std::vector<std::string>{"plan_a/AUTH-2"}));
  ASSERT_OK_AND_ASSIGN(auto second_member, care_->Authorizations(kOtherCin));
  EXPECT_EQ(Numbers(second_member), (std::vector<std::string>{"plan_a/AUTH-1"}));
  ASSERT_OK_AND_ASSIGN(hub::v1::Authorization a, care_->GetAuthorization("plan_a", "AUTH-1"));
  EXPECT_EQ(a.cin(), kOtherCin);
  EXPECT_EQ(a.version(), moved);
}

TEST_F(CareStoreTest, AuthorizationMovedTwiceInOneBatch) {
  Authorize(MakeAuthorization("plan_a", "AUTH-1", kCin, "2025-01-01"));

  WriteBatch batch;
  ASSERT_OK(care_->PutAuthorization(
      batch, MakeAuthorization("plan_a", "AUTH-1", kOtherCin, "2025-01-01")));
  ASSERT_OK(care_->PutAuthorization(
      batch, MakeAuthorization("plan_a", "AUTH-1", "55555555C", "2025-01-01")));
  ASSERT_OK(store_->Commit(batch, Durability::kSync));

  ASSERT_OK_AND_ASSIGN(auto first, care_->Authorizations(kCin));
  EXPECT_TRUE(first.empty());
  ASSERT_OK_AND_ASSIGN(auto second, care_->Authorizations(kOtherCin));
  EXPECT_TRUE(second.empty());
  ASSERT_OK_AND_ASSIGN(auto third, care_->Authorizations("55555555C"));
  EXPECT_EQ(Numbers(third), (std::vector<std::string>{"plan_a/AUTH-1"}));
  ASSERT_OK_AND_ASSIGN(hub::v1::Authorization a, care_->GetAuthorization("plan_a", "AUTH-1"));
  EXPECT_EQ(a.cin(), "55555555C");
}

TEST_F(CareStoreTest, AuthorizationsOnFiltersByPeriod) {
  Authorize(MakeAuthorization("plan_a", "AUTH-1", kCin, "2025-01-01", "2025-01-31"));
  Authorize(MakeAuthorization("plan_a", "AUTH-2", kCin, "2025-01-15"));
  Authorize(MakeAuthorization("plan_b", "AUTH-9", kOtherCin, "2025-01-01"));

  ASSERT_OK_AND_ASSIGN(auto early, care_->AuthorizationsOn(kCin, "2025-01-10"));
  EXPECT_EQ(Numbers(early), (std::vector<std::string>{"plan_a/AUTH-1"}));
  ASSERT_OK_AND_ASSIGN(auto both, care_->AuthorizationsOn(kCin, "2025-01-31"));
  EXPECT_EQ(Numbers(both), (std::vector<std::string>{"plan_a/AUTH-1", "plan_a/AUTH-2"}));
  ASSERT_OK_AND_ASSIGN(auto later, care_->AuthorizationsOn(kCin, "2025-02-01"));
  EXPECT_EQ(Numbers(later), (std::vector<std::string>{"plan_a/AUTH-2"}));
  ASSERT_OK_AND_ASSIGN(auto none, care_->AuthorizationsOn(kCin, "2024-12-31"));
  EXPECT_TRUE(none.empty());
}

TEST_F(CareStoreTest, RecordsPersistAcrossReopen) {
  Assign(MakeAssignment(kCin, "plan_a", "prov_a", "2025-01-01"));
  Authorize(MakeAuthorization("plan_a", "AUTH-1", kCin, "2025-01-01"));
  const uint64_t moved = Authorize(MakeAuthorization("plan_a", "AUTH-1", kOtherCin, "2025-01-01"));

  Reopen();

  ASSERT_OK_AND_ASSIGN(auto assignments, care_->AssignmentsOn(kCin, "2025-05-01"));
  EXPECT_EQ(Providers(assignments), (std::vector<std::string>{"plan_a/prov_a"}));
  ASSERT_OK_AND_ASSIGN(hub::v1::Authorization a, care_->GetAuthorization("plan_a", "AUTH-1"));
  EXPECT_EQ(a.cin(), kOtherCin);
  EXPECT_EQ(a.version(), moved);
  ASSERT_OK_AND_ASSIGN(auto old_member, care_->Authorizations(kCin));
  EXPECT_TRUE(old_member.empty());
  // New versions continue above the old ones.
  EXPECT_GT(Assign(MakeAssignment(kCin, "plan_b", "prov_a", "2025-01-01")), moved);
}

// --- The per-plan indexes that snapshot ingests use.

std::vector<std::string> ScanAssignments(const CareStore& care, std::string_view plan,
                                         uint64_t listed_since) {
  std::vector<std::string> out;
  EXPECT_OK(care.ScanPlanAssignments(plan, [&](const PlanAssignmentMark& m) {
    out.push_back(m.cin + "/" + m.provider_id + "/" + m.benefit_start_date +
                  (m.mark >= listed_since ? " listed" : " unlisted"));
    return absl::OkStatus();
  }));
  return out;
}

TEST_F(CareStoreTest, PutAssignmentMaintainsThePlanIndexWithItsVersion) {
  const uint64_t v1 = Assign(MakeAssignment(kCin, "plan_a", "prov_a", "2025-01-01"));
  const uint64_t v2 = Assign(MakeAssignment(kOtherCin, "plan_a", "prov_b", "2025-02-01"));
  Assign(MakeAssignment(kCin, "plan_b", "prov_a", "2025-01-01"));
  std::vector<uint64_t> marks;
  ASSERT_OK(care_->ScanPlanAssignments("plan_a", [&](const PlanAssignmentMark& m) {
    marks.push_back(m.mark);
    return absl::OkStatus();
  }));
  // Key order: cin, provider, start. kOtherCin ("1234...") sorts first.
  EXPECT_EQ(marks, (std::vector<uint64_t>{v2, v1}));
  EXPECT_EQ(ScanAssignments(*care_, "plan_a", 0),
            (std::vector<std::string>{std::string(kOtherCin) + "/prov_b/2025-02-01 listed",
                                      std::string(kCin) + "/prov_a/2025-01-01 listed"}));
  // A plan id that is a prefix of another sees only its own entries.
  Assign(MakeAssignment(kCin, "plan_a2", "prov_a", "2025-01-01"));
  EXPECT_EQ(ScanAssignments(*care_, "plan_a", 0).size(), 2u);
}

TEST_F(CareStoreTest, SnapshotEpochSeparatesListedFromUnlisted) {
  const hub::v1::Assignment kept = MakeAssignment(kCin, "plan_a", "prov_a", "2025-01-01");
  const hub::v1::Assignment changed = MakeAssignment(kCin, "plan_a", "prov_b", "2025-01-01");
  const hub::v1::Assignment dropped = MakeAssignment(kOtherCin, "plan_a", "prov_a", "2025-01-01");
  Assign(kept);
  Assign(changed);
  Assign(dropped);

  // A snapshot ingest: a new version is its epoch; it marks what it lists
  // unchanged and puts what changed.
  WriteBatch batch;
  const uint64_t epoch = store_->NextVersion(batch);
  care_->MarkAssignmentListed(batch, kept, epoch);
  hub::v1::Assignment changed2 = changed;
  changed2.set_acuity(hub::v1::ACUITY_HIGH);
  care_->PutAssignment(batch, changed2);
  ASSERT_OK(store_->Commit(batch, Durability::kSync));

  EXPECT_EQ(ScanAssignments(*care_, "plan_a", epoch),
            (std::vector<std::string>{std::string(kOtherCin) + "/prov_a/2025-01-01 unlisted",
                                      std::string(kCin) + "/prov_a/2025-01-01 listed",
                                      std::string(kCin) + "/prov_b/2025-01-01 listed"}));
  // Marking does not rewrite the record.
  ASSERT_OK_AND_ASSIGN(hub::v1::Assignment stored, care_->GetAssignment(kept));
  EXPECT_LT(stored.version(), epoch);

  // Delete removes the index entry too.
  WriteBatch remove;
  care_->DeleteAssignment(remove, dropped);
  ASSERT_OK(store_->Commit(remove, Durability::kSync));
  EXPECT_EQ(ScanAssignments(*care_, "plan_a", epoch).size(), 2u);
  EXPECT_TRUE(absl::IsNotFound(care_->GetAssignment(dropped).status()));
}

TEST_F(CareStoreTest, ScanSeesAConsistentViewWhileTheCallbackWrites) {
  for (int i = 0; i < 50; ++i) {
    Assign(MakeAssignment(absl::StrCat(10000000 + i, "A"), "plan_a", "prov_a", "2025-01-01"));
  }
  int seen = 0;
  ASSERT_OK(care_->ScanPlanAssignments("plan_a", [&](const PlanAssignmentMark& m) {
    ++seen;
    // Writing new entries during the scan must not extend it.
    WriteBatch batch;
    care_->PutAssignment(batch, MakeAssignment(m.cin, "plan_a", "prov_z", "2025-01-01"));
    return store_->Commit(batch, Durability::kBuffered);
  }));
  EXPECT_EQ(seen, 50);
  EXPECT_EQ(ScanAssignments(*care_, "plan_a", 0).size(), 100u);
}

TEST_F(CareStoreTest, ScanStopsAtTheCallbacksError) {
  Assign(MakeAssignment(kCin, "plan_a", "prov_a", "2025-01-01"));
  Assign(MakeAssignment(kOtherCin, "plan_a", "prov_a", "2025-01-01"));
  int calls = 0;
  absl::Status status = care_->ScanPlanAssignments("plan_a", [&](const PlanAssignmentMark&) {
    ++calls;
    return absl::CancelledError("stop");
  });
  EXPECT_TRUE(absl::IsCancelled(status));
  EXPECT_EQ(calls, 1);
}

TEST_F(CareStoreTest, AuthorizationIndexFollowsPutsMarksAndDeletes) {
  const uint64_t v1 = Authorize(MakeAuthorization("plan_a", "AUTH-2", kCin, "2025-01-01"));
  Authorize(MakeAuthorization("plan_a", "AUTH-1", kOtherCin, "2025-01-01"));
  Authorize(MakeAuthorization("plan_b", "AUTH-1", kCin, "2025-01-01"));

  WriteBatch batch;
  const uint64_t epoch = store_->NextVersion(batch);
  care_->MarkAuthorizationListed(batch, "plan_a", "AUTH-1", epoch);
  ASSERT_OK(store_->Commit(batch, Durability::kSync));

  std::vector<std::string> seen;
  ASSERT_OK(care_->ScanPlanAuthorizations("plan_a", [&](const PlanAuthorizationMark& m) {
    seen.push_back(absl::StrCat(m.authorization_number, "=", m.mark));
    return absl::OkStatus();
  }));
  EXPECT_EQ(seen, (std::vector<std::string>{absl::StrCat("AUTH-1=", epoch),
                                            absl::StrCat("AUTH-2=", v1)}));

  WriteBatch remove;
  ASSERT_OK(care_->DeleteAuthorization(remove, "plan_a", "AUTH-2"));
  // Absent: no-op.
  ASSERT_OK(care_->DeleteAuthorization(remove, "plan_a", "AUTH-9"));
  ASSERT_OK(store_->Commit(remove, Durability::kSync));
  EXPECT_TRUE(absl::IsNotFound(care_->GetAuthorization("plan_a", "AUTH-2").status()));
  ASSERT_OK_AND_ASSIGN(auto of_member, care_->Authorizations(kCin));
  EXPECT_EQ(Numbers(of_member), (std::vector<std::string>{"plan_b/AUTH-1"}));
  seen.clear();
  ASSERT_OK(care_->ScanPlanAuthorizations("plan_a", [&](const PlanAuthorizationMark& m) {
    seen.push_back(m.authorization_number);
    return absl::OkStatus();
  }));
  EXPECT_EQ(seen, (std::vector<std::string>{"AUTH-1"}));
}

TEST_F(CareStoreTest, DeleteThenPutAuthorizationInOneBatch) {
  Authorize(MakeAuthorization("plan_a", "AUTH-1", kCin, "2025-01-01"));
  WriteBatch batch;
  ASSERT_OK(care_->DeleteAuthorization(batch, "plan_a", "AUTH-1"));
  ASSERT_OK(care_->PutAuthorization(
      batch, MakeAuthorization("plan_a", "AUTH-1", kOtherCin, "2025-03-01")));
  ASSERT_OK(store_->Commit(batch, Durability::kSync));
  ASSERT_OK_AND_ASSIGN(hub::v1::Authorization a, care_->GetAuthorization("plan_a", "AUTH-1"));
  EXPECT_EQ(a.cin(), kOtherCin);
  EXPECT_EQ(a.start_date(), "2025-03-01");
  ASSERT_OK_AND_ASSIGN(auto old_member, care_->Authorizations(kCin));
  EXPECT_TRUE(old_member.empty());
}

TEST_F(CareStoreTest, GetAssignmentByIdentity) {
  hub::v1::Assignment a = MakeAssignment(kCin, "plan_a", "prov_a", "2025-01-01", "2025-12-31");
  const uint64_t version = Assign(a);
  hub::v1::Assignment identity;
  identity.set_cin(kCin);
  identity.set_plan_id("plan_a");
  identity.set_provider_id("prov_a");
  identity.set_benefit_start_date("2025-01-01");
  ASSERT_OK_AND_ASSIGN(hub::v1::Assignment stored, care_->GetAssignment(identity));
  EXPECT_EQ(stored.benefit_end_date(), "2025-12-31");
  EXPECT_EQ(stored.version(), version);
  identity.set_benefit_start_date("2025-01-02");
  EXPECT_TRUE(absl::IsNotFound(care_->GetAssignment(identity).status()));
}

}  // namespace
}  // namespace hub::storage
