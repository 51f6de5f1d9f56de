// Retention of the care indexes (retention.h, classes "outreach" and
// "monitoring"): the monitor's outreach index and RTF rows (kMonitor "out"
// and "rtf") and the worklists' outreach attempts (kProviderOutreach) go at
// compaction, through a compaction filter per column family. Their keys
// lead with plan or provider, not time, so a range delete cannot cut them
// by age; the filter reads the age from the key's last field.
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "base/status_macros.h"
#include "hub/v1/care.pb.h"
#include "rocksdb/db.h"
#include "storage/internal.h"
#include "storage/retention_internal.h"

namespace hub::storage::internal {
namespace {

constexpr std::string_view kOutreachPrefix("out\0", 4);  // monitor_store.cc
constexpr std::string_view kRtfPrefix("rtf\0", 4);
constexpr size_t kMonthSize = 7;  // "YYYY-MM"

class CareIndexFilter final : public rocksdb::CompactionFilter {
 public:
  CareIndexFilter(ColumnFamily family, std::shared_ptr<const CareIndexCutoffs> cutoffs,
                  std::shared_ptr<CareIndexExpiry> expiry)
      : family_(family), cutoffs_(std::move(cutoffs)), expiry_(std::move(expiry)) {}

  bool Filter(int /*level*/, const rocksdb::Slice& key, const rocksdb::Slice& /*value*/,
              std::string* /*new_value*/, bool* /*value_changed*/) const override {
    const std::string_view k = ToView(key);
    if (family_ == ColumnFamily::kProviderOutreach) return FilterAttempt(k);
    // kMonitor: "out" \0 plan \0 authorization \0 micros(BE8).
    if (k.substr(0, kOutreachPrefix.size()) == kOutreachPrefix) {
      uint64_t micros = 0;
      if (cutoffs_->outreach_micros <= 0 || k.size() < kOutreachPrefix.size() + 8 ||
          !DecodeBigEndian64(k.substr(k.size() - 8), &micros) ||
          static_cast<int64_t>(micros) >= cutoffs_->outreach_micros) {
        return false;
      }
      expiry_->dropped_outreach.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
    // "rtf" \0 plan \0 provider \0 YYYY-MM.
    if (k.substr(0, kRtfPrefix.size()) == kRtfPrefix) {
      if (cutoffs_->rtf_month.empty() || k.size() < kRtfPrefix.size() + kMonthSize ||
          k.substr(k.size() - kMonthSize) >= cutoffs_->rtf_month) {
        return false;
      }
      expiry_->dropped_rtf.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
    return false;  // The rejection log goes by range deletes.
  }

  const char* Name() const override { return "hub.CareIndexExpiry"; }

 private:
  // provider \0 plan \0 cin \0 authorization \0 YYYY-MM-DD.
  bool FilterAttempt(std::string_view key) const {
    if (cutoffs_->outreach_day.empty()) return false;
    const std::vector<std::string_view> f = SplitFields(key);
    if (f.size() != 5 || f[4] >= cutoffs_->outreach_day) return false;
    if (!f[3].empty() && cutoffs_->awaiting.contains(Key({f[1], f[3]}))) return false;
    expiry_->dropped_attempts.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  const ColumnFamily family_;
  const std::shared_ptr<const CareIndexCutoffs> cutoffs_;
  const std::shared_ptr<CareIndexExpiry> expiry_;
};

class CareIndexExpiryFactory final : public rocksdb::CompactionFilterFactory {
 public:
  CareIndexExpiryFactory(ColumnFamily family, std::shared_ptr<CareIndexExpiry> expiry)
      : family_(family), expiry_(std::move(expiry)) {}

  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context& /*context*/) override {
    std::shared_ptr<const CareIndexCutoffs> cutoffs = expiry_->Current();
    if (cutoffs == nullptr) return nullptr;  // Nothing to drop: no filter.
    return std::make_unique<CareIndexFilter>(family_, std::move(cutoffs), expiry_);
  }
  const char* Name() const override { return "hub.CareIndexExpiryFactory"; }

 private:
  const ColumnFamily family_;
  const std::shared_ptr<CareIndexExpiry> expiry_;
};

// The UTC day that holds `t`, as its start.
absl::Time DayStart(absl::Time t) {
  const int64_t seconds = absl::ToUnixSeconds(t);
  return absl::FromUnixSeconds((seconds / 86400 - (seconds % 86400 < 0 ? 1 : 0)) * 86400);
}

// Referrals whose worklist entry still asks whether outreach was made: the
// statuses of hub/views/provider_views.cc's AwaitsOutreach (received or
// accepted, not yet in progress, declined or closed). Whole-family scan of
// kAuthorizations without filling the block cache, as the monitor's.
absl::Status CollectAwaiting(const Store::Rep& rep, CareIndexCutoffs& cutoffs) {
  hub::v1::Authorization a;
  return ForEachWithPrefix(
      rep, ColumnFamily::kAuthorizations, "",
      [&](const rocksdb::Slice&, const rocksdb::Slice& value) -> absl::Status {
        RETURN_IF_ERROR(ParseRecord(value, "authorization", &a));
        if (a.referral_status() == hub::v1::REFERRAL_STATUS_UNSPECIFIED ||
            a.referral_status() == hub::v1::REFERRAL_STATUS_RECEIVED ||
            a.referral_status() == hub::v1::REFERRAL_STATUS_ACCEPTED) {
          cutoffs.awaiting.insert(Key({a.plan_id(), a.authorization_number()}));
        }
        return absl::OkStatus();
      },
      /*fill_cache=*/false);
}

}  // namespace

absl::Status FlushAndCompact(Store::Rep& rep, ColumnFamily family) {
  RETURN_IF_ERROR(FromRocksDb(rep.db->Flush(rocksdb::FlushOptions(), rep.cf(family)),
                              "flushing before a purge"));
  rocksdb::CompactRangeOptions options;
  options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  return FromRocksDb(rep.db->CompactRange(options, rep.cf(family), nullptr, nullptr),
                     "compacting after a purge");
}

void CareIndexExpiry::Publish(std::shared_ptr<const CareIndexCutoffs> cutoffs) {
  absl::MutexLock lock(&mu_);
  cutoffs_ = std::move(cutoffs);
}

std::shared_ptr<const CareIndexCutoffs> CareIndexExpiry::Current() const {
  absl::MutexLock lock(&mu_);
  return cutoffs_;
}

std::shared_ptr<rocksdb::CompactionFilterFactory> NewCareIndexExpiryFactory(
    ColumnFamily family, std::shared_ptr<CareIndexExpiry> expiry) {
  return std::make_shared<CareIndexExpiryFactory>(family, std::move(expiry));
}

absl::StatusOr<CareIndexCounts> PurgeCareIndexes(Store& store, absl::Time outreach_cutoff,
                                                 absl::Time rtf_cutoff) {
  Store::Rep& rep = RepOf(store);
  CareIndexExpiry& expiry = *rep.care_index_expiry;
  auto cutoffs = std::make_shared<CareIndexCutoffs>();
  const bool outreach = outreach_cutoff > absl::UnixEpoch();
  if (outreach) {
    const absl::Time day = DayStart(outreach_cutoff);
    cutoffs->outreach_micros = absl::ToUnixMicros(day);
    cutoffs->outreach_day = absl::FormatTime("%Y-%m-%d", day, absl::UTCTimeZone());
    RETURN_IF_ERROR(CollectAwaiting(rep, *cutoffs));
  }
  if (rtf_cutoff > absl::UnixEpoch()) {
    cutoffs->rtf_month = absl::FormatTime("%Y-%m", rtf_cutoff, absl::UTCTimeZone());
  }
  if (!outreach && cutoffs->rtf_month.empty()) return CareIndexCounts{};
  const int64_t outreach_before = expiry.dropped_outreach.load();
  const int64_t attempts_before = expiry.dropped_attempts.load();
  const int64_t rtf_before = expiry.dropped_rtf.load();
  expiry.Publish(std::move(cutoffs));
  absl::Status compacted = FlushAndCompact(rep, ColumnFamily::kMonitor);
  if (compacted.ok() && outreach) {
    compacted = FlushAndCompact(rep, ColumnFamily::kProviderOutreach);
  }
  expiry.Publish(nullptr);  // Only a purge drops anything.
  RETURN_IF_ERROR(compacted);
  CareIndexCounts counts;
  counts.compacted_monitor = true;
  counts.outreach = expiry.dropped_outreach.load() - outreach_before +
                    expiry.dropped_attempts.load() - attempts_before;
  counts.rtf_rows = expiry.dropped_rtf.load() - rtf_before;
  return counts;
}

}  // namespace hub::storage::internal
