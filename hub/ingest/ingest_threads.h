// The threading utilities of plan file ingest (hub/ingest/ingest.h):
//   MemberLocks     striped exclusive locks on member records, shared by the
//                   ingests of every plan;
//   ParseAhead      runs an adapter's parser on its own thread, handing rows
//                   to the ingest thread through a small bounded queue;
//   BatchCommitter  commits one ingest's write batches on a thread of its
//                   own, one in flight at a time;
// and FeedFile, which streams a spooled upload into a reader.
//
// Internal to hub/ingest: nothing outside this folder includes it.
#ifndef HUB_HUB_INGEST_INGEST_THREADS_H_
#define HUB_HUB_INGEST_INGEST_THREADS_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "adapters/plan_adapter.h"
#include "hub/v1/plan_file.pb.h"
#include "storage/store.h"

namespace hub {

// Striped exclusive locks on member records, owned by ingests (see
// ingest.h). One mutex guards the owner table: taking a free stripe costs one
// uncontended lock. Thread-safe.
class MemberLocks {
 public:
  static constexpr size_t kStripes = 1024;
  static size_t StripeOf(std::string_view cin) {
    return std::hash<std::string_view>()(cin) % kStripes;
  }
  // True if `owner` now holds `stripe` (it was free or already its own).
  bool TryAcquire(size_t stripe, uint64_t owner);
  // Waits until `stripe` is free, then takes it. The caller must hold no
  // stripe while it waits.
  void Acquire(size_t stripe, uint64_t owner);
  // Frees those of `stripes` that `owner` holds.
  void Release(const std::vector<size_t>& stripes, uint64_t owner);

 private:
  absl::Mutex mu_;
  std::vector<uint64_t> owners_ ABSL_GUARDED_BY(mu_) = std::vector<uint64_t>(kStripes, 0);
};

// The status of an ingest stopped by its client or by the hub's shutdown.
absl::Status IngestCancelledStatus();

// Feeds the file at `path` to `reader` in `block`-byte reads, then Finish.
// Cancelled (IngestCancelledStatus) as soon as *cancelled (may be null) turns
// true; Internal if the spool cannot be read; otherwise the reader's status.
absl::Status FeedFile(const std::string& path, size_t block, adapters::StreamReader& reader,
                      const std::atomic<bool>* cancelled);

// Runs the adapter's parser over the spool on its own thread and hands the
// canonical rows and row errors to `sink` on the calling thread, in file
// order, through a small bounded queue of blocks: parsing and mapping
// overlap with validation and storage, and memory stays bounded (the
// blocks' messages are reused).
class ParseAhead {
 public:
  struct Result {
    // The parser's status (OK, a file error, Cancelled), or the sink's first
    // error, which stops the parser.
    absl::Status status;
    int64_t rows_read = 0;
  };

  static Result Run(const adapters::PlanAdapter& adapter, hub::v1::FileKind kind,
                    const std::string& path, size_t read_block_bytes,
                    const std::atomic<bool>* cancelled, adapters::CanonicalRowSink& sink);

 private:
  static constexpr int kBlocks = 4;
  static constexpr size_t kBlockItems = 512;

  struct Item {
    bool is_error = false;
    int64_t row_number = 0;
    std::unique_ptr<google::protobuf::Message> row;  // Reused across blocks.
    adapters::RowError error;
  };
  struct Block {
    std::vector<Item> items;
    size_t size = 0;
  };
  class Producer;

  ParseAhead();
  absl::StatusOr<std::unique_ptr<Block>> TakeFree();
  absl::Status Push(std::unique_ptr<Block> block);
  void ProducerDone(absl::Status status);
  // Feeds every queued item to `sink` until the producer is done; on the
  // sink's first error, stops the producer and returns that error.
  absl::Status Consume(adapters::CanonicalRowSink& sink);

  absl::Mutex mu_;
  std::deque<std::unique_ptr<Block>> full_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<Block>> free_ ABSL_GUARDED_BY(mu_);
  bool producer_done_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status producer_status_ ABSL_GUARDED_BY(mu_);
  bool consumer_stopped_ ABSL_GUARDED_BY(mu_) = false;
};

// Commits one ingest's write batches on a thread of its own, one at a time
// and in order, so that the ingest builds batch N+1 (reads, validation,
// serialization) while batch N is inserted into the memtables: on a
// multi-core host the commit no longer stalls the row pipeline. At most one
// batch is in flight; the caller waits for it (Wait) before submitting the
// next one, before reading what it wrote, and before anything else that must
// see it committed. Used by one ingest thread.
class BatchCommitter {
 public:
  // `store` must outlive the committer.
  explicit BatchCommitter(storage::Store* store) : store_(store) {}
  // Waits for the batch in flight, then stops the thread.
  ~BatchCommitter();

  // Hands over `batch`'s writes for a kBuffered commit and leaves `batch`
  // empty (it gets the committer's spare, already cleared). Precondition:
  // nothing in flight (Wait returned since the last Submit).
  void Submit(storage::WriteBatch& batch);

  // Waits for the batch in flight (if any) and returns its commit status.
  absl::Status Wait();

 private:
  void Loop();

  storage::Store* const store_;
  std::thread thread_;
  absl::Mutex mu_;
  storage::WriteBatch batch_;
  bool in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hub

#endif  // HUB_HUB_INGEST_INGEST_THREADS_H_
