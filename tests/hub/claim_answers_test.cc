// The plans' answers to the hub's 837P taken in by the ingest pipeline
// (hub/ingest/claim_answers.h): the golden 999, 277CA and 835 of
// tests/adapters/golden/answers/ matched to claims the hub sent (the
// crosswalk of storage/claim_store.h, seeded as an 837P export writes it),
// the bad inputs of issue 16 (claims the hub never sent, wrong envelope
// counts, truncated files) and re-uploads that change nothing.
#include "hub/ingest/claim_answers.h"

#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "adapters/plan_adapter.h"
#include "base/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/ingest/ingest.h"
#include "storage/claim_store.h"
#include "storage/claim_tally.h"
#include "storage/control_number_store.h"
#include "storage/directory_store.h"
#include "storage/store.h"
#include "tests/hub/hub_test_util.h"

#ifndef HUB_SOURCE_DIR
#error "HUB_SOURCE_DIR must name the repository root"
#endif

namespace hub {
namespace {

using ::hub::v1::FileKind;
using ::hub::v1::IngestReport;
using ::hub::v1::PlanDecision;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MakeTempDir;

constexpr char kClaim[] = "C0123456789abcd";  // Two lines: b1, b2.
constexpr char kLine1[] = "rec_00000000000000b1";
constexpr char kLine2[] = "rec_00000000000000b2";
constexpr char kRejectedClaim[] = "C00000000000001";  // One line: b3.
constexpr char kLine3[] = "rec_00000000000000b3";
constexpr char kDeniedClaim[] = "C00000000000002";  // One line: b4.
constexpr char kLine4[] = "rec_00000000000000b4";

std::string Golden(const std::string& name) {
  return testing::ReadFile(std::string(HUB_SOURCE_DIR) + "/tests/adapters/golden/answers/" + name);
}

class IngestClaimAnswersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = MakeTempDir();
    storage::StoreOptions options;
    options.data_dir = root_ + "/data";
    options.block_cache_bytes = 8u << 20;
    auto opened = storage::Store::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = *std::move(opened);
    directory_ = std::make_unique<storage::DirectoryStore>(store_.get());
    IngestOptions ingest_options;
    ingest_options.clock = [] { return absl::FromUnixSeconds(1797500000); };
    pipeline_ =
        std::make_unique<IngestPipeline>(store_.get(), directory_.get(), std::move(ingest_options));
    // The claims molina's 837P carried (as claims_export writes them), and
    // control numbers 1..7 handed out (the 999 acknowledges group 7).
    storage::ClaimStore claims(store_.get());
    storage::WriteBatch batch;
    auto billed = [&](const char* claim, int line, const char* record, const char* provider,
                      const char* service_date, int set = 1) {
      hub::v1::BillingStatus status;
      status.set_state(hub::v1::BILLING_STATE_BILLED);
      status.set_file_kind(hub::v1::FILE_KIND_CLAIMS_837P);
      status.set_period("2026-11");
      status.set_control_number(7);
      status.set_claim_id(claim);
      status.set_line_number(line);
      status.set_provider_id(provider);
      status.set_service_date(service_date);
      status.set_transaction_set(set);
      claims.PutLine(batch, "molina", record, status);
    };
    billed(kClaim, 1, kLine1, "prov_a", "2026-11-20");
    billed(kClaim, 2, kLine2, "prov_a", "2026-11-20");
    billed(kRejectedClaim, 1, kLine3, "prov_b", "2026-11-21");
    // The golden 999 rejects transaction set 0002: b4's.
    billed(kDeniedClaim, 1, kLine4, "prov_b", "2026-11-22", /*set=*/2);
    ASSERT_TRUE(claims.Commit(batch).ok());
    storage::ControlNumberStore numbers(store_.get());
    for (int i = 0; i < 7; ++i) ASSERT_TRUE(numbers.Next("molina").ok());

    profile_.profile.set_name("molina");
    for (FileKind kind :
         {hub::v1::FILE_KIND_X12_999, hub::v1::FILE_KIND_X12_277CA, hub::v1::FILE_KIND_X12_835}) {
      profile_.profile.add_claim_answers(kind);
    }
    auto adapter = adapters::CreateDeclarativePlanAdapter(profile_.profile);
    ASSERT_TRUE(adapter.ok()) << adapter.status();
    profile_.adapter = *std::move(adapter);
  }

