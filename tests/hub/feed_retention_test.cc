// Retention of acknowledged feed items through a running hub
// (storage/retention.h, hub/server/retention_runner.h): items a plan
// acknowledged longer ago than the feed window (400 days) go at the hub's
// purge; an export of their month is refused FAILED_PRECONDITION, never
// rendered in part; the purge is counted in /metrics and audited, and the
// audit chain verifies. Outreach attempts older than their window (464
// days) go at the same purge, counted under class "outreach"; so do old
// billing lines, quality reports and closed parked records (classes
// "claims", "quality_reports" and "parked"), an open parked record stays.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/v1/plan_service.grpc.pb.h"
#include "storage/care_store.h"
#include "storage/claim_store.h"
#include "storage/feed_store.h"
#include "storage/monitor_store.h"
#include "storage/parked_store.h"
#include "storage/quality_store.h"
#include "storage/store.h"
#include "tests/hub/feed_test_util.h"
#include "tests/hub/hub_test_util.h"

namespace hub::testing {
namespace {

using ::testing::HasSubstr;

grpc::Status ExportOtf(hub::v1::PlanService::Stub& plans, const std::string& period, int* records) {
  hub::v1::ExportFileRequest request;
  request.set_plan_id("molina");
  request.set_kind(hub::v1::FILE_KIND_OUTREACH_TRACKER);
  request.set_period(period);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  auto reader = plans.ExportFile(&context, request);
  hub::v1::ExportFileResponse response;
  while (reader->Read(&response)) {
    if (response.has_header()) *records = response.header().record_count();
  }
  return reader->Finish();
}

TEST(FeedRetentionTest, AMonthPurgedUnderRetentionIsRefusedNotExportedInPart) {
  const std::string root = MakeTempDir();
  const std::string data = root + "/data";
  ASSERT_TRUE(SeedFeedMembers(data, 4).ok());
  // Four outreach attempts of June 2025 in molina's feed.
  ASSERT_TRUE(AppendFeedItems(data, "molina", 4, [](int i, hub::v1::FeedItem& item) {
                item.set_record_id(absl::StrCat("rec_outreach_", i));
                item.set_kind(hub::v1::RECORD_KIND_OUTREACH_ATTEMPT);
                *item.mutable_submission() =
                    OutreachSubmission(absl::StrCat("outreach-", i), FeedCin(i), kMolinaDay);
              }).ok());
  // molina renders through its shipped profile.
  std::unique_ptr<TestHub> hub = StartTestHub(
      absl::StrReplaceAll(
          SmallSeedText(),
          {{"plan_id: \"molina\"\n", "plan_id: \"molina\"\n  adapter_profile: \"molina\"\n"}}),
      root, /*http=*/true);
  ASSERT_NE(hub, nullptr);
  auto plans = hub::v1::PlanService::NewStub(hub->channel);
  int records = -1;
  ASSERT_TRUE(ExportOtf(*plans, "2025-06", &records).ok());
  EXPECT_EQ(records, 4);

  // The plan acknowledged items 1-3 500 days before the hub's today; item
  // 4 later (yesterday).
  storage::FeedStore& feed = *hub->server->feed_store();
  ASSERT_TRUE(
      feed.Ack("molina", 3, {}, absl::ToUnixMicros(FixedTime() - absl::Hours(24 * 500))).ok());
  ASSERT_TRUE(feed.Ack("molina", 4, {}, absl::ToUnixMicros(FixedTime() - absl::Hours(24))).ok());
  absl::StatusOr<storage::PurgeCounts> counts = hub->server->retention()->PurgeNow();
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(counts->feed_items, 3);

  // June 2025 lost items: refused whole, with the reason.
  const grpc::Status refused = ExportOtf(*plans, "2025-06", &records);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(), HasSubstr("purged under retention"));
  // The unpurged item is still the plan's to read.
  absl::StatusOr<std::vector<hub::v1::FeedItem>> left = feed.ReadItems("molina", 0, 10);
  ASSERT_TRUE(left.ok()) << left.status();
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ(left->front().record_id(), "rec_outreach_3");

