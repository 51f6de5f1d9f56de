// Does the county monitor cost the same on a day of 5 million flows as on a
// day of 5 thousand? For each --flows count, a store holding that many
// flows in the last 24 hours (records accepted, most acknowledged by their
// plan, some rejected by the plan, a tenth of submissions rejected by the
// hub; written through the storage paths the hub uses, so the flow tallies
// are kept as in hubd) is built once and cached in --cache_dir. Then:
//
//   1. summary latency, idle: Monitor::Summarize over 24 hours and over
//      31 days, --summaries times each (p50 and max), and what one such
//      window read of the flow tallies decodes (bucket runs, tally keys,
//      latency bins, edge records): what still grows with the flows;
//   2. under load: --load_seconds of sustained Submit (the real pipeline, 4
//      threads with 10 records per call, synced group commits) while the
//      monitor evaluates once a second, as hubd does under constant pokes
//      (min_evaluate_interval_ms 1000); prints Submit records/s, the
//      Evaluate wall time (p50, max) and the monitor's CPU share (its
//      thread CPU time over the elapsed time).
//
// The ratios 5M / 5k of the summary latencies are the headline (target:
// flat, i.e. ~1x).
//
//   monitor_bench [--flows=5000,5000000] [--summaries=20] [--load_seconds=10]
//                 [--cache_dir=/work/bench-cache]
#include <stdlib.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "base/identifiers.h"
#include "bench/bench_stats.h"
#include "hub/common/metrics.h"
#include "hub/common/reference_tables.h"
#include "hub/monitor/monitor.h"
#include "hub/monitor/monitor_rules.h"
#include "hub/server/server.h"
#include "hub/submit/flow_recorder.h"
#include "hub/submit/submit_pipeline.h"
#include "storage/care_store.h"
#include "storage/coverage_index.h"
#include "storage/directory_store.h"
#include "storage/feed_store.h"
#include "storage/member_store.h"
#include "storage/monitor_store.h"
#include "storage/store.h"

#ifndef HUB_SOURCE_DIR
#error "HUB_SOURCE_DIR must name the repository root"
#endif

namespace hub {
namespace {

namespace fs = std::filesystem;

constexpr int kProviders = 40;
constexpr int kMembers = 3000;
const char* const kPlans[] = {"plan_a", "plan_b", "plan_c"};

struct Flags {
  std::vector<int64_t> flows = {5000, 5'000'000};
  int summaries = 20;
  double load_seconds = 10;
  std::string cache_dir = "/work/bench-cache";
};

bool ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--flows=", 0) == 0) {
      flags->flows.clear();
      for (absl::string_view part : absl::StrSplit(arg.substr(8), ',')) {
        int64_t n = 0;
        if (!absl::SimpleAtoi(part, &n) || n <= 0) return false;
        flags->flows.push_back(n);
      }
    } else if (arg.rfind("--summaries=", 0) == 0) {
      if (!absl::SimpleAtoi(arg.substr(12), &flags->summaries) || flags->summaries <= 0) {
        return false;
      }
    } else if (arg.rfind("--load_seconds=", 0) == 0) {
      if (!absl::SimpleAtod(arg.substr(15), &flags->load_seconds) || flags->load_seconds < 0) {
        return false;
      }
    } else if (arg.rfind("--cache_dir=", 0) == 0) {
      flags->cache_dir = arg.substr(12);
    } else {
      return false;
    }
  }
  return true;
}

void Check(const absl::Status& status, const char* what) {
  if (status.ok()) return;
  std::fprintf(stderr, "monitor_bench: %s: %s\n", what, status.ToString().c_str());
  std::exit(1);
}

// The day's end; the bench's clock starts there and runs with real time
// (records accepted under load get distinct, advancing times, as in hubd).
absl::Time DayEnd() {
  return absl::FromCivil(absl::CivilSecond(2026, 11, 23, 12, 0, 0), absl::UTCTimeZone());
}
absl::Time BenchNow() {
  static const absl::Time started = absl::Now();
  return DayEnd() + (absl::Now() - started);
}

std::string ProviderId(int i) { return absl::StrCat("bench_cbo_", i); }
std::string Cin(int i) { return absl::StrFormat("%08d%c", 20000000 + i, 'A' + i % 26); }

