#include "base/sha256.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace hub {

struct Sha256::Ctx {
  EVP_MD_CTX* md = nullptr;
  ~Ctx() {
    if (md != nullptr) EVP_MD_CTX_free(md);
  }
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) {
  ctx_->md = EVP_MD_CTX_new();
  // Allocation or init failure leaves md null; Update/HexDigest then abort
  // loudly rather than produce a wrong hash.
  if (ctx_->md != nullptr && EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(ctx_->md);
    ctx_->md = nullptr;
  }
}

Sha256::~Sha256() = default;

void Sha256::Update(std::string_view bytes) {
  if (ctx_->md == nullptr || EVP_DigestUpdate(ctx_->md, bytes.data(), bytes.size()) != 1) {
    std::fputs("hub: SHA-256 (OpenSSL) failed\n", stderr);
    std::abort();
  }
}

std::string Sha256::HexDigest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (ctx_->md == nullptr || EVP_DigestFinal_ex(ctx_->md, digest, &size) != 1) {
    std::fputs("hub: SHA-256 (OpenSSL) failed\n", stderr);
    std::abort();
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

struct HmacSha256::Ctx {
  EVP_MAC_CTX* mac = nullptr;
  ~Ctx() {
    if (mac != nullptr) EVP_MAC_CTX_free(mac);
  }
};

absl::StatusOr<std::unique_ptr<const HmacSha256>> HmacSha256::Create(std::string_view key) {
  EVP_MAC* hmac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
  if (hmac == nullptr) return absl::InternalError("OpenSSL has no HMAC (EVP_MAC_fetch failed)");
  auto keyed = std::make_unique<Ctx>();
  keyed->mac = EVP_MAC_CTX_new(hmac);
  EVP_MAC_free(hmac);  // The context holds its own reference.
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  if (keyed->mac == nullptr ||
      EVP_MAC_init(keyed->mac, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                   params) != 1) {
    return absl::InternalError("OpenSSL could not set up HMAC-SHA-256 (EVP_MAC_init failed)");
  }
  return std::unique_ptr<const HmacSha256>(new HmacSha256(std::move(keyed)));
}

HmacSha256::HmacSha256(std::unique_ptr<Ctx> keyed) : keyed_(std::move(keyed)) {}

HmacSha256::~HmacSha256() = default;

std::string HmacSha256::Mac(std::string_view message) const {
  Ctx ctx;
  ctx.mac = EVP_MAC_CTX_dup(keyed_->mac);
  unsigned char digest[EVP_MAX_MD_SIZE];
  size_t size = 0;
  if (ctx.mac == nullptr ||
      EVP_MAC_update(ctx.mac, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1 ||
      EVP_MAC_final(ctx.mac, digest, &size, sizeof(digest)) != 1 || size != kDigestBytes) {
    std::fputs("hub: HMAC-SHA-256 (OpenSSL EVP_MAC) failed\n", stderr);
    std::abort();
  }
  return std::string(reinterpret_cast<const char*>(digest), size);
}

absl::StatusOr<std::string> Sha256OfFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path, " for reading"));
  Sha256 sha;
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const std::streamsize n = in.gcount();
    if (n > 0) sha.Update(std::string_view(buffer.data(), static_cast<size_t>(n)));
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat("error reading ", path));
  return sha.HexDigest();
}

bool IsSha256Hex(std::string_view hex) {
  if (hex.size() != 64) return false;
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace hub
