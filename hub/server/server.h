// HubServer: the hub's gRPC server with everything it serves, as one object
// that hubd, tests and tools start and stop the same way.
//
// Start opens the store in data_dir, loads the directory seed on first
// start, loads the plan adapter profiles, prepares the upload spool folder,
// enforces the transport policy (plaintext only on loopback until TLS
// exists), loads the reference tables, starts the submit pipeline, and
// serves hub.v1.DirectoryService, hub.v1.AdminService, hub.v1.PlanService,
// hub.v1.ProviderService, hub.v1.MonitorService, grpc.health.v1.Health and
// server reflection; every RPC is counted (hub/rpc/rpc_metrics.h). With
// http_listen it also serves /metrics and the county dashboard
// (hub/monitor/http_server.h).
//
// Thread safety: port() and start_info() are safe from any thread;
// SetNotServing and Shutdown may be called from any one thread.
#ifndef HUB_HUB_SERVER_SERVER_H_
#define HUB_HUB_SERVER_SERVER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "auth/identity.h"
#include "auth/revocation.h"
#include "auth/tls.h"
#include "hub/common/outreach_rule.h"
#include "hub/directory/seed_loader.h"
#include "hub/ingest/ingest.h"
#include "hub/server/retention_runner.h"
#include "hub/v1/monitor.pb.h"

namespace grpc {
class Server;
class CallbackGenericService;
}  // namespace grpc

namespace hub {
namespace storage {
class Store;
class DirectoryStore;
class FeedStore;
}  // namespace storage

class DirectoryService;
class AdminService;
class PlanService;
class PlanAdapterSet;
class FeedIndexer;
class FeedNotifier;
class ReferenceTables;
class SubmitPipeline;
class ProviderService;
class ClientConnections;
// Consents and the audit log.
class ConsentService;
class AuditService;
class FeedDisclosure;
namespace storage {
class AuditStore;
class ConsentStore;
}  // namespace storage
class MetricsRegistry;
class Monitor;
class QuarterlyExporter;
class FlowRecorder;
class MonitorService;
class HttpServer;
class UploadStreams;
class PullFeedStreams;
class ParkedRecords;
namespace storage {
class ParkedStore;
}  // namespace storage

class HubServer {
 public:
  // What slow, idle or misbehaving clients may hold, and how fast a new
  // revocation list takes effect (README "Security": the limits).
  struct Limits {
    // How often the CRL file (tls.crl_file) is checked for changes.
    absl::Duration crl_poll_interval = absl::Seconds(5);
    // A connection with no call in flight for this long is closed (GOAWAY).
    absl::Duration max_connection_idle = absl::Minutes(5);
    // The hub pings a connection silent for this long, and closes it if the
    // ping is not answered within keepalive_timeout.
    absl::Duration keepalive_time = absl::Minutes(2);
    absl::Duration keepalive_timeout = absl::Seconds(20);
    // A connection must complete its TLS (or HTTP/2) handshake within this.
    absl::Duration handshake_timeout = absl::Seconds(10);
    // Open PullFeed streams per plan; one more is refused RESOURCE_EXHAUSTED.
    int max_pull_feed_streams_per_plan = 4;
    // An upload with no message for this long is ended DEADLINE_EXCEEDED.
    absl::Duration upload_stall_timeout = absl::Seconds(60);
    // Uploads receiving at once (each holds a spool file); one more is
    // refused RESOURCE_EXHAUSTED.
    int max_concurrent_uploads = 32;
    // Largest file one upload may carry.
    int64_t max_upload_bytes = int64_t{16} << 30;
  };

