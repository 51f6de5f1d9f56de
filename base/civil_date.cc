#include "base/civil_date.h"

#include <cstdio>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace hub {
namespace {

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `width` digits at `pos`; false if any is not a digit.
bool Digits(std::string_view s, size_t pos, size_t width, int* out) {
  if (pos + width > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// Reads 1 or 2 digits at `*pos`, advancing it.
bool ShortField(std::string_view s, size_t* pos, int* out) {
  size_t start = *pos;
  int v = 0;
  while (*pos < s.size() && *pos - start < 2 && s[*pos] >= '0' && s[*pos] <= '9') {
    v = v * 10 + (s[*pos] - '0');
    ++*pos;
  }
  if (*pos == start) return false;
  *out = v;
  return true;
}

constexpr const char* kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};

// The month (1-12) of a three-letter English abbreviation, any case; 0 if none.
int MonthOfName(std::string_view s) {
  if (s.size() != 3) return 0;
  for (int i = 0; i < 12; ++i) {
    bool same = true;
    for (int k = 0; k < 3; ++k) {
      const char c = s[k] >= 'a' && s[k] <= 'z' ? static_cast<char>(s[k] - 32) : s[k];
      same = same && c == kMonthNames[i][k];
    }
    if (same) return i + 1;
  }
  return 0;
}

// "A<sep>B<sep>C" with 1-2 digit A and B and a `year_width`-digit C.
bool ShortShortYear(std::string_view s, char sep, size_t year_width, int* a, int* b, int* c) {
  size_t pos = 0;
  return ShortField(s, &pos, a) && pos < s.size() && s[pos++] == sep && ShortField(s, &pos, b) &&
         pos < s.size() && s[pos++] == sep && s.size() - pos == year_width &&
         Digits(s, pos, year_width, c);
}

absl::Status Mismatch(DateFormat format) {
  static constexpr const char* kNames[] = {"YYYY-MM-DD", "MM/DD/YYYY", "MM-DD-YYYY",
                                           "YYYYMMDD",   "YYYY/MM/DD", "DD-MON-YYYY",
                                           "DD/MM/YYYY", "MM/DD/YY",   "MMDDYYYY"};
  return absl::InvalidArgumentError(
      absl::StrFormat("not a date in the expected format %s", kNames[static_cast<int>(format)]));
}

}  // namespace

absl::StatusOr<CivilDate> CivilDate::FromYmd(int year, int month, int day) {
  if (year < 1900 || year > 2199 || month < 1 || month > 12 || day < 1 ||
      day > DaysInMonth(year, month)) {
    return absl::InvalidArgumentError("not a real calendar day (years 1900-2199)");
  }
  return CivilDate(year, month, day);
}

absl::StatusOr<CivilDate> CivilDate::Parse(std::string_view s, DateFormat format) {
  int y = 0, m = 0, d = 0;
  switch (format) {
    case DateFormat::kIso:
      if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !Digits(s, 0, 4, &y) ||
          !Digits(s, 5, 2, &m) || !Digits(s, 8, 2, &d)) {
        return Mismatch(format);
      }
      break;
    case DateFormat::kCompact:
      if (s.size() != 8 || !Digits(s, 0, 4, &y) || !Digits(s, 4, 2, &m) || !Digits(s, 6, 2, &d)) {
        return Mismatch(format);
      }
      break;
    case DateFormat::kUsSlash:
    case DateFormat::kUsDash:
      if (!ShortShortYear(s, format == DateFormat::kUsSlash ? '/' : '-', 4, &m, &d, &y)) {
        return Mismatch(format);
      }
      break;
    case DateFormat::kYmdSlash:
      if (s.size() != 10 || s[4] != '/' || s[7] != '/' || !Digits(s, 0, 4, &y) ||
          !Digits(s, 5, 2, &m) || !Digits(s, 8, 2, &d)) {
        return Mismatch(format);
      }
      break;
    case DateFormat::kDayMonthName:
      if (s.size() != 11 || s[2] != '-' || s[6] != '-' || !Digits(s, 0, 2, &d) ||
          !Digits(s, 7, 4, &y) || (m = MonthOfName(s.substr(3, 3))) == 0) {
        return Mismatch(format);
      }
      break;
    case DateFormat::kDmySlash:
      if (!ShortShortYear(s, '/', 4, &d, &m, &y)) return Mismatch(format);
      break;
    case DateFormat::kUsShortYear:
      if (!ShortShortYear(s, '/', 2, &m, &d, &y)) return Mismatch(format);
      y += y < 50 ? 2000 : 1900;
      break;
    case DateFormat::kUsCompact:
      if (s.size() != 8 || !Digits(s, 0, 2, &m) || !Digits(s, 2, 2, &d) || !Digits(s, 4, 4, &y)) {
        return Mismatch(format);
      }
      break;
  }
  return FromYmd(y, m, d);
}

