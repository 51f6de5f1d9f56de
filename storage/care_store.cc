#include "storage/care_store.h"

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "hub/v1/feed.pb.h"
#include "storage/care_internal.h"
#include "storage/care_records.pb.h"
#include "storage/internal.h"

namespace hub::storage {
namespace care_internal {

// True if the period [start, end] (end empty = open) contains `date`. ISO
// dates compare as text.
bool Contains(std::string_view start, std::string_view end, std::string_view date) {
  return start <= date && (end.empty() || date <= end);
}

std::string AssignmentKey(const hub::v1::Assignment& a) {
  return internal::Key({a.cin(), a.plan_id(), a.provider_id(), a.benefit_start_date()});
}

// Key of the plan's assignment index: plan first.
std::string PlanAssignmentKey(const hub::v1::Assignment& a) {
  return internal::Key({a.plan_id(), a.cin(), a.provider_id(), a.benefit_start_date()});
}

std::string ProviderAssignmentKey(const hub::v1::Assignment& a) {
  return internal::Key(
      {a.provider_id(), a.plan_id(), a.cin(), kAssignmentTag, a.benefit_start_date()});
}

std::string ProviderAuthorizationKey(const hub::v1::Authorization& a) {
  return internal::Key(
      {a.provider_id(), a.plan_id(), a.cin(), kAuthorizationTag, a.authorization_number()});
}

// Splits `key` at '\0' into exactly `n` fields; false otherwise.
bool SplitKey(std::string_view key, size_t n, std::vector<std::string_view>* fields) {
  *fields = internal::SplitFields(key);
  return fields->size() == n;
}

absl::Status DamagedIndex(std::string_view which) {
  return absl::DataLossError(absl::StrCat("storage: an entry of the ", internal::Absl(which),
                                          " index is damaged; restore the data directory from a "
                                          "checkpoint"));
}
}  // namespace care_internal

namespace {

// The capacity bookkeeping of one record: its counter key and, when it
// ends, its end index key.
struct Slot {
  std::string counter_key;
  std::string end_key;  // Empty for an open-ended record.
  bool operator==(const Slot&) const = default;
};

Slot SlotOf(std::string_view provider_id, std::string_view plan_id, const std::string& group,
            std::string_view end_date, std::initializer_list<std::string_view> record) {
  Slot slot;
  slot.counter_key = internal::Key({provider_id, plan_id, group});
  if (!end_date.empty()) {
    slot.end_key = internal::Key({provider_id, plan_id, group, end_date});
    for (std::string_view field : record) {
      slot.end_key.push_back(internal::kSeparator);
      slot.end_key.append(field.data(), field.size());
    }
  }
  return slot;
}

// Adds to `batch` the capacity writes of a record moving from slot `before`
// to slot `after` (null: holds none).
void MoveSlot(Store::Rep& rep, WriteBatch& batch, const Slot* before, const Slot* after) {
  if (before != nullptr && after != nullptr && *before == *after) return;
  WriteBatch::Rep& writes = internal::RepOf(batch);
  if (before != nullptr) {
    writes.capacity_deltas[before->counter_key] -= 1;
    if (!before->end_key.empty()) {
      internal::Delete(rep, batch, ColumnFamily::kCapacityEnds, before->end_key);
    }
  }
  if (after != nullptr) {
    writes.capacity_deltas[after->counter_key] += 1;
    if (!after->end_key.empty()) {
      internal::Put(rep, batch, ColumnFamily::kCapacityEnds, after->end_key, rocksdb::Slice());
    }
  }
}

std::string CareEntryValue(std::string_view start, std::string_view end, bool inactive) {
  records::ProviderCareEntry entry;
  entry.set_start_date(std::string(start));
  entry.set_end_date(std::string(end));
  entry.set_inactive(inactive);
  return entry.SerializeAsString();
}

bool AuthorizationInEffect(const hub::v1::Authorization& a) {
  return a.status() != hub::v1::AUTHORIZATION_STATUS_DENIED &&
         a.status() != hub::v1::AUTHORIZATION_STATUS_CANCELLED;
}
}  // namespace

namespace care_internal {

// Adds to `batch` the provider view writes of replacing `before` (null:
// none) by `after` (null: deleted).
void UpdateAssignmentViews(Store::Rep& rep, WriteBatch& batch, const hub::v1::Assignment* before,
                           const hub::v1::Assignment* after) {
  const hub::v1::Assignment& any = after != nullptr ? *after : *before;
  const std::string key = ProviderAssignmentKey(any);
  if (after != nullptr) {
    internal::Put(rep, batch, ColumnFamily::kProviderCare, key,
                  CareEntryValue(after->benefit_start_date(), after->benefit_end_date(), false));
  } else {
    internal::Delete(rep, batch, ColumnFamily::kProviderCare, key);
  }
  auto slot = [](const hub::v1::Assignment& a) {
    return SlotOf(a.provider_id(), a.plan_id(), CareStore::CapacityGroup(a), a.benefit_end_date(),
                  {a.cin(), a.benefit_start_date()});
  };
  Slot before_slot, after_slot;
  const bool before_holds = before != nullptr && CareStore::HoldsSlot(*before);
  const bool after_holds = after != nullptr && CareStore::HoldsSlot(*after);
  if (before_holds) before_slot = slot(*before);
  if (after_holds) after_slot = slot(*after);
  MoveSlot(rep, batch, before_holds ? &before_slot : nullptr, after_holds ? &after_slot : nullptr);
}

void UpdateAuthorizationViews(Store::Rep& rep, WriteBatch& batch,
                              const hub::v1::Authorization* before,
                              const hub::v1::Authorization* after) {
  const std::string after_key = after != nullptr ? ProviderAuthorizationKey(*after) : "";
  if (before != nullptr) {
    const std::string before_key = ProviderAuthorizationKey(*before);
    if (before_key != after_key) {
      internal::Delete(rep, batch, ColumnFamily::kProviderCare, before_key);
    }
  }
  if (after != nullptr) {
    internal::Put(
        rep, batch, ColumnFamily::kProviderCare, after_key,
        CareEntryValue(after->start_date(), after->end_date(), !AuthorizationInEffect(*after)));
  }
  auto slot = [](const hub::v1::Authorization& a) {
    return SlotOf(a.provider_id(), a.plan_id(), CareStore::CapacityGroup(a), a.end_date(),
                  {a.authorization_number()});
  };
  Slot before_slot, after_slot;
  const bool before_holds = before != nullptr && CareStore::HoldsSlot(*before);
  const bool after_holds = after != nullptr && CareStore::HoldsSlot(*after);
  if (before_holds) before_slot = slot(*before);
  if (after_holds) after_slot = slot(*after);
  MoveSlot(rep, batch, before_holds ? &before_slot : nullptr, after_holds ? &after_slot : nullptr);
}
}  // namespace care_internal

using care_internal::DamagedIndex;
using care_internal::kAssignmentTag;
using care_internal::kAuthorizationTag;
using care_internal::SplitKey;
using care_internal::UpdateAssignmentViews;
using care_internal::UpdateAuthorizationViews;

CareStore::CareStore(Store* store) : store_(store) {}

// ------------------------------------------------------------- capacity rules

bool CareStore::HoldsSlot(const hub::v1::Assignment& a) {
  return a.status() != hub::v1::ENROLLMENT_STATUS_DISCONTINUED &&
         a.status() != hub::v1::ENROLLMENT_STATUS_DECLINED &&
         a.status() != hub::v1::ENROLLMENT_STATUS_UNABLE_TO_REACH;
}

bool CareStore::HoldsSlot(const hub::v1::Authorization& a) {
  return AuthorizationInEffect(a) && a.referral_status() != hub::v1::REFERRAL_STATUS_DECLINED &&
         a.referral_status() != hub::v1::REFERRAL_STATUS_CLOSED;
}

bool CareStore::HoldsSlotOn(const hub::v1::Assignment& a, std::string_view iso_date) {
  return HoldsSlot(a) && (a.benefit_end_date().empty() || a.benefit_end_date() >= iso_date);
}

bool CareStore::HoldsSlotOn(const hub::v1::Authorization& a, std::string_view iso_date) {
  return HoldsSlot(a) && (a.end_date().empty() || a.end_date() >= iso_date);
}

std::string CareStore::CapacityGroup(const hub::v1::Assignment&) { return "ecm"; }

std::string CareStore::CapacityGroup(const hub::v1::Authorization& a) {
  return absl::StrCat("cs.", static_cast<int>(a.community_support()));
}

absl::StatusOr<int64_t> CareStore::SlotsHeldOn(std::string_view provider_id,
                                               std::string_view plan_id, std::string_view group,
                                               std::string_view iso_date) const {
  const Store::Rep& rep = internal::RepOf(*store_);
  std::string value;
  ASSIGN_OR_RETURN(const bool found,
                   internal::Get(rep, ColumnFamily::kCapacityCounts,
                                 internal::Key({provider_id, plan_id, group}), &value));
  uint64_t raw = 0;
  if (found && !internal::DecodeFixed64(value, &raw)) return DamagedIndex("capacity count");
  int64_t held = static_cast<int64_t>(raw);
  // Slots whose end date is before `iso_date` are no longer held.
  const std::string prefix = internal::Prefix({provider_id, plan_id, group});
  const std::string stop = internal::Key({provider_id, plan_id, group, iso_date});
  RETURN_IF_ERROR(internal::ForEachFrom(
      rep, ColumnFamily::kCapacityEnds, prefix, "",
      [&](const rocksdb::Slice& key, const rocksdb::Slice&) -> absl::StatusOr<bool> {
        if (internal::ToView(key) >= stop) return false;
        --held;
        return true;
      }));
  return held < 0 ? 0 : held;
}

// --------------------------------------------------------------- the views

absl::Status CareStore::ScanProviderCare(
    std::string_view provider_id, std::string_view plan_id, std::string_view after,
    const std::function<absl::StatusOr<bool>(const ProviderCareEntry&)>& fn) const {
  const std::string provider_prefix = internal::Prefix({provider_id});
  const std::string prefix =
      plan_id.empty() ? provider_prefix : internal::Prefix({provider_id, plan_id});
  std::vector<std::string_view> fields;
  std::string start;
  if (!after.empty()) {
    if (!SplitKey(after, 4, &fields) || (!plan_id.empty() && fields[0] != plan_id)) {
      return absl::InvalidArgumentError(
          "storage: not a position of this provider's care index; pass the position of the "
          "previous page unchanged");
    }
    start = absl::StrCat(provider_prefix, internal::Absl(after));
  }
  ProviderCareEntry entry;
  records::ProviderCareEntry value;
  return internal::ForEachFrom(
      internal::RepOf(*store_), ColumnFamily::kProviderCare, prefix, start,
      [&](const rocksdb::Slice& key, const rocksdb::Slice& raw) -> absl::StatusOr<bool> {
        const std::string_view rest = internal::ToView(key).substr(provider_prefix.size());
        if (!after.empty() && rest == after) return true;  // The entry resumed after.
        if (!SplitKey(rest, 4, &fields) ||
            (fields[2] != kAssignmentTag && fields[2] != kAuthorizationTag)) {
          return DamagedIndex("provider care");
        }
        RETURN_IF_ERROR(internal::ParseRecord(raw, "provider care entry", &value));
        entry.plan_id.assign(fields[0].data(), fields[0].size());
        entry.cin.assign(fields[1].data(), fields[1].size());
        entry.authorization = fields[2] == kAuthorizationTag;
        entry.id.assign(fields[3].data(), fields[3].size());
        entry.start_date = value.start_date();
        entry.end_date = value.end_date();
        entry.in_effect = !value.inactive();
        entry.position.assign(rest.data(), rest.size());
        return fn(entry);
      });
}

void CareStore::PutOutreachAttempt(WriteBatch& batch, std::string_view provider_id,
                                   std::string_view plan_id, std::string_view cin,
                                   std::string_view authorization_number,
                                   std::string_view attempt_date, std::string_view record_id) {
  internal::Put(internal::RepOf(*store_), batch, ColumnFamily::kProviderOutreach,
                internal::Key({provider_id, plan_id, cin, authorization_number, attempt_date}),
                internal::ToSlice(record_id));
}

absl::StatusOr<std::vector<std::string>> CareStore::OutreachAttemptDates(
    std::string_view provider_id, std::string_view plan_id, std::string_view cin,
    std::string_view authorization_number) const {
  const std::string prefix = internal::Prefix({provider_id, plan_id, cin, authorization_number});
  std::vector<std::string> dates;
  RETURN_IF_ERROR(internal::ForEachWithPrefix(
      internal::RepOf(*store_), ColumnFamily::kProviderOutreach, prefix,
      [&](const rocksdb::Slice& key, const rocksdb::Slice&) -> absl::Status {
        dates.emplace_back(internal::ToView(key).substr(prefix.size()));
        return absl::OkStatus();
      }));
  return dates;
}
// ------------------------------------------------------------- upgrade

namespace internal {

absl::Status BuildCareViewsIfMissing(Store& store) {
  Store::Rep& rep = internal::RepOf(store);
  std::string built;
  ASSIGN_OR_RETURN(const bool done, Get(rep, ColumnFamily::kMeta, kCareViewsBuiltKey, &built));
  if (done) return absl::OkStatus();
  // Whatever an interrupted earlier build left is dropped first: the views
  // are rebuilt whole from the records.
  WriteBatch batch;
  auto flush_if_full = [&]() -> absl::Status {
    if (batch.Count() < 5000) return absl::OkStatus();
    return store.Commit(batch, Durability::kBuffered);
  };
  for (ColumnFamily family : {ColumnFamily::kProviderCare, ColumnFamily::kCapacityCounts,
                              ColumnFamily::kCapacityEnds, ColumnFamily::kProviderOutreach}) {
    RETURN_IF_ERROR(ForEachWithPrefix(
        rep, family, "",
        [&](const rocksdb::Slice& key, const rocksdb::Slice&) -> absl::Status {
          internal::Delete(rep, batch, family, key);
          return flush_if_full();
        },
        /*fill_cache=*/false));
  }
  RETURN_IF_ERROR(store.Commit(batch, Durability::kBuffered));
  hub::v1::Assignment assignment;
  RETURN_IF_ERROR(ForEachWithPrefix(
      rep, ColumnFamily::kAssignments, "",
      [&](const rocksdb::Slice&, const rocksdb::Slice& value) -> absl::Status {
        RETURN_IF_ERROR(ParseRecord(value, "assignment", &assignment));
        UpdateAssignmentViews(rep, batch, nullptr, &assignment);
        return flush_if_full();
      },
      /*fill_cache=*/false));
  hub::v1::Authorization authorization;
  RETURN_IF_ERROR(ForEachWithPrefix(
      rep, ColumnFamily::kAuthorizations, "",
      [&](const rocksdb::Slice&, const rocksdb::Slice& value) -> absl::Status {
        RETURN_IF_ERROR(ParseRecord(value, "authorization", &authorization));
        UpdateAuthorizationViews(rep, batch, nullptr, &authorization);
        return flush_if_full();
      },
      /*fill_cache=*/false));
  // Outreach attempts already accepted into the plans' feeds.
  CareStore care(&store);
  hub::v1::FeedItem item;
  RETURN_IF_ERROR(ForEachWithPrefix(
      rep, ColumnFamily::kFeedItems, "",
      [&](const rocksdb::Slice& key, const rocksdb::Slice& value) -> absl::Status {
        RETURN_IF_ERROR(ParseRecord(value, "feed item", &item));
        if (!item.submission().has_outreach_attempt()) return absl::OkStatus();
        const std::string_view plan_id = ToView(key).substr(0, ToView(key).find(kSeparator));
        const hub::v1::OutreachAttempt& o = item.submission().outreach_attempt();
        care.PutOutreachAttempt(batch, item.provider_id(), plan_id, o.cin(),
                                o.authorization_number(), o.attempt_date(), item.record_id());
        return flush_if_full();
      },
      /*fill_cache=*/false));
  RETURN_IF_ERROR(store.Commit(batch, Durability::kBuffered));
  RETURN_IF_ERROR(store.SyncWal());
  internal::Put(rep, batch, ColumnFamily::kMeta, ToSlice(kCareViewsBuiltKey), "1");
  return store.Commit(batch, Durability::kSync);
}

}  // namespace internal
}  // namespace hub::storage
