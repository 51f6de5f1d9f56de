// The feed's export index (FeedStore::ScanMonth, ScanLatestMemberStatus,
// EnsureIndexed) and the plans' durable control numbers.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "storage/control_number_store.h"
#include "storage/feed_store.h"
#include "storage/internal.h"
#include "storage/store.h"
#include "tests/storage/storage_test_util.h"

namespace hub::storage {
namespace {

using test_util::OptionsFor;
using test_util::TempDir;

hub::v1::FeedItem Outreach(const std::string& id, const std::string& cin, const std::string& date) {
  hub::v1::FeedItem item;
  item.set_record_id(id);
  item.set_provider_id("alpha_cbo");
  item.set_kind(hub::v1::RECORD_KIND_OUTREACH_ATTEMPT);
  item.mutable_submission()->set_idempotency_key(id);
  auto* r = item.mutable_submission()->mutable_outreach_attempt();
  r->set_cin(cin);
  r->set_attempt_date(date);
  return item;
}

hub::v1::FeedItem Service(const std::string& id, const std::string& provider,
                          const std::string& cin, const std::string& date,
                          const std::string& auth = "") {
  hub::v1::FeedItem item;
  item.set_record_id(id);
  item.set_provider_id(provider);
  item.set_kind(hub::v1::RECORD_KIND_SERVICE);
  item.mutable_submission()->set_idempotency_key(id);
  auto* r = item.mutable_submission()->mutable_service();
  r->set_cin(cin);
  r->set_service_date(date);
  r->set_authorization_number(auth);
  return item;
}

hub::v1::FeedItem Status(const std::string& id, const std::string& cin, const std::string& date,
                         hub::v1::EnrollmentStatus status) {
  hub::v1::FeedItem item;
  item.set_record_id(id);
  item.set_provider_id("alpha_cbo");
  item.set_kind(hub::v1::RECORD_KIND_ENROLLMENT_STATUS);
  item.mutable_submission()->set_idempotency_key(id);
  auto* r = item.mutable_submission()->mutable_enrollment_status();
  r->set_cin(cin);
  r->set_as_of_date(date);
  r->set_status(status);
  return item;
}

hub::v1::FeedItem Referral(const std::string& id, const std::string& cin, const std::string& date) {
  hub::v1::FeedItem item;
  item.set_record_id(id);
  item.set_provider_id("alpha_cbo");
  item.set_kind(hub::v1::RECORD_KIND_REFERRAL_STATUS);
  item.mutable_submission()->set_idempotency_key(id);
  auto* r = item.mutable_submission()->mutable_referral_status();
  r->set_cin(cin);
  r->set_status_date(date);
  r->set_authorization_number("A-1");
  return item;
}

class FeedIndexTest : public ::testing::Test {
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

  void Append(const std::string& plan, std::vector<hub::v1::FeedItem> items) {
    WriteBatch batch;
    for (hub::v1::FeedItem& item : items) {
      ASSERT_OK(feed_->AppendItem(batch, plan, item, item.record_id()));
    }
    ASSERT_OK(store_->Commit(batch, Durability::kSync));
    feed_->CommitAppends();
  }

  static std::vector<std::string> Ids(FeedScan& scan) {
    std::vector<std::string> ids;
    hub::v1::FeedItem item;
    while (true) {
      absl::StatusOr<bool> more = scan.Next(item);
      EXPECT_TRUE(more.ok()) << more.status();
      if (!more.ok() || !*more) break;
      ids.push_back(item.record_id());
    }
    return ids;
  }

  std::vector<std::string> Month(const std::string& plan, hub::v1::RecordKind kind,
                                 const std::string& month) {
    absl::StatusOr<std::unique_ptr<FeedScan>> scan = feed_->ScanMonth(plan, kind, month);
    EXPECT_TRUE(scan.ok()) << scan.status();
    return scan.ok() ? Ids(**scan) : std::vector<std::string>{"<error>"};
  }

