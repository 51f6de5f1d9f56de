#include "hub/rpc/upload_stream.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "hub/common/log.h"
#include "hub/common/rpc_status.h"
#include "hub/common/spool_file.h"

namespace hub {
namespace {

int64_t SteadyNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The bytes of a message (one slice in the common case).
absl::StatusOr<std::string> BytesOf(const grpc::ByteBuffer& buffer) {
  grpc::Slice slice;
  if (!buffer.DumpToSingleSlice(&slice).ok()) {
    return absl::InvalidArgumentError("an upload message could not be read; upload again");
  }
  return std::string(reinterpret_cast<const char*>(slice.begin()), slice.size());
}

std::string DurationText(absl::Duration d) {
  if (d >= absl::Seconds(1)) return absl::StrCat(absl::ToInt64Seconds(d), " s");
  return absl::StrCat(absl::ToInt64Milliseconds(d), " ms");
}

}  // namespace

// One UploadFile call. Reactions run on gRPC's threads one at a time; the
// watchdog may end the call from its own thread (EndFromWatchdog), and the
// worker ends it after the ingest: the first Finish wins (finish_mu_).
// Owned by itself (self_) until OnDone, and by the watchdog for as long as
// it ends it, so a Finish that runs OnDone inline never frees it under the
// watchdog.
class UploadStreamReactor final : public grpc::ServerReadReactor<grpc::ByteBuffer> {
 public:
  UploadStreamReactor(UploadStreams* streams, grpc::CallbackServerContext* context,
                      grpc::ByteBuffer* response, UploadHandler* handler)
      : streams_(streams), context_(context), response_(response), handler_(handler) {}

  void Begin(std::shared_ptr<UploadStreamReactor> self) {
    self_ = std::move(self);
    if (absl::StatusOr<std::string> serial =
            auth::PeerCertificateSerial(context_->auth_context().get());
        serial.ok()) {
      serial_ = *std::move(serial);
    }
    Touch();
    if (!streams_->Register(self_)) {
      FinishOnce(absl::ResourceExhaustedError(
          absl::StrCat("the hub is receiving ", streams_->options().limits.max_concurrent,
                       " uploads already, its limit; upload again in a few minutes")));
      return;
    }
    registered_ = true;
    ReadNext();
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      EndOfStream();
      return;
    }
    Touch();
    absl::Status status = header_done_ ? OnChunk() : OnHeader();
    if (!status.ok()) {
      FinishOnce(status);
      return;
    }
    ReadNext();
  }

  void OnCancel() override { cancelled_->store(true, std::memory_order_relaxed); }

  void OnDone() override {
    spool_.reset();  // Deletes the file of an upload that did not complete.
    if (registered_) streams_->Unregister(this);
    std::shared_ptr<UploadStreamReactor> keep = std::move(self_);
  }

  // ---- For the watchdog (any thread).
  bool receiving() const { return receiving_.load(std::memory_order_acquire); }
  int64_t last_activity_ns() const { return last_activity_ns_.load(std::memory_order_relaxed); }
  const std::string& serial() const { return serial_; }
  void EndFromWatchdog(const absl::Status& status) {
    receiving_.store(false, std::memory_order_release);
    cancelled_->store(true, std::memory_order_relaxed);
    FinishOnce(status);
  }

 private:
  void Touch() { last_activity_ns_.store(SteadyNanos(), std::memory_order_relaxed); }

  void ReadNext() {
    absl::MutexLock lock(&finish_mu_);
    if (finished_) return;  // Answered at once, or ended by the watchdog.
    message_.Clear();
    StartRead(&message_);
  }

