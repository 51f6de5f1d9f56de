// RetentionRunner: hubd's background purge (storage/retention.h) every
// `interval`, serialized with purges asked for directly (PurgeNow), and
// the /metrics of retention:
//   hub_store_live_bytes{class}, hub_store_keys{class}  RocksDB's estimates
//                                                      per class of data
//   hub_retention_purged_total{class}                  records purged
// Labels are class names only (audit_log, feed, idempotency, ...).
//
// Thread safety: PurgeNow may be called from any thread. Destroy the
// runner (it stops and joins its thread) before the store and audit log.
#ifndef HUB_HUB_SERVER_RETENTION_RUNNER_H_
#define HUB_HUB_SERVER_RETENTION_RUNNER_H_

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "hub/common/metrics.h"
#include "storage/audit_store.h"
#include "storage/retention.h"
#include "storage/store.h"

namespace hub {

struct RetentionOptions {
  storage::RetentionPolicy policy;
  // Time between background purges (wall time); zero = none (PurgeNow
  // only). The first runs one interval after start.
  absl::Duration interval = absl::Hours(24);
};

class RetentionRunner {
 public:
  // None of the pointers is owned; `clock` gives "now" for each purge.
  RetentionRunner(storage::Store* store, storage::AuditStore* audit, MetricsRegistry* metrics,
                  std::function<absl::Time()> clock, RetentionOptions options);
  ~RetentionRunner();
  RetentionRunner(const RetentionRunner&) = delete;
  RetentionRunner& operator=(const RetentionRunner&) = delete;

  // One purge now (waits for a running one first).
  absl::StatusOr<storage::PurgeCounts> PurgeNow();

 private:
  void Loop();

  storage::Store* const store_;
  storage::AuditStore* const audit_;
  MetricsRegistry* const metrics_;
  const std::function<absl::Time()> clock_;
  const RetentionOptions options_;
  absl::Mutex purge_mu_;  // One purge at a time.
  absl::Mutex stop_mu_;
  bool stopping_ ABSL_GUARDED_BY(stop_mu_) = false;
  int collector_ = 0;
  std::thread thread_;
};

}  // namespace hub

#endif  // HUB_HUB_SERVER_RETENTION_RUNNER_H_
