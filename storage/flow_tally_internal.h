// Implementation details of the flow tallies (storage/flow_tally.h):
// their keys, value encoding, merge operator, the writes that keep them,
// the window read and the one-time build for stores written before them.
// Included only by storage/*.cc.
//
// Keys of kFlowTallies (level: 's' second, 'm' minute, 'n' 10 minutes,
// 'h' hour, 'q' 6 hours, 'd' UTC day; bucket: the bucket's first second since the epoch, BE8):
//   "g" \0 level \0 bucket \0 plan_id \0 provider_id \0 kind \0 status \0 reason
//       -> tally (count and, for acknowledged records, latency bins)
//   "s" \0 level \0 bucket \0 plan_id -> tally (count only; plan "" =
//       submissions rejected by the hub): the series, read per bar.
// kind and status are decimal numbers (hub.v1.RecordKind, FlowStatus).
// A tally value: zigzag varint count, then (varint bin delta, zigzag
// varint count) per non-empty bin in increasing order. The "hub.flow_tally"
// merge operator adds tallies; a tally whose count and bins are all zero
// stays as an empty value (read as nothing).
#ifndef HUB_STORAGE_FLOW_TALLY_INTERNAL_H_
#define HUB_STORAGE_FLOW_TALLY_INTERNAL_H_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "rocksdb/iterator.h"
#include "rocksdb/merge_operator.h"
#include "rocksdb/snapshot.h"
#include "storage/flow_tally.h"
#include "storage/flow_tally_cache.h"
#include "storage/internal.h"

