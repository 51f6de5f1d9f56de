// Plans' feeds: for each plan an append-only log of FeedItems numbered
// 1, 2, 3... without gaps, the plan's acknowledged cursor, providers'
// idempotency keys, and what each plan said about each record.
//
// Gap-free ordering needs sequences to be assigned in commit order. The hub
// does that with one writer (hub/submit/submit_pipeline.h) that gathers accepted
// records from concurrent Submit calls, appends them here in one WriteBatch,
// commits it synced (one fsync for the whole group: group commit), and only
// then answers the callers. AppendItem is therefore not thread-safe with
// itself: exactly one thread appends; readers may run concurrently.
//
// The feed is the log; every index is a view of it (design.md invariant 8).
// An append puts ONE key per record in the caller's (synced) batch: the
// feed item, which carries everything the indexes hold. The record index,
// the provider's listing, the export index, the stored result under the
// idempotency key and the monitor's accepted-record tally are written
// later by the feed indexer (IndexPending), in large buffered batches that
// also hold each plan's checkpoint (the last sequence applied), so an
// index never disagrees with the log: after a crash the indexer applies
// the tails past the checkpoints again (CatchUpIndexes; hubd does it before
// it serves). Until then, a committed record's result is answered from
// memory (GetSubmissionResult), and readers of the derived indexes
// (ListFeedback, ScanMonth, ScanLatestMemberStatus, Ack) first wait for
// the indexer to pass the sequences they need, helping it if it is idle,
// for at most index_wait_bound (then UNAVAILABLE).
//
// Keys (column families in store.h):
//   kFeedItems       plan_id \0 sequence(BE8)        -> hub.v1.FeedItem
//   kFeedHeads       plan_id                         -> last appended sequence (fixed64)
//   kFeedCursors     plan_id                         -> acknowledged sequence (fixed64)
//                    plan_id \0 through(BE8)         -> time of the Ack that moved the
//                                                       cursor to `through` (fixed64 micros)
//   kRecords         record_id                       -> RecordEntry (storage/feed_records.proto:
//                                                       plan, sequence, provider, key, kind,
//                                                       accept time, the plan's rejection)
//   kIdempotency     provider_id \0 idempotency_key  -> hub.v1.SubmissionResult
//   kProviderRecords provider_id \0 ~accept micros(BE8) \0 record_id -> "" (newest first)
//   kFeedIndex       what plans' exports read (-> ""):
//                    plan_id \0 "p" \0 kind \0 YYYY-MM \0 date \0 sequence(BE8)
//                      outreach attempts and invoice lines, by record month;
//                    plan_id \0 "p" \0 kind \0 YYYY-MM \0 provider_id \0 cin \0 date \0
//                      authorization_number \0 sequence(BE8)
//                      service records, in the order 837P claims group them;
//                    plan_id \0 "m" \0 cin \0 kind \0 date \0 sequence(BE8)
//                      enrollment status and referral status updates, by member.
//                    "kind" is the RecordKind number in decimal, "date" the
//                    record's own ISO date (RecordDate). Care plans are not
//                    indexed. kMeta "feed_index_built" marks a store whose
//                    earlier items were indexed (EnsureIndexed).
//   kMeta            "feed_indexed" \0 plan_id      -> the plan's indexer checkpoint
//                                                       (storage/feed_store_internal.h)
#ifndef HUB_STORAGE_FEED_STORE_H_
#define HUB_STORAGE_FEED_STORE_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "hub/v1/feed.pb.h"
#include "hub/v1/provider_service.pb.h"
#include "storage/store.h"

namespace hub::storage {

// A read over a consistent view of the store (a snapshot taken when the
// scan was opened): items appended later are not seen. Holds the snapshot
// and one iterator; destroy it before the Store closes. Not thread-safe.
class FeedScan {
 public:
  virtual ~FeedScan() = default;
  // Fills `item` with the next item and returns true; false at the end.
  // DataLoss if the index names an item that is missing or damaged.
  virtual absl::StatusOr<bool> Next(hub::v1::FeedItem& item) = 0;
};

// The record's own date ("YYYY-MM-DD" as submitted): attempt_date,
// as_of_date, effective_date, service_date or status_date; "" if none.
std::string_view RecordDate(const hub::v1::Submission& submission);

// The fingerprint that tells two submissions under one idempotency key
// apart: 32 hex digits of the SHA-256 of its deterministic serialization.
std::string SubmissionFingerprint(const hub::v1::Submission& submission);

// How far the derived indexes are behind the feeds.
struct FeedIndexLag {
  // Committed items not yet indexed.
  int64_t items = 0;
  // Accept time (Unix micros) of the oldest of them; 0 when items == 0.
  int64_t oldest_accept_micros = 0;
};

// The derived indexes compared with a rebuild from the log (CheckIndexes).
struct FeedIndexCheck {
  // Items through the checkpoints, whose entries were checked.
  int64_t items = 0;
  // Expected entries absent, present with another value, and entries no
  // item accounts for.
  int64_t missing = 0;
  int64_t differing = 0;
  int64_t extra = 0;
  bool consistent() const { return missing == 0 && differing == 0 && extra == 0; }
};

namespace feed_internal {
struct DerivedRecord;
}

class FeedStore {
 public:
  // `store` must outlive this object. Each plan's head is read from the
  // store on first use and kept in memory after that, so exactly one
  // FeedStore may exist per Store.
  explicit FeedStore(Store* store);

