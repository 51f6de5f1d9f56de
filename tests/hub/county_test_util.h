// A county from the project's generator (generator/county.h) over the demo's
// San Diego directory, loaded into a test hub the way plans and providers
// load a real one: each plan's native files through PlanService.UploadFile,
// each provider's day through ProviderService.Submit.
#ifndef HUB_TESTS_HUB_COUNTY_TEST_UTIL_H_
#define HUB_TESTS_HUB_COUNTY_TEST_UTIL_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "adapters/plan_adapter.h"
#include "generator/county.h"
#include "generator/provider_day.h"
#include "hub/v1/adapter_config.pb.h"
#include "hub/v1/ingest.pb.h"
#include "hub/v1/plan_file.pb.h"

namespace hub::testing {

// A file of the source tree, e.g. Source("demo/san_diego/directory.textproto").
std::string Source(const std::string& relative);

// A county of `members` members generated from `seed` over the San Diego
// directory and reference tables, as of 2026-11 (the test hub's month).
absl::StatusOr<std::unique_ptr<generator::County>> MakeSanDiegoCounty(uint64_t seed,
                                                                      int64_t members);

// How UploadPlanFile sends a file.
struct PlanUploadOptions {
  bool send_sha = true;
  std::string sha_override;  // Sent instead of the real hash when set.
  size_t chunk_bytes = 1000;
  std::string file_name = "file.txt";
};

// PlanService.UploadFile of `bytes` as `plan`'s file of `kind`; the ingest
// report, or the call's status (60 s deadline).
absl::StatusOr<hub::v1::IngestReport> UploadPlanFile(grpc::Channel& channel,
                                                     const std::string& plan,
                                                     hub::v1::FileKind kind,
                                                     const std::string& bytes,
                                                     const PlanUploadOptions& options = {});

// `plan_id`'s file of `kind` in the county, rendered by `adapter` with the
// plan's `layout` for that kind, no injected errors: its bytes and rows.
struct RenderedPlanFile {
  std::string bytes;
  int64_t rows = 0;
};
absl::StatusOr<RenderedPlanFile> RenderCountyPlanFile(const generator::County& county,
                                                      const std::string& plan_id,
                                                      const adapters::PlanAdapter& adapter,
                                                      const hub::v1::FileLayout& layout,
                                                      hub::v1::FileKind kind);

// What UploadCountyPlanFiles uploaded.
struct CountyPlanFiles {
  // Plans whose member file's coverage span is the ECM period
  // (generator::CoverageSpanIsEcmPeriod) and every plan's profile: what
  // generator::ProviderDayOptions needs.
  std::set<std::string> coverage_from_ecm_period;
  std::map<std::string, hub::v1::PlanProfile> plan_profiles;
  // plan_id -> the reports of its files, in `kinds` order.
  std::map<std::string, std::vector<hub::v1::IngestReport>> reports;
};

// Every plan of the county renders its files of `kinds` with its shipped
// profile (no injected errors; a kind its profile has no layout for is
// skipped) and uploads them. Fails on the first call that fails.
absl::StatusOr<CountyPlanFiles> UploadCountyPlanFiles(const generator::County& county,
                                                      grpc::Channel& channel,
                                                      const std::vector<hub::v1::FileKind>& kinds);

// The providers' records of `day` ("YYYY-MM-DD") with `error_rate`, per
// provider in the generator's order.
absl::StatusOr<std::map<std::string, std::vector<generator::DaySubmission>>> CountyDay(
    const generator::County& county, const CountyPlanFiles& files, const std::string& day,
    double error_rate);

// ProviderService.Submit of every provider's records of `day`, in calls of
// 300 records; the first call that fails, or OK.
absl::Status SubmitCountyDay(
    grpc::Channel& channel,
    const std::map<std::string, std::vector<generator::DaySubmission>>& day);

}  // namespace hub::testing

#endif  // HUB_TESTS_HUB_COUNTY_TEST_UTIL_H_
