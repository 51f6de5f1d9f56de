// The streaming model shared by every reader in adapters/readers/.
//
// A reader is fed a file's bytes in chunks of any size (Feed), then told the
// file ended (Finish). As it goes it hands each parsed record to a RecordSink
// and reports each row it could not read as a RowError; it then continues with
// the next row. A problem that makes the whole file unreadable (empty file,
// missing header columns, wrong delimiter, trailer count mismatch, broken X12
// envelope) is returned as a non-OK absl::Status from Feed or Finish: the
// caller rejects the file whole. Because some file-level checks (trailer
// counts, X12 SE/GE/IEA) can only run at the end, a caller must not commit
// what the sink received until Finish returned OK.
//
// Results do not depend on where chunk boundaries fall. Memory is bounded by
// the reader's maximum record size, independent of the file's size.
//
// Readers are pure: bytes in, records out. No clock, files or RPC.
// Messages never echo field contents (they may be PHI): they name row
// numbers, line numbers and column names only.
#ifndef HUB_ADAPTERS_READERS_RECORD_H_
#define HUB_ADAPTERS_READERS_RECORD_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"

namespace hub::adapters {

// Stable reason codes of row errors. Ingest reports carry them verbatim.
inline constexpr std::string_view kRowFieldCount = "ROW_FIELD_COUNT";
inline constexpr std::string_view kRowFieldTooLong = "ROW_FIELD_TOO_LONG";
inline constexpr std::string_view kRowRecordTooLong = "ROW_RECORD_TOO_LONG";
inline constexpr std::string_view kRowInvalidUtf8 = "ROW_INVALID_UTF8";
inline constexpr std::string_view kRowUnterminatedQuote = "ROW_UNTERMINATED_QUOTE";
inline constexpr std::string_view kRowInvalidQuote = "ROW_INVALID_QUOTE";
inline constexpr std::string_view kRowRecordLength = "ROW_RECORD_LENGTH";
inline constexpr std::string_view kRowUnknownRecordType = "ROW_UNKNOWN_RECORD_TYPE";
inline constexpr std::string_view kRowMissingSegment = "ROW_MISSING_SEGMENT";
inline constexpr std::string_view kRowMissingValue = "ROW_MISSING_VALUE";
inline constexpr std::string_view kRowInvalidValue = "ROW_INVALID_VALUE";
inline constexpr std::string_view kRowInvalidDate = "ROW_INVALID_DATE";
inline constexpr std::string_view kRowLoopTooLong = "ROW_LOOP_TOO_LONG";

// Stable codes of file-level errors, attached to the non-OK Status that
// Feed/Finish return (read them back with FileErrorCode).
inline constexpr std::string_view kFileEmpty = "FILE_EMPTY";
inline constexpr std::string_view kFileBadHeader = "FILE_BAD_HEADER";
inline constexpr std::string_view kFileMissingColumns = "FILE_MISSING_COLUMNS";
inline constexpr std::string_view kFileUnknownColumns = "FILE_UNKNOWN_COLUMNS";
inline constexpr std::string_view kFileDuplicateColumns = "FILE_DUPLICATE_COLUMNS";
inline constexpr std::string_view kFileWrongDelimiter = "FILE_WRONG_DELIMITER";
inline constexpr std::string_view kFileBadTrailer = "FILE_BAD_TRAILER";
inline constexpr std::string_view kFileTrailerMissing = "FILE_TRAILER_MISSING";
inline constexpr std::string_view kFileTrailerMismatch = "FILE_TRAILER_MISMATCH";
inline constexpr std::string_view kFileDataAfterTrailer = "FILE_DATA_AFTER_TRAILER";
inline constexpr std::string_view kFileWrongLayout = "FILE_WRONG_LAYOUT";
inline constexpr std::string_view kFileNotX12 = "FILE_NOT_X12";
inline constexpr std::string_view kFileX12Envelope = "FILE_X12_ENVELOPE";
inline constexpr std::string_view kFileX12Truncated = "FILE_X12_TRUNCATED";
inline constexpr std::string_view kFileX12WrongTransaction = "FILE_X12_WRONG_TRANSACTION";
inline constexpr std::string_view kFileX12SegmentTooLong = "FILE_X12_SEGMENT_TOO_LONG";
inline constexpr std::string_view kFileX12BadHeader = "FILE_X12_BAD_HEADER";

// An InvalidArgument status for a file that cannot be read at all, carrying
// the stable `code` (one of kFile*). `message` must say what to fix and
// must not contain field values.
absl::Status FileError(std::string_view code, std::string_view message);

// The kFile* code attached by FileError, or "" if `status` has none (OK
// statuses, errors returned by a sink, misuse of a reader).
std::string FileErrorCode(const absl::Status& status);

// A row the reader could not read. Never carries the row's values.
struct RowError {
  // 1-based data row number (header and trailer records excluded); for X12,
  // the 1-based member loop number (1 = first INS of the file).
  int64_t row_number = 0;
  // 1-based physical line on which the row (or, for X12, the offending
  // segment) starts.
  int64_t line_number = 0;
  // X12 only: 1-based position of the offending segment within its
  // transaction set (ST = 1); 0 for text files.
  int64_t segment_position = 0;
  // The field at fault: a column name, "#N" (1-based) for unnamed columns, an
  // X12 reference such as "DMG02" or "NM1*IL"; empty for the whole row.
  std::string field;
  // One of the kRow* codes.
  std::string reason_code;
  // A sentence a person can act on; no field values.
  std::string message;
  // The identity of the row's record when the row could be read far enough
  // to know it (a member row's CIN, an authorization row's number), set by
  // the mapping (plan_adapter.h); "" when unknown (e.g. a broken quote or a
  // wrong field count). For the hub only, so that a rejected row still
  // counts as listing its record in a snapshot file: PHI, never put in a
  // report, a log or a message.
  std::string identity;

