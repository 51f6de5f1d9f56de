// Row scoping in handlers: one call at the top of each handler that names
// a provider or a plan,
//
//   if (absl::Status s = auth::CheckCallScope(*context, kMethod, *request); !s.ok()) ...
//
// reads the caller from the call's verified client certificate and applies
// the policy table's scope rule (auth/policy.h: CheckScope). Calls over
// plaintext loopback (tests) are not scoped.
#ifndef HUB_AUTH_CALL_SCOPE_H_
#define HUB_AUTH_CALL_SCOPE_H_

#include <grpcpp/server_context.h>

#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "auth/identity.h"
#include "auth/policy.h"

namespace hub::auth {

// The caller of `context`'s call (kLocal over plaintext).
inline absl::StatusOr<Identity> CallerOf(const grpc::ServerContextBase& context) {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  return IdentityFromAuthContext(auth.get());
}

inline absl::Status CheckCallScope(const grpc::ServerContextBase& context, std::string_view method,
                                   const google::protobuf::Message& request) {
  absl::StatusOr<Identity> caller = CallerOf(context);
  if (!caller.ok()) return caller.status();
  return CheckScope(*caller, method, request);
}

}  // namespace hub::auth

#endif  // HUB_AUTH_CALL_SCOPE_H_
