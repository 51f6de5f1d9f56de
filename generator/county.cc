#include "generator/county.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "generator/county_data.h"
#include "generator/rng.h"

namespace hub::generator {

using hub::v1::AssignmentFileRow;
using hub::v1::AuthorizationFileRow;
using hub::v1::CommunitySupport;
using hub::v1::PopulationOfFocus;
using hub::v1::Provider;
using hub::v1::ProviderKind;
using hub::v1::ProviderType;
using hub::v1::QualityFileRow;

namespace {

// Purposes of the per-member streams: each aspect has its own stream, so
// adding a draw to one does not shift the others.
enum Stream : uint64_t {
  kStreamSketch = 1,
  kStreamPerson = 2,
  kStreamCoverage = 3,
  kStreamEcm = 4,
  kStreamCs = 5,
  kStreamQuality = 6,
};

constexpr int64_t kCinBlock = 10'000'000;      // "9" + 7 digits
constexpr int64_t kCinMultiplier = 7'393'913;  // odd, not a multiple of 5
constexpr int64_t kMaxMembers = kCinBlock * 26;
constexpr uint64_t kIdSpace = 10'000'000'000ULL;      // 10-digit plan ids
constexpr uint64_t kIdMultiplier = 7'777'777'777ULL;  // coprime to 10

constexpr int kCommunitySupports = 16;  // enum values 0..15

// Modular inverse of a mod m (a and m coprime).
int64_t InverseMod(int64_t a, int64_t m) {
  int64_t t = 0, new_t = 1, r = m, new_r = a % m;
  while (new_r != 0) {
    const int64_t q = r / new_r;
    std::tie(t, new_t) = std::make_pair(new_t, t - q * new_t);
    std::tie(r, new_r) = std::make_pair(new_r, r - q * new_r);
  }
  return t < 0 ? t + m : t;
}

CivilDate Ymd(int y, int m, int d) {
  // Callers only pass real days (validated years, clamped days).
  return CivilDate::FromYmd(y, m, d).value();
}

// First day of the month `months` after (negative: before) y-m.
CivilDate FirstOfMonth(int year, int month, int months) {
  int index = year * 12 + (month - 1) + months;
  return Ymd(index / 12, index % 12 + 1, 1);
}

CivilDate LastOfMonth(int year, int month, int months) {
  return FirstOfMonth(year, month, months + 1).AddDays(-1);
}

int AgeOn(const CivilDate& dob, const CivilDate& day) {
  int age = day.year() - dob.year();
  if (day.month() < dob.month() || (day.month() == dob.month() && day.day() < dob.day())) --age;
  return age;
}

CivilDate Later(const CivilDate& a, const CivilDate& b) { return a < b ? b : a; }
CivilDate Earlier(const CivilDate& a, const CivilDate& b) { return a < b ? a : b; }

CivilDate DayBetween(Rng& rng, const CivilDate& lo, const CivilDate& hi) {
  return CivilDate::FromDaysSinceEpoch(rng.Between(lo.DaysSinceEpoch(), hi.DaysSinceEpoch()));
}

// Writes `value` as `width` zero-padded decimal digits at `p`.
void PutDigits(char* p, uint64_t value, int width) {
  for (int k = width - 1; k >= 0; --k) {
    p[k] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

// Sets `out` to the ISO form of `day` (CivilDate::ToIso without the
// formatting library: this runs for every date of every generated row).
void SetIso(std::string* out, const CivilDate& day) {
  char buffer[10];
  PutDigits(buffer, static_cast<uint64_t>(day.year()), 4);
  buffer[4] = '-';
  PutDigits(buffer + 5, static_cast<uint64_t>(day.month()), 2);
  buffer[7] = '-';
  PutDigits(buffer + 8, static_cast<uint64_t>(day.day()), 2);
  out->assign(buffer, sizeof(buffer));
}

void SetText(std::string* out, std::string_view text) { out->assign(text.data(), text.size()); }

// Default market shares of the seven San Diego plans (rough, public order of
// magnitude; only the shape matters).
double DefaultPlanShare(std::string_view plan_id) {
  static constexpr std::pair<std::string_view, double> kShares[] = {
      {"community_health_group", 0.30}, {"molina", 0.17}, {"kaiser", 0.15}, {"health_net", 0.13},
      {"blue_shield_promise", 0.12},    {"aetna", 0.07},  {"united", 0.06}};
  for (const auto& [id, share] : kShares) {
    if (id == plan_id) return share;
  }
  return -1;
}

// Two upper-case letters naming the plan in generated ids: the initials of
// a multi-word id ("health_net" -> "HN"), else its first two letters.
std::string PlanPrefix(std::string_view plan_id) {
  std::string prefix;
  prefix.push_back(plan_id.empty() ? 'X' : plan_id[0]);
  const size_t underscore = plan_id.find('_');
  if (underscore != std::string_view::npos && underscore + 1 < plan_id.size()) {
    prefix.push_back(plan_id[underscore + 1]);
  } else {
    prefix.push_back(plan_id.size() > 1 ? plan_id[1] : 'X');
  }
  absl::AsciiStrToUpper(&prefix);
  for (char& c : prefix) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) c = 'X';
  }
  return prefix;
}

// A 10-digit number, a bijection of i for each (seed, salt).
uint64_t PermuteId(uint64_t seed, uint64_t salt, int64_t i) {
  const uint64_t offset = HashCombine(Mix64(seed), salt) % kIdSpace;
  const unsigned __int128 x =
      static_cast<unsigned __int128>(kIdMultiplier) * static_cast<uint64_t>(i) + offset;
  return static_cast<uint64_t>(x % kIdSpace);
}

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

// --------------------------------------------------- Community Supports

struct SupportProfile {
  double base;      // any adult
  double homeless;  // added for members experiencing homelessness
  double senior;    // added for members 65 and over
  double child;     // children and youth (instead of base)
  int units_lo;
  int units_hi;
  int duration_days;
};

// Indexed by CommunitySupport number.
constexpr SupportProfile kSupports[kCommunitySupports] = {
    {0, 0, 0, 0, 0, 0, 0},               // UNSPECIFIED
    {1.0, 8.0, 0.5, 0.2, 20, 120, 180},  // housing transition navigation
    {0.3, 3.0, 0.2, 0.0, 1, 1, 90},      // housing deposits
    {0.8, 4.0, 0.5, 0.0, 20, 120, 180},  // housing tenancy and sustaining
    {0.3, 2.0, 0.5, 0.0, 30, 180, 180},  // short-term post-hospitalization housing
    {0.3, 2.5, 0.5, 0.0, 30, 90, 90},    // recuperative care
    {0.5, 0.0, 1.5, 1.5, 8, 336, 180},   // respite services
    {0.4, 0.5, 0.5, 0.2, 20, 200, 180},  // day habilitation
    {0.1, 0.0, 1.5, 0.0, 1, 30, 90},     // NF transition to assisted living
    {0.1, 0.3, 1.2, 0.0, 1, 1, 90},      // community transition
    {0.6, 0.0, 3.0, 0.3, 40, 300, 180},  // personal care and homemaker
    {0.2, 0.0, 1.5, 0.2, 1, 3, 90},      // environmental accessibility adaptations
    {2.5, 0.5, 2.0, 0.5, 42, 180, 90},   // medically tailored meals
    {0.2, 1.5, 0.0, 0.0, 1, 4, 30},      // sobering centers
    {0.3, 0.0, 0.2, 2.5, 1, 3, 90},      // asthma remediation
    {0.3, 3.0, 0.2, 0.0, 1, 6, 180},     // transitional rent
};

bool ActiveOn(const hub::v1::PlanContract& contract, const CivilDate& day) {
  const std::string iso = day.ToIso();
  if (!contract.start_date().empty() && contract.start_date() > iso) return false;
  if (!contract.end_date().empty() && contract.end_date() < iso) return false;
  return true;
}

bool HasKind(const google::protobuf::RepeatedField<int>& kinds, ProviderKind kind) {
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

CivilDate ContractStart(const hub::v1::PlanContract& contract) {
  if (contract.start_date().empty()) return Ymd(1900, 1, 1);
  auto d = CivilDate::ParseIso(contract.start_date());
  return d.ok() ? *d : Ymd(1900, 1, 1);
}

constexpr std::string_view kMeasures[] = {"FUM-7", "FUM-30", "FUA-7", "FUA-30", "FMC", "CDF"};
constexpr double kMeasureRates[] = {0.35, 0.55, 0.12, 0.22, 0.60, 0.45};

}  // namespace

// One contracted provider as the generator draws it for a plan.
struct PoolEntry {
  const Provider* provider = nullptr;
  double weight = 1;
  CivilDate contract_start;
};

struct County::PlanInfo {
  std::string plan_id;
  std::string prefix;    // two characters
  uint64_t id_salt = 0;  // HashString(plan_id)
  std::vector<PoolEntry> ecm;
  // CS providers contracted with the plan, per Community Support they offer.
  std::array<std::vector<PoolEntry>, kCommunitySupports> cs;
};

struct County::Sketch {
  int plan_a = 0;
  int plan_b = -1;
  CoverageEvent event = CoverageEvent::kNone;
  int switch_day = 0;
  bool ecm = false;
  bool cs = false;
  int retro_months = 0;
};

County::~County() = default;

absl::StatusOr<std::unique_ptr<County>> County::Create(CountyOptions options) {
  if (options.members < 0 || options.members > kMaxMembers) {
    return absl::InvalidArgumentError(
        absl::StrCat("members must be between 0 and ", kMaxMembers, " (distinct CINs)"));
  }
  for (double rate : {options.error_rate, options.ecm_rate, options.cs_rate,
                      options.plan_switch_rate, options.retro_correction_rate}) {
    if (!(rate >= 0 && rate <= 1)) {
      return absl::InvalidArgumentError("every rate must be between 0 and 1");
    }
  }
  if (options.plan_switch_rate + options.retro_correction_rate > 1) {
    return absl::InvalidArgumentError("plan_switch_rate + retro_correction_rate must not exceed 1");
  }
  int year = 0, month = 0;
  const std::string& m = options.as_of_month;
  if (m.size() != 7 || m[4] != '-' || !absl::SimpleAtoi(m.substr(0, 4), &year) ||
      !absl::SimpleAtoi(m.substr(5, 2), &month) || month < 1 || month > 12 || year < 2000 ||
      year > 2150) {
    return absl::InvalidArgumentError(
        "as_of_month must be \"YYYY-MM\" with a year from 2000 to 2150, e.g. \"2026-11\"");
  }
  if (options.directory.plans().empty()) {
    return absl::InvalidArgumentError("the directory has no plan; load a directory seed first");
  }

  auto county = std::unique_ptr<County>(new County());
  county->period_start_ = Ymd(year, month, 1);
  county->period_end_ = LastOfMonth(year, month, 0);
  county->quality_period_ = absl::StrCat(year, " Q", (month - 1) / 3 + 1);

  double known_sum = 0;
  int known = 0;
  for (const auto& plan : options.directory.plans()) {
    const double share = DefaultPlanShare(plan.plan_id());
    if (share > 0) {
      known_sum += share;
      ++known;
    }
  }
  const double mean_share = known > 0 ? known_sum / known : 1.0;
  double total_weight = 0;
  for (const auto& plan : options.directory.plans()) {
    double w = 0;
    if (options.plan_weights.empty()) {
      w = DefaultPlanShare(plan.plan_id());
      if (w < 0) w = mean_share;
    } else {
      auto it = options.plan_weights.find(plan.plan_id());
      w = it == options.plan_weights.end() ? 0 : it->second;
      if (!(w >= 0)) return absl::InvalidArgumentError("plan weights must not be negative");
    }
    county->plan_weights_.push_back(w);
    total_weight += w;
  }
  if (total_weight <= 0) {
    return absl::InvalidArgumentError("every plan weight is 0; give at least one plan a weight");
  }

  const CivilDate& start = county->period_start_;
  for (const auto& plan : options.directory.plans()) {
    PlanInfo info;
    info.plan_id = plan.plan_id();
    info.prefix = PlanPrefix(plan.plan_id());
    info.id_salt = HashString(plan.plan_id());
    for (const Provider& provider : options.directory.providers()) {
      for (const auto& contract : provider.contracts()) {
        if (contract.plan_id() != plan.plan_id() || !ActiveOn(contract, start)) continue;
        if (HasKind(contract.kinds(), hub::v1::PROVIDER_KIND_ECM) &&
            HasKind(provider.kinds(), hub::v1::PROVIDER_KIND_ECM)) {
          info.ecm.push_back(PoolEntry{&provider, std::max(50, contract.ecm_capacity()) * 1.0,
                                       ContractStart(contract)});
        }
        if (HasKind(contract.kinds(), hub::v1::PROVIDER_KIND_CS) &&
            HasKind(provider.kinds(), hub::v1::PROVIDER_KIND_CS)) {
          for (int cs : provider.community_supports()) {
            if (cs <= 0 || cs >= kCommunitySupports) continue;
            info.cs[static_cast<size_t>(cs)].push_back(PoolEntry{
                &provider, std::max(20, contract.cs_capacity()) * 1.0, ContractStart(contract)});
          }
        }
        break;  // one contract per plan
      }
    }
    county->plans_.push_back(std::move(info));
  }

  // Discontinuation codes with plausible frequencies.
  static constexpr std::pair<int32_t, double> kCodeWeights[] = {{1, 20}, {2, 15}, {3, 20}, {4, 20},
                                                                {5, 10}, {7, 5},  {8, 3},  {15, 7}};
  auto weight_of = [](int32_t code) {
    for (const auto& [c, w] : kCodeWeights) {
      if (c == code) return w;
    }
    return 3.0;
  };
  if (options.reference.discontinuation_reasons().empty()) {
    for (const auto& [code, w] : kCodeWeights) {
      county->discontinuation_codes_.push_back(code);
      county->discontinuation_weights_.push_back(w);
    }
  } else {
    for (const auto& reason : options.reference.discontinuation_reasons()) {
      county->discontinuation_codes_.push_back(reason.dhcs_code());
      county->discontinuation_weights_.push_back(weight_of(reason.dhcs_code()));
    }
  }
  // Keep only supports that have at least one billing code.
  std::array<bool, kCommunitySupports> has_code{};
  for (const auto& code : options.reference.community_support_codes()) {
    const int cs = code.community_support();
    if (cs > 0 && cs < kCommunitySupports) has_code[static_cast<size_t>(cs)] = true;
  }
  for (PlanInfo& info : county->plans_) {
    for (int cs = 0; cs < kCommunitySupports; ++cs) {
      if (!has_code[static_cast<size_t>(cs)]) info.cs[static_cast<size_t>(cs)].clear();
    }
  }
  county->options_ = std::move(options);
  return county;
}

int County::PlanIndex(std::string_view plan_id) const {
  for (size_t p = 0; p < plans_.size(); ++p) {
    if (plans_[p].plan_id == plan_id) return static_cast<int>(p);
  }
  return -1;
}

std::string County::Cin(int64_t i) const {
  const int64_t block = i / kCinBlock;
  const int64_t j = i % kCinBlock;
  const int64_t offset = static_cast<int64_t>(Mix64(options_.seed ^ 0xC1) % kCinBlock);
  const int64_t shift = static_cast<int64_t>(Mix64(options_.seed ^ 0xC2) % 26);
  const int64_t digits = (kCinMultiplier * j + offset) % kCinBlock;
  const int64_t letter = (block + shift + (digits % 9973)) % 26;
  char cin[9];
  cin[0] = '9';
  PutDigits(cin + 1, static_cast<uint64_t>(digits), 7);
  cin[8] = static_cast<char>('A' + letter);
  return std::string(cin, sizeof(cin));
}

std::optional<int64_t> County::MemberIndexOfCin(std::string_view cin) const {
  if (cin.size() != 9 || cin[0] != '9' || cin[8] < 'A' || cin[8] > 'Z') return std::nullopt;
  int64_t digits = 0;
  for (size_t k = 1; k < 8; ++k) {
    if (cin[k] < '0' || cin[k] > '9') return std::nullopt;
    digits = digits * 10 + (cin[k] - '0');
  }
  const int64_t offset = static_cast<int64_t>(Mix64(options_.seed ^ 0xC1) % kCinBlock);
  const int64_t shift = static_cast<int64_t>(Mix64(options_.seed ^ 0xC2) % 26);
  static const int64_t inverse = InverseMod(kCinMultiplier, kCinBlock);
  const int64_t j =
      static_cast<int64_t>((static_cast<unsigned __int128>(inverse) *
                            static_cast<uint64_t>((digits - offset + kCinBlock) % kCinBlock)) %
                           kCinBlock);
  const int64_t block = ((cin[8] - 'A' - shift - (digits % 9973)) % 26 + 52) % 26;
  return block * kCinBlock + j;
}

County::Sketch County::SketchOf(int64_t i) const {
  Rng rng = Rng::For(options_.seed, static_cast<uint64_t>(i), kStreamSketch);
  Sketch s;
  s.plan_a = static_cast<int>(rng.Weighted(plan_weights_));
  const double roll = rng.Uniform();
  if (roll < options_.plan_switch_rate) {
    double other = 0;
    for (size_t p = 0; p < plan_weights_.size(); ++p) {
      if (static_cast<int>(p) != s.plan_a) other += plan_weights_[p];
    }
    if (other > 0) {
      std::array<double, 64> w{};
      std::vector<double> big;
      std::span<double> weights;
      if (plan_weights_.size() <= w.size()) {
        std::copy(plan_weights_.begin(), plan_weights_.end(), w.begin());
        weights = std::span<double>(w.data(), plan_weights_.size());
      } else {
        big = plan_weights_;
        weights = big;
      }
      weights[static_cast<size_t>(s.plan_a)] = 0;
      s.plan_b = static_cast<int>(rng.Weighted(weights));
      s.event = CoverageEvent::kPlanSwitch;
      const int days = period_end_.day();
      s.switch_day = static_cast<int>(rng.Between(2, days));
    }
  } else if (roll < options_.plan_switch_rate + options_.retro_correction_rate) {
    const bool termination = rng.Chance(0.5);
    s.event = termination ? CoverageEvent::kRetroTermination : CoverageEvent::kRetroEnrollment;
    s.retro_months = static_cast<int>(termination ? rng.Between(1, 2) : rng.Between(1, 3));
  }
  s.ecm = rng.Chance(options_.ecm_rate);
  // Authorizations go to members the plan's files already list (ECM members),
  // at a rate that keeps the county-wide share at cs_rate.
  const double cs_given_ecm =
      options_.ecm_rate > 0 ? std::min(1.0, options_.cs_rate / options_.ecm_rate) : 0;
  s.cs = s.ecm && rng.Chance(cs_given_ecm);
  return s;
}

GeneratedMember County::Member(int64_t i) const {
  GeneratedMember m;
  FillMember(i, m);
  return m;
}

void County::FillMember(int64_t i, GeneratedMember& out) const {
  const Sketch s = SketchOf(i);
  out.index = i;
  out.event = s.event;
  out.enrollments.resize(s.plan_b >= 0 ? 2 : 1);
  const CivilDate& ps = period_start_;
  const CivilDate& pe = period_end_;

  // ---------------------------------------------------------- the person
  Rng person = Rng::For(options_.seed, static_cast<uint64_t>(i), kStreamPerson);
  const auto heritages = data::Heritages();
  std::array<double, 16> heritage_weights{};
  for (size_t h = 0; h < heritages.size(); ++h) heritage_weights[h] = heritages[h].share;
  const data::Heritage& heritage = heritages[person.Weighted(
      std::span<const double>(heritage_weights.data(), heritages.size()))];
  const double sex_roll = person.Uniform();
  const hub::v1::Sex sex = sex_roll < 0.525   ? hub::v1::SEX_FEMALE
                           : sex_roll < 0.997 ? hub::v1::SEX_MALE
                                              : hub::v1::SEX_UNKNOWN;
  // Medi-Cal age mix: children and youth ~37%, seniors ~13%. ECM members
  // lean adult.
  static constexpr double kAgeBucketWeights[] = {0.10, 0.14, 0.13, 0.18, 0.16, 0.16, 0.13};
  static constexpr int kAgeBucketLo[] = {0, 5, 13, 21, 35, 50, 65};
  static constexpr int kAgeBucketHi[] = {4, 12, 20, 34, 49, 64, 90};
  size_t bucket = person.Weighted(kAgeBucketWeights);
  if (s.ecm && bucket < 3 && person.Chance(0.5)) bucket = 3 + person.Below(4);
  const int drawn_age =
      static_cast<int>(person.Between(kAgeBucketLo[bucket], kAgeBucketHi[bucket]));
  const int64_t days_back = person.Between(static_cast<int64_t>(drawn_age * 365.2425) + 1,
                                           static_cast<int64_t>((drawn_age + 1) * 365.2425) - 1);
  const CivilDate dob = ps.AddDays(-days_back);
  const int age = AgeOn(dob, ps);
  out.age = age;

  Enrollment& a = out.enrollments[0];
  a.row.Clear();
  hub::v1::Member& member = *a.row.mutable_member();
  member.set_cin(Cin(i));
  auto& name = *member.mutable_name();
  const bool female =
      sex == hub::v1::SEX_FEMALE || (sex == hub::v1::SEX_UNKNOWN && person.Chance(0.5));
  const auto& firsts = female ? heritage.female_first : heritage.male_first;
  const size_t first_index = person.Below(firsts.size());
  SetText(name.mutable_first(), firsts[first_index]);
  const double middle_roll = person.Uniform();
  if (middle_roll < 0.40) {
    name.set_middle(std::string(1, static_cast<char>('A' + person.Below(26))));
  } else if (middle_roll < 0.55 && firsts.size() > 1) {
    // A second given name, never the first one again.
    const size_t k = person.Below(firsts.size() - 1);
    SetText(name.mutable_middle(), firsts[k < first_index ? k : k + 1]);
  }
  const data::Heritage& family = person.Chance(0.10)
                                     ? heritages[person.Weighted(std::span<const double>(
                                           heritage_weights.data(), heritages.size()))]
                                     : heritage;
  SetText(name.mutable_last(), family.last[person.Below(family.last.size())]);
  SetIso(member.mutable_date_of_birth(), dob);
  member.set_sex(sex);
  std::string_view language = "en";
  if (heritage.language != "en" &&
      person.Chance(heritage.language_share * (age < 18 ? 0.6 : 1.0))) {
    language = heritage.language;
  }
  SetText(member.mutable_preferred_spoken_language(), language);
  SetText(member.mutable_preferred_written_language(), person.Chance(0.9) ? language : "en");

  const auto zips = data::ZipCities();
  std::array<double, 64> zip_weights{};
  for (size_t z = 0; z < zips.size() && z < zip_weights.size(); ++z)
    zip_weights[z] = zips[z].weight;
  const data::ZipCity& place = zips[person.Weighted(
      std::span<const double>(zip_weights.data(), std::min(zips.size(), zip_weights.size())))];
  const auto streets = data::Streets();
  const int64_t house =
      person.Chance(0.7) ? person.Between(100, 4999) : person.Between(5000, 12999);
  const std::string_view street = streets[person.Below(streets.size())];
  const double unit_roll = person.Uniform();
  const int64_t unit = person.Between(1, 240);
  std::string_view area = place.area_code;
  if (area == "760" && person.Chance(0.3)) area = "442";
  const bool has_phone = person.Chance(0.92);
  const int64_t line = person.Between(0, 99);
  const bool unsheltered_no_address = person.Chance(0.4);

  // ------------------------------------------------ populations of focus
  Rng ecm = Rng::For(options_.seed, static_cast<uint64_t>(i), kStreamEcm);
  std::array<PopulationOfFocus, 3> pofs{};
  size_t pof_count = 0;
  ProviderType primary_type = hub::v1::PROVIDER_TYPE_UNSPECIFIED;
  bool homeless_pof = false;
  if (s.ecm) {
    const std::span<const PofChoice> table =
        age < 21 ? std::span<const PofChoice>(kChildPofs) : std::span<const PofChoice>(kAdultPofs);
    std::array<double, 8> w{};
    for (size_t k = 0; k < table.size(); ++k) {
      const PofChoice& c = table[k];
      const bool fits = age >= c.min_age && age <= c.max_age && (!c.female_only || female);
      w[k] = fits ? c.weight : 0;
    }
    const double n_roll = ecm.Uniform();
    const size_t wanted = n_roll < 0.65 ? 1 : n_roll < 0.92 ? 2 : 3;
    for (size_t n = 0; n < wanted; ++n) {
      double total = 0;
      for (size_t k = 0; k < table.size(); ++k) total += w[k];
      if (total <= 0) break;
      const size_t k = ecm.Weighted(std::span<const double>(w.data(), table.size()));
      pofs[pof_count++] = table[k].pof;
      if (n == 0) primary_type = table[k].matching_type;
      homeless_pof = homeless_pof || IsHomelessnessPof(table[k].pof);
      w[k] = 0;
    }
  }
  const bool homeless = homeless_pof ? person.Chance(0.92) : person.Chance(s.ecm ? 0.06 : 0.02);
  member.set_experiencing_homelessness(homeless);
  auto& address = *member.mutable_address();
  if (!(homeless && unsheltered_no_address)) {
    address.set_line1(absl::StrCat(house, " ", std::string(street)));
    if (unit_roll < 0.30) address.set_line2(absl::StrCat("Apt ", unit));
  }
  SetText(address.mutable_city(), place.city);
  address.set_state("CA");
  SetText(address.mutable_zip(), place.zip);
  if (has_phone) {
    char phone[10] = {area[0], area[1], area[2], '5', '5', '5', '0', '1', '0', '0'};
    PutDigits(phone + 8, static_cast<uint64_t>(line), 2);
    member.mutable_phone()->assign(phone, sizeof(phone));
  }

  // ------------------------------------------------------------ coverage
  Rng cov = Rng::For(options_.seed, static_cast<uint64_t>(i), kStreamCoverage);
  const int months_alive = (ps.year() - dob.year()) * 12 + (ps.month() - dob.month());
  const int months_back = static_cast<int>(cov.Between(0, std::min(96, std::max(0, months_alive))));
  CivilDate cov_start = Later(FirstOfMonth(ps.year(), ps.month(), -months_back), dob);
  std::optional<CivilDate> cov_end;
  CoverageEvent event = s.event;
  CivilDate switch_date = ps;
  if (event == CoverageEvent::kPlanSwitch) {
    switch_date = ps.AddDays(s.switch_day - 1);
    if (!(cov_start < switch_date)) cov_start = Later(ps, dob);
    if (!(cov_start < switch_date)) {
      // Born on or after the switch day: nothing to switch from.
      event = CoverageEvent::kNone;
    } else {
      cov_end = switch_date.AddDays(-1);
    }
  } else if (event == CoverageEvent::kRetroTermination) {
    const CivilDate end = LastOfMonth(ps.year(), ps.month(), -s.retro_months);
    if (end < dob) {
      event = CoverageEvent::kNone;
    } else {
      cov_end = end;
      if (end < cov_start) cov_start = Later(FirstOfMonth(end.year(), end.month(), 0), dob);
    }
  } else if (event == CoverageEvent::kRetroEnrollment) {
    cov_start = Later(FirstOfMonth(ps.year(), ps.month(), -s.retro_months), dob);
  }
  out.event = event;
  if (event != CoverageEvent::kPlanSwitch) out.enrollments.resize(1);

  // Fills one plan's enrollment: coverage, ECM assignment, ids.
  auto fill_enrollment = [&](Enrollment& e, int plan_index, const CivilDate& start,
                             const std::optional<CivilDate>& end, bool new_in_month,
                             bool switched_in) {
    const PlanInfo& plan = plans_[static_cast<size_t>(plan_index)];
    e.plan_index = plan_index;
    e.plan_id = plan.plan_id;
    e.has_ecm = false;
    e.authorizations.clear();
    AssignmentFileRow& row = e.row;
    char member_id[12];
    member_id[0] = plan.prefix[0];
    member_id[1] = plan.prefix[1];
    PutDigits(member_id + 2, PermuteId(options_.seed, plan.id_salt, i), 10);
    row.mutable_plan_member_id()->assign(member_id, sizeof(member_id));
    row.mutable_medical_record_number()->assign(member_id, sizeof(member_id));
    row.set_action(end.has_value() ? hub::v1::ROW_ACTION_TERMINATE : hub::v1::ROW_ACTION_UPSERT);
    auto& coverage = *row.mutable_coverage();
    coverage.set_cin(member.cin());
    coverage.set_plan_id(plan.plan_id);
    SetIso(coverage.mutable_start_date(), start);
    if (end.has_value()) SetIso(coverage.mutable_end_date(), *end);
    if (!s.ecm || pof_count == 0 || plan.ecm.empty()) return;

    // ECM provider: contracted for ECM with the plan, weighted by capacity
    // and by how well its kind of organization fits the member's needs.
    const CivilDate hi = end.has_value() ? Earlier(*end, pe) : pe;
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
      if (entry.provider->provider_type() == primary_type) weight *= 4;
      if (hi < entry.contract_start) weight = 0;
      weights[k] = weight;
      total += weight;
    }
    if (total <= 0) return;
    const PoolEntry& chosen = plan.ecm[ecm.Weighted(weights)];
    CivilDate lo =
        Later(Later(start, chosen.contract_start), FirstOfMonth(ps.year(), ps.month(), -18));
    if (new_in_month) lo = Later(lo, ps);
    if (hi < lo) return;
    // A member who switched plans keeps ECM without a gap: the new plan's
    // benefit starts with its coverage.
    const CivilDate benefit_start = switched_in ? lo : DayBetween(ecm, lo, hi);

    e.has_ecm = true;
    row.set_provider_npi(chosen.provider->npi());
    auto& assignment = *row.mutable_assignment();
    assignment.set_cin(member.cin());
    assignment.set_plan_id(plan.plan_id);
    assignment.set_provider_id(chosen.provider->provider_id());
    for (size_t k = 0; k < pof_count; ++k) assignment.add_populations_of_focus(pofs[k]);
    SetIso(assignment.mutable_benefit_start_date(), benefit_start);
    static constexpr double kAcuity[] = {0.30, 0.45, 0.25};
    assignment.set_acuity(static_cast<hub::v1::Acuity>(1 + ecm.Weighted(kAcuity)));
    auto discontinue = [&](const CivilDate& day, int32_t code) {
      SetIso(assignment.mutable_benefit_end_date(), day);
      assignment.set_status(hub::v1::ENROLLMENT_STATUS_DISCONTINUED);
      auto& d = *assignment.mutable_discontinuation();
      SetIso(d.mutable_date(), day);
      d.set_dhcs_code(code);
      if (code == 15) {
        const auto reasons = data::OtherDiscontinuationReasons();
        d.set_reason(std::string(reasons[ecm.Below(reasons.size())]));
      }
    };
    const int64_t tenure = pe.DaysSinceEpoch() - benefit_start.DaysSinceEpoch();
    if (end.has_value()) {
      // Left the plan (switch or retroactive termination): DHCS 5.
      discontinue(*end, 5);
    } else if (tenure >= 30 && ecm.Chance(0.15)) {
      const CivilDate day = DayBetween(ecm, benefit_start.AddDays(30), pe);
      discontinue(day, discontinuation_codes_[ecm.Weighted(discontinuation_weights_)]);
    } else if (tenure < 30) {
      assignment.set_status(ecm.Chance(0.6) ? hub::v1::ENROLLMENT_STATUS_ASSIGNED
                                            : hub::v1::ENROLLMENT_STATUS_OUTREACH);
    } else {
      static constexpr double kStatus[] = {0.05, 0.10, 0.70, 0.08, 0.07};
      assignment.set_status(static_cast<hub::v1::EnrollmentStatus>(1 + ecm.Weighted(kStatus)));
    }
  };

