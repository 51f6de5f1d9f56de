#include "storage/member_store.h"

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/status_macros.h"
#include "storage/internal.h"

namespace hub::storage {

MemberStore::MemberStore(Store* store) : store_(store) {}

void MemberStore::Put(WriteBatch& batch, const hub::v1::Member& member) {
  internal::Put(internal::RepOf(*store_), batch, ColumnFamily::kMembers,
                internal::ToSlice(member.cin()), member.SerializeAsString());
}

absl::StatusOr<hub::v1::Member> MemberStore::Get(std::string_view cin) const {
  std::string value;
  ASSIGN_OR_RETURN(const bool found,
                   internal::Get(internal::RepOf(*store_), ColumnFamily::kMembers, cin, &value));
  // The CIN is PHI: the message never quotes it.
  if (!found) return absl::NotFoundError("no member with that CIN");
  hub::v1::Member member;
  RETURN_IF_ERROR(internal::ParseRecord(value, "member", &member));
  return member;
}

}  // namespace hub::storage
