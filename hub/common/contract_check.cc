#include "hub/common/contract_check.h"

#include <google/protobuf/descriptor.h>

#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "hub/v1/field_rules.pb.h"

namespace hub {
namespace {

using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Most enum value names a message lists.
constexpr int kMaxListedValues = 16;

std::string Join(std::string_view path, std::string_view name) {
  if (path.empty()) return std::string(name);
  return absl::StrCat(absl::string_view(path.data(), path.size()), ".",
                      absl::string_view(name.data(), name.size()));
}

std::string Indexed(std::string_view path, int index) {
  return absl::StrCat(absl::string_view(path.data(), path.size()), "[", index, "]");
}

// "IN_PERSON, TELEPHONE, ..." without the enum's common prefix and without
// the zero value.
std::string DescribeValues(const EnumDescriptor* e) {
  std::string prefix;
  if (e->value_count() > 0) {
    const std::string& first = e->value(0)->name();
    const size_t unspecified = first.rfind("UNSPECIFIED");
    if (unspecified != std::string::npos) prefix = first.substr(0, unspecified);
  }
  std::vector<std::string> names;
  for (int i = 0; i < e->value_count() && static_cast<int>(names.size()) < kMaxListedValues; ++i) {
    if (e->value(i)->number() == 0) continue;
    std::string name = e->value(i)->name();
    if (!prefix.empty() && name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
    names.push_back(std::move(name));
  }
  return absl::StrJoin(names, ", ");
}

std::optional<ContractViolation> CheckEnum(const FieldDescriptor* field, int value,
                                           const std::string& path) {
  const EnumDescriptor* e = field->enum_type();
  if (e->FindValueByNumber(value) != nullptr) return std::nullopt;
  return ContractViolation{
      path, absl::StrCat(path, " holds ", value, ", which is not a value of ", e->full_name(),
                         "; use one of ", DescribeValues(e), " (names or their numbers)")};
}

std::optional<ContractViolation> CheckRange(const FieldDescriptor* field, int64_t value,
                                            const std::string& path) {
  if (!field->options().HasExtension(hub::v1::rules)) return std::nullopt;
  const hub::v1::FieldRules& rules = field->options().GetExtension(hub::v1::rules);
  const bool low = rules.has_min() && value < rules.min();
  const bool high = rules.has_max() && value > rules.max();
  if (!low && !high) return std::nullopt;
  std::string allowed;
  if (rules.has_min() && rules.has_max()) {
    allowed = absl::StrCat("from ", rules.min(), " to ", rules.max());
  } else if (rules.has_min()) {
    allowed = absl::StrCat("at least ", rules.min());
  } else {
    allowed = absl::StrCat("at most ", rules.max());
  }
  return ContractViolation{
      path, absl::StrCat(path, " is ", value, "; it must be ", allowed, ": correct the value")};
}

std::optional<ContractViolation> Walk(const Message& message, const std::string& path);

// One value of `field` (element `index` of a repeated field, -1 if singular).
std::optional<ContractViolation> CheckValue(const Message& message, const FieldDescriptor* field,
                                            int index, const std::string& path) {
  const Reflection* r = message.GetReflection();
  const bool rep = index >= 0;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_ENUM:
      return CheckEnum(
          field,
          rep ? r->GetRepeatedEnumValue(message, field, index) : r->GetEnumValue(message, field),
          path);
    case FieldDescriptor::CPPTYPE_INT32:
      return CheckRange(
          field, rep ? r->GetRepeatedInt32(message, field, index) : r->GetInt32(message, field),
          path);
    case FieldDescriptor::CPPTYPE_INT64:
      return CheckRange(
          field, rep ? r->GetRepeatedInt64(message, field, index) : r->GetInt64(message, field),
          path);
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return Walk(
          rep ? r->GetRepeatedMessage(message, field, index) : r->GetMessage(message, field), path);
    default:
      return std::nullopt;
  }
}

std::optional<ContractViolation> Walk(const Message& message, const std::string& path) {
  const google::protobuf::Descriptor* d = message.GetDescriptor();
  const Reflection* r = message.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* field = d->field(i);
    const std::string field_path = Join(path, field->name());
    if (field->is_repeated()) {
      const int n = r->FieldSize(message, field);
      for (int k = 0; k < n; ++k) {
        if (auto bad = CheckValue(message, field, k, Indexed(field_path, k))) return bad;
      }
      continue;
    }
    // An unset message (or oneof member) holds nothing to check; an unset
    // scalar holds its default, which the rules do cover (units 0 < 1).
    const bool message_type = field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
    if ((message_type || field->real_containing_oneof() != nullptr) &&
        !r->HasField(message, field)) {
      continue;
    }
    if (auto bad = CheckValue(message, field, -1, field_path)) return bad;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ContractViolation> CheckContract(const google::protobuf::Message& message,
                                               std::string_view root) {
  return Walk(message, std::string(root));
}

}  // namespace hub
