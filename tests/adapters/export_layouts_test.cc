// The hub -> plan export layouts of the seven plan profiles: the Return
// Transmission File (with the closed-loop referral fields), the Outreach
// Tracker File and the invoice file. Each plan's layouts map the columns
// domain.md lists, their code maps cover every enum value, and rows survive
// render -> bytes -> parse -> render unchanged, with the key values asserted.
// Also the derived fields (dollar charges, POF indicator) and the canonical
// row prototypes.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "adapters/mapping/derived_fields.h"
#include "adapters/mapping/row_mapper.h"
#include "adapters/plan_adapter.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "hub/v1/plan_file.pb.h"
#include "tests/adapters/export_test_rows.h"
#include "tests/adapters/export_test_util.h"

namespace hub::adapters {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using hub::v1::FileKind;
using hub::v1::FileLayout;
using hub::v1::InvoiceFileRow;
using hub::v1::OutreachTrackerRow;
using hub::v1::PlanProfile;
using hub::v1::ReturnTransmissionRow;
using testing::CanonicalRowCollector;
using testing::ExportInvoiceRows;
using testing::ExportOtfRows;
using testing::ExportPlans;
using testing::ExportRtfRows;
using testing::FindLayout;
using testing::LoadPlanProfile;
using testing::ParseFile;
using testing::RenderFile;
using testing::RowsAs;

constexpr FileKind kLayoutExportKinds[] = {hub::v1::FILE_KIND_RETURN_TRANSMISSION,
                                           hub::v1::FILE_KIND_OUTREACH_TRACKER,
                                           hub::v1::FILE_KIND_INVOICE};

bool MapsTarget(const FileLayout& l, const std::string& target) {
  for (const auto& m : l.fields()) {
    if (m.target() == target) return true;
  }
  return false;
}

const hub::v1::FieldMapping* LayoutMappingOf(const FileLayout& l, const std::string& target) {
  for (const auto& m : l.fields()) {
    if (m.target() == target) return &m;
  }
  return nullptr;
}

// The leaf field a dotted target names in `d`.
const FieldDescriptor* Leaf(const Descriptor* d, const std::string& target) {
  const FieldDescriptor* f = nullptr;
  for (absl::string_view part : absl::StrSplit(target, '.')) {
    if (d == nullptr) return nullptr;
    f = d->FindFieldByName(std::string(part));
    if (f == nullptr) return nullptr;
    d = f->type() == FieldDescriptor::TYPE_MESSAGE ? f->message_type() : nullptr;
  }
  return f;
}

// Rendered column values of `row` by source, as the plan's file shows them.
std::map<std::string, std::string> Columns(const PlanProfile& profile, FileKind kind,
                                           const Message& row) {
  std::map<std::string, std::string> out;
  const FileLayout* layout = FindLayout(profile, kind);
  EXPECT_NE(layout, nullptr);
  if (layout == nullptr) return out;
  auto proto = CanonicalRowPrototype(kind);
  EXPECT_TRUE(proto.ok());
  auto mapper = RowMapper::Create(profile, *layout, **proto);
  EXPECT_TRUE(mapper.ok()) << mapper.status();
  std::unique_ptr<Message> scratch;
  std::vector<std::string> values;
  absl::Status s = (*mapper)->Render(WithDerivedFields(*layout, row, scratch), values);
  EXPECT_TRUE(s.ok()) << s;
  for (size_t i = 0; i < values.size(); ++i) out.try_emplace(layout->fields(i).source(), values[i]);
  return out;
}

class ExportLayoutTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto p = LoadPlanProfile(GetParam());
    ASSERT_TRUE(p.ok()) << p.status();
    profile_ = *p;
    auto a = CreateDeclarativePlanAdapter(profile_);
    ASSERT_TRUE(a.ok()) << a.status();
    adapter_ = *std::move(a);
  }

  bool IsKaiser() const { return GetParam() == "kaiser"; }

  PlanProfile profile_;
  std::unique_ptr<PlanAdapter> adapter_;
};

TEST_P(ExportLayoutTest, HasTheThreeExportLayoutsInTextFormats) {
  for (FileKind kind : kLayoutExportKinds) {
    SCOPED_TRACE(hub::v1::FileKind_Name(kind));
    EXPECT_TRUE(adapter_->Handles(kind));
    const FileLayout* l = FindLayout(profile_, kind);
    ASSERT_NE(l, nullptr);
    // Health Net reads an 834, but its exports are CSV like its other files.
    EXPECT_TRUE(l->has_delimited() || l->has_fixed_width());
    EXPECT_FALSE(l->has_x12());
  }
  // Each export uses the plan's own style: the same delimiter and date
  // format as its authorization file.
  const FileLayout* auth = FindLayout(profile_, hub::v1::FILE_KIND_CS_AUTHORIZATION);
  ASSERT_NE(auth, nullptr);
  for (FileKind kind : kLayoutExportKinds) {
    const FileLayout* l = FindLayout(profile_, kind);
    EXPECT_EQ(l->default_date_format(), auth->default_date_format());
    EXPECT_EQ(l->has_fixed_width(), auth->has_fixed_width());
    if (l->has_delimited()) {
      EXPECT_EQ(l->delimited().delimiter(), auth->delimited().delimiter());
      EXPECT_EQ(l->delimited().header(), auth->delimited().header());
      EXPECT_EQ(l->delimited().trailer_tag(), auth->delimited().trailer_tag());
    }
  }
}

