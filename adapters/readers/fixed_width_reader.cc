#include "adapters/readers/fixed_width_reader.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "base/identifiers.h"
#include "base/status_macros.h"

namespace hub::adapters {
namespace {

using internal::IsValidUtf8;
using internal::ParseCount;
using internal::TrimSpaces;

std::optional<size_t> FindColumn(const std::vector<FixedWidthColumnSpec>& columns,
                                 std::string_view name) {
  const std::string key = ColumnMap::Normalize(name);
  for (size_t i = 0; i < columns.size(); ++i) {
    if (ColumnMap::Normalize(columns[i].name) == key) return i;
  }
  return std::nullopt;
}

}  // namespace

absl::Status ValidateFixedWidthOptions(const FixedWidthOptions& options) {
  if (options.columns.empty()) {
    return absl::InvalidArgumentError("a fixed-width layout needs at least one column");
  }
  if (options.max_record_bytes == 0) {
    return absl::InvalidArgumentError("max_record_bytes must be > 0");
  }
  absl::flat_hash_set<std::string> names;
  for (const FixedWidthColumnSpec& c : options.columns) {
    std::string key = ColumnMap::Normalize(c.name);
    if (key.empty()) return absl::InvalidArgumentError("a fixed-width column has no name");
    if (!names.insert(key).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("fixed-width column \"", c.name, "\" is declared twice"));
    }
    if (c.start < 1 || c.length < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("fixed-width column \"", c.name, "\" needs start >= 1 and length >= 1"));
    }
    const size_t end = c.start - 1 + c.length;
    if (options.record_length > 0 && end > options.record_length) {
      return absl::InvalidArgumentError(
          absl::StrCat("fixed-width column \"", c.name, "\" ends at byte ", end,
                       ", past the record length ", options.record_length));
    }
    if (end > options.max_record_bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("fixed-width column \"", c.name, "\" ends past max_record_bytes"));
    }
  }
  if (options.record_length > options.max_record_bytes) {
    return absl::InvalidArgumentError("record_length exceeds max_record_bytes");
  }
  const bool has_types = !options.header_record_type.empty() || !options.data_record_type.empty() ||
                         !options.trailer_record_type.empty();
  if (options.record_type_column.empty()) {
    if (has_types) {
      return absl::InvalidArgumentError(
          "record types are set but record_type_column is empty; name the column that holds "
          "the record type");
    }
  } else if (!FindColumn(options.columns, options.record_type_column).has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "record_type_column \"", options.record_type_column, "\" is not a declared column"));
  }
  if (!options.header_record_type.empty() &&
      (options.header_record_type == options.data_record_type ||
       options.header_record_type == options.trailer_record_type)) {
    return absl::InvalidArgumentError("header, data and trailer record types must differ");
  }
  if (!options.trailer_record_type.empty() &&
      options.trailer_record_type == options.data_record_type) {
    return absl::InvalidArgumentError("header, data and trailer record types must differ");
  }
  if (!options.trailer_count_column.empty()) {
    if (options.trailer_record_type.empty()) {
      return absl::InvalidArgumentError("trailer_count_column needs a trailer_record_type");
    }
    if (!FindColumn(options.columns, options.trailer_count_column).has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "trailer_count_column \"", options.trailer_count_column, "\" is not a declared column"));
    }
  }
  return absl::OkStatus();
}

FixedWidthReader::FixedWidthReader(FixedWidthOptions options, RecordSink* sink)
    : options_(std::move(options)), sink_(sink) {
  std::vector<std::string> names;
  names.reserve(options_.columns.size());
  for (const FixedWidthColumnSpec& c : options_.columns) names.push_back(c.name);
  columns_ = ColumnMap(std::move(names));
  if (!options_.record_type_column.empty()) {
    type_index_ = FindColumn(options_.columns, options_.record_type_column);
  }
  if (!options_.trailer_count_column.empty()) {
    count_index_ = FindColumn(options_.columns, options_.trailer_count_column);
  }
  views_.resize(options_.columns.size());
}

