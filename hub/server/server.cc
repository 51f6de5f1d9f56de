#include "hub/server/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/server_builder_option.h>
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <filesystem>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "auth/access_gate.h"
#include "auth/revocation.h"
#include "auth/transport_policy.h"
#include "base/status_macros.h"
#include "grpc/health/v1/health.pb.h"
#include "hub/common/log.h"
#include "hub/common/metrics.h"
#include "hub/common/outreach_rule.h"
#include "hub/common/plan_adapters.h"
#include "hub/common/reference_tables.h"
#include "hub/feed/feed_disclosure.h"
#include "hub/feed/feed_indexer.h"
#include "hub/feed/feed_notifier.h"
#include "hub/monitor/http_server.h"
#include "hub/monitor/monitor.h"
#include "hub/monitor/monitor_rules.h"
#include "hub/rpc/admin_service.h"
#include "hub/rpc/audit_interceptor.h"
#include "hub/rpc/audit_service.h"
#include "hub/rpc/client_connections.h"
#include "hub/rpc/consent_service.h"
#include "hub/rpc/directory_service.h"
#include "hub/rpc/monitor_service.h"
#include "hub/rpc/parked_records.h"
#include "hub/rpc/plan_service.h"
#include "hub/rpc/provider_service.h"
#include "hub/rpc/rpc_metrics.h"
#include "hub/rpc/status_interceptor.h"
#include "hub/rpc/upload_stream.h"
#include "hub/server/private_files.h"
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

// Service names reported SERVING by the health service, besides "".
const char* const kServiceNames[] = {
    hub::v1::DirectoryService::service_full_name(), hub::v1::AdminService::service_full_name(),
    hub::v1::PlanService::service_full_name(),      hub::v1::ProviderService::service_full_name(),
    hub::v1::ConsentService::service_full_name(),   hub::v1::AuditService::service_full_name(),
    hub::v1::MonitorService::service_full_name(),
};

// Drops the builder's plugins (server reflection): the health listener
// serves grpc.health.v1 and nothing else.
class NoPluginsOption final : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->clear();
  }
};

#ifndef HUB_DEFAULT_PROFILES_DIR
#define HUB_DEFAULT_PROFILES_DIR "adapters/plans"
#endif
#ifndef HUB_DEFAULT_DASHBOARD_DIR
#define HUB_DEFAULT_DASHBOARD_DIR "hub/monitor/dashboard"
#endif
#ifndef HUB_DEFAULT_CHART_JS
#define HUB_DEFAULT_CHART_JS "tools/node_modules/chart.js/dist/chart.umd.js"
#endif

// Largest message accepted: an upload chunk of 4 MiB plus its framing.
constexpr int kMaxReceiveMessageBytes = (4 << 20) + (64 << 10);

// Calls in flight on one connection (HTTP/2 streams).
constexpr int kMaxStreamsPerConnection = 100;

int Milliseconds(absl::Duration d) {
  return static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(d), INT32_MAX));
}

// Idle and silent connections cost nothing for long: closed when idle,
// pinged when quiet, and a handshake must finish in time.
void ApplyConnectionLimits(const HubServer::Limits& limits, grpc::ServerBuilder& builder) {
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                             Milliseconds(limits.max_connection_idle));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, Milliseconds(limits.keepalive_time));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, Milliseconds(limits.keepalive_timeout));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
                             Milliseconds(limits.handshake_timeout));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, kMaxStreamsPerConnection);
}

// gRPC's default health service is not built from a .proto, so server
// reflection could list grpc.health.v1.Health without describing it, and
// tools such as `buf curl` or `grpcurl describe` would fail. Touching the
// descriptor of the health.proto generated into hub_proto links it in and
// registers it in the generated pool that reflection reads.
void LinkHealthSchemaForReflection() { (void)grpc::health::v1::HealthCheckResponse::descriptor(); }

absl::StatusOr<int> CountPlans(const storage::DirectoryStore& directory) {
  int count = 0;
  std::string after;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<hub::v1::Plan> page, directory.ListPlans(after, 1000));
    count += static_cast<int>(page.size());
    if (page.size() < 1000) return count;
    after = page.back().plan_id();
  }
}

absl::StatusOr<int> CountProviders(const storage::DirectoryStore& directory) {
  int count = 0;
  std::string after;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<hub::v1::Provider> page, directory.ListProviders(after, 1000));
    count += static_cast<int>(page.size());
    if (page.size() < 1000) return count;
    after = page.back().provider_id();
  }
}

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

