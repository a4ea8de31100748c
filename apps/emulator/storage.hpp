#ifndef ZIC_EMULATOR_STORAGE_HPP
#define ZIC_EMULATOR_STORAGE_HPP

// Where an import file's bytes come from: a local file, or an object in an S3-compatible store
// (or any http(s) URL) read with ranged GETs through libcurl, signed with AWS Signature V4 by
// libcurl itself when keys are given. Each source reads in ranges, so a Parquet footer or a
// NumPy header costs a few requests, not the whole object.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#if ZIC_EMULATOR_WITH_CURL
#include <curl/curl.h>
#endif

namespace zic_emulator {

// How long reading one file may take, all its requests together (a store that drips a byte a
// second would otherwise hold a reader for good), and the flag that ends reading early when
// the emulator stops.
struct read_limits {
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::chrono::milliseconds allowed{0};  // what the deadline allows, for the reason
  const std::atomic<bool>* stopping = nullptr;
};

inline std::string seconds_text(std::chrono::milliseconds ms) {
  std::string text = std::to_string(ms.count() / 1000);
  if (const auto rest = ms.count() % 1000; rest != 0) {
    std::string fraction = std::to_string(1000 + rest).substr(1);
    while (fraction.back() == '0') fraction.pop_back();
    text += "." + fraction;
  }
  return text + " s";
}

class byte_source {
public:
  virtual ~byte_source() = default;
  void limit(read_limits limits) { limits_ = limits; }
  /// The object's size, or false with `error` saying why it cannot be read.
  virtual bool size(std::int64_t& out, std::string& error) = 0;
  /// Replaces `out` with bytes [offset, offset + length), which lie within the object.
  virtual bool read(std::int64_t offset, std::int64_t length, std::string& out, std::string& error) = 0;

  /// Hands bytes [offset, offset + length) to `sink` a piece at a time, so that a whole file
  /// is read in bounded memory; false when reading fails (`error` says why) or the sink
  /// returns false (then `error` is left alone).
  using sink = std::function<bool(std::string_view)>;
  virtual bool stream(std::int64_t offset, std::int64_t length, const sink& to,
                      std::string& error) {
    constexpr std::int64_t piece = std::int64_t(1) << 20;
    std::string buffer;
    for (std::int64_t at = offset; at < offset + length; at += piece) {
      const auto n = std::min(piece, offset + length - at);
      if (!read(at, n, buffer, error) || !to(buffer)) return false;
    }
    return true;
  }

protected:
  /// False, with the reason, once the deadline has passed or the emulator is stopping.
  bool within(std::string& error) const {
    if (limits_.stopping && limits_.stopping->load()) {
      error = "the emulator stopped while reading it";
      return false;
    }
    if (std::chrono::steady_clock::now() < limits_.deadline) return true;
    error = deadline_reason();
    return false;
  }

  std::string deadline_reason() const {
    return "reading it took longer than the " + seconds_text(limits_.allowed) +
           " the emulator allows for one file (--read-timeout)";
  }

  read_limits limits_;
};

class file_source final : public byte_source {
public:
  explicit file_source(std::filesystem::path path) : path_(std::move(path)) {}

  bool size(std::int64_t& out, std::string& error) override {
    if (!within(error)) return false;
    std::error_code ec;
    auto status = std::filesystem::status(path_, ec);
    if (ec || !std::filesystem::exists(status)) return fail(error, "no such file");
    if (!std::filesystem::is_regular_file(status)) return fail(error, "not a regular file");
    in_.open(path_, std::ios::binary);
    if (!in_) return fail(error, "permission denied");
    out = static_cast<std::int64_t>(std::filesystem::file_size(path_, ec));
    return !ec || fail(error, ec.message());
  }

  bool read(std::int64_t offset, std::int64_t length, std::string& out, std::string& error) override {
    if (!within(error)) return false;
    out.resize(static_cast<std::size_t>(length));
    in_.clear();
    in_.seekg(offset);
    in_.read(out.data(), length);
    return in_.gcount() == length || fail(error, "the file shrank while it was read");
  }

private:
  static bool fail(std::string& error, std::string why) {
    error = std::move(why);
    return false;
  }

