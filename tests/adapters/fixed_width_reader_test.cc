#include "adapters/readers/fixed_width_reader.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/adapters/reader_test_util.h"

namespace hub::adapters {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::ReadAllWays;
using testing::Result;
using testing::Row;

// A representative layout: record type (1), CIN (2-10), last name (11-25),
// first name (26-35), ECM start YYYYMMDD (36-43). 43 bytes per record.
// Header: "H" + file date at 2-9. Trailer: "T" + 9-digit count at 2-10.
FixedWidthOptions Layout() {
  FixedWidthOptions o;
  o.columns = {{"RecordType", 1, 1},
               {"CIN", 2, 9},
               {"LastName", 11, 15},
               {"FirstName", 26, 10},
               {"EcmStart", 36, 8}};
  o.record_length = 43;
  o.record_type_column = "RecordType";
  o.header_record_type = "H";
  o.data_record_type = "D";
  o.trailer_record_type = "T";
  o.trailer_count_column = "CIN";
  return o;
}

// Pads `s` to `n` bytes with spaces.
std::string Pad(std::string s, size_t n) {
  s.resize(n, ' ');
  return s;
}

std::string Data(std::string cin, std::string last, std::string first, std::string start) {
  return "D" + Pad(cin, 9) + Pad(last, 15) + Pad(first, 10) + Pad(start, 8);
}

const std::string kHeader = Pad("H20260105", 43);
std::string Trailer(int n) {
  std::string count = std::to_string(n);
  return Pad("T" + std::string(9 - count.size(), '0') + count, 43);
}

Result Read(const FixedWidthOptions& options, std::string_view data) {
  return ReadAllWays(
      [&](RecordSink* sink) {
        auto reader = FixedWidthReader::Create(options, sink);
        EXPECT_TRUE(reader.ok()) << reader.status();
        return std::unique_ptr<StreamReader>(std::move(*reader));
      },
      data);
}

TEST(FixedWidthReaderTest, ReadsColumnsTrimmedWithHeaderAndTrailer) {
  const std::string file = kHeader + "\r\n" + Data("91234567A", "GARCIA", "MARIA", "20260101") +
                           "\r\n" + Data("92345678B", "DE LA CRUZ", "JOSE LUIS", "20260215") +
                           "\r\n" + Trailer(2) + "\r\n";
  Result r = Read(Layout(), file);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.columns, ElementsAre("RecordType", "CIN", "LastName", "FirstName", "EcmStart"));
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0], (Row{1, 2, {"D", "91234567A", "GARCIA", "MARIA", "20260101"}}));
  EXPECT_EQ(r.rows[1], (Row{2, 3, {"D", "92345678B", "DE LA CRUZ", "JOSE LUIS", "20260215"}}));
  EXPECT_EQ(r.stats.rows_read, 2);
}

TEST(FixedWidthReaderTest, TrimModes) {
  FixedWidthOptions o;
  o.columns = {{"a", 1, 5}, {"b", 6, 5}};
  const std::string file = "  x    y \n";
  o.trim = FixedWidthTrim::kNone;
  EXPECT_EQ(Read(o, file).rows[0].fields, (std::vector<std::string>{"  x  ", "  y "}));
  o.trim = FixedWidthTrim::kRight;
  EXPECT_EQ(Read(o, file).rows[0].fields, (std::vector<std::string>{"  x", "  y"}));
  o.trim = FixedWidthTrim::kBoth;
  EXPECT_EQ(Read(o, file).rows[0].fields, (std::vector<std::string>{"x", "y"}));
}

TEST(FixedWidthReaderTest, WithoutRecordLengthShortRecordsReadAsPadded) {
  FixedWidthOptions o;
  o.columns = {{"cin", 1, 9}, {"name", 10, 10}};
  Result r = Read(o,
                  "\xEF\xBB\xBF"
                  "91234567AGARCIA\n\n92345678B\n");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0], (Row{1, 1, {"91234567A", "GARCIA"}}));
  EXPECT_EQ(r.rows[1], (Row{2, 3, {"92345678B", ""}}));
}

