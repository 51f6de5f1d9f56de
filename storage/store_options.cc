#include "storage/store_options.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rocksdb/convenience.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/merge_operator.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/table.h"
#include "storage/flow_tally_internal.h"
#include "storage/internal.h"

namespace hub::storage::internal {
namespace {

// A merge operator over fixed64 values: the stored value is `combine` of
// the existing value (0 if none) and each operand merged into it.
class Fixed64MergeOperator : public rocksdb::AssociativeMergeOperator {
 public:
  Fixed64MergeOperator(const char* name, uint64_t (*combine)(uint64_t, uint64_t))
      : name_(name), combine_(combine) {}

  bool Merge(const rocksdb::Slice& /*key*/, const rocksdb::Slice* existing_value,
             const rocksdb::Slice& value, std::string* new_value,
             rocksdb::Logger* /*logger*/) const override {
    uint64_t current = 0;
    if (existing_value != nullptr && !DecodeFixed64(ToView(*existing_value), &current)) {
      return false;  // RocksDB reports Corruption.
    }
    uint64_t operand = 0;
    if (!DecodeFixed64(ToView(value), &operand)) return false;
    *new_value = EncodeFixed64(combine_(current, operand));
    return true;
  }
  const char* Name() const override { return name_; }

 private:
  const char* const name_;
  uint64_t (*const combine_)(uint64_t, uint64_t);
};

// The meta column family's: the maximum of every fixed64 merged in.
// NextVersion merges each version it hands out into "version_hwm", so the
// key holds the highest version any committed batch allocated, whatever
// order batches commit in, and a version allocated by a batch that never
// commits is simply never recorded (no later version can be lower than a
// recorded one, since the counter only grows).
std::shared_ptr<rocksdb::MergeOperator> MaxU64MergeOperator() {
  return std::make_shared<Fixed64MergeOperator>(
      "hub.max_u64", [](uint64_t a, uint64_t b) { return std::max(a, b); });
}

// The capacity counts' (storage/care_store.h): the sum of every int64
// (fixed64, two's complement) merged in; wraps like two's complement.
std::shared_ptr<rocksdb::MergeOperator> AddI64MergeOperator() {
  return std::make_shared<Fixed64MergeOperator>("hub.add_i64",
                                                [](uint64_t a, uint64_t b) { return a + b; });
}

// Prefix extractor of the column families keyed by CIN first: the first
// field including its '\0' separator ("cin\0"). Keys without a separator are
// outside the domain (RocksDB then skips the prefix filter for them).
class FirstFieldPrefix : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "hub.FirstFieldPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    const std::string_view view = ToView(key);
    return rocksdb::Slice(key.data(), view.find(kSeparator) + 1);
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return ToView(key).find(kSeparator) != std::string_view::npos;
  }
};

bool KeyedByCin(ColumnFamily family) {
  return family == ColumnFamily::kCoverage || family == ColumnFamily::kAssignments ||
         family == ColumnFamily::kAuthorizations;
}

rocksdb::CompressionType BestCompression(const std::vector<rocksdb::CompressionType>& supported,
                                         std::initializer_list<rocksdb::CompressionType> wanted) {
  for (rocksdb::CompressionType type : wanted) {
    if (std::find(supported.begin(), supported.end(), type) != supported.end()) return type;
  }
  return rocksdb::kNoCompression;
}

// Column families read only by scans or by keys known to exist: a filter
// would cost cache and write time and never skip a read.
bool ScanOnly(ColumnFamily family) {
  switch (family) {
    case ColumnFamily::kFeedItems:
    case ColumnFamily::kProviderRecords:
    case ColumnFamily::kFeedIndex:
    case ColumnFamily::kProviderCare:
    case ColumnFamily::kCapacityEnds:
    case ColumnFamily::kProviderOutreach:
    case ColumnFamily::kAudit:
    case ColumnFamily::kIngestRowErrors:
    case ColumnFamily::kIngestReportsByPlan:
    case ColumnFamily::kConsentHeld:
    case ColumnFamily::kFlowTallies:
      return true;
    default:
      return false;
  }
}

// Column families whose hot paths (ingest change detection, Submit
// validation) look up keys the memtable often does not hold: they get a
// memtable Bloom filter. Each costs 2% of write_buffer_size (335 KiB),
// allocated with the memtable and charged to the block cache for as long
// as the store is open: on all 32 families that pinned 10.5 MiB of the
// cache even with every memtable empty.
bool MemtableBloom(ColumnFamily family) {
  switch (family) {
    case ColumnFamily::kMembers:
    case ColumnFamily::kCoverage:
    case ColumnFamily::kAssignments:
    case ColumnFamily::kAuthorizations:
    case ColumnFamily::kAuthorizationByNumber:
    case ColumnFamily::kPlanAssignments:
    case ColumnFamily::kPlanAuthorizations:
    case ColumnFamily::kIdempotency:
    case ColumnFamily::kRecords:
      return true;
    default:
      return false;
  }
}

// The feed and its derived indexes (storage/feed_store_internal.h): written
// at Submit's rate, each flush spanning every plan's, provider's or CIN's
// part of the family (record ids are hashes): universal compaction
// (store_options.h).
bool DerivedFromFeed(ColumnFamily family) {
  switch (family) {
    case ColumnFamily::kFeedItems:
    case ColumnFamily::kRecords:
    case ColumnFamily::kIdempotency:
    case ColumnFamily::kProviderRecords:
    case ColumnFamily::kFeedIndex:
      return true;
    default:
      return false;
  }
}

// Shards of at least this size: a shard must hold the hottest metadata
// blocks with room to spare.
constexpr size_t kMinShardBytes = 16u << 20;
constexpr int kMaxShardBits = 6;

}  // namespace

