#ifndef ZIC_WAIT_ENGINE_HPP
#define ZIC_WAIT_ENGINE_HPP

// Waiting for one job as a step machine that does no I/O: "describe now", "pause for d" or
// "done". Both clients drive it, so they poll, back off and give up alike.

#include "call_options.hpp"
#include "clock.hpp"
#include "model.hpp"
#include "operation.hpp"
#include "result.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>

ZIC_NAMESPACE_BEGIN

/**
 * How `wait_for_import` polls: after each poll it pauses `interval`, growing the pause by
 * `backoff` while nothing changes, up to `max_interval` (or `interval` itself when that is
 * larger), and back to `interval` on any change.
 *
 * @code
 * zic::wait_options w;
 * w.interval = std::chrono::seconds(20);   // a slow job: poll every 20 s, growing to 20 s
 * w.deadline = std::chrono::hours(2);      // then errc::timeout
 * w.on_progress = [](const zic::import_progress& p) { show(p.progress); };
 * @endcode
 */
struct wait_options {
  /// Shortest pause allowed: a smaller interval would poll a server thousands of times a second.
  static constexpr std::chrono::milliseconds min_interval{100};

  std::chrono::milliseconds interval{1000};        ///< first pause between polls, at least `min_interval`
  std::chrono::milliseconds max_interval{10'000};  ///< pauses grow while nothing changes, up to this
  double backoff = 1.5;                            ///< growth of the pause per unchanged poll (>= 1)
  /// Give up with `errc::timeout` after this; no poll starts later, and the last lands on it.
  std::chrono::milliseconds deadline{std::chrono::hours(24)};
  bool two_phase = false;                          ///< also stop at Uncommitted
  std::stop_token stop;                            ///< cancel (errc::cancelled)
  std::function<void(const import_progress&)> on_progress;  ///< after every poll
};

/// What a driver does next while waiting (see `wait_engine`).
struct wait_step {
  enum kind { describe, wait, done };
  kind next = done;
  std::chrono::milliseconds delay{0};  ///< how long to pause, when `next == wait`
};

/**
 * The polling policy of `wait_for_import`, sans I/O. Describe the job into `progress()` with
 * `describe_options()` (bounded by the wait's deadline and stop) when told to.
 */
class wait_engine {
public:
  wait_engine(std::string_view job_id, const wait_options& w)
      : job_id_(job_id), w_(w), pause_(w.interval), max_pause_(std::max(w.interval, w.max_interval)) {
    call_.stop = w.stop;
  }

  wait_step start(clock::time_point now) {
    if (w_.interval < wait_options::min_interval)
      return finish(zic::error(errc::invalid_argument,
                               "the wait interval is " + std::to_string(w_.interval.count()) +
                                   " ms; it must be at least " + std::to_string(wait_options::min_interval.count()) +
                                   " ms, or the job's server is polled too often"));
    if (!(w_.backoff >= 1.0)) return finish(zic::error(errc::invalid_argument, "the wait backoff must be at least 1"));
    if (w_.deadline.count() <= 0) return finish(zic::error(errc::invalid_argument, "the wait deadline must be positive"));
    start_ = now;
    deadline_ = detail::later(now, w_.deadline);
    return poll();
  }

  /// Where each describe writes, and the options it runs under (the wait's stop; each poll has
  /// the client's own per-call deadline, so the last one, on the wait's deadline, can finish).
  import_progress& progress() noexcept { return p_; }
  const call_options& describe_options() const noexcept { return call_; }

  wait_step after_describe(result<void> described, clock::time_point now) {
    // A stop that lands in an exchange ends the wait, and says so as a stop in a pause does.
    if (!described && described.error().code == errc::cancelled) return finish(cancelled());
    if (!described) return finish(std::move(described).error());
    if (w_.on_progress) w_.on_progress(p_);
    if (is_terminal(p_.state, w_.two_phase)) return finish({});
    const bool changed = p_.state_text != last_state_ || p_.progress != last_progress_;
    last_state_ = p_.state_text;
    last_progress_ = p_.progress;
    const double grown = double(pause_.count()) * w_.backoff;  // compared as double: no overflow
    pause_ = changed                                 ? w_.interval
             : grown >= double(max_pause_.count()) ? max_pause_
                                                     : std::chrono::milliseconds(std::int64_t(grown));
    if (now >= deadline_) {
      auto waited = std::chrono::duration_cast<std::chrono::seconds>(now - start_).count();
      return finish(zic::error(errc::timeout, "wait for import job " + job_id_ + " timed out after " +
                                                  std::to_string(waited) + " s; it is still " + p_.state_text +
                                                  " at " + std::to_string(p_.progress) + "%"));
    }
    // The last pause is cut short so that a final poll lands on the deadline, not before it.
    if (detail::later(now, pause_) > deadline_)
      return {wait_step::wait, std::chrono::ceil<std::chrono::milliseconds>(deadline_ - now)};
    return {wait_step::wait, pause_};
  }

  /// After the pause: `interrupted` when a stop cut it short.
  wait_step after_wait(bool interrupted) { return interrupted ? finish(cancelled()) : poll(); }

  /// Ends the wait as cancelled (the driver saw its own cancellation signal).
  wait_step cancel() { return finish(cancelled()); }

  /// The last progress (a Failed job is a value), or why the wait ended without one.
  result<import_progress> take_result() {
    if (error_) return std::move(*error_);
    return std::move(p_);
  }

private:
  wait_step poll() {
    if (w_.stop.stop_requested()) return finish(cancelled());
    return {wait_step::describe, {}};
  }
  wait_step finish(result<void> r) {
    if (!r) error_.emplace(std::move(r).error());
    return {wait_step::done, {}};
  }
  zic::error cancelled() const {
    return zic::error(errc::cancelled, detail::cancelled_message("wait", job_id_));
  }

  std::string job_id_;
  const wait_options& w_;
  call_options call_;
  std::chrono::milliseconds pause_, max_pause_;
  clock::time_point start_{}, deadline_{};
  import_progress p_;
  std::string last_state_;
  int last_progress_ = -1;
  std::optional<zic::error> error_;
};

ZIC_NAMESPACE_END

#endif // ZIC_WAIT_ENGINE_HPP
