#ifndef ZIC_TRANSPORT_CURL_HPP
#define ZIC_TRANSPORT_CURL_HPP

// zic::curl_transport: libcurl's own HTTP, one easy handle kept across calls so that its
// connection cache keeps the connection alive. Everything libcurl does comes with it: proxies
// and NO_PROXY from the environment, HTTP/2 where the server offers it over TLS, its TLS
// backend. zic reads the answer through libcurl's callbacks, under the rules the Beast
// transport follows too (detail/answer_rules.hpp).

#include <zic/zic.hpp>  // the core, as one header: also the single header
#include <zic/detail/answer_rules.hpp>
#include <zic/transport/options.hpp>

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdint>
#include <exception>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#if defined(_WIN32)
#include <winsock2.h>
#else
#include <poll.h>
#endif

ZIC_NAMESPACE_BEGIN

namespace detail::curl_impl {

inline void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct easy_deleter {
  void operator()(CURL* h) const noexcept { curl_easy_cleanup(h); }
};
struct multi_deleter {
  void operator()(CURLM* m) const noexcept { curl_multi_cleanup(m); }
};
struct slist_deleter {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};

// What one transfer collects through curl's callbacks.
struct transfer_state {
  http_response* out = nullptr;
  std::size_t max_body = 0;
  std::size_t max_header = 0;
  std::size_t header_bytes = 0;
  std::size_t interim = 0;  // 1xx answers seen
  bool too_large = false;
  bool got_status = false;
  bool headers_done = false;
  std::int64_t content_length = -1;
  std::string_view refused;  // why zic's rules refused the answer, or empty
  answer_rules::fields rules;
  std::size_t fields = 0;  // header entries of `out` filled so far (the rest are reused later)

  void start(http_response& o, std::size_t body_cap, std::size_t header_cap) {
    *this = transfer_state{};
    out = &o;
    max_body = body_cap;
    max_header = header_cap;
  }

  // Reads "HTTP/1.1 200 OK" or "HTTP/2 200"; returns false when the line is not one.
  bool status_line(std::string_view line) {
    int major = 0, minor = -1, code = 0;
    std::string_view v = line.substr(5);
    if (v.empty() || !is_digit(v[0])) return false;
    major = v[0] - '0';
    v.remove_prefix(1);
    if (!v.empty() && v[0] == '.') {
      if (v.size() < 2 || !is_digit(v[1])) return false;
      minor = v[1] - '0';
      v.remove_prefix(2);
    }
    if (v.size() < 4 || v[0] != ' ' || !is_digit(v[1]) || !is_digit(v[2]) || !is_digit(v[3]) ||
        (v.size() > 4 && v[4] != ' '))
      return fail(v.size() >= 4 ? "the answer's status line is malformed" : "the answer's status line is cut short");
    code = (v[1] - '0') * 100 + (v[2] - '0') * 10 + (v[3] - '0');
    if (auto why = answer_rules::status(major, minor, code); !why.empty()) return fail(why);
    if (code < 200 && ++interim > answer_rules::max_interim_answers)
      return fail("too many interim (1xx) answers");
    out->status = code;
    fields = 0;
    header_bytes = line.size();
    got_status = true;
    headers_done = false;
    content_length = -1;
    rules = {};
    return true;
  }

  bool fail(std::string_view why) {
    refused = why;
    return false;
  }

