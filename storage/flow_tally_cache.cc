#include "storage/flow_tally_cache.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "storage/flow_tally_internal.h"

namespace hub::storage::internal {
namespace {

constexpr int64_t kDay = 86400;

// The index of `level` in kTallyLevels; -1 if unknown.
int LevelIndex(char level) {
  for (size_t i = 0; i < std::size(kTallyLevels); ++i) {
    if (kTallyLevels[i].name == level) return static_cast<int>(i);
  }
  return -1;
}

uint64_t BucketId(int level_index, int64_t start) {
  return (static_cast<uint64_t>(level_index) << 56) | static_cast<uint64_t>(start);
}

int64_t StartOf(uint64_t id) { return static_cast<int64_t>(id & ((uint64_t{1} << 56) - 1)); }

// The entry of `map` (not empty) whose `used` is the smallest: the least
// recently used.
template <typename Map>
typename Map::iterator LeastRecent(Map& map) {
  return std::min_element(map.begin(), map.end(), [](const auto& a, const auto& b) {
    return a.second.used < b.second.used;
  });
}

}  // namespace

FlowTallyCache::Write FlowTallyCache::BeginWrite(const WriteBatch::Rep& batch) {
  Write write;
  write.everything = batch.flow_tallies_deleted;
  // Keys: kind \0 level \0 bucket(BE8) \0 ... (flow_tally_internal.h).
  for (const auto& [key, delta] : batch.flow_tallies) {
    if (key.size() < 12 || key[2] == 's') continue;
    uint64_t start = 0;
    const int level = LevelIndex(key[2]);
    if (level < 0 || !DecodeBigEndian64(std::string_view(key).substr(4, 8), &start) ||
        start >= (uint64_t{1} << 56)) {
      write.everything = true;  // Not a key this cache knows: assume the worst.
      continue;
    }
    write.buckets.push_back(BucketId(level, static_cast<int64_t>(start)));
  }
  std::sort(write.buckets.begin(), write.buckets.end());
  write.buckets.erase(std::unique(write.buckets.begin(), write.buckets.end()), write.buckets.end());
  if (write.buckets.empty() && !write.everything) return write;
  absl::MutexLock lock(&mu_);
  Mark(write, /*begin=*/true);
  return write;
}

FlowTallyCache::Write FlowTallyCache::BeginWriteEverything() {
  Write write;
  write.everything = true;
  absl::MutexLock lock(&mu_);
  Mark(write, /*begin=*/true);
  return write;
}

void FlowTallyCache::EndWrite(const Write& write) {
  if (write.buckets.empty() && !write.everything) return;
  absl::MutexLock lock(&mu_);
  Mark(write, /*begin=*/false);
}

void FlowTallyCache::Mark(const Write& write, bool begin) {
  auto mark = [begin](BucketState& state) {
    if (begin) {
      ++state.written;
      ++state.in_flight;
    } else {
      --state.in_flight;
    }
  };
  if (write.everything) mark(everything_);
  for (const uint64_t id : write.buckets) {
    const int64_t start = StartOf(id);
    if (start < horizon_) continue;  // Untracked: never cached.
    if (begin) {
      mark(buckets_[id]);
      newest_ = std::max(newest_, start);
    } else {
      auto it = buckets_.find(id);
      if (it != buckets_.end()) mark(it->second);
    }
  }
  if (!begin) return;
  // Stop tracking the buckets kKeptDays older than the newest (at most once
  // a day: a sweep of every count).
  const int64_t horizon = (newest_ / kDay - kKeptDays) * kDay;
  if (horizon <= horizon_) return;
  horizon_ = horizon;
  if (horizon_ < pruned_at_ + kDay) return;
  pruned_at_ = horizon_;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    // A bucket with a write in flight stays until its EndWrite.
    if (StartOf(it->first) < horizon_ && it->second.in_flight == 0) {
      buckets_.erase(it++);
    } else {
      ++it;
    }
  }
}

FlowTallyCache::Stamp FlowTallyCache::StampOf(char level, int64_t from, int64_t to) const {
  Stamp stamp;
  const int index = LevelIndex(level);
  if (index <= 0 || from < 0) return stamp;  // The finest level is never cached.
  const int64_t step = kTallyLevels[index].seconds;
  absl::MutexLock lock(&mu_);
  if (from < horizon_ || everything_.in_flight > 0) return stamp;
  stamp.sum = everything_.written;
  for (int64_t start = from; start < to; start += step) {
    auto it = buckets_.find(BucketId(index, start));
    if (it == buckets_.end()) continue;
    if (it->second.in_flight > 0) return stamp;
    stamp.sum += it->second.written;
  }
  stamp.clean = true;
  return stamp;
}

