// The flow tallies' read cache (storage/flow_tally.h): the merged group and
// series tallies of a run of buckets (a level's aligned buckets [from, to),
// one piece of a window's tiling), and a minute's second tallies as stored,
// kept in memory between window reads, so a summary of 24 hours or 31 days
// decodes only the buckets that changed since the last one (those of the
// window's moving edges, and those a late record or an Ack touched) instead
// of every busy group's latency bins of every bucket. Included only by
// storage/*.cc.
//
// Exactness: a cached run is reused only when no commit has touched any of
// its buckets since it was read. Store::Commit marks the buckets of every
// level but the second around the RocksDB write (BeginWrite before, EndWrite
// after), from the same batch map that becomes the tally merges; a write to
// a second always writes its minute too, so the seconds of a minute are
// stamped by their minute bucket. A batch that deletes a range of tallies
// (retention) counts as a write to every bucket. A reader stamps a run (the
// sum of its buckets' write counts) before and after it takes its snapshot:
// when both stamps agree and no write to the run was in flight at the first,
// the run as of the snapshot holds exactly the writes counted, so a cached
// merge with that stamp is the same as reading the run again, and a merge
// read at that snapshot may be cached with it.
//
// Memory: the write counts of at most kKeptDays days of buckets per level
// (buckets older than the newest written minus kKeptDays are never cached:
// ~50,000 counts for a busy 33 days, about 2 MB) and cached runs of at most
// kMaxCachedBytes in all (least recently used dropped first; a run unused
// by the last kMaxIdleUses finds and puts is dropped too). Besides: at most
// kMaxSums window sums (WindowSum: one per window length, each its pieces'
// runs, which it keeps alive, and a histogram per group: ~300 groups of a
// few KiB on a busy county day), and the records of at most
// kMaxEdgeSeconds partial seconds (EdgeSecond: ~100 bytes a record).
//
// The same stamps make the window sums and the edge seconds exact: a sum
// keeps a piece only while its stamp is the one it was added with, and a
// second's records are kept with their minute's stamp.
//
// Thread safety: safe for concurrent use (one mutex; each call holds it for
// a few microseconds, a Find's copy-free shared_ptr included).
#ifndef HUB_STORAGE_FLOW_TALLY_CACHE_H_
#define HUB_STORAGE_FLOW_TALLY_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "storage/flow_tally.h"
#include "storage/internal.h"

namespace hub::storage::internal {

// A run's merged tallies: per group (the key bytes after the bucket, as in
// kFlowTallies) its count and latency bins in the tally encoding
// (EncodeTallyOf).
// A run of seconds is cached as its whole minute, the seconds' tallies as
// stored, second_starts[i] the index of the first of second i (61 entries).
struct CachedRun {
  struct Tally {
    std::string rest;
    std::string value;
    // The lowest and highest latency bins of a merged tally (none: lo > hi),
    // so a read makes room for them at once.
    int32_t lo = 0;
    int32_t hi = -1;
  };
  std::vector<Tally> groups;
  std::vector<size_t> second_starts;
  size_t bytes = 0;
};

// The records and hub rejections accepted in one second, each with where
// it stood as of a read (its group, and its receipt -> ack latency if
// acknowledged): a window's partial second at either edge is counted from
// them record by record. Kept with the stamp of its minute (every write
// that adds a record to the second, or moves one to another group, writes
// the second's tally and so its minute), so the next read of a window
// whose edge is in the same second does not read its records again.
struct EdgeSecond {
  struct Record {
    int64_t accept_micros = 0;
    FlowGroupKey group;
    std::optional<int64_t> latency_micros;
    // The record's feed sequence in its plan (0 for a hub rejection): one
    // the feed purge has taken since counts no more.
    uint64_t sequence = 0;
  };
  std::vector<Record> records;
  size_t bytes = 0;
  // Every record the second's tallies count was found (the record index,
  // which the feed indexer derives from the feeds a moment after they
  // commit, may not list the newest yet): only then may it be kept.
  bool complete = false;
};

// A window's group tallies, summed over its pieces (one per run of
// coarser buckets, one per second), kept between window reads: the next
// read of a window of the same length subtracts the pieces it no longer
// holds or that changed, and adds those it now holds, instead of adding
// every piece again (flow_tally_read.cc). On a moving window that is the
// seconds at its two edges, and the runs writes touched since.
struct WindowSum {
  struct Piece {
    char level = 0;
    int64_t from = 0;
    int64_t to = 0;
    // run is the piece as of this cache stamp (a later read whose stamp is
    // the same holds the same tallies); none: it is read again.
    std::optional<uint64_t> stamp;
    std::shared_ptr<const CachedRun> run;
    // The piece's tallies: run->groups[begin, end).
    size_t begin = 0;
    size_t end = 0;
    // A partial second's piece (level 'e'): the second's records it was
    // cut from, and which of them it holds (indexes, increasing), so the
    // next read of an edge in the same second adds and takes away only the
    // records that differ.
    std::shared_ptr<const EdgeSecond> edge;
    std::vector<uint32_t> edge_records;
  };
  struct Group {
    FlowGroupKey key;
    FlowGroupTally tally;
    // Its plan's entry in plan_latencies.
    LatencyHistogram* plan_latency = nullptr;
  };
  std::vector<Piece> pieces;
  // By the key bytes after the bucket (plan \0 provider \0 kind \0 status
  // \0 reason). A group whose count fell to 0 stays, as nothing.
  std::map<std::string, Group, std::less<>> groups;
  // The groups' latencies merged per plan, and all of them
  // (FlowTallies::plan_latencies, latency).
  std::map<std::string, LatencyHistogram> plan_latencies;
  LatencyHistogram latency;
};

class FlowTallyCache {
 public:
  static constexpr int64_t kKeptDays = 33;
  static constexpr size_t kMaxCachedBytes = size_t{64} << 20;
  static constexpr uint64_t kMaxIdleUses = 20000;

