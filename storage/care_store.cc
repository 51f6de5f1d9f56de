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
  batch.rep()
      .batch
      .Put(store_->rep().cf(ColumnFamily::kAssignments), AssignmentKey(stored),
           stored.SerializeAsString())
      .PermitUncheckedError();
  return stored.version();
}

void CareStore::DeleteAssignment(WriteBatch& batch, const hub::v1::Assignment& identity) {
  batch.rep()
      .batch.Delete(store_->rep().cf(ColumnFamily::kAssignments), AssignmentKey(identity))
      .PermitUncheckedError();
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
  // put wins over the committed index.
  std::string previous_cin;
  bool had_previous = false;
  auto& pending = batch.rep().pending_authorization_cin;
  if (auto it = pending.find(number_key); it != pending.end()) {
    previous_cin = it->second;
    had_previous = true;
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
  pending.insert_or_assign(number_key, stored.cin());
  return stored.version();
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
