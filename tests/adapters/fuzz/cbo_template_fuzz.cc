// libFuzzer target for the CBO CSV template reader (adapters/templates/
// cbo_template.h: the template's layout, then each row to a Submission).
// Input: byte 0 picks a chunk size; the rest is the file. Traps if feeding
// the file whole, byte by byte or in chunks gives different submissions or
// row errors, if an error lacks its row, column or code, or if a file error
// is not a coded InvalidArgument.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "adapters/readers/record.h"
#include "adapters/templates/cbo_template.h"
#include "tests/adapters/fuzz/fuzz_util.h"

namespace {

using hub::adapters::fuzz::Sink;

struct Result {
  absl::Status status;
  std::vector<std::string> submissions;  // "row:serialized"
  std::vector<std::string> errors;       // "row/column/code"
  bool operator==(const Result& o) const {
    return status == o.status && submissions == o.submissions && errors == o.errors;
  }
};

class Collect : public hub::adapters::SubmissionSink {
 public:
  explicit Collect(Result* out) : out_(out) {}
  absl::Status OnSubmission(int64_t row, const hub::v1::Submission& submission) override {
    if (row < 1 || row <= last_row_) Sink::Die("submission rows must increase from 1");
    last_row_ = row;
    std::string bytes;
    if (!submission.SerializeToString(&bytes)) Sink::Die("submission does not serialize");
    out_->submissions.push_back(absl::StrCat(row, ":", bytes));
    return absl::OkStatus();
  }
  absl::Status OnRowError(const hub::adapters::RowError& e) override {
    if (e.row_number < 1 || e.reason_code.empty() || e.message.empty()) Sink::Die("bad row error");
    out_->errors.push_back(absl::StrCat(e.row_number, "/", e.field, "/", e.reason_code));
    return absl::OkStatus();
  }

 private:
  Result* out_;
  int64_t last_row_ = 0;
};

Result Run(std::string_view file, size_t chunk) {
  Result out;
  Collect sink(&out);
  auto reader = hub::adapters::OpenCboTemplateReader(&sink);
  if (!reader.ok()) Sink::Die("the compiled-in template does not open");
  absl::Status status;
  size_t pos = 0;
  while (pos < file.size() && status.ok()) {
    const size_t n = chunk == 0 ? file.size() - pos : std::min(chunk, file.size() - pos);
    status = (*reader)->Feed(file.substr(pos, n));
    pos += n;
  }
  if (status.ok()) status = (*reader)->Finish();
  if (!status.ok() && (status.code() != absl::StatusCode::kInvalidArgument ||
                       hub::adapters::FileErrorCode(status).empty())) {
    Sink::Die("template file errors must be coded InvalidArgument");
  }
  const auto& stats = (*reader)->stats();
  if (stats.rows_rejected > stats.rows_read) Sink::Die("more rows rejected than read");
  out.status = status;
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t chunk = data[0] % 64;
  std::string_view file(reinterpret_cast<const char*>(data + 1), size - 1);
  const Result whole = Run(file, 0);
  if (!(Run(file, 1) == whole)) Sink::Die("byte-by-byte result differs from whole");
  if (chunk > 1 && !(Run(file, chunk) == whole)) Sink::Die("chunked result differs from whole");
  return 0;
}
