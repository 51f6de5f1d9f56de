#include "hub/submit/submit_pipeline.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "base/sha256.h"
#include "base/status_macros.h"
#include "base/string_view.h"
#include "base/timestamp.h"
#include "hub/common/log.h"
#include "hub/submit/flow_recorder.h"
#include "hub/submit/submit_group.h"

// A note on authorizations: the pipeline adds the units of accepted
// Community Supports lines to the authorization's units_used in the group's
// batch, from the value it read when validating. A plan's authorization file
// ingested at the same moment may rewrite the same authorization (with the
// plan's own count); the later commit wins. Both sides only ever rewrite the
// record whole, so the store stays consistent; the count may be off by the
// lines of one group until the plan's next file.

namespace hub {

const char kPart2RedisclosureNotice[] =
    "This record which has been disclosed to you is protected by Federal confidentiality rules "
    "(42 CFR part 2). These rules prohibit you from using or disclosing this record, or "
    "testimony that describes the information contained in this record, in any civil, "
    "criminal, administrative, or legislative proceedings by any Federal, State, or local "
    "authority, against the patient, unless authorized by the consent of the patient, except "
    "as provided at 42 CFR 2.12(c)(5) or as authorized by a court in accordance with 42 CFR "
    "2.64 or 2.65. In addition, the Federal rules prohibit you from making any other use or "
    "disclosure of this record unless at least one of the following applies: (i) Further use "
    "or disclosure is expressly permitted by the written consent of the individual whose "
    "information is being disclosed in this record or as otherwise permitted by 42 CFR part "
    "2. (ii) You are a covered entity or business associate and have received the record for "
    "treatment, payment, or health care operations, or (iii) You have received the record "
    "from a covered entity or business associate as permitted by 45 CFR part 164, subparts A "
    "and E. A general authorization for the release of medical or other information is NOT "
    "sufficient to meet the required elements of written consent to further use or "
    "redisclose the record (see 42 CFR 2.31).";

namespace {

// How often the writer logs its group statistics.
constexpr absl::Duration kStatsLogInterval = absl::Seconds(60);
// A commit slower than this is logged at once.
constexpr absl::Duration kSlowCommit = absl::Seconds(1);

// What the callers of a group whose commit failed with `cause` are told.
absl::Status GroupFailed(const absl::Status& cause) {
  if (absl::IsResourceExhausted(cause)) {
    return absl::ResourceExhaustedError(
        "the hub's data volume is full, so none of this batch was stored; the county's "
        "operators must free space on it: send the batch again later with the same "
        "idempotency keys (nothing will be stored twice)");
  }
  return absl::UnavailableError(
      "the hub could not store this batch durably, so none of it was stored; send it again "
      "with the same idempotency keys (nothing will be stored twice)");
}
}  // namespace
SubmitPipeline::SubmitPipeline(storage::Store* store, storage::DirectoryStore* directory,
                               storage::FeedStore* feed, const ReferenceTables* reference,
                               SubmitPipelineOptions options)
    : store_(store),
      directory_(directory),
      feed_(feed),
      reference_(reference),
      options_(std::move(options)),
      members_(store),
      coverage_(store),
      care_(store),
      care_plans_(store),
      validator_(&members_, &coverage_, &care_, reference),
      member_care_(store),
      store_reads_(&members_, &coverage_, &care_),
      stat_since_(absl::Now()) {
  committer_ = std::thread([this] { CommitterLoop(); });
  writer_ = std::thread([this] { WriterLoop(); });
}

SubmitPipeline::~SubmitPipeline() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  writer_.join();  // Answers everything queued and waits for its commits.
  {
    absl::MutexLock lock(&commit_mu_);
    committer_stopping_ = true;
  }
  committer_.join();
}

std::string SubmitPipeline::RecordId(std::string_view provider_id, std::string_view idempotency_key,
                                     int64_t accept_micros) {
  Sha256 sha;
  sha.Update(provider_id);
  sha.Update(std::string_view("\0", 1));
  sha.Update(idempotency_key);
  sha.Update(std::string_view("\0", 1));
  sha.Update(absl::StrCat(accept_micros));
  return absl::StrCat("rec_", sha.HexDigest().substr(0, 16));
}