HubServer::HubServer() = default;

HubServer::~HubServer() {
  absl::Status closed = Shutdown(absl::ZeroDuration());
  if (!closed.ok()) {
    log::Error("store_close_failed", {{"cause", std::string(closed.message())}});
  }
}

std::string HubServer::DefaultBackupDir(const std::string& data_dir) {
  std::filesystem::path data = std::filesystem::path(data_dir).lexically_normal();
  if (!data.has_filename()) data = data.parent_path();  // "a/data/" -> "a/data"
  std::filesystem::path parent = data.parent_path();
  return (parent.empty() ? std::filesystem::path("backups") : parent / "backups").string();
}

std::string HubServer::DefaultSpoolDir(const std::string& data_dir) {
  return PlanService::DefaultSpoolDir(data_dir);
}

std::string HubServer::DefaultProfilesDir() { return HUB_DEFAULT_PROFILES_DIR; }

std::string HubServer::DefaultReferenceDir() { return ReferenceTables::DefaultDir(); }

std::string HubServer::DefaultDashboardDir() { return HUB_DEFAULT_DASHBOARD_DIR; }

std::string HubServer::DefaultChartJsPath() { return HUB_DEFAULT_CHART_JS; }

absl::StatusOr<std::unique_ptr<HubServer>> HubServer::Start(Options options) {
  RETURN_IF_ERROR(CompleteOptions(options));
  auth::CountyRoles county_roles = auth::CountyRoles::Default();
  if (!options.county_roles_file.empty()) {
    ASSIGN_OR_RETURN(county_roles, auth::CountyRoles::Load(options.county_roles_file));
  }
  std::unique_ptr<HubServer> hub(new HubServer());
  hub->county_roles_ = county_roles;
  // Nothing after this leaves a failed Start running: the destructor
  // shuts down what started.
  RETURN_IF_ERROR(hub->OpenStore(options));
  RETURN_IF_ERROR(hub->StartRevocations(options));
  RETURN_IF_ERROR(hub->MakeServices(options));
  RETURN_IF_ERROR(hub->ServeGrpc(options, county_roles));
  RETURN_IF_ERROR(hub->ServeHealth(options));
  RETURN_IF_ERROR(hub->ServeHttp(options, county_roles));
  return hub;
}

absl::Status HubServer::CompleteOptions(Options& options) {
  if (options.data_dir.empty()) {
    return absl::InvalidArgumentError("data_dir is required: the folder that holds the store");
  }
  // Plaintext is allowed on loopback only.
  RETURN_IF_ERROR(auth::CheckListenAddress(options.listen_address, options.tls.enabled()));
  if (!options.health_listen_address.empty()) {
    // Health only, no PHI: plaintext anywhere (shape check only).
    RETURN_IF_ERROR(auth::CheckListenAddress(options.health_listen_address, true));
  }
  if (!options.http_listen.empty() && !options.tls.enabled() &&
      !auth::CheckListenAddress(options.http_listen, false).ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--http_listen ", options.http_listen,
        " is off loopback, and nothing listens unauthenticated off loopback: /metrics and the "
        "dashboard are served there only over mutual TLS to county certificates (give the "
        "--tls_* flags), or bind them to loopback (127.0.0.1) and scrape from the same host"));
  }
  if (options.backup_dir.empty()) options.backup_dir = DefaultBackupDir(options.data_dir);
  if (!options.clock) options.clock = [] { return absl::Now(); };
  if (options.profiles_dir.empty()) options.profiles_dir = DefaultProfilesDir();
  if (options.spool_dir.empty()) options.spool_dir = DefaultSpoolDir(options.data_dir);
  options.ingest.clock = options.clock;
  if (!options.monitor_config.has_value()) options.monitor_config = DefaultMonitorConfig();
  RETURN_IF_ERROR(ValidateMonitorConfig(*options.monitor_config));
  if (options.dashboard_dir.empty()) options.dashboard_dir = DefaultDashboardDir();
  if (options.chart_js_path.empty()) options.chart_js_path = DefaultChartJsPath();
  return absl::OkStatus();
}

