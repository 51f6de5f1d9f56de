// What a provider can do to the hub through Submit (issue 15): values
// outside the contract (finding 1), the membership oracle (finding 5) and
// idempotency keys reused for another record (item 8), each through the
// real ProviderService.Submit RPC on an in-process server.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/submit/submit_validation.h"
#include "tests/hub/submit_test_env.h"

namespace hub::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kBoundaryMember[] = "10000001A";    // molina, assigned to alpha_cbo (ECM)
constexpr char kBoundaryNobody[] = "10000009Z";    // not a member of the hub
constexpr char kBoundaryCsMember[] = "10000003C";  // molina, authorized to bravo_housing
constexpr char kBoundaryAuth[] = "AUTH-DEP-1";

class SubmitBoundaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = SubmitEnv::Start();
    ASSERT_NE(env_, nullptr);
    env_->AddEcmMember(kBoundaryMember, "molina", "alpha_cbo");
    env_->AddMember(kBoundaryCsMember);
    env_->AddCoverage(kBoundaryCsMember, "molina", "2026-01-01");
    env_->AddAuthorization(MakeAuthorization(
        kBoundaryAuth, kBoundaryCsMember, "molina", "bravo_housing",
        hub::v1::COMMUNITY_SUPPORT_HOUSING_DEPOSITS, 10, "2026-10-01", "2026-12-31"));
  }

  std::vector<hub::v1::SubmissionResult> Submit(std::string_view provider,
                                                const std::vector<hub::v1::Submission>& records) {
    absl::StatusOr<hub::v1::SubmitResponse> response = env_->Submit(provider, records);
    EXPECT_TRUE(response.ok()) << response.status();
    if (!response.ok()) return {};
    return {response->results().begin(), response->results().end()};
  }

  hub::v1::SubmissionResult SubmitOne(std::string_view provider, const hub::v1::Submission& s) {
    std::vector<hub::v1::SubmissionResult> results = Submit(provider, {s});
    return results.size() == 1 ? results[0] : hub::v1::SubmissionResult();
  }

  std::unique_ptr<SubmitEnv> env_;
};

hub::v1::Submission Enrollment(std::string_view key, std::string_view cin) {
  hub::v1::Submission s;
  s.set_idempotency_key(std::string(key));
  auto* e = s.mutable_enrollment_status();
  e->set_cin(std::string(cin));
  e->set_as_of_date("2026-11-20");
  e->set_status(hub::v1::ENROLLMENT_STATUS_ENROLLED);
  e->set_acuity(hub::v1::ACUITY_MEDIUM);
  return s;
}

// Finding 1: outreach method 99 or -1, enrollment status 99 and acuity -5
// were accepted (and later crashed the plan's export). Each is refused with
// OUT_OF_RANGE naming the field; the good record of the batch goes through.
TEST_F(SubmitBoundaryTest, EnumsOutsideTheContractAreRejectedNamingTheField) {
  hub::v1::Submission method99 = EcmOutreach("m99", kBoundaryMember, "2026-11-03");
  method99.mutable_outreach_attempt()->set_method(static_cast<hub::v1::OutreachMethod>(99));
  hub::v1::Submission method_neg = EcmOutreach("m-1", kBoundaryMember, "2026-11-03");
  method_neg.mutable_outreach_attempt()->set_method(static_cast<hub::v1::OutreachMethod>(-1));
  hub::v1::Submission status99 = Enrollment("s99", kBoundaryMember);
  status99.mutable_enrollment_status()->set_status(static_cast<hub::v1::EnrollmentStatus>(99));
  hub::v1::Submission acuity = Enrollment("a-5", kBoundaryMember);
  acuity.mutable_enrollment_status()->set_acuity(static_cast<hub::v1::Acuity>(-5));
  hub::v1::Submission staff = EcmService("staff7", kBoundaryMember, "2026-11-03");
  staff.mutable_service()->set_staff_type(static_cast<hub::v1::StaffType>(7));
  const hub::v1::Submission good = EcmOutreach("good", kBoundaryMember, "2026-11-03");

  const std::vector<hub::v1::SubmissionResult> results =
      Submit("alpha_cbo", {method99, method_neg, status99, acuity, staff, good});
  ASSERT_EQ(results.size(), 6u);
  const char* const fields[] = {"outreach_attempt.method", "outreach_attempt.method",
                                "enrollment_status.status", "enrollment_status.acuity",
                                "service.staff_type"};
  const char* const numbers[] = {"99", "-1", "99", "-5", "7"};
  for (int i = 0; i < 5; ++i) {
    SCOPED_TRACE(fields[i]);
    ASSERT_TRUE(results[i].has_rejected()) << results[i].DebugString();
    EXPECT_EQ(results[i].rejected().reason_code(), kOutOfRange);
    ASSERT_EQ(results[i].rejected().bad_request().field_violations_size(), 1);
    const auto& violation = results[i].rejected().bad_request().field_violations(0);
    EXPECT_EQ(violation.field(), fields[i]);
    EXPECT_THAT(violation.description(), HasSubstr(numbers[i]));
    EXPECT_THAT(violation.description(), Not(HasSubstr(kBoundaryMember)));
  }
  EXPECT_TRUE(results[5].has_accepted()) << results[5].DebugString();
  // Nothing but the good record reached the plan's feed.
  const std::vector<hub::v1::FeedItem> feed = env_->Feed("molina");
  ASSERT_EQ(feed.size(), 1u);
  EXPECT_EQ(feed[0].submission().idempotency_key(), "good");
}

