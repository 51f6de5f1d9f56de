// How fast does a plan's member file go through the whole ingest path,
// compared with the cheapest possible load of the same records, in each of
// the seven San Diego plan layouts?
//
//   ingest_bench [--rows=1000000] [--plans=all|aetna,kaiser,...] [--repeats=1]
//                [--rss_rows=5000000] [--rss_plan=health_net] [--seed=7] [--keep]
//                [--growth=100000,1000000,5000000] [--growth_plan=health_net]
//
// For each plan profile (aetna CSV, blue_shield_promise pipe + trailer,
// community_health_group fixed width, health_net X12 834, kaiser quoted CSV,
// molina tab, united positional pipe), before anything is timed, the county
// generator (generator/county.h, plan_weights = {{plan, 1}}, ecm_rate = 1,
// error rate 0) writes a --rows member assignment file in the plan's own
// layout into a temp dir, and beside it the canonical rows County yielded
// (length-prefixed AssignmentFileRow messages). Then, in the same run:
//   bare: those canonical records (member + coverage + assignment per row)
//     written straight into a fresh store through the typed stores, in
//     WriteBatches of 2000 rows (Durability::kBuffered), then one SyncWal:
//     the floor. Timed from the first record read to SyncWal's return.
//   full: the native file uploaded to an in-process hubd over a real
//     loopback gRPC channel (127.0.0.1, 1 MiB chunks, header with the file's
//     SHA-256 as hubctl sends it) and ingested: spool + hash, pass 1 for
//     layouts with end-of-file checks, parse, map, validate, change
//     detection, store, snapshot pass, synced report. Timed from the first
//     byte sent to the report received.
// With --repeats=N each is run N times (alternating, fresh stores) and the
// median is reported. Each run starts after sync(2), so no run pays for the
// writeback of the file generated before it or of an earlier run. The table
// gives rows/s of both and their ratio (full / bare; target >= 0.7) for
// every layout, then the overall verdict.
//
// --rss_rows (0 = skip): a separate measurement of memory. A --rss_rows
// member file of --rss_plan is generated, then a FRESH PROCESS (this binary
// re-executed with --mode=rss) runs only the hub, as hubd would be, and this
// process uploads the file to it, as hubctl would; once the report is back
// the child reports its peak RSS (getrusage ru_maxrss; target <= 256 MiB).
// Both modes run under the process memory settings hubd uses
// (hub::ConfigureProcess).
//
// --growth (empty = skip): the rate of the full path as the store grows
// (MeasureGrowth): a file of each size uploaded into a fresh hub, and the
// ratio of the largest size's rate to the smallest's (target >= 0.8). With
// --plans=none --rss_rows=0 only this runs.
//
// Needs HUB_SOURCE_DIR (the repository root) for the demo directory, the
// reference tables and the plan profiles. Temp dirs are removed unless --keep.
#include <grpcpp/grpcpp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "adapters/plan_adapter.h"
#include "base/sha256.h"
#include "base/status_macros.h"
#include "bench/bench_stats.h"
#include "generator/county.h"
#include "generator/inputs.h"
#include "generator/native_files.h"
#include "hub/server/server.h"
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
constexpr size_t kChunkBytes = 1u << 20;
constexpr double kTargetRatio = 0.7;
constexpr double kTargetRssMiB = 256;

// The seven San Diego layouts, in the order the table lists them.
const std::vector<std::pair<std::string, std::string>>& AllPlans() {
  static const auto* plans = new std::vector<std::pair<std::string, std::string>>{
      {"aetna", "CSV"},
      {"blue_shield_promise", "pipe + trailer"},
      {"community_health_group", "fixed width"},
      {"health_net", "X12 834"},
      {"kaiser", "quoted CSV"},
      {"molina", "tab"},
      {"united", "positional pipe"},
  };
  return *plans;
}

std::string LayoutLabel(const std::string& plan) {
  for (const auto& [id, label] : AllPlans()) {
    if (id == plan) return label;
  }
  return "?";
}

std::string Source(const std::string& relative) {
  return absl::StrCat(HUB_SOURCE_DIR, "/", relative);
}

