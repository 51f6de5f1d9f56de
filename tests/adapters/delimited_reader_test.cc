#include "adapters/readers/delimited_reader.h"

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

DelimitedOptions MifOptions() {
  DelimitedOptions o;
  o.columns = {"CIN", "Last Name", "First Name", "ECM Start Date"};
  return o;
}

Result Read(const DelimitedOptions& options, std::string_view data) {
  return ReadAllWays(
      [&](RecordSink* sink) {
        auto reader = DelimitedReader::Create(options, sink);
        EXPECT_TRUE(reader.ok()) << reader.status();
        return std::unique_ptr<StreamReader>(std::move(*reader));
      },
      data);
}

TEST(DelimitedReaderTest, ReadsHeaderMappedRowsInAnyColumnOrder) {
  Result r = Read(MifOptions(),
                  "first name,CIN,ecm start date,LASTNAME,Extra\n"
                  "Maria,91234567A,01/15/2026,Garcia,x\n"
                  "Tuan,92345678B,02/01/2026,Nguyen,y\n");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.columns, ElementsAre("First Name", "CIN", "ECM Start Date", "Last Name", "Extra"));
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0], (Row{1, 2, {"Maria", "91234567A", "01/15/2026", "Garcia", "x"}}));
  EXPECT_EQ(r.rows[1], (Row{2, 3, {"Tuan", "92345678B", "02/01/2026", "Nguyen", "y"}}));
  EXPECT_EQ(r.Value(1, "CIN"), "92345678B");
  EXPECT_EQ(r.stats.rows_read, 2);
  EXPECT_EQ(r.stats.rows_rejected, 0);
}

TEST(DelimitedReaderTest, RecordGetResolvesNamesIgnoringCaseAndSpaces) {
  class Sink : public RecordSink {
   public:
    absl::Status OnColumns(const ColumnMap& columns) override {
      cin = columns.IndexOf("c i n");
      missing = columns.IndexOf("Phone");
      positional = columns.IndexOf("#2");
      return absl::OkStatus();
    }
    absl::Status OnRecord(const Record& record) override {
      last = std::string(record.Get("LAST name").value_or("?"));
      has_phone = record.Get("phone").has_value();
      return absl::OkStatus();
    }
    absl::Status OnRowError(const RowError&) override { return absl::OkStatus(); }
    std::optional<size_t> cin, missing, positional;
    std::string last;
    bool has_phone = true;
  } sink;
  auto reader = DelimitedReader::Create(MifOptions(), &sink);
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE(
      (*reader)->Feed("Last Name,CIN,First Name,ECM Start Date\nGarcia,91234567A,Maria,x\n").ok());
  ASSERT_TRUE((*reader)->Finish().ok());
  EXPECT_EQ(sink.cin, 1u);
  EXPECT_EQ(sink.missing, std::nullopt);
  EXPECT_EQ(sink.positional, 1u);
  EXPECT_EQ(sink.last, "Garcia");
  EXPECT_FALSE(sink.has_phone);
}

TEST(DelimitedReaderTest, Rfc4180QuotingDoubledQuotesEmbeddedDelimitersAndNewlines) {
  DelimitedOptions o;
  o.columns = {"id", "note", "city"};
  Result r = Read(o,
                  "id,note,city\r\n"
                  "1,\"says \"\"hi\"\", twice\",\"San Diego\"\r\n"
                  "2,\"line one\r\nline two\nline three\",Chula Vista\r\n"
                  "3,\"\",\"\"\r\n"
                  "4,,El Cajon\r\n");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.rows.size(), 4u);
  EXPECT_EQ(r.rows[0], (Row{1, 2, {"1", "says \"hi\", twice", "San Diego"}}));
  EXPECT_EQ(r.rows[1], (Row{2, 3, {"2", "line one\r\nline two\nline three", "Chula Vista"}}));
  // The quoted record spans lines 3-5, so the next starts on line 6.
  EXPECT_EQ(r.rows[2], (Row{3, 6, {"3", "", ""}}));
  EXPECT_EQ(r.rows[3], (Row{4, 7, {"4", "", "El Cajon"}}));
}

