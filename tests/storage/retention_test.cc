// storage/retention.h with a fake clock: what is older than its class's
// window is gone after a purge, what is inside it stays, each run leaves
// one audit record with its counts, and the audit chain still verifies.
#include "storage/retention.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "storage/audit_store.h"
#include "storage/feed_store.h"
#include "storage/ingest_store.h"
#include "storage/internal.h"  // White-box: tampers with a stored record.
#include "tests/storage/storage_test_util.h"

namespace hub::storage {
namespace {

using test_util::OptionsFor;
using test_util::TempDir;

const absl::Time kRetentionDay0 = absl::FromUnixSeconds(1780000000);
absl::Time RetentionDay(int d) { return kRetentionDay0 + absl::Hours(24 * d); }

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, Store::Open(OptionsFor(dir_.path())));
    ASSERT_OK_AND_ASSIGN(audit_, AuditStore::Open(store_.get()));
  }

  void AppendAudit(absl::Time time, const std::string& detail) {
    hub::v1::AuditRecord record;
    record.mutable_time()->set_seconds(absl::ToUnixSeconds(time));
    record.set_organization("plan:molina");
    record.set_method("/hub.v1.PlanService/PullFeed");
    record.set_detail(detail);
    ASSERT_OK(audit_->Append(record).status());
  }

  // Stores alpha_cbo's result for `key`: accepted at `time`, or rejected
  // and decided at `time` (absl::InfinitePast(): stored without a time, as
  // an older hub stored rejections).
  void PutResult(FeedStore& feed, const std::string& key, bool accepted, absl::Time time) {
    hub::v1::SubmissionResult result;
    result.set_idempotency_key(key);
    if (accepted) {
      result.mutable_accepted()->set_record_id(absl::StrCat("rec_", key));
      result.mutable_accepted()->mutable_accept_time()->set_seconds(absl::ToUnixSeconds(time));
    } else {
      result.mutable_rejected()->set_reason_code("UNKNOWN_MEMBER");
    }
    WriteBatch batch;
    feed.PutSubmissionResult(batch, "alpha_cbo", result, "fingerprint",
                             accepted ? absl::InfinitePast() : time);
    ASSERT_OK(store_->Commit(batch, Durability::kSync));
  }

  static RetentionPolicy Windows(int audit_days, int idempotency_days, int report_days) {
    RetentionPolicy policy;
    policy.audit_log = absl::Hours(24 * audit_days);
    policy.idempotency = absl::Hours(24 * idempotency_days);
    policy.ingest_reports = absl::Hours(24 * report_days);
    return policy;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<AuditStore> audit_;
};

TEST_F(RetentionTest, AuditRecordsOutsideTheWindowGoAndTheChainStillVerifies) {
  for (int d = 0; d < 10; ++d) AppendAudit(RetentionDay(d), absl::StrCat("day ", d));
  ASSERT_OK_AND_ASSIGN(PurgeCounts counts,
                       PurgeExpired(*store_, *audit_, Windows(5, 0, 0), RetentionDay(10)));
  EXPECT_EQ(counts.audit_records, 5);  // Days 0-4.
  std::vector<std::string> kept;
  ASSERT_OK(audit_->Scan(0, [&](const hub::v1::AuditRecord& r) {
    kept.push_back(r.detail());
    return true;
  }));
  ASSERT_EQ(kept.size(), 6u);  // Days 5-9 and the purge's own record.
  EXPECT_EQ(kept[0], "day 5");
  EXPECT_EQ(kept[5],
            "retention purge: audit_log 5 records (kept from sequence 6), idempotency 0 "
            "results, ingest_reports 0 reports, feed 0 items (0 member statuses kept as the "
            "latest), monitoring 0 records and 0 RTF rows, outreach 0 records, claims 0 "
            "lines, quality_reports 0 reports, parked 0 records");
  ASSERT_OK_AND_ASSIGN(AuditStore::Verification v, audit_->VerifyChain());
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.records_checked, 6);
  // A second run with nothing new to purge removes nothing, and the chain
  // goes on verifying across reopening the store.
  ASSERT_OK_AND_ASSIGN(counts, PurgeExpired(*store_, *audit_, Windows(5, 0, 0), RetentionDay(10)));
  EXPECT_EQ(counts.audit_records, 0);
  audit_.reset();
  ASSERT_OK(store_->Close());
  ASSERT_OK_AND_ASSIGN(store_, Store::Open(OptionsFor(dir_.path())));
  ASSERT_OK_AND_ASSIGN(audit_, AuditStore::Open(store_.get()));
  AppendAudit(RetentionDay(11), "after reopening");
  ASSERT_OK_AND_ASSIGN(v, audit_->VerifyChain());
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.records_checked, 8);
}

