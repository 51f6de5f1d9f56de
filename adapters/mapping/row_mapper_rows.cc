// RowMapper::Map, Identity and Render: one row of a plan file in, one out.
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "adapters/mapping/row_mapper.h"
#include "adapters/mapping/row_mapper_internal.h"
#include "base/civil_date.h"
#include "base/status_macros.h"
#include "base/string_view.h"
#include "google/protobuf/descriptor.h"
#include "hub/v1/plan_file.pb.h"

namespace hub::adapters {

using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

using row_mapper_internal::Flag;
using row_mapper_internal::Fold;
using row_mapper_internal::MakeError;
using row_mapper_internal::Normalize;
using row_mapper_internal::ParseFlag;
using row_mapper_internal::Trim;

namespace {

using Field = RowMapper::Field;

// The message that holds f's leaf in `out`, its parent messages created.
Message* MutableLeafParent(const Field& f, Message& out) {
  Message* m = &out;
  for (size_t p = 0; p + 1 < f.path.size(); ++p) {
    m = f.reflections[p]->MutableMessage(m, f.path[p]);
  }
  return m;
}

// A when_yes mapping's cell: a yes adds f.when_yes to the repeated enum, a
// no adds nothing. False (and one error) if the cell is not a yes or a no.
bool MapFlagCell(const Field& f, int64_t row_number, std::string_view raw, Message& out,
                 std::vector<RowError>& errors) {
  Flag flag = ParseFlag(raw);
  if (flag == Flag::kInvalid) {
    errors.push_back(MakeError(
        row_number, f.source, kRowBadFlag,
        absl::StrCat("column ", f.source, " must be Y or N (also YES/NO, 1/0, TRUE/FALSE)")));
    return false;
  }
  if (flag == Flag::kYes) {
    f.reflections.back()->AddEnum(MutableLeafParent(f, out), f.leaf(), f.when_yes);
  }
  return true;
}

// Translates a plan code in `buffer` through f's code map: an enum target's
// value into `mapped_enum`, any other target's canonical text into `buffer`.
// False (and one error) if the code is not in the map.
bool TranslatePlanCode(const Field& f, int64_t row_number, std::string& buffer,
                       const EnumValueDescriptor*& mapped_enum, std::vector<RowError>& errors) {
  const std::string key = Fold(buffer);
  bool known = false;
  if (f.leaf()->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
    auto it = f.enum_by_code.find(key);
    known = it != f.enum_by_code.end();
    if (known) mapped_enum = it->second;
  } else {
    auto it = f.code_map->to_canonical.find(key);
    known = it != f.code_map->to_canonical.end();
    if (known) buffer = it->second;
  }
  if (!known) {
    errors.push_back(
        MakeError(row_number, f.source, kRowUnknownCode,
                  absl::StrCat("column ", f.source, " has a code that is not in the plan's \"",
                               f.code_map->name, "\" code list; use one of the listed codes")));
  }
  return known;
}

// Sets (or, for a repeated leaf, adds) an enum value: `mapped_enum` if the
// code map gave one, else the value named by `buffer`. False (and one error)
// for a name the enum lacks or its zero value.
bool SetEnumValue(const Field& f, int64_t row_number, const EnumValueDescriptor* mapped_enum,
                  std::string& buffer, Message* m, std::vector<RowError>& errors) {
  const FieldDescriptor* leaf = f.leaf();
  const EnumValueDescriptor* v = mapped_enum;
  if (v == nullptr) {
    absl::AsciiStrToUpper(&buffer);
    auto it = f.enum_by_name.find(buffer);
    if (it != f.enum_by_name.end()) v = it->second;
  }
  if (v == nullptr || v->number() == 0) {
    errors.push_back(
        MakeError(row_number, f.source, kRowUnknownCode,
                  absl::StrCat("column ", f.source, " has a value that is not a known ",
                               leaf->enum_type()->name(), "; use a listed code")));
    return false;
  }
  const Reflection* r = f.reflections.back();
  leaf->is_repeated() ? r->AddEnum(m, leaf, v) : r->SetEnum(m, leaf, v);
  return true;
}

// Sets (or adds) a number parsed from `buffer`; false if it is not one of
// the leaf's type (or the leaf is of no type a cell can fill).
bool SetNumber(const Field& f, const std::string& buffer, Message* m) {
  const Reflection* r = f.reflections.back();
  const FieldDescriptor* leaf = f.leaf();
  const bool rep = leaf->is_repeated();
  switch (leaf->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t n = 0;
      if (!absl::SimpleAtoi(Absl(buffer), &n)) return false;
      rep ? r->AddInt32(m, leaf, n) : r->SetInt32(m, leaf, n);
      return true;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t n = 0;
      if (!absl::SimpleAtoi(Absl(buffer), &n)) return false;
      rep ? r->AddInt64(m, leaf, n) : r->SetInt64(m, leaf, n);
      return true;
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t n = 0;
      if (!absl::SimpleAtoi(Absl(buffer), &n)) return false;
      rep ? r->AddUInt64(m, leaf, n) : r->SetUInt64(m, leaf, n);
      return true;
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      double n = 0;
      if (!absl::SimpleAtod(Absl(buffer), &n)) return false;
      rep ? r->AddDouble(m, leaf, n) : r->SetDouble(m, leaf, n);
      return true;
    }
    default:
      return false;
  }
}

// Stores one canonical value (`buffer`, or `mapped_enum`) in f's leaf by
// its type. False (and one error) if the value does not fit the type.
bool SetLeafValue(const Field& f, int64_t row_number, const EnumValueDescriptor* mapped_enum,
                  std::string& buffer, Message* m, std::vector<RowError>& errors) {
  const Reflection* r = f.reflections.back();
  const FieldDescriptor* leaf = f.leaf();
  switch (leaf->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      leaf->is_repeated() ? r->AddString(m, leaf, buffer) : r->SetString(m, leaf, buffer);
      return true;
    case FieldDescriptor::CPPTYPE_ENUM:
      return SetEnumValue(f, row_number, mapped_enum, buffer, m, errors);
    case FieldDescriptor::CPPTYPE_BOOL: {
      Flag flag = ParseFlag(buffer);
      if (flag == Flag::kInvalid) {
        errors.push_back(MakeError(row_number, f.source, kRowBadFlag,
                                   absl::StrCat("column ", f.source, " must be Y or N")));
        return false;
      }
      r->SetBool(m, leaf, flag == Flag::kYes);
      return true;
    }
    default:
      if (SetNumber(f, buffer, m)) return true;
      errors.push_back(MakeError(row_number, f.source, kRowBadNumber,
                                 absl::StrCat("column ", f.source, " must be a number")));
      return false;
  }
}

// One value of a cell into f's leaf: normalized, through the code map, a
// date into ISO, then stored by type. False (and one error) if it is bad.
bool MapValue(const Field& f, int64_t row_number, std::string_view value, Message* m,
              std::string& buffer, std::vector<RowError>& errors) {
  buffer.assign(value);
  Normalize(f.normalize, buffer);
  const EnumValueDescriptor* mapped_enum = nullptr;
  if (f.code_map != nullptr && !TranslatePlanCode(f, row_number, buffer, mapped_enum, errors)) {
    return false;
  }
  if (f.is_date) {
    auto date = CivilDate::Parse(buffer, f.date_format);
    if (!date.ok()) {
      errors.push_back(MakeError(row_number, f.source, kRowBadDate,
                                 absl::StrCat("column ", f.source, ": ", date.status().message())));
      return false;
    }
    buffer = date->ToIso();
  }
  return SetLeafValue(f, row_number, mapped_enum, buffer, m, errors);
}

// A non-empty cell of a mapping without when_yes: each of its values (one,
// or the cell split on f.split) into f's leaf. False if any value is bad
// (one error each; the good ones are kept).
bool MapCell(const Field& f, int64_t row_number, std::string_view raw, Message& out,
             std::string& buffer, std::vector<RowError>& errors) {
  std::vector<std::string_view> values;
  if (f.split.empty()) {
    values.push_back(raw);
  } else {
    for (absl::string_view v : absl::StrSplit(Absl(raw), Absl(f.split), absl::SkipWhitespace())) {
      values.push_back(Trim(Std(v)));
    }
  }
  Message* m = MutableLeafParent(f, out);
  bool good = true;
  for (std::string_view value : values) {
    if (!MapValue(f, row_number, value, m, buffer, errors)) good = false;
  }
  return good;
}

// The message holding f's leaf in `row`, or nullptr if a parent message is
// unset.
const Message* LeafParent(const Field& f, const Message& row) {
  const Message* m = &row;
  for (size_t p = 0; p + 1 < f.path.size(); ++p) {
    if (!f.reflections[p]->HasField(*m, f.path[p])) return nullptr;
    m = &f.reflections[p]->GetMessage(*m, f.path[p]);
  }
  return m;
}

// The canonical text of f's leaf in `m` (element `index` of a repeated leaf,
// -1 for a singular one). Enum values come out in the plan's codes; one
// with no plan code sets `unrenderable`.
std::string LeafText(const Field& f, const Message& m, int index,
                     const EnumValueDescriptor*& unrenderable) {
  const Reflection* r = f.reflections.back();
  const FieldDescriptor* leaf = f.leaf();
  const bool rep = index >= 0;
  // An unset optional scalar (proto3 `optional`) renders as an empty
  // column, not as its zero value.
  if (!rep && leaf->has_presence() && !r->HasField(m, leaf)) return "";
  switch (leaf->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return rep ? r->GetRepeatedString(m, leaf, index) : r->GetString(m, leaf);
    case FieldDescriptor::CPPTYPE_ENUM: {
      const EnumValueDescriptor* v = rep ? r->GetRepeatedEnum(m, leaf, index) : r->GetEnum(m, leaf);
      if (!f.enum_renderable[static_cast<size_t>(v->index())]) unrenderable = v;
      return f.enum_rendering[static_cast<size_t>(v->index())];
    }
    case FieldDescriptor::CPPTYPE_BOOL:
      return (rep ? r->GetRepeatedBool(m, leaf, index) : r->GetBool(m, leaf)) ? "Y" : "N";
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(rep ? r->GetRepeatedInt32(m, leaf, index) : r->GetInt32(m, leaf));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(rep ? r->GetRepeatedInt64(m, leaf, index) : r->GetInt64(m, leaf));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(rep ? r->GetRepeatedUInt64(m, leaf, index) : r->GetUInt64(m, leaf));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return absl::StrCat(rep ? r->GetRepeatedDouble(m, leaf, index) : r->GetDouble(m, leaf));
    default:
      return "";
  }
}

absl::Status NoCodeMapEntry(const Field& f) {
  return absl::InvalidArgumentError(
      absl::StrCat("field ", f.target, " has a value with no entry in code map \"",
                   f.code_map->name, "\"; add one to the plan's profile"));
}

// One canonical value in the plan's form: a date in the mapping's format,
// a non-enum value through the reverse code map. InvalidArgument if it has
// no plan form (`unrenderable` set, no code map entry, not an ISO date).
absl::StatusOr<std::string> ToPlanValue(const Field& f, std::string canonical,
                                        const EnumValueDescriptor* unrenderable) {
  if (unrenderable != nullptr) return NoCodeMapEntry(f);
  if (f.is_date && !canonical.empty()) {
    auto date = CivilDate::ParseIso(canonical);
    if (!date.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("field ", f.target, " does not hold an ISO date"));
    }
    canonical = date->Format(f.date_format);
  }
  // Enum values come out of LeafText already in the plan's codes.
  if (f.code_map != nullptr && !canonical.empty() &&
      f.leaf()->type() != FieldDescriptor::TYPE_ENUM) {
    auto it = f.code_map->to_plan.find(Fold(canonical));
    if (it == f.code_map->to_plan.end()) return NoCodeMapEntry(f);
    canonical = it->second;
  }
  return canonical;
}

