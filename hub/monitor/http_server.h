// hubd's HTTP side (--http_listen), on cpp-httplib with its own threads:
//
//   GET /metrics            Prometheus text format 0.0.4 (hub/common/metrics.h)
//   GET /                   the county dashboard (index.html of dashboard_dir)
//   GET /dashboard.js, /dashboard.css   its script and style
//   GET /chart.umd.js       the chart library (chart_js_path: Chart.js from
//                           npm, tools/node_modules, or Debian's
//                           libjs-chart.js in the container image)
//   GET /api/summary[?window_seconds=N]  hub.v1.GetSummaryResponse as JSON
//                           (MonitorService.GetSummary's body)
//   GET /api/alerts         hub.v1.ListAlertEventsResponse as JSON
//   GET /api/config         the monitor's hub.v1.MonitorConfig as JSON
//
// Everything served is aggregate: ids, codes, counts, times, thresholds;
// never a member's data. Only the files named above are served.
//
// With tls_cert_file set, the port speaks HTTPS with mutual TLS: clients
// present a certificate of the county CA (not revoked: the handshake fails
// otherwise) and `authorize` decides from it (hubd: county analysts and
// administrators; others get 403). hubd requires this off loopback.
//
// Thread safety: Start/Stop from one thread; requests run on the server's
// pool. The monitor and registry must outlive the server.
#ifndef HUB_HUB_MONITOR_HTTP_SERVER_H_
#define HUB_HUB_MONITOR_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "auth/revocation.h"
#include "hub/common/metrics.h"
#include "hub/monitor/monitor.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace hub {

struct HttpServerOptions {
  // HOST:PORT ("[::1]:8080" for IPv6); port 0 picks a free port.
  std::string listen_address;
  // Folder holding index.html, dashboard.js and dashboard.css.
  std::string dashboard_dir;
  // The Chart.js UMD bundle served as /chart.umd.js.
  std::string chart_js_path;
  // Request threads.
  int threads = 8;
  // Mutual TLS: the hub's certificate chain and key and the CA that signs
  // client certificates (PEM files); empty tls_cert_file = plain HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  // With TLS: the revocations in force (not owned; null = none) and who may
  // read, from the verified client certificate (PEM): OK, or an error whose
  // code picks 401 (UNAUTHENTICATED) or 403 and whose message is the body.
  const auth::RevocationList* revocations = nullptr;
  std::function<absl::Status(const std::string& peer_certificate_pem)> authorize;
};

class HttpServer {
 public:
  // Binds and starts serving. InvalidArgument for a malformed address,
  // Unavailable if it cannot be bound. A missing dashboard folder or chart
  // library is logged (the dashboard then answers 404 with what to install)
  // but /metrics still serves.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(HttpServerOptions options,
                                                           Monitor* monitor,
                                                           MetricsRegistry* metrics);
  // Stops (see Stop).
  ~HttpServer();

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port.
  int port() const { return port_; }

  // Stops accepting, finishes the requests in progress, joins the threads.
  // Idempotent.
  void Stop();

 private:
  HttpServer();

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

// Splits "HOST:PORT" / "[V6]:PORT" into host (without brackets) and port.
// InvalidArgument otherwise.
absl::Status SplitHostPort(const std::string& address, std::string* host, int* port);

}  // namespace hub

#endif  // HUB_HUB_MONITOR_HTTP_SERVER_H_
