// FixedWidthReader: streaming reader for fixed-width text files, one record
// per line (LF, CRLF or CR). Column positions are in bytes.
//
// An optional record-type column tells header, data and trailer records
// apart: the header must be the first record, the trailer the last, and the
// trailer's count column must equal the number of data records. A UTF-8 byte
// order mark at the start is skipped; empty lines (or lines of spaces only)
// are skipped. Values are trimmed as options.trim says.
//
// Row errors (row skipped, the next one read): ROW_RECORD_LENGTH,
// ROW_RECORD_TOO_LONG, ROW_INVALID_UTF8, ROW_UNKNOWN_RECORD_TYPE.
// File errors: FILE_EMPTY, FILE_BAD_HEADER, FILE_BAD_TRAILER,
// FILE_TRAILER_MISSING, FILE_TRAILER_MISMATCH, FILE_DATA_AFTER_TRAILER,
// FILE_WRONG_LAYOUT (no data record has the layout's length).
#ifndef HUB_ADAPTERS_READERS_FIXED_WIDTH_READER_H_
#define HUB_ADAPTERS_READERS_FIXED_WIDTH_READER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "adapters/readers/record.h"
#include "adapters/readers/text_util.h"

namespace hub::adapters {

struct FixedWidthColumnSpec {
  // Column name, e.g. "CIN"; how mappings refer to the column.
  std::string name;
  // First byte of the column, 1-based.
  size_t start = 1;
  // Width in bytes.
  size_t length = 1;
};

enum class FixedWidthTrim {
  kNone,   // values exactly as in the file
  kRight,  // trailing spaces removed
  kBoth,   // leading and trailing spaces removed
};

struct FixedWidthOptions {
  // Columns of every record type (header and trailer records are read with
  // the same positions). Record fields are in this order.
  std::vector<FixedWidthColumnSpec> columns;
  // Exact length in bytes of data records, excluding the line break;
  // 0 = not checked (a short record reads as padded with spaces).
  size_t record_length = 0;
  FixedWidthTrim trim = FixedWidthTrim::kBoth;

  // Name of the column telling record types apart; empty = all records are
  // data.
  std::string record_type_column;
  // Record-type values (compared after trimming). Empty header/trailer type:
  // the file has no such record. Empty data type: every record that is not
  // a header or trailer is data; otherwise other values are
  // ROW_UNKNOWN_RECORD_TYPE.
  std::string header_record_type;
  std::string data_record_type;
  std::string trailer_record_type;
  // Column of the trailer holding the number of data records; empty = none.
  std::string trailer_count_column;

  // True: a file without data records is rejected (FILE_EMPTY) unless a
  // trailer says 0.
  bool reject_empty = true;
  // Longest accepted line in bytes; bounds the reader's memory.
  size_t max_record_bytes = 1 << 16;
};

// Checks options: columns present and named uniquely, positions within
// record_length, record-type and count columns declared.
absl::Status ValidateFixedWidthOptions(const FixedWidthOptions& options);

class FixedWidthReader : public StreamReader {
 public:
  // `sink` is not owned and must outlive the reader.
  static absl::StatusOr<std::unique_ptr<FixedWidthReader>> Create(FixedWidthOptions options,
                                                                  RecordSink* sink);

  absl::Status Feed(std::string_view chunk) override;
  absl::Status Finish() override;
  const ReaderStats& stats() const override { return stats_; }

 private:
  FixedWidthReader(FixedWidthOptions options, RecordSink* sink);
  absl::Status Parse(std::string_view bytes);
  absl::Status EndLine();
  absl::Status OnLine();
  absl::Status OnTrailer();
  absl::Status OnDataRow();
  std::string_view Column(size_t index) const;
  absl::Status Fail(absl::Status status);

  const FixedWidthOptions options_;
  RecordSink* const sink_;
  internal::BomSkipper bom_;
  ReaderStats stats_;
  ColumnMap columns_;
  std::optional<size_t> type_index_;
  std::optional<size_t> count_index_;
  bool spent_ = false;

  // Line state; survives chunk boundaries.
  std::string line_buf_;
  size_t line_length_ = 0;  // bytes the line really had
  bool pending_cr_ = false;
  bool line_started_ = false;
  int64_t lines_done_ = 0;  // lines completed; the current line is lines_done_ + 1

  // File state.
  bool saw_any_record_ = false;
  bool columns_announced_ = false;
  bool trailer_seen_ = false;
  int64_t trailer_line_ = 0;
  int64_t rows_with_layout_length_ = 0;
  std::vector<std::string_view> views_;
};

}  // namespace hub::adapters

#endif  // HUB_ADAPTERS_READERS_FIXED_WIDTH_READER_H_
