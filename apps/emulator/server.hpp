#ifndef ZIC_EMULATOR_SERVER_HPP
#define ZIC_EMULATOR_SERVER_HPP

// An asynchronous HTTP/1.1 server on one thread: many keep-alive connections, optional TLS,
// and the fault plan applied between the wire and the API.

#include "api.hpp"
#include "faults.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <memory>
#include <optional>
#include <string>

namespace zic_emulator {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct counters {
  std::int64_t connections = 0, requests = 0;
};

inline constexpr std::uint64_t max_body = 64u << 20;     // one request body
inline constexpr std::uint32_t max_header = 64u << 10;   // one request line and its headers

// Request bytes every connection together may hold: a few clients promising large bodies
// cannot take the server's memory.
class byte_budget {
public:
  explicit byte_budget(std::uint64_t limit) : left_(limit) {}
  bool take(std::uint64_t n) {
    if (n > left_) return false;
    left_ -= n;
    return true;
  }
  void give(std::uint64_t n) { left_ += n; }

private:
  std::uint64_t left_;
};

struct shared_state {
  flavor kind;
  api& service;
  fault_plan& faults;
  job_store& jobs;
  counters stats;
  byte_budget budget{256u << 20};
};

inline std::string stats_json(shared_state& s) {
  std::string out;
  zic::detail::json_writer w(out);
  const auto running = static_cast<std::int64_t>(s.jobs.running(steady::now()));
  w.begin_object()
      .member("connections", s.stats.connections)
      .member("requests", s.stats.requests)
      .member("jobs", static_cast<std::int64_t>(s.jobs.size()))
      .member("running", running)
      .member("visits", static_cast<std::int64_t>(s.jobs.visits()))
      .member("retention", static_cast<std::int64_t>(s.jobs.retention.count()))
      .member("faults", s.faults.fired)
      .end_object();
  return out;
}

template <class Stream> class session : public std::enable_shared_from_this<session<Stream>> {
public:
  template <class... Args>
  session(shared_state& st, Args&&... args) : state_(st), stream_(std::forward<Args>(args)...),
                                              timer_(stream_.get_executor()) {}

  void start() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      read();
    } else {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (!ec) self->read();
                              });
    }
  }

