// Counts every RPC hubd answers, by method and status code
// (hub_rpc_requests_total{method="hub.v1.PlanService/Ack",code="OK"}), with
// a gRPC server interceptor, and tells the monitor when an RPC that changes
// what it shows finished (Ack, UploadFile), so WatchFlows streams and alerts
// follow at once.
#ifndef HUB_HUB_RPC_RPC_METRICS_H_
#define HUB_HUB_RPC_RPC_METRICS_H_

#include <grpcpp/support/server_interceptor.h>
#include <grpcpp/support/status.h>

#include <functional>
#include <memory>
#include <string_view>

#include "hub/common/metrics.h"

namespace google::protobuf {
class MethodDescriptor;
}  // namespace google::protobuf

namespace hub {

// The descriptor of `method` as gRPC names it ("/hub.v1.PlanService/PullFeed"),
// or null if no service of the hub's protos has it.
const google::protobuf::MethodDescriptor* FindMethod(std::string_view method);

// A factory for grpc::ServerBuilder::experimental().SetInterceptorCreators.
// `metrics` must outlive the server. `on_change(method)` (may be empty)
// runs after an RPC of PlanService.Ack, PlanService.UploadFile or
// ProviderService.UploadFile sent its status; it must not block.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeRpcMetricsInterceptor(
    MetricsRegistry* metrics, std::function<void(std::string_view method)> on_change);

// True for the methods no interceptor sees (neither this one nor the audit
// interceptor, hub/rpc/audit_interceptor.h): their handlers count and audit
// their own calls. Today PlanService.PullFeed: an interceptor puts every
// streamed message through gRPC's interceptor chain, which costs more than
// the hub's own work per message (pull_feed_bench; README, Benchmarks).
// `method` as gRPC names it ("/hub.v1.PlanService/PullFeed"), the
// leading slash optional.
bool ObservedByHandler(std::string_view method);

// Counts one call of `method` answered with `code`, as the interceptor
// would (for the methods ObservedByHandler).
void CountRpc(MetricsRegistry* metrics, std::string_view method, grpc::StatusCode code);

}  // namespace hub

#endif  // HUB_HUB_RPC_RPC_METRICS_H_
