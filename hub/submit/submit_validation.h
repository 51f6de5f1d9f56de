// Validation of providers' submissions (hub.v1.Submission), record by
// record, with stable reason codes (submit_reasons.h: every rejection names
// ONE reason code, the first failing check in the order below, the field at
// fault and a sentence without PHI).
//
// Order of checks for one record:
//   1. shape (record_shape.h, pure): idempotency key (checked by the
//      pipeline before its lookup), a record set, the contract (enums and
//      the ranges hub.v1.rules declares), CIN format, dates real ISO days
//      and not in the future, required fields of the kind, closure reasons;
//   2. member known, and a plan covering the member on the record's date
//      (the record is routed to that plan);
//   3. ECM or Community Supports: the provider contracted with that plan
//      for that kind on that date;
//   4. ECM records (outreach without authorization number, enrollment
//      status, care plan, G9008 services): the provider assigned by that
//      plan for the member on that date; G9008 modifiers from the ECM table;
//   5. CS records (services, invoice lines and outreach with an
//      authorization number, referral status): the plan's authorization
//      exists, is this provider's for this member, is approved with the
//      date in its period; code and modifiers bill its Community Support;
//      units within what is left (after earlier records of the same group).
//
// The reason codes, their meaning and what to do live in ONE table
// (SubmitReasons() in submit_reasons.h, documented in
// docs/submission-reasons.md).
//
// Steps 2 to 5 read the store through a MemberReads (member_reads.h): the
// stores themselves, or what the pipeline read for a whole group at once.
//
// Thread safety: SubmissionValidator is immutable and reads the stores,
// which are thread-safe; the UnitsOverlay belongs to the caller.
#ifndef HUB_HUB_SUBMIT_SUBMIT_VALIDATION_H_
#define HUB_HUB_SUBMIT_SUBMIT_VALIDATION_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "hub/common/reference_tables.h"
#include "hub/submit/member_reads.h"
#include "hub/submit/record_shape.h"
#include "hub/submit/submit_reasons.h"
#include "hub/v1/care.pb.h"
#include "hub/v1/organization.pb.h"
#include "hub/v1/provider_service.pb.h"
#include "hub/v1/submission.pb.h"
#include "storage/care_store.h"
#include "storage/coverage_index.h"
#include "storage/member_store.h"

namespace hub {

// Authorizations as accepted but not yet committed records left them (units
// used counted), keyed by (plan_id, authorization_number). Validation reads
// an authorization here before the store, so units used by earlier records
// of the same group, or of a group still committing, are never counted
// twice or forgotten.
class PendingAuthorizations {
 public:
  // The pending version, or nullptr if none.
  const hub::v1::Authorization* Find(std::string_view plan_id,
                                     std::string_view authorization_number) const;
  // Records `authorization` (replacing the pending version).
  void Put(const hub::v1::Authorization& authorization);
  bool empty() const { return pending_.empty(); }
  void Clear() { pending_.clear(); }
  const absl::flat_hash_map<std::string, hub::v1::Authorization>& all() const { return pending_; }

 private:
  absl::flat_hash_map<std::string, hub::v1::Authorization> pending_;
};

// What validation concluded for an accepted record.
struct RoutedRecord {
  hub::v1::RecordKind kind = hub::v1::RECORD_KIND_UNSPECIFIED;
  // The plan covering the member on the record's date.
  std::string plan_id;
  // For Community Supports service records and invoice lines: the
  // authorization as it stood before this record (pending or stored) and
  // the units this record uses from it.
  std::optional<hub::v1::Authorization> authorization;
  int units_used = 0;
};

// The verdict on one record: a violation, or where it goes.
struct Verdict {
  std::optional<Violation> violation;
  RoutedRecord routed;
  bool accepted() const { return !violation.has_value(); }
};

class SubmissionValidator {
 public:
  // None of the pointers is owned; all must outlive the validator.
  SubmissionValidator(const storage::MemberStore* members, const storage::CoverageIndex* coverage,
                      const storage::CareStore* care, const ReferenceTables* reference);

  // Checks `submission` from `provider` (nullptr: the provider is not in the
  // directory) with `today` ("YYYY-MM-DD") as the latest allowed date and
  // `pending` holding the authorizations uncommitted records changed. Does
  // not check the idempotency key. Non-OK only when a store cannot be read.
  // Reads the stores, one read per question.
  absl::StatusOr<Verdict> Validate(const hub::v1::Provider* provider,
                                   const hub::v1::Submission& submission, std::string_view today,
                                   const PendingAuthorizations& pending) const;
  // The same verdict, reading the member's data through `reads` (which
  // must answer as the stores do; pending authorizations still come first).
  absl::StatusOr<Verdict> Validate(const hub::v1::Provider* provider,
                                   const hub::v1::Submission& submission, std::string_view today,
                                   const PendingAuthorizations& pending,
                                   const MemberReads& reads) const;

 private:
  // Steps 2 to 5 for a record of the right shape.
  absl::StatusOr<Verdict> Route(const hub::v1::Provider* provider, const RecordView& v,
                                const PendingAuthorizations& pending, const MemberReads& reads,
                                Verdict verdict) const;
  // Step 2: the member, and the plan covering it on the record's date (set
  // in `routed`).
  absl::StatusOr<std::optional<Violation>> FindPlan(const RecordView& v, const MemberReads& reads,
                                                    RoutedRecord& routed) const;
  // Step 3: an ECM record bills an ECM code; the provider is in the
  // directory and contracted with `plan_id` for ECM (`cs` false) or
  // Community Supports on the record's date.
  std::optional<Violation> CheckPlanContract(const hub::v1::Provider* provider, const RecordView& v,
                                             const std::string& plan_id, bool cs) const;
  // Step 4.
  absl::StatusOr<std::optional<Violation>> CheckEcm(const hub::v1::Provider& provider,
                                                    const RecordView& v, const std::string& plan_id,
                                                    const MemberReads& reads) const;
  // Step 5 (sets the authorization and units used in `routed`).
  absl::StatusOr<std::optional<Violation>> CheckCommunitySupports(
      const hub::v1::Provider& provider, const RecordView& v, const std::string& plan_id,
      const PendingAuthorizations& pending, const MemberReads& reads, RoutedRecord& routed) const;
  // Step 5 for a billed line: code, modifiers and units left.
  std::optional<Violation> CheckCommunitySupportLine(const hub::v1::Authorization& auth,
                                                     const RecordView& v) const;

  const StoreMemberReads store_reads_;
  const ReferenceTables* reference_;
};

}  // namespace hub

#endif  // HUB_HUB_SUBMIT_SUBMIT_VALIDATION_H_