absl::Status HubServer::OpenStore(const Options& options) {
  // Every folder the hub keeps is its own alone, whatever the umask, also
  // those an older hub left readable (hub/server/private_files.h).
  KeepFilesPrivate();
  for (const std::string* dir : {&options.data_dir, &options.backup_dir, &options.spool_dir}) {
    RETURN_IF_ERROR(MakePrivateTree(*dir));
  }
  storage::StoreOptions store_options;
  store_options.data_dir = options.data_dir;
  if (options.block_cache_bytes > 0) store_options.block_cache_bytes = options.block_cache_bytes;
  ASSIGN_OR_RETURN(store_, storage::Store::Open(store_options));
  directory_ = std::make_unique<storage::DirectoryStore>(store_.get());
  if (!options.seed_path.empty()) {
    ASSIGN_OR_RETURN(start_info_.seed, LoadSeedIfEmpty(*directory_, options.seed_path));
  }
  ASSIGN_OR_RETURN(start_info_.plan_count, CountPlans(*directory_));
  ASSIGN_OR_RETURN(start_info_.provider_count, CountProviders(*directory_));
  ASSIGN_OR_RETURN(plan_adapters_, PlanAdapterSet::Load(options.profiles_dir));
  start_info_.adapter_profile_count = static_cast<int>(plan_adapters_->Names().size());
  RETURN_IF_ERROR(PlanService::PrepareSpoolDir(options.spool_dir));
  return absl::OkStatus();
}

absl::Status HubServer::StartRevocations(const Options& options) {
  std::set<std::string> revoked;
  std::string ca;
  if (options.tls.enabled() && !options.tls.crl_file.empty()) {
    ASSIGN_OR_RETURN(ca, auth::ReadPemFile(options.tls.client_ca_file, "--tls_client_ca_file"));
    ASSIGN_OR_RETURN(revoked, auth::LoadRevokedSerials(options.tls.crl_file, ca));
  }
  revocations_ = std::make_shared<auth::RevocationList>(std::move(revoked));
  client_connections_ = std::make_unique<ClientConnections>();
  if (ca.empty()) return absl::OkStatus();
  auth::CrlWatcherOptions watch;
  watch.crl_file = options.tls.crl_file;
  watch.ca_pem = std::move(ca);
  watch.poll_interval = options.limits.crl_poll_interval;
  // Set once the services exist (MakeServices): wakes waiting PullFeed
  // streams so those of a revoked certificate end.
  watch.on_reload = [this](const std::vector<std::string>& added, size_t in_force) {
    // The newly revoked certificates' open connections end now (their
    // clients must handshake again, which is refused).
    const int closed = client_connections_->CloseConnectionsOf(added);
    log::Info("crl_reloaded", {{"revoked", static_cast<int64_t>(in_force)},
                               {"newly_revoked", static_cast<int64_t>(added.size())},
                               {"connections_closed", static_cast<int64_t>(closed)}});
    absl::MutexLock lock(&notifier_mu_);
    if (feed_notifier_ != nullptr && !added.empty()) feed_notifier_->NotifyAll();
  };
  watch.on_error = [](const absl::Status& error) {
    log::Error("crl_reload_failed", {{"code", absl::StatusCodeToString(error.code())},
                                     {"cause", std::string(error.message())},
                                     {"fix", "the revocations in force stay; fix --crl_file"}});
  };
  crl_watcher_ = std::make_unique<auth::CrlWatcher>(std::move(watch), revocations_.get());
  return absl::OkStatus();
}

