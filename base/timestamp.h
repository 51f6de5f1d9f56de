// The hub's one conversion between absl::Time and google.protobuf.Timestamp,
// built on protobuf's TimeUtil.
//
// Timestamps the hub writes carry microseconds: storage keys feed items and
// audit records by microseconds since the Unix epoch, so a Timestamp the hub
// wrote survives a round trip through a key unchanged. Timestamps read back
// (from storage or from a client) keep whatever nanoseconds they carry.
//
// All functions are pure and thread-safe.
#ifndef HUB_BASE_TIMESTAMP_H_
#define HUB_BASE_TIMESTAMP_H_

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace hub {

// `t` as a Timestamp, truncated toward the past to the microsecond. Meant for
// times inside Timestamp's range (years 0001 to 9999); absl's infinite times
// saturate rather than fail.
google::protobuf::Timestamp ToTimestamp(absl::Time t);

// `ts` as an absl::Time, exact to the nanosecond. Never fails and never
// overflows; a client's Timestamp should pass CheckTimestamp first so that a
// nonsense value is refused rather than used.
absl::Time FromTimestamp(const google::protobuf::Timestamp& ts);

// Microseconds since the Unix epoch (nanoseconds truncated toward zero), the
// form storage keys use, and back. TimestampMicros expects a valid `ts`
// (CheckTimestamp); MicrosTimestamp normalizes negative remainders.
int64_t TimestampMicros(const google::protobuf::Timestamp& ts);
google::protobuf::Timestamp MicrosTimestamp(int64_t micros);

// OK when `ts` is a valid Timestamp: seconds from 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59Z and nanos from 0 to 999,999,999. Otherwise
// INVALID_ARGUMENT naming `field` (the request's field name) and the range.
absl::Status CheckTimestamp(const google::protobuf::Timestamp& ts, std::string_view field);

}  // namespace hub

#endif  // HUB_BASE_TIMESTAMP_H_
