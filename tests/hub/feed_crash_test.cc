// Crash test of the submit -> feed -> pull/ack path (design.md invariants
// 1-3): a child hubd (HUBD_PATH) takes concurrent Submit load and two
// followers pull and ack its plans' feeds; the test SIGKILLs it at
// pseudo-random moments (a count of accepted records drawn from a fixed
// seed: never a timer), restarts it on the same data, resubmits every key
// whose call failed (idempotency makes that safe), and after the last trial
// checks the store itself:
//   - every key ever answered "accepted" is in exactly one feed, once, in the
//     plan and at the sequence its result named, with its record id;
//   - every feed is 1..head without gaps, and holds nothing else;
//   - a cursor never went backwards, and no item at or below an
//     acknowledged cursor was ever delivered again (checked live);
//   - every accepted key, submitted again after the last restart, replays
//     its first result and adds nothing;
//   - the derived indexes (record locations, providers' listings, export
//     index, idempotency results) equal a rebuild from the feeds.
// Odd trials run hubd without the feed indexer's thread, so the kill lands
// between the acknowledgement and the indexer for everything past the last
// Ack: the next start must apply those tails.
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "hub/v1/plan_service.grpc.pb.h"
#include "hub/v1/provider_service.grpc.pb.h"
#include "storage/feed_store.h"
#include "storage/store.h"
#include "tests/hub/feed_test_util.h"
#include "tests/hub/hub_test_util.h"

#ifndef HUBD_PATH
#error "HUBD_PATH must name the hubd binary"
#endif

namespace hub {
namespace {

// CI runs kTrials trials from kSeed. A longer soak, or other kill moments:
//   HUB_CRASH_TRIALS=100 HUB_CRASH_SEED=7 build/tests/hub/hub_feed_crash_test
constexpr uint32_t kSeed = 20261123;
constexpr int kTrials = 5;
constexpr int kSubmitThreads = 4;
constexpr int kRecordsPerCall = 4;
constexpr int kMembers = 50;
// Kill after this many records were answered accepted in the trial.
constexpr int kMinKillAfter = 40;
constexpr int kMaxKillAfter = 400;
// Followers ack every this many items (and whenever they reach the head).
constexpr int kAckEvery = 7;
const char* const kPlans[] = {"molina", "chg"};

constexpr auto kCrashPollInterval = std::chrono::milliseconds(20);
constexpr int kCrashMaxPolls = 1500;  // 30 s.

class Hubd {
 public:
  // `follow_index` false: hubd runs without the feed indexer's thread.
  Hubd(const std::string& root, int run, bool follow_index = true) : port_file_(root + "/port") {
    std::filesystem::remove(port_file_);
    log_ = absl::StrCat(root, "/hubd-", run, ".log");
    std::vector<std::string> args = {HUBD_PATH,
                                     "--listen=127.0.0.1:0",
                                     "--insecure_loopback",
                                     "--data_dir=" + root + "/data",
                                     "--seed=" + root + "/seed.textproto",
                                     "--port_file=" + port_file_};
    if (!follow_index) args.push_back("--feed_indexer_thread=false");
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      const int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) dup2(fd, STDERR_FILENO);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~Hubd() {
    if (pid_ > 0 && !exited_) Kill();
  }

  // The port once hubd listens; 0 if it died or took too long.
  int WaitForPort() {
    for (int i = 0; i < kCrashMaxPolls; ++i) {
      int port = 0;
      if (std::filesystem::exists(port_file_) &&
          absl::SimpleAtoi(absl::StripAsciiWhitespace(testing::ReadFile(port_file_)), &port) &&
          port > 0) {
        return port;
      }
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return 0;
      }
      std::this_thread::sleep_for(kCrashPollInterval);
    }
    return 0;
  }

  void Kill() {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    exited_ = true;
  }

  // SIGTERM; the exit code (-signal if killed).
  int Stop() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    exited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }

  const std::string& log() const { return log_; }

 private:
  std::string port_file_;
  std::string log_;
  pid_t pid_ = -1;
  bool exited_ = false;
};

struct Accepted {
  std::string plan_id;
  std::string record_id;
  uint64_t sequence = 0;
};

