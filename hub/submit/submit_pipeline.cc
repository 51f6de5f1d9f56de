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

std::string GroupKey(std::string_view provider_id, std::string_view key) {
  return absl::StrCat(Absl(provider_id), std::string(1, '\0'), Absl(key));
}

// What tells two submissions under one key apart (the same function the
// feed indexer derives the stored fingerprint of an accepted record with).
std::string Fingerprint(const hub::v1::Submission& submission) {
  return storage::SubmissionFingerprint(submission);
}

// The rejection of a record sent under a key already used for another one.
hub::v1::RejectedRecord KeyReused(const hub::v1::SubmissionResult& first) {
  std::string what;
  if (first.has_accepted()) {
    what = absl::StrCat("accepted as record ", first.accepted().record_id());
  } else {
    what = absl::StrCat("which the hub rejected (", first.rejected().reason_code(), ")");
  }
  return ToRejectedRecord(Violation{
      std::string(kIdempotencyKeyReused), "idempotency_key",
      absl::StrCat("this idempotency key was already used for a different record, ", what,
                   "; give this record its own key (resend the first record unchanged to read "
                   "its result)")});
}

}  // namespace

// One group of batches on its way through the two stages.
struct SubmitPipeline::Group {
  std::vector<Batch> batches;
  int64_t records = 0;
  absl::Time now;
  std::string today;
  google::protobuf::Timestamp accept_time;
  // One result per submission, per batch.
  std::vector<std::vector<hub::v1::SubmissionResult>> results;
  // Accepted records, in order: where their result is and where they go.
  struct Accepted {
    size_t batch = 0;
    size_t index = 0;
    std::string plan_id;
    hub::v1::RecordKind kind = hub::v1::RECORD_KIND_UNSPECIFIED;
  };
  std::vector<Accepted> accepted;
  // Results decided in this group, to store: (batch, index).
  std::vector<std::pair<size_t, size_t>> to_store;
  // In-group repeats of a key: (batch, index) copies (batch, index), or,
  // when the record differs (reused), is refused naming it.
  struct Repeat {
    size_t batch = 0;
    size_t index = 0;
    size_t source_batch = 0;
    size_t source_index = 0;
    bool reused = false;
  };
  std::vector<Repeat> repeats;
  // Providers of the batches (nullopt: not in the directory).
  std::vector<std::optional<hub::v1::Provider>> providers;
  storage::WriteBatch write;
  std::vector<std::string> plans_appended;
  // The latest care plan of each member among the accepted ones:
  // cin -> (batch, index).
  absl::flat_hash_map<std::string, std::pair<size_t, size_t>> care_plans;
  // Authorizations whose units this group changed (keys of Decisions).
  absl::flat_hash_set<std::string> authorizations_touched;
};

// What a group decided that the store does not show until it commits.
struct SubmitPipeline::Decisions {
  // GroupKey(provider, key) -> the final result (replayed = false) and the
  // fingerprint of the submission it answers.
  absl::flat_hash_map<std::string, hub::v1::SubmissionResult> results;
  absl::flat_hash_map<std::string, std::string> fingerprints;
  // Group-key -> (batch, index) of the deciding submission (in-group only).
  absl::flat_hash_map<std::string, std::pair<size_t, size_t>> where;
  PendingAuthorizations authorizations;
  // cin -> the care plan item written.
  absl::flat_hash_map<std::string, hub::v1::FeedItem> care_plans;

  void Clear() {
    results.clear();
    fingerprints.clear();
    where.clear();
    authorizations.Clear();
    care_plans.clear();
  }
};

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

