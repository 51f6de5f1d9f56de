// Native files: byte-identical for the same seed, and every plan's files
// parse back through the plan's own adapter with row errors exactly where the
// manifest says (mapper/reader-level injections), while rows corrupted for the
// hub's validation (bad CIN, unknown or uncontracted NPI) parse and carry the
// corruption, and every other row parses clean.
#include "generator/native_files.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "adapters/mapping/row_mapper.h"
#include "adapters/plan_adapter.h"
#include "base/identifiers.h"
#include "gtest/gtest.h"
#include "tests/generator/test_util.h"

namespace hub::generator {
namespace {

using hub::v1::FileKind;
using testing::DemoOptions;
using testing::MakeCounty;
using testing::SourcePath;

constexpr FileKind kKinds[] = {hub::v1::FILE_KIND_MEMBER_ASSIGNMENT,
                               hub::v1::FILE_KIND_CS_AUTHORIZATION,
                               hub::v1::FILE_KIND_QUALITY_REPORT};

struct PlanFiles {
  hub::v1::PlanProfile profile;
  std::unique_ptr<adapters::PlanAdapter> adapter;
};

PlanFiles LoadPlan(const std::string& profile_name) {
  PlanFiles plan;
  auto profile = LoadPlanProfile(SourcePath("adapters/plans"), profile_name);
  EXPECT_TRUE(profile.ok()) << profile.status();
  if (!profile.ok()) return plan;
  plan.profile = *profile;
  auto adapter = adapters::CreateDeclarativePlanAdapter(plan.profile);
  EXPECT_TRUE(adapter.ok()) << adapter.status();
  if (adapter.ok()) plan.adapter = std::move(*adapter);
  return plan;
}

struct Written {
  std::string bytes;
  FileManifest manifest;
  std::vector<size_t> chunk_sizes;
};

absl::StatusOr<Written> Write(const County& county, const PlanFiles& plan,
                              const std::string& plan_id, FileKind kind) {
  const hub::v1::FileLayout* layout = FindLayout(plan.profile, kind);
  if (layout == nullptr) return absl::NotFoundError("no layout");
  Written w;
  adapters::RenderOptions render;
  render.file_date = county.period_end().ToIso();
  auto manifest = WritePlanFile(
      *plan.adapter, kind, CountyRows(county, plan_id, kind, AssignmentRowOptionsFor(*layout)),
      render, MakeErrorInjection(county, plan_id, kind, *layout), [&w](std::string_view chunk) {
        w.bytes.append(chunk);
        w.chunk_sizes.push_back(chunk.size());
        return absl::OkStatus();
      });
  if (!manifest.ok()) return manifest.status();
  w.manifest = std::move(*manifest);
  return w;
}

// Collects what a plan's parser makes of a file.
class Collector : public adapters::CanonicalRowSink {
 public:
  absl::Status OnRow(int64_t row_number, const google::protobuf::Message& row) override {
    rows[row_number] = std::unique_ptr<google::protobuf::Message>(row.New());
    rows[row_number]->CopyFrom(row);
    return absl::OkStatus();
  }
  absl::Status OnRowError(const adapters::RowError& error) override {
    errors[error.row_number].push_back(error.reason_code);
    return absl::OkStatus();
  }
  std::map<int64_t, std::unique_ptr<google::protobuf::Message>> rows;
  std::map<int64_t, std::vector<std::string>> errors;
};

absl::Status Parse(const PlanFiles& plan, FileKind kind, const std::string& bytes,
                   Collector& collector) {
  auto parser = plan.adapter->OpenParser(kind, &collector);
  if (!parser.ok()) return parser.status();
  // Odd chunk sizes: results must not depend on chunk boundaries.
  for (size_t pos = 0; pos < bytes.size(); pos += 7919) {
    absl::Status s = (*parser)->Feed(std::string_view(bytes).substr(pos, 7919));
    if (!s.ok()) return s;
  }
  return (*parser)->Finish();
}

TEST(NativeFilesTest, SameSeedSameBytesDifferentSeedDifferentBytes) {
  auto a = MakeCounty([] {
    auto o = DemoOptions(99, 1500);
    o.error_rate = 0.05;
    return o;
  }());
  auto b = MakeCounty([] {
    auto o = DemoOptions(99, 1500);
    o.error_rate = 0.05;
    return o;
  }());
  auto c = MakeCounty([] {
    auto o = DemoOptions(100, 1500);
    o.error_rate = 0.05;
    return o;
  }());
  ASSERT_TRUE(a && b && c);
  for (const auto& plan_entry : a->options().directory.plans()) {
    const PlanFiles plan = LoadPlan(plan_entry.adapter_profile());
    ASSERT_TRUE(plan.adapter);
    for (FileKind kind : kKinds) {
      auto x = Write(*a, plan, plan_entry.plan_id(), kind);
      auto y = Write(*b, plan, plan_entry.plan_id(), kind);
      auto z = Write(*c, plan, plan_entry.plan_id(), kind);
      ASSERT_TRUE(x.ok()) << plan_entry.plan_id() << " " << x.status();
      ASSERT_TRUE(y.ok() && z.ok());
      EXPECT_EQ(x->bytes, y->bytes) << plan_entry.plan_id() << " " << FileKind_Name(kind);
      EXPECT_EQ(x->manifest.errors.size(), y->manifest.errors.size());
      EXPECT_GT(x->manifest.rows, 0) << plan_entry.plan_id() << " " << FileKind_Name(kind);
      if (kind != hub::v1::FILE_KIND_QUALITY_REPORT) {
        // Quality results depend on the directory and seed only through
        // the plan's providers; member files always differ.
        EXPECT_NE(x->bytes, z->bytes) << plan_entry.plan_id() << " " << FileKind_Name(kind);
      }
      EXPECT_EQ(x->manifest.bytes, static_cast<int64_t>(x->bytes.size()));
    }
  }
}

// Every plan, every kind: parse back, compare with the manifest.
class RoundTripTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RoundTripTest, ParsedRowsMatchTheManifest) {
  CountyOptions options = DemoOptions(7, 12000);
  options.error_rate = 0.1;
  auto county = MakeCounty(options);
  ASSERT_TRUE(county);
  std::string plan_id;
  std::string profile_name;
  for (const auto& p : options.directory.plans()) {
    if (p.plan_id() == GetParam()) {
      plan_id = p.plan_id();
      profile_name = p.adapter_profile();
    }
  }
  ASSERT_FALSE(plan_id.empty());
  const PlanFiles plan = LoadPlan(profile_name);
  ASSERT_TRUE(plan.adapter);
  std::map<std::string, const hub::v1::Provider*> by_npi;
  for (const auto& p : options.directory.providers()) by_npi[p.npi()] = &p;
  std::set<std::string> contracted_ecm, contracted_cs, uncontracted;
  for (const auto* p : county->ContractedProviders(plan_id, hub::v1::PROVIDER_KIND_ECM)) {
    contracted_ecm.insert(p->npi());
  }
  for (const auto* p : county->ContractedProviders(plan_id, hub::v1::PROVIDER_KIND_CS)) {
    contracted_cs.insert(p->npi());
  }
  for (const auto* p : county->UncontractedProviders(plan_id)) uncontracted.insert(p->npi());
  ASSERT_FALSE(uncontracted.empty());

