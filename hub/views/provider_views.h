// What a provider reads about the members it serves (ProviderService's
// views; ProviderService delegates to these):
//   ListMembers         its one worklist across plans, from the provider care
//                       index (storage/care_store.h): every ECM assignment
//                       and Community Supports authorization (referral) in
//                       effect on the day asked, ordered by (plan_id, CIN,
//                       ECM before CS, start date or authorization number),
//                       paged.
//                       Its first page also carries the billing side
//                       (ListMembersResponse.claims): per plan, the plans'
//                       answers to the provider's billed lines (accepted,
//                       rejected, paid with the amount, denied: the county's
//                       claim tally, storage/claim_tally.h) and the lines a
//                       plan rejected or denied, with the plan's codes (at
//                       most 100; ListFeedback lists every line).
//   GetCarePlan         a member's latest care plan, under CheckCarePlanAccess.
//   ListQualityReports  every plan's quality measure results about it.
//
// Outreach due-by (WorklistEntry.outreach_due_by): the 24-hour rule of
// Community Supports referrals (hub/common/outreach_rule.h), for CS
// referrals only (an ECM assignment has no 24-hour deadline) and not for
// the supports the rule exempts (sobering centers). Plans' files carry the
// day of a referral (referral_date, else the authorization's start), not its
// time, so the referral counts from the start of that day in the county's
// zone and outreach is due 24 hours later. It is set only while the member
// still awaits a first contact (referral status unspecified, RECEIVED or
// ACCEPTED) and the provider has no accepted outreach attempt naming the
// authorization. "Today" is the county's day.
//
// The request's provider_id names the provider; the access policy
// (auth/policy.h) lets a provider's certificate ask only for itself.
// Error messages never carry PHI (no CIN, name or date of birth).
//
// Thread safety: stateless apart from the stores, which are thread-safe.
#ifndef HUB_HUB_VIEWS_PROVIDER_VIEWS_H_
#define HUB_HUB_VIEWS_PROVIDER_VIEWS_H_

#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hub/common/outreach_rule.h"
#include "hub/v1/feed.pb.h"
#include "hub/v1/provider_service.pb.h"
#include "storage/care_plan_store.h"
#include "storage/care_store.h"
#include "storage/claim_store.h"
#include "storage/directory_store.h"
#include "storage/member_store.h"
#include "storage/quality_store.h"
#include "storage/store.h"

namespace hub {

// True if `provider_id` serves the member `cin` on `iso_date`: an ECM
// assignment with the member whose benefit period contains the day, or a
// Community Supports authorization for the member, approved (not only
// requested) and in effect that day, either holding a capacity slot
// (CareStore::HoldsSlot: not discontinued, declined or closed).
absl::StatusOr<bool> ProviderServesMember(const storage::CareStore& care,
                                          std::string_view provider_id, std::string_view cin,
                                          std::string_view iso_date);

// The sharing rule of a member's care plan. `item` is the stored care plan
// item (nullptr: none is stored). OK if `provider_id` wrote it, or serves the
// member on `iso_date` (ProviderServesMember); a plan written by a 42 CFR
// Part 2 program (item carries a redisclosure notice) is shared only with its
// author, since the hub does not record consent yet. PermissionDenied
// otherwise, whether or not a plan is stored (the answer never tells an
// unrelated provider that a member has one). No PHI in the message.
absl::Status CheckCarePlanAccess(const storage::CareStore& care, std::string_view provider_id,
                                 std::string_view cin, const hub::v1::FeedItem* item,
                                 std::string_view iso_date);

class ProviderViews {
 public:
  // None of the pointers is owned; all must outlive this object.
  ProviderViews(storage::Store* store, const storage::DirectoryStore* directory,
                OutreachRule outreach_rule = DefaultOutreachRule());

  // One page of the provider's worklist as of request.as_of_date (empty: the
  // county's day of `now`); `now` also decides outreach_overdue. InvalidArgument
  // for a malformed provider_id, plan_id or as_of_date, a negative page_size
  // or a page_token this list did not return (tokens are tied to the
  // provider, plan filter and as_of_date); NotFound if the provider or plan
  // is not in the directory.
  absl::Status ListMembers(const hub::v1::ListMembersRequest& request, absl::Time now,
                           hub::v1::ListMembersResponse& response) const;

  // The member's latest care plan if CheckCarePlanAccess allows it on the
  // county's day of `now`. InvalidArgument for a malformed provider_id or CIN;
  // NotFound if the provider is unknown, or if it may read the member's care
  // plan and none is stored; PermissionDenied as CheckCarePlanAccess says.
  absl::Status GetCarePlan(const hub::v1::GetCarePlanRequest& request, absl::Time now,
                           hub::v1::GetCarePlanResponse& response) const;

  // Every plan's quality reports about the provider, ordered by (period,
  // measure_id, plan_id, stratifier), only `request.period`'s when set.
  // InvalidArgument for a malformed provider_id or period; NotFound if the
  // provider is unknown.
  absl::Status ListQualityReports(const hub::v1::ListQualityReportsRequest& request,
                                  hub::v1::ListQualityReportsResponse& response) const;

 private:
  absl::Status CheckProvider(std::string_view provider_id) const;
  // ListMembers' steps. The day the worklist is for (as_of_date, or today
  // by the outreach rule's clock); NotFound for an unknown plan filter,
  // InvalidArgument for a bad plan id or day.
  absl::StatusOr<std::string> WorklistDay(const hub::v1::ListMembersRequest& request,
                                          absl::Time now) const;
  // Fills one member's worklist row from the care index entry: the ECM
  // assignment or CS referral (with its outreach deadline) and the
  // member's name. False if the record changed since the index was read.
  absl::StatusOr<bool> FillWorklistEntry(std::string_view provider_id,
                                         const storage::ProviderCareEntry& index, absl::Time now,
                                         hub::v1::WorklistEntry& entry) const;
  absl::StatusOr<bool> FillEcmAssignment(std::string_view provider_id,
                                         const storage::ProviderCareEntry& index,
                                         hub::v1::WorklistEntry& entry) const;
  absl::StatusOr<bool> FillCsReferral(std::string_view provider_id,
                                      const storage::ProviderCareEntry& index, absl::Time now,
                                      hub::v1::WorklistEntry& entry) const;
  absl::Status FillClaimWork(std::string_view provider_id, std::string_view plan_id,
                             hub::v1::ClaimWork& work) const;

  const storage::DirectoryStore* directory_;
  const OutreachRule outreach_rule_;
  storage::MemberStore members_;
  storage::CareStore care_;
  storage::CarePlanStore care_plans_;
  storage::QualityStore quality_;
  storage::ClaimStore claims_;
};

}  // namespace hub

#endif  // HUB_HUB_VIEWS_PROVIDER_VIEWS_H_
