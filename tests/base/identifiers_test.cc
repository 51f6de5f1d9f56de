#include "base/identifiers.h"

#include "gtest/gtest.h"

namespace hub {
namespace {

TEST(IdentifiersTest, Cin) {
  EXPECT_TRUE(ValidateCin("99898657G").ok());
  EXPECT_FALSE(ValidateCin("99898657g").ok());
  EXPECT_FALSE(ValidateCin("9989865G").ok());
  EXPECT_FALSE(ValidateCin("998986571").ok());
  EXPECT_EQ(ValidateCin("12345678").message().find("12345678"), std::string::npos);
}

TEST(IdentifiersTest, NpiLuhnWithPrefix80840) {
  EXPECT_TRUE(ValidateNpi("1234567893").ok());  // The CMS worked example.
  EXPECT_FALSE(ValidateNpi("1234567890").ok());
  EXPECT_FALSE(ValidateNpi("123456789").ok());
  EXPECT_FALSE(ValidateNpi("12345678a3").ok());
  EXPECT_EQ(NpiCheckDigit("123456789"), '3');
}

TEST(IdentifiersTest, TinAndSlugs) {
  EXPECT_TRUE(ValidateTin("951234567").ok());
  EXPECT_FALSE(ValidateTin("95-1234567").ok());
  EXPECT_TRUE(ValidatePlanId("molina").ok());
  EXPECT_FALSE(ValidatePlanId("Molina").ok());
  EXPECT_FALSE(ValidatePlanId("m").ok());
  EXPECT_FALSE(ValidatePlanId("1plan").ok());
  EXPECT_TRUE(ValidateProviderId("father_joes_villages").ok());
  EXPECT_FALSE(ValidateProviderId("father-joes").ok());
}

}  // namespace
}  // namespace hub
