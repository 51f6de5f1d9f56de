#include "adapters/readers/layout_reader.h"

#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace hub::adapters {

absl::StatusOr<DelimitedOptions> DelimitedOptionsFromLayout(const hub::v1::FileLayout& layout) {
  if (!layout.has_delimited()) {
    return absl::InvalidArgumentError("the layout is not a delimited layout");
  }
  const hub::v1::DelimitedFormat& format = layout.delimited();
  DelimitedOptions options;
  if (format.delimiter().size() != 1) {
    return absl::InvalidArgumentError(
        "delimited.delimiter must be one character: \",\", \"|\" or \"\\t\"");
  }
  options.delimiter = format.delimiter()[0];
  options.header = format.header();
  if (!format.trailer_tag().empty()) {
    options.trailer_tags.push_back(format.trailer_tag());
    options.trailer_count_column = format.trailer_count_column();
  }
  if (format.max_field_bytes() < 0) {
    return absl::InvalidArgumentError("delimited.max_field_bytes must be >= 0");
  }
  if (format.max_field_bytes() > 0) {
    options.max_field_bytes = static_cast<size_t>(format.max_field_bytes());
  }
  if (options.header) {
    absl::flat_hash_set<std::string> seen;
    // Required sources first so a column used both ways counts as required.
    for (bool required : {true, false}) {
      for (const hub::v1::FieldMapping& field : layout.fields()) {
        if (field.required() != required) continue;
        const std::string& source = field.source();
        if (source.empty() || source[0] == '#') continue;
        if (!seen.insert(ColumnMap::Normalize(source)).second) continue;
        (required ? options.columns : options.optional_columns).push_back(source);
      }
    }
  }
  RETURN_IF_ERROR(ValidateDelimitedOptions(options));
  return options;
}

absl::StatusOr<FixedWidthOptions> FixedWidthOptionsFromLayout(const hub::v1::FileLayout& layout) {
  if (!layout.has_fixed_width()) {
    return absl::InvalidArgumentError("the layout is not a fixed-width layout");
  }
  const hub::v1::FixedWidthFormat& format = layout.fixed_width();
  FixedWidthOptions options;
  for (const hub::v1::FixedWidthColumn& c : format.columns()) {
    if (c.start() < 1 || c.length() < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("fixed-width column \"", c.name(), "\" needs start >= 1 and length >= 1"));
    }
    options.columns.push_back(
        {c.name(), static_cast<size_t>(c.start()), static_cast<size_t>(c.length())});
  }
  if (format.record_length() < 0) {
    return absl::InvalidArgumentError("fixed_width.record_length must be >= 0");
  }
  options.record_length = static_cast<size_t>(format.record_length());
  options.record_type_column = format.record_type_column();
  options.header_record_type = format.header_record_type();
  options.data_record_type = format.data_record_type();
  options.trailer_record_type = format.trailer_record_type();
  options.trailer_count_column = format.trailer_count_column();
  RETURN_IF_ERROR(ValidateFixedWidthOptions(options));
  return options;
}

absl::StatusOr<std::unique_ptr<StreamReader>> OpenLayoutReader(const hub::v1::FileLayout& layout,
                                                               RecordSink* sink) {
  if (sink == nullptr) return absl::InvalidArgumentError("sink is null");
  switch (layout.format_case()) {
    case hub::v1::FileLayout::kDelimited: {
      ASSIGN_OR_RETURN(DelimitedOptions options, DelimitedOptionsFromLayout(layout));
      ASSIGN_OR_RETURN(std::unique_ptr<DelimitedReader> reader,
                       DelimitedReader::Create(std::move(options), sink));
      return std::unique_ptr<StreamReader>(std::move(reader));
    }
    case hub::v1::FileLayout::kFixedWidth: {
      ASSIGN_OR_RETURN(FixedWidthOptions options, FixedWidthOptionsFromLayout(layout));
      ASSIGN_OR_RETURN(std::unique_ptr<FixedWidthReader> reader,
                       FixedWidthReader::Create(std::move(options), sink));
      return std::unique_ptr<StreamReader>(std::move(reader));
    }
    case hub::v1::FileLayout::kX12: {
      Edi834Options options;
      for (const std::string& line : layout.x12().insurance_lines()) {
        options.insurance_lines.push_back(line);
      }
      return Make834RecordReader(std::move(options), sink);
    }
    case hub::v1::FileLayout::FORMAT_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError(
      "the layout names no format; set delimited, fixed_width or x12");
}

}  // namespace hub::adapters
