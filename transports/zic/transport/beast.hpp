#ifndef ZIC_TRANSPORT_BEAST_HPP
#define ZIC_TRANSPORT_BEAST_HPP

// zic::beast_transport: HTTP/1.1 over Boost.Beast (plain TCP or OpenSSL TLS), one keep-alive
// connection, every exchange bounded by the request's timeout. The request is written from one
// reused buffer and the answer parsed straight into the caller's `http_response`, so a steady
// stream of polls allocates nothing here once warm.

#include <zic/zic.hpp>  // the core, as one header: also the single header
#include <zic/detail/async.hpp>
#include <zic/detail/answer_rules.hpp>
#include <zic/detail/request_writer.hpp>
#include <zic/transport/options.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <chrono>
#include <climits>
#include <exception>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#if !defined(_WIN32)
#include <cerrno>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#define ZIC_BEAST_SYNC_PLAIN 1
#endif

ZIC_NAMESPACE_BEGIN

namespace detail::beast_impl {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using beast::error_code;
using clock_type = std::chrono::steady_clock;

inline bool is_ip_literal(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// The peer closed (or reset) the connection.
inline bool is_closed(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::connection_aborted ||
         ec == asio::ssl::error::stream_truncated || ec == http::error::partial_message;
}

using detail::transport_failure;

#if defined(ZIC_BEAST_SYNC_PLAIN)
// A pipe whose read end becomes readable when a stop is requested: poll(2) watches it beside the
// socket, so a stop from another thread ends a wait at once, with no socket closed under it.
class waker {
public:
  waker() = default;
  waker(const waker&) = delete;
  waker& operator=(const waker&) = delete;
  ~waker() {
    if (fds_[0] >= 0) ::close(fds_[0]);
    if (fds_[1] >= 0) ::close(fds_[1]);
  }
  /// The descriptor to poll, made on first use; -1 when no pipe could be made.
  int fd() noexcept {
    if (fds_[0] < 0 && ::pipe(fds_) == 0) {
      for (int f : fds_) ::fcntl(f, F_SETFL, ::fcntl(f, F_GETFL) | O_NONBLOCK);
    }
    return fds_[0];
  }
  void notify() noexcept {
    if (fds_[1] >= 0) [[maybe_unused]] auto n = ::write(fds_[1], "!", 1);
  }
  void drain() noexcept {
    char buf[64];
    while (fds_[0] >= 0 && ::read(fds_[0], buf, sizeof buf) > 0) {
    }
  }

private:
  int fds_[2] = {-1, -1};
};

// A plain socket for one synchronous exchange, bounded by a deadline: each operation waits in
// poll(2) when the socket would block. A poll costs three system calls (send, poll, receive)
// where the event loop spends eight on its timer, reactor and speculative reads.
class deadline_socket {
public:
  /// `wake`: a descriptor that becomes readable when the exchange must stop (-1: none).
  deadline_socket(tcp::socket& s, clock_type::time_point deadline, int wake = -1)
      : s_(s), deadline_(deadline), wake_(wake) {}

  template <class Buffers> std::size_t read_some(const Buffers& b, error_code& ec) {
    // The answer to a request just sent is never there yet: wait first, then read.
    if (std::exchange(wait_first_, false) && !wait(POLLIN, ec)) return 0;
    return until_ready(POLLIN, ec, [&] { return s_.read_some(b, ec); });
  }
  template <class Buffers> std::size_t write_some(const Buffers& b, error_code& ec) {
    return until_ready(POLLOUT, ec, [&] { return s_.write_some(b, ec); });
  }
  // The throwing forms complete the stream concepts; the exchange uses the ones above.
  template <class Buffers> std::size_t read_some(const Buffers& b) { return or_throw(read_some(b, ec_), ec_); }
  template <class Buffers> std::size_t write_some(const Buffers& b) { return or_throw(write_some(b, ec_), ec_); }

private:
  static std::size_t or_throw(std::size_t n, const error_code& ec) {
    if (ec) throw boost::system::system_error(ec);
    return n;
  }
  // Runs `op` on the non-blocking socket, waiting for `events` each time it would block.
  template <class Op> std::size_t until_ready(short events, error_code& ec, Op op) {
    for (;;) {
      std::size_t n = op();
      if (ec != asio::error::would_block && ec != asio::error::try_again) return n;
      if (!wait(events, ec)) return 0;
    }
  }
  bool wait(short events, error_code& ec) {
    for (;;) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline_ - clock_type::now()).count();
      if (left <= 0) {
        ec = beast::error::timeout;
        return false;
      }
      pollfd p[2] = {{s_.native_handle(), events, 0}, {wake_, POLLIN, 0}};
      int r = ::poll(p, wake_ >= 0 ? 2 : 1, static_cast<int>(std::min<long long>(left, INT_MAX)));
      if (r > 0 && wake_ >= 0 && p[1].revents != 0) {
        ec = asio::error::operation_aborted;  // stopped
        return false;
      }
      if (r > 0) {
        ec = {};
        return true;  // ready, or an error the next operation reports
      }
      if (r < 0 && errno != EINTR) {
        ec = error_code(errno, boost::system::system_category());
        return false;
      }
    }
  }

