#include "base/timestamp.h"

#include "absl/strings/str_cat.h"
#include "base/string_view.h"
#include "google/protobuf/util/time_util.h"

namespace hub {

using google::protobuf::Timestamp;
using google::protobuf::util::TimeUtil;

Timestamp ToTimestamp(absl::Time t) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

absl::Time FromTimestamp(const Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

int64_t TimestampMicros(const Timestamp& ts) { return TimeUtil::TimestampToMicroseconds(ts); }

Timestamp MicrosTimestamp(int64_t micros) { return TimeUtil::MicrosecondsToTimestamp(micros); }

absl::Status CheckTimestamp(const Timestamp& ts, std::string_view field) {
  if (ts.seconds() < TimeUtil::kTimestampMinSeconds ||
      ts.seconds() > TimeUtil::kTimestampMaxSeconds || ts.nanos() < 0 || ts.nanos() > 999999999) {
    return absl::InvalidArgumentError(
        absl::StrCat(Absl(field),
                     " is not a valid time: it must lie between 0001-01-01T00:00:00Z and "
                     "9999-12-31T23:59:59.999999999Z with nanos from 0 to 999999999"));
  }
  return absl::OkStatus();
}

}  // namespace hub
