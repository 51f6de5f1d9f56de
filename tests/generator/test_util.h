// Shared helpers of the generator tests: the demo inputs from the source tree.
#ifndef HUB_TESTS_GENERATOR_TEST_UTIL_H_
#define HUB_TESTS_GENERATOR_TEST_UTIL_H_

#include <memory>
#include <string>

#include "adapters/plan_adapter.h"
#include "generator/county.h"
#include "generator/inputs.h"
#include "generator/native_files.h"
#include "gtest/gtest.h"

#ifndef HUB_SOURCE_DIR
#error "HUB_SOURCE_DIR must name the repository root"
#endif

namespace hub::generator::testing {

inline std::string SourcePath(const std::string& relative) {
  return std::string(HUB_SOURCE_DIR) + "/" + relative;
}

// Options with the demo directory and the shipped reference tables.
inline CountyOptions DemoOptions(uint64_t seed, int64_t members) {
  CountyOptions options;
  options.seed = seed;
  options.members = members;
  options.as_of_month = "2026-11";
  auto directory = LoadDirectorySeed(SourcePath("demo/san_diego/directory.textproto"));
  EXPECT_TRUE(directory.ok()) << directory.status();
  if (directory.ok()) options.directory = *directory;
  auto reference = LoadReferenceTables(SourcePath("data/reference"));
  EXPECT_TRUE(reference.ok()) << reference.status();
  if (reference.ok()) options.reference = *reference;
  return options;
}

inline std::unique_ptr<County> MakeCounty(const CountyOptions& options) {
  auto county = County::Create(options);
  EXPECT_TRUE(county.ok()) << county.status();
  return county.ok() ? std::move(*county) : nullptr;
}

// A shipped plan's profile, its declarative adapter and its layout of one
// file kind. A failure is a test failure and leaves `layout` null.
struct ShippedPlan {
  hub::v1::PlanProfile profile;
  std::unique_ptr<adapters::PlanAdapter> adapter;
  const hub::v1::FileLayout* layout = nullptr;
};

inline ShippedPlan LoadShippedPlan(const std::string& plan_id, hub::v1::FileKind kind) {
  ShippedPlan plan;
  auto profile = LoadPlanProfile(SourcePath("adapters/plans"), plan_id);
  EXPECT_TRUE(profile.ok()) << profile.status();
  if (!profile.ok()) return plan;
  plan.profile = *std::move(profile);
  auto adapter = adapters::CreateDeclarativePlanAdapter(plan.profile);
  EXPECT_TRUE(adapter.ok()) << adapter.status();
  if (!adapter.ok()) return plan;
  plan.adapter = *std::move(adapter);
  plan.layout = FindLayout(plan.profile, kind);
  EXPECT_NE(plan.layout, nullptr);
  return plan;
}

}  // namespace hub::generator::testing

#endif  // HUB_TESTS_GENERATOR_TEST_UTIL_H_
