#include "hub/common/plan_adapters.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "adapters/profile_check.h"
#include "base/status_macros.h"
#include "base/string_view.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "hub/common/log.h"

namespace hub {
namespace {

namespace fs = std::filesystem;

constexpr char kProfileFile[] = "profile.textproto";

// Same rule as Plan.adapter_profile (directory_validation.h), which also
// keeps the name a plain folder name.
bool IsProfileName(std::string_view name) {
  if (name.empty() || name.size() > 32) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

// Collects text-format errors as "<file>:<line>:<column>: <message>".
class ErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  explicit ErrorCollector(std::string file) : file_(std::move(file)) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (!errors_.empty()) errors_ += "; ";
    absl::StrAppend(&errors_, file_, ":", line + 1, ":", column + 1, ": ", message);
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber, const std::string&) override {}
  const std::string& errors() const { return errors_; }

 private:
  std::string file_;
  std::string errors_;
};

// The size and modification time of `path` (0, 0 if it cannot be read).
void StatFile(const std::string& path, uintmax_t* size, int64_t* mtime_ns) {
  std::error_code ec;
  *size = fs::file_size(path, ec);
  if (ec) *size = 0;
  const fs::file_time_type time = fs::last_write_time(path, ec);
  *mtime_ns =
      ec ? 0
         : std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
}

}  // namespace

std::string LoadedPlanProfile::Version(hub::v1::FileKind kind) const {
  return adapters::ProfileVersion(profile, kind);
}

PlanAdapterSet::PlanAdapterSet(std::string dir, const adapters::AdapterRegistry* registry,
                               std::unique_ptr<adapters::AdapterRegistry> owned_registry)
    : dir_(std::move(dir)),
      owned_registry_(std::move(owned_registry)),
      registry_(registry != nullptr ? registry : owned_registry_.get()) {}

absl::StatusOr<std::unique_ptr<LoadedPlanProfile>> PlanAdapterSet::LoadProfileFile(
    const std::string& path, std::string_view name, const adapters::AdapterRegistry& registry) {
  // Errors name the file relative to the profiles folder: they may reach a
  // plan's client, which must not see server paths.
  const std::string display = absl::StrCat(Absl(name), "/", kProfileFile);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("the adapter profile file ", display,
                                            " cannot be read; check that it exists"));
  }
  std::stringstream text;
  text << in.rdbuf();
  auto loaded = std::make_unique<LoadedPlanProfile>();
  loaded->path = path;
  StatFile(path, &loaded->file_size, &loaded->file_mtime_ns);
  ErrorCollector collector(display);
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  if (!parser.ParseFromString(text.str(), &loaded->profile) || !collector.errors().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the adapter profile ", collector.errors().empty() ? display : collector.errors(),
        " does not parse as a hub.v1.PlanProfile; fix the file"));
  }
  if (loaded->profile.name() != name) {
    return absl::InvalidArgumentError(absl::StrCat(
        display, ": the profile's name is \"", loaded->profile.name(), "\" but its folder is \"",
        Absl(name), "\"; a profile's name must equal its folder name"));
  }
  const std::string factory = loaded->profile.adapter().empty()
                                  ? std::string(adapters::kDeclarativeAdapter)
                                  : loaded->profile.adapter();
  absl::StatusOr<std::unique_ptr<adapters::PlanAdapter>> adapter =
      registry.Create(factory, loaded->profile);
  if (!adapter.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(display, ": cannot build adapter \"", factory,
                                                   "\": ", adapter.status().message()));
  }
  loaded->adapter = *std::move(adapter);
  return loaded;
}

