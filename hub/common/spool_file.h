// SpoolFile: one upload's bytes on disk, hashed (SHA-256) as they arrive, so
// an upload of any size costs no memory and its hash is known before any of
// it is applied. Shared by PlanService.UploadFile and
// ProviderService.UploadFile.
#ifndef HUB_SPOOL_FILE_H_
#define HUB_SPOOL_FILE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/sha256.h"

namespace hub {

// Spool files are "<dir>/upload-<tag><id>.part"; leftovers of a crash are
// recognised by IsSpoolFileName and deleted at start.
inline constexpr char kSpoolPrefix[] = "upload-";
inline constexpr char kSpoolSuffix[] = ".part";
bool IsSpoolFileName(std::string_view name);

// Deletes its file when destroyed. Not thread-safe.
class SpoolFile {
 public:
  // Creates "<dir>/upload-<tag><id>.part" (must not exist). Unavailable, with
  // an actionable sentence and no server path, if it cannot; the cause goes
  // to the log (event upload_spool_failed).
  static absl::StatusOr<std::unique_ptr<SpoolFile>> Create(const std::string& dir,
                                                           std::string_view tag, uint64_t id);
  ~SpoolFile();
  SpoolFile(const SpoolFile&) = delete;
  SpoolFile& operator=(const SpoolFile&) = delete;

  // Appends and hashes `bytes`.
  absl::Status Append(std::string_view bytes);
  // Closes the file for writing and returns the content's SHA-256 (hex).
  absl::StatusOr<std::string> Close();

  const std::string& path() const { return path_; }
  int64_t size() const { return size_; }

 private:
  SpoolFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

  const std::string path_;
  int fd_;
  int64_t size_ = 0;
  Sha256 sha_;
};

}  // namespace hub

#endif  // HUB_SPOOL_FILE_H_
