// Consents for 42 CFR Part 2 data (hub.v1.Consent) and the Part 2 feed
// items withheld from plans for want of one (ColumnFamily::kConsents,
// kConsentHeld).
//
// Thread safety: safe for concurrent use; Put is a read-free overwrite, so
// callers serialize read-modify-write of one consent themselves.
#ifndef HUB_STORAGE_CONSENT_STORE_H_
#define HUB_STORAGE_CONSENT_STORE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hub/v1/consent.pb.h"
#include "storage/store.h"

namespace hub::storage {

class ConsentStore {
 public:
  // `store` is not owned and must outlive this object.
  explicit ConsentStore(Store* store);

  // Stores `consent` (consent_id and member_cin required), durably.
  absl::Status Put(const hub::v1::Consent& consent);
  // NotFound if there is no such consent.
  absl::StatusOr<hub::v1::Consent> Get(std::string_view consent_id) const;
  // The member's consents, in consent_id order.
  absl::StatusOr<std::vector<hub::v1::Consent>> ListByMember(std::string_view cin) const;
  // Every consent, in consent_id order (at most `limit`).
  absl::StatusOr<std::vector<hub::v1::Consent>> ListAll(int limit) const;

  // Marks feed item `sequence` of `plan_id` (record `record_id`) as
  // withheld. Idempotent. Buffered write (a lost mark is re-made on the
  // next pull).
  absl::Status MarkHeld(std::string_view plan_id, uint64_t sequence, std::string_view record_id);
  // True if the item was withheld before: a withheld item stays withheld.
  absl::StatusOr<bool> IsHeld(std::string_view plan_id, uint64_t sequence) const;
  // Number of items withheld from `plan_id` ("" = every plan): counts, never
  // contents, for the county's monitoring.
  absl::StatusOr<int64_t> CountHeld(std::string_view plan_id = "") const;

 private:
  Store* const store_;
};

}  // namespace hub::storage

#endif  // HUB_STORAGE_CONSENT_STORE_H_
