#include "hub/monitor/monitor_queries.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "base/timestamp.h"

namespace hub {
namespace {

constexpr int64_t kMinWindowSeconds = 60;
constexpr int64_t kMaxWindowSeconds = 31 * 86400;

}  // namespace

absl::Status CheckSummaryWindow(int64_t window_seconds) {
  if (window_seconds == 0) return absl::OkStatus();
  if (window_seconds < kMinWindowSeconds || window_seconds > kMaxWindowSeconds) {
    return absl::InvalidArgumentError(
        absl::StrCat("window_seconds is ", window_seconds,
                     "; give 60 to 2678400 (31 days), or 0 for the hub's configured window"));
  }
  return absl::OkStatus();
}

absl::StatusOr<hub::v1::GetSummaryResponse> GetMonitorSummary(
    Monitor& monitor, const hub::v1::GetSummaryRequest& request) {
  if (request.window_seconds() < 0) return CheckSummaryWindow(-1);
  if (absl::Status window = CheckSummaryWindow(request.window_seconds()); !window.ok())
    return window;
  hub::v1::GetSummaryResponse response;
  if (request.window_seconds() == 0 && !request.has_end_time()) {
    absl::StatusOr<hub::v1::MonitorSummary> evaluated = monitor.Evaluate();
    if (!evaluated.ok()) return evaluated.status();
    *response.mutable_summary() = *std::move(evaluated);
    return response;
  }
  std::optional<absl::Time> end;
  if (request.has_end_time()) {
    RETURN_IF_ERROR(CheckTimestamp(request.end_time(), "end_time"));
    end = FromTimestamp(request.end_time());
  }
  absl::StatusOr<hub::v1::MonitorSummary> summary =
      monitor.Summarize(absl::Seconds(request.window_seconds()), end);
  if (!summary.ok()) return summary.status();
  *response.mutable_summary() = *std::move(summary);
  return response;
}

absl::StatusOr<hub::v1::ListAlertEventsResponse> ListMonitorAlertEvents(
    const Monitor& monitor, const hub::v1::ListAlertEventsRequest& request) {
  int page_size = request.page_size() == 0 ? 100 : request.page_size();
  if (page_size < 1 || page_size > 1000) {
    return absl::InvalidArgumentError("page_size must be 1 to 1000 (0 means 100)");
  }
  uint64_t before = 0;
  if (!request.page_token().empty() &&
      (!absl::SimpleAtoi(request.page_token(), &before) || before == 0)) {
    return absl::InvalidArgumentError(
        "page_token is not one ListAlertEvents returned; pass next_page_token unchanged");
  }
  std::vector<hub::v1::AlertEvent> events = monitor.AlertEvents(before, page_size + 1);
  hub::v1::ListAlertEventsResponse response;
  const bool more = static_cast<int>(events.size()) > page_size;
  if (more) events.resize(static_cast<size_t>(page_size));
  if (more && !events.empty()) response.set_next_page_token(absl::StrCat(events.back().event_id()));
  for (auto& e : events) *response.add_events() = std::move(e);
  return response;
}

}  // namespace hub
