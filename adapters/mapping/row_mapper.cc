#include "adapters/mapping/row_mapper.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/civil_date.h"
#include "base/string_view.h"
#include "google/protobuf/descriptor.h"
#include "hub/v1/plan_file.pb.h"

namespace hub::adapters {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Upper-cases and drops spaces and underscores: how header names and code
// values are compared.
std::string Fold(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == ' ' || c == '_' || c == '\t') continue;
    out.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

// The common prefix of an enum's value names, e.g. "POPULATION_OF_FOCUS_".
std::string EnumPrefix(const EnumDescriptor* e) {
  std::string prefix;
  for (char c : e->name()) {
    if (absl::ascii_isupper(static_cast<unsigned char>(c)) && !prefix.empty())
      prefix.push_back('_');
    prefix.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
  }
  return prefix + "_";
}

// Finds an enum value by its full name or by its name without the prefix.
const EnumValueDescriptor* FindEnumValue(const EnumDescriptor* e, std::string_view name) {
  std::string upper(name);
  absl::AsciiStrToUpper(&upper);
  if (const EnumValueDescriptor* v = e->FindValueByName(upper)) return v;
  return e->FindValueByName(EnumPrefix(e) + upper);
}

std::string ShortEnumName(const EnumValueDescriptor* v) {
  std::string prefix = EnumPrefix(v->type());
  const std::string& name = v->name();
  return name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
}

enum class Flag { kYes, kNo, kInvalid };

Flag ParseFlag(std::string_view v) {
  std::string f = Fold(v);
  if (f == "Y" || f == "YES" || f == "1" || f == "TRUE" || f == "X") return Flag::kYes;
  if (f.empty() || f == "N" || f == "NO" || f == "0" || f == "FALSE") return Flag::kNo;
  return Flag::kInvalid;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool IsDateField(const FieldDescriptor* f) {
  const std::string& n = f->name();
  return f->type() == FieldDescriptor::TYPE_STRING &&
         (n == "date" || n == "date_of_birth" ||
          (n.size() >= 5 && n.compare(n.size() - 5, 5, "_date") == 0));
}

RowError MakeError(int64_t row, const std::string& field, std::string_view code,
                   std::string message) {
  RowError e;
  e.row_number = row;
  e.field = field;
  e.reason_code = std::string(code);
  e.message = std::move(message);
  return e;
}

// The target that identifies a canonical row's record, "" for kinds whose
// rows a snapshot does not end.
std::string_view IdentityTarget(const Message& prototype) {
  const std::string& type = prototype.GetDescriptor()->full_name();
  if (type == "hub.v1.AssignmentFileRow") return "member.cin";
  if (type == "hub.v1.AuthorizationFileRow") return "authorization.authorization_number";
  return "";
}

// Applies `normalize` to `buffer` in order.
void Normalize(const std::vector<hub::v1::Normalization>& normalize, std::string& buffer) {
  for (auto n : normalize) {
    switch (n) {
      case hub::v1::NORMALIZATION_UPPER:
        absl::AsciiStrToUpper(&buffer);
        break;
      case hub::v1::NORMALIZATION_DIGITS_ONLY:
      case hub::v1::NORMALIZATION_ZIP5: {
        std::string digits;
        for (char c : buffer) {
          if (absl::ascii_isdigit(static_cast<unsigned char>(c))) digits.push_back(c);
        }
        if (n == hub::v1::NORMALIZATION_ZIP5 && digits.size() > 5) digits.resize(5);
        buffer = std::move(digits);
        break;
      }
      default:
        break;
    }
  }
}

}  // namespace

struct CompiledCodeMap {
  std::string name;
  absl::flat_hash_map<std::string, std::string> to_canonical;  // Fold(plan) -> canonical
  absl::flat_hash_map<std::string, std::string> to_plan;       // Fold(canonical) -> plan
};

struct RowMapper::Field {
  std::string source;
  std::string target;
  std::vector<const FieldDescriptor*> path;  // Messages, then the leaf.
  // reflections[p] is the Reflection of the message holding path[p],
  // resolved once: GetReflection() per row costs a call_once and TLS.
  std::vector<const Reflection*> reflections;
  bool required = false;
  bool is_date = false;
  DateFormat date_format = DateFormat::kIso;
  std::shared_ptr<const CompiledCodeMap> code_map;
  const EnumValueDescriptor* when_yes = nullptr;
  std::string split;
  std::vector<hub::v1::Normalization> normalize;
  std::string default_value;

