// BillingMonth: which file bills each billable line of a plan's month, the
// one answer the 837P and the invoice export both read (so a line is billed
// once, on one file, or reported with a reason; docs/billing.md).
//
// A billable line is a service line (ServiceRecord) or an invoice line
// (InvoiceLine) a provider submitted, the hub accepted and routed to the
// plan, dated in the period, that the plan may receive (Part 2 rules). The
// month is walked in one fixed order (service lines as ScanMonth orders
// them, then invoice lines), and each line is, in this order of checks:
//   DUPLICATE_OF_SERVICE  an invoice line repeating a service line (same
//                         provider, member, day, code and modifiers);
//   DUPLICATE_LINE        a line repeating an earlier line of its kind;
//   MEMBER_DEMOGRAPHICS_MISSING  the hub has no name or date of birth of
//                         the member (a plan needs them for an encounter);
//   for a line the 837P bills:
//     MISSING_DIAGNOSIS   no ICD-10-CM code on the line;
//     BILLING_PROVIDER_INCOMPLETE  the provider has no NPI, TIN or complete
//                         address in the directory (loop 2010AA);
//   else billed: service lines on the file the plan profile's billing rule
//   names for the line's program (no authorization number: ECM; with one:
//   Community Supports; no rule: the 837P), invoice lines on the invoice.
// Unbillable lines get their BillingStatus (NOT_BILLED, reason, what to fix)
// in storage/claim_store.h at each scan; billed lines get theirs through
// Billed, from the renderer that writes them. A line the plan answered that
// is now NOT_BILLED, or billed on another claim line than the one answered
// (another file: a profile change moved it from the 837P to the invoice; or
// another claim id or line number: the month's lines were regrouped), loses
// the plan's decision about it: the plan's claim tally and the provider's
// worklist no longer count it, and answers about its old claim line no
// longer reach it. summary.decisions_withdrawn counts them. The same claim
// line exported again (a new control number) keeps its decision.
//
// Memory: about 80 bytes per billable line of the month (its key and the
// record id of its first line, for the duplicate's message).
// Not thread-safe: one export, one thread.
#ifndef HUB_HUB_EXPORT_BILLING_MONTH_H_
#define HUB_HUB_EXPORT_BILLING_MONTH_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "adapters/plan_billing.h"
#include "hub/common/billing_reasons.h"
#include "hub/export/export_run.h"
#include "hub/v1/adapter_config.pb.h"
#include "hub/v1/feed.pb.h"
#include "hub/v1/plan_service.pb.h"
#include "storage/claim_store.h"

namespace hub {

// The reason codes of lines no file bills (and kMissingDiagnosis,
// hub/common/billing_reasons.h).
inline constexpr std::string_view kDuplicateOfService = "DUPLICATE_OF_SERVICE";
inline constexpr std::string_view kDuplicateLine = "DUPLICATE_LINE";
inline constexpr std::string_view kMemberDemographicsMissing = "MEMBER_DEMOGRAPHICS_MISSING";
inline constexpr std::string_view kBillingProviderIncomplete = "BILLING_PROVIDER_INCOMPLETE";

// A line the scan hands to the renderer of its file.
struct LineToBill {
  const hub::v1::FeedItem* item = nullptr;  // a service or an invoice line
  const hub::v1::Member* member = nullptr;  // the stored member
  const hub::v1::Provider* provider = nullptr;
};

// True if `a` has what an 837P address needs: a street line, a city, a
// two-letter state and a ZIP code of at least 5 digits.
bool CompleteAddress(const hub::v1::PostalAddress& a);

class BillingMonth {
 public:
  // `run` and `claims` must outlive this object.
  BillingMonth(ExportRun& run, const storage::ClaimStore& claims);

  // Walks the month: calls `bill` for each line `target` (FILE_KIND_CLAIMS_
  // 837P or FILE_KIND_INVOICE) bills, in walk order, counts the others and
  // records the unbillable ones. A non-OK status from `bill` stops the walk.
  absl::Status Scan(hub::v1::FileKind target,
                    const std::function<absl::Status(const LineToBill&)>& bill);

  // The renderer of the scan's target bills the line `record_id` with
  // `status` (BILLED, naming its claim or invoice line): added to the
  // month's statuses, committed in batches with the unbillable ones
  // (withdrawing a decision about another claim line, see above). Call
  // Finish after the renderer's last Billed.
  absl::Status Billed(std::string_view record_id, const hub::v1::BillingStatus& status);
  // Commits the statuses Billed added since the last batch.
  absl::Status Finish() { return FlushStatuses(/*all=*/true); }

  // The account of the month, from `target`'s point of view.
  const hub::v1::BillingSummary& summary() const { return summary_; }

 private:
  absl::Status ScanKind(hub::v1::RecordKind kind, hub::v1::FileKind target,
                        const std::function<absl::Status(const LineToBill&)>& bill);
  // The reason `item` cannot be billed on `file` ("" if it can).
  absl::StatusOr<std::string_view> Check(const hub::v1::FeedItem& item, hub::v1::FileKind file,
                                         const hub::v1::Member& member,
                                         const hub::v1::Provider& provider, std::string* message);
  absl::Status Unbillable(const hub::v1::FeedItem& item, std::string_view reason,
                          const std::string& message);
  absl::Status FlushStatuses(bool all);
  // Adds to statuses_ the withdrawal of the plan's decision about each line
  // of written_ whose new status is not the claim line it was answered on.
  // Call under ClaimStore::DecisionMutex().
  absl::Status WithdrawDecisions();

  ExportRun& run_;
  const storage::ClaimStore& claims_;
  hub::v1::BillingSummary summary_;
  std::map<std::string, int64_t, std::less<>> unbillable_;
  // Line key (16 bytes of SHA-256) -> the record id of its first line and
  // whether that was a service line.
  absl::flat_hash_map<std::string, std::pair<std::string, bool>> seen_;
  hub::v1::Member member_;
  storage::WriteBatch statuses_;
  // The lines statuses_ writes, with their new status.
  std::vector<std::pair<std::string, hub::v1::BillingStatus>> written_;
};

}  // namespace hub

#endif  // HUB_HUB_EXPORT_BILLING_MONTH_H_