  ~FeedStore();

  FeedStore(const FeedStore&) = delete;
  FeedStore& operator=(const FeedStore&) = delete;

  // --- Writing (one writer thread) ---------------------------------------

  // Assigns `item` the plan's next sequence (head + 1 counting earlier
  // appends in this batch), sets item.sequence, and adds to `batch` the
  // item and the new head: one key per record (the derived indexes follow
  // from the log, see above), and the monitor's tally of the record
  // (storage/flow_tally.h: merged once per tally key and batch). Returns the sequence. The caller
  // sets item.record_id (unique hub-wide), provider_id, kind and accept_time; the submission's
  // idempotency key is `idempotency_key` (set in the item if it has none). InvalidArgument if
  // plan_id, record_id or provider_id is empty or holds '\0', or the item's submission holds
  // another key (then nothing is added and the head does not move). The in-memory head advances at
  // once: call CommitAppends after a successful Commit, or AbortAppends after a failed one, before
  // the next append. `fingerprint`: SubmissionFingerprint(item.submission()) if the caller has it
  // ("" = computed here).
  absl::StatusOr<uint64_t> AppendItem(WriteBatch& batch, std::string_view plan_id,
                                      hub::v1::FeedItem& item, std::string_view idempotency_key,
                                      std::string_view fingerprint = {});
  // Makes the appends since the last Commit/AbortAppends permanent: readers
  // see the new heads from now on, and GetSubmissionResult answers their
  // keys (from memory until the indexer has written them).
  void CommitAppends();
  // Forgets the appends since the last CommitAppends (their batch failed),
  // so the next append reuses their sequences: no gap.
  void AbortAppends();

  // Adds to `batch` the stored result of (provider, result.idempotency_key),
  // with `fingerprint` (any bytes, "" = none) of the submission it answers,
  // so a later submission under the same key can be told apart. For
  // results that are not in a feed (rejections): an accepted record's
  // result is derived from its feed item. `decided` is when the hub
  // decided it: retention (storage/retention.h) ages a rejection by it as
  // an accepted result by its accept_time; absl::InfinitePast() = no time
  // (as stored before rejections kept one): kept for ever.
  void PutSubmissionResult(WriteBatch& batch, std::string_view provider_id,
                           const hub::v1::SubmissionResult& result,
                           std::string_view fingerprint = {},
                           absl::Time decided = absl::InfinitePast());

  // --- Reading (any thread) ------------------------------------------------

  // The stored result of (provider, key), nullopt if the key is new. With
  // `fingerprint`, also the fingerprint stored with it ("" for a result
  // stored without one, e.g. before fingerprints existed). Sees every
  // committed append (CommitAppends) at once, indexed or not; the first
  // call applies the feeds' tails past their checkpoints (CatchUpIndexes).
  absl::StatusOr<std::optional<hub::v1::SubmissionResult>> GetSubmissionResult(
      std::string_view provider_id, std::string_view idempotency_key,
      std::string* fingerprint = nullptr) const;

  // The last committed sequence of the plan's feed (0 if empty or unknown).
  absl::StatusOr<uint64_t> Head(std::string_view plan_id) const;

  // Up to `limit` (>= 1) items with sequence > after_sequence, in order.
  // Reads only what it returns (bounded memory for a slow plan). May return
  // items of a batch committed an instant before CommitAppends moved Head.
  absl::StatusOr<std::vector<hub::v1::FeedItem>> ReadItems(std::string_view plan_id,
                                                           uint64_t after_sequence,
                                                           int limit) const;

  // One stored item as hub.v1.FeedItem wire bytes (its sequence included).
  struct RawItem {
    uint64_t sequence = 0;
    std::string bytes;
  };
  // Like ReadItems without parsing (for streaming the bytes as they are):
  // fills items[0..n) with the next n <= limit items, reusing their
  // buffers (the vector grows, never shrinks), and returns n.
  absl::StatusOr<int> ReadRawItems(std::string_view plan_id, uint64_t after_sequence, int limit,
                                   std::vector<RawItem>& items) const;

  // --- Export reads (kFeedIndex) ------------------------------------------

