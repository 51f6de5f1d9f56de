// The audit trail of every call (design.md invariant 6): a gRPC server
// interceptor that appends one hub.v1.AuditRecord per audited call to the
// hash-chained audit log (storage/audit_store.h), on every service at once.
//
// Audited: every method the policy table marks as reading or writing PHI,
// every county-administrator-only method (directory writes, backups, audit
// queries). Not audited: directory reads, monitoring aggregates, health and
// reflection (no PHI). Calls the AccessGate refuses are audited by the
// gate's on_refused hook (AuditRefusal), since they never reach a handler.
//
// A record names: who (the organization of the client certificate), which
// RPC, which records (every record_id / report_id / consent_id in the
// request and the responses, e.g. each feed item pulled), which members (as
// keyed hashes of every CIN seen: never a CIN), when (the hub's clock) and
// the outcome (the status code). Beyond kMaxIdsPerRecord distinct ids (or
// members), further mentions are counted, not listed.
//
// Thread safety: the factory is shared by all calls; the log is thread-safe.
#ifndef HUB_HUB_RPC_AUDIT_INTERCEPTOR_H_
#define HUB_HUB_RPC_AUDIT_INTERCEPTOR_H_

#include <grpcpp/security/auth_context.h>
#include <grpcpp/support/server_interceptor.h>
#include <grpcpp/support/status.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "auth/identity.h"
#include "storage/audit_store.h"

namespace hub {

inline constexpr int kMaxIdsPerRecord = 10000;

// True if calls of `method` leave an audit record.
bool IsAudited(std::string_view method);

class AuditInterceptorFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `log` is not owned and must outlive the server.
  AuditInterceptorFactory(storage::AuditStore* log, std::function<absl::Time()> clock)
      : log_(log), clock_(std::move(clock)) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  storage::AuditStore* const log_;
  const std::function<absl::Time()> clock_;
};

class AuditCollector;  // Record ids and member refs of one call (.cc).

// The audit record of one call whose handler audits it itself, for the
// methods no interceptor sees (ObservedByHandler in hub/rpc/rpc_metrics.h:
// PlanService.PullFeed). The record is the one the interceptor would write.
// Not thread-safe: one call's handler uses it from one thread at a time.
class CallAudit {
 public:
  // `log` is not owned (null: the call leaves no record); `method` as gRPC
  // names it ("/hub.v1.PlanService/PullFeed").
  CallAudit(storage::AuditStore* log, std::string method);
  ~CallAudit();
  CallAudit(const CallAudit&) = delete;
  CallAudit& operator=(const CallAudit&) = delete;

  // The call sent this serialized hub.v1.FeedItem: its record id and its
  // submission's member are named in the record.
  void AddFeedItem(std::string_view item);
  // The call ended with `status`: appends its record. `auth` is the call's
  // (ServerContext::auth_context). Call once.
  void Append(const grpc::AuthContext* auth, absl::Time now, const grpc::Status& status);

 private:
  storage::AuditStore* const log_;
  const std::string method_;
  std::unique_ptr<AuditCollector> collector_;
  int64_t responses_ = 0;
};

// Appends the record of a call the AccessGate refused.
void AuditRefusal(storage::AuditStore* log, absl::Time now, const auth::Identity* identity,
                  std::string_view method, const absl::Status& refusal);

}  // namespace hub

#endif  // HUB_HUB_RPC_AUDIT_INTERCEPTOR_H_
