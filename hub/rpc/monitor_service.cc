#include "hub/rpc/monitor_service.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "hub/common/log.h"
#include "hub/common/rpc_status.h"

namespace hub {
namespace {

// One WatchFlows stream. The monitor's evaluating thread hands it summaries
// (OnSummary); gRPC threads report writes done and cancellation. At most
// one write is in flight; the newest summary not yet written waits in
// pending_. Finish is called exactly once, after which nothing is written.
class WatchFlowsReactor final : public grpc::ServerWriteReactor<hub::v1::WatchFlowsResponse> {
 public:
  WatchFlowsReactor(Monitor* monitor, int64_t window_seconds)
      : monitor_(monitor), window_seconds_(window_seconds) {
    absl::Status window = CheckSummaryWindow(window_seconds);
    if (!window.ok()) {
      finished_ = true;
      Finish(ToGrpcStatus(window));
      return;
    }
    watch_id_ = monitor_->Watch(
        [this](const std::shared_ptr<const hub::v1::MonitorSummary>& s) { OnSummary(s); });
  }

  void OnWriteDone(bool ok) override {
    bool start = false;
    bool finish = false;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok || cancelled_) {
        finish = !finished_;
        finished_ = true;
      } else if (has_pending_ && !finished_) {
        start = TakePendingLocked();
      }
    }
    if (finish) Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the stream was cancelled"));
    if (start) StartWrite(&response_);
  }

  void OnCancel() override {
    bool finish = false;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      if (!writing_ && !finished_) {
        finished_ = true;
        finish = true;
      }
    }
    if (finish) Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the stream was cancelled"));
  }

  void OnDone() override {
    if (watch_id_ != 0) monitor_->Unwatch(watch_id_);
    delete this;
  }

 private:
  void OnSummary(const std::shared_ptr<const hub::v1::MonitorSummary>& evaluated) {
    hub::v1::MonitorSummary next;
    if (window_seconds_ == 0) {
      next = *evaluated;
    } else {
      absl::StatusOr<hub::v1::MonitorSummary> own =
          monitor_->Summarize(absl::Seconds(window_seconds_), std::nullopt);
      if (!own.ok()) {
        log::Error("watch_flows_summary_failed", {{"cause", std::string(own.status().message())}});
        return;
      }
      next = *std::move(own);
    }
    bool start = false;
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
      pending_.Swap(&next);
      has_pending_ = true;
      if (!writing_) start = TakePendingLocked();
    }
    if (start) StartWrite(&response_);
  }

  // Moves pending_ into response_ for a write; the caller starts it after
  // unlocking.
  bool TakePendingLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    response_.mutable_summary()->Swap(&pending_);
    pending_.Clear();
    has_pending_ = false;
    writing_ = true;
    return true;
  }

  Monitor* monitor_;
  const int64_t window_seconds_;
  uint64_t watch_id_ = 0;
  absl::Mutex mu_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool has_pending_ ABSL_GUARDED_BY(mu_) = false;
  hub::v1::MonitorSummary pending_ ABSL_GUARDED_BY(mu_);
  // Owned by the write in flight.
  hub::v1::WatchFlowsResponse response_;
};

}  // namespace

MonitorService::MonitorService(Monitor* monitor, MonitorServiceOptions options)
    : monitor_(monitor), options_(std::move(options)) {}

grpc::ServerUnaryReactor* MonitorService::GetSummary(grpc::CallbackServerContext* context,
                                                     const hub::v1::GetSummaryRequest* request,
                                                     hub::v1::GetSummaryResponse* response) {
  absl::StatusOr<hub::v1::GetSummaryResponse> result = GetMonitorSummary(*monitor_, *request);
  if (result.ok()) *response = *std::move(result);
  return FinishUnary(context, result.status());
}

grpc::ServerUnaryReactor* MonitorService::ListAlertEvents(
    grpc::CallbackServerContext* context, const hub::v1::ListAlertEventsRequest* request,
    hub::v1::ListAlertEventsResponse* response) {
  absl::StatusOr<hub::v1::ListAlertEventsResponse> result =
      ListMonitorAlertEvents(*monitor_, *request);
  if (result.ok()) *response = *std::move(result);
  return FinishUnary(context, result.status());
}

grpc::ServerWriteReactor<hub::v1::WatchFlowsResponse>* MonitorService::WatchFlows(
    grpc::CallbackServerContext* /*context*/, const hub::v1::WatchFlowsRequest* request) {
  return new WatchFlowsReactor(monitor_, request->window_seconds());
}

grpc::ServerUnaryReactor* MonitorService::GetQuarterlyRollup(
    grpc::CallbackServerContext* context, const hub::v1::GetQuarterlyRollupRequest* request,
    hub::v1::GetQuarterlyRollupResponse* response) {
  if (options_.quarterly == nullptr) {
    return FinishUnary(context,
                       absl::UnimplementedError("this hub serves no quarterly report (no feeds)"));
  }
  // Every plan's report is read from the store: seconds on a big county,
  // so not on a gRPC thread. The request and response outlive the call.
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const QuarterlyExporter* quarterly = options_.quarterly;
  options_.start_worker([reactor, quarterly, request, response] {
    std::vector<std::string> plan_ids;
    absl::StatusOr<std::string> content =
        quarterly->RenderCountyRollup(request->quarter(), request->csv(), &plan_ids);
    if (content.ok()) {
      response->set_file_name(
          absl::StrCat("county_quarterly_", request->quarter(), request->csv() ? ".csv" : ".xlsx"));
      response->set_content(*std::move(content));
      for (std::string& id : plan_ids) response->add_plan_ids(std::move(id));
    }
    reactor->Finish(ToGrpcStatus(content.status()));
  });
  return reactor;
}

}  // namespace hub
