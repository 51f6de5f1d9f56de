#include "auth/transport_policy.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace hub::auth {
namespace {

constexpr char kShape[] =
    "listen address must be HOST:PORT, e.g. 127.0.0.1:50051 or [::1]:50051 "
    "(port 0 picks a free port)";

struct HostPort {
  std::string host;
  int port = 0;
};

bool ParsePort(std::string_view text, int* port) {
  if (text.empty() || text.size() > 5) return false;
  int value = 0;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
    value = value * 10 + (c - '0');
  }
  if (value > 65535) return false;
  *port = value;
  return true;
}

absl::Status SplitHostPort(std::string_view address, HostPort* out) {
  std::string_view host;
  std::string_view port;
  if (!address.empty() && address.front() == '[') {
    size_t close = address.find(']');
    if (close == std::string_view::npos || close + 1 >= address.size() ||
        address[close + 1] != ':') {
      return absl::InvalidArgumentError(kShape);
    }
    host = address.substr(1, close - 1);
    port = address.substr(close + 2);
  } else {
    size_t colon = address.rfind(':');
    if (colon == std::string_view::npos) return absl::InvalidArgumentError(kShape);
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return absl::InvalidArgumentError(
          "write an IPv6 listen address in brackets, e.g. [::1]:50051");
    }
  }
  if (host.empty() || !ParsePort(port, &out->port)) {
    return absl::InvalidArgumentError(kShape);
  }
  out->host = std::string(host);
  return absl::OkStatus();
}

bool IsLoopbackHost(const std::string& host) {
  if (absl::AsciiStrToLower(host) == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    // IPv4-mapped ::ffff:127.x.y.z.
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

}  // namespace

absl::Status CheckListenAddress(std::string_view address, bool tls_enabled) {
  HostPort hp;
  if (absl::Status s = SplitHostPort(address, &hp); !s.ok()) return s;
  if (tls_enabled || IsLoopbackHost(hp.host)) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("refusing to listen on ", std::string(address),
                   " without TLS: TLS is required off loopback because the hub carries "
                   "member data; listen on 127.0.0.1:",
                   hp.port, " (or [::1], localhost) until TLS is configured"));
}

}  // namespace hub::auth
