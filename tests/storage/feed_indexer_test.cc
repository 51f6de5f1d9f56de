// The feed indexer (storage/feed_store.h): one key per record on the
// acknowledged path, every index derived from the log, results answered
// from memory until indexed, the tails applied after a crash, and the
// derived indexes equal to a rebuild from the log.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "storage/feed_store.h"
#include "storage/internal.h"
#include "storage/store.h"
#include "tests/storage/storage_test_util.h"

namespace hub::storage {
namespace {

using test_util::OptionsFor;
using test_util::TempDir;

constexpr int64_t kIndexerBaseMicros = 1'780'000'000'000'000;
const char* const kPlans[] = {"molina", "kaiser", "aetna"};
const char* const kProviders[] = {"alpha_cbo", "bravo_housing"};

// Record i: a service, an outreach attempt or an enrollment status (all
// three have export index entries) or a care plan (which has none).
hub::v1::FeedItem Item(int i) {
  hub::v1::FeedItem item;
  item.set_record_id(absl::StrCat("rec_", i));
  item.set_provider_id(kProviders[i % 2]);
  item.mutable_accept_time()->set_seconds(kIndexerBaseMicros / 1'000'000 + i);
  hub::v1::Submission* s = item.mutable_submission();
  s->set_idempotency_key(absl::StrCat("key-", i));
  const std::string cin = absl::StrCat("9", 10000000 + i % 17, "A");
  switch (i % 4) {
    case 0:
      item.set_kind(hub::v1::RECORD_KIND_SERVICE);
      s->mutable_service()->set_cin(cin);
      s->mutable_service()->set_service_date("2026-11-10");
      s->mutable_service()->set_hcpcs_code("G9008");
      break;
    case 1:
      item.set_kind(hub::v1::RECORD_KIND_OUTREACH_ATTEMPT);
      s->mutable_outreach_attempt()->set_cin(cin);
      s->mutable_outreach_attempt()->set_attempt_date("2026-11-09");
      break;
    case 2:
      item.set_kind(hub::v1::RECORD_KIND_ENROLLMENT_STATUS);
      s->mutable_enrollment_status()->set_cin(cin);
      s->mutable_enrollment_status()->set_as_of_date("2026-11-08");
      break;
    default:
      item.set_kind(hub::v1::RECORD_KIND_CARE_PLAN);
      s->mutable_care_plan()->set_cin(cin);
      s->mutable_care_plan()->set_effective_date("2026-11-07");
      break;
  }
  return item;
}

class FeedIndexerTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    feed_.reset();
    if (store_ != nullptr) {
      ASSERT_OK(store_->Close());
    }
    store_.reset();
    ASSERT_OK_AND_ASSIGN(store_, Store::Open(OptionsFor(dir_.path())));
    feed_ = std::make_unique<FeedStore>(store_.get());
  }

  // Appends records [from, to) in one synced batch, as Submit does.
  void Append(int from, int to) {
    WriteBatch batch;
    for (int i = from; i < to; ++i) {
      hub::v1::FeedItem item = Item(i);
      ASSERT_OK(feed_->AppendItem(batch, kPlans[i % 3], item, item.submission().idempotency_key())
                    .status());
    }
    ASSERT_OK(store_->Commit(batch, Durability::kSync));
    feed_->CommitAppends();
  }

