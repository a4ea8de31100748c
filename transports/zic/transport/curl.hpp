#ifndef ZIC_TRANSPORT_CURL_HPP
#define ZIC_TRANSPORT_CURL_HPP

// zic::curl_transport: HTTP/1.1 over libcurl, one keep-alive connection. libcurl connects
// (resolving, proxies aside, TLS with verification); without a proxy zic then frames the
// exchange itself on that connection, which spares each poll libcurl's per-transfer work.

#include <zic/zic.hpp>  // the core, as one header: also the single header
#include <zic/detail/http1.hpp>
#include <zic/transport/options.hpp>

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#if !defined(_WIN32)
#include <cerrno>
#include <poll.h>
#define ZIC_CURL_OWN_FRAMING 1
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
struct slist_deleter {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};

// What one transfer collects through curl's callbacks.
struct transfer_state {
  http_response* out = nullptr;
  std::size_t max_body = 0;
  std::size_t max_header = 0;
  std::size_t header_bytes = 0;
  bool too_large = false;
  bool got_status = false;
  bool headers_done = false;
  std::int64_t content_length = -1;

  std::size_t fields = 0;  // header entries of `out` filled so far (the rest are reused later)

  static std::size_t on_header(char* data, std::size_t size, std::size_t n, void* self) noexcept {
    auto& t = *static_cast<transfer_state*>(self);
    std::string_view line(data, size * n);
    t.header_bytes += line.size();
    if (t.header_bytes > t.max_header) {
      t.too_large = true;
      return 0;
    }
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    try {
      if (line.substr(0, 5) == "HTTP/") {  // a new status line (after 100-continue, say)
        t.fields = 0;
        t.header_bytes = line.size();
        t.got_status = true;
        t.headers_done = false;
        t.content_length = -1;
      } else if (line.empty()) {
        t.headers_done = true;
        t.out->headers.resize(t.fields);
      } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
        std::string_view name = line.substr(0, colon), value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
        if (t.fields == t.out->headers.size()) t.out->headers.emplace_back();
        t.out->headers[t.fields].name.assign(name);
        t.out->headers[t.fields].value.assign(value);
        ++t.fields;
        if (detail::iequals(name, "Content-Length")) {
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
using clock_type = std::chrono::steady_clock;

// Whether libcurl would send requests of `scheme` through a proxy named by the environment
// (the variables it reads; HTTP_PROXY in capitals it ignores).
inline bool env_proxy(std::string_view scheme) {
  auto set = [](const char* name) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0';
  };
  if (set("ALL_PROXY") || set("all_proxy")) return true;
  return scheme == "https" ? set("https_proxy") || set("HTTPS_PROXY") : set("http_proxy");
}

// The TLS settings of `opt` on a handle (both the transfers and the connections zic frames).
inline void apply_tls(CURL* h, const transport_options& opt) {
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, opt.insecure ? 0L : 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, opt.insecure ? 0L : 2L);
  if (!opt.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, opt.ca_file.c_str());
  if (!opt.client_cert_file.empty()) {
    curl_easy_setopt(h, CURLOPT_SSLCERT, opt.client_cert_file.c_str());
    curl_easy_setopt(h, CURLOPT_SSLKEY, (opt.client_key_file.empty() ? opt.client_cert_file : opt.client_key_file).c_str());
  }
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
  case CURLE_COULDNT_CONNECT:
    return transport_failure(errc::transport, "cannot connect" + detail + where, false);
  default: return std::nullopt;
  }
}

} // namespace detail::curl_impl

/**
 * A transport over libcurl, keeping one connection alive across calls. A request that finds
 * its kept-alive connection closed before the answer began is resent once on a new one; a
 * request that must not be repeated is sent on a fresh connection instead. `request_sent`
 * reports whether any byte of the request went out. TLS verifies the peer and host name unless
 * `insecure` is set. One call at a time; not thread-safe.
 *
 * libcurl opens each connection. When no proxy applies (`ALL_PROXY`, `https_proxy` /
 * `HTTPS_PROXY` or `http_proxy`, read when the transport is made), zic writes the request and
 * reads the answer on that connection itself (`detail/http1.hpp`); through a proxy, libcurl
 * runs the whole transfer.
 */
