// The one place where absl::Status and grpc::Status meet. The two share
// their numeric codes, so conversion keeps the code; on the way out the
// message is bounded (base/message_text.h: a value a caller sent is never
// echoed at length) and the status carries google.rpc.Status in its details
// (grpc-status-details-bin): code and message, and for INVALID_ARGUMENT and
// OUT_OF_RANGE a google.rpc.BadRequest naming the field (the one the status
// was made with by InvalidFieldError, else the field path the message starts
// with, e.g. "header.plan_id is required", else "" for the request as a
// whole). Messages crossing the RPC edge must be actionable and free of PHI,
// file paths and keys; that is the callers' duty.
#ifndef HUB_HUB_COMMON_RPC_STATUS_H_
#define HUB_HUB_COMMON_RPC_STATUS_H_

#include <grpcpp/grpcpp.h>

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "base/message_text.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace hub {

inline constexpr char kBadRequestTypeUrl[] = "type.googleapis.com/google.rpc.BadRequest";

// INVALID_ARGUMENT about `field` (a path in the request, "" = the request as
// a whole): the caller receives a BadRequest naming it.
inline absl::Status InvalidFieldError(std::string_view field, std::string_view message) {
  absl::Status status =
      absl::InvalidArgumentError(absl::string_view(message.data(), message.size()));
  google::rpc::BadRequest bad;
  google::rpc::BadRequest::FieldViolation* violation = bad.add_field_violations();
  violation->set_field(std::string(field));
  violation->set_description(BoundMessage(message));
  status.SetPayload(kBadRequestTypeUrl, absl::Cord(bad.SerializeAsString()));
  return status;
}

// The field path `message` starts with ("plan_id is required: ..." ->
// "plan_id", "rejections[3].record_id must ..." -> "rejections[3].record_id"),
// or "" if it starts with a plain word. A path has a '_', '.' or '['.
inline std::string LeadingFieldOf(std::string_view message) {
  const size_t end = message.find(' ');
  std::string_view token = message.substr(0, end == std::string_view::npos ? 0 : end);
  while (!token.empty() && (token.back() == ':' || token.back() == ',')) token.remove_suffix(1);
  if (token.empty() || !(token[0] >= 'a' && token[0] <= 'z')) return "";
  bool path = false;
  for (char c : token) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
                    c == '[' || c == ']';
    if (!ok) return "";
    path = path || c == '_' || c == '.' || c == '[';
  }
  return path ? std::string(token) : "";
}

// absl::Status -> grpc::Status with the same code, the bounded message and
// google.rpc.Status details.
inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  std::string message =
      BoundMessage(std::string_view(status.message().data(), status.message().size()));
  google::rpc::Status rpc;
  rpc.set_code(static_cast<int>(status.code()));
  rpc.set_message(message);
  if (auto payload = status.GetPayload(kBadRequestTypeUrl); payload.has_value()) {
    google::protobuf::Any* any = rpc.add_details();
    any->set_type_url(kBadRequestTypeUrl);
    any->set_value(std::string(*payload));
  } else if (status.code() == absl::StatusCode::kInvalidArgument ||
             status.code() == absl::StatusCode::kOutOfRange) {
    google::rpc::BadRequest bad;
    google::rpc::BadRequest::FieldViolation* violation = bad.add_field_violations();
    violation->set_field(LeadingFieldOf(message));
    violation->set_description(message);
    rpc.add_details()->PackFrom(bad);
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::move(message),
                      rpc.SerializeAsString());
}

// grpc::Status -> absl::Status with the same code and message (the details
// are dropped).
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