  // The buckets a commit touches (BeginWrite's answer, for EndWrite).
  struct Write {
    std::vector<uint64_t> buckets;
    bool everything = false;
  };
  // Marks the buckets of `batch`'s flow tallies (every bucket if the batch
  // deletes a range of kFlowTallies) as written and in flight. Call before
  // the batch's tallies are flushed into its RocksDB batch.
  Write BeginWrite(const WriteBatch::Rep& batch);
  // Every bucket (a write outside Store::Commit: the one-time build).
  Write BeginWriteEverything();
  // The write is applied (or failed): no longer in flight.
  void EndWrite(const Write& write);

  // A run's stamp: the sum of its buckets' write counts; clean = false if a
  // write to one is in flight or the run is too old to be tracked.
  struct Stamp {
    uint64_t sum = 0;
    bool clean = false;
  };
  // `level`: a kTallyLevels name other than 's'; [from, to) in seconds,
  // aligned to the level.
  Stamp StampOf(char level, int64_t from, int64_t to) const;

  // The cached run of `kind` ('g' groups, 's' series) with `stamp`, or
  // null.
  std::shared_ptr<const CachedRun> Find(char kind, char level, int64_t from, int64_t to,
                                        uint64_t stamp);
  void Put(char kind, char level, int64_t from, int64_t to, uint64_t stamp,
           std::shared_ptr<const CachedRun> run);

  // The sum kept for windows `window_minutes` long (to the nearest
  // minute), handed over to one read at a time (null if there is none, or
  // another read has it); GiveSum returns it after a read that brought it
  // up to date. At most kMaxSums are kept (the least recently given
  // dropped first).
  std::unique_ptr<WindowSum> TakeSum(int64_t window_minutes);
  void GiveSum(int64_t window_minutes, std::unique_ptr<WindowSum> sum);
  static constexpr size_t kMaxSums = 4;

  // The records of `second` as of `stamp` (the stamp of its minute), or
  // null; PutEdge keeps them (at most kMaxEdgeSeconds seconds, of at most
  // kMaxCachedBytes / 16 each; the least recently used dropped first).
  std::shared_ptr<const EdgeSecond> FindEdge(int64_t second, uint64_t stamp);
  void PutEdge(int64_t second, uint64_t stamp, std::shared_ptr<const EdgeSecond> records);
  static constexpr size_t kMaxEdgeSeconds = 32;

  // For tests and the bench: the bytes of the cached runs, and how many.
  size_t cached_bytes() const;
  size_t cached_runs() const;

 private:
  struct BucketState {
    uint64_t written = 0;
    uint32_t in_flight = 0;
  };
  struct Entry {
    uint64_t stamp = 0;
    uint64_t used = 0;
    std::shared_ptr<const CachedRun> run;
  };
  using RunKey = std::tuple<char, char, int64_t, int64_t>;

  void Mark(const Write& write, bool begin) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Evict() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  // (level index << 56 | bucket start) -> its writes.
  absl::flat_hash_map<uint64_t, BucketState> buckets_ ABSL_GUARDED_BY(mu_);
  // Writes to every bucket.
  BucketState everything_ ABSL_GUARDED_BY(mu_);
  // Buckets starting before this are no longer tracked; it only rises.
  int64_t horizon_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t newest_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t pruned_at_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<RunKey, Entry> runs_ ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  struct KeptSum {
    uint64_t used = 0;  // When it was last given.
    std::unique_ptr<WindowSum> sum;
  };
  absl::flat_hash_map<int64_t, KeptSum> sums_ ABSL_GUARDED_BY(mu_);
  uint64_t sums_given_ ABSL_GUARDED_BY(mu_) = 0;
  struct KeptEdge {
    uint64_t stamp = 0;
    uint64_t used = 0;
    std::shared_ptr<const EdgeSecond> records;
  };
  absl::flat_hash_map<int64_t, KeptEdge> edges_ ABSL_GUARDED_BY(mu_);
  uint64_t edges_used_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t tick_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace hub::storage::internal

#endif  // HUB_STORAGE_FLOW_TALLY_CACHE_H_
