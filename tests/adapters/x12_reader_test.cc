#include "adapters/readers/x12_reader.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "adapters/readers/edi834.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/adapters/reader_test_util.h"

namespace hub::adapters {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::ReadAllWays;
using testing::Result;

std::string ReadTestFile(const std::string& name) {
  std::ifstream in(std::string(HUB_TEST_DATA_DIR) + "/x12/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Replace(std::string s, std::string_view from, std::string_view to) {
  size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

std::string RemoveLine(std::string s, std::string_view prefix) {
  size_t at = s.find(prefix);
  EXPECT_NE(at, std::string::npos) << prefix;
  size_t end = s.find('\n', at);
  s.erase(at, end == std::string::npos ? std::string::npos : end + 1 - at);
  return s;
}

Result Read834(std::string_view data, Edi834Options options = Edi834Options()) {
  return ReadAllWays([&](RecordSink* sink) { return Make834RecordReader(options, sink); }, data);
}

const std::string kThree = ReadTestFile("834_three_members.x12");

TEST(X12ReaderTest, ReadsThreeMemberLoopsAsFlattenedRecords) {
  Result r = Read834(kThree);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.columns, Edi834ColumnNames());
  EXPECT_EQ(r.stats.rows_read, 3);
  EXPECT_EQ(r.stats.rows_rejected, 0);
  // Loop 2 has two HD coverages: one record each.
  ASSERT_EQ(r.rows.size(), 4u);
  EXPECT_EQ(r.rows[0].row, 1);
  EXPECT_EQ(r.rows[0].line, 9);
  EXPECT_EQ(r.rows[1].row, 2);
  EXPECT_EQ(r.rows[2].row, 2);
  EXPECT_EQ(r.rows[3].row, 3);

  // Loop 1: every member field.
  EXPECT_EQ(r.Value(0, "transaction_set_control_number"), "0001");
  EXPECT_EQ(r.Value(0, "bgn_reference"), "MIF202601");
  EXPECT_EQ(r.Value(0, "bgn_date"), "20260105");
  EXPECT_EQ(r.Value(0, "bgn_action"), "4");
  EXPECT_EQ(r.Value(0, "sponsor_name"), "COUNTY OF SAN DIEGO");
  EXPECT_EQ(r.Value(0, "sponsor_id"), "956000934");
  EXPECT_EQ(r.Value(0, "payer_name"), "EXAMPLE HEALTH PLAN OF SAN DIEGO");
  EXPECT_EQ(r.Value(0, "payer_id"), "330000001");
  EXPECT_EQ(r.Value(0, "subscriber_indicator"), "Y");
  EXPECT_EQ(r.Value(0, "relationship_code"), "18");
  EXPECT_EQ(r.Value(0, "maintenance_type"), "021");
  EXPECT_EQ(r.Value(0, "maintenance_reason"), "28");
  EXPECT_EQ(r.Value(0, "benefit_status"), "A");
  EXPECT_EQ(r.Value(0, "subscriber_id"), "91234567A");
  EXPECT_EQ(r.Value(0, "group_policy_number"), "SD-MEDI-CAL");
  EXPECT_EQ(r.Value(0, "ref_23"), "91234567A");
  EXPECT_EQ(r.Value(0, "ref_zz"), "");
  EXPECT_EQ(r.Value(0, "eligibility_begin"), "20260101");
  EXPECT_EQ(r.Value(0, "last_name"), "GARCIA");
  EXPECT_EQ(r.Value(0, "first_name"), "MARIA");
  EXPECT_EQ(r.Value(0, "middle_name"), "L");
  EXPECT_EQ(r.Value(0, "member_id_qualifier"), "ZZ");
  EXPECT_EQ(r.Value(0, "member_id"), "91234567A");
  EXPECT_EQ(r.Value(0, "phone"), "6195550134");
  EXPECT_EQ(r.Value(0, "email"), "maria.garcia@example.org");
  EXPECT_EQ(r.Value(0, "address_line1"), "1450 FIFTH AVE");
  EXPECT_EQ(r.Value(0, "address_line2"), "APT 12");
  EXPECT_EQ(r.Value(0, "city"), "SAN DIEGO");
  EXPECT_EQ(r.Value(0, "state"), "CA");
  EXPECT_EQ(r.Value(0, "zip"), "92101");
  EXPECT_EQ(r.Value(0, "county_code"), "073");
  EXPECT_EQ(r.Value(0, "birth_date"), "19780412");
  EXPECT_EQ(r.Value(0, "gender"), "F");
  EXPECT_EQ(r.Value(0, "language"), "spa");
  EXPECT_EQ(r.Value(0, "spoken_language"), "spa");
  EXPECT_EQ(r.Value(0, "written_language"), "");
  EXPECT_EQ(r.Value(0, "coverage_number"), "1");
  EXPECT_EQ(r.Value(0, "hd01"), "021");
  EXPECT_EQ(r.Value(0, "hd03"), "HLT");
  EXPECT_EQ(r.Value(0, "hd04"), "ECM");
  EXPECT_EQ(r.Value(0, "hd05"), "IND");
  EXPECT_EQ(r.Value(0, "benefit_begin"), "20260101");
  EXPECT_EQ(r.Value(0, "benefit_end"), "");
  EXPECT_EQ(r.Value(0, "coverage_provider_id_qualifier"), "XX");
  EXPECT_EQ(r.Value(0, "coverage_provider_id"), "1234567893");
  EXPECT_EQ(r.Value(0, "provider_npi"), "1234567893");

  // Loop 2: two coverages; languages by use.
  EXPECT_EQ(r.Value(1, "last_name"), "NGUYEN");
  EXPECT_EQ(r.Value(1, "spoken_language"), "vie");
  EXPECT_EQ(r.Value(1, "written_language"), "eng");
  EXPECT_EQ(r.Value(1, "benefit_end"), "20261231");
  EXPECT_EQ(r.Value(2, "last_name"), "NGUYEN");
  EXPECT_EQ(r.Value(2, "coverage_number"), "2");
  EXPECT_EQ(r.Value(2, "hd04"), "CS-HTN");
  EXPECT_EQ(r.Value(2, "benefit_begin"), "20260115");
  EXPECT_EQ(r.Value(2, "coverage_provider_id"), "");
  EXPECT_EQ(r.Value(2, "provider_npi"), "");

  // Loop 3: a dependent with a mailing address (N3/N4 after NM1*31).
  EXPECT_EQ(r.Value(3, "subscriber_indicator"), "N");
  EXPECT_EQ(r.Value(3, "relationship_code"), "19");
  EXPECT_EQ(r.Value(3, "member_id"), "93456789C");
  EXPECT_EQ(r.Value(3, "address_line1"), "");
  EXPECT_EQ(r.Value(3, "mailing_address_line1"), "PO BOX 1201");
  EXPECT_EQ(r.Value(3, "mailing_zip"), "92112");
}

TEST(X12ReaderTest, MemberLoopApiCarriesStructuredValues) {
  class Sink : public MemberLoopSink {
   public:
    absl::Status OnMemberLoop(const MemberLoop& loop) override {
      loops.push_back(loop);
      return absl::OkStatus();
    }
    absl::Status OnRowError(const RowError& e) override {
      errors.push_back(e);
      return absl::OkStatus();
    }
    std::vector<MemberLoop> loops;
    std::vector<RowError> errors;
  } sink;
  Edi834Reader reader(Edi834Options(), &sink);
  ASSERT_TRUE(reader.Feed(kThree).ok());
  ASSERT_TRUE(reader.Finish().ok());
  ASSERT_EQ(sink.loops.size(), 3u);
  const MemberLoop& m = sink.loops[1];
  EXPECT_EQ(m.loop_number, 2);
  EXPECT_EQ(m.segment_position, 22);
  ASSERT_EQ(m.coverages.size(), 2u);
  EXPECT_EQ(m.coverages[0].end_date, "20261231");
  ASSERT_EQ(m.languages.size(), 2u);
  EXPECT_EQ(m.languages[1].use, "6");
  EXPECT_EQ(sink.loops[0].refs, (std::vector<X12QualifiedValue>{{"23", "91234567A"}}));
  EXPECT_EQ(reader.stats().bytes, static_cast<int64_t>(kThree.size()));
}

TEST(X12ReaderTest, SeparatorsComeFromIsaAndSeveralGroupsAndSetsAreRead) {
  Result r = Read834(ReadTestFile("834_two_groups_pipe.x12"));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(r.errors.empty());
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(r.Value(0, "transaction_set_control_number"), "1001");
  EXPECT_EQ(r.Value(0, "maintenance_type"), "001");
  EXPECT_EQ(r.Value(0, "maintenance_effective"), "20260201");
  EXPECT_EQ(r.Value(0, "phone"), "8585550199");
  EXPECT_EQ(r.Value(0, "bgn_action"), "2");
  EXPECT_EQ(r.Value(1, "transaction_set_control_number"), "1002");
  EXPECT_EQ(r.Value(1, "maintenance_type"), "024");
  EXPECT_EQ(r.Value(1, "eligibility_end"), "20260131");
  EXPECT_EQ(r.Value(1, "benefit_end"), "20260131");
  EXPECT_EQ(r.Value(2, "transaction_set_control_number"), "2001");
  EXPECT_EQ(r.Value(2, "maintenance_type"), "030");
  EXPECT_EQ(r.Value(2, "bgn_reference"), "AUDIT0001");
  EXPECT_EQ(r.rows[2].row, 3);
}

TEST(X12ReaderTest, LineBreaksAfterTerminatorsDoNotMatter) {
  Result base = Read834(kThree);
  ASSERT_TRUE(base.status.ok());
  // CRLF after each terminator: identical, line numbers included.
  Result crlf = Read834(absl::StrReplaceAll(kThree, {{"\n", "\r\n"}}));
  ASSERT_TRUE(crlf.status.ok()) << crlf.status;
  EXPECT_EQ(crlf.rows, base.rows);
  // The newline as the terminator itself.
  Result nl = Read834(absl::StrReplaceAll(kThree, {{"~\n", "\n"}}));
  ASSERT_TRUE(nl.status.ok()) << nl.status;
  EXPECT_EQ(nl.rows, base.rows);
  // No line breaks at all: same values, everything on line 1.
  Result one_line = Read834(absl::StrReplaceAll(kThree, {{"\n", ""}}));
  ASSERT_TRUE(one_line.status.ok()) << one_line.status;
  ASSERT_EQ(one_line.rows.size(), base.rows.size());
  for (size_t i = 0; i < base.rows.size(); ++i) {
    EXPECT_EQ(one_line.rows[i].fields, base.rows[i].fields);
    EXPECT_EQ(one_line.rows[i].line, 1);
  }
  // Leading blank lines and a BOM are tolerated.
  Result bom = Read834("\xEF\xBB\xBF\r\n" + kThree);
  ASSERT_TRUE(bom.status.ok()) << bom.status;
  EXPECT_EQ(bom.rows.size(), base.rows.size());
}

TEST(X12ReaderTest, SeveralInterchangesInOneFileContinueLoopNumbers) {
  Result r = Read834(kThree + kThree);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.stats.rows_read, 6);
  ASSERT_EQ(r.rows.size(), 8u);
  EXPECT_EQ(r.rows[7].row, 6);
}

TEST(X12ReaderTest, BadMemberLoopsAreRowErrorsAndReadingContinues) {
  Result r = Read834(ReadTestFile("834_row_errors.x12"));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.stats.rows_read, 6);
  EXPECT_EQ(r.stats.rows_rejected, 4);
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].row, 2);
  EXPECT_EQ(r.Value(0, "subscriber_id"), "91111111A");
  EXPECT_EQ(r.rows[1].row, 6);
  EXPECT_EQ(r.Value(1, "subscriber_id"), "95555555E");

  ASSERT_EQ(r.errors.size(), 4u);
  EXPECT_EQ(r.errors[0], (RowError{1, 9, 7, "INS", "ROW_MISSING_SEGMENT", r.errors[0].message}));
  EXPECT_THAT(r.errors[0].message, HasSubstr("member loop 1 (transaction set 0001, segment "
                                             "position 7, line 9)"));
  EXPECT_EQ(r.errors[1].row_number, 3);
  EXPECT_EQ(r.errors[1].field, "DMG02");
  EXPECT_EQ(r.errors[1].reason_code, "ROW_INVALID_DATE");
  EXPECT_EQ(r.errors[1].segment_position, 17);
  EXPECT_EQ(r.errors[1].line_number, 19);
  EXPECT_EQ(r.errors[2].row_number, 4);
  EXPECT_EQ(r.errors[2].field, "NM1*IL");
  EXPECT_EQ(r.errors[2].reason_code, "ROW_MISSING_SEGMENT");
  EXPECT_EQ(r.errors[2].segment_position, 20);  // its INS
  EXPECT_EQ(r.errors[2].line_number, 22);
  EXPECT_EQ(r.errors[3].row_number, 5);
  EXPECT_EQ(r.errors[3].field, "DTP*348");
  EXPECT_EQ(r.errors[3].reason_code, "ROW_INVALID_DATE");
  for (const char* phi : {"PATEL", "PRIYA", "19781345", "93333333C", "SMITH", "20260101"}) {
    testing::ExpectNoSecretInMessages(r, phi);
  }
}

