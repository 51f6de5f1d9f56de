#include "hub/views/provider_views.h"

#include <algorithm>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/civil_date.h"
#include "base/identifiers.h"
#include "base/status_macros.h"
#include "base/timestamp.h"
#include "hub/common/measure_period.h"
#include "hub/common/paging.h"

namespace hub {
namespace {

// Lines needing the provider's action listed on the worklist, at most.
constexpr size_t kClaimActionLines = 100;

bool AwaitsOutreach(const hub::v1::Authorization& a) {
  return a.referral_status() == hub::v1::REFERRAL_STATUS_UNSPECIFIED ||
         a.referral_status() == hub::v1::REFERRAL_STATUS_RECEIVED ||
         a.referral_status() == hub::v1::REFERRAL_STATUS_ACCEPTED;
}

// Sets outreach_due_by and outreach_overdue of `entry` when outreach is due
// (see provider_views.h).
void SetOutreachDue(std::optional<absl::Time> due_by, absl::Time now,
                    hub::v1::WorklistEntry& entry) {
  if (!due_by.has_value()) return;
  const absl::Time due = *due_by;
  *entry.mutable_outreach_due_by() = ToTimestamp(due);
  entry.set_outreach_overdue(now > due);
}

}  // namespace

absl::StatusOr<bool> ProviderServesMember(const storage::CareStore& care,
                                          std::string_view provider_id, std::string_view cin,
                                          std::string_view iso_date) {
  ASSIGN_OR_RETURN(std::vector<hub::v1::Assignment> assignments, care.AssignmentsOn(cin, iso_date));
  for (const hub::v1::Assignment& a : assignments) {
    if (a.provider_id() == provider_id && storage::CareStore::HoldsSlot(a)) return true;
  }
  ASSIGN_OR_RETURN(std::vector<hub::v1::Authorization> authorizations,
                   care.AuthorizationsOn(cin, iso_date));
  for (const hub::v1::Authorization& a : authorizations) {
    if (a.provider_id() == provider_id && storage::CareStore::HoldsSlot(a) &&
        a.status() != hub::v1::AUTHORIZATION_STATUS_REQUESTED) {
      return true;
    }
  }
  return false;
}

absl::Status CheckCarePlanAccess(const storage::CareStore& care, std::string_view provider_id,
                                 std::string_view cin, const hub::v1::FeedItem* item,
                                 std::string_view iso_date) {
  if (item != nullptr && item->provider_id() == provider_id) return absl::OkStatus();
  if (item != nullptr && !item->redisclosure_notice().empty()) {
    return absl::PermissionDeniedError(
        "this member's care plan comes from a 42 CFR Part 2 program; the member's Part 2 consents "
        "name plans, not other providers, as recipients, so the hub does not share it with you: "
        "ask the member's ECM provider");
  }
  ASSIGN_OR_RETURN(const bool serves, ProviderServesMember(care, provider_id, cin, iso_date));
  if (serves) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "provider ", std::string(provider_id),
      " does not serve this member today (no ECM assignment or approved Community Supports "
      "authorization in effect); only the member's ECM provider and the providers currently "
      "serving the member may read the care plan"));
}

ProviderViews::ProviderViews(storage::Store* store, const storage::DirectoryStore* directory,
                             OutreachRule outreach_rule)
    : directory_(directory),
      outreach_rule_(std::move(outreach_rule)),
      members_(store),
      care_(store),
      care_plans_(store),
      quality_(store),
      claims_(store) {}

absl::Status ProviderViews::CheckProvider(std::string_view provider_id) const {
  if (provider_id.empty()) {
    return absl::InvalidArgumentError("provider_id is required: your organization's hub id");
  }
  RETURN_IF_ERROR(ValidateProviderId(provider_id));
  absl::StatusOr<hub::v1::Provider> provider = directory_->GetProvider(provider_id);
  if (absl::IsNotFound(provider.status())) {
    return absl::NotFoundError(absl::StrCat(
        "no provider has provider_id \"", std::string(provider_id),
        "\"; ListProviders shows the providers of this hub, and the county administrator adds "
        "missing ones"));
  }
  return provider.status();
}

absl::StatusOr<std::string> ProviderViews::WorklistDay(const hub::v1::ListMembersRequest& request,
                                                       absl::Time now) const {
  const std::string& plan_id = request.plan_id();
  if (!plan_id.empty()) {
    RETURN_IF_ERROR(ValidatePlanId(plan_id));
    absl::StatusOr<hub::v1::Plan> plan = directory_->GetPlan(plan_id);
    if (absl::IsNotFound(plan.status())) {
      return absl::NotFoundError(absl::StrCat(
          "no plan has plan_id \"", plan_id,
          "\"; ListPlans shows the plans of this hub, or leave plan_id empty for all plans"));
    }
    RETURN_IF_ERROR(plan.status());
  }
  if (request.as_of_date().empty()) return outreach_rule_.DayOf(now);
  if (!CivilDate::ParseIso(request.as_of_date()).ok()) {
    return absl::InvalidArgumentError(
        "as_of_date must be a real day written YYYY-MM-DD, or empty for today");
  }
  return request.as_of_date();
}

