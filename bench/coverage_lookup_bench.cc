// How much does "which plan covers CIN X on date D" cost compared with the
// cheapest possible read, a point lookup of the member record?
//
// Loads --hub_members members (default 200,000) with 1 to 3 coverage periods
// each into a store in a fresh temp dir, closes and reopens it so the data
// sits in SST files as in production, then times CoverageIndex::CoveringPlan
// and MemberStore::Get on random members in the same run (warm block cache)
// and prints microseconds per lookup and their ratio. Takes ~15 s.
//
//   coverage_lookup_bench [--hub_members=N] [benchmark flags]
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "benchmark/benchmark.h"
#include "hub/v1/member.pb.h"
#include "storage/coverage_index.h"
#include "storage/member_store.h"
#include "storage/store.h"

namespace hub::storage {
namespace {

constexpr int kDefaultMembers = 200000;
constexpr int kMembersPerBatch = 1000;
// Query dates: in the first period, in the second, in the retroactive
// third (which wins over the second), and one before any coverage.
constexpr const char* kDates[] = {"2023-06-15", "2024-03-01", "2024-06-15", "2025-02-01",
                                  "2022-12-31"};

struct Loaded {
  std::string dir;
  std::unique_ptr<Store> store;
  std::unique_ptr<MemberStore> members;
  std::unique_ptr<CoverageIndex> coverage;
  std::vector<std::string> cins;
};
Loaded* g_loaded = nullptr;

std::string CinFor(int i) {
  char cin[16];
  std::snprintf(cin, sizeof(cin), "%08d%c", 10000000 + i * 7, 'A' + i % 26);
  return cin;
}

hub::v1::Coverage Period(const std::string& cin, const char* plan, const char* start,
                         const char* end) {
  hub::v1::Coverage coverage;
  coverage.set_cin(cin);
  coverage.set_plan_id(plan);
  coverage.set_start_date(start);
  coverage.set_end_date(end);
  return coverage;
}

void Check(const absl::Status& status, const char* what) {
  if (status.ok()) return;
  std::fprintf(stderr, "coverage_lookup_bench: %s: %s\n", what,
               std::string(status.message()).c_str());
  std::exit(1);
}

void Load(int member_count) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp != nullptr && *tmp ? tmp : "/tmp") + "/coverage_lookup_bench_XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    std::perror("mkdtemp");
    std::exit(1);
  }
  g_loaded = new Loaded;
  g_loaded->dir = pattern;
  StoreOptions options;
  options.data_dir = pattern + "/data";

  const auto started = std::chrono::steady_clock::now();
  {
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
    Check(store.status(), "open");
    MemberStore members(store->get());
    CoverageIndex coverage(store->get());
    WriteBatch batch;
    int periods = 0;
    for (int i = 0; i < member_count; ++i) {
      const std::string cin = CinFor(i);
      hub::v1::Member member;
      member.set_cin(cin);
      member.mutable_name()->set_first("First" + std::to_string(i));
      member.mutable_name()->set_last("Last" + std::to_string(i));
      member.set_date_of_birth("1980-01-01");
      member.mutable_address()->set_line1(std::to_string(i) + " Market St");
      member.mutable_address()->set_city("San Diego");
      member.mutable_address()->set_state("CA");
      member.mutable_address()->set_zip("92101");
      member.set_phone("6195550100");
      member.set_preferred_spoken_language("es");
      members.Put(batch, member);
      // 1 to 3 periods; the third is a retroactive change over the second.
      coverage.Put(batch, Period(cin, "plan_a", "2023-01-01", "2023-12-31"));
      ++periods;
      if (i % 3 >= 1) {
        coverage.Put(batch, Period(cin, "plan_b", "2024-01-01", ""));
        ++periods;
      }
      if (i % 3 >= 2) {
        coverage.Put(batch, Period(cin, "plan_c", "2024-06-01", "2024-06-30"));
        ++periods;
      }
      g_loaded->cins.push_back(cin);
      if ((i + 1) % kMembersPerBatch == 0)
        Check((*store)->Commit(batch, Durability::kBuffered), "commit");
    }
    Check((*store)->Commit(batch, Durability::kBuffered), "commit");
    Check((*store)->SyncWal(), "sync");
    Check((*store)->Close(), "close");
    std::printf("loaded %d members with %d coverage periods", member_count, periods);
  }
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
  Check(store.status(), "reopen");
  g_loaded->store = std::move(*store);
  g_loaded->members = std::make_unique<MemberStore>(g_loaded->store.get());
  g_loaded->coverage = std::make_unique<CoverageIndex>(g_loaded->store.get());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(" in %.1f s\n", seconds);
}

