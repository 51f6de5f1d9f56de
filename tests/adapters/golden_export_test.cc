// Golden files of the exports: the deterministic rows of export_test_rows.h
// rendered through each plan's adapter (RTF, OTF, invoice) and one X12 837P,
// compared byte for byte with tests/adapters/golden/<plan>/{rtf,otf,invoice}.<ext>
// (csv comma, tsv tab, txt pipe, dat fixed width) and
// tests/adapters/golden/837p/claims.x12. Each golden file is also read back
// with the plan's parser and rendered again: render(parse(golden)) == golden.
//
// To regenerate after an intended change of a layout, a row or a writer:
//
//   HUB_UPDATE_GOLDEN=1 build/tests/adapters/adapters_golden_export_test
//
// which rewrites the files in the source tree (HUB_SOURCE_DIR) and passes;
// review `git diff tests/adapters/golden` before committing.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "adapters/plan_adapter.h"
#include "adapters/writers/x12_837p_writer.h"
#include "gtest/gtest.h"
#include "tests/adapters/export_test_rows.h"
#include "tests/adapters/export_test_util.h"

namespace hub::adapters {
namespace {

namespace fs = std::filesystem;
using hub::v1::FileKind;
using testing::CanonicalRowCollector;
using testing::ExportInvoiceRows;
using testing::ExportOtfRows;
using testing::ExportPlans;
using testing::ExportRtfRows;
using testing::FindLayout;
using testing::LoadPlanProfile;
using testing::ParseFile;
using testing::ReadFile;
using testing::RenderFile;
using testing::RowsAs;
using testing::SourceDir;

bool UpdateGolden() {
  const char* v = std::getenv("HUB_UPDATE_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

fs::path GoldenDir() { return SourceDir() / "tests" / "adapters" / "golden"; }

// Compares `bytes` with the golden file, or rewrites it under
// HUB_UPDATE_GOLDEN=1.
void CheckGolden(const fs::path& path, const std::string& bytes) {
  if (UpdateGolden()) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
    ASSERT_TRUE(out.good()) << "cannot write " << path;
    std::cerr << "updated " << path << "\n";
    return;
  }
  auto golden = ReadFile(path);
  ASSERT_TRUE(golden.ok()) << golden.status() << " (run with HUB_UPDATE_GOLDEN=1 to create it)";
  EXPECT_EQ(bytes, *golden) << path
                            << " differs; if the change is intended, regenerate with "
                               "HUB_UPDATE_GOLDEN=1 and review the diff";
}

std::string Extension(const hub::v1::FileLayout& layout) {
  if (layout.has_fixed_width()) return "dat";
  const std::string& d = layout.delimited().delimiter();
  if (d == "\t") return "tsv";
  if (d == "|") return "txt";
  return "csv";
}

class GoldenExportTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto p = LoadPlanProfile(GetParam());
    ASSERT_TRUE(p.ok()) << p.status();
    profile_ = *p;
    auto a = CreateDeclarativePlanAdapter(profile_);
    ASSERT_TRUE(a.ok()) << a.status();
    adapter_ = *std::move(a);
  }

  fs::path GoldenPath(FileKind kind, const std::string& stem) const {
    return GoldenDir() / GetParam() /
           absl::StrCat(stem, ".", Extension(*FindLayout(profile_, kind)));
  }

  // Renders, checks against the golden file, then reads the golden file back
  // and renders what was read: the same bytes again.
  template <typename Row>
  void Check(FileKind kind, const std::string& stem, const std::vector<Row>& rows) {
    auto bytes = RenderFile(*adapter_, kind, rows);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    const fs::path path = GoldenPath(kind, stem);
    CheckGolden(path, *bytes);
    auto golden = ReadFile(path);
    ASSERT_TRUE(golden.ok()) << golden.status();
    CanonicalRowCollector sink;
    absl::Status parsed = ParseFile(*adapter_, kind, *golden, sink);
    ASSERT_TRUE(parsed.ok()) << parsed;
    ASSERT_TRUE(sink.errors.empty()) << sink.ErrorsText();
    ASSERT_EQ(sink.rows.size(), rows.size());
    auto again = RenderFile(*adapter_, kind, RowsAs<Row>(sink));
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(*again, *golden) << "render(parse(golden)) != golden for " << path;
  }