TEST(FixedWidthReaderTest, WrongRecordLengthIsARowError) {
  const std::string file = kHeader + "\n" + Data("91234567A", "GARCIA", "MARIA", "20260101") +
                           "X\n" + Data("92345678B", "NGUYEN", "TUAN", "20260101").substr(0, 40) +
                           "\n" + Data("93456789C", "LOPEZ", "ANA", "20260101") + "\n" +
                           Trailer(3) + "\n";
  Result r = Read(Layout(), file);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.ErrorCodes(), ElementsAre("ROW_RECORD_LENGTH", "ROW_RECORD_LENGTH"));
  EXPECT_EQ(r.errors[0].row_number, 1);
  EXPECT_EQ(r.errors[0].line_number, 2);
  EXPECT_THAT(r.errors[0].message, HasSubstr("44 bytes long; the layout's records are 43"));
  EXPECT_EQ(r.errors[1].row_number, 2);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].row, 3);
  EXPECT_EQ(r.stats.rows_rejected, 2);
}

TEST(FixedWidthReaderTest, NoRecordOfTheLayoutLengthIsAFileError) {
  // A CSV sent where a fixed-width file was agreed.
  FixedWidthOptions o = Layout();
  o.header_record_type.clear();
  o.trailer_record_type.clear();
  o.trailer_count_column.clear();
  o.data_record_type.clear();
  Result r = Read(o, "CIN,Last,First\n91234567A,Garcia,Maria\n");
  EXPECT_EQ(r.file_error_code, "FILE_WRONG_LAYOUT");
}

TEST(FixedWidthReaderTest, UnknownRecordTypeIsARowError) {
  std::string odd = Data("91234567A", "GARCIA", "MARIA", "20260101");
  odd[0] = 'X';
  const std::string file = kHeader + "\n" + odd + "\n" +
                           Data("92345678B", "NGUYEN", "TUAN", "20260101") + "\n" + Trailer(2);
  Result r = Read(Layout(), file);
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].reason_code, "ROW_UNKNOWN_RECORD_TYPE");
  EXPECT_EQ(r.errors[0].field, "RecordType");
  EXPECT_EQ(r.rows.size(), 1u);
}

TEST(FixedWidthReaderTest, InvalidUtf8IsARowError) {
  const std::string file = kHeader + "\n" +
                           Data("91234567A",
                                "GARC\xCD"
                                "A",
                                "MARIA", "20260101") +
                           "\n" + Data("92345678B", "NGUYEN", "TUAN", "20260101") + "\n" +
                           Trailer(2) + "\n";
  Result r = Read(Layout(), file);
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].reason_code, "ROW_INVALID_UTF8");
  EXPECT_EQ(r.errors[0].field, "LastName");
  EXPECT_EQ(r.rows.size(), 1u);
}

TEST(FixedWidthReaderTest, OverlongLineIsARowErrorAndTheNextLineIsRead) {
  FixedWidthOptions o = Layout();
  o.max_record_bytes = 64;
  const std::string file = kHeader + "\n" + std::string(100000, 'D') + "\n" +
                           Data("92345678B", "NGUYEN", "TUAN", "20260101") + "\n" + Trailer(2);
  Result r = testing::ReadWith(
      [&](RecordSink* sink) {
        return std::unique_ptr<StreamReader>(*FixedWidthReader::Create(o, sink));
      },
      file, [] { return size_t{333}; });
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.ErrorCodes(), ElementsAre("ROW_RECORD_TOO_LONG"));
  EXPECT_EQ(r.rows.size(), 1u);
}