absl::StatusOr<bool> ProviderViews::FillEcmAssignment(std::string_view provider_id,
                                                      const storage::ProviderCareEntry& index,
                                                      hub::v1::WorklistEntry& entry) const {
  hub::v1::Assignment identity;
  identity.set_cin(index.cin);
  identity.set_plan_id(index.plan_id);
  identity.set_provider_id(std::string(provider_id));
  identity.set_benefit_start_date(index.id);
  absl::StatusOr<hub::v1::Assignment> a = care_.GetAssignment(identity);
  if (absl::IsNotFound(a.status())) return false;  // Changed since the index was read.
  RETURN_IF_ERROR(a.status());
  entry.set_reason(hub::v1::WORKLIST_REASON_ECM_ASSIGNMENT);
  *entry.mutable_populations_of_focus() = a->populations_of_focus();
  entry.set_enrollment_status(a->status());
  entry.set_start_date(a->benefit_start_date());
  entry.set_over_capacity(a->over_capacity());
  // No 24-hour deadline: that rule is for CS referrals only.
  return true;
}

absl::StatusOr<bool> ProviderViews::FillCsReferral(std::string_view provider_id,
                                                   const storage::ProviderCareEntry& index,
                                                   absl::Time now,
                                                   hub::v1::WorklistEntry& entry) const {
  absl::StatusOr<hub::v1::Authorization> a = care_.GetAuthorization(index.plan_id, index.id);
  if (absl::IsNotFound(a.status())) return false;
  RETURN_IF_ERROR(a.status());
  // The index may trail a concurrent rewrite: trust the record.
  if (a->provider_id() != provider_id || a->cin() != index.cin) return false;
  entry.set_reason(hub::v1::WORKLIST_REASON_CS_REFERRAL);
  entry.set_authorization_number(a->authorization_number());
  entry.set_community_support(a->community_support());
  entry.set_referral_status(a->referral_status());
  entry.set_units_remaining(std::max(0, a->units_approved() - a->units_used()));
  entry.set_start_date(a->start_date());
  entry.set_over_capacity(a->over_capacity());
  if (AwaitsOutreach(*a)) {
    ASSIGN_OR_RETURN(std::vector<std::string> attempts,
                     care_.OutreachAttemptDates(provider_id, index.plan_id, index.cin,
                                                a->authorization_number()));
    if (attempts.empty()) {
      SetOutreachDue(
          outreach_rule_.DueBy(a->referral_date().empty() ? a->start_date() : a->referral_date(),
                               a->community_support()),
          now, entry);
    }
  }
  return true;
}

absl::StatusOr<bool> ProviderViews::FillWorklistEntry(std::string_view provider_id,
                                                      const storage::ProviderCareEntry& index,
                                                      absl::Time now,
                                                      hub::v1::WorklistEntry& entry) const {
  entry.set_cin(index.cin);
  entry.set_plan_id(index.plan_id);
  ASSIGN_OR_RETURN(const bool found, index.authorization
                                         ? FillCsReferral(provider_id, index, now, entry)
                                         : FillEcmAssignment(provider_id, index, entry));
  if (!found) return false;
  absl::StatusOr<hub::v1::Member> member = members_.Get(index.cin);
  if (member.ok()) {
    *entry.mutable_name() = member->name();
  } else if (!absl::IsNotFound(member.status())) {
    return member.status();
  }
  return true;
}

absl::Status ProviderViews::ListMembers(const hub::v1::ListMembersRequest& request, absl::Time now,
                                        hub::v1::ListMembersResponse& response) const {
  RETURN_IF_ERROR(CheckProvider(request.provider_id()));
  ASSIGN_OR_RETURN(const std::string as_of, WorklistDay(request, now));
  ASSIGN_OR_RETURN(const int page_size, EffectivePageSize(request.page_size()));
  const std::string& plan_id = request.plan_id();
  // A token is only good for the same provider, plan filter and day.
  const std::string token_kind =
      absl::StrCat("worklist/", request.provider_id(), "/", plan_id, "/", request.as_of_date());
  ASSIGN_OR_RETURN(const std::string after, DecodePageToken(token_kind, request.page_token()));
  if (!request.page_token().empty() && after.empty()) return InvalidPageTokenError();

  const std::string& provider_id = request.provider_id();
  std::string last_position;
  bool more = false;
  absl::Status scanned = care_.ScanProviderCare(
      provider_id, plan_id, after,
      [&](const storage::ProviderCareEntry& index) -> absl::StatusOr<bool> {
        if (!index.InEffectOn(as_of)) return true;
        if (response.entries_size() == page_size) {
          more = true;  // One more entry in effect: the list goes on.
          return false;
        }
        hub::v1::WorklistEntry entry;
        ASSIGN_OR_RETURN(const bool found, FillWorklistEntry(provider_id, index, now, entry));
        if (!found) return true;  // Changed since the index was read.
        *response.add_entries() = std::move(entry);
        last_position = index.position;
        return true;
      });
  if (absl::IsInvalidArgument(scanned)) return InvalidPageTokenError();
  RETURN_IF_ERROR(scanned);
  if (more) response.set_next_page_token(EncodePageToken(token_kind, last_position));
  if (!request.page_token().empty()) return absl::OkStatus();
  return FillClaimWork(provider_id, plan_id, *response.mutable_claims());
}

