// The model behind the flow tally tests (tests/storage/flow_tally_test.cc,
// flow_tally_cache_test.cc): a store with a random history of accepted
// records, Acks (with rejections, some after the fact) and rejected
// submissions, kept alongside as plain records, and the brute-force count
// of a window over them that every read of the tallies must equal.
#ifndef HUB_TESTS_STORAGE_FLOW_TALLY_FIXTURE_H_
#define HUB_TESTS_STORAGE_FLOW_TALLY_FIXTURE_H_

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "hub/v1/monitor.pb.h"
#include "storage/feed_store.h"
#include "storage/flow_tally.h"
#include "storage/monitor_store.h"
#include "storage/store.h"
#include "tests/storage/storage_test_util.h"

namespace hub::storage {

inline constexpr int64_t kBaseMicros = 1'795'000'000'000'000;  // 2026-11.
inline constexpr int64_t kHour = 3'600'000'000;

// One record of the model history.
struct ModelRecord {
  std::string plan_id;
  std::string provider_id;
  int kind = 0;
  int64_t accept = 0;
  uint64_t sequence = 0;
  std::optional<int64_t> ack;  // set once acknowledged
  std::string code;            // the plan's rejection
  std::string record_id;
};
struct ModelRejection {
  std::string provider_id;
  int kind = 0;
  std::string code;
  int64_t micros = 0;
};

class FlowTallyTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    monitor_.reset();
    feed_.reset();
    if (store_ != nullptr) {
      ASSERT_OK(store_->Close());
    }
    store_.reset();
    ASSERT_OK_AND_ASSIGN(store_, Store::Open(test_util::OptionsFor(dir_.path())));
    feed_ = std::make_unique<FeedStore>(store_.get());
    monitor_ = std::make_unique<MonitorStore>(store_.get());
  }

  // A random history over ~3 days: bursts of records in the same second,
  // Acks with rejections (some of records acknowledged before), rejected
  // submissions.
  void PlayHistory(uint64_t seed, int records) {
    std::mt19937_64 rng(seed);
    const std::vector<std::string> plans = {"molina", "kaiser", "aetna"};
    const std::vector<std::string> providers = {"alpha", "beta", "gamma", "delta"};
    const std::vector<std::string> codes = {"PLAN_MEMBER_NOT_ELIGIBLE", "PLAN_DUPLICATE"};
    int64_t now = kBaseMicros + 123'457;
    for (int i = 0; i < records; ++i) {
      // Mostly sub-second steps, sometimes minutes or hours.
      const int jump = static_cast<int>(rng() % 100);
      now += jump < 70   ? static_cast<int64_t>(rng() % 400'000)
             : jump < 95 ? static_cast<int64_t>(rng() % 600'000'000)
                         : static_cast<int64_t>(rng() % (5 * kHour));
      WriteBatch batch;
      if (rng() % 6 == 0) {
        ModelRejection r{providers[rng() % providers.size()], static_cast<int>(1 + rng() % 5),
                         rng() % 2 ? "SUBMIT_UNKNOWN_MEMBER" : "SUBMIT_BAD_DATE", now};
        monitor_->AddRejection(batch, now, r.provider_id, absl::StrCat("rej", i), r.kind, r.code);
        rejections_.push_back(r);
      } else {
        const std::string& plan = plans[rng() % plans.size()];
        const std::string& provider = providers[rng() % providers.size()];
        AppendRecord(batch, plan, provider, static_cast<int>(1 + rng() % 5), now,
                     absl::StrCat("r", i));
      }
      ASSERT_OK(store_->Commit(batch, Durability::kBuffered));
      feed_->CommitAppends();
      if (rng() % 20 == 0) AckSome(rng, plans, codes, now);
    }
  }

  // Appends a record accepted at `accept` to `batch` (and to the model).
  void AppendRecord(WriteBatch& batch, const std::string& plan_id, const std::string& provider_id,
                    int kind, int64_t accept, const std::string& record_id) {
    ModelRecord r;
    r.plan_id = plan_id;
    r.provider_id = provider_id;
    r.kind = kind;
    r.accept = accept;
    r.record_id = record_id;
    hub::v1::FeedItem item;
    item.set_record_id(r.record_id);
    item.set_provider_id(r.provider_id);
    item.set_kind(static_cast<hub::v1::RecordKind>(r.kind));
    item.mutable_accept_time()->set_seconds(accept / 1'000'000);
    item.mutable_accept_time()->set_nanos(static_cast<int32_t>(accept % 1'000'000) * 1000);
    ASSERT_OK_AND_ASSIGN(r.sequence, feed_->AppendItem(batch, r.plan_id, item, r.record_id));
    records_.push_back(r);
  }

  // Commits a record accepted at `accept` (a late one when older than the
  // history's newest).
  void CommitRecord(const std::string& plan_id, const std::string& provider_id, int64_t accept,
                    const std::string& record_id) {
    WriteBatch batch;
    AppendRecord(batch, plan_id, provider_id, 1, accept, record_id);
    ASSERT_OK(store_->Commit(batch, Durability::kBuffered));
    feed_->CommitAppends();
  }

  void AckSome(std::mt19937_64& rng, const std::vector<std::string>& plans,
               const std::vector<std::string>& codes, int64_t now) {
    const std::string& plan = plans[rng() % plans.size()];
    std::vector<ModelRecord*> mine;
    for (ModelRecord& r : records_) {
      if (r.plan_id == plan) mine.push_back(&r);
    }
    if (mine.empty()) return;
    const uint64_t through = 1 + rng() % mine.size();
    std::vector<hub::v1::ItemRejection> rejections;
    for (int n = static_cast<int>(rng() % 3); n > 0; --n) {
      ModelRecord& r = *mine[rng() % through];  // sequence r.sequence <= through
      hub::v1::ItemRejection& rejection = rejections.emplace_back();
      rejection.set_sequence(r.sequence);
      rejection.set_record_id(r.record_id);
      rejection.set_reason_code(codes[rng() % codes.size()]);
    }
    ASSERT_OK(feed_->Ack(plan, through, rejections, now).status());
    for (ModelRecord* r : mine) {
      if (r->sequence <= through && !r->ack.has_value()) r->ack = now;
    }
    for (const hub::v1::ItemRejection& rejection : rejections) {
      for (ModelRecord* r : mine) {
        if (r->sequence == rejection.sequence()) r->code = rejection.reason_code();
      }
    }
  }

  // The brute-force answer for [start, end) in `bars` bars.
  FlowTallies Expected(int64_t start, int64_t end, int64_t bar_seconds, int bars) const {
    FlowTallies out;
    out.series.resize(static_cast<size_t>(bars));
    const int64_t start_second = start / 1'000'000;
    auto bar = [&](int64_t micros) {
      return static_cast<size_t>(
          std::clamp<int64_t>((micros / 1'000'000 - start_second) / bar_seconds, 0, bars - 1));
    };
    for (const ModelRecord& r : records_) {
      if (r.accept < start || r.accept >= end) continue;
      FlowGroupKey key{r.plan_id, r.provider_id, r.kind, hub::v1::FLOW_STATUS_DELIVERED_PENDING,
                       ""};
      if (r.ack.has_value()) {
        key.status = r.code.empty() ? hub::v1::FLOW_STATUS_ACCEPTED_BY_PLAN
                                    : hub::v1::FLOW_STATUS_REJECTED_BY_PLAN;
        key.reason_code = r.code;
      }
      FlowGroupTally& g = out.groups[key];
      ++g.count;
      if (r.ack.has_value()) g.latency.Add(std::max<int64_t>(*r.ack - r.accept, 0));
      ++out.series[bar(r.accept)][r.plan_id];
    }
    for (const ModelRejection& r : rejections_) {
      if (r.micros < start || r.micros >= end) continue;
      ++out.groups[{"", r.provider_id, r.kind, hub::v1::FLOW_STATUS_REJECTED_BY_HUB, r.code}].count;
      ++out.series[bar(r.micros)][""];
    }
    return out;
  }

  // Returns the read (its cost counters: runs read and taken from the cache).
  FlowTallies ExpectWindow(int64_t start, int64_t end, int64_t bar_seconds, int bars,
                           bool through_now = false) const {
    SCOPED_TRACE(absl::StrCat("window ", start - kBaseMicros, " .. ", end - kBaseMicros));
    // A window's partial seconds are read record by record from the record
    // index, which the feed indexer derives from the feeds (hubd's follows
    // within milliseconds; here nothing runs it).
    EXPECT_OK(feed_->AwaitAllIndexed());
    absl::StatusOr<FlowTallies> read =
        monitor_->TallyFlows(start, end, bar_seconds, bars, through_now);
    EXPECT_OK(read.status());
    if (!read.ok()) return FlowTallies();
    const FlowTallies& got = *read;
    const FlowTallies want = Expected(start, end, bar_seconds, bars);
    EXPECT_EQ(got.groups.size(), want.groups.size());
    if (got.groups.size() != want.groups.size()) return *read;
    for (auto g = got.groups.begin(), w = want.groups.begin(); g != got.groups.end(); ++g, ++w) {
      EXPECT_FALSE(g->first < w->first || w->first < g->first)
          << g->first.plan_id << "/" << g->first.provider_id << " vs " << w->first.plan_id << "/"
          << w->first.provider_id;
      EXPECT_EQ(g->second.count, w->second.count);
      EXPECT_EQ(g->second.latency.bins(), w->second.latency.bins());
    }
    EXPECT_EQ(got.series, want.series);
    // The plans' and the window's latencies are the merges of its groups'.
    std::map<std::string, LatencyHistogram> plans;
    LatencyHistogram all;
    for (const auto& [key, g] : want.groups) {
      if (g.latency.empty()) continue;
      plans[key.plan_id].Merge(g.latency);
      all.Merge(g.latency);
    }
    EXPECT_EQ(got.plan_latencies.size(), plans.size());
    for (const auto& [plan_id, latency] : plans) {
      auto it = got.plan_latencies.find(plan_id);
      EXPECT_TRUE(it != got.plan_latencies.end()) << plan_id;
      if (it != got.plan_latencies.end()) {
        EXPECT_EQ(it->second.bins(), latency.bins()) << plan_id;
      }
    }
    EXPECT_EQ(got.latency.bins(), all.bins());
    return *read;
  }

  // Random windows from a minute to 31 days, microsecond edges.
  void ExpectRandomWindows(uint64_t seed, int windows) const {
    std::mt19937_64 rng(seed);
    const int64_t span = records_.back().accept - kBaseMicros + kHour;
    for (int i = 0; i < windows; ++i) {
      const int64_t end = kBaseMicros + static_cast<int64_t>(rng() % static_cast<uint64_t>(span));
      const int64_t length =
          60'000'000 + static_cast<int64_t>(rng() % static_cast<uint64_t>(31 * 24 * kHour));
      const int bars = 1 + static_cast<int>(rng() % 48);
      const int64_t bar_seconds = (length / 1'000'000 + bars - 1) / bars;
      ExpectWindow(end - length, end, bar_seconds, bars);
    }
    // The whole history and a window inside one second.
    ExpectWindow(kBaseMicros, records_.back().accept + 1, 3600, 24);
    ExpectWindow(records_[5].accept - 10, records_[5].accept + 10, 60, 1);
  }

  test_util::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<FeedStore> feed_;
  std::unique_ptr<MonitorStore> monitor_;
  std::vector<ModelRecord> records_;
  std::vector<ModelRejection> rejections_;
};

}  // namespace hub::storage

#endif  // HUB_TESTS_STORAGE_FLOW_TALLY_FIXTURE_H_
