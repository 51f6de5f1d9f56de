// Embedded reference data for the county generator: names, places and
// languages that reflect San Diego County's Medi-Cal population. All of it is
// public-knowledge vocabulary (common given and family names, real ZIP code /
// city pairs and area codes); no person is described. Internal to generator/.
#ifndef HUB_GENERATOR_COUNTY_DATA_H_
#define HUB_GENERATOR_COUNTY_DATA_H_

#include <span>
#include <string_view>

namespace hub::generator::data {

// A heritage group with its share of the county's Medi-Cal members (rough
// public figures, rounded; they only have to look plausible), its names, and
// the non-English language members of the group prefer, with how often.
struct Heritage {
  std::string_view label;
  double share;
  std::span<const std::string_view> female_first;
  std::span<const std::string_view> male_first;
  std::span<const std::string_view> last;
  // ISO 639-1 code, "en" when the group's members mostly prefer English.
  std::string_view language;
  // Probability that an adult of the group prefers `language` over English.
  double language_share;
};

// Groups in a fixed order; shares sum to 1.
std::span<const Heritage> Heritages();

// A real ZIP code of San Diego County with its USPS city and the telephone
// area code that serves it; weight ~ relative Medi-Cal enrollment.
struct ZipCity {
  std::string_view zip;
  std::string_view city;
  std::string_view area_code;
  double weight;
};

std::span<const ZipCity> ZipCities();

// Plausible street names ("University Ave").
std::span<const std::string_view> Streets();

// Short free-text reasons a plan writes for DHCS discontinuation code 15
// (other) and for "other" loop closures; at most 40 characters each.
std::span<const std::string_view> OtherDiscontinuationReasons();
std::span<const std::string_view> OtherClosureReasons();

}  // namespace hub::generator::data

#endif  // HUB_GENERATOR_COUNTY_DATA_H_
