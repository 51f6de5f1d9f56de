// One test per submission reason code, through the real ProviderService.Submit
// RPC on an in-process server (127.0.0.1:0), over a store seeded through the
// storage APIs. Each test first shows that the valid record is accepted
// where that matters, then breaks one thing and expects exactly that code
// and field, with a message free of the record's values.
#include "hub/submit/submit_validation.h"

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/hub/submit_test_env.h"

namespace hub::testing {
namespace {

constexpr char kMember[] = "10000001A";    // molina, assigned to alpha_cbo (ECM)
constexpr char kCsMember[] = "10000003C";  // molina, authorized to bravo_housing
constexpr char kAetnaMember[] = "10000004D";
constexpr char kAuth[] = "AUTH-DEP-1";  // HOUSING_DEPOSITS, 10 units, Oct-Dec 2026
constexpr char kRequestedAuth[] = "AUTH-DEP-2";

class SubmitValidationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = SubmitEnv::Start();
    ASSERT_NE(env_, nullptr);
    env_->AddEcmMember(kMember, "molina", "alpha_cbo");
    env_->AddMember(kCsMember);
    env_->AddCoverage(kCsMember, "molina", "2026-01-01");
    env_->AddAuthorization(MakeAuthorization(kAuth, kCsMember, "molina", "bravo_housing",
                                             hub::v1::COMMUNITY_SUPPORT_HOUSING_DEPOSITS, 10,
                                             "2026-10-01", "2026-12-31"));
    hub::v1::Authorization requested =
        MakeAuthorization(kRequestedAuth, kCsMember, "molina", "bravo_housing",
                          hub::v1::COMMUNITY_SUPPORT_HOUSING_DEPOSITS, 10, "2026-10-01", "");
    requested.set_status(hub::v1::AUTHORIZATION_STATUS_REQUESTED);
    env_->AddAuthorization(requested);
    env_->AddMember(kAetnaMember);
    env_->AddCoverage(kAetnaMember, "aetna", "2026-01-01");
  }

  hub::v1::SubmissionResult SubmitOne(std::string_view provider, const hub::v1::Submission& s) {
    absl::StatusOr<hub::v1::SubmitResponse> response = env_->Submit(provider, {s});
    EXPECT_TRUE(response.ok()) << response.status();
    if (!response.ok() || response->results_size() != 1) return {};
    return response->results(0);
  }

  void ExpectAccepted(std::string_view provider, const hub::v1::Submission& s) {
    hub::v1::SubmissionResult r = SubmitOne(provider, s);
    EXPECT_TRUE(r.has_accepted()) << r.DebugString();
  }

  // Expects a rejection with `code` at `field`, with a sentence that names
  // none of the record's identifying values.
  void ExpectRejected(std::string_view provider, const hub::v1::Submission& s,
                      std::string_view code, std::string_view field) {
    hub::v1::SubmissionResult r = SubmitOne(provider, s);
    ASSERT_TRUE(r.has_rejected()) << r.DebugString();
    EXPECT_EQ(r.rejected().reason_code(), code);
    EXPECT_EQ(r.idempotency_key(), s.idempotency_key());
    EXPECT_FALSE(r.replayed());
    ASSERT_EQ(r.rejected().bad_request().field_violations_size(), 1);
    const auto& violation = r.rejected().bad_request().field_violations(0);
    EXPECT_EQ(violation.field(), field);
    EXPECT_GT(violation.description().size(), 20u);
    for (const char* value : {kMember, kCsMember, kAetnaMember, "10000009Z", "10000005E"}) {
      EXPECT_THAT(violation.description(), ::testing::Not(::testing::HasSubstr(value)));
    }
    const std::string date(RecordDateOf(s));
    if (date.size() >= 8) {
      EXPECT_THAT(violation.description(), ::testing::Not(::testing::HasSubstr(date)));
    }
  }

  std::unique_ptr<SubmitEnv> env_;
};

