// Retention of claims, quality reports and parked records
// (storage/retention_classes.cc): each goes at its class's cutoff and not
// before; a billing line whose record the feed still holds stays whatever
// its month; an open parked record stays whatever its age. Each run's
// counts are in its audit record and the classes in UsageByClass.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/audit_store.h"
#include "storage/claim_store.h"
#include "storage/feed_records.pb.h"
#include "storage/internal.h"
#include "storage/parked_store.h"
#include "storage/quality_store.h"
#include "storage/retention.h"
#include "tests/storage/storage_test_util.h"

namespace hub::storage {
namespace {

using test_util::OptionsFor;
using test_util::TempDir;
using ::testing::HasSubstr;

absl::Time CivilDayStart(int y, int m, int d) {
  return absl::FromCivil(absl::CivilDay(y, m, d), absl::UTCTimeZone());
}

// Only the three classes' windows (the others keep everything).
RetentionPolicy ClassWindows(int claims_days, int quality_days, int parked_days) {
  RetentionPolicy policy;
  policy.audit_log = policy.idempotency = policy.ingest_reports = policy.feed = policy.monitoring =
      policy.outreach = absl::ZeroDuration();
  policy.claims = absl::Hours(24 * claims_days);
  policy.quality_reports = absl::Hours(24 * quality_days);
  policy.parked = absl::Hours(24 * parked_days);
  return policy;
}

class ClassRetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, Store::Open(OptionsFor(dir_.path())));
    ASSERT_OK_AND_ASSIGN(audit_, AuditStore::Open(store_.get()));
    claims_ = std::make_unique<ClaimStore>(store_.get());
  }

  // A billed line of `month`, in every index the export and the answers
  // write; `in_feed`: the feed still holds its record.
  void PutBilledLine(const std::string& record_id, const std::string& month, int64_t control,
                     bool in_feed) {
    hub::v1::BillingStatus status;
    status.set_state(hub::v1::BILLING_STATE_BILLED);
    status.set_period(month);
    status.set_control_number(control);
    status.set_transaction_set(1);
    status.set_claim_id("CLM-" + record_id);
    status.set_line_number(1);
    status.set_provider_id("alpha_cbo");
    WriteBatch batch;
    claims_->PutLine(batch, "molina", record_id, status);
    hub::v1::PlanDecision decision;
    decision.add_reason_codes("CARC CO-45");
    claims_->PutDecision(batch, record_id, decision);
    claims_->PutNeedsAction(batch, "alpha_cbo", record_id, "molina", true);
    if (in_feed) {
      records::RecordEntry entry;
      entry.set_plan_id("molina");
      entry.set_sequence(7);
      internal::Put(internal::RepOf(*store_), batch, ColumnFamily::kRecords, record_id,
                    entry.SerializeAsString());
    }
    ASSERT_OK(store_->Commit(batch, Durability::kSync));
  }

  bool LineKept(const std::string& record_id) {
    absl::StatusOr<std::optional<hub::v1::BillingStatus>> line = claims_->GetLine(record_id);
    EXPECT_TRUE(line.ok()) << line.status();
    absl::StatusOr<std::optional<std::string>> claim_line =
        claims_->FindClaimLine("molina", "CLM-" + record_id, 1);
    EXPECT_TRUE(claim_line.ok()) << claim_line.status();
    absl::StatusOr<std::optional<hub::v1::PlanDecision>> decision = claims_->GetDecision(record_id);
    EXPECT_TRUE(decision.ok()) << decision.status();
    const bool kept = line.ok() && line->has_value();
    // The derived entries go with the line, and only with it.
    EXPECT_EQ(claim_line.ok() && claim_line->has_value(), kept) << record_id;
    EXPECT_EQ(decision.ok() && decision->has_value(), kept) << record_id;
    return kept;
  }

  std::vector<std::string> NeedsAction() {
    bool more = false;
    absl::StatusOr<std::vector<ClaimStore::ActionLine>> lines =
        claims_->ListNeedsAction("alpha_cbo", "", "", 100, &more);
    EXPECT_TRUE(lines.ok()) << lines.status();
    std::vector<std::string> ids;
    if (lines.ok()) {
      for (const auto& l : *lines) ids.push_back(l.record_id);
    }
    return ids;
  }

  std::string LastAuditDetail() {
    std::string detail;
    EXPECT_OK(audit_->Scan(0, [&](const hub::v1::AuditRecord& r) {
      detail = r.detail();
      return true;
    }));
    return detail;
  }

  int64_t Keys(const std::string& data_class) {
    absl::StatusOr<std::vector<ClassUsage>> usage = UsageByClass(*store_);
    EXPECT_TRUE(usage.ok()) << usage.status();
    if (!usage.ok()) return -1;
    for (const ClassUsage& u : *usage) {
      if (u.data_class == data_class) return u.keys;
    }
    ADD_FAILURE() << "no class " << data_class;
    return -1;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<AuditStore> audit_;
  std::unique_ptr<ClaimStore> claims_;
};

