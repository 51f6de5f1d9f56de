// Answers a client can use, on every intercepted call:
//   * a request body gRPC could not parse (not the protobuf wire format, or
//     a string field that is not UTF-8) ends INVALID_ARGUMENT with a message
//     naming the request type (gRPC's callback API answers it UNIMPLEMENTED
//     with an empty message, which a client cannot tell from a missing
//     method);
//   * every error's message is bounded (base/message_text.h: no value a
//     caller sent is echoed at length) and carries google.rpc.Status in its
//     details, with a BadRequest for INVALID_ARGUMENT and OUT_OF_RANGE, also
//     for errors that did not pass through ToGrpcStatus (hub/common/rpc_status.h).
// Install it first, so the other interceptors see the final status.
//
// Thread safety: the factory is shared by all calls.
#ifndef HUB_HUB_RPC_STATUS_INTERCEPTOR_H_
#define HUB_HUB_RPC_STATUS_INTERCEPTOR_H_

#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <string>

namespace hub {

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeStatusInterceptor();

// The status for a request of `method` ("/hub.v1.X/Y") that did not parse.
grpc::Status UnparsedRequestStatus(const std::string& method);

}  // namespace hub

#endif  // HUB_HUB_RPC_STATUS_INTERCEPTOR_H_
