// No caller can break the hub with a request body (issue 15, items 8 and
// 10): every RPC of every service gets an empty, a garbage, an invalid UTF-8
// and an oversized body through a generic stub (raw bytes, as an
// independent client sends them) and must answer a clean status with a
// message, and the server must stay up. Errors a client can use:
// unparseable bodies are INVALID_ARGUMENT, long values are truncated in
// messages, request-level errors carry google.rpc.Status with BadRequest.
#include <google/protobuf/descriptor.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/v1/admin_service.grpc.pb.h"
#include "hub/v1/audit.grpc.pb.h"
#include "hub/v1/consent.grpc.pb.h"
#include "hub/v1/directory_service.grpc.pb.h"
#include "hub/v1/monitor_service.grpc.pb.h"
#include "hub/v1/plan_service.grpc.pb.h"
#include "hub/v1/provider_service.grpc.pb.h"
#include "tests/hub/hub_test_util.h"
#include "tests/hub/raw_call_util.h"
#include "tests/hub/tls_test_util.h"

namespace hub::testing {
namespace {

using ::testing::HasSubstr;

constexpr const char* kServices[] = {
    "hub.v1.DirectoryService", "hub.v1.AdminService",   "hub.v1.PlanService",
    "hub.v1.ProviderService",  "hub.v1.ConsentService", "hub.v1.AuditService",
    "hub.v1.MonitorService",
};

// Every method of the hub's services, as "/package.Service/Method".
std::vector<std::string> AllMethods() {
  std::vector<std::string> methods;
  for (const char* name : kServices) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
    EXPECT_NE(service, nullptr) << name;
    if (service == nullptr) continue;
    for (int i = 0; i < service->method_count(); ++i) {
      methods.push_back(absl::StrCat("/", name, "/", service->method(i)->name()));
    }
  }
  return methods;
}

// Field 1 (a string in every request that has one, else unknown) holding
// bytes that are not UTF-8.
std::string BadUtf8() { return std::string("\x0a\x03\xff\xfe\xfd", 5); }

// Not the protobuf wire format at all: a tag with field number 0.
std::string Garbage() { return std::string("\x00\x01\x02garbage\xff\xff\xff\xff\xff", 15); }

struct Body {
  const char* name;
  std::string bytes;
  // True if no method can accept it: every answer must be INVALID_ARGUMENT
  // (or RESOURCE_EXHAUSTED for the oversized one).
  bool always_invalid;
};

class BadRequestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hub_ = StartTestHub(SmallSeedText());
    ASSERT_NE(hub_, nullptr);
  }
  std::unique_ptr<TestHub> hub_;
};

// Item 10: the table of every RPC x {empty, garbage, bad UTF-8, oversized}.
TEST_F(BadRequestTest, EveryMethodAnswersEveryBadBodyCleanlyAndTheHubStaysUp) {
  const std::vector<Body> bodies = {
      {"empty", "", false},
      {"garbage", Garbage(), true},
      {"bad_utf8", BadUtf8(), false},
      {"oversized", std::string((5 << 20) + 7, 'x'), true},
  };
  const std::vector<std::string> methods = AllMethods();
  ASSERT_GE(methods.size(), 25u);
  for (const std::string& method : methods) {
    for (const Body& body : bodies) {
      SCOPED_TRACE(absl::StrCat(method, " with the ", body.name, " body"));
      const RawResult result = RawCall(hub_->channel, method, {body.bytes}, 2, absl::Seconds(30));
      const grpc::StatusCode code = result.status.error_code();
      EXPECT_NE(code, grpc::StatusCode::UNKNOWN) << result.status.error_message();
      EXPECT_NE(code, grpc::StatusCode::INTERNAL) << result.status.error_message();
      EXPECT_NE(code, grpc::StatusCode::UNIMPLEMENTED) << result.status.error_message();
      EXPECT_NE(code, grpc::StatusCode::DATA_LOSS) << result.status.error_message();
      if (!result.status.ok()) {
        EXPECT_FALSE(result.status.error_message().empty());
        EXPECT_LT(result.status.error_message().size(), 1200u);
      }
      if (body.always_invalid) {
        EXPECT_TRUE(code == grpc::StatusCode::INVALID_ARGUMENT ||
                    code == grpc::StatusCode::RESOURCE_EXHAUSTED)
            << code << ": " << result.status.error_message();
      }
      if (std::string_view(body.name) == "garbage") {
        EXPECT_EQ(code, grpc::StatusCode::INVALID_ARGUMENT);
        EXPECT_TRUE(BadRequestOf(result.status).has_value());
      }
    }
    ASSERT_TRUE(IsServing(hub_->channel)) << "after " << method;
  }
}