TEST(DelimitedReaderTest, LfCrlfAndLoneCrLineEndsAreEquivalent) {
  DelimitedOptions o;
  o.columns = {"a", "b"};
  const std::vector<Row> expected = {{1, 2, {"1", "x"}}, {2, 3, {"2", "y"}}};
  for (std::string_view eol : {"\n", "\r\n", "\r"}) {
    std::string data =
        "a,b" + std::string(eol) + "1,x" + std::string(eol) + "2,y" + std::string(eol);
    Result r = Read(o, data);
    ASSERT_TRUE(r.status.ok()) << r.status;
    EXPECT_EQ(r.rows, expected);
  }
  // No line break after the last record.
  Result r = Read(o, "a,b\r\n1,x\r\n2,y");
  EXPECT_EQ(r.rows, expected);
}

TEST(DelimitedReaderTest, SkipsUtf8BomAndBlankLines) {
  Result r = Read(MifOptions(),
                  "\xEF\xBB\xBF"
                  "CIN,Last Name,First Name,ECM Start Date\n"
                  "\n"
                  "91234567A,Garc\xC3\xAD"
                  "a,Mar\xC3\xAD"
                  "a,2026-01-01\n"
                  "   \n"
                  "\r\n"
                  "92345678B,Nguyen,Tuan,2026-01-01\n"
                  "\n");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.columns[0], "CIN");
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0], (Row{1,
                            3,
                            {"91234567A",
                             "Garc\xC3\xAD"
                             "a",
                             "Mar\xC3\xAD"
                             "a",
                             "2026-01-01"}}));
  EXPECT_EQ(r.rows[1], (Row{2, 6, {"92345678B", "Nguyen", "Tuan", "2026-01-01"}}));
}

TEST(DelimitedReaderTest, AMultiByteCharacterSplitAcrossChunksIsValid) {
  // ReadAllWays feeds byte by byte, splitting every multi-byte sequence.
  DelimitedOptions o;
  o.columns = {"name"};
  Result r = Read(o, "name\nJos\xC3\xA9\n\xE5\xBC\xA0\xE4\xBC\x9F\n\xF0\x9F\x98\x80\n");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(r.rows[0].fields[0], "Jos\xC3\xA9");
  EXPECT_TRUE(r.errors.empty());
}

TEST(DelimitedReaderTest, PipeAndTabDelimiters) {
  DelimitedOptions pipe;
  pipe.delimiter = '|';
  pipe.columns = {"CIN", "POF"};
  Result r = Read(pipe, "CIN|POF\n91234567A|\"1,3\"\n");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.rows[0].fields, (std::vector<std::string>{"91234567A", "1,3"}));

  DelimitedOptions tab = pipe;
  tab.delimiter = '\t';
  r = Read(tab, "CIN\tPOF\n91234567A\t1,3\n");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.rows[0].fields, (std::vector<std::string>{"91234567A", "1,3"}));
}

TEST(DelimitedReaderTest, PositionalWithoutHeader) {
  DelimitedOptions o;
  o.header = false;
  o.delimiter = '|';
  Result r = Read(o, "91234567A|Garcia|Maria\n92345678B|Nguyen|Tuan\n");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.columns, ElementsAre("", "", ""));
  EXPECT_EQ(r.rows[1], (Row{2, 2, {"92345678B", "Nguyen", "Tuan"}}));

  o.columns = {"cin", "last", "first"};
  r = Read(o, "91234567A|Garcia|Maria\n92345678B|Nguyen\n");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.columns, ElementsAre("cin", "last", "first"));
  ASSERT_EQ(r.rows.size(), 1u);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].reason_code, "ROW_FIELD_COUNT");
  EXPECT_EQ(r.errors[0].row_number, 2);
}

