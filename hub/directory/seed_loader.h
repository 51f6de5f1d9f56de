// The directory seed: plans and providers that hubd loads on its first start
// from a hub.v1.DirectorySeed in protobuf text format.
//
// Errors point at the file so an administrator can fix it:
//   "seed file line 12 column 7: Expected identifier, got: }"
//   "seed file line 40: provider #3 (\"father_joes\"): NPI must be exactly 10 digits"
// The whole file is parsed and validated before anything is written.
#ifndef HUB_HUB_DIRECTORY_SEED_LOADER_H_
#define HUB_HUB_DIRECTORY_SEED_LOADER_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "hub/v1/directory_seed.pb.h"
#include "storage/directory_store.h"

namespace hub {

// Parses and validates seed text (the contents of a seed file). OK returns
// the seed; InvalidArgument says which line and entry to fix: syntax errors,
// any plan or provider failing directory validation, a contract with a plan
// the file does not define, a plan id, provider id or NPI used twice.
absl::StatusOr<hub::v1::DirectorySeed> ParseSeed(std::string_view text);

struct SeedLoadResult {
  // False when the directory already held data and the seed was not read.
  bool loaded = false;
  int plans = 0;
  int providers = 0;
};

// On first start (directory empty) reads the seed file at `path`, validates
// it and creates every plan, then every provider; returns the counts written.
// When the directory is not empty returns {loaded = false} without reading
// the file, so later changes made through the API survive restarts.
// NotFound if the file cannot be read; InvalidArgument as ParseSeed; store
// errors as is. The messages may name `path` (they are for the operator
// starting hubd, never sent to RPC clients).
absl::StatusOr<SeedLoadResult> LoadSeedIfEmpty(storage::DirectoryStore& directory,
                                               const std::string& path);

}  // namespace hub

#endif  // HUB_HUB_DIRECTORY_SEED_LOADER_H_
