#ifndef ZIC_DETAIL_JSON_READER_HPP
#define ZIC_DETAIL_JSON_READER_HPP

// Lenient readers over parsed JSON values: where servers differ (numbers sent as strings,
// null for absent, ids as numbers), accept both; where input would be unsafe, refuse.

#include "../config.hpp"
#include "ascii.hpp"
#include "tape.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

ZIC_NAMESPACE_BEGIN
namespace detail {

/// Decimal integer text ("123", "-4"); surrounding blanks allowed, nothing else.
inline bool parse_decimal(std::string_view s, std::int64_t& out) noexcept {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.empty()) return false;
  if (s.front() == '+') s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

/// An integer sent as a number, a numeric string, or null/"" (meaning 0). A fractional
/// number is truncated (some servers send 50.0); one beyond int64 is a schema error.
inline bool read_int64(tape_value e, std::int64_t& out) noexcept {
  switch (e.type()) {
  case 'l': out = e.number<std::int64_t>(); return true;
  case 'u': return false;  // > INT64_MAX: not a size or count
  case 'd': {
    double d = e.number<double>();
    if (!std::isfinite(d) || d >= 9.2e18 || d <= -9.2e18) return false;
    out = static_cast<std::int64_t>(d);
    return true;
  }
  case '"': {
    std::string_view s = e.string();
    if (s.empty()) {
      out = 0;
      return true;
    }
    return parse_decimal(s, out);
  }
  case 'n': out = 0; return true;
  default: return false;
  }
}

/// A percentage; values outside 0-100 are clamped rather than trusted.
inline bool read_percent(tape_value e, int& out) noexcept {
  std::int64_t v = 0;
  if (!read_int64(e, v)) return false;
  out = static_cast<int>(v < 0 ? 0 : v > 100 ? 100 : v);
  return true;
}

/// A string; null means empty.
inline bool read_string(tape_value e, std::string_view& out) noexcept {
  if (e.is_string()) {
    out = e.string();
    return true;
  }
  if (e.is_null()) {
    out = {};
    return true;
  }
  return false;
}

inline bool read_string(tape_value e, std::string& out) {
  std::string_view v;
  if (!read_string(e, v)) return false;
  out.assign(v);
  return true;
}

/// A job id: a string, or an integer written back in decimal (Milvus ids are int64).
inline bool read_id(tape_value e, std::string& out) {
  if (e.is_int64() || e.is_uint64()) {
    char buf[24];
    auto r = e.is_int64() ? std::to_chars(buf, buf + sizeof buf, e.number<std::int64_t>())
                          : std::to_chars(buf, buf + sizeof buf, e.number<std::uint64_t>());
    out.assign(buf, r.ptr);
    return true;
  }
  return read_string(e, out);
}

} // namespace detail
ZIC_NAMESPACE_END

#endif // ZIC_DETAIL_JSON_READER_HPP
