// `hubctl stats`: the county's summary (MonitorService.GetSummary) in the
// terminal: the same numbers as the dashboard, as tables. Aggregates only.
#ifndef HUB_HUB_CLI_HUBCTL_STATS_H_
#define HUB_HUB_CLI_HUBCTL_STATS_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "hub/v1/monitor.pb.h"

namespace hub {

struct StatsCommandOptions {
  // 0 = the hub's configured window (and an alert evaluation).
  int64_t window_seconds = 0;
  // Print the GetSummaryResponse as JSON instead of tables.
  bool json = false;
};

// The summary as text: window and totals, then one table per section
// (backlogs, flows, rejection reasons, plan files, outreach, RTFs,
// capacity, alerts); empty sections say "none".
std::string FormatMonitorSummary(const hub::v1::MonitorSummary& summary);

// "1h2m3s"-style duration of `seconds` rounded to the second ("0s", "45s",
// "4m0s", "2h5m0s", "3d4h0m0s").
std::string FormatSeconds(double seconds);

// Runs the command; returns the exit code (0 OK, 1 RPC failure).
int StatsCommand(const std::shared_ptr<grpc::Channel>& channel, std::string_view server,
                 const StatsCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace hub

#endif  // HUB_HUB_CLI_HUBCTL_STATS_H_