  absl::StatusOr<IngestReport> Upload(FileKind kind, const std::string& bytes,
                                      const std::string& plan_id = "molina") {
    SpooledUpload upload;
    upload.plan_id = plan_id;
    upload.kind = kind;
    upload.file_name = "answer.x12";
    upload.spool_path = root_ + "/spool" + std::to_string(++spools_);
    testing::WriteFile(upload.spool_path, bytes);
    Sha256 sha;
    sha.Update(bytes);
    upload.content_sha256 = sha.HexDigest();
    upload.size_bytes = static_cast<int64_t>(bytes.size());
    upload.receive_time = absl::FromUnixSeconds(1797500000);
    return pipeline_->Run(upload, profile_, nullptr);
  }

  std::optional<PlanDecision> Decision(const std::string& record_id) {
    auto status = storage::ClaimStore(store_.get()).GetLine(record_id);
    EXPECT_TRUE(status.ok()) << status.status();
    if (!status.ok() || !status->has_value() || !(*status)->has_plan_decision()) {
      return std::nullopt;
    }
    return (*status)->plan_decision();
  }

  // The plan's claim tally counted a second way: every line of the claims
  // the hub sent, by its stored decision (ClaimStore::ListClaimLines).
  hub::v1::PlanClaims Recount() {
    hub::v1::PlanClaims tally;
    storage::ClaimStore claims(store_.get());
    for (const char* claim : {kClaim, kRejectedClaim, kDeniedClaim}) {
      auto lines = claims.ListClaimLines("molina", claim);
      EXPECT_TRUE(lines.ok()) << lines.status();
      if (!lines.ok()) continue;
      for (const auto& line : *lines) {
        auto status = claims.GetLine(line.record_id);
        EXPECT_TRUE(status.ok() && status->has_value());
        if (!status.ok() || !status->has_value() || !(*status)->has_plan_decision()) continue;
        const PlanDecision& d = (*status)->plan_decision();
        for (hub::v1::ClaimCounts* c :
             {tally.mutable_counts(), &(*tally.mutable_providers())[(*status)->provider_id()]}) {
          if (d.decision() == hub::v1::CLAIM_DECISION_ACCEPTED) c->set_accepted(c->accepted() + 1);
          if (d.decision() == hub::v1::CLAIM_DECISION_REJECTED) c->set_rejected(c->rejected() + 1);
          if (d.decision() == hub::v1::CLAIM_DECISION_DENIED) c->set_denied(c->denied() + 1);
          if (d.decision() == hub::v1::CLAIM_DECISION_PAID) {
            c->set_paid(c->paid() + 1);
            c->set_paid_cents(c->paid_cents() + d.paid_cents());
          }
        }
        absl::Time service;
        absl::Time paid;
        std::string err;
        if (d.decision() == hub::v1::CLAIM_DECISION_PAID &&
            absl::ParseTime("%Y-%m-%d", (*status)->service_date(), &service, &err) &&
            absl::ParseTime("%Y-%m-%d", d.date(), &paid, &err)) {
          ++(*tally.mutable_days_to_payment())[static_cast<int32_t>((paid - service) /
                                                                    absl::Hours(24))];
        }
      }
    }
    return tally;
  }

  // The stored tally equals the recount (counts, providers, days).
  void ExpectTallyMatchesLines() {
    auto stored = storage::ClaimStore(store_.get()).GetTally("molina");
    ASSERT_TRUE(stored.ok()) << stored.status();
    const hub::v1::PlanClaims recount = Recount();
    EXPECT_EQ(stored->counts().DebugString(), recount.counts().DebugString());
    ASSERT_EQ(stored->providers_size(), recount.providers_size());
    for (const auto& [provider, counts] : recount.providers()) {
      ASSERT_TRUE(stored->providers().contains(provider)) << provider;
      EXPECT_EQ(stored->providers().at(provider).DebugString(), counts.DebugString()) << provider;
    }
    std::map<int32_t, int64_t> stored_days;
    std::map<int32_t, int64_t> recount_days;
    for (const auto& [days, count] : stored->days_to_payment()) stored_days[days] = count;
    for (const auto& [days, count] : recount.days_to_payment()) recount_days[days] = count;
    EXPECT_EQ(stored_days, recount_days);
  }