std::shared_ptr<const CachedRun> FlowTallyCache::Find(char kind, char level, int64_t from,
                                                      int64_t to, uint64_t stamp) {
  absl::MutexLock lock(&mu_);
  auto it = runs_.find(RunKey{kind, level, from, to});
  if (it == runs_.end() || it->second.stamp != stamp) return nullptr;
  it->second.used = ++tick_;
  return it->second.run;
}

void FlowTallyCache::Put(char kind, char level, int64_t from, int64_t to, uint64_t stamp,
                         std::shared_ptr<const CachedRun> run) {
  if (run == nullptr || run->bytes > kMaxCachedBytes / 4) return;
  absl::MutexLock lock(&mu_);
  Entry& entry = runs_[RunKey{kind, level, from, to}];
  if (entry.run != nullptr) bytes_ -= entry.run->bytes;
  bytes_ += run->bytes;
  entry.stamp = stamp;
  entry.used = ++tick_;
  entry.run = std::move(run);
  Evict();
}

void FlowTallyCache::Evict() {
  // Runs no read used in the last kMaxIdleUses finds and puts: a window's
  // tiling moved past them.
  for (auto it = runs_.begin(); it != runs_.end();) {
    if (it->second.used + kMaxIdleUses < tick_) {
      bytes_ -= it->second.run->bytes;
      runs_.erase(it++);
    } else {
      ++it;
    }
  }
  while (bytes_ > kMaxCachedBytes && !runs_.empty()) {
    auto oldest = LeastRecent(runs_);
    bytes_ -= oldest->second.run->bytes;
    runs_.erase(oldest);
  }
}

std::unique_ptr<WindowSum> FlowTallyCache::TakeSum(int64_t window_minutes) {
  absl::MutexLock lock(&mu_);
  auto it = sums_.find(window_minutes);
  if (it == sums_.end()) return nullptr;
  std::unique_ptr<WindowSum> sum = std::move(it->second.sum);
  sums_.erase(it);
  return sum;
}

void FlowTallyCache::GiveSum(int64_t window_minutes, std::unique_ptr<WindowSum> sum) {
  std::unique_ptr<WindowSum> dropped;  // Freed outside the lock.
  absl::MutexLock lock(&mu_);
  KeptSum& kept = sums_[window_minutes];
  dropped = std::move(kept.sum);
  kept = KeptSum{++sums_given_, std::move(sum)};
  if (sums_.size() <= kMaxSums) return;
  auto oldest = LeastRecent(sums_);
  dropped = std::move(oldest->second.sum);
  sums_.erase(oldest);
}

std::shared_ptr<const EdgeSecond> FlowTallyCache::FindEdge(int64_t second, uint64_t stamp) {
  absl::MutexLock lock(&mu_);
  auto it = edges_.find(second);
  if (it == edges_.end() || it->second.stamp != stamp) return nullptr;
  it->second.used = ++edges_used_;
  return it->second.records;
}

void FlowTallyCache::PutEdge(int64_t second, uint64_t stamp,
                             std::shared_ptr<const EdgeSecond> records) {
  if (records == nullptr || records->bytes > kMaxCachedBytes / 16) return;
  std::shared_ptr<const EdgeSecond> dropped;  // Freed outside the lock.
  absl::MutexLock lock(&mu_);
  KeptEdge& kept = edges_[second];
  dropped = std::move(kept.records);
  kept = KeptEdge{stamp, ++edges_used_, std::move(records)};
  if (edges_.size() <= kMaxEdgeSeconds) return;
  auto oldest = LeastRecent(edges_);
  dropped = std::move(oldest->second.records);
  edges_.erase(oldest);
}

size_t FlowTallyCache::cached_bytes() const {
  absl::MutexLock lock(&mu_);
  return bytes_;
}

size_t FlowTallyCache::cached_runs() const {
  absl::MutexLock lock(&mu_);
  return runs_.size();
}

}  // namespace hub::storage::internal
