// Parked records over mutual TLS, with the real access policy: an export's
// unrenderable records are parked once each (however often the month is
// exported); plans and providers cannot reach the county's list; the
// county analyst sees ids and reason codes only and cannot rerun or
// discard; the administrator sees the stored record, reruns it (refused
// while it still cannot be rendered) and discards it with a reason, which
// the audit log keeps while its chain still verifies.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/v1/admin_service.grpc.pb.h"
#include "hub/v1/audit.grpc.pb.h"
#include "hub/v1/plan_service.grpc.pb.h"
#include "tests/hub/feed_test_util.h"
#include "tests/hub/hub_test_util.h"
#include "tests/hub/tls_test_util.h"

namespace hub::testing {
namespace {

using ::testing::HasSubstr;

template <typename Call>
grpc::Status WithDeadline(Call&& call) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return call(context);
}

class ParkedRecordsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki_ = new TestPki(MakeTestPki()); }
  static void TearDownTestSuite() { delete pki_; }

  void SetUp() override {
    const std::string root = MakeTempDir();
    ASSERT_TRUE(SeedFeedMembers(root + "/data", 3).ok());
    // Outreach attempts of members 0-2; 1 and 2 hold methods no contract
    // version defines.
    ASSERT_TRUE(AppendFeedItems(root + "/data", "molina", 3, [](int i, hub::v1::FeedItem& item) {
                  item.set_record_id(absl::StrCat("rec_outreach_", i));
                  item.set_kind(hub::v1::RECORD_KIND_OUTREACH_ATTEMPT);
                  hub::v1::Submission s =
                      OutreachSubmission(absl::StrCat("outreach-", i), FeedCin(i), kMolinaDay);
                  if (i > 0) {
                    s.mutable_outreach_attempt()->set_method(
                        static_cast<hub::v1::OutreachMethod>(i == 1 ? 99 : -1));
                  }
                  *item.mutable_submission() = std::move(s);
                }).ok());
    hub_ = StartTlsTestHub(*pki_, SeedWithMolinaProfile(), root, nullptr);
    ASSERT_NE(hub_, nullptr);
  }

  std::unique_ptr<hub::v1::AdminService::Stub> Admin(std::string_view cert) {
    return hub::v1::AdminService::NewStub(hub_->Channel(*pki_, cert));
  }

  // Exports molina's OTF of the test month; returns the unrenderable count.
  int64_t ExportOtf() {
    auto plans = hub::v1::PlanService::NewStub(hub_->Channel(*pki_, "molina"));
    hub::v1::ExportFileRequest request;
    request.set_plan_id("molina");
    request.set_kind(hub::v1::FILE_KIND_OUTREACH_TRACKER);
    request.set_period("2025-06");
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    auto reader = plans->ExportFile(&context, request);
    hub::v1::ExportFileResponse response;
    int64_t unrenderable = -1;
    while (reader->Read(&response)) {
      if (response.has_header()) unrenderable = response.header().unrenderable_count();
    }
    EXPECT_TRUE(reader->Finish().ok());
    return unrenderable;
  }

  hub::v1::ListParkedRecordsResponse List(std::string_view cert, grpc::Status* status,
                                          hub::v1::ParkedState state = {}) {
    auto admin = Admin(cert);
    hub::v1::ListParkedRecordsRequest request;
    request.set_state(state);
    hub::v1::ListParkedRecordsResponse response;
    *status = WithDeadline(
        [&](grpc::ClientContext& c) { return admin->ListParkedRecords(&c, request, &response); });
    return response;
  }

  static TestPki* pki_;
  std::unique_ptr<TlsTestHub> hub_;
};
TestPki* ParkedRecordsTest::pki_ = nullptr;

