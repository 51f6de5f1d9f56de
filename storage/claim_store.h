// ClaimStore: what the hub billed for each billable line (a provider's
// service line or invoice line), and the crosswalk from a plan's claim back
// to its lines, so a provider sees in ListFeedback where its line went and a
// plan's answer about a claim line can be matched to the provider's record.
//
// Keys (store.h, kClaims):
//   "b" \0 record_id                          -> hub.v1.BillingStatus
//   "c" \0 plan_id \0 claim_id \0 line BE4    -> record_id
// A line's status is the latest export's: exporting a month again replaces
// it (same claim ids, a new control number).
//
// Thread safety: safe for concurrent use (RocksDB's own guarantees); a
// batch belongs to its caller.
#ifndef HUB_STORAGE_CLAIM_STORE_H_
#define HUB_STORAGE_CLAIM_STORE_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "hub/v1/feed.pb.h"
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

  // The line's latest billing status; nullopt if no billing file of its
  // month was exported. DataLoss if the stored value does not parse.
  absl::StatusOr<std::optional<hub::v1::BillingStatus>> GetLine(std::string_view record_id) const;

  // The record id of line `line_number` (1-based) of claim `claim_id` the
  // hub sent `plan_id`; nullopt if the hub never sent that claim line.
  absl::StatusOr<std::optional<std::string>> FindClaimLine(std::string_view plan_id,
                                                           std::string_view claim_id,
                                                           int line_number) const;

  // Commits `batch` without waiting for the disk (the status is derived:
  // exporting the month again writes it again).
  absl::Status Commit(WriteBatch& batch) const;

 private:
  Store* store_;
};

}  // namespace hub::storage

#endif  // HUB_STORAGE_CLAIM_STORE_H_
