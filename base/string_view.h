// Debian's Abseil (20220623) has its own absl::string_view, not an alias of
// std::string_view: the two convert only explicitly. These two functions are
// the project's one place for it (no copy, the same bytes).
#ifndef HUB_BASE_STRING_VIEW_H_
#define HUB_BASE_STRING_VIEW_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace hub {

inline absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }
inline std::string_view Std(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace hub

#endif  // HUB_BASE_STRING_VIEW_H_
