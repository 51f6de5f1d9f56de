#include "storage/coverage_index.h"

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/status_macros.h"
#include "storage/care_internal.h"
#include "storage/internal.h"

namespace hub::storage {

CoverageIndex::CoverageIndex(Store* store) : store_(store) {}

uint64_t CoverageIndex::Put(WriteBatch& batch, const hub::v1::Coverage& coverage) {
  hub::v1::Coverage stored = coverage;
  stored.set_version(store_->NextVersion(batch));
  internal::Put(internal::RepOf(*store_), batch, ColumnFamily::kCoverage,
                internal::Key({stored.cin(), stored.plan_id(), stored.start_date()}),
                stored.SerializeAsString());
  return stored.version();
}

void CoverageIndex::Delete(WriteBatch& batch, std::string_view cin, std::string_view plan_id,
                           std::string_view start_date) {
  internal::Delete(internal::RepOf(*store_), batch, ColumnFamily::kCoverage,
                   internal::Key({cin, plan_id, start_date}));
}

absl::StatusOr<hub::v1::Coverage> CoverageIndex::Get(std::string_view cin, std::string_view plan_id,
                                                     std::string_view start_date) const {
  std::string value;
  ASSIGN_OR_RETURN(const bool found,
                   internal::Get(internal::RepOf(*store_), ColumnFamily::kCoverage,
                                 internal::Key({cin, plan_id, start_date}), &value));
  // The CIN is PHI: the message never quotes it.
  if (!found) return absl::NotFoundError("no such coverage period");
  hub::v1::Coverage period;
  RETURN_IF_ERROR(internal::ParseRecord(value, "coverage", &period));
  return period;
}

absl::StatusOr<hub::v1::Coverage> CoverageIndex::CoveringPlan(std::string_view cin,
                                                              std::string_view iso_date) const {
  hub::v1::Coverage best;
  bool found = false;
  hub::v1::Coverage period;
  RETURN_IF_ERROR(internal::ForEachWithPrefix(
      internal::RepOf(*store_), ColumnFamily::kCoverage, internal::Prefix({cin}),
      [&](const rocksdb::Slice& /*key*/, const rocksdb::Slice& value) -> absl::Status {
        RETURN_IF_ERROR(internal::ParseRecord(value, "coverage", &period));
        if (care_internal::Contains(period.start_date(), period.end_date(), iso_date) &&
            (!found || period.version() > best.version())) {
          best.Swap(&period);
          found = true;
        }
        return absl::OkStatus();
      }));
  // The CIN is PHI: the message never quotes it.
  if (!found) return absl::NotFoundError("no plan covers the member on that date");
  return best;
}

absl::StatusOr<std::vector<hub::v1::Coverage>> CoverageIndex::Periods(std::string_view cin) const {
  std::vector<hub::v1::Coverage> periods;
  RETURN_IF_ERROR(internal::ForEachWithPrefix(
      internal::RepOf(*store_), ColumnFamily::kCoverage, internal::Prefix({cin}),
      [&](const rocksdb::Slice& /*key*/, const rocksdb::Slice& value) -> absl::Status {
        return internal::ParseRecord(value, "coverage", &periods.emplace_back());
      }));
  return periods;
}

const hub::v1::Coverage* CoverageIndex::CoveringPeriod(
    const std::vector<hub::v1::Coverage>& periods, std::string_view iso_date) {
  const hub::v1::Coverage* best = nullptr;
  for (const hub::v1::Coverage& period : periods) {
    if (care_internal::Contains(period.start_date(), period.end_date(), iso_date) &&
        (best == nullptr || period.version() > best->version())) {
      best = &period;
    }
  }
  return best;
}

}  // namespace hub::storage
