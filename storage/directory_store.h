// Plans and providers of the county directory.
#ifndef HUB_STORAGE_DIRECTORY_STORE_H_
#define HUB_STORAGE_DIRECTORY_STORE_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "hub/v1/organization.pb.h"
#include "storage/store.h"

namespace hub::storage {

// Reads and writes the directory. Writes are synced. Field validation (id
// formats, NPI check digit) is the caller's job; this class enforces only
// uniqueness: of plan ids, of provider ids and of provider NPIs.
class DirectoryStore {
 public:
  // `store` must outlive this object.
  explicit DirectoryStore(Store* store);

  // AlreadyExists if the plan_id is taken.
  absl::Status CreatePlan(const hub::v1::Plan& plan);
  // Replaces the stored plan with the same plan_id; NotFound if none.
  absl::Status UpdatePlan(const hub::v1::Plan& plan);
  // NotFound if no plan has that id.
  absl::StatusOr<hub::v1::Plan> GetPlan(std::string_view plan_id) const;
  // Up to `limit` plans with plan_id > `after`, in plan_id order.
  absl::StatusOr<std::vector<hub::v1::Plan>> ListPlans(std::string_view after, int limit) const;

  // AlreadyExists if the provider_id or the NPI is taken.
  absl::Status CreateProvider(const hub::v1::Provider& provider);
  // Replaces the stored provider with the same provider_id; NotFound if none;
  // AlreadyExists if a changed NPI belongs to another provider.
  absl::Status UpdateProvider(const hub::v1::Provider& provider);
  // NotFound if no provider has that id.
  absl::StatusOr<hub::v1::Provider> GetProvider(std::string_view provider_id) const;
  // NotFound if no provider has that NPI.
  absl::StatusOr<hub::v1::Provider> GetProviderByNpi(std::string_view npi) const;
  // Up to `limit` providers with provider_id > `after`, in provider_id order.
  absl::StatusOr<std::vector<hub::v1::Provider>> ListProviders(std::string_view after,
                                                               int limit) const;

  // True if the directory holds no plan and no provider (first start).
  absl::StatusOr<bool> Empty() const;

  // Writes every plan and provider in one synced batch, so a crash leaves
  // either the whole seed or none of it. FailedPrecondition if the directory
  // is not empty. The caller validates the records (ids and NPIs unique).
  absl::Status Seed(const std::vector<hub::v1::Plan>& plans,
                    const std::vector<hub::v1::Provider>& providers);

 private:
  Store* store_;
  // Serializes create/update so uniqueness checks and writes are atomic.
  absl::Mutex write_mu_;
};

}  // namespace hub::storage

#endif  // HUB_STORAGE_DIRECTORY_STORE_H_
