// Helpers shared by the monitor's files (hub/monitor/monitor*.cc): the
// directory listed whole, metric labels. Internal to hub/monitor/.
#ifndef HUB_HUB_MONITOR_MONITOR_UTIL_H_
#define HUB_HUB_MONITOR_MONITOR_UTIL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/repeated_field.h"
#include "hub/v1/monitor.pb.h"
#include "hub/v1/organization.pb.h"
#include "storage/directory_store.h"
#include "storage/flow_tally.h"

namespace hub::monitor_internal {

// Every plan / provider of the directory, in id order.
absl::StatusOr<std::vector<hub::v1::Plan>> AllPlans(const storage::DirectoryStore& directory);
absl::StatusOr<std::vector<hub::v1::Provider>> AllProviders(
    const storage::DirectoryStore& directory);

// Count and nearest-rank p50/p90/p99 of a latency histogram.
hub::v1::LatencyPercentiles ToPercentiles(const storage::LatencyHistogram& latencies);

bool HasKind(const google::protobuf::RepeatedField<int>& kinds, hub::v1::ProviderKind kind);

// Metric labels: "outreach_attempt" for RECORD_KIND_OUTREACH_ATTEMPT; "ecm"
// or the Community Support ("housing_deposits") of a capacity row.
std::string KindLabel(int kind);
std::string ServiceLabel(const hub::v1::CapacityRow& row);

}  // namespace hub::monitor_internal

#endif  // HUB_HUB_MONITOR_MONITOR_UTIL_H_
