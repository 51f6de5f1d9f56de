// How fast does a plan pull its feed, compared with the cheapest possible
// server stream of the same messages?
//
//   pull_feed_bench [--items=N] [--rounds=R] [--keep]
//
// hub:  N service records (realistic FeedItems, ~250 bytes) in one plan's
//       feed, stored with FeedStore, served by an in-process HubServer's
//       PlanService.PullFeed (storage pages of 128, one write in flight,
//       flow-controlled) over a loopback channel; the client reads all N.
// bare: the same N PullFeedResponse messages held in memory, served by a
//       minimal callback PlanService whose PullFeed reactor writes them one
//       at a time (the standard callback streaming pattern), same channel
//       settings, same client loop.
// Each side runs R rounds, alternating; the best round of each is reported
// as records/s and MiB/s with their ratio (target: hub >= 0.8x bare), and
// the medians of the rounds.
#include <grpcpp/grpcpp.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/bench_stats.h"
#include "hub/server/server.h"
#include "hub/v1/plan_service.grpc.pb.h"
#include "storage/feed_store.h"
#include "storage/store.h"

namespace hub {
namespace {

namespace fs = std::filesystem;

constexpr char kPlanId[] = "bench_plan";

struct Flags {
  int items = 200000;
  int rounds = 3;
  bool keep = false;
};

bool ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--items=", 0) == 0) {
      if (!absl::SimpleAtoi(arg.substr(8), &flags->items) || flags->items <= 0) return false;
    } else if (arg.rfind("--rounds=", 0) == 0) {
      if (!absl::SimpleAtoi(arg.substr(9), &flags->rounds) || flags->rounds <= 0) return false;
    } else if (arg == "--keep") {
      flags->keep = true;
    } else {
      return false;
    }
  }
  return true;
}

// Item i: a plausible ECM service line (synthetic, deterministic).
hub::v1::FeedItem MakeItem(int i) {
  hub::v1::FeedItem item;
  item.set_record_id(absl::StrFormat("rec_%016x", static_cast<uint64_t>(i) * 2654435761u));
  item.set_provider_id(absl::StrCat("provider_", i % 20));
  item.set_provider_npi("1234567893");
  item.set_kind(hub::v1::RECORD_KIND_SERVICE);
  item.mutable_accept_time()->set_seconds(1795000000 + i);
  hub::v1::Submission* s = item.mutable_submission();
  s->set_idempotency_key(absl::StrCat("svc-2026-", i));
  hub::v1::ServiceRecord* r = s->mutable_service();
  r->set_cin(absl::StrFormat("9%07dB", i % 10000000));
  r->set_service_date("2026-10-14");
  r->set_hcpcs_code("G9008");
  r->add_modifiers("U1");
  r->set_units(1);
  r->set_place_of_service("12");
  r->set_in_person(true);
  r->set_staff_type(hub::v1::STAFF_TYPE_NON_CLINICAL);
  r->add_diagnosis_codes("Z59.00");
  r->set_charge_cents(12500);
  return item;
}

absl::Status FillFeed(const std::string& data_dir, int items) {
  storage::StoreOptions options;
  options.data_dir = data_dir;
  auto store = storage::Store::Open(options);
  if (!store.ok()) return store.status();
  storage::FeedStore feed(store->get());
  storage::WriteBatch batch;
  for (int i = 0; i < items; ++i) {
    hub::v1::FeedItem item = MakeItem(i);
    auto seq = feed.AppendItem(batch, kPlanId, item, item.submission().idempotency_key());
    if (!seq.ok()) return seq.status();
    if (batch.Count() >= 20000 || i + 1 == items) {
      if (absl::Status s = (*store)->Commit(batch, storage::Durability::kBuffered); !s.ok()) {
        return s;
      }
      feed.CommitAppends();
    }
  }
  if (absl::Status s = (*store)->SyncWal(); !s.ok()) return s;
  return (*store)->Close();
}

// ------------------------------------------------------------ bare server

class BarePullReactor final : public grpc::ServerWriteReactor<hub::v1::PullFeedResponse> {
 public:
  explicit BarePullReactor(const std::vector<hub::v1::PullFeedResponse>* messages)
      : messages_(messages) {
    Next();
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
      return;
    }
    Next();
  }
  void OnDone() override { delete this; }

 private:
  void Next() {
    if (index_ == messages_->size()) {
      Finish(grpc::Status::OK);
      return;
    }
    StartWrite(&(*messages_)[index_++]);
  }
  const std::vector<hub::v1::PullFeedResponse>* messages_;
  size_t index_ = 0;
};

class BarePlanService final : public hub::v1::PlanService::CallbackService {
 public:
  explicit BarePlanService(int items) {
    messages_.reserve(static_cast<size_t>(items));
    for (int i = 0; i < items; ++i) {
      hub::v1::PullFeedResponse& r = messages_.emplace_back();
      *r.mutable_item() = MakeItem(i);
      r.mutable_item()->set_sequence(static_cast<uint64_t>(i) + 1);
      r.set_head_sequence(static_cast<uint64_t>(items));
    }
  }
  grpc::ServerWriteReactor<hub::v1::PullFeedResponse>* PullFeed(
      grpc::CallbackServerContext* /*context*/,
      const hub::v1::PullFeedRequest* /*request*/) override {
    return new BarePullReactor(&messages_);
  }