  // The plan's items of `kind` whose record date falls in `month`
  // ("YYYY-MM"). OUTREACH_ATTEMPT and INVOICE_LINE come by (record date,
  // sequence); SERVICE by (provider_id, CIN, service date, authorization
  // number, sequence), so lines of one claim are adjacent. Memory is bounded
  // (one item at a time). InvalidArgument for another kind or a malformed
  // month. Indexes earlier items first if needed (EnsureIndexed).
  absl::StatusOr<std::unique_ptr<FeedScan>> ScanMonth(std::string_view plan_id,
                                                      hub::v1::RecordKind kind,
                                                      std::string_view month);

  // For each member with ENROLLMENT_STATUS or REFERRAL_STATUS items in the
  // plan's feed dated on or before `through_date` ("YYYY-MM-DD"): the latest
  // of each of the two kinds (latest record date, then highest sequence), in
  // (CIN, kind) order: a member's enrollment status, if any, comes just
  // before its referral status, if any. Reads only the items it returns;
  // memory is bounded. InvalidArgument for a malformed date.
  absl::StatusOr<std::unique_ptr<FeedScan>> ScanLatestMemberStatus(std::string_view plan_id,
                                                                   std::string_view through_date);

  // Indexes the items of feeds written before kFeedIndex existed, once per
  // store (kMeta "feed_index_built" records that it ran). The scans call it;
  // safe to call concurrently with AppendItem (an item indexed twice gets
  // the same key). Thread-safe.
  absl::Status EnsureIndexed();

  // --- The feed indexer (any thread; one runs at a time) -----------------

  // Applies every plan's items past its checkpoint that are not held in
  // memory, reading them from the log (after a restart: what a crash left
  // unindexed; Store::Open does it too). Idempotent.
  absl::Status CatchUpIndexes();
  // Writes the derived entries of up to `max_items` (>= 1) committed items
  // not yet indexed, with the plans' new checkpoints, in one buffered batch
  // per plan. Returns how many it indexed (0: caught up).
  absl::StatusOr<int64_t> IndexPending(int64_t max_items);
  // OK once the plan's items through `sequence` are indexed, indexing them
  // here if no other indexer is busy; UNAVAILABLE if that takes longer than
  // index_wait_bound (the message tells the caller to retry).
  // Const: the derived indexes are views of the log, written on demand.
  absl::Status AwaitIndexed(std::string_view plan_id, uint64_t sequence) const;
  // Every plan's committed items, as of the call, indexed (as AwaitIndexed).
  absl::Status AwaitAllIndexed() const;
  FeedIndexLag IndexLag() const;
  // Indexes every committed item, then derives their entries from the log again
  // and compares them with the stored ones (a record's entry without the
  // plan's verdict; stored rejections are not derived and not counted; an
  // accepted result older than the last retention purge's idempotency
  // cutoff is let go, so it is not expected, and its key may hold a newer
  // record's result).
  // Reads the whole feed and every index (memory stays bounded): for tests
  // and offline checks, not a serving path.
  absl::StatusOr<FeedIndexCheck> CheckIndexes() const;
  // How long AwaitIndexed may wait (default 10 s). Set before use.
  void set_index_wait_bound(absl::Duration bound) { index_wait_bound_ = bound; }

  // --- Acknowledgement -----------------------------------------------------

  // The plan's acknowledged cursor (0 if it never acked).
  absl::StatusOr<uint64_t> Cursor(std::string_view plan_id) const;

  // Waits for the indexer to pass through_sequence (UNAVAILABLE past the
  // bound, nothing written), then durably (synced) advances the plan's cursor to
  // `through_sequence` and records the plan's rejections. Errors, with
  // nothing written:
  //   OutOfRange       through_sequence is beyond the head;
  //   InvalidArgument  a rejection names a sequence of 0 or above
  //                    through_sequence, an item whose record_id differs,
  //                    or has no reason_code.
  // A through_sequence at or below the cursor leaves the cursor as it is
  // (rejections of items at or below through_sequence are still recorded:
  // a plan may reject an item after acknowledging it); with no rejections
  // nothing is written. A repeated rejection replaces the earlier one.
  // An Ack of more than 50,000 items advances the cursor in steps of that
  // many, each atomic and synced (a crash may leave it part way, never past
  // an item it did not acknowledge). The same batches move the monitor's
  // flow tallies (storage/flow_tally.h) of the acknowledged and rejected
  // records. Thread-safe; serialized per FeedStore. Returns the cursor
  // after the call.
  absl::StatusOr<uint64_t> Ack(std::string_view plan_id, uint64_t through_sequence,
                               const std::vector<hub::v1::ItemRejection>& rejections,
                               int64_t ack_time_unix_micros);

  // --- Provider feedback ---------------------------------------------------

