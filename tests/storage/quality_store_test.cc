#include "storage/quality_store.h"

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

hub::v1::QualityMeasureReport MakeReport(std::string provider, std::string plan,
                                         std::string measure, std::string period, int64_t numerator,
                                         int64_t denominator, std::string stratifier = "") {
  hub::v1::QualityMeasureReport r;
  r.set_provider_id(provider);
  r.set_plan_id(plan);
  r.set_measure_id(measure);
  r.set_period(period);
  r.set_numerator(numerator);
  r.set_denominator(denominator);
  r.set_rate(denominator == 0 ? 0 : static_cast<double>(numerator) / denominator);
  r.set_stratifier(stratifier);
  return r;
}

TEST(QualityStoreTest, PutGetAndListByProvider) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(OptionsFor(dir.path())));
  QualityStore quality(store.get());
  WriteBatch batch;
  quality.Put(batch, MakeReport("prov_a", "molina", "FUM", "2025 Q1", 3, 4));
  quality.Put(batch, MakeReport("prov_a", "aetna", "FUA-30", "2025-02", 1, 2));
  quality.Put(batch, MakeReport("prov_a", "aetna", "FUA-30", "2025-02", 1, 3, "age 18-64"));
  quality.Put(batch, MakeReport("prov_ab", "aetna", "FUM", "2025", 0, 0));
  ASSERT_OK(store->Commit(batch, Durability::kSync));

  ASSERT_OK_AND_ASSIGN(auto reports, quality.ListByProvider("prov_a"));
  std::vector<std::string> keys;
  for (const auto& r : reports) {
    keys.push_back(r.plan_id() + "/" + r.measure_id() + "/" + r.period() + "/" + r.stratifier());
  }
  EXPECT_EQ(keys,
            (std::vector<std::string>{"aetna/FUA-30/2025-02/", "aetna/FUA-30/2025-02/age 18-64",
                                      "molina/FUM/2025 Q1/"}));
  ASSERT_OK_AND_ASSIGN(auto none, quality.ListByProvider("prov_z"));
  EXPECT_TRUE(none.empty());

  // Same identity replaces.
  quality.Put(batch, MakeReport("prov_a", "molina", "FUM", "2025 Q1", 4, 4));
  ASSERT_OK(store->Commit(batch, Durability::kSync));
  ASSERT_OK_AND_ASSIGN(auto got,
                       quality.Get(MakeReport("prov_a", "molina", "FUM", "2025 Q1", 0, 0)));
  EXPECT_EQ(got.numerator(), 4);
  EXPECT_DOUBLE_EQ(got.rate(), 1.0);
  EXPECT_TRUE(absl::IsNotFound(
      quality.Get(MakeReport("prov_a", "molina", "FUM", "2025 Q2", 0, 0)).status()));
}

}  // namespace
}  // namespace hub::storage
