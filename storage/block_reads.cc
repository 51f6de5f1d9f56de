#include "storage/block_reads.h"

#include "rocksdb/perf_context.h"
#include "rocksdb/perf_level.h"

namespace hub::storage {

BlockReadCounter::BlockReadCounter() : previous_level_(static_cast<int>(rocksdb::GetPerfLevel())) {
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kEnableCount);
  Reset();
}

BlockReadCounter::~BlockReadCounter() {
  rocksdb::SetPerfLevel(static_cast<rocksdb::PerfLevel>(previous_level_));
}

BlockReads BlockReadCounter::Read() const {
  const rocksdb::PerfContext& perf = *rocksdb::get_perf_context();
  BlockReads reads;
  reads.index_reads = static_cast<int64_t>(perf.index_block_read_count);
  reads.filter_reads = static_cast<int64_t>(perf.filter_block_read_count);
  reads.all_reads = static_cast<int64_t>(perf.block_read_count);
  reads.index_hits = static_cast<int64_t>(perf.block_cache_index_hit_count);
  reads.filter_hits = static_cast<int64_t>(perf.block_cache_filter_hit_count);
  reads.all_hits = static_cast<int64_t>(perf.block_cache_hit_count);
  return reads;
}

void BlockReadCounter::Reset() { rocksdb::get_perf_context()->Reset(); }

}  // namespace hub::storage