class curl_transport {
public:
  explicit curl_transport(transport_options options = {})
      : opt_(std::move(options)),
        proxied_http_(detail::curl_impl::env_proxy("http")),
        proxied_https_(detail::curl_impl::env_proxy("https")) {
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
  // The header list is rebuilt only when the request's headers change (each poll of a job
  // sends the same ones).
  void prepare_headers(const http_request& req) {
    bool same = slist_ && lines_.size() == req.headers.size();
    for (std::size_t i = 0; same && i < req.headers.size(); ++i) {
      const auto& h = req.headers[i];
      same = lines_[i].size() == h.name.size() + 2 + h.value.size() &&
             lines_[i].compare(0, h.name.size(), h.name) == 0 &&
             lines_[i].compare(h.name.size() + 2, std::string::npos, h.value) == 0;
    }
    if (same) return;
    slist_.reset();
    lines_.resize(req.headers.size());
    curl_slist* list = nullptr;
    auto add = [&](const char* line) {
      curl_slist* next = curl_slist_append(list, line);
      if (!next) {
        curl_slist_free_all(list);
        throw std::bad_alloc();
      }
      list = next;
    };
    for (std::size_t i = 0; i < req.headers.size(); ++i) {
      lines_[i].assign(req.headers[i].name).append(": ").append(req.headers[i].value);
      add(lines_[i].c_str());
    }
    add("Expect:");  // no 100-continue round trip
    slist_.reset(list);
  }

  result<void> perform(const http_request& req, http_response& out) {
    if (!detail::header_safe(req))
      return zic::error(errc::invalid_argument, "the request has a control character in its method, target, "
                                                "host or a header, which HTTP/1.1 cannot carry");
#if defined(ZIC_CURL_OWN_FRAMING)
    if (!(req.is_tls() ? proxied_https_ : proxied_http_)) return exchange(req, out);
#endif
    return transfer(req, out);
  }

  // The whole exchange run by libcurl (the path through a proxy).
  result<void> transfer(const http_request& req, http_response& out) {
    using namespace detail::curl_impl;
    if (!handle_) {
      handle_.reset(curl_easy_init());
      if (!handle_) return zic::error(errc::transport, "curl_easy_init failed");
    }
    CURL* h = handle_.get();
    curl_easy_reset(h);  // keeps the connection cache, clears the previous call's options
    prepare_headers(req);
    req.write_url(url_);

    out.status = 0;
    out.body.clear();
    transfer_state t;
    t.out = &out;
    t.max_body = opt_.max_body_bytes;
    t.max_header = opt_.max_header_bytes;
    char errbuf[CURL_ERROR_SIZE] = {0};
    const std::string& url = url_;
    const long timeout_ms = static_cast<long>(std::max<std::int64_t>(1, req.timeout.count()));

    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    if (req.method == "POST" || !req.body.empty()) {
      curl_easy_setopt(h, CURLOPT_POST, 1L);
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, slist_.get());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    // libcurl resends by itself when a reused connection dies before the answer begins. A
    // request that must not be repeated (not idempotent, no Idempotency-Key) gets a fresh
    // connection instead, so that resend can never happen to it.
    if (!req.resendable()) curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &transfer_state::on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &transfer_state::on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(opt_.max_body_bytes));
    apply_tls(h, opt_);

    CURLcode rc = curl_easy_perform(h);
    long connects = 0, request_size = 0, status = 0;
    curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connects);
    curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &request_size);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    opened_ += static_cast<std::size_t>(connects);
    const bool sent = request_size > 0;

    // libcurl accepts an answer cut inside its headers as complete, with an empty body.
    if (rc == CURLE_OK && t.headers_done) {
      out.status = static_cast<int>(status);
      out.reserve_body(out.body.size());
      return {};
    }
    // Messages are built only on failure: the success path allocates nothing here.
    const std::string where = " (" + req.method + " " + url + ")";
    const std::string detail = errbuf[0] ? std::string(": ") + errbuf : std::string(": ") + curl_easy_strerror(rc);
    // libcurl accepts an answer cut inside its headers as complete, with an empty body.
    if (rc == CURLE_OK) return transport_failure(errc::transport, "connection closed mid-headers" + where, sent);
    if (t.too_large || rc == CURLE_FILESIZE_EXCEEDED)
      return transport_failure(errc::too_large,
                               (t.header_bytes > t.max_header
                                    ? "the answer's headers exceed the limit of " + std::to_string(opt_.max_header_bytes)
                                    : "the answer is larger than the limit of " + std::to_string(opt_.max_body_bytes)) +
                                   " bytes" + where,
                               sent);
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT: {
      curl_off_t uploaded = 0;
      curl_easy_getinfo(h, CURLINFO_SIZE_UPLOAD_T, &uploaded);
      const bool body_out = static_cast<std::uint64_t>(uploaded) >= req.body.size();
      return transport_failure(errc::timeout, (t.got_status ? "the answer did not complete within the timeout"
                                                  : !sent    ? "connecting timed out"
                                                  : body_out ? "no answer within the timeout"
                                                             : "sending the request timed out") + where, sent);
    }
    default: break;
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

