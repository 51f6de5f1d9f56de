#include "hub/cli/submission_lines.h"

#include <google/protobuf/util/json_util.h>

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace hub {

absl::StatusOr<std::vector<SubmissionLine>> ReadSubmissionLines(std::string_view text) {
  std::vector<SubmissionLine> lines;
  google::protobuf::util::JsonParseOptions parse;
  int64_t number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    SubmissionLine parsed;
    parsed.line = number;
    // Debian's protobuf takes an absl-free StringPiece; convert explicitly.
    if (!google::protobuf::util::JsonStringToMessage(
             google::protobuf::StringPiece(line.data(), line.size()), &parsed.submission, parse)
             .ok()) {
      // The parser's message may quote the line's values (PHI): not passed on.
      return absl::InvalidArgumentError(
          absl::StrCat("line ", number,
                       " is not a hub.v1.Submission in JSON (one object per line, e.g. "
                       "{\"idempotency_key\": \"k1\", \"outreach_attempt\": {...}})"));
    }
    lines.push_back(std::move(parsed));
  }
  return lines;
}

}  // namespace hub
