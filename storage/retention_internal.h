// Internal to storage/: the compaction filters of retention (retention.h)
// and each plan's "purged through sequence" mark of the feed class.
#ifndef HUB_STORAGE_RETENTION_INTERNAL_H_
#define HUB_STORAGE_RETENTION_INTERNAL_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "rocksdb/compaction_filter.h"
#include "storage/store.h"

namespace hub::storage::internal {

// Drops kIdempotency entries whose accepted result is older than the
// cutoff (Unix microseconds; 0 = keep everything). Results without a time
// (rejections) are kept. Counts what it dropped.
class IdempotencyExpiry final : public rocksdb::CompactionFilter {
 public:
  bool Filter(int level, const rocksdb::Slice& key, const rocksdb::Slice& value,
              std::string* new_value, bool* value_changed) const override;
  const char* Name() const override { return "hub.IdempotencyExpiry"; }

  std::atomic<int64_t> cutoff_micros{0};
  mutable std::atomic<int64_t> dropped{0};
};

// Each plan's "purged through sequence": every item of the plan's feed at
// or below it was acknowledged more than the feed window ago and is gone
// (storage/feed_purge.cc), except the member status items kept as the
// member's latest. Durable in kMeta ("feed_purged" \0 plan_id -> fixed64),
// loaded by Store::Open, raised here only after the purge's batch commits.
// Thread-safe.
class FeedPurgeMarks {
 public:
  uint64_t Get(std::string_view plan_id) const;
  // True once any plan has a mark (a listing entry written before listings
  // named their item, found without its record, is then a purged one).
  bool Any() const;
  void Raise(std::string_view plan_id, uint64_t through);

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, uint64_t> marks_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> any_{false};
};

// kMeta keys of the feed purge.
std::string FeedPurgedKey(std::string_view plan_id);
// "feed_purged_month" \0 plan \0 kind(decimal) \0 YYYY-MM -> "": a month of
// that kind lost items to the purge; its export is refused.
std::string FeedPurgedMonthKey(std::string_view plan_id, std::string_view kind,
                               std::string_view month);
// "feed_status_purged" \0 plan -> YYYY-MM-DD: member status as of a day
// before it may have been purged (the RTF of such a month is refused).
std::string FeedStatusPurgedKey(std::string_view plan_id);
// Loads every plan's mark (Store::Open).
absl::Status LoadFeedPurgeMarks(const Store::Rep& rep, FeedPurgeMarks& marks);

// The refusal every feed reader gives for what the purge took.
absl::Status PurgedUnderRetention(std::string_view what);

// Flushes `family`'s memtable and compacts it down to the bottom level, so
// that a purge's compaction filters see every entry (storage/care_retention.cc;
// the care-index and class purges share it).
absl::Status FlushAndCompact(Store::Rep& rep, ColumnFamily family);

// Drops the derived entries of purged items at compaction (the feed's
// derived indexes go with their items, design invariant 8):
//   kRecords          a RecordEntry at or below its plan's mark;
//   kFeedIndex        a month ("p") entry at or below its plan's mark
//                     (member status "m" entries go in the purge's batch);
//   kProviderRecords  a listing whose value (plan \0 sequence BE8) is at
//                     or below the mark (listings written before they
//                     named their item are kept; readers skip them).
class FeedPurgeFilter final : public rocksdb::CompactionFilter {
 public:
  FeedPurgeFilter(ColumnFamily family, std::shared_ptr<const FeedPurgeMarks> marks)
      : family_(family), marks_(std::move(marks)) {}
  bool Filter(int level, const rocksdb::Slice& key, const rocksdb::Slice& value,
              std::string* new_value, bool* value_changed) const override;
  const char* Name() const override { return "hub.FeedPurgeFilter"; }

  mutable std::atomic<int64_t> dropped{0};

