// HubServer's listeners: the gRPC server with its interceptors and
// credentials, the plaintext health listener, the HTTP server for /metrics
// and the dashboard, and their health status (hub/server/server.h).
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/server_builder_option.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "auth/access_gate.h"
#include "auth/transport_policy.h"
#include "base/status_macros.h"
#include "grpc/health/v1/health.pb.h"
#include "hub/monitor/http_server.h"
#include "hub/monitor/monitor.h"
#include "hub/rpc/admin_service.h"
#include "hub/rpc/audit_interceptor.h"
#include "hub/rpc/audit_service.h"
#include "hub/rpc/client_connections.h"
#include "hub/rpc/consent_service.h"
#include "hub/rpc/directory_service.h"
#include "hub/rpc/monitor_service.h"
#include "hub/rpc/plan_service.h"
#include "hub/rpc/provider_service.h"
#include "hub/rpc/rpc_metrics.h"
#include "hub/rpc/status_interceptor.h"
#include "hub/server/server.h"
#include "storage/audit_store.h"
#include "storage/directory_store.h"

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
}  // namespace

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
}  // namespace hub
