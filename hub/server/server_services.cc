// HubServer's service wiring: the stores, pipelines, workers and services
// that Start creates between opening the store and serving, in the order
// they depend on each other (hub/server/server.h).
#include <filesystem>
#include <map>
#include <memory>
#include <utility>

#include "base/status_macros.h"
#include "hub/common/metrics.h"
#include "hub/common/plan_adapters.h"
#include "hub/common/reference_tables.h"
#include "hub/feed/feed_disclosure.h"
#include "hub/feed/feed_indexer.h"
#include "hub/feed/feed_notifier.h"
#include "hub/monitor/monitor.h"
#include "hub/rpc/admin_service.h"
#include "hub/rpc/audit_service.h"
#include "hub/rpc/consent_service.h"
#include "hub/rpc/directory_service.h"
#include "hub/rpc/monitor_service.h"
#include "hub/rpc/parked_records.h"
#include "hub/rpc/plan_service.h"
#include "hub/rpc/provider_service.h"
#include "hub/rpc/upload_stream.h"
#include "hub/server/server.h"
#include "hub/submit/flow_recorder.h"
#include "hub/submit/submit_pipeline.h"
#include "storage/audit_store.h"
#include "storage/consent_store.h"
#include "storage/directory_store.h"
#include "storage/feed_store.h"
#include "storage/parked_store.h"
#include "storage/store.h"