// State shared by the submitters, the followers and the test across trials.
struct World {
  absl::Mutex mu;
  // Keys to (re)submit first: their last call failed or they are new.
  std::vector<int> pending ABSL_GUARDED_BY(mu);
  int next_key ABSL_GUARDED_BY(mu) = 0;
  std::map<int, Accepted> accepted ABSL_GUARDED_BY(mu);
  int accepted_this_trial ABSL_GUARDED_BY(mu) = 0;
  int64_t submit_calls_ok ABSL_GUARDED_BY(mu) = 0;
  int64_t submit_calls_failed ABSL_GUARDED_BY(mu) = 0;
  int64_t replayed ABSL_GUARDED_BY(mu) = 0;
  std::vector<std::string> errors ABSL_GUARDED_BY(mu);
  std::atomic<bool> stop{false};

  void Error(std::string what) {
    absl::MutexLock lock(&mu);
    if (errors.size() < 20) errors.push_back(std::move(what));
  }
};

std::string KeyName(int key) { return absl::StrCat("crash-", key); }

hub::v1::Submission SubmissionFor(int key) {
  return testing::OutreachSubmission(KeyName(key), testing::FeedCin(key % kMembers),
                                     key % 3 == 0 ? testing::kChgDay : testing::kMolinaDay);
}

void SubmitLoop(World& world, const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = hub::v1::ProviderService::NewStub(channel);
  while (!world.stop.load()) {
    std::vector<int> keys;
    {
      absl::MutexLock lock(&world.mu);
      while (keys.size() < kRecordsPerCall && !world.pending.empty()) {
        keys.push_back(world.pending.back());
        world.pending.pop_back();
      }
      while (keys.size() < kRecordsPerCall) keys.push_back(world.next_key++);
    }
    hub::v1::SubmitRequest request;
    request.set_provider_id("alpha_cbo");
    for (int key : keys) *request.add_submissions() = SubmissionFor(key);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    hub::v1::SubmitResponse response;
    grpc::Status status = stub->Submit(&context, request, &response);
    absl::MutexLock lock(&world.mu);
    if (!status.ok()) {
      // Killed mid-call (or before): the outcome is unknown; resubmit later.
      ++world.submit_calls_failed;
      for (int key : keys) world.pending.push_back(key);
      if (status.error_code() != grpc::StatusCode::UNAVAILABLE &&
          status.error_code() != grpc::StatusCode::CANCELLED && !world.stop.load()) {
        world.errors.push_back(absl::StrCat("Submit: ", status.error_message()));
      }
      continue;
    }
    ++world.submit_calls_ok;
    if (response.results_size() != static_cast<int>(keys.size())) {
      world.errors.push_back("Submit answered a wrong number of results");
      continue;
    }
    for (size_t i = 0; i < keys.size(); ++i) {
      const hub::v1::SubmissionResult& r = response.results(static_cast<int>(i));
      if (!r.has_accepted()) {
        world.errors.push_back(absl::StrCat("key ", keys[i], " rejected: ", r.ShortDebugString()));
        continue;
      }
      if (r.replayed()) ++world.replayed;
      Accepted a{r.accepted().plan_id(), r.accepted().record_id(), r.accepted().feed_sequence()};
      auto [it, fresh] = world.accepted.emplace(keys[i], a);
      if (!fresh && (it->second.record_id != a.record_id || it->second.plan_id != a.plan_id ||
                     it->second.sequence != a.sequence)) {
        world.errors.push_back(absl::StrCat("key ", keys[i], " answered differently twice"));
      }
      if (fresh) ++world.accepted_this_trial;
    }
  }
}

// One plan's follower state, kept across trials.
struct Follower {
  std::string plan_id;
  // The cursor the hub confirmed last (an Ack response).
  uint64_t confirmed = 0;
  // An Ack whose answer was lost to a kill (0 = none): it may have committed.
  uint64_t unconfirmed = 0;
  // Every record id delivered, by sequence: a repeat must carry the same id.
  std::map<uint64_t, std::string> seen;
  int64_t delivered = 0;
  int64_t redelivered = 0;
  int64_t acks = 0;
};

