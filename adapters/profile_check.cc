#include "adapters/profile_check.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "adapters/readers/layout_reader.h"
#include "adapters/registry.h"
#include "base/sha256.h"
#include "base/status_macros.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/text_format.h"

namespace hub::adapters {
namespace {

class Collector : public google::protobuf::io::ErrorCollector {
 public:
  explicit Collector(std::string file) : file_(std::move(file)) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (!errors_.empty()) errors_ += "; ";
    absl::StrAppend(&errors_, file_, ":", line + 1, ":", column + 1, ": ", message);
  }
  const std::string& errors() const { return errors_; }

 private:
  std::string file_;
  std::string errors_;
};

std::string Deterministic(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  m.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

// Counts rows, errors and the filled cells of each column.
class CountingSink final : public CanonicalRowSink, public RecordSink {
 public:
  CountingSink(FileCheck& check, size_t max_errors) : check_(check), max_errors_(max_errors) {}
  // CanonicalRowSink: rows of the mapping.
  absl::Status OnRow(int64_t row_number, const google::protobuf::Message&) override {
    if (row_number != last_mapped_) ++check_.rows_mapped;
    last_mapped_ = row_number;
    return absl::OkStatus();
  }
  absl::Status OnRowError(const RowError& error) override {
    if (error.row_number != last_rejected_) ++check_.rows_rejected;
    last_rejected_ = error.row_number;
    if (check_.errors.size() < max_errors_) {
      RowError e = error;
      e.identity.clear();
      check_.errors.push_back(std::move(e));
    }
    return absl::OkStatus();
  }
  // RecordSink: the raw records, for column fill.
  absl::Status OnColumns(const ColumnMap& columns) override {
    check_.fill.clear();
    for (size_t i = 0; i < columns.size(); ++i) check_.fill.push_back({columns.DisplayName(i), 0});
    return absl::OkStatus();
  }
  absl::Status OnRecord(const Record& record) override {
    if (record.row_number() == last_filled_) return absl::OkStatus();  // 834: per member.
    last_filled_ = record.row_number();
    for (size_t i = 0; i < record.size() && i < check_.fill.size(); ++i) {
      if (!record.field(i).empty()) ++check_.fill[i].filled;
    }
    return absl::OkStatus();
  }

 private:
  FileCheck& check_;
  const size_t max_errors_;
  int64_t last_mapped_ = 0;
  int64_t last_rejected_ = 0;
  int64_t last_filled_ = 0;
};

class NoRowErrors final : public RecordSink {
 public:
  explicit NoRowErrors(RecordSink* inner) : inner_(inner) {}
  absl::Status OnColumns(const ColumnMap& columns) override { return inner_->OnColumns(columns); }
  absl::Status OnRecord(const Record& record) override { return inner_->OnRecord(record); }
  absl::Status OnRowError(const RowError&) override { return absl::OkStatus(); }

 private:
  RecordSink* inner_;
};

absl::Status Feed(std::istream& in, StreamReader& reader) {
  in.clear();
  in.seekg(0);
  std::string buffer(1 << 20, '\0');
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const std::streamsize n = in.gcount();
    if (n > 0)
      RETURN_IF_ERROR(reader.Feed(std::string_view(buffer.data(), static_cast<size_t>(n))));
  }
  return reader.Finish();
}

}  // namespace

absl::StatusOr<CompiledProfile> CompileProfileText(std::string_view text,
                                                   std::string_view display_name) {
  CompiledProfile compiled;
  Collector collector{std::string(display_name)};
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  if (!parser.ParseFromString(std::string(text), &compiled.profile) ||
      !collector.errors().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the adapter profile ",
                     collector.errors().empty() ? std::string(display_name) : collector.errors(),
                     " does not parse as a hub.v1.PlanProfile; fix the file"));
  }
  AdapterRegistry registry;
  RETURN_IF_ERROR(RegisterBuiltinAdapters(registry));
  const std::string factory = compiled.profile.adapter().empty() ? std::string(kDeclarativeAdapter)
                                                                 : compiled.profile.adapter();
  absl::StatusOr<std::unique_ptr<PlanAdapter>> adapter = registry.Create(factory, compiled.profile);
  if (!adapter.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(display_name),
                                                   ": cannot build adapter \"", factory,
                                                   "\": ", adapter.status().message()));
  }
  compiled.adapter = *std::move(adapter);
  return compiled;
}

std::string ProfileVersion(const hub::v1::PlanProfile& profile, hub::v1::FileKind kind) {
  Sha256 sha;
  sha.Update(profile.adapter().empty() ? std::string(kDeclarativeAdapter) : profile.adapter());
  sha.Update(std::string(1, '\0'));
  for (const hub::v1::FileLayout& layout : profile.layouts()) {
    if (layout.kind() == kind) sha.Update(Deterministic(layout));
  }
  for (const hub::v1::CodeMap& map : profile.code_maps()) {
    sha.Update(std::string(1, '\0'));
    sha.Update(Deterministic(map));
  }
  // The limit on rejected rows decides whether a snapshot file applies: a
  // file refused under one limit is read again under another. Unset leaves
  // the versions of profiles written before the limit as they were.
  if (profile.has_max_rejected_rows_percent()) {
    sha.Update(std::string(1, '\0'));
    sha.Update(absl::StrCat("max_rejected_rows_percent=", profile.max_rejected_rows_percent()));
  }
  return sha.HexDigest().substr(0, 16);
}

absl::StatusOr<FileCheck> CheckPlanFile(const CompiledProfile& profile, hub::v1::FileKind kind,
                                        std::istream& in, size_t max_errors) {
  const hub::v1::FileLayout* layout = nullptr;
  for (const hub::v1::FileLayout& l : profile.profile.layouts()) {
    if (l.kind() == kind) layout = &l;
  }
  if (layout == nullptr || !profile.adapter->Handles(kind)) {
    return absl::NotFoundError(
        absl::StrCat("the profile has no layout for ", hub::v1::FileKind_Name(kind)));
  }
  FileCheck check;
  CountingSink sink(check, max_errors);
  // The mapping: rows, row errors, the file-level verdict.
  ASSIGN_OR_RETURN(std::unique_ptr<StreamReader> parser, profile.adapter->OpenParser(kind, &sink));
  absl::Status read = Feed(in, *parser);
  check.rows_read = parser->stats().rows_read;
  if (!read.ok()) {
    check.file_error_code = FileErrorCode(read);
    if (check.file_error_code.empty()) return read;
    check.file_error = std::string(read.message().data(), read.message().size());
    return check;
  }
  // The raw records: how many rows fill each column.
  NoRowErrors records(&sink);
  ASSIGN_OR_RETURN(std::unique_ptr<StreamReader> reader, OpenLayoutReader(*layout, &records));
  RETURN_IF_ERROR(Feed(in, *reader));
  return check;
}

hub::v1::FileKind FileKindOfWord(std::string_view word) {
  if (word == "assignment") return hub::v1::FILE_KIND_MEMBER_ASSIGNMENT;
  if (word == "authorization") return hub::v1::FILE_KIND_CS_AUTHORIZATION;
  if (word == "quality") return hub::v1::FILE_KIND_QUALITY_REPORT;
  if (word == "rtf") return hub::v1::FILE_KIND_RETURN_TRANSMISSION;
  if (word == "otf") return hub::v1::FILE_KIND_OUTREACH_TRACKER;
  if (word == "invoice") return hub::v1::FILE_KIND_INVOICE;
  return hub::v1::FILE_KIND_UNSPECIFIED;
}

}  // namespace hub::adapters