private:
  void read() {
    parser_.emplace();
    parser_->body_limit(max_body);
    parser_->header_limit(max_header);
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(120));  // idle keep-alive
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->refuse(ec);
                              self->read_body();
                            });
  }

  // The body, within the bytes all connections may hold at once, and sooner than an idle wait.
  void read_body() {
    const std::uint64_t declared = parser_->content_length().value_or(0);
    if (declared > max_body) return refuse(http::error::body_limit);
    if (!state_.budget.take(declared)) return refuse_busy();
    held_ = declared;
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->refuse(ec);
      self->on_request();
    });
  }

  // A request that cannot be read gets the status that says why, then the connection closes.
  void refuse(const beast::error_code& ec) {
    release();
    int status = 0;
    if (ec == http::error::body_limit) status = 413;
    else if (ec == http::error::header_limit) status = 431;
    else if (ec.category() == beast::error_code(http::error::bad_target).category() && ec != http::error::end_of_stream &&
             ec != http::error::partial_message)
      status = 400;
    if (status == 0) return close();  // the peer left, or went quiet: nobody to answer
    reply r;
    r.status = status;
    r.body = status == 413   ? R"({"code":1100,"message":"request body too large"})"
             : status == 431 ? R"({"code":1100,"message":"request line or headers too large"})"
                             : R"({"code":1100,"message":"malformed HTTP request: )" + ec.message() + "\"}";
    send_and_close(std::move(r));
  }

  void refuse_busy() {
    reply r;
    r.status = 503;
    r.body = R"({"code":1,"message":"server busy: too many request bytes in flight"})";
    r.headers.emplace_back("Retry-After", "1");
    send_and_close(std::move(r));
  }

  void send_and_close(reply r) {
    auto out = std::make_shared<std::string>(head(r, r.body.size()) + r.body);
    asio::async_write(stream_, asio::buffer(*out), [self = this->shared_from_this(), out](beast::error_code, std::size_t) {
      self->close();
    });
  }

  void release() {
    state_.budget.give(held_);
    held_ = 0;
  }

  void on_request() {
    ++state_.stats.requests;
    request_ = parser_->release();
    release();
    beast::get_lowest_layer(stream_).expires_never();
    const std::string target(request_.target());
    if (target == "/_emulator/stats") {
      reply r;
      r.body = stats_json(state_);
      return send(std::move(r));
    }
    const std::string op = operation_of(target, state_.kind);
    fault_ = op.empty() ? nullptr : state_.faults.pick(op);
    if (fault_ && fault_->kind == fault_kind::delay) {
      timer_.expires_after(std::chrono::milliseconds(fault_->ms));
      timer_.async_wait([self = this->shared_from_this()](beast::error_code) { self->serve(); });
      return;
    }
    serve();
  }

  void serve() {
    if (fault_ && fault_->rejects()) return send(rejection(*fault_));
    request_view v{request_.method_string(), request_.target(), request_[http::field::authorization],
                   request_["DB-Name"], request_["Idempotency-Key"], request_.body()};
    reply r = state_.service.handle(v, steady::now());
    if (fault_ && fault_->kind != fault_kind::delay) return send_broken(std::move(r), *fault_);
    send(std::move(r));
  }

  static reply rejection(const fault_rule& f) {
    reply r;
    if (f.kind == fault_kind::http429) {
      r.status = 429;
      r.body = R"({"code":8,"message":"rate limit exceeded"})";
      r.headers.emplace_back("Retry-After", f.retry_after);
    } else if (f.kind == fault_kind::http503) {
      r.status = 503;
      r.content_type = "text/plain";
      r.body = "service unavailable";
    } else {
      r.body = R"({"code":1807,"message":"request is rejected by limiter"})";
    }
    return r;
  }

  // The status line and headers of every answer, normal or damaged: one place writes them.
  std::string head(const reply& r, std::size_t length, bool chunked = false, bool keep_alive = false) const {
    std::string h = "HTTP/1.1 " + std::to_string(r.status) + " " +
                    std::string(http::obsolete_reason(static_cast<http::status>(r.status))) + "\r\n";
    h += "Server: zic-emulator\r\nContent-Type: " + r.content_type + "\r\n";
    h += "X-Request-Id: req-" + std::to_string(state_.stats.requests) + "\r\n";
    for (const auto& [k, v] : r.headers) h += k + ": " + v + "\r\n";
    if (!keep_alive) h += "Connection: close\r\n";
    h += chunked ? std::string("Transfer-Encoding: chunked\r\n") : "Content-Length: " + std::to_string(length) + "\r\n";
    return h + "\r\n";
  }

  void send(reply r) {
    const bool keep = request_.keep_alive();
    auto out = std::make_shared<std::string>(head(r, r.body.size(), false, keep) + r.body);
    asio::async_write(stream_, asio::buffer(*out), [self = this->shared_from_this(), out, keep](beast::error_code ec, std::size_t) {
      if (ec || !keep) return self->close();
      self->read();
    });
  }

  // The answer, damaged as the fault says, then the connection closed.
  void send_broken(reply r, const fault_rule& f) {
    auto out = std::make_shared<std::string>();
    switch (f.kind) {
    case fault_kind::close_before: return close();
    case fault_kind::close_mid_headers: {
      std::string h = head(r, r.body.size());
      *out = h.substr(0, h.size() / 2);
      break;
    }
    case fault_kind::close_mid_body: *out = head(r, r.body.size()) + r.body.substr(0, r.body.size() / 2); break;
    case fault_kind::truncated: {
      std::string cut = r.body.substr(0, r.body.size() / 2);
      *out = head(r, cut.size()) + cut;
      break;
    }
    case fault_kind::malformed: {
      std::string bad = R"({"code":0,"data":{"jobId":"x",,]})";
      *out = head(r, bad.size()) + bad;
      break;
    }
    case fault_kind::oversized: return send_oversized(r, f);
    default: break;
    }
    asio::async_write(stream_, asio::buffer(*out), [self = this->shared_from_this(), out](beast::error_code, std::size_t) {
      self->close();
    });
  }

  // A valid answer padded with spaces to `bytes`, streamed in pieces so the emulator never
  // holds it whole.
  void send_oversized(reply r, const fault_rule& f) {
    const std::size_t total = std::max<std::size_t>(r.body.size(), static_cast<std::size_t>(f.bytes));
    auto first = std::make_shared<std::string>(head(r, total, f.chunked));
    if (f.chunked) first->append(to_hex(r.body.size()) + "\r\n" + r.body + "\r\n");
    else first->append(r.body);
    remaining_ = total - r.body.size();
    chunked_ = f.chunked;
    asio::async_write(stream_, asio::buffer(*first), [self = this->shared_from_this(), first](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->pad();
    });
  }

  static std::string to_hex(std::size_t n) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%zx", n);
    return buf;
  }

  void pad() {
    if (remaining_ == 0) {
      if (!chunked_) return close();
      auto end = std::make_shared<std::string>("0\r\n\r\n");
      asio::async_write(stream_, asio::buffer(*end), [self = this->shared_from_this(), end](beast::error_code, std::size_t) {
        self->close();
      });
      return;
    }
    const std::size_t n = std::min<std::size_t>(remaining_, 64 * 1024);
    remaining_ -= n;
    auto piece = std::make_shared<std::string>();
    if (chunked_) piece->append(to_hex(n) + "\r\n");
    piece->append(n, ' ');
    if (chunked_) piece->append("\r\n");
    asio::async_write(stream_, asio::buffer(*piece), [self = this->shared_from_this(), piece](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->pad();
    });
  }

  void close() {
    release();
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(stream_).socket();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  shared_state& state_;
  Stream stream_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::request<http::string_body> request_;
  const fault_rule* fault_ = nullptr;
  std::size_t remaining_ = 0;
  std::uint64_t held_ = 0;  // request bytes taken from the shared budget
  bool chunked_ = false;
};

