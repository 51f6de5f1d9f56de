// Internal to storage/: the compaction filter of retention (retention.h).
#ifndef HUB_STORAGE_RETENTION_INTERNAL_H_
#define HUB_STORAGE_RETENTION_INTERNAL_H_

#include <atomic>
#include <cstdint>

#include "rocksdb/compaction_filter.h"

namespace hub::storage::internal {

// Drops kIdempotency entries whose accepted result is older than the
// cutoff (Unix microseconds; 0 = keep everything). Results without a time
// (rejections) are kept. Counts what it dropped.
class IdempotencyExpiry final : public rocksdb::CompactionFilter {
 public:
  bool Filter(int level, const rocksdb::Slice& key, const rocksdb::Slice& value,
              std::string* new_value, bool* value_changed) const override;
  const char* Name() const override { return "hub.IdempotencyExpiry"; }

  std::atomic<int64_t> cutoff_micros{0};
  mutable std::atomic<int64_t> dropped{0};
};

}  // namespace hub::storage::internal

#endif  // HUB_STORAGE_RETENTION_INTERNAL_H_
