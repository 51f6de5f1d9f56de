// The records of a window's partial seconds, read one by one
// (storage/flow_tally_internal.h's ReadEdgeSeconds).
#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "hub/v1/monitor.pb.h"
#include "storage/feed_records.pb.h"
#include "storage/flow_tally_cache.h"
#include "storage/flow_tally_internal.h"
#include "storage/internal.h"
#include "storage/retention_internal.h"

namespace hub::storage::internal {
namespace {

// One read of a few seconds' records, as of a snapshot.
class EdgeReader {
 public:
  EdgeReader(const Store::Rep& rep, const rocksdb::Snapshot* snapshot, int64_t* records_read)
      : rep_(rep), snapshot_(snapshot), records_read_(records_read) {}

  // See ReadEdgeSeconds.
  absl::StatusOr<std::vector<std::shared_ptr<EdgeSecond>>> Read(int64_t first, int count) {
    std::vector<std::shared_ptr<EdgeSecond>> seconds;
    for (int i = 0; i < count; ++i) seconds.push_back(std::make_shared<EdgeSecond>());
    std::vector<int64_t> tallied(static_cast<size_t>(count), 0);
    purged_.assign(static_cast<size_t>(count), 0);
    first_ = first;
    const int64_t lo = first * kMicrosPerSecond;
    const int64_t hi = (first + count) * kMicrosPerSecond;
    // The seconds' finest tallies name the providers with records in them,
    // and count them.
    std::vector<std::string> providers;
    bool rejections = false;
    LatencyHistogram unused;
    int64_t bins = 0;
    RETURN_IF_ERROR(ForEachTally(
        rep_, snapshot_, 'g', 's', first, first + count,
        [&](int64_t bucket, std::string_view rest, std::string_view value) -> absl::Status {
          const std::vector<std::string_view> fields = SplitFields(rest);
          int64_t n = 0;
          if (fields.size() != 5 || !DecodeTallyInto(value, 1, &n, {&unused}, &bins)) {
            return TallyDamaged("the monitor's flow tallies");
          }
          tallied[static_cast<size_t>(bucket - first)] += n;
          if (fields[0].empty()) {
            rejections = true;
          } else {
            providers.emplace_back(fields[1]);
          }
          return absl::OkStatus();
        }));
    std::sort(providers.begin(), providers.end());
    providers.erase(std::unique(providers.begin(), providers.end()), providers.end());
    for (const std::string& provider : providers) {
      RETURN_IF_ERROR(ReadProviderRecords(provider, lo, hi, seconds));
    }
    if (rejections) RETURN_IF_ERROR(ReadRejections(lo, hi, seconds));
    for (size_t i = 0; i < seconds.size(); ++i) {
      EdgeSecond& edge = *seconds[i];
      edge.complete = static_cast<int64_t>(edge.records.size()) + purged_[i] == tallied[i];
      for (const EdgeSecond::Record& r : edge.records) {
        edge.bytes += sizeof(r) + r.group.plan_id.size() + r.group.provider_id.size() +
                      r.group.reason_code.size();
      }
    }
    return seconds;
  }

 private:
  // The index of the second of `micros` among those read.
  size_t SecondOf(int64_t micros) const {
    return static_cast<size_t>(FloorDiv(micros, kMicrosPerSecond) - first_);
  }

  absl::Status ReadProviderRecords(const std::string& provider, int64_t lo, int64_t hi,
                                   const std::vector<std::shared_ptr<EdgeSecond>>& seconds) {
    const std::string prefix = Prefix({provider});
    // The listing is newest first (~micros ascending).
    const std::string start =
        absl::StrCat(prefix, Absl(EncodeBigEndian64(~static_cast<uint64_t>(hi - 1))));
    rocksdb::Iterator& it = IteratorOf(ColumnFamily::kProviderRecords);
    for (it.Seek(ToSlice(start)); it.Valid() && it.key().starts_with(ToSlice(prefix)); it.Next()) {
      const std::string_view suffix = ToView(it.key()).substr(prefix.size());
      uint64_t inverted = 0;
      if (suffix.size() < 10 || suffix[8] != kSeparator ||
          !DecodeBigEndian64(suffix.substr(0, 8), &inverted)) {
        return TallyDamaged("a provider's record listing");
      }
      const auto micros = static_cast<int64_t>(~inverted);
      if (micros < lo) break;
      const size_t second = SecondOf(micros);
      RETURN_IF_ERROR(
          ReadRecord(suffix.substr(9), ToView(it.value()), *seconds[second], purged_[second]));
    }
    return FromRocksDb(it.status(), "reading a provider's record listing");
  }

  // One iterator of `family` at the snapshot, opened once per read (the
  // records of an edge second seek it per provider and per plan).
  rocksdb::Iterator& IteratorOf(ColumnFamily family) {
    std::unique_ptr<rocksdb::Iterator>& it = iterators_[static_cast<int>(family)];
    if (it == nullptr) {
      rocksdb::ReadOptions options;
      options.snapshot = snapshot_;
      it.reset(rep_.db->NewIterator(options, rep_.cf(family)));
    }
    return *it;
  }

  // AckTime of `plan_id`'s record `sequence`, as of the snapshot: the time
  // of the first entry of the plan's Ack log at or after it. An answer
  // holds for every sequence from the one asked to the entry's, so records
  // acknowledged by one Ack cost one seek.
  absl::StatusOr<std::optional<int64_t>> AckTimeOf(const std::string& plan_id, uint64_t sequence) {
    std::vector<AckSpan>& spans = ack_spans_[plan_id];
    for (const AckSpan& span : spans) {
      if (sequence >= span.from && sequence <= span.to) return span.micros;
    }
    ASSIGN_OR_RETURN(const std::optional<AckEntry> ack,
                     FindAck(IteratorOf(ColumnFamily::kFeedCursors), plan_id, sequence));
    AckSpan span{sequence, UINT64_MAX, std::nullopt};
    if (ack.has_value()) {
      span.to = ack->cursor;
      span.micros = ack->micros;
    }
    spans.push_back(span);
    return span.micros;
  }

