// The monitor's flow tallies (storage/flow_tally.h): a random history of
// accepted records, Acks (with rejections, some after the fact) and rejected
// submissions, then random windows read from the tallies and compared with a
// brute-force count over the same history; after a restart, after the
// one-time build of a store that had no tallies, and under concurrent commits.
#include "storage/flow_tally.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "hub/v1/monitor.pb.h"
#include "storage/feed_store.h"
#include "storage/flow_tally_internal.h"
#include "storage/internal.h"
#include "storage/monitor_store.h"
#include "storage/store.h"
#include "tests/storage/flow_tally_fixture.h"
#include "tests/storage/storage_test_util.h"

namespace hub::storage {
namespace {

TEST(LatencyHistogramTest, ThreeSignificantDigitsAreExact) {
  for (int64_t seconds : {0, 1, 59, 180, 600, 2400, 3600, 86400}) {
    EXPECT_DOUBLE_EQ(LatencyHistogram::BinSeconds(LatencyHistogram::BinOf(seconds * 1'000'000)),
                     static_cast<double>(seconds));
  }
  EXPECT_DOUBLE_EQ(LatencyHistogram::BinSeconds(LatencyHistogram::BinOf(512'345)), 0.512);
  // Three significant digits above one second.
  EXPECT_DOUBLE_EQ(LatencyHistogram::BinSeconds(LatencyHistogram::BinOf(1'234'500'000)), 1230);
  // 31 days (2,678,400 s) reads 2,670,000 s: within 1%.
  EXPECT_DOUBLE_EQ(LatencyHistogram::BinSeconds(LatencyHistogram::BinOf(2'678'400'000'000)),
                   2'670'000);
  EXPECT_LT(LatencyHistogram::BinOf(999'999), LatencyHistogram::BinOf(1'000'000));
  EXPECT_LT(LatencyHistogram::BinOf(9'999'999), LatencyHistogram::BinOf(10'000'000));
}

TEST(LatencyHistogramTest, NearestRank) {
  LatencyHistogram h;
  EXPECT_EQ(h.QuantileSeconds(0.5), 0);
  h.Add(600'000'000);
  h.Add(180'000'000);
  h.Add(2'400'000'000);
  EXPECT_EQ(h.count(), 3);
  EXPECT_DOUBLE_EQ(h.QuantileSeconds(0.5), 600);
  EXPECT_DOUBLE_EQ(h.QuantileSeconds(0.9), 2400);
  EXPECT_DOUBLE_EQ(h.QuantileSeconds(0.01), 180);
  h.Add(600'000'000, -1);  // Moved to another group.
  EXPECT_EQ(h.count(), 2);
  EXPECT_DOUBLE_EQ(h.QuantileSeconds(0.5), 180);
}

TEST(LatencyHistogramTest, QuantilesInOnePassEqualEachQuantile) {
  std::mt19937_64 rng(3);
  const std::vector<double> qs = {0.99, 0.5, 0.9, 0.01, 1.0};
  for (int round = 0; round < 50; ++round) {
    LatencyHistogram h;
    EXPECT_EQ(h.QuantilesSeconds(qs), std::vector<double>(qs.size(), 0));
    for (int i = static_cast<int>(rng() % 200); i >= 0; --i) {
      h.Add(static_cast<int64_t>(rng() % 3'000'000'000), 1 + static_cast<int64_t>(rng() % 3));
    }
    if (round % 5 == 0) h.Add(5'000'000, -1);  // A record moved to another group.
    const std::vector<double> all = h.QuantilesSeconds(qs);
    for (size_t k = 0; k < qs.size(); ++k) EXPECT_EQ(all[k], h.QuantileSeconds(qs[k])) << qs[k];
  }
}

TEST(LatencyHistogramTest, MergesAcrossRangesAndDropsEmptiedBins) {
  LatencyHistogram a;
  a.AddBin(3000, 2);
  a.AddBin(5, 1);  // Grows below the first bin.
  LatencyHistogram b;
  b.AddBin(7000, 4);  // Grows above.
  b.AddBin(5, -1);
  a.Merge(b);
  EXPECT_EQ(a.count(), 6);
  EXPECT_EQ(a.bins(), (std::vector<std::pair<int32_t, int64_t>>{{3000, 2}, {7000, 4}}));
  EXPECT_DOUBLE_EQ(a.QuantileSeconds(0.3), LatencyHistogram::BinSeconds(3000));
  EXPECT_DOUBLE_EQ(a.QuantileSeconds(1), LatencyHistogram::BinSeconds(7000));
  LatencyHistogram empty;
  a.Merge(empty);
  EXPECT_EQ(a.count(), 6);
}

TEST(FlowTallyCodecTest, MergeOperatorAddsTalliesBinByBin) {
  TallyDelta existing;
  existing.count = 2;
  existing.bins = {{5, 1}, {900, 1}};
  TallyDelta operand;
  operand.count = -1;
  operand.bins = {{5, -1}, {1200, 3}, {6600, 1}};
  const std::string a = internal::EncodeTally(existing);
  const std::string b = internal::EncodeTally(operand);
  const rocksdb::Slice a_slice(a);
  std::string merged;
  auto op = internal::FlowTallyMergeOperator();
  auto* associative = static_cast<rocksdb::AssociativeMergeOperator*>(op.get());
  ASSERT_TRUE(associative->Merge("k", &a_slice, rocksdb::Slice(b), &merged, nullptr));
  TallyDelta sum;
  ASSERT_TRUE(internal::DecodeTally(merged, &sum));
  EXPECT_EQ(sum.count, 1);
  EXPECT_EQ(sum.bins, (std::map<int32_t, int64_t>{{900, 1}, {1200, 3}, {6600, 1}}));
  // No existing value: the operand itself.
  ASSERT_TRUE(associative->Merge("k", nullptr, rocksdb::Slice(b), &merged, nullptr));
  ASSERT_TRUE(internal::DecodeTally(merged, &sum));
  EXPECT_EQ(sum.count, -1);
  EXPECT_EQ(sum.bins, operand.bins);
  EXPECT_FALSE(associative->Merge("k", nullptr, rocksdb::Slice("\xff"), &merged, nullptr));
}

TEST(FlowTallyCodecTest, RoundTripsAndRejectsGarbage) {
  TallyDelta tally;
  tally.count = -3;
  tally.bins = {{0, 1}, {17, -2}, {6600, 5}};
  TallyDelta back;
  ASSERT_TRUE(internal::DecodeTally(internal::EncodeTally(tally), &back));
  EXPECT_EQ(back.count, -3);
  EXPECT_EQ(back.bins, tally.bins);
  EXPECT_FALSE(internal::DecodeTally("\xff", &back));
}

TEST_F(FlowTallyTest, WindowsMatchARecordByRecordCount) {
  PlayHistory(1, 3000);
  ExpectRandomWindows(2, 200);
}

TEST_F(FlowTallyTest, AWindowCostsItsBucketsNotItsRecords) {
  PlayHistory(3, 3000);
  ASSERT_OK_AND_ASSIGN(const FlowTallies all,
                       monitor_->TallyFlows(kBaseMicros, kBaseMicros + 31 * 24 * kHour, 3600, 24));
  int64_t total = 0;
  for (const auto& [key, g] : all.groups) total += g.count;
  EXPECT_EQ(total, static_cast<int64_t>(records_.size() + rejections_.size()));
  // Whole-second ends: no record is read one by one. The buckets read are
  // bounded by the window's shape alone: the window and each of its 24 bars
  // take at most 2 x (59 seconds + 9 minutes + 5 ten-minutes + 5 hours + 3
  // quarter days) + 31 days.
  EXPECT_EQ(all.edge_records_read, 0);
  // Each range of seconds is at most 11 runs of one level (up the six
  // levels and down again), each one range scan.
  EXPECT_LE(all.buckets_read, 25 * 11);
  // The cost counters the bench prints: every group came from a tally key,
  // and acknowledged records brought latency bins.
  EXPECT_GE(all.keys_read, static_cast<int64_t>(all.groups.size()));
  int64_t latencies = 0;
  for (const auto& [key, g] : all.groups) latencies += g.latency.count();
  EXPECT_GT(latencies, 0);
  EXPECT_GT(all.bins_read, 0);
}

TEST_F(FlowTallyTest, AWindowThroughNowReadsTheCurrentSecondFromItsTally) {
  PlayHistory(9, 500);
  const int64_t now = records_.back().accept - 1;  // The last record: 1 us "later".
  ASSERT_OK_AND_ASSIGN(const FlowTallies exact, monitor_->TallyFlows(now - kHour, now + 1, 60, 60));
  ASSERT_OK_AND_ASSIGN(const FlowTallies live,
                       monitor_->TallyFlows(now - kHour, now + 1, 60, 60, /*through_now=*/true));
  auto total = [](const FlowTallies& t) {
    int64_t n = 0;
    for (const auto& [key, g] : t.groups) n += g.count;
    return n;
  };
  // The record committed a microsecond after "now" counts in a live window.
  EXPECT_EQ(total(live), total(exact) + 1);
  EXPECT_EQ(total(exact), total(Expected(now - kHour, now + 1, 60, 60)));
}

TEST_F(FlowTallyTest, SurvivesARestart) {
  PlayHistory(4, 1500);
  Open();
  ExpectRandomWindows(5, 50);
}

TEST_F(FlowTallyTest, BuildsTalliesOnceForAStoreWithoutThem) {
  PlayHistory(6, 1500);
  // A store from before the tallies: no tallies and no "built" mark (or
  // only the mark of the tallies before the 10-minute and 6-hour levels).
  Store::Rep& rep = internal::RepOf(*store_);
  ASSERT_TRUE(rep.db
                  ->DeleteRange(rocksdb::WriteOptions(), rep.cf(ColumnFamily::kFlowTallies),
                                rocksdb::Slice("\0", 1), rocksdb::Slice("\xff"))
                  .ok());
  ASSERT_TRUE(
      rep.db->Delete(rocksdb::WriteOptions(), rep.cf(ColumnFamily::kMeta), "flow_tallies_built_v2")
          .ok());
  ASSERT_TRUE(
      rep.db->Put(rocksdb::WriteOptions(), rep.cf(ColumnFamily::kMeta), "flow_tallies_built", "")
          .ok());
  ASSERT_OK_AND_ASSIGN(const FlowTallies none,
                       monitor_->TallyFlows(kBaseMicros, kBaseMicros + 24 * kHour, 3600, 24));
  EXPECT_TRUE(none.groups.empty());
  Open();
  ExpectRandomWindows(7, 50);
  Open();  // Built once: not again (it would double every count).
  ExpectRandomWindows(8, 20);
}

TEST_F(FlowTallyTest, ConcurrentCommitsAreAllCounted) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        WriteBatch batch;
        monitor_->AddRejection(batch, kBaseMicros + i * 1000, "alpha", absl::StrCat(t, "-", i), 1,
                               "SUBMIT_BAD_DATE");
        EXPECT_OK(store_->Commit(batch, Durability::kBuffered));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_OK_AND_ASSIGN(const FlowTallies got,
                       monitor_->TallyFlows(kBaseMicros - 1, kBaseMicros + kHour, 60, 60));
  ASSERT_EQ(got.groups.size(), 1u);
  EXPECT_EQ(got.groups.begin()->second.count, kThreads * kPerThread);
}

TEST_F(FlowTallyTest, ALongBacklogIsAcknowledgedInSteps) {
  // More items than one Ack step (50,000): the cursor reaches the end and
  // every item moves from pending to acknowledged.
  constexpr int kItems = 60001;
  WriteBatch batch;
  for (int i = 0; i < kItems; ++i) {
    hub::v1::FeedItem item;
    item.set_record_id(absl::StrCat("r", i));
    item.set_provider_id("alpha");
    item.set_kind(hub::v1::RECORD_KIND_OUTREACH_ATTEMPT);
    item.mutable_accept_time()->set_seconds(kBaseMicros / 1'000'000 + i / 100);
    ASSERT_OK(feed_->AppendItem(batch, "molina", item, item.record_id()).status());
    if (batch.Count() > 20000) {
      ASSERT_OK(store_->Commit(batch, Durability::kBuffered));
      feed_->CommitAppends();
    }
  }
  ASSERT_OK(store_->Commit(batch, Durability::kBuffered));
  feed_->CommitAppends();
  hub::v1::ItemRejection rejection;
  rejection.set_sequence(55555);
  rejection.set_record_id("r55554");
  rejection.set_reason_code("PLAN_DUPLICATE");
  ASSERT_OK_AND_ASSIGN(const uint64_t cursor,
                       feed_->Ack("molina", kItems, {rejection}, kBaseMicros + 24 * kHour));
  EXPECT_EQ(cursor, static_cast<uint64_t>(kItems));
  ASSERT_OK_AND_ASSIGN(const FlowTallies got,
                       monitor_->TallyFlows(kBaseMicros, kBaseMicros + kHour, 60, 60));
  std::map<int, int64_t> by_status;
  for (const auto& [key, g] : got.groups) by_status[key.status] += g.count;
  EXPECT_EQ(by_status[hub::v1::FLOW_STATUS_ACCEPTED_BY_PLAN], kItems - 1);
  EXPECT_EQ(by_status[hub::v1::FLOW_STATUS_REJECTED_BY_PLAN], 1);
  EXPECT_EQ(by_status[hub::v1::FLOW_STATUS_DELIVERED_PENDING], 0);
}

}  // namespace
}  // namespace hub::storage
