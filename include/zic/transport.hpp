#ifndef ZIC_TRANSPORT_HPP
#define ZIC_TRANSPORT_HPP

#include "http.hpp"
#include "result.hpp"

#include <concepts>
#include <memory>
#include <type_traits>
#include <utility>

ZIC_NAMESPACE_BEGIN

/**
 * What zic needs from an HTTP stack: send one request, return the answer or an error.
 *
 * - A non-2xx status is an answer, not a failure: return it; the client maps it.
 * - Failures are `zic::error` values (`errc::transport`, `timeout`, `tls`, `too_large`) with
 *   `request_sent` set when any byte may have reached the server. Never throw.
 * - Honour `http_request::timeout` for the whole exchange.
 * - Reserve `SIMDJSON_PADDING` bytes of capacity behind the body, or the parser copies it.
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
 * A type-erased transport, for code that wants no templates: holds any `http_transport` by
 * value (or a user's own by `std::unique_ptr`) behind one virtual call.
 */
class any_transport {
public:
  template <http_transport T>
    requires(!std::same_as<std::remove_cvref_t<T>, any_transport>)
  any_transport(T&& t) : self_(std::make_unique<model<std::remove_cvref_t<T>>>(std::forward<T>(t))) {}

  any_transport(any_transport&&) noexcept = default;
  any_transport& operator=(any_transport&&) noexcept = default;

  result<http_response> send(const http_request& r) { return self_->send(r); }

private:
  struct concept_t {
    virtual ~concept_t() = default;
    virtual result<http_response> send(const http_request& r) = 0;
  };
  template <class T> struct model final : concept_t {
    template <class U> explicit model(U&& u) : t(std::forward<U>(u)) {}
    result<http_response> send(const http_request& r) override { return t.send(r); }
    T t;
  };
  std::unique_ptr<concept_t> self_;
};

static_assert(http_transport<any_transport>);

ZIC_NAMESPACE_END

#endif // ZIC_TRANSPORT_HPP
