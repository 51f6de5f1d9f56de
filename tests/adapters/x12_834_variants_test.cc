// The 834 variants of 005010X220A1 that plans send, each in a sample file
// this project wrote in the public format (tests/data/x12/834_*.x12), read
// by the 834 reader and by the shipped health_net profile through
// hubprofile's dry run (adapters/profile_check.h):
//   834_corrected_insured.x12   2100A NM1*74 (corrected insured) with the
//                               incorrect name in 2100B NM1*70
//   834_insurance_lines.x12     HLT, DEN and VIS HDs of one member
//   834_member_loops.x12        2100C-2100H loops with their own addresses
//   834_bad_member_three_hd.x12 a member whose POF code is unknown, with
//                               three HDs: one row error
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "adapters/profile_check.h"
#include "adapters/readers/edi834.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/adapters/reader_test_util.h"

namespace hub::adapters {
namespace {

using ::testing::ElementsAre;
using testing::ReadAllWays;
using testing::Result;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Sample(const std::string& name) {
  return ReadFile(std::string(HUB_TEST_DATA_DIR) + "/x12/" + name);
}

Result ReadVariant834(std::string_view data, Edi834Options options = Edi834Options()) {
  return ReadAllWays([&](RecordSink* sink) { return Make834RecordReader(options, sink); }, data);
}

CompiledProfile HealthNet() {
  absl::StatusOr<CompiledProfile> profile = CompileProfileText(
      ReadFile(std::string(HUB_SOURCE_DIR) + "/adapters/plans/health_net/profile.textproto"),
      "health_net/profile.textproto");
  EXPECT_TRUE(profile.ok()) << profile.status();
  return *std::move(profile);
}

FileCheck CheckWithHealthNet(const std::string& name) {
  const CompiledProfile profile = HealthNet();
  std::istringstream in(Sample(name));
  absl::StatusOr<FileCheck> check =
      CheckPlanFile(profile, hub::v1::FILE_KIND_MEMBER_ASSIGNMENT, in);
  EXPECT_TRUE(check.ok()) << check.status();
  return check.ok() ? *check : FileCheck();
}

TEST(Edi834VariantsTest, CorrectedInsuredNameLoopIsTheMembersName) {
  Result r = ReadVariant834(Sample("834_corrected_insured.x12"));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(r.errors.empty()) << r.errors[0].message;
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.Value(0, "last_name"), "RIVERA");  // 2100A NM1*74, not 2100B NM1*70.
  EXPECT_EQ(r.Value(0, "first_name"), "ANA");
  EXPECT_EQ(r.Value(0, "birth_date"), "19780412");  // 2100B's DMG is ignored.
  EXPECT_EQ(r.Value(0, "gender"), "F");
  EXPECT_EQ(r.Value(1, "last_name"), "LOPEZ");
  const FileCheck check = CheckWithHealthNet("834_corrected_insured.x12");
  EXPECT_EQ(check.rows_mapped, 2);
  EXPECT_EQ(check.rows_rejected, 0);
}

TEST(Edi834VariantsTest, InsuranceLinesSelectTheCoverage) {
  // Every HD, as the reader is told by default: three coverage records.
  Result all = ReadVariant834(Sample("834_insurance_lines.x12"));
  ASSERT_TRUE(all.status.ok()) << all.status;
  ASSERT_EQ(all.rows.size(), 3u);
  // HD03 HLT only: one, numbered as the loop numbers it.
  Edi834Options hlt;
  hlt.insurance_lines = {"HLT"};
  Result health = ReadVariant834(Sample("834_insurance_lines.x12"), hlt);
  ASSERT_EQ(health.rows.size(), 1u);
  EXPECT_EQ(health.Value(0, "hd03"), "HLT");
  EXPECT_EQ(health.Value(0, "coverage_number"), "1");
  // Only vision: the VIS coverage, third in the loop.
  Edi834Options vision;
  vision.insurance_lines = {"VIS"};
  Result vis = ReadVariant834(Sample("834_insurance_lines.x12"), vision);
  ASSERT_EQ(vis.rows.size(), 1u);
  EXPECT_EQ(vis.Value(0, "coverage_number"), "3");
  EXPECT_EQ(vis.Value(0, "benefit_begin"), "20260201");
  // A selection that matches no HD: the member, without coverage.
  Edi834Options none;
  none.insurance_lines = {"LTC"};
  Result member_only = ReadVariant834(Sample("834_insurance_lines.x12"), none);
  ASSERT_EQ(member_only.rows.size(), 1u);
  EXPECT_EQ(member_only.Value(0, "last_name"), "CHEN");
  EXPECT_EQ(member_only.Value(0, "hd03"), "");
  // The shipped health_net profile selects HLT: one member, one coverage.
  const FileCheck check = CheckWithHealthNet("834_insurance_lines.x12");
  EXPECT_EQ(check.rows_read, 1);
  EXPECT_EQ(check.rows_mapped, 1);
}

TEST(Edi834VariantsTest, OtherMemberLoopsDoNotReplaceTheMembersAddress) {
  Result r = ReadVariant834(Sample("834_member_loops.x12"));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(r.errors.empty());
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.Value(0, "address_line1"), "100 MAIN ST");
  EXPECT_EQ(r.Value(0, "city"), "SAN DIEGO");
  EXPECT_EQ(r.Value(0, "birth_date"), "19780412");
  EXPECT_EQ(r.Value(0, "mailing_address_line1"), "PO BOX 77");
  EXPECT_EQ(r.Value(0, "provider_npi"), "1234567893");
}

TEST(Edi834VariantsTest, ABadMemberWithThreeCoveragesIsOneRowError) {
  const FileCheck check = CheckWithHealthNet("834_bad_member_three_hd.x12");
  EXPECT_EQ(check.rows_read, 2);
  EXPECT_EQ(check.rows_mapped, 1);
  EXPECT_EQ(check.rows_rejected, 1);
  std::vector<std::string> errors;
  for (const RowError& e : check.errors) {
    errors.push_back(absl::StrCat(e.row_number, " ", e.field, " ", e.reason_code));
    EXPECT_TRUE(e.identity.empty());  // Never leaves the hub's ingest.
  }
  EXPECT_THAT(errors, ElementsAre("1 ref_zz ROW_UNKNOWN_CODE"));
}

TEST(Edi834VariantsTest, MappingErrorsCarryTheMembersIdentityForTheHubOnly) {
  const CompiledProfile profile = HealthNet();
  struct Sink : CanonicalRowSink {
    absl::Status OnRow(int64_t, const google::protobuf::Message&) override {
      return absl::OkStatus();
    }
    absl::Status OnRowError(const RowError& e) override {
      identities.push_back(e.identity);
      return absl::OkStatus();
    }
    std::vector<std::string> identities;
  } sink;
  auto parser = profile.adapter->OpenParser(hub::v1::FILE_KIND_MEMBER_ASSIGNMENT, &sink);
  ASSERT_TRUE(parser.ok());
  ASSERT_TRUE((*parser)->Feed(Sample("834_bad_member_three_hd.x12")).ok());
  ASSERT_TRUE((*parser)->Finish().ok());
  EXPECT_THAT(sink.identities, ElementsAre("95555555E"));
}

}  // namespace
}  // namespace hub::adapters