  fill_enrollment(a, s.plan_a, cov_start, cov_end, event == CoverageEvent::kRetroEnrollment,
                  /*switched_in=*/false);
  if (event == CoverageEvent::kPlanSwitch) {
    Enrollment& b = out.enrollments[1];
    b.row.Clear();
    b.row.mutable_member()->CopyFrom(member);
    fill_enrollment(b, s.plan_b, switch_date, std::nullopt, /*new_in_month=*/true,
                    /*switched_in=*/true);
  }

  // -------------------------------------------- Community Supports
  if (!s.cs || !a.has_ecm) return;
  const PlanInfo& plan = plans_[static_cast<size_t>(s.plan_a)];
  Rng cs = Rng::For(options_.seed, static_cast<uint64_t>(i), kStreamCs);
  const int count = cs.Chance(0.25) ? 2 : 1;
  const bool senior = age >= 65;
  const bool child = age < 21;
  std::array<double, kCommunitySupports> support_weights{};
  for (int k = 1; k < kCommunitySupports; ++k) {
    if (plan.cs[static_cast<size_t>(k)].empty()) continue;
    const SupportProfile& p = kSupports[k];
    double w = child ? p.child + (homeless ? 0.3 * p.homeless : 0)
                     : p.base + (homeless ? p.homeless : 0) + (senior ? p.senior : 0);
    support_weights[static_cast<size_t>(k)] = w;
  }
  for (int n = 0; n < count; ++n) {
    double total = 0;
    for (double w : support_weights) total += w;
    if (total <= 0) break;
    const int support = static_cast<int>(cs.Weighted(support_weights));
    support_weights[static_cast<size_t>(support)] = 0;
    const auto& pool = plan.cs[static_cast<size_t>(support)];
    std::array<double, 128> pw{};
    const size_t pool_size = std::min(pool.size(), pw.size());
    for (size_t k = 0; k < pool_size; ++k) pw[k] = pool[k].weight;
    const PoolEntry& provider = pool[cs.Weighted(std::span<const double>(pw.data(), pool_size))];
    // Billing code: one of the reference rows for this support.
    const hub::v1::CommunitySupportBillingCode* code = nullptr;
    int64_t seen = 0;
    for (const auto& c : options_.reference.community_support_codes()) {
      if (c.community_support() != support) continue;
      ++seen;
      if (cs.Below(static_cast<uint64_t>(seen)) == 0) code = &c;  // reservoir pick
    }
    if (code == nullptr) continue;
    const CivilDate hi = cov_end.has_value() ? Earlier(*cov_end, pe) : pe;
    const CivilDate lo = Later(Later(cov_start, ps.AddDays(-180)), provider.contract_start);
    if (hi < lo) continue;
    const SupportProfile& profile = kSupports[support];
    const CivilDate referral = DayBetween(cs, lo, hi);
    const CivilDate start = Earlier(referral.AddDays(cs.Between(0, 10)), hi);
    CivilDate end = start.AddDays(profile.duration_days - 1);
    if (cov_end.has_value()) end = Earlier(end, *cov_end);
    const int units = static_cast<int>(cs.Between(profile.units_lo, profile.units_hi));

    AuthorizationFileRow& row = a.authorizations.emplace_back();
    row.set_action(cov_end.has_value() ? hub::v1::ROW_ACTION_TERMINATE
                                       : hub::v1::ROW_ACTION_UPSERT);
    row.set_provider_npi(provider.provider->npi());
    auto& auth = *row.mutable_authorization();
    char number[14];
    number[0] = plan.prefix[0];
    number[1] = plan.prefix[1];
    number[2] = 'A';
    PutDigits(number + 3, PermuteId(options_.seed, plan.id_salt ^ 0xA5, i), 10);
    number[13] = static_cast<char>('1' + n);
    auth.mutable_authorization_number()->assign(number, sizeof(number));
    auth.set_cin(member.cin());
    auth.set_plan_id(plan.plan_id);
    auth.set_provider_id(provider.provider->provider_id());
    auth.set_community_support(static_cast<CommunitySupport>(support));
    auth.set_hcpcs_code(code->hcpcs_code());
    for (const auto& modifier : code->modifiers()) auth.add_modifiers(modifier);
    SetIso(auth.mutable_start_date(), start);
    SetIso(auth.mutable_end_date(), end);
    SetIso(auth.mutable_referral_date(), referral);

    static constexpr double kAuthStatus[] = {0.08, 0.78, 0.09, 0.05};  // REQUESTED..CANCELLED
    const auto status = static_cast<hub::v1::AuthorizationStatus>(1 + cs.Weighted(kAuthStatus));
    auth.set_status(status);
    const CivilDate last_update = Earlier(end, pe);
    auto closure = [&](hub::v1::ReferralStatus rs, hub::v1::LoopClosureReason reason,
                       const CivilDate& day) {
      auth.set_referral_status(rs);
      SetIso(auth.mutable_referral_status_date(), day);
      auth.set_closure_reason(reason);
      if (reason == hub::v1::LOOP_CLOSURE_REASON_OTHER) {
        const auto reasons = data::OtherClosureReasons();
        auth.set_closure_reason_text(std::string(reasons[cs.Below(reasons.size())]));
      }
    };
    switch (status) {
      case hub::v1::AUTHORIZATION_STATUS_REQUESTED:
        auth.set_units_approved(0);
        auth.set_referral_status(hub::v1::REFERRAL_STATUS_RECEIVED);
        SetIso(auth.mutable_referral_status_date(), referral);
        break;
      case hub::v1::AUTHORIZATION_STATUS_DENIED:
        auth.set_units_approved(0);
        closure(hub::v1::REFERRAL_STATUS_CLOSED, hub::v1::LOOP_CLOSURE_REASON_MEMBER_NOT_ELIGIBLE,
                DayBetween(cs, referral, Earlier(referral.AddDays(14), hi)));
        break;
      case hub::v1::AUTHORIZATION_STATUS_CANCELLED: {
        auth.set_units_approved(units);
        static constexpr double kWhy[] = {0.4, 0.4, 0.1, 0.1};
        static constexpr hub::v1::LoopClosureReason kReasons[] = {
            hub::v1::LOOP_CLOSURE_REASON_MEMBER_DECLINED,
            hub::v1::LOOP_CLOSURE_REASON_UNABLE_TO_CONTACT,
            hub::v1::LOOP_CLOSURE_REASON_PROVIDER_AT_CAPACITY, hub::v1::LOOP_CLOSURE_REASON_OTHER};
        const auto reason = kReasons[cs.Weighted(kWhy)];
        closure(reason == hub::v1::LOOP_CLOSURE_REASON_MEMBER_DECLINED
                    ? hub::v1::REFERRAL_STATUS_DECLINED
                    : hub::v1::REFERRAL_STATUS_CLOSED,
                reason, DayBetween(cs, referral, last_update));
        break;
      }
      default: {  // APPROVED
        auth.set_units_approved(units);
        const int64_t elapsed = pe.DaysSinceEpoch() - referral.DaysSinceEpoch();
        if (end < pe) {
          static constexpr double kWhy[] = {0.80, 0.05, 0.10, 0.05};
          static constexpr hub::v1::LoopClosureReason kReasons[] = {
              hub::v1::LOOP_CLOSURE_REASON_SERVICE_RECEIVED,
              hub::v1::LOOP_CLOSURE_REASON_MEMBER_DECLINED,
              hub::v1::LOOP_CLOSURE_REASON_UNABLE_TO_CONTACT, hub::v1::LOOP_CLOSURE_REASON_OTHER};
          const auto reason = kReasons[cs.Weighted(kWhy)];
          closure(hub::v1::REFERRAL_STATUS_CLOSED, reason, DayBetween(cs, end, pe));
          if (reason == hub::v1::LOOP_CLOSURE_REASON_SERVICE_RECEIVED) {
            auth.set_units_used(static_cast<int32_t>(units * (0.6 + 0.4 * cs.Uniform())));
          }
        } else if (elapsed < 3) {
          auth.set_referral_status(hub::v1::REFERRAL_STATUS_RECEIVED);
          SetIso(auth.mutable_referral_status_date(), referral);
        } else {
          const bool in_progress = cs.Chance(0.8);
          auth.set_referral_status(in_progress ? hub::v1::REFERRAL_STATUS_IN_PROGRESS
                                               : hub::v1::REFERRAL_STATUS_ACCEPTED);
          SetIso(auth.mutable_referral_status_date(), DayBetween(cs, referral, last_update));
          if (in_progress) {
            const int64_t served = pe.DaysSinceEpoch() - start.DaysSinceEpoch();
            const double fraction =
                std::clamp(static_cast<double>(served) / profile.duration_days, 0.0, 1.0);
            auth.set_units_used(
                static_cast<int32_t>(units * fraction * (0.5 + 0.5 * cs.Uniform())));
          }
        }
        break;
      }
    }
  }
}

absl::Status County::AssignmentRowsForPlan(std::string_view plan_id,
                                           const AssignmentRowOptions& options,
                                           const AssignmentRowCallback& callback) const {
  const int p = PlanIndex(plan_id);
  if (p < 0) {
    return absl::NotFoundError(
        absl::StrCat("plan \"", std::string(plan_id), "\" is not in the directory"));
  }
  GeneratedMember m;
  for (int64_t i = 0; i < options_.members; ++i) {
    const Sketch s = SketchOf(i);
    if (s.plan_a != p && s.plan_b != p) continue;
    if (!options.include_coverage_only && !s.ecm) continue;
    FillMember(i, m);
    for (const Enrollment& e : m.enrollments) {
      if (e.plan_index != p || !(e.has_ecm || options.include_coverage_only)) continue;
      RETURN_IF_ERROR(callback(e.row));
    }
  }
  return absl::OkStatus();
}

absl::Status County::AuthorizationRowsForPlan(std::string_view plan_id,
                                              const AuthorizationRowCallback& callback) const {
  const int p = PlanIndex(plan_id);
  if (p < 0) {
    return absl::NotFoundError(
        absl::StrCat("plan \"", std::string(plan_id), "\" is not in the directory"));
  }
  GeneratedMember m;
  for (int64_t i = 0; i < options_.members; ++i) {
    const Sketch s = SketchOf(i);
    if (s.plan_a != p || !s.cs) continue;
    FillMember(i, m);
    for (const Enrollment& e : m.enrollments) {
      if (e.plan_index != p) continue;
      for (const AuthorizationFileRow& row : e.authorizations) RETURN_IF_ERROR(callback(row));
    }
  }
  return absl::OkStatus();
}

absl::Status County::QualityRowsForPlan(std::string_view plan_id,
                                        const QualityRowCallback& callback) const {
  const int p = PlanIndex(plan_id);
  if (p < 0) {
    return absl::NotFoundError(
        absl::StrCat("plan \"", std::string(plan_id), "\" is not in the directory"));
  }
  const PlanInfo& plan = plans_[static_cast<size_t>(p)];
  QualityFileRow row;
  for (const PoolEntry& entry : plan.ecm) {
    const Provider& provider = *entry.provider;
    Rng rng = Rng::For(options_.seed, HashString(plan.plan_id) ^ kStreamQuality,
                       HashString(provider.provider_id()));
    const int64_t wanted = rng.Between(3, static_cast<int64_t>(std::size(kMeasures)));
    std::array<bool, std::size(kMeasures)> chosen{};
    for (int64_t n = 0; n < wanted;) {
      const size_t k = rng.Below(std::size(kMeasures));
      if (!chosen[k]) {
        chosen[k] = true;
        ++n;
      }
    }
    const int64_t scale = std::max<int64_t>(8, static_cast<int64_t>(entry.weight) / 6);
    for (size_t k = 0; k < std::size(kMeasures); ++k) {
      if (!chosen[k]) continue;
      const int64_t denominator = rng.Between(0, scale);
      const double rate = std::clamp(kMeasureRates[k] + (rng.Uniform() - 0.5) * 0.3, 0.0, 1.0);
      const int64_t numerator =
          std::min(denominator, static_cast<int64_t>(std::llround(denominator * rate)));
      auto emit = [&](std::string_view stratifier, int64_t num, int64_t den) -> absl::Status {
        row.Clear();
        row.set_provider_npi(provider.npi());
        auto& report = *row.mutable_report();
        report.set_plan_id(plan.plan_id);
        report.set_provider_id(provider.provider_id());
        report.set_measure_id(std::string(kMeasures[k]));
        report.set_period(quality_period_);
        report.set_numerator(num);
        report.set_denominator(den);
        report.set_stratifier(std::string(stratifier));
        return callback(row);
      };
      RETURN_IF_ERROR(emit("", numerator, denominator));
      if (rng.Chance(0.25)) {
        const int64_t d1 = rng.Between(0, denominator);
        const int64_t n1 = std::min(d1, numerator);
        RETURN_IF_ERROR(emit("age 18-64", n1, d1));
        RETURN_IF_ERROR(emit("age 65+", numerator - n1, denominator - d1));
      }
    }
  }
  return absl::OkStatus();
}

std::vector<const Provider*> County::ContractedProviders(std::string_view plan_id,
                                                         ProviderKind kind) const {
  std::vector<const Provider*> out;
  for (const Provider& provider : options_.directory.providers()) {
    if (!HasKind(provider.kinds(), kind)) continue;
    for (const auto& contract : provider.contracts()) {
      if (contract.plan_id() == plan_id && ActiveOn(contract, period_start_) &&
          HasKind(contract.kinds(), kind)) {
        out.push_back(&provider);
        break;
      }
    }
  }
  return out;
}

std::vector<const Provider*> County::UncontractedProviders(std::string_view plan_id) const {
  std::vector<const Provider*> out;
  for (const Provider& provider : options_.directory.providers()) {
    bool any = false;
    for (const auto& contract : provider.contracts()) any = any || contract.plan_id() == plan_id;
    if (!any) out.push_back(&provider);
  }
  return out;
}

}  // namespace hub::generator
