#ifndef ZIC_DETAIL_ANSWER_RULES_HPP
#define ZIC_DETAIL_ANSWER_RULES_HPP

// What both transports refuse in an answer, as RFC 9112 asks of a client: one rule, whatever
// library frames the bytes. Each check returns why the answer is refused, or an empty view.
// Where the RFC tells a client to be lenient (obs-fold is joined with a space) both are.

#include <zic/zic.hpp>  // the core, as one header: also the single header

#include <cstdint>
#include <string_view>

ZIC_NAMESPACE_BEGIN
namespace detail::answer_rules {

inline constexpr std::size_t max_interim_answers = 16;  // 1xx answers before the final one

/// The status line's version (`major`.`minor`, minor -1 for "HTTP/2") and code.
constexpr std::string_view status(int major, int minor, int code) noexcept {
  if (!((major == 1 && (minor == 0 || minor == 1)) || (major == 2 && minor < 0)))
    return "the answer's HTTP version is not one zic speaks";
  if (code < 100 || code > 599) return "the answer's status code is outside 100-599";
  if (code == 101) return "the server switched protocols (101), which zic never asks for";
  return {};
}

constexpr std::string_view trim(std::string_view v) noexcept {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

/// The header (and trailer) fields of one answer, checked as they arrive.
class fields {
public:
  /// Why the field is refused, or an empty view.
  constexpr std::string_view check(std::string_view name, std::string_view value) noexcept {
    value = trim(value);
    for (char c : value)
      if (c == '\0' || c == '\r' || c == '\n') return "a header value of the answer has NUL, CR or LF";
    if (iequals(name, "Content-Length")) {
      if (value.empty() || value.size() > 19) return "the answer's Content-Length is not a length";
      for (char c : value)
        if (!is_digit(c)) return "the answer's Content-Length is not a single decimal length";
      std::uint64_t n = 0;
      for (char c : value) n = n * 10 + static_cast<std::uint64_t>(c - '0');
      // Copies of one length are the same field; two lengths frame two different messages.
      if (has_length_ && length_ != n) return "the answer has two different Content-Lengths";
      has_length_ = true;
      length_ = n;
    } else if (iequals(name, "Transfer-Encoding")) {
      // zic asks for no coding: chunked alone frames a body it can read.
      if (!iequals(value, "chunked")) return "the answer's Transfer-Encoding is not chunked alone";
      if (chunked_) return "the answer says chunked twice";
      chunked_ = true;
    }
    // Both framings at once is the shape of a smuggled answer (RFC 9112 section 6.3).
    if (chunked_ && has_length_) return "the answer has both Content-Length and Transfer-Encoding";
    return {};
  }

private:
  std::uint64_t length_ = 0;
  bool has_length_ = false;
  bool chunked_ = false;
};

} // namespace detail::answer_rules
ZIC_NAMESPACE_END

#endif // ZIC_DETAIL_ANSWER_RULES_HPP
