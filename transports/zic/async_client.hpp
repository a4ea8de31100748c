#ifndef ZIC_ASYNC_CLIENT_HPP
#define ZIC_ASYNC_CLIENT_HPP

// zic::basic_async_client: the import API on an Asio executor. The same engines as the
// blocking client decide every policy; this driver only sends through an
// `async_http_transport` and pauses on a timer, so a call never blocks its thread.

#include <zic/zic.hpp>  // the core, as one header: also the single header
#include <zic/detail/async.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>

ZIC_NAMESPACE_BEGIN

template <class AsyncTransport> class async_job_watcher;

namespace detail::async {

/// What a `basic_async_client` and its calls share. Each call holds it alive until it
/// completes, so a client may be moved, or destroyed with a call in flight.
template <class AsyncTransport> struct client_core {
  template <class T> using outcome = detail::async::outcome<T>;
  template <class T> using awaitable = boost::asio::awaitable<outcome<T>>;

  client_core(client_options&& o, AsyncTransport&& t, request_context&& c)
      : options_(std::move(o)), transport_(std::move(t)), ctx_(std::move(c)), limiter_(make_rate_limiter(options_, ctx_)),
        timer_(transport_.get_executor()), cancel_(std::make_shared<canceller>(transport_.get_executor())) {}

  boost::asio::any_io_executor executor() const { return transport_.get_executor(); }

  // Runs `body`, holding `keep` (this core) until it ends, with `stop` wired to this
  // operation's abort; the client is free for another call once it ends.
  template <class T>
  awaitable<T> guarded(std::shared_ptr<client_core> keep, boost::asio::awaitable<outcome<T>> body, std::stop_token stop,
                       std::uint64_t generation) {
    std::optional<canceller::stop_callback> callback;
    cancel_->watch(callback, stop, generation);
    struct release {
      client_core* c;
      ~release() { c->busy_ = false; }
    } done{keep.get()};
    co_return co_await std::move(body);
  }

  awaitable<std::string> co_create(result<http_request> req, create_import_request r, call_options call) {
    if (!req) co_return std::move(req).error();
    // Named, not temporary: GCC 12 mishandles temporaries that live across a co_await.
    std::string id;
    auto read = [&](auto what, auto data, bool has) { return detail::read_create(what, data, has, id); };
    auto ok = co_await run(operation::create, *req, read, call, &r);
    if (!ok) co_return std::move(ok).error();
    co_return id;
  }

  awaitable<import_progress> co_describe(result<void> built, call_options call) {
    if (!built) co_return std::move(built).error();
    import_progress p;
    auto read = detail::progress_into(p, asked_);
    auto ok = co_await run(operation::describe, request_, read, call, nullptr, asked_);
    if (!ok) co_return std::move(ok).error();
    co_return p;
  }

  awaitable<void> co_describe_into(result<void> built, import_progress& out, call_options call) {
    if (!built) co_return built;
    auto read = detail::progress_into(out, asked_);
    co_return co_await run(operation::describe, request_, read, call, nullptr, asked_);
  }

  awaitable<import_progress_view> co_describe_view(result<void> built, call_options call) {
    if (!built) co_return std::move(built).error();
    import_progress_view v;
    auto read = detail::progress_view_into(v, views_, asked_);
    auto ok = co_await run(operation::describe, request_, read, call, nullptr, asked_);
    if (!ok) co_return std::move(ok).error();
    co_return v;
  }

  // Every page, as `basic_client::for_each_import_job` walks them.
  template <class Visit> awaitable<void> co_for_each(Visit visit, list_import_jobs_request r, call_options call) {
    list_walk walk(ctx_, std::move(r));
    import_job_page page;
    while (walk.more()) {
      auto listed = co_await list_step(walk.request(), page, call);
      if (!listed) co_return listed;
      if (auto ok = walk.after_page(page, visit); !ok) co_return ok;
    }
    co_return result<void>{};
  }

  awaitable<import_job_page> co_list(result<http_request> req, list_import_jobs_request r, call_options call) {
    if (!req) co_return std::move(req).error();
    import_job_page page;
    auto read = detail::list_into(page);
    auto ok = co_await run(operation::list, *req, read, call);
    if (!ok) co_return std::move(ok).error();
    detail::keep_collection(ctx_, r, page);
    co_return page;
  }

  awaitable<void> co_plain(operation op, result<http_request> req, call_options call) {
    if (!req) co_return std::move(req).error();
    co_return co_await run(op, *req, detail::read_nothing, call);
  }

  awaitable<import_progress> co_wait(std::string job_id, wait_options w) {
    wait_engine engine(job_id, w);
    for (auto step = engine.start(now());;) {
      if (cancel_->requested() && step.next != wait_step::done) step = engine.cancel();
      switch (step.next) {
      case wait_step::describe: {
        auto ok = co_await describe_step(job_id, engine.progress(), engine.describe_options());
        step = engine.after_describe(std::move(ok), now());
        break;
      }
      case wait_step::wait: {
        const bool slept = co_await pause(step.delay);
        step = engine.after_wait(!slept);
        break;
      }
      case wait_step::done: co_return engine.take_result();
      }
    }
  }

  // One describe inside a longer operation (a wait, a sweep).
  boost::asio::awaitable<result<void>> describe_step(std::string_view job_id, import_progress& out,
                                                     const call_options& call) {
    if (auto ok = make_describe_request(ctx_, job_id, request_); !ok) co_return ok;
    auto read = detail::progress_into(out, job_id);
    co_return co_await run(operation::describe, request_, read, call, nullptr, job_id);
  }

  // One list page inside a longer operation.
  boost::asio::awaitable<result<void>> list_step(const list_import_jobs_request& r, import_job_page& out,
                                                 const call_options& call) {
    auto req = make_list_request(ctx_, r);
    if (!req) co_return std::move(req).error();
    auto read = detail::list_into(out);
    co_return co_await run(operation::list, *req, read, call);
  }

  // Pauses on the timer; false when the operation was aborted meanwhile.
  boost::asio::awaitable<bool> pause(std::chrono::milliseconds d) {
    namespace asio = boost::asio;
    timer_.expires_after(std::min(d, std::chrono::milliseconds(std::chrono::hours(24 * 365))));
    co_await timer_.async_wait(asio::bind_cancellation_slot(cancel_->signal().slot(), asio::as_tuple(asio::use_awaitable)));
    co_return !cancel_->requested();
  }

  // Drives one call's engine: send through the transport, pause on the timer.
  template <class Read>
  boost::asio::awaitable<result<void>> run(operation op, http_request& req, Read&& read, const call_options& call,
                                           const create_import_request* secrets = nullptr, std::string_view job = {}) {
    detail::api_answer<Read&> answer{parser_, op, read, secrets};
    call_kind kind(op);
    kind.job = job;
    call_engine<detail::api_answer<Read&>&> engine(call_env::of(options_, ctx_, limiter_.get(), attempts_), kind,
                                                   req, answer, call);
    for (auto step = engine.start(now());;) {
      if (cancel_->requested() && step.next != call_step::done) step = engine.cancel();
      switch (step.next) {
      case call_step::send: {
        auto sent = co_await send(req);
        // An answer that arrived is kept even when cancellation raced it: it may carry a job id.
        step = cancel_->requested() && !sent
                   ? engine.cancel(sent.error().request_sent)
                   : engine.after_send(std::move(sent), response_, now(), detail::uniform01(),
                                       std::chrono::system_clock::now());
        break;
      }
      case call_step::wait: {
        const bool slept = co_await pause(step.delay);
        step = engine.after_wait(!slept, now());
        break;
      }
      case call_step::done: co_return engine.take_result();
      }
    }
  }

  clock::time_point now() const { return options_.clock.now(); }

  // One exchange, cut short by the operation's abort. A transport that offers its exchange as a
  // coroutine (`beast_async_transport`) is awaited directly; any other through `async_send`.
  boost::asio::awaitable<result<void>> send(http_request& req) {
    namespace asio = boost::asio;
    if constexpr (requires { transport_.send_awaitable(req, response_); transport_.cancel(); }) {
      auto slot = cancel_->signal().slot();
      slot.assign([this](asio::cancellation_type t) {
        if (!!(t & asio::cancellation_type::terminal)) transport_.cancel();
      });
      auto sent = co_await transport_.send_awaitable(req, response_);
      slot.clear();
      co_return sent;
    } else {
      co_return co_await transport_.async_send(req, response_,
                                               asio::bind_cancellation_slot(cancel_->signal().slot(), asio::use_awaitable));
    }
  }

  client_options options_;
  AsyncTransport transport_;
  request_context ctx_;
  response_parser parser_;
  std::shared_ptr<rate_limiter> limiter_;
  http_request request_;
  std::string asked_;  // the job a describe asks about, to check the answer against
  http_response response_;
  detail::view_storage views_;  // what a view's strings point into, until the next call
  boost::asio::steady_timer timer_;
  std::shared_ptr<canceller> cancel_;
  std::uint64_t attempts_ = 0;
  bool busy_ = false;  // a call is in flight
};

} // namespace detail::async

