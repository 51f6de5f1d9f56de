// Applying an Update RPC's google.protobuf.FieldMask (AIP-134) to a stored
// record. Only top-level fields may be named; the record's id field selects
// the record and cannot change.
#ifndef HUB_HUB_COMMON_UPDATE_MASK_H_
#define HUB_HUB_COMMON_UPDATE_MASK_H_

#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/message.h>

#include <string_view>

#include "absl/status/status.h"

namespace hub {

// Copies into `stored` the fields of `update` named by `mask`; a named field
// left at its default in `update` is cleared, a named repeated field is
// replaced whole. An empty mask means every field set (non-default) in
// `update` other than `id_field`. `update` and `stored` must be the same
// message type.
// InvalidArgument, naming the path, if a path is not a top-level field of
// the message or is `id_field`; `stored` is unchanged then.
absl::Status ApplyUpdateMask(const google::protobuf::Message& update,
                             const google::protobuf::FieldMask& mask, std::string_view id_field,
                             google::protobuf::Message* stored);

}  // namespace hub

#endif  // HUB_HUB_COMMON_UPDATE_MASK_H_
