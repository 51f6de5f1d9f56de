// What the daily retention purge costs on a full-size feed
// (storage/retention.h, feed class), and what it does to the reads and
// synced writes running beside it, in one run:
//
//   retention_purge_bench [--store=/work/bench-cache/monitor-v2-f5000000/data]
//                         [--fractions=0,0.0333,0.0833] [--idle_seconds=10]
//
// --store is a hub data folder with acknowledged feeds; the default is the
// store monitor_bench builds and caches (`monitor_bench --flows=5000000`:
// 4.5M service records in three plans' feeds, acknowledged every 20,000
// records ten minutes after their accept time). It is never changed: each
// run works on a checkpoint (hard links) of it in a temp folder.
//
// For each fraction f, on a fresh checkpoint: the feed cutoff is set so
// that the items acknowledged in the first f of the feed's time span fall
// out of the window (f = 0: nothing does, the purge's fixed cost; 1/30:
// one day of a month-long feed; 1/12: a month of a year-long feed), then
// one PurgeExpired runs (the other classes kept) while a reader reads
// 100-item feed pages at random places (PullFeed's read) and a writer
// appends one item and commits it synced, one at a time (Submit's write).
// Before the purge the same probes run alone for --idle_seconds: the
// baseline. Prints the purge's wall time and items, and the probes' p50
// and p99 during the purge against idle.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "storage/audit_store.h"
#include "storage/feed_store.h"
#include "storage/retention.h"
#include "storage/store.h"

namespace hub::storage {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const char* const kPlans[] = {"plan_a", "plan_b", "plan_c"};  // monitor_bench's

struct Args {
  std::string store = "/work/bench-cache/monitor-v2-f5000000/data";
  std::vector<double> fractions = {0, 1.0 / 30, 1.0 / 12};
  double idle_seconds = 10;
};

double Millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// The probes: latencies (ms) of feed page reads and synced single appends.
struct Probes {
  std::vector<double> reads, writes;
};

// Runs the reader and the writer until `stop`.
Probes RunProbes(Store& store, FeedStore& feed, const std::atomic<bool>& stop, int run) {
  Probes probes;
  std::thread reader([&] {
    std::mt19937_64 rng(7);
    while (!stop.load()) {
      const char* plan = kPlans[rng() % 3];
      absl::StatusOr<uint64_t> head = feed.Head(plan);
      if (!head.ok() || *head == 0) return;
      const auto started = Clock::now();
      if (!feed.ReadItems(plan, rng() % *head, 100).ok()) return;
      probes.reads.push_back(Millis(Clock::now() - started));
    }
  });
  int n = 0;
  while (!stop.load()) {
    hub::v1::FeedItem item;
    item.set_record_id(absl::StrCat("probe_", run, "_", n));
    item.set_provider_id("probe_cbo");
    item.set_kind(hub::v1::RECORD_KIND_SERVICE);
    item.mutable_submission()->mutable_service()->set_cin("90000000A");
    const auto started = Clock::now();
    WriteBatch batch;
    if (!feed.AppendItem(batch, "probe_plan", item, absl::StrCat("probe-", run, "-", n++)).ok() ||
        !store.Commit(batch, Durability::kSync).ok()) {
      break;
    }
    feed.CommitAppends();
    probes.writes.push_back(Millis(Clock::now() - started));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // ~150 commits/s.
  }
  reader.join();
  return probes;
}

// The feed's time span: the first and last accept times of the plans.
bool FeedSpan(FeedStore& feed, absl::Time& first, absl::Time& last) {
  first = absl::InfiniteFuture();
  last = absl::InfinitePast();
  for (const char* plan : kPlans) {
    absl::StatusOr<uint64_t> head = feed.Head(plan);
    if (!head.ok() || *head == 0) return false;
    auto a = feed.ReadItems(plan, 0, 1);
    auto b = feed.ReadItems(plan, *head - 1, 1);
    if (!a.ok() || !b.ok() || a->empty() || b->empty()) return false;
    first = std::min(first, absl::FromUnixSeconds(a->front().accept_time().seconds()));
    last = std::max(last, absl::FromUnixSeconds(b->front().accept_time().seconds()));
  }
  return true;
}

struct RunResult {
  double fraction = 0, purge_seconds = 0;
  int64_t items = 0;
  Probes idle, during;
};

bool RunOne(const Args& args, const std::string& copy, int run, double fraction,
            RunResult& result) {
  StoreOptions options;
  options.data_dir = copy;
  options.min_free_bytes = 0;
  auto store = Store::Open(options);
  if (!store.ok()) return false;
  auto audit = AuditStore::Open(store->get());
  if (!audit.ok()) return false;
  FeedStore feed(store->get());
  absl::Time first, last;
  if (!FeedSpan(feed, first, last)) return false;
  result.fraction = fraction;
  std::atomic<bool> stop{false};
  std::thread timer([&] {
    std::this_thread::sleep_for(std::chrono::duration<double>(args.idle_seconds));
    stop = true;
  });
  result.idle = RunProbes(**store, feed, stop, run * 2);
  timer.join();
  // Acknowledged ten minutes after acceptance: the items of the span's
  // first `fraction` are those acknowledged before this.
  const absl::Time cutoff = first + (last - first) * fraction + absl::Minutes(10);
  RetentionPolicy policy;
  policy.audit_log = policy.idempotency = policy.ingest_reports = policy.monitoring =
      policy.outreach = policy.claims = policy.quality_reports = policy.parked =
          absl::ZeroDuration();
  policy.feed = absl::Hours(24 * 400);
  stop = false;
  absl::StatusOr<PurgeCounts> counts;
  std::thread purge([&] {
    const auto started = Clock::now();
    counts = PurgeExpired(**store, **audit, policy, cutoff + policy.feed);
    result.purge_seconds = Millis(Clock::now() - started) / 1000;
    stop = true;
  });
  result.during = RunProbes(**store, feed, stop, run * 2 + 1);
  purge.join();
  if (!counts.ok()) {
    std::fprintf(stderr, "purge: %s\n", std::string(counts.status().message()).c_str());
    return false;
  }
  result.items = counts->feed_items;
  audit->reset();
  return (*store)->Close().ok();
}

bool ParseArgs(int argc, char** argv, Args& args) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--store=", 0) == 0) {
      args.store = arg.substr(8);
    } else if (arg.rfind("--idle_seconds=", 0) == 0) {
      if (!absl::SimpleAtod(arg.substr(15), &args.idle_seconds)) return false;
    } else if (arg.rfind("--fractions=", 0) == 0) {
      args.fractions.clear();
      for (absl::string_view f : absl::StrSplit(arg.substr(12), ',')) {
        double v = 0;
        if (!absl::SimpleAtod(f, &v) || v < 0 || v > 1) return false;
        args.fractions.push_back(v);
      }
    } else {
      return false;
    }
  }
  return !args.fractions.empty();
}

