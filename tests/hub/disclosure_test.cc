// What a plan receives of its feed: Part 2 records only under a consent
// (granted, expired, revoked, another recipient or discloser, another
// purpose), held items as placeholders counted for the county, the
// re-disclosure notice and the consent's scope on each Part 2 disclosure,
// and minimum-necessary field masks.
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/feed/feed_disclosure.h"
#include "hub/submit/submit_pipeline.h"
#include "storage/consent_store.h"
#include "tests/hub/hub_test_util.h"
#include "tests/hub/submit_test_env.h"

namespace hub {
namespace {

using ::testing::HasSubstr;
using testing::SubmitEnv;

constexpr char kCin[] = "90000001A";

hub::v1::Consent TpoConsent(std::string id) {
  hub::v1::Consent c;
  c.set_consent_id(std::move(id));
  c.set_member_cin(kCin);
  c.set_discloser_provider_id("hotel_recovery");
  c.set_recipient_plan_id("molina");
  c.add_purposes(hub::v1::CONSENT_PURPOSE_TREATMENT_PAYMENT_OPERATIONS);
  c.set_signed_date("2026-11-01");
  c.set_expiration_date("2027-11-01");
  return c;
}

class DisclosureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = SubmitEnv::Start();
    ASSERT_NE(env_, nullptr);
    env_->AddEcmMember(kCin, "molina", "alpha_cbo");
    env_->AddAssignment(kCin, "molina", "hotel_recovery", "2026-01-01");
    consents_ = std::make_unique<storage::ConsentStore>(env_->store());
    disclosure_ = std::make_unique<FeedDisclosure>(consents_.get(), nullptr, nullptr,
                                                   [this] { return now_; });
    view_.plan_id = "molina";
  }

  // Submits one record from the Part 2 program and returns its stored item.
  hub::v1::FeedItem SubmitPart2(const std::string& key) {
    EXPECT_TRUE(
        env_->Submit("hotel_recovery", {testing::EcmOutreach(key, kCin, "2026-11-03")}).ok());
    std::vector<hub::v1::FeedItem> feed = env_->Feed("molina");
    EXPECT_FALSE(feed.empty());
    return feed.back();
  }

  // What the plan receives for `item`.
  hub::v1::FeedItem Deliver(const hub::v1::FeedItem& item) {
    absl::StatusOr<std::optional<std::string>> sent =
        disclosure_->Transform(view_, item.sequence(), item.SerializeAsString());
    EXPECT_TRUE(sent.ok()) << sent.status();
    if (!sent.ok() || !sent->has_value()) return item;
    hub::v1::FeedItem out;
    EXPECT_TRUE(out.ParseFromString(**sent));
    return out;
  }

  std::unique_ptr<SubmitEnv> env_;
  std::unique_ptr<storage::ConsentStore> consents_;
  std::unique_ptr<FeedDisclosure> disclosure_;
  FeedDisclosure::PlanView view_;
  absl::Time now_ = testing::FixedTime();  // 2026-11-23
};

TEST_F(DisclosureTest, Part2WithoutConsentIsAPlaceholderCountedForTheCounty) {
  const hub::v1::FeedItem item = SubmitPart2("p2-1");
  ASSERT_EQ(item.redisclosure_notice(), kPart2RedisclosureNotice);
  const hub::v1::FeedItem sent = Deliver(item);
  EXPECT_EQ(sent.withheld_reason(), kPart2Withheld);
  EXPECT_EQ(sent.sequence(), item.sequence());  // Gap-free: same place.
  EXPECT_EQ(sent.record_id(), item.record_id());
  EXPECT_FALSE(sent.has_submission());
  EXPECT_EQ(sent.SerializeAsString().find(kCin), std::string::npos);
  EXPECT_EQ(*consents_->CountHeld("molina"), 1);
  EXPECT_EQ(*consents_->CountHeld(), 1);
  // Held for good: a consent given later covers later disclosures only.
  ASSERT_TRUE(consents_->Put(TpoConsent("cns_a")).ok());
  EXPECT_EQ(Deliver(item).withheld_reason(), kPart2Withheld);
  const hub::v1::FeedItem later = Deliver(SubmitPart2("p2-2"));
  EXPECT_EQ(later.withheld_reason(), "");
  EXPECT_EQ(*consents_->CountHeld("molina"), 1);
}

TEST_F(DisclosureTest, ConsentedPart2CarriesTheNoticeAndTheConsentScope) {
  ASSERT_TRUE(consents_->Put(TpoConsent("cns_a")).ok());
  const hub::v1::FeedItem sent = Deliver(SubmitPart2("p2-1"));
  EXPECT_EQ(sent.withheld_reason(), "");
  EXPECT_EQ(sent.submission().outreach_attempt().cin(), kCin);
  EXPECT_EQ(sent.redisclosure_notice(), kPart2RedisclosureNotice);
  EXPECT_THAT(sent.consent_scope(), HasSubstr("cns_a"));
  EXPECT_THAT(sent.consent_scope(), HasSubstr("expires 2027-11-01"));
  // Plain records pass untouched (streamed as stored).
  ASSERT_TRUE(env_->Submit("alpha_cbo", {testing::EcmOutreach("plain", kCin, "2026-11-03")}).ok());
  const hub::v1::FeedItem plain = env_->Feed("molina").back();
  auto as_is = disclosure_->Transform(view_, plain.sequence(), plain.SerializeAsString());
  ASSERT_TRUE(as_is.ok());
  EXPECT_FALSE(as_is->has_value());
}