absl::StatusOr<std::unique_ptr<FixedWidthReader>> FixedWidthReader::Create(
    FixedWidthOptions options, RecordSink* sink) {
  RETURN_IF_ERROR(ValidateFixedWidthOptions(options));
  if (sink == nullptr) return absl::InvalidArgumentError("sink is null");
  return std::unique_ptr<FixedWidthReader>(new FixedWidthReader(std::move(options), sink));
}

absl::Status FixedWidthReader::Fail(absl::Status status) {
  spent_ = true;
  return status;
}

absl::Status FixedWidthReader::Feed(std::string_view chunk) {
  if (spent_) return internal::SpentReaderError();
  stats_.bytes += static_cast<int64_t>(chunk.size());
  absl::Status s = bom_.Feed(chunk, [this](std::string_view b) { return Parse(b); });
  if (!s.ok()) return Fail(std::move(s));
  return absl::OkStatus();
}

absl::Status FixedWidthReader::Parse(std::string_view bytes) {
  const char* p = bytes.data();
  const char* end = p + bytes.size();
  while (p < end) {
    if (pending_cr_) {
      pending_cr_ = false;
      if (*p == '\n') {
        ++p;
        continue;
      }
    }
    const char* q = p;
    while (q < end && *q != '\n' && *q != '\r') ++q;
    const size_t n = static_cast<size_t>(q - p);
    if (n > 0) {
      line_started_ = true;
      line_length_ += n;
      const size_t room = line_buf_.size() < options_.max_record_bytes
                              ? options_.max_record_bytes - line_buf_.size()
                              : 0;
      line_buf_.append(p, std::min(n, room));
    }
    p = q;
    if (p < end) {
      pending_cr_ = *p == '\r';
      ++p;
      RETURN_IF_ERROR(EndLine());
    }
  }
  return absl::OkStatus();
}

absl::Status FixedWidthReader::Finish() {
  if (spent_) return internal::SpentReaderError();
  spent_ = true;
  RETURN_IF_ERROR(bom_.Finish([this](std::string_view b) { return Parse(b); }));
  if (line_started_) RETURN_IF_ERROR(EndLine());
  if (!saw_any_record_) return FileError(kFileEmpty, "the file is empty: it has no records");
  if (!options_.trailer_record_type.empty() && !trailer_seen_) {
    return FileError(
        kFileTrailerMissing,
        absl::StrCat("the file has no trailer record (type \"", options_.trailer_record_type,
                     "\"); it may be truncated: send the complete file"));
  }
  if (stats_.rows_read == 0 && options_.reject_empty && !trailer_seen_) {
    return FileError(kFileEmpty, "the file has no data records");
  }
  if (options_.record_length > 0 && stats_.rows_read > 0 && rows_with_layout_length_ == 0) {
    return FileError(kFileWrongLayout,
                     absl::StrCat("no data record is ", options_.record_length,
                                  " bytes long as the layout requires; the file is not in the "
                                  "agreed fixed-width layout"));
  }
  return absl::OkStatus();
}

std::string_view FixedWidthReader::Column(size_t index) const {
  const FixedWidthColumnSpec& c = options_.columns[index];
  std::string_view line(line_buf_);
  std::string_view value;
  if (c.start - 1 < line.size()) value = line.substr(c.start - 1, c.length);
  switch (options_.trim) {
    case FixedWidthTrim::kNone:
      break;
    case FixedWidthTrim::kRight:
      while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
      break;
    case FixedWidthTrim::kBoth:
      value = TrimSpaces(value);
      break;
  }
  return value;
}

absl::Status FixedWidthReader::EndLine() {
  ++lines_done_;
  absl::Status status = absl::OkStatus();
  if (!(line_length_ == line_buf_.size() && IsBlank(line_buf_))) status = OnLine();
  line_buf_.clear();
  line_length_ = 0;
  line_started_ = false;
  if (!status.ok()) return Fail(std::move(status));
  return absl::OkStatus();
}

