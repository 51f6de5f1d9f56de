#include "storage/flow_tally.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "base/status_macros.h"
#include "hub/v1/monitor.pb.h"
#include "storage/flow_tally_internal.h"
#include "storage/internal.h"

namespace hub::storage {

// ------------------------------------------------------------- histogram

int32_t LatencyHistogram::BinOf(int64_t micros) {
  int64_t ms = std::max<int64_t>(micros, 0) / 1000;
  if (ms < 1000) return static_cast<int32_t>(ms);
  int32_t exponent = 0;
  while (ms >= 1000) {
    ms /= 10;
    ++exponent;
  }
  // ms is now the 3 leading digits (100..999).
  return exponent * 1000 + static_cast<int32_t>(ms);
}

double LatencyHistogram::BinSeconds(int32_t bin) {
  const int32_t exponent = bin / 1000;
  double ms = static_cast<double>(bin % 1000);
  for (int32_t i = 0; i < exponent; ++i) ms *= 10;
  return ms / 1000.0;
}

void LatencyHistogram::Add(int64_t micros, int64_t count) { AddBin(BinOf(micros), count); }

struct LatencyHistogram::Counts {
  // The histograms holding these counts.
  std::atomic<int32_t> holders{1};
  std::vector<int64_t> counts;
  // Set while asked/answer hold something (read by a sole holder alone).
  std::atomic<bool> remembered{false};
  absl::Mutex mu;
  std::vector<double> asked ABSL_GUARDED_BY(mu);
  std::vector<double> answer ABSL_GUARDED_BY(mu);
};

LatencyHistogram::LatencyHistogram(const LatencyHistogram& other)
    : counts_(other.counts_), first_(other.first_), count_(other.count_) {
  if (counts_ != nullptr) counts_->holders.fetch_add(1, std::memory_order_relaxed);
}

LatencyHistogram& LatencyHistogram::operator=(const LatencyHistogram& other) {
  if (this == &other) return *this;
  if (other.counts_ != nullptr) other.counts_->holders.fetch_add(1, std::memory_order_relaxed);
  Release();
  counts_ = other.counts_;
  first_ = other.first_;
  count_ = other.count_;
  return *this;
}

LatencyHistogram::LatencyHistogram(LatencyHistogram&& other) noexcept
    : counts_(std::exchange(other.counts_, nullptr)),
      first_(std::exchange(other.first_, 0)),
      count_(std::exchange(other.count_, 0)) {}

LatencyHistogram& LatencyHistogram::operator=(LatencyHistogram&& other) noexcept {
  if (this == &other) return *this;
  Release();
  counts_ = std::exchange(other.counts_, nullptr);
  first_ = std::exchange(other.first_, 0);
  count_ = std::exchange(other.count_, 0);
  return *this;
}

LatencyHistogram::~LatencyHistogram() { Release(); }

void LatencyHistogram::Release() {
  // The last holder frees the counts; acq_rel orders every holder's reads
  // of them before.
  if (counts_ != nullptr && counts_->holders.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    delete counts_;
  }
  counts_ = nullptr;
}

const std::vector<int64_t>& LatencyHistogram::counts() const {
  static const std::vector<int64_t>* const kNone = new std::vector<int64_t>();
  return counts_ == nullptr ? *kNone : counts_->counts;
}

std::vector<int64_t>& LatencyHistogram::OwnCounts() {
  if (counts_ == nullptr) {
    counts_ = new Counts();
  } else if (counts_->holders.load(std::memory_order_acquire) != 1) {
    // Shared: change a copy of our own. (Acquire: a holder that let go
    // finished reading the counts before we change them.)
    auto* copy = new Counts();
    copy->counts = counts_->counts;
    Release();
    counts_ = copy;
  } else if (counts_->remembered.load(std::memory_order_relaxed)) {
    absl::MutexLock lock(&counts_->mu);
    counts_->asked.clear();
    counts_->answer.clear();
    counts_->remembered.store(false, std::memory_order_relaxed);
  }
  return counts_->counts;
}

void LatencyHistogram::Reserve(int32_t bin) {
  std::vector<int64_t>& counts = OwnCounts();
  if (counts.empty()) {
    first_ = bin;
    counts.assign(1, 0);
    return;
  }
  const int32_t last = first_ + static_cast<int32_t>(counts.size()) - 1;
  if (bin > last) {
    // Double (at least 64 bins), so a run of rising bins costs O(1) each.
    const size_t wanted = static_cast<size_t>(bin - first_) + 1;
    counts.resize(std::max({wanted, 2 * counts.size(), size_t{64}}), 0);
  } else if (bin < first_) {
    const int32_t grow = std::min<int32_t>(
        first_, std::max<int32_t>(first_ - bin, static_cast<int32_t>(counts.size())));
    counts.insert(counts.begin(), static_cast<size_t>(grow), 0);
    first_ -= grow;
  }
}

void LatencyHistogram::ReserveRange(int32_t lo, int32_t hi) {
  lo = std::max(lo, 0);
  if (hi < lo) return;
  std::vector<int64_t>& counts = OwnCounts();
  if (counts.empty()) {
    first_ = lo;
    counts.assign(static_cast<size_t>(hi - lo) + 1, 0);
    return;
  }
  const int32_t size = static_cast<int32_t>(counts.size());
  const int32_t last = first_ + size - 1;
  if (lo >= first_ && hi <= last) return;
  // Grow each side that must grow by at least half the size, so a run of
  // widening merges costs O(1) per bin.
  const int32_t new_first = lo < first_ ? std::max(0, std::min(lo, first_ - size / 2)) : first_;
  const int32_t new_last = hi > last ? std::max(hi, last + size / 2) : last;
  std::vector<int64_t> grown(static_cast<size_t>(new_last - new_first) + 1, 0);
  std::copy(counts.begin(), counts.end(), grown.begin() + (first_ - new_first));
  counts.swap(grown);
  first_ = new_first;
}

void LatencyHistogram::AddBin(int32_t bin, int64_t count) {
  if (count == 0) return;
  bin = std::max(bin, 0);
  Reserve(bin);
  counts_->counts[static_cast<size_t>(bin - first_)] += count;
  count_ += count;
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  const std::vector<int64_t>& from = other.counts();
  if (from.empty()) return;
  ReserveRange(other.first_, other.first_ + static_cast<int32_t>(from.size()) - 1);
  int64_t* into = counts_->counts.data() + (other.first_ - first_);
  for (size_t i = 0; i < from.size(); ++i) into[i] += from[i];
  count_ += other.count_;
}

std::vector<std::pair<int32_t, int64_t>> LatencyHistogram::bins() const {
  const std::vector<int64_t>& counts = this->counts();
  std::vector<std::pair<int32_t, int64_t>> out;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] != 0) out.emplace_back(first_ + static_cast<int32_t>(i), counts[i]);
  }
  return out;
}