  static std::size_t on_header(char* data, std::size_t size, std::size_t n, void* self) noexcept {
    auto& t = *static_cast<transfer_state*>(self);
    std::string_view line(data, size * n);
    t.header_bytes += line.size();  // trailers count too: they come through here after the body
    if (t.header_bytes > t.max_header) {
      t.too_large = true;
      return 0;
    }
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    try {
      if (line.substr(0, 5) == "HTTP/") {  // a new status line (after an interim answer, say)
        if (!t.status_line(line)) return 0;
      } else if (line.empty()) {
        t.headers_done = true;
        t.out->headers.resize(t.fields);
      } else if (line.front() == ' ' || line.front() == '\t') {
        // obs-fold: a user agent joins the line to the field above with a space (RFC 9112 5.2).
        if (t.fields == 0) return t.fail("the answer's first header line is a continuation"), 0;
        auto& h = t.out->headers[t.fields - 1];
        h.value.append(" ").append(answer_rules::trim(line));
        if (auto why = t.rules.check(h.name, h.value); !why.empty()) return t.fail(why), 0;
      } else if (auto colon = line.find(':'); colon != std::string_view::npos && colon > 0) {
        std::string_view name = line.substr(0, colon), value = answer_rules::trim(line.substr(colon + 1));
        if (!is_token(name)) return t.fail("a header name of the answer is not a token"), 0;
        if (auto why = t.rules.check(name, value); !why.empty()) return t.fail(why), 0;
        if (t.fields == t.out->headers.size()) t.out->headers.emplace_back();
        t.out->headers[t.fields].name.assign(name);
        t.out->headers[t.fields].value.assign(value);
        ++t.fields;
        if (iequals(name, "Content-Length") && !t.headers_done) {
          std::int64_t len = 0;
          auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), len);
          if (ec == std::errc() && len >= 0) {
            t.content_length = len;
            if (static_cast<std::uint64_t>(len) > t.max_body) {
              t.too_large = true;
              return 0;  // abort before any of the body is read
            }
            t.out->reserve_body(static_cast<std::size_t>(len));
          }
        }
      } else {
        return t.fail("a header line of the answer has no name"), 0;
      }
    } catch (...) {
      return 0;
    }
    return size * n;
  }

  static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* self) noexcept {
    auto& t = *static_cast<transfer_state*>(self);
    std::size_t bytes = size * n;
    if (t.out->body.size() + bytes > t.max_body) {
      t.too_large = true;
      return 0;
    }
    try {
      t.out->body.append(data, bytes);
    } catch (...) {
      return 0;
    }
    return bytes;
  }
};

using detail::transport_failure;

// Whether anything can be read on an idle kept-alive connection: stray bytes, a 408 sent before
// closing, the peer's close. Any of them means the connection is done.
inline bool readable(curl_socket_t s) noexcept {
#if defined(_WIN32)
  WSAPOLLFD p{s, POLLRDNORM, 0};
  return WSAPoll(&p, 1, 0) != 0;
#else
  pollfd p{s, POLLIN, 0};
  return ::poll(&p, 1, 0) != 0;
#endif
}

// Failures of connecting, TLS included, with libcurl's own words for the cause.
inline std::optional<zic::error> connect_failure(CURLcode rc, const std::string& detail, const std::string& where) {
  switch (rc) {
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_CRL_BADFILE:
  case CURLE_USE_SSL_FAILED:
    return transport_failure(errc::tls, "TLS failure" + detail + where, false);
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY:
  case CURLE_COULDNT_CONNECT:
    return transport_failure(errc::transport, "cannot connect" + detail + where, false);
  default: return std::nullopt;
  }
}

} // namespace detail::curl_impl

/**
 * A transport over libcurl, keeping one easy handle (and so its kept-alive connections) across
 * calls. libcurl runs each exchange; zic sets the options once, reads the answer through
 * callbacks, and holds it to the same rules as the Beast transport.
 *
 * - libcurl checks a kept-alive connection before reusing it (anything readable on an idle
 *   connection means it is done) and closes one that carried bytes beyond an answer.
 * - When a reused connection proves closed before the answer began, libcurl resends once on
 *   a new one. A request that must not be repeated (not idempotent, no `Idempotency-Key`)
 *   therefore always goes on a fresh connection, so that resend can never happen to it.
 * - Proxies (`http_proxy`, `https_proxy`, `ALL_PROXY`, `NO_PROXY`), HTTP/2 over TLS when the
 *   server offers it, and libcurl's TLS backend are libcurl's. TLS verifies the peer and host
 *   name unless `insecure` is set. Redirects are never followed.
 *
 * One call at a time; not thread-safe.
 */
class curl_transport {
public:
  explicit curl_transport(transport_options options = {}) : opt_(std::move(options)) {
    detail::curl_impl::global_init();
  }

  curl_transport(curl_transport&&) noexcept = default;
  curl_transport& operator=(curl_transport&&) noexcept = default;

