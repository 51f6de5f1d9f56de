#include "storage/store.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "storage/coverage_index.h"
#include "storage/member_store.h"
#include "tests/storage/storage_test_util.h"

namespace hub::storage {
namespace {

using test_util::MakeCoverage;
using test_util::MakeMember;
using test_util::OptionsFor;
using test_util::TempDir;

constexpr char kStoreCin[] = "99898657G";

TEST(ColumnFamilyNameTest, PersistedNamesAreStableAndDistinct) {
  EXPECT_EQ(ColumnFamilyName(ColumnFamily::kMeta), "meta");
  EXPECT_EQ(ColumnFamilyName(ColumnFamily::kPlans), "plans");
  EXPECT_EQ(ColumnFamilyName(ColumnFamily::kProviders), "providers");
  EXPECT_EQ(ColumnFamilyName(ColumnFamily::kProviderByNpi), "provider_by_npi");
  EXPECT_EQ(ColumnFamilyName(ColumnFamily::kMembers), "members");
  EXPECT_EQ(ColumnFamilyName(ColumnFamily::kCoverage), "coverage");
  EXPECT_EQ(ColumnFamilyName(ColumnFamily::kAssignments), "assignments");
  EXPECT_EQ(ColumnFamilyName(ColumnFamily::kAuthorizations), "authorizations");
  EXPECT_EQ(ColumnFamilyName(ColumnFamily::kAuthorizationByNumber), "authorization_by_number");
  EXPECT_EQ(ColumnFamilyName(ColumnFamily::kIngestReports), "ingest_reports");
  EXPECT_EQ(ColumnFamilyName(ColumnFamily::kIngestReportsByPlan), "ingest_reports_by_plan");
  EXPECT_EQ(ColumnFamilyName(ColumnFamily::kIngestRowErrors), "ingest_row_errors");
  EXPECT_EQ(ColumnFamilyName(ColumnFamily::kPlanAssignments), "plan_assignments");
  EXPECT_EQ(ColumnFamilyName(ColumnFamily::kPlanAuthorizations), "plan_authorizations");
  EXPECT_EQ(ColumnFamilyName(ColumnFamily::kQualityReports), "quality_reports");
  EXPECT_EQ(ColumnFamilyName(ColumnFamily::kFeedItems), "feed_items");
  EXPECT_EQ(ColumnFamilyName(ColumnFamily::kFeedHeads), "feed_heads");
  EXPECT_EQ(ColumnFamilyName(ColumnFamily::kFeedCursors), "feed_cursors");
  EXPECT_EQ(ColumnFamilyName(ColumnFamily::kRecords), "records");
  EXPECT_EQ(ColumnFamilyName(ColumnFamily::kIdempotency), "idempotency");
  EXPECT_EQ(ColumnFamilyName(ColumnFamily::kProviderRecords), "provider_records");
  EXPECT_EQ(ColumnFamilyName(ColumnFamily::kCarePlans), "care_plans");
  EXPECT_EQ(ColumnFamilyName(ColumnFamily::kFeedIndex), "feed_index");
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    if (store_ != nullptr) {
      ASSERT_OK(store_->Close());
    }
    store_.reset();
    ASSERT_OK_AND_ASSIGN(store_, Store::Open(OptionsFor(dir_.path())));
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, CommitAppliesEveryWriteOfTheBatchAtOnce) {
  MemberStore members(store_.get());
  CoverageIndex coverage(store_.get());
  WriteBatch batch;
  EXPECT_EQ(batch.Count(), 0);
  members.Put(batch, MakeMember(kStoreCin, "Ana", "Lopez"));
  coverage.Put(batch, MakeCoverage(kStoreCin, "plan_a", "2025-01-01"));
  // Member, coverage, and the version high-water mark.
  EXPECT_EQ(batch.Count(), 3);
  EXPECT_GT(batch.ByteSize(), 0u);

  // Nothing is visible before Commit.
  EXPECT_TRUE(absl::IsNotFound(members.Get(kStoreCin).status()));
  EXPECT_TRUE(absl::IsNotFound(coverage.CoveringPlan(kStoreCin, "2025-02-01").status()));

  ASSERT_OK(store_->Commit(batch, Durability::kSync));
  EXPECT_EQ(batch.Count(), 0);
  EXPECT_OK(members.Get(kStoreCin));
  EXPECT_OK(coverage.CoveringPlan(kStoreCin, "2025-02-01"));
}

// Commit writes a large batch ordered by column family and key (see
// OrderForMemtables in store.cc): writes to one key must keep their order.
TEST_F(StoreTest, LargeBatchKeepsTheOrderOfWritesToOneKey) {
  MemberStore members(store_.get());
  CoverageIndex coverage(store_.get());
  WriteBatch batch;
  // 60 members in descending CIN order, so reordering really happens.
  std::vector<std::string> cins;
  for (int i = 60; i > 0; --i) cins.push_back(absl::StrFormat("%08dA", 10000000 + i));
  for (const std::string& cin : cins) members.Put(batch, MakeMember(cin, "Ana", "Lopez"));
  // The same member twice, then a coverage put and its delete: the later
  // write wins.
  members.Put(batch, MakeMember(cins[0], "Bea", "Lopez"));
  members.Put(batch, MakeMember(cins[5], "Cruz", "Lopez"));
  members.Put(batch, MakeMember(cins[5], "Dana", "Lopez"));
  coverage.Put(batch, MakeCoverage(cins[1], "plan_a", "2025-01-01"));
  coverage.Delete(batch, cins[1], "plan_a", "2025-01-01");
  coverage.Put(batch, MakeCoverage(cins[2], "plan_a", "2025-01-01"));
  const uint64_t last_version = store_->NextVersion(batch);
  ASSERT_GT(batch.Count(), 32);
  ASSERT_OK(store_->Commit(batch, Durability::kSync));

  ASSERT_OK_AND_ASSIGN(hub::v1::Member first, members.Get(cins[0]));
  EXPECT_EQ(first.name().first(), "Bea");
  ASSERT_OK_AND_ASSIGN(hub::v1::Member sixth, members.Get(cins[5]));
  EXPECT_EQ(sixth.name().first(), "Dana");
  ASSERT_OK_AND_ASSIGN(hub::v1::Member last, members.Get(cins.back()));
  EXPECT_EQ(last.name().first(), "Ana");
  EXPECT_TRUE(absl::IsNotFound(coverage.CoveringPlan(cins[1], "2025-02-01").status()));
  EXPECT_OK(coverage.CoveringPlan(cins[2], "2025-02-01"));
  // The version high-water mark (merges of every Put's version) survives.
  Reopen();
  WriteBatch next;
  EXPECT_GT(store_->NextVersion(next), last_version);
}

TEST_F(StoreTest, ClearDropsTheWrites) {
  MemberStore members(store_.get());
  WriteBatch batch;
  members.Put(batch, MakeMember(kStoreCin, "Ana", "Lopez"));
  batch.Clear();
  EXPECT_EQ(batch.Count(), 0);
  ASSERT_OK(store_->Commit(batch, Durability::kSync));
  EXPECT_TRUE(absl::IsNotFound(members.Get(kStoreCin).status()));
}

TEST_F(StoreTest, MovedBatchKeepsItsWrites) {
  MemberStore members(store_.get());
  WriteBatch first;
  members.Put(first, MakeMember(kStoreCin, "Ana", "Lopez"));
  WriteBatch second(std::move(first));
  EXPECT_EQ(second.Count(), 1);
  WriteBatch third;
  third = std::move(second);
  ASSERT_OK(store_->Commit(third, Durability::kSync));
  EXPECT_OK(members.Get(kStoreCin));
}

TEST_F(StoreTest, BufferedCommitsBecomeDurableWithSyncWal) {
  MemberStore members(store_.get());
  WriteBatch batch;
  members.Put(batch, MakeMember(kStoreCin, "Ana", "Lopez"));
  ASSERT_OK(store_->Commit(batch, Durability::kBuffered));
  ASSERT_OK(store_->SyncWal());
  Reopen();
  MemberStore reopened(store_.get());
  EXPECT_OK(reopened.Get(kStoreCin));
}

TEST_F(StoreTest, NextVersionIsStrictlyMonotonicAcrossReopen) {
  uint64_t last = 0;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 10; ++i) {
      WriteBatch batch;
      const uint64_t version = store_->NextVersion(batch);
      EXPECT_GT(version, last);
      last = version;
      ASSERT_OK(store_->Commit(batch, i % 2 == 0 ? Durability::kSync : Durability::kBuffered));
    }
    Reopen();
  }
  WriteBatch batch;
  EXPECT_GT(store_->NextVersion(batch), last);
}

