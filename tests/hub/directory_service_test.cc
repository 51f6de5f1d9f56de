// DirectoryService over a real channel to an in-process HubServer.
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/common/rpc_status.h"
#include "hub/v1/directory_service.grpc.pb.h"
#include "tests/hub/hub_test_util.h"

namespace hub {
namespace {

using ::hub::testing::Npi;
using ::hub::testing::SmallSeedText;
using ::hub::testing::StartTestHub;
using ::hub::testing::TestHub;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class DirectoryServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hub_ = StartTestHub(SmallSeedText());
    ASSERT_NE(hub_, nullptr);
    stub_ = hub::v1::DirectoryService::NewStub(hub_->channel);
  }

  absl::Status ListPlans(const hub::v1::ListPlansRequest& request,
                         hub::v1::ListPlansResponse* response) {
    grpc::ClientContext context;
    return FromGrpcStatus(stub_->ListPlans(&context, request, response));
  }
  absl::Status ListProviders(const hub::v1::ListProvidersRequest& request,
                             hub::v1::ListProvidersResponse* response) {
    grpc::ClientContext context;
    return FromGrpcStatus(stub_->ListProviders(&context, request, response));
  }
  absl::Status CreateProvider(const hub::v1::Provider& provider) {
    grpc::ClientContext context;
    hub::v1::CreateProviderRequest request;
    *request.mutable_provider() = provider;
    hub::v1::CreateProviderResponse response;
    return FromGrpcStatus(stub_->CreateProvider(&context, request, &response));
  }
  absl::StatusOr<hub::v1::Provider> GetProvider(const std::string& id) {
    grpc::ClientContext context;
    hub::v1::GetProviderRequest request;
    request.set_provider_id(id);
    hub::v1::GetProviderResponse response;
    absl::Status s = FromGrpcStatus(stub_->GetProvider(&context, request, &response));
    if (!s.ok()) return s;
    return response.provider();
  }
  absl::StatusOr<hub::v1::Provider> UpdateProvider(const hub::v1::Provider& provider,
                                                   std::vector<std::string> paths) {
    grpc::ClientContext context;
    hub::v1::UpdateProviderRequest request;
    *request.mutable_provider() = provider;
    for (const std::string& p : paths) request.mutable_update_mask()->add_paths(p);
    hub::v1::UpdateProviderResponse response;
    absl::Status s = FromGrpcStatus(stub_->UpdateProvider(&context, request, &response));
    if (!s.ok()) return s;
    return response.provider();
  }

