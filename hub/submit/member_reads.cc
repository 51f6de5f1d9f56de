#include "hub/submit/member_reads.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "base/status_macros.h"

namespace hub {
namespace {

// The NotFound answers of both sources (no CIN in them: it is PHI).
absl::Status NotCovered() { return absl::NotFoundError("no plan covers the member on that date"); }

// True if one of `records` (assignments or authorizations) names
// `provider_id`: Serves' rule, for both sources.
template <typename Records>
bool AnyNames(const Records& records, std::string_view provider_id) {
  return std::any_of(records.begin(), records.end(),
                     [&](const auto& r) { return r.provider_id() == provider_id; });
}

}  // namespace

StoreMemberReads::StoreMemberReads(const storage::MemberStore* members,
                                   const storage::CoverageIndex* coverage,
                                   const storage::CareStore* care)
    : members_(members), coverage_(coverage), care_(care) {}

absl::StatusOr<bool> StoreMemberReads::Known(std::string_view cin) const {
  absl::StatusOr<hub::v1::Member> member = members_->Get(cin);
  if (absl::IsNotFound(member.status())) return false;
  RETURN_IF_ERROR(member.status());
  return true;
}

absl::StatusOr<std::string> StoreMemberReads::CoveringPlanId(std::string_view cin,
                                                             std::string_view iso_date) const {
  absl::StatusOr<hub::v1::Coverage> coverage = coverage_->CoveringPlan(cin, iso_date);
  if (absl::IsNotFound(coverage.status())) return NotCovered();
  RETURN_IF_ERROR(coverage.status());
  return coverage->plan_id();
}

absl::StatusOr<bool> StoreMemberReads::AssignedOn(std::string_view cin, std::string_view plan_id,
                                                  std::string_view provider_id,
                                                  std::string_view iso_date) const {
  ASSIGN_OR_RETURN(std::vector<hub::v1::Assignment> assignments,
                   care_->AssignmentsOn(cin, iso_date));
  for (const hub::v1::Assignment& a : assignments) {
    if (a.plan_id() == plan_id && a.provider_id() == provider_id) return true;
  }
  return false;
}

absl::StatusOr<bool> StoreMemberReads::Serves(std::string_view cin,
                                              std::string_view provider_id) const {
  ASSIGN_OR_RETURN(std::vector<hub::v1::Assignment> assignments, care_->Assignments(cin));
  if (AnyNames(assignments, provider_id)) return true;
  ASSIGN_OR_RETURN(std::vector<hub::v1::Authorization> authorizations, care_->Authorizations(cin));
  return AnyNames(authorizations, provider_id);
}

absl::StatusOr<hub::v1::Authorization> StoreMemberReads::Authorization(
    std::string_view /*cin*/, std::string_view plan_id,
    std::string_view authorization_number) const {
  return care_->GetAuthorization(plan_id, authorization_number);
}

GroupMemberReads::GroupMemberReads(const storage::MemberCareSet* group, const MemberReads* fallback)
    : group_(group), fallback_(fallback) {}

absl::StatusOr<bool> GroupMemberReads::Known(std::string_view cin) const {
  const storage::MemberCare* m = group_->Find(cin);
  if (m == nullptr) return fallback_->Known(cin);
  return m->member.has_value();
}

absl::StatusOr<std::string> GroupMemberReads::CoveringPlanId(std::string_view cin,
                                                             std::string_view iso_date) const {
  const storage::MemberCare* m = group_->Find(cin);
  if (m == nullptr) return fallback_->CoveringPlanId(cin, iso_date);
  const hub::v1::Coverage* period = storage::CoverageIndex::CoveringPeriod(m->periods, iso_date);
  if (period == nullptr) return NotCovered();
  return period->plan_id();
}

absl::StatusOr<bool> GroupMemberReads::AssignedOn(std::string_view cin, std::string_view plan_id,
                                                  std::string_view provider_id,
                                                  std::string_view iso_date) const {
  const storage::MemberCare* m = group_->Find(cin);
  if (m == nullptr) return fallback_->AssignedOn(cin, plan_id, provider_id, iso_date);
  for (const hub::v1::Assignment& a : m->assignments) {
    if (a.plan_id() == plan_id && a.provider_id() == provider_id &&
        storage::CareStore::AssignedOn(a, iso_date)) {
      return true;
    }
  }
  return false;
}

absl::StatusOr<bool> GroupMemberReads::Serves(std::string_view cin,
                                              std::string_view provider_id) const {
  const storage::MemberCare* m = group_->Find(cin);
  if (m == nullptr || !m->authorizations_read) return fallback_->Serves(cin, provider_id);
  return AnyNames(m->assignments, provider_id) || AnyNames(m->authorizations, provider_id);
}

absl::StatusOr<hub::v1::Authorization> GroupMemberReads::Authorization(
    std::string_view cin, std::string_view plan_id, std::string_view authorization_number) const {
  // A plan's authorization number names one record, stored under its
  // member's CIN: found among the member's own, it is that record.
  if (const storage::MemberCare* m = group_->Find(cin); m != nullptr && m->authorizations_read) {
    for (const hub::v1::Authorization& a : m->authorizations) {
      if (a.plan_id() == plan_id && a.authorization_number() == authorization_number) return a;
    }
  }
  // Another member's (the record is then rejected), or none.
  return fallback_->Authorization(cin, plan_id, authorization_number);
}

}  // namespace hub