/**
 * The import API over any `async_http_transport`, for event loops. Every call takes an Asio
 * completion token (a callback, `use_awaitable`, `use_future`, `deferred`) and completes with
 * `void(zic::result<T>)` on the token's executor; `call_options` may come before the token.
 *
 * - Policies are the blocking client's, from the same engines: retries with backoff and
 *   jitter, `Retry-After`, deadlines, idempotency keys, rate limiting, observer, scrubbing.
 *   Pauses are timers on the transport's executor; nothing blocks.
 * - Cancellation: terminal cancellation through the token's slot
 *   (`bind_cancellation_slot`), `call_options::stop`, `wait_options::stop` or `cancel()` ends
 *   the call promptly with `errc::cancelled`, during an exchange, a backoff or a rate-limit
 *   wait alike.
 * - One call at a time per client (it owns one connection, one parser and one timer). A call
 *   made while another is in flight (a watcher's run included) completes at once with
 *   `errc::busy` and sends nothing. Run many calls at once over many clients (see
 *   `async_describe_many`).
 * - Arguments are read when the call is made (a `deferred` call: when it is launched); an
 *   `out` argument lives until completion.
 * - GCC 12: bind what a `co_await` returns to a named variable. GCC 12 can destroy a temporary
 *   that lives across a `co_await` twice, so `auto r = c ? co_await a(...) : co_await b(...);`
 *   compiles and then crashes; write an `if` with one named result in each branch instead.
 * - The client's state lives behind a shared pointer that each call holds: moving the client,
 *   or destroying it with a call in flight (on its executor), is safe. Destroying it ends the
 *   call in flight as `cancel()` would, and its handler still runs, with `errc::cancelled`.
 *
 * @code
 * boost::asio::io_context io;
 * zic::basic_async_client client(options, zic::beast_async_transport(io.get_executor()));
 * boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> {
 *   auto id = co_await client.async_create_import(request, boost::asio::use_awaitable);
 *   auto done = co_await client.async_wait_for_import(id.value(), {}, boost::asio::use_awaitable);
 * }, boost::asio::detached);
 * io.run();
 * @endcode
 */