  hub::v1::PlanProfile profile_;
  std::unique_ptr<PlanAdapter> adapter_;
};

TEST_P(GoldenExportTest, ReturnTransmissionFile) {
  Check(hub::v1::FILE_KIND_RETURN_TRANSMISSION, "rtf", ExportRtfRows(GetParam()));
}

TEST_P(GoldenExportTest, OutreachTrackerFile) {
  Check(hub::v1::FILE_KIND_OUTREACH_TRACKER, "otf", ExportOtfRows(GetParam()));
}

TEST_P(GoldenExportTest, InvoiceFile) {
  Check(hub::v1::FILE_KIND_INVOICE, "invoice", ExportInvoiceRows(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Plans, GoldenExportTest, ::testing::ValuesIn(ExportPlans()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

// ------------------------------------------------------------------ 837P

hub::v1::Member GoldenMember(const std::string& cin, const std::string& first,
                             const std::string& last, const std::string& dob, hub::v1::Sex sex) {
  hub::v1::Member m;
  m.set_cin(cin);
  m.mutable_name()->set_first(first);
  m.mutable_name()->set_last(last);
  m.set_date_of_birth(dob);
  m.set_sex(sex);
  return m;
}

hub::v1::ServiceRecord Line(const std::string& cin, const std::string& date,
                            const std::string& code, std::vector<std::string> modifiers, int units,
                            int64_t cents, const std::string& auth,
                            std::vector<std::string> diagnoses, const std::string& pos = "12") {
  hub::v1::ServiceRecord s;
  s.set_cin(cin);
  s.set_service_date(date);
  s.set_hcpcs_code(code);
  for (auto& m : modifiers) s.add_modifiers(m);
  s.set_units(units);
  s.set_charge_cents(cents);
  s.set_authorization_number(auth);
  for (auto& d : diagnoses) s.add_diagnosis_codes(d);
  s.set_place_of_service(pos);
  s.set_in_person(true);
  s.set_staff_type(hub::v1::STAFF_TYPE_NON_CLINICAL);
  return s;
}

TEST(GoldenExport837Test, ProfessionalClaims) {
  hub::v1::Member maria =
      GoldenMember("99898657G", "Maria", "Rivera-Lopez", "1961-07-04", hub::v1::SEX_FEMALE);
  maria.mutable_address()->set_line1("1234 Market St");
  maria.mutable_address()->set_city("San Diego");
  maria.mutable_address()->set_state("CA");
  maria.mutable_address()->set_zip("92101");
  const hub::v1::Member lupe =
      GoldenMember("87654321B", "Lupe", "Nguyen", "1990-01-15", hub::v1::SEX_UNKNOWN);
  const std::vector<BilledService> harbor_lines = {
      {"rec_000101", maria,
       Line("99898657G", "2026-11-18", "G9008", {"U1"}, 1, 12500, "", {"Z59.00", "F20.9"})},
      {"rec_000102", lupe,
       Line("87654321B", "2026-11-20", "H0043", {"U6"}, 4, 30050, "AUTH-2026-000200", {"Z59.01"})},
      {"rec_000103", maria,
       Line("99898657G", "2026-11-18", "G9008", {"U2"}, 2, 5000, "", {"F20.9"}, "02")},
      {"rec_000104", lupe,
       Line("87654321B", "2026-11-21", "H0043", {"U6"}, 2, 15025, "AUTH-2026-000200", {"Z59.01"})},
  };
  const std::vector<BilledService> meals_lines = {
      {"rec_000201", lupe,
       Line("87654321B", "2026-11-03", "S5170", {"U6"}, 14, 19600, "AUTH-2026-000310", {"E11.9"})},
  };
  X12_837PEnvelope envelope;
  envelope.sender_id = "SDCOUNTYHUB";
  envelope.receiver_id = "MOLINACA";
  envelope.receiver_name = "MOLINA HEALTHCARE OF CALIFORNIA";
  envelope.submitter_name = "SAN DIEGO COUNTY HUB";
  envelope.date = "2026-12-03";
  envelope.time = "0915";
  envelope.control_number = 4242;
  X12_837PWriter writer(envelope);
  const Payer837 payer{"MOLINA HEALTHCARE OF CALIFORNIA", "MOLINACA"};
  BillingProvider837 harbor{
      "Harbor Community Services", "1234567893", "953456789", {}, "251S00000X"};
  harbor.address.set_line1("500 Harbor Dr");
  harbor.address.set_city("San Diego");
  harbor.address.set_state("CA");
  harbor.address.set_zip("92101-1234");
  BillingProvider837 meals{"Meals on Wheels SD", "1508273640", "330987654", {}, ""};
  meals.address.set_line1("4283 El Cajon Blvd");
  meals.address.set_city("San Diego");
  meals.address.set_state("CA");
  meals.address.set_zip("921051234");
  std::string bytes;
  // Lupe has no residence on file: her claims carry the billing provider's
  // address as the subscriber's (what the hub's export does, docs/billing.md).
  auto harbor_claims = GroupServicesIntoClaims(harbor_lines);
  auto meals_claims = GroupServicesIntoClaims(meals_lines);
  for (auto* claims : {&harbor_claims, &meals_claims}) {
    for (Claim837& claim : *claims) {
      if (claim.subscriber_address.line1().empty()) {
        claim.subscriber_address = claims == &harbor_claims ? harbor.address : meals.address;
      }
    }
  }
  ASSERT_EQ(harbor_claims.size(), 3u);
  ASSERT_TRUE(writer.AddBillingProvider(harbor, payer, harbor_claims, bytes).ok());
  ASSERT_TRUE(writer.AddBillingProvider(meals, payer, meals_claims, bytes).ok());
  ASSERT_TRUE(writer.Finish(bytes).ok());
  EXPECT_EQ(writer.claims(), 4);
  CheckGolden(GoldenDir() / "837p" / "claims.x12", bytes);
}

}  // namespace
}  // namespace hub::adapters
