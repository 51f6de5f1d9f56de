#include "adapters/mapping/row_mapper.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "adapters/mapping/row_mapper_internal.h"
#include "base/civil_date.h"
#include "base/status_macros.h"
#include "base/string_view.h"
#include "google/protobuf/descriptor.h"
#include "hub/v1/plan_file.pb.h"

namespace hub::adapters {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

namespace row_mapper_internal {

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

RowError MakeError(int64_t row, const std::string& field, std::string_view code,
                   std::string message) {
  RowError e;
  e.row_number = row;
  e.field = field;
  e.reason_code = std::string(code);
  e.message = std::move(message);
  return e;
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

}  // namespace row_mapper_internal

using row_mapper_internal::Fold;

namespace {

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
bool IsDateField(const FieldDescriptor* f) {
  const std::string& n = f->name();
  return f->type() == FieldDescriptor::TYPE_STRING &&
         (n == "date" || n == "date_of_birth" ||
          (n.size() >= 5 && n.compare(n.size() - 5, 5, "_date") == 0));
}
// The target that identifies a canonical row's record, "" for kinds whose
// rows a snapshot does not end.
std::string_view IdentityTarget(const Message& prototype) {
  const std::string& type = prototype.GetDescriptor()->full_name();
  if (type == "hub.v1.AssignmentFileRow") return "member.cin";
  if (type == "hub.v1.AuthorizationFileRow") return "authorization.authorization_number";
  return "";
}

using CodeMaps = absl::flat_hash_map<std::string, std::shared_ptr<CompiledCodeMap>>;

// The profile's code maps by name. InvalidArgument if a map lists a plan
// value twice or two maps share a name.
absl::StatusOr<CodeMaps> CompileCodeMaps(const hub::v1::PlanProfile& profile) {
  CodeMaps maps;
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
  return maps;
}

// The layout's default date format (ISO when it names none).
absl::StatusOr<DateFormat> DefaultDateFormat(const hub::v1::FileLayout& layout) {
  if (layout.default_date_format().empty()) return DateFormat::kIso;
  return ParseDateFormatName(layout.default_date_format());
}

// Resolves the mapping's dotted target below `prototype` into f.path and
// f.reflections. InvalidArgument (without the mapping's name) if a part is
// not a field, goes below a scalar or a repeated message, or the leaf is a
// message.
absl::Status ResolveTarget(const Message& prototype, RowMapper::Field& f) {
  const Descriptor* d = prototype.GetDescriptor();
  const Message* level = &prototype;
  for (absl::string_view part : absl::StrSplit(f.target, '.')) {
    if (d == nullptr)
      return absl::InvalidArgumentError("target goes below a field that is not a message");
    const FieldDescriptor* fd = d->FindFieldByName(std::string(part));
    if (fd == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", part, "\" is not a field of ", d->full_name()));
    }
    if (fd->is_repeated() && fd->type() == FieldDescriptor::TYPE_MESSAGE) {
      return absl::InvalidArgumentError("repeated message fields cannot be mapped");
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
    return absl::InvalidArgumentError("target must be a scalar field, not a message");
  }
  return absl::OkStatus();
}

// Attaches the code map named `name` to `f`. InvalidArgument if no map has
// that name or, for an enum target, the map names a value the enum lacks.
absl::Status AttachCodeMap(const std::string& name, const CodeMaps& maps, RowMapper::Field& f) {
  auto it = maps.find(name);
  if (it == maps.end())
    return absl::InvalidArgumentError(absl::StrCat("unknown code map \"", name, "\""));
  f.code_map = it->second;
  if (f.leaf()->type() != FieldDescriptor::TYPE_ENUM) return absl::OkStatus();
  for (const auto& [plan, canonical] : f.code_map->to_canonical) {
    if (FindEnumValue(f.leaf()->enum_type(), canonical) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("code map \"", name, "\" maps to \"",
                                                     canonical, "\", which is not a value of ",
                                                     f.leaf()->enum_type()->full_name()));
    }
  }
  return absl::OkStatus();
}

// Resolves when_yes, the enum value a yes flag adds to a repeated enum
// target. InvalidArgument if the target is not one or lacks the value.
absl::Status ResolveWhenYes(const std::string& when_yes, RowMapper::Field& f) {
  if (!f.leaf()->is_repeated() || f.leaf()->type() != FieldDescriptor::TYPE_ENUM) {
    return absl::InvalidArgumentError("when_yes needs a repeated enum target");
  }
  f.when_yes = FindEnumValue(f.leaf()->enum_type(), when_yes);
  if (f.when_yes == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", when_yes, "\" is not a value of ", f.leaf()->enum_type()->full_name()));
  }
  return absl::OkStatus();
}

