// The plans' answers to the 837P (999, 277CA, 835) read from golden files in
// tests/adapters/golden/answers/ (valid per npm node-x12's strict parser),
// and what a broken file gets: the whole file refused with a reason code.
#include "adapters/readers/x12_claim_answers.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/adapters/export_test_util.h"

#ifndef HUB_SOURCE_DIR
#error "HUB_SOURCE_DIR must name the repository root"
#endif

namespace hub::adapters {
namespace {

using ::testing::ElementsAre;

std::string Golden(const std::string& name) {
  auto bytes =
      testing::ReadFile(std::string(HUB_SOURCE_DIR) + "/tests/adapters/golden/answers/" + name);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.value_or("");
}

TEST(X12ClaimAnswersTest, A999AcceptsOneTransactionSetAndRejectsTheOther) {
  auto answers = Read999(Golden("999.x12"));
  ASSERT_TRUE(answers.ok()) << answers.status();
  ASSERT_EQ(answers->size(), 2u);
  EXPECT_EQ((*answers)[0].kind, AnswerKind::kFileAccepted);
  EXPECT_EQ((*answers)[0].group_control_number, "7");
  EXPECT_EQ((*answers)[0].transaction_control_number, "0001");
  EXPECT_EQ((*answers)[1].kind, AnswerKind::kFileRejected);
  EXPECT_EQ((*answers)[1].transaction_control_number, "0002");
  EXPECT_THAT((*answers)[1].reasons,
              ElementsAre("999 IK5 R 5", "999 IK3 CLM 22 8", "999 IK4 5 1029 7"));
}

TEST(X12ClaimAnswersTest, A277CAAcceptsAndRejectsClaimsAndLines) {
  auto answers = Read277CA(Golden("277ca.x12"));
  ASSERT_TRUE(answers.ok()) << answers.status();
  // The batch-level STC (loop 2200B) is about the file, not a claim: the
  // first claim, its rejected line, the second claim.
  ASSERT_EQ(answers->size(), 3u);
  const ClaimAnswer& accepted = (*answers)[0];
  EXPECT_EQ(accepted.claim_id, "C0123456789abcd");
  EXPECT_EQ(accepted.kind, AnswerKind::kClaimAccepted);
  EXPECT_EQ(accepted.line_id, "");
  EXPECT_EQ(accepted.date, "2026-12-10");
  EXPECT_THAT(accepted.reasons, ElementsAre("277CA A1:20:PR"));
  const ClaimAnswer& line = (*answers)[1];
  EXPECT_EQ(line.claim_id, "C0123456789abcd");
  EXPECT_EQ(line.line_id, "rec_00000000000000b2");
  EXPECT_EQ(line.kind, AnswerKind::kClaimRejected);
  EXPECT_EQ(line.charge_cents, 12500);
  EXPECT_THAT(line.reasons, ElementsAre("277CA A7:453:PR"));
  const ClaimAnswer& rejected = (*answers)[2];
  EXPECT_EQ(rejected.claim_id, "C00000000000001");
  EXPECT_EQ(rejected.kind, AnswerKind::kClaimRejected);
  EXPECT_THAT(rejected.reasons, ElementsAre("277CA A7:21:85"));
}

TEST(X12ClaimAnswersTest, An835PaysAndDeniesLinesAndClaimsWithCarcAndRarc) {
  auto answers = Read835(Golden("835.x12"));
  ASSERT_TRUE(answers.ok()) << answers.status();
  ASSERT_EQ(answers->size(), 4u);
  const ClaimAnswer& paid_line = (*answers)[0];
  EXPECT_EQ(paid_line.kind, AnswerKind::kPaid);
  EXPECT_EQ(paid_line.claim_id, "C0123456789abcd");
  EXPECT_EQ(paid_line.line_id, "rec_00000000000000b1");
  EXPECT_EQ(paid_line.charge_cents, 12500);
  EXPECT_EQ(paid_line.paid_cents, 7500);
  EXPECT_EQ(paid_line.date, "2026-12-15");
  EXPECT_THAT(paid_line.reasons, ElementsAre("CARC CO-45"));
  const ClaimAnswer& denied_line = (*answers)[1];
  EXPECT_EQ(denied_line.kind, AnswerKind::kDenied);
  EXPECT_EQ(denied_line.line_id, "rec_00000000000000b2");
  EXPECT_THAT(denied_line.reasons, ElementsAre("CARC CO-16", "RARC M51"));
  const ClaimAnswer& claim = (*answers)[2];
  EXPECT_EQ(claim.line_id, "");
  EXPECT_EQ(claim.kind, AnswerKind::kPaid);
  EXPECT_EQ(claim.paid_cents, 7500);
  EXPECT_EQ(claim.charge_cents, 25000);
  const ClaimAnswer& denied = (*answers)[3];
  EXPECT_EQ(denied.claim_id, "C00000000000002");
  EXPECT_EQ(denied.kind, AnswerKind::kDenied);
  EXPECT_EQ(denied.charge_cents, 30050);
  EXPECT_THAT(denied.reasons, ElementsAre("CLP02 4 denied", "CARC CO-197", "RARC N290"));
}

TEST(X12ClaimAnswersTest, BrokenFilesAreRefusedWholeWithAReasonCode) {
  const std::string good = Golden("835.x12");
  // Wrong segment count in SE.
  std::string bad_count = absl::StrReplaceAll(good, {{"SE*26*0001", "SE*25*0001"}});
  ASSERT_NE(bad_count, good);
  auto counted = Read835(bad_count);
  EXPECT_FALSE(counted.ok());
  EXPECT_TRUE(absl::StrContains(counted.status().message(), "FILE_X12_ENVELOPE"))
      << counted.status();
  // Truncated in the middle of a claim.
  auto truncated = Read835(good.substr(0, good.size() / 2));
  EXPECT_FALSE(truncated.ok());
  EXPECT_TRUE(absl::StrContains(truncated.status().message(), "FILE_X12_TRUNCATED"))
      << truncated.status();
  // An amount that is not a number: the file is not applied at all.
  std::string bad_amount =
      absl::StrReplaceAll(good, {{"SVC*HC:G9008:U1*125*75**1", "SVC*HC:G9008:U1*125*7X**1"}});
  auto amount = Read835(bad_amount);
  EXPECT_FALSE(amount.ok());
  EXPECT_TRUE(absl::StrContains(amount.status().message(), "FILE_X12_ANSWER_MALFORMED"));
  EXPECT_TRUE(absl::StrContains(amount.status().message(), "not applied"));
  // A 999 read as an 835: the wrong transaction set.
  auto wrong = Read835(Golden("999.x12"));
  EXPECT_FALSE(wrong.ok());
  EXPECT_TRUE(absl::StrContains(wrong.status().message(), "FILE_X12_WRONG_TRANSACTION"))
      << wrong.status();
}

}  // namespace
}  // namespace hub::adapters