TEST_F(StoreTest, HighWaterMarkSurvivesOutOfOrderCommits) {
  WriteBatch low;
  WriteBatch high;
  const uint64_t v_low = store_->NextVersion(low);
  const uint64_t v_high = store_->NextVersion(high);
  ASSERT_GT(v_high, v_low);
  // The later version commits first; the earlier one must not lower the mark.
  ASSERT_OK(store_->Commit(high, Durability::kSync));
  ASSERT_OK(store_->Commit(low, Durability::kSync));
  // A version allocated in a batch that never commits.
  WriteBatch abandoned;
  store_->NextVersion(abandoned);

  Reopen();
  WriteBatch batch;
  EXPECT_GT(store_->NextVersion(batch), v_high);
}

TEST_F(StoreTest, NextVersionIsUniqueUnderConcurrency) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 250;
  std::vector<std::vector<uint64_t>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &seen] {
      MemberStore members(store_.get());
      uint64_t previous = 0;
      for (int i = 0; i < kPerThread; ++i) {
        WriteBatch batch;
        const uint64_t version = store_->NextVersion(batch);
        // Each thread sees its own versions increase.
        EXPECT_GT(version, previous);
        previous = version;
        seen[t].push_back(version);
        members.Put(batch, MakeMember(kStoreCin, "Ana", std::to_string(version)));
        EXPECT_OK(store_->Commit(batch, i % 4 == 0 ? Durability::kSync : Durability::kBuffered));
      }
    });
  }
  for (auto& thread : threads) thread.join();

  std::set<uint64_t> all;
  for (const auto& versions : seen) all.insert(versions.begin(), versions.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  const uint64_t max = *all.rbegin();
  // No gaps: exactly kThreads * kPerThread versions were handed out.
  EXPECT_EQ(max - *all.begin() + 1, static_cast<uint64_t>(kThreads * kPerThread));

  Reopen();
  WriteBatch batch;
  EXPECT_GT(store_->NextVersion(batch), max);
}

