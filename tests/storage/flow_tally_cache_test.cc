// The flow tallies' read cache (storage/flow_tally_cache.h): every read
// equals the brute-force count of the model history (the uncached answer)
// after commits into open buckets, late records and Acks into buckets whose
// merge is already cached, a window sliding across bucket boundaries on a
// fake clock, a restart, a retention purge and concurrent late commits; and
// the cache is used (a repeated read decodes only the second-level runs);
// a window's sum is kept between reads (a repeated read decodes nothing, a
// window moved by seconds only its edges), and so are the records of a
// window's partial edge seconds until one of them changes; a histogram's
// copy shares its bins until either changes.
#include "storage/flow_tally_cache.h"

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "storage/audit_store.h"
#include "storage/flow_tally_internal.h"
#include "storage/internal.h"
#include "storage/retention.h"
#include "tests/storage/flow_tally_fixture.h"
#include "tests/storage/storage_test_util.h"

namespace hub::storage {
namespace {

constexpr int64_t kDay = 24 * kHour;

class FlowTallyCacheTest : public FlowTallyTest {
 protected:
  internal::FlowTallyCache& cache() { return *internal::RepOf(*store_).flow_tally_cache; }
  // A 24-hour window ending at `end` in 24 bars (as the monitor asks).
  FlowTallies Day(int64_t end, bool through_now = false) {
    return ExpectWindow(end - kDay, end, 3600, 24, through_now);
  }
  int64_t Newest() const { return records_.back().accept; }
};

TEST_F(FlowTallyCacheTest, ARepeatedReadTakesItsCoarseRunsFromTheCache) {
  PlayHistory(11, 3000);
  const int64_t end = Newest() - 5 * kHour + 123'456;
  EXPECT_EQ(cache().cached_runs(), 0u);
  const FlowTallies first = Day(end);
  EXPECT_GT(first.keys_read, 0);
  EXPECT_GT(cache().cached_runs(), 0u);
  const FlowTallies second = Day(end);
  // Every run (the seconds by their minute) comes from the cache: nothing is
  // read from the store again.
  EXPECT_GT(second.runs_cached, first.runs_cached);
  EXPECT_EQ(second.keys_read, 0);
  EXPECT_LE(second.bins_read, first.bins_read);
  EXPECT_GT(cache().cached_bytes(), 0u);
  EXPECT_LE(cache().cached_bytes(), internal::FlowTallyCache::kMaxCachedBytes);
}

TEST_F(FlowTallyCacheTest, ARepeatedReadKeepsItsWindowSumAndDecodesNothing) {
  PlayHistory(21, 3000);
  const int64_t end = Newest() - 5 * kHour + 123'456;
  auto month = [&] { return ExpectWindow(end - 31 * kDay, end, 86400, 31); };
  const FlowTallies first = month();
  EXPECT_EQ(first.pieces_kept, 0);
  EXPECT_GT(first.keys_read, 0);
  EXPECT_GT(first.bins_read, 0);  // Acknowledged records: latencies.
  // The same window again: the sum kept by the first read holds every
  // piece unchanged, so no tally is read or decoded (the edges' partial
  // seconds are still read record by record).
  const FlowTallies second = month();
  EXPECT_GT(second.pieces_kept, 0);
  EXPECT_EQ(second.keys_read, 0);
  EXPECT_EQ(second.bins_read, 0);
  // A window of another length has a sum of its own; both stay.
  EXPECT_GT(Day(end).keys_read, 0);
  EXPECT_EQ(Day(end).keys_read, 0);
  EXPECT_EQ(month().bins_read, 0);
}

TEST_F(FlowTallyCacheTest, AWindowMovedBySecondsDecodesOnlyItsEdges) {
  PlayHistory(22, 3000);
  const int64_t end = Newest() - 7 * kHour;
  const FlowTallies first = Day(end);
  // Moved by one to five seconds at a time, across a minute boundary: each
  // read takes away the seconds that left and adds those that came, far
  // fewer bins than the whole window, and still equals the model.
  int64_t moved_bins = 0;
  for (int step = 1; step <= 12; ++step) {
    const FlowTallies read = Day(end + step * 5'000'000);
    EXPECT_GT(read.pieces_kept, 0);
    moved_bins += read.bins_read;
    if (HasFailure()) return;
  }
  EXPECT_LT(moved_bins, first.bins_read);
}

TEST_F(FlowTallyCacheTest, AnEdgeSecondsRecordsAreReadOnceUntilItChanges) {
  PlayHistory(23, 3000);
  // Both ends mid-second, in seconds that hold records: those are counted
  // record by record.
  const int64_t end = records_[records_.size() - 40].accept + 1;
  const int64_t start = records_[records_.size() - 400].accept;
  auto window = [&] { return ExpectWindow(start, end, 60, 30); };
  const FlowTallies first = window();
  ASSERT_GT(first.edge_records_read, 0);
  // Again: the two seconds' records come from the cache.
  EXPECT_EQ(window().edge_records_read, 0);
  // A record accepted in the end's second (before the end), and an Ack
  // that moves the start's record to acknowledged: both seconds are read
  // again, and counted as they now stand (ExpectWindow checks the model).
  CommitRecord("molina", "alpha", end - 1, "late-in-edge");
  std::mt19937_64 rng(24);
  for (const std::string plan : {"molina", "kaiser", "aetna"}) {
    AckSome(rng, {plan}, {"PLAN_DUPLICATE"}, end + 5'000'000);
  }
  EXPECT_GT(window().edge_records_read, 0);
  EXPECT_EQ(window().edge_records_read, 0);
  // A record in the end's second that the record index does not list yet
  // (the feed indexer runs a moment after the commit): a read before it is
  // indexed misses it, and must not be kept for the reads after.
  CommitRecord("kaiser", "beta", end - 2, "not-yet-indexed");
  ASSERT_OK(monitor_->TallyFlows(start, end, 60, 30).status());
  window();  // Indexes first, then expects the record counted.
}

TEST_F(FlowTallyCacheTest, TheSecondsAfterAWindowsStartAreReadAheadAndKeptUntilTheyChange) {
  PlayHistory(25, 3000);
  // A start mid-second among dense records, a whole-second end (no
  // partial second there).
  const int64_t start = records_[records_.size() - 600].accept + 1;
  const int64_t end = (Newest() / 1'000'000 - 5) * 1'000'000;
  ASSERT_GT(ExpectWindow(start, end, 60, 30).edge_records_read, 0);
  // The window moved by one second, then two (as a monitor's window moves
  // with the clock): their start seconds were read with the first.
  EXPECT_EQ(ExpectWindow(start + 1'000'000, end, 60, 30).edge_records_read, 0);
  EXPECT_EQ(ExpectWindow(start + 2'000'000, end, 60, 30).edge_records_read, 0);
  // A record committed into a second read ahead: read again, and counted.
  CommitRecord("aetna", "gamma", start + 3'000'000 + 1, "into-read-ahead");
  EXPECT_GT(ExpectWindow(start + 3'000'000, end, 60, 30).edge_records_read, 0);
}

TEST_F(FlowTallyCacheTest, AnEdgeMovedByMicrosecondsChangesOnlyTheRecordsItCrosses) {
  PlayHistory(26, 3000);
  // Start and end mid-second on acknowledged records (their latencies are
  // in the edge pieces).
  std::vector<const ModelRecord*> acked;
  for (const ModelRecord& r : records_) {
    if (r.ack.has_value()) acked.push_back(&r);
  }
  ASSERT_GT(acked.size(), 400u);
  const int64_t start = acked[acked.size() - 400]->accept - 1;
  const int64_t end = acked[acked.size() - 20]->accept + 1;
  ExpectWindow(start, end, 60, 30);
  // A microsecond later at both ends, crossing no record: nothing to add or
  // take away, so no latency bin is decoded.
  EXPECT_EQ(ExpectWindow(start + 1, end + 1, 60, 30).bins_read, 0);
  // Two microseconds later: the start's record leaves, one latency bin
  // taken away (the window still equals the model).
  EXPECT_EQ(ExpectWindow(start + 2, end + 2, 60, 30).bins_read, 1);
}

TEST(LatencyHistogramSharingTest, ACopySharesItsBinsUntilEitherChanges) {
  LatencyHistogram a;
  for (int64_t ms = 1; ms < 5000; ms += 7) a.Add(ms * 1000);
  LatencyHistogram b = a;
  EXPECT_EQ(b.bins(), a.bins());
  const auto before = a.bins();
  b.Add(1'000'000, 5);  // b changes; a does not.
  EXPECT_EQ(a.bins(), before);
  EXPECT_EQ(b.count(), a.count() + 5);
  a.Add(2'000'000, -1);  // a changes; b does not see it.
  EXPECT_EQ(b.count(), a.count() + 6);
  LatencyHistogram c;
  c = b;
  c.Merge(c);  // Doubles c only.
  EXPECT_EQ(c.count(), 2 * b.count());
  LatencyHistogram d = std::move(c);
  EXPECT_EQ(d.count(), 2 * b.count());
  EXPECT_DOUBLE_EQ(d.QuantileSeconds(1), b.QuantileSeconds(1));
}

TEST(LatencyHistogramSharingTest, RemembersItsQuantilesOnlyWhileItsBinsStayTheSame) {
  const std::vector<double> qs = {0.5, 0.9, 0.99};
  LatencyHistogram a;
  for (int64_t ms = 1; ms <= 1000; ++ms) a.Add(ms * 1000);
  const std::vector<double> first = a.QuantilesSeconds(qs);
  EXPECT_EQ(first, (std::vector<double>{0.5, 0.9, 0.99}));
  EXPECT_EQ(a.QuantilesSeconds(qs), first);  // Remembered.
  const LatencyHistogram copy = a;
  EXPECT_EQ(copy.QuantilesSeconds(qs), first);
  // Each change is seen: by the owner of the bins, and by a copy.
  for (int i = 0; i < 1000; ++i) a.Add(999'000);
  EXPECT_EQ(a.QuantilesSeconds(qs), (std::vector<double>{0.999, 0.999, 0.999}));
  EXPECT_EQ(copy.QuantilesSeconds(qs), first);
  LatencyHistogram owned;
  owned.Add(5'000);
  EXPECT_EQ(owned.QuantilesSeconds(qs), (std::vector<double>{0.005, 0.005, 0.005}));
  owned.Add(7'000, 3);
  EXPECT_EQ(owned.QuantilesSeconds(qs), (std::vector<double>{0.007, 0.007, 0.007}));
  // Other quantiles of the same bins are answered, not the remembered ones.
  EXPECT_EQ(owned.QuantilesSeconds({0.25}), (std::vector<double>{0.005}));
}

TEST(LatencyHistogramSharingTest, CopiesAreUsedFromManyThreads) {
  // Threads read copies of one histogram (quantiles remembered in the
  // shared bins) while each changes a copy of its own and lets copies go:
  // every answer is that of the bins it read (the TSan stage runs this).
  LatencyHistogram base;
  for (int64_t ms = 1; ms <= 1000; ++ms) base.Add(ms * 1000);
  const std::vector<double> qs = {0.5, 0.9, 0.99};
  const std::vector<double> want = base.QuantilesSeconds(qs);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        LatencyHistogram mine = base;
        EXPECT_EQ(mine.QuantilesSeconds(qs), want);
        mine.Add((2000 + t) * 1000, 10000);
        EXPECT_DOUBLE_EQ(mine.QuantileSeconds(0.5),
                         LatencyHistogram::BinSeconds(LatencyHistogram::BinOf((2000 + t) * 1000)));
        LatencyHistogram again = mine;
        mine = LatencyHistogram();
        EXPECT_EQ(again.count(), 11000);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(base.QuantilesSeconds(qs), want);
}

TEST_F(FlowTallyCacheTest, LateRecordsAndAcksIntoCachedBucketsAreCounted) {
  PlayHistory(12, 3000);
  const int64_t end = Newest() + 1;
  const int64_t month_start = end - 31 * kDay;
  Day(end);
  ExpectWindow(month_start, end, 86400, 31);
  const FlowTallies cached = Day(end);
  ASSERT_GT(cached.runs_cached, 0);
  // A late record in the middle of the day (a 6-hour or hour bucket the
  // cache holds), one in the oldest hour of the window, and an Ack that moves
  // old records from pending to acknowledged in their (cached) buckets.
  CommitRecord("molina", "alpha", end - 12 * kHour + 17, "late1");
  CommitRecord("kaiser", "beta", end - kDay + kHour + 3'000'001, "late2");
  std::mt19937_64 rng(99);
  for (int i = 0; i < 3; ++i) AckSome(rng, {"molina", "kaiser", "aetna"}, {"PLAN_DUPLICATE"}, end);
  const FlowTallies after = Day(end);
  EXPECT_LT(after.runs_cached, cached.runs_cached);  // The touched runs were read again.
  ExpectWindow(month_start, end, 86400, 31);
  // And again, now from the refreshed cache.
  EXPECT_GT(Day(end).runs_cached, 0);
  ExpectRandomWindows(13, 40);
}

TEST_F(FlowTallyCacheTest, ASlidingWindowAcrossBucketBoundariesOnAFakeClock) {
  PlayHistory(14, 1500);
  // The clock runs on from the history's end in uneven steps (crossing
  // minutes, 10 minutes, hours and a 6-hour boundary); records commit at
  // "now" (open buckets) and, now and then, hours late; the monitor reads
  // the 24 hours through now after each step.
  std::mt19937_64 rng(15);
  int64_t now = Newest() + 1;
  int cached_reads = 0;
  for (int step = 0; step < 120; ++step) {
    now += static_cast<int64_t>(rng() % 400'000'000);
    CommitRecord("aetna", "gamma", now, absl::StrCat("now", step));
    if (step % 7 == 3) {
      CommitRecord("molina", "delta", now - static_cast<int64_t>(rng() % (20 * kHour)),
                   absl::StrCat("late", step));
    }
    if (step % 11 == 5) AckSome(rng, {"molina", "kaiser", "aetna"}, {"PLAN_DUPLICATE"}, now);
    const FlowTallies read = Day(now + 1, /*through_now=*/true);
    if (read.runs_cached > 0) ++cached_reads;
    if (HasFailure()) return;
  }
  EXPECT_GT(cached_reads, 60);
}

TEST_F(FlowTallyCacheTest, ARestartStartsEmptyAndAgrees) {
  PlayHistory(16, 1500);
  const int64_t end = Newest() + 1;
  Day(end);
  EXPECT_GT(Day(end).runs_cached, 0);
  Open();
  EXPECT_EQ(cache().cached_runs(), 0u);
  EXPECT_GT(Day(end).keys_read, 0);
  CommitRecord("molina", "alpha", end - 3 * kHour, "after-restart");
  EXPECT_GT(Day(end).runs_cached, 0);
  ExpectRandomWindows(17, 30);
}

TEST_F(FlowTallyCacheTest, ARetentionPurgeDropsCachedRuns) {
  PlayHistory(18, 2000);
  const int64_t end = Newest() + 1;
  const int64_t month_start = end - 31 * kDay;
  ExpectWindow(month_start, end, 86400, 31);
  ASSERT_GT(ExpectWindow(month_start, end, 86400, 31).runs_cached, 0);
  // Monitoring kept for one day before the history's last day.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuditStore> audit, AuditStore::Open(store_.get()));
  RetentionPolicy policy;
  policy.monitoring = absl::Hours(24);
  const absl::Time purge_now = absl::FromUnixMicros(end);
  ASSERT_OK_AND_ASSIGN(const PurgeCounts counts, PurgeExpired(*store_, *audit, policy, purge_now));
  ASSERT_GT(counts.monitor_records, 0);
  // The model loses what the purge took: whole UTC days before the cutoff.
  const int64_t cutoff_seconds = absl::ToUnixSeconds(purge_now - policy.monitoring);
  const int64_t cutoff = (cutoff_seconds / 86400) * 86400 * 1'000'000;
  std::erase_if(records_, [&](const ModelRecord& r) { return r.accept < cutoff; });
  std::erase_if(rejections_, [&](const ModelRejection& r) { return r.micros < cutoff; });
  // Read again from the store (a stale run would count the purged days).
  const FlowTallies after = ExpectWindow(month_start, end, 86400, 31);
  EXPECT_GT(after.keys_read, 0);
}

TEST_F(FlowTallyCacheTest, ConcurrentLateCommitsNeverLeaveAStaleRun) {
  PlayHistory(19, 1500);
  const int64_t end = Newest() + 1;
  // Writers commit late records into the day's buckets while readers fill
  // and use the cache; once they stop, the reads must count every record.
  std::vector<std::vector<std::pair<int64_t, std::string>>> late(3);
  std::atomic<bool> writing{true};
  std::vector<std::thread> writers;
  for (int t = 0; t < 3; ++t) {
    writers.emplace_back([&, t] {
      std::mt19937_64 rng(100 + t);
      for (int i = 0; i < 300; ++i) {
        const int64_t accept = end - 1 - static_cast<int64_t>(rng() % (23 * kHour));
        WriteBatch batch;
        const std::string id = absl::StrCat("late", t, "-", i);
        monitor_->AddRejection(batch, accept, "alpha", id, 2, "SUBMIT_BAD_DATE");
        EXPECT_OK(store_->Commit(batch, Durability::kBuffered));
        late[t].emplace_back(accept, id);
      }
    });
  }
  // Two readers of windows as long: they take turns with the window's sum,
  // or read without it while the other has it.
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&, r] {
      int64_t shift = 0;
      while (writing.load()) {
        EXPECT_OK(monitor_->TallyFlows(end - kDay - shift, end - shift, 3600, 24).status());
        shift = (shift + (r + 1) * 1'000'000) % (10 * 1'000'000);
      }
    });
  }
  for (std::thread& w : writers) w.join();
  writing = false;
  for (std::thread& reader : readers) reader.join();
  for (const auto& thread_late : late) {
    for (const auto& [accept, id] : thread_late) {
      rejections_.push_back(ModelRejection{"alpha", 2, "SUBMIT_BAD_DATE", accept});
    }
  }
  Day(end);
  EXPECT_GT(Day(end).runs_cached, 0);
}

TEST(FlowTallyCacheStampTest, AWriteInFlightMakesItsRunUncacheable) {
  internal::FlowTallyCache cache;
  const int64_t hour = 1'795'000'000 / 3600 * 3600;
  const internal::FlowTallyCache::Stamp before = cache.StampOf('h', hour, hour + 3 * 3600);
  EXPECT_TRUE(before.clean);
  WriteBatch batch;
  internal::TallyRejectedByHub(internal::RepOf(batch), "alpha", 1, "SUBMIT_BAD_DATE",
                               (hour + 3600 + 5) * 1'000'000);
  const internal::FlowTallyCache::Write write = cache.BeginWrite(internal::RepOf(batch));
  EXPECT_FALSE(cache.StampOf('h', hour, hour + 3 * 3600).clean);
  EXPECT_TRUE(cache.StampOf('h', hour + 2 * 3600, hour + 3 * 3600).clean);  // Untouched.
  cache.EndWrite(write);
  const internal::FlowTallyCache::Stamp after = cache.StampOf('h', hour, hour + 3 * 3600);
  EXPECT_TRUE(after.clean);
  EXPECT_NE(after.sum, before.sum);
  // The seconds are never cached.
  EXPECT_FALSE(cache.StampOf('s', hour, hour + 10).clean);
  // A range delete of the tallies (retention) touches every run.
  WriteBatch purge;
  internal::RepOf(purge).flow_tallies_deleted = true;
  const int64_t day = hour / 86400 * 86400;
  const internal::FlowTallyCache::Stamp untouched = cache.StampOf('d', day - 86400, day);
  ASSERT_TRUE(untouched.clean);
  cache.EndWrite(cache.BeginWrite(internal::RepOf(purge)));
  EXPECT_NE(cache.StampOf('d', day - 86400, day).sum, untouched.sum);
}

TEST(FlowTallyCacheStampTest, KeepsItsRunsWithinTheMemoryBound) {
  internal::FlowTallyCache cache;
  auto run = std::make_shared<internal::CachedRun>();
  run->bytes = internal::FlowTallyCache::kMaxCachedBytes / 8;
  for (int i = 0; i < 20; ++i) cache.Put('g', 'h', i * 3600, (i + 1) * 3600, 1, run);
  EXPECT_LE(cache.cached_bytes(), internal::FlowTallyCache::kMaxCachedBytes);
  EXPECT_EQ(cache.cached_runs(), 8u);
  // The most recent stay; a stale stamp finds nothing.
  EXPECT_NE(cache.Find('g', 'h', 19 * 3600, 20 * 3600, 1), nullptr);
  EXPECT_EQ(cache.Find('g', 'h', 19 * 3600, 20 * 3600, 2), nullptr);
  EXPECT_EQ(cache.Find('g', 'h', 0, 3600, 1), nullptr);
}

}  // namespace
}  // namespace hub::storage
