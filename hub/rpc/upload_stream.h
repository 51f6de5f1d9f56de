// The hub's one upload reactor, for PlanService.UploadFile and
// ProviderService.UploadFile (a service supplies an UploadHandler: its
// header check and its ingest), with the limits a slow or hostile client
// meets once, whichever service it calls.
//
// One call: the first message is the header, every later one a chunk. The
// methods are served raw (messages arrive as bytes and the handler parses
// them), so a message that does not parse ends the upload INVALID_ARGUMENT
// instead of looking like the end of the file. Chunks are appended to a
// spool file while hashed, one read in flight (a fast client costs no
// memory: the next message is asked for once the previous one is written).
// When the stream ends, the handler's job ingests the file on a worker
// thread owned by UploadStreams, never on a gRPC thread; the reply is its
// response. A client that cancels mid-file ingests nothing.
//
// Limits (UploadLimits):
//   * stall_timeout: an upload that receives no message for this long ends
//     DEADLINE_EXCEEDED and its spool file is deleted (a header-only upload
//     no longer holds a file descriptor for ever);
//   * max_concurrent: uploads in progress (receiving or ingesting) at once;
//     one more is refused RESOURCE_EXHAUSTED;
//   * max_file_bytes: a longer file ends RESOURCE_EXHAUSTED;
//   * a client certificate revoked while its upload runs ends it
//     UNAUTHENTICATED (auth/revocation.h).
//
// Thread safety: Start and StartWorker may be called from any thread.
// Destroy UploadStreams only after the gRPC server has shut down (every
// reactor is done); the destructor joins the workers.
#ifndef HUB_HUB_RPC_UPLOAD_STREAM_H_
#define HUB_HUB_RPC_UPLOAD_STREAM_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "auth/revocation.h"

namespace hub {

struct UploadLimits {
  absl::Duration stall_timeout = absl::Seconds(60);
  int max_concurrent = 32;
  int64_t max_file_bytes = int64_t{16} << 30;
};

struct UploadStreamsOptions {
  // Folder receiving uploads while they arrive; must exist
  // (PlanService::PrepareSpoolDir).
  std::string spool_dir;
  // Wall clock: the receive time handed to jobs. Required.
  std::function<absl::Time()> clock;
  UploadLimits limits;
  // Revocations in force (not owned; null = none checked).
  const auth::RevocationList* revocations = nullptr;
};

// A file received whole, spooled and hashed.
struct ReceivedFile {
  std::string spool_path;
  // SHA-256 of the bytes, lowercase hex.
  std::string content_sha256;
  int64_t size_bytes = 0;
  absl::Time receive_time;
};

// One upload a service accepted (its header checked).
class UploadJob {
 public:
  virtual ~UploadJob() = default;
  // The header's content_sha256 ("" = none): the bytes received must match.
  virtual std::string expected_sha256() const = 0;
  // On a worker thread: ingests `file` (deleted after Run returns) and
  // returns the serialized response. `cancelled` turns true if the client
  // goes away.
  virtual absl::StatusOr<std::string> Run(const ReceivedFile& file,
                                          const std::atomic<bool>* cancelled) = 0;
};

// What one service does with its uploads. Implementations are thread-safe.
class UploadHandler {
 public:
  virtual ~UploadHandler() = default;
  // The prefix of its spool files ("plan-", "cbo-": hub/common/spool_file.h).
  virtual std::string_view spool_prefix() const = 0;
  // The first message, serialized: checks the caller's scope and the header.
  // Either a job that receives the file, or (response set) the serialized
  // response to answer at once without receiving anything.
  struct Begun {
    std::unique_ptr<UploadJob> job;
    std::optional<std::string> response;
  };
  virtual absl::StatusOr<Begun> Begin(const grpc::CallbackServerContext& context,
                                      std::string_view message) = 0;
  // The chunk a later message (serialized) carries; InvalidArgument if it
  // does not parse or is not a chunk.
  virtual absl::StatusOr<std::string> ChunkOf(std::string_view message) const = 0;
};

class UploadStreamReactor;

class UploadStreams {
 public:
  explicit UploadStreams(UploadStreamsOptions options);
  ~UploadStreams();
  UploadStreams(const UploadStreams&) = delete;
  UploadStreams& operator=(const UploadStreams&) = delete;

  // The reactor of one UploadFile call, served raw (`response` receives the
  // serialized response). `handler` must outlive the call.
  grpc::ServerReadReactor<grpc::ByteBuffer>* Start(grpc::CallbackServerContext* context,
                                                   grpc::ByteBuffer* response,
                                                   UploadHandler* handler);

  // Runs `work` on a new thread that the destructor joins (ingests, and
  // PlanService.ExportFile's renders).
  void StartWorker(std::function<void()> work);

  // A new spool file id (unique in this process).
  uint64_t NextSpoolId() { return next_spool_id_.fetch_add(1, std::memory_order_relaxed); }
  const UploadStreamsOptions& options() const { return options_; }

  // Uploads in progress (receiving or ingesting).
  int in_progress() const;
  // True once in_progress() is at most `count`; false after `timeout`.
  bool WaitForInProgress(int count, absl::Duration timeout) const;

 private:
  friend class UploadStreamReactor;
  // False if max_concurrent uploads are in progress already.
  bool Register(const std::shared_ptr<UploadStreamReactor>& reactor);
  void Unregister(const UploadStreamReactor* reactor);
  // The watchdog: ends stalled uploads and those of revoked certificates.
  void Watch();

  const UploadStreamsOptions options_;
  std::atomic<uint64_t> next_spool_id_{1};

  mutable absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<const UploadStreamReactor*, std::weak_ptr<UploadStreamReactor>> uploads_
      ABSL_GUARDED_BY(mu_);
  std::thread watchdog_;

  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  absl::Mutex workers_mu_;
  std::vector<Worker> workers_ ABSL_GUARDED_BY(workers_mu_);
};

}  // namespace hub

#endif  // HUB_HUB_RPC_UPLOAD_STREAM_H_
