#include "hub/common/reference_tables.h"

#include <google/protobuf/text_format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/string_view.h"

#ifndef HUB_DEFAULT_REFERENCE_DIR
#define HUB_DEFAULT_REFERENCE_DIR "data/reference"
#endif

namespace hub {
namespace {

std::string ModifierKey(const std::vector<std::string>& modifiers) {
  std::vector<std::string> sorted = modifiers;
  std::sort(sorted.begin(), sorted.end());
  return absl::StrJoin(sorted, "+");
}

template <typename Repeated>
std::vector<std::string> ToVector(const Repeated& repeated) {
  return std::vector<std::string>(repeated.begin(), repeated.end());
}

std::string SupportKey(hub::v1::CommunitySupport support, std::string_view code) {
  return absl::StrCat(static_cast<int>(support), "|", Absl(code));
}

std::string DescribePair(const std::string& code, const std::vector<std::string>& modifiers) {
  if (modifiers.empty()) return code;
  return absl::StrCat(code, " + ", absl::StrJoin(modifiers, "/"));
}

}  // namespace

ReferenceTables::ReferenceTables(hub::v1::ReferenceTables tables) : tables_(std::move(tables)) {
  for (const auto& row : tables_.community_support_codes()) {
    cs_pairs_.insert(absl::StrCat(SupportKey(row.community_support(), row.hcpcs_code()), "|",
                                  ModifierKey(ToVector(row.modifiers()))));
    cs_codes_.insert(SupportKey(row.community_support(), row.hcpcs_code()));
  }
  for (const auto& row : tables_.ecm_codes()) {
    ecm_pairs_.insert(absl::StrCat(row.hcpcs_code(), "|", ModifierKey(ToVector(row.modifiers()))));
    ecm_codes_.insert(row.hcpcs_code());
  }
  for (const auto& row : tables_.discontinuation_reasons()) {
    discontinuation_codes_.insert(row.dhcs_code());
  }
}

std::unique_ptr<ReferenceTables> ReferenceTables::FromProto(hub::v1::ReferenceTables tables) {
  return std::unique_ptr<ReferenceTables>(new ReferenceTables(std::move(tables)));
}

std::string ReferenceTables::DefaultDir() { return HUB_DEFAULT_REFERENCE_DIR; }

absl::StatusOr<std::unique_ptr<ReferenceTables>> ReferenceTables::LoadDir(const std::string& dir) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (it->path().extension() == ".textproto") files.push_back(it->path());
  }
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read the reference tables folder ", dir, " (", ec.message(),
                     "); pass --reference_dir=<repo>/data/reference"));
  }
  std::sort(files.begin(), files.end());
  hub::v1::ReferenceTables merged;
  for (const std::filesystem::path& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in.good() && !in.eof()) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot read the reference table ", path.string()));
    }
    hub::v1::ReferenceTables part;
    if (!google::protobuf::TextFormat::ParseFromString(text.str(), &part)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the reference table ", path.string(),
          " is not a valid hub.v1.ReferenceTables text proto; fix it (protoc --decode checks it)"));
    }
    merged.MergeFrom(part);
  }
  if (merged.community_support_codes().empty() || merged.ecm_codes().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the reference tables in ", dir,
                     " list no Community Supports codes or no ECM codes; point --reference_dir at "
                     "<repo>/data/reference"));
  }
  return std::unique_ptr<ReferenceTables>(new ReferenceTables(std::move(merged)));
}

bool ReferenceTables::FitsCommunitySupport(hub::v1::CommunitySupport support, std::string_view code,
                                           const std::vector<std::string>& modifiers) const {
  return cs_pairs_.contains(absl::StrCat(SupportKey(support, code), "|", ModifierKey(modifiers)));
}

bool ReferenceTables::CodeBillsCommunitySupport(hub::v1::CommunitySupport support,
                                                std::string_view code) const {
  return cs_codes_.contains(SupportKey(support, code));
}

std::string ReferenceTables::DescribeCommunitySupportCodes(
    hub::v1::CommunitySupport support) const {
  std::vector<std::string> pairs;
  for (const auto& row : tables_.community_support_codes()) {
    if (row.community_support() == support) {
      pairs.push_back(DescribePair(row.hcpcs_code(), ToVector(row.modifiers())));
    }
  }
  return pairs.empty() ? "no listed code" : absl::StrJoin(pairs, ", ");
}

bool ReferenceTables::IsEcmCode(std::string_view code) const {
  return ecm_codes_.contains(std::string(code));
}

bool ReferenceTables::FitsEcm(std::string_view code,
                              const std::vector<std::string>& modifiers) const {
  return ecm_pairs_.contains(absl::StrCat(Absl(code), "|", ModifierKey(modifiers)));
}

std::string ReferenceTables::DescribeEcmCodes() const {
  std::vector<std::string> pairs;
  for (const auto& row : tables_.ecm_codes()) {
    pairs.push_back(DescribePair(row.hcpcs_code(), ToVector(row.modifiers())));
  }
  return absl::StrJoin(pairs, ", ");
}

bool ReferenceTables::IsDiscontinuationCode(int dhcs_code) const {
  return discontinuation_codes_.contains(dhcs_code);
}

std::string ReferenceTables::DescribeDiscontinuationCodes() const {
  std::vector<int> codes(discontinuation_codes_.begin(), discontinuation_codes_.end());
  std::sort(codes.begin(), codes.end());
  return absl::StrJoin(codes, ", ");
}

}  // namespace hub