absl::Status HubServer::MakeServices(const Options& options) {
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

absl::Status HubServer::ServeGrpc(const Options& options, const auth::CountyRoles& county_roles) {
  // Process-wide settings; both are idempotent.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  LinkHealthSchemaForReflection();

  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default: a second hubd on the same port would
  // then start and split the traffic. One port, one hub.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(kMaxReceiveMessageBytes);
  ApplyConnectionLimits(options.limits, builder);
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (options.tls.enabled()) {
    ASSIGN_OR_RETURN(credentials, TlsCredentials(options, county_roles));
  }
  int selected_port = 0;
  builder.AddListeningPort(options.listen_address, credentials, &selected_port);
  {
    // One list: SetInterceptorCreators replaces any earlier list. First the
    // answers a client can use (so the others see the final status), then
    // the audit log, then the RPC metrics (which prompt the monitor).
    Monitor* monitor = monitor_.get();
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
    creators.push_back(MakeStatusInterceptor());
    creators.push_back(
        std::make_unique<AuditInterceptorFactory>(audit_store_.get(), options.clock));
    creators.push_back(MakeRpcMetricsInterceptor(
        metrics_.get(), [monitor](std::string_view /*method*/) { monitor->Poke(); }));
    if (options.tls.enabled()) {
      creators.push_back(ClientConnections::Recorder(client_connections_.get()));
    }
    builder.experimental().SetInterceptorCreators(std::move(creators));
  }
  builder.RegisterService(consent_service_.get());
  builder.RegisterService(audit_service_.get());
  builder.RegisterService(directory_service_.get());
  builder.RegisterService(admin_service_.get());
  builder.RegisterService(plan_service_.get());
  builder.RegisterService(provider_service_.get());
  builder.RegisterService(monitor_service_.get());
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || selected_port == 0) {
    // The destructor closes the store.
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen_address,
                     ": the port is in use or the address is not on this machine; stop the other "
                     "process or choose another --listen port"));
  }
  port_ = selected_port;
  client_connections_->SetLocalPort(port_);
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  health->SetServingStatus("", true);
  for (const char* name : kServiceNames) health->SetServingStatus(name, true);
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> HubServer::TlsCredentials(
    const Options& options, const auth::CountyRoles& county_roles) {
  auth::AccessGateOptions gate;
  storage::DirectoryStore* directory = directory_.get();
  gate.organization_exists = [directory](const auth::Identity& id) -> absl::StatusOr<bool> {
    absl::Status found = id.kind == auth::Identity::Kind::kPlan
                             ? directory->GetPlan(id.id).status()
                             : directory->GetProvider(id.id).status();
    if (absl::IsNotFound(found)) return false;
    RETURN_IF_ERROR(found);
    return true;
  };
  gate.county_roles = county_roles;
  gate.revocations = revocations_;
  storage::AuditStore* audit = audit_store_.get();
  std::function<absl::Time()> clock = options.clock;
  gate.on_refused = [audit, clock](const auth::Identity* identity, std::string_view method,
                                   const absl::Status& refusal) {
    AuditRefusal(audit, clock(), identity, method, refusal);
  };
  return auth::MakeServerCredentials(options.tls, std::make_shared<auth::AccessGate>(gate),
                                     revocations_);
}

absl::Status HubServer::ServeHealth(const Options& options) {
  if (options.health_listen_address.empty()) return absl::OkStatus();
  grpc::ServerBuilder health_builder;
  health_builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  health_builder.SetOption(std::make_unique<NoPluginsOption>());
  ApplyConnectionLimits(options.limits, health_builder);
  // Every other method answers UNIMPLEMENTED (and a callback service lets
  // the server run without a completion queue).
  health_unimplemented_ = std::make_unique<grpc::CallbackGenericService>();
  health_builder.RegisterCallbackGenericService(health_unimplemented_.get());
  health_builder.AddListeningPort(options.health_listen_address, grpc::InsecureServerCredentials(),
                                  &health_port_);
  health_server_ = health_builder.BuildAndStart();
  if (health_server_ == nullptr || health_port_ == 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options.health_listen_address,
        " (--health_listen): the port is in use or the address is not on this machine"));
  }
  grpc::HealthCheckServiceInterface* health = health_server_->GetHealthCheckService();
  health->SetServingStatus("", true);
  for (const char* name : kServiceNames) health->SetServingStatus(name, true);
  return absl::OkStatus();
}

absl::Status HubServer::ServeHttp(const Options& options, const auth::CountyRoles& county_roles) {
  if (options.http_listen.empty()) return absl::OkStatus();
  HttpServerOptions http_options;
  http_options.listen_address = options.http_listen;
  http_options.dashboard_dir = options.dashboard_dir;
  http_options.chart_js_path = options.chart_js_path;
  // Off loopback (CompleteOptions allows it only with TLS): HTTPS with the
  // hub's certificate, for county certificates alone.
  if (!auth::CheckListenAddress(options.http_listen, false).ok()) {
    http_options.tls_cert_file = options.tls.cert_file;
    http_options.tls_key_file = options.tls.key_file;
    http_options.tls_client_ca_file = options.tls.client_ca_file;
    http_options.revocations = revocations_.get();
    http_options.authorize = [county_roles](const std::string& pem) -> absl::Status {
      ASSIGN_OR_RETURN(const auth::Identity identity, auth::IdentityFromCertificate(pem));
      if (identity.kind == auth::Identity::Kind::kCounty && county_roles.RoleOf(identity.id).ok()) {
        return absl::OkStatus();
      }
      return absl::PermissionDeniedError(
          "/metrics and the dashboard are the county's: use a county analyst or administrator "
          "certificate");
    };
  }
  ASSIGN_OR_RETURN(http_,
                   HttpServer::Start(std::move(http_options), monitor_.get(), metrics_.get()));
  http_port_ = http_->port();
  return absl::OkStatus();
}

