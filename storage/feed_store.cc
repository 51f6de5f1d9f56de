#include "storage/feed_store.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/unknown_field_set.h>
#include <google/protobuf/wire_format_lite.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/timestamp.h"
#include "storage/feed_records.pb.h"
#include "storage/feed_store_internal.h"
#include "storage/flow_tally_internal.h"
#include "storage/internal.h"
#include "storage/retention_internal.h"

namespace hub::storage {
namespace feed_internal {

bool ValidId(std::string_view id) { return !id.empty() && id.find('\0') == std::string_view::npos; }

std::string ItemKey(std::string_view plan_id, uint64_t sequence) {
  return internal::Key({plan_id, internal::EncodeBigEndian64(sequence)});
}

std::string IdempotencyKey(std::string_view provider_id, std::string_view key) {
  return internal::Key({provider_id, key});
}

std::string InvertedTime(int64_t micros) {
  return internal::EncodeBigEndian64(~static_cast<uint64_t>(micros));
}

absl::Status DamagedFeed(std::string_view what) {
  return absl::DataLossError(absl::StrCat("storage: ", internal::Absl(what),
                                          " is damaged; restore the data directory from a "
                                          "checkpoint"));
}

}  // namespace feed_internal

using feed_internal::DamagedFeed;
using feed_internal::IdempotencyKey;
using feed_internal::IndexKey;
using feed_internal::InvertedTime;
using feed_internal::ItemKey;
using feed_internal::ValidId;

namespace {

// kMeta key marking a store whose earlier feed items were indexed.
constexpr std::string_view kIndexBuiltKey = "feed_index_built";
// Index entries per buffered batch while indexing earlier items.
constexpr int kIndexBatchWrites = 10000;

// kFeedIndex group tags: by record month, by member.
constexpr std::string_view kMonthGroup = "p";
constexpr std::string_view kMemberGroup = "m";

bool NoNul(std::string_view s) { return s.find('\0') == std::string_view::npos; }

std::string KindField(hub::v1::RecordKind kind) { return absl::StrCat(static_cast<int>(kind)); }

bool IsIsoDate(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (d[i] < '0' || d[i] > '9') return false;
  }
  return true;
}

bool IsMonth(std::string_view m) {
  if (m.size() != 7 || m[4] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6}) {
    if (m[i] < '0' || m[i] > '9') return false;
  }
  return true;
}

}  // namespace

namespace feed_internal {

std::optional<std::string> IndexKey(std::string_view plan_id, const hub::v1::FeedItem& item) {
  const hub::v1::Submission& s = item.submission();
  const std::string_view date = RecordDate(s);
  if (!IsIsoDate(date)) return std::nullopt;
  const std::string sequence = internal::EncodeBigEndian64(item.sequence());
  const std::string_view month = date.substr(0, 7);
  switch (s.record_case()) {
    case hub::v1::Submission::kOutreachAttempt:
      return internal::Key({plan_id, kMonthGroup, KindField(hub::v1::RECORD_KIND_OUTREACH_ATTEMPT),
                            month, date, sequence});
    case hub::v1::Submission::kInvoiceLine:
      return internal::Key({plan_id, kMonthGroup, KindField(hub::v1::RECORD_KIND_INVOICE_LINE),
                            month, date, sequence});
    case hub::v1::Submission::kService: {
      const hub::v1::ServiceRecord& r = s.service();
      if (!NoNul(item.provider_id()) || !NoNul(r.cin()) || !NoNul(r.authorization_number())) {
        return std::nullopt;
      }
      return internal::Key({plan_id, kMonthGroup, KindField(hub::v1::RECORD_KIND_SERVICE), month,
                            item.provider_id(), r.cin(), date, r.authorization_number(), sequence});
    }
    case hub::v1::Submission::kEnrollmentStatus:
      if (!NoNul(s.enrollment_status().cin())) return std::nullopt;
      return internal::Key({plan_id, kMemberGroup, s.enrollment_status().cin(),
                            KindField(hub::v1::RECORD_KIND_ENROLLMENT_STATUS), date, sequence});
    case hub::v1::Submission::kReferralStatus:
      if (!NoNul(s.referral_status().cin())) return std::nullopt;
      return internal::Key({plan_id, kMemberGroup, s.referral_status().cin(),
                            KindField(hub::v1::RECORD_KIND_REFERRAL_STATUS), date, sequence});
    default:
      return std::nullopt;
  }
}

}  // namespace feed_internal

