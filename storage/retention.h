// Retention: how long the hub keeps each class of data, and the purge that
// lets go of what is older, with RocksDB's own tools (README "Operating:
// parked records and retention"):
//
// Each class: its default, the source of the default, and how it goes.
//   audit_log (6 years): HIPAA 45 CFR 164.316(b)(2)(i), documentation of
//     required actions kept six years from its creation. One range delete
//     of the records before the cutoff; the chain's anchor moves with it.
//   idempotency (90 days): a provider retries a submission within days; a
//     key reused after the window is a new submission. A compaction filter
//     drops results decided before the cutoff (accepted: accept time;
//     rejected: the stored decision time).
//   ingest_reports (400 days): Medi-Cal's one-year limit for claims and
//     corrections plus a month to reconcile plan files. Per report: the
//     report, its plan index entry and one range delete of its row errors.
//   feed (400 days after the Ack): Medi-Cal's one-year limit for claims and
//     corrections plus a month (a month's 837P/invoice can be corrected and
//     the plan's 999/277CA/835 answered for a year after the plan took the
//     items); an item the plan never acknowledged never goes. Per plan, one
//     range delete of the items before the cutoff, the plan's durable
//     "purged through" mark in the same batch; their derived index entries
//     at compaction (storage/feed_purge.cc).
//   monitoring (457 days): the quarterly report's flows, the current
//     quarter and the four before it. Range deletes of the flow tallies'
//     buckets (every level) and the rejection log before the cutoff's day;
//     the RTF row index (plan, provider, month) of months before the
//     cutoff's month by a compaction filter (storage/care_retention.cc).
//   outreach (464 days): the quarterly report's five quarters plus a week,
//     so a referral due in any reported quarter keeps its first attempt.
//     A compaction filter on kMonitor drops outreach index entries accepted
//     before the cutoff's day, one on kProviderOutreach attempts dated
//     before it, except those of a referral still awaiting outreach (the
//     worklist reads them whatever their age).
//   claims (400 days, by month): the feed's window, Medi-Cal's one-year
//     claim-correction limit plus a month. A billing line goes with its
//     decision and index entries once its month is before the cutoff's
//     month AND the feed's purge took its record (so no export of the
//     month can bill it again, nor a 999/277CA/835 answer it). Plan
//     tallies stay. Compaction filter.
//   quality_reports (457 days after the period): the quarterly report's
//     five quarters. Compaction filter on the period in the key.
//   parked (400 days after RESOLVED / DISCARDED): the feed's window; until
//     the month's items are purged a re-export can meet the record again,
//     and a discarded one must still be found discarded (else it is parked
//     anew). The audit log keeps the rerun/discard six years. PARKED and
//     RERUNNING records stay whatever their age. Compaction filter on the
//     record's state and state time.
//   spool files (at once): deleted after ingest (hub/rpc/upload_stream.h).
//   backups (keep 14): two weeks of nightly checkpoints; AdminService
//     deletes the oldest beyond N.
// Kept for ever, as they grow with the county (one entry per member,
// provider, plan or record the plans list), not with days: members,
// coverage, assignments, authorizations and their views, each member's
// latest care plan (kCarePlans), consents, each plan's claim tally.
//
// A duration of zero keeps that class for ever. Each purge run appends one
// audit record (organization "hub", method "hub.retention/Purge") with the
// counts per class; the audit log's chain still verifies afterwards.
//
// Thread safety: Purge may run concurrently with every other use of the
// store; two Purge runs must not overlap (the hub runs one at a time).
#ifndef HUB_STORAGE_RETENTION_H_
#define HUB_STORAGE_RETENTION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage/audit_store.h"
#include "storage/store.h"

namespace hub::storage {

struct RetentionPolicy {
  absl::Duration audit_log = absl::Hours(24 * (6 * 365 + 2));  // Six years with leap days.
  absl::Duration idempotency = absl::Hours(24 * 90);
  absl::Duration ingest_reports = absl::Hours(24 * 400);
  // Acknowledged feed items, counted from the plan's acknowledgement.
  absl::Duration feed = absl::Hours(24 * 400);
  // The monitor's flow tallies and rejection log, by their time.
  absl::Duration monitoring = absl::Hours(24 * 457);
  // Outreach attempts (the monitor's outreach index and the worklists'
  // attempts), by their accept time / attempt date: the quarterly report's
  // five quarters plus a week, so every referral due in a reported quarter
  // keeps its first attempt. Attempts of a referral still awaiting
  // outreach (received or accepted) stay whatever their age.
  absl::Duration outreach = absl::Hours(24 * 464);
  // Billing lines (kClaims), by their month: a month goes once it began
  // more than this before now (whole months; the feed's 400 days).
  absl::Duration claims = absl::Hours(24 * 400);
  // Quality reports, by the end of their period (month, quarter or year):
  // the quarterly report's five quarters.
  absl::Duration quality_reports = absl::Hours(24 * 457);
  // RESOLVED or DISCARDED parked records, by the time of that change (the
  // feed's 400 days: until then a re-export of the month can meet the
  // record again, and a discarded one must still be found discarded).
  absl::Duration parked = absl::Hours(24 * 400);
};

// What one purge removed.
struct PurgeCounts {
  int64_t audit_records = 0;
  int64_t idempotency_results = 0;
  int64_t ingest_reports = 0;
  int64_t feed_items = 0;
  // Member status items below a plan's mark kept as the member's latest
  // (the RTF reports them every month) in this run.
  int64_t feed_status_kept = 0;
  // Flow tally buckets and rejection log entries.
  int64_t monitor_records = 0;
  // RTF row index entries (provider, plan, month) of months before the
  // monitoring cutoff's (class "monitoring" too).
  int64_t rtf_rows = 0;
  // The monitor's outreach index entries and the worklists' outreach
  // attempts.
  int64_t outreach_records = 0;
  // Billing lines (each with its decision and index entries).
  int64_t claim_lines = 0;
  int64_t quality_reports = 0;
  // RESOLVED or DISCARDED parked records.
  int64_t parked_records = 0;
};

// Removes what `policy` lets go as of `now` and appends the run's audit
// record to `audit` (required). Compacts the purged column families so the
// space is returned at once.
absl::StatusOr<PurgeCounts> PurgeExpired(Store& store, AuditStore& audit,
                                         const RetentionPolicy& policy, absl::Time now);

// RocksDB's estimates for one class of data (its column families): live
// bytes (estimate-live-data-size) and keys (estimate-num-keys); the bytes
// its tables take on disk (total-sst-files-size: live data plus what
// compaction has yet to drop; the feed families compact size-tiered and
// may take up to 3x their live bytes, storage/store_options.h), and what
// compaction has yet to rewrite (estimate-pending-compaction-bytes).
struct ClassUsage {
  std::string data_class;  // "audit_log", "feed", "idempotency", ...
  int64_t live_bytes = 0;
  int64_t keys = 0;
  int64_t disk_bytes = 0;
  int64_t compaction_pending_bytes = 0;
};
// Every class, in a fixed order.
absl::StatusOr<std::vector<ClassUsage>> UsageByClass(Store& store);

}  // namespace hub::storage

#endif  // HUB_STORAGE_RETENTION_H_
