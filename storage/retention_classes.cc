// Retention of claims, quality reports and parked records (retention.h,
// classes "claims", "quality_reports" and "parked"): one compaction filter
// per column family, made with the cutoffs a purge publishes for its own
// compaction (as storage/care_retention.cc), so only a purge drops anything
// and its counts are exact.
//   kClaims          a billing line ("b" record_id -> BillingStatus) of a
//                    month before the claims cutoff's month whose record the
//                    feed's purge already took (so no export can bill, nor
//                    any 999/277CA/835 answer, that line again), and the entries
//                    derived from it: its plan decision ("a"), its claim-line
//                    ("c") and transaction-set ("t") entries and its
//                    needs-action entry ("w"); plan tallies ("s") stay.
//   kQualityReports  a report whose period (month, quarter or year) ended
//                    before the quality cutoff's month.
//   kParked          a RESOLVED or DISCARDED record whose state changed
//                    before the parked cutoff; PARKED and RERUNNING stay.
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "base/string_view.h"
#include "hub/v1/admin_service.pb.h"
#include "hub/v1/feed.pb.h"
#include "rocksdb/db.h"
#include "storage/feed_records.pb.h"
#include "storage/internal.h"
#include "storage/retention_internal.h"

namespace hub::storage::internal {
namespace {

// Debian's absl::string_view is not std::string_view.

// The last month ("YYYY-MM") of a quality period: "YYYY-MM", "YYYY Qn" or
// "YYYY". Empty if it is none of them (such a report is kept).
std::string PeriodLastMonth(std::string_view period) {
  int year = 0;
  if (period.size() < 4 || !absl::SimpleAtoi(Absl(period.substr(0, 4)), &year)) return "";
  int month = 0;
  if (period.size() == 4) {
    month = 12;
  } else if (period.size() == 7 && period[4] == '-') {
    if (!absl::SimpleAtoi(Absl(period.substr(5)), &month) || month < 1 || month > 12) return "";
  } else if (period.size() == 7 && period.substr(4, 2) == " Q" && period[6] >= '1' &&
             period[6] <= '4') {
    month = (period[6] - '0') * 3;
  } else {
    return "";
  }
  std::string out(period.substr(0, 4));
  out += month < 10 ? "-0" : "-";
  out += std::to_string(month);
  return out;
}

// The last '\0'-separated field of `key`.
std::string_view LastField(std::string_view key) {
  const size_t at = key.rfind(kSeparator);
  return at == std::string_view::npos ? key : key.substr(at + 1);
}

class ClassFilter final : public rocksdb::CompactionFilter {
 public:
  ClassFilter(ColumnFamily family, std::shared_ptr<const ClassCutoffs> cutoffs,
              std::shared_ptr<ClassExpiry> expiry)
      : family_(family), cutoffs_(std::move(cutoffs)), expiry_(std::move(expiry)) {}

  bool Filter(int /*level*/, const rocksdb::Slice& key, const rocksdb::Slice& value,
              std::string* /*new_value*/, bool* /*value_changed*/) const override {
    const std::string_view k = ToView(key);
    switch (family_) {
      case ColumnFamily::kClaims:
        return FilterClaim(k, ToView(value));
      case ColumnFamily::kQualityReports:
        return FilterQuality(k);
      case ColumnFamily::kParked:
        return FilterParked(value);
      default:
        return false;
    }
  }

  const char* Name() const override { return "hub.ClassExpiry"; }

 private:
  bool FilterClaim(std::string_view key, std::string_view value) const {
    if (cutoffs_->claims_month.empty() || key.size() < 2 || key[1] != kSeparator) return false;
    std::string_view record_id;
    switch (key[0]) {
      case 'b':  // The line itself: counted.
        record_id = key.substr(2);
        if (!cutoffs_->claim_records.contains(Absl(record_id))) return false;
        expiry_->dropped_claims.fetch_add(1, std::memory_order_relaxed);
        return true;
      case 'a':  // "a" record_id
        record_id = key.substr(2);
        break;
      case 'c':  // "c" plan claim line -> record_id
        record_id = value;
        break;
      case 't':  // "t" plan control set record_id
      case 'w':  // "w" provider record_id
        record_id = LastField(key);
        break;
      default:
        return false;
    }
    return cutoffs_->claim_records.contains(Absl(record_id));
  }

  // provider \0 plan \0 measure \0 period \0 stratifier.
  bool FilterQuality(std::string_view key) const {
    if (cutoffs_->quality_month.empty()) return false;
    size_t start = 0;
    for (int i = 0; i < 3; ++i) {
      start = key.find(kSeparator, start);
      if (start == std::string_view::npos) return false;
      ++start;
    }
    const size_t end = key.find(kSeparator, start);
    if (end == std::string_view::npos) return false;
    const std::string last = PeriodLastMonth(key.substr(start, end - start));
    if (last.empty() || last >= cutoffs_->quality_month) return false;
    expiry_->dropped_quality.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  bool FilterParked(const rocksdb::Slice& value) const {
    if (cutoffs_->parked_seconds <= 0) return false;
    hub::v1::ParkedRecord record;
    if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) return false;
    if (record.state() != hub::v1::PARKED_STATE_RESOLVED &&
        record.state() != hub::v1::PARKED_STATE_DISCARDED) {
      return false;
    }
    if (!record.has_state_time() || record.state_time().seconds() >= cutoffs_->parked_seconds) {
      return false;
    }
    expiry_->dropped_parked.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  const ColumnFamily family_;
  const std::shared_ptr<const ClassCutoffs> cutoffs_;
  const std::shared_ptr<ClassExpiry> expiry_;
};

class ClassExpiryFactory final : public rocksdb::CompactionFilterFactory {
 public:
  ClassExpiryFactory(ColumnFamily family, std::shared_ptr<ClassExpiry> expiry)
      : family_(family), expiry_(std::move(expiry)) {}

  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context& /*context*/) override {
    std::shared_ptr<const ClassCutoffs> cutoffs = expiry_->Current();
    if (cutoffs == nullptr) return nullptr;
    return std::make_unique<ClassFilter>(family_, std::move(cutoffs), expiry_);
  }
  const char* Name() const override { return "hub.ClassExpiryFactory"; }