struct Flags {
  int64_t rows = 1000000;
  std::vector<std::string> plans;
  int repeats = 1;
  int64_t rss_rows = 5000000;
  std::string rss_plan = "health_net";
  uint64_t seed = 7;
  bool keep = false;
  // --growth: row counts of the growth measurement (empty = skip).
  std::vector<int64_t> growth;
  std::string growth_plan = "health_net";
  // The hub's RocksDB memory budget in the full path (hubd --block_cache_mib).
  int block_cache_mib = 128;
  // Internal (--mode=rss): the child process of the RSS measurement.
  std::string mode = "bench";
  std::string plan;
  std::string file;
  std::string work;
};

bool ParseFlags(int argc, char** argv, Flags* flags) {
  std::string plans = "all";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* name, std::string* out) {
      const std::string prefix = absl::StrCat("--", name, "=");
      if (arg.rfind(prefix, 0) != 0) return false;
      *out = arg.substr(prefix.size());
      return true;
    };
    std::string v;
    if (value("rows", &v)) {
      if (!absl::SimpleAtoi(v, &flags->rows) || flags->rows <= 0) return false;
    } else if (value("plans", &v)) {
      plans = v;
    } else if (value("repeats", &v)) {
      if (!absl::SimpleAtoi(v, &flags->repeats) || flags->repeats <= 0) return false;
    } else if (value("rss_rows", &v)) {
      if (!absl::SimpleAtoi(v, &flags->rss_rows) || flags->rss_rows < 0) return false;
    } else if (value("growth", &v)) {
      for (absl::string_view part : absl::StrSplit(v, ',', absl::SkipEmpty())) {
        int64_t n = 0;
        if (!absl::SimpleAtoi(part, &n) || n <= 0) return false;
        flags->growth.push_back(n);
      }
    } else if (value("growth_plan", &v)) {
      if (LayoutLabel(v) == "?") return false;
      flags->growth_plan = v;
    } else if (value("rss_plan", &v)) {
      flags->rss_plan = v;
    } else if (value("block_cache_mib", &v)) {
      if (!absl::SimpleAtoi(v, &flags->block_cache_mib) || flags->block_cache_mib < 8) return false;
    } else if (value("seed", &v)) {
      if (!absl::SimpleAtoi(v, &flags->seed)) return false;
    } else if (value("mode", &v)) {
      flags->mode = v;
      if (v != "bench" && v != "rss") return false;
    } else if (value("plan", &v)) {
      flags->plan = v;
    } else if (value("file", &v)) {
      flags->file = v;
    } else if (value("work", &v)) {
      flags->work = v;
    } else if (arg == "--keep") {
      flags->keep = true;
    } else {
      return false;
    }
  }
  if (plans == "all") {
    for (const auto& [id, label] : AllPlans()) flags->plans.push_back(id);
  } else if (plans != "none") {
    for (absl::string_view p : absl::StrSplit(plans, ',', absl::SkipEmpty())) {
      if (LayoutLabel(std::string(p)) == "?") return false;
      flags->plans.emplace_back(p);
    }
  }
  return true;
}

double PeakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;  // Linux: KiB.
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return absl::StrCat(one, " ", five, " ", fifteen);
}

using bench::Median;

// ------------------------------------------------------------- generation

absl::StatusOr<std::unique_ptr<generator::County>> MakeCounty(const std::string& plan, int64_t rows,
                                                              uint64_t seed) {
  generator::CountyOptions options;
  options.seed = seed;
  options.members = rows;
  options.error_rate = 0;
  options.as_of_month = "2026-11";
  ASSIGN_OR_RETURN(options.directory,
                   generator::LoadDirectorySeed(Source("demo/san_diego/directory.textproto")));
  ASSIGN_OR_RETURN(options.reference, generator::LoadReferenceTables(Source("data/reference")));
  options.plan_weights = {{plan, 1}};
  options.ecm_rate = 1;
  return generator::County::Create(std::move(options));
}

