// Retention of acknowledged feed items and of the monitor's records
// (storage/retention.h, storage/feed_purge.cc) with a fake clock: what a
// plan acknowledged before the window goes, with its derived entries;
// nothing unacknowledged goes; every reader honours the plan's mark; a
// month that lost items is refused whole; a member's latest status stays.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/audit_store.h"
#include "storage/consent_store.h"
#include "storage/feed_store.h"
#include "storage/internal.h"  // White-box: counts what the column families hold.
#include "storage/monitor_store.h"
#include "storage/retention.h"
#include "tests/storage/storage_test_util.h"

namespace hub::storage {
namespace {

using test_util::OptionsFor;
using test_util::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

const absl::Time kDay0 = absl::FromUnixSeconds(1780000000);
absl::Time Day(int d) { return kDay0 + absl::Hours(24 * d); }
int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }

hub::v1::FeedItem Service(const std::string& id, const std::string& date, absl::Time accept) {
  hub::v1::FeedItem item;
  item.set_record_id(id);
  item.set_provider_id("alpha_cbo");
  item.set_kind(hub::v1::RECORD_KIND_SERVICE);
  item.mutable_accept_time()->set_seconds(absl::ToUnixSeconds(accept));
  hub::v1::ServiceRecord* s = item.mutable_submission()->mutable_service();
  s->set_cin("91000001A");
  s->set_service_date(date);
  s->set_authorization_number("AUTH1");
  return item;
}

hub::v1::FeedItem Status(const std::string& id, const std::string& cin, const std::string& date,
                         absl::Time accept) {
  hub::v1::FeedItem item;
  item.set_record_id(id);
  item.set_provider_id("alpha_cbo");
  item.set_kind(hub::v1::RECORD_KIND_ENROLLMENT_STATUS);
  item.mutable_accept_time()->set_seconds(absl::ToUnixSeconds(accept));
  hub::v1::EnrollmentStatusUpdate* e = item.mutable_submission()->mutable_enrollment_status();
  e->set_cin(cin);
  e->set_as_of_date(date);
  return item;
}

class FeedPurgeTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    ASSERT_OK_AND_ASSIGN(store_, Store::Open(OptionsFor(dir_.path())));
    ASSERT_OK_AND_ASSIGN(audit_, AuditStore::Open(store_.get()));
    feed_ = std::make_unique<FeedStore>(store_.get());
  }
  void Reopen() {
    feed_.reset();
    audit_.reset();
    ASSERT_OK(store_->Close());
    store_.reset();
    Open();
  }

  void Append(std::vector<hub::v1::FeedItem> items) {
    WriteBatch batch;
    for (hub::v1::FeedItem& item : items) {
      ASSERT_OK(feed_->AppendItem(batch, "molina", item, "key-" + item.record_id()).status());
    }
    ASSERT_OK(store_->Commit(batch, Durability::kSync));
    feed_->CommitAppends();
  }

  std::vector<std::string> ReadIds(uint64_t after) {
    std::vector<std::string> ids;
    absl::StatusOr<std::vector<hub::v1::FeedItem>> items = feed_->ReadItems("molina", after, 100);
    EXPECT_TRUE(items.ok()) << items.status();
    for (const auto& item : items.value_or(std::vector<hub::v1::FeedItem>())) {
      ids.push_back(item.record_id());
    }
    return ids;
  }

  std::vector<std::string> ScanIds(absl::StatusOr<std::unique_ptr<FeedScan>> scan) {
    std::vector<std::string> ids;
    EXPECT_TRUE(scan.ok()) << scan.status();
    if (!scan.ok()) return ids;
    hub::v1::FeedItem item;
    while (true) {
      absl::StatusOr<bool> more = (*scan)->Next(item);
      EXPECT_TRUE(more.ok()) << more.status();
      if (!more.ok() || !*more) break;
      ids.push_back(item.record_id());
    }
    return ids;
  }

  std::vector<std::string> FeedbackIds() {
    std::vector<std::string> ids;
    auto page = feed_->ListFeedback("alpha_cbo", hub::v1::FEEDBACK_STATUS_UNSPECIFIED, "", 100);
    EXPECT_TRUE(page.ok()) << page.status();
    if (page.ok()) {
      for (const auto& item : page->first) ids.push_back(item.record_id());
    }
    return ids;
  }

  static RetentionPolicy FeedWindow(int days) {
    RetentionPolicy policy;
    policy.feed = absl::Hours(24 * days);
    // Idempotency results have their own window (90 days by default):
    // kept here, so CheckIndexes can compare every derived entry.
    policy.idempotency = absl::ZeroDuration();
    return policy;
  }

  int Keys(ColumnFamily family) {
    int n = 0;
    EXPECT_OK(internal::ForEachWithPrefix(internal::RepOf(*store_), family, "",
                                          [&](const rocksdb::Slice&, const rocksdb::Slice&) {
                                            ++n;
                                            return absl::OkStatus();
                                          }));
    return n;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<AuditStore> audit_;
  std::unique_ptr<FeedStore> feed_;
};

