// Retention of the care indexes (storage/care_retention.cc): outreach
// attempts (the monitor's outreach index and the worklists' attempts) go
// at their class's cutoff day and not before, except the attempts of a
// referral still awaiting outreach; RTF rows go with the monitoring
// window's month. Each run's counts are in its audit record.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/audit_store.h"
#include "storage/care_store.h"
#include "storage/monitor_store.h"
#include "storage/retention.h"
#include "tests/storage/storage_test_util.h"

namespace hub::storage {
namespace {

using test_util::OptionsFor;
using test_util::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

absl::Time Civil(int y, int m, int d) {
  return absl::FromCivil(absl::CivilDay(y, m, d), absl::UTCTimeZone());
}
std::string Date(absl::Time t) { return absl::FormatTime("%Y-%m-%d", t, absl::UTCTimeZone()); }

// Only the care indexes' windows (the others keep everything).
RetentionPolicy CareWindows(int outreach_days, int monitoring_days) {
  RetentionPolicy policy;
  policy.audit_log = policy.idempotency = policy.ingest_reports = policy.feed =
      absl::ZeroDuration();
  policy.outreach = absl::Hours(24 * outreach_days);
  policy.monitoring = absl::Hours(24 * monitoring_days);
  return policy;
}

class CareRetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, Store::Open(OptionsFor(dir_.path())));
    ASSERT_OK_AND_ASSIGN(audit_, AuditStore::Open(store_.get()));
  }

  void PutReferral(const std::string& number, hub::v1::ReferralStatus status) {
    hub::v1::Authorization a;
    a.set_authorization_number(number);
    a.set_cin("91000001A");
    a.set_plan_id("molina");
    a.set_provider_id("alpha_cbo");
    a.set_start_date("2025-01-02");
    a.set_end_date("2027-12-31");
    a.set_referral_status(status);
    WriteBatch batch;
    ASSERT_OK(care_.PutAuthorization(batch, a).status());
    ASSERT_OK(store_->Commit(batch, Durability::kSync));
  }

  // An outreach attempt on `number` ("" = ECM outreach) made and accepted
  // at `t`, in both indexes as the submit pipeline writes them.
  void PutAttempt(const std::string& number, absl::Time t) {
    WriteBatch batch;
    care_.PutOutreachAttempt(batch, "alpha_cbo", "molina", "91000001A", number, Date(t),
                             absl::StrCat("rec_", number, "_", Date(t)));
    if (!number.empty()) monitor_.AddOutreach(batch, "molina", number, absl::ToUnixMicros(t));
    ASSERT_OK(store_->Commit(batch, Durability::kSync));
  }

  std::vector<std::string> Attempts(const std::string& number) {
    absl::StatusOr<std::vector<std::string>> dates =
        care_.OutreachAttemptDates("alpha_cbo", "molina", "91000001A", number);
    EXPECT_TRUE(dates.ok()) << dates.status();
    return dates.ok() ? *dates : std::vector<std::string>{};
  }

  std::optional<int64_t> First(const std::string& number) {
    absl::StatusOr<std::optional<int64_t>> first = monitor_.FirstOutreach("molina", number);
    EXPECT_TRUE(first.ok()) << first.status();
    return first.ok() ? *first : std::nullopt;
  }

  std::string LastAuditDetail() {
    std::string detail;
    EXPECT_OK(audit_->Scan(0, [&](const hub::v1::AuditRecord& r) {
      detail = r.detail();
      return true;
    }));
    return detail;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<AuditStore> audit_;
  CareStore care_{nullptr};
  MonitorStore monitor_{nullptr};
};

