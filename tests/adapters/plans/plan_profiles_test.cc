// Checks the seven shipped plan profiles (adapters/plans/<plan>/): each one
// parses, names itself after its folder, has the three plan -> hub layouts
// (and the three export layouts, tested in ../export_layouts_test.cc),
// compiles into RowMappers, and round-trips a rich canonical row through the
// plan's own representation: render(map(render(x))) == render(x), with the
// key fields asserted explicitly. Text layouts are also round-tripped through
// bytes: written with adapters/writers, read back with the layout's reader.
//
// Needs the compile definition HUB_SOURCE_DIR (the repository root) and
// hub_adapters (mapping/row_mapper, readers/, writers/text_writers).

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "adapters/mapping/row_mapper.h"
#include "adapters/plan_adapter.h"
#include "adapters/readers/record.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "hub/v1/adapter_config.pb.h"
#include "hub/v1/codes.pb.h"
#include "hub/v1/plan_file.pb.h"
#include "tests/adapters/export_test_util.h"

#ifndef HUB_SOURCE_DIR
#error "HUB_SOURCE_DIR must name the repository root"
#endif

namespace hub::adapters {
namespace {

namespace fs = std::filesystem;
using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::Message;
using google::protobuf::util::MessageDifferencer;
using hub::v1::AssignmentFileRow;
using hub::v1::AuthorizationFileRow;
using hub::v1::CodeMap;
using hub::v1::FieldMapping;
using hub::v1::FileKind;
using hub::v1::FileLayout;
using hub::v1::PlanProfile;
using hub::v1::QualityFileRow;
using testing::FindLayout;

const std::vector<std::string>& Plans() {
  static const auto* plans = new std::vector<std::string>{
      "aetna", "blue_shield_promise", "community_health_group", "health_net", "kaiser", "molina",
      "united"};
  return *plans;
}

constexpr FileKind kKinds[] = {hub::v1::FILE_KIND_MEMBER_ASSIGNMENT,
                               hub::v1::FILE_KIND_CS_AUTHORIZATION,
                               hub::v1::FILE_KIND_QUALITY_REPORT};

// Hub -> plan exports, which every profile also lays out (checked in depth
// by tests/adapters/export_layouts_test.cc).
constexpr FileKind kExportKinds[] = {hub::v1::FILE_KIND_RETURN_TRANSMISSION,
                                     hub::v1::FILE_KIND_OUTREACH_TRACKER,
                                     hub::v1::FILE_KIND_INVOICE};

fs::path PlansDir() { return fs::path(HUB_SOURCE_DIR) / "adapters" / "plans"; }

// Collects text-format syntax errors as "file:line:column: message".
class FileErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  explicit FileErrorCollector(std::string file) : file_(std::move(file)) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    absl::StrAppend(&errors_, file_, ":", line + 1, ":", column + 1, ": ", message, "\n");
  }
  void AddWarning(int line, google::protobuf::io::ColumnNumber column,
                  const std::string& message) override {
    absl::StrAppend(&errors_, file_, ":", line + 1, ":", column + 1, ": warning: ", message, "\n");
  }
  const std::string& errors() const { return errors_; }

 private:
  std::string file_;
  std::string errors_;
};

absl::StatusOr<PlanProfile> LoadProfile(const std::string& plan) {
  const fs::path path = PlansDir() / plan / "profile.textproto";
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path.string()));
  std::stringstream text;
  text << in.rdbuf();
  FileErrorCollector collector(path.string());
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  PlanProfile profile;
  if (!parser.ParseFromString(text.str(), &profile) || !collector.errors().empty()) {
    return absl::InvalidArgumentError(absl::StrCat("syntax error(s):\n", collector.errors()));
  }
  return profile;
}

const CodeMap* FindCodeMap(const PlanProfile& p, const std::string& name) {
  for (const auto& cm : p.code_maps()) {
    if (cm.name() == name) return &cm;
  }
  return nullptr;
}

// Column names and sources compare as the readers compare them.
std::string Fold(std::string_view s) { return ColumnMap::Normalize(s); }

bool Maps(const FileLayout& layout, const std::string& target) {
  return std::any_of(layout.fields().begin(), layout.fields().end(),
                     [&](const FieldMapping& m) { return m.target() == target; });
}

const FieldMapping* MappingOf(const FileLayout& layout, const std::string& target) {
  for (const auto& m : layout.fields()) {
    if (m.target() == target) return &m;
  }
  return nullptr;
}

// True if the mapping of `target` reads a column another mapping reads too.
bool SharesSource(const FileLayout& layout, const std::string& target) {
  const FieldMapping* m = MappingOf(layout, target);
  if (m == nullptr) return false;
  return std::count_if(layout.fields().begin(), layout.fields().end(), [&](const FieldMapping& o) {
           return Fold(o.source()) == Fold(m->source());
         }) > 1;
}

bool IsPositional(const FileLayout& layout) {
  return layout.has_delimited() && !layout.delimited().header();
}

// Resolves a canonical code-map value to an enum value (with or without the
// enum's prefix), as RowMapper does.
const EnumValueDescriptor* ResolveEnum(const EnumDescriptor* e, const std::string& name,
                                       const std::string& prefix) {
  std::string upper = absl::AsciiStrToUpper(name);
  if (const auto* v = e->FindValueByName(upper)) return v;
  return e->FindValueByName(prefix + upper);
}

// How a layout's file is laid out in columns, and which column each mapping
// reads. The file writer's rule is assumed: a column read by several
// mappings holds the value of the first of them.
struct Columns {
  std::vector<std::string> names;  // Bind() names; empty when positional.
  int count = 0;                   // Number of columns.
  std::vector<int> of_mapping;     // Column index of each mapping.
};

absl::StatusOr<Columns> ColumnsOf(const FileLayout& layout) {
  Columns c;
  if (IsPositional(layout)) {
    for (const auto& m : layout.fields()) {
      int n = 0;
      if (m.source().size() < 2 || m.source()[0] != '#' ||
          !absl::SimpleAtoi(m.source().substr(1), &n) || n < 1) {
        return absl::InvalidArgumentError(
            absl::StrCat("positional layout has a non-positional source ", m.source()));
      }
      c.of_mapping.push_back(n - 1);
      c.count = std::max(c.count, n);
    }
    return c;
  }
  if (layout.has_fixed_width()) {
    for (const auto& col : layout.fixed_width().columns()) c.names.push_back(col.name());
  } else {
    for (const auto& m : layout.fields()) {
      bool seen = std::any_of(c.names.begin(), c.names.end(),
                              [&](const std::string& n) { return Fold(n) == Fold(m.source()); });
      if (!seen) c.names.push_back(m.source());
    }
  }
  c.count = static_cast<int>(c.names.size());
  for (const auto& m : layout.fields()) {
    int index = -1;
    for (size_t i = 0; i < c.names.size(); ++i) {
      if (Fold(c.names[i]) == Fold(m.source())) {
        index = static_cast<int>(i);
        break;
      }
    }
    if (index < 0) {
      return absl::InvalidArgumentError(absl::StrCat("source ", m.source(), " is not a column"));
    }
    c.of_mapping.push_back(index);
  }
  return c;
}

// One compiled, bound layout of one plan.
struct Compiled {
  std::string plan;
  PlanProfile profile;
  FileLayout layout;
  Columns columns;
  std::unique_ptr<RowMapper> mapper;
  RowMapper::Binding binding;
  const Message* prototype = nullptr;

