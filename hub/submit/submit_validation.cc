#include "hub/submit/submit_validation.h"

#include <functional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/string_view.h"
#include "hub/submit/billing_check.h"

namespace hub {
namespace {

using hub::v1::Submission;

// The answer for a CIN that is no member of the hub, and for a member the
// provider does not serve: the same, byte for byte, naming no plan.
Violation UnknownMember(const RecordView& v) {
  return MakeViolation(
      kUnknownMember, FieldPath(v.name, "cin"),
      "no member with this CIN is assigned or referred to your organization; check the "
      "CIN against the plan's assignment file or referral (a member is known once a "
      "plan's file lists them)");
}

std::string KindWord(bool cs) { return cs ? "Community Supports" : "ECM"; }

// True if `provider` has a contract with `plan_id` for `kind` in force on
// `date`.
bool ContractedOn(const hub::v1::Provider& provider, std::string_view plan_id,
                  hub::v1::ProviderKind kind, std::string_view date) {
  for (const hub::v1::PlanContract& c : provider.contracts()) {
    if (c.plan_id() != plan_id) continue;
    if (!c.start_date().empty() && date < c.start_date()) continue;
    if (!c.end_date().empty() && date > c.end_date()) continue;
    for (int k : c.kinds()) {
      if (k == kind) return true;
    }
  }
  return false;
}

std::vector<std::string> ModifierVector(const RecordView& v) {
  return std::vector<std::string>(v.modifiers->begin(), v.modifiers->end());
}

// The field a code/modifier mismatch points at: the first modifier no
// allowed row uses, else the modifier list as a whole.
std::string MismatchField(const RecordView& v,
                          const std::function<bool(const std::string&)>& modifier_allowed) {
  for (int i = 0; i < v.modifiers->size(); ++i) {
    if (!modifier_allowed(v.modifiers->Get(i))) {
      return absl::StrCat(Absl(v.name), ".modifiers[", i, "]");
    }
  }
  return FieldPath(v.name, "modifiers");
}

}  // namespace

namespace {
std::string AuthorizationKey(std::string_view plan_id, std::string_view number) {
  return absl::StrCat(Absl(plan_id), std::string(1, '\0'), Absl(number));
}
}  // namespace

const hub::v1::Authorization* PendingAuthorizations::Find(
    std::string_view plan_id, std::string_view authorization_number) const {
  auto it = pending_.find(AuthorizationKey(plan_id, authorization_number));
  return it == pending_.end() ? nullptr : &it->second;
}

void PendingAuthorizations::Put(const hub::v1::Authorization& authorization) {
  pending_[AuthorizationKey(authorization.plan_id(), authorization.authorization_number())] =
      authorization;
}

SubmissionValidator::SubmissionValidator(const storage::MemberStore* members,
                                         const storage::CoverageIndex* coverage,
                                         const storage::CareStore* care,
                                         const ReferenceTables* reference)
    : store_reads_(members, coverage, care), reference_(reference) {}

absl::StatusOr<std::optional<Violation>> SubmissionValidator::FindPlan(const RecordView& v,
                                                                       const MemberReads& reads,
                                                                       RoutedRecord& routed) const {
  ASSIGN_OR_RETURN(const bool known, reads.Known(v.cin));
  if (!known) return UnknownMember(v);
  absl::StatusOr<std::string> plan_id = reads.CoveringPlanId(v.cin, v.date);
  if (absl::IsNotFound(plan_id.status())) {
    return MakeViolation(
        kMemberNotCovered, FieldPath(v.name, v.date_field),
        "no plan covers the member on the record's date; check the date, or ask the "
        "member's plan about their coverage");
  }
  RETURN_IF_ERROR(plan_id.status());
  routed.plan_id = *std::move(plan_id);
  return std::nullopt;
}

std::optional<Violation> SubmissionValidator::CheckPlanContract(const hub::v1::Provider* provider,
                                                                const RecordView& v,
                                                                const std::string& plan_id,
                                                                bool cs) const {
  if (v.billed && !cs && !reference_->IsEcmCode(v.code)) {
    return MakeViolation(kMissingField, FieldPath(v.name, "authorization_number"),
                         absl::StrCat("this is not an ECM code (", reference_->DescribeEcmCodes(),
                                      "), so it bills a Community Support and needs the plan's "
                                      "authorization number"));
  }
  if (provider == nullptr) {
    return MakeViolation(
        kProviderNotContracted, "provider_id",
        "your provider id is not in the hub's directory; check it, or ask the county "
        "administrator to add your organization");
  }
  if (!ContractedOn(*provider, plan_id, cs ? hub::v1::PROVIDER_KIND_CS : hub::v1::PROVIDER_KIND_ECM,
                    v.date)) {
    // The plan is not named: the provider has no contract with it.
    return MakeViolation(
        kProviderNotContracted, FieldPath(v.name, v.date_field),
        absl::StrCat("your organization has no ", KindWord(cs),
                     " contract in force on the record's date with the plan covering "
                     "the member that day; check the date, or ask the county "
                     "administrator to record your contract"));
  }
  return std::nullopt;
}

absl::StatusOr<std::optional<Violation>> SubmissionValidator::CheckEcm(
    const hub::v1::Provider& provider, const RecordView& v, const std::string& plan_id,
    const MemberReads& reads) const {
  ASSIGN_OR_RETURN(const bool assigned,
                   reads.AssignedOn(v.cin, plan_id, provider.provider_id(), v.date));
  if (!assigned) {
    return MakeViolation(
        kNotAssigned, FieldPath(v.name, "cin"),
        absl::StrCat("plan ", plan_id,
                     " has not assigned this member to your organization for ECM on the "
                     "record's date; check the member and date against the plan's "
                     "latest assignment file"));
  }
  if (!v.billed) return std::nullopt;
  const std::vector<std::string> modifiers = ModifierVector(v);
  if (reference_->FitsEcm(v.code, modifiers)) return std::nullopt;
  const auto& rows = reference_->tables().ecm_codes();
  return MakeViolation(
      kCodeModifierMismatch,
      MismatchField(v,
                    [&](const std::string& m) {
                      for (const auto& row : rows) {
                        if (row.hcpcs_code() != v.code) continue;
                        for (const auto& allowed : row.modifiers()) {
                          if (allowed == m) return true;
                        }
                      }
                      return false;
                    }),
      absl::StrCat("ECM services bill one of ", reference_->DescribeEcmCodes(),
                   " (in person or telephonic, clinical or non-clinical staff); use the "
                   "pair that fits the contact"));
}

absl::StatusOr<std::optional<Violation>> SubmissionValidator::CheckCommunitySupports(
    const hub::v1::Provider& provider, const RecordView& v, const std::string& plan_id,
    const PendingAuthorizations& pending, const MemberReads& reads, RoutedRecord& routed) const {
  auto auth_field = [&v] { return FieldPath(v.name, "authorization_number"); };
  const hub::v1::Authorization* pending_auth = pending.Find(plan_id, v.authorization_number);
  absl::StatusOr<hub::v1::Authorization> auth =
      pending_auth != nullptr ? absl::StatusOr<hub::v1::Authorization>(*pending_auth)
                              : reads.Authorization(v.cin, plan_id, v.authorization_number);
  if (absl::IsNotFound(auth.status())) {
    return MakeViolation(
        kUnknownAuthorization, auth_field(),
        absl::StrCat("plan ", plan_id,
                     " (the member's plan on the record's date) has no authorization "
                     "with this number; check it against the plan's referral"));
  }
  RETURN_IF_ERROR(auth.status());
  if (auth->provider_id() != provider.provider_id() || auth->cin() != v.cin) {
    return MakeViolation(
        kNotAuthorized, auth_field(),
        "this authorization was issued to another provider or for another member; use "
        "the authorization the plan issued to your organization for this member");
  }
  if (auth->status() != hub::v1::AUTHORIZATION_STATUS_APPROVED) {
    return MakeViolation(
        kAuthorizationNotActive, auth_field(),
        "this authorization is not approved (it is requested, denied or cancelled); "
        "report services once the plan approves it");
  }
  if ((!auth->start_date().empty() && v.date < auth->start_date()) ||
      (!auth->end_date().empty() && v.date > auth->end_date())) {
    return MakeViolation(
        kAuthorizationNotActive, FieldPath(v.name, v.date_field),
        "the record's date is outside the authorization's approved period; check the "
        "date, or ask the plan to extend the authorization");
  }
  if (!v.billed) return std::nullopt;
  if (std::optional<Violation> bad = CheckCommunitySupportLine(*auth, v)) return bad;
  routed.units_used = v.units;
  routed.authorization = *std::move(auth);
  return std::nullopt;
}

std::optional<Violation> SubmissionValidator::CheckCommunitySupportLine(
    const hub::v1::Authorization& auth, const RecordView& v) const {
  const hub::v1::CommunitySupport support = auth.community_support();
  if (!reference_->CodeBillsCommunitySupport(support, v.code)) {
    return MakeViolation(kCodeModifierMismatch, FieldPath(v.name, "hcpcs_code"),
                         absl::StrCat("the code does not bill the authorized Community Support (",
                                      hub::v1::CommunitySupport_Name(support), "), which bills ",
                                      reference_->DescribeCommunitySupportCodes(support)));
  }
  const std::vector<std::string> modifiers = ModifierVector(v);
  if (!reference_->FitsCommunitySupport(support, v.code, modifiers)) {
    const auto& rows = reference_->tables().community_support_codes();
    return MakeViolation(
        kCodeModifierMismatch,
        MismatchField(v,
                      [&](const std::string& m) {
                        for (const auto& row : rows) {
                          if (row.community_support() != support || row.hcpcs_code() != v.code) {
                            continue;
                          }
                          for (const auto& allowed : row.modifiers()) {
                            if (allowed == m) return true;
                          }
                        }
                        return false;
                      }),
        absl::StrCat("the modifiers do not fit the authorized Community Support (",
                     hub::v1::CommunitySupport_Name(support), "), which bills ",
                     reference_->DescribeCommunitySupportCodes(support)));
  }
  const int left = auth.units_approved() - auth.units_used();
  if (v.units > left) {
    return MakeViolation(
        kUnitsExceeded, FieldPath(v.name, "units"),
        absl::StrCat("the authorization has ", left < 0 ? 0 : left,
                     " units left, fewer than this line reports; report at most the "
                     "units left and ask the plan for more"));
  }
  return std::nullopt;
}

absl::StatusOr<Verdict> SubmissionValidator::Validate(const hub::v1::Provider* provider,
                                                      const Submission& submission,
                                                      std::string_view today,
                                                      const PendingAuthorizations& pending) const {
  return Validate(provider, submission, today, pending, store_reads_);
}

absl::StatusOr<Verdict> SubmissionValidator::Validate(const hub::v1::Provider* provider,
                                                      const Submission& submission,
                                                      std::string_view today,
                                                      const PendingAuthorizations& pending,
                                                      const MemberReads& reads) const {
  Verdict verdict;
  const RecordView v = ViewOf(submission);
  verdict.routed.kind = v.kind;
  // 1. Shape.
  verdict.violation = CheckShape(submission, v, today, *reference_);
  if (verdict.violation.has_value()) return verdict;
  ASSIGN_OR_RETURN(verdict, Route(provider, v, pending, reads, std::move(verdict)));
  // No membership oracle: for a member the provider does not serve (no
  // assignment or authorization of the member names it), every rejection is
  // the one for a CIN that is no member at all. Only rejections pay the
  // lookup.
  if (verdict.violation.has_value() && verdict.violation->reason_code != kUnknownMember &&
      provider != nullptr) {
    ASSIGN_OR_RETURN(const bool serves, reads.Serves(v.cin, provider->provider_id()));
    if (!serves) verdict.violation = UnknownMember(v);
  }
  return verdict;
}

absl::StatusOr<Verdict> SubmissionValidator::Route(const hub::v1::Provider* provider,
                                                   const RecordView& v,
                                                   const PendingAuthorizations& pending,
                                                   const MemberReads& reads,
                                                   Verdict verdict) const {
  // 2. Member and covering plan.
  ASSIGN_OR_RETURN(verdict.violation, FindPlan(v, reads, verdict.routed));
  if (verdict.violation.has_value()) return verdict;
  const std::string& plan_id = verdict.routed.plan_id;
  // 3. ECM or Community Supports, and the contract.
  // A referral status without an authorization number closes the loop on
  // the plan's ECM referral: the member's ECM assignment to the provider.
  const bool cs = !v.authorization_number.empty();
  verdict.violation = CheckPlanContract(provider, v, plan_id, cs);
  if (verdict.violation.has_value()) return verdict;
  if (!cs) {
    // 4. ECM: assigned by that plan on that date.
    ASSIGN_OR_RETURN(verdict.violation, CheckEcm(*provider, v, plan_id, reads));
    return verdict;
  }
  // 5. Community Supports: the plan's authorization.
  ASSIGN_OR_RETURN(verdict.violation,
                   CheckCommunitySupports(*provider, v, plan_id, pending, reads, verdict.routed));
  return verdict;
}

}  // namespace hub