  // All provider ids matching `request`'s filters, paging with page_size.
  std::vector<std::string> AllProviderIds(hub::v1::ListProvidersRequest request,
                                          std::vector<int>* page_sizes = nullptr) {
    std::vector<std::string> ids;
    for (int pages = 0; pages < 100; ++pages) {
      hub::v1::ListProvidersResponse response;
      absl::Status s = ListProviders(request, &response);
      EXPECT_TRUE(s.ok()) << s;
      if (!s.ok()) break;
      if (page_sizes != nullptr) page_sizes->push_back(response.providers_size());
      for (const auto& p : response.providers()) ids.push_back(p.provider_id());
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    return ids;
  }

  static hub::v1::Provider NewProvider() {
    hub::v1::Provider p;
    p.set_provider_id("foxtrot_outreach");
    p.set_npi(Npi("100000006"));
    p.set_tin("666666666");
    p.set_name("Foxtrot Outreach");
    p.add_kinds(hub::v1::PROVIDER_KIND_ECM);
    auto* contract = p.add_contracts();
    contract->set_plan_id("aetna");
    contract->set_ecm_capacity(10);
    return p;
  }

  std::unique_ptr<TestHub> hub_;
  std::unique_ptr<hub::v1::DirectoryService::Stub> stub_;
};

TEST_F(DirectoryServiceTest, ListPlansPagesThroughAllPlansInIdOrder) {
  hub::v1::ListPlansRequest request;
  request.set_page_size(2);
  std::vector<std::string> ids;
  std::vector<int> sizes;
  for (int pages = 0; pages < 10; ++pages) {
    hub::v1::ListPlansResponse response;
    ASSERT_TRUE(ListPlans(request, &response).ok());
    sizes.push_back(response.plans_size());
    for (const auto& plan : response.plans()) ids.push_back(plan.plan_id());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_THAT(sizes, ElementsAre(2, 2, 1));
  EXPECT_THAT(ids, ElementsAre("aetna", "blue_shield", "chg", "health_net", "molina"));
}

TEST_F(DirectoryServiceTest, ExactlyFullPageHasNoNextToken) {
  hub::v1::ListPlansRequest request;
  request.set_page_size(5);
  hub::v1::ListPlansResponse response;
  ASSERT_TRUE(ListPlans(request, &response).ok());
  EXPECT_EQ(response.plans_size(), 5);
  EXPECT_EQ(response.next_page_token(), "");

  request.set_page_size(0);  // Default 100.
  response.Clear();
  ASSERT_TRUE(ListPlans(request, &response).ok());
  EXPECT_EQ(response.plans_size(), 5);
}

TEST_F(DirectoryServiceTest, BadPageSizeAndTokensAreInvalidArgument) {
  hub::v1::ListPlansRequest request;
  hub::v1::ListPlansResponse response;
  request.set_page_size(-1);
  absl::Status s = ListPlans(request, &response);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("page_size"));

  request.set_page_size(1);
  request.set_page_token("not a token!");
  s = ListPlans(request, &response);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("page_token"));

  // A plans token is not a providers token.
  request.clear_page_token();
  ASSERT_TRUE(ListPlans(request, &response).ok());
  ASSERT_FALSE(response.next_page_token().empty());
  hub::v1::ListProvidersRequest providers;
  providers.set_page_token(response.next_page_token());
  hub::v1::ListProvidersResponse providers_response;
  EXPECT_EQ(ListProviders(providers, &providers_response).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(DirectoryServiceTest, GetPlanFindsSeededPlanAndNotFoundOtherwise) {
  grpc::ClientContext context;
  hub::v1::GetPlanRequest request;
  request.set_plan_id("molina");
  hub::v1::GetPlanResponse response;
  ASSERT_TRUE(stub_->GetPlan(&context, request, &response).ok());
  EXPECT_EQ(response.plan().name(), "Molina Healthcare of California");

  grpc::ClientContext context2;
  request.set_plan_id("no_such_plan");
  absl::Status s = FromGrpcStatus(stub_->GetPlan(&context2, request, &response));
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()), HasSubstr("no_such_plan"));
}

TEST_F(DirectoryServiceTest, CreateAndUpdatePlan) {
  hub::v1::Plan plan;
  plan.set_plan_id("kaiser");
  plan.set_name("Kaiser Permanente");
  plan.set_dhcs_plan_code("KP1");
  {
    grpc::ClientContext context;
    hub::v1::CreatePlanRequest request;
    *request.mutable_plan() = plan;
    hub::v1::CreatePlanResponse response;
    ASSERT_TRUE(stub_->CreatePlan(&context, request, &response).ok());
  }
  {
    grpc::ClientContext context;
    hub::v1::CreatePlanRequest request;
    *request.mutable_plan() = plan;
    hub::v1::CreatePlanResponse response;
    EXPECT_EQ(stub_->CreatePlan(&context, request, &response).error_code(),
              grpc::StatusCode::ALREADY_EXISTS);
  }
  {
    grpc::ClientContext context;
    hub::v1::UpdatePlanRequest request;
    request.mutable_plan()->set_plan_id("kaiser");
    request.mutable_plan()->set_adapter_profile("kaiser");
    request.mutable_update_mask()->add_paths("adapter_profile");
    hub::v1::UpdatePlanResponse response;
    ASSERT_TRUE(stub_->UpdatePlan(&context, request, &response).ok());
    EXPECT_EQ(response.plan().adapter_profile(), "kaiser");
    EXPECT_EQ(response.plan().name(), "Kaiser Permanente");  // Not in the mask: kept.
    EXPECT_EQ(response.plan().dhcs_plan_code(), "KP1");
  }
}

