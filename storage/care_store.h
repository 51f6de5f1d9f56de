// ECM assignments and Community Supports authorizations, indexed by member
// so "which provider is assigned/authorized for CIN X on date D" is one
// prefix seek.
#ifndef HUB_STORAGE_CARE_STORE_H_
#define HUB_STORAGE_CARE_STORE_H_

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hub/v1/care.pb.h"
#include "storage/store.h"

namespace hub::storage {

class CareStore {
 public:
  // `store` must outlive this object.
  explicit CareStore(Store* store);

  // Adds to `batch` the assignment, replacing one with the same identity
  // (cin, plan_id, provider_id, benefit_start_date); sets a new version and
  // returns it.
  uint64_t PutAssignment(WriteBatch& batch, const hub::v1::Assignment& assignment);
  // Adds to `batch` the removal of an assignment (no-op if absent).
  void DeleteAssignment(WriteBatch& batch, const hub::v1::Assignment& identity);
  // Assignments of `cin` whose benefit period contains `iso_date`, in
  // (plan_id, provider_id) order. Empty if none.
  absl::StatusOr<std::vector<hub::v1::Assignment>> AssignmentsOn(std::string_view cin,
                                                                 std::string_view iso_date) const;
  // Every assignment recorded for `cin`.
  absl::StatusOr<std::vector<hub::v1::Assignment>> Assignments(std::string_view cin) const;

  // Adds to `batch` the authorization, replacing one with the same identity
  // (plan_id, authorization_number), even if its CIN changed; sets a new
  // version and returns it. Finds the CIN it is filed under now by reading
  // the committed index and this batch's earlier puts, so two uncommitted
  // batches must not hold the same authorization (callers serialize a
  // plan's writes).
  absl::StatusOr<uint64_t> PutAuthorization(WriteBatch& batch,
                                            const hub::v1::Authorization& authorization);
  // NotFound if the plan has no such authorization number.
  absl::StatusOr<hub::v1::Authorization> GetAuthorization(
      std::string_view plan_id, std::string_view authorization_number) const;
  // Authorizations of `cin` whose period contains `iso_date`.
  absl::StatusOr<std::vector<hub::v1::Authorization>> AuthorizationsOn(
      std::string_view cin, std::string_view iso_date) const;
  // Every authorization recorded for `cin`.
  absl::StatusOr<std::vector<hub::v1::Authorization>> Authorizations(std::string_view cin) const;

 private:
  Store* store_;
};

}  // namespace hub::storage

#endif  // HUB_STORAGE_CARE_STORE_H_
