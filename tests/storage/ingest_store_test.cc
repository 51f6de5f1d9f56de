#include "storage/ingest_store.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "storage/store.h"
#include "tests/storage/storage_test_util.h"

namespace hub::storage {
namespace {

using test_util::OptionsFor;
using test_util::TempDir;

hub::v1::IngestReport MakeReport(const std::string& plan, const std::string& hash16) {
  hub::v1::IngestReport r;
  r.set_report_id(plan + "-" + hash16);
  r.set_plan_id(plan);
  r.set_file_kind(hub::v1::FILE_KIND_MEMBER_ASSIGNMENT);
  r.set_file_name("mif.csv");
  r.set_outcome(hub::v1::INGEST_OUTCOME_PARTIALLY_ACCEPTED);
  r.set_rows_read(10);
  r.set_rows_accepted(9);
  r.set_rows_rejected(1);
  r.mutable_changes()->set_members_upserted(9);
  r.add_row_errors()->set_reason_code("ROW_BAD_CIN");
  return r;
}

hub::v1::RowError MakeError(int64_t row, const std::string& code) {
  hub::v1::RowError e;
  e.set_row_number(row);
  e.set_field("member.cin");
  e.set_reason_code(code);
  e.set_message("Fix it.");
  return e;
}

class IngestStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, Store::Open(OptionsFor(dir_.path())));
    ingest_ = std::make_unique<IngestStore>(store_.get());
  }

  void Put(const hub::v1::IngestReport& report) {
    WriteBatch batch;
    ingest_->PutReport(batch, report);
    ASSERT_OK(store_->Commit(batch, Durability::kSync));
  }

  std::vector<std::string> AllReportIds(const std::string& plan, int page_size) {
    std::vector<std::string> ids;
    std::string cursor;
    int pages = 0;
    do {
      auto page = ingest_->ListReports(plan, cursor, page_size);
      EXPECT_OK(page);
      if (!page.ok()) break;
      EXPECT_LE(static_cast<int>(page->reports.size()), page_size);
      for (const auto& r : page->reports) ids.push_back(r.report_id());
      cursor = page->next_cursor;
      ++pages;
    } while (!cursor.empty() && pages < 100);
    return ids;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<IngestStore> ingest_;
};

TEST_F(IngestStoreTest, GetReportReturnsItWithoutRowErrors) {
  EXPECT_TRUE(absl::IsNotFound(ingest_->GetReport("aetna-0000000000000000").status()));
  const hub::v1::IngestReport report = MakeReport("aetna", "0123456789abcdef");
  Put(report);
  ASSERT_OK_AND_ASSIGN(hub::v1::IngestReport stored, ingest_->GetReport(report.report_id()));
  EXPECT_EQ(stored.row_errors_size(), 0);
  hub::v1::IngestReport expected = report;
  expected.clear_row_errors();
  EXPECT_EQ(stored.SerializeAsString(), expected.SerializeAsString());
}

TEST_F(IngestStoreTest, ListReportsIsNewestFirstPerPlanAndPages) {
  for (int i = 0; i < 7; ++i) Put(MakeReport("aetna", absl::StrCat("000000000000000", i)));
  Put(MakeReport("aetna_two", "ffffffffffffffff"));
  const std::vector<std::string> expected = {"aetna-0000000000000006", "aetna-0000000000000005",
                                             "aetna-0000000000000004", "aetna-0000000000000003",
                                             "aetna-0000000000000002", "aetna-0000000000000001",
                                             "aetna-0000000000000000"};
  EXPECT_EQ(AllReportIds("aetna", 100), expected);
  EXPECT_EQ(AllReportIds("aetna", 3), expected);
  EXPECT_EQ(AllReportIds("aetna", 7), expected);
  EXPECT_EQ(AllReportIds("aetna", 1), expected);
  EXPECT_EQ(AllReportIds("aetna_two", 10),
            (std::vector<std::string>{"aetna_two-ffffffffffffffff"}));
  EXPECT_TRUE(AllReportIds("molina", 10).empty());
  // A full last page says there is no more.
  ASSERT_OK_AND_ASSIGN(auto page, ingest_->ListReports("aetna_two", "", 1));
  EXPECT_TRUE(page.next_cursor.empty());
  EXPECT_TRUE(absl::IsInvalidArgument(ingest_->ListReports("aetna", "bogus", 3).status()));
}

TEST_F(IngestStoreTest, RowErrorsAreInRowOrderAndPage) {
  const std::string id = "aetna-0123456789abcdef";
  std::vector<hub::v1::RowError> errors;
  // Several errors on one row keep their order; rows above 255 and 65535
  // sort numerically.
  for (int64_t row : {1, 2, 2, 256, 70000}) errors.push_back(MakeError(row, "ROW_BAD_CIN"));
  errors[2].set_reason_code("ROW_UNKNOWN_PROVIDER");
  WriteBatch batch;
  ingest_->AddRowErrors(batch, id, 0, std::span(errors).subspan(0, 3));
  ingest_->AddRowErrors(batch, id, 3, std::span(errors).subspan(3));
  // Another report's errors stay apart.
  ingest_->AddRowErrors(batch, "aetna-0123456789abcdee", 0, std::span(errors).subspan(0, 1));
  ASSERT_OK(store_->Commit(batch, Durability::kSync));

  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    ASSERT_OK_AND_ASSIGN(auto page, ingest_->ListRowErrors(id, cursor, 2));
    for (const auto& e : page.errors)
      seen.push_back(absl::StrCat(e.row_number(), ":", e.reason_code()));
    cursor = page.next_cursor;
    ++pages;
  } while (!cursor.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen,
            (std::vector<std::string>{"1:ROW_BAD_CIN", "2:ROW_BAD_CIN", "2:ROW_UNKNOWN_PROVIDER",
                                      "256:ROW_BAD_CIN", "70000:ROW_BAD_CIN"}));
  ASSERT_OK_AND_ASSIGN(auto all, ingest_->ListRowErrors(id, "", 10000));
  EXPECT_EQ(all.errors.size(), 5u);
  EXPECT_TRUE(all.next_cursor.empty());
  EXPECT_TRUE(absl::IsInvalidArgument(ingest_->ListRowErrors(id, "x", 10).status()));
}

TEST_F(IngestStoreTest, DeleteRowErrorsThenRewriteInOneBatch) {
  const std::string id = "aetna-0123456789abcdef";
  std::vector<hub::v1::RowError> old_errors = {MakeError(1, "ROW_A"), MakeError(5, "ROW_B"),
                                               MakeError(9, "ROW_C")};
  WriteBatch batch;
  ingest_->AddRowErrors(batch, id, 0, old_errors);
  ingest_->AddRowErrors(batch, "aetna-0123456789abcdee", 0, old_errors);
  ASSERT_OK(store_->Commit(batch, Durability::kSync));

  std::vector<hub::v1::RowError> new_errors = {MakeError(5, "ROW_B")};
  ingest_->DeleteRowErrors(batch, id);
  ingest_->AddRowErrors(batch, id, 0, new_errors);
  ASSERT_OK(store_->Commit(batch, Durability::kSync));

  ASSERT_OK_AND_ASSIGN(auto page, ingest_->ListRowErrors(id, "", 100));
  ASSERT_EQ(page.errors.size(), 1u);
  EXPECT_EQ(page.errors[0].reason_code(), "ROW_B");
  ASSERT_OK_AND_ASSIGN(auto other, ingest_->ListRowErrors("aetna-0123456789abcdee", "", 100));
  EXPECT_EQ(other.errors.size(), 3u);
}

}  // namespace
}  // namespace hub::storage
