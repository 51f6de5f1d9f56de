#include "tests/hub/tls_test_util.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "auth/tls.h"
#include "gtest/gtest.h"
#include "tests/hub/hub_test_util.h"

#ifndef HUB_SOURCE_DIR
#error "HUB_SOURCE_DIR must name the source tree (scripts/pki.sh)"
#endif

namespace hub::testing {
namespace {

void Pki(const std::string& args) {
  const std::string command =
      absl::StrCat("bash '", HUB_SOURCE_DIR, "/scripts/pki.sh' ", args, " >/dev/null 2>&1");
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

}  // namespace

std::string TestPki::Dir(std::string_view name) const { return dir + "/" + std::string(name); }

TestPki MakeTestPki() {
  TestPki pki;
  pki.dir = MakeTempDir() + "/pki";
  const std::string d = "'" + pki.dir + "'";
  Pki("ca " + d);
  Pki("server " + d + " hub");
  Pki("client " + d + " molina urn:hub:plan:molina");
  Pki("client " + d + " aetna urn:hub:plan:aetna");
  Pki("client " + d + " alpha_cbo urn:hub:provider:alpha_cbo");
  Pki("client " + d + " bravo_housing urn:hub:provider:bravo_housing");
  Pki("client " + d + " admin urn:hub:county:admin");
  Pki("client " + d + " analyst urn:hub:county:analyst");
  Pki("client " + d + " ghost urn:hub:plan:ghost");
  Pki("client " + d + " nouri https://example.org/not-a-hub-identity");
  Pki("expired " + d + " expired urn:hub:plan:molina");
  Pki("client " + d + " revoked urn:hub:provider:alpha_cbo");
  Pki("revoke " + d + " revoked");
  // Another CA's certificate for molina.
  const std::string other = "'" + pki.dir + "/other_ca'";
  Pki("ca " + other);
  Pki("client " + other + " stranger urn:hub:plan:molina");
  const std::string copy =
      absl::StrCat("cp -r '", pki.dir, "/other_ca/stranger' '", pki.dir, "/stranger' && cp '",
                   pki.dir, "/ca.crt' '", pki.dir, "/stranger/ca.crt'");
  EXPECT_EQ(std::system(copy.c_str()), 0);
  return pki;
}

std::string TlsTestHub::address() const { return absl::StrCat("127.0.0.1:", server->port()); }

std::shared_ptr<grpc::Channel> TlsTestHub::Channel(const TestPki& pki,
                                                   std::string_view name) const {
  auth::TlsClientFiles files;
  files.ca_file = pki.dir + "/ca.crt";
  if (!name.empty()) {
    files.cert_file = pki.Dir(name) + "/tls.crt";
    files.key_file = pki.Dir(name) + "/tls.key";
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = auth::MakeTlsChannel(address(), files);
  EXPECT_TRUE(channel.ok()) << channel.status();
  return channel.ok() ? *channel : nullptr;
}

std::unique_ptr<TlsTestHub> StartTlsTestHub(const TestPki& pki, std::string_view seed_text) {
  return StartTlsTestHub(pki, seed_text, "", nullptr);
}

void AddClientCertificate(const TestPki& pki, std::string_view name, std::string_view uri) {
  Pki(absl::StrCat("client '", pki.dir, "' ", std::string(name), " ", std::string(uri)));
}

void RevokeCertificate(const TestPki& pki, std::string_view name) {
  Pki(absl::StrCat("revoke '", pki.dir, "' ", std::string(name)));
}

std::unique_ptr<TlsTestHub> StartTlsTestHub(
    const TestPki& pki, std::string_view seed_text, std::string root,
    const std::function<void(HubServer::Options&)>& adjust) {
  auto hub = std::make_unique<TlsTestHub>();
  hub->root = root.empty() ? MakeTempDir() : std::move(root);
  HubServer::Options options;
  options.listen_address = "127.0.0.1:0";
  options.data_dir = hub->root + "/data";
  options.backup_dir = hub->root + "/backups";
  options.clock = [] { return FixedTime(); };
  options.seed_path = hub->root + "/seed.textproto";
  WriteFile(options.seed_path, seed_text);
  options.tls.cert_file = pki.Dir("hub") + "/tls.crt";
  options.tls.key_file = pki.Dir("hub") + "/tls.key";
  options.tls.client_ca_file = pki.dir + "/ca.crt";
  options.tls.crl_file = pki.dir + "/crl.pem";
  options.health_listen_address = "127.0.0.1:0";
  if (adjust) adjust(options);
  absl::StatusOr<std::unique_ptr<HubServer>> server = HubServer::Start(options);
  EXPECT_TRUE(server.ok()) << server.status();
  if (!server.ok()) return nullptr;
  hub->server = *std::move(server);
  return hub;
}

}  // namespace hub::testing