// The RTF columns domain.md lists, plus the closed-loop referral fields.
TEST_P(ExportLayoutTest, RtfMapsTheDomainColumns) {
  const FileLayout* l = FindLayout(profile_, hub::v1::FILE_KIND_RETURN_TRANSMISSION);
  ASSERT_NE(l, nullptr);
  const std::vector<std::string> targets = {"plan.dhcs_plan_code",
                                            "plan.name",
                                            "member.cin",
                                            "member.name.last",
                                            "member.name.first",
                                            "new_address",
                                            "member.experiencing_homelessness",
                                            "member.address.line1",
                                            "member.address.city",
                                            "member.address.state",
                                            "member.address.zip",
                                            "new_phone",
                                            "member.phone",
                                            "populations_of_focus",
                                            "enrollment.status",
                                            "enrollment.acuity",
                                            "enrollment.enrollment_start_date",
                                            "enrollment.enrollment_end_date",
                                            "enrollment.care_plan_revision_date",
                                            "enrollment.care_conference_date",
                                            "enrollment.assessment_start_date",
                                            "enrollment.assessment_completed_date",
                                            "enrollment.last_encounter_date",
                                            "enrollment.lead_care_manager.name",
                                            "enrollment.lead_care_manager.phone",
                                            "enrollment.lead_care_manager.email",
                                            "enrollment.discontinuation.date",
                                            "enrollment.discontinuation.dhcs_code",
                                            "enrollment.discontinuation.reason",
                                            "enrollment.in_person_encounters",
                                            "enrollment.telephonic_encounters",
                                            "production_date",
                                            "reporting_period",
                                            "provider.name",
                                            "provider.npi",
                                            "provider.tin",
                                            "provider.phone",
                                            "authorization_number",
                                            "referral_status",
                                            "referral_status_date",
                                            "closure_reason",
                                            "closure_reason_text"};
  for (const auto& t : targets) EXPECT_TRUE(MapsTarget(*l, t)) << t;
  for (const std::string t :
       {"member.cin", "provider.npi", "production_date", "reporting_period"}) {
    ASSERT_NE(LayoutMappingOf(*l, t), nullptr) << t;
    EXPECT_TRUE(LayoutMappingOf(*l, t)->required()) << t;
  }
  int pof_columns = 0;
  for (const auto& m : l->fields()) pof_columns += m.when_yes().empty() ? 0 : 1;
  if (IsKaiser()) {
    // Kaiser's template: medical record number, engagement status, the
    // referral's authorization number, languages, housed Y/N, nine POF flags.
    for (const std::string t : {"medical_record_number", "member.preferred_spoken_language",
                                "member.preferred_written_language"}) {
      EXPECT_TRUE(MapsTarget(*l, t)) << t;
    }
    EXPECT_EQ(pof_columns, 9);
    EXPECT_EQ(LayoutMappingOf(*l, "member.experiencing_homelessness")->source(), "Housed (Y/N)");
    EXPECT_EQ(LayoutMappingOf(*l, "enrollment.status")->source(), "Engagement Status");
  } else {
    EXPECT_TRUE(MapsTarget(*l, "pof_indicator"));
    EXPECT_EQ(pof_columns, 0);
    EXPECT_FALSE(LayoutMappingOf(*l, "populations_of_focus")->code_map().empty());
  }
}