absl::Status ProviderViews::FillClaimWork(std::string_view provider_id, std::string_view plan_id,
                                          hub::v1::ClaimWork& work) const {
  ASSIGN_OR_RETURN(std::vector<hub::v1::PlanClaims> tallies, claims_.ListTallies());
  for (const hub::v1::PlanClaims& tally : tallies) {  // By plan_id (key order).
    if (!plan_id.empty() && tally.plan_id() != plan_id) continue;
    const auto counts = tally.providers().find(std::string(provider_id));
    if (counts == tally.providers().end()) continue;
    hub::v1::PlanClaimWork* plan = work.add_plans();
    plan->set_plan_id(tally.plan_id());
    *plan->mutable_counts() = counts->second;
  }
  bool more = false;
  ASSIGN_OR_RETURN(std::vector<storage::ClaimStore::ActionLine> lines,
                   claims_.ListNeedsAction(provider_id, plan_id, "", kClaimActionLines, &more));
  work.set_more_need_action(more);
  for (const storage::ClaimStore::ActionLine& line : lines) {
    ASSIGN_OR_RETURN(std::optional<hub::v1::BillingStatus> billing,
                     claims_.GetLine(line.record_id));
    if (!billing.has_value()) continue;  // Unreachable: an answered line has a status.
    hub::v1::ClaimActionLine* out = work.add_needs_action();
    out->set_record_id(line.record_id);
    out->set_plan_id(line.plan_id);
    *out->mutable_billing() = *std::move(billing);
  }
  return absl::OkStatus();
}

absl::Status ProviderViews::GetCarePlan(const hub::v1::GetCarePlanRequest& request, absl::Time now,
                                        hub::v1::GetCarePlanResponse& response) const {
  RETURN_IF_ERROR(CheckProvider(request.provider_id()));
  if (!ValidateCin(request.cin()).ok()) {
    return absl::InvalidArgumentError(
        "cin must be the member's Medi-Cal CIN: 8 digits then an uppercase letter");
  }
  absl::StatusOr<hub::v1::FeedItem> item = care_plans_.Get(request.cin());
  if (!item.ok() && !absl::IsNotFound(item.status())) return item.status();
  RETURN_IF_ERROR(CheckCarePlanAccess(care_, request.provider_id(), request.cin(),
                                      item.ok() ? &*item : nullptr, outreach_rule_.DayOf(now)));
  if (!item.ok()) {
    return absl::NotFoundError(
        "no care plan is stored for this member yet; the member's ECM provider submits it");
  }
  *response.mutable_care_plan() = item->submission().care_plan();
  response.set_author_provider_id(item->provider_id());
  response.set_record_id(item->record_id());
  *response.mutable_accept_time() = item->accept_time();
  return absl::OkStatus();
}

absl::Status ProviderViews::ListQualityReports(
    const hub::v1::ListQualityReportsRequest& request,
    hub::v1::ListQualityReportsResponse& response) const {
  RETURN_IF_ERROR(CheckProvider(request.provider_id()));
  if (!request.period().empty() && !IsMeasurePeriod(request.period())) {
    return absl::InvalidArgumentError(
        "period must be YYYY-MM (month), YYYY Qn (quarter) or YYYY (year), or empty for all");
  }
  ASSIGN_OR_RETURN(std::vector<hub::v1::QualityMeasureReport> reports,
                   quality_.ListByProvider(request.provider_id()));
  if (!request.period().empty()) {
    std::erase_if(reports, [&](const hub::v1::QualityMeasureReport& r) {
      return r.period() != request.period();
    });
  }
  std::sort(reports.begin(), reports.end(),
            [](const hub::v1::QualityMeasureReport& a, const hub::v1::QualityMeasureReport& b) {
              return std::tie(a.period(), a.measure_id(), a.plan_id(), a.stratifier()) <
                     std::tie(b.period(), b.measure_id(), b.plan_id(), b.stratifier());
            });
  response.mutable_reports()->Reserve(static_cast<int>(reports.size()));
  for (hub::v1::QualityMeasureReport& r : reports) *response.add_reports() = std::move(r);
  return absl::OkStatus();
}

}  // namespace hub
