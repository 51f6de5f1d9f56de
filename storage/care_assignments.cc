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

using care_internal::AssignmentKey;
using care_internal::Contains;
using care_internal::DamagedIndex;
using care_internal::PlanAssignmentKey;
using care_internal::ProviderAssignmentKey;
using care_internal::ScanMember;
using care_internal::SplitKey;
using care_internal::UpdateAssignmentViews;

// ------------------------------------------------------------- assignments

uint64_t CareStore::PutAssignment(WriteBatch& batch, const hub::v1::Assignment& assignment) {
  absl::StatusOr<hub::v1::Assignment> stored = GetAssignment(assignment);
  return PutAssignment(batch, assignment, stored.ok() ? &*stored : nullptr);
}

uint64_t CareStore::PutAssignment(WriteBatch& batch, const hub::v1::Assignment& assignment,
                                  const hub::v1::Assignment* stored) {
  hub::v1::Assignment record = assignment;
  record.set_version(store_->NextVersion(batch));
  internal::Put(internal::RepOf(*store_), batch, ColumnFamily::kAssignments, AssignmentKey(record),
                record.SerializeAsString());
  internal::Put(internal::RepOf(*store_), batch, ColumnFamily::kPlanAssignments,
                PlanAssignmentKey(record), internal::EncodeFixed64(record.version()));
  UpdateAssignmentViews(internal::RepOf(*store_), batch, stored, &record);
  return record.version();
}

void CareStore::DeleteAssignment(WriteBatch& batch, const hub::v1::Assignment& identity) {
  absl::StatusOr<hub::v1::Assignment> stored = GetAssignment(identity);
  DeleteAssignment(batch, identity, stored.ok() ? &*stored : nullptr);
}

void CareStore::DeleteAssignment(WriteBatch& batch, const hub::v1::Assignment& identity,
                                 const hub::v1::Assignment* stored) {
  internal::Delete(internal::RepOf(*store_), batch, ColumnFamily::kAssignments,
                   AssignmentKey(identity));
  internal::Delete(internal::RepOf(*store_), batch, ColumnFamily::kPlanAssignments,
                   PlanAssignmentKey(identity));
  if (stored != nullptr) {
    UpdateAssignmentViews(internal::RepOf(*store_), batch, stored, nullptr);
  } else {
    // Nothing stored: only a stray index entry to remove; no slot was held.
    internal::Delete(internal::RepOf(*store_), batch, ColumnFamily::kProviderCare,
                     ProviderAssignmentKey(identity));
  }
}

absl::StatusOr<hub::v1::Assignment> CareStore::GetAssignment(
    const hub::v1::Assignment& identity) const {
  std::string value;
  ASSIGN_OR_RETURN(const bool found,
                   internal::Get(internal::RepOf(*store_), ColumnFamily::kAssignments,
                                 AssignmentKey(identity), &value));
  // The CIN is PHI: the message never quotes it.
  if (!found) return absl::NotFoundError("no such assignment");
  hub::v1::Assignment assignment;
  RETURN_IF_ERROR(internal::ParseRecord(value, "assignment", &assignment));
  return assignment;
}

void CareStore::MarkAssignmentListed(WriteBatch& batch, const hub::v1::Assignment& assignment,
                                     uint64_t epoch) {
  internal::Put(internal::RepOf(*store_), batch, ColumnFamily::kPlanAssignments,
                PlanAssignmentKey(assignment), internal::EncodeFixed64(epoch));
}

absl::Status CareStore::ScanPlanAssignments(
    std::string_view plan_id,
    const std::function<absl::Status(const PlanAssignmentMark&)>& fn) const {
  PlanAssignmentMark entry;
  std::vector<std::string_view> fields;
  return internal::ForEachWithPrefix(
      internal::RepOf(*store_), ColumnFamily::kPlanAssignments, internal::Prefix({plan_id}),
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
  return ScanMember<hub::v1::Assignment>(
      internal::RepOf(*store_), ColumnFamily::kAssignments, "assignment", cin,
      [&](const hub::v1::Assignment& a) { return AssignedOn(a, iso_date); });
}

bool CareStore::AssignedOn(const hub::v1::Assignment& assignment, std::string_view iso_date) {
  return Contains(assignment.benefit_start_date(), assignment.benefit_end_date(), iso_date);
}

absl::StatusOr<std::vector<hub::v1::Assignment>> CareStore::Assignments(
    std::string_view cin) const {
  return ScanMember<hub::v1::Assignment>(internal::RepOf(*store_), ColumnFamily::kAssignments,
                                         "assignment", cin,
                                         [](const hub::v1::Assignment&) { return true; });
}

}  // namespace hub::storage