  // Renders `row` into file columns.
  std::vector<std::string> Render(const Message& row) const {
    std::vector<std::string> values;
    absl::Status s = mapper->Render(row, values);
    EXPECT_TRUE(s.ok()) << plan << " " << hub::v1::FileKind_Name(layout.kind()) << ": " << s;
    std::vector<std::string> fields(static_cast<size_t>(columns.count));
    std::vector<bool> filled(fields.size(), false);
    for (size_t i = 0; i < values.size() && i < columns.of_mapping.size(); ++i) {
      const auto col = static_cast<size_t>(columns.of_mapping[i]);
      if (filled[col]) continue;
      fields[col] = values[i];
      filled[col] = true;
    }
    return fields;
  }

  // Maps file columns into a new row; errors go to `errors`.
  std::unique_ptr<Message> Map(const std::vector<std::string>& fields,
                               std::vector<RowError>& errors) const {
    std::vector<std::string_view> views(fields.begin(), fields.end());
    std::unique_ptr<Message> out(prototype->New());
    mapper->Map(binding, 1, views, *out, errors);
    return out;
  }

  int ColumnOf(const std::string& source) const {
    for (int i = 0; i < layout.fields_size(); ++i) {
      if (Fold(layout.fields(i).source()) == Fold(source)) return columns.of_mapping[i];
    }
    return -1;
  }
};

absl::StatusOr<std::unique_ptr<Compiled>> Compile(const std::string& plan, FileKind kind) {
  auto profile = LoadProfile(plan);
  if (!profile.ok()) return profile.status();
  auto c = std::make_unique<Compiled>();
  c->plan = plan;
  c->profile = *std::move(profile);
  const FileLayout* layout = FindLayout(c->profile, kind);
  if (layout == nullptr) {
    return absl::NotFoundError(absl::StrCat(plan, " has no ", hub::v1::FileKind_Name(kind)));
  }
  c->layout = *layout;
  auto proto = CanonicalRowPrototype(kind);
  if (!proto.ok()) return proto.status();
  c->prototype = *proto;
  auto mapper = RowMapper::Create(c->profile, c->layout, **proto);
  if (!mapper.ok()) return mapper.status();
  c->mapper = *std::move(mapper);
  auto columns = ColumnsOf(c->layout);
  if (!columns.ok()) return columns.status();
  c->columns = *std::move(columns);
  // Positional files have unnamed columns; "#N" sources bind by position.
  std::vector<std::string> names = c->columns.names;
  names.resize(static_cast<size_t>(c->columns.count));
  auto bound = c->mapper->Bind(ColumnMap(std::move(names)));
  if (!bound.ok()) return bound.status();
  c->binding = *std::move(bound);
  return c;
}

std::string ErrorsText(const std::vector<RowError>& errors) {
  std::string out;
  for (const auto& e : errors) absl::StrAppend(&out, e.field, ":", e.reason_code, " ");
  return out;
}

// ------------------------------------------------------------ canonical rows

constexpr char kCin[] = "99898657G";
constexpr char kEcmNpi[] = "1234567893";
constexpr char kCsNpi[] = "1508273640";

AssignmentFileRow RichMember() {
  AssignmentFileRow r;
  auto* m = r.mutable_member();
  m->set_cin(kCin);
  m->mutable_name()->set_first("Maria");
  m->mutable_name()->set_middle("Luisa");
  m->mutable_name()->set_last("Rivera-Lopez");
  m->set_date_of_birth("1961-07-04");
  m->set_sex(hub::v1::SEX_FEMALE);
  m->mutable_address()->set_line1("1234 Market St");
  m->mutable_address()->set_line2("Apt 5");
  m->mutable_address()->set_city("San Diego");
  m->mutable_address()->set_state("CA");
  m->mutable_address()->set_zip("92101");
  m->set_phone("6195550134");
  m->set_preferred_spoken_language("es");
  m->set_preferred_written_language("en");
  m->set_experiencing_homelessness(true);
  r.mutable_coverage()->set_start_date("2026-01-01");
  r.mutable_coverage()->set_end_date("2026-12-31");
  auto* a = r.mutable_assignment();
  a->add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_ADULT_INDIVIDUAL_HOMELESSNESS);
  a->add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_ADULT_SMI_SUD);
  a->set_benefit_start_date("2026-02-01");
  a->set_benefit_end_date("2026-07-31");
  a->set_acuity(hub::v1::ACUITY_HIGH);
  a->set_status(hub::v1::ENROLLMENT_STATUS_DISCONTINUED);
  a->mutable_discontinuation()->set_date("2026-07-31");
  a->mutable_discontinuation()->set_dhcs_code(3);
  a->mutable_discontinuation()->set_reason("Member asked to stop ECM");
  r.set_provider_npi(kEcmNpi);
  r.set_action(hub::v1::ROW_ACTION_UPSERT);
  r.set_plan_member_id("M000123456");
  r.set_medical_record_number("11223344");
  return r;
}

AuthorizationFileRow RichAuthorization() {
  AuthorizationFileRow r;
  auto* a = r.mutable_authorization();
  a->set_authorization_number("AUTH-2026-000123");
  a->set_cin(kCin);
  a->set_community_support(hub::v1::COMMUNITY_SUPPORT_MEDICALLY_TAILORED_MEALS);
  a->set_hcpcs_code("S5170");
  a->add_modifiers("U6");
  a->add_modifiers("U7");
  a->set_units_approved(56);
  a->set_units_used(14);
  a->set_start_date("2026-03-01");
  a->set_end_date("2026-05-31");
  a->set_status(hub::v1::AUTHORIZATION_STATUS_APPROVED);
  a->set_referral_date("2026-02-20");
  a->set_referral_status(hub::v1::REFERRAL_STATUS_CLOSED);
  a->set_referral_status_date("2026-06-02");
  a->set_closure_reason(hub::v1::LOOP_CLOSURE_REASON_SERVICE_RECEIVED);
  a->set_closure_reason_text("Completed 12 weeks of meals");
  r.set_provider_npi(kCsNpi);
  r.set_action(hub::v1::ROW_ACTION_UPSERT);
  return r;
}

QualityFileRow RichQuality() {
  QualityFileRow r;
  r.mutable_report()->set_measure_id("FUM-30");
  r.mutable_report()->set_period("2026 Q1");
  r.mutable_report()->set_numerator(42);
  r.mutable_report()->set_denominator(57);
  r.mutable_report()->set_stratifier("age 18-64");
  r.set_provider_npi(kEcmNpi);
  return r;
}

// ------------------------------------------------------------------- tests

TEST(PlanFoldersTest, ExactlyTheSevenPlansEachWithProfileAndReadme) {
  std::set<std::string> found;
  for (const auto& entry : fs::directory_iterator(PlansDir())) {
    if (entry.is_directory()) found.insert(entry.path().filename().string());
  }
  EXPECT_EQ(found, std::set<std::string>(Plans().begin(), Plans().end()));
  EXPECT_TRUE(fs::exists(PlansDir() / "README.md"));
  for (const auto& plan : Plans()) {
    EXPECT_TRUE(fs::exists(PlansDir() / plan / "profile.textproto")) << plan;
    const fs::path readme = PlansDir() / plan / "README.md";
    std::ifstream in(readme);
    ASSERT_TRUE(in) << "missing " << readme;
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_TRUE(absl::StrContains(absl::AsciiStrToLower(text.str()), "representative"))
        << readme << " must say the layout is representative";
  }
}