  std::map<std::string, int64_t> DenialReasons() {
    auto stored = storage::ClaimStore(store_.get()).GetTally("molina");
    EXPECT_TRUE(stored.ok()) << stored.status();
    if (!stored.ok()) return {};
    std::map<std::string, int64_t> reasons;
    for (const auto& [reason, count] : stored->denial_reasons()) reasons[reason] = count;
    return reasons;
  }

  std::string root_;
  int spools_ = 0;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<storage::DirectoryStore> directory_;
  std::unique_ptr<IngestPipeline> pipeline_;
  LoadedPlanProfile profile_;
};

TEST_F(IngestClaimAnswersTest, The999IsMatchedToTheControlNumberAndARejectedSetIsReported) {
  auto report = Upload(hub::v1::FILE_KIND_X12_999, Golden("999.x12"));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->outcome(), hub::v1::INGEST_OUTCOME_ACCEPTED);
  EXPECT_EQ(report->rows_read(), 2);
  EXPECT_EQ(report->rows_accepted(), 2);
  ASSERT_EQ(report->row_errors_size(), 1);
  EXPECT_EQ(report->row_errors(0).reason_code(), "ROW_837P_REJECTED_BY_PLAN");
  EXPECT_TRUE(report->row_errors(0).warning());
  EXPECT_THAT(report->row_errors(0).message(), HasSubstr("control number 7"));
  EXPECT_THAT(report->row_errors(0).message(), HasSubstr("999 IK5 R 5"));
}

TEST_F(IngestClaimAnswersTest, A999ForAControlNumberTheHubNeverSentIsRefusedPerGroup) {
  const std::string bytes = absl::StrReplaceAll(Golden("999.x12"), {{"AK1*HC*7*", "AK1*HC*8*"}});
  ASSERT_NE(bytes, Golden("999.x12"));
  auto report = Upload(hub::v1::FILE_KIND_X12_999, bytes);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->outcome(), hub::v1::INGEST_OUTCOME_PARTIALLY_ACCEPTED);
  EXPECT_EQ(report->rows_rejected(), 2);
  ASSERT_GE(report->row_errors_size(), 1);
  EXPECT_EQ(report->row_errors(0).reason_code(), "ROW_CONTROL_NUMBER_NOT_SENT");
}

TEST_F(IngestClaimAnswersTest, The277CAAcceptsAClaimAndRejectsALineAndAClaimWithTheirCodes) {
  auto report = Upload(hub::v1::FILE_KIND_X12_277CA, Golden("277ca.x12"));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->outcome(), hub::v1::INGEST_OUTCOME_ACCEPTED) << report->DebugString();
  EXPECT_EQ(report->rows_read(), 3);
  EXPECT_EQ(report->rows_accepted(), 3);
  EXPECT_EQ(report->changes().claim_lines_answered(), 3);
  auto line1 = Decision(kLine1);
  ASSERT_TRUE(line1.has_value());
  EXPECT_EQ(line1->decision(), hub::v1::CLAIM_DECISION_ACCEPTED);
  EXPECT_EQ(line1->date(), "2026-12-10");
  EXPECT_EQ(line1->report_id(), report->report_id());
  auto line2 = Decision(kLine2);
  ASSERT_TRUE(line2.has_value());
  EXPECT_EQ(line2->decision(), hub::v1::CLAIM_DECISION_REJECTED);
  EXPECT_THAT(line2->reason_codes(), ElementsAre("277CA A7:453:PR"));
  auto line3 = Decision(kLine3);
  ASSERT_TRUE(line3.has_value());
  EXPECT_EQ(line3->decision(), hub::v1::CLAIM_DECISION_REJECTED);
  EXPECT_THAT(line3->reason_codes(), ElementsAre("277CA A7:21:85"));
  EXPECT_FALSE(Decision(kLine4).has_value());
}

