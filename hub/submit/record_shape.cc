#include "hub/submit/record_shape.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/civil_date.h"
#include "base/identifiers.h"
#include "base/string_view.h"
#include "hub/common/contract_check.h"

namespace hub {
namespace {

using hub::v1::Submission;

// An optional date: empty is fine; otherwise a real ISO day, and not after
// `today` when `past_only`.
// `record`.`field` names the date (the path is built only on failure).
std::optional<Violation> CheckOptionalDate(std::string_view value, std::string_view record,
                                           std::string_view field, std::string_view what,
                                           std::string_view today, bool past_only) {
  if (value.empty()) return std::nullopt;
  if (!CivilDate::ParseIso(value).ok()) {
    return MakeViolation(kInvalidDate, FieldPath(record, field),
                         absl::StrCat("the ", Absl(what),
                                      " is not a real calendar day in YYYY-MM-DD form; write it as "
                                      "e.g. 2026-01-31"));
  }
  if (past_only && value > today) {
    return MakeViolation(
        kFutureDate, FieldPath(record, field),
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
// (Units and charge ranges are the contract's: CheckShape checks them first.)
std::optional<Violation> CheckBilledShape(const RecordView& v) {
  if (v.code.empty()) {
    return MakeViolation(
        kMissingField, FieldPath(v.name, "hcpcs_code"),
        "the HCPCS code is missing; write the 5-character code billed, e.g. G9008 for "
        "ECM or H0043 for housing transition navigation");
  }
  if (!IsHcpcsShape(v.code)) {
    return MakeViolation(
        kCodeModifierMismatch, FieldPath(v.name, "hcpcs_code"),
        "the HCPCS code must be an uppercase letter and 4 digits, e.g. G9008 or H0043; "
        "docs/submission-reasons.md lists the codes the hub accepts");
  }
  for (int i = 0; i < v.modifiers->size(); ++i) {
    if (!IsModifierShape(v.modifiers->Get(i))) {
      return MakeViolation(
          kCodeModifierMismatch, absl::StrCat(Absl(v.name), ".modifiers[", i, "]"),
          "a modifier is 2 uppercase letters or digits, e.g. U6; write one modifier "
          "per list entry");
    }
  }
  return std::nullopt;
}

std::optional<Violation> CheckEnrollmentShape(const hub::v1::EnrollmentStatusUpdate& r,
                                              std::string_view today,
                                              const ReferenceTables& reference) {
  constexpr std::string_view k = "enrollment_status";
  if (r.status() == hub::v1::ENROLLMENT_STATUS_UNSPECIFIED) {
    return MakeViolation(
        kMissingField, FieldPath(k, "status"),
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
    return MakeViolation(kOutOfRange, FieldPath(k, "enrollment_end_date"),
                         "the ECM enrollment end date is before its start date; check both dates");
  }
  const bool discontinued = r.status() == hub::v1::ENROLLMENT_STATUS_DISCONTINUED;
  if (discontinued || r.has_discontinuation()) {
    const hub::v1::Discontinuation& d = r.discontinuation();
    if (d.date().empty()) {
      return MakeViolation(
          kMissingField, FieldPath(k, "discontinuation.date"),
          "a discontinued ECM status needs the last day of ECM (discontinuation date)");
    }
    if (auto v = CheckOptionalDate(d.date(), k, "discontinuation.date", "discontinuation date",
                                   today, false)) {
      return v;
    }
    if (d.dhcs_code() == 0) {
      return MakeViolation(kMissingField, FieldPath(k, "discontinuation.dhcs_code"),
                           absl::StrCat("a discontinuation needs its DHCS reason code, one of ",
                                        reference.DescribeDiscontinuationCodes(), " (15 = other)"));
    }
    if (!reference.IsDiscontinuationCode(d.dhcs_code())) {
      return MakeViolation(kOutOfRange, FieldPath(k, "discontinuation.dhcs_code"),
                           absl::StrCat("the DHCS discontinuation reason code is not one of ",
                                        reference.DescribeDiscontinuationCodes(),
                                        "; use 15 (other) with a reason if none fits"));
    }
    if (d.dhcs_code() == 15 && d.reason().empty()) {
      return MakeViolation(kMissingField, FieldPath(k, "discontinuation.reason"),
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
    return MakeViolation(
        kMissingField, FieldPath(k, "goals"),
        "a care plan needs at least one goal; add the member's goals and send it again");
  }
  for (int i = 0; i < r.goals_size(); ++i) {
    const hub::v1::CarePlanGoal& goal = r.goals(i);
    const std::string path = absl::StrCat("care_plan.goals[", i, "]");
    if (goal.description().empty()) {
      return MakeViolation(kMissingField, absl::StrCat(path, ".description"),
                           "each goal needs a description in plain words");
    }
    if (auto v = CheckOptionalDate(goal.target_date(), path, "target_date", "goal's target date",
                                   today, false)) {
      return v;
    }
    if (!goal.status().empty() && goal.status() != "open" && goal.status() != "met" &&
        goal.status() != "discontinued") {
      return MakeViolation(kOutOfRange, absl::StrCat(path, ".status"),
                           "a goal's status is \"open\", \"met\" or \"discontinued\" (or empty)");
    }
  }
  return std::nullopt;
}

std::optional<Violation> CheckReferralShape(const hub::v1::ReferralStatusUpdate& r) {
  constexpr std::string_view k = "referral_status";
  if (r.status() == hub::v1::REFERRAL_STATUS_UNSPECIFIED) {
    return MakeViolation(kMissingField, FieldPath(k, "status"),
                         "the referral status is missing; set received, accepted, declined, "
                         "in_progress or closed");
  }
  const bool closing = r.status() == hub::v1::REFERRAL_STATUS_DECLINED ||
                       r.status() == hub::v1::REFERRAL_STATUS_CLOSED;
  if (closing && r.closure_reason() == hub::v1::LOOP_CLOSURE_REASON_UNSPECIFIED) {
    return MakeViolation(kMissingClosureReason, FieldPath(k, "closure_reason"),
                         "a declined or closed referral needs the reason the loop closed (e.g. "
                         "service_received, member_declined, unable_to_contact, other)");
  }
  if (r.closure_reason() == hub::v1::LOOP_CLOSURE_REASON_OTHER && r.closure_reason_text().empty()) {
    return MakeViolation(
        kMissingClosureReason, FieldPath(k, "closure_reason_text"),
        "closure reason \"other\" needs the reason in words (closure_reason_text)");
  }
  return std::nullopt;
}

// The checks of one kind's own fields.
std::optional<Violation> CheckKindShape(const Submission& s, const RecordView& v,
                                        std::string_view today, const ReferenceTables& reference) {
  switch (s.record_case()) {
    case Submission::kOutreachAttempt: {
      const auto& r = s.outreach_attempt();
      if (r.method() == hub::v1::OUTREACH_METHOD_UNSPECIFIED) {
        return MakeViolation(kMissingField, "outreach_attempt.method",
                             "the outreach method is missing; set in_person, telephone, video, "
                             "text_message, email or mail");
      }
      break;
    }
    case Submission::kEnrollmentStatus:
      return CheckEnrollmentShape(s.enrollment_status(), today, reference);
    case Submission::kCarePlan:
      return CheckCarePlanShape(s.care_plan(), today);
    case Submission::kService: {
      const auto& r = s.service();
      if (auto bad = CheckBilledShape(v)) return bad;
      if (r.place_of_service().empty()) {
        return MakeViolation(kMissingField, "service.place_of_service",
                             "the place of service is missing; write the 2-digit CMS code, e.g. 12 "
                             "(home) or 99 (other)");
      }
      if (r.place_of_service().size() != 2 || !absl::ascii_isdigit(r.place_of_service()[0]) ||
          !absl::ascii_isdigit(r.place_of_service()[1])) {
        return MakeViolation(kOutOfRange, "service.place_of_service",
                             "the place of service is a 2-digit CMS code, e.g. 12 (home) or 99 "
                             "(other)");
      }
      if (r.staff_type() == hub::v1::STAFF_TYPE_UNSPECIFIED) {
        return MakeViolation(kMissingField, "service.staff_type",
                             "the staff type is missing; set clinical or non_clinical");
      }
      break;
    }
    case Submission::kInvoiceLine: {
      const auto& r = s.invoice_line();
      if (r.invoice_number().empty()) {
        return MakeViolation(kMissingField, "invoice_line.invoice_number",
                             "the invoice number is missing; write your invoice's number (1 to 30 "
                             "characters)");
      }
      if (r.invoice_number().size() > 30) {
        return MakeViolation(kOutOfRange, "invoice_line.invoice_number",
                             "the invoice number is longer than 30 characters; shorten it");
      }
      if (auto bad = CheckBilledShape(v)) return bad;
      break;
    }
    case Submission::kReferralStatus:
      // Without an authorization number it is an ECM referral's status,
      // checked against the plan's assignment (submit_validation.cc).
      return CheckReferralShape(s.referral_status());
    case Submission::RECORD_NOT_SET:
      break;
  }
  return std::nullopt;
}

// Services and invoice lines carry the billed fields under the same names
// (hub.v1.Service, hub.v1.InvoiceLine): one view serves both.
template <typename BilledRecord>
void ViewBilled(const BilledRecord& r, std::string_view name, RecordView& v) {
  v.name = name;
  v.cin = r.cin();
  v.date_field = "service_date";
  v.date = r.service_date();
  v.authorization_number = r.authorization_number();
  v.billed = true;
  v.code = r.hcpcs_code();
  v.modifiers = &r.modifiers();
  v.units = r.units();
}

}  // namespace

Violation MakeViolation(std::string_view code, std::string field, std::string message) {
  return Violation{std::string(code), std::move(field), std::move(message)};
}

std::string FieldPath(std::string_view record, std::string_view field) {
  return absl::StrCat(Absl(record), ".", Absl(field));
}

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
    case Submission::kService:
      ViewBilled(s.service(), "service", v);
      break;
    case Submission::kInvoiceLine:
      ViewBilled(s.invoice_line(), "invoice_line", v);
      break;
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

// Checks that need no store: record set, CIN, dates, required fields,
// ranges.
std::optional<Violation> CheckShape(const Submission& s, const RecordView& v,
                                    std::string_view today, const ReferenceTables& reference) {
  if (s.record_case() == Submission::RECORD_NOT_SET) {
    return MakeViolation(kMissingRecord, "record",
                         "the submission holds no record; set one of outreach_attempt, "
                         "enrollment_status, care_plan, service, invoice_line or referral_status");
  }
  // The contract first: every enum a declared value, every number within
  // the range its field declares (hub.v1.rules).
  if (std::optional<ContractViolation> bad = CheckContract(s)) {
    return MakeViolation(kOutOfRange, std::move(bad->field), std::move(bad->message));
  }
  if (v.cin.empty()) {
    return MakeViolation(kMissingField, FieldPath(v.name, "cin"),
                         "the member's CIN is missing; write the 9-character Medi-Cal CIN");
  }
  if (!ValidateCin(v.cin).ok()) {
    return MakeViolation(kInvalidCin, FieldPath(v.name, "cin"),
                         "the CIN is not a Medi-Cal CIN (8 digits then an uppercase letter, e.g. "
                         "99898657G); check the member's card or the plan's assignment file");
  }
  if (v.date.empty()) {
    return MakeViolation(kMissingField, FieldPath(v.name, v.date_field),
                         "the record's date is missing; write the day it happened as YYYY-MM-DD");
  }
  if (auto bad = CheckOptionalDate(v.date, v.name, v.date_field, "record's date", today, true)) {
    return bad;
  }
  return CheckKindShape(s, v, today, reference);
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
  return MakeViolation(
      kInvalidIdempotencyKey, "idempotency_key",
      "the idempotency key must be 1 to 64 characters of letters, digits and . _ : - "
      "(e.g. your own record id); give every record its own key");
}

}  // namespace hub
