#include "generator/inputs.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace hub::generator {
namespace {

class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (error_.empty()) error_ = absl::StrCat(line + 1, ":", column + 1, ": ", message);
  }
  const std::string& error() const { return error_; }

 private:
  std::string error_;
};

}  // namespace

absl::Status LoadTextProto(const std::string& path, google::protobuf::Message& message) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path, "; check the path"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  message.Clear();
  google::protobuf::TextFormat::Parser parser;
  FirstErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(buffer.str(), &message)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ":", errors.error(), " (expected a ",
                                                   message.GetDescriptor()->full_name(), ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<hub::v1::DirectorySeed> LoadDirectorySeed(const std::string& path) {
  hub::v1::DirectorySeed seed;
  RETURN_IF_ERROR(LoadTextProto(path, seed));
  return seed;
}

absl::StatusOr<hub::v1::ReferenceTables> LoadReferenceTables(const std::string& dir) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".textproto") {
      files.push_back(entry.path());
    }
  }
  if (ec) return absl::NotFoundError(absl::StrCat("cannot list ", dir, "; check the path"));
  if (files.empty()) {
    return absl::NotFoundError(absl::StrCat(dir, " has no *.textproto reference table"));
  }
  std::sort(files.begin(), files.end());
  hub::v1::ReferenceTables merged;
  for (const auto& file : files) {
    hub::v1::ReferenceTables part;
    RETURN_IF_ERROR(LoadTextProto(file.string(), part));
    merged.MergeFrom(part);
  }
  return merged;
}

absl::StatusOr<hub::v1::PlanProfile> LoadPlanProfile(const std::string& profiles_dir,
                                                     const std::string& name) {
  hub::v1::PlanProfile profile;
  RETURN_IF_ERROR(LoadTextProto(
      (std::filesystem::path(profiles_dir) / name / "profile.textproto").string(), profile));
  return profile;
}

}  // namespace hub::generator
