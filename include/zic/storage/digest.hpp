#ifndef ZIC_STORAGE_DIGEST_HPP
#define ZIC_STORAGE_DIGEST_HPP

// The hashes object stores ask for (SHA-256 and HMAC-SHA256 for signatures, MD5 for part
// integrity) through OpenSSL's EVP interface, and the encodings they are written in (lower-case
// hex, base64). OpenSSL 3 deprecates the low-level SHA256_Init family; EVP is its supported API.

#include "../config.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

ZIC_NAMESPACE_BEGIN
namespace detail {
struct evp_md_ctx_free {
  void operator()(EVP_MD_CTX *c) const noexcept { EVP_MD_CTX_free(c); }
};
} // namespace detail

namespace storage {

/**
 * An incremental digest over OpenSSL's EVP (SHA-256 or MD5), for data fed in pieces.
 *
 * @code
 * zic::storage::hasher h(EVP_sha256());
 * h.update("abc");
 * std::string hex = zic::storage::to_hex(h.finish());
 * @endcode
 */
class hasher {
public:
  explicit hasher(const EVP_MD *md) : ctx_(EVP_MD_CTX_new()) {
    if (ctx_) EVP_DigestInit_ex(ctx_.get(), md, nullptr);
  }
  void update(std::string_view data) {
    if (ctx_ && !data.empty()) EVP_DigestUpdate(ctx_.get(), data.data(), data.size());
  }
  /// The digest; the hasher is spent afterwards.
  std::string finish() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (ctx_) EVP_DigestFinal_ex(ctx_.get(), out, &n);
    return std::string(reinterpret_cast<const char *>(out), n);
  }

private:
  std::unique_ptr<EVP_MD_CTX, zic::detail::evp_md_ctx_free> ctx_;
};

/// SHA-256 of `data`, raw bytes.
inline std::string sha256(std::string_view data) {
  hasher h(EVP_sha256());
  h.update(data);
  return h.finish();
}

/// MD5 of `data`, raw bytes.
inline std::string md5(std::string_view data) {
  hasher h(EVP_md5());
  h.update(data);
  return h.finish();
}

/// HMAC-SHA256 of `data` under `key`, raw bytes.
inline std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  // An empty key still needs a non-null pointer: OpenSSL reads it as "keep the old key".
  static const unsigned char none = 0;
  const void *k =
      key.empty() ? static_cast<const void *>(&none) : static_cast<const void *>(key.data());
  if (!HMAC(EVP_sha256(), k, static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char *>(data.data()), data.size(), out, &n))
    return {};
  return std::string(reinterpret_cast<const char *>(out), n);
}

/// Lower-case hex of raw bytes.
inline std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xf]);
  }
  return out;
}

/// Standard base64 (RFC 4648, with padding).
inline std::string base64_encode(std::string_view bytes) {
  static constexpr char table[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto at = [&](std::size_t k) {
    return static_cast<unsigned>(static_cast<unsigned char>(bytes[k]));
  };
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    out.push_back(table[(v >> 18) & 63]);
    out.push_back(table[(v >> 12) & 63]);
    out.push_back(table[(v >> 6) & 63]);
    out.push_back(table[v & 63]);
  }
  if (const std::size_t left = bytes.size() - i; left > 0) {
    const unsigned v = at(i) << 16 | (left > 1 ? at(i + 1) << 8 : 0u);
    out.push_back(table[(v >> 18) & 63]);
    out.push_back(table[(v >> 12) & 63]);
    out.push_back(left > 1 ? table[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

/// Decodes standard base64 (padding optional); empty optional on any other character.
inline std::optional<std::string> base64_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  while (!text.empty() && text.back() == '=')
    text.remove_suffix(1);
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (bits >= 6) return std::nullopt; // a lone sixth of a byte cannot end valid base64
  return out;
}

} // namespace storage
ZIC_NAMESPACE_END

#endif // ZIC_STORAGE_DIGEST_HPP