void SubmitPipeline::Enqueue(std::string provider_id,
                             std::vector<const hub::v1::Submission*> submissions, Done done) {
  if (submissions.empty()) {
    done(absl::OkStatus(), {});
    return;
  }
  const int64_t count = static_cast<int64_t>(submissions.size());
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_ && queued_records_ + count <= options_.max_queued_records) {
      queued_records_ += count;
      queue_.push_back(Batch{std::move(provider_id), std::move(submissions), std::move(done)});
      return;
    }
  }
  done(absl::UnavailableError(
           "the hub is busy or shutting down and did not take this batch; nothing was stored: "
           "send it again in a moment with the same idempotency keys"),
       {});
}

absl::StatusOr<std::vector<hub::v1::SubmissionResult>> SubmitPipeline::Submit(
    std::string provider_id, std::vector<const hub::v1::Submission*> submissions) {
  absl::Notification finished;
  absl::Status status;
  std::vector<hub::v1::SubmissionResult> results;
  Enqueue(std::move(provider_id), std::move(submissions),
          [&](absl::Status s, std::vector<hub::v1::SubmissionResult> r) {
            status = std::move(s);
            results = std::move(r);
            finished.Notify();
          });
  finished.WaitForNotification();
  if (!status.ok()) return status;
  return results;
}

void SubmitPipeline::FailGroup(Group& group, const absl::Status& status) {
  for (Batch& in : group.batches) in.done(status, {});
}

void SubmitPipeline::WriterLoop() {
  // What the group being committed decided (empty when none is).
  Decisions carried;
  while (true) {
    auto group = std::make_unique<Group>();
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](SubmitPipeline* p)
               ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->mu_) { return !p->queue_.empty() || p->stopping_; },
          this));
      if (queue_.empty()) break;  // Stopping, and everything was taken.
      while (!queue_.empty() && group->records < options_.max_group_records) {
        group->records += static_cast<int64_t>(queue_.front().submissions.size());
        group->batches.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      queued_records_ -= group->records;
    }
    {
      // What the previous group decided stands in for the store only while
      // that group is still committing. Once it is durable (and its results
      // are visible through the feed store), the store is the truth: carried
      // decisions kept past that would replay a key the retention purge has
      // since let go, or spend units of an authorization a plan's file has
      // since changed.
      absl::MutexLock lock(&commit_mu_);
      if (!commit_busy_ && last_commit_ok_) carried.Clear();
    }
    Decisions decided;
    absl::Status status = ValidateGroup(*group, carried, decided);
    // The previous group must be durable before this one appends to the
    // feeds. If it failed, what this group learned from it is void: check
    // again against the store alone.
    bool previous_ok = true;
    {
      absl::MutexLock lock(&commit_mu_);
      commit_mu_.Await(absl::Condition(
          +[](SubmitPipeline* p)
               ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->commit_mu_) { return !p->commit_busy_; },
          this));
      previous_ok = last_commit_ok_;
      last_commit_ok_ = true;
    }
    if (!previous_ok) {
      carried.Clear();
      decided.Clear();
      status = ValidateGroup(*group, carried, decided);
    }
    if (status.ok()) status = BoundIndexLag();
    if (status.ok()) status = BuildGroup(*group, carried, decided);
    if (!status.ok()) {
      feed_->AbortAppends();
      log::Error("submit_group_failed", {{"batches", static_cast<int64_t>(group->batches.size())},
                                         {"records", group->records},
                                         {"code", absl::StatusCodeToString(status.code())},
                                         {"cause", std::string(status.message())}});
      FailGroup(*group, absl::UnavailableError(
                            "the hub could not read its store to check this batch; nothing was "
                            "stored: send it again with the same idempotency keys"));
      carried.Clear();
      continue;
    }
    carried = std::move(decided);
    carried.where.clear();
    absl::MutexLock lock(&commit_mu_);
    to_commit_ = std::move(group);
    commit_busy_ = true;
  }
  // Wait for the last commit.
  absl::MutexLock lock(&commit_mu_);
  commit_mu_.Await(absl::Condition(
      +[](SubmitPipeline* p)
           ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->commit_mu_) { return !p->commit_busy_; },
      this));
}