  std::vector<std::string> Latest(const std::string& plan, const std::string& through) {
    absl::StatusOr<std::unique_ptr<FeedScan>> scan = feed_->ScanLatestMemberStatus(plan, through);
    EXPECT_TRUE(scan.ok()) << scan.status();
    return scan.ok() ? Ids(**scan) : std::vector<std::string>{"<error>"};
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<FeedStore> feed_;
};

using IdList = std::vector<std::string>;

TEST_F(FeedIndexTest, MonthScanReturnsOnlyThePlansKindAndMonthInDateOrder) {
  Append("molina",
         {Outreach("o1", "10000001A", "2026-11-20"), Outreach("o2", "10000002B", "2026-11-03"),
          Outreach("o3", "10000001A", "2026-10-31"), Outreach("o4", "10000003C", "2026-12-01"),
          Service("s1", "alpha_cbo", "10000001A", "2026-11-05")});
  Append("chg", {Outreach("o5", "10000004D", "2026-11-04")});
  Append("molina", {Outreach("o6", "10000001A", "2026-11-03")});
  // By date, then sequence (o2 before o6 on the same day).
  EXPECT_EQ(Month("molina", hub::v1::RECORD_KIND_OUTREACH_ATTEMPT, "2026-11"),
            (IdList{"o2", "o6", "o1"}));
  EXPECT_EQ(Month("molina", hub::v1::RECORD_KIND_OUTREACH_ATTEMPT, "2026-10"), (IdList{"o3"}));
  EXPECT_EQ(Month("chg", hub::v1::RECORD_KIND_OUTREACH_ATTEMPT, "2026-11"), (IdList{"o5"}));
  EXPECT_EQ(Month("molina", hub::v1::RECORD_KIND_SERVICE, "2026-11"), (IdList{"s1"}));
  EXPECT_EQ(Month("molina", hub::v1::RECORD_KIND_INVOICE_LINE, "2026-11"), IdList{});
  EXPECT_EQ(Month("aetna", hub::v1::RECORD_KIND_OUTREACH_ATTEMPT, "2026-11"), IdList{});
  // A plan id that is a prefix of another sees nothing of the other's.
  Append("molina2", {Outreach("o7", "10000001A", "2026-11-01")});
  EXPECT_EQ(Month("molina", hub::v1::RECORD_KIND_OUTREACH_ATTEMPT, "2026-11"),
            (IdList{"o2", "o6", "o1"}));
}

TEST_F(FeedIndexTest, ServicesComeGroupedByProviderMemberDayAndAuthorization) {
  Append("molina", {Service("s1", "bravo", "10000002B", "2026-11-05"),
                    Service("s2", "alpha", "10000002B", "2026-11-05", "A-2"),
                    Service("s3", "alpha", "10000001A", "2026-11-09"),
                    Service("s4", "alpha", "10000002B", "2026-11-05"),
                    Service("s5", "alpha", "10000001A", "2026-11-02"),
                    Service("s6", "alpha", "10000002B", "2026-11-05", "A-2")});
  EXPECT_EQ(Month("molina", hub::v1::RECORD_KIND_SERVICE, "2026-11"),
            (IdList{"s5", "s3", "s4", "s2", "s6", "s1"}));
}

TEST_F(FeedIndexTest, LatestMemberStatusIsTheLastOnOrBeforeTheDatePerMemberAndKind) {
  Append("molina",
         {Status("e1", "10000001A", "2026-10-31", hub::v1::ENROLLMENT_STATUS_OUTREACH),
          Status("e2", "10000001A", "2026-11-20", hub::v1::ENROLLMENT_STATUS_ENROLLED),
          Status("e3", "10000001A", "2026-12-01", hub::v1::ENROLLMENT_STATUS_ENROLLED),
          Referral("r1", "10000001A", "2026-11-10"), Referral("r2", "10000001A", "2026-11-02"),
          Status("e4", "10000002B", "2026-12-05", hub::v1::ENROLLMENT_STATUS_ENROLLED),
          Referral("r3", "10000003C", "2026-09-01"),
          Status("e5", "10000003C", "2026-09-01", hub::v1::ENROLLMENT_STATUS_ENROLLED),
          Status("e6", "10000003C", "2026-09-01", hub::v1::ENROLLMENT_STATUS_ENROLLED)});
  Append("chg", {Status("e7", "10000001A", "2026-11-21", hub::v1::ENROLLMENT_STATUS_ENROLLED)});
  // Per member: enrollment first, then referral. Same day: the later
  // sequence wins (e6 over e5). 10000002B has nothing on or before the date.
  EXPECT_EQ(Latest("molina", "2026-11-30"), (IdList{"e2", "r1", "e6", "r3"}));
  EXPECT_EQ(Latest("molina", "2026-10-31"), (IdList{"e1", "e6", "r3"}));
  EXPECT_EQ(Latest("molina", "2026-08-31"), IdList{});
  EXPECT_EQ(Latest("molina", "2026-12-31"), (IdList{"e3", "r1", "e4", "e6", "r3"}));
  EXPECT_EQ(Latest("chg", "2026-11-30"), (IdList{"e7"}));
}

TEST_F(FeedIndexTest, BadArgumentsAreRefused) {
  EXPECT_TRUE(absl::IsInvalidArgument(
      feed_->ScanMonth("molina", hub::v1::RECORD_KIND_CARE_PLAN, "2026-11").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      feed_->ScanMonth("molina", hub::v1::RECORD_KIND_SERVICE, "2026-1").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(feed_->ScanLatestMemberStatus("molina", "2026-11").status()));
}

TEST_F(FeedIndexTest, ItemsWrittenBeforeTheIndexExistedAreIndexedOnFirstUse) {
  // As a feed written by an older hubd: items without index entries.
  {
    WriteBatch batch;
    hub::v1::FeedItem item = Outreach("old1", "10000001A", "2026-11-02");
    item.set_sequence(1);
    internal::Put(internal::RepOf(*store_), batch, ColumnFamily::kFeedItems,
                  internal::Key({"molina", internal::EncodeBigEndian64(1)}),
                  item.SerializeAsString());
    internal::Put(internal::RepOf(*store_), batch, ColumnFamily::kFeedHeads, "molina",
                  internal::EncodeFixed64(1));
    ASSERT_OK(store_->Commit(batch, Durability::kSync));
  }
  Reopen();
  Append("molina", {Outreach("new2", "10000001A", "2026-11-01")});
  EXPECT_EQ(Month("molina", hub::v1::RECORD_KIND_OUTREACH_ATTEMPT, "2026-11"),
            (IdList{"new2", "old1"}));
  // Recorded once: a reopened store does not index again, and still finds both.
  Reopen();
  std::string marker;
  ASSERT_OK_AND_ASSIGN(
      const bool built,
      internal::Get(internal::RepOf(*store_), ColumnFamily::kMeta, "feed_index_built", &marker));
  EXPECT_TRUE(built);
  EXPECT_EQ(Month("molina", hub::v1::RECORD_KIND_OUTREACH_ATTEMPT, "2026-11"),
            (IdList{"new2", "old1"}));
}

TEST_F(FeedIndexTest, AScanSeesTheStoreAsItWasWhenOpened) {
  Append("molina", {Outreach("o1", "10000001A", "2026-11-02")});
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<FeedScan> scan,
      feed_->ScanMonth("molina", hub::v1::RECORD_KIND_OUTREACH_ATTEMPT, "2026-11"));
  Append("molina", {Outreach("o2", "10000001A", "2026-11-01")});
  EXPECT_EQ(Ids(*scan), (IdList{"o1"}));
}

class ControlNumberTest : public ::testing::Test {
 protected:
  TempDir dir_;
};

TEST_F(ControlNumberTest, NumbersGrowPerPlanAndSurviveReopen) {
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(OptionsFor(dir_.path())));
    ControlNumberStore numbers(store.get());
    EXPECT_EQ(*numbers.Last("molina"), 0);
    EXPECT_EQ(*numbers.Next("molina"), 1);
    EXPECT_EQ(*numbers.Next("molina"), 2);
    EXPECT_EQ(*numbers.Next("chg"), 1);
    // A second object over the same store does not repeat a number.
    ControlNumberStore other(store.get());
    EXPECT_EQ(*other.Next("molina"), 3);
    EXPECT_TRUE(absl::IsInvalidArgument(numbers.Next("").status()));
    ASSERT_OK(store->Close());
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(OptionsFor(dir_.path())));
  ControlNumberStore numbers(store.get());
  EXPECT_EQ(*numbers.Last("molina"), 3);
  EXPECT_EQ(*numbers.Next("molina"), 4);
  EXPECT_EQ(*numbers.Next("chg"), 2);
  ASSERT_OK(store->Close());
}

}  // namespace
}  // namespace hub::storage
