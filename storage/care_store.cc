#include "storage/care_store.h"

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "storage/internal.h"

namespace hub::storage {
namespace {

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

// Splits `key` at '\0' into exactly `n` fields; false otherwise.
bool SplitKey(std::string_view key, size_t n, std::vector<std::string_view>* fields) {
  fields->clear();
  size_t start = 0;
  while (true) {
    const size_t end = key.find(internal::kSeparator, start);
    fields->push_back(key.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return fields->size() == n;
}

absl::Status DamagedIndex(std::string_view which) {
  return absl::DataLossError(absl::StrCat("storage: an entry of the ", internal::Absl(which),
                                          " index is damaged; restore the data directory from a "
                                          "checkpoint"));
}

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

}  // namespace

CareStore::CareStore(Store* store) : store_(store) {}

uint64_t CareStore::PutAssignment(WriteBatch& batch, const hub::v1::Assignment& assignment) {
  hub::v1::Assignment stored = assignment;
  stored.set_version(store_->NextVersion(batch));
  rocksdb::WriteBatch& writes = batch.rep().batch;
  writes
      .Put(store_->rep().cf(ColumnFamily::kAssignments), AssignmentKey(stored),
           stored.SerializeAsString())
      .PermitUncheckedError();
  writes
      .Put(store_->rep().cf(ColumnFamily::kPlanAssignments), PlanAssignmentKey(stored),
           internal::EncodeFixed64(stored.version()))
      .PermitUncheckedError();
  return stored.version();
}

void CareStore::DeleteAssignment(WriteBatch& batch, const hub::v1::Assignment& identity) {
  rocksdb::WriteBatch& writes = batch.rep().batch;
  writes.Delete(store_->rep().cf(ColumnFamily::kAssignments), AssignmentKey(identity))
      .PermitUncheckedError();
  writes.Delete(store_->rep().cf(ColumnFamily::kPlanAssignments), PlanAssignmentKey(identity))
      .PermitUncheckedError();
}

absl::StatusOr<hub::v1::Assignment> CareStore::GetAssignment(
    const hub::v1::Assignment& identity) const {
  std::string value;
  ASSIGN_OR_RETURN(const bool found, internal::Get(store_->rep(), ColumnFamily::kAssignments,
                                                   AssignmentKey(identity), &value));
  // The CIN is PHI: the message never quotes it.
  if (!found) return absl::NotFoundError("no such assignment");
  hub::v1::Assignment assignment;
  RETURN_IF_ERROR(internal::ParseRecord(value, "assignment", &assignment));
  return assignment;
}

void CareStore::MarkAssignmentListed(WriteBatch& batch, const hub::v1::Assignment& assignment,
                                     uint64_t epoch) {
  batch.rep()
      .batch
      .Put(store_->rep().cf(ColumnFamily::kPlanAssignments), PlanAssignmentKey(assignment),
           internal::EncodeFixed64(epoch))
      .PermitUncheckedError();
}

absl::Status CareStore::ScanPlanAssignments(
    std::string_view plan_id,
    const std::function<absl::Status(const PlanAssignmentMark&)>& fn) const {
  PlanAssignmentMark entry;
  std::vector<std::string_view> fields;
  return internal::ForEachWithPrefix(
      store_->rep(), ColumnFamily::kPlanAssignments, internal::Prefix({plan_id}),
      [&](const rocksdb::Slice& key, const rocksdb::Slice& value) -> absl::Status {
        if (!SplitKey(internal::ToView(key), 4, &fields) ||
            !internal::DecodeFixed64(internal::ToView(value), &entry.mark)) {
          return DamagedIndex("plan assignment");
        }
        entry.cin.assign(fields[1].data(), fields[1].size());
        entry.provider_id.assign(fields[2].data(), fields[2].size());
        entry.benefit_start_date.assign(fields[3].data(), fields[3].size());
        return fn(entry);
      },
      /*fill_cache=*/false);
}

absl::StatusOr<std::vector<hub::v1::Assignment>> CareStore::AssignmentsOn(
    std::string_view cin, std::string_view iso_date) const {
  return ScanMember<hub::v1::Assignment>(store_->rep(), ColumnFamily::kAssignments, "assignment",
                                         cin, [&](const hub::v1::Assignment& a) {
                                           return Contains(a.benefit_start_date(),
                                                           a.benefit_end_date(), iso_date);
                                         });
}

absl::StatusOr<std::vector<hub::v1::Assignment>> CareStore::Assignments(
    std::string_view cin) const {
  return ScanMember<hub::v1::Assignment>(store_->rep(), ColumnFamily::kAssignments, "assignment",
                                         cin, [](const hub::v1::Assignment&) { return true; });
}

absl::StatusOr<uint64_t> CareStore::PutAuthorization(WriteBatch& batch,
                                                     const hub::v1::Authorization& authorization) {
  Store::Rep& rep = store_->rep();
  const std::string number_key =
      internal::Key({authorization.plan_id(), authorization.authorization_number()});

  // The CIN the authorization is filed under now: this batch's own earlier
  // put (or delete: an empty CIN) wins over the committed index.
  std::string previous_cin;
  bool had_previous = false;
  auto& pending = batch.rep().pending_authorization_cin;
  if (auto it = pending.find(number_key); it != pending.end()) {
    previous_cin = it->second;
    had_previous = !previous_cin.empty();
  } else {
    ASSIGN_OR_RETURN(had_previous, internal::Get(rep, ColumnFamily::kAuthorizationByNumber,
                                                 number_key, &previous_cin));
  }

  hub::v1::Authorization stored = authorization;
  stored.set_version(store_->NextVersion(batch));
  rocksdb::WriteBatch& writes = batch.rep().batch;
  if (had_previous && previous_cin != stored.cin()) {
    // The plan corrected the member: move the record.
    writes
        .Delete(rep.cf(ColumnFamily::kAuthorizations),
                internal::Key({previous_cin, stored.plan_id(), stored.authorization_number()}))
        .PermitUncheckedError();
  }
  writes
      .Put(rep.cf(ColumnFamily::kAuthorizationByNumber), number_key,
           internal::ToSlice(stored.cin()))
      .PermitUncheckedError();
  writes
      .Put(rep.cf(ColumnFamily::kAuthorizations),
           internal::Key({stored.cin(), stored.plan_id(), stored.authorization_number()}),
           stored.SerializeAsString())
      .PermitUncheckedError();
  writes
      .Put(rep.cf(ColumnFamily::kPlanAuthorizations), number_key,
           internal::EncodeFixed64(stored.version()))
      .PermitUncheckedError();
  pending.insert_or_assign(number_key, stored.cin());
  return stored.version();
}

absl::Status CareStore::DeleteAuthorization(WriteBatch& batch, std::string_view plan_id,
                                            std::string_view authorization_number) {
  Store::Rep& rep = store_->rep();
  const std::string number_key = internal::Key({plan_id, authorization_number});
  std::string cin;
  bool present = false;
  auto& pending = batch.rep().pending_authorization_cin;
  if (auto it = pending.find(number_key); it != pending.end()) {
    cin = it->second;
    present = !cin.empty();
  } else {
    ASSIGN_OR_RETURN(present,
                     internal::Get(rep, ColumnFamily::kAuthorizationByNumber, number_key, &cin));
  }
  if (!present) return absl::OkStatus();
  rocksdb::WriteBatch& writes = batch.rep().batch;
  writes
      .Delete(rep.cf(ColumnFamily::kAuthorizations),
              internal::Key({cin, plan_id, authorization_number}))
      .PermitUncheckedError();
  writes.Delete(rep.cf(ColumnFamily::kAuthorizationByNumber), number_key).PermitUncheckedError();
  writes.Delete(rep.cf(ColumnFamily::kPlanAuthorizations), number_key).PermitUncheckedError();
  // An empty CIN records "deleted in this batch" for later puts/deletes.
  pending.insert_or_assign(number_key, std::string());
  return absl::OkStatus();
}

void CareStore::MarkAuthorizationListed(WriteBatch& batch, std::string_view plan_id,
                                        std::string_view authorization_number, uint64_t epoch) {
  batch.rep()
      .batch
      .Put(store_->rep().cf(ColumnFamily::kPlanAuthorizations),
           internal::Key({plan_id, authorization_number}), internal::EncodeFixed64(epoch))
      .PermitUncheckedError();
}

absl::Status CareStore::ScanPlanAuthorizations(
    std::string_view plan_id,
    const std::function<absl::Status(const PlanAuthorizationMark&)>& fn) const {
  PlanAuthorizationMark entry;
  std::vector<std::string_view> fields;
  return internal::ForEachWithPrefix(
      store_->rep(), ColumnFamily::kPlanAuthorizations, internal::Prefix({plan_id}),
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
  const Store::Rep& rep = store_->rep();
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
      store_->rep(), ColumnFamily::kAuthorizations, "authorization", cin,
      [&](const hub::v1::Authorization& a) {
        return Contains(a.start_date(), a.end_date(), iso_date);
      });
}

absl::StatusOr<std::vector<hub::v1::Authorization>> CareStore::Authorizations(
    std::string_view cin) const {
  return ScanMember<hub::v1::Authorization>(store_->rep(), ColumnFamily::kAuthorizations,
                                            "authorization", cin,
                                            [](const hub::v1::Authorization&) { return true; });
}

}  // namespace hub::storage
