#include "hub/submit/submit_validation.h"

#include <functional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/civil_date.h"
#include "base/identifiers.h"
#include "base/status_macros.h"
#include "hub/submit/billing_check.h"

namespace hub {
namespace {

using hub::v1::Submission;

absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

Violation Reject(std::string_view code, std::string field, std::string message) {
  return Violation{std::string(code), std::move(field), std::move(message)};
}

std::string Path(std::string_view record, std::string_view field) {
  return absl::StrCat(Absl(record), ".", Absl(field));
}

// The parts of a record the generic checks need, whatever its kind.
struct RecordView {
  hub::v1::RecordKind kind = hub::v1::RECORD_KIND_UNSPECIFIED;
  std::string_view name;  // The oneof field name, the root of field paths.
  std::string_view cin;
  std::string_view date_field;
  std::string_view date;
  std::string_view authorization_number;
  // Services and invoice lines.
  bool billed = false;
  std::string_view code;
  const google::protobuf::RepeatedPtrField<std::string>* modifiers = nullptr;
  int units = 0;
};

RecordView ViewOf(const Submission& s) {
  RecordView v;
  v.kind = KindOf(s);
  switch (s.record_case()) {
    case Submission::kOutreachAttempt: {
      const auto& r = s.outreach_attempt();
      v.name = "outreach_attempt";
      v.cin = r.cin();
      v.date_field = "attempt_date";
      v.date = r.attempt_date();
      v.authorization_number = r.authorization_number();
      break;
    }
    case Submission::kEnrollmentStatus: {
      const auto& r = s.enrollment_status();
      v.name = "enrollment_status";
      v.cin = r.cin();
      v.date_field = "as_of_date";
      v.date = r.as_of_date();
      break;
    }
    case Submission::kCarePlan: {
      const auto& r = s.care_plan();
      v.name = "care_plan";
      v.cin = r.cin();
      v.date_field = "effective_date";
      v.date = r.effective_date();
      break;
    }
    case Submission::kService: {
      const auto& r = s.service();
      v.name = "service";
      v.cin = r.cin();
      v.date_field = "service_date";
      v.date = r.service_date();
      v.authorization_number = r.authorization_number();
      v.billed = true;
      v.code = r.hcpcs_code();
      v.modifiers = &r.modifiers();
      v.units = r.units();
      break;
    }
    case Submission::kInvoiceLine: {
      const auto& r = s.invoice_line();
      v.name = "invoice_line";
      v.cin = r.cin();
      v.date_field = "service_date";
      v.date = r.service_date();
      v.authorization_number = r.authorization_number();
      v.billed = true;
      v.code = r.hcpcs_code();
      v.modifiers = &r.modifiers();
      v.units = r.units();
      break;
    }
    case Submission::kReferralStatus: {
      const auto& r = s.referral_status();
      v.name = "referral_status";
      v.cin = r.cin();
      v.date_field = "status_date";
      v.date = r.status_date();
      v.authorization_number = r.authorization_number();
      break;
    }
    case Submission::RECORD_NOT_SET:
      break;
  }
  return v;
}

// An optional date: empty is fine; otherwise a real ISO day, and not after
// `today` when `past_only`.
// `record`.`field` names the date (the path is built only on failure).
std::optional<Violation> CheckOptionalDate(std::string_view value, std::string_view record,
                                           std::string_view field, std::string_view what,
                                           std::string_view today, bool past_only) {
  if (value.empty()) return std::nullopt;
  if (!CivilDate::ParseIso(value).ok()) {
    return Reject(kInvalidDate, Path(record, field),
                  absl::StrCat("the ", Absl(what),
                               " is not a real calendar day in YYYY-MM-DD form; write it as "
                               "e.g. 2026-01-31"));
  }
  if (past_only && value > today) {
    return Reject(kFutureDate, Path(record, field),
                  absl::StrCat("the ", Absl(what),
                               " is after today; report events once they happened, and check "
                               "the year and the month/day order"));
  }
  return std::nullopt;
}

bool IsHcpcsShape(std::string_view code) {
  if (code.size() != 5 || !absl::ascii_isalpha(code[0])) return false;
  for (char c : code.substr(1)) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  return absl::ascii_isupper(code[0]);
}

bool IsModifierShape(std::string_view m) {
  return m.size() == 2 && absl::ascii_isalnum(m[0]) && absl::ascii_isalnum(m[1]) &&
         !absl::ascii_islower(m[0]) && !absl::ascii_islower(m[1]);
}

// Shape checks of the fields every billed line has.
std::optional<Violation> CheckBilledShape(const RecordView& v, int64_t charge_cents) {
  if (v.code.empty()) {
    return Reject(kMissingField, Path(v.name, "hcpcs_code"),
                  "the HCPCS code is missing; write the 5-character code billed, e.g. G9008 for "
                  "ECM or H0043 for housing transition navigation");
  }
  if (!IsHcpcsShape(v.code)) {
    return Reject(kCodeModifierMismatch, Path(v.name, "hcpcs_code"),
                  "the HCPCS code must be an uppercase letter and 4 digits, e.g. G9008 or H0043; "
                  "docs/submission-reasons.md lists the codes the hub accepts");
  }
  for (int i = 0; i < v.modifiers->size(); ++i) {
    if (!IsModifierShape(v.modifiers->Get(i))) {
      return Reject(kCodeModifierMismatch, absl::StrCat(Absl(v.name), ".modifiers[", i, "]"),
                    "a modifier is 2 uppercase letters or digits, e.g. U6; write one modifier "
                    "per list entry");
    }
  }
  if (v.units < 1) {
    return Reject(kOutOfRange, Path(v.name, "units"),
                  "units must be 1 or more; a line with no units bills nothing, so leave it out");
  }
  if (charge_cents < 0) {
    return Reject(kOutOfRange, Path(v.name, "charge_cents"),
                  "the charge cannot be negative; send a corrected amount of 0 or more");
  }
  return std::nullopt;
}

std::optional<Violation> CheckEnrollmentShape(const hub::v1::EnrollmentStatusUpdate& r,
                                              std::string_view today,
                                              const ReferenceTables& reference) {
  constexpr std::string_view k = "enrollment_status";
  if (r.status() == hub::v1::ENROLLMENT_STATUS_UNSPECIFIED) {
    return Reject(kMissingField, Path(k, "status"),
                  "the ECM status is missing; set it to assigned, outreach, enrolled, declined, "
                  "unable_to_reach or discontinued");
  }
  struct DateField {
    std::string_view field;
    std::string_view what;
    const std::string& value;
    bool past_only;
  };
  const DateField dates[] = {
      {"enrollment_start_date", "ECM enrollment start date", r.enrollment_start_date(), false},
      {"enrollment_end_date", "ECM enrollment end date", r.enrollment_end_date(), false},
      {"care_plan_revision_date", "care plan revision date", r.care_plan_revision_date(), true},
      {"care_conference_date", "care conference date", r.care_conference_date(), true},
      {"assessment_start_date", "assessment start date", r.assessment_start_date(), true},
      {"assessment_completed_date", "assessment completion date", r.assessment_completed_date(),
       true},
      {"last_encounter_date", "last encounter date", r.last_encounter_date(), true},
  };
  for (const DateField& d : dates) {
    if (auto v = CheckOptionalDate(d.value, k, d.field, d.what, today, d.past_only)) {
      return v;
    }
  }
  if (!r.enrollment_start_date().empty() && !r.enrollment_end_date().empty() &&
      r.enrollment_end_date() < r.enrollment_start_date()) {
    return Reject(kOutOfRange, Path(k, "enrollment_end_date"),
                  "the ECM enrollment end date is before its start date; check both dates");
  }
  if (r.in_person_encounters() < 0) {
    return Reject(kOutOfRange, Path(k, "in_person_encounters"),
                  "the count of in-person encounters cannot be negative; write 0 or more");
  }
  if (r.telephonic_encounters() < 0) {
    return Reject(kOutOfRange, Path(k, "telephonic_encounters"),
                  "the count of telephonic or video encounters cannot be negative; write 0 or "
                  "more");
  }
  const bool discontinued = r.status() == hub::v1::ENROLLMENT_STATUS_DISCONTINUED;
  if (discontinued || r.has_discontinuation()) {
    const hub::v1::Discontinuation& d = r.discontinuation();
    if (d.date().empty()) {
      return Reject(kMissingField, Path(k, "discontinuation.date"),
                    "a discontinued ECM status needs the last day of ECM (discontinuation date)");
    }
    if (auto v = CheckOptionalDate(d.date(), k, "discontinuation.date", "discontinuation date",
                                   today, false)) {
      return v;
    }
    if (d.dhcs_code() == 0) {
      return Reject(kMissingField, Path(k, "discontinuation.dhcs_code"),
                    absl::StrCat("a discontinuation needs its DHCS reason code, one of ",
                                 reference.DescribeDiscontinuationCodes(), " (15 = other)"));
    }
    if (!reference.IsDiscontinuationCode(d.dhcs_code())) {
      return Reject(kOutOfRange, Path(k, "discontinuation.dhcs_code"),
                    absl::StrCat("the DHCS discontinuation reason code is not one of ",
                                 reference.DescribeDiscontinuationCodes(),
                                 "; use 15 (other) with a reason if none fits"));
    }
    if (d.dhcs_code() == 15 && d.reason().empty()) {
      return Reject(kMissingField, Path(k, "discontinuation.reason"),
                    "discontinuation reason code 15 (other) needs the reason in words");
    }
  }
  return std::nullopt;
}

std::optional<Violation> CheckCarePlanShape(const hub::v1::CarePlan& r, std::string_view today) {
  constexpr std::string_view k = "care_plan";
  if (auto v = CheckOptionalDate(r.assessment_date(), k, "assessment_date", "assessment date",
                                 today, true)) {
    return v;
  }
  if (auto v = CheckOptionalDate(r.next_review_date(), k, "next_review_date", "next review date",
                                 today, false)) {
    return v;
  }
  if (r.goals().empty()) {
    return Reject(kMissingField, Path(k, "goals"),
                  "a care plan needs at least one goal; add the member's goals and send it again");
  }
  for (int i = 0; i < r.goals_size(); ++i) {
    const hub::v1::CarePlanGoal& goal = r.goals(i);
    const std::string path = absl::StrCat("care_plan.goals[", i, "]");
    if (goal.description().empty()) {
      return Reject(kMissingField, absl::StrCat(path, ".description"),
                    "each goal needs a description in plain words");
    }
    if (auto v = CheckOptionalDate(goal.target_date(), path, "target_date", "goal's target date",
                                   today, false)) {
      return v;
    }
    if (!goal.status().empty() && goal.status() != "open" && goal.status() != "met" &&
        goal.status() != "discontinued") {
      return Reject(kOutOfRange, absl::StrCat(path, ".status"),
                    "a goal's status is \"open\", \"met\" or \"discontinued\" (or empty)");
    }
  }
  return std::nullopt;
}

std::optional<Violation> CheckReferralShape(const hub::v1::ReferralStatusUpdate& r) {
  constexpr std::string_view k = "referral_status";
  if (r.status() == hub::v1::REFERRAL_STATUS_UNSPECIFIED) {
    return Reject(kMissingField, Path(k, "status"),
                  "the referral status is missing; set received, accepted, declined, "
                  "in_progress or closed");
  }
  const bool closing = r.status() == hub::v1::REFERRAL_STATUS_DECLINED ||
                       r.status() == hub::v1::REFERRAL_STATUS_CLOSED;
  if (closing && r.closure_reason() == hub::v1::LOOP_CLOSURE_REASON_UNSPECIFIED) {
    return Reject(kMissingClosureReason, Path(k, "closure_reason"),
                  "a declined or closed referral needs the reason the loop closed (e.g. "
                  "service_received, member_declined, unable_to_contact, other)");
  }
  if (r.closure_reason() == hub::v1::LOOP_CLOSURE_REASON_OTHER && r.closure_reason_text().empty()) {
    return Reject(kMissingClosureReason, Path(k, "closure_reason_text"),
                  "closure reason \"other\" needs the reason in words (closure_reason_text)");
  }
  return std::nullopt;
}

// Checks that need no store: record set, CIN, dates, required fields,
// ranges.
std::optional<Violation> CheckShape(const Submission& s, const RecordView& v,
                                    std::string_view today, const ReferenceTables& reference) {
  if (s.record_case() == Submission::RECORD_NOT_SET) {
    return Reject(kMissingRecord, "record",
                  "the submission holds no record; set one of outreach_attempt, "
                  "enrollment_status, care_plan, service, invoice_line or referral_status");
  }
  if (v.cin.empty()) {
    return Reject(kMissingField, Path(v.name, "cin"),
                  "the member's CIN is missing; write the 9-character Medi-Cal CIN");
  }
  if (!ValidateCin(v.cin).ok()) {
    return Reject(kInvalidCin, Path(v.name, "cin"),
                  "the CIN is not a Medi-Cal CIN (8 digits then an uppercase letter, e.g. "
                  "99898657G); check the member's card or the plan's assignment file");
  }
  if (v.date.empty()) {
    return Reject(kMissingField, Path(v.name, v.date_field),
                  "the record's date is missing; write the day it happened as YYYY-MM-DD");
  }
  if (auto bad = CheckOptionalDate(v.date, v.name, v.date_field, "record's date", today, true)) {
    return bad;
  }
  switch (s.record_case()) {
    case Submission::kOutreachAttempt: {
      const auto& r = s.outreach_attempt();
      if (r.method() == hub::v1::OUTREACH_METHOD_UNSPECIFIED) {
        return Reject(kMissingField, "outreach_attempt.method",
                      "the outreach method is missing; set in_person, telephone, video, "
                      "text_message, email or mail");
      }
      if (r.minutes() < 0 || r.minutes() > 1440) {
        return Reject(kOutOfRange, "outreach_attempt.minutes",
                      "minutes spent must be 0 to 1440 (one day); report one attempt per row");
      }
      break;
    }
    case Submission::kEnrollmentStatus:
      return CheckEnrollmentShape(s.enrollment_status(), today, reference);
    case Submission::kCarePlan:
      return CheckCarePlanShape(s.care_plan(), today);
    case Submission::kService: {
      const auto& r = s.service();
      if (auto bad = CheckBilledShape(v, r.charge_cents())) return bad;
      if (r.place_of_service().empty()) {
        return Reject(kMissingField, "service.place_of_service",
                      "the place of service is missing; write the 2-digit CMS code, e.g. 12 "
                      "(home) or 99 (other)");
      }
      if (r.place_of_service().size() != 2 || !absl::ascii_isdigit(r.place_of_service()[0]) ||
          !absl::ascii_isdigit(r.place_of_service()[1])) {
        return Reject(kOutOfRange, "service.place_of_service",
                      "the place of service is a 2-digit CMS code, e.g. 12 (home) or 99 "
                      "(other)");
      }
      if (r.staff_type() == hub::v1::STAFF_TYPE_UNSPECIFIED) {
        return Reject(kMissingField, "service.staff_type",
                      "the staff type is missing; set clinical or non_clinical");
      }
      break;
    }
    case Submission::kInvoiceLine: {
      const auto& r = s.invoice_line();
      if (r.invoice_number().empty()) {
        return Reject(kMissingField, "invoice_line.invoice_number",
                      "the invoice number is missing; write your invoice's number (1 to 30 "
                      "characters)");
      }
      if (r.invoice_number().size() > 30) {
        return Reject(kOutOfRange, "invoice_line.invoice_number",
                      "the invoice number is longer than 30 characters; shorten it");
      }
      if (r.line_number() < 1) {
        return Reject(kOutOfRange, "invoice_line.line_number",
                      "the invoice line number must be 1 or more");
      }
      if (auto bad = CheckBilledShape(v, r.charge_cents())) return bad;
      break;
    }
    case Submission::kReferralStatus:
      if (v.authorization_number.empty()) {
        return Reject(kMissingField, "referral_status.authorization_number",
                      "a referral status needs the plan's authorization (referral) number");
      }
      return CheckReferralShape(s.referral_status());
    case Submission::RECORD_NOT_SET:
      break;
  }
  return std::nullopt;
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
  return Path(v.name, "modifiers");
}

}  // namespace

const std::vector<SubmitReason>& SubmitReasons() {
  static auto* const reasons = new std::vector<SubmitReason>{
      {kInvalidIdempotencyKey,
       "The idempotency key is empty, longer than 64 characters, or has characters other than "
       "letters, digits and . _ : -.",
       "Give every record a key of 1 to 64 such characters that you never reuse for another "
       "record (e.g. your own record id)."},
      {kMissingRecord, "The submission carries no record.",
       "Set exactly one of outreach_attempt, enrollment_status, care_plan, service, "
       "invoice_line or referral_status."},
      {kInvalidCin, "The CIN is not 8 digits followed by an uppercase letter.",
       "Copy the member's CIN from the plan's assignment file or the member's card."},
      {kInvalidDate, "A date is not a real calendar day written as YYYY-MM-DD.",
       "Write dates in ISO form, e.g. 2026-11-03 (format spreadsheet cells as text)."},
      {kFutureDate, "The record's date (or the date of an event it reports) is after today (UTC).",
       "Report events once they happened; check the year and the month/day order."},
      {kMissingField, "A field the record's kind requires is empty.",
       "Fill in the field named in the error (see the field list of the record kind) and send "
       "the record again under a new idempotency key."},
      {kOutOfRange,
       "A number or code is outside its range: minutes 0-1440, units 1 or more, charges 0 or "
       "more, encounter counts 0 or more, place of service 2 digits, a listed DHCS "
       "discontinuation code, a goal status of open/met/discontinued.",
       "Correct the value named in the error."},
      {kMissingClosureReason,
       "A DECLINED or CLOSED referral status has no closure reason, or closure reason OTHER "
       "has no explanation.",
       "Add the closure reason (and for OTHER the reason in words)."},
      {kUnknownMember, "No member with this CIN is known to the hub.",
       "Check the CIN; a member becomes known when a plan sends the hub its assignment or "
       "authorization file listing them."},
      {kMemberNotCovered, "No plan covers the member on the record's date.",
       "Check the record's date; the member may have had no Medi-Cal plan that day. Ask the "
       "member's plan if you believe they were covered."},
      {kProviderNotContracted,
       "Your organization is unknown to the hub, or has no contract for this kind of service "
       "(ECM or Community Supports) with the plan covering the member on the record's date.",
       "Check the record's date and kind; if your contract is missing from the hub's "
       "directory, ask the county administrator to add it."},
      {kNotAssigned,
       "The plan covering the member on the record's date has not assigned the member to your "
       "organization for ECM on that date.",
       "Check the member and date against the plan's latest assignment file (MIF); ask the "
       "plan if the assignment is missing."},
      {kUnknownAuthorization,
       "The plan covering the member on the record's date has no authorization with this "
       "number.",
       "Check the authorization number against the plan's referral; if the member changed "
       "plans, the new plan must authorize the service."},
      {kNotAuthorized, "The authorization belongs to another provider or another member.",
       "Use the authorization the plan issued to your organization for this member."},
      {kAuthorizationNotActive,
       "The authorization is not approved (requested, denied or cancelled), or the record's "
       "date is outside its authorized period.",
       "Deliver and report services only within an approved authorization's dates; ask the "
       "plan to extend or approve it."},
      {kCodeModifierMismatch,
       "The HCPCS code or its modifiers do not bill the authorized Community Support (or, for "
       "ECM, are not a G9008 pair of the ECM table), or are malformed.",
       "Use a code and modifiers listed for the service in docs/submission-reasons.md "
       "(data/reference/community_supports.textproto)."},
      {kUnitsExceeded,
       "The units exceed what is left on the authorization (approved minus used, counting "
       "earlier records of the same submission).",
       "Report only the units left, and ask the plan for more units before delivering more."},
  };
  static const bool billing_rows = [] {  // Checked after these (billing_check.h).
    reasons->insert(reasons->end(), BillingSubmitReasons().begin(), BillingSubmitReasons().end());
    return true;
  }();
  (void)billing_rows;
  return *reasons;
}

hub::v1::RejectedRecord ToRejectedRecord(const Violation& violation) {
  hub::v1::RejectedRecord rejected;
  rejected.set_reason_code(violation.reason_code);
  auto* fv = rejected.mutable_bad_request()->add_field_violations();
  fv->set_field(violation.field);
  fv->set_description(violation.message);
  return rejected;
}

hub::v1::RecordKind KindOf(const Submission& submission) {
  switch (submission.record_case()) {
    case Submission::kOutreachAttempt:
      return hub::v1::RECORD_KIND_OUTREACH_ATTEMPT;
    case Submission::kEnrollmentStatus:
      return hub::v1::RECORD_KIND_ENROLLMENT_STATUS;
    case Submission::kCarePlan:
      return hub::v1::RECORD_KIND_CARE_PLAN;
    case Submission::kService:
      return hub::v1::RECORD_KIND_SERVICE;
    case Submission::kInvoiceLine:
      return hub::v1::RECORD_KIND_INVOICE_LINE;
    case Submission::kReferralStatus:
      return hub::v1::RECORD_KIND_REFERRAL_STATUS;
    case Submission::RECORD_NOT_SET:
      break;
  }
  return hub::v1::RECORD_KIND_UNSPECIFIED;
}

std::string_view RecordDateOf(const Submission& submission) { return ViewOf(submission).date; }

std::optional<Violation> CheckIdempotencyKey(std::string_view key) {
  bool ok = !key.empty() && key.size() <= 64;
  for (char c : key) {
    if (!ok) break;
    ok = absl::ascii_isalnum(c) || c == '.' || c == '_' || c == ':' || c == '-';
  }
  if (ok) return std::nullopt;
  return Reject(kInvalidIdempotencyKey, "idempotency_key",
                "the idempotency key must be 1 to 64 characters of letters, digits and . _ : - "
                "(e.g. your own record id); give every record its own key");
}

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
    : members_(members), coverage_(coverage), care_(care), reference_(reference) {}

absl::StatusOr<Verdict> SubmissionValidator::Validate(const hub::v1::Provider* provider,
                                                      const Submission& submission,
                                                      std::string_view today,
                                                      const PendingAuthorizations& pending) const {
  Verdict verdict;
  const RecordView v = ViewOf(submission);
  verdict.routed.kind = v.kind;
  if (auto bad = CheckShape(submission, v, today, *reference_)) {
    verdict.violation = std::move(bad);
    return verdict;
  }
  // Field paths are built only for a rejection.
  auto cin_field = [&v] { return Path(v.name, "cin"); };
  auto date_field = [&v] { return Path(v.name, v.date_field); };

  // 2. Member and covering plan.
  absl::StatusOr<hub::v1::Member> member = members_->Get(v.cin);
  if (absl::IsNotFound(member.status())) {
    verdict.violation = Reject(
        kUnknownMember, cin_field(),
        "no member with this CIN is known to the hub; check the CIN (a member is known once a "
        "plan's file lists them)");
    return verdict;
  }
  RETURN_IF_ERROR(member.status());
  absl::StatusOr<hub::v1::Coverage> coverage = coverage_->CoveringPlan(v.cin, v.date);
  if (absl::IsNotFound(coverage.status())) {
    verdict.violation = Reject(
        kMemberNotCovered, date_field(),
        "no plan covers the member on the record's date; check the date, or ask the member's "
        "plan about their coverage");
    return verdict;
  }
  RETURN_IF_ERROR(coverage.status());
  const std::string& plan_id = coverage->plan_id();
  verdict.routed.plan_id = plan_id;

  // 3. ECM or Community Supports, and the contract.
  bool cs = !v.authorization_number.empty() || v.kind == hub::v1::RECORD_KIND_REFERRAL_STATUS;
  if (v.billed && !cs && !reference_->IsEcmCode(v.code)) {
    verdict.violation =
        Reject(kMissingField, Path(v.name, "authorization_number"),
               absl::StrCat("this is not an ECM code (", reference_->DescribeEcmCodes(),
                            "), so it bills a Community Support and needs the plan's authorization "
                            "number"));
    return verdict;
  }
  if (provider == nullptr) {
    verdict.violation = Reject(kProviderNotContracted, "provider_id",
                               "your provider id is not in the hub's directory; check it, or "
                               "ask the county administrator to add your organization");
    return verdict;
  }
  if (!ContractedOn(*provider, plan_id, cs ? hub::v1::PROVIDER_KIND_CS : hub::v1::PROVIDER_KIND_ECM,
                    v.date)) {
    verdict.violation = Reject(
        kProviderNotContracted, date_field(),
        absl::StrCat("the member's plan on the record's date is ", plan_id,
                     ", and your organization has no ", KindWord(cs),
                     " contract with it in force on that date; check the date, or ask the county "
                     "administrator to record your contract"));
    return verdict;
  }

  if (!cs) {
    // 4. ECM: assigned by that plan on that date.
    ASSIGN_OR_RETURN(std::vector<hub::v1::Assignment> assignments,
                     care_->AssignmentsOn(v.cin, v.date));
    bool assigned = false;
    for (const hub::v1::Assignment& a : assignments) {
      assigned = assigned || (a.plan_id() == plan_id && a.provider_id() == provider->provider_id());
    }
    if (!assigned) {
      verdict.violation =
          Reject(kNotAssigned, cin_field(),
                 absl::StrCat("plan ", plan_id,
                              " has not assigned this member to your organization for ECM on the "
                              "record's date; check the member and date against the plan's latest "
                              "assignment file"));
      return verdict;
    }
    if (v.billed) {
      const std::vector<std::string> modifiers = ModifierVector(v);
      if (!reference_->FitsEcm(v.code, modifiers)) {
        const auto& rows = reference_->tables().ecm_codes();
        verdict.violation = Reject(
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
        return verdict;
      }
    }
    return verdict;
  }

  // 5. Community Supports: the plan's authorization.
  auto auth_field = [&v] { return Path(v.name, "authorization_number"); };
  const hub::v1::Authorization* pending_auth = pending.Find(plan_id, v.authorization_number);
  absl::StatusOr<hub::v1::Authorization> auth =
      pending_auth != nullptr ? absl::StatusOr<hub::v1::Authorization>(*pending_auth)
                              : care_->GetAuthorization(plan_id, v.authorization_number);
  if (absl::IsNotFound(auth.status())) {
    verdict.violation = Reject(
        kUnknownAuthorization, auth_field(),
        absl::StrCat("plan ", plan_id,
                     " (the member's plan on the record's date) has no authorization with this "
                     "number; check it against the plan's referral"));
    return verdict;
  }
  RETURN_IF_ERROR(auth.status());
  if (auth->provider_id() != provider->provider_id() || auth->cin() != v.cin) {
    verdict.violation =
        Reject(kNotAuthorized, auth_field(),
               "this authorization was issued to another provider or for another member; use the "
               "authorization the plan issued to your organization for this member");
    return verdict;
  }
  if (auth->status() != hub::v1::AUTHORIZATION_STATUS_APPROVED) {
    verdict.violation =
        Reject(kAuthorizationNotActive, auth_field(),
               "this authorization is not approved (it is requested, denied or cancelled); report "
               "services once the plan approves it");
    return verdict;
  }
  if ((!auth->start_date().empty() && v.date < auth->start_date()) ||
      (!auth->end_date().empty() && v.date > auth->end_date())) {
    verdict.violation = Reject(
        kAuthorizationNotActive, date_field(),
        "the record's date is outside the authorization's approved period; check the date, or "
        "ask the plan to extend the authorization");
    return verdict;
  }
  if (v.billed) {
    const hub::v1::CommunitySupport support = auth->community_support();
    if (!reference_->CodeBillsCommunitySupport(support, v.code)) {
      verdict.violation =
          Reject(kCodeModifierMismatch, Path(v.name, "hcpcs_code"),
                 absl::StrCat("the code does not bill the authorized Community Support (",
                              hub::v1::CommunitySupport_Name(support), "), which bills ",
                              reference_->DescribeCommunitySupportCodes(support)));
      return verdict;
    }
    const std::vector<std::string> modifiers = ModifierVector(v);
    if (!reference_->FitsCommunitySupport(support, v.code, modifiers)) {
      const auto& rows = reference_->tables().community_support_codes();
      verdict.violation = Reject(
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
      return verdict;
    }
    const int left = auth->units_approved() - auth->units_used();
    if (v.units > left) {
      verdict.violation =
          Reject(kUnitsExceeded, Path(v.name, "units"),
                 absl::StrCat("the authorization has ", left < 0 ? 0 : left,
                              " units left, fewer than this line reports; report at most the units "
                              "left and ask the plan for more"));
      return verdict;
    }
    verdict.routed.units_used = v.units;
    verdict.routed.authorization = *std::move(auth);
  }
  return verdict;
}

}  // namespace hub