TEST_F(IngestClaimAnswersTest, The835PaysAndDeniesLinesAndALate277CAChangesNothing) {
  auto paid = Upload(hub::v1::FILE_KIND_X12_835, Golden("835.x12"));
  ASSERT_TRUE(paid.ok()) << paid.status();
  EXPECT_EQ(paid->outcome(), hub::v1::INGEST_OUTCOME_ACCEPTED) << paid->DebugString();
  EXPECT_EQ(paid->rows_read(), 4);
  EXPECT_EQ(paid->changes().claim_lines_answered(), 3);
  auto line1 = Decision(kLine1);
  ASSERT_TRUE(line1.has_value());
  EXPECT_EQ(line1->decision(), hub::v1::CLAIM_DECISION_PAID);
  EXPECT_EQ(line1->paid_cents(), 7500);
  EXPECT_EQ(line1->charge_cents(), 12500);
  EXPECT_EQ(line1->date(), "2026-12-15");
  EXPECT_THAT(line1->reason_codes(), ElementsAre("CARC CO-45"));
  auto line2 = Decision(kLine2);
  ASSERT_TRUE(line2.has_value());
  EXPECT_EQ(line2->decision(), hub::v1::CLAIM_DECISION_DENIED);
  EXPECT_THAT(line2->reason_codes(), ElementsAre("CARC CO-16", "RARC M51"));
  // A one-line claim denied as a whole: its line carries the claim's amounts.
  auto line4 = Decision(kLine4);
  ASSERT_TRUE(line4.has_value());
  EXPECT_EQ(line4->decision(), hub::v1::CLAIM_DECISION_DENIED);
  EXPECT_EQ(line4->charge_cents(), 30050);
  EXPECT_THAT(line4->reason_codes(), ElementsAre("CLP02 4 denied", "CARC CO-197", "RARC N290"));
  // The acknowledgement arriving after the remittance changes no decision.
  auto late = Upload(hub::v1::FILE_KIND_X12_277CA, Golden("277ca.x12"));
  ASSERT_TRUE(late.ok()) << late.status();
  EXPECT_EQ(late->changes().claim_lines_answered(), 1);  // Only b3, which the 835 left alone.
  EXPECT_EQ(late->changes().rows_unchanged(), 2);
  EXPECT_EQ(Decision(kLine1)->decision(), hub::v1::CLAIM_DECISION_PAID);
  EXPECT_EQ(Decision(kLine2)->decision(), hub::v1::CLAIM_DECISION_DENIED);
}

TEST_F(IngestClaimAnswersTest, AReuploadAppliesNothingTwice) {
  const std::string bytes = Golden("835.x12");
  auto first = Upload(hub::v1::FILE_KIND_X12_835, bytes);
  ASSERT_TRUE(first.ok()) << first.status();
  // The same bytes: the stored report, unchanged.
  auto again = Upload(hub::v1::FILE_KIND_X12_835, bytes);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->report_id(), first->report_id());
  EXPECT_EQ(again->complete_time().seconds(), first->complete_time().seconds());
  // The same answers in a new envelope (another interchange number): every
  // line is unchanged, nothing written, the decisions still name the first
  // file.
  const std::string resent = absl::StrReplaceAll(
      bytes, {{"000000503", "000000504"}, {"*503*X*", "*504*X*"}, {"GE*1*503", "GE*1*504"}});
  ASSERT_NE(resent, bytes);
  auto other = Upload(hub::v1::FILE_KIND_X12_835, resent);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_NE(other->report_id(), first->report_id());
  EXPECT_EQ(other->outcome(), hub::v1::INGEST_OUTCOME_ACCEPTED);
  EXPECT_EQ(other->changes().claim_lines_answered(), 0);
  EXPECT_EQ(other->changes().rows_unchanged(), 3);
  EXPECT_EQ(Decision(kLine1)->report_id(), first->report_id());
}

