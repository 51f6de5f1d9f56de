#include "hub/directory/seed_loader.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/common/rpc_status.h"
#include "hub/directory/directory_validation.h"
#include "hub/v1/directory_service.grpc.pb.h"
#include "storage/directory_store.h"
#include "storage/store.h"
#include "tests/hub/hub_test_util.h"

namespace hub {
namespace {

using ::hub::testing::LineOfNth;
using ::hub::testing::MakeTempDir;
using ::hub::testing::Npi;
using ::hub::testing::SmallSeedText;
using ::hub::testing::StartTestHub;
using ::hub::testing::WriteFile;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Message(const absl::Status& s) { return std::string(s.message()); }

TEST(SeedLoaderTest, GoodSeedLoadsEveryPlanAndProvider) {
  const std::string root = MakeTempDir();
  WriteFile(root + "/seed.textproto", SmallSeedText());
  storage::StoreOptions options;
  options.data_dir = root + "/data";
  absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  storage::DirectoryStore directory(store->get());

  absl::StatusOr<SeedLoadResult> result = LoadSeedIfEmpty(directory, root + "/seed.textproto");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->loaded);
  EXPECT_EQ(result->plans, 5);
  EXPECT_EQ(result->providers, 5);
  absl::StatusOr<hub::v1::Provider> charlie = directory.GetProvider("charlie_fqhc");
  ASSERT_TRUE(charlie.ok());
  EXPECT_EQ(charlie->npi(), Npi("100000003"));
  EXPECT_EQ(charlie->contracts_size(), 2);
  EXPECT_EQ(charlie->provider_type(), hub::v1::PROVIDER_TYPE_FQHC);

