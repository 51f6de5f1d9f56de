#include "adapters/registry.h"

#include <memory>
#include <string>

#include "adapters/readers/layout_reader.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/adapters/reader_test_util.h"

namespace hub::adapters {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Greeter {
  std::string greeting;
};
using GreeterRegistry = FactoryRegistry<Greeter, std::string>;

GreeterRegistry::Factory Hello() {
  return [](const std::string& who) -> absl::StatusOr<std::unique_ptr<Greeter>> {
    if (who.empty()) return absl::InvalidArgumentError("who is empty");
    return std::make_unique<Greeter>(Greeter{"hello " + who});
  };
}

TEST(FactoryRegistryTest, CreatesByNameFromConfig) {
  GreeterRegistry registry;
  ASSERT_TRUE(registry.Register("hello", Hello()).ok());
  absl::StatusOr<std::unique_ptr<Greeter>> g = registry.Create("hello", "county");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ((*g)->greeting, "hello county");
  // The factory's own validation passes through.
  EXPECT_EQ(registry.Create("hello", "").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(FactoryRegistryTest, DuplicateNameIsAlreadyExistsAndKeepsTheFirst) {
  GreeterRegistry registry;
  ASSERT_TRUE(registry.Register("hello", Hello()).ok());
  absl::Status s = registry.Register("hello", [](const std::string&) {
    return absl::StatusOr<std::unique_ptr<Greeter>>(std::make_unique<Greeter>(Greeter{"other"}));
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(s.message(), HasSubstr("\"hello\""));
  EXPECT_EQ((*registry.Create("hello", "x"))->greeting, "hello x");
  EXPECT_THAT(registry.Names(), ElementsAre("hello"));
}

TEST(FactoryRegistryTest, UnknownNameIsNotFoundListingKnownNames) {
  GreeterRegistry registry;
  EXPECT_THAT(registry.Create("molina", "x").status().message(), HasSubstr("(none)"));
  ASSERT_TRUE(registry.Register("zeta", Hello()).ok());
  ASSERT_TRUE(registry.Register("alpha", Hello()).ok());
  absl::Status s = registry.Create("molina", "x").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("\"molina\""));
  EXPECT_THAT(s.message(), HasSubstr("alpha, zeta"));
}

TEST(FactoryRegistryTest, RejectsEmptyNameNullFactoryAndNullProduct) {
  GreeterRegistry registry;
  EXPECT_EQ(registry.Register("", Hello()).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.Register("x", nullptr).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(registry
                  .Register("null",
                            [](const std::string&) {
                              return absl::StatusOr<std::unique_ptr<Greeter>>(nullptr);
                            })
                  .ok());
  EXPECT_EQ(registry.Create("null", "x").status().code(), absl::StatusCode::kInternal);
}

hub::v1::PlanProfile Profile(const std::string& text) {
  hub::v1::PlanProfile profile;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &profile)) << text;
  return profile;
}

constexpr char kProfile[] = R"pb(
  name: "example"
  layouts {
    kind: FILE_KIND_MEMBER_ASSIGNMENT
    semantics: FILE_SEMANTICS_SNAPSHOT
    delimited { delimiter: "|" header: true trailer_tag: "TRL" trailer_count_column: 2 }
    default_date_format: "yyyymmdd"
    fields { source: "Member CIN" target: "member.cin" required: true }
    fields { source: "Last Name" target: "member.name.last" required: true }
    fields { source: "Phone" target: "member.phone" }
  }
)pb";

TEST(BuiltinAdaptersTest, RegistersTheDeclarativeAdapterOnce) {
  AdapterRegistry registry;
  ASSERT_TRUE(RegisterBuiltinAdapters(registry).ok());
  EXPECT_THAT(registry.Names(), ElementsAre("declarative"));
  EXPECT_EQ(RegisterBuiltinAdapters(registry).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(registry.Create("molina", Profile(kProfile)).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(BuiltinAdaptersTest, CreatesTheDeclarativeAdapterFromAProfile) {
  AdapterRegistry registry;
  ASSERT_TRUE(RegisterBuiltinAdapters(registry).ok());
  absl::StatusOr<std::unique_ptr<PlanAdapter>> adapter =
      registry.Create(kDeclarativeAdapter, Profile(kProfile));
  ASSERT_TRUE(adapter.ok()) << adapter.status();
  EXPECT_EQ((*adapter)->name(), "example");
  EXPECT_TRUE((*adapter)->Handles(hub::v1::FILE_KIND_MEMBER_ASSIGNMENT));
  EXPECT_FALSE((*adapter)->Handles(hub::v1::FILE_KIND_QUALITY_REPORT));
}

TEST(BuiltinAdaptersTest, InvalidReaderOptionsFailAtCreation) {
  AdapterRegistry registry;
  ASSERT_TRUE(RegisterBuiltinAdapters(registry).ok());
  for (const char* text : {
           R"pb(name: "a"
                layouts {
                  kind: FILE_KIND_MEMBER_ASSIGNMENT
                  delimited { delimiter: "||" header: true }
                  fields { source: "CIN" target: "member.cin" }
                })pb",
           R"pb(name: "a"
                layouts {
                  kind: FILE_KIND_QUALITY_REPORT
                  fixed_width { columns { name: "x" start: 0 length: 1 } }
                  fields { source: "x" target: "report.measure_id" }
                })pb",
       }) {
    EXPECT_EQ(registry.Create(kDeclarativeAdapter, Profile(text)).status().code(),
              absl::StatusCode::kInvalidArgument)
        << text;
  }
}

TEST(AdapterLayoutTest, OpensTheReaderEachFormatNames) {
  hub::v1::PlanProfile profile = Profile(kProfile);
  testing::Result result;
  testing::CollectingSink sink(&result);
  absl::StatusOr<std::unique_ptr<StreamReader>> reader =
      OpenLayoutReader(profile.layouts(0), &sink);
  ASSERT_TRUE(reader.ok()) << reader.status();
  ASSERT_TRUE((*reader)->Feed("last name|member cin\nGarcia|91234567A\nTRL|1\n").ok());
  ASSERT_TRUE((*reader)->Finish().ok());
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_EQ(result.Value(0, "Member CIN"), "91234567A");

  hub::v1::FileLayout fixed;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(fixed_width {
             columns { name: "Measure" start: 1 length: 3 }
             columns { name: "Rate" start: 4 length: 5 }
             record_length: 8
           })pb",
      &fixed));
  testing::Result fw;
  testing::CollectingSink fw_sink(&fw);
  reader = OpenLayoutReader(fixed, &fw_sink);
  ASSERT_TRUE(reader.ok()) << reader.status();
  ASSERT_TRUE((*reader)->Feed("FUM 0.42\n").ok());
  ASSERT_TRUE((*reader)->Finish().ok());
  ASSERT_EQ(fw.rows.size(), 1u);
  EXPECT_EQ(fw.rows[0].fields, (std::vector<std::string>{"FUM", "0.42"}));

  hub::v1::FileLayout x12;
  x12.mutable_x12();
  testing::Result x;
  testing::CollectingSink x_sink(&x);
  reader = OpenLayoutReader(x12, &x_sink);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ(FileErrorCode((*reader)->Finish()), "FILE_EMPTY");

  EXPECT_EQ(OpenLayoutReader(hub::v1::FileLayout(), &sink).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(AdapterLayoutTest, HeaderColumnsComeFromMappingSources) {
  hub::v1::PlanProfile profile = Profile(kProfile);
  absl::StatusOr<DelimitedOptions> o = DelimitedOptionsFromLayout(profile.layouts(0));
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->delimiter, '|');
  EXPECT_THAT(o->columns, ElementsAre("Member CIN", "Last Name"));
  EXPECT_THAT(o->optional_columns, ElementsAre("Phone"));
  EXPECT_THAT(o->trailer_tags, ElementsAre("TRL"));
  EXPECT_EQ(o->trailer_count_column, 2);
  EXPECT_EQ(o->max_field_bytes, 4096u);
  EXPECT_FALSE(DelimitedOptionsFromLayout(hub::v1::FileLayout()).ok());
}

}  // namespace
}  // namespace hub::adapters
