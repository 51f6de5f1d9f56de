// hub.v1.MonitorService over the Monitor (hub/monitor/monitor.h): GetSummary,
// ListAlertEvents and the WatchFlows stream. The county's view: aggregates
// only.
//
// GetSummary computes on the calling gRPC thread (a summary reads the
// window's records: milliseconds for a county's day). WatchFlows registers
// with the Monitor and writes each new summary; it has at most one write in
// flight and keeps only the newest summary waiting, so a slow reader costs
// one summary, never a queue.
//
// Thread safety: as gRPC requires; the Monitor must outlive the server.
#ifndef HUB_HUB_RPC_MONITOR_SERVICE_H_
#define HUB_HUB_RPC_MONITOR_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <functional>

#include "absl/status/statusor.h"
#include "hub/monitor/monitor.h"
#include "hub/monitor/monitor_queries.h"
#include "hub/reports/quarterly_export.h"
#include "hub/v1/monitor_service.grpc.pb.h"

namespace hub {

struct MonitorServiceOptions {
  // The county roll-up of the quarterly report; not owned; null:
  // GetQuarterlyRollup answers UNIMPLEMENTED.
  const QuarterlyExporter* quarterly = nullptr;
  // Runs the roll-up off gRPC's threads (UploadStreams::StartWorker);
  // required with `quarterly`.
  std::function<void(std::function<void()>)> start_worker;
};

class MonitorService final : public hub::v1::MonitorService::CallbackService {
 public:
  // `monitor` is not owned.
  explicit MonitorService(Monitor* monitor, MonitorServiceOptions options = {});

  grpc::ServerUnaryReactor* GetSummary(grpc::CallbackServerContext* context,
                                       const hub::v1::GetSummaryRequest* request,
                                       hub::v1::GetSummaryResponse* response) override;
  grpc::ServerUnaryReactor* ListAlertEvents(grpc::CallbackServerContext* context,
                                            const hub::v1::ListAlertEventsRequest* request,
                                            hub::v1::ListAlertEventsResponse* response) override;
  grpc::ServerWriteReactor<hub::v1::WatchFlowsResponse>* WatchFlows(
      grpc::CallbackServerContext* context, const hub::v1::WatchFlowsRequest* request) override;
  grpc::ServerUnaryReactor* GetQuarterlyRollup(
      grpc::CallbackServerContext* context, const hub::v1::GetQuarterlyRollupRequest* request,
      hub::v1::GetQuarterlyRollupResponse* response) override;

 private:
  Monitor* monitor_;
  const MonitorServiceOptions options_;
};

}  // namespace hub

#endif  // HUB_HUB_RPC_MONITOR_SERVICE_H_