std::vector<double> LatencyHistogram::QuantilesSeconds(const std::vector<double>& qs) const {
  std::vector<double> out(qs.size(), 0);
  const std::vector<int64_t>& counts = this->counts();
  if (count_ <= 0 || qs.empty()) return out;
  {
    absl::MutexLock lock(&counts_->mu);
    if (counts_->asked == qs) return counts_->answer;
  }
  // Nearest ranks, as QuantileSeconds; one pass over the bins for all.
  std::vector<int64_t> ranks(qs.size());
  for (size_t k = 0; k < qs.size(); ++k) {
    ranks[k] = std::clamp<int64_t>(
        static_cast<int64_t>(std::ceil(qs[k] * static_cast<double>(count_))), 1, count_);
  }
  std::vector<size_t> order(qs.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ranks[a] < ranks[b]; });
  size_t next = 0;
  int64_t seen = 0;
  int32_t last_nonzero = first_;
  for (size_t i = 0; i < counts.size() && next < order.size(); ++i) {
    if (counts[i] == 0) continue;
    last_nonzero = first_ + static_cast<int32_t>(i);
    seen += counts[i];
    while (next < order.size() && seen >= ranks[order[next]]) {
      out[order[next++]] = BinSeconds(last_nonzero);
    }
  }
  for (; next < order.size(); ++next) out[order[next]] = BinSeconds(last_nonzero);
  absl::MutexLock lock(&counts_->mu);
  counts_->asked = qs;
  counts_->answer = out;
  counts_->remembered.store(true, std::memory_order_relaxed);
  return out;
}