struct GeneratedFile {
  std::string native_path;
  // Length-prefixed (fixed 4 bytes, little endian) AssignmentFileRow
  // messages, as County yielded them; empty when not asked for.
  std::string canonical_path;
  int64_t rows = 0;
  int64_t bytes = 0;
};

// Writes `plan`'s member assignment file of `rows` members into `dir`
// (and, if `canonical`, the canonical rows beside it).
absl::StatusOr<GeneratedFile> Generate(const std::string& plan, int64_t rows, uint64_t seed,
                                       const std::string& dir, bool canonical) {
  ASSIGN_OR_RETURN(std::unique_ptr<generator::County> county, MakeCounty(plan, rows, seed));
  ASSIGN_OR_RETURN(hub::v1::PlanProfile profile,
                   generator::LoadPlanProfile(Source("adapters/plans"), plan));
  ASSIGN_OR_RETURN(std::unique_ptr<adapters::PlanAdapter> adapter,
                   adapters::CreateDeclarativePlanAdapter(profile));
  constexpr auto kKind = hub::v1::FILE_KIND_MEMBER_ASSIGNMENT;
  const hub::v1::FileLayout* layout = generator::FindLayout(profile, kKind);
  if (layout == nullptr) return absl::NotFoundError(plan + " has no member assignment layout");

  GeneratedFile file;
  file.native_path =
      absl::StrCat(dir, "/assignment.", std::string(generator::FileExtension(*layout)));
  std::ofstream native(file.native_path, std::ios::binary | std::ios::trunc);
  std::ofstream records;
  std::string record_buffer;
  if (canonical) {
    file.canonical_path = dir + "/canonical.bin";
    records.open(file.canonical_path, std::ios::binary | std::ios::trunc);
  }
  generator::RowSource county_rows =
      generator::CountyRows(*county, plan, kKind, generator::AssignmentRowOptionsFor(*layout));
  generator::RowSource rows_source = [&](const generator::RowEmitter& emit) {
    return county_rows([&](const google::protobuf::Message& row) -> absl::Status {
      if (canonical) {
        const std::string bytes = row.SerializeAsString();
        const uint32_t n = static_cast<uint32_t>(bytes.size());
        char prefix[4] = {static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff),
                          static_cast<char>((n >> 16) & 0xff), static_cast<char>(n >> 24)};
        record_buffer.append(prefix, 4);
        record_buffer += bytes;
        if (record_buffer.size() >= kChunkBytes) {
          records.write(record_buffer.data(), static_cast<std::streamsize>(record_buffer.size()));
          record_buffer.clear();
        }
      }
      return emit(row);
    });
  };
  adapters::RenderOptions render;
  render.file_date = county->period_end().ToIso();
  render.file_time = "0600";
  render.control_number = 202611001;
  ASSIGN_OR_RETURN(generator::FileManifest manifest,
                   generator::WritePlanFile(
                       *adapter, kKind, rows_source, render, generator::ErrorInjection{},
                       [&](std::string_view chunk) -> absl::Status {
                         native.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
                         if (!native) return absl::DataLossError("cannot write the member file");
                         return absl::OkStatus();
                       }));
  native.close();
  if (canonical) {
    records.write(record_buffer.data(), static_cast<std::streamsize>(record_buffer.size()));
    records.close();
    if (!records) return absl::DataLossError("cannot write the canonical rows");
  }
  if (!native) return absl::DataLossError("cannot write the member file");
  file.rows = manifest.rows;
  file.bytes = manifest.bytes;
  return file;
}

// ------------------------------------------------------------------ bare

