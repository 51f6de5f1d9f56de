#include "adapters/writers/text_writers.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace hub::adapters {
namespace {

bool NeedsQuotes(char delimiter, std::string_view field) {
  if (field.empty()) return false;
  if (field.front() == ' ' || field.back() == ' ') return true;
  return field.find_first_of(std::string{delimiter, '"', '\r', '\n'}) != std::string_view::npos;
}

}  // namespace

void AppendDelimitedRecord(char delimiter, std::span<const std::string> fields, std::string& out) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out.push_back(delimiter);
    const std::string& field = fields[i];
    if (!NeedsQuotes(delimiter, field)) {
      out.append(field);
      continue;
    }
    out.push_back('"');
    for (char c : field) {
      if (c == '"') out.push_back('"');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.append("\r\n");
}

absl::Status AppendFixedWidthRecord(std::span<const FixedWidthSlot> slots,
                                    std::span<const std::string> values, int record_length,
                                    std::string& out) {
  if (values.size() != slots.size()) {
    return absl::InvalidArgumentError(absl::StrCat("fixed-width record has ", values.size(),
                                                   " values for ", slots.size(), " columns"));
  }
  int length = record_length;
  for (const FixedWidthSlot& slot : slots) length = std::max(length, slot.start - 1 + slot.length);
  std::string record(static_cast<size_t>(length), ' ');
  for (size_t i = 0; i < slots.size(); ++i) {
    const std::string& v = values[i];
    if (static_cast<int>(v.size()) > slots[i].length) {
      return absl::InvalidArgumentError(
          absl::StrCat("value for fixed-width column #", i + 1, " is ", v.size(),
                       " bytes, wider than the column's ", slots[i].length));
    }
    if (v.find_first_of("\r\n") != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("value for fixed-width column #", i + 1, " holds a line break"));
    }
    record.replace(static_cast<size_t>(slots[i].start - 1), v.size(), v);
  }
  out.append(record);
  out.append("\r\n");
  return absl::OkStatus();
}

}  // namespace hub::adapters
