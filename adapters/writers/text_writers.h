// Writers for the text layouts the readers read: RFC 4180 delimited records
// and fixed-width records. Pure: they append bytes to a string the caller
// owns, so a caller can flush it in chunks and keep memory bounded.
#ifndef HUB_ADAPTERS_WRITERS_TEXT_WRITERS_H_
#define HUB_ADAPTERS_WRITERS_TEXT_WRITERS_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace hub::adapters {

// Appends one delimited record (fields joined by `delimiter`, ended by CRLF)
// to `out`. A field is quoted when it holds the delimiter, a quote, a line
// break or leading/trailing spaces; quotes inside are doubled (RFC 4180).
void AppendDelimitedRecord(char delimiter, std::span<const std::string> fields, std::string& out);

// One column of a fixed-width record.
struct FixedWidthSlot {
  int start = 1;   // 1-based first byte
  int length = 0;  // width in bytes
};

// Appends one fixed-width record of `record_length` bytes (padded with
// spaces; 0 = up to the end of the last slot), ended by CRLF. values[i] goes
// left-aligned into slots[i]. InvalidArgument, naming the slot's index, if
// a value is longer than its slot (a writer never truncates data) or holds a
// line break.
absl::Status AppendFixedWidthRecord(std::span<const FixedWidthSlot> slots,
                                    std::span<const std::string> values, int record_length,
                                    std::string& out);

}  // namespace hub::adapters

#endif  // HUB_ADAPTERS_WRITERS_TEXT_WRITERS_H_