TEST_F(DisclosureTest, ExpiredRevokedOrMismatchedConsentsDoNotCover) {
  const hub::v1::FeedItem item = SubmitPart2("p2-1");
  const std::string cin = kCin;
  auto covers = [&](const hub::v1::Consent& c) {
    return ConsentCovers(c, item, "molina", cin, now_);
  };
  EXPECT_TRUE(covers(TpoConsent("ok")));
  hub::v1::Consent expired = TpoConsent("expired");
  expired.set_expiration_date("2026-11-22");
  EXPECT_FALSE(covers(expired));
  hub::v1::Consent future = TpoConsent("future");
  future.set_signed_date("2026-11-24");
  EXPECT_FALSE(covers(future));
  hub::v1::Consent revoked = TpoConsent("revoked");
  revoked.mutable_revoke_time()->set_seconds(absl::ToUnixSeconds(now_) - 60);
  EXPECT_FALSE(covers(revoked));
  hub::v1::Consent revoke_later = TpoConsent("revoke_later");
  revoke_later.mutable_revoke_time()->set_seconds(absl::ToUnixSeconds(now_) + 60);
  EXPECT_TRUE(covers(revoke_later));
  hub::v1::Consent other_plan = TpoConsent("other_plan");
  other_plan.set_recipient_plan_id("aetna");
  EXPECT_FALSE(covers(other_plan));
  hub::v1::Consent any_plan = TpoConsent("any_plan");
  any_plan.clear_recipient_plan_id();
  EXPECT_TRUE(covers(any_plan));
  hub::v1::Consent other_discloser = TpoConsent("other_discloser");
  other_discloser.set_discloser_provider_id("alpha_cbo");
  EXPECT_FALSE(covers(other_discloser));
  hub::v1::Consent any_discloser = TpoConsent("any_discloser");
  any_discloser.clear_discloser_provider_id();
  EXPECT_TRUE(covers(any_discloser));
  hub::v1::Consent payment_only = TpoConsent("payment_only");
  payment_only.clear_purposes();
  payment_only.add_purposes(hub::v1::CONSENT_PURPOSE_PAYMENT);
  EXPECT_FALSE(covers(payment_only));  // Outreach is care coordination.
  hub::v1::Consent other_member = TpoConsent("other_member");
  other_member.set_member_cin("90000002B");
  EXPECT_FALSE(covers(other_member));
}

TEST_F(DisclosureTest, RevocationStopsLaterDisclosures) {
  ASSERT_TRUE(consents_->Put(TpoConsent("cns_a")).ok());
  const hub::v1::FeedItem item = SubmitPart2("p2-1");
  EXPECT_EQ(Deliver(item).withheld_reason(), "");
  hub::v1::Consent revoked = TpoConsent("cns_a");
  revoked.mutable_revoke_time()->set_seconds(absl::ToUnixSeconds(now_) - 1);
  ASSERT_TRUE(consents_->Put(revoked).ok());
  // A re-pull of the same (unacknowledged) item, and a new one.
  EXPECT_EQ(Deliver(item).withheld_reason(), kPart2Withheld);
  EXPECT_EQ(Deliver(SubmitPart2("p2-2")).withheld_reason(), kPart2Withheld);
  EXPECT_EQ(*consents_->CountHeld("molina"), 2);
}

TEST_F(DisclosureTest, ExpiredConsentWithholds) {
  hub::v1::Consent c = TpoConsent("cns_old");
  c.set_signed_date("2025-01-01");
  c.set_expiration_date("2025-12-31");
  ASSERT_TRUE(consents_->Put(c).ok());
  EXPECT_EQ(Deliver(SubmitPart2("p2-1")).withheld_reason(), kPart2Withheld);
}

TEST_F(DisclosureTest, PlanReceivesOnlyTheFieldsItsProfileDeclares) {
  ASSERT_TRUE(env_->Submit("alpha_cbo", {testing::EcmOutreach("plain", kCin, "2026-11-03")}).ok());
  const hub::v1::FeedItem item = env_->Feed("molina").back();
  ASSERT_FALSE(item.submission().outreach_attempt().cin().empty());
  view_.mask.add_paths("submission.outreach_attempt.attempt_date");
  for (const char* always : {"sequence", "record_id", "kind", "accept_time"}) {
    view_.mask.add_paths(always);
  }
  const hub::v1::FeedItem sent = Deliver(item);
  EXPECT_EQ(sent.submission().outreach_attempt().attempt_date(), "2026-11-03");
  EXPECT_EQ(sent.submission().outreach_attempt().cin(), "");  // Not declared: not sent.
  EXPECT_EQ(sent.submission().idempotency_key(), "");
  EXPECT_EQ(sent.record_id(), item.record_id());
  EXPECT_EQ(sent.sequence(), item.sequence());
}

}  // namespace
}  // namespace hub