  tcp::socket& s_;
  clock_type::time_point deadline_;
  int wake_;
  bool wait_first_ = true;
  error_code ec_;
};
#endif

// Parses an answer into a caller's `http_response`, reusing its header strings and body.
class answer_parser final : public http::basic_parser<false> {
public:
  /// `after_interim`: an interim answer came before this one, so the peer has heard the request.
  answer_parser(http_response& out, std::size_t max_body, std::size_t max_header, bool after_interim = false)
      : out_(out), after_interim_(after_interim) {
    body_limit(max_body);
    header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(max_header, 0xffffffffu)));
    out_.status = 0;
    out_.body.clear();
  }

private:
  void on_request_impl(http::verb, beast::string_view, beast::string_view, int, error_code& ec) override {
    ec = http::error::bad_version;  // a response parser never sees a request line
  }
  void on_response_impl(int code, beast::string_view, int version, error_code& ec) override {
    out_.status = code;
    fields_ = 0;
    if (!(why_ = detail::answer_rules::status(version / 10, version % 10, code)).empty()) ec = http::error::bad_status;
  }
  void on_field_impl(http::field, beast::string_view name, beast::string_view value, error_code& ec) override {
    if (!(why_ = rules_.check({name.data(), name.size()}, {value.data(), value.size()})).empty()) {
      ec = http::error::bad_field;
      return;
    }
    if (fields_ == out_.headers.size()) out_.headers.emplace_back();
    out_.headers[fields_].name.assign(name.data(), name.size());
    out_.headers[fields_].value.assign(value.data(), value.size());
    ++fields_;
  }
  void on_header_impl(error_code&) override { out_.headers.resize(fields_); }
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    if (length) out_.reserve_body(static_cast<std::size_t>(*length));
  }
  std::size_t on_body_impl(beast::string_view s, error_code&) override {
    out_.body.append(s.data(), s.size());
    return s.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view s, error_code&) override {
    out_.body.append(s.data(), s.size());
    return s.size();
  }
  void on_finish_impl(error_code&) override {
    out_.reserve_body(out_.body.size());
  }

  http_response& out_;
  std::size_t fields_ = 0;
  detail::answer_rules::fields rules_;
  std::string_view why_;
  bool after_interim_;

public:
  /// Whether any byte of an answer to this request arrived.
  bool heard() const noexcept { return after_interim_ || got_some(); }
  /// Why the answer was refused by zic's rules (not Beast's own), or empty.
  std::string_view refused() const noexcept { return why_; }
};

// Whether a kept-alive connection can carry another request: nothing may arrive on an idle
// connection, so anything readable (stray bytes, a 408, the peer's close) means it is done.
inline bool idle_and_open(tcp::socket& s, SSL* ssl, const beast::flat_buffer& leftover) noexcept {
  if (leftover.size() != 0 || (ssl != nullptr && SSL_pending(ssl) > 0)) return false;
#if defined(_WIN32)
  error_code ec;
  return s.available(ec) == 0 && !ec;
#else
  pollfd p{s.native_handle(), POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
#endif
}

// The TLS client context for `opt`, made once; a setup failure is kept and reported again.
inline result<void> make_tls_context(const transport_options& opt, std::optional<asio::ssl::context>& made,
                                     std::string& failure) {
  namespace ssl = asio::ssl;
  if (made) return {};
  if (!failure.empty()) return zic::error(errc::tls, failure);
  error_code ec;
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                      ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                  ec);
  if (!ec) {
    if (opt.ca_file.empty()) ctx.set_default_verify_paths(ec);
    else ctx.load_verify_file(opt.ca_file, ec);
    if (ec)
      failure = "cannot load CA certificates" + (opt.ca_file.empty() ? std::string() : " from " + opt.ca_file) +
                         ": " + ec.message();
  }
  if (!ec && !opt.extra_ca_file.empty()) {
    ctx.load_verify_file(opt.extra_ca_file, ec);  // adds to what is trusted already
    if (ec) failure = "cannot load CA certificates from " + opt.extra_ca_file + ": " + ec.message();
  }
  if (!ec && !opt.ca_pem.empty()) {
    ctx.add_certificate_authority(asio::buffer(opt.ca_pem), ec);
    if (ec) failure = "cannot load the in-memory CA certificates (ca_pem): " + ec.message();
  }
  if (!ec && !opt.client_cert_file.empty()) {
    ctx.use_certificate_chain_file(opt.client_cert_file, ec);
    if (!ec)
      ctx.use_private_key_file(opt.client_key_file.empty() ? opt.client_cert_file : opt.client_key_file,
                               ssl::context::pem, ec);
    if (ec) failure = "cannot load the client certificate or key: " + ec.message();
  }
  if (ec) {
    if (failure.empty()) failure = "TLS setup failed: " + ec.message();
    return zic::error(errc::tls, failure);
  }
  ctx.set_verify_mode(opt.insecure ? ssl::verify_none : ssl::verify_peer);
  made.emplace(std::move(ctx));
  return {};
}