TEST_P(ExportLayoutTest, OtfAndInvoiceMapTheDomainColumns) {
  const FileLayout* otf = FindLayout(profile_, hub::v1::FILE_KIND_OUTREACH_TRACKER);
  ASSERT_NE(otf, nullptr);
  for (const std::string t :
       {"plan.dhcs_plan_code", "plan.name", "provider.name", "provider.npi", "provider.tin",
        "provider.provider_type", "member.name.last", "member.name.first", "member.cin",
        "attempt.attempt_date", "attempt.method", "attempt.successful", "attempt.minutes"}) {
    EXPECT_TRUE(MapsTarget(*otf, t)) << t;
  }
  for (const std::string t :
       {"member.cin", "provider.npi", "attempt.attempt_date", "attempt.method"}) {
    EXPECT_TRUE(LayoutMappingOf(*otf, t)->required()) << t;
  }
  const FileLayout* inv = FindLayout(profile_, hub::v1::FILE_KIND_INVOICE);
  ASSERT_NE(inv, nullptr);
  for (const std::string t :
       {"plan.dhcs_plan_code", "plan.name", "provider.name", "provider.npi", "provider.tin",
        "member.cin", "member.name.last", "member.name.first", "line.invoice_number",
        "line.line_number", "line.service_date", "line.hcpcs_code", "line.modifiers", "line.units",
        "charge", "line.authorization_number",
        // What a plan needs to make an encounter of the line (plan-files
        // issue), and the crosswalk to the provider's record.
        "member.date_of_birth", "member.sex", "place_of_service", "diagnosis_codes",
        "provider.address.line1", "provider.address.city", "provider.address.state",
        "provider.address.zip", "provider.taxonomy_code", "record_id"}) {
    EXPECT_TRUE(MapsTarget(*inv, t)) << t;
  }
  // Invoices carry dollars, never raw cents.
  EXPECT_FALSE(MapsTarget(*inv, "line.charge_cents"));
}

// Every code-mapped enum column of an export covers every value of its enum,
// and each value survives a round trip through the file.
TEST_P(ExportLayoutTest, ExportCodeMapsCoverEveryValue) {
  int checked = 0;
  for (FileKind kind : kLayoutExportKinds) {
    const FileLayout* l = FindLayout(profile_, kind);
    ASSERT_NE(l, nullptr);
    auto proto = CanonicalRowPrototype(kind);
    ASSERT_TRUE(proto.ok());
    for (const auto& m : l->fields()) {
      if (m.code_map().empty()) continue;
      const FieldDescriptor* leaf = Leaf((*proto)->GetDescriptor(), m.target());
      ASSERT_NE(leaf, nullptr) << m.target();
      if (leaf->type() != FieldDescriptor::TYPE_ENUM) continue;
      SCOPED_TRACE(absl::StrCat(hub::v1::FileKind_Name(kind), " ", m.target()));
      const EnumDescriptor* e = leaf->enum_type();
      for (int i = 0; i < e->value_count(); ++i) {
        if (e->value(i)->number() == 0) continue;
        // One row holding just this value (plus the required columns).
        std::unique_ptr<Message> row((*proto)->New());
        if (kind == hub::v1::FILE_KIND_RETURN_TRANSMISSION) {
          row->CopyFrom(ExportRtfRows(GetParam())[0]);
        } else if (kind == hub::v1::FILE_KIND_OUTREACH_TRACKER) {
          row->CopyFrom(ExportOtfRows(GetParam())[0]);
        } else {
          row->CopyFrom(ExportInvoiceRows(GetParam())[0]);
        }
        Message* parent = row.get();
        std::vector<std::string> parts = absl::StrSplit(m.target(), '.');
        for (size_t p = 0; p + 1 < parts.size(); ++p) {
          const FieldDescriptor* f = parent->GetDescriptor()->FindFieldByName(parts[p]);
          parent = parent->GetReflection()->MutableMessage(parent, f);
        }
        if (leaf->is_repeated()) {
          parent->GetReflection()->ClearField(parent, leaf);
          parent->GetReflection()->AddEnum(parent, leaf, e->value(i));
        } else {
          parent->GetReflection()->SetEnum(parent, leaf, e->value(i));
        }
        std::vector<const Message*> rows = {row.get()};
        auto renderer = adapter_->OpenRenderer(kind, RenderOptions{});
        ASSERT_TRUE(renderer.ok());
        std::string bytes;
        absl::Status added = (*renderer)->Add(*row, bytes);
        ASSERT_TRUE(added.ok()) << e->value(i)->name() << ": " << added;
        ASSERT_TRUE((*renderer)->Finish(bytes).ok());
        CanonicalRowCollector sink;
        absl::Status parsed = ParseFile(*adapter_, kind, bytes, sink);
        ASSERT_TRUE(parsed.ok()) << parsed;
        ASSERT_TRUE(sink.errors.empty()) << e->value(i)->name() << ": " << sink.ErrorsText();
        ASSERT_EQ(sink.rows.size(), 1u);
        const Message* back = sink.rows[0].get();
        for (size_t p = 0; p + 1 < parts.size(); ++p) {
          const FieldDescriptor* f = back->GetDescriptor()->FindFieldByName(parts[p]);
          back = &back->GetReflection()->GetMessage(*back, f);
        }
        if (leaf->is_repeated()) {
          ASSERT_EQ(back->GetReflection()->FieldSize(*back, leaf), 1) << e->value(i)->name();
          EXPECT_EQ(back->GetReflection()->GetRepeatedEnum(*back, leaf, 0), e->value(i));
        } else {
          EXPECT_EQ(back->GetReflection()->GetEnum(*back, leaf), e->value(i));
        }
      }
      ++checked;
    }
  }
  // RTF: status, acuity, referral status, closure reason (+ POF list);
  // OTF: method and provider type.
  EXPECT_GE(checked, 6);
}