template <class AsyncTransport>
  requires async_http_transport<AsyncTransport>
class basic_async_client {
  using core = detail::async::client_core<AsyncTransport>;

public:
  using executor_type = boost::asio::any_io_executor;

  /// Validates `options`; throws `zic::exception` on bad ones (`make` returns the error).
  basic_async_client(client_options options, AsyncTransport transport)
      : basic_async_client(std::move(options), std::move(transport), check(make_request_context(options))) {}

  /// Like the constructor, returning the configuration error instead of throwing.
  static result<basic_async_client> make(client_options options, AsyncTransport transport) {
    auto ctx = make_request_context(options);
    if (!ctx) return std::move(ctx).error();
    return basic_async_client(std::move(options), std::move(transport), std::move(*ctx));
  }

  basic_async_client(basic_async_client&&) noexcept = default;
  basic_async_client& operator=(basic_async_client&&) = delete;  // a call in flight would be orphaned
  /// Ends a call in flight as `cancel()` does; its handler still runs. Call on the executor.
  ~basic_async_client() {
    if (c_ && c_->busy_) c_->cancel_->abort_current();
  }

  executor_type get_executor() const { return c_->executor(); }
  const request_context& context() const noexcept { return c_->ctx_; }
  const client_options& options() const noexcept { return c_->options_; }
  api_flavor flavor() const noexcept { return c_->ctx_.flavor; }
  /// HTTP attempts made so far (retries included).
  std::uint64_t attempts() const noexcept { return c_->attempts_; }
  AsyncTransport& transport() noexcept { return c_->transport_; }
  /// Whether a call is in flight (another one would complete with `errc::busy`).
  bool busy() const noexcept { return c_->busy_; }