 private:
  const ColumnFamily family_;
  const std::shared_ptr<const FeedPurgeMarks> marks_;
};

// The value of a provider listing entry: the item it stands for.
std::string ListingValue(std::string_view plan_id, uint64_t sequence);
// True if the provider listing entry with `value` stands for a purged
// item: its value names one at or below its plan's mark, or (a listing
// written before listings named their item) any plan has a mark. Readers
// ask only when the record index has no entry for the listed record.
bool ListingPurged(const Store::Rep& rep, std::string_view value);

// The feed class's purge (storage/feed_purge.cc), per plan: S = the
// highest sequence acknowledged (Ack log) at or before `cutoff`, at most the
// cursor and the indexer's checkpoint. One synced batch per plan range
// deletes its items (mark, S], the Part 2 withheld entries and the Ack log
// through S, keeps each member status item that is its member's latest
// (the RTF reads it every month), deletes the member index entries of the
// statuses superseded, records the (kind, month)s that lost items and the
// day before which member status may be gone, and moves the mark to S.
// The other derived entries go at compaction (FeedPurgeFilter).
struct FeedPurgeCounts {
  int64_t items = 0;        // items purged
  int64_t kept_status = 0;  // member status items kept as the latest (this run)
  int64_t plans = 0;        // plans whose mark moved
};
absl::StatusOr<FeedPurgeCounts> PurgeAcknowledgedFeed(Store& store, absl::Time cutoff);

// The cutoffs of the care indexes' retention (storage/care_retention.cc):
// the monitor's outreach index and RTF rows (kMonitor "out" and "rtf") and
// the worklists' outreach attempts (kProviderOutreach). Immutable once
// published; a purge publishes them for its compaction and clears them
// after, so only a purge drops anything (and its counts are its own).
struct CareIndexCutoffs {
  // kMonitor "out": attempts accepted before this (Unix microseconds) go.
  int64_t outreach_micros = 0;
  // kProviderOutreach: attempts dated before this ("YYYY-MM-DD") go, but
  // those of a referral in `awaiting`.
  std::string outreach_day;
  // plan_id \0 authorization_number of each referral that still awaits
  // outreach (the worklist reads its attempts to tell whether outreach is
  // due, however old they are).
  absl::flat_hash_set<std::string> awaiting;
  // kMonitor "rtf": months before this ("YYYY-MM") go.
  std::string rtf_month;
};

// Shared by the compaction filters of kMonitor and kProviderOutreach (one
// filter per compaction, made by CareIndexExpiryFactory with the cutoffs
// published when it starts). Thread-safe.
class CareIndexExpiry {
 public:
  void Publish(std::shared_ptr<const CareIndexCutoffs> cutoffs);
  // Null when nothing is to go.
  std::shared_ptr<const CareIndexCutoffs> Current() const;

  std::atomic<int64_t> dropped_outreach{0};  // kMonitor "out" entries
  std::atomic<int64_t> dropped_attempts{0};  // kProviderOutreach entries
  std::atomic<int64_t> dropped_rtf{0};       // kMonitor "rtf" entries

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const CareIndexCutoffs> cutoffs_ ABSL_GUARDED_BY(mu_);
};

// Makes the compaction filter of `family` (kMonitor or kProviderOutreach).
std::shared_ptr<rocksdb::CompactionFilterFactory> NewCareIndexExpiryFactory(
    ColumnFamily family, std::shared_ptr<CareIndexExpiry> expiry);

// The care indexes' purge: publishes the cutoffs (an outreach cutoff of
// absl::InfinitePast() keeps outreach, likewise `rtf_cutoff`), compacts
// kMonitor and kProviderOutreach, and clears them. The cutoffs are whole
// UTC days (outreach) and months (RTF rows) before the given times.
struct CareIndexCounts {
  int64_t outreach = 0;            // monitor outreach entries + attempts dropped
  int64_t rtf_rows = 0;            // RTF row entries dropped
  bool compacted_monitor = false;  // kMonitor was compacted
};
absl::StatusOr<CareIndexCounts> PurgeCareIndexes(Store& store, absl::Time outreach_cutoff,
                                                 absl::Time rtf_cutoff);

// The cutoffs of claims, quality reports and parked records
// (storage/retention_classes.cc). Immutable once published; a purge
// publishes them for its compaction and clears them after.
struct ClassCutoffs {
  // kClaims: lines of months before this ("YYYY-MM") go; `claim_records`
  // are their record ids (the filter drops their derived entries too).
  std::string claims_month;
  absl::flat_hash_set<std::string> claim_records;
  // kQualityReports: reports whose period ended before this month go.
  std::string quality_month;
  // kParked: RESOLVED/DISCARDED records whose state changed before this
  // (Unix seconds) go.
  int64_t parked_seconds = 0;
};

// Shared by the compaction filters of kClaims, kQualityReports and kParked.
// Thread-safe.
class ClassExpiry {
 public:
  void Publish(std::shared_ptr<const ClassCutoffs> cutoffs);
  // Null when nothing is to go.
  std::shared_ptr<const ClassCutoffs> Current() const;

  std::atomic<int64_t> dropped_claims{0};   // billing lines ("b" entries)
  std::atomic<int64_t> dropped_quality{0};  // quality reports
  std::atomic<int64_t> dropped_parked{0};   // parked records

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const ClassCutoffs> cutoffs_ ABSL_GUARDED_BY(mu_);
};

// Makes the compaction filter of `family` (kClaims, kQualityReports or
// kParked).
std::shared_ptr<rocksdb::CompactionFilterFactory> NewClassExpiryFactory(
    ColumnFamily family, std::shared_ptr<ClassExpiry> expiry);

// The three classes' purge: publishes the cutoffs (absl::InfinitePast()
// keeps that class), compacts the families with something to drop, and
// clears them. Claims and quality reports go by whole months before their
// cutoff's UTC month.
struct ClassCounts {
  int64_t claim_lines = 0;
  int64_t quality_reports = 0;
  int64_t parked_records = 0;
};
absl::StatusOr<ClassCounts> PurgeClasses(Store& store, absl::Time claims_cutoff,
                                         absl::Time quality_cutoff, absl::Time parked_cutoff);

}  // namespace hub::storage::internal

#endif  // HUB_STORAGE_RETENTION_INTERNAL_H_
