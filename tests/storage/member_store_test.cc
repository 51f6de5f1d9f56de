#include "storage/member_store.h"

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "storage/store.h"
#include "tests/storage/storage_test_util.h"

namespace hub::storage {
namespace {

using test_util::MakeMember;
using test_util::OptionsFor;
using test_util::TempDir;

constexpr char kStoredCin[] = "99898657G";

class MemberStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    members_.reset();
    if (store_ != nullptr) {
      ASSERT_OK(store_->Close());
    }
    store_.reset();
    ASSERT_OK_AND_ASSIGN(store_, Store::Open(OptionsFor(dir_.path())));
    members_ = std::make_unique<MemberStore>(store_.get());
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<MemberStore> members_;
};

TEST_F(MemberStoreTest, PutThenGetRoundTripsEveryField) {
  hub::v1::Member member = MakeMember(kStoredCin, "Ana", "Lopez");
  member.mutable_name()->set_middle("M");
  auto* ids = member.add_plan_member_ids();
  ids->set_plan_id("kaiser");
  ids->set_member_id("K-1");
  ids->set_medical_record_number("MRN-9");
  member.mutable_address()->set_line1("1234 Market St");
  member.mutable_address()->set_city("San Diego");
  member.mutable_address()->set_state("CA");
  member.mutable_address()->set_zip("92101");
  member.set_preferred_spoken_language("es");
  member.set_experiencing_homelessness(false);

  WriteBatch batch;
  members_->Put(batch, member);
  ASSERT_OK(store_->Commit(batch, Durability::kSync));

  ASSERT_OK_AND_ASSIGN(hub::v1::Member got, members_->Get(kStoredCin));
  EXPECT_EQ(got.SerializeAsString(), member.SerializeAsString());
  EXPECT_TRUE(got.has_experiencing_homelessness());
  EXPECT_FALSE(got.experiencing_homelessness());
}

TEST_F(MemberStoreTest, NotFoundDoesNotQuoteTheCin) {
  absl::StatusOr<hub::v1::Member> missing = members_->Get(kStoredCin);
  ASSERT_TRUE(absl::IsNotFound(missing.status())) << missing.status();
  EXPECT_EQ(std::string(missing.status().message()).find(kStoredCin), std::string::npos);
}

TEST_F(MemberStoreTest, PutReplacesTheMember) {
  WriteBatch batch;
  members_->Put(batch, MakeMember(kStoredCin, "Ana", "Lopez"));
  members_->Put(batch, MakeMember("12345678A", "Bo", "Chen"));
  ASSERT_OK(store_->Commit(batch, Durability::kBuffered));
  members_->Put(batch, MakeMember(kStoredCin, "Ana", "Garcia"));
  ASSERT_OK(store_->Commit(batch, Durability::kSync));

  ASSERT_OK_AND_ASSIGN(hub::v1::Member ana, members_->Get(kStoredCin));
  EXPECT_EQ(ana.name().last(), "Garcia");
  ASSERT_OK_AND_ASSIGN(hub::v1::Member bo, members_->Get("12345678A"));
  EXPECT_EQ(bo.name().first(), "Bo");
}

TEST_F(MemberStoreTest, InvisibleUntilCommittedAndDurableAcrossReopen) {
  WriteBatch batch;
  members_->Put(batch, MakeMember(kStoredCin, "Ana", "Lopez"));
  EXPECT_TRUE(absl::IsNotFound(members_->Get(kStoredCin).status()));
  ASSERT_OK(store_->Commit(batch, Durability::kBuffered));
  ASSERT_OK(store_->SyncWal());

  Reopen();
  ASSERT_OK_AND_ASSIGN(hub::v1::Member ana, members_->Get(kStoredCin));
  EXPECT_EQ(ana.name().first(), "Ana");
}

}  // namespace
}  // namespace hub::storage
