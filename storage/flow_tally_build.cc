// The flow tallies' one-time build for stores written before them
// (storage/flow_tally_internal.h).
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "storage/feed_records.pb.h"
#include "storage/flow_tally_cache.h"
#include "storage/flow_tally_internal.h"
#include "storage/internal.h"

namespace hub::storage::internal {
namespace {

// Meta key set once the tallies hold every stored record and rejection at
// every level of kTallyLevels ("_v2": with the 10-minute and 6-hour levels;
// a store built before them is built again, whole, at its next open).
constexpr std::string_view kFlowTalliesBuiltKey = "flow_tallies_built_v2";
// Records per batch of the one-time build.
constexpr int kBuildBatchRecords = 50000;

// Each plan's cursor and Ack log, for the build.
struct PlanAcks {
  uint64_t cursor = 0;
  // (through sequence, ack micros), in sequence order.
  std::vector<std::pair<uint64_t, int64_t>> log;
};

absl::StatusOr<std::map<std::string, PlanAcks, std::less<>>> LoadAcks(const Store::Rep& rep) {
  std::map<std::string, PlanAcks, std::less<>> plans;
  RETURN_IF_ERROR(ForEachWithPrefix(
      rep, ColumnFamily::kFeedCursors, "",
      [&](const rocksdb::Slice& key, const rocksdb::Slice& value) -> absl::Status {
        const std::string_view k = ToView(key);
        uint64_t number = 0;
        if (!DecodeFixed64(ToView(value), &number)) return TallyDamaged("a feed cursor");
        const size_t separator = k.find(kSeparator);
        if (separator == std::string_view::npos) {
          plans[std::string(k)].cursor = number;
          return absl::OkStatus();
        }
        uint64_t through = 0;
        if (!DecodeBigEndian64(k.substr(separator + 1), &through)) {
          return TallyDamaged("a plan's acknowledgement log");
        }
        plans[std::string(k.substr(0, separator))].log.emplace_back(through,
                                                                    static_cast<int64_t>(number));
        return absl::OkStatus();
      },
      /*fill_cache=*/false));
  return plans;
}

absl::Status CommitIfFull(Store& store, WriteBatch& batch, int& records) {
  if (++records < kBuildBatchRecords) return absl::OkStatus();
  records = 0;
  return store.Commit(batch, Durability::kBuffered);
}

}  // namespace

absl::Status BuildFlowTalliesIfMissing(Store& store) {
  Store::Rep& rep = internal::RepOf(store);
  std::string value;
  ASSIGN_OR_RETURN(const bool built, Get(rep, ColumnFamily::kMeta, kFlowTalliesBuiltKey, &value));
  if (built) return absl::OkStatus();
  // A build a crash interrupted left some tallies: start over.
  rocksdb::WriteOptions write_options;
  const FlowTallyCache::Write everything = rep.flow_tally_cache->BeginWriteEverything();
  const rocksdb::Status cleared =
      rep.db->DeleteRange(write_options, rep.cf(ColumnFamily::kFlowTallies),
                          rocksdb::Slice("\0", 1), rocksdb::Slice("\xff"));
  rep.flow_tally_cache->EndWrite(everything);
  RETURN_IF_ERROR(FromRocksDb(cleared, "clearing the monitor's flow tallies"));
  ASSIGN_OR_RETURN(const auto acks, LoadAcks(rep));
  WriteBatch batch;
  int records = 0;
  records::RecordEntry entry;
  RETURN_IF_ERROR(ForEachWithPrefix(
      rep, ColumnFamily::kRecords, "",
      [&](const rocksdb::Slice& /*key*/, const rocksdb::Slice& v) -> absl::Status {
        RETURN_IF_ERROR(ParseRecord(v, "record entry", &entry));
        const int64_t accept = entry.accept_time_unix_micros();
        TallyAccepted(internal::RepOf(batch), entry.plan_id(), entry.provider_id(), entry.kind(),
                      accept);
        auto plan = acks.find(entry.plan_id());
        if (plan != acks.end() && entry.sequence() <= plan->second.cursor) {
          const auto& log = plan->second.log;
          auto ack =
              std::lower_bound(log.begin(), log.end(), std::make_pair(entry.sequence(), INT64_MIN));
          const int64_t ack_micros = ack == log.end() ? accept : ack->second;
          TallyVerdict(internal::RepOf(batch), entry.plan_id(), entry.provider_id(), entry.kind(),
                       accept, std::nullopt, entry.rejection_reason_code(),
                       std::max<int64_t>(ack_micros - accept, 0));
        }
        return CommitIfFull(store, batch, records);
      },
      /*fill_cache=*/false));
  const std::string prefix = Prefix({"rej"});
  RETURN_IF_ERROR(ForEachWithPrefix(
      rep, ColumnFamily::kMonitor, prefix,
      [&](const rocksdb::Slice& key, const rocksdb::Slice& v) -> absl::Status {
        const std::string_view rest = ToView(key).substr(prefix.size());
        const std::string_view text = ToView(v);
        uint64_t micros = 0;
        int kind = 0;
        const size_t kind_end = text.find(kSeparator);
        if (rest.size() < 10 || !DecodeBigEndian64(rest.substr(0, 8), &micros) ||
            kind_end == std::string_view::npos ||
            !absl::SimpleAtoi(Absl(text.substr(0, kind_end)), &kind)) {
          return TallyDamaged("the monitor's rejection log");
        }
        const std::string_view ids = rest.substr(9);
        TallyRejectedByHub(internal::RepOf(batch), ids.substr(0, ids.find(kSeparator)), kind,
                           text.substr(kind_end + 1), static_cast<int64_t>(micros));
        return CommitIfFull(store, batch, records);
      },
      /*fill_cache=*/false));
  RETURN_IF_ERROR(store.Commit(batch, Durability::kBuffered));
  internal::Put(rep, batch, ColumnFamily::kMeta, ToSlice(kFlowTalliesBuiltKey), rocksdb::Slice());
  return store.Commit(batch, Durability::kSync);
}

}  // namespace hub::storage::internal