TEST_F(SubmitValidationTest, ValidRecordsOfEveryKindAreAccepted) {
  ExpectAccepted("alpha_cbo", EcmOutreach("ok-1", kMember, "2026-11-03"));
  ExpectAccepted("alpha_cbo", EcmService("ok-2", kMember, "2026-11-03"));
  ExpectAccepted("alpha_cbo", CarePlanRecord("ok-3", kMember, "2026-11-01"));
  hub::v1::Submission status;
  status.set_idempotency_key("ok-4");
  status.mutable_enrollment_status()->set_cin(kMember);
  status.mutable_enrollment_status()->set_as_of_date("2026-11-20");
  status.mutable_enrollment_status()->set_status(hub::v1::ENROLLMENT_STATUS_ENROLLED);
  ExpectAccepted("alpha_cbo", status);
  ExpectAccepted("bravo_housing",
                 CsService("ok-5", kCsMember, "2026-11-03", kAuth, "H0044", {"U2"}, 2));
  ExpectAccepted("bravo_housing", Referral("ok-6", kCsMember, "2026-11-02", kAuth,
                                           hub::v1::REFERRAL_STATUS_ACCEPTED));
  hub::v1::Submission invoice;
  invoice.set_idempotency_key("ok-7");
  auto* line = invoice.mutable_invoice_line();
  line->set_invoice_number("INV-1");
  line->set_line_number(1);
  line->set_cin(kCsMember);
  line->set_service_date("2026-11-04");
  line->set_hcpcs_code("H0044");
  line->add_modifiers("U2");
  line->set_units(1);
  line->set_charge_cents(15025);
  line->set_authorization_number(kAuth);
  ExpectAccepted("bravo_housing", invoice);
  hub::v1::Submission cs_outreach = EcmOutreach("ok-8", kCsMember, "2026-11-02");
  cs_outreach.mutable_outreach_attempt()->set_authorization_number(kAuth);
  ExpectAccepted("bravo_housing", cs_outreach);
}

TEST_F(SubmitValidationTest, InvalidIdempotencyKey) {
  ExpectRejected("alpha_cbo", EcmOutreach("has space", kMember, "2026-11-03"),
                 kInvalidIdempotencyKey, "idempotency_key");
  ExpectRejected("alpha_cbo", EcmOutreach("", kMember, "2026-11-03"), kInvalidIdempotencyKey,
                 "idempotency_key");
  ExpectRejected("alpha_cbo", EcmOutreach(std::string(65, 'k'), kMember, "2026-11-03"),
                 kInvalidIdempotencyKey, "idempotency_key");
}

TEST_F(SubmitValidationTest, MissingRecord) {
  hub::v1::Submission empty;
  empty.set_idempotency_key("no-record");
  ExpectRejected("alpha_cbo", empty, kMissingRecord, "record");
}

TEST_F(SubmitValidationTest, InvalidCin) {
  ExpectRejected("alpha_cbo", EcmOutreach("bad-cin", "12345", "2026-11-03"), kInvalidCin,
                 "outreach_attempt.cin");
}

TEST_F(SubmitValidationTest, InvalidDate) {
  ExpectRejected("alpha_cbo", EcmOutreach("feb-30", kMember, "2026-02-30"), kInvalidDate,
                 "outreach_attempt.attempt_date");
  ExpectRejected("alpha_cbo", EcmService("us-date", kMember, "11/03/2026"), kInvalidDate,
                 "service.service_date");
}

TEST_F(SubmitValidationTest, FutureDate) {
  ExpectAccepted("alpha_cbo", EcmOutreach("today", kMember, kToday));
  ExpectRejected("alpha_cbo", EcmOutreach("tomorrow", kMember, "2026-11-24"), kFutureDate,
                 "outreach_attempt.attempt_date");
  hub::v1::Submission status;
  status.set_idempotency_key("future-assessment");
  status.mutable_enrollment_status()->set_cin(kMember);
  status.mutable_enrollment_status()->set_as_of_date("2026-11-20");
  status.mutable_enrollment_status()->set_status(hub::v1::ENROLLMENT_STATUS_ENROLLED);
  status.mutable_enrollment_status()->set_assessment_completed_date("2026-12-01");
  ExpectRejected("alpha_cbo", status, kFutureDate, "enrollment_status.assessment_completed_date");
}

TEST_F(SubmitValidationTest, MissingField) {
  hub::v1::Submission no_method = EcmOutreach("no-method", kMember, "2026-11-03");
  no_method.mutable_outreach_attempt()->clear_method();
  ExpectRejected("alpha_cbo", no_method, kMissingField, "outreach_attempt.method");
  hub::v1::Submission no_staff = EcmService("no-staff", kMember, "2026-11-03");
  no_staff.mutable_service()->clear_staff_type();
  ExpectRejected("alpha_cbo", no_staff, kMissingField, "service.staff_type");
  hub::v1::Submission no_goals = CarePlanRecord("no-goals", kMember, "2026-11-01");
  no_goals.mutable_care_plan()->clear_goals();
  ExpectRejected("alpha_cbo", no_goals, kMissingField, "care_plan.goals");
  // A Community Supports code without an authorization number.
  ExpectRejected("bravo_housing",
                 CsService("no-auth", kCsMember, "2026-11-03", "", "H0044", {"U2"}, 1),
                 kMissingField, "service.authorization_number");
}