TEST(DelimitedReaderTest, PipeFileReadAsCommaIsAFileErrorAboutTheDelimiter) {
  Result r = Read(MifOptions(),
                  "CIN|Last Name|First Name|ECM Start Date\n91234567A|Garcia|Maria|2026-01-01\n");
  EXPECT_EQ(r.file_error_code, "FILE_WRONG_DELIMITER");
  EXPECT_THAT(r.status.message(), HasSubstr("pipe"));
  EXPECT_THAT(r.status.message(), HasSubstr("1 column where 4 were expected"));
  EXPECT_TRUE(r.rows.empty());

  DelimitedOptions positional;
  positional.header = false;
  positional.columns = {"cin", "last", "first"};
  r = Read(positional, "91234567A\tGarcia\tMaria\n");
  EXPECT_EQ(r.file_error_code, "FILE_WRONG_DELIMITER");
  EXPECT_THAT(r.status.message(), HasSubstr("tab"));
  // Found by the fuzzer: blanks after a closing quote must not depend on
  // chunking (ReadAllWays checks), nor hide the tab from the message.
  r = Read(positional, "\"\"\t\"");
  EXPECT_EQ(r.file_error_code, "FILE_WRONG_DELIMITER");
  EXPECT_THAT(r.status.message(), HasSubstr("tab"));
}

TEST(DelimitedReaderTest, MissingRequiredColumnsRejectTheFile) {
  Result r = Read(MifOptions(), "CIN,First Name,Phone\n91234567A,Maria,6195550134\n");
  EXPECT_EQ(r.file_error_code, "FILE_MISSING_COLUMNS");
  EXPECT_THAT(r.status.message(), HasSubstr("Last Name, ECM Start Date"));
  EXPECT_TRUE(r.rows.empty());
}

TEST(DelimitedReaderTest, OptionalColumnsMayBeAbsent) {
  DelimitedOptions o = MifOptions();
  o.optional_columns = {"Phone"};
  Result r = Read(o, "CIN,Last Name,First Name,ECM Start Date\n1,2,3,4\n");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.rows.size(), 1u);
}

TEST(DelimitedReaderTest, UnknownColumnsRejectOnlyWhenAskedAndAreNotEchoed) {
  DelimitedOptions o = MifOptions();
  o.reject_unknown_columns = true;
  // A file without its header: the first data row is taken as the header.
  Result r = Read(o, "CIN,Last Name,First Name,ECM Start Date,SECRETPHI\n1,2,3,4,5\n");
  EXPECT_EQ(r.file_error_code, "FILE_UNKNOWN_COLUMNS");
  EXPECT_THAT(r.status.message(), HasSubstr("#5"));
  testing::ExpectNoSecretInMessages(r, "SECRETPHI");
}

TEST(DelimitedReaderTest, DuplicateConfiguredColumnRejectsTheFile) {
  Result r = Read(MifOptions(), "CIN,Last Name,First Name,ECM Start Date,cin\n1,2,3,4,5\n");
  EXPECT_EQ(r.file_error_code, "FILE_DUPLICATE_COLUMNS");
  EXPECT_THAT(r.status.message(), HasSubstr("CIN"));
}

TEST(DelimitedReaderTest, WrongFieldCountIsARowErrorAndTheNextRowIsRead) {
  Result r = Read(MifOptions(),
                  "CIN,Last Name,First Name,ECM Start Date\n"
                  "91234567A,Garcia,Maria\n"
                  "92345678B,Nguyen,Tuan,2026-01-01,extra\n"
                  "93456789C,Lopez,Ana,2026-01-01\n");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].row_number, 1);
  EXPECT_EQ(r.errors[0].line_number, 2);
  EXPECT_EQ(r.errors[0].reason_code, "ROW_FIELD_COUNT");
  EXPECT_THAT(r.errors[0].message, HasSubstr("has 3 fields but 4 are expected"));
  EXPECT_EQ(r.errors[1].row_number, 2);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].row, 3);
  EXPECT_EQ(r.stats.rows_read, 3);
  EXPECT_EQ(r.stats.rows_rejected, 2);
}