  // The first end of the call wins; `response` is sent with an OK status.
  void FinishOnce(const absl::Status& status, std::string* response = nullptr) {
    {
      absl::MutexLock lock(&finish_mu_);
      if (finished_) return;
      finished_ = true;
    }
    receiving_.store(false, std::memory_order_release);
    if (status.ok() && response != nullptr) {
      grpc::Slice slice(std::move(*response));
      grpc::ByteBuffer bytes(&slice, 1);
      response_->Swap(&bytes);
    }
    Finish(ToGrpcStatus(status));
  }

  absl::Status OnHeader() {
    ASSIGN_OR_RETURN(std::string message, BytesOf(message_));
    ASSIGN_OR_RETURN(UploadHandler::Begun begun, handler_->Begin(*context_, message));
    if (begun.response.has_value()) {
      FinishOnce(absl::OkStatus(), &*begun.response);
      return absl::OkStatus();
    }
    job_ = std::move(begun.job);
    ASSIGN_OR_RETURN(spool_, SpoolFile::Create(streams_->options().spool_dir,
                                               handler_->spool_prefix(), streams_->NextSpoolId()));
    header_done_ = true;
    return absl::OkStatus();
  }

  absl::Status OnChunk() {
    ASSIGN_OR_RETURN(std::string message, BytesOf(message_));
    ASSIGN_OR_RETURN(std::string chunk, handler_->ChunkOf(message));
    const int64_t limit = streams_->options().limits.max_file_bytes;
    if (spool_->size() + static_cast<int64_t>(chunk.size()) > limit) {
      return absl::ResourceExhaustedError(
          absl::StrCat("the file is larger than the ", limit,
                       " bytes the hub accepts in one upload; split it into several files"));
    }
    return spool_->Append(chunk);
  }

  void EndOfStream() {
    receiving_.store(false, std::memory_order_release);
    // A client that cancels mid-file also ends the stream: never ingest a
    // partial file.
    if (context_->IsCancelled()) cancelled_->store(true, std::memory_order_relaxed);
    if (cancelled_->load(std::memory_order_relaxed)) {
      FinishOnce(absl::CancelledError("the upload was cancelled"));
      return;
    }
    if (!header_done_) {
      FinishOnce(absl::InvalidArgumentError(
          "the upload ended before its header; send the header first, then the file's bytes"));
      return;
    }
    absl::StatusOr<std::string> digest = spool_->Close();
    if (!digest.ok()) {
      FinishOnce(digest.status());
      return;
    }
    const std::string expected = job_->expected_sha256();
    if (!expected.empty() && expected != *digest) {
      FinishOnce(absl::InvalidArgumentError(
          "the file changed in transit: the bytes received do not match the header's "
          "content_sha256; upload it again"));
      return;
    }
    ReceivedFile file{spool_->path(), *digest, spool_->size(), streams_->options().clock()};
    std::shared_ptr<SpoolFile> spool(std::move(spool_));
    std::shared_ptr<UploadJob> job(std::move(job_));
    // The worker holds the reactor until its Finish: OnDone comes after.
    streams_->StartWorker([this, job, file = std::move(file), spool]() mutable {
      absl::StatusOr<std::string> response = job->Run(file, cancelled_.get());
      spool.reset();  // Deletes the spool file.
      if (!response.ok()) {
        FinishOnce(response.status());  // `this` may be gone after this.
        return;
      }
      FinishOnce(absl::OkStatus(), &*response);  // `this` may be gone after this.
    });
  }

  UploadStreams* const streams_;
  grpc::CallbackServerContext* const context_;
  grpc::ByteBuffer* const response_;
  UploadHandler* const handler_;
  std::shared_ptr<UploadStreamReactor> self_;
  std::string serial_;
  bool registered_ = false;
  grpc::ByteBuffer message_;
  std::unique_ptr<UploadJob> job_;
  std::unique_ptr<SpoolFile> spool_;
  bool header_done_ = false;
  std::atomic<bool> receiving_{true};
  std::atomic<int64_t> last_activity_ns_{0};
  // Shared so a worker may poll it for as long as it runs.
  const std::shared_ptr<std::atomic<bool>> cancelled_ = std::make_shared<std::atomic<bool>>(false);
  absl::Mutex finish_mu_;
  bool finished_ ABSL_GUARDED_BY(finish_mu_) = false;
};

