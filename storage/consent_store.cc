#include "storage/consent_store.h"

#include "base/status_macros.h"
#include "storage/internal.h"

namespace hub::storage {
namespace {

std::string ConsentKey(std::string_view consent_id) { return internal::Key({"c", consent_id}); }
std::string MemberKey(std::string_view cin, std::string_view consent_id) {
  return internal::Key({"m", cin, consent_id});
}
std::string HeldKey(std::string_view plan_id, uint64_t sequence) {
  return internal::Prefix({plan_id}) + internal::EncodeBigEndian64(sequence);
}

}  // namespace

ConsentStore::ConsentStore(Store* store) : store_(store) {}

absl::Status ConsentStore::Put(const hub::v1::Consent& consent) {
  if (consent.consent_id().empty() || consent.member_cin().empty()) {
    return absl::InvalidArgumentError("a stored consent needs consent_id and member_cin");
  }
  WriteBatch batch;
  const Store::Rep& rep = internal::RepOf(*store_);
  internal::Put(rep, batch, ColumnFamily::kConsents, ConsentKey(consent.consent_id()),
                consent.SerializeAsString());
  internal::Put(rep, batch, ColumnFamily::kConsents,
                MemberKey(consent.member_cin(), consent.consent_id()), "");
  return store_->Commit(batch, Durability::kSync);
}

absl::StatusOr<hub::v1::Consent> ConsentStore::Get(std::string_view consent_id) const {
  std::string value;
  ASSIGN_OR_RETURN(const bool found,
                   internal::Get(internal::RepOf(*store_), ColumnFamily::kConsents,
                                 ConsentKey(consent_id), &value));
  if (!found) return absl::NotFoundError("no such consent");
  hub::v1::Consent consent;
  RETURN_IF_ERROR(internal::ParseRecord(value, "consent", &consent));
  return consent;
}

absl::StatusOr<std::vector<hub::v1::Consent>> ConsentStore::ListByMember(
    std::string_view cin) const {
  std::vector<std::string> ids;
  const std::string prefix = internal::Prefix({"m", cin});
  RETURN_IF_ERROR(internal::ForEachWithPrefix(
      internal::RepOf(*store_), ColumnFamily::kConsents, prefix,
      [&](const rocksdb::Slice& key, const rocksdb::Slice&) -> absl::Status {
        ids.emplace_back(internal::ToView(key).substr(prefix.size()));
        return absl::OkStatus();
      }));
  std::vector<hub::v1::Consent> out;
  for (const std::string& id : ids) {
    ASSIGN_OR_RETURN(hub::v1::Consent consent, Get(id));
    out.push_back(std::move(consent));
  }
  return out;
}

absl::StatusOr<std::vector<hub::v1::Consent>> ConsentStore::ListAll(int limit) const {
  std::vector<hub::v1::Consent> out;
  const std::string prefix = internal::Prefix({"c"});
  RETURN_IF_ERROR(internal::ForEachFrom(
      internal::RepOf(*store_), ColumnFamily::kConsents, prefix, "",
      [&](const rocksdb::Slice&, const rocksdb::Slice& value) -> absl::StatusOr<bool> {
        RETURN_IF_ERROR(internal::ParseRecord(value, "consent", &out.emplace_back()));
        return static_cast<int>(out.size()) < limit;
      }));
  return out;
}

absl::Status ConsentStore::MarkHeld(std::string_view plan_id, uint64_t sequence,
                                    std::string_view record_id) {
  WriteBatch batch;
  internal::Put(internal::RepOf(*store_), batch, ColumnFamily::kConsentHeld,
                HeldKey(plan_id, sequence), internal::ToSlice(record_id));
  return store_->Commit(batch, Durability::kBuffered);
}

absl::StatusOr<bool> ConsentStore::IsHeld(std::string_view plan_id, uint64_t sequence) const {
  std::string value;
  return internal::Get(internal::RepOf(*store_), ColumnFamily::kConsentHeld,
                       HeldKey(plan_id, sequence), &value);
}

absl::StatusOr<int64_t> ConsentStore::CountHeld(std::string_view plan_id) const {
  int64_t count = 0;
  RETURN_IF_ERROR(internal::ForEachWithPrefix(
      internal::RepOf(*store_), ColumnFamily::kConsentHeld,
      plan_id.empty() ? std::string() : internal::Prefix({plan_id}),
      [&](const rocksdb::Slice&, const rocksdb::Slice&) -> absl::Status {
        ++count;
        return absl::OkStatus();
      },
      /*fill_cache=*/false));
  return count;
}

}  // namespace hub::storage