TEST_F(ClassRetentionTest, ClaimLinesGoByMonthOnlyOnceTheFeedLetTheirRecordGo) {
  PutBilledLine("rec_old", "2025-01", 1, /*in_feed=*/false);
  PutBilledLine("rec_old_in_feed", "2025-01", 1, /*in_feed=*/true);
  PutBilledLine("rec_feb", "2025-02", 2, /*in_feed=*/false);
  const int64_t keys_before = Keys("claims");
  EXPECT_GT(keys_before, 0);

  // Cutoff in 2025-01 (400 days before 2026-02-05): January still in.
  ASSERT_OK_AND_ASSIGN(PurgeCounts counts,
                       PurgeExpired(*store_, *audit_, ClassWindows(400, 0, 0),
                                    CivilDayStart(2025, 1, 31) + absl::Hours(24 * 400)));
  EXPECT_EQ(counts.claim_lines, 0);
  EXPECT_TRUE(LineKept("rec_old"));

  // Cutoff in 2025-02: January's line goes with its decision, claim-line,
  // transaction-set and worklist entries; the one whose record the feed
  // still holds stays, as does February's.
  ASSERT_OK_AND_ASSIGN(counts, PurgeExpired(*store_, *audit_, ClassWindows(400, 0, 0),
                                            CivilDayStart(2025, 2, 1) + absl::Hours(24 * 400)));
  EXPECT_EQ(counts.claim_lines, 1);
  EXPECT_FALSE(LineKept("rec_old"));
  EXPECT_TRUE(LineKept("rec_old_in_feed"));
  EXPECT_TRUE(LineKept("rec_feb"));
  EXPECT_THAT(NeedsAction(), ::testing::ElementsAre("rec_feb", "rec_old_in_feed"));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> set_lines,
                       claims_->ListTransactionSetLines("molina", 1, 0));
  EXPECT_THAT(set_lines, ::testing::ElementsAre("rec_old_in_feed"));
  EXPECT_THAT(LastAuditDetail(), HasSubstr("claims 1 lines"));
  EXPECT_LT(Keys("claims"), keys_before);
}

TEST_F(ClassRetentionTest, QualityReportsGoOnceTheirPeriodEndedBeforeTheCutoffMonth) {
  QualityStore quality(store_.get());
  WriteBatch batch;
  for (const char* period : {"2024", "2025 Q1", "2025-03", "2025 Q2", "2025", "odd"}) {
    hub::v1::QualityMeasureReport r;
    r.set_plan_id("molina");
    r.set_provider_id("alpha_cbo");
    r.set_measure_id("FUA");
    r.set_period(period);
    quality.Put(batch, r);
  }
  ASSERT_OK(store_->Commit(batch, Durability::kSync));
  auto periods = [&] {
    std::vector<std::string> out;
    absl::StatusOr<std::vector<hub::v1::QualityMeasureReport>> reports =
        quality.ListByProvider("alpha_cbo");
    EXPECT_TRUE(reports.ok()) << reports.status();
    if (reports.ok()) {
      for (const auto& r : *reports) out.push_back(r.period());
    }
    return out;
  };
  // Cutoff month 2025-03: 2025 Q1 and 2025-03 end in it, only 2024 goes.
  ASSERT_OK_AND_ASSIGN(PurgeCounts counts,
                       PurgeExpired(*store_, *audit_, ClassWindows(0, 457, 0),
                                    CivilDayStart(2025, 3, 31) + absl::Hours(24 * 457)));
  EXPECT_EQ(counts.quality_reports, 1);
  EXPECT_THAT(periods(),
              ::testing::UnorderedElementsAre("2025 Q1", "2025-03", "2025 Q2", "2025", "odd"));
  // Cutoff month 2025-04: the first quarter and March go; the year 2025,
  // the second quarter and a period the hub cannot read stay.
  ASSERT_OK_AND_ASSIGN(counts, PurgeExpired(*store_, *audit_, ClassWindows(0, 457, 0),
                                            CivilDayStart(2025, 4, 1) + absl::Hours(24 * 457)));
  EXPECT_EQ(counts.quality_reports, 2);
  EXPECT_THAT(periods(), ::testing::UnorderedElementsAre("2025 Q2", "2025", "odd"));
  EXPECT_THAT(LastAuditDetail(), HasSubstr("quality_reports 2 reports"));
}

