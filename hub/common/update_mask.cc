#include "hub/common/update_mask.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/field_mask_util.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace hub {

absl::Status ApplyUpdateMask(const google::protobuf::Message& update,
                             const google::protobuf::FieldMask& mask, std::string_view id_field,
                             google::protobuf::Message* stored) {
  const google::protobuf::Descriptor* descriptor = update.GetDescriptor();
  google::protobuf::FieldMask effective;
  if (mask.paths().empty()) {
    std::vector<const google::protobuf::FieldDescriptor*> set_fields;
    update.GetReflection()->ListFields(update, &set_fields);
    for (const google::protobuf::FieldDescriptor* field : set_fields) {
      if (field->name() != id_field) effective.add_paths(field->name());
    }
  } else {
    for (const std::string& path : mask.paths()) {
      const google::protobuf::FieldDescriptor* field = descriptor->FindFieldByName(path);
      if (field == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("update_mask path \"", path, "\" is not a field of ", descriptor->name(),
                         "; name top-level fields only, e.g. \"name\""));
      }
      if (field->name() == id_field) {
        return absl::InvalidArgumentError(
            absl::StrCat("update_mask names ", path, ", which cannot change (it selects the ",
                         descriptor->name(), " to update); remove it from update_mask"));
      }
      effective.add_paths(path);
    }
  }
  if (effective.paths().empty()) return absl::OkStatus();  // Nothing to change.
  google::protobuf::util::FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  google::protobuf::util::FieldMaskUtil::MergeMessageTo(update, effective, options, stored);
  return absl::OkStatus();
}

}  // namespace hub
