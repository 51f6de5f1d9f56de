// The period of a quality measure as plan quality files write it: "YYYY-MM",
// "YYYY Qn" or "YYYY". Shared by quality-file ingest (a row's period) and
// the provider's quality view (a request's period filter), so both accept
// exactly the same periods.
//
// Thread safety: pure function.
#ifndef HUB_HUB_COMMON_MEASURE_PERIOD_H_
#define HUB_HUB_COMMON_MEASURE_PERIOD_H_

#include <string_view>

namespace hub {

// True if `period` is "YYYY-MM" (month 01-12), "YYYY Qn" (n 1-4) or "YYYY",
// with a year that does not start with 0.
bool IsMeasurePeriod(std::string_view period);

}  // namespace hub

#endif  // HUB_HUB_COMMON_MEASURE_PERIOD_H_
