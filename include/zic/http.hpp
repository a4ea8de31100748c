#ifndef ZIC_HTTP_HPP
#define ZIC_HTTP_HPP

#include "config.hpp"
#include "detail/ascii.hpp"

#include <charconv>
#include <chrono>
#include <cstdint>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

ZIC_NAMESPACE_BEGIN

struct http_header {
  std::string name;
  std::string value;
};

/**
 * One HTTP request, fully built: a transport needs nothing else to send it. Produced by the
 * builders in `requests.hpp`; the `Authorization` header is the only place the API key lives.
 */
struct http_request {
  std::string method = "POST";
  std::string scheme = "https";             ///< "http" or "https"
  std::string host;                         ///< name or address, IPv6 without brackets
  std::uint16_t port = 443;
  std::string target;                       ///< path (and query), e.g. "/v2/vectordb/jobs/import/list"
  std::vector<http_header> headers;
  std::string body;
  /// Budget for this one exchange (connect, send, receive); transports enforce it.
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  /// The call's stop: a transport that can watches it while it waits, and then ends the
  /// exchange with `errc::cancelled` (zic's transports do; the call engine sets it).
  std::stop_token stop;
  /// Whether resending is harmless. Transports may then resend on a stale keep-alive
  /// connection even after writing; otherwise they report `request_sent` instead.
  bool idempotent = true;

  /// Whether this request may be sent twice without a second effect: it is idempotent, or it
  /// carries an `Idempotency-Key` the server deduplicates by. The one rule the client's retries
  /// and the transports' stale-connection resends both follow.
  bool resendable() const noexcept { return idempotent || !header("Idempotency-Key").empty(); }

  /// The first header with this name (case-insensitive), or empty.
  std::string_view header(std::string_view name) const noexcept {
    for (const auto& h : headers)
      if (detail::iequals(h.name, name)) return h.value;
    return {};
  }
  bool is_tls() const noexcept { return scheme == "https"; }
  /// Appends `host[:port]` as the `Host` header carries it: brackets around IPv6, the port
  /// only when it is not the scheme's default.
  void write_authority(std::string& out) const {
    const bool v6 = host.find(':') != std::string::npos;
    if (v6) out.push_back('[');
    out.append(host);
    if (v6) out.push_back(']');
    if (port != (is_tls() ? 443 : 80)) {
      char buf[8];
      auto r = std::to_chars(buf, buf + sizeof buf, port);
      out.push_back(':');
      out.append(buf, r.ptr);
    }
  }
  /// The `Host` header value.
  std::string host_header() const {
    std::string out;
    write_authority(out);
    return out;
  }
  /// `scheme://host[:port]/target`, for messages. Carries no credential.
  std::string url() const {
    std::string out;
    write_url(out);
    return out;
  }
  /// The same into `out`, reusing its capacity.
  void write_url(std::string& out) const {
    out.assign(scheme).append("://");
    write_authority(out);
    out.append(target);
  }
};

/// Spare bytes a transport leaves behind `http_response::body` so the JSON parser reads it in
/// place (simdjson's padding; responses.hpp checks the two agree).
inline constexpr std::size_t body_padding = 64;

namespace detail {
/// Room for a body of `length` bytes plus the padding, and no more. `reserve` may double the old
/// capacity, which would let the lengths a server declares cost twice the body cap.
inline void reserve_body(std::string& body, std::size_t length) {
  const std::size_t want = length + body_padding;
  if (body.capacity() >= want) return;
  std::string room;
  room.reserve(want);
  room.append(body);
  body.swap(room);
}
} // namespace detail

/// One HTTP answer. Transports call `reserve_body` so the parser reads `body` in place; a body
/// without its padding is copied to scratch first.
struct http_response {
  int status = 0;
  std::vector<http_header> headers;
  std::string body;

  /// Room for `length` bytes of body and the padding: call it with a declared length before
  /// appending, and with `body.size()` once the body is whole.
  void reserve_body(std::size_t length) { detail::reserve_body(body, length); }
  /// Whether the body carries its padding, so the parser can read it where it is.
  bool padded() const noexcept { return body.capacity() >= body.size() + body_padding; }

  std::string_view header(std::string_view name) const noexcept {
    for (const auto& h : headers)
      if (detail::iequals(h.name, name)) return h.value;
    return {};
  }
};

namespace detail {
/// A token character of RFC 9110 (method and header names).
constexpr bool is_tchar(char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c)) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}
constexpr bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_tchar(c)) return false;
  return true;
}

/**
 * Why the request cannot go on the wire as it is, or an empty view. Builders never produce
 * such a request; transports check again for requests built by hand, so that no caller can
 * split a line (CR, LF), smuggle a second framing (`Transfer-Encoding` beside the transport's
 * `Content-Length`), or take over the connection (`Connection`, `Upgrade`, `Expect`). `Host`
 * and `Content-Length` are the transport's own: a caller's copies are dropped when written.
 */
constexpr std::string_view unsendable(const http_request& req) noexcept {
  if (!is_token(req.method)) return "the request's method is not an HTTP token";
  if (req.target.find(' ') != std::string::npos || has_control_char(req.target))
    return "the request's target has a space or a control character";
  if (has_control_char(req.host) || req.host.find_first_of(" /?#@") != std::string::npos)
    return "the request's host has a character a host name cannot carry";
  for (const auto& h : req.headers) {
    if (!is_token(h.name)) return "a header name is not an HTTP token";
    if (has_control_char(h.value)) return "a header value has a control character";
    if (iequals(h.name, "Transfer-Encoding") || iequals(h.name, "Connection") || iequals(h.name, "Upgrade") ||
        iequals(h.name, "Expect") || iequals(h.name, "Keep-Alive") || iequals(h.name, "TE") ||
        iequals(h.name, "Trailer"))
      return "a header frames the message or the connection, which the transport owns "
             "(Transfer-Encoding, Connection, Upgrade, Expect, Keep-Alive, TE, Trailer)";
  }
  return {};
}
} // namespace detail

ZIC_NAMESPACE_END

#endif // ZIC_HTTP_HPP
