// Incremental SHA-256 (OpenSSL EVP), for upload content hashes.
//
// Not thread-safe: one hash, one thread.
#ifndef HUB_BASE_SHA256_H_
#define HUB_BASE_SHA256_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace hub {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  // Adds `bytes` to the hashed content.
  void Update(std::string_view bytes);
  // The digest of everything added, as 64 lowercase hex digits. Call once;
  // the object is spent afterwards.
  std::string HexDigest();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

// The SHA-256 of the file at `path`, read in 1 MiB blocks. NotFound or
// PermissionDenied (naming the path: for local tools only) if unreadable.
absl::StatusOr<std::string> Sha256OfFile(const std::string& path);

// True if `hex` is 64 lowercase hex digits.
bool IsSha256Hex(std::string_view hex);

}  // namespace hub

#endif  // HUB_BASE_SHA256_H_
