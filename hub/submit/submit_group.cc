// SubmitPipeline::ValidateGroup and BuildGroup: what a group of batches
// decides and the one write batch that stores it.
#include "hub/submit/submit_group.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/identifiers.h"
#include "base/status_macros.h"
#include "base/string_view.h"
#include "base/timestamp.h"
#include "hub/submit/flow_recorder.h"
#include "hub/submit/submit_pipeline.h"

namespace hub {
namespace {

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
// The authorization named by a key of Group::authorizations_touched
// (GroupKey(plan, authorization number)) among `pending`, or nullptr.
const hub::v1::Authorization* TouchedAuthorization(const PendingAuthorizations& pending,
                                                   std::string_view key) {
  const size_t split = key.find('\0');
  return pending.Find(key.substr(0, split), key.substr(split + 1));
}

// The feed item of an accepted submission: its record id, provider, kind,
// the submission itself, and the Part 2 re-disclosure notice where due.
hub::v1::FeedItem AcceptedItem(const std::string& provider_id, const hub::v1::Provider& provider,
                               const hub::v1::Submission& s, hub::v1::RecordKind kind,
                               const google::protobuf::Timestamp& accept_time) {
  hub::v1::FeedItem item;
  item.set_record_id(
      SubmitPipeline::RecordId(provider_id, s.idempotency_key(), TimestampMicros(accept_time)));
  item.set_provider_id(provider_id);
  item.set_provider_npi(provider.npi());
  item.set_kind(kind);
  *item.mutable_submission() = s;
  *item.mutable_accept_time() = accept_time;
  if (provider.part2_program() || s.substance_use_disorder()) {
    item.set_redisclosure_notice(kPart2RedisclosureNotice);
  }
  return item;
}
}  // namespace

void SubmitPipeline::GroupCins(const Group& group, std::vector<std::string_view>& cins,
                               std::vector<std::string_view>& authorization_cins) {
  for (const Batch& in : group.batches) {
    for (const hub::v1::Submission* s : in.submissions) {
      const RecordView v = ViewOf(*s);
      if (!ValidateCin(v.cin).ok()) continue;
      cins.push_back(v.cin);
      if (!v.authorization_number.empty()) authorization_cins.push_back(v.cin);
    }
  }
}

// What BuildGroup's steps hand on to each other.
struct SubmitPipeline::GroupBuild {
  // Plans whose feeds got an item.
  absl::flat_hash_set<std::string> plans;
  // Care plan items built, by (batch, index).
  absl::flat_hash_map<std::pair<size_t, size_t>, hub::v1::FeedItem> care_plan_items;
  // Accepted records' fingerprints, by (batch, index): computed once.
  absl::flat_hash_map<std::pair<size_t, size_t>, std::string> fingerprints;
};

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
  // Everything the member checks read, for every member of the group at
  // once (one batched lookup and one seek per family and member), rather
  // than a few store reads per record.
  std::vector<std::string_view> cins, authorization_cins;
  GroupCins(group, cins, authorization_cins);
  ASSIGN_OR_RETURN(const storage::MemberCareSet members,
                   member_care_.Read(std::move(cins), std::move(authorization_cins)));
  const GroupMemberReads reads(&members, &store_reads_);

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
    group.results[b].resize(in.submissions.size());
    for (size_t i = 0; i < in.submissions.size(); ++i) {
      RETURN_IF_ERROR(DecideSubmission(group, b, i, provider, reads, carried, decided));
    }
  }
  return absl::OkStatus();
}

absl::Status SubmitPipeline::DecideSubmission(Group& group, size_t b, size_t i,
                                              const hub::v1::Provider* provider,
                                              const MemberReads& reads, const Decisions& carried,
                                              Decisions& decided) {
  const Batch& in = group.batches[b];
  const hub::v1::Submission& s = *in.submissions[i];
  hub::v1::SubmissionResult& result = group.results[b][i];
  result.set_idempotency_key(s.idempotency_key());
  if (std::optional<Violation> bad = CheckIdempotencyKey(s.idempotency_key())) {
    *result.mutable_rejected() = ToRejectedRecord(*bad);
    return absl::OkStatus();  // Not stored: there is no valid key to store it under.
  }
  std::string group_key = GroupKey(in.provider_id, s.idempotency_key());
  if (auto it = decided.where.find(group_key); it != decided.where.end()) {
    const auto [sb, si] = it->second;
    const bool reused = Fingerprint(s) != Fingerprint(*group.batches[sb].submissions[si]);
    group.repeats.push_back({b, i, sb, si, reused});
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(const bool replayed,
                   ReplayEarlierResult(in.provider_id, s, group_key, carried, result));
  if (replayed) return absl::OkStatus();
  absl::StatusOr<Verdict> verdict =
      validator_.Validate(provider, s, group.today, decided.authorizations, reads);
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
    return absl::OkStatus();
  }
  Accept(group, b, i, verdict->routed, decided);
  return absl::OkStatus();
}

absl::StatusOr<bool> SubmitPipeline::ReplayEarlierResult(const std::string& provider_id,
                                                         const hub::v1::Submission& s,
                                                         const std::string& group_key,
                                                         const Decisions& carried,
                                                         hub::v1::SubmissionResult& result) {
  if (auto it = carried.results.find(group_key); it != carried.results.end()) {
    auto fp = carried.fingerprints.find(group_key);
    if (fp != carried.fingerprints.end() && fp->second != Fingerprint(s)) {
      *result.mutable_rejected() = KeyReused(it->second);
      return true;
    }
    result = it->second;
    result.set_replayed(true);
    return true;
  }
  std::string stored_fingerprint;
  absl::StatusOr<std::optional<hub::v1::SubmissionResult>> stored =
      feed_->GetSubmissionResult(provider_id, s.idempotency_key(), &stored_fingerprint);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return false;
  // A result stored before fingerprints existed replays as before.
  if (!stored_fingerprint.empty() && stored_fingerprint != Fingerprint(s)) {
    *result.mutable_rejected() = KeyReused(**stored);
    return true;
  }
  result = **stored;
  result.set_replayed(true);
  return true;
}