  // Up to `limit` (>= 1) of the provider's records, newest first (by accept
  // time, then record id), starting after `after` (an opaque token from a
  // previous page; "" for the first), with their status computed now:
  // ACCEPTED_BY_PLAN or REJECTED_BY_PLAN (with the plan's reason) once the
  // plan's cursor has passed the record, DELIVERED_PENDING before.
  // `status_filter` UNSPECIFIED lists all; another value only that status
  // (a call examines at most a bounded number of records, so a filtered
  // page may hold fewer than `limit` items with a next token). Returns the
  // items and the next token ("" when done). InvalidArgument for a token
  // this method did not return.
  absl::StatusOr<std::pair<std::vector<hub::v1::FeedbackItem>, std::string>> ListFeedback(
      std::string_view provider_id, hub::v1::FeedbackStatus status_filter, std::string_view after,
      int limit) const;

 private:
  // Ack's parts (storage/feed_ack.cc): checks every rejection against the
  // stored items (filling `verdicts`, the last one of a sequence winning);
  // one atomic, synced step acknowledging (from, to] (and, in the first
  // step, from == old_cursor, the rejections of items acknowledged before);
  // the flow tallies of the items (from, to] now acknowledged.
  absl::Status CheckRejections(std::string_view plan_id, uint64_t through_sequence,
                               const std::vector<hub::v1::ItemRejection>& rejections,
                               std::map<uint64_t, const hub::v1::ItemRejection*>& verdicts) const;
  absl::Status AckStep(std::string_view plan_id, uint64_t old_cursor, uint64_t from, uint64_t to,
                       const std::map<uint64_t, const hub::v1::ItemRejection*>& verdicts,
                       int64_t ack_micros);
  absl::Status TallyAcknowledged(std::string_view plan_id, uint64_t from, uint64_t to,
                                 const std::map<uint64_t, const hub::v1::ItemRejection*>& verdicts,
                                 int64_t ack_micros, WriteBatch& batch) const;

  // The committed head of `plan_id`, loading it on first use.
  absl::StatusOr<uint64_t> CommittedHeadLocked(std::string_view plan_id) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(heads_mu_);

  // The indexer's parts (storage/feed_index.cc).
  struct PlanIndex;
  absl::Status LoadPlansLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(indexer_mu_);
  // `log_only`: only the items below those held in memory (a restart's
  // tails), not those committed since.
  absl::StatusOr<int64_t> IndexPendingLocked(int64_t max_items, std::string_view only_plan,
                                             bool log_only) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(indexer_mu_);
  absl::StatusOr<int64_t> IndexPlanLocked(const std::string& plan_id, int64_t max_items,
                                          bool log_only) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(indexer_mu_);
  // Loads plan_id's index checkpoint into plan_index_ on first use.
  absl::Status LoadCheckpointLocked(const std::string& plan_id) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(indexer_mu_);
  absl::Status AwaitIndexedUntil(std::string_view plan_id, uint64_t sequence,
                                 absl::Time deadline) const;
  absl::Status EnsureCaughtUp() const;

  Store* store_;
  absl::Duration index_wait_bound_ = absl::Seconds(10);
  mutable absl::Mutex heads_mu_;
  // Committed heads, and heads including uncommitted appends.
  mutable absl::flat_hash_map<std::string, uint64_t> committed_heads_ ABSL_GUARDED_BY(heads_mu_);
  absl::flat_hash_map<std::string, uint64_t> pending_heads_ ABSL_GUARDED_BY(heads_mu_);
  // Appended in the current batch, not yet committed (writer thread).
  std::vector<feed_internal::DerivedRecord> appending_ ABSL_GUARDED_BY(heads_mu_);
  // Serializes indexers (the follower, helping readers, the writer).
  mutable absl::Mutex indexer_mu_ ABSL_ACQUIRED_BEFORE(state_mu_);
  mutable bool plans_loaded_ ABSL_GUARDED_BY(indexer_mu_) = false;
  // Plan -> checkpoint and the committed records past it held in memory;
  // (provider \0 key) -> such a record, for GetSubmissionResult.
  mutable absl::Mutex state_mu_;
  mutable absl::flat_hash_map<std::string, std::unique_ptr<PlanIndex>> plan_index_
      ABSL_GUARDED_BY(state_mu_);
  mutable absl::flat_hash_map<std::string, const feed_internal::DerivedRecord*> recent_
      ABSL_GUARDED_BY(state_mu_);
  mutable int64_t unindexed_ ABSL_GUARDED_BY(state_mu_) = 0;
  mutable std::atomic<bool> caught_up_{false};
  absl::Mutex ack_mu_;
  absl::Mutex index_mu_;
  bool indexed_ ABSL_GUARDED_BY(index_mu_) = false;
};

}  // namespace hub::storage

#endif  // HUB_STORAGE_FEED_STORE_H_
