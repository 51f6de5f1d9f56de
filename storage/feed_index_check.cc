// FeedStore::CheckIndexes: the derived indexes against a rebuild from the
// log (storage/feed_store.h).
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/status_macros.h"
#include "base/timestamp.h"
#include "storage/feed_records.pb.h"
#include "storage/feed_store.h"
#include "storage/feed_store_internal.h"
#include "storage/internal.h"
#include "storage/retention_internal.h"

namespace hub::storage {
namespace {

using feed_internal::DerivedRecord;

// Compares one expected entry with the stored one.
absl::Status Expect(const Store::Rep& rep, ColumnFamily family, std::string_view key,
                    std::string_view want, int64_t& missing, int64_t& differing) {
  std::string value;
  ASSIGN_OR_RETURN(const bool found, internal::Get(rep, family, key, &value));
  if (!found) {
    ++missing;
  } else if (value != want) {
    ++differing;
  }
  return absl::OkStatus();
}

// Counts the entries `counts` accepts (all if empty).
absl::StatusOr<int64_t> Count(
    const Store::Rep& rep, ColumnFamily family,
    const std::function<bool(std::string_view key, std::string_view value)>& counts) {
  int64_t n = 0;
  RETURN_IF_ERROR(internal::ForEachWithPrefix(
      rep, family, "",
      [&](const rocksdb::Slice& key, const rocksdb::Slice& value) -> absl::Status {
        if (!counts || counts(internal::ToView(key), internal::ToView(value))) ++n;
        return absl::OkStatus();
      },
      /*fill_cache=*/false));
  return n;
}

// Entries of items the feed purge took (storage/feed_purge.cc) are not
// counted: the compaction filter drops them some time after the purge.
bool Purged(const Store::Rep& rep, std::string_view plan_id, uint64_t sequence) {
  return sequence <= rep.feed_purge_marks->Get(plan_id);
}

// The idempotency window's cutoff of the last retention purge (Unix micros;
// 0 = none ran): an accepted result older than it is let go (the
// compaction filter drops it some time after the purge) and its key may
// since have been reused for a new record, whose result it then holds.
int64_t ResultCutoff(const Store::Rep& rep) {
  return rep.idempotency_expiry->cutoff_micros.load(std::memory_order_relaxed);
}

bool IsKeptAcceptedResult(const Store::Rep& rep, std::string_view value) {
  hub::v1::SubmissionResult result;
  return result.ParseFromArray(value.data(), static_cast<int>(value.size())) &&
         result.has_accepted() &&
         !Purged(rep, result.accepted().plan_id(), result.accepted().feed_sequence()) &&
         TimestampMicros(result.accepted().accept_time()) >= ResultCutoff(rep);
}

bool IsKeptRecord(const Store::Rep& rep, std::string_view value) {
  records::RecordEntry entry;
  return !entry.ParseFromArray(value.data(), static_cast<int>(value.size())) ||
         !Purged(rep, entry.plan_id(), entry.sequence());
}

bool IsKeptIndexEntry(const Store::Rep& rep, std::string_view key) {
  uint64_t sequence = 0;
  const size_t end = key.find(internal::kSeparator);
  return end == std::string_view::npos || key.size() < 9 ||
         !internal::DecodeBigEndian64(key.substr(key.size() - 8), &sequence) ||
         !Purged(rep, key.substr(0, end), sequence);
}

// What the derived indexes should hold besides one record entry and one
// listing per item.
struct ExpectedCounts {
  int64_t export_entries = 0;
  // Items whose accepted result is inside the idempotency window.
  int64_t results = 0;
};

// Checks the derived entries of one feed item against the stored ones: the
// record index (without the plan's verdict: Ack adds it), the provider's
// listing, the export index (if the item has an entry) and, inside the
// idempotency window, the accepted result under its idempotency key.
absl::Status CheckItemEntries(const Store::Rep& rep, const DerivedRecord& r, FeedIndexCheck& check,
                              ExpectedCounts& expected) {
  std::string value;
  ASSIGN_OR_RETURN(const bool found,
                   internal::Get(rep, ColumnFamily::kRecords, r.record_id, &value));
  if (!found) {
    ++check.missing;
  } else {
    records::RecordEntry entry;
    RETURN_IF_ERROR(internal::ParseRecord(value, "record entry", &entry));
    if (entry.plan_id() != r.plan_id || entry.sequence() != r.sequence ||
        entry.provider_id() != r.provider_id || entry.idempotency_key() != r.idempotency_key ||
        entry.kind() != r.kind || entry.accept_time_unix_micros() != r.accept_micros) {
      ++check.differing;
    }
  }
  RETURN_IF_ERROR(Expect(
      rep, ColumnFamily::kProviderRecords,
      internal::Key({r.provider_id, feed_internal::InvertedTime(r.accept_micros), r.record_id}),
      internal::ListingValue(r.plan_id, r.sequence), check.missing, check.differing));
  if (r.index_key.has_value()) {
    ++expected.export_entries;
    RETURN_IF_ERROR(
        Expect(rep, ColumnFamily::kFeedIndex, *r.index_key, "", check.missing, check.differing));
  }
  if (r.accept_micros < ResultCutoff(rep)) return absl::OkStatus();
  ++expected.results;
  return Expect(rep, ColumnFamily::kIdempotency,
                feed_internal::IdempotencyKey(r.provider_id, r.idempotency_key),
                feed_internal::AcceptedResultValue(r), check.missing, check.differing);
}

// Counts the stored entries of each derived index (those of purged items
// left out): more than the items expect are check.extra. Every expected
// entry was found, so the same counts mean nothing else is there.
absl::Status CountExtraEntries(const Store::Rep& rep, const ExpectedCounts& expected,
                               FeedIndexCheck& check) {
  ASSIGN_OR_RETURN(const int64_t records,
                   Count(rep, ColumnFamily::kRecords, [&](std::string_view, std::string_view v) {
                     return IsKeptRecord(rep, v);
                   }));
  ASSIGN_OR_RETURN(const int64_t listed, Count(rep, ColumnFamily::kProviderRecords,
                                               [&](std::string_view, std::string_view v) {
                                                 return !internal::ListingPurged(rep, v);
                                               }));
  ASSIGN_OR_RETURN(const int64_t exported,
                   Count(rep, ColumnFamily::kFeedIndex, [&](std::string_view k, std::string_view) {
                     return IsKeptIndexEntry(rep, k);
                   }));
  ASSIGN_OR_RETURN(const int64_t results, Count(rep, ColumnFamily::kIdempotency,
                                                [&](std::string_view, std::string_view v) {
                                                  return IsKeptAcceptedResult(rep, v);
                                                }));
  for (const int64_t stored : {records, listed}) {
    if (stored > check.items) check.extra += stored - check.items;
  }
  if (results > expected.results) check.extra += results - expected.results;
  if (exported > expected.export_entries) check.extra += exported - expected.export_entries;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<FeedIndexCheck> FeedStore::CheckIndexes() const {
  RETURN_IF_ERROR(EnsureCaughtUp());
  absl::MutexLock lock(&indexer_mu_);  // No indexer writes while we look.
  while (true) {                       // Everything committed so far, indexed.
    ASSIGN_OR_RETURN(const int64_t n, IndexPendingLocked(10000, "", /*log_only=*/false));
    if (n == 0) break;
  }
  const Store::Rep& rep = internal::RepOf(*store_);
  FeedIndexCheck check;
  ExpectedCounts expected;
  std::vector<std::pair<std::string, uint64_t>> plans;
  {
    absl::MutexLock state(&state_mu_);
    for (const auto& [plan_id, plan] : plan_index_) plans.emplace_back(plan_id, plan->indexed);
  }
  hub::v1::FeedItem item;
  for (const auto& plan : plans) {
    // Named copies: clang 14 cannot capture a structured binding in a lambda.
    const std::string& plan_id = plan.first;
    const uint64_t indexed = plan.second;
    RETURN_IF_ERROR(internal::ForEachFrom(
        rep, ColumnFamily::kFeedItems, internal::Prefix({plan_id}), "",
        [&](const rocksdb::Slice& /*key*/, const rocksdb::Slice& v) -> absl::StatusOr<bool> {
          RETURN_IF_ERROR(internal::ParseRecord(v, "feed item", &item));
          if (item.sequence() > indexed) return false;
          // Below the purge mark only member statuses kept as the latest.
          if (Purged(rep, plan_id, item.sequence())) return true;
          ++check.items;
          RETURN_IF_ERROR(
              CheckItemEntries(rep, feed_internal::Derive(plan_id, item), check, expected));
          return true;
        }));
  }
  RETURN_IF_ERROR(CountExtraEntries(rep, expected, check));
  return check;
}

}  // namespace hub::storage
