#include "hub/server/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/server_builder_option.h>
#include <malloc.h>

#include <chrono>
#include <filesystem>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "auth/access_gate.h"
#include "auth/transport_policy.h"
#include "base/status_macros.h"
#include "grpc/health/v1/health.pb.h"
#include "hub/common/log.h"
#include "hub/common/metrics.h"
#include "hub/common/outreach_rule.h"
#include "hub/common/plan_adapters.h"
#include "hub/common/reference_tables.h"
#include "hub/feed/feed_disclosure.h"
#include "hub/feed/feed_notifier.h"
#include "hub/monitor/http_server.h"
#include "hub/monitor/monitor.h"
#include "hub/monitor/monitor_rules.h"
#include "hub/rpc/admin_service.h"
#include "hub/rpc/audit_interceptor.h"
#include "hub/rpc/audit_service.h"
#include "hub/rpc/consent_service.h"
#include "hub/rpc/directory_service.h"
#include "hub/rpc/monitor_service.h"
#include "hub/rpc/plan_service.h"
#include "hub/rpc/provider_service.h"
#include "hub/rpc/rpc_metrics.h"
#include "hub/submit/flow_recorder.h"
#include "hub/submit/submit_pipeline.h"
#include "storage/audit_store.h"
#include "storage/consent_store.h"
#include "storage/directory_store.h"
#include "storage/feed_store.h"
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
  if (options.data_dir.empty()) {
    return absl::InvalidArgumentError("data_dir is required: the folder that holds the store");
  }
  // Plaintext is allowed on loopback only.
  RETURN_IF_ERROR(auth::CheckListenAddress(options.listen_address, options.tls.enabled()));
  if (!options.health_listen_address.empty()) {
    // Health only, no PHI: plaintext anywhere (shape check only).
    RETURN_IF_ERROR(auth::CheckListenAddress(options.health_listen_address, true));
  }
  auth::CountyRoles county_roles = auth::CountyRoles::Default();
  if (!options.county_roles_file.empty()) {
    ASSIGN_OR_RETURN(county_roles, auth::CountyRoles::Load(options.county_roles_file));
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

  std::unique_ptr<HubServer> hub(new HubServer());
  storage::StoreOptions store_options;
  store_options.data_dir = options.data_dir;
  if (options.block_cache_bytes > 0) store_options.block_cache_bytes = options.block_cache_bytes;
  ASSIGN_OR_RETURN(hub->store_, storage::Store::Open(store_options));
  hub->directory_ = std::make_unique<storage::DirectoryStore>(hub->store_.get());
  if (!options.seed_path.empty()) {
    ASSIGN_OR_RETURN(hub->start_info_.seed, LoadSeedIfEmpty(*hub->directory_, options.seed_path));
  }
  ASSIGN_OR_RETURN(hub->start_info_.plan_count, CountPlans(*hub->directory_));
  ASSIGN_OR_RETURN(hub->start_info_.provider_count, CountProviders(*hub->directory_));
  ASSIGN_OR_RETURN(hub->plan_adapters_, PlanAdapterSet::Load(options.profiles_dir));
  hub->start_info_.adapter_profile_count = static_cast<int>(hub->plan_adapters_->Names().size());
  RETURN_IF_ERROR(PlanService::PrepareSpoolDir(options.spool_dir));
  // /metrics: ingest counts coverage conflicts; the monitor below adds its own.
  hub->metrics_ = std::make_unique<MetricsRegistry>();
  options.ingest.metrics = hub->metrics_.get();
  hub->ingest_ =
      std::make_unique<IngestPipeline>(hub->store_.get(), hub->directory_.get(), options.ingest);
  // Plans' feeds: ONE FeedStore (it keeps heads in memory) for the submit
  // pipeline and PlanService.PullFeed/Ack; the notifier wakes followers.
  hub->feed_ = std::make_unique<storage::FeedStore>(hub->store_.get());
  hub->feed_notifier_ = std::make_unique<FeedNotifier>();
  // Identity: the audit log, consents, and what each plan may receive.
  ASSIGN_OR_RETURN(hub->audit_store_, storage::AuditStore::Open(hub->store_.get()));
  hub->consent_store_ = std::make_unique<storage::ConsentStore>(hub->store_.get());
  hub->feed_disclosure_ = std::make_unique<FeedDisclosure>(
      hub->consent_store_.get(), hub->directory_.get(), hub->plan_adapters_.get(), options.clock);
  hub->consent_service_ = std::make_unique<ConsentService>(hub->consent_store_.get(),
                                                           hub->directory_.get(), options.clock);
  hub->audit_service_ = std::make_unique<AuditService>(hub->audit_store_.get());
  // Reference tables (codes, and the 24-hour outreach rule's exemptions)
  // and the county's time zone.
  ASSIGN_OR_RETURN(hub->reference_,
                   ReferenceTables::LoadDir(options.reference_dir.empty() ? DefaultReferenceDir()
                                                                          : options.reference_dir));
  ASSIGN_OR_RETURN(const OutreachRule outreach_rule,
                   MakeOutreachRule(options.county_time_zone.empty() ? kDefaultCountyTimeZone
                                                                     : options.county_time_zone,
                                    hub->reference_->tables()));
  // County monitoring reads the store through its own views; the submit
  // pipeline's recorder adds its writes to each group and prompts it.
  {
    MonitorOptions monitor_options;
    monitor_options.clock = options.clock;
    monitor_options.config = *options.monitor_config;
    monitor_options.outreach_rule = outreach_rule;
    hub->monitor_ =
        std::make_unique<Monitor>(hub->store_.get(), hub->directory_.get(), hub->feed_.get(),
                                  hub->metrics_.get(), std::move(monitor_options));
    Monitor* monitor = hub->monitor_.get();
    hub->flow_recorder_ = std::make_unique<FlowRecorder>(hub->store_.get(), hub->metrics_.get(),
                                                         [monitor] { monitor->Poke(); });
    hub->monitor_service_ = std::make_unique<MonitorService>(monitor);
  }
  hub->plan_service_ = std::make_unique<PlanService>(
      hub->store_.get(), hub->directory_.get(), hub->plan_adapters_.get(), hub->ingest_.get(),
      PlanServiceOptions{.spool_dir = options.spool_dir,
                         .clock = options.clock,
                         .feed = hub->feed_.get(),
                         .feed_notifier = hub->feed_notifier_.get(),
                         .feed_disclosure = hub->feed_disclosure_.get(),
                         .pull_feed_observers = {.metrics = hub->metrics_.get(),
                                                 .audit = hub->audit_store_.get(),
                                                 .clock = options.clock}});

  // Submissions: the feeds, the pipeline (one writer thread, group commit)
  // and ProviderService.
  {
    SubmitPipelineOptions submit_options;
    submit_options.clock = options.clock;
    FeedNotifier* notifier = hub->feed_notifier_.get();
    submit_options.on_feed_appended = [notifier](const std::string& plan_id) {
      notifier->Notify(plan_id);
    };
    submit_options.flow_recorder = hub->flow_recorder_.get();
    submit_options.billing_profile =
        BillingProfiles(hub->directory_.get(), hub->plan_adapters_.get());
    hub->submit_pipeline_ =
        std::make_unique<SubmitPipeline>(hub->store_.get(), hub->directory_.get(), hub->feed_.get(),
                                         hub->reference_.get(), std::move(submit_options));
  }
  {
    ProviderServiceOptions provider_options;
    provider_options.spool_dir = options.spool_dir;
    provider_options.clock = options.clock;
    provider_options.store = hub->store_.get();
    provider_options.outreach_rule = outreach_rule;
    hub->provider_service_ =
        std::make_unique<ProviderService>(hub->directory_.get(), hub->feed_.get(),
                                          hub->submit_pipeline_.get(), std::move(provider_options));
  }

  hub->directory_service_ =
      std::make_unique<DirectoryService>(hub->directory_.get(), hub->plan_adapters_.get());
  hub->admin_service_ = std::make_unique<AdminService>(
      hub->store_.get(), AdminServiceOptions{options.backup_dir, options.clock});

  // Process-wide settings; both are idempotent.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  LinkHealthSchemaForReflection();

  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default: a second hubd on the same port would
  // then start and split the traffic. One port, one hub.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(kMaxReceiveMessageBytes);
  int selected_port = 0;
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (options.tls.enabled()) {
    auth::AccessGateOptions gate;
    storage::DirectoryStore* directory = hub->directory_.get();
    gate.organization_exists = [directory](const auth::Identity& id) -> absl::StatusOr<bool> {
      absl::Status found = id.kind == auth::Identity::Kind::kPlan
                               ? directory->GetPlan(id.id).status()
                               : directory->GetProvider(id.id).status();
      if (absl::IsNotFound(found)) return false;
      RETURN_IF_ERROR(found);
      return true;
    };
    gate.county_roles = std::move(county_roles);
    storage::AuditStore* audit = hub->audit_store_.get();
    std::function<absl::Time()> clock = options.clock;
    gate.on_refused = [audit, clock](const auth::Identity* identity, std::string_view method,
                                     const absl::Status& refusal) {
      AuditRefusal(audit, clock(), identity, method, refusal);
    };
    ASSIGN_OR_RETURN(credentials, auth::MakeServerCredentials(
                                      options.tls, std::make_shared<auth::AccessGate>(gate)));
  }
  builder.AddListeningPort(options.listen_address, credentials, &selected_port);
  {
    // One list: SetInterceptorCreators replaces any earlier list. The audit
    // log first, then the RPC metrics (which prompt the monitor).
    Monitor* monitor = hub->monitor_.get();
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
    creators.push_back(
        std::make_unique<AuditInterceptorFactory>(hub->audit_store_.get(), options.clock));
    creators.push_back(MakeRpcMetricsInterceptor(
        hub->metrics_.get(), [monitor](std::string_view /*method*/) { monitor->Poke(); }));
    builder.experimental().SetInterceptorCreators(std::move(creators));
  }
  builder.RegisterService(hub->consent_service_.get());
  builder.RegisterService(hub->audit_service_.get());
  builder.RegisterService(hub->directory_service_.get());
  builder.RegisterService(hub->admin_service_.get());
  builder.RegisterService(hub->plan_service_.get());
  builder.RegisterService(hub->provider_service_.get());
  builder.RegisterService(hub->monitor_service_.get());
  hub->server_ = builder.BuildAndStart();
  if (hub->server_ == nullptr || selected_port == 0) {
    // The destructor closes the store.
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen_address,
                     ": the port is in use or the address is not on this machine; stop the other "
                     "process or choose another --listen port"));
  }
  hub->port_ = selected_port;
  if (!options.health_listen_address.empty()) {
    grpc::ServerBuilder health_builder;
    health_builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    health_builder.SetOption(std::make_unique<NoPluginsOption>());
    // Every other method answers UNIMPLEMENTED (and a callback service lets
    // the server run without a completion queue).
    hub->health_unimplemented_ = std::make_unique<grpc::CallbackGenericService>();
    health_builder.RegisterCallbackGenericService(hub->health_unimplemented_.get());
    health_builder.AddListeningPort(options.health_listen_address,
                                    grpc::InsecureServerCredentials(), &hub->health_port_);
    hub->health_server_ = health_builder.BuildAndStart();
    if (hub->health_server_ == nullptr || hub->health_port_ == 0) {
      return absl::UnavailableError(absl::StrCat(
          "cannot listen on ", options.health_listen_address,
          " (--health_listen): the port is in use or the address is not on this machine"));
    }
  }
  for (grpc::Server* server : {hub->server_.get(), hub->health_server_.get()}) {
    if (server == nullptr) continue;
    grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
    health->SetServingStatus("", true);
    for (const char* name : kServiceNames) health->SetServingStatus(name, true);
  }
  if (!options.http_listen.empty()) {
    HttpServerOptions http_options;
    http_options.listen_address = options.http_listen;
    http_options.dashboard_dir = options.dashboard_dir;
    http_options.chart_js_path = options.chart_js_path;
    ASSIGN_OR_RETURN(hub->http_, HttpServer::Start(std::move(http_options), hub->monitor_.get(),
                                                   hub->metrics_.get()));
    hub->http_port_ = hub->http_->port();
  }
  return hub;
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
  // The server is down, so every upload has finished: join the ingest
  // workers before the store closes.
  plan_service_.reset();
  ingest_.reset();
  // Upload workers first (they submit through the pipeline), then the
  // pipeline (answers what is queued, joins its writer), then the feeds.
  provider_service_.reset();
  submit_pipeline_.reset();
  // The pipeline's recorder prompts the monitor; the monitor reads the
  // feeds and the store.
  flow_recorder_.reset();
  monitor_service_.reset();
  monitor_.reset();
  metrics_.reset();
  feed_notifier_.reset();
  feed_.reset();
  reference_.reset();
  plan_adapters_.reset();
  admin_service_.reset();
  consent_service_.reset();
  audit_service_.reset();
  feed_disclosure_.reset();
  consent_store_.reset();
  audit_store_.reset();
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