void Print(const std::vector<RunResult>& results) {
  std::printf("\n%9s %10s %9s %8s | %10s %10s %10s %7s | %10s %10s %10s %7s\n", "fraction", "items",
              "purge_s", "x_first", "read_p50", "read_p99", "idle_p99", "x_idle", "write_p50",
              "write_p99", "idle_p99", "x_idle");
  for (const RunResult& r : results) {
    const double read99 = Percentile(r.during.reads, 0.99);
    const double idle_read99 = Percentile(r.idle.reads, 0.99);
    const double write99 = Percentile(r.during.writes, 0.99);
    const double idle_write99 = Percentile(r.idle.writes, 0.99);
    std::printf(
        "%9.4f %10lld %9.2f %8.2f | %10.2f %10.2f %10.2f %7.2f | %10.2f %10.2f %10.2f %7.2f\n",
        r.fraction, static_cast<long long>(r.items), r.purge_seconds,
        r.purge_seconds / std::max(1e-9, results.front().purge_seconds),
        Percentile(r.during.reads, 0.5), read99, idle_read99, read99 / std::max(1e-9, idle_read99),
        Percentile(r.during.writes, 0.5), write99, idle_write99,
        write99 / std::max(1e-9, idle_write99));
  }
  std::printf("(latencies in ms; %s)\n",
              "x_first: purge time over the first fraction's; x_idle: p99 during the purge over "
              "the same probe's p99 alone before it");
}

int Main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, args)) {
    std::fprintf(stderr,
                 "usage: retention_purge_bench [--store=DIR] [--fractions=F,...] "
                 "[--idle_seconds=S]\n");
    return 2;
  }
  if (!fs::exists(args.store + "/CURRENT")) {
    std::fprintf(stderr,
                 "no store at --store; build the default one with "
                 "`build/bench/monitor_bench --flows=5000000`\n");
    return 1;
  }
  const std::string root =
      (fs::temp_directory_path() / absl::StrCat("retention_purge_bench_", getpid())).string();
  fs::create_directories(root);
  std::vector<RunResult> results;
  for (size_t i = 0; i < args.fractions.size(); ++i) {
    const std::string copy = absl::StrCat(root, "/run", i);
    {
      StoreOptions options;
      options.data_dir = args.store;
      options.min_free_bytes = 0;
      auto source = Store::Open(options);
      if (!source.ok() || !(*source)->CreateCheckpoint(copy).ok() || !(*source)->Close().ok()) {
        std::fprintf(stderr, "cannot checkpoint --store (is a hubd or bench using it?)\n");
        return 1;
      }
    }
    RunResult& result = results.emplace_back();
    if (!RunOne(args, copy, static_cast<int>(i), args.fractions[i], result)) {
      std::fprintf(stderr, "run %zu failed\n", i);
      return 1;
    }
    std::printf("fraction %.4f: %lld items purged in %.2f s\n", result.fraction,
                static_cast<long long>(result.items), result.purge_seconds);
    std::fflush(stdout);
    fs::remove_all(copy);
  }
  Print(results);
  fs::remove_all(root);
  return 0;
}

}  // namespace
}  // namespace hub::storage

int main(int argc, char** argv) { return hub::storage::Main(argc, argv); }