void BM_MemberGet(benchmark::State& state) {
  std::mt19937_64 rng(1);
  const size_t n = g_loaded->cins.size();
  for (auto _ : state) {
    absl::StatusOr<hub::v1::Member> member = g_loaded->members->Get(g_loaded->cins[rng() % n]);
    if (!member.ok()) {
      state.SkipWithError("member lookup failed");
      break;
    }
    benchmark::DoNotOptimize(member);
  }
}

void BM_CoveringPlan(benchmark::State& state) {
  std::mt19937_64 rng(1);
  const size_t n = g_loaded->cins.size();
  int64_t not_covered = 0;
  for (auto _ : state) {
    const uint64_t r = rng();
    absl::StatusOr<hub::v1::Coverage> coverage = g_loaded->coverage->CoveringPlan(
        g_loaded->cins[r % n], kDates[(r >> 32) % std::size(kDates)]);
    if (!coverage.ok()) {
      if (!absl::IsNotFound(coverage.status())) {
        state.SkipWithError("coverage lookup failed");
        break;
      }
      ++not_covered;
    }
    benchmark::DoNotOptimize(coverage);
  }
  state.counters["not_covered_pct"] =
      state.iterations() == 0 ? 0.0 : 100.0 * not_covered / state.iterations();
}

BENCHMARK(BM_MemberGet)->Unit(benchmark::kMicrosecond)->MinTime(2.0);
BENCHMARK(BM_CoveringPlan)->Unit(benchmark::kMicrosecond)->MinTime(2.0);

// Prints as usual and remembers each benchmark's real time per iteration.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred || run.run_type != Run::RT_Iteration) continue;
      micros_[run.run_name.function_name] =
          run.GetAdjustedRealTime() * benchmark::GetTimeUnitMultiplier(benchmark::kMicrosecond) /
          benchmark::GetTimeUnitMultiplier(run.time_unit);
    }
  }
  const std::map<std::string, double>& micros() const { return micros_; }

 private:
  std::map<std::string, double> micros_;
};

}  // namespace
}  // namespace hub::storage

int main(int argc, char** argv) {
  int member_count = hub::storage::kDefaultMembers;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--hub_members=", 14) == 0) {
      member_count = std::atoi(argv[i] + 14);
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (member_count <= 0) {
    std::fprintf(stderr, "--hub_members must be positive\n");
    return 1;
  }

  hub::storage::Load(member_count);
  hub::storage::SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);

  const auto& micros = reporter.micros();
  auto get = micros.find("BM_MemberGet");
  auto covering = micros.find("BM_CoveringPlan");
  if (get != micros.end() && covering != micros.end() && get->second > 0) {
    std::printf("\nsummary (%d members, warm cache):\n", member_count);
    std::printf("  MemberStore::Get             %8.2f us/lookup\n", get->second);
    std::printf("  CoverageIndex::CoveringPlan  %8.2f us/lookup\n", covering->second);
    std::printf("  ratio CoveringPlan / Get     %8.2f\n", covering->second / get->second);
  }

  hub::storage::g_loaded->coverage.reset();
  hub::storage::g_loaded->members.reset();
  hub::storage::Check(hub::storage::g_loaded->store->Close(), "close");
  std::error_code ec;
  std::filesystem::remove_all(hub::storage::g_loaded->dir, ec);
  delete hub::storage::g_loaded;
  benchmark::Shutdown();
  return 0;
}
