// ProviderService's views over an in-process hub (SubmitEnv): the worklist
// across plans (ListMembers), shared care plans (GetCarePlan) and the
// outreach due-by a provider's submissions clear.
#include "hub/views/provider_views.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/common/rpc_status.h"
#include "tests/hub/hub_test_util.h"
#include "tests/hub/submit_test_env.h"

namespace hub::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// Members (CINs are PHI: no error message may contain one).
constexpr char kM1[] = "10000001A";  // molina, alpha_cbo ECM from 2026-11-22, bravo CS
constexpr char kM2[] = "20000002B";  // chg, alpha_cbo ECM from 2026-11-23
constexpr char kM3[] = "30000003C";  // molina, alpha_cbo ECM, enrolled since January
constexpr char kM4[] = "40000004D";  // molina, golf_network ECM
constexpr char kM5[] = "50000005E";  // molina, alpha_cbo ECM ended in June
constexpr char kM6[] = "60000006F";  // molina, hotel_recovery (Part 2) ECM, bravo CS
constexpr char kM7[] = "70000007G";  // molina, bravo CS authorization ended in June

hub::v1::Assignment Ecm(std::string_view cin, std::string_view plan, std::string_view provider,
                        std::string_view start, std::string_view end,
                        hub::v1::EnrollmentStatus status) {
  hub::v1::Assignment a;
  a.set_cin(std::string(cin));
  a.set_plan_id(std::string(plan));
  a.set_provider_id(std::string(provider));
  a.add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_ADULT_INDIVIDUAL_HOMELESSNESS);
  a.add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_ADULT_AVOIDABLE_UTILIZATION);
  a.set_benefit_start_date(std::string(start));
  a.set_benefit_end_date(std::string(end));
  a.set_status(status);
  return a;
}

absl::Time At(int day, int hour) {
  return absl::FromCivil(absl::CivilSecond(2026, 11, day, hour, 0, 0), absl::UTCTimeZone());
}

int64_t Seconds(absl::Time t) { return absl::ToUnixSeconds(t); }

class ProviderViewsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    now_.store(Seconds(FixedTime()));
    SubmitEnvOptions options;
    options.clock = [this] { return absl::FromUnixSeconds(now_.load()); };
    env_ = SubmitEnv::Start(std::move(options));
    ASSERT_NE(env_, nullptr);

    for (const char* cin : {kM1, kM3, kM4, kM5, kM6, kM7}) {
      env_->AddMember(cin);
      env_->AddCoverage(cin, "molina", "2026-01-01");
    }
    env_->AddMember(kM2);
    env_->AddCoverage(kM2, "chg", "2026-01-01");
    env_->AddAssignment(
        Ecm(kM1, "molina", "alpha_cbo", "2026-11-22", "", hub::v1::ENROLLMENT_STATUS_ASSIGNED));
    env_->AddAssignment(
        Ecm(kM2, "chg", "alpha_cbo", "2026-11-23", "", hub::v1::ENROLLMENT_STATUS_ASSIGNED));
    env_->AddAssignment(
        Ecm(kM3, "molina", "alpha_cbo", "2026-01-01", "", hub::v1::ENROLLMENT_STATUS_ENROLLED));
    env_->AddAssignment(
        Ecm(kM4, "molina", "golf_network", "2026-01-01", "", hub::v1::ENROLLMENT_STATUS_ENROLLED));
    env_->AddAssignment(Ecm(kM5, "molina", "alpha_cbo", "2026-01-01", "2026-06-30",
                            hub::v1::ENROLLMENT_STATUS_DISCONTINUED));
    env_->AddAssignment(Ecm(kM6, "molina", "hotel_recovery", "2026-01-01", "",
                            hub::v1::ENROLLMENT_STATUS_ENROLLED));
    hub::v1::Authorization auth = MakeAuthorization("AUTH-1", kM1, "molina", "bravo_housing",
                                                    hub::v1::COMMUNITY_SUPPORT_HOUSING_DEPOSITS, 10,
                                                    "2026-11-01", "2026-12-31");
    auth.set_referral_date("2026-11-23");
    env_->AddAuthorization(auth);
    env_->AddAuthorization(MakeAuthorization("AUTH-6", kM6, "molina", "bravo_housing",
                                             hub::v1::COMMUNITY_SUPPORT_HOUSING_DEPOSITS, 5,
                                             "2026-11-01", "2026-12-31"));
    env_->AddAuthorization(MakeAuthorization("AUTH-7", kM7, "molina", "bravo_housing",
                                             hub::v1::COMMUNITY_SUPPORT_HOUSING_DEPOSITS, 5,
                                             "2026-01-01", "2026-06-30"));
  }

  absl::StatusOr<hub::v1::ListMembersResponse> List(const std::string& provider,
                                                    const std::string& plan = "",
                                                    const std::string& as_of = "",
                                                    int page_size = 0,
                                                    const std::string& token = "") {
    hub::v1::ListMembersRequest request;
    request.set_provider_id(provider);
    request.set_plan_id(plan);
    request.set_as_of_date(as_of);
    request.set_page_size(page_size);
    request.set_page_token(token);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    hub::v1::ListMembersResponse response;
    absl::Status status = FromGrpcStatus(env_->stub().ListMembers(&context, request, &response));
    if (!status.ok()) return status;
    return response;
  }

  // "plan/cin" of every entry.
  static std::vector<std::string> Keys(const hub::v1::ListMembersResponse& response) {
    std::vector<std::string> out;
    for (const auto& e : response.entries()) out.push_back(e.plan_id() + "/" + e.cin());
    return out;
  }

  absl::StatusOr<hub::v1::GetCarePlanResponse> CarePlan(const std::string& provider,
                                                        const std::string& cin) {
    hub::v1::GetCarePlanRequest request;
    request.set_provider_id(provider);
    request.set_cin(cin);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    hub::v1::GetCarePlanResponse response;
    absl::Status status = FromGrpcStatus(env_->stub().GetCarePlan(&context, request, &response));
    if (!status.ok()) return status;
    return response;
  }

  void ExpectAccepted(const std::string& provider, const hub::v1::Submission& s) {
    absl::StatusOr<hub::v1::SubmitResponse> r = env_->Submit(provider, {s});
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_TRUE(r->results(0).has_accepted()) << r->results(0).ShortDebugString();
  }

  std::atomic<int64_t> now_{0};
  std::unique_ptr<SubmitEnv> env_;
};

TEST_F(ProviderViewsTest, WorklistSpansPlansWithStatusPofsAndOutreachDue) {
  absl::StatusOr<hub::v1::ListMembersResponse> list = List("alpha_cbo");
  ASSERT_TRUE(list.ok()) << list.status();
  // Plan, then CIN; M5 ended in June; M4 is golf_network's.
  EXPECT_THAT(Keys(*list), ElementsAre("chg/20000002B", "molina/10000001A", "molina/30000003C"));
  EXPECT_TRUE(list->next_page_token().empty());

  const hub::v1::WorklistEntry& m2 = list->entries(0);
  EXPECT_EQ(m2.reason(), hub::v1::WORKLIST_REASON_ECM_ASSIGNMENT);
  EXPECT_EQ(m2.name().last(), "Member");
  EXPECT_EQ(m2.name().first(), "Test");
  EXPECT_THAT(m2.populations_of_focus(),
              ElementsAre(hub::v1::POPULATION_OF_FOCUS_ADULT_INDIVIDUAL_HOMELESSNESS,
                          hub::v1::POPULATION_OF_FOCUS_ADULT_AVOIDABLE_UTILIZATION));
  EXPECT_EQ(m2.enrollment_status(), hub::v1::ENROLLMENT_STATUS_ASSIGNED);
  EXPECT_EQ(m2.start_date(), "2026-11-23");
  EXPECT_TRUE(m2.authorization_number().empty());
  EXPECT_FALSE(m2.over_capacity());
  // The 24-hour outreach rule is for CS referrals: an ECM assignment has no
  // such deadline, however long it waits.
  EXPECT_FALSE(m2.has_outreach_due_by());
  EXPECT_FALSE(m2.outreach_overdue());

  const hub::v1::WorklistEntry& m1 = list->entries(1);
  EXPECT_EQ(m1.start_date(), "2026-11-22");
  EXPECT_FALSE(m1.has_outreach_due_by());
  EXPECT_FALSE(m1.outreach_overdue());

  const hub::v1::WorklistEntry& m3 = list->entries(2);
  EXPECT_EQ(m3.enrollment_status(), hub::v1::ENROLLMENT_STATUS_ENROLLED);
  EXPECT_FALSE(m3.has_outreach_due_by());  // Engaged already.
  EXPECT_FALSE(m3.outreach_overdue());

  // The ended assignment is on the list of a day in its period.
  absl::StatusOr<hub::v1::ListMembersResponse> march = List("alpha_cbo", "", "2026-03-01");
  ASSERT_TRUE(march.ok()) << march.status();
  EXPECT_THAT(Keys(*march), ElementsAre("molina/30000003C", "molina/50000005E"));
  EXPECT_EQ(march->entries(1).enrollment_status(), hub::v1::ENROLLMENT_STATUS_DISCONTINUED);

  // One plan only.
  absl::StatusOr<hub::v1::ListMembersResponse> chg = List("alpha_cbo", "chg");
  ASSERT_TRUE(chg.ok()) << chg.status();
  EXPECT_THAT(Keys(*chg), ElementsAre("chg/20000002B"));
}