  const std::string metrics = HttpGetBody(hub->server->http_port(), "/metrics");
  EXPECT_THAT(metrics, HasSubstr("hub_retention_purged_total{class=\"feed\"} 3"));
  EXPECT_THAT(metrics, HasSubstr("hub_store_live_bytes{class=\"feed\"}"));
  auto chain = hub->server->audit_store()->VerifyChain();
  ASSERT_TRUE(chain.ok());
  EXPECT_TRUE(chain->ok) << chain->reason;
}

// Outreach attempts 500 days old go at the hub's purge (ECM outreach and
// the monitor's entry of a referral in progress); those 10 days old stay.
TEST(FeedRetentionTest, OutreachOutsideItsWindowGoesAtTheHubsPurgeAndIsCounted) {
  const std::string root = MakeTempDir();
  const std::string data = root + "/data";
  {
    storage::StoreOptions options;
    options.data_dir = data;
    absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    storage::CareStore care(store->get());
    storage::MonitorStore monitor(store->get());
    storage::WriteBatch batch;
    for (const int days_ago : {500, 10}) {
      const absl::Time when = FixedTime() - absl::Hours(24 * days_ago);
      const std::string date = absl::FormatTime("%Y-%m-%d", when, absl::UTCTimeZone());
      care.PutOutreachAttempt(batch, "alpha_cbo", "molina", FeedCin(1), "", date,
                              absl::StrCat("rec_ecm_", days_ago));
      monitor.AddOutreach(batch, "molina", "CS-1", absl::ToUnixMicros(when));
    }
    ASSERT_TRUE((*store)->Commit(batch, storage::Durability::kSync).ok());
    ASSERT_TRUE((*store)->Close().ok());
  }
  std::unique_ptr<TestHub> hub = StartTestHub(SmallSeedText(), root, /*http=*/true);
  ASSERT_NE(hub, nullptr);
  absl::StatusOr<storage::PurgeCounts> counts = hub->server->retention()->PurgeNow();
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(counts->outreach_records, 2);
  const std::string metrics = HttpGetBody(hub->server->http_port(), "/metrics");
  EXPECT_THAT(metrics, HasSubstr("hub_retention_purged_total{class=\"outreach\"} 2"));
  EXPECT_THAT(metrics, HasSubstr("hub_store_live_bytes{class=\"outreach\"}"));
  EXPECT_THAT(metrics, HasSubstr("hub_store_keys{class=\"outreach\"}"));
  bool audited = false;
  ASSERT_TRUE(hub->server->audit_store()
                  ->Scan(0,
                         [&](const hub::v1::AuditRecord& r) {
                           if (r.method() == "hub.retention/Purge") {
                             audited = r.detail().find("outreach 2 records") != std::string::npos;
                           }
                           return true;
                         })
                  .ok());
  EXPECT_TRUE(audited);
}

// A billing line of a month 500 days back (its record no longer in the
// feed), a quality report of that quarter and a parked record discarded
// then go at the hub's purge; a parked record left open as long stays.
TEST(FeedRetentionTest, ClaimsQualityAndClosedParkedRecordsGoAtTheHubsPurge) {
  const std::string root = MakeTempDir();
  const std::string data = root + "/data";
  const absl::Time old = FixedTime() - absl::Hours(24 * 500);
  std::string open_id;
  {
    storage::StoreOptions options;
    options.data_dir = data;
    absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    storage::WriteBatch batch;
    hub::v1::BillingStatus line;
    line.set_state(hub::v1::BILLING_STATE_BILLED);
    line.set_period(absl::FormatTime("%Y-%m", old, absl::UTCTimeZone()));
    storage::ClaimStore(store->get()).PutLine(batch, "molina", "rec_billed_old", line);
    hub::v1::QualityMeasureReport report;
    report.set_plan_id("molina");
    report.set_provider_id("alpha_cbo");
    report.set_measure_id("FUA");
    report.set_period(absl::FormatTime("%Y", old - absl::Hours(24 * 366), absl::UTCTimeZone()));
    storage::QualityStore(store->get()).Put(batch, report);
    ASSERT_TRUE((*store)->Commit(batch, storage::Durability::kSync).ok());
    auto parked = storage::ParkedStore::Open(store->get());
    ASSERT_TRUE(parked.ok()) << parked.status();
    for (const char* record_id : {"rec_discarded", "rec_open"}) {
      hub::v1::ParkedRecord r;
      r.set_reason(hub::v1::PARKED_REASON_UNRENDERABLE_RECORD);
      r.set_plan_id("molina");
      r.set_file_kind(hub::v1::FILE_KIND_CLAIMS_837P);
      r.set_record_id(record_id);
      absl::StatusOr<hub::v1::ParkedRecord> stored = (*parked)->Park(r, old);
      ASSERT_TRUE(stored.ok()) << stored.status();
      if (std::string(record_id) == "rec_open") {
        open_id = stored->parked_id();
      } else {
        ASSERT_TRUE((*parked)->Discard(stored->parked_id(), "admin", "duplicate", old).ok());
      }
    }
    parked->reset();
    ASSERT_TRUE((*store)->Close().ok());
  }
  std::unique_ptr<TestHub> hub = StartTestHub(SmallSeedText(), root, /*http=*/true);
  ASSERT_NE(hub, nullptr);
  absl::StatusOr<storage::PurgeCounts> counts = hub->server->retention()->PurgeNow();
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(counts->claim_lines, 1);
  EXPECT_EQ(counts->quality_reports, 1);
  EXPECT_EQ(counts->parked_records, 1);
  const std::string metrics = HttpGetBody(hub->server->http_port(), "/metrics");
  for (const char* c : {"claims", "quality_reports", "parked"}) {
    EXPECT_THAT(metrics,
                HasSubstr(absl::StrCat("hub_retention_purged_total{class=\"", c, "\"} 1")));
    EXPECT_THAT(metrics, HasSubstr(absl::StrCat("hub_store_live_bytes{class=\"", c, "\"}")));
    EXPECT_THAT(metrics, HasSubstr(absl::StrCat("hub_store_disk_bytes{class=\"", c, "\"}")));
    EXPECT_THAT(metrics, HasSubstr(absl::StrCat("hub_store_compaction_pending_bytes{class=\"",
                                                c, "\"}")));
  }
  std::string detail;
  ASSERT_TRUE(hub->server->audit_store()
                  ->Scan(0,
                         [&](const hub::v1::AuditRecord& r) {
                           if (r.method() == "hub.retention/Purge") detail = r.detail();
                           return true;
                         })
                  .ok());
  EXPECT_THAT(detail, HasSubstr("claims 1 lines, quality_reports 1 reports, parked 1 records"));
  absl::StatusOr<hub::v1::ParkedRecord> kept = hub->server->parked_store()->Get(open_id);
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->state(), hub::v1::PARKED_STATE_PARKED);
}

}  // namespace
}  // namespace hub::testing
