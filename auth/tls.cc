#include "auth/tls.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/auth_metadata_processor.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"

namespace hub::auth {
namespace {

std::string SerialHex(const ASN1_INTEGER* serial) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(serial, nullptr);
  if (bn == nullptr) return "";
  char* hex = BN_bn2hex(bn);
  std::string out = hex == nullptr ? "" : hex;
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

// Normalizes a hex serial: uppercase, no "serial=" / "0x", no ':' or
// spaces, no leading zeros.
std::string NormalizeSerial(std::string_view text) {
  std::string s = absl::AsciiStrToUpper(
      absl::StripAsciiWhitespace(absl::string_view(text.data(), text.size())));
  for (std::string_view prefix : {"SERIAL=", "0X"}) {
    if (s.rfind(prefix, 0) == 0) s = s.substr(prefix.size());
  }
  std::string out;
  for (char c : s) {
    if (c == ':' || c == ' ') continue;
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return "";
    out.push_back(c);
  }
  size_t first = out.find_first_not_of('0');
  return first == std::string::npos ? (out.empty() ? "" : "0") : out.substr(first);
}

// Rejects a client certificate whose serial is revoked now.
class RevocationVerifier final : public grpc::experimental::ExternalCertificateVerifier {
 public:
  explicit RevocationVerifier(std::shared_ptr<const RevocationList> revoked)
      : revoked_(std::move(revoked)) {}

  bool Verify(grpc::experimental::TlsCustomVerificationCheckRequest* request,
              std::function<void(grpc::Status)> /*callback*/, grpc::Status* sync_status) override {
    const grpc::string_ref pem = request->peer_cert();
    absl::StatusOr<std::string> serial = CertificateSerial(std::string(pem.data(), pem.size()));
    if (!serial.ok()) {
      *sync_status =
          grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "the client certificate does not parse");
    } else if (revoked_->IsRevoked(*serial)) {
      *sync_status =
          grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "the client certificate is revoked");
    } else {
      *sync_status = grpc::Status::OK;
    }
    return true;  // Synchronous.
  }

  void Cancel(grpc::experimental::TlsCustomVerificationCheckRequest*) override {}

 private:
  const std::shared_ptr<const RevocationList> revoked_;
};

}  // namespace

absl::StatusOr<std::string> ReadPemFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat(what, ": cannot read ", path, "; check the path and its permissions"));
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::StatusOr<std::string> CertificateSerial(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = bio == nullptr ? nullptr : PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (cert == nullptr) return absl::InvalidArgumentError("the certificate does not parse");
  std::string serial = SerialHex(X509_get0_serialNumber(cert));
  X509_free(cert);
  return NormalizeSerial(serial);
}