TEST(PlanFoldersTest, SyntaxErrorsNameFileAndLine) {
  FileErrorCollector collector("x/profile.textproto");
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  PlanProfile p;
  EXPECT_FALSE(parser.ParseFromString("name: \"x\"\nlayouts { kind: NOPE }\n", &p));
  EXPECT_TRUE(absl::StrContains(collector.errors(), "x/profile.textproto:2:"))
      << collector.errors();
}

class PlanProfileTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PlanProfileTest, ParsesNamesItselfAndHasTheThreeKinds) {
  auto p = LoadProfile(GetParam());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->name(), GetParam());
  EXPECT_TRUE(absl::StrContains(absl::AsciiStrToLower(p->description()), "representative"));
  std::multiset<int> kinds;
  for (const auto& l : p->layouts()) {
    kinds.insert(l.kind());
    EXPECT_NE(l.semantics(), hub::v1::FILE_SEMANTICS_UNSPECIFIED)
        << hub::v1::FileKind_Name(l.kind());
    EXPECT_NE(l.format_case(), FileLayout::FORMAT_NOT_SET) << hub::v1::FileKind_Name(l.kind());
  }
  for (FileKind k : kKinds) {
    EXPECT_EQ(kinds.count(k), 1u) << hub::v1::FileKind_Name(k);
  }
  for (FileKind k : kExportKinds) {
    EXPECT_EQ(kinds.count(k), 1u) << hub::v1::FileKind_Name(k);
  }
  EXPECT_EQ(kinds.size(), 6u);
  std::set<std::string> names;
  for (const auto& cm : p->code_maps()) {
    EXPECT_TRUE(names.insert(cm.name()).second) << "duplicate code map " << cm.name();
  }
}

TEST_P(PlanProfileTest, EveryLayoutCompilesAndBinds) {
  for (FileKind kind : kKinds) {
    auto c = Compile(GetParam(), kind);
    EXPECT_TRUE(c.ok()) << hub::v1::FileKind_Name(kind) << ": " << c.status();
  }
}

TEST_P(PlanProfileTest, EveryCodeMapIsUsed) {
  auto p = LoadProfile(GetParam());
  ASSERT_TRUE(p.ok()) << p.status();
  std::set<std::string> used;
  for (const auto& l : p->layouts()) {
    for (const auto& m : l.fields()) {
      if (!m.code_map().empty()) used.insert(m.code_map());
    }
  }
  for (const auto& cm : p->code_maps()) {
    EXPECT_TRUE(used.count(cm.name())) << cm.name();
  }
}

TEST_P(PlanProfileTest, FormatsAreWellFormed) {
  auto p = LoadProfile(GetParam());
  ASSERT_TRUE(p.ok()) << p.status();
  for (const auto& l : p->layouts()) {
    SCOPED_TRACE(hub::v1::FileKind_Name(l.kind()));
    if (l.has_delimited()) {
      const auto& d = l.delimited();
      EXPECT_TRUE(d.delimiter() == "," || d.delimiter() == "|" || d.delimiter() == "\t");
      if (d.trailer_count_column() > 0) {
        EXPECT_FALSE(d.trailer_tag().empty());
      }
      if (!d.header()) {
        // Positional: sources are exactly #1..#N, each once.
        std::set<int> positions;
        for (const auto& m : l.fields()) {
          int n = 0;
          ASSERT_TRUE(m.source()[0] == '#' && absl::SimpleAtoi(m.source().substr(1), &n))
              << m.source();
          EXPECT_TRUE(positions.insert(n).second) << "column " << n << " mapped twice";
        }
        EXPECT_EQ(*positions.begin(), 1);
        EXPECT_EQ(*positions.rbegin(), static_cast<int>(positions.size()));
      } else {
        for (const auto& m : l.fields()) {
          EXPECT_NE(m.source()[0], '#') << m.source();
        }
      }
      // A split separator may equal the delimiter (Kaiser's "U6,U7"): the
      // writer quotes such fields; FileBytesRoundTrip reads them back.
    } else if (l.has_fixed_width()) {
      const auto& fw = l.fixed_width();
      ASSERT_GT(fw.record_length(), 0);
      std::set<std::string> names;
      int end = 0;  // Last byte of the previous column.
      for (const auto& col : fw.columns()) {
        EXPECT_TRUE(names.insert(col.name()).second) << "duplicate column " << col.name();
        EXPECT_GT(col.length(), 0) << col.name();
        EXPECT_GT(col.start(), end) << col.name() << " overlaps the column before it";
        end = col.start() + col.length() - 1;
        EXPECT_LE(end, fw.record_length()) << col.name() << " ends past the record";
      }
      EXPECT_TRUE(names.count(fw.record_type_column()));
      EXPECT_TRUE(names.count(fw.trailer_count_column()));
      std::set<std::string> types = {fw.header_record_type(), fw.data_record_type(),
                                     fw.trailer_record_type()};
      EXPECT_EQ(types.size(), 3u);
      EXPECT_FALSE(types.count(""));
      for (const auto& m : l.fields()) {
        EXPECT_TRUE(names.count(m.source())) << m.source();
      }
    } else {
      ASSERT_TRUE(l.has_x12());
      EXPECT_EQ(l.kind(), hub::v1::FILE_KIND_MEMBER_ASSIGNMENT);
      EXPECT_FALSE(l.x12().sender_id().empty());
      EXPECT_FALSE(l.x12().receiver_id().empty());
    }
  }
}

// Identity fields of each kind are mapped, and marked required.
TEST_P(PlanProfileTest, IdentityFieldsAreRequired) {
  auto p = LoadProfile(GetParam());
  ASSERT_TRUE(p.ok()) << p.status();
  const std::map<FileKind, std::vector<std::string>> required = {
      {hub::v1::FILE_KIND_MEMBER_ASSIGNMENT,
       {"member.cin", "member.name.last", "member.date_of_birth", "coverage.start_date"}},
      {hub::v1::FILE_KIND_CS_AUTHORIZATION,
       {"authorization.authorization_number", "authorization.cin", "provider_npi",
        "authorization.community_support", "authorization.start_date", "authorization.status"}},
      {hub::v1::FILE_KIND_QUALITY_REPORT,
       {"report.measure_id", "report.period", "provider_npi", "report.numerator",
        "report.denominator"}},
  };
  for (const auto& [kind, targets] : required) {
    const FileLayout* l = FindLayout(*p, kind);
    ASSERT_NE(l, nullptr);
    for (const auto& t : targets) {
      const FieldMapping* m = MappingOf(*l, t);
      ASSERT_NE(m, nullptr) << hub::v1::FileKind_Name(kind) << " does not map " << t;
      EXPECT_TRUE(m->required()) << hub::v1::FileKind_Name(kind) << " " << t;
    }
  }
  // A MIF names the ECM provider and benefit start; only the 834, which also
  // carries coverage-only members, may leave them empty.
  const FileLayout* mif = FindLayout(*p, hub::v1::FILE_KIND_MEMBER_ASSIGNMENT);
  for (const std::string t :
       {"provider_npi", "assignment.benefit_start_date", "assignment.populations_of_focus",
        "coverage.end_date", "assignment.benefit_end_date"}) {
    EXPECT_TRUE(Maps(*mif, t)) << t;
  }
  if (!mif->has_x12()) {
    EXPECT_TRUE(MappingOf(*mif, "provider_npi")->required());
    EXPECT_TRUE(MappingOf(*mif, "assignment.benefit_start_date")->required());
  }
  // Delta files say what each row asks for.
  for (const auto& l : p->layouts()) {
    if (l.semantics() == hub::v1::FILE_SEMANTICS_DELTA &&
        l.kind() != hub::v1::FILE_KIND_QUALITY_REPORT) {
      ASSERT_TRUE(Maps(l, "action")) << hub::v1::FileKind_Name(l.kind());
      EXPECT_TRUE(MappingOf(l, "action")->required());
    }
  }
}