namespace {

void PutIndexEntry(Store::Rep& rep, WriteBatch& batch, std::string_view plan_id,
                   const hub::v1::FeedItem& item) {
  if (std::optional<std::string> key = IndexKey(plan_id, item)) {
    internal::Put(rep, batch, ColumnFamily::kFeedIndex, *key, rocksdb::Slice());
  }
}

// The sequence in the last 8 bytes of an index key.
bool SequenceOfIndexKey(std::string_view key, uint64_t* sequence) {
  return key.size() > 9 && key[key.size() - 9] == internal::kSeparator &&
         internal::DecodeBigEndian64(key.substr(key.size() - 8), sequence);
}

// A scan of kFeedIndex keys under one prefix over a snapshot, loading the
// items they name from kFeedItems through the same snapshot.
class IndexScan : public FeedScan {
 public:
  IndexScan(const Store::Rep& rep, std::string plan_id, std::string prefix)
      : rep_(rep),
        plan_id_(std::move(plan_id)),
        prefix_(std::move(prefix)),
        upper_(internal::PrefixEnd(prefix_)),
        upper_slice_(upper_),
        snapshot_(rep.db->GetSnapshot()) {
    rocksdb::ReadOptions options;
    options.snapshot = snapshot_;
    options.iterate_upper_bound = &upper_slice_;
    options.fill_cache = false;  // A whole month: keep the cache's working set.
    it_.reset(rep_.db->NewIterator(options, rep_.cf(ColumnFamily::kFeedIndex)));
    it_->Seek(internal::ToSlice(prefix_));
  }
  ~IndexScan() override {
    it_.reset();
    if (rep_.db != nullptr) rep_.db->ReleaseSnapshot(snapshot_);
  }

 protected:
  absl::Status Load(uint64_t sequence, hub::v1::FeedItem& item) {
    rocksdb::ReadOptions options;
    options.snapshot = snapshot_;
    rocksdb::PinnableSlice value;
    rocksdb::Status status = rep_.db->Get(options, rep_.cf(ColumnFamily::kFeedItems),
                                          ItemKey(plan_id_, sequence), &value);
    if (status.IsNotFound()) {
      if (sequence <= rep_.feed_purge_marks->Get(plan_id_)) {
        return internal::PurgedUnderRetention("member status of this period");
      }
      return DamagedFeed("the feed index (it names a missing item)");
    }
    RETURN_IF_ERROR(internal::FromRocksDb(status, "reading a feed item"));
    return internal::ParseRecord(value, "feed item", &item);
  }
  absl::Status IteratorStatus() const {
    return internal::FromRocksDb(it_->status(), "scanning the feed index");
  }

  const Store::Rep& rep_;
  const std::string plan_id_;
  const std::string prefix_;
  const std::string upper_;
  const rocksdb::Slice upper_slice_;
  const rocksdb::Snapshot* const snapshot_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

// Every item under a month prefix, in key order.
class MonthScan final : public IndexScan {
 public:
  using IndexScan::IndexScan;

  absl::StatusOr<bool> Next(hub::v1::FeedItem& item) override {
    if (!it_->Valid()) {
      RETURN_IF_ERROR(IteratorStatus());
      return false;
    }
    uint64_t sequence = 0;
    if (!SequenceOfIndexKey(internal::ToView(it_->key()), &sequence)) {
      return DamagedFeed("a feed index key");
    }
    it_->Next();
    RETURN_IF_ERROR(Load(sequence, item));
    return true;
  }
};

// The latest entry (by date, then sequence) dated on or before `through` of
// each (CIN, kind) group under a plan's member prefix.
class LatestMemberStatusScan final : public IndexScan {
 public:
  LatestMemberStatusScan(const Store::Rep& rep, std::string plan_id, std::string prefix,
                         std::string through)
      : IndexScan(rep, std::move(plan_id), std::move(prefix)), through_(std::move(through)) {}