#if defined(ZIC_CURL_OWN_FRAMING)
  // The exchange framed by zic on a connection libcurl opened (CURLOPT_CONNECT_ONLY): a poll
  // is one send, one wait and one receive, as with the Beast transport.
  result<void> exchange(const http_request& req, http_response& out) {
    const auto deadline = detail::later(detail::curl_impl::clock_type::now(), req.timeout);
    // A request that must not be repeated never rides a reused connection, where a stale
    // connection would leave unknown whether it arrived.
    if (!req.resendable() || peer_port_ != req.port || peer_host_ != req.host || peer_tls_ != req.is_tls()) close();
    detail::http1::write_request(req, wire_);
    for (int round = 0;; ++round) {
      const bool reused = conn_ != nullptr;
      if (!reused)
        if (auto ok = connect(req, deadline); !ok) return ok;
      bool stale = false;
      auto answer = exchange_once(req, out, deadline, stale);
      // A kept-alive connection the server had already closed: nothing of the answer came.
      if (answer || !reused || round > 0 || !stale) return answer;
    }
  }

  result<void> connect(const http_request& req, detail::curl_impl::clock_type::time_point deadline) {
    using namespace detail::curl_impl;
    close();
    conn_.reset(curl_easy_init());
    if (!conn_) return zic::error(errc::transport, "curl_easy_init failed");
    CURL* h = conn_.get();
    char errbuf[CURL_ERROR_SIZE] = {0};
    req.write_url(url_);
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock_type::now()).count();
    curl_easy_setopt(h, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);  // TLS offers only http/1.1 by ALPN
    curl_easy_setopt(h, CURLOPT_PROXY, "");  // the proxy variables were read once, when the transport was made
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::max<long long>(1, left)));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<long long>(1, left)));
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    apply_tls(h, opt_);
    const CURLcode rc = curl_easy_perform(h);
    curl_socket_t socket = CURL_SOCKET_BAD;
    if (rc == CURLE_OK) curl_easy_getinfo(h, CURLINFO_ACTIVESOCKET, &socket);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);  // errbuf ends with this call
    if (rc != CURLE_OK || socket == CURL_SOCKET_BAD) {
      conn_.reset();
      const std::string where = " (" + req.method + " " + url_ + ")";
      const std::string detail = errbuf[0] ? std::string(": ") + errbuf : std::string(": ") + curl_easy_strerror(rc);
      if (rc == CURLE_OPERATION_TIMEDOUT) return transport_failure(errc::timeout, "connecting timed out" + where, false);
      if (auto e = connect_failure(rc, detail, where)) return std::move(*e);
      return transport_failure(errc::transport, "cannot connect" + detail + where, false);
    }
    socket_ = socket;
    ++opened_;
    peer_host_ = req.host;
    peer_port_ = req.port;
    peer_tls_ = req.is_tls();
    return {};
  }

  void close() noexcept {
    conn_.reset();  // curl_easy_cleanup closes the connection the handle owns
    socket_ = CURL_SOCKET_BAD;
    peer_port_ = 0;
    in_begin_ = in_end_ = 0;
  }

  // Waits until the socket is ready for some of `events`; returns those that are (an error
  // counts as all of them: the next call reports it), or 0 when the deadline passed first.
  short wait(short events, detail::curl_impl::clock_type::time_point deadline) const noexcept {
    for (;;) {
      const auto left =
          std::chrono::ceil<std::chrono::milliseconds>(deadline - detail::curl_impl::clock_type::now()).count();
      if (left <= 0) return 0;
      pollfd p{socket_, events, 0};
      const int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, INT_MAX)));
      if (r > 0) return (p.revents & (POLLERR | POLLHUP | POLLNVAL)) ? events : static_cast<short>(p.revents & events);
      if (r < 0 && errno != EINTR) return events;
    }
  }

  // Sends the request and reads the answer. While the request is still going out, an answer
  // that arrives early (a refusal before the body is read) is read rather than lost.
  result<void> exchange_once(const http_request& req, http_response& out,
                             detail::curl_impl::clock_type::time_point deadline, bool& stale) {
    using detail::http1::answer_reader;
    using detail::curl_impl::transport_failure;
    CURL* h = conn_.get();
    // Messages are built only on failure: the success path allocates nothing.
    auto fail = [&](errc code, std::string what, bool sent) {
      close();
      return transport_failure(code, std::move(what) + " (" + req.method + " " + req.url() + ")", sent);
    };

    answer_reader reader(out, opt_.max_body_bytes, opt_.max_header_bytes, req.method == "HEAD");
    std::size_t off = 0;               // bytes of the request sent
    CURLcode send_error = CURLE_OK;    // why sending stopped, if it did
    // Over plain TCP the answer to a request just sent is never there yet: wait, then read.
    // TLS may hold bytes already, so it reads first.
    bool wait_first = !peer_tls_;
    bool closed = false, timed_out = false;
    for (;;) {
      if (in_begin_ < in_end_) {
        in_begin_ += reader.feed({in_.data() + in_begin_, in_end_ - in_begin_});
        if (reader.done() || reader.failed() != answer_reader::fault::none) break;
      }
      if (in_begin_ == in_end_) {
        in_begin_ = in_end_ = 0;
      } else if (in_begin_ > 0) {  // a line not yet whole moves to the front
        std::memmove(in_.data(), in_.data() + in_begin_, in_end_ - in_begin_);
        in_end_ -= in_begin_;
        in_begin_ = 0;
      }
      if (in_end_ == in_.size()) in_.resize(in_.size() * 2);  // a line longer than the buffer; the reader bounds it
      if (closed) break;

      const bool sending = off < wire_.size() && send_error == CURLE_OK;
      if (sending) {
        std::size_t n = 0;
        const CURLcode rc = curl_easy_send(h, wire_.data() + off, wire_.size() - off, &n);
        if (rc == CURLE_OK) {
          off += n;
          continue;
        }
        if (rc != CURLE_AGAIN) {
          send_error = rc;  // an answer may still be waiting: read what came
          wait_first = false;
          continue;
        }
        const short ready = wait(POLLOUT | POLLIN, deadline);
        if (ready == 0) {
          timed_out = true;
          break;
        }
        if (!(ready & POLLIN)) continue;  // writable again
      } else if (std::exchange(wait_first, false) && wait(POLLIN, deadline) == 0) {
        timed_out = true;
        break;
      }

      std::size_t n = 0;
      const CURLcode rc = curl_easy_recv(h, in_.data() + in_end_, in_.size() - in_end_, &n);
      if (rc == CURLE_AGAIN) {
        if (!sending && wait(POLLIN, deadline) == 0) {
          timed_out = true;
          break;
        }
      } else if (rc != CURLE_OK || n == 0) {
        reader.on_close();
        if (reader.done()) break;
        closed = true;
      } else {
        in_end_ += n;
      }
    }

    const bool sent = off > 0;
    if (reader.done()) {
      // The connection carries no more after surplus bytes or a request cut short.
      if (!reader.keep_alive() || in_begin_ != in_end_ || off < wire_.size()) close();
      return {};
    }
    switch (reader.failed()) {
    case answer_reader::fault::header_too_large:
      return fail(errc::too_large, "the answer's headers exceed the limit of " + std::to_string(opt_.max_header_bytes) + " bytes", sent);
    case answer_reader::fault::body_too_large:
      return fail(errc::too_large, "the answer is larger than the limit of " + std::to_string(opt_.max_body_bytes) + " bytes", sent);
    case answer_reader::fault::malformed:
      return fail(errc::transport, "the answer is not valid HTTP/1.1: " + std::string(reader.why()), sent);
    case answer_reader::fault::none: break;
    }
    if (timed_out)
      return fail(errc::timeout, off < wire_.size()       ? "sending the request timed out"
                                 : reader.header_done() ? "the answer's body did not arrive within the timeout"
                                                        : "no answer within the timeout", sent);
    stale = !reader.got_some();  // nothing of the answer came: the peer had closed the connection
    if (stale && send_error != CURLE_OK)
      return fail(errc::transport, std::string("connection closed while sending the request: ") + curl_easy_strerror(send_error), sent);
    return fail(errc::transport,
                detail::closed_answer(reader.got_some(), reader.header_done(), out.body.size(), reader.content_length()),
                sent);
  }
