#include "storage/coverage_index.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "storage/store.h"
#include "tests/storage/storage_test_util.h"

namespace hub::storage {
namespace {

using test_util::MakeCoverage;
using test_util::OptionsFor;
using test_util::TempDir;

constexpr char kCoveredCin[] = "99898657G";
constexpr char kOtherCoveredCin[] = "12345678A";

class CoverageIndexTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    index_.reset();
    if (store_ != nullptr) {
      ASSERT_OK(store_->Close());
    }
    store_.reset();
    ASSERT_OK_AND_ASSIGN(store_, Store::Open(OptionsFor(dir_.path())));
    index_ = std::make_unique<CoverageIndex>(store_.get());
  }

  // Records `coverage` in its own synced batch; returns its version.
  uint64_t Record(const hub::v1::Coverage& coverage) {
    WriteBatch batch;
    const uint64_t version = index_->Put(batch, coverage);
    EXPECT_OK(store_->Commit(batch, Durability::kSync));
    return version;
  }

  // The plan covering kCoveredCin on `date`, or "none".
  std::string PlanOn(const std::string& date, const std::string& cin = kCoveredCin) {
    absl::StatusOr<hub::v1::Coverage> coverage = index_->CoveringPlan(cin, date);
    if (absl::IsNotFound(coverage.status())) return "none";
    EXPECT_OK(coverage);
    if (!coverage.ok()) return "error";
    return coverage->plan_id();
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<CoverageIndex> index_;
};

TEST_F(CoverageIndexTest, LaterVersionWinsOnOverlapDaysOnly) {
  Record(MakeCoverage(kCoveredCin, "plan_a", "2025-01-01", "2025-03-31"));
  Record(MakeCoverage(kCoveredCin, "plan_b", "2025-02-01", "2025-02-28"));

  EXPECT_EQ(PlanOn("2025-01-31"), "plan_a");
  EXPECT_EQ(PlanOn("2025-02-01"), "plan_b");
  EXPECT_EQ(PlanOn("2025-02-14"), "plan_b");
  EXPECT_EQ(PlanOn("2025-02-28"), "plan_b");
  EXPECT_EQ(PlanOn("2025-03-01"), "plan_a");
  EXPECT_EQ(PlanOn("2025-03-31"), "plan_a");
  EXPECT_EQ(PlanOn("2025-04-01"), "none");
}

TEST_F(CoverageIndexTest, OlderVersionDoesNotWinOverlap) {
  // Recorded in the opposite order: the longer period is newer and wins
  // every day it covers.
  Record(MakeCoverage(kCoveredCin, "plan_b", "2025-02-01", "2025-02-28"));
  Record(MakeCoverage(kCoveredCin, "plan_a", "2025-01-01", "2025-03-31"));

  EXPECT_EQ(PlanOn("2025-02-14"), "plan_a");
  EXPECT_EQ(PlanOn("2025-01-15"), "plan_a");
}

TEST_F(CoverageIndexTest, AdjacentPeriodsSplitAtTheBoundary) {
  Record(MakeCoverage(kCoveredCin, "plan_a", "2025-01-01", "2025-01-14"));
  Record(MakeCoverage(kCoveredCin, "plan_b", "2025-01-15"));

  EXPECT_EQ(PlanOn("2025-01-14"), "plan_a");
  EXPECT_EQ(PlanOn("2025-01-15"), "plan_b");
}

TEST_F(CoverageIndexTest, AdjacentPeriodsRecordedInReverseOrder) {
  // Versions only matter where periods overlap; adjacent ones never do.
  Record(MakeCoverage(kCoveredCin, "plan_b", "2025-01-15"));
  Record(MakeCoverage(kCoveredCin, "plan_a", "2025-01-01", "2025-01-14"));

  EXPECT_EQ(PlanOn("2025-01-14"), "plan_a");
  EXPECT_EQ(PlanOn("2025-01-15"), "plan_b");
  EXPECT_EQ(PlanOn("2025-12-31"), "plan_b");
}

TEST_F(CoverageIndexTest, RetroactiveChangeWinsOverPastDates) {
  Record(MakeCoverage(kCoveredCin, "plan_a", "2024-01-01"));
  // Recorded later, about dates already in the past.
  Record(MakeCoverage(kCoveredCin, "plan_b", "2024-06-01", "2024-06-30"));

  EXPECT_EQ(PlanOn("2024-05-31"), "plan_a");
  EXPECT_EQ(PlanOn("2024-06-01"), "plan_b");
  EXPECT_EQ(PlanOn("2024-06-30"), "plan_b");
  EXPECT_EQ(PlanOn("2024-07-01"), "plan_a");
}

TEST_F(CoverageIndexTest, OpenEndedPeriodCoversEveryLaterDay) {
  Record(MakeCoverage(kCoveredCin, "plan_a", "2020-01-01"));

  EXPECT_EQ(PlanOn("2019-12-31"), "none");
  EXPECT_EQ(PlanOn("2020-01-01"), "plan_a");
  EXPECT_EQ(PlanOn("2099-12-31"), "plan_a");
}

TEST_F(CoverageIndexTest, PlanSwitchMidMonth) {
  Record(MakeCoverage(kCoveredCin, "plan_a", "2025-01-01"));
  // The member switches on March 16: plan A's period is closed (same
  // identity, now with an end date) and plan B starts.
  WriteBatch batch;
  index_->Put(batch, MakeCoverage(kCoveredCin, "plan_a", "2025-01-01", "2025-03-15"));
  index_->Put(batch, MakeCoverage(kCoveredCin, "plan_b", "2025-03-16"));
  ASSERT_OK(store_->Commit(batch, Durability::kSync));

  EXPECT_EQ(PlanOn("2025-03-01"), "plan_a");
  EXPECT_EQ(PlanOn("2025-03-15"), "plan_a");
  EXPECT_EQ(PlanOn("2025-03-16"), "plan_b");
  EXPECT_EQ(PlanOn("2025-03-31"), "plan_b");
  EXPECT_EQ(PlanOn("2026-01-01"), "plan_b");
}

TEST_F(CoverageIndexTest, ReplacingSameIdentitySetsEndDate) {
  const uint64_t first = Record(MakeCoverage(kCoveredCin, "plan_a", "2025-01-01"));
  EXPECT_EQ(PlanOn("2025-08-01"), "plan_a");

  const uint64_t second = Record(MakeCoverage(kCoveredCin, "plan_a", "2025-01-01", "2025-06-30"));
  EXPECT_GT(second, first);

  ASSERT_OK_AND_ASSIGN(std::vector<hub::v1::Coverage> periods, index_->Periods(kCoveredCin));
  ASSERT_EQ(periods.size(), 1u);
  EXPECT_EQ(periods[0].end_date(), "2025-06-30");
  EXPECT_EQ(periods[0].version(), second);
  EXPECT_EQ(PlanOn("2025-06-30"), "plan_a");
  EXPECT_EQ(PlanOn("2025-07-01"), "none");
}

TEST_F(CoverageIndexTest, CoveringPlanReturnsTheStoredPeriod) {
  const uint64_t version = Record(MakeCoverage(kCoveredCin, "plan_a", "2025-01-01", "2025-12-31"));
  ASSERT_OK_AND_ASSIGN(hub::v1::Coverage coverage, index_->CoveringPlan(kCoveredCin, "2025-05-05"));
  EXPECT_EQ(coverage.cin(), kCoveredCin);
  EXPECT_EQ(coverage.plan_id(), "plan_a");
  EXPECT_EQ(coverage.start_date(), "2025-01-01");
  EXPECT_EQ(coverage.end_date(), "2025-12-31");
  EXPECT_EQ(coverage.version(), version);
  EXPECT_GT(version, 0u);
}

TEST_F(CoverageIndexTest, GetByIdentity) {
  const uint64_t version = Record(MakeCoverage(kCoveredCin, "plan_a", "2025-01-01", "2025-06-30"));
  ASSERT_OK_AND_ASSIGN(hub::v1::Coverage got, index_->Get(kCoveredCin, "plan_a", "2025-01-01"));
  EXPECT_EQ(got.end_date(), "2025-06-30");
  EXPECT_EQ(got.version(), version);
  EXPECT_TRUE(absl::IsNotFound(index_->Get(kCoveredCin, "plan_a", "2025-01-02").status()));
  EXPECT_TRUE(absl::IsNotFound(index_->Get(kCoveredCin, "plan_b", "2025-01-01").status()));
  EXPECT_TRUE(absl::IsNotFound(index_->Get(kOtherCoveredCin, "plan_a", "2025-01-01").status()));
}

TEST_F(CoverageIndexTest, DeleteRemovesOnlyThatPeriod) {
  Record(MakeCoverage(kCoveredCin, "plan_a", "2025-01-01", "2025-01-31"));
  Record(MakeCoverage(kCoveredCin, "plan_b", "2025-02-01"));

  WriteBatch batch;
  index_->Delete(batch, kCoveredCin, "plan_b", "2025-02-01");
  // Deleting an absent period is a no-op.
  index_->Delete(batch, kCoveredCin, "plan_c", "2025-02-01");
  ASSERT_OK(store_->Commit(batch, Durability::kSync));

  EXPECT_EQ(PlanOn("2025-01-15"), "plan_a");
  EXPECT_EQ(PlanOn("2025-02-15"), "none");
  ASSERT_OK_AND_ASSIGN(std::vector<hub::v1::Coverage> periods, index_->Periods(kCoveredCin));
  ASSERT_EQ(periods.size(), 1u);
  EXPECT_EQ(periods[0].plan_id(), "plan_a");
}

TEST_F(CoverageIndexTest, DeletedNewerPeriodUncoversOlderOne) {
  Record(MakeCoverage(kCoveredCin, "plan_a", "2025-01-01"));
  Record(MakeCoverage(kCoveredCin, "plan_b", "2025-03-01", "2025-03-31"));
  EXPECT_EQ(PlanOn("2025-03-10"), "plan_b");

  WriteBatch batch;
  index_->Delete(batch, kCoveredCin, "plan_b", "2025-03-01");
  ASSERT_OK(store_->Commit(batch, Durability::kSync));
  EXPECT_EQ(PlanOn("2025-03-10"), "plan_a");
}

TEST_F(CoverageIndexTest, NotFoundBeforeAfterAndForUnknownMember) {
  Record(MakeCoverage(kCoveredCin, "plan_a", "2025-01-01", "2025-06-30"));

  absl::StatusOr<hub::v1::Coverage> before = index_->CoveringPlan(kCoveredCin, "2024-12-31");
  EXPECT_TRUE(absl::IsNotFound(before.status())) << before.status();
  absl::StatusOr<hub::v1::Coverage> after = index_->CoveringPlan(kCoveredCin, "2025-07-01");
  EXPECT_TRUE(absl::IsNotFound(after.status())) << after.status();
  absl::StatusOr<hub::v1::Coverage> unknown = index_->CoveringPlan(kOtherCoveredCin, "2025-03-01");
  EXPECT_TRUE(absl::IsNotFound(unknown.status())) << unknown.status();
  // The CIN is PHI: it never appears in the error.
  EXPECT_EQ(std::string(before.status().message()).find(kCoveredCin), std::string::npos);

  ASSERT_OK_AND_ASSIGN(std::vector<hub::v1::Coverage> none, index_->Periods(kOtherCoveredCin));
  EXPECT_TRUE(none.empty());
}

TEST_F(CoverageIndexTest, MembersDoNotSeeEachOthersPeriods) {
  // CINs that sort next to each other.
  Record(MakeCoverage("12345678A", "plan_a", "2025-01-01"));
  Record(MakeCoverage("12345678B", "plan_b", "2025-01-01"));
  Record(MakeCoverage("12345679A", "plan_c", "2025-01-01"));

  EXPECT_EQ(PlanOn("2025-02-01", "12345678A"), "plan_a");
  EXPECT_EQ(PlanOn("2025-02-01", "12345678B"), "plan_b");
  EXPECT_EQ(PlanOn("2025-02-01", "12345679A"), "plan_c");
  EXPECT_EQ(PlanOn("2025-02-01", "12345677Z"), "none");
  ASSERT_OK_AND_ASSIGN(std::vector<hub::v1::Coverage> periods, index_->Periods("12345678B"));
  ASSERT_EQ(periods.size(), 1u);
  EXPECT_EQ(periods[0].plan_id(), "plan_b");
}

TEST_F(CoverageIndexTest, PeriodsAreOrderedByPlanThenStart) {
  Record(MakeCoverage(kCoveredCin, "plan_b", "2025-03-01"));
  Record(MakeCoverage(kCoveredCin, "plan_a", "2025-02-01", "2025-02-28"));
  Record(MakeCoverage(kCoveredCin, "plan_a", "2024-01-01", "2024-12-31"));

  ASSERT_OK_AND_ASSIGN(std::vector<hub::v1::Coverage> periods, index_->Periods(kCoveredCin));
  ASSERT_EQ(periods.size(), 3u);
  EXPECT_EQ(periods[0].plan_id(), "plan_a");
  EXPECT_EQ(periods[0].start_date(), "2024-01-01");
  EXPECT_EQ(periods[1].plan_id(), "plan_a");
  EXPECT_EQ(periods[1].start_date(), "2025-02-01");
  EXPECT_EQ(periods[2].plan_id(), "plan_b");
}

TEST_F(CoverageIndexTest, PeriodsPersistAcrossReopen) {
  Record(MakeCoverage(kCoveredCin, "plan_a", "2025-01-01", "2025-01-14"));
  Record(MakeCoverage(kCoveredCin, "plan_b", "2025-01-15"));
  Record(MakeCoverage(kCoveredCin, "plan_c", "2025-03-01", "2025-03-31"));

  Reopen();

  EXPECT_EQ(PlanOn("2025-01-14"), "plan_a");
  EXPECT_EQ(PlanOn("2025-01-15"), "plan_b");
  EXPECT_EQ(PlanOn("2025-03-15"), "plan_c");
  EXPECT_EQ(PlanOn("2025-04-01"), "plan_b");
  ASSERT_OK_AND_ASSIGN(std::vector<hub::v1::Coverage> periods, index_->Periods(kCoveredCin));
  EXPECT_EQ(periods.size(), 3u);
}

TEST_F(CoverageIndexTest, VersionsKeepIncreasingAcrossReopen) {
  const uint64_t v1 = Record(MakeCoverage(kCoveredCin, "plan_a", "2025-01-01"));
  const uint64_t v2 = Record(MakeCoverage(kOtherCoveredCin, "plan_a", "2025-01-01"));
  EXPECT_GT(v2, v1);

  Reopen();
  // A retroactive period recorded after the restart must outrank the
  // periods recorded before it.
  const uint64_t v3 = Record(MakeCoverage(kCoveredCin, "plan_b", "2025-02-01", "2025-02-28"));
  EXPECT_GT(v3, v2);
  EXPECT_EQ(PlanOn("2025-02-10"), "plan_b");

  Reopen();
  const uint64_t v4 = Record(MakeCoverage(kCoveredCin, "plan_c", "2025-02-10", "2025-02-10"));
  EXPECT_GT(v4, v3);
  EXPECT_EQ(PlanOn("2025-02-10"), "plan_c");
  EXPECT_EQ(PlanOn("2025-02-11"), "plan_b");
}

TEST_F(CoverageIndexTest, UncommittedPutIsInvisible) {
  WriteBatch batch;
  index_->Put(batch, MakeCoverage(kCoveredCin, "plan_a", "2025-01-01"));
  EXPECT_EQ(PlanOn("2025-02-01"), "none");
  ASSERT_OK(store_->Commit(batch, Durability::kBuffered));
  EXPECT_EQ(PlanOn("2025-02-01"), "plan_a");
}

}  // namespace
}  // namespace hub::storage