TEST_F(IngestClaimAnswersTest, ClaimsAndLinesTheHubNeverSentAreRefusedPerClaim) {
  const std::string bytes = absl::StrReplaceAll(
      Golden("835.x12"), {{"CLP*C00000000000002*", "CLP*C99999999999999*"},
                          {"REF*6R*rec_00000000000000b2", "REF*6R*rec_00000000000000ff"}});
  auto report = Upload(hub::v1::FILE_KIND_X12_835, bytes);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->outcome(), hub::v1::INGEST_OUTCOME_PARTIALLY_ACCEPTED);
  EXPECT_EQ(report->rows_rejected(), 2);
  ASSERT_EQ(report->row_errors_size(), 2);
  EXPECT_EQ(report->row_errors(0).reason_code(), "ROW_CLAIM_LINE_NOT_SENT");
  EXPECT_EQ(report->row_errors(0).field(), "line_id");
  EXPECT_EQ(report->row_errors(1).reason_code(), "ROW_CLAIM_NOT_SENT");
  EXPECT_THAT(report->row_errors(1).message(), HasSubstr("C99999999999999"));
  // The good line is applied; the unknown line's claim-level answer decides
  // b2 (the line the file did not answer), the unknown claim nothing.
  EXPECT_EQ(Decision(kLine1)->decision(), hub::v1::CLAIM_DECISION_PAID);
  EXPECT_FALSE(Decision(kLine4).has_value());
  // Another plan's upload of the same claims matches nothing: the crosswalk
  // is per plan.
  auto wrong_plan = Upload(hub::v1::FILE_KIND_X12_277CA, Golden("277ca.x12"), "health_net");
  ASSERT_TRUE(wrong_plan.ok()) << wrong_plan.status();
  EXPECT_EQ(wrong_plan->rows_accepted(), 0);
  EXPECT_EQ(wrong_plan->rows_rejected(), 3);
}

TEST_F(IngestClaimAnswersTest, WrongEnvelopeCountsAndTruncatedFilesAreRefusedWhole) {
  const std::string good = Golden("835.x12");
  const std::string bad_count = absl::StrReplaceAll(good, {{"SE*26*0001", "SE*25*0001"}});
  ASSERT_NE(bad_count, good);
  auto counted = Upload(hub::v1::FILE_KIND_X12_835, bad_count);
  ASSERT_TRUE(counted.ok()) << counted.status();
  EXPECT_EQ(counted->outcome(), hub::v1::INGEST_OUTCOME_REJECTED);
  EXPECT_EQ(counted->rejection_code(), "FILE_X12_ENVELOPE");
  auto truncated = Upload(hub::v1::FILE_KIND_X12_835, good.substr(0, good.size() * 2 / 3));
  ASSERT_TRUE(truncated.ok()) << truncated.status();
  EXPECT_EQ(truncated->outcome(), hub::v1::INGEST_OUTCOME_REJECTED);
  EXPECT_EQ(truncated->rejection_code(), "FILE_X12_TRUNCATED");
  auto wrong_kind = Upload(hub::v1::FILE_KIND_X12_835, Golden("277ca.x12"));
  ASSERT_TRUE(wrong_kind.ok()) << wrong_kind.status();
  EXPECT_EQ(wrong_kind->rejection_code(), "FILE_X12_WRONG_TRANSACTION");
  // Nothing of the refused files was applied.
  EXPECT_FALSE(Decision(kLine1).has_value());
  EXPECT_FALSE(Decision(kLine4).has_value());
}

TEST_F(IngestClaimAnswersTest, APlanWhoseProfileDoesNotListTheKindIsRefused) {
  profile_.profile.clear_claim_answers();
  auto report = Upload(hub::v1::FILE_KIND_X12_835, Golden("835.x12"));
  EXPECT_TRUE(absl::IsFailedPrecondition(report.status())) << report.status();
  EXPECT_THAT(std::string(report.status().message()), HasSubstr("claim_answers"));
}

