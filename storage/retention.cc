#include "storage/retention.h"

#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/timestamp.h"
#include "hub/v1/ingest.pb.h"
#include "hub/v1/provider_service.pb.h"
#include "rocksdb/db.h"
#include "storage/feed_store_internal.h"
#include "storage/flow_tally_internal.h"
#include "storage/ingest_store.h"
#include "storage/internal.h"
#include "storage/retention_internal.h"

namespace hub::storage {
namespace internal {

bool IdempotencyExpiry::Filter(int /*level*/, const rocksdb::Slice& /*key*/,
                               const rocksdb::Slice& value, std::string* /*new_value*/,
                               bool* /*value_changed*/) const {
  const int64_t cutoff = cutoff_micros.load(std::memory_order_relaxed);
  if (cutoff == 0) return false;
  // Accepted results by their accept time, rejections by their decision
  // time; a result with neither (a rejection stored before rejections kept
  // one) is kept.
  const std::optional<int64_t> micros =
      feed_internal::ResultDecidedMicros(std::string_view(value.data(), value.size()));
  if (!micros.has_value() || *micros >= cutoff) return false;
  dropped.fetch_add(1, std::memory_order_relaxed);
  return true;
}

}  // namespace internal

namespace {

struct ClassFamilies {
  std::string_view data_class;
  std::vector<ColumnFamily> families;
};

// Which column families hold each class of data (for /metrics).
const std::vector<ClassFamilies>& Classes() {
  static const auto* const classes = new std::vector<ClassFamilies>{
      {"audit_log", {ColumnFamily::kAudit}},
      {"feed",
       {ColumnFamily::kFeedItems, ColumnFamily::kFeedHeads, ColumnFamily::kFeedCursors,
        ColumnFamily::kRecords, ColumnFamily::kProviderRecords, ColumnFamily::kFeedIndex,
        ColumnFamily::kConsentHeld}},
      {"idempotency", {ColumnFamily::kIdempotency}},
      {"ingest_reports",
       {ColumnFamily::kIngestReports, ColumnFamily::kIngestReportsByPlan,
        ColumnFamily::kIngestRowErrors}},
      {"members_and_care",
       {ColumnFamily::kMembers, ColumnFamily::kCoverage, ColumnFamily::kAssignments,
        ColumnFamily::kAuthorizations, ColumnFamily::kAuthorizationByNumber,
        ColumnFamily::kPlanAssignments, ColumnFamily::kPlanAuthorizations, ColumnFamily::kCarePlans,
        ColumnFamily::kProviderCare, ColumnFamily::kCapacityCounts, ColumnFamily::kCapacityEnds,
        ColumnFamily::kConsents}},
      // kMonitor also holds the outreach index ("out"), counted here.
      {"monitoring", {ColumnFamily::kMonitor, ColumnFamily::kFlowTallies}},
      {"outreach", {ColumnFamily::kProviderOutreach}},
      {"parked", {ColumnFamily::kParked}},
      {"claims", {ColumnFamily::kClaims}},
      {"quality_reports", {ColumnFamily::kQualityReports}},
  };
  return *classes;
}

absl::Status Compact(Store::Rep& rep, ColumnFamily family) {
  rocksdb::CompactRangeOptions options;
  // Rewrite the bottom level too: that is where old records live.
  options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  return internal::FromRocksDb(rep.db->CompactRange(options, rep.cf(family), nullptr, nullptr),
                               "compacting after a purge");
}

// Reports completed before `cutoff`: the report, its plan index entry and
// one range delete over its row errors and ended records.
absl::StatusOr<int64_t> PurgeIngestReports(Store& store, absl::Time cutoff) {
  Store::Rep& rep = internal::RepOf(store);
  const int64_t cutoff_seconds = absl::ToUnixSeconds(cutoff);
  IngestStore ingest(&store);
  WriteBatch batch;
  int64_t purged = 0;
  RETURN_IF_ERROR(internal::ForEachWithPrefix(
      rep, ColumnFamily::kIngestReportsByPlan, "",
      [&](const rocksdb::Slice& key, const rocksdb::Slice& value) -> absl::Status {
        const std::string report_id(internal::ToView(value));
        std::string bytes;
        ASSIGN_OR_RETURN(const bool found,
                         internal::Get(rep, ColumnFamily::kIngestReports, report_id, &bytes));
        if (found) {
          hub::v1::IngestReport report;
          RETURN_IF_ERROR(internal::ParseRecord(rocksdb::Slice(bytes), "ingest report", &report));
          if (!report.has_complete_time() || report.complete_time().seconds() >= cutoff_seconds) {
            return absl::OkStatus();
          }
        }
        internal::Delete(rep, batch, ColumnFamily::kIngestReportsByPlan, key);
        internal::Delete(rep, batch, ColumnFamily::kIngestReports, internal::ToSlice(report_id));
        ingest.DeleteRowErrors(batch, report_id);  // Two range deletes.
        ++purged;
        return absl::OkStatus();
      },
      /*fill_cache=*/false));
  if (purged > 0) RETURN_IF_ERROR(store.Commit(batch, Durability::kSync));
  return purged;
}

// Counts the keys of [begin, end) of `family` (what a range delete will
// take), then adds the range delete to `batch`.
absl::StatusOr<int64_t> CountAndDeleteRange(Store::Rep& rep, WriteBatch& batch, ColumnFamily family,
                                            const std::string& begin, const std::string& end) {
  const rocksdb::Slice upper(end);
  rocksdb::ReadOptions options;
  options.iterate_upper_bound = &upper;
  options.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(rep.db->NewIterator(options, rep.cf(family)));
  int64_t n = 0;
  for (it->Seek(begin); it->Valid(); it->Next()) ++n;
  RETURN_IF_ERROR(internal::FromRocksDb(it->status(), "counting what a purge removes"));
  if (n > 0) internal::DeleteRange(rep, batch, family, begin, end);
  return n;
}

// The monitor's records before the UTC day of `cutoff`: every level's flow
// tally buckets (group and series) and the rejection log. The outreach and
// RTF-row indexes lead with the plan, so they go by a compaction filter
// (storage/care_retention.cc).
absl::StatusOr<int64_t> PurgeMonitorRecords(Store& store, absl::Time cutoff) {
  Store::Rep& rep = internal::RepOf(store);
  const int64_t seconds = absl::ToUnixSeconds(cutoff);
  const int64_t day = (seconds / 86400 - (seconds % 86400 < 0 ? 1 : 0)) * 86400;
  if (day <= 0) return 0;
  WriteBatch batch;
  int64_t purged = 0;
  for (const char kind : {'g', 's'}) {
    for (const internal::TallyLevel& level : internal::kTallyLevels) {
      auto bucket = [&](int64_t start) {
        return internal::Prefix({std::string_view(&kind, 1), std::string_view(&level.name, 1),
                                 internal::EncodeBigEndian64(static_cast<uint64_t>(start))});
      };
      ASSIGN_OR_RETURN(const int64_t n, CountAndDeleteRange(rep, batch, ColumnFamily::kFlowTallies,
                                                            bucket(0), bucket(day)));
      purged += n;
    }
  }
  ASSIGN_OR_RETURN(
      const int64_t rejections,
      CountAndDeleteRange(rep, batch, ColumnFamily::kMonitor, internal::Prefix({"rej"}),
                          internal::Key({"rej", internal::EncodeBigEndian64(
                                                    static_cast<uint64_t>(day) * 1000000)})));
  purged += rejections;
  if (purged > 0) RETURN_IF_ERROR(store.Commit(batch, Durability::kSync));
  return purged;
}

absl::Status PurgeFeed(Store& store, absl::Time cutoff, PurgeCounts& counts) {
  Store::Rep& rep = internal::RepOf(store);
  ASSIGN_OR_RETURN(const internal::FeedPurgeCounts feed,
                   internal::PurgeAcknowledgedFeed(store, cutoff));
  counts.feed_items = feed.items;
  counts.feed_status_kept = feed.kept_status;
  if (feed.plans == 0) return absl::OkStatus();
  // The range-deleted families, and the derived indexes whose filter
  // (FeedPurgeFilter) drops the purged items' entries as it rewrites them.
  for (ColumnFamily family :
       {ColumnFamily::kFeedItems, ColumnFamily::kConsentHeld, ColumnFamily::kFeedCursors,
        ColumnFamily::kRecords, ColumnFamily::kProviderRecords, ColumnFamily::kFeedIndex}) {
    RETURN_IF_ERROR(internal::FromRocksDb(rep.db->Flush(rocksdb::FlushOptions(), rep.cf(family)),
                                          "flushing before a purge"));
    RETURN_IF_ERROR(Compact(rep, family));
  }
  return absl::OkStatus();
}

// The run's audit record: the counts per class.
absl::Status AppendPurgeRecord(AuditStore& audit, const PurgeCounts& counts, absl::Time now) {
  hub::v1::AuditRecord record;
  *record.mutable_time() = ToTimestamp(now);
  record.set_organization("hub");
  record.set_method("hub.retention/Purge");
  record.set_outcome("OK");
  ASSIGN_OR_RETURN(const uint64_t first_kept, audit.FirstSequence());
  record.set_detail(absl::StrCat(
      "retention purge: audit_log ", counts.audit_records, " records (kept from sequence ",
      first_kept, "), idempotency ", counts.idempotency_results, " results, ingest_reports ",
      counts.ingest_reports, " reports, feed ", counts.feed_items, " items (",
      counts.feed_status_kept, " member statuses kept as the latest), monitoring ",
      counts.monitor_records, " records and ", counts.rtf_rows, " RTF rows, outreach ",
      counts.outreach_records, " records, claims ", counts.claim_lines, " lines, quality_reports ",
      counts.quality_reports, " reports, parked ", counts.parked_records, " records"));
  return audit.Append(std::move(record)).status();
}

}  // namespace

absl::StatusOr<PurgeCounts> PurgeExpired(Store& store, AuditStore& audit,
                                         const RetentionPolicy& policy, absl::Time now) {
  Store::Rep& rep = internal::RepOf(store);
  RETURN_IF_ERROR(rep.CheckOpen());
  PurgeCounts counts;
  if (policy.audit_log > absl::ZeroDuration()) {
    ASSIGN_OR_RETURN(counts.audit_records, audit.PurgeBefore(now - policy.audit_log));
    if (counts.audit_records > 0) RETURN_IF_ERROR(Compact(rep, ColumnFamily::kAudit));
  }
  if (policy.idempotency > absl::ZeroDuration()) {
    internal::IdempotencyExpiry& expiry = *rep.idempotency_expiry;
    expiry.cutoff_micros.store(absl::ToUnixMicros(now - policy.idempotency));
    const int64_t before = expiry.dropped.load();
    // Flush first: the filter sees only what compaction reads from tables.
    RETURN_IF_ERROR(internal::FromRocksDb(
        rep.db->Flush(rocksdb::FlushOptions(), rep.cf(ColumnFamily::kIdempotency)),
        "flushing before a purge"));
    RETURN_IF_ERROR(Compact(rep, ColumnFamily::kIdempotency));
    counts.idempotency_results = expiry.dropped.load() - before;
  }
  if (policy.ingest_reports > absl::ZeroDuration()) {
    ASSIGN_OR_RETURN(counts.ingest_reports, PurgeIngestReports(store, now - policy.ingest_reports));
    if (counts.ingest_reports > 0) {
      for (ColumnFamily family : {ColumnFamily::kIngestRowErrors, ColumnFamily::kIngestReports,
                                  ColumnFamily::kIngestReportsByPlan}) {
        RETURN_IF_ERROR(Compact(rep, family));
      }
    }
  }
  if (policy.feed > absl::ZeroDuration()) {
    RETURN_IF_ERROR(PurgeFeed(store, now - policy.feed, counts));
  }
  if (policy.monitoring > absl::ZeroDuration()) {
    ASSIGN_OR_RETURN(counts.monitor_records, PurgeMonitorRecords(store, now - policy.monitoring));
    if (counts.monitor_records > 0) RETURN_IF_ERROR(Compact(rep, ColumnFamily::kFlowTallies));
  }
  // Compacts kMonitor (the rejection log's range deletes, the outreach and
  // RTF-row entries) and kProviderOutreach.
  ASSIGN_OR_RETURN(
      const internal::CareIndexCounts care,
      internal::PurgeCareIndexes(
          store,
          policy.outreach > absl::ZeroDuration() ? now - policy.outreach : absl::InfinitePast(),
          policy.monitoring > absl::ZeroDuration() ? now - policy.monitoring
                                                   : absl::InfinitePast()));
  counts.outreach_records = care.outreach;
  counts.rtf_rows = care.rtf_rows;
  if (!care.compacted_monitor && counts.monitor_records > 0) {
    RETURN_IF_ERROR(Compact(rep, ColumnFamily::kMonitor));
  }
  {
    auto cutoff = [&](absl::Duration d) {
      return d > absl::ZeroDuration() ? now - d : absl::InfinitePast();
    };
    ASSIGN_OR_RETURN(const internal::ClassCounts classes,
                     internal::PurgeClasses(store, cutoff(policy.claims),
                                            cutoff(policy.quality_reports), cutoff(policy.parked)));
    counts.claim_lines = classes.claim_lines;
    counts.quality_reports = classes.quality_reports;
    counts.parked_records = classes.parked_records;
  }
  // One column family with unflushed writes keeps every write-ahead log
  // file after them (up to max_total_wal_size): flushing all of them lets
  // the logs the purged data sat in go too.
  {
    std::vector<rocksdb::ColumnFamilyHandle*> families;
    for (const auto& handle : rep.handles) families.push_back(handle.get());
    RETURN_IF_ERROR(internal::FromRocksDb(rep.db->Flush(rocksdb::FlushOptions(), families),
                                          "flushing after a purge"));
  }
  RETURN_IF_ERROR(AppendPurgeRecord(audit, counts, now));
  return counts;
}

absl::StatusOr<std::vector<ClassUsage>> UsageByClass(Store& store) {
  Store::Rep& rep = internal::RepOf(store);
  RETURN_IF_ERROR(rep.CheckOpen());
  std::vector<ClassUsage> usage;
  for (const ClassFamilies& c : Classes()) {
    ClassUsage u;
    u.data_class = std::string(c.data_class);
    for (ColumnFamily family : c.families) {
      uint64_t value = 0;
      if (rep.db->GetIntProperty(rep.cf(family), "rocksdb.estimate-live-data-size", &value)) {
        u.live_bytes += static_cast<int64_t>(value);
      }
      // Memtable bytes are not in the live-data estimate.
      if (rep.db->GetIntProperty(rep.cf(family), "rocksdb.cur-size-all-mem-tables", &value)) {
        u.live_bytes += static_cast<int64_t>(value);
      }
      if (rep.db->GetIntProperty(rep.cf(family), "rocksdb.estimate-num-keys", &value)) {
        u.keys += static_cast<int64_t>(value);
      }
      if (rep.db->GetIntProperty(rep.cf(family), "rocksdb.total-sst-files-size", &value)) {
        u.disk_bytes += static_cast<int64_t>(value);
      }
      if (rep.db->GetIntProperty(rep.cf(family), "rocksdb.estimate-pending-compaction-bytes",
                                 &value)) {
        u.compaction_pending_bytes += static_cast<int64_t>(value);
      }
    }
    usage.push_back(std::move(u));
  }
  return usage;
}

}  // namespace hub::storage
