// Dry-running a plan file against an adapter profile, without a hub: what
// `hubprofile check` (adapters/tools/) and `hubctl profile check` print.
//
// CompileProfileText parses and compiles a profile exactly as hubd does
// (text format, adapter factory by name); CheckPlanFile reads a file with
// it: the file-level verdict, rows read, mapped and rejected, the first row
// errors (row numbers, fields and reason codes; never values) and how many
// rows fill each column. It does not apply the hub's own checks that need
// the directory or the store (provider NPIs, contracts, coverage
// conflicts): upload the file for those.
//
// Pure: (profile text, bytes) in, a report out. Thread-compatible.
#ifndef HUB_ADAPTERS_PROFILE_CHECK_H_
#define HUB_ADAPTERS_PROFILE_CHECK_H_

#include <cstdint>
#include <istream>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "adapters/plan_adapter.h"
#include "adapters/readers/record.h"
#include "hub/v1/adapter_config.pb.h"

namespace hub::adapters {

struct CompiledProfile {
  hub::v1::PlanProfile profile;
  std::unique_ptr<PlanAdapter> adapter;
};

// Parses `text` (a hub.v1.PlanProfile) and builds its adapter with the
// built-in registry. InvalidArgument naming `display_name`:line:column for
// syntax errors, or the layout and mapping at fault.
absl::StatusOr<CompiledProfile> CompileProfileText(std::string_view text,
                                                   std::string_view display_name);

// The version of what reads `kind` in `profile`: the first 16 hex digits of
// the SHA-256 of its adapter factory, layout and code maps (deterministic
// serialization). Equal profiles give equal versions; any change to the
// layout or a code map gives a new one.
std::string ProfileVersion(const hub::v1::PlanProfile& profile, hub::v1::FileKind kind);

struct ColumnFill {
  std::string column;
  int64_t filled = 0;
};

struct FileCheck {
  // Empty if the file reads; else the FILE_* code and the reader's message.
  std::string file_error_code;
  std::string file_error;
  int64_t rows_read = 0;
  int64_t rows_mapped = 0;
  int64_t rows_rejected = 0;
  // The first row errors, in file order.
  std::vector<RowError> errors;
  // Per column of the file (header names, "#N" or 834 field names): the
  // data rows whose cell is not empty.
  std::vector<ColumnFill> fill;
};

// Reads `in` as a file of `kind` with `profile`. NotFound if the profile has
// no layout for the kind; other errors only for a failing stream.
absl::StatusOr<FileCheck> CheckPlanFile(const CompiledProfile& profile, hub::v1::FileKind kind,
                                        std::istream& in, size_t max_errors = 50);

// "assignment", "authorization", "quality", "rtf", "otf", "invoice" ->
// the FileKind; UNSPECIFIED for anything else.
hub::v1::FileKind FileKindOfWord(std::string_view word);

}  // namespace hub::adapters

#endif  // HUB_ADAPTERS_PROFILE_CHECK_H_