// Howard Hinnant's days_from_civil / civil_from_days.
int64_t CivilDate::DaysSinceEpoch() const {
  const int y = month_ <= 2 ? year_ - 1 : year_;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned mp = static_cast<unsigned>(month_ > 2 ? month_ - 3 : month_ + 9);
  const unsigned doy = (153 * mp + 2) / 5 + static_cast<unsigned>(day_) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<int64_t>(era) * 146097 + static_cast<int64_t>(doe) - 719468;
}

CivilDate CivilDate::FromDaysSinceEpoch(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return CivilDate(static_cast<int>(y + (m <= 2)), static_cast<int>(m), static_cast<int>(d));
}

std::string CivilDate::ToIso() const { return Format(DateFormat::kIso); }

std::string CivilDate::Format(DateFormat format) const {
  // Hand-rolled: plan files and exports format millions of dates.
  auto put = [](char* at, int value, int width) {
    for (int i = width - 1; i >= 0; --i, value /= 10) at[i] = static_cast<char>('0' + value % 10);
  };
  std::string out;
  switch (format) {
    case DateFormat::kIso:
      out = "0000-00-00";
      put(&out[0], year_, 4);
      put(&out[5], month_, 2);
      put(&out[8], day_, 2);
      break;
    case DateFormat::kUsSlash:
    case DateFormat::kUsDash:
      out = format == DateFormat::kUsSlash ? "00/00/0000" : "00-00-0000";
      put(&out[0], month_, 2);
      put(&out[3], day_, 2);
      put(&out[6], year_, 4);
      break;
    case DateFormat::kCompact:
      out = "00000000";
      put(&out[0], year_, 4);
      put(&out[4], month_, 2);
      put(&out[6], day_, 2);
      break;
    case DateFormat::kYmdSlash:
      out = "0000/00/00";
      put(&out[0], year_, 4);
      put(&out[5], month_, 2);
      put(&out[8], day_, 2);
      break;
    case DateFormat::kDayMonthName:
      out = "00-MON-0000";
      put(&out[0], day_, 2);
      out.replace(3, 3, kMonthNames[month_ - 1]);
      put(&out[7], year_, 4);
      break;
    case DateFormat::kDmySlash:
      out = "00/00/0000";
      put(&out[0], day_, 2);
      put(&out[3], month_, 2);
      put(&out[6], year_, 4);
      break;
    case DateFormat::kUsShortYear:
      out = "00/00/00";
      put(&out[0], month_, 2);
      put(&out[3], day_, 2);
      put(&out[6], year_ % 100, 2);
      break;
    case DateFormat::kUsCompact:
      out = "00000000";
      put(&out[0], month_, 2);
      put(&out[2], day_, 2);
      put(&out[4], year_, 4);
      break;
  }
  return out;
}

absl::StatusOr<DateFormat> ParseDateFormatName(std::string_view name) {
  if (name == "iso" || name == "yyyy-mm-dd") return DateFormat::kIso;
  if (name == "mm/dd/yyyy") return DateFormat::kUsSlash;
  if (name == "mm-dd-yyyy") return DateFormat::kUsDash;
  if (name == "yyyymmdd") return DateFormat::kCompact;
  if (name == "yyyy/mm/dd") return DateFormat::kYmdSlash;
  if (name == "dd-mon-yyyy") return DateFormat::kDayMonthName;
  if (name == "dd/mm/yyyy") return DateFormat::kDmySlash;
  if (name == "mm/dd/yy") return DateFormat::kUsShortYear;
  if (name == "mmddyyyy") return DateFormat::kUsCompact;
  return absl::InvalidArgumentError(absl::StrFormat(
      "unknown date format \"%s\"; use iso (yyyy-mm-dd), mm/dd/yyyy, mm-dd-yyyy, yyyymmdd, "
      "yyyy/mm/dd, dd-mon-yyyy, dd/mm/yyyy, mm/dd/yy or mmddyyyy",
      std::string(name)));
}

bool IsIsoDate(std::string_view iso) { return CivilDate::ParseIso(iso).ok(); }

std::string MonthOfIsoDate(std::string_view iso) {
  if (!IsIsoDate(iso)) return "";
  return std::string(iso.substr(0, 7));
}

}  // namespace hub
