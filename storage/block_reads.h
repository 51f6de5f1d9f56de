// Counts the block reads of the calling thread by kind (RocksDB's perf
// context), so a test or a benchmark can prove that point lookups on a
// store larger than its cache find their index and filter blocks cached:
// only data blocks should be read from the files.
//
// Thread safety: a BlockReadCounter counts the thread that created it and
// must be used and destroyed on that thread. Counting costs a few
// nanoseconds per block access; hubd never turns it on.
#ifndef HUB_STORAGE_BLOCK_READS_H_
#define HUB_STORAGE_BLOCK_READS_H_

#include <cstdint>

namespace hub::storage {

struct BlockReads {
  // Blocks read from the files (block cache misses), by kind.
  int64_t index_reads = 0;
  int64_t filter_reads = 0;
  // Every block read from the files (index, filter, data and others).
  int64_t all_reads = 0;
  // Block cache hits, by kind.
  int64_t index_hits = 0;
  int64_t filter_hits = 0;
  int64_t all_hits = 0;
};

class BlockReadCounter {
 public:
  // Starts counting this thread's block accesses from zero.
  BlockReadCounter();
  // Stops counting (restores the thread's previous perf level).
  ~BlockReadCounter();
  BlockReadCounter(const BlockReadCounter&) = delete;
  BlockReadCounter& operator=(const BlockReadCounter&) = delete;

  // The counts since construction or the last Reset.
  BlockReads Read() const;
  void Reset();

 private:
  int previous_level_;
};

}  // namespace hub::storage

#endif  // HUB_STORAGE_BLOCK_READS_H_
