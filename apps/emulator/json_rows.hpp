#ifndef ZIC_EMULATOR_JSON_ROWS_HPP
#define ZIC_EMULATOR_JSON_ROWS_HPP

// Counts the rows of a JSON import file ({"rows":[...]} or a top-level array) as its bytes
// stream by, and checks that the whole file is valid JSON (RFC 8259, in UTF-8), as the server's
// reader would. A DOM parser needs several times the file in memory, and simdjson's array
// size() stops at 2^24 - 1; this keeps one byte per open bracket and counts in 64 bits.
// Given a `row_check`, it also hands each row object's text to it, one row at a time, so a
// schema can be checked on every row in memory bounded by the largest row.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace zic_emulator {

class json_row_counter {
public:
  static constexpr std::size_t max_depth = 1024;  // as simdjson's default
  static constexpr std::size_t max_checked_row = std::size_t(64) << 20;  // larger rows are not checked

  /// Called with each row's text (an object) and its index; false (with `why`) fails the file.
  std::function<bool(std::string_view row, std::int64_t index, std::string& why)> row_check;

  /// Reads the next bytes of the file; false once it is not valid JSON (`error()` says why).
  bool feed(std::string_view bytes) {
    chunk_ = bytes;
    capture_from_ = 0;
    for (std::size_t i = 0; i < bytes.size() && error_.empty();) i = step(bytes, i);
    if (capturing_ && error_.empty()) keep(bytes.size());
    offset_ += bytes.size();
    return error_.empty();
  }

  /// At the end of the file: false when it is not valid JSON or holds no rows array.
  bool finish() {
    if (!error_.empty()) return false;
    if (token_ == token::number && number_complete()) {
      token_ = token::none;
      value_done();
    }
    if (token_ != token::none) return invalid("the file ends inside a value", offset_);
    if (expect_ != expect::end)
      return invalid(root_ == 0 ? "the file is empty" : "the file ends before its value does",
                     offset_);
    if (root_ == '[' || rows_ == rows_state::counted) return true;
    error_ = "JSON file has no \"rows\" array";
    return false;
  }

  std::int64_t rows() const { return count_; }
  const std::string& error() const { return error_; }

private:
  enum class expect : std::uint8_t {
    value, value_or_close, key_or_close, key, colon, comma_or_close, end
  };
  enum class token : std::uint8_t { none, string, escape, unicode, number, literal };
  enum class number : std::uint8_t {
    minus, zero, integer, dot, fraction, exp_mark, exp_sign, exponent
  };
  // The rows array: the root when it is an array, else the root object's first "rows" member.
  enum class rows_state : std::uint8_t { none, next_value, counting, counted, other };

  bool invalid(const char* what, std::uint64_t at) {
    error_ = "not valid JSON: " + std::string(what) + " at byte " + std::to_string(at);
    return false;
  }

  static bool space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
  static bool digit(unsigned char c) { return c >= '0' && c <= '9'; }

  // Handles the byte at `i` (and, inside a string, the plain bytes after it); returns where
  // the next step starts. A byte that ends a number is handled again after it.
  std::size_t step(std::string_view in, std::size_t i) {
    const auto c = static_cast<unsigned char>(in[i]);
    const std::uint64_t at = offset_ + i;
    switch (token_) {
    case token::string: return in_string(in, i);
    case token::escape:
      if (c == 'u') {
        token_ = token::unicode;
        hex_left_ = 4;
      } else if (std::string_view("\"\\/bfnrt").find(static_cast<char>(c)) !=
                 std::string_view::npos) {
        token_ = token::string;
      } else {
        invalid("an unknown escape in a string", at);
      }
      return i + 1;
    case token::unicode:
      if (!digit(c) && !((c | 0x20) >= 'a' && (c | 0x20) <= 'f')) invalid("a bad \\u escape", at);
      else if (--hex_left_ == 0) token_ = token::string;
      return i + 1;
    case token::number:
      if (number_ == number::zero && digit(c)) {
        invalid("a number with a leading zero", at);
        return i + 1;
      }
      if (number_step(c)) return i + 1;
      if (!number_complete()) {
        invalid("an incomplete number", at);
        return i + 1;
      }
      token_ = token::none;
      value_done();
      return i;  // the byte after a number is the structure's
    case token::literal:
      if (c != static_cast<unsigned char>(*literal_)) {
        invalid("an unknown word", at);
      } else if (*++literal_ == '\0') {
        token_ = token::none;
        value_done();
      }
      return i + 1;
    case token::none: break;
    }
    if (space(c)) return i + 1;
    switch (expect_) {
    case expect::value_or_close:
    case expect::value:
      if (c == ']' && expect_ == expect::value_or_close) close(c, at);
      else begin_value(c, at);
      return i + 1;
    case expect::key_or_close:
    case expect::key:
      if (c == '}' && expect_ == expect::key_or_close) close(c, at);
      else if (c == '"') begin_string(true);
      else invalid("a member that is not a \"key\"", at);
      return i + 1;
    case expect::colon:
      if (c != ':') invalid("a key without ':'", at);
      else expect_ = expect::value;
      return i + 1;
    case expect::comma_or_close:
      if (c == ',') expect_ = stack_.back() == '{' ? expect::key : expect::value;
      else if (c == ']' || c == '}') close(c, at);
      else invalid("a missing ',' between values", at);
      return i + 1;
    case expect::end: invalid("more after the JSON value", at); return i + 1;
    }
    return i + 1;
  }