TEST_F(ClassRetentionTest, ParkedRecordsGoOnlyResolvedOrDiscardedAfterTheWindow) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ParkedStore> parked, ParkedStore::Open(store_.get()));
  const absl::Time t0 = CivilDayStart(2025, 1, 10);
  auto park = [&](const std::string& record_id) -> std::string {
    hub::v1::ParkedRecord r;
    r.set_reason(hub::v1::PARKED_REASON_UNRENDERABLE_RECORD);
    r.set_plan_id("molina");
    r.set_file_kind(hub::v1::FILE_KIND_CLAIMS_837P);
    r.set_record_id(record_id);
    absl::StatusOr<hub::v1::ParkedRecord> stored = parked->Park(r, t0);
    EXPECT_TRUE(stored.ok()) << stored.status();
    return stored.ok() ? stored->parked_id() : "";
  };
  const std::string open = park("rec_open");
  const std::string rerunning = park("rec_rerunning");
  const std::string resolved = park("rec_resolved");
  const std::string discarded = park("rec_discarded");
  const std::string late = park("rec_late");
  ASSERT_OK(parked->BeginRerun(rerunning, "admin", t0).status());
  ASSERT_OK(parked->BeginRerun(resolved, "admin", t0).status());
  ASSERT_OK(parked->FinishRerun(resolved, true, "rendered", "admin", t0).status());
  ASSERT_OK(parked->Discard(discarded, "admin", "duplicate", t0).status());
  ASSERT_OK(parked->Discard(late, "admin", "duplicate", t0 + absl::Hours(24)).status());

  // At the cutoff (400 days after): nothing goes.
  ASSERT_OK_AND_ASSIGN(PurgeCounts counts, PurgeExpired(*store_, *audit_, ClassWindows(0, 0, 400),
                                                        t0 + absl::Hours(24 * 400)));
  EXPECT_EQ(counts.parked_records, 0);
  // A second later the resolved and the discarded record go; the open
  // ones (PARKED, RERUNNING) stay at any age, the later discard too.
  ASSERT_OK_AND_ASSIGN(counts, PurgeExpired(*store_, *audit_, ClassWindows(0, 0, 400),
                                            t0 + absl::Hours(24 * 400) + absl::Seconds(1)));
  EXPECT_EQ(counts.parked_records, 2);
  EXPECT_EQ(parked->Get(resolved).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(parked->Get(discarded).status().code(), absl::StatusCode::kNotFound);
  EXPECT_OK(parked->Get(late).status());
  EXPECT_THAT(LastAuditDetail(), HasSubstr("parked 2 records"));
  ASSERT_OK_AND_ASSIGN(
      counts, PurgeExpired(*store_, *audit_, ClassWindows(0, 0, 400), t0 + absl::Hours(24 * 4000)));
  EXPECT_EQ(counts.parked_records, 1);
  ASSERT_OK_AND_ASSIGN(hub::v1::ParkedRecord kept, parked->Get(open));
  EXPECT_EQ(kept.state(), hub::v1::PARKED_STATE_PARKED);
  ASSERT_OK_AND_ASSIGN(kept, parked->Get(rerunning));
  EXPECT_EQ(kept.state(), hub::v1::PARKED_STATE_RERUNNING);
}

}  // namespace
}  // namespace hub::storage
