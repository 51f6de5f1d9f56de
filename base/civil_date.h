// Calendar dates as plans' files write them, and the hub's canonical form.
//
// The canonical date is ISO 8601 "YYYY-MM-DD": it sorts as text, so storage
// keys and comparisons may use the string directly. Plans send MM/DD/YYYY,
// MM-DD-YYYY, YYYYMMDD or ISO; ParseDate accepts exactly the formats named.
#ifndef HUB_BASE_CIVIL_DATE_H_
#define HUB_BASE_CIVIL_DATE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace hub {

// The date formats plans use. Names (ParseDateFormatName) are what a
// mapping config writes. Each accepts its own separators only.
enum class DateFormat {
  kIso,           // "iso", "yyyy-mm-dd": "2026-01-31"
  kUsSlash,       // "mm/dd/yyyy": "01/31/2026" (month and day may be 1 digit)
  kUsDash,        // "mm-dd-yyyy": "01-31-2026" (likewise)
  kCompact,       // "yyyymmdd": "20260131" (also X12 D8)
  kYmdSlash,      // "yyyy/mm/dd": "2026/01/31"
  kDayMonthName,  // "dd-mon-yyyy": "31-JAN-2026" (month name any case)
  kDmySlash,      // "dd/mm/yyyy": "31/01/2026" (day and month may be 1 digit)
  kUsShortYear,   // "mm/dd/yy": "01/31/26"; 00-49 are 20xx, 50-99 19xx
  kUsCompact,     // "mmddyyyy": "01312026"
};

// A proleptic Gregorian calendar day. Value type; cheap to copy.
class CivilDate {
 public:
  // Constructs 1970-01-01.
  CivilDate() = default;

  // Returns the date or InvalidArgument if y/m/d is not a real day in
  // years 1900..2199.
  static absl::StatusOr<CivilDate> FromYmd(int year, int month, int day);
  // Parses `text` in exactly `format`. InvalidArgument (without echoing the
  // text, which may be PHI such as a date of birth) when it does not match.
  static absl::StatusOr<CivilDate> Parse(std::string_view text, DateFormat format);
  // Parses canonical "YYYY-MM-DD".
  static absl::StatusOr<CivilDate> ParseIso(std::string_view text) {
    return Parse(text, DateFormat::kIso);
  }
  // The day `days` after 1970-01-01 (negative before it).
  static CivilDate FromDaysSinceEpoch(int64_t days);

  int year() const { return year_; }
  int month() const { return month_; }
  int day() const { return day_; }
  int64_t DaysSinceEpoch() const;
  CivilDate AddDays(int64_t days) const { return FromDaysSinceEpoch(DaysSinceEpoch() + days); }

  // "YYYY-MM-DD".
  std::string ToIso() const;
  // Renders in `format` (kUsSlash and kUsDash always with two-digit fields).
  std::string Format(DateFormat format) const;

  friend bool operator==(const CivilDate&, const CivilDate&) = default;
  friend auto operator<=>(const CivilDate& a, const CivilDate& b) {
    return a.DaysSinceEpoch() <=> b.DaysSinceEpoch();
  }

 private:
  CivilDate(int y, int m, int d) : year_(y), month_(m), day_(d) {}
  int year_ = 1970;
  int month_ = 1;
  int day_ = 1;
};

// Parses a DateFormat name as written in configs: "iso" (or "yyyy-mm-dd"),
// "mm/dd/yyyy", "mm-dd-yyyy", "yyyymmdd", "yyyy/mm/dd", "dd-mon-yyyy",
// "dd/mm/yyyy", "mm/dd/yy", "mmddyyyy". InvalidArgument lists them.
absl::StatusOr<DateFormat> ParseDateFormatName(std::string_view name);

// True if `iso` is a well-formed canonical date.
bool IsIsoDate(std::string_view iso);

// "YYYY-MM", the month of a canonical date ("2026-10-31" -> "2026-10"),
// e.g. the RTF period of an enrollment status; "" if `iso` is malformed.
std::string MonthOfIsoDate(std::string_view iso);

}  // namespace hub

#endif  // HUB_BASE_CIVIL_DATE_H_
