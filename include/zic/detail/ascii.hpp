#ifndef ZIC_DETAIL_ASCII_HPP
#define ZIC_DETAIL_ASCII_HPP

#include "../config.hpp"

#include <string_view>

ZIC_NAMESPACE_BEGIN
namespace detail {

constexpr char to_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (to_lower(a[i]) != to_lower(b[i])) return false;
  return true;
}

constexpr bool icontains(std::string_view haystack, std::string_view needle) noexcept {
  if (needle.size() > haystack.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i)
    if (iequals(haystack.substr(i, needle.size()), needle)) return true;
  return false;
}

/// Control characters (C0 and DEL) have no place in a header value: CR/LF would split it.
constexpr bool has_control_char(std::string_view s) noexcept {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

} // namespace detail
ZIC_NAMESPACE_END

#endif // ZIC_DETAIL_ASCII_HPP