// Fills an enum target's lookup and rendering tables (RowMapper::Field).
void BuildEnumTables(RowMapper::Field& f) {
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

// Copies the mapping's normalizations. InvalidArgument for UNSPECIFIED, or
// for digits-only / ZIP5 on a date (a date is read with its format).
absl::Status CompileNormalizations(const hub::v1::FieldMapping& m, RowMapper::Field& f) {
  for (int n : m.normalize()) {
    if (n == hub::v1::NORMALIZATION_UNSPECIFIED) {
      return absl::InvalidArgumentError("normalization is UNSPECIFIED");
    }
    if (f.is_date &&
        (n == hub::v1::NORMALIZATION_DIGITS_ONLY || n == hub::v1::NORMALIZATION_ZIP5)) {
      return absl::InvalidArgumentError(
          "a date is read with its date_format, never stripped to its digits (that would "
          "accept any separator, e.g. 1988-03-07 and 1942.12.09 alike); remove the "
          "normalization and name the file's format, e.g. date_format: \"yyyy/mm/dd\"");
    }
    f.normalize.push_back(static_cast<hub::v1::Normalization>(n));
  }
  return absl::OkStatus();
}

// Compiles one field mapping: its target path, date format, code map,
// when_yes, enum tables, split and normalizations. InvalidArgument says what
// is wrong without naming the mapping (Create adds that).
absl::StatusOr<RowMapper::Field> CompileField(const hub::v1::FieldMapping& m,
                                              const Message& prototype, const CodeMaps& maps,
                                              DateFormat default_format) {
  if (m.source().empty()) return absl::InvalidArgumentError("source is empty");
  RowMapper::Field f;
  f.source = m.source();
  f.target = m.target();
  RETURN_IF_ERROR(ResolveTarget(prototype, f));
  f.required = m.required();
  f.is_date = IsDateField(f.leaf());
  f.date_format = default_format;
  if (!m.date_format().empty()) {
    auto df = ParseDateFormatName(m.date_format());
    if (!df.ok()) return absl::InvalidArgumentError(df.status().message());
    f.date_format = *df;
  }
  if (!m.code_map().empty()) RETURN_IF_ERROR(AttachCodeMap(m.code_map(), maps, f));
  if (!m.when_yes().empty()) RETURN_IF_ERROR(ResolveWhenYes(m.when_yes(), f));
  if (f.leaf()->type() == FieldDescriptor::TYPE_ENUM) BuildEnumTables(f);
  if (!m.split().empty() && !f.leaf()->is_repeated()) {
    return absl::InvalidArgumentError("split needs a repeated target");
  }
  f.split = m.split();
  RETURN_IF_ERROR(CompileNormalizations(m, f));
  f.default_value = m.default_value();
  return f;
}
}  // namespace

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
  ASSIGN_OR_RETURN(CodeMaps maps, CompileCodeMaps(profile));
  ASSIGN_OR_RETURN(DateFormat default_format, DefaultDateFormat(layout));
  auto mapper = std::unique_ptr<RowMapper>(new RowMapper());
  for (int i = 0; i < layout.fields_size(); ++i) {
    const hub::v1::FieldMapping& m = layout.fields(i);
    absl::StatusOr<Field> f = CompileField(m, prototype, maps, default_format);
    if (!f.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("field mapping #", i + 1, " (source \"",
                                                     m.source(), "\", target \"", m.target(),
                                                     "\"): ", f.status().message()));
    }
    if (mapper->identity_field_ < 0 && f->target == IdentityTarget(prototype)) {
      mapper->identity_field_ = static_cast<int>(mapper->fields_.size());
    }
    mapper->sources_.push_back(f->source);
    mapper->fields_.push_back(*std::move(f));
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
}  // namespace hub::adapters