TEST(X12ReaderTest, MissingSubscriberIdBadIns01AndInvalidUtf8AreRowErrors) {
  std::string data =
      Replace(kThree, "REF*0F*92345678B~\nNM1*IL*1*NGUYEN*TUAN", "NM1*IL*1*NGUYEN*TUAN");
  data = Replace(data, "INS*N*19", "INS*X*19");
  data = Replace(data, "N3*1450 FIFTH AVE",
                 "N3*1450 FIFTH \xFF"
                 "AVE");
  // Keep SE01 right: one segment fewer.
  data = Replace(data, "SE*44*0001", "SE*43*0001");
  Result r = Read834(data);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.ErrorCodes(),
              ElementsAre("ROW_INVALID_UTF8", "ROW_MISSING_SEGMENT", "ROW_INVALID_VALUE"));
  EXPECT_EQ(r.errors[0].field, "N301");
  EXPECT_EQ(r.errors[0].row_number, 1);
  EXPECT_EQ(r.errors[1].field, "REF*0F");
  EXPECT_EQ(r.errors[2].field, "INS01");
  EXPECT_TRUE(r.rows.empty());
}

TEST(X12ReaderTest, TruncatedFilesAreRejected) {
  for (std::string_view last : {"IEA*", "GE*", "SE*"}) {
    std::string data = kThree.substr(0, kThree.find(last));
    Result r = Read834(data);
    EXPECT_EQ(r.file_error_code, "FILE_X12_TRUNCATED") << last;
    EXPECT_THAT(r.status.message(), HasSubstr("truncated"));
  }
  Result r = Read834(kThree.substr(0, kThree.find("NM1*IL*1*NGUYEN") + 6));
  EXPECT_EQ(r.file_error_code, "FILE_X12_TRUNCATED");
  EXPECT_THAT(r.status.message(), HasSubstr("middle of segment"));
  r = Read834(kThree.substr(0, 50));
  EXPECT_EQ(r.file_error_code, "FILE_X12_TRUNCATED");
}

