// The stable reason codes of rejected submissions, their table (meaning and
// what to do), and one rejection (Violation) as the RPC carries it.
//
// Every rejection names ONE reason code (the first failing check), the field
// at fault as a path relative to the Submission ("service.modifiers[0]",
// "outreach_attempt.attempt_date") and a sentence a person can act on.
// Messages never contain PHI: no CIN, name, date of birth or other value
// copied from the record (plan ids, counts and the reference code table may
// appear).
//
// Thread safety: everything here is immutable or a pure function.
#ifndef HUB_HUB_SUBMIT_SUBMIT_REASONS_H_
#define HUB_HUB_SUBMIT_SUBMIT_REASONS_H_

#include <string>
#include <string_view>
#include <vector>

#include "hub/v1/provider_service.pb.h"

namespace hub {

// The stable reason codes of rejected submissions.
inline constexpr std::string_view kInvalidIdempotencyKey = "INVALID_IDEMPOTENCY_KEY";
inline constexpr std::string_view kIdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED";
inline constexpr std::string_view kMissingRecord = "MISSING_RECORD";
inline constexpr std::string_view kInvalidCin = "INVALID_CIN";
inline constexpr std::string_view kInvalidDate = "INVALID_DATE";
inline constexpr std::string_view kFutureDate = "FUTURE_DATE";
inline constexpr std::string_view kMissingField = "MISSING_FIELD";
inline constexpr std::string_view kOutOfRange = "OUT_OF_RANGE";
inline constexpr std::string_view kMissingClosureReason = "MISSING_CLOSURE_REASON";
inline constexpr std::string_view kUnknownMember = "UNKNOWN_MEMBER";
inline constexpr std::string_view kMemberNotCovered = "MEMBER_NOT_COVERED";
inline constexpr std::string_view kProviderNotContracted = "PROVIDER_NOT_CONTRACTED";
inline constexpr std::string_view kNotAssigned = "NOT_ASSIGNED";
inline constexpr std::string_view kUnknownAuthorization = "UNKNOWN_AUTHORIZATION";
inline constexpr std::string_view kNotAuthorized = "NOT_AUTHORIZED";
inline constexpr std::string_view kAuthorizationNotActive = "AUTHORIZATION_NOT_ACTIVE";
inline constexpr std::string_view kCodeModifierMismatch = "CODE_MODIFIER_MISMATCH";
inline constexpr std::string_view kUnitsExceeded = "UNITS_EXCEEDED";

// One row of the reason table.
struct SubmitReason {
  std::string_view code;
  // What the code means.
  std::string_view meaning;
  // What the provider should do about it.
  std::string_view what_to_do;
};

// Every reason code, in check order. docs/submission-reasons.md documents
// the same table (a test keeps them in step).
const std::vector<SubmitReason>& SubmitReasons();

// One rejection: a reason code from SubmitReasons(), the field path and a
// sentence without PHI.
struct Violation {
  std::string reason_code;
  std::string field;
  std::string message;
};

// The RejectedRecord carrying `violation` (one google.rpc.BadRequest field
// violation).
hub::v1::RejectedRecord ToRejectedRecord(const Violation& violation);

}  // namespace hub

#endif  // HUB_HUB_SUBMIT_SUBMIT_REASONS_H_