  absl::StatusOr<bool> Next(hub::v1::FeedItem& item) override {
    while (true) {
      if (!it_->Valid()) {
        RETURN_IF_ERROR(IteratorStatus());
        if (!has_pending_) return false;
        has_pending_ = false;
        RETURN_IF_ERROR(Load(pending_sequence_, item));
        return true;
      }
      // key = prefix cin \0 kind \0 date \0 sequence(8)
      const std::string_view key = internal::ToView(it_->key());
      uint64_t sequence = 0;
      if (key.size() < prefix_.size() + 11 + 9 || !SequenceOfIndexKey(key, &sequence)) {
        return DamagedFeed("a feed index key");
      }
      const std::string_view group = key.substr(0, key.size() - 9 - 10);  // ends with \0
      const std::string_view date = key.substr(key.size() - 9 - 10, 10);
      if (has_pending_ && group != pending_group_) {
        has_pending_ = false;
        RETURN_IF_ERROR(Load(pending_sequence_, item));
        return true;  // The iterator stays on the next group's first key.
      }
      if (date > std::string_view(through_)) {
        // Later entries of the group are later still: skip to the next group.
        const std::string next = internal::PrefixEnd(group);
        it_->Seek(internal::ToSlice(next));
        continue;
      }
      pending_group_.assign(group.data(), group.size());
      pending_sequence_ = sequence;
      has_pending_ = true;
      it_->Next();
    }
  }

