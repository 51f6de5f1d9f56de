// Time-versioned plan coverage: "which plan covers CIN X on date D".
//
// A member has any number of coverage periods. A period's identity is
// (cin, plan_id, start_date); writing the same identity again replaces it
// (e.g. to set an end date). Each write gets a fresh hub-wide version. Where
// periods overlap on a date, the period with the highest version covers it:
// the latest statement about that day wins, which is how retroactive
// enrollment changes and mid-month plan switches are represented.
//
// Lookups are one RocksDB prefix seek over the member's few periods: a few
// microseconds with a warm block cache.
#ifndef HUB_STORAGE_COVERAGE_INDEX_H_
#define HUB_STORAGE_COVERAGE_INDEX_H_

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hub/v1/member.pb.h"
#include "storage/store.h"

namespace hub::storage {

class CoverageIndex {
 public:
  // `store` must outlive this object.
  explicit CoverageIndex(Store* store);

  // Adds to `batch` the period `coverage` with a new version, and returns
  // that version. Preconditions: valid CIN and plan id, ISO start_date,
  // end_date empty or ISO and >= start_date.
  uint64_t Put(WriteBatch& batch, const hub::v1::Coverage& coverage);

  // Adds to `batch` the removal of the period with this identity (no-op if
  // absent). Used when a plan's snapshot file no longer lists a period.
  void Delete(WriteBatch& batch, std::string_view cin, std::string_view plan_id,
              std::string_view start_date);

  // The period with identity (cin, plan_id, start_date). NotFound if none.
  absl::StatusOr<hub::v1::Coverage> Get(std::string_view cin, std::string_view plan_id,
                                        std::string_view start_date) const;

  // The period covering `cin` on `iso_date` (the highest version among those
  // with start_date <= date <= end_date). NotFound if no plan covers it.
  absl::StatusOr<hub::v1::Coverage> CoveringPlan(std::string_view cin,
                                                 std::string_view iso_date) const;

  // Every period recorded for `cin`, ordered by (plan_id, start_date).
  absl::StatusOr<std::vector<hub::v1::Coverage>> Periods(std::string_view cin) const;

  // The rule of CoveringPlan over one member's `periods` as Periods orders
  // them (e.g. MemberCare::periods, storage/member_care.h): the period
  // covering `iso_date` with the highest version, or nullptr if none. Points
  // into `periods`.
  static const hub::v1::Coverage* CoveringPeriod(const std::vector<hub::v1::Coverage>& periods,
                                                 std::string_view iso_date);

 private:
  Store* store_;
};

}  // namespace hub::storage

#endif  // HUB_STORAGE_COVERAGE_INDEX_H_