absl::Status FixedWidthReader::OnLine() {
  const bool first = !saw_any_record_;
  saw_any_record_ = true;
  if (!columns_announced_) {
    columns_announced_ = true;
    RETURN_IF_ERROR(sink_->OnColumns(columns_));
  }
  std::string_view type;
  if (type_index_.has_value()) type = TrimSpaces(Column(*type_index_));
  const bool is_header =
      !options_.header_record_type.empty() && type == options_.header_record_type;
  const bool is_trailer =
      !options_.trailer_record_type.empty() && type == options_.trailer_record_type;
  if (first && !options_.header_record_type.empty() && !is_header) {
    return FileError(
        kFileBadHeader,
        absl::StrCat("the first record is not a header record (type \"",
                     options_.header_record_type, "\"); send the file with its header"));
  }
  if (is_header) {
    if (!first) {
      return FileError(kFileBadHeader,
                       absl::StrCat("line ", lines_done_,
                                    " is a second header record; a file has one header, first"));
    }
    return absl::OkStatus();
  }
  if (trailer_seen_) {
    return FileError(kFileDataAfterTrailer,
                     absl::StrCat("line ", lines_done_, " follows the trailer record (line ",
                                  trailer_line_, "); the trailer must be the last record"));
  }
  if (is_trailer) return OnTrailer();
  return OnDataRow();
}

absl::Status FixedWidthReader::OnTrailer() {
  trailer_seen_ = true;
  trailer_line_ = lines_done_;
  if (!count_index_.has_value()) return absl::OkStatus();
  std::optional<int64_t> count;
  if (line_length_ == line_buf_.size()) count = ParseCount(Column(*count_index_));
  if (!count.has_value()) {
    return FileError(kFileBadTrailer,
                     absl::StrCat("the trailer on line ", lines_done_, " has no record count in ",
                                  options_.trailer_count_column, "; it must hold a whole number"));
  }
  if (*count != stats_.rows_read) {
    return FileError(kFileTrailerMismatch,
                     absl::StrCat("the trailer says ", *count, " data records but the file has ",
                                  stats_.rows_read,
                                  "; the file may be truncated or edited: send it again complete"));
  }
  return absl::OkStatus();
}

absl::Status FixedWidthReader::OnDataRow() {
  const int64_t row = ++stats_.rows_read;
  const int64_t line = lines_done_;
  auto report = [&](std::string field, std::string_view code, std::string message) {
    RowError error;
    error.row_number = row;
    error.line_number = line;
    error.field = std::move(field);
    error.reason_code = std::string(code);
    error.message = std::move(message);
    return sink_->OnRowError(error);
  };
  if (options_.record_length > 0 && line_length_ == options_.record_length) {
    ++rows_with_layout_length_;
  }
  if (line_length_ > line_buf_.size()) {
    ++stats_.rows_rejected;
    return report("", kRowRecordTooLong,
                  absl::StrCat("row ", row, " (line ", line, ") is longer than ",
                               options_.max_record_bytes, " bytes; check the line breaks"));
  }
  if (options_.record_length > 0 && line_length_ != options_.record_length) {
    ++stats_.rows_rejected;
    return report(
        "", kRowRecordLength,
        absl::StrCat("row ", row, " (line ", line, ") is ", line_length_,
                     " bytes long; the layout's records are ", options_.record_length, " bytes"));
  }
  if (type_index_.has_value() && !options_.data_record_type.empty()) {
    if (TrimSpaces(Column(*type_index_)) != options_.data_record_type) {
      ++stats_.rows_rejected;
      return report(options_.columns[*type_index_].name, kRowUnknownRecordType,
                    absl::StrCat("row ", row, " (line ", line,
                                 ") has an unknown record type; data records have type \"",
                                 options_.data_record_type, "\""));
    }
  }
  bool bad = false;
  for (size_t i = 0; i < options_.columns.size(); ++i) {
    views_[i] = Column(i);
    if (!IsValidUtf8(views_[i])) {
      bad = true;
      RETURN_IF_ERROR(
          report(options_.columns[i].name, kRowInvalidUtf8,
                 absl::StrCat("row ", row, " (line ", line, "), column ", options_.columns[i].name,
                              " is not valid UTF-8; save the file as UTF-8")));
    }
  }
  if (bad) {
    ++stats_.rows_rejected;
    return absl::OkStatus();
  }
  Record record(row, line, views_.data(), views_.size(), &columns_);
  return sink_->OnRecord(record);
}

}  // namespace hub::adapters
