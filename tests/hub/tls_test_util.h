// A throwaway county PKI for tests (scripts/pki.sh, the openssl CLI, into a
// temp folder) and an in-process hub serving mutual TLS with it.
#ifndef HUB_TESTS_HUB_TLS_TEST_UTIL_H_
#define HUB_TESTS_HUB_TLS_TEST_UTIL_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "hub/server/server.h"

namespace hub::testing {

// Certificates made for the small seed (hub_test_util.h: SmallSeedText):
//   molina, aetna          urn:hub:plan:<id>
//   alpha_cbo, bravo_housing  urn:hub:provider:<id>
//   admin, analyst         urn:hub:county:<name>
//   ghost                  urn:hub:plan:ghost (not in the directory)
//   nouri                  a client certificate without a hub URI
//   expired                molina's URI, valid only in 2020
//   revoked                alpha_cbo's URI, revoked in the CA's CRL
//   stranger               molina's URI, signed by ANOTHER CA
//   hub                    the server certificate (localhost, 127.0.0.1)
struct TestPki {
  std::string dir;  // DIR/<name>/{tls.crt,tls.key,ca.crt}, DIR/ca.crt, DIR/crl.pem
  std::string Dir(std::string_view name) const;
};

// Builds the PKI above (fails the test on error).
TestPki MakeTestPki();

struct TlsTestHub {
  std::string root;
  std::unique_ptr<HubServer> server;
  std::string address() const;
  // A channel presenting `name`'s certificate (or none if empty), trusting
  // the county CA.
  std::shared_ptr<grpc::Channel> Channel(const TestPki& pki, std::string_view name) const;
};

// A hub over mutual TLS with `pki` (its CRL too) and `seed_text`.
std::unique_ptr<TlsTestHub> StartTlsTestHub(const TestPki& pki, std::string_view seed_text);
// The same in `root` ("" = a new temp folder; data in root/data, which may
// hold a store already), with `adjust` changing the options before Start.
std::unique_ptr<TlsTestHub> StartTlsTestHub(const TestPki& pki, std::string_view seed_text,
                                            std::string root,
                                            const std::function<void(HubServer::Options&)>& adjust);

// Issues one more client certificate (pki.dir/<name>/) naming `uri`.
void AddClientCertificate(const TestPki& pki, std::string_view name, std::string_view uri);
// Revokes pki.dir/<name>/tls.crt and rewrites pki.dir/crl.pem.
void RevokeCertificate(const TestPki& pki, std::string_view name);

}  // namespace hub::testing

#endif  // HUB_TESTS_HUB_TLS_TEST_UTIL_H_
