// Shared helpers of the storage/ tests: hermetic temp dirs, status
// assertions and record builders.
#ifndef HUB_TESTS_STORAGE_STORAGE_TEST_UTIL_H_
#define HUB_TESTS_STORAGE_STORAGE_TEST_UTIL_H_

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "hub/v1/member.pb.h"
#include "storage/store.h"

namespace hub::storage::test_util {

inline const absl::Status& StatusOf(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

#define HUB_STATUS_TEST_CONCAT_INNER_(a, b) a##b
#define HUB_STATUS_TEST_CONCAT_(a, b) HUB_STATUS_TEST_CONCAT_INNER_(a, b)

template <typename T>
::testing::AssertionResult IsOk(const char* expr_text, const T& value) {
  const absl::Status& status = StatusOf(value);
  if (status.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << expr_text << " is " << status;
}

#define EXPECT_OK(expr) EXPECT_PRED_FORMAT1(::hub::storage::test_util::IsOk, expr)
#define ASSERT_OK(expr) ASSERT_PRED_FORMAT1(::hub::storage::test_util::IsOk, expr)
// ASSERT_OK_AND_ASSIGN(auto x, StatusOrExpr): asserts OK, then moves the value.
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  HUB_ASSERT_OK_AND_ASSIGN_IMPL_(HUB_STATUS_TEST_CONCAT_(hub_test_statusor_, __LINE__), lhs, rexpr)
#define HUB_ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                   \
  ASSERT_TRUE(statusor.ok()) << statusor.status();           \
  lhs = std::move(statusor).value()

// A fresh directory under the test's temp dir, removed with everything in it
// when this object goes away.
class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "hub_storage_XXXXXX";
    char* made = mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr) << "mkdtemp failed for " << pattern;
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Sub(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

inline StoreOptions OptionsFor(const std::string& data_dir) {
  StoreOptions options;
  options.data_dir = data_dir;
  options.block_cache_bytes = 8u << 20;
  return options;
}

inline hub::v1::Coverage MakeCoverage(std::string_view cin, std::string_view plan_id,
                                      std::string_view start, std::string_view end = "") {
  hub::v1::Coverage coverage;
  coverage.set_cin(std::string(cin));
  coverage.set_plan_id(std::string(plan_id));
  coverage.set_start_date(std::string(start));
  coverage.set_end_date(std::string(end));
  return coverage;
}

inline hub::v1::Member MakeMember(std::string_view cin, std::string_view first,
                                  std::string_view last) {
  hub::v1::Member member;
  member.set_cin(std::string(cin));
  member.mutable_name()->set_first(std::string(first));
  member.mutable_name()->set_last(std::string(last));
  member.set_date_of_birth("1980-02-29");
  member.set_phone("6195550100");
  return member;
}

}  // namespace hub::storage::test_util

#endif  // HUB_TESTS_STORAGE_STORAGE_TEST_UTIL_H_