TEST_F(ProviderViewsTest, CsOutreachIsDueAtTheCountysMidnightNotUtcs) {
  // AUTH-1 was referred on the 23rd: due 24 hours after the start of that
  // day in San Diego (PST, UTC-8), i.e. 08:00 UTC on the 24th.
  // At 4 pm Pacific on the 23rd (UTC midnight) it is not overdue.
  now_.store(Seconds(At(24, 0)));
  absl::StatusOr<hub::v1::ListMembersResponse> afternoon = List("bravo_housing");
  ASSERT_TRUE(afternoon.ok()) << afternoon.status();
  ASSERT_EQ(afternoon->entries(0).authorization_number(), "AUTH-1");
  EXPECT_EQ(afternoon->entries(0).outreach_due_by().seconds(), Seconds(At(24, 8)));
  EXPECT_FALSE(afternoon->entries(0).outreach_overdue());
  // After midnight Pacific it is.
  now_.store(Seconds(At(24, 9)));
  absl::StatusOr<hub::v1::ListMembersResponse> next_day = List("bravo_housing");
  ASSERT_TRUE(next_day.ok()) << next_day.status();
  EXPECT_TRUE(next_day->entries(0).outreach_overdue());
}

TEST_F(ProviderViewsTest, CsReferralShowsUnitsLeftAfterServicesAndOutreachDue) {
  absl::StatusOr<hub::v1::ListMembersResponse> list = List("bravo_housing");
  ASSERT_TRUE(list.ok()) << list.status();
  // AUTH-7 ended in June.
  EXPECT_THAT(Keys(*list), ElementsAre("molina/10000001A", "molina/60000006F"));
  const hub::v1::WorklistEntry& e = list->entries(0);
  EXPECT_EQ(e.reason(), hub::v1::WORKLIST_REASON_CS_REFERRAL);
  EXPECT_EQ(e.authorization_number(), "AUTH-1");
  EXPECT_EQ(e.community_support(), hub::v1::COMMUNITY_SUPPORT_HOUSING_DEPOSITS);
  EXPECT_EQ(e.units_remaining(), 10);
  EXPECT_EQ(e.start_date(), "2026-11-01");
  EXPECT_TRUE(e.populations_of_focus().empty());
  // Referred on the 23rd: due at midnight Pacific, not yet overdue at 10:56
  // UTC.
  EXPECT_EQ(e.outreach_due_by().seconds(), Seconds(At(24, 8)));
  EXPECT_FALSE(e.outreach_overdue());

  // Three units delivered: seven left.
  ExpectAccepted("bravo_housing",
                 CsService("s-1", kM1, "2026-11-23", "AUTH-1", "H0044", {"U2"}, 3));
  // Outreach on the referral clears its due-by.
  hub::v1::Submission outreach = EcmOutreach("o-cs", kM1, "2026-11-23");
  outreach.mutable_outreach_attempt()->set_authorization_number("AUTH-1");
  ExpectAccepted("bravo_housing", outreach);

  absl::StatusOr<hub::v1::ListMembersResponse> after = List("bravo_housing");
  ASSERT_TRUE(after.ok()) << after.status();
  ASSERT_EQ(after->entries_size(), 2);
  EXPECT_EQ(after->entries(0).units_remaining(), 7);
  EXPECT_FALSE(after->entries(0).has_outreach_due_by());
  // AUTH-6 (referral date = its start, Nov 1) is still due and overdue.
  EXPECT_EQ(after->entries(1).authorization_number(), "AUTH-6");
  EXPECT_EQ(after->entries(1).outreach_due_by().seconds(), Seconds(At(2, 8)));
  EXPECT_TRUE(after->entries(1).outreach_overdue());
}

