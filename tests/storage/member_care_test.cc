// MemberCareReader (the one-pass read of a group's members) against the
// per-CIN reads it replaces, on generated members whose records span the
// memtable and a flushed SST file, with deletions, neighbouring CINs,
// unknown and repeated CINs. White-box: flushes through storage/internal.h.
#include "storage/member_care.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "generator/rng.h"
#include "gtest/gtest.h"
#include "storage/care_store.h"
#include "storage/coverage_index.h"
#include "storage/internal.h"
#include "storage/member_store.h"
#include "storage/store.h"
#include "tests/storage/storage_test_util.h"

namespace hub::storage {
namespace {

using test_util::MakeCoverage;
using test_util::MakeMember;
using test_util::OptionsFor;
using test_util::TempDir;

constexpr int kMembers = 80;
constexpr uint64_t kSeed = 20261207;
const char* const kCarePlans[] = {"aetna", "hn", "molina"};
const char* const kCareProviders[] = {"alpha_cbo", "bravo_housing", "charlie_health"};

// CIN i: pairs of CINs differ only in their letter, so one member's key
// prefix is a neighbour of the next one's.
std::string CinOf(int i) { return absl::StrFormat("%08d%c", 20000000 + i / 2, 'A' + i % 2); }

std::string Day(generator::Rng& rng) {
  return absl::StrFormat("2026-%02d-%02d", 1 + static_cast<int>(rng.Below(12)),
                         1 + static_cast<int>(rng.Below(28)));
}

template <typename Record>
std::vector<std::string> Serialized(const std::vector<Record>& records) {
  std::vector<std::string> out;
  for (const Record& r : records) out.push_back(r.SerializeAsString());
  return out;
}

class MemberCareTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, Store::Open(OptionsFor(dir_.path())));
    members_ = std::make_unique<MemberStore>(store_.get());
    coverage_ = std::make_unique<CoverageIndex>(store_.get());
    care_ = std::make_unique<CareStore>(store_.get());
    reader_ = std::make_unique<MemberCareReader>(store_.get());
  }

  // Writes generated member i: maybe a member record, 0-4 coverage periods,
  // 0-3 assignments, 0-3 authorizations (some CINs have records but no
  // member, as a plan file can leave them).
  void WriteMember(int i) {
    generator::Rng rng = generator::Rng::For(kSeed, static_cast<uint64_t>(i));
    const std::string cin = CinOf(i);
    WriteBatch batch;
    if (rng.Below(5) != 0) members_->Put(batch, MakeMember(cin, "First", absl::StrCat("Last", i)));
    for (uint64_t p = rng.Below(5); p > 0; --p) {
      std::string start = Day(rng);
      std::string end = rng.Below(2) == 0 ? "" : std::max(start, Day(rng));
      coverage_->Put(batch, MakeCoverage(cin, kCarePlans[rng.Below(3)], start, end));
    }
    for (uint64_t a = rng.Below(4); a > 0; --a) {
      hub::v1::Assignment assignment;
      assignment.set_cin(cin);
      assignment.set_plan_id(kCarePlans[rng.Below(3)]);
      assignment.set_provider_id(kCareProviders[rng.Below(3)]);
      assignment.set_benefit_start_date(Day(rng));
      care_->PutAssignment(batch, assignment);
    }
    for (uint64_t a = rng.Below(4); a > 0; --a) {
      hub::v1::Authorization auth;
      auth.set_plan_id(kCarePlans[rng.Below(3)]);
      auth.set_authorization_number(absl::StrCat("AUTH-", i, "-", a));
      auth.set_cin(cin);
      auth.set_provider_id(kCareProviders[rng.Below(3)]);
      auth.set_units_approved(static_cast<int>(rng.Below(40)));
      auth.set_start_date(Day(rng));
      ASSERT_OK(care_->PutAuthorization(batch, auth));
    }
    ASSERT_OK(store_->Commit(batch, Durability::kSync));
  }

  // Deletes member i's first coverage period and assignment, if any.
  void DeleteSome(int i) {
    const std::string cin = CinOf(i);
    ASSERT_OK_AND_ASSIGN(std::vector<hub::v1::Coverage> periods, coverage_->Periods(cin));
    ASSERT_OK_AND_ASSIGN(std::vector<hub::v1::Assignment> assignments, care_->Assignments(cin));
    WriteBatch batch;
    if (!periods.empty()) {
      coverage_->Delete(batch, cin, periods[0].plan_id(), periods[0].start_date());
    }
    if (!assignments.empty()) care_->DeleteAssignment(batch, assignments[0]);
    ASSERT_OK(store_->Commit(batch, Durability::kSync));
  }

  void Flush() {
    Store::Rep& rep = internal::RepOf(*store_);
    for (ColumnFamily family : {ColumnFamily::kMembers, ColumnFamily::kCoverage,
                                ColumnFamily::kAssignments, ColumnFamily::kAuthorizations}) {
      ASSERT_TRUE(rep.db->Flush(rocksdb::FlushOptions(), rep.cf(family)).ok());
    }
  }

  // Expects `got` to hold what the per-CIN reads return for `cin`.
  void ExpectSameAsPerCinReads(const MemberCare& got, const std::string& cin) {
    SCOPED_TRACE(cin);
    absl::StatusOr<hub::v1::Member> member = members_->Get(cin);
    ASSERT_TRUE(member.ok() || absl::IsNotFound(member.status())) << member.status();
    ASSERT_EQ(got.member.has_value(), member.ok());
    if (member.ok()) {
      EXPECT_EQ(got.member->SerializeAsString(), member->SerializeAsString());
    }
    ASSERT_OK_AND_ASSIGN(std::vector<hub::v1::Coverage> periods, coverage_->Periods(cin));
    EXPECT_EQ(Serialized(got.periods), Serialized(periods));
    ASSERT_OK_AND_ASSIGN(std::vector<hub::v1::Assignment> assignments, care_->Assignments(cin));
    EXPECT_EQ(Serialized(got.assignments), Serialized(assignments));
    ASSERT_OK_AND_ASSIGN(std::vector<hub::v1::Authorization> auths, care_->Authorizations(cin));
    EXPECT_EQ(Serialized(got.authorizations), Serialized(auths));
    // The covering-plan rule over the read periods answers as the index.
    for (int month = 1; month <= 12; ++month) {
      const std::string day = absl::StrFormat("2026-%02d-15", month);
      absl::StatusOr<hub::v1::Coverage> covering = coverage_->CoveringPlan(cin, day);
      const hub::v1::Coverage* period = CoverageIndex::CoveringPeriod(got.periods, day);
      ASSERT_EQ(period != nullptr, covering.ok()) << day;
      if (period != nullptr) {
        EXPECT_EQ(period->SerializeAsString(), covering->SerializeAsString());
      }
    }
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<MemberStore> members_;
  std::unique_ptr<CoverageIndex> coverage_;
  std::unique_ptr<CareStore> care_;
  std::unique_ptr<MemberCareReader> reader_;
};