// Why a TLS handshake failed, as OpenSSL knows it: the certificate's verification result names
// the cause (expired, unknown issuer, ...); a verified certificate refused anyway is a name that
// does not match (Asio's host-name check).
inline std::string handshake_failure(SSL* ssl, const error_code& ec, const std::string& host) {
  const long verify = SSL_get_verify_result(ssl);
  // The host-name check refuses a chain OpenSSL accepted without saying why: "unspecified".
  if (verify == X509_V_ERR_UNSPECIFIED ||
      (verify == X509_V_OK && ec.message().find("certificate verify failed") != std::string::npos))
    return "certificate verify failed: the certificate does not match the host name " + host;
  if (verify != X509_V_OK) return std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
  return ec.message();
}

// Why an exchange failed, from the write's and the read's error codes; `stale` when the peer
// had closed a kept-alive connection before any byte of the answer (worth one resend).
struct exchange_failure {
  errc code;
  std::string what;
  bool stale = false;
};

// A server that answers with interim (1xx) answers only.
inline const error_code interim_limit = boost::system::errc::make_error_code(boost::system::errc::protocol_error);

inline std::optional<exchange_failure> classify(const error_code& wec, const error_code& ec, const answer_parser& parser,
                                                const http_response& out, std::size_t max_body) {
  if (wec && wec != asio::error::operation_aborted) {
    if (wec == beast::error::timeout) return exchange_failure{errc::timeout, "sending the request timed out"};
    return exchange_failure{errc::transport, "connection closed while sending the request: " + wec.message(),
                            is_closed(wec)};
  }
  if (!ec) return std::nullopt;
  if (ec == beast::error::timeout)
    return exchange_failure{errc::timeout, parser.is_header_done() ? "the answer's body did not arrive within the timeout"
                                                                   : "no answer within the timeout"};
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
    return exchange_failure{errc::too_large, "the answer's headers exceed the limit"};
  if (!parser.refused().empty()) return exchange_failure{errc::transport, std::string(parser.refused())};
  if (ec == interim_limit)
    return exchange_failure{errc::transport, "more than " + std::to_string(detail::answer_rules::max_interim_answers) +
                                                 " interim (1xx) answers"};
  if (ec == http::error::body_limit)
    return exchange_failure{errc::too_large, "the answer is larger than the limit of " + std::to_string(max_body) + " bytes"};
  if (is_closed(ec)) {
    const auto expected = parser.is_header_done() ? parser.content_length() : boost::none;  // asserts otherwise
    return exchange_failure{errc::transport,
                            detail::closed_answer(parser.heard(), parser.is_header_done(), out.body.size(),
                                                  expected ? std::optional<std::uint64_t>(*expected) : std::nullopt),
                            !parser.heard()};
  }
  return exchange_failure{errc::transport, "reading the answer failed: " + ec.message()};
}

// The read buffer's cap: the answer's headers (or trailers) and one read's worth beyond them.
// Body bytes leave the buffer as they are parsed, so only headers and trailers accumulate.
inline std::size_t read_buffer_limit(const transport_options& opt) {
  return std::max<std::size_t>(opt.max_header_bytes, 1024) + 64 * 1024;
}

// Reads answers with `read(parser, ec)` until the final one: interim (1xx) answers are read and
// dropped, as RFC 9110 asks; `parser` holds the last one read. Returns the read's error.
template <class Read>
error_code read_final(std::optional<answer_parser>& parser, http_response& out, const transport_options& opt,
                      Read&& read) {
  for (std::size_t interim = 0;; ++interim) {
    if (interim > detail::answer_rules::max_interim_answers) return interim_limit;
    parser.emplace(out, opt.max_body_bytes, opt.max_header_bytes, interim > 0);
    error_code ec;
    read(*parser, ec);
    if (ec || out.status >= 200) return ec;
  }
}

