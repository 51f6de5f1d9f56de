#include "adapters/readers/delimited_reader.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/identifiers.h"
#include "base/status_macros.h"

namespace hub::adapters {
namespace {

using internal::EqualsIgnoreCase;
using internal::IsValidUtf8;
using internal::ParseCount;
using internal::TrimSpaces;

std::string DelimiterName(char c) {
  switch (c) {
    case ',':
      return "comma (',')";
    case '|':
      return "pipe ('|')";
    case '\t':
      return "tab";
    case ';':
      return "semicolon (';')";
    default:
      return absl::StrCat("'", std::string(1, c), "'");
  }
}

}  // namespace

absl::Status ValidateDelimitedOptions(const DelimitedOptions& options) {
  const char d = options.delimiter;
  if (d != ',' && d != '|' && d != '\t' && d != ';') {
    return absl::InvalidArgumentError(
        "delimiter must be ',', '|', ';' or a tab; fix the layout's delimiter");
  }
  if (options.max_field_bytes == 0 || options.max_record_bytes == 0 || options.max_fields == 0) {
    return absl::InvalidArgumentError(
        "max_field_bytes, max_record_bytes and max_fields must be > 0");
  }
  if (options.trailer_count_column < 0) {
    return absl::InvalidArgumentError("trailer_count_column must be 0 (none) or a 1-based column");
  }
  absl::flat_hash_set<std::string> seen;
  for (const auto* list : {&options.columns, &options.optional_columns}) {
    for (const std::string& name : *list) {
      std::string key = ColumnMap::Normalize(name);
      if (key.empty()) return absl::InvalidArgumentError("a column name is empty");
      if (!seen.insert(key).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("column \"", name, "\" is listed twice (names ignore case and spaces)"));
      }
    }
  }
  return absl::OkStatus();
}

DelimitedReader::DelimitedReader(DelimitedOptions options, RecordSink* sink)
    : options_(std::move(options)), sink_(sink) {
  if (!options_.header && !options_.columns.empty()) {
    expected_fields_ = options_.columns.size();
  }
}

absl::StatusOr<std::unique_ptr<DelimitedReader>> DelimitedReader::Create(DelimitedOptions options,
                                                                         RecordSink* sink) {
  RETURN_IF_ERROR(ValidateDelimitedOptions(options));
  if (sink == nullptr) return absl::InvalidArgumentError("sink is null");
  return std::unique_ptr<DelimitedReader>(new DelimitedReader(std::move(options), sink));
}

absl::Status DelimitedReader::Fail(absl::Status status) {
  spent_ = true;
  return status;
}

absl::Status DelimitedReader::Feed(std::string_view chunk) {
  if (spent_) return internal::SpentReaderError();
  stats_.bytes += static_cast<int64_t>(chunk.size());
  absl::Status s = bom_.Feed(chunk, [this](std::string_view b) { return Parse(b); });
  if (!s.ok()) return Fail(std::move(s));
  return absl::OkStatus();
}

void DelimitedReader::Append(const char* data, size_t n) {
  record_started_ = true;
  current_.length += n;
  size_t room_field =
      current_.stored < options_.max_field_bytes ? options_.max_field_bytes - current_.stored : 0;
  size_t room_record =
      buffer_.size() < options_.max_record_bytes ? options_.max_record_bytes - buffer_.size() : 0;
  if (room_record < std::min(n, room_field)) record_too_long_ = true;
  size_t keep = std::min({n, room_field, room_record});
  buffer_.append(data, keep);
  current_.stored += keep;
}

void DelimitedReader::EndField() {
  if (state_ == State::kAfterQuoted && !current_.bad_quote) {
    // Drop the spaces between the closing quote and the delimiter.
    buffer_.resize(current_.offset + current_.quoted_stored);
    current_.stored = current_.quoted_stored;
    current_.length = current_.quoted_length;
  }
  if (field_count_ < options_.max_fields) fields_.push_back(current_);
  ++field_count_;
  current_ = FieldSpan();
  current_.offset = buffer_.size();
}

void DelimitedReader::ResetRecord() {
  buffer_.clear();
  fields_.clear();
  field_count_ = 0;
  current_ = FieldSpan();
  record_too_long_ = false;
  record_started_ = false;
  state_ = State::kFieldStart;
  record_line_ = line_;
}

absl::Status DelimitedReader::Parse(std::string_view bytes) {
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
    if (state_ == State::kFieldStart) {
      if (*p == '"') {
        record_started_ = true;
        current_.quoted = true;
        state_ = State::kQuoted;
        ++p;
        continue;
      }
      state_ = State::kUnquoted;
    }
    if (state_ == State::kUnquoted || state_ == State::kAfterQuoted) {
      RETURN_IF_ERROR(ScanUnquoted(p, end));
    } else {
      ScanQuoted(p, end);
    }
  }
  return absl::OkStatus();
}

