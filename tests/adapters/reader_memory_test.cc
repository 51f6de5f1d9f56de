// Readers keep memory bounded by the largest record, independent of file
// size: feed tens of megabytes and watch the heap (glibc mallinfo2).
#include <malloc.h>

#include <algorithm>
#include <cstddef>
#include <string>

#include "absl/strings/str_cat.h"
#include "adapters/readers/delimited_reader.h"
#include "adapters/readers/edi834.h"
#include "adapters/readers/fixed_width_reader.h"
#include "gtest/gtest.h"

namespace hub::adapters {
namespace {

constexpr size_t kFileBytes = size_t{48} << 20;  // per test
constexpr size_t kAllowedGrowth = size_t{3} << 20;

size_t HeapInUse() {
  struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

class CountingSink : public RecordSink {
 public:
  absl::Status OnRecord(const Record& record) override {
    ++records;
    return absl::OkStatus();
  }
  absl::Status OnRowError(const RowError&) override {
    ++errors;
    return absl::OkStatus();
  }
  int64_t records = 0;
  int64_t errors = 0;
};

// Feeds `first`, then `chunk` until kFileBytes were fed, then `last`;
// returns the largest heap growth seen after any Feed.
size_t PeakGrowth(StreamReader& reader, const std::string& first, const std::string& chunk,
                  const std::string& last, absl::Status* finish) {
  const size_t base = HeapInUse();
  size_t peak = 0;
  EXPECT_TRUE(reader.Feed(first).ok());
  for (size_t fed = 0; fed < kFileBytes; fed += chunk.size()) {
    absl::Status s = reader.Feed(chunk);
    EXPECT_TRUE(s.ok()) << s;
    if (!s.ok()) break;
    const size_t now = HeapInUse();
    peak = std::max(peak, now > base ? now - base : 0);
  }
  EXPECT_TRUE(reader.Feed(last).ok());
  *finish = reader.Finish();
  return peak;
}

std::string Repeat(const std::string& unit, size_t bytes) {
  std::string out;
  out.reserve(bytes + unit.size());
  while (out.size() < bytes) out += unit;
  return out;
}

TEST(AdapterReaderMemoryTest, DelimitedRowsDoNotAccumulate) {
  CountingSink sink;
  DelimitedOptions options;
  options.columns = {"cin", "last", "first", "start"};
  auto reader = DelimitedReader::Create(options, &sink);
  ASSERT_TRUE(reader.ok());
  const std::string row = "91234567A,\"Garcia, Jr.\",Maria,2026-01-01\n";
  const std::string chunk = Repeat(row, 1 << 20);
  absl::Status finish;
  size_t growth = PeakGrowth(**reader, "cin,last,first,start\n", chunk, "", &finish);
  EXPECT_TRUE(finish.ok()) << finish;
  EXPECT_GT(sink.records, 1'000'000);
  EXPECT_LT(growth, kAllowedGrowth);
}

TEST(AdapterReaderMemoryTest, DelimitedUnterminatedQuoteIsBoundedByMaxRecordBytes) {
  CountingSink sink;
  DelimitedOptions options;
  options.columns = {"a", "b"};
  auto reader = DelimitedReader::Create(options, &sink);
  ASSERT_TRUE(reader.ok());
  absl::Status finish;
  size_t growth = PeakGrowth(**reader, "a,b\n1,\"", std::string(1 << 20, 'x'), "", &finish);
  EXPECT_TRUE(finish.ok()) << finish;
  EXPECT_EQ(sink.errors, 1);
  EXPECT_LT(growth, kAllowedGrowth);
}

TEST(AdapterReaderMemoryTest, FixedWidthOverlongLineIsBounded) {
  CountingSink sink;
  FixedWidthOptions options;
  options.columns = {{"cin", 1, 9}};
  auto reader = FixedWidthReader::Create(options, &sink);
  ASSERT_TRUE(reader.ok());
  absl::Status finish;
  size_t growth = PeakGrowth(**reader, "", std::string(1 << 20, 'x'), "\n91234567A\n", &finish);
  EXPECT_TRUE(finish.ok()) << finish;
  EXPECT_EQ(sink.errors, 1);
  EXPECT_EQ(sink.records, 1);
  EXPECT_LT(growth, kAllowedGrowth);
}

TEST(AdapterReaderMemoryTest, X12MemberLoopsDoNotAccumulate) {
  CountingSink sink;
  std::unique_ptr<StreamReader> reader = Make834RecordReader(Edi834Options(), &sink);
  const std::string isa =
      "ISA*00*          *00*          *ZZ*SDPLAN01       *ZZ*COUNTYHUB      *260105*0930*^*00501*"
      "000000101*0*T*:~\nGS*BE*SDPLAN01*COUNTYHUB*20260105*0930*101*X*005010X220A1~\n"
      "ST*834*0001*005010X220A1~\nBGN*00*REF*20260105*0930****4~\n";
  const std::string loop =
      "INS*Y*18*021*28*A~\nREF*0F*91234567A~\nNM1*IL*1*GARCIA*MARIA****ZZ*91234567A~\n"
      "DMG*D8*19780412*F~\nHD*021**HLT*ECM*IND~\nDTP*348*D8*20260101~\n";
  const std::string chunk = Repeat(loop, 1 << 20);
  const size_t loops_per_chunk = chunk.size() / loop.size();
  const size_t chunks = (kFileBytes + chunk.size() - 1) / chunk.size();
  const size_t segments = 2 + loops_per_chunk * chunks * 6 + 1;  // ST, BGN, loops, SE
  const std::string tail = absl::StrCat("SE*", segments, "*0001~\nGE*1*101~\nIEA*1*000000101~\n");
  absl::Status finish;
  size_t growth = PeakGrowth(*reader, isa, chunk, tail, &finish);
  EXPECT_TRUE(finish.ok()) << finish;
  EXPECT_EQ(sink.records, static_cast<int64_t>(loops_per_chunk * chunks));
  EXPECT_LT(growth, kAllowedGrowth);
}

}  // namespace
}  // namespace hub::adapters
