// How fast is a durable ProviderService.Submit compared with a bare gRPC
// echo of the same payload, with 64 calls in flight?
//
//   submit_bench [--seconds=S] [--inflight=N] [--records=R] [--rounds=K]
//                [--mode=all|echo|floor|submit|full] [--floor_keys=F] [--keep]
//                [--full_members=1000000] [--full_items=N] [--cache_dir=/work/bench-cache]
//
// submit: the real path on a temp data dir: the callback service, the submit
//   pipeline (one writer, validation against members, coverage and ECM
//   assignments, routing to 3 plans, feed appends: one key per record, one
//   WriteBatch per group committed with Durability::kSync, i.e. an fsync per
//   group), then the reply; the feed indexer (hub/feed/feed_indexer.h)
//   writes the derived indexes as in hubd, and its lag is sampled every
//   10 ms and printed (max, at the end, and how long the rest took). Every record is a distinct ECM
//   service line (G9008) that is accepted; the bench checks that.
// echo: a minimal callback ProviderService whose Submit answers at once
//   with one AcceptedRecord per submission (the same response size), on a
//   second in-process server.
// floor: what durability alone costs: a callback Submit that hands its call
//   to one writer thread, which stores one key per submission (its result
//   under its idempotency key) in one WriteBatch per group committed with
//   Durability::kSync, then answers as the echo does. No validation, routing
//   or indexes: no durable Submit can be cheaper on this machine.
//   --floor_keys=5 writes 5 keys per submission, as many as the hub writes
//   per accepted record (feed item, record, provider index, export index,
//   idempotency result), 3 at random places and 2 appended as the hub's
//   are: the floor of any Submit that keeps the hub's indexes.
// full: submit again, on a full store: --full_members members (covered,
//   assigned; CINs in random order) and --full_items feed items already
//   stored through the real Submit path. Built once into --cache_dir
//   (keyed by the two counts) and reused; each round runs on a checkpoint
//   of it (hard links), with a warm-up as long as the run. Runs with
//   --mode=full (default 5,000,000 items) or with all when --full_items > 0;
//   prints full/empty (target >= 0.8, issue 21).
// All are driven the same way: a callback client keeps N calls in flight
// on one channel for S seconds, each call carrying R service records, after
// a warm-up of the same client. One round runs echo, floor and submit in
// turn, each on a fresh server (and store); the bench runs K rounds and
// prints calls/s (QPS) and records/s of each run, then each mode's best and
// median rate and the ratios floor/echo and submit/echo of the best rates
// (target for submit >= 0.6). On the 2-core VM the echo has a slow mode, a
// third below its usual rate, in some runs; noise only slows runs down, so
// the best round is the estimate. Run from a Release or RelWithDebInfo
// build.
//
// Needs HUB_SOURCE_DIR (the repository root) for data/reference.
#include <grpcpp/grpcpp.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "base/identifiers.h"
#include "bench/bench_stats.h"
#include "hub/common/reference_tables.h"
#include "hub/feed/feed_indexer.h"
#include "hub/rpc/provider_service.h"
#include "hub/server/server.h"
#include "hub/submit/submit_pipeline.h"
#include "hub/v1/provider_service.grpc.pb.h"
#include "storage/care_store.h"
#include "storage/coverage_index.h"
#include "storage/directory_store.h"
#include "storage/feed_store.h"
#include "storage/member_store.h"
#include "storage/store.h"

#ifndef HUB_SOURCE_DIR
#error "HUB_SOURCE_DIR must name the repository root"
#endif