TEST_P(ExportLayoutTest, RtfRoundTripsThroughBytes) {
  const auto rows = ExportRtfRows(GetParam());
  auto bytes = RenderFile(*adapter_, hub::v1::FILE_KIND_RETURN_TRANSMISSION, rows);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  CanonicalRowCollector sink;
  absl::Status parsed = ParseFile(*adapter_, hub::v1::FILE_KIND_RETURN_TRANSMISSION, *bytes, sink);
  ASSERT_TRUE(parsed.ok()) << parsed;
  ASSERT_TRUE(sink.errors.empty()) << sink.ErrorsText();
  const auto back = RowsAs<ReturnTransmissionRow>(sink);
  ASSERT_EQ(back.size(), 3u);
  // render(parse(render(x))) == render(x)
  auto again = RenderFile(*adapter_, hub::v1::FILE_KIND_RETURN_TRANSMISSION, back);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *bytes);

  const auto& a = back[0];
  EXPECT_EQ(a.member().cin(), "99898657G");
  EXPECT_EQ(a.member().name().last(), "Rivera-Lopez");
  EXPECT_EQ(a.member().address().zip(), "92101");
  EXPECT_EQ(a.member().phone(), "6195550134");
  ASSERT_TRUE(a.member().has_experiencing_homelessness());
  EXPECT_TRUE(a.member().experiencing_homelessness());
  EXPECT_TRUE(a.new_address());
  EXPECT_FALSE(a.new_phone());
  ASSERT_EQ(a.populations_of_focus_size(), 2);
  EXPECT_EQ(a.populations_of_focus(0), hub::v1::POPULATION_OF_FOCUS_ADULT_INDIVIDUAL_HOMELESSNESS);
  EXPECT_EQ(a.populations_of_focus(1), hub::v1::POPULATION_OF_FOCUS_ADULT_SMI_SUD);
  if (!IsKaiser()) {
    EXPECT_TRUE(a.pof_indicator());
  }
  EXPECT_EQ(a.enrollment().status(), hub::v1::ENROLLMENT_STATUS_ENROLLED);
  EXPECT_EQ(a.enrollment().acuity(), hub::v1::ACUITY_HIGH);
  EXPECT_EQ(a.enrollment().enrollment_start_date(), "2026-02-01");
  EXPECT_EQ(a.enrollment().care_plan_revision_date(), "2026-10-15");
  EXPECT_EQ(a.enrollment().assessment_completed_date(), "2026-02-20");
  EXPECT_EQ(a.enrollment().lead_care_manager().email(), "dana.whitfield@harbor.example.org");
  EXPECT_EQ(a.enrollment().in_person_encounters(), 3);
  EXPECT_EQ(a.enrollment().telephonic_encounters(), 2);
  EXPECT_FALSE(a.enrollment().has_discontinuation());
  EXPECT_EQ(a.authorization_number(), "AUTH-2026-000123");
  EXPECT_EQ(a.referral_status(), hub::v1::REFERRAL_STATUS_ACCEPTED);
  EXPECT_EQ(a.referral_status_date(), "2026-11-02");
  EXPECT_EQ(a.production_date(), "2026-12-03");
  EXPECT_EQ(a.reporting_period(), "2026-11");
  EXPECT_EQ(a.provider().npi(), "1234567893");
  EXPECT_EQ(a.provider().tin(), "953456789");
  EXPECT_EQ(a.plan().name(), rows[0].plan().name());
  if (IsKaiser()) {
    EXPECT_EQ(a.medical_record_number(), "11223344");
    EXPECT_EQ(a.member().preferred_spoken_language(), "es");
  }

  const auto& b = back[1];
  EXPECT_EQ(b.member().name().last(), "O'Brien, \"Jr\"");
  ASSERT_TRUE(b.member().has_experiencing_homelessness());
  EXPECT_FALSE(b.member().experiencing_homelessness());
  EXPECT_TRUE(b.new_phone());
  EXPECT_EQ(b.enrollment().status(), hub::v1::ENROLLMENT_STATUS_DISCONTINUED);
  EXPECT_EQ(b.enrollment().discontinuation().dhcs_code(), 3);
  EXPECT_EQ(b.enrollment().discontinuation().date(), "2026-11-30");
  EXPECT_EQ(b.enrollment().enrollment_end_date(), "2026-11-30");
  EXPECT_EQ(b.referral_status(), hub::v1::REFERRAL_STATUS_CLOSED);
  EXPECT_EQ(b.closure_reason(), hub::v1::LOOP_CLOSURE_REASON_OTHER);
  EXPECT_EQ(b.closure_reason_text(), "Moved out of county; referred to a local CBO");

  // A referral-only row: no ECM fields at all, no POF.
  const auto& c = back[2];
  EXPECT_FALSE(c.has_enrollment());
  EXPECT_EQ(c.populations_of_focus_size(), 0);
  EXPECT_FALSE(c.pof_indicator());
  EXPECT_FALSE(c.member().has_experiencing_homelessness());
  EXPECT_EQ(c.referral_status(), hub::v1::REFERRAL_STATUS_DECLINED);
  EXPECT_EQ(c.closure_reason(), hub::v1::LOOP_CLOSURE_REASON_MEMBER_DECLINED);
}