// Items 1-3: January services; 4-6: enrollment statuses (6 supersedes 4,
// 5 is member B's only one); 7-8: February services. Ack through 6 on
// day 1, through 7 on day 20; 8 is never acknowledged.
TEST_F(FeedPurgeTest, AcknowledgedItemsGoAfterTheWindowWithTheirIndexes) {
  Append({Service("s1", "2025-01-03", Day(0)), Service("s2", "2025-01-04", Day(0)),
          Service("s3", "2025-01-05", Day(0)), Status("e4", "91000001A", "2025-01-05", Day(0)),
          Status("e5", "91000002B", "2025-01-06", Day(0)),
          Status("e6", "91000001A", "2025-01-20", Day(0)), Service("s7", "2025-02-03", Day(0)),
          Service("s8", "2025-02-04", Day(0))});
  ASSERT_OK(feed_->Ack("molina", 6, {}, Micros(Day(1))).status());
  ASSERT_OK(feed_->Ack("molina", 7, {}, Micros(Day(20))).status());
  // Part 2 items withheld from the plan: a purged one and a kept status.
  ConsentStore consents(store_.get());
  ASSERT_OK(consents.MarkHeld("molina", 2, "s2"));
  ASSERT_OK(consents.MarkHeld("molina", 5, "e5"));

  // Day 15, window 10 days: what was acknowledged by day 5 goes.
  ASSERT_OK_AND_ASSIGN(PurgeCounts counts, PurgeExpired(*store_, *audit_, FeedWindow(10), Day(15)));
  EXPECT_EQ(counts.feed_items, 4);        // s1-s3 and e4 (superseded by e6).
  EXPECT_EQ(counts.feed_status_kept, 2);  // e5 and e6: each member's latest.
  // Gone from disk, not only hidden: the items by range delete, their
  // derived entries by the purge's compaction.
  EXPECT_EQ(Keys(ColumnFamily::kFeedItems), 4);        // e5 e6 s7 s8
  EXPECT_EQ(Keys(ColumnFamily::kRecords), 2);          // s7 s8
  EXPECT_EQ(Keys(ColumnFamily::kProviderRecords), 2);  // s7 s8
  EXPECT_EQ(Keys(ColumnFamily::kFeedIndex), 4);        // e5 e6 (member) s7 s8 (month)
  // The purged item's withheld mark went; the kept status stays withheld.
  ASSERT_OK_AND_ASSIGN(const bool s2_held, consents.IsHeld("molina", 2));
  ASSERT_OK_AND_ASSIGN(const bool e5_held, consents.IsHeld("molina", 5));
  EXPECT_FALSE(s2_held);
  EXPECT_TRUE(e5_held);

  // PullFeed's read starts after the mark; nothing unacknowledged went.
  EXPECT_THAT(ReadIds(0), ElementsAre("s7", "s8"));
  EXPECT_THAT(ReadIds(7), ElementsAre("s8"));
  // A month that lost items is refused whole, the next one is served.
  absl::StatusOr<std::unique_ptr<FeedScan>> january =
      feed_->ScanMonth("molina", hub::v1::RECORD_KIND_SERVICE, "2025-01");
  ASSERT_TRUE(absl::IsFailedPrecondition(january.status())) << january.status();
  EXPECT_THAT(january.status().message(), HasSubstr("purged under retention"));
  EXPECT_THAT(ScanIds(feed_->ScanMonth("molina", hub::v1::RECORD_KIND_SERVICE, "2025-02")),
              ElementsAre("s7", "s8"));
  // Each member's latest status is still there for the monthly RTF; an RTF
  // as of a day whose status went is refused.
  EXPECT_THAT(ScanIds(feed_->ScanLatestMemberStatus("molina", "2025-02-28")),
              ElementsAre("e6", "e5"));
  EXPECT_TRUE(
      absl::IsFailedPrecondition(feed_->ScanLatestMemberStatus("molina", "2025-01-10").status()));
  // The provider's listing no longer shows the purged records.
  EXPECT_THAT(FeedbackIds(), UnorderedElementsAre("s7", "s8"));
  // A late rejection of a purged item is refused clearly.
  hub::v1::ItemRejection late;
  late.set_sequence(2);
  late.set_record_id("s2");
  late.set_reason_code("PLAN_MEMBER_NOT_ELIGIBLE");
  EXPECT_TRUE(
      absl::IsFailedPrecondition(feed_->Ack("molina", 7, {late}, Micros(Day(15))).status()));
  // The derived indexes agree with what is left, and the run is audited.
  ASSERT_OK_AND_ASSIGN(FeedIndexCheck check, feed_->CheckIndexes());
  EXPECT_TRUE(check.consistent()) << check.missing << " " << check.differing << " " << check.extra;
  EXPECT_EQ(check.items, 2);
  std::string detail;
  ASSERT_OK(audit_->Scan(0, [&](const hub::v1::AuditRecord& r) {
    detail = r.detail();
    return true;
  }));
  EXPECT_THAT(detail, HasSubstr("feed 4 items (2 member statuses kept as the latest)"));

  // The mark is durable.
  Reopen();
  EXPECT_THAT(ReadIds(0), ElementsAre("s7", "s8"));
  EXPECT_THAT(FeedbackIds(), UnorderedElementsAre("s7", "s8"));
  EXPECT_TRUE(absl::IsFailedPrecondition(
      feed_->ScanMonth("molina", hub::v1::RECORD_KIND_SERVICE, "2025-01").status()));

  // Day 40: s7 (acknowledged day 20) goes now, s8 never: the plan never
  // acknowledged it.
  ASSERT_OK_AND_ASSIGN(counts, PurgeExpired(*store_, *audit_, FeedWindow(10), Day(40)));
  EXPECT_EQ(counts.feed_items, 1);
  EXPECT_THAT(ReadIds(0), ElementsAre("s8"));
  EXPECT_THAT(FeedbackIds(), ElementsAre("s8"));
  ASSERT_OK_AND_ASSIGN(counts, PurgeExpired(*store_, *audit_, FeedWindow(10), Day(400)));
  EXPECT_EQ(counts.feed_items, 0);
  EXPECT_THAT(ReadIds(0), ElementsAre("s8"));
  ASSERT_OK_AND_ASSIGN(check, feed_->CheckIndexes());
  EXPECT_TRUE(check.consistent()) << check.missing << " " << check.differing << " " << check.extra;
}