  std::filesystem::path path_;
  std::ifstream in_;
};

/// How to reach and sign for an object.
struct object_location {
  std::string url;                 // http(s)://host[:port]/bucket/key, path-style
  std::string region = "us-east-1";
  std::string access_key, secret_key, token;  // no keys: an anonymous request
};

// Whether a bucket or key has a "." or ".." segment. In an S3 key they are plain characters,
// but a URL's path resolves them (libcurl removes them as RFC 3986 says), so
// "userbucket/../otherbucket/x" would be read from another bucket than the job names. Such keys
// are refused rather than sent.
inline bool has_dot_segment(std::string_view path) {
  for (;;) {
    const auto slash = path.find('/');
    const auto segment = path.substr(0, slash);
    if (segment == "." || segment == "..") return true;
    if (slash == std::string_view::npos) return false;
    path.remove_prefix(slash + 1);
  }
}

// "s3://bucket/key" in a path-style store at `endpoint`; keys are percent-encoded per segment.
inline std::string object_url(std::string_view endpoint, std::string_view bucket, std::string_view key) {
  std::string url(endpoint);
  while (!url.empty() && url.back() == '/') url.pop_back();
  auto append = [&](std::string_view part) {
    static constexpr char hex[] = "0123456789ABCDEF";
    for (char ch : part) {
      const auto c = static_cast<unsigned char>(ch);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
        url.push_back(static_cast<char>(c));
      } else {
        url.push_back('%');
        url.push_back(hex[c >> 4]);
        url.push_back(hex[c & 15]);
      }
    }
  };
  url.push_back('/');
  append(bucket);
  url.push_back('/');
  while (!key.empty() && key.front() == '/') key.remove_prefix(1);
  append(key);
  return url;
}

// The <Code> and <Message> of an S3 error document, as "Code: Message".
inline std::string store_error(std::string_view xml, long status) {
  auto element = [&](std::string_view name) -> std::string {
    const std::string open = "<" + std::string(name) + ">", close = "</" + std::string(name) + ">";
    auto a = xml.find(open);
    if (a == std::string_view::npos) return {};
    a += open.size();
    auto b = xml.find(close, a);
    if (b == std::string_view::npos) return {};
    std::string text(xml.substr(a, std::min<std::size_t>(b - a, 300)));
    for (char& c : text) if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    return text;
  };
  std::string code = element("Code"), message = element("Message");
  if (code.empty()) return "HTTP " + std::to_string(status);
  return message.empty() ? code : code + ": " + message;
}

#if ZIC_EMULATOR_WITH_CURL

class object_source final : public byte_source {
public:
  // How much of a size probe's answer is read: its one byte, a small object whole (when the
  // store ignored the range), or the start of an error document. Never more.
  static constexpr std::int64_t probe_bytes = 16 << 10;

  explicit object_source(object_location where) : where_(std::move(where)) {}
  ~object_source() override {
    if (curl_) curl_easy_cleanup(curl_);
  }
  object_source(const object_source&) = delete;
  object_source& operator=(const object_source&) = delete;

  // The first byte's range answers with the total size (Content-Range), and an error document
  // when the store refuses: one request, as a real server's "get file size" is. A store that
  // ignores the range answers 200 with the whole object: its Content-Length is the size, and
  // the rest of it is left unread unless it was small.
  bool size(std::int64_t& out, std::string& error) override {
    std::string body;
    answer a;
    a.want = probe_bytes;
    const sink keep = [&](std::string_view bytes) {
      body.append(bytes);
      return true;
    };
    a.to = &keep;
    if (!get(0, 0, a, error)) return false;
    if (a.status == 206) {
      if (a.total) out = *a.total;
      else error = "the store answered a range without the object's size (Content-Range)";
      return a.total.has_value();
    }
    if (a.status == 200) {
      if (!a.stopped) {  // it all fit: nothing more to ask for
        whole_ = std::move(body);
        out = static_cast<std::int64_t>(whole_->size());
        return true;
      }
      if (a.length) out = *a.length;
      else error = "the store ignored the range and sent no Content-Length: the size is unknown";
      return a.length.has_value();
    }
    if (a.status == 416) {  // an empty object has no first byte
      out = 0;
      return true;
    }
    error = store_error(a.error_document, a.status);
    return false;
  }

