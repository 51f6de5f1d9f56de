#include "auth/identity.h"

#include <grpcpp/security/auth_context.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/identifiers.h"
#include "base/string_view.h"

namespace hub::auth {
namespace {

bool IsCountyName(std::string_view name) {
  if (name.empty() || name.size() > 48) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kProvider:
      return "provider";
    case Role::kPlan:
      return "plan";
    case Role::kCountyAnalyst:
      return "county_analyst";
    case Role::kCountyAdmin:
      return "county_admin";
  }
  return "unknown";
}

std::string Identity::Organization() const {
  switch (kind) {
    case Kind::kLocal:
      return "local";
    case Kind::kPlan:
      return absl::StrCat("plan:", id);
    case Kind::kProvider:
      return absl::StrCat("provider:", id);
    case Kind::kCounty:
      return absl::StrCat("county:", id);
  }
  return "unknown";
}

std::string IdentityUri(const Identity& identity) {
  return absl::StrCat(Absl(kIdentityUriPrefix), identity.Organization());
}

absl::StatusOr<Identity> ParseIdentityUri(std::string_view uri) {
  const auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", Absl(uri),
                     "\" is not a hub identity; client certificates name urn:hub:plan:<plan_id>, "
                     "urn:hub:provider:<provider_id> or urn:hub:county:<name>"));
  };
  if (uri.substr(0, kIdentityUriPrefix.size()) != kIdentityUriPrefix) return bad();
  std::string_view rest = uri.substr(kIdentityUriPrefix.size());
  const size_t colon = rest.find(':');
  if (colon == std::string_view::npos) return bad();
  const std::string_view kind = rest.substr(0, colon);
  const std::string id(rest.substr(colon + 1));
  Identity identity;
  identity.id = id;
  if (kind == "plan") {
    if (!ValidatePlanId(id).ok()) return bad();
    identity.kind = Identity::Kind::kPlan;
  } else if (kind == "provider") {
    if (!ValidateProviderId(id).ok()) return bad();
    identity.kind = Identity::Kind::kProvider;
  } else if (kind == "county") {
    if (!IsCountyName(id)) return bad();
    identity.kind = Identity::Kind::kCounty;
  } else {
    return bad();
  }
  return identity;
}

namespace {

// The identity named by the hub URIs among a certificate's SAN URIs.
absl::StatusOr<Identity> IdentityFromUris(const std::vector<std::string>& uris) {
  std::vector<std::string> hub_uris;
  for (const std::string& text : uris) {
    if (std::string_view(text).substr(0, kIdentityUriPrefix.size()) == kIdentityUriPrefix) {
      hub_uris.push_back(text);
    }
  }
  if (hub_uris.empty()) {
    return absl::UnauthenticatedError(
        "your client certificate names no hub organization; ask the county to issue one with "
        "a subject alternative name URI such as urn:hub:provider:<provider_id>");
  }
  if (hub_uris.size() > 1) {
    return absl::UnauthenticatedError(
        "your client certificate names more than one hub organization; use a certificate with "
        "exactly one urn:hub: URI");
  }
  absl::StatusOr<Identity> identity = ParseIdentityUri(hub_uris[0]);
  if (!identity.ok()) return absl::UnauthenticatedError(identity.status().message());
  return identity;
}

}  // namespace

absl::StatusOr<Identity> IdentityFromAuthContext(const grpc::AuthContext* context) {
  if (context == nullptr) return Identity{};
  bool tls = false;
  for (const grpc::string_ref& type : context->FindPropertyValues("transport_security_type")) {
    const std::string_view name(type.data(), type.size());
    tls = tls || name == "ssl" || name == "tls";
  }
  if (!tls) return Identity{};
  std::vector<std::string> uris;
  for (const grpc::string_ref& uri : context->FindPropertyValues("peer_uri")) {
    uris.emplace_back(uri.data(), uri.size());
  }
  return IdentityFromUris(uris);
}

absl::StatusOr<Identity> IdentityFromCertificate(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = bio == nullptr ? nullptr : PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (cert == nullptr) return absl::UnauthenticatedError("the client certificate does not parse");
  std::vector<std::string> uris;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type != GEN_URI) continue;
    const ASN1_IA5STRING* uri = name->d.uniformResourceIdentifier;
    uris.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                      static_cast<size_t>(ASN1_STRING_length(uri)));
  }
  GENERAL_NAMES_free(names);
  X509_free(cert);
  return IdentityFromUris(uris);
}

CountyRoles CountyRoles::Default() {
  CountyRoles roles;
  roles.Set("admin", Role::kCountyAdmin);
  roles.Set("analyst", Role::kCountyAnalyst);
  return roles;
}

absl::StatusOr<CountyRoles> CountyRoles::Parse(std::string_view text) {
  CountyRoles roles;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(Absl(text), '\n')) {
    ++line_number;
    if (size_t hash = line.find('#'); hash != absl::string_view::npos) line = line.substr(0, hash);
    std::vector<absl::string_view> words =
        absl::StrSplit(absl::StripAsciiWhitespace(line), ' ', absl::SkipWhitespace());
    if (words.empty()) continue;
    const std::string name(words[0]);
    if (words.size() != 2 || !IsCountyName(name) ||
        (words[1] != "county_admin" && words[1] != "county_analyst")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "county roles line ", line_number,
          ": write \"<name> county_admin\" or \"<name> county_analyst\" (name: a-z, 0-9, _ -)"));
    }
    roles.Set(name, words[1] == "county_admin" ? Role::kCountyAdmin : Role::kCountyAnalyst);
  }
  return roles;
}

absl::StatusOr<CountyRoles> CountyRoles::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read the county roles file ", path));
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str());
}

absl::StatusOr<Role> CountyRoles::RoleOf(std::string_view name) const {
  auto it = roles_.find(name);
  if (it == roles_.end()) {
    return absl::NotFoundError(absl::StrCat(
        "county user \"", Absl(name),
        "\" has no role in the county roles config; the county administrator adds it"));
  }
  return it->second;
}

}  // namespace hub::auth