namespace hub {
namespace {

namespace fs = std::filesystem;

constexpr char kProvider[] = "bench_cbo";
constexpr int kMembers = 3000;
const char* const kPlans[] = {"plan_a", "plan_b", "plan_c"};

struct Flags {
  double seconds = 5;
  int inflight = 64;
  int records = 10;
  int rounds = 3;
  int floor_keys = 1;
  std::string mode = "all";
  bool keep = false;
  // The full store of --mode=full (and all, when full_items > 0).
  int64_t full_members = 1'000'000;
  int64_t full_items = 0;
  std::string cache_dir = "/work/bench-cache";
};

bool ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--seconds=", 0) == 0) {
      if (!absl::SimpleAtod(arg.substr(10), &flags->seconds) || flags->seconds <= 0) return false;
    } else if (arg.rfind("--inflight=", 0) == 0) {
      if (!absl::SimpleAtoi(arg.substr(11), &flags->inflight) || flags->inflight <= 0) {
        return false;
      }
    } else if (arg.rfind("--records=", 0) == 0) {
      if (!absl::SimpleAtoi(arg.substr(10), &flags->records) || flags->records <= 0 ||
          flags->records > 1000) {
        return false;
      }
    } else if (arg.rfind("--floor_keys=", 0) == 0) {
      if (!absl::SimpleAtoi(arg.substr(13), &flags->floor_keys) || flags->floor_keys <= 0) {
        return false;
      }
    } else if (arg.rfind("--rounds=", 0) == 0) {
      if (!absl::SimpleAtoi(arg.substr(9), &flags->rounds) || flags->rounds <= 0) return false;
    } else if (arg.rfind("--mode=", 0) == 0) {
      flags->mode = arg.substr(7);
      if (flags->mode != "all" && flags->mode != "echo" && flags->mode != "floor" &&
          flags->mode != "submit" && flags->mode != "full") {
        return false;
      }
    } else if (arg.rfind("--full_members=", 0) == 0) {
      if (!absl::SimpleAtoi(arg.substr(15), &flags->full_members) ||
          flags->full_members < kMembers) {
        return false;
      }
    } else if (arg.rfind("--full_items=", 0) == 0) {
      if (!absl::SimpleAtoi(arg.substr(13), &flags->full_items) || flags->full_items < 0) {
        return false;
      }
    } else if (arg.rfind("--cache_dir=", 0) == 0) {
      flags->cache_dir = arg.substr(12);
    } else if (arg == "--keep") {
      flags->keep = true;
    } else {
      return false;
    }
  }
  return true;
}

absl::Time BenchNow() {
  return absl::FromCivil(absl::CivilSecond(2026, 11, 23, 12, 0, 0), absl::UTCTimeZone());
}

std::string Cin(int i) { return absl::StrFormat("%08d%c", 20000000 + i, 'A' + i % 26); }

// The directory (3 plans, one ECM provider), and kMembers members covered
// by the plans in turn and assigned to the provider, loaded in one batch.
absl::Status Seed(storage::Store& store, storage::DirectoryStore& directory) {
  hub::v1::Provider provider;
  provider.set_provider_id(kProvider);
  provider.set_npi(absl::StrCat("123456789", std::string(1, NpiCheckDigit("123456789"))));
  provider.set_tin("123456789");
  provider.set_name("Bench CBO");
  provider.add_kinds(hub::v1::PROVIDER_KIND_ECM);
  std::vector<hub::v1::Plan> plans;
  for (const char* id : kPlans) {
    hub::v1::Plan plan;
    plan.set_plan_id(id);
    plan.set_name(id);
    plans.push_back(plan);
    auto* contract = provider.add_contracts();
    contract->set_plan_id(id);
    contract->add_kinds(hub::v1::PROVIDER_KIND_ECM);
  }
  absl::Status seeded = directory.Seed(plans, {provider});
  if (!seeded.ok()) return seeded;
  storage::MemberStore members(&store);
  storage::CoverageIndex coverage(&store);
  storage::CareStore care(&store);
  storage::WriteBatch batch;
  for (int i = 0; i < kMembers; ++i) {
    hub::v1::Member member;
    member.set_cin(Cin(i));
    member.mutable_name()->set_first("Bench");
    member.mutable_name()->set_last(absl::StrCat("Member", i));
    members.Put(batch, member);
    hub::v1::Coverage period;
    period.set_cin(Cin(i));
    period.set_plan_id(kPlans[i % 3]);
    period.set_start_date("2026-01-01");
    coverage.Put(batch, period);
    hub::v1::Assignment assignment;
    assignment.set_cin(Cin(i));
    assignment.set_plan_id(kPlans[i % 3]);
    assignment.set_provider_id(kProvider);
    assignment.add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_ADULT_AVOIDABLE_UTILIZATION);
    assignment.set_benefit_start_date("2026-01-01");
    care.PutAssignment(batch, assignment);
  }
  return store.Commit(batch, storage::Durability::kSync);
}