TEST_F(SubmitValidationTest, OutOfRange) {
  hub::v1::Submission minutes = EcmOutreach("minutes", kMember, "2026-11-03");
  minutes.mutable_outreach_attempt()->set_minutes(1441);
  ExpectRejected("alpha_cbo", minutes, kOutOfRange, "outreach_attempt.minutes");
  hub::v1::Submission day = EcmOutreach("minutes-1440", kMember, "2026-11-03");
  day.mutable_outreach_attempt()->set_minutes(1440);
  ExpectAccepted("alpha_cbo", day);
  hub::v1::Submission units = EcmService("units-0", kMember, "2026-11-03");
  units.mutable_service()->set_units(0);
  ExpectRejected("alpha_cbo", units, kOutOfRange, "service.units");
  hub::v1::Submission charge = EcmService("charge", kMember, "2026-11-03");
  charge.mutable_service()->set_charge_cents(-1);
  ExpectRejected("alpha_cbo", charge, kOutOfRange, "service.charge_cents");
}

TEST_F(SubmitValidationTest, MissingClosureReason) {
  ExpectRejected(
      "bravo_housing",
      Referral("declined", kCsMember, "2026-11-05", kAuth, hub::v1::REFERRAL_STATUS_DECLINED),
      kMissingClosureReason, "referral_status.closure_reason");
  hub::v1::Submission other =
      Referral("closed-other", kCsMember, "2026-11-05", kAuth, hub::v1::REFERRAL_STATUS_CLOSED);
  other.mutable_referral_status()->set_closure_reason(hub::v1::LOOP_CLOSURE_REASON_OTHER);
  ExpectRejected("bravo_housing", other, kMissingClosureReason,
                 "referral_status.closure_reason_text");
  other.set_idempotency_key("closed-other-2");
  other.mutable_referral_status()->set_closure_reason_text("Moved out of county");
  ExpectAccepted("bravo_housing", other);
}

TEST_F(SubmitValidationTest, UnknownMember) {
  ExpectRejected("alpha_cbo", EcmOutreach("stranger", "10000009Z", "2026-11-03"), kUnknownMember,
                 "outreach_attempt.cin");
}

TEST_F(SubmitValidationTest, MemberNotCovered) {
  ExpectRejected("alpha_cbo", EcmOutreach("before-coverage", kMember, "2025-12-31"),
                 kMemberNotCovered, "outreach_attempt.attempt_date");
}

TEST_F(SubmitValidationTest, ProviderNotContracted) {
  // alpha_cbo has no contract with aetna, which covers this member.
  env_->AddAssignment(kAetnaMember, "aetna", "alpha_cbo", "2026-01-01");
  ExpectRejected("alpha_cbo", EcmOutreach("no-contract", kAetnaMember, "2026-11-03"),
                 kProviderNotContracted, "outreach_attempt.attempt_date");
  // delta_county's health_net contract covers no kind of service (it
  // serves this health_net member, so the answer is precise).
  env_->AddMember("10000006F");
  env_->AddCoverage("10000006F", "health_net", "2026-01-01");
  env_->AddAssignment("10000006F", "health_net", "delta_county", "2026-01-01");
  ExpectRejected("delta_county", EcmOutreach("no-kind", "10000006F", "2026-11-03"),
                 kProviderNotContracted, "outreach_attempt.attempt_date");
}

TEST_F(SubmitValidationTest, NotAssigned) {
  // charlie_fqhc is contracted with molina for ECM but serves no member of
  // this CIN: the answer is the one for an unknown CIN (no oracle).
  ExpectRejected("charlie_fqhc", EcmOutreach("not-mine", kMember, "2026-11-03"), kUnknownMember,
                 "outreach_attempt.cin");
  // The assignment ended: not assigned after its end.
  env_->AddMember("10000005E");
  env_->AddCoverage("10000005E", "molina", "2026-01-01");
  env_->AddAssignment("10000005E", "molina", "charlie_fqhc", "2026-01-01", "2026-10-31");
  ExpectAccepted("charlie_fqhc", EcmOutreach("in-period", "10000005E", "2026-10-31"));
  ExpectRejected("charlie_fqhc", EcmOutreach("after-end", "10000005E", "2026-11-01"), kNotAssigned,
                 "outreach_attempt.cin");
}