  struct Options {
    // gRPC listen address, HOST:PORT; port 0 picks a free port (see port()).
    std::string listen_address = "127.0.0.1:50051";
    // Folder of the store; created if missing. Required.
    std::string data_dir;
    // The feed indexer's thread (hub/feed/feed_indexer.h); false: indexes
    // are written only on demand (readers, Submit's lag bound).
    bool feed_indexer_thread = true;
    // Directory seed file (text format) loaded when the directory is empty;
    // empty = no seed.
    std::string seed_path;
    // Folder receiving backups; empty = DefaultBackupDir(data_dir).
    std::string backup_dir;
    // Wall clock (names backups, times ingest reports); empty = absl::Now.
    std::function<absl::Time()> clock;
    // Folder of plan adapter profiles, <dir>/<profile>/profile.textproto;
    // empty = DefaultProfilesDir().
    std::string profiles_dir;
    // Folder spooling uploads while they arrive; created, and emptied of
    // leftovers, at start; empty = DefaultSpoolDir(data_dir).
    std::string spool_dir;
    // Ingest tuning and test hooks; its clock is replaced by `clock`.
    IngestOptions ingest;
    // Folder of the reference tables (data/reference/*.textproto); empty =
    // DefaultReferenceDir().
    std::string reference_dir;
    // The county's IANA time zone: its days for the 24-hour CS outreach rule
    // and worklists; empty = America/Los_Angeles.
    std::string county_time_zone;
    // The store's block cache (storage::StoreOptions); 0 = its default.
    size_t block_cache_bytes = 0;

    // ---- Identity (mTLS, access policy, audit) ----
    // Mutual TLS on listen_address: client certificates from the county CA
    // are required, the AccessGate applies the policy table before any
    // handler. Empty (cert_file unset) = plaintext, allowed on loopback
    // only, with no access policy (tests and local development).
    auth::TlsServerFiles tls;
    // County user roles ("<name> county_admin|county_analyst" per line);
    // empty = admin -> county_admin, analyst -> county_analyst.
    std::string county_roles_file;
    // A second, plaintext listener serving ONLY grpc.health.v1 (kubelet's
    // probes cannot present a client certificate); empty = none.
    std::string health_listen_address;
    // HTTP address (HOST:PORT, port 0 = any) for /metrics and the county
    // dashboard; empty = no HTTP server.
    std::string http_listen;
    // The dashboard's page files; empty = DefaultDashboardDir().
    std::string dashboard_dir;
    // The Chart.js UMD bundle the page loads; empty = DefaultChartJsPath().
    std::string chart_js_path;
    // Monitoring thresholds and timings; nullopt = DefaultMonitorConfig().
    std::optional<hub::v1::MonitorConfig> monitor_config;
    // Connection, stream and upload limits.
    Limits limits;
    // How long each class of data is kept and how often the purge runs
    // (storage/retention.h, hub/server/retention_runner.h).
    RetentionOptions retention;
    // Backups kept under backup_dir: after each backup the oldest beyond
    // this many are deleted; 0 = keep all.
    int backups_kept = 14;
  };

  // What Start found and did, for the startup log.
  struct StartInfo {
    SeedLoadResult seed;
    int plan_count = 0;
    int provider_count = 0;
    int adapter_profile_count = 0;
  };

  // Starts serving. Fails with: InvalidArgument for a malformed address or
  // missing data_dir, FailedPrecondition for plaintext off loopback (gRPC or
  // HTTP) or a store held by another process, the seed loader's errors,
  // Unavailable if the address cannot be bound. Nothing keeps running after
  // a failure. Files at rest: the process umask becomes 077 and the data,
  // backup and spool folders (and all in them) are made 0700 / 0600
  // (hub/server/private_files.h).
  static absl::StatusOr<std::unique_ptr<HubServer>> Start(Options options);

  // "backups" next to data_dir: "/var/lib/hub/data" -> "/var/lib/hub/backups".
  // A backup must not live inside the data folder it copies.
  static std::string DefaultBackupDir(const std::string& data_dir);
  // "spool" next to data_dir, as for backups.
  static std::string DefaultSpoolDir(const std::string& data_dir);
  // The adapter profiles of the source tree this hubd was built from
  // (compile definition HUB_DEFAULT_PROFILES_DIR): <repo>/adapters/plans.
  static std::string DefaultProfilesDir();
  // The reference tables of the source tree this hubd was built from
  // (compile definition HUB_DEFAULT_REFERENCE_DIR): <repo>/data/reference.
  static std::string DefaultReferenceDir();
  // The dashboard of the source tree (compile definition
  // HUB_DEFAULT_DASHBOARD_DIR): <repo>/hub/monitor/dashboard.
  static std::string DefaultDashboardDir();
  // Chart.js as scripts/setup.sh installs it (HUB_DEFAULT_CHART_JS):
  // <repo>/tools/node_modules/chart.js/dist/chart.umd.js.
  static std::string DefaultChartJsPath();

