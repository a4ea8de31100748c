#ifndef ZIC_DETAIL_TEXT_HPP
#define ZIC_DETAIL_TEXT_HPP

#include "../config.hpp"

#include <algorithm>
#include <string>
#include <string_view>

ZIC_NAMESPACE_BEGIN
namespace detail {

/// Server text made safe for a message or a terminal: control characters become spaces, and
/// anything past `max` bytes is cut with an ellipsis.
inline std::string printable(std::string_view s, std::size_t max) {
  std::string out;
  bool cut = s.size() > max;
  if (cut) {
    s = s.substr(0, max);
    // Do not leave half of a UTF-8 sequence behind.
    while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.remove_suffix(1);
    if (!s.empty() && static_cast<unsigned char>(s.back()) >= 0xC0) s.remove_suffix(1);
  }
  out.reserve(s.size() + 3);
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? ' ' : c);
  }
  if (cut) out += "...";
  return out;
}

/// Replaces every occurrence of `secret` in `text` with `***`, and the start of one that a cut
/// left before an ellipsis (`printable` cuts server text before it reaches a message): the
/// longest end of the text before each `...` that begins `secret` is masked too.
inline void redact(std::string& text, std::string_view secret) {
  if (secret.empty()) return;
  for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 3))
    text.replace(pos, secret.size(), "***");
  for (auto cut = text.find("..."); cut != std::string::npos; cut = text.find("...", cut + 3)) {
    for (std::size_t n = std::min(cut, secret.size() - 1); n > 0; --n) {
      if (std::string_view(text).substr(cut - n, n) != secret.substr(0, n)) continue;
      text.replace(cut - n, n, "***");
      cut = cut - n + 3;
      break;
    }
  }
}

} // namespace detail
ZIC_NAMESPACE_END

#endif // ZIC_DETAIL_TEXT_HPP
