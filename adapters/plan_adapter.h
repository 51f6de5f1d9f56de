// PlanAdapter: one plan's native files <-> the hub's canonical rows.
//
// An adapter is pure: (its PlanProfile, bytes) -> canonical rows + row
// errors, and canonical rows -> bytes. No storage, no RPC, no clock. The
// declarative adapter (CreateDeclarativePlanAdapter) compiles every layout of
// a profile into a shared reader (delimited, fixed-width, X12 834) plus a
// RowMapper, so a plan whose layout an existing reader can read needs only a
// profile file.
//
// Adapters are immutable after creation and safe to share across threads;
// the parsers and renderers they open belong to one file and one thread.
#ifndef HUB_ADAPTERS_PLAN_ADAPTER_H_
#define HUB_ADAPTERS_PLAN_ADAPTER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "adapters/readers/record.h"
#include "google/protobuf/message.h"
#include "hub/v1/adapter_config.pb.h"
#include "hub/v1/plan_file.pb.h"

namespace hub::adapters {

// Receives the canonical rows of one file.
class CanonicalRowSink {
 public:
  virtual ~CanonicalRowSink() = default;
  // A row every field of which was read and mapped. `row` is the kind's
  // canonical message (CanonicalRowPrototype in mapping/row_mapper.h:
  // AssignmentFileRow, AuthorizationFileRow, QualityFileRow, the export rows
  // or CboTemplateRow), valid only during the call. A non-OK status stops the
  // parser: Feed/Finish return it.
  virtual absl::Status OnRow(int64_t row_number, const google::protobuf::Message& row) = 0;
  // A row that could not be read or mapped (one call per problem).
  virtual absl::Status OnRowError(const RowError& error) = 0;
};

// What the hub passes to a renderer so that adapters need no clock.
struct RenderOptions {
  // The day the file is produced, ISO "YYYY-MM-DD".
  std::string file_date = "2026-01-01";
  // Time of day, "HHMM".
  std::string file_time = "0000";
  // Interchange/file control number (X12 ISA13), 1 to 999999999.
  int64_t control_number = 1;
};

// Writes one file in a plan's layout. Append the rows, then Finish; bytes go
// to a caller-owned string the caller may drain between calls.
class PlanFileRenderer {
 public:
  virtual ~PlanFileRenderer() = default;
  // Appends one canonical row (header records come before the first).
  // Derived columns (mapping/derived_fields.h, e.g. an invoice's dollar
  // charge) are computed from the canonical fields.
  virtual absl::Status Add(const google::protobuf::Message& row, std::string& out) = 0;
  // Appends the trailer or envelope end; call once.
  virtual absl::Status Finish(std::string& out) = 0;
};

class PlanAdapter {
 public:
  virtual ~PlanAdapter() = default;

  // The profile name, e.g. "molina".
  virtual const std::string& name() const = 0;

  // True if the plan exchanges files of `kind`.
  virtual bool Handles(hub::v1::FileKind kind) const = 0;

  // Snapshot or delta for plan -> hub files of `kind`.
  virtual hub::v1::FileSemantics Semantics(hub::v1::FileKind kind) const = 0;

  // Starts parsing one file of `kind`: feed it the bytes; canonical rows and
  // row errors go to `sink` (not owned; must outlive the parser). A caller
  // must not commit what the sink received before Finish returned OK (end of
  // file checks such as trailer counts run last). NotFound if the plan has
  // no layout for `kind`.
  virtual absl::StatusOr<std::unique_ptr<StreamReader>> OpenParser(
      hub::v1::FileKind kind, CanonicalRowSink* sink) const = 0;

  // Starts rendering one file of `kind` in the plan's layout.
  virtual absl::StatusOr<std::unique_ptr<PlanFileRenderer>> OpenRenderer(
      hub::v1::FileKind kind, const RenderOptions& options) const = 0;
};

// The share of a snapshot file's data rows, in percent, that may be
// rejected for the file to be applied when the profile does not set
// max_rejected_rows_percent (see hub.v1.PlanProfile).
inline constexpr double kDefaultMaxRejectedRowsPercent = 10.0;

// `profile`'s max_rejected_rows_percent, or the default when unset.
inline double MaxRejectedRowsPercent(const hub::v1::PlanProfile& profile) {
  return profile.has_max_rejected_rows_percent() ? profile.max_rejected_rows_percent()
                                                 : kDefaultMaxRejectedRowsPercent;
}

// Compiles every layout of `profile`. InvalidArgument names the layout and
// mapping at fault (unknown target, code map, date format, reader options),
// or a max_rejected_rows_percent outside 0 to 100.
absl::StatusOr<std::unique_ptr<PlanAdapter>> CreateDeclarativePlanAdapter(
    const hub::v1::PlanProfile& profile);

}  // namespace hub::adapters

#endif  // HUB_ADAPTERS_PLAN_ADAPTER_H_
