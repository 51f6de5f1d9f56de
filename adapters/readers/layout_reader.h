// Opening the reader a plan profile's FileLayout (adapter_config.proto)
// describes: the bridge from configuration data to the readers.
#ifndef HUB_ADAPTERS_READERS_LAYOUT_READER_H_
#define HUB_ADAPTERS_READERS_LAYOUT_READER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "adapters/readers/delimited_reader.h"
#include "adapters/readers/edi834.h"
#include "adapters/readers/fixed_width_reader.h"
#include "adapters/readers/record.h"
#include "hub/v1/adapter_config.pb.h"

namespace hub::adapters {

// Reader options for a delimited layout. With a header, the sources of the
// layout's field mappings become the columns the header must have (required
// mappings) or may have (the others); "#N" sources are positional.
// InvalidArgument names what is wrong in the layout.
absl::StatusOr<DelimitedOptions> DelimitedOptionsFromLayout(const hub::v1::FileLayout& layout);

// Reader options for a fixed-width layout.
absl::StatusOr<FixedWidthOptions> FixedWidthOptionsFromLayout(const hub::v1::FileLayout& layout);

// A reader for one file laid out as `layout` says; records and row errors go
// to `sink` (not owned; must outlive the reader). X12 layouts yield the
// flattened 834 records of edi834.h. InvalidArgument if the layout is invalid
// or names no format.
absl::StatusOr<std::unique_ptr<StreamReader>> OpenLayoutReader(const hub::v1::FileLayout& layout,
                                                               RecordSink* sink);

}  // namespace hub::adapters

#endif  // HUB_ADAPTERS_READERS_LAYOUT_READER_H_