TEST(X12ReaderTest, EnvelopeMismatchesAreRejected) {
  struct Case {
    std::string from, to, message;
  };
  const std::vector<Case> cases = {
      {"SE*44*0001", "SE*45*0001",
       "SE01 says 45 segments (ST to SE inclusive) but transaction set 0001 has 44"},
      {"SE*44*0001", "SE*44*0002", "SE02 does not match ST02"},
      {"GE*1*101", "GE*2*101", "GE01 says 2 transaction sets but the group has 1"},
      {"GE*1*101", "GE*1*102", "GE02 does not match GS06"},
      {"IEA*1*000000101", "IEA*3*000000101", "IEA01 says 3 functional groups"},
      {"IEA*1*000000101", "IEA*1*000000999", "IEA02 does not match ISA13"},
      {"IEA*1*000000101", "IEA*X*000000101", "IEA01 is not a number"},
  };
  for (const Case& c : cases) {
    Result r = Read834(Replace(kThree, c.from, c.to));
    EXPECT_EQ(r.file_error_code, "FILE_X12_ENVELOPE") << c.to;
    EXPECT_THAT(r.status.message(), HasSubstr(c.message));
  }
  // A segment between GE and IEA.
  Result r = Read834(Replace(kThree, "IEA*", "DMG*D8*19800101~\nIEA*"));
  EXPECT_EQ(r.file_error_code, "FILE_X12_ENVELOPE");
  EXPECT_THAT(r.status.message(), HasSubstr("outside a transaction set"));
  // Missing GS/GE around a transaction set.
  r = Read834(RemoveLine(RemoveLine(kThree, "GS*"), "GE*"));
  EXPECT_EQ(r.file_error_code, "FILE_X12_ENVELOPE");
  EXPECT_THAT(r.status.message(), HasSubstr("ST outside a functional group"));
  // A second ST before SE.
  r = Read834(Replace(kThree, "INS*N*19", "ST*834*0002~\nINS*N*19"));
  EXPECT_EQ(r.file_error_code, "FILE_X12_ENVELOPE");
}

