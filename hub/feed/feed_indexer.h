// FeedIndexer: the thread that keeps the feeds' derived indexes (record
// locations, providers' listings, the export index, accepted results under
// their idempotency keys, the monitor's accepted-record tallies) up with the
// feeds, off Submit's acknowledged path (storage/feed_store.h: the feed is
// the log, indexes are views).
//
// Start applies the feeds' tails past their checkpoints (what a crash left
// unindexed) before it returns: hubd calls it before it serves. Then one
// thread indexes what Submit commits, woken by Poke (after each committed
// group), in batches of min_batch_items to batch_items, or what waits once
// the oldest has waited max_delay.
// Readers that need the indexes wait for it (FeedStore::AwaitIndexed); the
// submit pipeline indexes itself if the lag passes its bound.
//
// /metrics: hub_feed_index_lag_items (committed items not yet indexed) and
// hub_feed_index_lag_seconds (age of the oldest of them), read at scrape
// time; hub_feed_indexed_total (items indexed by this thread).
//
// Thread safety: Poke may be called from any thread and never blocks.
#ifndef HUB_HUB_FEED_FEED_INDEXER_H_
#define HUB_HUB_FEED_FEED_INDEXER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "hub/common/metrics.h"
#include "storage/feed_store.h"

namespace hub {

struct FeedIndexerOptions {
  // Items per indexing batch (one buffered WriteBatch per plan).
  int64_t batch_items = 20000;
  // The thread indexes once this many items wait, or once the oldest has
  // waited `max_delay` (larger batches cost less per item), and looks for
  // work at least every max_delay without a Poke.
  int64_t min_batch_items = 4096;
  absl::Duration max_delay = absl::Milliseconds(50);
  // Wall clock for the lag in seconds. Required.
  std::function<absl::Time()> clock;
  // May be null: no metrics.
  MetricsRegistry* metrics = nullptr;
  // false: Start only catches up; nothing follows the feeds (readers and
  // Submit's lag bound index on demand). For diagnostics and crash tests.
  bool start_thread = true;
};

class FeedIndexer {
 public:
  // `feed` (and `options.metrics`) must outlive the indexer.
  FeedIndexer(storage::FeedStore* feed, FeedIndexerOptions options);
  // Stops the thread (what it has not indexed is applied at the next Start).
  ~FeedIndexer();

  FeedIndexer(const FeedIndexer&) = delete;
  FeedIndexer& operator=(const FeedIndexer&) = delete;

  // Applies the feeds' tails past their checkpoints, then starts the
  // thread. The error of the catch-up (nothing started): the store could
  // not be read or written.
  absl::Status Start();

  // New items were committed.
  void Poke();

 private:
  void Loop();

  storage::FeedStore* const feed_;
  const FeedIndexerOptions options_;
  MetricFamily* indexed_total_ = nullptr;
  int collector_id_ = 0;
  absl::Mutex mu_;
  bool poked_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace hub

#endif  // HUB_HUB_FEED_FEED_INDEXER_H_
