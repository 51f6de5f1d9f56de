#include "storage/directory_store.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "storage/store.h"
#include "tests/storage/storage_test_util.h"

namespace hub::storage {
namespace {

using test_util::OptionsFor;
using test_util::TempDir;

// Valid NPIs (Luhn with the 80840 prefix); validity is not checked here, but
// use realistic ones.
constexpr char kNpi1[] = "1234567893";
constexpr char kNpi2[] = "1245319599";
constexpr char kNpi3[] = "1003000126";

hub::v1::Plan MakePlan(const std::string& id, const std::string& name = "A Plan") {
  hub::v1::Plan plan;
  plan.set_plan_id(id);
  plan.set_name(name);
  plan.set_county("San Diego");
  return plan;
}

hub::v1::Provider MakeProvider(const std::string& id, const std::string& npi,
                               const std::string& name = "A Provider") {
  hub::v1::Provider provider;
  provider.set_provider_id(id);
  provider.set_npi(npi);
  provider.set_name(name);
  provider.set_tin("123456789");
  provider.add_kinds(hub::v1::PROVIDER_KIND_ECM);
  return provider;
}

template <typename T>
std::vector<std::string> PlanIds(const T& plans) {
  std::vector<std::string> ids;
  for (const auto& p : plans) ids.push_back(p.plan_id());
  return ids;
}

template <typename T>
std::vector<std::string> ProviderIds(const T& providers) {
  std::vector<std::string> ids;
  for (const auto& p : providers) ids.push_back(p.provider_id());
  return ids;
}

class DirectoryStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    directory_.reset();
    if (store_ != nullptr) {
      ASSERT_OK(store_->Close());
    }
    store_.reset();
    ASSERT_OK_AND_ASSIGN(store_, Store::Open(OptionsFor(dir_.path())));
    directory_ = std::make_unique<DirectoryStore>(store_.get());
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<DirectoryStore> directory_;
};

TEST_F(DirectoryStoreTest, CreateGetAndUpdatePlan) {
  ASSERT_OK(directory_->CreatePlan(MakePlan("molina", "Molina Healthcare of California")));
  ASSERT_OK_AND_ASSIGN(hub::v1::Plan plan, directory_->GetPlan("molina"));
  EXPECT_EQ(plan.name(), "Molina Healthcare of California");
  EXPECT_EQ(plan.county(), "San Diego");

  hub::v1::Plan renamed = MakePlan("molina", "Molina");
  renamed.set_adapter_profile("molina");
  ASSERT_OK(directory_->UpdatePlan(renamed));
  ASSERT_OK_AND_ASSIGN(plan, directory_->GetPlan("molina"));
  EXPECT_EQ(plan.name(), "Molina");
  EXPECT_EQ(plan.adapter_profile(), "molina");
}

TEST_F(DirectoryStoreTest, PlanUniquenessAndMissingPlans) {
  ASSERT_OK(directory_->CreatePlan(MakePlan("molina", "first")));
  absl::Status again = directory_->CreatePlan(MakePlan("molina", "second"));
  EXPECT_TRUE(absl::IsAlreadyExists(again)) << again;
  ASSERT_OK_AND_ASSIGN(hub::v1::Plan plan, directory_->GetPlan("molina"));
  EXPECT_EQ(plan.name(), "first");

  EXPECT_TRUE(absl::IsNotFound(directory_->UpdatePlan(MakePlan("kaiser"))));
  EXPECT_TRUE(absl::IsNotFound(directory_->GetPlan("kaiser").status()));
  // A failed update did not create the plan.
  EXPECT_TRUE(absl::IsNotFound(directory_->GetPlan("kaiser").status()));
}

TEST_F(DirectoryStoreTest, ProviderUniquenessOfIdAndNpi) {
  ASSERT_OK(directory_->CreateProvider(MakeProvider("father_joes", kNpi1, "first")));

  absl::Status same_id = directory_->CreateProvider(MakeProvider("father_joes", kNpi2));
  EXPECT_TRUE(absl::IsAlreadyExists(same_id)) << same_id;
  absl::Status same_npi = directory_->CreateProvider(MakeProvider("other_org", kNpi1));
  EXPECT_TRUE(absl::IsAlreadyExists(same_npi)) << same_npi;

  // Neither failed create left anything behind.
  EXPECT_TRUE(absl::IsNotFound(directory_->GetProvider("other_org").status()));
  EXPECT_TRUE(absl::IsNotFound(directory_->GetProviderByNpi(kNpi2).status()));
  ASSERT_OK_AND_ASSIGN(hub::v1::Provider provider, directory_->GetProviderByNpi(kNpi1));
  EXPECT_EQ(provider.provider_id(), "father_joes");
  EXPECT_EQ(provider.name(), "first");
}

TEST_F(DirectoryStoreTest, NpiIndexFollowsAnNpiChange) {
  ASSERT_OK(directory_->CreateProvider(MakeProvider("father_joes", kNpi1)));
  ASSERT_OK(directory_->CreateProvider(MakeProvider("other_org", kNpi2)));

  ASSERT_OK(directory_->UpdateProvider(MakeProvider("father_joes", kNpi3, "renamed")));
  EXPECT_TRUE(absl::IsNotFound(directory_->GetProviderByNpi(kNpi1).status()));
  ASSERT_OK_AND_ASSIGN(hub::v1::Provider by_new, directory_->GetProviderByNpi(kNpi3));
  EXPECT_EQ(by_new.provider_id(), "father_joes");
  EXPECT_EQ(by_new.name(), "renamed");

  // The freed NPI can be used by another provider.
  ASSERT_OK(directory_->CreateProvider(MakeProvider("third_org", kNpi1)));
  ASSERT_OK_AND_ASSIGN(hub::v1::Provider third, directory_->GetProviderByNpi(kNpi1));
  EXPECT_EQ(third.provider_id(), "third_org");

  // Taking another provider's NPI fails and changes nothing.
  absl::Status taken = directory_->UpdateProvider(MakeProvider("father_joes", kNpi2, "taken"));
  EXPECT_TRUE(absl::IsAlreadyExists(taken)) << taken;
  ASSERT_OK_AND_ASSIGN(hub::v1::Provider unchanged, directory_->GetProvider("father_joes"));
  EXPECT_EQ(unchanged.npi(), kNpi3);
  EXPECT_EQ(unchanged.name(), "renamed");
  ASSERT_OK_AND_ASSIGN(hub::v1::Provider other, directory_->GetProviderByNpi(kNpi2));
  EXPECT_EQ(other.provider_id(), "other_org");

  // Updating without an NPI change keeps the index.
  ASSERT_OK(directory_->UpdateProvider(MakeProvider("father_joes", kNpi3, "again")));
  ASSERT_OK_AND_ASSIGN(hub::v1::Provider again, directory_->GetProviderByNpi(kNpi3));
  EXPECT_EQ(again.name(), "again");

  EXPECT_TRUE(absl::IsNotFound(directory_->UpdateProvider(MakeProvider("nobody", kNpi1))));
  EXPECT_TRUE(absl::IsNotFound(directory_->GetProvider("nobody").status()));

  Reopen();
  ASSERT_OK_AND_ASSIGN(hub::v1::Provider reopened, directory_->GetProviderByNpi(kNpi3));
  EXPECT_EQ(reopened.provider_id(), "father_joes");
  EXPECT_TRUE(absl::IsNotFound(directory_->GetProviderByNpi("1111111112").status()));
}

TEST_F(DirectoryStoreTest, ListPlansPagesInIdOrder) {
  for (const char* id : {"plan_c", "plan_a", "plan_e", "plan_b", "plan_d"}) {
    ASSERT_OK(directory_->CreatePlan(MakePlan(id)));
  }
  ASSERT_OK_AND_ASSIGN(auto page1, directory_->ListPlans("", 2));
  EXPECT_EQ(PlanIds(page1), (std::vector<std::string>{"plan_a", "plan_b"}));
  ASSERT_OK_AND_ASSIGN(auto page2, directory_->ListPlans("plan_b", 2));
  EXPECT_EQ(PlanIds(page2), (std::vector<std::string>{"plan_c", "plan_d"}));
  ASSERT_OK_AND_ASSIGN(auto page3, directory_->ListPlans("plan_d", 2));
  EXPECT_EQ(PlanIds(page3), (std::vector<std::string>{"plan_e"}));
  ASSERT_OK_AND_ASSIGN(auto page4, directory_->ListPlans("plan_e", 2));
  EXPECT_TRUE(page4.empty());
  // "after" need not be an existing id.
  ASSERT_OK_AND_ASSIGN(auto between, directory_->ListPlans("plan_bb", 10));
  EXPECT_EQ(PlanIds(between), (std::vector<std::string>{"plan_c", "plan_d", "plan_e"}));
  EXPECT_TRUE(absl::IsInvalidArgument(directory_->ListPlans("", 0).status()));
}

TEST_F(DirectoryStoreTest, ListProvidersPagesInIdOrder) {
  ASSERT_OK(directory_->CreateProvider(MakeProvider("zeta", kNpi1)));
  ASSERT_OK(directory_->CreateProvider(MakeProvider("alpha", kNpi2)));
  ASSERT_OK(directory_->CreateProvider(MakeProvider("mid", kNpi3)));

  ASSERT_OK_AND_ASSIGN(auto page1, directory_->ListProviders("", 2));
  EXPECT_EQ(ProviderIds(page1), (std::vector<std::string>{"alpha", "mid"}));
  ASSERT_OK_AND_ASSIGN(auto page2, directory_->ListProviders("mid", 2));
  EXPECT_EQ(ProviderIds(page2), (std::vector<std::string>{"zeta"}));
  ASSERT_OK_AND_ASSIGN(auto all, directory_->ListProviders("", 100));
  EXPECT_EQ(ProviderIds(all), (std::vector<std::string>{"alpha", "mid", "zeta"}));
}

TEST_F(DirectoryStoreTest, EmptyUntilAPlanOrProviderExists) {
  ASSERT_OK_AND_ASSIGN(bool empty, directory_->Empty());
  EXPECT_TRUE(empty);
  ASSERT_OK(directory_->CreateProvider(MakeProvider("alpha", kNpi1)));
  ASSERT_OK_AND_ASSIGN(empty, directory_->Empty());
  EXPECT_FALSE(empty);
}

TEST_F(DirectoryStoreTest, NotEmptyWithOnlyAPlanAndAfterReopen) {
  ASSERT_OK(directory_->CreatePlan(MakePlan("molina")));
  ASSERT_OK_AND_ASSIGN(bool empty, directory_->Empty());
  EXPECT_FALSE(empty);
  Reopen();
  ASSERT_OK_AND_ASSIGN(empty, directory_->Empty());
  EXPECT_FALSE(empty);
  ASSERT_OK_AND_ASSIGN(hub::v1::Plan plan, directory_->GetPlan("molina"));
  EXPECT_EQ(plan.plan_id(), "molina");
}

TEST_F(DirectoryStoreTest, SeedWritesEverythingOnceAndOnlyIntoAnEmptyDirectory) {
  ASSERT_OK(directory_->Seed({MakePlan("molina"), MakePlan("kaiser")},
                             {MakeProvider("alpha", kNpi1), MakeProvider("beta", kNpi2)}));
  Reopen();
  ASSERT_OK_AND_ASSIGN(auto plans, directory_->ListPlans("", 10));
  EXPECT_EQ(PlanIds(plans), (std::vector<std::string>{"kaiser", "molina"}));
  ASSERT_OK_AND_ASSIGN(hub::v1::Provider beta, directory_->GetProviderByNpi(kNpi2));
  EXPECT_EQ(beta.provider_id(), "beta");
  absl::Status again = directory_->Seed({MakePlan("aetna")}, {});
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::IsNotFound(directory_->GetPlan("aetna").status()));
}

}  // namespace
}  // namespace hub::storage
