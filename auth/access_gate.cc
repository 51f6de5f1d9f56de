#include "auth/access_gate.h"

#include "absl/strings/str_cat.h"
#include "auth/policy.h"
#include "base/message_text.h"

namespace hub::auth {

absl::StatusOr<Role> ResolveRole(const Identity& identity, const AccessGateOptions& options) {
  switch (identity.kind) {
    case Identity::Kind::kLocal:
      return absl::FailedPreconditionError("a plaintext loopback caller has no role");
    case Identity::Kind::kCounty: {
      absl::StatusOr<Role> role = options.county_roles.RoleOf(identity.id);
      if (!role.ok()) return absl::UnauthenticatedError(role.status().message());
      return role;
    }
    case Identity::Kind::kPlan:
    case Identity::Kind::kProvider: {
      absl::StatusOr<bool> exists = options.organization_exists(identity);
      if (!exists.ok()) return exists.status();
      if (!*exists) {
        return absl::UnauthenticatedError(absl::StrCat(
            "your certificate names ", identity.Organization(),
            ", which is not in this hub's directory; the county administrator adds it (or "
            "check that you use this county's certificate)"));
      }
      return identity.kind == Identity::Kind::kPlan ? Role::kPlan : Role::kProvider;
    }
  }
  return absl::InternalError("unknown identity kind");
}

absl::Status AccessGate::Decide(const grpc::AuthContext* context, std::string_view method) const {
  absl::StatusOr<Identity> identity = IdentityFromAuthContext(context);
  if (!identity.ok()) {
    if (options_.on_refused) options_.on_refused(nullptr, method, identity.status());
    return identity.status();
  }
  if (identity->kind == Identity::Kind::kLocal) {
    // Only a TLS server installs the gate; a non-TLS call here is a bug.
    absl::Status refused = absl::UnauthenticatedError("the hub requires a client certificate");
    if (options_.on_refused) options_.on_refused(nullptr, method, refused);
    return refused;
  }
  if (options_.revocations != nullptr) {
    absl::StatusOr<std::string> serial = PeerCertificateSerial(context);
    if (serial.ok() && options_.revocations->IsRevoked(*serial)) {
      absl::Status revoked = absl::UnauthenticatedError(
          "your client certificate was revoked by the county; ask the county administrator for "
          "a new one");
      if (options_.on_refused) options_.on_refused(&*identity, method, revoked);
      return revoked;
    }
  }
  absl::StatusOr<Role> role = ResolveRole(*identity, options_);
  absl::Status decision =
      role.ok() ? CheckAllowed(method, *role, identity->Organization()) : role.status();
  if (!decision.ok() && options_.on_refused) options_.on_refused(&*identity, method, decision);
  return decision;
}

grpc::Status AccessGate::Process(const InputMetadata& auth_metadata, grpc::AuthContext* context,
                                 OutputMetadata* /*consumed_auth_metadata*/,
                                 OutputMetadata* /*response_metadata*/) {
  std::string method;
  for (auto it = auth_metadata.find(":path"); it != auth_metadata.end() && it->first == ":path";
       ++it) {
    method.assign(it->second.data(), it->second.size());
  }
  absl::Status decision = Decide(context, method);
  if (decision.ok()) return grpc::Status::OK;
  return grpc::Status(
      static_cast<grpc::StatusCode>(decision.code()),
      BoundMessage(std::string_view(decision.message().data(), decision.message().size())));
}

}  // namespace hub::auth
