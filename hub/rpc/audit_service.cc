#include "hub/rpc/audit_service.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/timestamp.h"
#include "hub/common/rpc_status.h"

namespace hub {

absl::Status AuditService::Query(const hub::v1::QueryAuditRequest& request,
                                 hub::v1::QueryAuditResponse& response) const {
  if (request.page_size() < 0) {
    return absl::InvalidArgumentError("page_size must be 0 (100) or 1 to 1000");
  }
  const int page_size = request.page_size() == 0 ? 100 : std::min(request.page_size(), 1000);
  uint64_t after = 0;
  if (!request.page_token().empty() && !absl::SimpleAtoi(request.page_token(), &after)) {
    return absl::InvalidArgumentError(
        "page_token is not one this service returned; start again without it");
  }
  std::string member;
  if (!request.member().empty()) {
    member = request.member().rfind("mbr_", 0) == 0 ? request.member()
                                                    : log_->MemberRef(request.member());
  }
  const bool has_start = request.has_start_time();
  if (has_start) RETURN_IF_ERROR(CheckTimestamp(request.start_time(), "start_time"));
  if (request.has_end_time()) RETURN_IF_ERROR(CheckTimestamp(request.end_time(), "end_time"));
  const bool has_end = request.has_end_time();
  const int64_t start = has_start ? TimestampMicros(request.start_time()) : 0;
  const int64_t end = has_end ? TimestampMicros(request.end_time()) : 0;
  uint64_t last = 0;
  bool more = false;
  RETURN_IF_ERROR(log_->Scan(after, [&](const hub::v1::AuditRecord& record) {
    if (response.records_size() >= page_size) {
      more = true;
      return false;
    }
    last = record.sequence();
    if (!request.organization().empty() && record.organization() != request.organization()) {
      return true;
    }
    const int64_t t = TimestampMicros(record.time());
    if ((has_start && t < start) || (has_end && t >= end)) return true;
    if (!member.empty() && std::find(record.member_refs().begin(), record.member_refs().end(),
                                     member) == record.member_refs().end()) {
      return true;
    }
    *response.add_records() = record;
    return true;
  }));
  if (more) response.set_next_page_token(absl::StrCat(last));
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* AuditService::QueryAudit(grpc::CallbackServerContext* context,
                                                   const hub::v1::QueryAuditRequest* request,
                                                   hub::v1::QueryAuditResponse* response) {
  return FinishUnary(context, Query(*request, *response));
}

grpc::ServerUnaryReactor* AuditService::VerifyAudit(grpc::CallbackServerContext* context,
                                                    const hub::v1::VerifyAuditRequest*,
                                                    hub::v1::VerifyAuditResponse* response) {
  absl::StatusOr<storage::AuditStore::Verification> v = log_->VerifyChain();
  if (v.ok()) {
    response->set_ok(v->ok);
    response->set_records_checked(v->records_checked);
    response->set_first_broken_sequence(v->first_broken_sequence);
    response->set_reason(v->reason);
  }
  return FinishUnary(context, v.status());
}

}  // namespace hub
