#include "tests/hub/submit_test_env.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/string_view.h"
#include "gtest/gtest.h"
#include "hub/directory/seed_loader.h"
#include "hub/rpc/plan_service.h"
#include "tests/hub/hub_test_util.h"

#ifndef HUB_SOURCE_DIR
#error "HUB_SOURCE_DIR must name the repository root"
#endif

namespace hub::testing {
namespace {

void Commit(storage::Store& store, storage::WriteBatch& batch) {
  absl::Status status = store.Commit(batch, storage::Durability::kSync);
  ASSERT_TRUE(status.ok()) << status;
}

hub::v1::Provider MakeProvider(std::string_view id, std::string_view nine_digits,
                               const std::vector<std::string>& plans, bool part2) {
  hub::v1::Provider p;
  p.set_provider_id(std::string(id));
  p.set_npi(Npi(nine_digits));
  p.set_tin("999999999");
  p.set_name(absl::StrCat("Provider ", Absl(id)));
  p.add_kinds(hub::v1::PROVIDER_KIND_ECM);
  p.set_part2_program(part2);
  for (const std::string& plan : plans) {
    auto* c = p.add_contracts();
    c->set_plan_id(plan);
    c->add_kinds(hub::v1::PROVIDER_KIND_ECM);
  }
  return p;
}

}  // namespace

SubmitEnv::SubmitEnv() = default;

std::unique_ptr<SubmitEnv> SubmitEnv::Start(SubmitEnvOptions options) {
  std::unique_ptr<SubmitEnv> env(new SubmitEnv());
  env->root_ = MakeTempDir();
  storage::StoreOptions store_options;
  store_options.data_dir = env->root_ + "/data";
  store_options.block_cache_bytes = 8u << 20;
  store_options.min_free_bytes = options.min_free_bytes;
  absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(store_options);
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return nullptr;
  env->store_ = *std::move(store);
  env->directory_ = std::make_unique<storage::DirectoryStore>(env->store_.get());
  const std::string seed_path = env->root_ + "/seed.textproto";
  WriteFile(seed_path, SmallSeedText());
  absl::StatusOr<SeedLoadResult> seeded = LoadSeedIfEmpty(*env->directory_, seed_path);
  EXPECT_TRUE(seeded.ok()) << seeded.status();
  EXPECT_TRUE(env->directory_
                  ->CreateProvider(
                      MakeProvider("golf_network", "100000007",
                                   {"aetna", "blue_shield", "chg", "health_net", "molina"}, false))
                  .ok());
  EXPECT_TRUE(
      env->directory_->CreateProvider(MakeProvider("hotel_recovery", "100000008", {"molina"}, true))
          .ok());
  env->members_ = std::make_unique<storage::MemberStore>(env->store_.get());
  env->coverage_ = std::make_unique<storage::CoverageIndex>(env->store_.get());
  env->care_ = std::make_unique<storage::CareStore>(env->store_.get());
  env->feed_ = std::make_unique<storage::FeedStore>(env->store_.get());
  absl::StatusOr<std::unique_ptr<ReferenceTables>> reference =
      ReferenceTables::LoadDir(std::string(HUB_SOURCE_DIR) + "/data/reference");
  EXPECT_TRUE(reference.ok()) << reference.status();
  if (!reference.ok()) return nullptr;
  env->reference_ = *std::move(reference);

  std::function<absl::Time()> clock = options.clock;
  if (!clock) clock = [] { return FixedTime(); };
  SubmitPipelineOptions pipeline_options;
  pipeline_options.clock = clock;
  pipeline_options.before_commit = options.before_commit;
  env->pipeline_ =
      std::make_unique<SubmitPipeline>(env->store_.get(), env->directory_.get(), env->feed_.get(),
                                       env->reference_.get(), std::move(pipeline_options));
  const std::string spool_dir = env->root_ + "/spool";
  EXPECT_TRUE(PlanService::PrepareSpoolDir(spool_dir).ok());
  env->uploads_ =
      std::make_unique<UploadStreams>(UploadStreamsOptions{.spool_dir = spool_dir, .clock = clock});
  ProviderServiceOptions service_options;
  service_options.uploads = env->uploads_.get();
  service_options.clock = clock;
  service_options.upload_group_rows = options.upload_group_rows;
  service_options.store = env->store_.get();
  env->service_ = std::make_unique<ProviderService>(
      env->directory_.get(), env->feed_.get(), env->pipeline_.get(), std::move(service_options));
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &env->port_);
  builder.RegisterService(env->service_.get());
  env->server_ = builder.BuildAndStart();
  EXPECT_NE(env->server_, nullptr);
  EXPECT_GT(env->port_, 0);
  env->channel_ = grpc::CreateChannel(env->address(), grpc::InsecureChannelCredentials());
  env->stub_ = hub::v1::ProviderService::NewStub(env->channel_);
  return env;
}

