#include "base/message_text.h"

#include "absl/strings/str_cat.h"

namespace hub {
namespace {

constexpr size_t kKeptOfToken = 64;

// The length of `s`'s prefix of at most `max` bytes that ends on a UTF-8
// character boundary.
size_t Utf8Prefix(std::string_view s, size_t max) {
  if (s.size() <= max) return s.size();
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return n;
}

}  // namespace

std::string BoundMessage(std::string_view message) {
  std::string out;
  out.reserve(message.size() < kMaxMessageBytes ? message.size() : kMaxMessageBytes);
  size_t i = 0;
  while (i < message.size()) {
    if (message[i] == ' ') {
      out.push_back(' ');
      ++i;
      continue;
    }
    size_t end = message.find(' ', i);
    if (end == std::string_view::npos) end = message.size();
    const std::string_view token = message.substr(i, end - i);
    if (token.size() <= kMaxMessageToken) {
      out.append(token.data(), token.size());
    } else {
      const size_t kept = Utf8Prefix(token, kKeptOfToken);
      out.append(token.data(), kept);
      absl::StrAppend(&out, "...(", token.size(), " characters)");
    }
    i = end;
    if (out.size() > kMaxMessageBytes) break;
  }
  if (out.size() > kMaxMessageBytes) {
    out.resize(Utf8Prefix(out, kMaxMessageBytes - 3));
    out += "...";
  }
  return out;
}

}  // namespace hub
