// hub.v1.AuditService (callback API), for the county administrator (the
// policy table allows no one else): QueryAudit filters the audit log by
// organization, member (a member ref, or a CIN the hub hashes with the
// log's key) and time; VerifyAudit recomputes the hash chain and names the
// first broken record.
#ifndef HUB_HUB_RPC_AUDIT_SERVICE_H_
#define HUB_HUB_RPC_AUDIT_SERVICE_H_

#include "hub/v1/audit.grpc.pb.h"
#include "storage/audit_store.h"

namespace hub {

class AuditService final : public hub::v1::AuditService::CallbackService {
 public:
  // `log` is not owned and must outlive the service.
  explicit AuditService(storage::AuditStore* log) : log_(log) {}

  grpc::ServerUnaryReactor* QueryAudit(grpc::CallbackServerContext* context,
                                       const hub::v1::QueryAuditRequest* request,
                                       hub::v1::QueryAuditResponse* response) override;
  grpc::ServerUnaryReactor* VerifyAudit(grpc::CallbackServerContext* context,
                                        const hub::v1::VerifyAuditRequest* request,
                                        hub::v1::VerifyAuditResponse* response) override;

  // The query without gRPC.
  absl::Status Query(const hub::v1::QueryAuditRequest& request,
                     hub::v1::QueryAuditResponse& response) const;

 private:
  storage::AuditStore* const log_;
};

}  // namespace hub

#endif  // HUB_HUB_RPC_AUDIT_SERVICE_H_
