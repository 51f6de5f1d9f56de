#include "hub/directory/seed_loader.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>

#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "hub/common/log.h"
#include "hub/directory/directory_validation.h"

namespace hub {
namespace {

using ::hub::v1::DirectorySeed;

// Keeps the first syntax error the text format parser reports.
class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (!error_.empty()) return;
    // The parser counts lines and columns from 0; editors count from 1.
    error_ = absl::StrCat("seed file line ", line + 1, " column ", column + 1, ": ", message);
  }
  const std::string& error() const { return error_; }

 private:
  std::string error_;
};

// The 1-based line where element `index` of repeated field `field` starts.
int LineOf(const google::protobuf::TextFormat::ParseInfoTree& tree, std::string_view field,
           int index) {
  const google::protobuf::FieldDescriptor* descriptor =
      DirectorySeed::descriptor()->FindFieldByName(std::string(field));
  google::protobuf::TextFormat::ParseLocation location = tree.GetLocation(descriptor, index);
  return location.line + 1;
}

absl::Status EntryError(int line, absl::string_view what, int index, absl::string_view id,
                        absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat("seed file line ", line, ": ", what, " #",
                                                 index + 1, " (\"", id, "\"): ", problem));
}

}  // namespace

absl::StatusOr<DirectorySeed> ParseSeed(std::string_view text) {
  DirectorySeed seed;
  google::protobuf::TextFormat::Parser parser;
  FirstErrorCollector errors;
  google::protobuf::TextFormat::ParseInfoTree tree;
  parser.RecordErrorsTo(&errors);
  parser.WriteLocationsTo(&tree);
  google::protobuf::io::ArrayInputStream input(text.data(), static_cast<int>(text.size()));
  if (!parser.Parse(&input, &seed)) {
    return absl::InvalidArgumentError(
        errors.error().empty() ? "seed file could not be parsed as a hub.v1.DirectorySeed"
                               : errors.error());
  }

  std::map<std::string, int> plan_index;  // plan_id -> index in seed.plans
  for (int i = 0; i < seed.plans_size(); ++i) {
    const hub::v1::Plan& plan = seed.plans(i);
    const int line = LineOf(tree, "plans", i);
    if (absl::Status s = ValidatePlan(plan); !s.ok()) {
      return EntryError(line, "plan", i, plan.plan_id(), s.message());
    }
    auto [it, inserted] = plan_index.emplace(plan.plan_id(), i);
    if (!inserted) {
      return EntryError(
          line, "plan", i, plan.plan_id(),
          absl::StrCat("plan_id is already used by plan #", it->second + 1, " on line ",
                       LineOf(tree, "plans", it->second), "; give each plan its own id"));
    }
  }

  const PlanExists plan_in_file = [&](std::string_view plan_id) -> absl::StatusOr<bool> {
    return plan_index.count(std::string(plan_id)) > 0;
  };
  std::map<std::string, int> provider_index;  // provider_id -> index
  std::map<std::string, int> npi_index;       // npi -> index
  for (int i = 0; i < seed.providers_size(); ++i) {
    const hub::v1::Provider& provider = seed.providers(i);
    const int line = LineOf(tree, "providers", i);
    if (absl::Status s = ValidateProvider(provider, plan_in_file); !s.ok()) {
      return EntryError(line, "provider", i, provider.provider_id(), s.message());
    }
    if (auto [it, inserted] = provider_index.emplace(provider.provider_id(), i); !inserted) {
      return EntryError(
          line, "provider", i, provider.provider_id(),
          absl::StrCat("provider_id is already used by provider #", it->second + 1, " on line ",
                       LineOf(tree, "providers", it->second), "; give each provider its own id"));
    }
    if (auto [it, inserted] = npi_index.emplace(provider.npi(), i); !inserted) {
      return EntryError(
          line, "provider", i, provider.provider_id(),
          absl::StrCat("NPI is already used by provider #", it->second + 1, " on line ",
                       LineOf(tree, "providers", it->second), "; each provider has its own NPI"));
    }
  }
  return seed;
}

absl::StatusOr<SeedLoadResult> LoadSeedIfEmpty(storage::DirectoryStore& directory,
                                               const std::string& path) {
  ASSIGN_OR_RETURN(bool empty, directory.Empty());
  if (!empty) {
    log::Info("seed_skipped", {{"reason", "directory already has plans or providers"}});
    return SeedLoadResult{};
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::NotFoundError(
        absl::StrCat("cannot read seed file ", path, "; check --seed names a readable file"));
  }
  std::stringstream contents;
  contents << file.rdbuf();
  if (file.bad()) {
    return absl::DataLossError(absl::StrCat("error reading seed file ", path));
  }
  ASSIGN_OR_RETURN(DirectorySeed seed, ParseSeed(contents.str()));

  // One synced batch: a crash during the first start leaves no partial
  // directory that later starts would take for a loaded one.
  RETURN_IF_ERROR(directory.Seed({seed.plans().begin(), seed.plans().end()},
                                 {seed.providers().begin(), seed.providers().end()}));
  SeedLoadResult result;
  result.loaded = true;
  result.plans = seed.plans_size();
  result.providers = seed.providers_size();
  log::Info("seed_loaded", {{"plan_count", result.plans}, {"provider_count", result.providers}});
  return result;
}

}  // namespace hub