// Appends to `response` the result the hub would give `submission` accepted
// at `sequence` (the replies of echo and floor are the hub's size).
hub::v1::SubmissionResult* AddAcceptedResult(const hub::v1::Submission& submission,
                                             uint64_t sequence, hub::v1::SubmitResponse* response) {
  hub::v1::SubmissionResult* result = response->add_results();
  result->set_idempotency_key(submission.idempotency_key());
  hub::v1::AcceptedRecord* accepted = result->mutable_accepted();
  accepted->set_record_id("rec_0123456789abcdef");
  accepted->set_plan_id(kPlans[sequence % 3]);
  accepted->set_feed_sequence(sequence);
  accepted->mutable_accept_time()->set_seconds(absl::ToUnixSeconds(BenchNow()));
  return result;
}

// The bare baseline: answers every Submit at once with an equivalent reply.
class EchoService final : public hub::v1::ProviderService::CallbackService {
 public:
  grpc::ServerUnaryReactor* Submit(grpc::CallbackServerContext* context,
                                   const hub::v1::SubmitRequest* request,
                                   hub::v1::SubmitResponse* response) override {
    uint64_t sequence = next_.fetch_add(static_cast<uint64_t>(request->submissions_size()));
    for (const hub::v1::Submission& s : request->submissions()) {
      AddAcceptedResult(s, ++sequence, response);
    }
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  std::atomic<uint64_t> next_{0};
};

// The floor: durability alone. Submit queues the call; one writer thread
// takes every queued call, puts one key per submission (its result under
// its idempotency key) in one WriteBatch, commits it with Durability::kSync
// and answers the calls as the echo does.
class StoreOnlyService final : public hub::v1::ProviderService::CallbackService {
 public:
  StoreOnlyService(storage::Store* store, int keys_per_record)
      : store_(store),
        feed_(store),
        keys_per_record_(keys_per_record),
        writer_([this] { WriterLoop(); }) {}
  ~StoreOnlyService() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_one();
    writer_.join();
  }

  grpc::ServerUnaryReactor* Submit(grpc::CallbackServerContext* context,
                                   const hub::v1::SubmitRequest* request,
                                   hub::v1::SubmitResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back({request, response, reactor});
    }
    cv_.notify_one();
    return reactor;
  }

 private:
  struct Pending {
    const hub::v1::SubmitRequest* request;
    hub::v1::SubmitResponse* response;
    grpc::ServerUnaryReactor* reactor;
  };

  void WriterLoop() {
    std::vector<Pending> group;
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return !queue_.empty() || stopping_; });
        if (queue_.empty()) return;
        group.swap(queue_);
      }
      storage::WriteBatch batch;
      for (const Pending& p : group) {
        for (const hub::v1::Submission& s : p.request->submissions()) {
          const hub::v1::SubmissionResult& result = *AddAcceptedResult(s, ++next_, p.response);
          feed_.PutSubmissionResult(batch, p.request->provider_id(), result);
          // More keys, as the hub's indexes, each in its own key range:
          // appended at its end (k even, as feed items) or at random places
          // (k odd, as record ids).
          for (int k = 1; k < keys_per_record_; ++k) {
            hub::v1::SubmissionResult index = result;
            index.set_idempotency_key(
                k % 2 == 0 ? absl::StrCat(k, ":", absl::Dec(next_, absl::kZeroPad16))
                           : absl::StrCat(k, ":",
                                          absl::Hex(std::hash<std::string>()(s.idempotency_key()),
                                                    absl::kZeroPad16)));
            feed_.PutSubmissionResult(batch, p.request->provider_id(), index);
          }
        }
      }
      const absl::Status committed = store_->Commit(batch, storage::Durability::kSync);
      for (const Pending& p : group) {
        if (!committed.ok()) p.response->clear_results();
        p.reactor->Finish(committed.ok() ? grpc::Status::OK
                                         : grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                                        "the floor's commit failed"));
      }
      group.clear();
    }
  }

  storage::Store* store_;
  storage::FeedStore feed_;
  const int keys_per_record_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Pending> queue_;
  bool stopping_ = false;
  uint64_t next_ = 0;
  std::thread writer_;
};