void FollowLoop(World& world, Follower& f, const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = hub::v1::PlanService::NewStub(channel);
  auto ack = [&](uint64_t through) -> bool {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    hub::v1::AckRequest request;
    request.set_plan_id(f.plan_id);
    request.set_through_sequence(through);
    hub::v1::AckResponse response;
    f.unconfirmed = std::max(f.unconfirmed, through);
    grpc::Status status = stub->Ack(&context, request, &response);
    if (!status.ok()) return false;
    if (response.cursor() < f.confirmed) {
      world.Error(absl::StrCat(f.plan_id, ": cursor went back from ", f.confirmed, " to ",
                               response.cursor()));
    }
    f.confirmed = response.cursor();
    f.unconfirmed = 0;
    ++f.acks;
    return true;
  };
  // Where the hub's cursor is now: the confirmed one, or a lost Ack's.
  {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    hub::v1::AckRequest request;
    request.set_plan_id(f.plan_id);
    hub::v1::AckResponse response;
    if (!stub->Ack(&context, request, &response).ok()) return;
    if (response.cursor() != f.confirmed &&
        !(f.unconfirmed != 0 && response.cursor() == f.unconfirmed)) {
      world.Error(absl::StrCat(f.plan_id, ": cursor after restart is ", response.cursor(),
                               ", expected ", f.confirmed, " or ", f.unconfirmed));
    }
    f.confirmed = response.cursor();
    f.unconfirmed = 0;
  }
  while (!world.stop.load()) {
    grpc::ClientContext context;
    hub::v1::PullFeedRequest request;
    request.set_plan_id(f.plan_id);
    request.set_follow(true);
    auto reader = stub->PullFeed(&context, request);
    hub::v1::PullFeedResponse response;
    uint64_t previous = 0;
    int since_ack = 0;
    while (reader->Read(&response)) {
      const uint64_t seq = response.item().sequence();
      const uint64_t expected = previous == 0 ? f.confirmed + 1 : previous + 1;
      if (seq != expected) {
        world.Error(absl::StrCat(f.plan_id, ": delivered ", seq, " after ",
                                 previous == 0 ? f.confirmed : previous, " (expected ", expected,
                                 ")"));
      }
      if (seq <= f.confirmed) {
        world.Error(absl::StrCat(f.plan_id, ": re-delivered acknowledged item ", seq));
      }
      auto [it, fresh] = f.seen.emplace(seq, response.item().record_id());
      if (!fresh) {
        ++f.redelivered;
        if (it->second != response.item().record_id()) {
          world.Error(absl::StrCat(f.plan_id, ": sequence ", seq, " changed record id"));
        }
      }
      ++f.delivered;
      previous = seq;
      if (++since_ack >= kAckEvery || seq >= response.head_sequence()) {
        if (!ack(seq)) break;
        since_ack = 0;
      }
    }
    context.TryCancel();
    reader->Finish();
  }
}

// The positive integer in the environment variable `name`, `fallback` when
// it is unset; a test failure naming the variable when it is set to
// anything else.
int64_t FromEnvironment(const char* name, int64_t fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr) return fallback;
  int64_t value = 0;
  if (!absl::SimpleAtoi(text, &value) || value <= 0) {
    ADD_FAILURE() << name << " must be a positive integer, not \"" << text << "\"";
    return fallback;
  }
  return value;
}