TEST_F(DirectoryServiceTest, CreateProviderWithInvalidNpiNamesTheNpi) {
  hub::v1::Provider p = NewProvider();
  p.set_npi("1000000060");  // Wrong check digit.
  ASSERT_NE(p.npi(), Npi("100000006"));
  absl::Status s = CreateProvider(p);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("NPI"));
  EXPECT_EQ(GetProvider(p.provider_id()).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(DirectoryServiceTest, CreateProviderRejectsDuplicateNpiAndId) {
  hub::v1::Provider p = NewProvider();
  p.set_npi(Npi("100000001"));  // alpha_cbo's NPI.
  absl::Status s = CreateProvider(p);
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(s.message()), HasSubstr("alpha_cbo"));

  p = NewProvider();
  p.set_provider_id("alpha_cbo");
  EXPECT_EQ(CreateProvider(p).code(), absl::StatusCode::kAlreadyExists);

  ASSERT_TRUE(CreateProvider(NewProvider()).ok());
  absl::StatusOr<hub::v1::Provider> stored = GetProvider("foxtrot_outreach");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->name(), "Foxtrot Outreach");
}

TEST_F(DirectoryServiceTest, CreateProviderWithUnknownPlanIsInvalid) {
  hub::v1::Provider p = NewProvider();
  p.mutable_contracts(0)->set_plan_id("nowhere_health");
  absl::Status s = CreateProvider(p);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("nowhere_health"));
}

TEST_F(DirectoryServiceTest, GetProviderByNpi) {
  grpc::ClientContext context;
  hub::v1::GetProviderRequest request;
  request.set_npi(Npi("100000003"));
  hub::v1::GetProviderResponse response;
  ASSERT_TRUE(stub_->GetProvider(&context, request, &response).ok());
  EXPECT_EQ(response.provider().provider_id(), "charlie_fqhc");

  grpc::ClientContext context2;
  request.Clear();
  EXPECT_EQ(stub_->GetProvider(&context2, request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(DirectoryServiceTest, UpdateProviderChangesOnlyMaskedFields) {
  hub::v1::Provider update;
  update.set_provider_id("alpha_cbo");
  update.set_name("Alpha Community Services Inc.");
  update.set_tin("999999999");  // Not in the mask: must be ignored.
  absl::StatusOr<hub::v1::Provider> updated = UpdateProvider(update, {"name"});
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->name(), "Alpha Community Services Inc.");
  EXPECT_EQ(updated->tin(), "111111111");
  EXPECT_EQ(updated->contracts_size(), 2);

  absl::StatusOr<hub::v1::Provider> stored = GetProvider("alpha_cbo");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->name(), "Alpha Community Services Inc.");
  EXPECT_EQ(stored->npi(), Npi("100000001"));

  // Empty mask: every set field is replaced, the rest kept.
  update.Clear();
  update.set_provider_id("alpha_cbo");
  update.set_phone("6195550100");
  updated = UpdateProvider(update, {});
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->phone(), "6195550100");
  EXPECT_EQ(updated->name(), "Alpha Community Services Inc.");
}

TEST_F(DirectoryServiceTest, UpdateProviderRejectsBadMasksAndInvalidResults) {
  hub::v1::Provider update;
  update.set_provider_id("alpha_cbo");
  absl::Status s = UpdateProvider(update, {"nickname"}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("nickname"));

  s = UpdateProvider(update, {"provider_id"}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("cannot change"));

  // Clearing the name (masked, left empty) fails validation.
  s = UpdateProvider(update, {"name"}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("name"));

  // Taking another provider's NPI.
  update.set_npi(Npi("100000002"));
  s = UpdateProvider(update, {"npi"}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(s.message()), HasSubstr("bravo_housing"));

  update.set_provider_id("nobody_here");
  EXPECT_EQ(UpdateProvider(update, {"name"}).status().code(), absl::StatusCode::kNotFound);

  absl::StatusOr<hub::v1::Provider> stored = GetProvider("alpha_cbo");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->name(), "Alpha Community Services");
  EXPECT_EQ(stored->npi(), Npi("100000001"));
}

