// Writing a plan's native files from canonical rows, with deterministic
// injected errors and a manifest of what was injected where.
//
// WritePlanFile streams rows through a PlanAdapter's renderer (the plan's own
// layout: delimited, fixed width or X12 834) and hands the bytes to a sink in
// chunks of about 64 KiB, so a 5,000,000-row file needs bounded memory.
//
// Error injection happens at the canonical level, before rendering, so it
// works for every layout: whether row n is corrupted, and how, is a pure
// function of (ErrorInjection::seed, n). Kinds and the reason code the hub
// reports for each:
//   bad CIN (7 digits + letter, 9 digits, letter first)  ROW_BAD_CIN (ingest)
//   NPI not in the directory (Luhn-valid)                ROW_UNKNOWN_PROVIDER (ingest)
//   NPI of a provider with no contract with the plan     ROW_PROVIDER_NOT_CONTRACTED (ingest)
//   required value missing (CIN; NPI in quality files)   ROW_REQUIRED_MISSING (parser);
//                                                        834: ROW_MISSING_SEGMENT (REF*0F)
//   impossible date (month 13), same width               ROW_BAD_DATE (parser); not for 834
// A bad date cannot pass through a renderer (it parses ISO dates), so the
// row is rendered with a sentinel date (2199-12-31) and its rendered form is
// patched to month 13 in the row's bytes (a post-render hook that works for
// delimited and fixed-width records). Quality rows carry no date.
#ifndef HUB_GENERATOR_NATIVE_FILES_H_
#define HUB_GENERATOR_NATIVE_FILES_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "adapters/plan_adapter.h"
#include "generator/county.h"
#include "google/protobuf/message.h"
#include "hub/v1/adapter_config.pb.h"
#include "hub/v1/plan_file.pb.h"

namespace hub::generator {

// Reason codes of the hub's ingest validation (not raised by adapters).
inline constexpr std::string_view kRowBadCin = "ROW_BAD_CIN";
inline constexpr std::string_view kRowUnknownProvider = "ROW_UNKNOWN_PROVIDER";
inline constexpr std::string_view kRowProviderNotContracted = "ROW_PROVIDER_NOT_CONTRACTED";

enum class InjectedErrorKind {
  kBadCin,
  kUnknownProvider,
  kProviderNotContracted,
  kRequiredMissing,
  kBadDate,
};

// Stable lower-case name, e.g. "bad_cin".
std::string_view InjectedErrorKindName(InjectedErrorKind kind);

// How one file is corrupted.
struct ErrorInjection {
  // Probability that a data row is corrupted (0..1).
  double rate = 0;
  // Decisions are a pure function of (seed, row number).
  uint64_t seed = 0;
  // Luhn-valid NPIs of no directory provider. Empty: no such errors.
  std::vector<std::string> unknown_npis;
  // NPIs of directory providers with no contract with the file's plan.
  // Empty: no such errors.
  std::vector<std::string> uncontracted_npis;
  // The layout is an X12 834: no date corruption, and an empty CIN is
  // reported by the 834 reader (ROW_MISSING_SEGMENT, REF*0F).
  bool x12 = false;
};

// One corrupted row.
struct InjectedError {
  // 1-based data row number as readers count it (header and trailer records
  // excluded; X12: member loop number).
  int64_t row_number = 0;
  InjectedErrorKind kind = InjectedErrorKind::kBadCin;
  // The reason code the hub reports for the row.
  std::string reason_code;
  // The canonical field corrupted, e.g. "member.cin", "provider_npi".
  std::string field;
  // True if the plan adapter's parser itself reports the row (OpenParser
  // row error); false if the row parses and the hub's validation rejects it.
  bool reported_by_parser = false;
};

// What WritePlanFile wrote.
struct FileManifest {
  int64_t rows = 0;                   // data rows
  int64_t bytes = 0;                  // bytes handed to the sink
  std::vector<InjectedError> errors;  // in row order
};

// Receives the file's bytes in order; a non-OK status stops writing.
using ChunkSink = std::function<absl::Status(std::string_view)>;
// Receives one canonical row (AssignmentFileRow, AuthorizationFileRow or
// QualityFileRow, matching the file kind).
using RowEmitter = std::function<absl::Status(const google::protobuf::Message&)>;
// Produces a file's rows by calling the emitter once per row, in order.
using RowSource = std::function<absl::Status(const RowEmitter&)>;

// Renders `rows` in `adapter`'s layout for `kind`, corrupting rows as
// `errors` says, and streams the bytes to `sink`. Memory does not grow with
// the number of rows (except the manifest's error list). Errors: NotFound if
// the plan has no layout for `kind`; the renderer's InvalidArgument if a row
// has no representation in the layout; the sink's or the source's status.
absl::StatusOr<FileManifest> WritePlanFile(const adapters::PlanAdapter& adapter,
                                           hub::v1::FileKind kind, const RowSource& rows,
                                           const adapters::RenderOptions& render,
                                           const ErrorInjection& errors, const ChunkSink& sink);

// The rows of `plan_id`'s file of `kind` (member assignment, CS
// authorization or quality report) from `county`. `county` must outlive
// the returned source.
RowSource CountyRows(const County& county, std::string plan_id, hub::v1::FileKind kind,
                     AssignmentRowOptions assignment_options = {});

// The layout of `kind` in `profile`, or nullptr.
const hub::v1::FileLayout* FindLayout(const hub::v1::PlanProfile& profile, hub::v1::FileKind kind);

// Which member rows a member assignment layout can carry: coverage-only rows
// when its provider_npi mapping is not required (e.g. Health Net's 834).
AssignmentRowOptions AssignmentRowOptionsFor(const hub::v1::FileLayout& layout);

// The error injection for one file of `plan_id`: rate = the county's
// error_rate, seed derived from (county seed, plan, kind), unknown NPIs
// derived from the seed, uncontracted NPIs from the directory.
ErrorInjection MakeErrorInjection(const County& county, std::string_view plan_id,
                                  hub::v1::FileKind kind, const hub::v1::FileLayout& layout);

// "assignment", "authorization" or "quality"; "" for other kinds.
std::string_view FileKindSlug(hub::v1::FileKind kind);
// File extension by format: "csv" (comma), "txt" (pipe or tab), "dat"
// (fixed width), "x12" (834).
std::string_view FileExtension(const hub::v1::FileLayout& layout);

}  // namespace hub::generator

#endif  // HUB_GENERATOR_NATIVE_FILES_H_
