// The plans' side of billing, end to end on a generated county (issue 16):
// providers submit a day, each plan that bills by 837P exports its month,
// answers it with the generator's 999, 277CA and 835
// (generator/claim_answers.h) and uploads them; every billed line then
// carries the plan's decision in its provider's ListFeedback, the counts and
// paid amounts equal what the answers say, and uploading the answers again
// changes nothing.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "generator/claim_answers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/v1/plan_service.grpc.pb.h"
#include "hub/v1/provider_service.grpc.pb.h"
#include "tests/hub/county_test_util.h"
#include "tests/hub/hub_test_util.h"

namespace hub {
namespace {

using ::hub::v1::ClaimDecision;

// Every line of `plan_id` with a plan decision, over every provider's
// ListFeedback: decision -> (lines, paid cents).
struct Tally {
  std::map<ClaimDecision, int64_t> lines;
  int64_t paid_cents = 0;
};
Tally DecisionsOf(const std::shared_ptr<grpc::Channel>& channel,
                  const std::vector<std::string>& providers, const std::string& plan_id) {
  Tally tally;
  auto stub = hub::v1::ProviderService::NewStub(channel);
  for (const std::string& provider : providers) {
    std::string token;
    do {
      hub::v1::ListFeedbackRequest request;
      request.set_provider_id(provider);
      request.set_page_size(1000);
      request.set_page_token(token);
      grpc::ClientContext context;
      hub::v1::ListFeedbackResponse response;
      const grpc::Status status = stub->ListFeedback(&context, request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) return tally;
      for (const hub::v1::FeedbackItem& item : response.items()) {
        if (item.plan_id() != plan_id || !item.billing().has_plan_decision()) continue;
        ++tally.lines[item.billing().plan_decision().decision()];
        tally.paid_cents += item.billing().plan_decision().paid_cents();
      }
      token = response.next_page_token();
    } while (!token.empty());
  }
  return tally;
}

TEST(PlanAnswersTest, EveryBilledLineCarriesThePlansAnswerAndAnswersAreAppliedOnce) {
  auto county = testing::MakeSanDiegoCounty(2026416, 400);
  ASSERT_TRUE(county.ok()) << county.status();
  std::unique_ptr<testing::TestHub> hub = testing::StartTestHub(
      testing::ReadFile(testing::Source("demo/san_diego/directory.textproto")));
  ASSERT_NE(hub, nullptr);
  auto files = testing::UploadCountyPlanFiles(
      **county, *hub->channel,
      {hub::v1::FILE_KIND_MEMBER_ASSIGNMENT, hub::v1::FILE_KIND_CS_AUTHORIZATION});
  ASSERT_TRUE(files.ok()) << files.status();
  auto day = testing::CountyDay(**county, *files, "2026-11-23", /*error_rate=*/0);
  ASSERT_TRUE(day.ok()) << day.status();
  const absl::Status submitted = testing::SubmitCountyDay(*hub->channel, *day);
  ASSERT_TRUE(submitted.ok()) << submitted;
  std::vector<std::string> provider_ids;
  for (const auto& [provider, submissions] : *day) provider_ids.push_back(provider);

  int plans_answered = 0;
  int64_t rejected_total = 0, paid_total = 0, denied_total = 0;
  for (const std::string plan :
       {"aetna", "blue_shield_promise", "health_net", "molina", "united"}) {
    SCOPED_TRACE(plan);
    auto stub = hub::v1::PlanService::NewStub(hub->channel);
    const testing::ExportedFile claims =
        testing::ExportPlanFile(*stub, plan, hub::v1::FILE_KIND_CLAIMS_837P, "2026-11");
    ASSERT_TRUE(claims.status.ok()) << claims.status.error_message();
    generator::ClaimAnswerOptions options;
    options.seed = 7;
    options.answer_date = "2026-12-10";
    // Rates high enough that a plan's few dozen lines show every outcome.
    options.rejected_claims = 0.15;
    options.denied_lines = 0.2;
    auto answers = generator::AnswerClaimFile(claims.bytes, options);
    ASSERT_TRUE(answers.ok()) << answers.status();
    ASSERT_GT(answers->lines, 0);
    ++plans_answered;

    for (const auto& [kind, bytes] : std::vector<std::pair<hub::v1::FileKind, std::string>>{
             {hub::v1::FILE_KIND_X12_999, answers->file_999},
             {hub::v1::FILE_KIND_X12_277CA, answers->file_277ca},
             {hub::v1::FILE_KIND_X12_835, answers->file_835}}) {
      auto report = testing::UploadPlanFile(*hub->channel, plan, kind, bytes);
      ASSERT_TRUE(report.ok()) << report.status();
      EXPECT_EQ(report->outcome(), hub::v1::INGEST_OUTCOME_ACCEPTED) << report->DebugString();
      EXPECT_EQ(report->rows_rejected(), 0) << report->DebugString();
    }
    const Tally tally = DecisionsOf(hub->channel, provider_ids, plan);
    EXPECT_EQ(tally.lines.count(hub::v1::CLAIM_DECISION_ACCEPTED), 0u)
        << "every accepted claim was adjudicated by the 835";
    EXPECT_EQ(tally.lines.count(hub::v1::CLAIM_DECISION_REJECTED) == 0
                  ? 0
                  : tally.lines.at(hub::v1::CLAIM_DECISION_REJECTED),
              answers->lines_rejected);
    EXPECT_EQ(tally.lines.count(hub::v1::CLAIM_DECISION_PAID) == 0
                  ? 0
                  : tally.lines.at(hub::v1::CLAIM_DECISION_PAID),
              answers->lines_paid);
    EXPECT_EQ(tally.lines.count(hub::v1::CLAIM_DECISION_DENIED) == 0
                  ? 0
                  : tally.lines.at(hub::v1::CLAIM_DECISION_DENIED),
              answers->lines_denied);
    EXPECT_EQ(answers->lines_rejected + answers->lines_paid + answers->lines_denied,
              answers->lines);
    EXPECT_EQ(tally.paid_cents, answers->paid_cents);
    rejected_total += answers->lines_rejected;
    paid_total += answers->lines_paid;
    denied_total += answers->lines_denied;

    // The same answers again, in new envelopes: nothing changes.
    options.control_number += 10;
    auto again = generator::AnswerClaimFile(claims.bytes, options);
    ASSERT_TRUE(again.ok());
    auto resent =
        testing::UploadPlanFile(*hub->channel, plan, hub::v1::FILE_KIND_X12_835, again->file_835);
    ASSERT_TRUE(resent.ok()) << resent.status();
    EXPECT_EQ(resent->changes().claim_lines_answered(), 0) << resent->DebugString();
    const Tally after = DecisionsOf(hub->channel, provider_ids, plan);
    EXPECT_EQ(after.lines, tally.lines);
    EXPECT_EQ(after.paid_cents, tally.paid_cents);
  }
  EXPECT_EQ(plans_answered, 5);
  // Over the county, every outcome occurs (the test would mean little
  // otherwise).
  EXPECT_GT(rejected_total, 0);
  EXPECT_GT(paid_total, 0);
  EXPECT_GT(denied_total, 0);
}

// A file that is not an 837P, or carries no claim, is refused with a reason.
TEST(PlanAnswersTest, TheGeneratorRefusesWhatIsNotAnExported837P) {
  generator::ClaimAnswerOptions options;
  options.answer_date = "2026-12-10";
  EXPECT_EQ(generator::AnswerClaimFile("not x12", options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.answer_date = "12/10/2026";
  EXPECT_EQ(generator::AnswerClaimFile("", options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hub
