// Who is calling: organizations named by their client certificate.
//
// Every client certificate carries ONE hub identity as a subject alternative
// name URI (more than one is refused):
//   urn:hub:plan:<plan_id>          a managed care plan in the directory
//   urn:hub:provider:<provider_id>  a provider (CBO) in the directory
//   urn:hub:county:<name>           a county user; its role comes from the
//                                   county roles config (CountyRoles)
// The organization is read from the certificate (verified against the
// county CA during the TLS handshake); its role from the directory (plans
// and providers must exist there) or the county config.
//
// A call over plaintext loopback (HubServer without TLS: tests and local
// development only) has the identity kLocal: it is not authenticated and
// the access policy does not apply to it.
#ifndef HUB_AUTH_IDENTITY_H_
#define HUB_AUTH_IDENTITY_H_

#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace grpc {
class AuthContext;
}  // namespace grpc

namespace hub::auth {

// The four roles of the access policy.
enum class Role { kProvider, kPlan, kCountyAnalyst, kCountyAdmin };
inline constexpr Role kAllRoles[] = {Role::kProvider, Role::kPlan, Role::kCountyAnalyst,
                                     Role::kCountyAdmin};
// "provider", "plan", "county_analyst", "county_admin".
std::string_view RoleName(Role role);

struct Identity {
  enum class Kind { kLocal, kPlan, kProvider, kCounty };
  Kind kind = Kind::kLocal;
  // plan_id, provider_id or county user name; empty for kLocal.
  std::string id;

  // "plan:molina", "provider:alpha_cbo", "county:admin", "local": the
  // organization as the audit log and error messages name it.
  std::string Organization() const;
  bool operator==(const Identity&) const = default;
};

// The URI prefix of hub identities.
inline constexpr std::string_view kIdentityUriPrefix = "urn:hub:";
// The certificate URI for an identity, e.g. "urn:hub:plan:molina".
std::string IdentityUri(const Identity& identity);

// Parses "urn:hub:<plan|provider|county>:<id>". InvalidArgument otherwise.
absl::StatusOr<Identity> ParseIdentityUri(std::string_view uri);

// The caller of a call, from its auth context (null or not TLS: kLocal).
// UNAUTHENTICATED (with what to fix) if a TLS peer's certificate has no
// hub URI, more than one, or a malformed one.
absl::StatusOr<Identity> IdentityFromAuthContext(const grpc::AuthContext* context);

// The same for a verified client certificate (PEM) outside gRPC (the HTTPS
// port of /metrics and the dashboard).
absl::StatusOr<Identity> IdentityFromCertificate(const std::string& pem);

// County user name -> role (kCountyAnalyst or kCountyAdmin).
class CountyRoles {
 public:
  // The default: "admin" -> county administrator, "analyst" -> analyst.
  static CountyRoles Default();
  // Reads a config file: one "<name> <role>" per line, role
  // county_admin or county_analyst; '#' starts a comment. InvalidArgument
  // names the bad line; NotFound if the file cannot be read.
  static absl::StatusOr<CountyRoles> Load(const std::string& path);
  static absl::StatusOr<CountyRoles> Parse(std::string_view text);

  // NotFound if `name` has no role.
  absl::StatusOr<Role> RoleOf(std::string_view name) const;
  void Set(std::string name, Role role) { roles_[std::move(name)] = role; }

 private:
  std::map<std::string, Role, std::less<>> roles_;
};

}  // namespace hub::auth

#endif  // HUB_AUTH_IDENTITY_H_
