// The county model: determinism, member independence, realistic and
// internally consistent members (POF vs age, contracted providers, valid CS
// codes, adjacent switch periods), and the per-plan row streams.
#include "generator/county.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "base/civil_date.h"
#include "base/identifiers.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/generator/test_util.h"

namespace hub::generator {
namespace {

using google::protobuf::util::MessageDifferencer;
using testing::DemoOptions;
using testing::MakeCounty;

bool SameMember(const GeneratedMember& a, const GeneratedMember& b) {
  if (a.index != b.index || a.age != b.age || a.event != b.event ||
      a.enrollments.size() != b.enrollments.size()) {
    return false;
  }
  for (size_t k = 0; k < a.enrollments.size(); ++k) {
    const Enrollment& x = a.enrollments[k];
    const Enrollment& y = b.enrollments[k];
    if (x.plan_id != y.plan_id || x.has_ecm != y.has_ecm ||
        !MessageDifferencer::Equals(x.row, y.row) ||
        x.authorizations.size() != y.authorizations.size()) {
      return false;
    }
    for (size_t n = 0; n < x.authorizations.size(); ++n) {
      if (!MessageDifferencer::Equals(x.authorizations[n], y.authorizations[n])) return false;
    }
  }
  return true;
}

CivilDate Iso(const std::string& s) {
  auto d = CivilDate::ParseIso(s);
  EXPECT_TRUE(d.ok()) << "not an ISO date";
  return d.ok() ? *d : CivilDate();
}

int AgeOn(const CivilDate& dob, const CivilDate& day) {
  int age = day.year() - dob.year();
  if (day.month() < dob.month() || (day.month() == dob.month() && day.day() < dob.day())) --age;
  return age;
}

TEST(CountyTest, SameSeedSameMembersDifferentSeedDifferentMembers) {
  auto a = MakeCounty(DemoOptions(42, 500));
  auto b = MakeCounty(DemoOptions(42, 500));
  auto c = MakeCounty(DemoOptions(43, 500));
  ASSERT_TRUE(a && b && c);
  int differ = 0;
  for (int64_t i = 0; i < 500; ++i) {
    ASSERT_TRUE(SameMember(a->Member(i), b->Member(i))) << "member " << i;
    const GeneratedMember x = a->Member(i);
    const GeneratedMember y = c->Member(i);
    if (x.member().cin() != y.member().cin()) ++differ;
  }
  EXPECT_EQ(differ, 500);
}

TEST(CountyTest, MemberDoesNotDependOnMemberCountOrOrder) {
  auto small = MakeCounty(DemoOptions(7, 50));
  auto large = MakeCounty(DemoOptions(7, 200000));
  ASSERT_TRUE(small && large);
  for (int64_t i : {49, 0, 17, 3}) {
    EXPECT_TRUE(SameMember(small->Member(i), large->Member(i))) << "member " << i;
  }
  // FillMember reusing storage gives the same member as a fresh one.
  GeneratedMember reused;
  for (int64_t i = 0; i < 300; ++i) {
    large->FillMember(i, reused);
    ASSERT_TRUE(SameMember(reused, large->Member(i))) << "member " << i;
  }
}

TEST(CountyTest, CinsAreValidUniqueAndInvertible) {
  auto county = MakeCounty(DemoOptions(11, 20000));
  ASSERT_TRUE(county);
  absl::flat_hash_set<std::string> seen;
  for (int64_t i = 0; i < 20000; ++i) {
    const std::string cin = county->Cin(i);
    ASSERT_TRUE(ValidateCin(cin).ok()) << "index " << i;
    ASSERT_TRUE(seen.insert(cin).second) << "duplicate CIN at index " << i;
    ASSERT_EQ(county->MemberIndexOfCin(cin), i);
  }
  // Across the 10,000,000-member blocks too.
  for (int64_t i :
       {int64_t{9'999'999}, int64_t{10'000'000}, int64_t{123'456'789}, int64_t{259'999'999}}) {
    const std::string cin = county->Cin(i);
    EXPECT_TRUE(ValidateCin(cin).ok());
    EXPECT_EQ(county->MemberIndexOfCin(cin), i);
    EXPECT_NE(cin, county->Cin(i % 10'000'000 == i ? i + 10'000'000 : i % 10'000'000));
  }
  EXPECT_EQ(county->MemberIndexOfCin("12345678"), std::nullopt);
  EXPECT_EQ(county->MemberIndexOfCin("9123456a"), std::nullopt);
}

TEST(CountyTest, RejectsBadOptions) {
  CountyOptions options = DemoOptions(1, 10);
  options.as_of_month = "2026-13";
  EXPECT_EQ(County::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
  options = DemoOptions(1, 10);
  options.directory.clear_plans();
  EXPECT_EQ(County::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
  options = DemoOptions(1, 10);
  options.error_rate = 1.5;
  EXPECT_EQ(County::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
  options = DemoOptions(1, 10);
  options.plan_weights = {{"nobody", 1}};
  EXPECT_EQ(County::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
  options = DemoOptions(1, 10);
  EXPECT_EQ(MakeCounty(options)->AssignmentRowsForPlan("nobody", {}, nullptr).code(),
            absl::StatusCode::kNotFound);
}

// One pass over many members checking every invariant a consumer relies on.
class CountyInvariantsTest : public ::testing::Test {
 protected:
  static constexpr int64_t kMembers = 20000;
  void SetUp() override {
    options_ = DemoOptions(2026, kMembers);
    county_ = MakeCounty(options_);
    ASSERT_TRUE(county_);
    for (const auto& provider : options_.directory.providers()) npi_[provider.npi()] = &provider;
  }

  // The provider's contract with `plan_id`, active on the period's first day
  // and listing `kind`, or nullptr.
  const hub::v1::PlanContract* Contract(const hub::v1::Provider& provider,
                                        const std::string& plan_id,
                                        hub::v1::ProviderKind kind) const {
    const std::string day = county_->period_start().ToIso();
    for (const auto& contract : provider.contracts()) {
      if (contract.plan_id() != plan_id) continue;
      if (!contract.start_date().empty() && contract.start_date() > day) continue;
      if (!contract.end_date().empty() && contract.end_date() < day) continue;
      for (int k : contract.kinds()) {
        if (k == kind) return &contract;
      }
    }
    return nullptr;
  }

  CountyOptions options_;
  std::unique_ptr<County> county_;
  std::map<std::string, const hub::v1::Provider*> npi_;
};

TEST_F(CountyInvariantsTest, MembersAreConsistent) {
  const CivilDate ps = county_->period_start();
  const CivilDate pe = county_->period_end();
  const std::string benefit_floor = "2025-05-01";  // 18 months before 2026-11
  std::set<std::string> languages, cities, plans_seen;
  std::set<std::pair<std::string, std::string>> zip_city;
  std::set<std::string> first_names, last_names;
  int64_t ecm = 0, cs = 0, switches = 0, retro = 0, homeless = 0, homeless_pof = 0,
          homeless_with_pof = 0, discontinued = 0;
  for (int64_t i = 0; i < kMembers; ++i) {
    const GeneratedMember m = county_->Member(i);
    const hub::v1::Member& member = m.member();
    ASSERT_TRUE(ValidateCin(member.cin()).ok());
    const CivilDate dob = Iso(member.date_of_birth());
    ASSERT_EQ(AgeOn(dob, ps), m.age) << "member " << i;
    ASSERT_GE(m.age, 0);
    ASSERT_LE(m.age, 90);
    ASSERT_FALSE(member.name().first().empty());
    ASSERT_FALSE(member.name().last().empty());
    first_names.insert(member.name().first());
    last_names.insert(member.name().last());
    ASSERT_NE(member.sex(), hub::v1::SEX_UNSPECIFIED);
    ASSERT_NE(member.sex(), hub::v1::SEX_OTHER);  // X12 834 DMG03 has F, M, U only
    ASSERT_EQ(member.address().state(), "CA");
    ASSERT_EQ(member.address().zip().size(), 5u);
    zip_city.insert({member.address().zip(), member.address().city()});
    cities.insert(member.address().city());
    if (!member.phone().empty()) {
      ASSERT_EQ(member.phone().size(), 10u);
      const std::string area = member.phone().substr(0, 3);
      ASSERT_TRUE(area == "619" || area == "858" || area == "760" || area == "442") << area;
      ASSERT_EQ(member.phone().substr(3, 5), "55501");
    }
    languages.insert(member.preferred_spoken_language());
    ASSERT_TRUE(member.has_experiencing_homelessness());
    if (member.experiencing_homelessness()) ++homeless;
    if (m.event == CoverageEvent::kPlanSwitch) ++switches;
    if (m.event == CoverageEvent::kRetroTermination || m.event == CoverageEvent::kRetroEnrollment) {
      ++retro;
    }

    ASSERT_EQ(m.enrollments.size(), m.event == CoverageEvent::kPlanSwitch ? 2u : 1u);
    for (const Enrollment& e : m.enrollments) {
      plans_seen.insert(e.plan_id);
      const hub::v1::AssignmentFileRow& row = e.row;
      ASSERT_TRUE(MessageDifferencer::Equals(row.member(), member));
      ASSERT_EQ(row.coverage().cin(), member.cin());
      ASSERT_EQ(row.coverage().plan_id(), e.plan_id);
      ASSERT_FALSE(row.plan_member_id().empty());
      ASSERT_LE(row.plan_member_id().size(), 12u);
      const CivilDate cov_start = Iso(row.coverage().start_date());
      ASSERT_FALSE(cov_start < dob);
      ASSERT_FALSE(pe < cov_start);
      if (!row.coverage().end_date().empty()) {
        ASSERT_FALSE(Iso(row.coverage().end_date()) < cov_start);
        ASSERT_EQ(row.action(), hub::v1::ROW_ACTION_TERMINATE);
      } else {
        ASSERT_EQ(row.action(), hub::v1::ROW_ACTION_UPSERT);
      }
      ASSERT_EQ(e.has_ecm, row.has_assignment());
      ASSERT_EQ(e.has_ecm, !row.provider_npi().empty());
      if (!e.has_ecm) {
        ASSERT_TRUE(e.authorizations.empty());
        continue;
      }
      ++ecm;
      // The ECM provider is in the directory and contracted for ECM.
      auto it = npi_.find(row.provider_npi());
      ASSERT_NE(it, npi_.end()) << "NPI not in the directory";
      const hub::v1::Provider& provider = *it->second;
      ASSERT_EQ(row.assignment().provider_id(), provider.provider_id());
      const auto* contract = Contract(provider, e.plan_id, hub::v1::PROVIDER_KIND_ECM);
      ASSERT_NE(contract, nullptr)
          << provider.provider_id() << " not contracted for ECM with " << e.plan_id;
      // POFs follow the age on the period's first day.
      const auto& pofs = row.assignment().populations_of_focus();
      ASSERT_GE(pofs.size(), 1);
      ASSERT_LE(pofs.size(), 3);
      bool has_homeless_pof = false;
      for (int pof : pofs) {
        if (m.age < 21) {
          ASSERT_GE(pof, 20) << "adult POF for a child, member " << i;
        } else {
          ASSERT_LT(pof, 20) << "child POF for an adult, member " << i;
        }
        has_homeless_pof = has_homeless_pof || pof == 1 || pof == 2 || pof == 20 || pof == 21;
      }
      if (has_homeless_pof) {
        ++homeless_pof;
        if (member.experiencing_homelessness()) ++homeless_with_pof;
      }
      // Benefit dates: within the last 18 months, inside coverage and contract.
      const auto& a = row.assignment();
      ASSERT_GE(a.benefit_start_date(), benefit_floor);
      ASSERT_GE(a.benefit_start_date(), row.coverage().start_date());
      ASSERT_LE(a.benefit_start_date(), pe.ToIso());
      if (!contract->start_date().empty()) {
        ASSERT_GE(a.benefit_start_date(), contract->start_date());
      }
      ASSERT_NE(a.status(), hub::v1::ENROLLMENT_STATUS_UNSPECIFIED);
      ASSERT_NE(a.acuity(), hub::v1::ACUITY_UNSPECIFIED);
      if (!a.benefit_end_date().empty()) {
        ++discontinued;
        ASSERT_GE(a.benefit_end_date(), a.benefit_start_date());
        ASSERT_EQ(a.status(), hub::v1::ENROLLMENT_STATUS_DISCONTINUED);
        ASSERT_EQ(a.discontinuation().date(), a.benefit_end_date());
        const int code = a.discontinuation().dhcs_code();
        bool known = false;
        for (const auto& r : options_.reference.discontinuation_reasons()) {
          known = known || r.dhcs_code() == code;
        }
        ASSERT_TRUE(known) << "discontinuation code " << code;
        if (code == 15) {
          ASSERT_FALSE(a.discontinuation().reason().empty());
        }
        ASSERT_LE(a.discontinuation().reason().size(), 60u);
      }

      // Authorizations: CS provider contracted for CS with the plan, offering
      // the support; code/modifier pair valid for the support.
      if (!e.authorizations.empty()) ++cs;
      for (const hub::v1::AuthorizationFileRow& auth_row : e.authorizations) {
        const hub::v1::Authorization& auth = auth_row.authorization();
        ASSERT_EQ(auth.cin(), member.cin());
        ASSERT_EQ(auth.plan_id(), e.plan_id);
        ASSERT_LE(auth.authorization_number().size(), 20u);
        auto p = npi_.find(auth_row.provider_npi());
        ASSERT_NE(p, npi_.end());
        ASSERT_EQ(auth.provider_id(), p->second->provider_id());
        ASSERT_NE(Contract(*p->second, e.plan_id, hub::v1::PROVIDER_KIND_CS), nullptr);
        bool offers = false;
        for (int s : p->second->community_supports())
          offers = offers || s == auth.community_support();
        ASSERT_TRUE(offers) << p->second->provider_id() << " does not offer the support";
        bool valid_code = false;
        for (const auto& code : options_.reference.community_support_codes()) {
          if (code.community_support() != auth.community_support() ||
              code.hcpcs_code() != auth.hcpcs_code() ||
              code.modifiers_size() != auth.modifiers_size()) {
            continue;
          }
          bool same = true;
          for (int k = 0; k < code.modifiers_size(); ++k) {
            same = same && code.modifiers(k) == auth.modifiers(k);
          }
          valid_code = valid_code || same;
        }
        ASSERT_TRUE(valid_code) << auth.hcpcs_code() << " is not a code of the support";
        ASSERT_LE(auth.units_used(), auth.units_approved() == 0 ? 0 : auth.units_approved());
        ASSERT_LE(auth.referral_date(), auth.start_date());
        ASSERT_LE(auth.start_date(), auth.end_date());
        ASSERT_GE(auth.start_date(), row.coverage().start_date());
        if (!row.coverage().end_date().empty()) {
          ASSERT_LE(auth.end_date(), row.coverage().end_date());
        }
        ASSERT_NE(auth.status(), hub::v1::AUTHORIZATION_STATUS_UNSPECIFIED);
        ASSERT_NE(auth.referral_status(), hub::v1::REFERRAL_STATUS_UNSPECIFIED);
        ASSERT_GE(auth.referral_status_date(), auth.referral_date());
        ASSERT_LE(auth.referral_status_date(), pe.ToIso());
        if (auth.referral_status() == hub::v1::REFERRAL_STATUS_CLOSED ||
            auth.referral_status() == hub::v1::REFERRAL_STATUS_DECLINED) {
          ASSERT_NE(auth.closure_reason(), hub::v1::LOOP_CLOSURE_REASON_UNSPECIFIED);
        }
        if (auth.closure_reason() == hub::v1::LOOP_CLOSURE_REASON_OTHER) {
          ASSERT_FALSE(auth.closure_reason_text().empty());
        }
      }
    }

    if (m.event == CoverageEvent::kPlanSwitch) {
      // A ends the day before B starts; B starts in the as-of month.
      const Enrollment& a = m.enrollments[0];
      const Enrollment& b = m.enrollments[1];
      ASSERT_NE(a.plan_id, b.plan_id);
      ASSERT_FALSE(a.row.coverage().end_date().empty());
      ASSERT_TRUE(b.row.coverage().end_date().empty());
      ASSERT_EQ(Iso(a.row.coverage().end_date()).AddDays(1), Iso(b.row.coverage().start_date()));
      ASSERT_GT(b.row.coverage().start_date(), ps.ToIso());
      ASSERT_LE(b.row.coverage().start_date(), pe.ToIso());
      ASSERT_EQ(a.has_ecm, b.has_ecm);
      if (a.has_ecm) {
        ASSERT_EQ(a.row.assignment().benefit_end_date(), a.row.coverage().end_date());
        ASSERT_EQ(a.row.assignment().discontinuation().dhcs_code(), 5);
        ASSERT_EQ(b.row.assignment().benefit_start_date(), b.row.coverage().start_date());
      }
    } else if (m.event == CoverageEvent::kRetroTermination) {
      ASSERT_LT(m.enrollments[0].row.coverage().end_date(), ps.ToIso());
    } else if (m.event == CoverageEvent::kRetroEnrollment) {
      ASSERT_LT(m.enrollments[0].row.coverage().start_date(), ps.ToIso());
      if (m.enrollments[0].has_ecm) {
        ASSERT_GE(m.enrollments[0].row.assignment().benefit_start_date(), ps.ToIso());
      }
    }
  }
  // Realistic shares (binomial tolerances, ~5 sigma).
  const double n = kMembers;
  EXPECT_NEAR(switches / n, 0.03, 0.007);
  EXPECT_NEAR(retro / n, 0.02, 0.006);
  EXPECT_NEAR((ecm - switches * 0.6) / n, 0.60, 0.03);  // switchers count twice
  EXPECT_NEAR(cs / n, 0.25, 0.03);
  EXPECT_GT(discontinued, ecm / 20);
  EXPECT_GT(homeless, kMembers / 20);
  EXPECT_GT(homeless_with_pof, homeless_pof * 8 / 10);
  EXPECT_EQ(plans_seen.size(), 7u);
  EXPECT_EQ(languages, (std::set<std::string>{"en", "es", "vi", "tl", "ar", "zh", "so"}));
  EXPECT_GE(cities.size(), 15u);
  EXPECT_GE(zip_city.size(), 40u);
  EXPECT_GE(first_names.size(), 150u);
  EXPECT_GE(last_names.size(), 150u);
}

TEST_F(CountyInvariantsTest, PlanStreamsMatchMembers) {
  constexpr int64_t kSample = 4000;
  CountyOptions options = DemoOptions(2026, kSample);
  auto county = MakeCounty(options);
  ASSERT_TRUE(county);
  // What the members say each plan's files hold.
  std::map<std::string, std::vector<std::string>> ecm_rows, all_rows, auth_rows;
  for (int64_t i = 0; i < kSample; ++i) {
    const GeneratedMember m = county->Member(i);
    for (const Enrollment& e : m.enrollments) {
      all_rows[e.plan_id].push_back(e.row.SerializeAsString());
      if (e.has_ecm) ecm_rows[e.plan_id].push_back(e.row.SerializeAsString());
      for (const auto& a : e.authorizations) auth_rows[e.plan_id].push_back(a.SerializeAsString());
    }
  }
  int64_t switched_in_both = 0;
  for (const auto& plan : options.directory.plans()) {
    std::vector<std::string> got;
    ASSERT_TRUE(county
                    ->AssignmentRowsForPlan(plan.plan_id(), {},
                                            [&](const hub::v1::AssignmentFileRow& row) {
                                              got.push_back(row.SerializeAsString());
                                              return absl::OkStatus();
                                            })
                    .ok());
    EXPECT_EQ(got, ecm_rows[plan.plan_id()]) << plan.plan_id();
    got.clear();
    AssignmentRowOptions all;
    all.include_coverage_only = true;
    ASSERT_TRUE(county
                    ->AssignmentRowsForPlan(plan.plan_id(), all,
                                            [&](const hub::v1::AssignmentFileRow& row) {
                                              got.push_back(row.SerializeAsString());
                                              if (!row.coverage().end_date().empty() &&
                                                  row.action() == hub::v1::ROW_ACTION_TERMINATE &&
                                                  row.coverage().end_date() >= "2026-11-01") {
                                                ++switched_in_both;
                                              }
                                              return absl::OkStatus();
                                            })
                    .ok());
    EXPECT_EQ(got, all_rows[plan.plan_id()]) << plan.plan_id();
    got.clear();
    ASSERT_TRUE(county
                    ->AuthorizationRowsForPlan(plan.plan_id(),
                                               [&](const hub::v1::AuthorizationFileRow& row) {
                                                 got.push_back(row.SerializeAsString());
                                                 return absl::OkStatus();
                                               })
                    .ok());
    EXPECT_EQ(got, auth_rows[plan.plan_id()]) << plan.plan_id();
  }
  EXPECT_GT(switched_in_both, 50);
  // A callback error stops the stream and comes back.
  int calls = 0;
  absl::Status stopped =
      county->AssignmentRowsForPlan("molina", {}, [&](const hub::v1::AssignmentFileRow&) {
        ++calls;
        return absl::CancelledError("enough");
      });
  EXPECT_EQ(stopped.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(calls, 1);
}

TEST_F(CountyInvariantsTest, QualityRowsAreConsistent) {
  for (const auto& plan : options_.directory.plans()) {
    std::set<std::string> providers;
    std::map<std::string, std::pair<int64_t, int64_t>> totals, strata;
    int rows = 0;
    ASSERT_TRUE(county_
                    ->QualityRowsForPlan(plan.plan_id(),
                                         [&](const hub::v1::QualityFileRow& row) {
                                           ++rows;
                                           const auto& r = row.report();
                                           EXPECT_EQ(r.period(), "2026 Q4");
                                           EXPECT_EQ(r.plan_id(), plan.plan_id());
                                           EXPECT_GE(r.numerator(), 0);
                                           EXPECT_LE(r.numerator(), r.denominator());
                                           auto it = npi_.find(row.provider_npi());
                                           EXPECT_NE(it, npi_.end());
                                           if (it != npi_.end()) {
                                             EXPECT_NE(Contract(*it->second, plan.plan_id(),
                                                                hub::v1::PROVIDER_KIND_ECM),
                                                       nullptr);
                                           }
                                           providers.insert(row.provider_npi());
                                           const std::string key =
                                               row.provider_npi() + r.measure_id();
                                           if (r.stratifier().empty()) {
                                             totals[key] = {r.numerator(), r.denominator()};
                                           } else {
                                             strata[key].first += r.numerator();
                                             strata[key].second += r.denominator();
                                           }
                                           return absl::OkStatus();
                                         })
                    .ok());
    EXPECT_EQ(providers.size(),
              county_->ContractedProviders(plan.plan_id(), hub::v1::PROVIDER_KIND_ECM).size());
    EXPECT_GE(rows, 3 * static_cast<int>(providers.size()));
    for (const auto& [key, sums] : strata) EXPECT_EQ(sums, totals[key]);
  }
}

TEST(CountyWeightsTest, PlanWeightsAndRatesSteerMembers) {
  CountyOptions options = DemoOptions(5, 2000);
  options.plan_weights = {{"molina", 1}};
  options.ecm_rate = 1.0;
  auto county = MakeCounty(options);
  ASSERT_TRUE(county);
  int64_t rows = 0;
  ASSERT_TRUE(county
                  ->AssignmentRowsForPlan("molina", {},
                                          [&](const hub::v1::AssignmentFileRow&) {
                                            ++rows;
                                            return absl::OkStatus();
                                          })
                  .ok());
  // Every member is Molina's and ECM-assigned (nobody can switch away); a
  // few retroactively terminated members predate their provider's contract.
  EXPECT_GT(rows, 1960);
  EXPECT_LE(rows, 2000);
}

}  // namespace
}  // namespace hub::generator
