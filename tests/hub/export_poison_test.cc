// Finding 1 of issue 15, the export side: a record stored with values
// outside the contract (accepted before the Submit boundary checked them,
// or restored from an old backup) used to kill hubd when its plan exported
// the month (segfault / bad_alloc), again after every restart. Each such
// record is now parked: left out of the file and named in the answer, and
// the rest of the month's file is rendered.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/v1/plan_service.grpc.pb.h"
#include "tests/hub/feed_test_util.h"
#include "tests/hub/hub_test_util.h"
#include "tests/hub/raw_call_util.h"

namespace hub::testing {
namespace {

using ::testing::UnorderedElementsAre;

// The small seed with molina reading and rendering through its shipped
// profile.
class ExportPoisonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = MakeTempDir();
    const std::string data = root_ + "/data";
    ASSERT_TRUE(SeedFeedMembers(data, 4).ok());
    // Items 0-3: enrollment statuses of members 0-3, of which 1 and 3 carry
    // enum values no contract version defines, as a provider could send them
    // before. Items 4-6: outreach attempts of members 0-2, of which 1 and 2
    // have no such outreach method.
    ASSERT_TRUE(AppendFeedItems(data, "molina", 7, [](int i, hub::v1::FeedItem& item) {
                  if (i < 4) {
                    item.set_record_id(absl::StrCat("rec_status_", i));
                    item.set_kind(hub::v1::RECORD_KIND_ENROLLMENT_STATUS);
                    hub::v1::Submission& s = *item.mutable_submission();
                    s.set_idempotency_key(absl::StrCat("status-", i));
                    auto* e = s.mutable_enrollment_status();
                    e->set_cin(FeedCin(i));
                    e->set_as_of_date(kMolinaDay);
                    e->set_status(i % 2 == 1 ? static_cast<hub::v1::EnrollmentStatus>(99)
                                             : hub::v1::ENROLLMENT_STATUS_ENROLLED);
                    e->set_acuity(i % 2 == 1 ? static_cast<hub::v1::Acuity>(-5)
                                             : hub::v1::ACUITY_MEDIUM);
                    e->set_enrollment_start_date("2025-01-01");
                    return;
                  }
                  const int m = i - 4;
                  item.set_record_id(absl::StrCat("rec_outreach_", m));
                  item.set_kind(hub::v1::RECORD_KIND_OUTREACH_ATTEMPT);
                  hub::v1::Submission s =
                      OutreachSubmission(absl::StrCat("outreach-", m), FeedCin(m), kMolinaDay);
                  if (m > 0) {
                    s.mutable_outreach_attempt()->set_method(
                        static_cast<hub::v1::OutreachMethod>(m == 1 ? 99 : -1));
                  }
                  *item.mutable_submission() = std::move(s);
                }).ok());
    hub_ = StartTestHub(SeedWithMolinaProfile(), root_);
    ASSERT_NE(hub_, nullptr);
    plans_ = hub::v1::PlanService::NewStub(hub_->channel);
  }

  std::string root_;
  std::unique_ptr<TestHub> hub_;
  std::unique_ptr<hub::v1::PlanService::Stub> plans_;
};

TEST_F(ExportPoisonTest, PoisonedRecordsAreParkedAndTheMonthIsStillExported) {
  const testing::ExportedFile rtf =
      testing::ExportPlanFile(*plans_, "molina", hub::v1::FILE_KIND_RETURN_TRANSMISSION, "2025-06");
  ASSERT_TRUE(rtf.status.ok()) << rtf.status.error_message();
  // One row per assigned member (0-3); members 1 and 3 without their
  // poisoned statuses, which are parked: their rows come from the
  // assignment alone.
  EXPECT_EQ(rtf.header.record_count(), 4);
  EXPECT_EQ(rtf.header.unrenderable_count(), 2);
  EXPECT_THAT(rtf.header.unrenderable_record_ids(),
              UnorderedElementsAre("rec_status_1", "rec_status_3"));
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(absl::StrContains(rtf.bytes, FeedCin(i))) << i;

  const testing::ExportedFile otf =
      testing::ExportPlanFile(*plans_, "molina", hub::v1::FILE_KIND_OUTREACH_TRACKER, "2025-06");
  ASSERT_TRUE(otf.status.ok()) << otf.status.error_message();
  EXPECT_EQ(otf.header.record_count(), 1);
  EXPECT_THAT(otf.header.unrenderable_record_ids(),
              UnorderedElementsAre("rec_outreach_1", "rec_outreach_2"));
  // The hub is alive, and exporting again (as after a restart) parks the
  // same records again instead of dying.
  EXPECT_TRUE(IsServing(hub_->channel));
  const testing::ExportedFile again =
      testing::ExportPlanFile(*plans_, "molina", hub::v1::FILE_KIND_RETURN_TRANSMISSION, "2025-06");
  EXPECT_TRUE(again.status.ok());
  EXPECT_EQ(again.header.unrenderable_count(), 2);
}

}  // namespace
}  // namespace hub::testing
