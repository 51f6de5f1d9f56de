// Quality measure results plans report per provider
// (hub.v1.QualityMeasureReport), keyed provider first so one provider's
// results are one prefix scan.
//
// Thread safety: safe for concurrent use (see store.h).
#ifndef HUB_STORAGE_QUALITY_STORE_H_
#define HUB_STORAGE_QUALITY_STORE_H_

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hub/v1/quality.pb.h"
#include "storage/store.h"

namespace hub::storage {

class QualityStore {
 public:
  // `store` must outlive this object.
  explicit QualityStore(Store* store);

  // Adds to `batch` the report, replacing one with the same identity
  // (provider_id, plan_id, measure_id, period, stratifier).
  void Put(WriteBatch& batch, const hub::v1::QualityMeasureReport& report);

  // The report with the identity of `identity`. NotFound if there is none.
  absl::StatusOr<hub::v1::QualityMeasureReport> Get(
      const hub::v1::QualityMeasureReport& identity) const;

  // Every report about `provider_id`, in (plan_id, measure_id, period,
  // stratifier) order. Empty if none.
  absl::StatusOr<std::vector<hub::v1::QualityMeasureReport>> ListByProvider(
      std::string_view provider_id) const;

 private:
  Store* store_;
};

}  // namespace hub::storage

#endif  // HUB_STORAGE_QUALITY_STORE_H_
