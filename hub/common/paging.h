// Page sizes and page tokens for the hub's List RPCs (AIP-158).
//
// A page token is opaque to clients: web-safe base64 of a kind tag and the
// last id of the previous page. A token from one list is rejected by another.
#ifndef HUB_HUB_COMMON_PAGING_H_
#define HUB_HUB_COMMON_PAGING_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace hub {

inline constexpr int kDefaultPageSize = 100;
inline constexpr int kMaxPageSize = 1000;

// The effective page size: 0 -> kDefaultPageSize, above kMaxPageSize ->
// kMaxPageSize. InvalidArgument if negative.
absl::StatusOr<int> EffectivePageSize(int requested);

// The token that resumes a list of `kind` (e.g. "plans") after `last_id`.
std::string EncodePageToken(std::string_view kind, std::string_view last_id);

// InvalidArgument telling the client its page_token is not one the list
// returned.
absl::Status InvalidPageTokenError();

// The last id encoded in `token` for a list of `kind`; "" for an empty
// token (first page). InvalidArgument if the token was not issued by
// EncodePageToken for `kind`.
absl::StatusOr<std::string> DecodePageToken(std::string_view kind, std::string_view token);

}  // namespace hub

#endif  // HUB_HUB_COMMON_PAGING_H_