// Blanking any required column rejects the row naming that column.
TEST_P(PlanProfileTest, EmptyRequiredColumnRejectsTheRow) {
  const std::vector<std::unique_ptr<Message>> rows = [] {
    std::vector<std::unique_ptr<Message>> v;
    v.push_back(std::make_unique<AssignmentFileRow>(RichMember()));
    v.push_back(std::make_unique<AuthorizationFileRow>(RichAuthorization()));
    v.push_back(std::make_unique<QualityFileRow>(RichQuality()));
    return v;
  }();
  for (size_t k = 0; k < 3; ++k) {
    auto c = Compile(GetParam(), kKinds[k]);
    ASSERT_TRUE(c.ok()) << c.status();
    const std::vector<std::string> good = (*c)->Render(*rows[k]);
    for (const auto& m : (*c)->layout.fields()) {
      if (!m.required()) continue;
      SCOPED_TRACE(m.source());
      std::vector<std::string> bad = good;
      bad[static_cast<size_t>((*c)->ColumnOf(m.source()))] = "  ";
      std::vector<RowError> errors;
      (*c)->Map(bad, errors);
      ASSERT_FALSE(errors.empty());
      EXPECT_EQ(errors[0].field, m.source());
      EXPECT_EQ(errors[0].reason_code, kRowRequiredMissing);
    }
  }
}

TEST_P(PlanProfileTest, MemberRoundTrip) {
  auto c = Compile(GetParam(), hub::v1::FILE_KIND_MEMBER_ASSIGNMENT);
  ASSERT_TRUE(c.ok()) << c.status();
  const FileLayout& l = (*c)->layout;
  const AssignmentFileRow x = RichMember();
  const std::vector<std::string> first = (*c)->Render(x);
  std::vector<RowError> errors;
  auto mapped = (*c)->Map(first, errors);
  ASSERT_TRUE(errors.empty()) << ErrorsText(errors);
  const auto& y = static_cast<const AssignmentFileRow&>(*mapped);
  EXPECT_EQ((*c)->Render(y), first);

  EXPECT_EQ(y.member().cin(), kCin);
  EXPECT_EQ(y.member().name().last(), "Rivera-Lopez");
  EXPECT_EQ(y.member().name().first(), "Maria");
  EXPECT_EQ(y.member().date_of_birth(), "1961-07-04");
  EXPECT_EQ(y.member().sex(), hub::v1::SEX_FEMALE);
  EXPECT_EQ(y.member().address().zip(), "92101");
  EXPECT_EQ(y.member().address().city(), "San Diego");
  EXPECT_EQ(y.member().phone(), "6195550134");
  EXPECT_EQ(y.member().preferred_spoken_language(), "es");
  EXPECT_EQ(y.provider_npi(), kEcmNpi);
  ASSERT_EQ(y.assignment().populations_of_focus_size(), 2);
  EXPECT_EQ(y.assignment().populations_of_focus(0),
            hub::v1::POPULATION_OF_FOCUS_ADULT_INDIVIDUAL_HOMELESSNESS);
  EXPECT_EQ(y.assignment().populations_of_focus(1), hub::v1::POPULATION_OF_FOCUS_ADULT_SMI_SUD);
  EXPECT_EQ(y.assignment().benefit_start_date(), "2026-02-01");
  EXPECT_EQ(y.assignment().benefit_end_date(), "2026-07-31");
  // Plans that send one span fill coverage from the benefit dates.
  const bool one_span = SharesSource(l, "coverage.start_date");
  EXPECT_EQ(y.coverage().start_date(), one_span ? "2026-02-01" : "2026-01-01");
  EXPECT_EQ(y.coverage().end_date(), one_span ? "2026-07-31" : "2026-12-31");
  if (Maps(l, "assignment.discontinuation.dhcs_code")) {
    EXPECT_EQ(y.assignment().discontinuation().dhcs_code(), 3);
    EXPECT_EQ(y.assignment().discontinuation().date(), "2026-07-31");
  }
  if (Maps(l, "member.experiencing_homelessness")) {
    ASSERT_TRUE(y.member().has_experiencing_homelessness());
    EXPECT_TRUE(y.member().experiencing_homelessness());
  }
  if (Maps(l, "assignment.status")) {
    EXPECT_EQ(y.assignment().status(), hub::v1::ENROLLMENT_STATUS_DISCONTINUED);
  }
  if (Maps(l, "assignment.acuity")) {
    EXPECT_EQ(y.assignment().acuity(), hub::v1::ACUITY_HIGH);
  }
  if (Maps(l, "action")) {
    EXPECT_EQ(y.action(), hub::v1::ROW_ACTION_UPSERT);
  }
  if (Maps(l, "medical_record_number")) {
    EXPECT_EQ(y.medical_record_number(), "11223344");
  }

  // A member without discontinuation, homelessness flag or end dates also
  // round-trips, and comes back without them.
  AssignmentFileRow bare = x;
  bare.mutable_assignment()->clear_discontinuation();
  bare.mutable_assignment()->clear_benefit_end_date();
  bare.mutable_coverage()->clear_end_date();
  bare.mutable_member()->clear_experiencing_homelessness();
  const std::vector<std::string> bare_values = (*c)->Render(bare);
  errors.clear();
  auto bare_mapped = (*c)->Map(bare_values, errors);
  ASSERT_TRUE(errors.empty()) << ErrorsText(errors);
  const auto& z = static_cast<const AssignmentFileRow&>(*bare_mapped);
  EXPECT_EQ((*c)->Render(z), bare_values);
  EXPECT_EQ(z.assignment().discontinuation().dhcs_code(), 0);
  EXPECT_FALSE(z.member().has_experiencing_homelessness());
  EXPECT_EQ(z.assignment().benefit_end_date(), "");
  EXPECT_EQ(z.coverage().end_date(), "");
}

TEST_P(PlanProfileTest, AuthorizationRoundTrip) {
  auto c = Compile(GetParam(), hub::v1::FILE_KIND_CS_AUTHORIZATION);
  ASSERT_TRUE(c.ok()) << c.status();
  const AuthorizationFileRow x = RichAuthorization();
  const std::vector<std::string> first = (*c)->Render(x);
  std::vector<RowError> errors;
  auto mapped = (*c)->Map(first, errors);
  ASSERT_TRUE(errors.empty()) << ErrorsText(errors);
  const auto& y = static_cast<const AuthorizationFileRow&>(*mapped);
  EXPECT_EQ((*c)->Render(y), first);
  // Every plan maps every authorization field: all of it comes back.
  std::string diff;
  MessageDifferencer d;
  d.ReportDifferencesToString(&diff);
  EXPECT_TRUE(d.Compare(x.authorization(), y.authorization())) << diff;
  EXPECT_EQ(y.provider_npi(), kCsNpi);
  if (Maps((*c)->layout, "action")) {
    EXPECT_EQ(y.action(), hub::v1::ROW_ACTION_UPSERT);
  }
}