  bool read(std::int64_t offset, std::int64_t length, std::string& out, std::string& error) override {
    out.clear();
    return stream(offset, length, [&](std::string_view bytes) {
      out.append(bytes);
      return true;
    }, error);
  }

  // One request for the whole range, handed on as it arrives.
  bool stream(std::int64_t offset, std::int64_t length, const sink& to,
              std::string& error) override {
    if (length == 0) return true;
    if (whole_) {
      if (offset + length > static_cast<std::int64_t>(whole_->size())) {
        error = "the object is shorter than its size";
        return false;
      }
      return to(std::string_view(*whole_).substr(static_cast<std::size_t>(offset),
                                                 static_cast<std::size_t>(length)));
    }
    answer a;
    a.want = length;
    a.skip = offset;
    a.to = &to;
    if (!get(offset, offset + length - 1, a, error)) return false;
    if (a.got == length && (a.status == 200 || (a.status == 206 && !a.stopped))) return true;
    error = a.status >= 300 ? store_error(a.error_document, a.status)
                            : "the store answered a range with the wrong bytes";
    return false;
  }

private:
  // One answer as it arrives.
  struct answer {
    long status = 0;
    std::optional<std::int64_t> total;   // "Content-Range: bytes A-B/TOTAL"
    std::optional<std::int64_t> length;  // "Content-Length"
    std::int64_t skip = 0;               // bytes of a 200 answer before the wanted ones
    std::int64_t want = 0, got = 0;      // wanted bytes, and those handed on
    const sink* to = nullptr;
    std::string error_document;          // the start of a non-2xx body
    bool stopped = false;                // the rest was not wanted, and was not read
    bool refused = false;                // the sink said stop
  };

