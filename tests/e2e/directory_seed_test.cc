// The San Diego demo directory parses as hub.v1.DirectorySeed and is internally
// consistent: valid ids and NPIs, contracts only with listed plans.
#include <set>
#include <string>

#include "base/civil_date.h"
#include "base/identifiers.h"
#include "gtest/gtest.h"
#include "hub/v1/directory_seed.pb.h"
#include "tests/e2e/data_files.h"

namespace hub {
namespace {

using ::hub::testing::ParseTextFile;

class DirectorySeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(ParseTextFile("demo/san_diego/directory.textproto", &seed_), "");
  }
  v1::DirectorySeed seed_;
};

TEST_F(DirectorySeedTest, SevenSanDiegoPlans) {
  std::set<std::string> ids;
  for (const v1::Plan& plan : seed_.plans()) {
    EXPECT_TRUE(ValidatePlanId(plan.plan_id()).ok()) << plan.plan_id();
    EXPECT_EQ(plan.county(), "San Diego");
    EXPECT_FALSE(plan.name().empty());
    EXPECT_FALSE(plan.dhcs_plan_code().empty());
    EXPECT_LE(plan.dhcs_plan_code().size(), 16u);
    EXPECT_EQ(plan.adapter_profile(), plan.plan_id());
    ids.insert(plan.plan_id());
  }
  EXPECT_EQ(seed_.plans_size(), 7);
  EXPECT_EQ(ids, (std::set<std::string>{"aetna", "blue_shield_promise", "community_health_group",
                                        "health_net", "kaiser", "molina", "united"}));
}

TEST_F(DirectorySeedTest, ProvidersAreValidAndContractWithListedPlans) {
  std::set<std::string> plan_ids;
  for (const v1::Plan& plan : seed_.plans()) plan_ids.insert(plan.plan_id());

  ASSERT_GE(seed_.providers_size(), 30);
  std::set<std::string> provider_ids, npis;
  int part2 = 0, ecm = 0, cs = 0;
  for (const v1::Provider& p : seed_.providers()) {
    SCOPED_TRACE(p.provider_id());
    EXPECT_TRUE(ValidateProviderId(p.provider_id()).ok());
    EXPECT_TRUE(ValidateNpi(p.npi()).ok());
    EXPECT_TRUE(ValidateTin(p.tin()).ok());
    EXPECT_TRUE(provider_ids.insert(p.provider_id()).second) << "duplicate provider_id";
    EXPECT_TRUE(npis.insert(p.npi()).second) << "duplicate NPI";
    EXPECT_FALSE(p.name().empty());
    EXPECT_NE(p.provider_type(), v1::PROVIDER_TYPE_UNSPECIFIED);
    ASSERT_EQ(p.phone().size(), 10u);
    const std::string area = p.phone().substr(0, 3);
    EXPECT_TRUE(area == "619" || area == "858" || area == "760");
    EXPECT_EQ(p.phone().substr(3, 5), "55501");  // 555-01xx: reserved for fiction.

    std::set<int> kinds(p.kinds().begin(), p.kinds().end());
    ASSERT_FALSE(kinds.empty());
    EXPECT_FALSE(kinds.count(v1::PROVIDER_KIND_UNSPECIFIED));
    if (kinds.count(v1::PROVIDER_KIND_ECM)) ++ecm;
    if (kinds.count(v1::PROVIDER_KIND_CS)) {
      ++cs;
      EXPECT_GT(p.community_supports_size(), 0) << "CS provider offers no Community Support";
    } else {
      EXPECT_EQ(p.community_supports_size(), 0);
    }
    if (p.part2_program()) ++part2;

    EXPECT_GE(p.contracts_size(), 2);
    EXPECT_LE(p.contracts_size(), 7);
    std::set<std::string> contracted;
    for (const v1::PlanContract& c : p.contracts()) {
      EXPECT_TRUE(plan_ids.count(c.plan_id())) << "contract with unknown plan " << c.plan_id();
      EXPECT_TRUE(contracted.insert(c.plan_id()).second) << "two contracts with " << c.plan_id();
      ASSERT_GT(c.kinds_size(), 0);
      for (int k : c.kinds()) EXPECT_TRUE(kinds.count(k)) << "contract kind not offered";
      std::set<int> ckinds(c.kinds().begin(), c.kinds().end());
      if (ckinds.count(v1::PROVIDER_KIND_ECM)) {
        // One contract is small on purpose so the demo shows assignments
        // arriving over capacity; every other is a realistic caseload.
        if (p.provider_id() == "fallbrook_rural_health" && c.plan_id() == "aetna") {
          EXPECT_EQ(c.ecm_capacity(), 3);
        } else {
          EXPECT_GE(c.ecm_capacity(), 50);
        }
        EXPECT_LE(c.ecm_capacity(), 600);
      } else {
        EXPECT_EQ(c.ecm_capacity(), 0);
      }
      if (ckinds.count(v1::PROVIDER_KIND_CS)) {
        EXPECT_GE(c.cs_capacity(), 20);
        EXPECT_LE(c.cs_capacity(), 300);
      } else {
        EXPECT_EQ(c.cs_capacity(), 0);
      }
      if (!c.start_date().empty()) {
        EXPECT_TRUE(IsIsoDate(c.start_date()));
      }
      if (!c.end_date().empty()) {
        EXPECT_TRUE(IsIsoDate(c.end_date()));
        EXPECT_LE(c.start_date(), c.end_date());
      }
    }
  }
  EXPECT_GE(part2, 2);
  EXPECT_LE(part2, 3);
  EXPECT_GT(ecm, 10);
  EXPECT_GT(cs, 10);
}

}  // namespace
}  // namespace hub
