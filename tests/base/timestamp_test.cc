#include "base/timestamp.h"

#include "absl/time/time.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"

namespace hub {
namespace {

using google::protobuf::Timestamp;
using google::protobuf::util::TimeUtil;

Timestamp Make(int64_t seconds, int32_t nanos) {
  Timestamp ts;
  ts.set_seconds(seconds);
  ts.set_nanos(nanos);
  return ts;
}

TEST(TimestampTest, ToTimestampKeepsMicrosecondsAndDropsTheRest) {
  const absl::Time t = absl::FromUnixSeconds(1767225600) + absl::Nanoseconds(123456789);
  const Timestamp ts = ToTimestamp(t);
  EXPECT_EQ(ts.seconds(), 1767225600);
  EXPECT_EQ(ts.nanos(), 123456000);
  EXPECT_EQ(FromTimestamp(ts), absl::FromUnixMicros(absl::ToUnixMicros(t)));
}

TEST(TimestampTest, TimesBeforeTheEpochHaveNonNegativeNanos) {
  const Timestamp ts = ToTimestamp(absl::FromUnixMicros(-1));
  EXPECT_EQ(ts.seconds(), -1);
  EXPECT_EQ(ts.nanos(), 999999000);
  EXPECT_EQ(FromTimestamp(ts), absl::FromUnixMicros(-1));
  const Timestamp from_micros = MicrosTimestamp(-1500000);
  EXPECT_EQ(from_micros.seconds(), -2);
  EXPECT_EQ(from_micros.nanos(), 500000000);
}

TEST(TimestampTest, FromTimestampIsExactToTheNanosecond) {
  EXPECT_EQ(FromTimestamp(Make(10, 7)), absl::FromUnixSeconds(10) + absl::Nanoseconds(7));
  EXPECT_EQ(FromTimestamp(Timestamp()), absl::UnixEpoch());
}

TEST(TimestampTest, MicrosRoundTripThroughStorageKeys) {
  for (int64_t micros : {int64_t{0}, int64_t{1}, int64_t{1767225600123456}, int64_t{-7}}) {
    EXPECT_EQ(TimestampMicros(MicrosTimestamp(micros)), micros) << micros;
  }
  // Nanoseconds below a microsecond are dropped, as storage's keys drop them.
  EXPECT_EQ(TimestampMicros(Make(2, 1999)), 2000001);
}

TEST(TimestampTest, CheckTimestampAcceptsTheWholeValidRange) {
  EXPECT_TRUE(CheckTimestamp(Timestamp(), "end_time").ok());
  EXPECT_TRUE(CheckTimestamp(Make(TimeUtil::kTimestampMinSeconds, 0), "end_time").ok());
  EXPECT_TRUE(CheckTimestamp(Make(TimeUtil::kTimestampMaxSeconds, 999999999), "end_time").ok());
}

TEST(TimestampTest, CheckTimestampRefusesOutOfRangeValuesNamingTheField) {
  for (const Timestamp& bad :
       {Make(TimeUtil::kTimestampMaxSeconds + 1, 0), Make(TimeUtil::kTimestampMinSeconds - 1, 0),
        Make(0, -1), Make(0, 1000000000), Make(INT64_MAX, 0)}) {
    const absl::Status status = CheckTimestamp(bad, "start_time");
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad.DebugString();
    EXPECT_NE(status.message().find("start_time"), absl::string_view::npos) << status;
  }
}

}  // namespace
}  // namespace hub