TEST(X12ReaderTest, OtherTransactionsAndVersionsAreRejected) {
  Result r = Read834(Replace(kThree, "ST*834*0001", "ST*835*0001"));
  EXPECT_EQ(r.file_error_code, "FILE_X12_WRONG_TRANSACTION");
  EXPECT_THAT(r.status.message(), HasSubstr("not a 834"));
  r = Read834(Replace(kThree, "ST*834*0001*005010X220A1", "ST*834*0001*004010X095A1"));
  EXPECT_EQ(r.file_error_code, "FILE_X12_WRONG_TRANSACTION");
  r = Read834(Replace(kThree, "101*X*005010X220A1", "101*X*004010X095A1"));
  EXPECT_EQ(r.file_error_code, "FILE_X12_WRONG_TRANSACTION");
  r = Read834(Replace(kThree, "GS*BE*", "GS*HC*"));
  EXPECT_EQ(r.file_error_code, "FILE_X12_WRONG_TRANSACTION");
  // ST03 may be absent.
  r = Read834(Replace(kThree, "ST*834*0001*005010X220A1", "ST*834*0001"));
  EXPECT_TRUE(r.status.ok()) << r.status;
}

TEST(X12ReaderTest, NonX12AndEmptyInputs) {
  Result r = Read834("CIN,Last Name\n91234567A,Garcia\n");
  EXPECT_EQ(r.file_error_code, "FILE_NOT_X12");
  r = Read834("");
  EXPECT_EQ(r.file_error_code, "FILE_EMPTY");
  r = Read834(" \r\n\n");
  EXPECT_EQ(r.file_error_code, "FILE_EMPTY");
  // Component separator that is a letter.
  r = Read834(Replace(kThree, "*T*:~", "*T*A~"));
  EXPECT_EQ(r.file_error_code, "FILE_NOT_X12");
  // ISA with too few elements: never finds 16 separators.
  r = Read834("ISA*00*X~GS*BE~" + std::string(300, 'x'));
  EXPECT_EQ(r.file_error_code, "FILE_NOT_X12");
}

