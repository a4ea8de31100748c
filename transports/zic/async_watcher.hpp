#ifndef ZIC_ASYNC_WATCHER_HPP
#define ZIC_ASYNC_WATCHER_HPP

// zic::async_job_watcher: `job_watcher` on an Asio executor, from the same bookkeeping
// (`detail::watch_state`) and the same list walk, so both report the same transitions.

#include <zic/zic.hpp>  // the core, as one header: also the single header
#include <zic/async_client.hpp>

#include <boost/asio/awaitable.hpp>

#include <string>
#include <utility>

ZIC_NAMESPACE_BEGIN

/**
 * Follows many jobs to completion through a `basic_async_client`, as `job_watcher` does: each
 * sweep lists jobs and describes only what it must. `async_sweep` and `async_run` complete with
 * `void(zic::result<void>)`; a cancellation (the token's slot, `watch_options::stop` or the
 * client's `cancel()`) ends them with `errc::cancelled`, mid-sweep included. A sweep or a run
 * is one call of its client: another call on that client meanwhile completes with
 * `errc::busy`. The watcher outlives its sweeps and runs.
 *
 * @code
 * zic::async_job_watcher watcher(client);
 * for (auto& id : ids) watcher.add(id);
 * co_await watcher.async_run([](const zic::job_transition& t) { log(t); }, boost::asio::use_awaitable);
 * @endcode
 */
template <class AsyncTransport> class async_job_watcher {
public:
  explicit async_job_watcher(basic_async_client<AsyncTransport>& c, watch_options options = {})
      : client_(c), state_(std::move(options)) {}

  void add(std::string job_id) { state_.add(std::move(job_id)); }
  std::size_t unfinished() const noexcept { return state_.unfinished(); }

  /// One sweep, reporting every state change through `on`.
  template <class OnTransition, class Token> auto async_sweep(OnTransition on, Token&& token) {
    return client_.template launch<void>(std::forward<Token>(token), state_.options().stop,
                                         [this, on = std::move(on)]() mutable { return co_sweep(std::move(on)); });
  }

  /// Sweeps every `interval` until no job is unfinished, the deadline passes or it is cancelled.
  template <class OnTransition, class Token> auto async_run(OnTransition on, Token&& token) {
    return client_.template launch<void>(std::forward<Token>(token), state_.options().stop,
                                         [this, on = std::move(on)]() mutable { return co_run(std::move(on)); });
  }

private:
  template <class On> boost::asio::awaitable<detail::async::outcome<void>> co_sweep(On on) {
    co_return co_await sweep(on);
  }

  template <class On> boost::asio::awaitable<detail::async::outcome<void>> co_run(On on) {
    if (auto ok = state_.start_run(client_.c_->now()); !ok) co_return ok;
    while (state_.unfinished() > 0) {
      auto swept = co_await sweep(on);
      if (!swept) co_return swept;
      if (state_.unfinished() == 0) break;
      auto pause = state_.next_pause(client_.c_->now());
      if (!pause) co_return std::move(pause).error();
      const bool slept = co_await client_.c_->pause(*pause);
      if (!slept) co_return detail::watch_state::cancelled();
    }
    co_return result<void>{};
  }

  template <class On> boost::asio::awaitable<result<void>> sweep(On& on) {
    list_walk walk(client_.context(), state_.begin_sweep());
    auto visit = [&](const import_job_summary& s) { return state_.on_listed(s, on); };
    while (walk.more()) {
      auto listed = co_await client_.c_->list_step(walk.request(), page_, state_.call());
      if (!listed) co_return listed;
      if (auto ok = walk.after_page(page_, visit); !ok) co_return ok;
    }
    while (const std::string* id = state_.next_describe()) {
      auto described = co_await client_.c_->describe_step(*id, state_.progress(), state_.call());
      if (auto ok = state_.after_describe(std::move(described), on); !ok) co_return ok;
    }
    co_return result<void>{};
  }

  basic_async_client<AsyncTransport>& client_;
  detail::watch_state state_;
  import_job_page page_;
};

ZIC_NAMESPACE_END

#endif // ZIC_ASYNC_WATCHER_HPP
