// The feed indexer (storage/feed_store.h): the derived indexes written from
// the log, each plan's checkpoint in the same batch, and the records
// committed but not yet indexed held in memory for GetSubmissionResult.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/unknown_field_set.h>
#include <google/protobuf/wire_format_lite.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/sha256.h"
#include "base/status_macros.h"
#include "base/timestamp.h"
#include "storage/feed_records.pb.h"
#include "storage/feed_store.h"
#include "storage/feed_store_internal.h"
#include "storage/internal.h"
#include "storage/retention_internal.h"

namespace hub::storage {

using feed_internal::DerivedRecord;

namespace {

// Items AwaitIndexed indexes per step while it helps.
constexpr int64_t kAwaitStepItems = 20000;

absl::Status IndexBehind(std::string_view plan_id) {
  return absl::UnavailableError(
      absl::StrCat("the hub's record index is still catching up with plan ",
                   internal::Absl(plan_id), "'s feed; nothing is lost: retry in a few seconds"));
}

void PutDerived(Store::Rep& rep, WriteBatch& batch, const DerivedRecord& r) {
  records::RecordEntry entry;
  entry.set_plan_id(r.plan_id);
  entry.set_sequence(r.sequence);
  entry.set_provider_id(r.provider_id);
  entry.set_idempotency_key(r.idempotency_key);
  entry.set_kind(r.kind);
  entry.set_accept_time_unix_micros(r.accept_micros);
  internal::Put(rep, batch, ColumnFamily::kRecords, r.record_id, entry.SerializeAsString());
  internal::Put(
      rep, batch, ColumnFamily::kProviderRecords,
      internal::Key({r.provider_id, feed_internal::InvertedTime(r.accept_micros), r.record_id}),
      internal::ListingValue(r.plan_id, r.sequence));
  if (r.index_key.has_value()) {
    internal::Put(rep, batch, ColumnFamily::kFeedIndex, *r.index_key, rocksdb::Slice());
  }
  internal::Put(rep, batch, ColumnFamily::kIdempotency,
                feed_internal::IdempotencyKey(r.provider_id, r.idempotency_key),
                feed_internal::AcceptedResultValue(r));
}

}  // namespace

std::string SubmissionFingerprint(const hub::v1::Submission& submission) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    submission.SerializeToCodedStream(&out);
  }
  Sha256 sha;
  sha.Update(bytes);
  return sha.HexDigest().substr(0, 32);
}

