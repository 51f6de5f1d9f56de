// The latest care plan of each member, as the FeedItem that delivered it
// (record id, author provider, accept time, the CarePlan itself), so the
// providers serving a member can read it later (ProviderService.GetCarePlan).
// Everything stored here is PHI.
//
// Key (store.h): kCarePlans  cin -> hub.v1.FeedItem whose submission holds
// a care_plan.
//
// Thread safety: safe for concurrent use. "Latest" is the caller's rule: the
// submit pipeline (one writer) puts a plan only when its effective date is
// not older than the stored one.
#ifndef HUB_STORAGE_CARE_PLAN_STORE_H_
#define HUB_STORAGE_CARE_PLAN_STORE_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "hub/v1/feed.pb.h"
#include "storage/store.h"

namespace hub::storage {

class CarePlanStore {
 public:
  // `store` must outlive this object.
  explicit CarePlanStore(Store* store);

  // Adds to `batch` the member's care plan, replacing the stored one.
  // Precondition: item.submission().has_care_plan() with a valid CIN.
  void Put(WriteBatch& batch, const hub::v1::FeedItem& item);

  // The stored care plan item of `cin`. NotFound if none was stored.
  absl::StatusOr<hub::v1::FeedItem> Get(std::string_view cin) const;

 private:
  Store* store_;
};

}  // namespace hub::storage

#endif  // HUB_STORAGE_CARE_PLAN_STORE_H_