absl::StatusOr<std::unique_ptr<PlanAdapterSet>> PlanAdapterSet::Load(
    std::string profiles_dir, const adapters::AdapterRegistry* registry) {
  std::unique_ptr<adapters::AdapterRegistry> owned;
  if (registry == nullptr) {
    owned = std::make_unique<adapters::AdapterRegistry>();
    RETURN_IF_ERROR(adapters::RegisterBuiltinAdapters(*owned));
  }
  std::error_code ec;
  if (!fs::is_directory(profiles_dir, ec)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the adapter profiles folder ", profiles_dir,
                     " does not exist; pass --profiles_dir=<repo>/adapters/plans"));
  }
  std::unique_ptr<PlanAdapterSet> set(new PlanAdapterSet(profiles_dir, registry, std::move(owned)));
  std::vector<fs::path> folders;
  for (auto it = fs::directory_iterator(profiles_dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    if (it->is_directory(ec) && fs::exists(it->path() / kProfileFile, ec)) {
      folders.push_back(it->path());
    }
  }
  if (ec) {
    return absl::UnavailableError(absl::StrCat("cannot list the adapter profiles folder ",
                                               profiles_dir, " (", ec.message(), ")"));
  }
  std::sort(folders.begin(), folders.end());
  absl::MutexLock lock(&set->mu_);
  for (const fs::path& folder : folders) {
    const std::string name = folder.filename().string();
    if (!IsProfileName(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("adapter profile folder ", folder.string(),
                       ": a profile name is 1 to 32 characters of a-z, 0-9, _ and -; rename it"));
    }
    absl::StatusOr<std::unique_ptr<LoadedPlanProfile>> loaded =
        LoadProfileFile((folder / kProfileFile).string(), name, *set->registry_);
    if (!loaded.ok()) {
      return absl::Status(loaded.status().code(),
                          absl::StrCat("in ", profiles_dir, ": ", loaded.status().message()));
    }
    set->profiles_.emplace(name, *std::move(loaded));
  }
  return set;
}

absl::StatusOr<const LoadedPlanProfile*> PlanAdapterSet::GetProfile(std::string_view name) {
  if (!IsProfileName(name)) {
    return absl::InvalidArgumentError(
        "an adapter profile name is 1 to 32 characters of a-z, 0-9, _ and -");
  }
  absl::MutexLock lock(&mu_);
  if (auto it = profiles_.find(name); it != profiles_.end()) {
    LoadedPlanProfile& current = *it->second;
    uintmax_t size = 0;
    int64_t mtime_ns = 0;
    StatFile(current.path, &size, &mtime_ns);
    if (size == current.file_size && mtime_ns == current.file_mtime_ns) return &current;
    // Edited since it was loaded: compile the new version.
    absl::StatusOr<std::unique_ptr<LoadedPlanProfile>> reloaded =
        LoadProfileFile(current.path, name, *registry_);
    if (!reloaded.ok()) {
      log::Error(
          "adapter_profile_reload_failed",
          {{"profile", std::string(name)}, {"cause", std::string(reloaded.status().message())}});
      // Keep serving the loaded version; try again once the file changes.
      current.file_size = size;
      current.file_mtime_ns = mtime_ns;
      return &current;
    }
    log::Info("adapter_profile_reloaded", {{"profile", std::string(name)}});
    retired_.push_back(std::move(it->second));
    it->second = *std::move(reloaded);
    return it->second.get();
  }
  const fs::path path = fs::path(dir_) / std::string(name) / kProfileFile;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return absl::NotFoundError(absl::StrCat("no adapter profile is named \"", Absl(name),
                                            "\"; the hub administrator adds adapters/plans/",
                                            Absl(name),
                                            "/profile.textproto (see adapters/README.md)"));
  }
  absl::StatusOr<std::unique_ptr<LoadedPlanProfile>> loaded =
      LoadProfileFile(path.string(), name, *registry_);
  if (!loaded.ok()) {
    log::Error("adapter_profile_load_failed",
               {{"profile", std::string(name)}, {"cause", std::string(loaded.status().message())}});
    return loaded.status();
  }
  log::Info("adapter_profile_loaded", {{"profile", std::string(name)}});
  const LoadedPlanProfile* result = loaded->get();
  profiles_.emplace(std::string(name), *std::move(loaded));
  return result;
}

absl::StatusOr<const adapters::PlanAdapter*> PlanAdapterSet::Get(std::string_view name) {
  ASSIGN_OR_RETURN(const LoadedPlanProfile* profile, GetProfile(name));
  return profile->adapter.get();
}

std::vector<std::string> PlanAdapterSet::Names() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> names;
  for (const auto& [name, profile] : profiles_) names.push_back(name);
  return names;
}

}  // namespace hub