namespace feed_internal {

DerivedRecord Derive(std::string_view plan_id, const hub::v1::FeedItem& item,
                     std::string_view fingerprint) {
  DerivedRecord r;
  r.plan_id = std::string(plan_id);
  r.sequence = item.sequence();
  r.record_id = item.record_id();
  r.provider_id = item.provider_id();
  r.idempotency_key = item.submission().idempotency_key();
  r.kind = static_cast<int32_t>(item.kind());
  r.accept_micros = TimestampMicros(item.accept_time());
  r.index_key = IndexKey(plan_id, item);
  r.fingerprint =
      fingerprint.empty() ? SubmissionFingerprint(item.submission()) : std::string(fingerprint);
  return r;
}

std::string ResultValue(const hub::v1::SubmissionResult& result, std::string_view fingerprint,
                        int64_t decided_micros) {
  using google::protobuf::internal::WireFormatLite;
  std::string value = result.SerializeAsString();
  google::protobuf::io::StringOutputStream stream(&value);
  google::protobuf::io::CodedOutputStream out(&stream);
  if (!fingerprint.empty()) {
    out.WriteTag(
        WireFormatLite::MakeTag(kFingerprintField, WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
    out.WriteVarint32(static_cast<uint32_t>(fingerprint.size()));
    out.WriteRaw(fingerprint.data(), static_cast<int>(fingerprint.size()));
  }
  if (decided_micros != 0 && !result.has_accepted()) {
    out.WriteTag(WireFormatLite::MakeTag(kDecidedField, WireFormatLite::WIRETYPE_FIXED64));
    out.WriteLittleEndian64(static_cast<uint64_t>(decided_micros));
  }
  out.Trim();
  return value;
}

std::optional<int64_t> ResultDecidedMicros(std::string_view value) {
  hub::v1::SubmissionResult result;
  if (!result.ParseFromArray(value.data(), static_cast<int>(value.size()))) return std::nullopt;
  if (result.has_accepted()) {
    if (!result.accepted().has_accept_time()) return std::nullopt;
    return TimestampMicros(result.accepted().accept_time());
  }
  const google::protobuf::UnknownFieldSet& unknown =
      result.GetReflection()->GetUnknownFields(result);
  for (int i = 0; i < unknown.field_count(); ++i) {
    const google::protobuf::UnknownField& field = unknown.field(i);
    if (field.number() == kDecidedField &&
        field.type() == google::protobuf::UnknownField::TYPE_FIXED64) {
      return static_cast<int64_t>(field.fixed64());
    }
  }
  return std::nullopt;
}

std::string AcceptedResultValue(const DerivedRecord& record) {
  hub::v1::SubmissionResult result;
  result.set_idempotency_key(record.idempotency_key);
  hub::v1::AcceptedRecord* accepted = result.mutable_accepted();
  accepted->set_record_id(record.record_id);
  accepted->set_plan_id(record.plan_id);
  accepted->set_feed_sequence(record.sequence);
  *accepted->mutable_accept_time() = MicrosTimestamp(record.accept_micros);
  return ResultValue(result, record.fingerprint);
}

std::string CheckpointKey(std::string_view plan_id) {
  return internal::Key({"feed_indexed", plan_id});
}

absl::Status StartFeedIndexer(Store& store) {
  Store::Rep& rep = internal::RepOf(store);
  std::string value;
  ASSIGN_OR_RETURN(const bool started,
                   internal::Get(rep, ColumnFamily::kMeta, kIndexerMarkerKey, &value));
  if (started) return absl::OkStatus();
  // Written before the indexer: every item was indexed in its own batch.
  WriteBatch batch;
  RETURN_IF_ERROR(internal::ForEachWithPrefix(
      rep, ColumnFamily::kFeedHeads, "",
      [&](const rocksdb::Slice& key, const rocksdb::Slice& head) -> absl::Status {
        internal::Put(rep, batch, ColumnFamily::kMeta, CheckpointKey(internal::ToView(key)), head);
        return absl::OkStatus();
      }));
  internal::Put(rep, batch, ColumnFamily::kMeta, internal::ToSlice(kIndexerMarkerKey), "1");
  return store.Commit(batch, Durability::kSync);
}

}  // namespace feed_internal

FeedStore::FeedStore(Store* store) : store_(store) {}

FeedStore::~FeedStore() = default;

void FeedStore::CommitAppends() {
  absl::MutexLock lock(&heads_mu_);
  for (auto& [plan_id, head] : pending_heads_) committed_heads_[plan_id] = head;
  pending_heads_.clear();
  absl::MutexLock state(&state_mu_);
  for (DerivedRecord& record : appending_) {
    std::unique_ptr<PlanIndex>& plan = plan_index_[record.plan_id];
    if (plan == nullptr) plan = std::make_unique<PlanIndex>();
    const std::string key =
        feed_internal::IdempotencyKey(record.provider_id, record.idempotency_key);
    plan->records.push_back(std::move(record));
    recent_[key] = &plan->records.back();
    ++unindexed_;
  }
  appending_.clear();
}

absl::Status FeedStore::LoadPlansLocked() const {
  if (plans_loaded_) return absl::OkStatus();
  std::vector<std::string> plans;
  RETURN_IF_ERROR(internal::ForEachWithPrefix(
      internal::RepOf(*store_), ColumnFamily::kFeedHeads, "",
      [&](const rocksdb::Slice& key, const rocksdb::Slice& /*head*/) -> absl::Status {
        plans.emplace_back(key.data(), key.size());
        return absl::OkStatus();
      }));
  absl::MutexLock state(&state_mu_);
  for (std::string& plan_id : plans) {
    std::unique_ptr<PlanIndex>& plan = plan_index_[plan_id];
    if (plan == nullptr) plan = std::make_unique<PlanIndex>();
  }
  plans_loaded_ = true;
  return absl::OkStatus();
}

namespace {

// Reads plan `plan_id`'s feed items from..to (inclusive) from the log into
// `out`, derived. DataLoss (DamagedFeed) for a gap or a missing item.
absl::Status ReadFeedTail(Store::Rep& rep, const std::string& plan_id, uint64_t from, uint64_t to,
                          std::vector<feed_internal::DerivedRecord>& out) {
  hub::v1::FeedItem item;
  uint64_t expected = from;
  RETURN_IF_ERROR(internal::ForEachFrom(
      rep, ColumnFamily::kFeedItems, internal::Prefix({plan_id}),
      feed_internal::ItemKey(plan_id, from),
      [&](const rocksdb::Slice& /*key*/, const rocksdb::Slice& v) -> absl::StatusOr<bool> {
        RETURN_IF_ERROR(internal::ParseRecord(v, "feed item", &item));
        if (item.sequence() != expected) {
          return feed_internal::DamagedFeed("a plan's feed (a gap below its head)");
        }
        out.push_back(feed_internal::Derive(plan_id, item));
        return ++expected <= to;
      }));
  if (expected <= to) return feed_internal::DamagedFeed("a plan's feed (an item is missing)");
  return absl::OkStatus();
}

}  // namespace

absl::Status FeedStore::LoadCheckpointLocked(const std::string& plan_id) const {
  {
    absl::MutexLock state(&state_mu_);
    if (plan_index_[plan_id] != nullptr && plan_index_[plan_id]->loaded) return absl::OkStatus();
  }
  // Only indexers (holding indexer_mu_) set the checkpoint.
  Store::Rep& rep = internal::RepOf(*store_);
  std::string value;
  ASSIGN_OR_RETURN(const bool found, internal::Get(rep, ColumnFamily::kMeta,
                                                   feed_internal::CheckpointKey(plan_id), &value));
  uint64_t checkpoint = 0;
  if (found && !internal::DecodeFixed64(value, &checkpoint)) {
    return feed_internal::DamagedFeed("a feed index checkpoint");
  }
  absl::MutexLock state(&state_mu_);
  std::unique_ptr<PlanIndex>& plan = plan_index_[plan_id];
  if (plan == nullptr) plan = std::make_unique<PlanIndex>();
  plan->indexed = checkpoint;
  plan->loaded = true;
  return absl::OkStatus();
}

absl::StatusOr<int64_t> FeedStore::IndexPlanLocked(const std::string& plan_id, int64_t max_items,
                                                   bool log_only) const {
  Store::Rep& rep = internal::RepOf(*store_);
  uint64_t head = 0;
  {
    absl::MutexLock lock(&heads_mu_);
    ASSIGN_OR_RETURN(head, CommittedHeadLocked(plan_id));
  }
  RETURN_IF_ERROR(LoadCheckpointLocked(plan_id));
  // What to index: the records in memory, or the log below them.
  uint64_t from = 0;
  uint64_t in_memory_from = 0;
  std::vector<const DerivedRecord*> records;
  {
    absl::MutexLock state(&state_mu_);
    PlanIndex& plan = *plan_index_[plan_id];
    from = plan.indexed + 1;
    in_memory_from = plan.records.empty() ? head + 1 : plan.records.front().sequence;
    if (in_memory_from == from && !log_only) {
      // Elements of a deque stay where they are while others are added at
      // its back; only this (the one) indexer removes them.
      for (auto it = plan.records.begin();
           it != plan.records.end() && static_cast<int64_t>(records.size()) < max_items; ++it) {
        records.push_back(&*it);
      }
    }
  }
  if ((from > head || in_memory_from == from) && records.empty()) return 0;
  std::vector<DerivedRecord> from_log;
  if (records.empty()) {
    const uint64_t to = std::min(in_memory_from - 1, from + static_cast<uint64_t>(max_items) - 1);
    RETURN_IF_ERROR(ReadFeedTail(rep, plan_id, from, to, from_log));
    for (const DerivedRecord& r : from_log) records.push_back(&r);
  }
  WriteBatch batch;
  for (const DerivedRecord* r : records) PutDerived(rep, batch, *r);
  const uint64_t last = records.back()->sequence;
  internal::Put(rep, batch, ColumnFamily::kMeta, feed_internal::CheckpointKey(plan_id),
                internal::EncodeFixed64(last));
  // Buffered: the next synced commit (any Submit group) makes it durable;
  // until then a crash only means indexing these items again at start.
  RETURN_IF_ERROR(store_->Commit(batch, Durability::kBuffered));
  absl::MutexLock state(&state_mu_);
  PlanIndex& plan = *plan_index_[plan_id];
  plan.indexed = last;
  while (!plan.records.empty() && plan.records.front().sequence <= last) {
    const DerivedRecord& r = plan.records.front();
    auto it = recent_.find(feed_internal::IdempotencyKey(r.provider_id, r.idempotency_key));
    if (it != recent_.end() && it->second == &r) recent_.erase(it);
    plan.records.pop_front();
    --unindexed_;
  }
  return static_cast<int64_t>(records.size());
}

absl::StatusOr<int64_t> FeedStore::IndexPendingLocked(int64_t max_items, std::string_view only_plan,
                                                      bool log_only) const {
  RETURN_IF_ERROR(LoadPlansLocked());
  std::vector<std::string> plans;
  if (!only_plan.empty()) {
    plans.emplace_back(only_plan);
  } else {
    absl::MutexLock state(&state_mu_);
    for (const auto& [plan_id, plan] : plan_index_) plans.push_back(plan_id);
  }
  int64_t done = 0;
  for (const std::string& plan_id : plans) {
    while (done < max_items) {
      ASSIGN_OR_RETURN(const int64_t n, IndexPlanLocked(plan_id, max_items - done, log_only));
      if (n == 0) break;
      done += n;
    }
  }
  return done;
}

absl::StatusOr<int64_t> FeedStore::IndexPending(int64_t max_items) {
  if (max_items < 1) return absl::InvalidArgumentError("storage: IndexPending needs max >= 1");
  absl::MutexLock lock(&indexer_mu_);
  return IndexPendingLocked(max_items, "", /*log_only=*/false);
}

absl::Status FeedStore::EnsureCaughtUp() const {
  if (caught_up_.load(std::memory_order_acquire)) return absl::OkStatus();
  absl::MutexLock lock(&indexer_mu_);
  if (caught_up_.load(std::memory_order_relaxed)) return absl::OkStatus();
  while (true) {
    ASSIGN_OR_RETURN(const int64_t n, IndexPendingLocked(kAwaitStepItems, "", /*log_only=*/true));
    if (n == 0) break;
  }
  caught_up_.store(true, std::memory_order_release);
  return absl::OkStatus();
}

absl::Status FeedStore::CatchUpIndexes() { return EnsureCaughtUp(); }

absl::Status FeedStore::AwaitIndexedUntil(std::string_view plan_id, uint64_t sequence,
                                          absl::Time deadline) const {
  const std::string plan(plan_id);
  while (true) {
    {
      absl::MutexLock state(&state_mu_);
      auto it = plan_index_.find(plan);
      if (sequence == 0 ||
          (it != plan_index_.end() && it->second->loaded && it->second->indexed >= sequence)) {
        return absl::OkStatus();
      }
    }
    if (!indexer_mu_.LockWhenWithDeadline(absl::Condition::kTrue, deadline)) {
      return IndexBehind(plan_id);
    }
    absl::StatusOr<int64_t> n = IndexPendingLocked(kAwaitStepItems, plan, /*log_only=*/false);
    indexer_mu_.Unlock();
    RETURN_IF_ERROR(n.status());
    if (*n == 0) return absl::OkStatus();  // Nothing committed is left unindexed.
    if (absl::Now() > deadline) return IndexBehind(plan_id);
  }
}

absl::Status FeedStore::AwaitIndexed(std::string_view plan_id, uint64_t sequence) const {
  return AwaitIndexedUntil(plan_id, sequence, absl::Now() + index_wait_bound_);
}

absl::Status FeedStore::AwaitAllIndexed() const {
  const absl::Time deadline = absl::Now() + index_wait_bound_;
  RETURN_IF_ERROR(EnsureCaughtUp());
  std::vector<std::pair<std::string, uint64_t>> heads;
  {
    absl::MutexLock lock(&heads_mu_);
    heads.assign(committed_heads_.begin(), committed_heads_.end());
  }
  for (const auto& [plan_id, head] : heads) {
    RETURN_IF_ERROR(AwaitIndexedUntil(plan_id, head, deadline));
  }
  return absl::OkStatus();
}

FeedIndexLag FeedStore::IndexLag() const {
  FeedIndexLag lag;
  absl::MutexLock state(&state_mu_);
  lag.items = unindexed_;
  for (const auto& [plan_id, plan] : plan_index_) {
    if (plan->records.empty()) continue;
    const int64_t oldest = plan->records.front().accept_micros;
    if (lag.oldest_accept_micros == 0 || oldest < lag.oldest_accept_micros) {
      lag.oldest_accept_micros = oldest;
    }
  }
  return lag;
}

}  // namespace hub::storage
