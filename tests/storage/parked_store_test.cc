// storage/parked_store.h: parking is idempotent per record, reruns happen
// once (also when raced), discards keep the record, and a rerun a crash
// interrupted is parked again at the next open.
#include "storage/parked_store.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/storage/storage_test_util.h"

namespace hub::storage {
namespace {

using test_util::OptionsFor;
using test_util::TempDir;

const absl::Time kT0 = absl::FromUnixSeconds(1780000000);

hub::v1::ParkedRecord Unrenderable(const std::string& record_id, const std::string& plan_id) {
  hub::v1::ParkedRecord record;
  record.set_reason(hub::v1::PARKED_REASON_UNRENDERABLE_RECORD);
  record.set_plan_id(plan_id);
  record.set_file_kind(hub::v1::FILE_KIND_OUTREACH_TRACKER);
  record.set_record_id(record_id);
  record.set_period("2026-05");
  record.set_field("outreach_attempt.method");
  record.set_detail("outreach_attempt.method holds 99, which no version defines");
  return record;
}

class ParkedStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    parked_.reset();
    store_.reset();
    ASSERT_OK_AND_ASSIGN(store_, Store::Open(OptionsFor(dir_.path())));
    ASSERT_OK_AND_ASSIGN(parked_, ParkedStore::Open(store_.get()));
  }
  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<ParkedStore> parked_;
};

TEST_F(ParkedStoreTest, TheSameRecordParkedTwiceIsOneParkedRecord) {
  ASSERT_OK_AND_ASSIGN(auto first, parked_->Park(Unrenderable("rec_1", "molina"), kT0));
  ASSERT_OK_AND_ASSIGN(auto again,
                       parked_->Park(Unrenderable("rec_1", "molina"), kT0 + absl::Hours(1)));
  ASSERT_OK(parked_->Park(Unrenderable("rec_2", "molina"), kT0).status());
  ASSERT_OK(parked_->Park(Unrenderable("rec_1", "chg"), kT0).status());
  EXPECT_EQ(first.parked_id(), again.parked_id());
  EXPECT_EQ(again.occurrences(), 2);
  EXPECT_EQ(again.state(), hub::v1::PARKED_STATE_PARKED);
  EXPECT_EQ(again.first_parked_time().seconds(), absl::ToUnixSeconds(kT0));
  EXPECT_EQ(again.last_parked_time().seconds(), absl::ToUnixSeconds(kT0 + absl::Hours(1)));
  ASSERT_OK_AND_ASSIGN(auto all, parked_->List(hub::v1::PARKED_STATE_UNSPECIFIED, "", "", 10));
  EXPECT_EQ(all.first.size(), 3u);
  ASSERT_OK_AND_ASSIGN(auto molina,
                       parked_->List(hub::v1::PARKED_STATE_UNSPECIFIED, "molina", "", 10));
  EXPECT_EQ(molina.first.size(), 2u);
  ASSERT_OK_AND_ASSIGN(auto counts, parked_->CountOpen());
  EXPECT_EQ((counts[{"molina", hub::v1::PARKED_REASON_UNRENDERABLE_RECORD}]), 2);
  EXPECT_EQ((counts[{"chg", hub::v1::PARKED_REASON_UNRENDERABLE_RECORD}]), 1);
  hub::v1::ParkedRecord bad = Unrenderable("", "molina");
  EXPECT_EQ(parked_->Park(bad, kT0).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ParkedStoreTest, PagesCoverEveryRecordOnce) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_OK(parked_->Park(Unrenderable(absl::StrCat("rec_", i), "molina"), kT0).status());
  }
  std::vector<std::string> seen;
  std::string after;
  do {
    ASSERT_OK_AND_ASSIGN(auto page, parked_->List(hub::v1::PARKED_STATE_UNSPECIFIED, "", after, 3));
    for (const auto& r : page.first) seen.push_back(r.parked_id());
    after = page.second;
  } while (!after.empty());
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end());
}

