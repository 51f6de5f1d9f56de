#include "storage/feed_store.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "storage/store.h"
#include "tests/storage/storage_test_util.h"

namespace hub::storage {
namespace {

using test_util::OptionsFor;
using test_util::TempDir;

constexpr int64_t kFeedBaseMicros = 1'795'000'000'000'000;  // 2026-11.

hub::v1::FeedItem MakeItem(const std::string& record_id, const std::string& provider_id,
                           hub::v1::RecordKind kind, int64_t accept_micros) {
  hub::v1::FeedItem item;
  item.set_record_id(record_id);
  item.set_provider_id(provider_id);
  item.set_provider_npi("1234567893");
  item.set_kind(kind);
  item.mutable_accept_time()->set_seconds(accept_micros / 1000000);
  item.mutable_accept_time()->set_nanos(static_cast<int32_t>(accept_micros % 1000000) * 1000);
  item.mutable_submission()->set_idempotency_key("key-" + record_id);
  return item;
}

hub::v1::ItemRejection Rejection(uint64_t sequence, const std::string& record_id,
                                 const std::string& code = "PLAN_MEMBER_NOT_ELIGIBLE") {
  hub::v1::ItemRejection r;
  r.set_sequence(sequence);
  r.set_record_id(record_id);
  r.set_reason_code(code);
  r.set_message("The member was not eligible on the service date; check coverage.");
  return r;
}

class FeedStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    feed_.reset();
    if (store_ != nullptr) {
      ASSERT_OK(store_->Close());
    }
    store_.reset();
    ASSERT_OK_AND_ASSIGN(store_, Store::Open(OptionsFor(dir_.path())));
    feed_ = std::make_unique<FeedStore>(store_.get());
  }

  // Appends and commits one item per record id to `plan`; returns sequences.
  std::vector<uint64_t> AppendCommitted(const std::string& plan,
                                        const std::vector<std::string>& record_ids,
                                        const std::string& provider = "alpha_cbo",
                                        hub::v1::RecordKind kind = hub::v1::RECORD_KIND_SERVICE) {
    std::vector<uint64_t> sequences;
    WriteBatch batch;
    for (const std::string& id : record_ids) {
      hub::v1::FeedItem item = MakeItem(id, provider, kind, kFeedBaseMicros + next_micros_++);
      absl::StatusOr<uint64_t> seq = feed_->AppendItem(batch, plan, item, "key-" + id);
      EXPECT_TRUE(seq.ok()) << seq.status();
      EXPECT_EQ(item.sequence(), seq.value_or(0));
      sequences.push_back(seq.value_or(0));
    }
    absl::Status committed = store_->Commit(batch, Durability::kSync);
    EXPECT_TRUE(committed.ok()) << committed;
    feed_->CommitAppends();
    return sequences;
  }

