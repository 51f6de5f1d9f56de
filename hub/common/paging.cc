#include "hub/common/paging.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace hub {

absl::StatusOr<int> EffectivePageSize(int requested) {
  if (requested < 0) {
    return absl::InvalidArgumentError(absl::StrCat("page_size must be 0 (server default of ",
                                                   kDefaultPageSize, ") or 1 to ", kMaxPageSize));
  }
  if (requested == 0) return kDefaultPageSize;
  return requested > kMaxPageSize ? kMaxPageSize : requested;
}

std::string EncodePageToken(std::string_view kind, std::string_view last_id) {
  return absl::WebSafeBase64Escape(absl::StrCat(absl::string_view(kind.data(), kind.size()), ":",
                                                absl::string_view(last_id.data(), last_id.size())));
}

absl::Status InvalidPageTokenError() {
  return absl::InvalidArgumentError(
      "page_token is not a token this list returned; pass next_page_token from the previous "
      "response unchanged, or leave it empty for the first page");
}

absl::StatusOr<std::string> DecodePageToken(std::string_view kind, std::string_view token) {
  if (token.empty()) return std::string();
  std::string decoded;
  const std::string prefix = absl::StrCat(absl::string_view(kind.data(), kind.size()), ":");
  if (!absl::WebSafeBase64Unescape(absl::string_view(token.data(), token.size()), &decoded) ||
      decoded.size() <= prefix.size() || decoded.compare(0, prefix.size(), prefix) != 0) {
    return InvalidPageTokenError();
  }
  return decoded.substr(prefix.size());
}

}  // namespace hub