// The directory (3 plans, kProviders ECM providers) and kMembers members
// covered by the plans in turn and assigned to provider 0.
void Seed(storage::Store& store, storage::DirectoryStore& directory) {
  std::vector<hub::v1::Plan> plans;
  for (const char* id : kPlans) {
    hub::v1::Plan& plan = plans.emplace_back();
    plan.set_plan_id(id);
    plan.set_name(id);
  }
  std::vector<hub::v1::Provider> providers;
  for (int p = 0; p < kProviders; ++p) {
    hub::v1::Provider& provider = providers.emplace_back();
    provider.set_provider_id(ProviderId(p));
    const std::string base = absl::StrFormat("12345%04d", p);
    provider.set_npi(absl::StrCat(base, std::string(1, NpiCheckDigit(base))));
    provider.set_tin("123456789");
    provider.set_name(provider.provider_id());
    provider.add_kinds(hub::v1::PROVIDER_KIND_ECM);
    for (const char* id : kPlans) {
      auto* contract = provider.add_contracts();
      contract->set_plan_id(id);
      contract->add_kinds(hub::v1::PROVIDER_KIND_ECM);
    }
  }
  Check(directory.Seed(plans, providers), "seed");
  storage::MemberStore members(&store);
  storage::CoverageIndex coverage(&store);
  storage::CareStore care(&store);
  storage::WriteBatch batch;
  for (int i = 0; i < kMembers; ++i) {
    hub::v1::Member member;
    member.set_cin(Cin(i));
    members.Put(batch, member);
    hub::v1::Coverage period;
    period.set_cin(Cin(i));
    period.set_plan_id(kPlans[i % 3]);
    period.set_start_date("2026-01-01");
    coverage.Put(batch, period);
    hub::v1::Assignment assignment;
    assignment.set_cin(Cin(i));
    assignment.set_plan_id(kPlans[i % 3]);
    assignment.set_provider_id(ProviderId(0));
    assignment.add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_ADULT_AVOIDABLE_UTILIZATION);
    assignment.set_benefit_start_date("2026-01-01");
    care.PutAssignment(batch, assignment);
  }
  Check(store.Commit(batch, storage::Durability::kSync), "seed members");
}

// `flows` flows spread evenly over the 24 hours before BenchNow: accepted
// records (each plan acknowledges what it received up to 10 minutes
// earlier, every flows / 250 records (20,000 of 5 million), rejecting 1%)
// and, one in ten, a submission the hub rejected. So every day holds the
// same groups (plan, provider, status) in the same proportions, and
// latencies alike, whatever its number of flows: what the bench compares is
// the flows, not the shape of the summary.
void WriteFlows(storage::Store& store, int64_t flows) {
  storage::FeedStore feed(&store);
  storage::MonitorStore monitor(&store);
  const int64_t end = absl::ToUnixMicros(DayEnd()) - 60'000'000;
  const int64_t start = end - 24LL * 3600 * 1'000'000;
  storage::WriteBatch batch;
  std::vector<std::vector<std::pair<uint64_t, std::string>>> unacked(3);
  std::mt19937_64 rng(1);
  const size_t ack_every = static_cast<size_t>(std::max<int64_t>(flows / 250, 1));
  for (int64_t i = 0; i < flows; ++i) {
    const int64_t micros = start + (end - start) * i / flows;
    const int provider = static_cast<int>(rng() % kProviders);
    if (i % 10 == 9) {
      monitor.AddRejection(batch, micros, ProviderId(provider), absl::StrCat("r", i),
                           hub::v1::RECORD_KIND_SERVICE, "SUBMIT_MEMBER_NOT_COVERED");
    } else {
      const int plan = static_cast<int>(i % 3);
      hub::v1::FeedItem item;
      item.set_record_id(absl::StrCat("rec_", i));
      item.set_provider_id(ProviderId(provider));
      item.set_kind(hub::v1::RECORD_KIND_SERVICE);
      item.mutable_accept_time()->set_seconds(micros / 1'000'000);
      item.mutable_accept_time()->set_nanos(static_cast<int32_t>(micros % 1'000'000) * 1000);
      hub::v1::ServiceRecord* service = item.mutable_submission()->mutable_service();
      service->set_cin(Cin(static_cast<int>(i % kMembers)));
      service->set_service_date("2026-11-10");
      service->set_hcpcs_code("G9008");
      absl::StatusOr<uint64_t> sequence =
          feed.AppendItem(batch, kPlans[plan], item, absl::StrCat("k", i));
      Check(sequence.status(), "append");
      unacked[plan].emplace_back(*sequence, item.record_id());
    }
    if (batch.Count() < 50000 && i + 1 != flows) continue;
    Check(store.Commit(batch, storage::Durability::kBuffered), "commit");
    feed.CommitAppends();
    for (int plan = 0; plan < 3; ++plan) {
      auto& pending = unacked[plan];
      if (pending.empty() || (pending.size() < ack_every && i + 1 != flows)) continue;
      std::vector<hub::v1::ItemRejection> rejections;
      for (size_t k = 0; k < pending.size(); k += 100) {
        hub::v1::ItemRejection& r = rejections.emplace_back();
        r.set_sequence(pending[k].first);
        r.set_record_id(pending[k].second);
        r.set_reason_code("PLAN_MEMBER_NOT_ELIGIBLE");
      }
      const int64_t ack_time = std::min(micros + 600'000'000, end);
      Check(feed.Ack(kPlans[plan], pending.back().first, rejections, ack_time).status(), "ack");
      pending.clear();
    }
  }
  Check(store.SyncWal(), "sync");
}