TEST_F(MemberCareTest, MatchesPerCinReadsAcrossFlushedAndFreshRecords) {
  for (int i = 0; i < kMembers / 2; ++i) WriteMember(i);
  Flush();
  for (int i = kMembers / 2; i < kMembers; ++i) WriteMember(i);
  for (int i = 0; i < kMembers; i += 7) DeleteSome(i);

  // Every member, each asked for twice, in a scrambled order, among CINs
  // nothing is stored under (before, between and after the stored ones).
  std::vector<std::string> asked;
  for (int i = kMembers - 1; i >= 0; i -= 3) asked.push_back(CinOf(i));
  for (int i = 0; i < kMembers; ++i) asked.push_back(CinOf(i));
  asked.push_back("00000000A");
  asked.push_back("20000010C");
  asked.push_back("99999999Z");
  std::vector<std::string_view> cins(asked.begin(), asked.end());
  ASSERT_OK_AND_ASSIGN(MemberCareSet set, reader_->Read(cins));

  std::vector<std::string> distinct = asked;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  ASSERT_EQ(set.members().size(), distinct.size());
  int with_records = 0;
  for (const std::string& cin : distinct) {
    const MemberCare* got = set.Find(cin);
    ASSERT_NE(got, nullptr) << cin;
    EXPECT_EQ(got->cin, cin);
    ExpectSameAsPerCinReads(*got, cin);
    with_records += got->member.has_value() && !got->periods.empty() && !got->assignments.empty() &&
                    !got->authorizations.empty();
  }
  // The generated data exercises what it should.
  EXPECT_GT(with_records, 5);
  EXPECT_EQ(set.Find("30000000A"), nullptr);

  // One batched lookup, one iterator per family, one seek per family and
  // distinct CIN: however many times a CIN was asked for.
  const MemberCareReadCounts counts = MemberCareReader::LastReadCounts();
  EXPECT_EQ(counts.multi_gets, 1);
  EXPECT_EQ(counts.iterators, 3);
  EXPECT_EQ(counts.seeks, 3 * static_cast<int>(distinct.size()));
}

