// How fast does a plan's member file go through the whole ingest path,
// compared with the cheapest possible load of the same records?
//
//   ingest_bench [--rows=N] [--plan=PROFILE] [--mode=both|bare|full] [--keep]
//
// bare: the canonical records a member file yields (member + coverage +
//   assignment per row) written straight into a fresh store with WriteBatches
//   of 2000 rows (Durability::kBuffered), then one SyncWal: the floor.
// full: the same rows rendered in the plan's own layout (the shipped profile
//   adapters/plans/<PROFILE>, default aetna) to a file, then uploaded to an
//   in-process hubd over gRPC (1 MiB chunks, 127.0.0.1) and ingested:
//   spool, hash, parse, map, validate, change detection, store, synced
//   report. Timed from the first byte sent to the report received.
// Prints rows/s for each, their ratio (full / bare) and the process's peak
// RSS (getrusage). Run --mode=full alone to measure the ingest's peak RSS
// without the bare load's. Rows are synthetic and deterministic: a bare
// baseline with no generator dependency (the county generator's files can
// replace them later, beside this path).
//
// Needs HUB_SOURCE_DIR (the repository root) for the plan profiles.
#include <stdlib.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "adapters/plan_adapter.h"
#include "adapters/registry.h"
#include "base/identifiers.h"
#include "hub/plan_adapters.h"
#include "hub/server.h"
#include "hub/sha256.h"
#include "hub/v1/plan_service.grpc.pb.h"
#include "storage/care_store.h"
#include "storage/coverage_index.h"
#include "storage/member_store.h"
#include "storage/store.h"

#ifndef HUB_SOURCE_DIR
#error "HUB_SOURCE_DIR must name the repository root"
#endif

namespace hub {
namespace {

namespace fs = std::filesystem;

constexpr int kBatchRows = 2000;
constexpr int kProviders = 20;
constexpr char kPlanId[] = "bench_plan";

struct Flags {
  int64_t rows = 100000;
  std::string plan = "aetna";
  std::string mode = "both";
  bool keep = false;
};

bool ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--rows=", 0) == 0) {
      if (!absl::SimpleAtoi(arg.substr(7), &flags->rows) || flags->rows <= 0) return false;
    } else if (arg.rfind("--plan=", 0) == 0) {
      flags->plan = arg.substr(7);
    } else if (arg.rfind("--mode=", 0) == 0) {
      flags->mode = arg.substr(7);
      if (flags->mode != "both" && flags->mode != "bare" && flags->mode != "full") return false;
    } else if (arg == "--keep") {
      flags->keep = true;
    } else {
      return false;
    }
  }
  return true;
}

std::string ProviderNpi(int i) {
  const std::string nine = absl::StrFormat("3%08d", i + 1);
  return nine + NpiCheckDigit(nine);
}

// Row `i` of the synthetic member file: distinct CINs, names and addresses
// of realistic length, one of kProviders ECM providers.
hub::v1::AssignmentFileRow MakeRow(int64_t i) {
  static const char* const kLast[] = {"Garcia", "Nguyen", "Smith", "Hernandez", "Johnson",
                                      "Lopez", "Kim", "Martinez", "Brown", "Rodriguez"};
  static const char* const kFirst[] = {"Maria", "James", "Linh", "Jose", "Ana",
                                       "Robert", "Mei", "Luis", "Sarah", "David"};
  hub::v1::AssignmentFileRow row;
  hub::v1::Member* m = row.mutable_member();
  m->set_cin(absl::StrFormat("%08d%c", 10000000 + i, static_cast<char>('A' + i % 26)));
  m->mutable_name()->set_first(kFirst[i % 10]);
  m->mutable_name()->set_last(kLast[(i / 10) % 10]);
  m->set_date_of_birth(absl::StrFormat("19%02d-%02d-%02d", 40 + i % 60, 1 + i % 12, 1 + i % 28));
  m->set_sex(i % 2 == 0 ? hub::v1::SEX_FEMALE : hub::v1::SEX_MALE);
  m->mutable_address()->set_line1(absl::StrCat(100 + i % 9000, " University Ave Apt ", i % 300));
  m->mutable_address()->set_city("San Diego");
  m->mutable_address()->set_state("CA");
  m->mutable_address()->set_zip(absl::StrCat(92101 + i % 90));
  m->set_phone(absl::StrFormat("619%07d", i % 10000000));
  m->set_preferred_spoken_language(i % 3 == 0 ? "es" : "en");
  row.mutable_coverage()->set_start_date("2025-01-01");
  row.set_provider_npi(ProviderNpi(static_cast<int>(i % kProviders)));
  row.set_plan_member_id(absl::StrCat("BM", i));
  hub::v1::Assignment* a = row.mutable_assignment();
  a->set_benefit_start_date("2025-02-01");
  a->add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_ADULT_INDIVIDUAL_HOMELESSNESS);
  if (i % 4 == 0) a->add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_ADULT_SMI_SUD);
  return row;
}

double PeakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;  // Linux: KiB.
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// ------------------------------------------------------------------ bare

absl::StatusOr<double> BareLoad(const std::string& dir, int64_t rows) {
  storage::StoreOptions options;
  options.data_dir = dir;
  auto store = storage::Store::Open(options);
  if (!store.ok()) return store.status();
  storage::MemberStore members(store->get());
  storage::CoverageIndex coverage(store->get());
  storage::CareStore care(store->get());
  const auto start = std::chrono::steady_clock::now();
  storage::WriteBatch batch;
  for (int64_t i = 0; i < rows; ++i) {
    const hub::v1::AssignmentFileRow row = MakeRow(i);
    hub::v1::Member member = row.member();
    hub::v1::PlanMemberId* id = member.add_plan_member_ids();
    id->set_plan_id(kPlanId);
    id->set_member_id(row.plan_member_id());
    members.Put(batch, member);
    hub::v1::Coverage c = row.coverage();
    c.set_cin(member.cin());
    c.set_plan_id(kPlanId);
    coverage.Put(batch, c);
    hub::v1::Assignment a = row.assignment();
    a.set_cin(member.cin());
    a.set_plan_id(kPlanId);
    a.set_provider_id(absl::StrCat("provider_", i % kProviders));
    a.set_status(hub::v1::ENROLLMENT_STATUS_ASSIGNED);
    care.PutAssignment(batch, a);
    if ((i + 1) % kBatchRows == 0) {
      if (absl::Status s = (*store)->Commit(batch, storage::Durability::kBuffered); !s.ok()) return s;
    }
  }
  if (absl::Status s = (*store)->Commit(batch, storage::Durability::kBuffered); !s.ok()) return s;
  if (absl::Status s = (*store)->SyncWal(); !s.ok()) return s;
  const double seconds = Seconds(start);
  if (absl::Status s = (*store)->Close(); !s.ok()) return s;
  return rows / seconds;
}

// ------------------------------------------------------------------ full

std::string SeedText() {
  std::string text = absl::StrCat("plans { plan_id: \"", kPlanId,
                                  "\" name: \"Bench Plan\" county: \"San Diego\" "
                                  "adapter_profile: \"PROFILE\" }\n");
  for (int i = 0; i < kProviders; ++i) {
    absl::StrAppend(&text, "providers { provider_id: \"provider_", i, "\" npi: \"", ProviderNpi(i),
                    "\" tin: \"123456789\" name: \"Provider ", i,
                    "\" kinds: PROVIDER_KIND_ECM contracts { plan_id: \"", kPlanId,
                    "\" kinds: PROVIDER_KIND_ECM } }\n");
  }
  return text;
}