std::string SubmitPipeline::RecordId(std::string_view provider_id,
                                     std::string_view idempotency_key) {
  Sha256 sha;
  sha.Update(provider_id);
  sha.Update(std::string_view("\0", 1));
  sha.Update(idempotency_key);
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

absl::Status SubmitPipeline::ValidateGroup(Group& group, const Decisions& carried,
                                           Decisions& decided) {
  group.now = options_.clock();
  group.today = absl::FormatTime("%Y-%m-%d", group.now, absl::UTCTimeZone());
  group.accept_time = ToTimestamp(group.now);
  group.results.assign(group.batches.size(), {});
  group.accepted.clear();
  group.to_store.clear();
  group.repeats.clear();
  group.care_plans.clear();
  group.authorizations_touched.clear();
  group.providers.clear();
  decided.authorizations = carried.authorizations;

  absl::flat_hash_map<std::string, size_t> provider_index;
  for (size_t b = 0; b < group.batches.size(); ++b) {
    const Batch& in = group.batches[b];
    auto [cached, inserted] = provider_index.try_emplace(in.provider_id, group.providers.size());
    if (inserted) {
      absl::StatusOr<hub::v1::Provider> got = directory_->GetProvider(in.provider_id);
      if (!got.ok() && !absl::IsNotFound(got.status())) return got.status();
      group.providers.push_back(got.ok() ? std::optional<hub::v1::Provider>(*std::move(got))
                                         : std::nullopt);
    }
    const std::optional<hub::v1::Provider>& provider_entry = group.providers[cached->second];
    const hub::v1::Provider* provider = provider_entry ? &*provider_entry : nullptr;
    std::vector<hub::v1::SubmissionResult>& out = group.results[b];
    out.resize(in.submissions.size());
    for (size_t i = 0; i < in.submissions.size(); ++i) {
      const hub::v1::Submission& s = *in.submissions[i];
      hub::v1::SubmissionResult& result = out[i];
      result.set_idempotency_key(s.idempotency_key());
      if (std::optional<Violation> bad = CheckIdempotencyKey(s.idempotency_key())) {
        *result.mutable_rejected() = ToRejectedRecord(*bad);
        continue;  // Not stored: there is no valid key to store it under.
      }
      std::string group_key = GroupKey(in.provider_id, s.idempotency_key());
      if (auto it = decided.where.find(group_key); it != decided.where.end()) {
        const auto [sb, si] = it->second;
        const bool reused = Fingerprint(s) != Fingerprint(*group.batches[sb].submissions[si]);
        group.repeats.push_back({b, i, sb, si, reused});
        continue;
      }
      if (auto it = carried.results.find(group_key); it != carried.results.end()) {
        auto fp = carried.fingerprints.find(group_key);
        if (fp != carried.fingerprints.end() && fp->second != Fingerprint(s)) {
          *result.mutable_rejected() = KeyReused(it->second);
          continue;
        }
        result = it->second;
        result.set_replayed(true);
        continue;
      }
      std::string stored_fingerprint;
      absl::StatusOr<std::optional<hub::v1::SubmissionResult>> stored =
          feed_->GetSubmissionResult(in.provider_id, s.idempotency_key(), &stored_fingerprint);
      if (!stored.ok()) return stored.status();
      if (stored->has_value()) {
        // A result stored before fingerprints existed replays as before.
        if (!stored_fingerprint.empty() && stored_fingerprint != Fingerprint(s)) {
          *result.mutable_rejected() = KeyReused(**stored);
          continue;
        }
        result = **stored;
        result.set_replayed(true);
        continue;
      }
      absl::StatusOr<Verdict> verdict =
          validator_.Validate(provider, s, group.today, decided.authorizations);
      if (!verdict.ok()) return verdict.status();
      if (verdict->accepted()) {  // Billable as the plan bills it (billing_check.h).
        verdict->violation = CheckBillable(
            s, verdict->routed.plan_id,
            options_.billing_profile ? options_.billing_profile(verdict->routed.plan_id) : nullptr);
      }
      decided.where.emplace(std::move(group_key), std::make_pair(b, i));
      group.to_store.emplace_back(b, i);
      if (!verdict->accepted()) {
        *result.mutable_rejected() = ToRejectedRecord(*verdict->violation);
        continue;
      }
      RoutedRecord& routed = verdict->routed;
      if (routed.authorization.has_value()) {
        hub::v1::Authorization& auth = *routed.authorization;
        auth.set_units_used(auth.units_used() + routed.units_used);
        decided.authorizations.Put(auth);
        group.authorizations_touched.insert(GroupKey(auth.plan_id(), auth.authorization_number()));
      }
      if (s.has_care_plan()) {
        auto [it, first] = group.care_plans.try_emplace(s.care_plan().cin(), b, i);
        if (!first) {
          const auto& [pb, pi] = it->second;
          if (group.batches[pb].submissions[pi]->care_plan().effective_date() <=
              s.care_plan().effective_date()) {
            it->second = {b, i};
          }
        }
      }
      group.accepted.push_back({b, i, std::move(routed.plan_id), routed.kind});
    }
  }
  return absl::OkStatus();
}

absl::Status SubmitPipeline::BuildGroup(Group& group, const Decisions& carried,
                                        Decisions& decided) {
  storage::WriteBatch& batch = group.write;
  absl::flat_hash_set<std::string> plans;
  // Care plan items built below, by (batch, index).
  absl::flat_hash_map<std::pair<size_t, size_t>, hub::v1::FeedItem> care_plan_items;
  absl::flat_hash_set<std::pair<size_t, size_t>> care_plan_wanted;
  // Accepted records' fingerprints, by (batch, index): computed once.
  absl::flat_hash_map<std::pair<size_t, size_t>, std::string> fingerprints;
  for (const auto& [cin, where] : group.care_plans) care_plan_wanted.insert(where);

  std::vector<size_t> provider_of(group.batches.size());
  {
    absl::flat_hash_map<std::string, size_t> index;
    for (size_t b = 0; b < group.batches.size(); ++b) {
      provider_of[b] = index.try_emplace(group.batches[b].provider_id, index.size()).first->second;
    }
  }
  for (const Group::Accepted& a : group.accepted) {
    const Batch& in = group.batches[a.batch];
    const hub::v1::Submission& s = *in.submissions[a.index];
    const hub::v1::Provider& provider = *group.providers[provider_of[a.batch]];
    hub::v1::FeedItem item;
    item.set_record_id(RecordId(in.provider_id, s.idempotency_key()));
    item.set_provider_id(in.provider_id);
    item.set_provider_npi(provider.npi());
    item.set_kind(a.kind);
    *item.mutable_submission() = s;
    *item.mutable_accept_time() = group.accept_time;
    if (provider.part2_program() || s.substance_use_disorder()) {
      item.set_redisclosure_notice(kPart2RedisclosureNotice);
    }
    std::string& fingerprint = fingerprints[std::make_pair(a.batch, a.index)];
    fingerprint = Fingerprint(s);
    ASSIGN_OR_RETURN(const uint64_t sequence,
                     feed_->AppendItem(batch, a.plan_id, item, s.idempotency_key(), fingerprint));
    hub::v1::AcceptedRecord* accepted = group.results[a.batch][a.index].mutable_accepted();
    accepted->set_record_id(item.record_id());
    accepted->set_plan_id(a.plan_id);
    accepted->set_feed_sequence(sequence);
    *accepted->mutable_accept_time() = group.accept_time;
    plans.insert(a.plan_id);
    if (s.has_outreach_attempt()) {
      // Clears the outreach due on the provider's worklist (hub/views/provider_views.h).
      const hub::v1::OutreachAttempt& o = s.outreach_attempt();
      care_.PutOutreachAttempt(batch, in.provider_id, a.plan_id, o.cin(), o.authorization_number(),
                               o.attempt_date(), item.record_id());
    }
    if (care_plan_wanted.contains(std::make_pair(a.batch, a.index))) {
      care_plan_items.emplace(std::make_pair(a.batch, a.index), std::move(item));
    }
  }
  for (const auto& [b, i] : group.to_store) {
    const hub::v1::SubmissionResult& result = group.results[b][i];
    auto known = fingerprints.find(std::make_pair(b, i));
    const std::string fingerprint = known != fingerprints.end()
                                        ? std::move(known->second)
                                        : Fingerprint(*group.batches[b].submissions[i]);
    // An accepted record's result is derived from its feed item (the feed
    // indexer writes it); a rejection is in no feed: store it.
    if (!result.has_accepted()) {
      feed_->PutSubmissionResult(batch, group.batches[b].provider_id, result, fingerprint,
                                 group.now);
    }
    const std::string key = GroupKey(group.batches[b].provider_id, result.idempotency_key());
    decided.results.emplace(key, result);
    decided.fingerprints.emplace(key, fingerprint);
  }
  for (const Group::Repeat& r : group.repeats) {
    hub::v1::SubmissionResult& result = group.results[r.batch][r.index];
    const hub::v1::SubmissionResult& first = group.results[r.source_batch][r.source_index];
    if (r.reused) {
      *result.mutable_rejected() = KeyReused(first);
      continue;
    }
    result = first;
    result.set_replayed(true);
  }
  if (options_.flow_recorder != nullptr) {
    for (size_t b = 0; b < group.batches.size(); ++b) {
      for (size_t i = 0; i < group.results[b].size(); ++i) {
        if (group.results[b][i].replayed()) continue;
        options_.flow_recorder->Record(batch, group.batches[b].provider_id,
                                       *group.batches[b].submissions[i], group.results[b][i],
                                       group.now);
      }
    }
  }
  for (const std::string& key : group.authorizations_touched) {
    const size_t split = key.find('\0');
    const hub::v1::Authorization* auth = decided.authorizations.Find(
        std::string_view(key).substr(0, split), std::string_view(key).substr(split + 1));
    if (auth == nullptr) continue;
    RETURN_IF_ERROR(care_.PutAuthorization(batch, *auth).status());
  }
  // Only this group's authorizations stay pending once it is handed over.
  PendingAuthorizations mine;
  for (const std::string& key : group.authorizations_touched) {
    const size_t split = key.find('\0');
    if (const hub::v1::Authorization* auth = decided.authorizations.Find(
            std::string_view(key).substr(0, split), std::string_view(key).substr(split + 1))) {
      mine.Put(*auth);
    }
  }
  decided.authorizations = std::move(mine);
  for (auto& [where, item] : care_plan_items) {
    const std::string& cin = item.submission().care_plan().cin();
    const std::string& effective = item.submission().care_plan().effective_date();
    if (auto it = carried.care_plans.find(cin); it != carried.care_plans.end()) {
      if (it->second.submission().care_plan().effective_date() > effective) continue;
    } else {
      absl::StatusOr<hub::v1::FeedItem> existing = care_plans_.Get(cin);
      if (!existing.ok() && !absl::IsNotFound(existing.status())) return existing.status();
      if (existing.ok() && existing->submission().care_plan().effective_date() > effective) {
        continue;  // A newer plan is stored already.
      }
    }
    care_plans_.Put(batch, item);
    decided.care_plans[cin] = std::move(item);
  }
  group.plans_appended.assign(plans.begin(), plans.end());
  return absl::OkStatus();
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