  /// Ends the call in progress with `errc::cancelled`, as a terminal cancellation would. Call
  /// on the client's executor.
  void cancel() { c_->cancel_->abort_current(); }

  /// Starts an import: `void(result<std::string>)` with the job id.
  template <class Token> auto async_create_import(const create_import_request& r, Token&& token) {
    return async_create_import(r, call_options{}, std::forward<Token>(token));
  }
  template <class Token> auto async_create_import(const create_import_request& r, const call_options& call, Token&& token) {
    return launch<std::string>(std::forward<Token>(token), call.stop, [c = c_.get(), &r, call] {
      return c->co_create(detail::make_keyed_create_request(c->options_, c->ctx_, r), r, call);
    });
  }

  /// The job's progress: `void(result<import_progress>)`.
  template <class Token> auto async_describe_import(std::string_view job_id, Token&& token) {
    return async_describe_import(job_id, call_options{}, std::forward<Token>(token));
  }
  template <class Token> auto async_describe_import(std::string_view job_id, const call_options& call, Token&& token) {
    return launch<import_progress>(std::forward<Token>(token), call.stop, [c = c_.get(), job_id, call] {
      c->asked_.assign(job_id);
      return c->co_describe(make_describe_request(c->ctx_, job_id, c->request_), call);
    });
  }
  /// The same into `out`, reusing its storage (steady polling allocates nothing here):
  /// `void(result<void>)`.
  template <class Token>
  auto async_describe_import(std::string_view job_id, import_progress& out, const call_options& call, Token&& token) {
    return launch<void>(std::forward<Token>(token), call.stop, [c = c_.get(), job_id, &out, call] {
      c->asked_.assign(job_id);
      return c->co_describe_into(make_describe_request(c->ctx_, job_id, c->request_), out, call);
    });
  }

  template <class Token> auto async_describe_import(std::string_view job_id, import_progress& out, Token&& token) {
    return async_describe_import(job_id, out, call_options{}, std::forward<Token>(token));
  }

  /// The job's progress as views into this client, valid until its next call (no copy of any
  /// string): `void(result<import_progress_view>)`.
  template <class Token> auto async_describe_import_view(std::string_view job_id, Token&& token) {
    return async_describe_import_view(job_id, call_options{}, std::forward<Token>(token));
  }
  template <class Token>
  auto async_describe_import_view(std::string_view job_id, const call_options& call, Token&& token) {
    return launch<import_progress_view>(std::forward<Token>(token), call.stop, [c = c_.get(), job_id, call] {
      c->asked_.assign(job_id);
      return c->co_describe_view(make_describe_request(c->ctx_, job_id, c->request_), call);
    });
  }

  /**
   * Every job, page by page, as `basic_client::for_each_import_job`: `visit(const
   * import_job_summary&)` for each (returning `false` stops the walk), then `void(result<void>)`.
   */
  template <class Visit, class Token> auto async_for_each_import_job(Visit visit, Token&& token) {
    return async_for_each_import_job(std::move(visit), list_import_jobs_request{}, call_options{},
                                     std::forward<Token>(token));
  }
  template <class Visit, class Token>
  auto async_for_each_import_job(Visit visit, list_import_jobs_request r, Token&& token) {
    return async_for_each_import_job(std::move(visit), std::move(r), call_options{}, std::forward<Token>(token));
  }
  template <class Visit, class Token>
  auto async_for_each_import_job(Visit visit, list_import_jobs_request r, const call_options& call, Token&& token) {
    return launch<void>(std::forward<Token>(token), call.stop,
                        [c = c_.get(), v = std::move(visit), r = std::move(r), call]() mutable {
                          return c->co_for_each(std::move(v), std::move(r), call);
                        });
  }

