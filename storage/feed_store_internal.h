// Implementation details of storage/feed_store.h shared by its .cc files
// (feed_store.cc, feed_ack.cc, feed_index.cc). Included only by storage/*.cc.
//
// The derived indexes (invariant 8 of the design: the feed is the log,
// indexes are views). Submit's synced batch holds each accepted record's
// feed item (and the plan's head) only; everything below is derived from
// the item by the feed indexer (feed_index.cc), in large buffered batches,
// each holding the plan's checkpoint too:
//   kRecords         record_id -> RecordEntry
//   kProviderRecords provider_id \0 ~accept micros(BE8) \0 record_id -> ""
//   kFeedIndex       the export key of the item (IndexKey), if any
//   kIdempotency     provider_id \0 idempotency_key -> the accepted result
//                    plus the submission's fingerprint
//   kMeta            "feed_indexed" \0 plan_id -> last applied sequence
//                    (fixed64): the plan's checkpoint.
// kMeta "feed_indexer" (present) says the checkpoints are authoritative; a
// store written before the indexer existed indexed every item inline, so
// Store::Open sets each plan's checkpoint to its head once
// (StartFeedIndexer).
#ifndef HUB_STORAGE_FEED_STORE_INTERNAL_H_
#define HUB_STORAGE_FEED_STORE_INTERNAL_H_

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "hub/v1/feed.pb.h"
#include "hub/v1/provider_service.pb.h"
#include "storage/feed_store.h"
#include "storage/store.h"

namespace hub::storage::feed_internal {

bool ValidId(std::string_view id);
std::string ItemKey(std::string_view plan_id, uint64_t sequence);
std::string IdempotencyKey(std::string_view provider_id, std::string_view key);
// The provider listing's sort field: newest first.
std::string InvertedTime(int64_t micros);
absl::Status DamagedFeed(std::string_view what);
// The kFeedIndex key of `item` (its sequence set) in `plan_id`'s feed;
// nullopt for kinds that are not indexed or a record without a usable date.
std::optional<std::string> IndexKey(std::string_view plan_id, const hub::v1::FeedItem& item);

// An appended record as the indexer needs it: everything its derived
// entries hold, taken from its feed item (in memory at append, or read
// back from the log).
struct DerivedRecord {
  std::string plan_id;
  uint64_t sequence = 0;
  std::string record_id;
  std::string provider_id;
  std::string idempotency_key;
  int32_t kind = 0;
  int64_t accept_micros = 0;
  std::optional<std::string> index_key;
  std::string fingerprint;
};
// `fingerprint`: the submission's, if known ("" = computed here).
DerivedRecord Derive(std::string_view plan_id, const hub::v1::FeedItem& item,
                     std::string_view fingerprint = {});

// The fingerprint rides after a stored SubmissionResult as field
// kFingerprintField (bytes): parsing the value as a SubmissionResult keeps
// it as an unknown field, and values stored before fingerprints read as
// before.
inline constexpr int kFingerprintField = 1000;
// A rejection's decision time rides the same way, as field kDecidedField
// (fixed64, Unix microseconds): what retention ages it by (an accepted
// result has its accept_time). Absent in rejections stored before.
inline constexpr int kDecidedField = 1001;

// The stored SubmissionResult of an accepted record (as Submit answered
// it, replayed = false), with the fingerprint after it (field 1000).
std::string AcceptedResultValue(const DerivedRecord& record);
// `decided_micros` 0 = no decision time.
std::string ResultValue(const hub::v1::SubmissionResult& result, std::string_view fingerprint,
                        int64_t decided_micros = 0);
// When a stored result was decided (Unix microseconds): the accepted
// record's accept_time, else field kDecidedField; nullopt if neither (or
// the value does not parse).
std::optional<int64_t> ResultDecidedMicros(std::string_view value);

// kMeta keys of the indexer.
inline constexpr std::string_view kIndexerMarkerKey = "feed_indexer";
std::string CheckpointKey(std::string_view plan_id);

// Store::Open: marks a new store's checkpoints as authoritative, or sets
// each plan's checkpoint to its head in a store written before the
// indexer (whose items were all indexed inline).
absl::Status StartFeedIndexer(Store& store);

}  // namespace hub::storage::feed_internal

namespace hub::storage {

// A plan's indexer state: its checkpoint and the committed records past it
// that are still in memory (in sequence order; after a restart they may
// start above checkpoint + 1: the gap is read back from the log).
struct FeedStore::PlanIndex {
  bool loaded = false;  // `indexed` read from the store
  uint64_t indexed = 0;
  std::deque<feed_internal::DerivedRecord> records;
};

}  // namespace hub::storage

#endif  // HUB_STORAGE_FEED_STORE_INTERNAL_H_