std::shared_ptr<rocksdb::Cache> MakeBlockCache(size_t capacity_bytes) {
  int shard_bits = 0;
  while (shard_bits < kMaxShardBits && (capacity_bytes >> (shard_bits + 1)) >= kMinShardBytes) {
    ++shard_bits;
  }
  rocksdb::LRUCacheOptions options;
  options.capacity = capacity_bytes;
  options.num_shard_bits = shard_bits;
  options.strict_capacity_limit = false;
  // Index and filter partitions go to the high-priority pool
  // (cache_index_and_filter_blocks_with_high_priority): up to half the
  // cache, ahead of data blocks.
  options.high_pri_pool_ratio = 0.5;
  return rocksdb::NewLRUCache(options);
}

rocksdb::DBOptions MakeDbOptions() {
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.max_background_jobs = 2;
  // Caps the memtables of all column families together.
  options.db_write_buffer_size = 64u << 20;
  // Forces a flush of column families that pin old WAL files, so the WAL
  // (and recovery time) stays bounded with many column families.
  options.max_total_wal_size = 128u << 20;
  options.bytes_per_sync = 1u << 20;
  options.keep_log_file_num = 5;
  options.max_log_file_size = 16u << 20;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  // Default kPointInTimeRecovery: a torn WAL tail after a crash is dropped,
  // never a synced batch.
  return options;
}

namespace {

rocksdb::BlockBasedTableOptions MakeTableOptions(ColumnFamily family,
                                                 const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.format_version = 5;
  // Index and filter blocks live in the block cache (charged to its budget,
  // at high priority): outside it they would grow with the data.
  table.cache_index_and_filter_blocks = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  // Two-level index and partitioned filters: a point lookup reads one small
  // partition of each instead of the table's whole index and filter block
  // (0.6-1.25 MiB for a 32 MiB table), which the cache could not keep.
  table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  table.metadata_block_size = 4096;
  // The top levels (a few KiB per table) stay pinned; partitions compete
  // in the high-priority pool; L0 tables (the freshest) keep theirs pinned.
  table.metadata_cache_options.top_level_index_pinning = rocksdb::PinningTier::kAll;
  table.metadata_cache_options.partition_pinning = rocksdb::PinningTier::kNone;
  table.metadata_cache_options.unpartitioned_pinning = rocksdb::PinningTier::kFlushedAndSimilar;
  if (!ScanOnly(family)) {
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    // The families keyed by CIN first are read by CIN prefix (a member's
    // periods, assignments, authorizations): the prefix filter alone
    // serves those reads and a point Get alike; whole-key entries would
    // triple their filters (30M coverage periods: 56 MiB instead of 19).
    if (KeyedByCin(family)) table.whole_key_filtering = false;
    table.partition_filters = true;
    table.optimize_filters_for_memory = true;
  }
  return table;
}

}  // namespace

rocksdb::ColumnFamilyOptions MakeCfOptions(ColumnFamily family,
                                           const std::shared_ptr<rocksdb::Cache>& block_cache) {
  rocksdb::ColumnFamilyOptions options;
  options.compaction_style = rocksdb::kCompactionStyleLevel;
  options.level_compaction_dynamic_level_bytes = true;
  options.write_buffer_size = 16u << 20;
  options.max_write_buffer_number = 3;
  options.target_file_size_base = 32u << 20;
  options.max_bytes_for_level_base = 128u << 20;
  const std::vector<rocksdb::CompressionType> supported = rocksdb::GetSupportedCompressions();
  options.compression =
      BestCompression(supported, {rocksdb::kLZ4Compression, rocksdb::kSnappyCompression});
  options.bottommost_compression = BestCompression(
      supported, {rocksdb::kZSTD, rocksdb::kLZ4Compression, rocksdb::kSnappyCompression});
  if (KeyedByCin(family)) {
    options.prefix_extractor = std::make_shared<FirstFieldPrefix>();
  }
  if (DerivedFromFeed(family)) {
    options.compaction_style = rocksdb::kCompactionStyleUniversal;
    options.level_compaction_dynamic_level_bytes = false;
    // Merge at least 4 runs at a time, once 8 wait (store_options.h).
    options.level0_file_num_compaction_trigger = 8;
    options.compaction_options_universal.min_merge_width = 4;
  }
  if (family == ColumnFamily::kMeta) {
    options.merge_operator = MaxU64MergeOperator();
  }
  if (family == ColumnFamily::kFlowTallies) {
    options.merge_operator = FlowTallyMergeOperator();
    // Each batch adds one operand per touched tally: fold them every few
    // operands, as for the capacity counts.
    options.max_successive_merges = 16;
  }
  if (family == ColumnFamily::kCapacityCounts) {
    options.merge_operator = AddI64MergeOperator();
    // A provider's count takes one +1/-1 operand per assignment: folded into
    // a value every few operands, so neither reads nor flushes gather
    // thousands of them (memory and time that grew with the file).
    options.max_successive_merges = 16;
  }
  // A Bloom filter over each memtable's keys (and, where a prefix extractor
  // is set, its prefixes), 2% of the memtable's size: a lookup of a key the
  // memtable does not hold (most of an ingest's change detection on new
  // members) skips the skip-list search, a chain of cache misses.
  // Measured: 1,000,000-row 834 ingest, full path 38,100 -> 42,700 rows/s.
  if (MemtableBloom(family)) {
    options.memtable_prefix_bloom_size_ratio = 0.02;
    options.memtable_whole_key_filtering = true;
  }
  options.table_factory.reset(
      rocksdb::NewBlockBasedTableFactory(MakeTableOptions(family, block_cache)));
  return options;
}

}  // namespace hub::storage::internal
