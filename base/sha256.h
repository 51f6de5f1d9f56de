// SHA-256 and HMAC-SHA-256 through OpenSSL's EVP interfaces: incremental
// SHA-256 for upload content hashes; HMAC-SHA-256 (EVP_MAC) for keyed
// pseudonyms such as the audit log's member references.
#ifndef HUB_BASE_SHA256_H_
#define HUB_BASE_SHA256_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace hub {

// Not thread-safe: one hash, one thread.
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

// HMAC-SHA-256 (RFC 2104) under one key, through OpenSSL's EVP_MAC. The
// key is set up once (its pads absorbed); each Mac copies that keyed state,
// so a MAC costs two SHA-256 finals, not a key schedule.
//
// Thread-safe: Mac may be called from any number of threads at once.
class HmacSha256 {
 public:
  static constexpr size_t kDigestBytes = 32;

  // Internal (naming OpenSSL's failure) if OpenSSL cannot set up HMAC.
  static absl::StatusOr<std::unique_ptr<const HmacSha256>> Create(std::string_view key);
  ~HmacSha256();
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;

  // The 32-byte MAC of `message`. Aborts the process if OpenSSL fails on a
  // key it accepted (out of memory): a wrong MAC would be worse.
  std::string Mac(std::string_view message) const;

 private:
  struct Ctx;
  explicit HmacSha256(std::unique_ptr<Ctx> keyed);
  std::unique_ptr<Ctx> keyed_;
};

// The SHA-256 of the file at `path`, read in 1 MiB blocks. NotFound or
// PermissionDenied (naming the path: for local tools only) if unreadable.
absl::StatusOr<std::string> Sha256OfFile(const std::string& path);

// True if `hex` is 64 lowercase hex digits.
bool IsSha256Hex(std::string_view hex);

}  // namespace hub

#endif  // HUB_BASE_SHA256_H_