std::string CachedStore(const Flags& flags, int64_t flows) {
  const std::string dir = absl::StrCat(flags.cache_dir, "/monitor-v3-f", flows);
  if (fs::exists(dir + "/COMPLETE")) return dir;
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  const auto started = std::chrono::steady_clock::now();
  storage::StoreOptions options;
  options.data_dir = dir + "/data";
  absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(options);
  Check(store.status(), "open");
  storage::DirectoryStore directory(store->get());
  Seed(**store, directory);
  WriteFlows(**store, flows);
  Check((*store)->Close(), "close");
  std::ofstream(dir + "/COMPLETE") << "flows " << flows << "\n";
  std::printf("built %s in %.0f s\n", dir.c_str(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return dir;
}

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct Result {
  double day_p50_ms = 0, day_max_ms = 0, month_p50_ms = 0, month_max_ms = 0;
  // CPU time of the summarizing thread (p50): what a busy machine does not
  // inflate.
  double day_cpu_ms = 0, month_cpu_ms = 0;
  // The first call's thread CPU time (ms): the flow tallies' read cache
  // (storage/flow_tally_cache.h) holds at most the first Evaluate's runs.
  double day_first_cpu_ms = 0, month_first_cpu_ms = 0;
  // The monitor's first Evaluate after the store opened (care scan, empty
  // caches): thread CPU ms.
  double first_eval_cpu_ms = 0;
  double submit_records_per_s = 0, eval_p50_ms = 0, eval_max_ms = 0, cpu_share = 0;
  int64_t accepted = 0;
  // Flow groups (plan, provider, kind, status, reason) in the 24-hour
  // summary: what its size, and so part of its cost, follows.
  int64_t groups = 0;
};

// Summary latencies (ms: p50, max) and thread CPU time (ms, p50, and the
// first call's) of `n` calls.
std::tuple<double, double, double, double> TimeSummaries(storage::Store& store, Monitor& monitor,
                                                         absl::Duration window, int n,
                                                         int64_t* accepted, int64_t* groups) {
  std::vector<double> ms;
  std::vector<double> cpu_ms;
  for (int i = 0; i < n; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = ThreadCpuSeconds();
    absl::StatusOr<hub::v1::MonitorSummary> summary = monitor.Summarize(window, std::nullopt);
    cpu_ms.push_back(1000 * (ThreadCpuSeconds() - cpu_start));
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
    Check(summary.status(), "summarize");
    *accepted = summary->totals().accepted() + summary->totals().rejected_by_hub();
    *groups = summary->flows_size();
  }
  {
    storage::MonitorStore reads(&store);
    const int64_t end = absl::ToUnixMicros(BenchNow()) + 1;
    const int64_t start = end - 1 - absl::ToInt64Microseconds(window);
    absl::StatusOr<storage::FlowTallies> t =
        reads.TallyFlows(start, end, (absl::ToInt64Seconds(window) + 23) / 24, 24, true);
    Check(t.status(), "tally");
    std::printf(
        "  window %lld h: %lld bucket runs, %lld tally keys, %lld latency bins, %lld edge "
        "records read; %lld runs from the read cache; %lld pieces kept in the window's sum\n",
        static_cast<long long>(absl::ToInt64Hours(window)), static_cast<long long>(t->buckets_read),
        static_cast<long long>(t->keys_read), static_cast<long long>(t->bins_read),
        static_cast<long long>(t->edge_records_read), static_cast<long long>(t->runs_cached),
        static_cast<long long>(t->pieces_kept));
  }
  return {bench::Median(ms), *std::max_element(ms.begin(), ms.end()), bench::Median(cpu_ms),
          cpu_ms.front()};
}

// Sustained Submit from 4 threads (10 records per call) for `seconds`
// while this thread evaluates the monitor once a second.
void RunLoad(storage::Store& store, storage::DirectoryStore& directory, storage::FeedStore& feed,
             Monitor& monitor, MetricsRegistry& metrics, double seconds, Result& result) {
  absl::StatusOr<std::unique_ptr<ReferenceTables>> reference =
      ReferenceTables::LoadDir(std::string(HUB_SOURCE_DIR) + "/data/reference");
  Check(reference.status(), "reference tables");
  FlowRecorder recorder(&store, &metrics, [&monitor] { monitor.Poke(); });
  SubmitPipelineOptions options;
  options.clock = BenchNow;
  options.flow_recorder = &recorder;
  SubmitPipeline pipeline(&store, &directory, &feed, reference->get(), std::move(options));
  std::atomic<bool> stop{false};
  std::atomic<int64_t> records{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      int64_t n = 0;
      while (!stop.load()) {
        std::vector<hub::v1::Submission> submissions(10);
        std::vector<const hub::v1::Submission*> pointers;
        for (hub::v1::Submission& s : submissions) {
          s.set_idempotency_key(absl::StrCat("load-", t, "-", n++));
          hub::v1::ServiceRecord* svc = s.mutable_service();
          svc->set_cin(Cin(static_cast<int>((n * 7 + t) % kMembers)));
          svc->set_service_date("2026-11-10");
          svc->set_hcpcs_code("G9008");
          svc->add_modifiers("U1");
          svc->set_units(1);
          svc->set_place_of_service("12");
          svc->set_in_person(true);
          svc->set_staff_type(hub::v1::STAFF_TYPE_CLINICAL);
          svc->add_diagnosis_codes("Z59.00");
          svc->set_charge_cents(12500);
          pointers.push_back(&s);
        }
        absl::StatusOr<std::vector<hub::v1::SubmissionResult>> results =
            pipeline.Submit(ProviderId(0), pointers);
        Check(results.status(), "submit");
        records.fetch_add(static_cast<int64_t>(results->size()));
      }
    });
  }
  std::vector<double> eval_ms;
  double cpu = 0;
  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                      std::chrono::duration<double>(seconds));
  while (std::chrono::steady_clock::now() < deadline) {
    const auto tick = std::chrono::steady_clock::now();
    const double cpu_before = ThreadCpuSeconds();
    Check(monitor.Evaluate().status(), "evaluate");
    cpu += ThreadCpuSeconds() - cpu_before;
    eval_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - tick).count());
    std::this_thread::sleep_until(tick + std::chrono::seconds(1));
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  stop = true;
  for (std::thread& t : threads) t.join();
  result.submit_records_per_s = static_cast<double>(records.load()) / elapsed;
  result.eval_p50_ms = bench::Median(eval_ms);
  result.eval_max_ms = *std::max_element(eval_ms.begin(), eval_ms.end());
  result.cpu_share = cpu / elapsed;
}

