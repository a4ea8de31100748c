#ifndef ZIC_DETAIL_JSON_WRITER_HPP
#define ZIC_DETAIL_JSON_WRITER_HPP

#include "../config.hpp"

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

ZIC_NAMESPACE_BEGIN
namespace detail {

/// Appends `s` as a JSON string literal. Quotes, backslashes and control characters are
/// escaped; every other byte (UTF-8 included) is copied as is, in runs.
inline void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
    case '"': out.append("\\\""); break;
    case '\\': out.append("\\\\"); break;
    case '\n': out.append("\\n"); break;
    case '\r': out.append("\\r"); break;
    case '\t': out.append("\\t"); break;
    case '\b': out.append("\\b"); break;
    case '\f': out.append("\\f"); break;
    default: {
      const char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
      out.append(esc, 6);
    }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

/**
 * A minimal streaming writer for the request bodies zic sends: objects, arrays, strings and
 * integers, with commas placed automatically. It writes exactly what it is told; the builders
 * own the key order, which keeps bodies byte-stable for golden tests.
 */
class json_writer {
public:
  explicit json_writer(std::string& out) : out_(out) {}

  json_writer& begin_object() { separate(); out_.push_back('{'); first_ = true; return *this; }
  json_writer& end_object() { out_.push_back('}'); first_ = false; return *this; }
  json_writer& begin_array() { separate(); out_.push_back('['); first_ = true; return *this; }
  json_writer& end_array() { out_.push_back(']'); first_ = false; return *this; }

  json_writer& key(std::string_view k) {
    separate();
    append_json_string(out_, k);
    out_.push_back(':');
    after_key_ = true;
    return *this;
  }
  json_writer& value(std::string_view s) { separate(); append_json_string(out_, s); return *this; }
  json_writer& value(std::nullptr_t) { separate(); out_.append("null"); return *this; }
  // Not a value(bool) overload: a string literal would convert to bool before string_view.
  json_writer& boolean(bool b) { separate(); out_.append(b ? "true" : "false"); return *this; }
  json_writer& value(std::int64_t n) {
    separate();
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, n);
    out_.append(buf, r.ptr);
    return *this;
  }
  json_writer& value(const std::vector<std::string>& strings) {
    begin_array();
    for (const auto& s : strings) value(s);
    return end_array();
  }
  json_writer& value(const std::vector<std::vector<std::string>>& groups) {
    begin_array();
    for (const auto& g : groups) value(g);
    return end_array();
  }

  /// `"key":"value"`, skipped when the value is empty (optional string fields).
  json_writer& optional_member(std::string_view k, std::string_view v) {
    if (!v.empty()) key(k).value(v);
    return *this;
  }
  template <class V> json_writer& member(std::string_view k, const V& v) { return key(k).value(v); }

private:
  void separate() {
    if (after_key_) {
      after_key_ = false;
    } else if (!first_) {
      out_.push_back(',');
    }
    first_ = false;
  }

  std::string& out_;
  bool first_ = true;
  bool after_key_ = false;
};

} // namespace detail
ZIC_NAMESPACE_END

#endif // ZIC_DETAIL_JSON_WRITER_HPP
