// SHA-256 and HMAC-SHA-256 against published test vectors (FIPS 180-2
// examples, RFC 4231), and HMAC from many threads at once.
#include "base/sha256.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace hub {
namespace {

std::string Hex(const std::string& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
  }
  return out;
}

TEST(Sha256Test, KnownDigests) {
  Sha256 abc;
  abc.Update("a");
  abc.Update("bc");
  EXPECT_EQ(abc.HexDigest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(IsSha256Hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  EXPECT_FALSE(IsSha256Hex("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
}

TEST(HmacSha256Test, Rfc4231Vectors) {
  // Test case 1: 20-byte key of 0x0b, "Hi There".
  auto case1 = HmacSha256::Create(std::string(20, '\x0b'));
  ASSERT_TRUE(case1.ok()) << case1.status();
  EXPECT_EQ(Hex((*case1)->Mac("Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // Test case 2: key "Jefe".
  auto case2 = HmacSha256::Create("Jefe");
  ASSERT_TRUE(case2.ok()) << case2.status();
  EXPECT_EQ(Hex((*case2)->Mac("what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a 131-byte key (longer than the block: hashed first).
  auto case6 = HmacSha256::Create(std::string(131, '\xaa'));
  ASSERT_TRUE(case6.ok()) << case6.status();
  EXPECT_EQ(Hex((*case6)->Mac("Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(HmacSha256Test, SameMacFromManyThreads) {
  auto mac = HmacSha256::Create("county audit key");
  ASSERT_TRUE(mac.ok());
  const std::string want = (*mac)->Mac("90000001A");
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) mismatches[t] += (*mac)->Mac("90000001A") != want;
    });
  }
  for (std::thread& t : threads) t.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
  EXPECT_NE((*mac)->Mac("90000002A"), want);
}

}  // namespace
}  // namespace hub
