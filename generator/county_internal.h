// The county generator's internals shared by county.cc (the county, its
// plans and files) and county_member.cc (one member, drawn from its
// streams). Included only by those two.
#ifndef HUB_GENERATOR_COUNTY_INTERNAL_H_
#define HUB_GENERATOR_COUNTY_INTERNAL_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/civil_date.h"
#include "generator/county.h"
#include "generator/rng.h"
#include "hub/v1/directory_seed.pb.h"

namespace hub::generator {
namespace county_internal {

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

constexpr uint64_t kIdSpace = 10'000'000'000ULL;      // 10-digit plan ids
constexpr uint64_t kIdMultiplier = 7'777'777'777ULL;  // coprime to 10

constexpr int kCommunitySupports = 16;  // enum values 0..15

inline CivilDate Ymd(int y, int m, int d) {
  // Callers only pass real days (validated years, clamped days).
  return CivilDate::FromYmd(y, m, d).value();
}

// First day of the month `months` after (negative: before) y-m.
inline CivilDate FirstOfMonth(int year, int month, int months) {
  int index = year * 12 + (month - 1) + months;
  return Ymd(index / 12, index % 12 + 1, 1);
}

inline CivilDate LastOfMonth(int year, int month, int months) {
  return FirstOfMonth(year, month, months + 1).AddDays(-1);
}

inline int AgeOn(const CivilDate& dob, const CivilDate& day) {
  int age = day.year() - dob.year();
  if (day.month() < dob.month() || (day.month() == dob.month() && day.day() < dob.day())) --age;
  return age;
}

inline CivilDate Later(const CivilDate& a, const CivilDate& b) { return a < b ? b : a; }
inline CivilDate Earlier(const CivilDate& a, const CivilDate& b) { return a < b ? a : b; }

inline CivilDate DayBetween(Rng& rng, const CivilDate& lo, const CivilDate& hi) {
  return CivilDate::FromDaysSinceEpoch(rng.Between(lo.DaysSinceEpoch(), hi.DaysSinceEpoch()));
}

// Writes `value` as `width` zero-padded decimal digits at `p`.
inline void PutDigits(char* p, uint64_t value, int width) {
  for (int k = width - 1; k >= 0; --k) {
    p[k] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

// Sets `out` to the ISO form of `day` (CivilDate::ToIso without the
// formatting library: this runs for every date of every generated row).
inline void SetIso(std::string* out, const CivilDate& day) {
  char buffer[10];
  PutDigits(buffer, static_cast<uint64_t>(day.year()), 4);
  buffer[4] = '-';
  PutDigits(buffer + 5, static_cast<uint64_t>(day.month()), 2);
  buffer[7] = '-';
  PutDigits(buffer + 8, static_cast<uint64_t>(day.day()), 2);
  out->assign(buffer, sizeof(buffer));
}

inline void SetText(std::string* out, std::string_view text) {
  out->assign(text.data(), text.size());
}

// A 10-digit number, a bijection of i for each (seed, salt).
inline uint64_t PermuteId(uint64_t seed, uint64_t salt, int64_t i) {
  const uint64_t offset = HashCombine(Mix64(seed), salt) % kIdSpace;
  const unsigned __int128 x =
      static_cast<unsigned __int128>(kIdMultiplier) * static_cast<uint64_t>(i) + offset;
  return static_cast<uint64_t>(x % kIdSpace);
}

}  // namespace county_internal

// One contracted provider as the generator draws it for a plan.
struct PoolEntry {
  const hub::v1::Provider* provider = nullptr;
  double weight = 1;
  CivilDate contract_start;
};

struct County::PlanInfo {
  std::string plan_id;
  std::string prefix;    // two characters
  uint64_t id_salt = 0;  // HashString(plan_id)
  std::vector<PoolEntry> ecm;
  // CS providers contracted with the plan, per Community Support they offer.
  std::array<std::vector<PoolEntry>, county_internal::kCommunitySupports> cs;
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

}  // namespace hub::generator

#endif  // HUB_GENERATOR_COUNTY_INTERNAL_H_
