// An in-process ProviderService on 127.0.0.1:0 for the submit tests, over a
// temp store the test writes members, coverage, assignments and
// authorizations into through the storage APIs, and reads feeds from.
#ifndef HUB_TESTS_HUB_SUBMIT_TEST_ENV_H_
#define HUB_TESTS_HUB_SUBMIT_TEST_ENV_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hub/common/reference_tables.h"
#include "hub/rpc/provider_service.h"
#include "hub/rpc/upload_stream.h"
#include "hub/submit/submit_pipeline.h"
#include "hub/v1/provider_service.grpc.pb.h"
#include "storage/care_store.h"
#include "storage/coverage_index.h"
#include "storage/directory_store.h"
#include "storage/feed_store.h"
#include "storage/member_store.h"
#include "storage/store.h"

namespace hub::testing {

// Today for the pipeline: FixedTime() = 2026-11-23 (UTC).
inline constexpr char kToday[] = "2026-11-23";

struct SubmitEnvOptions {
  // Passed to the pipeline (test hooks).
  std::function<absl::Status(int)> before_commit;
  int upload_group_rows = 500;
  // The pipeline's and the service's clock; empty = FixedTime().
  std::function<absl::Time()> clock;
  // StoreOptions::min_free_bytes of the test store.
  uint64_t min_free_bytes = storage::StoreOptions().min_free_bytes;
};

// The SmallSeedText directory plus:
//   golf_network    ECM with aetna, blue_shield, chg, health_net, molina
//   hotel_recovery  ECM with molina, a 42 CFR Part 2 program
class SubmitEnv {
 public:
  static std::unique_ptr<SubmitEnv> Start(SubmitEnvOptions options = {});
  ~SubmitEnv();

  std::string address() const;
  // The store's folder (root/data); the root is a fresh temp folder.
  std::string data_dir() const { return root_ + "/data"; }
  hub::v1::ProviderService::Stub& stub() { return *stub_; }

  // Storage writes, each committed synced; fail the test on error.
  void AddMember(std::string_view cin);
  void AddCoverage(std::string_view cin, std::string_view plan_id, std::string_view start,
                   std::string_view end = "");
  void AddAssignment(std::string_view cin, std::string_view plan_id, std::string_view provider_id,
                     std::string_view start, std::string_view end = "");
  void AddAuthorization(const hub::v1::Authorization& authorization);
  // Stores `assignment` as given (through CareStore, so the provider views
  // follow).
  void AddAssignment(const hub::v1::Assignment& assignment);
  // A member covered by `plan_id` from 2026-01-01 and assigned to
  // `provider_id` for ECM from the same day.
  void AddEcmMember(std::string_view cin, std::string_view plan_id, std::string_view provider_id);

  // Submit through the RPC.
  absl::StatusOr<hub::v1::SubmitResponse> Submit(std::string_view provider_id,
                                                 const std::vector<hub::v1::Submission>& records);
  // Submit straight to the pipeline, as the RPC does after its checks (no
  // gRPC in the path: the TSan stage's way in).
  absl::StatusOr<hub::v1::SubmitResponse> SubmitToPipeline(
      std::string_view provider_id, const std::vector<hub::v1::Submission>& records);
  // Uploads `csv` through ProviderService.UploadFile in chunks of `chunk`.
  absl::StatusOr<hub::v1::IngestReport> Upload(std::string_view provider_id, std::string_view csv,
                                               size_t chunk = 64);

  // Every item of the plan's feed.
  std::vector<hub::v1::FeedItem> Feed(std::string_view plan_id);
  hub::v1::Authorization GetAuthorization(std::string_view plan_id, std::string_view number);

  storage::Store* store() { return store_.get(); }
  storage::FeedStore* feed() { return feed_.get(); }
  storage::CoverageIndex& coverage() { return *coverage_; }

 private:
  SubmitEnv();

  std::string root_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<storage::DirectoryStore> directory_;
  std::unique_ptr<storage::FeedStore> feed_;
  std::unique_ptr<ReferenceTables> reference_;
  std::unique_ptr<SubmitPipeline> pipeline_;
  std::unique_ptr<UploadStreams> uploads_;
  std::unique_ptr<ProviderService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<hub::v1::ProviderService::Stub> stub_;
  int port_ = 0;
  std::unique_ptr<storage::MemberStore> members_;
  std::unique_ptr<storage::CoverageIndex> coverage_;
  std::unique_ptr<storage::CareStore> care_;
};

// Submission builders (valid records unless the test changes them).
hub::v1::Submission EcmOutreach(std::string_view key, std::string_view cin, std::string_view date);
hub::v1::Submission EcmService(std::string_view key, std::string_view cin, std::string_view date,
                               std::vector<std::string> modifiers = {"U1"});
hub::v1::Submission CsService(std::string_view key, std::string_view cin, std::string_view date,
                              std::string_view authorization_number, std::string_view code,
                              std::vector<std::string> modifiers, int units);
hub::v1::Submission Referral(std::string_view key, std::string_view cin, std::string_view date,
                             std::string_view authorization_number, hub::v1::ReferralStatus status);
hub::v1::Submission CarePlanRecord(std::string_view key, std::string_view cin,
                                   std::string_view effective_date);

// An approved authorization (units_used 0).
hub::v1::Authorization MakeAuthorization(std::string_view number, std::string_view cin,
                                         std::string_view plan_id, std::string_view provider_id,
                                         hub::v1::CommunitySupport support, int units_approved,
                                         std::string_view start, std::string_view end);

}  // namespace hub::testing

#endif  // HUB_TESTS_HUB_SUBMIT_TEST_ENV_H_