  result<http_response> send(const http_request& req) noexcept {
    try {
      return detail::send_fresh(*this, req);
    } catch (const std::exception& e) {  // the answer's own allocation
      return zic::error(errc::transport, std::string("transport failure: ") + e.what());
    }
  }

  /// The same, answering into `out` and reusing its buffers.
  result<void> send(const http_request& req, http_response& out) noexcept {
    try {
      return perform(req, out);
    } catch (const std::exception& e) {
      return zic::error(errc::transport, std::string("transport failure: ") + e.what());
    }
  }

  /// Connections opened so far: 1 after any number of calls on one kept-alive connection.
  std::size_t connections_opened() const noexcept { return opened_; }

private:
  // The handle, with every option that does not change between requests set once.
  struct handle {
    std::unique_ptr<CURLM, detail::curl_impl::multi_deleter> multi;  // holds the connection cache
    std::unique_ptr<CURL, detail::curl_impl::easy_deleter> easy;
    detail::curl_impl::transfer_state state;
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_socket_t kept = CURL_SOCKET_BAD;  // the kept-alive connection's socket, if any
  };

  // Runs the one transfer on `m` to its end; a stop ends it at once (CURLE_ABORTED_BY_CALLBACK).
  static CURLcode run(CURLM* m, const std::stop_token& stop) {
    std::atomic<bool> stopped{false};
    struct wake {  // runs on the stopping thread; allocates nothing
      CURLM* m;
      std::atomic<bool>* stopped;
      void operator()() const noexcept {
        *stopped = true;
        curl_multi_wakeup(m);
      }
    };
    std::optional<std::stop_callback<wake>> watch;
    if (stop.stop_possible()) watch.emplace(stop, wake{m, &stopped});
    for (;;) {
      int running = 0;
      if (curl_multi_perform(m, &running) != CURLM_OK) return CURLE_FAILED_INIT;
      if (running == 0) {
        int left = 0;
        while (CURLMsg* msg = curl_multi_info_read(m, &left))
          if (msg->msg == CURLMSG_DONE) return msg->data.result;
        return CURLE_FAILED_INIT;
      }
      if (stopped) return CURLE_ABORTED_BY_CALLBACK;
      if (curl_multi_poll(m, nullptr, 0, 1000, nullptr) != CURLM_OK) return CURLE_FAILED_INIT;
      if (stopped) return CURLE_ABORTED_BY_CALLBACK;
    }
  }

