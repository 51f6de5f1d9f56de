// DelimitedReader: streaming RFC 4180 reader for comma, pipe and tab files.
//
// Fields may be quoted with '"'; inside quotes a doubled quote is one quote
// and delimiters and line breaks are data. Records end at LF, CRLF or a lone
// CR. A UTF-8 byte order mark at the start is skipped; empty lines (or lines
// of spaces only) are skipped. Field values are passed through untrimmed.
//
// Header mode (options.header): the first record names the columns; each
// configured column is found by name ignoring case and whitespace, so the
// plan may reorder columns. Positional mode: columns are "#1", "#2", ... (or
// the names in options.columns, by position).
//
// Row errors (the row is skipped, the next one read): ROW_FIELD_COUNT,
// ROW_FIELD_TOO_LONG, ROW_RECORD_TOO_LONG, ROW_INVALID_UTF8,
// ROW_INVALID_QUOTE (text after a closing quote), ROW_UNTERMINATED_QUOTE
// (a quote still open at end of file). File errors: FILE_EMPTY,
// FILE_BAD_HEADER, FILE_MISSING_COLUMNS, FILE_UNKNOWN_COLUMNS,
// FILE_DUPLICATE_COLUMNS, FILE_WRONG_DELIMITER, FILE_BAD_TRAILER,
// FILE_TRAILER_MISSING, FILE_TRAILER_MISMATCH, FILE_DATA_AFTER_TRAILER.
#ifndef HUB_ADAPTERS_READERS_DELIMITED_READER_H_
#define HUB_ADAPTERS_READERS_DELIMITED_READER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "adapters/readers/record.h"
#include "adapters/readers/text_util.h"

namespace hub::adapters {

struct DelimitedOptions {
  // Field delimiter: ',', '|' or '\t' (';' also accepted).
  char delimiter = ',';

  // True: the first non-empty record is a header naming the columns.
  bool header = true;
  // Header mode: the columns the file must have. Missing ones reject the
  // file (FILE_MISSING_COLUMNS). Positional mode: the names of columns 1..N;
  // when non-empty every data record must have exactly N fields.
  std::vector<std::string> columns;
  // Header mode: columns the file may have.
  std::vector<std::string> optional_columns;
  // Header mode: true rejects a header with a column that is in neither
  // list (FILE_UNKNOWN_COLUMNS); false ignores such columns.
  bool reject_unknown_columns = false;

  // Trailer record: a record whose first field (trimmed, any case) equals one
  // of these tags, e.g. {"TRAILER", "TRL"}. Empty = the file has no trailer.
  std::vector<std::string> trailer_tags;
  // 1-based field of the trailer holding the number of data records; 0 =
  // the trailer carries no count.
  int trailer_count_column = 2;

  // True (default): a file without data records is rejected (FILE_EMPTY),
  // unless a trailer says 0. A header-only snapshot would otherwise end every
  // record of its kind.
  bool reject_empty = true;

  // Longest accepted field in bytes (ROW_FIELD_TOO_LONG beyond).
  size_t max_field_bytes = 4096;
  // Longest accepted record in bytes, all fields together
  // (ROW_RECORD_TOO_LONG beyond). Bounds the reader's memory.
  size_t max_record_bytes = 1 << 20;
  // Most fields a record may have; beyond, the row is a ROW_FIELD_COUNT.
  size_t max_fields = 2048;
};

// Checks options: a supported delimiter, sane limits, no duplicate names.
absl::Status ValidateDelimitedOptions(const DelimitedOptions& options);

class DelimitedReader : public StreamReader {
 public:
  // `sink` is not owned and must outlive the reader. InvalidArgument if the
  // options are invalid (see ValidateDelimitedOptions) or `sink` is null.
  static absl::StatusOr<std::unique_ptr<DelimitedReader>> Create(DelimitedOptions options,
                                                                 RecordSink* sink);

  absl::Status Feed(std::string_view chunk) override;
  absl::Status Finish() override;
  const ReaderStats& stats() const override { return stats_; }

 private:
  DelimitedReader(DelimitedOptions options, RecordSink* sink);

  enum class State { kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted, kAfterQuoted };
  struct FieldSpan {
    size_t offset = 0;  // into buffer_
    size_t stored = 0;  // bytes kept in buffer_
    size_t length = 0;  // bytes the field really had
    bool quoted = false;
    bool bad_quote = false;    // text after the closing quote
    size_t quoted_stored = 0;  // stored/length when the closing quote came
    size_t quoted_length = 0;
  };

  absl::Status Parse(std::string_view bytes);
  // Parse's states: outside quotes (kUnquoted, kAfterQuoted) one delimiter,
  // line end or run of ordinary bytes at `p`; inside quotes (kQuoted,
  // kQuoteInQuoted) one quote or run of quoted bytes. Both advance `p`.
  absl::Status ScanUnquoted(const char*& p, const char* end);
  void ScanQuoted(const char*& p, const char* end);
  void Append(const char* data, size_t n);
  void EndField();
  absl::Status EndRecord(bool unterminated_quote);
  absl::Status OnHeader();
  absl::Status OnTrailer();
  absl::Status OnDataRow(bool unterminated_quote);
  // A positional file without a header: the first data row fixes the width
  // (or checks it against the configured one) and the columns go to the sink.
  absl::Status AnnouncePositionalColumns();
  // The name of column `i` in messages: configured spelling, else "#N".
  std::string ColumnName(size_t i) const;
  // Reports each bad field of the current record (too long a record, bad
  // quoting, too long a field, invalid UTF-8); true if it reported any.
  absl::StatusOr<bool> ReportBadFields(int64_t row);
  absl::Status CheckDelimiter(size_t expected_fields);
  absl::Status Report(int64_t row, std::string field, std::string_view code, std::string message);
  void ResetRecord();
  absl::Status Fail(absl::Status status);

  const DelimitedOptions options_;
  RecordSink* const sink_;
  internal::BomSkipper bom_;
  ReaderStats stats_;
  bool spent_ = false;

  // Parser state; survives chunk boundaries.
  State state_ = State::kFieldStart;
  bool pending_cr_ = false;  // a CR ended the last record; swallow one LF
  bool prev_cr_ = false;     // previous byte (inside quotes) was a CR
  int64_t line_ = 1;         // current physical line
  int64_t record_line_ = 1;  // line where the current record started
  bool record_started_ = false;
  std::string buffer_;  // stored bytes of the current record
  std::vector<FieldSpan> fields_;
  size_t field_count_ = 0;  // fields of the current record, incl. dropped
  FieldSpan current_;
  bool record_too_long_ = false;

  // File state.
  bool header_done_ = false;
  bool saw_any_record_ = false;
  bool trailer_seen_ = false;
  int64_t trailer_line_ = 0;
  size_t expected_fields_ = 0;  // 0 = not known yet
  ColumnMap columns_;
  bool columns_announced_ = false;
  // Header mode: configured spelling of each file column ("" = unconfigured,
  // shown as "#N" in messages so header text never reaches a message).
  std::vector<std::string> error_names_;
  std::vector<std::string_view> views_;
};

}  // namespace hub::adapters

#endif  // HUB_ADAPTERS_READERS_DELIMITED_READER_H_
