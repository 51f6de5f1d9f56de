// Durable per-plan control numbers for the files the hub renders for a plan
// (X12 837P ISA13/GS06, and any control number a plan's layout renders).
//
// Key (store.h): kMeta  "control_number" \0 plan_id -> last number handed
// out (fixed64, merged with the meta family's max operator, so the stored
// value can only grow).
//
// Thread safety: safe for concurrent use; numbers are handed out under a
// process-wide lock (one hubd process holds a store).
#ifndef HUB_STORAGE_CONTROL_NUMBER_STORE_H_
#define HUB_STORAGE_CONTROL_NUMBER_STORE_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "storage/store.h"

namespace hub::storage {

// The largest control number: X12 ISA13 holds 9 digits.
inline constexpr int64_t kMaxControlNumber = 999999999;

class ControlNumberStore {
 public:
  // `store` must outlive this object.
  explicit ControlNumberStore(Store* store);

  // The plan's next control number: 1 for the first call, then one more
  // than the last number handed out, even across restarts and crashes. The
  // number is synced to disk before it is returned, so it is never handed
  // out twice (a file whose export then fails leaves a gap, never a repeat).
  // InvalidArgument for an empty plan_id or one holding '\0';
  // ResourceExhausted once kMaxControlNumber was handed out.
  absl::StatusOr<int64_t> Next(std::string_view plan_id);

  // The last number handed out for the plan (0 if none).
  absl::StatusOr<int64_t> Last(std::string_view plan_id) const;

 private:
  Store* store_;
};

}  // namespace hub::storage

#endif  // HUB_STORAGE_CONTROL_NUMBER_STORE_H_
