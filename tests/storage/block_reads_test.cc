// The full-store cliff: point lookups on a store much larger than its block
// cache must find their index and filter blocks in the cache. Before the
// partitioned filters and two-level indexes of storage/store_options.h,
// each lookup re-read a whole table's filter block (0.6-1.25 MiB for a
// 32 MiB table) because the cache's 2 MiB shards could not keep it; this
// test fails if that comes back. The members are the county generator's.
#include "storage/block_reads.h"

#include <cstdint>
#include <memory>
#include <random>
#include <string>

#include "generator/county.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "storage/coverage_index.h"
#include "storage/internal.h"
#include "storage/member_store.h"
#include "storage/store.h"
#include "storage_test_util.h"
#include "tests/generator/test_util.h"

namespace hub::storage {
namespace {

using test_util::TempDir;

// 300,000 members against a 6 MiB cache (of which the open memtables take
// ~3 MiB): the tables are several times the cache.
constexpr int64_t kMembers = 300000;
constexpr size_t kCacheBytes = 6u << 20;
constexpr int kLookups = 20000;

class BlockReadsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    auto county = generator::testing::MakeCounty(generator::testing::DemoOptions(7, kMembers));
    ASSERT_NE(county, nullptr);
    county_ = county.release();
    StoreOptions options{.data_dir = dir_->path(), .block_cache_bytes = kCacheBytes};
    {
      auto store = Store::Open(options);
      ASSERT_TRUE(store.ok()) << store.status();
      MemberStore members(store->get());
      CoverageIndex coverage(store->get());
      WriteBatch batch;
      generator::GeneratedMember member;
      for (int64_t i = 0; i < kMembers; ++i) {
        county_->FillMember(i, member);
        members.Put(batch, member.member());
        for (const generator::Enrollment& e : member.enrollments)
          coverage.Put(batch, e.row.coverage());
        if (batch.Count() >= 20000) {
          ASSERT_TRUE((*store)->Commit(batch, Durability::kBuffered).ok());
        }
      }
      ASSERT_TRUE((*store)->Commit(batch, Durability::kBuffered).ok());
      // As in a store that has run for a while: the tables at the bottom
      // level (whose index and filter blocks nothing pins), not in L0.
      Store::Rep& rep = internal::RepOf(**store);
      for (ColumnFamily family : {ColumnFamily::kMembers, ColumnFamily::kCoverage}) {
        ASSERT_TRUE(
            rep.db->CompactRange(rocksdb::CompactRangeOptions(), rep.cf(family), nullptr, nullptr)
                .ok());
      }
      ASSERT_TRUE((*store)->Close().ok());
    }
    auto store = Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = store->release();
  }
  static void TearDownTestSuite() {
    delete store_;
    delete county_;
    delete dir_;
  }

  // Average block reads per lookup of `lookup(i)` over kLookups random
  // members, after a first pass that warms the cache.
  template <typename Lookup>
  static BlockReads PerThousand(Lookup lookup) {
    std::mt19937_64 rng(11);
    std::uniform_int_distribution<int64_t> pick(0, kMembers - 1);
    for (int i = 0; i < kLookups; ++i) lookup(pick(rng));
    BlockReadCounter counter;
    for (int i = 0; i < kLookups; ++i) lookup(pick(rng));
    BlockReads reads = counter.Read();
    auto per_thousand = [](int64_t n) { return n * 1000 / kLookups; };
    return BlockReads{per_thousand(reads.index_reads), per_thousand(reads.filter_reads),
                      per_thousand(reads.all_reads),   per_thousand(reads.index_hits),
                      per_thousand(reads.filter_hits), per_thousand(reads.all_hits)};
  }

  static TempDir* dir_;
  static generator::County* county_;
  static Store* store_;
};

TempDir* BlockReadsTest::dir_ = nullptr;
generator::County* BlockReadsTest::county_ = nullptr;
Store* BlockReadsTest::store_ = nullptr;

void ExpectMetadataCached(const BlockReads& per_thousand) {
  // The store is larger than the cache: data blocks are read from the files
  // (at least one lookup in five)...
  EXPECT_GE(per_thousand.all_reads, 200) << "the store fits in the cache; the test proves nothing";
  // ...but index and filter blocks stay cached: at most 1 read per 100
  // lookups (each would be a partition of a few KiB).
  EXPECT_LE(per_thousand.index_reads, 10) << "index blocks re-read per lookup";
  EXPECT_LE(per_thousand.filter_reads, 10) << "filter blocks re-read per lookup";
}

TEST_F(BlockReadsTest, MemberLookupsKeepIndexAndFilterBlocksCached) {
  MemberStore members(store_);
  const BlockReads reads = PerThousand([&](int64_t i) {
    absl::StatusOr<hub::v1::Member> member = members.Get(county_->Cin(i));
    ASSERT_TRUE(member.ok()) << member.status();
  });
  ExpectMetadataCached(reads);
}

TEST_F(BlockReadsTest, AbsentMemberLookupsReadNoBlockAtAll) {
  // CINs of members beyond the store: the filters answer alone.
  MemberStore members(store_);
  const BlockReads reads = PerThousand([&](int64_t i) {
    EXPECT_TRUE(absl::IsNotFound(members.Get(county_->Cin(kMembers + i)).status()));
  });
  EXPECT_LE(reads.index_reads, 10);
  EXPECT_LE(reads.filter_reads, 10);
  EXPECT_LE(reads.all_reads, 30) << "filters let absent keys through";
}

TEST_F(BlockReadsTest, CoveringPlanKeepsIndexAndFilterBlocksCached) {
  CoverageIndex coverage(store_);
  generator::GeneratedMember member;
  const BlockReads reads = PerThousand([&](int64_t i) {
    county_->FillMember(i, member);
    const hub::v1::Coverage& period = member.enrollments.front().row.coverage();
    absl::StatusOr<hub::v1::Coverage> found =
        coverage.CoveringPlan(period.cin(), period.start_date());
    ASSERT_TRUE(found.ok()) << found.status();
  });
  ExpectMetadataCached(reads);
}

}  // namespace
}  // namespace hub::storage
