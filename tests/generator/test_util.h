// Shared helpers of the generator tests: the demo inputs from the source tree.
#ifndef HUB_TESTS_GENERATOR_TEST_UTIL_H_
#define HUB_TESTS_GENERATOR_TEST_UTIL_H_

#include <memory>
#include <string>

#include "generator/county.h"
#include "generator/inputs.h"
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

}  // namespace hub::generator::testing

#endif  // HUB_TESTS_GENERATOR_TEST_UTIL_H_
