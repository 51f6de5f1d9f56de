// The county's claim tally (hub.v1.PlanClaims, storage/claim_store.h): how a
// plan's answered claim lines stand, by provider, decision, denial reason
// and days from service to payment. Kept O(change): when the answers to a
// file replace a line's decision, the line leaves the bucket of its old
// decision and enters the new one's, in the batch that writes the decision.
//
// Thread safety: plain functions of their arguments.
#ifndef HUB_STORAGE_CLAIM_TALLY_H_
#define HUB_STORAGE_CLAIM_TALLY_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "hub/v1/feed.pb.h"
#include "hub/v1/monitor.pb.h"

namespace hub::storage {

// The code a reason counts under, e.g. "CARC CO-45" from "CARC CO-45",
// "277CA A7:21" from "277CA A7:21:85", "CLP02 4" from "CLP02 4 denied",
// "999 IK5 5" from "999 IK5 R 5", "999 IK3 8" from "999 IK3 CLM 22 8";
// "" for anything else (a sentence, e.g. an 835 claim total, is not a code).
std::string DenialReasonCode(std::string_view reason);

// Adds (sign +1) or removes (sign -1) one line decided `decision`, billed by
// `line` (its provider_id and service_date), to `tally`. Entries that reach
// zero are erased.
void CountClaimLine(hub::v1::PlanClaims& tally, const hub::v1::BillingStatus& line,
                    const hub::v1::PlanDecision& decision, int sign);

// The nearest-rank quantile q (0 < q <= 1) of days_to_payment; -1 if no
// paid line has both dates.
int32_t DaysToPaymentQuantile(const hub::v1::PlanClaims& tally, double q);

// Fills `tally`'s derived fields (acceptance_rate, median_days_to_payment).
void FinishClaimTally(hub::v1::PlanClaims& tally);

}  // namespace hub::storage

#endif  // HUB_STORAGE_CLAIM_TALLY_H_
