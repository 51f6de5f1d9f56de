// Implementation details of CareStore (storage/care_store.h) shared by its
// files: care_store.cc (keys, capacity, the provider views, the upgrade),
// care_assignments.cc and care_authorizations.cc. Included only by those.
#ifndef HUB_STORAGE_CARE_INTERNAL_H_
#define HUB_STORAGE_CARE_INTERNAL_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/status_macros.h"
#include "hub/v1/care.pb.h"
#include "storage/internal.h"
#include "storage/store.h"

namespace hub::storage::care_internal {

// Kind tags of the provider care index: assignments sort before
// authorizations of the same member.
constexpr std::string_view kAssignmentTag = "A";
constexpr std::string_view kAuthorizationTag = "C";

// True if the period [start, end] (end empty = open) contains `date`. ISO
// dates compare as text.
bool Contains(std::string_view start, std::string_view end, std::string_view date);

// Record keys: the member's record, the plan's index (plan first), and the
// provider care index (provider first).
std::string AssignmentKey(const hub::v1::Assignment& a);
std::string PlanAssignmentKey(const hub::v1::Assignment& a);
std::string ProviderAssignmentKey(const hub::v1::Assignment& a);
std::string ProviderAuthorizationKey(const hub::v1::Authorization& a);

// Splits `key` at '\0' into exactly `n` fields; false otherwise.
bool SplitKey(std::string_view key, size_t n, std::vector<std::string_view>* fields);

// DATA_LOSS naming the damaged index `which`.
absl::Status DamagedIndex(std::string_view which);

// Scans the records of type `Record` stored under `cin` in `family`, keeping
// those `keep` accepts.
template <typename Record, typename Keep>
absl::StatusOr<std::vector<Record>> ScanMember(const Store::Rep& rep, ColumnFamily family,
                                               std::string_view kind, std::string_view cin,
                                               Keep keep) {
  std::vector<Record> records;
  Record record;
  RETURN_IF_ERROR(internal::ForEachWithPrefix(
      rep, family, internal::Prefix({cin}),
      [&](const rocksdb::Slice& /*key*/, const rocksdb::Slice& value) -> absl::Status {
        RETURN_IF_ERROR(internal::ParseRecord(value, kind, &record));
        if (keep(record)) records.push_back(std::move(record));
        return absl::OkStatus();
      }));
  return records;
}

// Adds to `batch` the provider view writes of replacing `before` (null:
// none) by `after` (null: deleted).
void UpdateAssignmentViews(Store::Rep& rep, WriteBatch& batch, const hub::v1::Assignment* before,
                           const hub::v1::Assignment* after);
void UpdateAuthorizationViews(Store::Rep& rep, WriteBatch& batch,
                              const hub::v1::Authorization* before,
                              const hub::v1::Authorization* after);

}  // namespace hub::storage::care_internal

#endif  // HUB_STORAGE_CARE_INTERNAL_H_