absl::Status DelimitedReader::ScanUnquoted(const char*& p, const char* end) {
  const char delim = options_.delimiter;
  const char c = *p;
  if (c == delim) {
    record_started_ = true;
    EndField();
    state_ = State::kFieldStart;
    ++p;
  } else if (c == '\n' || c == '\r') {
    EndField();
    ++line_;
    if (c == '\r') pending_cr_ = true;
    ++p;
    RETURN_IF_ERROR(EndRecord(/*unterminated_quote=*/false));
  } else {
    // A run of ordinary bytes is appended at once.
    const char* q = p;
    while (q < end && *q != delim && *q != '\n' && *q != '\r') ++q;
    const std::string_view run(p, static_cast<size_t>(q - p));
    // After a closing quote only spaces may precede the delimiter
    // (EndField drops them); anything else is bad quoting.
    if (state_ == State::kAfterQuoted && !IsBlank(run)) current_.bad_quote = true;
    Append(run.data(), run.size());
    p = q;
  }
  return absl::OkStatus();
}

void DelimitedReader::ScanQuoted(const char*& p, const char* end) {
  const char c = *p;
  if (state_ == State::kQuoteInQuoted) {
    if (c == '"') {
      Append("\"", 1);
      state_ = State::kQuoted;
      ++p;
    } else {
      // The quote closed the field; `c` is handled after it.
      state_ = State::kAfterQuoted;
      current_.quoted_stored = current_.stored;
      current_.quoted_length = current_.length;
    }
    return;
  }
  if (c == '"') {
    state_ = State::kQuoteInQuoted;
    prev_cr_ = false;
    ++p;
    return;
  }
  const char* q = p;
  while (q < end && *q != '"') {
    if (*q == '\r') {
      ++line_;
    } else if (*q == '\n' && !prev_cr_) {
      ++line_;
    }
    prev_cr_ = *q == '\r';
    ++q;
  }
  Append(p, static_cast<size_t>(q - p));
  p = q;
}

absl::Status DelimitedReader::Finish() {
  if (spent_) return internal::SpentReaderError();
  spent_ = true;
  RETURN_IF_ERROR(bom_.Finish([this](std::string_view b) { return Parse(b); }));
  if (record_started_ || state_ != State::kFieldStart) {
    const bool unterminated = state_ == State::kQuoted;
    EndField();
    RETURN_IF_ERROR(EndRecord(unterminated));
  }
  if (!saw_any_record_) {
    return FileError(kFileEmpty, "the file is empty: it has no header and no records");
  }
  if (!options_.trailer_tags.empty() && !trailer_seen_) {
    return FileError(kFileTrailerMissing,
                     absl::StrCat("the file has no trailer record (",
                                  absl::StrJoin(options_.trailer_tags, " or "),
                                  "); it may be truncated: send the complete file"));
  }
  if (stats_.rows_read == 0 && options_.reject_empty && !trailer_seen_) {
    return FileError(kFileEmpty, options_.header ? "the file has a header but no data rows"
                                                 : "the file has no data rows");
  }
  return absl::OkStatus();
}

absl::Status DelimitedReader::EndRecord(bool unterminated_quote) {
  // Skip empty lines and lines of spaces.
  const bool blank =
      !unterminated_quote && field_count_ == 1 && !fields_[0].quoted &&
      fields_[0].length == fields_[0].stored &&
      IsBlank(std::string_view(buffer_).substr(fields_[0].offset, fields_[0].stored));
  absl::Status status = absl::OkStatus();
  if (!blank) {
    saw_any_record_ = true;
    if (options_.header && !header_done_) {
      status = unterminated_quote
                   ? FileError(kFileBadHeader,
                               "the header opens a quote that is never closed; fix the header")
                   : OnHeader();
    } else {
      bool is_trailer = false;
      if (!options_.trailer_tags.empty() && !fields_.empty() && !unterminated_quote) {
        std::string_view first =
            TrimSpaces(std::string_view(buffer_).substr(fields_[0].offset, fields_[0].stored));
        for (const std::string& tag : options_.trailer_tags) {
          if (EqualsIgnoreCase(first, tag)) is_trailer = true;
        }
      }
      status = is_trailer ? OnTrailer() : OnDataRow(unterminated_quote);
    }
  }
  ResetRecord();
  if (!status.ok()) return Fail(std::move(status));
  return absl::OkStatus();
}

