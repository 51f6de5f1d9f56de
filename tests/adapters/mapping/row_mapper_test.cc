#include "adapters/mapping/row_mapper.h"

#include <string>
#include <string_view>
#include <vector>

#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "hub/v1/plan_file.pb.h"

namespace hub::adapters {
namespace {

using hub::v1::AssignmentFileRow;
using hub::v1::PlanProfile;

PlanProfile MapperProfile(const std::string& text) {
  PlanProfile p;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &p)) << text;
  return p;
}

constexpr char kKaiserLike[] = R"pb(
  name: "kaiser_like"
  code_maps {
    name: "status"
    entries { plan_value: "ENG" canonical_value: "ENROLLED" }
    entries { plan_value: "OUT" canonical_value: "OUTREACH" }
  }
  code_maps {
    name: "disc"
    entries { plan_value: "K-DEC" canonical_value: "1" }
    entries { plan_value: "K-OTH" canonical_value: "15" }
  }
  layouts {
    kind: FILE_KIND_MEMBER_ASSIGNMENT
    default_date_format: "mm/dd/yyyy"
    fields { source: "CIN" target: "member.cin" required: true normalize: NORMALIZATION_UPPER }
    fields { source: "Last Name" target: "member.name.last" required: true }
    fields { source: "DOB" target: "member.date_of_birth" date_format: "yyyymmdd" }
    fields { source: "ZIP" target: "member.address.zip" normalize: NORMALIZATION_ZIP5 }
    fields { source: "Housed" target: "member.experiencing_homelessness" }
    fields { source: "POF SMI" target: "assignment.populations_of_focus" when_yes: "ADULT_SMI_SUD" }
    fields {
      source: "POF Homeless"
      target: "assignment.populations_of_focus"
      when_yes: "ADULT_INDIVIDUAL_HOMELESSNESS"
    }
    fields { source: "Start" target: "assignment.benefit_start_date" required: true }
    fields { source: "Status" target: "assignment.status" code_map: "status" }
    fields { source: "Disc Code" target: "assignment.discontinuation.dhcs_code" code_map: "disc" }
    fields { source: "NPI" target: "provider_npi" }
    fields { source: "Acuity" target: "assignment.acuity" default_value: "LOW" }
  }
)pb";

struct Fixture {
  std::unique_ptr<RowMapper> mapper;
  Fixture(const std::string& text = kKaiserLike) {
    PlanProfile p = MapperProfile(text);
    auto m = RowMapper::Create(p, p.layouts(0), AssignmentFileRow::default_instance());
    EXPECT_TRUE(m.ok()) << m.status();
    if (m.ok()) mapper = std::move(*m);
  }
};

const ColumnMap kMapperHeader({"cin", "LAST NAME", "dob", "zip", "housed", "pof smi", "POFHomeless",
                               "start", "status", "disc code", "npi", "acuity", "extra"});

TEST(RowMapperTest, MapsEveryKindOfTarget) {
  Fixture f;
  auto binding = f.mapper->Bind(kMapperHeader);
  ASSERT_TRUE(binding.ok());
  std::vector<std::string_view> row = {" 99898657g ", "Rivera", "19610704",   "92101-1234", "N",
                                       "Y",           "n",      "01/15/2026", "eng",        "K-OTH",
                                       "1234567893",  "",       "ignored"};
  AssignmentFileRow out;
  std::vector<RowError> errors;
  ASSERT_TRUE(f.mapper->Map(*binding, 7, row, out, errors));
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(out.member().cin(), "99898657G");
  EXPECT_EQ(out.member().name().last(), "Rivera");
  EXPECT_EQ(out.member().date_of_birth(), "1961-07-04");
  EXPECT_EQ(out.member().address().zip(), "92101");
  ASSERT_TRUE(out.member().has_experiencing_homelessness());
  EXPECT_FALSE(out.member().experiencing_homelessness());
  ASSERT_EQ(out.assignment().populations_of_focus_size(), 1);
  EXPECT_EQ(out.assignment().populations_of_focus(0), hub::v1::POPULATION_OF_FOCUS_ADULT_SMI_SUD);
  EXPECT_EQ(out.assignment().benefit_start_date(), "2026-01-15");
  EXPECT_EQ(out.assignment().status(), hub::v1::ENROLLMENT_STATUS_ENROLLED);
  EXPECT_EQ(out.assignment().discontinuation().dhcs_code(), 15);
  EXPECT_EQ(out.provider_npi(), "1234567893");
  EXPECT_EQ(out.assignment().acuity(), hub::v1::ACUITY_LOW);
}

TEST(RowMapperTest, ReportsEveryBadFieldWithoutEchoingValues) {
  Fixture f;
  auto binding = f.mapper->Bind(kMapperHeader);
  ASSERT_TRUE(binding.ok());
  std::vector<std::string_view> row = {"99898657G", "",    "19610732", "", "maybe", "Q", "",
                                       "",          "ZZZ", "",         "", "",      ""};
  AssignmentFileRow out;
  std::vector<RowError> errors;
  EXPECT_FALSE(f.mapper->Map(*binding, 3, row, out, errors));
  std::vector<std::string> codes;
  for (const auto& e : errors) {
    EXPECT_EQ(e.row_number, 3);
    EXPECT_EQ(e.message.find("19610732"), std::string::npos);
    EXPECT_EQ(e.message.find("ZZZ"), std::string::npos);
    codes.push_back(e.field + ":" + e.reason_code);
  }
  EXPECT_EQ(codes,
            (std::vector<std::string>{"Last Name:ROW_REQUIRED_MISSING", "DOB:ROW_BAD_DATE",
                                      "Housed:ROW_BAD_FLAG", "POF SMI:ROW_BAD_FLAG",
                                      "Start:ROW_REQUIRED_MISSING", "Status:ROW_UNKNOWN_CODE"}));
}

