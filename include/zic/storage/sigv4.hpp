#ifndef ZIC_STORAGE_SIGV4_HPP
#define ZIC_STORAGE_SIGV4_HPP

// AWS Signature Version 4 as a pure function: (request, credentials, scope, time) -> headers.
// No clock is read here, so the published examples are reproduced byte for byte and a retry
// can be re-signed at the time of its own attempt.

#include "../http.hpp"
#include "../secret.hpp"
#include "digest.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

ZIC_NAMESPACE_BEGIN
namespace storage {

/** Keys of an S3-compatible store (AWS, GCS HMAC keys, MinIO, s3rver). */
struct aws_credentials {
  std::string access_key_id; ///< not secret: it names the key, and stores echo it
  secret secret_access_key;
  secret session_token; ///< short-term credentials only; sent as `x-amz-security-token`
};

/// The `x-amz-content-sha256` value that leaves the body out of the signature.
inline constexpr std::string_view unsigned_payload = "UNSIGNED-PAYLOAD";

/// What `sigv4_sign` computed, kept for tests and for explaining a `SignatureDoesNotMatch`.
struct sigv4_signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;     ///< lower-case hex
  std::string authorization; ///< the `Authorization` header's value
};

namespace detail {

inline bool is_unreserved(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

inline int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Undoes percent-encoding; a '%' not followed by two hex digits stays as it is.
inline std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

/// AWS's URI encoding: every byte but the unreserved ones as `%XX` (upper-case hex); '/' kept
/// when `keep_slash` (object key paths).
inline void aws_encode_into(std::string &out, std::string_view s, bool keep_slash) {
  static constexpr char hex[] = "0123456789ABCDEF";
  for (char c : s) {
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(c);
    } else {
      const auto b = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(hex[b >> 4]);
      out.push_back(hex[b & 0xf]);
    }
  }
}

inline std::string aws_encode(std::string_view s, bool keep_slash) {
  std::string out;
  out.reserve(s.size());
  aws_encode_into(out, s, keep_slash);
  return out;
}

/// The canonical URI: each segment decoded once and encoded once, so a target the builders
/// already encoded and one written by hand sign the same, and nothing is encoded twice.
inline std::string canonical_uri(std::string_view path) {
  if (path.empty()) return "/";
  return aws_encode(percent_decode(path), true);
}

/// The canonical query: each name and value encoded strictly, sorted by name then value;
/// a bare name (`?uploads`) has an empty value.
inline std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    params.emplace_back(aws_encode(percent_decode(item.substr(0, eq)), false),
                        eq == std::string_view::npos
                            ? std::string()
                            : aws_encode(percent_decode(item.substr(eq + 1)), false));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto &[name, value] : params) {
    if (!out.empty()) out.push_back('&');
    out.append(name).append("=").append(value);
  }
  return out;
}