TEST_F(IngestClaimAnswersTest, TheClaimTallyMovesEachLineToItsLatestDecisionAndNeverTwice) {
  ASSERT_TRUE(Upload(hub::v1::FILE_KIND_X12_277CA, Golden("277ca.x12")).ok());
  ExpectTallyMatchesLines();
  auto tally = storage::ClaimStore(store_.get()).GetTally("molina");
  ASSERT_TRUE(tally.ok());
  EXPECT_EQ(tally->counts().accepted(), 1);
  EXPECT_EQ(tally->counts().rejected(), 2);
  EXPECT_EQ(DenialReasons(),
            (std::map<std::string, int64_t>{{"277CA A7:21", 1}, {"277CA A7:453", 1}}));

  // The 835 replaces b1's acceptance (paid) and b2's rejection (denied),
  // and denies b4; b3 stays rejected.
  const std::string remit = Golden("835.x12");
  ASSERT_TRUE(Upload(hub::v1::FILE_KIND_X12_835, remit).ok());
  ExpectTallyMatchesLines();
  const std::map<std::string, int64_t> reasons = {{"277CA A7:21", 1}, {"CARC CO-16", 1},
                                                  {"RARC M51", 1},    {"CLP02 4", 1},
                                                  {"CARC CO-197", 1}, {"RARC N290", 1}};
  EXPECT_EQ(DenialReasons(), reasons);
  tally = storage::ClaimStore(store_.get()).GetTally("molina");
  ASSERT_TRUE(tally.ok());
  const std::string counts = tally->DebugString();
  EXPECT_EQ(tally->counts().accepted(), 0) << counts;
  EXPECT_EQ(tally->counts().paid(), 1) << counts;
  EXPECT_EQ(tally->counts().denied(), 2) << counts;
  EXPECT_EQ(tally->counts().rejected(), 1) << counts;
  EXPECT_EQ(tally->counts().paid_cents(), 7500) << counts;
  // b1: served 2026-11-20, paid 2026-12-15.
  EXPECT_EQ(tally->days_to_payment().at(25), 1) << counts;

  // The same bytes, the same answers in a new envelope, and a late 277CA
  // change no count.
  ASSERT_TRUE(Upload(hub::v1::FILE_KIND_X12_835, remit).ok());
  const std::string resent = absl::StrReplaceAll(
      remit, {{"000000503", "000000504"}, {"*503*X*", "*504*X*"}, {"GE*1*503", "GE*1*504"}});
  ASSERT_TRUE(Upload(hub::v1::FILE_KIND_X12_835, resent).ok());
  // (b3's rejection gets a new date: it leaves and re-enters its bucket.)
  const std::string late = absl::StrReplaceAll(Golden("277ca.x12"), {{"*20261210*", "*20261211*"}});
  ASSERT_NE(late, Golden("277ca.x12"));
  auto late_report = Upload(hub::v1::FILE_KIND_X12_277CA, late);
  ASSERT_TRUE(late_report.ok()) << late_report.status();
  EXPECT_EQ(late_report->changes().claim_lines_answered(), 1) << late_report->DebugString();
  ExpectTallyMatchesLines();
  auto after = storage::ClaimStore(store_.get()).GetTally("molina");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->DebugString(), counts);

  // Refused files and another plan's answers count nothing.
  ASSERT_TRUE(Upload(hub::v1::FILE_KIND_X12_835, remit.substr(0, remit.size() / 2)).ok());
  ASSERT_TRUE(Upload(hub::v1::FILE_KIND_X12_277CA, Golden("277ca.x12"), "health_net").ok());
  after = storage::ClaimStore(store_.get()).GetTally("molina");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->DebugString(), counts);
  auto other = storage::ClaimStore(store_.get()).ListTallies();
  ASSERT_TRUE(other.ok());
  ASSERT_EQ(other->size(), 1u);
  EXPECT_EQ((*other)[0].plan_id(), "molina");
}

std::vector<std::string> NeedsAction(storage::Store* store, const std::string& provider_id) {
  bool more = false;
  auto lines = storage::ClaimStore(store).ListNeedsAction(provider_id, "", "", 100, &more);
  EXPECT_TRUE(lines.ok()) << lines.status();
  std::vector<std::string> ids;
  if (lines.ok()) {
    for (const auto& line : *lines) ids.push_back(line.record_id);
  }
  return ids;
}