  void begin_value(unsigned char c, std::uint64_t at) {
    if (stack_.empty()) {
      root_ = static_cast<char>(c);
      if (c == '[') {
        rows_ = rows_state::counting;
        rows_depth_ = 1;
      }
    } else if (rows_ == rows_state::counting && stack_.size() == rows_depth_) {
      ++count_;
      if (row_check && c != '{') {
        error_ = "row " + std::to_string(count_ - 1) + " is not a JSON object";
        return;
      }
      if (row_check) {
        capturing_ = true;
        row_.clear();
        capture_from_ = static_cast<std::size_t>(at - offset_);
      }
    } else if (rows_ == rows_state::next_value) {
      rows_ = c == '[' ? rows_state::counting : rows_state::other;
      rows_depth_ = 2;
    }
    switch (c) {
    case '{':
    case '[':
      if (stack_.size() >= max_depth) {
        invalid("nesting deeper than 1024 levels", at);
        return;
      }
      stack_.push_back(static_cast<char>(c));
      expect_ = c == '{' ? expect::key_or_close : expect::value_or_close;
      return;
    case '"': begin_string(false); return;
    case 't':
    case 'f':
    case 'n':
      literal_ = c == 't' ? "rue" : c == 'f' ? "alse" : "ull";
      token_ = token::literal;
      return;
    default:
      if (c == '-' || digit(c)) {
        token_ = token::number;
        number_ = c == '-' ? number::minus : c == '0' ? number::zero : number::integer;
        return;
      }
      invalid("a byte that starts no value", at);
    }
  }

  void close(unsigned char c, std::uint64_t at) {
    if ((c == ']') != (stack_.back() == '[')) {
      invalid("a bracket that closes another", at);
      return;
    }
    if (rows_ == rows_state::counting && stack_.size() == rows_depth_ && rows_depth_ == 2)
      rows_ = rows_state::counted;
    if (capturing_ && stack_.size() == rows_depth_ + 1) {  // the row's own closing brace
      keep(static_cast<std::size_t>(at - offset_) + 1);
      capturing_ = false;
      std::string why;
      if (row_.size() <= max_checked_row && !row_check(row_, count_ - 1, why)) error_ = why;
      row_.clear();
    }
    stack_.pop_back();
    expect_ = stack_.empty() ? expect::end : expect::comma_or_close;
  }

  void value_done() { expect_ = stack_.empty() ? expect::end : expect::comma_or_close; }

  void begin_string(bool key) {
    token_ = token::string;
    key_ = key;
    // Only a key of the root object can name the rows.
    key_length_ = key && stack_.size() == 1 && rows_ == rows_state::none ? 0 : -1;
  }

