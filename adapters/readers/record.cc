#include "adapters/readers/record.h"

#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "adapters/readers/text_util.h"

namespace hub::adapters {
namespace {

constexpr char kFileErrorPayloadUrl[] = "type.hub.county/adapters.FileErrorCode";

}  // namespace

absl::Status FileError(std::string_view code, std::string_view message) {
  absl::Status status =
      absl::InvalidArgumentError(absl::string_view(message.data(), message.size()));
  status.SetPayload(kFileErrorPayloadUrl, absl::Cord(absl::string_view(code.data(), code.size())));
  return status;
}

std::string FileErrorCode(const absl::Status& status) {
  auto payload = status.GetPayload(kFileErrorPayloadUrl);
  if (!payload.has_value()) return "";
  return std::string(*payload);
}

ColumnMap::ColumnMap(std::vector<std::string> names) : names_(std::move(names)) {
  index_.reserve(names_.size());
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i].empty()) continue;
    index_.try_emplace(Normalize(names_[i]), i);
  }
}

std::string ColumnMap::Normalize(std::string_view name) {
  std::string key;
  key.reserve(name.size());
  for (char c : name) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') continue;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    key.push_back(c);
  }
  return key;
}

std::optional<size_t> ColumnMap::IndexOf(std::string_view name) const {
  std::string key = Normalize(name);
  if (auto it = index_.find(key); it != index_.end()) return it->second;
  if (key.size() > 1 && key[0] == '#') {
    std::optional<int64_t> n = internal::ParseCount(std::string_view(key).substr(1));
    if (n.has_value() && *n >= 1 && static_cast<uint64_t>(*n) <= names_.size()) {
      return static_cast<size_t>(*n - 1);
    }
  }
  return std::nullopt;
}

std::string ColumnMap::DisplayName(size_t index) const {
  if (index < names_.size() && !names_[index].empty()) return names_[index];
  return absl::StrCat("#", index + 1);
}

std::optional<std::string_view> Record::Get(std::string_view name) const {
  std::optional<size_t> index = columns_->IndexOf(name);
  if (!index.has_value()) return std::nullopt;
  return field(*index);
}

namespace internal {

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (static_cast<size_t>(end - p) < len) return false;
    for (size_t i = 1; i < len; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    p += len;
  }
  return true;
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::optional<int64_t> ParseCount(std::string_view s) {
  s = TrimSpaces(s);
  if (s.empty() || s.size() > 18) {
    // 18 digits cannot overflow int64; longer counts are not plausible.
    while (s.size() > 18 && s.front() == '0') s.remove_prefix(1);
    if (s.empty() || s.size() > 18) return std::nullopt;
  }
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

absl::Status SpentReaderError() {
  return absl::FailedPreconditionError(
      "the reader already failed or finished; start a new reader for the next file");
}

}  // namespace internal
}  // namespace hub::adapters
