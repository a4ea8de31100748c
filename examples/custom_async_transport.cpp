// Plug in your own asynchronous HTTP stack: `get_executor()` and `async_send(request, response,
// token)` completing with `void(zic::result<void>)`. This one answers from memory after a short
// timer, as a stack waiting on a socket would, and honours cancellation as zic expects:
//   - complete through the handler's associated executor (Asio's rule): never inline;
//   - a timed-out exchange ends in errc::timeout, a cancelled one in errc::cancelled, with
//     request_sent set when any byte may have reached the server;
//   - cancellation comes through the handler's cancellation slot, terminal type: stop the
//     exchange and complete at once.
#include <zic/async.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

namespace asio = boost::asio;

struct memory_transport {
  asio::any_io_executor ex;
  asio::any_io_executor get_executor() const { return ex; }

  template <class Token> auto async_send(const zic::http_request& request, zic::http_response& out, Token&& token) {
    return asio::async_initiate<Token, void(zic::result<void>)>(
        [this, &request, &out](auto handler) {
          // The "network": a timer. Its own cancellation is how a socket's would look.
          auto timer = std::make_shared<asio::steady_timer>(ex, std::chrono::milliseconds(20));
          auto slot = asio::get_associated_cancellation_slot(handler);
          if (slot.is_connected())
            slot.assign([timer](asio::cancellation_type type) {
              if (!!(type & asio::cancellation_type::terminal)) timer->cancel();
            });
          const bool create = request.target.ends_with("/create");
          auto work = asio::get_associated_executor(handler, ex);
          timer->async_wait([timer, &out, create, work, h = std::move(handler)](boost::system::error_code ec) mutable {
            if (auto s = asio::get_associated_cancellation_slot(h); s.is_connected()) s.clear();
            zic::result<void> r;
            if (ec) {  // cancelled: the request went out, so say it may have arrived
              zic::error e(zic::errc::cancelled, "the exchange was cancelled");
              e.request_sent = true;
              r = std::move(e);
            } else {
              out.status = 200;
              out.headers.clear();
              out.body = create ? R"({"code":0,"data":{"jobId":"448761313698322011"}})"
                                : R"({"code":0,"data":{"jobId":"448761313698322011","state":"Importing","progress":40}})";
            }
            // On the handler's own executor, and never inside async_send itself.
            asio::dispatch(work, [h = std::move(h), r = std::move(r)]() mutable { std::move(h)(std::move(r)); });
          });
        },
        token);
  }
};
static_assert(zic::async_http_transport<memory_transport>);

int main() {
  asio::io_context io;
  zic::client_options options;
  options.endpoint = "http://milvus.internal:19530";
  zic::basic_async_client<memory_transport> client(options, memory_transport{io.get_executor()});

  int status = 1;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        zic::create_import_request request;
        request.collection_name = "books";
        request.files = {{"books/part-0.parquet"}};
        // GCC 12: bind what a co_await returns to a named variable, never to a temporary that
        // lives across another co_await (not `auto r = c ? co_await a() : co_await b();`).
        auto job = co_await client.async_create_import(request, asio::use_awaitable);
        if (!job) co_return;
        // The job never finishes here: a cancellation ends the wait after 200 ms.
        asio::cancellation_signal cancel;
        asio::steady_timer soon(io, std::chrono::milliseconds(200));
        soon.async_wait([&](auto) { cancel.emit(asio::cancellation_type::terminal); });
        auto waited = co_await client.async_wait_for_import(
            *job, {}, asio::bind_cancellation_slot(cancel.slot(), asio::use_awaitable));
        if (!waited && waited.error().code == zic::errc::cancelled) {
          std::printf("%s\n", waited.error().message.c_str());  // names the job; the server's job goes on
          status = 0;
        }
      },
      asio::detached);
  io.run();
  return status;
}
