// AccessGate: the TLS server's auth metadata processor. gRPC runs it for
// every call on the mTLS port BEFORE any handler, with the verified peer
// certificate's properties and the call's ":path" (the method). It
//   1. reads the organization from the certificate (auth/identity.h):
//      UNAUTHENTICATED if it names none (or a malformed one);
//   2. refuses a certificate revoked since its connection was opened
//      (UNAUTHENTICATED; new connections fail the handshake already);
//   3. finds its role: a plan or provider must be in the directory, a
//      county user in the county roles config: UNAUTHENTICATED otherwise
//      (an unknown organization);
//   4. applies the policy table (auth/policy.h): PERMISSION_DENIED if the
//      role may not call the method, and for every method not in the table.
// Messages are bounded (base/message_text.h): a long method name is not
// echoed.
// Row scoping (a request's provider_id / plan_id) is the handlers' part:
// CheckScope with the request.
//
// Thread safety: Process runs concurrently on gRPC's threads; the
// callbacks must be thread-safe.
#ifndef HUB_AUTH_ACCESS_GATE_H_
#define HUB_AUTH_ACCESS_GATE_H_

#include <grpcpp/security/auth_metadata_processor.h>

#include <functional>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "auth/identity.h"
#include "auth/revocation.h"

namespace hub::auth {

struct AccessGateOptions {
  // True if the plan (kind kPlan) or provider (kProvider) is in the
  // directory. Required.
  std::function<absl::StatusOr<bool>(const Identity&)> organization_exists;
  CountyRoles county_roles = CountyRoles::Default();
  // The revocations in force (null: none checked per call).
  std::shared_ptr<const RevocationList> revocations;
  // Called for every refused call (for the audit log): the identity if one
  // was read (else null), the method and the refusal.
  std::function<void(const Identity* identity, std::string_view method,
                     const absl::Status& refusal)>
      on_refused;
};

// The caller's role: OK with the role, UNAUTHENTICATED for an unknown
// organization. kLocal has no role (FailedPrecondition).
absl::StatusOr<Role> ResolveRole(const Identity& identity, const AccessGateOptions& options);

class AccessGate final : public grpc::AuthMetadataProcessor {
 public:
  explicit AccessGate(AccessGateOptions options) : options_(std::move(options)) {}

  // Directory lookups may touch the disk.
  bool IsBlocking() const override { return true; }

  grpc::Status Process(const InputMetadata& auth_metadata, grpc::AuthContext* context,
                       OutputMetadata* consumed_auth_metadata,
                       OutputMetadata* response_metadata) override;

  // The decision for one call, without gRPC (tests, and Process itself).
  absl::Status Decide(const grpc::AuthContext* context, std::string_view method) const;

 private:
  const AccessGateOptions options_;
};

}  // namespace hub::auth

#endif  // HUB_AUTH_ACCESS_GATE_H_
