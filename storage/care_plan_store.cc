#include "storage/care_plan_store.h"

#include <string>

#include "storage/internal.h"

namespace hub::storage {

CarePlanStore::CarePlanStore(Store* store) : store_(store) {}

void CarePlanStore::Put(WriteBatch& batch, const hub::v1::FeedItem& item) {
  const std::string& cin = item.submission().care_plan().cin();
  internal::Put(internal::RepOf(*store_), batch, ColumnFamily::kCarePlans, internal::ToSlice(cin),
                item.SerializeAsString());
}

absl::StatusOr<hub::v1::FeedItem> CarePlanStore::Get(std::string_view cin) const {
  std::string value;
  absl::StatusOr<bool> found =
      internal::Get(internal::RepOf(*store_), ColumnFamily::kCarePlans, cin, &value);
  if (!found.ok()) return found.status();
  if (!*found) return absl::NotFoundError("storage: no care plan is stored for this member");
  hub::v1::FeedItem item;
  absl::Status parsed = internal::ParseRecord(rocksdb::Slice(value), "care plan", &item);
  if (!parsed.ok()) return parsed;
  return item;
}

}  // namespace hub::storage