/// Lower-case name; value trimmed, inner runs of spaces folded to one (SigV4's canonical form).
inline std::string canonical_header_value(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

inline std::string lower(std::string_view s) {
  std::string out(s);
  for (char &c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

/// Replaces every header named `name` (any case) with one of `value`.
inline void set_header(http_request &req, std::string_view name, std::string value) {
  std::erase_if(req.headers,
                [&](const http_header &h) { return zic::detail::iequals(h.name, name); });
  req.headers.push_back({std::string(name), std::move(value)});
}

} // namespace detail

/// `YYYYMMDDTHHMMSSZ` (ISO 8601 basic, UTC), as `x-amz-date` carries it.
inline std::string amz_date(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(t);
  const auto day = floor<days>(secs);
  const year_month_day ymd(day);
  const hh_mm_ss hms(secs - day);
  char buf[17];
  auto two = [](char *p, unsigned v) {
    p[0] = static_cast<char>('0' + v / 10);
    p[1] = static_cast<char>('0' + v % 10);
  };
  const int y = static_cast<int>(ymd.year());
  two(buf, static_cast<unsigned>(y / 100));
  two(buf + 2, static_cast<unsigned>(y % 100));
  two(buf + 4, static_cast<unsigned>(ymd.month()));
  two(buf + 6, static_cast<unsigned>(ymd.day()));
  buf[8] = 'T';
  two(buf + 9, static_cast<unsigned>(hms.hours().count()));
  two(buf + 11, static_cast<unsigned>(hms.minutes().count()));
  two(buf + 13, static_cast<unsigned>(hms.seconds().count()));
  buf[15] = 'Z';
  return std::string(buf, 16);
}

/**
 * Signs `req` in place with AWS Signature V4 and returns what was computed.
 *
 * Sets `x-amz-date` (from `now`), `x-amz-content-sha256` (`payload_hash`, or the SHA-256 of the
 * body when it is empty; pass `unsigned_payload` to leave the body out), `x-amz-security-token`
 * when the credentials carry a session token, and `Authorization`. Every other header of the
 * request is signed as it is, and `host` from the request's host and port. A header added after
 * signing is simply unsigned; changing a signed one breaks the signature.
 *
 * @code
 * zic::storage::aws_credentials keys{"AKID", zic::secret("SECRET")};
 * auto sig = zic::storage::sigv4_sign(req, keys, "us-east-1", "s3",
 * std::chrono::system_clock::now());
 * @endcode
 */
inline sigv4_signature sigv4_sign(http_request &req, const aws_credentials &keys,
                                  std::string_view region, std::string_view service,
                                  std::chrono::system_clock::time_point now,
                                  std::string_view payload_hash = {}) {
  const std::string when = amz_date(now);
  const std::string date = when.substr(0, 8);
  const std::string body_hash =
      payload_hash.empty() ? to_hex(sha256(req.body)) : std::string(payload_hash);
  detail::set_header(req, "x-amz-date", when);
  detail::set_header(req, "x-amz-content-sha256", body_hash);
  if (!keys.session_token.empty())
    detail::set_header(req, "x-amz-security-token", keys.session_token.reveal());
  std::erase_if(req.headers,
                [](const http_header &h) { return zic::detail::iequals(h.name, "Authorization"); });

  // Headers: host first, then the request's own; equal names join with ',' in request order.
  std::vector<std::pair<std::string, std::string>> headers;
  headers.emplace_back("host", req.host_header());
  for (const auto &h : req.headers) {
    if (zic::detail::iequals(h.name, "host")) continue;
    headers.emplace_back(detail::lower(h.name), detail::canonical_header_value(h.value));
  }
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto &a, const auto &b) { return a.first < b.first; });
  std::string canonical_headers, signed_headers;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (i > 0 && headers[i].first == headers[i - 1].first) {
      canonical_headers.pop_back(); // the '\n' of the previous line
      canonical_headers.append(",").append(headers[i].second).append("\n");
      continue;
    }
    canonical_headers.append(headers[i].first).append(":").append(headers[i].second).append("\n");
    if (!signed_headers.empty()) signed_headers.push_back(';');
    signed_headers.append(headers[i].first);
  }

  const std::string_view target = req.target;
  const auto q = target.find('?');
  sigv4_signature out;
  out.canonical_request.append(req.method).append("\n");
  out.canonical_request.append(detail::canonical_uri(target.substr(0, q))).append("\n");
  out.canonical_request
      .append(q == std::string_view::npos ? std::string()
                                          : detail::canonical_query(target.substr(q + 1)))
      .append("\n");
  out.canonical_request.append(canonical_headers).append("\n");
  out.canonical_request.append(signed_headers).append("\n");
  out.canonical_request.append(body_hash);

  std::string scope = date;
  scope.append("/").append(region).append("/").append(service).append("/aws4_request");
  out.string_to_sign =
      "AWS4-HMAC-SHA256\n" + when + "\n" + scope + "\n" + to_hex(sha256(out.canonical_request));

  const std::string k_date = hmac_sha256("AWS4" + keys.secret_access_key.reveal(), date);
  const std::string k_region = hmac_sha256(k_date, region);
  const std::string k_service = hmac_sha256(k_region, service);
  const std::string k_signing = hmac_sha256(k_service, "aws4_request");
  out.signature = to_hex(hmac_sha256(k_signing, out.string_to_sign));
  out.authorization = "AWS4-HMAC-SHA256 Credential=" + keys.access_key_id + "/" + scope +
                      ",SignedHeaders=" + signed_headers + ",Signature=" + out.signature;
  req.headers.push_back({"Authorization", out.authorization});
  return out;
}

} // namespace storage
ZIC_NAMESPACE_END

#endif // ZIC_STORAGE_SIGV4_HPP
