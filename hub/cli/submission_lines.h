// The JSON-lines form of a provider's canonical records, as `hubctl submit
// FILE.jsonl` reads it: one hub.v1.Submission per line in protobuf's JSON
// mapping. Pure functions; thread-safe.
#ifndef HUB_HUB_CLI_SUBMISSION_LINES_H_
#define HUB_HUB_CLI_SUBMISSION_LINES_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hub/v1/submission.pb.h"

namespace hub {

// A submission and the 1-based line of the file it came from.
struct SubmissionLine {
  int64_t line = 0;
  hub::v1::Submission submission;
};

// Reads every line of `text`: lines end with "\n" (a "\r" before it is
// dropped); blank lines (spaces and tabs only) are skipped. OK with the
// submissions in file order, or InvalidArgument naming the first line that is
// not a Submission in JSON. The whole file is read before anything is
// returned, so a caller never sends half a file. The message never quotes
// the line (it may hold PHI): only its number and what a line must be.
absl::StatusOr<std::vector<SubmissionLine>> ReadSubmissionLines(std::string_view text);

}  // namespace hub

#endif  // HUB_HUB_CLI_SUBMISSION_LINES_H_
