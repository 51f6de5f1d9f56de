// FlowRecorder: what the submit pipeline tells the county monitor about
// each submission it decides.
//
// For every new (not replayed) result of a group, on the pipeline's writer
// thread, Record adds to the group's WriteBatch (so it is durable exactly
// when the result is): a rejected submission's entry in the rejection log,
// an accepted outreach attempt on a Community Supports authorization, an
// accepted enrollment status record (an RTF row) of its month (see
// storage/monitor_store.h). Once the group's commit succeeded, Committed
// counts each result in the metrics (hub_submissions_total) and GroupDone
// prompts the monitor to re-evaluate (WatchFlows streams see new numbers).
//
// Thread safety: Record runs on the writer thread, Committed and GroupDone
// on the committer thread; both may run at once (they share nothing
// mutable but the thread-safe metrics).
#ifndef HUB_HUB_SUBMIT_FLOW_RECORDER_H_
#define HUB_HUB_SUBMIT_FLOW_RECORDER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string_view>

#include "absl/time/time.h"
#include "hub/common/metrics.h"
#include "hub/v1/provider_service.pb.h"
#include "hub/v1/submission.pb.h"
#include "storage/monitor_store.h"
#include "storage/store.h"

namespace hub {

class FlowRecorder {
 public:
  // `store` and `metrics` must outlive the recorder; `on_group_done` (may
  // be empty) runs after each committed group and must not block.
  FlowRecorder(storage::Store* store, MetricsRegistry* metrics,
               std::function<void()> on_group_done);

  FlowRecorder(const FlowRecorder&) = delete;
  FlowRecorder& operator=(const FlowRecorder&) = delete;

  // Adds the monitor's writes for `result` (of `submission` by
  // `provider_id`, decided at `now`) to `batch`.
  void Record(storage::WriteBatch& batch, std::string_view provider_id,
              const hub::v1::Submission& submission, const hub::v1::SubmissionResult& result,
              absl::Time now);

  // The result is durable: count it.
  void Committed(std::string_view provider_id, const hub::v1::Submission& submission,
                 const hub::v1::SubmissionResult& result);

  // A group was committed.
  void GroupDone();

 private:
  storage::MonitorStore monitor_;
  MetricFamily& submissions_;
  std::function<void()> on_group_done_;
  std::atomic<uint64_t> unkeyed_{0};
};

}  // namespace hub

#endif  // HUB_HUB_SUBMIT_FLOW_RECORDER_H_