// The ranges the contract declares (hub.v1.rules) are enforced the same way,
// at both ends.
TEST_F(SubmitBoundaryTest, NumbersOutsideTheDeclaredRangesAreRejected) {
  hub::v1::Submission minutes = EcmOutreach("minutes", kBoundaryMember, "2026-11-03");
  minutes.mutable_outreach_attempt()->set_minutes(1441);
  hub::v1::Submission units = EcmService("units", kBoundaryMember, "2026-11-03");
  units.mutable_service()->set_units(100000);
  hub::v1::Submission charge = EcmService("charge", kBoundaryMember, "2026-11-03");
  charge.mutable_service()->set_charge_cents(10000000000);
  hub::v1::Submission encounters = Enrollment("encounters", kBoundaryMember);
  encounters.mutable_enrollment_status()->set_in_person_encounters(-3);
  const std::vector<hub::v1::SubmissionResult> results =
      Submit("alpha_cbo", {minutes, units, charge, encounters});
  ASSERT_EQ(results.size(), 4u);
  const char* const fields[] = {"outreach_attempt.minutes", "service.units", "service.charge_cents",
                                "enrollment_status.in_person_encounters"};
  for (int i = 0; i < 4; ++i) {
    SCOPED_TRACE(fields[i]);
    ASSERT_TRUE(results[i].has_rejected()) << results[i].DebugString();
    EXPECT_EQ(results[i].rejected().reason_code(), kOutOfRange);
    EXPECT_EQ(results[i].rejected().bad_request().field_violations(0).field(), fields[i]);
  }
}

