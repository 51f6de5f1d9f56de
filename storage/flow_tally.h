// Flow tallies: what the county monitor counts, kept up to date as records
// commit, so a summary over 24 hours or 31 days never reads the records
// themselves: its cost is bounded by the buckets that tile the window times
// the groups (plan, provider, kind, status, reason) and latency bins each
// bucket holds, which stop growing once every group is busy (measured by
// bench/monitor_bench: keys and bins read on a day of 5 thousand and of 5
// million flows).
//
// Every accepted record and every rejected submission is counted, in the
// same batch that stores it, in a group (plan, provider, kind, status,
// reason) of the time bucket of its accept time, at six resolutions: the
// second, the minute, 10 minutes, the hour, 6 hours and the UTC day. When
// a plan acknowledges a record (or rejects it later) its count moves from
// one group to another in the batch of the Ack, with its receipt -> ack
// latency in a histogram. A window is read as the fewest aligned buckets
// that tile its whole seconds (a 24-hour window: at most 3 quarter days,
// 2 x 5 hours, 2 x 5 ten-minutes, 2 x 9 minutes and 2 x 59 seconds), plus
// the records of its two partial seconds read one by one, so the totals
// are exact to the microsecond. See MonitorStore::TallyFlows.
//
// What a summary costs (storage/flow_tally_cache.h): the group tallies of
// a window are kept between reads as a sum of its pieces, so the next read
// of a window as long (to the minute) adds and takes away only the pieces
// that came, went or changed since (the seconds at its moving edges, and
// what commits touched), and hands its groups out without copying their
// latency bins; a partial second's records are read once and kept until
// that minute changes. What is left grows with the groups a summary
// reports, not with the flows (bench/monitor_bench).
//
// What is approximate: latency percentiles come from the histogram, exact
// to the millisecond below 1 s and to 3 significant digits above (within
// 1%: 600 s and 2400 s are exact, 1234.5 s reads 1230 s); series bars are
// cut on whole seconds (a record in the second that holds a bar's boundary
// counts in the bar that starts with that second).
//
// Thread safety: the value types here are plain values.
#ifndef HUB_STORAGE_FLOW_TALLY_H_
#define HUB_STORAGE_FLOW_TALLY_H_

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace hub::storage {

// Receipt -> ack latencies, binned to 3 significant digits of milliseconds.
// Counts are kept in one array indexed by bin (bins run from 0 to ~14,000:
// latencies of 0 to 600 s use bins 0..3600), so adding and merging cost a
// few nanoseconds per bin whatever the histogram holds.
//
// A copy shares its source's bins while both hold them (a change then goes
// to a copy of its own), so handing a window's histograms out of the read
// that keeps them (storage/flow_tally_cache.h's WindowSum) costs O(1) per
// histogram, however many bins it holds.
//
// Thread safety: a plain value (copies may be used from any threads).
class LatencyHistogram {
 public:
  LatencyHistogram() = default;
  LatencyHistogram(const LatencyHistogram& other);
  LatencyHistogram& operator=(const LatencyHistogram& other);
  LatencyHistogram(LatencyHistogram&& other) noexcept;
  LatencyHistogram& operator=(LatencyHistogram&& other) noexcept;
  ~LatencyHistogram();

  // Adds `count` (may be negative: a record moved to another group)
  // latencies of `micros` (negative counts as 0).
  void Add(int64_t micros, int64_t count = 1);
  // Adds `count` to `bin` (a negative bin counts as bin 0).
  void AddBin(int32_t bin, int64_t count);
  void Merge(const LatencyHistogram& other);
  // Makes room for the bins [lo, hi] at once (a merge that will add them).
  void ReserveRange(int32_t lo, int32_t hi);
  int64_t count() const { return count_; }
  bool empty() const { return count_ <= 0; }
  // The nearest-rank quantile q (0 < q <= 1) in seconds: the smallest bin
  // value with at least q of the latencies at or below it; 0 when empty.
  double QuantileSeconds(double q) const;
  // QuantileSeconds of each of `qs`, in one pass over the bins (none when
  // the same `qs` were last asked of these bins, or of a copy sharing them).
  std::vector<double> QuantilesSeconds(const std::vector<double>& qs) const;
  // (bin, count) of the bins with a non-zero count, in increasing latency
  // order.
  std::vector<std::pair<int32_t, int64_t>> bins() const;

  // The bin of a latency, and the latency (seconds) a bin stands for.
  static int32_t BinOf(int64_t micros);
  static double BinSeconds(int32_t bin);

 private:
  // Makes [bin, bin] part of the counted range.
  void Reserve(int32_t bin);
  // The counts, to read (empty if none).
  const std::vector<int64_t>& counts() const;
  // The counts, to change: first a copy of its own if they are shared.
  std::vector<int64_t>& OwnCounts();

  // The counts (counts[i]: the count of bin first_ + i), how many
  // histograms hold them, and the last QuantilesSeconds asked of them with
  // its answer (flow_tally.cc).
  struct Counts;
  // Lets go of counts_ (freed by its last holder).
  void Release();

  // Null when no bin was ever counted. Counts held by more than one
  // histogram never change: a change goes to a copy of its own (and a
  // histogram whose copies are gone changes its counts in place). So a
  // histogram handed from read to read unchanged (a window's sum) answers
  // the same quantiles again without a pass over its bins.
  Counts* counts_ = nullptr;
  int32_t first_ = 0;
  int64_t count_ = 0;
};

// The monitor's grouping of flows. status is a hub.v1.FlowStatus; plan_id
// is "" for a submission the hub rejected (FLOW_STATUS_REJECTED_BY_HUB).
struct FlowGroupKey {
  std::string plan_id;
  std::string provider_id;
  int kind = 0;  // hub.v1.RecordKind
  int status = 0;
  std::string reason_code;

  friend bool operator<(const FlowGroupKey& a, const FlowGroupKey& b) {
    return std::tie(a.plan_id, a.provider_id, a.kind, a.status, a.reason_code) <
           std::tie(b.plan_id, b.provider_id, b.kind, b.status, b.reason_code);
  }
};

struct FlowGroupTally {
  int64_t count = 0;
  // Acknowledged records only.
  LatencyHistogram latency;
};

// What a window holds (MonitorStore::TallyFlows).
struct FlowTallies {
  // Every group with a non-zero count in the window.
  std::map<FlowGroupKey, FlowGroupTally> groups;
  // series[i]: plan_id -> records accepted in bar i; "" -> submissions
  // rejected by the hub in bar i.
  std::vector<std::map<std::string, int64_t>> series;
  // The latencies of the window's acknowledged records per plan (the plans
  // with any), and of all of them: the merges of the groups' latencies,
  // kept up to date with them (a summary need not merge every group).
  std::map<std::string, LatencyHistogram> plan_latencies;
  LatencyHistogram latency;
  // What the read cost (for the bench and tests): runs of tally buckets
  // scanned, tally keys read, latency bins decoded (from the store, or
  // added to or taken from the window's sum), edge records read, the runs
  // taken from the read cache instead (merged at an earlier read, unchanged
  // since; storage/flow_tally_cache.h), and the pieces of the window (runs
  // of coarser buckets, and seconds) an earlier read's sum held unchanged,
  // so this one did not touch them.
  int64_t buckets_read = 0;
  int64_t keys_read = 0;
  int64_t bins_read = 0;
  int64_t edge_records_read = 0;
  int64_t runs_cached = 0;
  int64_t pieces_kept = 0;
};

}  // namespace hub::storage

#endif  // HUB_STORAGE_FLOW_TALLY_H_
