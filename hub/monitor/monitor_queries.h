// The county monitor's read requests, shared by MonitorService (gRPC) and
// the dashboard's JSON endpoints (/api/summary, /api/alerts): one body
// each, so the two answer the same question the same way.
#ifndef HUB_HUB_MONITOR_MONITOR_QUERIES_H_
#define HUB_HUB_MONITOR_MONITOR_QUERIES_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hub/monitor/monitor.h"
#include "hub/v1/monitor_service.pb.h"

namespace hub {

// OK for 0 (the hub's configured window) or 60 s .. 31 days; otherwise
// InvalidArgument saying what to give.
absl::Status CheckSummaryWindow(int64_t window_seconds);

// GetSummary's body: the hub's configured window (window_seconds 0, no
// end_time) is an evaluation (alerts updated); any other window is a plain
// summary. InvalidArgument for a window outside 60 s .. 31 days or a
// negative one.
absl::StatusOr<hub::v1::GetSummaryResponse> GetMonitorSummary(
    Monitor& monitor, const hub::v1::GetSummaryRequest& request);

// ListAlertEvents' body, newest first. InvalidArgument for a bad page size
// or token.
absl::StatusOr<hub::v1::ListAlertEventsResponse> ListMonitorAlertEvents(
    const Monitor& monitor, const hub::v1::ListAlertEventsRequest& request);

}  // namespace hub

#endif  // HUB_HUB_MONITOR_MONITOR_QUERIES_H_