  // Enum targets, resolved once at Create so the per-row path does no name
  // building: upper-cased full and short value names -> value; with a code
  // map, Fold(plan value) -> value; and the value a row renders as, by
  // value index (its short name, or its plan value through the code map).
  absl::flat_hash_map<std::string, const EnumValueDescriptor*> enum_by_name;
  absl::flat_hash_map<std::string, const EnumValueDescriptor*> enum_by_code;
  std::vector<std::string> enum_rendering;
  std::vector<bool> enum_renderable;

  const FieldDescriptor* leaf() const { return path.back(); }
};

RowMapper::~RowMapper() = default;

absl::StatusOr<const Message*> CanonicalRowPrototype(hub::v1::FileKind kind) {
  switch (kind) {
    case hub::v1::FILE_KIND_MEMBER_ASSIGNMENT:
      return &hub::v1::AssignmentFileRow::default_instance();
    case hub::v1::FILE_KIND_CS_AUTHORIZATION:
      return &hub::v1::AuthorizationFileRow::default_instance();
    case hub::v1::FILE_KIND_QUALITY_REPORT:
      return &hub::v1::QualityFileRow::default_instance();
    case hub::v1::FILE_KIND_RETURN_TRANSMISSION:
      return &hub::v1::ReturnTransmissionRow::default_instance();
    case hub::v1::FILE_KIND_OUTREACH_TRACKER:
      return &hub::v1::OutreachTrackerRow::default_instance();
    case hub::v1::FILE_KIND_INVOICE:
      return &hub::v1::InvoiceFileRow::default_instance();
    case hub::v1::FILE_KIND_CBO_SUBMISSIONS:
      return &hub::v1::CboTemplateRow::default_instance();
    default:
      return absl::NotFoundError(
          absl::StrCat("no canonical row for file kind ", hub::v1::FileKind_Name(kind)));
  }
}

absl::StatusOr<std::unique_ptr<RowMapper>> RowMapper::Create(const hub::v1::PlanProfile& profile,
                                                             const hub::v1::FileLayout& layout,
                                                             const Message& prototype) {
  absl::flat_hash_map<std::string, std::shared_ptr<CompiledCodeMap>> maps;
  for (const auto& cm : profile.code_maps()) {
    auto compiled = std::make_shared<CompiledCodeMap>();
    compiled->name = cm.name();
    for (const auto& entry : cm.entries()) {
      if (!compiled->to_canonical.emplace(Fold(entry.plan_value()), entry.canonical_value())
               .second) {
        return absl::InvalidArgumentError(absl::StrCat("code map \"", cm.name(),
                                                       "\" lists plan value \"", entry.plan_value(),
                                                       "\" twice; keep one entry"));
      }
      compiled->to_plan.emplace(Fold(entry.canonical_value()), entry.plan_value());
    }
    if (!maps.emplace(cm.name(), std::move(compiled)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("code map \"", cm.name(), "\" is defined twice; rename one"));
    }
  }
  DateFormat default_format = DateFormat::kIso;
  if (!layout.default_date_format().empty()) {
    auto f = ParseDateFormatName(layout.default_date_format());
    if (!f.ok()) return f.status();
    default_format = *f;
  }

  auto mapper = std::unique_ptr<RowMapper>(new RowMapper());
  for (int i = 0; i < layout.fields_size(); ++i) {
    const hub::v1::FieldMapping& m = layout.fields(i);
    auto fail = [&](std::string_view what) {
      return absl::InvalidArgumentError(absl::StrCat("field mapping #", i + 1, " (source \"",
                                                     m.source(), "\", target \"", m.target(),
                                                     "\"): ", Absl(what)));
    };
    if (m.source().empty()) return fail("source is empty");
    Field f;
    f.source = m.source();
    f.target = m.target();
    const Descriptor* d = prototype.GetDescriptor();
    const Message* level = &prototype;
    for (absl::string_view part : absl::StrSplit(m.target(), '.')) {
      if (d == nullptr) return fail("target goes below a field that is not a message");
      const FieldDescriptor* fd = d->FindFieldByName(std::string(part));
      if (fd == nullptr) {
        return fail(absl::StrCat("\"", part, "\" is not a field of ", d->full_name()));
      }
      if (fd->is_repeated() && fd->type() == FieldDescriptor::TYPE_MESSAGE) {
        return fail("repeated message fields cannot be mapped");
      }
      f.path.push_back(fd);
      // The prototype's own default sub-messages give each level's
      // Reflection, for generated and dynamic messages alike.
      f.reflections.push_back(level->GetReflection());
      if (fd->type() == FieldDescriptor::TYPE_MESSAGE) {
        level = &level->GetReflection()->GetMessage(*level, fd);
      }
      d = fd->type() == FieldDescriptor::TYPE_MESSAGE ? fd->message_type() : nullptr;
    }
    if (f.leaf()->type() == FieldDescriptor::TYPE_MESSAGE) {
      return fail("target must be a scalar field, not a message");
    }
    f.required = m.required();
    f.is_date = IsDateField(f.leaf());
    f.date_format = default_format;
    if (!m.date_format().empty()) {
      auto df = ParseDateFormatName(m.date_format());
      if (!df.ok()) return fail(Std(df.status().message()));
      f.date_format = *df;
    }
    if (!m.code_map().empty()) {
      auto it = maps.find(m.code_map());
      if (it == maps.end()) return fail(absl::StrCat("unknown code map \"", m.code_map(), "\""));
      f.code_map = it->second;
      if (f.leaf()->type() == FieldDescriptor::TYPE_ENUM) {
        for (const auto& [plan, canonical] : f.code_map->to_canonical) {
          if (FindEnumValue(f.leaf()->enum_type(), canonical) == nullptr) {
            return fail(absl::StrCat("code map \"", m.code_map(), "\" maps to \"", canonical,
                                     "\", which is not a value of ",
                                     f.leaf()->enum_type()->full_name()));
          }
        }
      }
    }
    if (!m.when_yes().empty()) {
      if (!f.leaf()->is_repeated() || f.leaf()->type() != FieldDescriptor::TYPE_ENUM) {
        return fail("when_yes needs a repeated enum target");
      }
      f.when_yes = FindEnumValue(f.leaf()->enum_type(), m.when_yes());
      if (f.when_yes == nullptr) {
        return fail(absl::StrCat("\"", m.when_yes(), "\" is not a value of ",
                                 f.leaf()->enum_type()->full_name()));
      }
    }
    if (f.leaf()->type() == FieldDescriptor::TYPE_ENUM) {
      const EnumDescriptor* e = f.leaf()->enum_type();
      for (int v = 0; v < e->value_count(); ++v) {
        const EnumValueDescriptor* value = e->value(v);
        f.enum_by_name.emplace(value->name(), value);
        f.enum_by_name.emplace(ShortEnumName(value), value);
        std::string rendering = value->number() == 0 ? "" : ShortEnumName(value);
        bool renderable = true;
        if (f.code_map != nullptr && value->number() != 0) {
          auto it = f.code_map->to_plan.find(Fold(value->name()));
          if (it == f.code_map->to_plan.end())
            it = f.code_map->to_plan.find(Fold(ShortEnumName(value)));
          renderable = it != f.code_map->to_plan.end();
          rendering = renderable ? it->second : "";
        }
        f.enum_rendering.push_back(std::move(rendering));
        f.enum_renderable.push_back(renderable);
      }
      if (f.code_map != nullptr) {
        for (const auto& [plan, canonical] : f.code_map->to_canonical) {
          f.enum_by_code.emplace(plan, FindEnumValue(e, canonical));
        }
      }
    }
    if (!m.split().empty() && !f.leaf()->is_repeated()) {
      return fail("split needs a repeated target");
    }
    f.split = m.split();
    for (int n : m.normalize()) {
      if (n == hub::v1::NORMALIZATION_UNSPECIFIED) return fail("normalization is UNSPECIFIED");
      if (f.is_date &&
          (n == hub::v1::NORMALIZATION_DIGITS_ONLY || n == hub::v1::NORMALIZATION_ZIP5)) {
        return fail(
            "a date is read with its date_format, never stripped to its digits (that would "
            "accept any separator, e.g. 1988-03-07 and 1942.12.09 alike); remove the "
            "normalization and name the file's format, e.g. date_format: \"yyyy/mm/dd\"");
      }
      f.normalize.push_back(static_cast<hub::v1::Normalization>(n));
    }
    f.default_value = m.default_value();
    if (mapper->identity_field_ < 0 && f.target == IdentityTarget(prototype)) {
      mapper->identity_field_ = static_cast<int>(mapper->fields_.size());
    }
    mapper->sources_.push_back(f.source);
    mapper->fields_.push_back(std::move(f));
  }
  return mapper;
}

absl::StatusOr<RowMapper::Binding> RowMapper::Bind(const ColumnMap& columns) const {
  Binding binding(fields_.size(), -1);
  std::vector<std::string> missing;
  for (size_t i = 0; i < fields_.size(); ++i) {
    std::optional<size_t> column = columns.IndexOf(fields_[i].source);
    if (!column.has_value()) {
      missing.push_back(fields_[i].source);
      continue;
    }
    binding[i] = static_cast<int>(*column);
  }
  if (!missing.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the file lacks column(s) the plan's profile needs: ", absl::StrJoin(missing, ", "),
        "; check the header row and the delimiter"));
  }
  return binding;
}

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
