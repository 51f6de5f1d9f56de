// Identity over real mutual TLS: the certificate checks (no certificate,
// another CA, expired, revoked, unknown organization), the WHOLE access
// matrix (every method of every hub service and the health and reflection
// services x the four roles), row scoping, the health-only port, and the
// audit log's records and tamper detection.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "auth/policy.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/cli/health_client.h"
#include "hub/cli/hubctl.h"
#include "hub/common/rpc_status.h"
#include "hub/v1/admin_service.grpc.pb.h"
#include "hub/v1/audit.grpc.pb.h"
#include "hub/v1/directory_service.grpc.pb.h"
#include "hub/v1/plan_service.grpc.pb.h"
#include "hub/v1/provider_service.grpc.pb.h"
#include "rocksdb/db.h"
#include "storage/audit_store.h"
#include "storage/internal.h"
#include "storage/store.h"
#include "tests/hub/hub_test_util.h"
#include "tests/hub/tls_test_util.h"

namespace hub {
namespace {

using ::testing::HasSubstr;
using testing::TestPki;
using testing::TlsTestHub;

// The services the hub registers.
constexpr const char* kHubServices[] = {
    "hub.v1.DirectoryService", "hub.v1.AdminService",   "hub.v1.PlanService",
    "hub.v1.ProviderService",  "hub.v1.ConsentService", "hub.v1.AuditService",
    "hub.v1.MonitorService",
};

struct RoleCert {
  auth::Role role;
  const char* cert;  // TestPki name
  const char* id;    // the organization's id
};
constexpr RoleCert kRoles[] = {
    {auth::Role::kProvider, "alpha_cbo", "alpha_cbo"},
    {auth::Role::kPlan, "molina", "molina"},
    {auth::Role::kCountyAnalyst, "analyst", "analyst"},
    {auth::Role::kCountyAdmin, "admin", "admin"},
};

class IdentityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki_ = new TestPki(testing::MakeTestPki()); }
  static void TearDownTestSuite() { delete pki_; }
  void SetUp() override {
    hub_ = testing::StartTlsTestHub(*pki_, testing::SmallSeedText());
    ASSERT_NE(hub_, nullptr);
  }

  // Calls `method` with `request` bytes as a (generic) streaming call: one
  // message, half-close, read what comes (at most a few messages).
  grpc::Status Call(const std::string& cert, const std::string& method,
                    const std::string& request) {
    auto channel = hub_->Channel(*pki_, cert);
    grpc::GenericStub stub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::CompletionQueue cq;
    void* tag = nullptr;
    bool ok = false;
    auto next = [&] { return cq.Next(&tag, &ok); };
    std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
        stub.PrepareCall(&context, method, &cq);
    call->StartCall(reinterpret_cast<void*>(1));
    next();
    if (ok) {
      grpc::Slice slice(request);
      grpc::ByteBuffer buffer(&slice, 1);
      call->Write(buffer, reinterpret_cast<void*>(2));
      next();
      call->WritesDone(reinterpret_cast<void*>(3));
      next();
      for (int i = 0; i < 3; ++i) {
        grpc::ByteBuffer response;
        call->Read(&response, reinterpret_cast<void*>(4));
        next();
        if (!ok) break;
        if (i == 2) context.TryCancel();  // A stream that goes on (Watch).
      }
    }
    grpc::Status status;
    call->Finish(&status, reinterpret_cast<void*>(5));
    next();
    cq.Shutdown();
    while (cq.Next(&tag, &ok)) {
    }
    return status;
  }