TEST_F(IngestClaimAnswersTest, ARejected999SetMarksEachOfItsLinesRejectedWithTheErrorCodes) {
  auto report = Upload(hub::v1::FILE_KIND_X12_999, Golden("999.x12"));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->outcome(), hub::v1::INGEST_OUTCOME_ACCEPTED) << report->DebugString();
  EXPECT_EQ(report->changes().claim_lines_answered(), 1);
  // Set 0002 carried b4 only: it is rejected with the set's verdict and the
  // plan's segment and element errors; set 0001 (accepted) changes nothing.
  auto line4 = Decision(kLine4);
  ASSERT_TRUE(line4.has_value());
  EXPECT_EQ(line4->decision(), hub::v1::CLAIM_DECISION_REJECTED);
  EXPECT_EQ(line4->file_kind(), hub::v1::FILE_KIND_X12_999);
  EXPECT_EQ(line4->report_id(), report->report_id());
  EXPECT_THAT(line4->reason_codes(),
              ElementsAre("999 IK5 R 5", "999 IK3 CLM 22 8", "999 IK4 5 1029 7"));
  for (const char* line : {kLine1, kLine2, kLine3}) EXPECT_FALSE(Decision(line).has_value());
  ASSERT_EQ(report->row_errors_size(), 1);
  EXPECT_THAT(report->row_errors(0).message(),
              HasSubstr("its 1 claim line(s) are marked rejected"));
  // The county's tally and the provider's worklist count it.
  ExpectTallyMatchesLines();
  EXPECT_EQ(DenialReasons(),
            (std::map<std::string, int64_t>{{"999 IK3 8", 1}, {"999 IK4 7", 1}, {"999 IK5 5", 1}}));
  EXPECT_THAT(NeedsAction(store_.get(), "prov_b"), ElementsAre(kLine4));
  EXPECT_TRUE(NeedsAction(store_.get(), "prov_a").empty());
  const std::string before = storage::ClaimStore(store_.get()).GetTally("molina")->DebugString();

  // The same bytes, and the same answers in another envelope, apply nothing.
  ASSERT_TRUE(Upload(hub::v1::FILE_KIND_X12_999, Golden("999.x12")).ok());
  const std::string resent = absl::StrReplaceAll(
      Golden("999.x12"),
      {{"000000501", "000000511"}, {"*501*X*", "*511*X*"}, {"GE*1*501", "GE*1*511"}});
  ASSERT_NE(resent, Golden("999.x12"));
  auto again = Upload(hub::v1::FILE_KIND_X12_999, resent);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->changes().claim_lines_answered(), 0);
  EXPECT_EQ(again->changes().rows_unchanged(), 1);
  EXPECT_EQ(Decision(kLine4)->report_id(), report->report_id());
  EXPECT_EQ(storage::ClaimStore(store_.get()).GetTally("molina")->DebugString(), before);

  // The 835 that adjudicates b4 later replaces the 999's rejection; a 999
  // arriving after it changes nothing.
  ASSERT_TRUE(Upload(hub::v1::FILE_KIND_X12_835, Golden("835.x12")).ok());
  EXPECT_EQ(Decision(kLine4)->decision(), hub::v1::CLAIM_DECISION_DENIED);
  const std::string late = absl::StrReplaceAll(
      resent, {{"000000511", "000000512"}, {"*511*X*", "*512*X*"}, {"GE*1*511", "GE*1*512"}});
  auto late_report = Upload(hub::v1::FILE_KIND_X12_999, late);
  ASSERT_TRUE(late_report.ok()) << late_report.status();
  EXPECT_EQ(late_report->changes().claim_lines_answered(), 0);
  EXPECT_EQ(Decision(kLine4)->decision(), hub::v1::CLAIM_DECISION_DENIED);
  ExpectTallyMatchesLines();
}

TEST_F(IngestClaimAnswersTest, A999RejectingTheWholeGroupMarksEveryLineOfTheFile) {
  const std::string bytes =
      testing::ReadFile(std::string(HUB_SOURCE_DIR) + "/tests/data/x12/999_group_rejected.x12");
  auto report = Upload(hub::v1::FILE_KIND_X12_999, bytes);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->changes().claim_lines_answered(), 4) << report->DebugString();
  for (const char* line : {kLine1, kLine2, kLine3, kLine4}) {
    auto d = Decision(line);
    ASSERT_TRUE(d.has_value()) << line;
    EXPECT_EQ(d->decision(), hub::v1::CLAIM_DECISION_REJECTED);
    EXPECT_THAT(d->reason_codes(), ElementsAre("999 AK9 R 4"));
  }
  ExpectTallyMatchesLines();
  EXPECT_THAT(NeedsAction(store_.get(), "prov_a"), ElementsAre(kLine1, kLine2));
  // A 277CA accepting the claim afterwards replaces the rejection and takes
  // the line off the provider's worklist.
  ASSERT_TRUE(Upload(hub::v1::FILE_KIND_X12_277CA, Golden("277ca.x12")).ok());
  EXPECT_EQ(Decision(kLine1)->decision(), hub::v1::CLAIM_DECISION_ACCEPTED);
  EXPECT_THAT(NeedsAction(store_.get(), "prov_a"), ElementsAre(kLine2));
  ExpectTallyMatchesLines();
}