SubmitEnv::~SubmitEnv() {
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
    server_->Wait();
  }
  uploads_.reset();  // Joins the upload workers, which use the service.
  service_.reset();
  pipeline_.reset();
  feed_.reset();
  if (store_ != nullptr) {
    EXPECT_TRUE(store_->Close().ok());
  }
}

std::string SubmitEnv::address() const { return absl::StrCat("127.0.0.1:", port_); }

void SubmitEnv::AddMember(std::string_view cin) {
  hub::v1::Member member;
  member.set_cin(std::string(cin));
  member.mutable_name()->set_first("Test");
  member.mutable_name()->set_last("Member");
  storage::WriteBatch batch;
  members_->Put(batch, member);
  Commit(*store_, batch);
}

void SubmitEnv::AddCoverage(std::string_view cin, std::string_view plan_id, std::string_view start,
                            std::string_view end) {
  hub::v1::Coverage coverage;
  coverage.set_cin(std::string(cin));
  coverage.set_plan_id(std::string(plan_id));
  coverage.set_start_date(std::string(start));
  coverage.set_end_date(std::string(end));
  storage::WriteBatch batch;
  coverage_->Put(batch, coverage);
  Commit(*store_, batch);
}

void SubmitEnv::AddAssignment(std::string_view cin, std::string_view plan_id,
                              std::string_view provider_id, std::string_view start,
                              std::string_view end) {
  hub::v1::Assignment a;
  a.set_cin(std::string(cin));
  a.set_plan_id(std::string(plan_id));
  a.set_provider_id(std::string(provider_id));
  a.add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_ADULT_INDIVIDUAL_HOMELESSNESS);
  a.set_benefit_start_date(std::string(start));
  a.set_benefit_end_date(std::string(end));
  a.set_status(hub::v1::ENROLLMENT_STATUS_ENROLLED);
  storage::WriteBatch batch;
  care_->PutAssignment(batch, a);
  Commit(*store_, batch);
}

void SubmitEnv::AddAssignment(const hub::v1::Assignment& assignment) {
  storage::WriteBatch batch;
  care_->PutAssignment(batch, assignment);
  Commit(*store_, batch);
}

void SubmitEnv::AddAuthorization(const hub::v1::Authorization& authorization) {
  storage::WriteBatch batch;
  absl::StatusOr<uint64_t> put = care_->PutAuthorization(batch, authorization);
  ASSERT_TRUE(put.ok()) << put.status();
  Commit(*store_, batch);
}

void SubmitEnv::AddEcmMember(std::string_view cin, std::string_view plan_id,
                             std::string_view provider_id) {
  AddMember(cin);
  AddCoverage(cin, plan_id, "2026-01-01");
  AddAssignment(cin, plan_id, provider_id, "2026-01-01");
}

absl::StatusOr<hub::v1::SubmitResponse> SubmitEnv::Submit(
    std::string_view provider_id, const std::vector<hub::v1::Submission>& records) {
  hub::v1::SubmitRequest request;
  request.set_provider_id(std::string(provider_id));
  for (const hub::v1::Submission& s : records) *request.add_submissions() = s;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  hub::v1::SubmitResponse response;
  grpc::Status status = stub_->Submit(&context, request, &response);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  }
  return response;
}

absl::StatusOr<hub::v1::SubmitResponse> SubmitEnv::SubmitToPipeline(
    std::string_view provider_id, const std::vector<hub::v1::Submission>& records) {
  std::vector<const hub::v1::Submission*> submissions;
  for (const hub::v1::Submission& s : records) submissions.push_back(&s);
  ASSIGN_OR_RETURN(std::vector<hub::v1::SubmissionResult> results,
                   pipeline_->Submit(std::string(provider_id), std::move(submissions)));
  hub::v1::SubmitResponse response;
  for (hub::v1::SubmissionResult& result : results) *response.add_results() = std::move(result);
  return response;
}

absl::StatusOr<hub::v1::IngestReport> SubmitEnv::Upload(std::string_view provider_id,
                                                        std::string_view csv, size_t chunk) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  hub::v1::ProviderServiceUploadFileResponse response;
  auto writer = stub_->UploadFile(&context, &response);
  hub::v1::ProviderServiceUploadFileRequest request;
  request.mutable_header()->set_provider_id(std::string(provider_id));
  request.mutable_header()->set_file_name("submissions.csv");
  bool open = writer->Write(request);
  for (size_t at = 0; open && at < csv.size(); at += chunk) {
    request.Clear();
    request.set_chunk(std::string(csv.substr(at, chunk)));
    open = writer->Write(request);
  }
  if (open) writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  }
  return response.report();
}

