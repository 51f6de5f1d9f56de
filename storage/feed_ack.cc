// FeedStore::Ack: a plan's cursor, its Ack log, its rejections and the
// monitor's flow tallies of the records it acknowledges, in one place.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
using feed_internal::ItemKey;
using records::RecordEntry;

// Items one step of an Ack covers at most: an Ack of a long backlog
// advances the cursor in steps of this many (each one atomic and synced),
// so the tallies a step moves stay bounded in memory.
constexpr uint64_t kAckStepItems = 50000;

}  // namespace

absl::StatusOr<uint64_t> FeedStore::Ack(std::string_view plan_id, uint64_t through_sequence,
                                        const std::vector<hub::v1::ItemRejection>& rejections,
                                        int64_t ack_time_unix_micros) {
  if (plan_id.empty() || plan_id.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError("storage: Ack needs a plan_id without NUL characters");
  }
  absl::MutexLock ack_lock(&ack_mu_);
  ASSIGN_OR_RETURN(const uint64_t cursor, Cursor(plan_id));
  ASSIGN_OR_RETURN(const uint64_t head, Head(plan_id));
  if (through_sequence > head) {
    return absl::OutOfRangeError(absl::StrCat(
        "through_sequence ", through_sequence, " is beyond the feed's head ", head, " for plan ",
        internal::Absl(plan_id), "; acknowledge only sequences you received from PullFeed"));
  }
  // The record index and the accepted tallies an Ack moves are derived
  // from the feed: wait for the indexer to pass what this Ack covers.
  RETURN_IF_ERROR(AwaitIndexed(plan_id, through_sequence));
  // Every rejection is checked before anything is written; the last one
  // of a sequence wins.
  std::map<uint64_t, const hub::v1::ItemRejection*> verdicts;
  RETURN_IF_ERROR(CheckRejections(plan_id, through_sequence, rejections, verdicts));
  const uint64_t new_cursor = std::max(cursor, through_sequence);
  // Step 0 records the rejections of items acknowledged before; each step
  // then acknowledges up to kAckStepItems more.
  uint64_t done = cursor;
  bool first = true;
  while (first || done < new_cursor) {
    const uint64_t to = std::min(new_cursor, done + kAckStepItems);
    RETURN_IF_ERROR(AckStep(plan_id, cursor, done, to, verdicts, ack_time_unix_micros));
    done = to;
    first = false;
  }
  return new_cursor;
}

absl::Status FeedStore::CheckRejections(
    std::string_view plan_id, uint64_t through_sequence,
    const std::vector<hub::v1::ItemRejection>& rejections,
    std::map<uint64_t, const hub::v1::ItemRejection*>& verdicts) const {
  std::string value;
  hub::v1::FeedItem item;
  for (const hub::v1::ItemRejection& rejection : rejections) {
    if (rejection.sequence() == 0 || rejection.sequence() > through_sequence) {
      return absl::InvalidArgumentError(absl::StrCat(
          "rejection of sequence ", rejection.sequence(), " is outside the acknowledged range 1..",
          through_sequence, "; reject only items at or below through_sequence"));
    }
    if (rejection.reason_code().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("rejection of sequence ", rejection.sequence(),
                       " has no reason_code; give the plan's stable reason code, e.g. "
                       "PLAN_MEMBER_NOT_ELIGIBLE"));
    }
    ASSIGN_OR_RETURN(const bool found,
                     internal::Get(internal::RepOf(*store_), ColumnFamily::kFeedItems,
                                   ItemKey(plan_id, rejection.sequence()), &value));
    if (!found) {
      if (rejection.sequence() <= internal::RepOf(*store_).feed_purge_marks->Get(plan_id)) {
        return internal::PurgedUnderRetention(
            absl::StrCat("the item at sequence ", rejection.sequence()));
      }
      return DamagedFeed("a plan's feed (an item below its head is missing)");
    }
    RETURN_IF_ERROR(internal::ParseRecord(value, "feed item", &item));
    if (item.record_id() != rejection.record_id()) {
      return absl::InvalidArgumentError(
          absl::StrCat("rejection of sequence ", rejection.sequence(), " names record \"",
                       rejection.record_id(), "\" but that item is record \"", item.record_id(),
                       "\"; copy the record_id of the item at that sequence"));
    }
    verdicts[rejection.sequence()] = &rejection;
  }
  return absl::OkStatus();
}