TEST_F(SubmitValidationTest, UnknownAuthorization) {
  ExpectRejected(
      "bravo_housing",
      CsService("no-such-auth", kCsMember, "2026-11-03", "AUTH-NOPE", "H0044", {"U2"}, 1),
      kUnknownAuthorization, "service.authorization_number");
}

TEST_F(SubmitValidationTest, NotAuthorized) {
  // The authorization is for kCsMember; kMember is another molina member,
  // one bravo_housing does not serve: the answer is the one for an unknown
  // CIN (no oracle).
  ExpectRejected("bravo_housing",
                 CsService("other-member", kMember, "2026-11-03", kAuth, "H0044", {"U2"}, 1),
                 kUnknownMember, "service.cin");
  // A referral status on charlie_fqhc's authorization, sent by bravo_housing.
  env_->AddAuthorization(MakeAuthorization("AUTH-RC-1", kCsMember, "molina", "charlie_fqhc",
                                           hub::v1::COMMUNITY_SUPPORT_HOUSING_DEPOSITS, 5,
                                           "2026-10-01", ""));
  ExpectRejected(
      "bravo_housing",
      Referral("not-ours", kCsMember, "2026-11-03", "AUTH-RC-1", hub::v1::REFERRAL_STATUS_ACCEPTED),
      kNotAuthorized, "referral_status.authorization_number");
}

TEST_F(SubmitValidationTest, AuthorizationNotActive) {
  ExpectRejected("bravo_housing",
                 CsService("before-period", kCsMember, "2026-09-30", kAuth, "H0044", {"U2"}, 1),
                 kAuthorizationNotActive, "service.service_date");
  ExpectRejected(
      "bravo_housing",
      CsService("requested", kCsMember, "2026-11-03", kRequestedAuth, "H0044", {"U2"}, 1),
      kAuthorizationNotActive, "service.authorization_number");
}

TEST_F(SubmitValidationTest, CodeModifierMismatch) {
  // H0044 + U6 bills transitional rent, not housing deposits (H0044 + U2).
  ExpectRejected("bravo_housing",
                 CsService("wrong-modifier", kCsMember, "2026-11-03", kAuth, "H0044", {"U6"}, 1),
                 kCodeModifierMismatch, "service.modifiers[0]");
  ExpectRejected("bravo_housing",
                 CsService("wrong-code", kCsMember, "2026-11-03", kAuth, "T2033", {"U6"}, 1),
                 kCodeModifierMismatch, "service.hcpcs_code");
  ExpectRejected(
      "bravo_housing",
      CsService("extra-modifier", kCsMember, "2026-11-03", kAuth, "H0044", {"U2", "U9"}, 1),
      kCodeModifierMismatch, "service.modifiers[1]");
  // ECM: G9008 pairs come from the ECM table.
  ExpectRejected("alpha_cbo", EcmService("ecm-modifier", kMember, "2026-11-03", {"U6"}),
                 kCodeModifierMismatch, "service.modifiers[0]");
  ExpectRejected("alpha_cbo", EcmService("ecm-none", kMember, "2026-11-03", {}),
                 kCodeModifierMismatch, "service.modifiers");
}

TEST_F(SubmitValidationTest, UnitsExceeded) {
  ExpectRejected("bravo_housing",
                 CsService("too-many", kCsMember, "2026-11-03", kAuth, "H0044", {"U2"}, 11),
                 kUnitsExceeded, "service.units");
  ExpectAccepted("bravo_housing",
                 CsService("all-ten", kCsMember, "2026-11-03", kAuth, "H0044", {"U2"}, 10));
  ExpectRejected("bravo_housing",
                 CsService("one-more", kCsMember, "2026-11-04", kAuth, "H0044", {"U2"}, 1),
                 kUnitsExceeded, "service.units");
}

// The reason table is documented: every code has a row in
// docs/submission-reasons.md, and the doc names no code the hub lacks.
TEST(SubmitReasonsDocTest, EveryCodeIsDocumented) {
  std::ifstream file(std::string(HUB_SOURCE_DIR) + "/docs/submission-reasons.md");
  ASSERT_TRUE(file.good());
  std::stringstream text;
  text << file.rdbuf();
  std::set<std::string> codes;
  for (const SubmitReason& reason : SubmitReasons()) {
    codes.insert(std::string(reason.code));
    EXPECT_THAT(text.str(), ::testing::HasSubstr("| `" + std::string(reason.code) + "` |"))
        << reason.code << " is not documented";
    EXPECT_FALSE(reason.meaning.empty());
    EXPECT_FALSE(reason.what_to_do.empty());
  }
  EXPECT_EQ(codes.size(), 21u);
}

}  // namespace
}  // namespace hub::testing
