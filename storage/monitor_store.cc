#include "storage/monitor_store.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "storage/feed_records.pb.h"
#include "storage/internal.h"

namespace hub::storage {
namespace {

constexpr std::string_view kRejections = "rej";
constexpr std::string_view kOutreach = "out";
constexpr std::string_view kRtf = "rtf";

// Times before 1970 never occur; clamping keeps the big-endian order right.
std::string Time(int64_t micros) {
  return internal::EncodeBigEndian64(static_cast<uint64_t>(std::max<int64_t>(micros, 0)));
}

absl::Status Damaged(std::string_view what) {
  return absl::DataLossError(absl::StrCat("storage: ", internal::Absl(what),
                                          " is damaged; restore the data directory from a "
                                          "checkpoint"));
}

// Calls fn(value) for every record of `family`, in key order. These
// families have a prefix extractor (the CIN), so the scan asks for total
// order; it does not fill the block cache (a scan of the whole family would
// evict the point lookups' working set).
template <typename Fn>
absl::Status ScanWhole(const Store::Rep& rep, ColumnFamily family, Fn&& fn) {
  RETURN_IF_ERROR(rep.CheckOpen());
  rocksdb::ReadOptions read_options;
  read_options.total_order_seek = true;
  read_options.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(rep.db->NewIterator(read_options, rep.cf(family)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    RETURN_IF_ERROR(fn(it->value()));
  }
  return internal::FromRocksDb(it->status(), "scanning records");
}

}  // namespace

MonitorStore::MonitorStore(Store* store) : store_(store) {}

void MonitorStore::AddRejection(WriteBatch& batch, int64_t micros, std::string_view provider_id,
                                std::string_view unique, int kind, std::string_view reason_code) {
  batch.rep()
      .batch
      .Put(store_->rep().cf(ColumnFamily::kMonitor),
           internal::Key({kRejections, Time(micros), provider_id, unique}),
           internal::Key({absl::StrCat(kind), reason_code}))
      .PermitUncheckedError();
}

void MonitorStore::AddOutreach(WriteBatch& batch, std::string_view plan_id,
                               std::string_view authorization_number, int64_t micros) {
  batch.rep()
      .batch
      .Put(store_->rep().cf(ColumnFamily::kMonitor),
           internal::Key({kOutreach, plan_id, authorization_number, Time(micros)}),
           rocksdb::Slice())
      .PermitUncheckedError();
}

void MonitorStore::AddRtfRow(WriteBatch& batch, std::string_view plan_id,
                             std::string_view provider_id, std::string_view period) {
  batch.rep()
      .batch
      .Put(store_->rep().cf(ColumnFamily::kMonitor),
           internal::Key({kRtf, plan_id, provider_id, period}), rocksdb::Slice())
      .PermitUncheckedError();
}

absl::Status MonitorStore::ScanProviderFlows(std::string_view provider_id, int64_t start_micros,
                                             int64_t end_micros, int64_t limit,
                                             const std::function<void(const FlowRecord&)>& fn,
                                             bool* complete) const {
  *complete = true;
  if (end_micros <= start_micros || end_micros <= 0) return absl::OkStatus();
  const Store::Rep& rep = store_->rep();
  const std::string prefix = internal::Prefix({provider_id});
  // The listing is newest first: ~micros ascending. Start at the newest
  // record before end_micros.
  const std::string start =
      absl::StrCat(prefix, internal::EncodeBigEndian64(~static_cast<uint64_t>(end_micros - 1)));

  absl::flat_hash_map<std::string, uint64_t> cursors;
  std::string value;
  records::RecordEntry entry;
  FlowRecord record;
  int64_t seen = 0;
  return internal::ForEachFrom(
      rep, ColumnFamily::kProviderRecords, prefix, start,
      [&](const rocksdb::Slice& key, const rocksdb::Slice& /*value*/) -> absl::StatusOr<bool> {
        const std::string_view suffix = internal::ToView(key).substr(prefix.size());
        uint64_t inverted = 0;
        if (suffix.size() < 10 || suffix[8] != internal::kSeparator ||
            !internal::DecodeBigEndian64(suffix.substr(0, 8), &inverted)) {
          return Damaged("a provider's record listing");
        }
        const int64_t micros = static_cast<int64_t>(~inverted);
        if (micros < start_micros) return false;
        if (seen >= limit) {
          *complete = false;
          return false;
        }
        ++seen;
        record.record_id.assign(suffix.substr(9));
        ASSIGN_OR_RETURN(const bool found,
                         internal::Get(rep, ColumnFamily::kRecords, record.record_id, &value));
        if (!found) return Damaged("the record index");
        RETURN_IF_ERROR(internal::ParseRecord(value, "record entry", &entry));
        record.plan_id = entry.plan_id();
        record.provider_id = entry.provider_id();
        record.kind = entry.kind();
        record.accept_micros = entry.accept_time_unix_micros();
        record.sequence = entry.sequence();
        record.plan_rejection_code.clear();
        record.ack_micros.reset();

        auto cursor_it = cursors.find(entry.plan_id());
        if (cursor_it == cursors.end()) {
          uint64_t cursor = 0;
          ASSIGN_OR_RETURN(const bool has_cursor,
                           internal::Get(rep, ColumnFamily::kFeedCursors, entry.plan_id(), &value));
          if (has_cursor && !internal::DecodeFixed64(value, &cursor)) {
            return Damaged("a feed cursor");
          }
          cursor_it = cursors.emplace(entry.plan_id(), cursor).first;
        }
        if (entry.sequence() <= cursor_it->second) {
          record.plan_rejection_code = entry.rejection_reason_code();
          // The Ack log: the first entry at or beyond the sequence is the
          // Ack that moved the cursor past it.
          const std::string plan_prefix = internal::Prefix({entry.plan_id()});
          RETURN_IF_ERROR(internal::ForEachFrom(
              rep, ColumnFamily::kFeedCursors, plan_prefix,
              absl::StrCat(plan_prefix, internal::EncodeBigEndian64(entry.sequence())),
              [&](const rocksdb::Slice& /*k*/, const rocksdb::Slice& v) -> absl::StatusOr<bool> {
                uint64_t ack = 0;
                if (!internal::DecodeFixed64(internal::ToView(v), &ack)) {
                  return Damaged("a plan's acknowledgement log");
                }
                record.ack_micros = static_cast<int64_t>(ack);
                return false;
              }));
          // A store written before the Ack log existed: acknowledged, time
          // unknown; count it as acknowledged at its accept time.
          if (!record.ack_micros.has_value()) record.ack_micros = record.accept_micros;
        }
        fn(record);
        return true;
      });
}

absl::Status MonitorStore::ScanRejections(
    int64_t start_micros, int64_t end_micros,
    const std::function<void(const RejectionEntry&)>& fn) const {
  if (end_micros <= start_micros) return absl::OkStatus();
  const std::string prefix = internal::Prefix({kRejections});
  RejectionEntry entry;
  return internal::ForEachFrom(
      store_->rep(), ColumnFamily::kMonitor, prefix, absl::StrCat(prefix, Time(start_micros)),
      [&](const rocksdb::Slice& key, const rocksdb::Slice& value) -> absl::StatusOr<bool> {
        const std::string_view rest = internal::ToView(key).substr(prefix.size());
        uint64_t micros = 0;
        if (rest.size() < 10 || rest[8] != internal::kSeparator ||
            !internal::DecodeBigEndian64(rest.substr(0, 8), &micros)) {
          return Damaged("the monitor's rejection log");
        }
        if (static_cast<int64_t>(micros) >= end_micros) return false;
        const std::string_view ids = rest.substr(9);
        const size_t provider_end = ids.find(internal::kSeparator);
        const std::string_view v = internal::ToView(value);
        const size_t kind_end = v.find(internal::kSeparator);
        if (provider_end == std::string_view::npos || kind_end == std::string_view::npos ||
            !absl::SimpleAtoi(internal::Absl(v.substr(0, kind_end)), &entry.kind)) {
          return Damaged("the monitor's rejection log");
        }
        entry.micros = static_cast<int64_t>(micros);
        entry.provider_id.assign(ids.substr(0, provider_end));
        entry.reason_code.assign(v.substr(kind_end + 1));
        fn(entry);
        return true;
      });
}

absl::StatusOr<std::optional<int64_t>> MonitorStore::FirstOutreach(
    std::string_view plan_id, std::string_view authorization_number) const {
  std::optional<int64_t> first;
  const std::string prefix = internal::Prefix({kOutreach, plan_id, authorization_number});
  RETURN_IF_ERROR(internal::ForEachFrom(
      store_->rep(), ColumnFamily::kMonitor, prefix, "",
      [&](const rocksdb::Slice& key, const rocksdb::Slice& /*value*/) -> absl::StatusOr<bool> {
        const std::string_view rest = internal::ToView(key).substr(prefix.size());
        uint64_t micros = 0;
        if (!internal::DecodeBigEndian64(rest, &micros)) {
          return Damaged("the monitor's outreach index");
        }
        first = static_cast<int64_t>(micros);
        return false;
      }));
  return first;
}

absl::StatusOr<bool> MonitorStore::HasRtfRows(std::string_view plan_id,
                                              std::string_view provider_id,
                                              std::string_view period) const {
  std::string value;
  return internal::Get(store_->rep(), ColumnFamily::kMonitor,
                       internal::Key({kRtf, plan_id, provider_id, period}), &value);
}

absl::Status MonitorStore::ScanAssignments(
    const std::function<absl::Status(const hub::v1::Assignment&)>& fn) const {
  hub::v1::Assignment assignment;
  return ScanWhole(store_->rep(), ColumnFamily::kAssignments, [&](const rocksdb::Slice& value) {
    RETURN_IF_ERROR(internal::ParseRecord(value, "assignment", &assignment));
    return fn(assignment);
  });
}

absl::Status MonitorStore::ScanAuthorizations(
    const std::function<absl::Status(const hub::v1::Authorization&)>& fn) const {
  hub::v1::Authorization authorization;
  return ScanWhole(store_->rep(), ColumnFamily::kAuthorizations, [&](const rocksdb::Slice& value) {
    RETURN_IF_ERROR(internal::ParseRecord(value, "authorization", &authorization));
    return fn(authorization);
  });
}

}  // namespace hub::storage
