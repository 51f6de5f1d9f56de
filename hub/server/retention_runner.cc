#include "hub/server/retention_runner.h"

#include <string>
#include <utility>
#include <vector>

#include "hub/common/log.h"

namespace hub {

RetentionRunner::RetentionRunner(storage::Store* store, storage::AuditStore* audit,
                                 MetricsRegistry* metrics, std::function<absl::Time()> clock,
                                 RetentionOptions options)
    : store_(store),
      audit_(audit),
      metrics_(metrics),
      clock_(std::move(clock)),
      options_(std::move(options)) {
  if (metrics_ != nullptr) {
    // One gauge per ClassUsage figure, labelled by class.
    struct ClassGauge {
      const char* name;
      const char* help;
      int64_t storage::ClassUsage::*figure;
      MetricFamily* family = nullptr;
    };
    std::vector<ClassGauge> gauges = {
        {"hub_store_live_bytes",
         "RocksDB's estimate of the live bytes of each class of data (estimate-live-data-size "
         "plus memtables)",
         &storage::ClassUsage::live_bytes},
        {"hub_store_keys", "RocksDB's estimate of the keys of each class of data",
         &storage::ClassUsage::keys},
        {"hub_store_disk_bytes",
         "Bytes each class of data's tables take on disk (total-sst-files-size: live data plus "
         "what compaction has yet to drop)",
         &storage::ClassUsage::disk_bytes},
        {"hub_store_compaction_pending_bytes",
         "RocksDB's estimate of the bytes compaction has yet to rewrite for each class of data "
         "(estimate-pending-compaction-bytes)",
         &storage::ClassUsage::compaction_pending_bytes},
    };
    for (ClassGauge& gauge : gauges) {
      gauge.family = &metrics_->Gauge(gauge.name, gauge.help, {"class"});
    }
    storage::Store* s = store_;
    collector_ = metrics_->AddCollector([s, gauges = std::move(gauges)] {
      absl::StatusOr<std::vector<storage::ClassUsage>> usage = storage::UsageByClass(*s);
      if (!usage.ok()) return;
      for (const storage::ClassUsage& u : *usage) {
        for (const ClassGauge& gauge : gauges) {
          gauge.family->Set({u.data_class}, static_cast<double>(u.*gauge.figure));
        }
      }
    });
  }
  if (options_.interval > absl::ZeroDuration()) thread_ = std::thread([this] { Loop(); });
}

RetentionRunner::~RetentionRunner() {
  {
    absl::MutexLock lock(&stop_mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  if (metrics_ != nullptr) metrics_->RemoveCollector(collector_);
}

absl::StatusOr<storage::PurgeCounts> RetentionRunner::PurgeNow() {
  absl::MutexLock lock(&purge_mu_);
  absl::StatusOr<storage::PurgeCounts> counts =
      storage::PurgeExpired(*store_, *audit_, options_.policy, clock_());
  if (!counts.ok()) {
    log::Error("retention_purge_failed",
               {{"code", absl::StatusCodeToString(counts.status().code())},
                {"cause", std::string(counts.status().message())}});
    return counts;
  }
  log::Info("retention_purged", {{"audit_records", counts->audit_records},
                                 {"idempotency_results", counts->idempotency_results},
                                 {"ingest_reports", counts->ingest_reports},
                                 {"feed_items", counts->feed_items},
                                 {"feed_status_kept", counts->feed_status_kept},
                                 {"monitor_records", counts->monitor_records},
                                 {"rtf_rows", counts->rtf_rows},
                                 {"outreach_records", counts->outreach_records},
                                 {"claim_lines", counts->claim_lines},
                                 {"quality_reports", counts->quality_reports},
                                 {"parked_records", counts->parked_records}});
  if (metrics_ != nullptr) {
    MetricFamily& purged = metrics_->Counter(
        "hub_retention_purged_total", "Records removed by retention, by class of data", {"class"});
    purged.Add({"audit_log"}, static_cast<double>(counts->audit_records));
    purged.Add({"idempotency"}, static_cast<double>(counts->idempotency_results));
    purged.Add({"ingest_reports"}, static_cast<double>(counts->ingest_reports));
    purged.Add({"feed"}, static_cast<double>(counts->feed_items));
    purged.Add({"monitoring"}, static_cast<double>(counts->monitor_records + counts->rtf_rows));
    purged.Add({"outreach"}, static_cast<double>(counts->outreach_records));
    purged.Add({"claims"}, static_cast<double>(counts->claim_lines));
    purged.Add({"quality_reports"}, static_cast<double>(counts->quality_reports));
    purged.Add({"parked"}, static_cast<double>(counts->parked_records));
  }
  return counts;
}

void RetentionRunner::Loop() {
  while (true) {
    {
      absl::MutexLock lock(&stop_mu_);
      if (stop_mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.interval)) return;
    }
    PurgeNow().IgnoreError();  // Logged; the next interval tries again.
  }
}

}  // namespace hub
