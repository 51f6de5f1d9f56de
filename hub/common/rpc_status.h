// The one place where absl::Status and grpc::Status meet. The two share
// their numeric codes, so conversion keeps the code and the message.
// Messages crossing the RPC edge must be actionable and free of PHI, file
// paths and keys; that is the callers' duty, this helper copies text as is.
#ifndef HUB_HUB_COMMON_RPC_STATUS_H_
#define HUB_HUB_COMMON_RPC_STATUS_H_

#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/status/status.h"

namespace hub {

// absl::Status -> grpc::Status with the same code and message.
inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

// grpc::Status -> absl::Status with the same code and message.
inline absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

// Finishes a unary callback RPC with `status` on the context's default
// reactor and returns that reactor: the body of every unary handler is
//   return FinishUnary(context, DoWork(*request, response));
inline grpc::ServerUnaryReactor* FinishUnary(grpc::CallbackServerContext* context,
                                             const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

}  // namespace hub

#endif  // HUB_HUB_COMMON_RPC_STATUS_H_
