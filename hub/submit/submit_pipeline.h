// The submit pipeline: from providers' batches to durable, routed records in
// the plans' feeds, with group commit (design.md invariants 1 and 2).
//
// Callers (ProviderService.Submit reactors, CSV upload workers) Enqueue a
// batch with a completion callback and return at once. ONE writer thread
// drains the queue in groups (every queued batch, up to max_group_records)
// and, for each submission of the group in order:
//   1. checks the idempotency key's format (INVALID_IDEMPOTENCY_KEY; such a
//      result is not stored: there is no key to store it under);
//   2. looks the key up (FeedStore::GetSubmissionResult, and the earlier
//      submissions of the same group): a key already decided returns the
//      first result with replayed = true and adds nothing;
//   3. validates the record (submit_validation.h) with the units earlier
//      records of the group take from each authorization;
//   4. if accepted, appends a FeedItem to the feed of the plan covering the
//      member on the record's date (record_id = RecordId(provider, key,
//      accept time)),
//      with the 42 CFR 2.32 notice for Part 2 data;
//   5. stores a rejected result under the key (an accepted record's result
//      is derived from its feed item by the feed indexer; until the
//      indexer has written it, FeedStore answers it from memory).
// The whole group is ONE WriteBatch: one key per accepted record (its feed
// item), one per rejected record (its result), the feeds' heads, and the
// authorizations' new
// units_used (Community Supports services and invoice lines), each
// member's latest care plan (storage/care_plan_store.h) and each outreach
// attempt in the provider's outreach index (storage/care_store.h), committed with
// Durability::kSync: one fsync per group. Only then are the feed appends
// made permanent, the plans' followers notified, and every caller's
// callback run with its results: an OK result means every accepted record
// is synced. If the commit fails the appends are forgotten (no gap) and
// every batch of the group fails with UNAVAILABLE.
//
// Two stages overlap: while a committer thread commits group N (memtable
// inserts and the fsync), the writer validates group N+1 against the store
// plus what group N decided (its idempotency results, authorizations' units
// and care plans, kept in memory until N is durable). The writer appends
// N+1 to the feeds only once N's commit finished (so feed appends stay in
// commit order, gap-free); if N's commit failed, N+1 is validated again
// against the store alone.
//
// Thread safety: Enqueue and Submit may be called from any thread. The
// pipeline is the only writer of feeds (FeedStore::AppendItem), of stored
// submission results and of care plans; authorizations are also written by
// plan ingest (see the note in submit_pipeline.cc).
#ifndef HUB_HUB_SUBMIT_SUBMIT_PIPELINE_H_
#define HUB_HUB_SUBMIT_SUBMIT_PIPELINE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "hub/common/reference_tables.h"
#include "hub/submit/billing_check.h"
#include "hub/submit/member_reads.h"
#include "hub/submit/submit_validation.h"
#include "hub/v1/provider_service.pb.h"
#include "hub/v1/submission.pb.h"
#include "storage/care_plan_store.h"
#include "storage/care_store.h"
#include "storage/coverage_index.h"
#include "storage/directory_store.h"
#include "storage/feed_store.h"
#include "storage/member_care.h"
#include "storage/member_store.h"
#include "storage/store.h"

namespace hub {

class FlowRecorder;

// The notice that must accompany records under 42 CFR Part 2 (42 CFR
// 2.32(a)(1), "Statement 1" as amended in 2024). FeedItem.redisclosure_notice
// carries it.
extern const char kPart2RedisclosureNotice[];

struct SubmitPipelineOptions {
  // Wall clock: accept times, and "today" (UTC) for FUTURE_DATE. Required.
  std::function<absl::Time()> clock;
  // Records per group (a batch is never split: a group may exceed this by
  // less than one batch).
  int max_group_records = 10000;
  // Records waiting in the queue beyond which Enqueue refuses new batches
  // with UNAVAILABLE (bounded memory under overload).
  int64_t max_queued_records = 200000;
  // Called on the writer thread after each committed group, once per plan
  // whose feed grew (wakes PullFeed followers). Must not block.
  std::function<void(const std::string& plan_id)> on_feed_appended;
  // County monitoring (hub/submit/flow_recorder.h): adds its writes for each new
  // result to the group's batch, counts them once committed. May be null.
  FlowRecorder* flow_recorder = nullptr;
  // The plan's billing rules for the billing check (billing_check.h); null
  // = every program on the 837P.
  BillingProfileLookup billing_profile;
  // Committed records not yet indexed (storage::FeedStore::IndexLag) beyond
  // which the writer indexes them itself before it appends more (the
  // follower, hub/feed/feed_indexer.h, normally keeps the lag far lower).
  // Bounds the memory they hold. 0 = no bound.
  int64_t max_index_lag_records = 100000;
  // Test hook, called before each group's commit with its record count: a
  // non-OK status fails the commit as a disk error would.
  std::function<absl::Status(int group_records)> before_commit;
};

class SubmitPipeline {
 public:
  // Receives a batch's outcome: OK with one result per submission in order,
  // or UNAVAILABLE/INTERNAL with no results (nothing of the batch was
  // stored). Runs on the writer thread (or inline in Enqueue when refused):
  // it must not block.
  using Done =
      std::function<void(absl::Status status, std::vector<hub::v1::SubmissionResult> results)>;

  // None of the pointers is owned; all must outlive the pipeline. Starts the
  // writer thread.
  SubmitPipeline(storage::Store* store, storage::DirectoryStore* directory,
                 storage::FeedStore* feed, const ReferenceTables* reference,
                 SubmitPipelineOptions options);
  // Finishes every queued batch, then joins the writer.
  ~SubmitPipeline();