  /// One page of jobs (cloud), or every job (Milvus): `void(result<import_job_page>)`.
  template <class Token> auto async_list_import_jobs(const list_import_jobs_request& r, Token&& token) {
    return async_list_import_jobs(r, call_options{}, std::forward<Token>(token));
  }
  template <class Token>
  auto async_list_import_jobs(const list_import_jobs_request& r, const call_options& call, Token&& token) {
    return launch<import_job_page>(std::forward<Token>(token), call.stop, [c = c_.get(), &r, call] {
      return c->co_list(make_list_request(c->ctx_, r), r, call);
    });
  }

  /// Commits a two-phase import (Milvus): `void(result<void>)`.
  template <class Token> auto async_commit_import(std::string_view job_id, Token&& token) {
    return async_commit_import(job_id, call_options{}, std::forward<Token>(token));
  }
  template <class Token> auto async_commit_import(std::string_view job_id, const call_options& call, Token&& token) {
    return launch<void>(std::forward<Token>(token), call.stop, [c = c_.get(), job_id, call] {
      return c->co_plain(operation::commit, make_commit_request(c->ctx_, job_id), call);
    });
  }

  /// Aborts a two-phase import (Milvus): `void(result<void>)`.
  template <class Token> auto async_abort_import(std::string_view job_id, Token&& token) {
    return async_abort_import(job_id, call_options{}, std::forward<Token>(token));
  }
  template <class Token> auto async_abort_import(std::string_view job_id, const call_options& call, Token&& token) {
    return launch<void>(std::forward<Token>(token), call.stop, [c = c_.get(), job_id, call] {
      return c->co_plain(operation::abort, make_abort_request(c->ctx_, job_id), call);
    });
  }

  /**
   * Polls until the job is Completed or Failed (or Uncommitted with `two_phase`), as
   * `basic_client::wait_for_import` does: `void(result<import_progress>)`.
   */
  template <class Token> auto async_wait_for_import(std::string_view job_id, Token&& token) {
    return async_wait_for_import(job_id, wait_options{}, std::forward<Token>(token));
  }
  template <class Token> auto async_wait_for_import(std::string_view job_id, const wait_options& w, Token&& token) {
    return launch<import_progress>(std::forward<Token>(token), w.stop, [c = c_.get(), job_id, w] {
      return c->co_wait(std::string(job_id), w);
    });
  }

private:
  template <class> friend class async_job_watcher;

  basic_async_client(client_options&& options, AsyncTransport&& transport, request_context&& ctx)
      : c_(std::make_shared<core>(std::move(options), std::move(transport), std::move(ctx))) {}

  static request_context check(result<request_context> ctx) {
    if (!ctx) detail::throw_error(ctx.error());
    return std::move(*ctx);
  }

  // Starts the coroutine `make()` as one operation behind `token`: the token's cancellation
  // slot and `stop` both abort it. With a call in flight it completes at once with `busy`.
  template <class T, class Token, class Make> auto launch(Token&& token, const std::stop_token& stop, Make make) {
    return boost::asio::async_initiate<Token, void(result<T>)>(
        [c = c_](auto handler, std::stop_token s, Make m) {
          namespace asio = boost::asio;
          if (c->busy_) {
            auto ex = asio::get_associated_executor(handler, c->executor());
            asio::post(ex, [h = std::move(handler)]() mutable {
              std::move(h)(result<T>(zic::error(errc::busy, "the client has a call in flight; it makes one call at a "
                                                            "time (use one client per concurrent call)")));
            });
            return;
          }
          c->busy_ = true;
          const auto generation = c->cancel_->begin();
          auto on_cancel = c->cancel_->slot_handler(generation);
          try {
            detail::async::spawn<T>(
                c->executor(), std::move(handler),
                [&c, &s, &m, generation] { return c->template guarded<T>(c, m(), std::move(s), generation); },
                std::move(on_cancel));
          } catch (...) {  // nothing started (building the request ran out of memory, say)
            c->busy_ = false;
            throw;
          }
        },
        token, stop, std::move(make));
  }

  std::shared_ptr<core> c_;
};

ZIC_NAMESPACE_END

#endif // ZIC_ASYNC_CLIENT_HPP