TEST(RowMapperTest, BindNamesEveryMissingColumn) {
  Fixture f;
  absl::Status s = f.mapper->Bind(ColumnMap({"CIN", "DOB"})).status();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("Last Name"), std::string::npos);
  EXPECT_NE(s.message().find("Acuity"), std::string::npos);
}

TEST(RowMapperTest, PositionalAndSplitValues) {
  PlanProfile p = MapperProfile(R"pb(
    code_maps {
      name: "pof"
      entries { plan_value: "3" canonical_value: "ADULT_AVOIDABLE_UTILIZATION" }
      entries { plan_value: "4" canonical_value: "ADULT_SMI_SUD" }
    }
    layouts {
      kind: FILE_KIND_MEMBER_ASSIGNMENT
      fields { source: "#1" target: "member.cin" }
      fields { source: "#2" target: "assignment.populations_of_focus" code_map: "pof" split: ";" }
    }
  )pb");
  auto m = RowMapper::Create(p, p.layouts(0), AssignmentFileRow::default_instance());
  ASSERT_TRUE(m.ok()) << m.status();
  auto binding = (*m)->Bind(ColumnMap({"", ""}));
  ASSERT_TRUE(binding.ok());
  std::vector<std::string_view> row = {"12345678A", "3; 4"};
  AssignmentFileRow out;
  std::vector<RowError> errors;
  ASSERT_TRUE((*m)->Map(*binding, 1, row, out, errors));
  ASSERT_EQ(out.assignment().populations_of_focus_size(), 2);
  std::vector<std::string> values;
  ASSERT_TRUE((*m)->Render(out, values).ok());
  EXPECT_EQ(values, (std::vector<std::string>{"12345678A", "3;4"}));
}

TEST(RowMapperTest, RenderIsTheInverseOfMap) {
  Fixture f;
  auto binding = f.mapper->Bind(kMapperHeader);
  ASSERT_TRUE(binding.ok());
  std::vector<std::string_view> row = {
      "99898657G",  "Rivera", "19610704", "92101",      "Y",    "Y", "Y",
      "01/15/2026", "OUT",    "K-DEC",    "1234567893", "HIGH", ""};
  AssignmentFileRow out;
  std::vector<RowError> errors;
  ASSERT_TRUE(f.mapper->Map(*binding, 1, row, out, errors));
  std::vector<std::string> values;
  ASSERT_TRUE(f.mapper->Render(out, values).ok());
  EXPECT_EQ(values,
            (std::vector<std::string>{"99898657G", "Rivera", "19610704", "92101", "Y", "Y", "Y",
                                      "01/15/2026", "OUT", "K-DEC", "1234567893", "HIGH"}));
}

TEST(RowMapperTest, CreateRejectsBadConfigNamingTheMapping) {
  auto bad = [](const std::string& field) {
    PlanProfile p =
        MapperProfile("layouts { kind: FILE_KIND_MEMBER_ASSIGNMENT fields { " + field + " } }");
    return RowMapper::Create(p, p.layouts(0), AssignmentFileRow::default_instance()).status();
  };
  EXPECT_NE(bad(R"(source: "X" target: "member.nmae.last")").message().find("nmae"),
            std::string::npos);
  EXPECT_FALSE(bad(R"(source: "X" target: "member.name")").ok());
  EXPECT_FALSE(bad(R"(source: "X" target: "member.cin" code_map: "nope")").ok());
  EXPECT_FALSE(bad(R"(source: "X" target: "member.cin" date_format: "dd.mm")").ok());
  EXPECT_FALSE(
      bad(R"(source: "X" target: "assignment.populations_of_focus" when_yes: "NOPE")").ok());
  EXPECT_FALSE(bad(R"(source: "X" target: "member.cin" when_yes: "ADULT_SMI_SUD")").ok());
  EXPECT_FALSE(bad(R"(source: "X" target: "member.cin" split: ";")").ok());
  EXPECT_TRUE(bad(R"(source: "X" target: "member.cin")").ok());
}

}  // namespace
}  // namespace hub::adapters

namespace hub::adapters {
namespace {

TEST(RowMapperTest, AnAbsentMessageRendersAsEmptyColumns) {
  Fixture f;
  AssignmentFileRow row;
  row.mutable_member()->set_cin("99898657G");
  std::vector<std::string> values;
  ASSERT_TRUE(f.mapper->Render(row, values).ok());
  // "Disc Code" is assignment.discontinuation.dhcs_code: empty, not "0".
  EXPECT_EQ(values[9], "");
  EXPECT_EQ(values[5], "N");  // when_yes under an absent assignment.
}

}  // namespace
}  // namespace hub::adapters
