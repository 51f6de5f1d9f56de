#include "hub/rpc/status_interceptor.h"

#include <google/protobuf/descriptor.h>

#include <string_view>

#include "absl/strings/str_cat.h"
#include "base/message_text.h"
#include "hub/common/rpc_status.h"
#include "hub/rpc/rpc_metrics.h"

namespace hub {
namespace {

using grpc::experimental::InterceptionHookPoints;

class StatusInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit StatusInterceptor(const char* method) : method_(method == nullptr ? "" : method) {
    const google::protobuf::MethodDescriptor* m = FindMethod(method_);
    // Only a call whose one request message gRPC deserializes before the
    // handler runs can fail that way: unary and server-streaming methods.
    single_request_ = m != nullptr && !m->client_streaming();
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (single_request_ &&
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr) {
      unparsed_ = true;
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      if (unparsed_ && status.error_code() == grpc::StatusCode::UNIMPLEMENTED &&
          status.error_message().empty()) {
        methods->ModifySendStatus(UnparsedRequestStatus(method_));
      } else if (!status.ok() && (status.error_details().empty() ||
                                  status.error_message().size() > kMaxMessageBytes)) {
        methods->ModifySendStatus(ToGrpcStatus(FromGrpcStatus(status)));
      }
    }
    methods->Proceed();
  }

 private:
  const std::string method_;
  bool single_request_ = false;
  bool unparsed_ = false;
};

class StatusInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new StatusInterceptor(info == nullptr ? nullptr : info->method());
  }
};

}  // namespace

grpc::Status UnparsedRequestStatus(const std::string& method) {
  const google::protobuf::MethodDescriptor* m = FindMethod(method);
  const std::string type = m == nullptr ? "request message" : m->input_type()->full_name();
  return ToGrpcStatus(InvalidFieldError(
      "", absl::StrCat("the request body is not a valid ", type,
                       ": it does not parse as protobuf, or a string field in it is not valid "
                       "UTF-8; send a serialized ",
                       type)));
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeStatusInterceptor() {
  return std::make_unique<StatusInterceptorFactory>();
}

}  // namespace hub
