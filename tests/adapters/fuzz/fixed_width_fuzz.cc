// libFuzzer target for FixedWidthReader. Input: byte 0 picks the options,
// byte 1 a chunk size; the rest is the file.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "adapters/readers/fixed_width_reader.h"
#include "tests/adapters/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hub::adapters;
  if (size < 2) return 0;
  const uint8_t config = data[0];
  const size_t chunk = data[1] % 64;
  std::string_view file(reinterpret_cast<const char*>(data + 2), size - 2);

  FixedWidthOptions options;
  options.columns = {{"type", 1, 1}, {"cin", 2, 9}, {"name", 11, 10}, {"count", 2, 6}};
  if (config & 1) options.record_length = 20;
  options.trim = static_cast<FixedWidthTrim>((config >> 1) % 3);
  if (config & 8) {
    options.record_type_column = "type";
    options.data_record_type = "D";
    if (config & 16) options.header_record_type = "H";
    if (config & 32) {
      options.trailer_record_type = "T";
      options.trailer_count_column = "count";
    }
  }
  if (config & 64) options.max_record_bytes = 32;
  options.reject_empty = (config & 128) != 0;
  if (!ValidateFixedWidthOptions(options).ok()) return 0;

  fuzz::CheckChunkInvariance(
      [&](RecordSink* sink) {
        auto reader = FixedWidthReader::Create(options, sink);
        if (!reader.ok()) fuzz::Sink::Die("valid options refused");
        return std::unique_ptr<StreamReader>(std::move(*reader));
      },
      file, chunk);
  return 0;
}