// One keep-alive connection and the io_context that drives it.
class connection {
public:
  // Room for a typical answer in one receive; Beast's reads would otherwise come 512 bytes at a time.
  explicit connection(transport_options o) : opt_(std::move(o)) {
    buffer_.reserve(16 * 1024);
    buffer_.max_size(read_buffer_limit(opt_));
  }

  std::size_t opened() const noexcept { return opened_; }

  void close() {
    error_code ignored;
    if (plain_) plain_->socket().close(ignored);
    if (secure_) beast::get_lowest_layer(*secure_).socket().close(ignored);
    plain_.reset();
    secure_.reset();
    peer_port_ = 0;
    buffer_.clear();
  }

  result<void> send(const http_request& req, http_response& out) {
    if (auto why = detail::unsendable(req); !why.empty()) return zic::error(errc::invalid_argument, std::string(why));
    if (req.stop.stop_requested()) return zic::error(errc::cancelled, "the exchange was cancelled before it began");
    ++generation_;
    // A stop from any thread: the plain path's poll wakes on the pipe; the event loop's
    // operations (resolving, connecting, TLS) are cut by a handler posted to it.
    std::optional<std::stop_callback<on_stop>> watch;
    if (req.stop.stop_possible()) watch.emplace(req.stop, on_stop{this, generation_});
    auto answer = send_watched(req, out);
    watch.reset();  // no stop can wake the pipe after this: drained, it stays quiet
#if defined(ZIC_BEAST_SYNC_PLAIN)
    wake_.drain();
#endif
    if (answer || !req.stop.stop_requested()) return answer;
    zic::error e = std::move(answer).error();
    close();
    return transport_failure(errc::cancelled, "the exchange was cancelled (" + req.method + " " + req.url() + ")",
                             e.request_sent);
  }

private:
  result<void> send_watched(const http_request& req, http_response& out) {
    const auto deadline = detail::later(clock_type::now(), req.timeout);
    if (connected() && (peer_port_ != req.port || peer_host_ != req.host || peer_tls_ != req.is_tls() ||
                        !idle_and_open(lowest().socket(), secure_ ? secure_->native_handle() : nullptr, buffer_)))
      close();
    detail::write_request(req, wire_);
    const bool reused = connected();
    if (!reused)
      if (auto ok = connect(req, deadline); !ok) return ok;
    stale_ = false;
    auto answer = secure_ ? exchange(*secure_, req, out, deadline) : exchange(*plain_, req, out, deadline);
    // A kept-alive connection the server had already closed: nothing of the answer came. The
    // call engine decides whether to send again.
    if (answer || !reused || !stale_) return answer;
    zic::error e = std::move(answer).error();
    e.reused_connection_closed = true;
    return e;
  }

  using tcp_stream = beast::tcp_stream;
  using tls_stream = beast::ssl_stream<tcp_stream>;

  bool connected() const noexcept { return plain_.has_value() || secure_.has_value(); }
  tcp_stream& lowest() { return secure_ ? beast::get_lowest_layer(*secure_) : *plain_; }

  // Runs on the stopping thread; allocates nothing.
  struct on_stop {
    connection* c;
    std::uint64_t generation;
    void operator()() const noexcept {
#if defined(ZIC_BEAST_SYNC_PLAIN)
      c->wake_.notify();
#endif
      try {
        asio::post(c->ioc_, [c = c, g = generation] {
          if (g == c->generation_) c->abort_io();
        });
      } catch (...) {  // the poll's pipe has woken it; the event loop then ends at its deadline
      }
    }
  };

  // Cuts the event loop's operations short (a stop): they complete with operation_aborted.
  void abort_io() {
    error_code ignored;
    if (resolver_) resolver_->cancel();
    if (plain_) plain_->socket().close(ignored);
    if (secure_) beast::get_lowest_layer(*secure_).socket().close(ignored);
  }

  // Runs the io_context until the started operation (and its timer) completes.
  template <class Start> error_code run(Start&& start) {
    error_code result = asio::error::would_block;
    std::forward<Start>(start)([&result](error_code ec, auto&&...) { result = ec; });
    ioc_.restart();
    ioc_.run();
    return result;
  }

  result<void> ensure_tls_context() { return make_tls_context(opt_, tls_ctx_, tls_setup_error_); }

