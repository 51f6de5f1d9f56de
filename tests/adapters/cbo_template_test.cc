// The standard CBO CSV template: the compiled-in profile, the documented
// example file (docs/examples/cbo-submissions.csv) read into submissions, the
// per-record-type checks of SubmissionFromTemplateRow (one test per reason
// code), the mapping errors of the template's columns, and the round trip
// Submission -> template row -> CSV bytes -> Submission.

#include "adapters/templates/cbo_template.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "adapters/mapping/row_mapper.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/adapters/export_test_util.h"

namespace hub::adapters {
namespace {

using google::protobuf::util::MessageDifferencer;
using hub::v1::CboTemplateRow;
using hub::v1::Submission;
using testing::ReadFile;
using testing::SourceDir;

class Collect : public SubmissionSink {
 public:
  absl::Status OnSubmission(int64_t row_number, const Submission& s) override {
    rows.push_back(row_number);
    submissions.push_back(s);
    return absl::OkStatus();
  }
  absl::Status OnRowError(const RowError& e) override {
    errors.push_back(e);
    return absl::OkStatus();
  }
  std::string ErrorsText() const {
    std::string out;
    for (const auto& e : errors)
      absl::StrAppend(&out, e.row_number, ":", e.field, ":", e.reason_code, " ");
    return out;
  }
  std::vector<int64_t> rows;
  std::vector<Submission> submissions;
  std::vector<RowError> errors;
};

absl::Status ReadTemplate(std::string_view bytes, Collect& sink, ReaderStats* stats = nullptr) {
  auto reader = OpenCboTemplateReader(&sink);
  if (!reader.ok()) return reader.status();
  for (size_t at = 0; at < bytes.size(); at += 13) {
    if (absl::Status s = (*reader)->Feed(bytes.substr(at, 13)); !s.ok()) return s;
  }
  absl::Status s = (*reader)->Finish();
  if (stats != nullptr) *stats = (*reader)->stats();
  return s;
}

// A CSV with the template's header and the given rows (column -> value).
std::string Csv(const std::vector<std::map<std::string, std::string>>& rows) {
  const std::vector<std::string> columns = CboTemplateColumns();
  std::string out = absl::StrCat(absl::StrJoin(columns, ","), "\r\n");
  for (const auto& row : rows) {
    std::vector<std::string> values;
    for (const auto& c : columns) {
      auto it = row.find(c);
      values.push_back(it == row.end() ? "" : it->second);
    }
    absl::StrAppend(&out, absl::StrJoin(values, ","), "\r\n");
  }
  return out;
}

std::map<std::string, std::string> GoodRow(const std::string& type) {
  std::map<std::string, std::string> r = {
      {"record_type", type}, {"cin", "99898657G"}, {"record_date", "2026-11-03"}};
  if (type == "outreach") {
    r.insert({{"method", "telephone"}, {"successful", "N"}, {"minutes", "15"}});
  } else if (type == "enrollment_status") {
    r.insert({{"ecm_status", "enrolled"}});
  } else if (type == "service") {
    r.insert({{"hcpcs_code", "G9008"},
              {"units", "1"},
              {"place_of_service", "12"},
              {"in_person", "Y"},
              {"staff_type", "clinical"},
              {"diagnosis_codes", "Z59.00"}});
  } else if (type == "invoice_line") {
    r.insert({{"invoice_number", "INV-1"},
              {"line_number", "1"},
              {"hcpcs_code", "G9008"},
              {"units", "1"},
              {"charge", "125.00"}});
  } else if (type == "referral_status") {
    r.insert({{"authorization_number", "AUTH-1"}, {"referral_status", "accepted"}});
  }
  return r;
}

TEST(CboTemplateTest, ProfileCompilesAndDocumentedExampleMatchesTheColumns) {
  auto adapter = CboTemplateAdapter();
  ASSERT_TRUE(adapter.ok()) << adapter.status();
  EXPECT_TRUE((*adapter)->Handles(hub::v1::FILE_KIND_CBO_SUBMISSIONS));
  EXPECT_EQ(CboTemplateProfile().name(), "cbo_template");
  const std::vector<std::string> columns = CboTemplateColumns();
  EXPECT_EQ(columns.size(), 46u);
  EXPECT_EQ(columns.front(), "record_type");
  // Every CboTemplateRow field is a column of the same name.
  std::set<std::string> fields;
  const auto* d = CboTemplateRow::descriptor();
  for (int i = 0; i < d->field_count(); ++i) fields.insert(d->field(i)->name());
  EXPECT_EQ(std::set<std::string>(columns.begin(), columns.end()), fields);
  // The example's header is the template's header, and the doc lists every column.
  auto example = ReadFile(SourceDir() / "docs" / "examples" / "cbo-submissions.csv");
  ASSERT_TRUE(example.ok()) << example.status();
  EXPECT_TRUE(absl::StartsWith(*example, absl::StrCat(absl::StrJoin(columns, ","), "\r\n")));
  auto doc = ReadFile(SourceDir() / "docs" / "cbo-csv-template.md");
  ASSERT_TRUE(doc.ok()) << doc.status();
  for (const auto& c : columns) {
    EXPECT_TRUE(absl::StrContains(*doc, absl::StrCat("| `", c, "` |"))) << c << " undocumented";
  }
}

TEST(CboTemplateTest, ReadsTheDocumentedExample) {
  auto example = ReadFile(SourceDir() / "docs" / "examples" / "cbo-submissions.csv");
  ASSERT_TRUE(example.ok()) << example.status();
  Collect sink;
  ReaderStats stats;
  absl::Status s = ReadTemplate(*example, sink, &stats);
  ASSERT_TRUE(s.ok()) << s;
  ASSERT_TRUE(sink.errors.empty()) << sink.ErrorsText();
  ASSERT_EQ(sink.submissions.size(), 9u);
  EXPECT_EQ(stats.rows_read, 9);
  EXPECT_EQ(stats.rows_rejected, 0);
  std::map<Submission::RecordCase, int> kinds;
  for (const auto& sub : sink.submissions) ++kinds[sub.record_case()];
  EXPECT_EQ(kinds[Submission::kOutreachAttempt], 2);
  EXPECT_EQ(kinds[Submission::kEnrollmentStatus], 2);
  EXPECT_EQ(kinds[Submission::kService], 2);
  EXPECT_EQ(kinds[Submission::kInvoiceLine], 1);
  EXPECT_EQ(kinds[Submission::kReferralStatus], 2);

  const auto& outreach = sink.submissions[1];
  EXPECT_EQ(outreach.idempotency_key(), "harbor-2026-11-0002");
  EXPECT_EQ(outreach.outreach_attempt().method(), hub::v1::OUTREACH_METHOD_IN_PERSON);
  EXPECT_TRUE(outreach.outreach_attempt().successful());
  EXPECT_EQ(outreach.outreach_attempt().minutes(), 45);
  EXPECT_EQ(outreach.outreach_attempt().attempt_date(), "2026-11-04");
  EXPECT_EQ(outreach.outreach_attempt().authorization_number(), "AUTH-2026-000200");

  const auto& enrolled = sink.submissions[2].enrollment_status();
  EXPECT_EQ(enrolled.status(), hub::v1::ENROLLMENT_STATUS_ENROLLED);
  EXPECT_EQ(enrolled.acuity(), hub::v1::ACUITY_HIGH);
  EXPECT_EQ(enrolled.as_of_date(), "2026-11-30");
  EXPECT_EQ(enrolled.lead_care_manager().phone(), "6195550177");  // digits only
  EXPECT_EQ(enrolled.in_person_encounters(), 3);
  EXPECT_EQ(enrolled.new_address().city(), "San Diego");
  ASSERT_TRUE(enrolled.has_experiencing_homelessness());
  EXPECT_TRUE(enrolled.experiencing_homelessness());
  EXPECT_FALSE(enrolled.has_discontinuation());
  const auto& discontinued = sink.submissions[3].enrollment_status();
  EXPECT_EQ(discontinued.discontinuation().dhcs_code(), 3);
  EXPECT_EQ(discontinued.discontinuation().date(), "2026-11-30");
  EXPECT_EQ(discontinued.new_phone(), "6195550199");
  EXPECT_FALSE(discontinued.has_new_address());

  const auto& service = sink.submissions[4].service();
  EXPECT_EQ(service.hcpcs_code(), "G9008");
  EXPECT_EQ(service.charge_cents(), 12500);
  EXPECT_EQ(service.staff_type(), hub::v1::STAFF_TYPE_NON_CLINICAL);
  ASSERT_EQ(service.diagnosis_codes_size(), 2);
  EXPECT_EQ(service.diagnosis_codes(1), "F20.9");
  EXPECT_TRUE(service.in_person());
  EXPECT_EQ(sink.submissions[5].service().charge_cents(), 30050);

  const auto& line = sink.submissions[6].invoice_line();
  EXPECT_EQ(line.charge_cents(), 15025);
  EXPECT_EQ(line.line_number(), 1);
  EXPECT_EQ(line.service_date(), "2026-11-21");

  const auto& closed = sink.submissions[8].referral_status();
  EXPECT_EQ(closed.status(), hub::v1::REFERRAL_STATUS_CLOSED);
  EXPECT_EQ(closed.closure_reason(), hub::v1::LOOP_CLOSURE_REASON_OTHER);
  EXPECT_EQ(closed.status_date(), "2026-11-28");
}

// Each record type's required columns: blanking one rejects the row with
// ROW_REQUIRED_MISSING naming it.
TEST(CboTemplateTest, RowRequiredMissingPerRecordType) {
  const std::map<std::string, std::vector<std::string>> required = {
      {"outreach", {"cin", "record_date", "method", "successful", "minutes"}},
      {"enrollment_status", {"cin", "record_date", "ecm_status"}},
      {"service",
       {"cin", "record_date", "hcpcs_code", "units", "place_of_service", "in_person",
        "staff_type"}},
      {"invoice_line",
       {"cin", "record_date", "invoice_number", "line_number", "hcpcs_code", "units", "charge"}},
      // authorization_number is optional: without one, an ECM referral.
      {"referral_status", {"cin", "record_date", "referral_status"}},
  };
  for (const auto& [type, columns] : required) {
    Collect good;
    ASSERT_TRUE(ReadTemplate(Csv({GoodRow(type)}), good).ok());
    ASSERT_TRUE(good.errors.empty()) << type << ": " << good.ErrorsText();
    ASSERT_EQ(good.submissions.size(), 1u) << type;
    for (const auto& column : columns) {
      SCOPED_TRACE(absl::StrCat(type, " ", column));
      auto row = GoodRow(type);
      row[column] = "";
      Collect sink;
      ASSERT_TRUE(ReadTemplate(Csv({row}), sink).ok());
      EXPECT_TRUE(sink.submissions.empty());
      ASSERT_EQ(sink.errors.size(), 1u) << sink.ErrorsText();
      EXPECT_EQ(sink.errors[0].field, column);
      EXPECT_EQ(sink.errors[0].reason_code, kRowRequiredMissing);
      EXPECT_EQ(sink.errors[0].row_number, 1);
    }
  }
  // Conditional requirements.
  struct Case {
    std::string type;
    std::map<std::string, std::string> set;
    std::string missing;
  };
  const std::vector<Case> cases = {
      {"enrollment_status",
       {{"ecm_status", "discontinued"}, {"discontinuation_code", "3"}},
       "discontinuation_date"},
      {"enrollment_status",
       {{"discontinuation_date", "2026-11-30"}, {"discontinuation_code", "15"}},
       "discontinuation_reason"},
      {"enrollment_status",
       {{"new_address_line1", "1 Main St"},
        {"new_address_state", "CA"},
        {"new_address_zip", "92101"}},
       "new_address_city"},
      {"referral_status", {{"referral_status", "declined"}}, "closure_reason"},
      {"referral_status",
       {{"referral_status", "closed"}, {"closure_reason", "other"}},
       "closure_reason_text"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.missing);
    auto row = GoodRow(c.type);
    for (const auto& [k, v] : c.set) row[k] = v;
    Collect sink;
    ASSERT_TRUE(ReadTemplate(Csv({row}), sink).ok());
    ASSERT_EQ(sink.errors.size(), 1u) << sink.ErrorsText();
    EXPECT_EQ(sink.errors[0].field, c.missing);
    EXPECT_EQ(sink.errors[0].reason_code, kRowRequiredMissing);
  }
}

TEST(CboTemplateTest, RowUnknownRecordType) {
  for (const std::string type : {"care_plan", "Care Plan", "claim", "outreachx"}) {
    SCOPED_TRACE(type);
    auto row = GoodRow("outreach");
    row["record_type"] = type;
    Collect sink;
    ASSERT_TRUE(ReadTemplate(Csv({row}), sink).ok());
    ASSERT_EQ(sink.errors.size(), 1u) << sink.ErrorsText();
    EXPECT_EQ(sink.errors[0].field, "record_type");
    EXPECT_EQ(sink.errors[0].reason_code, kRowUnknownRecordType);
    if (absl::StrContains(type, "are") || absl::StrContains(type, "care")) {
      EXPECT_TRUE(absl::StrContains(sink.errors[0].message, "Submit")) << sink.errors[0].message;
    }
  }
  // Record types compare ignoring case, spaces and underscores.
  auto row = GoodRow("referral_status");
  row["record_type"] = "Referral Status";
  Collect sink;
  ASSERT_TRUE(ReadTemplate(Csv({row}), sink).ok());
  EXPECT_TRUE(sink.errors.empty()) << sink.ErrorsText();
  EXPECT_EQ(sink.submissions.size(), 1u);
}

TEST(CboTemplateTest, RowBadNumberForChargesAndCounts) {
  auto row = GoodRow("invoice_line");
  row["charge"] = "12.345";
  Collect sink;
  ASSERT_TRUE(ReadTemplate(Csv({row}), sink).ok());
  ASSERT_EQ(sink.errors.size(), 1u);
  EXPECT_EQ(sink.errors[0].field, "charge");
  EXPECT_EQ(sink.errors[0].reason_code, kRowBadNumber);
  EXPECT_FALSE(absl::StrContains(sink.errors[0].message, "12.345"));
  // A non-number in a numeric column is caught by the template's layout.
  row = GoodRow("outreach");
  row["minutes"] = "ten";
  Collect sink2;
  ASSERT_TRUE(ReadTemplate(Csv({row}), sink2).ok());
  ASSERT_EQ(sink2.errors.size(), 1u);
  EXPECT_EQ(sink2.errors[0].field, "minutes");
  EXPECT_EQ(sink2.errors[0].reason_code, kRowBadNumber);
}

TEST(CboTemplateTest, RowInvalidValueAndBadCin) {
  struct Case {
    std::string type, column, value, code;
  };
  const std::vector<Case> cases = {
      {"outreach", "minutes", "2000", std::string(kRowInvalidValue)},
      {"outreach", "cin", "12345", std::string(kRowBadCin)},
      {"outreach", "idempotency_key", "has space", std::string(kRowInvalidValue)},
      {"service", "units", "0", std::string(kRowInvalidValue)},
      {"service", "hcpcs_code", "ZZ9", std::string(kRowInvalidValue)},
      {"service", "modifiers", "U6;XYZ", std::string(kRowInvalidValue)},
      {"service", "place_of_service", "123", std::string(kRowInvalidValue)},
      {"invoice_line", "line_number", "0", std::string(kRowInvalidValue)},
      {"enrollment_status", "lead_care_manager_phone", "555-0100", std::string(kRowInvalidValue)},
      {"outreach", "record_date", "11/03/2026", std::string(kRowBadDate)},
      {"outreach", "method", "carrier pigeon", std::string(kRowUnknownCode)},
      {"outreach", "successful", "maybe", std::string(kRowBadFlag)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(absl::StrCat(c.column, "=", c.value));
    auto row = GoodRow(c.type);
    row[c.column] = c.value;
    Collect sink;
    ASSERT_TRUE(ReadTemplate(Csv({row}), sink).ok());
    EXPECT_TRUE(sink.submissions.empty());
    ASSERT_EQ(sink.errors.size(), 1u) << sink.ErrorsText();
    EXPECT_EQ(sink.errors[0].field, c.column);
    EXPECT_EQ(sink.errors[0].reason_code, c.code);
    EXPECT_FALSE(absl::StrContains(sink.errors[0].message, c.value)) << sink.errors[0].message;
  }
}

TEST(CboTemplateTest, OneBadRowDoesNotStopTheFileAndStatsCountBothSteps) {
  auto bad_template = GoodRow("service");
  bad_template["units"] = "";
  auto bad_mapping = GoodRow("outreach");
  bad_mapping["record_date"] = "yesterday";
  Collect sink;
  ReaderStats stats;
  ASSERT_TRUE(ReadTemplate(
                  Csv({GoodRow("outreach"), bad_template, bad_mapping, GoodRow("referral_status")}),
                  sink, &stats)
                  .ok());
  EXPECT_EQ(sink.rows, (std::vector<int64_t>{1, 4}));
  ASSERT_EQ(sink.errors.size(), 2u);
  EXPECT_EQ(sink.errors[0].row_number, 2);
  EXPECT_EQ(sink.errors[1].row_number, 3);
  EXPECT_EQ(stats.rows_read, 4);
  EXPECT_EQ(stats.rows_rejected, 2);
}

TEST(CboTemplateTest, MissingColumnRejectsTheFile) {
  std::vector<std::string> columns = CboTemplateColumns();
  columns.erase(columns.begin() + 5);  // successful
  std::string csv = absl::StrCat(absl::StrJoin(columns, ","), "\r\n");
  Collect sink;
  absl::Status s = ReadTemplate(csv, sink);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(FileErrorCode(s), kFileMissingColumns);
  EXPECT_TRUE(absl::StrContains(s.message(), "successful")) << s;
}

TEST(CboTemplateTest, AliasesAndCaseAreAccepted) {
  auto row = GoodRow("outreach");
  row["method"] = "Phone";
  row["successful"] = "yes";
  row["cin"] = "99898657g";
  Collect sink;
  ASSERT_TRUE(ReadTemplate(Csv({row}), sink).ok());
  ASSERT_TRUE(sink.errors.empty()) << sink.ErrorsText();
  EXPECT_EQ(sink.submissions[0].outreach_attempt().method(), hub::v1::OUTREACH_METHOD_TELEPHONE);
  EXPECT_EQ(sink.submissions[0].outreach_attempt().cin(), "99898657G");
}

TEST(CboTemplateTest, SubmissionFromTemplateRowReportsEveryProblem) {
  CboTemplateRow row;
  row.set_record_type("service");
  row.set_cin("99898657G");
  row.set_record_date("2026-11-03");
  std::vector<RowError> errors;
  auto s = SubmissionFromTemplateRow(row, 7, &errors);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.status().message(), "row 7"));
  EXPECT_TRUE(absl::StrContains(s.status().message(), "hcpcs_code ROW_REQUIRED_MISSING"));
  EXPECT_FALSE(absl::StrContains(s.status().message(), "99898657G"));
  std::set<std::string> fields;
  for (const auto& e : errors) {
    EXPECT_EQ(e.row_number, 7);
    fields.insert(e.field);
  }
  EXPECT_EQ(fields, (std::set<std::string>{"hcpcs_code", "units", "place_of_service", "in_person",
                                           "staff_type"}));
  // Without an error vector the status alone says it.
  EXPECT_FALSE(SubmissionFromTemplateRow(row, 7).ok());
}

// Submission -> template row -> CSV -> Submission, for every record type the
// template carries; care plans are refused.
TEST(CboTemplateTest, RoundTripsSubmissionsThroughTheCsv) {
  auto example = ReadFile(SourceDir() / "docs" / "examples" / "cbo-submissions.csv");
  ASSERT_TRUE(example.ok());
  Collect first;
  ASSERT_TRUE(ReadTemplate(*example, first).ok());
  ASSERT_EQ(first.submissions.size(), 9u);
  auto adapter = CboTemplateAdapter();
  ASSERT_TRUE(adapter.ok());
  auto renderer = (*adapter)->OpenRenderer(hub::v1::FILE_KIND_CBO_SUBMISSIONS, RenderOptions{});
  ASSERT_TRUE(renderer.ok());
  std::string bytes;
  for (const auto& sub : first.submissions) {
    auto row = TemplateRowFromSubmission(sub);
    ASSERT_TRUE(row.ok()) << row.status();
    ASSERT_TRUE((*renderer)->Add(*row, bytes).ok());
  }
  ASSERT_TRUE((*renderer)->Finish(bytes).ok());
  Collect second;
  ASSERT_TRUE(ReadTemplate(bytes, second).ok());
  ASSERT_TRUE(second.errors.empty()) << second.ErrorsText();
  ASSERT_EQ(second.submissions.size(), first.submissions.size());
  for (size_t i = 0; i < first.submissions.size(); ++i) {
    std::string diff;
    MessageDifferencer d;
    d.ReportDifferencesToString(&diff);
    EXPECT_TRUE(d.Compare(first.submissions[i], second.submissions[i])) << i << ": " << diff;
  }
  Submission care_plan;
  care_plan.mutable_care_plan()->set_cin("99898657G");
  EXPECT_EQ(TemplateRowFromSubmission(care_plan).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(TemplateRowFromSubmission(Submission()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hub::adapters
