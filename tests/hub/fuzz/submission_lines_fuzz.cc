// libFuzzer target for the JSON-lines reader of `hubctl submit FILE.jsonl`
// (hub/cli/submission_lines.h). Input: the file. Traps if the reader answers
// other than OK or InvalidArgument, an error message is anything but its line number and a fixed
// text, line numbers do not increase, or a submission does not survive a round trip through
// protobuf's JSON printer and the reader again.
#include <google/protobuf/util/json_util.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "hub/cli/submission_lines.h"

namespace {

[[noreturn]] void Die(const char* why) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", why);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto read = hub::ReadSubmissionLines(text);
  if (!read.ok()) {
    if (read.status().code() != absl::StatusCode::kInvalidArgument) {
      Die("a bad line must be InvalidArgument");
    }
    // The message is ours alone, "line <n>" then a fixed text: the line's
    // content (PHI) never appears. The fixed text is what a one-line bad
    // file gets after "line 1".
    static const std::string kFixed = [] {
      const auto bad = hub::ReadSubmissionLines("x");
      if (bad.ok()) Die("\"x\" read as a submission");
      return std::string(bad.status().message()).substr(6);
    }();
    const std::string message(read.status().message());
    size_t digits = 5;
    while (digits < message.size() && message[digits] >= '0' && message[digits] <= '9') ++digits;
    if (message.substr(0, 5) != "line " || digits == 5 || message.substr(digits) != kFixed) {
      Die("the error message is not 'line <n>' and the fixed text");
    }
    return 0;
  }
  int64_t last = 0;
  for (const hub::SubmissionLine& line : *read) {
    if (line.line <= last) Die("line numbers must increase");
    last = line.line;
    std::string json;
    if (!google::protobuf::util::MessageToJsonString(line.submission, &json).ok()) {
      Die("a parsed submission does not print as JSON");
    }
    const auto again = hub::ReadSubmissionLines(json);
    if (!again.ok() || again->size() != 1) Die("printed JSON does not read back as one line");
    std::string a, b;
    line.submission.SerializeToString(&a);
    (*again)[0].submission.SerializeToString(&b);
    if (a != b) Die("JSON round trip changed the submission");
  }
  return 0;
}