TEST_F(RetentionTest, ATamperedRecordIsStillFoundAfterAPurge) {
  for (int d = 0; d < 6; ++d) AppendAudit(RetentionDay(d), absl::StrCat("day ", d));
  ASSERT_OK(PurgeExpired(*store_, *audit_, Windows(3, 0, 0), RetentionDay(6)).status());
  // Change the first kept record's detail through the raw store.
  hub::v1::AuditRecord changed;
  ASSERT_OK(audit_->Scan(0, [&](const hub::v1::AuditRecord& r) {
    changed = r;
    return false;
  }));
  changed.set_detail("rewritten");
  WriteBatch batch;
  internal::Put(internal::RepOf(*store_), batch, ColumnFamily::kAudit,
                AuditStore::RecordKey(changed.sequence()), changed.SerializeAsString());
  ASSERT_OK(store_->Commit(batch, Durability::kSync));
  ASSERT_OK_AND_ASSIGN(AuditStore::Verification v, audit_->VerifyChain());
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_broken_sequence, changed.sequence());
}

// Accepted results age by their accept time, rejections by the time the hub
// stored with them; a rejection an older hub stored without a time stays.
TEST_F(RetentionTest, IdempotencyResultsOutsideTheWindowGo) {
  FeedStore feed(store_.get());
  for (bool accepted : {true, false}) {
    const std::string kind = accepted ? "accepted" : "rejected";
    PutResult(feed, kind + "-old", accepted, RetentionDay(0));
    PutResult(feed, kind + "-recent", accepted, RetentionDay(95));
  }
  PutResult(feed, "rejected-timeless", false, absl::InfinitePast());
  ASSERT_OK_AND_ASSIGN(PurgeCounts counts,
                       PurgeExpired(*store_, *audit_, Windows(0, 90, 0), RetentionDay(100)));
  EXPECT_EQ(counts.idempotency_results, 2);
  for (const std::string kind : {"accepted", "rejected"}) {
    SCOPED_TRACE(kind);
    ASSERT_OK_AND_ASSIGN(auto old, feed.GetSubmissionResult("alpha_cbo", kind + "-old"));
    EXPECT_FALSE(old.has_value());
    std::string fingerprint;
    ASSERT_OK_AND_ASSIGN(auto recent,
                         feed.GetSubmissionResult("alpha_cbo", kind + "-recent", &fingerprint));
    ASSERT_TRUE(recent.has_value());
    EXPECT_EQ(recent->has_accepted(), kind == "accepted");
    EXPECT_EQ(fingerprint, "fingerprint");
    // The stored time is the hub's own: a provider's replay never carries it.
    EXPECT_EQ(recent->GetReflection()->GetUnknownFields(*recent).field_count(), 0);
  }
  ASSERT_OK_AND_ASSIGN(auto timeless, feed.GetSubmissionResult("alpha_cbo", "rejected-timeless"));
  EXPECT_TRUE(timeless.has_value());
  // Past the recent ones' window too: they go as well, the timeless one stays.
  ASSERT_OK_AND_ASSIGN(counts,
                       PurgeExpired(*store_, *audit_, Windows(0, 90, 0), RetentionDay(190)));
  EXPECT_EQ(counts.idempotency_results, 2);
  ASSERT_OK_AND_ASSIGN(auto recent, feed.GetSubmissionResult("alpha_cbo", "rejected-recent"));
  EXPECT_FALSE(recent.has_value());
  ASSERT_OK_AND_ASSIGN(timeless, feed.GetSubmissionResult("alpha_cbo", "rejected-timeless"));
  EXPECT_TRUE(timeless.has_value());
}