TEST(FeedCrashTest, AcceptedRecordsSurviveSigkillExactlyOnceInOrderWithAcksKept) {
  const int trials = static_cast<int>(FromEnvironment("HUB_CRASH_TRIALS", kTrials));
  const uint32_t seed = static_cast<uint32_t>(FromEnvironment("HUB_CRASH_SEED", kSeed));
  ASSERT_FALSE(::testing::Test::HasFailure());
  std::printf("%d trials, seed %u\n", trials, seed);
  const std::string root = testing::MakeTempDir();
  testing::WriteFile(root + "/seed.textproto", testing::SmallSeedText());
  ASSERT_TRUE(testing::SeedFeedMembers(root + "/data", kMembers).ok());

  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> kill_after(kMinKillAfter, kMaxKillAfter);
  World world;
  Follower followers[2];
  for (int p = 0; p < 2; ++p) followers[p].plan_id = kPlans[p];

  for (int trial = 0; trial < trials; ++trial) {
    SCOPED_TRACE(absl::StrCat("trial ", trial));
    const int threshold = kill_after(rng);
    Hubd hubd(root, trial, /*follow_index=*/trial % 2 == 0);
    const int port = hubd.WaitForPort();
    ASSERT_GT(port, 0) << testing::ReadFile(hubd.log());
    auto channel =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
    int resubmitted = 0;
    {
      absl::MutexLock lock(&world.mu);
      world.accepted_this_trial = 0;
      resubmitted = static_cast<int>(world.pending.size());
    }
    world.stop.store(false);
    std::vector<std::thread> threads;
    for (int t = 0; t < kSubmitThreads; ++t) {
      threads.emplace_back([&] { SubmitLoop(world, channel); });
    }
    for (Follower& f : followers) {
      threads.emplace_back([&world, &f, &channel] { FollowLoop(world, f, channel); });
    }
    {
      // Wait for the trial's count of accepted records: the kill moment.
      absl::MutexLock lock(&world.mu);
      auto reached = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(world.mu) {
        return world.accepted_this_trial >= threshold || !world.errors.empty();
      };
      world.mu.AwaitWithTimeout(absl::Condition(&reached), absl::Seconds(120));
    }
    world.stop.store(true);
    hubd.Kill();
    for (auto& t : threads) t.join();
    absl::MutexLock lock(&world.mu);
    ASSERT_TRUE(world.errors.empty()) << world.errors.front();
    ASSERT_GE(world.accepted_this_trial, threshold) << "the load stalled";
    std::printf(
        "trial %d: killed after %d accepted records (threshold %d); %d keys resubmitted at start, "
        "%zu keys in doubt at the kill; cursors molina %llu chg %llu\n",
        trial, world.accepted_this_trial, threshold, resubmitted, world.pending.size(),
        static_cast<unsigned long long>(followers[0].confirmed),
        static_cast<unsigned long long>(followers[1].confirmed));
  }

  // Last start: every key in doubt is resubmitted until answered.
  {
    Hubd hubd(root, trials);
    const int port = hubd.WaitForPort();
    ASSERT_GT(port, 0) << testing::ReadFile(hubd.log());
    auto channel =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
    // Acks lost to the last kill may have committed: learn the cursors.
    world.stop.store(true);
    for (Follower& f : followers) FollowLoop(world, f, channel);
    auto stub = hub::v1::ProviderService::NewStub(channel);
    std::vector<int> keys;
    {
      absl::MutexLock lock(&world.mu);
      keys.swap(world.pending);
    }
    for (size_t start = 0; start < keys.size(); start += 100) {
      hub::v1::SubmitRequest request;
      request.set_provider_id("alpha_cbo");
      std::vector<int> part(keys.begin() + start,
                            keys.begin() + std::min(keys.size(), start + 100));
      for (int key : part) *request.add_submissions() = SubmissionFor(key);
      grpc::ClientContext context;
      hub::v1::SubmitResponse response;
      grpc::Status status = stub->Submit(&context, request, &response);
      ASSERT_TRUE(status.ok()) << status.error_message();
      ASSERT_EQ(response.results_size(), static_cast<int>(part.size()));
      absl::MutexLock lock(&world.mu);
      for (size_t i = 0; i < part.size(); ++i) {
        const auto& r = response.results(static_cast<int>(i));
        ASSERT_TRUE(r.has_accepted()) << r.ShortDebugString();
        if (r.replayed()) ++world.replayed;
        Accepted a{r.accepted().plan_id(), r.accepted().record_id(), r.accepted().feed_sequence()};
        auto [it, fresh] = world.accepted.emplace(part[i], a);
        EXPECT_TRUE(fresh || it->second.record_id == a.record_id);
      }
    }
    // Every key ever accepted, submitted again: its first result, replayed.
    std::vector<std::pair<int, Accepted>> all;
    {
      absl::MutexLock lock(&world.mu);
      all.assign(world.accepted.begin(), world.accepted.end());
    }
    for (size_t start = 0; start < all.size(); start += 100) {
      hub::v1::SubmitRequest request;
      request.set_provider_id("alpha_cbo");
      const size_t end = std::min(all.size(), start + 100);
      for (size_t i = start; i < end; ++i) *request.add_submissions() = SubmissionFor(all[i].first);
      grpc::ClientContext context;
      hub::v1::SubmitResponse response;
      grpc::Status status = stub->Submit(&context, request, &response);
      ASSERT_TRUE(status.ok()) << status.error_message();
      ASSERT_EQ(response.results_size(), static_cast<int>(end - start));
      for (size_t i = start; i < end; ++i) {
        const auto& r = response.results(static_cast<int>(i - start));
        ASSERT_TRUE(r.has_accepted() && r.replayed())
            << "key " << all[i].first << ": " << r.ShortDebugString();
        EXPECT_EQ(r.accepted().record_id(), all[i].second.record_id);
        EXPECT_EQ(r.accepted().plan_id(), all[i].second.plan_id);
        EXPECT_EQ(r.accepted().feed_sequence(), all[i].second.sequence);
      }
    }
    EXPECT_EQ(hubd.Stop(), 0) << testing::ReadFile(hubd.log());
  }

  // The store itself.
  storage::StoreOptions options;
  options.data_dir = root + "/data";
  absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  storage::FeedStore feed(store->get());
  absl::MutexLock lock(&world.mu);
  std::map<std::string, std::pair<std::string, uint64_t>> by_record;  // id -> plan, seq
  std::map<std::string, std::string> key_of_record;
  for (int p = 0; p < 2; ++p) {
    const std::string plan = kPlans[p];
    SCOPED_TRACE(plan);
    absl::StatusOr<uint64_t> head = feed.Head(plan);
    ASSERT_TRUE(head.ok());
    uint64_t expected = 1;
    uint64_t after = 0;
    while (true) {
      absl::StatusOr<std::vector<hub::v1::FeedItem>> items = feed.ReadItems(plan, after, 500);
      ASSERT_TRUE(items.ok()) << items.status();
      if (items->empty()) break;
      for (const hub::v1::FeedItem& item : *items) {
        ASSERT_EQ(item.sequence(), expected) << "gap or disorder in the feed";
        ++expected;
        auto [it, fresh] =
            by_record.emplace(item.record_id(), std::make_pair(plan, item.sequence()));
        ASSERT_TRUE(fresh) << "record " << item.record_id() << " is in the feeds twice";
        key_of_record[item.record_id()] = item.submission().idempotency_key();
      }
      after = items->back().sequence();
    }
    EXPECT_EQ(expected - 1, *head) << "the head does not match the items";
    absl::StatusOr<uint64_t> cursor = feed.Cursor(plan);
    ASSERT_TRUE(cursor.ok());
    EXPECT_GE(*cursor, followers[p].confirmed) << "an acknowledged cursor was lost";
    EXPECT_LE(*cursor, *head);
    std::printf(
        "%s: head %llu, cursor %llu; follower got %lld items (%lld repeats of unacked "
        "items after kills), %lld acks\n",
        plan.c_str(), static_cast<unsigned long long>(*head),
        static_cast<unsigned long long>(*cursor), static_cast<long long>(followers[p].delivered),
        static_cast<long long>(followers[p].redelivered),
        static_cast<long long>(followers[p].acks));
  }
  // The derived indexes equal a rebuild from the feeds.
  absl::StatusOr<storage::FeedIndexCheck> check = feed.CheckIndexes();
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_EQ(check->items, static_cast<int64_t>(by_record.size()));
  EXPECT_TRUE(check->consistent()) << "missing " << check->missing << ", differing "
                                   << check->differing << ", extra " << check->extra;
  // Exactly the accepted keys, each where its result said.
  EXPECT_EQ(by_record.size(), world.accepted.size());
  for (const auto& [key, a] : world.accepted) {
    auto it = by_record.find(a.record_id);
    ASSERT_NE(it, by_record.end()) << "accepted key " << key << " is in no feed";
    EXPECT_EQ(it->second.first, a.plan_id) << "key " << key;
    EXPECT_EQ(it->second.second, a.sequence) << "key " << key;
    EXPECT_EQ(key_of_record[a.record_id], KeyName(key));
    EXPECT_EQ(a.plan_id, key % 3 == 0 ? "chg" : "molina") << "key " << key << " misrouted";
  }
  std::printf(
      "%d trials: %zu records accepted, %lld Submit calls OK, %lld failed by kills, %lld "
      "replayed results\n",
      trials, world.accepted.size(), static_cast<long long>(world.submit_calls_ok),
      static_cast<long long>(world.submit_calls_failed), static_cast<long long>(world.replayed));
  ASSERT_TRUE((*store)->Close().ok());
}

}  // namespace
}  // namespace hub
