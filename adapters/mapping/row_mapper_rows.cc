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
      Flag flag = ParseFlag(raw);
      if (flag == Flag::kInvalid) {
        errors.push_back(MakeError(
            row_number, f.source, kRowBadFlag,
            absl::StrCat("column ", f.source, " must be Y or N (also YES/NO, 1/0, TRUE/FALSE)")));
        good = false;
      } else if (flag == Flag::kYes) {
        Message* m = &out;
        for (size_t p = 0; p + 1 < f.path.size(); ++p) {
          m = f.reflections[p]->MutableMessage(m, f.path[p]);
        }
        f.reflections.back()->AddEnum(m, f.leaf(), f.when_yes);
      }
      continue;
    }
    if (raw.empty()) {
      if (f.required) {
        errors.push_back(MakeError(
            row_number, f.source, kRowRequiredMissing,
            absl::StrCat("column ", f.source, " is required; fill it in and resend the row")));
        good = false;
      }
      continue;
    }
    std::vector<std::string_view> values;
    if (f.split.empty()) {
      values.push_back(raw);
    } else {
      for (absl::string_view v : absl::StrSplit(Absl(raw), Absl(f.split), absl::SkipWhitespace())) {
        values.push_back(Trim(Std(v)));
      }
    }
    Message* m = &out;
    for (size_t p = 0; p + 1 < f.path.size(); ++p) {
      m = f.reflections[p]->MutableMessage(m, f.path[p]);
    }
    const Reflection* r = f.reflections.back();
    const FieldDescriptor* leaf = f.leaf();
    for (std::string_view value : values) {
      buffer.assign(value);
      Normalize(f.normalize, buffer);
      const EnumValueDescriptor* mapped_enum = nullptr;
      if (f.code_map != nullptr) {
        const std::string key = Fold(buffer);
        bool known = false;
        if (leaf->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
          auto it = f.enum_by_code.find(key);
          known = it != f.enum_by_code.end();
          if (known) mapped_enum = it->second;
        } else {
          auto it = f.code_map->to_canonical.find(key);
          known = it != f.code_map->to_canonical.end();
          if (known) buffer = it->second;
        }
        if (!known) {
          errors.push_back(MakeError(
              row_number, f.source, kRowUnknownCode,
              absl::StrCat("column ", f.source, " has a code that is not in the plan's \"",
                           f.code_map->name, "\" code list; use one of the listed codes")));
          good = false;
          continue;
        }
      }
      if (f.is_date) {
        auto date = CivilDate::Parse(buffer, f.date_format);
        if (!date.ok()) {
          errors.push_back(
              MakeError(row_number, f.source, kRowBadDate,
                        absl::StrCat("column ", f.source, ": ", date.status().message())));
          good = false;
          continue;
        }
        buffer = date->ToIso();
      }
      bool ok = true;
      switch (leaf->cpp_type()) {
        case FieldDescriptor::CPPTYPE_STRING:
          if (leaf->is_repeated()) {
            r->AddString(m, leaf, buffer);
          } else {
            r->SetString(m, leaf, buffer);
          }
          break;
        case FieldDescriptor::CPPTYPE_ENUM: {
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
            good = false;
            continue;
          }
          if (leaf->is_repeated()) {
            r->AddEnum(m, leaf, v);
          } else {
            r->SetEnum(m, leaf, v);
          }
          break;
        }
        case FieldDescriptor::CPPTYPE_BOOL: {
          Flag flag = ParseFlag(buffer);
          if (flag == Flag::kInvalid) {
            errors.push_back(MakeError(row_number, f.source, kRowBadFlag,
                                       absl::StrCat("column ", f.source, " must be Y or N")));
            good = false;
            continue;
          }
          r->SetBool(m, leaf, flag == Flag::kYes);
          break;
        }
        case FieldDescriptor::CPPTYPE_INT32: {
          int32_t n = 0;
          ok = absl::SimpleAtoi(Absl(buffer), &n);
          if (ok) leaf->is_repeated() ? r->AddInt32(m, leaf, n) : r->SetInt32(m, leaf, n);
          break;
        }
        case FieldDescriptor::CPPTYPE_INT64: {
          int64_t n = 0;
          ok = absl::SimpleAtoi(Absl(buffer), &n);
          if (ok) leaf->is_repeated() ? r->AddInt64(m, leaf, n) : r->SetInt64(m, leaf, n);
          break;
        }
        case FieldDescriptor::CPPTYPE_UINT64: {
          uint64_t n = 0;
          ok = absl::SimpleAtoi(Absl(buffer), &n);
          if (ok) leaf->is_repeated() ? r->AddUInt64(m, leaf, n) : r->SetUInt64(m, leaf, n);
          break;
        }
        case FieldDescriptor::CPPTYPE_DOUBLE: {
          double n = 0;
          ok = absl::SimpleAtod(Absl(buffer), &n);
          if (ok) leaf->is_repeated() ? r->AddDouble(m, leaf, n) : r->SetDouble(m, leaf, n);
          break;
        }
        default:
          ok = false;
      }
      if (!ok) {
        errors.push_back(MakeError(row_number, f.source, kRowBadNumber,
                                   absl::StrCat("column ", f.source, " must be a number")));
        good = false;
      }
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
    const Message* m = &row;
    bool parent_unset = false;
    for (size_t p = 0; p + 1 < f.path.size() && !parent_unset; ++p) {
      parent_unset = !f.reflections[p]->HasField(*m, f.path[p]);
      m = &f.reflections[p]->GetMessage(*m, f.path[p]);
    }
    if (parent_unset) {
      // An absent message (e.g. no discontinuation) renders as empty
      // columns, not as its fields' zero values.
      values.push_back(f.when_yes != nullptr ? "N" : "");
      continue;
    }
    const Reflection* r = f.reflections.back();
    const FieldDescriptor* leaf = f.leaf();
    if (f.when_yes != nullptr) {
      bool yes = false;
      for (int k = 0; k < r->FieldSize(*m, leaf); ++k) {
        yes = yes || r->GetRepeatedEnum(*m, leaf, k) == f.when_yes;
      }
      values.push_back(yes ? "Y" : "N");
      continue;
    }
    std::vector<std::string> parts;
    const EnumValueDescriptor* unrenderable = nullptr;  // Set by `scalar`.
    auto render_one = [&](std::string canonical) -> absl::Status {
      if (unrenderable != nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("field ", f.target, " has a value with no entry in code map \"",
                         f.code_map->name, "\"; add one to the plan's profile"));
      }
      if (f.is_date && !canonical.empty()) {
        auto date = CivilDate::ParseIso(canonical);
        if (!date.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat("field ", f.target, " does not hold an ISO date"));
        }
        canonical = date->Format(f.date_format);
      }
      // Enum values come out of `scalar` already in the plan's codes.
      if (f.code_map != nullptr && !canonical.empty() &&
          leaf->type() != FieldDescriptor::TYPE_ENUM) {
        auto it = f.code_map->to_plan.find(Fold(canonical));
        if (it == f.code_map->to_plan.end()) {
          return absl::InvalidArgumentError(
              absl::StrCat("field ", f.target, " has a value with no entry in code map \"",
                           f.code_map->name, "\"; add one to the plan's profile"));
        }
        canonical = it->second;
      }
      parts.push_back(std::move(canonical));
      return absl::OkStatus();
    };
    auto scalar = [&](int index) -> std::string {
      const bool rep = index >= 0;
      // An unset optional scalar (proto3 `optional`) renders as an empty
      // column, not as its zero value.
      if (!rep && leaf->has_presence() && !r->HasField(*m, leaf)) return "";
      switch (leaf->cpp_type()) {
        case FieldDescriptor::CPPTYPE_STRING:
          return rep ? r->GetRepeatedString(*m, leaf, index) : r->GetString(*m, leaf);
        case FieldDescriptor::CPPTYPE_ENUM: {
          const EnumValueDescriptor* v =
              rep ? r->GetRepeatedEnum(*m, leaf, index) : r->GetEnum(*m, leaf);
          if (!f.enum_renderable[static_cast<size_t>(v->index())]) unrenderable = v;
          return f.enum_rendering[static_cast<size_t>(v->index())];
        }
        case FieldDescriptor::CPPTYPE_BOOL:
          return (rep ? r->GetRepeatedBool(*m, leaf, index) : r->GetBool(*m, leaf)) ? "Y" : "N";
        case FieldDescriptor::CPPTYPE_INT32:
          return absl::StrCat(rep ? r->GetRepeatedInt32(*m, leaf, index) : r->GetInt32(*m, leaf));
        case FieldDescriptor::CPPTYPE_INT64:
          return absl::StrCat(rep ? r->GetRepeatedInt64(*m, leaf, index) : r->GetInt64(*m, leaf));
        case FieldDescriptor::CPPTYPE_UINT64:
          return absl::StrCat(rep ? r->GetRepeatedUInt64(*m, leaf, index) : r->GetUInt64(*m, leaf));
        case FieldDescriptor::CPPTYPE_DOUBLE:
          return absl::StrCat(rep ? r->GetRepeatedDouble(*m, leaf, index) : r->GetDouble(*m, leaf));
        default:
          return "";
      }
    };
    if (leaf->is_repeated()) {
      for (int k = 0; k < r->FieldSize(*m, leaf); ++k) {
        absl::Status s = render_one(scalar(k));
        if (!s.ok()) return s;
      }
    } else {
      absl::Status s = render_one(scalar(-1));
      if (!s.ok()) return s;
    }
    values.push_back(absl::StrJoin(parts, f.split.empty() ? std::string(";") : f.split));
  }
  return absl::OkStatus();
}

}  // namespace hub::adapters