  result<void> connect(const http_request& req, clock_type::time_point deadline) {
    close();
    // Resolve, bounded by the same deadline (the resolver itself has no timeout).
    tcp::resolver resolver(ioc_);
    resolver_ = &resolver;
    struct forget {
      tcp::resolver*& r;
      ~forget() { r = nullptr; }
    } forget_resolver{resolver_};
    asio::steady_timer timer(ioc_);
    tcp::resolver::results_type endpoints;
    error_code rec = asio::error::would_block;
    bool timed_out = false;
    timer.expires_at(deadline);
    timer.async_wait([&](error_code ec) {
      if (!ec) {
        timed_out = true;
        resolver.cancel();
      }
    });
    resolver.async_resolve(req.host, std::to_string(req.port), [&](error_code ec, tcp::resolver::results_type r) {
      rec = ec;
      endpoints = std::move(r);
      timer.cancel();
    });
    ioc_.restart();
    ioc_.run();
    const std::string where = req.host_header();
    if (timed_out) return transport_failure(errc::timeout, "resolving " + req.host + " timed out", false);
    if (rec) return transport_failure(errc::transport, "cannot resolve " + req.host + ": " + rec.message(), false);

    auto connect_lowest = [&](tcp_stream& s) {
      s.expires_at(deadline);
      return run([&](auto handler) { s.async_connect(endpoints, std::move(handler)); });
    };
    auto connect_failure = [&](const error_code& ec) {
      close();
      if (ec == beast::error::timeout) return transport_failure(errc::timeout, "connecting to " + where + " timed out", false);
      return transport_failure(errc::transport, "cannot connect to " + where + ": " + ec.message(), false);
    };
    if (req.is_tls()) {
      if (auto ok = ensure_tls_context(); !ok) return ok;
      secure_.emplace(ioc_, *tls_ctx_);
      if (!is_ip_literal(req.host))  // SNI takes names only
        SSL_set_tlsext_host_name(secure_->native_handle(), req.host.c_str());
      if (!opt_.insecure) secure_->set_verify_callback(asio::ssl::host_name_verification(req.host));
      if (auto ec = connect_lowest(beast::get_lowest_layer(*secure_))) return connect_failure(ec);
      auto ec = run([&](auto handler) { secure_->async_handshake(asio::ssl::stream_base::client, std::move(handler)); });
      if (ec) {
        // The cause lives in the stream: read it before closing.
        const std::string why = handshake_failure(secure_->native_handle(), ec, req.host);
        close();
        if (ec == beast::error::timeout) return transport_failure(errc::timeout, "TLS handshake with " + where + " timed out", false);
        return transport_failure(errc::tls, "TLS handshake with " + where + " failed: " + why, false);
      }
    } else {
      plain_.emplace(ioc_);
      if (auto ec = connect_lowest(*plain_)) return connect_failure(ec);
#if defined(ZIC_BEAST_SYNC_PLAIN)
      error_code ignored;
      plain_->socket().non_blocking(true, ignored);  // exchanges wait in deadline_socket
#endif
    }
    error_code ignored;
    tcp_stream& lowest = secure_ ? beast::get_lowest_layer(*secure_) : *plain_;
    lowest.socket().set_option(tcp::no_delay(true), ignored);  // small requests, answered at once
    ++opened_;
    peer_host_ = req.host;
    peer_port_ = req.port;
    peer_tls_ = req.is_tls();
    return {};
  }

  template <class Stream>
  result<void> exchange(Stream& stream, const http_request& req, http_response& out, clock_type::time_point deadline) {
    auto& lowest = beast::get_lowest_layer(stream);
    // Messages are built only on failure: the success path allocates nothing.
    auto fail = [&](errc code, std::string what, bool sent) {
      close();
      return transport_failure(code, std::move(what) + " (" + req.method + " " + req.url() + ")", sent);
    };

    std::optional<answer_parser> parser(std::in_place, out, opt_.max_body_bytes, opt_.max_header_bytes);
    error_code wec = asio::error::would_block, ec = asio::error::would_block;
#if defined(ZIC_BEAST_SYNC_PLAIN)
    if constexpr (std::is_same_v<Stream, tcp_stream>) {
      deadline_socket s(lowest.socket(), deadline, wake_.fd());
      asio::write(s, asio::buffer(wire_), wec);
      if (!wec) ec = read_final(parser, out, opt_, [&](answer_parser& p, error_code& e) { http::read(s, buffer_, p, e); });
    } else
#endif
    {
      // The write and the first read go out together and the loop runs once: a poll costs one
      // turn of the event loop, not three.
      lowest.expires_at(deadline);
      asio::async_write(stream, asio::buffer(wire_), [&](error_code e, std::size_t) {
        wec = e;
        if (e) lowest.cancel();  // the read cannot succeed without the request
      });
      ec = read_final(parser, out, opt_, [&](answer_parser& p, error_code& e) {
        e = asio::error::would_block;
        http::async_read(stream, buffer_, p, [&e](error_code r, std::size_t) { e = r; });
        ioc_.restart();
        ioc_.run();
      });
    }
    if (auto f = classify(wec, ec, *parser, out, opt_.max_body_bytes)) {
      stale_ = f->stale;
      return fail(f->code, std::move(f->what), true);
    }
    // Bytes after the answer answer nothing zic asked: the connection is out of step.
    if (!parser->keep_alive() || buffer_.size() != 0) close();
    return {};
  }

