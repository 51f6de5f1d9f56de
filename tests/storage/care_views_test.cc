// CareStore's provider views: the provider care index, capacity slots and
// outreach attempts, kept by the same puts and deletes as the records.
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "hub/v1/feed.pb.h"
#include "storage/care_store.h"
#include "storage/feed_store.h"
#include "storage/internal.h"
#include "storage/store.h"
#include "tests/storage/storage_test_util.h"

namespace hub::storage {
namespace {

using test_util::OptionsFor;
using test_util::TempDir;

constexpr char kCinA[] = "11111111A";
constexpr char kCinB[] = "22222222B";
constexpr char kCinC[] = "33333333C";

hub::v1::Assignment Assignment(std::string cin, std::string plan, std::string provider,
                               std::string start, std::string end = "") {
  hub::v1::Assignment a;
  a.set_cin(cin);
  a.set_plan_id(plan);
  a.set_provider_id(provider);
  a.set_benefit_start_date(start);
  a.set_benefit_end_date(end);
  a.set_status(hub::v1::ENROLLMENT_STATUS_ASSIGNED);
  return a;
}

hub::v1::Authorization Authorization(std::string plan, std::string number, std::string cin,
                                     std::string provider, std::string start,
                                     std::string end = "") {
  hub::v1::Authorization a;
  a.set_plan_id(plan);
  a.set_authorization_number(number);
  a.set_cin(cin);
  a.set_provider_id(provider);
  a.set_community_support(hub::v1::COMMUNITY_SUPPORT_HOUSING_DEPOSITS);
  a.set_units_approved(10);
  a.set_start_date(start);
  a.set_end_date(end);
  a.set_status(hub::v1::AUTHORIZATION_STATUS_APPROVED);
  return a;
}

class CareViewsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(OptionsFor(dir_.path()));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    care_ = std::make_unique<CareStore>(store_.get());
  }

  void Put(const hub::v1::Assignment& a) {
    WriteBatch batch;
    care_->PutAssignment(batch, a);
    ASSERT_OK(store_->Commit(batch, Durability::kSync));
  }
  void Put(const hub::v1::Authorization& a) {
    WriteBatch batch;
    ASSERT_OK(care_->PutAuthorization(batch, a));
    ASSERT_OK(store_->Commit(batch, Durability::kSync));
  }

  // "plan/cin/A|C/id" of every index entry of `provider` (plan filter
  // `plan`), resuming after `after`.
  std::vector<std::string> Index(const std::string& provider, const std::string& plan = "",
                                 const std::string& after = "") {
    std::vector<std::string> out;
    absl::Status status = care_->ScanProviderCare(
        provider, plan, after, [&](const ProviderCareEntry& e) -> absl::StatusOr<bool> {
          out.push_back(absl::StrCat(e.plan_id, "/", e.cin, "/", e.authorization ? "C" : "A", "/",
                                     e.id, e.in_effect ? "" : " (not in effect)"));
          positions_.push_back(e.position);
          return true;
        });
    EXPECT_OK(status);
    return out;
  }