  std::size_t in_string(std::string_view in, std::size_t i) {
    const std::uint64_t at = offset_ + i;
    const auto c = static_cast<unsigned char>(in[i]);
    if (utf8_left_ > 0) {
      if (c < utf8_low_ || c > utf8_high_) {
        invalid("text that is not UTF-8", at);
        return i + 1;
      }
      --utf8_left_;
      utf8_low_ = 0x80;
      utf8_high_ = 0xBF;
      return i + 1;
    }
    if (c == '"') {
      token_ = token::none;
      if (!key_) value_done();
      else {
        expect_ = expect::colon;
        if (key_length_ == 4) rows_ = rows_state::next_value;
      }
      return i + 1;
    }
    if (c == '\\') {
      token_ = token::escape;
      key_length_ = -1;  // an escaped "rows" is not the same key
      return i + 1;
    }
    if (c < 0x20) {
      invalid("a control character in a string", at);
      return i + 1;
    }
    if (c >= 0x80) {
      key_length_ = -1;
      utf8_low_ = 0x80;
      utf8_high_ = 0xBF;
      if (c >= 0xC2 && c <= 0xDF) utf8_left_ = 1;
      else if (c >= 0xE0 && c <= 0xEF) {
        utf8_left_ = 2;
        if (c == 0xE0) utf8_low_ = 0xA0;       // no overlong forms
        else if (c == 0xED) utf8_high_ = 0x9F;  // no surrogates
      } else if (c >= 0xF0 && c <= 0xF4) {
        utf8_left_ = 3;
        if (c == 0xF0) utf8_low_ = 0x90;
        else if (c == 0xF4) utf8_high_ = 0x8F;  // nothing past U+10FFFF
      } else {
        invalid("text that is not UTF-8", at);
      }
      return i + 1;
    }
    // Plain ASCII: most of a file's bytes. Match the key, then skip ahead to the next byte
    // that matters.
    if (key_length_ >= 0)
      key_length_ = key_length_ < 4 && c == "rows"[key_length_] ? key_length_ + 1 : -1;
    std::size_t j = i + 1;
    if (key_length_ < 0) {
      while (j < in.size()) {
        const auto d = static_cast<unsigned char>(in[j]);
        if (d == '"' || d == '\\' || d < 0x20 || d >= 0x80) break;
        ++j;
      }
    }
    return j;
  }

  // True while `c` continues the number; false when it ends it.
  bool number_step(unsigned char c) {
    switch (number_) {
    case number::minus:
      if (c == '0') return number_ = number::zero, true;
      if (digit(c)) return number_ = number::integer, true;
      return false;
    case number::zero:
    case number::integer:
      if (digit(c)) return true;
      if (c == '.') return number_ = number::dot, true;
      if (c == 'e' || c == 'E') return number_ = number::exp_mark, true;
      return false;
    case number::dot:
      if (digit(c)) return number_ = number::fraction, true;
      return false;
    case number::fraction:
      if (digit(c)) return true;
      if (c == 'e' || c == 'E') return number_ = number::exp_mark, true;
      return false;
    case number::exp_mark:
      if (c == '+' || c == '-') return number_ = number::exp_sign, true;
      [[fallthrough]];
    case number::exp_sign:
      if (digit(c)) return number_ = number::exponent, true;
      return false;
    case number::exponent: return digit(c);
    }
    return false;
  }

  // Keeps the current row's bytes of this chunk up to `end`, while it is small enough to check.
  void keep(std::size_t end) {
    if (row_.size() <= max_checked_row)
      row_.append(chunk_.substr(capture_from_, std::min(end - capture_from_, max_checked_row + 1)));
    capture_from_ = end;
  }

  bool number_complete() const {
    return number_ == number::zero || number_ == number::integer || number_ == number::fraction ||
           number_ == number::exponent;
  }

  std::string stack_;  // '{' or '[' for each open container
  expect expect_ = expect::value;
  token token_ = token::none;
  number number_ = number::zero;
  const char* literal_ = "";
  int hex_left_ = 0, utf8_left_ = 0;
  unsigned char utf8_low_ = 0x80, utf8_high_ = 0xBF;
  bool key_ = false;
  int key_length_ = -1;  // characters of "rows" matched so far; -1: not that key
  char root_ = 0;
  rows_state rows_ = rows_state::none;
  std::size_t rows_depth_ = 0;  // the rows array's depth, once found
  std::int64_t count_ = 0;
  std::uint64_t offset_ = 0;    // of the bytes fed before the current ones
  std::string error_;
  std::string_view chunk_;         // the bytes being fed
  bool capturing_ = false;         // inside a row that is being kept for row_check
  std::size_t capture_from_ = 0;   // where in chunk_ the row's unkept bytes start
  std::string row_;
};

} // namespace zic_emulator

#endif
