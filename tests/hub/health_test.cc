// grpc.health.v1 through hubctl's code path (hub/cli/health_client.h).
#include <string>

#include "gtest/gtest.h"
#include "hub/cli/health_client.h"
#include "tests/hub/hub_test_util.h"

namespace hub {
namespace {

using ::hub::testing::StartTestHub;

TEST(HealthTest, ServingUntilShutdownBegins) {
  std::unique_ptr<testing::TestHub> hub = StartTestHub("");
  ASSERT_NE(hub, nullptr);
  for (const char* service :
       {"", "hub.v1.DirectoryService", "hub.v1.AdminService", "hub.v1.PlanService"}) {
    absl::StatusOr<ServingStatus> status = CheckHealth(hub->channel, service, absl::Seconds(5));
    ASSERT_TRUE(status.ok()) << service << ": " << status.status();
    EXPECT_EQ(*status, ServingStatus::kServing) << service;
  }
  absl::StatusOr<ServingStatus> unknown =
      CheckHealth(hub->channel, "hub.v1.NoSuchService", absl::Seconds(5));
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);

  // First step of Shutdown: NOT_SERVING while RPCs are still answered.
  hub->server->SetNotServing();
  for (const char* service : {"", "hub.v1.DirectoryService"}) {
    absl::StatusOr<ServingStatus> status = CheckHealth(hub->channel, service, absl::Seconds(5));
    ASSERT_TRUE(status.ok()) << status.status();
    EXPECT_EQ(*status, ServingStatus::kNotServing) << service;
  }

  ASSERT_TRUE(hub->server->Shutdown(absl::Seconds(1)).ok());
  absl::StatusOr<ServingStatus> after = CheckHealth(hub->channel, "", absl::Seconds(5));
  EXPECT_EQ(after.status().code(), absl::StatusCode::kUnavailable);
  // A second Shutdown is a no-op.
  EXPECT_TRUE(hub->server->Shutdown(absl::Seconds(1)).ok());
}

TEST(HealthTest, UnreachableServerIsUnavailable) {
  const int port = testing::UnusedPort();
  auto channel =
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
  absl::StatusOr<ServingStatus> status = CheckHealth(channel, "", absl::Seconds(5));
  EXPECT_EQ(status.status().code(), absl::StatusCode::kUnavailable);
}

TEST(HealthTest, StatusNames) {
  EXPECT_EQ(ServingStatusName(ServingStatus::kServing), "SERVING");
  EXPECT_EQ(ServingStatusName(ServingStatus::kNotServing), "NOT_SERVING");
  EXPECT_EQ(ServingStatusName(ServingStatus::kServiceUnknown), "SERVICE_UNKNOWN");
  EXPECT_EQ(ServingStatusName(ServingStatus::kUnknown), "UNKNOWN");
}

}  // namespace
}  // namespace hub
