#ifndef ZIC_ANY_ASYNC_TRANSPORT_HPP
#define ZIC_ANY_ASYNC_TRANSPORT_HPP

// zic::any_async_transport: any asynchronous transport behind one type, as `any_transport` is
// for blocking ones, and `zic::async_client`, the asynchronous client over it.

#include <zic/zic.hpp>  // the core, as one header: also the single header
#include <zic/async_client.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>

#include <concepts>
#include <memory>
#include <type_traits>
#include <utility>

ZIC_NAMESPACE_BEGIN

/**
 * Holds any `async_http_transport` (Beast's, or one of your own) behind one type, for code
 * that wants no templates. The handler reaches the transport as an Asio
 * `any_completion_handler`, which keeps its executor, cancellation slot and allocator.
 *
 * @code
 * zic::async_client client(options, zic::beast_async_transport(io.get_executor()));
 * @endcode
 */
class any_async_transport {
  using handler_type = boost::asio::any_completion_handler<void(result<void>)>;
  struct erased {
    virtual ~erased() = default;
    virtual boost::asio::any_io_executor executor() const = 0;
    virtual void send(const http_request& req, http_response& out, handler_type handler) = 0;
  };
  template <class T> struct held final : erased {
    T t;
    explicit held(T x) : t(std::move(x)) {}
    boost::asio::any_io_executor executor() const override { return t.get_executor(); }
    void send(const http_request& req, http_response& out, handler_type handler) override {
      t.async_send(req, out, std::move(handler));
    }
  };

public:
  using executor_type = boost::asio::any_io_executor;

  template <class T>
    requires(async_http_transport<T> && !std::same_as<std::remove_cvref_t<T>, any_async_transport>)
  any_async_transport(T transport) : t_(std::make_unique<held<T>>(std::move(transport))) {}

  executor_type get_executor() const { return t_->executor(); }

  /// Sends through the held transport: `void(zic::result<void>)`, any completion token.
  template <class Token> auto async_send(const http_request& req, http_response& out, Token&& token) {
    return boost::asio::async_initiate<Token, void(result<void>)>(
        [t = t_.get()](auto handler, const http_request* r, http_response* o) {
          t->send(*r, *o, handler_type(std::move(handler)));
        },
        token, &req, &out);
  }

private:
  std::unique_ptr<erased> t_;
};

static_assert(async_http_transport<any_async_transport>);

/// The asynchronous client over any transport, the counterpart of `zic::client`.
using async_client = basic_async_client<any_async_transport>;

ZIC_NAMESPACE_END

#endif // ZIC_ANY_ASYNC_TRANSPORT_HPP