// Reads the length-prefixed rows of `path` in 1 MiB blocks.
class CanonicalReader {
 public:
  explicit CanonicalReader(const std::string& path) : in_(path, std::ios::binary) {}
  bool ok() const { return static_cast<bool>(in_) || in_.eof(); }
  // False at the end of the file.
  bool Next(hub::v1::AssignmentFileRow& row) {
    if (!Ensure(4)) return false;
    const unsigned char* p = reinterpret_cast<const unsigned char*>(buffer_.data() + pos_);
    const size_t n = p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<size_t>(p[3]) << 24);
    if (!Ensure(4 + n)) return false;
    const bool parsed = row.ParseFromArray(buffer_.data() + pos_ + 4, static_cast<int>(n));
    pos_ += 4 + n;
    return parsed;
  }

 private:
  bool Ensure(size_t n) {
    if (buffer_.size() - pos_ >= n) return true;
    buffer_.erase(0, pos_);
    pos_ = 0;
    while (buffer_.size() < n && in_) {
      const size_t old = buffer_.size();
      buffer_.resize(old + std::max(kChunkBytes, n));
      in_.read(buffer_.data() + old, static_cast<std::streamsize>(buffer_.size() - old));
      buffer_.resize(old + static_cast<size_t>(in_.gcount()));
    }
    return buffer_.size() >= n;
  }
  std::ifstream in_;
  std::string buffer_;
  size_t pos_ = 0;
};

struct BareResult {
  double rows_per_second = 0;
  int64_t rows = 0;
};

absl::StatusOr<BareResult> BareLoad(const std::string& dir, const std::string& plan,
                                    const std::string& canonical_path) {
  storage::StoreOptions options;
  options.data_dir = dir;
  ASSIGN_OR_RETURN(std::unique_ptr<storage::Store> store, storage::Store::Open(options));
  storage::MemberStore members(store.get());
  storage::CoverageIndex coverage(store.get());
  storage::CareStore care(store.get());
  CanonicalReader reader(canonical_path);
  BareResult result;
  const auto start = std::chrono::steady_clock::now();
  storage::WriteBatch batch;
  hub::v1::AssignmentFileRow row;
  while (reader.Next(row)) {
    // What the ingest stores for the row: the member with the plan's
    // identifiers entry, the coverage period, the assignment.
    hub::v1::Member* member = row.mutable_member();
    if (!row.plan_member_id().empty() || !row.medical_record_number().empty()) {
      hub::v1::PlanMemberId* id = member->add_plan_member_ids();
      id->set_plan_id(plan);
      id->set_member_id(row.plan_member_id());
      id->set_medical_record_number(row.medical_record_number());
    }
    members.Put(batch, *member);
    if (!row.coverage().start_date().empty()) {
      hub::v1::Coverage* c = row.mutable_coverage();
      c->set_cin(member->cin());
      c->set_plan_id(plan);
      coverage.Put(batch, *c);
    }
    if (!row.provider_npi().empty()) {
      hub::v1::Assignment* a = row.mutable_assignment();
      a->set_cin(member->cin());
      a->set_plan_id(plan);
      if (a->status() == hub::v1::ENROLLMENT_STATUS_UNSPECIFIED) {
        a->set_status(hub::v1::ENROLLMENT_STATUS_ASSIGNED);
      }
      care.PutAssignment(batch, *a, /*stored=*/nullptr);  // A fresh store: none.
    }
    if (++result.rows % kBatchRows == 0) {
      RETURN_IF_ERROR(store->Commit(batch, storage::Durability::kBuffered));
    }
  }
  if (!reader.ok()) return absl::DataLossError("cannot read the canonical rows back");
  RETURN_IF_ERROR(store->Commit(batch, storage::Durability::kBuffered));
  RETURN_IF_ERROR(store->SyncWal());
  result.rows_per_second = result.rows / Seconds(start);
  RETURN_IF_ERROR(store->Close());
  return result;
}

// ------------------------------------------------------------------ full

struct FullResult {
  double rows_per_second = 0;
  double seconds = 0;
  hub::v1::IngestReport report;
};

int g_block_cache_mib = 128;  // Flags::block_cache_mib, for StartBenchHub.

// An in-process hub on a loopback port, as hubd runs it (same process memory
// settings, same store budget).
absl::StatusOr<std::unique_ptr<HubServer>> StartBenchHub(const std::string& root) {
  HubServer::Options options;
  options.listen_address = "127.0.0.1:0";
  options.data_dir = root + "/data";
  options.seed_path = Source("demo/san_diego/directory.textproto");
  options.profiles_dir = Source("adapters/plans");
  options.reference_dir = Source("data/reference");
  options.block_cache_bytes = static_cast<size_t>(g_block_cache_mib) << 20;
  return HubServer::Start(options);
}

