// libFuzzer target for the X12 834 reader (tokenizer, envelope and 834
// interpreter, flattened to records). Input: byte 0 picks a chunk size and
// limits; the rest is the file.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "adapters/readers/edi834.h"
#include "tests/adapters/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hub::adapters;
  if (size < 1) return 0;
  const uint8_t config = data[0];
  const size_t chunk = config % 64;
  std::string_view file(reinterpret_cast<const char*>(data + 1), size - 1);

  Edi834Options options;
  if (config & 64) {
    options.x12.max_segment_bytes = 128;
    options.max_segments_per_loop = 8;
  }
  if (config & 128) options.x12.implementation_guide.clear();

  fuzz::CheckChunkInvariance([&](RecordSink* sink) { return Make834RecordReader(options, sink); },
                             file, chunk);
  return 0;
}
