// hubctl's identity commands and TLS options (kept out of hubctl.cc):
//
//   hubctl consent grant --member=CIN --purposes=tpo|care_coordination|payment[,...]
//                        --signed=YYYY-MM-DD --expires=YYYY-MM-DD
//                        [--provider=ID] [--discloser=ID|any] [--recipient=PLAN]
//   hubctl consent revoke CONSENT_ID [--provider=ID]
//   hubctl consent list [--member=CIN] [--provider=ID]
//   hubctl audit verify
//   hubctl audit query [--org=ORG] [--member=CIN|mbr_...] [--since=T] [--until=T]
//
// --provider names the acting provider (its certificate must match); the
// county administrator omits it. Times are RFC 3339, e.g.
// 2026-11-23T00:00:00Z.
//
// TLS: global flags --tls_cert_file, --tls_key_file, --tls_ca_file,
// --tls_server_name, or --tls_dir=DIR (a profile folder holding tls.crt,
// tls.key and ca.crt, the layout of a Kubernetes TLS secret), else the
// environment: HUB_TLS_DIR, HUB_TLS_CERT_FILE, HUB_TLS_KEY_FILE,
// HUB_TLS_CA_FILE, HUB_TLS_SERVER_NAME. Without any, hubctl speaks
// plaintext (to a hubd started with --insecure_loopback).
#ifndef HUB_HUB_CLI_HUBCTL_IDENTITY_H_
#define HUB_HUB_CLI_HUBCTL_IDENTITY_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "auth/tls.h"

namespace hub {

// True if `name` is one of hubctl's global TLS flags.
bool IsTlsFlag(const std::string& name);

// The client TLS files from the global flags given (name -> value) and the
// environment (flags win). A --tls_dir / HUB_TLS_DIR fills the files it
// holds.
auth::TlsClientFiles TlsFromFlagsAndEnv(const std::map<std::string, std::string>& flags);

// A channel to `server`: mutual TLS if `tls` is enabled, else plaintext.
absl::StatusOr<std::shared_ptr<grpc::Channel>> HubctlChannel(const std::string& server,
                                                             const auth::TlsClientFiles& tls);

struct IdentityCommandInput {
  std::shared_ptr<grpc::Channel> channel;
  std::map<std::string, std::string> flags;
  std::vector<std::string> args;
};

// `hubctl consent ...` and `hubctl audit ...`; exit codes as hubctl.h.
int RunConsentCommand(const IdentityCommandInput& in, std::ostream& out, std::ostream& err);
int RunAuditCommand(const IdentityCommandInput& in, std::ostream& out, std::ostream& err);

}  // namespace hub

#endif  // HUB_HUB_CLI_HUBCTL_IDENTITY_H_