TEST_F(ProviderViewsTest, ProvidersSeeOnlyTheirOwnMembers) {
  absl::StatusOr<hub::v1::ListMembersResponse> golf = List("golf_network");
  ASSERT_TRUE(golf.ok()) << golf.status();
  EXPECT_THAT(Keys(*golf), ElementsAre("molina/40000004D"));
  absl::StatusOr<hub::v1::ListMembersResponse> echo = List("echo_meals");
  ASSERT_TRUE(echo.ok()) << echo.status();
  EXPECT_EQ(echo->entries_size(), 0);
  absl::StatusOr<hub::v1::ListMembersResponse> alpha = List("alpha_cbo");
  ASSERT_TRUE(alpha.ok()) << alpha.status();
  for (const auto& e : alpha->entries()) {
    EXPECT_NE(e.cin(), kM4);
    EXPECT_NE(e.cin(), kM6);
  }
}

TEST_F(ProviderViewsTest, PagesResumeWhereTheyStoppedAndTokensAreChecked) {
  std::vector<std::string> paged;
  std::string token;
  int pages = 0;
  do {
    absl::StatusOr<hub::v1::ListMembersResponse> page = List("alpha_cbo", "", "", 1, token);
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_EQ(page->entries_size(), 1);
    paged.push_back(page->entries(0).plan_id() + "/" + page->entries(0).cin());
    token = page->next_page_token();
    // The token is opaque: it does not show the CIN.
    EXPECT_THAT(token, Not(HasSubstr("0000")));
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(paged, ElementsAre("chg/20000002B", "molina/10000001A", "molina/30000003C"));

  absl::StatusOr<hub::v1::ListMembersResponse> first = List("alpha_cbo", "", "", 2);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->entries_size(), 2);
  ASSERT_FALSE(first->next_page_token().empty());
  absl::StatusOr<hub::v1::ListMembersResponse> rest =
      List("alpha_cbo", "", "", 2, first->next_page_token());
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_THAT(Keys(*rest), ElementsAre("molina/30000003C"));
  EXPECT_TRUE(rest->next_page_token().empty());

  // A token is only good for the list that issued it.
  EXPECT_TRUE(
      absl::IsInvalidArgument(List("golf_network", "", "", 2, first->next_page_token()).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      List("alpha_cbo", "molina", "", 2, first->next_page_token()).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(List("alpha_cbo", "", "", 2, "bm9wZQ").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(List("alpha_cbo", "", "", -1).status()));
}

TEST_F(ProviderViewsTest, BadRequestsAreRefusedWithoutPhi) {
  EXPECT_TRUE(absl::IsNotFound(List("nobody_here").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(List("").status()));
  EXPECT_TRUE(absl::IsNotFound(List("alpha_cbo", "no_such_plan").status()));
  absl::Status bad_day = List("alpha_cbo", "", "2026-02-30").status();
  EXPECT_TRUE(absl::IsInvalidArgument(bad_day)) << bad_day;
  absl::Status bad_cin = CarePlan("alpha_cbo", "1234").status();
  EXPECT_TRUE(absl::IsInvalidArgument(bad_cin)) << bad_cin;
  EXPECT_THAT(std::string(bad_cin.message()), Not(HasSubstr("1234")));
}

TEST_F(ProviderViewsTest, CarePlanIsSharedWithProvidersServingTheMemberOnly) {
  absl::StatusOr<hub::v1::SubmitResponse> written =
      env_->Submit("alpha_cbo", {CarePlanRecord("cp-1", kM1, "2026-11-23")});
  ASSERT_TRUE(written.ok()) << written.status();
  ASSERT_TRUE(written->results(0).has_accepted());
  const std::string record_id = written->results(0).accepted().record_id();

  // The author reads it.
  absl::StatusOr<hub::v1::GetCarePlanResponse> own = CarePlan("alpha_cbo", kM1);
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(own->author_provider_id(), "alpha_cbo");
  EXPECT_EQ(own->record_id(), record_id);
  EXPECT_EQ(own->care_plan().cin(), kM1);
  EXPECT_EQ(own->care_plan().effective_date(), "2026-11-23");
  ASSERT_EQ(own->care_plan().goals_size(), 1);
  EXPECT_EQ(own->care_plan().goals(0).description(), "Stable housing within 90 days");
  EXPECT_EQ(own->accept_time().seconds(), Seconds(FixedTime()));

  // The CS provider with an approved authorization in effect reads it too.
  absl::StatusOr<hub::v1::GetCarePlanResponse> cs = CarePlan("bravo_housing", kM1);
  ASSERT_TRUE(cs.ok()) << cs.status();
  EXPECT_EQ(cs->record_id(), record_id);
  EXPECT_EQ(cs->care_plan().interventions(0), "Weekly housing navigation visits");

  // Providers that do not serve the member are denied, without PHI.
  for (const char* other : {"echo_meals", "golf_network", "charlie_fqhc"}) {
    absl::Status denied = CarePlan(other, kM1).status();
    EXPECT_TRUE(absl::IsPermissionDenied(denied)) << other << ": " << denied;
    EXPECT_THAT(std::string(denied.message()), Not(HasSubstr(kM1)));
  }

  // Once the authorization has ended, the CS provider no longer serves.
  now_.store(Seconds(absl::FromCivil(absl::CivilSecond(2027, 1, 2, 0, 0, 0), absl::UTCTimeZone())));
  EXPECT_TRUE(absl::IsPermissionDenied(CarePlan("bravo_housing", kM1).status()));
  // The author still reads what it wrote.
  EXPECT_TRUE(CarePlan("alpha_cbo", kM1).ok());
}

TEST_F(ProviderViewsTest, CarePlanNotFoundOnlyForProvidersThatMayReadIt) {
  // alpha serves M3, which has no care plan.
  absl::Status missing = CarePlan("alpha_cbo", kM3).status();
  EXPECT_TRUE(absl::IsNotFound(missing)) << missing;
  EXPECT_THAT(std::string(missing.message()), Not(HasSubstr(kM3)));
  // An unrelated provider learns nothing about whether one exists.
  EXPECT_TRUE(absl::IsPermissionDenied(CarePlan("echo_meals", kM3).status()));
  // Nor does a CS provider whose authorization ended in June.
  EXPECT_TRUE(absl::IsPermissionDenied(CarePlan("bravo_housing", kM7).status()));
  EXPECT_TRUE(absl::IsNotFound(CarePlan("nobody_here", kM3).status()));
}

TEST_F(ProviderViewsTest, Part2CarePlanStaysWithItsAuthor) {
  ExpectAccepted("hotel_recovery", CarePlanRecord("cp-6", kM6, "2026-11-20"));
  absl::StatusOr<hub::v1::GetCarePlanResponse> own = CarePlan("hotel_recovery", kM6);
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(own->author_provider_id(), "hotel_recovery");
  // bravo serves M6 (AUTH-6) but the plan is Part 2 data.
  absl::Status denied = CarePlan("bravo_housing", kM6).status();
  EXPECT_TRUE(absl::IsPermissionDenied(denied)) << denied;
  EXPECT_THAT(std::string(denied.message()), HasSubstr("Part 2"));
}

}  // namespace
}  // namespace hub::testing
