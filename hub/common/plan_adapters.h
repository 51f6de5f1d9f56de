// PlanAdapterSet: the plan adapters of this hub, built from the profile
// files under one folder (adapters/plans/<profile>/profile.textproto) through
// the adapter registry (adapters/registry.h).
//
// Load reads every profile at startup; a profile that does not parse or does
// not compile fails startup with an error naming the file (and line, for
// syntax errors). Get finds a profile by name and, when it was not loaded,
// tries <dir>/<name>/profile.textproto at that moment: an eighth plan is
// onboarded by adding its folder and creating the plan with
// adapter_profile = <name>, with no restart and no rebuild. A profile that
// fails to load on demand fails only the uploads that need it (the next Get
// tries again, so fixing the file is enough). An edited profile is reloaded
// without a restart: each Get compares the file's size and modification
// time with the loaded one's and, when they changed, compiles it again; a
// new version that does not compile is logged
// (adapter_profile_reload_failed) and the loaded one stays in use. A
// replaced profile is kept alive (an ingest may still hold it) until the set
// is destroyed.
//
// Thread safety: all methods are safe to call concurrently. Pointers
// returned stay valid for the set's lifetime.
#ifndef HUB_HUB_COMMON_PLAN_ADAPTERS_H_
#define HUB_HUB_COMMON_PLAN_ADAPTERS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "adapters/plan_adapter.h"
#include "adapters/registry.h"
#include "hub/v1/adapter_config.pb.h"

namespace hub {

// A loaded profile and the adapter built from it.
struct LoadedPlanProfile {
  hub::v1::PlanProfile profile;
  std::unique_ptr<adapters::PlanAdapter> adapter;
  // The profile file it came from, and its size and modification time when
  // it was read (to notice edits).
  std::string path;
  uintmax_t file_size = 0;
  int64_t file_mtime_ns = 0;

  // The version of what reads `kind` (adapters::ProfileVersion): part of the
  // replay key of an upload, so a corrected profile reads the same bytes
  // again.
  std::string Version(hub::v1::FileKind kind) const;
};

class PlanAdapterSet {
 public:
  // Loads every <profiles_dir>/<name>/profile.textproto (folders without one
  // are skipped). `registry` (not owned; null = a registry with the built-in
  // adapters, owned by the set) must outlive the set. FailedPrecondition if
  // the folder does not exist; InvalidArgument naming the file (and
  // file:line:column for syntax errors) for a bad profile.
  static absl::StatusOr<std::unique_ptr<PlanAdapterSet>> Load(
      std::string profiles_dir, const adapters::AdapterRegistry* registry = nullptr);

  // Parses and builds one profile file whose folder name is `name`.
  // InvalidArgument naming the file for syntax errors (file:line:column),
  // a profile name that differs from the folder, or an unusable layout.
  static absl::StatusOr<std::unique_ptr<LoadedPlanProfile>> LoadProfileFile(
      const std::string& path, std::string_view name, const adapters::AdapterRegistry& registry);

  // The profile called `name` (a Plan's adapter_profile), loading it from
  // disk if needed. InvalidArgument for a name that is not 1 to 32
  // characters of [a-z0-9_-]; NotFound if there is no such profile file;
  // the load's error (naming the profile, not the server path) if it is bad.
  absl::StatusOr<const LoadedPlanProfile*> GetProfile(std::string_view name);
  // GetProfile(name)->adapter.
  absl::StatusOr<const adapters::PlanAdapter*> Get(std::string_view name);

  // Names of the loaded profiles, sorted.
  std::vector<std::string> Names() const;

  const std::string& profiles_dir() const { return dir_; }

 private:
  PlanAdapterSet(std::string dir, const adapters::AdapterRegistry* registry,
                 std::unique_ptr<adapters::AdapterRegistry> owned_registry);

  const std::string dir_;
  std::unique_ptr<adapters::AdapterRegistry> owned_registry_;
  const adapters::AdapterRegistry* registry_;
  mutable absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<LoadedPlanProfile>, std::less<>> profiles_
      ABSL_GUARDED_BY(mu_);
  // Profiles replaced by a reload, kept for the pointers handed out.
  std::vector<std::unique_ptr<LoadedPlanProfile>> retired_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hub

#endif  // HUB_HUB_COMMON_PLAN_ADAPTERS_H_