  bool get(std::int64_t first, std::int64_t last, answer& a, std::string& error) {
    if (!within(error)) return false;
    if (!curl_ && !(curl_ = curl_easy_init())) {
      error = "cannot start libcurl";
      return false;
    }
    curl_easy_reset(curl_);
    // The file's deadline bounds every request, connecting included.
    long left_ms = 10000;  // when the file has no deadline: connecting's own limit
    if (limits_.deadline != std::chrono::steady_clock::time_point::max()) {
      // Rounded up, so that libcurl gives up at the deadline, not a moment before it.
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(
                            limits_.deadline - std::chrono::steady_clock::now()) +
                        std::chrono::milliseconds(1);
      left_ms = static_cast<long>(std::clamp<std::int64_t>(left.count(), 1, LONG_MAX));
      curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, left_ms);
    }
    if (limits_.stopping) {
      curl_easy_setopt(curl_, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt(curl_, CURLOPT_XFERINFOFUNCTION, &object_source::on_progress);
      curl_easy_setopt(curl_, CURLOPT_XFERINFODATA, limits_.stopping);
    }
    const std::string range = std::to_string(first) + "-" + std::to_string(last);
    char message[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(curl_, CURLOPT_URL, where_.url.c_str());
    curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl_, CURLOPT_RANGE, range.c_str());
    curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, message);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, std::min(left_ms, 10000L));
    curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_LIMIT, 1L);  // no progress for 30 s ends it
    curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_TIME, 30L);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &object_source::on_body);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &a);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, &object_source::on_header);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &a);
    curl_slist* headers = nullptr;
    if (!where_.access_key.empty()) {
      const std::string scope = "aws:amz:" + where_.region + ":s3";
      curl_easy_setopt(curl_, CURLOPT_AWS_SIGV4, scope.c_str());
      curl_easy_setopt(curl_, CURLOPT_USERNAME, where_.access_key.c_str());
      curl_easy_setopt(curl_, CURLOPT_PASSWORD, where_.secret_key.c_str());
      // S3 wants the payload's hash named; libcurl before 8.x does not add it for S3.
      headers = curl_slist_append(headers, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
      if (!where_.token.empty())
        headers = curl_slist_append(headers, ("x-amz-security-token: " + where_.token).c_str());
    }
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
    const CURLcode rc = curl_easy_perform(curl_);
    curl_slist_free_all(headers);
    if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && a.stopped)) return true;
    if (a.refused) return false;
    const bool at_deadline =
        limits_.deadline != std::chrono::steady_clock::time_point::max() &&
        std::chrono::steady_clock::now() + std::chrono::milliseconds(50) >= limits_.deadline;
    if (rc == CURLE_OPERATION_TIMEDOUT && at_deadline) {
      error = deadline_reason();
      return false;
    }
    if (within(error)) error = message[0] ? message : curl_easy_strerror(rc);
    return false;
  }

  // Ends a transfer when the emulator stops (libcurl calls it at least once a second).
  static int on_progress(void* stopping, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<const std::atomic<bool>*>(stopping)->load() ? 1 : 0;
  }

  static std::size_t on_body(char* data, std::size_t one, std::size_t n, void* user) {
    auto& a = *static_cast<answer*>(user);
    std::string_view in(data, one * n);
    if (a.status < 200 || a.status > 299) {  // an error document: its start names the error
      constexpr std::size_t cap = 16 << 10;
      a.error_document.append(in.substr(0, cap - std::min(cap, a.error_document.size())));
      if (a.error_document.size() < cap) return one * n;
      a.stopped = true;
      return 0;
    }
    if (a.status == 200 && a.skip > 0) {  // the store ignored Range: it starts at byte 0
      const auto drop =
          static_cast<std::size_t>(std::min<std::int64_t>(a.skip, std::int64_t(in.size())));
      in.remove_prefix(drop);
      a.skip -= static_cast<std::int64_t>(drop);
    }
    const bool beyond = static_cast<std::int64_t>(in.size()) > a.want - a.got;
    if (beyond) in = in.substr(0, static_cast<std::size_t>(a.want - a.got));
    a.got += static_cast<std::int64_t>(in.size());
    if (!in.empty() && !(*a.to)(in)) {
      a.refused = true;
      return 0;
    }
    if (!beyond) return one * n;
    a.stopped = true;  // what follows is not wanted: leave it unread
    return 0;
  }

  // The status line, "Content-Range: bytes 0-0/12345" and "Content-Length: 12345".
  static std::size_t on_header(char* data, std::size_t one, std::size_t n, void* user) {
    auto& a = *static_cast<answer*>(user);
    std::string_view line(data, one * n);
    const auto number = [](std::string_view text) -> std::optional<std::int64_t> {
      while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
      std::int64_t v = 0;
      bool digits = false;
      for (char c : text) {
        if (c < '0' || c > '9') break;
        digits = true;
        v = v * 10 + (c - '0');
        if (v > (std::int64_t(1) << 50)) return std::nullopt;
      }
      return digits ? std::optional(v) : std::nullopt;
    };
    if (line.substr(0, 5) == "HTTP/") {  // a new answer (after a 100, say): forget the last
      const auto space = line.find(' ');
      a.total.reset();
      a.length.reset();
      const auto code = space == std::string_view::npos ? std::nullopt : number(line.substr(space));
      a.status = static_cast<long>(code.value_or(0));
      return one * n;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return one * n;
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    const auto value = line.substr(colon + 1);
    if (name == "content-range") {
      const auto slash = value.rfind('/');
      if (slash != std::string_view::npos) a.total = number(value.substr(slash + 1));
    } else if (name == "content-length") {
      a.length = number(value);
    }
    return one * n;
  }

  object_location where_;
  CURL* curl_ = nullptr;
  std::optional<std::string> whole_;  // a small object a store sent whole to the size probe
};

#endif

} // namespace zic_emulator

#endif
