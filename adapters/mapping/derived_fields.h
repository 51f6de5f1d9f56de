// Derived fields of the export rows (plan_file.proto): values a plan's file
// shows in another form than the canonical one, kept consistent in both
// directions by the adapter rather than by every caller.
//
//   InvoiceFileRow.charge        "125.00"  <->  line.charge_cents 12500
//   ReturnTransmissionRow.pof_indicator   Y whenever populations_of_focus
//                                         is not empty
//   populations of focus of a layout with age_neutral_populations_of_focus
//     (Kaiser's nine yes/no columns): a Children and Youth population is
//     rendered in its adult counterpart's column; read back, a member under
//     21 on the benefit start (else coverage start) gets the Children and
//     Youth population again.
//
// Plus the money helpers the CBO template uses. Pure functions; thread-safe.
#ifndef HUB_ADAPTERS_MAPPING_DERIVED_FIELDS_H_
#define HUB_ADAPTERS_MAPPING_DERIVED_FIELDS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/readers/record.h"
#include "google/protobuf/message.h"
#include "hub/v1/adapter_config.pb.h"

namespace hub::adapters {

// Cents as decimal dollars with two decimals: 12500 -> "125.00",
// 5 -> "0.05", -150 -> "-1.50".
std::string FormatDollars(int64_t cents);

// Decimal dollars as cents: "125", "125.5", "125.50", "$1,250.00" (a leading
// '$' and ',' thousands separators are accepted, as spreadsheets write
// them). nullopt for anything else: a sign, more than two decimals, no
// digits, or more than 15 integer digits.
std::optional<int64_t> ParseDollars(std::string_view text);

// The row to render in `layout`: `row` itself when it has no derived field,
// else a copy in `scratch` (reused between calls) with its derived fields
// filled from the canonical ones. The returned reference lives as long as
// all three.
const google::protobuf::Message& WithDerivedFields(
    const hub::v1::FileLayout& layout, const google::protobuf::Message& row,
    std::unique_ptr<google::protobuf::Message>& scratch);

// After `row` was mapped from a file of `layout`: fills the canonical fields
// from derived ones (InvoiceFileRow.charge -> line.charge_cents; the
// Children and Youth populations of an age-neutral layout). Appends a
// ROW_BAD_NUMBER RowError naming the layout's column (never its value) and
// returns false when a derived value cannot be read.
bool ResolveDerivedFields(const hub::v1::FileLayout& layout, int64_t row_number,
                          google::protobuf::Message& row, std::vector<RowError>& errors);

}  // namespace hub::adapters

#endif  // HUB_ADAPTERS_MAPPING_DERIVED_FIELDS_H_