absl::StatusOr<std::set<std::string>> LoadRevokedSerials(const std::string& crl_file,
                                                         const std::string& ca_pem) {
  ASSIGN_OR_RETURN(std::string bytes, ReadPemFile(crl_file, "--crl_file"));
  // An empty file is most likely one being rewritten (or a mistake); taken
  // as a deny list it would lift every revocation.
  if (absl::StripAsciiWhitespace(bytes).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--crl_file ", crl_file,
        " is empty, which would lift every revocation; the revocations in force stay. Give the "
        "county CA's CRL, or a deny list; to lift every revocation on purpose, write a deny "
        "list with only a comment line (\"# no revocations\")"));
  }
  // An X.509 CRL, PEM or DER.
  X509_CRL* crl = nullptr;
  {
    BIO* bio = BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size()));
    crl = PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (crl == nullptr) {
      const unsigned char* p = reinterpret_cast<const unsigned char*>(bytes.data());
      crl = d2i_X509_CRL(nullptr, &p, static_cast<long>(bytes.size()));
    }
  }
  std::set<std::string> revoked;
  if (crl != nullptr) {
    BIO* ca_bio = BIO_new_mem_buf(ca_pem.data(), static_cast<int>(ca_pem.size()));
    X509* ca = PEM_read_bio_X509(ca_bio, nullptr, nullptr, nullptr);
    BIO_free(ca_bio);
    EVP_PKEY* key = ca == nullptr ? nullptr : X509_get0_pubkey(ca);
    const bool signed_by_ca = key != nullptr && X509_CRL_verify(crl, key) == 1;
    if (signed_by_ca) {
      STACK_OF(X509_REVOKED)* list = X509_CRL_get_REVOKED(crl);
      for (int i = 0; list != nullptr && i < sk_X509_REVOKED_num(list); ++i) {
        revoked.insert(NormalizeSerial(
            SerialHex(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(list, i)))));
      }
    }
    X509_free(ca);
    X509_CRL_free(crl);
    if (!signed_by_ca) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--crl_file ", crl_file,
          " is a CRL that the county CA (--tls_client_ca_file) did not sign; use the CA's CRL"));
    }
    return revoked;
  }
  if (absl::StrContains(bytes, "-----BEGIN")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--crl_file ", crl_file,
        " is PEM but not a whole X.509 CRL (cut short, still being written, or another kind of "
        "PEM); the revocations in force stay. Give the county CA's CRL "
        "(`openssl ca -gencrl`)"));
  }
  // A deny list of serials. Its last line must end with a newline: a file
  // cut short (still being written, or a failed copy) would otherwise drop
  // the serials after the cut and lift their revocations.
  if (bytes.back() != '\n') {
    return absl::InvalidArgumentError(absl::StrCat(
        "--crl_file ", crl_file,
        " ends in the middle of a line, as a file cut short or still being written does; the "
        "revocations in force stay. End every line of the deny list with a newline"));
  }
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(bytes, '\n')) {
    ++line_number;
    if (size_t hash = line.find('#'); hash != absl::string_view::npos) line = line.substr(0, hash);
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    std::string serial = NormalizeSerial(std::string_view(line.data(), line.size()));
    if (serial.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--crl_file ", crl_file, " line ", line_number,
                       " is neither a CRL nor a hex serial number; write one serial per line (as "
                       "`openssl x509 -noout -serial` prints it) or give an X.509 CRL"));
    }
    revoked.insert(std::move(serial));
  }
  return revoked;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsServerFiles& files, std::shared_ptr<grpc::AuthMetadataProcessor> gate,
    std::shared_ptr<const RevocationList> revocations) {
  if (files.cert_file.empty() || files.key_file.empty() || files.client_ca_file.empty()) {
    return absl::InvalidArgumentError(
        "TLS needs --tls_cert_file, --tls_key_file and --tls_client_ca_file together");
  }
  ASSIGN_OR_RETURN(std::string cert, ReadPemFile(files.cert_file, "--tls_cert_file"));
  ASSIGN_OR_RETURN(std::string key, ReadPemFile(files.key_file, "--tls_key_file"));
  ASSIGN_OR_RETURN(std::string ca, ReadPemFile(files.client_ca_file, "--tls_client_ca_file"));
  if (!CertificateSerial(cert).ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls_cert_file ", files.cert_file, " is not a PEM certificate"));
  }
  if (!CertificateSerial(ca).ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls_client_ca_file ", files.client_ca_file, " is not a PEM certificate"));
  }
  if (revocations == nullptr) {
    std::set<std::string> revoked;
    if (!files.crl_file.empty()) {
      ASSIGN_OR_RETURN(revoked, LoadRevokedSerials(files.crl_file, ca));
    }
    revocations = std::make_shared<const RevocationList>(std::move(revoked));
  }
  auto provider = std::make_shared<grpc::experimental::StaticDataCertificateProvider>(
      ca, std::vector<grpc::experimental::IdentityKeyCertPair>{{key, cert}});
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.set_certificate_verifier(
      grpc::experimental::ExternalCertificateVerifier::Create<RevocationVerifier>(
          std::move(revocations)));
  std::shared_ptr<grpc::ServerCredentials> credentials =
      grpc::experimental::TlsServerCredentials(options);
  if (credentials == nullptr) {
    return absl::InvalidArgumentError(
        "the TLS files do not make server credentials; check that the key matches the "
        "certificate");
  }
  if (gate != nullptr) credentials->SetAuthMetadataProcessor(std::move(gate));
  return credentials;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeTlsChannel(const std::string& address,
                                                              const TlsClientFiles& files) {
  grpc::SslCredentialsOptions ssl;
  if (!files.ca_file.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadPemFile(files.ca_file, "--tls_ca_file"));
  }
  if (!files.cert_file.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_cert_chain, ReadPemFile(files.cert_file, "--tls_cert_file"));
  }
  if (!files.key_file.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_private_key, ReadPemFile(files.key_file, "--tls_key_file"));
  }
  grpc::ChannelArguments args;
  if (!files.server_name.empty()) {
    args.SetSslTargetNameOverride(files.server_name);
  }
  return grpc::CreateCustomChannel(address, grpc::SslCredentials(ssl), args);
}

}  // namespace hub::auth