Result Measure(const Flags& flags, int64_t flows, const std::string& work) {
  const std::string cached = CachedStore(flags, flows);
  Result result;
  // Work on a checkpoint (hard links): the cached store stays as built.
  const std::string data = work + "/data";
  std::error_code ec;
  fs::create_directories(work, ec);
  {
    storage::StoreOptions options;
    options.data_dir = cached + "/data";
    absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(options);
    Check(store.status(), "open cached");
    Check((*store)->CreateCheckpoint(data).status(), "checkpoint");
    Check((*store)->Close(), "close cached");
  }
  storage::StoreOptions options;
  options.data_dir = data;
  absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(options);
  Check(store.status(), "open");
  storage::DirectoryStore directory(store->get());
  storage::FeedStore feed(store->get());
  MetricsRegistry metrics;
  {
    MonitorOptions monitor_options;
    monitor_options.clock = BenchNow;
    monitor_options.config = DefaultMonitorConfig();
    monitor_options.background = false;
    Monitor monitor(store->get(), &directory, &feed, &metrics, std::move(monitor_options));
    const double cpu_before = ThreadCpuSeconds();
    Check(monitor.Evaluate().status(), "first evaluation");  // Care scan, caches.
    result.first_eval_cpu_ms = 1000 * (ThreadCpuSeconds() - cpu_before);
    std::tie(result.day_p50_ms, result.day_max_ms, result.day_cpu_ms, result.day_first_cpu_ms) =
        TimeSummaries(**store, monitor, absl::Hours(24), flags.summaries, &result.accepted,
                      &result.groups);
    int64_t unused = 0;
    std::tie(result.month_p50_ms, result.month_max_ms, result.month_cpu_ms,
             result.month_first_cpu_ms) =
        TimeSummaries(**store, monitor, absl::Hours(24 * 31), flags.summaries, &unused, &unused);
    if (flags.load_seconds > 0) {
      RunLoad(**store, directory, feed, monitor, metrics, flags.load_seconds, result);
    }
  }
  Check((*store)->Close(), "close");
  return result;
}

