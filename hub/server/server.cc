#include "hub/server/server.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <malloc.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "auth/revocation.h"
#include "auth/transport_policy.h"
#include "base/status_macros.h"
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
#include "hub/rpc/audit_service.h"
#include "hub/rpc/client_connections.h"
#include "hub/rpc/consent_service.h"
#include "hub/rpc/directory_service.h"
#include "hub/rpc/monitor_service.h"
#include "hub/rpc/parked_records.h"
#include "hub/rpc/plan_service.h"
#include "hub/rpc/provider_service.h"
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

#ifndef HUB_DEFAULT_PROFILES_DIR
#define HUB_DEFAULT_PROFILES_DIR "adapters/plans"
#endif
#ifndef HUB_DEFAULT_DASHBOARD_DIR
#define HUB_DEFAULT_DASHBOARD_DIR "hub/monitor/dashboard"
#endif
#ifndef HUB_DEFAULT_CHART_JS
#define HUB_DEFAULT_CHART_JS "tools/node_modules/chart.js/dist/chart.umd.js"
#endif
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
