#include "hub/monitor/monitor_util.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "base/enum_label.h"
#include "base/status_macros.h"

namespace hub::monitor_internal {

absl::StatusOr<std::vector<hub::v1::Plan>> AllPlans(const storage::DirectoryStore& directory) {
  std::vector<hub::v1::Plan> all;
  std::string after;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<hub::v1::Plan> page, directory.ListPlans(after, 1000));
    for (auto& p : page) all.push_back(std::move(p));
    if (page.size() < 1000) return all;
    after = all.back().plan_id();
  }
}

absl::StatusOr<std::vector<hub::v1::Provider>> AllProviders(
    const storage::DirectoryStore& directory) {
  std::vector<hub::v1::Provider> all;
  std::string after;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<hub::v1::Provider> page, directory.ListProviders(after, 1000));
    for (auto& p : page) all.push_back(std::move(p));
    if (page.size() < 1000) return all;
    after = all.back().provider_id();
  }
}

hub::v1::LatencyPercentiles ToPercentiles(const storage::LatencyHistogram& latencies) {
  hub::v1::LatencyPercentiles out;
  out.set_count(latencies.count());
  if (latencies.empty()) return out;
  const std::vector<double> seconds = latencies.QuantilesSeconds({0.50, 0.90, 0.99});
  out.set_p50_seconds(seconds[0]);
  out.set_p90_seconds(seconds[1]);
  out.set_p99_seconds(seconds[2]);
  return out;
}

bool HasKind(const google::protobuf::RepeatedField<int>& kinds, hub::v1::ProviderKind kind) {
  return std::find(kinds.begin(), kinds.end(), static_cast<int>(kind)) != kinds.end();
}

std::string KindLabel(int kind) {
  return EnumLabel(hub::v1::RecordKind_Name(static_cast<hub::v1::RecordKind>(kind)),
                   "RECORD_KIND_");
}

std::string ServiceLabel(const hub::v1::CapacityRow& row) {
  if (row.kind() == hub::v1::PROVIDER_KIND_ECM) return "ecm";
  return EnumLabel(hub::v1::CommunitySupport_Name(row.community_support()), "COMMUNITY_SUPPORT_");
}

}  // namespace hub::monitor_internal