UploadStreams::UploadStreams(UploadStreamsOptions options) : options_(std::move(options)) {
  watchdog_ = std::thread([this] { Watch(); });
}

UploadStreams::~UploadStreams() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  watchdog_.join();
  absl::MutexLock lock(&workers_mu_);
  for (Worker& worker : workers_) worker.thread.join();
  workers_.clear();
}

grpc::ServerReadReactor<grpc::ByteBuffer>* UploadStreams::Start(
    grpc::CallbackServerContext* context, grpc::ByteBuffer* response, UploadHandler* handler) {
  auto reactor = std::make_shared<UploadStreamReactor>(this, context, response, handler);
  UploadStreamReactor* raw = reactor.get();
  raw->Begin(std::move(reactor));
  return raw;
}

bool UploadStreams::Register(const std::shared_ptr<UploadStreamReactor>& reactor) {
  absl::MutexLock lock(&mu_);
  if (static_cast<int>(uploads_.size()) >= options_.limits.max_concurrent) return false;
  uploads_.emplace(reactor.get(), reactor);
  return true;
}

void UploadStreams::Unregister(const UploadStreamReactor* reactor) {
  absl::MutexLock lock(&mu_);
  uploads_.erase(reactor);
}

int UploadStreams::in_progress() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(uploads_.size());
}

bool UploadStreams::WaitForInProgress(int count, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto reached = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return static_cast<int>(uploads_.size()) <= count;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

void UploadStreams::Watch() {
  const absl::Duration stall = options_.limits.stall_timeout;
  const absl::Duration period = std::clamp(stall / 4, absl::Milliseconds(5), absl::Seconds(1));
  uint64_t generation = options_.revocations == nullptr ? 0 : options_.revocations->generation();
  while (true) {
    std::vector<std::pair<std::shared_ptr<UploadStreamReactor>, absl::Status>> ending;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stop_), period);
      if (stop_) return;
      const int64_t now = SteadyNanos();
      const uint64_t current =
          options_.revocations == nullptr ? 0 : options_.revocations->generation();
      const bool revocations_changed = current != generation;
      generation = current;
      for (const auto& [raw, weak] : uploads_) {
        std::shared_ptr<UploadStreamReactor> reactor = weak.lock();
        if (reactor == nullptr || !reactor->receiving()) continue;
        if (revocations_changed && !reactor->serial().empty() &&
            options_.revocations->IsRevoked(reactor->serial())) {
          ending.emplace_back(std::move(reactor),
                              absl::UnauthenticatedError(
                                  "your client certificate was revoked while this upload ran; "
                                  "ask the county administrator for a new one"));
        } else if (now - reactor->last_activity_ns() > absl::ToInt64Nanoseconds(stall)) {
          ending.emplace_back(std::move(reactor),
                              absl::DeadlineExceededError(absl::StrCat(
                                  "the upload stalled: nothing arrived for ", DurationText(stall),
                                  ", the hub's limit; upload the file again")));
        }
      }
    }
    for (auto& [reactor, status] : ending) {
      log::Warning("upload_ended", {{"code", absl::StatusCodeToString(status.code())}});
      reactor->EndFromWatchdog(status);
    }
  }
}

void UploadStreams::StartWorker(std::function<void()> work) {
  auto done = std::make_shared<std::atomic<bool>>(false);
  std::thread thread([work = std::move(work), done] {
    work();
    done->store(true, std::memory_order_release);
  });
  absl::MutexLock lock(&workers_mu_);
  // Reap the workers that ended.
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->done->load(std::memory_order_acquire)) {
      it->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
  workers_.push_back(Worker{std::move(thread), std::move(done)});
}

}  // namespace hub
