// Retention of acknowledged feed items through a running hub
// (storage/retention.h, hub/server/retention_runner.h): items a plan
// acknowledged longer ago than the feed window (400 days) go at the hub's
// purge; an export of their month is refused FAILED_PRECONDITION, never
// rendered in part; the purge is counted in /metrics and audited, and the
// audit chain verifies.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/v1/plan_service.grpc.pb.h"
#include "storage/feed_store.h"
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

}  // namespace
}  // namespace hub::testing