  // The result Submit gave record i, as GetSubmissionResult answers it.
  void ExpectResult(int i) {
    const hub::v1::FeedItem item = Item(i);
    std::string fingerprint;
    ASSERT_OK_AND_ASSIGN(
        auto result, feed_->GetSubmissionResult(item.provider_id(),
                                                item.submission().idempotency_key(), &fingerprint));
    ASSERT_TRUE(result.has_value()) << "record " << i;
    ASSERT_TRUE(result->has_accepted()) << "record " << i;
    EXPECT_EQ(result->accepted().record_id(), item.record_id());
    EXPECT_EQ(result->accepted().plan_id(), kPlans[i % 3]);
    EXPECT_EQ(result->accepted().accept_time().seconds(), item.accept_time().seconds());
    EXPECT_EQ(fingerprint, SubmissionFingerprint(item.submission()));
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<FeedStore> feed_;
};

TEST_F(FeedIndexerTest, AnAppendWritesOneKeyPerRecordPlusTheHeadAndTallies) {
  WriteBatch batch;
  for (int i = 0; i < 30; ++i) {
    hub::v1::FeedItem item = Item(i);
    ASSERT_OK(feed_->AppendItem(batch, "molina", item, item.submission().idempotency_key()));
  }
  // 30 feed items; the head and the monitor's tallies are added by Commit
  // (one write per plan or tally key and batch, however many records).
  EXPECT_EQ(internal::RepOf(batch).batch.Count(), 30u);
  EXPECT_EQ(internal::RepOf(batch).feed_heads.size(), 1u);
  ASSERT_OK(store_->Commit(batch, Durability::kSync));
  feed_->CommitAppends();
}

TEST_F(FeedIndexerTest, ResultsAreAnsweredFromMemoryUntilIndexedThenFromTheIndex) {
  Append(0, 12);
  EXPECT_EQ(feed_->IndexLag().items, 12);
  EXPECT_EQ(feed_->IndexLag().oldest_accept_micros, kIndexerBaseMicros);
  for (int i = 0; i < 12; ++i) ExpectResult(i);
  ASSERT_OK_AND_ASSIGN(const int64_t indexed, feed_->IndexPending(5));
  EXPECT_EQ(indexed, 5);
  EXPECT_EQ(feed_->IndexLag().items, 7);
  for (int i = 0; i < 12; ++i) ExpectResult(i);
  ASSERT_OK_AND_ASSIGN(const int64_t rest, feed_->IndexPending(100));
  EXPECT_EQ(rest, 7);
  EXPECT_EQ(feed_->IndexLag().items, 0);
  EXPECT_EQ(feed_->IndexLag().oldest_accept_micros, 0);
  for (int i = 0; i < 12; ++i) ExpectResult(i);
  // A new key is still new.
  ASSERT_OK_AND_ASSIGN(auto unknown, feed_->GetSubmissionResult("alpha_cbo", "key-999"));
  EXPECT_FALSE(unknown.has_value());
}

TEST_F(FeedIndexerTest, ReadersWaitForTheIndexerToPassWhatTheyNeed) {
  Append(0, 30);
  // Nothing indexed yet: each reader indexes what it needs first.
  ASSERT_OK_AND_ASSIGN(
      auto page, feed_->ListFeedback("alpha_cbo", hub::v1::FEEDBACK_STATUS_UNSPECIFIED, "", 100));
  EXPECT_EQ(page.first.size(), 15u);
  Append(30, 36);
  ASSERT_OK_AND_ASSIGN(auto scan,
                       feed_->ScanMonth("molina", hub::v1::RECORD_KIND_SERVICE, "2026-11"));
  int services = 0;
  hub::v1::FeedItem item;
  while (true) {
    ASSERT_OK_AND_ASSIGN(const bool more, scan->Next(item));
    if (!more) break;
    ++services;
  }
  EXPECT_EQ(services, 3);  // records 0, 12, 24 (i % 4 == 0 and i % 3 == 0)
  // Ack with a rejection of a record the indexer has not reached.
  Append(36, 48);
  hub::v1::ItemRejection rejection;
  rejection.set_sequence(16);  // record 45 (i % 3 == 0)
  rejection.set_record_id("rec_45");
  rejection.set_reason_code("PLAN_MEMBER_NOT_ELIGIBLE");
  ASSERT_OK(feed_->Ack("molina", 16, {rejection}, kIndexerBaseMicros + 100'000'000).status());
  ASSERT_OK_AND_ASSIGN(
      auto rejected,
      feed_->ListFeedback("bravo_housing", hub::v1::FEEDBACK_STATUS_REJECTED_BY_PLAN, "", 100));
  ASSERT_EQ(rejected.first.size(), 1u);
  EXPECT_EQ(rejected.first[0].record_id(), "rec_45");
}

TEST_F(FeedIndexerTest, ARebuildFromTheLogEqualsTheLiveIndexes) {
  // Batches indexed at different moments, an Ack with a rejection, a
  // restart, and more.
  for (int b = 0; b < 6; ++b) {
    Append(b * 40, b * 40 + 40);
    if (b % 2 == 1) {
      ASSERT_OK(feed_->IndexPending(25).status());
    }
  }
  hub::v1::ItemRejection rejection;
  rejection.set_sequence(3);
  rejection.set_record_id("rec_6");
  rejection.set_reason_code("PLAN_DUPLICATE");
  ASSERT_OK(feed_->Ack("molina", 10, {rejection}, kIndexerBaseMicros + 500'000'000).status());
  Open();
  Append(240, 300);
  ASSERT_OK_AND_ASSIGN(const FeedIndexCheck check, feed_->CheckIndexes());
  EXPECT_EQ(check.items, 300);
  EXPECT_TRUE(check.consistent()) << "missing " << check.missing << ", differing "
                                  << check.differing << ", extra " << check.extra;

  // The check sees a lost entry and one no record accounts for.
  Store::Rep& rep = internal::RepOf(*store_);
  ASSERT_TRUE(rep.db
                  ->Delete(rocksdb::WriteOptions(), rep.cf(ColumnFamily::kProviderRecords),
                           internal::Key({"alpha_cbo",
                                          internal::EncodeBigEndian64(
                                              ~static_cast<uint64_t>(kIndexerBaseMicros)),
                                          "rec_0"}))
                  .ok());
  ASSERT_TRUE(rep.db
                  ->Put(rocksdb::WriteOptions(), rep.cf(ColumnFamily::kFeedIndex),
                        internal::Key({"molina", "p", "99", "2026-11", "x"}), "")
                  .ok());
  ASSERT_OK_AND_ASSIGN(const FeedIndexCheck broken, feed_->CheckIndexes());
  EXPECT_EQ(broken.missing, 1);
  EXPECT_EQ(broken.extra, 1);
}

TEST_F(FeedIndexerTest, ACrashBetweenTheAckAndTheIndexerLosesNothing) {
  // Synced and acknowledged, never indexed: the process dies here.
  Append(0, 50);
  EXPECT_EQ(feed_->IndexLag().items, 50);
  Open();  // Store::Open applies the tails past the checkpoints.
  EXPECT_EQ(feed_->IndexLag().items, 0);
  for (int i = 0; i < 50; ++i) ExpectResult(i);
  ASSERT_OK_AND_ASSIGN(
      auto page, feed_->ListFeedback("alpha_cbo", hub::v1::FEEDBACK_STATUS_UNSPECIFIED, "", 100));
  EXPECT_EQ(page.first.size(), 25u);
  ASSERT_OK_AND_ASSIGN(const FeedIndexCheck check, feed_->CheckIndexes());
  EXPECT_EQ(check.items, 50);
  EXPECT_TRUE(check.consistent());
  // Appends go on after the tail, gap-free.
  Append(50, 53);
  ASSERT_OK_AND_ASSIGN(const uint64_t head, feed_->Head("molina"));
  EXPECT_EQ(head, 18u);
}

TEST_F(FeedIndexerTest, AStoreFromBeforeTheIndexerIsNotIndexedAgain) {
  Append(0, 30);
  ASSERT_OK(feed_->IndexPending(100).status());
  // As a store written before the indexer: no marker, no checkpoints (its
  // items were indexed inline). Remove one derived entry to see that the
  // upgrade does not write them again.
  Store::Rep& rep = internal::RepOf(*store_);
  ASSERT_TRUE(
      rep.db->Delete(rocksdb::WriteOptions(), rep.cf(ColumnFamily::kMeta), "feed_indexer").ok());
  for (const char* plan : kPlans) {
    ASSERT_TRUE(rep.db
                    ->Delete(rocksdb::WriteOptions(), rep.cf(ColumnFamily::kMeta),
                             internal::Key({"feed_indexed", plan}))
                    .ok());
  }
  ASSERT_TRUE(
      rep.db->Delete(rocksdb::WriteOptions(), rep.cf(ColumnFamily::kRecords), "rec_3").ok());
  Open();
  ASSERT_OK_AND_ASSIGN(const FeedIndexCheck check, feed_->CheckIndexes());
  EXPECT_EQ(check.items, 30);
  EXPECT_EQ(check.missing, 1);  // Not re-derived: the checkpoints start at the heads.
}

}  // namespace
}  // namespace hub::storage