namespace hub {
namespace {

// The plan's profile for the submit billing check: the plan's
// adapter_profile, loaded; nullptr when the plan has none or it cannot be
// read (then every program counts as billed on the 837P).
BillingProfileLookup BillingProfiles(storage::DirectoryStore* directory, PlanAdapterSet* adapters) {
  return [directory, adapters](std::string_view plan_id) -> const hub::v1::PlanProfile* {
    absl::StatusOr<hub::v1::Plan> plan = directory->GetPlan(plan_id);
    if (!plan.ok() || plan->adapter_profile().empty()) return nullptr;
    absl::StatusOr<const LoadedPlanProfile*> profile =
        adapters->GetProfile(plan->adapter_profile());
    return profile.ok() ? &(*profile)->profile : nullptr;
  };
}
}  // namespace

absl::Status HubServer::MakeFeedsAndMonitor(const Options& options) {
  // /metrics: ingest counts coverage conflicts; the monitor below adds its own.
  metrics_ = std::make_unique<MetricsRegistry>();
  IngestOptions ingest_options = options.ingest;
  ingest_options.metrics = metrics_.get();
  ingest_ = std::make_unique<IngestPipeline>(store_.get(), directory_.get(), ingest_options);
  // Plans' feeds: ONE FeedStore (it keeps heads in memory) for the submit
  // pipeline and PlanService.PullFeed/Ack; the notifier wakes followers.
  feed_ = std::make_unique<storage::FeedStore>(store_.get());
  // The feeds' derived indexes: first what a crash left unindexed (before
  // anything is served), then a thread follows the feeds.
  {
    FeedIndexerOptions indexer_options;
    indexer_options.clock = options.clock;
    indexer_options.metrics = metrics_.get();
    indexer_options.start_thread = options.feed_indexer_thread;
    feed_indexer_ = std::make_unique<FeedIndexer>(feed_.get(), std::move(indexer_options));
    RETURN_IF_ERROR(feed_indexer_->Start());
  }
  {
    absl::MutexLock lock(&notifier_mu_);
    feed_notifier_ = std::make_unique<FeedNotifier>();
  }
  // Identity: the audit log, consents, and what each plan may receive.
  ASSIGN_OR_RETURN(audit_store_, storage::AuditStore::Open(store_.get()));
  consent_store_ = std::make_unique<storage::ConsentStore>(store_.get());
  feed_disclosure_ = std::make_unique<FeedDisclosure>(consent_store_.get(), directory_.get(),
                                                      plan_adapters_.get(), options.clock);
  consent_service_ = std::make_unique<ConsentService>(consent_store_.get(), directory_.get(),
                                                      store_.get(), options.clock);
  audit_service_ = std::make_unique<AuditService>(audit_store_.get());
  // Reference tables (codes, and the 24-hour outreach rule's exemptions)
  // and the county's time zone.
  ASSIGN_OR_RETURN(reference_,
                   ReferenceTables::LoadDir(options.reference_dir.empty() ? DefaultReferenceDir()
                                                                          : options.reference_dir));
  ASSIGN_OR_RETURN(outreach_rule_,
                   MakeOutreachRule(options.county_time_zone.empty() ? kDefaultCountyTimeZone
                                                                     : options.county_time_zone,
                                    reference_->tables()));
  // County monitoring reads the store through its own views; the submit
  // pipeline's recorder adds its writes to each group and prompts it.
  {
    MonitorOptions monitor_options;
    monitor_options.clock = options.clock;
    monitor_options.config = *options.monitor_config;
    monitor_options.outreach_rule = outreach_rule_;
    monitor_ = std::make_unique<Monitor>(store_.get(), directory_.get(), feed_.get(),
                                         metrics_.get(), std::move(monitor_options));
    Monitor* monitor = monitor_.get();
    flow_recorder_ = std::make_unique<FlowRecorder>(store_.get(), metrics_.get(),
                                                    [monitor] { monitor->Poke(); });
  }
  return absl::OkStatus();
}

absl::Status HubServer::MakeServices(const Options& options) {
  RETURN_IF_ERROR(MakeFeedsAndMonitor(options));
  RETURN_IF_ERROR(MakeParkedRecords(options));
  retention_ = std::make_unique<RetentionRunner>(store_.get(), audit_store_.get(), metrics_.get(),
                                                 options.clock, options.retention);
  // The one upload reactor and worker set of both UploadFile methods.
  uploads_ = std::make_unique<UploadStreams>(
      UploadStreamsOptions{.spool_dir = options.spool_dir,
                           .clock = options.clock,
                           .limits = {.stall_timeout = options.limits.upload_stall_timeout,
                                      .max_concurrent = options.limits.max_concurrent_uploads,
                                      .max_file_bytes = options.limits.max_upload_bytes},
                           .revocations = revocations_.get()});
  pull_feed_streams_ =
      std::make_unique<PullFeedStreams>(options.limits.max_pull_feed_streams_per_plan);
  plan_service_ = std::make_unique<PlanService>(
      store_.get(), directory_.get(), plan_adapters_.get(), ingest_.get(),
      PlanServiceOptions{.uploads = uploads_.get(),
                         .clock = options.clock,
                         .feed = feed_.get(),
                         .feed_notifier = feed_notifier_.get(),
                         .feed_disclosure = feed_disclosure_.get(),
                         .pull_feed_observers = {.metrics = metrics_.get(),
                                                 .audit = audit_store_.get(),
                                                 .clock = options.clock},
                         .pull_feed_limits = {.streams = pull_feed_streams_.get(),
                                              .revocations = revocations_.get()},
                         .outreach_rule = outreach_rule_,
                         .parked = parked_records_.get()});
  // The county's view: the monitor and the quarterly report's roll-up.
  quarterly_exporter_ = std::make_unique<QuarterlyExporter>(
      store_.get(), directory_.get(), feed_.get(),
      QuarterlyExportOptions{
          .clock = options.clock, .tmp_dir = options.spool_dir, .outreach_rule = outreach_rule_});
  UploadStreams* uploads = uploads_.get();
  monitor_service_ = std::make_unique<MonitorService>(
      monitor_.get(), MonitorServiceOptions{.quarterly = quarterly_exporter_.get(),
                                            .start_worker = [uploads](std::function<void()> work) {
                                              uploads->StartWorker(std::move(work));
                                            }});
  return MakeSubmitServices(options);
}

absl::Status HubServer::MakeParkedRecords(const Options& options) {
  ASSIGN_OR_RETURN(parked_store_, storage::ParkedStore::Open(store_.get()));
  ParkedRecordsOptions parked;
  parked.parked = parked_store_.get();
  parked.feed = feed_.get();
  parked.audit = audit_store_.get();
  parked.clock = options.clock;
  parked.county_roles = county_roles_;
  parked.kept_dir = (std::filesystem::path(options.spool_dir) / "parked").string();
  parked.ingest = [this](const SpooledUpload& upload) -> absl::StatusOr<hub::v1::IngestReport> {
    if (plan_service_ == nullptr) return absl::UnavailableError("the hub is shutting down");
    return plan_service_->IngestKeptFile(upload);
  };
  parked_records_ = std::make_unique<ParkedRecords>(std::move(parked));
  // /metrics: open parked records per reason (codes only, no PHI).
  MetricFamily& gauge = metrics_->Gauge(
      "hub_parked_records",
      "Parked records waiting for the county administrator (parked or being rerun), by reason",
      {"reason"});
  storage::ParkedStore* store = parked_store_.get();
  MetricFamily* family = &gauge;
  metrics_->AddCollector([store, family] {
    absl::StatusOr<std::map<std::pair<std::string, hub::v1::ParkedReason>, int64_t>> counts =
        store->CountOpen();
    if (!counts.ok()) return;
    std::map<hub::v1::ParkedReason, int64_t> by_reason;
    for (const auto& [key, count] : *counts) by_reason[key.second] += count;
    for (int r = hub::v1::ParkedReason_MIN; r <= hub::v1::ParkedReason_MAX; ++r) {
      if (r == hub::v1::PARKED_REASON_UNSPECIFIED || !hub::v1::ParkedReason_IsValid(r)) continue;
      const auto reason = static_cast<hub::v1::ParkedReason>(r);
      family->Set({hub::v1::ParkedReason_Name(reason)}, static_cast<double>(by_reason[reason]));
    }
  });
  return absl::OkStatus();
}

absl::Status HubServer::MakeSubmitServices(const Options& options) {
  // Submissions: the feeds, the pipeline (one writer thread, group commit)
  // and ProviderService.
  SubmitPipelineOptions submit_options;
  submit_options.clock = options.clock;
  FeedNotifier* notifier = feed_notifier_.get();
  FeedIndexer* indexer = feed_indexer_.get();
  submit_options.on_feed_appended = [notifier, indexer](const std::string& plan_id) {
    indexer->Poke();
    notifier->Notify(plan_id);
  };
  submit_options.flow_recorder = flow_recorder_.get();
  submit_options.billing_profile = BillingProfiles(directory_.get(), plan_adapters_.get());
  submit_pipeline_ = std::make_unique<SubmitPipeline>(store_.get(), directory_.get(), feed_.get(),
                                                      reference_.get(), std::move(submit_options));
  ProviderServiceOptions provider_options;
  provider_options.uploads = uploads_.get();
  provider_options.clock = options.clock;
  provider_options.store = store_.get();
  provider_options.outreach_rule = outreach_rule_;
  provider_service_ = std::make_unique<ProviderService>(
      directory_.get(), feed_.get(), submit_pipeline_.get(), std::move(provider_options));
  directory_service_ = std::make_unique<DirectoryService>(directory_.get(), plan_adapters_.get());
  admin_service_ = std::make_unique<AdminService>(
      store_.get(),
      AdminServiceOptions{.backup_dir = options.backup_dir,
                          .clock = options.clock,
                          .parked = parked_records_.get(),
                          .backups_kept = options.backups_kept,
                          .start_worker = [uploads = uploads_.get()](std::function<void()> work) {
                            uploads->StartWorker(std::move(work));
                          }});
  return absl::OkStatus();
}
}  // namespace hub