// Uploads `file` as `plan`'s member assignment file to the hub on `port`,
// as hubctl does, and waits for the report.
absl::StatusOr<FullResult> Upload(int port, const std::string& plan, const std::string& file) {
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
  auto stub = hub::v1::PlanService::NewStub(channel);
  // As hubctl does, the client hashes the file before sending it (not timed:
  // the hub's work starts at the first byte).
  ASSIGN_OR_RETURN(const std::string sha, Sha256OfFile(file));
  std::ifstream in(file, std::ios::binary);
  std::string buffer(kChunkBytes, '\0');

  FullResult result;
  const auto start = std::chrono::steady_clock::now();
  grpc::ClientContext context;
  hub::v1::UploadFileResponse response;
  auto writer = stub->UploadFile(&context, &response);
  hub::v1::UploadFileRequest request;
  request.mutable_header()->set_plan_id(plan);
  request.mutable_header()->set_file_kind(hub::v1::FILE_KIND_MEMBER_ASSIGNMENT);
  request.mutable_header()->set_file_name(fs::path(file).filename().string());
  request.mutable_header()->set_content_sha256(sha);
  bool open = writer->Write(request);
  while (open && in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    if (in.gcount() <= 0) break;
    request.Clear();
    request.set_chunk(buffer.data(), static_cast<size_t>(in.gcount()));
    open = writer->Write(request);
  }
  if (open) writer->WritesDone();
  grpc::Status status = writer->Finish();
  result.seconds = Seconds(start);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        absl::StrCat("upload failed: ", status.error_message()));
  }
  result.report = response.report();
  result.rows_per_second = result.report.rows_read() / result.seconds;
  return result;
}

absl::StatusOr<FullResult> FullPath(const std::string& root, const std::string& plan,
                                    const std::string& file) {
  ASSIGN_OR_RETURN(std::unique_ptr<HubServer> server, StartBenchHub(root));
  ASSIGN_OR_RETURN(FullResult result, Upload(server->port(), plan, file));
  RETURN_IF_ERROR(server->Shutdown(absl::Seconds(5)));
  return result;
}

// ------------------------------------------------------------------- rss

// The child of the RSS measurement: only the hub, as hubd would be (the
// uploader is the parent, as hubctl would be). Prints "rss_port=N", serves
// until its standard input closes, then prints its peak RSS.
int RssChild(const Flags& flags) {
  auto server = StartBenchHub(flags.work);
  if (!server.ok()) {
    std::fprintf(stderr, "ingest_bench --mode=rss: %s\n", server.status().ToString().c_str());
    return 1;
  }
  std::printf("rss_port=%d\n", (*server)->port());
  std::fflush(stdout);
  char ignored[64];
  while (fread(ignored, 1, sizeof(ignored), stdin) > 0) {
  }
  absl::Status shutdown = (*server)->Shutdown(absl::Seconds(5));
  if (!shutdown.ok()) {
    std::fprintf(stderr, "ingest_bench --mode=rss: %s\n", shutdown.ToString().c_str());
    return 1;
  }
  std::printf("rss_result peak_rss_mib=%.1f\n", PeakRssMiB());
  return 0;
}

struct RssResult {
  int64_t rows = 0;
  double seconds = 0;
  double peak_mib = 0;
};