TEST_F(CareRetentionTest, OutreachGoesAtItsCutoffDayButAnAwaitingReferralKeepsItsAttempts) {
  care_ = CareStore(store_.get());
  monitor_ = MonitorStore(store_.get());
  const absl::Time old_day = Civil(2025, 1, 10) + absl::Hours(15);
  const absl::Time recent_day = Civil(2026, 4, 20) + absl::Hours(9);
  PutReferral("CS-DONE", hub::v1::REFERRAL_STATUS_IN_PROGRESS);
  PutReferral("CS-WAITING", hub::v1::REFERRAL_STATUS_RECEIVED);
  PutAttempt("CS-DONE", old_day);
  PutAttempt("CS-DONE", recent_day);
  PutAttempt("CS-WAITING", old_day);
  PutAttempt("", old_day);  // ECM outreach: no referral, read by no worklist.
  PutAttempt("", recent_day);

  // The day the old attempts' day becomes the cutoff's: nothing goes yet.
  const absl::Time at_cutoff = Civil(2025, 1, 10) + absl::Hours(24 * 464 + 23);
  ASSERT_OK_AND_ASSIGN(PurgeCounts counts,
                       PurgeExpired(*store_, *audit_, CareWindows(464, 0), at_cutoff));
  EXPECT_EQ(counts.outreach_records, 0);
  EXPECT_THAT(Attempts("CS-DONE"), ElementsAre(Date(old_day), Date(recent_day)));
  EXPECT_EQ(First("CS-DONE"), absl::ToUnixMicros(old_day));

  // The next day they go: the monitor's entries of both referrals, the
  // worklist's attempts of the referral in progress and of ECM outreach;
  // the referral still awaiting outreach keeps its attempt (its worklist
  // entry must not ask for outreach again), the recent ones all stay.
  ASSERT_OK_AND_ASSIGN(
      counts, PurgeExpired(*store_, *audit_, CareWindows(464, 0), at_cutoff + absl::Hours(1)));
  EXPECT_EQ(counts.outreach_records, 4);
  EXPECT_THAT(Attempts("CS-DONE"), ElementsAre(Date(recent_day)));
  EXPECT_THAT(Attempts("CS-WAITING"), ElementsAre(Date(old_day)));
  EXPECT_THAT(Attempts(""), ElementsAre(Date(recent_day)));
  EXPECT_EQ(First("CS-DONE"), absl::ToUnixMicros(recent_day));
  EXPECT_EQ(First("CS-WAITING"), std::nullopt);
  EXPECT_THAT(LastAuditDetail(), HasSubstr("outreach 4 records"));

  // Once the referral is in progress its old attempt goes too; nothing
  // goes between purges (only a purge publishes cutoffs).
  PutReferral("CS-WAITING", hub::v1::REFERRAL_STATUS_IN_PROGRESS);
  ASSERT_OK_AND_ASSIGN(counts,
                       PurgeExpired(*store_, *audit_, CareWindows(0, 0), Civil(2030, 1, 1)));
  EXPECT_EQ(counts.outreach_records, 0);
  EXPECT_THAT(Attempts("CS-WAITING"), ElementsAre(Date(old_day)));
  ASSERT_OK_AND_ASSIGN(
      counts, PurgeExpired(*store_, *audit_, CareWindows(464, 0), at_cutoff + absl::Hours(1)));
  EXPECT_EQ(counts.outreach_records, 1);
  EXPECT_TRUE(Attempts("CS-WAITING").empty());

  ASSERT_OK_AND_ASSIGN(AuditStore::Verification v, audit_->VerifyChain());
  EXPECT_TRUE(v.ok) << v.reason;
}

TEST_F(CareRetentionTest, RtfRowsGoWithTheMonitoringWindowsMonth) {
  monitor_ = MonitorStore(store_.get());
  WriteBatch batch;
  for (const char* period : {"2026-01", "2026-02", "2026-03", "2027-05"}) {
    monitor_.AddRtfRow(batch, "molina", "alpha_cbo", period);
  }
  monitor_.AddRtfRow(batch, "molina", "beta_cbo", "2026-02");
  ASSERT_OK(store_->Commit(batch, Durability::kSync));
  auto has = [&](const char* provider, const char* period) {
    absl::StatusOr<bool> sent = monitor_.HasRtfRows("molina", provider, period);
    EXPECT_TRUE(sent.ok()) << sent.status();
    return sent.ok() && *sent;
  };

  // The cutoff falls on 2026-02-28: months before February go.
  ASSERT_OK_AND_ASSIGN(PurgeCounts counts,
                       PurgeExpired(*store_, *audit_, CareWindows(0, 457),
                                    Civil(2026, 2, 28) + absl::Hours(24 * 457)));
  EXPECT_EQ(counts.rtf_rows, 1);
  EXPECT_FALSE(has("alpha_cbo", "2026-01"));
  EXPECT_TRUE(has("alpha_cbo", "2026-02"));
  EXPECT_TRUE(has("beta_cbo", "2026-02"));

  // A day later the cutoff is in March: February's rows of both providers go.
  ASSERT_OK_AND_ASSIGN(counts, PurgeExpired(*store_, *audit_, CareWindows(0, 457),
                                            Civil(2026, 3, 1) + absl::Hours(24 * 457)));
  EXPECT_EQ(counts.rtf_rows, 2);
  EXPECT_FALSE(has("alpha_cbo", "2026-02"));
  EXPECT_FALSE(has("beta_cbo", "2026-02"));
  EXPECT_TRUE(has("alpha_cbo", "2026-03"));
  EXPECT_TRUE(has("alpha_cbo", "2027-05"));
  EXPECT_THAT(LastAuditDetail(), HasSubstr("monitoring 0 records and 2 RTF rows"));
}

TEST_F(CareRetentionTest, OutreachHasItsOwnUsageClass) {
  care_ = CareStore(store_.get());
  for (int i = 0; i < 2000; ++i) {
    WriteBatch batch;
    care_.PutOutreachAttempt(batch, "alpha_cbo", "molina", absl::StrCat("9", 10000000 + i, "A"), "",
                             "2025-01-10", absl::StrCat("rec_", i));
    ASSERT_OK(store_->Commit(batch, Durability::kBuffered));
  }
  auto outreach_keys = [&]() -> int64_t {
    absl::StatusOr<std::vector<ClassUsage>> usage = UsageByClass(*store_);
    EXPECT_TRUE(usage.ok());
    for (const ClassUsage& u : *usage) {
      if (u.data_class == "outreach") return u.keys;
    }
    ADD_FAILURE() << "no outreach class";
    return -1;
  };
  EXPECT_GT(outreach_keys(), 1900);
  ASSERT_OK_AND_ASSIGN(PurgeCounts counts,
                       PurgeExpired(*store_, *audit_, CareWindows(464, 0), Civil(2027, 1, 1)));
  EXPECT_EQ(counts.outreach_records, 2000);
  EXPECT_LT(outreach_keys(), 100);
}

}  // namespace
}  // namespace hub::storage
