#include "hub/monitor/http_server.h"

#include <google/protobuf/util/json_util.h>
#include <httplib.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "auth/tls.h"
#include "base/status_macros.h"
#include "hub/common/log.h"
#include "hub/monitor/monitor_queries.h"

namespace hub {
namespace {

constexpr char kJson[] = "application/json; charset=utf-8";

// The dashboard's files: URL path -> (file name in dashboard_dir, type).
struct Asset {
  const char* path;
  const char* file;
  const char* content_type;
};
constexpr Asset kAssets[] = {
    {"/", "index.html", "text/html; charset=utf-8"},
    {"/index.html", "index.html", "text/html; charset=utf-8"},
    {"/dashboard.js", "dashboard.js", "text/javascript; charset=utf-8"},
    {"/dashboard.css", "dashboard.css", "text/css; charset=utf-8"},
};

void SecurityHeaders(httplib::Response& res) {
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Content-Security-Policy",
                 "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                 "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'");
}

void Error(httplib::Response& res, int status, std::string_view message) {
  std::string body = "{\"error\":";
  log::AppendJsonString(message, &body);
  body += "}";
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(body, kJson);
}

int HttpStatusOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      return 400;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

void Json(httplib::Response& res, const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string body;
  const auto status = google::protobuf::util::MessageToJsonString(message, &body, options);
  if (!status.ok()) {
    Error(res, 500, "the hub could not encode its answer as JSON; report this with hubd's log");
    return;
  }
  res.set_header("Cache-Control", "no-store");
  res.set_content(body, kJson);
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return false;
  std::stringstream buffer;
  buffer << file.rdbuf();
  *out = buffer.str();
  return static_cast<bool>(file) || file.eof();
}

void ServeFile(httplib::Response& res, const std::string& path, const char* content_type,
               std::string_view missing_hint) {
  std::string body;
  if (!ReadFile(path, &body)) {
    res.status = 404;
    res.set_content("not found: " + std::string(missing_hint) + "\n", "text/plain; charset=utf-8");
    return;
  }
  res.set_header("Cache-Control", "no-cache");
  res.set_content(std::move(body), content_type);
}

std::string PemOf(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return "";
  std::string pem;
  if (PEM_write_bio_X509(bio, cert) == 1) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    if (n > 0) pem.assign(data, static_cast<size_t>(n));
  }
  BIO_free(bio);
  return pem;
}

// OpenSSL's verify callback: after the chain verified, refuses a client
// certificate the revocation list (the SSL_CTX's app data) names.
int VerifyNotRevoked(int preverify_ok, X509_STORE_CTX* store) {
  if (preverify_ok != 1 || X509_STORE_CTX_get_error_depth(store) != 0) return preverify_ok;
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  const auto* revocations =
      ssl == nullptr
          ? nullptr
          : static_cast<const auth::RevocationList*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  if (revocations == nullptr) return 1;
  absl::StatusOr<std::string> serial =
      auth::CertificateSerial(PemOf(X509_STORE_CTX_get_current_cert(store)));
  return serial.ok() && !revocations->IsRevoked(*serial) ? 1 : 0;
}

// An HTTPS server requiring client certificates of `options`' CA.
std::unique_ptr<httplib::Server> MakeTlsServer(const HttpServerOptions& options) {
  const HttpServerOptions* o = &options;
  auto server = std::make_unique<httplib::SSLServer>([o](SSL_CTX& ctx) {
    SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate_chain_file(&ctx, o->tls_cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(&ctx, o->tls_key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(&ctx) != 1 ||
        SSL_CTX_load_verify_locations(&ctx, o->tls_client_ca_file.c_str(), nullptr) != 1) {
      return false;
    }
    SSL_CTX_set_app_data(&ctx, const_cast<auth::RevocationList*>(o->revocations));
    SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, VerifyNotRevoked);
    return true;
  });
  if (!server->is_valid()) return nullptr;
  return server;
}

// A plain HTTP server, or HTTPS with the options' TLS files.
// InvalidArgument if the TLS files do not make one.
absl::StatusOr<std::unique_ptr<httplib::Server>> MakeServer(const HttpServerOptions& options) {
  if (options.tls_cert_file.empty()) return std::make_unique<httplib::Server>();
  std::unique_ptr<httplib::Server> server = MakeTlsServer(options);
  if (server == nullptr) {
    return absl::InvalidArgumentError(
        "the TLS files do not make an HTTPS server for --http_listen; check --tls_cert_file, "
        "--tls_key_file and --tls_client_ca_file");
  }
  return server;
}

// Every request, before routing: the verified client certificate's
// organization must be allowed by `authorize` (401 without a certificate,
// 403 when refused).
void RequireAllowedClient(httplib::Server& server,
                          std::function<absl::Status(const std::string&)> authorize) {
  server.set_pre_routing_handler(
      [authorize = std::move(authorize)](const httplib::Request& req, httplib::Response& res) {
        X509* peer = req.ssl == nullptr ? nullptr : SSL_get1_peer_certificate(req.ssl);
        const std::string pem = peer == nullptr ? "" : PemOf(peer);
        X509_free(peer);
        absl::Status allowed = pem.empty()
                                   ? absl::UnauthenticatedError("a client certificate is required")
                                   : authorize(pem);
        if (allowed.ok()) return httplib::Server::HandlerResponse::Unhandled;
        Error(res, allowed.code() == absl::StatusCode::kUnauthenticated ? 401 : 403,
              std::string(allowed.message()));
        return httplib::Server::HandlerResponse::Handled;
      });
}

// The worker threads, the timeouts and the request size limit.
void SetLimits(httplib::Server& server, int threads) {
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_keep_alive_timeout(2);
  server.set_read_timeout(10, 0);
  server.set_write_timeout(10, 0);
  server.set_payload_max_length(64 << 10);
}

// Logs a warning for each dashboard file, and the chart library, missing.
void WarnOfMissingDashboardFiles(const HttpServerOptions& options) {
  for (const char* what : {"index.html", "dashboard.js", "dashboard.css"}) {
    if (!std::filesystem::exists(std::filesystem::path(options.dashboard_dir) / what)) {
      log::Warning("dashboard_file_missing",
                   {{"dashboard_dir", options.dashboard_dir}, {"file", what}});
    }
  }
  if (!std::filesystem::exists(options.chart_js_path)) {
    log::Warning("dashboard_chart_library_missing",
                 {{"chart_js", options.chart_js_path},
                  {"fix",
                   "run scripts/setup.sh (npm installs chart.js into tools/) or pass "
                   "--chart_js"}});
  }
}

// GET /metrics (Prometheus text), the dashboard's files and Chart.js.
void RouteMetricsAndDashboard(httplib::Server& server, const HttpServerOptions& options,
                              MetricsRegistry* metrics) {
  server.Get("/metrics", [metrics](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content(metrics->RenderText(), kPrometheusContentType);
  });
  for (const Asset& asset : kAssets) {
    const std::string path = (std::filesystem::path(options.dashboard_dir) / asset.file).string();
    const char* type = asset.content_type;
    server.Get(asset.path, [path, type](const httplib::Request&, httplib::Response& res) {
      SecurityHeaders(res);
      ServeFile(res, path, type, "the dashboard's files (hubd --dashboard_dir)");
    });
  }
  server.Get("/chart.umd.js",
             [path = options.chart_js_path](const httplib::Request&, httplib::Response& res) {
               SecurityHeaders(res);
               ServeFile(res, path, "text/javascript; charset=utf-8",
                         "the Chart.js library (run scripts/setup.sh, or pass hubd --chart_js)");
             });
}

// GET /api/summary, /api/alerts and /api/config: the monitor as JSON.
void RouteMonitorApi(httplib::Server& server, Monitor* monitor) {
  server.Get("/api/summary", [monitor](const httplib::Request& req, httplib::Response& res) {
    SecurityHeaders(res);
    hub::v1::GetSummaryRequest request;
    if (req.has_param("window_seconds")) {
      int64_t window = 0;
      if (!absl::SimpleAtoi(req.get_param_value("window_seconds"), &window)) {
        Error(res, 400, "window_seconds must be a number of seconds (60 to 2678400), or 0");
        return;
      }
      request.set_window_seconds(window);
    }
    absl::StatusOr<hub::v1::GetSummaryResponse> response = GetMonitorSummary(*monitor, request);
    if (!response.ok()) {
      Error(res, HttpStatusOf(response.status()), std::string(response.status().message()));
      return;
    }
    Json(res, *response);
  });
  server.Get("/api/alerts", [monitor](const httplib::Request& req, httplib::Response& res) {
    SecurityHeaders(res);
    hub::v1::ListAlertEventsRequest request;
    if (req.has_param("page_token")) request.set_page_token(req.get_param_value("page_token"));
    absl::StatusOr<hub::v1::ListAlertEventsResponse> response =
        ListMonitorAlertEvents(*monitor, request);
    if (!response.ok()) {
      Error(res, HttpStatusOf(response.status()), std::string(response.status().message()));
      return;
    }
    Json(res, *response);
  });
  server.Get("/api/config", [monitor](const httplib::Request&, httplib::Response& res) {
    SecurityHeaders(res);
    Json(res, monitor->config());
  });
}

// Binds `server` to host:port (port 0: any free port). The bound port;
// Unavailable if it is in use or the address is not on this machine.
absl::StatusOr<int> Bind(httplib::Server& server, const std::string& host, int port,
                         const std::string& listen_address) {
  if (port == 0) {
    port = server.bind_to_any_port(host);
    if (port <= 0) port = 0;
  } else if (!server.bind_to_port(host, port)) {
    port = 0;
  }
  if (port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen for HTTP on ", listen_address,
                     ": the port is in use or the address is not on this machine; choose another "
                     "--http_listen"));
  }
  return port;
}

}  // namespace