absl::Status DelimitedReader::CheckDelimiter(size_t expected_fields) {
  if (field_count_ != 1 || expected_fields <= 1) return absl::OkStatus();
  std::string_view only = std::string_view(buffer_).substr(fields_[0].offset, fields_[0].stored);
  for (char candidate : {',', '|', '\t', ';'}) {
    if (candidate != options_.delimiter && only.find(candidate) != std::string_view::npos) {
      return FileError(
          kFileWrongDelimiter,
          absl::StrCat("line ", record_line_, " has 1 column where ", expected_fields,
                       " were expected: the file seems to be delimited by ",
                       DelimiterName(candidate), ", not ", DelimiterName(options_.delimiter),
                       "; send the file in the agreed layout or fix the plan's layout"));
    }
  }
  return FileError(kFileWrongDelimiter,
                   absl::StrCat("line ", record_line_, " has 1 column where ", expected_fields,
                                " were expected: the file is not delimited by ",
                                DelimiterName(options_.delimiter)));
}

absl::Status DelimitedReader::OnHeader() {
  header_done_ = true;
  const size_t expected = options_.columns.size();
  if (field_count_ > fields_.size() || record_too_long_) {
    return FileError(kFileBadHeader, "the header record is too long; check the file's layout");
  }
  std::vector<std::string> names;
  names.reserve(fields_.size());
  for (const FieldSpan& f : fields_) {
    std::string_view text = std::string_view(buffer_).substr(f.offset, f.stored);
    if (f.bad_quote || f.length != f.stored || !IsValidUtf8(text)) {
      return FileError(kFileBadHeader,
                       absl::StrCat("header column ", names.size() + 1,
                                    " is malformed (bad quoting, too long or not UTF-8)"));
    }
    names.emplace_back(TrimSpaces(text));
  }
  RETURN_IF_ERROR(CheckDelimiter(expected));
  // Match configured columns to header positions.
  absl::flat_hash_map<std::string, size_t> header_index;
  absl::flat_hash_set<std::string> duplicates;
  for (size_t i = 0; i < names.size(); ++i) {
    std::string key = ColumnMap::Normalize(names[i]);
    if (key.empty()) continue;
    if (!header_index.try_emplace(key, i).second) duplicates.insert(key);
  }
  std::vector<std::string> display(names.size());  // configured spelling
  std::vector<std::string> missing;
  std::vector<std::string> duplicated;
  auto match = [&](const std::string& name, bool required) {
    std::string key = ColumnMap::Normalize(name);
    if (duplicates.contains(key)) duplicated.push_back(name);
    auto it = header_index.find(key);
    if (it == header_index.end()) {
      if (required) missing.push_back(name);
      return;
    }
    display[it->second] = name;
  };
  for (const std::string& name : options_.columns) match(name, true);
  for (const std::string& name : options_.optional_columns) match(name, false);
  if (!duplicated.empty()) {
    return FileError(
        kFileDuplicateColumns,
        absl::StrCat("the header names these columns more than once: ",
                     absl::StrJoin(duplicated, ", "), "; each column must appear once"));
  }
  if (!missing.empty()) {
    return FileError(
        kFileMissingColumns,
        absl::StrCat("the header lacks required column(s): ", absl::StrJoin(missing, ", "), " (",
                     names.size(), " columns found); send the file in the agreed layout"));
  }
  if (options_.reject_unknown_columns) {
    std::vector<std::string> unknown;
    for (size_t i = 0; i < names.size(); ++i) {
      if (display[i].empty()) unknown.push_back(absl::StrCat("#", i + 1));
    }
    if (!unknown.empty()) {
      return FileError(kFileUnknownColumns,
                       absl::StrCat("the header has column(s) the layout does not know at "
                                    "position(s) ",
                                    absl::StrJoin(unknown, ", "),
                                    "; remove them or add them to the plan's layout"));
    }
  }
  // The map: configured spelling where configured, header spelling otherwise.
  std::vector<std::string> map_names = names;
  for (size_t i = 0; i < names.size(); ++i) {
    if (!display[i].empty()) map_names[i] = display[i];
  }
  error_names_ = std::move(display);
  expected_fields_ = names.size();
  columns_ = ColumnMap(std::move(map_names));
  columns_announced_ = true;
  return sink_->OnColumns(columns_);
}