 private:
  std::vector<hub::v1::PullFeedResponse> messages_;
};

// ----------------------------------------------------------------- client

struct Round {
  double seconds = 0;
  int64_t items = 0;
  int64_t bytes = 0;
  bool ok = false;
};

Round PullAll(const std::shared_ptr<grpc::Channel>& channel, int expected) {
  auto stub = hub::v1::PlanService::NewStub(channel);
  grpc::ClientContext context;
  hub::v1::PullFeedRequest request;
  request.set_plan_id(kPlanId);
  Round round;
  const auto start = std::chrono::steady_clock::now();
  auto reader = stub->PullFeed(&context, request);
  hub::v1::PullFeedResponse response;
  uint64_t next = 1;
  bool in_order = true;
  while (reader->Read(&response)) {
    in_order = in_order && response.item().sequence() == next;
    ++next;
    ++round.items;
    round.bytes += static_cast<int64_t>(response.ByteSizeLong());
  }
  grpc::Status status = reader->Finish();
  round.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  round.ok = status.ok() && in_order && round.items == expected;
  if (!round.ok) {
    std::fprintf(stderr, "pull failed: %s (%lld items, in order %d)\n",
                 status.error_message().c_str(), static_cast<long long>(round.items), in_order);
  }
  return round;
}

int Main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) {
    std::fprintf(stderr, "usage: pull_feed_bench [--items=N] [--rounds=R] [--keep]\n");
    return 2;
  }
  std::string pattern = (fs::temp_directory_path() / "pull_feed_bench_XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    std::fprintf(stderr, "cannot create a temp folder\n");
    return 1;
  }
  const std::string root = pattern;

  std::printf("filling a feed of %d items...\n", flags.items);
  if (absl::Status s = FillFeed(root + "/data", flags.items); !s.ok()) {
    std::fprintf(stderr, "fill: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  {
    std::ofstream seed(root + "/seed.textproto");
    seed << "plans { plan_id: \"" << kPlanId << "\" name: \"Bench Plan\" county: \"San Diego\" }\n";
  }
  HubServer::Options options;
  options.listen_address = "127.0.0.1:0";
  options.data_dir = root + "/data";
  options.seed_path = root + "/seed.textproto";
  auto hub = HubServer::Start(options);
  if (!hub.ok()) {
    std::fprintf(stderr, "hub: %s\n", std::string(hub.status().message()).c_str());
    return 1;
  }
  BarePlanService bare_service(flags.items);
  grpc::ServerBuilder builder;
  int bare_port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &bare_port);
  builder.RegisterService(&bare_service);
  std::unique_ptr<grpc::Server> bare = builder.BuildAndStart();
  if (bare == nullptr || bare_port == 0) {
    std::fprintf(stderr, "cannot start the bare server\n");
    return 1;
  }
  auto hub_channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*hub)->port()),
                                         grpc::InsecureChannelCredentials());
  auto bare_channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", bare_port),
                                          grpc::InsecureChannelCredentials());

  Round best_hub, best_bare;
  std::vector<double> hub_rates, bare_rates;
  for (int r = 0; r < flags.rounds; ++r) {
    Round b = PullAll(bare_channel, flags.items);
    Round h = PullAll(hub_channel, flags.items);
    if (!b.ok || !h.ok) return 1;
    std::printf("round %d: bare %.0f records/s, hub %.0f records/s\n", r + 1, b.items / b.seconds,
                h.items / h.seconds);
    bare_rates.push_back(b.items / b.seconds);
    hub_rates.push_back(h.items / h.seconds);
    if (best_bare.seconds == 0 || b.seconds < best_bare.seconds) best_bare = b;
    if (best_hub.seconds == 0 || h.seconds < best_hub.seconds) best_hub = h;
  }
  const double hub_rate = best_hub.items / best_hub.seconds;
  const double bare_rate = best_bare.items / best_bare.seconds;
  std::printf("\nPullFeed, %d items of %.0f bytes, best of %d rounds:\n", flags.items,
              static_cast<double>(best_hub.bytes) / best_hub.items, flags.rounds);
  std::printf("  bare stream from memory  %10.0f records/s  %7.1f MiB/s\n", bare_rate,
              best_bare.bytes / best_bare.seconds / 1048576.0);
  std::printf("  hub PullFeed (RocksDB)   %10.0f records/s  %7.1f MiB/s\n", hub_rate,
              best_hub.bytes / best_hub.seconds / 1048576.0);
  std::printf("  ratio hub/bare           %10.2fx (target >= 0.80x)\n", hub_rate / bare_rate);
  const double hub_median = bench::Median(hub_rates);
  const double bare_median = bench::Median(bare_rates);
  std::printf("  medians: bare %.0f, hub %.0f records/s, ratio %.2fx\n", bare_median, hub_median,
              hub_median / bare_median);

  bare->Shutdown();
  (*hub)->Shutdown(absl::Seconds(5)).IgnoreError();
  if (!flags.keep) {
    std::error_code ec;
    fs::remove_all(root, ec);
  } else {
    std::printf("kept %s\n", root.c_str());
  }
  return 0;
}

}  // namespace
}  // namespace hub

int main(int argc, char** argv) {
  hub::ConfigureProcess();
  return hub::Main(argc, argv);
}
