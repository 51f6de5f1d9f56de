// Members keyed by CIN. Member records are PHI: this class never logs them.
#ifndef HUB_STORAGE_MEMBER_STORE_H_
#define HUB_STORAGE_MEMBER_STORE_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "hub/v1/member.pb.h"
#include "storage/store.h"

namespace hub::storage {

class MemberStore {
 public:
  // `store` must outlive this object.
  explicit MemberStore(Store* store);

  // Adds to `batch` an upsert of `member` (replacing any member with that CIN).
  // Precondition: member.cin() is a valid CIN.
  void Put(WriteBatch& batch, const hub::v1::Member& member);
  // NotFound if no member has that CIN.
  absl::StatusOr<hub::v1::Member> Get(std::string_view cin) const;

 private:
  Store* store_;
};

}  // namespace hub::storage

#endif  // HUB_STORAGE_MEMBER_STORE_H_