TEST_P(PlanProfileTest, QualityRoundTrip) {
  auto c = Compile(GetParam(), hub::v1::FILE_KIND_QUALITY_REPORT);
  ASSERT_TRUE(c.ok()) << c.status();
  const QualityFileRow x = RichQuality();
  const std::vector<std::string> first = (*c)->Render(x);
  std::vector<RowError> errors;
  auto mapped = (*c)->Map(first, errors);
  ASSERT_TRUE(errors.empty()) << ErrorsText(errors);
  const auto& y = static_cast<const QualityFileRow&>(*mapped);
  EXPECT_EQ((*c)->Render(y), first);
  EXPECT_TRUE(MessageDifferencer::Equals(x, y)) << y.DebugString();
}

// Rendered values fit their fixed-width columns.
TEST_P(PlanProfileTest, FixedWidthValuesFit) {
  const std::vector<std::unique_ptr<Message>> rows = [] {
    std::vector<std::unique_ptr<Message>> v;
    v.push_back(std::make_unique<AssignmentFileRow>(RichMember()));
    v.push_back(std::make_unique<AuthorizationFileRow>(RichAuthorization()));
    v.push_back(std::make_unique<QualityFileRow>(RichQuality()));
    return v;
  }();
  for (size_t k = 0; k < 3; ++k) {
    auto c = Compile(GetParam(), kKinds[k]);
    ASSERT_TRUE(c.ok()) << c.status();
    if (!(*c)->layout.has_fixed_width()) continue;
    const std::vector<std::string> values = (*c)->Render(*rows[k]);
    const auto& cols = (*c)->layout.fixed_width().columns();
    ASSERT_EQ(values.size(), static_cast<size_t>(cols.size()));
    for (int i = 0; i < cols.size(); ++i) {
      EXPECT_LE(values[static_cast<size_t>(i)].size(), static_cast<size_t>(cols[i].length()))
          << cols[i].name();
    }
  }
}

// Each plan's code map for a code-mapped enum target lists every value of
// the enum (all 15 Community Supports, all 16 POFs, every authorization,
// referral and closure status), and each value round-trips.
TEST_P(PlanProfileTest, EnumCodeMapsCoverEveryValue) {
  auto p = LoadProfile(GetParam());
  ASSERT_TRUE(p.ok()) << p.status();
  const std::map<std::string, std::pair<const EnumDescriptor*, std::string>> complete = {
      {"authorization.community_support",
       {hub::v1::CommunitySupport_descriptor(), "COMMUNITY_SUPPORT_"}},
      {"authorization.status",
       {hub::v1::AuthorizationStatus_descriptor(), "AUTHORIZATION_STATUS_"}},
      {"authorization.referral_status", {hub::v1::ReferralStatus_descriptor(), "REFERRAL_STATUS_"}},
      {"authorization.closure_reason",
       {hub::v1::LoopClosureReason_descriptor(), "LOOP_CLOSURE_REASON_"}},
      {"assignment.populations_of_focus",
       {hub::v1::PopulationOfFocus_descriptor(), "POPULATION_OF_FOCUS_"}},
      {"assignment.status", {hub::v1::EnrollmentStatus_descriptor(), "ENROLLMENT_STATUS_"}},
  };
  int checked = 0;
  for (const auto& l : p->layouts()) {
    for (const auto& m : l.fields()) {
      auto it = complete.find(m.target());
      if (it == complete.end() || m.code_map().empty()) continue;
      SCOPED_TRACE(m.code_map());
      const CodeMap* cm = FindCodeMap(*p, m.code_map());
      ASSERT_NE(cm, nullptr);
      const auto& [e, prefix] = it->second;
      std::set<int> covered;
      for (const auto& entry : cm->entries()) {
        const EnumValueDescriptor* v = ResolveEnum(e, entry.canonical_value(), prefix);
        ASSERT_NE(v, nullptr) << entry.canonical_value();
        covered.insert(v->number());
      }
      for (int i = 0; i < e->value_count(); ++i) {
        if (e->value(i)->number() == 0) continue;
        EXPECT_TRUE(covered.count(e->value(i)->number())) << "missing " << e->value(i)->name();
      }
      ++checked;
    }
  }
  // At least the authorization file's four enums are code-mapped.
  EXPECT_GE(checked, 4);
}

TEST_P(PlanProfileTest, AllFifteenCommunitySupportsRoundTrip) {
  auto c = Compile(GetParam(), hub::v1::FILE_KIND_CS_AUTHORIZATION);
  ASSERT_TRUE(c.ok()) << c.status();
  const FieldMapping* m = MappingOf((*c)->layout, "authorization.community_support");
  ASSERT_NE(m, nullptr);
  ASSERT_FALSE(m->code_map().empty());
  const EnumDescriptor* e = hub::v1::CommunitySupport_descriptor();
  std::set<std::string> plan_codes;
  int count = 0;
  for (int i = 0; i < e->value_count(); ++i) {
    if (e->value(i)->number() == 0) continue;
    ++count;
    AuthorizationFileRow x = RichAuthorization();
    x.mutable_authorization()->set_community_support(
        static_cast<hub::v1::CommunitySupport>(e->value(i)->number()));
    const std::vector<std::string> values = (*c)->Render(x);
    plan_codes.insert(values[static_cast<size_t>((*c)->ColumnOf(m->source()))]);
    std::vector<RowError> errors;
    auto y = (*c)->Map(values, errors);
    ASSERT_TRUE(errors.empty()) << e->value(i)->name() << ": " << ErrorsText(errors);
    EXPECT_EQ(static_cast<const AuthorizationFileRow&>(*y).authorization().community_support(),
              x.authorization().community_support());
  }
  EXPECT_EQ(count, 15);
  EXPECT_EQ(plan_codes.size(), 15u) << "each support needs its own plan code";
}

// Kaiser-style yes/no POF columns: each adds its population of focus.
TEST_P(PlanProfileTest, PopulationsOfFocusAreExpressible) {
  auto c = Compile(GetParam(), hub::v1::FILE_KIND_MEMBER_ASSIGNMENT);
  ASSERT_TRUE(c.ok()) << c.status();
  std::set<int> expressible;
  for (const auto& m : (*c)->layout.fields()) {
    if (m.target() != "assignment.populations_of_focus") continue;
    if (!m.when_yes().empty()) {
      const EnumValueDescriptor* v = ResolveEnum(hub::v1::PopulationOfFocus_descriptor(),
                                                 m.when_yes(), "POPULATION_OF_FOCUS_");
      ASSERT_NE(v, nullptr) << m.when_yes();
      EXPECT_TRUE(expressible.insert(v->number()).second) << "two columns for " << m.when_yes();
    } else {
      for (int i = 0; i < hub::v1::PopulationOfFocus_descriptor()->value_count(); ++i) {
        expressible.insert(hub::v1::PopulationOfFocus_descriptor()->value(i)->number());
      }
    }
  }
  expressible.erase(0);
  EXPECT_GE(expressible.size(), 9u);
  // Every expressible POF, alone, round-trips.
  for (int n : expressible) {
    AssignmentFileRow x = RichMember();
    x.mutable_assignment()->clear_populations_of_focus();
    x.mutable_assignment()->add_populations_of_focus(static_cast<hub::v1::PopulationOfFocus>(n));
    std::vector<RowError> errors;
    auto y = (*c)->Map((*c)->Render(x), errors);
    ASSERT_TRUE(errors.empty()) << n << ": " << ErrorsText(errors);
    const auto& row = static_cast<const AssignmentFileRow&>(*y);
    ASSERT_EQ(row.assignment().populations_of_focus_size(), 1) << n;
    EXPECT_EQ(row.assignment().populations_of_focus(0), n);
  }
}