absl::Status DelimitedReader::OnTrailer() {
  if (trailer_seen_) {
    return FileError(
        kFileBadTrailer,
        absl::StrCat("line ", record_line_, " is a second trailer record (the first is on line ",
                     trailer_line_, "); a file has one trailer"));
  }
  trailer_seen_ = true;
  trailer_line_ = record_line_;
  if (options_.header && !header_done_) {
    return FileError(kFileBadHeader,
                     "the file starts with a trailer record; the header is missing");
  }
  if (options_.trailer_count_column == 0) return absl::OkStatus();
  const size_t index = static_cast<size_t>(options_.trailer_count_column - 1);
  std::optional<int64_t> count;
  if (index < fields_.size()) {
    const FieldSpan& f = fields_[index];
    if (f.length == f.stored) {
      count = ParseCount(std::string_view(buffer_).substr(f.offset, f.stored));
    }
  }
  if (!count.has_value()) {
    return FileError(
        kFileBadTrailer,
        absl::StrCat("the trailer on line ", record_line_, " has no record count in field ",
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

absl::Status DelimitedReader::Report(int64_t row, std::string field, std::string_view code,
                                     std::string message) {
  RowError error;
  error.row_number = row;
  error.line_number = record_line_;
  error.field = std::move(field);
  error.reason_code = std::string(code);
  error.message = std::move(message);
  return sink_->OnRowError(error);
}

absl::Status DelimitedReader::OnDataRow(bool unterminated_quote) {
  if (trailer_seen_) {
    return FileError(kFileDataAfterTrailer,
                     absl::StrCat("line ", record_line_, " follows the trailer record (line ",
                                  trailer_line_, "); the trailer must be the last record"));
  }
  const int64_t row = ++stats_.rows_read;
  if (!options_.header && !columns_announced_) RETURN_IF_ERROR(AnnouncePositionalColumns());
  if (unterminated_quote) {
    ++stats_.rows_rejected;
    return Report(row, "", kRowUnterminatedQuote,
                  absl::StrCat("row ", row, " (line ", record_line_,
                               ") opens a quote that is never closed before the end of the file; "
                               "close the quote or double the quote character inside the field"));
  }
  if (field_count_ != expected_fields_) {
    ++stats_.rows_rejected;
    return Report(
        row, "", kRowFieldCount,
        absl::StrCat("row ", row, " (line ", record_line_, ") has ", field_count_, " fields but ",
                     expected_fields_,
                     " are expected; check for an unquoted delimiter or a missing field"));
  }
  ASSIGN_OR_RETURN(const bool bad, ReportBadFields(row));
  if (bad) {
    ++stats_.rows_rejected;
    return absl::OkStatus();
  }
  views_.clear();
  for (const FieldSpan& f : fields_) {
    views_.push_back(std::string_view(buffer_).substr(f.offset, f.stored));
  }
  Record record(row, record_line_, views_.data(), views_.size(), &columns_);
  return sink_->OnRecord(record);
}

absl::Status DelimitedReader::AnnouncePositionalColumns() {
  if (expected_fields_ == 0) {
    expected_fields_ = field_count_;  // positional without columns: first row decides
  } else {
    RETURN_IF_ERROR(CheckDelimiter(expected_fields_));
  }
  std::vector<std::string> names(expected_fields_);
  for (size_t i = 0; i < names.size() && i < options_.columns.size(); ++i) {
    names[i] = options_.columns[i];
  }
  columns_ = ColumnMap(std::move(names));
  columns_announced_ = true;
  return sink_->OnColumns(columns_);
}

std::string DelimitedReader::ColumnName(size_t i) const {
  if (i < error_names_.size() && !error_names_[i].empty()) return error_names_[i];
  if (!options_.header && i < options_.columns.size()) return options_.columns[i];
  return absl::StrCat("#", i + 1);
}

absl::StatusOr<bool> DelimitedReader::ReportBadFields(int64_t row) {
  if (record_too_long_) {
    RETURN_IF_ERROR(Report(
        row, "", kRowRecordTooLong,
        absl::StrCat("row ", row, " (line ", record_line_, ") is longer than ",
                     options_.max_record_bytes, " bytes; check for a missing closing quote")));
    return true;
  }
  bool bad = false;
  for (size_t i = 0; i < fields_.size(); ++i) {
    const FieldSpan& f = fields_[i];
    std::string_view text = std::string_view(buffer_).substr(f.offset, f.stored);
    if (f.bad_quote) {
      bad = true;
      RETURN_IF_ERROR(
          Report(row, ColumnName(i), kRowInvalidQuote,
                 absl::StrCat("row ", row, " (line ", record_line_, "), field ", ColumnName(i),
                              ": text follows a closing quote; quote the whole "
                              "field and double any quote inside it")));
    } else if (f.length > options_.max_field_bytes) {
      bad = true;
      RETURN_IF_ERROR(Report(
          row, ColumnName(i), kRowFieldTooLong,
          absl::StrCat("row ", row, " (line ", record_line_, "), field ", ColumnName(i), " is ",
                       f.length, " bytes long; the limit is ", options_.max_field_bytes)));
    } else if (!IsValidUtf8(text)) {
      bad = true;
      RETURN_IF_ERROR(
          Report(row, ColumnName(i), kRowInvalidUtf8,
                 absl::StrCat("row ", row, " (line ", record_line_, "), field ", ColumnName(i),
                              " is not valid UTF-8; save the file as UTF-8")));
    }
  }
  return bad;
}

}  // namespace hub::adapters
