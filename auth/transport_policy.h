// Transport policy: where hubd may listen without TLS.
//
// Until mutual TLS is configured, the hub carries PHI only over loopback:
// a plaintext listener on any other interface would put member data on the
// network in the clear.
#ifndef HUB_AUTH_TRANSPORT_POLICY_H_
#define HUB_AUTH_TRANSPORT_POLICY_H_

#include <string_view>

#include "absl/status/status.h"

namespace hub::auth {

// Checks a gRPC listen address ("HOST:PORT", IPv6 hosts in brackets:
// "[::1]:50051"; port 0 asks the OS for a free port).
//
// OK if the address is well formed and either `tls_enabled` is true or the
// host is loopback: 127.0.0.0/8, ::1 (also written in full or as an
// IPv4-mapped 127.x address), or "localhost".
// InvalidArgument if the address is not HOST:PORT with a port 0..65535.
// FailedPrecondition if it is plaintext off loopback; the message says that
// TLS is required and how to fix the address.
//
// Pure function; thread-safe.
absl::Status CheckListenAddress(std::string_view address, bool tls_enabled);

}  // namespace hub::auth

#endif  // HUB_AUTH_TRANSPORT_POLICY_H_
