// Loading the generator's inputs from protobuf text files: the directory
// seed, the reference tables and the plans' adapter profiles. Used by
// countygen and by tests; the County itself reads no files.
#ifndef HUB_GENERATOR_INPUTS_H_
#define HUB_GENERATOR_INPUTS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "hub/v1/adapter_config.pb.h"
#include "hub/v1/directory_seed.pb.h"
#include "hub/v1/reference.pb.h"

namespace hub::generator {

// Parses the text-format file at `path` into `message` (cleared first).
// NotFound if the file cannot be opened; InvalidArgument with the line and
// column of the first syntax error.
absl::Status LoadTextProto(const std::string& path, google::protobuf::Message& message);

// A DirectorySeed (e.g. demo/san_diego/directory.textproto).
absl::StatusOr<hub::v1::DirectorySeed> LoadDirectorySeed(const std::string& path);

// Every *.textproto in `dir` merged into one ReferenceTables, files in name
// order (e.g. data/reference/). NotFound if `dir` has none.
absl::StatusOr<hub::v1::ReferenceTables> LoadReferenceTables(const std::string& dir);

// <profiles_dir>/<name>/profile.textproto.
absl::StatusOr<hub::v1::PlanProfile> LoadPlanProfile(const std::string& profiles_dir,
                                                     const std::string& name);

}  // namespace hub::generator

#endif  // HUB_GENERATOR_INPUTS_H_
