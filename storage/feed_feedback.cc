// FeedStore::ListFeedback: what became of a provider's records (delivered,
// accepted or rejected by the plan, and when the plan acknowledged them).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/timestamp.h"
#include "storage/feed_records.pb.h"
#include "storage/feed_store.h"
#include "storage/feed_store_internal.h"
#include "storage/flow_tally_internal.h"
#include "storage/internal.h"
#include "storage/retention_internal.h"

namespace hub::storage {
namespace {

using feed_internal::DamagedFeed;
using feed_internal::ValidId;
using records::RecordEntry;

// Records a ListFeedback call examines at most (a status filter may skip
// many): bounds one call's work whatever the provider's history.
constexpr int kMaxFeedbackExamined = 10000;

// What the provider sees of `entry` given its plan's acknowledged `cursor`.
hub::v1::FeedbackStatus StatusOf(const RecordEntry& entry, uint64_t cursor) {
  if (entry.sequence() > cursor) return hub::v1::FEEDBACK_STATUS_DELIVERED_PENDING;
  return entry.rejection_reason_code().empty() ? hub::v1::FEEDBACK_STATUS_ACCEPTED_BY_PLAN
                                               : hub::v1::FEEDBACK_STATUS_REJECTED_BY_PLAN;
}

// The feedback item of `record_id` (`entry`), without its ack time.
hub::v1::FeedbackItem FeedbackItemOf(const std::string& record_id, const RecordEntry& entry,
                                     hub::v1::FeedbackStatus status) {
  hub::v1::FeedbackItem item;
  item.set_record_id(record_id);
  item.set_idempotency_key(entry.idempotency_key());
  item.set_plan_id(entry.plan_id());
  item.set_kind(static_cast<hub::v1::RecordKind>(entry.kind()));
  item.set_status(status);
  *item.mutable_accept_time() = MicrosTimestamp(entry.accept_time_unix_micros());
  if (status == hub::v1::FEEDBACK_STATUS_REJECTED_BY_PLAN) {
    item.set_reason_code(entry.rejection_reason_code());
    item.set_message(entry.rejection_message());
  }
  return item;
}

}  // namespace

absl::StatusOr<std::pair<std::vector<hub::v1::FeedbackItem>, std::string>> FeedStore::ListFeedback(
    std::string_view provider_id, hub::v1::FeedbackStatus status_filter, std::string_view after,
    int limit) const {
  if (limit < 1) return absl::InvalidArgumentError("storage: ListFeedback needs a limit >= 1");
  if (!ValidId(provider_id)) {
    return absl::InvalidArgumentError("storage: ListFeedback needs a provider_id");
  }
  // A token is the key suffix of the last record listed: ~time(8) \0 record_id.
  if (!after.empty() &&
      (after.size() < 10 || after[8] != internal::kSeparator || !ValidId(after.substr(9)))) {
    return absl::InvalidArgumentError(
        "storage: not a ListFeedback token; pass the token of the previous page unchanged");
  }
  // The listing is derived: the provider sees every record accepted before.
  RETURN_IF_ERROR(AwaitAllIndexed());
  const Store::Rep& rep = internal::RepOf(*store_);
  const std::string prefix = internal::Prefix({provider_id});
  std::string start;
  if (!after.empty()) {
    // The smallest key after the token's own.
    start = absl::StrCat(prefix, internal::Absl(after), std::string(1, internal::kSeparator));
  }

  // The plans' cursors, read once per call.
  absl::flat_hash_map<std::string, uint64_t> cursors;
  auto cursor_of = [&](const std::string& plan_id) -> absl::StatusOr<uint64_t> {
    auto it = cursors.find(plan_id);
    if (it != cursors.end()) return it->second;
    ASSIGN_OR_RETURN(const uint64_t cursor, Cursor(plan_id));
    cursors.emplace(plan_id, cursor);
    return cursor;
  };

  std::vector<hub::v1::FeedbackItem> items;
  std::string last_suffix;
  int examined = 0;
  bool more = false;
  std::string value;
  RecordEntry entry;
  RETURN_IF_ERROR(internal::ForEachFrom(
      rep, ColumnFamily::kProviderRecords, prefix, start,
      [&](const rocksdb::Slice& key, const rocksdb::Slice& listing) -> absl::StatusOr<bool> {
        if (static_cast<int>(items.size()) >= limit || examined >= kMaxFeedbackExamined) {
          more = true;
          return false;
        }
        ++examined;
        const std::string_view suffix = internal::ToView(key).substr(prefix.size());
        if (suffix.size() < 10 || suffix[8] != internal::kSeparator) {
          return DamagedFeed("a provider's record listing");
        }
        last_suffix.assign(suffix.data(), suffix.size());
        const std::string record_id(suffix.substr(9));
        ASSIGN_OR_RETURN(const bool found,
                         internal::Get(rep, ColumnFamily::kRecords, record_id, &value));
        // A record the feed purge took (retention) is no longer listed.
        if (!found) {
          if (internal::ListingPurged(rep, internal::ToView(listing))) return true;
          return DamagedFeed("the record index");
        }
        RETURN_IF_ERROR(internal::ParseRecord(value, "record entry", &entry));
        if (entry.sequence() <= rep.feed_purge_marks->Get(entry.plan_id())) return true;
        ASSIGN_OR_RETURN(const uint64_t cursor, cursor_of(entry.plan_id()));
        const hub::v1::FeedbackStatus status = StatusOf(entry, cursor);
        if (status_filter != hub::v1::FEEDBACK_STATUS_UNSPECIFIED && status != status_filter) {
          return true;
        }
        hub::v1::FeedbackItem& item = items.emplace_back(FeedbackItemOf(record_id, entry, status));
        if (status != hub::v1::FEEDBACK_STATUS_DELIVERED_PENDING) {
          // When the cursor first reached the record: the earliest Ack log
          // entry at or beyond its sequence.
          ASSIGN_OR_RETURN(const std::optional<int64_t> ack_time,
                           internal::AckTime(rep, entry.plan_id(), entry.sequence()));
          if (ack_time.has_value()) *item.mutable_ack_time() = MicrosTimestamp(*ack_time);
        }
        return true;
      }));
  return std::make_pair(std::move(items), more ? last_suffix : std::string());
}

}  // namespace hub::storage