TEST_F(ParkedRecordsTest, EachUnrenderableRecordIsParkedOnceWithItsReason) {
  EXPECT_EQ(ExportOtf(), 2);
  EXPECT_EQ(ExportOtf(), 2);  // The month again: the same two parked records.
  grpc::Status status;
  const auto listed = List("admin", &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(listed.records_size(), 2);
  for (const hub::v1::ParkedRecord& r : listed.records()) {
    EXPECT_EQ(r.reason(), hub::v1::PARKED_REASON_UNRENDERABLE_RECORD);
    EXPECT_EQ(r.state(), hub::v1::PARKED_STATE_PARKED);
    EXPECT_EQ(r.plan_id(), "molina");
    EXPECT_EQ(r.file_kind(), hub::v1::FILE_KIND_OUTREACH_TRACKER);
    EXPECT_EQ(r.period(), "2025-06");
    EXPECT_EQ(r.field(), "outreach_attempt.method");
    EXPECT_EQ(r.occurrences(), 2);
    EXPECT_THAT(r.record_id(), ::testing::AnyOf("rec_outreach_1", "rec_outreach_2"));
  }
}

TEST_F(ParkedRecordsTest, PlansAndProvidersCannotSeeTheCountysList) {
  ASSERT_EQ(ExportOtf(), 2);
  for (const char* cert : {"molina", "alpha_cbo"}) {
    grpc::Status status;
    const auto listed = List(cert, &status);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << cert;
    EXPECT_EQ(listed.records_size(), 0);
    auto stub = Admin(cert);
    hub::v1::GetParkedRecordRequest get;
    get.set_parked_id("pk_0000000000000000");
    hub::v1::GetParkedRecordResponse got;
    EXPECT_EQ(WithDeadline([&](grpc::ClientContext& c) {
                return stub->GetParkedRecord(&c, get, &got);
              }).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << cert;
  }
}

TEST_F(ParkedRecordsTest, TheAnalystSeesIdsAndReasonCodesOnly) {
  ASSERT_EQ(ExportOtf(), 2);
  grpc::Status status;
  const auto listed = List("analyst", &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(listed.records_size(), 2);
  auto analyst = Admin("analyst");
  hub::v1::GetParkedRecordRequest get;
  get.set_parked_id(listed.records(0).parked_id());
  hub::v1::GetParkedRecordResponse got;
  ASSERT_TRUE(WithDeadline([&](grpc::ClientContext& c) {
                return analyst->GetParkedRecord(&c, get, &got);
              }).ok());
  EXPECT_FALSE(got.record().has_record());
  EXPECT_EQ(got.record().reason(), hub::v1::PARKED_REASON_UNRENDERABLE_RECORD);
  // No member's data anywhere in what the analyst receives.
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(got.DebugString(), ::testing::Not(HasSubstr(FeedCin(i))));
    EXPECT_THAT(listed.DebugString(), ::testing::Not(HasSubstr(FeedCin(i))));
  }
  hub::v1::RerunParkedRecordRequest rerun;
  rerun.set_parked_id(get.parked_id());
  hub::v1::RerunParkedRecordResponse reran;
  EXPECT_EQ(WithDeadline([&](grpc::ClientContext& c) {
              return analyst->RerunParkedRecord(&c, rerun, &reran);
            }).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  hub::v1::DiscardParkedRecordRequest discard;
  discard.set_parked_id(get.parked_id());
  discard.set_reason("analyst tries");
  hub::v1::DiscardParkedRecordResponse discarded;
  EXPECT_EQ(WithDeadline([&](grpc::ClientContext& c) {
              return analyst->DiscardParkedRecord(&c, discard, &discarded);
            }).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // The administrator's view holds the stored record.
  auto admin = Admin("admin");
  ASSERT_TRUE(WithDeadline([&](grpc::ClientContext& c) {
                return admin->GetParkedRecord(&c, get, &got);
              }).ok());
  ASSERT_TRUE(got.record().has_record());
  EXPECT_EQ(got.record().record().record_id(), got.record().record_id());
}

TEST_F(ParkedRecordsTest, TheAdministratorRerunsAndDiscardsAndTheAuditLogKeepsIt) {
  ASSERT_EQ(ExportOtf(), 2);
  grpc::Status status;
  const auto listed = List("admin", &status);
  ASSERT_EQ(listed.records_size(), 2);
  const std::string id = listed.records(0).parked_id();
  auto admin = Admin("admin");
  hub::v1::RerunParkedRecordRequest rerun;
  rerun.set_parked_id(id);
  hub::v1::RerunParkedRecordResponse reran;
  grpc::Status rerun_status = WithDeadline(
      [&](grpc::ClientContext& c) { return admin->RerunParkedRecord(&c, rerun, &reran); });
  EXPECT_EQ(rerun_status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(rerun_status.error_message(), HasSubstr("still cannot be rendered"));

  hub::v1::DiscardParkedRecordRequest discard;
  discard.set_parked_id(id);
  hub::v1::DiscardParkedRecordResponse discarded;
  EXPECT_EQ(WithDeadline([&](grpc::ClientContext& c) {
              return admin->DiscardParkedRecord(&c, discard, &discarded);
            }).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);  // A reason is required.
  discard.set_reason("provider resubmitted with a valid method");
  ASSERT_TRUE(WithDeadline([&](grpc::ClientContext& c) {
                return admin->DiscardParkedRecord(&c, discard, &discarded);
              }).ok());
  EXPECT_EQ(discarded.record().state(), hub::v1::PARKED_STATE_DISCARDED);
  EXPECT_EQ(discarded.record().state_by(), "county:admin");
  EXPECT_EQ(discarded.record().rerun_attempts(), 1);
  // Nothing runs twice: neither a rerun nor a discard of a discarded record.
  EXPECT_EQ(WithDeadline([&](grpc::ClientContext& c) {
              return admin->RerunParkedRecord(&c, rerun, &reran);
            }).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(WithDeadline([&](grpc::ClientContext& c) {
              return admin->DiscardParkedRecord(&c, discard, &discarded);
            }).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  // The next export meets it again: it stays discarded, one stays open.
  ASSERT_EQ(ExportOtf(), 2);
  EXPECT_EQ(List("admin", &status).records_size(), 1);
  EXPECT_EQ(List("admin", &status, hub::v1::PARKED_STATE_DISCARDED).records_size(), 1);

  auto audit = hub::v1::AuditService::NewStub(hub_->Channel(*pki_, "admin"));
  hub::v1::QueryAuditRequest query;
  query.set_organization("county:admin");
  query.set_page_size(1000);
  hub::v1::QueryAuditResponse records;
  ASSERT_TRUE(WithDeadline([&](grpc::ClientContext& c) {
                return audit->QueryAudit(&c, query, &records);
              }).ok());
  int discards = 0;
  for (const hub::v1::AuditRecord& r : records.records()) {
    if (r.method() == "/hub.v1.AdminService/DiscardParkedRecord" &&
        absl::StrContains(r.detail(), "provider resubmitted with a valid method")) {
      ++discards;
      EXPECT_THAT(r.record_ids(), ::testing::Contains(id));
    }
  }
  EXPECT_EQ(discards, 1);
  hub::v1::VerifyAuditResponse verified;
  ASSERT_TRUE(WithDeadline([&](grpc::ClientContext& c) {
                return audit->VerifyAudit(&c, {}, &verified);
              }).ok());
  EXPECT_TRUE(verified.ok()) << verified.reason();
}

}  // namespace
}  // namespace hub::testing
