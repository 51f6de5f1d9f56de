#include "storage/quality_store.h"

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/status_macros.h"
#include "storage/internal.h"

namespace hub::storage {
namespace {

std::string QualityKey(const hub::v1::QualityMeasureReport& r) {
  return internal::Key({r.provider_id(), r.plan_id(), r.measure_id(), r.period(), r.stratifier()});
}

}  // namespace

QualityStore::QualityStore(Store* store) : store_(store) {}

void QualityStore::Put(WriteBatch& batch, const hub::v1::QualityMeasureReport& report) {
  internal::Put(internal::RepOf(*store_), batch, ColumnFamily::kQualityReports, QualityKey(report),
                report.SerializeAsString());
}

absl::StatusOr<hub::v1::QualityMeasureReport> QualityStore::Get(
    const hub::v1::QualityMeasureReport& identity) const {
  std::string value;
  ASSIGN_OR_RETURN(const bool found,
                   internal::Get(internal::RepOf(*store_), ColumnFamily::kQualityReports,
                                 QualityKey(identity), &value));
  if (!found) return absl::NotFoundError("no such quality measure report");
  hub::v1::QualityMeasureReport report;
  RETURN_IF_ERROR(internal::ParseRecord(value, "quality report", &report));
  return report;
}

absl::StatusOr<std::vector<hub::v1::QualityMeasureReport>> QualityStore::ListByProvider(
    std::string_view provider_id) const {
  std::vector<hub::v1::QualityMeasureReport> reports;
  RETURN_IF_ERROR(internal::ForEachWithPrefix(
      internal::RepOf(*store_), ColumnFamily::kQualityReports, internal::Prefix({provider_id}),
      [&](const rocksdb::Slice& /*key*/, const rocksdb::Slice& value) -> absl::Status {
        return internal::ParseRecord(value, "quality report", &reports.emplace_back());
      }));
  return reports;
}

}  // namespace hub::storage