TEST_F(FeedPurgeTest, ASupersededKeptStatusGoesWhenItsSuccessorIsPurged) {
  Append({Status("e1", "91000001A", "2025-01-05", Day(0))});
  ASSERT_OK(feed_->Ack("molina", 1, {}, Micros(Day(1))).status());
  ASSERT_OK_AND_ASSIGN(PurgeCounts counts, PurgeExpired(*store_, *audit_, FeedWindow(10), Day(15)));
  EXPECT_EQ(counts.feed_items, 0);
  EXPECT_EQ(counts.feed_status_kept, 1);
  Append({Status("e2", "91000001A", "2025-03-01", Day(20))});
  ASSERT_OK(feed_->Ack("molina", 2, {}, Micros(Day(21))).status());
  ASSERT_OK_AND_ASSIGN(counts, PurgeExpired(*store_, *audit_, FeedWindow(10), Day(40)));
  EXPECT_EQ(counts.feed_items, 1);  // e1, kept until now.
  EXPECT_EQ(counts.feed_status_kept, 1);
  EXPECT_THAT(ScanIds(feed_->ScanLatestMemberStatus("molina", "2025-03-31")), ElementsAre("e2"));
  EXPECT_TRUE(
      absl::IsFailedPrecondition(feed_->ScanLatestMemberStatus("molina", "2025-02-28").status()));
  ASSERT_OK_AND_ASSIGN(FeedIndexCheck check, feed_->CheckIndexes());
  EXPECT_TRUE(check.consistent()) << check.missing << " " << check.differing << " " << check.extra;
}

TEST_F(FeedPurgeTest, MonitorRecordsOutsideTheirWindowGo) {
  MonitorStore monitor(store_.get());
  Append({Service("old", "2025-01-03", Day(0)), Service("new", "2025-05-03", Day(100))});
  WriteBatch batch;
  monitor.AddRejection(batch, Micros(Day(0)), "alpha_cbo", "r1", 3, "UNKNOWN_MEMBER");
  monitor.AddRejection(batch, Micros(Day(100)), "alpha_cbo", "r2", 3, "UNKNOWN_MEMBER");
  ASSERT_OK(store_->Commit(batch, Durability::kSync));
  auto count = [&](int day) -> int64_t {
    absl::StatusOr<FlowTallies> t =
        monitor.TallyFlows(Micros(Day(day)), Micros(Day(day + 1)), 86400, 1);
    EXPECT_TRUE(t.ok()) << t.status();
    int64_t n = 0;
    if (t.ok()) {
      for (const auto& [key, group] : t->groups) n += group.count;
    }
    return n;
  };
  EXPECT_EQ(count(0), 2);  // One accepted record, one rejected submission.
  RetentionPolicy policy;
  policy.monitoring = absl::Hours(24 * 50);
  ASSERT_OK_AND_ASSIGN(PurgeCounts counts, PurgeExpired(*store_, *audit_, policy, Day(101)));
  EXPECT_GT(counts.monitor_records, 0);
  EXPECT_EQ(count(0), 0);
  EXPECT_EQ(count(100), 2);
  ASSERT_OK_AND_ASSIGN(counts, PurgeExpired(*store_, *audit_, policy, Day(101)));
  EXPECT_EQ(counts.monitor_records, 0);
}

}  // namespace
}  // namespace hub::storage
