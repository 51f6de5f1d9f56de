// Calls any method with raw request bytes through grpc::GenericStub, as an
// independent client would (no generated stub, no serialization by us): the
// tests of bad bodies, error details and transport limits.
#ifndef HUB_TESTS_HUB_RAW_CALL_UTIL_H_
#define HUB_TESTS_HUB_RAW_CALL_UTIL_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace hub::testing {

struct RawResult {
  grpc::Status status;
  // The response messages read (at most `max_reads`).
  std::vector<std::string> responses;
};

// Calls `method` ("/hub.v1.DirectoryService/ListPlans") with `messages` as
// the request stream (one message for a unary call), half-closes, reads up
// to `max_reads` responses, then cancels (a stream that goes on) and
// finishes.
RawResult RawCall(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                  const std::vector<std::string>& messages, int max_reads = 3,
                  absl::Duration deadline = absl::Seconds(30));

// The google.rpc.Status a status carries in its details (nullopt if none or
// it does not parse).
std::optional<google::rpc::Status> RpcStatusOf(const grpc::Status& status);

// The BadRequest among `status`'s details (nullopt if none).
std::optional<google::rpc::BadRequest> BadRequestOf(const grpc::Status& status);

// True if the health service of `channel` answers SERVING within 10 s.
bool IsServing(const std::shared_ptr<grpc::Channel>& channel);

}  // namespace hub::testing

#endif  // HUB_TESTS_HUB_RAW_CALL_UTIL_H_
