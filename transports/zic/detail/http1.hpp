#ifndef ZIC_DETAIL_HTTP1_HPP
#define ZIC_DETAIL_HTTP1_HPP

// HTTP/1.1 framing with no HTTP library: a request as bytes, and an incremental reader of one
// answer into a caller's `http_response`. It does no I/O; a transport that owns a byte stream
// (the curl transport on a connection libcurl opened) feeds it what arrives.

#include <zic/zic.hpp>  // the core, as one header: also the single header

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

ZIC_NAMESPACE_BEGIN
namespace detail::http1 {

inline void append_number(std::string& out, std::uint64_t n) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, r.ptr);
}

/// Writes the request line, headers and body into `out`, reusing its capacity. Host and
/// Content-Length are the transport's; a caller's own copies of them are dropped.
inline void write_request(const http_request& req, std::string& out) {
  out.clear();
  const std::string_view target = req.target.empty() ? std::string_view("/") : std::string_view(req.target);
  out.append(req.method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ");
  req.write_authority(out);
  out.append("\r\n");
  for (const auto& h : req.headers) {
    if (detail::iequals(h.name, "Host") || detail::iequals(h.name, "Content-Length")) continue;
    out.append(h.name).append(": ").append(h.value).append("\r\n");
  }
  out.append("Content-Length: ");
  append_number(out, req.body.size());
  out.append("\r\n\r\n").append(req.body);
}

/**
 * Reads one answer: status line, header fields, then a body framed by Content-Length, by
 * chunks, or by the end of the connection. Interim 1xx answers are skipped. Strict where a
 * lenient reading could frame the body wrongly (conflicting lengths, folded or malformed
 * fields, codings other than chunked); bare LF line ends are accepted, as RFC 9112 allows.
 */
class answer_reader {
public:
  enum class fault { none, malformed, header_too_large, body_too_large };

  /// `head`: the request was HEAD, so the answer has no body whatever it declares.
  answer_reader(http_response& out, std::size_t max_body, std::size_t max_header, bool head = false) noexcept
      : out_(out), max_body_(max_body), max_header_(max_header), head_(head) {
    out_.status = 0;
    out_.body.clear();
  }

  /// Reads from `in`; returns how many bytes it used. Bytes left unused belong to a header line
  /// not yet whole (feed them again with more), or follow a finished answer.
  std::size_t feed(std::string_view in) {
    const std::size_t size = in.size();
    if (size != 0) got_some_ = true;
    while (!in.empty() && step_ != step::done && fault_ == fault::none) {
      if (step_ == step::body || step_ == step::chunk_data) {
        in.remove_prefix(take_body(in));
        continue;
      }
      if (step_ == step::until_close) {
        if (!append_body(in)) break;
        in = {};
        break;
      }
      // Every other step reads whole lines.
      const std::size_t eol = in.find('\n');
      if (eol == std::string_view::npos) {
        if (counts_as_header() && header_bytes_ + in.size() > max_header_) fail(fault::header_too_large);
        else if (!counts_as_header() && in.size() > max_chunk_line) fail(fault::malformed, "a chunk's size line is too long");
        break;
      }
      std::string_view line = in.substr(0, eol);
      in.remove_prefix(eol + 1);
      if (counts_as_header()) {
        header_bytes_ += eol + 1;
        if (header_bytes_ > max_header_) {
          fail(fault::header_too_large);
          break;
        }
      }
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      on_line(line);
    }
    return size - in.size();
  }

  /// The peer closed the connection: ends a body that runs until then; anything else still
  /// expected makes the answer incomplete (`done()` stays false).
  void on_close() {
    if (step_ == step::until_close) finish();
  }

  bool done() const noexcept { return step_ == step::done; }
  fault failed() const noexcept { return fault_; }
  /// Why the answer is malformed, when `failed() == fault::malformed`.
  std::string_view why() const noexcept { return why_; }
  bool got_some() const noexcept { return got_some_; }
  bool header_done() const noexcept { return header_done_; }
  /// Whether the connection may carry another request once this answer is done.
  bool keep_alive() const noexcept { return keep_alive_; }
  std::optional<std::uint64_t> content_length() const noexcept { return content_length_; }

private:
  // A chunk's size line, extensions included, is short; a longer one is not an answer.
  static constexpr std::size_t max_chunk_line = 4096;

  enum class step { status, fields, body, until_close, chunk_size, chunk_data, chunk_end, trailers, done };

  bool counts_as_header() const noexcept { return step_ == step::status || step_ == step::fields || step_ == step::trailers; }

  void fail(fault f, const char* why = "") noexcept {
    fault_ = f;
    why_ = why;
  }
  void finish() {
    out_.reserve_body(out_.body.size());
    step_ = step::done;
  }

  void on_line(std::string_view line) {
    switch (step_) {
    case step::status: return on_status(line);
    case step::fields: return line.empty() ? on_header_end() : on_field(line);
    case step::chunk_size: return on_chunk_size(line);
    case step::chunk_end:
      if (!line.empty()) return fail(fault::malformed, "a chunk is longer than its size");
      step_ = step::chunk_size;
      return;
    case step::trailers:
      if (line.empty()) finish();
      return;  // trailer fields carry nothing zic reads
    default: return;
    }
  }

  // "HTTP/1.1 200 OK": the version, three digits, then an optional reason.
  void on_status(std::string_view line) {
    if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || !is_digit(line[7]) || line[8] != ' ' ||
        !is_digit(line[9]) || !is_digit(line[10]) || !is_digit(line[11]) || (line.size() > 12 && line[12] != ' '))
      return fail(fault::malformed, "the status line is not HTTP/1.x");
    out_.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    if (out_.status < 100) return fail(fault::malformed, "the status code is below 100");
    keep_alive_ = line[7] != '0';  // HTTP/1.0 closes unless it says otherwise
    chunked_ = false;
    content_length_.reset();
    fields_ = 0;
    step_ = step::fields;
  }

  void on_field(std::string_view line) {
    if (line.front() == ' ' || line.front() == '\t') return fail(fault::malformed, "a header field is folded");
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return fail(fault::malformed, "a header field has no name");
    const std::string_view name = line.substr(0, colon);
    for (char c : name)
      if (c <= ' ' || c >= 0x7f || c == '"' || c == '(' || c == ')' || c == ',' || c == '/' || c == ';' || c == '<' ||
          c == '=' || c == '>' || c == '?' || c == '@' || c == '[' || c == '\\' || c == ']' || c == '{' || c == '}')
        return fail(fault::malformed, "a header field's name is not a token");
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);

    if (iequals(name, "Content-Length")) {
      std::uint64_t n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || ec != std::errc() || end != value.data() + value.size() || !is_digit(value.front()))
        return fail(fault::malformed, "Content-Length is not a number");
      if (content_length_ && *content_length_ != n) return fail(fault::malformed, "Content-Length is given twice, differently");
      content_length_ = n;
    } else if (iequals(name, "Transfer-Encoding")) {
      // Only chunked is understood, and it must come last.
      std::string_view last = value.substr(value.rfind(',') == std::string_view::npos ? 0 : value.rfind(',') + 1);
      while (!last.empty() && (last.front() == ' ' || last.front() == '\t')) last.remove_prefix(1);
      if (!iequals(last, "chunked") || value.size() != last.size())
        return fail(fault::malformed, "the answer uses a transfer coding other than chunked");
      chunked_ = true;
    } else if (iequals(name, "Connection")) {
      if (icontains(value, "close")) keep_alive_ = false;
      else if (icontains(value, "keep-alive")) keep_alive_ = true;
    }
    if (fields_ == out_.headers.size()) out_.headers.emplace_back();
    out_.headers[fields_].name.assign(name);
    out_.headers[fields_].value.assign(value);
    ++fields_;
  }

  void on_header_end() {
    out_.headers.resize(fields_);
    if (out_.status < 200) {
      if (out_.status == 101) return fail(fault::malformed, "the server switched protocols");
      step_ = step::status;  // an interim answer: the real one follows
      header_bytes_ = 0;
      return;
    }
    header_done_ = true;
    if (head_ || out_.status == 204 || out_.status == 304) return finish();
    if (chunked_) {
      // A length beside chunked framing is ignored, and the connection not trusted after.
      if (content_length_) keep_alive_ = false;
      content_length_.reset();
      step_ = step::chunk_size;
      return;
    }
    if (content_length_) {
      if (*content_length_ > max_body_) return fail(fault::body_too_large);
      out_.reserve_body(static_cast<std::size_t>(*content_length_));
      left_ = *content_length_;
      if (left_ == 0) return finish();
      step_ = step::body;
      return;
    }
    keep_alive_ = false;  // the body runs until the server closes
    step_ = step::until_close;
  }

  void on_chunk_size(std::string_view line) {
    const std::string_view digits = line.substr(0, line.find_first_of("; \t"));
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n, 16);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size())
      return fail(fault::malformed, "a chunk size is not hexadecimal");
    if (n == 0) {
      step_ = step::trailers;
      return;
    }
    if (n > max_body_ - out_.body.size()) return fail(fault::body_too_large);
    out_.reserve_body(out_.body.size() + static_cast<std::size_t>(n));
    left_ = n;
    step_ = step::chunk_data;
  }

  std::size_t take_body(std::string_view in) {
    const std::size_t n = left_ < in.size() ? static_cast<std::size_t>(left_) : in.size();
    out_.body.append(in.data(), n);
    left_ -= n;
    if (left_ == 0) {
      if (step_ == step::body) finish();
      else step_ = step::chunk_end;
    }
    return n;
  }

  bool append_body(std::string_view in) {
    if (in.size() > max_body_ - out_.body.size()) {
      fail(fault::body_too_large);
      return false;
    }
    out_.body.append(in);
    return true;
  }

  http_response& out_;
  std::size_t max_body_, max_header_;
  bool head_;
  step step_ = step::status;
  fault fault_ = fault::none;
  const char* why_ = "";
  std::size_t header_bytes_ = 0;
  std::size_t fields_ = 0;
  std::uint64_t left_ = 0;
  std::optional<std::uint64_t> content_length_;
  bool chunked_ = false;
  bool keep_alive_ = true;
  bool got_some_ = false;
  bool header_done_ = false;
};

} // namespace detail::http1
ZIC_NAMESPACE_END

#endif // ZIC_DETAIL_HTTP1_HPP
