#ifndef ZIC_TRANSPORT_BEAST_HPP
#define ZIC_TRANSPORT_BEAST_HPP

// zic::beast_transport: HTTP/1.1 over Boost.Beast (plain TCP or OpenSSL TLS), one keep-alive
// connection, every exchange bounded by the request's timeout.

#include <zic/http.hpp>
#include <zic/result.hpp>
#include <zic/transport.hpp>
#include <zic/transport/options.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <simdjson.h>

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>

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
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted || ec == asio::ssl::error::stream_truncated ||
         ec == http::error::partial_message;
}

inline zic::error failure(errc code, std::string message, bool sent) {
  zic::error e(code, std::move(message));
  e.request_sent = sent;
  return e;
}
} // namespace detail::beast_impl

namespace detail::beast_impl {

// One keep-alive connection and the io_context that drives it.
struct connection {
  using tcp_stream = beast::tcp_stream;
  using tls_stream = beast::ssl_stream<tcp_stream>;

  transport_options opt;
  boost::asio::io_context ioc{1};
  std::optional<boost::asio::ssl::context> tls_ctx;
  std::string tls_setup_error;
  std::optional<tcp_stream> plain;
  std::optional<tls_stream> secure;
  std::string peer;  // "scheme://host:port" of the open connection
  boost::beast::flat_buffer buffer;
  std::size_t opened = 0;

  explicit connection(transport_options o) : opt(std::move(o)) {}

  void close() {
    boost::beast::error_code ignored;
    if (plain) plain->socket().close(ignored);
    if (secure) boost::beast::get_lowest_layer(*secure).socket().close(ignored);
    plain.reset();
    secure.reset();
    peer.clear();
    buffer.clear();
  }

