// Client of the standard gRPC health service (grpc.health.v1.Health/Check),
// through the stub generated from grpc-proto's health.proto.
#ifndef HUB_HUB_CLI_HEALTH_CLIENT_H_
#define HUB_HUB_CLI_HEALTH_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace hub {

// grpc.health.v1.HealthCheckResponse.ServingStatus.
enum class ServingStatus {
  kUnknown = 0,
  kServing = 1,
  kNotServing = 2,
  kServiceUnknown = 3,
};

// "SERVING", "NOT_SERVING", "UNKNOWN" or "SERVICE_UNKNOWN".
std::string_view ServingStatusName(ServingStatus status);

// Asks the server behind `channel` for the health of `service` ("" = the
// whole server). Fails with the RPC's status (e.g. Unavailable when nothing
// listens, DeadlineExceeded after `timeout`, NotFound for a service the
// server does not know). Does not wait for the channel to become ready.
absl::StatusOr<ServingStatus> CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                                          std::string_view service, absl::Duration timeout);

}  // namespace hub

#endif  // HUB_HUB_CLI_HEALTH_CLIENT_H_