// Keeps `inflight` Submit calls running for `seconds`.
class Driver {
 public:
  Driver(std::shared_ptr<grpc::Channel> channel, int records, std::string key_prefix)
      : stub_(hub::v1::ProviderService::NewStub(std::move(channel))),
        records_(records),
        key_prefix_(std::move(key_prefix)) {}

  struct Result {
    int64_t calls = 0;
    int64_t failed = 0;
    int64_t accepted_records = 0;
    double seconds = 0;
    // Submit modes: the feed indexer's lag (items) at most and at the end
    // of the timed run, and how long it took to index the rest after it.
    int64_t max_index_lag = -1;
    int64_t end_index_lag = 0;
    double drain_seconds = 0;
  };

  // Counts only the calls of this run (a warm-up run's are not carried over).
  Result Run(int inflight, double seconds) {
    completed_ = 0;
    failed_ = 0;
    accepted_ = 0;
    const auto start = std::chrono::steady_clock::now();
    deadline_ = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(seconds));
    active_ = inflight;
    for (int i = 0; i < inflight; ++i) StartCall();
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return active_ == 0; });
    Result result;
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.calls = completed_.load();
    result.failed = failed_.load();
    result.accepted_records = accepted_.load();
    return result;
  }

 private:
  struct Call {
    grpc::ClientContext context;
    hub::v1::SubmitRequest request;
    hub::v1::SubmitResponse response;
  };

  void StartCall() {
    auto* call = new Call;
    call->request.set_provider_id(kProvider);
    for (int r = 0; r < records_; ++r) {
      const int64_t n = next_key_.fetch_add(1);
      hub::v1::Submission* s = call->request.add_submissions();
      s->set_idempotency_key(absl::StrCat(key_prefix_, n));
      hub::v1::ServiceRecord* svc = s->mutable_service();
      svc->set_cin(Cin(static_cast<int>(n % kMembers)));
      svc->set_service_date("2026-11-10");
      svc->set_hcpcs_code("G9008");
      svc->add_modifiers("U1");
      svc->set_units(1);
      svc->set_place_of_service("12");
      svc->set_in_person(true);
      svc->set_staff_type(hub::v1::STAFF_TYPE_CLINICAL);
      svc->add_diagnosis_codes("Z59.00");
      svc->set_charge_cents(12500);
    }
    call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    stub_->async()->Submit(&call->context, &call->request, &call->response,
                           [this, call](grpc::Status status) {
                             if (status.ok()) {
                               completed_.fetch_add(1);
                               int64_t accepted = 0;
                               for (const auto& r : call->response.results()) {
                                 accepted += r.has_accepted() ? 1 : 0;
                               }
                               accepted_.fetch_add(accepted);
                             } else {
                               failed_.fetch_add(1);
                             }
                             delete call;
                             if (std::chrono::steady_clock::now() < deadline_) {
                               StartCall();
                             } else {
                               std::lock_guard<std::mutex> lock(mu_);
                               if (--active_ == 0) cv_.notify_all();
                             }
                           });
  }

  std::unique_ptr<hub::v1::ProviderService::Stub> stub_;
  const int records_;
  const std::string key_prefix_;
  std::chrono::steady_clock::time_point deadline_;
  std::atomic<int64_t> next_key_{0};
  std::atomic<int64_t> completed_{0};
  std::atomic<int64_t> failed_{0};
  std::atomic<int64_t> accepted_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  int active_ = 0;
};