namespace hub::storage::internal {

inline constexpr int64_t kMicrosPerSecond = 1000000;

// The tally resolutions, finest first.
struct TallyLevel {
  char name;
  int64_t seconds;
};
// Each divides the next, so a window is tiled greedily by the coarsest
// aligned bucket that fits. The 10-minute and 6-hour levels halve the keys
// a 24-hour window reads on a busy day (at most 9 + 9 minutes, 5 + 5
// ten-minute buckets, 5 + 5 hours and 3 quarter days instead of up to
// 59 + 59 minutes and 23 hours), for 2 more merges per record and level
// pair written.
inline constexpr TallyLevel kTallyLevels[] = {{'s', 1},    {'m', 60},    {'n', 600},
                                              {'h', 3600}, {'q', 21600}, {'d', 86400}};

std::string EncodeTally(const TallyDelta& tally);
// A group's merged count and latencies in the same encoding (the read
// cache, storage/flow_tally_cache.h).
std::string EncodeTallyOf(int64_t count, const LatencyHistogram& latency);
// False if `bytes` is not a tally.
bool DecodeTally(std::string_view bytes, TallyDelta* tally);
// Decodes a tally's count into *count and adds `sign` (1, or -1 to take
// the tally away) times its latency bins to each of `latencies` (the
// window read: no intermediate map), adding the number of bins to *bins.
// False if `bytes` is not a tally (`latencies` may then hold part of it).
bool DecodeTallyInto(std::string_view bytes, int64_t sign, int64_t* count,
                     std::initializer_list<LatencyHistogram*> latencies, int64_t* bins);

std::shared_ptr<rocksdb::MergeOperator> FlowTallyMergeOperator();

// The start of the keys of `kind` ('g' groups, 's' series) at `level`
// and bucket `bucket_seconds` (its first second; negative counts as 0).
std::string BucketKeyPrefix(char kind, char level, int64_t bucket_seconds);

// The records and rejections accepted in each of the `count` seconds from
// `first`, where they stand as of `snapshot` (their group, and latency if
// acknowledged), for a window's partial second and the seconds after it
// (the next reads of a window that moves with the clock): one seek per
// provider and plan for them all. EdgeSecond::complete says whether every
// record a second's tallies count was found. Adds the records read to
// *records_read.
absl::StatusOr<std::vector<std::shared_ptr<EdgeSecond>>> ReadEdgeSeconds(
    const Store::Rep& rep, const rocksdb::Snapshot* snapshot, int64_t first, int count,
    int64_t* records_read);

// A group's part of a 'g' key, after the bucket (plan \0 provider \0 kind
// \0 status \0 reason).
std::string GroupKeyBytes(const FlowGroupKey& group);

// Adds to `batch` `delta` records of `group` accepted at `accept_micros`
// (every level), with one latency each when `latency_micros` is set.
void AddFlowTally(WriteBatch::Rep& batch, const FlowGroupKey& group, int64_t accept_micros,
                  int64_t delta, std::optional<int64_t> latency_micros);
// Adds `delta` to the series of `plan_id` ("" = rejected by the hub).
void AddSeriesTally(WriteBatch::Rep& batch, std::string_view plan_id, int64_t accept_micros,
                    int64_t delta);
// A newly accepted record / a submission the hub rejected.
void TallyAccepted(WriteBatch::Rep& batch, std::string_view plan_id, std::string_view provider_id,
                   int kind, int64_t accept_micros);
void TallyRejectedByHub(WriteBatch::Rep& batch, std::string_view provider_id, int kind,
                        std::string_view reason_code, int64_t micros);
// The plan's verdict on a record: from pending (old_code nullopt) or from
// an earlier verdict (old_code "" = accepted, else the old rejection) to
// new_code ("" = accepted). `latency_micros`: receipt -> ack.
void TallyVerdict(WriteBatch::Rep& batch, std::string_view plan_id, std::string_view provider_id,
                  int kind, int64_t accept_micros, const std::optional<std::string>& old_code,
                  const std::string& new_code, int64_t latency_micros);

// Adds the kFlowTallies merges of batch.flow_tallies to batch.batch.
void FlushTallies(const Store::Rep& rep, WriteBatch::Rep& batch);

// When the Ack that moved the plan's cursor past `sequence` ran (the Ack
// log of kFeedCursors); nullopt if the log has no entry for it (a store
// written before the log existed).
absl::StatusOr<std::optional<int64_t>> AckTime(const Store::Rep& rep, std::string_view plan_id,
                                               uint64_t sequence,
                                               const rocksdb::Snapshot* snapshot = nullptr);
// The entry of the plan's Ack log that AckTime answers from: the cursor
// that Ack moved to (it answers for every sequence up to it) and when it
// ran; nullopt if none. `feed_cursors`: an iterator of kFeedCursors, so a
// read that asks for many records seeks one iterator.
struct AckEntry {
  uint64_t cursor = 0;
  int64_t micros = 0;
};
absl::StatusOr<std::optional<AckEntry>> FindAck(rocksdb::Iterator& feed_cursors,
                                                std::string_view plan_id, uint64_t sequence);

// The window read of MonitorStore::TallyFlows, as of one snapshot it takes:
// the runs of buckets coarser than a second come from rep.flow_tally_cache
// when no commit touched them since they were cached, and are cached when
// read (storage/flow_tally_cache.h).
absl::StatusOr<FlowTallies> ReadFlowTallies(const Store::Rep& rep, int64_t start_us, int64_t end_us,
                                            int64_t bar_seconds, int bars, bool through_now);

// Builds the tallies from the stored records and rejections unless kMeta
// "flow_tallies_built" says they are complete (a store written before they
// existed, or a build a crash interrupted, which is redone whole). Store::Open
// calls it before anyone else uses the store.
absl::Status BuildFlowTalliesIfMissing(Store& store);

// a / b rounded toward negative infinity (b > 0).
inline int64_t FloorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// The error for a tally record or checkpoint that does not decode: names
// `what`, never a value.
absl::Status TallyDamaged(std::string_view what);

// Calls fn(bucket, rest, value) -> absl::Status for every tally of `kind`
// ('g' groups, 's' series) and `level` whose bucket (its first second) is
// in [from, to), in key order (bucket, then group or plan): `rest` is the
// key after the bucket's separator. One range scan as of `snapshot`.
template <typename Fn>
absl::Status ForEachTally(const Store::Rep& rep, const rocksdb::Snapshot* snapshot, char kind,
                          char level, int64_t from, int64_t to, Fn&& fn) {
  const std::string prefix = Prefix({std::string_view(&kind, 1), std::string_view(&level, 1)});
  return ForEachFrom(
      rep, ColumnFamily::kFlowTallies, prefix, BucketKeyPrefix(kind, level, from),
      [&](const rocksdb::Slice& key, const rocksdb::Slice& value) -> absl::StatusOr<bool> {
        const std::string_view rest = ToView(key).substr(prefix.size());
        uint64_t bucket = 0;
        if (rest.size() < 9 || rest[8] != kSeparator ||
            !DecodeBigEndian64(rest.substr(0, 8), &bucket)) {
          return TallyDamaged("the monitor's flow tallies");
        }
        if (static_cast<int64_t>(bucket) >= to) return false;
        absl::Status status = fn(static_cast<int64_t>(bucket), rest.substr(9), ToView(value));
        if (!status.ok()) return status;
        return true;
      },
      snapshot);
}

}  // namespace hub::storage::internal

#endif  // HUB_STORAGE_FLOW_TALLY_INTERNAL_H_
