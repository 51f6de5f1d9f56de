// Small statistics shared by the programs in bench/.
#ifndef HUB_BENCH_BENCH_STATS_H_
#define HUB_BENCH_BENCH_STATS_H_

#include <algorithm>
#include <vector>

namespace hub::bench {

// The median of `values` (the mean of the middle two for an even count);
// 0 for none.
inline double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace hub::bench

#endif  // HUB_BENCH_BENCH_STATS_H_
