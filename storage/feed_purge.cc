// Retention of the feed class (storage/retention.h): each plan's items
// acknowledged more than the window ago go with one range delete of the
// plan's feed below a sequence, their derived index entries at compaction
// (FeedPurgeFilter), and the plan's durable "purged through" mark moves in
// the same batch. What the purge must read, it reads once: the purged
// items themselves, for the months and member statuses they leave behind.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "hub/v1/feed.pb.h"
#include "storage/feed_records.pb.h"
#include "storage/feed_store_internal.h"
#include "storage/internal.h"
#include "storage/retention_internal.h"

namespace hub::storage::internal {

uint64_t FeedPurgeMarks::Get(std::string_view plan_id) const {
  absl::MutexLock lock(&mu_);
  auto it = marks_.find(Absl(plan_id));
  return it == marks_.end() ? 0 : it->second;
}

bool FeedPurgeMarks::Any() const { return any_.load(std::memory_order_acquire); }

void FeedPurgeMarks::Raise(std::string_view plan_id, uint64_t through) {
  absl::MutexLock lock(&mu_);
  uint64_t& mark = marks_[std::string(plan_id)];
  mark = std::max(mark, through);
  if (mark > 0) any_.store(true, std::memory_order_release);
}

std::string FeedPurgedKey(std::string_view plan_id) { return Key({"feed_purged", plan_id}); }

std::string FeedPurgedMonthKey(std::string_view plan_id, std::string_view kind,
                               std::string_view month) {
  return Key({"feed_purged_month", plan_id, kind, month});
}

std::string FeedStatusPurgedKey(std::string_view plan_id) {
  return Key({"feed_status_purged", plan_id});
}

absl::Status LoadFeedPurgeMarks(const Store::Rep& rep, FeedPurgeMarks& marks) {
  const std::string prefix = Prefix({"feed_purged"});
  return ForEachWithPrefix(
      rep, ColumnFamily::kMeta, prefix,
      [&](const rocksdb::Slice& key, const rocksdb::Slice& value) -> absl::Status {
        uint64_t mark = 0;
        if (!DecodeFixed64(ToView(value), &mark)) {
          return absl::DataLossError(
              "storage: a feed's retention mark is damaged; restore the data directory from a "
              "checkpoint");
        }
        marks.Raise(ToView(key).substr(prefix.size()), mark);
        return absl::OkStatus();
      });
}

absl::Status PurgedUnderRetention(std::string_view what) {
  return absl::FailedPreconditionError(
      absl::StrCat(Absl(what),
                   " was purged under retention (items the plan acknowledged longer ago than "
                   "the feed window, hubd --feed_retention_days); it can no longer be read"));
}

std::string ListingValue(std::string_view plan_id, uint64_t sequence) {
  return Key({plan_id, EncodeBigEndian64(sequence)});
}

namespace {

// (plan, sequence) of a listing value; false for an empty (older) one.
bool ParseListingValue(std::string_view value, std::string_view* plan_id, uint64_t* sequence) {
  if (value.size() < 10 || value[value.size() - 9] != kSeparator) return false;
  *plan_id = value.substr(0, value.size() - 9);
  return DecodeBigEndian64(value.substr(value.size() - 8), sequence);
}

}  // namespace

bool ListingPurged(const Store::Rep& rep, std::string_view value) {
  std::string_view plan_id;
  uint64_t sequence = 0;
  if (!ParseListingValue(value, &plan_id, &sequence)) return rep.feed_purge_marks->Any();
  return sequence <= rep.feed_purge_marks->Get(plan_id);
}

bool FeedPurgeFilter::Filter(int /*level*/, const rocksdb::Slice& key, const rocksdb::Slice& value,
                             std::string* /*new_value*/, bool* /*value_changed*/) const {
  if (!marks_->Any()) return false;
  std::string_view plan_id;
  uint64_t sequence = 0;
  switch (family_) {
    case ColumnFamily::kRecords: {
      records::RecordEntry entry;
      if (!entry.ParseFromArray(value.data(), static_cast<int>(value.size()))) return false;
      if (entry.sequence() == 0 || entry.sequence() > marks_->Get(entry.plan_id())) return false;
      break;
    }
    case ColumnFamily::kFeedIndex: {
      // plan \0 "p" \0 ... \0 sequence(BE8); member entries are not filtered.
      const std::string_view k = ToView(key);
      const size_t end = k.find(kSeparator);
      if (end == std::string_view::npos || k.substr(end + 1, 2) != std::string_view("p\0", 2) ||
          k.size() < 9 || k[k.size() - 9] != kSeparator ||
          !DecodeBigEndian64(k.substr(k.size() - 8), &sequence)) {
        return false;
      }
      if (sequence > marks_->Get(k.substr(0, end))) return false;
      break;
    }
    case ColumnFamily::kProviderRecords:
      if (!ParseListingValue(ToView(value), &plan_id, &sequence) ||
          sequence > marks_->Get(plan_id)) {
        return false;
      }
      break;
    default:
      return false;
  }
  dropped.fetch_add(1, std::memory_order_relaxed);
  return true;
}

namespace {

struct PlanPurge {
  std::string plan_id;
  uint64_t old_mark = 0;
  uint64_t through = 0;
};

absl::StatusOr<uint64_t> ReadFixed64(const Store::Rep& rep, ColumnFamily family,
                                     std::string_view key) {
  std::string value;
  ASSIGN_OR_RETURN(const bool found, Get(rep, family, key, &value));
  uint64_t n = 0;
  if (found && !DecodeFixed64(value, &n)) {
    return absl::DataLossError(
        "storage: a feed's cursor or checkpoint is damaged; restore the data directory from a "
        "checkpoint");
  }
  return n;
}

// The highest sequence of `plan_id` the purge may take: acknowledged (Ack
// log) at or before `cutoff_micros`, indexed, and at most the cursor.
absl::StatusOr<uint64_t> PurgeableThrough(const Store::Rep& rep, std::string_view plan_id,
                                          uint64_t old_mark, int64_t cutoff_micros) {
  ASSIGN_OR_RETURN(const uint64_t cursor, ReadFixed64(rep, ColumnFamily::kFeedCursors, plan_id));
  ASSIGN_OR_RETURN(const uint64_t indexed,
                   ReadFixed64(rep, ColumnFamily::kMeta, feed_internal::CheckpointKey(plan_id)));
  uint64_t through = old_mark;
  const std::string prefix = Prefix({plan_id});
  RETURN_IF_ERROR(ForEachFrom(
      rep, ColumnFamily::kFeedCursors, prefix,
      absl::StrCat(prefix, Absl(EncodeBigEndian64(old_mark + 1))),
      [&](const rocksdb::Slice& key, const rocksdb::Slice& value) -> absl::StatusOr<bool> {
        uint64_t sequence = 0;
        uint64_t micros = 0;
        if (!DecodeBigEndian64(ToView(key).substr(prefix.size()), &sequence) ||
            !DecodeFixed64(ToView(value), &micros)) {
          return absl::DataLossError(
              "storage: a plan's Ack log is damaged; restore the data directory from a "
              "checkpoint");
        }
        if (static_cast<int64_t>(micros) > cutoff_micros) return false;
        through = sequence;
        return true;
      }));
  return std::min({through, cursor, indexed});
}

// What one plan's purge writes besides its range deletes.
struct PurgeWrites {
  std::set<std::string> months;                        // kind \0 YYYY-MM
  std::set<std::string> groups_seen;                   // member status groups examined
  std::vector<std::pair<uint64_t, std::string>> kept;  // items put back
  std::set<std::string> index_deletes;                 // superseded member entries
  std::vector<uint64_t> item_deletes;                  // superseded kept items
  std::string status_purged_through;                   // YYYY-MM-DD
};

// A member status item's group (plan \0 "m" \0 cin \0 kind \0): keeps the
// group's latest entry's item if the purge reaches it, lets every other
// entry at or below `through` go, and notes from when on the RTF no longer
// needs them (the next entry's date).
absl::Status ExamineStatusGroup(const Store::Rep& rep, const PlanPurge& plan,
                                std::string_view group, PurgeWrites& out) {
  std::vector<std::pair<std::string, uint64_t>> entries;  // key, sequence (key order)
  RETURN_IF_ERROR(ForEachWithPrefix(
      rep, ColumnFamily::kFeedIndex, group,
      [&](const rocksdb::Slice& key, const rocksdb::Slice&) -> absl::Status {
        const std::string_view k = ToView(key);
        uint64_t sequence = 0;
        if (k.size() < group.size() + 19 || !DecodeBigEndian64(k.substr(k.size() - 8), &sequence)) {
          return absl::DataLossError(
              "storage: a feed index key is damaged; restore the data directory from a "
              "checkpoint");
        }
        entries.emplace_back(std::string(k), sequence);
        return absl::OkStatus();
      },
      /*fill_cache=*/false));
  for (size_t i = 0; i + 1 < entries.size(); ++i) {  // All but the latest.
    const auto& [key, sequence] = entries[i];
    if (sequence > plan.through) continue;
    out.index_deletes.insert(key);
    if (sequence <= plan.old_mark) out.item_deletes.push_back(sequence);
    const std::string& next = entries[i + 1].first;
    const std::string next_date = next.substr(next.size() - 9 - 10, 10);
    out.status_purged_through = std::max(out.status_purged_through, next_date);
  }
  return absl::OkStatus();
}

// Reads the items (old_mark, through] once: the months they leave and the
// member statuses to keep.
absl::Status ExamineItems(const Store::Rep& rep, const PlanPurge& plan, PurgeWrites& out) {
  const std::string prefix = Prefix({plan.plan_id});
  hub::v1::FeedItem item;
  return ForEachFrom(
      rep, ColumnFamily::kFeedItems, prefix,
      feed_internal::ItemKey(plan.plan_id, plan.old_mark + 1),
      [&](const rocksdb::Slice&, const rocksdb::Slice& value) -> absl::StatusOr<bool> {
        RETURN_IF_ERROR(ParseRecord(value, "feed item", &item));
        if (item.sequence() > plan.through) return false;
        const std::optional<std::string> key = feed_internal::IndexKey(plan.plan_id, item);
        if (!key.has_value()) return true;
        // plan \0 group \0 ...
        const std::string_view rest = std::string_view(*key).substr(prefix.size());
        if (rest.substr(0, 2) == std::string_view("p\0", 2)) {
          // p \0 kind \0 month \0 ...
          const std::string_view fields = rest.substr(2);
          const size_t kind_end = fields.find(kSeparator);
          out.months.insert(std::string(fields.substr(0, kind_end + 1 + 7)));
          return true;
        }
        // m \0 cin \0 kind \0 date \0 sequence: the group ends before the date.
        const std::string group = key->substr(0, key->size() - 9 - 10);
        if (out.groups_seen.insert(group).second) {
          RETURN_IF_ERROR(ExamineStatusGroup(rep, plan, group, out));
        }
        if (out.index_deletes.count(*key) == 0) {
          out.kept.emplace_back(item.sequence(), std::string(ToView(value)));
        }
        return true;
      },
      nullptr);
}

absl::StatusOr<int64_t> PurgePlan(Store& store, const PlanPurge& plan, int64_t* kept) {
  Store::Rep& rep = RepOf(store);
  PurgeWrites out;
  RETURN_IF_ERROR(ExamineItems(rep, plan, out));
  std::string previous_status;
  ASSIGN_OR_RETURN(const bool had_status, Get(rep, ColumnFamily::kMeta,
                                              FeedStatusPurgedKey(plan.plan_id), &previous_status));
  WriteBatch batch;
  // The items, then the member statuses kept as the member's latest (a put
  // after the range delete in one batch outlives it).
  DeleteRange(rep, batch, ColumnFamily::kFeedItems,
              feed_internal::ItemKey(plan.plan_id, plan.old_mark + 1),
              feed_internal::ItemKey(plan.plan_id, plan.through + 1));
  for (const auto& [sequence, bytes] : out.kept) {
    Put(rep, batch, ColumnFamily::kFeedItems, feed_internal::ItemKey(plan.plan_id, sequence),
        bytes);
  }
  for (uint64_t sequence : out.item_deletes) {
    Delete(rep, batch, ColumnFamily::kFeedItems, feed_internal::ItemKey(plan.plan_id, sequence));
  }
  for (const std::string& key : out.index_deletes) {
    Delete(rep, batch, ColumnFamily::kFeedIndex, key);
  }
  // Part 2 items withheld (kConsentHeld has the items' keys): the purged
  // ones' marks go, a kept status keeps its own (withheld stays withheld).
  std::vector<std::pair<uint64_t, std::string>> held;
  for (const auto& [sequence, bytes] : out.kept) {
    std::string record_id;
    ASSIGN_OR_RETURN(const bool found,
                     Get(rep, ColumnFamily::kConsentHeld,
                         feed_internal::ItemKey(plan.plan_id, sequence), &record_id));
    if (found) held.emplace_back(sequence, std::move(record_id));
  }
  DeleteRange(rep, batch, ColumnFamily::kConsentHeld,
              feed_internal::ItemKey(plan.plan_id, plan.old_mark + 1),
              feed_internal::ItemKey(plan.plan_id, plan.through + 1));
  for (const auto& [sequence, record_id] : held) {
    Put(rep, batch, ColumnFamily::kConsentHeld, feed_internal::ItemKey(plan.plan_id, sequence),
        record_id);
  }
  for (uint64_t sequence : out.item_deletes) {
    Delete(rep, batch, ColumnFamily::kConsentHeld, feed_internal::ItemKey(plan.plan_id, sequence));
  }
  // The Ack log through the mark.
  DeleteRange(rep, batch, ColumnFamily::kFeedCursors, feed_internal::ItemKey(plan.plan_id, 0),
              feed_internal::ItemKey(plan.plan_id, plan.through + 1));
  for (const std::string& month : out.months) {
    const size_t end = month.find(kSeparator);
    Put(rep, batch, ColumnFamily::kMeta,
        FeedPurgedMonthKey(plan.plan_id, std::string_view(month).substr(0, end),
                           std::string_view(month).substr(end + 1)),
        rocksdb::Slice());
  }
  if (!out.status_purged_through.empty() &&
      (!had_status || out.status_purged_through > previous_status)) {
    Put(rep, batch, ColumnFamily::kMeta, FeedStatusPurgedKey(plan.plan_id),
        out.status_purged_through);
  }
  Put(rep, batch, ColumnFamily::kMeta, FeedPurgedKey(plan.plan_id), EncodeFixed64(plan.through));
  RETURN_IF_ERROR(store.Commit(batch, Durability::kSync));
  rep.feed_purge_marks->Raise(plan.plan_id, plan.through);
  const int64_t kept_here = static_cast<int64_t>(out.kept.size());
  *kept += kept_here;
  return static_cast<int64_t>(plan.through - plan.old_mark) - kept_here +
         static_cast<int64_t>(out.item_deletes.size());
}

}  // namespace

absl::StatusOr<FeedPurgeCounts> PurgeAcknowledgedFeed(Store& store, absl::Time cutoff) {
  Store::Rep& rep = RepOf(store);
  std::vector<std::string> plans;
  RETURN_IF_ERROR(
      ForEachWithPrefix(rep, ColumnFamily::kFeedHeads, "",
                        [&](const rocksdb::Slice& key, const rocksdb::Slice&) -> absl::Status {
                          plans.emplace_back(ToView(key));
                          return absl::OkStatus();
                        }));
  FeedPurgeCounts counts;
  for (const std::string& plan_id : plans) {
    PlanPurge plan;
    plan.plan_id = plan_id;
    plan.old_mark = rep.feed_purge_marks->Get(plan_id);
    ASSIGN_OR_RETURN(plan.through,
                     PurgeableThrough(rep, plan_id, plan.old_mark, absl::ToUnixMicros(cutoff)));
    if (plan.through <= plan.old_mark) continue;
    ASSIGN_OR_RETURN(const int64_t items, PurgePlan(store, plan, &counts.kept_status));
    counts.items += items;
    ++counts.plans;
  }
  return counts;
}

}  // namespace hub::storage::internal
