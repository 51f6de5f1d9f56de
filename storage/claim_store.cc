#include "storage/claim_store.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "storage/internal.h"

namespace hub::storage {
namespace {

std::string LineKey(std::string_view record_id) { return internal::Key({"b", record_id}); }

std::string DecisionKey(std::string_view record_id) { return internal::Key({"a", record_id}); }

std::string ClaimLineKey(std::string_view plan_id, std::string_view claim_id, int line_number) {
  return internal::Key(
      {"c", plan_id, claim_id, internal::EncodeBigEndian32(static_cast<uint32_t>(line_number))});
}

std::string TallyKey(std::string_view plan_id) { return internal::Key({"s", plan_id}); }

std::string SetPrefix(std::string_view plan_id, int64_t control_number) {
  return internal::Prefix(
      {"t", plan_id, internal::EncodeBigEndian64(static_cast<uint64_t>(control_number))});
}

std::string SetLinePrefix(std::string_view plan_id, int64_t control_number, int transaction_set) {
  return absl::StrCat(
      SetPrefix(plan_id, control_number),
      internal::Prefix({internal::EncodeBigEndian32(static_cast<uint32_t>(transaction_set))}));
}

std::string NeedsActionKey(std::string_view provider_id, std::string_view record_id) {
  return internal::Key({"w", provider_id, record_id});
}

}  // namespace

ClaimStore::ClaimStore(Store* store) : store_(store) {}

void ClaimStore::PutLine(WriteBatch& batch, std::string_view plan_id, std::string_view record_id,
                         const hub::v1::BillingStatus& status) const {
  const Store::Rep& rep = internal::RepOf(*store_);
  internal::Put(rep, batch, ColumnFamily::kClaims, LineKey(record_id), status.SerializeAsString());
  if (status.state() == hub::v1::BILLING_STATE_BILLED && !status.claim_id().empty() &&
      status.line_number() >= 1) {
    internal::Put(rep, batch, ColumnFamily::kClaims,
                  ClaimLineKey(plan_id, status.claim_id(), status.line_number()),
                  internal::ToSlice(record_id));
  }
  if (status.state() == hub::v1::BILLING_STATE_BILLED && status.control_number() >= 1 &&
      status.transaction_set() >= 1) {
    internal::Put(rep, batch, ColumnFamily::kClaims,
                  SetLinePrefix(plan_id, status.control_number(), status.transaction_set()) +
                      std::string(record_id),
                  rocksdb::Slice());
  }
}

absl::Mutex& ClaimStore::DecisionMutex() {
  static absl::Mutex* const mu = new absl::Mutex();
  return *mu;
}

absl::StatusOr<std::vector<std::string>> ClaimStore::ListTransactionSetLines(
    std::string_view plan_id, int64_t control_number, int transaction_set) const {
  std::vector<std::string> lines;
  const std::string prefix = transaction_set == 0
                                 ? SetPrefix(plan_id, control_number)
                                 : SetLinePrefix(plan_id, control_number, transaction_set);
  // Past the prefix: the set (4 bytes and '\0') unless it is in the prefix.
  const size_t skip = transaction_set == 0 ? 5 : 0;
  RETURN_IF_ERROR(internal::ForEachWithPrefix(
      internal::RepOf(*store_), ColumnFamily::kClaims, prefix,
      [&](const rocksdb::Slice& key, const rocksdb::Slice&) -> absl::Status {
        const std::string_view rest = internal::ToView(key).substr(prefix.size());
        if (rest.size() <= skip) return internal::UnparsableRecord("transaction set key");
        lines.emplace_back(rest.substr(skip));
        return absl::OkStatus();
      }));
  return lines;
}

void ClaimStore::DeleteClaimLine(WriteBatch& batch, std::string_view plan_id,
                                 std::string_view claim_id, int line_number) const {
  internal::Delete(internal::RepOf(*store_), batch, ColumnFamily::kClaims,
                   ClaimLineKey(plan_id, claim_id, line_number));
}

absl::StatusOr<std::optional<hub::v1::BillingStatus>> ClaimStore::GetLine(
    std::string_view record_id) const {
  std::string value;
  ASSIGN_OR_RETURN(const bool found, internal::Get(internal::RepOf(*store_), ColumnFamily::kClaims,
                                                   LineKey(record_id), &value));
  if (!found) return std::nullopt;
  hub::v1::BillingStatus status;
  if (!status.ParseFromString(value)) return internal::UnparsableRecord("billing status");
  ASSIGN_OR_RETURN(std::optional<hub::v1::PlanDecision> decision, GetDecision(record_id));
  if (decision.has_value()) *status.mutable_plan_decision() = *std::move(decision);
  return status;
}

absl::StatusOr<std::vector<ClaimStore::ClaimLine>> ClaimStore::ListClaimLines(
    std::string_view plan_id, std::string_view claim_id) const {
  std::vector<ClaimLine> lines;
  const std::string prefix = internal::Prefix({"c", plan_id, claim_id});
  RETURN_IF_ERROR(internal::ForEachWithPrefix(
      internal::RepOf(*store_), ColumnFamily::kClaims, prefix,
      [&](const rocksdb::Slice& key, const rocksdb::Slice& value) -> absl::Status {
        const std::string_view number = internal::ToView(key).substr(prefix.size());
        if (number.size() != 4) return internal::UnparsableRecord("claim crosswalk key");
        uint32_t n = 0;
        for (unsigned char c : number) n = (n << 8) | c;
        lines.push_back({static_cast<int>(n), std::string(internal::ToView(value))});
        return absl::OkStatus();
      }));
  return lines;
}

absl::StatusOr<std::optional<hub::v1::PlanDecision>> ClaimStore::GetDecision(
    std::string_view record_id) const {
  std::string value;
  ASSIGN_OR_RETURN(const bool found, internal::Get(internal::RepOf(*store_), ColumnFamily::kClaims,
                                                   DecisionKey(record_id), &value));
  if (!found) return std::nullopt;
  hub::v1::PlanDecision decision;
  if (!decision.ParseFromString(value)) return internal::UnparsableRecord("plan decision");
  return decision;
}

void ClaimStore::PutDecision(WriteBatch& batch, std::string_view record_id,
                             const hub::v1::PlanDecision& decision) const {
  internal::Put(internal::RepOf(*store_), batch, ColumnFamily::kClaims, DecisionKey(record_id),
                decision.SerializeAsString());
}

void ClaimStore::DeleteDecision(WriteBatch& batch, std::string_view record_id) const {
  internal::Delete(internal::RepOf(*store_), batch, ColumnFamily::kClaims, DecisionKey(record_id));
}

void ClaimStore::PutNeedsAction(WriteBatch& batch, std::string_view provider_id,
                                std::string_view record_id, std::string_view plan_id,
                                bool needs_action) const {
  if (needs_action) {
    internal::Put(internal::RepOf(*store_), batch, ColumnFamily::kClaims,
                  NeedsActionKey(provider_id, record_id), internal::ToSlice(plan_id));
  } else {
    internal::Delete(internal::RepOf(*store_), batch, ColumnFamily::kClaims,
                     NeedsActionKey(provider_id, record_id));
  }
}

absl::StatusOr<std::vector<ClaimStore::ActionLine>> ClaimStore::ListNeedsAction(
    std::string_view provider_id, std::string_view plan_id, std::string_view after, size_t limit,
    bool* more) const {
  std::vector<ActionLine> lines;
  *more = false;
  const std::string prefix = internal::Prefix({"w", provider_id});
  // The first key after `after`'s: its key with a '\0' appended.
  const std::string start =
      after.empty() ? std::string() : NeedsActionKey(provider_id, after) + std::string(1, '\0');
  RETURN_IF_ERROR(internal::ForEachFrom(
      internal::RepOf(*store_), ColumnFamily::kClaims, prefix, start,
      [&](const rocksdb::Slice& key, const rocksdb::Slice& value) -> absl::StatusOr<bool> {
        const std::string_view plan = internal::ToView(value);
        if (!plan_id.empty() && plan != plan_id) return true;
        if (lines.size() >= limit) {
          *more = true;
          return false;
        }
        lines.push_back(
            {std::string(internal::ToView(key).substr(prefix.size())), std::string(plan)});
        return true;
      }));
  return lines;
}

absl::StatusOr<std::optional<std::string>> ClaimStore::FindClaimLine(std::string_view plan_id,
                                                                     std::string_view claim_id,
                                                                     int line_number) const {
  if (line_number < 1) return std::nullopt;
  std::string value;
  ASSIGN_OR_RETURN(const bool found,
                   internal::Get(internal::RepOf(*store_), ColumnFamily::kClaims,
                                 ClaimLineKey(plan_id, claim_id, line_number), &value));
  if (!found) return std::nullopt;
  return value;
}

absl::StatusOr<hub::v1::PlanClaims> ClaimStore::GetTally(std::string_view plan_id) const {
  std::string value;
  ASSIGN_OR_RETURN(const bool found, internal::Get(internal::RepOf(*store_), ColumnFamily::kClaims,
                                                   TallyKey(plan_id), &value));
  hub::v1::PlanClaims tally;
  if (found && !tally.ParseFromString(value)) return internal::UnparsableRecord("claim tally");
  tally.set_plan_id(std::string(plan_id));
  return tally;
}

void ClaimStore::PutTally(WriteBatch& batch, const hub::v1::PlanClaims& tally) const {
  internal::Put(internal::RepOf(*store_), batch, ColumnFamily::kClaims, TallyKey(tally.plan_id()),
                tally.SerializeAsString());
}

absl::StatusOr<std::vector<hub::v1::PlanClaims>> ClaimStore::ListTallies() const {
  std::vector<hub::v1::PlanClaims> tallies;
  RETURN_IF_ERROR(internal::ForEachWithPrefix(
      internal::RepOf(*store_), ColumnFamily::kClaims, internal::Prefix({"s"}),
      [&](const rocksdb::Slice&, const rocksdb::Slice& value) -> absl::Status {
        hub::v1::PlanClaims tally;
        if (!tally.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          return internal::UnparsableRecord("claim tally");
        }
        tallies.push_back(std::move(tally));
        return absl::OkStatus();
      }));
  return tallies;
}

absl::Status ClaimStore::Commit(WriteBatch& batch) const {
  if (batch.Count() == 0) return absl::OkStatus();
  return store_->Commit(batch, Durability::kBuffered);
}

}  // namespace hub::storage
