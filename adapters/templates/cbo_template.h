// The standard CBO CSV template: one documented file layout, the same for
// every plan, for organizations that keep their records in a spreadsheet
// (docs/cbo-csv-template.md). Each row is one record; `record_type` says
// which: outreach, enrollment_status, service, invoice_line or
// referral_status. Care plans are not in the template (goals and care teams
// do not fit a row); they go through ProviderService.Submit.
//
// Reading a file has two steps, both pure (no storage, RPC or clock):
//   1. the template's layout (adapters/templates/cbo_template.textproto,
//      compiled into the binary) reads bytes into CboTemplateRow rows,
//      reporting unreadable values (ROW_BAD_DATE, ROW_BAD_NUMBER,
//      ROW_UNKNOWN_CODE, ROW_BAD_FLAG...) per column;
//   2. SubmissionFromTemplateRow turns a row into a hub.v1.Submission and
//      checks what its record type needs (ROW_REQUIRED_MISSING,
//      ROW_UNKNOWN_RECORD_TYPE, ROW_BAD_NUMBER, ROW_INVALID_VALUE,
//      ROW_BAD_CIN).
// OpenCboTemplateReader does both as one streaming reader. The hub's own
// checks (member covered, provider assigned or authorized, units left, no
// future dates) run afterwards, in ProviderService.
//
// RowErrors name the template column at fault and the reason; they never
// contain the column's value (it may be PHI). Everything here is immutable or
// per-file; the functions are thread-safe.
#ifndef HUB_ADAPTERS_TEMPLATES_CBO_TEMPLATE_H_
#define HUB_ADAPTERS_TEMPLATES_CBO_TEMPLATE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "adapters/plan_adapter.h"
#include "adapters/readers/record.h"
#include "hub/v1/adapter_config.pb.h"
#include "hub/v1/plan_file.pb.h"
#include "hub/v1/submission.pb.h"

namespace hub::adapters {

// A CIN that is not 8 digits then a letter.
inline constexpr std::string_view kRowBadCin = "ROW_BAD_CIN";

// Values of the record_type column (compared ignoring case, spaces and
// underscores).
inline constexpr std::string_view kTemplateOutreach = "outreach";
inline constexpr std::string_view kTemplateEnrollmentStatus = "enrollment_status";
inline constexpr std::string_view kTemplateService = "service";
inline constexpr std::string_view kTemplateInvoiceLine = "invoice_line";
inline constexpr std::string_view kTemplateReferralStatus = "referral_status";

// The template's profile (name "cbo_template", one FILE_KIND_CBO_SUBMISSIONS
// layout), parsed from the copy compiled into the binary.
const hub::v1::PlanProfile& CboTemplateProfile();

// The adapter that reads and renders the template (kind
// FILE_KIND_CBO_SUBMISSIONS; rows are CboTemplateRow). Built once; shared.
// Internal only if the compiled-in profile is broken (a build defect).
absl::StatusOr<const PlanAdapter*> CboTemplateAdapter();

// The template's column names, in file order (the header row).
std::vector<std::string> CboTemplateColumns();

// Builds the Submission that `row` (data row `row_number`, 1-based) stands
// for: the oneof chosen by record_type, filled from the columns that record
// type uses (the others are ignored); charge "125.00" becomes 12500 cents.
// On success, OK with the submission (idempotency_key as the row gave it,
// possibly empty: the uploading service then assigns one). Otherwise
// InvalidArgument naming the row, columns and reason codes (never values),
// and, when `errors` is given, one RowError per problem appended to it
// (row_number set, field = the template column).
absl::StatusOr<hub::v1::Submission> SubmissionFromTemplateRow(
    const hub::v1::CboTemplateRow& row, int64_t row_number,
    std::vector<RowError>* errors = nullptr);

// The inverse, for writing template files (examples, tests, the county
// generator): the row that reads back as `submission`. InvalidArgument for a
// care plan or an empty submission.
absl::StatusOr<hub::v1::CboTemplateRow> TemplateRowFromSubmission(
    const hub::v1::Submission& submission);

// Receives what OpenCboTemplateReader reads.
class SubmissionSink {
 public:
  virtual ~SubmissionSink() = default;
  // A row that became a submission (valid only during the call). Non-OK
  // stops the reader: Feed/Finish return it.
  virtual absl::Status OnSubmission(int64_t row_number, const hub::v1::Submission& submission) = 0;
  // A rejected row (one call per problem; a row may have several).
  virtual absl::Status OnRowError(const RowError& error) = 0;
};

// Starts reading one template file: feed it bytes, then Finish (see
// StreamReader in readers/record.h; file-level problems such as a missing
// column reject the file whole with a FILE_* code). `sink` is not owned and
// must outlive the reader. stats().rows_rejected counts rows rejected at
// either step. As with plan files, commit nothing before Finish returned OK.
absl::StatusOr<std::unique_ptr<StreamReader>> OpenCboTemplateReader(SubmissionSink* sink);

}  // namespace hub::adapters

#endif  // HUB_ADAPTERS_TEMPLATES_CBO_TEMPLATE_H_