absl::Status HubServer::ReloadCrl() {
  if (crl_watcher_ == nullptr) {
    return absl::FailedPreconditionError("the hub has no --crl_file to reload");
  }
  return crl_watcher_->ReloadNow();
}

int64_t HubServer::crl_reloads() const {
  return crl_watcher_ == nullptr ? 0 : crl_watcher_->reloads();
}

int64_t HubServer::crl_reload_failures() const {
  return crl_watcher_ == nullptr ? 0 : crl_watcher_->failures();
}

bool HubServer::WaitForCrlReloads(int64_t count, absl::Duration timeout) const {
  return crl_watcher_ != nullptr && crl_watcher_->WaitForReloads(count, timeout);
}

bool HubServer::WaitForCrlReloadFailures(int64_t count, absl::Duration timeout) const {
  return crl_watcher_ != nullptr && crl_watcher_->WaitForFailures(count, timeout);
}

bool HubServer::WaitForPullFeedStreams(const std::string& plan_id, int count,
                                       absl::Duration timeout) const {
  return pull_feed_streams_ != nullptr &&
         pull_feed_streams_->WaitForAtMost(plan_id, count, timeout);
}

bool HubServer::WaitForUploads(int count, absl::Duration timeout) const {
  return uploads_ != nullptr && uploads_->WaitForInProgress(count, timeout);
}

void HubServer::SetNotServing() {
  absl::MutexLock lock(&shutdown_mu_);
  if (shut_down_ || server_ == nullptr) return;
  for (grpc::Server* server : {server_.get(), health_server_.get()}) {
    if (server == nullptr) continue;
    grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
    health->SetServingStatus("", false);
    for (const char* name : kServiceNames) health->SetServingStatus(name, false);
  }
}

absl::Status HubServer::Shutdown(absl::Duration drain) {
  SetNotServing();
  absl::MutexLock lock(&shutdown_mu_);
  if (shut_down_) return absl::OkStatus();
  shut_down_ = true;
  // No reload wakes streams from now on.
  crl_watcher_.reset();
  // The HTTP server reads the monitor: it stops first.
  if (http_ != nullptr) http_->Stop();
  http_.reset();
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(drain));
    server_->Wait();
    server_.reset();
  }
  if (health_server_ != nullptr) {
    health_server_->Shutdown(std::chrono::system_clock::now());
    health_server_->Wait();
    health_server_.reset();
  }
  health_unimplemented_.reset();
  // The server is down, so every upload has finished: join the ingest and
  // export workers (they use the services below) before the store closes.
  uploads_.reset();
  retention_.reset();
  plan_service_.reset();
  quarterly_exporter_.reset();
  ingest_.reset();
  // Upload workers first (they submit through the pipeline), then the
  // pipeline (answers what is queued, joins its writer), then the feeds.
  provider_service_.reset();
  submit_pipeline_.reset();
  // The pipeline pokes the indexer; the indexer's collector is in metrics_.
  feed_indexer_.reset();
  // The pipeline's recorder prompts the monitor; the monitor reads the
  // feeds and the store.
  flow_recorder_.reset();
  monitor_service_.reset();
  monitor_.reset();
  metrics_.reset();
  {
    absl::MutexLock notifier_lock(&notifier_mu_);
    feed_notifier_.reset();
  }
  pull_feed_streams_.reset();
  feed_.reset();
  reference_.reset();
  plan_adapters_.reset();
  admin_service_.reset();
  consent_service_.reset();
  audit_service_.reset();
  feed_disclosure_.reset();
  consent_store_.reset();
  audit_store_.reset();
  parked_records_.reset();
  parked_store_.reset();
  directory_service_.reset();
  directory_.reset();
  absl::Status closed = absl::OkStatus();
  if (store_ != nullptr) {
    closed = store_->Close();
    store_.reset();
  }
  return closed;
}

void ConfigureProcess() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  mallopt(M_ARENA_MAX, 2);
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
}

}  // namespace hub
