#include "adapters/plan_adapter.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "adapters/mapping/derived_fields.h"
#include "adapters/mapping/row_mapper.h"
#include "adapters/readers/edi834.h"
#include "adapters/readers/layout_reader.h"
#include "adapters/writers/edi834_writer.h"
#include "adapters/writers/text_writers.h"

namespace hub::adapters {
namespace {

using google::protobuf::Message;
using hub::v1::FileKind;
using hub::v1::FileLayout;

std::string KindName(FileKind kind) { return hub::v1::FileKind_Name(kind); }

// A layout compiled once per adapter.
struct CompiledLayout {
  FileLayout layout;
  const Message* prototype = nullptr;
  std::unique_ptr<RowMapper> mapper;
};

// Reads one file: the layout's reader feeds records to the mapper, which
// hands canonical rows to the caller's sink.
class MappingParser : public StreamReader, private RecordSink {
 public:
  MappingParser(const CompiledLayout& layout, CanonicalRowSink* sink)
      : layout_(layout), sink_(sink), row_(layout.prototype->New()) {}

  absl::Status Open() {
    auto reader = OpenLayoutReader(layout_.layout, this);
    if (!reader.ok()) return reader.status();
    reader_ = std::move(*reader);
    return absl::OkStatus();
  }

  absl::Status Feed(std::string_view chunk) override { return reader_->Feed(chunk); }
  absl::Status Finish() override { return reader_->Finish(); }
  const ReaderStats& stats() const override {
    stats_ = reader_->stats();
    stats_.rows_rejected += mapping_rejects_;
    return stats_;
  }

 private:
  absl::Status OnColumns(const ColumnMap& columns) override {
    auto binding = layout_.mapper->Bind(columns);
    if (!binding.ok()) {
      const absl::string_view message = binding.status().message();
      return FileError(kFileMissingColumns, std::string_view(message.data(), message.size()));
    }
    binding_ = std::move(*binding);
    return absl::OkStatus();
  }