std::vector<hub::v1::FeedItem> SubmitEnv::Feed(std::string_view plan_id) {
  std::vector<hub::v1::FeedItem> all;
  uint64_t after = 0;
  while (true) {
    absl::StatusOr<std::vector<hub::v1::FeedItem>> page = feed_->ReadItems(plan_id, after, 500);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok() || page->empty()) break;
    after = page->back().sequence();
    for (auto& item : *page) all.push_back(std::move(item));
  }
  return all;
}

hub::v1::Authorization SubmitEnv::GetAuthorization(std::string_view plan_id,
                                                   std::string_view number) {
  absl::StatusOr<hub::v1::Authorization> auth = care_->GetAuthorization(plan_id, number);
  EXPECT_TRUE(auth.ok()) << auth.status();
  return auth.ok() ? *auth : hub::v1::Authorization();
}

hub::v1::Submission EcmOutreach(std::string_view key, std::string_view cin, std::string_view date) {
  hub::v1::Submission s;
  s.set_idempotency_key(std::string(key));
  auto* r = s.mutable_outreach_attempt();
  r->set_cin(std::string(cin));
  r->set_attempt_date(std::string(date));
  r->set_method(hub::v1::OUTREACH_METHOD_TELEPHONE);
  r->set_minutes(15);
  return s;
}

hub::v1::Submission EcmService(std::string_view key, std::string_view cin, std::string_view date,
                               std::vector<std::string> modifiers) {
  hub::v1::Submission s;
  s.set_idempotency_key(std::string(key));
  auto* r = s.mutable_service();
  r->set_cin(std::string(cin));
  r->set_service_date(std::string(date));
  r->set_hcpcs_code("G9008");
  for (std::string& m : modifiers) r->add_modifiers(std::move(m));
  r->set_units(1);
  r->set_place_of_service("12");
  r->set_in_person(true);
  r->set_staff_type(hub::v1::STAFF_TYPE_CLINICAL);
  r->add_diagnosis_codes("Z59.00");
  r->set_charge_cents(12500);
  return s;
}

hub::v1::Submission CsService(std::string_view key, std::string_view cin, std::string_view date,
                              std::string_view authorization_number, std::string_view code,
                              std::vector<std::string> modifiers, int units) {
  hub::v1::Submission s;
  s.set_idempotency_key(std::string(key));
  auto* r = s.mutable_service();
  r->set_cin(std::string(cin));
  r->set_service_date(std::string(date));
  r->set_hcpcs_code(std::string(code));
  for (std::string& m : modifiers) r->add_modifiers(std::move(m));
  r->set_units(units);
  r->set_place_of_service("99");
  r->set_in_person(true);
  r->set_staff_type(hub::v1::STAFF_TYPE_NON_CLINICAL);
  r->set_authorization_number(std::string(authorization_number));
  r->add_diagnosis_codes("Z59.41");  // A plan billing CS on the 837P needs one.
  r->set_charge_cents(30050);
  return s;
}

hub::v1::Submission Referral(std::string_view key, std::string_view cin, std::string_view date,
                             std::string_view authorization_number,
                             hub::v1::ReferralStatus status) {
  hub::v1::Submission s;
  s.set_idempotency_key(std::string(key));
  auto* r = s.mutable_referral_status();
  r->set_cin(std::string(cin));
  r->set_status_date(std::string(date));
  r->set_authorization_number(std::string(authorization_number));
  r->set_status(status);
  return s;
}

hub::v1::Submission CarePlanRecord(std::string_view key, std::string_view cin,
                                   std::string_view effective_date) {
  hub::v1::Submission s;
  s.set_idempotency_key(std::string(key));
  auto* r = s.mutable_care_plan();
  r->set_cin(std::string(cin));
  r->set_effective_date(std::string(effective_date));
  r->set_assessment_date("2026-10-01");
  auto* goal = r->add_goals();
  goal->set_description("Stable housing within 90 days");
  goal->set_status("open");
  r->add_interventions("Weekly housing navigation visits");
  r->set_next_review_date("2027-02-01");
  return s;
}

hub::v1::Authorization MakeAuthorization(std::string_view number, std::string_view cin,
                                         std::string_view plan_id, std::string_view provider_id,
                                         hub::v1::CommunitySupport support, int units_approved,
                                         std::string_view start, std::string_view end) {
  hub::v1::Authorization a;
  a.set_authorization_number(std::string(number));
  a.set_cin(std::string(cin));
  a.set_plan_id(std::string(plan_id));
  a.set_provider_id(std::string(provider_id));
  a.set_community_support(support);
  a.set_units_approved(units_approved);
  a.set_start_date(std::string(start));
  a.set_end_date(std::string(end));
  a.set_status(hub::v1::AUTHORIZATION_STATUS_APPROVED);
  a.set_referral_date(std::string(start));
  return a;
}

}  // namespace hub::testing