double LatencyHistogram::QuantileSeconds(double q) const {
  if (count_ <= 0) return 0;
  const std::vector<int64_t>& counts = this->counts();
  // Nearest rank, as hub/monitor/monitor_rules.h's Percentiles.
  int64_t rank = static_cast<int64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<int64_t>(rank, 1, count_);
  int64_t seen = 0;
  int32_t last_nonzero = first_;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] == 0) continue;
    last_nonzero = first_ + static_cast<int32_t>(i);
    seen += counts[i];
    if (seen >= rank) return BinSeconds(last_nonzero);
  }
  return BinSeconds(last_nonzero);
}

namespace internal {
namespace {

void PutVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

bool GetVarint(std::string_view* in, uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
    const auto byte = static_cast<unsigned char>(in->front());
    in->remove_prefix(1);
    *value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

// A tally as its count and its (bin, count) pairs in increasing bin order.
struct FlatTally {
  int64_t count = 0;
  std::vector<std::pair<int32_t, int64_t>> bins;
};

// The one tally format: count, then (bin delta, count) pairs in increasing
// bin order, all varints (counts zigzagged). Calls add(bin, n) for each pair
// and stops at the first false; false for bytes that are not a tally.
template <typename AddBin>
bool DecodeBins(std::string_view bytes, int64_t* count, AddBin add) {
  *count = 0;
  if (bytes.empty()) return true;
  uint64_t v = 0;
  if (!GetVarint(&bytes, &v)) return false;
  *count = UnZigZag(v);
  int64_t bin = 0;
  while (!bytes.empty()) {
    uint64_t delta = 0;
    uint64_t n = 0;
    if (!GetVarint(&bytes, &delta) || !GetVarint(&bytes, &n)) return false;
    bin += static_cast<int64_t>(delta);
    if (bin > INT32_MAX || !add(static_cast<int32_t>(bin), UnZigZag(n))) return false;
  }
  return true;
}

// `bins`: (bin, count) pairs in increasing bin order (a map or a vector);
// bins with no count are left out.
template <typename Bins>
std::string EncodeBins(int64_t count, const Bins& bins) {
  std::string out;
  PutVarint(ZigZag(count), &out);
  int32_t previous = 0;
  for (const auto& [bin, n] : bins) {
    if (n == 0) continue;
    PutVarint(static_cast<uint64_t>(bin - previous), &out);
    PutVarint(ZigZag(n), &out);
    previous = bin;
  }
  return out;
}

// A bin repeated (delta 0 after the first) is damage here.
bool DecodeFlat(std::string_view bytes, FlatTally* tally) {
  tally->bins.clear();
  return DecodeBins(bytes, &tally->count, [tally](int32_t bin, int64_t n) {
    if (!tally->bins.empty() && tally->bins.back().first == bin) return false;
    tally->bins.emplace_back(bin, n);
    return true;
  });
}

// Adds two tallies in one pass over their sorted bins (no maps: a read of
// a key with several merge operands, and every compaction, runs this).
class TallyMergeOperator : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice& /*key*/, const rocksdb::Slice* existing_value,
             const rocksdb::Slice& value, std::string* new_value,
             rocksdb::Logger* /*logger*/) const override {
    thread_local FlatTally a;
    thread_local FlatTally b;
    thread_local std::vector<std::pair<int32_t, int64_t>> sum;
    if (!DecodeFlat(existing_value == nullptr ? std::string_view() : ToView(*existing_value), &a) ||
        !DecodeFlat(ToView(value), &b)) {
      return false;
    }
    sum.clear();
    size_t i = 0;
    size_t j = 0;
    while (i < a.bins.size() || j < b.bins.size()) {
      if (j == b.bins.size() || (i < a.bins.size() && a.bins[i].first < b.bins[j].first)) {
        sum.push_back(a.bins[i++]);
      } else if (i == a.bins.size() || b.bins[j].first < a.bins[i].first) {
        sum.push_back(b.bins[j++]);
      } else {
        sum.emplace_back(a.bins[i].first, a.bins[i].second + b.bins[j].second);
        ++i;
        ++j;
      }
    }
    *new_value = EncodeBins(a.count + b.count, sum);
    return true;
  }
  const char* Name() const override { return "hub.flow_tally"; }
};

}  // namespace