  // Not empty any more: the seed is not read again.
  result = LoadSeedIfEmpty(directory, root + "/no_such_file.textproto");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_FALSE(result->loaded);
  ASSERT_TRUE((*store)->Close().ok());
}

TEST(SeedLoaderTest, MissingFileIsNotFound) {
  const std::string root = MakeTempDir();
  storage::StoreOptions options;
  options.data_dir = root + "/data";
  absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  storage::DirectoryStore directory(store->get());
  EXPECT_EQ(LoadSeedIfEmpty(directory, root + "/missing.textproto").status().code(),
            absl::StatusCode::kNotFound);
  absl::StatusOr<bool> empty = directory.Empty();
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(*empty);
}

TEST(SeedLoaderTest, SyntaxErrorNamesLineAndColumn) {
  const std::string text =
      "plans {\n"
      "  plan_id: \"molina\"\n"
      "  name \"Molina\"\n"  // Missing ':' before a string is an error.
      "}\n";
  absl::StatusOr<hub::v1::DirectorySeed> seed = ParseSeed(text);
  ASSERT_FALSE(seed.ok());
  EXPECT_EQ(seed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(seed.status()), StartsWith("seed file line 3 column "));

  seed = ParseSeed("plans { plan_id: \"a1\" name: \"A\" }\nproviders { bogus_field: 1 }\n");
  ASSERT_FALSE(seed.ok());
  EXPECT_THAT(Message(seed.status()), StartsWith("seed file line 2 column "));
  EXPECT_THAT(Message(seed.status()), HasSubstr("bogus_field"));
}

TEST(SeedLoaderTest, InvalidNpiOnThirdProviderNamesItsLine) {
  std::string text = SmallSeedText();
  // charlie_fqhc is the third provider.
  text = absl::StrReplaceAll(text, {{Npi("100000003"), "1000000030"}});
  ASSERT_NE(Npi("100000003"), "1000000030");
  const int line = LineOfNth(text, "providers {", 3);
  ASSERT_GT(line, 0);
  absl::StatusOr<hub::v1::DirectorySeed> seed = ParseSeed(text);
  ASSERT_FALSE(seed.ok());
  EXPECT_EQ(seed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(seed.status()),
              StartsWith(absl::StrCat("seed file line ", line,
                                      ": provider #3 (\"charlie_fqhc\"): NPI check digit")));
}

TEST(SeedLoaderTest, ContractWithUnknownPlanNamesPlanAndProvider) {
  std::string text = SmallSeedText();
  text = absl::StrReplaceAll(
      text, {{"contracts { plan_id: \"health_net\" }", "contracts { plan_id: \"kaiser\" }"}});
  const int line = LineOfNth(text, "providers {", 4);  // delta_county
  absl::StatusOr<hub::v1::DirectorySeed> seed = ParseSeed(text);
  ASSERT_FALSE(seed.ok());
  EXPECT_THAT(Message(seed.status()),
              StartsWith(absl::StrCat("seed file line ", line,
                                      ": provider #4 (\"delta_county\"): "
                                      "contracts[0].plan_id \"kaiser\" is not a known plan")));
}

TEST(SeedLoaderTest, DuplicatesWithinTheFileAreReported) {
  const std::string plan = "plans { plan_id: \"molina\" name: \"Molina\" }\n";
  absl::StatusOr<hub::v1::DirectorySeed> seed = ParseSeed(plan + plan);
  ASSERT_FALSE(seed.ok());
  EXPECT_THAT(Message(seed.status()),
              StartsWith("seed file line 2: plan #2 (\"molina\"): plan_id is already used by "
                         "plan #1 on line 1"));

  const std::string provider_a =
      absl::StrCat("providers { provider_id: \"aa\" npi: \"", Npi("100000001"),
                   "\" tin: \"111111111\" name: \"A\" kinds: PROVIDER_KIND_ECM }\n");
  const std::string provider_b =
      absl::StrCat("providers { provider_id: \"bb\" npi: \"", Npi("100000001"),
                   "\" tin: \"111111111\" name: \"B\" kinds: PROVIDER_KIND_ECM }\n");
  seed = ParseSeed(plan + provider_a + provider_b);
  ASSERT_FALSE(seed.ok());
  EXPECT_THAT(Message(seed.status()),
              StartsWith("seed file line 3: provider #2 (\"bb\"): NPI is already used by "
                         "provider #1 on line 2"));
  seed = ParseSeed(plan + provider_a + provider_a);
  ASSERT_FALSE(seed.ok());
  EXPECT_THAT(Message(seed.status()), HasSubstr("provider_id is already used"));
}

TEST(SeedLoaderTest, EveryValidationRuleReachesTheSeed) {
  const std::string plan = "plans { plan_id: \"molina\" name: \"Molina\" }\n";
  const std::string npi = Npi("100000001");
  struct Case {
    std::string provider_body;
    std::string expected;
  };
  const Case cases[] = {
      {"provider_id: \"A\"", "provider_id must be"},
      {absl::StrCat("provider_id: \"aa\" npi: \"", npi, "\" tin: \"12\""), "TIN"},
      {absl::StrCat("provider_id: \"aa\" npi: \"", npi, "\" tin: \"111111111\""),
       "name is required"},
      {absl::StrCat("provider_id: \"aa\" npi: \"", npi, "\" tin: \"111111111\" name: \"A\""),
       "kinds must list"},
      {absl::StrCat("provider_id: \"aa\" npi: \"", npi,
                    "\" tin: \"111111111\" name: \"A\" kinds: PROVIDER_KIND_CS"),
       "community_supports is required"},
      {absl::StrCat("provider_id: \"aa\" npi: \"", npi,
                    "\" tin: \"111111111\" name: \"A\" kinds: PROVIDER_KIND_ECM "
                    "contracts { plan_id: \"molina\" ecm_capacity: -1 }"),
       "contracts[0].ecm_capacity must be 0 or more"},
      {absl::StrCat("provider_id: \"aa\" npi: \"", npi,
                    "\" tin: \"111111111\" name: \"A\" kinds: PROVIDER_KIND_ECM "
                    "contracts { plan_id: \"molina\" start_date: \"01/02/2026\" }"),
       "contracts[0].start_date must be a date written YYYY-MM-DD"},
      {absl::StrCat("provider_id: \"aa\" npi: \"", npi,
                    "\" tin: \"111111111\" name: \"A\" kinds: PROVIDER_KIND_ECM "
                    "contracts { plan_id: \"molina\" } contracts { plan_id: \"molina\" }"),
       "contracts[1] is a second contract with plan \"molina\""},
      {absl::StrCat("provider_id: \"aa\" npi: \"", npi,
                    "\" tin: \"111111111\" name: \"A\" kinds: PROVIDER_KIND_ECM "
                    "contracts { plan_id: \"molina\" kinds: PROVIDER_KIND_CS }"),
       "contracts[0].kinds has CS"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<hub::v1::DirectorySeed> seed =
        ParseSeed(absl::StrCat(plan, "providers {\n", c.provider_body, "\n}\n"));
    ASSERT_FALSE(seed.ok()) << c.provider_body;
    EXPECT_THAT(Message(seed.status()), StartsWith("seed file line 2: provider #1 ("))
        << c.provider_body;
    EXPECT_THAT(Message(seed.status()), HasSubstr(c.expected)) << c.provider_body;
  }
  absl::StatusOr<hub::v1::DirectorySeed> seed = ParseSeed("plans { plan_id: \"m\" }\n");
  ASSERT_FALSE(seed.ok());
  EXPECT_THAT(Message(seed.status()), StartsWith("seed file line 1: plan #1 (\"m\"): plan_id"));
}

TEST(SeedLoaderTest, SeedIsNotLoadedTwiceAndChangesSurviveRestart) {
  std::unique_ptr<testing::TestHub> hub = StartTestHub(SmallSeedText());
  ASSERT_NE(hub, nullptr);
  EXPECT_TRUE(hub->server->start_info().seed.loaded);
  EXPECT_EQ(hub->server->start_info().provider_count, 5);
  {
    auto stub = hub::v1::DirectoryService::NewStub(hub->channel);
    grpc::ClientContext context;
    hub::v1::UpdatePlanRequest request;
    request.mutable_plan()->set_plan_id("molina");
    request.mutable_plan()->set_name("Molina Renamed");
    request.mutable_update_mask()->add_paths("name");
    hub::v1::UpdatePlanResponse response;
    ASSERT_TRUE(stub->UpdatePlan(&context, request, &response).ok());
  }
  const std::string root = hub->root;
  ASSERT_TRUE(hub->server->Shutdown(absl::Seconds(1)).ok());
  hub.reset();

  hub = StartTestHub(SmallSeedText(), root);
  ASSERT_NE(hub, nullptr);
  EXPECT_FALSE(hub->server->start_info().seed.loaded);
  EXPECT_EQ(hub->server->start_info().plan_count, 5);
  EXPECT_EQ(hub->server->start_info().provider_count, 5);
  auto stub = hub::v1::DirectoryService::NewStub(hub->channel);
  grpc::ClientContext context;
  hub::v1::GetPlanRequest request;
  request.set_plan_id("molina");
  hub::v1::GetPlanResponse response;
  ASSERT_TRUE(stub->GetPlan(&context, request, &response).ok());
  EXPECT_EQ(response.plan().name(), "Molina Renamed");
}

TEST(SeedLoaderTest, BadSeedStopsStartAndWritesNothing) {
  std::string text = SmallSeedText();
  text = absl::StrReplaceAll(text, {{Npi("100000005"), "123"}});
  const std::string root = MakeTempDir();
  WriteFile(root + "/seed.textproto", text);
  HubServer::Options options;
  options.listen_address = "127.0.0.1:0";
  options.data_dir = root + "/data";
  options.seed_path = root + "/seed.textproto";
  absl::StatusOr<std::unique_ptr<HubServer>> server = HubServer::Start(options);
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(Message(server.status()), HasSubstr("provider #5 (\"echo_meals\"): NPI"));

  // Nothing was written and the store was released.
  storage::StoreOptions store_options;
  store_options.data_dir = options.data_dir;
  absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(store_options);
  ASSERT_TRUE(store.ok()) << store.status();
  storage::DirectoryStore directory(store->get());
  absl::StatusOr<bool> empty = directory.Empty();
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(*empty);
}

TEST(DirectoryValidationTest, PlanRules) {
  hub::v1::Plan plan;
  plan.set_plan_id("molina");
  plan.set_name("Molina");
  EXPECT_TRUE(ValidatePlan(plan).ok());
  plan.set_dhcs_plan_code("TOO-LONG-AND-DASHED");
  EXPECT_THAT(Message(ValidatePlan(plan)), HasSubstr("dhcs_plan_code"));
  plan.set_dhcs_plan_code("MOL1");
  plan.set_adapter_profile("Molina Profile");
  EXPECT_THAT(Message(ValidatePlan(plan)), HasSubstr("adapter_profile"));
  plan.set_adapter_profile("molina-v2");
  EXPECT_TRUE(ValidatePlan(plan).ok());
  plan.set_name("   ");
  EXPECT_THAT(Message(ValidatePlan(plan)), HasSubstr("name is required"));
}

TEST(DirectoryValidationTest, PlanLookupErrorsPropagate) {
  hub::v1::Provider p;
  p.set_provider_id("aa");
  p.set_npi(Npi("100000001"));
  p.set_tin("111111111");
  p.set_name("A");
  p.add_kinds(hub::v1::PROVIDER_KIND_ECM);
  p.add_contracts()->set_plan_id("molina");
  const PlanExists failing = [](std::string_view) -> absl::StatusOr<bool> {
    return absl::UnavailableError("store closed");
  };
  EXPECT_EQ(ValidateProvider(p, failing).code(), absl::StatusCode::kUnavailable);
  const PlanExists yes = [](std::string_view) -> absl::StatusOr<bool> { return true; };
  EXPECT_TRUE(ValidateProvider(p, yes).ok());
  p.set_phone("619-555-0100");
  EXPECT_THAT(Message(ValidateProvider(p, yes)), HasSubstr("phone"));
  // The phone number itself is never echoed.
  EXPECT_THAT(Message(ValidateProvider(p, yes)), ::testing::Not(HasSubstr("555")));
}

TEST(DirectoryValidationTest, ProviderAddressIsCompleteOrAbsent) {
  hub::v1::Provider p;
  p.set_provider_id("aa");
  p.set_npi(Npi("100000001"));
  p.set_tin("111111111");
  p.set_name("A");
  p.add_kinds(hub::v1::PROVIDER_KIND_ECM);
  const PlanExists yes = [](std::string_view) -> absl::StatusOr<bool> { return true; };
  auto* a = p.mutable_address();
  a->set_line1("500 Broadway");
  a->set_city("San Diego");
  a->set_state("CA");
  a->set_zip("92101-1234");
  EXPECT_TRUE(ValidateProvider(p, yes).ok());
  a->set_zip("92101");
  EXPECT_TRUE(ValidateProvider(p, yes).ok());
  a->set_zip("9210");
  EXPECT_THAT(Message(ValidateProvider(p, yes)), HasSubstr("ZIP"));
  a->set_zip("92101");
  a->set_state("ca");
  EXPECT_THAT(Message(ValidateProvider(p, yes)), HasSubstr("two-letter state"));
  a->set_state("CA");
  a->clear_city();
  EXPECT_THAT(Message(ValidateProvider(p, yes)), HasSubstr("city"));
  p.clear_address();
  EXPECT_TRUE(ValidateProvider(p, yes).ok());
}

}  // namespace
}  // namespace hub