  absl::Status OnRecord(const Record& record) override {
    fields_.clear();
    for (size_t i = 0; i < record.size(); ++i) fields_.push_back(record.field(i));
    errors_.clear();
    if (layout_.mapper->Map(binding_, record.row_number(), fields_, *row_, errors_) &&
        ResolveDerivedFields(layout_.layout, record.row_number(), *row_, errors_)) {
      return sink_->OnRow(record.row_number(), *row_);
    }
    // One member row of an 834 is one record per coverage: a row that
    // failed already is counted and reported once, each problem once.
    const bool same_row = record.row_number() == failed_row_;
    if (!same_row) {
      ++mapping_rejects_;
      failed_row_ = record.row_number();
      reported_.clear();
    }
    const std::string identity = layout_.mapper->Identity(binding_, fields_);
    for (RowError& e : errors_) {
      if (!reported_.insert(absl::StrCat(e.field, "\x1f", e.reason_code)).second) continue;
      e.line_number = record.line_number();
      e.identity = identity;
      if (absl::Status s = sink_->OnRowError(e); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::Status OnRowError(const RowError& error) override { return sink_->OnRowError(error); }

  // A reader's row error with the fields it read: tell the sink whose row.
  absl::Status OnRejectedRecord(const Record& record, const RowError& error) override {
    RowError e = error;
    if (!binding_.empty()) {
      fields_.clear();
      for (size_t i = 0; i < record.size(); ++i) fields_.push_back(record.field(i));
      e.identity = layout_.mapper->Identity(binding_, fields_);
    }
    return sink_->OnRowError(e);
  }

  const CompiledLayout& layout_;
  CanonicalRowSink* const sink_;
  std::unique_ptr<Message> row_;
  std::unique_ptr<StreamReader> reader_;
  RowMapper::Binding binding_;
  std::vector<std::string_view> fields_;
  std::vector<RowError> errors_;
  int64_t mapping_rejects_ = 0;
  // The last row whose mapping failed and the (field, code) pairs reported
  // for it.
  int64_t failed_row_ = 0;
  absl::flat_hash_set<std::string> reported_;
  mutable ReaderStats stats_;
};

// Where each mapping's rendered value goes: the output column named by its
// source. Several mappings may read one column (one span feeding coverage and
// ECM benefit dates); rendering, the first of them with a value fills it.
struct ColumnPlan {
  std::vector<std::string> columns;    // Output column names, in order.
  std::vector<int> column_of_mapping;  // -1: not written.

  // Spreads one row's rendered values (one per mapping) over the columns.
  void Fill(std::vector<std::string>& values, std::vector<std::string>& record) const {
    record.assign(columns.size(), "");
    for (size_t i = 0; i < values.size(); ++i) {
      const int column = column_of_mapping[i];
      if (column >= 0 && record[static_cast<size_t>(column)].empty()) {
        record[static_cast<size_t>(column)] = std::move(values[i]);
      }
    }
  }
};

ColumnPlan PlanColumns(const FileLayout& layout, const std::vector<std::string>& names_in_order) {
  ColumnPlan plan;
  plan.columns = names_in_order;
  ColumnMap map(names_in_order);
  for (const auto& field : layout.fields()) {
    std::optional<size_t> column = map.IndexOf(field.source());
    plan.column_of_mapping.push_back(column.has_value() ? static_cast<int>(*column) : -1);
  }
  return plan;
}

// Distinct sources in mapping order; for positional layouts "#1".."#N".
std::vector<std::string> DelimitedColumns(const FileLayout& layout) {
  std::vector<std::string> columns;
  if (!layout.delimited().header()) {
    int n = 0;
    for (const auto& field : layout.fields()) {
      int column = 0;
      if (field.source().size() > 1 && field.source()[0] == '#' &&
          absl::SimpleAtoi(field.source().substr(1), &column)) {
        n = std::max(n, column);
      }
    }
    for (int i = 1; i <= n; ++i) columns.push_back(absl::StrCat("#", i));
    return columns;
  }
  for (const auto& field : layout.fields()) {
    const std::string key = ColumnMap::Normalize(field.source());
    bool seen = false;
    for (const auto& c : columns) seen = seen || ColumnMap::Normalize(c) == key;
    if (!seen) columns.push_back(field.source());
  }
  return columns;
}

class DelimitedRenderer : public PlanFileRenderer {
 public:
  DelimitedRenderer(const CompiledLayout& layout)
      : layout_(layout),
        plan_(PlanColumns(layout.layout, DelimitedColumns(layout.layout))),
        delimiter_(layout.layout.delimited().delimiter().empty()
                       ? ','
                       : layout.layout.delimited().delimiter()[0]) {}

  absl::Status Add(const Message& row, std::string& out) override {
    Start(out);
    if (absl::Status s =
            layout_.mapper->Render(WithDerivedFields(layout_.layout, row, scratch_), values_);
        !s.ok()) {
      return s;
    }
    plan_.Fill(values_, record_);
    AppendDelimitedRecord(delimiter_, record_, out);
    ++rows_;
    return absl::OkStatus();
  }

  absl::Status Finish(std::string& out) override {
    Start(out);
    const auto& format = layout_.layout.delimited();
    if (!format.trailer_tag().empty()) {
      std::vector<std::string> trailer(
          static_cast<size_t>(std::max(2, format.trailer_count_column())), "");
      trailer[0] = format.trailer_tag();
      if (format.trailer_count_column() > 0) {
        trailer[static_cast<size_t>(format.trailer_count_column() - 1)] = absl::StrCat(rows_);
      }
      AppendDelimitedRecord(delimiter_, trailer, out);
    }
    return absl::OkStatus();
  }

 private:
  void Start(std::string& out) {
    if (started_) return;
    started_ = true;
    if (layout_.layout.delimited().header()) AppendDelimitedRecord(delimiter_, plan_.columns, out);
  }

  const CompiledLayout& layout_;
  const ColumnPlan plan_;
  const char delimiter_;
  bool started_ = false;
  int64_t rows_ = 0;
  std::vector<std::string> values_;
  std::vector<std::string> record_;
  std::unique_ptr<Message> scratch_;  // WithDerivedFields' copy.
};

class FixedWidthRenderer : public PlanFileRenderer {
 public:
  FixedWidthRenderer(const CompiledLayout& layout)
      : layout_(layout), format_(layout.layout.fixed_width()) {
    std::vector<std::string> names;
    for (const auto& c : format_.columns()) {
      names.push_back(c.name());
      slots_.push_back(FixedWidthSlot{c.start(), c.length()});
    }
    plan_ = PlanColumns(layout.layout, names);
    ColumnMap map(names);
    type_column_ = Index(map, format_.record_type_column());
    count_column_ = Index(map, format_.trailer_count_column());
  }

  absl::Status Add(const Message& row, std::string& out) override {
    if (absl::Status s = Start(out); !s.ok()) return s;
    if (absl::Status s =
            layout_.mapper->Render(WithDerivedFields(layout_.layout, row, scratch_), values_);
        !s.ok()) {
      return s;
    }
    plan_.Fill(values_, record_);
    if (type_column_ >= 0) record_[static_cast<size_t>(type_column_)] = format_.data_record_type();
    ++rows_;
    return AppendFixedWidthRecord(slots_, record_, format_.record_length(), out);
  }

  absl::Status Finish(std::string& out) override {
    if (absl::Status s = Start(out); !s.ok()) return s;
    if (format_.trailer_record_type().empty() || type_column_ < 0) return absl::OkStatus();
    record_.assign(slots_.size(), "");
    record_[static_cast<size_t>(type_column_)] = format_.trailer_record_type();
    if (count_column_ >= 0) {
      // Zero-padded to the column's width, as mainframe trailers are.
      std::string count = absl::StrCat(rows_);
      const size_t width = static_cast<size_t>(slots_[static_cast<size_t>(count_column_)].length);
      if (count.size() < width) count.insert(0, width - count.size(), '0');
      record_[static_cast<size_t>(count_column_)] = count;
    }
    return AppendFixedWidthRecord(slots_, record_, format_.record_length(), out);
  }

 private:
  static int Index(const ColumnMap& map, const std::string& name) {
    if (name.empty()) return -1;
    std::optional<size_t> i = map.IndexOf(name);
    return i.has_value() ? static_cast<int>(*i) : -1;
  }

  absl::Status Start(std::string& out) {
    if (started_) return absl::OkStatus();
    started_ = true;
    if (format_.header_record_type().empty() || type_column_ < 0) return absl::OkStatus();
    record_.assign(slots_.size(), "");
    record_[static_cast<size_t>(type_column_)] = format_.header_record_type();
    return AppendFixedWidthRecord(slots_, record_, format_.record_length(), out);
  }

  const CompiledLayout& layout_;
  const hub::v1::FixedWidthFormat& format_;
  std::vector<FixedWidthSlot> slots_;
  ColumnPlan plan_;
  int type_column_ = -1;
  int count_column_ = -1;
  bool started_ = false;
  int64_t rows_ = 0;
  std::vector<std::string> values_;
  std::vector<std::string> record_;
  std::unique_ptr<Message> scratch_;  // WithDerivedFields' copy.
};

class X12Renderer : public PlanFileRenderer {
 public:
  X12Renderer(const CompiledLayout& layout, const RenderOptions& options)
      : layout_(layout), writer_(Envelope(layout.layout.x12(), options)) {}

  absl::Status Add(const Message& row, std::string& out) override {
    if (absl::Status s =
            layout_.mapper->Render(WithDerivedFields(layout_.layout, row, scratch_), values_);
        !s.ok()) {
      return s;
    }
    fields_.clear();
    for (size_t i = 0; i < values_.size(); ++i) {
      // The first mapping of a column with a value fills it, as in the
      // text layouts.
      std::string& slot = fields_[layout_.layout.fields(static_cast<int>(i)).source()];
      if (slot.empty()) slot = std::move(values_[i]);
    }
    return writer_.AddMember(fields_, out);
  }

  absl::Status Finish(std::string& out) override { return writer_.Finish(out); }

 private:
  static Edi834Envelope Envelope(const hub::v1::X12Format& format, const RenderOptions& options) {
    Edi834Envelope e;
    if (!format.sender_id().empty()) e.sender_id = format.sender_id();
    if (!format.receiver_id().empty()) e.receiver_id = format.receiver_id();
    e.date = options.file_date;
    e.time = options.file_time;
    e.control_number = options.control_number;
    return e;
  }

  const CompiledLayout& layout_;
  Edi834Writer writer_;
  std::vector<std::string> values_;
  std::unique_ptr<Message> scratch_;  // WithDerivedFields' copy.
  absl::flat_hash_map<std::string, std::string> fields_;
};

class DeclarativePlanAdapter : public PlanAdapter {
 public:
  explicit DeclarativePlanAdapter(std::string name) : name_(std::move(name)) {}

  absl::Status AddLayout(const hub::v1::PlanProfile& profile, const FileLayout& layout) {
    auto fail = [&](const absl::Status& s) {
      return absl::InvalidArgumentError(absl::StrCat("profile \"", profile.name(), "\", layout ",
                                                     KindName(layout.kind()), ": ", s.message()));
    };
    if (layouts_.contains(layout.kind())) {
      return fail(absl::InvalidArgumentError("the kind has two layouts; keep one"));
    }
    if (layout.format_case() == FileLayout::FORMAT_NOT_SET) {
      return fail(absl::InvalidArgumentError("no format (delimited, fixed_width or x12)"));
    }
    auto compiled = std::make_unique<CompiledLayout>();
    compiled->layout = layout;
    auto prototype = CanonicalRowPrototype(layout.kind());
    if (!prototype.ok()) return fail(prototype.status());
    compiled->prototype = *prototype;
    auto mapper = RowMapper::Create(profile, layout, **prototype);
    if (!mapper.ok()) return fail(mapper.status());
    compiled->mapper = std::move(*mapper);
    // Reader options are checked now, not at the first upload.
    struct NullSink : RecordSink {
      absl::Status OnRecord(const Record&) override { return absl::OkStatus(); }
      absl::Status OnRowError(const RowError&) override { return absl::OkStatus(); }
    } null_sink;
    if (auto reader = OpenLayoutReader(layout, &null_sink); !reader.ok()) {
      return fail(reader.status());
    }
    layouts_.emplace(layout.kind(), std::move(compiled));
    return absl::OkStatus();
  }

  const std::string& name() const override { return name_; }
  bool Handles(FileKind kind) const override { return layouts_.contains(kind); }
  hub::v1::FileSemantics Semantics(FileKind kind) const override {
    auto it = layouts_.find(kind);
    return it == layouts_.end() ? hub::v1::FILE_SEMANTICS_UNSPECIFIED
                                : it->second->layout.semantics();
  }

  absl::StatusOr<std::unique_ptr<StreamReader>> OpenParser(FileKind kind,
                                                           CanonicalRowSink* sink) const override {
    auto it = layouts_.find(kind);
    if (it == layouts_.end()) return NoLayout(kind);
    auto parser = std::make_unique<MappingParser>(*it->second, sink);
    if (absl::Status s = parser->Open(); !s.ok()) return s;
    return std::unique_ptr<StreamReader>(std::move(parser));
  }

  absl::StatusOr<std::unique_ptr<PlanFileRenderer>> OpenRenderer(
      FileKind kind, const RenderOptions& options) const override {
    auto it = layouts_.find(kind);
    if (it == layouts_.end()) return NoLayout(kind);
    const CompiledLayout& layout = *it->second;
    switch (layout.layout.format_case()) {
      case FileLayout::kDelimited:
        return std::unique_ptr<PlanFileRenderer>(new DelimitedRenderer(layout));
      case FileLayout::kFixedWidth:
        return std::unique_ptr<PlanFileRenderer>(new FixedWidthRenderer(layout));
      case FileLayout::kX12:
        return std::unique_ptr<PlanFileRenderer>(new X12Renderer(layout, options));
      default:
        return NoLayout(kind);
    }
  }

 private:
  absl::Status NoLayout(FileKind kind) const {
    return absl::NotFoundError(absl::StrCat("plan profile \"", name_, "\" has no layout for ",
                                            KindName(kind), "; add one to its profile.textproto"));
  }

  std::string name_;
  absl::flat_hash_map<int, std::unique_ptr<CompiledLayout>> layouts_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<PlanAdapter>> CreateDeclarativePlanAdapter(
    const hub::v1::PlanProfile& profile) {
  if (profile.name().empty()) return absl::InvalidArgumentError("a plan profile needs a name");
  for (int kind : profile.claim_answers()) {
    if (kind != hub::v1::FILE_KIND_X12_999 && kind != hub::v1::FILE_KIND_X12_277CA &&
        kind != hub::v1::FILE_KIND_X12_835) {
      return absl::InvalidArgumentError(absl::StrCat(
          "profile ", profile.name(), ": claim_answers lists ",
          hub::v1::FileKind_Name(static_cast<FileKind>(kind)),
          "; only FILE_KIND_X12_999, FILE_KIND_X12_277CA and FILE_KIND_X12_835 are answers"));
    }
  }
  if (profile.has_max_rejected_rows_percent() &&
      !(profile.max_rejected_rows_percent() >= 0 && profile.max_rejected_rows_percent() <= 100)) {
    return absl::InvalidArgumentError(
        absl::StrCat("profile ", profile.name(),
                     ": max_rejected_rows_percent must be a percentage from 0 to 100 (e.g. 10)"));
  }
  auto adapter = std::make_unique<DeclarativePlanAdapter>(profile.name());
  for (const FileLayout& layout : profile.layouts()) {
    if (absl::Status s = adapter->AddLayout(profile, layout); !s.ok()) return s;
  }
  return std::unique_ptr<PlanAdapter>(std::move(adapter));
}

}  // namespace hub::adapters
