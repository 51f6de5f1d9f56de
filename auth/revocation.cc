#include "auth/revocation.h"

#include <grpcpp/security/auth_context.h>
#include <sys/stat.h>

#include <utility>

#include "auth/tls.h"

namespace hub::auth {

RevocationList::RevocationList(std::set<std::string> revoked)
    : revoked_(std::make_shared<const std::set<std::string>>(std::move(revoked))) {}

bool RevocationList::IsRevoked(std::string_view serial) const {
  std::shared_ptr<const std::set<std::string>> revoked;
  {
    absl::MutexLock lock(&mu_);
    revoked = revoked_;
  }
  return revoked->count(std::string(serial)) > 0;
}

std::vector<std::string> RevocationList::Replace(std::set<std::string> revoked) {
  auto next = std::make_shared<const std::set<std::string>>(std::move(revoked));
  absl::MutexLock lock(&mu_);
  std::vector<std::string> added;
  for (const std::string& serial : *next) {
    if (revoked_->count(serial) == 0) added.push_back(serial);
  }
  revoked_ = std::move(next);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  return added;
}

size_t RevocationList::size() const {
  absl::MutexLock lock(&mu_);
  return revoked_->size();
}

namespace {

// PEM -> serial, remembered: a hub sees few distinct client certificates.
class SerialCache {
 public:
  absl::StatusOr<std::string> SerialOf(std::string_view pem) {
    {
      absl::MutexLock lock(&mu_);
      auto it = serials_.find(absl::string_view(pem.data(), pem.size()));
      if (it != serials_.end()) return it->second;
    }
    absl::StatusOr<std::string> serial = CertificateSerial(std::string(pem));
    if (!serial.ok()) return serial.status();
    absl::MutexLock lock(&mu_);
    if (serials_.size() >= kMaxEntries) serials_.clear();
    serials_.emplace(std::string(pem), *serial);
    return serial;
  }

 private:
  static constexpr size_t kMaxEntries = 4096;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::string> serials_ ABSL_GUARDED_BY(mu_);
};

SerialCache& Cache() {
  static SerialCache* const cache = new SerialCache();
  return *cache;
}

}  // namespace

absl::StatusOr<std::string> PeerCertificateSerial(const grpc::AuthContext* context) {
  if (context == nullptr) return absl::NotFoundError("the call has no client certificate");
  std::vector<grpc::string_ref> pems = context->FindPropertyValues("x509_pem_cert");
  if (pems.empty()) return absl::NotFoundError("the call has no client certificate");
  return Cache().SerialOf(std::string_view(pems[0].data(), pems[0].size()));
}

CrlWatcher::CrlWatcher(CrlWatcherOptions options, RevocationList* list)
    : options_(std::move(options)), list_(list) {
  {
    absl::MutexLock lock(&mu_);
    seen_ = Stat();
  }
  thread_ = std::thread([this] { Loop(); });
}

CrlWatcher::~CrlWatcher() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

CrlWatcher::FileState CrlWatcher::Stat() const {
  struct stat st {};
  if (::stat(options_.crl_file.c_str(), &st) != 0) return FileState{};
  return FileState{static_cast<int64_t>(st.st_size),
                   static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
                   static_cast<uint64_t>(st.st_ino)};
}

absl::Status CrlWatcher::ReloadNow() {
  absl::MutexLock reload(&reload_mu_);
  const FileState state = Stat();
  absl::StatusOr<std::set<std::string>> revoked =
      LoadRevokedSerials(options_.crl_file, options_.ca_pem);
  if (Stat() != state) {
    // Changed while read: a writer is still at it. Nothing is put in force
    // and nothing counted; the file is read again at the next poll.
    return absl::UnavailableError(
        "the CRL file changed while it was read; it is read again when it stops changing");
  }
  if (!revoked.ok()) {
    {
      absl::MutexLock lock(&mu_);
      seen_ = state;
      ++failures_;
    }
    if (options_.on_error) options_.on_error(revoked.status());
    return revoked.status();
  }
  const size_t in_force = revoked->size();
  std::vector<std::string> added = list_->Replace(*std::move(revoked));
  {
    absl::MutexLock lock(&mu_);
    seen_ = state;
    ++reloads_;
  }
  if (options_.on_reload) options_.on_reload(added, in_force);
  return absl::OkStatus();
}

void CrlWatcher::Loop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stop_), options_.poll_interval);
      if (stop_) return;
      if (Stat() == seen_) continue;
    }
    (void)ReloadNow();  // Failures are counted and reported through on_error.
  }
}

int64_t CrlWatcher::reloads() const {
  absl::MutexLock lock(&mu_);
  return reloads_;
}

int64_t CrlWatcher::failures() const {
  absl::MutexLock lock(&mu_);
  return failures_;
}

bool CrlWatcher::WaitForReloads(int64_t count, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto reached = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return reloads_ >= count; };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

bool CrlWatcher::WaitForFailures(int64_t count, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto reached = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return failures_ >= count; };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

}  // namespace hub::auth