  transport_options opt_;
  asio::io_context ioc_{1};
  std::optional<asio::ssl::context> tls_ctx_;
  std::string tls_setup_error_;
  std::optional<tcp_stream> plain_;
  std::optional<tls_stream> secure_;
  std::string peer_host_;
  std::uint16_t peer_port_ = 0;
  bool peer_tls_ = false;
  bool stale_ = false;  // the last failure was a closed connection before any answer byte
  std::uint64_t generation_ = 0;        // one per exchange: a late stop never touches the next
  tcp::resolver* resolver_ = nullptr;  // while resolving, for a stop to cancel
#if defined(ZIC_BEAST_SYNC_PLAIN)
  waker wake_;
#endif
  beast::flat_buffer buffer_;
  std::string wire_;  // the serialized request, reused
  std::size_t opened_ = 0;
};

// One keep-alive connection driven on a caller's executor: no io_context of its own, no thread.
// The whole exchange is bounded by a watchdog timer that closes the socket at the deadline;
// `abort` (a cancellation) does the same at once.
class async_connection : public std::enable_shared_from_this<async_connection> {
public:
  async_connection(asio::any_io_executor ex, transport_options o)
      : ex_(std::move(ex)), opt_(std::move(o)), resolver_(ex_), watchdog_(ex_) {
    buffer_.reserve(16 * 1024);
    buffer_.max_size(read_buffer_limit(opt_));
  }

  const asio::any_io_executor& executor() const noexcept { return ex_; }
  std::size_t opened() const noexcept { return opened_; }

  /// Ends the exchange in progress, if any (the slot handler of a cancelled send).
  void abort() {
    if (!busy_) return;
    aborted_ = true;
    shut();
  }

  asio::awaitable<async::outcome<void>> send(const http_request& req, http_response& out) {
    auto keep = shared_from_this();  // the transport may be moved while this runs
    if (auto why = detail::unsendable(req); !why.empty()) co_return zic::error(errc::invalid_argument, std::string(why));
    busy_ = true;
    aborted_ = timed_out_ = false;
    arm(detail::later(clock_type::now(), req.timeout));
    if (connected() && (peer_port_ != req.port || peer_host_ != req.host || peer_tls_ != req.is_tls() ||
                        !idle_and_open(lowest(), secure_ ? secure_->native_handle() : nullptr, buffer_)))
      close();
    detail::write_request(req, wire_);
    result<void> answer;
    const bool reused = connected();
    if (!reused) answer = co_await connect(req);
    if (answer) {
      stale_ = false;
      answer = co_await exchange(req, out);
      // A kept-alive connection the server had already closed: nothing of the answer came. The
      // call engine decides whether to send again.
      if (!answer && reused && stale_ && !aborted_ && !timed_out_) {
        zic::error e = std::move(answer).error();
        e.reused_connection_closed = true;
        answer = std::move(e);
      }
    }
    watchdog_.cancel();
    busy_ = false;
    co_return answer;
  }

private:
  using tls_stream = asio::ssl::stream<tcp::socket>;

  bool connected() const noexcept { return plain_.has_value() || secure_.has_value(); }
  tcp::socket& lowest() { return secure_ ? secure_->next_layer() : *plain_; }

  void shut() {
    error_code ignored;
    resolver_.cancel();
    if (plain_) plain_->close(ignored);
    if (secure_) secure_->next_layer().close(ignored);
  }
  void close() {
    shut();
    plain_.reset();
    secure_.reset();
    peer_port_ = 0;
    buffer_.clear();
  }

  void arm(clock_type::time_point deadline) {
    watchdog_.expires_at(deadline);
    watchdog_.async_wait([self = weak_from_this(), generation = ++generation_](error_code ec) {
      if (ec) return;  // cancelled: the exchange ended in time
      auto c = self.lock();
      if (!c || c->generation_ != generation || !c->busy_) return;
      c->timed_out_ = true;
      c->shut();
    });
  }

  // What a failed step says: the abort or the deadline when either ended it, else `ec`.
  zic::error failure(const http_request& req, errc code, std::string what, bool sent) {
    close();
    if (aborted_) return transport_failure(errc::cancelled, "the exchange was cancelled (" + req.method + " " + req.url() + ")", sent);
    return transport_failure(code, std::move(what) + " (" + req.method + " " + req.url() + ")", sent);
  }