TEST_F(IngestClaimAnswersTest, A999NamingASetOrFileTheHubNeverSentAppliesNothing) {
  // A set number the 837P with control number 7 never had.
  const std::string other_set =
      absl::StrReplaceAll(Golden("999.x12"), {{"AK2*837*0002*", "AK2*837*0009*"}});
  ASSERT_NE(other_set, Golden("999.x12"));
  auto report = Upload(hub::v1::FILE_KIND_X12_999, other_set);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->outcome(), hub::v1::INGEST_OUTCOME_PARTIALLY_ACCEPTED);
  EXPECT_EQ(report->rows_rejected(), 1);
  ASSERT_EQ(report->row_errors_size(), 1);
  EXPECT_EQ(report->row_errors(0).reason_code(), "ROW_TRANSACTION_SET_NOT_SENT");
  EXPECT_EQ(report->row_errors(0).field(), "AK202");
  EXPECT_THAT(report->row_errors(0).message(), HasSubstr("transaction set 0009"));
  // Another plan's 999 about control number 7 (the hub never gave it one).
  auto wrong_plan = Upload(hub::v1::FILE_KIND_X12_999, Golden("999.x12"), "health_net");
  ASSERT_TRUE(wrong_plan.ok()) << wrong_plan.status();
  EXPECT_EQ(wrong_plan->rows_accepted(), 0);
  ASSERT_GE(wrong_plan->row_errors_size(), 1);
  EXPECT_EQ(wrong_plan->row_errors(0).reason_code(), "ROW_CONTROL_NUMBER_NOT_SENT");
  for (const char* line : {kLine1, kLine2, kLine3, kLine4})
    EXPECT_FALSE(Decision(line).has_value());
  EXPECT_TRUE(storage::ClaimStore(store_.get()).ListTallies()->empty());
}

TEST_F(IngestClaimAnswersTest, A999AboutAFileWhoseLinesWereBilledAgainLeavesThemAlone) {
  // b4 billed again on the 837P with control number 8, set 1.
  storage::ClaimStore claims(store_.get());
  ASSERT_TRUE(storage::ControlNumberStore(store_.get()).Next("molina").ok());
  auto line = claims.GetLine(kLine4);
  ASSERT_TRUE(line.ok() && line->has_value());
  hub::v1::BillingStatus status = **line;
  status.set_control_number(8);
  status.set_transaction_set(1);
  storage::WriteBatch batch;
  claims.PutLine(batch, "molina", kLine4, status);
  ASSERT_TRUE(claims.Commit(batch).ok());
  auto report = Upload(hub::v1::FILE_KIND_X12_999, Golden("999.x12"));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->changes().claim_lines_answered(), 0);
  EXPECT_FALSE(Decision(kLine4).has_value());
  ASSERT_EQ(report->row_errors_size(), 1);
  EXPECT_THAT(report->row_errors(0).message(), HasSubstr("1 billed since on a later file"));
}

TEST(ClaimTallyTest, DenialReasonsAreCodesNeverSentences) {
  EXPECT_EQ(storage::DenialReasonCode("CARC CO-45"), "CARC CO-45");
  EXPECT_EQ(storage::DenialReasonCode("277CA A7:21:85"), "277CA A7:21");
  EXPECT_EQ(storage::DenialReasonCode("CLP02 4 denied"), "CLP02 4");
  EXPECT_EQ(storage::DenialReasonCode("835 claim total paid $1.00 of $2.00 (no line detail)"), "");
  EXPECT_EQ(storage::DenialReasonCode("CARC JANE DOE"), "");
  EXPECT_EQ(storage::DenialReasonCode("CARC"), "");
  EXPECT_EQ(storage::DenialReasonCode("999 IK5 R 5"), "999 IK5 5");
  EXPECT_EQ(storage::DenialReasonCode("999 IK5 R"), "999 IK5 R");
  EXPECT_EQ(storage::DenialReasonCode("999 IK3 CLM 22 8"), "999 IK3 8");
  EXPECT_EQ(storage::DenialReasonCode("999 IK4 5 1029 7"), "999 IK4 7");
  EXPECT_EQ(storage::DenialReasonCode("999 AK9 R 4"), "999 AK9 4");
  EXPECT_EQ(storage::DenialReasonCode("999 IK3 JANE DOE"), "");
}

}  // namespace
}  // namespace hub