  result<void> open(handle& hd) {
    using detail::curl_impl::transfer_state;
    hd.multi.reset(curl_multi_init());
    if (!hd.multi) return zic::error(errc::transport, "curl_multi_init failed");
    curl_multi_setopt(hd.multi.get(), CURLMOPT_MAXCONNECTS, 1L);  // a fresh connection replaces the kept one
    hd.easy.reset(curl_easy_init());
    if (!hd.easy) return zic::error(errc::transport, "curl_easy_init failed");
    CURL* h = hd.easy.get();
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_MAXCONNECTS, 1L);  // a fresh connection replaces the kept one
    curl_easy_setopt(h, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);  // a proxy's CONNECT answer is not the answer
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, hd.errbuf);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &transfer_state::on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &hd.state);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &transfer_state::on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &hd.state);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(opt_.max_body_bytes));
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, opt_.insecure ? 0L : 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, opt_.insecure ? 0L : 2L);
    if (!opt_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, opt_.ca_file.c_str());
    if (!opt_.extra_ca_file.empty() || !opt_.ca_pem.empty()) {
      // libcurl takes one bundle: the base one (ca_file, else libcurl's own default) and the
      // additions, joined into a blob it copies.
      std::string bundle;
      const char* base = opt_.ca_file.empty() ? nullptr : opt_.ca_file.c_str();
      if (!base) curl_easy_getinfo(h, CURLINFO_CAINFO, &base);
      for (const char* path : {base, opt_.extra_ca_file.empty() ? nullptr : opt_.extra_ca_file.c_str()}) {
        if (!path) continue;
        std::ifstream in(path, std::ios::binary);
        if (!in && path != base) {
          hd.easy.reset();  // the next call tries again, and says the same
          return zic::error(errc::tls, std::string("cannot load CA certificates from ") + path);
        }
        bundle.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()).append("\n");
      }
      bundle.append(opt_.ca_pem);
      curl_blob blob{bundle.data(), bundle.size(), CURL_BLOB_COPY};
      curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
    }
    if (!opt_.client_cert_file.empty()) {
      curl_easy_setopt(h, CURLOPT_SSLCERT, opt_.client_cert_file.c_str());
      curl_easy_setopt(h, CURLOPT_SSLKEY,
                       (opt_.client_key_file.empty() ? opt_.client_cert_file : opt_.client_key_file).c_str());
    }
    return {};
  }

  // Host and Content-Length are the transport's; a caller's copies are dropped, as the Beast
  // transport drops them, rather than let libcurl send them in place of its own.
  static bool transport_owned(const http_header& h) noexcept {
    return detail::iequals(h.name, "Host") || detail::iequals(h.name, "Content-Length");
  }

  // The header list is rebuilt only when the request's headers change (each poll of a job
  // sends the same ones).
  void prepare_headers(const http_request& req) {
    bool same = slist_ != nullptr;
    std::size_t kept = 0;
    for (const auto& h : req.headers) {
      if (!same) break;
      if (transport_owned(h)) continue;
      same = kept < lines_.size() && lines_[kept].size() == h.name.size() + 2 + h.value.size() &&
             lines_[kept].compare(0, h.name.size(), h.name) == 0 &&
             lines_[kept].compare(h.name.size() + 2, std::string::npos, h.value) == 0;
      ++kept;
    }
    if (same && kept == lines_.size()) return;
    slist_.reset();
    lines_.clear();
    curl_slist* list = nullptr;
    auto add = [&](const char* line) {
      curl_slist* next = curl_slist_append(list, line);
      if (!next) {
        curl_slist_free_all(list);
        throw std::bad_alloc();
      }
      list = next;
    };
    for (const auto& h : req.headers) {
      if (transport_owned(h)) continue;
      lines_.push_back(h.name + ": " + h.value);
      add(lines_.back().c_str());
    }
    add("Expect:");  // no 100-continue round trip
    // libcurl would add a form Content-Type to a body sent without one; the request says what
    // it sends, or nothing.
    if (req.header("Content-Type").empty()) add("Content-Type:");
    slist_.reset(list);
    curl_easy_setopt(h_->easy.get(), CURLOPT_HTTPHEADER, slist_.get());
  }

  result<void> perform(const http_request& req, http_response& out) {
    using namespace detail::curl_impl;
    if (auto why = detail::unsendable(req); !why.empty()) return zic::error(errc::invalid_argument, std::string(why));
    if (!h_) h_ = std::make_unique<handle>();  // a moved-from transport is usable again
    if (!h_->easy)
      if (auto ok = open(*h_); !ok) return ok;
    CURL* h = h_->easy.get();
    prepare_headers(req);
    req.write_url(url_);
    out.status = 0;
    out.body.clear();
    transfer_state& t = h_->state;
    t.start(out, opt_.max_body_bytes, opt_.max_header_bytes);
    h_->errbuf[0] = '\0';
    const long timeout_ms = static_cast<long>(std::max<std::int64_t>(1, req.timeout.count()));

    curl_easy_setopt(h, CURLOPT_URL, url_.c_str());
    if (req.method == "HEAD") {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (req.method == "POST" || req.method == "PUT" || req.method == "PATCH" || !req.body.empty()) {
      // A body, even an empty one, goes with its Content-Length (a store refuses a PUT without).
      curl_easy_setopt(h, CURLOPT_POST, 1L);  // also turns NOBODY off
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
    } else {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);  // also turns NOBODY and POST off
    }
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    // libcurl resends by itself when a reused connection dies before the answer begins. A
    // request that must not be repeated gets a fresh connection, so that can never happen to it.
    // libcurl (7.88) also reuses a connection without looking at it: one with anything to read
    // while idle is out of step with its requests and is replaced too.
    // The handle runs on zic's own multi handle, whose cache keeps the connection, so that a
    // stop can wake the transfer's wait (curl_multi_wakeup) from any thread.
    CURLM* m = h_->multi.get();
    if (curl_multi_add_handle(m, h) != CURLM_OK) return zic::error(errc::transport, "curl_multi_add_handle failed");
    const bool fresh = !req.resendable() || (h_->kept != CURL_SOCKET_BAD && readable(h_->kept));
    curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, fresh ? 1L : 0L);

    const CURLcode rc = run(m, req.stop);
    // The connection libcurl keeps, if it keeps one: read while the handle is still on the multi,
    // where libcurl finds it.
    h_->kept = CURL_SOCKET_BAD;
    if (curl_easy_getinfo(h, CURLINFO_ACTIVESOCKET, &h_->kept) != CURLE_OK) h_->kept = CURL_SOCKET_BAD;
    curl_multi_remove_handle(m, h);
    if (rc == CURLE_ABORTED_BY_CALLBACK && req.stop.stop_requested()) {
      long request_size = 0;
      curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &request_size);
      return transport_failure(errc::cancelled, "the exchange was cancelled (" + req.method + " " + url_ + ")",
                               request_size > 0);
    }
    long connects = 0, request_size = 0;
    curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connects);
    curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &request_size);
    opened_ += static_cast<std::size_t>(connects);
    const bool sent = request_size > 0;

    // libcurl accepts an answer cut inside its headers as complete, with an empty body.
    if (rc == CURLE_OK && t.headers_done && t.refused.empty()) {
      out.reserve_body(out.body.size());
      return {};
    }
    // Messages are built only on failure: the success path allocates nothing here.
    const std::string where = " (" + req.method + " " + url_ + ")";
    const std::string detail = h_->errbuf[0] ? std::string(": ") + h_->errbuf : std::string(": ") + curl_easy_strerror(rc);
    if (!t.refused.empty()) return transport_failure(errc::transport, std::string(t.refused) + where, sent);
    if (rc == CURLE_OK) return transport_failure(errc::transport, "connection closed mid-headers" + where, sent);
    if (t.too_large || rc == CURLE_FILESIZE_EXCEEDED)
      return transport_failure(errc::too_large,
                               (t.header_bytes > t.max_header
                                    ? "the answer's headers exceed the limit of " + std::to_string(opt_.max_header_bytes)
                                    : "the answer is larger than the limit of " + std::to_string(opt_.max_body_bytes)) +
                                   " bytes" + where,
                               sent);
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      curl_off_t uploaded = 0;
      curl_easy_getinfo(h, CURLINFO_SIZE_UPLOAD_T, &uploaded);
      const bool body_out = static_cast<std::uint64_t>(uploaded) >= req.body.size();
      return transport_failure(errc::timeout,
                               std::string(t.headers_done ? "the answer's body did not arrive within the timeout"
                                           : t.got_status ? "the answer did not complete within the timeout"
                                           : !sent        ? "connecting timed out"
                                           : body_out     ? "no answer within the timeout"
                                                          : "sending the request timed out") +
                                   where,
                               sent);
    }
    if (auto e = connect_failure(rc, detail, where)) return std::move(*e);
    const bool cut = !t.headers_done || rc == CURLE_PARTIAL_FILE || t.content_length >= 0;
    std::string what = cut ? detail::closed_answer(t.got_status, t.headers_done, out.body.size(),
                                                   t.content_length >= 0 ? std::optional<std::uint64_t>(
                                                                               static_cast<std::uint64_t>(t.content_length))
                                                                         : std::nullopt)
                           : "reading the answer failed";
    return transport_failure(errc::transport, what + detail + where, sent);
  }

  transport_options opt_;
  std::unique_ptr<handle> h_ = std::make_unique<handle>();  // libcurl keeps pointers into it
  std::unique_ptr<curl_slist, detail::curl_impl::slist_deleter> slist_;
  std::vector<std::string> lines_;  // the header lines `slist_` was built from
  std::string url_;
  std::size_t opened_ = 0;
};

static_assert(reusing_http_transport<curl_transport>);

#if defined(ZIC_SEPARATE_COMPILATION)
extern template class basic_client<curl_transport>;  // instantiated by src/curl.cpp (zic::compiled)
#endif

ZIC_NAMESPACE_END

#endif // ZIC_TRANSPORT_CURL_HPP
