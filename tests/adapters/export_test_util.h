// Helpers of the export tests: load a shipped plan profile, render rows
// through a plan's adapter into bytes, and parse bytes back into rows.
#ifndef HUB_TESTS_ADAPTERS_EXPORT_TEST_UTIL_H_
#define HUB_TESTS_ADAPTERS_EXPORT_TEST_UTIL_H_

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "adapters/plan_adapter.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"
#include "hub/v1/adapter_config.pb.h"

#ifndef HUB_SOURCE_DIR
#error "HUB_SOURCE_DIR must name the repository root"
#endif

namespace hub::adapters::testing {

inline std::filesystem::path SourceDir() { return std::filesystem::path(HUB_SOURCE_DIR); }

inline absl::StatusOr<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path.string()));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline absl::StatusOr<hub::v1::PlanProfile> LoadPlanProfile(const std::string& plan) {
  auto text = ReadFile(SourceDir() / "adapters" / "plans" / plan / "profile.textproto");
  if (!text.ok()) return text.status();
  hub::v1::PlanProfile profile;
  if (!google::protobuf::TextFormat::ParseFromString(*text, &profile)) {
    return absl::InvalidArgumentError(absl::StrCat(plan, ": profile does not parse"));
  }
  return profile;
}

inline const hub::v1::FileLayout* FindLayout(const hub::v1::PlanProfile& p,
                                             hub::v1::FileKind kind) {
  for (const auto& l : p.layouts()) {
    if (l.kind() == kind) return &l;
  }
  return nullptr;
}

// Renders `rows` as one file of `kind` through `adapter`.
template <typename Row>
absl::StatusOr<std::string> RenderFile(const PlanAdapter& adapter, hub::v1::FileKind kind,
                                       const std::vector<Row>& rows,
                                       const RenderOptions& options = RenderOptions{}) {
  auto renderer = adapter.OpenRenderer(kind, options);
  if (!renderer.ok()) return renderer.status();
  std::string bytes;
  for (const auto& row : rows) {
    if (absl::Status s = (*renderer)->Add(row, bytes); !s.ok()) return s;
  }
  if (absl::Status s = (*renderer)->Finish(bytes); !s.ok()) return s;
  return bytes;
}

// Collects the rows and row errors of one parsed file.
class CanonicalRowCollector : public CanonicalRowSink {
 public:
  absl::Status OnRow(int64_t row_number, const google::protobuf::Message& row) override {
    std::unique_ptr<google::protobuf::Message> copy(row.New());
    copy->CopyFrom(row);
    rows.push_back(std::move(copy));
    return absl::OkStatus();
  }
  absl::Status OnRowError(const RowError& error) override {
    errors.push_back(error);
    return absl::OkStatus();
  }

  std::string ErrorsText() const {
    std::string out;
    for (const auto& e : errors)
      absl::StrAppend(&out, e.row_number, ":", e.field, ":", e.reason_code, " ");
    return out;
  }

  std::vector<std::unique_ptr<google::protobuf::Message>> rows;
  std::vector<RowError> errors;
};

// Parses `bytes` as a file of `kind`, fed in `chunk`-byte pieces.
inline absl::Status ParseFile(const PlanAdapter& adapter, hub::v1::FileKind kind,
                              std::string_view bytes, CanonicalRowCollector& sink,
                              size_t chunk = 7) {
  auto parser = adapter.OpenParser(kind, &sink);
  if (!parser.ok()) return parser.status();
  for (size_t at = 0; at < bytes.size(); at += chunk) {
    if (absl::Status s = (*parser)->Feed(bytes.substr(at, chunk)); !s.ok()) return s;
  }
  return (*parser)->Finish();
}

// Rows of a collecting sink as their concrete type.
template <typename Row>
std::vector<Row> RowsAs(const CanonicalRowCollector& sink) {
  std::vector<Row> out;
  for (const auto& r : sink.rows) out.push_back(static_cast<const Row&>(*r));
  return out;
}

}  // namespace hub::adapters::testing

#endif  // HUB_TESTS_ADAPTERS_EXPORT_TEST_UTIL_H_