  // Runs the io_context until the started operation (and its timer) completes.
  template <class Start> boost::beast::error_code run(Start&& start) {
    boost::beast::error_code result = boost::asio::error::would_block;
    std::forward<Start>(start)([&result](boost::beast::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  result<void> ensure_tls_context() {
    namespace ssl = boost::asio::ssl;
    if (tls_ctx) return {};
    if (!tls_setup_error.empty()) return zic::error(errc::tls, tls_setup_error);
    boost::beast::error_code ec;
    ssl::context ctx(ssl::context::tls_client);
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                    ec);
    if (!ec) {
      if (opt.ca_file.empty()) ctx.set_default_verify_paths(ec);
      else ctx.load_verify_file(opt.ca_file, ec);
      if (ec) tls_setup_error = "cannot load CA certificates" +
                                (opt.ca_file.empty() ? std::string() : " from " + opt.ca_file) + ": " + ec.message();
    }
    if (!ec && !opt.client_cert_file.empty()) {
      ctx.use_certificate_chain_file(opt.client_cert_file, ec);
      if (!ec) ctx.use_private_key_file(opt.client_key_file.empty() ? opt.client_cert_file : opt.client_key_file,
                                        ssl::context::pem, ec);
      if (ec) tls_setup_error = "cannot load the client certificate or key: " + ec.message();
    }
    if (ec) {
      if (tls_setup_error.empty()) tls_setup_error = "TLS setup failed: " + ec.message();
      return zic::error(errc::tls, tls_setup_error);
    }
    ctx.set_verify_mode(opt.insecure ? ssl::verify_none : ssl::verify_peer);
    tls_ctx.emplace(std::move(ctx));
    return {};
  }

  result<void> connect(const http_request& req, clock_type::time_point deadline) {
    close();
    // Resolve, bounded by the same deadline (the resolver itself has no timeout).
    tcp::resolver resolver(ioc);
    asio::steady_timer timer(ioc);
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
    resolver.async_resolve(req.host, std::to_string(req.port),
                           [&](error_code ec, tcp::resolver::results_type r) {
                             rec = ec;
                             endpoints = std::move(r);
                             timer.cancel();
                           });
    ioc.restart();
    ioc.run();
    if (timed_out) return failure(errc::timeout, "resolving " + req.host + " timed out", false);
    if (rec) return failure(errc::transport, "cannot resolve " + req.host + ": " + rec.message(), false);

    auto connect_lowest = [&](tcp_stream& s) {
      s.expires_at(deadline);
      return run([&](auto handler) { s.async_connect(endpoints, std::move(handler)); });
    };
    auto where = req.host_header();
    if (req.is_tls()) {
      if (auto ok = ensure_tls_context(); !ok) return ok;
      secure.emplace(ioc, *tls_ctx);
      if (!is_ip_literal(req.host))  // SNI takes names only
        SSL_set_tlsext_host_name(secure->native_handle(), req.host.c_str());
      if (!opt.insecure) secure->set_verify_callback(asio::ssl::host_name_verification(req.host));
      if (auto ec = connect_lowest(beast::get_lowest_layer(*secure)))
        return connect_failure(ec, where);
      auto ec = run([&](auto handler) { secure->async_handshake(asio::ssl::stream_base::client, std::move(handler)); });
      if (ec) {
        close();
        if (ec == beast::error::timeout) return failure(errc::timeout, "TLS handshake with " + where + " timed out", false);
        return failure(errc::tls, "TLS handshake with " + where + " failed: " + ec.message(), false);
      }
    } else {
      plain.emplace(ioc);
      if (auto ec = connect_lowest(*plain)) return connect_failure(ec, where);
    }
    ++opened;
    peer = req.scheme + "://" + where;
    return {};
  }

  result<void> connect_failure(const boost::beast::error_code& ec, const std::string& where) {
    close();
    if (ec == boost::beast::error::timeout)
      return failure(errc::timeout, "connecting to " + where + " timed out", false);
    return failure(errc::transport, "cannot connect to " + where + ": " + ec.message(), false);
  }

  result<http_response> send(const http_request& req) {
    const auto deadline = clock_type::now() + req.timeout;
    const bool resendable = req.idempotent || !req.header("Idempotency-Key").empty();
    if (peer != req.scheme + "://" + req.host_header()) close();

    http::request<http::string_body> msg{http::string_to_verb(req.method), req.target, 11};
    msg.set(http::field::host, req.host_header());
    for (const auto& h : req.headers) msg.insert(h.name, h.value);
    msg.body() = req.body;
    msg.keep_alive(true);
    msg.prepare_payload();

    for (int round = 0;; ++round) {
      const bool reused = plain.has_value() || secure.has_value();
      if (!reused)
        if (auto ok = connect(req, deadline); !ok) return std::move(ok).error();
      auto answer = secure ? exchange(*secure, msg, req, deadline) : exchange(*plain, msg, req, deadline);
      if (answer || !reused || round > 0) return answer;
      // A kept-alive connection the server had already closed: nothing of the answer came.
      if (answer.error().code != errc::transport || !stale_) return answer;
      if (!resendable) {
        zic::error e = std::move(answer).error();
        e.message += " (on a reused connection; not resent because the request is not idempotent)";
        return e;
      }
    }
  }

  bool stale_ = false;

  template <class Stream>
  result<http_response> exchange(Stream& stream, http::request<http::string_body>& msg,
                                 const http_request& req, clock_type::time_point deadline) {
    stale_ = false;
    auto& lowest = beast::get_lowest_layer(stream);
    const std::string where = req.method + " " + req.url();
    auto fail = [&](errc code, std::string what, bool sent) {
      close();
      return failure(code, std::move(what) + " (" + where + ")", sent);
    };

    lowest.expires_at(deadline);
    auto ec = run([&](auto handler) { http::async_write(stream, msg, std::move(handler)); });
    if (ec) {
      if (ec == beast::error::timeout) return fail(errc::timeout, "sending the request timed out", true);
      stale_ = is_closed(ec);
      return fail(errc::transport, "connection closed while sending the request: " + ec.message(), true);
    }

    http::response_parser<http::string_body> parser;
    parser.body_limit(opt.max_body_bytes);
    parser.header_limit(static_cast<std::uint32_t>(opt.max_header_bytes));
    ec = run([&](auto handler) { http::async_read_header(stream, buffer, parser, std::move(handler)); });
    if (ec) {
      if (ec == beast::error::timeout) return fail(errc::timeout, "no answer within the timeout", true);
      if (ec == http::error::header_limit) return fail(errc::too_large, "the answer's headers exceed the limit", true);
      if (ec == http::error::body_limit)
        return fail(errc::too_large, "the answer is larger than the limit of " + std::to_string(opt.max_body_bytes) + " bytes", true);
      if (is_closed(ec)) {
        stale_ = !parser.got_some();
        return fail(errc::transport, parser.got_some() ? "connection closed mid-headers" : "connection closed before the answer", true);
      }
      return fail(errc::transport, "reading the answer failed: " + ec.message(), true);
    }
    if (auto length = parser.content_length())
      parser.get().body().reserve(static_cast<std::size_t>(*length) + simdjson::SIMDJSON_PADDING);
    if (!parser.is_done()) {
      ec = run([&](auto handler) { http::async_read(stream, buffer, parser, std::move(handler)); });
      if (ec) {
        if (ec == beast::error::timeout) return fail(errc::timeout, "the answer's body did not arrive within the timeout", true);
        if (ec == http::error::body_limit)
          return fail(errc::too_large, "the answer is larger than the limit of " + std::to_string(opt.max_body_bytes) + " bytes", true);
        if (is_closed(ec)) {
          auto got = parser.get().body().size();
          auto expected = parser.content_length();
          return fail(errc::transport, "connection closed mid-body after " + std::to_string(got) + " bytes" +
                                           (expected ? " of " + std::to_string(*expected) : std::string()), true);
        }
        return fail(errc::transport, "reading the answer failed: " + ec.message(), true);
      }
    }

    auto& res = parser.get();
    http_response out;
    out.status = static_cast<int>(res.result_int());
    out.headers.reserve(8);
    for (const auto& f : res) out.headers.push_back({std::string(f.name_string()), std::string(f.value())});
    const bool keep = res.keep_alive();
    out.body = std::move(res.body());
    if (out.body.capacity() < out.body.size() + simdjson::SIMDJSON_PADDING)
      out.body.reserve(out.body.size() + simdjson::SIMDJSON_PADDING);
    if (!keep) close();
    return out;
  }
};

} // namespace detail::beast_impl

/**
 * A transport over Boost.Beast. Keeps one connection alive and reuses it; when a reused
 * connection proves closed before any byte of the answer arrived, it reconnects once and
 * resends if the request is idempotent or carries an `Idempotency-Key`, and otherwise reports
 * `request_sent`. TLS verifies the peer (system store or `ca_file`, SNI, host name) unless
 * `insecure` is set. One call at a time; not thread-safe.
 *
 * @code
 * zic::basic_client<zic::beast_transport> client(options, zic::beast_transport{});
 * @endcode
 */
class beast_transport {
public:
  explicit beast_transport(transport_options options = {}) : s_(std::make_unique<detail::beast_impl::connection>(std::move(options))) {}

  beast_transport(beast_transport&&) noexcept = default;
  beast_transport& operator=(beast_transport&&) noexcept = default;

  result<http_response> send(const http_request& req) noexcept {
    try {
      return s_->send(req);
    } catch (const std::exception& e) {
      s_->close();
      return zic::error(errc::transport, std::string("transport failure: ") + e.what());
    }
  }

  /// Connections opened so far: 1 after any number of calls on one kept-alive connection.
  std::size_t connections_opened() const noexcept { return s_->opened; }

private:
  std::unique_ptr<detail::beast_impl::connection> s_;
};

static_assert(http_transport<beast_transport>);

ZIC_NAMESPACE_END

#endif // ZIC_TRANSPORT_BEAST_HPP