  // Adds the record to `edge`, or 1 to *purged if the feed purge took it.
  absl::Status ReadRecord(std::string_view record_id, std::string_view listing, EdgeSecond& edge,
                          int64_t& purged) {
    ++*records_read_;
    ASSIGN_OR_RETURN(const bool found,
                     Get(rep_, ColumnFamily::kRecords, record_id, &value_, snapshot_));
    // A record the feed purge took (retention) counts no more.
    if (!found) {
      if (!ListingPurged(rep_, listing)) return TallyDamaged("the record index");
      ++purged;
      return absl::OkStatus();
    }
    RETURN_IF_ERROR(ParseRecord(value_, "record entry", &entry_));
    if (entry_.sequence() <= rep_.feed_purge_marks->Get(entry_.plan_id())) {
      ++purged;
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(const uint64_t cursor, CursorOf(entry_.plan_id()));
    FlowGroupKey group{entry_.plan_id(), entry_.provider_id(), entry_.kind(),
                       hub::v1::FLOW_STATUS_DELIVERED_PENDING, ""};
    std::optional<int64_t> latency;
    if (entry_.sequence() <= cursor) {
      group.reason_code = entry_.rejection_reason_code();
      group.status = group.reason_code.empty() ? hub::v1::FLOW_STATUS_ACCEPTED_BY_PLAN
                                               : hub::v1::FLOW_STATUS_REJECTED_BY_PLAN;
      ASSIGN_OR_RETURN(const std::optional<int64_t> ack,
                       AckTimeOf(entry_.plan_id(), entry_.sequence()));
      // A store written before the Ack log: acknowledged at accept time.
      latency = std::max<int64_t>(
          ack.value_or(entry_.accept_time_unix_micros()) - entry_.accept_time_unix_micros(), 0);
    }
    edge.records.push_back(
        {entry_.accept_time_unix_micros(), std::move(group), latency, entry_.sequence()});
    return absl::OkStatus();
  }

  absl::StatusOr<uint64_t> CursorOf(const std::string& plan_id) {
    auto it = cursors_.find(plan_id);
    if (it != cursors_.end()) return it->second;
    uint64_t cursor = 0;
    ASSIGN_OR_RETURN(const bool found,
                     Get(rep_, ColumnFamily::kFeedCursors, plan_id, &value_, snapshot_));
    if (found && !DecodeFixed64(value_, &cursor)) return TallyDamaged("a feed cursor");
    cursors_.emplace(plan_id, cursor);
    return cursor;
  }

  absl::Status ReadRejections(int64_t lo, int64_t hi,
                              const std::vector<std::shared_ptr<EdgeSecond>>& seconds) {
    const std::string prefix = Prefix({"rej"});
    return ForEachFrom(
        rep_, ColumnFamily::kMonitor, prefix,
        absl::StrCat(prefix, Absl(EncodeBigEndian64(static_cast<uint64_t>(lo)))),
        [&](const rocksdb::Slice& key, const rocksdb::Slice& value) -> absl::StatusOr<bool> {
          const std::string_view rest = ToView(key).substr(prefix.size());
          uint64_t micros = 0;
          if (rest.size() < 10 || !DecodeBigEndian64(rest.substr(0, 8), &micros)) {
            return TallyDamaged("the monitor's rejection log");
          }
          if (static_cast<int64_t>(micros) >= hi) return false;
          const std::string_view ids = rest.substr(9);
          const std::string_view v = ToView(value);
          const size_t kind_end = v.find(kSeparator);
          FlowGroupKey group{"", std::string(ids.substr(0, ids.find(kSeparator))), 0,
                             hub::v1::FLOW_STATUS_REJECTED_BY_HUB, ""};
          if (kind_end == std::string_view::npos ||
              !absl::SimpleAtoi(Absl(v.substr(0, kind_end)), &group.kind)) {
            return TallyDamaged("the monitor's rejection log");
          }
          group.reason_code.assign(v.substr(kind_end + 1));
          ++*records_read_;
          seconds[SecondOf(static_cast<int64_t>(micros))]->records.push_back(
              {static_cast<int64_t>(micros), std::move(group), std::nullopt, 0});
          return true;
        },
        snapshot_);
  }

  const Store::Rep& rep_;
  const rocksdb::Snapshot* snapshot_;
  int64_t* records_read_;
  absl::flat_hash_map<std::string, uint64_t> cursors_;
  // The first second read, and per second the records found purged
  // (counted by the tallies, not by the window).
  int64_t first_ = 0;
  std::vector<int64_t> purged_;
  // IteratorOf's, by column family.
  absl::flat_hash_map<int, std::unique_ptr<rocksdb::Iterator>> iterators_;
  // AckTimeOf's answers per plan: sequences [from, to] -> the Ack's time.
  struct AckSpan {
    uint64_t from;
    uint64_t to;
    std::optional<int64_t> micros;
  };
  absl::flat_hash_map<std::string, std::vector<AckSpan>> ack_spans_;
  std::string value_;
  records::RecordEntry entry_;
};

}  // namespace

absl::StatusOr<std::vector<std::shared_ptr<EdgeSecond>>> ReadEdgeSeconds(
    const Store::Rep& rep, const rocksdb::Snapshot* snapshot, int64_t first, int count,
    int64_t* records_read) {
  return EdgeReader(rep, snapshot, records_read).Read(first, std::max(count, 1));
}

}  // namespace hub::storage::internal