TEST(FixedWidthReaderTest, HeaderAndTrailerProblemsAreFileErrors) {
  const std::string d1 = Data("91234567A", "GARCIA", "MARIA", "20260101");
  Result r = Read(Layout(), d1 + "\n" + Trailer(1));
  EXPECT_EQ(r.file_error_code, "FILE_BAD_HEADER");
  r = Read(Layout(), kHeader + "\n" + d1 + "\n" + kHeader + "\n" + Trailer(1));
  EXPECT_EQ(r.file_error_code, "FILE_BAD_HEADER");
  r = Read(Layout(), kHeader + "\n" + d1 + "\n");
  EXPECT_EQ(r.file_error_code, "FILE_TRAILER_MISSING");
  r = Read(Layout(), kHeader + "\n" + d1 + "\n" + Trailer(5) + "\n");
  EXPECT_EQ(r.file_error_code, "FILE_TRAILER_MISMATCH");
  EXPECT_THAT(r.status.message(), HasSubstr("says 5 data records but the file has 1"));
  r = Read(Layout(), kHeader + "\n" + Trailer(0) + "\n" + d1 + "\n");
  EXPECT_EQ(r.file_error_code, "FILE_DATA_AFTER_TRAILER");
  r = Read(Layout(), kHeader + "\n" + d1 + "\nT ABC\n");
  EXPECT_EQ(r.file_error_code, "FILE_BAD_TRAILER");
  r = Read(Layout(), "");
  EXPECT_EQ(r.file_error_code, "FILE_EMPTY");
  r = Read(Layout(), kHeader + "\n" + Trailer(0) + "\n");
  EXPECT_TRUE(r.status.ok()) << r.status;
  FixedWidthOptions no_trailer = Layout();
  no_trailer.trailer_record_type.clear();
  no_trailer.trailer_count_column.clear();
  r = Read(no_trailer, kHeader + "\n");
  EXPECT_EQ(r.file_error_code, "FILE_EMPTY");
}

TEST(FixedWidthReaderTest, InvalidOptionsAreRejected) {
  testing::Result result;
  testing::CollectingSink sink(&result);
  FixedWidthOptions o = Layout();
  o.columns.push_back({"cin", 1, 2});
  EXPECT_FALSE(FixedWidthReader::Create(o, &sink).ok());
  o = Layout();
  o.columns[1].start = 0;
  EXPECT_FALSE(FixedWidthReader::Create(o, &sink).ok());
  o = Layout();
  o.columns[4].length = 9;  // ends at 44 > 43
  EXPECT_FALSE(FixedWidthReader::Create(o, &sink).ok());
  o = Layout();
  o.record_type_column = "Nope";
  EXPECT_FALSE(FixedWidthReader::Create(o, &sink).ok());
  o = Layout();
  o.trailer_record_type = "D";
  EXPECT_FALSE(FixedWidthReader::Create(o, &sink).ok());
  o = Layout();
  o.trailer_record_type.clear();
  EXPECT_FALSE(FixedWidthReader::Create(o, &sink).ok());  // count column without trailer
  EXPECT_FALSE(FixedWidthReader::Create(FixedWidthOptions(), &sink).ok());
  EXPECT_TRUE(FixedWidthReader::Create(Layout(), &sink).ok());
}

TEST(FixedWidthReaderTest, MessagesNeverEchoValues) {
  std::string bad_type = Data("SECRETPHI", "SECRETPHI", "X", "20260101");
  bad_type[0] = 'Q';
  const std::string file = kHeader + "\n" + bad_type + "\n" +
                           Data("SECRETPHI", "SECRETPHI", "X", "2026") + "SECRETPHI\n" +
                           Data("SECRETPHI", "SECRET\xFFPHI", "X", "20260101") + "\n" + Trailer(3);
  Result r = Read(Layout(), file);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.ErrorCodes(),
              ElementsAre("ROW_UNKNOWN_RECORD_TYPE", "ROW_RECORD_LENGTH", "ROW_INVALID_UTF8"));
  testing::ExpectNoSecretInMessages(r, "SECRETPHI");
}

}  // namespace
}  // namespace hub::adapters