  std::vector<uint64_t> Sequences(const std::string& plan, uint64_t after = 0, int limit = 1000) {
    absl::StatusOr<std::vector<hub::v1::FeedItem>> items = feed_->ReadItems(plan, after, limit);
    EXPECT_TRUE(items.ok()) << items.status();
    std::vector<uint64_t> out;
    if (items.ok()) {
      for (const auto& item : *items) out.push_back(item.sequence());
    }
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<FeedStore> feed_;
  int64_t next_micros_ = 0;
};

TEST_F(FeedStoreTest, SequencesArePerPlanAndGapFree) {
  EXPECT_EQ(AppendCommitted("molina", {"r1", "r2", "r3"}), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(AppendCommitted("chg", {"r4"}), (std::vector<uint64_t>{1}));
  EXPECT_EQ(AppendCommitted("molina", {"r5"}), (std::vector<uint64_t>{4}));
  EXPECT_EQ(*feed_->Head("molina"), 4u);
  EXPECT_EQ(*feed_->Head("chg"), 1u);
  EXPECT_EQ(*feed_->Head("aetna"), 0u);
  EXPECT_EQ(Sequences("molina"), (std::vector<uint64_t>{1, 2, 3, 4}));
  ASSERT_OK_AND_ASSIGN(auto items, feed_->ReadItems("molina", 0, 10));
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[3].record_id(), "r5");
  EXPECT_EQ(items[0].provider_npi(), "1234567893");
  EXPECT_EQ(items[0].submission().idempotency_key(), "key-r1");
}

TEST_F(FeedStoreTest, AbortedAppendsLeaveNoGapAndUncommittedHeadIsInvisible) {
  AppendCommitted("molina", {"r1"});
  WriteBatch failed;
  hub::v1::FeedItem a =
      MakeItem("lost1", "alpha_cbo", hub::v1::RECORD_KIND_SERVICE, kFeedBaseMicros);
  hub::v1::FeedItem b =
      MakeItem("lost2", "alpha_cbo", hub::v1::RECORD_KIND_SERVICE, kFeedBaseMicros);
  EXPECT_EQ(*feed_->AppendItem(failed, "molina", a, "key-lost1"), 2u);
  EXPECT_EQ(*feed_->AppendItem(failed, "molina", b, "key-lost2"), 3u);
  // Readers see only committed heads.
  EXPECT_EQ(*feed_->Head("molina"), 1u);
  failed.Clear();  // The batch is never committed (as after a failed Commit).
  feed_->AbortAppends();
  EXPECT_EQ(AppendCommitted("molina", {"r2"}), (std::vector<uint64_t>{2}));
  EXPECT_EQ(Sequences("molina"), (std::vector<uint64_t>{1, 2}));
  ASSERT_OK_AND_ASSIGN(auto items, feed_->ReadItems("molina", 1, 10));
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].record_id(), "r2");
}

TEST_F(FeedStoreTest, AppendRejectsMissingIdsWithoutMovingTheHead) {
  WriteBatch batch;
  hub::v1::FeedItem no_record = MakeItem("", "alpha_cbo", hub::v1::RECORD_KIND_SERVICE, 0);
  EXPECT_TRUE(absl::IsInvalidArgument(feed_->AppendItem(batch, "molina", no_record, "k").status()));
  hub::v1::FeedItem ok = MakeItem("r1", "alpha_cbo", hub::v1::RECORD_KIND_SERVICE, 0);
  EXPECT_TRUE(absl::IsInvalidArgument(feed_->AppendItem(batch, "", ok, "k").status()));
  EXPECT_EQ(batch.Count(), 0);
  EXPECT_EQ(*feed_->AppendItem(batch, "molina", ok, "key-r1"), 1u);
}

TEST_F(FeedStoreTest, HeadsCursorsAndItemsSurviveReopen) {
  AppendCommitted("molina", {"r1", "r2", "r3"});
  AppendCommitted("chg", {"r4", "r5"});
  ASSERT_OK(feed_->Ack("molina", 2, {}, kFeedBaseMicros + 100).status());
  Reopen();
  EXPECT_EQ(*feed_->Head("molina"), 3u);
  EXPECT_EQ(*feed_->Head("chg"), 2u);
  EXPECT_EQ(*feed_->Cursor("molina"), 2u);
  EXPECT_EQ(*feed_->Cursor("chg"), 0u);
  // Appends continue after the persisted head.
  EXPECT_EQ(AppendCommitted("molina", {"r6"}), (std::vector<uint64_t>{4}));
  EXPECT_EQ(Sequences("molina", 2), (std::vector<uint64_t>{3, 4}));
}

TEST_F(FeedStoreTest, ReadItemsPagesInOrder) {
  std::vector<std::string> ids;
  for (int i = 1; i <= 25; ++i) ids.push_back(absl::StrCat("r", i));
  AppendCommitted("molina", ids);
  AppendCommitted("molinb", {"other"});  // A plan id sharing a prefix.
  std::vector<uint64_t> all;
  uint64_t after = 0;
  int pages = 0;
  while (true) {
    std::vector<uint64_t> page = Sequences("molina", after, 7);
    if (page.empty()) break;
    ++pages;
    EXPECT_LE(page.size(), 7u);
    all.insert(all.end(), page.begin(), page.end());
    after = page.back();
  }
  EXPECT_EQ(pages, 4);
  ASSERT_EQ(all.size(), 25u);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], i + 1);
  EXPECT_TRUE(Sequences("molina", 25).empty());
  EXPECT_TRUE(Sequences("molina", UINT64_MAX).empty());
  EXPECT_TRUE(absl::IsInvalidArgument(feed_->ReadItems("molina", 0, 0).status()));
}