absl::StatusOr<RssResult> MeasureRss(const Flags& flags, const std::string& root) {
  const std::string dir = root + "/rss";
  fs::create_directories(dir);
  ASSIGN_OR_RETURN(GeneratedFile file,
                   Generate(flags.rss_plan, flags.rss_rows, flags.seed, dir, false));
  std::printf("rss: %lld-row %s file generated (%.1f MiB); a fresh hub process ingests it...\n",
              static_cast<long long>(file.rows), flags.rss_plan.c_str(), file.bytes / 1048576.0);
  std::fflush(stdout);

  // The child's stdin (we hold the write end: closing it stops the child)
  // and stdout (its port, then its peak RSS).
  int to_child[2], from_child[2];
  if (pipe(to_child) != 0 || pipe(from_child) != 0) {
    return absl::InternalError("cannot create pipes for the RSS child process");
  }
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  const std::string cache_flag = absl::StrCat("--block_cache_mib=", flags.block_cache_mib);
  const std::string work_flag = absl::StrCat("--work=", dir);
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("cannot start the RSS child process");
  if (pid == 0) {
    dup2(to_child[0], STDIN_FILENO);
    dup2(from_child[1], STDOUT_FILENO);
    close(to_child[0]);
    close(to_child[1]);
    close(from_child[0]);
    close(from_child[1]);
    execl(self.c_str(), self.c_str(), "--mode=rss", cache_flag.c_str(), work_flag.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(to_child[0]);
  close(from_child[1]);
  FILE* child_out = fdopen(from_child[0], "r");
  RssResult result;
  absl::Status upload = absl::InternalError("the RSS child process did not report its port");
  bool found = false;
  char line[512];
  while (fgets(line, sizeof(line), child_out) != nullptr) {
    int port = 0;
    double peak = 0;
    if (sscanf(line, "rss_port=%d", &port) == 1) {
      absl::StatusOr<FullResult> full = Upload(port, flags.rss_plan, file.native_path);
      upload = full.status();
      if (full.ok()) {
        result.rows = full->report.rows_read();
        result.seconds = full->seconds;
      }
      close(to_child[1]);  // Done: the child shuts down and reports.
      to_child[1] = -1;
    } else if (sscanf(line, "rss_result peak_rss_mib=%lf", &peak) == 1) {
      result.peak_mib = peak;
      found = true;
    } else {
      std::fputs(line, stdout);
    }
  }
  fclose(child_out);
  if (to_child[1] >= 0) close(to_child[1]);
  int status = 0;
  waitpid(pid, &status, 0);
  RETURN_IF_ERROR(upload);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !found) {
    return absl::InternalError(absl::StrCat("the RSS child process failed (status ", status, ")"));
  }
  return result;
}

// ------------------------------------------------------------------ main

// ---------------------------------------------------------------- growth

// Does ingest slow down as the store grows? For each --growth row count, a
// file of that many members of --growth_plan is generated, then uploaded
// through the full path into a fresh hub, --repeats times (median): the
// rate of the largest file is the rate of a store that takes that many
// members (its member, coverage and assignment tables grow from empty to
// N rows during the upload). Prints the rate of each size and the ratio of
// the largest to the smallest (target >= kTargetGrowthRatio).
constexpr double kTargetGrowthRatio = 0.8;

absl::StatusOr<bool> MeasureGrowth(const Flags& flags, const std::string& root) {
  std::vector<std::pair<int64_t, double>> rates;
  for (int64_t rows : flags.growth) {
    const std::string dir = absl::StrCat(root, "/growth", rows);
    fs::create_directories(dir);
    const auto generate_start = std::chrono::steady_clock::now();
    ASSIGN_OR_RETURN(const GeneratedFile file,
                     Generate(flags.growth_plan, rows, flags.seed, dir, /*canonical=*/false));
    std::printf("growth: %s, %lld rows, %.1f MiB generated in %.1f s\n", flags.growth_plan.c_str(),
                static_cast<long long>(file.rows), file.bytes / 1048576.0, Seconds(generate_start));
    std::fflush(stdout);
    std::vector<double> full_rates;
    for (int run = 0; run < flags.repeats; ++run) {
      const std::string full_dir = absl::StrCat(dir, "/full", run);
      fs::create_directories(full_dir);
      sync();
      ASSIGN_OR_RETURN(const FullResult full,
                       FullPath(full_dir, flags.growth_plan, file.native_path));
      if (full.report.rows_read() != file.rows) {
        return absl::InternalError(
            absl::StrCat("the hub read ", full.report.rows_read(), " rows of ", file.rows));
      }
      full_rates.push_back(full.rows_per_second);
      std::printf("  %lld rows, run %d: %9.0f rows/s (%.1f s), %s, %lld rejected, load %s\n",
                  static_cast<long long>(file.rows), run + 1, full.rows_per_second, full.seconds,
                  hub::v1::IngestOutcome_Name(full.report.outcome()).c_str(),
                  static_cast<long long>(full.report.rows_rejected()), LoadAverage().c_str());
      std::fflush(stdout);
      std::error_code ec;
      fs::remove_all(full_dir, ec);
    }
    rates.emplace_back(file.rows, Median(full_rates));
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::printf(
      "\ningest rate as the store grows, %s (%s), full path%s\n", flags.growth_plan.c_str(),
      LayoutLabel(flags.growth_plan).c_str(),
      flags.repeats > 1 ? absl::StrCat(", median of ", flags.repeats, " runs").c_str() : "");
  for (const auto& [rows, rate] : rates) {
    std::printf("  %9lld rows: %9.0f rows/s\n", static_cast<long long>(rows), rate);
  }
  if (rates.size() < 2) return true;
  const double ratio = rates.back().second / rates.front().second;
  const bool met = ratio >= kTargetGrowthRatio;
  std::printf("ratio %lld / %lld rows: %.2f, target >= %.2f: %s\n",
              static_cast<long long>(rates.back().first),
              static_cast<long long>(rates.front().first), ratio, kTargetGrowthRatio,
              met ? "MET" : "MISSED");
  return met;
}

struct LayoutResult {
  std::string plan;
  int64_t rows = 0;
  int64_t bytes = 0;
  double bare = 0;
  double full = 0;
  int64_t rejected = 0;
  std::string outcome;
  std::vector<double> ratios;
};

int Main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) {
    std::fprintf(stderr,
                 "usage: ingest_bench [--rows=N] [--plans=all|none|P1,P2,...] [--repeats=N] "
                 "[--rss_rows=N (0 = skip)] [--rss_plan=P] [--growth=N1,N2,...] "
                 "[--growth_plan=P] [--block_cache_mib=N] [--seed=N] [--keep]\n");
    return 2;
  }
  g_block_cache_mib = flags.block_cache_mib;
  if (flags.mode == "rss") return RssChild(flags);

  std::string pattern = (fs::temp_directory_path() / "ingest_bench_XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    std::fprintf(stderr, "ingest_bench: cannot create a temp dir\n");
    return 1;
  }
  const std::string root = pattern;
  std::printf(
      "ingest_bench: %lld rows per layout, %zu layouts, %d repeat(s), %ld cores, load "
      "average %s, work dir %s\n",
      static_cast<long long>(flags.rows), flags.plans.size(), flags.repeats,
      sysconf(_SC_NPROCESSORS_ONLN), LoadAverage().c_str(), root.c_str());
  std::fflush(stdout);
  auto fail = [&](const std::string& what, const absl::Status& status) {
    std::fprintf(stderr, "ingest_bench: %s: %s\n", what.c_str(), status.ToString().c_str());
    if (!flags.keep) {
      std::error_code ec;
      fs::remove_all(root, ec);
    }
    return 1;
  };

  std::vector<LayoutResult> results;
  for (const std::string& plan : flags.plans) {
    const std::string dir = absl::StrCat(root, "/", plan);
    fs::create_directories(dir);
    const auto generate_start = std::chrono::steady_clock::now();
    auto file = Generate(plan, flags.rows, flags.seed, dir, true);
    if (!file.ok()) return fail(plan + ": generating the file", file.status());
    std::printf("%s: %lld rows, %.1f MiB generated in %.1f s\n", plan.c_str(),
                static_cast<long long>(file->rows), file->bytes / 1048576.0,
                Seconds(generate_start));
    std::fflush(stdout);
    LayoutResult r;
    r.plan = plan;
    r.rows = file->rows;
    r.bytes = file->bytes;
    std::vector<double> bare_rates, full_rates;
    for (int run = 0; run < flags.repeats; ++run) {
      const std::string bare_dir = absl::StrCat(dir, "/bare", run);
      // Every run starts with nothing dirty in the page cache: the writeback
      // of the file just generated (or of the last run) must not land in it.
      sync();
      auto bare = BareLoad(bare_dir, plan, file->canonical_path);
      if (!bare.ok()) return fail(plan + ": bare load", bare.status());
      if (bare->rows != file->rows) {
        return fail(plan, absl::InternalError("the bare load read a different number of rows"));
      }
      const std::string full_dir = absl::StrCat(dir, "/full", run);
      fs::create_directories(full_dir);
      sync();
      auto full = FullPath(full_dir, plan, file->native_path);
      if (!full.ok()) return fail(plan + ": full path", full.status());
      if (full->report.rows_read() != file->rows) {
        return fail(plan, absl::InternalError(absl::StrCat(
                              "the hub read ", full->report.rows_read(), " rows of ", file->rows)));
      }
      bare_rates.push_back(bare->rows_per_second);
      full_rates.push_back(full->rows_per_second);
      r.ratios.push_back(full->rows_per_second / bare->rows_per_second);
      r.rejected = full->report.rows_rejected();
      r.outcome = hub::v1::IngestOutcome_Name(full->report.outcome());
      std::printf(
          "  run %d: bare %9.0f rows/s, full %9.0f rows/s (%.1f s), ratio %.2f, %s, "
          "load %s\n",
          run + 1, bare->rows_per_second, full->rows_per_second, full->seconds, r.ratios.back(),
          r.outcome.c_str(), LoadAverage().c_str());
      std::fflush(stdout);
      std::error_code ec;
      fs::remove_all(bare_dir, ec);
      fs::remove_all(full_dir, ec);
    }
    r.bare = Median(bare_rates);
    r.full = Median(full_rates);
    results.push_back(r);
    if (!flags.keep) {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  }

  bool all_met = true;
  if (!results.empty()) {
    std::printf(
        "\nmember assignment file ingest, %lld rows per layout%s\n",
        static_cast<long long>(flags.rows),
        flags.repeats > 1 ? absl::StrCat(", median of ", flags.repeats, " runs").c_str() : "");
    std::printf("%-24s %-16s %9s %8s %12s %12s %7s %9s\n", "plan", "layout", "rows", "MiB",
                "bare rows/s", "full rows/s", "ratio", "rejected");
    std::vector<std::string> missed;
    for (const LayoutResult& r : results) {
      const double ratio = Median(r.ratios);
      std::printf("%-24s %-16s %9lld %8.1f %12.0f %12.0f %7.2f %9lld\n", r.plan.c_str(),
                  LayoutLabel(r.plan).c_str(), static_cast<long long>(r.rows), r.bytes / 1048576.0,
                  r.bare, r.full, ratio, static_cast<long long>(r.rejected));
      if (ratio < kTargetRatio) missed.push_back(r.plan);
    }
    double lowest = 1e9;
    for (const LayoutResult& r : results) lowest = std::min(lowest, Median(r.ratios));
    all_met = missed.empty();
    std::printf("overall: lowest ratio %.2f, target >= %.2f: %s\n", lowest, kTargetRatio,
                all_met ? "MET for every layout"
                        : absl::StrCat("MISSED for ", absl::StrJoin(missed, ", ")).c_str());
  }

  if (!flags.growth.empty()) {
    absl::StatusOr<bool> met = MeasureGrowth(flags, root);
    if (!met.ok()) return fail("growth", met.status());
    all_met = all_met && *met;
  }

  if (flags.rss_rows > 0) {
    auto rss = MeasureRss(flags, root);
    if (!rss.ok()) return fail("rss", rss.status());
    const bool met = rss->peak_mib <= kTargetRssMiB;
    all_met = all_met && met;
    std::printf(
        "peak RSS, %lld-row %s file through the full path in a fresh process: %.1f MiB "
        "(%.0f rows/s), target <= %.0f MiB: %s\n",
        static_cast<long long>(rss->rows), flags.rss_plan.c_str(), rss->peak_mib,
        rss->rows / rss->seconds, kTargetRssMiB, met ? "MET" : "MISSED");
  }
  std::printf("load average at the end: %s\n", LoadAverage().c_str());
  if (!flags.keep) {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  return all_met ? 0 : 3;
}

}  // namespace
}  // namespace hub

int main(int argc, char** argv) {
  hub::ConfigureProcess();
  return hub::Main(argc, argv);
}