TEST_F(ParkedStoreTest, ARerunHappensOnceAndADiscardKeepsTheRecord) {
  ASSERT_OK_AND_ASSIGN(auto a, parked_->Park(Unrenderable("rec_a", "molina"), kT0));
  ASSERT_OK_AND_ASSIGN(auto b, parked_->Park(Unrenderable("rec_b", "molina"), kT0));
  ASSERT_OK(parked_->BeginRerun(a.parked_id(), "county:admin", kT0).status());
  ASSERT_OK_AND_ASSIGN(auto done, parked_->FinishRerun(a.parked_id(), true, "renders now",
                                                       "county:admin", kT0 + absl::Minutes(1)));
  EXPECT_EQ(done.state(), hub::v1::PARKED_STATE_RESOLVED);
  EXPECT_EQ(done.rerun_attempts(), 1);
  const absl::Status twice = parked_->BeginRerun(a.parked_id(), "county:admin", kT0).status();
  EXPECT_EQ(twice.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(twice.message().find("already rerun"), std::string::npos) << twice;
  EXPECT_EQ(parked_->Discard(a.parked_id(), "county:admin", "no", kT0).status().code(),
            absl::StatusCode::kFailedPrecondition);

  ASSERT_OK_AND_ASSIGN(
      auto gone, parked_->Discard(b.parked_id(), "county:admin", "provider resubmitted it", kT0));
  EXPECT_EQ(gone.state(), hub::v1::PARKED_STATE_DISCARDED);
  EXPECT_EQ(gone.state_by(), "county:admin");
  EXPECT_EQ(parked_->BeginRerun(b.parked_id(), "county:admin", kT0).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // The next export meets the discarded record again: it stays discarded.
  ASSERT_OK_AND_ASSIGN(auto met, parked_->Park(Unrenderable("rec_b", "molina"), kT0));
  EXPECT_EQ(met.state(), hub::v1::PARKED_STATE_DISCARDED);
  ASSERT_OK_AND_ASSIGN(auto discarded, parked_->List(hub::v1::PARKED_STATE_DISCARDED, "", "", 10));
  ASSERT_EQ(discarded.first.size(), 1u);
  EXPECT_EQ(discarded.first[0].discard_reason(), "provider resubmitted it");
  ASSERT_OK_AND_ASSIGN(auto counts, parked_->CountOpen());
  EXPECT_TRUE(counts.empty());
  EXPECT_EQ(parked_->Get("pk_0000000000000000").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ParkedStoreTest, ConcurrentRerunsRunOnce) {
  ASSERT_OK_AND_ASSIGN(auto a, parked_->Park(Unrenderable("rec_a", "molina"), kT0));
  std::atomic<int> begun{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      absl::Status s = parked_->BeginRerun(a.parked_id(), "county:admin", kT0).status();
      if (s.ok()) {
        ++begun;
      } else if (s.code() == absl::StatusCode::kFailedPrecondition) {
        ++refused;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(begun.load(), 1);
  EXPECT_EQ(refused.load(), 7);
}

TEST_F(ParkedStoreTest, ARerunInterruptedByAStopIsParkedAgainAtOpen) {
  ASSERT_OK_AND_ASSIGN(auto a, parked_->Park(Unrenderable("rec_a", "molina"), kT0));
  ASSERT_OK(parked_->BeginRerun(a.parked_id(), "county:admin", kT0).status());
  Reopen();
  ASSERT_OK_AND_ASSIGN(auto back, parked_->Get(a.parked_id()));
  EXPECT_EQ(back.state(), hub::v1::PARKED_STATE_PARKED);
  EXPECT_FALSE(back.rerun_outcome().empty());
  EXPECT_OK(parked_->BeginRerun(a.parked_id(), "county:admin", kT0).status());
}

}  // namespace
}  // namespace hub::storage