TEST_F(FeedStoreTest, RawItemsAreTheStoredBytesAndReuseTheBuffer) {
  AppendCommitted("molina", {"r1", "r2", "r3", "r4", "r5"});
  std::vector<FeedStore::RawItem> raw;
  ASSERT_OK_AND_ASSIGN(int n, feed_->ReadRawItems("molina", 1, 3, raw));
  ASSERT_EQ(n, 3);
  ASSERT_EQ(raw.size(), 3u);
  ASSERT_OK_AND_ASSIGN(auto parsed, feed_->ReadItems("molina", 1, 3));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(raw[i].sequence, static_cast<uint64_t>(i + 2));
    hub::v1::FeedItem item;
    ASSERT_TRUE(item.ParseFromString(raw[i].bytes));
    EXPECT_EQ(item.sequence(), raw[i].sequence);
    EXPECT_EQ(item.SerializeAsString(), parsed[i].SerializeAsString());
  }
  // A shorter page keeps the vector's size; only [0, n) is filled.
  ASSERT_OK_AND_ASSIGN(n, feed_->ReadRawItems("molina", 4, 3, raw));
  EXPECT_EQ(n, 1);
  EXPECT_EQ(raw.size(), 3u);
  EXPECT_EQ(raw[0].sequence, 5u);
  ASSERT_OK_AND_ASSIGN(n, feed_->ReadRawItems("molina", 5, 3, raw));
  EXPECT_EQ(n, 0);
  EXPECT_TRUE(absl::IsInvalidArgument(feed_->ReadRawItems("molina", 0, 0, raw).status()));
}

TEST_F(FeedStoreTest, SubmissionResultsAreStoredPerProviderAndKey) {
  EXPECT_FALSE(feed_->GetSubmissionResult("alpha_cbo", "k1")->has_value());
  hub::v1::SubmissionResult result;
  result.set_idempotency_key("k1");
  result.mutable_accepted()->set_record_id("r1");
  result.mutable_accepted()->set_plan_id("molina");
  result.mutable_accepted()->set_feed_sequence(1);
  WriteBatch batch;
  feed_->PutSubmissionResult(batch, "alpha_cbo", result);
  ASSERT_OK(store_->Commit(batch, Durability::kSync));
  ASSERT_OK_AND_ASSIGN(auto stored, feed_->GetSubmissionResult("alpha_cbo", "k1"));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->accepted().record_id(), "r1");
  EXPECT_EQ(stored->accepted().feed_sequence(), 1u);
  EXPECT_FALSE(feed_->GetSubmissionResult("bravo_housing", "k1")->has_value());
  EXPECT_FALSE(feed_->GetSubmissionResult("alpha_cbo", "k2")->has_value());
}

TEST_F(FeedStoreTest, AckAdvancesTheCursorDurablyAndIgnoresOlderAcks) {
  AppendCommitted("molina", {"r1", "r2", "r3", "r4"});
  EXPECT_EQ(*feed_->Cursor("molina"), 0u);
  EXPECT_EQ(*feed_->Ack("molina", 0, {}, kFeedBaseMicros), 0u);  // Nothing to do.
  EXPECT_EQ(*feed_->Ack("molina", 2, {}, kFeedBaseMicros), 2u);
  EXPECT_EQ(*feed_->Ack("molina", 1, {}, kFeedBaseMicros), 2u);  // Below: a no-op.
  EXPECT_EQ(*feed_->Cursor("molina"), 2u);
  EXPECT_EQ(*feed_->Ack("molina", 4, {}, kFeedBaseMicros), 4u);
  EXPECT_EQ(*feed_->Cursor("chg"), 0u);  // Per plan.
}