  // A request for `method` whose scope fields name the caller `id`.
  static std::string ScopedRequest(const google::protobuf::MethodDescriptor* method,
                                   const std::string& id) {
    google::protobuf::DynamicMessageFactory factory;
    std::unique_ptr<google::protobuf::Message> message(
        factory.GetPrototype(method->input_type())->New());
    auto set = [&](google::protobuf::Message* m, const std::string& field,
                   const std::string& value) {
      const auto* f = m->GetDescriptor()->FindFieldByName(field);
      if (f != nullptr && f->type() == google::protobuf::FieldDescriptor::TYPE_STRING &&
          !f->is_repeated()) {
        m->GetReflection()->SetString(m, f, value);
      }
    };
    set(message.get(), "provider_id", id);
    set(message.get(), "plan_id", id);
    set(message.get(), "report_id", id + "-0000000000000000");
    if (const auto* header = message->GetDescriptor()->FindFieldByName("header")) {
      google::protobuf::Message* h =
          message->GetReflection()->MutableMessage(message.get(), header);
      set(h, "provider_id", id);
      set(h, "plan_id", id);
      set(h, "file_name", "empty.csv");
    }
    return message->SerializeAsString();
  }

  static TestPki* pki_;
  std::unique_ptr<TlsTestHub> hub_;
};
TestPki* IdentityTest::pki_ = nullptr;

TEST_F(IdentityTest, EveryServedMethodIsInThePolicyTable) {
  for (const char* name : kHubServices) {
    const auto* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
    ASSERT_NE(service, nullptr) << name;
    for (int i = 0; i < service->method_count(); ++i) {
      const std::string method = absl::StrCat("/", name, "/", service->method(i)->name());
      EXPECT_NE(auth::FindPolicy(method), nullptr) << method << " is missing from the policy";
    }
  }
  EXPECT_NE(auth::FindPolicy("/hub.v1.MonitorService/GetSummary"), nullptr);
  EXPECT_TRUE(auth::IsAllowed("/hub.v1.MonitorService/GetSummary", auth::Role::kCountyAnalyst));
  EXPECT_FALSE(auth::IsAllowed("/hub.v1.MonitorService/GetSummary", auth::Role::kPlan));
  // The county roll-up is aggregates: the county's roles, never a plan or
  // a provider (one plan must not see another's counts).
  EXPECT_TRUE(
      auth::IsAllowed("/hub.v1.MonitorService/GetQuarterlyRollup", auth::Role::kCountyAnalyst));
  EXPECT_FALSE(auth::IsAllowed("/hub.v1.MonitorService/GetQuarterlyRollup", auth::Role::kPlan));
  EXPECT_FALSE(auth::IsAllowed("/hub.v1.MonitorService/GetQuarterlyRollup", auth::Role::kProvider));
  EXPECT_FALSE(auth::IsAllowed("/hub.v1.Unknown/Call", auth::Role::kCountyAdmin));
}