TEST(DelimitedReaderTest, HugeFieldIsARowErrorNamingTheColumnAndTheNextRowIsRead) {
  DelimitedOptions o = MifOptions();
  o.max_field_bytes = 64;
  std::string huge(1 << 20, 'S');  // 1 MiB, far beyond the limit
  std::string data = "CIN,Last Name,First Name,ECM Start Date\n91234567A," + huge +
                     ",Maria,2026-01-01\n92345678B,Nguyen,Tuan,2026-01-01\n";
  // Whole and in 4 KiB chunks (byte-by-byte would be slow for 1 MiB).
  for (size_t chunk : {data.size(), size_t{4096}, size_t{7}}) {
    Result r = testing::ReadWith(
        [&](RecordSink* sink) {
          return std::unique_ptr<StreamReader>(*DelimitedReader::Create(o, sink));
        },
        data, [chunk] { return chunk; });
    ASSERT_TRUE(r.status.ok()) << r.status;
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].reason_code, "ROW_FIELD_TOO_LONG");
    EXPECT_EQ(r.errors[0].field, "Last Name");
    EXPECT_EQ(r.errors[0].row_number, 1);
    EXPECT_THAT(r.errors[0].message, HasSubstr("1048576 bytes"));
    EXPECT_EQ(r.errors[0].message.find("SSSS"), std::string::npos);
    ASSERT_EQ(r.rows.size(), 1u);
    EXPECT_EQ(r.rows[0].fields[0], "92345678B");
  }
}

TEST(DelimitedReaderTest, RecordOverMaxRecordBytesIsARowError) {
  DelimitedOptions o;
  o.columns = {"a", "b", "c"};
  o.max_field_bytes = 10;
  o.max_record_bytes = 16;
  Result r = Read(o, "a,b,c\n0123456789,0123456789,x\n1,2,3\n");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.ErrorCodes(), ElementsAre("ROW_RECORD_TOO_LONG"));
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].row, 2);
}

TEST(DelimitedReaderTest, TooManyFieldsIsARowErrorWithBoundedMemory) {
  DelimitedOptions o;
  o.columns = {"a", "b"};
  o.max_fields = 8;
  Result r = Read(o, "a,b\n" + std::string(100, ',') + "\n1,2\n");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].reason_code, "ROW_FIELD_COUNT");
  EXPECT_THAT(r.errors[0].message, HasSubstr("101 fields"));
  EXPECT_EQ(r.rows.size(), 1u);
}

TEST(DelimitedReaderTest, InvalidUtf8IsARowErrorNamingTheColumn) {
  Result r = Read(MifOptions(),
                  "CIN,Last Name,First Name,ECM Start Date\n"
                  "91234567A,Garc\xED"
                  "a,Maria,2026-01-01\n"                     // Latin-1 i-acute
                  "92345678B,Nguyen,\xC3,2026-01-01\n"       // truncated sequence
                  "93456789C,\xED\xA0\x80,Ana,2026-01-01\n"  // UTF-16 surrogate
                  "94567890D,Lee,\xC0\xAF,2026-01-01\n"      // overlong '/'
                  "95678901E,Kim,Jin,2026-01-01\n");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.errors.size(), 4u);
  EXPECT_EQ(r.errors[0], (RowError{1, 2, 0, "Last Name", "ROW_INVALID_UTF8", r.errors[0].message}));
  EXPECT_EQ(r.errors[1].field, "First Name");
  EXPECT_EQ(r.errors[2].field, "Last Name");
  EXPECT_EQ(r.errors[3].field, "First Name");
  EXPECT_THAT(r.errors[0].message, HasSubstr("UTF-8"));
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].row, 5);
}

TEST(DelimitedReaderTest, UnterminatedQuoteAtEndOfFileIsARowError) {
  Result r = Read(MifOptions(),
                  "CIN,Last Name,First Name,ECM Start Date\n"
                  "91234567A,Garcia,Maria,2026-01-01\n"
                  "92345678B,\"Nguyen,Tuan,2026-01-01\n"
                  "93456789C,Lopez,Ana,2026-01-01\n");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].reason_code, "ROW_UNTERMINATED_QUOTE");
  EXPECT_EQ(r.errors[0].row_number, 2);
  EXPECT_EQ(r.errors[0].line_number, 3);
  EXPECT_EQ(r.rows.size(), 1u);
}

