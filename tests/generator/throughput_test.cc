// Throughput of the generator (it feeds the ingest benchmark): prints rows/s
// of generation alone and of generation + rendering in a plan's layout.
// Asserts only a loose floor so that a pathological slowdown fails while
// machine noise does not.
#include <chrono>
#include <iostream>
#include <string>

#include "adapters/plan_adapter.h"
#include "generator/native_files.h"
#include "gtest/gtest.h"
#include "tests/generator/test_util.h"

namespace hub::generator {
namespace {

constexpr int64_t kRows = 200'000;

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

class ThroughputTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ThroughputTest, GeneratesAndRendersQuickly) {
  const std::string plan_id = GetParam();
  CountyOptions options = testing::DemoOptions(31, kRows);
  options.plan_weights = {{plan_id, 1}};
  options.ecm_rate = 1.0;
  options.error_rate = 0.01;
  auto county = testing::MakeCounty(options);
  ASSERT_TRUE(county);
  auto profile = LoadPlanProfile(testing::SourcePath("adapters/plans"), plan_id);
  ASSERT_TRUE(profile.ok()) << profile.status();
  auto adapter = adapters::CreateDeclarativePlanAdapter(*profile);
  ASSERT_TRUE(adapter.ok()) << adapter.status();
  const auto kind = hub::v1::FILE_KIND_MEMBER_ASSIGNMENT;
  const hub::v1::FileLayout* layout = FindLayout(*profile, kind);
  ASSERT_NE(layout, nullptr);

  auto start = std::chrono::steady_clock::now();
  int64_t generated = 0;
  ASSERT_TRUE(county
                  ->AssignmentRowsForPlan(plan_id, AssignmentRowOptionsFor(*layout),
                                          [&](const hub::v1::AssignmentFileRow&) {
                                            ++generated;
                                            return absl::OkStatus();
                                          })
                  .ok());
  const double generate_s = Seconds(start);

  start = std::chrono::steady_clock::now();
  int64_t bytes = 0;
  auto manifest = WritePlanFile(
      **adapter, kind, CountyRows(*county, plan_id, kind, AssignmentRowOptionsFor(*layout)), {},
      MakeErrorInjection(*county, plan_id, kind, *layout), [&](std::string_view chunk) {
        bytes += static_cast<int64_t>(chunk.size());
        return absl::OkStatus();
      });
  const double write_s = Seconds(start);
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  EXPECT_EQ(manifest->rows, generated);

  std::cout << plan_id << ": generate " << static_cast<int64_t>(generated / generate_s)
            << " rows/s; generate + render " << static_cast<int64_t>(manifest->rows / write_s)
            << " rows/s (" << manifest->rows << " rows, " << (bytes >> 20) << " MiB in " << write_s
            << " s)\n";
  EXPECT_GT(generated / generate_s, 50'000);
  EXPECT_GT(manifest->rows / write_s, 10'000);
}

INSTANTIATE_TEST_SUITE_P(Layouts, ThroughputTest,
                         ::testing::Values("aetna", "community_health_group", "health_net"));

}  // namespace
}  // namespace hub::generator
