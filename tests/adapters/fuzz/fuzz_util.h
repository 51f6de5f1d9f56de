// Shared by the reader fuzz targets: reads one input several ways and traps
// if the results differ (chunk boundaries must never change a result) or an
// invariant breaks. Plain C++ (no gtest) so libFuzzer and the corpus driver
// can both run it.
#ifndef HUB_TESTS_ADAPTERS_FUZZ_FUZZ_UTIL_H_
#define HUB_TESTS_ADAPTERS_FUZZ_FUZZ_UTIL_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "adapters/readers/record.h"

namespace hub::adapters::fuzz {

struct Output {
  absl::Status status;
  std::vector<int64_t> rows;
  std::vector<std::string> fields;  // all fields of all records, in order
  std::vector<std::string> errors;  // "row/line/pos/field/code"
  int64_t rows_read = 0;
  int64_t rows_rejected = 0;
  bool operator==(const Output& o) const {
    return status == o.status && rows == o.rows && fields == o.fields && errors == o.errors &&
           rows_read == o.rows_read && rows_rejected == o.rows_rejected;
  }
};

class Sink : public RecordSink {
 public:
  explicit Sink(Output* out) : out_(out) {}
  absl::Status OnColumns(const ColumnMap& columns) override {
    if (++columns_calls_ != 1 || !out_->rows.empty()) Die("OnColumns called twice or late");
    columns_ = columns.size();
    return absl::OkStatus();
  }
  absl::Status OnRecord(const Record& record) override {
    if (record.row_number() < 1 || record.line_number() < 1) Die("bad row/line number");
    if (record.columns().size() != columns_) {
      Die("record columns differ from OnColumns");
    }
    out_->rows.push_back(record.row_number());
    for (size_t i = 0; i < record.size(); ++i) out_->fields.emplace_back(record.field(i));
    return absl::OkStatus();
  }
  absl::Status OnRowError(const RowError& e) override {
    if (e.row_number < 1 || e.reason_code.empty() || e.message.empty()) Die("bad row error");
    out_->errors.push_back(std::to_string(e.row_number) + "/" + std::to_string(e.line_number) +
                           "/" + std::to_string(e.segment_position) + "/" + e.field + "/" +
                           e.reason_code);
    return absl::OkStatus();
  }
  [[noreturn]] static void Die(const char* why) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", why);
    std::abort();
  }

 private:
  Output* out_;
  int columns_calls_ = 0;
  size_t columns_ = 0;
};

using Factory = std::function<std::unique_ptr<StreamReader>(RecordSink*)>;

// Feeds `data` in chunks of `chunk` bytes (0 = whole).
inline Output Run(const Factory& factory, std::string_view data, size_t chunk) {
  Output out;
  Sink sink(&out);
  std::unique_ptr<StreamReader> reader = factory(&sink);
  if (reader == nullptr) Sink::Die("factory returned null");
  absl::Status status;
  size_t pos = 0;
  while (pos < data.size() && status.ok()) {
    size_t n = chunk == 0 ? data.size() - pos : std::min(chunk, data.size() - pos);
    status = reader->Feed(data.substr(pos, n));
    pos += n;
  }
  if (status.ok()) status = reader->Finish();
  // A spent reader refuses more input.
  if (reader->Feed("x").code() != absl::StatusCode::kFailedPrecondition) {
    Sink::Die("reader accepted input after Finish or failure");
  }
  if (!status.ok() && status.code() != absl::StatusCode::kInvalidArgument) {
    Sink::Die("file errors must be InvalidArgument");
  }
  if (!status.ok() && FileErrorCode(status).empty()) Sink::Die("file error without a code");
  out.status = status;
  out.rows_read = reader->stats().rows_read;
  out.rows_rejected = reader->stats().rows_rejected;
  if (out.rows_rejected > out.rows_read) Sink::Die("more rows rejected than read");
  return out;
}

// Reads whole, byte by byte and in `chunk`-byte pieces; traps on a difference.
inline void CheckChunkInvariance(const Factory& factory, std::string_view data, size_t chunk) {
  Output whole = Run(factory, data, 0);
  if (!(Run(factory, data, 1) == whole)) Sink::Die("byte-by-byte result differs from whole");
  if (chunk > 1 && !(Run(factory, data, chunk) == whole)) {
    Sink::Die("chunked result differs from whole");
  }
}

}  // namespace hub::adapters::fuzz

#endif  // HUB_TESTS_ADAPTERS_FUZZ_FUZZ_UTIL_H_