TEST(DelimitedReaderTest, TextAfterClosingQuoteIsARowError) {
  Result r = Read(MifOptions(),
                  "CIN,Last Name,First Name,ECM Start Date\n"
                  "91234567A,\"Garcia\"SECRETPHI,Maria,2026-01-01\n"
                  "92345678B,O\"Brien,Tuan,2026-01-01\n"
                  "93456789C,\"Lopez\"  ,\"Ana\"\t,2026-01-01\n");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].reason_code, "ROW_INVALID_QUOTE");
  EXPECT_EQ(r.errors[0].field, "Last Name");
  testing::ExpectNoSecretInMessages(r, "SECRETPHI");
  // Spaces after a closing quote are dropped; a quote inside an unquoted
  // field is kept as data.
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].fields[1], "O\"Brien");
  EXPECT_EQ(r.rows[1].fields[1], "Lopez");
  EXPECT_EQ(r.rows[1].fields[2], "Ana");
}

TEST(DelimitedReaderTest, EmptyFilesAreFileErrors) {
  for (std::string_view data : {"", "\xEF\xBB\xBF", "\n\n  \r\n", "\xEF\xBB"}) {
    Result r = Read(MifOptions(), data);
    if (data == "\xEF\xBB") {
      // Two bytes of a BOM are not a BOM: they are a (bad) header.
      EXPECT_EQ(r.file_error_code, "FILE_BAD_HEADER");
      continue;
    }
    EXPECT_EQ(r.file_error_code, "FILE_EMPTY") << ::testing::PrintToString(data);
  }
  Result header_only = Read(MifOptions(), "CIN,Last Name,First Name,ECM Start Date\n");
  EXPECT_EQ(header_only.file_error_code, "FILE_EMPTY");
  EXPECT_THAT(header_only.status.message(), HasSubstr("header but no data rows"));

  DelimitedOptions o = MifOptions();
  o.reject_empty = false;
  EXPECT_TRUE(Read(o, "CIN,Last Name,First Name,ECM Start Date\n").status.ok());
}

TEST(DelimitedReaderTest, TrailerCountMatchesDataRowsIncludingRejectedOnes) {
  DelimitedOptions o = MifOptions();
  o.trailer_tags = {"TRAILER", "TRL"};
  Result r = Read(o,
                  "CIN,Last Name,First Name,ECM Start Date\n"
                  "91234567A,Garcia,Maria,2026-01-01\n"
                  "92345678B,Nguyen\n"
                  "trl,2\n");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.stats.rows_read, 2);

  // A zero-count trailer makes an empty file acceptable.
  EXPECT_TRUE(Read(o, "CIN,Last Name,First Name,ECM Start Date\nTRAILER,0\n").status.ok());
}

TEST(DelimitedReaderTest, TrailerProblemsAreFileErrors) {
  DelimitedOptions o = MifOptions();
  o.trailer_tags = {"TRL"};
  const std::string header = "CIN,Last Name,First Name,ECM Start Date\n";
  const std::string row = "91234567A,Garcia,Maria,2026-01-01\n";

  Result r = Read(o, header + row + row + "TRL,3\n");
  EXPECT_EQ(r.file_error_code, "FILE_TRAILER_MISMATCH");
  EXPECT_THAT(r.status.message(), HasSubstr("says 3 data records but the file has 2"));

  r = Read(o, header + row + row);
  EXPECT_EQ(r.file_error_code, "FILE_TRAILER_MISSING");
  EXPECT_THAT(r.status.message(), HasSubstr("truncated"));

  r = Read(o, header + row + "TRL,1\n" + row);
  EXPECT_EQ(r.file_error_code, "FILE_DATA_AFTER_TRAILER");

  r = Read(o, header + row + "TRL,one\n");
  EXPECT_EQ(r.file_error_code, "FILE_BAD_TRAILER");

  r = Read(o, header + row + "TRL,1\nTRL,1\n");
  EXPECT_EQ(r.file_error_code, "FILE_BAD_TRAILER");

  // Trailer count in another column.
  o.trailer_count_column = 3;
  EXPECT_TRUE(Read(o, header + row + "TRL,20260101,1\n").status.ok());
}