std::unique_ptr<grpc::Server> Serve(grpc::Service* service, int* port) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), port);
  builder.RegisterService(service);
  return builder.BuildAndStart();
}

void PrintResult(const char* name, const Driver::Result& r, int records) {
  std::printf("  %-7s %8.0f calls/s %10.0f records/s  (%lld calls in %.1f s, %lld failed)\n", name,
              r.calls / r.seconds, r.calls * records / r.seconds, static_cast<long long>(r.calls),
              r.seconds, static_cast<long long>(r.failed));
  if (r.max_index_lag >= 0) {
    std::printf(
        "          index lag: max %lld items (%.3f s of records), %lld at the end, indexed %.3f s "
        "later\n",
        static_cast<long long>(r.max_index_lag),
        r.max_index_lag / std::max(1.0, r.calls * records / r.seconds),
        static_cast<long long>(r.end_index_lag), r.drain_seconds);
  }
}

// Drives `service` on its own in-process server: a warm-up, then the timed run.
Driver::Result Drive(grpc::Service* service, const Flags& flags, const std::string& key_prefix) {
  int port = 0;
  std::unique_ptr<grpc::Server> server = Serve(service, &port);
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
  Driver driver(channel, flags.records, key_prefix);
  driver.Run(flags.inflight, std::min(1.0, flags.seconds));  // Warm-up.
  Driver::Result result = driver.Run(flags.inflight, flags.seconds);
  server->Shutdown();
  server->Wait();
  return result;
}

absl::StatusOr<Driver::Result> RunEcho(const Flags& flags, const std::string& /*root*/) {
  EchoService echo;
  return Drive(&echo, flags, "echo-");
}

absl::StatusOr<std::unique_ptr<storage::Store>> OpenStore(const std::string& dir) {
  storage::StoreOptions options;
  options.data_dir = dir;
  return storage::Store::Open(options);
}

absl::StatusOr<Driver::Result> RunFloor(const Flags& flags, const std::string& root) {
  absl::StatusOr<std::unique_ptr<storage::Store>> store = OpenStore(root + "/floor");
  if (!store.ok()) return store.status();
  Driver::Result result;
  {
    StoreOnlyService floor(store->get(), flags.floor_keys);
    result = Drive(&floor, flags, "floor-");
  }
  if (absl::Status closed = (*store)->Close(); !closed.ok()) return closed;
  return result;
}

