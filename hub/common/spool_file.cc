#include "hub/common/spool_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "hub/common/log.h"

namespace hub {
namespace {

// The cause (with the server path) goes to the log only.
absl::Status SpoolError(const char* action, const std::string& path, int error) {
  log::Error("upload_spool_failed",
             {{"action", action}, {"spool_path", path}, {"cause", std::strerror(error)}});
  return absl::UnavailableError(
      "the hub cannot store the upload right now (its spool disk may be full); try again "
      "later, and if this persists tell the hub administrator (log event "
      "upload_spool_failed)");
}

}  // namespace

bool IsSpoolFileName(std::string_view name) {
  const absl::string_view n(name.data(), name.size());
  return absl::StartsWith(n, kSpoolPrefix) && absl::EndsWith(n, kSpoolSuffix);
}

absl::StatusOr<std::unique_ptr<SpoolFile>> SpoolFile::Create(const std::string& dir,
                                                             std::string_view tag, uint64_t id) {
  std::string path = absl::StrCat(dir, "/", kSpoolPrefix, absl::string_view(tag.data(), tag.size()),
                                  id, kSpoolSuffix);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return SpoolError("create", path, errno);
  return std::unique_ptr<SpoolFile>(new SpoolFile(std::move(path), fd));
}

SpoolFile::~SpoolFile() {
  if (fd_ >= 0) ::close(fd_);
  ::unlink(path_.c_str());
}

absl::Status SpoolFile::Append(std::string_view bytes) {
  sha_.Update(bytes);
  size_ += static_cast<int64_t>(bytes.size());
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return SpoolError("write", path_, errno);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> SpoolFile::Close() {
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return SpoolError("close", path_, errno);
  return sha_.HexDigest();
}

}  // namespace hub
