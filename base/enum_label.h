// Protobuf enum value names as short lower-case labels, for metric labels,
// JSON and tables: one spelling everywhere the county sees a status.
#ifndef HUB_BASE_ENUM_LABEL_H_
#define HUB_BASE_ENUM_LABEL_H_

#include <cctype>
#include <string>
#include <string_view>

namespace hub {

// `name` without `prefix`, in lower case
// ("RECORD_KIND_SERVICE", "RECORD_KIND_" -> "service").
inline std::string EnumLabel(std::string_view name, std::string_view prefix) {
  if (name.substr(0, prefix.size()) == prefix) name.remove_prefix(prefix.size());
  std::string label(name);
  for (char& c : label) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return label;
}

}  // namespace hub

#endif  // HUB_BASE_ENUM_LABEL_H_