// Item 8: an unparseable body, and one with invalid UTF-8 in a string, used
// to get UNIMPLEMENTED with an empty message.
TEST_F(BadRequestTest, UnparseableBodiesAreInvalidArgumentWithAMessage) {
  const RawResult garbage =
      RawCall(hub_->channel, "/hub.v1.DirectoryService/ListPlans", {Garbage()});
  EXPECT_EQ(garbage.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(garbage.status.error_message(), HasSubstr("hub.v1.ListPlansRequest"));
  const RawResult utf8 = RawCall(hub_->channel, "/hub.v1.DirectoryService/GetPlan", {BadUtf8()});
  EXPECT_EQ(utf8.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(utf8.status.error_message(), HasSubstr("UTF-8"));
  // A client stream: a garbage chunk message ends the upload with
  // INVALID_ARGUMENT; nothing of it is ingested.
  hub::v1::UploadFileRequest header;
  header.mutable_header()->set_plan_id("molina");
  header.mutable_header()->set_file_kind(hub::v1::FILE_KIND_MEMBER_ASSIGNMENT);
  header.mutable_header()->set_file_name("mif.txt");
  const RawResult upload = RawCall(hub_->channel, "/hub.v1.PlanService/UploadFile",
                                   {header.SerializeAsString(), Garbage()});
  EXPECT_TRUE(upload.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT ||
              upload.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION)
      << upload.status.error_code() << " " << upload.status.error_message();
}

// Item 8: request-level errors carry google.rpc.Status with a BadRequest
// naming the field.
TEST_F(BadRequestTest, RequestErrorsCarryBadRequestDetails) {
  hub::v1::GetPlanRequest request;
  request.set_plan_id("Not An Id");
  const RawResult result =
      RawCall(hub_->channel, "/hub.v1.DirectoryService/GetPlan", {request.SerializeAsString()});
  ASSERT_EQ(result.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  std::optional<google::rpc::Status> rpc = RpcStatusOf(result.status);
  ASSERT_TRUE(rpc.has_value());
  EXPECT_EQ(rpc->code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(rpc->message(), result.status.error_message());
  std::optional<google::rpc::BadRequest> bad = BadRequestOf(result.status);
  ASSERT_TRUE(bad.has_value());
  ASSERT_EQ(bad->field_violations_size(), 1);
  EXPECT_EQ(bad->field_violations(0).field(), "plan_id");
  EXPECT_FALSE(bad->field_violations(0).description().empty());
}

// Item 8: a 10,000-character id used to be echoed into the message and
// overflow the client's metadata limit (RESOURCE_EXHAUSTED instead of the
// real answer).
TEST_F(BadRequestTest, LongValuesAreTruncatedInMessages) {
  const std::string long_id(10000, 'a');
  hub::v1::RevokeConsentRequest revoke;
  revoke.set_consent_id(long_id);
  const RawResult consent =
      RawCall(hub_->channel, "/hub.v1.ConsentService/RevokeConsent", {revoke.SerializeAsString()});
  EXPECT_EQ(consent.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << consent.status.error_message().substr(0, 200);
  EXPECT_LT(consent.status.error_message().size(), 1200u);
  hub::v1::GetIngestReportRequest report;
  report.set_report_id("molina-" + long_id);
  const RawResult ingest =
      RawCall(hub_->channel, "/hub.v1.PlanService/GetIngestReport", {report.SerializeAsString()});
  EXPECT_EQ(ingest.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LT(ingest.status.error_message().size(), 1200u);
}

// The same over mutual TLS, where the row scope check used to echo the id.
TEST(BadRequestTlsTest, LongIdsAreInvalidArgumentNotAnEcho) {
  const TestPki pki = MakeTestPki();
  std::unique_ptr<TlsTestHub> hub = StartTlsTestHub(pki, SmallSeedText());
  ASSERT_NE(hub, nullptr);
  hub::v1::SubmitRequest request;
  request.set_provider_id(std::string(10000, 'b'));
  request.add_submissions()->set_idempotency_key("k1");
  const RawResult result = RawCall(hub->Channel(pki, "alpha_cbo"), "/hub.v1.ProviderService/Submit",
                                   {request.SerializeAsString()});
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << result.status.error_message().substr(0, 200);
  EXPECT_LT(result.status.error_message().size(), 1200u);
  // A long method name is truncated too (the access gate answers it). 4,000
  // characters: a longer :path exceeds gRPC's own 8 KiB header limit, which
  // the transport answers RESOURCE_EXHAUSTED before the hub sees the call.
  const RawResult method = RawCall(hub->Channel(pki, "alpha_cbo"),
                                   "/hub.v1.ProviderService/" + std::string(4000, 'X'), {""});
  EXPECT_EQ(method.status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << method.status.error_message().substr(0, 200);
  EXPECT_LT(method.status.error_message().size(), 1200u);
}

}  // namespace
}  // namespace hub::testing
