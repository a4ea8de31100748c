#ifndef ZIC_DETAIL_TEXT_HPP
#define ZIC_DETAIL_TEXT_HPP

#include "../config.hpp"

#include <algorithm>
#include <string>
#include <string_view>

ZIC_NAMESPACE_BEGIN
namespace detail {

/// The length of a UTF-8 sequence at `s[i]` that a terminal would act on rather than show: C1
/// controls (U+0080-U+009F, such as CSI) and the bidirectional overrides and isolates
/// (U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069), which can disguise text. 0 otherwise.
constexpr std::size_t terminal_control_at(std::string_view s, std::size_t i) noexcept {
  const auto b = [&](std::size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
  if (b(0) == 0xC2 && b(1) >= 0x80 && b(1) <= 0x9F) return 2;
  if (b(0) == 0xD8 && b(1) == 0x9C) return 2;
  if (b(0) == 0xE2 && b(1) == 0x80 && (b(2) == 0x8E || b(2) == 0x8F || (b(2) >= 0xAA && b(2) <= 0xAE))) return 3;
  if (b(0) == 0xE2 && b(1) == 0x81 && b(2) >= 0xA6 && b(2) <= 0xA9) return 3;
  return 0;
}

/// Server text made safe for a message or a terminal: control characters (C0, DEL, C1 and
/// bidirectional controls) become spaces, and anything past `max` bytes is cut with an ellipsis.
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
  for (std::size_t i = 0; i < s.size();) {
    if (const std::size_t n = terminal_control_at(s, i)) {
      out.push_back(' ');
      i += n;
      continue;
    }
    auto u = static_cast<unsigned char>(s[i++]);
    out.push_back(u < 0x20 || u == 0x7f ? ' ' : static_cast<char>(u));
  }
  if (cut) out += "...";
  return out;
}

constexpr bool is_word_char(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/// Whether `text[pos, pos + n)` stands as a token of its own: not glued to letters or digits
/// on a side where `secret` itself begins or ends with one.
inline bool stands_alone(std::string_view text, std::size_t pos, std::size_t n, std::string_view secret) noexcept {
  if (pos > 0 && is_word_char(secret.front()) && is_word_char(text[pos - 1])) return false;
  if (n == secret.size() && pos + n < text.size() && is_word_char(secret.back()) && is_word_char(text[pos + n]))
    return false;
  return true;
}

// Where `needle` next occurs in `text` from `from`, in any letter case.
inline std::size_t ifind(std::string_view text, std::string_view needle, std::size_t from) noexcept {
  const auto low = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
  for (std::size_t i = from; i + needle.size() <= text.size(); ++i) {
    std::size_t k = 0;
    while (k < needle.size() && low(text[i + k]) == low(needle[k])) ++k;
    if (k == needle.size()) return i;
  }
  return std::string_view::npos;
}

inline bool iequal_prefix(std::string_view a, std::string_view b) noexcept {
  return ifind(a, b, 0) == 0 && a.size() == b.size();
}

/**
 * Replaces `secret` with `***` wherever it stands as a token of its own, in any letter case (a
 * server may echo it upper-cased), so a one-letter key cannot mangle "exist" while "Bearer
 * KEY" or "key=KEY" is always masked. The start of a secret that a length limit cut before an
 * ellipsis (`printable` cuts server text before it reaches a message) is masked too: the
 * longest end of the text before each `...` that begins `secret` and stands as a token.
 */
inline void redact(std::string& text, std::string_view secret) {
  if (secret.empty()) return;
  for (auto pos = ifind(text, secret, 0); pos != std::string::npos;) {
    if (stands_alone(text, pos, secret.size(), secret)) {
      text.replace(pos, secret.size(), "***");
      pos = ifind(text, secret, pos + 3);
    } else {
      pos = ifind(text, secret, pos + 1);
    }
  }
  for (auto cut = text.find("..."); cut != std::string::npos; cut = text.find("...", cut + 3)) {
    for (std::size_t n = std::min(cut, secret.size() - 1); n > 0; --n) {
      if (!iequal_prefix(std::string_view(text).substr(cut - n, n), secret.substr(0, n)) ||
          !stands_alone(text, cut - n, n, secret))
        continue;
      text.replace(cut - n, n, "***");
      cut = cut - n + 3;
      break;
    }
  }
}

/// `s` percent-encoded as a URL or a form would carry it: unreserved characters as they are.
inline std::string percent_encoded(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(hex[u >> 4]);
      out.push_back(hex[u & 15]);
    }
  }
  return out;
}

/**
 * Masks every form of a credential a server could echo back: the whole key and, for a Milvus
 * `user:password` key, the password alone; each also percent-encoded (hex digits in either
 * case), and all of them in any letter case. The user name is not a secret and stays.
 */
inline void redact_credential(std::string& text, std::string_view key) {
  auto every_form = [&text](std::string_view s) {
    if (s.empty()) return;
    redact(text, s);
    if (const std::string encoded = percent_encoded(s); encoded != s) redact(text, encoded);
  };
  every_form(key);
  if (const auto colon = key.find(':'); colon != std::string_view::npos) every_form(key.substr(colon + 1));
}

} // namespace detail
ZIC_NAMESPACE_END

#endif // ZIC_DETAIL_TEXT_HPP
