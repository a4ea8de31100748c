#ifndef ZIC_ASYNC_PARALLEL_HPP
#define ZIC_ASYNC_PARALLEL_HPP

// zic::async_describe_many: many jobs described over K connections on one executor.

#include <zic/async_client.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstddef>
#include <exception>
#include <memory>
#include <span>
#include <string>
#include <vector>

ZIC_NAMESPACE_BEGIN

namespace detail::async {

template <class AsyncTransport> struct describe_many_state {
  std::vector<basic_async_client<AsyncTransport>> clients;
  std::vector<result<import_progress>> out;
  std::size_t next = 0, running = 0;
  bool cancelled = false;  // ids not yet sent are marked cancelled, never sent
};

template <class AsyncTransport>
boost::asio::awaitable<void> describe_worker(std::shared_ptr<describe_many_state<AsyncTransport>> s,
                                             std::span<const std::string> ids, std::size_t worker) {
  auto& client = s->clients[worker];
  for (std::size_t i = s->next++; i < ids.size(); i = s->next++) {
    if (s->cancelled) {
      s->out[i] = zic::error(errc::cancelled, "describe of import job " + ids[i] +
                                                  " was cancelled before it was sent; the job itself is unaffected");
      continue;
    }
    s->out[i] = co_await client.async_describe_import(ids[i], boost::asio::use_awaitable);
  }
}

template <class AsyncTransport>
boost::asio::awaitable<std::vector<result<import_progress>>>
describe_all(std::shared_ptr<describe_many_state<AsyncTransport>> s, std::span<const std::string> ids) {
  namespace asio = boost::asio;
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer all_done(ex, asio::steady_timer::time_point::max());
  s->running = s->clients.size();
  for (std::size_t w = 0; w < s->clients.size(); ++w)
    asio::co_spawn(ex, describe_worker(s, ids, w), [s, &all_done](std::exception_ptr) {
      if (--s->running == 0) all_done.cancel();
    });
  while (s->running > 0) co_await all_done.async_wait(asio::as_tuple(asio::use_awaitable));
  co_return std::move(s->out);
}

} // namespace detail::async

/**
 * Describes many jobs at once over `connections` keep-alive connections, all on `ex`: one
 * asynchronous client per connection (transports from `make_transport()`), sharing one rate
 * limiter, taking jobs from one queue. No thread is started. Completes with
 * `void(std::vector<zic::result<import_progress>>)` in the order of `job_ids`, which live until
 * completion. Terminal cancellation ends every call still running with `errc::cancelled`, and
 * marks every job not yet described cancelled without sending its request.
 *
 * @code
 * auto all = co_await zic::async_describe_many(options, ids, 8,
 *     [&] { return zic::beast_async_transport(io.get_executor()); }, boost::asio::use_awaitable);
 * @endcode
 */
template <class MakeTransport, class Token>
auto async_describe_many(client_options options, std::span<const std::string> job_ids, std::size_t connections,
                         MakeTransport make_transport, Token&& token) {
  using transport_type = std::invoke_result_t<MakeTransport&>;
  using results = std::vector<result<import_progress>>;
  return boost::asio::async_initiate<Token, void(results)>(
      [](auto handler, client_options o, std::span<const std::string> ids, std::size_t k, MakeTransport make) {
        namespace asio = boost::asio;
        auto s = std::make_shared<detail::async::describe_many_state<transport_type>>();
        s->out.assign(ids.size(), result<import_progress>(zic::error()));
        auto first = make();
        auto ex = first.get_executor();
        if (auto ctx = make_request_context(o); !ctx) {
          for (auto& r : s->out) r = ctx.error();
        } else if (!ids.empty()) {
          o.limiter = make_rate_limiter(o, *ctx);  // one limiter shared by every connection
          const std::size_t n = std::clamp<std::size_t>(k, 1, ids.size());
          s->clients.reserve(n);
          s->clients.emplace_back(o, std::move(first));
          while (s->clients.size() < n) s->clients.emplace_back(o, make());
        }
        auto slot = asio::get_associated_cancellation_slot(handler);
        if (slot.is_connected())
          slot.template emplace<std::function<void(asio::cancellation_type)>>(
              [w = std::weak_ptr(s)](asio::cancellation_type t) {
                if (!(t & asio::cancellation_type::terminal)) return;
                if (auto p = w.lock()) {
                  p->cancelled = true;
                  for (auto& c : p->clients) c.cancel();
                }
              });
        auto hex = asio::get_associated_executor(handler, ex);
        asio::co_spawn(ex, detail::async::describe_all(s, ids),
                       asio::bind_executor(hex, [h = std::move(handler), slot, ids](std::exception_ptr e, results r) mutable {
                         if (slot.is_connected()) slot.clear();
                         if (e) r.assign(ids.size(), detail::async::escaped(e));
                         std::move(h)(std::move(r));
                       }));
      },
      token, std::move(options), job_ids, connections, std::move(make_transport));
}

ZIC_NAMESPACE_END

#endif // ZIC_ASYNC_PARALLEL_HPP
