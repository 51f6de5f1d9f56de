#include "hub/common/measure_period.h"

namespace hub {

bool IsMeasurePeriod(std::string_view p) {
  auto digits = [&](size_t from, size_t n) {
    for (size_t i = from; i < from + n; ++i) {
      if (p[i] < '0' || p[i] > '9') return false;
    }
    return true;
  };
  if (p.size() < 4 || !digits(0, 4) || p[0] == '0') return false;
  if (p.size() == 4) return true;
  if (p.size() == 7 && p[4] == '-' && digits(5, 2)) {
    const int month = (p[5] - '0') * 10 + (p[6] - '0');
    return month >= 1 && month <= 12;
  }
  return p.size() == 7 && p[4] == ' ' && p[5] == 'Q' && p[6] >= '1' && p[6] <= '4';
}

}  // namespace hub
