#include "hub/submit/submit_reasons.h"

#include "hub/submit/billing_check.h"

namespace hub {

const std::vector<SubmitReason>& SubmitReasons() {
  static auto* const reasons = new std::vector<SubmitReason>{
      {kInvalidIdempotencyKey,
       "The idempotency key is empty, longer than 64 characters, or has characters other than "
       "letters, digits and . _ : -.",
       "Give every record a key of 1 to 64 such characters that you never reuse for another "
       "record (e.g. your own record id)."},
      {kIdempotencyKeyReused,
       "The idempotency key was already used for a different record (the message names it); "
       "the first record stands and this one is not stored.",
       "Give this record its own key; resend the first record unchanged to read its result."},
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
       "A number or code is outside its range: an enum number the contract does not define "
       "(e.g. outreach method 99), minutes 0-1440, units 1-99999, charges 0 to 9999999999 "
       "cents, encounter counts 0-1000, invoice line 1-99999 (the hub.v1.rules of each "
       "field), place of service 2 digits, a listed DHCS discontinuation code, a goal status "
       "of open/met/discontinued.",
       "Correct the value named in the error."},
      {kMissingClosureReason,
       "A DECLINED or CLOSED referral status has no closure reason, or closure reason OTHER "
       "has no explanation.",
       "Add the closure reason (and for OTHER the reason in words)."},
      {kUnknownMember,
       "No member with this CIN is assigned or referred to your organization: the hub does not "
       "know the CIN, or no assignment or authorization of the member names you (the two "
       "answers are the same, so the hub tells no one who its members are).",
       "Check the CIN against the plan's assignment file or referral; a member becomes known "
       "when a plan sends the hub its assignment or authorization file listing them."},
      {kMemberNotCovered, "No plan covers the member on the record's date.",
       "Check the record's date; the member may have had no Medi-Cal plan that day. Ask the "
       "member's plan if you believe they were covered."},
      {kProviderNotContracted,
       "Your organization is unknown to the hub, or has no contract for this kind of service "
       "(ECM or Community Supports) with the plan covering the member on the record's date (the "
       "plan is not named).",
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

}  // namespace hub
