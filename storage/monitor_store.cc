#include "storage/monitor_store.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "storage/flow_tally_internal.h"
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
  internal::Put(internal::RepOf(*store_), batch, ColumnFamily::kMonitor,
                internal::Key({kRejections, Time(micros), provider_id, unique}),
                internal::Key({absl::StrCat(kind), reason_code}));
  internal::TallyRejectedByHub(internal::RepOf(batch), provider_id, kind, reason_code, micros);
}

void MonitorStore::AddOutreach(WriteBatch& batch, std::string_view plan_id,
                               std::string_view authorization_number, int64_t micros) {
  internal::Put(internal::RepOf(*store_), batch, ColumnFamily::kMonitor,
                internal::Key({kOutreach, plan_id, authorization_number, Time(micros)}),
                rocksdb::Slice());
}

void MonitorStore::AddRtfRow(WriteBatch& batch, std::string_view plan_id,
                             std::string_view provider_id, std::string_view period) {
  internal::Put(internal::RepOf(*store_), batch, ColumnFamily::kMonitor,
                internal::Key({kRtf, plan_id, provider_id, period}), rocksdb::Slice());
}

absl::StatusOr<FlowTallies> MonitorStore::TallyFlows(int64_t start_micros, int64_t end_micros,
                                                     int64_t bar_seconds, int bars,
                                                     bool through_now) const {
  const Store::Rep& rep = internal::RepOf(*store_);
  RETURN_IF_ERROR(rep.CheckOpen());
  return internal::ReadFlowTallies(rep, start_micros, end_micros, bar_seconds, bars, through_now);
}

absl::StatusOr<std::optional<int64_t>> MonitorStore::FirstOutreach(
    std::string_view plan_id, std::string_view authorization_number) const {
  std::optional<int64_t> first;
  const std::string prefix = internal::Prefix({kOutreach, plan_id, authorization_number});
  RETURN_IF_ERROR(internal::ForEachFrom(
      internal::RepOf(*store_), ColumnFamily::kMonitor, prefix, "",
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
  return internal::Get(internal::RepOf(*store_), ColumnFamily::kMonitor,
                       internal::Key({kRtf, plan_id, provider_id, period}), &value);
}

absl::Status MonitorStore::ScanAssignments(
    const std::function<absl::Status(const hub::v1::Assignment&)>& fn) const {
  hub::v1::Assignment assignment;
  return ScanWhole(internal::RepOf(*store_), ColumnFamily::kAssignments,
                   [&](const rocksdb::Slice& value) {
                     RETURN_IF_ERROR(internal::ParseRecord(value, "assignment", &assignment));
                     return fn(assignment);
                   });
}

absl::Status MonitorStore::ScanAuthorizations(
    const std::function<absl::Status(const hub::v1::Authorization&)>& fn) const {
  hub::v1::Authorization authorization;
  return ScanWhole(internal::RepOf(*store_), ColumnFamily::kAuthorizations,
                   [&](const rocksdb::Slice& value) {
                     RETURN_IF_ERROR(internal::ParseRecord(value, "authorization", &authorization));
                     return fn(authorization);
                   });
}

}  // namespace hub::storage