int Main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) {
    std::fprintf(stderr,
                 "usage: monitor_bench [--flows=N,N...] [--summaries=N] [--load_seconds=S] "
                 "[--cache_dir=DIR]\n");
    return 2;
  }
  std::string root = (fs::temp_directory_path() / "monitor_bench_XXXXXX").string();
  if (mkdtemp(root.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  std::vector<Result> results;
  for (int64_t flows : flags.flows) {
    Result r = Measure(flags, flows, absl::StrCat(root, "/f", flows));
    std::printf(
        "%9lld flows in 24 h (%lld in the summary, %lld groups): Summarize 24 h p50 %.2f ms (max "
        "%.2f), "
        "31 days p50 %.2f ms (max %.2f); thread CPU p50 %.2f ms (24 h), %.2f ms (31 days); "
        "first calls %.2f ms, %.2f ms (after a first Evaluate of %.2f ms)\n",
        static_cast<long long>(flows), static_cast<long long>(r.accepted),
        static_cast<long long>(r.groups), r.day_p50_ms, r.day_max_ms, r.month_p50_ms,
        r.month_max_ms, r.day_cpu_ms, r.month_cpu_ms, r.day_first_cpu_ms, r.month_first_cpu_ms,
        r.first_eval_cpu_ms);
    if (flags.load_seconds > 0) {
      std::printf(
          "          under Submit load: %.0f records/s; Evaluate every 1 s: p50 %.2f ms (max "
          "%.2f), monitor CPU %.2f%% of one core\n",
          r.submit_records_per_s, r.eval_p50_ms, r.eval_max_ms, 100 * r.cpu_share);
    }
    results.push_back(r);
  }
  // The largest day against each smaller one.
  for (size_t i = 0; i + 1 < results.size(); ++i) {
    const Result& small = results[i];
    const Result& big = results.back();
    std::printf(
        "ratio %lld / %lld flows: Summarize 24 h %.2fx, 31 days %.2fx; thread CPU 24 h %.2fx, "
        "31 days %.2fx; summary groups %.2fx (target: flat)\n",
        static_cast<long long>(flags.flows.back()), static_cast<long long>(flags.flows[i]),
        big.day_p50_ms / small.day_p50_ms, big.month_p50_ms / small.month_p50_ms,
        big.day_cpu_ms / small.day_cpu_ms, big.month_cpu_ms / small.month_cpu_ms,
        static_cast<double>(big.groups) / static_cast<double>(std::max<int64_t>(small.groups, 1)));
    if (flags.load_seconds > 0) {
      std::printf("  under Submit load: monitor CPU %.2fx\n", big.cpu_share / small.cpu_share);
    }
  }
  std::error_code ec;
  fs::remove_all(root, ec);
  return 0;
}

}  // namespace
}  // namespace hub

int main(int argc, char** argv) {
  hub::ConfigureProcess();
  return hub::Main(argc, argv);
}
