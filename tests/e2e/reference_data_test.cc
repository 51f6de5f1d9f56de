// The reference tables in data/reference/ parse as hub.v1.ReferenceTables and
// hold the codes domain.md lists.
#include <set>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "hub/v1/codes.pb.h"
#include "hub/v1/reference.pb.h"
#include "tests/e2e/data_files.h"

namespace hub {
namespace {

using ::hub::testing::ParseTextFile;

bool AllUpperOrDigit(const std::string& s) {
  for (char c : s) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

TEST(ReferenceDataTest, CommunitySupportCodesCoverEverySupport) {
  v1::ReferenceTables tables;
  ASSERT_EQ(ParseTextFile("data/reference/community_supports.textproto", &tables), "");

  std::set<int> supports;
  std::set<std::pair<int, std::string>> rows;
  for (const v1::CommunitySupportBillingCode& code : tables.community_support_codes()) {
    EXPECT_NE(code.community_support(), v1::COMMUNITY_SUPPORT_UNSPECIFIED);
    supports.insert(code.community_support());
    EXPECT_EQ(code.hcpcs_code().size(), 5u) << code.ShortDebugString();
    EXPECT_TRUE(AllUpperOrDigit(code.hcpcs_code())) << code.ShortDebugString();
    ASSERT_EQ(code.modifiers_size(), 1)
        << "one row per code/modifier pair: " << code.ShortDebugString();
    for (const std::string& modifier : code.modifiers()) {
      EXPECT_EQ(modifier.size(), 2u) << code.ShortDebugString();
      EXPECT_TRUE(AllUpperOrDigit(modifier)) << code.ShortDebugString();
    }
    EXPECT_TRUE(
        rows.emplace(code.community_support(), code.hcpcs_code() + code.modifiers(0)).second)
        << "duplicate row " << code.ShortDebugString();
  }
  // Every value of the enum except UNSPECIFIED has at least one billing code.
  const auto* descriptor = v1::CommunitySupport_descriptor();
  int expected = 0;
  for (int i = 0; i < descriptor->value_count(); ++i) {
    int number = descriptor->value(i)->number();
    if (number == v1::COMMUNITY_SUPPORT_UNSPECIFIED) continue;
    ++expected;
    EXPECT_TRUE(supports.count(number)) << descriptor->value(i)->name() << " has no code";
  }
  EXPECT_EQ(expected, 15);
  EXPECT_EQ(supports.size(), 15u);
  // Spot checks straight from the domain.md table.
  EXPECT_TRUE(rows.count({v1::COMMUNITY_SUPPORT_HOUSING_DEPOSITS, "H0044U2"}));
  EXPECT_TRUE(rows.count({v1::COMMUNITY_SUPPORT_ASTHMA_REMEDIATION, "S5165U5"}));
  EXPECT_TRUE(
      rows.count({v1::COMMUNITY_SUPPORT_ENVIRONMENTAL_ACCESSIBILITY_ADAPTATIONS, "S5165U6"}));
  EXPECT_TRUE(rows.count({v1::COMMUNITY_SUPPORT_SOBERING_CENTERS, "H0014U6"}));
  EXPECT_TRUE(rows.count({v1::COMMUNITY_SUPPORT_TRANSITIONAL_RENT, "H0040U1"}));
  EXPECT_TRUE(rows.count({v1::COMMUNITY_SUPPORT_TRANSITIONAL_RENT, "H0040U2"}));
  // The 37 pairs of the domain.md table, plus the 7 the January 2026 coding
  // guidance (v1.3) adds; every row names its source document and date.
  EXPECT_EQ(tables.community_support_codes_size(), 44);
  EXPECT_TRUE(rows.count({v1::COMMUNITY_SUPPORT_MEDICALLY_TAILORED_MEALS, "S9977U9"}));
  EXPECT_TRUE(rows.count({v1::COMMUNITY_SUPPORT_MEDICALLY_TAILORED_MEALS, "S9452U6"}));
  int january_2026 = 0;
  for (const v1::CommunitySupportBillingCode& code : tables.community_support_codes()) {
    EXPECT_FALSE(code.source().document().empty()) << code.hcpcs_code();
    EXPECT_FALSE(code.source().date().empty()) << code.hcpcs_code();
    if (code.source().date() == "2026-01") ++january_2026;
  }
  EXPECT_EQ(january_2026, 7);

  ASSERT_GE(tables.ecm_codes_size(), 1);
  for (const v1::EcmBillingCode& code : tables.ecm_codes()) {
    EXPECT_EQ(code.hcpcs_code(), "G9008");
    EXPECT_FALSE(code.description().empty());
    for (const std::string& modifier : code.modifiers()) EXPECT_EQ(modifier.size(), 2u);
  }
}

TEST(ReferenceDataTest, DiscontinuationReasons) {
  v1::ReferenceTables tables;
  ASSERT_EQ(ParseTextFile("data/reference/discontinuation_reasons.textproto", &tables), "");
  std::set<int> codes;
  for (const v1::DiscontinuationReasonCode& reason : tables.discontinuation_reasons()) {
    EXPECT_FALSE(reason.description().empty()) << reason.dhcs_code();
    EXPECT_TRUE(codes.insert(reason.dhcs_code()).second) << "duplicate " << reason.dhcs_code();
    if (reason.dhcs_code() == 15) {
      EXPECT_EQ(reason.description(), "Other");
    }
  }
  EXPECT_EQ(codes, (std::set<int>{1, 2, 3, 4, 5, 7, 8, 15}));
}

}  // namespace
}  // namespace hub
