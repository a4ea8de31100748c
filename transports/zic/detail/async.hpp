#ifndef ZIC_DETAIL_ASYNC_HPP
#define ZIC_DETAIL_ASYNC_HPP

// What zic's Asio operations share: running a coroutine behind any completion token, and
// turning a handler's cancellation slot or a stop token into one "abort now" for the
// operation's own timers and exchanges.

#include <zic/zic.hpp>  // the core, as one header: also the single header

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>

#include <exception>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <utility>

ZIC_NAMESPACE_BEGIN
namespace detail::async {
namespace asio = boost::asio;

/// A coroutine's outcome: empty only if it ended by an exception (co_spawn needs a default).
template <class T> using outcome = std::optional<result<T>>;

inline zic::error escaped(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return zic::error(errc::transport, std::string("unexpected failure: ") + x.what());
  } catch (...) {
    return zic::error(errc::transport, "unexpected failure");
  }
}

/**
 * Runs the coroutine `make()` on `ex` and completes `handler` with its `result<T>`, on the
 * handler's own executor. The handler's cancellation slot, if connected, gets `on_cancel`
 * (called with the cancellation type) until completion.
 */
template <class T, class Handler, class Make, class OnCancel>
void spawn(const asio::any_io_executor& ex, Handler&& handler, Make&& make, OnCancel on_cancel) {
  auto slot = asio::get_associated_cancellation_slot(handler);
  if (slot.is_connected()) slot.template emplace<OnCancel>(std::move(on_cancel));
  auto hex = asio::get_associated_executor(handler, ex);
  asio::co_spawn(ex, std::forward<Make>(make)(),
                 asio::bind_executor(hex, [h = std::forward<Handler>(handler), slot](std::exception_ptr e,
                                                                                     outcome<T> r) mutable {
                   if (slot.is_connected()) slot.clear();
                   if (e || !r) r.emplace(e ? escaped(e) : zic::error(errc::transport, "unexpected failure"));
                   std::move(h)(std::move(*r));
                 }));
}

/**
 * One operation's "abort now": the handler's slot and the caller's stop token both end up in
 * `abort`, which every await of the operation checks. Long-lived (one per client), so a
 * cancellation arriving after its operation ended is recognised by generation and ignored.
 */
class canceller : public std::enable_shared_from_this<canceller> {
public:
  explicit canceller(asio::any_io_executor ex) : ex_(std::move(ex)) {}

  /// Starts an operation; returns its generation.
  std::uint64_t begin() {
    requested_ = false;
    return ++generation_;
  }
  bool requested() const noexcept { return requested_; }

  /// The signal whose slot the operation's exchanges and pauses are bound to.
  asio::cancellation_signal& signal() noexcept { return signal_; }

  /// Aborts the operation in progress, if any. Call on the executor.
  void abort_current() { abort(generation_); }

  /// Aborts operation `generation` if it is still the current one. Call on the executor.
  void abort(std::uint64_t generation) {
    if (generation != generation_ || requested_) return;
    requested_ = true;
    signal_.emit(asio::cancellation_type::terminal);
  }

  /// The slot handler for a handler's cancellation slot.
  struct on_slot {
    std::weak_ptr<canceller> c;
    std::uint64_t generation;
    void operator()(asio::cancellation_type t) const {
      if (!(t & asio::cancellation_type::terminal)) return;  // only terminal is honoured
      if (auto p = c.lock()) p->abort(generation);
    }
  };
  on_slot slot_handler(std::uint64_t generation) { return {weak_from_this(), generation}; }

  /// A stop token's callback: it may run on any thread, so it posts to the executor.
  struct on_stop {
    std::weak_ptr<canceller> c;
    asio::any_io_executor ex;
    std::uint64_t generation;
    void operator()() const noexcept {
      try {
        asio::post(ex, [c = c, g = generation] {
          if (auto p = c.lock()) p->abort(g);
        });
      } catch (...) {  // nothing to report to: the stop is then seen at the next step
      }
    }
  };
  using stop_callback = std::stop_callback<on_stop>;
  /// Arms `cb` so that `stop` aborts operation `generation`.
  void watch(std::optional<stop_callback>& cb, const std::stop_token& stop, std::uint64_t generation) {
    if (stop.stop_possible()) cb.emplace(stop, on_stop{weak_from_this(), ex_, generation});
  }

private:
  asio::any_io_executor ex_;
  asio::cancellation_signal signal_;
  std::uint64_t generation_ = 0;
  bool requested_ = false;
};

} // namespace detail::async
ZIC_NAMESPACE_END

#endif // ZIC_DETAIL_ASYNC_HPP
