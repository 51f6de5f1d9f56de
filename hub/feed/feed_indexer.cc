#include "hub/feed/feed_indexer.h"

#include <string>
#include <utility>

#include "hub/common/log.h"

namespace hub {

FeedIndexer::FeedIndexer(storage::FeedStore* feed, FeedIndexerOptions options)
    : feed_(feed), options_(std::move(options)) {
  if (options_.metrics == nullptr) return;
  indexed_total_ = &options_.metrics->Counter(
      "hub_feed_indexed_total",
      "Feed items the feed indexer wrote into the derived indexes (record locations, providers' "
      "listings, export index, idempotency results).",
      {});
  MetricFamily* items = &options_.metrics->Gauge(
      "hub_feed_index_lag_items",
      "Committed feed items whose derived indexes are not written yet (readers that need them "
      "wait; Submit answers their idempotency keys from memory).",
      {});
  MetricFamily* seconds = &options_.metrics->Gauge(
      "hub_feed_index_lag_seconds",
      "Age of the oldest committed feed item not yet indexed (0 when none waits).", {});
  storage::FeedStore* feed_store = feed_;
  std::function<absl::Time()> clock = options_.clock;
  collector_id_ = options_.metrics->AddCollector([feed_store, items, seconds, clock] {
    const storage::FeedIndexLag lag = feed_store->IndexLag();
    items->Set({}, static_cast<double>(lag.items));
    double age = 0;
    if (lag.items > 0 && lag.oldest_accept_micros > 0) {
      age = std::max(
          0.0, absl::ToDoubleSeconds(clock() - absl::FromUnixMicros(lag.oldest_accept_micros)));
    }
    seconds->Set({}, age);
  });
}

FeedIndexer::~FeedIndexer() {
  if (options_.metrics != nullptr) options_.metrics->RemoveCollector(collector_id_);
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

absl::Status FeedIndexer::Start() {
  absl::Status caught_up = feed_->CatchUpIndexes();
  if (!caught_up.ok()) return caught_up;
  if (options_.start_thread) thread_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

void FeedIndexer::Poke() {
  absl::MutexLock lock(&mu_);
  poked_ = true;
}

void FeedIndexer::Loop() {
  absl::Time last_pass = absl::Now();
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(
                               +[](FeedIndexer* p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->mu_) {
                                 return p->poked_ || p->stopping_;
                               },
                               this),
                           options_.max_delay);
      if (stopping_) return;
      poked_ = false;
    }
    // Gather a larger batch unless the oldest item has waited long enough.
    if (feed_->IndexLag().items < options_.min_batch_items &&
        absl::Now() - last_pass < options_.max_delay) {
      continue;
    }
    last_pass = absl::Now();
    while (true) {
      absl::StatusOr<int64_t> indexed = feed_->IndexPending(options_.batch_items);
      if (!indexed.ok()) {
        // Readers wait and Submit bounds the lag; say why it grows.
        log::Error("feed_index_failed",
                   {{"code", absl::StatusCodeToString(indexed.status().code())},
                    {"cause", std::string(indexed.status().message())}});
        break;
      }
      if (indexed_total_ != nullptr && *indexed > 0) {
        indexed_total_->Add({}, static_cast<double>(*indexed));
      }
      if (*indexed < options_.batch_items) break;
    }
  }
}

}  // namespace hub