TEST_F(FeedStoreTest, AckBeyondHeadIsOutOfRangeAndWritesNothing) {
  AppendCommitted("molina", {"r1", "r2"});
  absl::StatusOr<uint64_t> ack = feed_->Ack("molina", 3, {}, kFeedBaseMicros);
  EXPECT_TRUE(absl::IsOutOfRange(ack.status())) << ack.status();
  EXPECT_EQ(*feed_->Cursor("molina"), 0u);
  // An uncommitted append does not count as part of the feed.
  WriteBatch pending;
  hub::v1::FeedItem item =
      MakeItem("r3", "alpha_cbo", hub::v1::RECORD_KIND_SERVICE, kFeedBaseMicros);
  ASSERT_OK(feed_->AppendItem(pending, "molina", item, "key-r3").status());
  EXPECT_TRUE(absl::IsOutOfRange(feed_->Ack("molina", 3, {}, kFeedBaseMicros).status()));
  feed_->AbortAppends();
  EXPECT_TRUE(absl::IsOutOfRange(feed_->Ack("chg", 1, {}, kFeedBaseMicros).status()));
}

TEST_F(FeedStoreTest, BadRejectionsAreInvalidArgumentAndWriteNothing) {
  AppendCommitted("molina", {"r1", "r2", "r3"});
  const std::vector<std::vector<hub::v1::ItemRejection>> bad = {
      {Rejection(3, "r3")},                     // Beyond through_sequence 2.
      {Rejection(0, "r1")},                     // Sequence 0.
      {Rejection(1, "r2")},                     // Record id of another item.
      {Rejection(1, "r1"), Rejection(2, "x")},  // One bad among good ones.
      {Rejection(1, "r1", "")},                 // No reason code.
  };
  for (const auto& rejections : bad) {
    absl::StatusOr<uint64_t> ack = feed_->Ack("molina", 2, rejections, kFeedBaseMicros);
    EXPECT_TRUE(absl::IsInvalidArgument(ack.status())) << ack.status();
  }
  EXPECT_EQ(*feed_->Cursor("molina"), 0u);
  // None of the valid rejections in the refused calls was recorded.
  ASSERT_OK(feed_->Ack("molina", 3, {}, kFeedBaseMicros).status());
  ASSERT_OK_AND_ASSIGN(
      auto page, feed_->ListFeedback("alpha_cbo", hub::v1::FEEDBACK_STATUS_UNSPECIFIED, "", 10));
  ASSERT_EQ(page.first.size(), 3u);
  for (const auto& item : page.first) {
    EXPECT_EQ(item.status(), hub::v1::FEEDBACK_STATUS_ACCEPTED_BY_PLAN) << item.record_id();
    EXPECT_TRUE(item.reason_code().empty());
  }
}