  int64_t Slots(const std::string& provider, const std::string& plan, const std::string& group,
                const std::string& day) {
    absl::StatusOr<int64_t> held = care_->SlotsHeldOn(provider, plan, group, day);
    EXPECT_OK(held);
    return held.value_or(-1);
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<CareStore> care_;
  std::vector<std::string> positions_;
};

TEST_F(CareViewsTest, ProviderIndexListsOnlyThatProvidersRecordsInPlanThenMemberOrder) {
  Put(Assignment(kCinB, "plan_b", "prov_1", "2026-01-01"));
  Put(Assignment(kCinA, "plan_b", "prov_1", "2026-02-01"));
  Put(Assignment(kCinA, "plan_a", "prov_1", "2026-01-01"));
  Put(Assignment(kCinC, "plan_a", "prov_2", "2026-01-01"));
  Put(Authorization("plan_a", "AUTH-9", kCinA, "prov_1", "2026-03-01"));
  Put(Authorization("plan_a", "AUTH-8", kCinC, "prov_2", "2026-03-01"));

  EXPECT_EQ(
      Index("prov_1"),
      (std::vector<std::string>{"plan_a/11111111A/A/2026-01-01", "plan_a/11111111A/C/AUTH-9",
                                "plan_b/11111111A/A/2026-02-01", "plan_b/22222222B/A/2026-01-01"}));
  EXPECT_EQ(Index("prov_2"), (std::vector<std::string>{"plan_a/33333333C/A/2026-01-01",
                                                       "plan_a/33333333C/C/AUTH-8"}));
  EXPECT_EQ(Index("prov_1", "plan_b"), (std::vector<std::string>{"plan_b/11111111A/A/2026-02-01",
                                                                 "plan_b/22222222B/A/2026-01-01"}));
  // Resuming after the second entry.
  positions_.clear();
  Index("prov_1");
  const std::string second = positions_[1];
  EXPECT_EQ(
      Index("prov_1", "", second),
      (std::vector<std::string>{"plan_b/11111111A/A/2026-02-01", "plan_b/22222222B/A/2026-01-01"}));
  // A position of another plan filter is refused.
  absl::Status bad = care_->ScanProviderCare(
      "prov_1", "plan_b", second,
      [](const ProviderCareEntry&) -> absl::StatusOr<bool> { return true; });
  EXPECT_TRUE(absl::IsInvalidArgument(bad)) << bad;
}

TEST_F(CareViewsTest, IndexFollowsAnAuthorizationMovedToAnotherProviderAndMemberAndDeletes) {
  Put(Authorization("plan_a", "AUTH-1", kCinA, "prov_1", "2026-03-01"));
  hub::v1::Authorization moved = Authorization("plan_a", "AUTH-1", kCinB, "prov_2", "2026-03-01");
  Put(moved);
  EXPECT_TRUE(Index("prov_1").empty());
  EXPECT_EQ(Index("prov_2"), (std::vector<std::string>{"plan_a/22222222B/C/AUTH-1"}));

  hub::v1::Authorization denied = moved;
  denied.set_status(hub::v1::AUTHORIZATION_STATUS_DENIED);
  Put(denied);
  EXPECT_EQ(Index("prov_2"),
            (std::vector<std::string>{"plan_a/22222222B/C/AUTH-1 (not in effect)"}));

  WriteBatch batch;
  ASSERT_OK(care_->DeleteAuthorization(batch, "plan_a", "AUTH-1"));
  ASSERT_OK(store_->Commit(batch, Durability::kSync));
  EXPECT_TRUE(Index("prov_2").empty());

  Put(Assignment(kCinA, "plan_a", "prov_1", "2026-01-01"));
  WriteBatch remove;
  care_->DeleteAssignment(remove, Assignment(kCinA, "plan_a", "prov_1", "2026-01-01"));
  ASSERT_OK(store_->Commit(remove, Durability::kSync));
  EXPECT_TRUE(Index("prov_1").empty());
}

TEST_F(CareViewsTest, SlotsCountRecordsHoldingOneUntilTheyEndOrAreDiscontinued) {
  Put(Assignment(kCinA, "plan_a", "prov_1", "2026-01-01"));
  Put(Assignment(kCinB, "plan_a", "prov_1", "2026-01-01", "2026-06-30"));
  Put(Assignment(kCinC, "plan_a", "prov_1", "2027-01-01"));  // Reserved ahead.
  Put(Assignment(kCinC, "plan_b", "prov_1", "2026-01-01"));  // Another plan.
  EXPECT_EQ(Slots("prov_1", "plan_a", "ecm", "2026-06-30"), 3);
  // B's period ended.
  EXPECT_EQ(Slots("prov_1", "plan_a", "ecm", "2026-07-01"), 2);
  EXPECT_EQ(Slots("prov_1", "plan_b", "ecm", "2026-07-01"), 1);
  EXPECT_EQ(Slots("prov_2", "plan_a", "ecm", "2026-07-01"), 0);

  // Replacing a record does not count it twice; discontinuing frees it.
  hub::v1::Assignment a = Assignment(kCinA, "plan_a", "prov_1", "2026-01-01");
  a.set_status(hub::v1::ENROLLMENT_STATUS_ENROLLED);
  Put(a);
  EXPECT_EQ(Slots("prov_1", "plan_a", "ecm", "2026-06-30"), 3);
  a.set_status(hub::v1::ENROLLMENT_STATUS_DISCONTINUED);
  a.set_benefit_end_date("2026-05-31");
  Put(a);
  EXPECT_EQ(Slots("prov_1", "plan_a", "ecm", "2026-05-01"), 2);
  // Extending B's period holds its slot again after June.
  Put(Assignment(kCinB, "plan_a", "prov_1", "2026-01-01", "2026-12-31"));
  EXPECT_EQ(Slots("prov_1", "plan_a", "ecm", "2026-07-01"), 2);
  // Deleting C's reserved assignment frees its slot.
  WriteBatch batch;
  care_->DeleteAssignment(batch, Assignment(kCinC, "plan_a", "prov_1", "2027-01-01"));
  ASSERT_OK(store_->Commit(batch, Durability::kSync));
  EXPECT_EQ(Slots("prov_1", "plan_a", "ecm", "2026-07-01"), 1);
  // The counts survive a reopen.
  care_.reset();
  ASSERT_OK(store_->Close());
  store_.reset();
  SetUp();
  EXPECT_EQ(Slots("prov_1", "plan_a", "ecm", "2026-07-01"), 1);
  EXPECT_EQ(Slots("prov_1", "plan_b", "ecm", "2026-07-01"), 1);
}

TEST_F(CareViewsTest, CsSlotsArePerCommunitySupportAndFollowStatusAndProvider) {
  const std::string deposits =
      absl::StrCat("cs.", static_cast<int>(hub::v1::COMMUNITY_SUPPORT_HOUSING_DEPOSITS));
  Put(Authorization("plan_a", "AUTH-1", kCinA, "prov_1", "2026-01-01"));
  Put(Authorization("plan_a", "AUTH-2", kCinB, "prov_1", "2026-01-01", "2026-03-31"));
  hub::v1::Authorization meals = Authorization("plan_a", "AUTH-3", kCinC, "prov_1", "2026-01-01");
  meals.set_community_support(hub::v1::COMMUNITY_SUPPORT_MEDICALLY_TAILORED_MEALS);
  Put(meals);
  EXPECT_EQ(CareStore::CapacityGroup(meals),
            absl::StrCat("cs.", static_cast<int>(meals.community_support())));
  EXPECT_EQ(Slots("prov_1", "plan_a", deposits, "2026-02-01"), 2);
  EXPECT_EQ(Slots("prov_1", "plan_a", deposits, "2026-04-01"), 1);
  EXPECT_EQ(Slots("prov_1", "plan_a", CareStore::CapacityGroup(meals), "2026-04-01"), 1);

  // Units used change nothing; a declined referral frees the slot; moving
  // to another provider moves it; the same put twice in one batch counts once.
  hub::v1::Authorization a = Authorization("plan_a", "AUTH-1", kCinA, "prov_1", "2026-01-01");
  a.set_units_used(4);
  Put(a);
  EXPECT_EQ(Slots("prov_1", "plan_a", deposits, "2026-02-01"), 2);
  a.set_referral_status(hub::v1::REFERRAL_STATUS_DECLINED);
  Put(a);
  EXPECT_EQ(Slots("prov_1", "plan_a", deposits, "2026-02-01"), 1);
  a.set_referral_status(hub::v1::REFERRAL_STATUS_ACCEPTED);
  a.set_provider_id("prov_2");
  WriteBatch batch;
  ASSERT_OK(care_->PutAuthorization(batch, a));
  ASSERT_OK(care_->PutAuthorization(batch, a));
  ASSERT_OK(store_->Commit(batch, Durability::kSync));
  EXPECT_EQ(Slots("prov_1", "plan_a", deposits, "2026-02-01"), 1);
  EXPECT_EQ(Slots("prov_2", "plan_a", deposits, "2026-02-01"), 1);
  WriteBatch remove;
  ASSERT_OK(care_->DeleteAuthorization(remove, "plan_a", "AUTH-1"));
  ASSERT_OK(store_->Commit(remove, Durability::kSync));
  EXPECT_EQ(Slots("prov_2", "plan_a", deposits, "2026-02-01"), 0);
}

TEST_F(CareViewsTest, OutreachAttemptsAreKeptPerProviderPlanMemberAndReferral) {
  WriteBatch batch;
  care_->PutOutreachAttempt(batch, "prov_1", "plan_a", kCinA, "", "2026-02-03", "rec_1");
  care_->PutOutreachAttempt(batch, "prov_1", "plan_a", kCinA, "", "2026-01-15", "rec_2");
  care_->PutOutreachAttempt(batch, "prov_1", "plan_a", kCinA, "AUTH-1", "2026-02-04", "rec_3");
  care_->PutOutreachAttempt(batch, "prov_2", "plan_a", kCinA, "", "2026-02-05", "rec_4");
  ASSERT_OK(store_->Commit(batch, Durability::kSync));
  absl::StatusOr<std::vector<std::string>> ecm =
      care_->OutreachAttemptDates("prov_1", "plan_a", kCinA, "");
  ASSERT_OK(ecm);
  EXPECT_EQ(*ecm, (std::vector<std::string>{"2026-01-15", "2026-02-03"}));
  absl::StatusOr<std::vector<std::string>> cs =
      care_->OutreachAttemptDates("prov_1", "plan_a", kCinA, "AUTH-1");
  ASSERT_OK(cs);
  EXPECT_EQ(*cs, (std::vector<std::string>{"2026-02-04"}));
  absl::StatusOr<std::vector<std::string>> none =
      care_->OutreachAttemptDates("prov_1", "plan_b", kCinA, "");
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
}

TEST_F(CareViewsTest, ViewsMissingFromAnOlderDataDirectoryAreBuiltAtOpen) {
  Put(Assignment(kCinA, "plan_a", "prov_1", "2026-01-01"));
  Put(Assignment(kCinB, "plan_a", "prov_1", "2026-01-01", "2026-03-31"));
  Put(Authorization("plan_a", "AUTH-1", kCinC, "prov_2", "2026-01-01"));
  {
    FeedStore feed(store_.get());
    hub::v1::FeedItem item;
    item.set_record_id("rec_0000000000000001");
    item.set_provider_id("prov_2");
    item.set_kind(hub::v1::RECORD_KIND_OUTREACH_ATTEMPT);
    item.mutable_submission()->mutable_outreach_attempt()->set_cin(kCinC);
    item.mutable_submission()->mutable_outreach_attempt()->set_attempt_date("2026-01-02");
    item.mutable_submission()->mutable_outreach_attempt()->set_authorization_number("AUTH-1");
    WriteBatch batch;
    ASSERT_OK(feed.AppendItem(batch, "plan_a", item, "key-1"));
    ASSERT_OK(store_->Commit(batch, Durability::kSync));
    feed.CommitAppends();
  }
  const std::vector<std::string> index_1 = Index("prov_1");
  const std::vector<std::string> index_2 = Index("prov_2");
  ASSERT_EQ(index_1.size(), 2u);
  ASSERT_EQ(index_2.size(), 1u);

  // As a data directory of an earlier hubd would be: no views, no mark
  // (plus a stray count that the rebuild must drop).
  Store::Rep& rep = internal::RepOf(*store_);
  for (ColumnFamily family : {ColumnFamily::kProviderCare, ColumnFamily::kCapacityCounts,
                              ColumnFamily::kCapacityEnds, ColumnFamily::kProviderOutreach}) {
    std::unique_ptr<rocksdb::Iterator> it(
        rep.db->NewIterator(rocksdb::ReadOptions(), rep.cf(family)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ASSERT_TRUE(rep.db->Delete(rocksdb::WriteOptions(), rep.cf(family), it->key()).ok());
    }
  }
  ASSERT_TRUE(rep.db
                  ->Merge(rocksdb::WriteOptions(), rep.cf(ColumnFamily::kCapacityCounts),
                          internal::Key({"prov_1", "plan_a", "ecm"}), internal::EncodeFixed64(5))
                  .ok());
  ASSERT_TRUE(rep.db
                  ->Delete(rocksdb::WriteOptions(), rep.cf(ColumnFamily::kMeta),
                           internal::ToSlice(internal::kCareViewsBuiltKey))
                  .ok());
  EXPECT_TRUE(Index("prov_1").empty());

  care_.reset();
  ASSERT_OK(store_->Close());
  store_.reset();
  SetUp();
  EXPECT_EQ(Index("prov_1"), index_1);
  EXPECT_EQ(Index("prov_2"), index_2);
  EXPECT_EQ(Slots("prov_1", "plan_a", "ecm", "2026-02-01"), 2);
  EXPECT_EQ(Slots("prov_1", "plan_a", "ecm", "2026-04-01"), 1);
  EXPECT_EQ(Slots("prov_2", "plan_a",
                  CareStore::CapacityGroup(
                      Authorization("plan_a", "AUTH-1", kCinC, "prov_2", "2026-01-01")),
                  "2026-04-01"),
            1);
  absl::StatusOr<std::vector<std::string>> attempts =
      care_->OutreachAttemptDates("prov_2", "plan_a", kCinC, "AUTH-1");
  ASSERT_OK(attempts);
  EXPECT_EQ(*attempts, (std::vector<std::string>{"2026-01-02"}));
}

}  // namespace
}  // namespace hub::storage