  // Shuts down with no drain time if Shutdown was not called.
  ~HubServer();

  HubServer(const HubServer&) = delete;
  HubServer& operator=(const HubServer&) = delete;

  // The bound port (the chosen one when listen_address asked for port 0).
  int port() const { return port_; }
  // The health listener's bound port (0 if none).
  int health_port() const { return health_port_; }
  // The retention purge (PurgeNow for tests and tools).
  RetentionRunner* retention() const { return retention_.get(); }
  // The parked records (tests).
  storage::ParkedStore* parked_store() const { return parked_store_.get(); }
  // The audit log and the consent store (tests, monitoring: held counts).
  storage::AuditStore* audit_store() const { return audit_store_.get(); }
  storage::ConsentStore* consent_store() const { return consent_store_.get(); }
  // The plans' feeds and cursors (tests: the restore drill reads them).
  storage::FeedStore* feed_store() const { return feed_.get(); }
  // The bound HTTP port; 0 without http_listen.
  int http_port() const { return http_port_; }
  const StartInfo& start_info() const { return start_info_; }

  // Reads tls.crl_file again now (the watcher does so by itself every
  // limits.crl_poll_interval when the file changed). OK once the new list is
  // in force; InvalidArgument if it does not parse (the old list stays).
  absl::Status ReloadCrl();
  // Reloads so far that put a new list in force / that failed.
  int64_t crl_reloads() const;
  int64_t crl_reload_failures() const;
  // True once crl_reloads() (crl_reload_failures()) reaches `count`; false
  // after `timeout`.
  bool WaitForCrlReloads(int64_t count, absl::Duration timeout) const;
  bool WaitForCrlReloadFailures(int64_t count, absl::Duration timeout) const;
  // True once `plan_id` has at most `count` PullFeed streams open.
  bool WaitForPullFeedStreams(const std::string& plan_id, int count, absl::Duration timeout) const;
  // True once at most `count` uploads are in progress (their spool files
  // deleted).
  bool WaitForUploads(int count, absl::Duration timeout) const;

  // Health checks answer NOT_SERVING from now on while RPCs are still
  // served: lets load balancers drain traffic. First step of Shutdown.
  void SetNotServing();

  // Graceful stop: NOT_SERVING, stop accepting RPCs, let in-flight RPCs
  // finish for up to `drain` (then cancel them), then close the store.
  // Returns the store's Close status; later calls return OK and do nothing.
  absl::Status Shutdown(absl::Duration drain);

 private:
  HubServer();