absl::Status SubmitPipeline::BoundIndexLag() {
  const int64_t max = options_.max_index_lag_records;
  if (max <= 0) return absl::OkStatus();
  const int64_t lag = feed_->IndexLag().items;
  if (lag <= max) return absl::OkStatus();
  // The follower fell behind: index here, before appending more, so the
  // records held in memory until indexed stay bounded.
  return feed_->IndexPending(lag - max / 2).status();
}

void SubmitPipeline::CommitterLoop() {
  while (true) {
    std::unique_ptr<Group> group;
    {
      absl::MutexLock lock(&commit_mu_);
      commit_mu_.Await(absl::Condition(
          +[](SubmitPipeline* p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->commit_mu_) {
            return p->to_commit_ != nullptr || p->committer_stopping_;
          },
          this));
      if (to_commit_ == nullptr) return;
      group = std::move(to_commit_);
    }
    CommitGroup(*group);
  }
}
void SubmitPipeline::CommitGroup(Group& group) {
  const absl::Time commit_start = absl::Now();
  absl::Status status = absl::OkStatus();
  if (options_.before_commit) status = options_.before_commit(static_cast<int>(group.records));
  if (status.ok() && group.write.Count() > 0) {
    status = store_->Commit(group.write, storage::Durability::kSync);
  }
  const absl::Duration commit_latency = absl::Now() - commit_start;
  if (!status.ok()) {
    feed_->AbortAppends();
    log::Error("submit_group_failed", {{"batches", static_cast<int64_t>(group.batches.size())},
                                       {"records", group.records},
                                       {"code", absl::StatusCodeToString(status.code())},
                                       {"cause", std::string(status.message())}});
  } else {
    feed_->CommitAppends();
  }
  // Let the writer go on before answering (it may append at once).
  {
    absl::MutexLock lock(&commit_mu_);
    last_commit_ok_ = status.ok();
    commit_busy_ = false;
  }
  if (!status.ok()) {
    FailGroup(group, GroupFailed(status));
    return;
  }
  if (options_.on_feed_appended) {
    for (const std::string& plan_id : group.plans_appended) options_.on_feed_appended(plan_id);
  }
  if (options_.flow_recorder != nullptr) {
    for (size_t b = 0; b < group.batches.size(); ++b) {
      for (size_t i = 0; i < group.results[b].size(); ++i) {
        if (group.results[b][i].replayed()) continue;
        options_.flow_recorder->Committed(group.batches[b].provider_id,
                                          *group.batches[b].submissions[i], group.results[b][i]);
      }
    }
    options_.flow_recorder->GroupDone();
  }

  // Statistics, logged sparingly (counts and durations only).
  ++stat_groups_;
  stat_records_ += group.records;
  stat_max_group_ = std::max(stat_max_group_, group.records);
  stat_max_commit_ = std::max(stat_max_commit_, commit_latency);
  if (commit_latency > kSlowCommit) {
    log::Warning("submit_commit_slow", {{"records", group.records},
                                        {"batches", static_cast<int64_t>(group.batches.size())},
                                        {"commit_ms", absl::ToInt64Milliseconds(commit_latency)}});
  }
  const absl::Time wall = absl::Now();
  if (wall - stat_since_ >= kStatsLogInterval) {
    log::Info("submit_groups", {{"groups", stat_groups_},
                                {"records", stat_records_},
                                {"max_group_records", stat_max_group_},
                                {"max_commit_ms", absl::ToInt64Milliseconds(stat_max_commit_)},
                                {"interval_s", absl::ToInt64Seconds(wall - stat_since_)}});
    stat_groups_ = 0;
    stat_records_ = 0;
    stat_max_group_ = 0;
    stat_max_commit_ = absl::ZeroDuration();
    stat_since_ = wall;
  }
  for (size_t b = 0; b < group.batches.size(); ++b) {
    group.batches[b].done(absl::OkStatus(), std::move(group.results[b]));
  }
}

}  // namespace hub
