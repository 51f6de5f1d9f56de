// What a snapshot file ends, and what its rejected rows protect (see
// ingest.h, step 4).
#include "base/identifiers.h"
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
        hub::v1::EndedRecord ended;
        ended.set_cin(a.cin());
        ended.set_provider_id(a.provider_id());
        ended.set_benefit_start_date(a.benefit_start_date());
        ended.set_end_date(cutoff);
        ended.set_withdrawn(a.benefit_start_date() > cutoff);
        RETURN_IF_ERROR(RecordEnded(std::move(ended)));
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
        hub::v1::EndedRecord ended;
        ended.set_cin(a.cin());
        ended.set_provider_id(a.provider_id());
        ended.set_authorization_number(a.authorization_number());
        ended.set_end_date(cutoff);
        ended.set_withdrawn(a.start_date() > cutoff);
        RETURN_IF_ERROR(RecordEnded(std::move(ended)));
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

// Up to this many unidentified row numbers are named in the report.
constexpr size_t kNamedUnidentifiedRows = 10;

absl::Status Ingestor::ProtectRejectedRow() {
  if (ctx_.kind == hub::v1::FILE_KIND_MEMBER_ASSIGNMENT && ValidateCin(row_identity_).ok()) {
    return ProtectMemberAssignments(row_identity_);
  }
  if (ctx_.kind == hub::v1::FILE_KIND_CS_AUTHORIZATION && !row_identity_.empty()) {
    return ProtectAuthorization(row_identity_);
  }
  if (ctx_.kind == hub::v1::FILE_KIND_MEMBER_ASSIGNMENT ||
      ctx_.kind == hub::v1::FILE_KIND_CS_AUTHORIZATION) {
    ++rows_unidentified_;
    if (unidentified_rows_.size() < kNamedUnidentifiedRows) unidentified_rows_.push_back(row_);
  }
  return absl::OkStatus();
}

absl::Status Ingestor::RecordEnded(hub::v1::EndedRecord record) {
  ASSIGN_OR_RETURN(
      std::optional<hub::v1::Member> member,
      Lookup<hub::v1::Member>(record.cin(), [&] { return s_.members.Get(record.cin()); }));
  if (member.has_value()) {
    for (const hub::v1::PlanMemberId& id : member->plan_member_ids()) {
      if (id.plan_id() == ctx_.plan_id) record.set_plan_member_id(id.member_id());
    }
  }
  s_.ingest.AddEndedRecords(batch_, ctx_.report_id, next_ended_ordinal_++, {&record, 1});
  return absl::OkStatus();
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