TEST_F(FeedStoreTest, FeedbackStatusesFollowTheCursorAndRejections) {
  AppendCommitted("molina", {"r1", "r2", "r3"}, "alpha_cbo", hub::v1::RECORD_KIND_SERVICE);
  AppendCommitted("chg", {"r4"}, "alpha_cbo", hub::v1::RECORD_KIND_CARE_PLAN);
  AppendCommitted("molina", {"b1"}, "bravo_housing");
  ASSERT_OK(feed_->Ack("molina", 2, {Rejection(2, "r2")}, kFeedBaseMicros + 5000).status());

  ASSERT_OK_AND_ASSIGN(
      auto page, feed_->ListFeedback("alpha_cbo", hub::v1::FEEDBACK_STATUS_UNSPECIFIED, "", 10));
  EXPECT_TRUE(page.second.empty());
  ASSERT_EQ(page.first.size(), 4u);
  // Newest first.
  EXPECT_EQ(page.first[0].record_id(), "r4");
  EXPECT_EQ(page.first[0].plan_id(), "chg");
  EXPECT_EQ(page.first[0].kind(), hub::v1::RECORD_KIND_CARE_PLAN);
  EXPECT_EQ(page.first[0].status(), hub::v1::FEEDBACK_STATUS_DELIVERED_PENDING);
  EXPECT_FALSE(page.first[0].has_ack_time());
  EXPECT_EQ(page.first[1].record_id(), "r3");
  EXPECT_EQ(page.first[1].status(), hub::v1::FEEDBACK_STATUS_DELIVERED_PENDING);
  EXPECT_EQ(page.first[2].record_id(), "r2");
  EXPECT_EQ(page.first[2].status(), hub::v1::FEEDBACK_STATUS_REJECTED_BY_PLAN);
  EXPECT_EQ(page.first[2].reason_code(), "PLAN_MEMBER_NOT_ELIGIBLE");
  EXPECT_EQ(page.first[2].message(),
            "The member was not eligible on the service date; check coverage.");
  EXPECT_EQ(page.first[3].record_id(), "r1");
  EXPECT_EQ(page.first[3].idempotency_key(), "key-r1");
  EXPECT_EQ(page.first[3].status(), hub::v1::FEEDBACK_STATUS_ACCEPTED_BY_PLAN);
  EXPECT_TRUE(page.first[3].reason_code().empty());
  EXPECT_EQ(page.first[3].accept_time().seconds(), kFeedBaseMicros / 1000000);
  EXPECT_EQ(page.first[3].ack_time().seconds(), (kFeedBaseMicros + 5000) / 1000000);
  EXPECT_EQ(page.first[3].ack_time().nanos(), 5000 * 1000);

  // Status is computed at read time: a later ack turns pending into accepted.
  ASSERT_OK(feed_->Ack("molina", 4, {}, kFeedBaseMicros + 9000).status());
  ASSERT_OK_AND_ASSIGN(
      auto accepted,
      feed_->ListFeedback("alpha_cbo", hub::v1::FEEDBACK_STATUS_ACCEPTED_BY_PLAN, "", 10));
  ASSERT_EQ(accepted.first.size(), 2u);
  EXPECT_EQ(accepted.first[0].record_id(), "r3");
  EXPECT_EQ(accepted.first[0].ack_time().nanos(), 9000 * 1000);
  EXPECT_EQ(accepted.first[1].record_id(), "r1");
  ASSERT_OK_AND_ASSIGN(
      auto rejected,
      feed_->ListFeedback("alpha_cbo", hub::v1::FEEDBACK_STATUS_REJECTED_BY_PLAN, "", 10));
  ASSERT_EQ(rejected.first.size(), 1u);
  EXPECT_EQ(rejected.first[0].record_id(), "r2");
  // Other providers' records are not listed.
  ASSERT_OK_AND_ASSIGN(
      auto bravo,
      feed_->ListFeedback("bravo_housing", hub::v1::FEEDBACK_STATUS_UNSPECIFIED, "", 10));
  ASSERT_EQ(bravo.first.size(), 1u);
  EXPECT_EQ(bravo.first[0].record_id(), "b1");
  EXPECT_EQ(bravo.first[0].status(), hub::v1::FEEDBACK_STATUS_ACCEPTED_BY_PLAN);

  // A rejection after the ack is still recorded; the cursor stays.
  EXPECT_EQ(*feed_->Ack("molina", 1, {Rejection(1, "r1", "PLAN_DUPLICATE")}, kFeedBaseMicros), 4u);
  ASSERT_OK_AND_ASSIGN(
      auto later,
      feed_->ListFeedback("alpha_cbo", hub::v1::FEEDBACK_STATUS_REJECTED_BY_PLAN, "", 10));
  ASSERT_EQ(later.first.size(), 2u);
  EXPECT_EQ(later.first[1].record_id(), "r1");
  EXPECT_EQ(later.first[1].reason_code(), "PLAN_DUPLICATE");
}

TEST_F(FeedStoreTest, FeedbackPagesNewestFirstWithTokens) {
  std::vector<std::string> ids;
  for (int i = 0; i < 23; ++i) ids.push_back(absl::StrCat("rec", 100 + i));
  AppendCommitted("molina", ids);
  std::vector<std::string> listed;
  std::string token;
  int pages = 0;
  do {
    ASSERT_OK_AND_ASSIGN(
        auto page,
        feed_->ListFeedback("alpha_cbo", hub::v1::FEEDBACK_STATUS_UNSPECIFIED, token, 5));
    ++pages;
    for (const auto& item : page.first) listed.push_back(item.record_id());
    token = page.second;
  } while (!token.empty() && pages < 100);
  EXPECT_EQ(pages, 5);
  ASSERT_EQ(listed.size(), 23u);
  for (int i = 0; i < 23; ++i) EXPECT_EQ(listed[i], absl::StrCat("rec", 122 - i));
  EXPECT_TRUE(absl::IsInvalidArgument(
      feed_->ListFeedback("alpha_cbo", hub::v1::FEEDBACK_STATUS_UNSPECIFIED, "junk", 5).status()));
}

}  // namespace
}  // namespace hub::storage