TEST_F(MemberCareTest, ReadsAuthorizationsOnlyWhereAsked) {
  for (int i = 0; i < 20; ++i) WriteMember(i);
  std::vector<std::string> asked, with_auths;
  for (int i = 0; i < 20; ++i) asked.push_back(CinOf(i));
  for (int i = 0; i < 20; i += 3) with_auths.push_back(CinOf(i));
  with_auths.push_back(CinOf(0));     // Repeated.
  with_auths.push_back("99999999Z");  // Not in `cins`: gets an entry.
  ASSERT_OK_AND_ASSIGN(
      MemberCareSet set,
      reader_->Read(std::vector<std::string_view>(asked.begin(), asked.end()),
                    std::vector<std::string_view>(with_auths.begin(), with_auths.end())));
  ASSERT_EQ(set.members().size(), 21u);
  int authorizations_seen = 0;
  for (const MemberCare& m : set.members()) {
    SCOPED_TRACE(m.cin);
    const bool asked_auths =
        std::find(with_auths.begin(), with_auths.end(), m.cin) != with_auths.end();
    EXPECT_EQ(m.authorizations_read, asked_auths);
    ASSERT_OK_AND_ASSIGN(std::vector<hub::v1::Authorization> auths, care_->Authorizations(m.cin));
    EXPECT_EQ(Serialized(m.authorizations),
              Serialized(asked_auths ? auths : std::vector<hub::v1::Authorization>{}));
    authorizations_seen += asked_auths ? static_cast<int>(auths.size()) : 0;
    ASSERT_OK_AND_ASSIGN(std::vector<hub::v1::Assignment> assignments, care_->Assignments(m.cin));
    EXPECT_EQ(Serialized(m.assignments), Serialized(assignments));
  }
  EXPECT_GT(authorizations_seen, 0);
  const MemberCareReadCounts counts = MemberCareReader::LastReadCounts();
  EXPECT_EQ(counts.iterators, 3);
  EXPECT_EQ(counts.seeks, 2 * 21 + 8);

  // No CIN asks for authorizations: their family is not opened.
  ASSERT_OK_AND_ASSIGN(MemberCareSet ecm_only, reader_->Read({CinOf(1), CinOf(2)}, {}));
  EXPECT_FALSE(ecm_only.Find(CinOf(1))->authorizations_read);
  EXPECT_EQ(MemberCareReader::LastReadCounts().iterators, 2);
  EXPECT_EQ(MemberCareReader::LastReadCounts().seeks, 4);
}

TEST_F(MemberCareTest, ReadIsAConsistentCopy) {
  WriteMember(3);
  const std::string cin = CinOf(3);
  ASSERT_OK_AND_ASSIGN(MemberCareSet before, reader_->Read({cin}));
  const size_t periods = before.Find(cin)->periods.size();
  WriteBatch batch;
  coverage_->Put(batch, MakeCoverage(cin, "zz_plan", "2026-01-01"));
  ASSERT_OK(store_->Commit(batch, Durability::kSync));
  EXPECT_EQ(before.Find(cin)->periods.size(), periods);
  ASSERT_OK_AND_ASSIGN(MemberCareSet after, reader_->Read({cin}));
  EXPECT_EQ(after.Find(cin)->periods.size(), periods + 1);
  EXPECT_EQ(after.Find(cin)->periods.back().plan_id(), "zz_plan");
}

TEST_F(MemberCareTest, NoCinsReadsNothing) {
  ASSERT_OK_AND_ASSIGN(MemberCareSet set, reader_->Read({}));
  EXPECT_TRUE(set.members().empty());
  EXPECT_EQ(MemberCareReader::LastReadCounts().iterators, 0);
}

TEST_F(MemberCareTest, ClosedStoreIsFailedPrecondition) {
  ASSERT_OK(store_->Close());
  absl::StatusOr<MemberCareSet> set = reader_->Read({CinOf(1)});
  EXPECT_EQ(set.status().code(), absl::StatusCode::kFailedPrecondition) << set.status();
}

}  // namespace
}  // namespace hub::storage
