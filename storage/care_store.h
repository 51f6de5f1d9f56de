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
//
// Providers' views, also maintained by Put*/Delete* in the same batch:
//   - the provider care index: every assignment and authorization of a
//     provider, keyed provider first, in (plan_id, cin, kind, start date or
//     authorization number) order, so a provider's worklist is one prefix
//     scan (ScanProviderCare) and never a scan of all records;
//   - capacity: per (provider, plan, capacity group) the number of records
//     holding a slot (HoldsSlot), kept as merged sums, and the end dates of
//     those that end, so the slots held on any day are one read and one
//     short scan (SlotsHeldOn) without counting records. Groups: "ecm" for
//     assignments; "cs.<CommunitySupport number>" for authorizations (a CS
//     capacity is agreed per Community Support).
// Outreach attempts the hub accepted from providers are indexed by
// (provider, plan, member, authorization number) so a worklist can tell
// whether outreach is still due (PutOutreachAttempt, OutreachAttemptDates).
//
// To keep the views right, a put or delete needs the record it replaces.
// The forms taking `stored` trust the caller's copy (nullptr = none stored);
// the other forms read it: the committed record, or for authorizations this
// batch's own earlier write of it. The caller must not hold two uncommitted
// batches writing the same record (callers serialize a plan's writes).
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

// One entry of a provider's care index.
struct ProviderCareEntry {
  std::string plan_id;
  std::string cin;
  // False: an ECM assignment (id = benefit_start_date); true: a Community
  // Supports authorization (id = authorization_number).
  bool authorization = false;
  std::string id;
  // The record's period ("YYYY-MM-DD"; end empty = open).
  std::string start_date;
  std::string end_date;
  // False for a record in effect on no day (a denied or cancelled
  // authorization).
  bool in_effect = true;
  // Opaque: pass it to ScanProviderCare as `after` to resume after this
  // entry. Holds the CIN: never log it.
  std::string position;

  // True if the record is in effect on `iso_date`.
  bool InEffectOn(std::string_view iso_date) const {
    return in_effect && start_date <= iso_date && (end_date.empty() || iso_date <= end_date);
  }
};

class CareStore {
 public:
  // `store` must outlive this object.
  explicit CareStore(Store* store);

  // Adds to `batch` the assignment, replacing one with the same identity
  // (cin, plan_id, provider_id, benefit_start_date); sets a new version and
  // returns it. `stored` is the assignment it replaces (nullptr: none).
  uint64_t PutAssignment(WriteBatch& batch, const hub::v1::Assignment& assignment,
                         const hub::v1::Assignment* stored);
  // As above, reading the stored assignment first (a storage error is
  // treated as none: use the form above where that matters).
  uint64_t PutAssignment(WriteBatch& batch, const hub::v1::Assignment& assignment);
  // Adds to `batch` the removal of an assignment (no-op if absent), and of
  // its index entries. `stored` is the stored assignment (nullptr: none,
  // only stray index entries are removed).
  void DeleteAssignment(WriteBatch& batch, const hub::v1::Assignment& identity,
                        const hub::v1::Assignment* stored);
  // As above, reading the stored assignment first.
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
  // True if the assignment's benefit period contains `iso_date` (the filter
  // of AssignmentsOn).
  static bool AssignedOn(const hub::v1::Assignment& assignment, std::string_view iso_date);

  // Adds to `batch` the authorization, replacing one with the same identity
  // (plan_id, authorization_number), even if its CIN or provider changed;
  // sets a new version and returns it. Reads the authorization it replaces
  // (this batch's own earlier put or delete wins over the committed one).
  absl::StatusOr<uint64_t> PutAuthorization(WriteBatch& batch,
                                            const hub::v1::Authorization& authorization);
  // As above with the authorization it replaces given (nullptr: none).
  absl::StatusOr<uint64_t> PutAuthorization(WriteBatch& batch,
                                            const hub::v1::Authorization& authorization,
                                            const hub::v1::Authorization* stored);
  // NotFound if the plan has no such authorization number.
  absl::StatusOr<hub::v1::Authorization> GetAuthorization(
      std::string_view plan_id, std::string_view authorization_number) const;
  // Authorizations of `cin` whose period contains `iso_date`.
  absl::StatusOr<std::vector<hub::v1::Authorization>> AuthorizationsOn(
      std::string_view cin, std::string_view iso_date) const;
  // Every authorization recorded for `cin`.
  absl::StatusOr<std::vector<hub::v1::Authorization>> Authorizations(std::string_view cin) const;
  // Adds to `batch` the removal of the plan's authorization (record, number
  // index, plan index and provider views); no-op if absent. Same batch rules
  // as PutAuthorization.
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

  // ------------------------------------------------------- provider views

  // Calls fn for `provider_id`'s care index entries (only `plan_id`'s when
  // it is not empty) in (plan_id, cin, assignments before authorizations,
  // id) order, starting after the entry whose `position` is `after` ("" =
  // from the first). fn returns true to go on, false to stop. InvalidArgument
  // if `after` is not a position of this provider (and plan filter).
  absl::Status ScanProviderCare(
      std::string_view provider_id, std::string_view plan_id, std::string_view after,
      const std::function<absl::StatusOr<bool>(const ProviderCareEntry&)>& fn) const;

  // True if the record holds one of its provider's capacity slots (until its
  // end date passes): an assignment not discontinued, declined or unable to
  // reach; an authorization not denied or cancelled whose referral was not
  // declined or closed. A slot is held from the day the record arrives, also
  // for a period that starts later.
  static bool HoldsSlot(const hub::v1::Assignment& assignment);
  static bool HoldsSlot(const hub::v1::Authorization& authorization);
  // HoldsSlot, and not ended before `iso_date`.
  static bool HoldsSlotOn(const hub::v1::Assignment& assignment, std::string_view iso_date);
  static bool HoldsSlotOn(const hub::v1::Authorization& authorization, std::string_view iso_date);
  // The capacity group of a record: "ecm", or "cs.<CommunitySupport number>".
  static std::string CapacityGroup(const hub::v1::Assignment& assignment);
  static std::string CapacityGroup(const hub::v1::Authorization& authorization);
  // Records of `provider_id` with `plan_id` in `group` holding a slot on
  // `iso_date` (committed data). One read and a scan of the slots that ended
  // before `iso_date`.
  absl::StatusOr<int64_t> SlotsHeldOn(std::string_view provider_id, std::string_view plan_id,
                                      std::string_view group, std::string_view iso_date) const;

  // Adds to `batch` that `provider_id` made an outreach attempt on
  // `attempt_date` for `cin`, accepted into `plan_id`'s feed as `record_id`;
  // `authorization_number` is the referral it was for ("" = ECM outreach).
  void PutOutreachAttempt(WriteBatch& batch, std::string_view provider_id, std::string_view plan_id,
                          std::string_view cin, std::string_view authorization_number,
                          std::string_view attempt_date, std::string_view record_id);
  // The days of the recorded outreach attempts of that key, ascending.
  absl::StatusOr<std::vector<std::string>> OutreachAttemptDates(
      std::string_view provider_id, std::string_view plan_id, std::string_view cin,
      std::string_view authorization_number) const;

 private:
  Store* store_;
};

}  // namespace hub::storage

#endif  // HUB_STORAGE_CARE_STORE_H_