class server {
public:
  server(asio::io_context& ioc, const tcp::endpoint& at, shared_state& st, asio::ssl::context* tls)
      : ioc_(ioc), acceptor_(ioc), retry_(ioc), state_(st), tls_(tls) {
    acceptor_.open(at.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    if (at.address().is_v6()) acceptor_.set_option(asio::ip::v6_only(true));
    acceptor_.bind(at);
    acceptor_.listen(asio::socket_base::max_listen_connections);
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  void start() { accept(); }

private:
  void accept() {
    acceptor_.async_accept(ioc_, [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (ec == asio::error::no_descriptors || ec == boost::system::errc::too_many_files_open_in_system) {
        // Out of descriptors: retrying at once would spin a core. Wait for some to free up.
        retry_.expires_after(std::chrono::milliseconds(100));
        retry_.async_wait([this](beast::error_code e) {
          if (!e) accept();
        });
        return;
      }
      if (!ec) {
        ++state_.stats.connections;
        socket.set_option(tcp::no_delay(true), ec);
        if (tls_) {
          std::make_shared<session<beast::ssl_stream<beast::tcp_stream>>>(state_, std::move(socket), *tls_)->start();
        } else {
          std::make_shared<session<beast::tcp_stream>>(state_, std::move(socket))->start();
        }
      }
      accept();
    });
  }

  asio::io_context& ioc_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  shared_state& state_;
  asio::ssl::context* tls_;
};

} // namespace zic_emulator

#endif