  friend bool operator==(const RowError&, const RowError&) = default;
};

// Column names of a file, resolved once per file. Lookups ignore ASCII case
// and all whitespace ("Member ID" == "memberid"). "#N" (1-based) always
// names column N. Immutable once built; safe to share across threads.
class ColumnMap {
 public:
  ColumnMap() = default;
  // Column i of the file is named names[i] ("" for an unnamed column).
  // Later duplicates of a name do not replace the first.
  explicit ColumnMap(std::vector<std::string> names);

  // Number of columns.
  size_t size() const { return names_.size(); }
  // Name of column `index` as configured or as the header spelled it; "" if
  // unnamed. Precondition: index < size().
  const std::string& name(size_t index) const { return names_[index]; }
  // 0-based index of the column called `name`, or nullopt if there is none.
  std::optional<size_t> IndexOf(std::string_view name) const;
  // The name an error message uses for column `index`: its name, or "#N".
  std::string DisplayName(size_t index) const;

  // The key lookups use: ASCII lower case, whitespace removed.
  static std::string Normalize(std::string_view name);

 private:
  std::vector<std::string> names_;
  absl::flat_hash_map<std::string, size_t> index_;
};

// One parsed record. A view: the field values and the column map are owned
// by the reader and valid only during the RecordSink::OnRecord call; copy
// what you keep.
class Record {
 public:
  Record(int64_t row_number, int64_t line_number, const std::string_view* fields,
         size_t field_count, const ColumnMap* columns)
      : row_number_(row_number),
        line_number_(line_number),
        fields_(fields),
        field_count_(field_count),
        columns_(columns) {}

  // 1-based data row number (header/trailer excluded); X12: member loop number.
  int64_t row_number() const { return row_number_; }
  // 1-based physical line where the record starts.
  int64_t line_number() const { return line_number_; }
  // Number of fields in this record.
  size_t size() const { return field_count_; }
  // Value of field `index` (0-based), or "" if the record has no such field.
  std::string_view field(size_t index) const {
    return index < field_count_ ? fields_[index] : std::string_view();
  }
  // All field values, by column index.
  std::span<const std::string_view> fields() const { return {fields_, field_count_}; }
  // Value of the column called `name`, nullopt if the file has no such
  // column. Hashes the name on each call: resolve indexes once with
  // columns().IndexOf for per-row work.
  std::optional<std::string_view> Get(std::string_view name) const;
  // The file's columns (the same object for every record of a file).
  const ColumnMap& columns() const { return *columns_; }

 private:
  int64_t row_number_;
  int64_t line_number_;
  const std::string_view* fields_;
  size_t field_count_;
  const ColumnMap* columns_;
};

// Receives what a reader parses. Any non-OK status returned here stops the
// reader: Feed/Finish return that status unchanged.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // Called once, before the first record, with the file's columns. The map
  // stays valid until the reader is destroyed: resolve indexes here.
  virtual absl::Status OnColumns(const ColumnMap& columns) { return absl::OkStatus(); }
  // A record every field of which was read.
  virtual absl::Status OnRecord(const Record& record) = 0;
  // A row that was not read (one call per problem; a row may have several).
  virtual absl::Status OnRowError(const RowError& error) = 0;
  // A row rejected for a problem in one of its values while its fields were
  // read (an 834 member loop with a bad date): the record is passed along so
  // the mapping can tell whose row it was (RowError::identity). Defaults to
  // OnRowError(error).
  virtual absl::Status OnRejectedRecord(const Record& record, const RowError& error) {
    return OnRowError(error);
  }
};

// Counters a reader keeps; read them after Finish.
struct ReaderStats {
  // Data rows seen (good and bad; header/trailer excluded). X12: member loops.
  int64_t rows_read = 0;
  // Rows with at least one RowError.
  int64_t rows_rejected = 0;
  // Bytes fed.
  int64_t bytes = 0;
};

// What every reader implements. Not thread-safe: one file, one thread.
class StreamReader {
 public:
  virtual ~StreamReader() = default;
  // Parses the next bytes of the file. Non-OK: the file is rejected (see
  // FileErrorCode) or the sink failed; the reader is then spent and every
  // later call returns FailedPrecondition.
  virtual absl::Status Feed(std::string_view chunk) = 0;
  // Marks the end of the file: parses the last record and runs the end of
  // file checks. Must be called exactly once, after the last Feed.
  virtual absl::Status Finish() = 0;
  virtual const ReaderStats& stats() const = 0;
};

}  // namespace hub::adapters

#endif  // HUB_ADAPTERS_READERS_RECORD_H_
