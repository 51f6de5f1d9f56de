// What a plan may receive of each feed item (design.md invariant 6):
//   * minimum necessary: only the FeedItem fields its adapter profile
//     declares (PlanProfile.feed_fields; empty = all);
//   * 42 CFR Part 2: an item carrying the re-disclosure notice (a Part 2
//     program's record, or one flagged substance_use_disorder) is disclosed
//     only if a consent covers it at the time of delivery: the member, the
//     discloser (the item's provider: ConsentDiscloser), the recipient (this plan, or
//     any), the purpose (payment for service and invoice records, care
//     coordination for the rest; a TPO consent covers both), signed on or
//     before today, not expired, not revoked. A covered item is sent with
//     the notice and the consent's scope (42 CFR 2.32(a) and (b)).
//
// Held items: an uncovered Part 2 item is delivered as a placeholder in
// its place (sequence, record_id, accept_time and withheld_reason
// "PART2_CONSENT_REQUIRED"; no content), so the plan's feed stays gap-free
// and ordered and is acknowledged as usual. The hold is permanent for that
// item and plan (recorded in the consent store, counted for the county by
// ConsentStore::CountHeld): a consent given later covers later disclosures;
// the Part 2 program resubmits the record (a new idempotency key) once the
// member has consented. Revocation stops every later delivery, including a
// re-pull of an item not yet acknowledged.
//
// Items that need neither (no mask, no notice) are streamed as stored,
// without parsing.
//
// Thread safety: const methods are safe from any thread.
#ifndef HUB_HUB_FEED_FEED_DISCLOSURE_H_
#define HUB_HUB_FEED_FEED_DISCLOSURE_H_

#include <google/protobuf/field_mask.pb.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hub/common/plan_adapters.h"
#include "hub/v1/consent.pb.h"
#include "hub/v1/feed.pb.h"
#include "storage/consent_store.h"
#include "storage/directory_store.h"

namespace hub {

inline constexpr char kPart2Withheld[] = "PART2_CONSENT_REQUIRED";

// The program whose records `consent` covers: its discloser_provider_id;
// for a consent stored before every consent had to name one, the provider
// that recorded it ("provider:<id>"); "" (any program) only for one the
// county administrator recorded then.
std::string ConsentDiscloser(const hub::v1::Consent& consent);

// True if `consent` covers disclosing `item` (to `plan_id`, about the member
// `cin`) at `now`: its discloser (ConsentDiscloser) is the item's provider
// or any. The purpose follows from the item's kind.
bool ConsentCovers(const hub::v1::Consent& consent, const hub::v1::FeedItem& item,
                   std::string_view plan_id, std::string_view cin, absl::Time now);

// The member's CIN in a feed item's submission ("" if none).
std::string CinOfItem(const hub::v1::FeedItem& item);

class FeedDisclosure {
 public:
  // None of the pointers is owned. `adapters` may be null (no masks).
  FeedDisclosure(storage::ConsentStore* consents, storage::DirectoryStore* directory,
                 PlanAdapterSet* adapters, std::function<absl::Time()> clock);

  // One plan's view, fixed for a PullFeed stream.
  struct PlanView {
    std::string plan_id;
    // Empty: every field.
    google::protobuf::FieldMask mask;
  };
  // FailedPrecondition if the plan's profile declares a path that is not a
  // FeedItem field (the administrator fixes the profile).
  absl::StatusOr<PlanView> ForPlan(const std::string& plan_id) const;

  // What to send for stored item `stored` (its sequence: `sequence`):
  // nullopt = the stored bytes as they are; else the bytes to send.
  absl::StatusOr<std::optional<std::string>> Transform(const PlanView& view, uint64_t sequence,
                                                       std::string_view stored) const;

  // For files (PlanService.ExportFile): true if `item` may be written in a
  // file for `plan_id` now: it carries no re-disclosure notice, or a consent
  // covers it. Nothing is recorded as held: a file is rendered afresh on
  // each request, so a later consent covers a later export.
  absl::StatusOr<bool> MayDisclose(const std::string& plan_id, const hub::v1::FeedItem& item) const;

 private:
  // The first of the member's consents that covers `item` for `plan_id` at
  // `now`; nullopt if none.
  absl::StatusOr<std::optional<hub::v1::Consent>> CoveringConsent(const std::string& plan_id,
                                                                  const hub::v1::FeedItem& item,
                                                                  absl::Time now) const;

  storage::ConsentStore* consents_;
  storage::DirectoryStore* directory_;
  PlanAdapterSet* adapters_;
  std::function<absl::Time()> clock_;
};

}  // namespace hub

#endif  // HUB_HUB_FEED_FEED_DISCLOSURE_H_