  for (FileKind kind : kKinds) {
    SCOPED_TRACE(FileKind_Name(kind));
    auto written = Write(*county, plan, plan_id, kind);
    ASSERT_TRUE(written.ok()) << written.status();
    const FileManifest& manifest = written->manifest;
    Collector parsed;
    absl::Status finish = Parse(plan, kind, written->bytes, parsed);
    ASSERT_TRUE(finish.ok()) << finish;

    std::map<int64_t, const InjectedError*> injected;
    for (const InjectedError& e : manifest.errors) {
      ASSERT_TRUE(injected.emplace(e.row_number, &e).second) << "two errors on one row";
      ASSERT_GE(e.row_number, 1);
      ASSERT_LE(e.row_number, manifest.rows);
    }
    // Parser-level injections are reported exactly at their rows, with
    // exactly the manifest's code; no other row has a row error.
    for (const auto& [row, codes] : parsed.errors) {
      auto it = injected.find(row);
      ASSERT_NE(it, injected.end()) << "unexpected row error " << codes[0] << " at row " << row;
      ASSERT_TRUE(it->second->reported_by_parser) << "row " << row << ": " << codes[0];
      ASSERT_EQ(codes, std::vector<std::string>{it->second->reason_code}) << "row " << row;
    }
    int64_t parser_level = 0;
    for (const auto& [row, e] : injected) {
      if (!e->reported_by_parser) continue;
      ++parser_level;
      ASSERT_TRUE(parsed.errors.contains(row)) << "row " << row << " " << e->reason_code;
    }
    ASSERT_EQ(static_cast<int64_t>(parsed.rows.size()), manifest.rows - parser_level);

    // Parsed rows: clean ones are valid; ingest-level ones carry the fault.
    for (const auto& [row_number, message] : parsed.rows) {
      std::string cin, npi;
      bool cs = false;
      if (auto* r = dynamic_cast<const hub::v1::AssignmentFileRow*>(message.get())) {
        cin = r->member().cin();
        npi = r->provider_npi();
        ASSERT_FALSE(r->coverage().start_date().empty());
        // Kaiser's nine yes/no POF columns cannot carry most child POFs.
        if (!npi.empty() && plan_id != "kaiser") {
          ASSERT_GE(r->assignment().populations_of_focus_size(), 1) << "row " << row_number;
        }
      } else if (auto* r = dynamic_cast<const hub::v1::AuthorizationFileRow*>(message.get())) {
        cin = r->authorization().cin();
        npi = r->provider_npi();
        cs = true;
      } else if (auto* r = dynamic_cast<const hub::v1::QualityFileRow*>(message.get())) {
        npi = r->provider_npi();
        ASSERT_LE(r->report().numerator(), r->report().denominator());
      }
      auto it = injected.find(row_number);
      const InjectedError* e = it == injected.end() ? nullptr : it->second;
      if (e == nullptr) {
        if (kind != hub::v1::FILE_KIND_QUALITY_REPORT) {
          ASSERT_TRUE(ValidateCin(cin).ok()) << "row " << row_number;
        }
        if (!npi.empty()) {
          ASSERT_TRUE((cs ? contracted_cs : contracted_ecm).contains(npi)) << "row " << row_number;
        } else {
          ASSERT_EQ(kind, hub::v1::FILE_KIND_MEMBER_ASSIGNMENT);
          ASSERT_TRUE(
              plan.profile.layouts_size() > 0 &&
              AssignmentRowOptionsFor(*FindLayout(plan.profile, kind)).include_coverage_only);
        }
        continue;
      }
      switch (e->kind) {
        case InjectedErrorKind::kBadCin:
          ASSERT_EQ(e->reason_code, "ROW_BAD_CIN");
          ASSERT_FALSE(cin.empty());
          ASSERT_FALSE(ValidateCin(cin).ok()) << "row " << row_number;
          break;
        case InjectedErrorKind::kUnknownProvider:
          ASSERT_EQ(e->reason_code, "ROW_UNKNOWN_PROVIDER");
          ASSERT_TRUE(ValidateNpi(npi).ok());
          ASSERT_FALSE(by_npi.contains(npi)) << "row " << row_number;
          break;
        case InjectedErrorKind::kProviderNotContracted:
          ASSERT_EQ(e->reason_code, "ROW_PROVIDER_NOT_CONTRACTED");
          ASSERT_TRUE(uncontracted.contains(npi)) << "row " << row_number;
          break;
        default:
          FAIL() << "row " << row_number << " parsed despite " << e->reason_code;
      }
    }
    // Every applicable kind shows up at this rate and size.
    std::set<InjectedErrorKind> kinds;
    for (const InjectedError& e : manifest.errors) kinds.insert(e.kind);
    if (manifest.errors.size() >= 40) {
      EXPECT_GT(parser_level, 5);
      const bool x12 = FindLayout(plan.profile, kind)->has_x12();
      const size_t expected = kind == hub::v1::FILE_KIND_QUALITY_REPORT ? 3 : (x12 ? 4 : 5);
      EXPECT_EQ(kinds.size(), expected);
    }
    if (kind == hub::v1::FILE_KIND_QUALITY_REPORT) {
      EXPECT_FALSE(kinds.contains(InjectedErrorKind::kBadCin));
      EXPECT_FALSE(kinds.contains(InjectedErrorKind::kBadDate));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(SevenPlans, RoundTripTest,
                         ::testing::Values("aetna", "blue_shield_promise", "community_health_group",
                                           "health_net", "kaiser", "molina", "united"));

TEST(NativeFilesTest, ErrorRateIsWithinTolerance) {
  CountyOptions options = DemoOptions(3, 40000);
  options.plan_weights = {{"community_health_group", 1}};
  options.ecm_rate = 1.0;
  options.error_rate = 0.02;
  auto county = MakeCounty(options);
  ASSERT_TRUE(county);
  const PlanFiles plan = LoadPlan("community_health_group");
  auto written =
      Write(*county, plan, "community_health_group", hub::v1::FILE_KIND_MEMBER_ASSIGNMENT);
  ASSERT_TRUE(written.ok()) << written.status();
  const double rows = static_cast<double>(written->manifest.rows);
  ASSERT_GT(rows, 39000);
  const double rate = written->manifest.errors.size() / rows;
  // Binomial: sigma = sqrt(0.02 * 0.98 / 40000) ~ 0.0007.
  EXPECT_NEAR(rate, 0.02, 0.0035);
  // Fixed-width records keep their length even with a corrupted date or CIN.
  size_t start = 0;
  int64_t records = 0;
  while (start < written->bytes.size()) {
    const size_t end = written->bytes.find("\r\n", start);
    ASSERT_NE(end, std::string::npos);
    ASSERT_EQ(end - start, 487u) << "record " << records;
    start = end + 2;
    ++records;
  }
  EXPECT_EQ(records, written->manifest.rows + 2);  // header and trailer
  // Chunks are bounded.
  for (size_t size : written->chunk_sizes) EXPECT_LE(size, (64u << 10) + 1024);
  EXPECT_GT(written->chunk_sizes.size(), 100u);
}

TEST(NativeFilesTest, ZeroRateInjectsNothingAndSinkErrorsStop) {
  auto county = MakeCounty(DemoOptions(3, 300));
  ASSERT_TRUE(county);
  const PlanFiles plan = LoadPlan("aetna");
  auto written = Write(*county, plan, "aetna", hub::v1::FILE_KIND_CS_AUTHORIZATION);
  ASSERT_TRUE(written.ok());
  EXPECT_TRUE(written->manifest.errors.empty());
  const hub::v1::FileLayout* layout =
      FindLayout(plan.profile, hub::v1::FILE_KIND_MEMBER_ASSIGNMENT);
  auto failed = WritePlanFile(
      *plan.adapter, hub::v1::FILE_KIND_MEMBER_ASSIGNMENT,
      CountyRows(*county, "aetna", hub::v1::FILE_KIND_MEMBER_ASSIGNMENT), {},
      MakeErrorInjection(*county, "aetna", hub::v1::FILE_KIND_MEMBER_ASSIGNMENT, *layout),
      [](std::string_view) { return absl::UnavailableError("disk gone"); });
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable);
  // A row of the wrong kind is refused.
  auto wrong = WritePlanFile(*plan.adapter, hub::v1::FILE_KIND_MEMBER_ASSIGNMENT,
                             CountyRows(*county, "aetna", hub::v1::FILE_KIND_QUALITY_REPORT), {},
                             {}, [](std::string_view) { return absl::OkStatus(); });
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(NativeFilesTest, LayoutHelpers) {
  const PlanFiles hn = LoadPlan("health_net");
  const PlanFiles chg = LoadPlan("community_health_group");
  const PlanFiles molina = LoadPlan("molina");
  const PlanFiles aetna = LoadPlan("aetna");
  EXPECT_EQ(FileExtension(*FindLayout(hn.profile, hub::v1::FILE_KIND_MEMBER_ASSIGNMENT)), "x12");
  EXPECT_EQ(FileExtension(*FindLayout(chg.profile, hub::v1::FILE_KIND_MEMBER_ASSIGNMENT)), "dat");
  EXPECT_EQ(FileExtension(*FindLayout(molina.profile, hub::v1::FILE_KIND_MEMBER_ASSIGNMENT)),
            "txt");
  EXPECT_EQ(FileExtension(*FindLayout(aetna.profile, hub::v1::FILE_KIND_MEMBER_ASSIGNMENT)), "csv");
  EXPECT_TRUE(AssignmentRowOptionsFor(*FindLayout(hn.profile, hub::v1::FILE_KIND_MEMBER_ASSIGNMENT))
                  .include_coverage_only);
  EXPECT_FALSE(
      AssignmentRowOptionsFor(*FindLayout(aetna.profile, hub::v1::FILE_KIND_MEMBER_ASSIGNMENT))
          .include_coverage_only);
  EXPECT_EQ(FileKindSlug(hub::v1::FILE_KIND_CS_AUTHORIZATION), "authorization");
}

}  // namespace
}  // namespace hub::generator
