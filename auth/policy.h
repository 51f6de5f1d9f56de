// The access policy: ONE table of every RPC the hub serves x the four roles
// (provider, plan, county analyst, county administrator) -> allowed, plus
// the row scoping each role is held to. Anything not in the table is
// denied (deny by default).
//
// Enforced in two places, both driven by this table:
//   1. AccessGate (auth/access_gate.h), the TLS server's auth metadata
//      processor, runs before any handler: unknown organization ->
//      UNAUTHENTICATED; role not allowed for the method -> PERMISSION_DENIED.
//   2. CheckScope, called by each handler with its request: a provider may
//      only name its own provider_id, a plan its own plan_id (or its own
//      ingest reports), else PERMISSION_DENIED with what to fix.
//
// | service / method                         | provider | plan | analyst | admin |
// |------------------------------------------|----------|------|---------|-------|
// | DirectoryService List*/Get*              |    x     |  x   |    x    |   x   |
// | DirectoryService Create*/Update*         |          |      |         |   x   |
// | AdminService CreateBackup                |          |      |         |   x   |
// | AdminService List/GetParkedRecord(s)     |          |      |  x (*)  |   x   |
// | AdminService Rerun/DiscardParkedRecord   |          |      |         |   x   |
// | PlanService * (own plan_id)              |          |  x   |         |       |
// | ProviderService * (own provider_id)      |    x     |      |         |       |
// | ConsentService * (provider: own id)      |    x     |      |         |   x   |
// | AuditService *                           |          |      |         |   x   |
// | MonitorService * (aggregates only)       |          |      |    x    |       |
// | grpc.health.v1.Health, server reflection |    x     |  x   |    x    |   x   |
// (*) ids and reason codes only: hub/rpc/parked_records.h redacts the rest.
#ifndef HUB_AUTH_POLICY_H_
#define HUB_AUTH_POLICY_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "auth/identity.h"

namespace google::protobuf {
class Message;
}  // namespace google::protobuf

namespace hub::auth {

struct MethodPolicy {
  // Full method, "/hub.v1.PlanService/PullFeed"; "/hub.v1.MonitorService/*"
  // covers every method of a service.
  std::string_view method;
  // Allowed roles, a bitmask of RoleBit().
  uint32_t roles = 0;
  // True if the method reads or writes PHI (the audit log names the records).
  bool phi = false;
  // The request field (dotted path) that a provider caller must own; ""
  // when providers are not scoped by a field (or not allowed).
  std::string_view provider_field;
  // The same for a plan caller. "report_id" means the report id must start
  // with "<plan_id>-".
  std::string_view plan_field;
};

constexpr uint32_t RoleBit(Role role) { return 1u << static_cast<int>(role); }

// The whole table.
const std::vector<MethodPolicy>& PolicyTable();

// The row for `method` (exact, else its service's "/*" row); null if none.
const MethodPolicy* FindPolicy(std::string_view method);

// True if `role` may call `method` (false for methods not in the table).
bool IsAllowed(std::string_view method, Role role);

// PERMISSION_DENIED with the allowed roles if `role` may not call `method`.
absl::Status CheckAllowed(std::string_view method, Role role, std::string_view organization);

// Row scoping for a handler: OK for kLocal and county callers; for a plan
// or provider, PERMISSION_DENIED unless the request's scope field names the
// caller. `request` is the method's request message (for uploads, the
// header message's parent request).
absl::Status CheckScope(const Identity& caller, std::string_view method,
                        const google::protobuf::Message& request);

}  // namespace hub::auth

#endif  // HUB_AUTH_POLICY_H_