absl::Status FeedStore::AckStep(std::string_view plan_id, uint64_t old_cursor, uint64_t from,
                                uint64_t to,
                                const std::map<uint64_t, const hub::v1::ItemRejection*>& verdicts,
                                int64_t ack_micros) {
  Store::Rep& rep = internal::RepOf(*store_);
  WriteBatch batch;
  std::string value;
  RecordEntry entry;
  // Rejections: the record's stored verdict; a record acknowledged before
  // this Ack moves from its old group to the rejected one.
  auto begin = from == old_cursor ? verdicts.begin() : verdicts.upper_bound(from);
  for (auto it = begin; it != verdicts.end() && it->first <= to; ++it) {
    const hub::v1::ItemRejection& rejection = *it->second;
    ASSIGN_OR_RETURN(const bool indexed,
                     internal::Get(rep, ColumnFamily::kRecords, rejection.record_id(), &value));
    if (!indexed) return DamagedFeed("the record index");
    RETURN_IF_ERROR(internal::ParseRecord(value, "record entry", &entry));
    if (it->first <= old_cursor) {
      ASSIGN_OR_RETURN(const std::optional<int64_t> acked,
                       internal::AckTime(rep, plan_id, it->first));
      const int64_t accept = entry.accept_time_unix_micros();
      internal::TallyVerdict(internal::RepOf(batch), plan_id, entry.provider_id(), entry.kind(),
                             accept, entry.rejection_reason_code(), rejection.reason_code(),
                             std::max<int64_t>(acked.value_or(accept) - accept, 0));
    }
    entry.set_rejection_reason_code(rejection.reason_code());
    entry.set_rejection_message(rejection.message());
    entry.set_rejection_time_unix_micros(ack_micros);
    internal::Put(rep, batch, ColumnFamily::kRecords, rejection.record_id(),
                  entry.SerializeAsString());
  }
  if (to > from) {
    RETURN_IF_ERROR(TallyAcknowledged(plan_id, from, to, verdicts, ack_micros, batch));
    internal::Put(rep, batch, ColumnFamily::kFeedCursors, internal::ToSlice(plan_id),
                  internal::EncodeFixed64(to));
    internal::Put(rep, batch, ColumnFamily::kFeedCursors,
                  internal::Key({plan_id, internal::EncodeBigEndian64(to)}),
                  internal::EncodeFixed64(static_cast<uint64_t>(ack_micros)));
  }
  if (batch.Count() == 0) return absl::OkStatus();
  return store_->Commit(batch, Durability::kSync);
}

absl::Status FeedStore::TallyAcknowledged(
    std::string_view plan_id, uint64_t from, uint64_t to,
    const std::map<uint64_t, const hub::v1::ItemRejection*>& verdicts, int64_t ack_micros,
    WriteBatch& batch) const {
  hub::v1::FeedItem item;
  uint64_t expected = from + 1;
  const std::string prefix = internal::Prefix({plan_id});
  RETURN_IF_ERROR(internal::ForEachFrom(
      internal::RepOf(*store_), ColumnFamily::kFeedItems, prefix, ItemKey(plan_id, from + 1),
      [&](const rocksdb::Slice& /*key*/, const rocksdb::Slice& v) -> absl::StatusOr<bool> {
        RETURN_IF_ERROR(internal::ParseRecord(v, "feed item", &item));
        if (item.sequence() != expected) return DamagedFeed("a plan's feed (a gap below its head)");
        auto verdict = verdicts.find(item.sequence());
        const std::string code = verdict == verdicts.end() ? "" : verdict->second->reason_code();
        const int64_t accept = TimestampMicros(item.accept_time());
        internal::TallyVerdict(internal::RepOf(batch), plan_id, item.provider_id(),
                               static_cast<int>(item.kind()), accept, std::nullopt, code,
                               std::max<int64_t>(ack_micros - accept, 0));
        return ++expected <= to;
      }));
  if (expected <= to) return DamagedFeed("a plan's feed (an item below its head is missing)");
  return absl::OkStatus();
}

}  // namespace hub::storage
