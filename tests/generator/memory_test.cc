// Writing a large plan file keeps memory bounded: 200,000 member rows go
// through a counting sink while the heap (glibc mallinfo2) barely grows.
#include <malloc.h>

#include <algorithm>
#include <cstddef>
#include <iostream>
#include <string>

#include "adapters/plan_adapter.h"
#include "generator/native_files.h"
#include "gtest/gtest.h"
#include "tests/generator/test_util.h"

namespace hub::generator {
namespace {

size_t HeapInUse() {
  struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

TEST(GeneratorMemoryTest, LargeFileStreamsWithBoundedHeap) {
  constexpr int64_t kMembers = 200'000;
  CountyOptions options = testing::DemoOptions(17, kMembers);
  options.plan_weights = {{"molina", 1}};
  options.ecm_rate = 1.0;
  options.error_rate = 0.001;
  auto county = testing::MakeCounty(options);
  ASSERT_TRUE(county);
  const auto kind = hub::v1::FILE_KIND_MEMBER_ASSIGNMENT;
  const testing::ShippedPlan plan = testing::LoadShippedPlan("molina", kind);
  ASSERT_NE(plan.layout, nullptr);
  const hub::v1::FileLayout& layout = *plan.layout;

  // Warm up: the first rows allocate the reusable buffers.
  const size_t base = HeapInUse();
  size_t peak = 0;
  int64_t bytes = 0;
  auto manifest = WritePlanFile(*plan.adapter, kind, CountyRows(*county, "molina", kind), {},
                                MakeErrorInjection(*county, "molina", kind, layout),
                                [&](std::string_view chunk) {
                                  bytes += static_cast<int64_t>(chunk.size());
                                  const size_t now = HeapInUse();
                                  peak = std::max(peak, now > base ? now - base : 0);
                                  return absl::OkStatus();
                                });
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  EXPECT_GT(manifest->rows, kMembers * 98 / 100);
  EXPECT_GT(bytes, int64_t{30} << 20);  // tens of megabytes went through
  // The file is ~34 MB; the writer holds one ~64 KiB chunk, a few reused
  // messages and the manifest's ~200 injected errors.
  EXPECT_LT(peak, size_t{2} << 20) << "heap grew by " << peak << " bytes";
  std::cout << "heap growth while writing " << bytes << " bytes: " << peak << " bytes\n";
}

}  // namespace
}  // namespace hub::generator