TEST_P(ExportLayoutTest, OtfRoundTripsThroughBytes) {
  const auto rows = ExportOtfRows(GetParam());
  auto bytes = RenderFile(*adapter_, hub::v1::FILE_KIND_OUTREACH_TRACKER, rows);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  CanonicalRowCollector sink;
  ASSERT_TRUE(ParseFile(*adapter_, hub::v1::FILE_KIND_OUTREACH_TRACKER, *bytes, sink).ok());
  ASSERT_TRUE(sink.errors.empty()) << sink.ErrorsText();
  const auto back = RowsAs<OutreachTrackerRow>(sink);
  ASSERT_EQ(back.size(), 2u);
  auto again = RenderFile(*adapter_, hub::v1::FILE_KIND_OUTREACH_TRACKER, back);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *bytes);
  EXPECT_EQ(back[0].member().cin(), "99898657G");
  EXPECT_EQ(back[0].attempt().attempt_date(), "2026-11-03");
  EXPECT_EQ(back[0].attempt().method(), hub::v1::OUTREACH_METHOD_TELEPHONE);
  EXPECT_FALSE(back[0].attempt().successful());
  EXPECT_EQ(back[0].attempt().minutes(), 15);
  EXPECT_EQ(back[1].attempt().method(), hub::v1::OUTREACH_METHOD_IN_PERSON);
  EXPECT_TRUE(back[1].attempt().successful());
  EXPECT_EQ(back[1].attempt().minutes(), 45);
  EXPECT_EQ(back[1].attempt().authorization_number(), "AUTH-2026-000200");
  EXPECT_EQ(back[1].provider().provider_type(), hub::v1::PROVIDER_TYPE_CBO);
  EXPECT_EQ(back[1].provider().name(), "Harbor Community Services");
  EXPECT_EQ(back[1].member().name().first(), "Lupe");
}

TEST_P(ExportLayoutTest, InvoiceRoundTripsThroughBytesInDollars) {
  const auto rows = ExportInvoiceRows(GetParam());
  auto bytes = RenderFile(*adapter_, hub::v1::FILE_KIND_INVOICE, rows);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_TRUE(absl::StrContains(*bytes, "125.00"));
  EXPECT_TRUE(absl::StrContains(*bytes, "300.50"));
  EXPECT_FALSE(absl::StrContains(*bytes, "30050"));
  CanonicalRowCollector sink;
  ASSERT_TRUE(ParseFile(*adapter_, hub::v1::FILE_KIND_INVOICE, *bytes, sink).ok());
  ASSERT_TRUE(sink.errors.empty()) << sink.ErrorsText();
  const auto back = RowsAs<InvoiceFileRow>(sink);
  ASSERT_EQ(back.size(), 2u);
  auto again = RenderFile(*adapter_, hub::v1::FILE_KIND_INVOICE, back);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *bytes);
  EXPECT_EQ(back[0].line().charge_cents(), 12500);
  EXPECT_EQ(back[1].line().charge_cents(), 30050);
  EXPECT_EQ(back[1].charge(), "300.50");
  EXPECT_EQ(back[1].line().units(), 4);
  ASSERT_EQ(back[1].line().modifiers_size(), 2);
  EXPECT_EQ(back[1].line().modifiers(0), "U6");
  EXPECT_EQ(back[1].line().modifiers(1), "U2");
  EXPECT_EQ(back[1].line().service_date(), "2026-11-20");
  EXPECT_EQ(back[1].line().invoice_number(), "INV-2026-11-001");
  EXPECT_EQ(back[1].line().line_number(), 2);
  EXPECT_EQ(back[1].line().authorization_number(), "AUTH-2026-000200");
  // What the plan needs to make an encounter, read back in its layout.
  for (size_t i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(back[i].member().date_of_birth(), rows[i].member().date_of_birth());
    EXPECT_EQ(back[i].member().sex(), rows[i].member().sex());
    EXPECT_EQ(back[i].place_of_service(), rows[i].place_of_service());
    EXPECT_EQ(back[i].record_id(), rows[i].record_id());
    EXPECT_EQ(back[i].provider().address().line1(), "3350 E St");
    EXPECT_EQ(back[i].provider().address().city(), "San Diego");
    EXPECT_EQ(back[i].provider().address().state(), "CA");
    EXPECT_EQ(back[i].provider().address().zip(), "92102");
    EXPECT_EQ(back[i].provider().taxonomy_code(), "171M00000X");
  }
  EXPECT_THAT(back[1].diagnosis_codes(), ::testing::ElementsAre("Z59.00", "F20.9"));

  // A charge that is not an amount rejects the row naming the column.
  std::string bad = absl::StrReplaceAll(*bytes, {{"125.00", "12x.00"}});
  ASSERT_NE(bad, *bytes);
  CanonicalRowCollector bad_sink;
  ASSERT_TRUE(ParseFile(*adapter_, hub::v1::FILE_KIND_INVOICE, bad, bad_sink).ok());
  EXPECT_EQ(bad_sink.rows.size(), 1u);
  ASSERT_EQ(bad_sink.errors.size(), 1u);
  EXPECT_EQ(bad_sink.errors[0].reason_code, kRowBadNumber);
  EXPECT_EQ(bad_sink.errors[0].field,
            LayoutMappingOf(*FindLayout(profile_, hub::v1::FILE_KIND_INVOICE), "charge")->source());
  EXPECT_FALSE(absl::StrContains(bad_sink.errors[0].message, "12x"));
}

