// ClaimStore: what the hub billed for each billable line (a provider's
// service line or invoice line), and the crosswalk from a plan's claim back
// to its lines, so a provider sees in ListFeedback where its line went and a
// plan's answer about a claim line can be matched to the provider's record.
//
// Keys (store.h, kClaims):
//   "b" \0 record_id                          -> hub.v1.BillingStatus
//   "c" \0 plan_id \0 claim_id \0 line BE4    -> record_id
//   "a" \0 record_id                          -> hub.v1.PlanDecision
//   "s" \0 plan_id                            -> hub.v1.PlanClaims
// A line's status is the latest export's: exporting a month again replaces
// it (same claim ids, a new control number). The plan's decision about the
// line (277CA, 835) is kept apart, so a new export keeps it. The plan's
// claim tally ("s") counts each answered line once, in the bucket of its
// latest decision; the caller keeps it in step with the decisions it writes
// (hub/ingest/claim_answers.cc, under the plan's ingest lock), in the same
// batch.
//
// Thread safety: safe for concurrent use (RocksDB's own guarantees); a
// batch belongs to its caller.
#ifndef HUB_STORAGE_CLAIM_STORE_H_
#define HUB_STORAGE_CLAIM_STORE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hub/v1/feed.pb.h"
#include "hub/v1/monitor.pb.h"
#include "storage/store.h"

namespace hub::storage {

class ClaimStore {
 public:
  // `store` must outlive this object.
  explicit ClaimStore(Store* store);

  // Adds to `batch` the line's billing status; for a BILLED line with a
  // claim_id and line_number >= 1 also the crosswalk entry of that claim
  // line in `plan_id`.
  void PutLine(WriteBatch& batch, std::string_view plan_id, std::string_view record_id,
               const hub::v1::BillingStatus& status) const;

  // The line's latest billing status, with its plan_decision if the plan
  // answered; nullopt if no billing file of its month was exported.
  // DataLoss if a stored value does not parse.
  absl::StatusOr<std::optional<hub::v1::BillingStatus>> GetLine(std::string_view record_id) const;

  // The record id of line `line_number` (1-based) of claim `claim_id` the
  // hub sent `plan_id`; nullopt if the hub never sent that claim line.
  absl::StatusOr<std::optional<std::string>> FindClaimLine(std::string_view plan_id,
                                                           std::string_view claim_id,
                                                           int line_number) const;

  struct ClaimLine {
    int line_number = 0;
    std::string record_id;
  };
  // Every line of claim `claim_id` the hub sent `plan_id`, by line number;
  // empty if the hub never sent that claim.
  absl::StatusOr<std::vector<ClaimLine>> ListClaimLines(std::string_view plan_id,
                                                        std::string_view claim_id) const;

  // The plan's decision about the line; nullopt if none arrived. DataLoss
  // if the stored value does not parse.
  absl::StatusOr<std::optional<hub::v1::PlanDecision>> GetDecision(
      std::string_view record_id) const;

  // Adds to `batch` the plan's decision about the line (replacing any).
  void PutDecision(WriteBatch& batch, std::string_view record_id,
                   const hub::v1::PlanDecision& decision) const;

  // The plan's claim tally (empty with plan_id set if no line was
  // answered). DataLoss if the stored value does not parse.
  absl::StatusOr<hub::v1::PlanClaims> GetTally(std::string_view plan_id) const;

  // Adds to `batch` the plan's claim tally (replacing it).
  void PutTally(WriteBatch& batch, const hub::v1::PlanClaims& tally) const;

  // Every plan's claim tally, by plan_id (a few plans per county).
  absl::StatusOr<std::vector<hub::v1::PlanClaims>> ListTallies() const;

  // Commits `batch` without waiting for the disk (the status is derived:
  // exporting the month again writes it again).
  absl::Status Commit(WriteBatch& batch) const;

 private:
  Store* store_;
};

}  // namespace hub::storage

#endif  // HUB_STORAGE_CLAIM_STORE_H_
