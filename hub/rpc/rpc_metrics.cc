#include "hub/rpc/rpc_metrics.h"

#include <google/protobuf/descriptor.h>

#include <string>
#include <utility>

namespace hub {
namespace {

// gRPC's status code names, as Prometheus labels ("OK", "NOT_FOUND", ...).
const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN";
  }
}

bool ChangesFlows(std::string_view method) {
  return method == "hub.v1.PlanService/Ack" || method == "hub.v1.PlanService/UploadFile" ||
         method == "hub.v1.ProviderService/UploadFile";
}

class RpcMetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  RpcMetricsInterceptor(std::string method, MetricFamily* requests,
                        const std::function<void(std::string_view)>* on_change)
      : method_(std::move(method)), requests_(requests), on_change_(on_change) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    // The status is about to go out: the handler's work (an Ack's commit,
    // an ingest) is done.
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      requests_->Add({method_, CodeName(methods->GetSendStatus().error_code())});
      if (*on_change_ && ChangesFlows(method_)) (*on_change_)(method_);
    }
    methods->Proceed();
  }

 private:
  const std::string method_;
  MetricFamily* requests_;
  const std::function<void(std::string_view)>* on_change_;
};

MetricFamily& Requests(MetricsRegistry* metrics) {
  return metrics->Counter("hub_rpc_requests_total",
                          "gRPC calls answered, by method (service/method) and status code.",
                          {"method", "code"});
}

std::string_view WithoutSlash(std::string_view method) {
  if (!method.empty() && method[0] == '/') method.remove_prefix(1);
  return method;
}

class RpcMetricsFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  RpcMetricsFactory(MetricsRegistry* metrics, std::function<void(std::string_view)> on_change)
      : requests_(&Requests(metrics)), on_change_(std::move(on_change)) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    std::string method(WithoutSlash(info->method() == nullptr ? "" : info->method()));
    if (ObservedByHandler(method)) return nullptr;
    return new RpcMetricsInterceptor(std::move(method), requests_, &on_change_);
  }

 private:
  MetricFamily* requests_;
  const std::function<void(std::string_view)> on_change_;
};

}  // namespace

bool ObservedByHandler(std::string_view method) {
  return WithoutSlash(method) == "hub.v1.PlanService/PullFeed";
}

void CountRpc(MetricsRegistry* metrics, std::string_view method, grpc::StatusCode code) {
  Requests(metrics).Add({WithoutSlash(method), CodeName(code)});
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeRpcMetricsInterceptor(
    MetricsRegistry* metrics, std::function<void(std::string_view method)> on_change) {
  return std::make_unique<RpcMetricsFactory>(metrics, std::move(on_change));
}

const google::protobuf::MethodDescriptor* FindMethod(std::string_view method) {
  // "/hub.v1.PlanService/UploadFile" -> "hub.v1.PlanService.UploadFile".
  if (method.size() < 2 || method[0] != '/') return nullptr;
  std::string name(method.substr(1));
  const size_t slash = name.rfind('/');
  if (slash == std::string::npos) return nullptr;
  name[slash] = '.';
  return google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(name);
}

}  // namespace hub
