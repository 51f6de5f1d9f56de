// The pure per-record checks of a provider's submission (hub.v1.Submission):
// what can be told from the record alone, with no store and no clock
// ("today" is passed in). Step 1 of SubmissionValidator (submit_validation.h):
// a record set; the contract (hub/common/contract_check.h: every enum a
// declared value, every number within its field's hub.v1.rules range:
// OUT_OF_RANGE naming the field); the CIN's format, dates real ISO days and
// not in the future, the fields its kind requires, closure reasons.
// Each failure is ONE Violation (submit_reasons.h) naming the field.
//
// Thread safety: pure functions.
#ifndef HUB_HUB_SUBMIT_RECORD_SHAPE_H_
#define HUB_HUB_SUBMIT_RECORD_SHAPE_H_

#include <optional>
#include <string>
#include <string_view>

#include "hub/common/reference_tables.h"
#include "hub/submit/submit_reasons.h"
#include "hub/v1/submission.pb.h"

namespace hub {

// The parts of a record the generic checks need, whatever its kind. Views
// into the Submission, which must outlive it.
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

// The view of `submission` (kind UNSPECIFIED and empty names if no record).
RecordView ViewOf(const hub::v1::Submission& submission);

// The kind of record `submission` holds (UNSPECIFIED if none).
hub::v1::RecordKind KindOf(const hub::v1::Submission& submission);

// The record's routing date ("" if no record is set).
std::string_view RecordDateOf(const hub::v1::Submission& submission);

// nullopt if `key` is 1 to 64 characters of [A-Za-z0-9._:-]; otherwise the
// INVALID_IDEMPOTENCY_KEY violation.
std::optional<Violation> CheckIdempotencyKey(std::string_view key);

// "<record>.<field>", the path a Violation names.
std::string FieldPath(std::string_view record, std::string_view field);

// A Violation of reason `code` at `field`.
Violation MakeViolation(std::string_view code, std::string field, std::string message);

// The checks that need no store: record set, CIN, dates (none after
// `today`, "YYYY-MM-DD", where the field reports a past event), required
// fields of the kind, ranges, closure reasons. nullopt if the record passes.
std::optional<Violation> CheckShape(const hub::v1::Submission& submission, const RecordView& view,
                                    std::string_view today, const ReferenceTables& reference);

}  // namespace hub

#endif  // HUB_HUB_SUBMIT_RECORD_SHAPE_H_
