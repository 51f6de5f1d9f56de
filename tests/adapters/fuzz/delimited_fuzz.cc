// libFuzzer target for DelimitedReader. Input: byte 0 picks the options
// (delimiter, header, trailer, limits), byte 1 a chunk size; the rest is the
// file.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "adapters/readers/delimited_reader.h"
#include "tests/adapters/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hub::adapters;
  if (size < 2) return 0;
  const uint8_t config = data[0];
  const size_t chunk = data[1] % 64;
  std::string_view file(reinterpret_cast<const char*>(data + 2), size - 2);

  DelimitedOptions options;
  static constexpr char kDelimiters[] = {',', '|', '\t', ';'};
  options.delimiter = kDelimiters[config & 3];
  options.header = (config & 4) != 0;
  if (config & 8) {
    options.columns = {"cin", "last name", "first name"};
    options.optional_columns = {"phone"};
  }
  if (config & 16) options.trailer_tags = {"TRL", "TRAILER"};
  options.reject_unknown_columns = (config & 32) != 0;
  if (config & 64) {
    options.max_field_bytes = 8;
    options.max_record_bytes = 24;
    options.max_fields = 6;
  }
  options.reject_empty = (config & 128) != 0;
  if (!ValidateDelimitedOptions(options).ok()) return 0;

  fuzz::CheckChunkInvariance(
      [&](RecordSink* sink) {
        auto reader = DelimitedReader::Create(options, sink);
        if (!reader.ok()) fuzz::Sink::Die("valid options refused");
        return std::unique_ptr<StreamReader>(std::move(*reader));
      },
      file, chunk);
  return 0;
}
