#include "tests/hub/county_test_util.h"

#include <chrono>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "adapters/plan_adapter.h"
#include "base/civil_date.h"
#include "base/sha256.h"
#include "base/status_macros.h"
#include "generator/inputs.h"
#include "generator/native_files.h"
#include "hub/common/rpc_status.h"
#include "hub/v1/plan_service.grpc.pb.h"
#include "hub/v1/provider_service.grpc.pb.h"

#ifndef HUB_SOURCE_DIR
#error "HUB_SOURCE_DIR must name the repository root"
#endif

namespace hub::testing {

std::string Source(const std::string& relative) {
  return absl::StrCat(HUB_SOURCE_DIR, "/", relative);
}

absl::StatusOr<std::unique_ptr<generator::County>> MakeSanDiegoCounty(uint64_t seed,
                                                                      int64_t members) {
  generator::CountyOptions options;
  options.seed = seed;
  options.members = members;
  options.as_of_month = "2026-11";
  ASSIGN_OR_RETURN(options.directory,
                   generator::LoadDirectorySeed(Source("demo/san_diego/directory.textproto")));
  ASSIGN_OR_RETURN(options.reference, generator::LoadReferenceTables(Source("data/reference")));
  return generator::County::Create(std::move(options));
}

absl::StatusOr<hub::v1::IngestReport> UploadPlanFile(grpc::Channel& channel,
                                                     const std::string& plan,
                                                     hub::v1::FileKind kind,
                                                     const std::string& bytes,
                                                     const PlanUploadOptions& options) {
  auto stub = hub::v1::PlanService::NewStub(
      std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  hub::v1::UploadFileResponse response;
  auto writer = stub->UploadFile(&context, &response);
  hub::v1::UploadFileRequest request;
  request.mutable_header()->set_plan_id(plan);
  request.mutable_header()->set_file_kind(kind);
  request.mutable_header()->set_file_name(options.file_name);
  if (!options.sha_override.empty()) {
    request.mutable_header()->set_content_sha256(options.sha_override);
  } else if (options.send_sha) {
    Sha256 sha;
    sha.Update(bytes);
    request.mutable_header()->set_content_sha256(sha.HexDigest());
  }
  bool open = writer->Write(request);
  for (size_t at = 0; open && at < bytes.size(); at += options.chunk_bytes) {
    request.Clear();
    request.set_chunk(bytes.substr(at, options.chunk_bytes));
    open = writer->Write(request);
  }
  if (open) writer->WritesDone();
  RETURN_IF_ERROR(FromGrpcStatus(writer->Finish()));
  return response.report();
}

absl::StatusOr<RenderedPlanFile> RenderCountyPlanFile(const generator::County& county,
                                                      const std::string& plan_id,
                                                      const adapters::PlanAdapter& adapter,
                                                      const hub::v1::FileLayout& layout,
                                                      hub::v1::FileKind kind) {
  RenderedPlanFile file;
  ASSIGN_OR_RETURN(
      generator::FileManifest manifest,
      generator::WritePlanFile(
          adapter, kind,
          generator::CountyRows(county, plan_id, kind, generator::AssignmentRowOptionsFor(layout)),
          adapters::RenderOptions{}, generator::ErrorInjection{}, [&](std::string_view chunk) {
            file.bytes.append(chunk);
            return absl::OkStatus();
          }));
  file.rows = manifest.rows;
  return file;
}

absl::StatusOr<CountyPlanFiles> UploadCountyPlanFiles(const generator::County& county,
                                                      grpc::Channel& channel,
                                                      const std::vector<hub::v1::FileKind>& kinds) {
  CountyPlanFiles files;
  for (const hub::v1::Plan& plan : county.options().directory.plans()) {
    ASSIGN_OR_RETURN(hub::v1::PlanProfile profile,
                     generator::LoadPlanProfile(Source("adapters/plans"), plan.adapter_profile()));
    files.plan_profiles[plan.plan_id()] = profile;
    ASSIGN_OR_RETURN(std::unique_ptr<adapters::PlanAdapter> adapter,
                     adapters::CreateDeclarativePlanAdapter(profile));
    for (hub::v1::FileKind kind : kinds) {
      const hub::v1::FileLayout* layout = generator::FindLayout(profile, kind);
      if (layout == nullptr) continue;
      if (kind == hub::v1::FILE_KIND_MEMBER_ASSIGNMENT &&
          generator::CoverageSpanIsEcmPeriod(*layout)) {
        files.coverage_from_ecm_period.insert(plan.plan_id());
      }
      ASSIGN_OR_RETURN(RenderedPlanFile file,
                       RenderCountyPlanFile(county, plan.plan_id(), *adapter, *layout, kind));
      ASSIGN_OR_RETURN(hub::v1::IngestReport report,
                       UploadPlanFile(channel, plan.plan_id(), kind, file.bytes,
                                      {.chunk_bytes = 1 << 16,
                                       .file_name = absl::StrCat(plan.plan_id(), ".file")}));
      files.reports[plan.plan_id()].push_back(std::move(report));
    }
  }
  return files;
}

absl::StatusOr<std::map<std::string, std::vector<generator::DaySubmission>>> CountyDay(
    const generator::County& county, const CountyPlanFiles& files, const std::string& day,
    double error_rate) {
  generator::ProviderDayOptions options;
  ASSIGN_OR_RETURN(options.day, CivilDate::ParseIso(day));
  options.error_rate = error_rate;
  options.coverage_from_ecm_period = files.coverage_from_ecm_period;
  options.plan_profiles = files.plan_profiles;
  std::map<std::string, std::vector<generator::DaySubmission>> by_provider;
  RETURN_IF_ERROR(
      generator::ProviderDaySubmissions(county, options, [&](const generator::DaySubmission& s) {
        by_provider[s.provider_id].push_back(s);
        return absl::OkStatus();
      }));
  return by_provider;
}

absl::Status SubmitCountyDay(
    grpc::Channel& channel,
    const std::map<std::string, std::vector<generator::DaySubmission>>& day) {
  auto stub = hub::v1::ProviderService::NewStub(
      std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  for (const auto& [provider, submissions] : day) {
    for (size_t start = 0; start < submissions.size(); start += 300) {
      hub::v1::SubmitRequest request;
      request.set_provider_id(provider);
      for (size_t k = start; k < submissions.size() && k < start + 300; ++k) {
        *request.add_submissions() = submissions[k].submission;
      }
      grpc::ClientContext context;
      hub::v1::SubmitResponse response;
      RETURN_IF_ERROR(FromGrpcStatus(stub->Submit(&context, request, &response)));
    }
  }
  return absl::OkStatus();
}

}  // namespace hub::testing