absl::Status SplitHostPort(const std::string& address, std::string* host, int* port) {
  auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "HTTP listen address \"", address,
        "\" is not HOST:PORT (e.g. 127.0.0.1:8080, 0.0.0.0:8080, [::1]:8080; port 0 = any)"));
  };
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) return bad();
  std::string h = address.substr(0, colon);
  if (h.front() == '[') {
    if (h.size() < 3 || h.back() != ']') return bad();
    h = h.substr(1, h.size() - 2);
  } else if (h.find(':') != std::string::npos) {
    return bad();
  }
  int p = 0;
  if (!absl::SimpleAtoi(address.substr(colon + 1), &p) || p < 0 || p > 65535) return bad();
  *host = std::move(h);
  *port = p;
  return absl::OkStatus();
}

HttpServer::HttpServer() = default;

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Stop() {
  if (server_ == nullptr) return;
  server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(HttpServerOptions options,
                                                              Monitor* monitor,
                                                              MetricsRegistry* metrics) {
  std::string host;
  int port = 0;
  if (absl::Status split = SplitHostPort(options.listen_address, &host, &port); !split.ok()) {
    return split;
  }
  std::unique_ptr<HttpServer> http(new HttpServer());
  ASSIGN_OR_RETURN(http->server_, MakeServer(options));
  httplib::Server& server = *http->server_;
  if (options.authorize) RequireAllowedClient(server, options.authorize);
  SetLimits(server, options.threads);
  WarnOfMissingDashboardFiles(options);
  RouteMetricsAndDashboard(server, options, metrics);
  RouteMonitorApi(server, monitor);
  ASSIGN_OR_RETURN(http->port_, Bind(server, host, port, options.listen_address));
  http->thread_ = std::thread([&server] { server.listen_after_bind(); });
  // httplib's stop() does nothing before the accept loop runs: wait for it
  // so that Stop always stops it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!server.is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!server.is_running()) {
    return absl::UnavailableError("the HTTP server did not start; see hubd's log");
  }
  return http;
}

}  // namespace hub
