// A large county file in each kind of layout (delimited, fixed width, X12
// 834): every generated assignment row is rendered once, through the
// streaming writer. Speed is measured by bench/ingest_bench (which generates
// its files the same way), never here: a timed unit test fails on a busy or
// sanitized machine for no fault of the code.
#include <string>

#include "adapters/plan_adapter.h"
#include "generator/native_files.h"
#include "gtest/gtest.h"
#include "tests/generator/test_util.h"

namespace hub::generator {
namespace {

constexpr int64_t kRows = 20'000;

class LargeFileTest : public ::testing::TestWithParam<std::string> {};

TEST_P(LargeFileTest, RendersEveryGeneratedRowOfALargeCounty) {
  const std::string plan_id = GetParam();
  CountyOptions options = testing::DemoOptions(31, kRows);
  options.plan_weights = {{plan_id, 1}};
  options.ecm_rate = 1.0;
  options.error_rate = 0.01;
  auto county = testing::MakeCounty(options);
  ASSERT_TRUE(county);
  const auto kind = hub::v1::FILE_KIND_MEMBER_ASSIGNMENT;
  const testing::ShippedPlan plan = testing::LoadShippedPlan(plan_id, kind);
  ASSERT_NE(plan.layout, nullptr);
  const hub::v1::FileLayout& layout = *plan.layout;

  int64_t generated = 0;
  ASSERT_TRUE(county
                  ->AssignmentRowsForPlan(plan_id, AssignmentRowOptionsFor(layout),
                                          [&](const hub::v1::AssignmentFileRow&) {
                                            ++generated;
                                            return absl::OkStatus();
                                          })
                  .ok());
  ASSERT_GT(generated, kRows / 2) << "most of the county is in the plan at weight 1";

  int64_t bytes = 0;
  auto manifest = WritePlanFile(
      *plan.adapter, kind, CountyRows(*county, plan_id, kind, AssignmentRowOptionsFor(layout)), {},
      MakeErrorInjection(*county, plan_id, kind, layout), [&](std::string_view chunk) {
        bytes += static_cast<int64_t>(chunk.size());
        return absl::OkStatus();
      });
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  EXPECT_EQ(manifest->rows, generated);
  EXPECT_GT(bytes, manifest->rows * 20) << "each row carries at least a CIN, a name and dates";
}

INSTANTIATE_TEST_SUITE_P(Layouts, LargeFileTest,
                         ::testing::Values("aetna", "community_health_group", "health_net"));

}  // namespace
}  // namespace hub::generator