TEST_F(StoreTest, SecondOpenOfTheSameDirectoryFails) {
  absl::StatusOr<std::unique_ptr<Store>> second = Store::Open(OptionsFor(dir_.path()));
  ASSERT_TRUE(absl::IsFailedPrecondition(second.status())) << second.status();
  EXPECT_TRUE(absl::StrContains(second.status().message(), "in use by another hubd process"))
      << second.status();
  // The first store still works.
  MemberStore members(store_.get());
  WriteBatch batch;
  members.Put(batch, MakeMember(kStoreCin, "Ana", "Lopez"));
  EXPECT_OK(store_->Commit(batch, Durability::kSync));
}

TEST_F(StoreTest, CloseIsFinal) {
  ASSERT_OK(store_->Close());
  EXPECT_TRUE(absl::IsFailedPrecondition(store_->Close()));
  WriteBatch batch;
  MemberStore members(store_.get());
  members.Put(batch, MakeMember(kStoreCin, "Ana", "Lopez"));
  store_->NextVersion(batch);
  EXPECT_TRUE(absl::IsFailedPrecondition(store_->Commit(batch, Durability::kSync)));
  EXPECT_EQ(batch.Count(), 0);
  EXPECT_TRUE(absl::IsFailedPrecondition(members.Get(kStoreCin).status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(store_->SyncWal()));
  EXPECT_TRUE(absl::IsFailedPrecondition(store_->CreateCheckpoint(dir_.Sub("ckpt")).status()));
  // The directory is free again.
  ASSERT_OK_AND_ASSIGN(auto other, Store::Open(OptionsFor(dir_.path())));
  store_ = std::move(other);
}

TEST_F(StoreTest, CheckpointIsADataDirWithTheSameData) {
  TempDir checkpoints;
  MemberStore members(store_.get());
  CoverageIndex coverage(store_.get());
  WriteBatch batch;
  members.Put(batch, MakeMember(kStoreCin, "Ana", "Lopez"));
  const uint64_t version = coverage.Put(batch, MakeCoverage(kStoreCin, "plan_a", "2025-01-01"));
  ASSERT_OK(store_->Commit(batch, Durability::kBuffered));

  const std::string checkpoint_dir = checkpoints.Sub("ckpt");
  ASSERT_OK_AND_ASSIGN(CheckpointInfo info, store_->CreateCheckpoint(checkpoint_dir));
  EXPECT_GT(info.file_count, 0);
  EXPECT_GT(info.size_bytes, 0);
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(checkpoint_dir)) {
    if (entry.is_regular_file()) ++files;
  }
  EXPECT_EQ(info.file_count, files);

  // Written after the checkpoint: not in it.
  members.Put(batch, MakeMember("12345678A", "Bo", "Chen"));
  ASSERT_OK(store_->Commit(batch, Durability::kSync));

  // The checkpoint directory already exists now.
  EXPECT_TRUE(absl::IsAlreadyExists(store_->CreateCheckpoint(checkpoint_dir).status()));

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> restored, Store::Open(OptionsFor(checkpoint_dir)));
  MemberStore restored_members(restored.get());
  CoverageIndex restored_coverage(restored.get());
  ASSERT_OK_AND_ASSIGN(hub::v1::Member ana, restored_members.Get(kStoreCin));
  EXPECT_EQ(ana.name().last(), "Lopez");
  EXPECT_TRUE(absl::IsNotFound(restored_members.Get("12345678A").status()));
  ASSERT_OK_AND_ASSIGN(hub::v1::Coverage period,
                       restored_coverage.CoveringPlan(kStoreCin, "2025-06-01"));
  EXPECT_EQ(period.version(), version);
  WriteBatch next;
  EXPECT_GT(restored->NextVersion(next), version);
  ASSERT_OK(restored->Close());
}

