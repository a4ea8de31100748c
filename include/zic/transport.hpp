#ifndef ZIC_TRANSPORT_HPP
#define ZIC_TRANSPORT_HPP

#include "http.hpp"
#include "result.hpp"

#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

ZIC_NAMESPACE_BEGIN

namespace detail {
/// A transport's failure, saying whether any byte of the request may have reached the server.
inline zic::error transport_failure(errc code, std::string message, bool sent) {
  zic::error e(code, std::move(message));
  e.request_sent = sent;
  return e;
}

/// How far an answer came before its connection closed, in the words every transport uses.
inline std::string closed_answer(bool got_some, bool header_done, std::size_t body_bytes,
                                 std::optional<std::uint64_t> expected) {
  if (!got_some) return "connection closed before the answer";
  if (!header_done) return "connection closed mid-headers";
  return "connection closed mid-body after " + std::to_string(body_bytes) + " bytes" +
         (expected ? " of " + std::to_string(*expected) : std::string());
}

} // namespace detail

/**
 * What zic needs from an HTTP stack: send one request, return the answer or an error.
 *
 * - A non-2xx status is an answer, not a failure: return it; the client maps it.
 * - Failures are `zic::error` values (`errc::transport`, `timeout`, `tls`, `too_large`) with
 *   `request_sent` set when any byte may have reached the server. Never throw.
 * - Honour `http_request::timeout` for the whole exchange.
 * - Call `http_response::reserve_body` so the parser reads the body in place; it copies otherwise.
 *
 * @code
 * struct my_transport {
 *   zic::result<zic::http_response> send(const zic::http_request& r);
 * };
 * static_assert(zic::http_transport<my_transport>);
 * @endcode
 */
template <class T>
concept http_transport = requires(T& t, const http_request& r) {
  { t.send(r) } -> std::same_as<result<http_response>>;
};

/**
 * A transport that can also answer into the caller's `http_response`, reusing its header
 * strings and body capacity. The client then polls without allocating; `send(req)` stays the
 * required form.
 */
template <class T>
concept reusing_http_transport = http_transport<T> && requires(T& t, const http_request& r, http_response& out) {
  { t.send(r, out) } -> std::same_as<result<void>>;
};

/// The completion handler `async_send` is checked with: any Asio completion token must work.
namespace detail {
struct async_send_archetype {
  void operator()(result<void>) const noexcept {}
};
} // namespace detail

/**
 * The asynchronous form, for event loops: an executor, and `async_send` that answers into the
 * caller's `http_response` and completes with `void(zic::result<void>)` through any Asio
 * completion token (callback, `use_awaitable`, `use_future`, `deferred`). The contract is the
 * blocking one: a non-2xx status is an answer, `request_sent` is honest, the request's timeout
 * covers the whole exchange, nothing throws. Terminal cancellation through the handler's
 * cancellation slot ends the exchange promptly. `req` and `out` live until completion.
 *
 * @code
 * struct my_async_transport {
 *   boost::asio::any_io_executor get_executor();
 *   template <class Token> auto async_send(const zic::http_request&, zic::http_response&, Token&&);
 * };
 * static_assert(zic::async_http_transport<my_async_transport>);
 * @endcode
 */
template <class T>
concept async_http_transport = requires(T& t, const http_request& r, http_response& out) {
  t.get_executor();
  t.async_send(r, out, detail::async_send_archetype{});
};

namespace detail {
/// Sends through any transport into `out`: in place when the transport reuses buffers,
/// otherwise by moving its fresh answer in.
template <http_transport T> result<void> send_into(T& t, const http_request& r, http_response& out) {
  if constexpr (reusing_http_transport<T>) {
    return t.send(r, out);
  } else {
    auto answer = t.send(r);
    if (!answer) return std::move(answer).error();
    out = std::move(*answer);
    return {};
  }
}

/// The required `send(req)` of a transport whose real work is `send(req, out)`.
template <class T> result<http_response> send_fresh(T& t, const http_request& r) {
  http_response out;
  if (auto ok = t.send(r, out); !ok) return std::move(ok).error();
  return out;
}
} // namespace detail

/**
 * A type-erased transport, for code that wants no templates: holds any `http_transport` by
 * value, or one the caller made with `std::make_unique`, behind one virtual call.
 *
 * @code
 * zic::client a(options, zic::beast_transport{});
 * zic::client b(options, std::make_unique<my_transport>());
 * @endcode
 */
class any_transport {
public:
  template <http_transport T>
    requires(!std::same_as<std::remove_cvref_t<T>, any_transport>)
  any_transport(T&& t) : self_(std::make_unique<model<std::remove_cvref_t<T>>>(std::forward<T>(t))) {}

  /// A transport the caller made on the heap (one that cannot move, say), owned from now on.
  template <http_transport T> any_transport(std::unique_ptr<T> t) : any_transport(owned<T>{std::move(t)}) {}

  any_transport(any_transport&&) noexcept = default;
  any_transport& operator=(any_transport&&) noexcept = default;

  result<http_response> send(const http_request& r) { return self_->send(r); }
  /// Reuses `out` when the held transport can; otherwise moves a fresh answer into it.
  result<void> send(const http_request& r, http_response& out) { return self_->send(r, out); }

private:
  template <class T> struct owned {
    std::unique_ptr<T> p;
    result<http_response> send(const http_request& r) { return p->send(r); }
    result<void> send(const http_request& r, http_response& out) { return detail::send_into(*p, r, out); }
  };
  struct concept_t {
    virtual ~concept_t() = default;
    virtual result<http_response> send(const http_request& r) = 0;
    virtual result<void> send(const http_request& r, http_response& out) = 0;
  };
  template <class T> struct model final : concept_t {
    template <class U> explicit model(U&& u) : t(std::forward<U>(u)) {}
    result<http_response> send(const http_request& r) override { return t.send(r); }
    result<void> send(const http_request& r, http_response& out) override { return detail::send_into(t, r, out); }
    T t;
  };
  std::unique_ptr<concept_t> self_;
};

static_assert(reusing_http_transport<any_transport>);

ZIC_NAMESPACE_END

#endif // ZIC_TRANSPORT_HPP
