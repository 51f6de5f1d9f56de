// Revocation while the hub runs (no restart): the revoked certificate
// serials in force and a watcher that reads the CRL file again when it
// changes.
//
// Who reads the list: the TLS verifier at every handshake (new connections
// with a revoked certificate fail the handshake), the AccessGate at every
// call (calls on connections opened before the revocation are refused
// UNAUTHENTICATED), the HTTPS port of /metrics and the dashboard, and the
// long streams (PullFeed, uploads), which end themselves when their
// certificate is revoked (they watch generation()). hubd then closes the
// certificate's connections (hub/rpc/client_connections.h); one that never
// carried a call is closed by the server's idle limit.
//
// Thread safety: every class here is safe for concurrent use.
#ifndef HUB_AUTH_REVOCATION_H_
#define HUB_AUTH_REVOCATION_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace grpc {
class AuthContext;
}  // namespace grpc

namespace hub::auth {

// The serials (uppercase hex, no leading zeros: auth/tls.h) revoked now.
class RevocationList {
 public:
  explicit RevocationList(std::set<std::string> revoked = {});

  bool IsRevoked(std::string_view serial) const;
  // Puts `revoked` in force; returns the serials it adds.
  std::vector<std::string> Replace(std::set<std::string> revoked);
  size_t size() const;
  // Changes with every Replace: a cheap way for a stream to notice one.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  std::atomic<uint64_t> generation_{0};
  mutable absl::Mutex mu_;
  std::shared_ptr<const std::set<std::string>> revoked_ ABSL_GUARDED_BY(mu_);
};

// The serial of the verified client certificate of a call (its auth
// context's "x509_pem_cert"); NotFound for a call without one (plaintext).
// Parsed certificates are remembered (a bounded cache), so the cost per
// call is a lookup.
absl::StatusOr<std::string> PeerCertificateSerial(const grpc::AuthContext* context);

struct CrlWatcherOptions {
  // The CRL or deny list (auth/tls.h: LoadRevokedSerials) and the county CA
  // (PEM) that must sign a CRL.
  std::string crl_file;
  std::string ca_pem;
  // How often the file is checked (its size, modification time and inode:
  // a Kubernetes Secret update swaps the file).
  absl::Duration poll_interval = absl::Seconds(5);
  // After a reload put a list in force: the serials it added.
  std::function<void(const std::vector<std::string>& newly_revoked, size_t in_force)> on_reload;
  // After a reload failed (the list in force stays).
  std::function<void(const absl::Status& error)> on_error;
};

class CrlWatcher {
 public:
  // Starts polling `options.crl_file` and replacing `list` (not owned; must
  // outlive the watcher) when it changes. The list is expected to hold the
  // file's current content already.
  CrlWatcher(CrlWatcherOptions options, RevocationList* list);
  // Stops the polling thread.
  ~CrlWatcher();
  CrlWatcher(const CrlWatcher&) = delete;
  CrlWatcher& operator=(const CrlWatcher&) = delete;

  // Reads the file now, changed or not. OK once its list is in force;
  // the loader's error otherwise (the list in force stays; an empty file
  // or a deny list cut short is refused: auth/tls.h LoadRevokedSerials).
  // Unavailable if the file changed while it was read (a writer at work):
  // nothing changes, nothing is counted, and the watcher reads it again.
  absl::Status ReloadNow();

  int64_t reloads() const;
  int64_t failures() const;
  // True once reloads() (failures()) reaches `count`; false after `timeout`.
  bool WaitForReloads(int64_t count, absl::Duration timeout) const;
  bool WaitForFailures(int64_t count, absl::Duration timeout) const;

 private:
  struct FileState {
    int64_t size = -1;
    int64_t mtime_ns = -1;
    uint64_t inode = 0;
    bool operator==(const FileState&) const = default;
  };
  FileState Stat() const;
  void Loop();

  const CrlWatcherOptions options_;
  RevocationList* const list_;
  // Serializes reloads (the loop's and ReloadNow's).
  absl::Mutex reload_mu_;
  mutable absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  int64_t reloads_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t failures_ ABSL_GUARDED_BY(mu_) = 0;
  FileState seen_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace hub::auth

#endif  // HUB_AUTH_REVOCATION_H_
