// Plan adapters and the registry that creates them by name.
//
// As in Envoy's extension model, an adapter is built by a factory found by
// name from its own typed configuration (a PlanProfile, adapter_config.proto);
// a duplicate name is an error. Unlike Envoy there is no static
// registration: RegisterBuiltinAdapters lists every built-in factory in one
// place and is called explicitly at startup.
#ifndef HUB_ADAPTERS_REGISTRY_H_
#define HUB_ADAPTERS_REGISTRY_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "adapters/plan_adapter.h"
#include "hub/v1/adapter_config.pb.h"

namespace hub::adapters {

// Factories of `Product` keyed by name, each building from a `Config`.
// Register during startup from one thread; afterwards Create and Names are
// const and safe to call from many threads.
template <typename Product, typename Config>
class FactoryRegistry {
 public:
  // Builds a product from its validated configuration, or says why the
  // configuration is unusable (InvalidArgument).
  using Factory = std::function<absl::StatusOr<std::unique_ptr<Product>>(const Config&)>;

  // Adds `factory` under `name`. AlreadyExists if the name is taken;
  // InvalidArgument if the name is empty or the factory is null.
  absl::Status Register(std::string name, Factory factory) {
    if (name.empty()) return absl::InvalidArgumentError("an adapter name must not be empty");
    if (!factory) {
      return absl::InvalidArgumentError(absl::StrCat("adapter \"", name, "\" has no factory"));
    }
    if (factories_.contains(name)) {
      return absl::AlreadyExistsError(
          absl::StrCat("an adapter named \"", name, "\" is already registered; names are unique"));
    }
    factories_.emplace(std::move(name), std::move(factory));
    return absl::OkStatus();
  }

  // Builds the product registered as `name` from `config`. NotFound (listing
  // the registered names) if there is none; otherwise whatever the factory
  // returns (Internal if it returned null).
  absl::StatusOr<std::unique_ptr<Product>> Create(std::string_view name,
                                                  const Config& config) const {
    auto it = factories_.find(name);
    if (it == factories_.end()) {
      return absl::NotFoundError(
          absl::StrCat("no adapter named \"", absl::string_view(name.data(), name.size()),
                       "\"; registered adapters: ",
                       factories_.empty() ? std::string("(none)") : absl::StrJoin(Names(), ", ")));
    }
    absl::StatusOr<std::unique_ptr<Product>> product = it->second(config);
    if (product.ok() && *product == nullptr) {
      return absl::InternalError(absl::StrCat("adapter factory \"", it->first, "\" returned null"));
    }
    return product;
  }

  // Registered names, sorted.
  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    names.reserve(factories_.size());
    for (const auto& [name, factory] : factories_) names.push_back(name);
    return names;
  }

 private:
  std::map<std::string, Factory, std::less<>> factories_;
};

// Plan adapters (plan_adapter.h) by name, each created from a plan profile.
using AdapterRegistry = FactoryRegistry<PlanAdapter, hub::v1::PlanProfile>;

// Name of the built-in declarative adapter (CreateDeclarativePlanAdapter):
// the shared readers plus the profile's mappings, which is all a plan needs
// when its layout fits an existing reader.
inline constexpr std::string_view kDeclarativeAdapter = "declarative";

// Registers every built-in adapter factory. Call once at startup;
// AlreadyExists if called twice on the same registry.
absl::Status RegisterBuiltinAdapters(AdapterRegistry& registry);

}  // namespace hub::adapters

#endif  // HUB_ADAPTERS_REGISTRY_H_