std::string BucketKeyPrefix(char kind, char level, int64_t bucket_seconds) {
  return Prefix({std::string_view(&kind, 1), std::string_view(&level, 1),
                 EncodeBigEndian64(static_cast<uint64_t>(std::max<int64_t>(bucket_seconds, 0)))});
}

std::string EncodeTally(const TallyDelta& tally) { return EncodeBins(tally.count, tally.bins); }

std::string EncodeTallyOf(int64_t count, const LatencyHistogram& latency) {
  return EncodeBins(count, latency.bins());
}

bool DecodeTally(std::string_view bytes, TallyDelta* tally) {
  tally->bins.clear();
  return DecodeBins(bytes, &tally->count, [tally](int32_t bin, int64_t n) {
    tally->bins[bin] += n;
    return true;
  });
}

bool DecodeTallyInto(std::string_view bytes, int64_t sign, int64_t* count,
                     std::initializer_list<LatencyHistogram*> latencies, int64_t* bins) {
  return DecodeBins(bytes, count, [sign, latencies, bins](int32_t bin, int64_t n) {
    for (LatencyHistogram* latency : latencies) latency->AddBin(bin, sign * n);
    ++*bins;
    return true;
  });
}

std::shared_ptr<rocksdb::MergeOperator> FlowTallyMergeOperator() {
  return std::make_shared<TallyMergeOperator>();
}

std::string GroupKeyBytes(const FlowGroupKey& group) {
  return Key({group.plan_id, group.provider_id, absl::StrCat(group.kind),
              absl::StrCat(group.status), group.reason_code});
}

void AddFlowTally(WriteBatch::Rep& batch, const FlowGroupKey& group, int64_t accept_micros,
                  int64_t delta, std::optional<int64_t> latency_micros) {
  const int64_t second = FloorDiv(accept_micros, 1000000);
  const std::string group_key = GroupKeyBytes(group);
  for (const TallyLevel& level : kTallyLevels) {
    std::string key =
        BucketKeyPrefix('g', level.name, FloorDiv(second, level.seconds) * level.seconds);
    key.append(group_key);
    TallyDelta& tally = batch.flow_tallies[key];
    tally.count += delta;
    if (latency_micros.has_value()) {
      auto [it, inserted] = tally.bins.try_emplace(LatencyHistogram::BinOf(*latency_micros), 0);
      it->second += delta;
    }
  }
}

void AddSeriesTally(WriteBatch::Rep& batch, std::string_view plan_id, int64_t accept_micros,
                    int64_t delta) {
  const int64_t second = FloorDiv(accept_micros, 1000000);
  for (const TallyLevel& level : kTallyLevels) {
    std::string key =
        BucketKeyPrefix('s', level.name, FloorDiv(second, level.seconds) * level.seconds);
    key.append(plan_id.data(), plan_id.size());
    batch.flow_tallies[key].count += delta;
  }
}

void TallyAccepted(WriteBatch::Rep& batch, std::string_view plan_id, std::string_view provider_id,
                   int kind, int64_t accept_micros) {
  AddFlowTally(batch,
               FlowGroupKey{std::string(plan_id), std::string(provider_id), kind,
                            hub::v1::FLOW_STATUS_DELIVERED_PENDING, ""},
               accept_micros, 1, std::nullopt);
  AddSeriesTally(batch, plan_id, accept_micros, 1);
}

