// Durability proof: a writer process commits synced batches from several
// threads and reports each acknowledged batch on a pipe; the test SIGKILLs it at a pseudo-random
// acknowledgement count, recovers the store and checks that every
// acknowledged batch is fully present and no batch is partially present.
//
// The writer is this same binary re-executed with --crash_writer (a fresh
// process image: forking a process that already ran RocksDB would inherit
// its background thread pools' state without their threads). This file
// therefore has its own main(), which replaces gtest_main's.
#include <errno.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "storage/coverage_index.h"
#include "storage/member_store.h"
#include "storage/store.h"
#include "tests/storage/storage_test_util.h"

namespace hub::storage {
namespace {

using test_util::OptionsFor;
using test_util::TempDir;

constexpr int kRowsPerBatch = 40;
constexpr int kWriterThreads = 3;
constexpr int kTrials = 5;
constexpr uint32_t kSeed = 20250115;

// Batch ids stay below 10^6 so the CIN keeps its 8 digits.
std::string CinFor(uint64_t batch, int row) {
  char cin[16];
  std::snprintf(cin, sizeof(cin), "%08lluC",
                static_cast<unsigned long long>(batch * 100 + static_cast<uint64_t>(row)));
  return cin;
}

std::string PlanFor(int row) { return "plan_" + std::to_string(row % 3); }

hub::v1::Member MemberFor(uint64_t batch, int row) {
  hub::v1::Member member = test_util::MakeMember(CinFor(batch, row), "R" + std::to_string(row),
                                                 "B" + std::to_string(batch));
  member.mutable_address()->set_line1(std::string(64, 'x'));  // Some bulk per row.
  return member;
}

// The writer process: kWriterThreads threads commit synced batches
// concurrently (so a kill lands while some are mid-commit, in RocksDB's
// group commit). Thread t writes rounds first_round, first_round+1, ...;
// the batch id of (round, t) is round * kWriterThreads + t. Each batch holds
// kRowsPerBatch members and coverage periods; its id is written to `ack_fd`
// after its synced Commit returned OK. Runs until killed.
int RunWriter(const std::string& data_dir, uint64_t first_round, int ack_fd) {
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(OptionsFor(data_dir));
  if (!store.ok()) {
    std::fprintf(stderr, "writer: %s\n", std::string(store.status().message()).c_str());
    return 2;
  }
  MemberStore members(store->get());
  CoverageIndex coverage(store->get());
  std::atomic<int> exit_code{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriterThreads; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t round = first_round; exit_code.load() == 0; ++round) {
        const uint64_t batch_id = round * kWriterThreads + static_cast<uint64_t>(t);
        WriteBatch batch;
        for (int row = 0; row < kRowsPerBatch; ++row) {
          members.Put(batch, MemberFor(batch_id, row));
          coverage.Put(batch,
                       test_util::MakeCoverage(CinFor(batch_id, row), PlanFor(row), "2025-01-01"));
        }
        absl::Status status = (*store)->Commit(batch, Durability::kSync);
        if (!status.ok()) {
          std::fprintf(stderr, "writer: commit: %s\n", std::string(status.message()).c_str());
          exit_code = 3;
          return;
        }
        // 8 bytes < PIPE_BUF: each acknowledgement is written atomically.
        ssize_t n;
        do {
          n = write(ack_fd, &batch_id, sizeof(batch_id));
        } while (n < 0 && errno == EINTR);
        if (n != static_cast<ssize_t>(sizeof(batch_id))) {
          exit_code = 4;
          return;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  return exit_code.load();
}

// Reads one acknowledgement; false at EOF (the writer died).
bool ReadAck(int fd, uint64_t* batch_number) {
  char* bytes = reinterpret_cast<char*>(batch_number);
  size_t done = 0;
  while (done < sizeof(*batch_number)) {
    ssize_t n = read(fd, bytes + done, sizeof(*batch_number) - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string& SelfPath() {
  static std::string path = "/proc/self/exe";
  return path;
}

struct Writer {
  pid_t pid = -1;
  int ack_fd = -1;
};

// Starts the writer process on `data_dir`.
Writer StartWriter(const std::string& data_dir, uint64_t first_batch) {
  int fds[2];
  if (pipe(fds) != 0) {
    ADD_FAILURE() << "pipe: " << std::strerror(errno);
    return {};
  }
  // Everything exec needs is prepared before fork: the child only execs.
  const std::string exe = SelfPath();
  const std::string first = std::to_string(first_batch);
  const std::string fd = std::to_string(fds[1]);
  std::vector<char*> argv = {
      const_cast<char*>(exe.c_str()),      const_cast<char*>("--crash_writer"),
      const_cast<char*>(data_dir.c_str()), const_cast<char*>(first.c_str()),
      const_cast<char*>(fd.c_str()),       nullptr};
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    execv(exe.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);
  if (pid < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    close(fds[0]);
    return {};
  }
  return Writer{pid, fds[0]};
}

struct BatchState {
  int members = 0;
  int periods = 0;
  uint64_t min_version = UINT64_MAX;
  uint64_t max_version = 0;
};

BatchState Inspect(const MemberStore& members, const CoverageIndex& coverage,
                   uint64_t batch_number) {
  BatchState state;
  for (int row = 0; row < kRowsPerBatch; ++row) {
    const std::string cin = CinFor(batch_number, row);
    absl::StatusOr<hub::v1::Member> member = members.Get(cin);
    if (member.ok()) {
      ++state.members;
      EXPECT_EQ(member->name().last(), "B" + std::to_string(batch_number));
      EXPECT_EQ(member->name().first(), "R" + std::to_string(row));
    } else {
      EXPECT_TRUE(absl::IsNotFound(member.status())) << member.status();
    }
    absl::StatusOr<std::vector<hub::v1::Coverage>> periods = coverage.Periods(cin);
    EXPECT_TRUE(periods.ok()) << periods.status();
    if (periods.ok() && !periods->empty()) {
      EXPECT_EQ(periods->size(), 1u);
      ++state.periods;
      const hub::v1::Coverage& period = periods->front();
      EXPECT_EQ(period.plan_id(), PlanFor(row));
      state.min_version = std::min(state.min_version, period.version());
      state.max_version = std::max(state.max_version, period.version());
    }
  }
  return state;
}

TEST(CrashTest, AcknowledgedBatchesSurviveSigkillAndNoBatchIsTorn) {
  TempDir dir;
  const std::string data_dir = dir.Sub("data");
  std::mt19937 rng(kSeed);
  std::uniform_int_distribution<int> kill_after_acks(1, 60);

  // What recovery must show for each batch id decided so far: true = fully
  // present, false = fully absent.
  std::map<uint64_t, bool> expected;
  uint64_t first_round = 0;  // First round of the next writer.
  int unacknowledged_but_recovered = 0;
  for (int trial = 0; trial < kTrials; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const int kill_after = kill_after_acks(rng);
    Writer writer = StartWriter(data_dir, first_round);
    ASSERT_GT(writer.pid, 0);

    // Next round each writer thread must acknowledge.
    std::vector<uint64_t> next_round(kWriterThreads, first_round);
    auto accept = [&](uint64_t batch_id) {
      const uint64_t thread = batch_id % kWriterThreads;
      EXPECT_EQ(batch_id / kWriterThreads, next_round[thread])
          << "acknowledgements of writer thread " << thread << " out of order";
      ++next_round[thread];
    };
    int acks = 0;
    uint64_t ack = 0;
    while (acks < kill_after && ReadAck(writer.ack_fd, &ack)) {
      accept(ack);
      ++acks;
      if (trial == 0 && acks == 1) {
        // Another process holds the data directory.
        absl::StatusOr<std::unique_ptr<Store>> busy = Store::Open(OptionsFor(data_dir));
        EXPECT_TRUE(absl::IsFailedPrecondition(busy.status())) << busy.status();
        EXPECT_TRUE(absl::StrContains(busy.status().message(), "in use by another hubd process"))
            << busy.status();
      }
    }
    ASSERT_EQ(acks, kill_after) << "the writer died before it was killed";
    ASSERT_EQ(kill(writer.pid, SIGKILL), 0);
    int wait_status = 0;
    ASSERT_EQ(waitpid(writer.pid, &wait_status, 0), writer.pid);
    EXPECT_TRUE(WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL)
        << "writer exit status " << wait_status;
    // Acknowledgements already in the pipe count too.
    while (ReadAck(writer.ack_fd, &ack)) accept(ack);
    close(writer.ack_fd);

    // Per thread: acknowledged rounds must be present; the round after may
    // or may not have committed; later rounds were never written. The next
    // writer starts past every round any thread could have committed.
    std::vector<uint64_t> maybe;  // Committed or not: recovery decides.
    uint64_t next_first_round = first_round;
    for (int t = 0; t < kWriterThreads; ++t) {
      next_first_round = std::max(next_first_round, next_round[t] + 1);
    }
    for (int t = 0; t < kWriterThreads; ++t) {
      for (uint64_t round = first_round; round < next_first_round; ++round) {
        const uint64_t batch_id = round * kWriterThreads + static_cast<uint64_t>(t);
        if (round < next_round[t]) {
          expected[batch_id] = true;
        } else if (round == next_round[t]) {
          maybe.push_back(batch_id);
        } else {
          expected[batch_id] = false;
        }
      }
    }

    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(OptionsFor(data_dir)));
    MemberStore members(store.get());
    CoverageIndex coverage(store.get());
    for (uint64_t batch_id : maybe) {
      const BatchState state = Inspect(members, coverage, batch_id);
      expected[batch_id] = state.members > 0 || state.periods > 0;
      if (expected[batch_id]) ++unacknowledged_but_recovered;
    }
    // Every batch of every trial so far, and a few ids beyond.
    std::vector<uint64_t> last_max_version(kWriterThreads, 0);
    const uint64_t id_limit = next_first_round * kWriterThreads + 2 * kWriterThreads;
    for (uint64_t batch_id = 0; batch_id < id_limit; ++batch_id) {
      SCOPED_TRACE("batch " + std::to_string(batch_id));
      const BatchState state = Inspect(members, coverage, batch_id);
      const bool complete = state.members == kRowsPerBatch && state.periods == kRowsPerBatch;
      const bool absent = state.members == 0 && state.periods == 0;
      ASSERT_TRUE(complete || absent)
          << "torn batch: " << state.members << " members, " << state.periods << " periods";
      auto it = expected.find(batch_id);
      const bool want_present = it != expected.end() && it->second;
      ASSERT_EQ(complete, want_present)
          << (want_present ? "acknowledged batch lost" : "batch present that was never written");
      if (complete) {
        // A thread's batches are committed one after another, across
        // restarts too, so their versions grow with the round.
        const uint64_t thread = batch_id % kWriterThreads;
        EXPECT_GT(state.min_version, last_max_version[thread]);
        last_max_version[thread] = state.max_version;
      }
    }
    ASSERT_OK(store->Close());
    std::printf("trial %d: killed after %d acks; %zu batches expected present so far\n", trial,
                kill_after,
                static_cast<size_t>(std::count_if(expected.begin(), expected.end(),
                                                  [](const auto& entry) { return entry.second; })));
    first_round = next_first_round;
  }
  std::printf("%d unacknowledged batches were committed before the kill and recovered whole\n",
              unacknowledged_but_recovered);
  EXPECT_GE(std::count_if(expected.begin(), expected.end(),
                          [](const auto& entry) { return entry.second; }),
            kTrials);
}

}  // namespace
}  // namespace hub::storage

int main(int argc, char** argv) {
  if (argc == 5 && std::strcmp(argv[1], "--crash_writer") == 0) {
    return hub::storage::RunWriter(argv[2], std::strtoull(argv[3], nullptr, 10),
                                   std::atoi(argv[4]));
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