  asio::awaitable<result<void>> connect(const http_request& req) {
    close();
    const std::string where = req.host_header();
    tcp::resolver::results_type endpoints;
    error_code ec;
    if (is_ip_literal(req.host)) {
      endpoints = tcp::resolver::results_type::create(tcp::endpoint(asio::ip::make_address(req.host), req.port),
                                                      req.host, std::to_string(req.port));
    } else {
      const std::string service = std::to_string(req.port);
      auto [rec, found] = co_await resolver_.async_resolve(req.host, service, asio::as_tuple(asio::use_awaitable));
      ec = rec;
      endpoints = std::move(found);
      if (timed_out_) co_return failure(req, errc::timeout, "resolving " + req.host + " timed out", false);
      if (ec) co_return failure(req, errc::transport, "cannot resolve " + req.host + ": " + ec.message(), false);
    }
    if (req.is_tls()) {
      if (auto ok = make_tls_context(opt_, tls_ctx_, tls_setup_error_); !ok) co_return ok;
      secure_.emplace(ex_, *tls_ctx_);
      if (!is_ip_literal(req.host))  // SNI takes names only
        SSL_set_tlsext_host_name(secure_->native_handle(), req.host.c_str());
      if (!opt_.insecure) secure_->set_verify_callback(asio::ssl::host_name_verification(req.host));
    } else {
      plain_.emplace(ex_);
    }
    auto [cec, peer] = co_await asio::async_connect(lowest(), endpoints, asio::as_tuple(asio::use_awaitable));
    ec = cec;
    if (timed_out_) co_return failure(req, errc::timeout, "connecting to " + where + " timed out", false);
    if (ec) co_return failure(req, errc::transport, "cannot connect to " + where + ": " + ec.message(), false);
    if (secure_) {
      auto [hec] = co_await secure_->async_handshake(asio::ssl::stream_base::client, asio::as_tuple(asio::use_awaitable));
      ec = hec;
      if (timed_out_) co_return failure(req, errc::timeout, "TLS handshake with " + where + " timed out", false);
      if (ec)
        co_return failure(req, errc::tls,
                          "TLS handshake with " + where + " failed: " + handshake_failure(secure_->native_handle(), ec, req.host),
                          false);
    }
    lowest().set_option(tcp::no_delay(true), ec);  // small requests, answered at once
    ++opened_;
    peer_host_ = req.host;
    peer_port_ = req.port;
    peer_tls_ = req.is_tls();
    co_return result<void>{};
  }

  // The request out, then the answer in, interim answers dropped: the write's and the read's
  // error codes.
  template <class Stream>
  asio::awaitable<std::pair<error_code, error_code>> write_then_read(Stream& stream, std::optional<answer_parser>& parser,
                                                                    http_response& out) {
    auto [wec, written] = co_await asio::async_write(stream, asio::buffer(wire_), asio::as_tuple(asio::use_awaitable));
    if (wec) co_return std::pair(wec, error_code());
    for (std::size_t interim = 0;; ++interim) {
      if (interim > detail::answer_rules::max_interim_answers) co_return std::pair(error_code(), interim_limit);
      parser.emplace(out, opt_.max_body_bytes, opt_.max_header_bytes, interim > 0);
      auto [ec, read] = co_await http::async_read(stream, buffer_, *parser, asio::as_tuple(asio::use_awaitable));
      if (ec || out.status >= 200) co_return std::pair(error_code(), ec);
    }
  }

  asio::awaitable<result<void>> exchange(const http_request& req, http_response& out) {
    std::optional<answer_parser> parser(std::in_place, out, opt_.max_body_bytes, opt_.max_header_bytes);
    error_code wec, ec;
    if (secure_) {
      std::tie(wec, ec) = co_await write_then_read(*secure_, parser, out);
    } else {
      std::tie(wec, ec) = co_await write_then_read(*plain_, parser, out);
    }
    if (timed_out_) {  // the watchdog closed the socket: say what was cut short
      if (wec) wec = beast::error::timeout;
      else if (ec) ec = beast::error::timeout;
    }
    if (auto f = classify(wec, ec, *parser, out, opt_.max_body_bytes)) {
      stale_ = f->stale;
      co_return failure(req, f->code, std::move(f->what), true);
    }
    // Bytes after the answer answer nothing zic asked: the connection is out of step.
    if (!parser->keep_alive() || buffer_.size() != 0) close();
    co_return result<void>{};
  }

