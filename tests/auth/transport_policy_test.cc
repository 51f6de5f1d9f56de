#include "auth/transport_policy.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hub::auth {
namespace {

using ::testing::HasSubstr;

TEST(auth_TransportPolicyTest, PlaintextIsAllowedOnLoopback) {
  for (const char* address :
       {"127.0.0.1:50051", "127.0.0.1:0", "127.8.9.10:1", "[::1]:50051", "[0:0:0:0:0:0:0:1]:80",
        "localhost:50051", "LOCALHOST:7", "[::ffff:127.0.0.1]:9"}) {
    EXPECT_TRUE(CheckListenAddress(address, /*tls_enabled=*/false).ok()) << address;
  }
}

TEST(auth_TransportPolicyTest, PlaintextOffLoopbackNeedsTls) {
  for (const char* address : {"0.0.0.0:50051", "[::]:0", "10.0.0.5:443", "hub.example.org:50051",
                              "128.0.0.1:1", "[::ffff:10.0.0.1]:9"}) {
    absl::Status s = CheckListenAddress(address, /*tls_enabled=*/false);
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << address;
    EXPECT_THAT(std::string(s.message()), HasSubstr("TLS is required off loopback"));
    EXPECT_THAT(std::string(s.message()), HasSubstr("127.0.0.1:"));
  }
}

TEST(auth_TransportPolicyTest, TlsAllowsAnyInterface) {
  EXPECT_TRUE(CheckListenAddress("0.0.0.0:50051", /*tls_enabled=*/true).ok());
  EXPECT_TRUE(CheckListenAddress("[::]:0", /*tls_enabled=*/true).ok());
}

TEST(auth_TransportPolicyTest, MalformedAddressesAreInvalidEvenWithTls) {
  for (const char* address :
       {"", "127.0.0.1", "localhost", ":50051", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:5x",
        "::1:50051", "[::1]50051", "[::1]", "127.0.0.1:123456"}) {
    for (bool tls : {false, true}) {
      EXPECT_EQ(CheckListenAddress(address, tls).code(), absl::StatusCode::kInvalidArgument)
          << address << " tls=" << tls;
    }
  }
}

TEST(auth_TransportPolicyTest, PortBoundariesAreAccepted) {
  EXPECT_TRUE(CheckListenAddress("127.0.0.1:65535", false).ok());
  EXPECT_TRUE(CheckListenAddress("127.0.0.1:0", false).ok());
}

}  // namespace
}  // namespace hub::auth