// f's cell for `row`: Y/N for a when_yes mapping, empty under an unset
// parent, else each value in the plan's form joined by f.split (";" if
// none). InvalidArgument as ToPlanValue.
absl::StatusOr<std::string> RenderCell(const Field& f, const Message& row) {
  const Message* m = LeafParent(f, row);
  if (m == nullptr) {
    // An absent message (e.g. no discontinuation) renders as empty
    // columns, not as its fields' zero values.
    return std::string(f.when_yes != nullptr ? "N" : "");
  }
  const Reflection* r = f.reflections.back();
  const FieldDescriptor* leaf = f.leaf();
  if (f.when_yes != nullptr) {
    bool yes = false;
    for (int k = 0; k < r->FieldSize(*m, leaf); ++k) {
      yes = yes || r->GetRepeatedEnum(*m, leaf, k) == f.when_yes;
    }
    return std::string(yes ? "Y" : "N");
  }
  std::vector<std::string> parts;
  const int count = leaf->is_repeated() ? r->FieldSize(*m, leaf) : 1;
  for (int k = 0; k < count; ++k) {
    const EnumValueDescriptor* unrenderable = nullptr;
    std::string canonical = LeafText(f, *m, leaf->is_repeated() ? k : -1, unrenderable);
    ASSIGN_OR_RETURN(std::string value, ToPlanValue(f, std::move(canonical), unrenderable));
    parts.push_back(std::move(value));
  }
  return absl::StrJoin(parts, f.split.empty() ? std::string(";") : f.split);
}

}  // namespace

