// Structured logs: one JSON object per line on stderr,
//   {"ts":"2026-11-23T10:56:00.123Z","level":"info","event":"hubd_started","port":50051}
//
// NEVER pass PHI (member names, CINs, dates of birth, addresses, phone
// numbers) as a field or an event name. Log record ids, counts, plan and
// provider ids, row numbers, codes. Logs leave the hub (collectors, support
// tickets); PHI must not.
//
// Thread safety: every function here may be called from any thread; lines
// never interleave.
#ifndef HUB_HUB_COMMON_LOG_H_
#define HUB_HUB_COMMON_LOG_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace hub::log {

enum class Level { kInfo, kWarning, kError };

// One key/value of a log line. Values are strings, integers or booleans;
// the key should be a snake_case literal, e.g. "provider_id", "plan_count"
// (it is held by reference for the duration of the call).
class Field {
 public:
  Field(std::string_view key, std::string_view value) : key_(key), value_(std::string(value)) {}
  Field(std::string_view key, const char* value)
      : key_(key), value_(std::string(value == nullptr ? "" : value)) {}
  Field(std::string_view key, const std::string& value) : key_(key), value_(value) {}
  Field(std::string_view key, int value) : key_(key), value_(int64_t{value}) {}
  Field(std::string_view key, long value) : key_(key), value_(int64_t{value}) {}
  Field(std::string_view key, long long value) : key_(key), value_(int64_t{value}) {}
  Field(std::string_view key, unsigned value) : key_(key), value_(int64_t{value}) {}
  Field(std::string_view key, unsigned long value)
      : key_(key), value_(static_cast<int64_t>(value)) {}
  Field(std::string_view key, unsigned long long value)
      : key_(key), value_(static_cast<int64_t>(value)) {}
  Field(std::string_view key, bool value) : key_(key), value_(value) {}

  std::string_view key() const { return key_; }
  const std::variant<std::string, int64_t, bool>& value() const { return value_; }

 private:
  std::string_view key_;
  std::variant<std::string, int64_t, bool> value_;
};

// Writes one line at `level` for `event` (snake_case, e.g. "seed_loaded").
void Write(Level level, std::string_view event, std::initializer_list<Field> fields = {});

inline void Info(std::string_view event, std::initializer_list<Field> fields = {}) {
  Write(Level::kInfo, event, fields);
}
inline void Warning(std::string_view event, std::initializer_list<Field> fields = {}) {
  Write(Level::kWarning, event, fields);
}
inline void Error(std::string_view event, std::initializer_list<Field> fields = {}) {
  Write(Level::kError, event, fields);
}

// Receives each finished line, without the trailing newline.
using Sink = std::function<void(std::string_view line)>;

// Replaces where lines go (stderr by default; an empty Sink restores it).
// For tests; the sink is called under the log's lock, so it must not log.
void SetSink(Sink sink);

// Renders one line exactly as Write would, with `ts` as the timestamp text.
// Exposed for tests.
std::string FormatLine(std::string_view ts, Level level, std::string_view event,
                       std::initializer_list<Field> fields);

// Appends `text` to `out` as a JSON string literal (with quotes), escaping
// quotes, backslashes and control characters; invalid UTF-8 becomes U+FFFD.
void AppendJsonString(std::string_view text, std::string* out);

}  // namespace hub::log

#endif  // HUB_HUB_COMMON_LOG_H_
