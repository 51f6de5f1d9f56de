// ECM assignments and Community Supports authorizations, indexed by member
// so "which provider is assigned/authorized for CIN X on date D" is one
// prefix seek.
//
// Each plan also has an index of its assignments and of its authorizations
// (keyed by plan first) holding a "mark" per record: the version of the last
// put of the record, or the epoch of the last snapshot ingest that listed it
// unchanged (Mark*Listed). A snapshot ingest takes a new Store version E as
// its epoch, marks or puts every record its file lists, then scans the plan
// (ScanPlan*): a record whose mark is < E was not listed. Put*/Delete*
// maintain the index in the same batch, so it never disagrees with the
// records.
#ifndef HUB_STORAGE_CARE_STORE_H_
#define HUB_STORAGE_CARE_STORE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hub/v1/care.pb.h"
#include "storage/store.h"

namespace hub::storage {

// One entry of a plan's assignment index: the assignment's identity and
// its mark (see above).
struct PlanAssignmentMark {
  std::string cin;
  std::string provider_id;
  std::string benefit_start_date;
  uint64_t mark = 0;
};

// One entry of a plan's authorization index.
struct PlanAuthorizationMark {
  std::string authorization_number;
  uint64_t mark = 0;
};

class CareStore {
 public:
  // `store` must outlive this object.
  explicit CareStore(Store* store);

  // Adds to `batch` the assignment, replacing one with the same identity
  // (cin, plan_id, provider_id, benefit_start_date); sets a new version and
  // returns it.
  uint64_t PutAssignment(WriteBatch& batch, const hub::v1::Assignment& assignment);
  // Adds to `batch` the removal of an assignment (no-op if absent), and of
  // its plan index entry.
  void DeleteAssignment(WriteBatch& batch, const hub::v1::Assignment& identity);
  // The assignment with the identity of `identity` (cin, plan_id,
  // provider_id, benefit_start_date). NotFound if there is none. Reads
  // committed data only.
  absl::StatusOr<hub::v1::Assignment> GetAssignment(const hub::v1::Assignment& identity) const;
  // Adds to `batch` a plan index mark of `epoch` for the assignment with the
  // identity of `assignment` (which the caller knows exists), without
  // rewriting the record: a snapshot listed it unchanged.
  void MarkAssignmentListed(WriteBatch& batch, const hub::v1::Assignment& assignment,
                            uint64_t epoch);
  // Calls fn for every entry of `plan_id`'s assignment index, in key order
  // (cin, provider_id, benefit_start_date), over a consistent view taken at
  // the call: writes committed by fn do not show up in the scan. Memory is
  // bounded (one entry at a time). Stops at and returns fn's first error.
  absl::Status ScanPlanAssignments(
      std::string_view plan_id,
      const std::function<absl::Status(const PlanAssignmentMark&)>& fn) const;
  // Assignments of `cin` whose benefit period contains `iso_date`, in
  // (plan_id, provider_id) order. Empty if none.
  absl::StatusOr<std::vector<hub::v1::Assignment>> AssignmentsOn(std::string_view cin,
                                                                 std::string_view iso_date) const;
  // Every assignment recorded for `cin`.
  absl::StatusOr<std::vector<hub::v1::Assignment>> Assignments(std::string_view cin) const;

  // Adds to `batch` the authorization, replacing one with the same identity
  // (plan_id, authorization_number), even if its CIN changed; sets a new
  // version and returns it. Finds the CIN it is filed under now by reading
  // the committed index and this batch's earlier puts, so two uncommitted
  // batches must not hold the same authorization (callers serialize a
  // plan's writes).
  absl::StatusOr<uint64_t> PutAuthorization(WriteBatch& batch,
                                            const hub::v1::Authorization& authorization);
  // NotFound if the plan has no such authorization number.
  absl::StatusOr<hub::v1::Authorization> GetAuthorization(
      std::string_view plan_id, std::string_view authorization_number) const;
  // Authorizations of `cin` whose period contains `iso_date`.
  absl::StatusOr<std::vector<hub::v1::Authorization>> AuthorizationsOn(
      std::string_view cin, std::string_view iso_date) const;
  // Every authorization recorded for `cin`.
  absl::StatusOr<std::vector<hub::v1::Authorization>> Authorizations(std::string_view cin) const;
  // Adds to `batch` the removal of the plan's authorization (record, number
  // index and plan index); no-op if absent. Same batch rules as
  // PutAuthorization.
  absl::Status DeleteAuthorization(WriteBatch& batch, std::string_view plan_id,
                                   std::string_view authorization_number);
  // Adds to `batch` a plan index mark of `epoch` for the plan's authorization
  // (which the caller knows exists): a snapshot listed it unchanged.
  void MarkAuthorizationListed(WriteBatch& batch, std::string_view plan_id,
                               std::string_view authorization_number, uint64_t epoch);
  // Calls fn for every entry of `plan_id`'s authorization index, in
  // authorization_number order, as ScanPlanAssignments does.
  absl::Status ScanPlanAuthorizations(
      std::string_view plan_id,
      const std::function<absl::Status(const PlanAuthorizationMark&)>& fn) const;

 private:
  Store* store_;
};

}  // namespace hub::storage

#endif  // HUB_STORAGE_CARE_STORE_H_
