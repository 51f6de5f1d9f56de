#include "hub/ingest/ingest_threads.h"

#include <algorithm>
#include <fstream>
#include <utility>

#include "base/status_macros.h"
#include "hub/common/log.h"

namespace hub {

// ------------------------------------------------------------- MemberLocks

bool MemberLocks::TryAcquire(size_t stripe, uint64_t owner) {
  absl::MutexLock lock(&mu_);
  if (owners_[stripe] != 0 && owners_[stripe] != owner) return false;
  owners_[stripe] = owner;
  return true;
}

void MemberLocks::Acquire(size_t stripe, uint64_t owner) {
  absl::MutexLock lock(&mu_);
  struct Args {
    MemberLocks* self;
    size_t stripe;
    uint64_t owner;
  } args{this, stripe, owner};
  mu_.Await(absl::Condition(
      +[](Args* a) {
        a->self->mu_.AssertHeld();
        return a->self->owners_[a->stripe] == 0 || a->self->owners_[a->stripe] == a->owner;
      },
      &args));
  owners_[stripe] = owner;
}

void MemberLocks::Release(const std::vector<size_t>& stripes, uint64_t owner) {
  absl::MutexLock lock(&mu_);
  for (size_t stripe : stripes) {
    if (owners_[stripe] == owner) owners_[stripe] = 0;
  }
}

// ---------------------------------------------------------------- FeedFile

absl::Status IngestCancelledStatus() {
  return absl::CancelledError(
      "the upload was cancelled (the client went away or the hub is stopping); upload the file "
      "again: rows already applied are recognized as unchanged");
}

absl::Status FeedFile(const std::string& path, size_t block, adapters::StreamReader& reader,
                      const std::atomic<bool>* cancelled) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    log::Error("ingest_spool_unreadable", {{"spool_path", path}});
    return absl::InternalError(
        "the hub cannot read back the uploaded file from its spool folder; upload it again, and "
        "if this persists, the administrator checks hubd's log (ingest_spool_unreadable)");
  }
  std::string buffer(std::max<size_t>(block, 1), '\0');
  while (true) {
    if (cancelled != nullptr && cancelled->load(std::memory_order_relaxed)) {
      return IngestCancelledStatus();
    }
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const std::streamsize n = in.gcount();
    if (n > 0)
      RETURN_IF_ERROR(reader.Feed(std::string_view(buffer.data(), static_cast<size_t>(n))));
    if (!in) {
      if (in.bad()) {
        log::Error("ingest_spool_unreadable", {{"spool_path", path}});
        return absl::InternalError(
            "the hub could not read the uploaded file back from its spool folder; upload it "
            "again");
      }
      break;  // End of file.
    }
  }
  return reader.Finish();
}

// -------------------------------------------------------------- ParseAhead

// The parser's sink, on the producer thread.
class ParseAhead::Producer final : public adapters::CanonicalRowSink {
 public:
  explicit Producer(ParseAhead* queue) : queue_(queue) {}
  absl::Status OnRow(int64_t row_number, const google::protobuf::Message& row) override {
    ASSIGN_OR_RETURN(Item * item, Next());
    item->is_error = false;
    item->row_number = row_number;
    if (item->row == nullptr || item->row->GetDescriptor() != row.GetDescriptor()) {
      item->row.reset(row.New());
    }
    item->row->CopyFrom(row);
    return absl::OkStatus();
  }
  absl::Status OnRowError(const adapters::RowError& error) override {
    ASSIGN_OR_RETURN(Item * item, Next());
    item->is_error = true;
    item->row_number = error.row_number;
    item->error = error;
    return absl::OkStatus();
  }
  // Hands over the last, partly filled block.
  absl::Status Flush() {
    if (block_ != nullptr && block_->size > 0) return queue_->Push(std::move(block_));
    return absl::OkStatus();
  }

 private:
  absl::StatusOr<Item*> Next() {
    if (block_ != nullptr && block_->size == kBlockItems) {
      RETURN_IF_ERROR(queue_->Push(std::move(block_)));
    }
    if (block_ == nullptr) {
      ASSIGN_OR_RETURN(block_, queue_->TakeFree());
      block_->size = 0;
    }
    if (block_->items.size() <= block_->size) block_->items.emplace_back();
    return &block_->items[block_->size++];
  }
  ParseAhead* queue_;
  std::unique_ptr<Block> block_;
};

