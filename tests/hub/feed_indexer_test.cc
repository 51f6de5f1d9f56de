// hub/feed/feed_indexer.h: the thread that follows the feeds, and its lag
// on /metrics.
#include "hub/feed/feed_indexer.h"

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "hub/common/metrics.h"
#include "storage/feed_store.h"
#include "storage/store.h"
#include "tests/hub/hub_test_util.h"

namespace hub {
namespace {

constexpr int64_t kAcceptSeconds = 1'780'000'000;

class FeedIndexerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::StoreOptions options;
    options.data_dir = testing::MakeTempDir() + "/data";
    absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    feed_ = std::make_unique<storage::FeedStore>(store_.get());
  }
  void TearDown() override {
    feed_.reset();
    if (store_ != nullptr) {
      EXPECT_TRUE(store_->Close().ok());
    }
  }

  void Append(int count) {
    storage::WriteBatch batch;
    for (int i = 0; i < count; ++i) {
      hub::v1::FeedItem item;
      item.set_record_id(absl::StrCat("rec_", next_));
      item.set_provider_id("alpha_cbo");
      item.set_kind(hub::v1::RECORD_KIND_CARE_PLAN);
      item.mutable_accept_time()->set_seconds(kAcceptSeconds);
      ASSERT_TRUE(feed_->AppendItem(batch, "molina", item, absl::StrCat("key-", next_++)).ok());
    }
    ASSERT_TRUE(store_->Commit(batch, storage::Durability::kSync).ok());
    feed_->CommitAppends();
  }

  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<storage::FeedStore> feed_;
  int next_ = 0;
};

TEST_F(FeedIndexerTest, TheLagIsOnMetricsInItemsAndSeconds) {
  MetricsRegistry metrics;
  FeedIndexerOptions options;
  options.clock = [] { return absl::FromUnixSeconds(kAcceptSeconds + 3); };
  options.metrics = &metrics;
  options.start_thread = false;
  FeedIndexer indexer(feed_.get(), std::move(options));
  ASSERT_TRUE(indexer.Start().ok());
  Append(10);
  const std::string lagging = metrics.RenderText();
  EXPECT_TRUE(absl::StrContains(lagging, "hub_feed_index_lag_items 10\n")) << lagging;
  EXPECT_TRUE(absl::StrContains(lagging, "hub_feed_index_lag_seconds 3\n")) << lagging;
  ASSERT_TRUE(feed_->IndexPending(100).ok());
  const std::string caught_up = metrics.RenderText();
  EXPECT_TRUE(absl::StrContains(caught_up, "hub_feed_index_lag_items 0\n")) << caught_up;
  EXPECT_TRUE(absl::StrContains(caught_up, "hub_feed_index_lag_seconds 0\n")) << caught_up;
}

TEST_F(FeedIndexerTest, TheThreadIndexesWhatIsCommittedAfterAPoke) {
  MetricsRegistry metrics;
  FeedIndexerOptions options;
  options.clock = [] { return absl::FromUnixSeconds(kAcceptSeconds); };
  options.metrics = &metrics;
  options.min_batch_items = 1;
  FeedIndexer indexer(feed_.get(), std::move(options));
  ASSERT_TRUE(indexer.Start().ok());
  Append(25);
  indexer.Poke();
  // The thread runs on its own; wait for it (bounded). It counts a batch
  // after the batch is indexed, so the lag is 0 a moment before the counter
  // says 25 (seen under TSan, which slows every thread down).
  const auto counted = [&] {
    return absl::StrContains(metrics.RenderText(), "hub_feed_indexed_total 25\n");
  };
  for (int i = 0; i < 1000 && (feed_->IndexLag().items > 0 || !counted()); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(feed_->IndexLag().items, 0);
  EXPECT_TRUE(absl::StrContains(metrics.RenderText(), "hub_feed_indexed_total 25\n"));
  absl::StatusOr<storage::FeedIndexCheck> check = feed_->CheckIndexes();
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_EQ(check->items, 25);
  EXPECT_TRUE(check->consistent());
}

}  // namespace
}  // namespace hub