TEST_F(RetentionTest, IngestReportsOutsideTheWindowGoWithTheirRowErrors) {
  IngestStore ingest(store_.get());
  auto put = [&](const std::string& id, absl::Time completed) {
    hub::v1::IngestReport report;
    report.set_report_id(id);
    report.set_plan_id("molina");
    report.mutable_complete_time()->set_seconds(absl::ToUnixSeconds(completed));
    std::vector<hub::v1::RowError> errors(3);
    for (int i = 0; i < 3; ++i) {
      errors[i].set_row_number(i + 2);
      errors[i].set_reason_code("ROW_INVALID_CIN");
    }
    WriteBatch batch;
    ingest.PutReport(batch, report);
    ingest.AddRowErrors(batch, id, 0, errors);
    ASSERT_OK(store_->Commit(batch, Durability::kSync));
  };
  put("molina-00000000000000aa", RetentionDay(0));
  put("molina-00000000000000ab", RetentionDay(450));
  ASSERT_OK_AND_ASSIGN(PurgeCounts counts,
                       PurgeExpired(*store_, *audit_, Windows(0, 0, 400), RetentionDay(460)));
  EXPECT_EQ(counts.ingest_reports, 1);
  EXPECT_EQ(ingest.GetReport("molina-00000000000000aa").status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(auto gone, ingest.ListRowErrors("molina-00000000000000aa", "", 10));
  EXPECT_TRUE(gone.errors.empty());
  ASSERT_OK_AND_ASSIGN(auto kept, ingest.ListRowErrors("molina-00000000000000ab", "", 10));
  EXPECT_EQ(kept.errors.size(), 3u);
  ASSERT_OK_AND_ASSIGN(auto listed, ingest.ListReports("molina", "", 10));
  ASSERT_EQ(listed.reports.size(), 1u);
  EXPECT_EQ(listed.reports[0].report_id(), "molina-00000000000000ab");
}

TEST_F(RetentionTest, UsagePerClassShrinksAfterAPurge) {
  const std::string filler(1000, 'x');
  for (int i = 0; i < 3000; ++i) AppendAudit(RetentionDay(0), filler);
  AppendAudit(RetentionDay(30), "recent");
  auto audit_usage = [&]() -> ClassUsage {
    absl::StatusOr<std::vector<ClassUsage>> usage = UsageByClass(*store_);
    EXPECT_TRUE(usage.ok());
    for (const ClassUsage& u : *usage) {
      if (u.data_class == "audit_log") return u;
    }
    return {};
  };
  const ClassUsage before = audit_usage();
  // Then in tables on disk, not only in the memtable.
  Store::Rep& rep = internal::RepOf(*store_);
  ASSERT_TRUE(rep.db->Flush(rocksdb::FlushOptions(), rep.cf(ColumnFamily::kAudit)).ok());
  const ClassUsage flushed = audit_usage();
  ASSERT_OK_AND_ASSIGN(PurgeCounts counts,
                       PurgeExpired(*store_, *audit_, Windows(10, 0, 0), RetentionDay(30)));
  EXPECT_EQ(counts.audit_records, 3000);
  const ClassUsage after = audit_usage();
  EXPECT_GT(before.live_bytes, 3000 * 1000);
  EXPECT_LT(after.live_bytes, before.live_bytes / 10)
      << "before " << before.live_bytes << " after " << after.live_bytes;
  EXPECT_GT(before.keys, 2900);
  EXPECT_LT(after.keys, 100);
  // The purge compacts: the tables shrink and no compaction is left owing.
  EXPECT_GT(flushed.disk_bytes, 0);
  EXPECT_LT(after.disk_bytes, flushed.disk_bytes)
      << "before " << flushed.disk_bytes << " after " << after.disk_bytes;
  EXPECT_EQ(after.compaction_pending_bytes, 0);
}

}  // namespace
}  // namespace hub::storage