 private:
  const std::string through_;
  bool has_pending_ = false;
  std::string pending_group_;
  uint64_t pending_sequence_ = 0;
};

}  // namespace

std::string_view RecordDate(const hub::v1::Submission& submission) {
  switch (submission.record_case()) {
    case hub::v1::Submission::kOutreachAttempt:
      return submission.outreach_attempt().attempt_date();
    case hub::v1::Submission::kEnrollmentStatus:
      return submission.enrollment_status().as_of_date();
    case hub::v1::Submission::kCarePlan:
      return submission.care_plan().effective_date();
    case hub::v1::Submission::kService:
      return submission.service().service_date();
    case hub::v1::Submission::kInvoiceLine:
      return submission.invoice_line().service_date();
    case hub::v1::Submission::kReferralStatus:
      return submission.referral_status().status_date();
    default:
      return {};
  }
}

// ----------------------------------------------------------------- writing

absl::StatusOr<uint64_t> FeedStore::CommittedHeadLocked(std::string_view plan_id) const {
  auto it = committed_heads_.find(internal::Absl(plan_id));
  if (it != committed_heads_.end()) return it->second;
  std::string value;
  ASSIGN_OR_RETURN(const bool found, internal::Get(internal::RepOf(*store_),
                                                   ColumnFamily::kFeedHeads, plan_id, &value));
  uint64_t head = 0;
  if (found && !internal::DecodeFixed64(value, &head)) return DamagedFeed("a feed head");
  committed_heads_.emplace(std::string(plan_id), head);
  return head;
}

absl::StatusOr<uint64_t> FeedStore::AppendItem(WriteBatch& batch, std::string_view plan_id,
                                               hub::v1::FeedItem& item,
                                               std::string_view idempotency_key,
                                               std::string_view fingerprint) {
  if (!ValidId(plan_id) || !ValidId(item.record_id()) || !ValidId(item.provider_id())) {
    return absl::InvalidArgumentError(
        "storage: a feed item needs a plan_id, a record_id and a provider_id without NUL "
        "characters; this is a hub bug");
  }
  // The log must carry the key: the idempotency index is derived from it.
  if (item.submission().idempotency_key().empty()) {
    item.mutable_submission()->set_idempotency_key(std::string(idempotency_key));
  } else if (item.submission().idempotency_key() != idempotency_key) {
    return absl::InvalidArgumentError(
        "storage: a feed item's idempotency key differs from the key it is appended under; "
        "this is a hub bug");
  }
  absl::MutexLock lock(&heads_mu_);
  auto pending = pending_heads_.find(internal::Absl(plan_id));
  uint64_t head = 0;
  if (pending != pending_heads_.end()) {
    head = pending->second;
  } else {
    ASSIGN_OR_RETURN(head, CommittedHeadLocked(plan_id));
  }
  const uint64_t sequence = head + 1;
  pending_heads_[std::string(plan_id)] = sequence;
  item.set_sequence(sequence);

  Store::Rep& rep = internal::RepOf(*store_);
  internal::Put(rep, batch, ColumnFamily::kFeedItems, ItemKey(plan_id, sequence),
                item.SerializeAsString());
  internal::RepOf(batch).feed_heads[std::string(plan_id)] = sequence;
  feed_internal::DerivedRecord& record =
      appending_.emplace_back(feed_internal::Derive(plan_id, item, fingerprint));
  // The monitor's count (storage/flow_tally.h): one merge per tally key and
  // batch, so it stays in the acknowledged batch, with the item.
  internal::TallyAccepted(internal::RepOf(batch), plan_id, record.provider_id, record.kind,
                          record.accept_micros);
  return sequence;
}

void FeedStore::AbortAppends() {
  absl::MutexLock lock(&heads_mu_);
  pending_heads_.clear();
  appending_.clear();
}

void FeedStore::PutSubmissionResult(WriteBatch& batch, std::string_view provider_id,
                                    const hub::v1::SubmissionResult& result,
                                    std::string_view fingerprint, absl::Time decided) {
  const int64_t decided_micros = decided == absl::InfinitePast() ? 0 : absl::ToUnixMicros(decided);
  internal::Put(internal::RepOf(*store_), batch, ColumnFamily::kIdempotency,
                IdempotencyKey(provider_id, result.idempotency_key()),
                feed_internal::ResultValue(result, fingerprint, decided_micros));
}

// ----------------------------------------------------------------- reading

absl::StatusOr<std::optional<hub::v1::SubmissionResult>> FeedStore::GetSubmissionResult(
    std::string_view provider_id, std::string_view idempotency_key,
    std::string* fingerprint) const {
  RETURN_IF_ERROR(EnsureCaughtUp());
  const std::string key = IdempotencyKey(provider_id, idempotency_key);
  hub::v1::SubmissionResult result;
  {
    // A committed record the indexer has not written yet. Looked up before
    // the store: the indexer commits an entry before it leaves memory.
    absl::MutexLock lock(&state_mu_);
    if (auto it = recent_.find(key); it != recent_.end()) {
      const feed_internal::DerivedRecord& record = *it->second;
      result.set_idempotency_key(record.idempotency_key);
      hub::v1::AcceptedRecord* accepted = result.mutable_accepted();
      accepted->set_record_id(record.record_id);
      accepted->set_plan_id(record.plan_id);
      accepted->set_feed_sequence(record.sequence);
      *accepted->mutable_accept_time() = MicrosTimestamp(record.accept_micros);
      if (fingerprint != nullptr) *fingerprint = record.fingerprint;
      return result;
    }
  }
  std::string value;
  ASSIGN_OR_RETURN(const bool found, internal::Get(internal::RepOf(*store_),
                                                   ColumnFamily::kIdempotency, key, &value));
  if (!found) return std::nullopt;
  RETURN_IF_ERROR(internal::ParseRecord(value, "submission result", &result));
  google::protobuf::UnknownFieldSet* unknown =
      result.GetReflection()->MutableUnknownFields(&result);
  if (fingerprint != nullptr) fingerprint->clear();
  for (int i = 0; i < unknown->field_count(); ++i) {
    const google::protobuf::UnknownField& field = unknown->field(i);
    if (fingerprint != nullptr && field.number() == feed_internal::kFingerprintField &&
        field.type() == google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) {
      *fingerprint = field.length_delimited();
    }
  }
  unknown->Clear();  // Never sent back to a provider.
  return result;
}

absl::StatusOr<uint64_t> FeedStore::Head(std::string_view plan_id) const {
  absl::MutexLock lock(&heads_mu_);
  return CommittedHeadLocked(plan_id);
}

absl::StatusOr<std::vector<hub::v1::FeedItem>> FeedStore::ReadItems(std::string_view plan_id,
                                                                    uint64_t after_sequence,
                                                                    int limit) const {
  if (limit < 1) return absl::InvalidArgumentError("storage: ReadItems needs a limit >= 1");
  std::vector<hub::v1::FeedItem> items;
  if (after_sequence == std::numeric_limits<uint64_t>::max()) return items;
  items.reserve(static_cast<size_t>(limit));
  // What the feed purge took is gone: reads start after the mark.
  after_sequence =
      std::max(after_sequence, internal::RepOf(*store_).feed_purge_marks->Get(plan_id));
  RETURN_IF_ERROR(internal::ForEachFrom(
      internal::RepOf(*store_), ColumnFamily::kFeedItems, internal::Prefix({plan_id}),
      ItemKey(plan_id, after_sequence + 1),
      [&](const rocksdb::Slice& /*key*/, const rocksdb::Slice& value) -> absl::StatusOr<bool> {
        RETURN_IF_ERROR(internal::ParseRecord(value, "feed item", &items.emplace_back()));
        return static_cast<int>(items.size()) < limit;
      }));
  return items;
}

absl::StatusOr<int> FeedStore::ReadRawItems(std::string_view plan_id, uint64_t after_sequence,
                                            int limit, std::vector<RawItem>& items) const {
  if (limit < 1) return absl::InvalidArgumentError("storage: ReadRawItems needs a limit >= 1");
  if (after_sequence == std::numeric_limits<uint64_t>::max()) return 0;
  after_sequence =
      std::max(after_sequence, internal::RepOf(*store_).feed_purge_marks->Get(plan_id));
  int n = 0;
  RETURN_IF_ERROR(internal::ForEachFrom(
      internal::RepOf(*store_), ColumnFamily::kFeedItems, internal::Prefix({plan_id}),
      ItemKey(plan_id, after_sequence + 1),
      [&](const rocksdb::Slice& key, const rocksdb::Slice& value) -> absl::StatusOr<bool> {
        const std::string_view k = internal::ToView(key);
        if (static_cast<size_t>(n) == items.size()) items.emplace_back();
        RawItem& item = items[static_cast<size_t>(n)];
        if (k.size() < 8 || !internal::DecodeBigEndian64(k.substr(k.size() - 8), &item.sequence)) {
          return DamagedFeed("a feed item key");
        }
        item.bytes.assign(value.data(), value.size());
        return ++n < limit;
      }));
  return n;
}

// ------------------------------------------------------------- export reads

absl::StatusOr<std::unique_ptr<FeedScan>> FeedStore::ScanMonth(std::string_view plan_id,
                                                               hub::v1::RecordKind kind,
                                                               std::string_view month) {
  if (kind != hub::v1::RECORD_KIND_OUTREACH_ATTEMPT && kind != hub::v1::RECORD_KIND_SERVICE &&
      kind != hub::v1::RECORD_KIND_INVOICE_LINE) {
    return absl::InvalidArgumentError(
        "storage: ScanMonth reads outreach attempts, services and invoice lines only");
  }
  if (!IsMonth(month) || !ValidId(plan_id)) {
    return absl::InvalidArgumentError("storage: ScanMonth needs a plan_id and a YYYY-MM month");
  }
  {  // The export index is derived: wait for the items appended before.
    ASSIGN_OR_RETURN(const uint64_t head, Head(plan_id));
    RETURN_IF_ERROR(AwaitIndexed(plan_id, head));
  }
  RETURN_IF_ERROR(EnsureIndexed());
  RETURN_IF_ERROR(internal::RepOf(*store_).CheckOpen());
  {  // A month that lost items to the feed purge is not served in part.
    std::string value;
    ASSIGN_OR_RETURN(
        const bool purged,
        internal::Get(internal::RepOf(*store_), ColumnFamily::kMeta,
                      internal::FeedPurgedMonthKey(plan_id, KindField(kind), month), &value));
    if (purged) {
      return internal::PurgedUnderRetention(
          absl::StrCat("month ", internal::Absl(month), " of plan ", internal::Absl(plan_id),
                       "'s feed (", hub::v1::RecordKind_Name(kind), ")"));
    }
  }
  return std::unique_ptr<FeedScan>(
      new MonthScan(internal::RepOf(*store_), std::string(plan_id),
                    internal::Prefix({plan_id, kMonthGroup, KindField(kind), month})));
}

absl::StatusOr<std::unique_ptr<FeedScan>> FeedStore::ScanLatestMemberStatus(
    std::string_view plan_id, std::string_view through_date) {
  if (!IsIsoDate(through_date) || !ValidId(plan_id)) {
    return absl::InvalidArgumentError(
        "storage: ScanLatestMemberStatus needs a plan_id and a YYYY-MM-DD date");
  }
  {  // The export index is derived: wait for the items appended before.
    ASSIGN_OR_RETURN(const uint64_t head, Head(plan_id));
    RETURN_IF_ERROR(AwaitIndexed(plan_id, head));
  }
  RETURN_IF_ERROR(EnsureIndexed());
  RETURN_IF_ERROR(internal::RepOf(*store_).CheckOpen());
  {  // Member status as of a day the feed purge reached may be gone.
    std::string purged_through;
    ASSIGN_OR_RETURN(const bool purged,
                     internal::Get(internal::RepOf(*store_), ColumnFamily::kMeta,
                                   internal::FeedStatusPurgedKey(plan_id), &purged_through));
    if (purged && through_date < std::string_view(purged_through)) {
      return internal::PurgedUnderRetention(absl::StrCat("member status as of ",
                                                         internal::Absl(through_date), " in plan ",
                                                         internal::Absl(plan_id), "'s feed"));
    }
  }
  return std::unique_ptr<FeedScan>(new LatestMemberStatusScan(
      internal::RepOf(*store_), std::string(plan_id), internal::Prefix({plan_id, kMemberGroup}),
      std::string(through_date)));
}

absl::Status FeedStore::EnsureIndexed() {
  absl::MutexLock lock(&index_mu_);
  if (indexed_) return absl::OkStatus();
  Store::Rep& rep = internal::RepOf(*store_);
  std::string value;
  ASSIGN_OR_RETURN(const bool built,
                   internal::Get(rep, ColumnFamily::kMeta, kIndexBuiltKey, &value));
  if (!built) {
    WriteBatch batch;
    hub::v1::FeedItem item;
    int64_t indexed = 0;
    RETURN_IF_ERROR(internal::ForEachWithPrefix(
        rep, ColumnFamily::kFeedItems, "",
        [&](const rocksdb::Slice& key, const rocksdb::Slice& bytes) -> absl::Status {
          const std::string_view k = internal::ToView(key);
          const size_t end = k.find(internal::kSeparator);
          if (end == std::string_view::npos) return DamagedFeed("a feed item key");
          RETURN_IF_ERROR(internal::ParseRecord(bytes, "feed item", &item));
          PutIndexEntry(rep, batch, k.substr(0, end), item);
          ++indexed;
          if (batch.Count() >= kIndexBatchWrites) {
            return store_->Commit(batch, Durability::kBuffered);
          }
          return absl::OkStatus();
        },
        /*fill_cache=*/false));
    internal::Put(rep, batch, ColumnFamily::kMeta, internal::ToSlice(kIndexBuiltKey),
                  internal::ToSlice(absl::StrCat(indexed)));
    // Synced: the buffered batches before it are durable too.
    RETURN_IF_ERROR(store_->Commit(batch, Durability::kSync));
  }
  indexed_ = true;
  return absl::OkStatus();
}

// ---------------------------------------------------------- acknowledgement

absl::StatusOr<uint64_t> FeedStore::Cursor(std::string_view plan_id) const {
  std::string value;
  ASSIGN_OR_RETURN(const bool found, internal::Get(internal::RepOf(*store_),
                                                   ColumnFamily::kFeedCursors, plan_id, &value));
  uint64_t cursor = 0;
  if (found && !internal::DecodeFixed64(value, &cursor)) return DamagedFeed("a feed cursor");
  return cursor;
}

}  // namespace hub::storage