TEST_F(DirectoryServiceTest, ListProvidersFiltersByPlanAndKindWhilePaging) {
  hub::v1::ListProvidersRequest request;
  request.set_page_size(1);
  request.set_plan_id("molina");
  std::vector<int> sizes;
  EXPECT_THAT(AllProviderIds(request, &sizes),
              ElementsAre("alpha_cbo", "bravo_housing", "charlie_fqhc", "echo_meals"));
  EXPECT_THAT(sizes, ElementsAre(1, 1, 1, 1));  // No empty trailing page.

  request.set_kind(hub::v1::PROVIDER_KIND_ECM);
  sizes.clear();
  EXPECT_THAT(AllProviderIds(request, &sizes), ElementsAre("alpha_cbo", "charlie_fqhc"));
  EXPECT_THAT(sizes, ElementsAre(1, 1));

  // charlie_fqhc serves molina for ECM only; echo_meals' contract lists no
  // kinds, so it covers the provider's CS.
  request.set_kind(hub::v1::PROVIDER_KIND_CS);
  request.set_page_size(2);
  EXPECT_THAT(AllProviderIds(request), ElementsAre("bravo_housing", "echo_meals"));

  request.clear_plan_id();
  EXPECT_THAT(AllProviderIds(request), ElementsAre("bravo_housing", "charlie_fqhc", "echo_meals"));

  request.Clear();
  request.set_community_support(hub::v1::COMMUNITY_SUPPORT_HOUSING_DEPOSITS);
  EXPECT_THAT(AllProviderIds(request), ElementsAre("bravo_housing"));

  request.Clear();
  request.set_plan_id("health_net");
  request.set_page_size(1);
  EXPECT_THAT(AllProviderIds(request), ElementsAre("charlie_fqhc", "delta_county"));

  request.Clear();
  EXPECT_THAT(AllProviderIds(request), ElementsAre("alpha_cbo", "bravo_housing", "charlie_fqhc",
                                                   "delta_county", "echo_meals"));
}

TEST_F(DirectoryServiceTest, SparseFilterScansPastOneStoreBatch) {
  // 300 more providers; every 10th contracts with aetna. The service reads
  // the store in batches of 256, so matches lie in two batches and one sits
  // at a batch's end.
  std::vector<std::string> expected;
  for (int i = 0; i < 300; ++i) {
    hub::v1::Provider p;
    p.set_provider_id(absl::StrFormat("p%04d", i));
    p.set_npi(Npi(absl::StrFormat("2%08d", i)));
    p.set_tin("777777777");
    p.set_name("Bulk Provider");
    p.add_kinds(hub::v1::PROVIDER_KIND_ECM);
    p.add_contracts()->set_plan_id(i % 10 == 0 ? "aetna" : "chg");
    if (i % 10 == 0) expected.push_back(p.provider_id());
    ASSERT_TRUE(CreateProvider(p).ok()) << i;
  }
  hub::v1::ListProvidersRequest request;
  request.set_plan_id("aetna");
  std::vector<int> sizes;
  EXPECT_EQ(AllProviderIds(request, &sizes), expected);
  EXPECT_THAT(sizes, ElementsAre(30));
  request.set_page_size(7);
  sizes.clear();
  EXPECT_EQ(AllProviderIds(request, &sizes), expected);
  EXPECT_THAT(sizes, ElementsAre(7, 7, 7, 7, 2));
}

}  // namespace
}  // namespace hub
