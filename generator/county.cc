#include "generator/county.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "generator/county_data.h"
#include "generator/county_internal.h"
#include "generator/rng.h"

namespace hub::generator {

using hub::v1::AuthorizationFileRow;
using hub::v1::Provider;
using hub::v1::ProviderKind;
using hub::v1::QualityFileRow;

using county_internal::kCommunitySupports;
using county_internal::kStreamQuality;
using county_internal::kStreamSketch;
using county_internal::LastOfMonth;
using county_internal::PutDigits;
using county_internal::Ymd;

namespace {

constexpr int64_t kCinBlock = 10'000'000;      // "9" + 7 digits
constexpr int64_t kCinMultiplier = 7'393'913;  // odd, not a multiple of 5
constexpr int64_t kMaxMembers = kCinBlock * 26;

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

County::~County() = default;

namespace {

// The as-of month's first day. InvalidArgument if a member count, a rate
// or the month is out of range, or the directory has no plan.
absl::StatusOr<CivilDate> CheckOptions(const CountyOptions& options) {
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
  return Ymd(year, month, 1);
}

// Each plan's market share, in directory order: the options' weights, or
// San Diego's shares (a plan without one gets the mean of the others).
// InvalidArgument for a negative weight or when every weight is 0.
absl::StatusOr<std::vector<double>> PlanWeights(const CountyOptions& options) {
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
  std::vector<double> weights;
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
    weights.push_back(w);
    total_weight += w;
  }
  if (total_weight <= 0) {
    return absl::InvalidArgumentError("every plan weight is 0; give at least one plan a weight");
  }
  return weights;
}

// The plan's pools: the providers contracted with it on `start` for ECM,
// and for each Community Support they offer, weighted by capacity.
County::PlanInfo PlanPools(const hub::v1::Plan& plan, const hub::v1::DirectorySeed& directory,
                           const CivilDate& start) {
  County::PlanInfo info;
  info.plan_id = plan.plan_id();
  info.prefix = PlanPrefix(plan.plan_id());
  info.id_salt = HashString(plan.plan_id());
  for (const Provider& provider : directory.providers()) {
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
  return info;
}

// Discontinuation codes with plausible frequencies: the reference table's
// codes (or, without one, the common ones) into `codes` and `weights`.
void DiscontinuationCodes(const hub::v1::ReferenceTables& reference, std::vector<int32_t>& codes,
                          std::vector<double>& weights) {
  static constexpr std::pair<int32_t, double> kCodeWeights[] = {{1, 20}, {2, 15}, {3, 20}, {4, 20},
                                                                {5, 10}, {7, 5},  {8, 3},  {15, 7}};
  auto weight_of = [](int32_t code) {
    for (const auto& [c, w] : kCodeWeights) {
      if (c == code) return w;
    }
    return 3.0;
  };
  if (reference.discontinuation_reasons().empty()) {
    for (const auto& [code, w] : kCodeWeights) {
      codes.push_back(code);
      weights.push_back(w);
    }
    return;
  }
  for (const auto& reason : reference.discontinuation_reasons()) {
    codes.push_back(reason.dhcs_code());
    weights.push_back(weight_of(reason.dhcs_code()));
  }
}

// Keeps only supports that have at least one billing code.
void DropSupportsWithoutCodes(const hub::v1::ReferenceTables& reference,
                              std::vector<County::PlanInfo>& plans) {
  std::array<bool, kCommunitySupports> has_code{};
  for (const auto& code : reference.community_support_codes()) {
    const int cs = code.community_support();
    if (cs > 0 && cs < kCommunitySupports) has_code[static_cast<size_t>(cs)] = true;
  }
  for (County::PlanInfo& info : plans) {
    for (int cs = 0; cs < kCommunitySupports; ++cs) {
      if (!has_code[static_cast<size_t>(cs)]) info.cs[static_cast<size_t>(cs)].clear();
    }
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<County>> County::Create(CountyOptions options) {
  ASSIGN_OR_RETURN(const CivilDate start, CheckOptions(options));
  auto county = std::unique_ptr<County>(new County());
  county->period_start_ = start;
  county->period_end_ = LastOfMonth(start.year(), start.month(), 0);
  county->quality_period_ = absl::StrCat(start.year(), " Q", (start.month() - 1) / 3 + 1);
  ASSIGN_OR_RETURN(county->plan_weights_, PlanWeights(options));
  for (const auto& plan : options.directory.plans()) {
    county->plans_.push_back(PlanPools(plan, options.directory, start));
  }
  DiscontinuationCodes(options.reference, county->discontinuation_codes_,
                       county->discontinuation_weights_);
  DropSupportsWithoutCodes(options.reference, county->plans_);
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