TEST(X12ReaderTest, WrongTerminatorMakesAnOverlongSegmentAFileError) {
  Edi834Options options;
  options.x12.max_segment_bytes = 256;
  // The ISA says '!' terminates segments, but the file uses '~'.
  std::string data = Replace(kThree, "*T*:~", "*T*:!");
  Result r = Read834(data, options);
  EXPECT_EQ(r.file_error_code, "FILE_X12_SEGMENT_TOO_LONG");
  EXPECT_THAT(r.status.message(), HasSubstr("terminator"));
}

TEST(X12ReaderTest, LongMemberLoopIsARowError) {
  Edi834Options options;
  options.x12.max_segment_bytes = 1 << 16;
  options.max_segments_per_loop = 5;
  Result r = Read834(kThree, options);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.ErrorCodes(),
              ElementsAre("ROW_LOOP_TOO_LONG", "ROW_LOOP_TOO_LONG", "ROW_LOOP_TOO_LONG"));
}

TEST(X12SegmentTest, ElementsAndComponents) {
  X12Separators seps;
  std::string text = "SV1*HC:G9008:U1*100**UN";
  std::vector<size_t> starts = {0, 4, 16, 20, 21};
  X12Segment s(text, &starts, &seps, 3, 2, 1);
  EXPECT_EQ(s.id(), "SV1");
  EXPECT_EQ(s.size(), 4u);
  EXPECT_EQ(s.element(1), "HC:G9008:U1");
  EXPECT_EQ(s.component(1, 1), "HC");
  EXPECT_EQ(s.component(1, 2), "G9008");
  EXPECT_EQ(s.component(1, 3), "U1");
  EXPECT_EQ(s.component(1, 4), "");
  EXPECT_EQ(s.element(3), "");
  EXPECT_EQ(s.element(4), "UN");
  EXPECT_EQ(s.element(5), "");
}

// Amounts as the 835 and 277CA carry them; anything but a plain decimal is
// refused. The fuzzer found "2e21" (a double's parser took it, and the cast
// to cents overflowed).
TEST(X12CentsTest, ReadsPlainDecimalsAndRefusesEverythingElse) {
  EXPECT_EQ(X12Cents(""), 0);
  EXPECT_EQ(X12Cents("125"), 12500);
  EXPECT_EQ(X12Cents("125.5"), 12550);
  EXPECT_EQ(X12Cents("-12.05"), -1205);
  EXPECT_EQ(X12Cents(".5"), 50);
  EXPECT_EQ(X12Cents("7."), 700);
  EXPECT_EQ(X12Cents("0.005"), 1);  // Half a cent rounds away from zero.
  EXPECT_EQ(X12Cents("-0.005"), -1);
  EXPECT_EQ(X12Cents("0.0049"), 0);
  EXPECT_EQ(X12Cents("9999999999999999"), 999999999999999900);  // 16 digits.
  for (std::string_view bad : {"2e21", "2026190000000000000000", "inf", "nan", "-", ".", "1.2.3",
                               "+5", " 5", "5 ", "1,000", "0x10", "--1", "12345678901234567"}) {
    EXPECT_EQ(X12Cents(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace hub::adapters