void TallyRejectedByHub(WriteBatch::Rep& batch, std::string_view provider_id, int kind,
                        std::string_view reason_code, int64_t micros) {
  AddFlowTally(batch,
               FlowGroupKey{"", std::string(provider_id), kind,
                            hub::v1::FLOW_STATUS_REJECTED_BY_HUB, std::string(reason_code)},
               micros, 1, std::nullopt);
  AddSeriesTally(batch, "", micros, 1);
}

void TallyVerdict(WriteBatch::Rep& batch, std::string_view plan_id, std::string_view provider_id,
                  int kind, int64_t accept_micros, const std::optional<std::string>& old_code,
                  const std::string& new_code, int64_t latency_micros) {
  auto group = [&](const std::string& code) {
    return FlowGroupKey{std::string(plan_id), std::string(provider_id), kind,
                        code.empty() ? hub::v1::FLOW_STATUS_ACCEPTED_BY_PLAN
                                     : hub::v1::FLOW_STATUS_REJECTED_BY_PLAN,
                        code};
  };
  if (old_code.has_value()) {
    if (*old_code == new_code) return;
    AddFlowTally(batch, group(*old_code), accept_micros, -1, latency_micros);
  } else {
    AddFlowTally(batch,
                 FlowGroupKey{std::string(plan_id), std::string(provider_id), kind,
                              hub::v1::FLOW_STATUS_DELIVERED_PENDING, ""},
                 accept_micros, -1, std::nullopt);
  }
  AddFlowTally(batch, group(new_code), accept_micros, 1, latency_micros);
}

void FlushTallies(const Store::Rep& rep, WriteBatch::Rep& batch) {
  for (const auto& [key, tally] : batch.flow_tallies) {
    if (tally.count == 0 && std::all_of(tally.bins.begin(), tally.bins.end(),
                                        [](const auto& bin) { return bin.second == 0; })) {
      continue;
    }
    batch.batch.Merge(rep.cf(ColumnFamily::kFlowTallies), key, EncodeTally(tally))
        .PermitUncheckedError();
  }
  batch.flow_tallies.clear();
}

absl::StatusOr<std::optional<int64_t>> AckTime(const Store::Rep& rep, std::string_view plan_id,
                                               uint64_t sequence,
                                               const rocksdb::Snapshot* snapshot) {
  RETURN_IF_ERROR(rep.CheckOpen());
  rocksdb::ReadOptions options;
  options.snapshot = snapshot;
  std::unique_ptr<rocksdb::Iterator> it(
      rep.db->NewIterator(options, rep.cf(ColumnFamily::kFeedCursors)));
  ASSIGN_OR_RETURN(const std::optional<AckEntry> ack, FindAck(*it, plan_id, sequence));
  if (!ack.has_value()) return std::nullopt;
  return ack->micros;
}

absl::StatusOr<std::optional<AckEntry>> FindAck(rocksdb::Iterator& feed_cursors,
                                                std::string_view plan_id, uint64_t sequence) {
  const std::string prefix = Prefix({plan_id});
  feed_cursors.Seek(ToSlice(absl::StrCat(prefix, Absl(EncodeBigEndian64(sequence)))));
  std::optional<AckEntry> ack;
  if (feed_cursors.Valid() && feed_cursors.key().starts_with(ToSlice(prefix))) {
    uint64_t micros = 0;
    ack.emplace();
    if (!DecodeBigEndian64(ToView(feed_cursors.key()).substr(prefix.size()), &ack->cursor) ||
        !DecodeFixed64(ToView(feed_cursors.value()), &micros)) {
      return TallyDamaged("a plan's acknowledgement log");
    }
    ack->micros = static_cast<int64_t>(micros);
  }
  RETURN_IF_ERROR(FromRocksDb(feed_cursors.status(), "reading a plan's acknowledgement log"));
  return ack;
}

absl::Status TallyDamaged(std::string_view what) {
  return absl::DataLossError(absl::StrCat("storage: ", Absl(what),
                                          " is damaged; restore the data directory from a "
                                          "checkpoint"));
}

}  // namespace internal
}  // namespace hub::storage
