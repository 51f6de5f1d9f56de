// Every RocksDB option the hub sets, in one place, with the measurement
// that chose it. Internal to storage/ (store.cc builds the database from
// these); nothing here may leak into a public header.
//
// The store must stay as fast when it is full (state scale: 15M members,
// 30M coverage periods; a county's day: 1M members, 5M feed items) as when
// it is empty, inside one memory budget (StoreOptions::block_cache_bytes,
// hubd --block_cache_mib, default 128 MiB). Figures: the 2-core VM,
// RelWithDebInfo, bench/ programs named below (README "Benchmarks").
//
// clang-format off
// Option             Value and why (measurement)
// -----------------  -----------------------------------------------------------------
// block cache        One LRU cache for everything, capacity = the budget: memory does
//                    not grow with the data.
// memtables          Charged to the block cache (WriteBufferManager): 64 MiB for all
//                    column families, 16 MiB each, 3 per family.
// cache shards       2^n shards of at least 16 MiB (128 MiB: 8 shards). RocksDB's
//                    default, 2 MiB shards (64 for 128 MiB), could not keep a 32 MiB
//                    table's 0.6-1.25 MiB filter block: every lookup re-read one.
// high-priority      Half the cache, for index and filter blocks: the lookups'
// pool               metadata stays resident while data blocks churn.
// index              Two-level (kTwoLevelIndexSearch), 4 KiB partitions, top level
//                    pinned: a lookup reads one small partition.
// filters            Partitioned (partition_filters), 4 KiB partitions, top level
//                    pinned; new Bloom (format_version 5), 10 bits per key: a lookup
//                    reads one 4 KiB filter partition, not a 0.6-1.25 MiB block.
//                    Submit on a full store (1M members, 5M feed items) went from
//                    55-287 calls/s with whole-table filters to empty-store speed.
//                    Families keyed by CIN first (coverage, assignments,
//                    authorizations) filter the CIN prefix only: 15M members with
//                    30M coverage periods took 56 MiB of coverage filters with whole
//                    keys too, 19 MiB without, so that all the partitions a state's
//                    lookups touch fit the high-priority pool (measured below).
// filters off        Scan-only families (feed items, provider listings, export index,
//                    care views, audit, row errors, flow tallies): never point-read by
//                    a key that may be absent, so their filters only took cache.
// L0 pinning         L0 tables keep index and filter pinned (unpartitioned_pinning
//                    kFlushedAndSimilar): the freshest tables are the hottest.
// block reads        No block read is larger than a few KiB any more, so malloc's
//                    1 MiB mmap threshold (hub::ConfigureProcess, kept for its RSS
//                    gain) never turns one into an mmap; a 1 MiB filter block re-read
//                    per lookup had been a fresh mmap with page faults (the Submit
//                    thread at 100% system time).
// memtable Bloom     2% of the memtable (whole keys and prefixes) on the 9 families
//                    looked up by keys they may not hold (members, coverage,
//                    assignments, authorizations and their plan marks, idempotency,
//                    records): 834 ingest 38,100 -> 42,700 rows/s. Each costs 335 KiB
//                    of cache while the store is open, empty or not: on all 32
//                    families they pinned 10.5 MiB of it.
// compression        LZ4 (else Snappy) above, ZSTD at the bottom level.
// compaction         Levelled, dynamic level bytes, 32 MiB tables, 128 MiB L1,
//                    2 background jobs (a 2-core machine); except:
// universal          The feed and its derived indexes (feed items, record index,
// compaction         idempotency results, provider listings, export index): each
//                    flush spans every plan's (or provider's, or CIN's) tail, so
//                    levelled compaction merged it into the whole bottom level
//                    below it, rewriting the family once per flush (on 5M items:
//                    the record index's 5.0M keys in 8.5 s of compaction during a
//                    6 s run; 38% of the process's CPU). Size-tiered (universal)
//                    merges runs of similar size, here at least 4 at a time once
//                    8 are waiting (min_merge_width 4, level0 trigger 8): each
//                    entry is rewritten about log4(family / memtable) times.
//                    Submit on the full store, full/empty (submit_bench --mode=all
//                    --full_items=5000000 --rounds=5): levelled 0.64 best, 0.68
//                    median (3 rounds); universal with RocksDB's defaults (merge 2
//                    once 4 wait) 0.73 / 0.78, compaction 38% -> 13% of the CPU;
//                    as set, 0.90-0.97 best, 0.87-0.89 median (two runs).
//                    Cost: point lookups check up to ~8 more Bloom filters per
//                    family (idempotency, records); a family may take up to 3x
//                    its live size on disk while runs wait for the size-
//                    amplification merge (max_size_amplification_percent 200).
//
// The cliff test: tests/storage/block_reads_test.cc (index and filter block
// reads per lookup on a store far larger than its cache stay near zero).
// clang-format on
//
// Measured (bench/, this VM; README "Benchmarks" has the commands):
//   Submit on a full store (1M members, 5M feed items) vs an empty one,
//   CoveringPlan p99 at 15M members, ingest rows/s at 100k/1M/5M rows: see
//   the README table, which names the store size of each figure.
#ifndef HUB_STORAGE_STORE_OPTIONS_H_
#define HUB_STORAGE_STORE_OPTIONS_H_

#include <cstddef>
#include <memory>

#include "rocksdb/cache.h"
#include "rocksdb/options.h"
#include "storage/store.h"

namespace hub::storage::internal {

// The block cache of a store with a budget of `capacity_bytes`.
std::shared_ptr<rocksdb::Cache> MakeBlockCache(size_t capacity_bytes);

// Options of the database as a whole (the WriteBufferManager is added by
// Store::Open, which owns the cache).
rocksdb::DBOptions MakeDbOptions();

// Options of one column family.
rocksdb::ColumnFamilyOptions MakeCfOptions(ColumnFamily family,
                                           const std::shared_ptr<rocksdb::Cache>& block_cache);

}  // namespace hub::storage::internal

#endif  // HUB_STORAGE_STORE_OPTIONS_H_
