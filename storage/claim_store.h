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
//   "t" \0 plan_id \0 control BE8 \0 set BE4 \0 record_id -> ""
//       (the 837P transaction sets: which lines each file's ST02 carried)
//   "w" \0 provider_id \0 record_id           -> plan_id
//       (the provider's lines the plan rejected or denied: its worklist)
// A line's status is the latest export's: exporting a month again replaces
// it (same claim ids, a new control number). The plan's decision about the
// line (277CA, 835) is kept apart, so a new export keeps it. The plan's
// claim tally ("s") counts each answered line once, in the bucket of its
// latest decision; the caller keeps it in step with the decisions it writes
// (hub/ingest/claim_answers.cc, under the plan's ingest lock), in the same
// batch.
//
// Whoever writes decisions or tallies holds DecisionMutex() from its first
// read of them to the commit of its batch (the plans' answers; an export
// withdrawing the decision of a line it no longer bills), so the tally
// never loses a move.
//
// Thread safety: safe for concurrent use (RocksDB's own guarantees); a
// batch belongs to its caller.
#ifndef HUB_STORAGE_CLAIM_STORE_H_
#define HUB_STORAGE_CLAIM_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "hub/v1/feed.pb.h"
#include "hub/v1/monitor.pb.h"
#include "storage/store.h"

namespace hub::storage {

class ClaimStore {
 public:
  // `store` must outlive this object.
  explicit ClaimStore(Store* store);

  // The process-wide lock of decisions and tallies (see above).
  static absl::Mutex& DecisionMutex();

  // Adds to `batch` the line's billing status; for a BILLED line with a
  // claim_id and line_number >= 1 also the crosswalk entry of that claim
  // line in `plan_id`, and with a control_number and transaction_set >= 1
  // the line's entry under that transaction set.
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

  // The record ids of the lines the hub billed `plan_id` in transaction set
  // `transaction_set` (ST02) of the 837P with `control_number`, or in every
  // set of it for transaction_set 0, as each export wrote them (a line since
  // billed on another file is still listed: check its GetLine).
  absl::StatusOr<std::vector<std::string>> ListTransactionSetLines(std::string_view plan_id,
                                                                   int64_t control_number,
                                                                   int transaction_set) const;

  // Adds to `batch` the removal of the crosswalk entry of line `line_number`
  // of claim `claim_id` in `plan_id`.
  void DeleteClaimLine(WriteBatch& batch, std::string_view plan_id, std::string_view claim_id,
                       int line_number) const;

  // The plan's decision about the line; nullopt if none arrived. DataLoss
  // if the stored value does not parse.
  absl::StatusOr<std::optional<hub::v1::PlanDecision>> GetDecision(
      std::string_view record_id) const;

  // Adds to `batch` the plan's decision about the line (replacing any).
  void PutDecision(WriteBatch& batch, std::string_view record_id,
                   const hub::v1::PlanDecision& decision) const;

  // Adds to `batch` the removal of the line's decision.
  void DeleteDecision(WriteBatch& batch, std::string_view record_id) const;

  // Adds to `batch` the provider's worklist entry of the line (`plan_id`
  // rejected or denied it) when `needs_action`, else its removal.
  void PutNeedsAction(WriteBatch& batch, std::string_view provider_id, std::string_view record_id,
                      std::string_view plan_id, bool needs_action) const;

  struct ActionLine {
    std::string record_id;
    std::string plan_id;
  };
  // Up to `limit` of the provider's lines a plan rejected or denied, by
  // record id after `after` ("" = from the first), only `plan_id`'s unless
  // empty. Sets *more when lines remain.
  absl::StatusOr<std::vector<ActionLine>> ListNeedsAction(std::string_view provider_id,
                                                          std::string_view plan_id,
                                                          std::string_view after, size_t limit,
                                                          bool* more) const;

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
