#ifndef ZIC_DETAIL_URL_HPP
#define ZIC_DETAIL_URL_HPP

#include "../result.hpp"
#include "ascii.hpp"

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

ZIC_NAMESPACE_BEGIN
namespace detail {

/// An endpoint split once, so every request is built without re-parsing.
struct endpoint_url {
  std::string scheme;  ///< "http" or "https"
  std::string host;    ///< IPv6 without brackets
  std::uint16_t port = 0;
  std::string base;    ///< path prefix without trailing '/', usually empty
};

inline bool is_host_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' || c == '.' ||
         c == '_';
}

inline bool is_path_char(char c) noexcept {
  // RFC 3986 pchar and '/', without '%'-decoding: enough for a base path.
  return is_host_char(c) || c == '/' || c == '~' || c == '%' || c == '!' || c == '$' || c == '&' ||
         c == '\'' || c == '(' || c == ')' || c == '*' || c == '+' || c == ',' || c == ';' ||
         c == '=' || c == ':' || c == '@';
}

/**
 * Parses `http(s)://host[:port][/base]`. Rejects anything else with a message that quotes the
 * input: user info (a credential in a URL would leak into logs), query, fragment, bad ports.
 */
inline result<endpoint_url> parse_endpoint_url(std::string_view url) {
  auto fail = [&](std::string_view why) {
    // Quote the input, unless it may hold a credential (user info) or garble a terminal.
    bool quotable = !has_control_char(url) && url.find('@') == std::string_view::npos;
    return zic::error(errc::invalid_argument,
                      "invalid endpoint" + (quotable ? " \"" + std::string(url) + "\"" : std::string()) +
                          ": " + std::string(why));
  };
  endpoint_url out;
  std::string_view rest;
  if (url.substr(0, 7) == "http://") {
    out.scheme = "http";
    out.port = 80;
    rest = url.substr(7);
  } else if (url.substr(0, 8) == "https://") {
    out.scheme = "https";
    out.port = 443;
    rest = url.substr(8);
  } else {
    return fail("expected a URL starting with http:// or https://");
  }
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos)
    return fail("user info is not allowed in the endpoint; pass the API key separately");
  if (authority.empty()) return fail("no host");

  std::string_view host, port;
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return fail("unterminated IPv6 address");
    host = authority.substr(1, close - 1);
    for (char c : host)
      if (!(is_digit(c) || (to_lower(c) >= 'a' && to_lower(c) <= 'f') || c == ':' || c == '.'))
        return fail("invalid IPv6 address");
    if (host.find(':') == std::string_view::npos) return fail("invalid IPv6 address");
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail("unexpected text after the IPv6 address");
      port = after.substr(1);
      if (port.empty()) return fail("empty port");
    }
  } else {
    auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return fail("empty port");
    }
    for (char c : host)
      if (!is_host_char(c)) return fail("invalid character in host name");
  }
  if (host.empty()) return fail("no host");
  if (!port.empty()) {
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || p != port.data() + port.size() || value == 0 || value > 65535)
      return fail("invalid port");
    out.port = static_cast<std::uint16_t>(value);
  }
  for (char c : path)
    if (!is_path_char(c)) return fail("the endpoint may carry a base path, not a query or fragment");
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  out.host.assign(host);
  out.base.assign(path);
  return out;
}

} // namespace detail
ZIC_NAMESPACE_END

#endif // ZIC_DETAIL_URL_HPP
