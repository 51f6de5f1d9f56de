#include <string>
#include <utility>
#include <vector>

#include "base/enum_label.h"
#include "base/status_macros.h"
#include "hub/monitor/monitor.h"
#include "storage/claim_store.h"
#include "storage/claim_tally.h"

// The county's view of the plans' answers to the claim lines: the claim
// tallies the ingest of 277CA and 835 files keeps (storage/claim_tally.h),
// one small value per plan, so a summary reads a few keys whatever the
// number of lines.
namespace hub {

absl::Status Monitor::SummarizeClaims(hub::v1::MonitorSummary& summary) const {
  ASSIGN_OR_RETURN(std::vector<hub::v1::PlanClaims> tallies,
                   storage::ClaimStore(store_).ListTallies());
  for (hub::v1::PlanClaims& tally : tallies) {
    storage::FinishClaimTally(tally);
    *summary.add_claims() = std::move(tally);
  }
  return absl::OkStatus();
}

void Monitor::UpdateClaimGauges(const hub::v1::MonitorSummary& summary) {
  claim_lines_.Clear();
  claim_paid_cents_.Clear();
  claim_denials_.Clear();
  claim_days_to_payment_.Clear();
  for (const hub::v1::PlanClaims& plan : summary.claims()) {
    for (const auto& [provider, c] : plan.providers()) {
      const std::string& p = plan.plan_id();
      claim_lines_.Add({p, provider, "accepted"}, static_cast<double>(c.accepted()));
      claim_lines_.Add({p, provider, "rejected"}, static_cast<double>(c.rejected()));
      claim_lines_.Add({p, provider, "paid"}, static_cast<double>(c.paid()));
      claim_lines_.Add({p, provider, "denied"}, static_cast<double>(c.denied()));
      claim_paid_cents_.Add({p, provider}, static_cast<double>(c.paid_cents()));
    }
    for (const auto& [reason, count] : plan.denial_reasons()) {
      claim_denials_.Add({plan.plan_id(), reason}, static_cast<double>(count));
    }
    if (!plan.days_to_payment().empty()) {
      for (const auto& [label, q] : {std::pair{"0.5", 0.5}, std::pair{"0.9", 0.9}}) {
        claim_days_to_payment_.Add({plan.plan_id(), label},
                                   storage::DaysToPaymentQuantile(plan, q));
      }
    }
  }
}

}  // namespace hub
