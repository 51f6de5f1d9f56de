// The feed and its derived indexes compact size-tiered (universal), every
// other family levelled (storage/store_options.h: on a full store, levelled
// compaction rewrote a whole derived family once per flush). A store
// written before, with every family levelled and its data in the bottom
// level, opens with the new style and keeps (and compacts) its data.
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "storage/internal.h"
#include "storage/store.h"
#include "tests/storage/storage_test_util.h"

namespace hub::storage {
namespace {

using test_util::OptionsFor;
using test_util::TempDir;

constexpr ColumnFamily kFeedFamilies[] = {ColumnFamily::kFeedItems, ColumnFamily::kRecords,
                                          ColumnFamily::kIdempotency,
                                          ColumnFamily::kProviderRecords, ColumnFamily::kFeedIndex};

bool IsFeedFamily(ColumnFamily family) {
  for (ColumnFamily f : kFeedFamilies) {
    if (f == family) return true;
  }
  return false;
}

TEST(CompactionStyleTest, TheFeedFamiliesAreUniversalTheOthersLevelled) {
  TempDir dir;
  auto store = Store::Open(OptionsFor(dir.path()));
  ASSERT_TRUE(store.ok()) << store.status();
  Store::Rep& rep = internal::RepOf(**store);
  for (int i = 0; i <= static_cast<int>(ColumnFamily::kParked); ++i) {
    const auto family = static_cast<ColumnFamily>(i);
    SCOPED_TRACE(std::string(ColumnFamilyName(family)));
    const rocksdb::Options options = rep.db->GetOptions(rep.cf(family));
    EXPECT_EQ(options.compaction_style, IsFeedFamily(family) ? rocksdb::kCompactionStyleUniversal
                                                             : rocksdb::kCompactionStyleLevel);
    if (IsFeedFamily(family)) {
      EXPECT_EQ(options.compaction_options_universal.min_merge_width, 4u);
      EXPECT_EQ(options.level0_file_num_compaction_trigger, 8);
    }
  }
}

TEST(CompactionStyleTest, AStoreWrittenLevelledOpensAndCompactsUniversal) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  // Create the families, then write them as an older hub did: levelled,
  // pushed to the bottom level.
  {
    auto store = Store::Open(OptionsFor(data));
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->Close().ok());
  }
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), data, &names).ok());
  {
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    rocksdb::ColumnFamilyOptions levelled;
    levelled.level_compaction_dynamic_level_bytes = true;
    for (const std::string& name : names) descriptors.emplace_back(name, levelled);
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), data, descriptors, &handles, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    for (size_t i = 0; i < names.size(); ++i) {
      for (ColumnFamily family : kFeedFamilies) {
        if (names[i] != ColumnFamilyName(family)) continue;
        for (int round = 0; round < 3; ++round) {
          for (int k = 0; k < 100; ++k) {
            ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), handles[i],
                                "old" + std::to_string(round * 1000 + k), "v")
                            .ok());
          }
          ASSERT_TRUE(db->Flush(rocksdb::FlushOptions(), handles[i]).ok());
        }
        ASSERT_TRUE(
            db->CompactRange(rocksdb::CompactRangeOptions(), handles[i], nullptr, nullptr).ok());
        std::string files;
        ASSERT_TRUE(db->GetProperty(handles[i], "rocksdb.num-files-at-level6", &files));
        EXPECT_EQ(files, "1") << names[i];
      }
    }
    for (rocksdb::ColumnFamilyHandle* handle : handles) {
      ASSERT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
    }
    ASSERT_TRUE(db->Close().ok());
  }
  auto store = Store::Open(OptionsFor(data));
  ASSERT_TRUE(store.ok()) << store.status();
  Store::Rep& rep = internal::RepOf(**store);
  for (ColumnFamily family : kFeedFamilies) {
    SCOPED_TRACE(std::string(ColumnFamilyName(family)));
    WriteBatch batch;
    for (int k = 0; k < 100; ++k) internal::Put(rep, batch, family, "new" + std::to_string(k), "v");
    ASSERT_TRUE((*store)->Commit(batch, Durability::kSync).ok());
    ASSERT_TRUE(rep.db->Flush(rocksdb::FlushOptions(), rep.cf(family)).ok());
    ASSERT_TRUE(
        rep.db->CompactRange(rocksdb::CompactRangeOptions(), rep.cf(family), nullptr, nullptr)
            .ok());
    int keys = 0;
    ASSERT_TRUE(internal::ForEachWithPrefix(rep, family, "",
                                            [&](const rocksdb::Slice&, const rocksdb::Slice&) {
                                              ++keys;
                                              return absl::OkStatus();
                                            })
                    .ok());
    EXPECT_EQ(keys, 400);
    std::string value;
    auto found = internal::Get(rep, family, "old2042", &value);
    ASSERT_TRUE(found.ok());
    EXPECT_TRUE(*found);
  }
  ASSERT_TRUE((*store)->Close().ok());
}

}  // namespace
}  // namespace hub::storage