TEST(StoreOpenTest, CreatesMissingParentDirectories) {
  TempDir dir;
  const std::string nested = dir.Sub("a/b/data");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(OptionsFor(nested)));
  EXPECT_TRUE(std::filesystem::is_directory(nested));
  ASSERT_OK(store->Close());
}

TEST(StoreOpenTest, RejectsAnEmptyPathAndAFile) {
  EXPECT_TRUE(absl::IsInvalidArgument(Store::Open(OptionsFor("")).status()));
  TempDir dir;
  const std::string file = dir.Sub("not_a_dir");
  std::ofstream(file) << "x";
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(OptionsFor(file));
  EXPECT_FALSE(store.ok());
}

TEST(StoreOpenTest, CorruptDatabaseIsDataLoss) {
  TempDir dir;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(OptionsFor(dir.path())));
    ASSERT_OK(store->Close());
  }
  // Overwrite the manifest (the database's table of contents) with junk.
  int damaged = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    if (entry.path().filename().string().rfind("MANIFEST-", 0) != 0) continue;
    const std::string junk(std::filesystem::file_size(entry.path()), '\x5a');
    std::fstream file(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
    file.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    ++damaged;
  }
  ASSERT_EQ(damaged, 1);
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(OptionsFor(dir.path()));
  EXPECT_TRUE(absl::IsDataLoss(store.status())) << store.status();
  EXPECT_TRUE(absl::StrContains(store.status().message(), "checkpoint")) << store.status();
}

TEST(StoreOpenTest, DestructorClosesAndFlushes) {
  TempDir dir;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(OptionsFor(dir.path())));
    MemberStore members(store.get());
    WriteBatch batch;
    members.Put(batch, MakeMember(kStoreCin, "Ana", "Lopez"));
    ASSERT_OK(store->Commit(batch, Durability::kBuffered));
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(OptionsFor(dir.path())));
  MemberStore members(store.get());
  EXPECT_OK(members.Get(kStoreCin));
}

}  // namespace
}  // namespace hub::storage
