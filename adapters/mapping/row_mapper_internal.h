// Implementation details of RowMapper (adapters/mapping/row_mapper.h) shared
// by row_mapper.cc (compiling a profile, binding a header) and
// row_mapper_rows.cc (mapping a row in, rendering one out). Included only by
// those two.
#ifndef HUB_ADAPTERS_MAPPING_ROW_MAPPER_INTERNAL_H_
#define HUB_ADAPTERS_MAPPING_ROW_MAPPER_INTERNAL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "adapters/mapping/row_mapper.h"
#include "base/civil_date.h"
#include "google/protobuf/descriptor.h"
#include "hub/v1/plan_file.pb.h"

namespace hub::adapters {
namespace row_mapper_internal {

// Upper-cases and drops spaces and underscores: how header names and code
// values are compared.
std::string Fold(std::string_view s);

// A yes/no cell: Y, YES, 1, TRUE, X are yes; empty, N, NO, 0, FALSE no.
enum class Flag { kYes, kNo, kInvalid };
Flag ParseFlag(std::string_view v);

// `s` without leading and trailing blanks (and a trailing carriage return).
std::string_view Trim(std::string_view s);

RowError MakeError(int64_t row, const std::string& field, std::string_view code,
                   std::string message);

// Applies `normalize` to `buffer` in order.
void Normalize(const std::vector<hub::v1::Normalization>& normalize, std::string& buffer);

}  // namespace row_mapper_internal

struct CompiledCodeMap {
  std::string name;
  absl::flat_hash_map<std::string, std::string> to_canonical;  // Fold(plan) -> canonical
  absl::flat_hash_map<std::string, std::string> to_plan;       // Fold(canonical) -> plan
};

struct RowMapper::Field {
  std::string source;
  std::string target;
  std::vector<const google::protobuf::FieldDescriptor*> path;  // Messages, then the leaf.
  // reflections[p] is the Reflection of the message holding path[p],
  // resolved once: GetReflection() per row costs a call_once and TLS.
  std::vector<const google::protobuf::Reflection*> reflections;
  bool required = false;
  bool is_date = false;
  DateFormat date_format = DateFormat::kIso;
  std::shared_ptr<const CompiledCodeMap> code_map;
  const google::protobuf::EnumValueDescriptor* when_yes = nullptr;
  std::string split;
  std::vector<hub::v1::Normalization> normalize;
  std::string default_value;

  // Enum targets, resolved once at Create so the per-row path does no name
  // building: upper-cased full and short value names -> value; with a code
  // map, Fold(plan value) -> value; and the value a row renders as, by
  // value index (its short name, or its plan value through the code map).
  absl::flat_hash_map<std::string, const google::protobuf::EnumValueDescriptor*> enum_by_name;
  absl::flat_hash_map<std::string, const google::protobuf::EnumValueDescriptor*> enum_by_code;
  std::vector<std::string> enum_rendering;
  std::vector<bool> enum_renderable;

  const google::protobuf::FieldDescriptor* leaf() const { return path.back(); }
};
}  // namespace hub::adapters

#endif  // HUB_ADAPTERS_MAPPING_ROW_MAPPER_INTERNAL_H_
