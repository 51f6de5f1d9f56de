// Mutual TLS for the hub: the server's credentials (its certificate, the
// county CA that signs client certificates, an optional revocation list)
// and clients' credentials (hubctl, tests).
//
// Client certificates are required and verified against the county CA
// during the handshake (a missing certificate, another CA or an expired
// certificate fails the handshake: the client sees UNAVAILABLE). A revoked
// certificate fails it too: --crl_file is either
//   * an X.509 CRL (PEM or DER) signed by the county CA, or
//   * a deny list: text, one certificate serial number per line in hex
//     (as `openssl x509 -serial` prints it, with or without "serial="),
//     '#' starts a comment.
// The revocation check runs in a gRPC certificate verifier (gRPC 1.51's own
// CRL support wants a hashed CRL directory; a file is simpler to mount)
// against a RevocationList (auth/revocation.h) that CrlWatcher replaces
// while the hub runs.
#ifndef HUB_AUTH_TLS_H_
#define HUB_AUTH_TLS_H_

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "auth/revocation.h"

namespace grpc {
class AuthMetadataProcessor;
}  // namespace grpc

namespace hub::auth {

struct TlsServerFiles {
  std::string cert_file;       // PEM server certificate (chain)
  std::string key_file;        // PEM private key
  std::string client_ca_file;  // PEM county CA (signs client certificates)
  std::string crl_file;        // optional: CRL or deny list (see above)
  bool enabled() const { return !cert_file.empty(); }
};

// Serial numbers (uppercase hex, no leading zeros) revoked by a CRL or a
// deny list (see the file comment). A CRL's signature is checked against
// `ca_pem`. InvalidArgument if the file is neither, is empty (a deny list
// that lifts every revocation has at least a comment line), or is a deny
// list whose last line has no newline (a file cut short).
absl::StatusOr<std::set<std::string>> LoadRevokedSerials(const std::string& crl_file,
                                                         const std::string& ca_pem);

// The serial number of a PEM certificate, uppercase hex without leading
// zeros; InvalidArgument if it does not parse.
absl::StatusOr<std::string> CertificateSerial(const std::string& pem);

// Server credentials requiring and verifying client certificates, with
// `gate` as the auth metadata processor (may be null) and `revocations` as
// the list every handshake checks (null: the one files.crl_file holds now,
// fixed). InvalidArgument / NotFound naming the flag's file when a file is
// missing or unusable.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsServerFiles& files, std::shared_ptr<grpc::AuthMetadataProcessor> gate,
    std::shared_ptr<const RevocationList> revocations = nullptr);

struct TlsClientFiles {
  std::string cert_file;  // PEM client certificate
  std::string key_file;   // PEM private key
  std::string ca_file;    // PEM CA that signed the hub's certificate
  // Name to check the hub's certificate against instead of the host of the
  // address (e.g. "localhost" when dialing 127.0.0.1); empty = the host.
  std::string server_name;
  bool enabled() const { return !ca_file.empty() || !cert_file.empty(); }
};

// A channel to `address` over mutual TLS. NotFound/InvalidArgument naming
// the file if one cannot be read.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeTlsChannel(const std::string& address,
                                                              const TlsClientFiles& files);

// Reads a whole file; NotFound names `what` (e.g. "--tls_cert_file").
absl::StatusOr<std::string> ReadPemFile(const std::string& path, const std::string& what);

}  // namespace hub::auth

#endif  // HUB_AUTH_TLS_H_