  // The steps of Start, in order: the lifecycle in server.cc, the service
  // wiring (Make*) in server_services.cc, the listeners (Serve*) in
  // server_listen.cc.
  static absl::Status CompleteOptions(Options& options);
  absl::Status OpenStore(const Options& options);
  absl::Status StartRevocations(const Options& options);
  absl::Status MakeServices(const Options& options);
  absl::Status MakeFeedsAndMonitor(const Options& options);
  absl::Status MakeSubmitServices(const Options& options);
  absl::Status MakeParkedRecords(const Options& options);
  absl::Status ServeGrpc(const Options& options, const auth::CountyRoles& county_roles);
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> TlsCredentials(
      const Options& options, const auth::CountyRoles& county_roles);
  absl::Status ServeHealth(const Options& options);
  absl::Status ServeHttp(const Options& options, const auth::CountyRoles& county_roles);

  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<storage::DirectoryStore> directory_;
  // Parked records (storage/parked_store.h, hub/rpc/parked_records.h):
  // AdminService's and PlanService's (destroyed after both).
  std::unique_ptr<storage::ParkedStore> parked_store_;
  std::unique_ptr<ParkedRecords> parked_records_;
  // The county's users and roles (Start).
  auth::CountyRoles county_roles_ = auth::CountyRoles::Default();
  std::unique_ptr<DirectoryService> directory_service_;
  std::unique_ptr<AdminService> admin_service_;
  std::unique_ptr<PlanAdapterSet> plan_adapters_;
  std::unique_ptr<IngestPipeline> ingest_;
  std::unique_ptr<PlanService> plan_service_;
  // Plans' feeds: ONE FeedStore (it keeps the feeds' heads in memory) shared
  // by the submit pipeline (the only appender) and PlanService.PullFeed/Ack;
  // the notifier wakes PullFeed followers after each commit.
  std::unique_ptr<storage::FeedStore> feed_;
  // Guards feed_notifier_'s creation and destruction against the CRL
  // watcher's callback.
  absl::Mutex notifier_mu_;
  std::unique_ptr<FeedNotifier> feed_notifier_;
  // Follows the feeds, writing their derived indexes (hub/feed/feed_indexer.h).
  std::unique_ptr<FeedIndexer> feed_indexer_;
  // The revocations in force (TLS), the client connections each certificate
  // has (so a revocation closes them) and the watcher that reloads them.
  std::shared_ptr<auth::RevocationList> revocations_;
  std::unique_ptr<ClientConnections> client_connections_;
  std::unique_ptr<auth::CrlWatcher> crl_watcher_;
  // The upload reactor and workers of both UploadFile methods; the open
  // PullFeed streams per plan.
  std::unique_ptr<UploadStreams> uploads_;
  std::unique_ptr<PullFeedStreams> pull_feed_streams_;
  std::unique_ptr<ReferenceTables> reference_;
  // The 24-hour CS outreach rule in the county's zone (MakeServices).
  OutreachRule outreach_rule_ = DefaultOutreachRule();
  std::unique_ptr<SubmitPipeline> submit_pipeline_;
  std::unique_ptr<ProviderService> provider_service_;
  // Identity: audit log, consents, what plans may receive, services.
  std::unique_ptr<storage::AuditStore> audit_store_;
  std::unique_ptr<storage::ConsentStore> consent_store_;
  std::unique_ptr<FeedDisclosure> feed_disclosure_;
  std::unique_ptr<ConsentService> consent_service_;
  std::unique_ptr<AuditService> audit_service_;
  std::unique_ptr<grpc::CallbackGenericService> health_unimplemented_;
  std::unique_ptr<grpc::Server> health_server_;
  int health_port_ = 0;
  // County monitoring: the metrics registry, the monitor (reads the store),
  // the submit pipeline's recorder, MonitorService and the HTTP server.
  std::unique_ptr<MetricsRegistry> metrics_;
  std::unique_ptr<Monitor> monitor_;
  std::unique_ptr<FlowRecorder> flow_recorder_;
  std::unique_ptr<MonitorService> monitor_service_;
  // The quarterly report's county roll-up (MonitorService).
  std::unique_ptr<QuarterlyExporter> quarterly_exporter_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<RetentionRunner> retention_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  int http_port_ = 0;
  StartInfo start_info_;
  absl::Mutex shutdown_mu_;
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
};

// Process-wide settings for a hub process; call once at the start of main,
// before any thread starts.
//  - absl::Mutex deadlock detection off: Debian's Abseil keeps it on, and it
//    takes a global lock on contended Mutex acquisitions (GraphCycles::GetId
//    showed in perf profiles of Submit; submit_bench's echo server ran 9%
//    faster without it).
//  - At most 2 malloc arenas: by default glibc makes up to 8 per core, and
//    with gRPC's and RocksDB's threads each arena keeps its own freed memory.
//  - Blocks of 1 MiB and more (RocksDB's memtable arena blocks, upload
//    chunks) are mapped on their own and returned to the system when freed.
//    By default glibc raises that threshold as such blocks are freed, up to
//    32 MiB, after which they stay in the heap and fragment it.
// The malloc settings trade some Submit speed for a bounded footprint;
// ingest_bench and submit_bench measure both (README, Benchmarks).
void ConfigureProcess();

}  // namespace hub

#endif  // HUB_HUB_SERVER_SERVER_H_