ParseAhead::Result ParseAhead::Run(const adapters::PlanAdapter& adapter, hub::v1::FileKind kind,
                                   const std::string& path, size_t read_block_bytes,
                                   const std::atomic<bool>* cancelled,
                                   adapters::CanonicalRowSink& sink) {
  ParseAhead queue;
  Result result;
  std::thread producer([&] {
    Producer producer_sink(&queue);
    absl::StatusOr<std::unique_ptr<adapters::StreamReader>> parser =
        adapter.OpenParser(kind, &producer_sink);
    absl::Status status = parser.status();
    if (status.ok()) status = FeedFile(path, read_block_bytes, **parser, cancelled);
    if (status.ok()) status = producer_sink.Flush();
    if (parser.ok()) result.rows_read = (*parser)->stats().rows_read;
    queue.ProducerDone(status);
  });
  absl::Status consumer_status = queue.Consume(sink);
  producer.join();
  absl::MutexLock lock(&queue.mu_);
  result.status = consumer_status.ok() ? queue.producer_status_ : consumer_status;
  return result;
}

ParseAhead::ParseAhead() {
  for (int i = 0; i < kBlocks; ++i) free_.push_back(std::make_unique<Block>());
}

absl::StatusOr<std::unique_ptr<ParseAhead::Block>> ParseAhead::TakeFree() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](ParseAhead* q) { return !q->free_.empty() || q->consumer_stopped_; }, this));
  if (consumer_stopped_) return absl::CancelledError("ingest: the row consumer stopped");
  std::unique_ptr<Block> block = std::move(free_.back());
  free_.pop_back();
  return block;
}

absl::Status ParseAhead::Push(std::unique_ptr<Block> block) {
  absl::MutexLock lock(&mu_);
  if (consumer_stopped_) return absl::CancelledError("ingest: the row consumer stopped");
  full_.push_back(std::move(block));
  return absl::OkStatus();
}

void ParseAhead::ProducerDone(absl::Status status) {
  absl::MutexLock lock(&mu_);
  producer_done_ = true;
  producer_status_ = std::move(status);
}

absl::Status ParseAhead::Consume(adapters::CanonicalRowSink& sink) {
  while (true) {
    std::unique_ptr<Block> block;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](ParseAhead* q) { return !q->full_.empty() || q->producer_done_; }, this));
      if (full_.empty()) return absl::OkStatus();  // Producer done.
      // A producer that failed stops the rows where it failed.
      if (producer_done_ && !producer_status_.ok()) return absl::OkStatus();
      block = std::move(full_.front());
      full_.pop_front();
    }
    absl::Status status = absl::OkStatus();
    for (size_t i = 0; i < block->size && status.ok(); ++i) {
      const Item& item = block->items[i];
      status = item.is_error ? sink.OnRowError(item.error) : sink.OnRow(item.row_number, *item.row);
    }
    absl::MutexLock lock(&mu_);
    free_.push_back(std::move(block));
    if (!status.ok()) {
      consumer_stopped_ = true;
      return status;
    }
  }
}

// ---------------------------------------------------------- BatchCommitter

BatchCommitter::~BatchCommitter() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void BatchCommitter::Submit(storage::WriteBatch& batch) {
  if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
  absl::MutexLock lock(&mu_);
  std::swap(batch, batch_);
  in_flight_ = true;
}

absl::Status BatchCommitter::Wait() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](BatchCommitter* c) { return !c->in_flight_; }, this));
  absl::Status status = std::move(status_);
  status_ = absl::OkStatus();
  return status;
}

void BatchCommitter::Loop() {
  absl::MutexLock lock(&mu_);
  while (true) {
    mu_.Await(absl::Condition(
        +[](BatchCommitter* c) { return c->in_flight_ || c->stop_; }, this));
    if (!in_flight_) return;  // Stopped with nothing in flight.
    mu_.Unlock();
    // batch_ belongs to this thread while in_flight_ is set.
    absl::Status status = store_->Commit(batch_, storage::Durability::kBuffered);
    mu_.Lock();
    status_ = std::move(status);
    in_flight_ = false;
  }
}

}  // namespace hub