// An export row missing a required value renders an empty column, and the
// plan's layout rejects it on read naming that column.
TEST_P(ExportLayoutTest, EmptyRequiredExportColumnRejectsTheRow) {
  for (FileKind kind : kLayoutExportKinds) {
    const FileLayout* l = FindLayout(profile_, kind);
    for (const auto& m : l->fields()) {
      if (!m.required() || m.target() == "charge") continue;  // charge derives from cents
      SCOPED_TRACE(absl::StrCat(hub::v1::FileKind_Name(kind), " ", m.source()));
      std::unique_ptr<Message> row;
      if (kind == hub::v1::FILE_KIND_RETURN_TRANSMISSION) {
        row = std::make_unique<ReturnTransmissionRow>(ExportRtfRows(GetParam())[0]);
      } else if (kind == hub::v1::FILE_KIND_OUTREACH_TRACKER) {
        row = std::make_unique<OutreachTrackerRow>(ExportOtfRows(GetParam())[0]);
      } else {
        row = std::make_unique<InvoiceFileRow>(ExportInvoiceRows(GetParam())[0]);
      }
      Message* parent = row.get();
      std::vector<std::string> parts = absl::StrSplit(m.target(), '.');
      for (size_t p = 0; p + 1 < parts.size(); ++p) {
        parent = parent->GetReflection()->MutableMessage(
            parent, parent->GetDescriptor()->FindFieldByName(parts[p]));
      }
      const FieldDescriptor* leaf = parent->GetDescriptor()->FindFieldByName(parts.back());
      // A cleared number renders as 0, a value: only text and codes go empty.
      if (leaf->cpp_type() != FieldDescriptor::CPPTYPE_STRING &&
          leaf->cpp_type() != FieldDescriptor::CPPTYPE_ENUM) {
        continue;
      }
      parent->GetReflection()->ClearField(parent, leaf);
      auto renderer = adapter_->OpenRenderer(kind, RenderOptions{});
      ASSERT_TRUE(renderer.ok());
      std::string bytes;
      ASSERT_TRUE((*renderer)->Add(*row, bytes).ok());
      ASSERT_TRUE((*renderer)->Finish(bytes).ok());
      CanonicalRowCollector sink;
      ASSERT_TRUE(ParseFile(*adapter_, kind, bytes, sink).ok());
      EXPECT_TRUE(sink.rows.empty());
      ASSERT_FALSE(sink.errors.empty());
      EXPECT_EQ(sink.errors[0].field, m.source());
      EXPECT_EQ(sink.errors[0].reason_code, kRowRequiredMissing);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Plans, ExportLayoutTest, ::testing::ValuesIn(ExportPlans()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

// ------------------------------------------------ plan-specific behaviours

TEST(ExportPlanSpecificTest, KaiserRtfTemplate) {
  auto p = LoadPlanProfile("kaiser");
  ASSERT_TRUE(p.ok());
  const auto rows = ExportRtfRows("kaiser");
  auto cols = Columns(*p, hub::v1::FILE_KIND_RETURN_TRANSMISSION, rows[0]);
  EXPECT_EQ(cols["Medical Record Number"], "11223344");
  EXPECT_EQ(cols["Engagement Status"], "Engaged");
  EXPECT_EQ(cols["Housed (Y/N)"], "N");  // experiencing homelessness
  EXPECT_EQ(cols["POF Experiencing Homelessness"], "Y");
  EXPECT_EQ(cols["POF SMI or SUD"], "Y");
  EXPECT_EQ(cols["POF Birth Equity"], "N");
  EXPECT_EQ(cols["Authorization Number"], "AUTH-2026-000123");
  EXPECT_EQ(cols["Preferred Written Language"], "en");
  EXPECT_EQ(cols["ECM Start Date"], "02/01/2026");
  EXPECT_EQ(cols["Referral Status"], "Accepted");
  cols = Columns(*p, hub::v1::FILE_KIND_RETURN_TRANSMISSION, rows[1]);
  EXPECT_EQ(cols["Housed (Y/N)"], "Y");
  EXPECT_EQ(cols["Engagement Status"], "Disengaged");
  EXPECT_EQ(cols["Reason for Loop Closure"], "Other");
  cols = Columns(*p, hub::v1::FILE_KIND_RETURN_TRANSMISSION, rows[2]);
  EXPECT_EQ(cols["Housed (Y/N)"], "");  // not reported
  EXPECT_EQ(cols["Engagement Status"], "");
}

TEST(ExportPlanSpecificTest, CodesAndDatesInEachPlansStyle) {
  struct Case {
    std::string plan, column, value;
    int row;
  };
  const std::vector<Case> cases = {
      {"aetna", "POF", "1;4", 0},
      {"aetna", "ECM_STATUS", "ENROLLED", 0},
      {"aetna", "RTF_PRODUCTION_DATE", "12/03/2026", 0},
      {"aetna", "POF_IND", "Y", 0},
      {"aetna", "POF_IND", "N", 2},
      {"aetna", "DISC_REASON_CODE", "3", 1},
      {"blue_shield_promise", "ECM_POF_CDS", "HOMELESS-IND,SMI-SUD", 0},
      {"blue_shield_promise", "ECM_STATUS_CD", "DISC", 1},
      {"blue_shield_promise", "RTF_PROD_DT", "20261203", 0},
      {"community_health_group", "POF_CODES", "A1,A4", 0},
      {"community_health_group", "ACUITY", "3", 0},
      {"community_health_group", "CLOSURE_RSN", "99", 1},
      {"health_net", "Populations of Focus", "ECM-AH;ECM-AB", 0},
      {"health_net", "ECM Enrollment Start Date", "02/01/2026", 0},
      {"molina", "Discontinuation Reason Code", "MOL-OPT-OUT", 1},
      {"molina", "Discontinuation Reason Code", "", 0},
      {"molina", "ECM Effective Date", "02-01-2026", 0},
      {"molina", "POF", "AD-HOM|AD-SMISUD", 0},
      {"united", "#16", "HI~BH", 0},
      {"united", "#34", "2026-12-03", 0},
      {"united", "#35", "2026-11", 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(absl::StrCat(c.plan, " ", c.column));
    auto p = LoadPlanProfile(c.plan);
    ASSERT_TRUE(p.ok());
    auto cols = Columns(*p, hub::v1::FILE_KIND_RETURN_TRANSMISSION,
                        ExportRtfRows(c.plan)[static_cast<size_t>(c.row)]);
    ASSERT_TRUE(cols.count(c.column));
    EXPECT_EQ(cols[c.column], c.value);
  }
}

TEST(ExportPlanSpecificTest, CommunityHealthGroupFixedWidthRecords) {
  auto p = LoadPlanProfile("community_health_group");
  ASSERT_TRUE(p.ok());
  auto adapter = CreateDeclarativePlanAdapter(*p);
  ASSERT_TRUE(adapter.ok());
  auto bytes = RenderFile(**adapter, hub::v1::FILE_KIND_RETURN_TRANSMISSION,
                          ExportRtfRows("community_health_group"));
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  std::vector<std::string> lines = absl::StrSplit(*bytes, "\r\n", absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 5u);  // H, 3 D, T
  const int length =
      FindLayout(*p, hub::v1::FILE_KIND_RETURN_TRANSMISSION)->fixed_width().record_length();
  for (const auto& line : lines) EXPECT_EQ(line.size(), static_cast<size_t>(length));
  EXPECT_EQ(lines[0][0], 'H');
  EXPECT_EQ(lines[1][0], 'D');
  EXPECT_EQ(lines[4][0], 'T');
  EXPECT_TRUE(absl::StrContains(lines[4], "000000003"));
}

TEST(ExportPlanSpecificTest, BlueShieldTrailerCountsRows) {
  auto p = LoadPlanProfile("blue_shield_promise");
  ASSERT_TRUE(p.ok());
  auto adapter = CreateDeclarativePlanAdapter(*p);
  ASSERT_TRUE(adapter.ok());
  auto bytes = RenderFile(**adapter, hub::v1::FILE_KIND_OUTREACH_TRACKER,
                          ExportOtfRows("blue_shield_promise"));
  ASSERT_TRUE(bytes.ok());
  EXPECT_TRUE(absl::EndsWith(*bytes, "TRL|2\r\n")) << *bytes;
}

// ------------------------------------------------------- derived fields

TEST(DerivedFieldsTest, Dollars) {
  EXPECT_EQ(FormatDollars(12500), "125.00");
  EXPECT_EQ(FormatDollars(5), "0.05");
  EXPECT_EQ(FormatDollars(0), "0.00");
  EXPECT_EQ(FormatDollars(-150), "-1.50");
  EXPECT_EQ(ParseDollars("125"), 12500);
  EXPECT_EQ(ParseDollars("125.5"), 12550);
  EXPECT_EQ(ParseDollars("125.50"), 12550);
  EXPECT_EQ(ParseDollars(" $1,250.00 "), 125000);
  EXPECT_EQ(ParseDollars(".75"), 75);
  EXPECT_EQ(ParseDollars("0"), 0);
  for (const char* bad :
       {"", "$", ".", "12.345", "-1.00", "1e3", "12x", ",100", "1234567890123456"}) {
    EXPECT_FALSE(ParseDollars(bad).has_value()) << bad;
  }
}

TEST(DerivedFieldsTest, PofIndicatorFollowsThePopulations) {
  ReturnTransmissionRow r;
  std::unique_ptr<Message> scratch;
  const FileLayout layout;
  EXPECT_EQ(&WithDerivedFields(layout, r, scratch), &r);
  r.add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_CHILD_CCS);
  const auto& derived =
      static_cast<const ReturnTransmissionRow&>(WithDerivedFields(layout, r, scratch));
  EXPECT_TRUE(derived.pof_indicator());
  EXPECT_FALSE(r.pof_indicator());
}

TEST(DerivedFieldsTest, AgeNeutralLayoutShowsChildPopulationsInAdultColumns) {
  ReturnTransmissionRow r;
  r.add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_CHILD_SMI_SUD_SED);
  r.add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_CHILD_FAMILY_HOMELESSNESS);
  r.add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_CHILD_INDIVIDUAL_HOMELESSNESS);
  r.add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_CHILD_WELFARE);
  FileLayout layout;
  layout.set_age_neutral_populations_of_focus(true);
  std::unique_ptr<Message> scratch;
  const auto& derived =
      static_cast<const ReturnTransmissionRow&>(WithDerivedFields(layout, r, scratch));
  EXPECT_TRUE(derived.pof_indicator());
  ASSERT_EQ(derived.populations_of_focus_size(), 3);  // Both homelessness in one column.
  EXPECT_EQ(derived.populations_of_focus(0), hub::v1::POPULATION_OF_FOCUS_ADULT_SMI_SUD);
  EXPECT_EQ(derived.populations_of_focus(1),
            hub::v1::POPULATION_OF_FOCUS_ADULT_INDIVIDUAL_HOMELESSNESS);
  EXPECT_EQ(derived.populations_of_focus(2), hub::v1::POPULATION_OF_FOCUS_CHILD_WELFARE);
  EXPECT_EQ(r.populations_of_focus_size(), 4);  // The canonical row is untouched.
  // Kaiser's RTF shows a child's SMI/SED in its one SMI or SUD column.
  auto p = LoadPlanProfile("kaiser");
  ASSERT_TRUE(p.ok());
  ReturnTransmissionRow child = ExportRtfRows("kaiser")[0];
  child.clear_populations_of_focus();
  child.add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_CHILD_SMI_SUD_SED);
  auto cols = Columns(*p, hub::v1::FILE_KIND_RETURN_TRANSMISSION, child);
  EXPECT_EQ(cols["POF SMI or SUD"], "Y");
  EXPECT_EQ(cols["POF Experiencing Homelessness"], "N");
}

TEST(DerivedFieldsTest, CanonicalRowPrototypes) {
  const std::map<FileKind, const Descriptor*> expected = {
      {hub::v1::FILE_KIND_RETURN_TRANSMISSION, ReturnTransmissionRow::descriptor()},
      {hub::v1::FILE_KIND_OUTREACH_TRACKER, OutreachTrackerRow::descriptor()},
      {hub::v1::FILE_KIND_INVOICE, InvoiceFileRow::descriptor()},
      {hub::v1::FILE_KIND_CBO_SUBMISSIONS, hub::v1::CboTemplateRow::descriptor()},
  };
  for (const auto& [kind, d] : expected) {
    auto p = CanonicalRowPrototype(kind);
    ASSERT_TRUE(p.ok()) << hub::v1::FileKind_Name(kind);
    EXPECT_EQ((*p)->GetDescriptor(), d);
  }
  EXPECT_EQ(CanonicalRowPrototype(hub::v1::FILE_KIND_CLAIMS_837P).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace hub::adapters
