#include "storage/claim_store.h"

#include <string>

#include "base/status_macros.h"
#include "storage/internal.h"

namespace hub::storage {
namespace {

std::string LineKey(std::string_view record_id) { return internal::Key({"b", record_id}); }

std::string ClaimLineKey(std::string_view plan_id, std::string_view claim_id, int line_number) {
  return internal::Key(
      {"c", plan_id, claim_id, internal::EncodeBigEndian32(static_cast<uint32_t>(line_number))});
}

}  // namespace

ClaimStore::ClaimStore(Store* store) : store_(store) {}

void ClaimStore::PutLine(WriteBatch& batch, std::string_view plan_id, std::string_view record_id,
                         const hub::v1::BillingStatus& status) const {
  const auto cf = store_->rep().cf(ColumnFamily::kClaims);
  batch.rep().batch.Put(cf, LineKey(record_id), status.SerializeAsString()).PermitUncheckedError();
  if (status.state() == hub::v1::BILLING_STATE_BILLED && !status.claim_id().empty() &&
      status.line_number() >= 1) {
    batch.rep()
        .batch
        .Put(cf, ClaimLineKey(plan_id, status.claim_id(), status.line_number()),
             internal::ToSlice(record_id))
        .PermitUncheckedError();
  }
}

absl::StatusOr<std::optional<hub::v1::BillingStatus>> ClaimStore::GetLine(
    std::string_view record_id) const {
  std::string value;
  ASSIGN_OR_RETURN(const bool found,
                   internal::Get(store_->rep(), ColumnFamily::kClaims, LineKey(record_id), &value));
  if (!found) return std::nullopt;
  hub::v1::BillingStatus status;
  if (!status.ParseFromString(value)) return internal::UnparsableRecord("billing status");
  return status;
}

absl::StatusOr<std::optional<std::string>> ClaimStore::FindClaimLine(std::string_view plan_id,
                                                                     std::string_view claim_id,
                                                                     int line_number) const {
  if (line_number < 1) return std::nullopt;
  std::string value;
  ASSIGN_OR_RETURN(const bool found,
                   internal::Get(store_->rep(), ColumnFamily::kClaims,
                                 ClaimLineKey(plan_id, claim_id, line_number), &value));
  if (!found) return std::nullopt;
  return value;
}

absl::Status ClaimStore::Commit(WriteBatch& batch) const {
  if (batch.Count() == 0) return absl::OkStatus();
  return store_->Commit(batch, Durability::kBuffered);
}

}  // namespace hub::storage
