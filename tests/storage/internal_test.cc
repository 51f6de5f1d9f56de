// Key encoding and status mapping of storage/internal.h.
#include "storage/internal.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "hub/v1/member.pb.h"

namespace hub::storage::internal {
namespace {

using namespace std::string_literals;

TEST(KeyTest, FieldsJoinWithNulSeparators) {
  EXPECT_EQ(Key({"99898657G", "molina", "2025-01-01"}), "99898657G\0molina\0002025-01-01"s);
  EXPECT_EQ(Key({"only"}), "only");
  EXPECT_EQ(Prefix({"99898657G"}), "99898657G\0"s);
  EXPECT_EQ(Prefix({"a", "b"}), "a\0b\0"s);
}

TEST(KeyTest, PrefixEndBoundsExactlyThePrefix) {
  const std::string prefix = Prefix({"12345678A"});
  const std::string end = PrefixEnd(prefix);
  EXPECT_EQ(end, "12345678A\1"s);
  // Every key of the member sorts below the bound; the next member above.
  EXPECT_LT(Key({"12345678A", "\xff\xff"}), end);
  EXPECT_GT(Key({"12345678AB", "x"}), end);
  EXPECT_EQ(PrefixEnd("a\xff"s), "b");
}

TEST(Fixed64Test, RoundTripsAndRejectsWrongSizes) {
  uint64_t value = 0;
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{0x0102030405060708}, ~uint64_t{0}}) {
    ASSERT_TRUE(DecodeFixed64(EncodeFixed64(v), &value));
    EXPECT_EQ(value, v);
  }
  EXPECT_FALSE(DecodeFixed64("1234567", &value));
  EXPECT_FALSE(DecodeFixed64("123456789", &value));
}

TEST(FromRocksDbTest, MapsCodesAndNeverQuotesRocksDbText) {
  EXPECT_TRUE(FromRocksDb(rocksdb::Status::OK(), "reading").ok());
  const absl::Status corrupt =
      FromRocksDb(rocksdb::Status::Corruption("bad block for key 99898657G"), "reading");
  EXPECT_TRUE(absl::IsDataLoss(corrupt)) << corrupt;
  EXPECT_FALSE(absl::StrContains(corrupt.message(), "99898657G")) << corrupt;
  EXPECT_TRUE(absl::StrContains(corrupt.message(), "checkpoint")) << corrupt;
  EXPECT_TRUE(absl::IsUnavailable(FromRocksDb(rocksdb::Status::IOError("disk"), "committing")));
  const absl::Status full = FromRocksDb(rocksdb::Status::NoSpace("full"), "committing");
  EXPECT_TRUE(absl::IsResourceExhausted(full)) << full;
  EXPECT_TRUE(absl::StrContains(full.message(), "free space")) << full;
  EXPECT_TRUE(absl::IsUnavailable(FromRocksDb(rocksdb::Status::Busy(), "committing")));
  EXPECT_TRUE(absl::IsInternal(FromRocksDb(rocksdb::Status::InvalidArgument("x"), "reading")));
}

TEST(ParseRecordTest, GarbageIsDataLoss) {
  hub::v1::Coverage coverage;
  coverage.set_cin("99898657G");
  const std::string good = coverage.SerializeAsString();
  hub::v1::Coverage parsed;
  ASSERT_TRUE(ParseRecord(rocksdb::Slice(good), "coverage", &parsed).ok());
  EXPECT_EQ(parsed.cin(), "99898657G");
  const absl::Status bad = ParseRecord(rocksdb::Slice("\xff\xff\xff"), "coverage", &parsed);
  EXPECT_TRUE(absl::IsDataLoss(bad)) << bad;
}

}  // namespace
}  // namespace hub::storage::internal
