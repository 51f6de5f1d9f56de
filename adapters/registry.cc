#include "adapters/registry.h"

#include <string>

#include "base/status_macros.h"

namespace hub::adapters {

absl::Status RegisterBuiltinAdapters(AdapterRegistry& registry) {
  RETURN_IF_ERROR(
      registry.Register(std::string(kDeclarativeAdapter), &CreateDeclarativePlanAdapter));
  return absl::OkStatus();
}

}  // namespace hub::adapters
