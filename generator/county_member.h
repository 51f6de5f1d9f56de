// County::MemberBuilder, the steps of County::FillMember
// (generator/county.h): person, populations of focus and coverage in
// county_member.cc, Community Supports in county_supports.cc. Internal to
// generator/.
#ifndef HUB_GENERATOR_COUNTY_MEMBER_H_
#define HUB_GENERATOR_COUNTY_MEMBER_H_

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "base/civil_date.h"
#include "generator/county.h"
#include "generator/county_data.h"
#include "generator/county_internal.h"
#include "generator/rng.h"

namespace hub::generator {

// FillMember's steps for one member. Each step draws from one of the
// member's streams (person, ECM, coverage, Community Supports) in the order
// the generator always has: every seeded fixture and golden file depends on
// it, so a step may be cut further but its draws never reordered.
class County::MemberBuilder {
 public:
  MemberBuilder(const County& county, int64_t i, GeneratedMember& out)
      : county_(county),
        options_(county.options_),
        i_(i),
        out_(out),
        s_(county.SketchOf(i)),
        ps_(county.period_start_),
        pe_(county.period_end_),
        person_(Rng::For(options_.seed, static_cast<uint64_t>(i), county_internal::kStreamPerson)),
        ecm_(Rng::For(options_.seed, static_cast<uint64_t>(i), county_internal::kStreamEcm)),
        cov_(Rng::For(options_.seed, static_cast<uint64_t>(i), county_internal::kStreamCoverage)),
        cs_(Rng::For(options_.seed, static_cast<uint64_t>(i), county_internal::kStreamCs)) {}

  // Draws the member into `out`: the person, populations of focus,
  // coverage, each plan's enrollment, then Community Supports.
  void Build();

 private:
  // The person stream: heritage, sex and age (ECM members lean adult).
  void DrawBirth();

  std::span<const double> HeritageWeights() const {
    return std::span<const double>(heritage_weights_.data(), heritages_.size());
  }

  // The person stream: the member's CIN, given, middle and family names,
  // birth date and sex.
  void DrawName();

  // The person stream: spoken and written languages.
  void DrawLanguages();

  // The person stream: ZIP and city, street address, phone, and whether an
  // unsheltered member has no address (used once homelessness is known).
  void DrawResidence();

  // The ECM stream: one to three populations of focus that fit the
  // member's age and sex; the first names the provider type that fits best.
  void DrawPopulationsOfFocus();

  // The person stream: homelessness (likely with a homelessness population
  // of focus); then the address (none for some unsheltered members) and
  // the phone.
  void SetHomeAndPhone();

  // The coverage stream: when coverage began (never before birth) and the
  // sketch's event in the month (plan switch, retroactive termination or
  // enrollment), which a birth date can cancel.
  void DrawCoverage();

  // Fills one plan's enrollment: the plan's member id, the coverage, and
  // (for an ECM member of a plan with ECM providers) the assignment.
  void FillEnrollment(Enrollment& e, int plan_index, const CivilDate& start,
                      const std::optional<CivilDate>& end, bool new_in_month, bool switched_in);

  // The ECM stream: the ECM provider, contracted for ECM with the plan,
  // weighted by capacity and by how well its kind of organization fits the
  // member's needs; nullptr if none is contracted by `hi`.
  const PoolEntry* ChooseEcmProvider(const PlanInfo& plan, const CivilDate& hi);

  // The ECM stream: the assignment to a provider, its benefit start,
  // acuity and enrollment status.
  void AssignEcmProvider(Enrollment& e, const PlanInfo& plan, const CivilDate& start,
                         const std::optional<CivilDate>& end, bool new_in_month, bool switched_in);

  // The ECM stream: discontinued when the member left the plan (DHCS 5) or,
  // after a month, sometimes for another reason; else assigned or in
  // outreach in the first month, then a status by its share.
  void DrawEnrollmentStatus(hub::v1::Assignment& assignment, const CivilDate& benefit_start,
                            const std::optional<CivilDate>& end);

  // Ends the assignment on `day` with DHCS discontinuation `code` (15,
  // other: with a reason from the ECM stream).
  void Discontinue(hub::v1::Assignment& assignment, const CivilDate& day, int32_t code);

  // The Community Supports stream: one or two supports the first plan
  // contracts for, weighted by the member's age and homelessness, each
  // with its authorization.
  void DrawCommunitySupports();

  // The Community Supports stream: the authorization (the `n`th) of one
  // support: its provider, billing code, referral and service dates, units
  // and status. None if the support has no billing code or no day fits.
  void DrawAuthorization(const PlanInfo& plan, int support, int n);

  // The Community Supports stream: the authorization's status and, by it,
  // the referral's status, closure and units.
  void DrawAuthorizationStatus(hub::v1::Authorization& auth, int duration_days,
                               const CivilDate& referral, const CivilDate& start,
                               const CivilDate& end, const CivilDate& hi, int units);

  // The Community Supports stream: an approved referral closed after its
  // service ended (units used if the service was received), just received,
  // or accepted / in progress (units used so far).
  void DrawApprovedReferral(hub::v1::Authorization& auth, int duration_days,
                            const CivilDate& referral, const CivilDate& start, const CivilDate& end,
                            int units);

  // Closes (or declines) the referral on `day` for `reason` (other: with a
  // reason text from the Community Supports stream).
  void CloseReferral(hub::v1::Authorization& auth, hub::v1::ReferralStatus rs,
                     hub::v1::LoopClosureReason reason, const CivilDate& day);

  const County& county_;
  const CountyOptions& options_;
  const int64_t i_;
  GeneratedMember& out_;
  const Sketch s_;
  const CivilDate& ps_;  // the as-of month's first and last days
  const CivilDate& pe_;
  Rng person_, ecm_, cov_, cs_;

  // The person.
  std::span<const data::Heritage> heritages_;
  std::array<double, 16> heritage_weights_{};
  const data::Heritage* heritage_ = nullptr;
  hub::v1::Sex sex_ = hub::v1::SEX_UNSPECIFIED;
  bool female_ = false;
  CivilDate dob_;
  int age_ = 0;
  hub::v1::Member* member_ = nullptr;  // in out_.enrollments[0].row
  const data::ZipCity* place_ = nullptr;
  int64_t house_ = 0;
  std::string_view street_;
  double unit_roll_ = 0;
  int64_t unit_ = 0;
  std::string_view area_;
  bool has_phone_ = false;
  int64_t line_ = 0;
  bool unsheltered_no_address_ = false;
  bool homeless_ = false;
  // Populations of focus (ECM members).
  std::array<hub::v1::PopulationOfFocus, 3> pofs_{};
  size_t pof_count_ = 0;
  hub::v1::ProviderType primary_type_ = hub::v1::PROVIDER_TYPE_UNSPECIFIED;
  bool homeless_pof_ = false;
  // Coverage.
  CivilDate cov_start_;
  std::optional<CivilDate> cov_end_;
  CoverageEvent event_ = CoverageEvent::kNone;
  CivilDate switch_date_;
};

}  // namespace hub::generator

#endif  // HUB_GENERATOR_COUNTY_MEMBER_H_
