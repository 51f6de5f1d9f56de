// RowMapper: the declarative half of a plan adapter. It turns one source row
// (field values by column) into a canonical row message, as a plan's
// FileLayout says, and renders a canonical row back into column values for
// files the hub writes in the plan's layout.
//
// Pure and immutable after Create: safe to share across threads.
#ifndef HUB_ADAPTERS_MAPPING_ROW_MAPPER_H_
#define HUB_ADAPTERS_MAPPING_ROW_MAPPER_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "adapters/readers/record.h"
#include "google/protobuf/message.h"
#include "hub/v1/adapter_config.pb.h"

namespace hub::adapters {

// Stable reason codes of mapping row errors (readers' codes are in
// adapters/readers/record.h).
inline constexpr std::string_view kRowRequiredMissing = "ROW_REQUIRED_MISSING";
inline constexpr std::string_view kRowBadDate = "ROW_BAD_DATE";
inline constexpr std::string_view kRowUnknownCode = "ROW_UNKNOWN_CODE";
inline constexpr std::string_view kRowBadNumber = "ROW_BAD_NUMBER";
inline constexpr std::string_view kRowBadFlag = "ROW_BAD_FLAG";

// The canonical row message for a file kind: AssignmentFileRow,
// AuthorizationFileRow, QualityFileRow (plan -> hub), ReturnTransmissionRow,
// OutreachTrackerRow, InvoiceFileRow (hub -> plan exports) or CboTemplateRow
// (the standard CBO CSV template). NotFound for kinds without one (the X12
// 837P has its own writer, adapters/writers/x12_837p_writer.h).
absl::StatusOr<const google::protobuf::Message*> CanonicalRowPrototype(hub::v1::FileKind kind);

class RowMapper {
 public:
  // Compiles `layout` of `profile` against `prototype` (the canonical row
  // message the layout's rows become). InvalidArgument names the mapping at
  // fault (its index and source) when a target path does not exist, an enum
  // or code map name is unknown, a date format is unknown, or when_yes/split
  // is used on a field that is not repeated.
  static absl::StatusOr<std::unique_ptr<RowMapper>> Create(
      const hub::v1::PlanProfile& profile, const hub::v1::FileLayout& layout,
      const google::protobuf::Message& prototype);

  // The mapping sources, in mapping order (e.g. header column names).
  const std::vector<std::string>& sources() const { return sources_; }

  // Which column of one file's records each mapping reads.
  using Binding = std::vector<int>;

  // Binds each mapping to a column of the file (ColumnMap matches names
  // ignoring case and whitespace; "#N" names column N, 1-based).
  // InvalidArgument lists every source column the file lacks.
  absl::StatusOr<Binding> Bind(const ColumnMap& columns) const;

  // Maps one row. `fields` are the row's values by column. Clears `out` (a
  // message of the prototype's type) and fills it. Appends one RowError per
  // field at fault to `errors` (row_number set) and returns false if any.
  // Never copies a value into an error message.
  bool Map(const Binding& binding, int64_t row_number, std::span<const std::string_view> fields,
           google::protobuf::Message& out, std::vector<RowError>& errors) const;

  // The identity of a row whose mapping failed: the trimmed, normalized
  // value of the mapping whose target identifies the record (member.cin for
  // member rows, authorization.authorization_number for authorization
  // rows), or "" if the layout has none or the row leaves it empty. PHI:
  // for RowError::identity only.
  std::string Identity(const Binding& binding, std::span<const std::string_view> fields) const;

  // Renders `row` into one value per mapping (mapping order), in the plan's
  // formats: dates in the mapping's format, enums through reverse code maps,
  // flags as Y/N. InvalidArgument if a value has no plan representation.
  absl::Status Render(const google::protobuf::Message& row, std::vector<std::string>& values) const;

  struct Field;  // A compiled mapping; defined in row_mapper.cc.
  ~RowMapper();

 private:
  RowMapper() = default;
  std::vector<std::string> sources_;
  std::vector<Field> fields_;
  // Index in fields_ of the identity mapping (see Identity); -1 if none.
  int identity_field_ = -1;
};

}  // namespace hub::adapters

#endif  // HUB_ADAPTERS_MAPPING_ROW_MAPPER_H_