TEST(DelimitedReaderTest, HeaderProblemsAreFileErrors) {
  Result r = Read(MifOptions(), "CIN,\"Last Name,First Name,ECM Start Date\n1,2,3,4\n");
  EXPECT_EQ(r.file_error_code, "FILE_BAD_HEADER");
  r = Read(MifOptions(), "CIN,Last\xFFName,First Name,ECM Start Date\n1,2,3,4\n");
  EXPECT_EQ(r.file_error_code, "FILE_BAD_HEADER");
}

TEST(DelimitedReaderTest, SinkErrorStopsTheReaderAndItStaysSpent) {
  class FailingSink : public RecordSink {
   public:
    absl::Status OnRecord(const Record& record) override {
      return record.row_number() == 2 ? absl::ResourceExhaustedError("stop") : absl::OkStatus();
    }
    absl::Status OnRowError(const RowError&) override { return absl::OkStatus(); }
  } sink;
  auto reader = DelimitedReader::Create(MifOptions(), &sink);
  ASSERT_TRUE(reader.ok());
  absl::Status s =
      (*reader)->Feed("CIN,Last Name,First Name,ECM Start Date\n1,2,3,4\n1,2,3,4\n1,2,3,4\n");
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(FileErrorCode(s), "");
  EXPECT_EQ((*reader)->Feed("x").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*reader)->Finish().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(DelimitedReaderTest, FinishTwiceIsFailedPrecondition) {
  testing::Result result;
  testing::CollectingSink sink(&result);
  auto reader = DelimitedReader::Create(MifOptions(), &sink);
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*reader)->Feed("CIN,Last Name,First Name,ECM Start Date\n1,2,3,4").ok());
  ASSERT_TRUE((*reader)->Finish().ok());
  EXPECT_EQ(result.rows.size(), 1u);
  EXPECT_EQ((*reader)->Finish().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(DelimitedReaderTest, InvalidOptionsAreRejected) {
  testing::Result result;
  testing::CollectingSink sink(&result);
  DelimitedOptions o;
  o.delimiter = 'x';
  EXPECT_EQ(DelimitedReader::Create(o, &sink).status().code(), absl::StatusCode::kInvalidArgument);
  o = MifOptions();
  o.optional_columns = {"c I n"};
  EXPECT_EQ(DelimitedReader::Create(o, &sink).status().code(), absl::StatusCode::kInvalidArgument);
  o = MifOptions();
  o.max_field_bytes = 0;
  EXPECT_FALSE(ValidateDelimitedOptions(o).ok());
}

TEST(DelimitedReaderTest, RowErrorMessagesNeverEchoFieldValues) {
  DelimitedOptions o = MifOptions();
  o.max_field_bytes = 15;
  Result r = Read(o,
                  "CIN,Last Name,First Name,ECM Start Date\n"
                  "SECRETPHI,SECRETPHI-TOO-LONG,x,y\n"
                  "SECRETPHI,\xFFSECRETPHI,x,y\n"
                  "SECRETPHI,SECRETPHI\n"
                  "SECRETPHI,\"SECRETPHI\"SECRETPHI,x,y\n"
                  "SECRETPHI,\"SECRETPHI");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.ErrorCodes(),
              ElementsAre("ROW_FIELD_TOO_LONG", "ROW_INVALID_UTF8", "ROW_FIELD_COUNT",
                          "ROW_INVALID_QUOTE", "ROW_UNTERMINATED_QUOTE"));
  testing::ExpectNoSecretInMessages(r, "SECRETPHI");
}

TEST(DelimitedReaderTest, LineNumbersCountEveryPhysicalLine) {
  DelimitedOptions o;
  o.columns = {"a", "b"};
  o.trailer_tags = {"TRL"};
  Result r = Read(o, "\r\na,b\r\n\r\n1,\"x\r\ny\"\r\n2,z\r\nTRL,3\r\n");
  EXPECT_EQ(r.file_error_code, "FILE_TRAILER_MISMATCH");
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].line, 4);
  EXPECT_EQ(r.rows[1].line, 6);
}

}  // namespace
}  // namespace hub::adapters
