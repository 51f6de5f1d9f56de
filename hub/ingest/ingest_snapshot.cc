// What a snapshot file ends, and what its rejected rows protect (see
// ingest.h, step 4).
#include "hub/ingest/ingestor.h"

namespace hub {

absl::Status Ingestor::EndUnlisted() {
  RETURN_IF_ERROR(Commit());
  if (ctx_.kind == hub::v1::FILE_KIND_MEMBER_ASSIGNMENT) RETURN_IF_ERROR(EndUnlistedAssignments());
  if (ctx_.kind == hub::v1::FILE_KIND_CS_AUTHORIZATION) {
    RETURN_IF_ERROR(EndUnlistedAuthorizations());
  }
  return Commit();
}

absl::Status Ingestor::EndUnlistedAssignments() {
  const std::string& cutoff = ctx_.cutoff;
  return s_.care.ScanPlanAssignments(
      ctx_.plan_id, [&](const storage::PlanAssignmentMark& mark) -> absl::Status {
        RETURN_IF_ERROR(CheckCancelled());
        if (mark.mark >= epoch_) return absl::OkStatus();
        hub::v1::Assignment identity;
        identity.set_cin(mark.cin);
        identity.set_plan_id(ctx_.plan_id);
        identity.set_provider_id(mark.provider_id);
        identity.set_benefit_start_date(mark.benefit_start_date);
        absl::StatusOr<hub::v1::Assignment> stored = s_.care.GetAssignment(identity);
        if (absl::IsNotFound(stored.status())) {
          // Repairs a stray index entry.
          s_.care.DeleteAssignment(batch_, identity, /*stored=*/nullptr);
          return CountWrite();
        }
        RETURN_IF_ERROR(stored.status());
        const hub::v1::Assignment before = *stored;
        hub::v1::Assignment& a = *stored;
        if (!a.benefit_end_date().empty() && a.benefit_end_date() <= cutoff) {
          return absl::OkStatus();  // Already ended.
        }
        if (a.benefit_start_date() > cutoff) {
          s_.care.DeleteAssignment(batch_, a, &before);  // Withdrawn before it began.
        } else {
          a.set_benefit_end_date(cutoff);
          a.set_status(hub::v1::ENROLLMENT_STATUS_DISCONTINUED);
          if (!a.has_discontinuation()) {
            a.mutable_discontinuation()->set_date(cutoff);
            a.mutable_discontinuation()->set_dhcs_code(15);
            a.mutable_discontinuation()->set_reason(
                "The plan's snapshot assignment file no longer lists this assignment.");
          }
          s_.care.PutAssignment(batch_, a, &before);
        }
        changes_.set_assignments_ended(changes_.assignments_ended() + 1);
        return CountWrite();
      });
}

absl::Status Ingestor::EndUnlistedAuthorizations() {
  const std::string& cutoff = ctx_.cutoff;
  return s_.care.ScanPlanAuthorizations(
      ctx_.plan_id, [&](const storage::PlanAuthorizationMark& mark) -> absl::Status {
        RETURN_IF_ERROR(CheckCancelled());
        if (mark.mark >= epoch_) return absl::OkStatus();
        absl::StatusOr<hub::v1::Authorization> stored =
            s_.care.GetAuthorization(ctx_.plan_id, mark.authorization_number);
        if (absl::IsNotFound(stored.status())) {
          RETURN_IF_ERROR(
              s_.care.DeleteAuthorization(batch_, ctx_.plan_id, mark.authorization_number));
          return CountWrite();
        }
        RETURN_IF_ERROR(stored.status());
        const hub::v1::Authorization before = *stored;
        hub::v1::Authorization& a = *stored;
        if (a.status() == hub::v1::AUTHORIZATION_STATUS_DENIED ||
            a.status() == hub::v1::AUTHORIZATION_STATUS_CANCELLED) {
          return absl::OkStatus();  // Not in effect.
        }
        if (!a.end_date().empty() && a.end_date() <= cutoff) return absl::OkStatus();
        if (a.start_date() > cutoff) {
          RETURN_IF_ERROR(
              s_.care.DeleteAuthorization(batch_, ctx_.plan_id, a.authorization_number()));
        } else {
          a.set_end_date(cutoff);
          a.set_status(hub::v1::AUTHORIZATION_STATUS_CANCELLED);
          RETURN_IF_ERROR(s_.care.PutAuthorization(batch_, a, &before).status());
        }
        changes_.set_authorizations_ended(changes_.authorizations_ended() + 1);
        return CountWrite();
      });
}

// In a snapshot, a rejected row for a known member still lists that
// member's assignments with the plan: a typo must not end them.
absl::Status Ingestor::ProtectMemberAssignments(const std::string& cin) {
  if (!ctx_.snapshot) return absl::OkStatus();
  RETURN_IF_ERROR(WaitInFlight());
  ASSIGN_OR_RETURN(std::vector<hub::v1::Assignment> assignments, s_.care.Assignments(cin));
  for (const hub::v1::Assignment& a : assignments) {
    if (a.plan_id() == ctx_.plan_id) s_.care.MarkAssignmentListed(batch_, a, epoch_);
  }
  return absl::OkStatus();
}

absl::Status Ingestor::ProtectAuthorization(const std::string& number) {
  if (!ctx_.snapshot || number.empty()) return absl::OkStatus();
  RETURN_IF_ERROR(WaitInFlight());
  absl::StatusOr<hub::v1::Authorization> stored = s_.care.GetAuthorization(ctx_.plan_id, number);
  if (absl::IsNotFound(stored.status())) return absl::OkStatus();
  RETURN_IF_ERROR(stored.status());
  s_.care.MarkAuthorizationListed(batch_, ctx_.plan_id, number, epoch_);
  return absl::OkStatus();
}

}  // namespace hub