// Finding 5: for a member it does not serve, a provider learned that the
// member exists and which plan covers it (NOT_ASSIGNED naming the plan vs
// UNKNOWN_MEMBER). Now both answers are the same, byte for byte, and name no
// plan.
TEST_F(SubmitBoundaryTest, AMemberYouDoNotServeLooksLikeNoMemberAtAll) {
  // charlie_fqhc is contracted with molina for ECM; kBoundaryMember is molina's but
  // assigned to alpha_cbo. golf_network is contracted with every plan.
  for (const char* provider : {"charlie_fqhc", "golf_network"}) {
    SCOPED_TRACE(provider);
    const hub::v1::SubmissionResult served_by_other =
        SubmitOne(provider, EcmOutreach("k1", kBoundaryMember, "2026-11-03"));
    const hub::v1::SubmissionResult nobody =
        SubmitOne(provider, EcmOutreach("k2", kBoundaryNobody, "2026-11-03"));
    ASSERT_TRUE(served_by_other.has_rejected());
    ASSERT_TRUE(nobody.has_rejected());
    EXPECT_EQ(served_by_other.rejected().reason_code(), nobody.rejected().reason_code());
    EXPECT_EQ(served_by_other.rejected().bad_request().SerializeAsString(),
              nobody.rejected().bad_request().SerializeAsString());
    for (const char* plan : {"molina", "aetna", "chg", "health_net", "blue_shield"}) {
      EXPECT_THAT(served_by_other.rejected().DebugString(), Not(HasSubstr(plan)));
    }
  }
  // The same for Community Supports: an authorization number of a member the
  // provider does not serve, and a care plan (no plan check at all today).
  const hub::v1::SubmissionResult cs_other = SubmitOne(
      "charlie_fqhc",
      CsService("k3", kBoundaryCsMember, "2026-11-03", kBoundaryAuth, "H0044", {"U2"}, 1));
  const hub::v1::SubmissionResult cs_nobody =
      SubmitOne("charlie_fqhc",
                CsService("k4", kBoundaryNobody, "2026-11-03", kBoundaryAuth, "H0044", {"U2"}, 1));
  ASSERT_TRUE(cs_other.has_rejected());
  EXPECT_EQ(cs_other.rejected().SerializeAsString(), cs_nobody.rejected().SerializeAsString());
  // A member the provider does serve still gets the precise answer.
  const hub::v1::SubmissionResult own =
      SubmitOne("alpha_cbo", EcmOutreach("k5", kBoundaryMember, "2025-12-31"));
  ASSERT_TRUE(own.has_rejected());
  EXPECT_EQ(own.rejected().reason_code(), kMemberNotCovered);
}

// Item 8: the same idempotency key with a different body used to replay the
// first result silently. It is refused, naming the first record; the same
// body still replays.
TEST_F(SubmitBoundaryTest, AKeyReusedForAnotherRecordIsRefusedNamingTheFirst) {
  const hub::v1::SubmissionResult first =
      SubmitOne("alpha_cbo", EcmOutreach("visit-1", kBoundaryMember, "2026-11-03"));
  ASSERT_TRUE(first.has_accepted());
  const hub::v1::SubmissionResult same =
      SubmitOne("alpha_cbo", EcmOutreach("visit-1", kBoundaryMember, "2026-11-03"));
  EXPECT_TRUE(same.replayed());
  EXPECT_EQ(same.accepted().record_id(), first.accepted().record_id());

  hub::v1::Submission other = EcmOutreach("visit-1", kBoundaryMember, "2026-11-04");
  const hub::v1::SubmissionResult reused = SubmitOne("alpha_cbo", other);
  ASSERT_TRUE(reused.has_rejected()) << reused.DebugString();
  EXPECT_EQ(reused.rejected().reason_code(), "IDEMPOTENCY_KEY_REUSED");
  ASSERT_EQ(reused.rejected().bad_request().field_violations_size(), 1);
  EXPECT_EQ(reused.rejected().bad_request().field_violations(0).field(), "idempotency_key");
  EXPECT_THAT(reused.rejected().bad_request().field_violations(0).description(),
              HasSubstr(first.accepted().record_id()));
  // Within one batch too: the second record under a key is refused.
  const std::vector<hub::v1::SubmissionResult> batch =
      Submit("alpha_cbo", {EcmOutreach("visit-2", kBoundaryMember, "2026-11-05"),
                           EcmOutreach("visit-2", kBoundaryMember, "2026-11-06")});
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_TRUE(batch[0].has_accepted());
  ASSERT_TRUE(batch[1].has_rejected()) << batch[1].DebugString();
  EXPECT_EQ(batch[1].rejected().reason_code(), "IDEMPOTENCY_KEY_REUSED");
  // One feed item per key, the first body.
  const std::vector<hub::v1::FeedItem> feed = env_->Feed("molina");
  ASSERT_EQ(feed.size(), 2u);
  EXPECT_EQ(feed[0].submission().outreach_attempt().attempt_date(), "2026-11-03");
  EXPECT_EQ(feed[1].submission().outreach_attempt().attempt_date(), "2026-11-05");
}

}  // namespace
}  // namespace hub::testing
