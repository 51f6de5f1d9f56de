// Internal helpers of adapters/readers/: not part of the readers' contract.
#ifndef HUB_ADAPTERS_READERS_TEXT_UTIL_H_
#define HUB_ADAPTERS_READERS_TEXT_UTIL_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "base/string_view.h"

namespace hub::adapters::internal {

// Debian's absl::string_view is not std::string_view: convert for StrCat.

// True if `s` is well-formed UTF-8 (no overlong forms, surrogates or code
// points above U+10FFFF).
bool IsValidUtf8(std::string_view s);

// `s` without leading and trailing ASCII spaces and tabs.
std::string_view TrimSpaces(std::string_view s);

// ASCII case-insensitive equality.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// A non-negative decimal count (leading/trailing spaces and leading zeros
// allowed), or nullopt.
std::optional<int64_t> ParseCount(std::string_view s);

// Drops a UTF-8 byte order mark (EF BB BF) at the very start of a stream
// fed in chunks, wherever the chunk boundaries fall.
class BomSkipper {
 public:
  // Passes the bytes of `chunk` that follow any BOM to `next` (zero, one or
  // two calls; a partial BOM that turned out not to be one is replayed).
  template <typename F>
  absl::Status Feed(std::string_view chunk, F&& next) {
    if (done_) return next(chunk);
    size_t i = 0;
    while (i < chunk.size() && matched_ < 3) {
      if (static_cast<unsigned char>(chunk[i]) != kBom[matched_]) {
        done_ = true;
        if (matched_ > 0) {
          absl::Status s = next(std::string_view(kBomChars, matched_));
          if (!s.ok()) return s;
        }
        return next(chunk.substr(i));
      }
      ++matched_;
      ++i;
    }
    if (matched_ == 3) {
      done_ = true;
      return next(chunk.substr(i));
    }
    return absl::OkStatus();
  }
  // At end of stream: replays a partial BOM (a file of 1 or 2 BOM bytes).
  template <typename F>
  absl::Status Finish(F&& next) {
    if (done_ || matched_ == 0) return absl::OkStatus();
    done_ = true;
    return next(std::string_view(kBomChars, matched_));
  }

 private:
  static constexpr unsigned char kBom[3] = {0xEF, 0xBB, 0xBF};
  static constexpr char kBomChars[3] = {'\xEF', '\xBB', '\xBF'};
  size_t matched_ = 0;
  bool done_ = false;
};

// Status every reader returns once it failed or finished.
absl::Status SpentReaderError();

}  // namespace hub::adapters::internal

#endif  // HUB_ADAPTERS_READERS_TEXT_UTIL_H_