// The whole matrix over real TLS channels: allowed -> neither
// PERMISSION_DENIED nor UNAUTHENTICATED; denied -> PERMISSION_DENIED.
TEST_F(IdentityTest, WholeMatrixOverTls) {
  std::vector<const google::protobuf::MethodDescriptor*> methods;
  for (const char* name : kHubServices) {
    const auto* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
    ASSERT_NE(service, nullptr);
    for (int i = 0; i < service->method_count(); ++i) methods.push_back(service->method(i));
  }
  int allowed = 0, denied = 0;
  for (const auto* method : methods) {
    const std::string path = absl::StrCat("/", method->service()->full_name(), "/", method->name());
    for (const RoleCert& rc : kRoles) {
      const grpc::Status status = Call(rc.cert, path, ScopedRequest(method, rc.id));
      if (auth::IsAllowed(path, rc.role)) {
        ++allowed;
        EXPECT_NE(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << path << " as " << rc.cert << ": " << status.error_message();
        EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
            << path << " as " << rc.cert << ": " << status.error_message();
      } else {
        ++denied;
        EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << path << " as " << rc.cert << ": " << status.error_message();
      }
    }
  }
  // Health and reflection: every role.
  for (const RoleCert& rc : kRoles) {
    EXPECT_TRUE(Call(rc.cert, "/grpc.health.v1.Health/Check", "").ok()) << rc.cert;
    for (const char* reflection_method :
         {"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
          "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"}) {
      const grpc::Status reflection = Call(rc.cert, reflection_method, "");
      EXPECT_NE(reflection.error_code(), grpc::StatusCode::PERMISSION_DENIED)
          << rc.cert << " " << reflection_method;
    }
  }
  EXPECT_GT(allowed, 20);
  EXPECT_GT(denied, 60);
  // A method outside the table is denied to everyone, even the administrator.
  EXPECT_EQ(Call("admin", "/hub.v1.Unknown/Call", "").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(IdentityTest, CertificateChecks) {
  auto plans = [&](const std::string& cert) {
    auto stub = hub::v1::DirectoryService::NewStub(hub_->Channel(*pki_, cert));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    hub::v1::ListPlansResponse response;
    return stub->ListPlans(&context, hub::v1::ListPlansRequest(), &response);
  };
  EXPECT_TRUE(plans("molina").ok());
  // The handshake fails: no certificate, another CA, expired, revoked.
  for (const char* cert : {"", "stranger", "expired", "revoked"}) {
    const grpc::Status status = plans(cert);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << "certificate '" << cert << "': " << status.error_message();
  }
  // A valid certificate of an organization the directory does not know, or
  // with no hub identity.
  grpc::Status ghost = plans("ghost");
  EXPECT_EQ(ghost.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(ghost.error_message(), HasSubstr("not in this hub's directory"));
  grpc::Status nouri = plans("nouri");
  EXPECT_EQ(nouri.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(nouri.error_message(), HasSubstr("urn:hub:provider:"));
}

TEST_F(IdentityTest, ProvidersAndPlansSeeOnlyTheirOwnRows) {
  auto provider = hub::v1::ProviderService::NewStub(hub_->Channel(*pki_, "alpha_cbo"));
  {
    grpc::ClientContext context;
    hub::v1::ListFeedbackRequest request;
    request.set_provider_id("bravo_housing");  // Another provider's feedback.
    hub::v1::ListFeedbackResponse response;
    grpc::Status status = provider->ListFeedback(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_THAT(status.error_message(), HasSubstr("set provider_id to \"alpha_cbo\""));
  }
  {
    grpc::ClientContext context;
    hub::v1::ListMembersRequest request;
    request.set_provider_id("bravo_housing");  // Another provider's members.
    hub::v1::ListMembersResponse response;
    EXPECT_EQ(provider->ListMembers(&context, request, &response).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    grpc::ClientContext context;
    hub::v1::SubmitRequest request;
    request.set_provider_id("bravo_housing");  // Submitting as someone else.
    request.add_submissions()->set_idempotency_key("k1");
    hub::v1::SubmitResponse response;
    EXPECT_EQ(provider->Submit(&context, request, &response).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    grpc::ClientContext context;
    hub::v1::ListFeedbackRequest request;
    request.set_provider_id("alpha_cbo");
    hub::v1::ListFeedbackResponse response;
    EXPECT_TRUE(provider->ListFeedback(&context, request, &response).ok());
  }
  auto plan = hub::v1::PlanService::NewStub(hub_->Channel(*pki_, "molina"));
  EXPECT_EQ(testing::PullFeedToEnd(*plan, "aetna").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  {
    grpc::ClientContext context;
    hub::v1::GetIngestReportRequest request;
    request.set_report_id("aetna-0123456789abcdef");
    hub::v1::GetIngestReportResponse response;
    EXPECT_EQ(plan->GetIngestReport(&context, request, &response).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    grpc::ClientContext context;
    hub::v1::AckRequest request;
    request.set_plan_id("aetna");
    hub::v1::AckResponse response;
    EXPECT_EQ(plan->Ack(&context, request, &response).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    // Another plan's monthly file.
    grpc::ClientContext context;
    hub::v1::ExportFileRequest request;
    request.set_plan_id("aetna");
    request.set_kind(hub::v1::FILE_KIND_OUTREACH_TRACKER);
    request.set_period("2026-11");
    auto reader = plan->ExportFile(&context, request);
    hub::v1::ExportFileResponse response;
    EXPECT_FALSE(reader->Read(&response));
    const grpc::Status status = reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_THAT(status.error_message(), HasSubstr("set plan_id to \"molina\""));
  }
  {
    // Another provider's quality reports and care plans.
    grpc::ClientContext context;
    hub::v1::ListQualityReportsRequest request;
    request.set_provider_id("bravo_housing");
    hub::v1::ListQualityReportsResponse response;
    EXPECT_EQ(provider->ListQualityReports(&context, request, &response).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    grpc::ClientContext context;
    hub::v1::GetCarePlanRequest request;
    request.set_provider_id("bravo_housing");
    request.set_cin("90000001A");
    hub::v1::GetCarePlanResponse response;
    EXPECT_EQ(provider->GetCarePlan(&context, request, &response).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
}

TEST_F(IdentityTest, HealthPortServesOnlyHealthWithoutCertificates) {
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", hub_->server->health_port()),
                                     grpc::InsecureChannelCredentials());
  absl::StatusOr<ServingStatus> health = CheckHealth(channel, "", absl::Seconds(5));
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(*health, ServingStatus::kServing);
  auto stub = hub::v1::DirectoryService::NewStub(channel);
  grpc::ClientContext context;
  hub::v1::ListPlansResponse response;
  EXPECT_EQ(stub->ListPlans(&context, hub::v1::ListPlansRequest(), &response).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  hub_->server->SetNotServing();
  health = CheckHealth(channel, "", absl::Seconds(5));
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(*health, ServingStatus::kNotServing);
}

TEST_F(IdentityTest, RefusesPlaintextOffLoopbackAndHalfConfiguredTls) {
  HubServer::Options options;
  options.data_dir = testing::MakeTempDir() + "/data";
  options.listen_address = "0.0.0.0:0";
  EXPECT_TRUE(absl::IsFailedPrecondition(HubServer::Start(options).status()));
  options.listen_address = "127.0.0.1:0";
  options.tls.cert_file = pki_->Dir("hub") + "/tls.crt";  // key and CA missing
  EXPECT_FALSE(HubServer::Start(options).ok());
}

TEST_F(IdentityTest, AuditRecordsWhoWhatAndRefusalsAndVerifiesTheChain) {
  // A refused and an allowed call.
  {
    auto plan = hub::v1::PlanService::NewStub(hub_->Channel(*pki_, "molina"));
    grpc::ClientContext context;
    hub::v1::AckRequest request;
    request.set_plan_id("molina");
    hub::v1::AckResponse response;
    EXPECT_TRUE(plan->Ack(&context, request, &response).ok());
    auto admin = hub::v1::AdminService::NewStub(hub_->Channel(*pki_, "molina"));
    grpc::ClientContext context2;
    hub::v1::CreateBackupResponse backup;
    EXPECT_EQ(admin->CreateBackup(&context2, hub::v1::CreateBackupRequest(), &backup).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
    // PullFeed audits itself (no interceptor sees it): its own feed, then
    // another plan's, refused in the handler.
    EXPECT_EQ(testing::PullFeedToEnd(*plan, "molina").error_code(), grpc::StatusCode::OK);
    EXPECT_EQ(testing::PullFeedToEnd(*plan, "aetna").error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  auto audit = hub::v1::AuditService::NewStub(hub_->Channel(*pki_, "admin"));
  grpc::ClientContext context;
  hub::v1::QueryAuditRequest request;
  request.set_organization("plan:molina");
  hub::v1::QueryAuditResponse response;
  ASSERT_TRUE(audit->QueryAudit(&context, request, &response).ok());
  ASSERT_EQ(response.records_size(), 4);
  EXPECT_EQ(response.records(0).method(), "/hub.v1.PlanService/Ack");
  EXPECT_EQ(response.records(0).outcome(), "OK");
  EXPECT_EQ(response.records(1).method(), "/hub.v1.AdminService/CreateBackup");
  EXPECT_EQ(response.records(1).outcome(), "PERMISSION_DENIED");
  EXPECT_EQ(response.records(2).method(), "/hub.v1.PlanService/PullFeed");
  EXPECT_EQ(response.records(2).outcome(), "OK");
  EXPECT_EQ(response.records(3).method(), "/hub.v1.PlanService/PullFeed");
  EXPECT_EQ(response.records(3).outcome(), "PERMISSION_DENIED");
  // A start time that is not a valid Timestamp is refused, by name.
  hub::v1::QueryAuditRequest bad_start = request;
  bad_start.mutable_start_time()->set_nanos(-1);
  grpc::ClientContext bad_context;
  const grpc::Status refused = audit->QueryAudit(&bad_context, bad_start, &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(refused.error_message(), HasSubstr("start_time"));
  // hubctl over TLS, with the administrator's certificate.
  std::ostringstream out, err;
  const std::vector<std::string> args = {"--server=" + hub_->address(),
                                         "--tls_dir=" + pki_->Dir("admin"), "audit", "verify"};
  EXPECT_EQ(RunHubctl(args, "", out, err), 0) << err.str();
  EXPECT_THAT(out.str(), HasSubstr("audit chain OK"));
  // A provider may not read the audit log.
  std::ostringstream out2, err2;
  const std::vector<std::string> args2 = {"--server=" + hub_->address(),
                                          "--tls_dir=" + pki_->Dir("alpha_cbo"), "audit", "verify"};
  EXPECT_EQ(RunHubctl(args2, "", out2, err2), 1);
  EXPECT_THAT(err2.str(), HasSubstr("PERMISSION_DENIED"));
}

// Flip one byte of a stored audit record: verify names that record.
TEST(AuditTamperTest, FlippedByteBreaksTheChainAtThatRecord) {
  const std::string dir = testing::MakeTempDir() + "/data";
  {
    storage::StoreOptions options;
    options.data_dir = dir;
    auto store = storage::Store::Open(options);
    ASSERT_TRUE(store.ok());
    auto log = storage::AuditStore::Open(store->get());
    ASSERT_TRUE(log.ok()) << log.status();
    for (int i = 0; i < 5; ++i) {
      hub::v1::AuditRecord r;
      r.set_organization("plan:molina");
      r.set_method("/hub.v1.PlanService/PullFeed");
      r.add_record_ids(absl::StrCat("rec_", i));
      r.add_member_refs((*log)->MemberRef("12345678A"));
      r.set_outcome("OK");
      ASSERT_TRUE((*log)->Append(r).ok());
    }
    auto v = (*log)->VerifyChain();
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(v->ok);
    EXPECT_EQ(v->records_checked, 5);
    // Member refs never hold the CIN.
    EXPECT_THAT((*log)->MemberRef("12345678A"), ::testing::StartsWith("mbr_"));
    EXPECT_THAT((*log)->MemberRef("12345678A"), ::testing::Not(HasSubstr("12345678")));
    // Flip one byte of record 3 (inside its record id "rec_2").
    storage::Store::Rep& rep = storage::internal::RepOf(**store);
    std::string value;
    ASSERT_TRUE(rep.db
                    ->Get(rocksdb::ReadOptions(), rep.cf(storage::ColumnFamily::kAudit),
                          storage::AuditStore::RecordKey(3), &value)
                    .ok());
    const size_t at = value.find("rec_2");
    ASSERT_NE(at, std::string::npos);
    value[at + 4] ^= 0x01;
    ASSERT_TRUE(rep.db
                    ->Put(rocksdb::WriteOptions(), rep.cf(storage::ColumnFamily::kAudit),
                          storage::AuditStore::RecordKey(3), value)
                    .ok());
    v = (*log)->VerifyChain();
    ASSERT_TRUE(v.ok());
    EXPECT_FALSE(v->ok);
    EXPECT_EQ(v->first_broken_sequence, 3u);
    EXPECT_THAT(v->reason, HasSubstr("does not match its hash"));
    log->reset();
    ASSERT_TRUE((*store)->Close().ok());
  }
  // Through hubd and hubctl: the chain is still broken at record 3.
  HubServer::Options options;
  options.listen_address = "127.0.0.1:0";
  options.data_dir = dir;
  auto server = HubServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  std::ostringstream out, err;
  EXPECT_EQ(RunHubctl({absl::StrCat("--server=127.0.0.1:", (*server)->port()), "audit", "verify"},
                      "", out, err),
            1);
  EXPECT_THAT(out.str(), HasSubstr("BROKEN at record 3"));
}

}  // namespace
}  // namespace hub