// Collects the canonical rows a plan adapter parses.
class CollectingRowSink : public CanonicalRowSink {
 public:
  absl::Status OnRow(int64_t row_number, const Message& row) override {
    std::unique_ptr<Message> copy(row.New());
    copy->CopyFrom(row);
    rows.push_back(std::move(copy));
    return absl::OkStatus();
  }
  absl::Status OnRowError(const RowError& error) override {
    errors.push_back(error);
    return absl::OkStatus();
  }

  std::vector<std::unique_ptr<Message>> rows;
  std::vector<RowError> errors;
};

// The rows, rendered and written as the plan's file, are read back by the
// layout's reader and map to rows that render identically.
TEST_P(PlanProfileTest, FileBytesRoundTrip) {
  AssignmentFileRow bare = RichMember();
  bare.mutable_assignment()->clear_discontinuation();
  bare.mutable_member()->clear_experiencing_homelessness();
  bare.mutable_coverage()->clear_end_date();
  bare.mutable_assignment()->clear_benefit_end_date();
  bare.mutable_member()->mutable_name()->set_last("O'Brien, \"Jr\"");
  AuthorizationFileRow pending = RichAuthorization();
  pending.mutable_authorization()->set_authorization_number("AUTH-2026-000124");
  pending.mutable_authorization()->set_status(hub::v1::AUTHORIZATION_STATUS_REQUESTED);
  pending.mutable_authorization()->clear_referral_status();
  pending.mutable_authorization()->clear_closure_reason();
  pending.mutable_authorization()->clear_closure_reason_text();
  pending.mutable_authorization()->clear_modifiers();
  pending.mutable_authorization()->add_modifiers("U6");
  QualityFileRow whole = RichQuality();
  whole.mutable_report()->clear_stratifier();
  whole.mutable_report()->set_period("2026-03");

  const AssignmentFileRow rich_member = RichMember();
  const AuthorizationFileRow rich_authorization = RichAuthorization();
  const QualityFileRow rich_quality = RichQuality();
  const std::vector<std::vector<const Message*>> rows = {
      {&rich_member, &bare}, {&rich_authorization, &pending}, {&rich_quality, &whole}};
  for (size_t k = 0; k < 3; ++k) {
    SCOPED_TRACE(hub::v1::FileKind_Name(kKinds[k]));
    auto c = Compile(GetParam(), kKinds[k]);
    ASSERT_TRUE(c.ok()) << c.status();
    std::vector<std::vector<std::string>> rendered;
    for (const Message* row : rows[k]) rendered.push_back((*c)->Render(*row));

    // Written by the plan's adapter (header, trailer, 834 envelope)...
    auto adapter = CreateDeclarativePlanAdapter((*c)->profile);
    ASSERT_TRUE(adapter.ok()) << adapter.status();
    auto renderer = (*adapter)->OpenRenderer(kKinds[k], RenderOptions{});
    ASSERT_TRUE(renderer.ok()) << renderer.status();
    std::string bytes;
    for (const Message* row : rows[k]) {
      absl::Status added = (*renderer)->Add(*row, bytes);
      ASSERT_TRUE(added.ok()) << added;
    }
    ASSERT_TRUE((*renderer)->Finish(bytes).ok());

    // ...and read back by its parser, in small chunks: results must not
    // depend on chunk boundaries.
    CollectingRowSink sink;
    auto parser = (*adapter)->OpenParser(kKinds[k], &sink);
    ASSERT_TRUE(parser.ok()) << parser.status();
    for (size_t at = 0; at < bytes.size(); at += 7) {
      ASSERT_TRUE((*parser)->Feed(std::string_view(bytes).substr(at, 7)).ok());
    }
    absl::Status finished = (*parser)->Finish();
    ASSERT_TRUE(finished.ok()) << finished;
    ASSERT_TRUE(sink.errors.empty()) << ErrorsText(sink.errors);
    ASSERT_EQ(sink.rows.size(), rendered.size());
    for (size_t r = 0; r < sink.rows.size(); ++r) {
      EXPECT_EQ((*c)->Render(*sink.rows[r]), rendered[r]) << "row " << r + 1;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Plans, PlanProfileTest, ::testing::ValuesIn(Plans()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

// ------------------------------------------------ plan-specific behaviours

// Sets the column `source` of a rendered row to `value`.
void SetColumn(const Compiled& c, std::vector<std::string>& fields, const std::string& source,
               const std::string& value) {
  const int col = c.ColumnOf(source);
  ASSERT_GE(col, 0) << source;
  fields[static_cast<size_t>(col)] = value;
}

TEST(PlanSpecificTest, AetnaNumericPofListAndMmDdYyyy) {
  auto c = Compile("aetna", hub::v1::FILE_KIND_MEMBER_ASSIGNMENT);
  ASSERT_TRUE(c.ok()) << c.status();
  std::vector<std::string> fields = (*c)->Render(RichMember());
  EXPECT_EQ(fields[static_cast<size_t>((*c)->ColumnOf("POF"))], "1;4");
  EXPECT_EQ(fields[static_cast<size_t>((*c)->ColumnOf("DOB"))], "07/04/1961");
  EXPECT_EQ(fields[static_cast<size_t>((*c)->ColumnOf("DISC_REASON_CODE"))], "3");
  SetColumn(**c, fields, "POF", "3; 13;16");
  SetColumn(**c, fields, "DISC_REASON_CODE", "15");
  std::vector<RowError> errors;
  auto y = (*c)->Map(fields, errors);
  ASSERT_TRUE(errors.empty()) << ErrorsText(errors);
  const auto& row = static_cast<const AssignmentFileRow&>(*y);
  EXPECT_EQ(row.assignment().discontinuation().dhcs_code(), 15);
  ASSERT_EQ(row.assignment().populations_of_focus_size(), 3);
  EXPECT_EQ(row.assignment().populations_of_focus(1), hub::v1::POPULATION_OF_FOCUS_CHILD_CCS);
  SetColumn(**c, fields, "POF", "1;99");
  errors.clear();
  (*c)->Map(fields, errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].reason_code, kRowUnknownCode);
}

TEST(PlanSpecificTest, BlueShieldPromiseDeltaActions) {
  auto c = Compile("blue_shield_promise", hub::v1::FILE_KIND_MEMBER_ASSIGNMENT);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ((*c)->layout.semantics(), hub::v1::FILE_SEMANTICS_DELTA);
  EXPECT_EQ((*c)->layout.delimited().trailer_tag(), "TRL");
  EXPECT_EQ((*c)->layout.delimited().trailer_count_column(), 2);
  std::vector<std::string> fields = (*c)->Render(RichMember());
  EXPECT_EQ(fields[static_cast<size_t>((*c)->ColumnOf("TXN_TYPE"))], "A");
  EXPECT_EQ(fields[static_cast<size_t>((*c)->ColumnOf("MBR_BIRTH_DT"))], "19610704");
  EXPECT_EQ(fields[static_cast<size_t>((*c)->ColumnOf("ECM_POF_CDS"))], "HOMELESS-IND,SMI-SUD");
  for (const auto& [code, action] : std::vector<std::pair<std::string, hub::v1::RowAction>>{
           {"A", hub::v1::ROW_ACTION_UPSERT},
           {"c", hub::v1::ROW_ACTION_UPSERT},
           {"T", hub::v1::ROW_ACTION_TERMINATE}}) {
    SetColumn(**c, fields, "TXN_TYPE", code);
    std::vector<RowError> errors;
    auto y = (*c)->Map(fields, errors);
    ASSERT_TRUE(errors.empty()) << ErrorsText(errors);
    EXPECT_EQ(static_cast<const AssignmentFileRow&>(*y).action(), action) << code;
  }
}

TEST(PlanSpecificTest, CommunityHealthGroupFixedWidthRecord) {
  auto c = Compile("community_health_group", hub::v1::FILE_KIND_MEMBER_ASSIGNMENT);
  ASSERT_TRUE(c.ok()) << c.status();
  const auto& fw = (*c)->layout.fixed_width();
  EXPECT_EQ(fw.record_type_column(), "REC_TYPE");
  // Realistic widths: names 35, address lines 55, city 30.
  std::map<std::string, int> width;
  for (const auto& col : fw.columns()) width[col.name()] = col.length();
  EXPECT_EQ(width["LAST_NAME"], 35);
  EXPECT_EQ(width["FIRST_NAME"], 35);
  EXPECT_EQ(width["ADDR_LINE1"], 55);
  EXPECT_EQ(width["CITY"], 30);
  EXPECT_EQ(width["CIN"], 9);
  EXPECT_EQ(width["ECM_PROV_NPI"], 10);
  std::vector<std::string> fields = (*c)->Render(RichMember());
  EXPECT_EQ(fields[static_cast<size_t>((*c)->ColumnOf("POF_CODES"))], "A1,A4");
  EXPECT_EQ(fields[static_cast<size_t>((*c)->ColumnOf("ECM_START"))], "20260201");
}

TEST(PlanSpecificTest, HealthNet834Fields) {
  auto c = Compile("health_net", hub::v1::FILE_KIND_MEMBER_ASSIGNMENT);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE((*c)->layout.has_x12());
  const std::set<std::string> expected = {
      "subscriber_id", "member_id",   "last_name",     "first_name",    "middle_name",
      "birth_date",    "gender",      "address_line1", "address_line2", "city",
      "state",         "zip",         "phone",         "language",      "maintenance_type",
      "benefit_begin", "benefit_end", "provider_npi",  "ref_zz"};
  std::set<std::string> sources((*c)->mapper->sources().begin(), (*c)->mapper->sources().end());
  EXPECT_EQ(sources, expected);
  std::vector<std::string> fields = (*c)->Render(RichMember());
  EXPECT_EQ(fields[static_cast<size_t>((*c)->ColumnOf("maintenance_type"))], "021");
  EXPECT_EQ(fields[static_cast<size_t>((*c)->ColumnOf("gender"))], "F");
  EXPECT_EQ(fields[static_cast<size_t>((*c)->ColumnOf("birth_date"))], "19610704");
  EXPECT_EQ(fields[static_cast<size_t>((*c)->ColumnOf("ref_zz"))], "ECM-AH;ECM-AB");
  SetColumn(**c, fields, "zip", "921011234");
  for (const auto& [code, action] : std::vector<std::pair<std::string, hub::v1::RowAction>>{
           {"021", hub::v1::ROW_ACTION_UPSERT},
           {"001", hub::v1::ROW_ACTION_UPSERT},
           {"030", hub::v1::ROW_ACTION_UPSERT},
           {"024", hub::v1::ROW_ACTION_TERMINATE}}) {
    SetColumn(**c, fields, "maintenance_type", code);
    std::vector<RowError> errors;
    auto y = (*c)->Map(fields, errors);
    ASSERT_TRUE(errors.empty()) << ErrorsText(errors);
    const auto& row = static_cast<const AssignmentFileRow&>(*y);
    EXPECT_EQ(row.action(), action) << code;
    EXPECT_EQ(row.member().address().zip(), "92101");
    EXPECT_EQ(row.coverage().start_date(), "2026-02-01");
    EXPECT_EQ(row.assignment().benefit_start_date(), "2026-02-01");
  }
  // A coverage-only member: no provider, no POF.
  SetColumn(**c, fields, "maintenance_type", "021");
  SetColumn(**c, fields, "provider_npi", "");
  SetColumn(**c, fields, "ref_zz", "");
  std::vector<RowError> errors;
  auto y = (*c)->Map(fields, errors);
  EXPECT_TRUE(errors.empty()) << ErrorsText(errors);
  EXPECT_EQ(static_cast<const AssignmentFileRow&>(*y).provider_npi(), "");
}

TEST(PlanSpecificTest, KaiserTemplate) {
  auto c = Compile("kaiser", hub::v1::FILE_KIND_MEMBER_ASSIGNMENT);
  ASSERT_TRUE(c.ok()) << c.status();
  int pof_columns = 0;
  for (const auto& m : (*c)->layout.fields()) pof_columns += m.when_yes().empty() ? 0 : 1;
  EXPECT_EQ(pof_columns, 9);
  std::vector<std::string> fields = (*c)->Render(RichMember());
  // Housed is the inverse of experiencing homelessness.
  EXPECT_EQ(fields[static_cast<size_t>((*c)->ColumnOf("Housed (Y/N)"))], "N");
  EXPECT_EQ(fields[static_cast<size_t>((*c)->ColumnOf("POF Experiencing Homelessness"))], "Y");
  EXPECT_EQ(fields[static_cast<size_t>((*c)->ColumnOf("POF SMI or SUD"))], "Y");
  EXPECT_EQ(fields[static_cast<size_t>((*c)->ColumnOf("POF Birth Equity"))], "N");
  EXPECT_EQ(fields[static_cast<size_t>((*c)->ColumnOf("Engagement Status"))], "Disengaged");
  for (const auto& [housed, homeless] :
       std::vector<std::pair<std::string, bool>>{{"Y", false}, {"N", true}, {"yes", false}}) {
    SetColumn(**c, fields, "Housed (Y/N)", housed);
    std::vector<RowError> errors;
    auto y = (*c)->Map(fields, errors);
    ASSERT_TRUE(errors.empty()) << ErrorsText(errors);
    const auto& row = static_cast<const AssignmentFileRow&>(*y);
    ASSERT_TRUE(row.member().has_experiencing_homelessness());
    EXPECT_EQ(row.member().experiencing_homelessness(), homeless) << housed;
    EXPECT_EQ(row.medical_record_number(), "11223344");
    EXPECT_EQ(row.plan_member_id(), "11223344");
  }
  SetColumn(**c, fields, "Housed (Y/N)", "");
  SetColumn(**c, fields, "Engagement Status", "engaged");
  std::vector<RowError> errors;
  auto y = (*c)->Map(fields, errors);
  ASSERT_TRUE(errors.empty()) << ErrorsText(errors);
  const auto& row = static_cast<const AssignmentFileRow&>(*y);
  EXPECT_FALSE(row.member().has_experiencing_homelessness());
  EXPECT_EQ(row.assignment().status(), hub::v1::ENROLLMENT_STATUS_ENROLLED);
}

// Kaiser's nine yes/no columns name each population once for all ages: a
// child's population is written in its adult counterpart's column and read
// back by age on the benefit start date (under 21: Children and Youth).
TEST(PlanSpecificTest, KaiserPopulationColumnsAreAgeNeutral) {
  auto c = Compile("kaiser", hub::v1::FILE_KIND_MEMBER_ASSIGNMENT);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE((*c)->layout.age_neutral_populations_of_focus());
  using P = hub::v1::PopulationOfFocus;
  struct Case {
    std::string date_of_birth;  // benefit start is 2026-02-01
    std::vector<P> written;
    std::vector<P> read;
  };
  const std::vector<Case> cases = {
      // 15: every child population comes back as itself, family homelessness
      // as homelessness (one column for both).
      {"2010-05-05",
       {hub::v1::POPULATION_OF_FOCUS_CHILD_FAMILY_HOMELESSNESS,
        hub::v1::POPULATION_OF_FOCUS_CHILD_SMI_SUD_SED, hub::v1::POPULATION_OF_FOCUS_CHILD_CCS},
       {hub::v1::POPULATION_OF_FOCUS_CHILD_INDIVIDUAL_HOMELESSNESS,
        hub::v1::POPULATION_OF_FOCUS_CHILD_SMI_SUD_SED, hub::v1::POPULATION_OF_FOCUS_CHILD_CCS}},
      {"2010-05-05",
       {hub::v1::POPULATION_OF_FOCUS_CHILD_AVOIDABLE_UTILIZATION,
        hub::v1::POPULATION_OF_FOCUS_CHILD_TRANSITIONING_FROM_INCARCERATION,
        hub::v1::POPULATION_OF_FOCUS_CHILD_BIRTH_EQUITY,
        hub::v1::POPULATION_OF_FOCUS_CHILD_WELFARE},
       {hub::v1::POPULATION_OF_FOCUS_CHILD_AVOIDABLE_UTILIZATION,
        hub::v1::POPULATION_OF_FOCUS_CHILD_TRANSITIONING_FROM_INCARCERATION,
        hub::v1::POPULATION_OF_FOCUS_CHILD_BIRTH_EQUITY,
        hub::v1::POPULATION_OF_FOCUS_CHILD_WELFARE}},
      // 20 on the day before the benefit starts' birthday: still a child.
      {"2005-02-02",
       {hub::v1::POPULATION_OF_FOCUS_CHILD_SMI_SUD_SED},
       {hub::v1::POPULATION_OF_FOCUS_CHILD_SMI_SUD_SED}},
      // 21 on the benefit start day: an adult.
      {"2005-02-01",
       {hub::v1::POPULATION_OF_FOCUS_ADULT_SMI_SUD},
       {hub::v1::POPULATION_OF_FOCUS_ADULT_SMI_SUD}},
      {"1961-07-04",
       {hub::v1::POPULATION_OF_FOCUS_ADULT_FAMILY_HOMELESSNESS,
        hub::v1::POPULATION_OF_FOCUS_ADULT_NURSING_FACILITY_TRANSITION},
       {hub::v1::POPULATION_OF_FOCUS_ADULT_INDIVIDUAL_HOMELESSNESS,
        hub::v1::POPULATION_OF_FOCUS_ADULT_NURSING_FACILITY_TRANSITION}},
  };
  auto adapter = CreateDeclarativePlanAdapter((*c)->profile);
  ASSERT_TRUE(adapter.ok()) << adapter.status();
  auto renderer = (*adapter)->OpenRenderer(hub::v1::FILE_KIND_MEMBER_ASSIGNMENT, RenderOptions{});
  ASSERT_TRUE(renderer.ok()) << renderer.status();
  std::string bytes;
  for (const Case& k : cases) {
    AssignmentFileRow row = RichMember();
    row.mutable_member()->set_date_of_birth(k.date_of_birth);
    row.mutable_assignment()->clear_populations_of_focus();
    for (P p : k.written) row.mutable_assignment()->add_populations_of_focus(p);
    ASSERT_TRUE((*renderer)->Add(row, bytes).ok());
  }
  ASSERT_TRUE((*renderer)->Finish(bytes).ok());
  // The child's homelessness is a "Y" in the one homelessness column.
  EXPECT_THAT(bytes, ::testing::HasSubstr("POF Experiencing Homelessness"));
  CollectingRowSink sink;
  auto parser = (*adapter)->OpenParser(hub::v1::FILE_KIND_MEMBER_ASSIGNMENT, &sink);
  ASSERT_TRUE(parser.ok()) << parser.status();
  ASSERT_TRUE((*parser)->Feed(bytes).ok());
  ASSERT_TRUE((*parser)->Finish().ok());
  ASSERT_TRUE(sink.errors.empty()) << ErrorsText(sink.errors);
  ASSERT_EQ(sink.rows.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& row = static_cast<const AssignmentFileRow&>(*sink.rows[i]);
    std::vector<P> read;
    for (int p : row.assignment().populations_of_focus()) read.push_back(static_cast<P>(p));
    std::vector<P> want = cases[i].read;
    std::sort(read.begin(), read.end());
    std::sort(want.begin(), want.end());
    EXPECT_EQ(read, want) << "case " << i;
  }
}

TEST(PlanSpecificTest, MolinaDiscontinuationCodes) {
  auto c = Compile("molina", hub::v1::FILE_KIND_MEMBER_ASSIGNMENT);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ((*c)->layout.delimited().delimiter(), "\t");
  std::vector<std::string> fields = (*c)->Render(RichMember());
  EXPECT_EQ(fields[static_cast<size_t>((*c)->ColumnOf("Discontinuation Reason Code"))],
            "MOL-OPT-OUT");
  EXPECT_EQ(fields[static_cast<size_t>((*c)->ColumnOf("DOB"))], "07-04-1961");
  std::set<int> reached;
  const CodeMap* cm = FindCodeMap((*c)->profile, "molina_disc_reason");
  ASSERT_NE(cm, nullptr);
  for (const auto& entry : cm->entries()) {
    if (entry.plan_value().empty()) continue;
    SetColumn(**c, fields, "Discontinuation Reason Code",
              absl::AsciiStrToLower(entry.plan_value()));
    std::vector<RowError> errors;
    auto y = (*c)->Map(fields, errors);
    ASSERT_TRUE(errors.empty()) << ErrorsText(errors);
    const auto& d = static_cast<const AssignmentFileRow&>(*y).assignment().discontinuation();
    EXPECT_EQ(absl::StrCat(d.dhcs_code()), entry.canonical_value());
    EXPECT_EQ(d.plan_code(), entry.plan_value());
    reached.insert(d.dhcs_code());
  }
  EXPECT_EQ(reached, (std::set<int>{1, 2, 3, 4, 5, 7, 8, 15}));
  SetColumn(**c, fields, "Discontinuation Reason Code", "MOL-UNKNOWN");
  std::vector<RowError> errors;
  (*c)->Map(fields, errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "Discontinuation Reason Code");
  EXPECT_EQ(errors[0].reason_code, kRowUnknownCode);
}

TEST(PlanSpecificTest, UnitedIsPositionalWithIsoDates) {
  auto c = Compile("united", hub::v1::FILE_KIND_MEMBER_ASSIGNMENT);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE((*c)->layout.delimited().header());
  EXPECT_EQ((*c)->columns.count, 26);
  std::vector<std::string> fields = (*c)->Render(RichMember());
  EXPECT_EQ(fields[1], kCin);
  EXPECT_EQ(fields[5], "1961-07-04");
  EXPECT_EQ(fields[19], "HI~BH");
}

}  // namespace
}  // namespace hub::adapters