#endif

  transport_options opt_;
  std::unique_ptr<CURL, detail::curl_impl::easy_deleter> handle_;
  std::unique_ptr<curl_slist, detail::curl_impl::slist_deleter> slist_;
  std::vector<std::string> lines_;  // the header lines `slist_` was built from
  std::string url_;
  std::size_t opened_ = 0;
  bool proxied_http_ = false, proxied_https_ = false;  // whether libcurl runs the whole transfer
  // The connection zic frames: libcurl's handle, its socket, the peer, and what was received.
  std::unique_ptr<CURL, detail::curl_impl::easy_deleter> conn_;
  curl_socket_t socket_ = CURL_SOCKET_BAD;
  std::string peer_host_;
  std::uint16_t peer_port_ = 0;
  bool peer_tls_ = false;
  std::string wire_;  // the serialized request, reused
  std::vector<char> in_ = std::vector<char>(16 * 1024);  // room for a typical answer in one receive
  std::size_t in_begin_ = 0, in_end_ = 0;
};

static_assert(reusing_http_transport<curl_transport>);

#if defined(ZIC_SEPARATE_COMPILATION)
extern template class basic_client<curl_transport>;  // instantiated by src/curl.cpp (zic::compiled)
#endif

ZIC_NAMESPACE_END

#endif // ZIC_TRANSPORT_CURL_HPP