// Drives the real Submit path on `store` (seeded): a warm-up of
// `warmup_seconds`, then the timed run.
absl::StatusOr<Driver::Result> DriveSubmit(storage::Store& store, const Flags& flags,
                                           const std::string& spool, const std::string& prefix,
                                           double warmup_seconds) {
  storage::DirectoryStore directory(&store);
  absl::StatusOr<std::unique_ptr<ReferenceTables>> reference =
      ReferenceTables::LoadDir(std::string(HUB_SOURCE_DIR) + "/data/reference");
  if (!reference.ok()) return reference.status();
  storage::FeedStore feed(&store);
  // The feed indexer follows the feeds as in hubd.
  FeedIndexerOptions indexer_options;
  indexer_options.clock = absl::Now;
  FeedIndexer indexer(&feed, std::move(indexer_options));
  if (absl::Status started = indexer.Start(); !started.ok()) return started;
  SubmitPipelineOptions pipeline_options;
  pipeline_options.clock = BenchNow;
  pipeline_options.on_feed_appended = [&indexer](const std::string&) { indexer.Poke(); };
  SubmitPipeline pipeline(&store, &directory, &feed, reference->get(), std::move(pipeline_options));
  ProviderServiceOptions service_options;
  (void)spool;  // Uploads spool in hubd's spool folder, not used here.
  service_options.clock = BenchNow;
  ProviderService service(&directory, &feed, &pipeline, std::move(service_options));
  int port = 0;
  std::unique_ptr<grpc::Server> server = Serve(&service, &port);
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
  Driver driver(channel, flags.records, prefix);
  if (warmup_seconds > 0) driver.Run(flags.inflight, warmup_seconds);
  // The indexer's lag, sampled every 10 ms during the timed run.
  std::atomic<bool> sampling{true};
  std::atomic<int64_t> max_lag{0};
  std::thread sampler([&] {
    while (sampling.load()) {
      const int64_t lag = feed.IndexLag().items;
      if (lag > max_lag.load()) max_lag.store(lag);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  Driver::Result result = driver.Run(flags.inflight, flags.seconds);
  sampling.store(false);
  sampler.join();
  result.max_index_lag = max_lag.load();
  result.end_index_lag = feed.IndexLag().items;
  const auto drain_start = std::chrono::steady_clock::now();
  while (feed.IndexLag().items > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  result.drain_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - drain_start).count();
  server->Shutdown();
  server->Wait();
  if (result.accepted_records != result.calls * flags.records) {
    return absl::InternalError(absl::StrCat("only ", result.accepted_records, " of ",
                                            result.calls * flags.records,
                                            " records were accepted"));
  }
  return result;
}

absl::StatusOr<Driver::Result> RunSubmit(const Flags& flags, const std::string& root) {
  absl::StatusOr<std::unique_ptr<storage::Store>> store = OpenStore(root + "/data");
  if (!store.ok()) return store.status();
  storage::DirectoryStore directory(store->get());
  if (absl::Status seeded = Seed(**store, directory); !seeded.ok()) return seeded;
  absl::StatusOr<Driver::Result> result =
      DriveSubmit(**store, flags, root, "rec-", std::min(1.0, flags.seconds));
  if (absl::Status closed = (*store)->Close(); !closed.ok()) return closed;
  return result;
}

// Full-store members beyond the bench's own: CINs spread over the CIN space
// (an affine bijection mod 10^8), never one of Cin(0..kMembers), each
// covered by a plan and assigned to an ECM provider, written in that
// (random) order in large buffered batches.
absl::Status AddFullMembers(storage::Store& store, int64_t count) {
  storage::MemberStore members(&store);
  storage::CoverageIndex coverage(&store);
  storage::CareStore care(&store);
  storage::WriteBatch batch;
  int64_t added = 0;
  for (uint64_t i = 0; added < count; ++i) {
    const uint64_t number = (54'435'761 * i + 12'345'679) % 100'000'000;
    if (number >= 20'000'000 && number < 20'000'000 + kMembers) continue;
    const std::string cin = absl::StrFormat("%08d%c", number, static_cast<char>('A' + i % 26));
    hub::v1::Member member;
    member.set_cin(cin);
    member.mutable_name()->set_first(absl::StrCat("First", i % 9973));
    member.mutable_name()->set_last(absl::StrCat("Last", i % 99991));
    member.set_date_of_birth("1980-01-01");
    member.mutable_address()->set_line1(absl::StrCat(i % 9999, " Market St"));
    member.mutable_address()->set_city("San Diego");
    member.mutable_address()->set_zip("92101");
    members.Put(batch, member);
    hub::v1::Coverage period;
    period.set_cin(cin);
    period.set_plan_id(kPlans[i % 3]);
    period.set_start_date("2026-01-01");
    coverage.Put(batch, period);
    hub::v1::Assignment assignment;
    assignment.set_cin(cin);
    assignment.set_plan_id(kPlans[i % 3]);
    assignment.set_provider_id(kProvider);
    assignment.add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_ADULT_AVOIDABLE_UTILIZATION);
    assignment.set_benefit_start_date("2026-01-01");
    care.PutAssignment(batch, assignment);
    if (++added % 20000 == 0) {
      if (absl::Status s = store.Commit(batch, storage::Durability::kBuffered); !s.ok()) return s;
    }
  }
  return store.Commit(batch, storage::Durability::kSync);
}

// The full store, built once into --cache_dir: the bench's directory and
// members, --full_members members in all, then --full_items feed items
// stored through the real Submit path (100 records per call).
absl::StatusOr<std::string> EnsureFullStore(const Flags& flags) {
  const std::string dir =
      absl::StrCat(flags.cache_dir, "/submit-v1-m", flags.full_members, "-i", flags.full_items);
  if (fs::exists(dir + "/COMPLETE")) return dir;
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  const auto started = std::chrono::steady_clock::now();
  absl::StatusOr<std::unique_ptr<storage::Store>> store = OpenStore(dir + "/data");
  if (!store.ok()) return store.status();
  storage::DirectoryStore directory(store->get());
  if (absl::Status s = Seed(**store, directory); !s.ok()) return s;
  if (absl::Status s = AddFullMembers(**store, flags.full_members - kMembers); !s.ok()) return s;
  Flags fill = flags;
  fill.records = 100;
  fill.seconds = static_cast<double>(flags.full_items) / 40000.0;
  int64_t stored = 0;
  for (int pass = 0; stored < flags.full_items; ++pass) {
    fill.seconds = std::max(1.0, static_cast<double>(flags.full_items - stored) / 50000.0);
    absl::StatusOr<Driver::Result> filled =
        DriveSubmit(**store, fill, dir, absl::StrCat("fill", pass, "-"), 0);
    if (!filled.ok()) return filled.status();
    stored += filled->accepted_records;
    std::printf("  full store: %lld of %lld feed items\n", static_cast<long long>(stored),
                static_cast<long long>(flags.full_items));
  }
  if (absl::Status s = (*store)->Close(); !s.ok()) return s;
  std::ofstream(dir + "/COMPLETE")
      << "members " << flags.full_members << " items " << stored << "\n";
  std::printf("built %s in %.0f s\n", dir.c_str(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return dir;
}

// Submit on a checkpoint (hard links) of the cached full store, with a
// longer warm-up (the cache starts cold on a store 10x its size).
absl::StatusOr<Driver::Result> RunFull(const Flags& flags, const std::string& root) {
  absl::StatusOr<std::string> cached = EnsureFullStore(flags);
  if (!cached.ok()) return cached.status();
  {
    absl::StatusOr<std::unique_ptr<storage::Store>> store = OpenStore(*cached + "/data");
    if (!store.ok()) return store.status();
    std::error_code ec;
    fs::create_directories(root, ec);
    absl::StatusOr<storage::CheckpointInfo> checkpoint = (*store)->CreateCheckpoint(root + "/full");
    if (!checkpoint.ok()) return checkpoint.status();
    if (absl::Status s = (*store)->Close(); !s.ok()) return s;
  }
  absl::StatusOr<std::unique_ptr<storage::Store>> store = OpenStore(root + "/full");
  if (!store.ok()) return store.status();
  absl::StatusOr<Driver::Result> result =
      DriveSubmit(**store, flags, root, "full-", std::max(1.0, flags.seconds));
  if (absl::Status closed = (*store)->Close(); !closed.ok()) return closed;
  return result;
}

double Qps(const Driver::Result& r) { return r.calls / r.seconds; }

int Main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) {
    std::fprintf(stderr,
                 "usage: submit_bench [--seconds=S] [--inflight=N] [--records=R] [--rounds=K] "
                 "[--mode=all|echo|floor|submit|full] [--floor_keys=F] [--keep] "
                 "[--full_members=N] [--full_items=N] [--cache_dir=DIR]\n");
    return 2;
  }
  std::string root_pattern = (fs::temp_directory_path() / "submit_bench_XXXXXX").string();
  if (mkdtemp(root_pattern.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::string root = root_pattern;
  std::printf(
      "submit_bench: %d calls in flight, %d service records per call, %.1f s per run, "
      "%d rounds, data in %s\n",
      flags.inflight, flags.records, flags.seconds, flags.rounds, root.c_str());
  const bool all = flags.mode == "all";

  // The modes in the order each round runs them, with their rates.
  struct Mode {
    const char* name;
    absl::StatusOr<Driver::Result> (*run)(const Flags&, const std::string& root);
    std::vector<double> qps;
  };
  Mode modes[] = {{"echo", RunEcho, {}},
                  {"floor", RunFloor, {}},
                  {"submit", RunSubmit, {}},
                  {"full", RunFull, {}}};
  if (flags.mode == "full" && flags.full_items == 0) flags.full_items = 5'000'000;
  for (int round = 1; round <= flags.rounds; ++round) {
    std::printf("round %d\n", round);
    const std::string dir = absl::StrCat(root, "/round", round);
    for (Mode& mode : modes) {
      const bool full = std::string(mode.name) == "full";
      if (!all && flags.mode != mode.name) continue;
      if (all && full && flags.full_items == 0) continue;
      absl::StatusOr<Driver::Result> run = mode.run(flags, dir);
      if (!run.ok()) {
        std::fprintf(stderr, "submit_bench: %s: %s\n", mode.name, run.status().ToString().c_str());
        return 1;
      }
      PrintResult(mode.name, *run, flags.records);
      mode.qps.push_back(Qps(*run));
    }
  }
  const std::vector<double>& echo_qps = modes[0].qps;
  const std::vector<double>& floor_qps = modes[1].qps;
  const std::vector<double>& submit_qps = modes[2].qps;
  const std::vector<double>& full_qps = modes[3].qps;
  // Noise only slows a run down (on this VM the echo has a slow mode about a
  // third below its usual rate), so the headline compares each mode's best
  // round; the medians follow.
  auto best = [](const std::vector<double>& v) {
    return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end());
  };
  for (const char* what : {"best", "median"}) {
    const bool is_best = std::string(what) == "best";
    auto pick = [&](const std::vector<double>& v) { return is_best ? best(v) : bench::Median(v); };
    std::printf("%-6s of %d rounds:", what, flags.rounds);
    for (const Mode& mode : modes) {
      if (!mode.qps.empty()) std::printf(" %s %.0f", mode.name, pick(mode.qps));
    }
    std::printf(" calls/s");
    if (all) {
      std::printf("; floor/echo %.2f, submit/echo %.2f", pick(floor_qps) / pick(echo_qps),
                  pick(submit_qps) / pick(echo_qps));
    }
    std::printf("\n");
  }
  if (all) {
    std::printf("ratio   floor/echo QPS = %.2f (durability alone, %d key%s per record)\n",
                best(floor_qps) / best(echo_qps), flags.floor_keys,
                flags.floor_keys == 1 ? "" : "s");
    std::printf("ratio   submit/echo QPS = %.2f (target >= 0.60)\n",
                best(submit_qps) / best(echo_qps));
  }
  if (!full_qps.empty() && !submit_qps.empty()) {
    std::printf(
        "ratio   full/empty store Submit QPS = %.2f best, %.2f median (%lld members, %lld feed "
        "items; target >= 0.80)\n",
        best(full_qps) / best(submit_qps), bench::Median(full_qps) / bench::Median(submit_qps),
        static_cast<long long>(flags.full_members), static_cast<long long>(flags.full_items));
  }
  if (!flags.keep) {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  return 0;
}

}  // namespace
}  // namespace hub

int main(int argc, char** argv) {
  hub::ConfigureProcess();
  return hub::Main(argc, argv);
}