  SubmitPipeline(const SubmitPipeline&) = delete;
  SubmitPipeline& operator=(const SubmitPipeline&) = delete;

  // Queues `submissions` of `provider_id` (not owned: they must stay valid
  // until `done` runs). UNAVAILABLE to `done`, at once, when the queue is
  // full or the pipeline is stopping.
  void Enqueue(std::string provider_id, std::vector<const hub::v1::Submission*> submissions,
               Done done);

  // Enqueue and wait (for worker threads, never gRPC callback threads).
  absl::StatusOr<std::vector<hub::v1::SubmissionResult>> Submit(
      std::string provider_id, std::vector<const hub::v1::Submission*> submissions);

  // "rec_" + the first 16 hex digits of SHA-256(provider_id \0 key \0
  // accept micros in decimal). A retry within the idempotency window never
  // makes a new record (it is answered with the first result), so the id
  // needs no determinism; the accept time keeps it unique when a provider
  // reuses a key after the window (a new record, while the first one is
  // still in the feed, its index, its claim and its plan's verdict).
  static std::string RecordId(std::string_view provider_id, std::string_view idempotency_key,
                              int64_t accept_micros);

  const SubmitPipelineOptions& options() const { return options_; }

 private:
  struct Batch {
    std::string provider_id;
    std::vector<const hub::v1::Submission*> submissions;
    Done done;
  };
  struct Group;
  struct Decisions;

  void WriterLoop();
  void CommitterLoop();
  // Validates `group` against the store and `carried` (what the group still
  // committing decided); fills group.results and the group's decisions.
  absl::Status ValidateGroup(Group& group, const Decisions& carried, Decisions& decided);
  // Adds the group's writes to group.write (feed appends, results,
  // authorizations, care plans); completes the accepted results.
  absl::Status BuildGroup(Group& group, const Decisions& carried, Decisions& decided);

  // Adds to `cins` the CINs of the group's records that could reach the
  // member checks (a well-formed CIN), and to `authorization_cins` those of
  // the records naming an authorization: what ValidateGroup reads at once.
  static void GroupCins(const Group& group, std::vector<std::string_view>& cins,
                        std::vector<std::string_view>& authorization_cins);
  // ValidateGroup's steps (hub/submit/submit_group.cc). One submission's
  // decision: a bad key, an in-group repeat, a replayed earlier result, or
  // the validator's verdict (accepted records routed with Accept).
  // `reads` answers for the group's members (read once per group).
  absl::Status DecideSubmission(Group& group, size_t b, size_t i, const hub::v1::Provider* provider,
                                const MemberReads& reads, const Decisions& carried,
                                Decisions& decided);
  // True if the key already has a result (decided by the group committing,
  // or stored): `result` is it replayed, or the refusal of a reused key.
  absl::StatusOr<bool> ReplayEarlierResult(const std::string& provider_id,
                                           const hub::v1::Submission& s,
                                           const std::string& group_key, const Decisions& carried,
                                           hub::v1::SubmissionResult& result);
  // Takes an accepted record: its authorization's units, the member's
  // latest care plan, its place in group.accepted.
  static void Accept(Group& group, size_t b, size_t i, RoutedRecord& routed, Decisions& decided);

  // BuildGroup's steps, in order: feed items of the accepted records, the
  // results to store, in-group repeats answered, flow tallies,
  // authorizations, care plans.
  struct GroupBuild;
  absl::Status AppendAccepted(Group& group, GroupBuild& build);
  void StoreResults(Group& group, GroupBuild& build, Decisions& decided);
  static void AnswerRepeats(Group& group);
  void RecordFlows(Group& group);
  absl::Status StoreAuthorizations(Group& group, Decisions& decided);
  absl::Status StoreCarePlans(Group& group, GroupBuild& build, const Decisions& carried,
                              Decisions& decided);
  // Indexes committed records here if more than max_index_lag_records wait.
  absl::Status BoundIndexLag();
  // Commits a built group, then answers its callers (committer thread).
  void CommitGroup(Group& group);
  // Fails every batch of `group` with `status`.
  static void FailGroup(Group& group, const absl::Status& status);

  storage::Store* store_;
  storage::DirectoryStore* directory_;
  storage::FeedStore* feed_;
  const ReferenceTables* reference_;
  const SubmitPipelineOptions options_;
  storage::MemberStore members_;
  storage::CoverageIndex coverage_;
  storage::CareStore care_;
  storage::CarePlanStore care_plans_;
  SubmissionValidator validator_;
  // What validation reads about a group's members, in one pass per group,
  // and the stores for what that pass does not hold.
  storage::MemberCareReader member_care_;
  StoreMemberReads store_reads_;

  absl::Mutex mu_;
  std::deque<Batch> queue_ ABSL_GUARDED_BY(mu_);
  int64_t queued_records_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  // The hand-off between the writer and the committer: at most one group
  // built and not yet committed.
  absl::Mutex commit_mu_;
  std::unique_ptr<Group> to_commit_ ABSL_GUARDED_BY(commit_mu_);
  bool commit_busy_ ABSL_GUARDED_BY(commit_mu_) = false;
  bool last_commit_ok_ ABSL_GUARDED_BY(commit_mu_) = true;
  bool committer_stopping_ ABSL_GUARDED_BY(commit_mu_) = false;

  // Committer-thread statistics for the periodic log line (no PHI).
  int64_t stat_groups_ = 0;
  int64_t stat_records_ = 0;
  int64_t stat_max_group_ = 0;
  absl::Duration stat_max_commit_ = absl::ZeroDuration();
  absl::Time stat_since_;

  std::thread committer_;
  std::thread writer_;
};

}  // namespace hub

#endif  // HUB_HUB_SUBMIT_SUBMIT_PIPELINE_H_
