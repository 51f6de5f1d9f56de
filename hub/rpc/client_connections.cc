#include "hub/rpc/client_connections.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <grpcpp/server_context.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_replace.h"
#include "auth/revocation.h"

namespace hub {
namespace {

// An IPv4 or IPv6 address and port; IPv4-mapped IPv6 addresses are kept as
// IPv4 (gRPC names them so).
struct PeerAddress {
  int family = AF_UNSPEC;
  unsigned char bytes[16] = {};
  int port = 0;
  bool operator==(const PeerAddress& other) const {
    const size_t n = family == AF_INET ? 4 : 16;
    return family == other.family && port == other.port && std::memcmp(bytes, other.bytes, n) == 0;
  }
};

bool ParsePeer(std::string_view peer, PeerAddress* out) {
  std::string rest;
  if (peer.substr(0, 5) == "ipv4:") {
    out->family = AF_INET;
  } else if (peer.substr(0, 5) == "ipv6:") {
    out->family = AF_INET6;
  } else {
    return false;
  }
  rest = absl::StrReplaceAll(std::string(peer.substr(5)), {{"%5B", "["}, {"%5D", "]"}});
  const size_t colon = rest.rfind(':');
  if (colon == std::string::npos) return false;
  if (!absl::SimpleAtoi(rest.substr(colon + 1), &out->port) || out->port <= 0 ||
      out->port > 65535) {
    return false;
  }
  std::string host = rest.substr(0, colon);
  if (out->family == AF_INET6) {
    if (host.size() < 2 || host.front() != '[' || host.back() != ']') return false;
    host = host.substr(1, host.size() - 2);
    if (const size_t zone = host.find('%'); zone != std::string::npos) host.resize(zone);
  }
  return inet_pton(out->family, host.c_str(), out->bytes) == 1;
}

bool FromSockaddr(const sockaddr_storage& address, PeerAddress* out) {
  if (address.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
    out->family = AF_INET;
    std::memcpy(out->bytes, &v4.sin_addr, 4);
    out->port = ntohs(v4.sin_port);
    return true;
  }
  if (address.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
    out->port = ntohs(v6.sin6_port);
    if (IN6_IS_ADDR_V4MAPPED(&v6.sin6_addr)) {
      out->family = AF_INET;
      std::memcpy(out->bytes, v6.sin6_addr.s6_addr + 12, 4);
    } else {
      out->family = AF_INET6;
      std::memcpy(out->bytes, &v6.sin6_addr, 16);
    }
    return true;
  }
  return false;
}

int LocalPort(int fd) {
  sockaddr_storage local{};
  socklen_t size = sizeof(local);
  PeerAddress address;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &size) != 0 ||
      !FromSockaddr(local, &address)) {
    return -1;
  }
  return address.port;
}

bool RemoteIs(int fd, const PeerAddress& wanted) {
  sockaddr_storage remote{};
  socklen_t size = sizeof(remote);
  PeerAddress address;
  return getpeername(fd, reinterpret_cast<sockaddr*>(&remote), &size) == 0 &&
         FromSockaddr(remote, &address) && address == wanted;
}

class RecorderFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RecorderFactory(ClientConnections* connections) : connections_(connections) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    grpc::ServerContextBase* context = info->server_context();
    if (context == nullptr) return nullptr;
    absl::StatusOr<std::string> serial = auth::PeerCertificateSerial(context->auth_context().get());
    if (serial.ok()) connections_->Remember(*serial, context->peer());
    return nullptr;
  }

 private:
  ClientConnections* const connections_;
};

}  // namespace

void ClientConnections::Remember(std::string_view serial, std::string_view peer) {
  absl::MutexLock lock(&mu_);
  auto it = peers_.find(absl::string_view(serial.data(), serial.size()));
  if (it == peers_.end()) {
    if (peers_.size() >= kMaxCertificates) peers_.clear();
    it = peers_.emplace(std::string(serial), std::vector<std::string>()).first;
  }
  std::vector<std::string>& peers = it->second;
  if (std::find(peers.begin(), peers.end(), peer) != peers.end()) return;
  if (peers.size() >= kMaxPeersPerCertificate) peers.erase(peers.begin());
  peers.emplace_back(peer);
}

int ClientConnections::CloseConnectionsOf(const std::vector<std::string>& serials) {
  std::vector<std::string> peers;
  {
    absl::MutexLock lock(&mu_);
    for (const std::string& serial : serials) {
      auto it = peers_.find(serial);
      if (it == peers_.end()) continue;
      peers.insert(peers.end(), it->second.begin(), it->second.end());
      peers_.erase(it);
    }
  }
  const int port = local_port_.load(std::memory_order_acquire);
  int closed = 0;
  if (port == 0) return closed;
  for (const std::string& peer : peers) {
    absl::StatusOr<int> n = ShutdownConnectionsFrom(peer, port);
    if (n.ok()) closed += *n;
  }
  return closed;
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> ClientConnections::Recorder(
    ClientConnections* connections) {
  return std::make_unique<RecorderFactory>(connections);
}

absl::StatusOr<int> ShutdownConnectionsFrom(std::string_view peer, int local_port) {
  PeerAddress wanted;
  if (!ParsePeer(peer, &wanted)) {
    return absl::InvalidArgumentError("not an ipv4: or ipv6: peer address");
  }
  DIR* fds = opendir("/proc/self/fd");
  if (fds == nullptr) return absl::InternalError("cannot list /proc/self/fd");
  int shut = 0;
  while (const dirent* entry = readdir(fds)) {
    int fd = 0;
    if (!absl::SimpleAtoi(entry->d_name, &fd) || fd == dirfd(fds)) continue;
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    if (LocalPort(fd) != local_port || !RemoteIs(fd, wanted)) continue;
    if (shutdown(fd, SHUT_RDWR) == 0) ++shut;
  }
  closedir(fds);
  return shut;
}

}  // namespace hub