 private:
  const ColumnFamily family_;
  const std::shared_ptr<ClassExpiry> expiry_;
};

// True if the feed no longer holds `record_id`'s item (the feed's purge
// took it, or its index entry is gone): no export can bill or answer it.
absl::StatusOr<bool> RecordPurged(const Store::Rep& rep, std::string_view record_id) {
  std::string bytes;
  ASSIGN_OR_RETURN(const bool found, Get(rep, ColumnFamily::kRecords, record_id, &bytes));
  if (!found) return true;
  records::RecordEntry entry;
  RETURN_IF_ERROR(ParseRecord(rocksdb::Slice(bytes), "record entry", &entry));
  return entry.sequence() != 0 && entry.sequence() <= rep.feed_purge_marks->Get(entry.plan_id());
}

// The billing lines of months before `cutoffs.claims_month` whose record
// the feed has purged: their record ids, so the filter drops each line's
// derived entries with it. Reads the "b" entries without filling the block
// cache; one point read of the record index per line of an old month.
absl::Status CollectExpiredClaims(const Store::Rep& rep, ClassCutoffs& cutoffs) {
  hub::v1::BillingStatus status;
  return ForEachWithPrefix(
      rep, ColumnFamily::kClaims, Prefix({"b"}),
      [&](const rocksdb::Slice& key, const rocksdb::Slice& value) -> absl::Status {
        RETURN_IF_ERROR(ParseRecord(value, "billing status", &status));
        // period is "YYYY-MM"; a line without one is kept.
        const std::string_view month = std::string_view(status.period()).substr(0, 7);
        if (month.size() != 7 || month >= cutoffs.claims_month) return absl::OkStatus();
        const std::string_view record_id = ToView(key).substr(2);
        ASSIGN_OR_RETURN(const bool purged, RecordPurged(rep, record_id));
        if (purged) cutoffs.claim_records.insert(std::string(record_id));
        return absl::OkStatus();
      },
      /*fill_cache=*/false);
}

}  // namespace

void ClassExpiry::Publish(std::shared_ptr<const ClassCutoffs> cutoffs) {
  absl::MutexLock lock(&mu_);
  cutoffs_ = std::move(cutoffs);
}

std::shared_ptr<const ClassCutoffs> ClassExpiry::Current() const {
  absl::MutexLock lock(&mu_);
  return cutoffs_;
}

std::shared_ptr<rocksdb::CompactionFilterFactory> NewClassExpiryFactory(
    ColumnFamily family, std::shared_ptr<ClassExpiry> expiry) {
  return std::make_shared<ClassExpiryFactory>(family, std::move(expiry));
}

absl::StatusOr<ClassCounts> PurgeClasses(Store& store, absl::Time claims_cutoff,
                                         absl::Time quality_cutoff, absl::Time parked_cutoff) {
  Store::Rep& rep = RepOf(store);
  ClassExpiry& expiry = *rep.class_expiry;
  auto cutoffs = std::make_shared<ClassCutoffs>();
  if (claims_cutoff > absl::UnixEpoch()) {
    cutoffs->claims_month = absl::FormatTime("%Y-%m", claims_cutoff, absl::UTCTimeZone());
    RETURN_IF_ERROR(CollectExpiredClaims(rep, *cutoffs));
  }
  if (quality_cutoff > absl::UnixEpoch()) {
    cutoffs->quality_month = absl::FormatTime("%Y-%m", quality_cutoff, absl::UTCTimeZone());
  }
  if (parked_cutoff > absl::UnixEpoch()) {
    cutoffs->parked_seconds = absl::ToUnixSeconds(parked_cutoff);
  }
  const bool claims = !cutoffs->claim_records.empty();
  const bool quality = !cutoffs->quality_month.empty();
  const bool parked = cutoffs->parked_seconds > 0;
  const int64_t claims_before = expiry.dropped_claims.load();
  const int64_t quality_before = expiry.dropped_quality.load();
  const int64_t parked_before = expiry.dropped_parked.load();
  expiry.Publish(std::move(cutoffs));
  absl::Status compacted;
  if (claims) compacted = FlushAndCompact(rep, ColumnFamily::kClaims);
  if (compacted.ok() && quality) compacted = FlushAndCompact(rep, ColumnFamily::kQualityReports);
  if (compacted.ok() && parked) compacted = FlushAndCompact(rep, ColumnFamily::kParked);
  expiry.Publish(nullptr);  // Only a purge drops anything.
  RETURN_IF_ERROR(compacted);
  ClassCounts counts;
  counts.claim_lines = expiry.dropped_claims.load() - claims_before;
  counts.quality_reports = expiry.dropped_quality.load() - quality_before;
  counts.parked_records = expiry.dropped_parked.load() - parked_before;
  return counts;
}

}  // namespace hub::storage::internal
