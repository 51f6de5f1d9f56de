#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "storage/care_internal.h"
#include "storage/care_store.h"
#include "storage/internal.h"

namespace hub::storage {

using care_internal::Contains;
using care_internal::DamagedIndex;
using care_internal::ScanMember;
using care_internal::SplitKey;
using care_internal::UpdateAuthorizationViews;

// ----------------------------------------------------------- authorizations

namespace {

// The authorization (plan_id, number) as this batch or the committed store
// holds it. `present` false: none. `stray_cin`: a CIN the number index names
// although its record is missing (a damaged store), "" otherwise.
struct CurrentAuthorization {
  bool present = false;
  hub::v1::Authorization record;
  std::string stray_cin;
};

absl::StatusOr<CurrentAuthorization> ReadCurrentAuthorization(const Store::Rep& rep,
                                                              WriteBatch& batch,
                                                              const std::string& number_key,
                                                              std::string_view plan_id,
                                                              std::string_view number) {
  CurrentAuthorization current;
  auto& pending = internal::RepOf(batch).pending_authorizations;
  if (auto it = pending.find(number_key); it != pending.end()) {
    current.present = it->second.present;
    if (current.present) current.record = it->second.record;
    return current;
  }
  std::string cin;
  ASSIGN_OR_RETURN(const bool indexed,
                   internal::Get(rep, ColumnFamily::kAuthorizationByNumber, number_key, &cin));
  if (!indexed) return current;
  std::string value;
  ASSIGN_OR_RETURN(const bool found, internal::Get(rep, ColumnFamily::kAuthorizations,
                                                   internal::Key({cin, plan_id, number}), &value));
  if (!found) {
    current.stray_cin = std::move(cin);
    return current;
  }
  RETURN_IF_ERROR(internal::ParseRecord(value, "authorization", &current.record));
  current.present = true;
  return current;
}

}  // namespace

absl::StatusOr<uint64_t> CareStore::PutAuthorization(WriteBatch& batch,
                                                     const hub::v1::Authorization& authorization) {
  const std::string number_key =
      internal::Key({authorization.plan_id(), authorization.authorization_number()});
  ASSIGN_OR_RETURN(
      CurrentAuthorization current,
      ReadCurrentAuthorization(internal::RepOf(*store_), batch, number_key, authorization.plan_id(),
                               authorization.authorization_number()));
  if (!current.stray_cin.empty() && current.stray_cin != authorization.cin()) {
    internal::Delete(internal::RepOf(*store_), batch, ColumnFamily::kAuthorizations,
                     internal::Key({current.stray_cin, authorization.plan_id(),
                                    authorization.authorization_number()}));
  }
  return PutAuthorization(batch, authorization, current.present ? &current.record : nullptr);
}

absl::StatusOr<uint64_t> CareStore::PutAuthorization(WriteBatch& batch,
                                                     const hub::v1::Authorization& authorization,
                                                     const hub::v1::Authorization* stored) {
  Store::Rep& rep = internal::RepOf(*store_);
  const std::string number_key =
      internal::Key({authorization.plan_id(), authorization.authorization_number()});
  hub::v1::Authorization record = authorization;
  record.set_version(store_->NextVersion(batch));
  if (stored != nullptr && stored->cin() != record.cin()) {
    // The plan corrected the member: move the record.
    internal::Delete(
        rep, batch, ColumnFamily::kAuthorizations,
        internal::Key({stored->cin(), record.plan_id(), record.authorization_number()}));
  }
  internal::Put(rep, batch, ColumnFamily::kAuthorizationByNumber, number_key,
                internal::ToSlice(record.cin()));
  internal::Put(rep, batch, ColumnFamily::kAuthorizations,
                internal::Key({record.cin(), record.plan_id(), record.authorization_number()}),
                record.SerializeAsString());
  internal::Put(rep, batch, ColumnFamily::kPlanAuthorizations, number_key,
                internal::EncodeFixed64(record.version()));
  UpdateAuthorizationViews(internal::RepOf(*store_), batch, stored, &record);
  WriteBatch::Rep::PendingAuthorization& pending =
      internal::RepOf(batch).pending_authorizations[number_key];
  pending.present = true;
  pending.record = std::move(record);
  return pending.record.version();
}

absl::Status CareStore::DeleteAuthorization(WriteBatch& batch, std::string_view plan_id,
                                            std::string_view authorization_number) {
  Store::Rep& rep = internal::RepOf(*store_);
  const std::string number_key = internal::Key({plan_id, authorization_number});
  ASSIGN_OR_RETURN(CurrentAuthorization current,
                   ReadCurrentAuthorization(rep, batch, number_key, plan_id, authorization_number));
  if (!current.present && current.stray_cin.empty()) return absl::OkStatus();
  const std::string& cin = current.present ? current.record.cin() : current.stray_cin;
  internal::Delete(rep, batch, ColumnFamily::kAuthorizations,
                   internal::Key({cin, plan_id, authorization_number}));
  internal::Delete(rep, batch, ColumnFamily::kAuthorizationByNumber, number_key);
  internal::Delete(rep, batch, ColumnFamily::kPlanAuthorizations, number_key);
  if (current.present)
    UpdateAuthorizationViews(internal::RepOf(*store_), batch, &current.record, nullptr);
  // Deleted in this batch, for later puts and deletes.
  WriteBatch::Rep::PendingAuthorization& pending =
      internal::RepOf(batch).pending_authorizations[number_key];
  pending.present = false;
  pending.record.Clear();
  return absl::OkStatus();
}

void CareStore::MarkAuthorizationListed(WriteBatch& batch, std::string_view plan_id,
                                        std::string_view authorization_number, uint64_t epoch) {
  internal::Put(internal::RepOf(*store_), batch, ColumnFamily::kPlanAuthorizations,
                internal::Key({plan_id, authorization_number}), internal::EncodeFixed64(epoch));
}

absl::Status CareStore::ScanPlanAuthorizations(
    std::string_view plan_id,
    const std::function<absl::Status(const PlanAuthorizationMark&)>& fn) const {
  PlanAuthorizationMark entry;
  std::vector<std::string_view> fields;
  return internal::ForEachWithPrefix(
      internal::RepOf(*store_), ColumnFamily::kPlanAuthorizations, internal::Prefix({plan_id}),
      [&](const rocksdb::Slice& key, const rocksdb::Slice& value) -> absl::Status {
        if (!SplitKey(internal::ToView(key), 2, &fields) ||
            !internal::DecodeFixed64(internal::ToView(value), &entry.mark)) {
          return DamagedIndex("plan authorization");
        }
        entry.authorization_number.assign(fields[1].data(), fields[1].size());
        return fn(entry);
      },
      /*fill_cache=*/false);
}

absl::StatusOr<hub::v1::Authorization> CareStore::GetAuthorization(
    std::string_view plan_id, std::string_view authorization_number) const {
  const Store::Rep& rep = internal::RepOf(*store_);
  std::string cin;
  ASSIGN_OR_RETURN(const bool indexed,
                   internal::Get(rep, ColumnFamily::kAuthorizationByNumber,
                                 internal::Key({plan_id, authorization_number}), &cin));
  if (!indexed) {
    return absl::NotFoundError(
        absl::StrCat("plan ", internal::Absl(plan_id), " has no authorization with that number"));
  }
  std::string value;
  ASSIGN_OR_RETURN(const bool found,
                   internal::Get(rep, ColumnFamily::kAuthorizations,
                                 internal::Key({cin, plan_id, authorization_number}), &value));
  if (!found) {
    return absl::DataLossError(
        absl::StrCat("storage: the authorization index of plan ", internal::Absl(plan_id),
                     " points at a missing record; restore the data directory from a checkpoint"));
  }
  hub::v1::Authorization authorization;
  RETURN_IF_ERROR(internal::ParseRecord(value, "authorization", &authorization));
  return authorization;
}

absl::StatusOr<std::vector<hub::v1::Authorization>> CareStore::AuthorizationsOn(
    std::string_view cin, std::string_view iso_date) const {
  return ScanMember<hub::v1::Authorization>(
      internal::RepOf(*store_), ColumnFamily::kAuthorizations, "authorization", cin,
      [&](const hub::v1::Authorization& a) {
        return Contains(a.start_date(), a.end_date(), iso_date);
      });
}

absl::StatusOr<std::vector<hub::v1::Authorization>> CareStore::Authorizations(
    std::string_view cin) const {
  return ScanMember<hub::v1::Authorization>(internal::RepOf(*store_), ColumnFamily::kAuthorizations,
                                            "authorization", cin,
                                            [](const hub::v1::Authorization&) { return true; });
}

}  // namespace hub::storage
