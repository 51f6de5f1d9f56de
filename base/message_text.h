// Error messages sent to callers stay short: a value a caller sent (an id,
// a path) may be copied into a message, but never at any length.
#ifndef HUB_BASE_MESSAGE_TEXT_H_
#define HUB_BASE_MESSAGE_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace hub {

// Longest run without spaces kept whole in a message, and the longest
// message (UTF-8 bytes) sent to a caller.
inline constexpr size_t kMaxMessageToken = 80;
inline constexpr size_t kMaxMessageBytes = 1024;

// `message` with every run of more than kMaxMessageToken non-space bytes cut
// to its first 64 followed by "...(N characters)", then cut to
// kMaxMessageBytes (at a UTF-8 character boundary, ending in "..."). A
// message within both limits comes back unchanged.
std::string BoundMessage(std::string_view message);

}  // namespace hub

#endif  // HUB_BASE_MESSAGE_TEXT_H_