bool RowMapper::Map(const Binding& binding, int64_t row_number,
                    std::span<const std::string_view> fields, Message& out,
                    std::vector<RowError>& errors) const {
  out.Clear();
  bool good = true;
  std::string buffer;
  for (size_t i = 0; i < fields_.size(); ++i) {
    const Field& f = fields_[i];
    const int column = i < binding.size() ? binding[i] : -1;
    std::string_view raw =
        column >= 0 && static_cast<size_t>(column) < fields.size() ? Trim(fields[column]) : "";
    if (raw.empty()) raw = f.default_value;
    if (f.when_yes != nullptr) {
      if (!MapFlagCell(f, row_number, raw, out, errors)) good = false;
    } else if (!raw.empty()) {
      if (!MapCell(f, row_number, raw, out, buffer, errors)) good = false;
    } else if (f.required) {
      errors.push_back(MakeError(
          row_number, f.source, kRowRequiredMissing,
          absl::StrCat("column ", f.source, " is required; fill it in and resend the row")));
      good = false;
    }
  }
  return good;
}

std::string RowMapper::Identity(const Binding& binding,
                                std::span<const std::string_view> fields) const {
  if (identity_field_ < 0) return "";
  const size_t i = static_cast<size_t>(identity_field_);
  const int column = i < binding.size() ? binding[i] : -1;
  if (column < 0 || static_cast<size_t>(column) >= fields.size()) return "";
  std::string value(Trim(fields[static_cast<size_t>(column)]));
  Normalize(fields_[i].normalize, value);
  return value;
}

absl::Status RowMapper::Render(const Message& row, std::vector<std::string>& values) const {
  values.clear();
  values.reserve(fields_.size());
  for (const Field& f : fields_) {
    ASSIGN_OR_RETURN(std::string cell, RenderCell(f, row));
    values.push_back(std::move(cell));
  }
  return absl::OkStatus();
}

}  // namespace hub::adapters