void SubmitPipeline::Accept(Group& group, size_t b, size_t i, RoutedRecord& routed,
                            Decisions& decided) {
  const hub::v1::Submission& s = *group.batches[b].submissions[i];
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

absl::Status SubmitPipeline::BuildGroup(Group& group, const Decisions& carried,
                                        Decisions& decided) {
  GroupBuild build;
  RETURN_IF_ERROR(AppendAccepted(group, build));
  StoreResults(group, build, decided);
  AnswerRepeats(group);
  RecordFlows(group);
  RETURN_IF_ERROR(StoreAuthorizations(group, decided));
  RETURN_IF_ERROR(StoreCarePlans(group, build, carried, decided));
  group.plans_appended.assign(build.plans.begin(), build.plans.end());
  return absl::OkStatus();
}

absl::Status SubmitPipeline::AppendAccepted(Group& group, GroupBuild& build) {
  storage::WriteBatch& batch = group.write;
  absl::flat_hash_set<std::pair<size_t, size_t>> care_plan_wanted;
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
    hub::v1::FeedItem item = AcceptedItem(in.provider_id, *group.providers[provider_of[a.batch]], s,
                                          a.kind, group.accept_time);
    std::string& fingerprint = build.fingerprints[std::make_pair(a.batch, a.index)];
    fingerprint = Fingerprint(s);
    ASSIGN_OR_RETURN(const uint64_t sequence,
                     feed_->AppendItem(batch, a.plan_id, item, s.idempotency_key(), fingerprint));
    hub::v1::AcceptedRecord* accepted = group.results[a.batch][a.index].mutable_accepted();
    accepted->set_record_id(item.record_id());
    accepted->set_plan_id(a.plan_id);
    accepted->set_feed_sequence(sequence);
    *accepted->mutable_accept_time() = group.accept_time;
    build.plans.insert(a.plan_id);
    if (s.has_outreach_attempt()) {
      // Clears the outreach due on the provider's worklist (hub/views/provider_views.h).
      const hub::v1::OutreachAttempt& o = s.outreach_attempt();
      care_.PutOutreachAttempt(batch, in.provider_id, a.plan_id, o.cin(), o.authorization_number(),
                               o.attempt_date(), item.record_id());
    }
    if (care_plan_wanted.contains(std::make_pair(a.batch, a.index))) {
      build.care_plan_items.emplace(std::make_pair(a.batch, a.index), std::move(item));
    }
  }
  return absl::OkStatus();
}

void SubmitPipeline::StoreResults(Group& group, GroupBuild& build, Decisions& decided) {
  for (const auto& [b, i] : group.to_store) {
    const hub::v1::SubmissionResult& result = group.results[b][i];
    auto known = build.fingerprints.find(std::make_pair(b, i));
    const std::string fingerprint = known != build.fingerprints.end()
                                        ? std::move(known->second)
                                        : Fingerprint(*group.batches[b].submissions[i]);
    // An accepted record's result is derived from its feed item (the feed
    // indexer writes it); a rejection is in no feed: store it.
    if (!result.has_accepted()) {
      feed_->PutSubmissionResult(group.write, group.batches[b].provider_id, result, fingerprint,
                                 group.now);
    }
    const std::string key = GroupKey(group.batches[b].provider_id, result.idempotency_key());
    decided.results.emplace(key, result);
    decided.fingerprints.emplace(key, fingerprint);
  }
}

void SubmitPipeline::AnswerRepeats(Group& group) {
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
}

void SubmitPipeline::RecordFlows(Group& group) {
  if (options_.flow_recorder == nullptr) return;
  for (size_t b = 0; b < group.batches.size(); ++b) {
    for (size_t i = 0; i < group.results[b].size(); ++i) {
      if (group.results[b][i].replayed()) continue;
      options_.flow_recorder->Record(group.write, group.batches[b].provider_id,
                                     *group.batches[b].submissions[i], group.results[b][i],
                                     group.now);
    }
  }
}

absl::Status SubmitPipeline::StoreAuthorizations(Group& group, Decisions& decided) {
  for (const std::string& key : group.authorizations_touched) {
    const hub::v1::Authorization* auth = TouchedAuthorization(decided.authorizations, key);
    if (auth == nullptr) continue;
    RETURN_IF_ERROR(care_.PutAuthorization(group.write, *auth).status());
  }
  // Only this group's authorizations stay pending once it is handed over.
  PendingAuthorizations mine;
  for (const std::string& key : group.authorizations_touched) {
    if (const hub::v1::Authorization* auth = TouchedAuthorization(decided.authorizations, key)) {
      mine.Put(*auth);
    }
  }
  decided.authorizations = std::move(mine);
  return absl::OkStatus();
}

absl::Status SubmitPipeline::StoreCarePlans(Group& group, GroupBuild& build,
                                            const Decisions& carried, Decisions& decided) {
  for (auto& [where, item] : build.care_plan_items) {
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
    care_plans_.Put(group.write, item);
    decided.care_plans[cin] = std::move(item);
  }
  return absl::OkStatus();
}

}  // namespace hub