// Renders `rows` rows in `profile`'s member layout to `path`, draining the
// renderer's output every MiB so memory stays flat.
absl::Status RenderFile(const std::string& profile, int64_t rows, const std::string& path) {
  adapters::AdapterRegistry registry;
  if (absl::Status s = adapters::RegisterBuiltinAdapters(registry); !s.ok()) return s;
  auto loaded = PlanAdapterSet::LoadProfileFile(
      absl::StrCat(HUB_SOURCE_DIR, "/adapters/plans/", profile, "/profile.textproto"), profile,
      registry);
  if (!loaded.ok()) return loaded.status();
  auto renderer = (*loaded)->adapter->OpenRenderer(hub::v1::FILE_KIND_MEMBER_ASSIGNMENT, {});
  if (!renderer.ok()) return renderer.status();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::string buffer;
  for (int64_t i = 0; i < rows; ++i) {
    if (absl::Status s = (*renderer)->Add(MakeRow(i), buffer); !s.ok()) return s;
    if (buffer.size() >= (1u << 20)) {
      out << buffer;
      buffer.clear();
    }
  }
  if (absl::Status s = (*renderer)->Finish(buffer); !s.ok()) return s;
  out << buffer;
  out.close();
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

struct FullResult {
  double rows_per_second = 0;
  hub::v1::IngestReport report;
  int64_t file_bytes = 0;
};

absl::StatusOr<FullResult> FullPath(const std::string& root, const std::string& profile,
                                    int64_t rows) {
  const std::string file = root + "/member_file";
  if (absl::Status s = RenderFile(profile, rows, file); !s.ok()) return s;
  std::string seed = SeedText();
  seed.replace(seed.find("PROFILE"), 7, profile);
  {
    std::ofstream out(root + "/seed.textproto");
    out << seed;
  }
  HubServer::Options options;
  options.listen_address = "127.0.0.1:0";
  options.data_dir = root + "/data";
  options.seed_path = root + "/seed.textproto";
  options.profiles_dir = absl::StrCat(HUB_SOURCE_DIR, "/adapters/plans");
  auto server = HubServer::Start(options);
  if (!server.ok()) return server.status();
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                                     grpc::InsecureChannelCredentials());
  auto stub = hub::v1::PlanService::NewStub(channel);

  FullResult result;
  result.file_bytes = static_cast<int64_t>(fs::file_size(file));
  const auto start = std::chrono::steady_clock::now();
  // As hubctl does: hash first, then stream 1 MiB chunks.
  auto sha = Sha256OfFile(file);
  if (!sha.ok()) return sha.status();
  grpc::ClientContext context;
  hub::v1::UploadFileResponse response;
  auto writer = stub->UploadFile(&context, &response);
  hub::v1::UploadFileRequest request;
  request.mutable_header()->set_plan_id(kPlanId);
  request.mutable_header()->set_file_kind(hub::v1::FILE_KIND_MEMBER_ASSIGNMENT);
  request.mutable_header()->set_file_name("member_file");
  request.mutable_header()->set_content_sha256(*sha);
  bool open = writer->Write(request);
  std::ifstream in(file, std::ios::binary);
  std::string buffer(1u << 20, '\0');
  while (open && in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    if (in.gcount() <= 0) break;
    request.Clear();
    request.set_chunk(buffer.data(), static_cast<size_t>(in.gcount()));
    open = writer->Write(request);
  }
  if (open) writer->WritesDone();
  grpc::Status status = writer->Finish();
  const double seconds = Seconds(start);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  }
  result.report = response.report();
  result.rows_per_second = result.report.rows_accepted() / seconds;
  if (absl::Status s = (*server)->Shutdown(absl::Seconds(5)); !s.ok()) return s;
  return result;
}

int Main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) {
    std::fprintf(stderr,
                 "usage: ingest_bench [--rows=N] [--plan=PROFILE] [--mode=both|bare|full] "
                 "[--keep]\n");
    return 2;
  }
  std::string pattern = (fs::temp_directory_path() / "ingest_bench_XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    std::fprintf(stderr, "ingest_bench: cannot create a temp dir\n");
    return 1;
  }
  const std::string root = pattern;
  std::printf("ingest_bench: %lld rows, plan profile %s, work dir %s\n",
              static_cast<long long>(flags.rows), flags.plan.c_str(), root.c_str());
  double bare = 0;
  if (flags.mode != "full") {
    auto rate = BareLoad(root + "/bare", flags.rows);
    if (!rate.ok()) {
      std::fprintf(stderr, "ingest_bench: bare load failed: %s\n", rate.status().ToString().c_str());
      return 1;
    }
    bare = *rate;
    std::printf("bare WriteBatch load     %12.0f rows/s\n", bare);
  }
  if (flags.mode != "bare") {
    fs::create_directories(root + "/full");
    auto full = FullPath(root + "/full", flags.plan, flags.rows);
    if (!full.ok()) {
      std::fprintf(stderr, "ingest_bench: full path failed: %s\n", full.status().ToString().c_str());
      return 1;
    }
    std::printf("full path (gRPC upload)  %12.0f rows/s  (%s, %.1f MiB, %lld rows accepted, "
                "%lld rejected)\n",
                full->rows_per_second, hub::v1::IngestOutcome_Name(full->report.outcome()).c_str(),
                full->file_bytes / 1048576.0, static_cast<long long>(full->report.rows_accepted()),
                static_cast<long long>(full->report.rows_rejected()));
    if (bare > 0) std::printf("ratio full / bare        %12.2f\n", full->rows_per_second / bare);
  }
  std::printf("peak RSS                 %12.1f MiB\n", PeakRssMiB());
  if (!flags.keep) {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  return 0;
}

}  // namespace
}  // namespace hub

int main(int argc, char** argv) { return hub::Main(argc, argv); }