  asio::any_io_executor ex_;
  transport_options opt_;
  tcp::resolver resolver_;
  asio::steady_timer watchdog_;
  std::uint64_t generation_ = 0;
  std::optional<asio::ssl::context> tls_ctx_;
  std::string tls_setup_error_;
  std::optional<tcp::socket> plain_;
  std::optional<tls_stream> secure_;
  std::string peer_host_;
  std::uint16_t peer_port_ = 0;
  bool peer_tls_ = false;
  bool stale_ = false;
  bool busy_ = false, aborted_ = false, timed_out_ = false;
  beast::flat_buffer buffer_;
  std::string wire_;
  std::size_t opened_ = 0;
};

} // namespace detail::beast_impl

/**
 * A transport over Boost.Beast. Keeps one connection alive and reuses it; when a reused
 * connection proves closed before any byte of the answer arrived, the failure says so
 * (`reused_connection_closed`) and the call engine resends the request once if it may be sent
 * twice. TLS verifies the peer (system store or `ca_file`, SNI, host name) unless
 * `insecure` is set. One call at a time; not thread-safe.
 *
 * @code
 * zic::basic_client<zic::beast_transport> client(options, zic::beast_transport{});
 * @endcode
 */
class beast_transport {
public:
  explicit beast_transport(transport_options options = {})
      : c_(std::make_unique<detail::beast_impl::connection>(std::move(options))) {}

  beast_transport(beast_transport&&) noexcept = default;
  beast_transport& operator=(beast_transport&&) noexcept = default;

  result<http_response> send(const http_request& req) noexcept {
    try {
      return detail::send_fresh(*this, req);
    } catch (const std::exception& e) {
      return zic::error(errc::transport, std::string("transport failure: ") + e.what());
    }
  }

  /// The same, answering into `out` and reusing its buffers.
  result<void> send(const http_request& req, http_response& out) noexcept {
    try {
      return c_->send(req, out);
    } catch (const std::exception& e) {
      c_->close();
      return zic::error(errc::transport, std::string("transport failure: ") + e.what());
    }
  }

  /// Connections opened so far: 1 after any number of calls on one kept-alive connection.
  std::size_t connections_opened() const noexcept { return c_->opened(); }

private:
  std::unique_ptr<detail::beast_impl::connection> c_;
};

static_assert(reusing_http_transport<beast_transport>);

/**
 * The asynchronous Beast transport: one keep-alive connection on the caller's executor, with
 * the blocking transport's rules (TLS verification, body cap, a stale connection reported as
 * such, the request's timeout over the whole exchange). No private
 * `io_context`, no thread, no blocking call. Terminal cancellation through the completion
 * handler's slot closes the connection and completes with `errc::cancelled`. One exchange at a
 * time; the transport outlives its exchanges.
 *
 * @code
 * boost::asio::io_context io;
 * zic::basic_async_client client(options, zic::beast_async_transport(io.get_executor()));
 * @endcode
 */
class beast_async_transport {
public:
  using executor_type = boost::asio::any_io_executor;

  explicit beast_async_transport(boost::asio::any_io_executor ex, transport_options options = {})
      : c_(std::make_shared<detail::beast_impl::async_connection>(std::move(ex), std::move(options))) {}

  executor_type get_executor() const noexcept { return c_->executor(); }

  /// Sends `req` and answers into `out` (both live until completion): `void(zic::result<void>)`.
  template <class CompletionToken> auto async_send(const http_request& req, http_response& out, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(result<void>)>(
        [c = c_](auto handler, const http_request* r, http_response* o) {
          auto on_cancel = [w = std::weak_ptr(c)](boost::asio::cancellation_type t) {
            if (!(t & boost::asio::cancellation_type::terminal)) return;
            if (auto p = w.lock()) p->abort();
          };
          detail::async::spawn<void>(c->executor(), std::move(handler), [c, r, o] { return c->send(*r, *o); },
                                     std::move(on_cancel));
        },
        token, &req, &out);
  }

  /// Connections opened so far: 1 after any number of exchanges on one kept-alive connection.
  std::size_t connections_opened() const noexcept { return c_->opened(); }

  /// The exchange as a coroutine on this transport's executor: what `basic_async_client`
  /// awaits, sparing a spawn per request. `cancel()` ends it as a cancellation slot would.
  boost::asio::awaitable<result<void>> send_awaitable(const http_request& req, http_response& out) {
    auto done = co_await c_->send(req, out);
    co_return done ? std::move(*done) : result<void>(zic::error(errc::transport, "unexpected failure"));
  }
  void cancel() { c_->abort(); }

private:
  std::shared_ptr<detail::beast_impl::async_connection> c_;
};

static_assert(async_http_transport<beast_async_transport>);

#if defined(ZIC_SEPARATE_COMPILATION)
extern template class basic_client<beast_transport>;  // instantiated by src/beast.cpp (zic::compiled)
#endif

ZIC_NAMESPACE_END

#endif // ZIC_TRANSPORT_BEAST_HPP
