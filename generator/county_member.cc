// County::FillMember (generator/county.h): one member, drawn from the
// member's own random streams.
#include "generator/county_member.h"

#include <algorithm>
#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "generator/county.h"
#include "generator/county_data.h"
#include "generator/county_internal.h"
#include "generator/rng.h"

namespace hub::generator {

using hub::v1::AssignmentFileRow;
using hub::v1::PopulationOfFocus;
using hub::v1::ProviderType;

using county_internal::AgeOn;
using county_internal::DayBetween;
using county_internal::Earlier;
using county_internal::FirstOfMonth;
using county_internal::LastOfMonth;
using county_internal::Later;
using county_internal::PermuteId;
using county_internal::PutDigits;
using county_internal::SetIso;
using county_internal::SetText;

namespace {

// ------------------------------------------------ populations of focus

struct PofChoice {
  PopulationOfFocus pof;
  double weight;
  int min_age;  // inclusive
  int max_age;  // inclusive
  bool female_only;
  ProviderType matching_type;  // providers specialised in this population
};

constexpr PofChoice kAdultPofs[] = {
    {hub::v1::POPULATION_OF_FOCUS_ADULT_INDIVIDUAL_HOMELESSNESS, 25, 21, 200, false,
     hub::v1::PROVIDER_TYPE_HOMELESS_SERVICES},
    {hub::v1::POPULATION_OF_FOCUS_ADULT_FAMILY_HOMELESSNESS, 5, 21, 70, false,
     hub::v1::PROVIDER_TYPE_HOMELESS_SERVICES},
    {hub::v1::POPULATION_OF_FOCUS_ADULT_AVOIDABLE_UTILIZATION, 25, 21, 200, false,
     hub::v1::PROVIDER_TYPE_FQHC},
    {hub::v1::POPULATION_OF_FOCUS_ADULT_SMI_SUD, 25, 21, 200, false,
     hub::v1::PROVIDER_TYPE_BEHAVIORAL_HEALTH},
    {hub::v1::POPULATION_OF_FOCUS_ADULT_TRANSITIONING_FROM_INCARCERATION, 7, 21, 75, false,
     hub::v1::PROVIDER_TYPE_JUSTICE_INVOLVED_SERVICES},
    {hub::v1::POPULATION_OF_FOCUS_ADULT_AT_RISK_OF_INSTITUTIONALIZATION, 8, 45, 200, false,
     hub::v1::PROVIDER_TYPE_COUNTY_AGENCY},
    {hub::v1::POPULATION_OF_FOCUS_ADULT_NURSING_FACILITY_TRANSITION, 3, 50, 200, false,
     hub::v1::PROVIDER_TYPE_COUNTY_AGENCY},
    {hub::v1::POPULATION_OF_FOCUS_ADULT_BIRTH_EQUITY, 2, 21, 45, true, hub::v1::PROVIDER_TYPE_CBO},
};

constexpr PofChoice kChildPofs[] = {
    {hub::v1::POPULATION_OF_FOCUS_CHILD_INDIVIDUAL_HOMELESSNESS, 8, 12, 20, false,
     hub::v1::PROVIDER_TYPE_HOMELESS_SERVICES},
    {hub::v1::POPULATION_OF_FOCUS_CHILD_FAMILY_HOMELESSNESS, 12, 0, 20, false,
     hub::v1::PROVIDER_TYPE_HOMELESS_SERVICES},
    {hub::v1::POPULATION_OF_FOCUS_CHILD_AVOIDABLE_UTILIZATION, 20, 0, 20, false,
     hub::v1::PROVIDER_TYPE_FQHC},
    {hub::v1::POPULATION_OF_FOCUS_CHILD_SMI_SUD_SED, 25, 5, 20, false,
     hub::v1::PROVIDER_TYPE_BEHAVIORAL_HEALTH},
    {hub::v1::POPULATION_OF_FOCUS_CHILD_CCS, 15, 0, 20, false, hub::v1::PROVIDER_TYPE_FQHC},
    {hub::v1::POPULATION_OF_FOCUS_CHILD_WELFARE, 15, 0, 20, false, hub::v1::PROVIDER_TYPE_CBO},
    {hub::v1::POPULATION_OF_FOCUS_CHILD_TRANSITIONING_FROM_INCARCERATION, 3, 12, 20, false,
     hub::v1::PROVIDER_TYPE_JUSTICE_INVOLVED_SERVICES},
    {hub::v1::POPULATION_OF_FOCUS_CHILD_BIRTH_EQUITY, 2, 12, 20, true, hub::v1::PROVIDER_TYPE_CBO},
};

bool IsHomelessnessPof(PopulationOfFocus pof) {
  return pof == hub::v1::POPULATION_OF_FOCUS_ADULT_INDIVIDUAL_HOMELESSNESS ||
         pof == hub::v1::POPULATION_OF_FOCUS_ADULT_FAMILY_HOMELESSNESS ||
         pof == hub::v1::POPULATION_OF_FOCUS_CHILD_INDIVIDUAL_HOMELESSNESS ||
         pof == hub::v1::POPULATION_OF_FOCUS_CHILD_FAMILY_HOMELESSNESS;
}

}  // namespace

GeneratedMember County::Member(int64_t i) const {
  GeneratedMember m;
  FillMember(i, m);
  return m;
}

void County::MemberBuilder::Build() {
  out_.index = i_;
  out_.event = s_.event;
  out_.enrollments.resize(s_.plan_b >= 0 ? 2 : 1);
  DrawBirth();
  DrawName();
  DrawLanguages();
  DrawResidence();
  if (s_.ecm) DrawPopulationsOfFocus();
  SetHomeAndPhone();
  DrawCoverage();
  FillEnrollment(out_.enrollments[0], s_.plan_a, cov_start_, cov_end_,
                 event_ == CoverageEvent::kRetroEnrollment, /*switched_in=*/false);
  if (event_ == CoverageEvent::kPlanSwitch) {
    Enrollment& b = out_.enrollments[1];
    b.row.Clear();
    b.row.mutable_member()->CopyFrom(*member_);
    FillEnrollment(b, s_.plan_b, switch_date_, std::nullopt, /*new_in_month=*/true,
                   /*switched_in=*/true);
  }
  if (s_.cs && out_.enrollments[0].has_ecm) DrawCommunitySupports();
}

void County::MemberBuilder::DrawBirth() {
  heritages_ = data::Heritages();
  for (size_t h = 0; h < heritages_.size(); ++h) heritage_weights_[h] = heritages_[h].share;
  heritage_ = &heritages_[person_.Weighted(HeritageWeights())];
  const double sex_roll = person_.Uniform();
  sex_ = sex_roll < 0.525   ? hub::v1::SEX_FEMALE
         : sex_roll < 0.997 ? hub::v1::SEX_MALE
                            : hub::v1::SEX_UNKNOWN;
  // Medi-Cal age mix: children and youth ~37%, seniors ~13%. ECM members
  // lean adult.
  static constexpr double kAgeBucketWeights[] = {0.10, 0.14, 0.13, 0.18, 0.16, 0.16, 0.13};
  static constexpr int kAgeBucketLo[] = {0, 5, 13, 21, 35, 50, 65};
  static constexpr int kAgeBucketHi[] = {4, 12, 20, 34, 49, 64, 90};
  size_t bucket = person_.Weighted(kAgeBucketWeights);
  if (s_.ecm && bucket < 3 && person_.Chance(0.5)) bucket = 3 + person_.Below(4);
  const int drawn_age =
      static_cast<int>(person_.Between(kAgeBucketLo[bucket], kAgeBucketHi[bucket]));
  const int64_t days_back = person_.Between(static_cast<int64_t>(drawn_age * 365.2425) + 1,
                                            static_cast<int64_t>((drawn_age + 1) * 365.2425) - 1);
  dob_ = ps_.AddDays(-days_back);
  age_ = AgeOn(dob_, ps_);
  out_.age = age_;
}

void County::MemberBuilder::DrawName() {
  Enrollment& a = out_.enrollments[0];
  a.row.Clear();
  member_ = a.row.mutable_member();
  member_->set_cin(county_.Cin(i_));
  auto& name = *member_->mutable_name();
  female_ = sex_ == hub::v1::SEX_FEMALE || (sex_ == hub::v1::SEX_UNKNOWN && person_.Chance(0.5));
  const auto& firsts = female_ ? heritage_->female_first : heritage_->male_first;
  const size_t first_index = person_.Below(firsts.size());
  SetText(name.mutable_first(), firsts[first_index]);
  const double middle_roll = person_.Uniform();
  if (middle_roll < 0.40) {
    name.set_middle(std::string(1, static_cast<char>('A' + person_.Below(26))));
  } else if (middle_roll < 0.55 && firsts.size() > 1) {
    // A second given name, never the first one again.
    const size_t k = person_.Below(firsts.size() - 1);
    SetText(name.mutable_middle(), firsts[k < first_index ? k : k + 1]);
  }
  const data::Heritage& family =
      person_.Chance(0.10) ? heritages_[person_.Weighted(HeritageWeights())] : *heritage_;
  SetText(name.mutable_last(), family.last[person_.Below(family.last.size())]);
  SetIso(member_->mutable_date_of_birth(), dob_);
  member_->set_sex(sex_);
}

void County::MemberBuilder::DrawLanguages() {
  std::string_view language = "en";
  if (heritage_->language != "en" &&
      person_.Chance(heritage_->language_share * (age_ < 18 ? 0.6 : 1.0))) {
    language = heritage_->language;
  }
  SetText(member_->mutable_preferred_spoken_language(), language);
  SetText(member_->mutable_preferred_written_language(), person_.Chance(0.9) ? language : "en");
}

void County::MemberBuilder::DrawResidence() {
  const auto zips = data::ZipCities();
  std::array<double, 64> zip_weights{};
  for (size_t z = 0; z < zips.size() && z < zip_weights.size(); ++z)
    zip_weights[z] = zips[z].weight;
  place_ = &zips[person_.Weighted(
      std::span<const double>(zip_weights.data(), std::min(zips.size(), zip_weights.size())))];
  const auto streets = data::Streets();
  house_ = person_.Chance(0.7) ? person_.Between(100, 4999) : person_.Between(5000, 12999);
  street_ = streets[person_.Below(streets.size())];
  unit_roll_ = person_.Uniform();
  unit_ = person_.Between(1, 240);
  area_ = place_->area_code;
  if (area_ == "760" && person_.Chance(0.3)) area_ = "442";
  has_phone_ = person_.Chance(0.92);
  line_ = person_.Between(0, 99);
  unsheltered_no_address_ = person_.Chance(0.4);
}

void County::MemberBuilder::DrawPopulationsOfFocus() {
  const std::span<const PofChoice> table =
      age_ < 21 ? std::span<const PofChoice>(kChildPofs) : std::span<const PofChoice>(kAdultPofs);
  std::array<double, 8> w{};
  for (size_t k = 0; k < table.size(); ++k) {
    const PofChoice& c = table[k];
    const bool fits = age_ >= c.min_age && age_ <= c.max_age && (!c.female_only || female_);
    w[k] = fits ? c.weight : 0;
  }
  const double n_roll = ecm_.Uniform();
  const size_t wanted = n_roll < 0.65 ? 1 : n_roll < 0.92 ? 2 : 3;
  for (size_t n = 0; n < wanted; ++n) {
    double total = 0;
    for (size_t k = 0; k < table.size(); ++k) total += w[k];
    if (total <= 0) break;
    const size_t k = ecm_.Weighted(std::span<const double>(w.data(), table.size()));
    pofs_[pof_count_++] = table[k].pof;
    if (n == 0) primary_type_ = table[k].matching_type;
    homeless_pof_ = homeless_pof_ || IsHomelessnessPof(table[k].pof);
    w[k] = 0;
  }
}

void County::MemberBuilder::SetHomeAndPhone() {
  homeless_ = homeless_pof_ ? person_.Chance(0.92) : person_.Chance(s_.ecm ? 0.06 : 0.02);
  member_->set_experiencing_homelessness(homeless_);
  auto& address = *member_->mutable_address();
  if (!(homeless_ && unsheltered_no_address_)) {
    address.set_line1(absl::StrCat(house_, " ", std::string(street_)));
    if (unit_roll_ < 0.30) address.set_line2(absl::StrCat("Apt ", unit_));
  }
  SetText(address.mutable_city(), place_->city);
  address.set_state("CA");
  SetText(address.mutable_zip(), place_->zip);
  if (has_phone_) {
    char phone[10] = {area_[0], area_[1], area_[2], '5', '5', '5', '0', '1', '0', '0'};
    PutDigits(phone + 8, static_cast<uint64_t>(line_), 2);
    member_->mutable_phone()->assign(phone, sizeof(phone));
  }
}

void County::MemberBuilder::DrawCoverage() {
  const int months_alive = (ps_.year() - dob_.year()) * 12 + (ps_.month() - dob_.month());
  const int months_back =
      static_cast<int>(cov_.Between(0, std::min(96, std::max(0, months_alive))));
  cov_start_ = Later(FirstOfMonth(ps_.year(), ps_.month(), -months_back), dob_);
  event_ = s_.event;
  switch_date_ = ps_;
  if (event_ == CoverageEvent::kPlanSwitch) {
    switch_date_ = ps_.AddDays(s_.switch_day - 1);
    if (!(cov_start_ < switch_date_)) cov_start_ = Later(ps_, dob_);
    if (!(cov_start_ < switch_date_)) {
      // Born on or after the switch day: nothing to switch from.
      event_ = CoverageEvent::kNone;
    } else {
      cov_end_ = switch_date_.AddDays(-1);
    }
  } else if (event_ == CoverageEvent::kRetroTermination) {
    const CivilDate end = LastOfMonth(ps_.year(), ps_.month(), -s_.retro_months);
    if (end < dob_) {
      event_ = CoverageEvent::kNone;
    } else {
      cov_end_ = end;
      if (end < cov_start_) cov_start_ = Later(FirstOfMonth(end.year(), end.month(), 0), dob_);
    }
  } else if (event_ == CoverageEvent::kRetroEnrollment) {
    cov_start_ = Later(FirstOfMonth(ps_.year(), ps_.month(), -s_.retro_months), dob_);
  }
  out_.event = event_;
  if (event_ != CoverageEvent::kPlanSwitch) out_.enrollments.resize(1);
}

void County::MemberBuilder::FillEnrollment(Enrollment& e, int plan_index, const CivilDate& start,
                                           const std::optional<CivilDate>& end, bool new_in_month,
                                           bool switched_in) {
  const PlanInfo& plan = county_.plans_[static_cast<size_t>(plan_index)];
  e.plan_index = plan_index;
  e.plan_id = plan.plan_id;
  e.has_ecm = false;
  e.authorizations.clear();
  AssignmentFileRow& row = e.row;
  char member_id[12];
  member_id[0] = plan.prefix[0];
  member_id[1] = plan.prefix[1];
  PutDigits(member_id + 2, PermuteId(options_.seed, plan.id_salt, i_), 10);
  row.mutable_plan_member_id()->assign(member_id, sizeof(member_id));
  row.mutable_medical_record_number()->assign(member_id, sizeof(member_id));
  row.set_action(end.has_value() ? hub::v1::ROW_ACTION_TERMINATE : hub::v1::ROW_ACTION_UPSERT);
  auto& coverage = *row.mutable_coverage();
  coverage.set_cin(member_->cin());
  coverage.set_plan_id(plan.plan_id);
  SetIso(coverage.mutable_start_date(), start);
  if (end.has_value()) SetIso(coverage.mutable_end_date(), *end);
  if (!s_.ecm || pof_count_ == 0 || plan.ecm.empty()) return;
  AssignEcmProvider(e, plan, start, end, new_in_month, switched_in);
}

const PoolEntry* County::MemberBuilder::ChooseEcmProvider(const PlanInfo& plan,
                                                          const CivilDate& hi) {
  std::array<double, 128> w{};
  std::vector<double> big;
  std::span<double> weights;
  if (plan.ecm.size() <= w.size()) {
    weights = std::span<double>(w.data(), plan.ecm.size());
  } else {
    big.resize(plan.ecm.size());
    weights = big;
  }
  double total = 0;
  for (size_t k = 0; k < plan.ecm.size(); ++k) {
    const PoolEntry& entry = plan.ecm[k];
    double weight = entry.weight;
    if (entry.provider->provider_type() == primary_type_) weight *= 4;
    if (hi < entry.contract_start) weight = 0;
    weights[k] = weight;
    total += weight;
  }
  if (total <= 0) return nullptr;
  return &plan.ecm[ecm_.Weighted(weights)];
}

void County::MemberBuilder::AssignEcmProvider(Enrollment& e, const PlanInfo& plan,
                                              const CivilDate& start,
                                              const std::optional<CivilDate>& end,
                                              bool new_in_month, bool switched_in) {
  const CivilDate hi = end.has_value() ? Earlier(*end, pe_) : pe_;
  const PoolEntry* chosen = ChooseEcmProvider(plan, hi);
  if (chosen == nullptr) return;
  CivilDate lo =
      Later(Later(start, chosen->contract_start), FirstOfMonth(ps_.year(), ps_.month(), -18));
  if (new_in_month) lo = Later(lo, ps_);
  if (hi < lo) return;
  // A member who switched plans keeps ECM without a gap: the new plan's
  // benefit starts with its coverage.
  const CivilDate benefit_start = switched_in ? lo : DayBetween(ecm_, lo, hi);

  e.has_ecm = true;
  e.row.set_provider_npi(chosen->provider->npi());
  auto& assignment = *e.row.mutable_assignment();
  assignment.set_cin(member_->cin());
  assignment.set_plan_id(plan.plan_id);
  assignment.set_provider_id(chosen->provider->provider_id());
  for (size_t k = 0; k < pof_count_; ++k) assignment.add_populations_of_focus(pofs_[k]);
  SetIso(assignment.mutable_benefit_start_date(), benefit_start);
  static constexpr double kAcuity[] = {0.30, 0.45, 0.25};
  assignment.set_acuity(static_cast<hub::v1::Acuity>(1 + ecm_.Weighted(kAcuity)));
  DrawEnrollmentStatus(assignment, benefit_start, end);
}

void County::MemberBuilder::DrawEnrollmentStatus(hub::v1::Assignment& assignment,
                                                 const CivilDate& benefit_start,
                                                 const std::optional<CivilDate>& end) {
  const int64_t tenure = pe_.DaysSinceEpoch() - benefit_start.DaysSinceEpoch();
  if (end.has_value()) {
    // Left the plan (switch or retroactive termination): DHCS 5.
    Discontinue(assignment, *end, 5);
  } else if (tenure >= 30 && ecm_.Chance(0.15)) {
    const CivilDate day = DayBetween(ecm_, benefit_start.AddDays(30), pe_);
    Discontinue(assignment, day,
                county_.discontinuation_codes_[ecm_.Weighted(county_.discontinuation_weights_)]);
  } else if (tenure < 30) {
    assignment.set_status(ecm_.Chance(0.6) ? hub::v1::ENROLLMENT_STATUS_ASSIGNED
                                           : hub::v1::ENROLLMENT_STATUS_OUTREACH);
  } else {
    static constexpr double kStatus[] = {0.05, 0.10, 0.70, 0.08, 0.07};
    assignment.set_status(static_cast<hub::v1::EnrollmentStatus>(1 + ecm_.Weighted(kStatus)));
  }
}

void County::MemberBuilder::Discontinue(hub::v1::Assignment& assignment, const CivilDate& day,
                                        int32_t code) {
  SetIso(assignment.mutable_benefit_end_date(), day);
  assignment.set_status(hub::v1::ENROLLMENT_STATUS_DISCONTINUED);
  auto& d = *assignment.mutable_discontinuation();
  SetIso(d.mutable_date(), day);
  d.set_dhcs_code(code);
  if (code == 15) {
    const auto reasons = data::OtherDiscontinuationReasons();
    d.set_reason(std::string(reasons[ecm_.Below(reasons.size())]));
  }
}

void County::FillMember(int64_t i, GeneratedMember& out) const {
  MemberBuilder(*this, i, out).Build();
}

}  // namespace hub::generator
