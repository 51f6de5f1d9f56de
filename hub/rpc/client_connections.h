// Closing the open connections of a revoked client certificate, so that a
// revocation ends a client's session within the CRL poll interval and not
// at the idle limit.
//
// gRPC gives a server no handle on its connections. So the hub remembers,
// from every call, which client connection (its peer address, as
// grpc::ServerContext::peer() names it) carried which certificate serial;
// when a CRL reload revokes a serial, the hub finds the sockets it accepted
// from those addresses among the process's open file descriptors and shuts
// them down (shutdown(2), never close(2): gRPC still owns the descriptor).
// gRPC then sees the connection end and frees it; the client must connect
// again, and the TLS handshake now refuses its certificate.
//
// Not covered: a connection that never carried a call is unknown here. It
// can do nothing (the AccessGate refuses its every call) and the server's
// idle limit closes it.
//
// Thread safety: safe for concurrent use.
#ifndef HUB_HUB_RPC_CLIENT_CONNECTIONS_H_
#define HUB_HUB_RPC_CLIENT_CONNECTIONS_H_

#include <grpcpp/support/server_interceptor.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace hub {

class ClientConnections {
 public:
  // Bounds on what is remembered: a county has some hundred organizations
  // with a few certificates each. Beyond the peers of one certificate the
  // oldest is forgotten (a client that reconnects gets a new port).
  static constexpr size_t kMaxPeersPerCertificate = 64;
  static constexpr size_t kMaxCertificates = 16384;

  // The port the hub's gRPC server listens on (0 until it listens): only
  // sockets on it are ever shut down.
  void SetLocalPort(int port) { local_port_.store(port, std::memory_order_release); }

  // Remembers that the connection from `peer` ("ipv4:10.0.0.7:51234")
  // carries calls of the certificate `serial`.
  void Remember(std::string_view serial, std::string_view peer);

  // Shuts down the hub's connections remembered for each of `serials` and
  // forgets them. Returns how many sockets were shut down.
  int CloseConnectionsOf(const std::vector<std::string>& serials);

  // A gRPC server interceptor factory that remembers the serial and peer
  // of every call with a client certificate. It creates no interceptor (so
  // costs nothing per message): the work is done when a call starts.
  // `connections` is not owned and must outlive the server.
  static std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> Recorder(
      ClientConnections* connections);

 private:
  std::atomic<int> local_port_{0};
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::vector<std::string>> peers_ ABSL_GUARDED_BY(mu_);
};

// Shuts down (SHUT_RDWR) every TCP socket of this process whose local port
// is `local_port` and whose remote address is `peer`, as gRPC names peers:
// "ipv4:ADDRESS:PORT" or "ipv6:[ADDRESS]:PORT" (brackets possibly
// percent-encoded). Returns how many. InvalidArgument if `peer` is not such
// an address (e.g. "unix:..."); Internal if the process's descriptors cannot
// be listed (no /proc).
absl::StatusOr<int> ShutdownConnectionsFrom(std::string_view peer, int local_port);

}  // namespace hub

#endif  // HUB_HUB_RPC_CLIENT_CONNECTIONS_H_
